//! Browser journeys of enrolment in headless Chromium: a parent registers, adds a child with the
//! separate consent, applies, signs the agreement and records the insurance, and the unit enrols
//! the child; a unit imports a roster with a bad row, then the corrected file. Screenshots land in
//! `$TUOGUAN_ARTIFACTS` beside those of `browser.rs`.

use fantoccini::{Client, Locator};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tuoguan_domain::id_number::with_check_char;

use crate::both;
use crate::browser::{
    browser, click, fill, shot, sign_in, sign_in_with, sign_out, tag, text, wait_text,
};
use crate::classes::{class, register, step};
use crate::support::{Backend, TestApp};

const CLASS_NAME: &str = "医院2027暑期托管班";
const CLASS_START: &str = "2027-07-05";
const CLASS_END: &str = "2027-08-13";

const PARENT_PHONE: &str = "13612345678";
const PARENT_PASSWORD: &str = "Kid$Care2026x";
const CHILD_NAME: &str = "林小雨";
const CHILD_BIRTH: &str = "2019-04-18";

/// The city opens its 2027 summer season; the hospital's union registers a class in it, which
/// the city approves: open for applications, hosted by `hospital_admin`'s unit.
async fn open_class(app: &TestApp) -> String {
    let city = app.token("city_admin").await;
    let season = json!({"season": "summer", "year": 2027, "start_date": "2027-07-01", "end_date": "2027-08-31"});
    let (status, p) = app.post("/api/v1/programmes", &city, season).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let unit = app.token("hospital_admin").await;
    let body = class(p["id"].as_str().unwrap(), CLASS_NAME, |v| {
        v["start_date"] = json!(CLASS_START);
        v["end_date"] = json!(CLASS_END);
    });
    let id = register(app, &unit, body).await;
    let (_, c) = step(app, &unit, &id, "submit", "").await;
    assert_eq!(c["status"], "submitted", "{c}");
    let (_, c) = step(app, &city, &id, "approve", "").await;
    assert_eq!(c["status"], "approved", "{c}");
    id
}

/// A valid ID number (GB 11643) of a child born in Beijing's 朝阳区 on `birth` (YYYY-MM-DD).
fn id_number(birth: &str, seq: u32) -> String {
    with_check_char(&format!("110105{}{seq:03}", birth.replace('-', ""))).unwrap()
}

/// The same number with a wrong check character.
fn bad_check_char(id: &str) -> String {
    let wrong = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{wrong}", &id[..17])
}

/// The last path segment of the current page (an id), without the query.
async fn id_in_url(c: &Client) -> String {
    let url = c.current_url().await.unwrap();
    url.path_segments()
        .unwrap()
        .next_back()
        .unwrap()
        .to_string()
}

/// Asserts there is no element matching `css` on the current page.
async fn assert_absent(c: &Client, css: &str) {
    assert!(
        c.find(Locator::Css(css)).await.is_err(),
        "{css} should not be on the page"
    );
}

/// A screenshot with the element matching `css` scrolled to the middle of the window.
async fn shot_at(c: &Client, css: &str, name: &str) {
    let js = "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});";
    c.execute(js, vec![json!(css)]).await.unwrap();
    shot(c, name).await;
}

