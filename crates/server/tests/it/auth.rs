//! Signing in and out, tokens, lockout, sessions, CSRF and security headers.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::support::web::{WebSession, csrf_of};
use crate::support::{Backend, PASSWORD, TestApp};

both!(a_script_gets_a_token_and_sees_who_it_is, token_and_me);
async fn token_and_me(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "city_admin");
    assert_eq!(me["roles"][0]["role"], "federation_admin");
    assert_eq!(me["roles"][0]["org_name"], "示例市总工会");
    let (status, body) = app.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = app
        .call(Method::DELETE, "/api/v1/auth/token", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &token).await.0,
        StatusCode::UNAUTHORIZED,
        "a revoked token stops"
    );
}

both!(
    five_wrong_passwords_lock_the_account_for_fifteen_minutes,
    lockout
);
async fn lockout(b: Backend) {
    let app = TestApp::spawn(b).await;
    let wrong = json!({"username": "city_viewer", "password": "not-the-password"});
    for _ in 0..5 {
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(wrong.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["message"], "用户名或密码不正确。");
    }
    let right = json!({"username": "city_viewer", "password": PASSWORD});
    let (status, body) = app
        .call(Method::POST, "/api/v1/auth/token", None, Some(right))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15 分钟")
    );
    assert_eq!(app.audit("login.failure").await.len(), 5);
    assert_eq!(app.audit("login.locked").await.len(), 1);
    // Another account is not affected.
    app.token("city_admin").await;
}

