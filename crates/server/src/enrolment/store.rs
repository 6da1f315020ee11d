//! SQL of guardians, children, consents, pickup persons and applications. Functions that find a
//! child take the caller's user id and `ViewClasses` scope, so a query cannot leave what the
//! caller may see.

use sqlx::AssertSqlSafe;

use crate::auth::Scope;
use crate::db::{Arg, Db, Sql, Tx, rows_per_statement};
use crate::ids::{ApplicationId, ChildId, ClassId, GuardianId, ImportId, UserId};
use crate::{on_db, on_tx};

mod pickups;
pub use pickups::*;
mod todo;
pub use todo::*;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Guardian {
    pub id: GuardianId,
    pub user_id: Option<UserId>,
    pub name: String,
    pub phone: String,
    pub employer: String,
    pub member: bool,
    /// Priority categories, comma-separated keys.
    pub priorities: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A child as stored: the ID number and health notes are sealed (see `crate::crypto`).
#[derive(Clone, sqlx::FromRow)]
pub struct Child {
    pub id: ChildId,
    pub name: String,
    pub gender: String,
    pub birth_date: String,
    pub school: String,
    pub grade: String,
    pub id_sealed: Option<String>,
    pub id_masked: Option<String>,
    pub health_sealed: Option<String>,
    pub emergency: String,
    pub dedupe_index: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub anonymised_at: Option<i64>,
}

impl std::fmt::Debug for Child {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Child")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// An application of a child to a class, with the names a list shows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Application {
    pub id: ApplicationId,
    pub child_id: ChildId,
    pub class_id: ClassId,
    pub status: super::Status,
    pub reason: String,
    pub priority: bool,
    pub kindergarten: bool,
    pub agreement_version: Option<String>,
    pub agreement_by: Option<String>,
    pub agreement_channel: Option<String>,
    pub agreement_at: Option<i64>,
    pub insurer: Option<String>,
    pub policy_no: Option<String>,
    pub insured_from: Option<String>,
    pub insured_to: Option<String>,
    pub insurance_payer: Option<String>,
    pub import_id: Option<ImportId>,
    /// The first day the child attends (在托起始日, YYYY-MM-DD): set on enrolment (the class's
    /// start, or the day of entry when the class has begun), editable by the unit. `None` before
    /// enrolment (and on rows enrolled directly, which count from the class's start).
    pub attends_from: Option<String>,
    pub applied_at: i64,
    pub updated_at: i64,
    pub child_name: String,
    pub child_grade: String,
    pub child_id_masked: Option<String>,
    pub class_name: String,
    pub class_start: String,
    pub class_end: String,
    pub host_name: String,
}

impl Application {
    pub fn status(&self) -> super::Status {
        self.status
    }
}

const CHILD_COLS: &str = "ch.id, ch.name, ch.gender, ch.birth_date, ch.school, ch.grade, ch.id_sealed, ch.id_masked, \
    ch.health_sealed, ch.emergency, ch.dedupe_index, ch.created_at, ch.updated_at, ch.anonymised_at";

const APP_COLS: &str = "a.id, a.child_id, a.class_id, a.status, a.reason, a.priority, a.kindergarten, \
    a.agreement_version, a.agreement_by, a.agreement_channel, a.agreement_at, a.insurer, a.policy_no, \
    a.insured_from, a.insured_to, a.insurance_payer, a.import_id, a.attends_from, a.applied_at, a.updated_at, \
    ch.name AS child_name, ch.grade AS child_grade, ch.id_masked AS child_id_masked, c.name AS class_name, \
    c.start_date AS class_start, c.end_date AS class_end, o.name AS host_name";

const APP_FROM: &str = "applications a JOIN children ch ON ch.id = a.child_id JOIN classes c ON c.id = a.class_id \
    JOIN orgs o ON o.id = c.host_org_id";

pub async fn guardian_of_user(db: &Db, user_id: &UserId) -> sqlx::Result<Option<Guardian>> {
    const SQL: &str = "SELECT id, user_id, name, phone, employer, member, priorities, created_at, updated_at \
                       FROM guardians WHERE user_id = $1";
    on_db!(db, p => sqlx::query_as(SQL).bind(user_id).fetch_optional(p).await)
}

pub async fn insert_guardian(tx: &mut Tx, g: &Guardian) -> sqlx::Result<()> {
    insert_guardians(tx, std::slice::from_ref(g)).await
}

/// Inserts guardians, as many to a statement as [`rows_per_statement`] allows.
pub async fn insert_guardians(tx: &mut Tx, gs: &[Guardian]) -> sqlx::Result<()> {
    for chunk in gs.chunks(rows_per_statement(9)) {
        Sql::new("INSERT INTO guardians (id, user_id, name, phone, employer, member, priorities, created_at, updated_at) VALUES ")
            .rows(chunk.iter().map(|g| {
                [
                    Arg::from(&g.id),
                    Arg::from(&g.user_id),
                    Arg::from(&g.name),
                    Arg::from(&g.phone),
                    Arg::from(&g.employer),
                    Arg::from(g.member),
                    Arg::from(&g.priorities),
                    Arg::from(g.created_at),
                    Arg::from(g.updated_at),
                ]
            }))
            .execute(tx)
            .await?;
    }
    Ok(())
}

pub async fn insert_child(tx: &mut Tx, c: &Child) -> sqlx::Result<()> {
    insert_children(tx, std::slice::from_ref(c)).await
}

/// Inserts children (already sealed), as many to a statement as [`rows_per_statement`] allows.
pub async fn insert_children(tx: &mut Tx, cs: &[Child]) -> sqlx::Result<()> {
    for chunk in cs.chunks(rows_per_statement(13)) {
        Sql::new("INSERT INTO children (id, name, gender, birth_date, school, grade, id_sealed, id_masked, health_sealed, emergency, dedupe_index, created_at, updated_at) VALUES ")
            .rows(chunk.iter().map(|c| {
                [
                    Arg::from(&c.id),
                    Arg::from(&c.name),
                    Arg::from(&c.gender),
                    Arg::from(&c.birth_date),
                    Arg::from(&c.school),
                    Arg::from(&c.grade),
                    Arg::from(&c.id_sealed),
                    Arg::from(&c.id_masked),
                    Arg::from(&c.health_sealed),
                    Arg::from(&c.emergency),
                    Arg::from(&c.dedupe_index),
                    Arg::from(c.created_at),
                    Arg::from(c.created_at),
                ]
            }))
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// Writes every field of a child read through a scoped query (corrections and anonymisation).
pub async fn update_child(tx: &mut Tx, c: &Child) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE children SET name = $2, gender = $3, birth_date = $4, school = $5, grade = $6, \
        id_sealed = $7, id_masked = $8, health_sealed = $9, emergency = $10, dedupe_index = $11, updated_at = $12, \
        anonymised_at = $13 WHERE id = $1";
    on_tx!(tx, x => sqlx::query(SQL).bind(c.id).bind(&c.name).bind(&c.gender).bind(&c.birth_date).bind(&c.school)
        .bind(&c.grade).bind(&c.id_sealed).bind(&c.id_masked).bind(&c.health_sealed).bind(&c.emergency)
        .bind(&c.dedupe_index).bind(c.updated_at).bind(c.anonymised_at).execute(&mut *x).await.map(|_| ()))
}

pub async fn link(
    tx: &mut Tx,
    child_id: &ChildId,
    guardian_id: &GuardianId,
    relationship: &str,
) -> sqlx::Result<()> {
    link_all(tx, &[(child_id, guardian_id, relationship)]).await
}

/// Links children to guardians: (child id, guardian id, relationship), as many to a statement as
/// [`rows_per_statement`] allows; a link already there stays as it is.
pub async fn link_all(tx: &mut Tx, links: &[(&ChildId, &GuardianId, &str)]) -> sqlx::Result<()> {
    for chunk in links.chunks(rows_per_statement(3)) {
        Sql::new("INSERT INTO child_guardians (child_id, guardian_id, relationship) VALUES ")
            .rows(chunk.iter().map(|(child, guardian, relationship)| {
                [
                    Arg::from(*child),
                    Arg::from(*guardian),
                    Arg::from(relationship),
                ]
            }))
            .push(" ON CONFLICT (child_id, guardian_id) DO NOTHING")
            .execute(tx)
            .await?;
    }
    // A guardian can join two children into one family (the dashboard's families helped).
    let mut children: Vec<ChildId> = links.iter().map(|(c, _, _)| **c).collect();
    children.sort();
    children.dedup();
    crate::dashboard::reach::guardians_changed(tx, &children).await
}

pub async fn insert_consent(
    tx: &mut Tx,
    child_id: &ChildId,
    guardian_id: &GuardianId,
    channel: &str,
    recorded_by: &UserId,
    now: i64,
) -> sqlx::Result<()> {
    insert_consents(tx, &[(child_id, guardian_id)], channel, recorded_by, now).await
}

/// Records the consent to the current notice of each (child id, guardian id), given on
/// `channel`, as many to a statement as [`rows_per_statement`] allows.
pub async fn insert_consents(
    tx: &mut Tx,
    pairs: &[(&ChildId, &GuardianId)],
    channel: &str,
    recorded_by: &UserId,
    now: i64,
) -> sqlx::Result<()> {
    for chunk in pairs.chunks(rows_per_statement(7)) {
        Sql::new("INSERT INTO consents (id, child_id, guardian_id, notice_version, channel, recorded_by, at) VALUES ")
            .rows(chunk.iter().map(|(child, guardian)| {
                [
                    Arg::from(crate::new_id()),
                    Arg::from(*child),
                    Arg::from(*guardian),
                    Arg::from(super::NOTICE_VERSION),
                    Arg::from(channel),
                    Arg::from(recorded_by),
                    Arg::from(now),
                ]
            }))
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// A child the caller may see, and whether they see it as its guardian. `view` is the caller's
/// `ViewClasses` scope, if any.
pub async fn visible_child(
    db: &Db,
    user_id: &UserId,
    view: Option<&Scope>,
    child_id: &ChildId,
) -> sqlx::Result<Option<(Child, bool)>> {
    const GUARDIAN: &str = "EXISTS (SELECT 1 FROM child_guardians cg JOIN guardians g \
                            ON g.id = cg.guardian_id WHERE cg.child_id = ch.id AND g.user_id = ";
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        child: Child,
        guardian: bool,
    }
    let none = Scope::Subtrees(Vec::new());
    let row: Option<Row> = Sql::new(&format!("SELECT {CHILD_COLS}, {GUARDIAN}"))
        .bind(user_id)
        .push(") AS guardian FROM children ch WHERE ch.id = ")
        .bind(child_id)
        .push(&format!(" AND ({GUARDIAN}"))
        .bind(user_id)
        .push(
            ") OR EXISTS (SELECT 1 FROM applications a JOIN classes c ON c.id = a.class_id \
             JOIN orgs o ON o.id = c.host_org_id WHERE a.child_id = ch.id AND ",
        )
        .scope("o.path", view.unwrap_or(&none))
        .push("))")
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.child, r.guardian)))
}

