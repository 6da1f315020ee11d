//! Documents of a class (rules in force, partner agreement, qualification review, food licence,
//! catering agreement), stored and checked as every document is (web/documents.rs), served only
//! to those who may see the class.

use axum::extract::Multipart;
use axum::response::Response;
use serde::Serialize;

use super::{Class, service};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::ids::{ClassId, FileId};
use crate::web::documents::{self, Chunks};
use crate::web::upload::{Spooled, read_form};
use crate::{on_db, on_tx};

pub const MAX_FILE_BYTES: usize = documents::MAX_BYTES;
crate::closed_set! {
    /// What a class document is.
    pub enum FileKind {
        Rules = "rules",
        PartnerAgreement = "partner_agreement",
        Qualification = "qualification",
        FoodLicence = "food_licence",
        CateringAgreement = "catering_agreement",
        Other = "other",
    }
}

pub const FILE_KINDS: [&str; 6] = FileKind::NAMES;

/// A stored document, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct FileMeta {
    pub id: FileId,
    #[schema(value_type = FileKind)]
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

pub async fn list(db: &Db, c: &Class) -> sqlx::Result<Vec<FileMeta>> {
    const SQL: &str = "SELECT id, kind, name, content_type, size, created_at FROM files WHERE class_id = $1 ORDER BY created_at, id";
    on_db!(db, p => sqlx::query_as(SQL).bind(c.id).fetch_all(p).await)
}

/// Uploaded rule documents count as rules in force.
pub async fn count_rules(db: &Db, c: &Class) -> sqlx::Result<usize> {
    const SQL: &str = "SELECT COUNT(*) FROM files WHERE class_id = $1 AND kind = 'rules'";
    let n: i64 = on_db!(db, p => sqlx::query_scalar(SQL).bind(c.id).fetch_one(p).await)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

async fn insert(tx: &mut Tx, c: &Class, m: &FileMeta, by: &str) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO files (id, class_id, kind, name, content_type, size, data, uploaded_by, created_at) \
                       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
    let empty: &[u8] = &[];
    on_tx!(tx, x => sqlx::query(SQL).bind(m.id).bind(c.id).bind(&m.kind).bind(&m.name).bind(&m.content_type)
        .bind(m.size).bind(empty).bind(by).bind(m.created_at).execute(&mut *x).await.map(|_| ()))
}

pub async fn upload(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    kind: &str,
    mut up: Spooled,
) -> Result<FileMeta, AppError> {
    let c = service::visible(state, user, class_id).await?;
    if !user
        .scope(Capability::RegisterClasses)
        .is_some_and(|s| s.contains(&c.host_path))
    {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    if !FILE_KINDS.contains(&kind) {
        errors.push(FieldError::new("kind", "file.kind_invalid"));
    }
    let ok = documents::accept(&mut up, errors)?;
    let meta = FileMeta {
        id: FileId::new(),
        kind: kind.into(),
        name: ok.name,
        content_type: ok.content_type.into(),
        size: ok.size,
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    insert(&mut tx, &c, &meta, &user.username).await?;
    documents::write_chunks(&mut tx, Chunks::Class, &meta.id, up.file).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "file.upload", "class")
            .target(c.id)
            .detail(format!("{} {} ({} bytes)", meta.kind, meta.name, meta.size)),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(meta)
}

/// A file of a class the user may see, and a body that sends its chunks one at a time.
pub async fn download(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
    file_id: &FileId,
) -> Result<(FileMeta, axum::body::Body), AppError> {
    let c = service::visible(state, user, class_id).await?;
    const SQL: &str = "SELECT id, kind, name, content_type, size, created_at FROM files WHERE id = $1 AND class_id = $2";
    let meta: Option<FileMeta> = on_db!(&state.db, p => sqlx::query_as(SQL).bind(file_id).bind(c.id).fetch_optional(p).await)?;
    let meta = meta.ok_or(AppError::NotFound)?;
    let body = documents::stream_chunks(&state.db, Chunks::Class, meta.id);
    Ok((meta, body))
}

/// Reads a multipart upload: the `kind` field, and the `file` part spooled to disk.
pub async fn read_upload(form: Multipart) -> Result<(String, Spooled), AppError> {
    let form = read_form(form, &["kind"], MAX_FILE_BYTES as u64, "document")
        .await
        .map_err(|_| AppError::field("file", "file.size"))?;
    let kind = form.text("kind").to_string();
    let up = form
        .file
        .ok_or_else(|| AppError::field("file", "file.size"))?;
    Ok((kind, up))
}

/// An attachment response that a browser will neither render inline nor sniff.
pub fn file_response(meta: &FileMeta, body: axum::body::Body) -> Response {
    documents::response(&meta.name, &meta.content_type, meta.size, body)
}
