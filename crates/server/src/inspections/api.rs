//! JSON API of inspection plans and inspections.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::checklist::{self, Checklist, RecordInput};
use super::rectify::{self, NoteInput, Rectification};
use super::{
    AddInput, AssignInput, DrawInput, Inspection, PlanView, RedrawInput, RedrawResult, service,
};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json, Query};
use crate::i18n::Lang;
use crate::ids::{IdPath, InspectionId, InspectionPlanId, OrgId, ProgrammeId, RectificationId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_programme_plan, draw_plan))
        .routes(routes!(get_plan))
        .routes(routes!(add_inspection))
        .routes(routes!(list_inspections))
        .routes(routes!(get_inspection))
        .routes(routes!(assign_inspection))
        .routes(routes!(redraw))
        .routes(routes!(get_checklist))
        .routes(routes!(record_inspection))
        .routes(routes!(list_rectifications))
        .routes(routes!(fix_rectification))
        .routes(routes!(close_rectification))
        .routes(routes!(reopen_rectification))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_photo))
                .routes(routes!(upload_evidence))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::web::documents::MAX_BYTES + 64 * 1024,
                ))
                .routes(routes!(download_photo))
                .routes(routes!(download_evidence))
                .layer(crate::web::upload::file_turns()),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct PlanQuery {
    /// The federation whose plan (default: the caller's)
    #[serde(default)]
    org_id: Option<OrgId>,
}

/// A federation's inspection plan for the programme (404 until it is drawn).
#[utoipa::path(get, path = "/api/v1/programmes/{id}/inspection-plan", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id"), PlanQuery),
    responses((status = 200, body = PlanView), (status = 401), (status = 404), (status = 422)))]
async fn get_programme_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<PlanQuery>,
) -> Result<Json<PlanView>, AppError> {
    let plan = service::plan_for(&state, &user, &id, q.org_id.as_ref()).await?;
    Ok(Json(plan.ok_or(AppError::NotFound)?))
}

/// Draws the federation's sample of the running classes in its subtree (at least the programme's
/// share, at least one, stratified by district) from the published seed text. Once per federation
/// and programme.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/inspection-plan", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id")),
    request_body = DrawInput,
    responses((status = 201, body = PlanView), (status = 401), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
async fn draw_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Json(input): Json<DrawInput>,
) -> Result<(StatusCode, Json<PlanView>), AppError> {
    let plan = service::draw(&state, &user, &client, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// An inspection plan.
#[utoipa::path(get, path = "/api/v1/inspection-plans/{id}", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "plan id")),
    responses((status = 200, body = PlanView), (status = 401), (status = 404)))]
async fn get_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<InspectionPlanId>,
) -> Result<Json<PlanView>, AppError> {
    let plan = service::visible_plan(&state, &user, &id).await?;
    Ok(Json(service::view(&state, plan).await?))
}

/// Adds a class to the plan by hand, with its reason (a complaint, a follow-up).
#[utoipa::path(post, path = "/api/v1/inspection-plans/{id}/inspections", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "plan id")),
    request_body = AddInput,
    responses((status = 201, body = Inspection), (status = 401), (status = 404), (status = 409),
        (status = 422)))]
async fn add_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<InspectionPlanId>,
    Json(input): Json<AddInput>,
) -> Result<(StatusCode, Json<Inspection>), AppError> {
    let added = service::add(&state, &user, &client, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// The inspections assigned to the caller, and those of plans of federations they supervise.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections", security(("bearer" = [])),
    responses((status = 200, body = [Inspection]), (status = 401)))]
async fn list_inspections(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<Inspection>>, AppError> {
    Ok(Json(service::mine(&state, &user).await?))
}

/// One inspection (assigned to the caller, or of a plan they supervise).
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "inspection id")),
    responses((status = 200, body = Inspection), (status = 401), (status = 404)))]
async fn get_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<InspectionId>,
) -> Result<Json<Inspection>, AppError> {
    Ok(Json(service::get(&state, &user, &id).await?))
}

/// Assigns the inspection to an inspector of the federation's subtree (none: takes it back).
#[utoipa::path(put, path = "/api/v1/inspections/{id}/inspector", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "inspection id")),
    request_body = AssignInput,
    responses((status = 200, body = Inspection), (status = 401), (status = 404), (status = 422)))]
async fn assign_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<InspectionId>,
    Json(input): Json<AssignInput>,
) -> Result<Json<Inspection>, AppError> {
    Ok(Json(
        service::assign(&state, &user, &client, &id, &input).await?,
    ))
}

/// Re-draws a published inspection sample from its seed text, share and list (no sign-in needed:
/// anyone may check a draw).
#[utoipa::path(post, path = "/api/v1/inspections/redraw", tag = "inspections",
    request_body = RedrawInput,
    responses((status = 200, body = RedrawResult), (status = 422)))]
async fn redraw(Json(input): Json<RedrawInput>) -> Result<Json<RedrawResult>, AppError> {
    Ok(Json(service::redraw(&input)?))
}

