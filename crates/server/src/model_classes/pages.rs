//! HTML pages of model classes: the programme's applications (ranked, with their criteria), the
//! federation's steps (reviewers, notice, objections, naming), a class's application, an
//! application's page (criteria with their evidence, scores, the reviewer's form, the
//! certificate) and the public notice.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get, routing::post};
use tuoguan_domain::evaluation::Criterion;

use super::{
    Application, HandlingInput, ModelApplyInput, Notice, NoticeInput, ObjectionInput, Overview,
    RUBRIC, ScoreInput, certificate, notices, service,
};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::ids::{ClassId, IdPath, ModelApplicationId, NoticeId, ObjectionId, ProgrammeId, UserId};
use crate::programmes::{Programme, service as programmes};
use crate::web::{Ctx, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes/{id}/model-classes", get(overview))
        .route("/programmes/{id}/model-reviewers", post(assign))
        .route("/programmes/{id}/model-notice", post(publish))
        .route(
            "/classes/{id}/model-application",
            get(apply_page).post(apply),
        )
        .route("/model-applications/{id}", get(application))
        .route("/model-applications/{id}/score", post(score))
        .route("/model-applications/{id}/certificate.pdf", get(pdf))
        .route("/notices/{id}", get(notice_page))
        .route("/notices/{id}/objections", post(object))
        .route("/notices/{id}/naming", post(name))
        .route("/objections/{id}/handling", post(handle))
}

/// What a refusal says on the page it came from.
fn messages(ctx: &Ctx, e: &AppError) -> Option<(StatusCode, Vec<String>)> {
    e.on_form(ctx.lang)
}

fn pct(bp: &Option<u32>) -> String {
    bp.map_or_else(|| "—".into(), |b| format!("{}.{:02}", b / 100, b % 100))
}

/// A criterion's figures in words ("insufficient:3" reads 样本不足（3 份）).
fn figure(ctx: &Ctx, v: &str) -> String {
    match v.strip_prefix("insufficient:") {
        Some(n) => ctx
            .lang
            .tf("questionnaire.insufficient", &[("n", n.to_string())]),
        None => v.to_string(),
    }
}

#[derive(Template)]
#[template(path = "model_classes/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    p: Programme,
    o: Overview,
    manages: bool,
    experts: Vec<(UserId, String)>,
    errors: Vec<String>,
    today: String,
}

impl OverviewPage {
    fn t(&self, key: &str) -> String {
        self.ctx.t(key)
    }
    fn status(&self, a: &Application) -> String {
        self.ctx.t(&format!("model_status.{}", a.status.as_str()))
    }
    fn mean(&self, a: &Application) -> String {
        pct(&a.mean_score)
    }
    fn failed(&self, a: &Application) -> String {
        let failed: Vec<String> = a
            .criteria
            .iter()
            .filter(|c| !c.pass)
            .map(|c| self.ctx.t(&format!("criterion.{}", c.code)))
            .collect();
        failed.join("、")
    }
    fn quota_line(&self) -> String {
        let level = self
            .o
            .level
            .map_or_else(|| self.ctx.t("model.no_level"), |l| l.title().to_string());
        let args = [("level", level), ("quota", self.o.quota.to_string())];
        self.ctx.lang.tf("model.quota_line", &args)
    }
    fn objection_state(&self, upheld: &Option<bool>) -> String {
        match upheld {
            None => self.t("model.objection_open"),
            Some(true) => self.t("model.objection_upheld"),
            Some(false) => self.t("model.objection_rejected"),
        }
    }
    fn can_name(&self, n: &Notice) -> bool {
        n.named_at.is_none() && self.today > n.ends_on
    }
}

async fn experts(state: &AppState, p: &Programme) -> Result<Vec<(UserId, String)>, AppError> {
    Ok(crate::db::Sql::new(
        "SELECT DISTINCT u.id, u.display_name FROM users u JOIN user_roles r ON r.user_id = u.id \
         JOIN orgs o ON o.id = r.org_id WHERE r.role = 'expert_reviewer' AND u.active AND ",
    )
    .scope(
        "o.path",
        &crate::auth::Scope::Subtrees(vec![p.org_path.clone()]),
    )
    .push(" ORDER BY u.display_name, u.id")
    .fetch_all(&state.db)
    .await?)
}

async fn overview_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ProgrammeId,
    refused: Option<(StatusCode, Vec<String>)>,
) -> Result<Response, AppError> {
    let p = programmes::visible(state, user, id).await?;
    let o = service::overview(state, user, &p).await?;
    let manages = service::manages(user, &p);
    let experts = match manages {
        true => experts(state, &p).await?,
        false => Vec::new(),
    };
    let (status, errors) = refused.unwrap_or((StatusCode::OK, Vec::new()));
    let page = OverviewPage {
        ctx,
        p,
        o,
        manages,
        experts,
        errors,
        today: crate::calendar::today().to_string(),
    };
    render_status(status, &page)
}

async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<Response, AppError> {
    overview_page(&state, ctx, &user, &id, None).await
}

