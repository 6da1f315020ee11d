//! SQL of the daily logs, incidents and schedule. Class ids come from a scope-checked class;
//! the incident list takes the caller's scope.

use crate::auth::Scope;
use crate::db::{Db, Sql, Tx};
use crate::ids::{ChildId, ClassId, IncidentId, LogId, ScheduleItemId, UserId};
use crate::{on_db, on_tx};

/// A stored log entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogRow {
    pub id: LogId,
    pub class_id: ClassId,
    pub kind: String,
    pub day: String,
    pub at: i64,
    pub officer: String,
    pub details: String,
    pub user_id: UserId,
    pub created_at: i64,
}

pub async fn insert_log(tx: &mut Tx, l: &LogRow) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO class_logs (id, class_id, kind, day, at, officer, details, user_id, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    on_tx!(tx, c => sqlx::query(SQL).bind(l.id).bind(l.class_id).bind(&l.kind).bind(&l.day)
        .bind(l.at).bind(&l.officer).bind(&l.details).bind(l.user_id).bind(l.created_at)
        .execute(&mut *c).await.map(|_| ()))
}

/// The class's log entries between two days, newest first.
pub async fn logs(db: &Db, class_id: &ClassId, from: &str, to: &str) -> sqlx::Result<Vec<LogRow>> {
    const SQL: &str = "SELECT id, class_id, kind, day, at, officer, details, user_id, created_at \
        FROM class_logs WHERE class_id = $1 AND day >= $2 AND day <= $3 ORDER BY day DESC, at DESC, id DESC";
    on_db!(db, p => sqlx::query_as(SQL).bind(class_id).bind(from).bind(to).fetch_all(p).await)
}

/// A stored incident, with its class's name and host for the federation's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IncidentRow {
    pub id: IncidentId,
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    pub occurred_at: i64,
    pub kind: String,
    pub severity: String,
    pub safety: bool,
    pub description: String,
    pub actions: String,
    pub guardian_informed_at: Option<i64>,
    pub guardian_informed_how: String,
    pub reported_at: i64,
    pub reported_by: String,
    pub acknowledged_at: Option<i64>,
    pub acknowledged_by: Option<String>,
}

const INCIDENT_COLS: &str = "i.id, i.class_id, c.name AS class_name, o.name AS host_name, \
    i.occurred_at, i.kind, i.severity, i.safety, i.description, i.actions, i.guardian_informed_at, \
    i.guardian_informed_how, i.reported_at, i.reported_by, i.acknowledged_at, i.acknowledged_by";

pub async fn insert_incident(tx: &mut Tx, i: &IncidentRow) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO incidents (id, class_id, occurred_at, kind, severity, safety, \
        description, actions, guardian_informed_at, guardian_informed_how, reported_at, reported_by) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    on_tx!(tx, c => sqlx::query(SQL).bind(i.id).bind(i.class_id).bind(i.occurred_at).bind(&i.kind)
        .bind(&i.severity).bind(i.safety).bind(&i.description).bind(&i.actions)
        .bind(i.guardian_informed_at).bind(&i.guardian_informed_how).bind(i.reported_at)
        .bind(&i.reported_by).execute(&mut *c).await.map(|_| ()))?;
    crate::dashboard::tallies::class_changed(tx, &i.class_id, None).await
}

pub async fn insert_incident_child(
    tx: &mut Tx,
    incident: &IncidentId,
    child: &ChildId,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO incident_children (incident_id, child_id) VALUES ($1, $2)";
    on_tx!(tx, c => sqlx::query(SQL).bind(incident).bind(child).execute(&mut *c).await.map(|_| ()))
}

