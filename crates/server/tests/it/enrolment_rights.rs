//! A guardian's rights over their child's data (download, correct, delete) and the retention
//! job: the child's data goes, the unit's counts stay.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::classes::step;
use crate::enrolment::{Accepted, accepted, child, id_number};
use crate::support::{Backend, TestApp};

/// The class's application `id` as the unit lists it, and the whole list.
async fn class_row(app: &TestApp, unit: &str, class: &str, id: &str) -> (Value, Value) {
    let (_, list) = app
        .get(&format!("/api/v1/classes/{class}/applications"), unit)
        .await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
        .clone();
    (row, list)
}

both!(
    a_guardian_downloads_corrects_and_deletes_and_the_counts_stay,
    rights
);
async fn rights(b: Backend) {
    let app = TestApp::spawn(b).await;
    let id = id_number("20170308", 7);
    let Accepted {
        unit,
        me,
        class_id,
        child_id,
        application: a,
    } = accepted(&app, "权利班", &id).await;
    let (status, data) = app
        .get(&format!("/api/v1/children/{child_id}/export"), &me)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (data["id_number"].as_str(), data["health_notes"].as_str()),
        (Some(id.as_str()), Some("青霉素过敏"))
    );
    assert_eq!(app.audit("child.export").await.len(), 1);
    let mut fix = child("林晓雨", Some(&id));
    fix["school"] = json!("示例市第二小学");
    let (status, v) = app
        .patch(&format!("/api/v1/children/{child_id}"), &me, fix)
        .await;
    assert_eq!(
        (status, v["name"].as_str(), v["school"].as_str()),
        (StatusCode::OK, Some("林晓雨"), Some("示例市第二小学"))
    );
    let (status, _) = app
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/children/{child_id}"),
            Some(&me),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/children", &me).await.1, json!([]));
    let (status, _) = app.get(&format!("/api/v1/children/{child_id}"), &me).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The unit still counts the application, without the child's data.
    let (row, list) = class_row(&app, &unit, &class_id, &a).await;
    assert_eq!(
        (row["child_name"].as_str(), row["status"].as_str()),
        (Some("已删除"), Some("withdrawn"))
    );
    assert!(!list.to_string().contains(&id[14..]));
    let (_, seen) = app
        .get(&format!("/api/v1/children/{child_id}"), &unit)
        .await;
    assert_eq!(
        (seen["anonymised"].as_bool(), seen["health_notes"].clone()),
        (Some(true), Value::Null)
    );
}

both!(
    children_of_classes_closed_past_retention_are_anonymised,
    retention
);
async fn retention(b: Backend) {
    let app = TestApp::spawn(b).await;
    let Accepted {
        unit,
        me,
        class_id,
        child_id,
        application: a,
    } = accepted(&app, "留存班", &id_number("20170308", 8)).await;
    for s in ["start", "close"] {
        assert_eq!(step(&app, &unit, &class_id, s, "").await.0, StatusCode::OK);
    }
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // Within the period (365 days after 2027-08-13 by default) nothing happens …
    tuoguan::enrolment::retention::run(&app.state, day("2028-08-01"))
        .await
        .unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/children/{child_id}"), &me)
            .await
            .1["name"],
        "林小雨"
    );
    // … after it, the child's data is gone and the application still counts.
    let n = tuoguan::enrolment::retention::run(&app.state, day("2028-08-20"))
        .await
        .unwrap();
    assert!(n >= 1);
    let (row, _) = class_row(&app, &unit, &class_id, &a).await;
    assert_eq!(
        (row["child_name"].as_str(), row["status"].as_str()),
        (Some("已删除"), Some("accepted"))
    );
    assert!(!app.audit("child.retention").await.is_empty());
}
