//! Who is asking and what they may see: roles bound to organisations, the scope a capability gives,
//! sign-in, sessions and bearer tokens.

pub mod api;
pub mod middleware;
pub mod password;
pub mod routes;
pub mod service;
mod store;
pub mod throttle;

/// The sessions job of `serve` (expired sessions and tokens) and the session ends that user
/// changes cause: writes, no tenant reads.
pub use store::{delete_user_sessions, purge_expired};
pub mod visible;

pub use visible::{Owned, Visible};

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::ids::{GrantId, OrgId, UserId};

/// A role of PRODUCT.md §1. Each grant binds a role to an organisation (none for a system admin).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员
    SystemAdmin,
    /// 联合会管理员
    FederationAdmin,
    /// 联合会查看
    FederationViewer,
    /// 督导员
    Inspector,
    /// 基层管理员
    GrassrootsAdmin,
    /// 班级负责人
    ClassManager,
    /// 班级工作人员
    ClassStaff,
    /// 家长
    Parent,
    /// 课程提供方
    CourseProvider,
    /// 学生 (勤工助学)
    Student,
    /// 评审专家
    ExpertReviewer,
}

/// The kind of organisation a role must be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleBinding {
    /// No organisation: the whole platform.
    Platform,
    /// A federation (any level above grassroots).
    Federation,
    /// A grassroots union.
    Grassroots,
    /// Any organisation (the person's own union).
    AnyOrg,
    /// An organisation if the person has one: a parent who registered themselves has none.
    OptionalOrg,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::SystemAdmin,
        Role::FederationAdmin,
        Role::FederationViewer,
        Role::Inspector,
        Role::GrassrootsAdmin,
        Role::ClassManager,
        Role::ClassStaff,
        Role::Parent,
        Role::CourseProvider,
        Role::Student,
        Role::ExpertReviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::FederationAdmin => "federation_admin",
            Role::FederationViewer => "federation_viewer",
            Role::Inspector => "inspector",
            Role::GrassrootsAdmin => "grassroots_admin",
            Role::ClassManager => "class_manager",
            Role::ClassStaff => "class_staff",
            Role::Parent => "parent",
            Role::CourseProvider => "course_provider",
            Role::Student => "student",
            Role::ExpertReviewer => "expert_reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// i18n key of the role's name.
    pub fn label_key(self) -> String {
        format!("role.{}", self.as_str())
    }

    pub fn binding(self) -> RoleBinding {
        match self {
            Role::SystemAdmin => RoleBinding::Platform,
            Role::FederationAdmin
            | Role::FederationViewer
            | Role::Inspector
            | Role::ExpertReviewer => RoleBinding::Federation,
            Role::GrassrootsAdmin | Role::ClassManager | Role::ClassStaff => {
                RoleBinding::Grassroots
            }
            Role::Parent => RoleBinding::OptionalOrg,
            Role::CourseProvider | Role::Student => RoleBinding::AnyOrg,
        }
    }
}

/// One role a user holds, with the organisation it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: GrantId,
    pub role: Role,
    pub org_id: Option<OrgId>,
    pub org_path: Option<String>,
    pub org_name: Option<String>,
}

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    Cookie,
    Bearer,
}

/// The signed-in user of this request, with their grants in force.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub home_org_id: Option<OrgId>,
    pub grants: Vec<Grant>,
    pub session_id: String,
    pub via: AuthVia,
}

/// What a user may do, each over some part of the organisation tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// See organisations and their figures.
    ViewOrgs,
    /// Create, rename, move and deactivate organisations.
    ManageOrgs,
    /// Create users, assign roles, reset passwords, deactivate.
    ManageUsers,
    /// Add or correct the working-day calendar (national data).
    EditCalendar,
    /// Read the audit log.
    ReadAudit,
    /// Open programmes for the subtree.
    OpenProgrammes,
    /// Approve or return classes and units' submissions (the federation above).
    Supervise,
    /// See classes and their records.
    ViewClasses,
    /// Register, edit, submit, start and close the unit's own classes.
    RegisterClasses,
    /// Keep a class's staff roster.
    ManageStaff,
    /// Write and submit the unit's own work plan and reports (for the granted organisation itself).
    SubmitPlans,
    /// Decide applications, enrol and withdraw children, import and export rosters, draw lots.
    ManageEnrolment,
    /// See a child's full ID number (a logged action).
    RevealIds,
    /// Run a class's day: attendance at the door, pickup cards, daily logs, incidents, schedule.
    RunClasses,
    /// Read classes' budgets, ledgers and subsidies (a unit its own, a federation its subtree).
    ViewFunds,
    /// Keep a class's budget and ledger (the unit hosting it).
    KeepFunds,
}

impl Capability {
    fn granted_by(self, role: Role) -> bool {
        use Capability::*;
        match role {
            Role::SystemAdmin => true,
            Role::FederationAdmin => matches!(
                self,
                ViewOrgs
                    | ManageOrgs
                    | ManageUsers
                    | OpenProgrammes
                    | Supervise
                    | ViewClasses
                    | SubmitPlans
                    | ViewFunds
            ),
            Role::FederationViewer => matches!(self, ViewOrgs | ViewClasses | ViewFunds),
            Role::GrassrootsAdmin => {
                matches!(
                    self,
                    ViewOrgs
                        | ViewClasses
                        | RegisterClasses
                        | ManageStaff
                        | SubmitPlans
                        | ManageEnrolment
                        | RevealIds
                        | RunClasses
                        | ViewFunds
                        | KeepFunds
                )
            }
            Role::ClassManager => {
                matches!(
                    self,
                    ViewClasses | ManageStaff | ManageEnrolment | RevealIds | RunClasses
                )
            }
            Role::ClassStaff => matches!(self, ViewClasses | RunClasses),
            // An inspector sees the classes assigned to them, not the whole area (issue 17):
            // `classes::service::visible` finds them through their inspections.
            Role::Inspector => false,
            _ => false,
        }
    }
}

