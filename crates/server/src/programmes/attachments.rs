//! 附件 — files a unit attaches to its submission for a milestone: the signed, stamped scan of a
//! report, photos of the season, a plan as PDF. They are checked and stored as every document is
//! (web/documents.rs). While the unit writes (no version yet, a draft, or a returned version)
//! it adds and removes them; submitting records which went with that version, so what a reviewer
//! approved stays what they saw. A removed file is only marked removed: a version sent before still
//! carries it. Whoever may read the unit's report may download them; only the unit changes them.

use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use super::submissions::{Submission, reporting_unit};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::idempotency::{Key, Stored};
use crate::ids::{FileId, MilestoneId, OrgId, ProgrammeId};
use crate::web::documents::{self, Chunks};
use crate::web::upload::Spooled;
use crate::{on_db, on_tx};

/// Files one unit's submission for one milestone may carry at a time.
pub const MAX_ATTACHMENTS: i64 = 20;

/// The media types an attachment can have (decided by its bytes).
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub enum AttachmentType {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
}

/// A file attached to a unit's submission, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Attachment {
    pub id: FileId,
    pub milestone_id: MilestoneId,
    /// The unit whose submission it belongs to.
    pub org_id: OrgId,
    /// The file's name, ending in the extension of what its bytes are.
    pub name: String,
    #[schema(value_type = AttachmentType)]
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    pub created_at: i64,
}

impl Attachment {
    /// The size as an official reads it: "820 KB", "2.4 MB".
    pub fn size_text(&self) -> String {
        documents::size_text(self.size)
    }
}

/// The attachments a page lists: where they download from, whether the reader may change them
/// (the unit while writing), and the upload's error.
#[derive(Debug, Clone)]
pub struct Shown {
    pub items: Vec<Attachment>,
    /// `/programmes/{id}/milestones/{milestone_id}/attachments`
    pub base: String,
    pub org_id: OrgId,
    pub editable: bool,
    pub error: Option<String>,
}

impl Shown {
    pub fn new(p: &ProgrammeId, m: &MilestoneId, org_id: OrgId, items: Vec<Attachment>) -> Shown {
        Shown {
            items,
            base: format!("/programmes/{p}/milestones/{m}/attachments"),
            org_id,
            editable: false,
            error: None,
        }
    }
}

const COLS: &str = "f.id, f.milestone_id, f.org_id, f.name, f.content_type, f.size, f.created_at";

/// The files the unit's submission carries now (what its next version would send).
pub async fn current(
    db: &Db,
    milestone: &MilestoneId,
    org: &OrgId,
) -> sqlx::Result<Vec<Attachment>> {
    let sql = format!(
        "SELECT {COLS} FROM submission_files f WHERE f.milestone_id = $1 AND f.org_id = $2 \
         AND f.removed_at IS NULL ORDER BY f.created_at, f.id"
    );
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(milestone).bind(org).fetch_all(p).await)
}

/// The files a submitted version went with.
pub async fn sent_with(db: &Db, s: &Submission) -> sqlx::Result<Vec<Attachment>> {
    let sql = format!(
        "SELECT {COLS} FROM submission_files f JOIN submission_files_sent x ON x.file_id = f.id \
         WHERE x.submission_id = $1 ORDER BY f.created_at, f.id"
    );
    on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(s.id).fetch_all(p).await)
}

/// The files of a version as a reader sees it: a version that went up shows what it went with; a
/// draft, a returned version being revised, or no version yet shows what the unit holds now.
pub async fn of_version(
    db: &Db,
    milestone: &MilestoneId,
    org: &OrgId,
    s: Option<&Submission>,
) -> sqlx::Result<Vec<Attachment>> {
    match s {
        Some(s) if s.status == "submitted" || s.status == "approved" => sent_with(db, s).await,
        _ => current(db, milestone, org).await,
    }
}

/// Records the files a version is sent with, in the transaction that submits it.
pub async fn send(tx: &mut Tx, s: &Submission) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO submission_files_sent (submission_id, file_id) \
        SELECT $1, id FROM submission_files WHERE milestone_id = $2 AND org_id = $3 AND removed_at IS NULL";
    on_tx!(tx, c => sqlx::query(SQL).bind(s.id).bind(s.milestone_id).bind(s.org_id)
        .execute(&mut *c).await.map(|_| ()))
}

/// 409 unless the unit's submission can be changed: none yet, a draft, or returned.
async fn editable(tx: &mut Tx, milestone: &MilestoneId, org: &OrgId) -> Result<(), AppError> {
    const SQL: &str = "SELECT status FROM submissions WHERE milestone_id = $1 AND org_id = $2 \
        ORDER BY version DESC LIMIT 1";
    let status: Option<String> = on_tx!(tx, c => sqlx::query_scalar(SQL).bind(milestone).bind(org)
        .fetch_optional(&mut *c).await)?;
    match status.as_deref() {
        Some("approved") => Err(AppError::Conflict(Msg::new("submission.already_approved"))),
        Some("submitted") => Err(AppError::Conflict(Msg::new("submission.pending"))),
        _ => Ok(()),
    }
}

/// What a repeated upload is recognised by: the unit, and the file's name, size and digest.
#[derive(Serialize)]
struct Fingerprint<'a> {
    org_id: Option<OrgId>,
    name: &'a str,
    size: u64,
    sha256: String,
}