/// The children whose guardian account is `user_id`, by name.
pub async fn children_of_user(db: &Db, user_id: &UserId) -> sqlx::Result<Vec<Child>> {
    let sql = format!(
        "SELECT {CHILD_COLS} FROM children ch JOIN child_guardians cg ON cg.child_id = ch.id \
         JOIN guardians g ON g.id = cg.guardian_id WHERE g.user_id = $1 ORDER BY ch.created_at, ch.id"
    );
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(user_id).fetch_all(p).await)
}

/// The guardians of a child with their relationship to it.
pub async fn guardians_of(
    db: &Db,
    child_id: &ChildId,
) -> sqlx::Result<Vec<(String, String, String)>> {
    const SQL: &str = "SELECT g.name, g.phone, cg.relationship FROM child_guardians cg \
                       JOIN guardians g ON g.id = cg.guardian_id WHERE cg.child_id = $1 ORDER BY g.created_at";
    on_db!(db, p => sqlx::query_as(SQL).bind(child_id).fetch_all(p).await)
}

/// Consents given for a child: (notice version, channel, at).
pub async fn consents_of(db: &Db, child_id: &ChildId) -> sqlx::Result<Vec<(String, String, i64)>> {
    const SQL: &str =
        "SELECT notice_version, channel, at FROM consents WHERE child_id = $1 ORDER BY at";
    on_db!(db, p => sqlx::query_as(SQL).bind(child_id).fetch_all(p).await)
}

