//! Pages of the daily records: the logs with one quick form per kind, the class's incidents with
//! the report form, the federation's incident list, and the weekly schedule.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;

use super::incidents::{self, IncidentInput, IncidentView};
use super::logs::{self, DayLogs, LogDetails, LogInput};
use super::schedule::{self, ItemInput};
use super::store::ScheduleItem;
use super::{ACTIVITIES, INCIDENT_KINDS, INFORMED_HOW, LogKind, SEVERITIES};
use crate::app::AppState;
use crate::attendance::{roll, runs};
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::classes::{Class, service::visible};
use crate::error::{AppError, FieldError};
use crate::ids::{ChildId, ClassId, IdPath, IncidentId, ScheduleItemId};
use crate::web::{Ctx, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/classes/{id}/logs", get(logs_page).post(add_log))
        .route("/classes/{id}/incidents", get(incidents_page).post(report))
        .route("/incidents", get(federation_page))
        .route("/incidents/{id}/acknowledge", post(acknowledge))
        .route("/classes/{id}/schedule", get(schedule_page).post(add_item))
        .route("/classes/{id}/schedule/{item}/delete", post(remove_item))
}

fn messages(ctx: &Ctx, errors: &[FieldError]) -> Vec<String> {
    errors.iter().map(|e| e.msg.render(ctx.lang)).collect()
}

/// A page, or the same page again with its form's errors (422).
fn again<T: Template>(page: &T, errors: &[FieldError]) -> Result<Response, AppError> {
    if errors.is_empty() {
        render(page)
    } else {
        render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, page)
    }
}

/// Validation errors re-render the page (422); anything else is the error page.
fn split(e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Validation(f) => Ok(f),
        e => Err(e),
    }
}

#[derive(Template)]
#[template(path = "operations/logs.html")]
struct LogsPage {
    ctx: Ctx,
    c: Class,
    days: Vec<DayLogs>,
    kinds: Vec<&'static str>,
    runs: bool,
    errors: Vec<String>,
    today: String,
}

impl LogsPage {
    fn kind(&self, k: &LogKind) -> String {
        self.ctx.t(&format!("logs.kind_{}", k.as_str()))
    }
    fn kind_s(&self, k: &&str) -> String {
        self.ctx.t(&format!("logs.kind_{k}"))
    }
    fn summary(&self, d: &LogDetails) -> String {
        let yes_no = |b: bool| self.ctx.t(if b { "logs.yes" } else { "logs.no" });
        let mut parts: Vec<String> = [
            &d.items_checked,
            &d.hazards,
            &d.fix,
            &d.disinfection,
            &d.caterer,
            &d.menu,
            &d.areas,
            &d.drill_type,
            &d.notes,
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.to_string())
        .collect();
        if let Some(v) = d.ventilated {
            parts.push(format!("{} {}", self.ctx.t("logs.ventilated"), yes_no(v)));
        }
        if let Some(s) = d.sample_kept {
            parts.push(format!("{} {}", self.ctx.t("logs.sample_kept"), yes_no(s)));
        }
        if let Some(n) = d.participants {
            parts.push(format!("{} {n}", self.ctx.t("logs.participants")));
        }
        parts.join(" · ")
    }
}

async fn show_logs(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let c = visible(state, user, id).await?;
    let days = logs::by_day(state, &c).await?;
    let page = LogsPage {
        errors: messages(&ctx, &errors),
        ctx,
        runs: runs(user, &c),
        c: c.into_inner(),
        days,
        kinds: LogKind::ALL.iter().map(|k| k.as_str()).collect(),
        today: crate::calendar::today().to_string(),
    };
    again(&page, &errors)
}

async fn logs_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    show_logs(&state, ctx, &user, &id, Vec::new()).await
}

/// The log forms: every kind's fields, the unused ones empty.
#[derive(Debug, Deserialize)]
struct LogForm {
    kind: LogKind,
    day: Option<String>,
    time: Option<String>,
    #[serde(default)]
    officer: String,
    #[serde(default)]
    items_checked: String,
    #[serde(default)]
    hazards: String,
    #[serde(default)]
    fix: String,
    ventilated: Option<String>,
    #[serde(default)]
    disinfection: String,
    #[serde(default)]
    caterer: String,
    #[serde(default)]
    menu: String,
    sample_kept: Option<String>,
    #[serde(default)]
    areas: String,
    #[serde(default)]
    drill_type: String,
    participants: Option<String>,
    #[serde(default)]
    notes: String,
    key: Option<String>,
}

impl LogForm {
    fn input(self) -> (LogInput, Option<String>) {
        let yes = |v: &Option<String>| v.as_deref().map(|s| s == "yes" || s == "true" || s == "on");
        let input = LogInput {
            kind: self.kind,
            day: self.day,
            time: self.time,
            officer: self.officer,
            details: LogDetails {
                ventilated: yes(&self.ventilated),
                sample_kept: yes(&self.sample_kept),
                participants: self
                    .participants
                    .as_deref()
                    .and_then(|p| p.trim().parse().ok()),
                items_checked: self.items_checked,
                hazards: self.hazards,
                fix: self.fix,
                disinfection: self.disinfection,
                caterer: self.caterer,
                menu: self.menu,
                areas: self.areas,
                drill_type: self.drill_type,
                notes: self.notes,
            },
        };
        (input, self.key)
    }
}

