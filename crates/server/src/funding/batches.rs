//! Subsidy batches (补助批次): the federation running the programme approves what a rule's
//! qualification says now — every class listed, approved or not with its reason, the evidence
//! frozen with the line — never beyond the pool, and a class at most once per rule (a unique
//! index), so approving twice pays once. Payments (date, voucher) land in the classes' ledgers as
//! receipts from the rule's source; a payment is never edited, only reversed (ledger.rs), which
//! frees its line to be paid again.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use tuoguan_domain::funding::RuleTerms;

use super::ledger::{self, NewEntry, past_day, text};
use super::rules::{self, area, manages};
use super::{ApproveInput, Batch, BatchLine, Direction, Line, Outcome, PaymentInput};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::CurrentUser;
use crate::dashboard::funds;
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::idempotency::{Key, Stored};
use crate::ids::{
    ClassId, LedgerEntryId, ProgrammeId, SubsidyBatchId, SubsidyLineId, SubsidyRuleId,
};
use crate::programmes::service as programmes;
use crate::{on_db, on_tx};

crate::stored_as_text!(Outcome, "subsidy outcome");

/// The caller runs the programme's money (403), or cannot see the programme (404).
pub async fn may_pay(
    state: &AppState,
    user: &CurrentUser,
    id: &ProgrammeId,
) -> Result<(), AppError> {
    let p = programmes::visible(state, user, id).await?;
    match manages(user, &p) {
        true => Ok(()),
        false => Err(AppError::Forbidden),
    }
}

