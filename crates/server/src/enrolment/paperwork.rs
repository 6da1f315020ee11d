//! The paperwork of an enrolment (入托材料, PRODUCT.md §5, seed 003 §三.7): the care agreement (a
//! guardian's click-through, or a paper one recorded by the unit), the accident insurance, and
//! what is still missing; completing it enrols an accepted child.

use super::applications::{Insurance, Terms, date, ineligible, manages, terms, visible};
use super::store::{self, Application};
use super::{AGREEMENT_VERSION, Access, PAYERS, Status};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::CurrentUser;
use crate::db::Tx;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::ApplicationId;

/// What an enrolment still lacks (PRODUCT.md §5, seed 003 §三.7): the consent, the signed agreement of
/// the current version, insurance covering the class's dates, and a payer other than union
/// funds unless the programme allows it. Each missing item is named.
pub async fn missing(tx: &mut Tx, a: &Application) -> Result<Vec<FieldError>, AppError> {
    let mut out = Vec::new();
    if !store::has_consent(tx, &a.child_id).await? {
        out.push(FieldError::new("consent", "enrol.missing_consent"));
    }
    if a.agreement_version.as_deref() != Some(AGREEMENT_VERSION) {
        out.push(FieldError::new("agreement", "enrol.missing_agreement"));
    }
    let Terms {
        start, end, rules, ..
    } = terms(tx, &a.class_id).await?;
    let from = a.insured_from.as_deref().and_then(date);
    let to = a.insured_to.as_deref().and_then(date);
    match (&a.insurer, from, to) {
        (None, ..) => out.push(FieldError::new("insurance", "enrol.missing_insurance")),
        (Some(_), Some(f), Some(t)) if f <= start && t >= end => {}
        _ => out.push(FieldError::new("insurance", "enrol.insurance_dates")),
    }
    if a.insurance_payer.as_deref() == Some("union_funds") && !rules.union_funds_may_pay_insurance {
        out.push(FieldError::new(
            "insurance_payer",
            "enrol.union_funds_payer",
        ));
    }
    Ok(out)
}

/// After the guardian completes the paperwork, an accepted application becomes enrolled when
/// nothing is missing and the child is still eligible; otherwise it stays accepted.
async fn enrol_if_complete(
    tx: &mut Tx,
    a: &mut Application,
    child: &store::Child,
) -> Result<(), AppError> {
    if a.status() != Status::Accepted {
        return Ok(());
    }
    store::lock_class(tx, &a.class_id).await?;
    if missing(tx, a).await?.is_empty() && ineligible(tx, a, child).await?.is_empty() {
        a.status = Status::Enrolled;
        store::update_application(tx, a).await?;
    }
    Ok(())
}

/// The guardian signs the care agreement (click-through, channel web), or the unit records a
/// paper agreement (channel paper).
pub async fn sign_agreement(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ApplicationId,
    version: &str,
) -> Result<Application, AppError> {
    let (mut a, access) = visible(state, user, id).await?;
    let channel = match access {
        Access::Guardian => "web",
        Access::Unit if manages(state, user, &a.class_id).await? => "paper",
        Access::Unit => return Err(AppError::Forbidden),
    };
    if version.trim() != AGREEMENT_VERSION {
        return Err(AppError::field("version", "agreement.version_stale"));
    }
    if !a.status().active() {
        return Err(AppError::Conflict(Msg::new("application.closed")));
    }
    let child = store::child(&state.db, &a.child_id).await?;
    let now = crate::now();
    a.agreement_version = Some(AGREEMENT_VERSION.into());
    a.agreement_by = Some(user.display_name.clone());
    a.agreement_channel = Some(channel.into());
    a.agreement_at = Some(now);
    a.updated_at = now;
    let mut tx = state.db.begin().await?;
    refresh_status(&mut tx, &mut a).await?;
    store::update_application(&mut tx, &a).await?;
    enrol_if_complete(&mut tx, &mut a, &child).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "agreement.sign", "application")
            .target(a.id)
            .detail(format!("version {AGREEMENT_VERSION} via {channel}")),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// Records the child's accident insurance (guardian, or the unit from the paper copy).
pub async fn record_insurance(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ApplicationId,
    input: &Insurance,
) -> Result<Application, AppError> {
    let (mut a, access) = visible(state, user, id).await?;
    if access == Access::Unit && !manages(state, user, &a.class_id).await? {
        return Err(AppError::Forbidden);
    }
    if !a.status().active() {
        return Err(AppError::Conflict(Msg::new("application.closed")));
    }
    let mut errors = Vec::new();
    let insurer = input.insurer.trim();
    if insurer.is_empty() || insurer.chars().count() > 100 {
        errors.push(FieldError::new("insurer", "roster.required"));
    }
    let policy = input.policy_no.trim();
    if policy.is_empty() || policy.chars().count() > 64 {
        errors.push(FieldError::new("policy_no", "roster.required"));
    }
    let from = date(input.valid_from.trim());
    let to = date(input.valid_to.trim());
    if from.is_none() {
        errors.push(FieldError::new("valid_from", "calendar.date_invalid"));
    }
    if to.is_none() {
        errors.push(FieldError::new("valid_to", "calendar.date_invalid"));
    }
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        errors.push(FieldError::new("valid_to", "insurance.dates_reversed"));
    }
    let payer = input.payer.trim();
    if !PAYERS.contains(&payer) {
        errors.push(FieldError::new("payer", "insurance.payer_invalid"));
    }
    let mut tx = state.db.begin().await?;
    if payer == "union_funds"
        && !terms(&mut tx, &a.class_id)
            .await?
            .rules
            .union_funds_may_pay_insurance
    {
        errors.push(FieldError::new("payer", "enrol.union_funds_payer"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let child = store::child(&state.db, &a.child_id).await?;
    a.insurer = Some(insurer.into());
    a.policy_no = Some(policy.into());
    a.insured_from = from.map(|d| d.to_string());
    a.insured_to = to.map(|d| d.to_string());
    a.insurance_payer = Some(payer.into());
    a.updated_at = crate::now();
    refresh_status(&mut tx, &mut a).await?;
    store::update_application(&mut tx, &a).await?;
    enrol_if_complete(&mut tx, &mut a, &child).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "insurance.record", "application").target(a.id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// Locks the class and takes the application's status as it is now, so writing the paperwork
/// does not undo a decision made meanwhile.
async fn refresh_status(tx: &mut Tx, a: &mut Application) -> Result<(), AppError> {
    store::lock_class(tx, &a.class_id).await?;
    a.status = store::status_in(tx, &a.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(())
}
