//! 测评 — questionnaires (SPEC §11, seed 000 Beijing): the 家长测评表 that guardians answer from
//! their account or through their enrolment's QR link, and the 主办单位测评表 that host units
//! answer for each class. The federation that opened the programme edits both; a class's
//! satisfaction rate is counted from the overall rating every version asks. `docs/QUESTIONNAIRES.md`
//! says what was decided.

pub mod api;
pub mod export;
pub mod links;
pub mod pages;
pub mod responses;
pub mod results;
pub mod templates;
pub mod todo;

use serde::{Deserialize, Serialize};
use tuoguan_domain::evaluation::Rating;

use crate::ids::{ClassId, ProgrammeId};

crate::closed_set! {
    /// Who answers a questionnaire.
    pub enum Audience {
        /// 家长测评表: one response per enrolment.
        Guardian = "guardian",
        /// 主办单位测评表: one response per class, by its host unit.
        Host = "host",
    }
}

crate::closed_set! {
    /// How a response came in.
    pub enum ResponseChannel {
        Account = "account",
        /// The enrolment's QR link, without an account.
        Link = "link",
    }
}

/// The five levels every rating question is answered on, best first.
pub const SCALE: [Rating; 5] = [
    Rating::VerySatisfied,
    Rating::Satisfied,
    Rating::Neutral,
    Rating::Dissatisfied,
    Rating::VeryDissatisfied,
];

/// The text of a rating, as stored.
pub fn rating_str(r: Rating) -> &'static str {
    match r {
        Rating::VerySatisfied => "very_satisfied",
        Rating::Satisfied => "satisfied",
        Rating::Neutral => "neutral",
        Rating::Dissatisfied => "dissatisfied",
        Rating::VeryDissatisfied => "very_dissatisfied",
    }
}

pub fn parse_rating(s: &str) -> Option<Rating> {
    SCALE.into_iter().find(|r| rating_str(*r) == s)
}

/// A version of a programme's questionnaire: an overall rating (what the satisfaction rate
/// counts), its rating questions, and a free-text comment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Questionnaire {
    pub programme_id: ProgrammeId,
    pub audience: Audience,
    /// 1 is the platform's default; each edit adds one.
    pub version: i64,
    pub title: String,
    /// The overall question, answered on the five-level scale.
    pub overall: String,
    /// Further questions, each answered on the five-level scale.
    pub questions: Vec<String>,
    /// The prompt of the free-text comment (optional to answer).
    pub comment_prompt: String,
    /// When this version was written; absent for the default nobody has edited.
    pub created_at: Option<i64>,
}

/// A new version of a questionnaire.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct QuestionnaireInput {
    pub title: String,
    pub overall: String,
    /// At most 20, each 1–200 characters.
    #[serde(default)]
    pub questions: Vec<String>,
    pub comment_prompt: String,
}

/// One response: the overall rating, one rating per question in order, and a comment.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ResponseInput {
    pub overall: Rating,
    /// One per question of the version answered, in its order.
    #[serde(default)]
    pub answers: Vec<Rating>,
    /// Up to 1,000 characters.
    #[serde(default)]
    pub comment: String,
}

/// A questionnaire as its respondent sees it: what it is about (the class's name and no more),
/// whether it is open and whether it has been answered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Answering {
    pub questionnaire: Questionnaire,
    pub class_id: ClassId,
    pub class_name: String,
    /// Answers are taken from the class's start until the programme's last day.
    pub open: bool,
    /// The programme's last day (YYYY-MM-DD): the questionnaire closes after it.
    pub open_until: String,
    pub answered: bool,
}

/// What a response's sender gets back.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub class_name: String,
    pub version: i64,
    pub answered_at: i64,
}
