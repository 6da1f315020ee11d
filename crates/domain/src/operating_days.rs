//! A class's operating days (托管天数, PRODUCT.md §2).
//!
//! The official working days (工作日) between the class's start and end, minus the closure days
//! it records (停课: typhoon, epidemic) and plus the extra open days it records (加开) on days that
//! are not working days. The working-day calendar is [`WorkCalendar`]; this module only adjusts
//! it, so editing the calendar changes every class's count.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::calendar::WorkCalendar;

/// The recorded days that change the plain working-day count, deduplicated and limited to
/// `start..=end`: closures on working days, and extra open days on non-working days that are
/// not also closed (a closure wins over an extra open day).
fn adjustments(
    cal: &WorkCalendar,
    start: NaiveDate,
    end: NaiveDate,
    closures: &[NaiveDate],
    extra_open: &[NaiveDate],
) -> (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>) {
    let in_range = |d: &&NaiveDate| (start..=end).contains(*d);
    let closed: BTreeSet<NaiveDate> = closures.iter().filter(in_range).copied().collect();
    let opened = extra_open
        .iter()
        .filter(in_range)
        .filter(|d| !cal.is_working_day(**d) && !closed.contains(*d))
        .copied()
        .collect();
    let closed = closed
        .into_iter()
        .filter(|d| cal.is_working_day(*d))
        .collect();
    (closed, opened)
}

/// The number of operating days (托管天数) of a class running `start..=end` (inclusive): the
/// working days, minus recorded closure days that were working days in the range, plus recorded
/// extra open days in the range that were not working days. Duplicates count once; a day both
/// closed and extra-open is closed. Zero when `end < start`.
pub fn operating_days(
    cal: &WorkCalendar,
    start: NaiveDate,
    end: NaiveDate,
    closures: &[NaiveDate],
    extra_open: &[NaiveDate],
) -> u32 {
    if end < start {
        return 0;
    }
    let (closed, opened) = adjustments(cal, start, end, closures, extra_open);
    let count = |s: &BTreeSet<NaiveDate>| u32::try_from(s.len()).unwrap_or(u32::MAX);
    cal.working_days(start, end) - count(&closed) + count(&opened)
}

/// The operating dates counted by [`operating_days`], sorted; used for attendance (出勤).
pub fn operating_dates(
    cal: &WorkCalendar,
    start: NaiveDate,
    end: NaiveDate,
    closures: &[NaiveDate],
    extra_open: &[NaiveDate],
) -> Vec<NaiveDate> {
    if end < start {
        return Vec::new();
    }
    let (closed, opened) = adjustments(cal, start, end, closures, extra_open);
    start
        .iter_days()
        .take_while(|d| *d <= end)
        .filter(|d| (cal.is_working_day(*d) && !closed.contains(d)) || opened.contains(d))
        .collect()
}

