//! Dashboard page, its .xlsx export, and `GET /api/v1/orgs/{id}/dashboard`.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::{Router, routing::get};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{Dashboard, build, xlsx};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::classes::{ClassStatus, service::status_key};
use crate::error::{AppError, Json, Query};
use crate::i18n::Lang;
use crate::ids::{IdPath, OrgId, ProgrammeId};
use crate::programmes::service as programmes;
use crate::web::{Ctx, render};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes/{id}/dashboard", get(page))
        .route("/programmes/{id}/dashboard.xlsx", get(export))
}

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(org_dashboard))
}

#[derive(Debug, Default, Deserialize)]
struct RootQuery {
    #[serde(default)]
    org: Option<OrgId>,
}

#[derive(Template)]
#[template(path = "programmes/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    d: Dashboard,
    statuses: Vec<String>,
}

impl DashboardPage {
    fn yuan(&self, fen: &i64) -> String {
        tuoguan_domain::funding::yuan(*fen)
    }
    fn source(&self, s: &tuoguan_domain::funding::Source) -> String {
        self.ctx.t(&format!("source.{s}"))
    }
    fn pct(&self, n: &i64, of: &i64) -> i64 {
        if *of <= 0 { 0 } else { (n * 100 / of).min(100) }
    }
    /// The tone of a unit's tile: its attendance against the rule, muted before a report.
    fn tile(&self, r: &super::Row) -> &'static str {
        match &r.attendance {
            a if a.rate.is_none() => "muted",
            a if a.meets_rule => "ok",
            _ => "bad",
        }
    }
    fn rate(&self, r: &super::Row) -> String {
        r.attendance.rate.clone().unwrap_or_else(|| "—".into())
    }
    fn reported(&self, r: &super::Row) -> String {
        r.reported_attendance
            .as_ref()
            .and_then(|a| a.rate.clone())
            .unwrap_or_else(|| "—".into())
    }
    fn day_rate(&self, d: &super::days::DayFigures) -> String {
        match d.expected {
            0 => "—".into(),
            e => format!("{:.1}%", d.present as f64 * 100.0 / e as f64),
        }
    }
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<RootQuery>,
) -> Result<Response, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let d = build(&state, &user, &p, q.org.as_ref()).await?;
    let statuses = ClassStatus::ALL
        .iter()
        .map(|s| ctx.t(status_key(*s)))
        .collect();
    render(&DashboardPage { ctx, d, statuses })
}

async fn export(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<RootQuery>,
) -> Result<Response, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let d = build(&state, &user, &p, q.org.as_ref()).await?;
    let name = format!("{} {}.xlsx", d.root_name, d.programme_name);
    Ok(crate::web::excel::download(xlsx(&d, lang)?, &name)?)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct ProgrammeQuery {
    /// The programme whose figures to show
    programme_id: ProgrammeId,
}

/// The subtree's figures for a programme: units, classes by status, capacity, targets; by subordinate unit.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/dashboard", tag = "orgs", security(("bearer" = [])),
    params(("id" = String, Path, description = "root organisation"), ProgrammeQuery),
    responses((status = 200, body = Dashboard), (status = 403), (status = 404)))]
async fn org_dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<OrgId>,
    Query(q): Query<ProgrammeQuery>,
) -> Result<Json<Dashboard>, AppError> {
    let p = programmes::visible(&state, &user, &q.programme_id).await?;
    Ok(Json(build(&state, &user, &p, Some(&id)).await?))
}
