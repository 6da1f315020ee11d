//! The design language on a phone (docs/UI.md): at 360 × 740 the main pages of every role fit the
//! screen's width, keep a header of one line, give a thumb 44 px targets, and pass axe-core.

use fantoccini::Client;

use crate::attendance::hospital_class;
use crate::both;
use crate::browser::{browser, shot, sign_in, sign_out, tag, wait_text};
use crate::support::{Backend, TestApp};

/// Width of the page, height of the header (CSS pixels) and the viewport's width.
async fn measure(c: &Client) -> (i64, i64, i64) {
    let v = c
        .execute(
            "const h = document.querySelector('body > header');
             return [document.documentElement.scrollWidth,
                     Math.round(h ? h.getBoundingClientRect().height : 0),
                     window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let n = |i: usize| v[i].as_i64().unwrap_or(i64::MAX);
    (n(0), n(1), n(2))
}

/// Buttons, and links in lists, cards and breadcrumbs, shorter than 44 px (docs/UI.md): what they say.
async fn small_targets(c: &Client) -> Vec<String> {
    let v = c
        .execute(
            "const sel = 'main button, main [role=button], main li > a, main td a, \
                         nav[aria-label=breadcrumb] a, #menu > summary, body > header button';
             return [...document.querySelectorAll(sel)]
               .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
               .map(e => e.tagName + ' ' + e.textContent.trim().slice(0, 20) + ' '
                         + Math.round(e.getBoundingClientRect().height));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Opens `path`, waits for its `h1`, and checks width, header, tap targets and axe.
async fn check(c: &Client, app: &TestApp, b: Backend, path: &str, name: &str) {
    c.goto(&app.url(path)).await.unwrap();
    wait_text(c, "h1", |t| !t.is_empty()).await;
    let (width, header, viewport) = measure(c).await;
    assert_eq!(viewport, 360, "{path}: the phone is emulated at 360 px");
    assert!(
        width <= 360,
        "{path}: the page is {width} px wide on a 360 px phone"
    );
    assert!(header <= 56, "{path}: the header is {header} px tall");
    eprintln!("{path}: {width} px wide, header {header} px");
    let small = small_targets(c).await;
    assert!(
        small.is_empty(),
        "{path}: tap targets under 44 px: {small:?}"
    );
    shot(c, &format!("{}-phone-{name}", tag(b))).await;
}

both!(the_main_pages_fit_a_360_px_phone_and_pass_axe, phone_pages);
async fn phone_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let class = hospital_class(&app).await;
    let token = app.token("dongcheng_admin").await;
    let p = crate::programmes::demo_programme(&app, &token).await;
    let programme = p["id"].as_str().unwrap().to_string();
    let (_driver, c) = browser(360, 740).await;

    check(&c, &app, b, "/login", "login").await;
    // The class teacher at the door, where a stranger was refused a child (the record once made
    // the page 549 px wide).
    let staff = app.token("class_staff").await;
    let day = "2026-07-20";
    let r = crate::attendance::roll(&app, &staff, &class, day).await;
    let child = r["children"][0]["child_id"].as_str().unwrap();
    let stranger = serde_json::json!({"child_id": child, "action": "check_out", "day": day,
        "at": format!("{day}T17:00"), "person": "一位没有登记的很长很长名字的来人"});
    crate::attendance::tap(&app, &staff, &class, Some("k-phone"), stranger).await;
    sign_in(&c, &app, "class_staff").await;
    check(&c, &app, b, "/", "home-staff").await;
    check(
        &c,
        &app,
        b,
        &format!("/classes/{class}/roll?day={day}"),
        "roll-refusal",
    )
    .await;
    // The menu opens without JavaScript and holds the navigation and 退出登录.
    crate::browser::click(&c, "#menu > summary").await;
    let menu = crate::browser::text(&c, "#menu").await;
    assert!(menu.contains("退出登录"), "{menu}");
    shot(&c, &format!("{}-phone-menu-open", tag(b))).await;
    sign_out(&c).await;

    // The unit's admin: programmes, a programme, the class and its records.
    sign_in(&c, &app, "hospital_admin").await;
    check(&c, &app, b, "/", "home-grassroots").await;
    check(&c, &app, b, "/programmes", "programmes").await;
    check(
        &c,
        &app,
        b,
        &format!("/programmes/{programme}"),
        "programme",
    )
    .await;
    check(&c, &app, b, &format!("/classes/{class}"), "class").await;
    check(
        &c,
        &app,
        b,
        &format!("/classes/{class}/incidents"),
        "class-incidents",
    )
    .await;
    check(&c, &app, b, &format!("/classes/{class}/logs"), "logs").await;
    check(
        &c,
        &app,
        b,
        &format!("/classes/{class}/enrolment"),
        "enrolment",
    )
    .await;
    check(
        &c,
        &app,
        b,
        &format!("/classes/{class}/attendance?month=2026-07"),
        "grid",
    )
    .await;
    sign_out(&c).await;

    // The district: incidents across its units and the milestone matrix.
    sign_in(&c, &app, "dongcheng_admin").await;
    check(&c, &app, b, "/", "home-federation").await;
    check(&c, &app, b, "/incidents", "incidents").await;
    check(
        &c,
        &app,
        b,
        &format!("/programmes/{programme}/milestones"),
        "matrix",
    )
    .await;
    check(&c, &app, b, "/users", "users").await;
    sign_out(&c).await;

    // The parent and the system admin.
    sign_in(&c, &app, "parent").await;
    check(&c, &app, b, "/children", "children").await;
    sign_out(&c).await;
    sign_in(&c, &app, "admin").await;
    check(&c, &app, b, "/audit", "audit").await;
    c.close().await.unwrap();
}
