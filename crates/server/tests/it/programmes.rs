//! Programmes: opening with rules as data, presets, copying, work plans up the tree, milestones,
//! reminders and the outbox.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Backend, TestApp, error_fields};

/// The demo's 2026 summer programme, as a user sees it.
pub async fn demo_programme(app: &TestApp, token: &str) -> Value {
    let (status, list) = app.get("/api/v1/programmes", token).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == 2026)
        .cloned()
        .expect("demo programme")
}

both!(
    a_city_opens_a_season_with_seed_003_rules_or_the_beijing_preset,
    open_programme
);
async fn open_programme(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let body = json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"});
    let (status, p) = app.post("/api/v1/programmes", &city, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["name"], "2027年暑期职工子女爱心托管服务专案");
    assert_eq!(p["org_name"], "示例市总工会");
    assert_eq!(
        (
            p["rules"]["min_class_size"].as_u64(),
            p["rules"]["min_attendance_pct"].as_u64()
        ),
        (Some(20), Some(75))
    );
    assert_eq!(
        (
            p["targets"]["units"].as_u64(),
            p["targets"]["families"].as_u64(),
            p["targets"]["model_classes"].as_u64()
        ),
        (Some(30), Some(1000), Some(10))
    );
    let dates: Vec<(String, String)> = p["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().into(),
                m["due_date"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        dates.contains(&("work_plan".into(), "2027-04-20".into()))
            && dates.contains(&("summary".into(), "2027-08-30".into())),
        "{dates:?}"
    );
    let body = json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31", "preset": "beijing", "name": "2027年暑期（北京模式）"});
    let (_, bj) = app.post("/api/v1/programmes", &city, body).await;
    assert_eq!(
        (
            bj["rules"]["min_class_size"].as_u64(),
            bj["rules"]["min_attendance_pct"].as_u64()
        ),
        (Some(30), Some(70))
    );
    let mut rules = p["rules"].clone();
    rules["min_attendance_pct"] = json!(120);
    rules["min_grade"] = json!(7);
    let body = json!({"season": "spring", "year": 2027, "start_date": "2027-08-31", "end_date": "2027-07-01", "rules": rules});
    let (status, err) = app.post("/api/v1/programmes", &city, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut f = error_fields(&err);
    f.sort();
    assert_eq!(
        f,
        vec!["end_date", "min_attendance_pct", "min_grade", "season"]
    );
    let unit = app.token("hospital_admin").await;
    let body = json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"});
    assert_eq!(
        app.post("/api/v1/programmes", &unit, body).await.0,
        StatusCode::FORBIDDEN
    );
}

both!(
    copy_from_last_year_keeps_targets_rules_and_moves_the_milestones,
    copy_programme
);
async fn copy_programme(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let src = demo_programme(&app, &city).await;
    let body = json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"});
    let (status, p) = app
        .post(
            &format!("/api/v1/programmes/{}/copy", src["id"].as_str().unwrap()),
            &city,
            body,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["copied_from"], src["id"]);
    assert_eq!(p["rules"], src["rules"]);
    assert_eq!(p["theme"], "童心传薪火");
    assert_eq!(
        p["milestones"].as_array().unwrap().len(),
        src["milestones"].as_array().unwrap().len()
    );
    assert!(
        p["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["due_date"] == "2027-04-20")
    );
    let district = app.token("dongcheng_admin").await;
    let (status, _) = app.post(&format!("/api/v1/programmes/{}/copy", src["id"].as_str().unwrap()), &district, json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"})).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a district cannot re-open the city's programme"
    );
}

both!(
    a_work_plan_goes_up_is_returned_with_comments_revised_and_approved,
    work_plan
);
async fn work_plan(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let p = demo_programme(&app, &unit).await;
    let pid = p["id"].as_str().unwrap();
    let m = p["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "work_plan")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/programmes/{pid}/milestones/{m}/submissions");
    let (status, err) = app
        .post(
            &path,
            &unit,
            json!({"objectives": "托管45名职工子女", "submit": true}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut f = error_fields(&err);
    f.sort();
    assert_eq!(f, vec!["funding", "measures", "supervision"]);
    let (status, draft) = app
        .post(&path, &unit, json!({"objectives": "托管45名职工子女"}))
        .await;
    assert_eq!(
        (status, draft["status"].as_str(), draft["version"].as_i64()),
        (StatusCode::OK, Some("draft"), Some(1))
    );
    let plan = json!({"objectives": "托管45名职工子女", "measures": "医院会议中心二楼，配备2名教师", "funding": "医院行政2万元、工会1万元", "supervision": "院工会每周巡查", "submit": true});
    let (_, v1) = app.post(&path, &unit, plan.clone()).await;
    assert_eq!(
        (v1["status"].as_str(), v1["version"].as_i64()),
        (Some("submitted"), Some(1))
    );
    crate::tallies::assert_tallies_match(&app, "a report submitted").await;
    assert_eq!(
        app.post(&path, &unit, plan.clone()).await.0,
        StatusCode::CONFLICT,
        "pending: no second submission"
    );
    let id = v1["id"].as_str().unwrap();
    assert_eq!(
        app.post(
            &format!("/api/v1/submissions/{id}/approve"),
            &unit,
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND,
        "a unit never reviews itself"
    );
    let sibling = app.token("xihu_admin").await;
    assert_eq!(
        app.post(
            &format!("/api/v1/submissions/{id}/approve"),
            &sibling,
            json!({})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let district = app.token("dongcheng_admin").await;
    let (status, err) = app
        .post(
            &format!("/api/v1/submissions/{id}/return"),
            &district,
            json!({"comment": " "}),
        )
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["comment".to_string()]
        )
    );
    let (_, returned) = app
        .post(
            &format!("/api/v1/submissions/{id}/return"),
            &district,
            json!({"comment": "请写明资金来源的具体金额"}),
        )
        .await;
    assert_eq!(returned["status"], "returned");
    crate::tallies::assert_tallies_match(&app, "a report returned").await;
    let (_, v2) = app.post(&path, &unit, plan).await;
    assert_eq!(
        (v2["status"].as_str(), v2["version"].as_i64()),
        (Some("submitted"), Some(2))
    );
    crate::tallies::assert_tallies_match(&app, "a report a second version submitted").await;
    let city = app.token("city_admin").await;
    let (_, ok) = app
        .post(
            &format!("/api/v1/submissions/{}/approve", v2["id"].as_str().unwrap()),
            &city,
            json!({"comment": "同意"}),
        )
        .await;
    assert_eq!(ok["status"], "approved");
    crate::tallies::assert_tallies_match(&app, "a report approved").await;
    let (_, matrix) = app
        .get(&format!("/api/v1/programmes/{pid}/milestones"), &city)
        .await;
    let col = matrix["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .position(|x| x["kind"] == "work_plan")
        .unwrap();
    let row = |name: &str| {
        matrix["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["org_name"] == name)
            .unwrap()["statuses"][col]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(row("示例市第一人民医院工会"), "approved");
    assert_eq!(
        row("湖滨社区工会"),
        "overdue",
        "2026-04-20 has passed without a plan"
    );
    let (_, dmatrix) = app
        .get(&format!("/api/v1/programmes/{pid}/milestones"), &district)
        .await;
    assert!(
        dmatrix["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["org_name"] != "湖滨社区工会"),
        "a district sees its own units only"
    );
    // The overdue figure is counted over every unit by the database: it equals the statuses'
    // count of the whole matrix, and every page carries it.
    let all = matrix["units"].as_array().unwrap();
    let counted = all
        .iter()
        .flat_map(|u| u["statuses"].as_array().unwrap())
        .filter(|s| *s == "overdue")
        .count() as i64;
    assert!(counted > 0);
    assert_eq!(matrix["overdue"].as_i64(), Some(counted));
    let mut paged = Vec::new();
    for offset in (0..all.len()).step_by(7) {
        let (_, page) = app
            .get(
                &format!("/api/v1/programmes/{pid}/milestones?limit=7&offset={offset}"),
                &city,
            )
            .await;
        assert_eq!(page["overdue"].as_i64(), Some(counted));
        paged.extend(page["units"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(
        &paged, all,
        "pages of 7 in tree order make the whole matrix"
    );
}

both!(
    deadlines_remind_in_the_app_and_are_queued_once_for_the_gateway,
    reminders
);
async fn reminders(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let today = tuoguan::calendar::today();
    let soon = (today + chrono::Duration::days(3)).to_string();
    let later = (today + chrono::Duration::days(60)).to_string();
    let body = json!({"season": "winter", "year": 2027, "start_date": "2027-01-18", "end_date": "2027-02-26", "reminder_days": 7,
        "milestones": [{"kind": "work_plan", "due_date": soon}, {"kind": "summary", "due_date": later}]});
    let (status, _) = app.post("/api/v1/programmes", &city, body).await;
    assert_eq!(status, StatusCode::CREATED);
    let queued = tuoguan::programmes::reminders::enqueue(&app.state.db, today)
        .await
        .unwrap();
    assert_eq!(
        queued, 34,
        "the 4 districts and 30 units below the city, for the work plan only"
    );
    assert_eq!(
        tuoguan::programmes::reminders::enqueue(&app.state.db, today)
            .await
            .unwrap(),
        0,
        "sent once"
    );
    let s = crate::support::web::WebSession::login(&app, "hospital_admin").await;
    let (_, html) = s.get("/").await;
    assert!(
        html.contains("报送即将截止") && html.contains(&soon),
        "{html}"
    );
}

both!(
    the_opening_form_takes_presets_rules_and_milestone_dates,
    opening_form
);
async fn opening_form(b: Backend) {
    let app = TestApp::spawn(b).await;
    let s = crate::support::web::WebSession::login(&app, "city_admin").await;
    let (status, html) = s.get("/programmes/new?preset=beijing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"min_class_size\" value=\"30\""));
    let fields = [
        ("season", "summer"),
        ("year", "2027"),
        ("start_date", "2027-07-01"),
        ("end_date", "2027-08-31"),
        ("target_units", "40"),
        ("target_families", "1500"),
        ("target_model_classes", "12"),
        ("min_class_size", "30"),
        ("min_operating_days", "20"),
        ("min_attendance_pct", "70"),
        ("min_satisfaction_pct", "90"),
        ("kindergarten_max_pct", "10"),
        ("min_grade", "1"),
        ("max_grade", "6"),
        ("reminder_days", "10"),
        ("model_requires_no_incident", "on"),
        ("due_work_plan", "2027-04-30"),
    ];
    let (status, location) = s
        .post_form("/programmes/new", "/programmes/new", &fields)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let id = location
        .trim_start_matches("/programmes/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let city = app.token("city_admin").await;
    let (_, p) = app.get(&format!("/api/v1/programmes/{id}"), &city).await;
    assert_eq!(
        (
            p["targets"]["units"].as_u64(),
            p["rules"]["min_attendance_pct"].as_u64(),
            p["reminder_days"].as_i64()
        ),
        (Some(40), Some(70), Some(10))
    );
    let dates: Vec<(&str, &str)> = p["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["kind"].as_str().unwrap(), m["due_date"].as_str().unwrap()))
        .collect();
    assert!(
        dates.contains(&("work_plan", "2027-04-30"))
            && dates.contains(&("preparation", "2027-05-20")),
        "{dates:?}"
    );
    let mut bad = fields.to_vec();
    bad.retain(|(k, _)| *k != "min_class_size");
    bad.push(("min_class_size", "三十"));
    let (status, html) = s
        .post_form("/programmes/new", "/programmes/new", &bad)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请填写整数"));
}

both!(
    a_unit_writes_its_work_plan_and_the_district_reviews_it_on_the_pages,
    work_plan_pages
);
async fn work_plan_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = crate::support::web::WebSession::login(&app, "hospital_admin").await;
    let token = app.token("hospital_admin").await;
    let p = demo_programme(&app, &token).await;
    let m = p["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "work_plan")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let page = format!("/programmes/{}/milestones/{m}", p["id"].as_str().unwrap());
    let (status, html) = unit.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("目标任务") && html.contains("资金保障"));
    let (status, html) = unit
        .post_form(&page, &page, &[("objectives", "托管45名"), ("submit", "1")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("提交前请填写此项") && html.contains("托管45名"),
        "the text typed is kept"
    );
    let plan = [
        ("objectives", "托管45名"),
        ("measures", "两名教师"),
        ("funding", "行政2万元"),
        ("supervision", "每周巡查"),
        ("submit", "1"),
    ];
    assert_eq!(
        unit.post_form(&page, &page, &plan).await.0,
        StatusCode::SEE_OTHER
    );
    assert!(unit.get(&page).await.1.contains("已报送待审"));
    let district = crate::support::web::WebSession::login(&app, "dongcheng_admin").await;
    let (_, matrix) = district
        .get(&format!(
            "/programmes/{}/milestones",
            p["id"].as_str().unwrap()
        ))
        .await;
    let sub = matrix
        .split("href=\"/submissions/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let review = format!("/submissions/{sub}");
    let (status, html) = district
        .post_form(&review, &review, &[("decision", "return"), ("comment", "")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("退回时请写明需要修改的地方"));
    assert_eq!(
        district
            .post_form(
                &review,
                &review,
                &[("decision", "return"), ("comment", "请细化资金来源")]
            )
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    let html = unit.get(&page).await.1;
    assert!(html.contains("请细化资金来源") && html.contains("已退回"));
}

both!(
    a_class_in_a_year_without_calendar_data_shows_no_operating_days_until_it_is_entered,
    calendar_missing
);
async fn calendar_missing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let (_, p) = app.post("/api/v1/programmes", &city, json!({"season": "winter", "year": 2099, "start_date": "2099-01-19", "end_date": "2099-02-27"})).await;
    let unit = app.token("hospital_admin").await;
    let body = json!({"programme_id": p["id"], "name": "寒假班", "address": "医院", "start_date": "2099-01-19", "end_date": "2099-02-27",
        "daily_start": "08:00", "daily_end": "17:00", "capacity": 30, "model": "in_unit", "management": "union_staff", "food": {"mode": "no_meals"}});
    let (status, c) = app.post("/api/v1/classes", &unit, body).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        (
            c["operating_days"].clone(),
            c["meets_min_operating_days"].as_bool()
        ),
        (Value::Null, Some(false))
    );
    let admin = app.token("admin").await;
    let year = json!({"days": [{"date": "2099-02-05", "kind": "holiday", "name": "春节"}, {"date": "2099-02-09", "kind": "holiday", "name": "春节"}]});
    assert_eq!(
        app.call(
            reqwest::Method::PUT,
            "/api/v1/calendar/years/2099",
            Some(&admin),
            Some(year)
        )
        .await
        .0,
        StatusCode::OK
    );
    let (_, c) = app
        .get(
            &format!("/api/v1/classes/{}", c["id"].as_str().unwrap()),
            &unit,
        )
        .await;
    assert_eq!(c["operating_days"], 30 - 2);
}
