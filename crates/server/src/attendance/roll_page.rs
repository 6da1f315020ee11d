//! The roll page (点名册) and its taps: the page a teacher holds at the door, one form per child
//! whose buttons are the steps (`do`), the same steps as JSON from the roll's script, and the words
//! and counters the page repeats (issue 15, docs/UI.md "The roll at the door").

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;
use tuoguan_domain::attendance::REFUSAL_CODES;

use super::roll::{self, Roll, RollChild};
use super::store::{self, Event};
use super::{Action, TapInput, cards, day_or_today, tap};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::classes::Class;
use crate::error::{AppError, ErrorPayload, Query};
use crate::i18n::Lang;
use crate::ids::{ChildId, ClassId, IdPath};
use crate::web::{Ctx, render};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/classes/{id}/roll", get(roll_page))
        .route("/classes/{id}/roll/tap", post(tap_form))
        .route("/classes/{id}/roll/taps", post(tap_json))
}

#[derive(Template)]
#[template(path = "attendance/roll.html")]
struct RollPage {
    ctx: Ctx,
    c: Class,
    roll: Roll,
    prev: String,
    next: Option<String>,
    codes: std::collections::HashMap<ChildId, String>,
    events: Vec<Event>,
    refused: Option<String>,
    /// The day as people write it: 12月2日 周三.
    day_label: String,
    /// When the page was drawn (epoch seconds): an offline copy says how old it is.
    drawn: i64,
    /// The filter chip chosen (`?show=`), empty for the whole roll.
    show: String,
    /// Today the class does not run, so the roll shows its next day.
    instead_of_today: bool,
    chips: Vec<Chip>,
    l: RollLabels,
    /// Made once per page: the forms' keys are this and their number.
    page_id: String,
    keys_drawn: std::cell::Cell<u32>,
}

/// The words a roll repeats for every child, looked up once per page.
struct RollLabels {
    arrived: String,
    left: String,
    corrected: String,
    check_in: String,
    check_out: String,
    hand_to: String,
    someone_else: String,
    name_given: String,
    someone_else_submit: String,
    more: String,
    absent: String,
    reason_ill: String,
    reason_leave: String,
    reason_unknown: String,
    undo: String,
    undo_reason: String,
    undo_submit: String,
    collectors: String,
    no_collectors: String,
    child_page: String,
}

impl RollLabels {
    fn new(ctx: &Ctx) -> RollLabels {
        RollLabels {
            arrived: ctx.t("roll.arrived"),
            left: ctx.t("roll.left"),
            corrected: ctx.t("roll.corrected"),
            check_in: ctx.t("roll.check_in"),
            check_out: ctx.t("roll.check_out"),
            hand_to: ctx.t("roll.hand_to"),
            someone_else: ctx.t("roll.someone_else"),
            name_given: ctx.t("roll.name_given"),
            someone_else_submit: ctx.t("roll.someone_else_submit"),
            more: ctx.t("roll.more"),
            absent: ctx.t("roll.absent"),
            reason_ill: ctx.t("roll.reason_ill"),
            reason_leave: ctx.t("roll.reason_leave"),
            reason_unknown: ctx.t("roll.reason_unknown"),
            undo: ctx.t("roll.undo"),
            undo_reason: ctx.t("roll.undo_reason"),
            undo_submit: ctx.t("roll.undo_submit"),
            collectors: ctx.t("roll.collectors"),
            no_collectors: ctx.t("roll.no_collectors"),
            child_page: ctx.t("roll.child_page"),
        }
    }
}

/// One item of the roll's counter, a link that filters the roll.
struct Chip {
    show: &'static str,
    count_id: &'static str,
    label: String,
    tone: &'static str,
    count: usize,
}

/// The filters of `?show=`, each with the statuses it shows.
const FILTERS: [(&str, &str); 4] = [
    ("present", "present"),
    ("gone", "collected"),
    ("absent", "absent"),
    ("todo", "expected"),
];

fn chips(ctx: &Ctx, r: &Roll) -> Vec<Chip> {
    let todo = r.expected - r.present - r.collected - r.absent;
    let chip = |show, count_id, key: &str, tone, count| Chip {
        show,
        count_id,
        label: ctx.t(key),
        tone,
        count,
    };
    vec![
        chip("", "expected", "roll.expected", "all", r.expected),
        chip("present", "present", "roll.present", "ok", r.present),
        chip("gone", "collected", "roll.collected", "info", r.collected),
        chip("absent", "absent", "roll.absent", "warn", r.absent),
        chip("todo", "todo", "roll.status_expected", "muted", todo),
    ]
}

