//! The scope sweep: every route, asked by users of every role from a sibling organisation (the
//! neighbouring city 邻江市) about real objects of 示例市, answers 401/403/404 (or 422 for a foreign
//! parent in a create) and leaks nothing; anonymous callers get 401 or the sign-in page.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::scope_sweep_bodies::body_for;
use crate::support::{Backend, PASSWORD, TestApp};

/// Roles a sibling user can hold, with the sibling organisation they are bound to.
const SIBLING_ROLES: &[(&str, &str)] = &[
    ("federation_admin", "邻江市总工会"),
    ("federation_viewer", "邻江市总工会"),
    ("inspector", "邻江市总工会"),
    ("expert_reviewer", "邻江市总工会"),
    ("grassroots_admin", "邻江钢铁集团工会"),
    ("class_manager", "邻江钢铁集团工会"),
    ("class_staff", "邻江钢铁集团工会"),
    ("parent", "邻江钢铁集团工会"),
    ("course_provider", "邻江钢铁集团工会"),
    ("student", "邻江钢铁集团工会"),
];

/// Words of the target's data that must never appear in an answer to a sibling.
pub(crate) const SECRETS: &[&str] = &[
    "东城区总工会",
    "黄丽",
    "hospital_admin",
    "示例市第一人民医院工会",
    "医院职工子女暑期爱心托管班",
    "王晓梅",
    "示例市计划",
    "孙倩",
    "花生过敏",
    crate::scope_sweep_funding::VOUCHER,
];

/// Real objects of 示例市 the sweep aims at.
pub(crate) struct Targets {
    pub(crate) org: String,
    pub(crate) user: String,
    pub(crate) grant: String,
    pub(crate) programme: String,
    pub(crate) milestone: String,
    /// A compiled report's milestone (the preparation report) of the same programme.
    pub(crate) report: String,
    pub(crate) submission: String,
    pub(crate) class: String,
    pub(crate) staff: String,
    pub(crate) file: String,
    /// A file the hospital's union attached to its preparation report.
    pub(crate) attachment: String,
    /// 示例市总工会's inspection plan for the programme, and one of its inspections.
    pub(crate) plan: String,
    pub(crate) inspection: String,
    /// A rectification task of another class of the plan, recorded by the city's inspector.
    pub(crate) rectification: String,
    /// That inspection, and a photo its inspector took.
    pub(crate) inspected: String,
    pub(crate) photo: String,
    /// Evidence given of that task's fix.
    pub(crate) evidence: String,
    pub(crate) child: String,
    pub(crate) application: String,
    /// The closed power class's model-class application, a notice proposing it, an objection.
    pub(crate) model: String,
    pub(crate) notice: String,
    pub(crate) objection: String,
    pub(crate) pickup: String,
    pub(crate) incident: String,
    pub(crate) item: String,
    pub(crate) card: String,
    pub(crate) money: crate::scope_sweep_funding::Money,
}

impl Targets {
    /// Every id a placeholder: for checking which routes the sweep's paths cover.
    pub(crate) fn placeholder() -> Targets {
        let x = || "x".to_string();
        Targets {
            org: x(),
            user: x(),
            grant: x(),
            programme: x(),
            milestone: x(),
            report: x(),
            submission: x(),
            class: x(),
            staff: x(),
            file: x(),
            attachment: x(),
            plan: x(),
            inspection: x(),
            rectification: x(),
            inspected: x(),
            photo: x(),
            evidence: x(),
            child: x(),
            application: x(),
            model: x(),
            notice: x(),
            objection: x(),
            pickup: x(),
            incident: x(),
            item: x(),
            card: x(),
            money: crate::scope_sweep_funding::Money::placeholder(),
        }
    }
}

/// A questionnaire link nobody was given (a real one opens its class's name to anyone holding it).
pub(crate) const NO_LINK: &str = "00000000000000000000000000000000";

pub(crate) fn pdf_form() -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4 test".to_vec()).file_name("接送制度.pdf");
    reqwest::multipart::Form::new()
        .text("kind", "rules")
        .part("file", part)
}

