//! HTML pages of classes: the registration form, the class page with its checks, lifecycle
//! actions, history, staff roster, operating days and documents.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;
use tuoguan_domain::class_checks::{ClassModel, FoodMode, Management};

use super::detail::ClassDetail;
use super::files::{file_response, read_upload};
use super::form::{ClassForm, opt};
use super::service::{self, Action};
use super::staff::{self, STAFF_ROLES, Staff, StaffInput, StaffPatch};
use super::store::ClassDay;
use super::{ClassInput, files};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError, Query};
use crate::ids::{ClassId, FileId, IdPath, OrgId, ProgrammeId, StaffId};
use crate::programmes::{Programme, service as programmes};
use crate::web::upload::file_turns;
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/classes/new", get(new_form).post(create))
        .route("/classes/{id}", get(show))
        .route("/classes/{id}/edit", get(edit_form).post(edit))
        .route("/classes/{id}/action", post(act))
        .route("/classes/{id}/staff", post(add_staff))
        .route("/classes/{id}/staff/{staff_id}", post(change_staff))
        .route("/classes/{id}/days", post(add_day))
        .route("/classes/{id}/days/{day}/delete", post(delete_day))
        .route(
            "/classes/{id}/files",
            post(upload).layer((
                file_turns(),
                DefaultBodyLimit::max(files::MAX_FILE_BYTES + 64 * 1024),
            )),
        )
        .route(
            "/classes/{id}/files/{file_id}",
            get(download).layer(file_turns()),
        )
}

#[derive(Template)]
#[template(path = "classes/form.html")]
struct FormPage {
    ctx: Ctx,
    programme: Programme,
    class_id: Option<ClassId>,
    form: ClassForm,
    hosts: Vec<(OrgId, String)>,
    errors: Vec<FieldError>,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }

    fn options(&self, kind: &str) -> Vec<(String, String)> {
        let list: Vec<&str> = match kind {
            "model" => ClassModel::ALL.iter().map(|m| m.as_str()).collect(),
            "management" => Management::ALL.iter().map(|m| m.as_str()).collect(),
            _ => FoodMode::ALL.iter().map(|m| m.as_str()).collect(),
        };
        list.into_iter()
            .map(|v| (v.to_string(), self.ctx.t(&format!("{kind}.{v}"))))
            .collect()
    }
}

async fn hosts(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
) -> Result<Vec<(OrgId, String)>, AppError> {
    let scope = user.require(Capability::RegisterClasses)?;
    let orgs = crate::orgs::list(&state.db, &scope).await?;
    Ok(orgs
        .into_iter()
        .filter(|o| o.active && o.path.starts_with(&p.org_path))
        .map(|o| (o.id, o.name))
        .collect())
}

#[derive(Debug, Deserialize)]
struct NewQuery {
    programme_id: ProgrammeId,
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let programme = programmes::visible(&state, &user, &q.programme_id).await?;
    let hosts = hosts(&state, &user, &programme).await?;
    let form = ClassForm {
        programme_id: programme.id.to_string(),
        start_date: programme.start_date.clone(),
        end_date: programme.end_date.clone(),
        daily_start: "08:30".into(),
        daily_end: "17:30".into(),
        capacity: "30".into(),
        model: "in_unit".into(),
        management: "union_staff".into(),
        food_mode: "caterer".into(),
        independent: Some("on".into()),
        building_fire_supervision_safe: Some("on".into()),
        away_from_hazards: Some("on".into()),
        ventilation_and_light: Some("on".into()),
        ..Default::default()
    };
    render(&FormPage {
        ctx,
        programme,
        class_id: None,
        form,
        hosts,
        errors: Vec::new(),
    })
}

async fn form_again(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    form: ClassForm,
    class_id: Option<ClassId>,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let programme_id = ProgrammeId::parse(&form.programme_id).ok_or(AppError::NotFound)?;
    let programme = programmes::visible(state, user, &programme_id).await?;
    let hosts = hosts(state, user, &programme).await?;
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &FormPage {
            ctx,
            programme,
            class_id,
            form,
            hosts,
            errors,
        },
    )
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    Form(form): Form<ClassForm>,
) -> Result<Response, AppError> {
    let result = match form.input() {
        Ok(input) => service::register(&state, &user, &client, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/classes/{}?ok=created", c.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            form_again(&state, ctx, &user, form, None, errors).await
        }
        Err(e) => Err(e),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    let c = service::visible(&state, &user, &id).await?;
    let programme = programmes::visible(&state, &user, &c.programme_id).await?;
    let hosts = hosts(&state, &user, &programme).await?;
    let form = ClassForm::from_input(&ClassInput::from_class(&c));
    render(&FormPage {
        ctx,
        programme,
        class_id: Some(c.id),
        form,
        hosts,
        errors: Vec::new(),
    })
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(form): Form<ClassForm>,
) -> Result<Response, AppError> {
    let result = match form
        .input()
        .and_then(|i| serde_json::to_value(i).map_err(|e| AppError::Internal(e.into())))
    {
        Ok(patch) => service::update(&state, &user, &client, &id, patch).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/classes/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(errors)) => {
            form_again(&state, ctx, &user, form, Some(id), errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "classes/show.html")]
struct ShowPage {
    ctx: Ctx,
    d: ClassDetail,
    programme: Programme,
    roster: Vec<Staff>,
    actions: Vec<&'static str>,
    can_edit: bool,
    can_staff: bool,
    can_upload: bool,
    can_days: bool,
    /// A safety incident was recorded: marked for the rest of the programme.
    safety_incident: bool,
    errors: Vec<FieldError>,
}

impl ShowPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }

    fn label(&self, prefix: &str, v: &str) -> String {
        self.ctx.t(&format!("{prefix}.{v}"))
    }

    fn staff_roles(&self) -> Vec<(String, String)> {
        STAFF_ROLES
            .iter()
            .map(|r| (r.to_string(), self.label("staff_role", r)))
            .collect()
    }

    fn file_kinds(&self) -> Vec<(String, String)> {
        files::FILE_KINDS
            .iter()
            .map(|k| (k.to_string(), self.label("file_kind", k)))
            .collect()
    }

    fn time(&self, t: &i64) -> String {
        self.ctx.prose_time(t)
    }

    fn error_messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.msg.render(self.ctx.lang))
            .collect()
    }

    fn can_approve(&self) -> bool {
        self.actions.contains(&"approve")
    }

    fn has_blocks(&self) -> bool {
        self.d.checks.iter().any(|c| c.level == "block")
    }
}

