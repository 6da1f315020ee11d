//! Children and families helped (issue 16): computed from enrolments, never double counted, kept
//! equal to a from-scratch recount through enrolments, a second class, a sibling, a move of a unit
//! to another district and a withdrawal.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::classes::{class, register, step};
use crate::enrolment::{apply, approved_class, child, id_number, parent, programme_2027};
use crate::support::{Backend, TestApp};
use crate::tallies::assert_tallies_match;

/// A class of the unit of `token` in programme `pid` from `start` to `end`, approved by the city.
async fn approved(
    app: &TestApp,
    token: &str,
    pid: &str,
    name: &str,
    start: &str,
    end: &str,
) -> String {
    let city = app.token("city_admin").await;
    let body = class(pid, name, |v| {
        v["start_date"] = json!(start);
        v["end_date"] = json!(end);
    });
    let id = register(app, token, body).await;
    assert_eq!(step(app, token, &id, "submit", "").await.0, StatusCode::OK);
    assert_eq!(step(app, &city, &id, "approve", "").await.0, StatusCode::OK);
    id
}

/// Applies, then accepts, signs and insures: the child is enrolled.
async fn enrol(app: &TestApp, unit: &str, me: &str, child_id: &str, class_id: &str) -> String {
    let a = apply(app, me, child_id, class_id).await;
    complete(app, unit, me, &a).await;
    a
}

