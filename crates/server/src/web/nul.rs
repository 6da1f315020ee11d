//! Text with a NUL character (U+0000) is refused before any handler sees it: PostgreSQL cannot
//! store it in a TEXT column (the insert would fail as a 500 after the request was accepted), no
//! person types it, and SQLite would keep what PostgreSQL refuses. Checked in the address (`%00`)
//! and in JSON and form bodies, which are small; uploads (multipart, images) pass untouched.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::i18n::Msg;

/// The largest JSON or form body read here; the extractors' own limits are lower.
const MAX_TEXT_BODY: usize = 2 << 20;

pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or("", |p| p.as_str());
    if contains_ci(target.as_bytes(), b"%00") {
        return refused();
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let escape: &[u8] = if kind.starts_with("application/json") {
        b"\\u0000"
    } else if kind.starts_with("application/x-www-form-urlencoded") {
        b"%00"
    } else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TEXT_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    if bytes.contains(&0) || contains_ci(&bytes, escape) {
        return refused();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn refused() -> Response {
    AppError::BadRequest(Msg::new("error.nul")).into_response()
}

/// True when `hay` contains `needle`, ASCII case ignored (`%00`, `\u0000`).
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_escapes_in_any_case() {
        assert!(super::contains_ci(b"/a?x=%00", b"%00"));
        assert!(super::contains_ci(br#"{"a":"\U0000"}"#, b"\\u0000"));
        assert!(!super::contains_ci(br#"{"a":"\u0001"}"#, b"\\u0000"));
    }
}
