//! SQL of compiled reports: the records a unit's figures count, the frozen snapshots and the
//! subordinates marked missing.

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;

use super::Compiled;
use crate::db::{Db, JsonText, Sql, Tx};
use crate::ids::{ClassId, MilestoneId, OrgId, ProgrammeId, SubmissionId};
use crate::{on_db, on_tx};

/// Children and families counted at `host` itself (the rule of `dashboard::reach`).
pub async fn reach_of(db: &Db, programme: &ProgrammeId, host: &OrgId) -> sqlx::Result<(i64, i64)> {
    use crate::dashboard::reach::{own_children_sql, own_families_sql};
    let sql = format!("SELECT {}, {}", own_children_sql(), own_families_sql());
    on_db!(db, c => sqlx::query_as(AssertSqlSafe(sql)).bind(programme).bind(host).fetch_one(c).await)
}

/// The distinct (class, kind, day) of the classes' logs over `from..=to`.
pub async fn log_days(
    db: &Db,
    classes: &[ClassId],
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> sqlx::Result<Vec<(ClassId, String, NaiveDate)>> {
    let rows: Vec<(ClassId, String, String)> =
        Sql::new("SELECT DISTINCT class_id, kind, day FROM class_logs WHERE class_id IN (")
            .list(classes.iter().copied())
            .push(") AND day >= ")
            .bind(from.map_or(String::new(), |d| d.to_string()))
            .push(" AND day <= ")
            .bind(to.to_string())
            .push(" ORDER BY class_id, kind, day")
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(c, k, d)| Some((c, k, d.parse().ok()?)))
        .collect())
}

/// Incidents of the classes that occurred in `since..until` (Unix seconds), and the safety ones.
pub async fn incidents(
    db: &Db,
    classes: &[ClassId],
    since: i64,
    until: i64,
) -> sqlx::Result<(i64, i64)> {
    let (all, safety): (i64, Option<i64>) = Sql::new(
        "SELECT COUNT(*), SUM(CASE WHEN safety THEN 1 ELSE 0 END) FROM incidents WHERE class_id IN (",
    )
    .list(classes.iter().copied())
    .push(") AND occurred_at >= ")
    .bind(since)
    .push(" AND occurred_at < ")
    .bind(until)
    .fetch_one(db)
    .await?;
    Ok((all, safety.unwrap_or(0)))
}

/// Active staff of the classes, and those whose check is recorded done.
pub async fn staff(db: &Db, classes: &[ClassId]) -> sqlx::Result<(i64, i64)> {
    let (all, checked): (i64, Option<i64>) = Sql::new(
        "SELECT COUNT(*), SUM(CASE WHEN check_done_on IS NOT NULL THEN 1 ELSE 0 END) FROM staff \
         WHERE active = TRUE AND class_id IN (",
    )
    .list(classes.iter().copied())
    .push(")")
    .fetch_one(db)
    .await?;
    Ok((all, checked.unwrap_or(0)))
}

/// The money these classes booked from `from` (when given) to `to`: (source, direction, fen).
pub async fn funds(
    db: &Db,
    classes: &[ClassId],
    from: Option<chrono::NaiveDate>,
    to: chrono::NaiveDate,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    if classes.is_empty() {
        return Ok(Vec::new());
    }
    let from = from.map_or_else(String::new, |d| d.to_string());
    Sql::new(
        "SELECT source, direction, CAST(SUM(amount_fen) AS BIGINT) FROM ledger_entries \
         WHERE occurred_on >= ",
    )
    .bind(from)
    .push(" AND occurred_on <= ")
    .bind(to.to_string())
    .push(" AND class_id IN (")
    .list(classes.iter().copied())
    .push(") GROUP BY source, direction")
    .fetch_all(db)
    .await
}

/// Keeps the figures a submission was made with.
pub async fn put_snapshot(
    tx: &mut Tx,
    submission: &SubmissionId,
    c: &Compiled,
    at: i64,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO report_snapshots (submission_id, figures, taken_at) VALUES ($1, $2, $3) \
        ON CONFLICT (submission_id) DO UPDATE SET figures = excluded.figures, taken_at = excluded.taken_at";
    let json = JsonText::of(c);
    on_tx!(tx, t => sqlx::query(SQL).bind(submission).bind(&json).bind(at).execute(&mut *t).await.map(|_| ()))
}

/// The snapshots of these submissions: (submission, figures, taken at).
pub async fn snapshots(
    db: &Db,
    ids: &[SubmissionId],
) -> sqlx::Result<Vec<(SubmissionId, Compiled, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(SubmissionId, String, i64)> = Sql::new(
        "SELECT submission_id, figures, taken_at FROM report_snapshots WHERE submission_id IN (",
    )
    .list(ids.iter().copied())
    .push(")")
    .fetch_all(db)
    .await?;
    // A snapshot is written by this module only; one that does not parse is left out.
    Ok(rows
        .into_iter()
        .filter_map(|(id, json, at)| Some((id, JsonText(json).parse().ok()?, at)))
        .collect())
}

/// The approved monthly reports of `orgs` in a programme: (organisation, due day, submission).
pub async fn approved_monthly(
    db: &Db,
    programme: &ProgrammeId,
    orgs: &[OrgId],
) -> sqlx::Result<Vec<(OrgId, String, SubmissionId)>> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    Sql::new(
        "SELECT s.org_id, m.due_date, s.id FROM submissions s JOIN milestones m ON m.id = s.milestone_id \
         WHERE m.kind = 'monthly_report' AND s.status = 'approved' AND m.programme_id = ",
    )
    .bind(programme)
    .push(" AND s.org_id IN (")
    .list(orgs.iter().copied())
    .push(")")
    .fetch_all(db)
    .await
}

/// A subordinate marked missing for a report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Exemption {
    pub org_id: OrgId,
    pub reason: String,
}

pub async fn exemptions(
    db: &Db,
    milestone: &MilestoneId,
    orgs: &[OrgId],
) -> sqlx::Result<Vec<Exemption>> {
    if orgs.is_empty() {
        return Ok(Vec::new());
    }
    Sql::new("SELECT org_id, reason FROM report_exemptions WHERE milestone_id = ")
        .bind(milestone)
        .push(" AND org_id IN (")
        .list(orgs.iter().copied())
        .push(")")
        .fetch_all(db)
        .await
}

pub async fn put_exemption(
    tx: &mut Tx,
    milestone: &MilestoneId,
    org: &OrgId,
    reason: &str,
    by: &str,
    at: i64,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO report_exemptions (milestone_id, org_id, reason, marked_by, marked_at) \
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (milestone_id, org_id) DO UPDATE SET \
        reason = excluded.reason, marked_by = excluded.marked_by, marked_at = excluded.marked_at";
    on_tx!(tx, t => sqlx::query(SQL).bind(milestone).bind(org).bind(reason).bind(by).bind(at)
        .execute(&mut *t).await.map(|_| ()))
}

/// Takes a mark off; whether there was one.
pub async fn delete_exemption(
    tx: &mut Tx,
    milestone: &MilestoneId,
    org: &OrgId,
) -> sqlx::Result<bool> {
    const SQL: &str = "DELETE FROM report_exemptions WHERE milestone_id = $1 AND org_id = $2";
    on_tx!(tx, t => sqlx::query(SQL).bind(milestone).bind(org).execute(&mut *t).await.map(|r| r.rows_affected() > 0))
}
