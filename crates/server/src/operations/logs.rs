//! The daily logs (台账): one quick form per kind, each entry dated and signed by the officer,
//! listed per day, with the daily kinds a past operating day lacks flagged.

use std::collections::BTreeSet;

use axum::http::{HeaderMap, StatusCode};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use tuoguan_domain::class_checks::FoodMode;

use super::LogKind;
use super::store::{self, LogRow};
use crate::app::AppState;
use crate::attendance::{beijing, clock, metrics::basis, operated};
use crate::auth::{CurrentUser, Visible};
use crate::classes::Class;
use crate::error::{AppError, FieldError};
use crate::idempotency::{Key, Stored};
use crate::ids::{ClassId, LogId};

/// What a log entry records beyond kind, day, time and officer; each kind uses some fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogDetails {
    /// Patrol: what was checked (exits, fire extinguishers, sockets, play equipment…).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub items_checked: String,
    /// Patrol: hazards found (empty: none).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hazards: String,
    /// Patrol: how each hazard was fixed or who will fix it by when.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fix: String,
    /// Ventilation: rooms aired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ventilated: Option<bool>,
    /// Ventilation: what was disinfected, with what.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub disinfection: String,
    /// Meal: the caterer (or 自行配餐).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caterer: String,
    /// Meal: the menu.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub menu: String,
    /// Meal: a sample of each dish kept (留样, 48 hours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_kept: Option<bool>,
    /// Cleaning: the areas cleaned.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub areas: String,
    /// Drill: fire, evacuation, earthquake, …
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub drill_type: String,
    /// Drill: children and staff who took part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

/// A new log entry.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogInput {
    pub kind: LogKind,
    /// YYYY-MM-DD; today when left out.
    #[serde(default)]
    pub day: Option<String>,
    /// HH:MM (Beijing time); now when left out.
    #[serde(default)]
    pub time: Option<String>,
    /// Who did it (值班人员).
    pub officer: String,
    #[serde(flatten)]
    pub details: LogDetails,
}

/// A log entry as listed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LogView {
    pub id: LogId,
    pub kind: LogKind,
    pub day: String,
    pub time: String,
    pub officer: String,
    #[serde(flatten)]
    pub details: LogDetails,
}

impl LogView {
    fn of(r: LogRow) -> Option<LogView> {
        Some(LogView {
            kind: LogKind::parse(&r.kind)?,
            time: clock(r.at),
            details: serde_json::from_str(&r.details).unwrap_or_default(),
            id: r.id,
            day: r.day,
            officer: r.officer,
        })
    }
}

fn need(errors: &mut Vec<FieldError>, v: &str, field: &'static str, key: &'static str) {
    if v.trim().is_empty() {
        errors.push(FieldError::new(field, key));
    }
}

