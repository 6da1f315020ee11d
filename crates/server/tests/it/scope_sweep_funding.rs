//! The scope sweep's money targets (issue 18): the hospital's running class planned and booked
//! (a receipt with its file), a subsidy rule of 示例市 approved in a batch and paid — for siblings
//! to aim at, through the API and the pages — and the check that none of it changed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::scope_sweep::Targets;
use crate::support::TestApp;

/// A voucher number of the targets' entry: never in an answer to a sibling.
pub(crate) const VOUCHER: &str = "示例市凭证-0706";

/// Money of 示例市 the sweep aims at.
pub(crate) struct Money {
    /// A receipt booked in the target class, with a receipt file.
    pub(crate) entry: String,
    /// The city's subsidy rule of the programme, its batch (approved and paid).
    pub(crate) rule: String,
    pub(crate) batch: String,
}

impl Money {
    pub(crate) fn placeholder() -> Money {
        Money {
            entry: "x".into(),
            rule: "x".into(),
            batch: "x".into(),
        }
    }
}

/// The plan the target class keeps.
fn plan() -> Value {
    json!({"fee_fen": 20_000, "sources": [{"source": "unit_admin", "planned_fen": 1_500_000}],
        "categories": [{"category": "food", "planned_fen": 1_200_000}]})
}

/// Plans and books the class (its unit), writes, approves and pays a rule (the city).
pub(crate) async fn money_of(app: &TestApp, programme: &str, class: &str) -> Money {
    let hospital = app.token("hospital_admin").await;
    let path = format!("/api/v1/classes/{class}/budget");
    let (status, b) = app
        .call(reqwest::Method::PUT, &path, Some(&hospital), Some(plan()))
        .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    let receipt = json!({"direction": "receipt", "source": "unit_admin", "amount_fen": 1_500_000,
        "occurred_on": "2026-07-06", "counterparty": "示例市第一人民医院", "voucher_no": VOUCHER, "summary": "拨付"});
    let path = format!("/api/v1/classes/{class}/ledger");
    let (status, e) = app.post(&path, &hospital, receipt).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let entry = e["id"].as_str().unwrap().to_string();
    let file = reqwest::multipart::Part::bytes(b"%PDF-1.4 receipt".to_vec()).file_name("收据.pdf");
    let res = app
        .http
        .post(app.url(&format!("/api/v1/ledger-entries/{entry}/receipt")))
        .bearer_auth(&hospital)
        .multipart(reqwest::multipart::Form::new().part("file", file))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let city = app.token("city_admin").await;
    let rule =
        json!({"name": "示例市达标补助", "terms": {"kind": "criteria", "amount_fen": 100_000}});
    let path = format!("/api/v1/programmes/{programme}/subsidy-rules");
    let (status, r) = app.post(&path, &city, rule).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let rule = r["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/subsidy-rules/{rule}/batches");
    let (status, b) = app.post(&path, &city, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let batch = b["id"].as_str().unwrap().to_string();
    let pay = json!({"paid_on": "2026-09-01", "voucher_no": "示例市工财-0901"});
    let path = format!("/api/v1/subsidy-batches/{batch}/payments");
    let (status, p) = app.post(&path, &city, pay).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    Money { entry, rule, batch }
}

/// The money target an API path names, if it names one.
pub(crate) fn id_for<'a>(path: &str, m: &'a Money) -> Option<&'a String> {
    if path.starts_with("/api/v1/ledger-entries") {
        Some(&m.entry)
    } else if path.starts_with("/api/v1/subsidy-rules") {
        Some(&m.rule)
    } else if path.starts_with("/api/v1/subsidy-batches") {
        Some(&m.batch)
    } else {
        None
    }
}

/// The query the sweep adds to a money path (an area or a class of 示例市).
pub(crate) fn query(path: &str, t: &Targets) -> Option<String> {
    match path {
        "/api/v1/programmes/{id}/funds" => Some(format!("?org_id={}", t.org)),
        "/api/v1/programmes/{id}/ledger.xlsx" => Some(format!("?class_id={}", t.class)),
        _ => None,
    }
}

