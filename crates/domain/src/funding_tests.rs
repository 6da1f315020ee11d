use super::*;
use crate::evaluation::satisfaction_of;

/// A class Beijing funds: 30 children, 20 days, 70.00% attendance, facilities complete, no
/// incident, 90% of 20 guardians satisfied.
fn beijing_class() -> SubsidyFacts {
    SubsidyFacts {
        children: 30,
        operating_days: 20,
        expected: 10_000,
        present: 7_000,
        facilities_complete: true,
        safety_incidents: 0,
        satisfaction: Some(satisfaction_of(20, 18, 10)),
        named_model: false,
    }
}

fn failed(e: &Evaluation) -> Vec<&str> {
    e.criteria
        .iter()
        .filter(|c| !c.pass)
        .map(|c| c.code.as_str())
        .collect()
}

#[test]
fn beijing_criteria_at_their_boundaries() {
    let rule = RuleTerms::beijing(500_000, 90);
    let ok = evaluate(&rule, &beijing_class());
    assert!(ok.qualifies, "{:?}", ok.criteria);
    assert_eq!(ok.amount_fen, 500_000);
    assert_eq!(ok.criteria.len(), 6);
    type Edit = fn(&mut SubsidyFacts);
    let cases: [(Edit, &str, &str, &str); 7] = [
        (|f| f.children = 29, "subsidy.children", "29", "30"),
        (
            |f| f.operating_days = 19,
            "subsidy.operating_days",
            "19",
            "20",
        ),
        // 6,999 of 10,000 child-days: 69.99%, below 70%.
        (|f| f.present = 6_999, "subsidy.attendance", "69.99%", "70%"),
        (
            |f| f.facilities_complete = false,
            "subsidy.facilities",
            "no",
            "yes",
        ),
        (|f| f.safety_incidents = 1, "subsidy.no_incident", "1", "0"),
        (
            |f| f.satisfaction = Some(satisfaction_of(20, 17, 10)),
            "subsidy.satisfaction",
            "85.00%",
            "90%",
        ),
        (
            |f| f.satisfaction = Some(satisfaction_of(9, 9, 10)),
            "subsidy.satisfaction",
            "insufficient:9",
            "90%",
        ),
    ];
    for (edit, code, actual, required) in cases {
        let mut f = beijing_class();
        edit(&mut f);
        let e = evaluate(&rule, &f);
        assert!(!e.qualifies, "{code}");
        assert_eq!(e.amount_fen, 0);
        assert_eq!(failed(&e), [code]);
        let c = e.criteria.iter().find(|c| c.code == code).unwrap();
        assert_eq!((c.actual.as_str(), c.required.as_str()), (actual, required));
    }
    let f = SubsidyFacts {
        children: 31,
        present: 7_001,
        ..beijing_class()
    };
    assert!(evaluate(&rule, &f).qualifies);
}

#[test]
fn no_child_day_is_no_attendance() {
    let f = SubsidyFacts {
        expected: 0,
        present: 0,
        ..beijing_class()
    };
    let e = evaluate(&RuleTerms::beijing(1, 90), &f);
    assert_eq!(failed(&e), ["subsidy.attendance"]);
    assert_eq!(e.criteria[2].actual, "—");
}

fn xiamen() -> RuleTerms {
    RuleTerms {
        kind: RuleKind::Tiers,
        min_children: None,
        min_operating_days: None,
        min_attendance_pct: None,
        facilities: false,
        no_incident: false,
        min_satisfaction_pct: None,
        amount_fen: None,
        tiers: vec![
            Tier {
                min_children: 20,
                amount_fen: 1_000_000,
            },
            Tier {
                min_children: 30,
                amount_fen: 1_500_000,
            },
            Tier {
                min_children: 50,
                amount_fen: 2_000_000,
            },
        ],
        pool_fen: None,
    }
}

#[test]
fn tiers_at_their_edges() {
    let rule = xiamen();
    assert_eq!(rule.validate(), Ok(()));
    for (children, amount) in [
        (0, 0),
        (19, 0),
        (20, 1_000_000),
        (29, 1_000_000),
        (30, 1_500_000),
        (49, 1_500_000),
        (50, 2_000_000),
        (300, 2_000_000),
    ] {
        let f = SubsidyFacts {
            children,
            ..SubsidyFacts::default()
        };
        let e = evaluate(&rule, &f);
        assert_eq!(e.amount_fen, amount, "{children} children");
        assert_eq!(e.qualifies, amount > 0);
        let tier = e.criteria.last().unwrap();
        assert_eq!(tier.code, "subsidy.tier");
        assert_eq!(tier.required, "20");
    }
}

#[test]
fn a_model_award_pays_named_classes_from_a_pool_exhausted_mid_batch() {
    // Henan: 1,000,000 yuan for model classes at 10,000 yuan each; here a pool of 25,000 yuan.
    let rule = RuleTerms {
        kind: RuleKind::ModelAward,
        amount_fen: Some(1_000_000),
        pool_fen: Some(2_500_000),
        tiers: Vec::new(),
        ..xiamen()
    };
    assert_eq!(rule.validate(), Ok(()));
    let named = SubsidyFacts {
        named_model: true,
        ..SubsidyFacts::default()
    };
    let not_named = SubsidyFacts::default();
    let evals: Vec<Evaluation> = [named, not_named, named, named, named]
        .iter()
        .map(|f| evaluate(&rule, f))
        .collect();
    assert_eq!(failed(&evals[1]), ["subsidy.model_class"]);
    let out = allocate(rule.pool_fen, &evals);
    assert_eq!(
        out,
        [
            Outcome::Paid(1_000_000),
            Outcome::Failed,
            Outcome::Paid(1_000_000),
            Outcome::PoolExhausted,
            Outcome::PoolExhausted,
        ]
    );
    // What earlier batches used is no longer there: 10,000 yuan left pays exactly one.
    let out = allocate(Some(1_000_000), &evals[2..]);
    assert_eq!(
        out,
        [
            Outcome::Paid(1_000_000),
            Outcome::PoolExhausted,
            Outcome::PoolExhausted
        ]
    );
    assert!(allocate(Some(0), &evals[..1]) == [Outcome::PoolExhausted]);
    assert!(allocate(None, &evals[..1]) == [Outcome::Paid(1_000_000)]);
}

