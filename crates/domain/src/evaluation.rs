//! 测评与示范班 — the satisfaction rate of a class's questionnaires (SPEC §11, seed 000 Beijing) and
//! the data criteria a model class must meet (SPEC §12): each computed from figures the platform
//! keeps, each pass or fail with the figures that decide it. Whatever the experts' scores, a class
//! that fails one criterion cannot be named.

use serde::{Deserialize, Serialize};

use crate::programme::ProgrammeRules;

/// A response's overall rating (五级满意度).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    VerySatisfied,
    Satisfied,
    Neutral,
    Dissatisfied,
    VeryDissatisfied,
}

impl Rating {
    /// Satisfied or very satisfied: what the rate counts.
    pub fn satisfied(self) -> bool {
        matches!(self, Rating::VerySatisfied | Rating::Satisfied)
    }
}

/// A class's satisfaction: responses, the satisfied among them, and the rate — absent below the
/// programme's minimum number of responses ("insufficient responses", never a rate of a few).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub responses: u32,
    pub satisfied: u32,
    /// satisfied ÷ responses in basis points (9050 = 90.50%), rounded down; absent when
    /// `insufficient`.
    pub rate_bp: Option<u32>,
    pub insufficient: bool,
}

/// The satisfaction of these ratings, with at least `min_responses` needed for a rate.
pub fn satisfaction(ratings: &[Rating], min_responses: u32) -> Satisfaction {
    let responses = u32::try_from(ratings.len()).unwrap_or(u32::MAX);
    let satisfied = u32::try_from(ratings.iter().filter(|r| r.satisfied()).count()).unwrap_or(0);
    satisfaction_of(responses, satisfied, min_responses)
}

/// The same from counts kept by the database: `responses`, of which `satisfied` rated satisfied
/// or very satisfied.
pub fn satisfaction_of(responses: u32, satisfied: u32, min_responses: u32) -> Satisfaction {
    let satisfied = satisfied.min(responses);
    let insufficient = responses == 0 || responses < min_responses;
    let rate_bp = (!insufficient)
        .then(|| u32::try_from(u64::from(satisfied) * 10_000 / u64::from(responses)).unwrap_or(0));
    Satisfaction {
        responses,
        satisfied,
        rate_bp,
        insufficient,
    }
}

/// What the records say of a class at the season's end.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelFacts {
    /// Children enrolled over the season.
    pub children: u32,
    /// Of them, kindergarten children.
    pub kindergarten: u32,
    pub operating_days: u32,
    /// Child-days expected and present.
    pub expected: u32,
    pub present: u32,
    pub satisfaction: Option<Satisfaction>,
    pub safety_incidents: u32,
    /// Whether an inspection was recorded, with any line failed, and its rectifications not closed.
    pub inspected: bool,
    pub open_rectifications: u32,
    /// Enrolled children without a signed agreement, without insurance.
    pub missing_agreements: u32,
    pub missing_insurance: u32,
    /// Active staff without a completed background check.
    pub unchecked_staff: u32,
}

/// The codes of the criteria, in the order [`criteria`] gives them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CriterionCode {
    #[serde(rename = "model.children")]
    Children,
    #[serde(rename = "model.operating_days")]
    OperatingDays,
    #[serde(rename = "model.attendance")]
    Attendance,
    #[serde(rename = "model.kindergarten")]
    Kindergarten,
    #[serde(rename = "model.satisfaction")]
    Satisfaction,
    #[serde(rename = "model.no_safety_incident")]
    NoSafetyIncident,
    #[serde(rename = "model.inspection")]
    Inspection,
    #[serde(rename = "model.agreements")]
    Agreements,
    #[serde(rename = "model.insurance")]
    Insurance,
    #[serde(rename = "model.staff_checks")]
    StaffChecks,
}

/// One criterion: its code (`model.children`, …), whether it passes, and the figures deciding it
/// (`actual` against `required`, as the page shows them; a satisfaction below the minimum of
/// responses reads `insufficient:<responses>`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    #[cfg_attr(feature = "openapi", schema(value_type = CriterionCode))]
    pub code: String,
    pub pass: bool,
    pub actual: String,
    pub required: String,
}

