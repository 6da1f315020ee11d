//! 托管班 — a holiday care class: registration under a programme, the approval checks, the
//! lifecycle (draft → submitted → approved / returned → running → closed), operating days, staff
//! roster and uploaded documents.

pub mod api;
pub mod days;
pub mod detail;
pub mod files;
pub mod form;
pub mod review;
pub mod routes;
pub mod service;
pub mod show_page;
pub mod staff;
mod store;

pub use store::{ClassDay, ClassEvent, ClassStep, DayChange};

use serde::{Deserialize, Serialize};
use tuoguan_domain::class_checks::{ClassModel, Food, Management, Venue};

use crate::auth::{Owned, Visible};
use crate::error::AppError;
use crate::ids::{ClassId, OrgId, ProgrammeId};

/// Only this domain reads classes through a scope, so only it makes a [`Visible<Class>`]: code
/// elsewhere that takes one cannot be handed a class read another way.
pub struct Key(());

impl Owned for Class {
    type Key = Key;
}

/// Wraps a class this domain has just read through the caller's scope.
fn vouch(c: Class) -> Visible<Class> {
    Visible::vouch(c, Key(()))
}

/// Where a class is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClassStatus {
    Draft,
    Submitted,
    Returned,
    Approved,
    Running,
    Closed,
}

impl ClassStatus {
    pub const ALL: [ClassStatus; 6] = [
        ClassStatus::Draft,
        ClassStatus::Submitted,
        ClassStatus::Returned,
        ClassStatus::Approved,
        ClassStatus::Running,
        ClassStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClassStatus::Draft => "draft",
            ClassStatus::Submitted => "submitted",
            ClassStatus::Returned => "returned",
            ClassStatus::Approved => "approved",
            ClassStatus::Running => "running",
            ClassStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<ClassStatus> {
        ClassStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The registration may still be edited by its unit.
    pub fn editable(self) -> bool {
        matches!(self, ClassStatus::Draft | ClassStatus::Returned)
    }
}

/// A kind of rule in force a class can take from the federation's templates (PRODUCT.md §4); stored and
/// sent as the strings of [`RULE_KINDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Pickup,
    DailySafety,
    FoodHygiene,
    Emergency,
    Epidemic,
}

crate::stored_as_text!(ClassStatus, "class status");

impl TryFrom<crate::db::JsonText> for Venue {
    type Error = serde_json::Error;
    fn try_from(t: crate::db::JsonText) -> Result<Venue, serde_json::Error> {
        t.parse()
    }
}

impl TryFrom<crate::db::JsonText> for Food {
    type Error = serde_json::Error;
    fn try_from(t: crate::db::JsonText) -> Result<Food, serde_json::Error> {
        t.parse()
    }
}

/// Kinds of rules in force a class can take from the federation's templates (PRODUCT.md §4).
pub const RULE_KINDS: [&str; 5] = [
    "pickup",
    "daily_safety",
    "food_hygiene",
    "emergency",
    "epidemic",
];

/// A class as the lists of a programme show it (its page and `GET /api/v1/classes`): eight columns
/// instead of twenty-three, which is most of the cost of a thousand-row page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Listed {
    pub id: ClassId,
    pub host_org_id: OrgId,
    pub host_name: String,
    pub name: String,
    pub start_date: String,
    pub end_date: String,
    pub capacity: i64,
    pub status: ClassStatus,
}

impl Listed {
    pub fn status(&self) -> ClassStatus {
        self.status
    }
}

/// A class as stored, with its host unit's name and path.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Class {
    pub id: ClassId,
    pub programme_id: ProgrammeId,
    pub host_org_id: OrgId,
    pub host_name: String,
    pub host_path: String,
    pub name: String,
    pub address: String,
    pub start_date: String,
    pub end_date: String,
    pub daily_start: String,
    pub daily_end: String,
    pub capacity: i64,
    pub model: String,
    pub management: String,
    /// Partner units of a joint class (stored one per line).
    #[sqlx(try_from = "crate::db::LineList")]
    pub partners: Vec<String>,
    pub partner_agreement: bool,
    pub qualification_review: bool,
    #[sqlx(try_from = "crate::db::JsonText")]
    pub venue: Venue,
    #[sqlx(try_from = "crate::db::JsonText")]
    pub food: Food,
    /// Rule kinds taken from the federation's templates (stored comma-separated).
    #[sqlx(try_from = "crate::db::CommaList")]
    pub rules_in_force: Vec<String>,
    pub status: ClassStatus,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Class {
    pub fn status(&self) -> ClassStatus {
        self.status
    }

    pub fn venue(&self) -> Venue {
        self.venue.clone()
    }

    pub fn food(&self) -> Food {
        self.food.clone()
    }

    pub fn partner_list(&self) -> Vec<String> {
        self.partners.clone()
    }

    pub fn rule_list(&self) -> Vec<String> {
        self.rules_in_force.clone()
    }

    pub fn dates(&self) -> Result<(chrono::NaiveDate, chrono::NaiveDate), AppError> {
        let p = |s: &str| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|e| AppError::Internal(e.into()))
        };
        Ok((p(&self.start_date)?, p(&self.end_date)?))
    }
}

