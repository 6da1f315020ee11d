//! The public notice (公示) and the naming: the federation publishes the classes it proposes for
//! a set period, records the objections received and how each was handled, and after the period
//! names the classes — none with an upheld objection or a failed criterion — each with a
//! numbered certificate.

use chrono::{Days, NaiveDate};

use super::service::{self, manages};
use super::{Entry, HandlingInput, ModelStatus, Notice, NoticeInput, Objection, ObjectionInput};
use crate::app::AppState;
use crate::audit::{self, Client};
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ModelApplicationId, NoticeId, ObjectionId, ProgrammeId};
use crate::programmes::Programme;
use crate::{on_db, on_tx};

#[derive(sqlx::FromRow)]
struct Row {
    id: NoticeId,
    programme_id: ProgrammeId,
    programme_name: String,
    federation_name: String,
    level: String,
    title: String,
    entries: String,
    starts_on: String,
    ends_on: String,
    published_at: i64,
    named_at: Option<i64>,
}

const COLS: &str = "SELECT n.id, n.programme_id, p.name AS programme_name, \
    o.name AS federation_name, n.level, n.title, n.entries, n.starts_on, n.ends_on, \
    n.published_at, n.named_at FROM model_notices n JOIN programmes p ON p.id = n.programme_id \
    JOIN orgs o ON o.id = n.org_id";

impl Row {
    fn notice(self) -> Notice {
        Notice {
            id: self.id,
            programme_id: self.programme_id,
            programme_name: self.programme_name,
            federation_name: self.federation_name,
            level: super::HonourLevel::parse(&self.level).unwrap_or(super::HonourLevel::City),
            title: self.title,
            entries: serde_json::from_str(&self.entries).unwrap_or_default(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            published_at: self.published_at,
            named_at: self.named_at,
        }
    }
}

/// A notice, public: anyone reads it (it holds nothing personal).
pub async fn public(state: &AppState, id: &NoticeId) -> Result<Notice, AppError> {
    let sql = format!("{COLS} WHERE n.id = $1");
    let row: Option<Row> = on_db!(&state.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.ok_or(AppError::NotFound)?.notice())
}

pub async fn of_programme(state: &AppState, p: &Programme) -> Result<Option<Notice>, AppError> {
    let sql = format!("{COLS} WHERE n.programme_id = $1");
    let row: Option<Row> = on_db!(&state.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(p.id).fetch_optional(c).await)?;
    Ok(row.map(Row::notice))
}

pub async fn objections(state: &AppState, notice: &NoticeId) -> sqlx::Result<Vec<Objection>> {
    #[derive(sqlx::FromRow)]
    struct O {
        id: ObjectionId,
        application_id: ModelApplicationId,
        class_name: String,
        summary: String,
        received_on: String,
        upheld: Option<bool>,
        handling: String,
    }
    const SQL: &str = "SELECT x.id, x.application_id, c.name AS class_name, x.summary, \
        x.received_on, x.upheld, x.handling FROM model_objections x \
        JOIN model_applications m ON m.id = x.application_id JOIN classes c ON c.id = m.class_id \
        WHERE x.notice_id = $1 ORDER BY x.received_on, x.recorded_at, x.id";
    let rows: Vec<O> = on_db!(&state.db, c => sqlx::query_as(SQL).bind(notice).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|o| Objection {
            id: o.id,
            application_id: o.application_id,
            class_name: o.class_name,
            summary: o.summary,
            received_on: o.received_on,
            upheld: o.upheld,
            handling: o.handling,
        })
        .collect())
}

/// The notice's title: 关于…拟命名市级示范职工子女爱心托管班的公示.
fn title(p: &Programme, level: super::HonourLevel) -> String {
    format!("关于{}拟命名{}的公示", p.name, level.title())
}

