//! HTML pages of money: a class's budget and ledger (plan, book with a receipt, reverse) and a
//! programme's funds by source with its subsidy rules; the ledger workbook for the browser.
//! Amounts are typed and shown in yuan; they travel as fen.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get, routing::post};
use tuoguan_domain::funding::{Category, RuleKind, Source, parse_yuan, yuan};

use super::{
    Budget, BudgetInput, CategoryAmount, Direction, EntryInput, Funds, LedgerEntry, ReverseInput,
    SourceAmount, SubsidyRule, budget, export, ledger, rules,
};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::classes::ClassStatus;
use crate::error::{AppError, FieldError};
use crate::i18n::Lang;
use crate::ids::{ClassId, IdPath, LedgerEntryId, ProgrammeId};
use crate::programmes::Programme;
use crate::web::{Ctx, render_status};

pub fn router() -> Router<AppState> {
    let upload = (
        crate::web::upload::file_turns(),
        axum::extract::DefaultBodyLimit::max(crate::web::documents::MAX_BYTES + 64 * 1024),
    );
    Router::new()
        .route("/classes/{id}/money", get(class_page))
        .route("/classes/{id}/money/plan", post(plan))
        .route("/classes/{id}/money/entries", post(book).layer(upload))
        .route("/ledger-entries/{id}/reverse", post(reverse))
        .route(
            "/ledger-entries/{id}/receipt",
            get(receipt).layer(crate::web::upload::file_turns()),
        )
        .route("/programmes/{id}/money", get(programme_page))
        .route("/programmes/{id}/ledger.xlsx", get(workbook))
        .merge(super::pages::router())
}

/// What a refusal says on the page it came from.
pub(super) fn messages(lang: Lang, e: &AppError) -> Option<(StatusCode, Vec<String>)> {
    match e {
        AppError::Validation(f) => Some((
            StatusCode::UNPROCESSABLE_ENTITY,
            f.iter().map(|f| f.msg.render(lang)).collect(),
        )),
        AppError::Conflict(m) => Some((StatusCode::CONFLICT, vec![m.render(lang)])),
        _ => None,
    }
}

/// The entry form as typed, kept when it is refused.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub counterparty: String,
    #[serde(default)]
    pub voucher_no: String,
    #[serde(default)]
    pub summary: String,
}

#[derive(Template)]
#[template(path = "funding/class.html")]
struct ClassPage {
    ctx: Ctx,
    class_id: ClassId,
    class_name: String,
    programme_id: ProgrammeId,
    programme_name: String,
    b: Budget,
    /// Entries with the running balance after each.
    entries: Vec<(LedgerEntry, i64)>,
    keeps: bool,
    bookable: bool,
    errors: Vec<String>,
    form: EntryForm,
    /// The plan as typed (fee, then each source's and category's yuan), kept when refused.
    plan: HashMap<String, String>,
    today: String,
}

