//! A class's budget: the plan by source and category with the parents' fee, kept by the unit
//! hosting the class, and what stands against it (received and spent, from the ledger), read from
//! the kept figures; the fee checked against the cost the other sources leave (公益性).

use std::collections::HashMap;

use tuoguan_domain::funding::{Category, MAX_FEN, Source, fee_check};

use super::{Budget, BudgetInput, CategoryLine, SourceLine, keeps, reads};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{CurrentUser, Visible};
use crate::classes::Class;
use crate::dashboard::funds::{self, Figures};
use crate::error::{AppError, FieldError};
use crate::ids::ClassId;
use crate::{on_db, on_tx};

/// A class whose money the caller reads (its unit, a federation above), or 404.
pub async fn readable(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
) -> Result<Visible<Class>, AppError> {
    let scope = reads(user).ok_or(AppError::NotFound)?;
    crate::classes::service::in_scope(state, &scope, id).await
}

/// A class whose money the caller keeps (the unit hosting it): 404 when they cannot read it, 403
/// when they read but do not keep it (a federation above).
pub async fn kept(
    state: &AppState,
    user: &CurrentUser,
    id: &ClassId,
) -> Result<Visible<Class>, AppError> {
    let c = readable(state, user, id).await?;
    match keeps(user).is_some_and(|s| s.contains(&c.host_path)) {
        true => Ok(c),
        false => Err(AppError::Forbidden),
    }
}

pub fn source_line(s: Source) -> String {
    format!("source:{s}")
}

pub fn category_line(c: Category) -> String {
    format!("category:{c}")
}

/// Every source and category from kept figures (absent lines are zero), with the totals.
pub fn lines(figures: &HashMap<String, Figures>) -> (Vec<SourceLine>, Vec<CategoryLine>) {
    let at = |k: String| figures.get(&k).copied().unwrap_or((0, 0, 0));
    let sources = Source::ALL
        .into_iter()
        .map(|source| {
            let (planned_fen, received_fen, spent_fen) = at(source_line(source));
            SourceLine {
                source,
                planned_fen,
                received_fen,
                spent_fen,
            }
        })
        .collect();
    let categories = Category::ALL
        .into_iter()
        .map(|category| {
            let (planned_fen, _, spent_fen) = at(category_line(category));
            CategoryLine {
                category,
                planned_fen,
                spent_fen,
            }
        })
        .collect();
    (sources, categories)
}

/// The class's budget as it stands.
pub async fn of_class(state: &AppState, c: &Visible<Class>) -> Result<Budget, AppError> {
    let figures = funds::of_class(&state.db, &c.id).await?;
    let (sources, categories) = lines(&figures);
    const FEE: &str = "SELECT fee_fen FROM class_budgets WHERE class_id = $1";
    let fee: Option<i64> =
        on_db!(&state.db, p => sqlx::query_scalar(FEE).bind(c.id).fetch_optional(p).await)?;
    const ENROLLED: &str =
        "SELECT COUNT(*) FROM applications WHERE class_id = $1 AND status = 'enrolled'";
    let enrolled: i64 =
        on_db!(&state.db, p => sqlx::query_scalar(ENROLLED).bind(c.id).fetch_one(p).await)?;
    let children = if enrolled > 0 { enrolled } else { c.capacity };
    let sum = |f: fn(&SourceLine) -> i64| sources.iter().map(f).sum::<i64>();
    let planned_income_fen = sum(|s| s.planned_fen);
    let received_fen = sum(|s| s.received_fen);
    let spent_fen = sum(|s| s.spent_fen);
    let planned_spending_fen = categories.iter().map(|c| c.planned_fen).sum();
    let other: i64 = sources
        .iter()
        .filter(|s| s.source != Source::ParentFees)
        .map(|s| s.planned_fen)
        .sum();
    Ok(Budget {
        class_id: c.id,
        class_name: c.name.clone(),
        host_name: c.host_name.clone(),
        fee: fee_check(fee.unwrap_or(0), children, planned_spending_fen, other),
        sources,
        categories,
        planned_income_fen,
        planned_spending_fen,
        received_fen,
        spent_fen,
        balance_fen: received_fen - spent_fen,
    })
}

