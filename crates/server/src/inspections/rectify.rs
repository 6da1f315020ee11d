//! 整改 — rectification tasks from an inspection's findings. The class's unit records its fix with
//! the evidence; the inspector who found it closes it, or reopens it saying what is still wrong.
//! A task not closed by its deadline is overdue, listed at every level that can see it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;

use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Sql, Tx};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::ids::{ClassId, InspectionId, RectificationId, UserId};
use crate::{on_db, on_tx};

crate::closed_set! {
    /// Where a rectification stands.
    pub enum RectificationStatus {
        /// Found; waiting for the class's fix (again, when reopened).
        Open = "open",
        /// The class recorded its fix; waiting for the inspector.
        Fixed = "fixed",
        /// The inspector accepted the fix.
        Closed = "closed",
    }
}

/// A rectification task.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Rectification {
    pub id: RectificationId,
    pub inspection_id: InspectionId,
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    #[schema(value_type = super::checklist::Item)]
    pub item: String,
    /// What the inspector found.
    pub finding: String,
    /// The last day to fix it (YYYY-MM-DD).
    pub deadline: String,
    #[schema(value_type = RectificationStatus)]
    pub status: String,
    /// Not closed and past its deadline.
    #[sqlx(skip)]
    pub overdue: bool,
    /// The class's account of its fix.
    pub fix_note: String,
    pub fixed_at: Option<i64>,
    /// The inspector's words when reopening.
    pub comment: String,
    pub closed_at: Option<i64>,
    #[serde(skip)]
    pub host_path: String,
    #[serde(skip)]
    pub inspector_id: Option<UserId>,
    /// What the class gave as evidence of its fix.
    #[sqlx(skip)]
    pub evidence: Vec<super::photos::Photo>,
}

/// A fix, or the words of a reopening.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NoteInput {
    #[serde(default)]
    pub note: String,
}

pub struct New {
    pub id: RectificationId,
    pub inspection: InspectionId,
    pub class: ClassId,
}

pub async fn insert(
    tx: &mut Tx,
    r: &New,
    item: &str,
    finding: &str,
    deadline: &str,
    now: i64,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO rectifications (id, inspection_id, class_id, item, finding, deadline, \
        status, created_at) VALUES ($1,$2,$3,$4,$5,$6,'open',$7)";
    on_tx!(tx, c => sqlx::query(SQL).bind(r.id).bind(r.inspection).bind(r.class).bind(item)
        .bind(finding).bind(deadline).bind(now).execute(&mut *c).await.map(|_| ()))
}

const COLS: &str = "r.id, r.inspection_id, r.class_id, c.name AS class_name, h.name AS host_name, \
    r.item, r.finding, r.deadline, r.status, r.fix_note, r.fixed_at, r.comment, r.closed_at, \
    h.path AS host_path, i.inspector_id";
const FROM: &str = "FROM rectifications r JOIN inspections i ON i.id = r.inspection_id \
    JOIN inspection_plans p ON p.id = i.plan_id JOIN orgs po ON po.id = p.org_id \
    JOIN classes c ON c.id = r.class_id JOIN orgs h ON h.id = c.host_org_id";

/// Whether the caller may fix a class's findings: they run or register classes at its host.
pub fn fixes(user: &CurrentUser, host_path: &str) -> bool {
    [Capability::RegisterClasses, Capability::RunClasses]
        .into_iter()
        .any(|cap| user.scope(cap).is_some_and(|s| s.contains(host_path)))
}

fn marked(mut rows: Vec<Rectification>) -> Vec<Rectification> {
    let today = crate::calendar::today().to_string();
    for r in &mut rows {
        r.overdue = r.status != "closed" && r.deadline < today;
    }
    rows
}

pub async fn of_inspection(db: &Db, id: &InspectionId) -> sqlx::Result<Vec<Rectification>> {
    let sql = format!("SELECT {COLS} {FROM} WHERE r.inspection_id = $1 ORDER BY r.deadline, r.id");
    let rows = on_db!(db, c => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_all(c).await)?;
    Ok(marked(rows))
}

/// Every rectification the caller sees: found by them, of classes they run or register, or of
/// plans of federations they supervise; the most urgent first (without the evidence of fixes).
pub async fn listed(
    state: &AppState,
    user: &CurrentUser,
    id: Option<&RectificationId>,
) -> Result<Vec<Rectification>, AppError> {
    let mut q = Sql::new(&format!("SELECT {COLS} {FROM} WHERE (i.inspector_id = ")).bind(user.id);
    if let Some(s) = user.scope(Capability::Supervise) {
        q = q.push(" OR ").scope("po.path", &s);
    }
    for cap in [Capability::RegisterClasses, Capability::RunClasses] {
        if let Some(s) = user.scope(cap) {
            q = q.push(" OR ").scope("h.path", &s);
        }
    }
    q = q.push(")");
    if let Some(id) = id {
        q = q.push(" AND r.id = ").bind(*id);
    }
    let q = q.push(
        " ORDER BY CASE r.status WHEN 'closed' THEN 1 ELSE 0 END, r.deadline, r.id LIMIT 1000",
    );
    Ok(marked(q.fetch_all(&state.db).await?))
}

