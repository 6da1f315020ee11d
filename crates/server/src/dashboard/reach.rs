//! Children and families helped (issue 16), kept in `class_tallies` with the class figures.
//!
//! A child counts once per programme, at the class of its first application (by time applied)
//! among those it was enrolled in, enrolled now or withdrawn after enrolment; a family — children
//! whose guardians share a phone number, keyed by `children.family_key` — counts once, at its
//! first child's first such class. Each is counted in exactly one host's subtree, so a subtree's
//! rows add up to its total and a child in two consecutive classes is one child
//! (docs/REPORTS.md).
//!
//! Distinct counts do not add up level by level, but this assignment does: a host's own figure is
//! the applications whose child (family) has no earlier one in the programme, and each level above
//! sums its children's rows as the class figures do ([`super::tallies`]). What changes an
//! assignment — an application entering or leaving the counted set, a child's guardians changing
//! its family — refreshes the chains of every host its family has applications under.

use crate::db::{Sql, Tx};
use crate::ids::{ChildId, ProgrammeId};
use crate::on_tx;

/// Whether application `x` counts: enrolled now, or withdrawn after it was enrolled.
macro_rules! counted {
    ($x:literal) => {
        concat!(
            "(",
            $x,
            ".status = 'enrolled' OR ",
            $x,
            ".left_on IS NOT NULL)"
        )
    };
}

/// Application `b` came before application `ap` (time applied, then id: a strict order).
const EARLIER: &str =
    "(b.applied_at < ap.applied_at OR (b.applied_at = ap.applied_at AND b.id < ap.id))";

/// Counted applications to classes of programme `$1` hosted by `$2` whose child has no earlier
/// counted application in the programme: the host's own children.
pub fn own_children_sql() -> String {
    format!(
        "(SELECT COUNT(*) FROM applications ap JOIN classes k ON k.id = ap.class_id \
          WHERE k.programme_id = $1 AND k.host_org_id = $2 AND {ap} AND {first_of_child})",
        ap = counted!("ap"),
        first_of_child = first_of_child(),
    )
}

/// Of those, the ones whose family has no earlier counted application: the host's own families.
pub fn own_families_sql() -> String {
    format!(
        "(SELECT COUNT(*) FROM applications ap JOIN classes k ON k.id = ap.class_id \
          JOIN children ch ON ch.id = ap.child_id \
          WHERE k.programme_id = $1 AND k.host_org_id = $2 AND {ap} AND {first_of_child} \
          AND NOT EXISTS (SELECT 1 FROM children c2 JOIN applications b ON b.child_id = c2.id \
              JOIN classes kb ON kb.id = b.class_id WHERE c2.family_key = ch.family_key \
              AND kb.programme_id = $1 AND {b} AND {EARLIER}))",
        ap = counted!("ap"),
        b = counted!("b"),
        first_of_child = first_of_child(),
    )
}

fn first_of_child() -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM applications b JOIN classes kb ON kb.id = b.class_id \
         WHERE b.child_id = ap.child_id AND kb.programme_id = $1 AND {b} AND {EARLIER})",
        b = counted!("b"),
    )
}

/// Per class, from scratch: the children and families whose first counted application in the
/// class's programme is in that class (`class_id`, `children`, `families`).
pub const RECOUNT_BY_CLASS: &str = concat!(
    "(SELECT class_id, COUNT(*) AS children, SUM(CASE WHEN frn = 1 THEN 1 ELSE 0 END) AS families \
     FROM (SELECT ap.class_id, \
             ROW_NUMBER() OVER (PARTITION BY k.programme_id, ap.child_id ORDER BY ap.applied_at, ap.id) AS crn, \
             ROW_NUMBER() OVER (PARTITION BY k.programme_id, COALESCE(ch.family_key, ch.id) \
                                ORDER BY ap.applied_at, ap.id) AS frn \
           FROM applications ap JOIN classes k ON k.id = ap.class_id JOIN children ch ON ch.id = ap.child_id \
           WHERE ",
    counted!("ap"),
    ") f WHERE crn = 1 GROUP BY class_id)"
);

/// A child's family key as its guardians give it (see the migration `0012_reach_tallies`): the
/// first recorded guardian with the smallest of its guardians' phone numbers; none: itself.
const FAMILY_KEY: &str = "COALESCE((SELECT MIN(g2.id) FROM guardians g2 WHERE g2.phone = \
        (SELECT MIN(g.phone) FROM child_guardians cg JOIN guardians g ON g.id = cg.guardian_id \
         WHERE cg.child_id = children.id)), children.id)";

/// Sets the family key of every child that has none (children written around the services).
pub async fn fill_family_keys(tx: &mut Tx) -> sqlx::Result<()> {
    let sql = format!("UPDATE children SET family_key = {FAMILY_KEY} WHERE family_key IS NULL");
    on_tx!(tx, x => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *x).await.map(|_| ()))
}

/// The (programme, host path) of every application of the families of `children`.
async fn chains(tx: &mut Tx, children: &[ChildId]) -> sqlx::Result<Vec<(ProgrammeId, String)>> {
    if children.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in children.chunks(crate::db::MAX_BINDS / 2) {
        let rows: Vec<(ProgrammeId, String)> = Sql::new(
            "SELECT DISTINCT k.programme_id, o.path FROM applications b \
             JOIN classes k ON k.id = b.class_id JOIN orgs o ON o.id = k.host_org_id \
             WHERE b.child_id IN (SELECT id FROM children WHERE id IN (",
        )
        .list(chunk.iter().copied())
        .push(
            ") UNION SELECT c2.id FROM children c0 JOIN children c2 \
             ON c2.family_key = c0.family_key WHERE c0.id IN (",
        )
        .list(chunk.iter().copied())
        .push("))")
        .fetch_all_tx(tx)
        .await?;
        out.extend(rows);
    }
    out.sort();
    out.dedup();
    Ok(out)
}

async fn refresh(tx: &mut Tx, chains: &[(ProgrammeId, String)]) -> sqlx::Result<()> {
    for (programme, path) in chains {
        super::tallies::refresh_classes(tx, programme, path).await?;
    }
    Ok(())
}

/// After applications of `children` entered or left the counted set (enrolled, withdrawn).
pub async fn applications_changed(tx: &mut Tx, children: &[ChildId]) -> sqlx::Result<()> {
    let c = chains(tx, children).await?;
    refresh(tx, &c).await
}

/// After the guardians of `children` changed: their family keys are set again, and the hosts of
/// the families they left and joined refreshed.
pub async fn guardians_changed(tx: &mut Tx, children: &[ChildId]) -> sqlx::Result<()> {
    if children.is_empty() {
        return Ok(());
    }
    let mut c = chains(tx, children).await?;
    for chunk in children.chunks(crate::db::MAX_BINDS) {
        Sql::new(&format!(
            "UPDATE children SET family_key = {FAMILY_KEY} WHERE id IN ("
        ))
        .list(chunk.iter().copied())
        .push(")")
        .execute(tx)
        .await?;
    }
    c.extend(chains(tx, children).await?);
    c.sort();
    c.dedup();
    refresh(tx, &c).await
}