/// Accepts, signs and insures application `a`.
async fn complete(app: &TestApp, unit: &str, me: &str, a: &str) {
    let path = format!("/api/v1/applications/{a}/decision");
    let (status, v) = app
        .post(&path, unit, json!({"decision": "accept", "reason": ""}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let path = format!("/api/v1/applications/{a}/agreement");
    let (status, v) = app.post(&path, me, json!({"version": "2026-1"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let path = format!("/api/v1/applications/{a}/insurance");
    let body = json!({"insurer": "中国人寿", "policy_no": "P2027-001", "valid_from": "2027-07-01",
                      "valid_to": "2027-08-31", "payer": "guardian"});
    let (status, v) = app
        .call(reqwest::Method::PUT, &path, Some(me), Some(body))
        .await;
    assert_eq!(
        (status, v["status"].as_str()),
        (StatusCode::OK, Some("enrolled")),
        "{v}"
    );
}

async fn add_child(app: &TestApp, me: &str, name: &str, serial: u32) -> String {
    let id = id_number("20170308", serial);
    let (status, c) = app
        .post("/api/v1/children", me, child(name, Some(&id)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

/// The city's dashboard: (totals, rows by name) as (children, families).
async fn figures(app: &TestApp, pid: &str) -> (Value, Vec<(String, i64, i64)>) {
    let city = app.token("city_admin").await;
    let root = app.org_id("示例市总工会").await;
    let (status, d) = app
        .get(
            &format!("/api/v1/orgs/{root}/dashboard?programme_id={pid}"),
            &city,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let rows: Vec<(String, i64, i64)> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["children"].as_i64().unwrap(),
                r["families"].as_i64().unwrap(),
            )
        })
        .collect();
    // The rows add up to the total, and the headline is the total.
    let sum = |f: fn(&(String, i64, i64)) -> i64| rows.iter().map(f).sum::<i64>();
    assert_eq!(Some(sum(|r| r.1)), d["totals"]["children"].as_i64(), "{d}");
    assert_eq!(Some(sum(|r| r.2)), d["totals"]["families"].as_i64(), "{d}");
    assert_eq!(d["families"], d["totals"]["families"]);
    (d["totals"].clone(), rows)
}

fn of(rows: &[(String, i64, i64)], name: &str) -> (i64, i64) {
    rows.iter()
        .find(|r| r.0 == name)
        .map(|r| (r.1, r.2))
        .unwrap_or_else(|| panic!("no row {name}"))
}

both!(
    children_and_families_are_counted_once_each_and_equal_a_recount,
    counted_once
);
async fn counted_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let hospital = app.token("hospital_admin").await;
    let power = app.token("power_admin").await;
    let city = app.token("city_admin").await;
    let pid = programme_2027(&app).await;
    let (totals, _) = figures(&app, &pid).await;
    assert_eq!(
        (totals["children"].as_i64(), totals["families"].as_i64()),
        (Some(0), Some(0))
    );

    let first = approved_class(&app, "医院暑期托管班（一期）", 20).await;
    // The second term starts after the first has ended: one child may hold a place in both.
    let second = approved(
        &app,
        &hospital,
        &pid,
        "医院暑期托管班（二期）",
        "2027-08-16",
        "2027-08-27",
    )
    .await;
    let theirs = approved(
        &app,
        &power,
        &pid,
        "供电公司暑期托管班",
        "2027-07-05",
        "2027-08-13",
    )
    .await;

    // One parent, two children; the elder in both of the hospital's classes.
    let me = parent(&app, "13612345678").await;
    let elder = add_child(&app, &me, "林小雨", 1).await;
    let younger = add_child(&app, &me, "林小雪", 2).await;
    let applied = apply(&app, &me, &younger, &theirs).await;
    let (t, rows) = figures(&app, &pid).await;
    assert_eq!(
        t["children"].as_i64(),
        Some(0),
        "an application alone helps nobody yet"
    );
    assert_eq!(of(&rows, "东城区总工会"), (0, 0));

    let elder_first = enrol(&app, &hospital, &me, &elder, &first).await;
    enrol(&app, &hospital, &me, &elder, &second).await;
    let (t, _) = figures(&app, &pid).await;
    assert_eq!(
        (t["children"].as_i64(), t["families"].as_i64()),
        (Some(1), Some(1))
    );
    assert_tallies_match(&app, "one child in two classes").await;

    // The sibling in the power company's class: a second child, the same family.
    complete(&app, &power, &me, &applied).await;
    let (t, rows) = figures(&app, &pid).await;
    assert_eq!(
        (t["children"].as_i64(), t["families"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(of(&rows, "东城区总工会"), (2, 1));
    assert_tallies_match(&app, "a sibling in another unit's class").await;

    // The power company's union moves to 西湖区 with its class: the younger child goes with it,
    // and so does the family, whose first application (the younger's, made before the elder's)
    // is there.
    let unit = app.org_id("国网示例市东城供电公司工会").await;
    let west = app.org_id("西湖区总工会").await;
    let (status, v) = app
        .patch(
            &format!("/api/v1/orgs/{unit}"),
            &city,
            json!({"parent_id": west}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (t, rows) = figures(&app, &pid).await;
    assert_eq!(
        (t["children"].as_i64(), t["families"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(of(&rows, "东城区总工会"), (1, 0));
    assert_eq!(of(&rows, "西湖区总工会"), (1, 1));
    assert_tallies_match(&app, "a move").await;

    // Another family in the power company's class.
    let other = parent(&app, "13712345678").await;
    let third = add_child(&app, &other, "王小明", 3).await;
    enrol(&app, &power, &other, &third, &theirs).await;
    let (t, rows) = figures(&app, &pid).await;
    assert_eq!(
        (t["children"].as_i64(), t["families"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(of(&rows, "西湖区总工会"), (2, 2));
    assert_tallies_match(&app, "a second family").await;

    // The elder leaves the first class after enrolment: still a child the programme helped,
    // still counted where it first applied.
    let path = format!("/api/v1/applications/{elder_first}/decision");
    let (status, v) = app
        .post(
            &path,
            &me,
            json!({"decision": "withdraw", "reason": "家中有事"}),
        )
        .await;
    assert_eq!(
        (status, v["status"].as_str()),
        (StatusCode::OK, Some("withdrawn")),
        "{v}"
    );
    let (t2, rows2) = figures(&app, &pid).await;
    assert_eq!((t2, rows2), (t, rows));
    assert_tallies_match(&app, "a withdrawal after enrolment").await;
}
