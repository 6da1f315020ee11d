//! JSON API of users and role grants (`/api/v1/users`, `/api/v1/me`).

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{NewGrant, NewUser, PasswordReset, UserPatch, UserView, service};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json, Query};
use crate::ids::{GrantId, IdPath, UserId};
use crate::web::paging::ListQuery;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, patch_user))
        .routes(routes!(reset_password))
        .routes(routes!(add_role))
        .routes(routes!(remove_role))
}

/// Users whose home organisation is in the caller's scope, by organisation (tree order) and
/// username, at most 1,000 a call
/// (`limit`, `offset`: page on until a call returns fewer than `limit`).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    params(ListQuery), responses((status = 200, body = [UserView]), (status = 403)))]
async fn list_users(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<UserView>>, AppError> {
    let (users, roles) = service::list(&state, &me, q.offset(), q.limit()).await?;
    Ok(Json(
        users.iter().map(|u| UserView::new(u, &roles)).collect(),
    ))
}

/// Creates a user with roles bound to organisations in the caller's scope.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = UserView), (status = 422), (status = 403)))]
async fn create_user(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    Json(input): Json<NewUser>,
) -> Result<(StatusCode, Json<UserView>), AppError> {
    let user = service::create(&state, &me, &client, &input).await?;
    let (user, roles) = service::visible(&state, &me, &user.id).await?;
    Ok((StatusCode::CREATED, Json(UserView::new(&user, &roles))))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id (UUID)")),
    responses((status = 200, body = UserView), (status = 404)))]
async fn get_user(
    State(state): State<AppState>,
    me: CurrentUser,
    IdPath(id): IdPath<UserId>,
) -> Result<Json<UserView>, AppError> {
    let (user, roles) = service::visible(&state, &me, &id).await?;
    Ok(Json(UserView::new(&user, &roles)))
}

/// Changes name, home organisation or active flag (deactivation ends all sessions at once).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id (UUID)")), request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 404), (status = 422)))]
async fn patch_user(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    IdPath(id): IdPath<UserId>,
    Json(patch): Json<UserPatch>,
) -> Result<Json<UserView>, AppError> {
    service::update(&state, &me, &client, &id, &patch).await?;
    let (user, roles) = service::visible(&state, &me, &id).await?;
    Ok(Json(UserView::new(&user, &roles)))
}

/// Sets a new password; the user's sessions and tokens end.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id (UUID)")), request_body = PasswordReset,
    responses((status = 204), (status = 404), (status = 422)))]
async fn reset_password(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    IdPath(id): IdPath<UserId>,
    Json(body): Json<PasswordReset>,
) -> Result<StatusCode, AppError> {
    service::reset_password(&state, &me, &client, &id, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Grants a role bound to an organisation.
#[utoipa::path(post, path = "/api/v1/users/{id}/roles", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id (UUID)")), request_body = NewGrant,
    responses((status = 201, body = UserView), (status = 404), (status = 422)))]
async fn add_role(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    IdPath(id): IdPath<UserId>,
    Json(grant): Json<NewGrant>,
) -> Result<(StatusCode, Json<UserView>), AppError> {
    service::add_role(&state, &me, &client, &id, &grant).await?;
    let (user, roles) = service::visible(&state, &me, &id).await?;
    Ok((StatusCode::CREATED, Json(UserView::new(&user, &roles))))
}

/// Withdraws a role grant.
#[utoipa::path(delete, path = "/api/v1/users/{id}/roles/{grant_id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, description = "user id"), ("grant_id" = String, Path, description = "grant id")),
    responses((status = 204), (status = 404)))]
async fn remove_role(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    IdPath((id, grant_id)): IdPath<(UserId, GrantId)>,
) -> Result<StatusCode, AppError> {
    service::remove_role(&state, &me, &client, &id, &grant_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
