//! Applying, reviewers and scores, and the programme's overview with every application's
//! criteria, mean score and rank.

use std::collections::HashMap;

use super::facts::{self, Dates};
use super::{
    Application, HonourLevel, ModelApplyInput, ModelStatus, Overview, RUBRIC, Reviewer, Score,
    ScoreInput,
};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Scope};
use crate::classes::ClassStatus;
use crate::db::Sql;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ClassId, ModelApplicationId, ProgrammeId, UserId};
use crate::programmes::Programme;
use crate::{on_db, on_tx};

/// Whether the caller runs the programme's naming: it opens programmes where it was opened.
pub fn manages(user: &CurrentUser, p: &Programme) -> bool {
    crate::questionnaires::templates::edits(user, p)
}

/// The level the programme's federation names at.
pub async fn level_of(state: &AppState, p: &Programme) -> Result<Option<HonourLevel>, AppError> {
    let org = crate::orgs::get(&state.db, &Scope::All, &p.org_id).await?;
    Ok(org.and_then(|o| HonourLevel::of(o.kind())))
}

pub async fn is_reviewer(
    state: &AppState,
    user: &CurrentUser,
    p: &ProgrammeId,
) -> Result<bool, AppError> {
    const SQL: &str =
        "SELECT COUNT(*) FROM model_reviewers WHERE programme_id = $1 AND user_id = $2";
    let n: i64 = on_db!(&state.db, c => sqlx::query_scalar(SQL).bind(p).bind(user.id)
        .fetch_one(c).await)?;
    Ok(n > 0)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: ModelApplicationId,
    programme_id: ProgrammeId,
    class_id: ClassId,
    class_name: String,
    host_name: String,
    host_path: String,
    start_date: String,
    end_date: String,
    statement: String,
    status: String,
    applied_at: i64,
    certificate_no: Option<String>,
    named_at: Option<i64>,
    not_named_reason: String,
}

const ROWS: &str = "SELECT m.id, m.programme_id, m.class_id, c.name AS class_name, \
    h.name AS host_name, h.path AS host_path, c.start_date, c.end_date, m.statement, m.status, \
    m.applied_at, m.certificate_no, m.named_at, m.not_named_reason FROM model_applications m \
    JOIN classes c ON c.id = m.class_id JOIN orgs h ON h.id = c.host_org_id \
    WHERE m.programme_id = $1 ORDER BY m.applied_at, m.id";

