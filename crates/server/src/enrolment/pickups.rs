//! Authorised pickup persons (接送人) of a child: added and withdrawn by the guardian, with an
//! optional photo shown to the guardian and the class's staff.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tuoguan_domain::Phone;

use super::Access;
use super::children::{text_field, visible};
use super::store::{self, Pickup};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldError};
use crate::ids::{ChildId, PickupId};
use crate::web::filetype::{FileType, HEAD};

/// A pickup person as entered (photo optional, PNG, JPEG or WebP up to 2 MB).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PickupInput {
    pub name: String,
    pub relationship: String,
    pub phone: String,
}

/// Adds an authorised pickup person (guardian only); `photo` is the bytes and the file name they
/// came with.
pub async fn add_pickup(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    child_id: &ChildId,
    input: &PickupInput,
    photo: Option<(&[u8], &str)>,
) -> Result<Pickup, AppError> {
    let (c, access) = visible(state, user, child_id).await?;
    if access != Access::Guardian || c.anonymised_at.is_some() {
        return Err(AppError::NotFound);
    }
    let mut errors = Vec::new();
    let name = text_field(&input.name, 50, "name", "roster.name_length", &mut errors);
    let relationship = text_field(
        &input.relationship,
        100,
        "relationship",
        "roster.required",
        &mut errors,
    );
    let phone = match Phone::parse(&input.phone) {
        Ok(p) => p.as_str().to_string(),
        Err(e) => {
            errors.push(FieldError::new("phone", e.code()));
            String::new()
        }
    };
    let photo = match photo.map(|(bytes, name)| (bytes, photo_type(bytes, name))) {
        Some((bytes, Ok(t))) => Some((bytes, t.mime())),
        Some((_, Err(e))) => {
            errors.push(e);
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let id = PickupId::new();
    let mut tx = state.db.begin().await?;
    let new = store::NewPickup {
        child_id: &c.id,
        name: &name,
        relationship: &relationship,
        phone: &phone,
        photo,
    };
    store::insert_pickup(&mut tx, &id, &new).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "pickup.add", "child").target(c.id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(Pickup {
        id,
        name,
        relationship,
        phone,
        has_photo: photo.is_some(),
        active: true,
    })
}

/// Removes a pickup person's authorisation (kept for the record, inactive).
pub async fn remove_pickup(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    child_id: &ChildId,
    pickup_id: &PickupId,
) -> Result<(), AppError> {
    let (c, access) = visible(state, user, child_id).await?;
    if access != Access::Guardian {
        return Err(AppError::NotFound);
    }
    let mut tx = state.db.begin().await?;
    if store::set_pickup_active(&mut tx, &c.id, pickup_id, false).await? == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        &Entry::by(user, "pickup.remove", "child").target(c.id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A pickup person's photo, for the child's guardian and class staff.
pub async fn pickup_photo(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
    pickup_id: &PickupId,
) -> Result<(Vec<u8>, String), AppError> {
    let (c, _) = visible(state, user, child_id).await?;
    store::pickup_photo(&state.db, &c.id, pickup_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Largest pickup photo accepted: 2 MiB.
pub const MAX_PHOTO: usize = 2 << 20;

/// The type of a photo by its bytes — PNG, JPEG or WebP, at most [`MAX_PHOTO`], whatever was
/// declared — and its file name (empty when it came without one) checked against it.
fn photo_type(bytes: &[u8], name: &str) -> Result<FileType, FieldError> {
    let t = FileType::sniff(&bytes[..bytes.len().min(HEAD)])
        .filter(|t| matches!(t, FileType::Png | FileType::Jpeg | FileType::Webp))
        .filter(|_| bytes.len() <= MAX_PHOTO)
        .ok_or_else(|| FieldError::new("photo", "pickup.photo_invalid"))?;
    if t.fits(name) {
        Ok(t)
    } else {
        Err(t.misnamed("photo"))
    }
}

/// Sets a pickup person's photo (guardian only): PNG, JPEG or WebP by its bytes, up to 2 MiB.
pub async fn set_photo(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    child_id: &ChildId,
    pickup_id: &PickupId,
    bytes: &[u8],
) -> Result<(), AppError> {
    let (c, access) = visible(state, user, child_id).await?;
    if access != Access::Guardian {
        return Err(AppError::NotFound);
    }
    let kind = photo_type(bytes, "").map_err(|e| AppError::Validation(vec![e]))?;
    let mut tx = state.db.begin().await?;
    if store::set_pickup_photo(&mut tx, &c.id, pickup_id, bytes, kind.mime()).await? == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        &Entry::by(user, "pickup.photo", "child").target(c.id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An image that is not sniffed, rendered only as an image (a sandbox for anything else), offered
/// under a name with the extension of its bytes, and never cached in shared caches.
pub fn photo_response(data: Vec<u8>) -> Response {
    let t = FileType::sniff(&data[..data.len().min(HEAD)]);
    let (mime, ext) = t.map_or(("application/octet-stream", "bin"), |t| (t.mime(), t.ext()));
    let mut res = data.into_response();
    let disposition = format!("attachment; filename=\"photo.{ext}\"");
    crate::web::filetype::sandboxed_attachment(&mut res, mime, &disposition);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    res
}
