//! Documents of a class (rules in force, partner agreement, qualification review, food licence,
//! catering agreement): PDF, PNG or JPEG by content (never by name; a name with another type's
//! extension is refused), at most 10 MiB, stored in the database, served as attachments under a
//! name with the extension of their content, only to those who may see the class.

use axum::extract::Multipart;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::{Class, service};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::ids::{ClassId, FileId};
use crate::web::filetype::{FileType, HEAD};
use crate::web::upload::{Spooled, read_form};
use crate::{on_db, on_tx};

pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Size of the pieces a document is stored and sent in.
pub const CHUNK: usize = 256 << 10;
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

/// The type of a document from its first bytes; None for anything but PDF, PNG and JPEG.
pub fn sniff(bytes: &[u8]) -> Option<FileType> {
    FileType::sniff(bytes).filter(|t| matches!(t, FileType::Pdf | FileType::Png | FileType::Jpeg))
}

/// A file name safe to store and offer back: no path, no control characters, at most 100 chars.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        "document".into()
    } else {
        cleaned.trim().to_string()
    }
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

/// Stores the spooled file as numbered chunks, one [`CHUNK`] read from disk at a time.
async fn insert_chunks(tx: &mut Tx, file_id: &FileId, file: std::fs::File) -> Result<(), AppError> {
    use tokio::io::AsyncReadExt;
    const SQL: &str = "INSERT INTO file_chunks (file_id, seq, data) VALUES ($1,$2,$3)";
    let mut file = tokio::fs::File::from_std(file);
    let mut buf = vec![0u8; CHUNK];
    for seq in 0i64.. {
        let mut filled = 0;
        while filled < CHUNK {
            match file.read(&mut buf[filled..]).await {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => return Err(AppError::Internal(e.into())),
            }
        }
        if filled == 0 {
            break;
        }
        let chunk = &buf[..filled];
        on_tx!(tx, x => sqlx::query(SQL).bind(file_id).bind(seq).bind(chunk).execute(&mut *x).await.map(|_| ()))?;
    }
    Ok(())
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
    if up.len == 0 || up.len > MAX_FILE_BYTES as u64 {
        errors.push(FieldError::new("file", "file.size"));
    }
    let content_type = sniff(&head(&mut up.file)?);
    let name = clean_name(&up.name);
    match content_type {
        None if up.len > 0 => errors.push(FieldError::new("file", "file.type")),
        Some(t) if !t.fits(&name) => errors.push(t.misnamed("file")),
        _ => {}
    }
    let (Some(content_type), true) = (content_type, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let meta = FileMeta {
        id: FileId::new(),
        kind: kind.into(),
        name: content_type.safe_name(&name),
        content_type: content_type.mime().into(),
        size: i64::try_from(up.len).unwrap_or(i64::MAX),
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    insert(&mut tx, &c, &meta, &user.username).await?;
    insert_chunks(&mut tx, &meta.id, up.file).await?;
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

/// The first bytes of a spooled file (to tell its type), the read position back at the start.
fn head(file: &mut std::fs::File) -> Result<Vec<u8>, AppError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut head = Vec::with_capacity(HEAD);
    let read = file.by_ref().take(HEAD as u64).read_to_end(&mut head);
    read.and_then(|_| file.seek(SeekFrom::Start(0)))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(head)
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
    let (tx, body) = crate::web::stream::channel();
    let (db, id) = (state.db.clone(), meta.id);
    tokio::spawn(async move {
        const CHUNK_SQL: &str = "SELECT data FROM file_chunks WHERE file_id = $1 AND seq = $2";
        for seq in 0i64.. {
            let chunk: sqlx::Result<Option<Vec<u8>>> = on_db!(&db, p => sqlx::query_scalar(CHUNK_SQL)
                .bind(id).bind(seq).fetch_optional(p).await);
            match chunk {
                Ok(Some(data)) => {
                    if tx.send(Ok(data.into())).await.is_err() {
                        break; // the client went away
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "a document download stopped before its end");
                    let _ = tx.send(Err(std::io::Error::other(e))).await;
                    break;
                }
            }
        }
    });
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
    let mut res = body.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&meta.size.to_string()) {
        h.insert(header::CONTENT_LENGTH, v);
    }
    // The stored type came from the bytes; a file stored before that rule, of another type, goes
    // out as bare bytes. Either way its name ends in the extension of what it is.
    let t = FileType::of_mime(&meta.content_type);
    let (mime, name) = match t {
        Some(t) => (t.mime(), t.safe_name(&meta.name)),
        None => ("application/octet-stream", format!("{}.bin", meta.name)),
    };
    let disposition = crate::web::excel::content_disposition(&name);
    crate::web::filetype::sandboxed_attachment(&mut res, mime, &disposition);
    res
}