/// The part of the organisation tree a capability reaches: everything, or the subtrees under
/// some organisations (given by their materialised paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Subtrees(Vec<String>),
}

impl Scope {
    /// The part of this scope that lies in the subtree at `root` (the root included).
    pub fn within(&self, root: &str) -> Scope {
        Scope::Subtrees(match self {
            // Roots below `root`: the parts of the subtree this scope reaches.
            Scope::Subtrees(roots) if !self.contains(root) => roots
                .iter()
                .filter(|r| r.starts_with(root))
                .cloned()
                .collect(),
            _ => vec![root.to_string()],
        })
    }

    /// True when the organisation with `path` lies in the scope (a root counts).
    pub fn contains(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots.iter().any(|r| path.starts_with(r.as_str())),
        }
    }

    /// True when `path` lies in the scope below one of its roots: a federation admin manages the
    /// units under their federation, not the federation itself.
    pub fn strictly_contains(&self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Subtrees(roots) => roots
                .iter()
                .any(|r| path.starts_with(r.as_str()) && path.len() > r.len()),
        }
    }
}

impl CurrentUser {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_system_admin(&self) -> bool {
        self.has_role(Role::SystemAdmin)
    }

    /// The scope of `cap`, or None when no grant gives it.
    pub fn scope(&self, cap: Capability) -> Option<Scope> {
        let mut roots = Vec::new();
        for g in self.grants.iter().filter(|g| cap.granted_by(g.role)) {
            match &g.org_path {
                None => return Some(Scope::All),
                Some(p) => roots.push(p.clone()),
            }
        }
        // Drop roots inside other roots, so each row matches once and the SQL stays short.
        roots.sort();
        roots.dedup();
        let outer: Vec<String> = roots
            .iter()
            .filter(|r| !roots.iter().any(|o| o != *r && r.starts_with(o.as_str())))
            .cloned()
            .collect();
        (!outer.is_empty()).then_some(Scope::Subtrees(outer))
    }

    /// Ids of every organisation on the paths of the user's grants (themselves and all above):
    /// a unit sees the programmes its federations open.
    pub fn ancestor_ids(&self) -> Vec<OrgId> {
        let mut ids: Vec<OrgId> = self
            .grants
            .iter()
            .filter_map(|g| g.org_path.as_deref())
            .flat_map(|p| p.split('/').filter_map(OrgId::parse))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Organisations the user acts *for* with `cap` (the grant's own organisation, not its subtree).
    pub fn acting_orgs(&self, cap: Capability) -> Vec<&Grant> {
        self.grants
            .iter()
            .filter(|g| cap.granted_by(g.role) && g.org_id.is_some())
            .collect()
    }

    /// The scope of `cap`, or 403 when the user has no grant for it at all.
    pub fn require(&self, cap: Capability) -> Result<Scope, AppError> {
        self.scope(cap).ok_or(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_scope_within_a_subtree_keeps_what_it_reaches_there() {
        let sub = |r: &[&str]| Scope::Subtrees(r.iter().map(|s| s.to_string()).collect());
        assert_eq!(Scope::All.within("/a/"), sub(&["/a/"]));
        assert_eq!(sub(&["/a/"]).within("/a/b/"), sub(&["/a/b/"]));
        assert_eq!(sub(&["/a/b/c/", "/x/"]).within("/a/b/"), sub(&["/a/b/c/"]));
        assert_eq!(sub(&["/x/"]).within("/a/"), sub(&[]));
    }

    use super::*;

    fn user(grants: &[(Role, Option<&str>)]) -> CurrentUser {
        CurrentUser {
            id: UserId::new(),
            username: "u".into(),
            display_name: "u".into(),
            home_org_id: None,
            grants: grants
                .iter()
                .map(|(r, p)| Grant {
                    id: GrantId::new(),
                    role: *r,
                    org_id: p.map(|_| OrgId::new()),
                    org_path: p.map(str::to_string),
                    org_name: None,
                })
                .collect(),
            session_id: "s".into(),
            via: AuthVia::Cookie,
        }
    }

    #[test]
    fn federation_admin_manages_below_its_root_only() {
        let u = user(&[(Role::FederationAdmin, Some("/a/b/"))]);
        let s = u.scope(Capability::ManageOrgs).unwrap();
        assert!(s.contains("/a/b/"));
        assert!(!s.strictly_contains("/a/b/"));
        assert!(s.strictly_contains("/a/b/c/"));
        assert!(!s.contains("/a/x/"));
        assert!(u.scope(Capability::EditCalendar).is_none());
    }

    #[test]
    fn nested_roots_collapse_and_system_admin_sees_all() {
        let u = user(&[
            (Role::FederationViewer, Some("/a/")),
            (Role::GrassrootsAdmin, Some("/a/b/")),
        ]);
        assert_eq!(
            u.scope(Capability::ViewOrgs),
            Some(Scope::Subtrees(vec!["/a/".into()]))
        );
        let admin = user(&[(Role::SystemAdmin, None)]);
        assert_eq!(admin.scope(Capability::ReadAudit), Some(Scope::All));
        let parent = user(&[(Role::Parent, Some("/a/"))]);
        assert_eq!(parent.scope(Capability::ViewOrgs), None);
    }
}
