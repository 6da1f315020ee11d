//! Tests of [`WorkCalendar`] against the shipped official data.
//!
//! Expected figures were counted by hand from the State Council arrangements, and agree with an
//! independent count over the `chinesecalendar` Python package's tables. The 2023 hand count:
//! 1 Jan 2023 is a Sunday, so the year has 260 weekdays; the weekday holidays are 2 Jan, 23–27
//! Jan, 5 Apr, 1–3 May, 22–23 Jun, 29 Sep and 2–6 Oct (18); the make-up weekend days are 28–29
//! Jan, 23 Apr, 6 May, 25 Jun and 7–8 Oct (7): 260 − 18 + 7 = 249 working days.

use chrono::{Datelike, NaiveDate};

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn count(working_days: u32, weekdays: u32, holidays: u32, makeup_workdays: u32) -> WorkingDayCount {
    WorkingDayCount {
        working_days,
        weekdays,
        holidays,
        makeup_workdays,
    }
}

#[test]
fn day_kind_round_trips() {
    for kind in [DayKind::Holiday, DayKind::Workday] {
        assert_eq!(DayKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(DayKind::parse(" Holiday "), Some(DayKind::Holiday));
    assert_eq!(DayKind::parse("WORKDAY"), Some(DayKind::Workday));
    assert_eq!(DayKind::parse("weekend"), None);
    assert_eq!(DayKind::parse(""), None);
}

#[test]
fn shipped_ranges() {
    let cal = WorkCalendar::shipped();
    let cases = [
        // Spring Festival 2022: 31 Jan–6 Feb off, Sat 29 and Sun 30 Jan worked.
        ("2022-01-24", "2022-02-25", count(22, 25, 5, 2)),
        // National Day 2024: the whole golden week is off.
        ("2024-10-01", "2024-10-07", count(0, 5, 5, 0)),
        // Whole years: 2023 is 260 weekdays − 18 + 7 = 249 (see the module docs).
        ("2020-01-01", "2020-12-31", count(249, 262, 19, 6)),
        ("2021-01-01", "2021-12-31", count(250, 261, 18, 7)),
        ("2022-01-01", "2022-12-31", count(249, 260, 18, 7)),
        ("2023-01-01", "2023-12-31", count(249, 260, 18, 7)),
        ("2024-01-01", "2024-12-31", count(251, 262, 19, 8)),
        ("2025-01-01", "2025-12-31", count(248, 261, 18, 5)),
        ("2026-01-01", "2026-12-31", count(248, 261, 19, 6)),
        // A summer class with no holiday inside: plain weekdays.
        ("2025-07-07", "2025-08-29", count(40, 40, 0, 0)),
        // Winter 2026: 16–20 and 23 Feb off, Sat 14 and Sat 28 Feb worked.
        ("2026-01-19", "2026-03-01", count(26, 30, 6, 2)),
        // Around National Day 2026: Sun 20 Sep is outside, Sat 10 Oct inside.
        ("2026-09-28", "2026-10-11", count(6, 10, 5, 1)),
        // Single days: a Saturday, a make-up Sunday, a holiday Monday, a plain Monday.
        ("2025-06-07", "2025-06-07", count(0, 0, 0, 0)),
        ("2026-01-04", "2026-01-04", count(1, 0, 0, 1)),
        ("2024-10-07", "2024-10-07", count(0, 1, 1, 0)),
        ("2025-06-09", "2025-06-09", count(1, 1, 0, 0)),
        // A weekend holiday (Sat 30 Dec 2023, 元旦) changes nothing.
        ("2023-12-30", "2023-12-31", count(0, 0, 0, 0)),
        // from > to
        ("2024-10-07", "2024-10-01", count(0, 0, 0, 0)),
    ];
    for (from, to, want) in cases {
        let got = cal.count(d(from), d(to));
        assert_eq!(got, want, "{from}..={to}");
        assert_eq!(
            cal.working_days(d(from), d(to)),
            want.working_days,
            "{from}..={to}"
        );
        assert_eq!(
            got.working_days,
            got.weekdays - got.holidays + got.makeup_workdays
        );
    }
}

#[test]
fn makeup_workdays_2026_are_working_days() {
    let cal = WorkCalendar::shipped();
    for day in [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ] {
        let date = d(day);
        assert!(
            date.weekday().number_from_monday() >= 6,
            "{day} is a weekend day"
        );
        assert!(cal.is_working_day(date), "{day}");
        assert_eq!(cal.kind(date), Some(DayKind::Workday), "{day}");
    }
}

#[test]
fn is_working_day_follows_listing_then_week() {
    let cal = WorkCalendar::shipped();
    let cases = [
        ("2026-02-17", false), // 春节, Tuesday
        ("2026-02-21", false), // 春节, Saturday
        ("2026-02-24", true),  // plain Tuesday
        ("2026-03-07", false), // plain Saturday
        ("2030-01-07", true),  // a Monday of a year not entered yet
    ];
    for (day, want) in cases {
        assert_eq!(cal.is_working_day(d(day)), want, "{day}");
    }
}

#[test]
fn counting_matches_day_by_day_walk() {
    let cal = WorkCalendar::shipped();
    let (from, to) = (d("2019-12-25"), d("2027-01-06"));
    let mut want = count(0, 0, 0, 0);
    for day in from.iter_days().take_while(|x| *x <= to) {
        let weekday = day.weekday().number_from_monday() <= 5;
        want.weekdays += u32::from(weekday);
        want.working_days += u32::from(cal.is_working_day(day));
        want.holidays += u32::from(weekday && !cal.is_working_day(day));
        want.makeup_workdays += u32::from(!weekday && cal.is_working_day(day));
    }
    assert_eq!(cal.count(from, to), want);
    // Every start weekday and every short length, against the walk.
    for start in 0..7 {
        let from = d("2026-09-14") + chrono::Days::new(start);
        for len in 0..16 {
            let to = from + chrono::Days::new(len);
            let walked = from
                .iter_days()
                .take_while(|x| *x <= to)
                .filter(|x| cal.is_working_day(*x));
            assert_eq!(
                cal.working_days(from, to) as usize,
                walked.count(),
                "{from}..={to}"
            );
        }
    }
}

#[test]
fn new_lets_the_last_listing_win_and_default_is_the_plain_week() {
    let sat = d("2025-06-07");
    let cal = WorkCalendar::new([(sat, DayKind::Holiday), (sat, DayKind::Workday)]);
    assert!(cal.is_working_day(sat));
    let plain = WorkCalendar::default();
    assert_eq!(
        plain.count(d("2024-10-01"), d("2024-10-07")),
        count(5, 5, 0, 0)
    );
}

#[test]
fn shipped_data_covers_2020_to_2026_and_is_well_formed() {
    let days = shipped_days();
    for year in 2020..=2026 {
        let of_year: Vec<_> = days.iter().filter(|x| x.date.year() == year).collect();
        assert!(
            of_year
                .iter()
                .any(|x| x.kind == DayKind::Holiday && x.name == "春节"),
            "{year}"
        );
        assert!(
            of_year
                .iter()
                .any(|x| x.kind == DayKind::Holiday && x.name == "国庆节"),
            "{year}"
        );
        assert!(of_year.iter().any(|x| x.kind == DayKind::Workday), "{year}");
    }
    assert!(days.iter().all(|x| (2020..=2026).contains(&x.date.year())));
    assert!(
        days.windows(2).all(|w| w[0].date < w[1].date),
        "sorted, no duplicates"
    );
    // Make-up workdays are always weekend days in the official data.
    for x in days.iter().filter(|x| x.kind == DayKind::Workday) {
        assert!(x.date.weekday().number_from_monday() >= 6, "{}", x.date);
    }
    let names = ["元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆节"];
    assert!(days.iter().all(|x| names.contains(&x.name.as_str())));
}
