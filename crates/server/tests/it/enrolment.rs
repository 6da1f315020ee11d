//! Children and enrolment through the API: the parent's journey, what enrolment requires,
//! eligibility, the lottery, guardian rights, retention, and the protection of children's data.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::classes::{class, register, step};
use crate::programmes::demo_programme;
use crate::support::{Backend, TestApp, error_fields};

pub const PARENT_PHONE: &str = "13612345678";
pub const PARENT_PASSWORD: &str = "Kid$Care2026x";

/// A valid ID number born on `birth` (YYYYMMDD) in Dongcheng, Beijing, with serial `serial`.
pub fn id_number(birth: &str, serial: u32) -> String {
    tuoguan_domain::id_number::with_check_char(&format!("110101{birth}{serial:03}")).unwrap()
}

/// Registers a parent and returns their token.
pub async fn parent(app: &TestApp, phone: &str) -> String {
    let body = json!({"phone": phone, "name": "周敏", "password": PARENT_PASSWORD, "employer": "示例市第一人民医院", "priorities": ["双职工"]});
    let (status, b) = app
        .call(reqwest::Method::POST, "/api/v1/parents", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let body = json!({"username": phone, "password": PARENT_PASSWORD});
    let (status, t) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t["token"].as_str().unwrap().to_string()
}

/// A child's body for `POST /api/v1/children`.
pub fn child(name: &str, id: Option<&str>) -> Value {
    json!({"name": name, "gender": "female", "birth_date": "2017-03-08", "school": "示例市实验小学", "grade": "3",
           "id_number": id, "health_notes": "青霉素过敏", "relationship": "母亲", "consent": true})
}

/// The city's 2027 summer programme (opened on first use): classes open for applications must
/// not have ended, and the demo's 2026 season is over by the time the suite runs.
pub async fn programme_2027(app: &TestApp) -> String {
    let city = app.token("city_admin").await;
    let (_, list) = app.get("/api/v1/programmes", &city).await;
    if let Some(p) = list.as_array().unwrap().iter().find(|p| p["year"] == 2027) {
        return p["id"].as_str().unwrap().to_string();
    }
    let body = json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"});
    let (status, p) = app.post("/api/v1/programmes", &city, body).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    p["id"].as_str().unwrap().to_string()
}

/// An approved class of the hospital with `capacity` places, from 2027-07-05 to 2027-08-13.
pub async fn approved_class(app: &TestApp, name: &str, capacity: i64) -> String {
    let unit = app.token("hospital_admin").await;
    let city = app.token("city_admin").await;
    let p = programme_2027(app).await;
    let id = register(
        app,
        &unit,
        class(&p, name, |v| {
            v["capacity"] = json!(capacity);
            v["start_date"] = json!("2027-07-05");
            v["end_date"] = json!("2027-08-13");
        }),
    )
    .await;
    assert_eq!(step(app, &unit, &id, "submit", "").await.0, StatusCode::OK);
    assert_eq!(step(app, &city, &id, "approve", "").await.0, StatusCode::OK);
    id
}

pub async fn apply(app: &TestApp, token: &str, child: &str, class: &str) -> String {
    let body = json!({"child_id": child, "class_id": class});
    let (status, a) = app.post("/api/v1/applications", token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    a["id"].as_str().unwrap().to_string()
}

/// A parent's child accepted in a new class of the hospital.
pub(crate) struct Accepted {
    pub(crate) unit: String,
    pub(crate) me: String,
    pub(crate) class_id: String,
    pub(crate) child_id: String,
    pub(crate) application: String,
}

pub(crate) async fn accepted(app: &TestApp, class_name: &str, id: &str) -> Accepted {
    let unit = app.token("hospital_admin").await;
    let class_id = approved_class(app, class_name, 10).await;
    let me = parent(app, PARENT_PHONE).await;
    let (_, c) = app
        .post("/api/v1/children", &me, child("林小雨", Some(id)))
        .await;
    let child_id = c["id"].as_str().unwrap().to_string();
    let application = apply(app, &me, &child_id, &class_id).await;
    assert_eq!(
        decide(app, &unit, &application, "accept").await.0,
        StatusCode::OK
    );
    Accepted {
        unit,
        me,
        class_id,
        child_id,
        application,
    }
}

async fn decide(app: &TestApp, token: &str, app_id: &str, d: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/applications/{app_id}/decision");
    app.post(&path, token, json!({"decision": d, "reason": "测试"}))
        .await
}

fn insurance(payer: &str) -> Value {
    json!({"insurer": "中国人寿", "policy_no": "P2026-001", "valid_from": "2027-07-01", "valid_to": "2027-08-31", "payer": payer})
}

both!(
    a_parent_registers_adds_a_child_with_consent_applies_signs_insures_and_is_enrolled,
    journey
);
async fn journey(b: Backend) {
    let app = TestApp::spawn(b).await;
    let class_id = approved_class(&app, "医院第二期托管班", 20).await;
    // A registration with a bad phone, a weak password and no employer names each field.
    let body = json!({"phone": "12345", "name": "周敏", "password": "short", "employer": ""});
    let (status, err) = app
        .call(reqwest::Method::POST, "/api/v1/parents", None, Some(body))
        .await;
    let mut f = error_fields(&err);
    f.sort();
    assert_eq!(
        (status, f),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["employer".to_string(), "password".into(), "phone".into()]
        )
    );
    let me = parent(&app, PARENT_PHONE).await;
    // No consent → nothing stored, and the consent is named.
    let mut no_consent = child("林小雨", None);
    no_consent["consent"] = json!(false);
    let (status, err) = app.post("/api/v1/children", &me, no_consent).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["consent"]);
    assert_eq!(app.get("/api/v1/children", &me).await.1, json!([]));
    // A wrong ID number says what is wrong with it.
    let mut bad = child("林小雨", Some("110101201703080011"));
    bad["id_number"] = json!("110101201703080012");
    let (status, err) = app.post("/api/v1/children", &me, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["error"]["fields"]["id_number"]
            .as_str()
            .unwrap()
            .contains("校验位"),
        "{err}"
    );
    let id = id_number("20170308", 2);
    let (status, c) = app
        .post("/api/v1/children", &me, child("林小雨", Some(&id)))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        c["id_number_masked"],
        format!("{}********{}", &id[..6], &id[14..])
    );
    assert_eq!(c["consents"][0]["notice_version"], "2026-1");
    let child_id = c["id"].as_str().unwrap().to_string();
    let a = apply(&app, &me, &child_id, &class_id).await;
    // Enrolling now names every missing item.
    let unit = app.token("hospital_admin").await;
    let (status, err) = decide(&app, &unit, &a, "enrol").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let mut f = error_fields(&err);
    f.sort();
    assert_eq!(f, vec!["agreement", "insurance"]);
    assert_eq!(decide(&app, &unit, &a, "accept").await.0, StatusCode::OK);
    let path = format!("/api/v1/applications/{a}/agreement");
    let (status, v) = app.post(&path, &me, json!({"version": "2026-1"})).await;
    assert_eq!(
        (status, v["status"].as_str()),
        (StatusCode::OK, Some("accepted"))
    );
    // Union funds may not pay unless the programme allows it.
    let path = format!("/api/v1/applications/{a}/insurance");
    let put = |body| app.call(reqwest::Method::PUT, &path, Some(&me), Some(body));
    let (status, err) = put(insurance("union_funds")).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["payer".to_string()])
    );
    // The last item completes the enrolment of an accepted child.
    let (status, v) = put(insurance("guardian")).await;
    assert_eq!(
        (status, v["status"].as_str()),
        (StatusCode::OK, Some("enrolled")),
        "{v}"
    );
    // The unit sees the masked number only; the reveal is a logged action.
    let (_, list) = app
        .get(&format!("/api/v1/classes/{class_id}/applications"), &unit)
        .await;
    assert!(!list.to_string().contains(&id));
    assert!(list.to_string().contains(&id[14..]));
    let (status, r) = app
        .post(
            &format!("/api/v1/children/{child_id}/reveal"),
            &unit,
            json!({}),
        )
        .await;
    assert_eq!(
        (status, r["id_number"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    assert_eq!(app.audit("child.reveal").await.len(), 1);
    let staff = app.token("class_staff").await;
    let (status, _) = app
        .post(
            &format!("/api/v1/children/{child_id}/reveal"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Every view of the record is audited; the health notes reach those who need them.
    let (_, seen) = app
        .get(&format!("/api/v1/children/{child_id}"), &staff)
        .await;
    assert_eq!(seen["health_notes"], "青霉素过敏");
    assert!(app.audit("child.view").await.len() >= 2);
    // Another family and a sibling unit get 404 on everything of this child.
    let other = parent(&app, "13612340000").await;
    let sibling = app.token("power_admin").await;
    for t in [&other, &sibling] {
        for path in [
            format!("/api/v1/children/{child_id}"),
            format!("/api/v1/applications/{a}"),
            format!("/api/v1/children/{child_id}/export"),
        ] {
            assert_eq!(app.get(&path, t).await.0, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _) = app
            .post(&format!("/api/v1/children/{child_id}/reveal"), t, json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.get("/api/v1/children", &other).await.1, json!([]));
    assert_eq!(
        app.get(
            &format!("/api/v1/classes/{class_id}/applications"),
            &sibling
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    // A pickup person with a bad phone is refused and names the field.
    let bad = json!({"name": "林国强", "relationship": "祖父", "phone": "1370000"});
    let (status, err) = app
        .post(&format!("/api/v1/children/{child_id}/pickups"), &me, bad)
        .await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["phone".to_string()])
    );
    // Pickup persons: the guardian adds one; another family cannot.
    let pickup = json!({"name": "林国强", "relationship": "祖父", "phone": "13700001234"});
    let (status, p) = app
        .post(
            &format!("/api/v1/children/{child_id}/pickups"),
            &me,
            pickup.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let (status, _) = app
        .post(
            &format!("/api/v1/children/{child_id}/pickups"),
            &other,
            pickup,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The photo: up to 2 MiB as documented (past the app-wide 1 MiB body limit), not a byte more.
    let photo = format!(
        "{}/api/v1/children/{child_id}/pickups/{}/photo",
        app.base,
        p["id"].as_str().unwrap()
    );
    let put = |bytes: Vec<u8>| {
        app.http
            .put(&photo)
            .bearer_auth(&me)
            .header("content-type", "image/jpeg")
            .body(bytes)
            .send()
    };
    // A JPEG by its first bytes (the type comes from them, not from the header).
    let jpeg = |len: usize| [vec![0xFF, 0xD8, 0xFF], vec![0xFF; len - 3]].concat();
    let res = put(jpeg(2 << 20)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = put(jpeg((2 << 20) + 1)).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error_fields(&err), vec!["photo".to_string()]);
    let res = app.http.get(&photo).bearer_auth(&me).send().await.unwrap();
    assert_eq!(
        res.bytes().await.unwrap().len(),
        2 << 20,
        "the 2 MiB photo kept"
    );
}

both!(
    enrolment_rules_capacity_kindergarten_share_and_overlap,
    rules
);
async fn rules(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let me = parent(&app, PARENT_PHONE).await;
    let small = approved_class(&app, "小班", 1).await;
    let same_dates = approved_class(&app, "同期班", 20).await;
    let mut kids = Vec::new();
    for (i, name) in ["甲", "乙"].iter().enumerate() {
        let (_, c) = app
            .post(
                "/api/v1/children",
                &me,
                child(
                    &format!("林{name}"),
                    Some(&id_number("20170308", 10 + i as u32)),
                ),
            )
            .await;
        kids.push(c["id"].as_str().unwrap().to_string());
    }
    let a1 = apply(&app, &me, &kids[0], &small).await;
    let a2 = apply(&app, &me, &kids[1], &small).await;
    assert_eq!(decide(&app, &unit, &a1, "accept").await.0, StatusCode::OK);
    // The one place is taken: the class is full.
    let (status, err) = decide(&app, &unit, &a2, "accept").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err.to_string().contains("名额已满"), "{err}");
    // The first child holds a place on the same dates: the overlap names the other class.
    let a3 = apply(&app, &me, &kids[0], &same_dates).await;
    let (status, err) = decide(&app, &unit, &a3, "accept").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err.to_string().contains("小班"), "{err}");
    // Applying twice to a class is refused; a rejection needs a reason.
    let body = json!({"child_id": kids[0], "class_id": small});
    assert_eq!(
        app.post("/api/v1/applications", &me, body).await.0,
        StatusCode::CONFLICT
    );
    let path = format!("/api/v1/applications/{a2}/decision");
    let (status, err) = app.post(&path, &unit, json!({"decision": "reject"})).await;
    assert_eq!(
        (status, error_fields(&err)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
    );
    // The parent may withdraw, not accept.
    assert_eq!(
        decide(&app, &me, &a2, "accept").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        decide(&app, &me, &a2, "withdraw").await.1["status"],
        "withdrawn"
    );
    // A class that is not open takes no applications.
    let city = app.token("city_admin").await;
    let pid = demo_programme(&app, &city).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, classes) = app
        .get(&format!("/api/v1/classes?programme_id={pid}"), &city)
        .await;
    let draft = classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "draft")
        .unwrap();
    let body = json!({"child_id": kids[1], "class_id": draft["id"]});
    let (status, err) = app.post("/api/v1/applications", &me, body).await;
    assert_eq!(
        (status, error_fields(&err)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["class_id".to_string()]
        )
    );
}

both!(
    an_oversubscribed_class_draws_lots_that_anyone_can_rerun,
    lottery
);
async fn lottery(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class_id = approved_class(&app, "摇号班", 3).await;
    let mut apps = Vec::new();
    for i in 0..8u32 {
        let t = parent(&app, &format!("1361234{:04}", 100 + i)).await;
        let (_, c) = app
            .post(
                "/api/v1/children",
                &t,
                child("林多多", Some(&id_number("20170308", 50 + i))),
            )
            .await;
        apps.push(apply(&app, &t, c["id"].as_str().unwrap(), &class_id).await);
    }
    let path = format!("/api/v1/classes/{class_id}/lottery");
    let (status, d) = app
        .post(&path, &unit, json!({"seed_text": "2026-06-20 福彩3D 731"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    assert_eq!(d["admitted"].as_array().unwrap().len(), 3);
    assert_eq!(d["waitlist"].as_array().unwrap().len(), 5);
    // Every applicant claimed a priority, so the order is the seeded shuffle of all of them.
    let (_, list) = app
        .get(&format!("/api/v1/classes/{class_id}/applications"), &unit)
        .await;
    let accepted: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "accepted")
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(accepted.len(), 3);
    assert!(
        accepted
            .iter()
            .all(|a| d["admitted"].as_array().unwrap().contains(&json!(a)))
    );
    // Anyone re-runs the published draw and gets the same result, signed in or not.
    let (_, published) = app.get(&path, &app.token("city_viewer").await).await;
    let p = &published[0];
    let rerun = json!({"seed_text": p["seed_text"], "places": p["places"], "kindergarten_places": p["kindergarten_places"], "applicants": p["applicants"]});
    let (status, r) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/lottery/rerun",
            None,
            Some(rerun.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(
        (&r["order"], &r["admitted"], &r["seed"]),
        (&p["order"], &p["admitted"], &p["seed"])
    );
    let mut by_seed = rerun;
    by_seed["seed_text"] = Value::Null;
    by_seed["seed"] = p["seed"].clone();
    let (_, r2) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/lottery/rerun",
            None,
            Some(by_seed),
        )
        .await;
    assert_eq!(r2["order"], p["order"]);
    assert!(tuoguan::enrolment::lottery::verify(
        &serde_json::from_value(p.clone()).unwrap()
    ));
    // The command line re-runs the published list, and notices a tampered one.
    let dir = tempfile_dir();
    let file = dir.join("draws.json");
    std::fs::write(&file, published.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tuoguan"))
        .arg("lottery")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("same result"),
        "{out:?}"
    );
    let mut forged = p.clone();
    forged["admitted"] = forged["waitlist"].clone();
    std::fs::write(&file, forged.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tuoguan"))
        .arg("lottery")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    // A sibling unit sees no draw; nothing is left to draw.
    assert_eq!(
        app.get(&path, &app.token("power_admin").await).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(&path, &unit, json!({})).await.0,
        StatusCode::CONFLICT
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tg-lottery-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}
