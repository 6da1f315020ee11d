//! HTML pages of the organisation tree: the tree, a unit's page with its forms.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get};
use serde::Deserialize;

use super::{NewOrg, Org, OrgKind, OrgPatch, UnitType, service, store};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser, Scope};
use crate::error::{AppError, FieldError, Query};
use crate::ids::{IdPath, OrgId};
use crate::users::routes::OrgChoices;
use crate::web::{Ctx, field_error, render, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(tree).post(create))
        .route("/orgs/{id}", get(show).post(update))
}

/// A row of the tree, indented by depth.
pub struct TreeRow {
    pub id: OrgId,
    pub name: String,
    pub kind: String,
    pub unit_type: String,
    pub active: bool,
    pub depth: usize,
}

#[derive(Template)]
#[template(path = "orgs/tree.html")]
struct TreePage {
    ctx: Ctx,
    rows: Vec<TreeRow>,
    /// Organisations lie below the levels shown.
    more: bool,
}

fn label(ctx: &Ctx, o: &Org) -> (String, String) {
    let kind = ctx.t(&format!("org_kind.{}", o.kind));
    let ty = o
        .unit_type
        .as_deref()
        .map(|t| ctx.t(&format!("unit_type.{t}")))
        .unwrap_or_default();
    (kind, ty)
}

/// Orders a path-sorted list depth-first with siblings by name, indented from the shallowest.
fn tree_rows(ctx: &Ctx, orgs: &[Org]) -> Vec<TreeRow> {
    let mut sorted: Vec<&Org> = orgs.iter().collect();
    // Sort key: the chain of (name, id) from the top, so siblings sort by name under their parent.
    let by_id: std::collections::HashMap<String, &Org> =
        orgs.iter().map(|o| (o.id.to_string(), o)).collect();
    let key = |o: &Org| -> Vec<(String, String)> {
        o.path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|id| {
                (
                    by_id.get(id).map(|x| x.name.clone()).unwrap_or_default(),
                    id.to_string(),
                )
            })
            .collect()
    };
    sorted.sort_by_cached_key(|o| key(o));
    let min = sorted.iter().map(|o| o.depth()).min().unwrap_or(0);
    // A few kinds and unit types label hundreds of rows: translate each once.
    let mut labels: std::collections::HashMap<(&str, Option<&str>), (String, String)> =
        std::collections::HashMap::new();
    sorted
        .into_iter()
        .map(|o| {
            let (kind, unit_type) = labels
                .entry((o.kind.as_str(), o.unit_type.as_deref()))
                .or_insert_with(|| label(ctx, o))
                .clone();
            TreeRow {
                id: o.id,
                name: o.name.clone(),
                kind,
                unit_type,
                active: o.active,
                depth: (o.depth() - min).min(7),
            }
        })
        .collect()
}

async fn tree(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let (orgs, more) = service::top_levels(&state, &user).await?;
    render(&TreePage {
        rows: tree_rows(&ctx, &orgs),
        more,
        ctx,
    })
}

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct OrgPage {
    ctx: Ctx,
    org: Org,
    kind: String,
    unit_type: String,
    parent: Option<Org>,
    children: Vec<TreeRow>,
    can_manage: bool,
    can_add_child: bool,
    /// Where the unit may move to (`orgs`: the name the search partial reads).
    orgs: OrgChoices,
    child_kinds: Vec<(String, String)>,
    unit_types: Vec<(String, String)>,
    errors: Vec<FieldError>,
}

impl OrgPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }

    /// The move form preselects the present parent.
    fn is_parent(&self, id: &OrgId) -> bool {
        self.org.parent_id.as_ref() == Some(id)
    }
}

/// Most places a unit's move select offers; beyond, a search by name narrows them.
const MOVE_CHOICES: i64 = 200;

/// `?org_q=`: narrows where a unit may move in a large scope.
#[derive(Debug, Default, Deserialize)]
struct MoveSearch {
    #[serde(default)]
    org_q: String,
}

