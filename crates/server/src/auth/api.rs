//! Bearer tokens for scripts and apps, and who-am-I.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, SessionKind};
use super::{CurrentUser, Role};
use crate::app::AppState;
use crate::audit::Client;
use crate::error::{AppError, Json};
use crate::ids::{OrgId, UserId};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(issue_token, revoke_token))
        .routes(routes!(me))
}

/// Credentials for a token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

/// A bearer token: send it as `Authorization: Bearer TOKEN`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub token: String,
    /// RFC 3339, UTC
    pub expires_at: String,
}

/// Issues a bearer token. Five failed attempts on one username, or twenty on any, from one client
/// address within 15 minutes shut that address out for 15 minutes (429); other addresses are not
/// affected, and an unknown username counts like a known one.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong username or password"),
              (status = 429, description = "too many failures from this address; try again later")))]
async fn issue_token(
    State(state): State<AppState>,
    client: Client,
    Json(req): Json<TokenRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    let done = service::login(
        &state,
        &req.username,
        &req.password,
        SessionKind::Api,
        &client,
    )
    .await?;
    Ok(Json(TokenResponse {
        token: done.token,
        expires_at: crate::web::pages::rfc3339(done.expires_at),
    }))
}

/// Revokes the token the request carries.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])), responses((status = 204), (status = 401)))]
async fn revoke_token(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
) -> Result<StatusCode, AppError> {
    service::logout(&state, &me, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A role the caller holds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MyGrant {
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
}

/// The caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MeView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: Option<OrgId>,
    pub roles: Vec<MyGrant>,
}

/// Who the token belongs to and the roles in force.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = MeView), (status = 401)))]
async fn me(me: CurrentUser) -> Json<MeView> {
    Json(MeView {
        roles: me
            .grants
            .iter()
            .map(|g| MyGrant {
                role: g.role,
                org_id: g.org_id,
                org_name: g.org_name.clone(),
            })
            .collect(),
        id: me.id,
        username: me.username,
        display_name: me.display_name,
        org_id: me.home_org_id,
    })
}
