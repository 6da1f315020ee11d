//! Classes: registration, the lifecycle and who may take each step, approval checks, staff roster,
//! operating days, documents, dashboard.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::programmes::demo_programme;
use crate::support::{Backend, TestApp, error_fields};

/// A change to a registration.
type Change = Box<dyn FnOnce(&mut Value)>;

/// A registration that passes every check, changed by `f`.
pub fn class(programme: &str, name: &str, f: impl FnOnce(&mut Value)) -> Value {
    let mut v = json!({
        "programme_id": programme, "name": name, "address": "示例市第一人民医院会议中心二楼",
        "start_date": "2026-07-06", "end_date": "2026-08-14", "daily_start": "08:00", "daily_end": "17:30",
        "capacity": 30, "model": "in_unit", "management": "union_staff",
        "venue": {"independent": true, "building_fire_supervision_safe": true, "away_from_hazards": true, "ventilation_and_light": true, "cameras": true},
        "food": {"mode": "caterer", "caterer_name": "示例市放心餐饮", "licence_no": "JY13301000001", "licence_expiry": "2030-12-31", "catering_agreement": true},
        "rules_in_force": ["pickup", "daily_safety", "food_hygiene", "emergency"]
    });
    f(&mut v);
    v
}

/// Registers a class with a 负责人 on its roster (a part-time one, so that tests registering many
/// classes at once do not meet the one-roster-per-person rule): without one it is not approved.
pub async fn register(app: &TestApp, token: &str, body: Value) -> String {
    let id = register_bare(app, token, body).await;
    let leader = json!({"name": "周负责人", "role": "leader", "phone": "13700001234", "part_time": true,
        "check_done_on": "2026-06-01", "check_done_by": "区教育局"});
    let (status, s) = app
        .post(&format!("/api/v1/classes/{id}/staff"), token, leader)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    id
}

/// Registers a class with an empty staff roster.
pub async fn register_bare(app: &TestApp, token: &str, body: Value) -> String {
    let (status, c) = app.post("/api/v1/classes", token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

pub async fn step(
    app: &TestApp,
    token: &str,
    id: &str,
    action: &str,
    comment: &str,
) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/classes/{id}/{action}"),
        token,
        json!({"comment": comment}),
    )
    .await
}

