//! The inspector's checklist (SPEC §10): venue, fire, food, epidemic measures, records, agreements,
//! insurance and staff checks. Each line comes prefilled with what the records already show ("近7
//! 个运行日缺 3 条巡查记录", "在托 20 人，已签协议 18 人") and a suggested result, so the inspector
//! confirms rather than retypes; each failed line becomes a rectification task with a deadline.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tuoguan_domain::class_checks::FoodMode;

use super::{Inspection, rectify, service};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{CurrentUser, Scope};
use crate::db::{Db, Tx};
use crate::error::{AppError, FieldError};
use crate::i18n::{Lang, Msg};
use crate::ids::{ClassId, InspectionId, RectificationId};
use crate::{on_db, on_tx};

crate::closed_set! {
    /// A line of the checklist.
    pub enum Item {
        Venue = "venue",
        Fire = "fire",
        Food = "food",
        Epidemic = "epidemic",
        Records = "records",
        Agreements = "agreements",
        Insurance = "insurance",
        StaffChecks = "staff_checks",
    }
}

crate::closed_set! {
    /// What the inspector found on a line.
    pub enum CheckResult {
        Pass = "pass",
        Fail = "fail",
        /// Does not apply (no meals served, say).
        Na = "na",
    }
}

/// A line as the inspector sees it: what the records show, the suggested and the recorded result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Line {
    #[schema(value_type = Item)]
    pub item: String,
    /// What the records show for this line (empty where only the visit can tell).
    pub evidence: String,
    /// What the records suggest (`fail` when they show a gap).
    #[schema(value_type = Option<CheckResult>)]
    pub suggested: Option<String>,
    /// What the inspector recorded, once recorded.
    #[schema(value_type = Option<CheckResult>)]
    pub result: Option<String>,
    pub note: String,
}

/// An inspection with its checklist and the rectification tasks it gave.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    pub inspection: Inspection,
    pub lines: Vec<Line>,
    pub summary: String,
    pub inspected_at: Option<i64>,
    pub rectifications: Vec<rectify::Rectification>,
    /// The inspector's photos.
    pub photos: Vec<super::photos::Photo>,
}

/// One line of a record: a failed line needs what was found and a deadline for the fix.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct LineInput {
    #[schema(value_type = Item)]
    pub item: String,
    #[schema(value_type = CheckResult)]
    pub result: String,
    #[serde(default)]
    pub note: String,
    /// For a failed line: the last day to fix it (YYYY-MM-DD, today or later).
    #[serde(default)]
    pub deadline: Option<String>,
}

/// The inspector's record: every line once, and a summary.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RecordInput {
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub summary: String,
}

/// (total, with the paper) among the class's enrolled children: agreements and insurance.
async fn paperwork(db: &Db, class: &ClassId) -> sqlx::Result<(i64, i64, i64)> {
    const SQL: &str = "SELECT COUNT(*), COUNT(agreement_at), COUNT(insurer) FROM applications \
        WHERE class_id = $1 AND status = 'enrolled'";
    on_db!(db, c => sqlx::query_as(SQL).bind(class).fetch_one(c).await)
}

/// (active staff, of them checked).
async fn staff_checked(db: &Db, class: &ClassId) -> sqlx::Result<(i64, i64)> {
    const SQL: &str =
        "SELECT COUNT(*), COUNT(check_done_on) FROM staff WHERE class_id = $1 AND active";
    on_db!(db, c => sqlx::query_as(SQL).bind(class).fetch_one(c).await)
}

/// The checklist's lines prefilled from the class's records.
async fn prefilled(state: &AppState, i: &Inspection, lang: Lang) -> Result<Vec<Line>, AppError> {
    let c = crate::classes::service::in_scope(state, &Scope::All, &i.class_id).await?;
    let days = crate::operations::logs::by_day(state, &c).await?;
    let recent: Vec<_> = days.iter().take(7).collect();
    let missing: usize = recent.iter().map(|d| d.missing.len()).sum();
    let (enrolled, agreed, insured) = paperwork(&state.db, &c.id).await?;
    let (staff, checked) = staff_checked(&state.db, &c.id).await?;
    let no_meals = c.food().mode == FoodMode::NoMeals;
    let gap = |bad: bool| Some(if bad { "fail" } else { "pass" }.to_string());
    let t = |key: &str, args: &[(&str, String)]| lang.tf(key, args);
    let line = |item: Item, evidence: String, suggested: Option<String>| Line {
        item: item.as_str().into(),
        evidence,
        suggested,
        result: None,
        note: String::new(),
    };
    Ok(vec![
        line(Item::Venue, String::new(), None),
        line(Item::Fire, String::new(), None),
        match no_meals {
            true => line(Item::Food, t("checklist.no_meals", &[]), Some("na".into())),
            false => line(Item::Food, String::new(), None),
        },
        line(Item::Epidemic, String::new(), None),
        line(
            Item::Records,
            t(
                "checklist.records",
                &[
                    ("days", recent.len().to_string()),
                    ("missing", missing.to_string()),
                ],
            ),
            gap(missing > 0),
        ),
        line(
            Item::Agreements,
            t(
                "checklist.agreements",
                &[
                    ("enrolled", enrolled.to_string()),
                    ("done", agreed.to_string()),
                ],
            ),
            gap(agreed < enrolled),
        ),
        line(
            Item::Insurance,
            t(
                "checklist.insurance",
                &[
                    ("enrolled", enrolled.to_string()),
                    ("done", insured.to_string()),
                ],
            ),
            gap(insured < enrolled),
        ),
        line(
            Item::StaffChecks,
            t(
                "checklist.staff",
                &[("staff", staff.to_string()), ("done", checked.to_string())],
            ),
            gap(checked < staff),
        ),
    ])
}

