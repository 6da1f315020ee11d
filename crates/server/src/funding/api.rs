//! JSON API of money: a class's budget and ledger (receipts as files), a programme's funds by
//! source, its ledger export, subsidy rules, their qualification, batches and payments. Every
//! amount is an integer number of fen (分), named `*_fen`.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    ApproveInput, Batch, Budget, BudgetInput, EntryInput, Funds, LedgerEntry, PaymentInput,
    Qualification, ReverseInput, RuleInput, SubsidyRule, batches, budget, export, ledger, rules,
};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json};
use crate::i18n::Lang;
use crate::ids::{
    ClassId, IdPath, LedgerEntryId, OrgId, ProgrammeId, SubsidyBatchId, SubsidyRuleId,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_budget, put_budget))
        .routes(routes!(get_ledger, add_entry))
        .routes(routes!(reverse_entry))
        .routes(routes!(get_funds))
        .routes(routes!(get_ledger_xlsx))
        .routes(routes!(get_rules, add_rule))
        .routes(routes!(put_rule))
        .routes(routes!(get_qualification))
        .routes(routes!(get_batches, approve_batch))
        .routes(routes!(get_batch))
        .routes(routes!(pay_batch))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_receipt))
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::web::documents::MAX_BYTES + 64 * 1024,
                ))
                .routes(routes!(download_receipt))
                .layer(crate::web::upload::file_turns()),
        )
}

/// The class's budget: every source and category planned and as booked, the totals, and the
/// parents' fee against the cost the other sources leave (its unit and the federations above).
#[utoipa::path(get, path = "/api/v1/classes/{id}/budget", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = Budget), (status = 401), (status = 404)))]
async fn get_budget(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Budget>, AppError> {
    let c = budget::readable(&state, &user, &id).await?;
    Ok(Json(budget::of_class(&state, &c).await?))
}

/// Replaces the class's plan (its unit): the fee per child and the planned amount of each
/// source and category, in fen; a line left out is 0.
#[utoipa::path(put, path = "/api/v1/classes/{id}/budget", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id")),
    request_body = BudgetInput,
    responses((status = 200, body = Budget), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 422)))]
async fn put_budget(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<BudgetInput>,
) -> Result<Json<Budget>, AppError> {
    Ok(Json(
        budget::put(&state, &user, &client, &id, &input).await?,
    ))
}

/// The class's ledger, in the order things happened (counter-entries included).
#[utoipa::path(get, path = "/api/v1/classes/{id}/ledger", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = Vec<LedgerEntry>), (status = 401), (status = 404)))]
async fn get_ledger(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Vec<LedgerEntry>>, AppError> {
    let c = budget::readable(&state, &user, &id).await?;
    Ok(Json(ledger::of_class(&state, &c).await?))
}

/// Books a receipt (from a source) or a payment (on a category, from a source) — the class's
/// unit, once the class is approved (409 before). Union money paying the children's accident
/// insurance is refused (422 on `source`) unless the programme allows it. An `Idempotency-Key`
/// header makes a repeat write once.
#[utoipa::path(post, path = "/api/v1/classes/{id}/ledger", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "class id"),
        ("Idempotency-Key" = Option<String>, Header, description = "a key of the client's choice; the same key again answers the first answer")),
    request_body = EntryInput,
    responses((status = 201, body = LedgerEntry), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn add_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<EntryInput>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let stored = ledger::add(&state, &user, &client, &headers, (&id, &input)).await?;
    Ok(stored.into_response())
}

/// Reverses an entry by a counter-entry dated today with the reason (never an edit): the class's
/// unit for its own entries, the federation that paid for a subsidy payment (whose line may then
/// be paid again). 409 when the entry is a counter-entry or already reversed.
#[utoipa::path(post, path = "/api/v1/ledger-entries/{id}/reverse", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "ledger entry id"),
        ("Idempotency-Key" = Option<String>, Header, description = "a key of the client's choice")),
    request_body = ReverseInput,
    responses((status = 201, body = LedgerEntry), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn reverse_entry(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    headers: HeaderMap,
    IdPath(id): IdPath<LedgerEntryId>,
    Json(input): Json<ReverseInput>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let stored = ledger::reverse(&state, &user, &client, &headers, (&id, &input)).await?;
    Ok(stored.into_response())
}

/// Attaches the entry's receipt (multipart `file`: PDF, PNG or JPEG by its bytes, up to 10 MiB;
/// one per entry, 409 after).
#[utoipa::path(post, path = "/api/v1/ledger-entries/{id}/receipt", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "ledger entry id")),
    request_body(content_type = "multipart/form-data", content = Object),
    responses((status = 200, body = LedgerEntry), (status = 401), (status = 403), (status = 404),
        (status = 409), (status = 413), (status = 422)))]
async fn upload_receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<LedgerEntryId>,
    form: axum::extract::Multipart,
) -> Result<Json<LedgerEntry>, AppError> {
    let up = crate::inspections::photos::read(form).await?;
    Ok(Json(ledger::attach(&state, &user, &client, &id, up).await?))
}

/// Downloads the entry's receipt (as an attachment; 404 when it has none).
#[utoipa::path(get, path = "/api/v1/ledger-entries/{id}/receipt", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "ledger entry id")),
    responses((status = 200, description = "the receipt"), (status = 401), (status = 404)))]
async fn download_receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<LedgerEntryId>,
) -> Result<Response, AppError> {
    ledger::receipt(&state, &user, &id).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct AreaQuery {
    /// The organisation whose subtree (default: the caller's area of the programme)
    #[serde(default)]
    org_id: Option<OrgId>,
}

/// Money of an organisation's subtree in the programme, by source and category, with each
/// organisation directly below: read from figures kept as entries are booked.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/funds", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id"), AreaQuery),
    responses((status = 200, body = Funds), (status = 400), (status = 401), (status = 404)))]
