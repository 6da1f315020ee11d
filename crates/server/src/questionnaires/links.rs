//! The QR link of an enrolment (扫码测评): the class prints a slip per child, the guardian scans it
//! and answers without an account. The token is derived from the enrolment with the data key, so
//! a sheet printed twice gives the same links; the database keeps only its SHA-256. The page it
//! opens names the class and nothing else of the child.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::responses::{self, Target};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::classes::Class;
use crate::error::AppError;
use crate::ids::{ApplicationId, ClassId};
use crate::{on_db, on_tx};

/// Hex digits of a link token (128 bits).
const TOKEN_LEN: usize = 32;

/// The enrolment's token.
pub fn token(state: &AppState, id: &ApplicationId) -> String {
    let mut t = state
        .data_key
        .blind_index("questionnaire link", &id.to_string());
    t.truncate(TOKEN_LEN);
    t
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// One slip of the class's sheet.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Slip {
    pub application_id: ApplicationId,
    /// The child's name, for the staff handing the slip over (the link itself names only the class).
    pub child_name: String,
    pub url: String,
    pub answered: bool,
}

/// The class's slips: one per enrolled child. For whoever runs the class's days or its
/// enrolment; someone who only reads the class gets 403.
pub async fn sheet(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
    base: &str,
) -> Result<(Class, Vec<Slip>), AppError> {
    let c = crate::classes::service::visible(state, user, id)
        .await?
        .into_inner();
    let runs = [Capability::RunClasses, Capability::ManageEnrolment]
        .into_iter()
        .any(|cap| user.scope(cap).is_some_and(|s| s.contains(&c.host_path)));
    if !runs {
        return Err(AppError::Forbidden);
    }
    const SQL: &str = "SELECT a.id, ch.name, EXISTS (SELECT 1 FROM questionnaire_responses r \
        WHERE r.application_id = a.id AND r.audience = 'guardian') \
        FROM applications a JOIN children ch ON ch.id = a.child_id \
        WHERE a.class_id = $1 AND a.status = 'enrolled' ORDER BY ch.name, a.id";
    let rows: Vec<(ApplicationId, String, bool)> =
        on_db!(&state.db, q => sqlx::query_as(SQL).bind(c.id).fetch_all(q).await)?;
    const LINK: &str = "INSERT INTO questionnaire_links (token_hash, application_id, created_at) \
        VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let now = crate::now();
    let mut tx = state.db.begin().await?;
    let mut slips = Vec::with_capacity(rows.len());
    for (application_id, child_name, answered) in rows {
        let t = token(state, &application_id);
        on_tx!(&mut tx, q => sqlx::query(LINK).bind(hash(&t)).bind(application_id).bind(now)
            .execute(&mut *q).await.map(|_| ()))?;
        slips.push(Slip {
            application_id,
            child_name,
            url: format!("{base}/q/{t}"),
            answered,
        });
    }
    tx.commit().await?;
    Ok((c, slips))
}

/// The enrolment a link opens, or 404 (an unknown or malformed token).
pub async fn resolve(state: &AppState, token: &str) -> Result<Target, AppError> {
    let well_formed = token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(AppError::NotFound);
    }
    const SQL: &str = "SELECT application_id FROM questionnaire_links WHERE token_hash = $1";
    let id: Option<ApplicationId> = on_db!(&state.db, q => sqlx::query_scalar(SQL)
        .bind(hash(&token.to_ascii_lowercase())).fetch_optional(q).await)?;
    responses::of_application(state, &id.ok_or(AppError::NotFound)?).await
}