/// Uploads [`pdf_form`] to `path` as `token`; the stored file's id.
async fn upload_pdf(app: &TestApp, path: &str, token: &str) -> String {
    let req = app.http.post(app.url(path)).bearer_auth(token);
    let res = req.multipart(pdf_form()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{path}");
    let stored: Value = res.json().await.unwrap();
    stored["id"].as_str().unwrap().to_string()
}

/// Adds the plan's other running class by hand, has 刘洋 inspect it and fail its fire safety: the
/// inspection's id and its rectification task's.
async fn rectification_of(
    app: &TestApp,
    city: &str,
    plan: &str,
    sampled: &str,
) -> (String, String) {
    let (_, view) = app
        .get(&format!("/api/v1/inspection-plans/{plan}"), city)
        .await;
    let taken = view["inspections"][0]["class_id"].clone();
    let other = view["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["class_id"].clone())
        .find(|c| *c != taken)
        .expect("a second running class");
    let body = json!({"class_id": other, "reason": "复查"});
    let path = format!("/api/v1/inspection-plans/{plan}/inspections");
    let (status, added) = app.post(&path, city, body).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let id = added["id"].as_str().unwrap();
    assert_ne!(id, sampled);
    let liu = json!({"inspector_id": app.user_id("inspector").await});
    let assign = format!("/api/v1/inspections/{id}/inspector");
    assert_eq!(
        app.call(Method::PUT, &assign, Some(city), Some(liu))
            .await
            .0,
        StatusCode::OK
    );
    let deadline = (chrono::Utc::now().date_naive() + chrono::Days::new(7)).to_string();
    let lines = crate::inspections::lines(Some(("fire", &deadline)));
    let inspector = app.token("inspector").await;
    let record = format!("/api/v1/inspections/{id}/record");
    let (status, done) = app.post(&record, &inspector, json!({"lines": lines})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let task = done["rectifications"][0]["id"].as_str().unwrap();
    (id.to_string(), task.to_string())
}

pub(crate) async fn setup(app: &TestApp) -> (Targets, Vec<(String, String)>) {
    let admin = app.token("admin").await;
    let mut siblings = Vec::new();
    for (role, org) in SIBLING_ROLES {
        let org_id = app.org_id(org).await;
        let username = format!("sib_{role}");
        let body = json!({"username": username, "display_name": "邻江用户", "password": PASSWORD, "org_id": org_id, "roles": [{"role": role, "org_id": org_id}]});
        let (status, body) = app.post("/api/v1/users", &admin, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        siblings.push((role.to_string(), username));
    }
    let user = app.user_id("hospital_admin").await;
    let (_, u) = app.get(&format!("/api/v1/users/{user}"), &admin).await;
    let hospital = app.token("hospital_admin").await;
    let (_, programmes) = app.get("/api/v1/programmes", &hospital).await;
    let programme = programmes[0]["id"].as_str().unwrap().to_string();
    let milestone = programmes[0]["milestones"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let report = programmes[0]["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "preparation")
        .expect("a preparation report")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let plan = json!({"objectives": "示例市计划", "measures": "m", "funding": "f", "supervision": "s", "submit": true});
    let path = format!("/api/v1/programmes/{programme}/milestones/{milestone}/submissions");
    let (status, sub) = app.post(&path, &hospital, plan).await;
    assert_eq!(status, StatusCode::OK, "{sub}");
    let (_, classes) = app
        .get(
            &format!("/api/v1/classes?programme_id={programme}"),
            &hospital,
        )
        .await;
    let class = classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "医院职工子女暑期爱心托管班")
        .unwrap();
    let class = class["id"].as_str().unwrap().to_string();
    let (_, staff) = app
        .get(&format!("/api/v1/classes/{class}/staff"), &hospital)
        .await;
    let file = upload_pdf(app, &format!("/api/v1/classes/{class}/files"), &hospital).await;
    let attached = format!("/api/v1/programmes/{programme}/milestones/{report}/attachments");
    let attachment = upload_pdf(app, &attached, &hospital).await;
    let city = app.token("city_admin").await;
    let draw = json!({"seed_text": "2026年督导抽查 示例市"});
    let path = format!("/api/v1/programmes/{programme}/inspection-plan");
    let (status, plan) = app.post(&path, &city, draw).await;
    assert_eq!(status, StatusCode::CREATED, "{plan}");
    let inspection = plan["inspections"][0]["id"].as_str().unwrap().to_string();
    let plan = plan["id"].as_str().unwrap().to_string();
    let (inspected, rectification) = rectification_of(app, &city, &plan, &inspection).await;
    let inspector = app.token("inspector").await;
    let photos = format!("/api/v1/inspections/{inspected}/photos");
    let photo = upload_pdf(app, &photos, &inspector).await;
    let fixed = format!("/api/v1/rectifications/{rectification}/evidence");
    let evidence = upload_pdf(app, &fixed, &admin).await;
    // The demo parent's child enrolled in the hospital's class, with a pickup person.
    let mine = app.token("parent").await;
    let (_, kids) = app.get("/api/v1/children", &mine).await;
    let child = kids[0]["id"].as_str().unwrap().to_string();
    let (_, c) = app.get(&format!("/api/v1/children/{child}"), &mine).await;
    let application = c["applications"][0]["id"].as_str().unwrap().to_string();
    let body = json!({"name": "孙大伟", "relationship": "祖父", "phone": "13700005678"});
    let (_, p) = app
        .post(&format!("/api/v1/children/{child}/pickups"), &mine, body)
        .await;
    let (_, incidents) = app
        .get(&format!("/api/v1/classes/{class}/incidents"), &hospital)
        .await;
    let (_, week) = app
        .get(&format!("/api/v1/classes/{class}/schedule"), &hospital)
        .await;
    let (_, card) = app
        .get(&format!("/api/v1/children/{child}/pickup-card"), &hospital)
        .await;
    let (model, notice, objection) =
        crate::scope_sweep_models::model_class_of(app, &programme).await;
    let targets = Targets {
        money: crate::scope_sweep_funding::money_of(app, &programme, &class).await,
        model,
        notice,
        objection,
        incident: incidents[0]["id"].as_str().unwrap().to_string(),
        item: week[0]["id"].as_str().unwrap().to_string(),
        card: card["code"].as_str().unwrap().to_string(),
        child,
        application,
        pickup: p["id"].as_str().unwrap().to_string(),
        org: app.org_id("东城区总工会").await,
        grant: u["roles"][0]["id"].as_str().unwrap().to_string(),
        user,
        programme,
        milestone,
        report,
        submission: sub["id"].as_str().unwrap().to_string(),
        staff: staff[0]["id"].as_str().unwrap().to_string(),
        class,
        file,
        attachment,
        plan,
        inspection,
        rectification,
        inspected,
        photo,
        evidence,
    };
    (targets, siblings)
}

fn fill(path: &str, t: &Targets) -> String {
    let id = if let Some(id) = crate::scope_sweep_funding::id_for(path, &t.money) {
        id
    } else if path.starts_with("/api/v1/users") {
        &t.user
    } else if path.starts_with("/api/v1/programmes") {
        &t.programme
    } else if path.starts_with("/api/v1/submissions") {
        &t.submission
    } else if path.starts_with("/api/v1/classes") {
        &t.class
    } else if path.starts_with("/api/v1/children") {
        &t.child
    } else if path.starts_with("/api/v1/applications") {
        &t.application
    } else if path.starts_with("/api/v1/incidents") {
        &t.incident
    } else if path.starts_with("/api/v1/inspection-plans") {
        &t.plan
    } else if path.starts_with("/api/v1/inspections") && path.contains("/photos") {
        &t.inspected
    } else if path.starts_with("/api/v1/inspections") {
        &t.inspection
    } else if path.starts_with("/api/v1/rectifications") {
        &t.rectification
    } else if path.starts_with("/api/v1/model-applications") {
        &t.model
    } else if path.starts_with("/api/v1/notices") {
        &t.notice
    } else if path.starts_with("/api/v1/objections") {
        &t.objection
    } else {
        &t.org
    };
    let attached = path.contains("/attachments");
    let report = path.contains("/report") || path.contains("/missing") || attached;
    let milestone = if report { &t.report } else { &t.milestone };
    let file = if attached {
        &t.attachment
    } else if path.contains("/photos") {
        &t.photo
    } else if path.contains("/evidence") {
        &t.evidence
    } else {
        &t.file
    };
    let filled = path
        .replace("{id}", id)
        .replace("{grant_id}", &t.grant)
        .replace("{milestone_id}", milestone)
        .replace("{org_id}", &t.org)
        .replace("{staff_id}", &t.staff)
        .replace("{file_id}", file)
        .replace("{pickup_id}", &t.pickup)
        .replace("{item}", &t.item)
        .replace("{code}", &t.card)
        .replace("{day}", "2026-07-08")
        .replace("{date}", "2026-10-01")
        .replace("{year}", "2026")
        .replace("{audience}", "guardian")
        .replace("{token}", NO_LINK);
    if let Some(q) = crate::scope_sweep_funding::query(path, t) {
        return format!("{filled}{q}");
    }
    match path {
        "/api/v1/classes" | "/api/v1/orgs/{id}/dashboard" => {
            format!("{filled}?programme_id={}", t.programme)
        }
        _ if path.ends_with("/report") || path.ends_with("/attachments") => {
            format!("{filled}?org_id={}", t.org)
        }
        _ => filled,
    }
}

/// Operations a signed-in user of any organisation may legitimately call (on their own data).
fn open_to_all(method: &str, path: &str) -> bool {
    matches!(
        (method, path),
        ("get", "/api/v1/me")
            | ("delete", "/api/v1/auth/token")
            | ("get", "/api/v1/calendar/working-days")
            | ("get", "/api/v1/calendar/years")
            | ("get", "/api/v1/calendar/years/{year}")
            | ("get", "/api/v1/orgs")
            | ("get", "/api/v1/users")
            | ("get", "/api/v1/programmes")
            // A parent's own list and a new child of their own (a parent grant has no unit).
            | ("get", "/api/v1/children")
            | ("post", "/api/v1/parents")
            | ("post", "/api/v1/lottery/rerun")
            | ("get", "/api/v1/enrolment/classes")
            // The incidents of the caller's own subtree (empty for a sibling).
            | ("get", "/api/v1/incidents")
            // The inspections assigned to the caller (none for a sibling); anyone checks a draw.
            | ("get", "/api/v1/inspections")
            | ("get", "/api/v1/rectifications")
            | ("post", "/api/v1/inspections/redraw")
            // A public notice (公示) is public: classes and hosts, nothing personal.
            | ("get", "/api/v1/notices/{id}")
    )
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    t: &Targets,
    token: Option<&str>,
) -> (StatusCode, Value) {
    let upload = path == "/api/v1/classes/{id}/files"
        || path == "/api/v1/classes/{id}/roster/import"
        || path.ends_with("/attachments")
        || path.ends_with("/photos")
        || path.ends_with("/evidence")
        || path.ends_with("/receipt");
    if upload && method == "post" {
        let form = if ["files", "attachments", "photos", "receipt"]
            .iter()
            .any(|e| path.ends_with(e))
        {
            pdf_form()
        } else {
            let csv = crate::roster_import::csv(&[crate::roster_import::good(1)]);
            reqwest::multipart::Form::new()
                .text("consent_attested", "true")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("r.csv"),
                )
        };
        let mut req = app.http.post(app.url(&fill(path, t))).multipart(form);
        if let Some(tok) = token {
            req = req.bearer_auth(tok);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        return (
            status,
            serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null),
        );
    }
    let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    app.call(m, &fill(path, t), token, body_for(path, method, t))
        .await
}

both!(no_route_leaks_across_organisations, sweep);
async fn sweep(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, siblings) = setup(&app).await;
    let (_, doc) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            ops.push((method.clone(), path.clone()));
        }
    }
    assert!(ops.len() >= 40, "{} operations", ops.len());
    // Anonymous: 401 everywhere but the public calendar count and the token endpoint.
    for (method, path) in &ops {
        if path == "/api/v1/calendar/working-days"
            || path == "/api/v1/auth/token"
            || path == "/api/v1/parents"
            || path == "/api/v1/lottery/rerun"
            || path == "/api/v1/inspections/redraw"
            || (path == "/api/v1/notices/{id}" && method == "get")
        {
            continue;
        }
        if path == "/api/v1/questionnaire-links/{token}" {
            // Public, without an account: a link nobody was given is nobody's.
            let (status, _) = call(&app, method, path, &t, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "anonymous {method} {path}");
            continue;
        }
        let (status, body) = call(&app, method, path, &t, None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {body}"
        );
    }
    let refused = [
        StatusCode::UNAUTHORIZED,
        StatusCode::FORBIDDEN,
        StatusCode::NOT_FOUND,
        StatusCode::UNPROCESSABLE_ENTITY,
    ];
    for (role, username) in &siblings {
        let token = app.token(username).await;
        for (method, path) in &ops {
            if (path == "/api/v1/auth/token" && method == "delete")
                || (path == "/api/v1/programmes" && method == "post")
            {
                continue;
            }
            let (status, body) = call(&app, method, path, &t, Some(&token)).await;
            let text = body.to_string();
            // Classes open for applications are public (PRODUCT.md §12b): names and hosts, nothing personal.
            let public = path == "/api/v1/enrolment/classes";
            for s in SECRETS.iter().filter(|s| !public || !s.contains("医院")) {
                assert!(
                    !text.contains(s),
                    "{role} {method} {path} leaked {s}: {text}"
                );
            }
            if !open_to_all(method, path) && path != "/api/v1/auth/token" {
                assert!(
                    refused.contains(&status),
                    "{role} {method} {path}: {status} {text}"
                );
            }
        }
    }
    assert_unchanged(&app, &t).await;
}

/// Nothing changed on the 示例市 side.
pub(crate) async fn assert_unchanged(app: &TestApp, t: &Targets) {
    let admin = app.token("admin").await;
    let (_, org) = app.get(&format!("/api/v1/orgs/{}", t.org), &admin).await;
    assert_eq!(
        (org["name"].as_str(), org["active"].as_bool()),
        (Some("东城区总工会"), Some(true))
    );
    let (_, user) = app.get(&format!("/api/v1/users/{}", t.user), &admin).await;
    assert_eq!(user["active"], true);
    assert_eq!(user["roles"].as_array().unwrap().len(), 1);
    assert!(app.audit("user.password_reset").await.is_empty());
    assert!(app.audit("questionnaire.edit").await.is_empty());
    assert!(app.audit("questionnaire.answer").await.is_empty());
    for action in [
        "model.assign_reviewer",
        "model.score",
        "model.notice",
        "model.objection",
        "model.objection_handled",
        "model.name",
    ] {
        assert!(app.audit(action).await.is_empty(), "{action}");
    }
    let (_, days) = app.get("/api/v1/calendar/years/2026", &admin).await;
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == "2026-10-01"),
        "calendar untouched"
    );
    let (_, c) = app
        .get(&format!("/api/v1/classes/{}", t.class), &admin)
        .await;
    assert_eq!(
        (c["name"].as_str(), c["status"].as_str()),
        (Some("医院职工子女暑期爱心托管班"), Some("running"))
    );
    assert_eq!(c["days"].as_array().unwrap().len(), 0);
    assert_eq!(c["files"].as_array().unwrap().len(), 1);
    let (_, roster) = app
        .get(&format!("/api/v1/classes/{}/staff", t.class), &admin)
        .await;
    let roster = roster.as_array().unwrap();
    assert!(roster.len() == 3 && roster.iter().all(|s| s["active"] == true));
    let (_, s) = app
        .get(&format!("/api/v1/submissions/{}", t.submission), &admin)
        .await;
    assert_eq!(s["status"], "submitted");
    let attached = format!(
        "/api/v1/programmes/{}/milestones/{}/attachments?org_id={}",
        t.programme,
        t.report,
        app.org_id("示例市第一人民医院工会").await
    );
    let (_, files) = app.get(&attached, &admin).await;
    let ids: Vec<_> = files.as_array().unwrap().iter().map(|f| &f["id"]).collect();
    assert_eq!(
        ids,
        [&Value::String(t.attachment.clone())],
        "attachments untouched"
    );
    let (_, plan) = app
        .get(&format!("/api/v1/inspection-plans/{}", t.plan), &admin)
        .await;
    let rows = plan["inspections"].as_array().unwrap();
    let first = rows
        .iter()
        .find(|i| i["id"] == t.inspection.as_str())
        .unwrap();
    assert!(
        first["origin"] == "sampled" && first["inspector_id"].is_null(),
        "the inspection plan untouched: {plan}"
    );
    let (_, tasks) = app.get("/api/v1/rectifications", &admin).await;
    let task = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == t.rectification.as_str());
    assert_eq!(
        task.unwrap()["status"],
        "open",
        "the rectification untouched"
    );
    crate::scope_sweep_funding::assert_unchanged(app, t).await;
}
