//! Attendance figures (出勤率, PRODUCT.md §6): operating days, expected and present child-days per class
//! and per child, against the programme's rule; and the month grid (children × days) behind the
//! paper-style sign-in sheet. The arithmetic is `tuoguan_domain::attendance::rate`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use tuoguan_domain::attendance::{EnrolmentSpan, Rate, child_rate, class_rate};
use tuoguan_domain::operating_days::operating_dates;
use tuoguan_domain::programme::ProgrammeRules;

use super::store;
use crate::app::AppState;
use crate::auth::Visible;
use crate::classes::{Class, days::calendar_for};
use crate::error::AppError;
use crate::ids::{ChildId, ClassId};

/// A rate as shown: counts, the percentage with two decimals, and the rule verdict.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RateView {
    pub expected: u32,
    pub present: u32,
    /// e.g. `"74.75%"`; `null` when nothing is expected yet.
    pub rate: Option<String>,
    /// Basis points (7475 = 74.75%).
    pub rate_bp: Option<u32>,
    /// Whether the rate reaches the programme's minimum (`false` with nothing expected).
    pub meets_rule: bool,
}

impl RateView {
    pub fn of(r: Rate, min_pct: u32) -> RateView {
        let bp = r.basis_points();
        RateView {
            expected: r.expected,
            present: r.present,
            rate: bp.map(|b| format!("{}.{:02}%", b / 100, b % 100)),
            rate_bp: bp,
            meets_rule: r.meets(min_pct),
        }
    }
}

/// One child's attendance in the class.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildRate {
    pub child_id: ChildId,
    pub name: String,
    pub from: String,
    pub to: String,
    #[serde(flatten)]
    pub rate: RateView,
}

/// The class's attendance up to today.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// Operating days of the whole class (托管天数).
    pub operating_days: usize,
    /// Operating days up to and including today: the days a child could be expected so far.
    pub operating_days_so_far: usize,
    pub min_attendance_pct: u32,
    #[serde(flatten)]
    pub rate: RateView,
    pub children: Vec<ChildRate>,
}

/// What the figures are computed from.
pub struct Basis {
    pub rules: ProgrammeRules,
    /// Every operating date of the class, sorted.
    pub operating: Vec<NaiveDate>,
    pub spans: Vec<(EnrolmentSpan<ChildId>, String)>,
}

impl Basis {
    /// The class's operating dates within `days` (up to a day, a month, before a day), sorted.
    pub fn operating_in(&self, days: impl std::ops::RangeBounds<NaiveDate>) -> Vec<NaiveDate> {
        self.operating
            .iter()
            .copied()
            .filter(|d| days.contains(d))
            .collect()
    }
}

/// A stored `YYYY-MM-DD` day (chrono's ISO parser: 36 ns instead of 81 ns with a format string; a
/// month grid parses a date per mark).
fn date(s: &str) -> Option<NaiveDate> {
    s.parse().ok()
}

/// Operating dates, rules and spans of a class (four queries).
pub async fn basis(state: &AppState, c: &Visible<Class>) -> Result<Basis, AppError> {
    let (start, end) = c.dates()?;
    let rules: ProgrammeRules = serde_json::from_str(&store::rules_of(&state.db, &c.id).await?)
        .map_err(|e| AppError::Internal(e.into()))?;
    let operating = match calendar_for(state, &c.start_date, &c.end_date).await? {
        None => Vec::new(),
        Some(cal) => {
            let days = crate::classes::days::of_class(state, c).await?;
            let pick = |k: &str| -> Vec<NaiveDate> {
                days.iter()
                    .filter(|d| d.kind == k)
                    .filter_map(|d| date(&d.day))
                    .collect()
            };
            operating_dates(&cal, start, end, &pick("closure"), &pick("extra"))
        }
    };
    let spans = store::spans(&state.db, &c.id)
        .await?
        .into_iter()
        .map(|(child_id, name, on, left)| {
            let from = on.as_deref().and_then(date).map_or(start, |d| d.max(start));
            let to = left.as_deref().and_then(date).map_or(end, |d| d.min(end));
            (EnrolmentSpan { child_id, from, to }, name)
        })
        .collect();
    Ok(Basis {
        rules,
        operating,
        spans,
    })
}

