//! 示范托管班 — model classes (SPEC §12): a closed class applies; every data criterion is computed
//! from the records (`facts`); assigned expert reviewers score against the rubric; the federation
//! that opened the programme ranks, publishes a public notice (公示) for a set period, records
//! objections and their handling, then names the classes within its quota, each with a numbered
//! certificate (`crate::certificate`) whose QR code opens the notice. `docs/MODEL_CLASSES.md`.

pub mod api;
pub mod certificate;
pub mod facts;
pub mod notices;
pub mod pages;
pub mod service;

use serde::{Deserialize, Serialize};
use tuoguan_domain::evaluation::Criterion;

use crate::ids::{ClassId, ModelApplicationId, NoticeId, ObjectionId, ProgrammeId, UserId};
use crate::orgs::OrgKind;

crate::closed_set! {
    /// Where an application stands.
    pub enum ModelStatus {
        /// Applied; reviewers score it.
        Applied = "applied",
        /// In the public notice (公示).
        Noticed = "noticed",
        /// Named a model class, with its certificate.
        Named = "named",
        /// Not named after the notice (an upheld objection, a criterion failed, not proposed).
        NotNamed = "not_named",
    }
}

crate::closed_set! {
    /// The level of the honour: the federation that opened the programme names at its level.
    pub enum HonourLevel {
        City = "city",
        Province = "province",
        National = "national",
    }
}

impl HonourLevel {
    /// The level a federation names at; a district or a unit names none.
    pub fn of(kind: OrgKind) -> Option<HonourLevel> {
        match kind {
            OrgKind::City => Some(HonourLevel::City),
            OrgKind::Province => Some(HonourLevel::Province),
            OrgKind::National => Some(HonourLevel::National),
            _ => None,
        }
    }

    /// The certificate number's prefix: 市级示范〔2026〕第001号.
    pub fn prefix(self) -> &'static str {
        match self {
            HonourLevel::City => "市级示范",
            HonourLevel::Province => "省级示范",
            HonourLevel::National => "全国示范",
        }
    }

    /// The honour's name: 市级示范职工子女爱心托管班, ….
    pub fn title(self) -> &'static str {
        match self {
            HonourLevel::City => "市级示范职工子女爱心托管班",
            HonourLevel::Province => "省级示范职工子女爱心托管班",
            HonourLevel::National => "全国示范职工子女爱心托管班",
        }
    }
}

/// The reviewers' rubric: each item's code and its most points (100 in all).
pub const RUBRIC: [(&str, u32); 5] = [
    ("safety", 30),
    ("content", 25),
    ("staffing", 15),
    ("families", 15),
    ("example", 15),
];

/// One reviewer's scores of an application.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Score {
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    /// Points per rubric item, in the rubric's order (`safety`, `content`, `staffing`,
    /// `families`, `example`).
    pub items: Vec<u32>,
    pub total: u32,
    pub comment: String,
    pub scored_at: i64,
}

/// A reviewer's scores: one per rubric item, each from 0 to the item's most.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ScoreInput {
    /// Points per rubric item in the rubric's order; at most 30, 25, 15, 15, 15.
    pub items: Vec<u32>,
    #[serde(default)]
    pub comment: String,
}

/// An application with its criteria, computed from the records, and its scores.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Application {
    pub id: ModelApplicationId,
    pub programme_id: ProgrammeId,
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    #[serde(skip)]
    pub host_path: String,
    pub statement: String,
    pub status: ModelStatus,
    pub applied_at: i64,
    /// Every data criterion, pass or fail with the figures deciding it (the record as it stands,
    /// until the class is named).
    pub criteria: Vec<Criterion>,
    /// Every criterion passes: only then can the class be named.
    pub eligible: bool,
    pub scores: Vec<Score>,
    /// The reviewers' mean total, in hundredths of a point (8650 = 86.50); absent before a score.
    pub mean_score: Option<u32>,
    /// 1 for the best mean score among the programme's applications that are eligible and scored.
    pub rank: Option<u32>,
    pub certificate_no: Option<String>,
    pub named_at: Option<i64>,
    /// Why a class was not named.
    pub not_named_reason: String,
}

/// A class proposed in a notice, as published.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    pub application_id: ModelApplicationId,
    pub class_name: String,
    pub host_name: String,
    pub rank: u32,
    /// The reviewers' mean, in hundredths of a point.
    pub mean_score: u32,
}

/// A public notice (公示): public, nothing personal in it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: NoticeId,
    pub programme_id: ProgrammeId,
    pub programme_name: String,
    pub federation_name: String,
    pub level: HonourLevel,
    pub title: String,
    pub entries: Vec<Entry>,
    /// The period objections are received in (YYYY-MM-DD, both days included).
    pub starts_on: String,
    pub ends_on: String,
    pub published_at: i64,
    pub named_at: Option<i64>,
}

/// What the federation publishes: the applications proposed (by default the best-ranked eligible
/// ones within the quota) and how many days objections are received.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NoticeInput {
    /// The applications proposed; empty: the best-ranked eligible ones within the quota.
    #[serde(default)]
    pub application_ids: Vec<ModelApplicationId>,
    /// Days the notice runs, 5 to 30 (default 7), from today.
    #[serde(default)]
    pub days: Option<u32>,
}

/// An objection received (by letter, telephone, in person) during the notice, and its handling.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Objection {
    pub id: ObjectionId,
    pub application_id: ModelApplicationId,
    pub class_name: String,
    pub summary: String,
    pub received_on: String,
    /// Absent until handled; an upheld objection keeps the class from being named.
    pub upheld: Option<bool>,
    pub handling: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ObjectionInput {
    pub application_id: ModelApplicationId,
    /// What was objected (no names of people: what the objection says of the class).
    pub summary: String,
    /// The day it was received (YYYY-MM-DD), within the notice's period.
    pub received_on: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct HandlingInput {
    pub upheld: bool,
    /// What was checked and decided.
    pub handling: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ModelApplyInput {
    /// The class's own account of its season (up to 2,000 characters).
    pub statement: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ReviewerInput {
    pub user_id: UserId,
}

/// A reviewer assigned to the programme's applications.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Reviewer {
    pub user_id: UserId,
    pub name: String,
}

/// The programme's model classes as the caller sees them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Overview {
    pub programme_id: ProgrammeId,
    /// The level the programme's federation names at (absent: it names none).
    pub level: Option<HonourLevel>,
    /// How many classes may be named (the programme's target).
    pub quota: i64,
    pub applications: Vec<Application>,
    pub reviewers: Vec<Reviewer>,
    pub notice: Option<Notice>,
    pub objections: Vec<Objection>,
}