/// Applications of one child, newest first.
pub async fn applications_of_child(db: &Db, child_id: &ChildId) -> sqlx::Result<Vec<Application>> {
    let sql = format!(
        "SELECT {APP_COLS} FROM {APP_FROM} WHERE a.child_id = $1 ORDER BY a.applied_at DESC, a.id"
    );
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(child_id).fetch_all(p).await)
}

/// Applications to one class, in the order they came.
pub async fn applications_of_class(db: &Db, class_id: &ClassId) -> sqlx::Result<Vec<Application>> {
    let sql = format!(
        "SELECT {APP_COLS} FROM {APP_FROM} WHERE a.class_id = $1 ORDER BY a.applied_at, a.id"
    );
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(class_id).fetch_all(p).await)
}

/// An application by id, with the path of its class's host (for the caller's scope check).
pub async fn application(
    db: &Db,
    id: &ApplicationId,
) -> sqlx::Result<Option<(Application, String)>> {
    let sql = format!("SELECT {APP_COLS}, o.path AS host_path FROM {APP_FROM} WHERE a.id = $1");
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        app: Application,
        host_path: String,
    }
    let row: Option<Row> =
        on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)?;
    Ok(row.map(|r| (r.app, r.host_path)))
}

/// A new application row (status and flags); the agreement and insurance come later.
pub async fn insert_application(tx: &mut Tx, a: &Application) -> sqlx::Result<()> {
    insert_applications(tx, std::slice::from_ref(a)).await
}