async fn get_funds(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<AreaQuery>,
) -> Result<Json<Funds>, AppError> {
    Ok(Json(
        budget::funds(&state, &user, &id, q.org_id.as_ref())
            .await?
            .1,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct LedgerQuery {
    /// The organisation whose subtree (default: the caller's area of the programme)
    #[serde(default)]
    pub org_id: Option<OrgId>,
    /// One class only
    #[serde(default)]
    pub class_id: Option<ClassId>,
    /// First day of the period (YYYY-MM-DD); earlier entries make the opening balance
    #[serde(default)]
    pub from: Option<String>,
    /// Last day of the period (YYYY-MM-DD)
    #[serde(default)]
    pub to: Option<String>,
}

/// The ledger of an area (or one class) as .xlsx in an accountant's layout: a summary (opening,
/// receipts by source, payments by category, closing) and the journal; streamed.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/ledger.xlsx", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id"), LedgerQuery),
    responses((status = 200, description = "the workbook",
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 400), (status = 401), (status = 404), (status = 422)))]
async fn get_ledger_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    lang: Lang,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, AppError> {
    export::download(&state, &user, &client, lang, &id, &q).await
}

/// The programme's subsidy rules, with what each approved so far and its pool left.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/subsidy-rules", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id")),
    responses((status = 200, body = Vec<SubsidyRule>), (status = 401), (status = 404)))]
async fn get_rules(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Json<Vec<SubsidyRule>>, AppError> {
    Ok(Json(rules::of_programme(&state, &user, &id).await?.1))
}

/// The federation running the programme writes a subsidy rule: gates read from the records, a
/// fixed amount, tiers by class size or a model-class award, and an optional pool (in fen).
#[utoipa::path(post, path = "/api/v1/programmes/{id}/subsidy-rules", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "programme id")),
    request_body = RuleInput,
    responses((status = 201, body = SubsidyRule), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 422)))]
async fn add_rule(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Json(input): Json<RuleInput>,
) -> Result<(StatusCode, Json<SubsidyRule>), AppError> {
    let rule = rules::create(&state, &user, &client, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// Rewrites a rule until its first batch is approved (409 after).
#[utoipa::path(put, path = "/api/v1/subsidy-rules/{id}", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "subsidy rule id")),
    request_body = RuleInput,
    responses((status = 200, body = SubsidyRule), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn put_rule(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<SubsidyRuleId>,
    Json(input): Json<RuleInput>,
) -> Result<Json<SubsidyRule>, AppError> {
    Ok(Json(
        rules::update(&state, &user, &client, &id, &input).await?,
    ))
}

/// Which classes qualify under the rule now — every gate with its figures, the amount, what the
/// pool leaves — among the classes not yet approved under it.
#[utoipa::path(get, path = "/api/v1/subsidy-rules/{id}/qualification", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "subsidy rule id")),
    responses((status = 200, body = Qualification), (status = 401), (status = 404)))]
async fn get_qualification(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<SubsidyRuleId>,
) -> Result<Json<Qualification>, AppError> {
    Ok(Json(rules::qualification(&state, &user, &id).await?))
}

/// The rule's batches, newest first, with their lines and payments.
#[utoipa::path(get, path = "/api/v1/subsidy-rules/{id}/batches", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "subsidy rule id")),
    responses((status = 200, body = Vec<Batch>), (status = 401), (status = 404)))]
async fn get_batches(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<SubsidyRuleId>,
) -> Result<Json<Vec<Batch>>, AppError> {
    Ok(Json(batches::of_rule(&state, &user, &id).await?))
}

/// Approves the rule's qualification now as a batch, its evidence frozen: 409 when no class
/// would be paid, or when `expected_total_fen` differs from the total now. An
/// `Idempotency-Key` makes a repeat answer the first batch.
#[utoipa::path(post, path = "/api/v1/subsidy-rules/{id}/batches", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "subsidy rule id"),
        ("Idempotency-Key" = Option<String>, Header, description = "a key of the client's choice")),
    request_body = ApproveInput,
    responses((status = 201, body = Batch), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn approve_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    headers: HeaderMap,
    IdPath(id): IdPath<SubsidyRuleId>,
    Json(input): Json<ApproveInput>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let stored = batches::approve(&state, &user, &client, &headers, (&id, &input)).await?;
    Ok(stored.into_response())
}

/// A batch, its lines as frozen at approval and their payments.
#[utoipa::path(get, path = "/api/v1/subsidy-batches/{id}", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "subsidy batch id")),
    responses((status = 200, body = Batch), (status = 401), (status = 404)))]
async fn get_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<SubsidyBatchId>,
) -> Result<Json<Batch>, AppError> {
    Ok(Json(batches::get(&state, &user, &id).await?))
}

/// Records the payment (date, voucher) of approved lines — all unpaid ones when `line_ids` is
/// empty — each a receipt in its class's ledger; a line paid is not paid again (409 when nothing
/// is left to pay).
#[utoipa::path(post, path = "/api/v1/subsidy-batches/{id}/payments", tag = "funding",
    security(("bearer" = [])), params(("id" = String, Path, description = "subsidy batch id"),
        ("Idempotency-Key" = Option<String>, Header, description = "a key of the client's choice")),
    request_body = PaymentInput,
    responses((status = 200, body = Batch), (status = 400), (status = 401), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn pay_batch(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    headers: HeaderMap,
    IdPath(id): IdPath<SubsidyBatchId>,
    Json(input): Json<PaymentInput>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let stored = batches::pay(&state, &user, &client, &headers, (&id, &input)).await?;
    Ok(stored.into_response())
}
