//! Money figures kept for the dashboards (issue 18): per class, planned, received and spent by
//! line (`source:<code>`, `category:<code>`) in `class_fund_totals`, recounted from the class's
//! plan and ledger whenever either is written; per organisation and programme, the same for its
//! subtree in `fund_tallies`, refreshed up the tree like the class tallies (its own approved,
//! running and closed classes plus its children's rows), so a dashboard reads one row per line
//! and per subordinate unit whatever the size of the tree.

use std::collections::HashMap;

use crate::db::{Db, Sql, Tx};
use crate::ids::{ClassId, OrgId, ProgrammeId};
use crate::{on_db, on_tx};

/// A class's lines from its plan and ledger, counted from scratch (`{filter}`: which classes).
const RECOUNT_CLASS: &str = "SELECT class_id, line, CAST(SUM(p) AS BIGINT), CAST(SUM(r) AS BIGINT), \
    CAST(SUM(s) AS BIGINT) FROM ( \
        SELECT class_id, line, planned_fen AS p, 0 AS r, 0 AS s FROM budget_lines {filter} \
        UNION ALL \
        SELECT class_id, 'source:' || source, 0, \
            CASE WHEN direction = 'receipt' THEN amount_fen ELSE 0 END, \
            CASE WHEN direction = 'payment' THEN amount_fen ELSE 0 END FROM ledger_entries {filter} \
        UNION ALL \
        SELECT class_id, 'category:' || category, 0, 0, amount_fen FROM ledger_entries {filter2} \
    ) x GROUP BY class_id, line";

fn recount_sql(one_class: bool) -> String {
    let (filter, filter2) = match one_class {
        true => (
            "WHERE class_id = $1",
            "WHERE class_id = $1 AND direction = 'payment'",
        ),
        false => ("", "WHERE direction = 'payment'"),
    };
    RECOUNT_CLASS
        .replace("{filter2}", filter2)
        .replace("{filter}", filter)
}

const COLS: &str = "class_id, line, planned_fen, received_fen, spent_fen";

/// One organisation's rows: its own counted classes plus its direct children's rows.
const REFRESH_ORG: [&str; 2] = [
    "DELETE FROM fund_tallies WHERE programme_id = $1 AND org_id = $2",
    "INSERT INTO fund_tallies (programme_id, org_id, line, planned_fen, received_fen, spent_fen) \
     SELECT $1, $2, line, CAST(SUM(p) AS BIGINT), CAST(SUM(r) AS BIGINT), CAST(SUM(s) AS BIGINT) FROM ( \
        SELECT t.line, t.planned_fen AS p, t.received_fen AS r, t.spent_fen AS s \
        FROM class_fund_totals t JOIN classes c ON c.id = t.class_id \
        WHERE c.programme_id = $1 AND c.host_org_id = $2 \
          AND c.status IN ('approved', 'running', 'closed') \
        UNION ALL \
        SELECT f.line, f.planned_fen, f.received_fen, f.spent_fen \
        FROM fund_tallies f JOIN orgs o ON o.id = f.org_id \
        WHERE f.programme_id = $1 AND o.parent_id = $2 \
     ) x GROUP BY line",
];

/// Refreshes `org_id`'s rows in the programme (called for each level, deepest first, by
/// `tallies::refresh_classes`).
pub async fn refresh_org(tx: &mut Tx, programme: &ProgrammeId, org_id: &str) -> sqlx::Result<()> {
    for sql in REFRESH_ORG {
        on_tx!(tx, x => sqlx::query(sql).bind(programme).bind(org_id).execute(&mut *x).await.map(|_| ()))?;
    }
    Ok(())
}

