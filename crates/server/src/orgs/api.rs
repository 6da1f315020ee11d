//! JSON API of the organisation tree (`/api/v1/orgs`).

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{NewOrg, OrgPatch, OrgView, service};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json, Query};
use crate::ids::{IdPath, OrgId};
use crate::web::paging::ListQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orgs, create_org))
        .routes(routes!(get_org, patch_org))
}

/// The organisations in the caller's scope, parents before children, at most 1,000 a call
/// (`limit`, `offset`: page on until a call returns fewer than `limit`).
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = [OrgView]), (status = 401), (status = 403)))]
async fn list_orgs(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<OrgView>>, AppError> {
    let orgs = service::list_visible(&state, &user, q.offset(), q.limit()).await?;
    Ok(Json(orgs.iter().map(OrgView::from).collect()))
}

/// Creates an organisation under `parent_id`.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", security(("bearer" = [])), request_body = NewOrg,
    responses((status = 201, body = OrgView), (status = 422, description = "invalid field"), (status = 403)))]
async fn create_org(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Json(input): Json<NewOrg>,
) -> Result<(StatusCode, Json<OrgView>), AppError> {
    let org = service::create(&state, &user, &client, &input).await?;
    Ok((StatusCode::CREATED, Json(OrgView::from(&org))))
}

/// One organisation in the caller's scope.
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", security(("bearer" = [])),
    params(("id" = String, Path, description = "organisation id (UUID)")),
    responses((status = 200, body = OrgView), (status = 404)))]
async fn get_org(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<OrgId>,
) -> Result<Json<OrgView>, AppError> {
    Ok(Json(OrgView::from(
        &service::visible(&state, &user, &id).await?,
    )))
}

/// Renames, moves (`parent_id`), deactivates or reactivates (`active`) an organisation.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "orgs", security(("bearer" = [])),
    params(("id" = String, Path, description = "organisation id (UUID)")), request_body = OrgPatch,
    responses((status = 200, body = OrgView), (status = 404), (status = 422)))]
async fn patch_org(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<OrgId>,
    Json(patch): Json<OrgPatch>,
) -> Result<Json<OrgView>, AppError> {
    Ok(Json(OrgView::from(
        &service::update(&state, &user, &client, &id, &patch).await?,
    )))
}
