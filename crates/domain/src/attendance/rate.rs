//! The attendance rate (出勤率, PRODUCT.md §6): present child-days ÷ expected child-days.
//!
//! Expected child-days count each enrolled child's operating days (托管天数, from
//! [`crate::operating_days::operating_dates`]) inside that child's enrolment span, so a child
//! who joins mid-programme or withdraws is only expected on the days they were enrolled. A
//! presence counts only on an expected day: a check-in recorded on a closure day, a weekend or
//! outside the child's span is ignored, and the same child-day counts once.
//!
//! The rule comparison is exact integer arithmetic: 299 of 400 is 74.75% and fails a 75% rule.

use std::collections::BTreeSet;

use chrono::NaiveDate;

/// The days one child is enrolled in a class (在托期间), both ends inclusive. A withdrawn child's
/// span ends on the withdrawal date; a span with `to < from` holds no day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentSpan<C = String> {
    /// The child's id, as the server stores it (any type that orders: the server's `ChildId`).
    pub child_id: C,
    /// First enrolled day.
    pub from: NaiveDate,
    /// Last enrolled day (inclusive): the programme's end, or the withdrawal date.
    pub to: NaiveDate,
}

impl<C> EnrolmentSpan<C> {
    /// Whether `day` lies inside the span.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// An attendance rate (出勤率) kept as its two counts, so nothing is lost to rounding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Rate {
    /// Child-days present (实到人天).
    pub present: u32,
    /// Child-days expected (应到人天).
    pub expected: u32,
}

impl Rate {
    /// Whether the rate reaches a whole-percent rule (e.g.
    /// [`ProgrammeRules::min_attendance_pct`](crate::programme::ProgrammeRules)), compared
    /// exactly without floating point: `present × 100 ≥ pct × expected`. 299/400 (74.75%)
    /// fails 75; 300/400 passes.
    ///
    /// With nothing expected (`expected == 0`, e.g. a class with no operating day yet) there is
    /// nothing to judge and the rule is **not** met, so a class cannot qualify on zero days. A
    /// bar-below rule (`ProgrammeRules::bar_below_attendance_pct`) must therefore not be
    /// `!meets(pct)` alone, or a child with no expected day would be barred: check
    /// `expected > 0` first ([`Rate::basis_points`] is `None` then).
    pub fn meets(&self, pct: u32) -> bool {
        self.expected > 0
            && u64::from(self.present) * 100 >= u64::from(pct) * u64::from(self.expected)
    }

    /// The rate in basis points (万分比, 1 bp = 0.01%) rounded half up, for display: 7475 for
    /// 299/400, 3333 for 1/3, 6667 for 2/3. `None` when nothing is expected.
    pub fn basis_points(&self) -> Option<u32> {
        if self.expected == 0 {
            return None;
        }
        let (p, e) = (u64::from(self.present), u64::from(self.expected));
        // floor(p·10000/e + 1/2) = floor((2·p·10000 + e) / 2e), exact for odd e too.
        let bp = (2 * p * 10_000 + e) / (2 * e);
        Some(u32::try_from(bp).unwrap_or(u32::MAX))
    }
}

/// Counts a set's size as `u32`, saturating.
fn count<T>(set: &BTreeSet<T>) -> u32 {
    u32::try_from(set.len()).unwrap_or(u32::MAX)
}

/// The class's attendance rate: expected child-days are `operating` dates × each child's
/// [`EnrolmentSpan`]; `present` lists the (child id, date) pairs with a recorded check-in, of
/// which only those on an expected child-day count.
///
/// Operating dates need not be sorted and duplicates count once. Several spans of the same
/// child (withdrawn, then re-enrolled) add their days, and a day covered twice counts once; a
/// presence of a child without a span is ignored.
pub fn class_rate<C: Ord>(
    operating: &[NaiveDate],
    spans: &[EnrolmentSpan<C>],
    present: &[(C, NaiveDate)],
) -> Rate {
    let days: BTreeSet<NaiveDate> = operating.iter().copied().collect();
    let expected: BTreeSet<(&C, NaiveDate)> = spans
        .iter()
        .filter(|s| s.from <= s.to) // BTreeSet::range panics on a reversed range
        .flat_map(|s| days.range(s.from..=s.to).map(|d| (&s.child_id, *d)))
        .collect();
    let attended: BTreeSet<(&C, NaiveDate)> = present
        .iter()
        .map(|(child, d)| (child, *d))
        .filter(|pair| expected.contains(pair))
        .collect();
    Rate {
        present: count(&attended),
        expected: count(&expected),
    }
}