/// Inserts applications, as many to a statement as [`rows_per_statement`] allows.
pub async fn insert_applications(tx: &mut Tx, apps: &[Application]) -> sqlx::Result<()> {
    for chunk in apps.chunks(rows_per_statement(20)) {
        Sql::new("INSERT INTO applications (id, child_id, class_id, status, reason, priority, kindergarten, agreement_version, agreement_by, agreement_channel, agreement_at, insurer, policy_no, insured_from, insured_to, insurance_payer, import_id, attends_from, applied_at, updated_at) VALUES ")
            .rows(chunk.iter().map(|a| {
                [
                    Arg::from(&a.id),
                    Arg::from(&a.child_id),
                    Arg::from(&a.class_id),
                    Arg::from(a.status),
                    Arg::from(&a.reason),
                    Arg::from(a.priority),
                    Arg::from(a.kindergarten),
                    Arg::from(&a.agreement_version),
                    Arg::from(&a.agreement_by),
                    Arg::from(&a.agreement_channel),
                    Arg::from(a.agreement_at),
                    Arg::from(&a.insurer),
                    Arg::from(&a.policy_no),
                    Arg::from(&a.insured_from),
                    Arg::from(&a.insured_to),
                    Arg::from(&a.insurance_payer),
                    Arg::from(&a.import_id),
                    Arg::from(&a.attends_from),
                    Arg::from(a.applied_at),
                    Arg::from(a.applied_at),
                ]
            }))
            .execute(tx)
            .await?;
    }
    let enrolled: Vec<ChildId> = apps
        .iter()
        .filter(|a| a.status == super::Status::Enrolled)
        .map(|a| a.child_id)
        .collect();
    crate::dashboard::reach::applications_changed(tx, &enrolled).await?;
    crate::dashboard::days::children_changed(tx, &enrolled).await
}

