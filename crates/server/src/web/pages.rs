//! Pages of no domain: language switch, health and readiness (the home page is `web::home`).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::middleware::cookie;
use crate::i18n::{LANG_COOKIE, Lang};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lang", post(set_lang))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// Seconds since the epoch as RFC 3339 UTC (`2026-11-23T18:01:13Z`).
pub fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
}

/// Remembers the chosen language in a cookie and goes back to the page the user was on.
async fn set_lang(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    let lang = Lang::from_code(&f.lang).unwrap_or_default();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(same_site_path)
        .unwrap_or_else(|| "/".to_string());
    let mut res = Redirect::to(&back).into_response();
    let c = cookie(
        LANG_COOKIE,
        lang.code().to_string(),
        state.config.secure_cookies,
    );
    // Remembered for a year (the language is a preference, not a credential).
    if let Ok(v) = HeaderValue::from_str(&format!("{c}; Max-Age=31536000")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The path of a same-site URL (never redirect elsewhere).
fn same_site_path(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let path = rest.find('/').map(|i| &rest[i..])?;
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_string())
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}
