//! The rules of compiled reports, shared by the HTML and JSON handlers: who may read one, how it
//! compiles (own classes plus approved subordinates), when it freezes, and marking a subordinate
//! missing.

use chrono::NaiveDate;
use tuoguan_domain::programme::milestone_status;

use super::{Compiled, Figures, NOT_RECORDED, ReportView, Subject, UnitLine, compile, store};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Scope};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{MilestoneId, OrgId, ProgrammeId};
use crate::orgs;
use crate::programmes::attachments;
use crate::programmes::submissions::{self, Submission};
use crate::programmes::{self, Milestone, Programme, service as programmes_service};

/// A milestone of a programme the caller sees, or 404.
async fn milestone(
    state: &AppState,
    user: &CurrentUser,
    programme_id: &ProgrammeId,
    milestone_id: &MilestoneId,
) -> Result<(Programme, Milestone), AppError> {
    let p = programmes_service::visible(state, user, programme_id).await?;
    let m = programmes::milestones_of(&state.db, std::slice::from_ref(&p))
        .await?
        .into_iter()
        .find(|m| m.id == *milestone_id)
        .ok_or(AppError::NotFound)?;
    Ok((p, m))
}

/// The report of `org_id` (by default the unit the caller reports for, else the programme's own
/// federation) for a report milestone: the organisation must lie in the caller's scope and in
/// the programme's subtree, or the answer is 404.
pub async fn subject(
    state: &AppState,
    user: &CurrentUser,
    programme_id: &ProgrammeId,
    milestone_id: &MilestoneId,
    org_id: Option<&OrgId>,
) -> Result<Subject, AppError> {
    let s = any_subject(state, user, programme_id, milestone_id, org_id).await?;
    match super::is_report(&s.m) {
        true => Ok(s),
        false => Err(AppError::NotFound),
    }
}

/// As [`subject`], for a milestone of any kind (a work plan too): whose submission is read.
pub async fn any_subject(
    state: &AppState,
    user: &CurrentUser,
    programme_id: &ProgrammeId,
    milestone_id: &MilestoneId,
    org_id: Option<&OrgId>,
) -> Result<Subject, AppError> {
    let (p, m) = milestone(state, user, programme_id, milestone_id).await?;
    let scope = user.scope(Capability::ViewOrgs).ok_or(AppError::NotFound)?;
    let own_unit = || {
        user.acting_orgs(Capability::SubmitPlans)
            .into_iter()
            .filter_map(|g| g.org_id)
            .next()
    };
    let id = match org_id {
        Some(id) => *id,
        None => own_unit().unwrap_or(p.org_id),
    };
    let org = orgs::get(&state.db, &scope, &id)
        .await?
        .filter(|o| o.path.starts_with(&p.org_path))
        .ok_or(AppError::NotFound)?;
    Ok(Subject { p, m, org })
}

/// The organisation's latest version for the milestone.
async fn latest(state: &AppState, s: &Subject) -> Result<Option<Submission>, AppError> {
    Ok(submissions::of_unit(state, &s.p, &s.org.id)
        .await?
        .into_iter()
        .filter(|x| x.milestone_id == s.m.id)
        .max_by_key(|x| x.version))
}

