//! Tests of the day's event rules: every reachable state against every event, and the
//! offline conflict order.

use super::*;
use AbsenceReason::{Ill, Leave, Unknown};
use chrono::NaiveDate;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as DeError, StrDeserializer};

const NEW: DayState = state(false, false, None);
const ABS_ILL: DayState = state(false, false, Some(Ill));
const ABS_LEAVE: DayState = state(false, false, Some(Leave));
const ABS_UNKNOWN: DayState = state(false, false, Some(Unknown));
const IN: DayState = state(true, false, None);
const OUT: DayState = state(true, true, None);

/// Every state reachable from [`DayState::default`] through [`apply`].
const REACHABLE: [DayState; 6] = [NEW, ABS_ILL, ABS_LEAVE, ABS_UNKNOWN, IN, OUT];

const fn state(checked_in: bool, checked_out: bool, absent: Option<AbsenceReason>) -> DayState {
    DayState {
        checked_in,
        checked_out,
        absent,
    }
}

/// Each event with the `collector_authorised` flag it is sent with.
const CHECK_IN: (Event, bool) = (Event::CheckIn, true);
const CHECK_OUT: (Event, bool) = (Event::CheckOut, true);
const CHECK_OUT_STRANGER: (Event, bool) = (Event::CheckOut, false);
const ILL: (Event, bool) = (Event::Absent(Ill), true);
const LEAVE: (Event, bool) = (Event::Absent(Leave), true);
const UNKNOWN: (Event, bool) = (Event::Absent(Unknown), true);
const EVENTS: [(Event, bool); 6] = [CHECK_IN, CHECK_OUT, CHECK_OUT_STRANGER, ILL, LEAVE, UNKNOWN];

/// Every `DayState`, consistent or not: 2 × 2 × 4.
fn all_states() -> Vec<DayState> {
    let mut states = Vec::new();
    for checked_in in [false, true] {
        for checked_out in [false, true] {
            for absent in [None, Some(Ill), Some(Leave), Some(Unknown)] {
                states.push(state(checked_in, checked_out, absent));
            }
        }
    }
    states
}

#[test]
fn every_reachable_state_against_every_event_on_an_operating_day() {
    use Refusal::*;
    type Row = (DayState, (Event, bool), Result<DayState, Refusal>);
    let table: [Row; 36] = [
        (NEW, CHECK_IN, Ok(IN)),
        (NEW, CHECK_OUT, Err(NotCheckedIn)),
        (NEW, CHECK_OUT_STRANGER, Err(NotCheckedIn)),
        (NEW, ILL, Ok(ABS_ILL)),
        (NEW, LEAVE, Ok(ABS_LEAVE)),
        (NEW, UNKNOWN, Ok(ABS_UNKNOWN)),
        // A late arrival clears the absence.
        (ABS_ILL, CHECK_IN, Ok(IN)),
        (ABS_ILL, CHECK_OUT, Err(MarkedAbsent)),
        (ABS_ILL, CHECK_OUT_STRANGER, Err(MarkedAbsent)),
        (ABS_ILL, ILL, Ok(ABS_ILL)),
        (ABS_ILL, LEAVE, Ok(ABS_LEAVE)),
        (ABS_ILL, UNKNOWN, Ok(ABS_UNKNOWN)),
        (ABS_LEAVE, CHECK_IN, Ok(IN)),
        (ABS_LEAVE, CHECK_OUT, Err(MarkedAbsent)),
        (ABS_LEAVE, CHECK_OUT_STRANGER, Err(MarkedAbsent)),
        (ABS_LEAVE, ILL, Ok(ABS_ILL)),
        (ABS_LEAVE, LEAVE, Ok(ABS_LEAVE)),
        (ABS_LEAVE, UNKNOWN, Ok(ABS_UNKNOWN)),
        (ABS_UNKNOWN, CHECK_IN, Ok(IN)),
        (ABS_UNKNOWN, CHECK_OUT, Err(MarkedAbsent)),
        (ABS_UNKNOWN, CHECK_OUT_STRANGER, Err(MarkedAbsent)),
        (ABS_UNKNOWN, ILL, Ok(ABS_ILL)),
        (ABS_UNKNOWN, LEAVE, Ok(ABS_LEAVE)),
        (ABS_UNKNOWN, UNKNOWN, Ok(ABS_UNKNOWN)),
        (IN, CHECK_IN, Err(AlreadyCheckedIn)),
        (IN, CHECK_OUT, Ok(OUT)),
        (IN, CHECK_OUT_STRANGER, Err(UnauthorisedPickup)),
        (IN, ILL, Err(AlreadyPresent)),
        (IN, LEAVE, Err(AlreadyPresent)),
        (IN, UNKNOWN, Err(AlreadyPresent)),
        (OUT, CHECK_IN, Err(AlreadyCheckedIn)),
        (OUT, CHECK_OUT, Err(AlreadyCheckedOut)),
        (OUT, CHECK_OUT_STRANGER, Err(AlreadyCheckedOut)),
        (OUT, ILL, Err(AlreadyPresent)),
        (OUT, LEAVE, Err(AlreadyPresent)),
        (OUT, UNKNOWN, Err(AlreadyPresent)),
    ];
    for (before, (event, authorised), want) in &table {
        let got = apply(before, *event, true, *authorised);
        assert_eq!(
            &got, want,
            "{before:?} + {event:?} (authorised: {authorised})"
        );
    }
    // The table holds each (state, event) pair exactly once.
    for s in &REACHABLE {
        for e in &EVENTS {
            let rows = table.iter().filter(|(b, ev, _)| b == s && ev == e).count();
            assert_eq!(rows, 1, "{s:?} + {e:?}");
        }
    }
}

