//! One tap at the door, from request to stored answer: [`prepare`] validates it and reads the
//! facts it depends on (outside any transaction), the writer calls [`apply_in`] to decide it
//! against the child's day as stored and record it.
//!
//! **Conflict rule (two devices, one child):** taps are applied in the order the server receives
//! them, with the rules of `tuoguan_domain::attendance::apply` — a child is checked in once and
//! collected once. When a second check-in (or check-out) arrives from another device, it is
//! refused (409, the day as it stands in the answer), but **the earliest time wins**: if the
//! refused tap was made earlier on its device (a phone that was offline), the recorded time and
//! person become the refused tap's, and the tap is recorded as `merged`. The roll page shows the
//! answer's state, so every device ends up showing the same day.

use axum::http::{HeaderMap, StatusCode};
use chrono::NaiveDate;
use tuoguan_domain::attendance::{self as rules, AbsenceReason, DayState, Event as RuleEvent};
use tuoguan_domain::calendar::{DayKind, WorkCalendar};

use super::store::{self, Event, Row};
use super::{Action, ChildDay, RefusalDetail, Refused, TapInput, TapResult, clock};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::classes::Class;
use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::i18n::{Lang, Msg};
use crate::idempotency::{Key, Stored};
use crate::ids::{ChildId, ClassId, UserId};

/// How far (seconds) a tap's device time may be ahead of the server's clock.
const AT_AHEAD_SLACK: i64 = 300;

/// A validated tap with the facts it was checked against.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub key: Option<Key>,
    pub class_id: ClassId,
    /// The class's programme and its host's path, read with the class: where an arrival counts
    /// in the child-days by day (`dashboard::days`), without reading the class again.
    pub programme_id: crate::ids::ProgrammeId,
    pub host_path: String,
    pub child_id: ChildId,
    pub day: String,
    pub action: Action,
    pub reason: Option<AbsenceReason>,
    pub operating: bool,
    pub collector_ok: bool,
    pub at: i64,
    pub person: String,
    pub person_id: Option<String>,
    pub note: String,
    pub correction: bool,
    pub user_id: UserId,
    pub user_name: String,
    pub lang: Lang,
}

fn reason(s: &str) -> Option<AbsenceReason> {
    match s {
        "ill" => Some(AbsenceReason::Ill),
        "leave" => Some(AbsenceReason::Leave),
        "unknown" => Some(AbsenceReason::Unknown),
        _ => None,
    }
}

fn reason_str(r: AbsenceReason) -> &'static str {
    match r {
        AbsenceReason::Ill => "ill",
        AbsenceReason::Leave => "leave",
        AbsenceReason::Unknown => "unknown",
    }
}

fn trimmed(v: &Option<String>) -> String {
    v.as_deref().unwrap_or("").trim().to_string()
}

/// Whether the class operates on `day`: inside its dates, not closed, and a working day or an
/// extra open day. 422 when the calendar lacks the year (holidays would count as working days).
pub async fn operates(db: &Db, c: &Class, day: NaiveDate) -> Result<bool, AppError> {
    // Outside the class's dates nothing the database holds can make it operate.
    let (start, end) = c.dates()?;
    if day < start || day > end {
        return Ok(false);
    }
    let facts = store::day_facts(db, &c.id, &day.format("%Y-%m-%d").to_string()).await?;
    operates_on(c, day, facts)
}

/// [`operates`] for a page that only shows the day (a home page's card): a year the calendar holds
/// no data for answers "not operating" instead of an error, so the page still answers; the roll
/// and every tap name the missing calendar.
pub async fn operates_if_known(db: &Db, c: &Class, day: NaiveDate) -> Result<bool, AppError> {
    match operates(db, c, day).await {
        Err(AppError::Validation(_)) => Ok(false),
        other => other,
    }
}