/// The report compiled now: own classes over the period up to `today`, each direct subordinate's
/// standing, and the approved ones' frozen figures added in.
pub async fn compile_live(
    state: &AppState,
    s: &Subject,
    today: NaiveDate,
) -> Result<Compiled, AppError> {
    let (from, to) = super::period(&s.m);
    let as_of = compile::as_of(to, today);
    let own = compile::own(state, &s.p, &s.m, &s.org.id, (from, as_of)).await?;
    let subs: Vec<_> = orgs::children_in(&state.db, &Scope::All, &s.org.id)
        .await?
        .into_iter()
        .filter(|o| o.active)
        .collect();
    let ids: Vec<OrgId> = subs.iter().map(|o| o.id).collect();
    let versions: Vec<Submission> = submissions::of_units(&state.db, &s.p, &ids)
        .await?
        .into_iter()
        .filter(|x| x.milestone_id == s.m.id)
        .collect();
    let latest = submissions::latest_versions(&versions);
    let approved: Vec<_> = latest
        .values()
        .filter(|x| x.status == "approved")
        .map(|x| x.id)
        .collect();
    let frozen = store::snapshots(&state.db, &approved).await?;
    let exempt = store::exemptions(&state.db, &s.m.id, &ids).await?;
    let mut total = own.clone();
    let units = subs
        .into_iter()
        .map(|o| {
            let last = latest.get(&(o.id, s.m.id)).copied();
            let figures: Option<Figures> = last
                .filter(|x| x.status == "approved")
                .and_then(|x| frozen.iter().find(|f| f.0 == x.id))
                .map(|f| f.1.total.clone());
            let reason = exempt
                .iter()
                .find(|e| e.org_id == o.id)
                .map(|e| e.reason.clone());
            let due = s.m.due_date.parse().unwrap_or(today);
            let standing = milestone_status(due, today, last.and_then(Submission::state));
            let status = match (&figures, &reason) {
                (None, Some(_)) => "exempted".to_string(),
                _ => serde_json::to_value(standing)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            };
            if let Some(f) = &figures {
                total.add(f);
            }
            UnitLine {
                org_id: o.id,
                org_name: o.name,
                status,
                submission_id: last.map(|x| x.id),
                figures,
                reason: reason.filter(|_| last.is_none_or(|x| x.status != "approved")),
            }
        })
        .collect();
    Ok(Compiled {
        period_from: from.map(|d| d.to_string()),
        period_to: to.to_string(),
        as_of: as_of.to_string(),
        min_attendance_pct: s.p.rules()?.min_attendance_pct,
        own,
        total,
        units,
    })
}

/// The report as the caller reads it: frozen once submitted, compiled live before.
pub async fn view(state: &AppState, s: &Subject) -> Result<ReportView, AppError> {
    let latest = latest(state, s).await?;
    let sent = latest
        .as_ref()
        .filter(|x| x.status == "submitted" || x.status == "approved");
    let snapshot = match sent {
        Some(x) => store::snapshots(&state.db, &[x.id]).await?.pop(),
        None => None,
    };
    let (compiled, taken_at) = match snapshot {
        Some((_, c, at)) => (c, Some(at)),
        None => (
            compile_live(state, s, crate::calendar::today()).await?,
            None,
        ),
    };
    let (db, m, org) = (&state.db, &s.m.id, &s.org.id);
    let attachments = attachments::of_version(db, m, org, latest.as_ref()).await?;
    Ok(ReportView {
        attachments,
        programme_id: s.p.id,
        milestone_id: s.m.id,
        kind: s.m.kind.clone(),
        due_date: s.m.due_date.clone(),
        org_id: s.org.id,
        org_name: s.org.name.clone(),
        submission_id: latest.as_ref().map(|x| x.id),
        status: latest.as_ref().map(|x| x.status.clone()),
        narrative: latest.map(|x| x.narrative).unwrap_or_default(),
        frozen: taken_at.is_some(),
        taken_at,
        attendance: compiled.total.rate(compiled.min_attendance_pct),
        outstanding: compiled.outstanding(),
        compiled,
        not_recorded: NOT_RECORDED.iter().map(|s| s.to_string()).collect(),
    })
}

/// The figures a submission of the report is made with: refused (naming how many) while a direct
/// subordinate is neither approved nor marked missing.
pub async fn to_freeze(
    state: &AppState,
    p: &Programme,
    m: &Milestone,
    org: &orgs::Org,
) -> Result<Compiled, AppError> {
    let s = Subject {
        p: p.clone(),
        m: m.clone(),
        org: org.clone(),
    };
    let c = compile_live(state, &s, crate::calendar::today()).await?;
    match c.outstanding() {
        0 => Ok(c),
        n => Err(AppError::Validation(vec![FieldError {
            field: "subordinates",
            msg: Msg::new("report.subordinates_outstanding").arg("count", n),
        }])),
    }
}

