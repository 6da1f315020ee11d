//! The roll as an installable web app: a manifest per class (so the home-screen icon opens that
//! class's roll) and the service worker `static/roll-sw.js`, served from the root so that it may
//! see the roll page and the sign-in/sign-out forms (it clears its copy on both).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::ids::{ClassId, IdPath};

/// The service worker's source, embedded like every static asset.
const SERVICE_WORKER: &str = include_str!("../../static/roll-sw.js");

#[derive(Serialize)]
struct Icon {
    src: &'static str,
    sizes: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    purpose: &'static str,
}

#[derive(Serialize)]
struct Manifest {
    name: String,
    short_name: String,
    lang: &'static str,
    start_url: String,
    scope: &'static str,
    display: &'static str,
    background_color: &'static str,
    theme_color: &'static str,
    icons: [Icon; 2],
}

/// `GET /classes/{id}/roll/manifest.webmanifest`: only for those who run the class (the name of
/// the class is not for strangers); the page links it with `crossorigin="use-credentials"`.
pub async fn manifest(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let c = super::operated(&state, &user, &id).await?;
    let title = Msg::new("roll.title").render(lang);
    let icon = |src, sizes| Icon {
        src,
        sizes,
        kind: "image/png",
        purpose: "any",
    };
    let m = Manifest {
        name: format!("{title} · {}", c.name),
        short_name: title,
        lang: lang.code(),
        start_url: format!("/classes/{id}/roll"),
        scope: "/",
        display: "standalone",
        background_color: "#ffffff",
        theme_color: "#1f5f8b",
        icons: [
            icon("/static/icons/roll-192.png", "192x192"),
            icon("/static/icons/roll-512.png", "512x512"),
        ],
    };
    let body = serde_json::to_string(&m).map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/manifest+json"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response())
}

/// `GET /roll-sw.js`: revalidated on every load, so a new version reaches the phones at once.
pub async fn service_worker() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
            (
                header::HeaderName::from_static("service-worker-allowed"),
                "/",
            ),
        ],
        SERVICE_WORKER,
    )
        .into_response()
}
