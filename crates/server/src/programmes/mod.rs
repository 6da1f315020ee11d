//! 专案 — a federation's programme for a season: targets, rules (PRODUCT.md §2, as data), milestones, and
//! the units' submissions against them (work plans, reports).

pub mod api;
pub mod attachment_routes;
pub mod attachments;
pub mod matrix;
pub mod reminders;
pub mod routes;
pub mod service;
pub(crate) mod store;
pub use store::milestones_of;
pub mod submission_routes;
pub mod submissions;

use serde::{Deserialize, Serialize};
use tuoguan_domain::programme::{MilestoneKind, ProgrammeRules, Season, Targets};

use crate::error::AppError;
use crate::ids::{MilestoneId, OrgId, ProgrammeId};

/// A programme as stored, with its federation's name and path.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Programme {
    pub id: ProgrammeId,
    pub org_id: OrgId,
    pub org_name: String,
    pub org_path: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub season: Season,
    pub year: i64,
    pub start_date: String,
    pub end_date: String,
    pub target_units: i64,
    pub target_families: i64,
    pub target_model_classes: i64,
    pub rules: String,
    pub reminder_days: i64,
    pub theme: String,
    pub copied_from: Option<ProgrammeId>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Programme {
    /// The rules in force — always read from the programme, never from constants.
    pub fn rules(&self) -> Result<ProgrammeRules, AppError> {
        serde_json::from_str(&self.rules)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("programme rules: {e}")))
    }

    pub fn season(&self) -> Season {
        self.season
    }

    pub fn targets(&self) -> Targets {
        let n = |v: i64| u32::try_from(v).unwrap_or(0);
        Targets {
            units: n(self.target_units),
            families: n(self.target_families),
            model_classes: n(self.target_model_classes),
        }
    }
}

/// A milestone (进度节点) of a programme.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Milestone {
    pub id: MilestoneId,
    #[serde(skip)]
    pub programme_id: ProgrammeId,
    #[schema(value_type = MilestoneKind)]
    pub kind: String,
    /// YYYY-MM-DD
    pub due_date: String,
}

impl Milestone {
    pub fn kind(&self) -> Option<MilestoneKind> {
        MilestoneKind::parse(&self.kind)
    }
}

crate::closed_set! {
    /// The presets a programme's rules start from (PRODUCT.md §2).
    pub enum RulesPreset {
        Seed003 = "seed_003",
        Beijing = "beijing",
        Guangdong = "guangdong",
    }
}

/// 专案 JSON view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProgrammeView {
    pub id: ProgrammeId,
    pub org_id: OrgId,
    pub org_name: String,
    pub name: String,
    pub season: Season,
    pub year: i64,
    pub start_date: String,
    pub end_date: String,
    pub targets: Targets,
    /// Every rule of PRODUCT.md §2 with its value for this programme.
    pub rules: ProgrammeRules,
    pub reminder_days: i64,
    pub theme: String,
    pub copied_from: Option<ProgrammeId>,
    pub milestones: Vec<Milestone>,
}

impl ProgrammeView {
    pub fn new(p: &Programme, milestones: Vec<Milestone>) -> Result<ProgrammeView, AppError> {
        Ok(ProgrammeView {
            id: p.id,
            org_id: p.org_id,
            org_name: p.org_name.clone(),
            name: p.name.clone(),
            season: p.season,
            year: p.year,
            start_date: p.start_date.clone(),
            end_date: p.end_date.clone(),
            targets: p.targets(),
            rules: p.rules()?,
            reminder_days: p.reminder_days,
            theme: p.theme.clone(),
            copied_from: p.copied_from,
            milestones,
        })
    }
}

/// A milestone date given when opening a programme.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct MilestoneInput {
    #[schema(value_type = MilestoneKind)]
    pub kind: String,
    pub due_date: String,
}

/// Input of a new programme. Absent targets, rules and milestones take the seed-003 defaults (or
/// the named `preset`'s rules, e.g. `beijing`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewProgramme {
    /// The federation opening it (defaults to the caller's federation).
    #[serde(default)]
    pub org_id: Option<OrgId>,
    #[serde(default)]
    pub name: Option<String>,
    #[schema(value_type = Season)]
    pub season: String,
    pub year: i64,
    pub start_date: String,
    pub end_date: String,
    #[serde(default)]
    pub targets: Option<Targets>,
    /// The rules a programme starts from (default `seed_003`); `rules` then overrides them.
    #[serde(default)]
    #[schema(value_type = Option<RulesPreset>)]
    pub preset: Option<String>,
    #[serde(default)]
    pub rules: Option<ProgrammeRules>,
    #[serde(default)]
    pub reminder_days: Option<i64>,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub milestones: Option<Vec<MilestoneInput>>,
}

/// "Copy from last year": the same targets, rules and milestone pattern for another season/year.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CopyProgramme {
    #[schema(value_type = Season)]
    pub season: String,
    pub year: i64,
    pub start_date: String,
    pub end_date: String,
    #[serde(default)]
    pub name: Option<String>,
}
