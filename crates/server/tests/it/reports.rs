//! Compiled reports (issue 16): a city's July report runs up the tree — the hospital's union submits,
//! is returned, resubmits and is approved by its district; the district marks the units that will
//! not report as missing, submits, and the city approves. A submitted report is frozen while the
//! records move; every level's total is its approved subordinates' sum, nothing counted twice; the
//! forbidden steps are refused; nobody outside the tree reads a report.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Backend, TestApp, error_fields, web::WebSession};

/// The summer programme and its July report (due 2026-07-31: fixed dates, whatever day the test runs).
pub(crate) async fn july(app: &TestApp, token: &str) -> (String, String) {
    let (_, ps) = app.get("/api/v1/programmes", token).await;
    let p = ps
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["season"] == "summer")
        .expect("the demo's summer programme")
        .clone();
    let m = p["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "monthly_report" && m["due_date"] == "2026-07-31")
        .expect("July's report")
        .clone();
    (
        p["id"].as_str().unwrap().into(),
        m["id"].as_str().unwrap().into(),
    )
}

/// The class `host` runs in programme `pid`.
async fn class_of(app: &TestApp, token: &str, pid: &str, host: &str) -> String {
    let (_, list) = app
        .get(&format!("/api/v1/classes?programme_id={pid}"), token)
        .await;
    let c = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["host_org_id"] == host && c["status"] == "running")
        .unwrap_or_else(|| panic!("a running class of {host}: {list}"));
    c["id"].as_str().unwrap().into()
}

