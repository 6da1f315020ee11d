//! The rules of the organisation tree, shared by the HTML and JSON handlers.

use super::{NewOrg, Org, OrgKind, OrgPatch, UnitType, store};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Scope};
use crate::error::{AppError, FieldError};
use crate::ids::OrgId;

/// Longest organisation name accepted.
pub const MAX_NAME: usize = 100;

/// An organisation the user may see, or 404.
pub async fn visible(state: &AppState, user: &CurrentUser, id: &OrgId) -> Result<Org, AppError> {
    let scope = user.scope(Capability::ViewOrgs).ok_or(AppError::NotFound)?;
    store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// One page of the organisations the user may see (parents first).
pub async fn list_visible(
    state: &AppState,
    user: &CurrentUser,
    offset: i64,
    limit: i64,
) -> Result<Vec<Org>, AppError> {
    let scope = user.require(Capability::ViewOrgs)?;
    Ok(store::list_page(&state.db, &scope, offset, limit).await?)
}

/// The top three levels of what the user may see (their own organisations and two levels below),
/// and whether more lie further down.
pub async fn top_levels(
    state: &AppState,
    user: &CurrentUser,
) -> Result<(Vec<Org>, bool), AppError> {
    let scope = user.require(Capability::ViewOrgs)?;
    let orgs = levels_of(state, &scope).await?;
    let below = crate::dashboard::tallies::org_figures_of_scope(&state.db, &scope).await?;
    let shown_active = orgs.iter().filter(|o| o.active).count() as i64;
    Ok((orgs, below.iter().sum::<i64>() > shown_active))
}

/// The roots of `scope` and two levels below them, level by level down the parent links: what is
/// read is what is shown.
pub async fn levels_of(state: &AppState, scope: &Scope) -> Result<Vec<Org>, AppError> {
    let mut orgs = match scope {
        Scope::All => store::level(&state.db, &[], &[], true).await?,
        Scope::Subtrees(roots) => {
            let ids: Vec<OrgId> = roots.iter().filter_map(|r| OrgId::of_path(r)).collect();
            store::level(&state.db, &ids, &[], false).await?
        }
    };
    let mut last: Vec<Org> = orgs.clone();
    for _ in 0..2 {
        let parents: Vec<OrgId> = last.iter().map(|o| o.id).collect();
        last = store::level(&state.db, &[], &parents, false).await?;
        orgs.extend(last.iter().cloned());
    }
    Ok(orgs)
}

fn clean_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim().to_string();
    if name.is_empty() {
        errors.push(FieldError::new("name", "org.name_required"));
    } else if name.chars().count() > MAX_NAME {
        errors.push(FieldError::new("name", "org.name_too_long"));
    }
    name
}

fn clean_unit_type(
    kind: OrgKind,
    raw: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty());
    match (kind, raw) {
        (OrgKind::Grassroots, None) => {
            errors.push(FieldError::new("unit_type", "org.unit_type_required"));
            None
        }
        (OrgKind::Grassroots, Some(t)) => match UnitType::parse(t) {
            Some(t) => Some(t.as_str().to_string()),
            None => {
                errors.push(FieldError::new("unit_type", "org.unit_type_invalid"));
                None
            }
        },
        _ => None,
    }
}

fn name_taken(e: &sqlx::Error) -> Option<AppError> {
    crate::db::is_unique_violation(e).then(|| AppError::field("name", "org.name_taken"))
}

