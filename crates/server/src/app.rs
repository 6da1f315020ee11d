//! The application: shared state, and the router with its layers in one place.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::{Router, routing::get};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::middleware::{csrf_guard, resolve_user};
use crate::auth::password::Hasher;
use crate::config::Config;
use crate::db::Db;
use crate::{
    attendance, audit, auth, calendar, classes, dashboard, enrolment, inspections, operations,
    orgs, programmes, reports, users, web,
};

/// Everything a handler may use. No globals: tests build as many as they like.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub hasher: Hasher,
    /// A real hash verified against when a username is unknown, so timing does not reveal accounts.
    pub dummy_hash: Arc<String>,
    /// Seals children's ID numbers and health notes (see `crypto`).
    pub data_key: Arc<crate::crypto::DataKey>,
    /// Applies taps at the door, many per commit (group commit).
    pub writer: crate::attendance::writer::Writer,
    /// Commits audit entries that stand alone (exports, ID views), many per commit.
    pub journal: crate::audit::journal::Journal,
    /// Failed sign-ins of this instance, by client address (see `auth::throttle`).
    pub throttle: Arc<crate::auth::throttle::Throttle>,
    /// The certificates' Chinese fonts, read from disk at the first certificate (tens of MB that a
    /// server issuing none never holds).
    pub certificate_fonts: Arc<tokio::sync::OnceCell<crate::certificate::Fonts>>,
    /// Certificates typeset at once: each holds its layout and font subsets (about 13 MB), and more
    /// than the cores can run only queue in memory (docs/PERFORMANCE.md, 2026-12-07 V).
    pub certificate_turns: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    /// Connects, migrates, loads the shipped calendar where missing.
    pub async fn open(config: Config) -> anyhow::Result<AppState> {
        // An unknown scheme is the first thing to say, before anything about keys.
        crate::db::Backend::from_url(&config.database_url)?;
        let data_key = Arc::new(crate::crypto::load(
            config.data_key.as_deref(),
            config.production,
            &config.database_url,
        )?);
        let db = Db::connect(&config.database_url, config.db_max_connections).await?;
        db.migrate().await?;
        calendar::seed_shipped(&db).await?;
        let hasher = Hasher::new(config.fast_hash);
        let dummy_hash = Arc::new(hasher.hash(&crate::new_id()).await?);
        // The door's writer has a connection of its own: taps never queue behind readers for one.
        let writer_db = Db::connect(&config.database_url, 1).await?;
        let writer = crate::attendance::writer::Writer::start(writer_db);
        let journal = crate::audit::journal::Journal::start(db.clone());
        Ok(AppState {
            writer,
            journal,
            db,
            config: Arc::new(config),
            hasher,
            dummy_hash,
            data_key,
            throttle: Arc::default(),
            certificate_fonts: Arc::default(),
            // Half the cores: a render is CPU-bound (~8 ms), so one per two cores already keeps
            // 100+ certificates a second while the other core serves everything else.
            certificate_turns: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).clamp(1, 4)),
            )),
        })
    }
}

/// The JSON API routes and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .merge(auth::api::router())
        .merge(orgs::api::router())
        .merge(users::api::router())
        .merge(calendar::api::router())
        .merge(audit::api::router())
        .merge(programmes::api::router())
        .merge(programmes::attachment_routes::api_router())
        .merge(classes::api::router())
        .merge(enrolment::api::router())
        .merge(attendance::api::router())
        .merge(operations::api::router())
        .merge(dashboard::routes::api())
        .merge(reports::api::router())
        .merge(inspections::api::router())
        .merge(crate::questionnaires::api::router())
        .merge(crate::model_classes::api::router())
        .merge(crate::funding::api::router())
        .split_for_parts();
    crate::openapi::document_errors(&mut doc);
    (routes, doc)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api();
    let html = Router::new()
        .merge(web::pages::router())
        .merge(web::home::router())
        .merge(auth::routes::router())
        .merge(orgs::routes::router())
        .merge(users::routes::router())
        .merge(calendar::routes::router())
        .merge(audit::routes::router())
        .merge(programmes::routes::router())
        .merge(programmes::submission_routes::router())
        .merge(programmes::attachment_routes::router())
        .merge(classes::routes::router())
        .merge(enrolment::routes::router())
        .merge(enrolment::parent_routes::router())
        .merge(enrolment::application_routes::router())
        .merge(attendance::routes::router())
        .merge(operations::routes::router())
        .merge(dashboard::routes::router())
        .merge(reports::routes::router())
        .merge(inspections::routes::router())
        .merge(inspections::pages::router())
        .merge(crate::questionnaires::pages::router())
        .merge(crate::model_classes::pages::router())
        .merge(crate::funding::routes::router());
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(html)
        .merge(api)
        // Serves the document at /api/openapi.json and the vendored Swagger UI at /api/docs/.
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi))
        .route("/static/{*path}", get(web::assets::serve))
        .layer(from_fn_with_state(state.clone(), csrf_guard))
        .layer(from_fn_with_state(state.clone(), resolve_user))
        .layer(CatchPanicLayer::custom(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
        .layer(from_fn(web::nul::refuse_nul))
        .layer(from_fn(crate::error::render_errors))
        .layer(from_fn(security_headers))
        // gzip when the client asks for it: a 50-child roll is ~200 KB of forms, ~10% of it gzipped.
        .layer(tower_http::compression::CompressionLayer::new().compress_when(compressible()))
        .layer(DefaultBodyLimit::max(1 << 20))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(30)))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // Path only: query strings may carry personal data.
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// CSP without inline script (unless the handler set a policy of its own), no framing, no
/// sniffing, no referrer leaks.
async fn security_headers(req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = if docs {
        // Swagger UI sets inline styles on its elements; scripts stay same-origin only.
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    } else {
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    };
    // A handler's own, stricter policy stays (a download's `sandbox`); the rest get the site's.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// What gzip is worth spending CPU on: not .xlsx downloads, which are zip files already.
fn compressible() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    DefaultPredicate::new().and(NotForContentType::const_new(crate::web::excel::XLSX_MIME))
}
