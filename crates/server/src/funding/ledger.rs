//! A class's ledger (收支明细账): receipts by source and payments by category, each paid from a
//! source, kept by the unit hosting the class. Append-only (a trigger refuses any UPDATE or
//! DELETE): a wrong entry is reversed by a counter-entry carrying the negated amount and the
//! reason. A receipt file (发票、收据) is stored by its bytes as every document is. Union money does
//! not buy the children's accident insurance unless the programme allows it (seed 003 §三.7).

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tuoguan_domain::funding::{Category, MAX_FEN, Source, insurance_refused};

use super::budget::{kept, readable};
use super::{Direction, EntryInput, LedgerEntry, Receipt, ReverseInput};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{CurrentUser, Visible};
use crate::classes::{Class, ClassStatus};
use crate::dashboard::funds;
use crate::db::{Db, Sql, Tx};
use crate::error::{AppError, FieldError};
use crate::i18n::Msg;
use crate::idempotency::{Key, Stored};
use crate::ids::{ClassId, FileId, LedgerEntryId, ProgrammeId, SubsidyLineId};
use crate::web::documents::{self, Chunks};
use crate::web::upload::Spooled;
use crate::{on_db, on_tx};

crate::stored_as_text!(Direction, "ledger direction");

#[derive(sqlx::FromRow)]
struct Row {
    id: LedgerEntryId,
    class_id: ClassId,
    direction: Direction,
    source: String,
    category: Option<String>,
    amount_fen: i64,
    occurred_on: String,
    counterparty: String,
    voucher_no: String,
    summary: String,
    reverses: Option<LedgerEntryId>,
    reversed_by: Option<LedgerEntryId>,
    subsidy_line_id: Option<SubsidyLineId>,
    receipt_name: Option<String>,
    receipt_type: Option<String>,
    receipt_size: Option<i64>,
    recorded_at: i64,
}

const SELECT: &str = "SELECT e.id, e.class_id, e.direction, e.source, e.category, e.amount_fen, \
    e.occurred_on, e.counterparty, e.voucher_no, e.summary, e.reverses, r.id AS reversed_by, \
    e.subsidy_line_id, f.name AS receipt_name, f.content_type AS receipt_type, \
    f.size AS receipt_size, e.recorded_at FROM ledger_entries e \
    LEFT JOIN ledger_entries r ON r.reverses = e.id LEFT JOIN ledger_receipts f ON f.entry_id = e.id";

fn unknown(kind: &'static str, value: String) -> AppError {
    AppError::Internal(crate::db::UnknownValue { kind, value }.into())
}

impl Row {
    fn entry(self) -> Result<LedgerEntry, AppError> {
        let source = Source::parse(&self.source).ok_or_else(|| unknown("source", self.source))?;
        let category = match self.category {
            Some(c) => Some(Category::parse(&c).ok_or_else(|| unknown("category", c))?),
            None => None,
        };
        let receipt = match (self.receipt_name, self.receipt_type, self.receipt_size) {
            (Some(name), Some(content_type), Some(size)) => Some(Receipt {
                name,
                content_type,
                size,
            }),
            _ => None,
        };
        Ok(LedgerEntry {
            id: self.id,
            class_id: self.class_id,
            direction: self.direction,
            source,
            category,
            amount_fen: self.amount_fen,
            occurred_on: self.occurred_on,
            counterparty: self.counterparty,
            voucher_no: self.voucher_no,
            summary: self.summary,
            reverses: self.reverses,
            reversed_by: self.reversed_by,
            subsidy_line_id: self.subsidy_line_id,
            receipt,
            recorded_at: self.recorded_at,
        })
    }
}

/// A class's entries, in the order they happened.
pub async fn of_class(state: &AppState, c: &Visible<Class>) -> Result<Vec<LedgerEntry>, AppError> {
    let sql = format!("{SELECT} WHERE e.class_id = $1 ORDER BY e.occurred_on, e.recorded_at, e.id");
    let rows: Vec<Row> = on_db!(&state.db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(c.id).fetch_all(p).await)?;
    rows.into_iter().map(Row::entry).collect()
}

