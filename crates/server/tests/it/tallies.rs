//! The dashboard's pre-aggregated figures (issue 6) equal a from-scratch recount after every kind
//! of write that moves them: the demo's whole history, a new class and its steps, a unit moved to
//! another district with its classes (and its money), a new unit, and a unit deactivated.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::classes::{class, register, step};
use crate::programmes::demo_programme;
use crate::support::{Backend, TestApp};

/// Fails with the first difference when the stored tallies are not what a recount gives.
pub async fn assert_tallies_match(app: &TestApp, when: &str) {
    let db = &app.state.db;
    let stored = tuoguan::dashboard::tallies::stored(db).await.unwrap();
    let recounted = tuoguan::dashboard::tallies::recounted(db).await.unwrap();
    assert_eq!(stored.0, recounted.0, "units after {when}");
    assert_eq!(stored.1, recounted.1, "classes after {when}");
    assert_eq!(stored.2, recounted.2, "reports done after {when}");
    assert!(!recounted.1.is_empty(), "the demo has classes");
    let drift = tuoguan::dashboard::days::drift(db).await.unwrap();
    assert!(
        drift.is_empty(),
        "child-days by day after {when}: {drift:#?}"
    );
    // Money by source and category per subtree (issue 18): the demo's hospital class has a plan,
    // a ledger and a subsidy, and moves with its union.
    let funds = tuoguan::dashboard::funds::drift(db).await.unwrap();
    assert!(funds.is_empty(), "funds after {when}: {funds:#?}");
}

async fn row(app: &TestApp, token: &str, root: &str, pid: &str, name: &str) -> Value {
    let (status, d) = app
        .get(
            &format!("/api/v1/orgs/{root}/dashboard?programme_id={pid}"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no row {name} in {d}"))
}

both!(
    dashboard_tallies_equal_a_recount_after_every_write,
    tallies_follow_writes
);
async fn tallies_follow_writes(b: Backend) {
    let app = TestApp::spawn(b).await;
    assert_tallies_match(&app, "the demo").await;
    let city = app.token("city_admin").await;
    let p = demo_programme(&app, &city).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let root = app.org_id("示例市总工会").await;

    // A new class and its steps.
    let unit = app.token("hospital_admin").await;
    let id = register(&app, &unit, class(&pid, "医院职工子女第二托管班", |_| {})).await;
    assert_tallies_match(&app, "a new draft").await;
    let before = row(&app, &city, &root, &pid, "东城区总工会").await;
    assert_eq!(step(&app, &unit, &id, "submit", "").await.0, StatusCode::OK);
    let after = row(&app, &city, &root, &pid, "东城区总工会").await;
    assert_eq!(
        after["classes"][1].as_i64().unwrap(),
        before["classes"][1].as_i64().unwrap() + 1,
        "one more submitted: {before} → {after}"
    );
    assert_tallies_match(&app, "a submission").await;

    // The hospital's union moves to another district with its classes.
    let hospital = app.org_id("示例市第一人民医院工会").await;
    let west = app.org_id("西湖区总工会").await;
    let west_before = row(&app, &city, &root, &pid, "西湖区总工会").await;
    let (status, moved) = app
        .patch(
            &format!("/api/v1/orgs/{hospital}"),
            &city,
            json!({"parent_id": west}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_tallies_match(&app, "a move").await;
    let east = row(&app, &city, &root, &pid, "东城区总工会").await;
    let west_after = row(&app, &city, &root, &pid, "西湖区总工会").await;
    assert_eq!(
        east["units"].as_i64(),
        Some(after["units"].as_i64().unwrap() - 1)
    );
    assert_eq!(
        west_after["units"].as_i64(),
        Some(west_before["units"].as_i64().unwrap() + 1)
    );
    assert_eq!(
        east["participating_units"].as_i64(),
        Some(after["participating_units"].as_i64().unwrap() - 1)
    );

    // A new unit, then deactivated.
    let (status, org) = app
        .post(
            "/api/v1/orgs",
            &city,
            json!({"parent_id": west, "name": "西湖区新建工会", "kind": "grassroots", "unit_type": "employer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_tallies_match(&app, "a new unit").await;
    let new_id = org["id"].as_str().unwrap();
    let (status, _) = app
        .patch(
            &format!("/api/v1/orgs/{new_id}"),
            &city,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_tallies_match(&app, "a deactivation").await;
    let west_last = row(&app, &city, &root, &pid, "西湖区总工会").await;
    assert_eq!(west_last["units"], west_after["units"]);
}
