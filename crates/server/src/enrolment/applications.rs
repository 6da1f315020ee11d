//! Applications (报名) of children to classes and the unit's decisions: applied → accepted /
//! wait-listed / rejected → enrolled → withdrawn. Eligibility is checked inside the transaction
//! that changes the status, with the class locked, so capacity holds under concurrent requests.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuoguan_domain::ProgrammeRules;
use tuoguan_domain::enrolment::{self, ClassLoad, Grade, OtherPlacement};

use super::store::{self, Application};
use super::{Access, Decision, Status, children};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::Tx;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ApplicationId, ChildId, ClassId};

/// An application as lists and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub child_id: ChildId,
    pub child_name: String,
    pub child_grade: String,
    /// e.g. 110105********002X
    pub child_id_number_masked: Option<String>,
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    pub class_start: String,
    pub class_end: String,
    pub status: Status,
    /// The reason of a rejection or withdrawal.
    pub reason: String,
    /// The guardian claims a priority category (双职工, 困难职工, …).
    pub priority: bool,
    pub kindergarten: bool,
    /// Version of the care agreement signed, if any.
    pub agreement_version: Option<String>,
    /// web (click-through by the guardian) or paper (recorded by the unit)
    pub agreement_channel: Option<String>,
    pub agreement_signed_at: Option<String>,
    pub insurance: Option<Insurance>,
    /// The first day the child attends (YYYY-MM-DD), once enrolled.
    pub attends_from: Option<String>,
    pub applied_at: String,
}

/// The child's accident insurance (意外险).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Insurance {
    pub insurer: String,
    pub policy_no: String,
    /// YYYY-MM-DD
    pub valid_from: String,
    /// YYYY-MM-DD
    pub valid_to: String,
    #[schema(value_type = super::Payer)]
    pub payer: String,
}

impl ApplicationView {
    pub fn new(a: &Application) -> ApplicationView {
        let insurance = a.insurer.as_ref().map(|insurer| Insurance {
            insurer: insurer.clone(),
            policy_no: a.policy_no.clone().unwrap_or_default(),
            valid_from: a.insured_from.clone().unwrap_or_default(),
            valid_to: a.insured_to.clone().unwrap_or_default(),
            payer: a.insurance_payer.clone().unwrap_or_default(),
        });
        ApplicationView {
            id: a.id,
            child_id: a.child_id,
            child_name: a.child_name.clone(),
            child_grade: a.child_grade.clone(),
            child_id_number_masked: a.child_id_masked.clone(),
            class_id: a.class_id,
            class_name: a.class_name.clone(),
            host_name: a.host_name.clone(),
            class_start: a.class_start.clone(),
            class_end: a.class_end.clone(),
            status: a.status(),
            reason: a.reason.clone(),
            priority: a.priority,
            kindergarten: a.kindergarten,
            agreement_version: a.agreement_version.clone(),
            agreement_channel: a.agreement_channel.clone(),
            agreement_signed_at: a.agreement_at.map(crate::web::pages::rfc3339),
            insurance,
            attends_from: (a.status() == Status::Enrolled || a.attends_from.is_some())
                .then(|| super::span::first_day(a)),
            applied_at: crate::web::pages::rfc3339(a.applied_at),
        }
    }
}

