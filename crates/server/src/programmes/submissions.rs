//! 报送 — what units submit against a programme's milestones: the work plan (工作方案: objectives,
//! measures, funding, supervision) and narrative reports. Versions are kept: a returned submission is
//! revised as a new version; the level above approves or returns with comments.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use tuoguan_domain::programme::{MilestoneKind, SubmissionState};

use super::{Milestone, Programme, service, store as pstore};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Sql, Tx};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{MilestoneId, OrgId, ProgrammeId, SubmissionId};
use crate::orgs;
use crate::{on_db, on_tx};

crate::closed_set! {
    /// Where one version of a submission stands.
    pub enum SubmissionStatus {
        Draft = "draft",
        Submitted = "submitted",
        Approved = "approved",
        Returned = "returned",
    }
}

/// One version of a unit's submission for a milestone.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Submission {
    pub id: SubmissionId,
    pub milestone_id: MilestoneId,
    pub org_id: OrgId,
    pub version: i64,
    #[schema(value_type = SubmissionStatus)]
    pub status: String,
    pub objectives: String,
    pub measures: String,
    pub funding: String,
    pub supervision: String,
    pub narrative: String,
    pub submitted_at: Option<i64>,
    pub submitted_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    /// The reviewer's comment when returned or approved.
    pub comment: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Submission {
    pub fn state(&self) -> Option<SubmissionState> {
        match self.status.as_str() {
            "draft" => Some(SubmissionState::Draft),
            "submitted" => Some(SubmissionState::Submitted),
            "approved" => Some(SubmissionState::Approved),
            "returned" => Some(SubmissionState::Returned),
            _ => None,
        }
    }
}

/// The text a unit writes; `submit` sends it upward, otherwise it stays a draft.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubmissionInput {
    /// The unit submitting (defaults to the caller's own unit).
    #[serde(default)]
    pub org_id: Option<OrgId>,
    #[serde(default)]
    pub objectives: String,
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub funding: String,
    #[serde(default)]
    pub supervision: String,
    #[serde(default)]
    pub narrative: String,
    #[serde(default)]
    pub submit: bool,
}

/// A reviewer's decision.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[schema(as = ReviewDecision)]
pub struct Decision {
    /// Required when returning: what to fix.
    #[serde(default)]
    pub comment: String,
}

const COLS: &str = "s.id, s.milestone_id, s.org_id, s.version, s.status, s.objectives, s.measures, s.funding, \
    s.supervision, s.narrative, s.submitted_at, s.submitted_by, s.decided_at, s.decided_by, s.comment, s.created_at, s.updated_at";

/// The latest version of each (unit, milestone)'s submission, found in one pass: a national
/// programme has tens of thousands of units and as many submissions, too many to search per cell.
pub fn latest_versions(subs: &[Submission]) -> HashMap<(OrgId, MilestoneId), &Submission> {
    let mut latest: HashMap<(OrgId, MilestoneId), &Submission> = HashMap::new();
    for s in subs {
        let slot = latest.entry((s.org_id, s.milestone_id)).or_insert(s);
        if s.version > slot.version {
            *slot = s;
        }
    }
    latest
}

/// Every version of every unit's submissions for a programme (already read through a scoped query).
pub async fn of_programme(db: &Db, p: &Programme) -> sqlx::Result<Vec<Submission>> {
    read(db, p, None).await
}

/// Every version of the submissions of these units for a programme.
pub async fn of_units(db: &Db, p: &Programme, units: &[OrgId]) -> sqlx::Result<Vec<Submission>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    read(db, p, Some(units)).await
}

/// A programme's submissions, of `units` only when given, by unit, milestone and version.
async fn read(db: &Db, p: &Programme, units: Option<&[OrgId]>) -> sqlx::Result<Vec<Submission>> {
    let mut q = Sql::new(&format!(
        "SELECT {COLS} FROM submissions s JOIN milestones m ON m.id = s.milestone_id \
         WHERE m.programme_id = "
    ))
    .bind(p.id);
    if let Some(units) = units {
        q = q
            .push(" AND s.org_id IN (")
            .list(units.iter().copied())
            .push(")");
    }
    q.push(" ORDER BY s.org_id, s.milestone_id, s.version")
        .fetch_all(db)
        .await
}

