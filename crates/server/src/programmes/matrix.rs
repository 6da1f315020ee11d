//! The milestone matrix — which unit has reported what — and its overdue count, read from the
//! maintained figures at any size.

use serde::Serialize;
use tuoguan_domain::programme::{MilestoneStatus, milestone_status};

use super::submissions::{Submission, latest_versions, of_units};
use super::{Milestone, Programme, store as pstore};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Scope};
use crate::db::{Db, Sql};
use crate::error::AppError;
use crate::ids::{MilestoneId, OrgId, SubmissionId};
use crate::orgs;

/// One unit's row of the milestone matrix.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitStatus {
    pub org_id: OrgId,
    pub org_name: String,
    /// One per milestone, in milestone order: not_started, draft, submitted, approved, returned, overdue
    #[schema(value_type = Vec<String>)]
    pub statuses: Vec<MilestoneStatus>,
    /// Latest submission id per milestone, if any.
    pub latest: Vec<Option<SubmissionId>>,
}

/// A page of the milestone matrix.
#[derive(Debug)]
pub struct Matrix {
    pub milestones: Vec<Milestone>,
    pub units: Vec<UnitStatus>,
    /// Overdue (unit, milestone) pairs over every unit of the matrix, not only this page's.
    pub overdue: i64,
}

/// The units below the programme's organisation that the caller may see, in tree order, a page of
/// them (`offset`, `limit`) with the status of every milestone, read from the page's units'
/// submissions only; and the overdue count over all of them, counted by the database. At national
/// size the whole matrix is 33,000 rows: no page reads them all.
pub async fn matrix(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    today: chrono::NaiveDate,
    (offset, limit): (i64, i64),
) -> Result<Matrix, AppError> {
    let milestones = pstore::milestones(&state.db, p).await?;
    let scope = user
        .scope(Capability::ViewOrgs)
        .ok_or(AppError::Forbidden)?
        .within(&p.org_path);
    let units = orgs::active_page(&state.db, &scope, &p.org_path, offset, limit).await?;
    let ids: Vec<OrgId> = units.iter().map(|u| u.id).collect();
    let subs = of_units(&state.db, p, &ids).await?;
    let latest_of = latest_versions(&subs);
    let due = |m: &Milestone| due_date(m, today);
    let units = units
        .into_iter()
        .map(|u| {
            let mut statuses = Vec::new();
            let mut latest_ids = Vec::new();
            for m in &milestones {
                let latest = latest_of.get(&(u.id, m.id)).copied();
                statuses.push(milestone_status(
                    due(m),
                    today,
                    latest.and_then(Submission::state),
                ));
                latest_ids.push(latest.map(|s| s.id));
            }
            UnitStatus {
                org_id: u.id,
                org_name: u.name,
                statuses,
                latest: latest_ids,
            }
        })
        .collect();
    let overdue = overdue_count(
        &state.db,
        &scope,
        &p.org_path,
        &past(&milestones, today),
        None,
    )
    .await?;
    Ok(Matrix {
        milestones,
        units,
        overdue,
    })
}

/// A milestone's due date (one that does not parse counts as due `today`).
fn due_date(m: &Milestone, today: chrono::NaiveDate) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(&m.due_date, "%Y-%m-%d").unwrap_or(today)
}

/// The milestones due before `today`.
fn past(milestones: &[Milestone], today: chrono::NaiveDate) -> Vec<MilestoneId> {
    milestones
        .iter()
        .filter(|m| due_date(m, today) < today)
        .map(|m| m.id)
        .collect()
}

/// The matrix's overdue count alone, from the programme's `milestones` already read (the home
/// page's item): the same function as [`matrix`], without the page of units.
/// `known`: a scope whose active organisations the caller has counted already (the home page's
/// organisation counts), used when it is the scope the count runs over.
pub async fn overdue(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    milestones: &[Milestone],
    today: chrono::NaiveDate,
    known: Option<&(Scope, i64)>,
) -> Result<i64, AppError> {
    let scope = user
        .scope(Capability::ViewOrgs)
        .ok_or(AppError::Forbidden)?
        .within(&p.org_path);
    let past = past(milestones, today);
    Ok(overdue_count(&state.db, &scope, &p.org_path, &past, known).await?)
}

/// Overdue pairs of the milestones past due: every unit of the matrix for each of them, less the
/// units whose latest version is submitted or approved (the rule of `milestone_status`). Read from
/// the maintained figures of the scope's roots (`org_tallies`, `milestone_tallies`), whatever the
/// size of the subtree; the programme's own federation, which the matrix leaves out, is taken off.
async fn overdue_count(
    db: &Db,
    scope: &Scope,
    root: &str,
    past: &[MilestoneId],
    known: Option<&(Scope, i64)>,
) -> sqlx::Result<i64> {
    use crate::dashboard::tallies;
    let Scope::Subtrees(paths) = scope else {
        // `Scope::within` always answers subtrees.
        return Ok(0);
    };
    if past.is_empty() || paths.is_empty() {
        return Ok(0);
    }
    let roots: Vec<OrgId> = paths.iter().filter_map(|p| OrgId::of_path(p)).collect();
    let units: i64 = match known {
        Some((counted, n)) if counted == scope => *n,
        _ => tallies::org_figures(db, &roots)
            .await?
            .values()
            .map(|t| t.by_kind().iter().sum::<i64>())
            .sum(),
    };
    let mut done = tallies::done_of(db, &roots, past).await?;
    let mut units = units;
    if paths.iter().any(|p| p == root)
        && let Some(id) = OrgId::of_path(root)
    {
        let (active, own_done) = own_done(db, &id, past).await?;
        units -= i64::from(active);
        done -= own_done;
    }
    Ok(units * past.len() as i64 - done)
}

/// Whether an organisation is active, and how many of `past` it has done itself (one query).
async fn own_done(db: &Db, org: &OrgId, past: &[MilestoneId]) -> sqlx::Result<(bool, i64)> {
    let (active, done): (bool, i64) = Sql::new(
        "SELECT o.active, (SELECT COUNT(*) FROM submissions x WHERE x.org_id = o.id \
         AND x.milestone_id IN (",
    )
    .list(past.iter().copied())
    .push(
        ") AND x.status IN ('submitted', 'approved') AND NOT EXISTS (SELECT 1 FROM submissions n \
         WHERE n.org_id = x.org_id AND n.milestone_id = x.milestone_id AND n.version > x.version)) \
         FROM orgs o WHERE o.id = ",
    )
    .bind(org)
    .fetch_one(db)
    .await?;
    Ok((active, if active { done } else { 0 }))
}
