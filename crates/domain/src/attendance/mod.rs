//! Attendance (出勤), PRODUCT.md §6: the rules of a child's day at the door — check-in, check-out to
//! an authorised pickup person, absence — and the attendance rate against the programme rule.

pub mod events;
pub mod rate;

pub use events::{
    AbsenceReason, DayState, Event, Kind, REFUSAL_CODES, Refusal, apply, resolve_conflict,
};
pub use rate::{EnrolmentSpan, Rate, child_rate, class_rate};
