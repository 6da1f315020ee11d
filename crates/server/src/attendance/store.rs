//! SQL of attendance. Every function takes a class id the caller has already checked the user may
//! see or run (`super::operated`), or a child the caller may see.

use crate::db::{Arg, Db, Sql, Tx};
use crate::ids::{ChildId, ClassId, UserId};
use crate::{on_db, on_tx};

/// The stored day of one child (one `attendance` row).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Row {
    pub class_id: ClassId,
    pub day: String,
    pub child_id: ChildId,
    pub in_at: Option<i64>,
    pub in_by: String,
    pub in_user: Option<UserId>,
    pub out_at: Option<i64>,
    pub out_person_id: Option<String>,
    pub out_by: String,
    pub out_user: Option<UserId>,
    pub absent_reason: Option<String>,
    pub corrected: bool,
}

impl Row {
    /// The row of a child-day with nothing recorded yet.
    pub fn empty(class_id: ClassId, day: &str, child_id: ChildId) -> Row {
        Row {
            class_id,
            day: day.to_string(),
            child_id,
            in_at: None,
            in_by: String::new(),
            in_user: None,
            out_at: None,
            out_person_id: None,
            out_by: String::new(),
            out_user: None,
            absent_reason: None,
            corrected: false,
        }
    }
}

/// One tap as recorded (`attendance_events`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Event {
    pub id: String,
    pub class_id: ClassId,
    pub day: String,
    pub child_id: ChildId,
    pub action: String,
    /// `applied`, `merged` (an earlier time from another device kept) or `refused`.
    pub outcome: String,
    pub refusal: Option<String>,
    pub at: i64,
    pub person: String,
    pub person_id: Option<String>,
    pub note: String,
    pub correction: bool,
    pub user_id: UserId,
    pub user_name: String,
    pub recorded_at: i64,
}

/// A child on the roll of a day, with what is recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RollRow {
    pub child_id: ChildId,
    pub name: String,
    pub grade: String,
    pub in_at: Option<i64>,
    pub in_by: Option<String>,
    pub out_at: Option<i64>,
    pub out_by: Option<String>,
    pub absent_reason: Option<String>,
    pub corrected: Option<bool>,
    /// The child's valid pickup card, if one was issued.
    pub code: Option<String>,
    /// Enrolled now (not withdrawn since): a card is issued only to them.
    pub enrolled: bool,
}

/// Whose enrolment covers `$2` in class `$1`: enrolled, or withdrawn after being enrolled, from
/// the day they attend from (`attends_from`; none recorded: the class's start).
const ON_DAY: &str = "(ap.status = 'enrolled' OR ap.left_on IS NOT NULL) \
    AND (ap.attends_from IS NULL OR ap.attends_from <= $2) AND (ap.left_on IS NULL OR ap.left_on >= $2)";

/// The roll of a class on a day: every child enrolled that day, with their row if any.
pub async fn roll(db: &Db, class_id: &ClassId, day: &str) -> sqlx::Result<Vec<RollRow>> {
    let sql = format!(
        "SELECT ch.id AS child_id, ch.name, ch.grade, a.in_at, a.in_by, a.out_at, a.out_by, \
         a.absent_reason, a.corrected, pc.code, \
         CASE WHEN ap.status = 'enrolled' THEN TRUE ELSE FALSE END AS enrolled \
         FROM applications ap JOIN children ch ON ch.id = ap.child_id \
         LEFT JOIN attendance a ON a.class_id = ap.class_id AND a.day = $2 AND a.child_id = ap.child_id \
         LEFT JOIN pickup_cards pc ON pc.child_id = ap.child_id AND pc.revoked_at IS NULL \
         WHERE ap.class_id = $1 AND {ON_DAY}"
    );
    let sql = sqlx::AssertSqlSafe(sql);
    let mut rows: Vec<RollRow> =
        on_db!(db, p => sqlx::query_as(sql).bind(class_id).bind(day).fetch_all(p).await)?;
    // The same order on both backends (collations differ): by name, then id.
    rows.sort_by(|a, b| (&a.name, &a.child_id).cmp(&(&b.name, &b.child_id)));
    Ok(rows)
}

