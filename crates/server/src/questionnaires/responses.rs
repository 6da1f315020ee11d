//! Answering a questionnaire: a guardian for their child's enrolment (from their account or the
//! enrolment's QR link), a host unit for its class. One response each, taken from the class's
//! start until the programme's last day.

use chrono::NaiveDate;

use super::{
    Answering, Audience, Questionnaire, Receipt, ResponseChannel, ResponseInput, rating_str,
    templates,
};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::classes::{Class, ClassStatus};
use crate::db::{Db, Tx};
use crate::enrolment::{Access, Status};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ApplicationId, ClassId, UserId};
use crate::programmes::Programme;
use crate::{on_db, on_tx};

/// What a response is about: the class, its programme, and the enrolment for a guardian's.
pub struct Target {
    pub class: Class,
    pub programme: Programme,
    pub application: Option<ApplicationId>,
    pub audience: Audience,
    /// The enrolment holds a place (a guardian's questionnaire only).
    pub enrolled: bool,
}

impl Target {
    /// Open from the class's start (running or closed) until the programme's last day.
    pub fn open_on(&self, today: NaiveDate) -> bool {
        let started = matches!(
            self.class.status,
            ClassStatus::Running | ClassStatus::Closed
        );
        started && self.enrolled && !self.expired_on(today)
    }

    pub fn expired_on(&self, today: NaiveDate) -> bool {
        today.to_string() > self.programme.end_date
    }
}