#[test]
fn every_event_is_refused_on_a_non_operating_day() {
    for s in all_states() {
        for (event, _) in EVENTS {
            for authorised in [true, false] {
                let got = apply(&s, event, false, authorised);
                assert_eq!(got, Err(Refusal::NotOperatingDay), "{s:?} + {event:?}");
            }
        }
    }
}

#[test]
fn authorisation_matters_only_for_check_out() {
    for s in all_states() {
        for event in [Event::CheckIn, Event::Absent(Ill), Event::Absent(Unknown)] {
            assert_eq!(apply(&s, event, true, true), apply(&s, event, true, false));
        }
    }
}

#[test]
fn reachable_states_stay_reachable() {
    for s in &REACHABLE {
        for (event, authorised) in EVENTS {
            if let Ok(next) = apply(s, event, true, authorised) {
                assert!(REACHABLE.contains(&next), "{s:?} + {event:?} → {next:?}");
                assert!(!next.checked_out || next.checked_in);
                assert!(!(next.checked_in && next.absent.is_some()));
            }
        }
    }
}

#[test]
fn a_day_replayed_in_order() {
    // Family rings in ill; the child comes at ten after all; a neighbour not on the list is
    // refused at five; the grandmother collects; a second tap on check-out is refused.
    let steps = [
        (Event::Absent(Unknown), true, Ok(ABS_UNKNOWN)),
        (Event::Absent(Ill), true, Ok(ABS_ILL)),
        (Event::CheckOut, true, Err(Refusal::MarkedAbsent)),
        (Event::CheckIn, true, Ok(IN)),
        (Event::CheckIn, true, Err(Refusal::AlreadyCheckedIn)),
        (Event::CheckOut, false, Err(Refusal::UnauthorisedPickup)),
        (Event::CheckOut, true, Ok(OUT)),
        (Event::CheckOut, true, Err(Refusal::AlreadyCheckedOut)),
    ];
    let mut day = DayState::default();
    for (event, authorised, want) in steps {
        let got = apply(&day, event, true, authorised);
        assert_eq!(got, want, "{event:?} from {day:?}");
        if let Ok(next) = got {
            day = next;
        }
    }
    assert_eq!(day, OUT);
}

