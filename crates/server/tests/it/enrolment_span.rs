//! The enrolment span (在托起始日, issue 15 point 10): an enrolment records the day from which the
//! child attends — the class's start when entered on or before the first day, else the day of
//! entry — and the unit moves it (API and form) so a roster entered late catches up on the days
//! attended on paper. The roll, corrections and the rate follow it; days before it stay closed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::attendance::{check_in, hospital_class, roll, tap};
use crate::both;
use crate::enrolment::{accepted, id_number};
use crate::roster_import::{csv, good, upload};
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp, error_fields};

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string()
}

async fn put_from(app: &TestApp, token: &str, application: &str, day: &str) -> (StatusCode, Value) {
    app.call(
        Method::PUT,
        &format!("/api/v1/applications/{application}/attends-from"),
        Some(token),
        Some(json!({ "attends_from": day })),
    )
    .await
}

/// A child of the roster file entered into the (ended) summer class of the hospital now, its
/// paperwork recorded by the unit from paper: (class, application id, child id).
async fn entered_late(app: &TestApp, unit: &str) -> (String, String, String) {
    let class = hospital_class(app).await;
    let (status, r) = upload(app, unit, &class, "r.csv", csv(&[good(7)]).into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let (_, list) = app
        .get(&format!("/api/v1/classes/{class}/applications"), unit)
        .await;
    let a = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["child_name"] == "测试7")
        .unwrap()
        .clone();
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["attends_from"], Value::Null, "not enrolled yet");
    let path = format!("/api/v1/applications/{id}/agreement");
    let (s, _) = app.post(&path, unit, json!({"version": "2026-1"})).await;
    assert_eq!(s, StatusCode::OK);
    let insurance = json!({"insurer": "中国人寿", "policy_no": "P-7", "valid_from": "2026-07-01", "valid_to": "2026-08-31", "payer": "guardian"});
    let path = format!("/api/v1/applications/{id}/insurance");
    let (s, v) = app
        .call(Method::PUT, &path, Some(unit), Some(insurance))
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("enrolled")),
        "{v}"
    );
    let child = a["child_id"].as_str().unwrap().to_string();
    (class, id, child)
}

both!(
    a_roster_entered_late_catches_up_from_the_day_the_unit_sets,
    late_roster
);
async fn late_roster(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let staff = app.token("class_staff").await;
    let (class, a, child) = entered_late(&app, &unit).await;
    // Entered after the class began: from the day of entry, so no day of the (past) class yet.
    let (_, v) = app.get(&format!("/api/v1/applications/{a}"), &unit).await;
    assert_eq!(v["attends_from"], today(), "{v}");
    let on_roll = |r: &Value| {
        r["children"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["child_id"] == child.as_str())
    };
    assert!(!on_roll(&roll(&app, &staff, &class, "2026-07-20").await));
    let (s, e) = tap(
        &app,
        &staff,
        &class,
        None,
        check_in(&child, "2026-07-20", "08:05"),
    )
    .await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["child_id".to_string()]
        )
    );
    // The unit sets the first day from its paper register: the 20th of July.
    let (s, v) = put_from(&app, &unit, &a, "2026-07-20").await;
    assert_eq!(
        (s, v["attends_from"].as_str()),
        (StatusCode::OK, Some("2026-07-20")),
        "{v}"
    );
    assert_eq!(app.audit("application.attends_from").await.len(), 1);
    // The same day again changes nothing and records nothing.
    let (s, v) = put_from(&app, &unit, &a, "2026-07-20").await;
    assert_eq!(
        (s, v["attends_from"].as_str()),
        (StatusCode::OK, Some("2026-07-20"))
    );
    assert_eq!(app.audit("application.attends_from").await.len(), 1);
    // The roll follows: on from the 20th, not the 17th; the 20th can be recorded as a correction,
    // the 17th cannot.
    assert!(on_roll(&roll(&app, &staff, &class, "2026-07-20").await));
    assert!(!on_roll(&roll(&app, &staff, &class, "2026-07-17").await));
    let (s, t) = tap(
        &app,
        &staff,
        &class,
        None,
        check_in(&child, "2026-07-20", "08:05"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let (s, e) = tap(
        &app,
        &staff,
        &class,
        None,
        check_in(&child, "2026-07-17", "08:05"),
    )
    .await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["child_id".to_string()]
        )
    );
    // The rate: 2026-07-20 … 2026-08-14 is 20 operating days, one of them attended.
    let (s, sum) = app
        .get(
            &format!("/api/v1/classes/{class}/attendance/summary"),
            &unit,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{sum}");
    let mine = sum["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["child_id"] == child.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (
            mine["from"].as_str(),
            mine["expected"].as_u64(),
            mine["present"].as_u64()
        ),
        (Some("2026-07-20"), Some(20), Some(1)),
        "{mine}"
    );
    // Moving the first day past a recorded day would hide it: refused, naming the day.
    let (s, e) = put_from(&app, &unit, &a, "2026-07-27").await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["attends_from".to_string()]
        )
    );
    assert!(e.to_string().contains("2026-07-20"), "{e}");
    // Outside the class's dates, or not a date: 422 on the field.
    for bad in ["2026-07-03", "2026-08-17", "七月二十日"] {
        let (s, e) = put_from(&app, &unit, &a, bad).await;
        assert_eq!(
            (s, error_fields(&e)),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec!["attends_from".to_string()]
            ),
            "{bad}: {e}"
        );
    }
    // Earlier is always possible: from the first day of the class.
    let (s, v) = put_from(&app, &unit, &a, "2026-07-06").await;
    assert_eq!(
        (s, v["attends_from"].as_str()),
        (StatusCode::OK, Some("2026-07-06"))
    );
    // Staff may not, a sibling city's unit does not see it.
    assert_eq!(
        put_from(&app, &staff, &a, "2026-07-08").await.0,
        StatusCode::FORBIDDEN
    );
    let steel = app.token("steel_admin").await;
    assert_eq!(
        put_from(&app, &steel, &a, "2026-07-08").await.0,
        StatusCode::NOT_FOUND
    );
}

