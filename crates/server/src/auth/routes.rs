//! The sign-in page and sign-out.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;

use super::middleware::{MaybeUser, SESSION_COOKIE, cookie};
use super::service::{self, SessionKind};
use crate::app::AppState;
use crate::audit::Client;
use crate::error::{AppError, Query};
use crate::web::{Ctx, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: Ctx,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only a path on this site may follow sign-in (no open redirect). Browsers strip tabs and line
/// breaks anywhere in a URL, trim control characters and spaces, and read `\` as `/`, so
/// `/<TAB>/evil.example` or `/\evil.example` leave the site: accept a single `/` followed by
/// anything but `/` or `\`, made only of visible ASCII without `\` (which also makes it a valid
/// `Location` header); anything else goes to the home page.
fn safe_next(next: &str) -> &str {
    let bytes = next.as_bytes();
    let ok = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\');
    if ok { next } else { "/" }
}

/// A 303 to a [`safe_next`] path; it cannot fail, so it is built before anything is written.
fn redirect_to(next: &str) -> Response {
    let location = HeaderValue::from_str(safe_next(next)).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

async fn login_page(
    ctx: Ctx,
    MaybeUser(user): MaybeUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if user.is_some() {
        return Ok(redirect_to(&q.next));
    }
    render(&LoginPage {
        ctx,
        username: String::new(),
        next: safe_next(&q.next).to_string(),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    client: Client,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(&f.next).to_string();
    // The answer exists before the session does: nothing after the sign-in can fail.
    let mut res = redirect_to(&next);
    match service::login(&state, &f.username, &f.password, SessionKind::Web, &client).await {
        Ok(done) => {
            let c = cookie(SESSION_COOKIE, done.token, state.config.secure_cookies);
            if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e @ (AppError::InvalidCredentials | AppError::RateLimited { .. })) => {
            let status = if matches!(e, AppError::RateLimited { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            let msg = match &e {
                AppError::RateLimited { retry_after_secs } => ctx.lang.tf(
                    "error.rate_limited",
                    &[("minutes", ((retry_after_secs + 59) / 60).to_string())],
                ),
                _ => ctx.t("error.invalid_credentials"),
            };
            let page = LoginPage {
                ctx,
                username: f.username,
                next,
                error: Some(msg),
            };
            render_status(status, &page)
        }
        Err(e) => Err(e),
    }
}

async fn logout(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    client: Client,
) -> Result<Response, AppError> {
    if let Some(u) = user {
        service::logout(&state, &u, &client).await?;
    }
    let mut res = Redirect::to("/login?ok=signed_out").into_response();
    let c = cookie(SESSION_COOKIE, String::new(), state.config.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&format!("{c}; Max-Age=0")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}