/// After classes' plans or ledgers were written: their lines counted again, then the chains
/// above their hosts, each organisation once, deepest first.
pub async fn classes_changed(tx: &mut Tx, classes: &[ClassId]) -> sqlx::Result<()> {
    let insert = format!(
        "INSERT INTO class_fund_totals ({COLS}) {}",
        recount_sql(true)
    );
    const HOST: &str = "SELECT c.programme_id, o.path FROM classes c \
        JOIN orgs o ON o.id = c.host_org_id WHERE c.id = $1";
    let mut chains: Vec<(ProgrammeId, String)> = Vec::new();
    for class_id in classes {
        let host: Option<(ProgrammeId, String)> = on_tx!(tx, x => {
            sqlx::query("DELETE FROM class_fund_totals WHERE class_id = $1").bind(class_id)
                .execute(&mut *x).await?;
            sqlx::query(sqlx::AssertSqlSafe(insert.clone())).bind(class_id).execute(&mut *x).await?;
            sqlx::query_as(HOST).bind(class_id).fetch_optional(&mut *x).await
        })?;
        chains.extend(host);
    }
    // Each (programme, organisation) once, the deepest levels first.
    let mut levels: Vec<(usize, ProgrammeId, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (programme, path) in &chains {
        let ids = path.split('/').filter(|s| !s.is_empty());
        for (depth, id) in ids.enumerate() {
            if seen.insert((*programme, id.to_string())) {
                levels.push((depth, *programme, id.to_string()));
            }
        }
    }
    levels.sort_by_key(|l| std::cmp::Reverse(l.0));
    for (_, programme, org) in &levels {
        refresh_org(tx, programme, org).await?;
    }
    Ok(())
}

/// Every class's lines and every organisation's rows counted from scratch (bulk loads).
pub async fn rebuild(tx: &mut Tx) -> sqlx::Result<()> {
    let classes = format!(
        "INSERT INTO class_fund_totals ({COLS}) {}",
        recount_sql(false)
    );
    let orgs = "INSERT INTO fund_tallies (programme_id, org_id, line, planned_fen, received_fen, spent_fen) \
        WITH RECURSIVE up(host, org) AS ( \
            SELECT DISTINCT host_org_id, host_org_id FROM classes \
            UNION ALL \
            SELECT up.host, o.parent_id FROM up JOIN orgs o ON o.id = up.org WHERE o.parent_id IS NOT NULL) \
        SELECT c.programme_id, up.org, t.line, CAST(SUM(t.planned_fen) AS BIGINT), \
            CAST(SUM(t.received_fen) AS BIGINT), CAST(SUM(t.spent_fen) AS BIGINT) \
        FROM up JOIN classes c ON c.host_org_id = up.host JOIN class_fund_totals t ON t.class_id = c.id \
        WHERE c.status IN ('approved', 'running', 'closed') \
        GROUP BY c.programme_id, up.org, t.line";
    on_tx!(tx, x => {
        sqlx::query("DELETE FROM class_fund_totals").execute(&mut *x).await?;
        sqlx::query("DELETE FROM fund_tallies").execute(&mut *x).await?;
        sqlx::query(sqlx::AssertSqlSafe(classes)).execute(&mut *x).await?;
        sqlx::query(orgs).execute(&mut *x).await.map(|_| ())
    })
}

/// (planned, received, spent) of one line.
pub type Figures = (i64, i64, i64);

/// A class's lines as kept.
pub async fn of_class(db: &Db, class_id: &ClassId) -> sqlx::Result<HashMap<String, Figures>> {
    const SQL: &str = "SELECT line, planned_fen, received_fen, spent_fen FROM class_fund_totals \
        WHERE class_id = $1";
    let rows: Vec<(String, i64, i64, i64)> =
        on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|(l, a, b, c)| (l, (a, b, c)))
        .collect())
}

/// An organisation's subtree lines in a programme, as kept.
pub async fn of_org(
    db: &Db,
    programme: &ProgrammeId,
    org: &OrgId,
) -> sqlx::Result<HashMap<String, Figures>> {
    const SQL: &str = "SELECT line, planned_fen, received_fen, spent_fen FROM fund_tallies \
        WHERE programme_id = $1 AND org_id = $2";
    let rows: Vec<(String, i64, i64, i64)> =
        on_db!(db, p => sqlx::query_as(SQL).bind(programme).bind(org).fetch_all(p).await)?;
    Ok(rows
        .into_iter()
        .map(|(l, a, b, c)| (l, (a, b, c)))
        .collect())
}

/// Each of `orgs`' subtree totals over the sources (planned, received, spent) in a programme.
pub async fn totals_of(
    db: &Db,
    programme: &ProgrammeId,
    orgs: &[OrgId],
) -> sqlx::Result<HashMap<OrgId, Figures>> {
    if orgs.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(OrgId, i64, i64, i64)> = Sql::new(
        "SELECT org_id, CAST(SUM(planned_fen) AS BIGINT), CAST(SUM(received_fen) AS BIGINT), \
         CAST(SUM(spent_fen) AS BIGINT) FROM fund_tallies WHERE line LIKE 'source:%' \
         AND programme_id = ",
    )
    .bind(programme)
    .push(" AND org_id IN (")
    .list(orgs.iter().copied())
    .push(") GROUP BY org_id")
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(o, a, b, c)| (o, (a, b, c)))
        .collect())
}

/// Every row as stored and as a recount gives it, for the test holding them equal.
pub async fn drift(db: &Db) -> sqlx::Result<Vec<String>> {
    type R = (ProgrammeId, OrgId, String, i64, i64, i64);
    const STORED: &str = "SELECT programme_id, org_id, line, planned_fen, received_fen, spent_fen \
        FROM fund_tallies WHERE planned_fen <> 0 OR received_fen <> 0 OR spent_fen <> 0 \
        ORDER BY programme_id, org_id, line";
    let stored: Vec<R> = on_db!(db, p => sqlx::query_as(STORED).fetch_all(p).await)?;
    let mut tx = db.begin().await?;
    rebuild(&mut tx).await?;
    let again: Vec<R> = on_tx!(&mut tx, x => sqlx::query_as(STORED).fetch_all(&mut *x).await)?;
    drop(tx); // rolled back: the recount was only to compare
    Ok(match stored == again {
        true => Vec::new(),
        false => vec![format!(
            "fund tallies: {} stored rows, {} recounted",
            stored.len(),
            again.len()
        )],
    })
}
