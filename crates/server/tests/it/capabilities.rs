//! A role without a capability gets 403 on the lists it would need it for (docs/SECURITY.md);
//! an object out of reach stays 404.

use reqwest::StatusCode;

use crate::both;
use crate::programmes::demo_programme;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp};

both!(
    a_list_the_role_has_no_capability_for_is_forbidden_not_missing,
    lists
);
async fn lists(b: Backend) {
    let app = TestApp::spawn(b).await;
    let hospital = app.token("hospital_admin").await;
    let programme = demo_programme(&app, &hospital).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let class = crate::attendance::hospital_class(&app).await;
    let parent = app.token("parent").await;
    let staff = app.token("class_staff").await;
    let classes = format!("/api/v1/classes?programme_id={programme}");
    for (who, token, path) in [
        ("parent", &parent, "/api/v1/incidents"),
        ("parent", &parent, classes.as_str()),
        ("parent", &parent, "/api/v1/orgs"),
        ("parent", &parent, "/api/v1/users"),
        ("parent", &parent, "/api/v1/audit"),
        ("class_staff", &staff, "/api/v1/users"),
        ("class_staff", &staff, "/api/v1/audit"),
        ("class_staff", &staff, "/api/v1/orgs"),
    ] {
        let (status, body) = app.get(path, token).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} {path}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // Those who have the capability get their list.
    assert_eq!(app.get("/api/v1/incidents", &staff).await.0, StatusCode::OK);
    assert_eq!(app.get(&classes, &staff).await.0, StatusCode::OK);
    // One class's incidents are an object: 404 for whoever cannot see the class.
    let sibling = app.token("power_admin").await;
    let of_class = format!("/api/v1/classes/{class}/incidents");
    for token in [&parent, &sibling] {
        assert_eq!(app.get(&of_class, token).await.0, StatusCode::NOT_FOUND);
    }
    // The page of all incidents says the same.
    let s = WebSession::login(&app, "parent").await;
    assert_eq!(s.get("/incidents").await.0, StatusCode::FORBIDDEN);
}