/// These entries, by id (a batch's payments).
pub(super) async fn by_ids(db: &Db, ids: &[LedgerEntryId]) -> Result<Vec<LedgerEntry>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = Sql::new(SELECT)
        .push(" WHERE e.id IN (")
        .list(ids.iter().copied())
        .push(")")
        .fetch_all(db)
        .await?;
    rows.into_iter().map(Row::entry).collect()
}

/// An entry whose class's money the caller reads, with the class; 404 otherwise.
pub async fn get(
    state: &AppState,
    user: &CurrentUser,
    id: &LedgerEntryId,
) -> Result<(LedgerEntry, Visible<Class>), AppError> {
    let found = by_ids(&state.db, &[*id])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let c = readable(state, user, &found.class_id).await?;
    Ok((found, c))
}

/// What is written for a new entry (a class's own, a counter-entry, a subsidy payment).
pub(super) struct NewEntry<'a> {
    pub class_id: ClassId,
    pub programme_id: ProgrammeId,
    pub direction: Direction,
    pub source: Source,
    pub category: Option<Category>,
    pub amount_fen: i64,
    pub occurred_on: &'a str,
    pub counterparty: &'a str,
    pub voucher_no: &'a str,
    pub summary: &'a str,
    pub reverses: Option<LedgerEntryId>,
    pub subsidy_line_id: Option<SubsidyLineId>,
    pub recorded_by: &'a str,
}

/// Writes an entry (inside the caller's transaction, which refreshes the class's figures once
/// its entries are in: `funds::classes_changed`).
pub(super) async fn insert(tx: &mut Tx, e: &NewEntry<'_>) -> Result<LedgerEntryId, AppError> {
    let id = LedgerEntryId::new();
    const SQL: &str = "INSERT INTO ledger_entries (id, class_id, programme_id, direction, source, \
        category, amount_fen, occurred_on, counterparty, voucher_no, summary, reverses, \
        subsidy_line_id, recorded_by, recorded_at) \
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)";
    on_tx!(tx, x => sqlx::query(SQL).bind(id).bind(e.class_id).bind(e.programme_id)
        .bind(e.direction).bind(e.source.as_str()).bind(e.category.map(|c| c.as_str()))
        .bind(e.amount_fen).bind(e.occurred_on).bind(e.counterparty).bind(e.voucher_no)
        .bind(e.summary).bind(e.reverses).bind(e.subsidy_line_id).bind(e.recorded_by)
        .bind(crate::now()).execute(&mut *x).await.map(|_| ()))?;
    Ok(id)
}

/// A day given as YYYY-MM-DD, not after today (Beijing).
pub(super) fn past_day(field: &'static str, text: &str) -> Result<String, FieldError> {
    match chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(d) if d > crate::calendar::today() => Err(FieldError::new(field, "money.day_future")),
        Ok(d) if chrono::Datelike::year(&d) < 2000 => {
            Err(FieldError::new(field, "money.day_invalid"))
        }
        Ok(d) => Ok(d.to_string()),
        Err(_) => Err(FieldError::new(field, "money.day_invalid")),
    }
}

/// A text field trimmed, at most `max` characters.
pub(super) fn text(
    field: &'static str,
    v: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) -> String {
    let v = v.trim();
    if v.chars().count() > max {
        errors.push(FieldError {
            field,
            msg: Msg::new("money.too_long").arg("max", max),
        });
    }
    v.to_string()
}

/// Every field wrong in an entry, the insurance rule included (the refusal names it).
fn validate(input: &EntryInput, union_may_insure: bool) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if !(1..=MAX_FEN).contains(&input.amount_fen) {
        errors.push(FieldError::new("amount_fen", "money.out_of_range"));
    }
    if let Err(e) = past_day("occurred_on", &input.occurred_on) {
        errors.push(e);
    }
    match (input.direction, input.category) {
        (Direction::Payment, None) => {
            errors.push(FieldError::new("category", "ledger.category_needed"))
        }
        (Direction::Receipt, Some(_)) => {
            errors.push(FieldError::new("category", "ledger.category_on_receipt"))
        }
        (Direction::Payment, Some(c)) if insurance_refused(input.source, c, union_may_insure) => {
            errors.push(FieldError::new("source", "ledger.union_insurance"))
        }
        _ => {}
    }
    text("counterparty", &input.counterparty, 100, &mut errors);
    text("voucher_no", &input.voucher_no, 50, &mut errors);
    text("summary", &input.summary, 200, &mut errors);
    match errors.is_empty() {
        true => Ok(()),
        false => Err(AppError::Validation(errors)),
    }
}