/// A plausible body for each money operation.
pub(crate) fn body_for(path: &str, method: &str) -> Option<Value> {
    let rule = json!({"name": "被改", "terms": {"kind": "criteria", "amount_fen": 1}});
    Some(match (method, path) {
        ("put", "/api/v1/classes/{id}/budget") => {
            json!({"fee_fen": 1, "sources": [{"source": "donations", "planned_fen": 1}]})
        }
        ("post", "/api/v1/classes/{id}/ledger") => {
            json!({"direction": "receipt", "source": "unit_admin", "amount_fen": 1, "occurred_on": "2026-07-06"})
        }
        ("post", "/api/v1/ledger-entries/{id}/reverse") => json!({"reason": "x"}),
        ("post", "/api/v1/programmes/{id}/subsidy-rules")
        | ("put", "/api/v1/subsidy-rules/{id}") => rule,
        ("post", "/api/v1/subsidy-rules/{id}/batches") => json!({}),
        ("post", "/api/v1/subsidy-batches/{id}/payments") => {
            json!({"paid_on": "2026-09-02", "voucher_no": "x"})
        }
        _ => return None,
    })
}

/// Every money page and download that shows an object.
pub(crate) fn page_gets(t: &Targets) -> Vec<String> {
    let (p, c, m) = (&t.programme, &t.class, &t.money);
    vec![
        format!("/classes/{c}/money"),
        format!("/ledger-entries/{}/receipt", m.entry),
        format!("/programmes/{p}/money"),
        format!("/programmes/{p}/money?org_id={}", t.org),
        format!("/programmes/{p}/ledger.xlsx"),
        format!("/programmes/{p}/ledger.xlsx?class_id={c}"),
        format!("/subsidy-rules/{}", m.rule),
        format!("/subsidy-batches/{}", m.batch),
    ]
}

/// Every state-changing money form, with plausible fields.
pub(crate) fn page_posts(t: &Targets) -> Vec<(String, Vec<(&'static str, String)>)> {
    let (p, c, m) = (&t.programme, &t.class, &t.money);
    vec![
        (
            format!("/classes/{c}/money/plan"),
            vec![("fee", "1".into()), ("src_donations", "1".into())],
        ),
        (
            format!("/ledger-entries/{}/reverse", m.entry),
            vec![("reason", "x".into())],
        ),
        (
            format!("/programmes/{p}/subsidy-rules"),
            vec![
                ("name", "x".into()),
                ("kind", "criteria".into()),
                ("amount", "1".into()),
            ],
        ),
        (
            format!("/subsidy-rules/{}/batches", m.rule),
            vec![("expected_total_fen", String::new())],
        ),
        (
            format!("/subsidy-batches/{}/payments", m.batch),
            vec![("paid_on", "2026-09-02".into()), ("voucher_no", "x".into())],
        ),
    ]
}

/// The money upload forms (an entry booked with its receipt).
pub(crate) fn page_uploads(t: &Targets) -> Vec<String> {
    vec![format!("/classes/{}/money/entries", t.class)]
}

/// Nothing of the targets' money changed: the plan, the ledger, the rule and its batch.
pub(crate) async fn assert_unchanged(app: &TestApp, t: &Targets) {
    let city = app.token("city_admin").await;
    let b = crate::funding::budget(app, &t.class, &city).await;
    let donations = crate::funding::line(&b["sources"], "donations");
    assert_eq!(
        (
            &b["fee"]["fee_fen"],
            &b["planned_income_fen"],
            &donations["planned_fen"]
        ),
        (&json!(20_000), &json!(1_500_000), &json!(0)),
        "the plan untouched"
    );
    let entries = crate::funding::ledger(app, &t.class, &city).await;
    assert_eq!(entries.len(), 2, "the receipt and the subsidy: {entries:?}");
    assert!(entries.iter().all(|e| e["reversed_by"].is_null()));
    let (_, rules) = app
        .get(
            &format!("/api/v1/programmes/{}/subsidy-rules", t.programme),
            &city,
        )
        .await;
    assert_eq!(rules.as_array().unwrap().len(), 1, "{rules}");
    assert_eq!(
        (&rules[0]["name"], &rules[0]["batches"]),
        (&json!("示例市达标补助"), &json!(1))
    );
    let (_, batch) = app
        .get(&format!("/api/v1/subsidy-batches/{}", t.money.batch), &city)
        .await;
    assert_eq!(batch["paid_fen"], batch["total_fen"], "paid once: {batch}");
    for action in ["subsidy.rule_edit", "ledger.reverse"] {
        assert!(app.audit(action).await.is_empty(), "{action}");
    }
    assert_eq!(app.audit("subsidy.pay").await.len(), 1);
    assert_eq!(app.audit("ledger.receipt").await.len(), 1);
}