/// Whether `child_id` is enrolled in the class on `day`.
pub async fn enrolled_on(
    db: &Db,
    class_id: &ClassId,
    child_id: &ChildId,
    day: &str,
) -> sqlx::Result<bool> {
    let sql = format!(
        "SELECT COUNT(*) FROM applications ap WHERE ap.class_id = $1 AND ap.child_id = $3 AND {ON_DAY}"
    );
    let sql = sqlx::AssertSqlSafe(sql);
    let n: i64 = on_db!(db, p => sqlx::query_scalar(sql).bind(class_id).bind(day).bind(child_id).fetch_one(p).await)?;
    Ok(n > 0)
}

/// What decides whether a class operates on a day, in one query: the calendar's listed kind of
/// the day, the class's own record of it (closure or extra), and how many calendar entries the
/// day's year has (none: the year's official data is missing).
pub async fn day_facts(
    db: &Db,
    class_id: &ClassId,
    day: &str,
) -> sqlx::Result<(Option<String>, Option<String>, i64)> {
    const SQL: &str = "SELECT (SELECT kind FROM calendar_days WHERE day = $2), \
        (SELECT kind FROM class_days WHERE class_id = $1 AND day = $2), \
        (SELECT COUNT(*) FROM calendar_days WHERE day >= $3 AND day <= $4)";
    let year = day.get(0..4).unwrap_or("0000");
    let (lo, hi) = (format!("{year}-01-01"), format!("{year}-12-31"));
    on_db!(db, p => sqlx::query_as(SQL).bind(class_id).bind(day).bind(lo).bind(hi).fetch_one(p).await)
}

/// What a tap depends on, in one query: whether the child is on the class's roll that day, and
/// the day's facts as [`day_facts`] reads them.
pub async fn tap_facts(
    db: &Db,
    class_id: &ClassId,
    child_id: &ChildId,
    day: &str,
) -> sqlx::Result<(bool, (Option<String>, Option<String>, i64))> {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM applications ap WHERE ap.class_id = $1 AND ap.child_id = $5 \
         AND {ON_DAY}), (SELECT kind FROM calendar_days WHERE day = $2), \
         (SELECT kind FROM class_days WHERE class_id = $1 AND day = $2), \
         (SELECT COUNT(*) FROM calendar_days WHERE day >= $3 AND day <= $4)"
    );
    let year = day.get(0..4).unwrap_or("0000");
    let (lo, hi) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let (n, cal, class, entries): (i64, Option<String>, Option<String>, i64) = on_db!(db, p =>
        sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(class_id).bind(day).bind(&lo).bind(&hi)
            .bind(child_id).fetch_one(p).await)?;
    Ok((n > 0, (cal, class, entries)))
}

/// Who may collect a child: active pickup persons, and the guardians (id `guardian:<id>`).
pub async fn collectors(
    db: &Db,
    child_id: &ChildId,
) -> sqlx::Result<Vec<(String, String, String)>> {
    const SQL: &str = "SELECT id, name, relationship FROM pickup_persons \
        WHERE child_id = $1 AND active = TRUE \
        UNION ALL SELECT 'guardian:' || g.id, g.name, cg.relationship FROM child_guardians cg \
        JOIN guardians g ON g.id = cg.guardian_id WHERE cg.child_id = $1";
    on_db!(db, p => sqlx::query_as(SQL).bind(child_id).fetch_all(p).await)
}

const ROW_COLS: &str = "class_id, day, child_id, in_at, in_by, in_user, out_at, out_person_id, \
    out_by, out_user, absent_reason, corrected";

