//! HTML pages of questionnaires: the programme's overview and results, the federation's editor,
//! the answer form (a guardian from their account or the QR link, a host unit), and the class's
//! printable sheet of QR slips.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get};
use tuoguan_domain::evaluation::Satisfaction;

use super::links::{self, Slip};
use super::responses::{self, Target};
use super::results::{self, Results};
use super::{Answering, Audience, Questionnaire, QuestionnaireInput, ResponseInput, SCALE};
use super::{parse_rating, rating_str, templates};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::classes::Class;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, ClassId, IdPath, ProgrammeId};
use crate::programmes::{Programme, service as programmes};
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes/{id}/questionnaires", get(overview))
        .route(
            "/programmes/{id}/questionnaires.xlsx",
            get(super::export::export),
        )
        .route(
            "/programmes/{id}/questionnaires/{audience}",
            get(edit_page).post(edit),
        )
        .route(
            "/applications/{id}/questionnaire",
            get(guardian_page).post(guardian_answer),
        )
        .route(
            "/classes/{id}/host-questionnaire",
            get(host_page).post(host_answer),
        )
        .route("/classes/{id}/questionnaire-links", get(slips_page))
        .route("/q/{token}", get(link_page).post(link_answer))
}

/// "92.50%", or "insufficient responses (3)".
pub(super) fn rate(ctx: &Ctx, s: &Satisfaction) -> String {
    match s.rate_bp {
        Some(bp) if !s.insufficient => format!("{}.{:02}%", bp / 100, bp % 100),
        _ => ctx.lang.tf(
            "questionnaire.insufficient",
            &[("n", s.responses.to_string())],
        ),
    }
}

#[derive(Template)]
#[template(path = "questionnaires/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    p: Programme,
    forms: Vec<Questionnaire>,
    can_edit: bool,
    r: Results,
}

impl OverviewPage {
    fn rate(&self, s: &Satisfaction) -> String {
        rate(&self.ctx, s)
    }
    fn tone(&self, s: &Satisfaction) -> &'static str {
        match s.rate_bp {
            Some(bp) if !s.insufficient && bp >= self.r.min_satisfaction_pct * 100 => "ok",
            Some(_) if !s.insufficient => "bad",
            _ => "muted",
        }
    }
    fn rating(&self, r: &tuoguan_domain::evaluation::Rating) -> String {
        self.ctx.t(&format!("rating.{}", rating_str(*r)))
    }
    fn audience(&self, a: &Audience) -> String {
        self.ctx
            .t(&format!("questionnaire.audience_{}", a.as_str()))
    }
    fn total_line(&self) -> String {
        let t = &self.r.total;
        let args = [
            ("n", t.responses.to_string()),
            ("sat", t.satisfied.to_string()),
        ];
        self.ctx.lang.tf("questionnaire.responses_of", &args)
    }
    fn rule_line(&self) -> String {
        let args = [
            ("min", self.r.min_responses.to_string()),
            ("pct", self.r.min_satisfaction_pct.to_string()),
        ];
        self.ctx.lang.tf("questionnaire.rule", &args)
    }
}

async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Response, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let mut forms = Vec::new();
    for a in Audience::ALL {
        forms.push(templates::current(&state.db, &p.id, a).await?);
    }
    let r = results::of_programme(&state, &user, &p).await?;
    let can_edit = templates::edits(&user, &p);
    render(&OverviewPage {
        ctx,
        p,
        forms,
        can_edit,
        r,
    })
}

#[derive(Template)]
#[template(path = "questionnaires/edit.html")]
struct EditPage {
    ctx: Ctx,
    p: Programme,
    q: Questionnaire,
    errors: Vec<FieldError>,
}

impl EditPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn questions_text(&self) -> String {
        self.q.questions.join("\n")
    }
    fn hint(&self) -> String {
        let args = [("v", (self.q.version + 1).to_string())];
        self.ctx.lang.tf("questionnaire.edit_hint", &args)
    }
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath((id, audience)): IdPath<(ProgrammeId, Audience)>,
) -> Result<Response, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    if !templates::edits(&user, &p) {
        return Err(AppError::Forbidden);
    }
    let q = templates::current(&state.db, &p.id, audience).await?;
    render(&EditPage {
        ctx,
        p,
        q,
        errors: Vec::new(),
    })
}