#[test]
fn event_kinds() {
    for (event, kind) in [
        (Event::CheckIn, Kind::CheckIn),
        (Event::CheckOut, Kind::CheckOut),
        (Event::Absent(Ill), Kind::Absent),
        (Event::Absent(Leave), Kind::Absent),
        (Event::Absent(Unknown), Kind::Absent),
    ] {
        assert_eq!(event.kind(), kind);
    }
}

#[test]
fn serde_names_are_snake_case() {
    fn de<'a, T: Deserialize<'a>>(s: &'a str) -> Result<T, DeError> {
        let d: StrDeserializer<'a, DeError> = s.into_deserializer();
        T::deserialize(d)
    }
    for (name, kind) in [
        ("check_in", Kind::CheckIn),
        ("check_out", Kind::CheckOut),
        ("absent", Kind::Absent),
    ] {
        assert_eq!(de::<Kind>(name).unwrap(), kind);
    }
    for (name, reason) in [("ill", Ill), ("leave", Leave), ("unknown", Unknown)] {
        assert_eq!(de::<AbsenceReason>(name).unwrap(), reason);
    }
    assert!(de::<Kind>("CheckIn").is_err());
}

#[test]
fn refusal_codes() {
    for (refusal, code) in [
        (Refusal::NotOperatingDay, "attendance.not_operating_day"),
        (Refusal::AlreadyCheckedIn, "attendance.already_checked_in"),
        (Refusal::NotCheckedIn, "attendance.not_checked_in"),
        (Refusal::AlreadyCheckedOut, "attendance.already_checked_out"),
        (Refusal::MarkedAbsent, "attendance.marked_absent"),
        (Refusal::AlreadyPresent, "attendance.already_present"),
        (
            Refusal::UnauthorisedPickup,
            "attendance.unauthorised_pickup",
        ),
    ] {
        assert_eq!(refusal.code(), code);
        assert!(!refusal.to_string().is_empty());
    }
    let codes: Vec<&str> = Refusal::ALL.iter().map(Refusal::code).collect();
    assert_eq!(codes, REFUSAL_CODES);
}

#[test]
fn conflicts_earliest_time_then_smallest_id() {
    let t = |h: u32, m: u32, s: u32| {
        NaiveDate::from_ymd_opt(2025, 7, 7)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    };
    for (a, b, want) in [
        ((t(8, 1, 0), "ev-b"), (t(8, 3, 0), "ev-a"), Ordering::Less), // earlier wins
        (
            (t(8, 3, 0), "ev-a"),
            (t(8, 1, 0), "ev-b"),
            Ordering::Greater,
        ),
        ((t(8, 1, 0), "ev-a"), (t(8, 1, 0), "ev-b"), Ordering::Less), // tie: smaller id
        (
            (t(8, 1, 0), "ev-b"),
            (t(8, 1, 0), "ev-a"),
            Ordering::Greater,
        ),
        ((t(8, 1, 0), "10"), (t(8, 1, 0), "9"), Ordering::Less), // ids compare as strings
        ((t(8, 1, 0), "ev-a"), (t(8, 1, 0), "ev-a"), Ordering::Equal), // the same event
        ((t(17, 0, 0), "x"), (t(17, 0, 1), "a"), Ordering::Less), // a second apart
    ] {
        assert_eq!(resolve_conflict(a, b), want, "{a:?} vs {b:?}");
        assert_eq!(resolve_conflict(b, a), want.reverse(), "{b:?} vs {a:?}");
    }

    // Sorting by the rule gives the winner first whatever order the devices synced in.
    let mut records = [(t(8, 5, 0), "c"), (t(8, 2, 0), "z"), (t(8, 2, 0), "m")];
    records.sort_by(|x, y| resolve_conflict(*x, *y));
    assert_eq!(records[0], (t(8, 2, 0), "m"));
}
