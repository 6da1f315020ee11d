//! The demo lives on the day it is loaded (issue 15 point 11): loaded on a Wednesday or on a
//! Saturday, it holds a class running that day whose roll for the (next) working day is half done
//! — children checked in, collected, absent and not yet arrived — and something for every role's
//! home page: a class waiting for approval, an incident waiting for acknowledgement, an overdue
//! report, an application waiting.

use chrono::NaiveDate;
use reqwest::StatusCode;
use serde_json::Value;

use crate::attendance::roll;
use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp};

/// Every demo account (README "Demo sign-ins").
const USERS: &[&str] = &[
    "admin",
    "city_admin",
    "city_viewer",
    "inspector",
    "expert",
    "dongcheng_admin",
    "xihu_admin",
    "hospital_admin",
    "power_admin",
    "class_manager",
    "class_staff",
    "parent",
    "provider",
    "student",
    "linjiang_admin",
    "steel_admin",
];

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The season running on the load day: (programme, its classes).
async fn living(app: &TestApp, token: &str, on: &str) -> (Value, Vec<Value>) {
    let (_, programmes) = app.get("/api/v1/programmes", token).await;
    let p = programmes
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["start_date"].as_str().unwrap() <= on && p["end_date"].as_str().unwrap() >= on)
        .unwrap_or_else(|| panic!("a programme running on {on}: {programmes}"))
        .clone();
    let (_, classes) = app
        .get(
            &format!("/api/v1/classes?programme_id={}", p["id"].as_str().unwrap()),
            token,
        )
        .await;
    (p, classes.as_array().unwrap().clone())
}

async fn loaded_on(b: Backend, load: &str, roll_day: &str) {
    let app = TestApp::spawn_on(b, day(load)).await;
    check_living(&app, load, roll_day).await;
}

async fn check_living(app: &TestApp, load: &str, roll_day: &str) {
    let city = app.token("city_admin").await;
    let (p, classes) = living(app, &city, roll_day).await;
    assert_eq!(p["season"], "after_school", "{p}");
    // A class waiting for approval, and two running.
    let status = |s: &str| classes.iter().filter(|c| c["status"] == s).count();
    assert_eq!(
        (status("running"), status("submitted")),
        (2, 1),
        "{classes:?}"
    );
    // The hospital's running class: its roll on the (next) working day has every state.
    let staff = app.token("class_staff").await;
    let class = classes
        .iter()
        .find(|c| c["status"] == "running" && c["host_name"] == "示例市第一人民医院工会")
        .unwrap_or_else(|| panic!("{classes:?}"));
    let id = class["id"].as_str().unwrap();
    let r = roll(app, &staff, id, roll_day).await;
    assert_eq!(r["operating"], true, "{r}");
    let kids = r["children"].as_array().unwrap();
    let count = |s: &str| kids.iter().filter(|k| k["state"]["status"] == s).count();
    for s in ["present", "collected", "absent", "expected"] {
        assert!(count(s) >= 1, "{s} on {roll_day}: {r}");
    }
    assert_eq!(
        (
            r["present"].as_u64(),
            r["collected"].as_u64(),
            r["absent"].as_u64()
        ),
        (
            Some(count("present") as u64),
            Some(count("collected") as u64),
            Some(count("absent") as u64)
        )
    );
    // The days before are recorded; the rate is counted over them.
    let (_, m) = app
        .get(&format!("/api/v1/classes/{id}/metrics"), &city)
        .await;
    assert!(m["attendance"]["present"].as_u64().unwrap() > 0, "{m}");
    // The demo parent's child is on that roll, checked in.
    let me = app.token("parent").await;
    let (_, mine) = app.get("/api/v1/children", &me).await;
    let first = mine[0]["id"].as_str().unwrap();
    assert!(
        kids.iter()
            .any(|k| k["child_id"] == first && k["state"]["status"] == "present"),
        "{r}"
    );
    // An incident waiting for acknowledgement in the running class.
    let (_, incidents) = app
        .get(&format!("/api/v1/classes/{id}/incidents"), &city)
        .await;
    assert!(
        incidents
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["acknowledged"] == false),
        "{incidents}"
    );
    // An application waiting for the unit.
    let unit = app.token("hospital_admin").await;
    let (_, apps) = app
        .get(&format!("/api/v1/classes/{id}/applications"), &unit)
        .await;
    assert!(
        apps.as_array()
            .unwrap()
            .iter()
            .any(|a| a["status"] == "applied"),
        "{apps}"
    );
    // A report overdue: a milestone of the season due before the load day.
    assert!(
        p["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["due_date"].as_str().unwrap() < load),
        "{p}"
    );
    // Every role's home page answers.
    for user in USERS {
        let web = WebSession::login(app, user).await;
        let (s, _) = web.get("/").await;
        assert_eq!(s, StatusCode::OK, "home of {user}");
    }
}

