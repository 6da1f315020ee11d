//! The scope sweep: every route, asked by users of every role from a sibling organisation (the
//! neighbouring city 邻江市) about real objects of 示例市, answers 401/403/404 (or 422 for a foreign
//! parent in a create) and leaks nothing; anonymous callers get 401 or the sign-in page.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::support::web::WebSession;
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
const SECRETS: &[&str] = &[
    "东城区总工会",
    "黄丽",
    "hospital_admin",
    "示例市第一人民医院工会",
];

struct Targets {
    org: String,
    user: String,
    grant: String,
}

async fn setup(app: &TestApp) -> (Targets, Vec<(String, String)>) {
    let admin = app.token("admin").await;
    let mut siblings = Vec::new();
    for (role, org) in SIBLING_ROLES {
        let org_id = app.org_id(org).await;
        let username = format!("sib_{role}");
        let (status, body) = app
            .post("/api/v1/users", &admin, json!({"username": username, "display_name": "邻江用户", "password": PASSWORD, "org_id": org_id, "roles": [{"role": role, "org_id": org_id}]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        siblings.push((role.to_string(), username));
    }
    let user = app.user_id("hospital_admin").await;
    let (_, u) = app.get(&format!("/api/v1/users/{user}"), &admin).await;
    let targets = Targets {
        org: app.org_id("东城区总工会").await,
        grant: u["roles"][0]["id"].as_str().unwrap().to_string(),
        user,
    };
    (targets, siblings)
}

/// A plausible body for each operation, aimed at the target.
fn body_for(path: &str, method: &str, t: &Targets) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/orgs") => Some(
            json!({"parent_id": t.org, "name": "渗透测试工会", "kind": "grassroots", "unit_type": "other"}),
        ),
        ("patch", "/api/v1/orgs/{id}") => Some(json!({"name": "被改名", "active": false})),
        ("post", "/api/v1/users") => Some(
            json!({"username": "intruder", "display_name": "x", "password": "Intruder-pass-1", "org_id": t.org, "roles": [{"role": "federation_admin", "org_id": t.org}]}),
        ),
        ("patch", "/api/v1/users/{id}") => Some(json!({"active": false})),
        ("post", "/api/v1/users/{id}/password") => Some(json!({"password": "Intruder-pass-1"})),
        ("post", "/api/v1/users/{id}/roles") => {
            Some(json!({"role": "grassroots_admin", "org_id": t.org}))
        }
        ("put", "/api/v1/calendar/days/{date}") => Some(json!({"kind": "holiday", "name": "假"})),
        ("put", "/api/v1/calendar/years/{year}") => Some(json!({"days": []})),
        ("post", "/api/v1/auth/token") => {
            Some(json!({"username": "hospital_admin", "password": "guess-guess-guess"}))
        }
        _ => None,
    }
}

fn fill(path: &str, t: &Targets) -> String {
    let id = if path.starts_with("/api/v1/users") {
        &t.user
    } else {
        &t.org
    };
    path.replace("{id}", id)
        .replace("{grant_id}", &t.grant)
        .replace("{date}", "2026-10-01")
        .replace("{year}", "2026")
}

/// Operations a signed-in user of any organisation may legitimately call.
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
    )
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
    assert!(ops.len() >= 17);
    // Anonymous: 401 everywhere but the public calendar count and the token endpoint.
    for (method, path) in &ops {
        if path == "/api/v1/calendar/working-days" || path == "/api/v1/auth/token" {
            continue;
        }
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let (status, body) = app
            .call(m, &fill(path, &t), None, body_for(path, method, &t))
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}: {body}"
        );
    }
    for (role, username) in &siblings {
        let token = app.token(username).await;
        for (method, path) in &ops {
            if path == "/api/v1/auth/token" && method == "delete" {
                continue;
            }
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (status, body) = app
                .call(m, &fill(path, &t), Some(&token), body_for(path, method, &t))
                .await;
            let text = body.to_string();
            for s in SECRETS {
                assert!(
                    !text.contains(s),
                    "{role} {method} {path} leaked {s}: {text}"
                );
            }
            if !open_to_all(method, path) && path != "/api/v1/auth/token" {
                let refused = [
                    StatusCode::UNAUTHORIZED,
                    StatusCode::FORBIDDEN,
                    StatusCode::NOT_FOUND,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ];
                assert!(
                    refused.contains(&status),
                    "{role} {method} {path}: {status} {text}"
                );
            }
        }
    }
    // Nothing changed on the 示例市 side.
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
}

both!(no_page_leaks_across_organisations, sweep_pages);
async fn sweep_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (t, siblings) = setup(&app).await;
    let gets = [
        format!("/orgs/{}", t.org),
        format!("/users/{}", t.user),
        "/audit".into(),
    ];
    let posts: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            format!("/orgs/{}", t.org),
            vec![("action", "rename".into()), ("name", "被改名".into())],
        ),
        (
            format!("/orgs/{}", t.org),
            vec![("action", "deactivate".into())],
        ),
        (
            "/orgs".into(),
            vec![
                ("parent_id", t.org.clone()),
                ("name", "渗透测试工会".into()),
                ("kind", "grassroots".into()),
                ("unit_type", "other".into()),
            ],
        ),
        (
            format!("/users/{}", t.user),
            vec![
                ("action", "password".into()),
                ("password", "Intruder-pass-1".into()),
            ],
        ),
        (
            format!("/users/{}", t.user),
            vec![("action", "deactivate".into())],
        ),
        (
            format!("/users/{}", t.user),
            vec![
                ("action", "remove_role".into()),
                ("grant_id", t.grant.clone()),
            ],
        ),
        (
            "/calendar/days".into(),
            vec![
                ("date", "2026-10-09".into()),
                ("kind", "holiday".into()),
                ("name", "假".into()),
            ],
        ),
        ("/calendar/days/2026-10-01/delete".into(), vec![]),
        (
            "/calendar/years/2026".into(),
            vec![("csv", "2026-01-01,holiday,元旦".into())],
        ),
    ];
    let anon = WebSession::new(&app.base);
    for path in &gets {
        let (status, location) = anon.get(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "anonymous {path}");
        assert!(location.is_empty() || !location.contains("黄丽"));
    }
    for (role, username) in &siblings {
        let s = WebSession::login(&app, username).await;
        for path in &gets {
            let (status, html) = s.get(path).await;
            assert!(
                [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
                "{role} GET {path}: {status}"
            );
            for secret in SECRETS {
                assert!(!html.contains(secret), "{role} GET {path} leaked {secret}");
            }
        }
        for (path, fields) in &posts {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, html) = s.post_form("/", path, &f).await;
            assert!(
                [
                    StatusCode::FORBIDDEN,
                    StatusCode::NOT_FOUND,
                    StatusCode::UNPROCESSABLE_ENTITY
                ]
                .contains(&status),
                "{role} POST {path}: {status}"
            );
            for secret in SECRETS {
                assert!(!html.contains(secret), "{role} POST {path} leaked {secret}");
            }
        }
    }
    let admin = app.token("admin").await;
    let (_, org) = app.get(&format!("/api/v1/orgs/{}", t.org), &admin).await;
    assert_eq!(org["name"], "东城区总工会");
    let (_, days) = app.get("/api/v1/calendar/years/2026", &admin).await;
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == "2026-10-01"),
        "calendar untouched"
    );
}