/// [`operates`] from facts already read: (calendar kind, class day kind, the year's entries).
fn operates_on(
    c: &Class,
    day: NaiveDate,
    (cal_kind, class_kind, year_entries): (Option<String>, Option<String>, i64),
) -> Result<bool, AppError> {
    let (start, end) = c.dates()?;
    if day < start || day > end {
        return Ok(false);
    }
    match class_kind.as_deref() {
        Some("closure") => return Ok(false),
        Some("extra") => return Ok(true),
        _ => {}
    }
    if year_entries == 0 {
        return Err(AppError::field("day", "attendance.calendar_missing"));
    }
    let cal = WorkCalendar::new(
        cal_kind
            .as_deref()
            .and_then(DayKind::parse)
            .map(|k| (day, k)),
    );
    Ok(cal.is_working_day(day))
}

/// Validates the input and reads what the tap depends on. The class is one the user runs.
pub async fn prepare(
    state: &AppState,
    user: &CurrentUser,
    c: &Class,
    key: Option<Key>,
    input: &TapInput,
    lang: Lang,
) -> Result<Prepared, AppError> {
    let mut errors = Vec::new();
    let today = crate::calendar::today();
    let now = crate::now();
    let day = match input
        .day
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => Some(today),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| errors.push(FieldError::new("day", "attendance.day_invalid")))
            .ok(),
    };
    if day.is_some_and(|d| d > today) {
        errors.push(FieldError::new("day", "attendance.future_day"));
    }
    let at = match input.at.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => Some(now),
        Some(a) => match super::parse_at(a) {
            // The device's clock may run up to five minutes ahead of the server's.
            Some(t) if t <= now + AT_AHEAD_SLACK => Some(t),
            Some(_) => {
                errors.push(FieldError::new("at", "attendance.at_ahead"));
                None
            }
            None => {
                errors.push(FieldError::new("at", "attendance.at_invalid"));
                None
            }
        },
    };
    let person = trimmed(&input.person);
    let note = trimmed(&input.note);
    if person.chars().count() > 50 {
        errors.push(FieldError::new("person", "attendance.person_too_long"));
    }
    if note.chars().count() > 200 {
        errors.push(FieldError::new("note", "attendance.note_too_long"));
    }
    let absence = match input.action {
        Action::Absent => {
            let r = reason(input.reason.as_deref().unwrap_or("unknown"));
            if r.is_none() {
                errors.push(FieldError::new("reason", "attendance.reason_invalid"));
            }
            r
        }
        _ => None,
    };
    if input.action == Action::Undo && note.is_empty() {
        errors.push(FieldError::new("note", "attendance.note_required"));
    }
    let collector = trimmed(&input.collector_id);
    if input.action == Action::CheckOut && collector.is_empty() && person.is_empty() {
        errors.push(FieldError::new(
            "collector_id",
            "attendance.collector_required",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (Some(day), Some(at)) = (day, at) else {
        return Err(AppError::Validation(errors));
    };
    let day_s = day.format("%Y-%m-%d").to_string();
    // One query for both: whether the child is on the roll that day, and the day's facts.
    let (enrolled, facts) = store::tap_facts(&state.db, &c.id, &input.child_id, &day_s).await?;
    if !enrolled {
        return Err(AppError::field("child_id", "attendance.not_enrolled"));
    }
    let operating = operates_on(c, day, facts)?;
    let (mut person, mut person_id, mut collector_ok) = (person, None, true);
    if input.action == Action::CheckOut {
        let list = store::collectors(&state.db, &input.child_id).await?;
        match list
            .iter()
            .find(|(id, _, _)| !collector.is_empty() && *id == collector)
        {
            Some((id, name, _)) => {
                person = name.clone();
                person_id = Some(id.clone());
            }
            // Someone not on the list (or a withdrawn card holder): refused, the name kept.
            None => collector_ok = false,
        }
    }
    Ok(Prepared {
        key,
        class_id: c.id,
        programme_id: c.programme_id,
        host_path: c.host_path.clone(),
        child_id: input.child_id,
        day: day_s,
        action: input.action,
        reason: absence,
        operating,
        collector_ok,
        at,
        person,
        person_id,
        note,
        // A tap made after its day ended, or an undo, is a correction.
        correction: input.action == Action::Undo || super::date_of(at).is_some_and(|d| d > day),
        user_id: user.id,
        user_name: user.display_name.clone(),
        lang,
    })
}

/// The day of a stored row as the domain sees it.
fn day_state(r: &Row) -> DayState {
    DayState {
        checked_in: r.in_at.is_some(),
        checked_out: r.out_at.is_some(),
        absent: r.absent_reason.as_deref().and_then(reason),
    }
}

/// The roll's view of a row.
pub fn view(r: &Row) -> ChildDay {
    let status = match (r.in_at, r.out_at, &r.absent_reason) {
        (Some(_), Some(_), _) => "collected",
        (Some(_), None, _) => "present",
        (None, _, Some(_)) => "absent",
        _ => "expected",
    };
    ChildDay {
        child_id: r.child_id,
        day: r.day.clone(),
        status: status.to_string(),
        arrived_at: r.in_at.map(clock),
        brought_by: r.in_by.clone(),
        left_at: r.out_at.map(clock),
        collected_by: r.out_by.clone(),
        absent_reason: r.absent_reason.clone(),
        corrected: r.corrected,
    }
}

/// Takes back the latest step of the day; `None` when nothing is recorded.
fn undo(r: &Row) -> Option<Row> {
    let mut n = r.clone();
    if n.out_at.is_some() {
        (n.out_at, n.out_person_id, n.out_by, n.out_user) = (None, None, String::new(), None);
    } else if n.in_at.is_some() {
        (n.in_at, n.in_by, n.in_user) = (None, String::new(), None);
    } else if n.absent_reason.is_some() {
        n.absent_reason = None;
    } else {
        return None;
    }
    Some(n)
}

/// The row after an accepted rule event.
fn applied(r: &Row, t: &Prepared) -> Row {
    let mut n = r.clone();
    match t.action {
        Action::CheckIn => {
            (n.in_at, n.in_by, n.in_user) = (Some(t.at), t.person.clone(), Some(t.user_id));
            n.absent_reason = None;
        }
        Action::CheckOut => {
            n.out_at = Some(t.at);
            n.out_person_id = t.person_id.clone();
            n.out_by = t.person.clone();
            n.out_user = Some(t.user_id);
        }
        Action::Absent => n.absent_reason = t.reason.map(|r| reason_str(r).to_string()),
        Action::Undo => {}
    }
    n
}

/// An earlier time for a step already recorded (the earliest tap wins), or `None`.
fn merged(r: &Row, t: &Prepared, refusal: rules::Refusal) -> Option<Row> {
    let mut n = r.clone();
    match refusal {
        rules::Refusal::AlreadyCheckedIn if r.in_at.is_some_and(|x| t.at < x) => {
            (n.in_at, n.in_by, n.in_user) = (Some(t.at), t.person.clone(), Some(t.user_id));
        }
        rules::Refusal::AlreadyCheckedOut
            if r.out_at.is_some_and(|x| t.at < x) && t.collector_ok =>
        {
            n.out_at = Some(t.at);
            n.out_person_id = t.person_id.clone();
            n.out_by = t.person.clone();
        }
        _ => return None,
    }
    Some(n)
}

/// What one tap does: the row after it (when it changes), its record, and its answer.
#[derive(Debug)]
pub struct Decided {
    pub new_row: Option<Row>,
    pub event: Event,
    pub stored: Stored,
}

/// A child-day with nothing recorded yet.
pub fn empty_row(t: &Prepared) -> Row {
    Row::empty(t.class_id, &t.day, t.child_id)
}

/// Decides a tap against the child's day as it stands, without touching the database.
pub fn decide(row: &Row, t: &Prepared, now: i64) -> Result<Decided, AppError> {
    let rule_event = match t.action {
        Action::CheckIn => Some(RuleEvent::CheckIn),
        Action::CheckOut => Some(RuleEvent::CheckOut),
        Action::Absent => Some(RuleEvent::Absent(
            t.reason.unwrap_or(AbsenceReason::Unknown),
        )),
        Action::Undo => None,
    };
    let decided: Result<Row, (&'static str, Option<Row>)> = match rule_event {
        None => undo(row).ok_or(("attendance.nothing_to_undo", None)),
        Some(ev) => match rules::apply(&day_state(row), ev, t.operating, t.collector_ok) {
            Ok(_) => Ok(applied(row, t)),
            Err(r) => Err((r.code(), merged(row, t, r))),
        },
    };
    let (outcome, refusal, new_row) = match decided {
        Ok(mut n) => {
            n.corrected |= t.correction;
            ("applied", None, Some(n))
        }
        Err((code, Some(n))) => ("merged", Some(code), Some(n)),
        Err((code, None)) => ("refused", Some(code), None),
    };
    let event = Event {
        id: crate::new_id(),
        class_id: t.class_id,
        day: t.day.clone(),
        child_id: t.child_id,
        action: t.action.as_str().to_string(),
        outcome: outcome.to_string(),
        refusal: refusal.map(str::to_string),
        at: t.at,
        person: t.person.clone(),
        person_id: t.person_id.clone(),
        note: t.note.clone(),
        correction: t.correction,
        user_id: t.user_id,
        user_name: t.user_name.clone(),
        recorded_at: now,
    };
    let state = view(new_row.as_ref().unwrap_or(row));
    let stored = match refusal {
        None => Stored::json(
            StatusCode::CREATED,
            &TapResult {
                event_id: event.id.clone(),
                correction: t.correction,
                state,
            },
        )?,
        Some(code) => Stored::json(
            StatusCode::CONFLICT,
            &Refused {
                error: RefusalDetail {
                    code: code.to_string(),
                    message: refusal_message(code, t),
                    state,
                },
            },
        )?,
    };
    Ok(Decided {
        new_row,
        event,
        stored,
    })
}

/// Decides and records one tap on its own inside the writer's transaction (the writer's
/// fallback when a batch fails); its answer is stored under the key in the same transaction.
pub async fn apply_in(tx: &mut Tx, t: &Prepared) -> Result<Stored, AppError> {
    if let Some(key) = &t.key
        && let Some(stored) = key.lookup_in(tx).await?
    {
        return Ok(stored);
    }
    let now = crate::now();
    let row = store::row_in(tx, &t.class_id, &t.day, &t.child_id)
        .await?
        .unwrap_or_else(|| empty_row(t));
    let d = decide(&row, t, now)?;
    if let Some(n) = &d.new_row {
        store::save_row(tx, n, now).await?;
        let change = i64::from(n.in_at.is_some()) - i64::from(row.in_at.is_some());
        let arrival = crate::dashboard::days::Arrival {
            class_id: n.class_id,
            programme_id: t.programme_id,
            host_path: &t.host_path,
            day: &n.day,
            change,
        };
        crate::dashboard::days::present_changed(tx, &[arrival]).await?;
    }
    store::insert_event(tx, &d.event).await?;
    if let Some(key) = &t.key {
        key.remember(tx, &d.stored).await?;
    }
    Ok(d.stored)
}

fn refusal_message(code: &'static str, t: &Prepared) -> String {
    Msg::new(code).arg("person", &t.person).render(t.lang)
}

/// The whole request: idempotent replay first, then the class, the checks, the writer.
pub async fn tap(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
    headers: &HeaderMap,
    input: &TapInput,
    lang: Lang,
) -> Result<Stored, AppError> {
    let what = format!("POST attendance {class_id}");
    let key = Key::from_request(headers, user, &what, input)?;
    // A repeat is answered by the writer from the stored answer; it is looked up here only when
    // the checks fail now (the class closed since, say), so the hot path reads the key once.
    let prepared = match super::operated(state, user, class_id).await {
        Ok(c) => prepare(state, user, &c, key.clone(), input, lang).await,
        Err(e) => Err(e),
    };
    match prepared {
        Ok(p) => state.writer.submit(p).await,
        Err(e) => match &key {
            Some(k) => match k.lookup(&state.db).await? {
                Some(stored) => Ok(stored),
                None => Err(e),
            },
            None => Err(e),
        },
    }
}