/// Approves a batch of the rule now (idempotent with a key); answers 201 with the batch.
pub async fn approve(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    headers: &HeaderMap,
    (id, input): (&SubsidyRuleId, &ApproveInput),
) -> Result<Stored, AppError> {
    let key = Key::from_request(headers, user, &format!("POST batches {id}"), input)?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup(&state.db).await?
    {
        return Ok(stored);
    }
    let (p, rule) = rules::get(state, user, id).await?;
    if !manages(user, &p) {
        return Err(AppError::Forbidden);
    }
    let lines = rules::evaluate_all(state, &p, &rule).await?;
    let total: i64 = lines.iter().map(|(l, _)| l.amount_fen).sum();
    if !lines.iter().any(|(l, _)| l.outcome == Outcome::Approved) {
        return Err(AppError::Conflict(Msg::new("subsidy.nothing_to_approve")));
    }
    if input.expected_total_fen.is_some_and(|t| t != total) {
        let msg =
            Msg::new("subsidy.figures_changed").arg("total", tuoguan_domain::funding::yuan(total));
        return Err(AppError::Conflict(msg));
    }
    let mut tx = state.db.begin().await?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup_in(&mut tx).await?
    {
        return Ok(stored);
    }
    const USED: &str = "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT), \
        CAST(COALESCE(MAX(b.number), 0) AS BIGINT) FROM subsidy_batches b \
        LEFT JOIN subsidy_lines l ON l.batch_id = b.id AND l.outcome = 'approved' WHERE b.rule_id = $1";
    let (used, last): (i64, i64) =
        on_tx!(&mut tx, x => sqlx::query_as(USED).bind(rule.id).fetch_one(&mut *x).await)?;
    if used != rule.approved_fen || rule.terms.pool_fen.is_some_and(|pool| used + total > pool) {
        // Another approval landed since the figures were read.
        return Err(AppError::Conflict(
            Msg::new("subsidy.figures_changed").arg("total", "—"),
        ));
    }
    let bid = SubsidyBatchId::new();
    let approved_at = crate::now();
    let terms = serde_json::to_string(&rule.terms).map_err(|e| AppError::Internal(e.into()))?;
    const BATCH: &str = "INSERT INTO subsidy_batches (id, rule_id, number, terms, total_fen, \
        approved_by, approved_at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
    on_tx!(&mut tx, x => sqlx::query(BATCH).bind(bid).bind(rule.id).bind(last + 1).bind(&terms)
        .bind(total).bind(&user.username).bind(approved_at).execute(&mut *x).await.map(|_| ()))?;
    let mut written_lines = Vec::with_capacity(lines.len());
    for (i, (l, _)) in lines.into_iter().enumerate() {
        let criteria =
            serde_json::to_string(&l.criteria).map_err(|e| AppError::Internal(e.into()))?;
        const LINE: &str = "INSERT INTO subsidy_lines (id, batch_id, rule_id, class_id, position, \
            outcome, amount_fen, criteria) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
        let lid = SubsidyLineId::new();
        let written = on_tx!(&mut tx, x => sqlx::query(LINE).bind(lid).bind(bid)
            .bind(rule.id).bind(l.class_id).bind(i as i64).bind(l.outcome).bind(l.amount_fen)
            .bind(criteria).execute(&mut *x).await.map(|_| ()));
        if written.is_err() {
            // The unique (rule, class) of approved lines: a batch approved at the same moment.
            return Err(AppError::Conflict(Msg::new("subsidy.nothing_to_approve")));
        }
        written_lines.push(BatchLine {
            id: lid,
            line: l,
            payment: None,
        });
    }
    let entry = Entry::by(user, "subsidy.approve", "programme").target(p.id);
    let detail = format!("{bid} rule {} no. {} total {total} fen", rule.id, last + 1);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    // The batch as `get` reads it back (the approver runs the programme, so every line is in
    // their area), stored with the key in the transaction of the write it answers.
    let batch = Batch {
        id: bid,
        rule_id: rule.id,
        rule_name: rule.name,
        number: last + 1,
        terms: rule.terms,
        total_fen: total,
        paid_fen: 0,
        approved_at,
        lines: written_lines,
    };
    let stored = Stored::json(StatusCode::CREATED, &batch)?;
    if let Some(k) = &key {
        k.remember(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    id: SubsidyBatchId,
    rule_id: SubsidyRuleId,
    rule_name: String,
    number: i64,
    terms: String,
    total_fen: i64,
    approved_at: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: SubsidyLineId,
    class_id: ClassId,
    class_name: String,
    host_name: String,
    host_path: String,
    outcome: Outcome,
    amount_fen: i64,
    criteria: String,
    paid_entry: Option<LedgerEntryId>,
}

const BATCH_COLS: &str = "SELECT b.id, b.rule_id, r.name AS rule_name, b.number, b.terms, \
    b.total_fen, b.approved_at FROM subsidy_batches b JOIN subsidy_rules r ON r.id = b.rule_id";

/// A batch the caller reads (the lines of their area), with its payments; 404 otherwise.
pub async fn get(
    state: &AppState,
    user: &CurrentUser,
    id: &SubsidyBatchId,
) -> Result<Batch, AppError> {
    let sql = format!("{BATCH_COLS} WHERE b.id = $1");
    let row: BatchRow = on_db!(&state.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id)
        .fetch_optional(c).await)?
    .ok_or(AppError::NotFound)?;
    let (p, _) = rules::get(state, user, &row.rule_id).await?;
    let mut batches = assemble(state, user, &p, vec![row]).await?;
    batches.pop().ok_or(AppError::NotFound)
}

/// The rule's batches, newest first.
pub async fn of_rule(
    state: &AppState,
    user: &CurrentUser,
    id: &SubsidyRuleId,
) -> Result<Vec<Batch>, AppError> {
    let (p, _) = rules::get(state, user, id).await?;
    let sql = format!("{BATCH_COLS} WHERE b.rule_id = $1 ORDER BY b.number DESC");
    let rows: Vec<BatchRow> = on_db!(&state.db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_all(c).await)?;
    assemble(state, user, &p, rows).await
}

/// Batches of one programme's rule with their lines (those of the reader's area) and payments.
async fn assemble(
    state: &AppState,
    user: &CurrentUser,
    p: &crate::programmes::Programme,
    rows: Vec<BatchRow>,
) -> Result<Vec<Batch>, AppError> {
    let scope = area(user, p)?;
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        const LINES: &str = "SELECT l.id, l.class_id, c.name AS class_name, h.name AS host_name, \
            h.path AS host_path, l.outcome, l.amount_fen, l.criteria, l.paid_entry \
            FROM subsidy_lines l JOIN classes c ON c.id = l.class_id \
            JOIN orgs h ON h.id = c.host_org_id WHERE l.batch_id = $1 ORDER BY l.position";
        let lines: Vec<LineRow> =
            on_db!(&state.db, c => sqlx::query_as(LINES).bind(b.id).fetch_all(c).await)?;
        let lines: Vec<LineRow> = lines
            .into_iter()
            .filter(|l| scope.contains(&l.host_path))
            .collect();
        let paid: Vec<LedgerEntryId> = lines.iter().filter_map(|l| l.paid_entry).collect();
        let mut payments: HashMap<LedgerEntryId, _> = ledger::by_ids(&state.db, &paid)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let terms: RuleTerms =
            serde_json::from_str(&b.terms).map_err(|e| AppError::Internal(e.into()))?;
        let lines: Vec<BatchLine> = lines
            .into_iter()
            .map(|l| {
                Ok(BatchLine {
                    id: l.id,
                    payment: l.paid_entry.and_then(|e| payments.remove(&e)),
                    line: Line {
                        class_id: l.class_id,
                        class_name: l.class_name,
                        host_name: l.host_name,
                        criteria: serde_json::from_str(&l.criteria)
                            .map_err(|e| AppError::Internal(e.into()))?,
                        outcome: l.outcome,
                        amount_fen: l.amount_fen,
                    },
                })
            })
            .collect::<Result<_, AppError>>()?;
        let paid_fen = lines
            .iter()
            .filter_map(|l| l.payment.as_ref())
            .map(|e| e.amount_fen)
            .sum();
        out.push(Batch {
            id: b.id,
            rule_id: b.rule_id,
            rule_name: b.rule_name,
            number: b.number,
            terms,
            // A reader below the federation sees the total of the lines of their area.
            total_fen: match manages(user, p) {
                true => b.total_fen,
                false => lines.iter().map(|l| l.line.amount_fen).sum(),
            },
            paid_fen,
            approved_at: b.approved_at,
            lines,
        });
    }
    Ok(out)
}

