//! The roll on a phone-sized headless Chromium, with the network switched off at the door: taps
//! are kept on the phone and shown as waiting, nothing reaches the server; the network comes
//! back, the taps arrive, once each, and a reload shows the day as the server has it.

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::attendance::{hospital_class, roll};
use crate::both;
use crate::browser::{Driver, browser, click, shot, sign_in, tag, wait_text};
use crate::support::{Backend, TestApp};

const DAY: &str = "2026-07-27";

/// Switches the page's network off or on through chromedriver's DevTools bridge.
async fn network(driver: &Driver, c: &Client, offline: bool) {
    let sid = c.session_id().await.unwrap().unwrap();
    let url = format!(
        "http://127.0.0.1:{}/session/{sid}/goog/cdp/execute",
        driver.port
    );
    let http = reqwest::Client::new();
    for (cmd, params) in [
        ("Network.enable", json!({})),
        (
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        ),
    ] {
        let res = http
            .post(&url)
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "{cmd}: {}",
            res.text().await.unwrap()
        );
    }
}

async fn classes_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap()
        .unwrap_or_default()
}

both!(
    the_roll_keeps_taps_offline_and_sends_each_once,
    offline_roll
);
async fn offline_roll(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let before = roll(&app, &staff, &class, DAY).await;
    let first = before["children"][0]["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    let second = before["children"][1]["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (driver, c) = browser(390, 844).await;
    sign_in(&c, &app, "class_staff").await;
    c.goto(&app.url(&format!("/classes/{class}/roll?day={DAY}")))
        .await
        .unwrap();
    wait_text(&c, "#net", |t| t.contains("已联网")).await;
    // The network drops at the door.
    network(&driver, &c, true).await;
    click(&c, &format!("#c-{first} button.act-in")).await;
    click(&c, &format!("#c-{second} .roll-more summary")).await;
    click(&c, &format!("#c-{second} button[value='absent:ill']")).await;
    wait_text(&c, "#net", |t| t.contains("离线") && t.ends_with('2')).await;
    assert!(
        classes_of(&c, &format!("#c-{first}"))
            .await
            .contains("st-present")
    );
    assert!(
        classes_of(&c, &format!("#c-{second}"))
            .await
            .contains("st-absent")
    );
    wait_text(&c, &format!("#c-{first} [data-role=pending]"), |t| {
        t.contains("等待发送")
    })
    .await;
    shot(&c, &format!("{}-roll-offline", tag(b))).await;
    let during = roll(&app, &staff, &class, DAY).await;
    assert_eq!(
        (during["present"].as_u64(), during["absent"].as_u64()),
        (Some(0), Some(0)),
        "nothing sent yet"
    );
    // The network is back: the queue empties and the server has each tap once.
    network(&driver, &c, false).await;
    wait_text(&c, "#net", |t| t.contains("已联网")).await;
    let after = roll(&app, &staff, &class, DAY).await;
    assert_eq!(
        (after["present"].as_u64(), after["absent"].as_u64()),
        (Some(1), Some(1)),
        "{after}"
    );
    let state = |r: &Value, id: &str| {
        r["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["child_id"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(&after, &second)["absent_reason"], "ill");
    // A reload shows the server's day, and nothing is waiting.
    c.refresh().await.unwrap();
    wait_text(&c, "#net", |t| t.contains("已联网")).await;
    assert!(
        classes_of(&c, &format!("#c-{first}"))
            .await
            .contains("st-present")
    );
    let (_, events) = app
        .get(
            &format!("/api/v1/classes/{class}/attendance/events?from={DAY}"),
            &staff,
        )
        .await;
    let taps = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["child_id"] == first.as_str())
        .count();
    assert_eq!(
        taps, 1,
        "the check-in was written once (recorded as a correction of a past day): {events}"
    );
    shot(&c, &format!("{}-roll-back-online", tag(b))).await;
    // Online, the afternoon: one tap hands the child to an authorised person.
    click(&c, &format!("#c-{first} .act-out summary")).await;
    click(&c, &format!("#c-{first} .act-out button[value^='out:']")).await;
    for _ in 0..100 {
        if roll(&app, &staff, &class, DAY).await["collected"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(roll(&app, &staff, &class, DAY).await["collected"], 1);
    wait_text(&c, &format!("#c-{first} [data-role=status]"), |t| {
        t == "已接走"
    })
    .await;
    // The safety patrol from the same phone.
    c.goto(&app.url(&format!("/classes/{class}/logs")))
        .await
        .unwrap();
    click(&c, "#form-patrol summary").await;
    crate::browser::fill(&c, "#form-patrol input[name=day]", DAY).await;
    crate::browser::fill(&c, "#form-patrol input[name=officer]", "徐涛").await;
    click(&c, "#form-patrol button[type=submit]").await;
    wait_text(&c, &format!("#day-{DAY}"), |t| t.contains("徐涛")).await;
    shot(&c, &format!("{}-logs-phone", tag(b))).await;
    c.close().await.unwrap();
}