/// Registration input (form or JSON). PATCH takes any subset of these fields.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClassInput {
    pub programme_id: ProgrammeId,
    /// The host unit (主办单位); defaults to the caller's unit.
    #[serde(default)]
    pub host_org_id: Option<OrgId>,
    pub name: String,
    pub address: String,
    /// YYYY-MM-DD, inside the programme's dates
    pub start_date: String,
    pub end_date: String,
    /// HH:MM
    pub daily_start: String,
    pub daily_end: String,
    pub capacity: i64,
    /// Any other value is refused with a field error (422), as every other field of the form.
    #[schema(value_type = ClassModel)]
    pub model: String,
    #[schema(value_type = Management)]
    pub management: String,
    /// Partner units of a joint class.
    #[serde(default)]
    pub partners: Vec<String>,
    #[serde(default)]
    pub partner_agreement: bool,
    #[serde(default)]
    pub qualification_review: bool,
    #[serde(default)]
    pub venue: Venue,
    pub food: Food,
    /// Rule kinds in force from the federation's templates.
    #[serde(default)]
    #[schema(value_type = Vec<RuleKind>)]
    pub rules_in_force: Vec<String>,
}

/// A change to a registration (`PATCH`): any fields of [`ClassInput`] but the programme; the
/// others keep their values. Merged over the stored registration and checked as a whole.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[allow(dead_code)] // the handler merges the JSON over the stored registration; this types it
pub struct ClassPatch {
    pub host_org_id: Option<OrgId>,
    pub name: Option<String>,
    pub address: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub daily_start: Option<String>,
    pub daily_end: Option<String>,
    pub capacity: Option<i64>,
    #[schema(value_type = Option<ClassModel>)]
    pub model: Option<String>,
    #[schema(value_type = Option<Management>)]
    pub management: Option<String>,
    pub partners: Option<Vec<String>>,
    pub partner_agreement: Option<bool>,
    pub qualification_review: Option<bool>,
    pub venue: Option<Venue>,
    pub food: Option<Food>,
    #[schema(value_type = Option<Vec<RuleKind>>)]
    pub rules_in_force: Option<Vec<String>>,
}

impl ClassInput {
    /// The current registration as input, for editing forms and PATCH merges.
    pub fn from_class(c: &Class) -> ClassInput {
        ClassInput {
            programme_id: c.programme_id,
            host_org_id: Some(c.host_org_id),
            name: c.name.clone(),
            address: c.address.clone(),
            start_date: c.start_date.clone(),
            end_date: c.end_date.clone(),
            daily_start: c.daily_start.clone(),
            daily_end: c.daily_end.clone(),
            capacity: c.capacity,
            model: c.model.clone(),
            management: c.management.clone(),
            partners: c.partner_list(),
            partner_agreement: c.partner_agreement,
            qualification_review: c.qualification_review,
            venue: c.venue(),
            food: c.food(),
            rules_in_force: c.rule_list(),
        }
    }
}

/// 托管班 JSON view.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassView {
    pub id: ClassId,
    pub host_name: String,
    pub status: ClassStatus,
    /// The registration: `programme_id` and `host_org_id` come with it, once.
    #[serde(flatten)]
    pub registration: ClassInput,
    /// Working days between the dates, minus closure days, plus extra open days; null while the
    /// calendar has no data for a year of the class's dates.
    pub operating_days: Option<u32>,
    /// The programme's minimum operating days, and whether the class meets it.
    pub min_operating_days: u32,
    pub meets_min_operating_days: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Parses the enums of a registration, or names the field.
pub fn parse_model(s: &str) -> Option<ClassModel> {
    ClassModel::parse(s.trim())
}

pub fn parse_management(s: &str) -> Option<Management> {
    Management::parse(s.trim())
}
