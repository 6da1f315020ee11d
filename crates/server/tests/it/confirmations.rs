//! Consequential steps ask first (issue 15): without JavaScript the first post shows a
//! confirmation page with the consequence and its numbers and changes nothing; the post with
//! `confirm=1` acts. The API does not ask. Also: an empty roster blocks approval (API and page).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::attendance::hospital_class;
use crate::both;
use crate::classes::{class, register_bare, step};
use crate::enrolment::{PARENT_PASSWORD, PARENT_PHONE, accepted, id_number};
use crate::programmes::demo_programme;
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, TestApp};

fn is_confirmation(html: &str) -> bool {
    html.contains("id=\"confirm-form\"") && html.contains("name=\"confirm\" value=\"1\"")
}

async fn status_of(app: &TestApp, token: &str, path: &str) -> Value {
    let (s, v) = app.get(path, token).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["status"].clone()
}

both!(
    closing_a_class_asks_first_with_the_number_of_children_then_says_it_is_closed,
    close_asks
);
async fn close_asks(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let class = hospital_class(&app).await;
    let (_, apps) = app
        .get(&format!("/api/v1/classes/{class}/applications"), &unit)
        .await;
    let enrolled = apps
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "enrolled")
        .count();
    let web = WebSession::login(&app, "hospital_admin").await;
    let (_, page) = web.get(&format!("/classes/{class}")).await;
    let sentence = format!("结束后不能再签到；本班有 {enrolled} 名在册儿童。");
    assert!(
        page.contains(&format!("data-confirm=\"{sentence}\"")),
        "the dialog's text is on the button"
    );
    assert!(page.contains("/static/confirm.js"));
    let action = format!("/classes/{class}/action");
    let (s, asked) = web
        .post_form_with(&action, &csrf_of(&page), &[("action", "close")])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        is_confirmation(&asked) && asked.contains(&sentence),
        "{asked}"
    );
    assert!(
        asked.contains(&format!("href=\"/classes/{class}\"")),
        "返回"
    );
    let api = format!("/api/v1/classes/{class}");
    assert_eq!(status_of(&app, &unit, &api).await, "running");
    let (s, to) = web
        .post_form_with(
            &action,
            &csrf_of(&asked),
            &[("action", "close"), ("confirm", "1")],
        )
        .await;
    assert_eq!(
        (s, to.as_str()),
        (
            StatusCode::SEE_OTHER,
            format!("/classes/{class}?ok=class_closed").as_str()
        )
    );
    assert_eq!(status_of(&app, &unit, &api).await, "closed");
    let (_, page) = web.get(&to).await;
    assert!(page.contains("托管班已结束") && !page.contains("已保存。"));
    // Closed: no roll to open any more.
    assert!(!page.contains("id=\"roll-link\""));
}

