//! A named class's certificate as PDF: the honour, the class, its host, the federation, the
//! number and the day, with a QR code opening the public notice that named it.

use axum::http::HeaderMap;
use chrono::TimeZone;

use super::{HonourLevel, ModelStatus, notices, service};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::certificate::{self, Certificate, Fonts};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::ids::ModelApplicationId;

async fn fonts(state: &AppState) -> Result<Fonts, AppError> {
    let fonts = state
        .certificate_fonts
        .get_or_try_init(|| async {
            let paths = Fonts::default_paths();
            tokio::task::spawn_blocking(move || Fonts::load(&paths))
                .await
                .map_err(|e| AppError::Internal(e.into()))?
                .map_err(|e| AppError::Internal(anyhow::anyhow!("certificate fonts: {e}")))
        })
        .await?;
    Ok(fonts.clone())
}

/// The day a class was named, in China.
fn named_on(at: i64) -> chrono::NaiveDate {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    tz.timestamp_opt(at, 0)
        .single()
        .map_or_else(crate::calendar::today, |t| t.date_naive())
}

/// The certificate of a named class the caller reads (409 before it is named).
pub async fn pdf(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    id: &ModelApplicationId,
) -> Result<(String, Vec<u8>), AppError> {
    let (p, a) = service::one(state, user, id).await?;
    let (ModelStatus::Named, Some(number), Some(at)) = (a.status, &a.certificate_no, a.named_at)
    else {
        return Err(AppError::Conflict(Msg::new("model.no_certificate")));
    };
    let notice = notices::of_programme(state, &p)
        .await?
        .ok_or(AppError::NotFound)?;
    let level: HonourLevel = notice.level;
    let cert = Certificate {
        title: level.title().into(),
        class_name: a.class_name.clone(),
        host_name: a.host_name.clone(),
        federation_name: notice.federation_name.clone(),
        programme_name: p.name.clone(),
        number: number.clone(),
        issued_on: named_on(at),
        notice_url: format!(
            "{}/notices/{}",
            crate::web::public_base(state, headers),
            notice.id
        ),
    };
    let fonts = fonts(state).await?;
    let _turn = state
        .certificate_turns
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let bytes = tokio::task::spawn_blocking(move || certificate::render(&fonts, &cert))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("certificate: {e}")))?;
    Ok((format!("{}-示范托管班证书.pdf", a.class_name), bytes))
}

/// The certificate as a download (PDF, as an attachment, never shown inline).
pub async fn response(
    state: &AppState,
    user: &CurrentUser,
    headers: &HeaderMap,
    id: &ModelApplicationId,
) -> Result<axum::response::Response, AppError> {
    let (name, bytes) = pdf(state, user, headers, id).await?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    Ok(crate::web::documents::response(
        &name,
        "application/pdf",
        size,
        bytes.into(),
    ))
}