both!(
    a_deactivated_user_is_signed_out_everywhere_at_once,
    deactivation
);
async fn deactivation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let victim_token = app.token("hospital_admin").await;
    let victim_web = WebSession::login(&app, "hospital_admin").await;
    assert_eq!(victim_web.get("/").await.0, StatusCode::OK);
    let admin = app.token("city_admin").await;
    let id = app.user_id("hospital_admin").await;
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{id}"),
            &admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    assert_eq!(
        app.get("/api/v1/me", &victim_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, location) = victim_web.get("/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "hospital_admin", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

both!(a_password_reset_ends_the_old_sessions, password_reset);
async fn password_reset(b: Backend) {
    let app = TestApp::spawn(b).await;
    let old = app.token("power_admin").await;
    let admin = app.token("dongcheng_admin").await;
    let id = app.user_id("power_admin").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/users/{id}/password"),
            &admin,
            json!({"password": "12345678"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["error"]["fields"]["password"],
        "密码至少需要 10 个字符。"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/users/{id}/password"),
            &admin,
            json!({"password": "Kz7-ladder-Moon"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &old).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/token",
            None,
            Some(json!({"username": "power_admin", "password": "Kz7-ladder-Moon"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

both!(
    a_web_session_survives_a_server_restart_and_sign_out_ends_it,
    web_session
);
async fn web_session(b: Backend) {
    let app = TestApp::spawn(b).await;
    let s = WebSession::new(&app.base);
    let page = s.get("/login").await.1;
    let res = s
        .http
        .post(format!("{}/login", app.base))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("username", "city_admin"),
            ("password", PASSWORD),
            ("next", "/orgs"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/orgs");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tg_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let (status, html) = s.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("李秀英"));
    // The same cookie against a freshly started server on the same database.
    let restarted = WebSession {
        http: s.http.clone(),
        base: app.restart().await,
    };
    let (status, html) = restarted.get("/").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("李秀英"));
    let (status, location) = s.post_form("/", "/logout", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/login"));
    assert_eq!(s.get("/").await.0, StatusCode::SEE_OTHER);
    assert!(!app.audit("logout").await.is_empty());
}

both!(
    a_wrong_password_on_the_form_says_so_in_the_chosen_language,
    login_form_errors
);
async fn login_form_errors(b: Backend) {
    let app = TestApp::spawn(b).await;
    let s = WebSession::new(&app.base);
    let (status, html) = s.login_as("city_admin", "wrong-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("用户名或密码不正确"));
    let (status, _) = s.post_form("/login", "/lang", &[("lang", "en")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = s.login_as("city_admin", "wrong-password").await;
    assert!(html.contains("Wrong username or password"), "{html}");
}

both!(
    a_form_posted_without_its_csrf_token_or_from_another_site_is_refused,
    csrf
);
async fn csrf(b: Backend) {
    let app = TestApp::spawn(b).await;
    let s = WebSession::login(&app, "city_admin").await;
    let district = app.org_id("东城区总工会").await;
    let fields = [
        ("parent_id", district.as_str()),
        ("name", "伪造工会"),
        ("kind", "grassroots"),
        ("unit_type", "employer"),
    ];
    let (status, _) = s
        .post_form_with("/orgs", "wrong-token-wrong-token-wrong-token", &fields)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let res = s
        .http
        .post(format!("{}/orgs", app.base))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = s.get("/orgs").await.1;
    let mut with_token = vec![("_csrf", csrf_of(&html))];
    with_token.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
    let res = s
        .http
        .post(format!("{}/orgs", app.base))
        .header("origin", "https://evil.example")
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("表单已过期"));
    let (status, _) = s.post_form("/orgs", "/orgs", &fields).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the same form with its token goes through"
    );
}

both!(every_page_carries_the_security_headers, security_headers);
async fn security_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    for path in [
        "/login",
        "/api/v1/calendar/working-days?from=2026-01-01&to=2026-01-31",
        "/no-such-page",
    ] {
        let res = app.http.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h.contains_key("x-request-id"));
    }
}

both!(an_idle_session_expires, idle_timeout);
async fn idle_timeout(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.session_idle_minutes = 0).await;
    let s = WebSession::login(&app, "city_admin").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        s.get("/").await.0,
        StatusCode::SEE_OTHER,
        "idle session sent back to sign-in"
    );
}

both!(
    a_session_ends_at_its_absolute_limit_even_when_active,
    absolute_timeout
);
async fn absolute_timeout(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.session_max_hours = 0).await;
    let s = WebSession::new(&app.base);
    let (status, _) = s.login_as("city_admin", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "sign-in itself works");
    assert_eq!(
        s.get("/").await.0,
        StatusCode::SEE_OTHER,
        "but the session is already past its absolute limit"
    );
}

/// `next` values a browser would follow off the site (it strips tabs and line breaks, reads `\`
/// as `/`), as the query string carries them and as the form posts them.
const OFF_SITE: &[(&str, &str)] = &[
    ("/%09/evil.example", "/\t/evil.example"),
    ("/%0a/evil", "/\n/evil"),
    ("/%0d/evil", "/\r/evil"),
    ("/%0b/evil", "/\u{b}/evil"),
    ("/%5Cevil", "/\\evil"),
    ("%5C%5Cevil", "\\\\evil"),
    ("//evil", "//evil"),
    ("https://evil", "https://evil"),
    ("%20/evil", " /evil"),
];

/// The `Location` of a response and whether it set the session cookie.
fn location_and_session(res: &reqwest::Response) -> (String, bool) {
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|c| c.to_str().unwrap().starts_with("tg_session="));
    (location.unwrap_or_default(), session)
}

both!(
    sign_in_sends_nowhere_but_a_path_of_this_site,
    no_open_redirect
);
async fn no_open_redirect(b: Backend) {
    let app = TestApp::spawn(b).await;
    let anonymous = WebSession::new(&app.base);
    let signed_in = WebSession::login(&app, "city_admin").await;
    for (query, form) in OFF_SITE {
        // The form keeps only a safe `next`.
        let (status, html) = anonymous.get(&format!("/login?next={query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert!(html.contains(r#"name="next" value="/">"#), "{query}");
        // Someone already signed in is sent on at once: home, not away.
        let (status, location) = signed_in
            .get_location(&format!("/login?next={query}"))
            .await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/"),
            "GET {query}"
        );
        // The form posted with it signs in (session cookie set) and goes home: 303, never a 500.
        let s = WebSession::new(&app.base);
        let page = s.get("/login").await.1;
        let res = s
            .http
            .post(app.url("/login"))
            .form(&[
                ("_csrf", csrf_of(&page).as_str()),
                ("username", "city_admin"),
                ("password", PASSWORD),
                ("next", form),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "POST {form:?}");
        assert_eq!(
            location_and_session(&res),
            ("/".into(), true),
            "POST {form:?}"
        );
        assert_eq!(
            s.get("/").await.0,
            StatusCode::OK,
            "signed in after {form:?}"
        );
    }
    // A NUL in the address is refused before sign-in looks at it (web::nul): no redirect at all.
    let (status, _) = signed_in.get_location("/login?next=/%00/evil").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A path of the site, query and all, is kept.
    let (status, location) = signed_in.get_location("/login?next=/classes%3Fx%3D1").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/classes?x=1")
    );
    let page = anonymous.get("/login").await.1;
    let res = anonymous
        .http
        .post(app.url("/login"))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("username", "city_admin"),
            ("password", PASSWORD),
            ("next", "/classes?x=1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location_and_session(&res), ("/classes?x=1".into(), true));
}

both!(
    every_401_of_the_api_names_the_bearer_scheme,
    bearer_challenge
);
async fn bearer_challenge(b: Backend) {
    let app = TestApp::spawn(b).await;
    let wrong = json!({"username": "city_admin", "password": "not-the-password"});
    let requests = [
        app.http.get(app.url("/api/v1/me")),
        app.http
            .get(app.url("/api/v1/orgs"))
            .bearer_auth("no-such-token"),
        app.http.post(app.url("/api/v1/auth/token")).json(&wrong),
    ];
    for req in requests {
        let res = req.send().await.unwrap();
        let url = res.url().path().to_string();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{url}");
        assert_eq!(
            res.headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap()),
            Some(r#"Bearer realm="tuoguan""#),
            "{url}"
        );
    }
    // Pages send people to the sign-in form instead.
    let res = app.http.get(app.url("/orgs")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(res.headers().get("www-authenticate").is_none());
}
