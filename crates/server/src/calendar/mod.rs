//! 工作日历 — China's official working-day calendar as editable data: statutory holidays and weekend
//! make-up working days (调休) per year, shipped for 2020 onwards and corrected by system admins.

pub mod api;
pub mod routes;
pub mod service;
pub(crate) mod store;

/// The working-day calendar is national data, the same for every tenant: these reads take no scope.
pub use store::{days_between, seed_shipped, years};

use serde::{Deserialize, Serialize};
use tuoguan_domain::WorkingDayCount;

/// A holiday or make-up working day in JSON.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayView {
    /// YYYY-MM-DD
    pub date: String,
    /// `holiday` (day off) or `workday` (a weekend day worked)
    #[schema(value_type = tuoguan_domain::calendar::DayKind)]
    pub kind: String,
    pub name: String,
}

/// A day to add or correct.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct DayInput {
    #[schema(value_type = tuoguan_domain::calendar::DayKind)]
    pub kind: String,
    pub name: String,
}

/// A whole year's list, replacing what is stored for that year.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct YearInput {
    pub days: Vec<DayView>,
}

/// Entries stored for one year.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct YearSummary {
    pub year: String,
    pub holidays: i64,
    pub workdays: i64,
}

/// Answer of `GET /api/v1/calendar/working-days`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkingDaysView {
    pub from: String,
    pub to: String,
    /// Official working days, both ends included.
    pub working_days: u32,
    /// Monday–Friday days in the range.
    pub weekdays: u32,
    /// Holidays falling on Monday–Friday.
    pub holidays: u32,
    /// Weekend days worked (调休上班).
    pub makeup_workdays: u32,
}

impl WorkingDaysView {
    pub fn new(from: chrono::NaiveDate, to: chrono::NaiveDate, c: WorkingDayCount) -> Self {
        WorkingDaysView {
            from: from.to_string(),
            to: to.to_string(),
            working_days: c.working_days,
            weekdays: c.weekdays,
            holidays: c.holidays,
            makeup_workdays: c.makeup_workdays,
        }
    }
}

/// The date and time in China now (UTC+8; China has no daylight saving time).
pub fn now_local() -> chrono::NaiveDateTime {
    (chrono::Utc::now() + chrono::Duration::hours(8)).naive_utc()
}

/// Today's date in China.
pub fn today() -> chrono::NaiveDate {
    now_local().date()
}

/// The time of day in China now (the hour a class's day ends is written in it).
pub fn now_time() -> chrono::NaiveTime {
    now_local().time()
}
