//! 督导检查 — inspections (SPEC §10, issue 17). A federation draws, for a programme, the year's
//! sample of the running classes in its subtree (`tuoguan_domain::inspection`: at least the
//! programme's coverage, at least one, stratified by district, from a published seed), adds
//! classes by hand with a reason, and assigns each inspection to an inspector; an inspector sees
//! the inspections assigned to them.

pub mod api;
pub mod checklist;
pub mod pages;
pub mod photos;
pub mod rectify;
pub mod routes;
pub mod service;
mod store;

use serde::{Deserialize, Serialize};
use tuoguan_domain::inspection::Candidate;

use crate::ids::{ClassId, InspectionId, InspectionPlanId, OrgId, ProgrammeId, UserId};

crate::closed_set! {
    /// How a class came into a plan.
    pub enum Origin {
        /// Drawn in the sample.
        Sampled = "sampled",
        /// Added by hand (a complaint, a follow-up), with its reason.
        Added = "added",
    }
}

crate::closed_set! {
    /// Where an inspection stands.
    pub enum InspectionStatus {
        Planned = "planned",
        /// Recorded by the inspector.
        Done = "done",
    }
}

/// One class to inspect.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: InspectionId,
    pub plan_id: InspectionPlanId,
    pub programme_id: ProgrammeId,
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    #[schema(value_type = Origin)]
    pub origin: String,
    /// Why a class was added by hand (empty for a sampled one).
    pub reason: String,
    pub inspector_id: Option<UserId>,
    pub inspector_name: Option<String>,
    #[schema(value_type = InspectionStatus)]
    pub status: String,
    pub created_at: i64,
}

/// A district's share of the draw.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StratumView {
    /// The district (or the unit directly below the federation where no district lies between).
    pub org_id: OrgId,
    pub name: String,
    pub running: u32,
    pub sampled: u32,
}

/// How far the year's inspections cover the running classes, against the programme's share.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// Classes running now in the federation's subtree.
    pub running: u32,
    /// Of them, classes in the plan (sampled or added).
    pub covered: u32,
    /// covered ÷ running, whole percent rounded down; absent when nothing runs.
    pub pct: Option<u32>,
    /// The programme's share (抽查比例).
    pub target_pct: u32,
    /// At least the share and at least one class.
    pub met: bool,
}

/// A federation's plan for a programme, with its sample and how it was drawn.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub id: InspectionPlanId,
    pub programme_id: ProgrammeId,
    pub org_id: OrgId,
    pub org_name: String,
    /// The published text the seed comes from.
    pub seed_text: String,
    /// The seed (FNV-1a 64 of the text), as decimal text (JSON numbers lose 64-bit precision).
    pub seed: String,
    pub coverage_pct: u32,
    /// The running classes the sample was drawn from, with their districts, as published.
    pub candidates: Vec<Candidate>,
    pub strata: Vec<StratumView>,
    pub inspections: Vec<Inspection>,
    pub coverage: Coverage,
    pub drawn_by: String,
    pub drawn_at: i64,
}

/// Draw a plan: the federation (default: the caller's) and the published seed text.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = InspectionDrawInput)]
pub struct DrawInput {
    #[serde(default)]
    pub org_id: Option<OrgId>,
    /// E.g. "2026年督导抽查 示例市总工会 2026-10-15": published with the sample.
    #[serde(default)]
    pub seed_text: String,
}

/// Add a class to a plan by hand.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AddInput {
    pub class_id: ClassId,
    /// Why (a complaint, a follow-up): required.
    #[serde(default)]
    pub reason: String,
}

/// Assign an inspection (no inspector: take the assignment back).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AssignInput {
    #[serde(default)]
    pub inspector_id: Option<UserId>,
}

/// Re-draw a published sample.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RedrawInput {
    pub seed_text: String,
    pub coverage_pct: u32,
    pub candidates: Vec<Candidate>,
}

/// What a re-draw gives: the seed and the classes in draw order, with each district's share.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RedrawResult {
    pub seed: String,
    pub class_ids: Vec<String>,
    pub strata: Vec<tuoguan_domain::inspection::Stratum>,
}

/// An inspector a federation may assign: a user holding the inspector role in its subtree.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct InspectorOption {
    pub id: UserId,
    pub display_name: String,
    pub org_name: String,
}