/// The child's row, locked for the rest of the transaction on PostgreSQL.
pub async fn row_in(
    tx: &mut Tx,
    class_id: &ClassId,
    day: &str,
    child_id: &ChildId,
) -> sqlx::Result<Option<Row>> {
    let base = format!(
        "SELECT {ROW_COLS} FROM attendance WHERE class_id = $1 AND day = $2 AND child_id = $3"
    );
    match tx {
        Tx::Sqlite(t, _) => {
            sqlx::query_as(sqlx::AssertSqlSafe(base))
                .bind(class_id)
                .bind(day)
                .bind(child_id)
                .fetch_optional(&mut **t)
                .await
        }
        Tx::Pg(t) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{base} FOR UPDATE")))
                .bind(class_id)
                .bind(day)
                .bind(child_id)
                .fetch_optional(&mut **t)
                .await
        }
    }
}

/// Writes the child's row (insert or replace).
pub async fn save_row(tx: &mut Tx, r: &Row, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO attendance (class_id, day, child_id, in_at, in_by, in_user, out_at, \
        out_person_id, out_by, out_user, absent_reason, corrected, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
        ON CONFLICT (class_id, day, child_id) DO UPDATE SET in_at = excluded.in_at, \
        in_by = excluded.in_by, in_user = excluded.in_user, out_at = excluded.out_at, \
        out_person_id = excluded.out_person_id, out_by = excluded.out_by, \
        out_user = excluded.out_user, absent_reason = excluded.absent_reason, \
        corrected = excluded.corrected, updated_at = excluded.updated_at";
    on_tx!(tx, c => sqlx::query(SQL).bind(r.class_id).bind(&r.day).bind(r.child_id)
        .bind(r.in_at).bind(&r.in_by).bind(r.in_user).bind(r.out_at).bind(&r.out_person_id)
        .bind(&r.out_by).bind(r.out_user).bind(&r.absent_reason).bind(r.corrected).bind(now)
        .execute(&mut *c).await.map(|_| ()))
}

const EVENT_COLS: &str = "id, class_id, day, child_id, action, outcome, refusal, at, person, \
    person_id, note, correction, user_id, user_name, recorded_at";

pub async fn insert_event(tx: &mut Tx, e: &Event) -> sqlx::Result<()> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO attendance_events ({EVENT_COLS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    ));
    on_tx!(tx, c => sqlx::query(sql).bind(&e.id).bind(e.class_id).bind(&e.day).bind(e.child_id)
        .bind(&e.action).bind(&e.outcome).bind(&e.refusal).bind(e.at).bind(&e.person)
        .bind(&e.person_id).bind(&e.note).bind(e.correction).bind(e.user_id).bind(&e.user_name)
        .bind(e.recorded_at).execute(&mut *c).await.map(|_| ()))
}

/// The class's taps that were refused or corrected from `from_day` on, newest first (what the
/// class manager reviews).
pub async fn notable_events(
    db: &Db,
    class_id: &ClassId,
    from_day: &str,
) -> sqlx::Result<Vec<Event>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {EVENT_COLS} FROM attendance_events WHERE class_id = $1 AND day >= $2 \
         AND (outcome = 'refused' OR correction = TRUE) ORDER BY recorded_at DESC, id DESC LIMIT 200"
    ));
    on_db!(db, p => sqlx::query_as(sql).bind(class_id).bind(from_day).fetch_all(p).await)
}

/// A child's enrolment span in a class: (child id, name, attends_from, left_on).
pub type SpanRow = (ChildId, String, Option<String>, Option<String>);

/// Every child ever enrolled in the class, with their span.
pub async fn spans(db: &Db, class_id: &ClassId) -> sqlx::Result<Vec<SpanRow>> {
    const SQL: &str = "SELECT ch.id, ch.name, ap.attends_from, ap.left_on FROM applications ap \
        JOIN children ch ON ch.id = ap.child_id WHERE ap.class_id = $1 \
        AND (ap.status = 'enrolled' OR ap.left_on IS NOT NULL)";
    let mut rows: Vec<SpanRow> =
        on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_all(p).await)?;
    rows.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    Ok(rows)
}

/// The marks of a class between two days: (child id, day, arrived, absence reason).
pub type Mark = (ChildId, String, bool, Option<String>);

