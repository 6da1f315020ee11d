//! HTML pages of milestone submissions: the matrix of who has reported, a unit's submission form
//! (work plan or report) and the reviewer's page.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get};
use serde::Deserialize;
use tuoguan_domain::programme::MilestoneKind;

use super::attachments::Shown;
use super::matrix::UnitStatus;
use super::submissions::{self, Submission, SubmissionInput};
use super::{Milestone, Programme, service, store};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError, Query};
use crate::ids::{IdPath, MilestoneId, ProgrammeId, SubmissionId};
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programmes/{id}/milestones", get(matrix))
        .route(
            "/programmes/{id}/milestones/{milestone_id}",
            get(submission_form).post(save_submission),
        )
        .route("/submissions/{id}", get(review_page).post(review))
}

#[derive(Template)]
#[template(path = "programmes/matrix.html")]
struct MatrixPage {
    ctx: Ctx,
    p: Programme,
    milestones: Vec<Milestone>,
    units: Vec<UnitStatus>,
    overdue: i64,
    pager: crate::web::paging::Pager,
}

impl MatrixPage {
    fn status(&self, s: &tuoguan_domain::programme::MilestoneStatus) -> (String, String) {
        let key = serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        (self.ctx.t(&format!("milestone_status.{key}")), key)
    }
    fn is_report(&self, m: &Milestone) -> bool {
        crate::reports::is_report(m)
    }
    fn kind(&self, m: &Milestone) -> String {
        self.ctx.t(&format!("milestone.{}", m.kind))
    }
}

async fn matrix(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<crate::web::paging::PageQuery>,
) -> Result<Response, AppError> {
    let p = service::visible(&state, &user, &id).await?;
    let mut pager =
        crate::web::paging::Pager::asked(q.page, format!("/programmes/{}/milestones", p.id));
    let at = (pager.offset(), pager.limit());
    let m = super::matrix::matrix(&state, &user, &p, crate::calendar::today(), at).await?;
    render(&MatrixPage {
        ctx,
        p,
        milestones: m.milestones,
        units: pager.take(m.units),
        overdue: m.overdue,
        pager,
    })
}

#[derive(Template)]
#[template(path = "programmes/submission.html")]
struct SubmissionPage {
    ctx: Ctx,
    p: Programme,
    m: Milestone,
    versions: Vec<Submission>,
    current: Submission,
    editable: bool,
    work_plan: bool,
    report: bool,
    files: Shown,
    errors: Vec<FieldError>,
}

impl SubmissionPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
}

async fn submission_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ProgrammeId,
    milestone_id: &MilestoneId,
    draft: Option<SubmissionInput>,
    errors: Vec<FieldError>,
) -> Result<SubmissionPage, AppError> {
    let p = service::visible(state, user, id).await?;
    let m = store::milestones(&state.db, &p)
        .await?
        .into_iter()
        .find(|m| m.id == *milestone_id)
        .ok_or(AppError::NotFound)?;
    let unit = user
        .acting_orgs(Capability::SubmitPlans)
        .first()
        .and_then(|g| g.org_id)
        .ok_or(AppError::Forbidden)?;
    let mut versions: Vec<Submission> = submissions::of_unit(state, &p, &unit)
        .await?
        .into_iter()
        .filter(|s| s.milestone_id == m.id)
        .collect();
    versions.sort_by_key(|s| std::cmp::Reverse(s.version));
    let latest = versions.first().cloned();
    let editable = latest
        .as_ref()
        .is_none_or(|s| s.status == "draft" || s.status == "returned");
    let items = super::attachments::of_version(&state.db, &m.id, &unit, latest.as_ref()).await?;
    let files = Shown {
        editable,
        error: field_error(&errors, "file", ctx.lang),
        ..Shown::new(&p.id, &m.id, unit, items)
    };
    let mut current = latest.unwrap_or(Submission {
        // The id a first draft will take; nothing is stored until it is saved.
        id: SubmissionId::new(),
        milestone_id: m.id,
        org_id: unit,
        version: 0,
        status: "draft".into(),
        objectives: String::new(),
        measures: String::new(),
        funding: String::new(),
        supervision: String::new(),
        narrative: String::new(),
        submitted_at: None,
        submitted_by: None,
        decided_at: None,
        decided_by: None,
        comment: String::new(),
        created_at: 0,
        updated_at: 0,
    });
    if let Some(d) = draft {
        current.objectives = d.objectives;
        current.measures = d.measures;
        current.funding = d.funding;
        current.supervision = d.supervision;
        current.narrative = d.narrative;
    }
    Ok(SubmissionPage {
        work_plan: m.kind() == Some(MilestoneKind::WorkPlan),
        report: crate::reports::is_report(&m),
        ctx,
        p,
        m,
        versions,
        current,
        editable,
        files,
        errors,
    })
}

