//! User management: create with roles, validation, scope, no privilege escalation.

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp, error_fields};

both!(
    a_federation_admin_creates_a_grassroots_admin_who_can_sign_in,
    create_user
);
async fn create_user(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("xihu_admin").await;
    let unit = app.org_id("湖滨社区工会").await;
    let (status, user) = app
        .post("/api/v1/users", &token, json!({"username": "hubin_admin", "display_name": "林晓", "password": "Spring-river-42", "org_id": unit, "roles": [{"role": "grassroots_admin", "org_id": unit}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(user["roles"][0]["role"], "grassroots_admin");
    assert!(user.get("password_hash").is_none());
    let (status, tok) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "hubin_admin", "password": "Spring-river-42"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = app.get("/api/v1/me", tok["token"].as_str().unwrap()).await;
    assert_eq!(me["roles"][0]["org_name"], "湖滨社区工会");
    let entry = &app.audit("user.create").await[0];
    assert!(entry.detail.contains("grassroots_admin"));
    assert!(
        !entry.detail.contains("Spring-river-42"),
        "no password in the audit log"
    );
}

both!(bad_user_input_is_refused_field_by_field, user_validation);
async fn user_validation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let unit = app.org_id("湖滨社区工会").await;
    let city = app.org_id("示例市总工会").await;
    let (status, err) = app
        .post("/api/v1/users", &token, json!({"username": "a b", "display_name": "", "password": "password123", "org_id": unit, "roles": [{"role": "grassroots_admin", "org_id": city}]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut f = error_fields(&err);
    f.sort();
    assert_eq!(
        f,
        vec!["display_name", "password", "role_org_id", "username"]
    );
    assert!(
        err["error"]["fields"]["password"]
            .as_str()
            .unwrap()
            .contains("太常见")
    );
    assert!(
        err["error"]["fields"]["role_org_id"]
            .as_str()
            .unwrap()
            .contains("基层工会")
    );
    let (status, err) = app.post("/api/v1/users", &token, json!({"username": "city_admin", "display_name": "重名", "password": "Quiet-harbour-77", "org_id": unit})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["username"]);
    let (status, err) = app.post("/api/v1/users", &token, json!({"username": "wannabe", "display_name": "想当管理员", "password": "Quiet-harbour-77", "org_id": unit, "roles": [{"role": "system_admin"}]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["role"]);
    let (status, err) = app.post("/api/v1/users", &token, json!({"username": "short", "display_name": "短", "password": "Short-1", "org_id": unit})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["error"]["fields"]["password"],
        "密码至少需要 10 个字符。"
    );
}

both!(
    a_district_admin_cannot_take_over_a_user_who_also_holds_a_wider_role,
    no_escalation
);
async fn no_escalation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let city_org = app.org_id("示例市总工会").await;
    let hospital_admin = app.user_id("hospital_admin").await;
    // The city gives the hospital's admin a city-wide viewer role too.
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{hospital_admin}/roles"),
            &city,
            json!({"role": "federation_viewer", "org_id": city_org}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let district = app.token("dongcheng_admin").await;
    assert_eq!(
        app.get(&format!("/api/v1/users/{hospital_admin}"), &district)
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{hospital_admin}/password"),
            &district,
            json!({"password": "Taken-over-9999"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .patch(
            &format!("/api/v1/users/{hospital_admin}"),
            &district,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The district admin cannot see the city's own staff, nor the neighbouring city's.
    let city_admin = app.user_id("city_admin").await;
    assert_eq!(
        app.get(&format!("/api/v1/users/{city_admin}"), &district)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = app.get("/api/v1/users", &district).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"power_admin")
            && !names.contains(&"city_admin")
            && !names.contains(&"steel_admin"),
        "{names:?}"
    );
    // Nobody deactivates themselves.
    let me = app.user_id("dongcheng_admin").await;
    let (status, err) = app
        .patch(
            &format!("/api/v1/users/{me}"),
            &district,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["active"]);
}

both!(
    roles_are_granted_and_withdrawn_on_the_users_page,
    user_pages
);
async fn user_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let s = WebSession::login(&app, "city_admin").await;
    let unit = app.org_id("北山街道工会").await;
    let (status, html) = s
        .post_form(
            "/users/new",
            "/users",
            &[
                ("username", "beishan"),
                ("display_name", "何静"),
                ("password", "123"),
                ("org_id", &unit),
                ("role", "grassroots_admin"),
                ("role_org_id", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("密码至少需要 10 个字符") && html.contains("value=\"beishan\""),
        "the form keeps what was typed"
    );
    let (status, location) = s
        .post_form(
            "/users/new",
            "/users",
            &[
                ("username", "beishan"),
                ("display_name", "何静"),
                ("password", "North-hill-2026"),
                ("org_id", &unit),
                ("role", "grassroots_admin"),
                ("role_org_id", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let page = location.split('?').next().unwrap().to_string();
    let html = s.get(&page).await.1;
    assert!(html.contains("基层管理员") && html.contains("北山街道工会"));
    let city = app.org_id("示例市总工会").await;
    let (status, html) = s
        .post_form(
            &page,
            &page,
            &[
                ("action", "add_role"),
                ("role", "grassroots_admin"),
                ("role_org_id", &city),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("该角色须绑定到基层工会"));
    // Deactivating asks first (issue 15), then acts once confirmed.
    let (status, asked) = s.post_form(&page, &page, &[("action", "deactivate")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(asked.contains("id=\"confirm-form\""), "{asked}");
    let (status, _) = s
        .post_form(&page, &page, &[("action", "deactivate"), ("confirm", "1")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s.get("/users").await.1.contains("已停用"));
}

both!(the_organisation_selects_can_be_narrowed_by_name, org_search);
async fn org_search(b: Backend) {
    let app = TestApp::spawn(b).await;
    let s = WebSession::login(&app, "city_admin").await;
    // 示例市 is small: every organisation is offered and no search is shown.
    let (status, all) = s.get("/users/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.contains(">东城区总工会<") && all.contains(">西湖区总工会<"));
    assert!(!all.contains("id=\"org-search\""));
    // A search narrows both selects to the names that contain it, and says so.
    let (status, hits) = s.get("/users/new?org_q=西湖").await;
    assert_eq!(status, StatusCode::OK);
    assert!(hits.contains(">西湖区总工会<"), "{hits}");
    assert!(!hits.contains(">东城区总工会<"));
    assert!(hits.contains("id=\"org-search\""));
    // Wildcards are text, and nothing outside the caller's scope is found.
    let (_, none) = s.get("/users/new?org_q=%25").await;
    assert!(!none.contains(">东城区总工会<"));
    let (_, sibling) = s.get("/users/new?org_q=邻江").await;
    assert!(!sibling.contains("邻江钢铁集团工会"));
    let id = app.user_id("class_staff").await;
    let (status, page) = s.get(&format!("/users/{id}?org_q=西湖")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(">西湖区总工会<") && !page.contains(">东城区总工会<"));
}

both!(long_lists_come_a_page_at_a_time_in_the_same_order, paging);
async fn paging(b: Backend) {
    let app = TestApp::spawn(b).await;
    let city = app.token("city_admin").await;
    let p = crate::programmes::demo_programme(&app, &city).await;
    let pid = p["id"].as_str().unwrap();
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Each API list: a slice of the whole list, in the same order; limit is kept to 1–1,000.
    for list in [
        "/api/v1/users?".to_string(),
        "/api/v1/orgs?".to_string(),
        format!("/api/v1/classes?programme_id={pid}&"),
    ] {
        let (status, all) = app.get(&list, &city).await;
        assert_eq!(status, StatusCode::OK, "{list}: {all}");
        let all = ids(&all);
        assert!(all.len() > 3, "{list}");
        let (_, page) = app.get(&format!("{list}limit=2&offset=1"), &city).await;
        assert_eq!(ids(&page), all[1..3], "{list}");
        let (_, one) = app.get(&format!("{list}limit=0"), &city).await;
        assert_eq!(ids(&one), all[..1], "{list}");
    }
    // The users page: one page needs no pager; past the end there is only the way back.
    let s = WebSession::login(&app, "city_admin").await;
    let (_, first) = s.get("/users").await;
    assert!(!first.contains("class=\"pager\""));
    let (status, second) = s.get("/users?page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert!(second.contains("href=\"/users?page=1\""), "{second}");
    assert!(!second.contains("id=\"next-page\""));
}