impl ClassPage {
    fn y(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn source(&self, s: &Source) -> String {
        self.ctx.t(&format!("source.{s}"))
    }
    fn category(&self, c: &Category) -> String {
        self.ctx.t(&format!("category.{c}"))
    }
    fn sources(&self) -> [Source; 8] {
        Source::ALL
    }
    fn categories(&self) -> [Category; 7] {
        Category::ALL
    }
    fn planned(&self, key: &str, fen: &i64) -> String {
        match self.plan.get(key) {
            Some(v) => v.clone(),
            None if *fen == 0 => String::new(),
            None => yuan(*fen).replace(',', ""),
        }
    }
    fn src_key(&self, s: &Source) -> String {
        format!("src_{s}")
    }
    fn cat_key(&self, c: &Category) -> String {
        format!("cat_{c}")
    }
    fn fee_line(&self) -> String {
        let f = &self.b.fee;
        let args = [
            ("fee", yuan(f.fee_fen)),
            ("children", f.children.to_string()),
            ("fees", yuan(f.fees_fen)),
            ("uncovered", yuan(f.uncovered_fen)),
        ];
        self.ctx.lang.tf("budget.fee_line", &args)
    }
    fn what(&self, e: &LedgerEntry) -> String {
        match e.category {
            Some(c) => format!("{} · {}", self.category(&c), self.source(&e.source)),
            None => self.source(&e.source),
        }
    }
    fn selected(&self, field: &str, v: &str) -> bool {
        match field {
            "direction" => self.form.direction == v,
            "source" => self.form.source == v,
            _ => self.form.category == v,
        }
    }
}

async fn class_view(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    refused: Option<(StatusCode, Vec<String>)>,
    (form, plan): (EntryForm, HashMap<String, String>),
) -> Result<Response, AppError> {
    let c = budget::readable(state, user, id).await?;
    let b = budget::of_class(state, &c).await?;
    let mut balance = 0;
    let entries = ledger::of_class(state, &c)
        .await?
        .into_iter()
        .map(|e| {
            balance += match e.direction {
                Direction::Receipt => e.amount_fen,
                Direction::Payment => -e.amount_fen,
            };
            (e, balance)
        })
        .collect();
    let p = crate::programmes::store::any(&state.db, &c.programme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let keeps = super::keeps(user).is_some_and(|s| s.contains(&c.host_path));
    let (status, errors) = refused.unwrap_or((StatusCode::OK, Vec::new()));
    let page = ClassPage {
        ctx,
        class_id: c.id,
        class_name: c.name.clone(),
        programme_id: p.id,
        programme_name: p.name,
        bookable: matches!(
            c.status(),
            ClassStatus::Approved | ClassStatus::Running | ClassStatus::Closed
        ),
        b,
        entries,
        keeps,
        errors,
        form: EntryForm {
            direction: if form.direction.is_empty() {
                "payment".into()
            } else {
                form.direction
            },
            ..form
        },
        plan,
        today: crate::calendar::today().to_string(),
    };
    render_status(status, &page)
}

async fn class_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    class_view(&state, ctx, &user, &id, None, Default::default()).await
}

/// Yuan typed into a field, as fen; blank is 0.
fn fen_of(field: &'static str, v: &str, errors: &mut Vec<FieldError>) -> i64 {
    if v.trim().is_empty() {
        return 0;
    }
    parse_yuan(v).unwrap_or_else(|e| {
        errors.push(FieldError::new(field, e.key()));
        0
    })
}

async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut errors = Vec::new();
    let at = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let input = BudgetInput {
        fee_fen: fen_of("fee_fen", at("fee"), &mut errors),
        sources: Source::ALL
            .into_iter()
            .map(|source| SourceAmount {
                source,
                planned_fen: fen_of("sources", at(&format!("src_{source}")), &mut errors),
            })
            .collect(),
        categories: Category::ALL
            .into_iter()
            .map(|category| CategoryAmount {
                category,
                planned_fen: fen_of("categories", at(&format!("cat_{category}")), &mut errors),
            })
            .collect(),
    };
    let done = match errors.is_empty() {
        true => budget::put(&state, &user, &client, &id, &input)
            .await
            .map(|_| ()),
        false => Err(AppError::Validation(errors)),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{id}/money?ok=saved")).into_response()),
        Err(e) => match messages(ctx.lang, &e) {
            Some(r) => {
                class_view(&state, ctx, &user, &id, Some(r), (EntryForm::default(), f)).await
            }
            None => Err(e),
        },
    }
}

const ENTRY_FIELDS: [&str; 8] = [
    "direction",
    "source",
    "category",
    "amount",
    "occurred_on",
    "counterparty",
    "voucher_no",
    "summary",
];

