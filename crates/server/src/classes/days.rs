//! A class's days: operating days from the working-day calendar, its closure days (typhoon,
//! epidemic) and extra open days.

use chrono::NaiveDate;
use tuoguan_domain::calendar::{DayKind, WorkCalendar};

use super::Class;
use super::service::{Action, may, visible};
use super::store::{self, ClassDay};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{CurrentUser, Visible};
use crate::calendar as cal_store;
use crate::error::{AppError, FieldError};
use crate::ids::ClassId;

/// The working-day calendar covering a date range, read in one query.
pub async fn calendar_for(
    state: &AppState,
    from: &str,
    to: &str,
) -> Result<Option<WorkCalendar>, AppError> {
    // A year without calendar data would silently count its holidays as working days: say so instead.
    let known: Vec<String> = cal_store::years(&state.db)
        .await?
        .into_iter()
        .map(|y| y.year)
        .collect();
    let (Some(fy), Some(ty)) = (from.get(0..4), to.get(0..4)) else {
        return Ok(None);
    };
    let (Ok(fy), Ok(ty)) = (fy.parse::<i32>(), ty.parse::<i32>()) else {
        return Ok(None);
    };
    if (fy..=ty).any(|y| !known.contains(&format!("{y:04}"))) {
        return Ok(None);
    }
    let days = cal_store::days_between(&state.db, from, to).await?;
    Ok(Some(WorkCalendar::new(days.iter().filter_map(|d| {
        Some((
            NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok()?,
            DayKind::parse(&d.kind)?,
        ))
    }))))
}

/// Operating days of a class from its dates, the calendar and its recorded days.
pub fn operating_days(cal: &WorkCalendar, c: &Class, days: &[ClassDay]) -> Result<u32, AppError> {
    let (start, end) = c.dates()?;
    let pick = |kind: &str| -> Vec<NaiveDate> {
        days.iter()
            .filter(|d| d.kind == kind)
            .filter_map(|d| NaiveDate::parse_from_str(&d.day, "%Y-%m-%d").ok())
            .collect()
    };
    Ok(tuoguan_domain::operating_days::operating_days(
        cal,
        start,
        end,
        &pick("closure"),
        &pick("extra"),
    ))
}

/// Records a closure day (typhoon, epidemic…) or an extra open day; the host unit or the federation.
/// The closure and extra days of a class the caller may see.
pub async fn of_class(state: &AppState, c: &Visible<Class>) -> Result<Vec<ClassDay>, AppError> {
    Ok(store::days(&state.db, c).await?)
}

pub async fn set_day(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ClassId,
    d: &ClassDay,
) -> Result<(), AppError> {
    let c = visible(state, user, id).await?;
    if !may(user, &c, Action::Start) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let day = super::service::parse_day(&d.day, "day", &mut errors);
    if !matches!(d.kind.as_str(), "closure" | "extra") {
        errors.push(FieldError::new("kind", "class.day_kind_invalid"));
    }
    let reason = d.reason.trim();
    if reason.is_empty() || reason.chars().count() > 100 {
        errors.push(FieldError::new("reason", "class.required"));
    }
    let (start, end) = c.dates()?;
    if day.is_some_and(|x| x < start || x > end) {
        errors.push(FieldError::new("day", "class.day_outside"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let clean = ClassDay {
        day: d.day.trim().into(),
        kind: d.kind.clone(),
        reason: reason.into(),
    };
    let mut tx = state.db.begin().await?;
    store::upsert_day(&mut tx, &c.id, &clean).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "class.day", "class")
            .target(c.id)
            .detail(format!("{} {} {}", clean.day, clean.kind, clean.reason)),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete_day(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ClassId,
    day: &str,
) -> Result<(), AppError> {
    let c = visible(state, user, id).await?;
    if !may(user, &c, Action::Start) {
        return Err(AppError::Forbidden);
    }
    let mut tx = state.db.begin().await?;
    if store::delete_day(&mut tx, &c.id, day).await? == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        &Entry::by(user, "class.day_delete", "class")
            .target(c.id)
            .detail(day.to_string()),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
