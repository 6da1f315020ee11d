//! HTML pages of subsidies: writing a rule, a rule's qualification with every class's evidence
//! and the approval of a batch, a batch's lines as frozen with their payments (pay, reverse).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get, routing::post};
use tuoguan_domain::evaluation::Criterion;
use tuoguan_domain::funding::{RuleKind, RuleTerms, Source, Tier, parse_yuan, yuan};

use super::area::programme_view;
use super::routes::messages;
use super::{
    ApproveInput, Batch, BatchLine, Line, Outcome, PaymentInput, Qualification, RuleInput,
    SubsidyRule, batches, rules,
};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldError};
use crate::i18n::Lang;
use crate::ids::{IdPath, ProgrammeId, SubsidyBatchId, SubsidyRuleId};
use crate::web::confirm::{ConfirmPage, confirmed};
use crate::web::{Ctx, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes/{id}/subsidy-rules", post(create))
        .route("/subsidy-rules/{id}", get(rule_page))
        .route("/subsidy-rules/{id}/batches", post(approve))
        .route("/subsidy-batches/{id}", get(batch_page))
        .route("/subsidy-batches/{id}/payments", post(pay))
}

/// A criterion shown: its name, the figures, pass or fail.
fn criterion(ctx: &Ctx, c: &Criterion) -> String {
    let actual = match c.actual.strip_prefix("insufficient:") {
        Some(n) => ctx
            .lang
            .tf("questionnaire.insufficient", &[("n", n.to_string())]),
        None => match c.actual.as_str() {
            "yes" => ctx.t("subsidy.yes"),
            "no" => ctx.t("subsidy.no"),
            a => a.to_string(),
        },
    };
    let required = match c.required.as_str() {
        "yes" => ctx.t("subsidy.yes"),
        r => r.to_string(),
    };
    format!(
        "{}{}{} / {}",
        ctx.t(&format!("criterion.{}", c.code)),
        super::routes::colon(ctx.lang),
        actual,
        required
    )
}

/// What approving a batch means, with its numbers (docs/UI.md: a step that cannot be undone asks).
fn approve_consequence(lang: Lang, classes: i64, total_fen: i64) -> String {
    let args = [("n", classes.to_string()), ("total", yuan(total_fen))];
    lang.tf("subsidy.confirm_approve", &args)
}

/// What recording a batch's payment means: a receipt in each unpaid class's ledger.
fn pay_consequence(lang: Lang, b: &Batch) -> String {
    let unpaid = b
        .lines
        .iter()
        .filter(|l| l.line.outcome == Outcome::Approved && l.payment.is_none());
    let (n, total) = unpaid.fold((0, 0), |(n, t), l| (n + 1, t + l.line.amount_fen));
    let args = [("n", n.to_string()), ("total", yuan(total))];
    lang.tf("subsidy.confirm_pay", &args)
}

/// The rule's terms in one line: its gates, amount and pool.
fn terms_line(ctx: &Ctx, t: &RuleTerms) -> String {
    let mut parts = Vec::new();
    let with = |key: &str, v: String| ctx.lang.tf(key, &[("v", v)]);
    if let Some(n) = t.min_children {
        parts.push(with("subsidy.term_children", n.to_string()));
    }
    if let Some(n) = t.min_operating_days {
        parts.push(with("subsidy.term_days", n.to_string()));
    }
    if let Some(n) = t.min_attendance_pct {
        parts.push(with("subsidy.term_attendance", n.to_string()));
    }
    if t.facilities {
        parts.push(ctx.t("criterion.subsidy.facilities"));
    }
    if t.no_incident {
        parts.push(ctx.t("subsidy.term_no_incident"));
    }
    if let Some(n) = t.min_satisfaction_pct {
        parts.push(with("subsidy.term_satisfaction", n.to_string()));
    }
    match t.kind {
        RuleKind::Tiers => {
            for tier in &t.tiers {
                let args = [
                    ("n", tier.min_children.to_string()),
                    ("v", yuan(tier.amount_fen)),
                ];
                parts.push(ctx.lang.tf("subsidy.term_tier", &args));
            }
        }
        _ => parts.push(with(
            "subsidy.term_amount",
            t.amount_fen.map_or_else(String::new, yuan),
        )),
    }
    if let Some(p) = t.pool_fen {
        parts.push(with("subsidy.term_pool", yuan(p)));
    }
    parts.join(if ctx.is_en() { "; " } else { "；" })
}

