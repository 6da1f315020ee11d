//! SQL of a child's authorised pickup persons (接送人), read and written for a child the caller
//! has already been shown to reach (see the parent module).

use crate::db::{Db, Tx};
use crate::ids::{ChildId, PickupId};
use crate::{on_db, on_tx};

/// An authorised pickup person (接送人).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Pickup {
    pub id: PickupId,
    pub name: String,
    pub relationship: String,
    pub phone: String,
    pub has_photo: bool,
    pub active: bool,
}

pub async fn pickups_of(db: &Db, child_id: &ChildId) -> sqlx::Result<Vec<Pickup>> {
    const SQL: &str = "SELECT id, name, relationship, phone, photo IS NOT NULL AS has_photo, active \
                       FROM pickup_persons WHERE child_id = $1 ORDER BY active DESC, created_at, id";
    on_db!(db, p => sqlx::query_as(SQL).bind(child_id).fetch_all(p).await)
}

pub struct NewPickup<'a> {
    pub child_id: &'a ChildId,
    pub name: &'a str,
    pub relationship: &'a str,
    pub phone: &'a str,
    pub photo: Option<(&'a [u8], &'a str)>,
}

pub async fn insert_pickup(tx: &mut Tx, id: &PickupId, p: &NewPickup<'_>) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO pickup_persons (id, child_id, name, relationship, phone, photo, photo_type, \
                       active, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,TRUE,$8)";
    let (photo, kind) = p.photo.unzip();
    on_tx!(tx, x => sqlx::query(SQL).bind(id).bind(p.child_id).bind(p.name).bind(p.relationship).bind(p.phone)
        .bind(photo).bind(kind).bind(crate::now()).execute(&mut *x).await.map(|_| ()))
}

pub async fn set_pickup_active(
    tx: &mut Tx,
    child_id: &ChildId,
    id: &PickupId,
    active: bool,
) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE pickup_persons SET active = $3 WHERE child_id = $1 AND id = $2";
    on_tx!(tx, x => sqlx::query(SQL).bind(child_id).bind(id).bind(active)
        .execute(&mut *x).await.map(|r| r.rows_affected()))
}

pub async fn pickup_photo(
    db: &Db,
    child_id: &ChildId,
    id: &PickupId,
) -> sqlx::Result<Option<(Vec<u8>, String)>> {
    const SQL: &str = "SELECT photo, photo_type FROM pickup_persons WHERE child_id = $1 AND id = $2 \
                       AND photo IS NOT NULL AND photo_type IS NOT NULL";
    on_db!(db, p => sqlx::query_as(SQL).bind(child_id).bind(id).fetch_optional(p).await)
}

/// Removes a child's pickup persons (deletion of the child's data).
pub async fn delete_pickups(tx: &mut Tx, child_id: &ChildId) -> sqlx::Result<()> {
    on_tx!(tx, x => sqlx::query("DELETE FROM pickup_persons WHERE child_id = $1").bind(child_id)
        .execute(&mut *x).await.map(|_| ()))
}

pub async fn set_pickup_photo(
    tx: &mut Tx,
    child_id: &ChildId,
    id: &PickupId,
    photo: &[u8],
    kind: &str,
) -> sqlx::Result<u64> {
    const SQL: &str =
        "UPDATE pickup_persons SET photo = $3, photo_type = $4 WHERE child_id = $1 AND id = $2";
    on_tx!(tx, x => sqlx::query(SQL).bind(child_id).bind(id).bind(photo).bind(kind)
        .execute(&mut *x).await.map(|r| r.rows_affected()))
}