async fn get(db: &Db, id: &SubmissionId) -> sqlx::Result<Option<(Submission, ProgrammeId)>> {
    let sql = format!(
        "SELECT {COLS}, m.programme_id FROM submissions s JOIN milestones m ON m.id = s.milestone_id WHERE s.id = $1"
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        s: Submission,
        programme_id: ProgrammeId,
    }
    let row: Option<Row> =
        on_db!(db, c => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    Ok(row.map(|r| (r.s, r.programme_id)))
}

async fn insert(tx: &mut Tx, s: &Submission) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO submissions (id, milestone_id, org_id, version, status, objectives, measures, \
        funding, supervision, narrative, submitted_at, submitted_by, comment, created_at, updated_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'',$13,$13)";
    on_tx!(tx, c => sqlx::query(SQL).bind(s.id).bind(s.milestone_id).bind(s.org_id).bind(s.version).bind(&s.status)
        .bind(&s.objectives).bind(&s.measures).bind(&s.funding).bind(&s.supervision).bind(&s.narrative)
        .bind(s.submitted_at).bind(&s.submitted_by).bind(s.created_at).execute(&mut *c).await.map(|_| ()))?;
    // Whether the unit's report is done may have changed: the home page's overdue count.
    crate::dashboard::tallies::submission_changed(tx, &s.milestone_id, &s.org_id).await
}

async fn update_text(tx: &mut Tx, s: &Submission) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE submissions SET status = $2, objectives = $3, measures = $4, funding = $5, \
        supervision = $6, narrative = $7, submitted_at = $8, submitted_by = $9, updated_at = $10 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(SQL).bind(s.id).bind(&s.status).bind(&s.objectives).bind(&s.measures)
        .bind(&s.funding).bind(&s.supervision).bind(&s.narrative).bind(s.submitted_at).bind(&s.submitted_by)
        .bind(s.updated_at).execute(&mut *c).await.map(|_| ()))?;
    // Whether the unit's report is done may have changed: the home page's overdue count.
    crate::dashboard::tallies::submission_changed(tx, &s.milestone_id, &s.org_id).await
}

async fn decide(tx: &mut Tx, s: &Submission) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE submissions SET status = $2, decided_at = $3, decided_by = $4, comment = $5, \
        updated_at = $3 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(SQL).bind(s.id).bind(&s.status).bind(s.decided_at).bind(&s.decided_by)
        .bind(&s.comment).execute(&mut *c).await.map(|_| ()))?;
    // Whether the unit's report is done may have changed: the home page's overdue count.
    crate::dashboard::tallies::submission_changed(tx, &s.milestone_id, &s.org_id).await
}

/// The unit a user submits for: the given one if they hold SubmitPlans there, else their first.
fn acting_unit(user: &CurrentUser, org_id: Option<&OrgId>) -> Result<OrgId, AppError> {
    let grants = user.acting_orgs(Capability::SubmitPlans);
    let pick = match org_id {
        Some(id) => grants.iter().find(|g| g.org_id.as_ref() == Some(id)),
        None => grants.first(),
    };
    pick.and_then(|g| g.org_id).ok_or(AppError::Forbidden)
}

/// The programme, its milestone and the unit the caller writes that milestone's submission for:
/// `org_id` if they hold SubmitPlans there (else their first such unit), below the programme's
/// federation.
pub(super) async fn reporting_unit(
    state: &AppState,
    user: &CurrentUser,
    programme_id: &ProgrammeId,
    milestone_id: &MilestoneId,
    org_id: Option<OrgId>,
) -> Result<(Programme, Milestone, orgs::Org), AppError> {
    let p = service::visible(state, user, programme_id).await?;
    let unit = acting_unit(user, org_id.as_ref())?;
    let m = pstore::milestones(&state.db, &p)
        .await?
        .into_iter()
        .find(|m| m.id == *milestone_id)
        .ok_or(AppError::NotFound)?;
    let org = orgs::get(&state.db, &crate::auth::Scope::All, &unit)
        .await?
        .ok_or(AppError::NotFound)?;
    if !org.path.starts_with(&p.org_path) || org.path == p.org_path {
        let msg = Msg::new("submission.not_below_programme");
        return Err(AppError::BadRequest(msg));
    }
    Ok((p, m, org))
}

