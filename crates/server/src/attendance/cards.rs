//! Pickup cards (接送卡): each child has a short code, printed on a card as a QR code. Scanning
//! it with the roll page's camera (or typing the code) opens that child; scanning it with a
//! phone's own camera opens `/c/CODE`, which takes staff to the child on their class's roll.
//! A lost card is reissued: the old code stops working at once.

use rand::Rng;

use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::ids::{ChildId, ClassId, UserId};
use crate::{on_db, on_tx};

/// Letters and digits that cannot be misread for each other (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Length of a code: 31^8 ≈ 8.5 × 10^11 codes, so guessing one is hopeless.
pub const CODE_LEN: usize = 8;

/// A new random code.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A code as typed: upper case, spaces and dashes dropped.
pub fn normalise(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The code inside a scanned QR text: a `/c/CODE` link or the bare code.
pub fn code_in(scanned: &str) -> String {
    let tail = scanned.trim().rsplit('/').next().unwrap_or("");
    normalise(tail)
}

/// Issues a card to a child who has no valid one. A child holds one valid card at a time (a
/// unique index): when another request issued one first, nothing is written and the answer is
/// `None`, and the caller reads the card that won.
async fn insert(
    tx: &mut Tx,
    child_id: &ChildId,
    by: Option<&UserId>,
) -> sqlx::Result<Option<String>> {
    const SQL: &str = "INSERT INTO pickup_cards (code, child_id, issued_at, issued_by) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (child_id) WHERE revoked_at IS NULL DO NOTHING";
    let code = new_code();
    let written = on_tx!(tx, c => sqlx::query(SQL).bind(&code).bind(child_id).bind(crate::now()).bind(by)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok((written == 1).then_some(code))
}

/// The child's valid code, if any.
async fn valid_code(db: &Db, child_id: &ChildId) -> sqlx::Result<Option<String>> {
    const SQL: &str = "SELECT code FROM pickup_cards WHERE child_id = $1 AND revoked_at IS NULL";
    on_db!(db, p => sqlx::query_scalar(SQL).bind(child_id).fetch_optional(p).await)
}

/// The children enrolled in a class now, each with their valid code (`None`: no card yet).
async fn enrolled_with_codes(
    db: &Db,
    class_id: &ClassId,
) -> sqlx::Result<Vec<(ChildId, Option<String>)>> {
    const SQL: &str = "SELECT ap.child_id, pc.code FROM applications ap LEFT JOIN pickup_cards pc \
        ON pc.child_id = ap.child_id AND pc.revoked_at IS NULL \
        WHERE ap.class_id = $1 AND ap.status = 'enrolled'";
    on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_all(p).await)
}

/// Issues a card to every enrolled child of the class who has none; returns all valid codes.
/// One query when every child has a card (the roll calls this each time it is opened).
pub async fn ensure_for_class(
    state: &AppState,
    class_id: &ClassId,
    by: &UserId,
) -> Result<Vec<(ChildId, String)>, AppError> {
    let mut have = Vec::new();
    let mut missing = Vec::new();
    for (child, code) in enrolled_with_codes(&state.db, class_id).await? {
        match code {
            Some(code) => have.push((child, code)),
            None => missing.push(child),
        }
    }
    have.extend(issue_missing(state, &missing, by).await?);
    Ok(have)
}

/// Issues a card to each of `children` who has none (the roll's children enrolled without one)
/// and returns their valid codes. Nothing is read or written when `children` is empty.
pub async fn issue_missing(
    state: &AppState,
    children: &[ChildId],
    by: &UserId,
) -> Result<Vec<(ChildId, String)>, AppError> {
    if children.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = state.db.begin().await?;
    for child in children {
        insert(&mut tx, child, Some(by)).await?;
    }
    tx.commit().await?;
    Ok(crate::db::Sql::new(
        "SELECT child_id, code FROM pickup_cards WHERE revoked_at IS NULL AND child_id IN (",
    )
    .list(children.iter().copied())
    .push(")")
    .fetch_all(&state.db)
    .await?)
}

/// The child a valid code belongs to.
pub async fn child_of(db: &Db, code: &str) -> sqlx::Result<Option<ChildId>> {
    const SQL: &str = "SELECT child_id FROM pickup_cards WHERE code = $1 AND revoked_at IS NULL";
    on_db!(db, p => sqlx::query_scalar(SQL).bind(code).fetch_optional(p).await)
}

/// A child the user may issue cards for: its guardian, or staff running one of its classes.
async fn card_child(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
) -> Result<String, AppError> {
    let run = user.scope(Capability::RunClasses);
    let (child, _) = crate::enrolment::visible_child(&state.db, &user.id, run.as_ref(), child_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(child.name.clone())
}

/// The name of a card's holder, when the user may reissue the card (the confirmation names them).
pub async fn child_name(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
) -> Result<String, AppError> {
    card_child(state, user, child_id).await
}

/// The child's valid code, issuing one when there is none.
pub async fn card(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
) -> Result<String, AppError> {
    card_child(state, user, child_id).await?;
    if let Some(code) = valid_code(&state.db, child_id).await? {
        return Ok(code);
    }
    let mut tx = state.db.begin().await?;
    let issued = insert(&mut tx, child_id, Some(&user.id)).await?;
    tx.commit().await?;
    match issued {
        Some(code) => Ok(code),
        None => valid_code(&state.db, child_id)
            .await?
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("pickup card vanished"))),
    }
}