/// The class's attendance rate and each child's, counting operating days up to `until`.
pub async fn summary(
    state: &AppState,
    c: &Visible<Class>,
    until: NaiveDate,
) -> Result<Summary, AppError> {
    let b = basis(state, c).await?;
    let so_far = b.operating_in(..=until);
    let present: Vec<(ChildId, NaiveDate)> =
        store::marks(&state.db, &c.id, &c.start_date, &c.end_date)
            .await?
            .into_iter()
            .filter(|m| m.2)
            .filter_map(|(child, day, _, _)| Some((child, date(&day)?)))
            .collect();
    let spans: Vec<EnrolmentSpan<ChildId>> = b.spans.iter().map(|(s, _)| s.clone()).collect();
    let min = b.rules.min_attendance_pct;
    let mut by_child: BTreeMap<ChildId, Vec<NaiveDate>> = BTreeMap::new();
    for (child, d) in &present {
        by_child.entry(*child).or_default().push(*d);
    }
    let children = b
        .spans
        .iter()
        .map(|(s, name)| ChildRate {
            child_id: s.child_id,
            name: name.clone(),
            from: s.from.to_string(),
            to: s.to.to_string(),
            rate: RateView::of(
                child_rate(&so_far, s, by_child.get(&s.child_id).map_or(&[], |v| v)),
                min,
            ),
        })
        .collect();
    Ok(Summary {
        operating_days: b.operating.len(),
        operating_days_so_far: so_far.len(),
        min_attendance_pct: min,
        rate: RateView::of(class_rate(&so_far, &spans, &present), min),
        children,
    })
}

/// A class's figures over `from..=until` (a report's period): its operating days there, the
/// child-days expected of its enrolled children on them and the child-days present.
pub async fn between(
    state: &AppState,
    c: &Visible<Class>,
    from: Option<NaiveDate>,
    until: NaiveDate,
) -> Result<(Vec<NaiveDate>, Rate), AppError> {
    let b = basis(state, c).await?;
    let days = match from {
        Some(from) => b.operating_in(from..=until),
        None => b.operating_in(..=until),
    };
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok((days, Rate::default()));
    };
    let present: Vec<(ChildId, NaiveDate)> =
        store::marks(&state.db, &c.id, &first.to_string(), &last.to_string())
            .await?
            .into_iter()
            .filter(|m| m.2)
            .filter_map(|(child, day, _, _)| Some((child, date(&day)?)))
            .collect();
    let spans: Vec<EnrolmentSpan<ChildId>> = b.spans.into_iter().map(|(s, _)| s).collect();
    let rate = class_rate(&days, &spans, &present);
    Ok((days, rate))
}

/// One cell of the month grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// 到: checked in.
    Present,
    /// 病: absent, ill.
    Ill,
    /// 事: absent on leave.
    Leave,
    /// 缺: absent without a reason, or nothing recorded on a day that has passed.
    Absent,
    /// The day has not come yet.
    Future,
    /// Outside the child's enrolment.
    NotEnrolled,
}

impl Mark {
    /// The sign on the paper sheet.
    pub fn sign(self) -> &'static str {
        match self {
            Mark::Present => "√",
            Mark::Ill => "病",
            Mark::Leave => "事",
            Mark::Absent => "缺",
            Mark::Future => "",
            Mark::NotEnrolled => "—",
        }
    }
}

/// A child's line of the month grid.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GridRow {
    pub child_id: ChildId,
    pub name: String,
    pub marks: Vec<Mark>,
    pub present: u32,
    pub expected: u32,
}

/// Children × operating days of one month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthGrid {
    /// YYYY-MM
    pub month: String,
    pub days: Vec<String>,
    pub rows: Vec<GridRow>,
    pub min_attendance_pct: u32,
    #[serde(flatten)]
    pub rate: RateView,
}

