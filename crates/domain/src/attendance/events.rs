//! A child's day at the door (接送出勤, PRODUCT.md §6): check-in, check-out to an authorised pickup
//! person, or absence with a reason — the rules as a pure state machine.
//!
//! The server stores the events; [`apply`] replays them in arrival order over a [`DayState`]
//! and says which one to refuse. [`resolve_conflict`] decides between two devices that recorded
//! the same event for the same child while offline.

use std::cmp::Ordering;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// The stored type of an attendance event (出勤记录类型).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 签到 / 入托: the child arrived.
    CheckIn,
    /// 签退 / 接走: the child was handed to a pickup person.
    CheckOut,
    /// 缺勤: the child is not coming today.
    Absent,
}

/// Why a child is absent (缺勤原因).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceReason {
    /// 病假: ill.
    Ill,
    /// 事假: leave for another reason the family gave.
    Leave,
    /// 未说明: no reason known (yet).
    Unknown,
}

/// One event to apply: a [`Kind`] with its payload, so an absence always carries a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// See [`Kind::CheckIn`].
    CheckIn,
    /// See [`Kind::CheckOut`]; whether the collector is authorised is passed to [`apply`].
    CheckOut,
    /// See [`Kind::Absent`].
    Absent(AbsenceReason),
}

impl Event {
    /// The stored type of the event.
    pub fn kind(self) -> Kind {
        match self {
            Event::CheckIn => Kind::CheckIn,
            Event::CheckOut => Kind::CheckOut,
            Event::Absent(_) => Kind::Absent,
        }
    }
}

/// Where one child's day stands (当日状态). [`DayState::default`] is a day with nothing recorded.
///
/// [`apply`] keeps two invariants starting from the default: `checked_out` implies
/// `checked_in`, and `absent` is `None` whenever `checked_in`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayState {
    /// A check-in was accepted.
    pub checked_in: bool,
    /// A check-out was accepted.
    pub checked_out: bool,
    /// Marked absent, with the latest reason given.
    pub absent: Option<AbsenceReason>,
}

/// Why an event is refused (拒绝原因).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Refusal {
    /// The class does not run that day (non-working day, closure, outside its dates).
    #[error("the class does not operate on this day")]
    NotOperatingDay,
    /// The child was already checked in today.
    #[error("the child is already checked in today")]
    AlreadyCheckedIn,
    /// A check-out needs a check-in first.
    #[error("the child has not been checked in today")]
    NotCheckedIn,
    /// The child was already checked out today.
    #[error("the child has already been collected today")]
    AlreadyCheckedOut,
    /// A check-out for a child marked absent and never checked in.
    #[error("the child is marked absent today")]
    MarkedAbsent,
    /// An absence for a child who was checked in today.
    #[error("the child was checked in today and cannot be marked absent")]
    AlreadyPresent,
    /// The collector is not one of the child's authorised pickup persons (授权接送人).
    #[error("this person is not authorised to collect the child")]
    UnauthorisedPickup,
}

/// The i18n keys of every [`Refusal`], in declaration order.
pub const REFUSAL_CODES: [&str; 7] = [
    "attendance.not_operating_day",
    "attendance.already_checked_in",
    "attendance.not_checked_in",
    "attendance.already_checked_out",
    "attendance.marked_absent",
    "attendance.already_present",
    "attendance.unauthorised_pickup",
];

impl Refusal {
    /// Every refusal, in declaration order.
    pub const ALL: [Refusal; 7] = [
        Refusal::NotOperatingDay,
        Refusal::AlreadyCheckedIn,
        Refusal::NotCheckedIn,
        Refusal::AlreadyCheckedOut,
        Refusal::MarkedAbsent,
        Refusal::AlreadyPresent,
        Refusal::UnauthorisedPickup,
    ];

    /// i18n key, one of [`REFUSAL_CODES`]: `"attendance.not_operating_day"` etc.
    pub fn code(&self) -> &'static str {
        REFUSAL_CODES[*self as usize]
    }
}

/// Applies one event to a child's day, events taken in the order the server received them
/// (接收顺序); returns the new state, or why the event is refused (the state then stays).
///
/// - On a day that is not an operating day every event is refused with
///   [`Refusal::NotOperatingDay`]: no child is expected, so there is nothing to record.
/// - [`Event::CheckIn`]: refused once checked in ([`Refusal::AlreadyCheckedIn`], also after
///   a check-out: one check-in a day). **A child marked absent may still be checked in**: it
///   is a late arrival (e.g. the family rang in ill, then brought the child at ten), so the
///   check-in is accepted and clears the absence — the door reflects reality, and refusing
///   would leave a child in the room who is recorded as absent.
/// - [`Event::CheckOut`]: needs a check-in ([`Refusal::MarkedAbsent`] when the child is marked
///   absent, else [`Refusal::NotCheckedIn`]), then no earlier check-out
///   ([`Refusal::AlreadyCheckedOut`]), then `collector_authorised`
///   ([`Refusal::UnauthorisedPickup`]; the server records that refusal with the name given).
///   State refusals come first: with no child to hand over, there is no pickup to judge.
/// - [`Event::Absent`]: refused once checked in ([`Refusal::AlreadyPresent`]); marking an
///   absent child absent again is accepted and replaces the reason (unknown → ill once the
///   family calls).
///
/// `collector_authorised` is ignored for every event but a check-out.
pub fn apply(
    state: &DayState,
    event: Event,
    is_operating_day: bool,
    collector_authorised: bool,
) -> Result<DayState, Refusal> {
    if !is_operating_day {
        return Err(Refusal::NotOperatingDay);
    }
    match event {
        Event::CheckIn if state.checked_in => Err(Refusal::AlreadyCheckedIn),
        Event::CheckIn => Ok(DayState {
            checked_in: true,
            absent: None,
            ..state.clone()
        }),
        Event::CheckOut if !state.checked_in && state.absent.is_some() => {
            Err(Refusal::MarkedAbsent)
        }
        Event::CheckOut if !state.checked_in => Err(Refusal::NotCheckedIn),
        Event::CheckOut if state.checked_out => Err(Refusal::AlreadyCheckedOut),
        Event::CheckOut if !collector_authorised => Err(Refusal::UnauthorisedPickup),
        Event::CheckOut => Ok(DayState {
            checked_out: true,
            ..state.clone()
        }),
        Event::Absent(_) if state.checked_in => Err(Refusal::AlreadyPresent),
        Event::Absent(reason) => Ok(DayState {
            absent: Some(reason),
            ..state.clone()
        }),
    }
}

/// Orders two records of the same event type for the same child and day made on different
/// devices while offline (离线冲突), each given as (device timestamp `at`, event id): the
/// **earliest `at` wins, ties broken by the smaller event id** (compared as strings, byte by
/// byte, so every device and the server agree).
///
/// `Less` means `a` wins, `Greater` means `b` wins, `Equal` means the same event twice (same
/// time and id — the Idempotency-Key already answers it once). The loser is kept as a
/// superseded record rather than applied: for a check-in, the earliest arrival time is the one
/// the sign-in sheet shows. Sorting a child's events with this order and applying them with
/// [`apply`] gives the same day on every replay.
pub fn resolve_conflict(a: (NaiveDateTime, &str), b: (NaiveDateTime, &str)) -> Ordering {
    a.cmp(&b)
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
