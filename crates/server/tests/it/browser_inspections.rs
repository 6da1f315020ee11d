//! The inspection plan in Chromium (issue 17): the city draws its sample on the page and assigns a
//! class to its inspector; the inspector, on a 360 px phone, finds it on the home page, opens the
//! class's checklist, fails a line and records it; the class's unit fixes the finding and the
//! inspector closes it. The inspector cannot open a class not assigned to them.

use fantoccini::Locator;

use crate::both;
use crate::browser::{browser, click, fill, shot, sign_in, sign_out, tag, wait_text};
use crate::support::{Backend, TestApp};

async fn journey(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let city = app.token("city_admin").await;
    let (pid, _) = crate::reports::july(&app, &city).await;
    let (_driver, c) = browser(1280, 1000).await;

    // The city draws with the seed text the page suggests.
    sign_in(&c, &app, "city_admin").await;
    c.goto(&app.url(&format!("/programmes/{pid}")))
        .await
        .unwrap();
    click(&c, "#inspections-link").await;
    wait_text(&c, "#plan-none", |t| !t.is_empty()).await;
    click(&c, "#draw").await;
    wait_text(&c, "#plan-coverage", |t| t.contains("已达标")).await;
    shot(&c, &format!("{tag}-60-inspection-plan")).await;

    // It assigns the first class to 刘洋.
    let liu = app.user_id("inspector").await;
    let row = "#plan-inspections tbody tr:first-child";
    let select = c
        .find(Locator::Css(&format!("{row} select")))
        .await
        .unwrap();
    select.select_by_value(&liu).await.unwrap();
    click(&c, &format!("{row} form.assign button")).await;
    wait_text(&c, ".flash", |t| !t.is_empty()).await;
    let (_, plan) = app
        .get(&format!("/api/v1/programmes/{pid}/inspection-plan"), &city)
        .await;
    let rows = plan["inspections"].as_array().unwrap();
    let mine = rows
        .iter()
        .find(|i| i["inspector_name"] == "刘洋")
        .expect("assigned");
    let class = mine["class_id"].as_str().unwrap().to_string();
    let class_name = mine["class_name"].as_str().unwrap().to_string();
    let other = plan["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["class_id"].as_str().unwrap().to_string())
        .find(|id| *id != class)
        .expect("another running class");
    sign_out(&c).await;
    drop(c);

    // The inspector, on a phone: the home page's to-do, the list, the class.
    let (_driver, c) = browser(360, 780).await;
    sign_in(&c, &app, "inspector").await;
    wait_text(&c, "#todo-inspections", |t| t.contains("督导检查")).await;
    click(&c, "#todo-inspections a").await;
    wait_text(&c, "#inspection-list", |t| t.contains(&class_name)).await;
    shot(&c, &format!("{tag}-61-inspections-phone")).await;
    let width: i64 = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert_eq!(width, 0, "the list fits a 360 px phone");
    click(&c, "#inspection-list tbody tr:first-child td a").await;
    wait_text(&c, "h1", |t| t.contains(&class_name)).await;
    wait_text(&c, "#line-agreements .evidence", |t| t.contains("在托")).await;

    // It passes what it saw, fails fire safety with what it found (the deadline is prefilled a
    // week on) and records.
    for line in ["venue", "food", "epidemic"] {
        click(&c, &format!("#line-{line} input[value=pass]")).await;
    }
    click(&c, "#line-fire input[value=fail]").await;
    fill(&c, "#line-fire textarea", "消防通道堆放杂物").await;
    shot(&c, &format!("{tag}-62-checklist-phone")).await;
    click(&c, "#record").await;
    wait_text(&c, "#inspection-status", |t| t == "已检查").await;
    wait_text(&c, "#inspection-rectifications", |t| {
        t.contains("消防通道堆放杂物")
    })
    .await;
    c.goto(&app.url(&format!("/classes/{other}")))
        .await
        .unwrap();
    wait_text(&c, "h1", |t| t == "404").await;
    c.goto(&app.url("/")).await.unwrap();
    sign_out(&c).await;

    // The class's unit fixes it from its home page.
    let host = mine["host_name"].as_str().unwrap();
    let unit = if host.contains("医院") {
        "hospital_admin"
    } else {
        "power_admin"
    };
    sign_in(&c, &app, unit).await;
    click(&c, "#todo-rectifications-fix a").await;
    fill(
        &c,
        "#rectification-list .fix-form textarea",
        "已清理通道，照片存档。",
    )
    .await;
    click(&c, "#rectification-list .fix-form button").await;
    wait_text(&c, "#rectification-list", |t| t.contains("待验收")).await;
    // With a photo of the cleared passage.
    let photo = std::env::temp_dir().join(format!("{tag}-通道.png"));
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n cleared").unwrap();
    let input = c
        .find(Locator::Css(
            "#rectification-list .evidence-form input[type=file]",
        ))
        .await
        .unwrap();
    input.send_keys(photo.to_str().unwrap()).await.unwrap();
    click(&c, "#rectification-list .evidence-form button").await;
    wait_text(&c, "#rectification-list .evidence-list", |t| {
        t.contains("通道.png")
    })
    .await;
    let _ = std::fs::remove_file(&photo);
    wait_text(&c, "#rectification-list", |t| t.contains("待验收")).await;
    shot(&c, &format!("{tag}-63-rectification-fixed-phone")).await;
    sign_out(&c).await;

    // The inspector accepts it.
    sign_in(&c, &app, "inspector").await;
    click(&c, "#todo-rectifications-check a").await;
    click(&c, "#rectification-list .close-form button").await;
    wait_text(&c, "#rectification-list", |t| t.contains("已完成")).await;
}

both!(
    a_city_draws_its_sample_and_its_inspector_finds_the_class_on_a_phone,
    journey
);