/// The rule form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
struct RuleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    min_children: String,
    #[serde(default)]
    min_operating_days: String,
    #[serde(default)]
    min_attendance_pct: String,
    #[serde(default)]
    min_satisfaction_pct: String,
    #[serde(default)]
    facilities: Option<String>,
    #[serde(default)]
    no_incident: Option<String>,
    #[serde(flatten)]
    tiers: HashMap<String, String>,
}

fn number(field: &'static str, v: &str, errors: &mut Vec<FieldError>) -> Option<u32> {
    match v.trim() {
        "" => None,
        t => t
            .parse()
            .map_err(|_| errors.push(FieldError::new(field, "subsidy.whole_number")))
            .ok(),
    }
}

fn yuan_field(field: &'static str, v: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    match v.trim() {
        "" => None,
        t => parse_yuan(t)
            .map_err(|e| errors.push(FieldError::new(field, e.key())))
            .ok(),
    }
}

/// The form read into the API's input: blanks are gates not checked.
fn rule_input(f: &RuleForm) -> Result<RuleInput, AppError> {
    let mut errors = Vec::new();
    let kind = RuleKind::parse(&f.kind).unwrap_or(RuleKind::Criteria);
    let mut tiers = Vec::new();
    for i in 1..=5 {
        let n = f
            .tiers
            .get(&format!("tier_min_{i}"))
            .map(String::as_str)
            .unwrap_or("");
        let a = f
            .tiers
            .get(&format!("tier_amount_{i}"))
            .map(String::as_str)
            .unwrap_or("");
        let n = number("terms.tiers", n, &mut errors);
        let a = yuan_field("terms.tiers", a, &mut errors);
        if let (Some(min_children), Some(amount_fen)) = (n, a) {
            tiers.push(Tier {
                min_children,
                amount_fen,
            });
        }
    }
    let terms = RuleTerms {
        kind,
        min_children: number("terms.min_children", &f.min_children, &mut errors),
        min_operating_days: number(
            "terms.min_operating_days",
            &f.min_operating_days,
            &mut errors,
        ),
        min_attendance_pct: number(
            "terms.min_attendance_pct",
            &f.min_attendance_pct,
            &mut errors,
        ),
        facilities: f.facilities.is_some(),
        no_incident: f.no_incident.is_some(),
        min_satisfaction_pct: number(
            "terms.min_satisfaction_pct",
            &f.min_satisfaction_pct,
            &mut errors,
        ),
        amount_fen: yuan_field("terms.amount_fen", &f.amount, &mut errors),
        tiers,
        pool_fen: yuan_field("terms.pool_fen", &f.pool, &mut errors),
    };
    match errors.is_empty() {
        true => Ok(RuleInput {
            name: f.name.clone(),
            source: Source::parse(&f.source),
            terms,
        }),
        false => Err(AppError::Validation(errors)),
    }
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Form(f): Form<RuleForm>,
) -> Result<Response, AppError> {
    let done = match rule_input(&f) {
        Ok(input) => rules::create(&state, &user, &client, &id, &input).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(r) => {
            Ok(Redirect::to(&format!("/subsidy-rules/{}?ok=rule_saved", r.id)).into_response())
        }
        Err(e) => match messages(ctx.lang, &e) {
            Some(r) => programme_view(&state, ctx, &user, &id, None, Some(r)).await,
            None => Err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "funding/rule.html")]
struct RulePage {
    ctx: Ctx,
    programme_id: ProgrammeId,
    programme_name: String,
    q: Qualification,
    batches: Vec<Batch>,
    manages: bool,
    errors: Vec<String>,
}

impl RulePage {
    fn y(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn terms(&self) -> String {
        terms_line(&self.ctx, &self.q.rule.terms)
    }
    fn kind(&self) -> String {
        self.ctx.t(rules::kind_key(self.q.rule.terms.kind))
    }
    fn source(&self) -> String {
        self.ctx.t(&format!("source.{}", self.q.rule.source))
    }
    fn criterion(&self, c: &Criterion) -> String {
        criterion(&self.ctx, c)
    }
    fn outcome(&self, l: &Line) -> String {
        self.ctx
            .t(&format!("subsidy.outcome.{}", l.outcome.as_str()))
    }
    fn tone(&self, l: &Line) -> &'static str {
        match l.outcome {
            Outcome::Approved => "ok",
            Outcome::Failed => "bad",
            Outcome::PoolExhausted => "warn",
        }
    }
    fn pool_left(&self) -> String {
        self.q.rule.pool_left_fen.map_or_else(|| "—".into(), yuan)
    }
    /// "（2 个班）" after a figure.
    fn count(&self, n: &i64, unit: &str) -> String {
        super::routes::aside(self.ctx.lang, format!("{n} {}", self.ctx.t(unit)))
    }
    fn approve_consequence(&self) -> String {
        approve_consequence(self.ctx.lang, self.q.approved_count, self.q.total_fen)
    }
}

pub(super) async fn rule_view(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &SubsidyRuleId,
    refused: Option<(StatusCode, Vec<String>)>,
) -> Result<Response, AppError> {
    let (p, _) = rules::get(state, user, id).await?;
    let q = rules::qualification(state, user, id).await?;
    let batches = batches::of_rule(state, user, id).await?;
    let (status, errors) = refused.unwrap_or((StatusCode::OK, Vec::new()));
    let page = RulePage {
        manages: rules::manages(user, &p),
        ctx,
        programme_id: p.id,
        programme_name: p.name,
        q,
        batches,
        errors,
    };
    render_status(status, &page)
}

async fn rule_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<SubsidyRuleId>,
) -> Result<Response, AppError> {
    rule_view(&state, ctx, &user, &id, None).await
}