/// Revokes the child's card and issues a new one (a lost card).
pub async fn reissue(
    state: &AppState,
    user: &CurrentUser,
    client: &crate::audit::Client,
    child_id: &ChildId,
) -> Result<String, AppError> {
    card_child(state, user, child_id).await?;
    const SQL: &str =
        "UPDATE pickup_cards SET revoked_at = $2 WHERE child_id = $1 AND revoked_at IS NULL";
    let mut tx = state.db.begin().await?;
    // A reissue running at the same moment (PostgreSQL) may commit its card between this
    // transaction's revoke and its insert: the insert then writes nothing, and the next revoke
    // sees that card and revokes it too. The last reissue's card is the valid one.
    let mut code = None;
    for _ in 0..3 {
        on_tx!(&mut tx, c => sqlx::query(SQL).bind(child_id).bind(crate::now()).execute(&mut *c).await.map(|_| ()))?;
        code = insert(&mut tx, child_id, Some(&user.id)).await?;
        if code.is_some() {
            break;
        }
    }
    let code =
        code.ok_or_else(|| AppError::Internal(anyhow::anyhow!("pickup card not reissued")))?;
    crate::audit::record(
        &mut tx,
        &crate::audit::Entry::by(user, "pickup_card.reissue", "child").target(child_id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(code)
}

/// The holder of a valid code and the classes of theirs the user runs: (child id, name, class
/// ids). 404 for an unknown or revoked code, or a child in none of the user's classes.
pub async fn holder(
    state: &AppState,
    user: &CurrentUser,
    code: &str,
) -> Result<(ChildId, String, Vec<ClassId>), AppError> {
    let scope = user
        .scope(Capability::RunClasses)
        .ok_or(AppError::NotFound)?;
    let child_id = child_of(&state.db, &normalise(code))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut classes = Vec::new();
    for class_id in super::store::classes_of_child(&state.db, &child_id).await? {
        if let Some(c) = crate::classes::service::find(state, &scope, &class_id).await? {
            classes.push(c);
        }
    }
    let Some(first) = classes.first() else {
        return Err(AppError::NotFound);
    };
    let child = crate::enrolment::child_in_class(state, first, &child_id).await?;
    let classes = classes.into_iter().map(|c| c.id).collect();
    Ok((child_id, child.name, classes))
}

/// The QR code of `text` as an SVG image.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("qr: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unambiguous_and_found_in_links() {
        let c = new_code();
        assert_eq!(c.len(), CODE_LEN);
        assert!(!c.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(code_in("https://tg.example/c/ab2c-3d4e"), "AB2C3D4E");
        assert_eq!(code_in(" ab2c 3d4e "), "AB2C3D4E");
    }

    #[test]
    fn qr_is_svg() {
        let svg = qr_svg("https://tg.example/c/AB2C3D4E").unwrap();
        assert!(svg.contains("<svg"));
    }
}
