//! HTML pages of user management: the list, a new-user form, a user's page with its forms.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get};
use serde::Deserialize;

use super::{NewGrant, NewUser, RoleRow, User, UserPatch, service};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{CurrentUser, Role};
use crate::error::{AppError, FieldError, Query};
use crate::ids::{GrantId, IdPath, OrgId, UserId, from_form};
use crate::web::confirm::{ConfirmPage, confirmed};
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/new", get(new_form))
        .route("/users/{id}", get(show).post(update))
}

/// A user with their roles, labelled for display.
pub struct UserRow {
    pub user: User,
    pub roles: Vec<(GrantId, String, String)>,
}

fn rows(ctx: &Ctx, users: Vec<User>, roles: &[RoleRow]) -> Vec<UserRow> {
    users
        .into_iter()
        .map(|u| {
            let r = roles
                .iter()
                .filter(|r| r.user_id == u.id)
                .map(|r| {
                    let label = r
                        .role()
                        .map(|x| ctx.role(&x))
                        .unwrap_or_else(|| r.role.clone());
                    (r.id, label, r.org_name.clone().unwrap_or_default())
                })
                .collect();
            UserRow { user: u, roles: r }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<UserRow>,
    pager: crate::web::paging::Pager,
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Query(q): Query<crate::web::paging::PageQuery>,
) -> Result<Response, AppError> {
    let mut pager = crate::web::paging::Pager::asked(q.page, "/users");
    let (users, roles) = service::list(&state, &me, pager.offset(), pager.limit()).await?;
    let users = pager.take(users);
    render(&ListPage {
        rows: rows(&ctx, users, &roles),
        ctx,
        pager,
    })
}

#[derive(Template)]
#[template(path = "users/new.html")]
struct NewPage {
    ctx: Ctx,
    orgs: OrgChoices,
    roles: Vec<(String, String)>,
    form: NewUserForm,
    errors: Vec<FieldError>,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }
}

/// The organisations a select offers, and the search that narrows them in a large scope.
pub struct OrgChoices {
    pub orgs: Vec<(OrgId, String)>,
    /// Not every organisation in scope is offered: the page shows the search.
    pub narrowed: bool,
    pub search: String,
    /// Where the search form goes (the page itself).
    pub action: String,
}

/// `?org_q=`: narrows the organisation selects of a large scope.
#[derive(Debug, Default, Deserialize)]
struct OrgSearch {
    #[serde(default)]
    org_q: String,
}

/// Selects of organisations and roles the caller may assign.
async fn choices(
    state: &AppState,
    ctx: &Ctx,
    me: &CurrentUser,
    search: &str,
    keep: &[OrgId],
    action: String,
) -> Result<(OrgChoices, Vec<(String, String)>), AppError> {
    let (orgs, narrowed) = service::assignable_orgs(state, me, search, keep).await?;
    let orgs = OrgChoices {
        orgs: orgs.into_iter().map(|o| (o.id, o.name)).collect(),
        narrowed,
        search: search.trim().to_string(),
        action,
    };
    let roles = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::SystemAdmin || me.is_system_admin())
        .map(|r| (r.as_str().to_string(), ctx.role(&r)))
        .collect();
    Ok((orgs, roles))
}

/// The new-user form: one role to start with; more are added on the user's page.
#[derive(Debug, Clone, Default, Deserialize)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    org_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    role_org_id: String,
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Query(q): Query<OrgSearch>,
) -> Result<Response, AppError> {
    let (orgs, roles) = choices(&state, &ctx, &me, &q.org_q, &[], "/users/new".into()).await?;
    render(&NewPage {
        ctx,
        orgs,
        roles,
        form: NewUserForm::default(),
        errors: Vec::new(),
    })
}

