//! The home page as a to-do list per role (issue 15): every count on it is the number the page it
//! links to (or the API) gives — the matrix's overdue count, the roll, the classes waiting for
//! approval, the incidents not acknowledged, each parent's child today.

use reqwest::StatusCode;
use serde_json::Value;

use crate::attendance::hospital_class;
use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp};

/// The count of the to-do item with `id` on a home page, if the item is there.
pub fn count_of(html: &str, id: &str) -> Option<i64> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let end = rest.find("</li>").unwrap_or(rest.len());
    let item = &rest[..end];
    let start = item.find("data-count=\"")? + "data-count=\"".len();
    let len = item[start..].find('"')?;
    item[start..start + len].parse().ok()
}

async fn home(app: &TestApp, username: &str) -> String {
    let web = WebSession::login(app, username).await;
    let (status, html) = web.get("/").await;
    assert_eq!(status, StatusCode::OK, "{username}: {html}");
    html
}

async fn programmes(app: &TestApp, token: &str) -> Vec<Value> {
    let (_, ps) = app.get("/api/v1/programmes", token).await;
    ps.as_array().unwrap().clone()
}

/// The matrix's overdue count of a programme for the caller.
async fn matrix_overdue(app: &TestApp, token: &str, programme: &str) -> i64 {
    let (status, m) = app
        .get(&format!("/api/v1/programmes/{programme}/milestones"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    m["overdue"].as_i64().unwrap()
}

/// Overdue cells of the whole matrix, counted cell by cell from the units' statuses: the count the
/// matrix reads from the maintained figures must equal it.
async fn overdue_cells(app: &TestApp, token: &str, programme: &str) -> i64 {
    let (status, m) = app
        .get(
            &format!("/api/v1/programmes/{programme}/milestones?limit=1000"),
            token,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{m}");
    m["units"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["statuses"].as_array().unwrap().iter())
        .filter(|s| *s == "overdue")
        .count() as i64
}

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .date_naive()
        .to_string()
}

both!(
    class_staff_reach_today_s_roll_in_one_tap_with_the_roll_s_own_numbers,
    staff_home
);
async fn staff_home(b: Backend) {
    let app = TestApp::spawn(b).await;
    let class = hospital_class(&app).await;
    let html = home(&app, "class_staff").await;
    let link = format!("href=\"/classes/{class}/roll\" id=\"roll-{class}\"");
    assert!(html.contains(&link), "{html}");
    let token = app.token("class_staff").await;
    let (_, roll) = app
        .get(
            &format!("/api/v1/classes/{class}/roll?day={}", today()),
            &token,
        )
        .await;
    let card = &html[html.find(&format!("id=\"roll-{class}\"")).unwrap()..];
    let card = &card[..card.find("</a>").unwrap()];
    if roll["operating"].as_bool().unwrap() {
        for (word, key) in [("在班", "present"), ("应到", "expected")] {
            let n = roll[key].as_u64().unwrap();
            assert!(card.contains(&format!("{word} {n}")), "{key}: {card}");
        }
    } else {
        assert!(card.contains("今天不是托管日"), "{card}");
    }
    // A federation has no roll to take.
    assert!(
        !home(&app, "city_admin")
            .await
            .contains("id=\"today-rolls\"")
    );
}

both!(
    a_unit_s_home_counts_overdue_reports_as_the_matrix_does_and_lists_waiting_applications,
    unit_home
);
async fn unit_home(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("hospital_admin").await;
    let html = home(&app, "hospital_admin").await;
    let ps = programmes(&app, &token).await;
    assert!(!ps.is_empty());
    for p in &ps {
        let id = p["id"].as_str().unwrap();
        let expected = matrix_overdue(&app, &token, id).await;
        let shown = count_of(&html, &format!("todo-overdue-{id}")).unwrap_or(0);
        assert_eq!(shown, expected, "programme {}", p["name"]);
        assert_eq!(expected, overdue_cells(&app, &token, id).await);
    }
    // Applications waiting for a decision, per class, as the class's list says.
    let class = hospital_class(&app).await;
    let (_, apps) = app
        .get(&format!("/api/v1/classes/{class}/applications"), &token)
        .await;
    let of = |status: &str| {
        apps.as_array()
            .unwrap()
            .iter()
            .filter(|a| a["status"] == status)
            .count() as i64
    };
    let applied = of("applied");
    assert_eq!(
        count_of(&html, &format!("todo-applied-{class}")).unwrap_or(0),
        applied,
        "{html}"
    );
    assert_eq!(
        count_of(&html, &format!("todo-paperwork-{class}")).unwrap_or(0),
        of("accepted")
    );
    // A new application raises the count by one.
    let parent = app.token("parent").await;
    let (_, kids) = app.get("/api/v1/children", &parent).await;
    let mut raised = false;
    for k in kids.as_array().unwrap() {
        let body = serde_json::json!({"child_id": k["id"], "class_id": class});
        if app.post("/api/v1/applications", &parent, body).await.0 == StatusCode::CREATED {
            raised = true;
            break;
        }
    }
    if raised {
        let html = home(&app, "hospital_admin").await;
        assert_eq!(
            count_of(&html, &format!("todo-applied-{class}")),
            Some(applied + 1)
        );
    }
    // The roster of the running class is complete in the demo: no 负责人 item for it.
    assert!(!html.contains(&format!("id=\"todo-leader-{class}\"")));
    // Staff without their check, per class, as the class's roster says: one more added without a
    // check raises the count by one (the rosters of the unit's classes are read in one query).
    let unchecked = |roster: &Value| {
        roster
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["active"] == true && s["check_done_on"].is_null())
            .count() as i64
    };
    let (_, roster) = app
        .get(&format!("/api/v1/classes/{class}/staff"), &token)
        .await;
    let before = unchecked(&roster);
    assert_eq!(
        count_of(&html, &format!("todo-checks-{class}")).unwrap_or(0),
        before
    );
    let helper = serde_json::json!({"name": "吴志愿", "role": "volunteer", "phone": "13700009876",
        "part_time": true});
    let (s, added) = app
        .post(&format!("/api/v1/classes/{class}/staff"), &token, helper)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{added}");
    let html = home(&app, "hospital_admin").await;
    assert_eq!(
        count_of(&html, &format!("todo-checks-{class}")),
        Some(before + 1)
    );
}

both!(
    a_federation_s_home_lists_classes_to_approve_incidents_to_acknowledge_and_overdue_reports,
    federation_home
);
async fn federation_home(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let html = home(&app, "city_admin").await;
    let mut waiting_total = 0;
    for p in programmes(&app, &token).await {
        let id = p["id"].as_str().unwrap();
        let (_, classes) = app
            .get(
                &format!("/api/v1/classes?programme_id={id}&limit=1000"),
                &token,
            )
            .await;
        let submitted = classes
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "submitted")
            .count() as i64;
        waiting_total += submitted;
        assert_eq!(
            count_of(&html, &format!("todo-approve-{id}")).unwrap_or(0),
            submitted,
            "{html}"
        );
        let overdue = matrix_overdue(&app, &token, id).await;
        assert_eq!(
            count_of(&html, &format!("todo-overdue-{id}")).unwrap_or(0),
            overdue
        );
        assert_eq!(
            overdue,
            overdue_cells(&app, &token, id).await,
            "{}",
            p["name"]
        );
    }
    assert!(waiting_total >= 2, "the demo has classes waiting");
    let (_, incidents) = app.get("/api/v1/incidents", &token).await;
    let open = incidents
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["acknowledged"] == false)
        .count() as i64;
    assert_eq!(count_of(&html, "todo-incidents").unwrap_or(0), open);
    // Acknowledging one takes it off the list.
    if let Some(i) = incidents
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["acknowledged"] == false)
    {
        let path = format!(
            "/api/v1/incidents/{}/acknowledge",
            i["id"].as_str().unwrap()
        );
        assert_eq!(
            app.post(&path, &token, serde_json::json!({})).await.0,
            StatusCode::OK
        );
        let html = home(&app, "city_admin").await;
        assert_eq!(count_of(&html, "todo-incidents").unwrap_or(0), open - 1);
    }
    // Approving one class takes it off the count.
    let waiting = waiting_total;
    let p = &programmes(&app, &token).await[0];
    let pid = p["id"].as_str().unwrap();
    let (_, classes) = app
        .get(
            &format!("/api/v1/classes?programme_id={pid}&limit=1000"),
            &token,
        )
        .await;
    if let Some(c) = classes
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "submitted")
    {
        let id = c["id"].as_str().unwrap();
        let (s, r) = crate::classes::step(&app, &token, id, "approve", "").await;
        if s == StatusCode::OK {
            let html = home(&app, "city_admin").await;
            let total: i64 = [pid]
                .iter()
                .map(|p| count_of(&html, &format!("todo-approve-{p}")).unwrap_or(0))
                .sum();
            assert!(total < waiting, "{r}");
        }
    }
}

