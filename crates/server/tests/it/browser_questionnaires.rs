//! Questionnaires in Chromium (issue 17): the city edits the 家长测评表 on its page; the hospital's
//! unit prints the class's QR slips; a guardian, on a 360 px phone and without an account, opens
//! a slip's link, sees the class's name and nothing of the child, answers, and cannot answer twice;
//! the city reads the response in the results.

use crate::both;
use crate::browser::{browser, click, fill, shot, sign_in, sign_out, tag, text, wait_text};
use crate::support::{Backend, TestApp};

async fn no_sideways_scroll(c: &fantoccini::Client) -> i64 {
    c.execute(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        vec![],
    )
    .await
    .unwrap()
    .as_i64()
    .unwrap()
}

async fn journey(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let tag = tag(b);
    let city = app.token("city_admin").await;
    let (pid, cid) = crate::questionnaires::living(&app, &city).await;

    // The city edits the guardians' form: three questions, a title of its own.
    let (_driver, c) = browser(1280, 1000).await;
    sign_in(&c, &app, "city_admin").await;
    c.goto(&app.url(&format!("/programmes/{pid}")))
        .await
        .unwrap();
    click(&c, "#questionnaires-link").await;
    wait_text(&c, "#form-guardian", |t| t.contains("家长测评表")).await;
    click(&c, "#edit-guardian").await;
    fill(&c, "#f-title", "2026年秋季家长测评表").await;
    fill(&c, "#f-questions", "孩子的安全\n托管时间\n课程与活动").await;
    click(&c, "#save").await;
    wait_text(&c, "#form-guardian", |t| t.contains("2026年秋季家长测评表")).await;
    shot(&c, &format!("{tag}-64-questionnaires")).await;
    sign_out(&c).await;
    drop(c);

    // The unit prints the slips.
    let (_driver, c) = browser(1280, 1000).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&format!("/classes/{cid}"))).await.unwrap();
    click(&c, "#slips-link").await;
    wait_text(&c, "#slips-summary", |t| t.contains("已填写 0 张")).await;
    shot(&c, &format!("{tag}-65-questionnaire-slips")).await;
    let slip = c
        .find(fantoccini::Locator::Css(".pickup-card"))
        .await
        .unwrap();
    let child = slip
        .find(fantoccini::Locator::Css("strong"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let link = slip
        .find(fantoccini::Locator::Css("a[data-role=link]"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("a link");
    sign_out(&c).await;
    drop(c);

    // A guardian scans it on a phone: no account, the class's name, the city's three questions.
    let (_driver, c) = browser(360, 780).await;
    c.goto(&link).await.unwrap();
    wait_text(&c, "#class-name", |t| t.contains("医院")).await;
    let page = text(&c, "main").await;
    assert!(!page.contains(&child), "the link names no child");
    assert!(page.contains("2026年秋季家长测评表"));
    click(&c, "#q-overall input[value=very_satisfied]").await;
    for i in 0..3 {
        click(&c, &format!("#q-{i} input[value=satisfied]")).await;
    }
    fill(&c, "#comment", "老师很用心，希望寒假也开班").await;
    assert_eq!(
        no_sideways_scroll(&c).await,
        0,
        "the form fits a 360 px phone"
    );
    shot(&c, &format!("{tag}-66-questionnaire-phone")).await;
    click(&c, "#submit-answer").await;
    wait_text(&c, "#questionnaire-done", |t| t.contains("感谢")).await;
    c.goto(&link).await.unwrap();
    wait_text(&c, "#questionnaire-done", |t| !t.is_empty()).await;
    assert!(
        c.find(fantoccini::Locator::Css("#answer-form"))
            .await
            .is_err(),
        "once"
    );
    drop(c);

    // The city reads it: one response of the class, too few for a rate, and the comment.
    let (_driver, c) = browser(1280, 1000).await;
    sign_in(&c, &app, "city_admin").await;
    c.goto(&app.url(&format!("/programmes/{pid}/questionnaires")))
        .await
        .unwrap();
    let row = wait_text(&c, &format!("#result-{cid}"), |t| !t.is_empty()).await;
    assert!(row.contains("1 /") && row.contains("样本不足"), "{row}");
    wait_text(&c, "#comment-list", |t| t.contains("希望寒假也开班")).await;
}
both!(questionnaire_by_qr_link_on_a_phone, journey);
