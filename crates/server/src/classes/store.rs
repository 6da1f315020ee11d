//! SQL of classes, their lifecycle events and closure/extra days.

use super::{Class, Listed};
use crate::auth::Scope;
use crate::db::{Db, JsonText, Sql, Tx};
use crate::ids::{ClassId, OrgId, ProgrammeId, UserId};
use crate::{on_db, on_tx};

const COLS: &str = "c.id, c.programme_id, c.host_org_id, o.name AS host_name, o.path AS host_path, c.name, \
    c.address, c.start_date, c.end_date, c.daily_start, c.daily_end, c.capacity, c.model, c.management, \
    c.partners, c.partner_agreement, c.qualification_review, c.venue, c.food, c.rules_in_force, c.status, \
    c.created_at, c.updated_at";

const LISTED_COLS: &str = "c.id, c.host_org_id, o.name AS host_name, c.name, c.start_date, \
    c.end_date, c.capacity, c.status";

/// A class whose host lies in `scope`.
pub async fn get(db: &Db, scope: &Scope, id: &ClassId) -> sqlx::Result<Option<Class>> {
    Sql::new(&format!(
        "SELECT {COLS} FROM classes c JOIN orgs o ON o.id = c.host_org_id WHERE c.id = "
    ))
    .bind(id)
    .push(" AND ")
    .scope("o.path", scope)
    .fetch_optional(db)
    .await
}

/// One page of the classes of a programme whose hosts lie in `scope`, in tree order of the hosts,
/// then by name. The tree's path index leads (SQLite takes `CROSS JOIN` as "this table first"), so
/// a page of a national list stops after its rows instead of sorting 30,000.
pub async fn of_programme(
    db: &Db,
    scope: &Scope,
    programme_id: &ProgrammeId,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<Listed>> {
    Sql::new(&format!(
        "SELECT {LISTED_COLS} FROM orgs o CROSS JOIN classes c \
         WHERE c.host_org_id = o.id AND c.programme_id = "
    ))
    .bind(programme_id)
    .push(" AND ")
    .scope("o.path", scope)
    .push(" ORDER BY o.path, c.name, c.id LIMIT ")
    .bind(limit)
    .push(" OFFSET ")
    .bind(offset)
    .fetch_all(db)
    .await
}

/// The classes in `statuses` hosted in `scope` (a unit's few), the soonest first: the home page
/// of a class teacher and of a unit (index `classes_host_status`, hosts from the path index).
pub async fn with_status_in(
    db: &Db,
    scope: &Scope,
    statuses: &[&str],
    limit: i64,
) -> sqlx::Result<Vec<Class>> {
    Sql::new(&format!(
        "SELECT {COLS} FROM orgs o CROSS JOIN classes c WHERE c.host_org_id = o.id AND c.status IN ("
    ))
    .list(statuses.iter().copied())
    .push(") AND ")
    .scope("o.path", scope)
    .push(" ORDER BY c.start_date, c.name, c.id LIMIT ")
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The classes of a programme hosted by one organisation itself (not its subtree) that lie in
/// `scope`, in `statuses`: the records a unit's report compiles from.
pub async fn hosted(
    db: &Db,
    scope: &Scope,
    programme_id: &ProgrammeId,
    host: &OrgId,
    statuses: &[&str],
) -> sqlx::Result<Vec<Class>> {
    Sql::new(&format!(
        "SELECT {COLS} FROM classes c JOIN orgs o ON o.id = c.host_org_id WHERE c.programme_id = "
    ))
    .bind(programme_id)
    .push(" AND c.host_org_id = ")
    .bind(host)
    .push(" AND c.status IN (")
    .list(statuses.iter().copied())
    .push(") AND ")
    .scope("o.path", scope)
    .push(" ORDER BY c.name, c.id")
    .fetch_all(db)
    .await
}

pub async fn insert(tx: &mut Tx, c: &Class) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO classes (id, programme_id, host_org_id, name, address, start_date, end_date, \
        daily_start, daily_end, capacity, model, management, partners, partner_agreement, qualification_review, \
        venue, food, rules_in_force, status, created_at, updated_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20)";
    on_tx!(tx, x => sqlx::query(SQL)
        .bind(c.id).bind(c.programme_id).bind(c.host_org_id).bind(&c.name).bind(&c.address)
        .bind(&c.start_date).bind(&c.end_date).bind(&c.daily_start).bind(&c.daily_end).bind(c.capacity)
        .bind(&c.model).bind(&c.management).bind(c.partners.join("\n")).bind(c.partner_agreement)
        .bind(c.qualification_review).bind(JsonText::of(&c.venue)).bind(JsonText::of(&c.food))
        .bind(c.rules_in_force.join(",")).bind(c.status)
        .bind(c.created_at).execute(&mut *x).await.map(|_| ()))?;
    crate::dashboard::tallies::class_changed(tx, &c.id, None).await
}

/// Writes the registration fields of a class already read through a scoped query.
pub async fn update(tx: &mut Tx, c: &Class) -> sqlx::Result<()> {
    let former: Option<OrgId> = on_tx!(tx, x => sqlx::query_scalar("SELECT host_org_id FROM classes WHERE id = $1")
        .bind(c.id).fetch_optional(&mut *x).await)?;
    const SQL: &str = "UPDATE classes SET host_org_id = $2, name = $3, address = $4, start_date = $5, end_date = $6, \
        daily_start = $7, daily_end = $8, capacity = $9, model = $10, management = $11, partners = $12, \
        partner_agreement = $13, qualification_review = $14, venue = $15, food = $16, rules_in_force = $17, \
        updated_at = $18 WHERE id = $1";
    on_tx!(tx, x => sqlx::query(SQL)
        .bind(c.id).bind(c.host_org_id).bind(&c.name).bind(&c.address).bind(&c.start_date).bind(&c.end_date)
        .bind(&c.daily_start).bind(&c.daily_end).bind(c.capacity).bind(&c.model).bind(&c.management)
        .bind(c.partners.join("\n")).bind(c.partner_agreement).bind(c.qualification_review)
        .bind(JsonText::of(&c.venue)).bind(JsonText::of(&c.food))
        .bind(c.rules_in_force.join(",")).bind(c.updated_at).execute(&mut *x).await.map(|_| ()))?;
    crate::dashboard::tallies::class_changed(tx, &c.id, former.as_ref()).await?;
    // Its dates may have moved, and with them its operating days.
    crate::dashboard::days::classes_changed(tx, &[c.id]).await
}

/// Moves a class from `from` to `to`; false when another request moved it first.
pub async fn set_status(
    tx: &mut Tx,
    id: &ClassId,
    from: &str,
    to: &str,
    now: i64,
) -> sqlx::Result<bool> {
    const SQL: &str =
        "UPDATE classes SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2";
    let moved = on_tx!(tx, x => sqlx::query(SQL).bind(id).bind(from).bind(to).bind(now)
        .execute(&mut *x).await.map(|r| r.rows_affected() == 1))?;
    if moved {
        crate::dashboard::tallies::class_changed(tx, id, None).await?;
    }
    Ok(moved)
}

crate::closed_set! {
    /// A step of a class's life as its history records it.
    pub enum ClassStep {
        Register = "register",
        Submit = "submit",
        Approve = "approve",
        Return = "return",
        Start = "start",
        Close = "close",
    }
}

/// One step of a class's life.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ClassEvent {
    #[schema(value_type = ClassStep)]
    pub action: String,
    #[schema(value_type = Option<super::ClassStatus>)]
    pub from_status: Option<String>,
    #[schema(value_type = super::ClassStatus)]
    pub to_status: String,
    pub actor_name: Option<String>,
    pub comment: String,
    pub at: i64,
}