/// Records the payment of approved lines (idempotent with a key; a line already paid is not paid
/// again); answers 200 with the batch.
pub async fn pay(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    headers: &HeaderMap,
    (id, input): (&SubsidyBatchId, &PaymentInput),
) -> Result<Stored, AppError> {
    let key = Key::from_request(headers, user, &format!("POST payments {id}"), input)?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup(&state.db).await?
    {
        return Ok(stored);
    }
    let batch = get(state, user, id).await?;
    let (p, rule) = rules::get(state, user, &batch.rule_id).await?;
    if !manages(user, &p) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let paid_on = past_day("paid_on", &input.paid_on)
        .map_err(|e| errors.push(e))
        .ok();
    let voucher = text("voucher_no", &input.voucher_no, 50, &mut errors);
    if voucher.is_empty() {
        errors.push(FieldError::new("voucher_no", "subsidy.voucher_needed"));
    }
    let approved = |l: &&BatchLine| l.line.outcome == Outcome::Approved;
    if input
        .line_ids
        .iter()
        .any(|id| !batch.lines.iter().filter(approved).any(|l| l.id == *id))
    {
        errors.push(FieldError::new("line_ids", "subsidy.line_not_approved"));
    }
    let (Some(paid_on), true) = (paid_on, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let due: Vec<&BatchLine> = batch
        .lines
        .iter()
        .filter(approved)
        .filter(|l| l.payment.is_none())
        .filter(|l| input.line_ids.is_empty() || input.line_ids.contains(&l.id))
        .collect();
    if due.is_empty() {
        return Err(AppError::Conflict(Msg::new("subsidy.nothing_to_pay")));
    }
    let mut tx = state.db.begin().await?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup_in(&mut tx).await?
    {
        return Ok(stored);
    }
    let summary = format!("{} 第{}批", rule.name, batch.number);
    let mut classes = Vec::with_capacity(due.len());
    let mut payments: HashMap<SubsidyLineId, LedgerEntryId> = HashMap::with_capacity(due.len());
    for l in &due {
        let entry = NewEntry {
            class_id: l.line.class_id,
            programme_id: p.id,
            direction: Direction::Receipt,
            source: rule.source,
            category: None,
            amount_fen: l.line.amount_fen,
            occurred_on: &paid_on,
            counterparty: &p.org_name,
            voucher_no: &voucher,
            summary: &summary,
            reverses: None,
            subsidy_line_id: Some(l.id),
            recorded_by: &user.username,
        };
        let eid = ledger::insert(&mut tx, &entry).await?;
        const MARK: &str =
            "UPDATE subsidy_lines SET paid_entry = $1 WHERE id = $2 AND paid_entry IS NULL";
        let marked = on_tx!(&mut tx, x => sqlx::query(MARK).bind(eid).bind(l.id)
            .execute(&mut *x).await.map(|r| r.rows_affected()))?;
        if marked == 0 {
            return Err(AppError::Conflict(Msg::new("subsidy.nothing_to_pay")));
        }
        classes.push(l.line.class_id);
        payments.insert(l.id, eid);
    }
    funds::classes_changed(&mut tx, &classes).await?;
    let paid: i64 = due.iter().map(|l| l.line.amount_fen).sum();
    let entry = Entry::by(user, "subsidy.pay", "programme").target(p.id);
    let detail = format!("{id} {} lines {paid} fen voucher {voucher}", due.len());
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    // The batch with its new payments, read inside the transaction and stored with the key.
    let mut batch = batch;
    for l in &mut batch.lines {
        if let Some(eid) = payments.get(&l.id) {
            l.payment = Some(ledger::in_tx(&mut tx, eid).await?);
        }
    }
    batch.paid_fen = batch
        .lines
        .iter()
        .filter_map(|l| l.payment.as_ref())
        .map(|e| e.amount_fen)
        .sum();
    let stored = Stored::json(StatusCode::OK, &batch)?;
    if let Some(k) = &key {
        k.remember(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    Ok(stored)
}