fn key_headers(key: Option<String>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(v) = key.and_then(|k| axum::http::HeaderValue::from_str(&k).ok()) {
        h.insert(crate::idempotency::HEADER, v);
    }
    h
}

async fn add_log(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<LogForm>,
) -> Result<Response, AppError> {
    let (input, key) = f.input();
    match logs::add(&state, &user, &id, &key_headers(key), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}/logs?ok=saved")).into_response()),
        Err(e) => show_logs(&state, ctx, &user, &id, split(e)?).await,
    }
}

#[derive(Template)]
#[template(path = "operations/incidents.html")]
struct IncidentsPage {
    ctx: Ctx,
    c: Option<Class>,
    list: Vec<IncidentView>,
    children: Vec<(ChildId, String)>,
    runs: bool,
    supervises: bool,
    errors: Vec<String>,
    kinds: [&'static str; 7],
    severities: [&'static str; 3],
    hows: [&'static str; 3],
}

impl IncidentsPage {
    fn label(&self, group: &str, v: &str) -> String {
        self.ctx.t(&format!("incidents.{group}_{v}"))
    }
}

async fn show_incidents(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let c = visible(state, user, id).await?;
    let list = incidents::list(state, user, Some(&c.id)).await?;
    let runs = runs(user, &c);
    let children = if runs {
        roll::roll(state, &c, crate::calendar::today().min(c.dates()?.1))
            .await?
            .children
            .into_iter()
            .map(|k| (k.child_id, k.name))
            .collect()
    } else {
        Vec::new()
    };
    let page = IncidentsPage {
        errors: messages(&ctx, &errors),
        ctx,
        supervises: false,
        list,
        children,
        runs,
        c: Some(c.into_inner()),
        kinds: INCIDENT_KINDS,
        severities: SEVERITIES,
        hows: INFORMED_HOW,
    };
    again(&page, &errors)
}

async fn incidents_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    show_incidents(&state, ctx, &user, &id, Vec::new()).await
}

#[derive(Debug, Deserialize)]
struct IncidentForm {
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    child_ids: Vec<ChildId>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    actions: String,
    guardian_informed_at: Option<String>,
    guardian_informed_how: Option<String>,
    key: Option<String>,
}

async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    axum_extra::extract::Form(f): axum_extra::extract::Form<IncidentForm>,
) -> Result<Response, AppError> {
    let input = IncidentInput {
        occurred_at: f.occurred_at,
        child_ids: f.child_ids,
        kind: f.kind,
        severity: f.severity,
        description: f.description,
        actions: f.actions,
        guardian_informed_at: f.guardian_informed_at,
        guardian_informed_how: f.guardian_informed_how.filter(|h| !h.is_empty()),
    };
    let headers = key_headers(f.key);
    match incidents::report(&state, &user, &client, &id, &headers, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}/incidents?ok=saved")).into_response()),
        Err(e) => show_incidents(&state, ctx, &user, &id, split(e)?).await,
    }
}

async fn federation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let list = incidents::list(&state, &user, None).await?;
    render(&IncidentsPage {
        supervises: user.scope(Capability::Supervise).is_some(),
        ctx,
        c: None,
        list,
        children: Vec::new(),
        runs: false,
        errors: Vec::new(),
        kinds: INCIDENT_KINDS,
        severities: SEVERITIES,
        hows: INFORMED_HOW,
    })
}

async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<IncidentId>,
) -> Result<Response, AppError> {
    incidents::acknowledge(&state, &user, &client, &id).await?;
    Ok(Redirect::to("/incidents?ok=saved").into_response())
}

#[derive(Template)]
#[template(path = "operations/schedule.html")]
struct SchedulePage {
    ctx: Ctx,
    c: Class,
    week: Vec<(i64, Vec<ScheduleItem>)>,
    runs: bool,
    activities: [&'static str; 10],
    errors: Vec<String>,
}

async fn show_schedule(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let c = visible(state, user, id).await?;
    let items = schedule::of_class(state, user, &c.id).await?;
    let page = SchedulePage {
        errors: messages(&ctx, &errors),
        ctx,
        runs: runs(user, &c),
        c: c.into_inner(),
        week: schedule::week(&items),
        activities: ACTIVITIES,
    };
    again(&page, &errors)
}

async fn schedule_page(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    show_schedule(&state, ctx, &user, &id, Vec::new()).await
}

#[derive(Debug, Deserialize)]
struct ItemForm {
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    activity: String,
    #[serde(default)]
    title: String,
}

async fn add_item(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<ItemForm>,
) -> Result<Response, AppError> {
    let input = ItemInput {
        weekday: f.weekday.trim().parse().unwrap_or(0),
        starts: f.starts,
        ends: f.ends,
        activity: f.activity,
        title: f.title,
    };
    match schedule::add(&state, &user, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}/schedule?ok=saved")).into_response()),
        Err(e) => show_schedule(&state, ctx, &user, &id, split(e)?).await,
    }
}

async fn remove_item(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, item)): IdPath<(ClassId, ScheduleItemId)>,
) -> Result<Response, AppError> {
    schedule::remove(&state, &user, &id, &item).await?;
    Ok(Redirect::to(&format!("/classes/{id}/schedule?ok=deleted")).into_response())
}
