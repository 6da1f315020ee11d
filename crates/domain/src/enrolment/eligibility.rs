//! Eligibility at enrolment (入托资格), PRODUCT.md §5: the grade, the kindergarten share of a class,
//! its capacity, overlapping placements and the guardian.
//!
//! [`check`] returns every reason at once, so a class manager sees the whole picture; an empty
//! list means the child may take the place.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::operating_days::ranges_overlap;
use crate::programme::ProgrammeRules;

/// A child's school grade (年级): `K` is a kindergarten child with self-care ability
/// (具备自理能力的幼儿园大班儿童), then primary grades 1–6.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// 幼儿园, kindergarten.
    K,
    /// 一年级.
    G1,
    /// 二年级.
    G2,
    /// 三年级.
    G3,
    /// 四年级.
    G4,
    /// 五年级.
    G5,
    /// 六年级.
    G6,
}

impl Grade {
    /// Every grade, youngest first.
    pub const ALL: [Grade; 7] = [
        Grade::K,
        Grade::G1,
        Grade::G2,
        Grade::G3,
        Grade::G4,
        Grade::G5,
        Grade::G6,
    ];

    /// Parses a grade as written in a form or a roster: `K`/`k`/`幼儿园`/`大班`, `1`–`6`
    /// (full-width digits too), `一年级`–`六年级`, `1年级`–`6年级`, each optionally prefixed
    /// with `小学`. Surrounding whitespace is ignored.
    pub fn parse(s: &str) -> Option<Grade> {
        let s = s.trim();
        if matches!(
            s,
            "K" | "k" | "Ｋ" | "ｋ" | "幼儿园" | "大班" | "幼儿园大班"
        ) {
            return Some(Grade::K);
        }
        let s = s.strip_prefix("小学").unwrap_or(s);
        let s = s.strip_suffix("年级").unwrap_or(s);
        let mut chars = s.chars();
        let n = match (chars.next()?, chars.next()) {
            (c @ '1'..='6', None) => c as u32 - '0' as u32,
            (c @ '１'..='６', None) => c as u32 - '０' as u32,
            (c, None) => "一二三四五六".chars().position(|x| x == c)? as u32 + 1,
            _ => return None,
        };
        Grade::ALL.get(n as usize).copied()
    }

    /// The stable name: `"K"`, `"1"` … `"6"`.
    pub fn as_str(self) -> &'static str {
        ["K", "1", "2", "3", "4", "5", "6"][self.number() as usize]
    }

    /// The grade's number: 0 for kindergarten, 1–6 for primary school.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Whether this is a kindergarten child.
    pub fn is_kindergarten(self) -> bool {
        self == Grade::K
    }
}

/// What the class already holds (班级已占名额): children enrolled, or accepted and counting
/// toward places. `taken` counts every child, kindergarten children included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassLoad {
    /// The class's capacity (招收名额).
    pub capacity: u32,
    /// Places already taken, all grades.
    pub taken: u32,
    /// Of those, places taken by kindergarten children.
    pub kindergarten_taken: u32,
}

/// Another class the child is enrolled in (or accepted for), with its dates (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherPlacement {
    /// The other class's name, shown in the reason.
    pub class_name: String,
    /// Its first day.
    pub start: NaiveDate,
    /// Its last day.
    pub end: NaiveDate,
}

/// Why a child cannot take a place (不符合入托条件).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ineligible {
    /// A primary grade outside the programme's `min_grade..=max_grade`.
    #[error("the child's grade is outside the programme's grades")]
    GradeOutOfRange,
    /// A kindergarten child, and the class's kindergarten places are all taken.
    #[error("the class's {places} kindergarten places are taken")]
    KindergartenShareFull {
        /// How many kindergarten places the class has.
        places: u32,
    },
    /// Every place of the class is taken.
    #[error("the class is full")]
    ClassFull,
    /// The child already holds a place in a class whose dates overlap.
    #[error("the child already has a place in {class_name} on overlapping dates")]
    AlreadyPlaced {
        /// The other class.
        class_name: String,
    },
    /// The child has no guardian on record.
    #[error("the child has no guardian")]
    NoGuardian,
}