/// [`marks`] packs each child's days into one string (`day`, `+` when arrived, the reason), so
/// a class of 50 children over 30 days crosses from the database as 50 rows, not 1,500.
const MARKS: &str = "SELECT child_id, {agg}(day || CASE WHEN in_at IS NULL THEN '' ELSE '+' END \
    || COALESCE(absent_reason, ''), ',') FROM attendance \
    WHERE class_id = $1 AND day >= $2 AND day <= $3 GROUP BY child_id";

pub async fn marks(db: &Db, class_id: &ClassId, from: &str, to: &str) -> sqlx::Result<Vec<Mark>> {
    let agg = match db {
        Db::Sqlite(_) => "group_concat",
        Db::Pg(_) => "string_agg",
    };
    let sql = MARKS.replace("{agg}", agg);
    let packed: Vec<(ChildId, String)> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(class_id).bind(from).bind(to).fetch_all(p).await)?;
    Ok(packed
        .into_iter()
        .flat_map(|(child, days)| {
            days.split(',')
                .filter(|d| d.len() >= 10 && d.is_char_boundary(10))
                .map(|d| {
                    let (day, rest) = d.split_at(10);
                    let (arrived, reason) = match rest.strip_prefix('+') {
                        Some(r) => (true, r),
                        None => (false, rest),
                    };
                    let reason = (!reason.is_empty()).then(|| reason.to_string());
                    (child, day.to_string(), arrived, reason)
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

/// One child's marks in a class (for the guardian's view).
pub async fn marks_of_child(
    db: &Db,
    class_id: &ClassId,
    child_id: &ChildId,
) -> sqlx::Result<Vec<Row>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ROW_COLS} FROM attendance WHERE class_id = $1 AND child_id = $2 ORDER BY day"
    ));
    on_db!(db, p => sqlx::query_as(sql).bind(class_id).bind(child_id).fetch_all(p).await)
}

/// One child's stored day in a class, if anything is recorded (primary key lookup).
pub async fn day_of_child(
    db: &Db,
    class_id: &ClassId,
    child_id: &ChildId,
    day: &str,
) -> sqlx::Result<Option<Row>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {ROW_COLS} FROM attendance WHERE class_id = $1 AND day = $2 AND child_id = $3"
    ));
    on_db!(db, p => sqlx::query_as(sql).bind(class_id).bind(day).bind(child_id).fetch_optional(p).await)
}

/// Who may collect each child enrolled in the class: (child id, collector id, name, relationship),
/// pickup persons and guardians as in [`collectors`], for the whole roll in one query.
pub async fn collectors_of_class(
    db: &Db,
    class_id: &ClassId,
) -> sqlx::Result<Vec<(ChildId, String, String, String)>> {
    const SQL: &str = "SELECT pp.child_id, pp.id, pp.name, pp.relationship FROM pickup_persons pp \
        JOIN applications ap ON ap.child_id = pp.child_id WHERE ap.class_id = $1 \
        AND pp.active = TRUE AND (ap.status = 'enrolled' OR ap.left_on IS NOT NULL) \
        UNION ALL SELECT cg.child_id, 'guardian:' || g.id, g.name, cg.relationship \
        FROM child_guardians cg JOIN guardians g ON g.id = cg.guardian_id \
        JOIN applications ap ON ap.child_id = cg.child_id WHERE ap.class_id = $1 \
        AND (ap.status = 'enrolled' OR ap.left_on IS NOT NULL)";
    on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_all(p).await)
}

/// The rules (JSON) of the class's programme.
pub async fn rules_of(db: &Db, class_id: &ClassId) -> sqlx::Result<String> {
    const SQL: &str = "SELECT p.rules FROM programmes p JOIN classes c ON c.programme_id = p.id \
        WHERE c.id = $1";
    on_db!(db, p => sqlx::query_scalar(SQL).bind(class_id).fetch_one(p).await)
}

