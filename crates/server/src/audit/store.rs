//! SQL of the audit log: insert and a filtered, paged read.

use super::{Client, Entry};
use crate::auth::Scope;
use crate::db::{Db, Tx};
use crate::{on_db, on_tx};

pub async fn insert(tx: &mut Tx, e: &Entry<'_>, client: &Client, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO audit_log (id, at, actor_id, actor_name, action, target_type, \
                       target_id, detail, ip, request_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
    let id = crate::new_id();
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(&id).bind(now).bind(e.actor_id).bind(e.actor_name).bind(e.action)
        .bind(e.target_type).bind(&e.target_id).bind(&e.detail)
        .bind(client.ip.as_deref()).bind(client.request_id.as_deref())
        .execute(&mut *c).await.map(|_| ()))
}

/// One stored entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    /// Text, not a `UserId`: the log keeps what was written (entries of the command line before
    /// typed ids say `system`).
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub detail: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// Filters of the audit list; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action_prefix: String,
    pub actor: String,
    pub target_id: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

pub const PAGE_SIZE: i64 = 100;

/// Newest first; `page` counts from 0. The audit log is platform-wide, so only the whole-platform
/// scope (a system admin's) reads it; any narrower scope reads nothing.
pub async fn list(
    db: &Db,
    scope: &Scope,
    f: &AuditFilter,
    page: i64,
) -> sqlx::Result<Vec<AuditRow>> {
    if *scope != Scope::All {
        return Ok(Vec::new());
    }
    const SQL: &str = "SELECT id, at, actor_id, actor_name, action, target_type, target_id, detail, \
                       ip, request_id FROM audit_log \
                       WHERE ($1 = '' OR action LIKE $1 || '%') AND ($2 = '' OR actor_name = $2) \
                       AND ($3 = '' OR target_id = $3) AND at >= $4 AND at <= $5 \
                       ORDER BY at DESC, id DESC LIMIT $6 OFFSET $7";
    on_db!(db, p => sqlx::query_as(SQL)
        .bind(&f.action_prefix).bind(&f.actor).bind(&f.target_id)
        .bind(f.from.unwrap_or(i64::MIN)).bind(f.to.unwrap_or(i64::MAX))
        .bind(PAGE_SIZE).bind(page.max(0).saturating_mul(PAGE_SIZE))
        .fetch_all(p).await)
}
