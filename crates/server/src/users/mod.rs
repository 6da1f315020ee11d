//! 用户 — people who sign in, and the roles they hold on organisations.

pub mod api;
pub mod routes;
pub mod service;
mod store;

/// Users are read through [`service`] (scoped); these are the writes a parent's own registration
/// makes inside the enrolment domain's transaction.
pub use store::{NewUserRow, insert, insert_role, list};

use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::ids::{GrantId, OrgId, UserId};

/// A user as listed (with the home organisation's name and path for scoping).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub org_path: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A role grant as stored, with its organisation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoleRow {
    pub id: GrantId,
    pub user_id: UserId,
    pub role: String,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub org_path: Option<String>,
}

impl RoleRow {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

/// A role grant in JSON.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct GrantView {
    pub id: GrantId,
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
}

/// 用户 JSON view. Never carries the password hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    /// Home organisation (where the account is managed).
    pub org_id: Option<OrgId>,
    pub org_name: Option<String>,
    pub active: bool,
    pub roles: Vec<GrantView>,
    pub created_at: String,
    pub updated_at: String,
}

impl UserView {
    pub fn new(u: &User, roles: &[RoleRow]) -> UserView {
        UserView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            org_id: u.org_id,
            org_name: u.org_name.clone(),
            active: u.active,
            roles: roles
                .iter()
                .filter(|r| r.user_id == u.id)
                .filter_map(|r| {
                    Some(GrantView {
                        id: r.id,
                        role: r.role()?,
                        org_id: r.org_id,
                        org_name: r.org_name.clone(),
                    })
                })
                .collect(),
            created_at: crate::web::pages::rfc3339(u.created_at),
            updated_at: crate::web::pages::rfc3339(u.updated_at),
        }
    }
}

/// A role to grant: the role and the organisation it is bound to (none only for system_admin).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewGrant {
    #[schema(value_type = crate::auth::Role)]
    pub role: String,
    #[serde(default)]
    pub org_id: Option<OrgId>,
}

/// Input of a new user.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewUser {
    /// 3–32 letters, digits, `_ . - @`.
    pub username: String,
    pub display_name: String,
    pub password: String,
    /// Home organisation; required unless the caller is a system admin.
    #[serde(default)]
    pub org_id: Option<OrgId>,
    #[serde(default)]
    pub roles: Vec<NewGrant>,
}

/// A change to a user; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UserPatch {
    #[serde(default)]
    pub display_name: Option<String>,
    /// false deactivates: every session and token of the user stops working at once.
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub org_id: Option<OrgId>,
}

/// A new password set by an administrator.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    pub password: String,
}