/// An application the user may see, and how: the child's guardian, or a unit whose
/// `ViewClasses` scope holds the class's host. 404 otherwise.
pub async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: &ApplicationId,
) -> Result<(Application, Access), AppError> {
    let (a, host_path) = store::application(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = user
        .scope(Capability::ViewClasses)
        .is_some_and(|s| s.contains(&host_path));
    if unit {
        // A guardian who also works for the unit acts as the guardian of their own child.
        let guardian = children::visible(state, user, &a.child_id)
            .await
            .is_ok_and(|(_, acc)| acc == Access::Guardian);
        return Ok((
            a,
            if guardian {
                Access::Guardian
            } else {
                Access::Unit
            },
        ));
    }
    match children::visible(state, user, &a.child_id).await {
        Ok((_, Access::Guardian)) => Ok((a, Access::Guardian)),
        _ => Err(AppError::NotFound),
    }
}

/// True when the user manages enrolment for the class's host.
pub async fn manages(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
) -> Result<bool, AppError> {
    let Some(scope) = user.scope(Capability::ManageEnrolment) else {
        return Ok(false);
    };
    Ok(crate::classes::service::find(state, &scope, class_id)
        .await?
        .is_some())
}

/// A guardian applies for their child to a class open for applications.
pub async fn apply(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    child_id: &ChildId,
    class_id: &ClassId,
) -> Result<Application, AppError> {
    let (child, access) = children::visible(state, user, child_id).await?;
    if access != Access::Guardian || child.anonymised_at.is_some() {
        return Err(AppError::NotFound);
    }
    let today = crate::calendar::today().to_string();
    let Some(_class) = store::open_class(&state.db, &today, class_id).await? else {
        return Err(AppError::field("class_id", "application.class_not_open"));
    };
    let guardian = children::my_guardian(state, user).await?;
    let existing = store::applications_of_child(&state.db, &child.id)
        .await?
        .into_iter()
        .find(|a| a.class_id == *class_id);
    let now = crate::now();
    let mut tx = state.db.begin().await?;
    let app = match existing {
        Some(a) if a.status().active() => {
            return Err(AppError::Conflict(Msg::new("application.exists")));
        }
        Some(mut a) => {
            a.status = Status::Applied;
            a.reason = String::new();
            a.priority = !guardian.priorities.is_empty();
            a.updated_at = now;
            store::update_application(&mut tx, &a).await?;
            a
        }
        None => {
            let a = new_application(&child, class_id, !guardian.priorities.is_empty(), now);
            store::insert_application(&mut tx, &a).await?;
            a
        }
    };
    audit::record(
        &mut tx,
        &Entry::by(user, "application.create", "child").target(child.id),
        client,
    )
    .await?;
    tx.commit().await?;
    let (a, _) = store::application(&state.db, &app.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(a)
}

/// A new `applied` application row.
pub fn new_application(
    child: &store::Child,
    class_id: &ClassId,
    priority: bool,
    now: i64,
) -> Application {
    Application {
        id: ApplicationId::new(),
        child_id: child.id,
        class_id: *class_id,
        status: Status::Applied,
        reason: String::new(),
        priority,
        kindergarten: Grade::parse(&child.grade).is_some_and(Grade::is_kindergarten),
        agreement_version: None,
        agreement_by: None,
        agreement_channel: None,
        agreement_at: None,
        insurer: None,
        policy_no: None,
        insured_from: None,
        insured_to: None,
        insurance_payer: None,
        import_id: None,
        attends_from: None,
        applied_at: now,
        updated_at: now,
        child_name: child.name.clone(),
        child_grade: child.grade.clone(),
        child_id_masked: child.id_masked.clone(),
        class_name: String::new(),
        class_start: String::new(),
        class_end: String::new(),
        host_name: String::new(),
    }
}

/// Applications of a class the user may see (masked IDs).
pub async fn of_class(
    state: &AppState,
    user: &CurrentUser,
    class_id: &ClassId,
) -> Result<(crate::classes::Class, Vec<Application>), AppError> {
    let c = crate::classes::service::visible(state, user, class_id).await?;
    let list = store::applications_of_class(&state.db, &c.id).await?;
    Ok((c.into_inner(), list))
}

pub(super) fn parse_rules(json: &str) -> Result<ProgrammeRules, AppError> {
    serde_json::from_str(json).map_err(|e| AppError::Internal(e.into()))
}

pub(super) fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Why the child of `a` cannot take a place in its class now, as field errors (in the
/// transaction that will change the status; the class must be locked first).
pub async fn ineligible(
    tx: &mut Tx,
    a: &Application,
    child: &store::Child,
) -> Result<Vec<FieldError>, AppError> {
    let Terms {
        capacity,
        start,
        end,
        rules,
    } = terms(tx, &a.class_id).await?;
    let (taken, k_taken) = store::class_load(tx, &a.class_id, Some(&a.id)).await?;
    let load = ClassLoad {
        capacity: u32::try_from(capacity).unwrap_or(0),
        taken: u32::try_from(taken).unwrap_or(u32::MAX),
        kindergarten_taken: u32::try_from(k_taken).unwrap_or(u32::MAX),
    };
    let others: Vec<OtherPlacement> =
        store::placements(tx, &child.id, child.dedupe_index.as_deref(), &a.class_id)
            .await?
            .into_iter()
            .filter_map(|(class_name, s, e)| {
                Some(OtherPlacement {
                    class_name,
                    start: date(&s)?,
                    end: date(&e)?,
                })
            })
            .collect();
    let guardians = usize::try_from(store::guardian_count(tx, &child.id).await?).unwrap_or(0);
    let grade = Grade::parse(&child.grade).unwrap_or(Grade::K);
    let reasons = enrolment::check(&rules, grade, guardians, &load, start, end, &others);
    Ok(reasons
        .into_iter()
        .map(|r| {
            let msg = match &r {
                enrolment::Ineligible::KindergartenShareFull { places } => {
                    Msg::new(r.code()).arg("places", places)
                }
                enrolment::Ineligible::AlreadyPlaced { class_name } => {
                    Msg::new(r.code()).arg("class", class_name)
                }
                _ => Msg::new(r.code()),
            };
            FieldError {
                field: "status",
                msg,
            }
        })
        .collect())
}

/// What the checks need of a class: its capacity, dates and programme rules, in one query.
pub(super) struct Terms {
    pub capacity: i64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub rules: ProgrammeRules,
}

pub(super) async fn terms(tx: &mut Tx, class_id: &ClassId) -> Result<Terms, AppError> {
    let (capacity, s, e, rules) = store::class_terms(tx, class_id).await?;
    match (date(&s), date(&e)) {
        (Some(start), Some(end)) => Ok(Terms {
            capacity,
            start,
            end,
            rules: parse_rules(&rules)?,
        }),
        _ => Err(AppError::Internal(anyhow::anyhow!(
            "class dates unreadable"
        ))),
    }
}

/// Moves `a` to `to` inside `tx` after the checks that status needs; the errors name what
/// blocks it.
async fn transition(
    tx: &mut Tx,
    a: &mut Application,
    child: &store::Child,
    to: Status,
) -> Result<(), AppError> {
    if to.holds_place() && !a.status().holds_place() || to == Status::Enrolled {
        store::lock_class(tx, &a.class_id).await?;
        let mut errors = Vec::new();
        if to == Status::Enrolled {
            errors.extend(super::paperwork::missing(tx, a).await?);
        }
        if child.anonymised_at.is_some() {
            errors.push(FieldError::new("status", "enrol.child_deleted"));
        }
        errors.extend(ineligible(tx, a, child).await?);
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
    }
    a.status = to;
    a.updated_at = crate::now();
    store::update_application(tx, a).await?;
    Ok(())
}

/// A decision on an application: the unit accepts, wait-lists, rejects (with a reason), enrols or
/// withdraws; the guardian may withdraw.
pub async fn decide(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ApplicationId,
    decision: Decision,
    reason: &str,
) -> Result<Application, AppError> {
    let (mut a, access) = visible(state, user, id).await?;
    let unit = manages(state, user, &a.class_id).await?;
    let allowed = unit || (access == Access::Guardian && decision == Decision::Withdraw);
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let from = a.status();
    if !decision.allowed_from(from) {
        return Err(AppError::Conflict(
            Msg::new("application.bad_transition").arg_key("status", status_key(from)),
        ));
    }
    let reason = reason.trim();
    if decision == Decision::Reject && reason.is_empty() {
        return Err(AppError::field("reason", "application.reason_required"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "roster.too_long"));
    }
    let child = store::child(&state.db, &a.child_id).await?;
    let mut tx = state.db.begin().await?;
    // Every status change locks the class first; re-read after the lock, as another request
    // may have moved the application meanwhile.
    store::lock_class(&mut tx, &a.class_id).await?;
    let Some(current) = store::status_in(&mut tx, &a.id).await? else {
        return Err(AppError::NotFound);
    };
    if current != a.status {
        return Err(AppError::Conflict(Msg::new("application.changed")));
    }
    a.reason = reason.to_string();
    transition(&mut tx, &mut a, &child, decision.target()).await?;
    audit::record(
        &mut tx,
        &Entry::by(user, "application.decide", "application")
            .target(a.id)
            .detail(format!("{} -> {}", from.as_str(), a.status)),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(a)
}

/// i18n key of a status's name.
pub fn status_key(s: Status) -> &'static str {
    match s {
        Status::Applied => "application.status.applied",
        Status::Accepted => "application.status.accepted",
        Status::Waitlisted => "application.status.waitlisted",
        Status::Rejected => "application.status.rejected",
        Status::Enrolled => "application.status.enrolled",
        Status::Withdrawn => "application.status.withdrawn",
    }
}

/// Withdraws a deleted child's applications in classes that have not closed; closed classes keep
/// their records so their counts stay right.
pub async fn withdraw_open_for_deletion(
    tx: &mut Tx,
    child_id: &ChildId,
    reason: &str,
    now: i64,
) -> Result<(), AppError> {
    const SQL: &str = "UPDATE applications SET status = 'withdrawn', reason = $2, updated_at = $3 \
        WHERE child_id = $1 AND status IN ('applied', 'accepted', 'waitlisted', 'enrolled') \
        AND class_id IN (SELECT id FROM classes WHERE status <> 'closed')";
    crate::on_tx!(tx, x => sqlx::query(SQL).bind(child_id).bind(reason).bind(now)
        .execute(&mut *x).await.map(|_| ()))?;
    // Withdrawn without having been in the class: no longer counted as helped.
    crate::dashboard::reach::applications_changed(tx, &[*child_id]).await?;
    crate::dashboard::days::children_changed(tx, &[*child_id]).await?;
    Ok(())
}
