//! SQL of the calendar table. The calendar is national data: no tenant scope applies.

use super::{DayView, YearSummary};
use crate::db::{Db, Tx};
use crate::ids::UserId;
use crate::{on_db, on_tx};

/// Holidays and make-up days between two dates (YYYY-MM-DD, both included).
pub async fn days_between(db: &Db, from: &str, to: &str) -> sqlx::Result<Vec<DayView>> {
    const SQL: &str = "SELECT day AS date, kind, name FROM calendar_days \
                       WHERE day >= $1 AND day <= $2 ORDER BY day";
    on_db!(db, p => sqlx::query_as::<_, (String, String, String)>(SQL).bind(from).bind(to).fetch_all(p).await)
        .map(|rows| rows.into_iter().map(|(date, kind, name)| DayView { date, kind, name }).collect())
}

/// The years that have entries, with counts.
pub async fn years(db: &Db) -> sqlx::Result<Vec<YearSummary>> {
    const SQL: &str = "SELECT substr(day, 1, 4) AS year, \
                       SUM(CASE WHEN kind = 'holiday' THEN 1 ELSE 0 END) AS holidays, \
                       SUM(CASE WHEN kind = 'workday' THEN 1 ELSE 0 END) AS workdays \
                       FROM calendar_days GROUP BY substr(day, 1, 4) ORDER BY year";
    on_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn upsert(tx: &mut Tx, d: &DayView, by: Option<&UserId>, now: i64) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO calendar_days (day, kind, name, updated_at, updated_by) \
                       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (day) DO UPDATE SET \
                       kind = excluded.kind, name = excluded.name, updated_at = excluded.updated_at, \
                       updated_by = excluded.updated_by";
    on_tx!(tx, c => sqlx::query(SQL).bind(&d.date).bind(&d.kind).bind(&d.name).bind(now).bind(by)
        .execute(&mut *c).await.map(|_| ()))
}

pub async fn delete(tx: &mut Tx, day: &str) -> sqlx::Result<u64> {
    on_tx!(tx, c => sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(day)
        .execute(&mut *c).await.map(|r| r.rows_affected()))
}

pub async fn delete_year(tx: &mut Tx, year: i32) -> sqlx::Result<u64> {
    let (lo, hi) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
    on_tx!(tx, c => sqlx::query("DELETE FROM calendar_days WHERE day >= $1 AND day <= $2")
        .bind(lo).bind(hi).execute(&mut *c).await.map(|r| r.rows_affected()))
}

/// Loads the shipped official data for every shipped year the table does not have yet, so an admin's
/// corrections are never overwritten. Runs after migrations.
pub async fn seed_shipped(db: &Db) -> anyhow::Result<usize> {
    let present: Vec<String> = years(db).await?.into_iter().map(|y| y.year).collect();
    let now = crate::now();
    let mut tx = db.begin().await?;
    let mut n = 0;
    for d in tuoguan_domain::calendar::shipped_days() {
        let year = d.date.format("%Y").to_string();
        if present.contains(&year) {
            continue;
        }
        let view = DayView {
            date: d.date.to_string(),
            kind: d.kind.as_str().into(),
            name: d.name,
        };
        upsert(&mut tx, &view, None, now).await?;
        n += 1;
    }
    // Classes over a year the calendar did not know had no operating days in it until now.
    if n > 0 {
        crate::dashboard::days::calendar_changed(&mut tx, "0000-01-01", "9999-12-31").await?;
    }
    tx.commit().await?;
    Ok(n)
}
