//! Money (issue 18, SPEC §9) as stories, and the helpers the other money stories share. The
//! demo's 2025 hospital class adds up to the fen: its plan, what it booked (one payment
//! reversed), the city's subsidy paid into it, the same figures kept up the tree for the city,
//! the district and the unit, and the city's rule with its one batch (the power class failing
//! with its reasons) — each unit reading its own line, the neighbouring city nothing. A class's
//! budget, ledger and receipts are `funding_ledger.rs`; rules and batches `funding_subsidies.rs`;
//! the workbook `funding_export.rs`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp, tokens};

pub(crate) const HOSPITAL_2025: &str = "医院职工子女暑期托管班（2025）";
pub(crate) const POWER_2025: &str = "供电公司暑期托管班（2025）";
pub(crate) const HOSPITAL_2026: &str = "医院职工子女暑期爱心托管班";

/// An amount in fen from a JSON answer.
pub(crate) fn fen(v: &Value) -> i64 {
    v.as_i64()
        .unwrap_or_else(|| panic!("an amount in fen: {v}"))
}

/// The summer programme of `year`.
pub(crate) async fn summer(app: &TestApp, token: &str, year: i64) -> String {
    let (_, all) = app.get("/api/v1/programmes", token).await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|p| p["season"] == "summer" && p["year"] == year)
        .unwrap_or_else(|| panic!("summer {year}: {all}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The id of the programme's class named `name`.
pub(crate) async fn class_id(app: &TestApp, token: &str, programme: &str, name: &str) -> String {
    let path = format!("/api/v1/classes?programme_id={programme}");
    let (_, classes) = app.get(&path, token).await;
    classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name}: {classes}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The class's budget as `token` reads it (200).
pub(crate) async fn budget(app: &TestApp, class: &str, token: &str) -> Value {
    let (status, b) = app
        .get(&format!("/api/v1/classes/{class}/budget"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    b
}

/// The class's ledger as `token` reads it (200).
pub(crate) async fn ledger(app: &TestApp, class: &str, token: &str) -> Vec<Value> {
    let (status, l) = app
        .get(&format!("/api/v1/classes/{class}/ledger"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{l}");
    l.as_array().unwrap().clone()
}

/// The line of `lines` (a budget's or the funds' `sources` or `categories`) for `code`.
pub(crate) fn line<'a>(lines: &'a Value, code: &str) -> &'a Value {
    lines
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["source"] == code || l["category"] == code)
        .unwrap_or_else(|| panic!("{code} in {lines}"))
}

/// A receipt (`category` None) or a payment.
pub(crate) fn entry(source: &str, category: Option<&str>, amount_fen: i64, day: &str) -> Value {
    let direction = if category.is_some() {
        "payment"
    } else {
        "receipt"
    };
    json!({"direction": direction, "source": source, "category": category, "amount_fen": amount_fen,
        "occurred_on": day, "counterparty": "示例供应商", "voucher_no": "测-001", "summary": "测试"})
}

/// Receipts and payments of a ledger, each netted of its counter-entries: (received, spent).
pub(crate) fn sums<'a>(entries: impl IntoIterator<Item = &'a Value>) -> (i64, i64) {
    entries
        .into_iter()
        .fold((0, 0), |(r, s), e| match e["direction"].as_str() {
            Some("receipt") => (r + fen(&e["amount_fen"]), s),
            _ => (r, s + fen(&e["amount_fen"])),
        })
}

/// The figures kept for the dashboards are what a recount from the plans and ledgers gives.
pub(crate) async fn assert_kept_figures_recount(app: &TestApp) {
    let drift = tuoguan::dashboard::funds::drift(&app.state.db)
        .await
        .unwrap();
    assert!(drift.is_empty(), "{drift:?}");
}

/// Every source and category of the budget equals what its ledger sums to, and the totals too.
pub(crate) fn assert_budget_is_its_ledger(b: &Value, entries: &[Value]) {
    let (received, spent) = sums(entries);
    assert_eq!(
        (fen(&b["received_fen"]), fen(&b["spent_fen"])),
        (received, spent),
        "totals: {b}"
    );
    assert_eq!(fen(&b["balance_fen"]), received - spent);
    for s in b["sources"].as_array().unwrap() {
        let of = entries.iter().filter(|e| e["source"] == s["source"]);
        let (r, p) = sums(of);
        assert_eq!(
            (fen(&s["received_fen"]), fen(&s["spent_fen"])),
            (r, p),
            "{s}"
        );
    }
    for c in b["categories"].as_array().unwrap() {
        let of = entries.iter().filter(|e| e["category"] == c["category"]);
        assert_eq!(fen(&c["spent_fen"]), sums(of).1, "{c}");
    }
}

both!(
    the_demo_class_of_2025_planned_booked_and_paid_adds_up_to_the_fen,
    demo_money
);
async fn demo_money(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let [city, hosp, power, dongcheng, other, staff] = tokens(
        &app,
        [
            "city_admin",
            "hospital_admin",
            "power_admin",
            "dongcheng_admin",
            "linjiang_admin",
            "class_staff",
        ],
    )
    .await;
    let pid = summer(&app, &city, 2025).await;
    let class = class_id(&app, &city, &pid, HOSPITAL_2025).await;

    // The plan and what stands against it: 42,200 yuan from the unit, its union and the parents
    // and the city's 10,000; 40,860.50 paid, 100 of it reversed.
    let b = budget(&app, &class, &hosp).await;
    assert_eq!(
        [&b["received_fen"], &b["spent_fen"], &b["balance_fen"]].map(fen),
        [5_220_000, 4_076_050, 1_143_950],
        "{b}"
    );
    assert_eq!(
        [&b["planned_income_fen"], &b["planned_spending_fen"]].map(fen),
        [5_420_000, 5_420_000]
    );
    let sources: Vec<(&str, [i64; 3])> = b["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let v = [&s["planned_fen"], &s["received_fen"], &s["spent_fen"]].map(fen);
            (s["source"].as_str().unwrap(), v)
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("unit_admin", [2_200_000, 2_000_000, 1_920_000]),
            ("grassroots_union", [1_500_000, 1_500_000, 1_456_050]),
            ("county_union", [0, 0, 0]),
            ("city_union", [1_000_000, 1_000_000, 0]),
            ("province_union", [0, 0, 0]),
            ("welfare_fund", [0, 0, 0]),
            ("parent_fees", [720_000, 720_000, 700_000]),
            ("donations", [0, 0, 0]),
        ]
    );
    let categories: Vec<(&str, [i64; 2])> = b["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let v = [&c["planned_fen"], &c["spent_fen"]].map(fen);
            (c["category"].as_str().unwrap(), v)
        })
        .collect();
    assert_eq!(
        categories,
        [
            ("allowances", [2_400_000, 1_800_000]),
            ("food", [1_800_000, 1_800_000]),
            ("materials", [400_000, 356_050]),
            ("insurance", [120_000, 120_000]),
            ("venue", [0, 0]),
            ("services", [600_000, 0]),
            ("other", [100_000, 0]),
        ]
    );
    let fee = &b["fee"];
    assert_eq!(
        [
            &fee["fee_fen"],
            &fee["children"],
            &fee["fees_fen"],
            &fee["cost_fen"],
            &fee["other_sources_fen"],
            &fee["uncovered_fen"]
        ]
        .map(fen),
        [30_000, 24, 720_000, 5_420_000, 4_700_000, 720_000],
        "the fee of 24 children against the plan: {fee}"
    );
    assert_eq!(
        fee["above_cost"], false,
        "the fees exactly cover what is left: {fee}"
    );

    // The ledger: ten entries booked, one counter-entry, the subsidy's payment; receipts filed.
    let entries = ledger(&app, &class, &hosp).await;
    assert_eq!(entries.len(), 12, "{entries:?}");
    assert_budget_is_its_ledger(&b, &entries);
    let wrong = entries.iter().find(|e| e["summary"] == "八月加餐").unwrap();
    let counter = entries
        .iter()
        .find(|e| e["reverses"] == wrong["id"])
        .expect("the counter-entry");
    assert_eq!(wrong["reversed_by"], counter["id"]);
    assert_eq!(
        (fen(&wrong["amount_fen"]), fen(&counter["amount_fen"])),
        (10_000, -10_000)
    );
    assert_eq!(
        (&counter["source"], &counter["category"]),
        (&wrong["source"], &wrong["category"])
    );
    assert!(counter["summary"].as_str().unwrap().contains("误记"));
    let paid = entries
        .iter()
        .find(|e| !e["subsidy_line_id"].is_null())
        .expect("the subsidy's payment");
    assert_eq!(
        (
            &paid["direction"],
            &paid["source"],
            fen(&paid["amount_fen"]),
            &paid["occurred_on"],
            &paid["voucher_no"]
        ),
        (
            &json!("receipt"),
            &json!("city_union"),
            1_000_000,
            &json!("2025-09-20"),
            &json!("市工财-2025-0920")
        )
    );
    let filed: Vec<&Value> = entries.iter().filter(|e| !e["receipt"].is_null()).collect();
    assert_eq!(filed.len(), 6, "every payment of 1,000 yuan or more");
    assert!(
        filed
            .iter()
            .all(|e| e["receipt"]["content_type"] == "application/pdf")
    );

    // The same figures kept up the tree: the city, the district, the unit.
    let funds = |org: Option<String>| {
        let q = org.map(|o| format!("?org_id={o}")).unwrap_or_default();
        format!("/api/v1/programmes/{pid}/funds{q}")
    };
    let hospital_unit = app.org_id("示例市第一人民医院工会").await;
    for (who, token, org) in [
        ("city", &city, "示例市总工会"),
        ("district", &dongcheng, "东城区总工会"),
        ("unit", &hosp, "示例市第一人民医院工会"),
    ] {
        let (status, f) = app.get(&funds(None), token).await;
        assert_eq!(status, StatusCode::OK, "{who}: {f}");
        assert_eq!(f["org_name"], org);
        assert_eq!(
            (&f["sources"], &f["categories"]),
            (&b["sources"], &b["categories"]),
            "{who}"
        );
        assert_eq!(
            [&f["received_fen"], &f["spent_fen"]].map(fen),
            [5_220_000, 4_076_050]
        );
        let below = f["below"].as_array().unwrap();
        let received: i64 = below.iter().map(|o| fen(&o["received_fen"])).sum();
        assert!(who == "unit" || received == 5_220_000, "{who}: {below:?}");
    }
    let (_, f) = app.get(&funds(None), &city).await;
    let district = f["below"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["org_name"] == "东城区总工会")
        .unwrap();
    assert_eq!(
        [
            &district["planned_fen"],
            &district["received_fen"],
            &district["spent_fen"]
        ]
        .map(fen),
        [5_420_000, 5_220_000, 4_076_050]
    );
    let (status, f) = app.get(&funds(None), &power).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    assert_eq!(
        [&f["received_fen"], &f["spent_fen"]].map(fen),
        [0, 0],
        "the sibling unit's own: nothing"
    );
    let theirs = funds(Some(hospital_unit.clone()));
    for (who, token) in [("sibling unit", &power), ("sibling city", &other)] {
        assert_eq!(
            app.get(&theirs, token).await.0,
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    assert_eq!(app.get(&funds(None), &other).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&funds(None), &staff).await.0, StatusCode::NOT_FOUND);

    // The city's rule, its one batch paid; the power class listed as failing, with its reasons.
    let (status, rules) = app
        .get(&format!("/api/v1/programmes/{pid}/subsidy-rules"), &city)
        .await;
    assert_eq!(status, StatusCode::OK, "{rules}");
    let rule = &rules[0];
    assert_eq!(rules.as_array().unwrap().len(), 1);
    assert_eq!(
        (&rule["name"], &rule["source"], &rule["terms"]["kind"]),
        (
            &json!("2025年暑期托管班达标补助"),
            &json!("city_union"),
            &json!("criteria")
        )
    );
    assert_eq!(
        [
            &rule["approved_fen"],
            &rule["pool_left_fen"],
            &rule["batches"]
        ]
        .map(fen),
        [1_000_000, 19_000_000, 1]
    );
    let rid = rule["id"].as_str().unwrap();
    let (status, batches) = app
        .get(&format!("/api/v1/subsidy-rules/{rid}/batches"), &city)
        .await;
    assert_eq!(status, StatusCode::OK, "{batches}");
    let batch = &batches[0];
    assert_eq!(
        [&batch["number"], &batch["total_fen"], &batch["paid_fen"]].map(fen),
        [1, 1_000_000, 1_000_000]
    );
    let lines = batch["lines"].as_array().unwrap();
    let by = |name: &str| lines.iter().find(|l| l["class_name"] == name).unwrap();
    let (h, p) = (by(HOSPITAL_2025), by(POWER_2025));
    assert_eq!(
        (&h["outcome"], fen(&h["amount_fen"]), &h["payment"]["id"]),
        (&json!("approved"), 1_000_000, &paid["id"])
    );
    assert_eq!(
        (&p["outcome"], fen(&p["amount_fen"]), &p["payment"]),
        (&json!("failed"), 0, &Value::Null)
    );
    assert!(
        p["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["pass"] == false),
        "a reason: {p}"
    );
    // Each unit reads its own line of the batch, no other.
    let bid = batch["id"].as_str().unwrap();
    for (token, name) in [(&hosp, HOSPITAL_2025), (&power, POWER_2025)] {
        let (status, mine) = app
            .get(&format!("/api/v1/subsidy-batches/{bid}"), token)
            .await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        let names: Vec<&Value> = mine["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| &l["class_name"])
            .collect();
        assert_eq!(names, [&json!(name)]);
        // Nor does a unit learn the others' amounts from a total or from what the pool has left.
        let paid_here = if name == HOSPITAL_2025 { 1_000_000 } else { 0 };
        assert_eq!(fen(&mine["total_fen"]), paid_here, "{mine}");
        let (_, rule) = app
            .get(&format!("/api/v1/programmes/{pid}/subsidy-rules"), token)
            .await;
        assert_eq!(fen(&rule[0]["approved_fen"]), paid_here, "{rule}");
        assert_eq!(rule[0]["pool_left_fen"], Value::Null, "{rule}");
        let (_, q) = app
            .get(&format!("/api/v1/subsidy-rules/{rid}/qualification"), token)
            .await;
        assert_eq!(fen(&q["already_approved"]), i64::from(paid_here > 0), "{q}");
    }
    // Approved once: nothing is left to approve, and the rule is frozen.
    let (_, q) = app
        .get(&format!("/api/v1/subsidy-rules/{rid}/qualification"), &city)
        .await;
    assert_eq!(
        [&q["already_approved"], &q["total_fen"]].map(fen),
        [1, 0],
        "{q}"
    );
    assert!(
        q["lines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["class_name"] == POWER_2025 && l["outcome"] == "failed")
    );
    let again = format!("/api/v1/subsidy-rules/{rid}/batches");
    assert_eq!(
        app.post(&again, &city, json!({})).await.0,
        StatusCode::CONFLICT
    );
    let put = json!({"name": "改", "terms": rule["terms"]});
    let path = format!("/api/v1/subsidy-rules/{rid}");
    let (status, _) = app.call(Method::PUT, &path, Some(&city), Some(put)).await;
    assert_eq!(status, StatusCode::CONFLICT);

    assert_kept_figures_recount(&app).await;

    // The pages say the same.
    let web = WebSession::login(&app, "hospital_admin").await;
    let (status, html) = web.get(&format!("/classes/{class}/money")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"id="received-total">52,200.00<"#)
            && html.contains(r#"id="balance">11,439.50<"#),
        "received and balance on the page"
    );
}