/// The badge tone of a child's status (docs/UI.md: 在班 ok, 已接走 info, 缺勤 warn, 未到 muted).
fn tone(status: &str) -> &'static str {
    match status {
        "present" => "ok",
        "collected" => "info",
        "absent" => "warn",
        _ => "muted",
    }
}

/// 12月2日 周三 (Wed 2 Dec).
fn day_label(day: chrono::NaiveDate, en: bool) -> String {
    use chrono::Datelike;
    if en {
        return day.format("%a %-d %b").to_string();
    }
    const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    format!(
        "{}月{}日 周{}",
        day.month(),
        day.day(),
        WEEKDAYS[day.weekday().num_days_from_monday() as usize]
    )
}

impl RollPage {
    fn card(&self, child: &RollChild) -> String {
        self.codes.get(&child.child_id).cloned().unwrap_or_default()
    }
    fn status(&self, child: &RollChild) -> String {
        self.ctx.t(&format!("roll.status_{}", child.state.status))
    }
    fn reason(&self, r: &Option<String>) -> String {
        r.as_deref()
            .map(|r| self.ctx.t(&format!("roll.reason_{r}")))
            .unwrap_or_default()
    }
    fn refusal(&self, code: &str) -> String {
        self.ctx.t(code)
    }
    /// A refusal or correction, naming the child it was about (a refused pickup is about a child).
    fn event_line(&self, e: &Event) -> String {
        let what = self.ctx.t(&format!("roll.action_{}", e.action));
        let child = self
            .roll
            .children
            .iter()
            .find(|c| c.child_id == e.child_id)
            .map(|c| c.name.as_str())
            .unwrap_or_default();
        format!(
            "{child} · {what} · {} {} · {} {}",
            e.person,
            e.note,
            e.user_name,
            super::clock(e.recorded_at)
        )
    }
    /// A form's Idempotency-Key: the page's own id and the form's number on it (one random id
    /// per page, not one per form: a roll of 50 children draws 200 forms).
    fn new_key(&self) -> String {
        let n = self.keys_drawn.get() + 1;
        self.keys_drawn.set(n);
        format!("{}-{n}", self.page_id)
    }
    /// 三年级 / 幼儿园 (Grade 3 / Kindergarten).
    fn grade(&self, child: &RollChild) -> String {
        self.ctx.t(&format!("roll.grade_{}", child.grade))
    }
    fn tone(&self, status: &str) -> &'static str {
        tone(status)
    }
    /// Whether the chosen filter shows the child (every child without one).
    fn shown(&self, child: &RollChild) -> bool {
        FILTERS
            .iter()
            .find(|(show, _)| *show == self.show)
            .is_none_or(|(_, status)| child.state.status == *status)
    }
}

/// Refusal codes a redirect may name (anything else is ignored).
fn known_refusal(code: &str) -> bool {
    REFUSAL_CODES.contains(&code) || code == "attendance.nothing_to_undo"
}

#[derive(Debug, Deserialize)]
struct RollQuery {
    day: Option<String>,
    refused: Option<String>,
    show: Option<String>,
}

async fn roll_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<RollQuery>,
) -> Result<Response, AppError> {
    let c = super::operated(&state, &user, &id).await?;
    let mut day = day_or_today(q.day.as_deref())?;
    let (mut roll, mut cards) = roll::roll_with_cards(&state, &c, day).await?;
    // Opened on a weekend or holiday without a day asked for: the next day the class runs.
    let mut instead_of_today = false;
    if !roll.operating
        && q.day.is_none()
        && let Some(next) = roll::next_operating_day(&state, &c, day).await?
    {
        day = next;
        (roll, cards) = roll::roll_with_cards(&state, &c, day).await?;
        instead_of_today = true;
    }
    // Cards come with the roll; children enrolled without one get theirs now (the first visit
    // after enrolment). The cards page issues them for every enrolled child.
    let mut codes = std::mem::take(&mut cards.codes);
    codes.extend(cards::issue_missing(&state, &cards.missing, &user.id).await?);
    let events = store::notable_events(&state.db, &c.id, &day.to_string()).await?;
    let today = crate::calendar::today();
    let show = q
        .show
        .filter(|s| FILTERS.iter().any(|(f, _)| f == s))
        .unwrap_or_default();
    let l = RollLabels::new(&ctx);
    render(&RollPage {
        l,
        instead_of_today,
        day_label: day_label(day, ctx.is_en()),
        drawn: crate::now(),
        chips: chips(&ctx, &roll),
        show,
        ctx,
        prev: (day - chrono::Duration::days(1)).to_string(),
        next: (day < today).then(|| (day + chrono::Duration::days(1)).to_string()),
        c: c.into_inner(),
        roll,
        codes,
        events: events
            .into_iter()
            .filter(|e| e.day == day.to_string())
            .collect(),
        refused: q.refused.filter(|r| known_refusal(r)),
        page_id: crate::new_id(),
        keys_drawn: std::cell::Cell::new(0),
    })
}

