//! The home page (首页) as a to-do list per role (issue 15, PRODUCT.md "Home"): class staff get
//! today's roll of each class one tap away; a unit what is due and overdue, applications waiting
//! and paperwork missing; a federation the classes waiting for approval, incidents waiting for
//! acknowledgement and overdue reports; a parent each child's day and what is missing. The role
//! cards and the organisation counts follow, folded.

pub mod todo;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::{Router, routing::get};

use super::{Ctx, render};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::error::AppError;
use crate::ids::OrgId;
use todo::{ChildCard, Item, RollCard};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// One of the user's roles, as the home page shows it.
pub struct RoleCard {
    pub role: String,
    pub org_id: Option<OrgId>,
    pub org_name: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    rolls: Vec<RollCard>,
    items: Vec<Item>,
    children: Vec<ChildCard>,
    cards: Vec<RoleCard>,
    /// For those who see organisations: how many of each kind below them.
    counts: Vec<(String, i64)>,
    can_manage_orgs: bool,
    can_manage_users: bool,
    can_edit_calendar: bool,
    can_read_audit: bool,
}

impl HomePage {
    /// Nothing to do and no class today: the list says so instead of staying empty.
    fn all_done(&self) -> bool {
        self.rolls.is_empty() && self.items.is_empty() && self.children.is_empty()
    }
}

async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    user: CurrentUser,
) -> Result<Response, AppError> {
    let today = crate::calendar::today();
    let cards = user
        .grants
        .iter()
        .map(|g| RoleCard {
            role: ctx.role(&g.role),
            org_id: g.org_id,
            org_name: g.org_name.clone().unwrap_or_else(|| ctx.t("home.platform")),
        })
        .collect();
    // The organisations the user sees, by kind: shown folded, and the overdue count's units.
    let (counts, counted) = match user.scope(Capability::ViewOrgs) {
        Some(scope) => {
            let by_kind =
                crate::dashboard::tallies::org_figures_of_scope(&state.db, &scope).await?;
            (
                kind_counts(&ctx, &by_kind),
                Some((scope, by_kind.iter().sum::<i64>())),
            )
        }
        None => (Vec::new(), None),
    };
    let live = todo::live(&state, &user).await?;
    render(&HomePage {
        rolls: todo::rolls(&state, &live, today).await?,
        items: todo::items(&state, &user, ctx.lang, &live, counted.as_ref(), today).await?,
        children: todo::children(&state, &user, ctx.lang).await?,
        cards,
        counts,
        can_manage_orgs: user.scope(Capability::ManageOrgs).is_some(),
        can_manage_users: user.scope(Capability::ManageUsers).is_some(),
        can_edit_calendar: user.scope(Capability::EditCalendar).is_some(),
        can_read_audit: user.scope(Capability::ReadAudit).is_some(),
        ctx,
    })
}

/// Active organisations by kind (the pre-aggregated counts of the user's subtrees), in the order
/// of the tree's levels.
fn kind_counts(ctx: &Ctx, counted: &[i64; 5]) -> Vec<(String, i64)> {
    crate::orgs::OrgKind::ALL
        .into_iter()
        .zip(counted)
        .map(|(k, n)| (ctx.t(&format!("org_kind.{}", k.as_str())), *n))
        .filter(|(_, n)| *n > 0)
        .collect()
}