/// Back to the overview, or the overview again with what was refused.
async fn after(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ProgrammeId,
    done: Result<(), AppError>,
) -> Result<Response, AppError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/programmes/{id}/model-classes")).into_response()),
        Err(e) => match messages(&ctx, &e) {
            Some(refused) => overview_page(state, ctx, user, id, Some(refused)).await,
            None => Err(e),
        },
    }
}

#[derive(serde::Deserialize)]
struct ReviewerForm {
    #[serde(default)]
    user_id: String,
}

async fn assign(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Form(f): Form<ReviewerForm>,
) -> Result<Response, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let done = match UserId::parse(f.user_id.trim()) {
        Some(r) => service::assign(&state, &user, &client, &p, &r)
            .await
            .map(|_| ()),
        None => Err(AppError::field("user_id", "model.not_expert")),
    };
    after(&state, ctx, &user, &id, done).await
}

async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    axum_extra::extract::Form(f): axum_extra::extract::Form<PublishForm>,
) -> Result<Response, AppError> {
    let p = programmes::visible(&state, &user, &id).await?;
    let input = NoticeInput {
        application_ids: f
            .application_id
            .iter()
            .filter_map(|s| ModelApplicationId::parse(s))
            .collect(),
        days: f.days.trim().parse().ok().or(Some(0)),
    };
    let done = notices::publish(&state, &user, &client, &p, &input)
        .await
        .map(|_| ());
    after(&state, ctx, &user, &id, done).await
}

#[derive(serde::Deserialize)]
struct PublishForm {
    #[serde(default)]
    application_id: Vec<String>,
    #[serde(default)]
    days: String,
}

#[derive(serde::Deserialize)]
struct ObjectionForm {
    #[serde(default)]
    application_id: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    received_on: String,
}

async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<NoticeId>,
    Form(f): Form<ObjectionForm>,
) -> Result<Response, AppError> {
    let n = notices::public(&state, &id).await?;
    let done = match ModelApplicationId::parse(f.application_id.trim()) {
        Some(application_id) => {
            let input = ObjectionInput {
                application_id,
                summary: f.summary,
                received_on: f.received_on,
            };
            notices::object(&state, &user, &client, &id, &input)
                .await
                .map(|_| ())
        }
        None => Err(AppError::field("application_id", "model.not_in_notice")),
    };
    after(&state, ctx, &user, &n.programme_id, done).await
}

#[derive(serde::Deserialize)]
struct HandlingForm {
    #[serde(default)]
    upheld: String,
    #[serde(default)]
    handling: String,
}

async fn handle(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ObjectionId>,
    Form(f): Form<HandlingForm>,
) -> Result<Response, AppError> {
    let input = HandlingInput {
        upheld: f.upheld == "yes",
        handling: f.handling,
    };
    let list = notices::handle(&state, &user, &client, &id, &input).await;
    let programme = programme_of_objection(&state, &id).await?;
    after(&state, ctx, &user, &programme, list.map(|_| ())).await
}

async fn programme_of_objection(
    state: &AppState,
    id: &ObjectionId,
) -> Result<ProgrammeId, AppError> {
    const SQL: &str = "SELECT n.programme_id FROM model_objections x \
        JOIN model_notices n ON n.id = x.notice_id WHERE x.id = $1";
    let p: Option<ProgrammeId> = crate::on_db!(&state.db, c => sqlx::query_scalar(SQL).bind(id)
        .fetch_optional(c).await)?;
    p.ok_or(AppError::NotFound)
}

async fn name(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<NoticeId>,
) -> Result<Response, AppError> {
    let n = notices::public(&state, &id).await?;
    let done = notices::name(&state, &user, &client, &id).await.map(|_| ());
    after(&state, ctx, &user, &n.programme_id, done).await
}

#[derive(Template)]
#[template(path = "model_classes/apply.html")]
struct ApplyPage {
    ctx: Ctx,
    class_id: ClassId,
    class_name: String,
    statement: String,
    errors: Vec<String>,
}

async fn apply_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let c = crate::classes::service::visible(&state, &user, &id).await?;
    render(&ApplyPage {
        ctx,
        class_id: c.id,
        class_name: c.name.clone(),
        statement: String::new(),
        errors: Vec::new(),
    })
}

#[derive(serde::Deserialize)]
struct ApplyForm {
    #[serde(default)]
    statement: String,
}

