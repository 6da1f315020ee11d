//! Model classes (issue 17, SPEC §12). The demo's closed class of last summer is named: every
//! criterion passes from its records, its certificate is a PDF with its Chinese fonts embedded
//! (checked with `pdffonts`, rendered with `pdftoppm`, the PNG kept as an artefact) and its notice
//! is public with nothing personal. Then the whole journey again through the API, the demo's
//! naming undone: apply (closed classes only, once, by the host), assign a reviewer, score
//! against the rubric, publish the notice within the quota, record and handle an objection, name
//! after the period — a class failing a criterion is never named, whatever its scores.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::{Backend, TestApp, error_fields, tokens};

pub(crate) fn artifacts() -> std::path::PathBuf {
    let dir = std::env::var("TUOGUAN_ARTIFACTS")
        .unwrap_or_else(|_| format!("{}/../../target/artifacts", env!("CARGO_MANIFEST_DIR")));
    std::fs::create_dir_all(&dir).unwrap();
    std::path::PathBuf::from(dir)
}

/// The certificate's bytes as `token` downloads them.
async fn certificate(app: &TestApp, id: &str, token: &str) -> (StatusCode, Vec<u8>, String) {
    let res = app
        .http
        .get(app.url(&format!("/api/v1/model-applications/{id}/certificate.pdf")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, res.bytes().await.unwrap().to_vec(), kind)
}

/// Checks a PDF with poppler: one page, every font embedded; keeps it and its PNG as artefacts.
pub(crate) fn checked_pdf(bytes: &[u8], name: &str) {
    let dir = artifacts();
    let pdf = dir.join(format!("{name}.pdf"));
    std::fs::write(&pdf, bytes).unwrap();
    let fonts = std::process::Command::new("pdffonts")
        .arg(&pdf)
        .output()
        .expect("pdffonts (poppler-utils, installed by scripts/test.sh)");
    let listing = String::from_utf8_lossy(&fonts.stdout).to_string();
    let rows: Vec<&str> = listing.lines().skip(2).collect();
    assert!(!rows.is_empty(), "fonts in the certificate: {listing}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type [encoding…] emb sub uni object ID: `emb` is the fifth field from the end.
        assert_eq!(cols[cols.len() - 5], "yes", "embedded: {row}");
    }
    assert!(listing.contains("CJK"), "the Chinese font: {listing}");
    let png = dir.join(name);
    let out = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile"])
        .arg(&pdf)
        .arg(&png)
        .output()
        .expect("pdftoppm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let image = std::fs::read(dir.join(format!("{name}.png"))).unwrap();
    assert!(
        image.starts_with(b"\x89PNG") && image.len() > 10_000,
        "a rendered page"
    );
}

async fn programme(app: &TestApp, token: &str, year: &str) -> String {
    let (_, all) = app.get("/api/v1/programmes", token).await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|p| p["season"] == "summer" && p["year"].as_i64() == year.parse().ok())
        .unwrap_or_else(|| panic!("summer {year}: {all}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn find<'a>(list: &'a Value, key: &str, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[key].as_str().is_some_and(|n| n.contains(name)))
        .unwrap_or_else(|| panic!("{name} in {list}"))
}

async fn naming(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let [city, hosp, power, expert, other] = tokens(
        &app,
        [
            "city_admin",
            "hospital_admin",
            "power_admin",
            "expert",
            "linjiang_admin",
        ],
    )
    .await;
    let pid = programme(&app, &city, "2025").await;
    let overview = format!("/api/v1/programmes/{pid}/model-classes");

    // The demo's class: named, every criterion passing, its certificate and its public notice.
    let (s, o) = app.get(&overview, &city).await;
    assert_eq!(s, StatusCode::OK, "{o}");
    let named = find(&o["applications"], "class_name", "医院");
    assert_eq!(named["status"], "named");
    assert_eq!(named["certificate_no"], "市级示范〔2025〕第001号");
    assert_eq!(named["eligible"], true, "{}", named["criteria"]);
    assert_eq!(named["criteria"].as_array().unwrap().len(), 10);
    let sat = find(&named["criteria"], "code", "model.satisfaction");
    assert_eq!(
        (sat["actual"].as_str(), sat["pass"].as_bool()),
        (Some("90.00%"), Some(true))
    );
    let id = named["id"].as_str().unwrap();
    let (s, pdf, kind) = certificate(&app, id, &hosp).await;
    assert_eq!((s, kind.as_str()), (StatusCode::OK, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF"));
    checked_pdf(&pdf, &format!("{}-certificate", crate::browser::tag(b)));
    assert_eq!(certificate(&app, id, &other).await.0, StatusCode::NOT_FOUND);
    let notice = o["notice"]["id"].as_str().unwrap().to_string();
    let (s, n) = app
        .call(
            Method::GET,
            &format!("/api/v1/notices/{notice}"),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "public: {n}");
    assert_eq!(n["entries"][0]["class_name"], named["class_name"]);
    for secret in ["黄丽", "孙倩", "李秀英", "陈静", "刘洋"] {
        assert!(
            !n.to_string().contains(secret),
            "the notice names no one: {n}"
        );
    }
    assert!(
        o["objections"][0]["handling"]
            .as_str()
            .unwrap()
            .contains("不影响命名")
    );
    let (_, sib) = app.get(&overview, &other).await;
    assert!(
        sib.to_string().len() < 200,
        "another city reads nothing: {sib}"
    );

    // The journey again through the API: the demo's naming undone.
    for sql in [
        "DELETE FROM model_objections",
        "DELETE FROM model_notices",
        "DELETE FROM model_scores",
        "DELETE FROM model_reviewers",
        "DELETE FROM model_applications",
    ] {
        tuoguan::on_db!(&app.state.db, c => sqlx::query(sql).execute(c).await.map(|_| ())).unwrap();
    }
    let (_, classes) = app
        .get(&format!("/api/v1/classes?programme_id={pid}"), &city)
        .await;
    let hospital = find(&classes, "name", "医院")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let small = find(&classes, "name", "供电")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"statement": "本班安全规范、课程丰富，家长满意。"});
    let apply = |c: &str| format!("/api/v1/classes/{c}/model-application");
    assert_eq!(
        app.post(&apply(&hospital), &city, body.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&apply(&hospital), &other, body.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, e) = app
        .post(&apply(&hospital), &hosp, json!({"statement": " "}))
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["statement".into()])
    );
    let (living, running) = crate::questionnaires::living(&app, &city).await;
    let _ = living;
    assert_eq!(
        app.post(&apply(&running), &hosp, body.clone()).await.0,
        StatusCode::CONFLICT,
        "a running class"
    );
    let (s, h) = app.post(&apply(&hospital), &hosp, body.clone()).await;
    assert_eq!(
        (s, h["eligible"].as_bool()),
        (StatusCode::CREATED, Some(true)),
        "{h}"
    );
    assert_eq!(
        app.post(&apply(&hospital), &hosp, body.clone()).await.0,
        StatusCode::CONFLICT
    );
    let (s, p) = app.post(&apply(&small), &power, body.clone()).await;
    assert_eq!(
        (s, p["eligible"].as_bool()),
        (StatusCode::CREATED, Some(false)),
        "{p}"
    );
    let children = find(&p["criteria"], "code", "model.children");
    assert_eq!(
        (children["actual"].as_str(), children["required"].as_str()),
        (Some("6"), Some("20"))
    );
    let (h, p) = (
        h["id"].as_str().unwrap().to_string(),
        p["id"].as_str().unwrap().to_string(),
    );

    // Reviewers: assigned by the city, experts of its area only; scores within the rubric.
    let score = |a: &str| format!("/api/v1/model-applications/{a}/score");
    let good = json!({"items": [28, 23, 14, 14, 13], "comment": "规范"});
    let unassigned = app
        .call(Method::PUT, &score(&h), Some(&expert), Some(good.clone()))
        .await;
    assert_eq!(
        unassigned.0,
        StatusCode::NOT_FOUND,
        "an expert not assigned sees no application"
    );
    let reviewers = format!("/api/v1/programmes/{pid}/model-reviewers");
    let hosp_id = app.user_id("hospital_admin").await;
    let (s, e) = app
        .post(&reviewers, &city, json!({"user_id": hosp_id}))
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["user_id".into()])
    );
    assert_eq!(
        app.post(
            &reviewers,
            &hosp,
            json!({"user_id": app.user_id("expert").await})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (s, r) = app
        .post(
            &reviewers,
            &city,
            json!({"user_id": app.user_id("expert").await}),
        )
        .await;
    assert_eq!((s, r[0]["name"].as_str()), (StatusCode::OK, Some("陈静")));
    let over = json!({"items": [31, 23, 14, 14, 13]});
    let (s, e) = app
        .call(Method::PUT, &score(&h), Some(&expert), Some(over))
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["items".into()])
    );
    let (s, scored) = app
        .call(Method::PUT, &score(&h), Some(&expert), Some(good))
        .await;
    assert_eq!(
        (s, scored["mean_score"].as_i64(), scored["rank"].as_i64()),
        (StatusCode::OK, Some(9200), Some(1)),
        "{scored}"
    );
    let best = json!({"items": [30, 25, 15, 15, 15]});
    let (_, top) = app
        .call(Method::PUT, &score(&p), Some(&expert), Some(best))
        .await;
    assert_eq!(
        (top["mean_score"].as_i64(), top["rank"].as_i64()),
        (Some(10000), None),
        "failing a criterion: no rank, whatever its score"
    );

    // The notice: never a class failing a criterion; by default the best-ranked within the quota.
    let notice_path = format!("/api/v1/programmes/{pid}/model-notice");
    let (s, e) = app
        .post(&notice_path, &city, json!({"application_ids": [p]}))
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["application_ids".into()]
        )
    );
    let (s, e) = app.post(&notice_path, &city, json!({"days": 3})).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["days".into()])
    );
    assert_eq!(
        app.post(&notice_path, &hosp, json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, n) = app.post(&notice_path, &city, json!({"days": 5})).await;
    assert_eq!(s, StatusCode::CREATED, "{n}");
    let entries: Vec<&str> = n["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["application_id"].as_str().unwrap())
        .collect();
    assert_eq!(entries, [h.as_str()]);
    assert_eq!(
        app.post(&notice_path, &city, json!({})).await.0,
        StatusCode::CONFLICT
    );
    let again = json!({"items": [20, 20, 10, 10, 10]});
    assert_eq!(
        app.call(Method::PUT, &score(&h), Some(&expert), Some(again))
            .await
            .0,
        StatusCode::CONFLICT,
        "scores close with the notice"
    );
    let nid = n["id"].as_str().unwrap();

    // Objections during the period; naming only after it, every objection handled.
    let naming = format!("/api/v1/notices/{nid}/naming");
    assert_eq!(
        app.post(&naming, &city, json!({})).await.0,
        StatusCode::CONFLICT,
        "the period runs"
    );
    let objections = format!("/api/v1/notices/{nid}/objections");
    let today = tuoguan::calendar::today().to_string();
    let (s, e) = app
        .post(
            &objections,
            &city,
            json!({"application_id": p, "summary": "x", "received_on": today}),
        )
        .await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["application_id".into()]
        )
    );
    let (s, list) = app
        .post(
            &objections,
            &city,
            json!({"application_id": h, "summary": "反映午餐单一", "received_on": today}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{list}");
    let oid = list[0]["id"].as_str().unwrap().to_string();
    let sql = "UPDATE model_notices SET starts_on = '2025-10-01', ends_on = '2025-10-07'";
    tuoguan::on_db!(&app.state.db, c => sqlx::query(sql).execute(c).await.map(|_| ())).unwrap();
    assert_eq!(
        app.post(&naming, &city, json!({})).await.0,
        StatusCode::CONFLICT,
        "an objection open"
    );
    let handling = format!("/api/v1/objections/{oid}/handling");
    let decision = json!({"upheld": false, "handling": "经核查菜谱按营养标准制定，不影响命名。"});
    assert_eq!(
        app.post(&handling, &hosp, decision.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&handling, &city, decision.clone()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.post(&handling, &city, decision).await.0,
        StatusCode::CONFLICT
    );
    let (s, done) = app.post(&naming, &city, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(
        app.post(&naming, &city, json!({})).await.0,
        StatusCode::CONFLICT,
        "once"
    );
    let (_, o) = app.get(&overview, &city).await;
    let named = find(&o["applications"], "class_name", "医院");
    assert_eq!(
        (named["status"].as_str(), named["certificate_no"].as_str()),
        (Some("named"), Some("市级示范〔2025〕第001号"))
    );
    let not = find(&o["applications"], "class_name", "供电");
    assert_eq!(
        (not["status"].as_str(), not["not_named_reason"].as_str()),
        (Some("not_named"), Some("not_proposed"))
    );
    assert_eq!(
        certificate(&app, &p, &power).await.0,
        StatusCode::CONFLICT,
        "no certificate unnamed"
    );
    let (s, pdf, _) = certificate(&app, &h, &city).await;
    assert!(s == StatusCode::OK && pdf.starts_with(b"%PDF"));
}
both!(naming_model_classes, naming);