/// Attaches an uploaded file to the unit's submission (the caller's unit, or `org_id` where they
/// report); idempotent with a key. The answer is the stored attachment (201).
#[allow(
    clippy::too_many_arguments,
    reason = "one upload, from both the page and the API"
)]
pub async fn upload(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    headers: &HeaderMap,
    at: (&ProgrammeId, &MilestoneId),
    org_id: Option<OrgId>,
    mut up: Spooled,
) -> Result<Stored, AppError> {
    let print = Fingerprint {
        org_id,
        name: &up.name,
        size: up.len,
        sha256: hex::encode(up.sha256),
    };
    let what = format!("POST attachments {}", at.1);
    let key = Key::from_request(headers, user, &what, &print)?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup(&state.db).await?
    {
        return Ok(stored);
    }
    let (_, m, org) = reporting_unit(state, user, at.0, at.1, org_id).await?;
    let ok = documents::accept(&mut up, Vec::new())?;
    let a = Attachment {
        id: FileId::new(),
        milestone_id: m.id,
        org_id: org.id,
        name: ok.name,
        content_type: ok.content_type.into(),
        size: ok.size,
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup_in(&mut tx).await?
    {
        return Ok(stored);
    }
    editable(&mut tx, &m.id, &org.id).await?;
    const COUNT: &str = "SELECT COUNT(*) FROM submission_files WHERE milestone_id = $1 AND org_id = $2 AND removed_at IS NULL";
    let held: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(COUNT).bind(m.id).bind(org.id).fetch_one(&mut *c).await)?;
    if held >= MAX_ATTACHMENTS {
        let msg = Msg::new("attachment.too_many").arg("max", MAX_ATTACHMENTS);
        return Err(AppError::Validation(vec![crate::error::FieldError {
            field: "file",
            msg,
        }]));
    }
    const SQL: &str = "INSERT INTO submission_files (id, milestone_id, org_id, name, content_type, size, \
        uploaded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    on_tx!(&mut tx, c => sqlx::query(SQL).bind(a.id).bind(a.milestone_id).bind(a.org_id).bind(&a.name)
        .bind(&a.content_type).bind(a.size).bind(&user.username).bind(a.created_at)
        .execute(&mut *c).await.map(|_| ()))?;
    documents::write_chunks(&mut tx, Chunks::Attachment, &a.id, up.file).await?;
    let detail = format!("{} {} ({} bytes)", m.kind, a.name, a.size);
    let entry = Entry::by(user, "attachment.upload", "submission_file").target(a.id);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    let stored = Stored::json(StatusCode::CREATED, &a)?;
    if let Some(k) = &key {
        k.remember(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// An attachment of a milestone of a programme the caller sees, whose unit is in their scope
/// (404 otherwise), with whether it was removed.
async fn visible(
    state: &AppState,
    user: &CurrentUser,
    at: (&ProgrammeId, &MilestoneId),
    file_id: &FileId,
) -> Result<(Attachment, bool), AppError> {
    let p = super::service::visible(state, user, at.0).await?;
    let sql = format!(
        "SELECT {COLS}, f.removed_at IS NOT NULL AS removed FROM submission_files f \
         JOIN milestones m ON m.id = f.milestone_id WHERE f.id = $1 AND m.id = $2 AND m.programme_id = $3"
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        a: Attachment,
        removed: bool,
    }
    let row: Option<Row> = on_db!(&state.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(file_id).bind(at.1).bind(p.id).fetch_optional(c).await)?;
    let row = row.ok_or(AppError::NotFound)?;
    let scope = user.scope(Capability::ViewOrgs).ok_or(AppError::NotFound)?;
    crate::orgs::get(&state.db, &scope, &row.a.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((row.a, row.removed))
}

/// The files the unit's submission carries now, for a reader who may see the unit.
pub async fn list(
    state: &AppState,
    user: &CurrentUser,
    at: (&ProgrammeId, &MilestoneId),
    org_id: Option<OrgId>,
) -> Result<Vec<Attachment>, AppError> {
    let s = crate::reports::service::any_subject(state, user, at.0, at.1, org_id.as_ref()).await?;
    Ok(current(&state.db, &s.m.id, &s.org.id).await?)
}

/// An attachment and a body that sends its bytes (a removed one too: a version sent carries it).
pub async fn download(
    state: &AppState,
    user: &CurrentUser,
    at: (&ProgrammeId, &MilestoneId),
    file_id: &FileId,
) -> Result<axum::response::Response, AppError> {
    let (a, _) = visible(state, user, at, file_id).await?;
    let body = documents::stream_chunks(&state.db, Chunks::Attachment, a.id);
    Ok(documents::response(&a.name, &a.content_type, a.size, body))
}

/// Takes a file off the unit's submission while it is being written (403 for a reader who does
/// not report for the unit, 409 once sent).
pub async fn remove(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    at: (&ProgrammeId, &MilestoneId),
    file_id: &FileId,
) -> Result<(), AppError> {
    let (a, removed) = visible(state, user, at, file_id).await?;
    if removed {
        return Err(AppError::NotFound);
    }
    reporting_unit(state, user, at.0, at.1, Some(a.org_id)).await?;
    let mut tx = state.db.begin().await?;
    editable(&mut tx, &a.milestone_id, &a.org_id).await?;
    const SQL: &str = "UPDATE submission_files SET removed_at = $2, removed_by = $3 \
        WHERE id = $1 AND removed_at IS NULL";
    on_tx!(&mut tx, c => sqlx::query(SQL).bind(a.id).bind(crate::now()).bind(&user.username)
        .execute(&mut *c).await.map(|_| ()))?;
    let entry = Entry::by(user, "attachment.remove", "submission_file").target(a.id);
    audit::record(&mut tx, &entry.detail(a.name), client).await?;
    tx.commit().await?;
    Ok(())
}
