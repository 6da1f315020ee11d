//! SQL of inspection plans and inspections.

use sqlx::AssertSqlSafe;

use super::Inspection;
use crate::auth::Scope;
use crate::db::{Arg, Db, Sql, Tx};
use crate::ids::{ClassId, InspectionId, InspectionPlanId, OrgId, ProgrammeId, UserId};
use crate::{on_db, on_tx};

/// A stored plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlanRow {
    pub id: InspectionPlanId,
    pub programme_id: ProgrammeId,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: String,
    pub seed_text: String,
    pub coverage_pct: i64,
    pub candidates: String,
    pub drawn_by: String,
    pub drawn_at: i64,
}

const PLAN_COLS: &str = "p.id, p.programme_id, p.org_id, o.name AS org_name, o.path AS org_path, \
    p.seed_text, p.coverage_pct, p.candidates, p.drawn_by, p.drawn_at";

const ROW_COLS: &str = "i.id, i.plan_id, p.programme_id, i.class_id, c.name AS class_name, \
    h.name AS host_name, i.origin, i.reason, i.inspector_id, u.display_name AS inspector_name, \
    i.status, i.created_at";

const ROW_FROM: &str = "FROM inspections i JOIN inspection_plans p ON p.id = i.plan_id \
    JOIN orgs po ON po.id = p.org_id JOIN classes c ON c.id = i.class_id \
    JOIN orgs h ON h.id = c.host_org_id LEFT JOIN users u ON u.id = i.inspector_id";

pub async fn plan(db: &Db, id: &InspectionPlanId) -> sqlx::Result<Option<PlanRow>> {
    let sql = format!(
        "SELECT {PLAN_COLS} FROM inspection_plans p JOIN orgs o ON o.id = p.org_id WHERE p.id = $1"
    );
    on_db!(db, c => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)
}

pub async fn plan_of(
    db: &Db,
    programme: &ProgrammeId,
    org: &OrgId,
) -> sqlx::Result<Option<PlanRow>> {
    let sql = format!(
        "SELECT {PLAN_COLS} FROM inspection_plans p JOIN orgs o ON o.id = p.org_id \
         WHERE p.programme_id = $1 AND p.org_id = $2"
    );
    on_db!(db, c => sqlx::query_as(AssertSqlSafe(sql)).bind(programme).bind(org).fetch_optional(c).await)
}

pub async fn insert_plan(tx: &mut Tx, p: &PlanRow) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO inspection_plans (id, programme_id, org_id, seed_text, coverage_pct, \
        candidates, drawn_by, drawn_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    on_tx!(tx, c => sqlx::query(SQL).bind(p.id).bind(p.programme_id).bind(p.org_id).bind(&p.seed_text)
        .bind(p.coverage_pct).bind(&p.candidates).bind(&p.drawn_by).bind(p.drawn_at)
        .execute(&mut *c).await.map(|_| ()))
}

