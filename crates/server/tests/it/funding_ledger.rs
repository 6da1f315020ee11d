//! A class's money kept by its unit (issue 18, SPEC §9) as stories: the unit plans the budget
//! (the parents' fee checked against what the other sources leave, at the boundary), books
//! receipts and payments (union money never buys the children's insurance unless the programme
//! allows it; a key makes a repeat write once), reverses a mistake by a counter-entry, and files
//! receipts checked by their bytes — each step refused to a federation that only reads, and
//! hidden from a sibling unit, the class's staff and parents, and a sibling city.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::funding::{
    HOSPITAL_2026, assert_budget_is_its_ledger, assert_kept_figures_recount, budget, class_id,
    entry, fen, ledger, line, summer,
};
use crate::support::{Backend, TestApp, error_fields, post_keyed, tokens};

async fn book(app: &TestApp, class: &str, token: &str, body: Value) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/classes/{class}/ledger"), token, body)
        .await
}

async fn put_budget(app: &TestApp, class: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/classes/{class}/budget");
    app.call(Method::PUT, &path, Some(token), Some(body)).await
}

both!(
    a_unit_plans_its_budget_and_the_fee_is_flagged_above_what_the_other_sources_leave,
    planning
);
async fn planning(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [
        hosp,
        city,
        dongcheng,
        power,
        staff,
        manager,
        parent,
        other,
        steel,
    ] = tokens(
        &app,
        [
            "hospital_admin",
            "city_admin",
            "dongcheng_admin",
            "power_admin",
            "class_staff",
            "class_manager",
            "parent",
            "linjiang_admin",
            "steel_admin",
        ],
    )
    .await;
    let pid = summer(&app, &hosp, 2026).await;
    let class = class_id(&app, &hosp, &pid, HOSPITAL_2026).await;
    let before = budget(&app, &class, &hosp).await;
    assert_eq!(
        [
            &before["planned_income_fen"],
            &before["planned_spending_fen"]
        ]
        .map(fen),
        [0, 0]
    );
    let children = fen(&before["fee"]["children"]);
    assert!(children > 0, "{before}");

    // 35,800 yuan of cost, 30,000 from the unit and its union: 5,800 left for the parents.
    let plan = |fee: i64, parents: Option<i64>| {
        let mut sources = vec![
            json!({"source": "unit_admin", "planned_fen": 2_000_000}),
            json!({"source": "grassroots_union", "planned_fen": 1_000_000}),
        ];
        sources.extend(parents.map(|p| json!({"source": "parent_fees", "planned_fen": p})));
        json!({"fee_fen": fee, "sources": sources, "categories": [
            {"category": "allowances", "planned_fen": 2_000_000},
            {"category": "food", "planned_fen": 1_500_000},
            {"category": "insurance", "planned_fen": 80_000}]})
    };
    let uncovered = 580_000;
    let most = uncovered / children;
    let (status, within) = put_budget(&app, &class, &hosp, plan(most, Some(400_000))).await;
    assert_eq!(status, StatusCode::OK, "{within}");
    assert_eq!(
        within,
        budget(&app, &class, &hosp).await,
        "the plan read back"
    );
    let fee = &within["fee"];
    assert_eq!(
        [
            &fee["fee_fen"],
            &fee["fees_fen"],
            &fee["cost_fen"],
            &fee["other_sources_fen"],
            &fee["uncovered_fen"]
        ]
        .map(fen),
        [most, most * children, 3_580_000, 3_000_000, uncovered]
    );
    assert_eq!(fee["above_cost"], false, "{fee}");
    assert_eq!(
        [
            &within["planned_income_fen"],
            &within["planned_spending_fen"]
        ]
        .map(fen),
        [3_400_000, 3_580_000]
    );
    assert_eq!(
        fen(&line(&within["sources"], "parent_fees")["planned_fen"]),
        400_000
    );
    assert_eq!(
        fen(&line(&within["sources"], "county_union")["planned_fen"]),
        0
    );
    // One fen more per child and the fees pass what is left: flagged, not refused.
    let (status, above) = put_budget(&app, &class, &hosp, plan(most + 1, None)).await;
    assert_eq!(status, StatusCode::OK, "{above}");
    assert_eq!(above["fee"]["above_cost"], true, "{}", above["fee"]);
    assert_eq!(
        fen(&line(&above["sources"], "parent_fees")["planned_fen"]),
        0,
        "a line left out is nothing"
    );
    let kept = budget(&app, &class, &hosp).await;
    assert_eq!(kept, above);

    // Refusals name the field and change nothing.
    let neg_source = json!({"sources": [{"source": "unit_admin", "planned_fen": -1}]});
    let neg_category = json!({"categories": [{"category": "food", "planned_fen": -100}]});
    let twice = json!({"sources": [{"source": "donations", "planned_fen": 100}, {"source": "donations", "planned_fen": 200}]});
    let cat_twice = json!({"categories": [{"category": "food", "planned_fen": 1}, {"category": "food", "planned_fen": 1}]});
    for (body, field) in [
        (json!({"fee_fen": -1}), "fee_fen"),
        (neg_source, "sources"),
        (neg_category, "categories"),
        (twice, "sources"),
        (cat_twice, "categories"),
        (json!({"fee_fen": 10_000_000_001_i64}), "fee_fen"),
    ] {
        let (status, e) = put_budget(&app, &class, &hosp, body.clone()).await;
        assert_eq!(
            (status, error_fields(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
            "{body}: {e}"
        );
    }
    assert_eq!(budget(&app, &class, &hosp).await, kept);
    assert_eq!(app.audit("budget.plan").await.len(), 2);

    // The federations above read it and plan nothing; the sibling unit, the class's own staff
    // and parents, and the neighbouring city see no such budget.
    for (who, token) in [("city", &city), ("district", &dongcheng)] {
        assert_eq!(budget(&app, &class, token).await, kept, "{who}");
        let (status, _) = put_budget(&app, &class, token, plan(0, None)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    for (who, token) in [
        ("sibling unit", &power),
        ("class staff", &staff),
        ("class manager", &manager),
        ("parent", &parent),
        ("sibling city", &other),
        ("sibling unit of that city", &steel),
    ] {
        let path = format!("/api/v1/classes/{class}/budget");
        let (status, body) = app.get(&path, token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} reads: {body}");
        let (status, _) = put_budget(&app, &class, token, plan(0, None)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} plans");
    }
    assert_eq!(budget(&app, &class, &hosp).await, kept);
}

both!(
    a_unit_books_its_ledger_and_reverses_a_mistake_by_a_counter_entry,
    booking
);
async fn booking(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [hosp, city, dongcheng, power, staff, other] = tokens(
        &app,
        [
            "hospital_admin",
            "city_admin",
            "dongcheng_admin",
            "power_admin",
            "class_staff",
            "linjiang_admin",
        ],
    )
    .await;
    let pid = summer(&app, &hosp, 2026).await;
    let class = class_id(&app, &hosp, &pid, HOSPITAL_2026).await;
    let path = format!("/api/v1/classes/{class}/ledger");

    let (status, got) = book(
        &app,
        &class,
        &hosp,
        entry("unit_admin", None, 1_234_567, "2026-07-06"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{got}");
    assert_eq!(
        (
            fen(&got["amount_fen"]),
            &got["reverses"],
            &got["reversed_by"]
        ),
        (1_234_567, &Value::Null, &Value::Null)
    );
    // Union money does not buy the children's accident insurance; the unit's own money may.
    for union in [
        "grassroots_union",
        "county_union",
        "city_union",
        "province_union",
    ] {
        let (status, e) = book(
            &app,
            &class,
            &hosp,
            entry(union, Some("insurance"), 70_000, "2026-07-06"),
        )
        .await;
        assert_eq!(
            (status, error_fields(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["source".to_string()]),
            "{union}: {e}"
        );
    }
    let insured = entry("unit_admin", Some("insurance"), 70_000, "2026-07-06");
    assert_eq!(
        book(&app, &class, &hosp, insured).await.0,
        StatusCode::CREATED
    );
    let (_, food) = book(
        &app,
        &class,
        &hosp,
        entry("parent_fees", Some("food"), 33_333, "2026-07-10"),
    )
    .await;
    let pay = entry(
        "grassroots_union",
        Some("allowances"),
        500_001,
        "2026-07-31",
    );
    assert_eq!(book(&app, &class, &hosp, pay).await.0, StatusCode::CREATED);

    // Each field wrong is named.
    let tomorrow = (tuoguan::calendar::today() + chrono::Days::new(1)).to_string();
    for (body, field) in [
        (entry("unit_admin", None, 100, &tomorrow), "occurred_on"),
        (entry("unit_admin", None, 100, "2026-13-01"), "occurred_on"),
        (entry("unit_admin", None, 0, "2026-07-06"), "amount_fen"),
        (entry("unit_admin", None, -5, "2026-07-06"), "amount_fen"),
        (
            json!({"direction": "payment", "source": "unit_admin", "amount_fen": 100, "occurred_on": "2026-07-06"}),
            "category",
        ),
        (
            json!({"direction": "receipt", "source": "unit_admin", "category": "food", "amount_fen": 100, "occurred_on": "2026-07-06"}),
            "category",
        ),
    ] {
        let (status, e) = book(&app, &class, &hosp, body.clone()).await;
        assert_eq!(
            (status, error_fields(&e)),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![field.to_string()]),
            "{body}: {e}"
        );
    }

    // The same key twice writes once and answers the same entry; another entry under it is refused.
    let count = ledger(&app, &class, &hosp).await.len();
    let gift = entry("donations", None, 88_800, "2026-07-12");
    let (s1, first) = post_keyed(&app, &path, &hosp, "gift-0712", gift.clone()).await;
    let (s2, second) = post_keyed(&app, &path, &hosp, "gift-0712", gift).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(ledger(&app, &class, &hosp).await.len(), count + 1);
    let other_gift = entry("donations", None, 1, "2026-07-12");
    let (status, _) = post_keyed(&app, &path, &hosp, "gift-0712", other_gift).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ledger(&app, &class, &hosp).await.len(), count + 1);

    // A mistake is reversed by a counter-entry, once; the counter-entry is never reversed.
    let wrong = food["id"].as_str().unwrap();
    let reverse = |id: &str| format!("/api/v1/ledger-entries/{id}/reverse");
    let reason = json!({"reason": "金额录错"});
    let (status, e) = app
        .post(&reverse(wrong), &hosp, json!({"reason": " "}))
        .await;
    assert_eq!(
        (status, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
    );
    assert_eq!(
        app.post(&reverse(wrong), &city, reason.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    for token in [&power, &other, &staff] {
        assert_eq!(
            app.post(&reverse(wrong), token, reason.clone()).await.0,
            StatusCode::NOT_FOUND
        );
    }
    let (status, counter) = app.post(&reverse(wrong), &hosp, reason.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{counter}");
    assert_eq!(
        (
            fen(&counter["amount_fen"]),
            counter["reverses"].as_str(),
            &counter["direction"],
            &counter["source"],
            &counter["category"],
            &counter["summary"]
        ),
        (
            -33_333,
            Some(wrong),
            &json!("payment"),
            &json!("parent_fees"),
            &json!("food"),
            &json!("金额录错")
        )
    );
    assert_eq!(
        counter["occurred_on"],
        tuoguan::calendar::today().to_string()
    );
    let (status, _) = app.post(&reverse(wrong), &hosp, reason.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "a second reversal");
    let cid = counter["id"].as_str().unwrap();
    let (status, _) = app.post(&reverse(cid), &hosp, reason.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "reversing a reversal");

    // The budget is its ledger, to the fen: 1,234,567 + 88,800 in, 70,000 + 500,001 out.
    let entries = ledger(&app, &class, &hosp).await;
    let original = entries.iter().find(|e| e["id"] == wrong).unwrap();
    assert_eq!(original["reversed_by"], counter["id"]);
    let b = budget(&app, &class, &hosp).await;
    assert_eq!(
        [&b["received_fen"], &b["spent_fen"]].map(fen),
        [1_234_567 + 88_800, 70_000 + 500_001]
    );
    assert_budget_is_its_ledger(&b, &entries);
    assert_eq!(fen(&line(&b["categories"], "food")["spent_fen"]), 0);
    let (_, f) = app
        .get(&format!("/api/v1/programmes/{pid}/funds"), &dongcheng)
        .await;
    assert_eq!(
        [&f["received_fen"], &f["spent_fen"]].map(fen),
        [1_234_567 + 88_800, 70_000 + 500_001],
        "kept up the tree: {f}"
    );

    // Only the unit books; the district reads; the others see no ledger.
    let receipt = entry("unit_admin", None, 1, "2026-07-06");
    assert_eq!(
        book(&app, &class, &city, receipt.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(ledger(&app, &class, &dongcheng).await.len(), entries.len());
    for token in [&power, &staff, &other] {
        assert_eq!(app.get(&path, token).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            book(&app, &class, token, receipt.clone()).await.0,
            StatusCode::NOT_FOUND
        );
    }
    // A class not yet approved books nothing.
    let draft_body = crate::classes::class(&pid, "账务测试草稿班", |_| {});
    let draft = crate::classes::register_bare(&app, &hosp, draft_body).await;
    let (status, e) = book(&app, &draft, &hosp, receipt).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");

    // Once the programme lets union money insure the children, the same payment is booked.
    let sql = "SELECT rules FROM programmes WHERE id = $1";
    let rules: String =
        tuoguan::on_db!(&app.state.db, c => sqlx::query_scalar(sql).bind(&pid).fetch_one(c).await)
            .unwrap();
    let mut rules: Value = serde_json::from_str(&rules).unwrap();
    rules["union_funds_may_pay_insurance"] = json!(true);
    let sql = "UPDATE programmes SET rules = $1 WHERE id = $2";
    tuoguan::on_db!(&app.state.db, c => sqlx::query(sql).bind(rules.to_string()).bind(&pid).execute(c).await.map(|_| ())).unwrap();
    let union_pays = entry("grassroots_union", Some("insurance"), 70_000, "2026-07-06");
    let (status, e) = book(&app, &class, &hosp, union_pays).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_kept_figures_recount(&app).await;
}

/// Uploads `bytes` named `name` as the entry's receipt.
async fn attach(
    app: &TestApp,
    entry: &str,
    token: &str,
    bytes: &[u8],
    name: &str,
) -> (StatusCode, Value) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let res = app
        .http
        .post(app.url(&format!("/api/v1/ledger-entries/{entry}/receipt")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A PNG's bytes (its signature is what makes it one).
pub(crate) fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend(std::iter::repeat_n(7u8, 300));
    b
}

both!(
    a_receipt_is_filed_by_its_bytes_once_and_read_by_those_who_read_the_money,
    receipts
);
async fn receipts(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [hosp, city, power, staff, other, steel] = tokens(
        &app,
        [
            "hospital_admin",
            "city_admin",
            "power_admin",
            "class_staff",
            "linjiang_admin",
            "steel_admin",
        ],
    )
    .await;
    let pid = summer(&app, &hosp, 2026).await;
    let class = class_id(&app, &hosp, &pid, HOSPITAL_2026).await;
    let (_, paid) = book(
        &app,
        &class,
        &hosp,
        entry("unit_admin", Some("materials"), 45_600, "2026-07-08"),
    )
    .await;
    let (_, bought) = book(
        &app,
        &class,
        &hosp,
        entry("unit_admin", Some("food"), 12_300, "2026-07-09"),
    )
    .await;
    let (paid, bought) = (paid["id"].as_str().unwrap(), bought["id"].as_str().unwrap());
    let image = png();

    // A text file calling itself a PDF is refused by its bytes; so is a PNG named as a PDF.
    let (status, e) = attach(&app, paid, &hosp, b"just some words", "receipt.pdf").await;
    assert_eq!(
        (status, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["file".to_string()]),
        "{e}"
    );
    let (status, _) = attach(&app, paid, &hosp, &image, "receipt.pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Only the unit files it; the sibling unit and city cannot even find the entry.
    assert_eq!(
        attach(&app, paid, &city, &image, "发票.png").await.0,
        StatusCode::FORBIDDEN
    );
    for token in [&power, &other, &steel, &staff] {
        assert_eq!(
            attach(&app, paid, token, &image, "发票.png").await.0,
            StatusCode::NOT_FOUND
        );
    }
    let (status, filed) = attach(&app, paid, &hosp, &image, "发票.png").await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(
        (
            &filed["receipt"]["content_type"],
            fen(&filed["receipt"]["size"])
        ),
        (&json!("image/png"), image.len() as i64)
    );
    let (status, _) = attach(&app, paid, &hosp, &image, "发票2.png").await;
    assert_eq!(status, StatusCode::CONFLICT, "one receipt per entry");
    let pdf = b"%PDF-1.4 receipt".to_vec();
    assert_eq!(
        attach(&app, bought, &hosp, &pdf, "小票.pdf").await.0,
        StatusCode::OK
    );

    // Downloaded as it was filed, by the unit and the federation; by nobody else.
    let download = |token: &str| {
        app.http
            .get(app.url(&format!("/api/v1/ledger-entries/{paid}/receipt")))
            .bearer_auth(token.to_string())
            .send()
    };
    for token in [&hosp, &city] {
        let res = download(token).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/png");
        assert_eq!(res.bytes().await.unwrap().to_vec(), image);
    }
    for token in [&power, &other, &steel, &staff] {
        assert_eq!(
            download(token).await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
    }
    let entries = ledger(&app, &class, &hosp).await;
    let types: Vec<&Value> = entries
        .iter()
        .map(|e| &e["receipt"]["content_type"])
        .collect();
    assert_eq!(types, [&json!("image/png"), &json!("application/pdf")]);
    assert_eq!(app.audit("ledger.receipt").await.len(), 2);
}
