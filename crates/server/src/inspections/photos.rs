//! The inspector's photos of an inspection, and the evidence a class gives of a fix: PDF, PNG or
//! JPEG by their bytes, at most 10 MB each and 20 for each, stored as every document is; readable
//! by whoever reads the inspection (the photos) or the rectification (its evidence).

use axum::response::Response;
use serde::Serialize;

use super::{rectify, service};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::CurrentUser;
use crate::db::{Db, Sql};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{FileId, InspectionId, RectificationId};
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

/// The inspector's photos of an inspection (not the evidence of its fixes).
pub async fn of_inspection(db: &Db, id: &InspectionId) -> sqlx::Result<Vec<Photo>> {
    let sql = format!(
        "SELECT {COLS} FROM inspection_photos WHERE inspection_id = $1 AND rectification_id IS NULL \
         ORDER BY created_at, id"
    );
    on_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(c).await)
}

/// The evidence given of these rectifications' fixes: (rectification, file), in one query.
pub async fn evidence_of(
    db: &Db,
    ids: &[RectificationId],
) -> sqlx::Result<Vec<(RectificationId, Photo)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        rectification_id: RectificationId,
        #[sqlx(flatten)]
        photo: Photo,
    }
    let rows: Vec<Row> = Sql::new(&format!(
        "SELECT rectification_id, {COLS} FROM inspection_photos WHERE rectification_id IN ("
    ))
    .list(ids.iter().copied())
    .push(") ORDER BY created_at, id")
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.rectification_id, r.photo))
        .collect())
}

/// Stores an accepted file for an inspection (and a rectification's fix, when given): at most
/// [`MAX_PHOTOS`] for each.
async fn store(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    (inspection, fix): (InspectionId, Option<RectificationId>),
    mut up: Spooled,
) -> Result<Photo, AppError> {
    let ok = documents::accept(&mut up, Vec::new())?;
    let photo = Photo {
        id: FileId::new(),
        inspection_id: inspection,
        name: ok.name,
        content_type: ok.content_type.into(),
        size: ok.size,
        created_at: crate::now(),
    };
    let mut tx = state.db.begin().await?;
    const COUNT: &str = "SELECT COUNT(*) FROM inspection_photos WHERE inspection_id = $1 \
        AND COALESCE(rectification_id, '') = COALESCE($2, '')";
    let held: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(COUNT).bind(inspection).bind(fix)
        .fetch_one(&mut *c).await)?;
    if held >= MAX_PHOTOS {
        let msg = Msg::new("attachment.too_many").arg("max", MAX_PHOTOS);
        return Err(AppError::Validation(vec![FieldError {
            field: "file",
            msg,
        }]));
    }
    const SQL: &str = "INSERT INTO inspection_photos (id, inspection_id, rectification_id, name, \
        content_type, size, uploaded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    on_tx!(&mut tx, c => sqlx::query(SQL).bind(photo.id).bind(inspection).bind(fix).bind(&photo.name)
        .bind(&photo.content_type).bind(photo.size).bind(&user.username).bind(photo.created_at)
        .execute(&mut *c).await.map(|_| ()))?;
    documents::write_chunks(&mut tx, Chunks::Inspection, &photo.id, up.file).await?;
    let (action, kind) = match fix {
        Some(_) => ("rectification.evidence", "rectification"),
        None => ("inspection.photo", "inspection"),
    };
    let target = fix.map_or_else(|| inspection.to_string(), |f| f.to_string());
    let entry = Entry::by(user, action, kind).target(target);
    let detail = format!("{} ({} bytes)", photo.name, photo.size);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    tx.commit().await?;
    Ok(photo)
}

/// Adds a photo (the assigned inspector only).
pub async fn upload(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &InspectionId,
    up: Spooled,
) -> Result<Photo, AppError> {
    let inspection = service::get(state, user, id).await?;
    if inspection.inspector_id != Some(user.id) {
        return Err(AppError::Forbidden);
    }
    store(state, user, client, (*id, None), up).await
}

/// Adds evidence of a fix (the class's unit, while the task is open or fixed).
pub async fn upload_evidence(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &RectificationId,
    up: Spooled,
) -> Result<Photo, AppError> {
    let r = rectify::get(state, user, id).await?;
    if !rectify::fixes(user, &r.host_path) {
        return Err(AppError::Forbidden);
    }
    if r.status == "closed" {
        return Err(AppError::Conflict(Msg::new("rectification.not_now")));
    }
    store(state, user, client, (r.inspection_id, Some(r.id)), up).await
}

fn send(state: &AppState, photo: &Photo) -> Response {
    let body = documents::stream_chunks(&state.db, Chunks::Inspection, photo.id);
    documents::response(&photo.name, &photo.content_type, photo.size, body)
}

/// A photo of an inspection the caller reads, sent in chunks.
pub async fn download(
    state: &AppState,
    user: &CurrentUser,
    id: &InspectionId,
    file_id: &FileId,
) -> Result<Response, AppError> {
    service::get(state, user, id).await?;
    let photos = of_inspection(&state.db, id).await?;
    let photo = photos
        .iter()
        .find(|p| p.id == *file_id)
        .ok_or(AppError::NotFound)?;
    Ok(send(state, photo))
}

/// The evidence of a fix, to whoever sees the rectification.
pub async fn download_evidence(
    state: &AppState,
    user: &CurrentUser,
    id: &RectificationId,
    file_id: &FileId,
) -> Result<Response, AppError> {
    let r = rectify::get(state, user, id).await?;
    let photo = r
        .evidence
        .iter()
        .find(|p| p.id == *file_id)
        .ok_or(AppError::NotFound)?;
    Ok(send(state, photo))
}

/// Reads the multipart form's `file` part.
pub async fn read(form: axum::extract::Multipart) -> Result<Spooled, AppError> {
    let form = crate::web::upload::read_form(form, &[], documents::MAX_BYTES as u64, "photo")
        .await
        .map_err(|_| AppError::field("file", "file.size"))?;
    form.file
        .ok_or_else(|| AppError::field("file", "file.size"))
}
