//! The audit log page for system admins.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::{Router, routing::get};

use super::store::{self, PAGE_SIZE};
use super::{AuditQuery, AuditView};
use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, Query};
use crate::web::{Ctx, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(page))
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    ctx: Ctx,
    q: AuditQuery,
    rows: Vec<AuditView>,
    next_page: Option<i64>,
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let scope = me.require(Capability::ReadAudit)?;
    let rows: Vec<AuditView> = store::list(&state.db, &scope, &q.filter(), q.page)
        .await?
        .into_iter()
        .map(AuditView::from)
        .collect();
    let next_page = (rows.len() as i64 == PAGE_SIZE).then_some(q.page + 1);
    render(&AuditPage {
        ctx,
        q,
        rows,
        next_page,
    })
}
