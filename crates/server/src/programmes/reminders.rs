//! Milestone reminders: shown on the home page of a unit that still owes a submission, and queued
//! once per (milestone, unit) in the `outbox` table that an e-mail/SMS gateway drains later.

use chrono::NaiveDate;
use serde::Serialize;
use tuoguan_domain::programme::{MilestoneStatus, reminder_due};

use super::submissions::{self, Submission};
use super::{Programme, store as pstore};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Scope};
use crate::db::{Arg, Db, Sql};
use crate::error::AppError;
use crate::ids::{MilestoneId, OrgId, ProgrammeId};

/// A deadline a unit should act on.
#[derive(Debug, Clone, Serialize)]
pub struct Reminder {
    pub programme_id: ProgrammeId,
    pub programme_name: String,
    pub milestone_id: MilestoneId,
    pub kind: String,
    pub due_date: String,
    pub org_name: String,
    pub overdue: bool,
}

/// The state of a unit's latest submission for a milestone, from [`submissions::latest_versions`].
fn latest_state(
    latest: &std::collections::HashMap<(OrgId, MilestoneId), &Submission>,
    milestone: &MilestoneId,
    org: &OrgId,
) -> Option<tuoguan_domain::programme::SubmissionState> {
    use tuoguan_domain::programme::SubmissionState as S;
    latest
        .get(&(*org, *milestone))
        .and_then(|s| match s.status.as_str() {
            "submitted" => Some(S::Submitted),
            "approved" => Some(S::Approved),
            "returned" => Some(S::Returned),
            _ => None,
        })
}

