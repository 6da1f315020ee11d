//! JSON API of classes (`/api/v1/classes`): registration, lifecycle, staff, days, documents.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::detail::ClassDetail;
use super::service::{self, Action};
use super::staff::{self, Staff, StaffInput, StaffPatch};
use super::store::ClassDay;
use super::{ClassInput, ClassPatch, ClassView, files};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, Json, Query};
use crate::i18n::{Lang, Msg};
use crate::ids::{ClassId, FileId, IdPath, OrgId, ProgrammeId, StaffId};
use crate::programmes::service as programmes;
use crate::web::upload::file_turns;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_classes, register_class))
        .routes(routes!(get_class, patch_class))
        .routes(routes!(submit_class))
        .routes(routes!(approve_class))
        .routes(routes!(return_class))
        .routes(routes!(start_class))
        .routes(routes!(close_class))
        .routes(routes!(list_staff, add_staff))
        .routes(routes!(patch_staff))
        .routes(routes!(add_day))
        .routes(routes!(delete_day))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_file))
                .layer(DefaultBodyLimit::max(files::MAX_FILE_BYTES + 64 * 1024))
                .routes(routes!(download_file))
                .layer(file_turns()),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// The programme whose classes to list
    programme_id: ProgrammeId,
    /// Rows to return, 1–1000 (default 1000)
    #[serde(default)]
    limit: Option<i64>,
    /// Rows to skip first (default 0)
    #[serde(default)]
    offset: Option<i64>,
}

/// A class in a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClassSummary {
    pub id: ClassId,
    pub name: String,
    pub host_org_id: OrgId,
    pub host_name: String,
    pub status: super::ClassStatus,
    pub start_date: String,
    pub end_date: String,
    pub capacity: i64,
}

/// Classes of a programme in the caller's scope, by host (tree order) and name, at most 1,000 a call
/// (`limit`, `offset`: page on until a call returns fewer than `limit`).
#[utoipa::path(get, path = "/api/v1/classes", tag = "classes", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = [ClassSummary]), (status = 403), (status = 404)))]
async fn list_classes(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<ClassSummary>>, AppError> {
    // A role that sees no classes at all is refused (403) before the programme is looked up;
    // a programme out of reach stays a 404.
    user.require(Capability::ViewClasses)?;
    let p = programmes::visible(&state, &user, &q.programme_id).await?;
    let page = crate::web::paging::ListQuery {
        limit: q.limit,
        offset: q.offset,
    };
    let list = service::of_programme(&state, &user, &p, page.offset(), page.limit()).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| ClassSummary {
                status: c.status(),
                id: c.id,
                name: c.name,
                host_org_id: c.host_org_id,
                host_name: c.host_name,
                start_date: c.start_date,
                end_date: c.end_date,
                capacity: c.capacity,
            })
            .collect(),
    ))
}

/// Registers a class (a draft) under a programme for the caller's unit.
#[utoipa::path(post, path = "/api/v1/classes", tag = "classes", security(("bearer" = [])), request_body = ClassInput,
    responses((status = 201, body = ClassView), (status = 422), (status = 403)))]
async fn register_class(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Json(input): Json<ClassInput>,
) -> Result<(StatusCode, Json<ClassView>), AppError> {
    let c = service::register(&state, &user, &client, &input).await?;
    let p = programmes::visible(&state, &user, &c.programme_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::view(&state, &c, &p).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/classes/{id}", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), responses((status = 200, body = ClassDetail), (status = 404)))]
async fn get_class(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<ClassDetail>, AppError> {
    Ok(Json(
        super::detail::read(&state, &user, &id, lang).await?.detail,
    ))
}

/// Changes any registration fields of a draft or returned class.
#[utoipa::path(patch, path = "/api/v1/classes/{id}", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = ClassPatch,
    responses((status = 200, body = ClassView), (status = 404), (status = 409), (status = 422)))]
async fn patch_class(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Json(patch): Json<serde_json::Value>,
) -> Result<Json<ClassView>, AppError> {
    let c = service::update(&state, &user, &client, &id, patch).await?;
    let p = programmes::visible(&state, &user, &c.programme_id).await?;
    Ok(Json(service::view(&state, &c, &p).await?))
}

/// The comment of a lifecycle step (required to return).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StepInput {
    #[serde(default)]
    pub comment: String,
}

/// The optional JSON body of a step: empty means no comment.
fn step_comment(body: &[u8]) -> Result<String, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
        return Ok(String::new());
    }
    serde_json::from_slice::<StepInput>(body)
        .map(|b| b.comment)
        .map_err(|e| AppError::BadRequest(Msg::new("error.json_data").arg("detail", e.to_string())))
}

async fn step(
    state: AppState,
    user: CurrentUser,
    client: Client,
    id: ClassId,
    action: Action,
    body: Bytes,
) -> Result<Json<ClassView>, AppError> {
    let comment = step_comment(&body)?;
    let c = service::transition(&state, &user, &client, &id, action, &comment).await?;
    let p = programmes::visible(&state, &user, &c.programme_id).await?;
    Ok(Json(service::view(&state, &c, &p).await?))
}

/// draft/returned → submitted (the host unit).
#[utoipa::path(post, path = "/api/v1/classes/{id}/submit", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body(content = StepInput, description = "optional; an empty body or `null` means no comment"),
    responses((status = 200, body = ClassView), (status = 403), (status = 404), (status = 409)))]
async fn submit_class(
    State(s): State<AppState>,
    u: CurrentUser,
    c: Client,
    IdPath(id): IdPath<ClassId>,
    b: Bytes,
) -> Result<Json<ClassView>, AppError> {
    step(s, u, c, id, Action::Submit, b).await
}

