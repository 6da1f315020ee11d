//! HTML pages of parents and of a child's record: registration, my children, adding and
//! correcting a child, the child's page (pickup persons, reveal, export, delete), and the
//! privacy notice. Applications have their pages in `application_routes`.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;
use tuoguan_domain::enrolment::{Grade, Priority};

use super::applications::{self, ApplicationView};
use super::children::{self, ChildInput, ChildView};
use super::parents::{self, ParentSignup};
use super::pickups::{self, PickupInput};
use super::store::{self, OpenClass};
use super::{Access, NOTICE_VERSION, Status};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::auth::middleware::{SESSION_COOKIE, cookie};
use crate::auth::service::SessionKind;
use crate::error::{AppError, FieldError};
use crate::ids::{ChildId, IdPath, PickupId};
use crate::web::upload::file_turns;
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/register", get(register_page).post(register))
        .route("/privacy", get(notice))
        .route("/children", get(my_children))
        .route("/children/new", get(new_child).post(create_child))
        .route("/children/{id}", get(show_child))
        .route("/children/{id}/edit", get(edit_child).post(save_child))
        .route("/children/{id}/delete", post(delete_child))
        .route("/children/{id}/reveal", post(reveal))
        .route("/children/{id}/export.json", get(export))
        .route(
            "/children/{id}/pickups",
            post(add_pickup).layer((file_turns(), DefaultBodyLimit::max(3 << 20))),
        )
        .route(
            "/children/{id}/pickups/{pickup_id}/remove",
            post(remove_pickup),
        )
        .route(
            "/children/{id}/pickups/{pickup_id}/photo",
            get(photo).layer(file_turns()),
        )
}

fn priorities() -> Vec<(String, String)> {
    Priority::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), p.zh().to_string()))
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct RegisterForm {
    #[serde(default)]
    phone: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    employer: String,
    #[serde(default)]
    member: Option<String>,
    /// Repeated checkbox values arrive as one comma-joined list via `priority_list`.
    #[serde(default)]
    priorities: Vec<String>,
}

#[derive(Template)]
#[template(path = "enrolment/register.html")]
struct RegisterPage {
    ctx: Ctx,
    form: RegisterForm,
    errors: Vec<FieldError>,
}

impl RegisterPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn priority_options(&self) -> Vec<(String, String)> {
        priorities()
    }
    fn checked(&self, key: &str) -> bool {
        self.form.priorities.iter().any(|p| p == key)
    }
}

async fn register_page(ctx: Ctx) -> Result<Response, AppError> {
    render(&RegisterPage {
        ctx,
        form: RegisterForm::default(),
        errors: Vec::new(),
    })
}

/// Reads a urlencoded body where checkboxes repeat a name (`priorities=a&priorities=b`).
fn register_form(body: &str) -> RegisterForm {
    let mut f = RegisterForm::default();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(body).unwrap_or_default() {
        match k.as_str() {
            "phone" => f.phone = v,
            "name" => f.name = v,
            "password" => f.password = v,
            "employer" => f.employer = v,
            "member" => f.member = Some(v),
            "priorities" => f.priorities.push(v),
            _ => {}
        }
    }
    f
}

