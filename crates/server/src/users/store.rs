//! SQL of users and role grants. Reads take the caller's [`Scope`] over the user's home organisation.

use sqlx::AssertSqlSafe;

use super::{RoleRow, User};
use crate::auth::Scope;
use crate::db::{Db, Sql, Tx};
use crate::ids::{GrantId, OrgId, UserId};
use crate::{on_db, on_tx};

const COLS: &str = "u.id, u.username, u.display_name, u.org_id, o.name AS org_name, \
                    o.path AS org_path, u.active, u.created_at, u.updated_at";

/// One page of the users whose home organisation is in `scope`, grouped by organisation in tree
/// order, then by username (the tree's path index leads, so a page stops after its rows).
pub async fn list(db: &Db, scope: &Scope, offset: i64, limit: i64) -> sqlx::Result<Vec<User>> {
    Sql::new(&format!(
        "SELECT {COLS} FROM users u LEFT JOIN orgs o ON o.id = u.org_id WHERE "
    ))
    .scope("o.path", scope)
    .push(" ORDER BY o.path, u.username LIMIT ")
    .bind(limit)
    .push(" OFFSET ")
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn get(db: &Db, scope: &Scope, id: &UserId) -> sqlx::Result<Option<User>> {
    Sql::new(&format!(
        "SELECT {COLS} FROM users u LEFT JOIN orgs o ON o.id = u.org_id WHERE u.id = "
    ))
    .bind(id)
    .push(" AND ")
    .scope("o.path", scope)
    .fetch_optional(db)
    .await
}

const ROLE_COLS: &str =
    "r.id, r.user_id, r.role, r.org_id, ro.name AS org_name, ro.path AS org_path";

/// Grants of `users` (already read through a scoped query), in one read.
pub async fn roles_of_users(db: &Db, users: &[User]) -> sqlx::Result<Vec<RoleRow>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    Sql::new(&format!(
        "SELECT {ROLE_COLS} FROM user_roles r LEFT JOIN orgs ro ON ro.id = r.org_id WHERE r.user_id IN ("
    ))
    .list(users.iter().map(|u| u.id))
    .push(") ORDER BY r.created_at, r.id")
    .fetch_all(db)
    .await
}

/// Grants of one user, who was read through a scoped query (hence the `User`, not an id).
pub async fn roles_of(db: &Db, user: &User) -> sqlx::Result<Vec<RoleRow>> {
    let sql = format!(
        "SELECT {ROLE_COLS} FROM user_roles r LEFT JOIN orgs ro ON ro.id = r.org_id \
         WHERE r.user_id = $1 ORDER BY r.created_at, r.id"
    );
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(user.id).fetch_all(p).await)
}

/// A new user row.
pub struct NewUserRow<'a> {
    pub id: &'a UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub org_id: Option<&'a OrgId>,
    pub now: i64,
}

pub async fn insert(tx: &mut Tx, u: &NewUserRow<'_>) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO users (id, username, display_name, password_hash, org_id, active, \
                       failed_logins, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,TRUE,0,$6,$6)";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(u.id).bind(u.username).bind(u.display_name).bind(u.password_hash).bind(u.org_id).bind(u.now)
        .execute(&mut *c).await.map(|_| ()))
}

pub async fn insert_role(
    tx: &mut Tx,
    id: &GrantId,
    user_id: &UserId,
    role: &str,
    org_id: Option<&OrgId>,
    now: i64,
) -> sqlx::Result<()> {
    const SQL: &str =
        "INSERT INTO user_roles (id, user_id, role, org_id, created_at) VALUES ($1,$2,$3,$4,$5)";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(id).bind(user_id).bind(role).bind(org_id).bind(now)
        .execute(&mut *c).await.map(|_| ()))
}

pub async fn delete_role(tx: &mut Tx, user_id: &UserId, grant_id: &GrantId) -> sqlx::Result<u64> {
    const SQL: &str = "DELETE FROM user_roles WHERE id = $1 AND user_id = $2";
    on_tx!(tx, c => sqlx::query(SQL).bind(grant_id).bind(user_id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))
}

pub async fn update(tx: &mut Tx, u: &User) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE users SET display_name = $2, active = $3, org_id = $4, updated_at = $5 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(u.id).bind(&u.display_name).bind(u.active).bind(u.org_id).bind(u.updated_at)
        .execute(&mut *c).await.map(|_| ()))
}

/// Sets a new password hash (and clears the failure columns of the former per-account lockout).
pub async fn set_password(tx: &mut Tx, id: &UserId, hash: &str, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE users SET password_hash = $2, failed_logins = 0, locked_until = NULL, \
                       updated_at = $3 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(SQL).bind(id).bind(hash).bind(now)
        .execute(&mut *c).await.map(|_| ()))
}