#[derive(serde::Deserialize)]
struct ApproveForm {
    #[serde(default)]
    expected_total_fen: String,
    /// `1` once the person confirmed (web/confirm.rs).
    #[serde(default)]
    confirm: Option<String>,
}

async fn approve(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<SubsidyRuleId>,
    Form(f): Form<ApproveForm>,
) -> Result<Response, AppError> {
    let (p, _) = rules::get(&state, &user, &id).await?;
    if !confirmed(&f.confirm) && rules::manages(&user, &p) {
        let q = rules::qualification(&state, &user, &id).await?;
        return ConfirmPage {
            title: ctx.t("subsidy.approve"),
            consequence: approve_consequence(ctx.lang, q.approved_count, q.total_fen),
            action: format!("/subsidy-rules/{id}/batches"),
            fields: vec![("expected_total_fen".into(), f.expected_total_fen)],
            confirm_label: ctx.t("subsidy.approve"),
            back: format!("/subsidy-rules/{id}"),
            ctx,
        }
        .render();
    }
    let input = ApproveInput {
        expected_total_fen: f.expected_total_fen.trim().parse().ok(),
    };
    let done = batches::approve(&state, &user, &client, &HeaderMap::new(), (&id, &input)).await;
    match done {
        Ok(stored) => {
            let BatchId { id: batch } =
                serde_json::from_str(&stored.body).map_err(|e| AppError::Internal(e.into()))?;
            Ok(
                Redirect::to(&format!("/subsidy-batches/{batch}?ok=batch_approved"))
                    .into_response(),
            )
        }
        Err(e) => match messages(ctx.lang, &e) {
            Some(r) => rule_view(&state, ctx, &user, &id, Some(r)).await,
            None => Err(e),
        },
    }
}

#[derive(serde::Deserialize)]
struct BatchId {
    id: SubsidyBatchId,
}