both!(
    a_parent_s_home_shows_each_child_s_day_and_what_is_missing,
    parent_home
);
async fn parent_home(b: Backend) {
    let app = TestApp::spawn(b).await;
    let parent = app.token("parent").await;
    let html = home(&app, "parent").await;
    let (_, kids) = app.get("/api/v1/children", &parent).await;
    let kids = kids.as_array().unwrap();
    assert!(!kids.is_empty());
    for k in kids {
        let id = k["id"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"child-{id}\"")), "{html}");
        assert!(html.contains(&format!("href=\"/children/{id}\"")));
    }
    // The enrolled child's line says what the roll says about today.
    let class = hospital_class(&app).await;
    let staff = app.token("class_staff").await;
    let (_, roll) = app
        .get(
            &format!("/api/v1/classes/{class}/roll?day={}", today()),
            &staff,
        )
        .await;
    for k in kids {
        let Some(on_roll) = roll["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["child_id"] == k["id"])
        else {
            continue;
        };
        let section = &html[html
            .find(&format!("id=\"child-{}\"", k["id"].as_str().unwrap()))
            .unwrap()..];
        let section = &section[..section.find("</section>").unwrap()];
        let word = if !roll["operating"].as_bool().unwrap() {
            "今天不托管"
        } else {
            match on_roll["state"]["status"].as_str().unwrap() {
                "present" => "已到",
                "collected" => "已接走",
                "absent" => "缺勤",
                _ => "还没到",
            }
        };
        assert!(section.contains(word), "{word}: {section}");
    }
    // Someone without children or classes sees that there is nothing to do.
    let html = home(&app, "provider").await;
    assert!(html.contains("id=\"todo-empty\""), "{html}");
}
