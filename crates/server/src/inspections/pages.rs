//! The inspector's checklist page (phone-first) and the rectification list where the class fixes,
//! the inspector closes or reopens, and the federation follows what is overdue.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get, routing::post};
use serde::Deserialize;

use super::checklist::{self, Checklist, LineInput, RecordInput};
use super::rectify::{self, NoteInput, Rectification};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, FieldError};
use crate::ids::{IdPath, InspectionId, RectificationId};
use crate::web::{Ctx, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections/{id}", get(checklist_page).post(record))
        .route(
            "/inspections/{id}/photos",
            post(upload_photo).layer((
                crate::web::upload::file_turns(),
                axum::extract::DefaultBodyLimit::max(crate::web::documents::MAX_BYTES + 64 * 1024),
            )),
        )
        .route(
            "/inspections/{id}/photos/{file_id}",
            get(download_photo).layer(crate::web::upload::file_turns()),
        )
        .route(
            "/rectifications/{id}/evidence",
            post(upload_evidence).layer((
                crate::web::upload::file_turns(),
                axum::extract::DefaultBodyLimit::max(crate::web::documents::MAX_BYTES + 64 * 1024),
            )),
        )
        .route(
            "/rectifications/{id}/evidence/{file_id}",
            get(download_evidence).layer(crate::web::upload::file_turns()),
        )
        .route("/rectifications", get(rectifications))
        .route("/rectifications/{id}/{step}", post(step))
}

#[derive(Template)]
#[template(path = "inspections/checklist.html")]
struct ChecklistPage {
    ctx: Ctx,
    c: Checklist,
    /// The caller is the assigned inspector and it is not recorded yet.
    can_record: bool,
    /// The caller is the assigned inspector (adds photos, before and after recording).
    is_inspector: bool,
    default_deadline: String,
    /// The form as sent, when it came back with errors: item → (result, note, deadline).
    sent: HashMap<String, (String, String, String)>,
    errors: Vec<String>,
}

impl ChecklistPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
    /// The result to show checked: as sent, else as suggested (a line with no suggestion: none).
    fn chosen(&self, l: &checklist::Line) -> String {
        match self.sent.get(&l.item) {
            Some((r, _, _)) => r.clone(),
            None => l.suggested.clone().unwrap_or_default(),
        }
    }
    /// The note as sent; else, for a line the records suggest failing, what they show (so the
    /// inspector confirms the finding rather than retypes it).
    fn note(&self, l: &checklist::Line) -> String {
        match self.sent.get(&l.item) {
            Some(s) => s.1.clone(),
            None if l.suggested.as_deref() == Some("fail") => l.evidence.clone(),
            None => String::new(),
        }
    }
    fn deadline(&self, item: &str) -> String {
        self.sent
            .get(item)
            .map(|s| s.2.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| self.default_deadline.clone())
    }
}

async fn checklist_for(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &InspectionId,
    sent: HashMap<String, (String, String, String)>,
    errors: Vec<FieldError>,
) -> Result<ChecklistPage, AppError> {
    let c = checklist::get(state, user, id, ctx.lang).await?;
    let is_inspector = c.inspection.inspector_id == Some(user.id);
    let can_record = is_inspector && c.inspection.status == "planned";
    let default_deadline = (crate::calendar::today() + chrono::Days::new(7)).to_string();
    // One message per kind of fault, however many lines share it.
    let mut shown: Vec<String> = Vec::new();
    for e in &errors {
        let text = e.msg.render(ctx.lang);
        if !shown.contains(&text) {
            shown.push(text);
        }
    }
    let errors = shown;
    Ok(ChecklistPage {
        ctx,
        c,
        can_record,
        is_inspector,
        default_deadline,
        sent,
        errors,
    })
}

async fn checklist_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<InspectionId>,
) -> Result<Response, AppError> {
    render(&checklist_for(&state, ctx, &user, &id, HashMap::new(), Vec::new()).await?)
}

async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<InspectionId>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let field = |k: String| f.get(&k).cloned().unwrap_or_default();
    let mut sent = HashMap::new();
    let lines = checklist::Item::NAMES
        .iter()
        .map(|item| {
            let (result, note) = (
                field(format!("result_{item}")),
                field(format!("note_{item}")),
            );
            let deadline = field(format!("deadline_{item}"));
            sent.insert(
                item.to_string(),
                (result.clone(), note.clone(), deadline.clone()),
            );
            LineInput {
                item: item.to_string(),
                result,
                note,
                deadline: Some(deadline),
            }
        })
        .collect();
    let input = RecordInput {
        lines,
        summary: field("summary".into()),
    };
    match checklist::record(&state, &user, &client, &id, &input, ctx.lang).await {
        Ok(_) => Ok(Redirect::to(&format!("/inspections/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = checklist_for(&state, ctx, &user, &id, sent, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "inspections/rectifications.html")]
struct RectificationsPage {
    ctx: Ctx,
    rows: Vec<Rectification>,
    me: crate::ids::UserId,
    user: CurrentUser,
}

impl RectificationsPage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }
    fn fixes(&self, r: &Rectification) -> bool {
        r.status == "open" && rectify::fixes(&self.user, &r.host_path)
    }
    fn gives_evidence(&self, r: &Rectification) -> bool {
        r.status != "closed" && rectify::fixes(&self.user, &r.host_path)
    }
    fn decides(&self, r: &Rectification) -> bool {
        r.status == "fixed" && r.inspector_id == Some(self.me)
    }
    fn overdue(&self) -> usize {
        self.rows.iter().filter(|r| r.overdue).count()
    }
}

async fn rectifications(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let rows = rectify::visible(&state, &user, None).await?;
    render(&RectificationsPage {
        ctx,
        rows,
        me: user.id,
        user,
    })
}

#[derive(Debug, Deserialize)]
struct StepForm {
    #[serde(default)]
    note: String,
}

async fn step(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, step)): IdPath<(RectificationId, String)>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    let input = NoteInput { note: f.note };
    let done = match step.as_str() {
        "fix" => rectify::fix(&state, &user, &client, &id, &input).await,
        "close" => rectify::decide(&state, &user, &client, &id, true, &input).await,
        "reopen" => rectify::decide(&state, &user, &client, &id, false, &input).await,
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(r) => Ok(Redirect::to(&format!("/rectifications?ok=saved#r-{}", r.id)).into_response()),
        Err(e) => Err(e),
    }
}

async fn upload_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<InspectionId>,
    form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let done = match super::photos::read(form).await {
        Ok(up) => super::photos::upload(&state, &user, &client, &id, up)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/inspections/{id}?ok=saved#photos")).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = checklist_for(&state, ctx, &user, &id, HashMap::new(), errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

async fn download_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, file_id)): IdPath<(InspectionId, crate::ids::FileId)>,
) -> Result<Response, AppError> {
    super::photos::download(&state, &user, &id, &file_id).await
}

async fn upload_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<RectificationId>,
    form: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let up = super::photos::read(form).await?;
    super::photos::upload_evidence(&state, &user, &client, &id, up).await?;
    Ok(Redirect::to(&format!("/rectifications?ok=saved#r-{id}")).into_response())
}

async fn download_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, file_id)): IdPath<(RectificationId, crate::ids::FileId)>,
) -> Result<Response, AppError> {
    super::photos::download_evidence(&state, &user, &id, &file_id).await
}
