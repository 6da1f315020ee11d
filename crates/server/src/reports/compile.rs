//! A unit's own figures for a report's period, counted from the records of the classes it hosts.

use chrono::NaiveDate;
use tuoguan_domain::class_checks::FoodMode;
use tuoguan_domain::programme::MilestoneKind;

use super::{Figures, store};
use crate::app::AppState;
use crate::attendance::metrics;
use crate::auth::Scope;
use crate::classes::service as classes;
use crate::error::AppError;
use crate::ids::OrgId;
use crate::programmes::{Milestone, Programme};

/// Unix seconds at the start of `day` in China (UTC+8).
fn day_start(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp() - 8 * 3600)
}

/// Whether a class's dates meet `from..=to` (a class whose dates do not parse is kept).
fn meets(start: &str, end: &str, from: Option<NaiveDate>, to: NaiveDate) -> bool {
    let (Ok(start), Ok(end)) = (start.parse::<NaiveDate>(), end.parse::<NaiveDate>()) else {
        return true;
    };
    start <= to && from.is_none_or(|f| end >= f)
}

/// The figures of the classes `host` hosts itself, over `from..=as_of`. A monthly report keeps
/// the classes whose dates meet its month; the preparation report and the summary every class
/// approved, running or closed.
pub async fn own(
    state: &AppState,
    p: &Programme,
    m: &Milestone,
    host: &OrgId,
    (from, as_of): (Option<NaiveDate>, NaiveDate),
) -> Result<Figures, AppError> {
    let monthly = m.kind() == Some(MilestoneKind::MonthlyReport);
    let hosted = classes::hosted_by(state, &Scope::All, p, host).await?;
    let mut f = Figures::default();
    // Money is counted for every class hosted: a subsidy may arrive after a class has closed.
    let all: Vec<_> = hosted.iter().map(|c| c.id).collect();
    funds(state, &all, (from, as_of), &mut f).await?;
    let classes: Vec<_> = hosted
        .into_iter()
        .filter(|c| !monthly || meets(&c.start_date, &c.end_date, from, as_of))
        .collect();
    let (children, families) = store::reach_of(&state.db, &p.id, host).await?;
    f.children = children;
    f.families = families;
    if classes.is_empty() {
        f.units_reporting = i64::from(children > 0);
        return Ok(f);
    }
    f.units_reporting = 1;
    let ids: Vec<_> = classes.iter().map(|c| c.id).collect();
    let logs = store::log_days(&state.db, &ids, from, as_of).await?;
    for c in &classes {
        f.classes_open += 1;
        f.places += c.capacity;
        let (days, rate) = metrics::between(state, c, from, as_of).await?;
        let owed = days.len() as i64;
        f.operating_days += owed;
        f.child_days_expected += i64::from(rate.expected);
        f.child_days_present += i64::from(rate.present);
        let kept = |kind: &str| {
            logs.iter()
                .filter(|l| l.0 == c.id && l.1 == kind)
                .filter(|l| days.binary_search(&l.2).is_ok())
                .count() as i64
        };
        f.patrol_days += kept("patrol");
        f.ventilation_days += kept("ventilation");
        if c.food().mode != FoodMode::NoMeals {
            f.meal_days += kept("meal");
            f.meal_days_owed += owed;
        }
    }
    let until = as_of.succ_opt().unwrap_or(as_of);
    let since = from.map_or(0, day_start);
    let (incidents, safety) = store::incidents(&state.db, &ids, since, day_start(until)).await?;
    f.incidents = incidents;
    f.safety_incidents = safety;
    let (staff, checked) = store::staff(&state.db, &ids).await?;
    f.staff = staff;
    f.staff_checked = checked;
    Ok(f)
}

/// The money the classes booked in the period, by source (their ledger entries dated in it).
async fn funds(
    state: &AppState,
    ids: &[crate::ids::ClassId],
    (from, as_of): (Option<NaiveDate>, NaiveDate),
    f: &mut Figures,
) -> Result<(), AppError> {
    use tuoguan_domain::funding::Source;
    let rows = store::funds(&state.db, ids, from, as_of).await?;
    f.funds_by_source = Source::ALL
        .into_iter()
        .map(|source| {
            let of = |dir: &str| {
                rows.iter()
                    .filter(|(s, d, _)| s == source.as_str() && d == dir)
                    .map(|r| r.2)
                    .sum::<i64>()
            };
            super::SourceFunds {
                source,
                received_fen: of("receipt"),
                spent_fen: of("payment"),
            }
        })
        .collect();
    f.funds_received_fen = f.funds_by_source.iter().map(|s| s.received_fen).sum();
    f.funds_spent_fen = f.funds_by_source.iter().map(|s| s.spent_fen).sum();
    Ok(())
}

/// The last day a report counts: its period's end, or today if that is earlier (a period not
/// begun yet then counts nothing).
pub fn as_of(to: NaiveDate, today: NaiveDate) -> NaiveDate {
    to.min(today)
}
