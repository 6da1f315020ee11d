//! The month of reporting in Chromium (issue 16): the hospital's union submits its July report,
//! the district returns it, the union resubmits, the district approves, marks a unit missing and
//! submits its own; the city approves and reads the roll-up — at 1280 px and on a 360 px phone.
//! The union attaches its stamped scan before submitting; the district sees it when reviewing.

use serde_json::json;

use crate::both;
use crate::browser::{browser, click, fill, shot, sign_in, sign_out, tag, wait_text};
use crate::support::{Backend, TestApp};

/// The page scrolls sideways by this many CSS pixels (0: it fits).
async fn overflow(c: &fantoccini::Client) -> i64 {
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
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let city = app.token("city_admin").await;
    let (pid, mid) = crate::reports::july(&app, &city).await;
    let report = app.url(&format!("/programmes/{pid}/milestones/{mid}/report"));
    let hospital = app.org_id("示例市第一人民医院工会").await;
    let row = format!("#report-units tr[data-org='{hospital}']");
    let (_driver, c) = browser(1280, 1000).await;

    // The union reads its compiled July report and submits it with its words.
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&report).await.unwrap();
    wait_text(&c, "#report-live", |t| t.contains("实时汇总")).await;
    wait_text(&c, "#report-figures", |t| t.contains("应到人天")).await;
    shot(&c, &format!("{tag}-40-report-live")).await;
    click(&c, "#report-edit").await;
    // It attaches the stamped scan first (a file chosen from the phone or the desk).
    let scan = std::env::temp_dir().join(format!("{tag}-七月报表（盖章）.pdf"));
    std::fs::write(&scan, b"%PDF-1.4\n stamped scan").unwrap();
    let input = c
        .find(fantoccini::Locator::Css("#attachment-file"))
        .await
        .unwrap();
    input.send_keys(scan.to_str().unwrap()).await.unwrap();
    click(&c, "#attachment-upload").await;
    wait_text(&c, "#attachment-list", |t| {
        t.contains("七月报表（盖章）.pdf")
    })
    .await;
    shot(&c, &format!("{tag}-45-report-attachment")).await;
    let _ = std::fs::remove_file(&scan);
    fill(
        &c,
        "#submission-form textarea[name=narrative]",
        "七月按时开班，出勤稳定。",
    )
    .await;
    click(&c, "#submit-upward").await;
    wait_text(&c, "#submission-status", |t| t == "已报送待审").await;
    click(&c, "#compiled-link").await;
    wait_text(&c, "#report-frozen", |t| t.contains("冻结")).await;
    sign_out(&c).await;

    // The district returns it with a comment.
    sign_in(&c, &app, "dongcheng_admin").await;
    c.goto(&report).await.unwrap();
    wait_text(&c, &row, |t| t.contains("已报送待审")).await;
    shot(&c, &format!("{tag}-41-report-district-waiting")).await;
    click(&c, &format!("{row} td:last-child a")).await;
    wait_text(&c, "#attachment-list", |t| {
        t.contains("七月报表（盖章）.pdf")
    })
    .await;
    fill(
        &c,
        "#review-form textarea[name=comment]",
        "请补充安全巡查情况",
    )
    .await;
    click(&c, "#return").await;
    wait_text(&c, "#submission-status", |t| t == "已退回").await;
    sign_out(&c).await;

    // The union reads the comment and resubmits.
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&format!("/programmes/{pid}/milestones/{mid}")))
        .await
        .unwrap();
    wait_text(&c, "#review-comment", |t| t.contains("请补充安全巡查情况")).await;
    fill(
        &c,
        "#submission-form textarea[name=narrative]",
        "七月按时开班；每日安全巡查已补记。",
    )
    .await;
    click(&c, "#submit-upward").await;
    wait_text(&c, "#submission-status", |t| t == "已报送待审").await;
    sign_out(&c).await;

    // The district approves, marks a unit missing in the page and the rest by the API, submits.
    sign_in(&c, &app, "dongcheng_admin").await;
    c.goto(&report).await.unwrap();
    click(&c, &format!("{row} td:last-child a")).await;
    click(&c, "#approve").await;
    wait_text(&c, "#submission-status", |t| t == "已通过").await;
    c.goto(&report).await.unwrap();
    wait_text(&c, &row, |t| t.contains("已通过")).await;
    let power = app.org_id("国网示例市东城供电公司工会").await;
    let power_row = format!("#report-units tr[data-org='{power}']");
    click(&c, &format!("{power_row} form.mark-missing button")).await;
    // An empty reason is refused by the browser before it is sent; the page also names it.
    fill(
        &c,
        &format!("{power_row} input[name=reason]"),
        "供电保障任务，本月暂停",
    )
    .await;
    click(&c, &format!("{power_row} form.mark-missing button")).await;
    wait_text(&c, &power_row, |t| t.contains("已标记缺报")).await;
    let dc = app.token("dongcheng_admin").await;
    let (_, r) = app
        .get(
            &format!("/api/v1/programmes/{pid}/milestones/{mid}/report"),
            &dc,
        )
        .await;
    for u in r["compiled"]["units"].as_array().unwrap() {
        if u["status"] != "approved" && u["status"] != "exempted" {
            let path = format!("/api/v1/programmes/{pid}/milestones/{mid}/missing");
            let body = json!({"org_id": u["org_id"], "reason": "本月未开班"});
            app.post(&path, &dc, body).await;
        }
    }
    c.goto(&report).await.unwrap();
    wait_text(&c, "#report-units", |t| !t.contains("未报送")).await;
    shot(&c, &format!("{tag}-42-report-district-ready")).await;
    click(&c, "#report-edit").await;
    fill(
        &c,
        "#submission-form textarea[name=narrative]",
        "东城区七月托管工作情况。",
    )
    .await;
    click(&c, "#submit-upward").await;
    wait_text(&c, "#submission-status", |t| t == "已报送待审").await;
    sign_out(&c).await;

    // The city approves the district and reads the roll-up.
    sign_in(&c, &app, "city_admin").await;
    c.goto(&report).await.unwrap();
    let dongcheng = app.org_id("东城区总工会").await;
    let district_row = format!("#report-units tr[data-org='{dongcheng}']");
    click(&c, &format!("{district_row} td:last-child a")).await;
    click(&c, "#approve").await;
    wait_text(&c, "#submission-status", |t| t == "已通过").await;
    c.goto(&report).await.unwrap();
    wait_text(&c, &district_row, |t| t.contains("已通过")).await;
    let (_, hosp) = app
        .get(
            &format!("/api/v1/programmes/{pid}/milestones/{mid}/report?org_id={hospital}"),
            &city,
        )
        .await;
    let children = hosp["compiled"]["total"]["children"].to_string();
    wait_text(&c, "#report-figures", |t| {
        t.lines()
            .any(|l| l.contains("受益儿童") && l.ends_with(&children))
    })
    .await;
    shot(&c, &format!("{tag}-43-report-city-rolled-up")).await;
    assert_eq!(overflow(&c).await, 0, "the report fits 1280 px");
    c.close().await.unwrap();

    // On a phone, the same page reads without sideways scrolling.
    let (_phone_driver, p) = browser(360, 740).await;
    sign_in(&p, &app, "city_admin").await;
    p.goto(&report).await.unwrap();
    wait_text(&p, &district_row, |t| t.contains("已通过")).await;
    shot(&p, &format!("{tag}-44-report-city-phone")).await;
    assert_eq!(overflow(&p).await, 0, "the report fits 360 px");
    p.close().await.unwrap();
}

both!(
    a_month_of_reports_goes_up_and_comes_back_in_the_browser,
    journey
);
