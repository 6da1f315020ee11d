//! SQL of the organisation tree. Every read takes the caller's [`Scope`].

use sqlx::AssertSqlSafe;

use super::Org;
use crate::auth::Scope;
use crate::db::{Db, Sql, Tx};
use crate::ids::OrgId;
use crate::{on_db, on_tx};

const COLS: &str =
    "o.id, o.parent_id, o.path, o.name, o.kind, o.unit_type, o.active, o.created_at, o.updated_at";

/// One organisation inside `scope`.
pub async fn get(db: &Db, scope: &Scope, id: &OrgId) -> sqlx::Result<Option<Org>> {
    Sql::new(&format!("SELECT {COLS} FROM orgs o WHERE o.id = "))
        .bind(id)
        .push(" AND ")
        .scope("o.path", scope)
        .fetch_optional(db)
        .await
}

/// Every organisation inside `scope`, in path order (parents before children).
pub async fn list(db: &Db, scope: &Scope) -> sqlx::Result<Vec<Org>> {
    Sql::new(&format!("SELECT {COLS} FROM orgs o WHERE "))
        .scope("o.path", scope)
        .push(" ORDER BY o.path")
        .fetch_all(db)
        .await
}

/// The organisations with these ids, and those whose parent is one of `parent_ids` (either list
/// may be empty; `top` adds the roots of the whole tree), in path order: one level of a tree.
pub async fn level(
    db: &Db,
    ids: &[OrgId],
    parent_ids: &[OrgId],
    top: bool,
) -> sqlx::Result<Vec<Org>> {
    if ids.is_empty() && parent_ids.is_empty() && !top {
        return Ok(Vec::new());
    }
    // Only the terms that apply, joined by OR: a constant term in the OR (`1=0 OR …`) keeps
    // SQLite from searching an index per term, and it scans the whole tree instead (412 ms of
    // CPU per organisation page at national size).
    let mut q = Sql::new(&format!("SELECT {COLS} FROM orgs o WHERE "));
    let mut or = "";
    if !ids.is_empty() {
        q = q.push("o.id IN (").list(ids.iter().copied()).push(")");
        or = " OR ";
    }
    if !parent_ids.is_empty() {
        q = q
            .push(or)
            .push("o.parent_id IN (")
            .list(parent_ids.iter().copied())
            .push(")");
        or = " OR ";
    }
    if top {
        q = q.push(or).push("o.parent_id IS NULL");
    }
    q.push(" ORDER BY o.path").fetch_all(db).await
}

