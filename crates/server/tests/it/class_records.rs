//! A class's records: staff roster, documents, and the dashboard over all classes.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::classes::{class, register, step};
use crate::programmes::demo_programme;
use crate::support::{Backend, TestApp, error_fields};

both!(
    a_person_is_on_one_full_time_roster_and_missing_checks_are_flagged,
    staff_roster
);
async fn staff_roster(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let pid = demo_programme(&app, &unit).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let a = register(&app, &unit, class(&pid, "甲班", |_| {})).await;
    let b2 = register(
        &app,
        &unit,
        class(&pid, "乙班", |v| v["start_date"] = json!("2026-08-01")),
    )
    .await;
    let staff = |id: &str| format!("/api/v1/classes/{id}/staff");
    let (status, err) = app
        .post(
            &staff(&a),
            &unit,
            json!({"name": "张老师", "role": "cook", "phone": "12345"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut f = error_fields(&err);
    f.sort();
    assert_eq!(f, vec!["phone", "role"]);
    let (status, leader) = app.post(&staff(&a), &unit, json!({"name": "张老师", "role": "leader", "phone": "+86 139-1234-5678", "check_done_on": "2026-06-01", "check_done_by": "区教育局"})).await;
    assert_eq!(status, StatusCode::CREATED, "{leader}");
    assert_eq!(leader["phone"], "13912345678");
    let (status, err) = app
        .post(
            &staff(&b2),
            &unit,
            json!({"name": "张老师", "role": "teacher", "phone": "13912345678"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["error"]["fields"]["phone"]
            .as_str()
            .unwrap()
            .contains("甲班"),
        "{err}"
    );
    let (status, _) = app
        .post(
            &staff(&b2),
            &unit,
            json!({"name": "张老师", "role": "teacher", "phone": "13912345678", "part_time": true}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "part-time may serve two classes"
    );
    let (_, helper) = app
        .post(
            &staff(&a),
            &unit,
            json!({"name": "陈同学", "role": "work_study", "phone": "13600001111"}),
        )
        .await;
    let (_, c) = app.get(&format!("/api/v1/classes/{a}"), &unit).await;
    assert_eq!(
        c["staff_flags"].as_array().unwrap().len(),
        0,
        "a draft is not flagged yet"
    );
    step(&app, &unit, &a, "submit", "").await;
    let city = app.token("city_admin").await;
    step(&app, &city, &a, "approve", "").await;
    step(&app, &unit, &a, "start", "").await;
    let (_, c) = app.get(&format!("/api/v1/classes/{a}"), &unit).await;
    assert!(
        c["staff_flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().contains("入职查询"))
    );
    let (status, s) = app
        .patch(
            &format!(
                "/api/v1/classes/{a}/staff/{}",
                helper["id"].as_str().unwrap()
            ),
            &unit,
            json!({"check_done_on": "2026-06-15", "check_done_by": "院工会"}),
        )
        .await;
    assert_eq!(
        (status, s["check_done_by"].as_str()),
        (StatusCode::OK, Some("院工会"))
    );
    let (_, c) = app.get(&format!("/api/v1/classes/{a}"), &unit).await;
    assert_eq!(c["staff_flags"].as_array().unwrap().len(), 0);
    let sibling = app.token("power_admin").await;
    assert_eq!(app.get(&staff(&a), &sibling).await.0, StatusCode::NOT_FOUND);
}

both!(
    documents_are_checked_by_content_and_served_as_attachments_in_scope,
    documents
);
async fn documents(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let pid = demo_programme(&app, &unit).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = register(
        &app,
        &unit,
        class(&pid, "附件班", |v| v["rules_in_force"] = json!([])),
    )
    .await;
    let upload = |bytes: Vec<u8>, name: &str, kind: &str| {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
            );
        app.http
            .post(app.url(&format!("/api/v1/classes/{id}/files")))
            .bearer_auth(&unit)
            .multipart(form)
            .send()
    };
    let res = upload(b"MZ\x90\x00 not a pdf".to_vec(), "制度.pdf", "rules")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("PDF"));
    let res = upload(
        "%PDF-1.4\n接送制度".as_bytes().to_vec(),
        "../../接送制度.pdf",
        "rules",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let meta: Value = res.json().await.unwrap();
    assert_eq!(
        (meta["name"].as_str(), meta["content_type"].as_str()),
        (Some("接送制度.pdf"), Some("application/pdf"))
    );
    let (_, c) = app.get(&format!("/api/v1/classes/{id}"), &unit).await;
    assert!(
        !c["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["code"] == "check.rules_missing"),
        "an uploaded rule counts"
    );
    let url = app.url(&format!(
        "/api/v1/classes/{id}/files/{}",
        meta["id"].as_str().unwrap()
    ));
    let res = app.http.get(&url).bearer_auth(&unit).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap(), "%PDF-1.4\n接送制度".as_bytes());
    // A document of several stored chunks comes back byte for byte.
    let long: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..700_000u32).map(|i| (i % 251) as u8))
        .collect();
    let res = upload(long.clone(), "长文件.pdf", "other").await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let long_meta: Value = res.json().await.unwrap();
    let long_url = format!(
        "/api/v1/classes/{id}/files/{}",
        long_meta["id"].as_str().unwrap()
    );
    let res = app
        .http
        .get(app.url(&long_url))
        .bearer_auth(&unit)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-length"],
        long.len().to_string().as_str()
    );
    assert!(
        res.bytes().await.unwrap() == long,
        "the chunks come back in order"
    );
    let sibling = app.token("power_admin").await;
    assert_eq!(
        app.http
            .get(&url)
            .bearer_auth(&sibling)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let big = upload(
        [b"%PDF-".to_vec(), vec![b'x'; 11 << 20]].concat(),
        "big.pdf",
        "rules",
    )
    .await;
    assert!(
        big.map(|r| r.status().is_client_error()).unwrap_or(true),
        "over 10 MiB is refused"
    );
}

both!(
    the_dashboard_counts_by_district_and_exports_to_excel,
    dashboard
);
async fn dashboard(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let p = demo_programme(&app, &city).await;
    let pid = p["id"].as_str().unwrap();
    let root = app.org_id("示例市总工会").await;
    let (status, d) = app
        .get(
            &format!("/api/v1/orgs/{root}/dashboard?programme_id={pid}"),
            &city,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    // Demo: draft 1, submitted 2, returned 1, approved 1, running 2, closed 1.
    assert_eq!(d["totals"]["classes"], json!([1, 2, 1, 1, 2, 1]));
    assert_eq!(d["totals"]["participating_units"], 4);
    assert_eq!(d["totals"]["capacity"], 45 + 30 + 40 + 50);
    assert_eq!(d["totals"]["units"], 30);
    let east = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "东城区总工会")
        .unwrap();
    assert_eq!(
        (east["participating_units"].as_i64(), east["units"].as_i64()),
        (Some(3), Some(8))
    );
    let district = app.token("dongcheng_admin").await;
    let east_id = app.org_id("东城区总工会").await;
    assert_eq!(
        app.get(
            &format!("/api/v1/orgs/{root}/dashboard?programme_id={pid}"),
            &district
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (_, dd) = app
        .get(
            &format!("/api/v1/orgs/{east_id}/dashboard?programme_id={pid}"),
            &district,
        )
        .await;
    assert_eq!(dd["totals"]["participating_units"], 3);
    let s = crate::support::web::WebSession::login(&app, "city_admin").await;
    let res = s
        .http
        .get(format!("{}/programmes/{pid}/dashboard.xlsx", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("托管班统计").unwrap();
    let text = |r: u32, c: u32| {
        sheet
            .get_value((r, c))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert!(text(0, 0).contains("示例市总工会"));
    assert_eq!(text(3, 0), "单位");
    let last = sheet.height() as u32 - 1;
    assert_eq!(text(last, 0), "合计");
    assert_eq!(text(last, 2), "4");
}
