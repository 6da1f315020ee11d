//! 资金 — money (SPEC §9, docs/FUNDING.md): a class's budget by source and category with its
//! parents' fee checked against the cost (budget.rs); its ledger of receipts and payments,
//! append-only, each correction a counter-entry with a reason, receipts stored by their bytes
//! (ledger.rs); the programme's subsidy rules as data and which classes qualify, with the
//! evidence read in one pass with the model-class criteria (rules.rs); the batches a federation
//! approves from a capped pool and the payments that land in the classes' ledgers (batches.rs);
//! the ledgers exported in an accountant's layout (export.rs). Amounts are integer fen end to end;
//! the API says so in every field's name (`*_fen`).

pub mod api;
pub mod area;
pub mod batches;
pub mod budget;
pub mod export;
pub mod ledger;
pub mod pages;
pub mod routes;
pub mod rules;
pub mod todo;

use serde::{Deserialize, Serialize};
use tuoguan_domain::evaluation::Criterion;
use tuoguan_domain::funding::{Category, FeeCheck, RuleTerms, Source};

use crate::auth::{Capability, CurrentUser, Scope};
use crate::ids::{
    ClassId, LedgerEntryId, OrgId, ProgrammeId, SubsidyBatchId, SubsidyLineId, SubsidyRuleId,
};

/// Who reads a class's money: the unit hosting it and the federations above.
pub fn reads(user: &CurrentUser) -> Option<Scope> {
    user.scope(Capability::ViewFunds)
}

/// Who keeps a class's money: the unit hosting it.
pub fn keeps(user: &CurrentUser) -> Option<Scope> {
    user.scope(Capability::KeepFunds)
}

/// A line of the budget as planned and as it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceLine {
    pub source: Source,
    pub planned_fen: i64,
    /// Receipts booked from it, counter-entries netted.
    pub received_fen: i64,
    /// Payments it paid for.
    pub spent_fen: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryLine {
    pub category: Category,
    pub planned_fen: i64,
    pub spent_fen: i64,
}

/// A class's budget: every source and category (planned and actual), the totals and the fee
/// check. Amounts in fen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Budget {
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    /// Every source, in a fixed order, zero where nothing is planned or booked.
    pub sources: Vec<SourceLine>,
    /// Every category, in a fixed order.
    pub categories: Vec<CategoryLine>,
    pub planned_income_fen: i64,
    pub planned_spending_fen: i64,
    pub received_fen: i64,
    pub spent_fen: i64,
    /// received − spent.
    pub balance_fen: i64,
    pub fee: FeeCheck,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceAmount {
    pub source: Source,
    /// In fen, 0 or more.
    pub planned_fen: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CategoryAmount {
    pub category: Category,
    /// In fen, 0 or more.
    pub planned_fen: i64,
}

/// The plan, whole: every line given replaces the last plan's (a line left out is 0).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BudgetInput {
    /// Parents' fee per child for the season, in fen (0: free).
    #[serde(default)]
    pub fee_fen: i64,
    #[serde(default)]
    pub sources: Vec<SourceAmount>,
    #[serde(default)]
    pub categories: Vec<CategoryAmount>,
}

crate::closed_set! {
    /// Money in or money out.
    pub enum Direction {
        /// 收入 — money received, from a source.
        Receipt = "receipt",
        /// 支出 — money spent, on a category, paid from a source.
        Payment = "payment",
    }
}

/// A ledger entry. A counter-entry (`reverses` set) carries the negated amount of the entry it
/// reverses and the reason in its summary.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LedgerEntry {
    pub id: LedgerEntryId,
    pub class_id: ClassId,
    pub direction: Direction,
    pub source: Source,
    /// Payments only.
    pub category: Option<Category>,
    /// In fen; negative for a counter-entry.
    pub amount_fen: i64,
    /// YYYY-MM-DD.
    pub occurred_on: String,
    /// Who paid it (a receipt) or was paid (a payment).
    pub counterparty: String,
    /// 凭证号.
    pub voucher_no: String,
    /// 摘要.
    pub summary: String,
    pub reverses: Option<LedgerEntryId>,
    /// Set on an entry once a counter-entry reverses it.
    pub reversed_by: Option<LedgerEntryId>,
    /// A subsidy payment: its line in the batch.
    pub subsidy_line_id: Option<SubsidyLineId>,
    pub receipt: Option<Receipt>,
    pub recorded_at: i64,
}

/// The receipt file of an entry, without its bytes.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = LedgerReceipt)]
pub struct Receipt {
    pub name: String,
    #[schema(value_type = crate::programmes::attachments::AttachmentType)]
    pub content_type: String,
    pub size: i64,
}