/// Whether the inclusive ranges `a_start..=a_end` and `b_start..=b_end` share a day (日期重叠).
/// An empty (reversed) range overlaps nothing.
pub fn ranges_overlap(
    a_start: NaiveDate,
    a_end: NaiveDate,
    b_start: NaiveDate,
    b_end: NaiveDate,
) -> bool {
    a_start <= a_end && b_start <= b_end && a_start <= b_end && b_start <= a_end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::ProgrammeRules;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ds(list: &[&str]) -> Vec<NaiveDate> {
        list.iter().map(|s| d(s)).collect()
    }

    #[test]
    fn operating_days_table() {
        let cal = WorkCalendar::shipped();
        let summer = ("2026-07-06", "2026-08-14");
        // (start, end, closures, extra open days, expected)
        let cases: [(_, _, &[&str], &[&str], u32); 13] = [
            // Mon 6 Jul – Fri 14 Aug 2026: six holiday-free weeks.
            (summer.0, summer.1, &[], &[], 30),
            // A typhoon closes Wednesday 22 July.
            (summer.0, summer.1, &["2026-07-22"], &[], 29),
            // Recorded twice, counted once.
            (summer.0, summer.1, &["2026-07-22", "2026-07-22"], &[], 29),
            // A closure on a Sunday changes nothing.
            (summer.0, summer.1, &["2026-07-26"], &[], 30),
            // An extra open Saturday adds one, once.
            (summer.0, summer.1, &[], &["2026-07-25", "2026-07-25"], 31),
            // An extra open working day changes nothing.
            (summer.0, summer.1, &[], &["2026-07-24"], 30),
            // Closed and extra open on the same Saturday: closed.
            (summer.0, summer.1, &["2026-07-25"], &["2026-07-25"], 30),
            // Days outside the range change nothing.
            (summer.0, summer.1, &["2026-08-17"], &["2026-07-04"], 30),
            // Winter 2022 (PRODUCT.md §2): Spring Festival off, Sat 29 and Sun 30 Jan worked.
            ("2022-01-24", "2022-02-25", &[], &[], 22),
            // Closing a make-up Saturday removes it.
            ("2022-01-24", "2022-02-25", &["2022-01-29"], &[], 21),
            // Opening during the Spring Festival adds it.
            ("2022-01-24", "2022-02-25", &[], &["2022-02-01"], 23),
            // One day; reversed dates.
            ("2026-07-06", "2026-07-06", &[], &[], 1),
            ("2026-07-07", "2026-07-06", &[], &["2026-07-06"], 0),
        ];
        for (start, end, closures, extra, expected) in cases {
            let (s, e, c, x) = (d(start), d(end), ds(closures), ds(extra));
            let n = operating_days(&cal, s, e, &c, &x);
            assert_eq!(
                n, expected,
                "{start}..{end} closed {closures:?} open {extra:?}"
            );
            let dates = operating_dates(&cal, s, e, &c, &x);
            assert_eq!(dates.len() as u32, n, "dates agree with the count");
            assert!(
                dates.windows(2).all(|w| w[0] < w[1]),
                "sorted, no duplicates"
            );
        }
    }

    #[test]
    fn operating_dates_list() {
        let cal = WorkCalendar::shipped();
        let dates = operating_dates(
            &cal,
            d("2022-01-27"),
            d("2022-02-08"),
            &ds(&["2022-02-08"]),
            &ds(&["2022-02-05"]),
        );
        let expected = [
            "2022-01-27",
            "2022-01-28",
            "2022-01-29",
            "2022-01-30",
            "2022-02-05",
            "2022-02-07",
        ];
        assert_eq!(dates, ds(&expected));
    }

    #[test]
    fn twenty_days_meet_the_minimum() {
        let cal = WorkCalendar::shipped();
        let min = ProgrammeRules::seed_003().min_operating_days;
        // Mon 6 Jul – Fri 31 Jul 2026: exactly 20 working days.
        let days = operating_days(&cal, d("2026-07-06"), d("2026-07-31"), &[], &[]);
        assert_eq!(days, 20);
        assert!(days >= min);
        let closed = operating_days(
            &cal,
            d("2026-07-06"),
            d("2026-07-31"),
            &ds(&["2026-07-10"]),
            &[],
        );
        assert!(closed < min);
    }

    #[test]
    fn overlap_table() {
        let cases = [
            (
                ("2026-07-06", "2026-08-14"),
                ("2026-08-14", "2026-08-28"),
                true,
            ), // shared end day
            (
                ("2026-07-06", "2026-08-14"),
                ("2026-08-15", "2026-08-28"),
                false,
            ),
            (
                ("2026-07-06", "2026-08-14"),
                ("2026-07-10", "2026-07-20"),
                true,
            ), // inside
            (
                ("2026-07-10", "2026-07-20"),
                ("2026-07-06", "2026-08-14"),
                true,
            ),
            (
                ("2026-07-06", "2026-07-06"),
                ("2026-07-06", "2026-07-06"),
                true,
            ),
            (
                ("2026-07-20", "2026-07-10"),
                ("2026-07-06", "2026-08-14"),
                false,
            ), // reversed
        ];
        for ((a0, a1), (b0, b1), expected) in cases {
            assert_eq!(
                ranges_overlap(d(a0), d(a1), d(b0), d(b1)),
                expected,
                "{a0}..{a1} {b0}..{b1}"
            );
            assert_eq!(
                ranges_overlap(d(b0), d(b1), d(a0), d(a1)),
                expected,
                "symmetric"
            );
        }
    }
}
