//! SQL for sign-in, sessions and bearer tokens. Tokens are stored only as their SHA-256 hash.

use crate::auth::{Grant, Role};
use crate::db::{Db, Tx};
use crate::ids::{GrantId, OrgId, UserId};
use crate::{on_db, on_tx};

/// What sign-in needs of a user.
#[derive(Debug, sqlx::FromRow)]
pub struct LoginRow {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub active: bool,
}

pub async fn find_login(db: &Db, username: &str) -> sqlx::Result<Option<LoginRow>> {
    const SQL: &str = "SELECT id, username, password_hash, active FROM users WHERE username = $1";
    on_db!(db, p => sqlx::query_as(SQL).bind(username).fetch_optional(p).await)
}

pub async fn create_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: &UserId,
    kind: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO sessions (id, user_id, kind, created_at, last_seen_at, expires_at) \
                       VALUES ($1, $2, $3, $4, $4, $5)";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(token_hash).bind(user_id).bind(kind).bind(now).bind(expires_at)
        .execute(&mut *c).await.map(|_| ()))
}

pub async fn delete_session(tx: &mut Tx, id: &str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(id).execute(&mut *c).await.map(|_| ()))
}

/// Ends every session and token of a user (deactivation, password reset).
pub async fn delete_user_sessions(tx: &mut Tx, user_id: &UserId) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id).execute(&mut *c).await.map(|_| ()))
}

/// A live session joined with its (active) user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub session_id: String,
    pub kind: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user_id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: Option<OrgId>,
}

/// The session of a token with its active user and the grants in force, in one query (every
/// request asks; one round trip instead of two).
pub async fn session_user(
    db: &Db,
    token_hash: &str,
) -> sqlx::Result<Option<(SessionUser, Vec<Grant>)>> {
    const SQL: &str = "SELECT s.id AS session_id, s.kind, s.last_seen_at, s.expires_at, \
        u.id AS user_id, u.username, u.display_name, u.org_id, \
        r.id AS grant_id, r.role, r.org_id AS grant_org, o.path, o.name, o.active \
        FROM sessions s JOIN users u ON u.id = s.user_id \
        LEFT JOIN user_roles r ON r.user_id = u.id \
        LEFT JOIN orgs o ON o.id = r.org_id \
        WHERE s.id = $1 AND u.active = TRUE \
        ORDER BY r.created_at, r.id";
    #[derive(sqlx::FromRow)]
    struct Joined {
        #[sqlx(flatten)]
        session: SessionUser,
        grant_id: Option<GrantId>,
        role: Option<String>,
        grant_org: Option<OrgId>,
        path: Option<String>,
        name: Option<String>,
        active: Option<bool>,
    }
    let rows: Vec<Joined> =
        on_db!(db, p => sqlx::query_as(SQL).bind(token_hash).fetch_all(p).await)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let session = first.session.clone();
    let grants = rows
        .into_iter()
        // A role on a deactivated organisation is not in force.
        .filter(|r| r.grant_org.is_none() || r.active == Some(true))
        .filter_map(|r| {
            Some(Grant {
                id: r.grant_id?,
                role: Role::parse(r.role.as_deref()?)?,
                org_id: r.grant_org,
                org_path: r.path,
                org_name: r.name,
            })
        })
        .collect();
    Ok(Some((session, grants)))
}

pub async fn touch_session(db: &Db, id: &str, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE sessions SET last_seen_at = $2 WHERE id = $1";
    on_db!(db, p => sqlx::query(SQL).bind(id).bind(now).execute(p).await.map(|_| ()))
}

pub async fn delete_expired_session(db: &Db, id: &str) -> sqlx::Result<()> {
    on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(p).await.map(|_| ()))
}

/// Removes sessions past their absolute expiry (run at start-up and hourly).
pub async fn purge_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    on_db!(db, p => sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(now).execute(p).await.map(|r| r.rows_affected()))
}