both!(
    loaded_on_a_wednesday_the_roll_of_the_day_is_half_done,
    wednesday
);
async fn wednesday(b: Backend) {
    loaded_on(b, "2026-12-02", "2026-12-02").await;
}

both!(
    loaded_on_a_saturday_the_roll_of_monday_is_half_done,
    saturday
);
async fn saturday(b: Backend) {
    loaded_on(b, "2026-12-05", "2026-12-07").await;
}

both!(
    loaded_in_a_year_the_calendar_does_not_hold_yet_the_demo_still_lives,
    next_year
);
async fn next_year(b: Backend) {
    // The shipped calendar ends in 2026 (the State Council publishes a year's holidays around
    // November of the year before, and none is guessed): a newcomer starting the demo in January
    // 2027 still sees a running season with today's roll half done. Simulated on a day of 2026
    // with 2026 taken out of the calendar.
    let app = TestApp::spawn_on_without_its_year(b, day("2026-12-02")).await;
    check_living(&app, "2026-12-02", "2026-12-02").await;
    // Without even that day (a deployment whose administrator has not entered the year): every
    // home page still answers, and the roll names the missing calendar rather than failing.
    tuoguan::on_db!(&app.state.db, p => sqlx::query("DELETE FROM calendar_days WHERE day >= '2026-01-01'")
        .execute(p).await.map(|_| ()))
    .unwrap();
    for user in USERS {
        let web = WebSession::login(&app, user).await;
        let (s, _) = web.get("/").await;
        assert_eq!(
            s,
            StatusCode::OK,
            "home of {user} without the year's calendar"
        );
    }
}

#[tokio::test]
async fn the_roll_day_is_the_next_working_day_of_the_calendar() {
    let db = crate::support::TestDb::new(Backend::Sqlite).await;
    let state = tuoguan::AppState::open(crate::support::config(&db.url))
        .await
        .unwrap();
    let cases = [
        ("2026-12-02", "2026-12-02"),
        ("2026-12-05", "2026-12-07"),
        // National Day: the holiday runs to the 7th; the 8th is a Thursday.
        ("2026-10-03", "2026-10-08"),
    ];
    for (on, expected) in cases {
        let got = tuoguan::demo::roll_day(&state, day(on)).await.unwrap();
        assert_eq!(got, day(expected), "loaded on {on}");
    }
}

both!(
    on_a_day_the_class_does_not_run_the_roll_opens_on_its_next_day,
    roll_on_a_day_off
);
async fn roll_on_a_day_off(b: Backend) {
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let app = TestApp::spawn_on(b, today).await;
    let city = app.token("city_admin").await;
    let (_, classes) = living(&app, &city, &today.to_string()).await;
    let id = classes
        .iter()
        .find(|c| c["status"] == "running" && c["host_name"] == "示例市第一人民医院工会")
        .unwrap_or_else(|| panic!("{classes:?}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Today the class is closed (a typhoon, say), whatever day of the week this runs on.
    let unit = app.token("hospital_admin").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/classes/{id}/days"),
            &unit,
            serde_json::json!({"day": today.to_string(), "kind": "closure", "reason": "台风停课"}),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    // The next day the API says the class runs, within two weeks (a year the calendar does not
    // hold yet ends the search).
    let staff = app.token("class_staff").await;
    let mut next = None;
    for n in 1..=14 {
        let d = (today + chrono::Duration::days(n)).to_string();
        let (status, r) = app
            .get(&format!("/api/v1/classes/{id}/roll?day={d}"), &staff)
            .await;
        if status != StatusCode::OK {
            break;
        }
        if r["operating"] == true {
            next = Some(d);
            break;
        }
    }
    let web = WebSession::login(&app, "class_staff").await;
    let (status, html) = web.get(&format!("/classes/{id}/roll")).await;
    assert_eq!(status, StatusCode::OK);
    match next {
        Some(d) => {
            assert!(html.contains("id=\"next-day\""), "{html}");
            assert!(html.contains(&format!("roll?day={d}")), "{d}: {html}");
            assert!(!html.contains("id=\"not-operating\""));
        }
        None => assert!(html.contains("id=\"not-operating\""), "{html}"),
    }
    // Asked for today by name, the roll says today is not a day of the class.
    let (_, html) = web.get(&format!("/classes/{id}/roll?day={today}")).await;
    assert!(html.contains("id=\"not-operating\""), "{html}");
}
