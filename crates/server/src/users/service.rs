//! The rules of user management, shared by the HTML and JSON handlers.
//!
//! A manager reaches a user through the user's home organisation, and may change them only when
//! every role the user holds lies inside the manager's own scope: a district admin cannot reset the
//! password of someone who is also a city admin.

use tuoguan_domain::check_password;

use super::{NewGrant, NewUser, RoleRow, User, UserPatch, store};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser, Role, RoleBinding, Scope};
use crate::error::{AppError, FieldError};
use crate::ids::{GrantId, OrgId, UserId};
use crate::orgs::{self, Org};

/// A user the caller may manage, with their grants; 404 when out of scope.
pub async fn visible(
    state: &AppState,
    me: &CurrentUser,
    id: &UserId,
) -> Result<(User, Vec<RoleRow>), AppError> {
    let scope = me
        .scope(Capability::ManageUsers)
        .ok_or(AppError::NotFound)?;
    let user = store::get(&state.db, &scope, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let roles = store::roles_of(&state.db, &user).await?;
    Ok((user, roles))
}

/// Users in scope and all their grants (two queries, whatever the number of users).
pub async fn list(
    state: &AppState,
    me: &CurrentUser,
    offset: i64,
    limit: i64,
) -> Result<(Vec<User>, Vec<RoleRow>), AppError> {
    let scope = me.require(Capability::ManageUsers)?;
    let users = store::list(&state.db, &scope, offset, limit).await?;
    let roles = store::roles_of_users(&state.db, &users).await?;
    Ok((users, roles))
}

/// True when every grant of the target lies in `scope` (a platform grant needs a platform scope).
fn manages_all(scope: &Scope, roles: &[RoleRow]) -> bool {
    roles.iter().all(|r| match &r.org_path {
        Some(p) => scope.contains(p),
        None => *scope == Scope::All,
    })
}

/// The user, if the caller may change them; 403 when visible but holding a role beyond the caller.
async fn manageable(
    state: &AppState,
    me: &CurrentUser,
    id: &UserId,
) -> Result<(User, Vec<RoleRow>, Scope), AppError> {
    let (user, roles) = visible(state, me, id).await?;
    let scope = me.require(Capability::ManageUsers)?;
    if !manages_all(&scope, &roles) {
        return Err(AppError::Forbidden);
    }
    Ok((user, roles, scope))
}

fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '@'))
}

fn check_display_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim().to_string();
    if name.is_empty() || name.chars().count() > 50 {
        errors.push(FieldError::new("display_name", "user.display_name_invalid"));
    }
    name
}

fn password_error(field: &'static str, e: tuoguan_domain::PasswordError) -> FieldError {
    FieldError::new(field, e.code())
}

/// An organisation in scope for a grant or a home, or a field error.
async fn org_in_scope(
    state: &AppState,
    scope: &Scope,
    id: &OrgId,
    field: &'static str,
) -> Result<Org, AppError> {
    match orgs::get(&state.db, scope, id).await? {
        Some(o) if o.active => Ok(o),
        Some(_) => Err(AppError::field(field, "org.parent_inactive")),
        None => Err(AppError::field(field, "user.org_not_found")),
    }
}

/// Checks a grant against the caller's scope and the role's binding; returns (role, org id).
async fn check_grant(
    state: &AppState,
    scope: &Scope,
    g: &NewGrant,
) -> Result<(Role, Option<OrgId>), AppError> {
    let role =
        Role::parse(g.role.trim()).ok_or_else(|| AppError::field("role", "user.role_invalid"))?;
    match (role.binding(), g.org_id.as_ref()) {
        (RoleBinding::Platform, None) if *scope == Scope::All => Ok((role, None)),
        (RoleBinding::Platform, _) => Err(AppError::field("role", "user.role_platform_only")),
        (RoleBinding::OptionalOrg, None) => Ok((role, None)),
        (_, None) => Err(AppError::field("role_org_id", "user.role_org_required")),
        (binding, Some(id)) => {
            let org = org_in_scope(state, scope, id, "role_org_id").await?;
            let fits = match binding {
                RoleBinding::Federation => org.kind().is_federation(),
                RoleBinding::Grassroots => !org.kind().is_federation(),
                _ => true,
            };
            if !fits {
                let key = if binding == RoleBinding::Federation {
                    "user.role_needs_federation"
                } else {
                    "user.role_needs_grassroots"
                };
                return Err(AppError::field("role_org_id", key));
            }
            Ok((role, Some(org.id)))
        }
    }
}