/// A subordinate of the report's organisation that the caller supervises, or 404/403.
async fn supervised(
    state: &AppState,
    user: &CurrentUser,
    s: &Subject,
    unit: &OrgId,
) -> Result<orgs::Org, AppError> {
    let scope = user
        .scope(Capability::Supervise)
        .ok_or(AppError::NotFound)?;
    let org = orgs::get(&state.db, &scope, unit)
        .await?
        .filter(|o| o.path.starts_with(&s.p.org_path))
        .ok_or(AppError::NotFound)?;
    if !scope.strictly_contains(&org.path) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

/// Marks a subordinate unit missing from a report, with the reason (the level above only). A
/// unit whose report is approved is in the sum and cannot be marked.
pub async fn mark_missing(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    (programme_id, milestone_id): (&ProgrammeId, &MilestoneId),
    unit: &OrgId,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "report.reason_required"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "report.reason_too_long"));
    }
    let s = subject(state, user, programme_id, milestone_id, Some(unit)).await?;
    let org = supervised(state, user, &s, unit).await?;
    if latest(state, &s)
        .await?
        .is_some_and(|x| x.status == "approved")
    {
        return Err(AppError::Conflict(Msg::new("report.already_approved")));
    }
    let mut tx = state.db.begin().await?;
    store::put_exemption(
        &mut tx,
        &s.m.id,
        &org.id,
        reason,
        &user.username,
        crate::now(),
    )
    .await?;
    journal(&mut tx, (user, client), "report.mark_missing", &s, &org).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a "missing" mark off (the level above only); 404 when there was none.
pub async fn unmark_missing(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    (programme_id, milestone_id): (&ProgrammeId, &MilestoneId),
    unit: &OrgId,
) -> Result<(), AppError> {
    let s = subject(state, user, programme_id, milestone_id, Some(unit)).await?;
    let org = supervised(state, user, &s, unit).await?;
    let mut tx = state.db.begin().await?;
    if !store::delete_exemption(&mut tx, &s.m.id, &org.id).await? {
        return Err(AppError::NotFound);
    }
    journal(&mut tx, (user, client), "report.unmark_missing", &s, &org).await?;
    tx.commit().await?;
    Ok(())
}

/// The audit entry of a mark put on or taken off.
async fn journal(
    tx: &mut crate::db::Tx,
    (user, client): (&CurrentUser, &Client),
    action: &'static str,
    s: &Subject,
    org: &orgs::Org,
) -> Result<(), AppError> {
    let entry = Entry::by(user, action, "org")
        .target(org.id)
        .detail(format!("{} {}", s.m.kind, s.m.due_date));
    Ok(audit::record(tx, &entry, client).await?)
}

/// The latest approved monthly report of each of `orgs` in programme `p`: (its due day, its
/// frozen figures). What a dashboard shows of attendance by subordinate: the month each one's
/// report covers, as the level above approved it.
pub async fn latest_approved_months(
    db: &crate::db::Db,
    p: &Programme,
    orgs: &[OrgId],
) -> Result<std::collections::HashMap<OrgId, (String, Compiled)>, AppError> {
    let months = store::approved_monthly(db, &p.id, orgs).await?;
    let mut latest: std::collections::HashMap<OrgId, (String, crate::ids::SubmissionId)> =
        std::collections::HashMap::new();
    for (org, due, id) in months {
        let slot = latest.entry(org).or_insert((due.clone(), id));
        if due > slot.0 {
            *slot = (due, id);
        }
    }
    let ids: Vec<_> = latest.values().map(|v| v.1).collect();
    let frozen = store::snapshots(db, &ids).await?;
    Ok(latest
        .into_iter()
        .filter_map(|(org, (due, id))| {
            let c = frozen.iter().find(|f| f.0 == id)?.1.clone();
            Some((org, (due, c)))
        })
        .collect())
}

/// Keeps the figures a report was submitted with (called in the submission's transaction).
pub use store::put_snapshot as freeze;
