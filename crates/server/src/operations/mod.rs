//! 日常台账 — the records a class keeps besides attendance (PRODUCT.md §6, seed 003 §三.5–6): the daily
//! logs (safety patrol, ventilation and disinfection, meals, cleaning) and emergency drills, the
//! incidents reported to the federation, and the weekly schedule.
//!
//! Who: the staff who run the class's day (`Capability::RunClasses`) write; everyone who sees
//! the class (`ViewClasses`, the federations above included) reads; a federation that supervises
//! the class (`Supervise`) acknowledges its incidents.

pub mod api;
pub mod incidents;
pub mod logs;
pub mod routes;
pub mod schedule;
mod store;

/// The demo's writes of logs, schedule and incidents (`attendance::demo`).
pub use store::{IncidentRow, LogRow, ScheduleItem, insert_incident, insert_item, insert_log};

use serde::{Deserialize, Serialize};

/// A kind of log entry (台账类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// 安全巡查: items checked, hazards found, how they were fixed.
    Patrol,
    /// 通风消杀: ventilation and disinfection.
    Ventilation,
    /// 配餐: caterer, menu, food sample kept (留样).
    Meal,
    /// 清洁: areas cleaned.
    Cleaning,
    /// 应急演练: an emergency drill (not daily).
    Drill,
}

impl LogKind {
    pub const ALL: [LogKind; 5] = [
        LogKind::Patrol,
        LogKind::Ventilation,
        LogKind::Meal,
        LogKind::Cleaning,
        LogKind::Drill,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Patrol => "patrol",
            LogKind::Ventilation => "ventilation",
            LogKind::Meal => "meal",
            LogKind::Cleaning => "cleaning",
            LogKind::Drill => "drill",
        }
    }

    pub fn parse(s: &str) -> Option<LogKind> {
        LogKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Kept every operating day (a missing one is flagged). Meals only where the class serves
    /// them; drills are held, not logged daily.
    pub fn daily(self, serves_meals: bool) -> bool {
        match self {
            LogKind::Meal => serves_meals,
            LogKind::Drill => false,
            _ => true,
        }
    }
}

/// The type of an incident (事故/不良事件类型).
pub const INCIDENT_KINDS: [&str; 7] = IncidentKind::NAMES;

crate::closed_set! {
    /// The type of an incident (事故/不良事件类型).
    pub enum IncidentKind {
        Injury = "injury",
        Illness = "illness",
        Food = "food",
        Facility = "facility",
        LostChild = "lost_child",
        Traffic = "traffic",
        Other = "other",
    }
}

/// Incident kinds that are safety incidents (安全事故): one removes the class's model-class
/// eligibility for the rest of the programme (seed 000 Beijing). An illness or "other" event is
/// recorded and reported but is not by itself a safety incident.
pub fn is_safety_kind(kind: &str) -> bool {
    matches!(
        kind,
        "injury" | "food" | "facility" | "lost_child" | "traffic"
    )
}

/// How serious an incident is.
pub const SEVERITIES: [&str; 3] = Severity::NAMES;

crate::closed_set! {
    /// How serious an incident is.
    pub enum Severity {
        Minor = "minor",
        Moderate = "moderate",
        Serious = "serious",
    }
}

/// How the guardian was told.
pub const INFORMED_HOW: [&str; 3] = InformedHow::NAMES;

crate::closed_set! {
    /// How the guardian was told of an incident.
    pub enum InformedHow {
        Phone = "phone",
        InPerson = "in_person",
        Message = "message",
    }
}

/// Schedule activities (一日安排, seed 003 §二.4), plus booked courses, meals and rest.
pub const ACTIVITIES: [&str; 10] = Activity::NAMES;

crate::closed_set! {
    /// An activity of the weekly schedule.
    pub enum Activity {
        Homework = "homework",
        Tutoring = "tutoring",
        Reading = "reading",
        Sport = "sport",
        Arts = "arts",
        Play = "play",
        SocialPractice = "social_practice",
        Course = "course",
        Meal = "meal",
        Rest = "rest",
    }
}
