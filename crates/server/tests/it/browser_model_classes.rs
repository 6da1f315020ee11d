//! Model classes in Chromium (issue 17): the hospital's unit applies for its closed class of last
//! summer and sees every criterion met; the city assigns 陈静; she finds the application on her
//! home page and scores it; the city publishes the notice and, after its period, names the class;
//! the certificate downloads as a PDF; the public notice reads on a 360 px phone without signing
//! in. The demo's own naming of that class is undone first.

use crate::both;
use crate::browser::{browser, click, fill, shot, sign_in, sign_out, tag, text, wait_text};
use crate::support::{Backend, TestApp};

async fn sql(app: &TestApp, sql: &'static str) {
    tuoguan::on_db!(&app.state.db, c => sqlx::query(sql).execute(c).await.map(|_| ())).unwrap();
}

async fn journey(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let tag = tag(b);
    for q in [
        "DELETE FROM model_objections",
        "DELETE FROM model_notices",
        "DELETE FROM model_scores",
        "DELETE FROM model_reviewers",
        "DELETE FROM model_applications",
    ] {
        sql(&app, q).await;
    }
    let city = app.token("city_admin").await;
    let (_, all) = app.get("/api/v1/programmes", &city).await;
    let pid = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["year"] == 2025)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, classes) = app
        .get(&format!("/api/v1/classes?programme_id={pid}"), &city)
        .await;
    let class = classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().contains("医院"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The unit applies from its closed class's page.
    let (_driver, c) = browser(1280, 1000).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&format!("/classes/{class}")))
        .await
        .unwrap();
    click(&c, "#model-apply-link").await;
    fill(
        &c,
        "#statement",
        "依托医院职工之家开设，医护志愿者参与，安全规范，家长满意。",
    )
    .await;
    click(&c, "#submit-application").await;
    wait_text(&c, "#eligible", |t| t.contains("均达标")).await;
    let rows = text(&c, "#criteria-table").await;
    assert!(rows.contains("90.00%") && rows.contains("出勤率"), "{rows}");
    shot(&c, &format!("{tag}-67-model-application")).await;
    sign_out(&c).await;

    // The city assigns its expert.
    sign_in(&c, &app, "city_admin").await;
    c.goto(&app.url(&format!("/programmes/{pid}/model-classes")))
        .await
        .unwrap();
    let expert = app.user_id("expert").await;
    let select = c.find(fantoccini::Locator::Css("#reviewer")).await.unwrap();
    select.select_by_value(&expert).await.unwrap();
    click(&c, "#add-reviewer").await;
    wait_text(&c, "#reviewer-list", |t| t.contains("陈静")).await;
    sign_out(&c).await;

    // 陈静 finds it on her home page and scores it.
    sign_in(&c, &app, "expert").await;
    wait_text(&c, "#todo-model-scores", |t| t.contains("待评分")).await;
    click(&c, "#todo-model-scores a").await;
    click(&c, "#application-list tbody tr:first-child th a").await;
    for (field, v) in [
        ("safety", "28"),
        ("content", "23"),
        ("staffing", "14"),
        ("families", "14"),
        ("example", "13"),
    ] {
        fill(&c, &format!("#s-{field}"), v).await;
    }
    fill(&c, "#s-comment", "安全管理规范，课程有特色。").await;
    shot(&c, &format!("{tag}-68-model-score")).await;
    click(&c, "#submit-score").await;
    wait_text(&c, "#score-list", |t| t.contains("92")).await;
    sign_out(&c).await;

    // The city publishes the notice; after its period it names the class.
    sign_in(&c, &app, "city_admin").await;
    c.goto(&app.url(&format!("/programmes/{pid}/model-classes")))
        .await
        .unwrap();
    fill(&c, "#notice-days", "5").await;
    click(&c, "#publish-notice").await;
    wait_text(&c, "#notice-link", |t| t.contains("公示")).await;
    let notice = c
        .find(fantoccini::Locator::Css("#notice-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    sql(
        &app,
        "UPDATE model_notices SET starts_on = '2025-10-20', ends_on = '2025-10-26'",
    )
    .await;
    c.refresh().await.unwrap();
    click(&c, "#name-classes").await;
    wait_text(&c, "#application-list", |t| {
        t.contains("市级示范〔2025〕第001号")
    })
    .await;
    shot(&c, &format!("{tag}-69-model-named")).await;
    let (_, o) = app
        .get(&format!("/api/v1/programmes/{pid}/model-classes"), &city)
        .await;
    let id = o["applications"][0]["id"].as_str().unwrap().to_string();
    let res = app
        .http
        .get(app.url(&format!("/api/v1/model-applications/{id}/certificate.pdf")))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"), "the certificate");
    drop(c);

    // Anyone reads the notice on a phone, without signing in.
    let (_driver, c) = browser(360, 780).await;
    c.goto(&app.url(&notice)).await.unwrap();
    wait_text(&c, "#notice-entries", |t| t.contains("医院")).await;
    wait_text(&c, "#notice-named", |t| !t.is_empty()).await;
    let page = text(&c, "main").await;
    assert!(
        !page.contains("黄丽") && !page.contains("陈静"),
        "nothing personal"
    );
    let width: i64 = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(width, 0, "the notice fits a 360 px phone");
    shot(&c, &format!("{tag}-70-notice-phone")).await;
}
both!(model_class_from_application_to_certificate, journey);