/// The roll's buttons without JavaScript: one form per child, the pressed button's `do` saying
/// which step (see [`pressed`]), with a key made when the page was drawn, so pressing a button
/// twice writes once. `action` with its own fields (one form per step) is read too.
#[derive(Debug, Deserialize)]
struct TapForm {
    child_id: ChildId,
    #[serde(rename = "do")]
    pressed: Option<String>,
    action: Option<Action>,
    day: Option<String>,
    person: Option<String>,
    collector_id: Option<String>,
    reason: Option<String>,
    note: Option<String>,
    key: Option<String>,
    /// The roll's filter, kept across the tap.
    show: Option<String>,
}

/// The step a child's form asks for, from the button pressed: `check_in`, `in:<who brought the
/// child>`, `out:<collector id>`, `out` (someone not on the list, named in `person`),
/// `absent:<reason>`, `undo` (why in `note`); none when Enter was pressed in a text box, and the
/// box that is filled decides. Only the fields of that step are kept: the form carries every box.
fn pressed(f: &TapForm) -> Result<TapInput, AppError> {
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let mut input = TapInput {
        child_id: f.child_id,
        action: Action::CheckIn,
        day: f.day.clone(),
        at: None,
        person: None,
        collector_id: None,
        reason: None,
        note: None,
    };
    let Some(button) = f.pressed.as_deref() else {
        let action = f
            .action
            .ok_or_else(|| AppError::field("do", "attendance.button_unknown"))?;
        return Ok(TapInput {
            action,
            person: f.person.clone(),
            collector_id: f.collector_id.clone().filter(|c| !c.is_empty()),
            reason: f.reason.clone(),
            note: f.note.clone(),
            ..input
        });
    };
    let (step, value) = button.split_once(':').unwrap_or((button, ""));
    match step {
        "check_in" => {}
        "in" => input.person = Some(value.to_string()),
        "out" if !value.is_empty() => {
            input.action = Action::CheckOut;
            input.collector_id = Some(value.to_string());
        }
        "out" => {
            input.action = Action::CheckOut;
            input.person = f.person.clone();
        }
        "absent" => {
            input.action = Action::Absent;
            input.reason = Some(value.to_string());
        }
        "undo" => {
            input.action = Action::Undo;
            input.note = f.note.clone();
        }
        "" if filled(&f.person) => {
            input.action = Action::CheckOut;
            input.person = f.person.clone();
        }
        "" if filled(&f.note) => {
            input.action = Action::Undo;
            input.note = f.note.clone();
        }
        _ => return Err(AppError::field("do", "attendance.button_unknown")),
    }
    Ok(input)
}

/// The Idempotency-Key of a form's step: the form's key and the button pressed (one form holds
/// every step of a child, each its own write).
fn step_key(key: &str, button: Option<&str>) -> String {
    use sha2::Digest;
    match button {
        Some(b) => format!(
            "{key}.{}",
            &hex::encode(sha2::Sha256::digest(b.as_bytes()))[..12]
        ),
        None => key.to_string(),
    }
}

async fn tap_form(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<TapForm>,
) -> Result<Response, AppError> {
    let mut headers = HeaderMap::new();
    if let Some(k) = f
        .key
        .as_deref()
        .and_then(|k| HeaderValue::from_str(&step_key(k, f.pressed.as_deref())).ok())
    {
        headers.insert(crate::idempotency::HEADER, k);
    }
    let input = pressed(&f)?;
    let stored = tap::tap(&state, &user, &id, &headers, &input, lang).await?;
    let day = f.day.unwrap_or_default();
    let mut to = format!("/classes/{id}/roll?day={day}");
    if let Some(show) = f
        .show
        .as_deref()
        .filter(|s| FILTERS.iter().any(|(f, _)| f == s))
    {
        to.push_str(&format!("&show={show}"));
    }
    if stored.status == StatusCode::CONFLICT.as_u16()
        && let Ok(body) = serde_json::from_str::<super::Refused>(&stored.body)
    {
        to.push_str(&format!("&refused={}", body.error.code));
    }
    Ok(Redirect::to(&format!("{to}#c-{}", f.child_id)).into_response())
}

