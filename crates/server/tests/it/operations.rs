//! The class's other daily records through the API: the logs with missing days flagged, an
//! incident reported to and acknowledged by the federation, the weekly schedule.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::attendance::{hospital_class, roll};
use crate::both;
use crate::support::{Backend, TestApp, error_fields, post_keyed};

both!(
    logs_are_kept_per_day_and_a_missing_daily_log_is_flagged,
    logs
);
async fn logs(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let path = format!("/api/v1/classes/{class}/logs");
    let (s, days) = app.get(&path, &staff).await;
    assert_eq!(s, StatusCode::OK);
    let day = |days: &Value, d: &str| {
        days.as_array()
            .unwrap()
            .iter()
            .find(|x| x["day"] == d)
            .cloned()
            .unwrap()
    };
    // The demo forgot the ventilation log of its eighth day, and nothing at all after two weeks.
    assert_eq!(day(&days, "2026-07-15")["missing"], json!(["ventilation"]));
    assert_eq!(
        day(&days, "2026-07-20")["missing"],
        json!(["patrol", "ventilation", "meal", "cleaning"])
    );
    assert_eq!(day(&days, "2026-07-08")["missing"], json!([]));
    // A hazard needs its fix; a meal needs the sample answer.
    let patrol = json!({"kind": "patrol", "day": "2026-07-20", "time": "08:10", "officer": "王晓梅", "items_checked": "安全通道、消防器材", "hazards": "灭火器过期"});
    let (s, e) = app.post(&path, &staff, patrol.clone()).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["fix".to_string()])
    );
    let meal = json!({"kind": "meal", "day": "2026-07-20", "officer": "李建华", "caterer": "示例配餐", "menu": "米饭"});
    let (s, e) = app.post(&path, &staff, meal).await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["sample_kept".to_string()]
        )
    );
    let mut patrol = patrol;
    patrol["fix"] = json!("当场更换");
    let (s, first) = post_keyed(&app, &path, &staff, "log-1", patrol.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    let (s, again) = post_keyed(&app, &path, &staff, "log-1", patrol).await;
    assert_eq!((s, &again), (StatusCode::CREATED, &first));
    let (_, days) = app.get(&path, &staff).await;
    let d = day(&days, "2026-07-20");
    assert_eq!(
        d["entries"].as_array().unwrap().len(),
        1,
        "one entry for two sends"
    );
    assert_eq!(d["entries"][0]["hazards"], "灭火器过期");
    assert_eq!(d["missing"], json!(["ventilation", "meal", "cleaning"]));
    let future = json!({"kind": "cleaning", "day": "2099-01-04", "officer": "x", "areas": "教室"});
    let (s, _) = app.post(&path, &staff, future).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // The federation reads them; a sibling organisation gets 404.
    let city = app.token("city_admin").await;
    let (s, _) = app.get(&path, &city).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(
            &path,
            &city,
            json!({"kind": "cleaning", "officer": "x", "areas": "x", "day": "2026-07-21"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let power = app.token("power_admin").await;
    let (s, _) = app.get(&path, &power).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(
    an_incident_reaches_the_federation_at_once_and_a_safety_one_marks_the_class,
    incidents
);
async fn incidents(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let city = app.token("city_admin").await;
    let class = hospital_class(&app).await;
    let r = roll(&app, &staff, &class, "2026-07-20").await;
    let child = r["children"][0]["child_id"].as_str().unwrap();
    let (_, m) = app
        .get(&format!("/api/v1/classes/{class}/metrics"), &city)
        .await;
    assert_eq!(
        (m["incidents"].as_u64(), m["safety_incident"].as_bool()),
        (Some(1), Some(false)),
        "the demo's minor illness"
    );
    let path = format!("/api/v1/classes/{class}/incidents");
    let bad = json!({"occurred_at": "2026-07-20T10:15", "kind": "fall", "severity": "minor", "description": "", "actions": "x"});
    let (s, e) = app.post(&path, &staff, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&e),
        vec!["description".to_string(), "kind".to_string()]
    );
    let body = json!({"occurred_at": "2026-07-20T10:15", "child_ids": [child], "kind": "injury", "severity": "moderate",
        "description": "滑梯上摔倒，右膝擦伤", "actions": "消毒包扎，冰敷", "guardian_informed_at": "2026-07-20T10:30", "guardian_informed_how": "phone"});
    let (s, i) = post_keyed(&app, &path, &staff, "inc-1", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{i}");
    assert_eq!(
        (i["safety"].as_bool(), i["acknowledged"].as_bool()),
        (Some(true), Some(false))
    );
    let (s, again) = post_keyed(&app, &path, &staff, "inc-1", body).await;
    assert_eq!(
        (s, again["id"].clone()),
        (StatusCode::CREATED, i["id"].clone())
    );
    // The federation's waiting count is maintained with the report, as a recount would give it.
    crate::tallies::assert_tallies_match(&app, "an incident reported").await;
    // The city sees it at once, with the child's name, and acknowledges it.
    let (_, list) = app.get("/api/v1/incidents", &city).await;
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == i["id"])
        .expect("listed")
        .clone();
    assert_eq!(mine["children"][0], r["children"][0]["name"]);
    let id = i["id"].as_str().unwrap();
    let (s, _) = app
        .post(
            &format!("/api/v1/incidents/{id}/acknowledge"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the class cannot acknowledge its own report"
    );
    let (s, ack) = app
        .post(
            &format!("/api/v1/incidents/{id}/acknowledge"),
            &city,
            json!({}),
        )
        .await;
    assert_eq!(
        (s, ack["acknowledged"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{ack}"
    );
    crate::tallies::assert_tallies_match(&app, "an incident acknowledged").await;
    let (_, m) = app
        .get(&format!("/api/v1/classes/{class}/metrics"), &city)
        .await;
    assert_eq!(
        (m["incidents"].as_u64(), m["safety_incident"].as_bool()),
        (Some(2), Some(true))
    );
    // A neighbouring city's federation and a sibling unit see none of it.
    let neighbour = app.token("linjiang_admin").await;
    let (_, list) = app.get("/api/v1/incidents", &neighbour).await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    let (s, _) = app
        .post(
            &format!("/api/v1/incidents/{id}/acknowledge"),
            &neighbour,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let power = app.token("power_admin").await;
    let (s, _) = app.get(&path, &power).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(the_weekly_schedule_is_a_week_of_activities, schedule);
async fn schedule(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let path = format!("/api/v1/classes/{class}/schedule");
    let (_, week) = app.get(&path, &staff).await;
    let before = week.as_array().unwrap().len();
    assert_eq!(before, 30, "the demo's week: six blocks on five days");
    let bad = json!({"weekday": 8, "starts": "10:00", "ends": "09:00", "activity": "napping"});
    let (s, e) = app.post(&path, &staff, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&e),
        vec![
            "activity".to_string(),
            "ends".to_string(),
            "weekday".to_string()
        ]
    );
    let item = json!({"weekday": 6, "starts": "09:00", "ends": "11:00", "activity": "social_practice", "title": "参观消防站"});
    let (s, it) = app.post(&path, &staff, item).await;
    assert_eq!(s, StatusCode::CREATED, "{it}");
    let (_, week) = app.get(&path, &staff).await;
    assert_eq!(week.as_array().unwrap().len(), before + 1);
    let power = app.token("power_admin").await;
    let del = format!("{path}/{}", it["id"].as_str().unwrap());
    let (s, _) = app
        .call(reqwest::Method::DELETE, &del, Some(&power), None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .call(reqwest::Method::DELETE, &del, Some(&staff), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
}
