//! The organisation tree: create, rename, move, deactivate — within one's own subtree only.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp, error_fields};

both!(
    a_city_admin_creates_a_grassroots_union_and_finds_it_in_the_tree,
    create_in_tree
);
async fn create_in_tree(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let district = app.org_id("西湖区总工会").await;
    let (status, org) = app
        .post("/api/v1/orgs", &token, json!({"parent_id": district, "name": "西溪湿地景区工会", "kind": "grassroots", "unit_type": "employer"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    assert_eq!(org["parent_id"], district.as_str());
    let id = org["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "ids are UUIDs");
    let (_, list) = app.get("/api/v1/orgs", &token).await;
    assert!(list.as_array().unwrap().iter().any(|o| o["id"] == id));
    let entry = &app.audit("org.create").await[0];
    assert_eq!(entry.actor_name.as_deref(), Some("city_admin"));
    assert_eq!(entry.target_id.as_deref(), Some(id));
    assert_eq!(entry.ip.as_deref(), Some("127.0.0.1"));
    // Through the pages: the tree lists it.
    let s = WebSession::login(&app, "city_admin").await;
    let (status, html) = s.get("/orgs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("西溪湿地景区工会") && html.contains(&format!("/orgs/{id}")));
}

both!(
    bad_organisation_input_names_each_field_in_chinese_or_english,
    validation
);
async fn validation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let district = app.org_id("西湖区总工会").await;
    let body = json!({"parent_id": district, "name": "  ", "kind": "grassroots"});
    let (status, err) = app.post("/api/v1/orgs", &token, body.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = error_fields(&err);
    fields.sort();
    assert_eq!(fields, vec!["name", "unit_type"]);
    assert_eq!(err["error"]["fields"]["name"], "请填写名称。");
    let (_, err) = app
        .call_lang(
            Method::POST,
            "/api/v1/orgs",
            Some(&token),
            Some(body),
            "en-US,en;q=0.9",
        )
        .await;
    assert_eq!(err["error"]["fields"]["name"], "Enter a name.");
    let unit = app.org_id("湖滨社区工会").await;
    let (status, err) = app
        .post(
            "/api/v1/orgs",
            &token,
            json!({"parent_id": unit, "name": "湖滨区总工会", "kind": "district"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&err),
        vec!["kind"],
        "a district cannot sit under a grassroots union"
    );
    let (status, err) = app.post("/api/v1/orgs", &token, json!({"parent_id": district, "name": "湖滨社区工会", "kind": "grassroots", "unit_type": "community"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["error"]["fields"]["name"]
            .as_str()
            .unwrap()
            .contains("同名")
    );
    let (status, err) = app.post("/api/v1/orgs", &token, json!({"name": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["code"], "bad_request");
    let res = app
        .http
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

both!(
    a_unit_moves_with_its_subtree_renames_and_deactivates,
    move_rename_deactivate
);
async fn move_rename_deactivate(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let building = app.org_id("东方广场楼宇联合工会").await;
    let (status, member) = app.post("/api/v1/orgs", &token, json!({"parent_id": building, "name": "东方广场律师事务所工会", "kind": "grassroots", "unit_type": "employer"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let member = member["id"].as_str().unwrap().to_string();
    let west = app.org_id("西湖区总工会").await;
    let (status, moved) = app
        .patch(
            &format!("/api/v1/orgs/{building}"),
            &token,
            json!({"parent_id": west, "name": "东方广场楼宇联合工会（西湖）"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(moved["parent_id"], west.as_str());
    // The member moved with its building: the west district admin now sees both, the east one neither.
    let west_admin = app.token("xihu_admin").await;
    assert_eq!(
        app.get(&format!("/api/v1/orgs/{member}"), &west_admin)
            .await
            .0,
        StatusCode::OK
    );
    let east_admin = app.token("dongcheng_admin").await;
    assert_eq!(
        app.get(&format!("/api/v1/orgs/{member}"), &east_admin)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Cannot move a unit under its own member.
    let (status, err) = app
        .patch(
            &format!("/api/v1/orgs/{building}"),
            &token,
            json!({"parent_id": member}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["parent_id"]);
    // Deactivating the building needs its member deactivated first.
    let (status, err) = app
        .patch(
            &format!("/api/v1/orgs/{building}"),
            &token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["active"]);
    assert_eq!(
        app.patch(
            &format!("/api/v1/orgs/{member}"),
            &token,
            json!({"active": false})
        )
        .await
        .0,
        StatusCode::OK
    );
    let (status, org) = app
        .patch(
            &format!("/api/v1/orgs/{building}"),
            &token,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(org["active"], false);
    assert_eq!(app.audit("org.move").await.len(), 1);
    assert_eq!(app.audit("org.deactivate").await.len(), 2);
}

both!(
    a_role_on_a_deactivated_unit_gives_nothing,
    deactivated_unit_roles
);
async fn deactivated_unit_roles(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit_admin = app.token("power_admin").await;
    assert_eq!(app.get("/api/v1/orgs", &unit_admin).await.0, StatusCode::OK);
    let token = app.token("dongcheng_admin").await;
    let unit = app.org_id("国网示例市东城供电公司工会").await;
    assert_eq!(
        app.patch(
            &format!("/api/v1/orgs/{unit}"),
            &token,
            json!({"active": false})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/orgs", &unit_admin).await.0,
        StatusCode::FORBIDDEN
    );
}

both!(
    a_federation_admin_manages_below_but_not_their_own_federation_nor_a_sibling,
    federation_limits
);
async fn federation_limits(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("dongcheng_admin").await;
    let own = app.org_id("东城区总工会").await;
    let sibling_unit = app.org_id("湖滨社区工会").await;
    let west = app.org_id("西湖区总工会").await;
    assert_eq!(
        app.get(&format!("/api/v1/orgs/{own}"), &token).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.patch(
            &format!("/api/v1/orgs/{own}"),
            &token,
            json!({"name": "改名"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/v1/orgs/{sibling_unit}"), &token)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch(
            &format!("/api/v1/orgs/{sibling_unit}"),
            &token,
            json!({"name": "x"})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let (status, err) = app.post("/api/v1/orgs", &token, json!({"parent_id": west, "name": "越权工会", "kind": "grassroots", "unit_type": "other"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["parent_id"]);
    let unit = app.org_id("和平里社区工会").await;
    let (status, err) = app
        .patch(
            &format!("/api/v1/orgs/{unit}"),
            &token,
            json!({"parent_id": west}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cannot move a unit out of one's subtree: {err}"
    );
    let (_, list) = app.get("/api/v1/orgs", &token).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        9,
        "the district and its 8 units"
    );
}

both!(
    the_unit_page_forms_create_rename_and_report_errors,
    org_pages
);
async fn org_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let s = WebSession::login(&app, "dongcheng_admin").await;
    let district = app.org_id("东城区总工会").await;
    let page = format!("/orgs/{district}");
    let (status, html) = s
        .post_form(
            &page,
            "/orgs",
            &[
                ("parent_id", &district),
                ("name", ""),
                ("kind", "grassroots"),
                ("unit_type", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("请填写名称") && html.contains("基层工会请选择单位类别"),
        "{html}"
    );
    let (status, location) = s
        .post_form(
            &page,
            "/orgs",
            &[
                ("parent_id", &district),
                ("name", "东城区图书馆工会"),
                ("kind", "grassroots"),
                ("unit_type", "employer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let new_page = location.split('?').next().unwrap().to_string();
    let (status, html) = s.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("东城区图书馆工会") && html.contains("已创建"));
    let (status, _) = s
        .post_form(
            &new_page,
            &new_page,
            &[
                ("action", "rename"),
                ("name", "东城区第一图书馆工会"),
                ("unit_type", "employer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s.get(&new_page).await.1.contains("东城区第一图书馆工会"));
    let (status, _) = s
        .post_form(&new_page, &new_page, &[("action", "deactivate")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(s.get(&new_page).await.1.contains("已停用"));
}

both!(
    where_a_unit_may_move_is_offered_200_at_a_time_and_narrowed_by_name,
    move_choices
);
async fn move_choices(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let s = WebSession::login(&app, "city_admin").await;
    let unit = app.org_id("湖滨社区工会").await;
    let (_, before) = app.get(&format!("/api/v1/orgs/{unit}"), &token).await;
    let parent = before["parent_id"].as_str().unwrap().to_string();
    let options = |html: &str| -> Vec<String> {
        let form = &html[html.find("id=\"move-org\"").expect("move form")..];
        let select = &form[..form.find("</select>").unwrap()];
        select
            .split("<option value=\"")
            .skip(1)
            .map(|o| o[..o.find('"').unwrap()].to_string())
            .collect()
    };
    let (_, html) = s.get(&format!("/orgs/{unit}")).await;
    let offered = options(&html);
    assert!(offered.contains(&parent) && !offered.contains(&unit));
    assert!(
        !html.contains("id=\"org-search\""),
        "a small scope lists all"
    );
    // More places than a select offers: 200 in tree order, the present parent kept, and a search.
    let district = app.org_id("西湖区总工会").await;
    for i in 0..200 {
        let body = json!({"parent_id": district, "name": format!("测试工会{i}"), "kind": "grassroots", "unit_type": "employer"});
        assert_eq!(
            app.post("/api/v1/orgs", &token, body).await.0,
            StatusCode::CREATED
        );
    }
    let (_, html) = s.get(&format!("/orgs/{unit}")).await;
    let offered = options(&html);
    assert!(html.contains("id=\"org-search\""));
    assert!(
        offered.len() <= 201 && offered.len() >= 200,
        "{}",
        offered.len()
    );
    assert!(offered.contains(&parent) && !offered.contains(&unit));
    let (_, html) = s.get(&format!("/orgs/{unit}?org_q=测试工会17")).await;
    let offered = options(&html);
    // 测试工会17 and 170–179, and the present parent.
    assert_eq!(offered.len(), 12, "{offered:?}");
    assert!(offered.contains(&parent));
}