both!(
    a_class_is_registered_submitted_returned_fixed_approved_started_and_closed,
    lifecycle
);
async fn lifecycle(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let p = demo_programme(&app, &unit).await;
    let pid = p["id"].as_str().unwrap();
    let bad = class(pid, "", |v| {
        v["start_date"] = json!("2026-06-01");
        v["capacity"] = json!(0);
        v["model"] = json!("franchise");
        v["daily_end"] = json!("07:00");
    });
    let (status, err) = app.post("/api/v1/classes", &unit, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut f = error_fields(&err);
    f.sort();
    assert_eq!(
        f,
        vec!["capacity", "daily_end", "model", "name", "start_date"]
    );
    assert!(
        err["error"]["fields"]["start_date"]
            .as_str()
            .unwrap()
            .contains("2026-07-01")
    );
    let id = register(&app, &unit, class(pid, "医院第二期托管班", |_| {})).await;
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &unit).await;
    assert_eq!(
        (
            c["status"].as_str(),
            c["operating_days"].as_u64(),
            c["meets_min_operating_days"].as_bool()
        ),
        (Some("draft"), Some(30), Some(true))
    );
    assert_eq!(
        step(&app, &unit, &id, "approve", "").await.0,
        StatusCode::FORBIDDEN,
        "no self-approval"
    );
    assert_eq!(
        step(&app, &unit, &id, "submit", "").await.1["status"],
        "submitted"
    );
    assert_eq!(
        app.patch(
            &format!("/api/v1/classes/{id}"),
            &unit,
            json!({"capacity": 40})
        )
        .await
        .0,
        StatusCode::CONFLICT,
        "frozen while submitted"
    );
    let sibling_district = app.token("xihu_admin").await;
    assert_eq!(
        step(&app, &sibling_district, &id, "approve", "").await.0,
        StatusCode::NOT_FOUND
    );
    let sibling_unit = app.token("power_admin").await;
    assert_eq!(
        app.get(&format!("/api/v1/classes/{id}"), &sibling_unit)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let district = app.token("dongcheng_admin").await;
    let (status, err) = step(&app, &district, &id, "return", "").await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["comment".to_string()]
        )
    );
    assert_eq!(
        step(&app, &district, &id, "return", "请补充面积和监控情况")
            .await
            .1["status"],
        "returned"
    );
    let (status, fixed) = app.patch(&format!("/api/v1/classes/{id}"), &unit, json!({"capacity": 40, "venue": {"independent": true, "building_fire_supervision_safe": true, "away_from_hazards": true, "ventilation_and_light": true, "cameras": true, "floor_area_m2": 160}})).await;
    assert_eq!(
        (status, fixed["capacity"].as_i64()),
        (StatusCode::OK, Some(40)),
        "{fixed}"
    );
    assert_eq!(
        step(&app, &unit, &id, "submit", "").await.1["status"],
        "submitted"
    );
    let city = app.token("city_admin").await;
    assert_eq!(
        step(&app, &city, &id, "approve", "").await.1["status"],
        "approved"
    );
    assert_eq!(
        step(&app, &city, &id, "approve", "").await.0,
        StatusCode::CONFLICT,
        "not twice"
    );
    assert_eq!(
        step(&app, &unit, &id, "close", "").await.0,
        StatusCode::CONFLICT,
        "not before running"
    );
    assert_eq!(
        step(&app, &unit, &id, "start", "").await.1["status"],
        "running"
    );
    assert_eq!(
        step(&app, &unit, &id, "close", "").await.1["status"],
        "closed"
    );
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &city).await;
    let history: Vec<(String, String)> = c["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["actor_name"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = [
        ("register", "hospital_admin"),
        ("submit", "hospital_admin"),
        ("return", "dongcheng_admin"),
        ("submit", "hospital_admin"),
        ("approve", "city_admin"),
        ("start", "hospital_admin"),
        ("close", "hospital_admin"),
    ];
    assert_eq!(
        history,
        expected
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .to_vec()
    );
    assert_eq!(c["history"][2]["comment"], "请补充面积和监控情况");
}