/// Writes the mutable fields of an application. Entering or leaving `enrolled` dates the
/// enrolment span (在托期间) that attendance expects the child on: `enrolled_on` is the day of
/// enrolment, `attends_from` the first day expected (the class's start when enrolled on or before
/// it, else the day of enrolment; docs/ENROLMENT.md), `left_on` the day of withdrawal (all
/// Beijing dates).
pub async fn update_application(tx: &mut Tx, a: &Application) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE applications SET status = $2, reason = $3, priority = $4, kindergarten = $5, \
        agreement_version = $6, agreement_by = $7, agreement_channel = $8, agreement_at = $9, insurer = $10, \
        policy_no = $11, insured_from = $12, insured_to = $13, insurance_payer = $14, updated_at = $15, \
        enrolled_on = CASE WHEN $2 = 'enrolled' AND status <> 'enrolled' THEN $16 ELSE enrolled_on END, \
        attends_from = CASE WHEN $2 = 'enrolled' AND status <> 'enrolled' THEN \
            (SELECT CASE WHEN c.start_date >= $16 THEN c.start_date ELSE $16 END FROM classes c \
             WHERE c.id = applications.class_id) ELSE attends_from END, \
        left_on = CASE WHEN status = 'enrolled' AND $2 <> 'enrolled' THEN $16 \
                       WHEN $2 = 'enrolled' AND status <> 'enrolled' THEN NULL ELSE left_on END \
        WHERE id = $1";
    // Enrolled for the first time: the child (and maybe its family) is now helped. Once
    // counted, an application stays counted (`left_on` is kept).
    const COUNTED: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM applications WHERE id = $1 \
        AND (status = 'enrolled' OR left_on IS NOT NULL)";
    let newly = a.status == super::Status::Enrolled
        && on_tx!(tx, x => sqlx::query_scalar::<_, i64>(COUNTED).bind(a.id).fetch_one(&mut *x).await)?
            == 0;
    let today = crate::calendar::today().format("%Y-%m-%d").to_string();
    on_tx!(tx, x => sqlx::query(SQL).bind(a.id).bind(a.status).bind(&a.reason).bind(a.priority)
        .bind(a.kindergarten).bind(&a.agreement_version).bind(&a.agreement_by).bind(&a.agreement_channel)
        .bind(a.agreement_at).bind(&a.insurer).bind(&a.policy_no).bind(&a.insured_from).bind(&a.insured_to)
        .bind(&a.insurance_payer).bind(a.updated_at).bind(&today).execute(&mut *x).await.map(|_| ()))?;
    if newly {
        crate::dashboard::reach::applications_changed(tx, &[a.child_id]).await?;
    }
    // Entering or leaving the class moves the child-days expected of it.
    if matches!(a.status, super::Status::Enrolled | super::Status::Withdrawn) {
        crate::dashboard::days::classes_changed(tx, &[a.class_id]).await?;
    }
    Ok(())
}

/// Sets the day from which the child of an application attends (`super::span`).
pub async fn set_attends_from(
    tx: &mut Tx,
    id: &ApplicationId,
    day: &str,
    now: i64,
) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE applications SET attends_from = $2, updated_at = $3 WHERE id = $1";
    on_tx!(tx, x => sqlx::query(SQL).bind(id).bind(day).bind(now).execute(&mut *x).await.map(|_| ()))?;
    const CLASS: &str = "SELECT class_id FROM applications WHERE id = $1";
    let class: Option<ClassId> =
        on_tx!(tx, x => sqlx::query_scalar(CLASS).bind(id).fetch_optional(&mut *x).await)?;
    crate::dashboard::days::classes_changed(tx, class.as_slice()).await
}

