//! The report page (figures, narrative, subordinates with their standing), its .xlsx, and the
//! level above's "mark missing" forms.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get, routing::post};
use serde::Deserialize;

use super::api::ReportQuery;
use super::xlsx::{Line, lines, period_text};
use super::{ReportView, Subject, service};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError, Query};
use crate::i18n::Lang;
use crate::ids::{IdPath, MilestoneId, OrgId, ProgrammeId};
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/programmes/{id}/milestones/{milestone_id}/report",
            get(page),
        )
        .route(
            "/programmes/{id}/milestones/{milestone_id}/report.xlsx",
            get(export),
        )
        .route(
            "/programmes/{id}/milestones/{milestone_id}/missing",
            post(mark),
        )
        .route(
            "/programmes/{id}/milestones/{milestone_id}/missing/{org_id}/delete",
            post(unmark),
        )
}

#[derive(Template)]
#[template(path = "reports/report.html")]
struct ReportPage {
    ctx: Ctx,
    programme_name: String,
    r: ReportView,
    lines: Vec<Line>,
    period: String,
    /// The caller reports for this organisation (it may open the form and submit).
    reporter: bool,
    /// The caller is above this organisation's subordinates (it may mark them missing).
    supervisor: bool,
    /// The subordinate a failed "mark missing" was for, with the errors.
    failed: Option<OrgId>,
    errors: Vec<FieldError>,
    files: crate::programmes::attachments::Shown,
}

impl ReportPage {
    fn err(&self, org: &OrgId, field: &str) -> Option<String> {
        (self.failed.as_ref() == Some(org))
            .then(|| field_error(&self.errors, field, self.ctx.lang))
            .flatten()
    }
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
    fn taken(&self) -> String {
        self.r
            .taken_at
            .map(|t| crate::web::when::table(&t))
            .unwrap_or_default()
    }
    fn rate(&self, f: &Option<super::Figures>) -> String {
        f.as_ref()
            .and_then(|f| f.rate(self.r.compiled.min_attendance_pct).rate)
            .unwrap_or_else(|| "—".into())
    }
}

async fn report_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    s: Subject,
    failed: Option<OrgId>,
    errors: Vec<FieldError>,
) -> Result<ReportPage, AppError> {
    let r = service::view(state, &s).await?;
    let reporter = s.org.id != s.p.org_id
        && user
            .acting_orgs(Capability::SubmitPlans)
            .iter()
            .any(|g| g.org_id == Some(s.org.id));
    let supervisor = user
        .scope(Capability::Supervise)
        .is_some_and(|sc| sc.contains(&s.org.path));
    let items = r.attachments.clone();
    let files = crate::programmes::attachments::Shown::new(
        &r.programme_id,
        &r.milestone_id,
        r.org_id,
        items,
    );
    Ok(ReportPage {
        files,
        lines: lines(&r.compiled, ctx.lang),
        period: period_text(&r.compiled, ctx.lang),
        programme_name: s.p.name,
        ctx,
        r,
        reporter,
        supervisor,
        failed,
        errors,
    })
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let s = service::subject(&state, &user, &id, &milestone_id, q.org_id.as_ref()).await?;
    render(&report_page(&state, ctx, &user, s, None, Vec::new()).await?)
}

async fn export(
    State(state): State<AppState>,
    lang: Lang,
    user: CurrentUser,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let s = service::subject(&state, &user, &id, &milestone_id, q.org_id.as_ref()).await?;
    let r = service::view(&state, &s).await?;
    let name = format!(
        "{} {} {}.xlsx",
        r.org_name,
        lang.t(&format!("milestone.{}", r.kind)),
        r.due_date
    );
    let book = super::xlsx::book(&r, &s.p.name, lang)?;
    Ok(crate::web::excel::download(book, &name)?)
}

#[derive(Debug, Deserialize)]
struct MissingForm {
    org_id: String,
    #[serde(default)]
    reason: String,
}

/// The report page of the federation whose subordinate the form was about.
fn back_to(id: &ProgrammeId, milestone_id: &MilestoneId, org: Option<OrgId>) -> String {
    let at = format!("/programmes/{id}/milestones/{milestone_id}/report");
    match org {
        Some(o) => format!("{at}?org_id={o}&ok=saved"),
        None => format!("{at}?ok=saved"),
    }
}

/// The federation above `unit`, read through the caller's scope (none outside it).
async fn parent_of(
    state: &AppState,
    user: &CurrentUser,
    unit: &OrgId,
) -> Result<Option<OrgId>, AppError> {
    let scope = user.scope(Capability::ViewOrgs).ok_or(AppError::NotFound)?;
    Ok(crate::orgs::get(&state.db, &scope, unit)
        .await?
        .and_then(|o| o.parent_id))
}

async fn mark(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Form(f): Form<MissingForm>,
) -> Result<Response, AppError> {
    let unit: OrgId = f.org_id.trim().parse().map_err(|_| AppError::NotFound)?;
    let at = (&id, &milestone_id);
    let parent = parent_of(&state, &user, &unit).await?;
    match service::mark_missing(&state, &user, &client, at, &unit, &f.reason).await {
        Ok(()) => Ok(Redirect::to(&back_to(&id, &milestone_id, parent)).into_response()),
        Err(AppError::Validation(errors)) => {
            let s = service::subject(&state, &user, &id, &milestone_id, parent.as_ref()).await?;
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &report_page(&state, ctx, &user, s, Some(unit), errors).await?,
            )
        }
        Err(e) => Err(e),
    }
}

async fn unmark(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id, unit)): IdPath<(ProgrammeId, MilestoneId, OrgId)>,
) -> Result<Response, AppError> {
    service::unmark_missing(&state, &user, &client, (&id, &milestone_id), &unit).await?;
    let parent = parent_of(&state, &user, &unit).await?;
    Ok(Redirect::to(&back_to(&id, &milestone_id, parent)).into_response())
}
