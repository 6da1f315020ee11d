//! The audit log: sign-ins and every change, readable by system admins only.

use reqwest::StatusCode;
use serde_json::json;

use crate::both;
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp};

both!(
    the_system_admin_reads_who_did_what_when_and_from_where,
    read_audit
);
async fn read_audit(b: Backend) {
    let app = TestApp::spawn(b).await;
    let _ = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "city_admin", "password": "wrong-password"})),
        )
        .await;
    let city = app.token("city_admin").await;
    let district = app.org_id("滨江区总工会").await;
    app.post("/api/v1/orgs", &city, json!({"parent_id": district, "name": "滨江消防救援站工会", "kind": "grassroots", "unit_type": "employer"})).await;
    assert_eq!(
        app.get("/api/v1/audit", &city).await.0,
        StatusCode::FORBIDDEN
    );
    let admin = app.token("admin").await;
    let (status, log) = app.get("/api/v1/audit?actor=city_admin", &admin).await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["org.create", "token.issue", "login.failure"],
        "newest first"
    );
    let create = &log[0];
    assert!(create["at"].as_str().unwrap().ends_with('Z'), "UTC");
    assert_eq!(create["ip"], "127.0.0.1");
    assert!(
        create["detail"]
            .as_str()
            .unwrap()
            .contains("滨江消防救援站工会")
    );
    let (_, only) = app.get("/api/v1/audit?action=login", &admin).await;
    assert!(
        only.as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"].as_str().unwrap().starts_with("login"))
    );
    let s = WebSession::login(&app, "admin").await;
    let (status, html) = s.get("/audit?actor=city_admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("org.create") && html.contains("127.0.0.1"));
    let viewer = WebSession::login(&app, "city_admin").await;
    assert_eq!(viewer.get("/audit").await.0, StatusCode::FORBIDDEN);
}

both!(the_audit_log_cannot_be_rewritten, append_only);
async fn append_only(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.token("city_admin").await;
    let res = tuoguan::on_db!(&app.state.db, p => sqlx::query("UPDATE audit_log SET action = 'x'").execute(p).await.map(|_| ()));
    assert!(res.is_err(), "UPDATE refused");
    let res = tuoguan::on_db!(&app.state.db, p => sqlx::query("DELETE FROM audit_log").execute(p).await.map(|_| ()));
    assert!(res.is_err(), "DELETE refused");
}

both!(
    standalone_entries_from_many_requests_at_once_are_each_stored_once,
    journal_batches
);
async fn journal_batches(b: Backend) {
    use tuoguan::audit::{Client, Entry};
    let app = TestApp::spawn(b).await;
    // More at once than one commit takes (256), so the journal needs several batches.
    let n = 300;
    let mut tasks = Vec::new();
    for i in 0..n {
        let journal = app.state.journal.clone();
        tasks.push(tokio::spawn(async move {
            let target = format!("class-{i}");
            let entry = Entry {
                actor_id: None,
                actor_name: Some("city_admin"),
                action: "roster.export",
                target_type: "class",
                target_id: Some(target),
                detail: String::new(),
            };
            let client = Client {
                ip: Some("10.0.0.1".into()),
                request_id: Some(format!("req-{i}")),
            };
            journal.record(&entry, &client).await
        }));
    }
    for t in tasks {
        t.await.unwrap().expect("committed before it returns");
    }
    let sql = "SELECT COUNT(*), COUNT(DISTINCT target_id), COUNT(DISTINCT request_id) \
               FROM audit_log WHERE action = 'roster.export' AND ip = '10.0.0.1'";
    let counts: (i64, i64, i64) =
        tuoguan::on_db!(&app.state.db, p => sqlx::query_as(sql).fetch_one(p).await).unwrap();
    assert_eq!(
        counts,
        (n, n, n),
        "every entry once, with its own target and request"
    );
}