/// submitted → approved (the federation above; blocked by failing checks, 422 listing them).
#[utoipa::path(post, path = "/api/v1/classes/{id}/approve", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body(content = StepInput, description = "optional; an empty body or `null` means no comment"),
    responses((status = 200, body = ClassView), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn approve_class(
    State(s): State<AppState>,
    u: CurrentUser,
    c: Client,
    IdPath(id): IdPath<ClassId>,
    b: Bytes,
) -> Result<Json<ClassView>, AppError> {
    step(s, u, c, id, Action::Approve, b).await
}

/// submitted → returned with a comment (the federation above).
#[utoipa::path(post, path = "/api/v1/classes/{id}/return", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = StepInput,
    responses((status = 200, body = ClassView), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn return_class(
    State(s): State<AppState>,
    u: CurrentUser,
    c: Client,
    IdPath(id): IdPath<ClassId>,
    b: Bytes,
) -> Result<Json<ClassView>, AppError> {
    step(s, u, c, id, Action::Return, b).await
}

/// approved → running.
#[utoipa::path(post, path = "/api/v1/classes/{id}/start", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body(content = StepInput, description = "optional; an empty body or `null` means no comment"),
    responses((status = 200, body = ClassView), (status = 403), (status = 404), (status = 409)))]
async fn start_class(
    State(s): State<AppState>,
    u: CurrentUser,
    c: Client,
    IdPath(id): IdPath<ClassId>,
    b: Bytes,
) -> Result<Json<ClassView>, AppError> {
    step(s, u, c, id, Action::Start, b).await
}

/// running → closed.
#[utoipa::path(post, path = "/api/v1/classes/{id}/close", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body(content = StepInput, description = "optional; an empty body or `null` means no comment"),
    responses((status = 200, body = ClassView), (status = 403), (status = 404), (status = 409)))]
async fn close_class(
    State(s): State<AppState>,
    u: CurrentUser,
    c: Client,
    IdPath(id): IdPath<ClassId>,
    b: Bytes,
) -> Result<Json<ClassView>, AppError> {
    step(s, u, c, id, Action::Close, b).await
}

/// The staff roster.
#[utoipa::path(get, path = "/api/v1/classes/{id}/staff", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), responses((status = 200, body = [Staff]), (status = 404)))]
async fn list_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<Staff>>, AppError> {
    let c = service::visible(&state, &user, &id).await?;
    Ok(Json(staff::roster(&state.db, &c).await?))
}

/// Adds a person to the roster (refused, naming the other class, when they are full-time on another
/// roster over overlapping dates).
#[utoipa::path(post, path = "/api/v1/classes/{id}/staff", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = StaffInput,
    responses((status = 201, body = Staff), (status = 404), (status = 422)))]
async fn add_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<StaffInput>,
) -> Result<(StatusCode, Json<Staff>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(staff::add(&state, &user, &client, &id, &input).await?),
    ))
}

/// Records the check for people working with minors, or takes a person off the roster.
#[utoipa::path(patch, path = "/api/v1/classes/{id}/staff/{staff_id}", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), ("staff_id" = String, Path, description = "roster entry")), request_body = StaffPatch,
    responses((status = 200, body = Staff), (status = 404), (status = 422)))]
async fn patch_staff(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, staff_id)): IdPath<(ClassId, StaffId)>,
    Json(p): Json<StaffPatch>,
) -> Result<Json<Staff>, AppError> {
    Ok(Json(
        staff::change(&state, &user, &client, &id, &staff_id, &p).await?,
    ))
}

/// Records a closure day (typhoon, epidemic) or an extra open day.
#[utoipa::path(post, path = "/api/v1/classes/{id}/days", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = ClassDay,
    responses((status = 200, body = ClassView), (status = 404), (status = 422)))]
async fn add_day(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Json(d): Json<ClassDay>,
) -> Result<Json<ClassView>, AppError> {
    super::days::set_day(&state, &user, &client, &id, &d).await?;
    let c = service::visible(&state, &user, &id).await?;
    let p = programmes::visible(&state, &user, &c.programme_id).await?;
    Ok(Json(service::view(&state, &c, &p).await?))
}

#[utoipa::path(delete, path = "/api/v1/classes/{id}/days/{day}", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), ("day" = String, Path, description = "YYYY-MM-DD")),
    responses((status = 204), (status = 404)))]
async fn delete_day(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, day)): IdPath<(ClassId, String)>,
) -> Result<StatusCode, AppError> {
    super::days::delete_day(&state, &user, &client, &id, &day).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Uploads a document (multipart: `kind`, `file`); PDF, PNG or JPEG up to 10 MiB.
#[utoipa::path(post, path = "/api/v1/classes/{id}/files", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 201, body = files::FileMeta), (status = 404), (status = 422)))]
async fn upload_file(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    form: Multipart,
) -> Result<(StatusCode, Json<files::FileMeta>), AppError> {
    let (kind, up) = files::read_upload(form).await?;
    Ok((
        StatusCode::CREATED,
        Json(files::upload(&state, &user, &client, &id, &kind, up).await?),
    ))
}

/// Downloads a document (as an attachment).
#[utoipa::path(get, path = "/api/v1/classes/{id}/files/{file_id}", tag = "classes", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), ("file_id" = String, Path, description = "file id")),
    responses((status = 200, description = "the file"), (status = 404)))]
async fn download_file(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, file_id)): IdPath<(ClassId, FileId)>,
) -> Result<Response, AppError> {
    let (meta, data) = files::download(&state, &user, &id, &file_id).await?;
    Ok(files::file_response(&meta, data))
}