/// Deadlines due within the programme's reminder lead, or overdue, for the units the user submits
/// for, among `programmes` (those the user sees) and their `milestones`, both read once by the
/// caller.
pub async fn for_user(
    state: &AppState,
    user: &CurrentUser,
    programmes: &[Programme],
    milestones: &[super::Milestone],
    today: NaiveDate,
) -> Result<Vec<Reminder>, AppError> {
    let units: Vec<(OrgId, String, String)> = user
        .acting_orgs(Capability::SubmitPlans)
        .iter()
        .filter_map(|g| {
            Some((
                g.org_id?,
                g.org_path.clone()?,
                g.org_name.clone().unwrap_or_default(),
            ))
        })
        .collect();
    if units.is_empty() {
        return Ok(Vec::new());
    }
    // Submissions only for the programmes that have a deadline inside the window (the home page
    // runs this on every visit).
    let in_window = |m: &super::Milestone, p: &Programme| {
        NaiveDate::parse_from_str(&m.due_date, "%Y-%m-%d").is_ok_and(|due| {
            (today - due).num_days() <= 30 && (due - today).num_days() <= p.reminder_days
        })
    };
    let mut out = Vec::new();
    for p in programmes {
        let below: Vec<&(OrgId, String, String)> = units
            .iter()
            .filter(|(_, path, _)| path.starts_with(&p.org_path) && *path != p.org_path)
            .collect();
        let due: Vec<&super::Milestone> = milestones
            .iter()
            .filter(|m| m.programme_id == p.id && in_window(m, p))
            .collect();
        if below.is_empty() || due.is_empty() {
            continue;
        }
        // The user's own units' submissions only: a national programme has one per unit of the
        // country.
        let ids: Vec<OrgId> = below.iter().map(|(id, _, _)| *id).collect();
        let subs = submissions::of_units(&state.db, p, &ids).await?;
        let latest = submissions::latest_versions(&subs);
        for m in due {
            let Ok(due) = NaiveDate::parse_from_str(&m.due_date, "%Y-%m-%d") else {
                continue;
            };
            for (org, _, name) in &below {
                let submitted = latest_state(&latest, &m.id, org);
                let status = tuoguan_domain::programme::milestone_status(due, today, submitted);
                if reminder_due(due, today, p.reminder_days, submitted)
                    || status == MilestoneStatus::Overdue
                {
                    out.push(Reminder {
                        programme_id: p.id,
                        programme_name: p.name.clone(),
                        milestone_id: m.id,
                        kind: m.kind.clone(),
                        due_date: m.due_date.clone(),
                        org_name: name.clone(),
                        overdue: status == MilestoneStatus::Overdue,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.due_date.cmp(&b.due_date));
    Ok(out)
}

async fn all_programmes(db: &Db) -> sqlx::Result<Vec<Programme>> {
    let f = pstore::ProgrammeFilter {
        scope: crate::auth::Scope::All,
        ancestors: Vec::new(),
    };
    pstore::list(db, &f).await
}

/// A reminder to queue in the outbox (once per milestone and unit: the key).
struct Queued {
    key: String,
    org_id: OrgId,
    subject: String,
    body: String,
}

/// Queues one reminder per (milestone, unit) that is due within the lead time and not yet
/// submitted; a second run queues nothing new (unique `dedupe_key`). Returns how many were queued.
pub async fn enqueue(db: &Db, today: NaiveDate) -> anyhow::Result<usize> {
    // The organisations and a programme's submissions are read only for a programme with a
    // deadline inside its lead (most hours, none): at national size they are 33,000 and 135,000
    // rows, and the sweep runs when the server starts and every hour.
    let mut units = None;
    let mut due_now = Vec::new();
    for p in all_programmes(db).await? {
        let upcoming: Vec<(super::Milestone, NaiveDate)> = pstore::milestones(db, &p)
            .await?
            .into_iter()
            .filter_map(|m| {
                let due = NaiveDate::parse_from_str(&m.due_date, "%Y-%m-%d").ok()?;
                // The domain's own rule, for a unit that has sent nothing yet: the date window.
                reminder_due(due, today, p.reminder_days, None).then_some((m, due))
            })
            .collect();
        if upcoming.is_empty() {
            continue;
        }
        if units.is_none() {
            units = Some(crate::orgs::list(db, &Scope::All).await?);
        }
        let units = units.as_deref().unwrap_or_default();
        let subs = submissions::of_programme(db, &p).await?;
        let latest = submissions::latest_versions(&subs);
        for (m, due) in upcoming {
            for u in units
                .iter()
                .filter(|u| u.active && u.path.starts_with(&p.org_path) && u.path != p.org_path)
            {
                if !reminder_due(
                    due,
                    today,
                    p.reminder_days,
                    latest_state(&latest, &m.id, &u.id),
                ) {
                    continue;
                }
                let what = crate::i18n::Lang::Zh.t(&format!("milestone.{}", m.kind));
                due_now.push(Queued {
                    key: format!("reminder:{}:{}", m.id, u.id),
                    org_id: u.id,
                    subject: format!("【{}】{what} 截止 {}", p.name, m.due_date),
                    body: format!("{}：请在 {} 前报送“{what}”。", u.name, m.due_date),
                });
            }
        }
    }
    // A thousand a statement and a commit: a national programme's 30,000 units are 30 inserts an
    // hour, not 30,000, and none holds the database long enough to keep a check-in waiting.
    let mut queued = 0;
    let now = crate::now();
    for batch in due_now.chunks(1000) {
        let insert = Sql::new(
            "INSERT INTO outbox (id, dedupe_key, org_id, channel, subject, body, created_at) VALUES ",
        )
        .rows(batch.iter().map(|r| {
            [
                Arg::from(crate::new_id()),
                Arg::from(&r.key),
                Arg::from(&r.org_id),
                Arg::from("inbox"),
                Arg::from(&r.subject),
                Arg::from(&r.body),
                Arg::from(now),
            ]
        }))
        .push(" ON CONFLICT (dedupe_key) DO NOTHING");
        let mut tx = db.begin().await?;
        let n = insert.execute(&mut tx).await?;
        tx.commit().await?;
        queued += n as usize;
    }
    Ok(queued)
}