/// First and last day of a `YYYY-MM` month.
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The month grid of a class; `today` decides which days have passed.
pub async fn month(
    state: &AppState,
    c: &Visible<Class>,
    month: &str,
    today: NaiveDate,
) -> Result<MonthGrid, AppError> {
    let (first, last) =
        month_bounds(month).ok_or_else(|| AppError::field("month", "attendance.month_invalid"))?;
    let b = basis(state, c).await?;
    let days = b.operating_in(first..=last);
    let marks = store::marks(&state.db, &c.id, &first.to_string(), &last.to_string()).await?;
    let recorded: BTreeMap<(ChildId, NaiveDate), (bool, Option<&str>)> = marks
        .iter()
        .filter_map(|(child, d, arrived, reason)| {
            Some(((*child, date(d)?), (*arrived, reason.as_deref())))
        })
        .collect();
    let passed: Vec<NaiveDate> = days.iter().copied().filter(|d| *d <= today).collect();
    let mut all_present = Vec::new();
    let rows: Vec<GridRow> = b
        .spans
        .iter()
        .filter(|(s, _)| s.from <= last && s.to >= first)
        .map(|(s, name)| {
            let marks = days
                .iter()
                .map(|d| {
                    let rec = recorded.get(&(s.child_id, *d));
                    match rec {
                        _ if !s.contains(*d) => Mark::NotEnrolled,
                        Some((true, _)) => Mark::Present,
                        Some((false, Some("ill"))) => Mark::Ill,
                        Some((false, Some("leave"))) => Mark::Leave,
                        _ if *d > today => Mark::Future,
                        _ => Mark::Absent,
                    }
                })
                .collect::<Vec<_>>();
            let present: Vec<NaiveDate> = days
                .iter()
                .zip(&marks)
                .filter(|(_, m)| **m == Mark::Present)
                .map(|(d, _)| *d)
                .collect();
            all_present.extend(present.iter().map(|d| (s.child_id, *d)));
            let r = child_rate(&passed, s, &present);
            GridRow {
                child_id: s.child_id,
                name: name.clone(),
                marks,
                present: r.present,
                expected: r.expected,
            }
        })
        .collect();
    let spans: Vec<EnrolmentSpan<ChildId>> = b.spans.iter().map(|(s, _)| s.clone()).collect();
    let total = class_rate(&passed, &spans, &all_present);
    Ok(MonthGrid {
        month: month.to_string(),
        days: days.iter().map(|d| d.to_string()).collect(),
        rows,
        min_attendance_pct: b.rules.min_attendance_pct,
        rate: RateView::of(total, b.rules.min_attendance_pct),
    })
}

/// The figures of `GET /api/v1/classes/{id}/metrics` (PRODUCT.md §15).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassMetrics {
    pub class_id: ClassId,
    pub operating_days: usize,
    pub operating_days_so_far: usize,
    pub capacity: i64,
    pub enrolled: i64,
    pub kindergarten: i64,
    /// Kindergarten children among the enrolled, e.g. `"10.00%"`.
    pub kindergarten_share: Option<String>,
    pub min_attendance_pct: u32,
    pub attendance: RateView,
    /// Parents' satisfaction: `null` until the evaluation records it.
    pub satisfaction: Option<String>,
    pub incidents: i64,
    /// A safety incident was recorded: the class cannot be a model class this programme.
    pub safety_incident: bool,
}

/// The class's metrics as of `today`.
pub async fn class_metrics(
    state: &AppState,
    c: &Visible<Class>,
    today: NaiveDate,
) -> Result<ClassMetrics, AppError> {
    let s = summary(state, c, today).await?;
    let (enrolled, k) = store::enrolled_counts(&state.db, &c.id).await?;
    let (incidents, safety) = store::incident_counts(&state.db, &c.id).await?;
    let share = (enrolled > 0).then(|| {
        let bp = (k * 20_000 + enrolled) / (2 * enrolled);
        format!("{}.{:02}%", bp / 100, bp % 100)
    });
    Ok(ClassMetrics {
        class_id: c.id,
        operating_days: s.operating_days,
        operating_days_so_far: s.operating_days_so_far,
        capacity: c.capacity,
        enrolled,
        kindergarten: k,
        kindergarten_share: share,
        min_attendance_pct: s.min_attendance_pct,
        attendance: s.rate,
        satisfaction: None,
        incidents,
        safety_incident: safety > 0,
    })
}