/// A receipt or payment the class books.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntryInput {
    pub direction: Direction,
    /// Where the money came from (a receipt) or which money paid (a payment).
    pub source: Source,
    /// Required for a payment; none for a receipt.
    #[serde(default)]
    pub category: Option<Category>,
    /// In fen, more than 0.
    pub amount_fen: i64,
    /// YYYY-MM-DD, not after today.
    pub occurred_on: String,
    #[serde(default)]
    pub counterparty: String,
    #[serde(default)]
    pub voucher_no: String,
    #[serde(default)]
    pub summary: String,
}

/// Why an entry is reversed.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReverseInput {
    /// Required: what was wrong (冲销原因).
    pub reason: String,
}

/// A subsidy rule of a programme.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SubsidyRule {
    pub id: SubsidyRuleId,
    pub programme_id: ProgrammeId,
    /// The federation paying.
    pub org_id: OrgId,
    pub name: String,
    /// The source the payments are booked under in the classes' ledgers.
    pub source: Source,
    pub terms: RuleTerms,
    /// Approved in batches so far, in fen.
    pub approved_fen: i64,
    /// pool − approved, in fen; absent without a pool.
    pub pool_left_fen: Option<i64>,
    pub batches: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleInput {
    pub name: String,
    /// Default: the paying federation's own level (district: county_union, city: city_union,
    /// province: province_union).
    #[serde(default)]
    pub source: Option<Source>,
    pub terms: RuleTerms,
}

crate::closed_set! {
    /// What a batch does, or would do, with a class.
    pub enum Outcome {
        /// Qualifies, and the pool pays it.
        Approved = "approved",
        /// A gate failed (its criteria say which).
        Failed = "failed",
        /// Qualifies, but the pool left cannot pay it (nor any class after it in the batch).
        PoolExhausted = "pool_exhausted",
    }
}

/// A class under a rule: its evidence, amount and what a batch does with it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = SubsidyLine)]
pub struct Line {
    pub class_id: ClassId,
    pub class_name: String,
    pub host_name: String,
    /// Every gate, pass or fail, with the figures deciding it.
    pub criteria: Vec<Criterion>,
    pub outcome: Outcome,
    /// In fen; 0 unless approved.
    pub amount_fen: i64,
}

/// Which classes qualify under a rule now: every approved, running or closed class of the
/// programme in the federation's area not yet approved under the rule, in the batch's order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Qualification {
    pub rule: SubsidyRule,
    pub lines: Vec<Line>,
    /// What approving now pays, in fen.
    pub total_fen: i64,
    pub approved_count: i64,
    /// Classes already approved under the rule (not listed again).
    pub already_approved: i64,
}

/// A batch's line as frozen at approval, with its payment while one stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchLine {
    pub id: SubsidyLineId,
    #[serde(flatten)]
    pub line: Line,
    pub payment: Option<LedgerEntry>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Batch {
    pub id: SubsidyBatchId,
    pub rule_id: SubsidyRuleId,
    pub rule_name: String,
    /// 1 for the rule's first batch.
    pub number: i64,
    /// The rule's terms as they were at approval.
    pub terms: RuleTerms,
    pub total_fen: i64,
    pub paid_fen: i64,
    pub approved_at: i64,
    pub lines: Vec<BatchLine>,
}

/// Approving: optionally the total the federation saw, so that records changed since are caught.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApproveInput {
    /// The total of the qualification looked at, in fen; a different total now is a 409.
    #[serde(default)]
    pub expected_total_fen: Option<i64>,
}

/// A payment of a batch's approved lines.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaymentInput {
    /// YYYY-MM-DD, not after today.
    pub paid_on: String,
    /// 凭证号, required.
    pub voucher_no: String,
    /// The lines paid; empty: every approved line not yet paid.
    #[serde(default)]
    pub line_ids: Vec<SubsidyLineId>,
}

/// Money of an organisation's subtree in a programme, read from the kept figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Funds {
    pub programme_id: ProgrammeId,
    pub org_id: OrgId,
    pub org_name: String,
    pub sources: Vec<SourceLine>,
    pub categories: Vec<CategoryLine>,
    pub received_fen: i64,
    pub spent_fen: i64,
    /// Each organisation directly below, with its subtree's totals.
    pub below: Vec<FundsBelow>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FundsBelow {
    pub org_id: OrgId,
    pub org_name: String,
    pub planned_fen: i64,
    pub received_fen: i64,
    pub spent_fen: i64,
}
