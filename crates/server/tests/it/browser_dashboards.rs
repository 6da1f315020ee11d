//! A dashboard at every level (issue 16) — national, province, city, district, grassroots — on
//! the demo as loaded today: last summer beside the summer before, July's reports gone up to the
//! district. Every chart is painted, every page passes axe, the city's fits a 360 px phone.

use fantoccini::{Client, Locator};

use crate::both;
use crate::browser::{browser, shot, sign_in, sign_out, tag, wait_text};
use crate::support::{Backend, TestApp};

/// Waits for the charts, then the number of painted pixels of each canvas.
async fn painted(c: &Client) -> Vec<i64> {
    c.wait()
        .for_element(Locator::Css(".chart canvas"))
        .await
        .expect("a chart");
    let js = "return Array.from(document.querySelectorAll('.chart canvas')).map(c => { \
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
              let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; });";
    let v = c.execute(js, vec![]).await.unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_i64().unwrap())
        .collect()
}

async fn overflow(c: &Client) -> i64 {
    let js = "return document.documentElement.scrollWidth - document.documentElement.clientWidth;";
    c.execute(js, vec![]).await.unwrap().as_i64().unwrap()
}

async fn journey(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let tag = tag(b);
    let city = app.token("city_admin").await;
    let (pid, _) = crate::reports::july(&app, &city).await;
    let page = app.url(&format!("/programmes/{pid}/dashboard"));
    let (_driver, c) = browser(1280, 1000).await;
    let levels = [
        ("national", "admin", Some("中华全国总工会")),
        ("province", "admin", Some("示例省总工会")),
        ("city", "city_admin", None),
        ("district", "dongcheng_admin", None),
        ("grassroots", "hospital_admin", None),
    ];
    let mut signed = "";
    for (level, user, root) in levels {
        if signed != user {
            if !signed.is_empty() {
                sign_out(&c).await;
            }
            sign_in(&c, &app, user).await;
            signed = user;
        }
        let url = match root {
            Some(name) => format!("{page}?org={}", app.org_id(name).await),
            None => page.clone(),
        };
        c.goto(&url).await.unwrap();
        wait_text(&c, "#years", |t| t.contains("2025")).await;
        wait_text(&c, "#days", |t| t.contains("2026-07-")).await;
        let pixels = painted(&c).await;
        assert!(
            pixels.iter().all(|n| *n > 1000),
            "{level}: a chart's canvas is empty: {pixels:?}"
        );
        assert_eq!(overflow(&c).await, 0, "{level} is wider than the window");
        shot(&c, &format!("{tag}-50-dashboard-{level}")).await;
        if level == "city" {
            // Last year's figures beside this year's headline ones.
            wait_text(&c, "#targets", |t| t.contains("去年同期")).await;
        }
        if level == "city" {
            let js = "document.getElementById('season-heading').scrollIntoView();";
            c.execute(js, vec![]).await.unwrap();
            shot(&c, &format!("{tag}-50-dashboard-{level}-season")).await;
        }
        if level == "city" || level == "district" {
            // The attendance grid, its chart with the rule, incidents and overdue reports.
            let js = "document.getElementById('operations-heading').scrollIntoView();";
            c.execute(js, vec![]).await.unwrap();
            shot(&c, &format!("{tag}-50-dashboard-{level}-operations")).await;
        }
        if level == "district" {
            // The hospital's July report is approved: its tile shows its attendance rate.
            wait_text(&c, "#attendance-grid", |t| {
                t.lines().any(|l| l.ends_with('%'))
            })
            .await;
        }
    }
    c.close().await.unwrap();

    let (_phone_driver, p) = browser(360, 740).await;
    sign_in(&p, &app, "city_admin").await;
    p.goto(&page).await.unwrap();
    wait_text(&p, "#years", |t| t.contains("2025")).await;
    assert!(painted(&p).await.iter().all(|n| *n > 500));
    assert_eq!(overflow(&p).await, 0, "the city's dashboard fits 360 px");
    shot(&p, &format!("{tag}-51-dashboard-city-phone")).await;
    p.close().await.unwrap();
}

both!(
    every_level_reads_its_dashboard_with_charts_in_the_browser,
    journey
);
