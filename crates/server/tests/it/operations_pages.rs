//! The pages of daily operations as a person uses them without JavaScript: the roll's forms
//! (idempotent by their key), the refusal shown, pickup cards and the scan link, the month grid
//! and its download, the log, incident and schedule forms with their errors, the federation's
//! acknowledgement, and a parent's attendance page.

use reqwest::StatusCode;

use crate::attendance::{hospital_class, roll};
use crate::both;
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, TestApp};

both!(a_class_day_runs_through_the_pages, pages);
async fn pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let r = roll(&app, &token, &class, "2026-07-27").await;
    let child = r["children"][0]["child_id"].as_str().unwrap().to_string();
    let name = r["children"][0]["name"].as_str().unwrap().to_string();
    let staff = WebSession::login(&app, "class_staff").await;
    let (s, page) = staff.get(&format!("/classes/{class}")).await;
    assert_eq!(s, StatusCode::OK);
    for id in [
        "roll-link",
        "attendance-link",
        "logs-link",
        "incidents-link",
        "schedule-link",
    ] {
        assert!(page.contains(id), "{id}");
    }
    // A demo day on the roll, then a tap by plain form, pressed twice.
    let (s, page) = staff
        .get(&format!("/classes/{class}/roll?day=2026-07-08"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains(&name) && page.contains("data-card=\"") && page.contains("st-collected"));
    let roll_page = format!("/classes/{class}/roll?day=2026-07-27");
    let (_, html) = staff.get(&roll_page).await;
    let csrf = csrf_of(&html);
    let tap = [
        ("child_id", child.as_str()),
        ("action", "check_in"),
        ("day", "2026-07-27"),
        ("person", "孙倩"),
        ("key", "form-key-1"),
    ];
    for _ in 0..2 {
        let (s, to) = staff
            .post_form_with(&format!("/classes/{class}/roll/tap"), &csrf, &tap)
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert!(to.ends_with(&format!("#c-{child}")), "{to}");
    }
    assert_eq!(roll(&app, &token, &class, "2026-07-27").await["present"], 1);
    let stranger = [
        ("child_id", child.as_str()),
        ("action", "check_out"),
        ("day", "2026-07-27"),
        ("person", "陌生人"),
        ("key", "form-key-2"),
    ];
    let (_, to) = staff
        .post_form_with(&format!("/classes/{class}/roll/tap"), &csrf, &stranger)
        .await;
    assert!(
        to.contains("refused=attendance.unauthorised_pickup"),
        "{to}"
    );
    let (_, page) = staff.get(&to).await;
    assert!(
        page.contains("不是孩子的授权接送人") && page.contains("陌生人"),
        "refusal shown and listed"
    );
    // The roll's own form: one per child, the button pressed (`do`) says the step. The same key
    // and button twice writes once; another button of the same form is another step.
    let r = roll(&app, &token, &class, "2026-07-27").await;
    let other = r["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["child_id"] != child.as_str() && c["state"]["status"] == "expected")
        .unwrap()["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    let tap_url = format!("/classes/{class}/roll/tap");
    let press = async |button: &str| {
        let form = [
            ("child_id", other.as_str()),
            ("day", "2026-07-27"),
            ("key", "form-key-3"),
            ("do", button),
        ];
        staff.post_form_with(&tap_url, &csrf, &form).await.0
    };
    for _ in 0..2 {
        assert_eq!(press("absent:ill").await, StatusCode::SEE_OTHER);
    }
    assert_eq!(roll(&app, &token, &class, "2026-07-27").await["absent"], 1);
    assert_eq!(press("check_in").await, StatusCode::SEE_OTHER);
    let r = roll(&app, &token, &class, "2026-07-27").await;
    assert_eq!(
        (r["absent"].as_u64(), r["present"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(
        press("explode").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an unknown button is refused"
    );
    // Pickup cards: printable QR codes, a reissue, the link a phone camera opens.
    let (s, page) = staff.get(&format!("/classes/{class}/cards")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("<svg"));
    let code_of = |html: &str| {
        let at = html.find(&format!("id=\"card-{child}\"")).unwrap();
        let rest = &html[at..];
        let start = rest.find("data-role=\"code\">").unwrap() + "data-role=\"code\">".len();
        rest[start..start + 8].to_string()
    };
    let old = code_of(&page);
    // The first post asks (the old card would stop working) and changes nothing; the confirmed
    // one reissues.
    let (s, asked) = staff
        .post_form_with(
            &format!("/children/{child}/card/reissue"),
            &csrf_of(&page),
            &[("class_id", class.as_str())],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{asked}");
    assert!(asked.contains("id=\"confirm-form\"") && asked.contains("旧接送卡立即作废"));
    let (_, unchanged) = staff.get(&format!("/classes/{class}/cards")).await;
    assert_eq!(code_of(&unchanged), old);
    let (s, to) = staff
        .post_form_with(
            &format!("/children/{child}/card/reissue"),
            &csrf_of(&page),
            &[("class_id", class.as_str()), ("confirm", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let (_, page) = staff.get(&format!("/classes/{class}/cards")).await;
    let new = code_of(&page);
    assert_ne!(old, new);
    let (s, to) = staff.get_location(&format!("/c/{new}")).await;
    assert_eq!(
        (s, to),
        (
            StatusCode::SEE_OTHER,
            format!("/classes/{class}/roll#c-{child}")
        )
    );
    let (s, _) = staff.get(&format!("/c/{old}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The month grid and its download.
    let (s, page) = staff
        .get(&format!("/classes/{class}/attendance?month=2026-07"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("7/6 一") && page.contains("√") && page.contains("grid-rate"));
    let res = staff
        .http
        .get(format!(
            "{}/classes/{class}/attendance.xlsx?month=2026-07",
            staff.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    // Logs: the missing ventilation of the demo's eighth day; a hazard without its fix.
    let logs = format!("/classes/{class}/logs");
    let (s, page) = staff.get(&logs).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-missing=\"ventilation\""));
    let patrol = [
        ("kind", "patrol"),
        ("day", "2026-07-27"),
        ("time", "08:05"),
        ("officer", "王晓梅"),
        ("items_checked", "消防器材"),
        ("hazards", "灭火器过期"),
        ("key", "log-form-1"),
    ];
    let (s, page) = staff.post_form(&logs, &logs, &patrol).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("发现隐患时须填写整改措施"));
    let mut fixed = patrol.to_vec();
    fixed.push(("fix", "当场更换"));
    let (s, _) = staff.post_form(&logs, &logs, &fixed).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = staff.get(&logs).await;
    assert!(page.contains("灭火器过期 · 当场更换"));
    // An incident with two children, acknowledged by the city.
    let incidents = format!("/classes/{class}/incidents");
    let second = r["children"][1]["child_id"].as_str().unwrap();
    let report = [
        ("occurred_at", "2026-07-27T10:15"),
        ("child_ids", child.as_str()),
        ("child_ids", second),
        ("kind", "injury"),
        ("severity", "minor"),
        ("description", "追跑时摔倒擦伤手掌"),
        ("actions", "清洗消毒"),
        ("guardian_informed_at", "2026-07-27T10:40"),
        ("guardian_informed_how", "phone"),
        ("key", "inc-form-1"),
    ];
    let (s, to) = staff.post_form(&incidents, &incidents, &report).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{to}");
    let city = WebSession::login(&app, "city_admin").await;
    let (s, page) = city.get("/incidents").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("追跑时摔倒擦伤手掌") && page.contains("安全事故"));
    let at = page.find("追跑时摔倒擦伤手掌").unwrap();
    let row_start = page[..at].rfind("id=\"incident-").unwrap() + "id=\"incident-".len();
    let id = page[row_start..].split('"').next().unwrap().to_string();
    let (s, _) = city
        .post_form("/incidents", &format!("/incidents/{id}/acknowledge"), &[])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = staff.get(&incidents).await;
    assert!(page.contains("上级已确认") && page.contains(&name));
    let (_, page) = staff.get(&format!("/classes/{class}")).await;
    assert!(
        page.contains("id=\"safety-incident\""),
        "the class is marked"
    );
    // The schedule: a bad line shows its error, a good one is added and removed.
    let sched = format!("/classes/{class}/schedule");
    let (s, page) = staff.get(&sched).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("暑假作业辅导"));
    let bad = [
        ("weekday", "6"),
        ("starts", "11:00"),
        ("ends", "09:00"),
        ("activity", "social_practice"),
    ];
    let (s, page) = staff.post_form(&sched, &sched, &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("结束时间须晚于开始时间"));
    let good = [
        ("weekday", "6"),
        ("starts", "09:00"),
        ("ends", "11:00"),
        ("activity", "social_practice"),
        ("title", "参观消防站"),
    ];
    let (s, _) = staff.post_form(&sched, &sched, &good).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, page) = staff.get(&sched).await;
    assert!(page.contains("参观消防站"));
    // The parent's page of their child's attendance.
    let parent = WebSession::login(&app, "parent").await;
    let (_, page) = parent.get("/children").await;
    let ids: Vec<String> = page
        .match_indices("href=\"/children/")
        .map(|(i, _)| page[i + 16..].split('"').next().unwrap().to_string())
        .collect();
    let mut seen = false;
    for id in ids.iter().filter(|i| i.len() == 36) {
        let (s, page) = parent.get(&format!("/children/{id}/attendance")).await;
        assert_eq!(s, StatusCode::OK);
        seen |= page.contains("医院职工子女暑期爱心托管班") && page.contains("family-rate");
    }
    assert!(seen, "the parent sees the enrolled child's class and rate");
}