both!(
    rejecting_and_withdrawing_an_application_ask_first,
    decisions_ask
);
async fn decisions_ask(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = accepted(&app, "确认测试班", &id_number("20170308", 8)).await;
    let api = format!("/api/v1/applications/{}", a.application);
    let decision = format!("/applications/{}/decision", a.application);
    // The unit rejects: asked, nothing changes; confirmed, rejected.
    let unit = WebSession::login(&app, "hospital_admin").await;
    let (_, page) = unit.get(&format!("/applications/{}", a.application)).await;
    assert!(page.contains("data-confirm=\""), "{page}");
    let (s, asked) = unit
        .post_form_with(&decision, &csrf_of(&page), &[("decision", "reject")])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        is_confirmation(&asked) && asked.contains("确认测试班"),
        "{asked}"
    );
    assert_eq!(status_of(&app, &a.unit, &api).await, "accepted");
    // The parent withdraws instead: the button says 撤回报名 (退出 is signing out).
    let parent = WebSession::new(&app.base);
    assert_eq!(
        parent.login_as(PARENT_PHONE, PARENT_PASSWORD).await.0,
        StatusCode::SEE_OTHER
    );
    let (_, page) = parent
        .get(&format!("/applications/{}", a.application))
        .await;
    assert!(page.contains("撤回报名"), "{page}");
    let (s, asked) = parent
        .post_form_with(&decision, &csrf_of(&page), &[("decision", "withdraw")])
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        is_confirmation(&asked) && asked.contains("不再占用"),
        "{asked}"
    );
    assert_eq!(status_of(&app, &a.me, &api).await, "accepted");
    let (s, to) = parent
        .post_form_with(
            &decision,
            &csrf_of(&asked),
            &[("decision", "withdraw"), ("confirm", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    assert!(to.ends_with("?ok=withdrawn"), "{to}");
    assert_eq!(status_of(&app, &a.me, &api).await, "withdrawn");
}

both!(
    deactivating_a_user_asks_first_and_names_them,
    deactivate_asks
);
async fn deactivate_asks(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.token("city_admin").await;
    let id = app.user_id("class_staff").await;
    let web = WebSession::login(&app, "city_admin").await;
    let (_, page) = web.get(&format!("/users/{id}")).await;
    let (s, asked) = web
        .post_form_with(
            &format!("/users/{id}"),
            &csrf_of(&page),
            &[("action", "deactivate")],
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(is_confirmation(&asked) && asked.contains("徐涛"), "{asked}");
    let api = format!("/api/v1/users/{id}");
    let (_, u) = app.get(&api, &admin).await;
    assert_eq!(u["active"], true, "asking changed nothing");
    let (s, _) = web
        .post_form_with(
            &format!("/users/{id}"),
            &csrf_of(&asked),
            &[("action", "deactivate"), ("confirm", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, u) = app.get(&api, &admin).await;
    assert_eq!(u["active"], false);
}

both!(
    a_class_without_a_person_in_charge_is_not_approved,
    empty_roster_blocks
);
async fn empty_roster_blocks(b: Backend) {
    let app = TestApp::spawn(b).await;
    let unit = app.token("hospital_admin").await;
    let city = app.token("city_admin").await;
    let pid = demo_programme(&app, &unit).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = register_bare(&app, &unit, class(&pid, "无负责人托管班", |_| {})).await;
    step(&app, &unit, &id, "submit", "").await;
    let (s, err) = step(&app, &city, &id, "approve", "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let codes: Vec<&str> = err["error"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["check.no_leader"], "{err}");
    // The approval screen: registration first, then every check with its evidence, then actions.
    let web = WebSession::login(&app, "city_admin").await;
    let (_, page) = web.get(&format!("/classes/{id}")).await;
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle} not on the page"))
    };
    assert!(at("id=\"details\"") < at("id=\"checks\""));
    assert!(at("id=\"staff\"") < at("id=\"checks\""));
    assert!(at("id=\"files\"") < at("id=\"checks\""));
    assert!(at("id=\"checks\"") < at("id=\"actions\""));
    assert!(page.contains("负责人：未登记"), "evidence of the finding");
    assert!(page.contains("badge badge-bad") && page.contains("badge badge-ok"));
    assert!(page.contains("id=\"venue-answers\""));
    assert!(!page.contains("各项检查均已通过"));
    // Nothing to take a roll of before approval.
    for tab in [
        "roll-link",
        "attendance-link",
        "logs-link",
        "enrolment-link",
    ] {
        assert!(!page.contains(&format!("id=\"{tab}\"")), "{tab}");
    }
    // The page's approve is refused the same way, naming the check.
    let (s, refused) = web
        .post_form_with(
            &format!("/classes/{id}/action"),
            &csrf_of(&page),
            &[("action", "approve")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("名册中没有负责人"), "{refused}");
    // With a 负责人 on the roster it is approved.
    let leader = json!({"name": "钱负责人", "role": "leader", "phone": "13700004321", "check_done_on": "2026-06-01", "check_done_by": "区教育局"});
    let (s, _) = app
        .post(&format!("/api/v1/classes/{id}/staff"), &unit, leader)
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        step(&app, &city, &id, "approve", "").await.1["status"],
        "approved"
    );
}