/// The federation publishes the classes it proposes, from today for `days` days.
pub async fn publish(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    p: &Programme,
    input: &NoticeInput,
) -> Result<Notice, AppError> {
    if !manages(user, p) {
        return Err(AppError::Forbidden);
    }
    let level = service::level_of(state, p)
        .await?
        .ok_or_else(|| AppError::Conflict(Msg::new("model.no_level")))?;
    if of_programme(state, p).await?.is_some() {
        return Err(AppError::Conflict(Msg::new("model.notice_exists")));
    }
    let days = input.days.unwrap_or(7);
    if !(5..=30).contains(&days) {
        return Err(AppError::field("days", "model.days_err"));
    }
    let mut apps = service::all(state, p).await?;
    apps.retain(|a| a.status == ModelStatus::Applied);
    let quota = usize::try_from(p.target_model_classes).unwrap_or(0);
    let mut proposed: Vec<_> = match input.application_ids.is_empty() {
        true => apps.into_iter().filter(|a| a.rank.is_some()).collect(),
        false => {
            let mut chosen = Vec::new();
            for id in &input.application_ids {
                let a = apps.iter().find(|a| a.id == *id);
                let Some(a) = a else {
                    return Err(AppError::field("application_ids", "model.unknown"));
                };
                if !a.eligible {
                    return Err(AppError::field("application_ids", "model.not_eligible"));
                }
                if a.rank.is_none() {
                    return Err(AppError::field("application_ids", "model.not_scored"));
                }
                chosen.push(a.clone());
            }
            chosen.dedup_by_key(|a| a.id);
            if chosen.len() > quota {
                return Err(AppError::field("application_ids", "model.over_quota"));
            }
            chosen
        }
    };
    proposed.sort_by_key(|a| a.rank);
    proposed.truncate(quota);
    if proposed.is_empty() {
        let errors = vec![FieldError::new("application_ids", "model.none_proposed")];
        return Err(AppError::Validation(errors));
    }
    let entries: Vec<Entry> = proposed
        .iter()
        .map(|a| Entry {
            application_id: a.id,
            class_name: a.class_name.clone(),
            host_name: a.host_name.clone(),
            rank: a.rank.unwrap_or(0),
            mean_score: a.mean_score.unwrap_or(0),
        })
        .collect();
    let today = crate::calendar::today();
    let ends = today
        .checked_add_days(Days::new(u64::from(days - 1)))
        .unwrap_or(today);
    let id = NoticeId::new();
    const SQL: &str = "INSERT INTO model_notices (id, programme_id, org_id, level, title, \
        entries, starts_on, ends_on, published_by, published_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
    const MARK: &str = "UPDATE model_applications SET status = 'noticed' WHERE id = $1";
    let mut tx = state.db.begin().await?;
    let json = serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into());
    let done = on_tx!(&mut tx, c => sqlx::query(SQL).bind(id).bind(p.id).bind(p.org_id)
        .bind(level.as_str()).bind(title(p, level)).bind(&json).bind(today.to_string())
        .bind(ends.to_string()).bind(user.id).bind(crate::now()).execute(&mut *c).await
        .map(|_| ()));
    if let Err(e) = done {
        return Err(match crate::db::is_unique_violation(&e) {
            true => AppError::Conflict(Msg::new("model.notice_exists")),
            false => e.into(),
        });
    }
    for e in &entries {
        on_tx!(&mut tx, c => sqlx::query(MARK).bind(e.application_id).execute(&mut *c).await
            .map(|_| ()))?;
    }
    let entry = audit::Entry::by(user, "model.notice", "programme").target(p.id);
    audit::record(&mut tx, &entry.detail(entries.len().to_string()), client).await?;
    tx.commit().await?;
    public(state, &id).await
}

async fn managed(
    state: &AppState,
    user: &CurrentUser,
    id: &NoticeId,
) -> Result<(Programme, Notice), AppError> {
    let n = public(state, id).await?;
    let p = crate::programmes::service::visible(state, user, &n.programme_id).await?;
    if !manages(user, &p) {
        return Err(AppError::Forbidden);
    }
    Ok((p, n))
}