async fn org_page(
    state: &AppState,
    ctx: Ctx,
    user: &CurrentUser,
    (id, search): (&OrgId, &str),
    errors: Vec<FieldError>,
) -> Result<OrgPage, AppError> {
    let org = service::visible(state, user, id).await?;
    let view = user
        .scope(Capability::ViewOrgs)
        .unwrap_or(Scope::Subtrees(vec![]));
    let parent = match &org.parent_id {
        Some(pid) => store::get(&state.db, &view, pid).await?,
        None => None,
    };
    let children = store::children(&state.db, &org).await?;
    let manage = user.scope(Capability::ManageOrgs);
    let can_manage = manage
        .as_ref()
        .is_some_and(|s| s.strictly_contains(&org.path));
    let can_add_child = manage.as_ref().is_some_and(|s| s.contains(&org.path)) && org.active;
    let move_targets = match (&manage, can_manage) {
        (Some(scope), true) => {
            // Only organisations that may hold it, read as such: not the whole subtree.
            let kinds: Vec<&str> = OrgKind::ALL
                .into_iter()
                .filter(|k| k.may_contain(org.kind()))
                .map(OrgKind::as_str)
                .collect();
            let mut read = store::move_targets(
                &state.db,
                scope,
                &kinds,
                &org.path,
                search.trim(),
                MOVE_CHOICES + 1,
            )
            .await?;
            let narrowed = read.len() as i64 > MOVE_CHOICES;
            read.truncate(MOVE_CHOICES as usize);
            // The present parent stays offered, so the form shows where the unit is now.
            if let Some(p) = &parent
                && !read.iter().any(|o| o.id == p.id)
            {
                read.insert(0, p.clone());
            }
            OrgChoices {
                orgs: read.into_iter().map(|p| (p.id, p.name)).collect(),
                narrowed,
                search: search.trim().to_string(),
                action: format!("/orgs/{}", org.id),
            }
        }
        _ => OrgChoices {
            orgs: Vec::new(),
            narrowed: false,
            search: String::new(),
            action: String::new(),
        },
    };
    let child_kinds = OrgKind::ALL
        .into_iter()
        .filter(|k| org.kind().may_contain(*k))
        .map(|k| {
            (
                k.as_str().to_string(),
                ctx.t(&format!("org_kind.{}", k.as_str())),
            )
        })
        .collect();
    let unit_types = UnitType::ALL
        .into_iter()
        .map(|t| {
            (
                t.as_str().to_string(),
                ctx.t(&format!("unit_type.{}", t.as_str())),
            )
        })
        .collect();
    let (kind, unit_type) = label(&ctx, &org);
    let children = tree_rows(&ctx, &children);
    Ok(OrgPage {
        ctx,
        org,
        kind,
        unit_type,
        parent,
        children,
        can_manage,
        can_add_child,
        orgs: move_targets,
        child_kinds,
        unit_types,
        errors,
    })
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    IdPath(id): IdPath<OrgId>,
    Query(q): Query<MoveSearch>,
) -> Result<Response, AppError> {
    render(&org_page(&state, ctx, &user, (&id, &q.org_q), Vec::new()).await?)
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    Form(input): Form<NewOrg>,
) -> Result<Response, AppError> {
    match service::create(&state, &user, &client, &input).await {
        Ok(org) => Ok(Redirect::to(&format!("/orgs/{}?ok=created", org.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            // The form was sent from the parent's page: show it again there with the messages.
            let parent = input
                .parent_id
                .as_deref()
                .and_then(OrgId::parse)
                .ok_or(AppError::Validation(errors.clone()))?;
            let page = org_page(&state, ctx, &user, (&parent, ""), errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}

/// The unit page's forms: `action` = rename | move | deactivate | activate.
#[derive(Debug, Deserialize)]
struct UpdateForm {
    action: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    unit_type: Option<String>,
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<OrgId>,
    Form(form): Form<UpdateForm>,
) -> Result<Response, AppError> {
    let patch = match form.action.as_str() {
        "rename" => OrgPatch {
            name: form.name,
            unit_type: form.unit_type,
            ..Default::default()
        },
        "move" => OrgPatch {
            parent_id: form.parent_id,
            ..Default::default()
        },
        "deactivate" => OrgPatch {
            active: Some(false),
            ..Default::default()
        },
        "activate" => OrgPatch {
            active: Some(true),
            ..Default::default()
        },
        _ => return Err(AppError::field("action", "error.bad_request")),
    };
    match service::update(&state, &user, &client, &id, &patch).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{id}?ok=saved")).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = org_page(&state, ctx, &user, (&id, ""), errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}