/// Creates an organisation under a parent in the user's ManageOrgs scope (a top-level one only for
/// a system admin).
pub async fn create(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    input: &NewOrg,
) -> Result<Org, AppError> {
    let scope = user.require(Capability::ManageOrgs)?;
    let mut errors = Vec::new();
    let name = clean_name(&input.name, &mut errors);
    let kind = OrgKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "org.kind_invalid"));
    }
    let parent_id = input
        .parent_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let parent = match parent_id {
        Some(pid) => Some(
            match OrgId::parse(pid) {
                Some(pid) => store::get(&state.db, &scope, &pid).await?,
                None => None,
            }
            .ok_or_else(|| AppError::field("parent_id", "org.parent_not_found"))?,
        ),
        None if scope == Scope::All => None,
        None => return Err(AppError::field("parent_id", "org.parent_required")),
    };
    let unit_type = kind.and_then(|k| clean_unit_type(k, input.unit_type.as_deref(), &mut errors));
    if let (Some(p), Some(k)) = (&parent, kind) {
        if !p.active {
            errors.push(FieldError::new("parent_id", "org.parent_inactive"));
        } else if !p.kind().may_contain(k) {
            errors.push(FieldError::new("kind", "org.kind_not_allowed_here"));
        }
    }
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let id = OrgId::new();
    let now = crate::now();
    let path = match &parent {
        Some(p) => format!("{}{id}/", p.path),
        None => format!("/{id}/"),
    };
    let org = Org {
        id,
        parent_id: parent.map(|p| p.id),
        path,
        name,
        kind,
        unit_type,
        active: true,
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin().await?;
    if let Err(e) = store::insert(&mut tx, &org).await {
        return Err(name_taken(&e).unwrap_or_else(|| e.into()));
    }
    let detail = format!("name={}; kind={}", org.name, org.kind);
    audit::record(
        &mut tx,
        &Entry::by(user, "org.create", "org")
            .target(id)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(org)
}

/// Renames, retypes, moves, deactivates or reactivates an organisation strictly below one of the
/// user's ManageOrgs roots. Every change is audited with its old and new value.
pub async fn update(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    id: &OrgId,
    patch: &OrgPatch,
) -> Result<Org, AppError> {
    let org = visible(state, user, id).await?;
    let scope = user
        .scope(Capability::ManageOrgs)
        .ok_or(AppError::Forbidden)?;
    if !scope.strictly_contains(&org.path) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let mut next = org.clone();
    let mut changes = Vec::new();
    if let Some(name) = &patch.name {
        next.name = clean_name(name, &mut errors);
        if next.name != org.name {
            changes.push(format!("name: {} → {}", org.name, next.name));
        }
    }
    if patch.unit_type.is_some() {
        next.unit_type = clean_unit_type(org.kind(), patch.unit_type.as_deref(), &mut errors);
    }
    if let Some(active) = patch.active.filter(|a| *a != org.active) {
        if !active && store::active_children(&state.db, &org).await? > 0 {
            errors.push(FieldError::new("active", "org.has_active_children"));
        }
        next.active = active;
        changes.push(format!("active: {} → {active}", org.active));
    }
    let new_parent = match patch
        .parent_id
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(pid) if OrgId::parse(pid) != org.parent_id => {
            let p = match OrgId::parse(pid) {
                Some(pid) => store::get(&state.db, &scope, &pid).await?,
                None => None,
            };
            match p {
                None => errors.push(FieldError::new("parent_id", "org.parent_not_found")),
                Some(p) if p.path.starts_with(&org.path) => {
                    errors.push(FieldError::new("parent_id", "org.move_into_itself"))
                }
                Some(p) if !p.kind().may_contain(org.kind()) => {
                    errors.push(FieldError::new("parent_id", "org.kind_not_allowed_here"))
                }
                Some(p) if !p.active => {
                    errors.push(FieldError::new("parent_id", "org.parent_inactive"))
                }
                Some(p) => return finish_move(state, user, client, org, next, p, changes).await,
            }
            None
        }
        _ => None::<Org>,
    };
    debug_assert!(new_parent.is_none());
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    if next.active
        && !org.active
        && let Some(pid) = &org.parent_id
    {
        let parent_active = store::get(&state.db, &Scope::All, pid)
            .await?
            .is_some_and(|p| p.active);
        if !parent_active {
            return Err(AppError::field("active", "org.parent_inactive"));
        }
    }
    next.updated_at = crate::now();
    let mut tx = state.db.begin().await?;
    if let Err(e) = store::update_fields(&mut tx, &next).await {
        return Err(name_taken(&e).unwrap_or_else(|| e.into()));
    }
    let action = match patch.active {
        Some(false) if org.active => "org.deactivate",
        Some(true) if !org.active => "org.activate",
        _ => "org.update",
    };
    let entry = Entry::by(user, action, "org")
        .target(id)
        .detail(changes.join("; "));
    audit::record(&mut tx, &entry, client).await?;
    tx.commit().await?;
    Ok(next)
}

/// Moves `org` (with the other changes in `next`) under `parent`, in one transaction.
async fn finish_move(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    org: Org,
    mut next: Org,
    parent: Org,
    mut changes: Vec<String>,
) -> Result<Org, AppError> {
    let now = crate::now();
    let new_path = format!("{}{}/", parent.path, org.id);
    next.updated_at = now;
    let mut tx = state.db.begin().await?;
    store::move_subtree(&mut tx, &org, &parent.id, &new_path, now).await?;
    if let Err(e) = store::update_fields(&mut tx, &next).await {
        return Err(name_taken(&e).unwrap_or_else(|| e.into()));
    }
    changes.push(format!(
        "parent: {} → {}",
        org.parent_id.map_or("-".to_string(), |p| p.to_string()),
        parent.id
    ));
    let entry = Entry::by(user, "org.move", "org")
        .target(org.id)
        .detail(changes.join("; "));
    audit::record(&mut tx, &entry, client).await?;
    tx.commit().await?;
    next.parent_id = Some(parent.id);
    next.path = new_path;
    Ok(next)
}