both!(
    an_enrolment_before_the_start_counts_from_the_start_and_not_from_a_day_to_come,
    before_start
);
async fn before_start(b: Backend) {
    let app = TestApp::spawn(b).await;
    let x = accepted(&app, "医院第二期托管班", &id_number("20170308", 5)).await;
    // Accepted, not enrolled: nothing to set yet.
    let (s, _) = put_from(&app, &x.unit, &x.application, "2027-07-05").await;
    assert_eq!(s, StatusCode::CONFLICT);
    let path = format!("/api/v1/applications/{}/agreement", x.application);
    assert_eq!(
        app.post(&path, &x.me, json!({"version": "2026-1"})).await.0,
        StatusCode::OK
    );
    let insurance = json!({"insurer": "中国人寿", "policy_no": "P2026-001", "valid_from": "2027-07-01", "valid_to": "2027-08-31", "payer": "guardian"});
    let path = format!("/api/v1/applications/{}/insurance", x.application);
    let (s, v) = app
        .call(Method::PUT, &path, Some(&x.me), Some(insurance))
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("enrolled")),
        "{v}"
    );
    assert_eq!(v["attends_from"], "2027-07-05", "{v}");
    // A day to come is refused (only the class's first day may lie ahead); the first day is
    // accepted again, unchanged.
    let (s, e) = put_from(&app, &x.unit, &x.application, "2027-07-12").await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["attends_from".to_string()]
        ),
        "{e}"
    );
    let (s, v) = put_from(&app, &x.unit, &x.application, "2027-07-05").await;
    assert_eq!(
        (s, v["attends_from"].as_str()),
        (StatusCode::OK, Some("2027-07-05"))
    );
    assert!(app.audit("application.attends_from").await.is_empty());
    // The guardian sees the day but may not move it.
    assert_eq!(
        put_from(&app, &x.me, &x.application, "2027-07-05").await.0,
        StatusCode::FORBIDDEN
    );
}

both!(the_unit_sets_the_first_day_on_the_enrolment_page, form);
async fn form(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let (class, a, _) = entered_late(&app, &unit).await;
    let web = WebSession::login(&app, "hospital_admin").await;
    let page = format!("/applications/{a}");
    let (s, html) = web.get(&page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"attends-from-form\""), "{html}");
    let action = format!("/applications/{a}/attends-from");
    let (s, html) = web
        .post_form(&page, &action, &[("attends_from", "2026-06-30")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"attends-from-error\""), "{html}");
    let (s, _) = web
        .post_form(&page, &action, &[("attends_from", "2026-07-13")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, v) = app.get(&format!("/api/v1/applications/{a}"), &unit).await;
    assert_eq!(v["attends_from"], "2026-07-13");
    // The class's roster shows each child's first day, linked to the form.
    let (_, roster) = web.get(&format!("/classes/{class}/enrolment")).await;
    assert!(
        roster.contains(&format!("/applications/{a}#attends-from\">2026-07-13<")),
        "{roster}"
    );
    // Staff see the day, without the form.
    let staff = WebSession::login(&app, "class_staff").await;
    let (s, html) = staff.get(&page).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !html.contains("attends-from-form") && html.contains("2026-07-13"),
        "{html}"
    );
}

both!(
    the_parents_rate_counts_the_rows_shown_and_the_apply_list_offers_only_new_classes,
    parent_numbers
);
async fn parent_numbers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let me = app.token("parent").await;
    let (_, kids) = app.get("/api/v1/children", &me).await;
    for k in kids.as_array().unwrap() {
        let (s, list) = app
            .get(
                &format!("/api/v1/children/{}/attendance", k["id"].as_str().unwrap()),
                &me,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{list}");
        for c in list.as_array().unwrap() {
            let days = c["days"].as_array().unwrap();
            let present = days.iter().filter(|d| !d["arrived_at"].is_null()).count();
            assert_eq!(c["expected"].as_u64(), Some(days.len() as u64), "{c}");
            assert_eq!(c["present"].as_u64(), Some(present as u64), "{c}");
        }
    }
    // A class open for applications: offered once, to the child not yet in it, nothing pre-selected.
    let open = crate::enrolment::approved_class(&app, "医院第二期托管班", 20).await;
    let first = kids[0]["id"].as_str().unwrap();
    crate::enrolment::apply(&app, &me, first, &open).await;
    let web = WebSession::login(&app, "parent").await;
    let (s, html) = web.get("/children").await;
    assert_eq!(s, StatusCode::OK);
    let offered = html.matches(&format!("<option value=\"{open}\"")).count();
    assert_eq!(offered, kids.as_array().unwrap().len() - 1, "{html}");
    assert!(html.contains("selected disabled"), "{html}");
}
