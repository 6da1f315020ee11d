//! The append-only audit log: who did what, when (UTC), to what, from where.

pub mod api;
pub mod journal;
pub mod routes;
mod store;

/// The audit log's one read takes the caller's scope (only the whole platform's reads anything).
pub use store::{AuditFilter, AuditRow, list};

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::Tx;
use crate::ids::UserId;

/// Where a request came from, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = state
            .config
            .trust_proxy
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
            })
            .flatten()
            .and_then(|v| v.split(',').next())
            .map(|s| s.trim().to_string());
        let direct = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip().to_string());
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(Client {
            ip: forwarded.or(direct),
            request_id,
        })
    }
}

/// One audit entry. `detail` is human-readable and never holds secrets or personal numbers.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor_id: Option<&'a UserId>,
    pub actor_name: Option<&'a str>,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: Option<String>,
    pub detail: String,
}

impl<'a> Entry<'a> {
    /// An entry for an action taken by the signed-in `user`.
    pub fn by(user: &'a CurrentUser, action: &'static str, target_type: &'static str) -> Self {
        Entry {
            actor_id: Some(&user.id),
            actor_name: Some(&user.username),
            action,
            target_type,
            target_id: None,
            detail: String::new(),
        }
    }

    /// The record acted on, by its id (any kind: the audit log names every kind of record).
    pub fn target(mut self, id: impl std::fmt::Display) -> Self {
        self.target_id = Some(id.to_string());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// Appends an entry inside the transaction of the change it records.
pub async fn record(tx: &mut Tx, entry: &Entry<'_>, client: &Client) -> sqlx::Result<()> {
    store::insert(tx, entry, client, crate::now()).await
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
