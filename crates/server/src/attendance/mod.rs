//! 接送出勤 — a class's day at the door (PRODUCT.md §6): the roll of enrolled children, check-in with
//! who brought the child, check-out only to an authorised pickup person (anyone else is refused
//! and the refusal recorded), absences with a reason, corrections marked as such, pickup cards
//! with QR codes, the attendance rate and the month grid.
//!
//! The rules of one child's day are `tuoguan_domain::attendance`; this module reads the facts
//! (enrolment, operating day, authorised collectors), and [`writer`] applies the taps, batching
//! concurrent ones into one commit. Every tap may carry an Idempotency-Key ([`crate::idempotency`]).

pub mod api;
pub mod cards;
pub mod demo;
pub mod family;
pub mod grid;
pub mod metrics;
pub mod pwa;
pub mod roll;
mod roll_page;
pub mod routes;
mod store;

/// Whether `child_id` was enrolled in the class on `day` (YYYY-MM-DD).
pub async fn enrolled_on(
    state: &AppState,
    c: &Visible<Class>,
    child_id: &ChildId,
    day: &str,
) -> Result<bool, AppError> {
    Ok(store::enrolled_on(&state.db, &c.id, child_id, day).await?)
}

/// The class's incidents: (all, safety ones).
pub async fn incident_counts(state: &AppState, c: &Visible<Class>) -> Result<(i64, i64), AppError> {
    Ok(store::incident_counts(&state.db, &c.id).await?)
}
pub mod tap;
pub mod writer;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Visible};
use crate::classes::{Class, service as classes};
use crate::error::AppError;
use crate::ids::{ChildId, ClassId};

/// What a tap asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 签到: the child arrived; `person` says who brought them.
    CheckIn,
    /// 签退: handed to `collector_id` (an authorised pickup person or a guardian); a name in
    /// `person` instead is someone not on the list: refused and recorded.
    CheckOut,
    /// 缺勤 with `reason` ill, leave or unknown.
    Absent,
    /// 撤销: a correction that takes back the latest step of the day; `note` says why.
    Undo,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CheckIn => "check_in",
            Action::CheckOut => "check_out",
            Action::Absent => "absent",
            Action::Undo => "undo",
        }
    }
}

/// A tap at the door, as the roll page and the API send it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TapInput {
    pub child_id: ChildId,
    pub action: Action,
    /// The day (YYYY-MM-DD, Beijing time); today when left out. A past day is a correction.
    #[serde(default)]
    pub day: Option<String>,
    /// When the tap was made on the device (`YYYY-MM-DDTHH:MM[:SS]`, Beijing time); now when
    /// left out. A queued offline tap keeps the time it was made.
    #[serde(default)]
    pub at: Option<String>,
    /// Check-in: who brought the child. Check-out: the name of a collector not on the list.
    #[serde(default)]
    pub person: Option<String>,
    /// Check-out: the authorised collector, a pickup person's id or `guardian:<id>`.
    #[serde(default)]
    pub collector_id: Option<String>,
    /// Absence: `ill`, `leave` or `unknown`.
    #[serde(default)]
    #[schema(value_type = Option<tuoguan_domain::attendance::AbsenceReason>)]
    pub reason: Option<String>,
    /// Why (required for an undo and for any correction of a past day).
    #[serde(default)]
    pub note: Option<String>,
}

crate::closed_set! {
    /// Where a child's day stands.
    pub enum DayStatus {
        /// Nothing recorded yet.
        Expected = "expected",
        Present = "present",
        Collected = "collected",
        Absent = "absent",
    }
}

crate::closed_set! {
    /// What became of a tap.
    pub enum TapOutcome {
        Applied = "applied",
        /// An offline tap that came after another for the same step: its earlier time was kept.
        Merged = "merged",
        Refused = "refused",
    }
}

crate::closed_set! {
    /// Why a tap was refused (the i18n key of the message).
    pub enum RefusalCode {
        NotOperatingDay = "attendance.not_operating_day",
        AlreadyCheckedIn = "attendance.already_checked_in",
        NotCheckedIn = "attendance.not_checked_in",
        AlreadyCheckedOut = "attendance.already_checked_out",
        MarkedAbsent = "attendance.marked_absent",
        AlreadyPresent = "attendance.already_present",
        UnauthorisedPickup = "attendance.unauthorised_pickup",
        NothingToUndo = "attendance.nothing_to_undo",
    }
}

/// Where one child's day stands, as the roll shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChildDay {
    pub child_id: ChildId,
    pub day: String,
    /// `expected` (nothing yet), `present`, `collected` or `absent`.
    #[schema(value_type = DayStatus)]
    pub status: String,
    /// Arrival time (HH:MM, Beijing time).
    pub arrived_at: Option<String>,
    pub brought_by: String,
    pub left_at: Option<String>,
    pub collected_by: String,
    #[schema(value_type = Option<tuoguan_domain::attendance::AbsenceReason>)]
    pub absent_reason: Option<String>,
    /// Something on this day was corrected after the fact.
    pub corrected: bool,
}

/// The answer to an applied tap.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TapResult {
    pub event_id: String,
    /// The tap was for a past day or an undo.
    pub correction: bool,
    pub state: ChildDay,
}

/// The answer to a refused tap (409): the error body of PRODUCT.md §15 with the child's day as it
/// stands, so an offline phone can show what another device recorded.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Refused {
    pub error: RefusalDetail,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RefusalDetail {
    /// `attendance.already_checked_in`, `attendance.unauthorised_pickup`, …
    #[schema(value_type = RefusalCode)]
    pub code: String,
    pub message: String,
    pub state: ChildDay,
}

/// Beijing time: every day and clock time the door shows.
pub fn beijing() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// HH:MM in Beijing time of a stored timestamp.
pub fn clock(ts: i64) -> String {
    DateTime::<Utc>::from_timestamp(ts, 0)
        .map(|t| t.with_timezone(&beijing()).format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A device time `YYYY-MM-DDTHH:MM[:SS]` (Beijing) as a timestamp.
pub fn parse_at(s: &str) -> Option<i64> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()?;
    beijing()
        .from_local_datetime(&t)
        .single()
        .map(|t| t.timestamp())
}

/// The Beijing date of a timestamp.
pub fn date_of(ts: i64) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp(ts, 0).map(|t| t.with_timezone(&beijing()).date_naive())
}

/// The class, when the user may run its day: 404 outside their `ViewClasses` scope (a sibling
/// unit never learns the class exists), 403 when they may see it but not run it (a federation).
pub async fn operated(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
) -> Result<Visible<Class>, AppError> {
    let c = classes::visible(state, user, id).await?;
    may_run(user, &c)?;
    Ok(c)
}

/// 403 unless the user runs the class's day (class staff, class manager, the host unit).
pub fn may_run(user: &CurrentUser, c: &Class) -> Result<(), AppError> {
    match user.scope(Capability::RunClasses) {
        Some(s) if s.contains(&c.host_path) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// Whether the user runs the class's day (for showing buttons).
pub fn runs(user: &CurrentUser, c: &Class) -> bool {
    may_run(user, c).is_ok()
}

/// A day (YYYY-MM-DD; today when left out).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct DayQuery {
    pub day: Option<String>,
}

/// Parses `?day=`, today when empty.
pub fn day_or_today(q: Option<&str>) -> Result<chrono::NaiveDate, AppError> {
    match q.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(crate::calendar::today()),
        Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| AppError::field("day", "attendance.day_invalid")),
    }
}

/// A month (YYYY-MM; when left out, the class's current month, or its last — or first — month
/// when it is not running).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct MonthQuery {
    pub month: Option<String>,
}