#[derive(Template)]
#[template(path = "funding/batch.html")]
struct BatchPage {
    ctx: Ctx,
    rule: SubsidyRule,
    programme_name: String,
    b: Batch,
    manages: bool,
    errors: Vec<String>,
    today: String,
}

impl BatchPage {
    fn y(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn criterion(&self, c: &Criterion) -> String {
        criterion(&self.ctx, c)
    }
    fn outcome(&self, l: &BatchLine) -> String {
        self.ctx
            .t(&format!("subsidy.outcome.{}", l.line.outcome.as_str()))
    }
    fn tone(&self, l: &BatchLine) -> &'static str {
        match l.line.outcome {
            Outcome::Approved => "ok",
            Outcome::Failed => "bad",
            Outcome::PoolExhausted => "warn",
        }
    }
    fn unpaid(&self) -> usize {
        self.b
            .lines
            .iter()
            .filter(|l| l.line.outcome == Outcome::Approved && l.payment.is_none())
            .count()
    }
    fn terms(&self) -> String {
        terms_line(&self.ctx, &self.b.terms)
    }
    /// "（2 个班）" after a figure.
    fn count(&self, n: &i64, unit: &str) -> String {
        super::routes::aside(self.ctx.lang, format!("{n} {}", self.ctx.t(unit)))
    }
    fn pay_consequence(&self) -> String {
        pay_consequence(self.ctx.lang, &self.b)
    }
}

pub(super) async fn batch_view(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &SubsidyBatchId,
    refused: Option<(StatusCode, Vec<String>)>,
) -> Result<Response, AppError> {
    let b = batches::get(state, user, id).await?;
    let (p, rule) = rules::get(state, user, &b.rule_id).await?;
    let (status, errors) = refused.unwrap_or((StatusCode::OK, Vec::new()));
    let page = BatchPage {
        manages: rules::manages(user, &p),
        ctx,
        rule,
        programme_name: p.name,
        b,
        errors,
        today: crate::calendar::today().to_string(),
    };
    render_status(status, &page)
}

async fn batch_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<SubsidyBatchId>,
) -> Result<Response, AppError> {
    batch_view(&state, ctx, &user, &id, None).await
}

#[derive(serde::Deserialize)]
struct PayForm {
    #[serde(default)]
    paid_on: String,
    #[serde(default)]
    voucher_no: String,
    /// `1` once the person confirmed (web/confirm.rs).
    #[serde(default)]
    confirm: Option<String>,
}

async fn pay(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<SubsidyBatchId>,
    Form(f): Form<PayForm>,
) -> Result<Response, AppError> {
    // A form with its voucher asks first; one without is refused with its fields (below).
    if !confirmed(&f.confirm) && !f.voucher_no.trim().is_empty() {
        let b = batches::get(&state, &user, &id).await?;
        let (p, _) = rules::get(&state, &user, &b.rule_id).await?;
        if rules::manages(&user, &p) {
            return ConfirmPage {
                title: ctx.t("subsidy.record_payment"),
                consequence: pay_consequence(ctx.lang, &b),
                action: format!("/subsidy-batches/{id}/payments"),
                fields: vec![
                    ("paid_on".into(), f.paid_on),
                    ("voucher_no".into(), f.voucher_no),
                ],
                confirm_label: ctx.t("subsidy.record_payment"),
                back: format!("/subsidy-batches/{id}"),
                ctx,
            }
            .render();
        }
    }
    let input = PaymentInput {
        paid_on: f.paid_on,
        voucher_no: f.voucher_no,
        line_ids: Vec::new(),
    };
    match batches::pay(&state, &user, &client, &HeaderMap::new(), (&id, &input)).await {
        Ok(_) => Ok(Redirect::to(&format!("/subsidy-batches/{id}?ok=batch_paid")).into_response()),
        Err(e) => match messages(ctx.lang, &e) {
            Some(r) => batch_view(&state, ctx, &user, &id, Some(r)).await,
            None => Err(e),
        },
    }
}
