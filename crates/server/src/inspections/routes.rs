//! HTML pages of inspections: a federation's plan for a programme (draw, add by hand, assign),
//! and the list of inspections an inspector or a federation has.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get, routing::post};
use serde::Deserialize;

use super::{AddInput, AssignInput, DrawInput, Inspection, InspectorOption, PlanView, service};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError, Query};
use crate::ids::{ClassId, IdPath, InspectionId, InspectionPlanId, OrgId, ProgrammeId, UserId};
use crate::programmes::{Programme, service as programmes};
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(list))
        .route("/programmes/{id}/inspections", get(plan_page).post(draw))
        .route("/inspection-plans/{id}/inspections", post(add))
        .route("/inspections/{id}/inspector", post(assign))
}

#[derive(Template)]
#[template(path = "inspections/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Inspection>,
}

impl ListPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let rows = service::mine(&state, &user).await?;
    render(&ListPage { ctx, rows })
}

/// A class of the published list, with its name, for the page.
pub struct Listed {
    pub class_id: String,
    pub name: String,
    pub host: String,
    pub district: String,
    pub planned: bool,
}

#[derive(Template)]
#[template(path = "inspections/plan.html")]
struct PlanPage {
    ctx: Ctx,
    p: Programme,
    org_id: Option<OrgId>,
    plan: Option<PlanView>,
    listed: Vec<Listed>,
    inspectors: Vec<InspectorOption>,
    can_change: bool,
    seed_hint: String,
    errors: Vec<FieldError>,
}

impl PlanPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
    fn pct(&self, v: &Option<u32>) -> String {
        v.map_or_else(|| "—".into(), |p| format!("{p}%"))
    }
}

#[derive(Debug, Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org_id: Option<OrgId>,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ProgrammeId,
    org_id: Option<OrgId>,
    errors: Vec<FieldError>,
) -> Result<PlanPage, AppError> {
    let p = programmes::visible(state, user, id).await?;
    let plan = service::plan_for(state, user, id, org_id.as_ref()).await?;
    let (listed, inspectors) = match &plan {
        Some(v) => (
            service::listed(state, v).await?,
            service::inspectors(state, v).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let can_change = user.scope(Capability::Supervise).is_some();
    let seed_hint = format!("{}年督导抽查 {}", p.year, crate::calendar::today());
    Ok(PlanPage {
        ctx,
        p,
        org_id,
        plan,
        listed,
        inspectors,
        can_change,
        seed_hint,
        errors,
    })
}

async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<OrgQuery>,
) -> Result<Response, AppError> {
    render(&page(&state, ctx, &user, &id, q.org_id, Vec::new()).await?)
}

#[derive(Debug, Deserialize)]
struct DrawForm {
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    seed_text: String,
}

fn back(id: &ProgrammeId, org: Option<OrgId>, ok: &str) -> Response {
    let at = match org {
        Some(o) => format!("/programmes/{id}/inspections?org_id={o}&ok={ok}"),
        None => format!("/programmes/{id}/inspections?ok={ok}"),
    };
    Redirect::to(&at).into_response()
}

async fn draw(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ProgrammeId>,
    Form(f): Form<DrawForm>,
) -> Result<Response, AppError> {
    let org_id: Option<OrgId> = f.org_id.trim().parse().ok();
    let input = DrawInput {
        org_id,
        seed_text: f.seed_text,
    };
    match service::draw(&state, &user, &client, &id, &input).await {
        Ok(_) => Ok(back(&id, org_id, "saved")),
        Err(AppError::Validation(errors)) => {
            let page = page(&state, ctx, &user, &id, org_id, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
struct AddForm {
    #[serde(default)]
    class_id: String,
    #[serde(default)]
    reason: String,
}

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(plan_id): IdPath<InspectionPlanId>,
    Form(f): Form<AddForm>,
) -> Result<Response, AppError> {
    let plan = service::visible_plan(&state, &user, &plan_id).await?;
    let (pid, org) = (plan.programme_id, Some(plan.org_id));
    let Ok(class_id) = f.class_id.trim().parse::<ClassId>() else {
        let errors = vec![FieldError::new("class_id", "inspection.class_invalid")];
        let page = page(&state, ctx, &user, &pid, org, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let input = AddInput {
        class_id,
        reason: f.reason,
    };
    match service::add(&state, &user, &client, &plan_id, &input).await {
        Ok(_) => Ok(back(&pid, org, "saved")),
        Err(AppError::Validation(errors)) => {
            let page = page(&state, ctx, &user, &pid, org, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
struct AssignForm {
    #[serde(default)]
    inspector_id: String,
}

async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<InspectionId>,
    Form(f): Form<AssignForm>,
) -> Result<Response, AppError> {
    let inspector_id: Option<UserId> = match f.inspector_id.trim() {
        "" => None,
        t => Some(
            t.parse()
                .map_err(|_| AppError::field("inspector_id", "inspection.not_an_inspector"))?,
        ),
    };
    let done = service::assign(&state, &user, &client, &id, &AssignInput { inspector_id }).await?;
    let plan = service::visible_plan(&state, &user, &done.plan_id).await?;
    Ok(back(&plan.programme_id, Some(plan.org_id), "saved"))
}