impl Ineligible {
    /// i18n key, e.g. `"enrolment.class_full"`.
    pub fn code(&self) -> &'static str {
        match self {
            Ineligible::GradeOutOfRange => "enrolment.grade",
            Ineligible::KindergartenShareFull { .. } => "enrolment.kindergarten_full",
            Ineligible::ClassFull => "enrolment.class_full",
            Ineligible::AlreadyPlaced { .. } => "enrolment.overlap",
            Ineligible::NoGuardian => "enrolment.no_guardian",
        }
    }
}

/// All reasons a child of `grade` with `guardians` guardians cannot take a place in a class
/// running from `start` to `end` (both inclusive); empty means eligible.
///
/// In this order: a primary grade must lie in `rules.min_grade..=rules.max_grade`; a
/// kindergarten child needs `load.kindergarten_taken < rules.kindergarten_places(capacity)`
/// (10% by default, rounded down: capacity 25 allows 2); `load.taken < load.capacity`; no
/// placement in `others` may share a day with `start..=end` (one reason per such class); and at
/// least one guardian.
pub fn check(
    rules: &ProgrammeRules,
    grade: Grade,
    guardians: usize,
    load: &ClassLoad,
    start: NaiveDate,
    end: NaiveDate,
    others: &[OtherPlacement],
) -> Vec<Ineligible> {
    let mut out = Vec::new();
    if grade.is_kindergarten() {
        let places = rules.kindergarten_places(load.capacity);
        if load.kindergarten_taken >= places {
            out.push(Ineligible::KindergartenShareFull { places });
        }
    } else if !(rules.min_grade..=rules.max_grade).contains(&grade.number()) {
        out.push(Ineligible::GradeOutOfRange);
    }
    if load.taken >= load.capacity {
        out.push(Ineligible::ClassFull);
    }
    out.extend(
        others
            .iter()
            .filter(|o| ranges_overlap(start, end, o.start, o.end))
            .map(|o| Ineligible::AlreadyPlaced {
                class_name: o.class_name.clone(),
            }),
    );
    if guardians == 0 {
        out.push(Ineligible::NoGuardian);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ineligible::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn load(capacity: u32, taken: u32, kindergarten_taken: u32) -> ClassLoad {
        ClassLoad {
            capacity,
            taken,
            kindergarten_taken,
        }
    }

    /// A summer class of July 2026 with nothing else booked.
    fn summer(rules: &ProgrammeRules, grade: Grade, load: ClassLoad) -> Vec<Ineligible> {
        let (start, end) = (d("2026-07-06"), d("2026-08-14"));
        check(rules, grade, 1, &load, start, end, &[])
    }

    #[test]
    fn grade_names() {
        let cases = [
            ("K", Some(Grade::K)),
            (" k ", Some(Grade::K)),
            ("幼儿园", Some(Grade::K)),
            ("大班", Some(Grade::K)),
            ("1", Some(Grade::G1)),
            ("６", Some(Grade::G6)),
            ("一年级", Some(Grade::G1)),
            ("六年级", Some(Grade::G6)),
            ("3年级", Some(Grade::G3)),
            ("小学四年级", Some(Grade::G4)),
            ("0", None),
            ("7", None),
            ("七年级", None),
            ("12", None),
            ("", None),
            ("年级", None),
            ("G1", None),
        ];
        for (input, want) in cases {
            assert_eq!(Grade::parse(input), want, "{input:?}");
        }
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.as_str()), Some(g));
            assert_eq!(Grade::ALL[g.number() as usize], g);
        }
        assert_eq!((Grade::K.number(), Grade::G6.as_str()), (0, "6"));
    }

    /// Issue 4: 10% of capacity, rounded down; the next kindergarten child is refused.
    #[test]
    fn kindergarten_share_by_capacity() {
        let rules = ProgrammeRules::seed_003();
        for (capacity, places) in [(10, 1), (20, 2), (25, 2), (30, 3)] {
            assert_eq!(rules.kindergarten_places(capacity), places, "{capacity}");
            for k_taken in 0..places {
                let l = load(capacity, k_taken, k_taken);
                assert_eq!(summer(&rules, Grade::K, l), [], "{capacity}: {k_taken}");
            }
            let full = load(capacity, places, places);
            let want = [KindergartenShareFull { places }];
            assert_eq!(summer(&rules, Grade::K, full), want, "{capacity}");
            // A primary-school child still gets the place.
            assert_eq!(summer(&rules, Grade::G3, full), [], "{capacity}");
        }
        // The third kindergarten child at capacity 25 is refused.
        let third = summer(&rules, Grade::K, load(25, 10, 2));
        assert_eq!(third[0].code(), "enrolment.kindergarten_full");
        // A programme that allows no kindergarten children at all.
        let none = ProgrammeRules {
            kindergarten_max_pct: 0,
            ..rules
        };
        let want = [KindergartenShareFull { places: 0 }];
        assert_eq!(summer(&none, Grade::K, load(30, 0, 0)), want);
    }

    #[test]
    fn grades_and_capacity() {
        let rules = ProgrammeRules {
            min_grade: 2,
            max_grade: 5,
            ..ProgrammeRules::seed_003()
        };
        let cases = [
            (Grade::G1, load(25, 0, 0), vec![GradeOutOfRange]),
            (Grade::G2, load(25, 0, 0), vec![]),
            (Grade::G5, load(25, 24, 0), vec![]),
            (Grade::G6, load(25, 0, 0), vec![GradeOutOfRange]),
            (Grade::G3, load(25, 25, 0), vec![ClassFull]),
            (Grade::G3, load(25, 26, 0), vec![ClassFull]),
            (Grade::G6, load(25, 25, 0), vec![GradeOutOfRange, ClassFull]),
            (
                Grade::K,
                load(25, 25, 2),
                vec![KindergartenShareFull { places: 2 }, ClassFull],
            ),
            (
                Grade::K,
                load(0, 0, 0),
                vec![KindergartenShareFull { places: 0 }, ClassFull],
            ),
        ];
        for (grade, l, want) in cases {
            assert_eq!(summer(&rules, grade, l), want, "{grade:?} {l:?}");
        }
    }

    #[test]
    fn overlapping_placements_and_guardians() {
        let rules = ProgrammeRules::seed_003();
        let other = |name: &str, start, end| OtherPlacement {
            class_name: name.to_owned(),
            start: d(start),
            end: d(end),
        };
        let others = [
            other("暑期一班", "2026-07-01", "2026-07-06"), // shares 7/6
            other("暑期二班", "2026-08-15", "2026-08-31"), // starts the day after
            other("寒假班", "2026-01-26", "2026-02-13"),
            other("暑期三班", "2026-08-14", "2026-08-14"), // shares the last day
        ];
        let l = load(25, 0, 0);
        let (start, end) = (d("2026-07-06"), d("2026-08-14"));
        let got = check(&rules, Grade::G2, 2, &l, start, end, &others);
        let placed = |n: &str| AlreadyPlaced {
            class_name: n.to_owned(),
        };
        assert_eq!(got, [placed("暑期一班"), placed("暑期三班")]);
        let got = check(&rules, Grade::G2, 0, &l, start, end, &others[1..3]);
        assert_eq!(got, [NoGuardian]);
    }

    #[test]
    fn codes_are_distinct_keys() {
        let all = [
            GradeOutOfRange,
            KindergartenShareFull { places: 2 },
            ClassFull,
            AlreadyPlaced {
                class_name: "一班".into(),
            },
            NoGuardian,
        ];
        let mut codes: Vec<_> = all.iter().map(Ineligible::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("enrolment.")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert_eq!(
            all[1].to_string(),
            "the class's 2 kindergarten places are taken"
        );
    }
}