async fn programme_of(state: &AppState, c: &Class) -> Result<Programme, AppError> {
    crate::programmes::store::any(&state.db, &c.programme_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A class read without a scope, for a caller who reached it through a record they hold.
async fn class(state: &AppState, id: &ClassId) -> Result<Class, AppError> {
    let scope = crate::auth::Scope::All;
    Ok(crate::classes::service::in_scope(state, &scope, id)
        .await?
        .into_inner())
}

/// The enrolment's target, reached through the application (its guardian, or its QR link).
pub async fn of_application(state: &AppState, id: &ApplicationId) -> Result<Target, AppError> {
    let (a, _) = crate::enrolment::store::application(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let class = class(state, &a.class_id).await?;
    Ok(Target {
        programme: programme_of(state, &class).await?,
        class,
        application: Some(a.id),
        audience: Audience::Guardian,
        enrolled: a.status == Status::Enrolled,
    })
}

/// A guardian's questionnaire for their child's enrolment: 404 unless the caller is the child's
/// guardian (a unit that sees the enrolment: 403, it does not answer for the family).
pub async fn for_guardian(
    state: &AppState,
    user: &CurrentUser,
    id: &ApplicationId,
) -> Result<Target, AppError> {
    let (_, access) = crate::enrolment::applications::visible(state, user, id).await?;
    if access != Access::Guardian {
        return Err(AppError::Forbidden);
    }
    of_application(state, id).await
}

/// The host's questionnaire for a class: whoever registers classes at its host (a federation
/// reading the class: 403).
pub async fn for_host(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
) -> Result<Target, AppError> {
    let c = crate::classes::service::visible(state, user, id)
        .await?
        .into_inner();
    let hosts = user
        .scope(Capability::RegisterClasses)
        .is_some_and(|s| s.contains(&c.host_path));
    if !hosts {
        return Err(AppError::Forbidden);
    }
    Ok(Target {
        programme: programme_of(state, &c).await?,
        class: c,
        application: None,
        audience: Audience::Host,
        enrolled: true,
    })
}

async fn answered(db: &Db, t: &Target) -> sqlx::Result<bool> {
    let n: i64 = match &t.application {
        Some(a) => {
            const SQL: &str = "SELECT COUNT(*) FROM questionnaire_responses \
                WHERE application_id = $1 AND audience = 'guardian'";
            on_db!(db, c => sqlx::query_scalar(SQL).bind(a).fetch_one(c).await)?
        }
        None => {
            const SQL: &str = "SELECT COUNT(*) FROM questionnaire_responses \
                WHERE class_id = $1 AND audience = 'host'";
            on_db!(db, c => sqlx::query_scalar(SQL).bind(t.class.id).fetch_one(c).await)?
        }
    };
    Ok(n > 0)
}

/// The questionnaire as its respondent sees it.
pub async fn answering(state: &AppState, t: &Target) -> Result<Answering, AppError> {
    let q = templates::current(&state.db, &t.programme.id, t.audience).await?;
    Ok(Answering {
        questionnaire: q,
        class_id: t.class.id,
        class_name: t.class.name.clone(),
        open: t.open_on(crate::calendar::today()),
        open_until: t.programme.end_date.clone(),
        answered: answered(&state.db, t).await?,
    })
}

fn checked(q: &Questionnaire, input: &ResponseInput) -> Result<String, AppError> {
    let mut errors = Vec::new();
    if input.answers.len() != q.questions.len() {
        errors.push(FieldError::new("answers", "questionnaire.answers_count"));
    }
    let comment = input.comment.trim().to_string();
    if comment.chars().count() > 1000 {
        errors.push(FieldError::new("comment", "questionnaire.comment_length"));
    }
    match errors.is_empty() {
        true => Ok(comment),
        false => Err(AppError::Validation(errors)),
    }
}

const INSERT: &str = "INSERT INTO questionnaire_responses (id, questionnaire_id, programme_id, \
    audience, class_id, application_id, respondent_id, channel, overall, answers, comment, \
    created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// Stores one response; a second for the same enrolment (or class, for a host) is refused.
async fn store(
    tx: &mut Tx,
    t: &Target,
    respondent: Option<&UserId>,
    channel: ResponseChannel,
    input: &ResponseInput,
) -> Result<Receipt, AppError> {
    let (qid, q) = templates::answered_version(tx, &t.programme.id, t.audience).await?;
    let comment = checked(&q, input)?;
    let answers: Vec<&str> = input.answers.iter().map(|r| rating_str(*r)).collect();
    let answers = serde_json::to_string(&answers).unwrap_or_else(|_| "[]".into());
    let now = crate::now();
    let done = on_tx!(tx, c => sqlx::query(INSERT).bind(crate::new_id()).bind(&qid)
        .bind(t.programme.id).bind(t.audience.as_str()).bind(t.class.id).bind(t.application)
        .bind(respondent).bind(channel.as_str()).bind(rating_str(input.overall)).bind(&answers)
        .bind(&comment).bind(now).execute(&mut *c).await.map(|_| ()));
    match done {
        Ok(_) => Ok(Receipt {
            class_name: t.class.name.clone(),
            version: q.version,
            answered_at: now,
        }),
        Err(e) if crate::db::is_unique_violation(&e) => {
            Err(AppError::Conflict(Msg::new("questionnaire.answered")))
        }
        Err(e) => Err(e.into()),
    }
}

fn refuse_closed(t: &Target) -> Result<(), AppError> {
    match t.open_on(crate::calendar::today()) {
        true => Ok(()),
        false => Err(AppError::Conflict(Msg::new("questionnaire.closed"))),
    }
}

/// A signed-in respondent (the guardian, the host unit) answers.
pub async fn answer(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    t: &Target,
    input: &ResponseInput,
) -> Result<Receipt, AppError> {
    refuse_closed(t)?;
    let mut tx = state.db.begin().await?;
    let receipt = store(&mut tx, t, Some(&user.id), ResponseChannel::Account, input).await?;
    let entry = match &t.application {
        Some(a) => Entry::by(user, "questionnaire.answer", "application").target(a),
        None => Entry::by(user, "questionnaire.answer", "class").target(t.class.id),
    };
    audit::record(&mut tx, &entry.detail(t.audience.as_str()), client).await?;
    tx.commit().await?;
    Ok(receipt)
}

/// A guardian answers through the enrolment's QR link, without an account: the link answers
/// once and expires with the programme (410).
pub async fn answer_by_link(
    state: &AppState,
    t: &Target,
    input: &ResponseInput,
) -> Result<Receipt, AppError> {
    if t.expired_on(crate::calendar::today()) {
        return Err(AppError::Gone(Msg::new("questionnaire.link_expired")));
    }
    refuse_closed(t)?;
    let mut tx = state.db.begin().await?;
    let receipt = store(&mut tx, t, None, ResponseChannel::Link, input).await?;
    tx.commit().await?;
    Ok(receipt)
}
