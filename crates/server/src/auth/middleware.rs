//! Request plumbing for auth: resolving the user once per request, the extractors handlers use, and
//! the CSRF guard of the HTML routes.

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use rand::RngCore;

use super::service;
use super::{AuthVia, CurrentUser};
use crate::app::AppState;
use crate::error::AppError;

/// Cookie holding the web session token.
pub const SESSION_COOKIE: &str = "tg_session";
/// Cookie holding the CSRF token that every HTML form echoes.
pub const CSRF_COOKIE: &str = "tg_csrf";
/// Form field carrying the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";

/// Finds the credential of the request — a bearer token anywhere, the session cookie only outside
/// `/api` (the JSON API takes no cookies, so it needs no CSRF defence) — and resolves the user.
pub async fn resolve_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with("/static/") || path == "/healthz" || path == "/readyz" {
        return next.run(req).await;
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| (t.trim().to_string(), AuthVia::Bearer));
    let cookie = || {
        if req.uri().path().starts_with("/api/") {
            return None;
        }
        let jar = CookieJar::from_headers(req.headers());
        jar.get(SESSION_COOKIE)
            .map(|c| (c.value().to_string(), AuthVia::Cookie))
    };
    if let Some((token, via)) = bearer.or_else(cookie) {
        match service::authenticate(&state, &token, via).await {
            Ok(Some(user)) => {
                req.extensions_mut().insert(user);
            }
            Ok(None) => {}
            Err(e) => return e.into_response(),
        }
    }
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(AppError::Unauthorized)
    }
}

/// The signed-in user, if any (for pages anyone may open).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<CurrentUser>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<CurrentUser>().cloned()))
    }
}

/// The CSRF token of this browser, for templates.
#[derive(Debug, Clone, Default)]
pub struct CsrfToken(pub String);

fn new_csrf() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A cookie the way every tuoguan cookie is set: HttpOnly, SameSite=Strict, whole site.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    c.set_secure(secure);
    c
}

/// HTML routes: issue the CSRF cookie, and refuse any state-changing request whose form field or
/// `X-CSRF-Token` header does not echo it, or whose `Origin` is another site.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let jar = CookieJar::from_headers(req.headers());
    let existing = jar
        .get(CSRF_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32);
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let (mut parts, body) = req.into_parts();
    let mut body = body;
    if !safe {
        if !same_origin(&parts) {
            return AppError::Csrf.into_response();
        }
        let Some(expected) = existing.as_deref() else {
            return AppError::Csrf.into_response();
        };
        let header = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        let ok = match header {
            Some(h) => constant_eq(h, expected),
            // An upload form carries its token in the action URL: its body is not buffered here.
            None if multipart => query_token(&parts).is_some_and(|t| constant_eq(&t, expected)),
            None => {
                let Ok(bytes) = to_bytes(body, 1 << 20).await else {
                    return AppError::Csrf.into_response();
                };
                let fields: Vec<(String, String)> =
                    serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
                body = Body::from(bytes);
                fields
                    .iter()
                    .any(|(k, v)| k == CSRF_FIELD && constant_eq(v, expected))
            }
        };
        if !ok {
            return AppError::Csrf.into_response();
        }
    }
    let token = existing.clone().unwrap_or_else(new_csrf);
    parts.extensions.insert(CsrfToken(token.clone()));
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if existing.is_none() {
        let c = cookie(CSRF_COOKIE, token, state.config.secure_cookies);
        if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

fn query_token(parts: &Parts) -> Option<String> {
    let q = parts.uri.query()?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(q).ok()?;
    fields
        .into_iter()
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v)
}

/// An `Origin` header, when sent, must name this host.
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split("://").nth(1).unwrap_or("");
    origin != "null" && !host.is_empty() && origin_host == host
}

fn constant_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
