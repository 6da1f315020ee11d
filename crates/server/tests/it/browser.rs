//! Browser journeys in headless Chromium: what a person sees. Screenshots of the main pages land in
//! `$TUOGUAN_ARTIFACTS` (default `target/artifacts`).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::both;
use crate::support::{Backend, PASSWORD, TestApp};

/// chromedriver on a free port, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) port: u16,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

pub(crate) async fn browser(width: u32, height: u32) -> (Driver, Client) {
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{chromedriver}: {e} (run scripts/test.sh, which installs chromium-driver)")
        });
    let profile = std::env::temp_dir().join(format!("tuoguan-chrome-{port}"));
    let driver = Driver {
        child,
        port,
        profile,
    };
    let mut options = json!({"binary": chromium, "args": [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        format!("--window-size={width},{height}"), format!("--user-data-dir={}", driver.profile.display()), "--lang=zh-CN"
    ], "prefs": {"intl.accept_languages": "zh-CN,zh"}});
    // A phone is emulated as a phone: the layout viewport is really `width` CSS pixels, at the
    // pixel ratio of a real one (a narrow desktop window would keep a desktop's 980 px fallback
    // and scrollbars).
    if width < 600 {
        options["mobileEmulation"] = json!({"deviceMetrics": {
            "width": width, "height": height, "pixelRatio": 2.0, "mobile": true, "touch": true
        }});
    }
    let caps = json!({ "goog:chromeOptions": options });
    let caps = caps.as_object().unwrap().clone();
    let url = format!("http://127.0.0.1:{}", driver.port);
    for attempt in 0..100 {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return (driver, c),
            Err(e) if attempt == 99 => panic!("chromedriver: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    unreachable!()
}

/// Keeps a screenshot of the page as an artefact, then fails on any critical or serious axe-core
/// violation on it (docs/UI.md: every page a test opens is scanned).
pub(crate) async fn shot(c: &Client, name: &str) {
    let dir = std::env::var("TUOGUAN_ARTIFACTS")
        .unwrap_or_else(|_| format!("{}/../../target/artifacts", env!("CARGO_MANIFEST_DIR")));
    std::fs::create_dir_all(&dir).unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    crate::axe::assert_clean(c, name).await;
}

pub(crate) async fn text(c: &Client, css: &str) -> String {
    c.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .text()
        .await
        .unwrap()
}

/// Waits (up to 10 s) until the element's text satisfies `ok`, across page loads.
pub(crate) async fn wait_text(c: &Client, css: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && let Ok(t) = e.text().await
        {
            if ok(&t) {
                return t;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css}: still {last:?}")
}

pub(crate) async fn sign_in(c: &Client, app: &TestApp, username: &str) {
    sign_in_with(c, app, username, PASSWORD).await;
}

pub(crate) async fn sign_in_with(c: &Client, app: &TestApp, username: &str, password: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("#login-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(c, "#welcome", |t| !t.is_empty()).await;
}

/// File name prefix of a backend's screenshots.
pub(crate) fn tag(b: Backend) -> &'static str {
    if b == Backend::Sqlite {
        "sqlite"
    } else {
        "postgres"
    }
}

/// Opens a sibling unit's page: a 404 that does not even name the unit.
async fn assert_sibling_404(c: &Client, app: &TestApp, sibling_name: &str) {
    let sibling = app.org_id(sibling_name).await;
    c.goto(&app.url(&format!("/orgs/{sibling}"))).await.unwrap();
    wait_text(c, "h1", |t| t == "404").await;
    assert!(text(c, "#error-message").await.contains("找不到"));
    assert!(!c.source().await.unwrap().contains(sibling_name));
}

both!(
    a_federation_admin_adds_a_grassroots_union_and_sees_it_in_the_tree,
    journey_create_org
);
async fn journey_create_org(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let (_driver, c) = browser(1280, 900).await;
    c.goto(&app.url("/")).await.unwrap();
    assert_eq!(text(&c, "h1").await, "登录");
    shot(&c, &format!("{tag}-01-login")).await;
    sign_in(&c, &app, "city_admin").await;
    assert!(text(&c, "#welcome").await.contains("李秀英"));
    assert!(text(&c, "#role-cards").await.contains("联合会管理员"));
    shot(&c, &format!("{tag}-02-home-federation-admin")).await;
    let district = app.org_id("东城区总工会").await;
    c.goto(&app.url(&format!("/orgs/{district}")))
        .await
        .unwrap();
    c.find(Locator::Css("main details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("#new-org input[name=name]"))
        .await
        .unwrap()
        .send_keys("东城区青少年宫工会")
        .await
        .unwrap();
    c.find(Locator::Css("#new-org select[name=unit_type]"))
        .await
        .unwrap()
        .select_by_value("employer")
        .await
        .unwrap();
    shot(&c, &format!("{tag}-03-new-org-form")).await;
    c.find(Locator::Css("#new-org button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#org-name", |t| t == "东城区青少年宫工会").await;
    c.goto(&app.url("/orgs")).await.unwrap();
    let tree = text(&c, "#org-tree").await;
    assert!(tree.contains("东城区青少年宫工会") && tree.contains("东城区总工会"));
    assert!(!tree.contains("邻江市总工会"), "a sibling city never shows");
    shot(&c, &format!("{tag}-04-org-tree")).await;
    c.goto(&app.url("/users")).await.unwrap();
    assert!(text(&c, "#users").await.contains("hospital_admin"));
    shot(&c, &format!("{tag}-05-users")).await;
    // The new union gets its admin, who signs in and cannot open a sibling union's page.
    let new_org = app.org_id("东城区青少年宫工会").await;
    c.goto(&app.url("/users/new")).await.unwrap();
    fill(&c, "#new-user-form input[name=username]", "qsng_admin").await;
    fill(&c, "#new-user-form input[name=display_name]", "罗青").await;
    fill(
        &c,
        "#new-user-form input[name=password]",
        "Youth-palace-2026",
    )
    .await;
    c.find(Locator::Css("#new-user-form select[name=org_id]"))
        .await
        .unwrap()
        .select_by_value(&new_org)
        .await
        .unwrap();
    c.find(Locator::Css("#new-user-form select[name=role]"))
        .await
        .unwrap()
        .select_by_value("grassroots_admin")
        .await
        .unwrap();
    click(&c, "#new-user-form button[type=submit]").await;
    wait_text(&c, "#user-name", |t| t.contains("罗青")).await;
    sign_out(&c).await;
    sign_in_with(&c, &app, "qsng_admin", "Youth-palace-2026").await;
    wait_text(&c, "#role-cards", |t| t.contains("东城区青少年宫工会")).await;
    assert_sibling_404(&c, &app, "东城区实验小学工会").await;
    shot(&c, &format!("{tag}-05b-new-admin-sibling-404")).await;
    c.close().await.unwrap();
}

both!(
    a_grassroots_admin_cannot_open_a_sibling_units_page,
    journey_sibling
);
async fn journey_sibling(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let (_driver, c) = browser(412, 915).await;
    sign_in(&c, &app, "hospital_admin").await;
    shot(&c, &format!("{tag}-06-home-grassroots-phone")).await;
    let own = app.org_id("示例市第一人民医院工会").await;
    c.goto(&app.url(&format!("/orgs/{own}"))).await.unwrap();
    assert_eq!(text(&c, "#org-name").await, "示例市第一人民医院工会");
    assert_sibling_404(&c, &app, "国网示例市东城供电公司工会").await;
    shot(&c, &format!("{tag}-07-sibling-404-phone")).await;
    c.close().await.unwrap();
}

both!(
    the_language_switch_turns_the_interface_to_english_and_back,
    journey_language
);
async fn journey_language(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let (_driver, c) = browser(1280, 900).await;
    sign_in(&c, &app, "admin").await;
    assert!(text(&c, "#welcome").await.starts_with("您好"));
    c.find(Locator::Css("#lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "#welcome", |t| t.starts_with("Hello")).await;
    assert!(
        text(&c, "#tasks")
            .await
            .contains("Maintain the working-day calendar")
    );
    shot(&c, &format!("{tag}-08-home-english")).await;
    c.goto(&app.url("/calendar?year=2022&from=2022-01-24&to=2022-02-25"))
        .await
        .unwrap();
    assert!(
        text(&c, "#count-result")
            .await
            .starts_with("22 working days")
    );
    shot(&c, &format!("{tag}-09-calendar")).await;
    c.goto(&app.url("/audit")).await.unwrap();
    assert!(text(&c, "#audit").await.contains("login.success"));
    shot(&c, &format!("{tag}-10-audit")).await;
    c.find(Locator::Css("#lang-switch"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_text(&c, "h1", |t| t == "审计日志").await;
    c.close().await.unwrap();
}

/// Signs out as a person would: the header's button on a wide screen, through the menu on a phone.
pub(crate) async fn sign_out(c: &Client) {
    let wide = c.find(Locator::Css("#logout")).await.unwrap();
    if wide.is_displayed().await.unwrap() {
        wide.click().await.unwrap();
    } else {
        let open = c
            .execute("return document.getElementById('menu').open;", vec![])
            .await
            .unwrap();
        if open != json!(true) {
            click(c, "#menu > summary").await;
        }
        click(c, "#menu-logout").await;
    }
    wait_text(c, "h1", |t| t == "登录").await;
}

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Sets a field's value as a person's typing would end up (date inputs take locale-specific
/// keystrokes, so the value is set directly; WebDriver scripts are not subject to the page's CSP).
pub(crate) async fn fill(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    let js = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input'));";
    c.execute(js, vec![json!(css), json!(value)]).await.unwrap();
}

both!(
    a_season_is_opened_and_a_class_goes_from_registration_to_running,
    journey_class
);
async fn journey_class(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let (_driver, c) = browser(1280, 1000).await;
    // The city opens its 2027 summer programme with the Beijing preset.
    sign_in(&c, &app, "city_admin").await;
    c.goto(&app.url("/programmes/new?preset=beijing"))
        .await
        .unwrap();
    fill(&c, "#programme-form input[name=year]", "2027").await;
    fill(&c, "#programme-form input[name=start_date]", "2027-07-01").await;
    fill(&c, "#programme-form input[name=end_date]", "2027-08-31").await;
    shot(&c, &format!("{tag}-11-open-programme")).await;
    click(&c, "#programme-form button[type=submit]").await;
    wait_text(&c, "#programme-name", |t| {
        t == "2027年暑期职工子女爱心托管服务专案"
    })
    .await;
    assert_eq!(text(&c, "#rule-min-class-size").await, "30");
    assert_eq!(text(&c, "#rule-min-attendance").await, "70%");
    let programme_url = c.current_url().await.unwrap().to_string();
    sign_out(&c).await;
    // The hospital's union registers a class, forgetting the catering agreement, and submits it.
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&programme_url).await.unwrap();
    click(&c, "#register-class").await;
    wait_text(&c, "h1", |t| t == "登记托管班").await;
    fill(&c, "#class-form input[name=name]", "医院2027暑期托管班").await;
    fill(&c, "#class-form input[name=address]", "医院会议中心二楼").await;
    fill(&c, "#class-form input[name=start_date]", "2027-07-05").await;
    fill(&c, "#class-form input[name=end_date]", "2027-08-13").await;
    fill(&c, "#class-form input[name=capacity]", "35").await;
    fill(&c, "#class-form input[name=caterer_name]", "示例市放心餐饮").await;
    fill(&c, "#class-form input[name=licence_no]", "JY13301000001").await;
    fill(&c, "#class-form input[name=licence_expiry]", "2030-12-31").await;
    click(&c, "#class-form input[name=rule_pickup]").await;
    shot(&c, &format!("{tag}-12-register-class")).await;
    click(&c, "#class-form button[type=submit]").await;
    wait_text(&c, "#class-name", |t| t == "医院2027暑期托管班").await;
    assert!(
        text(&c, "#checks")
            .await
            .contains("未与配餐企业签订配餐协议")
    );
    // Its 负责人 goes on the roster: a class without one is not approved.
    click(&c, "#staff details summary").await;
    fill(&c, "#staff-form input[name=name]", "王晓梅").await;
    fill(&c, "#staff-form select[name=role]", "leader").await;
    fill(&c, "#staff-form input[name=phone]", "13912340001").await;
    fill(&c, "#staff-form input[name=check_done_on]", "2026-06-01").await;
    fill(&c, "#staff-form input[name=check_done_by]", "区教育局").await;
    click(&c, "#staff-form button[type=submit]").await;
    wait_text(&c, "#roster", |t| t.contains("王晓梅")).await;
    click(&c, "#do-submit").await;
    wait_text(&c, "#class-status", |t| t == "待审批").await;
    let class_url = c.current_url().await.unwrap().to_string();
    let class_url = class_url.split('?').next().unwrap().to_string();
    sign_out(&c).await;
    // The district returns it with a comment; approval would be refused anyway.
    sign_in(&c, &app, "dongcheng_admin").await;
    c.goto(&class_url).await.unwrap();
    assert!(text(&c, "#actions").await.contains("存在不能批准的问题"));
    shot(&c, &format!("{tag}-13-approval-checks")).await;
    fill(
        &c,
        "#action-form textarea[name=comment]",
        "请与配餐企业签订配餐协议后再提交",
    )
    .await;
    click(&c, "#do-return").await;
    wait_text(&c, "#class-status", |t| t == "已退回").await;
    sign_out(&c).await;
    // The unit fixes it and submits again.
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&class_url).await.unwrap();
    assert!(
        text(&c, "#history")
            .await
            .contains("请与配餐企业签订配餐协议后再提交")
    );
    click(&c, "#edit-class").await;
    wait_text(&c, "h1", |t| t == "修改登记信息").await;
    click(&c, "#class-form input[name=catering_agreement]").await;
    click(&c, "#class-form button[type=submit]").await;
    wait_text(&c, "#class-status", |t| t == "已退回").await;
    assert!(!text(&c, "#checks").await.contains("配餐协议"));
    click(&c, "#do-submit").await;
    wait_text(&c, "#class-status", |t| t == "待审批").await;
    sign_out(&c).await;
    // The city approves; the unit starts the class.
    sign_in(&c, &app, "city_admin").await;
    c.goto(&class_url).await.unwrap();
    click(&c, "#do-approve").await;
    wait_text(&c, "#class-status", |t| t == "已批准").await;
    sign_out(&c).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&class_url).await.unwrap();
    click(&c, "#do-start").await;
    wait_text(&c, "#class-status", |t| t == "运行中").await;
    assert!(
        text(&c, "#staff").await.contains("名册中没有负责人")
            || text(&c, "#checks").await.contains("负责人")
    );
    shot(&c, &format!("{tag}-14-class-running")).await;
    sign_out(&c).await;
    sign_in(&c, &app, "city_admin").await;
    c.goto(&format!(
        "{}/dashboard",
        programme_url.split('?').next().unwrap()
    ))
    .await
    .unwrap();
    wait_text(&c, "#dashboard", |t| t.contains("东城区总工会")).await;
    // The chart above the table is drawn: its canvas has painted pixels.
    let painted = c
        .wait()
        .for_element(Locator::Css(".chart canvas"))
        .await
        .expect("a chart above the dashboard's table");
    drop(painted);
    let js = "const c = document.querySelector('.chart canvas'); \
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
              let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;";
    let pixels = c.execute(js, vec![]).await.unwrap().as_i64().unwrap();
    assert!(
        pixels > 1000,
        "the chart's canvas is empty ({pixels} pixels)"
    );
    // The twelve columns scroll in the table's box; the page does not scroll sideways.
    let wide = c
        .execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        wide,
        serde_json::json!(0),
        "the dashboard is wider than the window"
    );
    shot(&c, &format!("{tag}-15-dashboard")).await;
    c.close().await.unwrap();
}

both!(
    a_unit_submits_its_work_plan_and_the_district_returns_it_in_the_browser,
    journey_work_plan
);
async fn journey_work_plan(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let (_driver, c) = browser(1280, 1000).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url("/programmes")).await.unwrap();
    click(&c, "#programmes a").await;
    wait_text(&c, "#programme-name", |t| t.contains("2026年暑期")).await;
    click(&c, "#milestones a").await;
    wait_text(&c, "h1", |t| t.contains("工作方案")).await;
    fill(
        &c,
        "#submission-form textarea[name=objectives]",
        "托管45名职工子女，覆盖一至六年级",
    )
    .await;
    fill(
        &c,
        "#submission-form textarea[name=measures]",
        "会议中心二楼，两名教师、一名勤工助学学生",
    )
    .await;
    fill(
        &c,
        "#submission-form textarea[name=funding]",
        "医院行政2万元，院工会1万元",
    )
    .await;
    fill(
        &c,
        "#submission-form textarea[name=supervision]",
        "院工会每周巡查一次",
    )
    .await;
    click(&c, "#submit-upward").await;
    wait_text(&c, "#submission-status", |t| t == "已报送待审").await;
    shot(&c, &format!("{tag}-16-work-plan-submitted")).await;
    sign_out(&c).await;
    sign_in(&c, &app, "dongcheng_admin").await;
    let token = app.token("dongcheng_admin").await;
    let p = crate::programmes::demo_programme(&app, &token).await;
    c.goto(&app.url(&format!(
        "/programmes/{}/milestones",
        p["id"].as_str().unwrap()
    )))
    .await
    .unwrap();
    wait_text(&c, "#matrix", |t| t.contains("示例市第一人民医院工会")).await;
    shot(&c, &format!("{tag}-17-milestone-matrix")).await;
    click(&c, "#matrix td.ms-submitted a").await;
    wait_text(&c, "#submission-status", |t| t == "已报送待审").await;
    fill(
        &c,
        "#review-form textarea[name=comment]",
        "请写明资金到位时间",
    )
    .await;
    click(&c, "#return").await;
    wait_text(&c, "#submission-status", |t| t == "已退回").await;
    sign_out(&c).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&format!("/programmes/{}", p["id"].as_str().unwrap())))
        .await
        .unwrap();
    click(&c, "#milestones a").await;
    wait_text(&c, "#review-comment", |t| t.contains("请写明资金到位时间")).await;
    c.close().await.unwrap();
}