fn pct_bp(part: u32, whole: u32) -> Option<u32> {
    (whole > 0).then(|| u32::try_from(u64::from(part) * 10_000 / u64::from(whole)).unwrap_or(0))
}

fn shown(bp: Option<u32>) -> String {
    bp.map_or_else(|| "—".into(), |b| format!("{}.{:02}%", b / 100, b % 100))
}

/// Every data criterion of a model class under the programme's rules, in a fixed order.
pub fn criteria(f: &ModelFacts, rules: &ProgrammeRules) -> Vec<Criterion> {
    let c = |code: &str, pass: bool, actual: String, required: String| Criterion {
        code: code.into(),
        pass,
        actual,
        required,
    };
    let attendance = pct_bp(f.present, f.expected);
    let kindergarten = pct_bp(f.kindergarten, f.children).unwrap_or(0);
    let sat = f.satisfaction;
    let sat_ok = sat.is_some_and(|s| {
        s.rate_bp
            .is_some_and(|r| r >= rules.min_satisfaction_pct * 100)
    });
    let sat_shown = match sat {
        Some(s) if s.insufficient => format!("insufficient:{}", s.responses),
        Some(s) => shown(s.rate_bp),
        None => "—".into(),
    };
    let mut out = vec![
        c(
            "model.children",
            f.children >= rules.min_class_size,
            f.children.to_string(),
            rules.min_class_size.to_string(),
        ),
        c(
            "model.operating_days",
            f.operating_days >= rules.min_operating_days,
            f.operating_days.to_string(),
            rules.min_operating_days.to_string(),
        ),
        c(
            "model.attendance",
            attendance.is_some_and(|a| a >= rules.min_attendance_pct * 100),
            shown(attendance),
            format!("{}%", rules.min_attendance_pct),
        ),
        c(
            "model.kindergarten",
            kindergarten <= rules.kindergarten_max_pct * 100,
            shown(Some(kindergarten)),
            format!("{}%", rules.kindergarten_max_pct),
        ),
        c(
            "model.satisfaction",
            sat_ok,
            sat_shown,
            format!("{}%", rules.min_satisfaction_pct),
        ),
    ];
    if rules.model_requires_no_incident {
        out.push(c(
            "model.no_safety_incident",
            f.safety_incidents == 0,
            f.safety_incidents.to_string(),
            "0".into(),
        ));
    }
    out.push(c(
        "model.inspection",
        f.inspected && f.open_rectifications == 0,
        match f.inspected {
            true => f.open_rectifications.to_string(),
            false => "—".into(),
        },
        "0".into(),
    ));
    for (code, missing) in [
        ("model.agreements", f.missing_agreements),
        ("model.insurance", f.missing_insurance),
        ("model.staff_checks", f.unchecked_staff),
    ] {
        out.push(c(code, missing == 0, missing.to_string(), "0".into()));
    }
    out
}