async fn incident(app: &TestApp, token: &str, class: &str) {
    let body = json!({"occurred_at": "2026-07-21T09:00", "child_ids": [], "kind": "illness",
        "severity": "minor", "description": "发烧，已通知家长接回", "actions": "测体温，联系家长"});
    let path = format!("/api/v1/classes/{class}/incidents");
    let (s, v) = app.post(&path, token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn reporting(b: Backend) {
    let app = TestApp::spawn(b).await;
    let [city, dc, hosp, power, staff, sibling] = [
        "city_admin",
        "dongcheng_admin",
        "hospital_admin",
        "power_admin",
        "class_staff",
        "linjiang_admin",
    ]
    .map(|u| app.token(u));
    let [city, dc, hosp, power, staff, sibling] = [
        city.await,
        dc.await,
        hosp.await,
        power.await,
        staff.await,
        sibling.await,
    ];
    let (pid, mid) = july(&app, &city).await;
    let [hospital, power_unit, dongcheng, city_org] = [
        "示例市第一人民医院工会",
        "国网示例市东城供电公司工会",
        "东城区总工会",
        "示例市总工会",
    ]
    .map(|n| app.org_id(n));
    let [hospital, power_unit, dongcheng, city_org] = [
        hospital.await,
        power_unit.await,
        dongcheng.await,
        city_org.await,
    ];
    let base = format!("/api/v1/programmes/{pid}/milestones/{mid}");
    let report = |token: &str, org: Option<&str>| {
        let path = match org {
            Some(o) => format!("{base}/report?org_id={o}"),
            None => format!("{base}/report"),
        };
        let token = token.to_string();
        let app = &app;
        async move {
            let (s, v) = app.get(&path, &token).await;
            assert_eq!(s, StatusCode::OK, "{path}: {v}");
            v
        }
    };

    // The hospital's report compiles itself from its class's July records.
    let live = report(&hosp, None).await;
    assert_eq!(live["org_name"], "示例市第一人民医院工会");
    assert_eq!(live["frozen"], false);
    let own = live["compiled"]["own"].clone();
    assert_eq!(own["classes_open"], 1, "{own}");
    assert!(own["child_days_expected"].as_i64().unwrap() > 0, "{own}");
    assert_eq!(
        live["compiled"]["total"], own,
        "a unit without subordinates"
    );
    // Its children and families are the dashboard's row for it (counted once, at its class).
    let (_, d) = app
        .get(
            &format!("/api/v1/orgs/{dongcheng}/dashboard?programme_id={pid}"),
            &city,
        )
        .await;
    let row = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["org_id"] == hospital.as_str())
        .expect("the hospital's row")
        .clone();
    assert_eq!(
        (own["children"].clone(), own["families"].clone()),
        (row["children"].clone(), row["families"].clone())
    );

    // Outside the tree, or beside the hospital, nobody reads it.
    for token in [&power, &sibling] {
        let (s, _) = app
            .get(&format!("{base}/report?org_id={hospital}"), token)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _) = app
        .get(&format!("{base}/report?org_id={city_org}"), &sibling)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Submit: the narrative is required; then the figures freeze.
    let save = format!("{base}/submissions");
    let (s, e) = app.post(&save, &hosp, json!({"submit": true})).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["narrative".into()])
    );
    let text = json!({"narrative": "七月按时开班，家长满意。", "submit": true});
    let (s, v1) = app.post(&save, &hosp, text.clone()).await;
    assert_eq!(s, StatusCode::OK, "{v1}");
    let (s, _) = app.post(&save, &hosp, text.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "pending: cannot be sent twice");
    let frozen = report(&hosp, None).await;
    assert_eq!(frozen["frozen"], true);
    assert!(frozen["taken_at"].as_i64().is_some());
    assert_eq!(frozen["compiled"], live["compiled"]);
    assert_eq!(frozen["narrative"], "七月按时开班，家长满意。");

    // The records move: the frozen report does not (a live one does: see the return below).
    incident(&app, &staff, &class_of(&app, &city, &pid, &hospital).await).await;
    assert_eq!(
        report(&hosp, None).await["compiled"],
        frozen["compiled"],
        "frozen"
    );

    // The hospital cannot review itself nor mark anyone missing; a return needs a comment.
    let sid = v1["id"].as_str().unwrap();
    let approve = format!("/api/v1/submissions/{sid}/approve");
    let (s, _) = app.post(&approve, &hosp, json!({})).await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );
    let missing = format!("{base}/missing");
    let (s, _) = app
        .post(
            &missing,
            &hosp,
            json!({"org_id": power_unit, "reason": "未开班"}),
        )
        .await;
    assert!(
        matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{s}"
    );
    let back = format!("/api/v1/submissions/{sid}/return");
    let (s, e) = app.post(&back, &dc, json!({"comment": " "})).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["comment".into()])
    );
    let (s, _) = app
        .post(&back, &dc, json!({"comment": "请补充安全巡查情况"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let returned = report(&hosp, None).await;
    assert_eq!(
        (returned["frozen"].clone(), returned["status"].clone()),
        (json!(false), json!("returned"))
    );
    let incidents = own["incidents"].as_i64().unwrap() + 1;
    assert_eq!(
        returned["compiled"]["own"]["incidents"], incidents,
        "a report not sent compiles live"
    );
    let (s, v2) = app.post(&save, &hosp, text).await;
    assert_eq!((s, v2["version"].clone()), (StatusCode::OK, json!(2)));
    let (s, _) = app
        .post(
            &format!("/api/v1/submissions/{}/approve", v2["id"].as_str().unwrap()),
            &dc,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let hospital_final = report(&hosp, None).await["compiled"]["total"].clone();
    assert_eq!(hospital_final["incidents"], incidents);

    // The district: it cannot submit while subordinates are outstanding.
    let district = report(&dc, None).await;
    let units = district["compiled"]["units"].as_array().unwrap().clone();
    assert_eq!(district["outstanding"], units.len() - 1);
    assert_eq!(
        district["compiled"]["total"], hospital_final,
        "own 0 + hospital"
    );
    let text = json!({"narrative": "东城区七月托管工作情况。", "submit": true});
    let (s, e) = app.post(&save, &dc, text.clone()).await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["subordinates".into()]
        )
    );
    let (s, e) = app
        .post(&missing, &dc, json!({"org_id": power_unit, "reason": ""}))
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".into()])
    );
    let (s, _) = app
        .post(&missing, &dc, json!({"org_id": hospital, "reason": "x"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "an approved report is in the sum");
    let (s, _) = app
        .post(
            &missing,
            &sibling,
            json!({"org_id": power_unit, "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for u in units.iter().filter(|u| u["org_id"] != hospital.as_str()) {
        let body = json!({"org_id": u["org_id"], "reason": "本月未开班"});
        let (s, v) = app.post(&missing, &dc, body).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    }
    let unmark = format!("{base}/missing/{power_unit}");
    let delete = reqwest::Method::DELETE;
    let (s, _) = app.call(delete.clone(), &unmark, Some(&dc), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.call(delete, &unmark, Some(&dc), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no mark left");
    let body = json!({"org_id": power_unit, "reason": "供电保障任务，本月暂停"});
    assert_eq!(
        app.post(&missing, &dc, body).await.0,
        StatusCode::NO_CONTENT
    );
    let ready = report(&dc, None).await;
    assert_eq!(ready["outstanding"], 0);
    let power_line = ready["compiled"]["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["org_id"] == power_unit.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (power_line["status"].clone(), power_line["reason"].clone()),
        (json!("exempted"), json!("供电保障任务，本月暂停"))
    );
    let (s, dv) = app.post(&save, &dc, text).await;
    assert_eq!(s, StatusCode::OK, "{dv}");

    // The city: its total is its approved districts' sum, each child once.
    let before = report(&city, None).await;
    assert_eq!(before["org_id"], city_org.as_str());
    assert_eq!(before["compiled"]["total"]["children"], 0);
    let (s, _) = app
        .post(
            &format!("/api/v1/submissions/{}/approve", dv["id"].as_str().unwrap()),
            &city,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let after = report(&city, None).await;
    assert_eq!(
        after["frozen"], false,
        "the programme's federation reads the roll-up"
    );
    assert_eq!(after["compiled"]["total"], hospital_final);
    assert_eq!(after["outstanding"], 3, "the other districts");

    // The report as an official hands it on: title, period, figures, signature lines.
    let web = WebSession::login(&app, "city_admin").await;
    let res = web
        .http
        .get(app.url(&format!(
            "/programmes/{pid}/milestones/{mid}/report.xlsx?org_id={dongcheng}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, v)| v.to_string()).collect();
    assert!(
        cells[0].contains("东城区总工会") && cells[0].contains("月度工作情况"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c.contains("2026-07-01 – 2026-07-31")));
    assert!(cells.iter().any(|c| c.starts_with("填报人")));
    assert!(cells.iter().any(|c| c.starts_with("审核人")));
    let row = |label: &str| {
        let r = (0..sheet.height() as u32)
            .find(|r| sheet.get_value((*r, 0)).is_some_and(|v| *v == label))
            .unwrap_or_else(|| panic!("{label}: {cells:?}"));
        sheet.get_value((r, 2)).unwrap().to_string()
    };
    assert_eq!(
        row("受益儿童（人）"),
        hospital_final["children"].to_string()
    );
    assert_eq!(
        row("应到人天"),
        hospital_final["child_days_expected"].to_string()
    );
    let units = book.worksheet_range_at(1).unwrap().unwrap();
    assert!(
        units
            .cells()
            .any(|(_, _, v)| *v == "供电保障任务，本月暂停")
    );
    let _: Value = after;
}

both!(a_city_month_of_reports_runs_up_the_tree, reporting);