/// Every application of the programme with its criteria, scores, mean and rank (ranks among the
/// eligible and scored, best mean first).
pub async fn all(state: &AppState, p: &Programme) -> Result<Vec<Application>, AppError> {
    let rows: Vec<Row> =
        on_db!(&state.db, c => sqlx::query_as(ROWS).bind(p.id).fetch_all(c).await)?;
    let dates: Vec<Dates> = rows
        .iter()
        .map(|r| Dates {
            class_id: r.class_id,
            start: r.start_date.clone(),
            end: r.end_date.clone(),
        })
        .collect();
    let mut criteria = facts::criteria_of(state, p, &dates).await?;
    let mut scores = scores_of(state, &p.id).await?;
    let mut out: Vec<Application> = rows
        .into_iter()
        .map(|r| {
            let criteria = criteria.remove(&r.class_id).unwrap_or_default();
            let scores = scores.remove(&r.id).unwrap_or_default();
            let mean_score = (!scores.is_empty()).then(|| {
                let sum: u32 = scores.iter().map(|s| s.total).sum();
                sum * 100 / u32::try_from(scores.len()).unwrap_or(1)
            });
            Application {
                eligible: tuoguan_domain::evaluation::eligible(&criteria),
                id: r.id,
                programme_id: r.programme_id,
                class_id: r.class_id,
                class_name: r.class_name,
                host_name: r.host_name,
                host_path: r.host_path,
                statement: r.statement,
                status: ModelStatus::parse(&r.status).unwrap_or(ModelStatus::Applied),
                applied_at: r.applied_at,
                criteria,
                scores,
                mean_score,
                rank: None,
                certificate_no: r.certificate_no,
                named_at: r.named_at,
                not_named_reason: r.not_named_reason,
            }
        })
        .collect();
    let mut ranked: Vec<(u32, usize)> = out
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((a.mean_score.filter(|_| a.eligible)?, i)))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (rank, (_, i)) in ranked.into_iter().enumerate() {
        out[i].rank = u32::try_from(rank + 1).ok();
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct ScoreRow {
    application_id: ModelApplicationId,
    reviewer_id: UserId,
    reviewer_name: String,
    scores: String,
    total: i64,
    comment: String,
    scored_at: i64,
}

async fn scores_of(
    state: &AppState,
    p: &ProgrammeId,
) -> sqlx::Result<HashMap<ModelApplicationId, Vec<Score>>> {
    const SQL: &str = "SELECT s.application_id, s.reviewer_id, u.display_name AS reviewer_name, \
        s.scores, s.total, s.comment, s.scored_at FROM model_scores s \
        JOIN model_applications m ON m.id = s.application_id JOIN users u ON u.id = s.reviewer_id \
        WHERE m.programme_id = $1 ORDER BY s.scored_at, s.reviewer_id";
    let rows: Vec<ScoreRow> =
        on_db!(&state.db, c => sqlx::query_as(SQL).bind(p).fetch_all(c).await)?;
    let mut out: HashMap<ModelApplicationId, Vec<Score>> = HashMap::new();
    for r in rows {
        out.entry(r.application_id).or_default().push(Score {
            reviewer_id: r.reviewer_id,
            reviewer_name: r.reviewer_name,
            items: serde_json::from_str(&r.scores).unwrap_or_default(),
            total: u32::try_from(r.total).unwrap_or(0),
            comment: r.comment,
            scored_at: r.scored_at,
        });
    }
    Ok(out)
}

/// Which applications the caller reads: the federation naming and its reviewers all of them,
/// anyone else those of the classes in their `ViewClasses` scope.
async fn visible_to(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    apps: Vec<Application>,
) -> Result<Vec<Application>, AppError> {
    if manages(user, p) || is_reviewer(state, user, &p.id).await? {
        return Ok(apps);
    }
    let scope = user.scope(Capability::ViewClasses);
    Ok(apps
        .into_iter()
        .filter(|a| scope.as_ref().is_some_and(|s| s.contains(&a.host_path)))
        .collect())
}

pub async fn reviewers(state: &AppState, p: &ProgrammeId) -> sqlx::Result<Vec<Reviewer>> {
    const SQL: &str = "SELECT u.id, u.display_name FROM model_reviewers r \
        JOIN users u ON u.id = r.user_id WHERE r.programme_id = $1 ORDER BY u.display_name, u.id";
    let rows: Vec<(UserId, String)> =
        on_db!(&state.db, c => sqlx::query_as(SQL).bind(p).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, name)| Reviewer { user_id, name })
        .collect())
}

/// The programme's model classes as the caller sees them.
pub async fn overview(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
) -> Result<Overview, AppError> {
    let apps = visible_to(state, user, p, all(state, p).await?).await?;
    let notice = super::notices::of_programme(state, p).await?;
    let objections = match (&notice, manages(user, p)) {
        (Some(n), true) => super::notices::objections(state, &n.id).await?,
        _ => Vec::new(),
    };
    Ok(Overview {
        programme_id: p.id,
        level: level_of(state, p).await?,
        quota: p.target_model_classes,
        applications: apps,
        reviewers: reviewers(state, &p.id).await?,
        notice,
        objections,
    })
}

