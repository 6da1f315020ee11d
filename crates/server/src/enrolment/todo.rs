//! What enrolment asks of a unit and of a parent, for their home pages (issue 15): applications
//! waiting for a decision, accepted children whose paperwork is missing; a parent's agreements to
//! sign and pickup persons to add.

use super::store;
use super::{AGREEMENT_VERSION, Status};
use crate::app::AppState;
use crate::auth::{CurrentUser, Scope};
use crate::error::AppError;
use crate::ids::{ChildId, ClassId};

/// One class's enrolment queue.
#[derive(Debug, Clone)]
pub struct ClassQueue {
    pub class_id: ClassId,
    pub class_name: String,
    /// Applications waiting for the unit's decision (报名待处理).
    pub applied: i64,
    /// Accepted children whose agreement or insurance is not on file yet (材料未齐).
    pub accepted: i64,
}

/// The enrolment queues of the classes hosted in `scope` (the scope the caller decides
/// applications with, narrowed to their own units by the caller).
pub async fn queues(state: &AppState, scope: &Scope) -> Result<Vec<ClassQueue>, AppError> {
    Ok(store::waiting_by_class(&state.db, scope)
        .await?
        .into_iter()
        .map(|(class_id, class_name, applied, accepted)| ClassQueue {
            class_id,
            class_name,
            applied,
            accepted,
        })
        .collect())
}

/// A parent's child and what is missing for it.
#[derive(Debug, Clone)]
pub struct ChildTodo {
    pub child_id: ChildId,
    pub name: String,
    /// Classes the child is enrolled in (their day today comes from attendance).
    pub enrolled: Vec<ClassId>,
    /// Classes whose care agreement (of the current version) the parent has still to sign.
    pub to_sign: Vec<String>,
    /// Accepted applications with the insurance not on file.
    pub uninsured: Vec<String>,
    /// Active pickup persons on record (none: only guardians may collect).
    pub pickups: usize,
}

/// The children on a parent's account, each with what is missing (none for an account without
/// children).
pub async fn of_parent(state: &AppState, user: &CurrentUser) -> Result<Vec<ChildTodo>, AppError> {
    let mut out = Vec::new();
    for c in store::children_of_user(&state.db, &user.id).await? {
        let apps = store::applications_of_child(&state.db, &c.id).await?;
        let pickups = store::pickups_of(&state.db, &c.id).await?;
        let open = |a: &&store::Application| matches!(a.status(), Status::Accepted);
        out.push(ChildTodo {
            child_id: c.id,
            name: c.name.clone(),
            enrolled: apps
                .iter()
                .filter(|a| a.status() == Status::Enrolled)
                .map(|a| a.class_id)
                .collect(),
            to_sign: apps
                .iter()
                .filter(open)
                .filter(|a| a.agreement_version.as_deref() != Some(AGREEMENT_VERSION))
                .map(|a| a.class_name.clone())
                .collect(),
            uninsured: apps
                .iter()
                .filter(open)
                .filter(|a| a.insurer.is_none())
                .map(|a| a.class_name.clone())
                .collect(),
            pickups: pickups.iter().filter(|p| p.active).count(),
        });
    }
    Ok(out)
}

/// Children enrolled in the class now (在册儿童): the number a close confirmation states.
pub async fn enrolled_count(
    state: &AppState,
    c: &crate::auth::Visible<crate::classes::Class>,
) -> Result<usize, AppError> {
    Ok(store::applications_of_class(&state.db, &c.id)
        .await?
        .iter()
        .filter(|a| a.status() == Status::Enrolled)
        .count())
}