/// An objection received during the notice, recorded by the federation.
pub async fn object(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &NoticeId,
    input: &ObjectionInput,
) -> Result<Vec<Objection>, AppError> {
    let (_, n) = managed(state, user, id).await?;
    if n.named_at.is_some() {
        return Err(AppError::Conflict(Msg::new("model.named_already")));
    }
    let mut errors = Vec::new();
    if !n
        .entries
        .iter()
        .any(|e| e.application_id == input.application_id)
    {
        errors.push(FieldError::new("application_id", "model.not_in_notice"));
    }
    let summary = input.summary.trim();
    if summary.is_empty() || summary.chars().count() > 1000 {
        errors.push(FieldError::new("summary", "model.summary"));
    }
    let day = NaiveDate::parse_from_str(input.received_on.trim(), "%Y-%m-%d").ok();
    let within = day.is_some_and(|d| {
        let d = d.to_string();
        d >= n.starts_on && d <= n.ends_on && d <= crate::calendar::today().to_string()
    });
    if !within {
        errors.push(FieldError::new("received_on", "model.received_on_err"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    const SQL: &str = "INSERT INTO model_objections (id, notice_id, application_id, summary, \
        received_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let oid = ObjectionId::new();
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query(SQL).bind(oid).bind(n.id).bind(input.application_id)
        .bind(summary).bind(input.received_on.trim()).bind(user.id).bind(crate::now())
        .execute(&mut *c).await.map(|_| ()))?;
    let entry = audit::Entry::by(user, "model.objection", "notice").target(n.id);
    audit::record(&mut tx, &entry.detail(oid.to_string()), client).await?;
    tx.commit().await?;
    Ok(objections(state, &n.id).await?)
}

/// The federation records how it handled an objection: upheld (the class is not named) or not.
pub async fn handle(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ObjectionId,
    input: &HandlingInput,
) -> Result<Vec<Objection>, AppError> {
    const FIND: &str = "SELECT notice_id FROM model_objections WHERE id = $1";
    let notice: Option<NoticeId> =
        on_db!(&state.db, c => sqlx::query_scalar(FIND).bind(id).fetch_optional(c).await)?;
    let (_, n) = managed(state, user, &notice.ok_or(AppError::NotFound)?).await?;
    let handling = input.handling.trim();
    if handling.is_empty() || handling.chars().count() > 1000 {
        return Err(AppError::field("handling", "model.handling_err"));
    }
    const SQL: &str = "UPDATE model_objections SET upheld = $2, handling = $3, handled_by = $4, \
        handled_at = $5 WHERE id = $1 AND upheld IS NULL";
    let mut tx = state.db.begin().await?;
    let changed = on_tx!(&mut tx, c => sqlx::query(SQL).bind(id).bind(input.upheld)
        .bind(handling).bind(user.id).bind(crate::now()).execute(&mut *c).await
        .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(AppError::Conflict(Msg::new("model.handled_already")));
    }
    let entry = audit::Entry::by(user, "model.objection_handled", "notice").target(n.id);
    audit::record(&mut tx, &entry.detail(input.upheld.to_string()), client).await?;
    tx.commit().await?;
    Ok(objections(state, &n.id).await?)
}

/// After the notice's period, with every objection handled, names the classes proposed: each
/// with no upheld objection and every criterion passing (checked again now) gets the next
/// certificate number; the others, and the applications not proposed, are not named, with why.
pub async fn name(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &NoticeId,
) -> Result<Notice, AppError> {
    let (p, n) = managed(state, user, id).await?;
    if n.named_at.is_some() {
        return Err(AppError::Conflict(Msg::new("model.named_already")));
    }
    if crate::calendar::today().to_string() <= n.ends_on {
        return Err(AppError::Conflict(Msg::new("model.notice_running")));
    }
    let objections = objections(state, &n.id).await?;
    if objections.iter().any(|o| o.upheld.is_none()) {
        return Err(AppError::Conflict(Msg::new("model.objections_open")));
    }
    let apps = service::all(state, &p).await?;
    let level = n.level;
    let now = crate::now();
    const NAMED: &str = "UPDATE model_applications SET status = 'named', named_at = $2, \
        certificate_no = $3 WHERE id = $1";
    const NOT: &str = "UPDATE model_applications SET status = 'not_named', \
        not_named_reason = $2 WHERE id = $1 AND status <> 'named'";
    let mut tx = state.db.begin().await?;
    let mut seq = 0;
    for e in &n.entries {
        let a = apps.iter().find(|a| a.id == e.application_id);
        let upheld = objections
            .iter()
            .any(|o| o.application_id == e.application_id && o.upheld == Some(true));
        let failed: Vec<&str> = a
            .map(|a| {
                a.criteria
                    .iter()
                    .filter(|c| !c.pass)
                    .map(|c| c.code.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let reason = match (upheld, failed.is_empty()) {
            (true, _) => "objection".to_string(),
            (false, false) => format!("criteria:{}", failed.join(",")),
            (false, true) => String::new(),
        };
        if reason.is_empty() {
            seq += 1;
            let number = format!("{}〔{}〕第{seq:03}号", level.prefix(), p.year);
            on_tx!(&mut tx, c => sqlx::query(NAMED).bind(e.application_id).bind(now)
                .bind(&number).execute(&mut *c).await.map(|_| ()))?;
        } else {
            on_tx!(&mut tx, c => sqlx::query(NOT).bind(e.application_id).bind(&reason)
                .execute(&mut *c).await.map(|_| ()))?;
        }
    }
    for a in apps.iter().filter(|a| a.status == ModelStatus::Applied) {
        on_tx!(&mut tx, c => sqlx::query(NOT).bind(a.id).bind("not_proposed")
            .execute(&mut *c).await.map(|_| ()))?;
    }
    const DONE: &str = "UPDATE model_notices SET named_at = $2 WHERE id = $1";
    on_tx!(&mut tx, c => sqlx::query(DONE).bind(n.id).bind(now).execute(&mut *c).await
        .map(|_| ()))?;
    let entry = audit::Entry::by(user, "model.name", "notice").target(n.id);
    audit::record(&mut tx, &entry.detail(seq.to_string()), client).await?;
    tx.commit().await?;
    public(state, id).await
}
