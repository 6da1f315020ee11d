//! HTML pages of parents and of a child's record: registration, my children, adding and
//! correcting a child, the child's page (pickup persons, reveal, export, delete), applying, and
//! an application's page (agreement, insurance, decisions), and the privacy notice.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use serde::Deserialize;
use tuoguan_domain::enrolment::{Grade, Priority};

use super::applications::{self, ApplicationView, Insurance};
use super::children::{self, ChildInput, ChildView, ParentSignup, PickupInput};
use super::store::{self, OpenClass};
use super::{AGREEMENT_VERSION, Access, Decision, NOTICE_VERSION, PAYERS, Status};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::auth::middleware::{SESSION_COOKIE, cookie};
use crate::auth::service::SessionKind;
use crate::error::{AppError, FieldError};
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
            post(add_pickup).layer(DefaultBodyLimit::max(3 << 20)),
        )
        .route(
            "/children/{id}/pickups/{pickup_id}/remove",
            post(remove_pickup),
        )
        .route("/children/{id}/pickups/{pickup_id}/photo", get(photo))
        .route("/applications", post(apply))
        .route("/applications/{id}", get(show_application))
        .route("/applications/{id}/agreement", post(sign))
        .route("/applications/{id}/insurance", post(insure))
        .route("/applications/{id}/decision", post(decide))
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
    match children::register(&state, &client, &input).await {
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
    id: String,
    name: String,
    grade: String,
    applications: Vec<ApplicationView>,
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
    let mut cards = Vec::new();
    for c in children::mine(&state, &user).await? {
        let apps = store::applications_of_child(&state.db, &c.id).await?;
        cards.push(ChildCard {
            id: c.id,
            name: c.name,
            grade: c.grade,
            applications: apps.iter().map(ApplicationView::new).collect(),
        });
    }
    let today = crate::calendar::today().to_string();
    let open = store::open_classes(&state.db, &today).await?;
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
    child_id: Option<String>,
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
    id: &str,
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
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&child_page(&state, ctx, &user, &client, &id, None, Vec::new()).await?)
}

async fn edit_child(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
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
    Path(id): Path<String>,
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
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    children::delete(&state, &user, &client, &id).await?;
    Ok(Redirect::to("/children?ok=deleted").into_response())
}

async fn reveal(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let full = children::reveal(&state, &user, &client, &id).await?;
    render(&child_page(&state, ctx, &user, &client, &id, full, Vec::new()).await?)
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
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
    Path(id): Path<String>,
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
                let kind = field.content_type().unwrap_or("").to_string();
                let data = field.bytes().await.map_err(bad)?.to_vec();
                if !data.is_empty() {
                    photo = Some((data, kind));
                }
            }
            _ => {}
        }
    }
    let p = photo.as_ref().map(|(d, k)| (d.as_slice(), k.as_str()));
    match children::add_pickup(&state, &user, &client, &id, &input, p).await {
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
    Path((id, pickup_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    children::remove_pickup(&state, &user, &client, &id, &pickup_id).await?;
    Ok(Redirect::to(&format!("/children/{id}?ok=saved")).into_response())
}

async fn photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, pickup_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (data, kind) = children::pickup_photo(&state, &user, &id, &pickup_id).await?;
    Ok(super::api::photo_response(data, &kind))
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
    let a = applications::apply(&state, &user, &client, &f.child_id, &f.class_id).await?;
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
    fn signed_current(&self) -> bool {
        self.a.agreement_version.as_deref() == Some(self.version)
    }
}

async fn application_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &str,
    errors: Vec<FieldError>,
) -> Result<ApplicationPage, AppError> {
    let (a, access) = applications::visible(state, user, id).await?;
    let manages = applications::manages(state, user, &a.class_id).await?;
    let missing = {
        let mut tx = state.db.begin().await?;
        let m = applications::missing(&mut tx, &a).await?;
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
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render(&application_page(&state, ctx, &user, &id, Vec::new()).await?)
}

async fn back(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    id: &str,
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
    Path(id): Path<String>,
    Form(f): Form<SignForm>,
) -> Result<Response, AppError> {
    let r = applications::sign_agreement(&state, &user, &client, &id, &f.version)
        .await
        .map(|_| ());
    back(&state, ctx, &user, &id, r).await
}

async fn insure(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    Path(id): Path<String>,
    Form(f): Form<Insurance>,
) -> Result<Response, AppError> {
    let r = applications::record_insurance(&state, &user, &client, &id, &f)
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
    Path(id): Path<String>,
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