/// The new user a form asks for: its organisations are text (a select may send nothing).
fn new_user(form: &NewUserForm) -> Result<NewUser, AppError> {
    let home: Option<OrgId> = from_form(&form.org_id, "org_id", "user.org_not_found")?;
    let role_org: Option<OrgId> =
        from_form(&form.role_org_id, "role_org_id", "user.org_not_found")?;
    Ok(NewUser {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        org_id: home,
        roles: (!form.role.is_empty())
            .then(|| NewGrant {
                role: form.role.clone(),
                org_id: role_org.or(home).filter(|_| form.role != "system_admin"),
            })
            .into_iter()
            .collect(),
    })
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    client: Client,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let input = new_user(&form);
    let created = match &input {
        Ok(input) => service::create(&state, &me, &client, input).await,
        Err(AppError::Validation(errors)) => Err(AppError::Validation(errors.clone())),
        Err(_) => Err(AppError::BadRequest(crate::i18n::Msg::new(
            "error.bad_request",
        ))),
    };
    match created {
        Ok(u) => Ok(Redirect::to(&format!("/users/{}?ok=created", u.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            let keep: Vec<OrgId> = [&form.org_id, &form.role_org_id]
                .into_iter()
                .filter_map(|s| OrgId::parse(s.trim()))
                .collect();
            let (orgs, roles) = choices(&state, &ctx, &me, "", &keep, "/users/new".into()).await?;
            let form = NewUserForm {
                password: String::new(),
                ..form
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &NewPage {
                    ctx,
                    orgs,
                    roles,
                    form,
                    errors,
                },
            )
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "users/show.html")]
struct ShowPage {
    ctx: Ctx,
    row: UserRow,
    orgs: OrgChoices,
    roles: Vec<(String, String)>,
    is_self: bool,
    errors: Vec<FieldError>,
}

impl ShowPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }

    fn deactivate_consequence(&self) -> String {
        deactivate_consequence(self.ctx.lang, &self.row.user)
    }
}

/// What deactivating `u` means: signed out everywhere at once, no more sign-in.
fn deactivate_consequence(lang: crate::i18n::Lang, u: &User) -> String {
    lang.tf(
        "confirm.deactivate",
        &[
            ("name", u.display_name.clone()),
            ("username", u.username.clone()),
        ],
    )
}

async fn show_page(
    state: &AppState,
    ctx: Ctx,
    me: &CurrentUser,
    id: &UserId,
    search: &str,
    errors: Vec<FieldError>,
) -> Result<ShowPage, AppError> {
    let (user, grants) = service::visible(state, me, id).await?;
    let (orgs, roles) = choices(state, &ctx, me, search, &[], format!("/users/{id}")).await?;
    let is_self = user.id == me.id;
    let row = rows(&ctx, vec![user], &grants)
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(ShowPage {
        ctx,
        row,
        orgs,
        roles,
        is_self,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    IdPath(id): IdPath<UserId>,
    Query(q): Query<OrgSearch>,
) -> Result<Response, AppError> {
    render(&show_page(&state, ctx, &me, &id, &q.org_q, Vec::new()).await?)
}

/// The user page's forms: `action` = rename | password | deactivate | activate | add_role | remove_role.
#[derive(Debug, Deserialize)]
struct UpdateForm {
    action: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    role_org_id: Option<String>,
    #[serde(default)]
    grant_id: Option<String>,
    /// `1` once the admin confirmed a deactivation.
    #[serde(default)]
    confirm: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    client: Client,
    IdPath(id): IdPath<UserId>,
    Form(f): Form<UpdateForm>,
) -> Result<Response, AppError> {
    let (state, me, client) = (&state, &me, &client);
    if f.action == "deactivate" && !confirmed(&f.confirm) {
        let (u, _) = service::visible(state, me, &id).await?;
        if u.active {
            return ConfirmPage {
                title: ctx.t("users.deactivate"),
                consequence: deactivate_consequence(ctx.lang, &u),
                action: format!("/users/{id}"),
                fields: vec![("action".into(), "deactivate".into())],
                confirm_label: ctx.t("users.deactivate"),
                back: format!("/users/{id}"),
                ctx,
            }
            .render();
        }
    }
    let result = match f.action.as_str() {
        "rename" => {
            let patch = UserPatch {
                display_name: f.display_name,
                ..Default::default()
            };
            service::update(state, me, client, &id, &patch)
                .await
                .map(|_| "saved")
        }
        "deactivate" | "activate" => {
            let patch = UserPatch {
                active: Some(f.action == "activate"),
                ..Default::default()
            };
            service::update(state, me, client, &id, &patch)
                .await
                .map(|_| "saved")
        }
        "password" => {
            service::reset_password(state, me, client, &id, f.password.as_deref().unwrap_or(""))
                .await
                .map(|_| "password_reset")
        }
        "add_role" => {
            match from_form(
                f.role_org_id.as_deref().unwrap_or(""),
                "role_org_id",
                "user.org_not_found",
            ) {
                Ok(org_id) => {
                    let grant = NewGrant {
                        role: f.role.unwrap_or_default(),
                        org_id,
                    };
                    service::add_role(state, me, client, &id, &grant)
                        .await
                        .map(|_| "saved")
                }
                Err(e) => Err(e),
            }
        }
        "remove_role" => match f.grant_id.as_deref().and_then(GrantId::parse) {
            Some(grant) => service::remove_role(state, me, client, &id, &grant)
                .await
                .map(|_| "saved"),
            None => Err(AppError::NotFound),
        },
        _ => Err(AppError::field("action", "error.bad_request")),
    };
    match result {
        Ok(flash) => Ok(Redirect::to(&format!("/users/{id}?ok={flash}")).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = show_page(state, ctx, me, &id, "", errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}