/// The first day with anything recorded for the child in the class.
pub async fn first_recorded_day(
    tx: &mut Tx,
    class_id: &ClassId,
    child_id: &ChildId,
) -> sqlx::Result<Option<String>> {
    const SQL: &str = "SELECT MIN(day) FROM attendance WHERE class_id = $1 AND child_id = $2 \
        AND (in_at IS NOT NULL OR absent_reason IS NOT NULL)";
    on_tx!(tx, x => sqlx::query_scalar(SQL).bind(class_id).bind(child_id).fetch_one(&mut *x).await)
}

/// Takes the class row's lock for the rest of the transaction on PostgreSQL (SQLite's
/// `BEGIN IMMEDIATE` already holds the database's write lock), so two enrolments cannot both
/// take the last place.
pub async fn lock_class(tx: &mut Tx, class_id: &ClassId) -> sqlx::Result<()> {
    if let Tx::Pg(t) = tx {
        sqlx::query("SELECT id FROM classes WHERE id = $1 FOR UPDATE")
            .bind(class_id)
            .execute(&mut **t)
            .await?;
    }
    Ok(())
}

/// Places taken in a class (accepted or enrolled), and how many of them by kindergarten
/// children, leaving out `except` (the application being decided).
pub async fn class_load(
    tx: &mut Tx,
    class_id: &ClassId,
    except: Option<&ApplicationId>,
) -> sqlx::Result<(i64, i64)> {
    const SQL: &str = "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN kindergarten THEN 1 ELSE 0 END), 0) AS BIGINT) \
        FROM applications WHERE class_id = $1 AND ($2 IS NULL OR id <> $2) AND status IN ('accepted', 'enrolled')";
    on_tx!(tx, x => sqlx::query_as(SQL).bind(class_id).bind(except).fetch_one(&mut *x).await)
}

/// Other classes where the same child (by id, or by the dedupe index of a record entered twice)
/// holds a place: (class name, start, end).
pub async fn placements(
    tx: &mut Tx,
    child_id: &ChildId,
    dedupe_index: Option<&str>,
    except_class: &ClassId,
) -> sqlx::Result<Vec<(String, String, String)>> {
    const SQL: &str = "SELECT c.name, c.start_date, c.end_date FROM applications a JOIN classes c ON c.id = a.class_id \
        JOIN children ch ON ch.id = a.child_id WHERE (ch.id = $1 OR ch.dedupe_index = $2) AND c.id <> $3 \
        AND a.status IN ('accepted', 'enrolled')";
    on_tx!(tx, x => sqlx::query_as(SQL).bind(child_id).bind(dedupe_index).bind(except_class)
        .fetch_all(&mut *x).await)
}

/// How many guardians a child has.
pub async fn guardian_count(tx: &mut Tx, child_id: &ChildId) -> sqlx::Result<i64> {
    const SQL: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM child_guardians WHERE child_id = $1";
    on_tx!(tx, x => sqlx::query_scalar(SQL).bind(child_id).fetch_one(&mut *x).await)
}

/// Whether a consent is on record for a child.
pub async fn has_consent(tx: &mut Tx, child_id: &ChildId) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT CAST(COUNT(*) AS BIGINT) FROM consents WHERE child_id = $1";
    on_tx!(tx, x => sqlx::query_scalar::<_, i64>(SQL).bind(child_id).fetch_one(&mut *x).await.map(|n| n > 0))
}

/// Removes every guardian link of a child (its data was deleted at the guardian's request).
pub async fn unlink_all(tx: &mut Tx, child_id: &ChildId) -> sqlx::Result<()> {
    on_tx!(tx, x => sqlx::query("DELETE FROM child_guardians WHERE child_id = $1").bind(child_id)
        .execute(&mut *x).await.map(|_| ()))
}