both!(
    a_failing_venue_an_expired_licence_or_a_missing_agreement_blocks_approval,
    blocking_checks
);
async fn blocking_checks(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let city = app.token("city_admin").await;
    let pid = demo_programme(&app, &unit).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "地下室托管班",
            Box::new(|v: &mut Value| v["venue"]["in_basement"] = json!(true)),
            "场地设在地下或半地下室",
        ),
        (
            "过期许可托管班",
            Box::new(|v: &mut Value| v["food"]["licence_expiry"] = json!("2026-08-01")),
            "餐饮服务许可证已过期",
        ),
        (
            "联合无协议托管班",
            Box::new(|v: &mut Value| {
                v["model"] = json!("joint");
                v["partners"] = json!(["和平里社区工会"]);
            }),
            "未与合作单位签订合作协议",
        ),
        (
            "购买服务未审核托管班",
            Box::new(|v: &mut Value| {
                v["model"] = json!("purchased_service");
                v["management"] = json!("professional_institution");
            }),
            "资质审核",
        ),
    ];
    for (name, change, message) in cases {
        let id = register(&app, &unit, class(&pid, name, change)).await;
        step(&app, &unit, &id, "submit", "").await;
        let (status, err) = step(&app, &city, &id, "approve", "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert_eq!(err["error"]["code"], "checks_failed", "{name}");
        let failed = err["error"]["checks"].as_array().unwrap();
        assert_eq!(failed.len(), 1, "{name}: {err}");
        assert!(
            failed[0]["message"].as_str().unwrap().contains(message),
            "{name}: {err}"
        );
        let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &city).await;
        assert_eq!(c["status"], "submitted");
        assert!(
            c["checks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["level"] == "block" && k["message"].as_str().unwrap().contains(message))
        );
    }
    // A joint class in a basement without a partner agreement is told both reasons at once.
    let id = register(
        &app,
        &unit,
        class(&pid, "地下室联合托管班", |v| {
            v["venue"]["in_basement"] = json!(true);
            v["model"] = json!("joint");
            v["partners"] = json!(["和平里社区工会"]);
        }),
    )
    .await;
    step(&app, &unit, &id, "submit", "").await;
    let (status, err) = step(&app, &city, &id, "approve", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<&str> = err["error"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["check.venue_basement", "check.partner_agreement_missing"],
        "{err}"
    );
    // No cameras is only a warning.
    let id = register(
        &app,
        &unit,
        class(&pid, "无监控托管班", |v| {
            v["venue"]["cameras"] = json!(false)
        }),
    )
    .await;
    step(&app, &unit, &id, "submit", "").await;
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &city).await;
    assert!(
        c["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["level"] == "warn" && k["code"] == "check.no_cameras")
    );
    assert_eq!(
        step(&app, &city, &id, "approve", "").await.1["status"],
        "approved"
    );
}

both!(
    the_programme_minimum_comes_from_the_programme_not_the_code,
    rules_from_programme
);
async fn rules_from_programme(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let body = json!({"season": "summer", "year": 2026, "start_date": "2026-07-01", "end_date": "2026-08-31", "preset": "beijing", "name": "北京模式试点"});
    let (_, p) = app.post("/api/v1/programmes", &city, body).await;
    let unit = app.token("hospital_admin").await;
    let id = register(
        &app,
        &unit,
        class(p["id"].as_str().unwrap(), "二十五人班", |v| {
            v["capacity"] = json!(25)
        }),
    )
    .await;
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &unit).await;
    assert!(
        c["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["code"] == "check.capacity_below_minimum"),
        "25 < Beijing's 30"
    );
    let (_, demo) = app.get("/api/v1/programmes", &unit).await;
    let seed = demo
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] != "北京模式试点")
        .unwrap();
    let id = register(
        &app,
        &unit,
        class(seed["id"].as_str().unwrap(), "二十五人班", |v| {
            v["capacity"] = json!(25)
        }),
    )
    .await;
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &unit).await;
    assert!(
        !c["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["code"] == "check.capacity_below_minimum"),
        "25 ≥ seed 003's 20"
    );
}

both!(
    operating_days_follow_the_calendar_closures_and_extra_days,
    operating_days
);
async fn operating_days(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let pid = demo_programme(&app, &unit).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = register(
        &app,
        &unit,
        class(&pid, "短期班", |v| v["end_date"] = json!("2026-07-31")),
    )
    .await;
    let days = |c: &Value| c["operating_days"].as_u64().unwrap();
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &unit).await;
    assert_eq!(days(&c), 20);
    let (status, c) = app
        .post(
            &format!("/api/v1/classes/{id}/days"),
            &unit,
            json!({"day": "2026-07-22", "kind": "closure", "reason": "台风停课"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(
        (days(&c), c["meets_min_operating_days"].as_bool()),
        (19, Some(false))
    );
    let (_, c) = app
        .post(
            &format!("/api/v1/classes/{id}/days"),
            &unit,
            json!({"day": "2026-07-25", "kind": "extra", "reason": "周六补课"}),
        )
        .await;
    assert_eq!(
        (days(&c), c["meets_min_operating_days"].as_bool()),
        (20, Some(true))
    );
    let (status, err) = app
        .post(
            &format!("/api/v1/classes/{id}/days"),
            &unit,
            json!({"day": "2026-09-01", "kind": "closure", "reason": "x"}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["day".to_string()])
    );
    assert_eq!(
        app.call(
            reqwest::Method::DELETE,
            &format!("/api/v1/classes/{id}/days/2026-07-22"),
            Some(&unit),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &unit).await;
    assert_eq!(days(&c), 21);
}
