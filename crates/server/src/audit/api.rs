//! JSON API of the audit log (`/api/v1/audit`), for system admins.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::store::{self, AuditFilter, AuditRow};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, Json, Query};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

/// Filters of the audit list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Action or action prefix, e.g. `login` or `org.move`
    #[serde(default)]
    pub action: String,
    /// Username of the actor
    #[serde(default)]
    pub actor: String,
    /// Id of the object acted on
    #[serde(default)]
    pub target: String,
    /// Page, from 0 (100 entries a page, newest first)
    #[serde(default)]
    pub page: i64,
}

impl AuditQuery {
    pub fn filter(&self) -> AuditFilter {
        AuditFilter {
            action_prefix: self.action.trim().to_string(),
            actor: self.actor.trim().to_string(),
            target_id: self.target.trim().to_string(),
            from: None,
            to: None,
        }
    }
}

/// An audit entry in JSON.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: String,
    /// RFC 3339, UTC
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl From<AuditRow> for AuditView {
    fn from(r: AuditRow) -> Self {
        AuditView {
            id: r.id,
            at: crate::web::pages::rfc3339(r.at),
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            detail: r.detail,
            ip: r.ip,
            request_id: r.request_id,
        }
    }
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