/// The submission form with errors of an attachment upload.
pub(super) async fn page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    (id, milestone_id): (&ProgrammeId, &MilestoneId),
    errors: Vec<FieldError>,
) -> Result<impl Template, AppError> {
    submission_page(state, ctx, user, id, milestone_id, None, errors).await
}

async fn submission_form(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
) -> Result<Response, AppError> {
    render(&submission_page(&state, ctx, &user, &id, &milestone_id, None, Vec::new()).await?)
}

#[derive(Debug, Deserialize)]
struct SubmissionForm {
    #[serde(default)]
    objectives: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    funding: String,
    #[serde(default)]
    supervision: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    submit: Option<String>,
}

async fn save_submission(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath((id, milestone_id)): IdPath<(ProgrammeId, MilestoneId)>,
    Form(f): Form<SubmissionForm>,
) -> Result<Response, AppError> {
    let input = SubmissionInput {
        org_id: None,
        objectives: f.objectives,
        measures: f.measures,
        funding: f.funding,
        supervision: f.supervision,
        narrative: f.narrative,
        submit: f.submit.is_some(),
    };
    match submissions::save(&state, &user, &client, &id, &milestone_id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/programmes/{id}/milestones/{milestone_id}?ok=saved"
        ))
        .into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &submission_page(&state, ctx, &user, &id, &milestone_id, Some(input), errors).await?,
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "programmes/review.html")]
struct ReviewPage {
    ctx: Ctx,
    p: Programme,
    s: Submission,
    unit_name: String,
    can_review: bool,
    report: bool,
    files: Shown,
    errors: Vec<FieldError>,
}

impl ReviewPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
}

async fn review_page_for(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &SubmissionId,
    errors: Vec<FieldError>,
) -> Result<ReviewPage, AppError> {
    let (s, p) = submissions::visible(state, user, id).await?;
    let scope = user.scope(Capability::ViewOrgs).ok_or(AppError::NotFound)?;
    let unit = crate::orgs::get(&state.db, &scope, &s.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let can_review = s.status == "submitted"
        && user
            .scope(Capability::Supervise)
            .is_some_and(|sc| sc.strictly_contains(&unit.path));
    let report = crate::programmes::store::milestones(&state.db, &p)
        .await?
        .iter()
        .any(|m| m.id == s.milestone_id && crate::reports::is_report(m));
    // A version that went up shows what it went with, returned ones too; a draft, what it holds.
    let items = match s.submitted_at {
        Some(_) => super::attachments::sent_with(&state.db, &s).await?,
        None => super::attachments::current(&state.db, &s.milestone_id, &s.org_id).await?,
    };
    Ok(ReviewPage {
        files: Shown::new(&p.id, &s.milestone_id, s.org_id, items),
        report,
        ctx,
        p,
        s,
        unit_name: unit.name,
        can_review,
        errors,
    })
}

async fn review_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<SubmissionId>,
) -> Result<Response, AppError> {
    render(&review_page_for(&state, ctx, &user, &id, Vec::new()).await?)
}

#[derive(Debug, Deserialize)]
struct ReviewForm {
    decision: String,
    #[serde(default)]
    comment: String,
}

async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<SubmissionId>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    match submissions::review(
        &state,
        &user,
        &client,
        &id,
        f.decision == "approve",
        &f.comment,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/submissions/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &review_page_for(&state, ctx, &user, &id, errors).await?,
        ),
        Err(e) => Err(e),
    }
}