/// The entry form read into the API's input, every field's error named.
fn entry_input(f: &EntryForm) -> Result<EntryInput, AppError> {
    let mut errors = Vec::new();
    let direction = Direction::parse(f.direction.trim());
    if direction.is_none() {
        errors.push(FieldError::new("direction", "ledger.direction_needed"));
    }
    let source = Source::parse(&f.source);
    if source.is_none() {
        errors.push(FieldError::new("source", "ledger.source_needed"));
    }
    let category = match f.category.trim() {
        "" => None,
        c => Category::parse(c),
    };
    let amount_fen = match parse_yuan(&f.amount) {
        Ok(0) => {
            errors.push(FieldError::new("amount_fen", "money.out_of_range"));
            0
        }
        Ok(v) => v,
        Err(e) => {
            errors.push(FieldError::new("amount_fen", e.key()));
            0
        }
    };
    match (direction, source, errors.is_empty()) {
        (Some(direction), Some(source), true) => Ok(EntryInput {
            direction,
            source,
            // A receipt's category select may still hold a value: it is not a payment's.
            category: category.filter(|_| direction == Direction::Payment),
            amount_fen,
            occurred_on: f.occurred_on.clone(),
            counterparty: f.counterparty.clone(),
            voucher_no: f.voucher_no.clone(),
            summary: f.summary.clone(),
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    form: Multipart,
) -> Result<Response, AppError> {
    let read = crate::web::upload::read_form(
        form,
        &ENTRY_FIELDS,
        crate::web::documents::MAX_BYTES as u64,
        "receipt",
    )
    .await
    .map_err(|_| AppError::field("file", "file.size"))?;
    let f = EntryForm {
        direction: read.text("direction").into(),
        source: read.text("source").into(),
        category: read.text("category").into(),
        amount: read.text("amount").into(),
        occurred_on: read.text("occurred_on").into(),
        counterparty: read.text("counterparty").into(),
        voucher_no: read.text("voucher_no").into(),
        summary: read.text("summary").into(),
    };
    let done = booked(&state, &user, &client, &id, &f, read.file).await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{id}/money?ok=saved")).into_response()),
        Err(e) => match messages(ctx.lang, &e) {
            Some(r) => class_view(&state, ctx, &user, &id, Some(r), (f, HashMap::new())).await,
            None => Err(e),
        },
    }
}

/// Books the entry and attaches its receipt; the receipt is checked by its bytes before
/// anything is written, so a refused file books nothing.
async fn booked(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &ClassId,
    f: &EntryForm,
    file: Option<crate::web::upload::Spooled>,
) -> Result<(), AppError> {
    let input = entry_input(f);
    let mut file = file;
    if let Some(up) = file.as_mut() {
        let checked = crate::web::documents::accept(up, Vec::new());
        match (input.as_ref(), checked) {
            (Err(AppError::Validation(a)), Err(AppError::Validation(b))) => {
                return Err(AppError::Validation(a.iter().chain(&b).cloned().collect()));
            }
            (_, Err(e)) => return Err(e),
            _ => {}
        }
    }
    let input = input?;
    let stored = ledger::add(state, user, client, &HeaderMap::new(), (id, &input)).await?;
    let EntryId { id: entry } =
        serde_json::from_str(&stored.body).map_err(|e| AppError::Internal(e.into()))?;
    if let Some(up) = file {
        ledger::attach(state, user, client, &entry, up).await?;
    }
    Ok(())
}

/// The id of the entry an answer carries.
#[derive(serde::Deserialize)]
struct EntryId {
    id: LedgerEntryId,
}

#[derive(serde::Deserialize)]
struct ReverseForm {
    #[serde(default)]
    reason: String,
    /// The batch page a payment was reversed from (`/subsidy-batches/<id>`).
    #[serde(default)]
    back: String,
}

async fn reverse(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<LedgerEntryId>,
    Form(f): Form<ReverseForm>,
) -> Result<Response, AppError> {
    let (e, _) = ledger::get(&state, &user, &id).await?;
    let input = ReverseInput { reason: f.reason };
    let done = ledger::reverse(&state, &user, &client, &HeaderMap::new(), (&id, &input)).await;
    let batch = f
        .back
        .strip_prefix("/subsidy-batches/")
        .and_then(crate::ids::SubsidyBatchId::parse);
    match (done, batch) {
        (Ok(_), Some(b)) => {
            Ok(Redirect::to(&format!("/subsidy-batches/{b}?ok=saved")).into_response())
        }
        (Ok(_), None) => {
            Ok(Redirect::to(&format!("/classes/{}/money?ok=saved", e.class_id)).into_response())
        }
        (Err(err), Some(b)) => match messages(ctx.lang, &err) {
            Some(r) => super::pages::batch_view(&state, ctx, &user, &b, Some(r)).await,
            None => Err(err),
        },
        (Err(err), None) => match messages(ctx.lang, &err) {
            Some(r) => {
                class_view(&state, ctx, &user, &e.class_id, Some(r), Default::default()).await
            }
            None => Err(err),
        },
    }
}

async fn receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<LedgerEntryId>,
) -> Result<Response, AppError> {
    ledger::receipt(&state, &user, &id).await
}

#[derive(Template)]
#[template(path = "funding/programme.html")]
struct ProgrammePage {
    ctx: Ctx,
    p: Programme,
    f: Funds,
    rules: Vec<SubsidyRule>,
    manages: bool,
    errors: Vec<String>,
}

impl ProgrammePage {
    fn y(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn source(&self, s: &Source) -> String {
        self.ctx.t(&format!("source.{s}"))
    }
    fn category(&self, c: &Category) -> String {
        self.ctx.t(&format!("category.{c}"))
    }
    fn kind(&self, k: &RuleKind) -> String {
        self.ctx.t(rules::kind_key(*k))
    }
    fn pool_left(&self, r: &SubsidyRule) -> String {
        r.pool_left_fen.map_or_else(|| "—".into(), yuan)
    }
}

#[derive(serde::Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org_id: Option<String>,
}

pub(super) async fn programme_view(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ProgrammeId,
    org: Option<&crate::ids::OrgId>,
    refused: Option<(StatusCode, Vec<String>)>,
) -> Result<Response, AppError> {
    let (p, f) = budget::funds(state, user, id, org).await?;
    let (_, rules) = rules::of_programme(state, user, id).await?;
    let (status, errors) = refused.unwrap_or((StatusCode::OK, Vec::new()));
    let page = ProgrammePage {
        manages: rules::manages(user, &p),
        ctx,
        p,
        f,
        rules,
        errors,
    };
    render_status(status, &page)
}

async fn programme_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<OrgQuery>,
) -> Result<Response, AppError> {
    let org = match q.org_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(o) => Some(crate::ids::OrgId::parse(o).ok_or(AppError::NotFound)?),
    };
    programme_view(&state, ctx, &user, &id, org.as_ref(), None).await
}

async fn workbook(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    lang: Lang,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<super::api::LedgerQuery>,
) -> Result<Response, AppError> {
    export::download(&state, &user, &client, lang, &id, &q).await
}
