//! 儿童与报名 — children, guardians and enrolment (PRODUCT.md §5, §14): parents register and add their
//! children with the separate consent, apply to classes, sign the care agreement and record the
//! accident insurance; units decide, enrol, import and export rosters and draw lots; every read
//! of a child's record is audited and ID numbers and health notes are sealed at rest.
//!
//! Who may see a child ([`Access`]): a guardian whose account is linked to the child, or a user
//! whose `ViewClasses` scope holds the host of a class the child applied to.

pub mod api;
pub mod application_routes;
pub mod applications;
pub mod children;
pub mod demo;
pub mod export;
pub mod import;
pub mod lottery;
pub mod paperwork;
pub mod parent_routes;
pub mod parents;
pub mod pickups;
pub mod retention;
pub mod roster_file;
pub mod routes;
pub mod span;
pub(crate) mod store;
pub mod todo;

use crate::ids::ChildId;
pub use store::{Child, visible_child};

/// A child with an application in a class the caller may see, or 404.
pub async fn child_in_class(
    state: &crate::app::AppState,
    c: &crate::auth::Visible<crate::classes::Class>,
    child_id: &ChildId,
) -> Result<Child, crate::error::AppError> {
    store::child_in_class(&state.db, &c.id, child_id)
        .await?
        .ok_or(crate::error::AppError::NotFound)
}

use serde::{Deserialize, Serialize};

/// Version of the privacy notice a guardian consents to (`templates/enrolment/notice.html`).
/// Change the text → raise the version; consents keep the version they were given for.
pub const NOTICE_VERSION: &str = "2026-1";

/// Version of the care agreement (托管协议) text (`templates/enrolment/agreement.html`).
pub const AGREEMENT_VERSION: &str = "2026-1";

/// Who pays the accident insurance.
pub const PAYERS: [&str; 4] = Payer::NAMES;

crate::closed_set! {
    /// Who pays a child's accident insurance.
    pub enum Payer {
        Guardian = "guardian",
        Employer = "employer",
        UnionFunds = "union_funds",
        Other = "other",
    }
}

crate::closed_set! {
    /// A child's grade as the API writes it (幼儿园 is `K`).
    pub enum GradeName {
        K = "K",
        G1 = "1",
        G2 = "2",
        G3 = "3",
        G4 = "4",
        G5 = "5",
        G6 = "6",
    }
}

crate::closed_set! {
    /// How a consent or agreement was collected.
    pub enum Channel {
        Web = "web",
        Api = "api",
        /// Collected on paper by the unit.
        Paper = "paper",
    }
}

/// Where an application stands (PRODUCT.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Applied,
    Accepted,
    Waitlisted,
    Rejected,
    Enrolled,
    Withdrawn,
}

crate::stored_as_text!(Status, "application status");

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Applied,
        Status::Accepted,
        Status::Waitlisted,
        Status::Rejected,
        Status::Enrolled,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::Accepted => "accepted",
            Status::Waitlisted => "waitlisted",
            Status::Rejected => "rejected",
            Status::Enrolled => "enrolled",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The application holds one of the class's places.
    pub fn holds_place(self) -> bool {
        matches!(self, Status::Accepted | Status::Enrolled)
    }

    /// Still in play: not rejected or withdrawn.
    pub fn active(self) -> bool {
        !matches!(self, Status::Rejected | Status::Withdrawn)
    }
}

/// A decision of the unit, or the guardian's withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accept,
    Waitlist,
    Reject,
    Enrol,
    Withdraw,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "accept" => Some(Decision::Accept),
            "waitlist" => Some(Decision::Waitlist),
            "reject" => Some(Decision::Reject),
            "enrol" => Some(Decision::Enrol),
            "withdraw" => Some(Decision::Withdraw),
            _ => None,
        }
    }

    /// The status it leads to.
    pub fn target(self) -> Status {
        match self {
            Decision::Accept => Status::Accepted,
            Decision::Waitlist => Status::Waitlisted,
            Decision::Reject => Status::Rejected,
            Decision::Enrol => Status::Enrolled,
            Decision::Withdraw => Status::Withdrawn,
        }
    }

    /// The statuses it may start from.
    pub fn allowed_from(self, s: Status) -> bool {
        use Status::*;
        match self {
            Decision::Accept => matches!(s, Applied | Waitlisted),
            Decision::Waitlist => matches!(s, Applied | Accepted),
            Decision::Reject => matches!(s, Applied | Waitlisted | Accepted),
            Decision::Enrol => matches!(s, Applied | Waitlisted | Accepted),
            Decision::Withdraw => matches!(s, Applied | Waitlisted | Accepted | Enrolled),
        }
    }
}

/// How the caller reaches a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A guardian linked to the child by their account.
    Guardian,
    /// A class of the child lies in the caller's `ViewClasses` scope.
    Unit,
}