#[derive(serde::Deserialize)]
struct EditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    overall: String,
    /// One question a line; blank lines are dropped.
    #[serde(default)]
    questions: String,
    #[serde(default)]
    comment_prompt: String,
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath((id, audience)): IdPath<(ProgrammeId, Audience)>,
    Form(f): Form<EditForm>,
) -> Result<Response, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let input = QuestionnaireInput {
        title: f.title,
        overall: f.overall,
        questions: f
            .questions
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        comment_prompt: f.comment_prompt,
    };
    match templates::save(&state, &user, &client, &p, audience, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/programmes/{}/questionnaires", p.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            let q = Questionnaire {
                title: input.title,
                overall: input.overall,
                questions: input.questions,
                comment_prompt: input.comment_prompt,
                ..templates::current(&state.db, &p.id, audience).await?
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EditPage { ctx, p, q, errors },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "questionnaires/answer.html")]
struct AnswerPage {
    ctx: Ctx,
    a: Answering,
    action: String,
    back: Option<(String, String)>,
    expired: bool,
    errors: Vec<FieldError>,
    values: HashMap<String, String>,
}

impl AnswerPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn scale(&self) -> Vec<(&'static str, String)> {
        SCALE
            .iter()
            .map(|r| {
                let v = rating_str(*r);
                (v, self.ctx.t(&format!("rating.{v}")))
            })
            .collect()
    }
    fn checked(&self, name: &str, v: &str) -> bool {
        self.values.get(name).is_some_and(|x| x == v)
    }
    fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }
    fn messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.msg.render(self.ctx.lang))
            .collect()
    }
    fn field(&self, i: &usize) -> String {
        format!("a{i}")
    }
    fn closed_text(&self) -> String {
        let args = [("until", self.a.open_until.clone())];
        self.ctx.lang.tf("questionnaire.closed_until", &args)
    }
}

/// The form's answers: `overall`, `a0`…`aN` and `comment`; a missing rating is named. A form
/// already answered is refused as such first: its errors would not matter.
fn read_answers(a: &Answering, f: &HashMap<String, String>) -> Result<ResponseInput, AppError> {
    if a.answered {
        return Err(AppError::Conflict(crate::i18n::Msg::new(
            "questionnaire.answered",
        )));
    }
    let q = &a.questionnaire;
    let mut errors = Vec::new();
    let rating = |k: &str| f.get(k).and_then(|v| parse_rating(v));
    let overall = rating("overall");
    if overall.is_none() {
        errors.push(FieldError::new("overall", "questionnaire.rating_required"));
    }
    let answers: Vec<_> = (0..q.questions.len())
        .map(|i| rating(&format!("a{i}")))
        .collect();
    if answers.iter().any(Option::is_none) {
        errors.push(FieldError::new("answers", "questionnaire.rating_required"));
    }
    match (overall, errors.is_empty()) {
        (Some(overall), true) => Ok(ResponseInput {
            overall,
            answers: answers.into_iter().flatten().collect(),
            comment: f.get("comment").cloned().unwrap_or_default(),
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

fn page(ctx: Ctx, a: Answering, action: String, back: Option<(String, String)>) -> AnswerPage {
    AnswerPage {
        ctx,
        a,
        action,
        back,
        expired: false,
        errors: Vec::new(),
        values: HashMap::new(),
    }
}

/// Shows the form again with what went wrong (422), or the page with a refusal (409, 410).
async fn refused(
    state: &AppState,
    mut page: AnswerPage,
    t: &Target,
    e: AppError,
    values: HashMap<String, String>,
) -> Result<Response, AppError> {
    let status = match &e {
        AppError::Validation(errors) => {
            page.errors = errors.clone();
            page.values = values;
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::Gone(_) => StatusCode::GONE,
        _ => return Err(e),
    };
    page.a = responses::answering(state, t).await?;
    page.expired = status == StatusCode::GONE;
    render_status(status, &page)
}

fn guardian_back(ctx: &Ctx, id: &ApplicationId) -> Option<(String, String)> {
    Some((
        format!("/applications/{id}"),
        ctx.t("questionnaire.back_application"),
    ))
}

async fn guardian_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ApplicationId>,
) -> Result<Response, AppError> {
    let t = responses::for_guardian(&state, &user, &id).await?;
    let a = responses::answering(&state, &t).await?;
    let back = guardian_back(&ctx, &id);
    render(&page(
        ctx,
        a,
        format!("/applications/{id}/questionnaire"),
        back,
    ))
}

async fn guardian_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let t = responses::for_guardian(&state, &user, &id).await?;
    let back = guardian_back(&ctx, &id);
    let action = format!("/applications/{id}/questionnaire");
    take(&state, (ctx, &user, &client), &t, (action, back), f).await
}

/// A signed-in respondent's form (a guardian's, a host's): back to the form, which then says it
/// is answered, or the form again with what was refused.
async fn take(
    state: &AppState,
    (ctx, user, client): (Ctx, &CurrentUser, &Client),
    t: &Target,
    (action, back): (String, Option<(String, String)>),
    f: HashMap<String, String>,
) -> Result<Response, AppError> {
    let a = responses::answering(state, t).await?;
    let done = match read_answers(&a, &f) {
        Ok(input) => responses::answer(state, user, client, t, &input).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&action).into_response()),
        Err(e) => refused(state, page(ctx, a, action, back), t, e, f).await,
    }
}

async fn host_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let t = responses::for_host(&state, &user, &id).await?;
    let a = responses::answering(&state, &t).await?;
    let back = Some((format!("/classes/{id}"), t.class.name.clone()));
    render(&page(
        ctx,
        a,
        format!("/classes/{id}/host-questionnaire"),
        back,
    ))
}