async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    client: Client,
    body: String,
) -> Result<Response, AppError> {
    let mut form = register_form(&body);
    let input = ParentSignup {
        phone: form.phone.clone(),
        name: form.name.clone(),
        password: form.password.clone(),
        employer: form.employer.clone(),
        member: form.member.is_some(),
        priorities: form.priorities.clone(),
    };
    match parents::register(&state, &client, &input).await {
        Ok(g) => {
            let done = crate::auth::service::login(
                &state,
                &g.phone,
                &input.password,
                SessionKind::Web,
                &client,
            )
            .await?;
            let mut res = Redirect::to("/children?ok=registered").into_response();
            let c = cookie(SESSION_COOKIE, done.token, state.config.secure_cookies);
            if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(AppError::Validation(errors)) => {
            form.password.clear();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RegisterPage { ctx, form, errors },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "enrolment/notice.html")]
struct NoticePage {
    ctx: Ctx,
    version: &'static str,
}

async fn notice(ctx: Ctx) -> Result<Response, AppError> {
    render(&NoticePage {
        ctx,
        version: NOTICE_VERSION,
    })
}

/// A child on the parent's page, with its applications.
struct ChildCard {
    id: ChildId,
    name: String,
    grade: String,
    applications: Vec<ApplicationView>,
    /// The open classes the child may still apply to: not those it already has a live
    /// application in (applied, accepted, wait-listed or enrolled).
    offer: Vec<OpenClass>,
}

#[derive(Template)]
#[template(path = "enrolment/children.html")]
struct ChildrenPage {
    ctx: Ctx,
    children: Vec<ChildCard>,
    open: Vec<OpenClass>,
}

impl ChildrenPage {
    fn status(&self, s: &Status) -> String {
        self.ctx.t(applications::status_key(*s))
    }
    fn grade(&self, g: &str) -> String {
        grade_label(&self.ctx, g)
    }
}

fn grade_label(ctx: &Ctx, g: &str) -> String {
    match Grade::parse(g) {
        Some(Grade::K) => ctx.t("grade.K"),
        Some(g) if ctx.is_en() => format!("Grade {}", g.number()),
        Some(g) => format!("{}年级", g.number()),
        None => g.to_string(),
    }
}

async fn my_children(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    children::my_guardian(&state, &user).await?;
    let today = crate::calendar::today().to_string();
    let open = store::open_classes(&state.db, &today).await?;
    let mut cards = Vec::new();
    for c in children::mine(&state, &user).await? {
        let apps = store::applications_of_child(&state.db, &c.id).await?;
        let offer = open
            .iter()
            .filter(|o| {
                !apps
                    .iter()
                    .any(|a| a.class_id == o.id && a.status().active())
            })
            .cloned()
            .collect();
        cards.push(ChildCard {
            id: c.id,
            name: c.name,
            grade: c.grade,
            applications: apps.iter().map(ApplicationView::new).collect(),
            offer,
        });
    }
    render(&ChildrenPage {
        ctx,
        children: cards,
        open,
    })
}

#[derive(Debug, Default, Deserialize)]
struct ChildForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    school: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    health_notes: String,
    #[serde(default)]
    emergency: String,
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    consent: Option<String>,
}

impl ChildForm {
    fn input(&self) -> ChildInput {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
        ChildInput {
            name: self.name.clone(),
            gender: self.gender.clone(),
            birth_date: self.birth_date.clone(),
            school: self.school.clone(),
            grade: self.grade.clone(),
            id_number: opt(&self.id_number),
            health_notes: opt(&self.health_notes),
            emergency: opt(&self.emergency),
            relationship: self.relationship.clone(),
            consent: self.consent.is_some(),
        }
    }
}

#[derive(Template)]
#[template(path = "enrolment/child_form.html")]
struct ChildFormPage {
    ctx: Ctx,
    form: ChildForm,
    /// Set when correcting an existing child.
    child_id: Option<ChildId>,
    errors: Vec<FieldError>,
    version: &'static str,
}

impl ChildFormPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn grades(&self) -> Vec<(String, String)> {
        Grade::ALL
            .iter()
            .map(|g| (g.as_str().to_string(), grade_label(&self.ctx, g.as_str())))
            .collect()
    }
    fn consent_text(&self) -> String {
        self.ctx.lang.tf(
            "children.consent_text",
            &[("version", self.version.to_string())],
        )
    }
}

async fn new_child(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    children::my_guardian(&state, &user).await?;
    render(&ChildFormPage {
        ctx,
        form: ChildForm::default(),
        child_id: None,
        errors: Vec::new(),
        version: NOTICE_VERSION,
    })
}

async fn create_child(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    Form(form): Form<ChildForm>,
) -> Result<Response, AppError> {
    match children::add(&state, &user, &client, &form.input(), "web").await {
        Ok(c) => Ok(Redirect::to(&format!("/children/{}?ok=created", c.id)).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ChildFormPage {
                ctx,
                form,
                child_id: None,
                errors,
                version: NOTICE_VERSION,
            },
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "enrolment/child.html")]
struct ChildPage {
    ctx: Ctx,
    c: ChildView,
    guardian: bool,
    can_reveal: bool,
    revealed: Option<String>,
    errors: Vec<FieldError>,
}

impl ChildPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
    fn status(&self, s: &Status) -> String {
        self.ctx.t(applications::status_key(*s))
    }
    fn grade(&self) -> String {
        grade_label(&self.ctx, &self.c.grade)
    }
    fn gender(&self) -> String {
        self.ctx.t(&format!("gender.{}", self.c.gender))
    }
    fn error_messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .map(|e| e.msg.render(self.ctx.lang))
            .collect()
    }
}