/// [`listed`] with the evidence of each fix (one more query for all of them).
pub async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: Option<&RectificationId>,
) -> Result<Vec<Rectification>, AppError> {
    let mut rows = listed(state, user, id).await?;
    let ids: Vec<RectificationId> = rows.iter().map(|r| r.id).collect();
    let mut evidence: HashMap<RectificationId, Vec<super::photos::Photo>> = HashMap::new();
    for (rid, photo) in super::photos::evidence_of(&state.db, &ids).await? {
        evidence.entry(rid).or_default().push(photo);
    }
    for r in &mut rows {
        r.evidence = evidence.remove(&r.id).unwrap_or_default();
    }
    Ok(rows)
}

/// One rectification the caller sees, or 404.
pub async fn get(
    state: &AppState,
    user: &CurrentUser,
    id: &RectificationId,
) -> Result<Rectification, AppError> {
    let rows = visible(state, user, Some(id)).await?;
    rows.into_iter().next().ok_or(AppError::NotFound)
}

async fn set(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    r: &Rectification,
    (from, to): (&[&str], &str),
    note: &str,
) -> Result<Rectification, AppError> {
    if !from.contains(&r.status.as_str()) {
        return Err(AppError::Conflict(Msg::new("rectification.not_now")));
    }
    const FIX: &str = "UPDATE rectifications SET status = 'fixed', fix_note = $2, fixed_at = $3, \
        fixed_by = $4 WHERE id = $1";
    const CLOSE: &str = "UPDATE rectifications SET status = 'closed', comment = $2, closed_at = $3, \
        closed_by = $4 WHERE id = $1";
    const REOPEN: &str = "UPDATE rectifications SET status = 'open', comment = $2 WHERE id = $1";
    let (now, by) = (crate::now(), &user.display_name);
    let mut tx = state.db.begin().await?;
    match to {
        "fixed" | "closed" => {
            let sql = if to == "fixed" { FIX } else { CLOSE };
            on_tx!(&mut tx, c => sqlx::query(sql).bind(r.id).bind(note).bind(now).bind(by)
                .execute(&mut *c).await.map(|_| ()))?;
        }
        _ => {
            on_tx!(&mut tx, c => sqlx::query(REOPEN).bind(r.id).bind(note)
                .execute(&mut *c).await.map(|_| ()))?;
        }
    }
    let action = match to {
        "fixed" => "rectification.fix",
        "closed" => "rectification.close",
        _ => "rectification.reopen",
    };
    let entry = Entry::by(user, action, "rectification").target(r.id);
    audit::record(&mut tx, &entry.detail(note.to_string()), client).await?;
    tx.commit().await?;
    get(state, user, &r.id).await
}

fn note_of(input: &NoteInput) -> Result<String, AppError> {
    let note = input.note.trim().to_string();
    match note.is_empty() || note.chars().count() > 2000 {
        true => Err(AppError::field("note", "rectification.note")),
        false => Ok(note),
    }
}

/// The class's unit records its fix (open → fixed).
pub async fn fix(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &RectificationId,
    input: &NoteInput,
) -> Result<Rectification, AppError> {
    let r = get(state, user, id).await?;
    if !fixes(user, &r.host_path) {
        return Err(AppError::Forbidden);
    }
    let note = note_of(input)?;
    set(state, user, client, &r, (&["open"], "fixed"), &note).await
}

/// The inspector who found it accepts the fix (fixed → closed) or reopens it, saying what is still
/// wrong (fixed → open).
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &RectificationId,
    close: bool,
    input: &NoteInput,
) -> Result<Rectification, AppError> {
    let r = get(state, user, id).await?;
    if r.inspector_id != Some(user.id) {
        return Err(AppError::Forbidden);
    }
    match close {
        true => {
            set(
                state,
                user,
                client,
                &r,
                (&["fixed"], "closed"),
                input.note.trim(),
            )
            .await
        }
        false => {
            let note = note_of(input)?;
            set(state, user, client, &r, (&["fixed"], "open"), &note).await
        }
    }
}

/// (host path, deadline) of the programme's rectifications not closed, in the subtree at `path`:
/// the dashboard's counts.
pub async fn open_in(
    db: &Db,
    programme: &crate::ids::ProgrammeId,
    path: &str,
) -> sqlx::Result<Vec<(String, String)>> {
    Sql::new(
        "SELECT h.path, r.deadline FROM rectifications r JOIN classes c ON c.id = r.class_id \
         JOIN orgs h ON h.id = c.host_org_id WHERE r.status <> 'closed' AND c.programme_id = ",
    )
    .bind(*programme)
    .push(" AND ")
    .scope(
        "h.path",
        &crate::auth::Scope::Subtrees(vec![path.to_string()]),
    )
    .fetch_all(db)
    .await
}
