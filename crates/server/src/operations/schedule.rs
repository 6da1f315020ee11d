//! The weekly schedule (一日安排): what the class does each weekday at what time — homework,
//! tutoring, reading, sport, arts, play, social practice, booked courses (seed 003 §二.4).

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::ACTIVITIES;
use super::store::{self, ScheduleItem};
use crate::app::AppState;
use crate::attendance::operated;
use crate::auth::CurrentUser;
use crate::classes::service::visible;
use crate::error::{AppError, FieldError};
use crate::ids::{ClassId, ScheduleItemId};

/// A new line of the schedule.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ItemInput {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// HH:MM
    pub starts: String,
    /// HH:MM, after `starts`.
    pub ends: String,
    #[schema(value_type = super::Activity)]
    pub activity: String,
    /// e.g. 《安全教育》 or the course's name.
    #[serde(default)]
    pub title: String,
}

fn validate(i: &ItemInput) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if !(1..=7).contains(&i.weekday) {
        errors.push(FieldError::new("weekday", "schedule.weekday_invalid"));
    }
    let t = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").ok();
    match (t(&i.starts), t(&i.ends)) {
        (Some(a), Some(b)) if a < b => {}
        (Some(_), Some(_)) => errors.push(FieldError::new("ends", "schedule.ends_before")),
        _ => errors.push(FieldError::new("starts", "schedule.time_invalid")),
    }
    if !ACTIVITIES.contains(&i.activity.as_str()) {
        errors.push(FieldError::new("activity", "schedule.activity_invalid"));
    }
    if i.title.chars().count() > 100 {
        errors.push(FieldError::new("title", "schedule.title_too_long"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The class's schedule (anyone who sees the class).
pub async fn of_class(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
) -> Result<Vec<ScheduleItem>, AppError> {
    let c = visible(state, user, class_id).await?;
    Ok(store::schedule(&state.db, &c.id).await?)
}

/// Adds a line (the staff who run the class).
pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
    i: &ItemInput,
) -> Result<ScheduleItem, AppError> {
    let c = operated(state, user, class_id).await?;
    validate(i)?;
    let item = ScheduleItem {
        id: ScheduleItemId::new(),
        weekday: i.weekday,
        starts: i.starts.trim().to_string(),
        ends: i.ends.trim().to_string(),
        activity: i.activity.clone(),
        title: i.title.trim().to_string(),
    };
    let mut tx = state.db.begin().await?;
    store::insert_item(&mut tx, &c.id, &item).await?;
    tx.commit().await?;
    Ok(item)
}

/// Removes a line.
pub async fn remove(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
    item_id: &ScheduleItemId,
) -> Result<(), AppError> {
    let c = operated(state, user, class_id).await?;
    let mut tx = state.db.begin().await?;
    let gone = store::delete_item(&mut tx, &c.id, item_id).await?;
    tx.commit().await?;
    if gone {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The schedule as a week: seven columns, Monday first, each sorted by time.
pub fn week(items: &[ScheduleItem]) -> Vec<(i64, Vec<ScheduleItem>)> {
    (1..=7)
        .map(|d| {
            (
                d,
                items.iter().filter(|i| i.weekday == d).cloned().collect(),
            )
        })
        .collect()
}