/// A bearer token for a parent (their username is their phone number).
async fn parent_token(app: &TestApp, phone: &str, password: &str) -> String {
    let body = json!({"username": phone, "password": password});
    let (status, t) = app
        .call(Method::POST, "/api/v1/auth/token", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    t["token"].as_str().unwrap().to_string()
}

both!(
    a_parent_registers_adds_a_child_applies_and_the_unit_enrols_the_child,
    journey_parent
);
async fn journey_parent(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let class_id = open_class(&app).await;
    let (_driver, c) = browser(1280, 1000).await;

    // From the login page to the registration form.
    c.goto(&app.url("/login")).await.unwrap();
    click(&c, "#register-link").await;
    wait_text(&c, "h1", |t| t == "家长注册").await;
    fill(&c, "#register-form input[name=phone]", PARENT_PHONE).await;
    fill(&c, "#register-form input[name=name]", "林芳").await;
    fill(&c, "#register-form input[name=password]", PARENT_PASSWORD).await;
    fill(
        &c,
        "#register-form input[name=employer]",
        "示例市第一人民医院",
    )
    .await;
    shot(&c, &format!("{tag}-20-parent-register")).await;
    click(&c, "#register-submit").await;
    wait_text(&c, "h1", |t| t == "我的孩子").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/children");
    assert!(text(&c, "#open-classes").await.contains(CLASS_NAME));

    // The child form: without the separate consent nothing is kept.
    click(&c, "#add-child").await;
    wait_text(&c, "h1", |t| t == "添加孩子").await;
    fill(&c, "#child-form input[name=name]", CHILD_NAME).await;
    c.find(Locator::Css("#child-form select[name=gender]"))
        .await
        .unwrap()
        .select_by_value("female")
        .await
        .unwrap();
    fill(&c, "#child-form input[name=birth_date]", CHILD_BIRTH).await;
    fill(&c, "#child-form input[name=school]", "示例市实验小学").await;
    c.find(Locator::Css("#child-form select[name=grade]"))
        .await
        .unwrap()
        .select_by_value("2")
        .await
        .unwrap();
    let child_id_number = id_number(CHILD_BIRTH, 21);
    fill(&c, "#child-form input[name=id_number]", &child_id_number).await;
    fill(&c, "#child-form input[name=relationship]", "母亲").await;
    fill(&c, "#child-form textarea[name=health_notes]", "对芒果过敏").await;
    click(&c, "#child-submit").await;
    let err = wait_text(&c, "#consent-error", |t| !t.is_empty()).await;
    assert!(err.contains("单独同意"), "{err}");
    shot_at(
        &c,
        "#consent-error",
        &format!("{tag}-21-child-consent-missing"),
    )
    .await;
    let parent = parent_token(&app, PARENT_PHONE, PARENT_PASSWORD).await;
    let (status, kids) = app.get("/api/v1/children", &parent).await;
    assert_eq!(status, StatusCode::OK, "{kids}");
    assert_eq!(
        kids.as_array().map(Vec::len),
        Some(0),
        "nothing saved: {kids}"
    );

    // With the consent ticked the child is kept; the page shows the ID number masked.
    click(&c, "#consent").await;
    click(&c, "#child-submit").await;
    wait_text(&c, "#child-name", |t| t == CHILD_NAME).await;
    let child_id = id_in_url(&c).await;
    let masked = text(&c, "#id-masked").await;
    assert!(masked.starts_with("110105") && !masked.contains(&child_id_number[6..14]));
    shot(&c, &format!("{tag}-22-child-page")).await;

    // Apply to the open class from the child's card.
    c.goto(&app.url("/children")).await.unwrap();
    wait_text(&c, ".child-card header", |t| t.contains(CHILD_NAME)).await;
    c.find(Locator::Css(
        ".child-card .apply-form select[name=class_id]",
    ))
    .await
    .unwrap()
    .select_by_value(&class_id)
    .await
    .unwrap();
    shot(&c, &format!("{tag}-23-children-apply")).await;
    click(&c, ".child-card .apply-form button[type=submit]").await;
    wait_text(&c, "#application-status", |t| t == "已报名").await;
    let app_id = id_in_url(&c).await;
    let missing = text(&c, "#missing").await;
    assert!(
        missing.contains("托管协议") && missing.contains("意外险"),
        "{missing}"
    );

    // The agreement, then the insurance covering the class's dates.
    click(&c, "#sign-agreement").await;
    wait_text(&c, "#agreement-signed", |t| !t.is_empty()).await;
    fill(
        &c,
        "#insurance-form input[name=insurer]",
        "中国人寿示例市分公司",
    )
    .await;
    fill(&c, "#insurance-form input[name=policy_no]", "PA2027000123").await;
    fill(&c, "#insurance-form input[name=valid_from]", "2027-07-01").await;
    fill(&c, "#insurance-form input[name=valid_to]", "2027-08-31").await;
    c.find(Locator::Css("#insurance-form select[name=payer]"))
        .await
        .unwrap()
        .select_by_value("guardian")
        .await
        .unwrap();
    click(&c, "#save-insurance").await;
    wait_text(&c, "#complete", |t| !t.is_empty()).await;
    assert_absent(&c, "#missing").await;
    assert_eq!(text(&c, "#application-status").await, "已报名");
    shot_at(
        &c,
        "#save-insurance",
        &format!("{tag}-24-application-complete"),
    )
    .await;
    sign_out(&c).await;

    // The host unit's admin enrols the child.
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&format!("/applications/{app_id}")))
        .await
        .unwrap();
    wait_text(&c, "#application-status", |t| t == "已报名").await;
    shot_at(&c, "#decisions", &format!("{tag}-25-unit-decision")).await;
    click(&c, "#decide-enrol").await;
    wait_text(&c, "#application-status", |t| t == "已入托").await;
    sign_out(&c).await;

    // The parent sees the child enrolled, on the list and on the application.
    sign_in_with(&c, &app, PARENT_PHONE, PARENT_PASSWORD).await;
    c.goto(&app.url("/children")).await.unwrap();
    wait_text(&c, ".child-card .app-status", |t| t == "已入托").await;
    c.goto(&app.url(&format!("/applications/{app_id}")))
        .await
        .unwrap();
    wait_text(&c, "#application-status", |t| t == "已入托").await;
    shot(&c, &format!("{tag}-26-parent-sees-enrolled")).await;
    sign_out(&c).await;

    // Another parent cannot open the child or the application: a 404 that names neither.
    let other = json!({"phone": "13698765432", "name": "周强", "password": "Other-Parent-2026", "employer": "示例市供电公司"});
    let (status, body) = app
        .call(Method::POST, "/api/v1/parents", None, Some(other))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    sign_in_with(&c, &app, "13698765432", "Other-Parent-2026").await;
    for path in [
        format!("/children/{child_id}"),
        format!("/applications/{app_id}"),
    ] {
        c.goto(&app.url(&path)).await.unwrap();
        wait_text(&c, "h1", |t| t == "404").await;
        assert!(text(&c, "#error-message").await.contains("找不到"));
        assert!(!c.source().await.unwrap().contains(CHILD_NAME), "{path}");
    }
    shot(&c, &format!("{tag}-27-other-parent-404")).await;
    c.close().await.unwrap();
}