async fn child_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    client: &Client,
    id: &ChildId,
    revealed: Option<String>,
    errors: Vec<FieldError>,
) -> Result<ChildPage, AppError> {
    let (c, access) = children::detail(state, user, client, id).await?;
    let can_reveal = c.id_number_masked.is_some()
        && (access == Access::Guardian || user.scope(crate::auth::Capability::RevealIds).is_some());
    Ok(ChildPage {
        ctx,
        c,
        guardian: access == Access::Guardian,
        can_reveal,
        revealed,
        errors,
    })
}

async fn show_child(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Response, AppError> {
    render(&child_page(&state, ctx, &user, &client, &id, None, Vec::new()).await?)
}

async fn edit_child(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Response, AppError> {
    let (c, _) = children::detail(&state, &user, &client, &id).await?;
    let rel = c.guardians.first().map(|g| g.relationship.clone());
    let form = ChildForm {
        name: c.name,
        gender: c.gender,
        birth_date: c.birth_date,
        school: c.school,
        grade: c.grade,
        id_number: String::new(),
        health_notes: c.health_notes.unwrap_or_default(),
        emergency: c.emergency,
        relationship: rel.unwrap_or_default(),
        consent: None,
    };
    render(&ChildFormPage {
        ctx,
        form,
        child_id: Some(id),
        errors: Vec::new(),
        version: NOTICE_VERSION,
    })
}

async fn save_child(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
    Form(form): Form<ChildForm>,
) -> Result<Response, AppError> {
    let mut input = form.input();
    if input.id_number.is_none() {
        // An empty ID field keeps the ID on record (the page never shows it in full).
        input.id_number = children::reveal_for_correction(&state, &user, &id).await?;
    }
    match children::correct(&state, &user, &client, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ChildFormPage {
                ctx,
                form,
                child_id: Some(id),
                errors,
                version: NOTICE_VERSION,
            },
        ),
        Err(e) => Err(e),
    }
}

async fn delete_child(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Response, AppError> {
    children::delete(&state, &user, &client, &id).await?;
    Ok(Redirect::to("/children?ok=deleted").into_response())
}

async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Response, AppError> {
    let full = children::reveal(&state, &user, &client, &id).await?;
    render(&child_page(&state, ctx, &user, &client, &id, full, Vec::new()).await?)
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Response, AppError> {
    let data = children::export(&state, &user, &client, &id).await?;
    let body = serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(e.into()))?;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"child.json\""),
    );
    Ok(res)
}

async fn add_pickup(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let mut input = PickupInput::default();
    let mut photo: Option<(Vec<u8>, String)> = None;
    let bad = |_| AppError::field("photo", "pickup.photo_invalid");
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name() {
            Some("name") => input.name = field.text().await.map_err(bad)?,
            Some("relationship") => input.relationship = field.text().await.map_err(bad)?,
            Some("phone") => input.phone = field.text().await.map_err(bad)?,
            Some("photo") => {
                // The type comes from the bytes (`pickups::add_pickup`); the name is checked by it.
                let name = field.file_name().unwrap_or("").to_string();
                let data = field.bytes().await.map_err(bad)?.to_vec();
                if !data.is_empty() {
                    photo = Some((data, name));
                }
            }
            _ => {}
        }
    }
    let p = photo.as_ref().map(|(d, k)| (d.as_slice(), k.as_str()));
    match pickups::add_pickup(&state, &user, &client, &id, &input, p).await {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &child_page(&state, ctx, &user, &client, &id, None, errors).await?,
        ),
        Err(e) => Err(e),
    }
}

async fn remove_pickup(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath((id, pickup_id)): IdPath<(ChildId, PickupId)>,
) -> Result<Response, AppError> {
    pickups::remove_pickup(&state, &user, &client, &id, &pickup_id).await?;
    Ok(Redirect::to(&format!("/children/{id}?ok=saved")).into_response())
}

async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath((id, pickup_id)): IdPath<(ChildId, PickupId)>,
) -> Result<Response, AppError> {
    let (data, _) = pickups::pickup_photo(&state, &user, &id, &pickup_id).await?;
    Ok(super::pickups::photo_response(data))
}
