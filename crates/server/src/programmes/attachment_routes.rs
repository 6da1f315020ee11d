//! Attachments of a unit's submission, on the page (upload and remove on the submission form,
//! download from every page that lists them) and in the API.

use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Router, extract::DefaultBodyLimit, routing::get, routing::post};
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::attachments::{self, Attachment};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json, Query};
use crate::ids::{FileId, IdPath, MilestoneId, OrgId, ProgrammeId};
use crate::web::documents::MAX_BYTES;
use crate::web::upload::{Spooled, file_turns, read_form};
use crate::web::{Ctx, render_status};

const LIMIT: usize = MAX_BYTES + 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/programmes/{id}/milestones/{milestone_id}/attachments",
            post(upload_page).layer((file_turns(), DefaultBodyLimit::max(LIMIT))),
        )
        .route(
            "/programmes/{id}/milestones/{milestone_id}/attachments/{file_id}",
            get(download).layer(file_turns()),
        )
        .route(
            "/programmes/{id}/milestones/{milestone_id}/attachments/{file_id}/delete",
            post(remove_page),
        )
}

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_attachments, upload_attachment))
        .layer(DefaultBodyLimit::max(LIMIT))
        .routes(routes!(download_attachment, delete_attachment))
        .layer(file_turns())
}

/// Reads the multipart form: `org_id` (optional) and the `file` part spooled to disk.
async fn read_upload(form: Multipart) -> Result<(Option<OrgId>, Spooled), AppError> {
    let form = read_form(form, &["org_id"], MAX_BYTES as u64, "attachment")
        .await
        .map_err(|_| AppError::field("file", "file.size"))?;
    let org_id = match form.text("org_id").trim() {
        "" => None,
        t => Some(
            t.parse()
                .map_err(|_| AppError::field("org_id", "attachment.org_invalid"))?,
        ),
    };
    let up = form
        .file
        .ok_or_else(|| AppError::field("file", "file.size"))?;
    Ok((org_id, up))
}

fn form_url(id: &ProgrammeId, milestone_id: &MilestoneId) -> String {
    format!("/programmes/{id}/milestones/{milestone_id}")
}

async fn upload_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    form: Multipart,
) -> Result<Response, AppError> {
    let at = (&id, &milestone_id);
    let done = match read_upload(form).await {
        Ok((org_id, up)) => {
            let h = HeaderMap::new();
            attachments::upload(&state, &user, &client, &h, at, org_id, up)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => {
            let to = format!("{}?ok=saved#attachments", form_url(&id, &milestone_id));
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = super::submission_routes::page(&state, ctx, &user, at, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, milestone_id, file_id)): IdPath<(ProgrammeId, MilestoneId, FileId)>,
) -> Result<Response, AppError> {
    attachments::download(&state, &user, (&id, &milestone_id), &file_id).await
}

async fn remove_page(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id, file_id)): IdPath<(ProgrammeId, MilestoneId, FileId)>,
) -> Result<Response, AppError> {
    attachments::remove(&state, &user, &client, (&id, &milestone_id), &file_id).await?;
    let to = format!("{}?ok=deleted#attachments", form_url(&id, &milestone_id));
    Ok(Redirect::to(&to).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct UnitQuery {
    /// The unit whose submission (default: the caller's own unit)
    #[serde(default)]
    org_id: Option<OrgId>,
}

/// The files a unit's submission for a milestone carries now.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/attachments",
    tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"),
        ("milestone_id" = String, Path, description = "milestone id"), UnitQuery),
    responses((status = 200, body = [Attachment]), (status = 401), (status = 404), (status = 422)))]
async fn list_attachments(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Query(q): Query<UnitQuery>,
) -> Result<Json<Vec<Attachment>>, AppError> {
    let at = (&id, &milestone_id);
    Ok(Json(attachments::list(&state, &user, at, q.org_id).await?))
}

/// Attaches a file to the unit's submission (multipart: `file`, optional `org_id`): PDF, PNG or
/// JPEG by its bytes, up to 10 MiB, at most 20 per submission, while it is not yet sent or has
/// been returned. Idempotent with an `Idempotency-Key` header.
#[utoipa::path(post, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/attachments",
    tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"),
        ("milestone_id" = String, Path, description = "milestone id"),
        ("Idempotency-Key" = Option<String>, Header, description = "names the write; the same key again answers without writing")),
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = Attachment), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 413), (status = 422)))]
async fn upload_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    headers: HeaderMap,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    form: Multipart,
) -> Result<Response, AppError> {
    let (org_id, up) = read_upload(form).await?;
    let at = (&id, &milestone_id);
    let stored = attachments::upload(&state, &user, &client, &headers, at, org_id, up).await?;
    Ok(stored.into_response())
}

/// Downloads an attachment (as an attachment: never shown inline).
#[utoipa::path(get, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/attachments/{file_id}",
    tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"),
        ("milestone_id" = String, Path, description = "milestone id"),
        ("file_id" = String, Path, description = "attachment id")),
    responses((status = 200, description = "the file"), (status = 401), (status = 404)))]
async fn download_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, milestone_id, file_id)): IdPath<(ProgrammeId, MilestoneId, FileId)>,
) -> Result<Response, AppError> {
    attachments::download(&state, &user, (&id, &milestone_id), &file_id).await
}

/// Takes a file off the unit's submission while it is not yet sent or has been returned; a
/// version sent before keeps it.
#[utoipa::path(delete, path = "/api/v1/programmes/{id}/milestones/{milestone_id}/attachments/{file_id}",
    tag = "programmes", security(("bearer" = [])),
    params(("id" = String, Path, description = "programme id"),
        ("milestone_id" = String, Path, description = "milestone id"),
        ("file_id" = String, Path, description = "attachment id")),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409)))]
async fn delete_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id, file_id)): IdPath<(ProgrammeId, MilestoneId, FileId)>,
) -> Result<StatusCode, AppError> {
    attachments::remove(&state, &user, &client, (&id, &milestone_id), &file_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
