//! Child-days by day (issue 16): for every class and day, the child-days expected (each enrolled
//! child on each operating day of its enrolment, PRODUCT.md §6) and the children checked in; and
//! the same summed for every organisation's subtree and programme, so a dashboard reads a season's
//! line and its subordinates' attendance from a few rows per unit, never from the attendance table.
//!
//! A class's rows are computed again from its records whenever what they count from changes (an
//! enrolment, a withdrawal, a first day, a closure or extra day, the class's dates, the calendar);
//! a check-in adds one to its class's row and to each row up its host's chain in the tap's own
//! transaction. An organisation's rows are its own classes' plus its children's, refreshed up the
//! chain with the class figures ([`super::tallies::refresh_classes`]), so moves follow for free.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sqlx::AssertSqlSafe;
use tuoguan_domain::calendar::{DayKind, WorkCalendar};
use tuoguan_domain::operating_days::operating_dates;

use crate::db::{Arg, Db, Sql, Tx};
use crate::ids::{ChildId, ClassId, OrgId, ProgrammeId};
use crate::{on_db, on_tx};

/// Expected child-days by day, from a class's operating days and its children's spans.
pub fn expected_by_day(
    operating: &[NaiveDate],
    spans: &[(NaiveDate, NaiveDate)],
) -> BTreeMap<NaiveDate, i64> {
    operating
        .iter()
        .map(|d| {
            (
                *d,
                spans.iter().filter(|(f, t)| f <= d && d <= t).count() as i64,
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// What a class's rows are computed from, read in the caller's transaction.
struct Basis {
    start: NaiveDate,
    end: NaiveDate,
    programme_id: ProgrammeId,
    path: String,
}

async fn basis(tx: &mut Tx, class: &ClassId) -> sqlx::Result<Option<Basis>> {
    const SQL: &str = "SELECT c.start_date, c.end_date, c.programme_id, o.path FROM classes c \
        JOIN orgs o ON o.id = c.host_org_id WHERE c.id = $1";
    let row: Option<(String, String, ProgrammeId, String)> =
        on_tx!(tx, x => sqlx::query_as(SQL).bind(class).fetch_optional(&mut *x).await)?;
    Ok(row.and_then(|(s, e, programme_id, path)| {
        Some(Basis {
            start: s.parse().ok()?,
            end: e.parse().ok()?,
            programme_id,
            path,
        })
    }))
}

/// The class's operating days (none while the calendar lacks one of its years, as the class's
/// own attendance figures say).
async fn operating(tx: &mut Tx, class: &ClassId, b: &Basis) -> sqlx::Result<Vec<NaiveDate>> {
    let (from, to) = (b.start.to_string(), b.end.to_string());
    const YEARS: &str = "SELECT DISTINCT substr(day, 1, 4) FROM calendar_days";
    let years: Vec<String> = on_tx!(tx, x => sqlx::query_scalar(YEARS).fetch_all(&mut *x).await)?;
    let (fy, ty) = (from[..4].to_string(), to[..4].to_string());
    let known = |y: &String| years.contains(y);
    if !known(&fy) || !known(&ty) {
        return Ok(Vec::new());
    }
    const CAL: &str = "SELECT day, kind FROM calendar_days WHERE day >= $1 AND day <= $2";
    let cal: Vec<(String, String)> =
        on_tx!(tx, x => sqlx::query_as(CAL).bind(&from).bind(&to).fetch_all(&mut *x).await)?;
    let cal = WorkCalendar::new(
        cal.iter()
            .filter_map(|(d, k)| Some((d.parse().ok()?, DayKind::parse(k)?))),
    );
    const DAYS: &str = "SELECT day, kind FROM class_days WHERE class_id = $1";
    let days: Vec<(String, String)> =
        on_tx!(tx, x => sqlx::query_as(DAYS).bind(class).fetch_all(&mut *x).await)?;
    let pick = |k: &str| -> Vec<NaiveDate> {
        days.iter()
            .filter(|d| d.1 == k)
            .filter_map(|d| d.0.parse().ok())
            .collect()
    };
    Ok(operating_dates(
        &cal,
        b.start,
        b.end,
        &pick("closure"),
        &pick("extra"),
    ))
}

/// The enrolment spans of the class's children, clipped to the class's dates.
async fn spans(
    tx: &mut Tx,
    class: &ClassId,
    b: &Basis,
) -> sqlx::Result<Vec<(NaiveDate, NaiveDate)>> {
    const SQL: &str = "SELECT attends_from, left_on FROM applications WHERE class_id = $1 \
        AND (status = 'enrolled' OR left_on IS NOT NULL)";
    let rows: Vec<(Option<String>, Option<String>)> =
        on_tx!(tx, x => sqlx::query_as(SQL).bind(class).fetch_all(&mut *x).await)?;
    Ok(rows
        .iter()
        .map(|(on, left)| clip((b.start, b.end), on, left))
        .collect())
}

/// A child's span in a class: from its first day (the class's start if none) to the day it left
/// (the class's end if it did not), within the class's dates.
fn clip(
    (start, end): (NaiveDate, NaiveDate),
    on: &Option<String>,
    left: &Option<String>,
) -> (NaiveDate, NaiveDate) {
    let day = |s: &Option<String>| s.as_deref().and_then(|d| d.parse::<NaiveDate>().ok());
    let from = day(on).map_or(start, |d| d.max(start));
    let to = day(left).map_or(end, |d| d.min(end));
    (from, to)
}

/// A class's rows from its records: by day, (child-days expected, children checked in).
async fn class_rows(
    tx: &mut Tx,
    class: &ClassId,
) -> sqlx::Result<Option<(Basis, BTreeMap<String, (i64, i64)>)>> {
    let Some(b) = basis(tx, class).await? else {
        return Ok(None);
    };
    let expected = expected_by_day(
        &operating(tx, class, &b).await?,
        &spans(tx, class, &b).await?,
    );
    const PRESENT: &str = "SELECT day, CAST(COUNT(*) AS BIGINT) FROM attendance \
        WHERE class_id = $1 AND in_at IS NOT NULL GROUP BY day";
    let present: Vec<(String, i64)> =
        on_tx!(tx, x => sqlx::query_as(PRESENT).bind(class).fetch_all(&mut *x).await)?;
    let mut rows: BTreeMap<String, (i64, i64)> = expected
        .into_iter()
        .map(|(d, n)| (d.to_string(), (n, 0)))
        .collect();
    for (d, n) in present {
        rows.entry(d).or_default().1 = n;
    }
    Ok(Some((b, rows)))
}

/// Recomputes the rows of `classes` from their records and refreshes their hosts' chains.
pub async fn classes_changed(tx: &mut Tx, classes: &[ClassId]) -> sqlx::Result<()> {
    let mut chains: Vec<(ProgrammeId, String)> = Vec::new();
    for class in classes {
        let Some((b, rows)) = class_rows(tx, class).await? else {
            continue;
        };
        write_class(tx, class, &rows).await?;
        if !chains.contains(&(b.programme_id, b.path.clone())) {
            chains.push((b.programme_id, b.path));
        }
    }
    for (programme, path) in chains {
        super::tallies::refresh_classes(tx, &programme, &path).await?;
    }
    Ok(())
}

async fn write_class(
    tx: &mut Tx,
    class: &ClassId,
    rows: &BTreeMap<String, (i64, i64)>,
) -> sqlx::Result<()> {
    const DELETE: &str = "DELETE FROM class_day_tallies WHERE class_id = $1";
    on_tx!(tx, x => sqlx::query(DELETE).bind(class).execute(&mut *x).await.map(|_| ()))?;
    for chunk in rows.iter().collect::<Vec<_>>().chunks(200) {
        Sql::new("INSERT INTO class_day_tallies (class_id, day, expected, present) VALUES ")
            .rows(chunk.iter().map(|(d, (e, p))| {
                vec![
                    Arg::from(class),
                    Arg::from(d.as_str()),
                    Arg::from(*e),
                    Arg::from(*p),
                ]
            }))
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// After applications of these children changed: their classes' rows.
pub async fn children_changed(tx: &mut Tx, children: &[ChildId]) -> sqlx::Result<()> {
    if children.is_empty() {
        return Ok(());
    }
    let classes: Vec<(ClassId,)> =
        Sql::new("SELECT DISTINCT class_id FROM applications WHERE child_id IN (")
            .list(children.iter().copied())
            .push(")")
            .fetch_all_tx(tx)
            .await?;
    let classes: Vec<ClassId> = classes.into_iter().map(|c| c.0).collect();
    classes_changed(tx, &classes).await
}

/// After calendar days between `from` and `to` changed: the classes running over them.
pub async fn calendar_changed(tx: &mut Tx, from: &str, to: &str) -> sqlx::Result<()> {
    const SQL: &str = "SELECT id FROM classes WHERE start_date <= $2 AND end_date >= $1";
    let classes: Vec<ClassId> =
        on_tx!(tx, x => sqlx::query_scalar(SQL).bind(from).bind(to).fetch_all(&mut *x).await)?;
    classes_changed(tx, &classes).await
}

/// A check-in recorded (+1) or taken back by a correction (−1), with where its class counts.
pub struct Arrival<'a> {
    pub class_id: ClassId,
    pub programme_id: ProgrammeId,
    /// The class's host's materialised path, as read with the class for the tap.
    pub host_path: &'a str,
    pub day: &'a str,
    pub change: i64,
}

/// After check-ins were recorded or taken back: their classes' rows and every row up their
/// hosts' chains, in two statements whatever the batch. (A class moved to another host while a
/// tap was in flight counts that arrival under its old host until its chains are next refreshed.)
pub async fn present_changed(tx: &mut Tx, arrivals: &[Arrival<'_>]) -> sqlx::Result<()> {
    let mut by_class: BTreeMap<(ClassId, &str), i64> = BTreeMap::new();
    let mut by_org: BTreeMap<(ProgrammeId, OrgId, &str), i64> = BTreeMap::new();
    for a in arrivals.iter().filter(|a| a.change != 0) {
        *by_class.entry((a.class_id, a.day)).or_default() += a.change;
        for org in a
            .host_path
            .split('/')
            .filter_map(|s| s.parse::<OrgId>().ok())
        {
            *by_org.entry((a.programme_id, org, a.day)).or_default() += a.change;
        }
    }
    if by_class.is_empty() {
        return Ok(());
    }
    Sql::new("INSERT INTO class_day_tallies (class_id, day, expected, present) VALUES ")
        .rows(by_class.iter().map(|((c, day), d)| {
            vec![
                Arg::from(c),
                Arg::from(*day),
                Arg::from(0i64),
                Arg::from(*d),
            ]
        }))
        .push(
            " ON CONFLICT (class_id, day) DO UPDATE SET \
             present = class_day_tallies.present + excluded.present",
        )
        .execute(tx)
        .await?;
    if by_org.is_empty() {
        return Ok(());
    }
    Sql::new("INSERT INTO day_tallies (programme_id, org_id, day, expected, present) VALUES ")
        .rows(by_org.iter().map(|((p, o, day), d)| {
            vec![
                Arg::from(p),
                Arg::from(o),
                Arg::from(*day),
                Arg::from(0i64),
                Arg::from(*d),
            ]
        }))
        .push(
            " ON CONFLICT (programme_id, org_id, day) DO UPDATE SET \
             present = day_tallies.present + excluded.present",
        )
        .execute(tx)
        .await
        .map(|_| ())
}

/// One organisation's rows in a programme: its own classes' plus its children's, by day.
pub const REFRESH_ORG: [&str; 2] = [
    "DELETE FROM day_tallies WHERE programme_id = $1 AND org_id = $2",
    "INSERT INTO day_tallies (programme_id, org_id, day, expected, present) \
     SELECT $1, $2, s.day, CAST(SUM(s.e) AS BIGINT), CAST(SUM(s.p) AS BIGINT) FROM ( \
        SELECT t.day, t.expected AS e, t.present AS p FROM day_tallies t JOIN orgs o ON o.id = t.org_id \
          WHERE t.programme_id = $1 AND o.parent_id = $2 \
        UNION ALL \
        SELECT d.day, d.expected, d.present FROM class_day_tallies d JOIN classes k ON k.id = d.class_id \
          WHERE k.programme_id = $1 AND k.host_org_id = $2) s \
     GROUP BY s.day",
];

/// One day of a subtree's season.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct DayFigures {
    /// YYYY-MM-DD
    pub day: String,
    /// Child-days expected that day.
    pub expected: i64,
    /// Children checked in that day.
    pub present: i64,
}

/// The days of `root`'s subtree in a programme up to `until`, in order.
pub async fn of_root(
    db: &Db,
    programme: &ProgrammeId,
    root: &OrgId,
    until: &str,
) -> sqlx::Result<Vec<DayFigures>> {
    const SQL: &str = "SELECT day, expected, present FROM day_tallies \
        WHERE programme_id = $1 AND org_id = $2 AND day <= $3 ORDER BY day";
    on_db!(db, p => sqlx::query_as(SQL).bind(programme).bind(root).bind(until).fetch_all(p).await)
}

/// Each of `orgs`' (expected, present) child-days in a programme up to `until`.
pub async fn totals_of(
    db: &Db,
    programme: &ProgrammeId,
    orgs: &[OrgId],
    until: &str,
) -> sqlx::Result<HashMap<OrgId, (i64, i64)>> {
    if orgs.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(OrgId, i64, i64)> = Sql::new(
        "SELECT org_id, CAST(SUM(expected) AS BIGINT), CAST(SUM(present) AS BIGINT) FROM day_tallies \
         WHERE programme_id = ",
    )
    .bind(programme)
    .push(" AND day <= ")
    .bind(until)
    .push(" AND org_id IN (")
    .list(orgs.iter().copied())
    .push(") GROUP BY org_id")
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(o, e, p)| (o, (e, p))).collect())
}

/// Every class's rows computed again from the records, then every organisation's summed from
/// scratch: for bulk loads and the migration that introduced them. Reads a few hundred classes'
/// records a query (a national country's 45,000 classes in a minute, not one class a round trip).
pub async fn rebuild(tx: &mut Tx) -> sqlx::Result<()> {
    const CLASSES: &str = "SELECT id, start_date, end_date FROM classes ORDER BY id";
    let classes: Vec<(ClassId, String, String)> =
        on_tx!(tx, x => sqlx::query_as(CLASSES).fetch_all(&mut *x).await)?;
    const CAL: &str = "SELECT day, kind FROM calendar_days";
    let cal: Vec<(String, String)> = on_tx!(tx, x => sqlx::query_as(CAL).fetch_all(&mut *x).await)?;
    let years: std::collections::HashSet<&str> =
        cal.iter().filter_map(|(d, _)| d.get(..4)).collect();
    let calendar = WorkCalendar::new(
        cal.iter()
            .filter_map(|(d, k)| Some((d.parse().ok()?, DayKind::parse(k)?))),
    );
    on_tx!(tx, x => {
        sqlx::query("DELETE FROM day_tallies").execute(&mut *x).await?;
        sqlx::query("DELETE FROM class_day_tallies").execute(&mut *x).await.map(|_| ())
    })?;
    for chunk in classes.chunks(crate::db::MAX_BINDS - 1) {
        let ids = || chunk.iter().map(|c| c.0);
        let days: Vec<(ClassId, String, String)> =
            Sql::new("SELECT class_id, day, kind FROM class_days WHERE class_id IN (")
                .list(ids())
                .push(")")
                .fetch_all_tx(tx)
                .await?;
        let spans: Vec<(ClassId, Option<String>, Option<String>)> = Sql::new(
            "SELECT class_id, attends_from, left_on FROM applications WHERE class_id IN (",
        )
        .list(ids())
        .push(") AND (status = 'enrolled' OR left_on IS NOT NULL)")
        .fetch_all_tx(tx)
        .await?;
        let present: Vec<(ClassId, String, i64)> = Sql::new(
            "SELECT class_id, day, CAST(COUNT(*) AS BIGINT) FROM attendance WHERE class_id IN (",
        )
        .list(ids())
        .push(") AND in_at IS NOT NULL GROUP BY class_id, day")
        .fetch_all_tx(tx)
        .await?;
        let mut rows: Vec<(ClassId, String, i64, i64)> = Vec::new();
        for (id, start, end) in chunk {
            let (Ok(start), Ok(end)) = (start.parse::<NaiveDate>(), end.parse::<NaiveDate>())
            else {
                continue;
            };
            let known = |d: NaiveDate| years.contains(d.format("%Y").to_string().as_str());
            let operating = if known(start) && known(end) {
                let pick = |k: &str| -> Vec<NaiveDate> {
                    days.iter()
                        .filter(|d| d.0 == *id && d.2 == k)
                        .filter_map(|d| d.1.parse().ok())
                        .collect()
                };
                operating_dates(&calendar, start, end, &pick("closure"), &pick("extra"))
            } else {
                Vec::new()
            };
            let own: Vec<(NaiveDate, NaiveDate)> = spans
                .iter()
                .filter(|s| s.0 == *id)
                .map(|(_, on, left)| clip((start, end), on, left))
                .collect();
            let mut by_day: BTreeMap<String, (i64, i64)> = expected_by_day(&operating, &own)
                .into_iter()
                .map(|(d, n)| (d.to_string(), (n, 0)))
                .collect();
            for (_, d, n) in present.iter().filter(|p| p.0 == *id) {
                by_day.entry(d.clone()).or_default().1 = *n;
            }
            rows.extend(by_day.into_iter().map(|(d, (e, p))| (*id, d, e, p)));
        }
        for part in rows.chunks(crate::db::rows_per_statement(4)) {
            Sql::new("INSERT INTO class_day_tallies (class_id, day, expected, present) VALUES ")
                .rows(part.iter().map(|(c, d, e, p)| {
                    vec![Arg::from(c), Arg::from(d), Arg::from(*e), Arg::from(*p)]
                }))
                .execute(tx)
                .await?;
        }
    }
    let sql =
        format!("INSERT INTO day_tallies (programme_id, org_id, day, expected, present) {RECOUNT}");
    on_tx!(tx, x => sqlx::query(AssertSqlSafe(sql)).execute(&mut *x).await.map(|_| ()))
}

/// Every organisation's rows summed from the class rows: each host walks up its parents.
pub const RECOUNT: &str = "WITH RECURSIVE up(host, org) AS ( \
        SELECT DISTINCT host_org_id, host_org_id FROM classes \
        UNION ALL \
        SELECT up.host, o.parent_id FROM up JOIN orgs o ON o.id = up.org WHERE o.parent_id IS NOT NULL) \
    SELECT k.programme_id, up.org, d.day, CAST(SUM(d.expected) AS BIGINT), CAST(SUM(d.present) AS BIGINT) \
    FROM up JOIN classes k ON k.host_org_id = up.host JOIN class_day_tallies d ON d.class_id = k.id \
    GROUP BY k.programme_id, up.org, d.day";

/// Whether the stored rows equal a recount from the records (the tests' check): the class rows
/// computed again in a transaction that is rolled back, and the organisations' summed.
pub async fn drift(db: &Db) -> sqlx::Result<Vec<String>> {
    const STORED: &str = "SELECT programme_id, org_id, day, expected, present FROM day_tallies \
        WHERE expected <> 0 OR present <> 0 ORDER BY 1, 2, 3";
    type Row = (ProgrammeId, OrgId, String, i64, i64);
    let stored: Vec<Row> = on_db!(db, p => sqlx::query_as(STORED).fetch_all(p).await)?;
    let mut tx = db.begin().await?;
    rebuild(&mut tx).await?;
    let again: Vec<Row> = on_tx!(&mut tx, x => sqlx::query_as(STORED).fetch_all(&mut *x).await)?;
    // Dropped, not committed: the recount changes nothing.
    drop(tx);
    let mut out = Vec::new();
    for r in stored.iter().filter(|r| !again.contains(r)) {
        out.push(format!("stored, not recounted: {r:?}"));
    }
    for r in again.iter().filter(|r| !stored.contains(r)) {
        out.push(format!("recounted, not stored: {r:?}"));
    }
    Ok(out)
}
