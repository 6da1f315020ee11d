//! HTML pages of money: a class's budget and ledger (plan, book with a receipt, reverse) and a
//! programme's funds by source with its subsidy rules; the ledger workbook for the browser.
//! Amounts are typed and shown in yuan; they travel as fen.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get, routing::post};
use tuoguan_domain::funding::{Category, Source, parse_yuan, yuan};

use super::{
    Budget, BudgetInput, CategoryAmount, Direction, EntryInput, LedgerEntry, ReverseInput,
    SourceAmount, budget, ledger,
};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::classes::ClassStatus;
use crate::error::{AppError, FieldError};
use crate::i18n::Lang;
use crate::ids::{ClassId, IdPath, LedgerEntryId, ProgrammeId};
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
        .route("/programmes/{id}/money", get(super::area::programme_page))
        .route("/programmes/{id}/ledger.xlsx", get(super::area::workbook))
        .merge(super::pages::router())
}

/// What a refusal says on the page it came from.
pub(super) fn messages(lang: Lang, e: &AppError) -> Option<(StatusCode, Vec<String>)> {
    e.on_form(lang)
}

/// A label before what is said of it: "餐饮：", "Food: ".
pub(super) fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    }
}

/// A remark after a figure, bracketed as the language writes it: "已收（预算 34,000.00）",
/// "Received (planned 34,000.00)".
pub(super) fn aside(lang: Lang, text: String) -> String {
    match lang {
        Lang::Zh => format!("（{text}）"),
        Lang::En => format!(" ({text})"),
    }
}

/// A form of the class's page refused: what it says, shown in that form's section (the page opens
/// there), and which fields were wrong (`aria-invalid`).
pub(super) struct Refused {
    status: StatusCode,
    errors: Vec<String>,
    /// `entry`, `plan`, or empty (a reversal: shown at the top).
    form: &'static str,
    invalid: Vec<String>,
}

impl Refused {
    fn of(lang: Lang, form: &'static str, e: &AppError) -> Option<Refused> {
        let (status, errors) = messages(lang, e)?;
        let invalid = match e {
            AppError::Validation(f) => f.iter().map(|f| f.field.to_string()).collect(),
            _ => Vec::new(),
        };
        Some(Refused {
            status,
            errors,
            form,
            invalid,
        })
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
    /// The form the errors are about (`entry`, `plan`), empty for the top of the page.
    refused: &'static str,
    /// Fields refused: the entry's (`amount_fen`, `source` …) and the plan's (`fee`, `src_…`).
    invalid: Vec<String>,
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
    /// "（预算 34,000.00）" after a figure.
    fn of_planned(&self, fen: &i64) -> String {
        let text = format!("{} {}", self.ctx.t("money.of_planned"), yuan(*fen));
        aside(self.ctx.lang, text)
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
    /// A refused field (`aria-invalid`).
    fn invalid(&self, field: &str) -> bool {
        self.invalid.iter().any(|f| f == field)
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
    refused: Option<Refused>,
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
    let r = refused.unwrap_or(Refused {
        status: StatusCode::OK,
        errors: Vec::new(),
        form: "",
        invalid: Vec::new(),
    });
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
        errors: r.errors,
        refused: r.form,
        invalid: r.invalid,
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
    render_status(r.status, &page)
}

async fn class_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    class_view(&state, ctx, &user, &id, None, Default::default()).await
}

/// Yuan typed into a plan's field, as fen; blank is 0. A refusal names the line it is about
/// (`label`: "餐饮：请填写金额…"), and `key` marks the field.
fn fen_of(lang: Lang, (key, label): (String, String), v: &str, bad: &mut Refused) -> i64 {
    if v.trim().is_empty() {
        return 0;
    }
    parse_yuan(v).unwrap_or_else(|e| {
        bad.errors
            .push(format!("{label}{}{}", colon(lang), lang.t(e.key())));
        bad.invalid.push(key);
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
    let lang = ctx.lang;
    let mut bad = Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        errors: Vec::new(),
        form: "plan",
        invalid: Vec::new(),
    };
    let at = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let line = |key: String, label: &str| (key, lang.t(label));
    let input = BudgetInput {
        fee_fen: fen_of(lang, line("fee".into(), "budget.fee"), at("fee"), &mut bad),
        sources: Source::ALL
            .into_iter()
            .map(|source| {
                let key = format!("src_{source}");
                let planned_fen = fen_of(
                    lang,
                    line(key.clone(), &format!("source.{source}")),
                    at(&key),
                    &mut bad,
                );
                SourceAmount {
                    source,
                    planned_fen,
                }
            })
            .collect(),
        categories: Category::ALL
            .into_iter()
            .map(|category| {
                let key = format!("cat_{category}");
                let planned_fen = fen_of(
                    lang,
                    line(key.clone(), &format!("category.{category}")),
                    at(&key),
                    &mut bad,
                );
                CategoryAmount {
                    category,
                    planned_fen,
                }
            })
            .collect(),
    };
    if !bad.errors.is_empty() {
        return class_view(
            &state,
            ctx,
            &user,
            &id,
            Some(bad),
            (EntryForm::default(), f),
        )
        .await;
    }
    match budget::put(&state, &user, &client, &id, &input).await {
        // The top of the page: the flash and the totals the plan changed.
        Ok(_) => {
            Ok(Redirect::to(&format!("/classes/{id}/money?ok=plan_saved#top")).into_response())
        }
        Err(e) => match Refused::of(lang, "plan", &e) {
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
    .await;
    // A file too large ends the form's reading: the page says so in the form's section.
    let Ok(read) = read else {
        let e = AppError::field("file", "file.size");
        return match Refused::of(ctx.lang, "entry", &e) {
            Some(r) => class_view(&state, ctx, &user, &id, Some(r), Default::default()).await,
            None => Err(e),
        };
    };
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
        // The page opens on the entry just booked (the form's `#book` would be kept otherwise).
        Ok(entry) => Ok(Redirect::to(&format!(
            "/classes/{id}/money?ok=entry_booked#entry-{entry}"
        ))
        .into_response()),
        Err(e) => match Refused::of(ctx.lang, "entry", &e) {
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
) -> Result<LedgerEntryId, AppError> {
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
    Ok(entry)
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
            Ok(Redirect::to(&format!("/subsidy-batches/{b}?ok=entry_reversed")).into_response())
        }
        (Ok(_), None) => Ok(Redirect::to(&format!(
            "/classes/{}/money?ok=entry_reversed",
            e.class_id
        ))
        .into_response()),
        (Err(err), Some(b)) => match messages(ctx.lang, &err) {
            Some(r) => super::pages::batch_view(&state, ctx, &user, &b, Some(r)).await,
            None => Err(err),
        },
        (Err(err), None) => match Refused::of(ctx.lang, "", &err) {
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
