//! A browser-like HTTP session: cookies, CSRF tokens read from the forms, form posts.

use reqwest::StatusCode;

use super::{PASSWORD, TestApp};

pub struct WebSession {
    pub http: reqwest::Client,
    pub base: String,
}

/// The value of the `_csrf` hidden field in a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("a form with _csrf");
    html[start..].split('"').next().unwrap().to_string()
}

impl WebSession {
    pub fn new(base: &str) -> WebSession {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        WebSession {
            http,
            base: base.to_string(),
        }
    }

    /// Signs in through the login form.
    pub async fn login(app: &TestApp, username: &str) -> WebSession {
        let s = WebSession::new(&app.base);
        let (status, _) = s.login_as(username, PASSWORD).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "web login of {username}");
        s
    }

    pub async fn login_as(&self, username: &str, password: &str) -> (StatusCode, String) {
        let page = self.get("/login").await.1;
        self.post_form_with(
            "/login",
            &csrf_of(&page),
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// A GET answered with a redirect: its status and `Location`.
    pub async fn get_location(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let to = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (res.status(), to)
    }

    /// Posts a form with the CSRF token of the page at `page`.
    pub async fn post_form(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let html = self.get(page).await.1;
        self.post_form_with(action, &csrf_of(&html), fields).await
    }

    pub async fn post_form_with(
        &self,
        action: &str,
        csrf: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", csrf)];
        all.extend_from_slice(fields);
        let res = self
            .http
            .post(format!("{}{action}", self.base))
            .form(&all)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = res.text().await.unwrap();
        (status, location.unwrap_or(body))
    }
}
