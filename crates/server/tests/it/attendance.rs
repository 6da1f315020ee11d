//! A class's day at the door through the API: check-in and check-out to authorised people,
//! every refusal, Idempotency-Key, the offline conflict rule, corrections, pickup cards, the
//! attendance rate and the month grid (.xlsx by round trip), and what a parent sees.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::{Backend, TestApp, error_fields};

/// The demo hospital's running class (2026-07-06 … 2026-08-14; the demo filled its first two
/// weeks, so tests record days from 2026-07-20 on).
pub async fn hospital_class(app: &TestApp) -> String {
    let token = app.token("hospital_admin").await;
    let (_, programmes) = app.get("/api/v1/programmes", &token).await;
    let p = programmes[0]["id"].as_str().unwrap();
    let (_, classes) = app
        .get(&format!("/api/v1/classes?programme_id={p}"), &token)
        .await;
    classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "医院职工子女暑期爱心托管班")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `POST /api/v1/classes/{class}/attendance` with an optional Idempotency-Key.
pub async fn tap(
    app: &TestApp,
    token: &str,
    class: &str,
    key: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .post(app.url(&format!("/api/v1/classes/{class}/attendance")))
        .bearer_auth(token)
        .header("accept-language", "zh-CN")
        .json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The roll of a day.
pub async fn roll(app: &TestApp, token: &str, class: &str, day: &str) -> Value {
    let (status, r) = app
        .get(&format!("/api/v1/classes/{class}/roll?day={day}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r
}

pub fn check_in(child: &str, day: &str, at: &str) -> Value {
    json!({"child_id": child, "action": "check_in", "day": day, "at": format!("{day}T{at}"), "person": "孙倩"})
}

both!(a_day_at_the_door_with_every_refusal, door);
async fn door(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let day = "2026-07-20";
    let r = roll(&app, &staff, &class, day).await;
    assert_eq!(r["operating"], true);
    let kids = r["children"].as_array().unwrap().clone();
    assert!(kids.len() >= 6, "{r}");
    assert!(kids.iter().all(|k| k["state"]["status"] == "expected"));
    let (a, bb, c) = (
        kids[0]["child_id"].as_str().unwrap(),
        kids[1]["child_id"].as_str().unwrap(),
        kids[2]["child_id"].as_str().unwrap(),
    );
    // Check-in, answered once per key.
    let (s1, first) = tap(&app, &staff, &class, Some("k-1"), check_in(a, day, "08:01")).await;
    assert_eq!(s1, StatusCode::CREATED, "{first}");
    assert_eq!(first["state"]["status"], "present");
    assert_eq!(first["state"]["arrived_at"], "08:01");
    assert_eq!(first["correction"], false);
    let (s2, again) = tap(&app, &staff, &class, Some("k-1"), check_in(a, day, "08:01")).await;
    assert_eq!(
        (s2, &again),
        (StatusCode::CREATED, &first),
        "same key, same answer"
    );
    let (s3, e) = tap(
        &app,
        &staff,
        &class,
        Some("k-1"),
        check_in(bb, day, "08:01"),
    )
    .await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(error_fields(&e), vec!["Idempotency-Key"]);
    let r = roll(&app, &staff, &class, day).await;
    assert_eq!(r["present"], 1, "one write for three requests");
    // A second check-in is refused.
    let (s, e) = tap(&app, &staff, &class, Some("k-2"), check_in(a, day, "08:30")).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "attendance.already_checked_in");
    assert_eq!(e["error"]["state"]["arrived_at"], "08:01");
    // Someone not on the list: refused (409) and recorded with the name given.
    let stranger = json!({"child_id": a, "action": "check_out", "day": day, "at": format!("{day}T17:00"), "person": "陌生人张三"});
    let (s, e) = tap(&app, &staff, &class, Some("k-3"), stranger).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "attendance.unauthorised_pickup");
    let manager = app.token("class_manager").await;
    let (_, events) = app
        .get(
            &format!("/api/v1/classes/{class}/attendance/events?from=2026-07-01"),
            &manager,
        )
        .await;
    let refused: Vec<&Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["refusal"] == "attendance.unauthorised_pickup")
        .collect();
    assert_eq!(refused.len(), 1, "{events}");
    assert_eq!(refused[0]["person"], "陌生人张三");
    // An authorised collector takes the child; a second check-out is refused.
    let collector = kids[0]["collectors"][0]["id"].as_str().unwrap();
    let out = json!({"child_id": a, "action": "check_out", "day": day, "at": format!("{day}T17:05"), "collector_id": collector});
    let (s, o) = tap(&app, &staff, &class, Some("k-4"), out.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert_eq!(o["state"]["status"], "collected");
    assert_eq!(o["state"]["left_at"], "17:05");
    let (s, e) = tap(&app, &staff, &class, Some("k-5"), out).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("attendance.already_checked_out"))
    );
    // A check-out needs a check-in.
    let out_b = json!({"child_id": bb, "action": "check_out", "day": day, "collector_id": kids[1]["collectors"][0]["id"]});
    let (s, e) = tap(&app, &staff, &class, None, out_b).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("attendance.not_checked_in"))
    );
    // Absent, ill; then the family brings the child at ten: a late arrival clears the absence.
    let ill = json!({"child_id": c, "action": "absent", "day": day, "reason": "ill"});
    let (s, a1) = tap(&app, &staff, &class, None, ill).await;
    assert_eq!(
        (s, a1["state"]["status"].as_str()),
        (StatusCode::CREATED, Some("absent"))
    );
    let (s, late) = tap(&app, &staff, &class, None, check_in(c, day, "10:00")).await;
    assert_eq!(
        (s, late["state"]["status"].as_str()),
        (StatusCode::CREATED, Some("present"))
    );
    // Not an operating day (a Sunday), a day to come, a bad reason, a child of another class.
    let (s, e) = tap(
        &app,
        &staff,
        &class,
        None,
        check_in(bb, "2026-07-19", "08:00"),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("attendance.not_operating_day"))
    );
    let future = json!({"child_id": bb, "action": "check_in", "day": "2099-07-20"});
    let (s, e) = tap(&app, &staff, &class, None, future).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["day".to_string()])
    );
    let bad = json!({"child_id": bb, "action": "absent", "day": day, "reason": "holiday"});
    let (s, e) = tap(&app, &staff, &class, None, bad).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["reason".to_string()])
    );
    let nobody = json!({"child_id": "0190c0de-0000-7000-8000-000000000000", "action": "check_in", "day": day});
    let (s, e) = tap(&app, &staff, &class, None, nobody).await;
    assert_eq!(
        (s, error_fields(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["child_id".to_string()]
        )
    );
    // A correction: undo needs a reason, and is marked with who and when.
    let undo = json!({"child_id": c, "action": "undo", "day": day});
    let (s, e) = tap(&app, &staff, &class, None, undo).await;
    assert_eq!(
        (s, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["note".to_string()])
    );
    let undo = json!({"child_id": c, "action": "undo", "day": day, "note": "点错了孩子"});
    let (s, u) = tap(&app, &staff, &class, None, undo).await;
    assert_eq!(s, StatusCode::CREATED, "{u}");
    assert_eq!(
        (u["correction"].as_bool(), u["state"]["corrected"].as_bool()),
        (Some(true), Some(true))
    );
    let (_, events) = app
        .get(
            &format!("/api/v1/classes/{class}/attendance/events?from=2026-07-01"),
            &manager,
        )
        .await;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "undo" && e["by"] == "徐涛" && e["note"] == "点错了孩子")
    );
    // The child-days present by day moved with every arrival and the correction, as a recount.
    crate::tallies::assert_tallies_match(&app, "a day at the door with a correction").await;
    // Another organisation's staff never reach the class; a federation sees it but cannot tap.
    let power = app.token("power_admin").await;
    let (s, _) = tap(&app, &power, &class, None, check_in(bb, day, "08:00")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get(&format!("/api/v1/classes/{class}/roll?day={day}"), &power)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let parent = app.token("parent").await;
    let (s, _) = tap(&app, &parent, &class, None, check_in(bb, day, "08:00")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let city = app.token("city_admin").await;
    let (s, _) = tap(&app, &city, &class, None, check_in(bb, day, "08:00")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

both!(
    an_offline_tap_made_earlier_keeps_its_time_and_copies_write_once,
    offline
);
async fn offline(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let manager = app.token("class_manager").await;
    let class = hospital_class(&app).await;
    let day = "2026-07-21";
    let r = roll(&app, &staff, &class, day).await;
    let child = r["children"][0]["child_id"].as_str().unwrap().to_string();
    // Phone B, online, checks the child in at 08:10; phone A tapped at 08:02 while offline.
    let (s, _) = tap(
        &app,
        &manager,
        &class,
        Some("phone-b-1"),
        check_in(&child, day, "08:10"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, e) = tap(
        &app,
        &staff,
        &class,
        Some("phone-a-1"),
        check_in(&child, day, "08:02"),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(
        e["error"]["state"]["arrived_at"], "08:02",
        "the earliest tap wins"
    );
    let r = roll(&app, &staff, &class, day).await;
    assert_eq!(r["children"][0]["state"]["arrived_at"], "08:02");
    assert_eq!(r["present"], 1);
    // Ten copies of one queued tap sent at once (a flaky network): one write, one answer.
    let child2 = r["children"][1]["child_id"].as_str().unwrap().to_string();
    let body = check_in(&child2, day, "08:20");
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let req = app
            .http
            .post(app.url(&format!("/api/v1/classes/{class}/attendance")))
            .bearer_auth(&staff)
            .header("idempotency-key", "phone-a-2")
            .json(&body);
        set.spawn(async move {
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        });
    }
    let answers = set.join_all().await;
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, StatusCode::CREATED);
    let r = roll(&app, &staff, &class, day).await;
    assert_eq!(r["present"], 2);
    crate::tallies::assert_tallies_match(&app, "the same tap from many phones at once").await;
}

both!(
    pickup_cards_find_the_child_and_a_reissued_card_stops_the_old_one,
    cards
);
async fn cards(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let r = roll(&app, &staff, &class, "2026-07-20").await;
    let child = r["children"][0]["child_id"].as_str().unwrap();
    let (s, card) = app
        .get(&format!("/api/v1/children/{child}/pickup-card"), &staff)
        .await;
    assert_eq!(s, StatusCode::OK, "{card}");
    let code = card["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 8);
    let (s, who) = app
        .get(
            &format!("/api/v1/pickup-cards/{}", code.to_lowercase()),
            &staff,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "typed in lower case: {who}");
    assert_eq!(
        (who["child_id"].as_str(), who["class_ids"][0].as_str()),
        (Some(child), Some(class.as_str()))
    );
    let (s, again) = app
        .get(&format!("/api/v1/children/{child}/pickup-card"), &staff)
        .await;
    assert_eq!(
        (s, again["code"].as_str()),
        (StatusCode::OK, Some(code.as_str())),
        "one card until reissued"
    );
    let (s, new) = app
        .post(
            &format!("/api/v1/children/{child}/pickup-card"),
            &staff,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{new}");
    assert_ne!(new["code"], card["code"]);
    let (s, _) = app
        .get(&format!("/api/v1/pickup-cards/{code}"), &staff)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "the lost card no longer works");
    let (s, _) = app
        .get(
            &format!("/api/v1/pickup-cards/{}", new["code"].as_str().unwrap()),
            &staff,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let power = app.token("power_admin").await;
    let (s, _) = app
        .get(
            &format!("/api/v1/pickup-cards/{}", new["code"].as_str().unwrap()),
            &power,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            &format!("/api/v1/children/{child}/pickup-card"),
            &power,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(
    phones_asking_at_once_leave_one_valid_card_per_child,
    cards_at_once
);
async fn cards_at_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let r = roll(&app, &staff, &class, "2026-07-20").await;
    let child = r["children"][1]["child_id"].as_str().unwrap().to_string();
    let card_url = app.url(&format!("/api/v1/children/{child}/pickup-card"));
    // Eight phones open the child's card at once (it has none yet): one card is issued.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let req = app.http.get(&card_url).bearer_auth(&staff);
        set.spawn(async move {
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        });
    }
    let answers = set.join_all().await;
    assert!(
        answers
            .iter()
            .all(|(s, c)| *s == StatusCode::OK && c["code"] == answers[0].1["code"]),
        "{answers:?}"
    );
    // Four reissues at once: each answers with a code, and afterwards exactly one code works.
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let req = app
            .http
            .post(&card_url)
            .bearer_auth(&staff)
            .json(&json!({}));
        set.spawn(async move {
            let res = req.send().await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        });
    }
    let reissued = set.join_all().await;
    assert!(
        reissued.iter().all(|(s, _)| *s == StatusCode::OK),
        "{reissued:?}"
    );
    let (_, now) = app
        .get(&format!("/api/v1/children/{child}/pickup-card"), &staff)
        .await;
    let valid = now["code"].as_str().unwrap();
    let mut working = Vec::new();
    for (_, c) in reissued.iter().chain(&answers[..1]) {
        let code = c["code"].as_str().unwrap();
        let (s, _) = app
            .get(&format!("/api/v1/pickup-cards/{code}"), &staff)
            .await;
        if s == StatusCode::OK {
            working.push(code.to_string());
        }
    }
    assert_eq!(working, [valid], "one valid card, the last one issued");
}

both!(
    a_parent_sees_their_own_childs_attendance_and_no_one_elses,
    family
);
async fn family(b: Backend) {
    let app = TestApp::spawn(b).await;
    let parent = app.token("parent").await;
    let staff = app.token("class_staff").await;
    let class = hospital_class(&app).await;
    let (_, kids) = app.get("/api/v1/children", &parent).await;
    let mut enrolled = None;
    for k in kids.as_array().unwrap() {
        let id = k["id"].as_str().unwrap();
        let (s, a) = app
            .get(&format!("/api/v1/children/{id}/attendance"), &parent)
            .await;
        assert_eq!(s, StatusCode::OK, "{a}");
        if !a.as_array().unwrap().is_empty() {
            enrolled = Some((id.to_string(), a));
        }
    }
    let (child, before) = enrolled.expect("the demo parent has a child enrolled");
    assert_eq!(before[0]["class_id"], class.as_str());
    // Every operating day of the (past) class is a row, the rate's denominator; two weeks of them
    // hold the demo's records, the rest say nothing was recorded.
    let rows = before[0]["days"].as_array().unwrap();
    assert_eq!(
        (rows.len(), before[0]["expected"].as_u64()),
        (30, Some(30)),
        "{before}"
    );
    assert_eq!(
        rows.iter().filter(|d| d["status"] != "expected").count(),
        10,
        "two weeks of demo days"
    );
    let (s, _) = tap(
        &app,
        &staff,
        &class,
        None,
        check_in(&child, "2026-07-23", "07:58"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, after) = app
        .get(&format!("/api/v1/children/{child}/attendance"), &parent)
        .await;
    let days = after[0]["days"].as_array().unwrap();
    let d = days
        .iter()
        .find(|d| d["day"] == "2026-07-23")
        .expect("the new day");
    assert_eq!(
        (d["arrived_at"].as_str(), d["brought_by"].as_str()),
        (Some("07:58"), Some("孙倩"))
    );
    assert_eq!(
        after[0]["present"].as_u64().unwrap(),
        before[0]["present"].as_u64().unwrap() + 1
    );
    // Another family, and a sibling organisation, get 404.
    let other = crate::enrolment::parent(&app, "13699990000").await;
    let (s, _) = app
        .get(&format!("/api/v1/children/{child}/attendance"), &other)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let power = app.token("power_admin").await;
    let (s, _) = app
        .get(&format!("/api/v1/children/{child}/attendance"), &power)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(
    the_roll_lists_pickup_persons_then_guardians_whatever_their_names_hold,
    roll_collectors
);
async fn roll_collectors(b: Backend) {
    let app = TestApp::spawn(b).await;
    let staff = app.token("class_staff").await;
    let parent = app.token("parent").await;
    let class = hospital_class(&app).await;
    let day = "2026-07-20";
    let (_, mine) = app.get("/api/v1/children", &parent).await;
    let on_roll: Vec<String> = roll(&app, &staff, &class, day).await["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["child_id"].as_str().unwrap().to_string())
        .collect();
    let child = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .find(|id| on_roll.contains(id))
        .expect("the demo parent has a child in the hospital's class");
    // Names are text, colons and digits included.
    for (name, rel) in [("林:国强 12", "祖父"), ("Ann 3:x", "朋友")] {
        let body = json!({"name": name, "relationship": rel, "phone": "13700001234"});
        let (s, p) = app
            .post(&format!("/api/v1/children/{child}/pickups"), &parent, body)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
    }
    let r = roll(&app, &staff, &class, day).await;
    let kid = r["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["child_id"] == child.as_str())
        .unwrap();
    let who: Vec<(String, String)> = kid["collectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at = |name: &str| who.iter().position(|(_, n)| n == name).unwrap();
    let first_guardian = who
        .iter()
        .position(|(id, _)| id.starts_with("guardian:"))
        .expect("the guardians are on the roll");
    assert!(
        at("林:国强 12") < at("Ann 3:x") && at("Ann 3:x") < first_guardian,
        "pickup persons first, as added, then the guardians: {who:?}"
    );
    assert!(
        who[first_guardian..]
            .iter()
            .all(|(id, _)| id.starts_with("guardian:"))
    );
    let pickup = who[at("林:国强 12")].0.clone();
    // A check-out to the pickup person named so is accepted.
    let out = json!({"child_id": child, "action": "check_out", "day": day,
        "at": format!("{day}T17:05"), "collector_id": pickup});
    let (s, _) = tap(
        &app,
        &staff,
        &class,
        Some("rc-1"),
        check_in(&child, day, "08:00"),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, o) = tap(&app, &staff, &class, Some("rc-2"), out).await;
    assert_eq!(s, StatusCode::CREATED, "{o}");
    assert_eq!(o["state"]["status"], "collected", "{o}");
}