#[derive(sqlx::FromRow)]
struct Recorded {
    item: String,
    result: String,
    note: String,
    evidence: String,
}

/// The inspection's checklist: recorded lines once recorded, else prefilled from the records.
pub async fn get(
    state: &AppState,
    user: &CurrentUser,
    id: &InspectionId,
    lang: Lang,
) -> Result<Checklist, AppError> {
    let inspection = service::get(state, user, id).await?;
    const SQL: &str =
        "SELECT item, result, note, evidence FROM inspection_items WHERE inspection_id = $1";
    let rows: Vec<Recorded> =
        on_db!(&state.db, c => sqlx::query_as(SQL).bind(id).fetch_all(c).await)?;
    const HEAD: &str = "SELECT summary, inspected_at FROM inspections WHERE id = $1";
    let (summary, inspected_at): (String, Option<i64>) =
        on_db!(&state.db, c => sqlx::query_as(HEAD).bind(id).fetch_one(c).await)?;
    let lines = match rows.is_empty() {
        true => prefilled(state, &inspection, lang).await?,
        false => Item::NAMES
            .iter()
            .filter_map(|name| rows.iter().find(|r| r.item == *name))
            .map(|r| Line {
                item: r.item.clone(),
                evidence: r.evidence.clone(),
                suggested: None,
                result: Some(r.result.clone()),
                note: r.note.clone(),
            })
            .collect(),
    };
    let rectifications = rectify::of_inspection(&state.db, id).await?;
    let photos = super::photos::of_inspection(&state.db, id).await?;
    Ok(Checklist {
        inspection,
        lines,
        summary,
        inspected_at,
        rectifications,
        photos,
    })
}

/// Checks a record: every line once with a known result; a failed line with what was found and
/// a deadline from today on. The errors name `lines[i].field`.
fn validate(
    input: &RecordInput,
    today: NaiveDate,
) -> Result<Vec<(LineInput, Option<NaiveDate>)>, AppError> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for name in Item::NAMES {
        if input.lines.iter().filter(|l| l.item == name).count() != 1 {
            errors.push(FieldError {
                field: "lines",
                msg: Msg::new("checklist.every_line").arg("item", name),
            });
        }
    }
    for l in &input.lines {
        let mut deadline = None;
        if !CheckResult::NAMES.contains(&l.result.as_str()) {
            errors.push(FieldError::new("result", "checklist.result"));
        }
        if l.result == "fail" {
            if l.note.trim().is_empty() || l.note.chars().count() > 1000 {
                errors.push(FieldError::new("note", "checklist.finding"));
            }
            deadline = l
                .deadline
                .as_deref()
                .and_then(|d| d.trim().parse::<NaiveDate>().ok());
            if deadline.is_none_or(|d| d < today) {
                errors.push(FieldError::new("deadline", "checklist.deadline"));
            }
        }
        out.push((l.clone(), deadline));
    }
    if input.summary.chars().count() > 5000 {
        errors.push(FieldError::new("summary", "checklist.summary"));
    }
    match errors.is_empty() {
        true => Ok(out),
        false => Err(AppError::Validation(errors)),
    }
}

/// Records the inspection (the assigned inspector, once): its lines, and a rectification task for
/// every failed line.
pub async fn record(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &InspectionId,
    input: &RecordInput,
    lang: Lang,
) -> Result<Checklist, AppError> {
    let inspection = service::get(state, user, id).await?;
    if inspection.inspector_id != Some(user.id) {
        return Err(AppError::Forbidden);
    }
    if inspection.status != "planned" {
        return Err(AppError::Conflict(Msg::new("checklist.already_recorded")));
    }
    let lines = validate(input, crate::calendar::today())?;
    let evidence = prefilled(state, &inspection, lang).await?;
    let now = crate::now();
    let mut tx = state.db.begin().await?;
    const DONE: &str = "UPDATE inspections SET status = 'done', inspected_at = $2, inspected_by = $3, \
        summary = $4 WHERE id = $1 AND status = 'planned'";
    let summary = input.summary.trim().to_string();
    let n = on_tx!(&mut tx, c => sqlx::query(DONE).bind(id).bind(now).bind(&user.display_name)
        .bind(&summary).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::Conflict(Msg::new("checklist.already_recorded")));
    }
    for (l, deadline) in &lines {
        let shown = evidence
            .iter()
            .find(|e| e.item == l.item)
            .map(|e| e.evidence.clone());
        insert_line(&mut tx, id, l, &shown.unwrap_or_default()).await?;
        if let Some(d) = deadline {
            let r = rectify::New {
                id: RectificationId::new(),
                inspection: *id,
                class: inspection.class_id,
            };
            rectify::insert(&mut tx, &r, &l.item, l.note.trim(), &d.to_string(), now).await?;
        }
    }
    let fails = lines.iter().filter(|(_, d)| d.is_some()).count();
    let entry = Entry::by(user, "inspection.record", "inspection").target(*id);
    audit::record(&mut tx, &entry.detail(format!("{fails} findings")), client).await?;
    tx.commit().await?;
    get(state, user, id, lang).await
}

async fn insert_line(
    tx: &mut Tx,
    id: &InspectionId,
    l: &LineInput,
    evidence: &str,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO inspection_items (inspection_id, item, result, note, evidence) \
        VALUES ($1,$2,$3,$4,$5)";
    on_tx!(tx, c => sqlx::query(SQL).bind(id).bind(&l.item).bind(&l.result).bind(l.note.trim())
        .bind(evidence).execute(&mut *c).await.map(|_| ()))
}