/// Checks an entry; returns its day and time as a timestamp.
pub fn validate(input: &LogInput, c: &Class) -> Result<(NaiveDate, i64), AppError> {
    let mut errors = Vec::new();
    let today = crate::calendar::today();
    let day = match input
        .day
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => Some(today),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
    };
    match day {
        None => errors.push(FieldError::new("day", "attendance.day_invalid")),
        Some(d) if d > today => errors.push(FieldError::new("day", "attendance.future_day")),
        Some(d) if d.to_string() < c.start_date || d.to_string() > c.end_date => {
            errors.push(FieldError::new("day", "logs.outside_class"))
        }
        _ => {}
    }
    let now = chrono::Utc::now().with_timezone(&beijing()).time();
    let time = match input
        .time
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Some(now),
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M").ok(),
    };
    if time.is_none() {
        errors.push(FieldError::new("time", "logs.time_invalid"));
    }
    let n = input.officer.trim().chars().count();
    if n == 0 || n > 50 {
        errors.push(FieldError::new("officer", "logs.officer_required"));
    }
    let d = &input.details;
    let long = [
        &d.items_checked,
        &d.hazards,
        &d.fix,
        &d.disinfection,
        &d.menu,
        &d.areas,
        &d.notes,
    ];
    if long.iter().any(|s| s.chars().count() > 1000) || d.caterer.chars().count() > 100 {
        errors.push(FieldError::new("notes", "logs.too_long"));
    }
    match input.kind {
        LogKind::Patrol => {
            need(
                &mut errors,
                &d.items_checked,
                "items_checked",
                "logs.items_required",
            );
            if !d.hazards.trim().is_empty() {
                need(&mut errors, &d.fix, "fix", "logs.fix_required");
            }
        }
        LogKind::Ventilation => {
            if d.ventilated != Some(true) && d.disinfection.trim().is_empty() {
                errors.push(FieldError::new("disinfection", "logs.ventilation_required"));
            }
        }
        LogKind::Meal => {
            need(&mut errors, &d.caterer, "caterer", "logs.caterer_required");
            need(&mut errors, &d.menu, "menu", "logs.menu_required");
            if d.sample_kept.is_none() {
                errors.push(FieldError::new("sample_kept", "logs.sample_required"));
            }
        }
        LogKind::Cleaning => need(&mut errors, &d.areas, "areas", "logs.areas_required"),
        LogKind::Drill => {
            need(
                &mut errors,
                &d.drill_type,
                "drill_type",
                "logs.drill_type_required",
            );
            if d.participants.unwrap_or(0) == 0 {
                errors.push(FieldError::new(
                    "participants",
                    "logs.participants_required",
                ));
            }
        }
    }
    let (Some(day), Some(time)) = (day, time) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let at = day
        .and_time(time)
        .and_local_timezone(beijing())
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_else(crate::now);
    Ok((day, at))
}

/// Records an entry (idempotent with a key); answers 201 with the entry.
pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
    headers: &HeaderMap,
    input: &LogInput,
) -> Result<Stored, AppError> {
    let key = Key::from_request(headers, user, &format!("POST logs {class_id}"), input)?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup(&state.db).await?
    {
        return Ok(stored);
    }
    let c = operated(state, user, class_id).await?;
    let (day, at) = validate(input, &c)?;
    let row = LogRow {
        id: LogId::new(),
        class_id: c.id,
        kind: input.kind.as_str().to_string(),
        day: day.to_string(),
        at,
        officer: input.officer.trim().to_string(),
        details: serde_json::to_string(&input.details).map_err(|e| AppError::Internal(e.into()))?,
        user_id: user.id,
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup_in(&mut tx).await?
    {
        return Ok(stored);
    }
    store::insert_log(&mut tx, &row).await?;
    let view = LogView::of(row).ok_or_else(|| AppError::Internal(anyhow::anyhow!("log kind")))?;
    let stored = Stored::json(StatusCode::CREATED, &view)?;
    if let Some(k) = &key {
        k.remember(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// A day's logs and the daily kinds it lacks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DayLogs {
    pub day: String,
    pub entries: Vec<LogView>,
    /// Daily kinds not logged on this operating day (only days that have passed).
    pub missing: Vec<LogKind>,
}

/// The class's logs, day by day (newest first): every operating day up to today, and any other
/// day with an entry.
pub async fn by_day(state: &AppState, c: &Visible<Class>) -> Result<Vec<DayLogs>, AppError> {
    let today = crate::calendar::today();
    let b = basis(state, c).await?;
    let meals = c.food().mode != FoodMode::NoMeals;
    let rows = store::logs(&state.db, &c.id, &c.start_date, &c.end_date).await?;
    let mut days: BTreeSet<String> = b
        .operating
        .iter()
        .filter(|d| **d <= today)
        .map(|d| d.to_string())
        .collect();
    days.extend(rows.iter().map(|r| r.day.clone()));
    let operating: BTreeSet<String> = b.operating.iter().map(|d| d.to_string()).collect();
    let views: Vec<LogView> = rows.into_iter().filter_map(LogView::of).collect();
    Ok(days
        .into_iter()
        .rev()
        .map(|day| {
            let entries: Vec<LogView> = views.iter().filter(|v| v.day == day).cloned().collect();
            let missing = if operating.contains(&day) {
                LogKind::ALL
                    .into_iter()
                    .filter(|k| k.daily(meals) && !entries.iter().any(|e| e.kind == *k))
                    .collect()
            } else {
                Vec::new()
            };
            DayLogs {
                day,
                entries,
                missing,
            }
        })
        .collect())
}