pub async fn create(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    input: &NewUser,
) -> Result<User, AppError> {
    let scope = me.require(Capability::ManageUsers)?;
    let mut errors = Vec::new();
    let username = input.username.trim().to_string();
    if !valid_username(&username) {
        errors.push(FieldError::new("username", "user.username_invalid"));
    }
    let display_name = check_display_name(&input.display_name, &mut errors);
    if let Err(e) = check_password(&input.password, &username) {
        errors.push(password_error("password", e));
    }
    let home = match &input.org_id {
        Some(id) => match org_in_scope(state, &scope, id, "org_id").await {
            Ok(o) => Some(o),
            Err(AppError::Validation(mut f)) => {
                errors.append(&mut f);
                None
            }
            Err(e) => return Err(e),
        },
        None if scope == Scope::All => None,
        None => {
            errors.push(FieldError::new("org_id", "user.org_required"));
            None
        }
    };
    let mut grants = Vec::new();
    for g in &input.roles {
        match check_grant(state, &scope, g).await {
            Ok(x) => grants.push(x),
            Err(AppError::Validation(mut f)) => errors.append(&mut f),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = state.hasher.hash(&input.password).await?;
    let id = UserId::new();
    let now = crate::now();
    let row = store::NewUserRow {
        id: &id,
        username: &username,
        display_name: &display_name,
        password_hash: &hash,
        org_id: home.as_ref().map(|o| &o.id),
        now,
    };
    let mut tx = state.db.begin().await?;
    if let Err(e) = store::insert(&mut tx, &row).await {
        if crate::db::is_unique_violation(&e) {
            return Err(AppError::field("username", "user.username_taken"));
        }
        return Err(e.into());
    }
    let mut detail = format!("username={username}");
    grants.sort();
    grants.dedup();
    for (role, org) in &grants {
        store::insert_role(
            &mut tx,
            &GrantId::new(),
            &id,
            role.as_str(),
            org.as_ref(),
            now,
        )
        .await?;
        detail.push_str(&format!(
            "; role={}@{}",
            role.as_str(),
            org.map_or("platform".to_string(), |o| o.to_string())
        ));
    }
    audit::record(
        &mut tx,
        &Entry::by(me, "user.create", "user")
            .target(id)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    let scope_all = Scope::All;
    store::get(&state.db, &scope_all, &id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn update(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    id: &UserId,
    patch: &UserPatch,
) -> Result<User, AppError> {
    let (user, _, scope) = manageable(state, me, id).await?;
    let mut errors = Vec::new();
    let mut next = user.clone();
    let mut changes = Vec::new();
    if let Some(name) = &patch.display_name {
        next.display_name = check_display_name(name, &mut errors);
        if next.display_name != user.display_name {
            changes.push(format!(
                "display_name: {} → {}",
                user.display_name, next.display_name
            ));
        }
    }
    if let Some(org_id) = patch.org_id.as_ref().filter(|o| Some(**o) != user.org_id) {
        let org = org_in_scope(state, &scope, org_id, "org_id").await?;
        changes.push(format!(
            "org: {} → {}",
            user.org_id.map_or("-".to_string(), |o| o.to_string()),
            org.id
        ));
        next.org_id = Some(org.id);
    }
    if let Some(active) = patch.active.filter(|a| *a != user.active) {
        if !active && user.id == me.id {
            errors.push(FieldError::new("active", "user.cannot_deactivate_self"));
        }
        next.active = active;
        changes.push(format!("active: {} → {active}", user.active));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    next.updated_at = crate::now();
    let mut tx = state.db.begin().await?;
    store::update(&mut tx, &next).await?;
    if !next.active {
        crate::auth::delete_user_sessions(&mut tx, &user.id).await?;
    }
    let action = match patch.active {
        Some(false) if user.active => "user.deactivate",
        Some(true) if !user.active => "user.activate",
        _ => "user.update",
    };
    audit::record(
        &mut tx,
        &Entry::by(me, action, "user")
            .target(id)
            .detail(changes.join("; ")),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// Sets a new password; every session and token of the user ends.
pub async fn reset_password(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    id: &UserId,
    password: &str,
) -> Result<(), AppError> {
    let (user, _, _) = manageable(state, me, id).await?;
    check_password(password, &user.username)
        .map_err(|e| AppError::Validation(vec![password_error("password", e)]))?;
    let hash = state.hasher.hash(password).await?;
    let mut tx = state.db.begin().await?;
    store::set_password(&mut tx, &user.id, &hash, crate::now()).await?;
    crate::auth::delete_user_sessions(&mut tx, &user.id).await?;
    audit::record(
        &mut tx,
        &Entry::by(me, "user.password_reset", "user").target(id),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_role(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    id: &UserId,
    g: &NewGrant,
) -> Result<GrantId, AppError> {
    let (user, _, scope) = manageable(state, me, id).await?;
    let (role, org) = check_grant(state, &scope, g).await?;
    let grant_id = GrantId::new();
    let mut tx = state.db.begin().await?;
    if let Err(e) = store::insert_role(
        &mut tx,
        &grant_id,
        &user.id,
        role.as_str(),
        org.as_ref(),
        crate::now(),
    )
    .await
    {
        if crate::db::is_unique_violation(&e) {
            return Err(AppError::field("role", "user.role_duplicate"));
        }
        return Err(e.into());
    }
    let detail = format!(
        "role={}@{}",
        role.as_str(),
        org.map_or("platform".to_string(), |o| o.to_string())
    );
    audit::record(
        &mut tx,
        &Entry::by(me, "user.role_add", "user")
            .target(id)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(grant_id)
}

pub async fn remove_role(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    id: &UserId,
    grant_id: &GrantId,
) -> Result<(), AppError> {
    let (user, roles, _) = manageable(state, me, id).await?;
    let grant = roles
        .iter()
        .find(|r| r.id == *grant_id)
        .ok_or(AppError::NotFound)?;
    let mut tx = state.db.begin().await?;
    store::delete_role(&mut tx, &user.id, grant_id).await?;
    let detail = format!(
        "role={}@{}",
        grant.role,
        grant
            .org_id
            .map_or("platform".to_string(), |o| o.to_string())
    );
    audit::record(
        &mut tx,
        &Entry::by(me, "user.role_remove", "user")
            .target(id)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A select lists every organisation in scope up to this many; beyond, it lists a search's hits.
pub const PICK_ALL: i64 = 1_000;

/// Organisations the caller may bind users and roles to (for form selects), and whether the list
/// is narrowed: all of them while there are at most [`PICK_ALL`]; else those whose name contains
/// `search`, or without one the top three levels. `keep` (a choice already made) stays in.
pub async fn assignable_orgs(
    state: &AppState,
    me: &CurrentUser,
    search: &str,
    keep: &[OrgId],
) -> Result<(Vec<Org>, bool), AppError> {
    let scope = me.require(Capability::ManageUsers)?;
    let total: i64 = crate::dashboard::tallies::org_figures_of_scope(&state.db, &scope)
        .await?
        .iter()
        .sum();
    let search = search.trim();
    let (mut orgs, narrowed) = if !search.is_empty() {
        (orgs::search(&state.db, &scope, search, 200).await?, true)
    } else if total <= PICK_ALL {
        (orgs::list(&state.db, &scope).await?, false)
    } else {
        (crate::orgs::service::levels_of(state, &scope).await?, true)
    };
    orgs.retain(|o| o.active);
    for id in keep {
        if !orgs.iter().any(|o| o.id == *id)
            && let Some(o) = orgs::get(&state.db, &scope, id).await?
            && o.active
        {
            orgs.push(o);
        }
    }
    Ok((orgs, narrowed))
}
