//! SQL of programmes and milestones.

use super::{Milestone, Programme};
use crate::auth::Scope;
use crate::db::{Db, Sql, Tx};
use crate::ids::{OrgId, ProgrammeId};
use crate::{on_db, on_tx};

const COLS: &str = "p.id, p.org_id, o.name AS org_name, o.path AS org_path, p.name, p.season, p.year, \
    p.start_date, p.end_date, p.target_units, p.target_families, p.target_model_classes, p.rules, \
    p.reminder_days, p.theme, p.copied_from, p.created_at, p.updated_at";

/// Which programmes a user sees: those opened inside their `scope`, and those of the federations
/// above them (`ancestors`, organisation ids).
pub struct ProgrammeFilter {
    pub scope: Scope,
    pub ancestors: Vec<OrgId>,
}

fn filtered(f: &ProgrammeFilter, id: Option<&ProgrammeId>) -> Sql {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM programmes p JOIN orgs o ON o.id = p.org_id WHERE ("
    ))
    .scope("o.path", &f.scope);
    if !f.ancestors.is_empty() {
        q = q.push(" OR p.org_id IN (").list(&f.ancestors).push(")");
    }
    q = q.push(")");
    if let Some(id) = id {
        q = q.push(" AND p.id = ").bind(id);
    }
    q.push(" ORDER BY p.year DESC, p.start_date DESC")
}

pub async fn list(db: &Db, f: &ProgrammeFilter) -> sqlx::Result<Vec<Programme>> {
    filtered(f, None).fetch_all(db).await
}

pub async fn get(
    db: &Db,
    f: &ProgrammeFilter,
    id: &ProgrammeId,
) -> sqlx::Result<Option<Programme>> {
    filtered(f, Some(id)).fetch_optional(db).await
}

/// A programme read without a scope: for a caller who reached it through a record they may see
/// (a class, an enrolment's QR link).
pub async fn any(db: &Db, id: &ProgrammeId) -> sqlx::Result<Option<Programme>> {
    let f = ProgrammeFilter {
        scope: Scope::All,
        ancestors: Vec::new(),
    };
    get(db, &f, id).await
}

pub async fn insert(tx: &mut Tx, p: &Programme) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO programmes (id, org_id, name, season, year, start_date, end_date, \
        target_units, target_families, target_model_classes, rules, reminder_days, theme, copied_from, \
        created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$15)";
    on_tx!(tx, c => sqlx::query(SQL)
        .bind(p.id).bind(p.org_id).bind(&p.name).bind(p.season.as_str()).bind(p.year).bind(&p.start_date)
        .bind(&p.end_date).bind(p.target_units).bind(p.target_families).bind(p.target_model_classes)
        .bind(&p.rules).bind(p.reminder_days).bind(&p.theme).bind(p.copied_from).bind(p.created_at)
        .execute(&mut *c).await.map(|_| ()))
}

pub async fn insert_milestone(tx: &mut Tx, m: &Milestone, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO milestones (id, programme_id, kind, due_date, created_at) VALUES ($1,$2,$3,$4,$5)";
    on_tx!(tx, c => sqlx::query(SQL).bind(m.id).bind(m.programme_id).bind(&m.kind).bind(&m.due_date).bind(now)
        .execute(&mut *c).await.map(|_| ()))
}

/// Milestones of a programme already read through a scoped query.
pub async fn milestones(db: &Db, p: &Programme) -> sqlx::Result<Vec<Milestone>> {
    const SQL: &str = "SELECT id, programme_id, kind, due_date FROM milestones WHERE programme_id = $1 \
                       ORDER BY due_date, kind";
    on_db!(db, c => sqlx::query_as(SQL).bind(p.id).fetch_all(c).await)
}

/// Milestones of several programmes (already read through a scoped query) in one query.
pub async fn milestones_of(db: &Db, programmes: &[Programme]) -> sqlx::Result<Vec<Milestone>> {
    if programmes.is_empty() {
        return Ok(Vec::new());
    }
    Sql::new("SELECT id, programme_id, kind, due_date FROM milestones WHERE programme_id IN (")
        .list(programmes.iter().map(|p| p.id))
        .push(") ORDER BY due_date, kind")
        .fetch_all(db)
        .await
}
