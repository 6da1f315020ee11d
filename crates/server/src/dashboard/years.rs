//! Year on year (issue 16; Dalian's "winter classes 9× 2021 by 2025"): the same federation's
//! programmes of the same season in earlier years, each read from its maintained figures for the
//! dashboard's root — one row per year, never a recount.

use serde::Serialize;

use super::tallies::{self, ClassTally};
use crate::db::{Db, Sql};
use crate::ids::{OrgId, ProgrammeId};
use crate::programmes::Programme;

/// One year's figures of a subtree, for the same season.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct YearFigures {
    pub programme_id: ProgrammeId,
    pub programme_name: String,
    pub year: i64,
    /// Units hosting an approved, running or closed class.
    pub participating_units: i64,
    /// Classes approved, running or closed.
    pub classes_open: i64,
    /// Their places.
    pub capacity: i64,
    pub children: i64,
    pub families: i64,
}

/// At most this many years are compared (the dashboard reads one row per year).
const YEARS: i64 = 10;

/// The programme's season year by year, earliest first, up to and including `p` itself: the
/// programmes the same federation opened for the same season, with `root`'s figures in each.
pub async fn of(db: &Db, p: &Programme, root: &OrgId) -> sqlx::Result<Vec<YearFigures>> {
    let mut programmes: Vec<(ProgrammeId, String, i64)> =
        Sql::new("SELECT id, name, year FROM programmes WHERE org_id = ")
            .bind(p.org_id)
            .push(" AND season = ")
            .bind(p.season.as_str())
            .push(" AND year <= ")
            .bind(p.year)
            .push(" ORDER BY year DESC, created_at DESC LIMIT ")
            .bind(YEARS)
            .fetch_all(db)
            .await?;
    // One programme a year: the latest opened, should a federation have opened two.
    programmes.dedup_by_key(|x| x.2);
    programmes.reverse();
    let mut out = Vec::with_capacity(programmes.len());
    for (id, name, year) in programmes {
        let t = tallies::class_figures(db, &id, &[*root])
            .await?
            .remove(root)
            .unwrap_or_else(|| ClassTally::none(id, *root));
        out.push(YearFigures {
            programme_id: id,
            programme_name: name,
            year,
            participating_units: t.participating,
            classes_open: t.approved + t.running + t.closed,
            capacity: t.capacity,
            children: t.children,
            families: t.families,
        });
    }
    Ok(out)
}