/// Every field wrong in a plan: an amount out of range, a source or category given twice.
fn validate(input: &BudgetInput) -> Result<Vec<(String, i64)>, AppError> {
    let mut errors = Vec::new();
    let ok = |f: i64| (0..=MAX_FEN).contains(&f);
    if !ok(input.fee_fen) {
        errors.push(FieldError::new("fee_fen", "money.out_of_range"));
    }
    let mut lines: Vec<(String, i64)> = Vec::new();
    let given = input
        .sources
        .iter()
        .map(|s| ("sources", source_line(s.source), s.planned_fen))
        .chain(
            input
                .categories
                .iter()
                .map(|c| ("categories", category_line(c.category), c.planned_fen)),
        );
    for (field, line, fen) in given {
        if !ok(fen) {
            errors.push(FieldError::new(field, "money.out_of_range"));
        } else if lines.iter().any(|(l, _)| *l == line) {
            errors.push(FieldError::new(field, "budget.line_twice"));
        } else {
            lines.push((line, fen));
        }
    }
    match errors.is_empty() {
        true => Ok(lines),
        false => Err(AppError::Validation(errors)),
    }
}

/// Replaces the class's plan (the unit hosting it), audited, its figures refreshed.
pub async fn put(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ClassId,
    input: &BudgetInput,
) -> Result<Budget, AppError> {
    let c = kept(state, user, id).await?;
    let lines = validate(input)?;
    let mut tx = state.db.begin().await?;
    const FEE: &str = "INSERT INTO class_budgets (class_id, fee_fen, updated_by, updated_at) \
        VALUES ($1, $2, $3, $4) ON CONFLICT (class_id) DO UPDATE SET fee_fen = excluded.fee_fen, \
        updated_by = excluded.updated_by, updated_at = excluded.updated_at";
    const CLEAR: &str = "DELETE FROM budget_lines WHERE class_id = $1";
    const LINE: &str = "INSERT INTO budget_lines (class_id, line, planned_fen) VALUES ($1, $2, $3)";
    on_tx!(&mut tx, x => {
        sqlx::query(FEE).bind(c.id).bind(input.fee_fen).bind(&user.username).bind(crate::now())
            .execute(&mut *x).await?;
        sqlx::query(CLEAR).bind(c.id).execute(&mut *x).await?;
        for (line, fen) in lines.iter().filter(|(_, f)| *f > 0) {
            sqlx::query(LINE).bind(c.id).bind(line).bind(fen).execute(&mut *x).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    funds::classes_changed(&mut tx, &[c.id]).await?;
    let planned: i64 = lines.iter().map(|(_, f)| f).sum();
    let entry = Entry::by(user, "budget.plan", "class").target(c.id);
    let detail = format!(
        "fee {} fen, {} lines, {planned} fen",
        input.fee_fen,
        lines.len()
    );
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    tx.commit().await?;
    of_class(state, &c).await
}

/// Money of an organisation's subtree in the programme (default: the caller's area), by source
/// and category, with each organisation directly below: all from the kept figures.
pub async fn funds(
    state: &AppState,
    user: &CurrentUser,
    id: &crate::ids::ProgrammeId,
    org: Option<&crate::ids::OrgId>,
) -> Result<(crate::programmes::Programme, super::Funds), AppError> {
    use crate::auth::Scope;
    let p = crate::programmes::service::visible(state, user, id).await?;
    let area = super::rules::area(user, &p)?;
    let org_id = match (org, &area) {
        (Some(o), _) => *o,
        (None, _) if super::rules::manages(user, &p) => p.org_id,
        (None, Scope::Subtrees(roots)) => {
            let root = roots.first().ok_or(AppError::NotFound)?;
            let last = root.trim_end_matches('/').rsplit('/').next().unwrap_or("");
            last.parse().map_err(|_| AppError::NotFound)?
        }
        (None, Scope::All) => p.org_id,
    };
    let o = crate::orgs::get(&state.db, &area, &org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let figures = funds::of_org(&state.db, &p.id, &o.id).await?;
    let (sources, categories) = lines(&figures);
    let children = crate::orgs::children_in(&state.db, &area, &o.id).await?;
    let ids: Vec<_> = children.iter().map(|c| c.id).collect();
    let mut totals = funds::totals_of(&state.db, &p.id, &ids).await?;
    let below = children
        .into_iter()
        .filter_map(|c| {
            let (planned_fen, received_fen, spent_fen) = totals.remove(&c.id)?;
            Some(super::FundsBelow {
                org_id: c.id,
                org_name: c.name,
                planned_fen,
                received_fen,
                spent_fen,
            })
        })
        .collect();
    let funds = super::Funds {
        programme_id: p.id,
        org_id: o.id,
        org_name: o.name,
        received_fen: sources.iter().map(|s| s.received_fen).sum(),
        spent_fen: sources.iter().map(|s| s.spent_fen).sum(),
        sources,
        categories,
        below,
    };
    Ok((p, funds))
}