/// The inspection's checklist: prefilled from the class's records until recorded, then as recorded,
/// with the rectification tasks it gave.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/checklist", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "inspection id")),
    responses((status = 200, body = Checklist), (status = 401), (status = 404)))]
async fn get_checklist(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    IdPath(id): IdPath<InspectionId>,
) -> Result<Json<Checklist>, AppError> {
    Ok(Json(checklist::get(&state, &user, &id, lang).await?))
}

/// Records the inspection (its assigned inspector, once): every line of the checklist, a finding
/// and a deadline for each failed line, each of which becomes a rectification task.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/record", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "inspection id")),
    request_body = RecordInput,
    responses((status = 200, body = Checklist), (status = 401), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
async fn record_inspection(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<InspectionId>,
    Json(input): Json<RecordInput>,
) -> Result<Json<Checklist>, AppError> {
    Ok(Json(
        checklist::record(&state, &user, &client, &id, &input, lang).await?,
    ))
}

/// Rectification tasks the caller sees (found by them, of their classes, or of plans they
/// supervise), open ones first by deadline; `overdue` marks those past it.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "inspections", security(("bearer" = [])),
    responses((status = 200, body = [Rectification]), (status = 401)))]
async fn list_rectifications(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<Rectification>>, AppError> {
    Ok(Json(rectify::visible(&state, &user, None).await?))
}

/// The class's unit records its fix, with the evidence in words (open → fixed).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/fix", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "rectification id")),
    request_body = NoteInput,
    responses((status = 200, body = Rectification), (status = 401), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
async fn fix_rectification(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<RectificationId>,
    Json(input): Json<NoteInput>,
) -> Result<Json<Rectification>, AppError> {
    Ok(Json(
        rectify::fix(&state, &user, &client, &id, &input).await?,
    ))
}

/// The inspector accepts the fix (fixed → closed).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/close", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "rectification id")),
    request_body = NoteInput,
    responses((status = 200, body = Rectification), (status = 401), (status = 403), (status = 404),
        (status = 409)))]
async fn close_rectification(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<RectificationId>,
    Json(input): Json<NoteInput>,
) -> Result<Json<Rectification>, AppError> {
    Ok(Json(
        rectify::decide(&state, &user, &client, &id, true, &input).await?,
    ))
}

/// The inspector reopens it, saying what is still wrong (fixed → open).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/reopen", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "rectification id")),
    request_body = NoteInput,
    responses((status = 200, body = Rectification), (status = 401), (status = 403), (status = 404),
        (status = 409), (status = 422)))]
async fn reopen_rectification(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<RectificationId>,
    Json(input): Json<NoteInput>,
) -> Result<Json<Rectification>, AppError> {
    Ok(Json(
        rectify::decide(&state, &user, &client, &id, false, &input).await?,
    ))
}

/// Adds a photo to the inspection (its assigned inspector; multipart `file`: PDF, PNG or JPEG by
/// its bytes, up to 10 MiB, at most 20 an inspection).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/photos", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "inspection id")),
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = super::photos::Photo), (status = 401), (status = 403),
        (status = 404), (status = 413), (status = 422)))]
async fn upload_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<InspectionId>,
    form: axum::extract::Multipart,
) -> Result<(StatusCode, Json<super::photos::Photo>), AppError> {
    let up = super::photos::read(form).await?;
    let photo = super::photos::upload(&state, &user, &client, &id, up).await?;
    Ok((StatusCode::CREATED, Json(photo)))
}

/// Downloads a photo of the inspection (as an attachment).
#[utoipa::path(get, path = "/api/v1/inspections/{id}/photos/{file_id}", tag = "inspections",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "inspection id"), ("file_id" = String, Path, description = "photo id")),
    responses((status = 200, description = "the photo"), (status = 401), (status = 404)))]
async fn download_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, file_id)): IdPath<(InspectionId, crate::ids::FileId)>,
) -> Result<axum::response::Response, AppError> {
    super::photos::download(&state, &user, &id, &file_id).await
}

/// The class's unit adds evidence of its fix (multipart `file`: PDF, PNG or JPEG by its bytes, up
/// to 10 MiB, at most 20) while the task is open or fixed.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/evidence", tag = "inspections",
    security(("bearer" = [])), params(("id" = String, Path, description = "rectification id")),
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = super::photos::Photo), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 413), (status = 422)))]
async fn upload_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<RectificationId>,
    form: axum::extract::Multipart,
) -> Result<(StatusCode, Json<super::photos::Photo>), AppError> {
    let up = super::photos::read(form).await?;
    let photo = super::photos::upload_evidence(&state, &user, &client, &id, up).await?;
    Ok((StatusCode::CREATED, Json(photo)))
}

/// Downloads evidence of a fix (as an attachment).
#[utoipa::path(get, path = "/api/v1/rectifications/{id}/evidence/{file_id}", tag = "inspections",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "rectification id"), ("file_id" = String, Path, description = "file id")),
    responses((status = 200, description = "the file"), (status = 401), (status = 404)))]
async fn download_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, file_id)): IdPath<(RectificationId, crate::ids::FileId)>,
) -> Result<axum::response::Response, AppError> {
    super::photos::download_evidence(&state, &user, &id, &file_id).await
}