/// Children enrolled now, and how many of them are kindergarten children.
pub async fn enrolled_counts(db: &Db, class_id: &ClassId) -> sqlx::Result<(i64, i64)> {
    const SQL: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN kindergarten THEN 1 ELSE 0 END), 0) \
        FROM applications WHERE class_id = $1 AND status = 'enrolled'";
    on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_one(p).await)
}

/// Incidents recorded for the class, and whether any was a safety incident.
pub async fn incident_counts(db: &Db, class_id: &ClassId) -> sqlx::Result<(i64, i64)> {
    const SQL: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN safety THEN 1 ELSE 0 END), 0) \
        FROM incidents WHERE class_id = $1";
    on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_one(p).await)
}

/// The classes a child is or was enrolled in.
pub async fn classes_of_child(db: &Db, child_id: &ChildId) -> sqlx::Result<Vec<ClassId>> {
    const SQL: &str = "SELECT class_id FROM applications WHERE child_id = $1 \
        AND (status = 'enrolled' OR left_on IS NOT NULL) ORDER BY applied_at";
    on_db!(db, p => sqlx::query_scalar(SQL).bind(child_id).fetch_all(p).await)
}

/// The rows of many child-days at once, locked on PostgreSQL: (class id, day, child id) each.
pub async fn rows_in(tx: &mut Tx, keys: &[super::writer::Pk]) -> sqlx::Result<Vec<Row>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new(&format!("SELECT {ROW_COLS} FROM attendance WHERE ")).any_key(
        &["class_id", "day", "child_id"],
        keys.iter()
            .map(|(class, day, child)| [Arg::from(class), Arg::from(day), Arg::from(child)]),
    );
    if matches!(tx, Tx::Pg(_)) {
        q = q.push(" FOR UPDATE");
    }
    q.fetch_all_tx(tx).await
}

/// Writes many rows (insert or replace), one statement.
pub async fn save_rows(tx: &mut Tx, rows: &[&Row], now: i64) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    Sql::new(&format!(
        "INSERT INTO attendance ({ROW_COLS}, updated_at) VALUES "
    ))
    .rows(rows.iter().map(|r| {
        [
            Arg::from(&r.class_id),
            Arg::from(&r.day),
            Arg::from(&r.child_id),
            Arg::from(r.in_at),
            Arg::from(&r.in_by),
            Arg::from(&r.in_user),
            Arg::from(r.out_at),
            Arg::from(&r.out_person_id),
            Arg::from(&r.out_by),
            Arg::from(&r.out_user),
            Arg::from(&r.absent_reason),
            Arg::from(r.corrected),
            Arg::from(now),
        ]
    }))
    .push(
        " ON CONFLICT (class_id, day, child_id) DO UPDATE SET in_at = excluded.in_at, \
             in_by = excluded.in_by, in_user = excluded.in_user, out_at = excluded.out_at, \
             out_person_id = excluded.out_person_id, out_by = excluded.out_by, \
             out_user = excluded.out_user, absent_reason = excluded.absent_reason, \
             corrected = excluded.corrected, updated_at = excluded.updated_at",
    )
    .execute(tx)
    .await
    .map(|_| ())
}

/// Records many taps, one statement.
pub async fn insert_events(tx: &mut Tx, events: &[Event]) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    Sql::new(&format!(
        "INSERT INTO attendance_events ({EVENT_COLS}) VALUES "
    ))
    .rows(events.iter().map(|e| {
        [
            Arg::from(&e.id),
            Arg::from(&e.class_id),
            Arg::from(&e.day),
            Arg::from(&e.child_id),
            Arg::from(&e.action),
            Arg::from(&e.outcome),
            Arg::from(&e.refusal),
            Arg::from(e.at),
            Arg::from(&e.person),
            Arg::from(&e.person_id),
            Arg::from(&e.note),
            Arg::from(e.correction),
            Arg::from(&e.user_id),
            Arg::from(&e.user_name),
            Arg::from(e.recorded_at),
        ]
    }))
    .execute(tx)
    .await
    .map(|_| ())
}