#[test]
fn once_the_pool_runs_out_no_smaller_amount_jumps_the_queue() {
    let small = Evaluation {
        criteria: Vec::new(),
        qualifies: true,
        amount_fen: 100,
    };
    let big = Evaluation {
        amount_fen: 1_000,
        ..small.clone()
    };
    let out = allocate(Some(1_050), &[big.clone(), big, small]);
    assert_eq!(
        out,
        [
            Outcome::Paid(1_000),
            Outcome::PoolExhausted,
            Outcome::PoolExhausted
        ]
    );
}

#[test]
fn rules_name_every_bad_field() {
    let mut r = xiamen();
    r.tiers.swap(0, 1);
    assert_eq!(r.validate(), Err(vec![("tiers", "subsidy.tiers_order")]));
    r.tiers.clear();
    assert_eq!(r.validate(), Err(vec![("tiers", "subsidy.tiers_needed")]));
    let award = RuleTerms {
        kind: RuleKind::ModelAward,
        tiers: Vec::new(),
        min_attendance_pct: Some(101),
        ..xiamen()
    };
    assert_eq!(
        award.validate(),
        Err(vec![
            ("amount_fen", "subsidy.amount_needed"),
            ("pool_fen", "subsidy.pool_needed"),
            ("min_attendance_pct", "subsidy.pct_range"),
        ])
    );
    let huge = RuleTerms {
        amount_fen: Some(MAX_FEN + 1),
        ..RuleTerms::beijing(1, 90)
    };
    assert_eq!(
        huge.validate(),
        Err(vec![("amount_fen", "money.out_of_range")])
    );
    for (_, key) in [award.validate(), huge.validate(), r.validate()]
        .into_iter()
        .flat_map(|e| e.unwrap_err())
    {
        assert!(RULE_ERRORS.contains(&key) || key.starts_with("rules."));
    }
}

#[test]
fn yuan_is_parsed_exactly_and_shown_with_two_decimals() {
    for (text, fen) in [
        ("0", 0),
        ("12", 1_200),
        ("12.5", 1_250),
        ("12.05", 1_205),
        ("1,234.56", 123_456),
        ("¥80", 8_000),
        ("80元", 8_000),
        ("１２３．４", 12_340),
        (" 0.01 ", 1),
        ("100000000", MAX_FEN),
        // 0.1 + 0.2 is 0.30000000000000004 in floating point; here it is 30 fen.
        ("0.3", 30),
    ] {
        assert_eq!(parse_yuan(text), Ok(fen), "{text}");
    }
    for text in ["", "abc", "1.234", "1.2.3", ".5", "1e3", "12,3x"] {
        assert_eq!(parse_yuan(text), Err(YuanError::NotAmount), "{text}");
    }
    for text in ["-1", "100000000.01", "9999999999999"] {
        assert_eq!(parse_yuan(text), Err(YuanError::OutOfRange), "{text}");
    }
    assert_eq!(yuan(0), "0.00");
    assert_eq!(yuan(5), "0.05");
    assert_eq!(yuan(123_456), "1,234.56");
    assert_eq!(yuan(1_773_800_000), "17,738,000.00");
    assert_eq!(yuan(-1_250), "-12.50");
    for fen in [0, 1, 99, 100, 123_456, 99_999_999] {
        assert_eq!(parse_yuan(&yuan(fen)), Ok(fen));
    }
}

#[test]
fn union_money_does_not_buy_accident_insurance_unless_allowed() {
    for s in Source::ALL {
        let union = matches!(
            s,
            Source::GrassrootsUnion
                | Source::CountyUnion
                | Source::CityUnion
                | Source::ProvinceUnion
        );
        assert_eq!(s.is_union(), union, "{s}");
        assert_eq!(insurance_refused(s, Category::Insurance, false), union);
        assert!(!insurance_refused(s, Category::Insurance, true));
        for c in Category::ALL
            .into_iter()
            .filter(|c| *c != Category::Insurance)
        {
            assert!(!insurance_refused(s, c, false));
        }
    }
}

#[test]
fn a_fee_above_the_uncovered_cost_is_flagged() {
    // 30 children; 60,000 yuan of cost, 45,000 from other sources: 15,000 left, 500 yuan a child.
    let ok = fee_check(50_000, 30, 6_000_000, 4_500_000);
    assert_eq!(
        (ok.fees_fen, ok.uncovered_fen, ok.above_cost),
        (1_500_000, 1_500_000, false)
    );
    let over = fee_check(50_001, 30, 6_000_000, 4_500_000);
    assert!(over.above_cost);
    // Other sources covering everything leave no room for any fee.
    assert!(fee_check(1, 30, 100, 200).above_cost);
    assert!(!fee_check(0, 30, 100, 200).above_cost);
}