/// Adds the drawn classes to a new plan, a few hundred rows a statement.
pub async fn insert_sampled(
    tx: &mut Tx,
    plan: &InspectionPlanId,
    classes: &[ClassId],
    now: i64,
) -> sqlx::Result<()> {
    for part in classes.chunks(500) {
        Sql::new("INSERT INTO inspections (id, plan_id, class_id, origin, reason, status, created_at) VALUES ")
            .rows(part.iter().map(|class| {
                [
                    Arg::from(InspectionId::new()),
                    Arg::from(*plan),
                    Arg::from(*class),
                    Arg::from("sampled"),
                    Arg::from(""),
                    Arg::from("planned"),
                    Arg::from(now),
                ]
            }))
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// Adds a class to a plan by hand: its new inspection, or None when the class is in it already.
pub async fn insert_added(
    tx: &mut Tx,
    plan: &InspectionPlanId,
    class: &ClassId,
    reason: &str,
    now: i64,
) -> sqlx::Result<Option<InspectionId>> {
    const SQL: &str = "INSERT INTO inspections (id, plan_id, class_id, origin, reason, status, created_at) \
        VALUES ($1,$2,$3,'added',$4,'planned',$5) ON CONFLICT (plan_id, class_id) DO NOTHING";
    let id = InspectionId::new();
    let n = on_tx!(tx, c => sqlx::query(SQL).bind(id).bind(plan).bind(class).bind(reason).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok((n > 0).then_some(id))
}

pub async fn rows_of_plan(db: &Db, plan: &InspectionPlanId) -> sqlx::Result<Vec<Inspection>> {
    let sql =
        format!("SELECT {ROW_COLS} {ROW_FROM} WHERE i.plan_id = $1 ORDER BY h.path, c.name, i.id");
    on_db!(db, c => sqlx::query_as(AssertSqlSafe(sql)).bind(plan).fetch_all(c).await)
}

/// Inspections assigned to `me`, or of plans of federations in `supervised`.
pub async fn rows_for(
    db: &Db,
    me: &UserId,
    supervised: Option<&Scope>,
    id: Option<&InspectionId>,
) -> sqlx::Result<Vec<Inspection>> {
    let mut q = Sql::new(&format!(
        "SELECT {ROW_COLS} {ROW_FROM} WHERE (i.inspector_id = "
    ))
    .bind(*me);
    if let Some(scope) = supervised {
        q = q.push(" OR ").scope("po.path", scope);
    }
    q = q.push(")");
    if let Some(id) = id {
        q = q.push(" AND i.id = ").bind(*id);
    }
    q.push(" ORDER BY p.drawn_at DESC, h.path, c.name, i.id LIMIT 1000")
        .fetch_all(db)
        .await
}

/// The plan's federation path of an inspection.
pub async fn plan_path_of(db: &Db, id: &InspectionId) -> sqlx::Result<Option<String>> {
    const SQL: &str = "SELECT o.path FROM inspections i JOIN inspection_plans p ON p.id = i.plan_id \
        JOIN orgs o ON o.id = p.org_id WHERE i.id = $1";
    on_db!(db, c => sqlx::query_scalar(SQL).bind(id).fetch_optional(c).await)
}

pub async fn assign(
    tx: &mut Tx,
    id: &InspectionId,
    inspector: Option<&UserId>,
) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE inspections SET inspector_id = $2 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(SQL).bind(id).bind(inspector).execute(&mut *c).await.map(|_| ()))
}

/// Running classes of a programme hosted in the subtree at `path`: (class id, host path).
pub async fn running(
    db: &Db,
    programme: &ProgrammeId,
    path: &str,
) -> sqlx::Result<Vec<(ClassId, String)>> {
    Sql::new("SELECT c.id, o.path FROM classes c JOIN orgs o ON o.id = c.host_org_id WHERE c.programme_id = ")
        .bind(*programme)
        .push(" AND c.status = 'running' AND ")
        .scope("o.path", &Scope::Subtrees(vec![path.to_string()]))
        .fetch_all(db)
        .await
}

/// The districts in the subtree at `path`: (id, name).
pub async fn districts(db: &Db, path: &str) -> sqlx::Result<Vec<(OrgId, String)>> {
    Sql::new("SELECT id, name FROM orgs WHERE kind = 'district' AND ")
        .scope("path", &Scope::Subtrees(vec![path.to_string()]))
        .fetch_all(db)
        .await
}

/// Names of these organisations.
pub async fn org_names(db: &Db, ids: &[String]) -> sqlx::Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Sql::new("SELECT id, name FROM orgs WHERE id IN (")
        .list(ids.iter().cloned())
        .push(")")
        .fetch_all(db)
        .await
}

/// Active users holding the inspector role at an organisation in the subtree at `path`.
pub async fn inspectors(db: &Db, path: &str) -> sqlx::Result<Vec<super::InspectorOption>> {
    Sql::new(
        "SELECT DISTINCT u.id, u.display_name, o.name AS org_name FROM users u \
         JOIN user_roles r ON r.user_id = u.id JOIN orgs o ON o.id = r.org_id \
         WHERE r.role = 'inspector' AND u.active AND ",
    )
    .scope("o.path", &Scope::Subtrees(vec![path.to_string()]))
    .push(" ORDER BY u.display_name, u.id")
    .fetch_all(db)
    .await
}

pub async fn assigned(db: &Db, inspector: &UserId, class: &ClassId) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM inspections WHERE inspector_id = $1 AND class_id = $2";
    let n: i64 =
        on_db!(db, c => sqlx::query_scalar(SQL).bind(inspector).bind(class).fetch_one(c).await)?;
    Ok(n > 0)
}

pub async fn planned_for(db: &Db, inspector: &UserId) -> sqlx::Result<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM inspections WHERE inspector_id = $1 AND status = 'planned'";
    on_db!(db, c => sqlx::query_scalar(SQL).bind(inspector).fetch_one(c).await)
}

/// (id, name, host's name) of these classes.
pub async fn class_names(db: &Db, ids: &[String]) -> sqlx::Result<Vec<(String, String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Sql::new("SELECT c.id, c.name, o.name FROM classes c JOIN orgs o ON o.id = c.host_org_id WHERE c.id IN (")
        .list(ids.iter().cloned())
        .push(")")
        .fetch_all(db)
        .await
}
