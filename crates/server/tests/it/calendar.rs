//! The working-day calendar: counting, correcting, replacing a year.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp, error_fields};

both!(
    spring_festival_2022_holds_22_working_days_not_25_weekdays,
    working_days
);
async fn working_days(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, body) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2022-01-24&to=2022-02-25",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["working_days"], 22);
    assert_eq!(body["weekdays"], 25);
    let (_, body) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2026-07-01&to=2026-08-31",
            None,
            None,
        )
        .await;
    assert_eq!(body["working_days"], 44, "a summer season without holidays");
    let (status, err) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2026-02-30&to=2026-03-01",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["from"]);
    let (status, err) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2026-03-01&to=2026-02-01",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&err), vec!["to"]);
    let (status, err) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2027-01-01&to=2027-01-31",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["error"]["fields"]["from"]
            .as_str()
            .unwrap()
            .contains("2027")
    );
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2026-01-01",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

both!(a_system_admin_enters_2027_and_corrects_a_day, edit_calendar);
async fn edit_calendar(b: Backend) {
    let app = TestApp::spawn(b).await;
    let fed = app.token("city_admin").await;
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/calendar/days/2027-01-01",
            Some(&fed),
            Some(json!({"kind": "holiday", "name": "元旦"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the national calendar is the system admin's"
    );
    let admin = app.token("admin").await;
    let year = json!({"days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-06", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-08", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-03", "kind": "workday", "name": "春节"}
    ]});
    let (status, err) = app
        .call(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&admin),
            Some(year),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "2027-02-03 is a Wednesday, not a make-up day"
    );
    assert!(
        err["error"]["fields"]["days"]
            .as_str()
            .unwrap()
            .contains("第 4 行")
    );
    assert_eq!(
        app.get("/api/v1/calendar/years/2027", &admin)
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing written"
    );
    let year = json!({"days": [
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦"},
        {"date": "2027-02-08", "kind": "holiday", "name": "春节"},
        {"date": "2027-02-20", "kind": "workday", "name": "春节"}
    ]});
    let (status, days) = app
        .call(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&admin),
            Some(year),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{days}");
    let (_, count) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2027-02-01&to=2027-02-28",
            None,
            None,
        )
        .await;
    assert_eq!(count["working_days"], 20 - 1 + 1);
    let (status, day) = app
        .call(
            Method::PUT,
            "/api/v1/calendar/days/2027-02-09",
            Some(&admin),
            Some(json!({"kind": "holiday", "name": "春节"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{day}");
    let (_, count) = app
        .call(
            Method::GET,
            "/api/v1/calendar/working-days?from=2027-02-01&to=2027-02-28",
            None,
            None,
        )
        .await;
    assert_eq!(count["working_days"], 19);
    assert_eq!(
        app.call(
            Method::DELETE,
            "/api/v1/calendar/days/2027-02-09",
            Some(&admin),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            "/api/v1/calendar/days/2027-02-09",
            Some(&admin),
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let years = app.get("/api/v1/calendar/years", &fed).await.1;
    assert!(
        years
            .as_array()
            .unwrap()
            .iter()
            .any(|y| y["year"] == "2027")
    );
    assert_eq!(app.audit("calendar.").await.len(), 3);
}

both!(
    the_calendar_page_counts_and_takes_a_pasted_year,
    calendar_page
);
async fn calendar_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    let viewer = WebSession::login(&app, "hospital_admin").await;
    let (status, html) = viewer
        .get("/calendar?year=2022&from=2022-01-24&to=2022-02-25")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<strong>22</strong>") && html.contains("春节"),
        "{html}"
    );
    assert!(
        !html.contains("day-form"),
        "no edit forms for a grassroots admin"
    );
    let admin = WebSession::login(&app, "admin").await;
    let (status, html) = admin
        .post_form(
            "/calendar?year=2028",
            "/calendar/years/2028",
            &[("csv", "2028-01-01,holiday,元旦\n2028-13-01,holiday,坏日期")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("第 2 行"), "{html}");
    let (status, _) = admin
        .post_form(
            "/calendar?year=2028",
            "/calendar/years/2028",
            &[("csv", "2028-01-01,holiday,元旦\n2028-01-29,workday,春节")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        admin
            .get("/calendar?year=2028")
            .await
            .1
            .contains("2028-01-29")
    );
}
