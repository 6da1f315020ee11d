//! The enrolment span's first day (在托起始日, docs/ENROLMENT.md): the day from which an enrolled
//! child attends. Enrolment sets it (the class's start when the roster entry is made on or before
//! the first day, else the day of entry); the unit moves it so that a roster entered late catches
//! up on the days the child already attended on paper. The roll, corrections of past days and the
//! attendance rate count from it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::applications::{date, manages, visible};
use super::store::{self, Application};
use super::{Access, Status};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::ApplicationId;

/// The first day the child attends.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttendsFrom {
    /// YYYY-MM-DD (Beijing): within the class's dates, not after today (the class's start is
    /// always allowed), not after a day already recorded for the child.
    #[schema(value_type = String, format = Date, example = "2026-07-06")]
    pub attends_from: String,
}

/// The first day an enrolled application counts from (the class's start when none is stored).
pub fn first_day(a: &Application) -> String {
    a.attends_from
        .clone()
        .unwrap_or_else(|| a.class_start.clone())
}

/// Why `day` cannot be the first day of `a`, as field errors on `attends_from`.
fn refusals(a: &Application, day: Option<NaiveDate>, today: NaiveDate) -> Vec<FieldError> {
    let field = |key| vec![FieldError::new("attends_from", key)];
    let (Some(day), Some(start), Some(end)) = (day, date(&a.class_start), date(&a.class_end))
    else {
        return field("calendar.date_invalid");
    };
    if day < start || day > end {
        return vec![FieldError {
            field: "attends_from",
            msg: Msg::new("enrol.attends_from_outside")
                .arg("start", start)
                .arg("end", end),
        }];
    }
    if day > today && day != start {
        return field("enrol.attends_from_future");
    }
    Vec::new()
}

/// The unit sets the day from which an enrolled child attends (audited with the old and new
/// day). Setting the day it already has changes nothing and records nothing (an idempotent PUT).
pub async fn set(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ApplicationId,
    input: &str,
) -> Result<Application, AppError> {
    let (mut a, access) = visible(state, user, id).await?;
    if access == Access::Guardian || !manages(state, user, &a.class_id).await? {
        return Err(AppError::Forbidden);
    }
    if a.status() != Status::Enrolled {
        let status = super::applications::status_key(a.status);
        return Err(AppError::Conflict(
            Msg::new("application.bad_transition").arg_key("status", status),
        ));
    }
    let day = date(input.trim());
    let errors = refusals(&a, day, crate::calendar::today());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let Some(day) = day.map(|d| d.to_string()) else {
        return Err(AppError::field("attends_from", "calendar.date_invalid"));
    };
    let old = first_day(&a);
    if a.attends_from.as_deref() == Some(day.as_str()) {
        return Ok(a);
    }
    let mut tx = state.db.begin().await?;
    // Moving the first day later would hide days already recorded: refused, naming the first one.
    if let Some(first) = store::first_recorded_day(&mut tx, &a.class_id, &a.child_id).await?
        && first < day
    {
        return Err(AppError::Validation(vec![FieldError {
            field: "attends_from",
            msg: Msg::new("enrol.attends_from_recorded").arg("day", first),
        }]));
    }
    store::set_attends_from(&mut tx, &a.id, &day, crate::now()).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "application.attends_from", "application")
            .target(a.id)
            .detail(format!("{old} → {day}")),
        client,
    )
    .await?;
    tx.commit().await?;
    a.attends_from = Some(day);
    Ok(a)
}