/// A class's capacity, dates and its programme's rules (JSON), read in the transaction.
pub async fn class_terms(
    tx: &mut Tx,
    class_id: &ClassId,
) -> sqlx::Result<(i64, String, String, String)> {
    const SQL: &str = "SELECT c.capacity, c.start_date, c.end_date, p.rules FROM classes c \
                       JOIN programmes p ON p.id = c.programme_id WHERE c.id = $1";
    on_tx!(tx, x => sqlx::query_as(SQL).bind(class_id).fetch_one(&mut *x).await)
}

/// The rules (JSON) of the programme a class belongs to.
pub async fn rules_of_class(tx: &mut Tx, class_id: &ClassId) -> sqlx::Result<String> {
    const SQL: &str =
        "SELECT p.rules FROM programmes p JOIN classes c ON c.programme_id = p.id WHERE c.id = $1";
    on_tx!(tx, x => sqlx::query_scalar(SQL).bind(class_id).fetch_one(&mut *x).await)
}

/// A class open for applications, as a parent sees it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct OpenClass {
    pub id: ClassId,
    pub name: String,
    pub host_name: String,
    pub address: String,
    pub start_date: String,
    pub end_date: String,
    pub daily_start: String,
    pub daily_end: String,
    pub capacity: i64,
    /// Places already accepted or enrolled.
    pub taken: i64,
}

const OPEN_SQL: &str = "SELECT c.id, c.name, o.name AS host_name, c.address, c.start_date, c.end_date, c.daily_start, \
    c.daily_end, c.capacity, (SELECT CAST(COUNT(*) AS BIGINT) FROM applications a WHERE a.class_id = c.id \
    AND a.status IN ('accepted', 'enrolled')) AS taken FROM classes c JOIN orgs o ON o.id = c.host_org_id \
    WHERE c.status IN ('approved', 'running') AND c.end_date >= $1";

/// Approved or running classes that have not ended by `today`.
pub async fn open_classes(db: &Db, today: &str) -> sqlx::Result<Vec<OpenClass>> {
    let sql = format!("{OPEN_SQL} ORDER BY c.start_date, o.name, c.name");
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(today).fetch_all(p).await)
}

/// One open class by id.
pub async fn open_class(db: &Db, today: &str, id: &ClassId) -> sqlx::Result<Option<OpenClass>> {
    let sql = format!("{OPEN_SQL} AND c.id = $2");
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(today).bind(id).fetch_optional(p).await)
}

/// The status of an application, read inside a transaction (after the class's lock).
pub async fn status_in(tx: &mut Tx, id: &ApplicationId) -> sqlx::Result<Option<super::Status>> {
    const SQL: &str = "SELECT status FROM applications WHERE id = $1";
    on_tx!(tx, x => sqlx::query_scalar(SQL).bind(id).fetch_optional(&mut *x).await)
}

/// A child with an application in the class `class_id`.
pub async fn child_in_class(
    db: &Db,
    class_id: &ClassId,
    id: &ChildId,
) -> sqlx::Result<Option<Child>> {
    let sql = format!(
        "SELECT {CHILD_COLS} FROM children ch WHERE ch.id = $1 AND EXISTS \
         (SELECT 1 FROM applications a WHERE a.child_id = ch.id AND a.class_id = $2)"
    );
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(class_id).fetch_optional(p).await)
}

/// A child by id (after the caller's access was checked).
pub async fn child(db: &Db, id: &ChildId) -> sqlx::Result<Child> {
    let sql = format!("SELECT {CHILD_COLS} FROM children ch WHERE ch.id = $1");
    on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_one(p).await)
}

/// A child by id, inside a transaction.
pub async fn child_in(tx: &mut Tx, id: &ChildId) -> sqlx::Result<Child> {
    let sql = format!("SELECT {CHILD_COLS} FROM children ch WHERE ch.id = $1");
    on_tx!(tx, x => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_one(&mut *x).await)
}
