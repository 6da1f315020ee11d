//! The questionnaires of a programme: the platform's default (version 1) until the federation that
//! opened the programme edits it; each edit is a new version, and earlier responses keep theirs.

use super::{Audience, Questionnaire, QuestionnaireInput};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::ids::{ProgrammeId, UserId};
use crate::programmes::Programme;
use crate::{on_db, on_tx};

const MAX_QUESTIONS: usize = 20;

/// The platform's questionnaire for an audience (seed 000 Beijing's forms, in outline).
pub fn default(programme_id: ProgrammeId, audience: Audience) -> Questionnaire {
    let (title, overall, questions, comment): (&str, &str, &[&str], &str) = match audience {
        Audience::Guardian => (
            "家长测评表",
            "您对本托管班的总体评价",
            &[
                "孩子在托管班的安全（接送、看护）",
                "托管时间是否方便您上班",
                "课程与活动内容",
                "工作人员和志愿者的态度与责任心",
                "场地与卫生条件",
            ],
            "您的意见和建议",
        ),
        Audience::Host => (
            "主办单位测评表",
            "本单位对托管班运行情况的总体评价",
            &[
                "安全管理与应急处置",
                "工作人员和志愿者的配备",
                "职工和家长的反映",
                "上级工会的指导与支持",
            ],
            "意见和建议",
        ),
    };
    Questionnaire {
        programme_id,
        audience,
        version: 1,
        title: title.into(),
        overall: overall.into(),
        questions: questions.iter().map(|q| q.to_string()).collect(),
        comment_prompt: comment.into(),
        created_at: None,
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    version: i64,
    title: String,
    overall: String,
    questions: String,
    comment_prompt: String,
    created_at: i64,
}

impl Row {
    fn into_questionnaire(self, programme_id: ProgrammeId, audience: Audience) -> Questionnaire {
        Questionnaire {
            programme_id,
            audience,
            version: self.version,
            title: self.title,
            overall: self.overall,
            questions: serde_json::from_str(&self.questions).unwrap_or_default(),
            comment_prompt: self.comment_prompt,
            created_at: Some(self.created_at),
        }
    }
}

const LATEST: &str = "SELECT id, version, title, overall, questions, comment_prompt, created_at \
    FROM questionnaires WHERE programme_id = $1 AND audience = $2 ORDER BY version DESC LIMIT 1";

/// The version in force.
pub async fn current(
    db: &Db,
    programme_id: &ProgrammeId,
    audience: Audience,
) -> sqlx::Result<Questionnaire> {
    let row: Option<Row> = on_db!(db, c => sqlx::query_as(LATEST).bind(programme_id)
        .bind(audience.as_str()).fetch_optional(c).await)?;
    Ok(match row {
        Some(r) => r.into_questionnaire(*programme_id, audience),
        None => default(*programme_id, audience),
    })
}

const INSERT: &str = "INSERT INTO questionnaires (id, programme_id, audience, version, title, \
    overall, questions, comment_prompt, created_by, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

async fn insert(tx: &mut Tx, q: &Questionnaire, by: &UserId) -> sqlx::Result<String> {
    let id = crate::new_id();
    let questions = serde_json::to_string(&q.questions).unwrap_or_else(|_| "[]".into());
    on_tx!(tx, c => sqlx::query(INSERT).bind(&id).bind(q.programme_id).bind(q.audience.as_str())
        .bind(q.version).bind(&q.title).bind(&q.overall).bind(&questions).bind(&q.comment_prompt)
        .bind(by).bind(q.created_at.unwrap_or_else(crate::now)).execute(&mut *c).await.map(|_| ()))?;
    Ok(id)
}

/// The version in force and its row, storing the default the first time it is answered.
pub async fn answered_version(
    tx: &mut Tx,
    programme_id: &ProgrammeId,
    audience: Audience,
) -> Result<(String, Questionnaire), AppError> {
    let row: Option<Row> = on_tx!(tx, c => sqlx::query_as(LATEST).bind(programme_id)
        .bind(audience.as_str()).fetch_optional(&mut *c).await)?;
    if let Some(r) = row {
        let id = r.id.clone();
        return Ok((id, r.into_questionnaire(*programme_id, audience)));
    }
    let q = default(*programme_id, audience);
    match insert(tx, &q, &UserId::SYSTEM).await {
        Ok(id) => Ok((id, q)),
        // Another response stored the default at the same moment: ask again.
        Err(e) if crate::db::is_unique_violation(&e) => {
            Err(AppError::Conflict(Msg::new("questionnaire.try_again")))
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the caller edits the programme's questionnaires: they open programmes where it was
/// opened (the federation that opened it, or one above).
pub fn edits(user: &CurrentUser, p: &Programme) -> bool {
    user.scope(Capability::OpenProgrammes)
        .is_some_and(|s| s.contains(&p.org_path))
}

fn text(v: &str, max: usize, field: &'static str, errors: &mut Vec<FieldError>) -> String {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > max {
        errors.push(FieldError::new(field, "questionnaire.text_length"));
    }
    v.to_string()
}

/// Checks a new version: every text present and not too long, at most 20 questions.
pub fn validate(input: &QuestionnaireInput) -> Result<QuestionnaireInput, AppError> {
    let mut errors = Vec::new();
    let title = text(&input.title, 100, "title", &mut errors);
    let overall = text(&input.overall, 200, "overall", &mut errors);
    let comment_prompt = text(&input.comment_prompt, 200, "comment_prompt", &mut errors);
    let questions: Vec<String> = input
        .questions
        .iter()
        .map(|q| q.trim().to_string())
        .collect();
    if questions.len() > MAX_QUESTIONS {
        errors.push(FieldError::new("questions", "questionnaire.too_many"));
    } else if questions
        .iter()
        .any(|q| q.is_empty() || q.chars().count() > 200)
    {
        errors.push(FieldError::new(
            "questions",
            "questionnaire.question_length",
        ));
    }
    match errors.is_empty() {
        true => Ok(QuestionnaireInput {
            title,
            overall,
            questions,
            comment_prompt,
        }),
        false => Err(AppError::Validation(errors)),
    }
}

/// Writes a new version of the programme's questionnaire for an audience.
pub async fn save(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    p: &Programme,
    audience: Audience,
    input: &QuestionnaireInput,
) -> Result<Questionnaire, AppError> {
    if !edits(user, p) {
        return Err(AppError::Forbidden);
    }
    let input = validate(input)?;
    let mut tx = state.db.begin().await?;
    const MAX: &str =
        "SELECT MAX(version) FROM questionnaires WHERE programme_id = $1 AND audience = $2";
    let latest: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(MAX).bind(p.id)
        .bind(audience.as_str()).fetch_one(&mut *c).await)?;
    let q = Questionnaire {
        programme_id: p.id,
        audience,
        version: latest.unwrap_or(1) + 1,
        title: input.title,
        overall: input.overall,
        questions: input.questions,
        comment_prompt: input.comment_prompt,
        created_at: Some(crate::now()),
    };
    if let Err(e) = insert(&mut tx, &q, &user.id).await {
        return Err(match crate::db::is_unique_violation(&e) {
            true => AppError::Conflict(Msg::new("questionnaire.try_again")),
            false => e.into(),
        });
    }
    let entry = Entry::by(user, "questionnaire.edit", "programme").target(p.id);
    let detail = format!("{} v{}", audience.as_str(), q.version);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    tx.commit().await?;
    Ok(q)
}