async fn host_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let t = responses::for_host(&state, &user, &id).await?;
    let back = Some((format!("/classes/{id}"), t.class.name.clone()));
    let action = format!("/classes/{id}/host-questionnaire");
    take(&state, (ctx, &user, &client), &t, (action, back), f).await
}

async fn link_page(
    State(state): State<AppState>,
    ctx: Ctx,
    IdPath(token): IdPath<String>,
) -> Result<Response, AppError> {
    let t = links::resolve(&state, &token).await?;
    let a = responses::answering(&state, &t).await?;
    let mut p = page(ctx, a, format!("/q/{token}"), None);
    p.expired = t.expired_on(crate::calendar::today());
    match p.expired {
        true => render_status(StatusCode::GONE, &p),
        false => render(&p),
    }
}

async fn link_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    IdPath(token): IdPath<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let t = links::resolve(&state, &token).await?;
    let a = responses::answering(&state, &t).await?;
    let action = format!("/q/{token}");
    let done = match read_answers(&a, &f) {
        Ok(input) => responses::answer_by_link(&state, &t, &input).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(_) => Ok(Redirect::to(&action).into_response()),
        Err(e) => refused(&state, page(ctx, a, action, None), &t, e, f).await,
    }
}

#[derive(Template)]
#[template(path = "questionnaires/slips.html")]
struct SlipsPage {
    ctx: Ctx,
    c: Class,
    slips: Vec<(Slip, String)>,
}

impl SlipsPage {
    fn summary(&self) -> String {
        let done = self.slips.iter().filter(|(s, _)| s.answered).count();
        let args = [
            ("n", self.slips.len().to_string()),
            ("done", done.to_string()),
        ];
        self.ctx.lang.tf("questionnaire.slips_hint", &args)
    }
}

async fn slips_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let base = crate::web::public_base(&state, &headers);
    let (c, slips) = links::sheet(&state, &user, &id, &base).await?;
    let slips = slips
        .into_iter()
        .map(|s| {
            let svg = crate::attendance::cards::qr_svg(&s.url)?;
            Ok((s, svg))
        })
        .collect::<Result<_, AppError>>()?;
    render(&SlipsPage { ctx, c, slips })
}
