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

/// Only a local path may follow sign-in (no open redirect).
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

async fn login_page(
    ctx: Ctx,
    MaybeUser(user): MaybeUser,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    if user.is_some() {
        return Ok(Redirect::to(&safe_next(&q.next)).into_response());
    }
    render(&LoginPage {
        ctx,
        username: String::new(),
        next: safe_next(&q.next),
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
    let next = safe_next(&f.next);
    match service::login(&state, &f.username, &f.password, SessionKind::Web, &client).await {
        Ok(done) => {
            let mut res = Redirect::to(&next).into_response();
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
