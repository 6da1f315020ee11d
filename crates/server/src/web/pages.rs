//! Pages of no domain: home, language switch, health and readiness.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;

use super::{Ctx, render};
use crate::app::AppState;
use crate::auth::middleware::cookie;
use crate::auth::{Capability, CurrentUser};
use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Lang};
use crate::ids::OrgId;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
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

/// One of the user's roles, as the home page shows it.
pub struct RoleCard {
    pub role: String,
    pub org_id: Option<OrgId>,
    pub org_name: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    cards: Vec<RoleCard>,
    /// For those who see organisations: how many of each kind below them.
    counts: Vec<(String, i64)>,
    can_manage_orgs: bool,
    can_manage_users: bool,
    can_edit_calendar: bool,
    can_read_audit: bool,
    /// Deadlines the user's unit should act on.
    reminders: Vec<crate::programmes::reminders::Reminder>,
}

async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let cards = user
        .grants
        .iter()
        .map(|g| RoleCard {
            role: ctx.role(&g.role),
            org_id: g.org_id,
            org_name: g.org_name.clone().unwrap_or_else(|| ctx.t("home.platform")),
        })
        .collect();
    let counts = match user.scope(Capability::ViewOrgs) {
        Some(scope) => kind_counts(
            &ctx,
            &crate::dashboard::tallies::org_figures_of_scope(&state.db, &scope).await?,
        ),
        None => Vec::new(),
    };
    let reminders =
        crate::programmes::reminders::for_user(&state, &user, crate::calendar::today()).await?;
    render(&HomePage {
        reminders,
        cards,
        counts,
        can_manage_orgs: user.scope(Capability::ManageOrgs).is_some(),
        can_manage_users: user.scope(Capability::ManageUsers).is_some(),
        can_edit_calendar: user.scope(Capability::EditCalendar).is_some(),
        can_read_audit: user.scope(Capability::ReadAudit).is_some(),
        ctx,
    })
}

/// Active organisations by kind (the pre-aggregated counts of the user's subtrees), in the order
/// of the tree's levels.
fn kind_counts(ctx: &Ctx, counted: &[i64; 5]) -> Vec<(String, i64)> {
    crate::orgs::OrgKind::ALL
        .into_iter()
        .zip(counted)
        .map(|(k, n)| (ctx.t(&format!("org_kind.{}", k.as_str())), *n))
        .filter(|(_, n)| *n > 0)
        .collect()
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
