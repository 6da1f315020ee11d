//! Documents of a class (rules in force, partner agreement, qualification review, food licence,
//! catering agreement): PDF, PNG or JPEG by content (never by name), at most 10 MiB, stored in the
//! database, served as attachments only to those who may see the class.

use serde::Serialize;

use super::{Class, service};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::{on_db, on_tx};

pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
pub const FILE_KINDS: [&str; 6] = [
    "rules",
    "partner_agreement",
    "qualification",
    "food_licence",
    "catering_agreement",
    "other",
];

/// A stored document, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct FileMeta {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

/// The type of a file from its first bytes; None for anything but PDF, PNG and JPEG.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
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
    on_db!(db, p => sqlx::query_as(SQL).bind(&c.id).fetch_all(p).await)
}

/// Uploaded rule documents count as rules in force.
pub async fn count_rules(db: &Db, c: &Class) -> sqlx::Result<usize> {
    const SQL: &str = "SELECT COUNT(*) FROM files WHERE class_id = $1 AND kind = 'rules'";
    let n: i64 = on_db!(db, p => sqlx::query_scalar(SQL).bind(&c.id).fetch_one(p).await)?;
    Ok(usize::try_from(n).unwrap_or(0))
}

async fn insert(tx: &mut Tx, c: &Class, m: &FileMeta, data: &[u8], by: &str) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO files (id, class_id, kind, name, content_type, size, data, uploaded_by, created_at) \
                       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)";
    on_tx!(tx, x => sqlx::query(SQL).bind(&m.id).bind(&c.id).bind(&m.kind).bind(&m.name).bind(&m.content_type)
        .bind(m.size).bind(data).bind(by).bind(m.created_at).execute(&mut *x).await.map(|_| ()))
}

pub async fn upload(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &str,
    kind: &str,
    name: &str,
    data: &[u8],
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
    if data.is_empty() || data.len() > MAX_FILE_BYTES {
        errors.push(FieldError::new("file", "file.size"));
    }
    let content_type = sniff(data);
    if content_type.is_none() && !data.is_empty() {
        errors.push(FieldError::new("file", "file.type"));
    }
    let (Some(content_type), true) = (content_type, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let meta = FileMeta {
        id: crate::new_id(),
        kind: kind.into(),
        name: clean_name(name),
        content_type: content_type.into(),
        size: data.len() as i64,
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    insert(&mut tx, &c, &meta, data, &user.username).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "file.upload", "class")
            .target(&c.id)
            .detail(format!("{} {} ({} bytes)", meta.kind, meta.name, meta.size)),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(meta)
}

/// A file of a class the user may see, with its bytes.
pub async fn download(
    state: &AppState,
    user: &CurrentUser,
    class_id: &str,
    file_id: &str,
) -> Result<(FileMeta, Vec<u8>), AppError> {
    let c = service::visible(state, user, class_id).await?;
    const SQL: &str = "SELECT id, kind, name, content_type, size, created_at, data FROM files WHERE id = $1 AND class_id = $2";
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        meta: FileMeta,
        data: Vec<u8>,
    }
    let row: Option<Row> = on_db!(&state.db, p => sqlx::query_as(SQL).bind(file_id).bind(&c.id).fetch_optional(p).await)?;
    let row = row.ok_or(AppError::NotFound)?;
    Ok((row.meta, row.data))
}
