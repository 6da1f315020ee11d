//! What a guardian sees of their child's attendance: per class, the rate against the programme's
//! rule and each expected day (arrival, who brought the child, departure, who collected them).
//! The rate's denominator is the rows shown (issue 15 point 9): every operating day of the
//! child's span so far, a day with nothing recorded shown as such; today counts once something
//! is recorded for it or the class's day is over, so a child on the way is not yet "absent".

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use tuoguan_domain::attendance::child_rate;

use super::ChildDay;
use super::metrics::{RateView, basis};
use super::store::{self, Row};
use super::tap::view;
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Scope};
use crate::enrolment::{Access, children};
use crate::error::AppError;
use crate::ids::{ChildId, ClassId};

/// One class of the child.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildClass {
    pub class_id: ClassId,
    pub class_name: String,
    pub from: String,
    pub to: String,
    #[serde(flatten)]
    pub rate: RateView,
    pub days: Vec<ChildDay>,
}

/// The child's attendance in every class the caller may see (a guardian: all of them).
pub async fn of_child(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
) -> Result<Vec<ChildClass>, AppError> {
    let (_, access) = children::visible(state, user, child_id).await?;
    let scope = match access {
        Access::Guardian => Scope::All,
        Access::Unit => user.require(Capability::ViewClasses)?,
    };
    let today = crate::calendar::today();
    let mut out = Vec::new();
    for class_id in store::classes_of_child(&state.db, child_id).await? {
        let Some(c) = crate::classes::service::find(state, &scope, &class_id).await? else {
            continue;
        };
        let b = basis(state, &c).await?;
        let Some((span, _)) = b.spans.iter().find(|(s, _)| s.child_id == *child_id) else {
            continue;
        };
        let recorded: BTreeMap<String, Row> = store::marks_of_child(&state.db, &c.id, child_id)
            .await?
            .into_iter()
            .map(|r| (r.day.clone(), r))
            .collect();
        let now = crate::calendar::now_time();
        let until = counted_until(&c.daily_end, today, now, recorded.get(&today.to_string()));
        let so_far = b.operating_in(..=until);
        let days: Vec<ChildDay> = so_far
            .iter()
            .filter(|d| span.contains(**d))
            .map(|d| match recorded.get(&d.to_string()) {
                Some(r) => view(r),
                None => view(&Row::empty(c.id, &d.to_string(), *child_id)),
            })
            .collect();
        let present: Vec<NaiveDate> = days
            .iter()
            .filter(|d| d.arrived_at.is_some())
            .filter_map(|d| d.day.parse().ok())
            .collect();
        let rate = child_rate(&so_far, span, &present);
        out.push(ChildClass {
            class_id: c.id,
            class_name: c.name.clone(),
            from: span.from.to_string(),
            to: span.to.to_string(),
            rate: RateView::of(rate, b.rules.min_attendance_pct),
            days,
        });
    }
    Ok(out)
}

/// A child's day today in one class (the parent's home page).
#[derive(Debug, Clone)]
pub struct ChildToday {
    pub class_id: ClassId,
    pub class_name: String,
    /// The class operates today (else nothing is expected of the child).
    pub operating: bool,
    pub day: ChildDay,
}

/// The child's day today in each of `classes` that is running (classes the child is enrolled
/// in, from the enrolment domain), read through the caller's access to the child.
pub async fn today_of_child(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
    classes: &[ClassId],
) -> Result<Vec<ChildToday>, AppError> {
    let (_, access) = children::visible(state, user, child_id).await?;
    let scope = match access {
        Access::Guardian => Scope::All,
        Access::Unit => user.require(Capability::ViewClasses)?,
    };
    let today = crate::calendar::today();
    let d = today.format("%Y-%m-%d").to_string();
    let mut out = Vec::new();
    for class_id in classes {
        let Some(c) = crate::classes::service::find(state, &scope, class_id).await? else {
            continue;
        };
        if c.status() != crate::classes::ClassStatus::Running {
            continue;
        }
        let row = store::day_of_child(&state.db, &c.id, child_id, &d)
            .await?
            .unwrap_or_else(|| store::Row::empty(c.id, &d, *child_id));
        out.push(ChildToday {
            class_id: c.id,
            class_name: c.name.clone(),
            operating: super::tap::operates_if_known(&state.db, &c, today).await?,
            day: view(&row),
        });
    }
    Ok(out)
}

/// The last day the rate counts: today once something is recorded for it or the class's day is
/// over (`now`, Beijing time, past `daily_end`), otherwise yesterday.
fn counted_until(
    daily_end: &str,
    today: NaiveDate,
    now: NaiveTime,
    row: Option<&Row>,
) -> NaiveDate {
    let recorded = row.is_some_and(|r| r.in_at.is_some() || r.absent_reason.is_some());
    let over = NaiveTime::parse_from_str(daily_end, "%H:%M").is_ok_and(|end| now >= end);
    if recorded || over {
        today
    } else {
        today.pred_opt().unwrap_or(today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_counts_once_recorded_or_over() {
        let today: NaiveDate = "2026-12-02".parse().unwrap();
        let yesterday: NaiveDate = "2026-12-01".parse().unwrap();
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let mut row = Row::empty(ClassId::new(), "2026-12-02", ChildId::new());
        // On the way at 16:05: not counted yet, with or without an empty row.
        assert_eq!(counted_until("18:30", today, t("16:05"), None), yesterday);
        assert_eq!(
            counted_until("18:30", today, t("16:05"), Some(&row)),
            yesterday
        );
        // Checked in, or marked absent: counted.
        row.in_at = Some(1);
        assert_eq!(counted_until("18:30", today, t("16:05"), Some(&row)), today);
        row.in_at = None;
        row.absent_reason = Some("ill".into());
        assert_eq!(counted_until("18:30", today, t("16:05"), Some(&row)), today);
        // The class's day is over: counted, recorded or not.
        assert_eq!(counted_until("18:30", today, t("18:30"), None), today);
    }
}