/// One child's attendance rate: the `operating` dates inside `span` are expected, and the
/// distinct `present_dates` among them are present.
pub fn child_rate<C>(
    operating: &[NaiveDate],
    span: &EnrolmentSpan<C>,
    present_dates: &[NaiveDate],
) -> Rate {
    let expected: BTreeSet<NaiveDate> = operating
        .iter()
        .copied()
        .filter(|d| span.contains(*d))
        .collect();
    let attended: BTreeSet<NaiveDate> = present_dates
        .iter()
        .copied()
        .filter(|d| expected.contains(d))
        .collect();
    Rate {
        present: count(&attended),
        expected: count(&expected),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::WorkCalendar;
    use crate::operating_days::operating_dates;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).unwrap()
    }

    fn span(child: &str, from: NaiveDate, to: NaiveDate) -> EnrolmentSpan {
        EnrolmentSpan {
            child_id: child.to_string(),
            from,
            to,
        }
    }

    fn pairs(child: &str, days: &[NaiveDate]) -> Vec<(String, NaiveDate)> {
        days.iter().map(|day| (child.to_string(), *day)).collect()
    }

    /// The 20 weekdays Mon 7 July – Fri 1 August 2025 (no public holiday in them).
    fn twenty_days() -> Vec<NaiveDate> {
        let days = operating_dates(&WorkCalendar::shipped(), d(7, 7), d(8, 1), &[], &[]);
        assert_eq!(days.len(), 20);
        days
    }

    /// `n` children enrolled for the whole summer.
    fn children(n: usize) -> Vec<EnrolmentSpan> {
        (0..n)
            .map(|i| span(&format!("c{i:02}"), d(7, 1), d(8, 31)))
            .collect()
    }

    /// The first `n` child-days of `spans` × `days`, child by child.
    fn first_presences(
        spans: &[EnrolmentSpan],
        days: &[NaiveDate],
        n: u32,
    ) -> Vec<(String, NaiveDate)> {
        spans
            .iter()
            .flat_map(|s| pairs(&s.child_id, days))
            .take(n as usize)
            .collect()
    }

    #[test]
    fn issue_example_299_fails_and_300_passes_75() {
        let days = twenty_days();
        let spans = children(20);
        for (present, bp, meets_75, meets_70) in [
            (299, 7475, false, true),
            (300, 7500, true, true),
            (400, 10_000, true, true),
            (280, 7000, false, true),
            (279, 6975, false, false),
            (0, 0, false, false),
        ] {
            let rate = class_rate(&days, &spans, &first_presences(&spans, &days, present));
            let want = Rate {
                present,
                expected: 400,
            };
            assert_eq!(rate, want, "{present}");
            assert_eq!(rate.basis_points(), Some(bp), "{present}");
            assert_eq!(rate.meets(75), meets_75, "{present}");
            assert_eq!(rate.meets(70), meets_70, "{present}");
        }
    }

    #[test]
    fn meets_is_exact_and_nothing_expected_fails() {
        for (present, expected, pct, meets) in [
            (299, 400, 75, false),
            (300, 400, 75, true),
            (3, 4, 75, true),
            (2, 3, 67, false), // 66.67%
            (2, 3, 66, true),
            (0, 1, 0, true),
            (0, 0, 0, false), // nothing to judge
            (0, 0, 75, false),
            (u32::MAX, u32::MAX, 100, true), // no overflow
            (u32::MAX - 1, u32::MAX, 100, false),
        ] {
            let rate = Rate { present, expected };
            assert_eq!(rate.meets(pct), meets, "{present}/{expected} vs {pct}%");
        }
    }

    #[test]
    fn basis_points_round_half_up() {
        for (present, expected, bp) in [
            (299, 400, Some(7475)),
            (1, 3, Some(3333)),
            (2, 3, Some(6667)),
            (1, 20_000, Some(1)), // 0.5 bp rounds up
            (1, 40_000, Some(0)), // 0.25 bp rounds down
            (3, 40_000, Some(1)), // 0.75 bp rounds up
            (1, 1, Some(10_000)),
            (0, 7, Some(0)),
            (0, 0, None),
            (u32::MAX, u32::MAX, Some(10_000)),
        ] {
            let rate = Rate { present, expected };
            assert_eq!(rate.basis_points(), bp, "{present}/{expected}");
        }
    }

    #[test]
    fn mid_season_enrolment_and_withdrawal_limit_expected_days() {
        let days = twenty_days(); // Mon 7 Jul – Fri 1 Aug
        let every_day: Vec<NaiveDate> = d(6, 1).iter_days().take(120).collect();
        for (s, expected) in [
            (span("whole", d(7, 1), d(8, 31)), 20),
            (span("joined_mon_14", d(7, 14), d(8, 31)), 15),
            (span("joined_sun_20", d(7, 20), d(8, 31)), 10),
            (span("withdrew_wed_16", d(7, 1), d(7, 16)), 8),
            (span("withdrew_sat_19", d(7, 1), d(7, 19)), 10),
            (span("one_day", d(7, 9), d(7, 9)), 1),
            (span("after_end", d(8, 4), d(8, 31)), 0),
            (span("reversed", d(7, 20), d(7, 10)), 0),
        ] {
            // Present on every calendar day: exactly the expected days count.
            let want = Rate {
                present: expected,
                expected,
            };
            assert_eq!(child_rate(&days, &s, &every_day), want, "{}", s.child_id);
            let one = std::slice::from_ref(&s);
            assert_eq!(
                class_rate(&days, one, &pairs(&s.child_id, &every_day)),
                want,
                "{}",
                s.child_id
            );
        }

        let spans = [
            span("a", d(7, 1), d(8, 31)),
            span("b", d(7, 14), d(8, 31)),
            span("c", d(7, 1), d(7, 16)),
        ];
        let present = [
            ("a".to_string(), d(7, 7)),
            ("b".to_string(), d(7, 7)),  // before b enrolled: ignored
            ("b".to_string(), d(7, 14)), // b's first day
            ("c".to_string(), d(7, 16)), // c's last day
            ("c".to_string(), d(7, 17)), // after c withdrew: ignored
        ];
        let want = Rate {
            present: 3,
            expected: 20 + 15 + 8,
        };
        assert_eq!(class_rate(&days, &spans, &present), want);
    }

    #[test]
    fn presence_on_a_non_operating_day_is_ignored() {
        // 7–18 July with a typhoon closure on Thu 10 July and an extra open Saturday 12 July.
        let cal = WorkCalendar::shipped();
        let days = operating_dates(&cal, d(7, 7), d(7, 18), &[d(7, 10)], &[d(7, 12)]);
        assert_eq!(days.len(), 10);
        let s = span("a", d(7, 1), d(7, 31));
        for (present_dates, present) in [
            (vec![d(7, 10)], 0), // closure day
            (vec![d(7, 13)], 0), // Sunday
            (vec![d(7, 12)], 1), // the extra open Saturday counts
            (vec![d(7, 21)], 0), // after the class ended, inside the span
            (vec![d(7, 9), d(7, 10), d(7, 11)], 2),
        ] {
            let want = Rate {
                present,
                expected: 10,
            };
            assert_eq!(child_rate(&days, &s, &present_dates), want);
            let one = std::slice::from_ref(&s);
            assert_eq!(class_rate(&days, one, &pairs("a", &present_dates)), want);
        }
    }

    #[test]
    fn duplicates_count_once() {
        let days = twenty_days();
        let mut messy = days.clone();
        messy.extend_from_slice(&days[..5]);
        messy.reverse(); // duplicated and unsorted
        let s = span("a", d(7, 1), d(8, 31));
        let present = [d(7, 7), d(7, 7), d(7, 8), d(7, 8), d(7, 8)];
        let want = Rate {
            present: 2,
            expected: 20,
        };
        assert_eq!(child_rate(&messy, &s, &present), want);
        // The same span twice, and an overlapping span of the same child, add no day.
        let spans = [s.clone(), s.clone(), span("a", d(7, 20), d(8, 31))];
        assert_eq!(class_rate(&messy, &spans, &pairs("a", &present)), want);
    }

    #[test]
    fn re_enrolled_child_adds_both_spans_and_strangers_are_ignored() {
        let days = twenty_days();
        let spans = [span("a", d(7, 7), d(7, 11)), span("a", d(7, 28), d(8, 31))];
        let mut present = pairs("a", &[d(7, 8), d(7, 15), d(7, 29)]);
        present.push(("z".to_string(), d(7, 8))); // no span: not counted
        let want = Rate {
            present: 2,
            expected: 10,
        };
        assert_eq!(class_rate(&days, &spans, &present), want);
        assert_eq!(
            class_rate(&days, &[], &present),
            Rate {
                present: 0,
                expected: 0
            }
        );
    }
}