/// One page of the organisations inside `scope`, in path order (parents before children).
pub async fn list_page(db: &Db, scope: &Scope, offset: i64, limit: i64) -> sqlx::Result<Vec<Org>> {
    Sql::new(&format!("SELECT {COLS} FROM orgs o WHERE "))
        .scope("o.path", scope)
        .push(" ORDER BY o.path LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset)
        .fetch_all(db)
        .await
}

/// Active organisations inside `scope` other than the one at `except` (a programme's own
/// organisation), in path order: a page of them (`limit`, `offset`).
pub async fn active_page(
    db: &Db,
    scope: &Scope,
    except: &str,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<Org>> {
    active_except(&format!("SELECT {COLS}"), scope, except)
        .push(" ORDER BY o.path LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset)
        .fetch_all(db)
        .await
}

fn active_except(select: &str, scope: &Scope, except: &str) -> Sql {
    Sql::new(select)
        .push(" FROM orgs o WHERE o.active = TRUE AND o.path <> ")
        .bind(except)
        .push(" AND ")
        .scope("o.path", scope)
}

/// Where a unit may move to: active organisations of `kinds` inside `scope`, outside the subtree
/// at `except` (the unit and what lies below it), whose name contains `name` (any when empty), in
/// path order, at most `limit`.
pub async fn move_targets(
    db: &Db,
    scope: &Scope,
    kinds: &[&str],
    except: &str,
    name: &str,
    limit: i64,
) -> sqlx::Result<Vec<Org>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let (lo, hi) = crate::db::subtree_bounds(except);
    Sql::new(&format!(
        "SELECT {COLS} FROM orgs o WHERE o.active = TRUE AND o.kind IN ("
    ))
    .list(kinds.iter().copied())
    .push(") AND (o.path < ")
    .bind(lo)
    .push(" OR o.path >= ")
    .bind(hi)
    .push(") AND o.name LIKE ")
    .bind(like(name))
    .push(" ESCAPE '\\' AND ")
    .scope("o.path", scope)
    .push(" ORDER BY o.path LIMIT ")
    .bind(limit)
    .fetch_all(db)
    .await
}

/// `%text%` for LIKE, with `%`, `_` and `\` taken as plain text.
fn like(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Active organisations inside `scope` whose name contains `text`, in path order, at most `limit`.
pub async fn search(db: &Db, scope: &Scope, text: &str, limit: i64) -> sqlx::Result<Vec<Org>> {
    Sql::new(&format!(
        "SELECT {COLS} FROM orgs o WHERE o.active = TRUE AND o.name LIKE "
    ))
    .bind(like(text))
    .push(" ESCAPE '\\' AND ")
    .scope("o.path", scope)
    .push(" ORDER BY o.path LIMIT ")
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Direct children of the organisation `parent_id` that lie in `scope`, by name. The scope is
/// applied to the few rows read, not in the SQL: with a path range in the query PostgreSQL walked
/// the whole subtree by path instead of the parent index (national dashboard p50 14 → 116 ms).
pub async fn children_in(db: &Db, scope: &Scope, parent_id: &OrgId) -> sqlx::Result<Vec<Org>> {
    let mut children: Vec<Org> =
        Sql::new(&format!("SELECT {COLS} FROM orgs o WHERE o.parent_id = "))
            .bind(parent_id)
            .push(" ORDER BY o.name")
            .fetch_all(db)
            .await?;
    children.retain(|o| scope.contains(&o.path));
    Ok(children)
}

/// Direct children of an organisation (the caller has already checked it is in scope).
pub async fn children(db: &Db, parent: &Org) -> sqlx::Result<Vec<Org>> {
    let sql = format!("SELECT {COLS} FROM orgs o WHERE o.parent_id = $1 ORDER BY o.name");
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(parent.id).fetch_all(p).await)
}

/// Number of active children of an organisation already in scope.
pub async fn active_children(db: &Db, parent: &Org) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM orgs WHERE parent_id = $1 AND active = TRUE";
    on_db!(db, p => sqlx::query_scalar(SQL).bind(parent.id).fetch_one(p).await)
}

pub async fn insert(tx: &mut Tx, o: &Org) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO orgs (id, parent_id, path, name, kind, unit_type, active, \
                       created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(o.id).bind(o.parent_id).bind(&o.path).bind(&o.name).bind(o.kind)
        .bind(&o.unit_type).bind(o.active).bind(o.created_at).bind(o.updated_at)
        .execute(&mut *c).await.map(|_| ()))?;
    crate::dashboard::tallies::org_changed(tx, &o.id, None).await
}

/// Writes name, type and active flag of an organisation already checked to be in scope.
pub async fn update_fields(tx: &mut Tx, o: &Org) -> sqlx::Result<()> {
    const SQL: &str =
        "UPDATE orgs SET name = $2, unit_type = $3, active = $4, updated_at = $5 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(o.id).bind(&o.name).bind(&o.unit_type).bind(o.active).bind(o.updated_at)
        .execute(&mut *c).await.map(|_| ()))?;
    crate::dashboard::tallies::org_changed(tx, &o.id, None).await
}

/// Moves an organisation and its whole subtree: one prefix rewrite of the paths.
pub async fn move_subtree(
    tx: &mut Tx,
    o: &Org,
    new_parent_id: &OrgId,
    new_path: &str,
    now: i64,
) -> sqlx::Result<()> {
    const PATHS: &str = "UPDATE orgs SET path = $1 || substr(path, CAST($2 AS INTEGER)) \
                         WHERE path >= $3 AND path < $4";
    const PARENT: &str = "UPDATE orgs SET parent_id = $2, updated_at = $3 WHERE id = $1";
    let (lo, hi) = crate::db::subtree_bounds(&o.path);
    let from = o.path.len() as i64 + 1;
    on_tx!(tx, c => {
        sqlx::query(PATHS).bind(new_path).bind(from).bind(&lo).bind(&hi).execute(&mut *c).await?;
        sqlx::query(PARENT).bind(o.id).bind(new_parent_id).bind(now).execute(&mut *c).await?;
        Ok::<(), sqlx::Error>(())
    })?;
    crate::dashboard::tallies::org_changed(tx, &o.id, o.parent_id.as_ref()).await
}
