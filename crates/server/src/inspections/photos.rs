//! The inspector's photos of an inspection: PDF, PNG or JPEG by their bytes, at most 10 MB each
//! and 20 an inspection, stored as every document is; readable by whoever reads the inspection.

use axum::response::Response;
use serde::Serialize;

use super::service;
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{FileId, InspectionId};
use crate::web::documents::{self, Chunks};
use crate::web::upload::Spooled;
use crate::{on_db, on_tx};

/// Photos one inspection may hold.
pub const MAX_PHOTOS: i64 = 20;

/// A photo, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Photo {
    pub id: FileId,
    pub inspection_id: InspectionId,
    pub name: String,
    #[schema(value_type = crate::programmes::attachments::AttachmentType)]
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

impl Photo {
    pub fn size_text(&self) -> String {
        documents::size_text(self.size)
    }
}

const COLS: &str = "id, inspection_id, name, content_type, size, created_at";

pub async fn of_inspection(db: &Db, id: &InspectionId) -> sqlx::Result<Vec<Photo>> {
    let sql = format!(
        "SELECT {COLS} FROM inspection_photos WHERE inspection_id = $1 ORDER BY created_at, id"
    );
    on_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(c).await)
}

/// Adds a photo (the assigned inspector only).
pub async fn upload(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &InspectionId,
    mut up: Spooled,
) -> Result<Photo, AppError> {
    let inspection = service::get(state, user, id).await?;
    if inspection.inspector_id != Some(user.id) {
        return Err(AppError::Forbidden);
    }
    let ok = documents::accept(&mut up, Vec::new())?;
    let photo = Photo {
        id: FileId::new(),
        inspection_id: *id,
        name: ok.name,
        content_type: ok.content_type.into(),
        size: ok.size,
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    const COUNT: &str = "SELECT COUNT(*) FROM inspection_photos WHERE inspection_id = $1";
    let held: i64 =
        on_tx!(&mut tx, c => sqlx::query_scalar(COUNT).bind(id).fetch_one(&mut *c).await)?;
    if held >= MAX_PHOTOS {
        let msg = Msg::new("attachment.too_many").arg("max", MAX_PHOTOS);
        return Err(AppError::Validation(vec![FieldError {
            field: "file",
            msg,
        }]));
    }
    const SQL: &str = "INSERT INTO inspection_photos (id, inspection_id, name, content_type, size, \
        uploaded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
    on_tx!(&mut tx, c => sqlx::query(SQL).bind(photo.id).bind(id).bind(&photo.name)
        .bind(&photo.content_type).bind(photo.size).bind(&user.username).bind(photo.created_at)
        .execute(&mut *c).await.map(|_| ()))?;
    documents::write_chunks(&mut tx, Chunks::Inspection, &photo.id, up.file).await?;
    let entry = Entry::by(user, "inspection.photo", "inspection").target(*id);
    audit::record(
        &mut tx,
        &entry.detail(format!("{} ({} bytes)", photo.name, photo.size)),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(photo)
}

/// A photo of an inspection the caller reads, sent in chunks.
pub async fn download(
    state: &AppState,
    user: &CurrentUser,
    id: &InspectionId,
    file_id: &FileId,
) -> Result<Response, AppError> {
    service::get(state, user, id).await?;
    let photo = of_inspection(&state.db, id)
        .await?
        .into_iter()
        .find(|p| p.id == *file_id)
        .ok_or(AppError::NotFound)?;
    let body = documents::stream_chunks(&state.db, Chunks::Inspection, photo.id);
    Ok(documents::response(
        &photo.name,
        &photo.content_type,
        photo.size,
        body,
    ))
}

/// Reads the multipart form's `file` part.
pub async fn read(form: axum::extract::Multipart) -> Result<Spooled, AppError> {
    let form = crate::web::upload::read_form(form, &[], documents::MAX_BYTES as u64, "photo")
        .await
        .map_err(|_| AppError::field("file", "file.size"))?;
    form.file
        .ok_or_else(|| AppError::field("file", "file.size"))
}
