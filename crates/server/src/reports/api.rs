//! JSON API of compiled reports: read one (live or frozen), mark a subordinate missing, take the
//! mark off. Saving, submitting, approving and returning a report are the submission routes.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ReportView, service};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json, Query};
use crate::ids::{IdPath, MilestoneId, OrgId, ProgrammeId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_report))
        .routes(routes!(mark_missing))
        .routes(routes!(unmark_missing))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ReportQuery {
    /// The reporting organisation (default: the unit the caller reports for, else the
    /// programme's own federation, which reads the roll-up)
    #[serde(default)]
    pub org_id: Option<OrgId>,
}

/// A compiled report (preparation, monthly or summary): the figures of the organisation's own
/// classes for the period plus its approved subordinates' reports, each subordinate's standing,
/// and whether the figures are frozen (submitted) or compiled now.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/report", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"), ("milestone_id" = String, Path, description = "milestone id of a report"), ReportQuery),
    responses((status = 200, body = ReportView), (status = 400), (status = 401), (status = 404)))]
async fn get_report(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<ReportView>, AppError> {
    let s = service::subject(&state, &user, &id, &milestone_id, q.org_id.as_ref()).await?;
    Ok(Json(service::view(&state, &s).await?))
}

/// Marks a subordinate missing from the report, with the reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MissingInput {
    /// The subordinate unit that will not report.
    pub org_id: OrgId,
    /// Why (1–500 characters), shown on the report and its export.
    #[serde(default)]
    pub reason: String,
}

/// Marks a subordinate unit missing from a report, so its federation may submit without it (the
/// level above the unit only; a unit whose report is approved cannot be marked).
#[utoipa::path(post, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/missing", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"), ("milestone_id" = String, Path, description = "milestone id of a report")),
    request_body = MissingInput,
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn mark_missing(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Json(input): Json<MissingInput>,
) -> Result<StatusCode, AppError> {
    let at = (&id, &milestone_id);
    service::mark_missing(&state, &user, &client, at, &input.org_id, &input.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Takes a subordinate's "missing" mark off.
#[utoipa::path(delete, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/missing/{org_id}", tag = "reports", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"), ("milestone_id" = String, Path, description = "milestone id of a report"),
        ("org_id" = String, Path, description = "the subordinate unit")),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404)))]
async fn unmark_missing(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id, org_id)): IdPath<(ProgrammeId, MilestoneId, OrgId)>,
) -> Result<StatusCode, AppError> {
    service::unmark_missing(&state, &user, &client, (&id, &milestone_id), &org_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
