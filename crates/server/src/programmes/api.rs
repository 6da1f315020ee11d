//! JSON API of programmes (`/api/v1/programmes`) and units' submissions.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::matrix::{self, UnitStatus};
use super::submissions::{self, Decision, Submission, SubmissionInput};
use super::{CopyProgramme, Milestone, NewProgramme, ProgrammeView, service, store};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json, Query};
use crate::ids::{IdPath, MilestoneId, ProgrammeId, SubmissionId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_programmes, open_programme))
        .routes(routes!(get_programme))
        .routes(routes!(copy_programme))
        .routes(routes!(milestone_matrix))
        .routes(routes!(save_submission))
        .routes(routes!(get_submission))
        .routes(routes!(approve_submission))
        .routes(routes!(return_submission))
}

async fn view(state: &AppState, p: &super::Programme) -> Result<ProgrammeView, AppError> {
    ProgrammeView::new(p, store::milestones(&state.db, p).await?)
}

/// Programmes opened in the caller's subtree or by the federations above them.
#[utoipa::path(get, path = "/api/v1/programmes", tag = "programmes", security(("bearer" = [])),
    responses((status = 200, body = [ProgrammeView])))]
async fn list_programmes(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<ProgrammeView>>, AppError> {
    let programmes = service::list(&state, &user).await?;
    let all = store::milestones_of(&state.db, &programmes).await?;
    let views = programmes
        .iter()
        .map(|p| {
            ProgrammeView::new(
                p,
                all.iter()
                    .filter(|m| m.programme_id == p.id)
                    .cloned()
                    .collect(),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(views))
}

/// Opens a programme (federation admin). Absent targets, rules and milestones take the seed-003
/// defaults, or the rules of `preset` (`beijing`, `guangdong`).
#[utoipa::path(post, path = "/api/v1/programmes", tag = "programmes", security(("bearer" = [])), request_body = NewProgramme,
    responses((status = 201, body = ProgrammeView), (status = 403), (status = 422)))]
async fn open_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Json(input): Json<NewProgramme>,
) -> Result<(StatusCode, Json<ProgrammeView>), AppError> {
    let p = service::open(&state, &user, &client, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &p).await?)))
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}", tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id")), responses((status = 200, body = ProgrammeView), (status = 404)))]
async fn get_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Json<ProgrammeView>, AppError> {
    let p = service::visible(&state, &user, &id).await?;
    Ok(Json(view(&state, &p).await?))
}

/// "Copy from last year": a new programme with this one's targets, rules and milestone pattern.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/copy", tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme to copy")), request_body = CopyProgramme,
    responses((status = 201, body = ProgrammeView), (status = 403), (status = 404), (status = 422)))]
async fn copy_programme(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Json(input): Json<CopyProgramme>,
) -> Result<(StatusCode, Json<ProgrammeView>), AppError> {
    let p = service::copy(&state, &user, &client, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &p).await?)))
}

/// The subordinate units' status for every milestone: at most `limit` units from `offset`, in tree
/// order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatrixView {
    pub milestones: Vec<Milestone>,
    pub units: Vec<UnitStatus>,
    /// Overdue (unit, milestone) pairs over every unit, not only those returned.
    pub overdue: i64,
}

#[utoipa::path(get, path = "/api/v1/programmes/{id}/milestones", tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"), crate::web::paging::ListQuery),
    responses((status = 200, body = MatrixView), (status = 403), (status = 404)))]
async fn milestone_matrix(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(page): Query<crate::web::paging::ListQuery>,
) -> Result<Json<MatrixView>, AppError> {
    let p = service::visible(&state, &user, &id).await?;
    let at = (page.offset(), page.limit());
    let m = matrix::matrix(&state, &user, &p, crate::calendar::today(), at).await?;
    Ok(Json(MatrixView {
        milestones: m.milestones,
        units: m.units,
        overdue: m.overdue,
    }))
}

/// Saves the unit's work plan or report for a milestone; `submit: true` sends it upward.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/submissions", tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"), ("milestone_id" = String, Path, description = "milestone id")),
    request_body = SubmissionInput, responses((status = 200, body = Submission), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn save_submission(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Json(input): Json<SubmissionInput>,
) -> Result<Json<Submission>, AppError> {
    Ok(Json(
        submissions::save(&state, &user, &client, &id, &milestone_id, &input).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "submission id")), responses((status = 200, body = Submission), (status = 404)))]
async fn get_submission(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<SubmissionId>,
) -> Result<Json<Submission>, AppError> {
    Ok(Json(submissions::visible(&state, &user, &id).await?.0))
}

/// Approves a submitted work plan or report (the level above).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/approve", tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "submission id")), request_body = Decision,
    responses((status = 200, body = Submission), (status = 403), (status = 404), (status = 409)))]
async fn approve_submission(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<SubmissionId>,
    Json(d): Json<Decision>,
) -> Result<Json<Submission>, AppError> {
    Ok(Json(
        submissions::review(&state, &user, &client, &id, true, &d.comment).await?,
    ))
}

/// Returns a submission with comments saying what to fix.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/return", tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "submission id")), request_body = Decision,
    responses((status = 200, body = Submission), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn return_submission(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<SubmissionId>,
    Json(d): Json<Decision>,
) -> Result<Json<Submission>, AppError> {
    Ok(Json(
        submissions::review(&state, &user, &client, &id, false, &d.comment).await?,
    ))
}
