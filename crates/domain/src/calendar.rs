//! China's official working-day calendar (工作日).
//!
//! A working day is Monday to Friday, minus the statutory holidays (法定节假日, including the
//! weekdays given off in exchange, 调休放假), plus the weekend days worked in exchange
//! (调休上班). The State Council publishes each year's arrangement, so the calendar is data: the
//! crate ships the official days from 2020 on in `data/cn_calendar.csv` (see [`shipped_days`]),
//! and the application loads them into a table that administrators extend each November.
//!
//! Everything here is pure: [`WorkCalendar`] is built from `(date, kind)` pairs and answers
//! questions about dates without any I/O.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

mod csv;
#[cfg(test)]
mod tests;

pub use csv::{CalendarCsvError, parse_calendar_csv};

/// The official calendar data shipped with the crate (header `date,kind,name`).
const SHIPPED_CSV: &str = include_str!("../data/cn_calendar.csv");

/// How an officially listed day departs from the plain Monday–Friday week.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off: a statutory holiday (法定节假日) or a day off in exchange (调休放假).
    /// Only counts when it falls on Monday–Friday; weekend holidays are kept as data.
    Holiday,
    /// A weekend day that is worked in exchange for a holiday (调休上班).
    Workday,
}

impl DayKind {
    /// The stable lower-case name used in CSV files and the database: `holiday` or `workday`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }

    /// Parses `holiday` or `workday` (surrounding whitespace and ASCII case are ignored).
    pub fn parse(s: &str) -> Option<DayKind> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("holiday") {
            Some(DayKind::Holiday)
        } else if s.eq_ignore_ascii_case("workday") {
            Some(DayKind::Workday)
        } else {
            None
        }
    }
}

/// One officially listed day: a holiday or a make-up workday, with the festival it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    /// The date.
    pub date: NaiveDate,
    /// Whether the day is off or worked.
    pub kind: DayKind,
    /// The Chinese name of the festival the arrangement belongs to, e.g. `春节` or `国庆节`.
    pub name: String,
}

/// The breakdown of a date range produced by [`WorkCalendar::count`].
///
/// Always `working_days == weekdays - holidays + makeup_workdays`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkingDayCount {
    /// Official working days (工作日) in the range.
    pub working_days: u32,
    /// Mondays to Fridays in the range, whatever the calendar says.
    pub weekdays: u32,
    /// Holidays that fall on Monday–Friday.
    pub holidays: u32,
    /// Saturdays and Sundays that are worked (调休上班).
    pub makeup_workdays: u32,
}

impl WorkingDayCount {
    const ZERO: WorkingDayCount = WorkingDayCount {
        working_days: 0,
        weekdays: 0,
        holidays: 0,
        makeup_workdays: 0,
    };
}

/// A working-day calendar: the plain week overridden by officially listed days.
///
/// Dates the calendar does not list follow the plain week (Monday–Friday work). A year that
/// has not been entered yet therefore counts every weekday as a working day.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    days: BTreeMap<NaiveDate, DayKind>,
}

impl WorkCalendar {
    /// Builds a calendar from listed days; when a date appears twice the last kind wins.
    pub fn new(days: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        WorkCalendar {
            days: days.into_iter().collect(),
        }
    }

    /// The calendar of the data shipped with the crate ([`shipped_days`]).
    pub fn shipped() -> Self {
        WorkCalendar::new(shipped_days().into_iter().map(|d| (d.date, d.kind)))
    }

    /// The listed kind of a date, or `None` when the date follows the plain week.
    pub fn kind(&self, d: NaiveDate) -> Option<DayKind> {
        self.days.get(&d).copied()
    }

    /// Whether `d` is an official working day (工作日).
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.kind(d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => is_weekday(d),
        }
    }

    /// Counts the range `from..=to` (inclusive of both ends); all zero if `from > to`.
    pub fn count(&self, from: NaiveDate, to: NaiveDate) -> WorkingDayCount {
        if from > to {
            return WorkingDayCount::ZERO;
        }
        let weekdays = weekdays_between(from, to);
        let (mut holidays, mut makeup_workdays) = (0, 0);
        for (&date, &kind) in self.days.range(from..=to) {
            match (kind, is_weekday(date)) {
                (DayKind::Holiday, true) => holidays += 1,
                (DayKind::Workday, false) => makeup_workdays += 1,
                // A weekend holiday or a weekday "workday" changes nothing.
                _ => {}
            }
        }
        WorkingDayCount {
            working_days: weekdays - holidays + makeup_workdays,
            weekdays,
            holidays,
            makeup_workdays,
        }
    }

    /// The number of working days in `from..=to`; zero if `from > to`.
    pub fn working_days(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        self.count(from, to).working_days
    }
}

/// The shipped official data (2020 onwards), parsed from the embedded CSV.
pub fn shipped_days() -> Vec<CalendarDay> {
    parse_calendar_csv(SHIPPED_CSV).expect("the embedded data/cn_calendar.csv is valid")
}

/// Monday to Friday.
fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Mondays to Fridays in `from..=to`, for `from <= to`, without walking the range.
fn weekdays_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let days = (to - from).num_days() + 1;
    let full_weeks = days / 7;
    let start = i64::from(from.weekday().num_days_from_monday());
    // The leftover days are consecutive weekdays starting at `from`'s weekday.
    let rest = (0..days % 7).filter(|i| (start + i) % 7 < 5).count() as i64;
    u32::try_from(full_weeks * 5 + rest).unwrap_or(u32::MAX)
}
