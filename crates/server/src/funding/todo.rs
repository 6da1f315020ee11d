//! What money asks of people on their home page: the federation that approved subsidies, the
//! lines it has not paid yet (the batch with the oldest unpaid line first).

use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::db::Sql;
use crate::error::AppError;
use crate::ids::SubsidyBatchId;

/// Approved subsidy lines not yet paid in the programmes the caller runs: (their count, the
/// batch holding the oldest of them).
pub async fn unpaid(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Option<(i64, SubsidyBatchId)>, AppError> {
    let Some(scope) = user.scope(Capability::OpenProgrammes) else {
        return Ok(None);
    };
    let rows: Vec<(SubsidyBatchId, i64)> = Sql::new(
        "SELECT b.id, COUNT(*) FROM subsidy_lines l JOIN subsidy_batches b ON b.id = l.batch_id \
         JOIN subsidy_rules r ON r.id = b.rule_id JOIN programmes p ON p.id = r.programme_id \
         JOIN orgs o ON o.id = p.org_id \
         WHERE l.outcome = 'approved' AND l.paid_entry IS NULL AND ",
    )
    .scope("o.path", &scope)
    .push(" GROUP BY b.id, b.approved_at ORDER BY b.approved_at, b.id")
    .fetch_all(&state.db)
    .await?;
    let total: i64 = rows.iter().map(|r| r.1).sum();
    Ok(rows.first().map(|(batch, _)| (total, *batch)))
}