/// Saves (and optionally submits) the unit's text for a milestone. A draft is edited in place; after
/// a decision a new version starts; an approved or pending submission cannot be changed.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    programme_id: &ProgrammeId,
    milestone_id: &MilestoneId,
    input: &SubmissionInput,
) -> Result<Submission, AppError> {
    let (p, m, org) = reporting_unit(state, user, programme_id, milestone_id, input.org_id).await?;
    let mut errors = Vec::new();
    let clean = |s: &str, field: &'static str, errors: &mut Vec<FieldError>| {
        let t = s.trim().to_string();
        if t.chars().count() > 20_000 {
            errors.push(FieldError::new(field, "submission.too_long"));
        }
        t
    };
    let (objectives, measures, funding, supervision, narrative) = (
        clean(&input.objectives, "objectives", &mut errors),
        clean(&input.measures, "measures", &mut errors),
        clean(&input.funding, "funding", &mut errors),
        clean(&input.supervision, "supervision", &mut errors),
        clean(&input.narrative, "narrative", &mut errors),
    );
    if input.submit {
        if m.kind() == Some(MilestoneKind::WorkPlan) {
            for (v, f) in [
                (&objectives, "objectives"),
                (&measures, "measures"),
                (&funding, "funding"),
                (&supervision, "supervision"),
            ] {
                if v.is_empty() {
                    errors.push(FieldError::new(f, "submission.required"));
                }
            }
        } else if narrative.is_empty() {
            errors.push(FieldError::new("narrative", "submission.required"));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    // A compiled report is sent with the figures it shows, frozen (reports/).
    let frozen = match input.submit && crate::reports::is_report(&m) {
        true => Some(crate::reports::service::to_freeze(state, &p, &m, &org).await?),
        false => None,
    };
    let all = of_programme(&state.db, &p).await?;
    let latest = all
        .iter()
        .filter(|s| s.milestone_id == m.id && s.org_id == org.id)
        .max_by_key(|s| s.version)
        .cloned();
    let now = crate::now();
    let status = if input.submit { "submitted" } else { "draft" }.to_string();
    let (submitted_at, submitted_by) = if input.submit {
        (Some(now), Some(user.username.clone()))
    } else {
        (None, None)
    };
    let mut tx = state.db.begin().await?;
    let s = match latest {
        Some(s) if s.status == "submitted" || s.status == "approved" => {
            return Err(AppError::Conflict(Msg::new(if s.status == "approved" {
                "submission.already_approved"
            } else {
                "submission.pending"
            })));
        }
        Some(s) if s.status == "draft" => {
            let s = Submission {
                status,
                objectives,
                measures,
                funding,
                supervision,
                narrative,
                submitted_at,
                submitted_by,
                updated_at: now,
                ..s
            };
            update_text(&mut tx, &s).await?;
            s
        }
        prev => {
            let s = Submission {
                id: SubmissionId::new(),
                milestone_id: m.id,
                org_id: org.id,
                version: prev.map_or(1, |p| p.version + 1),
                status,
                objectives,
                measures,
                funding,
                supervision,
                narrative,
                submitted_at,
                submitted_by,
                decided_at: None,
                decided_by: None,
                comment: String::new(),
                created_at: now,
                updated_at: now,
            };
            insert(&mut tx, &s).await?;
            s
        }
    };
    if let Some(c) = &frozen {
        crate::reports::service::freeze(&mut tx, &s.id, c, now).await?;
    }
    if input.submit {
        super::attachments::send(&mut tx, &s).await?;
    }
    let action = if input.submit {
        "submission.submit"
    } else {
        "submission.save"
    };
    let detail = format!("{} {} v{}", org.name, m.kind, s.version);
    audit::record(
        &mut tx,
        &Entry::by(user, action, "submission")
            .target(s.id)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// Approves or returns a submitted version. Only a federation above the unit, inside the programme's
/// subtree, decides; a return needs a comment saying what to fix.
pub async fn review(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &SubmissionId,
    approve: bool,
    comment: &str,
) -> Result<Submission, AppError> {
    let (s, programme_id) = get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let p = service::visible(state, user, &programme_id).await?;
    let scope = user
        .scope(Capability::Supervise)
        .ok_or(AppError::NotFound)?;
    let org = orgs::get(&state.db, &scope, &s.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !scope.strictly_contains(&org.path) || !org.path.starts_with(&p.org_path) {
        return Err(AppError::Forbidden);
    }
    let comment = comment.trim().to_string();
    if !approve && comment.is_empty() {
        return Err(AppError::field("comment", "submission.comment_required"));
    }
    if s.status != "submitted" {
        return Err(AppError::Conflict(Msg::new("submission.not_submitted")));
    }
    let now = crate::now();
    let s = Submission {
        status: if approve { "approved" } else { "returned" }.into(),
        decided_at: Some(now),
        decided_by: Some(user.username.clone()),
        comment,
        updated_at: now,
        ..s
    };
    let mut tx = state.db.begin().await?;
    decide(&mut tx, &s).await?;
    let action = if approve {
        "submission.approve"
    } else {
        "submission.return"
    };
    audit::record(
        &mut tx,
        &Entry::by(user, action, "submission")
            .target(s.id)
            .detail(s.comment.clone()),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(s)
}

/// A unit's own submissions for a programme (all versions), for its work-plan page.
pub async fn of_unit(
    state: &AppState,
    p: &Programme,
    unit: &OrgId,
) -> Result<Vec<Submission>, AppError> {
    Ok(of_units(&state.db, p, &[*unit]).await?)
}

/// A submission the caller may see (its unit is in their scope, or it is their own unit's).
pub async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &SubmissionId,
) -> Result<(Submission, Programme), AppError> {
    let (s, programme_id) = get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let p = service::visible(state, user, &programme_id).await?;
    let scope = user.scope(Capability::ViewOrgs).ok_or(AppError::NotFound)?;
    orgs::get(&state.db, &scope, &s.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((s, p))
}
