//! JSON API of the daily logs, incidents and schedule.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::incidents::{self, IncidentInput, IncidentView};
use super::logs::{self, DayLogs, LogInput, LogView};
use super::schedule::{self, ItemInput};
use super::store::ScheduleItem;
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::classes::service::visible;
use crate::error::{AppError, Json};
use crate::ids::{ClassId, IdPath, IncidentId, ScheduleItemId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_logs, add_log))
        .routes(routes!(class_incidents, report_incident))
        .routes(routes!(all_incidents))
        .routes(routes!(acknowledge))
        .routes(routes!(get_schedule, add_item))
        .routes(routes!(remove_item))
}

/// The class's logs per day, newest first, with the daily kinds each past operating day lacks.
#[utoipa::path(get, path = "/api/v1/classes/{id}/logs", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = [DayLogs]), (status = 404)))]
async fn list_logs(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<DayLogs>>, AppError> {
    let c = visible(&state, &user, &id).await?;
    Ok(Json(logs::by_day(&state, &c).await?))
}

/// Records a patrol, ventilation/disinfection, meal, cleaning or drill entry (`Idempotency-Key`
/// honoured).
#[utoipa::path(post, path = "/api/v1/classes/{id}/logs", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = LogInput,
    responses((status = 201, body = LogView), (status = 404), (status = 422)))]
async fn add_log(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<LogInput>,
) -> Result<Response, AppError> {
    Ok(logs::add(&state, &user, &id, &headers, &input)
        .await?
        .into_response())
}

/// The class's incidents, newest first.
#[utoipa::path(get, path = "/api/v1/classes/{id}/incidents", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = [IncidentView]), (status = 404)))]
async fn class_incidents(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<IncidentView>>, AppError> {
    let c = visible(&state, &user, &id).await?;
    Ok(Json(incidents::list(&state, &user, Some(&c.id)).await?))
}

/// Records and reports an incident (`Idempotency-Key` honoured).
#[utoipa::path(post, path = "/api/v1/classes/{id}/incidents", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = IncidentInput,
    responses((status = 201, body = IncidentView), (status = 404), (status = 422)))]
async fn report_incident(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<IncidentInput>,
) -> Result<Response, AppError> {
    Ok(
        incidents::report(&state, &user, &client, &id, &headers, &input)
            .await?
            .into_response(),
    )
}

/// Every incident of the classes the caller sees (a federation: its whole subtree).
#[utoipa::path(get, path = "/api/v1/incidents", tag = "operations", security(("bearer" = [])),
    responses((status = 200, body = [IncidentView]), (status = 403, description = "the caller sees no classes at all")))]
async fn all_incidents(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<IncidentView>>, AppError> {
    Ok(Json(incidents::list(&state, &user, None).await?))
}

/// The supervising federation acknowledges an incident.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/acknowledge", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "incident id")),
    responses((status = 200, body = IncidentView), (status = 403), (status = 404)))]
async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<IncidentId>,
) -> Result<Json<IncidentView>, AppError> {
    Ok(Json(
        incidents::acknowledge(&state, &user, &client, &id).await?,
    ))
}

/// The weekly schedule.
#[utoipa::path(get, path = "/api/v1/classes/{id}/schedule", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = [ScheduleItem]), (status = 404)))]
async fn get_schedule(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<ScheduleItem>>, AppError> {
    Ok(Json(schedule::of_class(&state, &user, &id).await?))
}

/// Adds a line to the weekly schedule.
#[utoipa::path(post, path = "/api/v1/classes/{id}/schedule", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")), request_body = ItemInput,
    responses((status = 201, body = ScheduleItem), (status = 404), (status = 422)))]
async fn add_item(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<ItemInput>,
) -> Result<(StatusCode, Json<ScheduleItem>), AppError> {
    let item = schedule::add(&state, &user, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// Removes a line of the schedule.
#[utoipa::path(delete, path = "/api/v1/classes/{id}/schedule/{item}", tag = "operations", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), ("item" = String, Path, description = "schedule item id")),
    responses((status = 204), (status = 404)))]
async fn remove_item(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, item)): IdPath<(ClassId, ScheduleItemId)>,
) -> Result<StatusCode, AppError> {
    schedule::remove(&state, &user, &id, &item).await?;
    Ok(StatusCode::NO_CONTENT)
}