/// A roster file in the template's columns: the header row, then one line per child.
fn roster_csv(rows: &[[&str; 12]]) -> String {
    let header = tuoguan_domain::enrolment::TEMPLATE_HEADERS.join(",");
    let lines: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
    format!("{header}\n{}\n", lines.join("\n"))
}

/// A roster line (template column order) of a boy whose father works at the hospital.
fn row<'a>(
    name: &'a str,
    birth: &'a str,
    grade: &'a str,
    id: &'a str,
    guardian: &'a str,
    phone: &'a str,
) -> [&'a str; 12] {
    let employer = "示例市第一人民医院";
    [
        name,
        "男",
        birth,
        "示例市实验小学",
        grade,
        id,
        guardian,
        phone,
        "父亲",
        employer,
        "",
        "",
    ]
}

/// Picks `file` in the import form, attests the paper consents and submits.
async fn import_file(c: &Client, file: &std::path::Path) {
    c.find(Locator::Css("#import-form input[type=file]"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    click(c, "#import-form input[name=consent_attested]").await;
    click(c, "#import-submit").await;
}

both!(
    a_unit_imports_a_roster_with_a_bad_id_number_then_the_corrected_file,
    journey_import
);
async fn journey_import(b: Backend) {
    let app = TestApp::spawn(b).await;
    let tag = tag(b);
    let class_id = open_class(&app).await;
    let good_id = id_number("2018-09-02", 31);
    let fixed_id = id_number("2019-01-20", 47);
    let bad_id = bad_check_char(&fixed_id);
    let good = row("陈子墨", "2018-09-02", "3", &good_id, "陈刚", "15800000001");
    let broken = row("王一鸣", "2019-01-20", "2", &bad_id, "王磊", "15800000002");
    let fixed = row(
        "王一鸣",
        "2019-01-20",
        "2",
        &fixed_id,
        "王磊",
        "15800000002",
    );
    let dir = std::env::temp_dir().join(format!("tuoguan-roster-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let first = dir.join("名单.csv");
    std::fs::write(&first, roster_csv(&[good, broken])).unwrap();
    let second = dir.join("名单-改.csv");
    std::fs::write(&second, roster_csv(&[good, fixed])).unwrap();

    let (_driver, c) = browser(1280, 1000).await;
    sign_in(&c, &app, "hospital_admin").await;
    c.goto(&app.url(&format!("/classes/{class_id}/enrolment")))
        .await
        .unwrap();
    wait_text(&c, "h1", |t| t == "报名与名单").await;
    assert_absent(&c, "#applications-table").await;

    // One bad row: it is reported by its spreadsheet row number and nothing is written.
    import_file(&c, &first).await;
    let problems = wait_text(&c, "#import-problems", |t| !t.is_empty()).await;
    assert!(problems.contains("身份证号"), "{problems}");
    let mut rows = Vec::new();
    for td in c
        .find_all(Locator::Css("#import-problems tbody td:first-child"))
        .await
        .unwrap()
    {
        rows.push(td.text().await.unwrap());
    }
    assert_eq!(rows, vec!["3"], "{problems}");
    assert_absent(&c, "#import-done").await;
    assert_absent(&c, "#applications-table").await;
    let unit = app.token("hospital_admin").await;
    let (_, list) = app
        .get(&format!("/api/v1/classes/{class_id}/applications"), &unit)
        .await;
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(0),
        "nothing imported: {list}"
    );
    shot(&c, &format!("{tag}-30-import-problems")).await;

    // The corrected file goes in whole.
    import_file(&c, &second).await;
    let done = wait_text(&c, "#import-done", |t| !t.is_empty()).await;
    assert!(done.contains("新增 2 人"), "{done}");
    assert_absent(&c, "#import-problems").await;
    let table = text(&c, "#applications-table").await;
    assert!(
        table.contains("陈子墨") && table.contains("王一鸣"),
        "{table}"
    );
    assert!(!table.contains(&good_id), "ID numbers are masked: {table}");
    shot(&c, &format!("{tag}-31-import-done")).await;
    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