/// An error as the JSON the roll's script reads (this route is not under `/api`).
fn json_error(e: AppError, lang: Lang) -> Response {
    let res = e.into_response();
    let status = res.status();
    let Some(p) = res.extensions().get::<ErrorPayload>() else {
        return res;
    };
    let body = crate::error::ErrorBody {
        error: crate::error::ErrorDetail::new(p, lang, None),
    };
    (status, axum::Json(body)).into_response()
}

/// The roll script's taps: JSON body, `Idempotency-Key` and `X-CSRF-Token` headers.
async fn tap_json(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
    body: axum::body::Bytes,
) -> Response {
    let input: TapInput = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(_) => {
            // Whose class it is comes before what is wrong with the body: a stranger learns nothing.
            if let Err(e) = super::operated(&state, &user, &id).await {
                return json_error(e, lang);
            }
            return json_error(
                AppError::BadRequest(crate::i18n::Msg::new("error.json_syntax")),
                lang,
            );
        }
    };
    match tap::tap(&state, &user, &id, &headers, &input, lang).await {
        Ok(stored) => stored.into_response(),
        Err(e) => json_error(e, lang),
    }
}

#[cfg(test)]
mod tests {
    use super::{Action, TapForm, day_label, pressed, step_key, tone};

    fn form(button: Option<&str>, person: &str, note: &str) -> TapForm {
        TapForm {
            child_id: "01a24e7c-0f5d-7286-874a-7c8856b0cb46".parse().unwrap(),
            pressed: button.map(str::to_string),
            action: None,
            day: Some("2026-07-20".into()),
            person: Some(person.into()),
            collector_id: None,
            reason: None,
            note: Some(note.into()),
            key: Some("k".into()),
            show: None,
        }
    }

    #[test]
    fn the_pressed_button_says_the_step_and_keeps_only_its_fields() {
        let i = pressed(&form(Some("check_in"), "路人", "笔误")).unwrap();
        assert_eq!((i.action, i.person, i.note), (Action::CheckIn, None, None));
        let i = pressed(&form(Some("in:王芳"), "", "")).unwrap();
        assert_eq!(
            (i.action, i.person.as_deref()),
            (Action::CheckIn, Some("王芳"))
        );
        let i = pressed(&form(Some("out:guardian:g1"), "路人", "")).unwrap();
        assert_eq!(
            (i.action, i.collector_id.as_deref(), i.person),
            (Action::CheckOut, Some("guardian:g1"), None)
        );
        let i = pressed(&form(Some("out"), "路人", "")).unwrap();
        assert_eq!(
            (i.action, i.person.as_deref()),
            (Action::CheckOut, Some("路人"))
        );
        let i = pressed(&form(Some("absent:ill"), "", "")).unwrap();
        assert_eq!(
            (i.action, i.reason.as_deref()),
            (Action::Absent, Some("ill"))
        );
        let i = pressed(&form(Some("undo"), "路人", "点错了")).unwrap();
        assert_eq!(
            (i.action, i.note.as_deref(), i.person),
            (Action::Undo, Some("点错了"), None)
        );
        // Enter in a text box: the filled box decides; nothing filled is refused on `do`.
        let i = pressed(&form(Some(""), "路人", "")).unwrap();
        assert_eq!(
            (i.action, i.person.as_deref()),
            (Action::CheckOut, Some("路人"))
        );
        let i = pressed(&form(Some(""), " ", "点错了")).unwrap();
        assert_eq!(i.action, Action::Undo);
        assert!(pressed(&form(Some(""), "", "")).is_err());
        assert!(pressed(&form(Some("explode"), "", "")).is_err());
        assert!(
            pressed(&form(None, "", "")).is_err(),
            "neither do nor action"
        );
    }

    #[test]
    fn each_step_of_a_form_has_its_own_key() {
        let a = step_key("page-3", Some("check_in"));
        assert_eq!(
            a,
            step_key("page-3", Some("check_in")),
            "a second press writes once"
        );
        assert_ne!(a, step_key("page-3", Some("absent:ill")));
        assert!(a.starts_with("page-3.") && a.is_ascii() && a.len() <= 100);
        assert_eq!(step_key("k", None), "k");
    }

    #[test]
    fn the_day_reads_with_its_weekday() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(day_label(d, false), "12月2日 周三");
        assert_eq!(day_label(d, true), "Wed 2 Dec");
    }

    #[test]
    fn every_status_has_the_tone_of_the_design_language() {
        let tones: Vec<_> = ["expected", "present", "collected", "absent"]
            .into_iter()
            .map(tone)
            .collect();
        assert_eq!(tones, ["muted", "ok", "info", "warn"]);
    }
}