async fn apply(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<ApplyForm>,
) -> Result<Response, AppError> {
    let input = ModelApplyInput {
        statement: f.statement,
    };
    match service::apply(&state, &user, &client, &id, &input).await {
        Ok(aid) => Ok(Redirect::to(&format!("/model-applications/{aid}")).into_response()),
        Err(e) => {
            let Some((status, errors)) = messages(&ctx, &e) else {
                return Err(e);
            };
            let c = crate::classes::service::visible(&state, &user, &id).await?;
            let page = ApplyPage {
                ctx,
                class_id: c.id,
                class_name: c.name.clone(),
                statement: input.statement,
                errors,
            };
            render_status(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "model_classes/application.html")]
struct ApplicationPage {
    ctx: Ctx,
    p: Programme,
    a: Application,
    reviewer: bool,
    errors: Vec<String>,
}

impl ApplicationPage {
    fn t(&self, key: &str) -> String {
        self.ctx.t(key)
    }
    fn criterion(&self, c: &Criterion) -> String {
        self.ctx.t(&format!("criterion.{}", c.code))
    }
    fn actual(&self, c: &Criterion) -> String {
        figure(&self.ctx, &c.actual)
    }
    /// Where the record behind a criterion is.
    fn evidence(&self, c: &Criterion) -> String {
        let (class, p) = (&self.a.class_id, &self.p.id);
        match c.code.as_str() {
            "model.children" | "model.kindergarten" | "model.agreements" | "model.insurance" => {
                format!("/classes/{class}/enrolment")
            }
            "model.attendance" => format!("/classes/{class}/attendance"),
            "model.satisfaction" => format!("/programmes/{p}/questionnaires"),
            "model.no_safety_incident" => format!("/classes/{class}/incidents"),
            "model.inspection" => "/rectifications".into(),
            "model.staff_checks" => format!("/classes/{class}#staff"),
            _ => format!("/classes/{class}"),
        }
    }
    fn rubric(&self) -> Vec<(&'static str, String, u32)> {
        RUBRIC
            .iter()
            .map(|(code, max)| (*code, self.ctx.t(&format!("rubric.{code}")), *max))
            .collect()
    }
    fn mine(&self, i: &usize) -> String {
        self.a
            .scores
            .iter()
            .find(|s| {
                self.ctx
                    .user
                    .as_ref()
                    .is_some_and(|u| u.id == s.reviewer_id)
            })
            .and_then(|s| s.items.get(*i))
            .map(|v| v.to_string())
            .unwrap_or_default()
    }
    fn mean(&self) -> String {
        pct(&self.a.mean_score)
    }
    fn status(&self) -> String {
        self.ctx
            .t(&format!("model_status.{}", self.a.status.as_str()))
    }
    fn reason(&self) -> String {
        let r = &self.a.not_named_reason;
        match r.strip_prefix("criteria:") {
            Some(codes) => {
                let names: Vec<String> = codes
                    .split(',')
                    .map(|c| self.ctx.t(&format!("criterion.{c}")))
                    .collect();
                self.ctx
                    .lang
                    .tf("model.reason_criteria", &[("list", names.join("、"))])
            }
            None if r.is_empty() => String::new(),
            None => self.ctx.t(&format!("model.reason_{r}")),
        }
    }
}

async fn application_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ModelApplicationId,
    refused: Option<(StatusCode, Vec<String>)>,
) -> Result<Response, AppError> {
    let (p, a) = service::get(state, user, id).await?;
    let reviewer = service::is_reviewer(state, user, &p.id).await?;
    let (status, errors) = refused.unwrap_or((StatusCode::OK, Vec::new()));
    render_status(
        status,
        &ApplicationPage {
            ctx,
            p,
            a,
            reviewer,
            errors,
        },
    )
}

async fn application(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ModelApplicationId>,
) -> Result<Response, AppError> {
    application_page(&state, ctx, &user, &id, None).await
}

async fn score(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ModelApplicationId>,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let items: Option<Vec<u32>> = RUBRIC
        .iter()
        .map(|(code, _)| f.get(*code).and_then(|v| v.trim().parse().ok()))
        .collect();
    let done = match items {
        Some(items) => {
            let input = ScoreInput {
                items,
                comment: f.get("comment").cloned().unwrap_or_default(),
            };
            service::score(&state, &user, &client, &id, &input)
                .await
                .map(|_| ())
        }
        None => Err(AppError::field("items", "model.items")),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/model-applications/{id}")).into_response()),
        Err(e) => match messages(&ctx, &e) {
            Some(refused) => application_page(&state, ctx, &user, &id, Some(refused)).await,
            None => Err(e),
        },
    }
}

async fn pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    IdPath(id): IdPath<ModelApplicationId>,
) -> Result<Response, AppError> {
    certificate::response(&state, &user, &headers, &id).await
}

#[derive(Template)]
#[template(path = "model_classes/notice.html")]
struct NoticePage {
    ctx: Ctx,
    n: Notice,
}

impl NoticePage {
    fn mean(&self, v: &u32) -> String {
        pct(&Some(*v))
    }
    fn period(&self) -> String {
        let args = [
            ("from", self.n.starts_on.clone()),
            ("to", self.n.ends_on.clone()),
            ("who", self.n.federation_name.clone()),
        ];
        self.ctx.lang.tf("model.notice_period", &args)
    }
}

/// The public notice: no sign-in, nothing personal.
async fn notice_page(
    State(state): State<AppState>,
    ctx: Ctx,
    IdPath(id): IdPath<NoticeId>,
) -> Result<Response, AppError> {
    let n = notices::public(&state, &id).await?;
    render(&NoticePage { ctx, n })
}