/// Incidents of classes whose host lies in `scope`, newest first; one class's with `class_id`.
pub async fn incidents(
    db: &Db,
    scope: &Scope,
    class_id: Option<&ClassId>,
    id: Option<&IncidentId>,
) -> sqlx::Result<Vec<IncidentRow>> {
    // Incidents lead (SQLite reads `CROSS JOIN` as "this table first"): a federation's list must
    // not walk every class of its subtree to find the few that reported something.
    let mut q = Sql::new(&format!(
        "SELECT {INCIDENT_COLS} FROM incidents i CROSS JOIN classes c CROSS JOIN orgs o \
         WHERE c.id = i.class_id AND o.id = c.host_org_id"
    ));
    if let Some(class_id) = class_id {
        q = q.push(" AND i.class_id = ").bind(class_id);
    }
    if let Some(id) = id {
        q = q.push(" AND i.id = ").bind(id);
    }
    q.push(" AND ")
        .scope("o.path", scope)
        .push(" ORDER BY i.occurred_at DESC, i.id DESC LIMIT 500")
        .fetch_all(db)
        .await
}

/// The children involved in each of `incidents`, in one query: (incident id, child name).
pub async fn children_of_incidents(
    db: &Db,
    incidents: &[IncidentId],
) -> sqlx::Result<Vec<(IncidentId, String)>> {
    if incidents.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<(IncidentId, String)> = Sql::new(
        "SELECT ic.incident_id, ch.name FROM incident_children ic JOIN children ch ON ch.id = ic.child_id \
         WHERE ic.incident_id IN (",
    )
    .list(incidents)
    .push(") ORDER BY ch.name, ch.id")
    .fetch_all(db)
    .await?;
    rows.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(rows)
}

/// Names of the children involved in an incident.
pub async fn incident_children(
    db: &Db,
    incident: &IncidentId,
) -> sqlx::Result<Vec<(String, String)>> {
    const SQL: &str = "SELECT ch.id, ch.name FROM incident_children ic JOIN children ch ON ch.id = ic.child_id \
        WHERE ic.incident_id = $1 ORDER BY ch.name, ch.id";
    on_db!(db, p => sqlx::query_as(SQL).bind(incident).fetch_all(p).await)
}

/// Marks an incident acknowledged and takes it off its class's waiting count; false when it
/// already was.
pub async fn acknowledge(tx: &mut Tx, id: &IncidentId, by: &str, at: i64) -> sqlx::Result<bool> {
    const SQL: &str = "UPDATE incidents SET acknowledged_at = $2, acknowledged_by = $3 \
        WHERE id = $1 AND acknowledged_at IS NULL RETURNING class_id";
    let class: Option<ClassId> = on_tx!(tx, c => sqlx::query_scalar(SQL).bind(id).bind(at).bind(by)
        .fetch_optional(&mut *c).await)?;
    match class {
        Some(class_id) => {
            crate::dashboard::tallies::class_changed(tx, &class_id, None).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// One line of the weekly schedule.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ScheduleItem {
    pub id: ScheduleItemId,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// HH:MM
    pub starts: String,
    /// HH:MM
    pub ends: String,
    #[schema(value_type = super::Activity)]
    pub activity: String,
    pub title: String,
}

pub async fn schedule(db: &Db, class_id: &ClassId) -> sqlx::Result<Vec<ScheduleItem>> {
    const SQL: &str = "SELECT id, weekday, starts, ends, activity, title FROM schedule_items \
        WHERE class_id = $1 ORDER BY weekday, starts, id";
    on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_all(p).await)
}

pub async fn insert_item(tx: &mut Tx, class_id: &ClassId, i: &ScheduleItem) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO schedule_items (id, class_id, weekday, starts, ends, activity, title, created_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, c => sqlx::query(SQL).bind(i.id).bind(class_id).bind(i.weekday).bind(&i.starts)
        .bind(&i.ends).bind(&i.activity).bind(&i.title).bind(crate::now())
        .execute(&mut *c).await.map(|_| ()))
}

pub async fn delete_item(
    tx: &mut Tx,
    class_id: &ClassId,
    id: &ScheduleItemId,
) -> sqlx::Result<bool> {
    const SQL: &str = "DELETE FROM schedule_items WHERE class_id = $1 AND id = $2";
    on_tx!(tx, c => sqlx::query(SQL).bind(class_id).bind(id).execute(&mut *c).await
        .map(|r| r.rows_affected() == 1))
}
