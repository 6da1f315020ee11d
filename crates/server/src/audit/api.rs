//! JSON API of the audit log (`/api/v1/audit`), for system admins.

use axum::extract::State;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{AuditQuery, AuditView, store};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, Json, Query};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// The audit log, newest first (system admins).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = [AuditView]), (status = 403)))]
async fn list_audit(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Vec<AuditView>>, AppError> {
    let scope = me.require(Capability::ReadAudit)?;
    let rows = store::list(&state.db, &scope, &q.filter(), q.page).await?;
    Ok(Json(rows.into_iter().map(AuditView::from).collect()))
}
