//! HTML pages of an application: applying, the agreement (click-through or paper), the
//! insurance, and the decisions of the unit and the guardian.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;

use super::applications::{self, ApplicationView, Insurance};
use super::{AGREEMENT_VERSION, Access, Decision, PAYERS, paperwork};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldError};
use crate::ids::{ApplicationId, ChildId, ClassId, IdPath};
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/applications", post(apply))
        .route("/applications/{id}", get(show_application))
        .route("/applications/{id}/agreement", post(sign))
        .route("/applications/{id}/insurance", post(insure))
        .route("/applications/{id}/attends-from", post(attends_from))
        .route("/applications/{id}/decision", post(decide))
}

#[derive(Debug, Deserialize)]
struct ApplyForm {
    #[serde(default)]
    child_id: String,
    #[serde(default)]
    class_id: String,
}

async fn apply(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Form(f): Form<ApplyForm>,
) -> Result<Response, AppError> {
    // The form's fields are text: a child id that is no id is a child nobody can see, a class
    // id that is no id a class not open for applications.
    let child_id = ChildId::parse(&f.child_id).ok_or(AppError::NotFound)?;
    let class_id = ClassId::parse(&f.class_id)
        .ok_or_else(|| AppError::field("class_id", "application.class_not_open"))?;
    let a = applications::apply(&state, &user, &client, &child_id, &class_id).await?;
    Ok(Redirect::to(&format!("/applications/{}?ok=created", a.id)).into_response())
}

#[derive(Template)]
#[template(path = "enrolment/application.html")]
struct ApplicationPage {
    ctx: Ctx,
    a: ApplicationView,
    guardian: bool,
    manages: bool,
    missing: Vec<String>,
    insurance: Insurance,
    errors: Vec<FieldError>,
    version: &'static str,
}

impl ApplicationPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn status(&self) -> String {
        self.ctx.t(applications::status_key(self.a.status))
    }
    fn payers(&self) -> Vec<(String, String)> {
        PAYERS
            .iter()
            .map(|p| (p.to_string(), self.ctx.t(&format!("payer.{p}"))))
            .collect()
    }
    fn decisions(&self) -> Vec<&'static str> {
        let all = [
            ("accept", Decision::Accept),
            ("waitlist", Decision::Waitlist),
            ("enrol", Decision::Enrol),
            ("reject", Decision::Reject),
            ("withdraw", Decision::Withdraw),
        ];
        all.into_iter()
            .filter(|(_, d)| {
                (self.manages || *d == Decision::Withdraw && self.guardian)
                    && d.allowed_from(self.a.status)
            })
            .map(|(n, _)| n)
            .collect()
    }
    fn signed(&self) -> Option<String> {
        let v = self.a.agreement_version.as_ref()?;
        let channel = self.a.agreement_channel.clone().unwrap_or_default();
        Some(self.ctx.lang.tf(
            "application.signed",
            &[("version", v.clone()), ("channel", channel)],
        ))
    }
    fn error_messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.msg.render(self.ctx.lang))
            .collect()
    }
    fn secondary(&self, d: &str) -> bool {
        matches!(d, "reject" | "withdraw")
    }
    fn enrolled(&self) -> bool {
        self.a.status == super::Status::Enrolled
    }
    fn signed_current(&self) -> bool {
        self.a.agreement_version.as_deref() == Some(self.version)
    }
}

async fn application_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ApplicationId,
    errors: Vec<FieldError>,
) -> Result<ApplicationPage, AppError> {
    let (a, access) = applications::visible(state, user, id).await?;
    let manages = applications::manages(state, user, &a.class_id).await?;
    let missing = {
        let mut tx = state.db.begin().await?;
        let m = paperwork::missing(&mut tx, &a).await?;
        tx.commit().await?;
        m.into_iter().map(|e| e.msg.render(ctx.lang)).collect()
    };
    let view = ApplicationView::new(&a);
    let insurance = view.insurance.clone().unwrap_or(Insurance {
        payer: "guardian".into(),
        ..Insurance::default()
    });
    Ok(ApplicationPage {
        ctx,
        a: view,
        guardian: access == Access::Guardian,
        manages,
        missing,
        insurance,
        errors,
        version: AGREEMENT_VERSION,
    })
}

async fn show_application(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ApplicationId>,
) -> Result<Response, AppError> {
    render(&application_page(&state, ctx, &user, &id, Vec::new()).await?)
}

async fn back(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ApplicationId,
    r: Result<(), AppError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/applications/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &application_page(state, ctx, user, id, errors).await?,
        ),
        Err(AppError::Conflict(msg)) => render_status(
            StatusCode::CONFLICT,
            &application_page(
                state,
                ctx,
                user,
                id,
                vec![FieldError {
                    field: "status",
                    msg,
                }],
            )
            .await?,
        ),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
struct SignForm {
    #[serde(default)]
    version: String,
}

async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Form(f): Form<SignForm>,
) -> Result<Response, AppError> {
    let r = paperwork::sign_agreement(&state, &user, &client, &id, &f.version)
        .await
        .map(|_| ());
    back(&state, ctx, &user, &id, r).await
}

async fn insure(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Form(f): Form<Insurance>,
) -> Result<Response, AppError> {
    let r = paperwork::record_insurance(&state, &user, &client, &id, &f)
        .await
        .map(|_| ());
    back(&state, ctx, &user, &id, r).await
}

#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    /// Where to go afterwards: the class's enrolment page when decided from its list.
    #[serde(default)]
    back: String,
}

async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Form(f): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let d = Decision::parse(f.decision.trim())
        .ok_or_else(|| AppError::field("decision", "application.decision_invalid"))?;
    let r = applications::decide(&state, &user, &client, &id, d, &f.reason).await;
    match r {
        Ok(a) if f.back == "class" => Ok(Redirect::to(&format!(
            "/classes/{}/enrolment?ok=saved",
            a.class_id
        ))
        .into_response()),
        r => back(&state, ctx, &user, &id, r.map(|_| ())).await,
    }
}

#[derive(Debug, Deserialize)]
struct AttendsFromForm {
    #[serde(default)]
    attends_from: String,
}

async fn attends_from(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ApplicationId>,
    Form(f): Form<AttendsFromForm>,
) -> Result<Response, AppError> {
    let r = super::span::set(&state, &user, &client, &id, &f.attends_from)
        .await
        .map(|_| ());
    back(&state, ctx, &user, &id, r).await
}
