//! The sign-in throttle: failures count per client address and per (address, username), unknown
//! usernames exactly like known ones; an address that failed too often is refused, nobody else.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both;
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, PASSWORD, TestApp};

/// Asks for a token from `address` (the app trusts `X-Forwarded-For`).
async fn token_from(
    app: &TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> (StatusCode, Value) {
    let res = app
        .http
        .post(app.url("/api/v1/auth/token"))
        .header("x-forwarded-for", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn behind_a_proxy(b: Backend) -> TestApp {
    TestApp::spawn_with(b, |c| c.trust_proxy = true).await
}

both!(
    an_unknown_username_answers_like_a_known_one,
    unknown_like_known
);
async fn unknown_like_known(b: Backend) {
    let app = behind_a_proxy(b).await;
    let mut answers = Vec::new();
    for username in ["city_viewer", "no_such_user"] {
        let mut seq = Vec::new();
        for _ in 0..7 {
            let (status, body) = token_from(&app, "203.0.113.7", username, "wrong-password").await;
            seq.push((status, body["error"]["code"].clone()));
        }
        answers.push(seq);
    }
    assert_eq!(
        answers[0], answers[1],
        "the same answers, in the same order"
    );
    let statuses: Vec<_> = answers[0].iter().map(|(s, _)| s.as_u16()).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // Both refusals and failures are audited, the unknown name as it was typed.
    let failures = app.audit("login.failure").await;
    assert_eq!(failures.len(), 10);
    assert!(
        failures
            .iter()
            .any(|e| e.actor_name.as_deref() == Some("no_such_user"))
    );
    assert_eq!(app.audit("login.locked").await.len(), 4);
}

both!(
    a_guesser_cannot_lock_the_owner_out_from_elsewhere,
    owner_elsewhere
);
async fn owner_elsewhere(b: Backend) {
    let app = behind_a_proxy(b).await;
    for _ in 0..5 {
        let (status, _) = token_from(&app, "203.0.113.7", "city_viewer", "guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = token_from(&app, "203.0.113.7", "city_viewer", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password, from there"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15 分钟"),
        "{body}"
    );
    let (status, body) = token_from(&app, "198.51.100.20", "city_viewer", PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the owner, from another address: {body}"
    );
    // The guesser's address may still sign in to other accounts (5 failures < 20).
    let (status, _) = token_from(&app, "203.0.113.7", "city_admin", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

both!(
    an_address_that_fails_on_many_names_is_refused_on_all,
    many_names
);
async fn many_names(b: Backend) {
    let app = behind_a_proxy(b).await;
    for i in 0..20 {
        let (status, _) = token_from(&app, "203.0.113.8", &format!("guess{i}"), "x").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (status, _) = token_from(&app, "203.0.113.8", "city_admin", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let res = app
        .http
        .post(app.url("/api/v1/auth/token"))
        .header("x-forwarded-for", "203.0.113.8")
        .json(&json!({"username": "city_admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    let (status, _) = token_from(&app, "198.51.100.20", "city_admin", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "another address is not affected");
}

both!(the_sign_in_form_is_throttled_like_the_api, form_throttle);
async fn form_throttle(b: Backend) {
    let app = behind_a_proxy(b).await;
    let post = |username: &'static str, password: &'static str, address: &'static str| {
        let app = &app;
        async move {
            let s = WebSession::new(&app.base);
            let page = s.get("/login").await.1;
            let res = s
                .http
                .post(app.url("/login"))
                .header("x-forwarded-for", address)
                .form(&[
                    ("_csrf", csrf_of(&page).as_str()),
                    ("username", username),
                    ("password", password),
                    ("next", "/"),
                ])
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.text().await.unwrap())
        }
    };
    for username in ["city_viewer", "nobody_at_all"] {
        for _ in 0..5 {
            assert_eq!(
                post(username, "guess", "203.0.113.9").await.0,
                StatusCode::UNAUTHORIZED
            );
        }
        let (status, html) = post(username, "guess", "203.0.113.9").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{username}");
        assert!(html.contains("15 分钟"), "{html}");
    }
    let (status, _) = post("city_viewer", PASSWORD, "198.51.100.21").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the owner from elsewhere signs in"
    );
    // Token and form count together: the API from the shut-out address is refused as well.
    let (status, _) = token_from(&app, "203.0.113.9", "city_viewer", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
