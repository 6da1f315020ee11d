//! The roll of a class of 45 on a 360×740 phone: it fits (one compact row per child, the first
//! child above the fold), the chips filter, a tap the server refuses is undone on screen with the
//! server's reason, and the roll opens again with the network gone (the service worker's copy,
//! the taps waiting on the phone, and how old the copy is). The network is cut by a door in front
//! of the server that drops every connection, so the service worker's own fetches fail too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::attendance::{hospital_class, roll};
use crate::browser::{Driver, browser, click, shot, tag, wait_text};
use crate::roster_import::{csv, good, upload};
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, PASSWORD, TestApp};
use crate::{both, support};

const DAY: &str = "2026-07-27";
const ROWS: usize = 45;

/// A TCP door in front of the server: open, it passes bytes both ways; shut, it drops every
/// connection it holds and every new one (the phone has no network at all).
struct Door {
    base: String,
    open: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Door {
    async fn new(app: &TestApp) -> Door {
        let upstream = app.base.trim_start_matches("http://").to_string();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (o, cs) = (open.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    continue;
                }
                let up = upstream.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(&up).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                cs.lock().unwrap().push(h.abort_handle());
            }
        });
        Door {
            base: format!("http://127.0.0.1:{port}"),
            open,
            conns,
        }
    }
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    fn shut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }
    fn reopen(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// One DevTools command through chromedriver.
async fn cdp(driver: &Driver, c: &Client, cmd: &str, params: Value) {
    let sid = c.session_id().await.unwrap().unwrap();
    let url = format!(
        "http://127.0.0.1:{}/session/{sid}/goog/cdp/execute",
        driver.port
    );
    let res = reqwest::Client::new()
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

/// A 360×740 phone (pixel ratio 2, mobile viewport, touch).
async fn phone() -> (Driver, Client) {
    let (driver, c) = browser(360, 740).await;
    let metrics = json!({"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": true});
    cdp(&driver, &c, "Emulation.setDeviceMetricsOverride", metrics).await;
    cdp(
        &driver,
        &c,
        "Emulation.setTouchEmulationEnabled",
        json!({"enabled": true}),
    )
    .await;
    (driver, c)
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
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

async fn sign_in_at(c: &Client, door: &Door, username: &str) {
    c.goto(&door.url("/login")).await.unwrap();
    for (css, v) in [
        ("input[name=username]", username),
        ("input[name=password]", PASSWORD),
    ] {
        c.find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(v)
            .await
            .unwrap();
    }
    click(c, "#login-form button[type=submit]").await;
    wait_text(c, "#welcome", |t| !t.is_empty()).await;
}

/// The hospital's class grows to 45 by a roster import; the imported children are enrolled and
/// attend from the class's first day (as a roster entered before the season would).
async fn class_of_45(app: &TestApp) -> String {
    let unit = app.token("hospital_admin").await;
    let class = hospital_class(app).await;
    let staff = app.token("class_staff").await;
    let have = roll(app, &staff, &class, DAY).await["expected"]
        .as_u64()
        .unwrap() as usize;
    let rows: Vec<_> = (1..=(ROWS - have) as u32).map(good).collect();
    let (status, rep) = upload(app, &unit, &class, "名单.csv", csv(&rows).into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{rep}");
    // An import places the children (accepted); the unit's enrolment step is taken directly here.
    let sql = "UPDATE applications SET status = 'enrolled', \
        attends_from = (SELECT start_date FROM classes WHERE id = $1) \
        WHERE class_id = $1 AND status IN ('accepted', 'enrolled')";
    tuoguan::on_db!(&app.state.db, p => sqlx::query(sql).bind(&class).execute(p).await.map(|_| ()))
        .unwrap();
    assert_eq!(roll(app, &staff, &class, DAY).await["expected"], ROWS);
    class
}

both!(a_class_of_45_fits_a_phone_and_opens_offline, phone_roll);
async fn phone_roll(b: Backend) {
    let app = TestApp::spawn(b).await;
    let class = class_of_45(&app).await;
    let staff = app.token("class_staff").await;
    // Without script, a chip is a link that filters on the server.
    let web = WebSession::login(&app, "class_staff").await;
    let (_, html) = web
        .get(&format!("/classes/{class}/roll?day={DAY}&show=todo"))
        .await;
    assert!(
        html.contains("aria-current=\"true\">未到"),
        "the chip 未到 is chosen"
    );
    assert!(
        html.contains("周一") && html.contains("三年级"),
        "weekday and grade as written"
    );
    // Installable: the manifest of this class's roll, its icons and the worker, all from the binary.
    let (s, manifest) = web
        .get(&format!("/classes/{class}/roll/manifest.webmanifest"))
        .await;
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(manifest["start_url"], format!("/classes/{class}/roll"));
    for icon in manifest["icons"].as_array().unwrap() {
        let (s, _) = web.get(icon["src"].as_str().unwrap()).await;
        assert_eq!(s, StatusCode::OK, "{icon}");
    }
    let (s, sw) = web.get("/roll-sw.js").await;
    assert!(s == StatusCode::OK && sw.contains("addEventListener(\"fetch\""));
    let first = roll(&app, &staff, &class, DAY).await["children"][0]["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    let absent = [
        ("child_id", first.as_str()),
        ("action", "absent"),
        ("reason", "ill"),
        ("day", DAY),
        ("show", "todo"),
        ("key", "phone-form-1"),
    ];
    let (s, to) = web
        .post_form_with(
            &format!("/classes/{class}/roll/tap"),
            &csrf_of(&html),
            &absent,
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        to.contains("show=todo"),
        "the filter stays after a tap: {to}"
    );
    let (_, html) = web.get(&to).await;
    let row = &html[html.find(&format!("id=\"c-{first}\"")).unwrap()..];
    assert!(
        row[..row.find('>').unwrap()].contains(" hidden"),
        "absent: not in 未到"
    );

    let door = Door::new(&app).await;
    let (_driver, c) = phone().await;
    sign_in_at(&c, &door, "class_staff").await;
    let page = format!("/classes/{class}/roll?day={DAY}");
    c.goto(&door.url(&page)).await.unwrap();
    wait_text(&c, "#net", |t| t.contains("已联网")).await;
    let m = js(&c, "const rows = [...document.querySelectorAll('.roll-child')]; \
        return {height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth, \
        rows: rows.length, first: rows[0].getBoundingClientRect().top, \
        tallest: Math.max(...rows.map(r => r.getBoundingClientRect().height)), \
        button: rows[0].querySelector('button.act-in').getBoundingClientRect().height, \
        viewport: window.innerWidth};").await;
    eprintln!("roll of 45 at 360 px: {m}");
    assert_eq!(m["viewport"], 360, "{m}");
    assert_eq!(m["rows"], ROWS, "{m}");
    assert!(
        m["height"].as_f64().unwrap() <= (ROWS * 64 + 600) as f64,
        "page height {m}"
    );
    assert!(
        m["first"].as_f64().unwrap() <= 740.0,
        "first child above the fold {m}"
    );
    assert!(
        m["tallest"].as_f64().unwrap() <= 64.0,
        "rows at most 64 px {m}"
    );
    assert!(
        m["button"].as_f64().unwrap() >= 44.0,
        "the primary action is a thumb's size {m}"
    );
    assert!(
        m["width"].as_f64().unwrap() <= 360.0,
        "nothing wider than the phone {m}"
    );
    shot(&c, &format!("{}-roll-phone-45", tag(b))).await;

    let before = roll(&app, &staff, &class, DAY).await;
    let kids: Vec<String> = before["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["state"]["status"] == "expected")
        .map(|k| k["child_id"].as_str().unwrap().to_string())
        .collect();
    let (late, early) = (&kids[0], &kids[1]);

    // A phone whose clock runs an hour fast: the server refuses, the row is 未到 again, and says why.
    js(&c, "const real = Date.now; window.__realNow = real; Date.now = () => real.call(Date) + 3600 * 1000; return 1;").await;
    click(&c, &format!("#c-{late} button.act-in")).await;
    wait_text(&c, "#net", |t| t.contains("1 次操作被拒绝")).await;
    let why = wait_text(&c, &format!("#c-{late} [data-role=refused]"), |t| {
        !t.is_empty()
    })
    .await;
    assert!(why.contains("手机") && why.contains("时间"), "{why}");
    assert!(!why.contains("填写的内容有误"), "{why}");
    assert!(
        classes_of(&c, &format!("#c-{late}"))
            .await
            .contains("st-expected")
    );
    assert!(classes_of(&c, "#net").await.contains("warn"));
    shot(&c, &format!("{}-roll-phone-refused", tag(b))).await;
    let st = roll(&app, &staff, &class, DAY).await;
    assert_eq!(st["present"], 0, "nothing saved");
    js(&c, "Date.now = window.__realNow; return 1;").await;
    click(&c, "#refused-ack").await;
    wait_text(&c, "#net", |t| t.contains("已联网")).await;

    // The chips filter on the spot.
    click(&c, "#chip-todo").await;
    let shown = js(
        &c,
        "return [...document.querySelectorAll('.roll-child')].filter(r => !r.hidden).length;",
    )
    .await;
    assert_eq!(shown, ROWS - 1, "one child is absent");
    click(&c, "#chip-present").await;
    let shown = js(
        &c,
        "return [...document.querySelectorAll('.roll-child')].filter(r => !r.hidden).length;",
    )
    .await;
    assert_eq!(shown, 0);
    click(&c, "#chip-all").await;

    // Offline: the door is shut, a tap waits, the roll is reloaded from the phone's copy.
    for _ in 0..100 {
        if js(
            &c,
            "return document.getElementById('roll').dataset.offline || '';",
        )
        .await
            == "ready"
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        js(
            &c,
            "return document.getElementById('roll').dataset.offline || '';"
        )
        .await,
        "ready"
    );
    door.shut();
    click(&c, &format!("#c-{early} button.act-in")).await;
    wait_text(&c, "#net", |t| t.contains("离线") && t.ends_with('1')).await;
    c.refresh().await.unwrap();
    let note = wait_text(&c, "#stale", |t| t.contains("名单取自")).await;
    assert!(note.starts_with("离线"), "{note}");
    assert!(
        classes_of(&c, &format!("#c-{early}"))
            .await
            .contains("st-present")
    );
    wait_text(&c, &format!("#c-{early} [data-role=pending]"), |t| {
        t.contains("等待发送")
    })
    .await;
    let rows = js(
        &c,
        "return document.querySelectorAll('.roll-child').length;",
    )
    .await;
    assert_eq!(rows, ROWS);
    shot(&c, &format!("{}-roll-phone-offline-reload", tag(b))).await;
    assert_eq!(roll(&app, &staff, &class, DAY).await["present"], 0);
    // The network is back: the waiting tap is sent.
    door.reopen();
    wait_text(&c, "#net", |t| t.contains("已联网")).await;
    assert_eq!(roll(&app, &staff, &class, DAY).await["present"], 1);
    wait_text(&c, "#stale", |t| t.contains("刷新")).await;
    click(&c, "#stale-refresh").await;
    wait_text(&c, "#net", |t| t.contains("已联网")).await;
    assert!(
        !c.find(Locator::Css("#stale"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    assert!(
        classes_of(&c, &format!("#c-{early}"))
            .await
            .contains("st-present")
    );
    // Signing out empties the phone's copy of the roll.
    let kept = "const done = arguments[0]; caches.has('tuoguan-roll-v1').then(done);";
    assert_eq!(c.execute_async(kept, vec![]).await.unwrap(), true);
    js(
        &c,
        "document.querySelector('form[action=\"/logout\"]').submit(); return 1;",
    )
    .await;
    wait_text(&c, "h1", |t| t == "登录").await;
    assert_eq!(
        c.execute_async(kept, vec![]).await.unwrap(),
        false,
        "cache emptied at sign-out"
    );
    c.close().await.unwrap();
}

both!(a_tap_ahead_of_the_server_clock_names_the_field, at_ahead);
async fn at_ahead(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let child = roll(&app, &staff, &class, DAY).await["children"][0]["child_id"].clone();
    let ahead = (chrono::Utc::now() + chrono::Duration::hours(9))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let body = json!({"child_id": child, "action": "check_in", "day": DAY, "at": ahead});
    let (status, err) = crate::attendance::tap(&app, &staff, &class, None, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(support::error_fields(&err), vec!["at".to_string()]);
    let why = err["error"]["fields"]["at"].as_str().unwrap();
    assert!(
        why.contains("比服务器的时间晚") && why.contains("手机"),
        "{why}"
    );
    let body = json!({"child_id": child, "action": "check_in", "day": DAY, "at": "27/07 08:00"});
    let (_, err) = crate::attendance::tap(&app, &staff, &class, None, body).await;
    assert!(
        err["error"]["fields"]["at"]
            .as_str()
            .unwrap()
            .contains("格式"),
        "{err}"
    );
}