/// A class books money only once approved (not a draft, nor one waiting or returned).
fn bookable(c: &Class) -> Result<(), AppError> {
    match c.status() {
        ClassStatus::Approved | ClassStatus::Running | ClassStatus::Closed => Ok(()),
        _ => Err(AppError::Conflict(Msg::new("ledger.class_not_approved"))),
    }
}

/// Books an entry (idempotent with a key); answers 201 with it.
pub async fn add(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    headers: &HeaderMap,
    (class_id, input): (&ClassId, &EntryInput),
) -> Result<Stored, AppError> {
    let key = Key::from_request(headers, user, &format!("POST ledger {class_id}"), input)?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup(&state.db).await?
    {
        return Ok(stored);
    }
    let c = kept(state, user, class_id).await?;
    let p = crate::programmes::store::any(&state.db, &c.programme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    validate(input, p.rules()?.union_funds_may_pay_insurance)?;
    bookable(&c)?;
    let day =
        past_day("occurred_on", &input.occurred_on).map_err(|e| AppError::Validation(vec![e]))?;
    let mut tx = state.db.begin().await?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup_in(&mut tx).await?
    {
        return Ok(stored);
    }
    let id = insert(
        &mut tx,
        &NewEntry {
            class_id: c.id,
            programme_id: c.programme_id,
            direction: input.direction,
            source: input.source,
            category: input.category,
            amount_fen: input.amount_fen,
            occurred_on: &day,
            counterparty: input.counterparty.trim(),
            voucher_no: input.voucher_no.trim(),
            summary: input.summary.trim(),
            reverses: None,
            subsidy_line_id: None,
            recorded_by: &user.username,
        },
    )
    .await?;
    funds::classes_changed(&mut tx, &[c.id]).await?;
    let entry = Entry::by(user, "ledger.book", "class").target(c.id);
    let detail = format!("{id} {} {} fen", input.direction.as_str(), input.amount_fen);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    let view = in_tx(&mut tx, &id).await?;
    let stored = Stored::json(StatusCode::CREATED, &view)?;
    if let Some(k) = &key {
        k.remember(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// An entry read back inside the transaction that wrote it.
pub(super) async fn in_tx(tx: &mut Tx, id: &LedgerEntryId) -> Result<LedgerEntry, AppError> {
    let sql = format!("{SELECT} WHERE e.id = $1");
    let row: Row = on_tx!(tx, x => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id)
        .fetch_one(&mut *x).await)?;
    row.entry()
}

/// Reverses an entry by a counter-entry dated today with the reason (idempotent with a key).
/// A class's own entry is reversed by its unit; a subsidy payment by the federation that paid
/// it, which frees its line to be paid again.
pub async fn reverse(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    headers: &HeaderMap,
    (id, input): (&LedgerEntryId, &ReverseInput),
) -> Result<Stored, AppError> {
    let key = Key::from_request(headers, user, &format!("POST reverse {id}"), input)?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup(&state.db).await?
    {
        return Ok(stored);
    }
    let (e, c) = get(state, user, id).await?;
    match e.subsidy_line_id {
        Some(_) => super::batches::may_pay(state, user, &c.programme_id).await?,
        None => drop(kept(state, user, &c.id).await?),
    }
    let mut errors = Vec::new();
    let reason = text("reason", &input.reason, 200, &mut errors);
    if reason.is_empty() {
        errors.push(FieldError::new("reason", "ledger.reason_needed"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if e.reverses.is_some() || e.reversed_by.is_some() {
        return Err(AppError::Conflict(Msg::new("ledger.already_reversed")));
    }
    let mut tx = state.db.begin().await?;
    if let Some(k) = &key
        && let Some(stored) = k.lookup_in(&mut tx).await?
    {
        return Ok(stored);
    }
    let today = crate::calendar::today().to_string();
    let new = NewEntry {
        class_id: c.id,
        programme_id: c.programme_id,
        direction: e.direction,
        source: e.source,
        category: e.category,
        amount_fen: -e.amount_fen,
        occurred_on: &today,
        counterparty: &e.counterparty,
        voucher_no: &e.voucher_no,
        summary: &reason,
        reverses: Some(e.id),
        subsidy_line_id: e.subsidy_line_id,
        recorded_by: &user.username,
    };
    // The unique `reverses` column makes a second reversal sent at the same moment fail here.
    let rid = insert(&mut tx, &new).await.map_err(|err| match err {
        AppError::Internal(_) => AppError::Conflict(Msg::new("ledger.already_reversed")),
        other => other,
    })?;
    funds::classes_changed(&mut tx, &[c.id]).await?;
    if e.subsidy_line_id.is_some() {
        const FREE: &str = "UPDATE subsidy_lines SET paid_entry = NULL WHERE paid_entry = $1";
        on_tx!(&mut tx, x => sqlx::query(FREE).bind(e.id).execute(&mut *x).await.map(|_| ()))?;
    }
    let entry = Entry::by(user, "ledger.reverse", "class").target(c.id);
    audit::record(&mut tx, &entry.detail(format!("{} by {rid}", e.id)), client).await?;
    let view = in_tx(&mut tx, &rid).await?;
    let stored = Stored::json(StatusCode::CREATED, &view)?;
    if let Some(k) = &key {
        k.remember(&mut tx, &stored).await?;
    }
    tx.commit().await?;
    Ok(stored)
}

/// Attaches the receipt file of an entry (the class's unit; one per entry, 409 after).
pub async fn attach(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &LedgerEntryId,
    mut up: Spooled,
) -> Result<LedgerEntry, AppError> {
    let (e, c) = get(state, user, id).await?;
    kept(state, user, &c.id).await?;
    if e.receipt.is_some() {
        return Err(AppError::Conflict(Msg::new("ledger.receipt_held")));
    }
    let ok = documents::accept(&mut up, Vec::new())?;
    let file_id = FileId::new();
    let mut tx = state.db.begin().await?;
    const SQL: &str = "INSERT INTO ledger_receipts (entry_id, file_id, name, content_type, size, \
        uploaded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)";
    let inserted = on_tx!(&mut tx, x => sqlx::query(SQL).bind(e.id).bind(file_id).bind(&ok.name)
        .bind(ok.content_type).bind(ok.size).bind(&user.username).bind(crate::now())
        .execute(&mut *x).await.map(|_| ()));
    if inserted.is_err() {
        return Err(AppError::Conflict(Msg::new("ledger.receipt_held")));
    }
    documents::write_chunks(&mut tx, Chunks::Receipt, &file_id, up.file).await?;
    let entry = Entry::by(user, "ledger.receipt", "class").target(c.id);
    let detail = format!("{} {} ({} bytes)", e.id, ok.name, ok.size);
    audit::record(&mut tx, &entry.detail(detail), client).await?;
    tx.commit().await?;
    in_db(state, &e.id).await
}

async fn in_db(state: &AppState, id: &LedgerEntryId) -> Result<LedgerEntry, AppError> {
    by_ids(&state.db, &[*id])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// The receipt of an entry whose class's money the caller reads, sent in chunks.
pub async fn receipt(
    state: &AppState,
    user: &CurrentUser,
    id: &LedgerEntryId,
) -> Result<Response, AppError> {
    let (e, _) = get(state, user, id).await?;
    let r = e.receipt.ok_or(AppError::NotFound)?;
    const SQL: &str = "SELECT file_id FROM ledger_receipts WHERE entry_id = $1";
    let file_id: FileId =
        on_db!(&state.db, p => sqlx::query_scalar(SQL).bind(e.id).fetch_one(p).await)?;
    let body = documents::stream_chunks(&state.db, Chunks::Receipt, file_id);
    Ok(documents::response(&r.name, &r.content_type, r.size, body))
}