async fn show_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    errors: Vec<FieldError>,
) -> Result<ShowPage, AppError> {
    let super::detail::ClassRead {
        class: c,
        programme,
        roster,
        detail: d,
    } = super::detail::read(state, user, id, ctx.lang).await?;
    let (from, _) = (c.status(), ());
    let actions = [
        ("submit", Action::Submit),
        ("approve", Action::Approve),
        ("return", Action::Return),
        ("start", Action::Start),
        ("close", Action::Close),
    ]
    .into_iter()
    .filter(|(_, a)| service::may(user, &c, *a) && service::allowed_from(*a, from))
    .map(|(n, _)| n)
    .collect();
    let host = |cap| user.scope(cap).is_some_and(|s| s.contains(&c.host_path));
    let (_, safety) = crate::attendance::incident_counts(state, &c).await?;
    Ok(ShowPage {
        safety_incident: safety > 0,
        ctx,
        can_edit: host(Capability::RegisterClasses) && c.status().editable(),
        can_staff: host(Capability::ManageStaff) && c.status() != super::ClassStatus::Closed,
        can_upload: host(Capability::RegisterClasses),
        can_days: service::may(user, &c, Action::Start),
        d,
        programme,
        roster,
        actions,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Response, AppError> {
    render(&show_page(&state, ctx, &user, &id, Vec::new()).await?)
}

/// Shows the class page again with a failed form's errors (422), or goes back to it.
async fn back(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &ClassId,
    r: Result<(), AppError>,
    flash: &str,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/classes/{id}?ok={flash}")).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &show_page(state, ctx, user, id, errors).await?,
        ),
        Err(AppError::ChecksFailed(codes)) => {
            let errors = codes
                .into_iter()
                .map(|c| FieldError::new("checks", c))
                .collect();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &show_page(state, ctx, user, id, errors).await?,
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Deserialize)]
struct ActForm {
    action: String,
    #[serde(default)]
    comment: String,
}

async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<ActForm>,
) -> Result<Response, AppError> {
    let action =
        Action::parse(&f.action).ok_or_else(|| AppError::field("action", "error.bad_request"))?;
    let r = service::transition(&state, &user, &client, &id, action, &f.comment)
        .await
        .map(|_| ());
    back(&state, ctx, &user, &id, r, "saved").await
}

#[derive(Debug, Deserialize)]
struct StaffForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    part_time: Option<String>,
    #[serde(default)]
    check_done_on: String,
    #[serde(default)]
    check_done_by: String,
}

async fn add_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(f): Form<StaffForm>,
) -> Result<Response, AppError> {
    let input = StaffInput {
        name: f.name,
        role: f.role,
        phone: f.phone,
        part_time: f.part_time.is_some(),
        check_done_on: opt(&f.check_done_on),
        check_done_by: opt(&f.check_done_by),
    };
    let r = staff::add(&state, &user, &client, &id, &input)
        .await
        .map(|_| ());
    back(&state, ctx, &user, &id, r, "saved").await
}

#[derive(Debug, Deserialize)]
struct StaffChangeForm {
    action: String,
    #[serde(default)]
    check_done_on: String,
    #[serde(default)]
    check_done_by: String,
}

async fn change_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath((id, staff_id)): IdPath<(ClassId, StaffId)>,
    Form(f): Form<StaffChangeForm>,
) -> Result<Response, AppError> {
    let patch = match f.action.as_str() {
        "check" => StaffPatch {
            check_done_on: opt(&f.check_done_on),
            check_done_by: opt(&f.check_done_by).or(Some(String::new())),
            ..Default::default()
        },
        "leave" => StaffPatch {
            active: Some(false),
            ..Default::default()
        },
        _ => return Err(AppError::field("action", "error.bad_request")),
    };
    let r = staff::change(&state, &user, &client, &id, &staff_id, &patch)
        .await
        .map(|_| ());
    back(&state, ctx, &user, &id, r, "saved").await
}

async fn add_day(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    Form(d): Form<ClassDay>,
) -> Result<Response, AppError> {
    let r = super::days::set_day(&state, &user, &client, &id, &d).await;
    back(&state, ctx, &user, &id, r, "saved").await
}

async fn delete_day(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, day)): IdPath<(ClassId, String)>,
) -> Result<Response, AppError> {
    super::days::delete_day(&state, &user, &client, &id, &day).await?;
    Ok(Redirect::to(&format!("/classes/{id}?ok=deleted")).into_response())
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ClassId>,
    form: Multipart,
) -> Result<Response, AppError> {
    let r = match read_upload(form).await {
        Ok((kind, up)) => files::upload(&state, &user, &client, &id, &kind, up)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    back(&state, ctx, &user, &id, r, "saved").await
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, file_id)): IdPath<(ClassId, FileId)>,
) -> Result<Response, AppError> {
    let (meta, data) = files::download(&state, &user, &id, &file_id).await?;
    Ok(file_response(&meta, data))
}
