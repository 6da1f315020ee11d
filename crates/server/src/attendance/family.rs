//! What a guardian sees of their child's attendance: per class, the rate against the programme's
//! rule and each recorded day (arrival, who brought the child, departure, who collected them).

use serde::Serialize;

use super::ChildDay;
use super::metrics::{RateView, summary};
use super::store;
use super::tap::view;
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Scope};
use crate::enrolment::{Access, children};
use crate::error::AppError;
use crate::ids::{ChildId, ClassId};

/// One class of the child.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChildClass {
    pub class_id: ClassId,
    pub class_name: String,
    pub from: String,
    pub to: String,
    #[serde(flatten)]
    pub rate: RateView,
    pub days: Vec<ChildDay>,
}

/// The child's attendance in every class the caller may see (a guardian: all of them).
pub async fn of_child(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
) -> Result<Vec<ChildClass>, AppError> {
    let (_, access) = children::visible(state, user, child_id).await?;
    let scope = match access {
        Access::Guardian => Scope::All,
        Access::Unit => user.require(Capability::ViewClasses)?,
    };
    let today = crate::calendar::today();
    let mut out = Vec::new();
    for class_id in store::classes_of_child(&state.db, child_id).await? {
        let Some(c) = crate::classes::service::find(state, &scope, &class_id).await? else {
            continue;
        };
        let s = summary(state, &c, today).await?;
        let Some(mine) = s.children.into_iter().find(|r| r.child_id == *child_id) else {
            continue;
        };
        let days = store::marks_of_child(&state.db, &c.id, child_id)
            .await?
            .iter()
            .map(view)
            .collect();
        out.push(ChildClass {
            class_id: c.id,
            class_name: c.name.clone(),
            from: mine.from,
            to: mine.to,
            rate: mine.rate,
            days,
        });
    }
    Ok(out)
}

/// A child's day today in one class (the parent's home page).
#[derive(Debug, Clone)]
pub struct ChildToday {
    pub class_id: ClassId,
    pub class_name: String,
    /// The class operates today (else nothing is expected of the child).
    pub operating: bool,
    pub day: ChildDay,
}

/// The child's day today in each of `classes` that is running (classes the child is enrolled
/// in, from the enrolment domain), read through the caller's access to the child.
pub async fn today_of_child(
    state: &AppState,
    user: &CurrentUser,
    child_id: &ChildId,
    classes: &[ClassId],
) -> Result<Vec<ChildToday>, AppError> {
    let (_, access) = children::visible(state, user, child_id).await?;
    let scope = match access {
        Access::Guardian => Scope::All,
        Access::Unit => user.require(Capability::ViewClasses)?,
    };
    let today = crate::calendar::today();
    let d = today.format("%Y-%m-%d").to_string();
    let mut out = Vec::new();
    for class_id in classes {
        let Some(c) = crate::classes::service::find(state, &scope, class_id).await? else {
            continue;
        };
        if c.status() != crate::classes::ClassStatus::Running {
            continue;
        }
        let row = store::day_of_child(&state.db, &c.id, child_id, &d)
            .await?
            .unwrap_or_else(|| store::Row::empty(c.id, &d, *child_id));
        out.push(ChildToday {
            class_id: c.id,
            class_name: c.name.clone(),
            operating: super::tap::operates(&state.db, &c, today).await?,
            day: view(&row),
        });
    }
    Ok(out)
}