/// Whether every criterion passes (a class failing one cannot be named).
pub fn eligible(criteria: &[Criterion]) -> bool {
    criteria.iter().all(|c| c.pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Rating::*;

    #[test]
    fn the_rate_counts_satisfied_and_very_satisfied_over_responses() {
        let r = [
            VerySatisfied,
            Satisfied,
            Satisfied,
            Neutral,
            VeryDissatisfied,
            Satisfied,
            VerySatisfied,
            Satisfied,
            Satisfied,
            Satisfied,
        ];
        let s = satisfaction(&r, 10);
        assert_eq!(
            (s.responses, s.satisfied, s.rate_bp, s.insufficient),
            (10, 8, Some(8000), false)
        );
        // 9 of 11 satisfied: 81.81%, rounded down.
        let mut more = r.to_vec();
        more.push(Satisfied);
        assert_eq!(satisfaction(&more, 10).rate_bp, Some(8181));
    }

    #[test]
    fn below_the_minimum_of_responses_there_is_no_rate() {
        let s = satisfaction(&[VerySatisfied; 9], 10);
        assert_eq!((s.rate_bp, s.insufficient, s.responses), (None, true, 9));
        assert!(
            satisfaction(&[], 0).insufficient,
            "no response is never a rate"
        );
        assert_eq!(satisfaction(&[Satisfied], 1).rate_bp, Some(10_000));
    }

    fn good() -> ModelFacts {
        ModelFacts {
            children: 24,
            kindergarten: 2,
            operating_days: 30,
            expected: 700,
            present: 560,
            satisfaction: Some(satisfaction(&[Satisfied; 20], 10)),
            safety_incidents: 0,
            inspected: true,
            open_rectifications: 0,
            missing_agreements: 0,
            missing_insurance: 0,
            unchecked_staff: 0,
        }
    }

    #[test]
    fn a_class_meeting_every_rule_is_eligible() {
        let list = criteria(&good(), &ProgrammeRules::seed_003());
        assert!(eligible(&list), "{list:?}");
        let codes: Vec<&str> = list.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "model.children",
                "model.operating_days",
                "model.attendance",
                "model.kindergarten",
                "model.satisfaction",
                "model.no_safety_incident",
                "model.inspection",
                "model.agreements",
                "model.insurance",
                "model.staff_checks"
            ]
        );
        assert_eq!(list[2].actual, "80.00%");
    }

    #[test]
    fn each_criterion_fails_on_its_own_and_names_its_figures() {
        let rules = ProgrammeRules::seed_003();
        type Edit = Box<dyn Fn(&mut ModelFacts)>;
        let cases: Vec<(&str, Edit)> = vec![
            (
                "model.children",
                Box::new(|f| {
                    f.children = 19;
                    f.kindergarten = 1
                }),
            ),
            ("model.operating_days", Box::new(|f| f.operating_days = 19)),
            ("model.attendance", Box::new(|f| f.present = 524)), // 74.85% < 75%
            ("model.kindergarten", Box::new(|f| f.kindergarten = 3)), // 12.5% > 10%
            (
                "model.satisfaction",
                Box::new(|f| f.satisfaction = Some(satisfaction(&[Satisfied; 9], 10))),
            ),
            (
                "model.no_safety_incident",
                Box::new(|f| f.safety_incidents = 1),
            ),
            ("model.inspection", Box::new(|f| f.open_rectifications = 1)),
            ("model.agreements", Box::new(|f| f.missing_agreements = 1)),
            ("model.insurance", Box::new(|f| f.missing_insurance = 2)),
            ("model.staff_checks", Box::new(|f| f.unchecked_staff = 1)),
        ];
        for (code, edit) in cases {
            let mut f = good();
            edit(&mut f);
            let list = criteria(&f, &rules);
            let failed: Vec<&str> = list
                .iter()
                .filter(|c| !c.pass)
                .map(|c| c.code.as_str())
                .collect();
            assert_eq!(failed, [code]);
            assert!(!eligible(&list));
        }
        let mut f = good();
        f.satisfaction = Some(satisfaction(&[Satisfied; 9], 10));
        let sat = criteria(&f, &rules)
            .into_iter()
            .find(|c| c.code == "model.satisfaction")
            .unwrap();
        assert_eq!(sat.actual, "insufficient:9");
        let mut never = good();
        never.inspected = false;
        assert!(
            !eligible(&criteria(&never, &rules)),
            "a class never inspected has not passed one"
        );
    }

    #[test]
    fn the_rules_decide_exactly_at_the_edge() {
        let rules = ProgrammeRules::seed_003();
        let mut f = good();
        f.children = 20;
        f.operating_days = 20;
        f.present = 525; // 75.00%
        f.kindergarten = 2; // 2/20 = 10%
        f.satisfaction = Some(satisfaction(
            &[[Satisfied; 9].as_slice(), &[Neutral]].concat(),
            10,
        )); // 90%
        assert!(
            eligible(&criteria(&f, &rules)),
            "{:?}",
            criteria(&f, &rules)
        );
        let lenient = ProgrammeRules {
            model_requires_no_incident: false,
            ..rules
        };
        f.safety_incidents = 2;
        assert!(
            eligible(&criteria(&f, &lenient)),
            "the rule is the programme's"
        );
    }
}