pub async fn add_event(
    tx: &mut Tx,
    class_id: &ClassId,
    e: &ClassEvent,
    actor_id: &UserId,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO class_events (id, class_id, action, from_status, to_status, actor_id, actor_name, \
        comment, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
    on_tx!(tx, x => sqlx::query(SQL).bind(crate::new_id()).bind(class_id).bind(&e.action).bind(&e.from_status)
        .bind(&e.to_status).bind(actor_id).bind(&e.actor_name).bind(&e.comment).bind(e.at)
        .execute(&mut *x).await.map(|_| ()))
}

/// The history of a class already read through a scoped query.
pub async fn events(db: &Db, c: &Class) -> sqlx::Result<Vec<ClassEvent>> {
    const SQL: &str = "SELECT action, from_status, to_status, actor_name, comment, at FROM class_events \
                       WHERE class_id = $1 ORDER BY at, id";
    on_db!(db, p => sqlx::query_as(SQL).bind(c.id).fetch_all(p).await)
}

crate::closed_set! {
    /// A change to a class's operating days.
    pub enum DayChange {
        /// Closed on a day it would run (typhoon, epidemic).
        Closure = "closure",
        /// Open on a day it would not.
        Extra = "extra",
    }
}

/// A closure day (typhoon, epidemic) or an extra open day of a class.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ClassDay {
    /// YYYY-MM-DD
    pub day: String,
    #[schema(value_type = DayChange)]
    pub kind: String,
    pub reason: String,
}

pub async fn days(db: &Db, c: &Class) -> sqlx::Result<Vec<ClassDay>> {
    const SQL: &str = "SELECT day, kind, reason FROM class_days WHERE class_id = $1 ORDER BY day";
    on_db!(db, p => sqlx::query_as(SQL).bind(c.id).fetch_all(p).await)
}

pub async fn upsert_day(tx: &mut Tx, class_id: &ClassId, d: &ClassDay) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO class_days (class_id, day, kind, reason) VALUES ($1,$2,$3,$4) \
                       ON CONFLICT (class_id, day) DO UPDATE SET kind = excluded.kind, reason = excluded.reason";
    on_tx!(tx, x => sqlx::query(SQL).bind(class_id).bind(&d.day).bind(&d.kind).bind(&d.reason)
        .execute(&mut *x).await.map(|_| ()))?;
    crate::dashboard::days::classes_changed(tx, &[*class_id]).await
}

pub async fn delete_day(tx: &mut Tx, class_id: &ClassId, day: &str) -> sqlx::Result<u64> {
    let n = on_tx!(tx, x => sqlx::query("DELETE FROM class_days WHERE class_id = $1 AND day = $2").bind(class_id).bind(day)
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    crate::dashboard::days::classes_changed(tx, &[*class_id]).await?;
    Ok(n)
}