/// One application the caller reads, without its criteria and scores (a certificate needs
/// neither): the same visibility as [`get`], one row read.
pub async fn one(
    state: &AppState,
    user: &CurrentUser,
    id: &ModelApplicationId,
) -> Result<(Programme, Application), AppError> {
    let sql = ROWS.replace("WHERE m.programme_id = $1", "WHERE m.id = $1");
    let row: Option<Row> = on_db!(&state.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    let r = row.ok_or(AppError::NotFound)?;
    let p = crate::programmes::service::visible(state, user, &r.programme_id).await?;
    let a = Application {
        eligible: false,
        id: r.id,
        programme_id: r.programme_id,
        class_id: r.class_id,
        class_name: r.class_name,
        host_name: r.host_name,
        host_path: r.host_path,
        statement: r.statement,
        status: ModelStatus::parse(&r.status).unwrap_or(ModelStatus::Applied),
        applied_at: r.applied_at,
        criteria: Vec::new(),
        scores: Vec::new(),
        mean_score: None,
        rank: None,
        certificate_no: r.certificate_no,
        named_at: r.named_at,
        not_named_reason: r.not_named_reason,
    };
    let mut seen = visible_to(state, user, &p, vec![a]).await?;
    let a = seen.pop().ok_or(AppError::NotFound)?;
    Ok((p, a))
}

/// One application the caller reads, or 404.
pub async fn get(
    state: &AppState,
    user: &CurrentUser,
    id: &ModelApplicationId,
) -> Result<(Programme, Application), AppError> {
    const SQL: &str = "SELECT programme_id FROM model_applications WHERE id = $1";
    let pid: Option<ProgrammeId> =
        on_db!(&state.db, c => sqlx::query_scalar(SQL).bind(id).fetch_optional(c).await)?;
    let p =
        crate::programmes::service::visible(state, user, &pid.ok_or(AppError::NotFound)?).await?;
    let apps = visible_to(state, user, &p, all(state, &p).await?).await?;
    let a = apps
        .into_iter()
        .find(|a| a.id == *id)
        .ok_or(AppError::NotFound)?;
    Ok((p, a))
}

/// (programme, application) of the applications an expert is assigned to and has not scored.
pub async fn to_score(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<(ProgrammeId, ModelApplicationId)>, AppError> {
    const SQL: &str = "SELECT m.programme_id, m.id FROM model_applications m \
        JOIN model_reviewers r ON r.programme_id = m.programme_id AND r.user_id = $1 \
        WHERE m.status = 'applied' AND NOT EXISTS (SELECT 1 FROM model_scores s \
        WHERE s.application_id = m.id AND s.reviewer_id = $1) ORDER BY m.applied_at, m.id";
    Ok(on_db!(&state.db, c => sqlx::query_as(SQL).bind(user.id).fetch_all(c).await)?)
}

/// The class's unit applies, once the class has closed, for a programme whose federation names.
pub async fn apply(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    input: &ModelApplyInput,
) -> Result<ModelApplicationId, AppError> {
    let c = crate::classes::service::visible(state, user, class_id)
        .await?
        .into_inner();
    let hosts = user
        .scope(Capability::RegisterClasses)
        .is_some_and(|s| s.contains(&c.host_path));
    if !hosts {
        return Err(AppError::Forbidden);
    }
    let statement = input.statement.trim();
    if statement.is_empty() || statement.chars().count() > 2000 {
        return Err(AppError::field("statement", "model.statement_err"));
    }
    if c.status != ClassStatus::Closed {
        return Err(AppError::Conflict(Msg::new("model.not_closed")));
    }
    let p = crate::programmes::store::any(&state.db, &c.programme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if level_of(state, &p).await?.is_none() {
        return Err(AppError::Conflict(Msg::new("model.no_level")));
    }
    let id = ModelApplicationId::new();
    const SQL: &str = "INSERT INTO model_applications (id, programme_id, class_id, statement, \
        status, applied_by, applied_at) VALUES ($1, $2, $3, $4, 'applied', $5, $6)";
    let mut tx = state.db.begin().await?;
    let done = on_tx!(&mut tx, q => sqlx::query(SQL).bind(id).bind(p.id).bind(c.id)
        .bind(statement).bind(user.id).bind(crate::now()).execute(&mut *q).await.map(|_| ()));
    if let Err(e) = done {
        return Err(match crate::db::is_unique_violation(&e) {
            true => AppError::Conflict(Msg::new("model.applied")),
            false => e.into(),
        });
    }
    let entry = Entry::by(user, "model.apply", "class").target(c.id);
    audit::record(&mut tx, &entry, client).await?;
    tx.commit().await?;
    Ok(id)
}

/// The federation assigns an expert reviewer of its area to the programme's applications.
pub async fn assign(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    p: &Programme,
    reviewer: &UserId,
) -> Result<Vec<Reviewer>, AppError> {
    if !manages(user, p) {
        return Err(AppError::Forbidden);
    }
    let experts: Vec<(UserId,)> = Sql::new(
        "SELECT DISTINCT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
         JOIN orgs o ON o.id = r.org_id WHERE r.role = 'expert_reviewer' AND u.active AND u.id = ",
    )
    .bind(*reviewer)
    .push(" AND ")
    .scope("o.path", &Scope::Subtrees(vec![p.org_path.clone()]))
    .fetch_all(&state.db)
    .await?;
    if experts.is_empty() {
        return Err(AppError::field("user_id", "model.not_expert"));
    }
    const SQL: &str = "INSERT INTO model_reviewers (programme_id, user_id, assigned_by, \
        assigned_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, q => sqlx::query(SQL).bind(p.id).bind(reviewer).bind(user.id)
        .bind(crate::now()).execute(&mut *q).await.map(|_| ()))?;
    let entry = Entry::by(user, "model.assign_reviewer", "programme").target(p.id);
    audit::record(&mut tx, &entry.detail(reviewer.to_string()), client).await?;
    tx.commit().await?;
    Ok(reviewers(state, &p.id).await?)
}

fn checked(input: &ScoreInput) -> Result<(u32, String), AppError> {
    let mut errors = Vec::new();
    let fits = input.items.len() == RUBRIC.len()
        && input
            .items
            .iter()
            .zip(RUBRIC)
            .all(|(v, (_, max))| *v <= max);
    if !fits {
        errors.push(FieldError::new("items", "model.items"));
    }
    let comment = input.comment.trim().to_string();
    if comment.chars().count() > 2000 {
        errors.push(FieldError::new("comment", "model.comment"));
    }
    match errors.is_empty() {
        true => Ok((input.items.iter().sum(), comment)),
        false => Err(AppError::Validation(errors)),
    }
}

/// An assigned reviewer scores an application (again, to revise, until the notice is out).
pub async fn score(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ModelApplicationId,
    input: &ScoreInput,
) -> Result<Application, AppError> {
    let (p, a) = get(state, user, id).await?;
    if !is_reviewer(state, user, &p.id).await? {
        return Err(AppError::Forbidden);
    }
    let (total, comment) = checked(input)?;
    if a.status != ModelStatus::Applied {
        return Err(AppError::Conflict(Msg::new("model.scored_too_late")));
    }
    let items = serde_json::to_string(&input.items).unwrap_or_else(|_| "[]".into());
    const SQL: &str = "INSERT INTO model_scores (application_id, reviewer_id, scores, total, \
        comment, scored_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (application_id, \
        reviewer_id) DO UPDATE SET scores = excluded.scores, total = excluded.total, \
        comment = excluded.comment, scored_at = excluded.scored_at";
    let mut tx = state.db.begin().await?;
    on_tx!(&mut tx, q => sqlx::query(SQL).bind(a.id).bind(user.id).bind(&items)
        .bind(i64::from(total)).bind(&comment).bind(crate::now()).execute(&mut *q).await
        .map(|_| ()))?;
    let entry = Entry::by(user, "model.score", "model_application").target(a.id);
    audit::record(&mut tx, &entry.detail(total.to_string()), client).await?;
    tx.commit().await?;
    Ok(get(state, user, id).await?.1)
}
