//! JSON API of the door: taps (with Idempotency-Key), the roll, metrics, the month grid and its
//! .xlsx, a child's attendance for the guardian, pickup cards.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::family::{self, ChildClass};
use super::metrics::{self, ClassMetrics, MonthGrid, Summary};
use super::roll::{self, Roll};
use super::store::{self, Event};
use super::{DayQuery, MonthQuery, Refused, TapInput, TapResult, cards, day_or_today, grid, tap};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::classes::service::visible;
use crate::error::{AppError, Json, Query};
use crate::i18n::Lang;
use crate::ids::{ChildId, ClassId, IdPath};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_tap))
        .routes(routes!(get_roll))
        .routes(routes!(get_metrics))
        .routes(routes!(get_summary))
        .routes(routes!(get_grid))
        .routes(routes!(get_grid_xlsx))
        .routes(routes!(get_events))
        .routes(routes!(child_attendance))
        .routes(routes!(get_card, reissue_card))
        .routes(routes!(find_card))
}

/// Records a check-in, check-out, absence or undo. Send an `Idempotency-Key` header: the same key
/// with the same body answers the same without writing again; with another body it is refused.
#[utoipa::path(post, path = "/api/v1/classes/{id}/attendance", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"),
           ("Idempotency-Key" = Option<String>, Header, description = "any string up to 100 characters")),
    request_body = TapInput,
    responses((status = 201, body = TapResult), (status = 409, body = Refused, description = "refused: already checked in, not checked in, unauthorised pickup (recorded), not an operating day…"),
              (status = 404), (status = 422)))]
async fn post_tap(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    headers: HeaderMap,
    IdPath(id): IdPath<ClassId>,
    Json(input): Json<TapInput>,
) -> Result<Response, AppError> {
    Ok(tap::tap(&state, &user, &id, &headers, &input, lang)
        .await?
        .into_response())
}

/// The roll of a day: every enrolled child, their day, who may collect them.
#[utoipa::path(get, path = "/api/v1/classes/{id}/roll", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), DayQuery),
    responses((status = 200, body = Roll), (status = 404)))]
async fn get_roll(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<DayQuery>,
) -> Result<Json<Roll>, AppError> {
    let c = super::operated(&state, &user, &id).await?;
    let day = day_or_today(q.day.as_deref())?;
    Ok(Json(roll::roll(&state, &c, day).await?))
}

/// Operating days, enrolment, attendance rate against the rule, kindergarten share, incidents.
#[utoipa::path(get, path = "/api/v1/classes/{id}/metrics", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = ClassMetrics), (status = 404)))]
async fn get_metrics(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<ClassMetrics>, AppError> {
    let c = visible(&state, &user, &id).await?;
    Ok(Json(
        metrics::class_metrics(&state, &c, crate::calendar::today()).await?,
    ))
}

/// Each child's and the class's attendance so far: expected and present child-days, the rate and
/// whether it meets the programme's rule.
#[utoipa::path(get, path = "/api/v1/classes/{id}/attendance/summary", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id")),
    responses((status = 200, body = Summary), (status = 404)))]
async fn get_summary(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
) -> Result<Json<Summary>, AppError> {
    let c = visible(&state, &user, &id).await?;
    Ok(Json(
        metrics::summary(&state, &c, crate::calendar::today()).await?,
    ))
}

/// The month grid: children × operating days with each child's and the class's rate.
#[utoipa::path(get, path = "/api/v1/classes/{id}/attendance", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), MonthQuery),
    responses((status = 200, body = MonthGrid), (status = 404), (status = 422)))]
async fn get_grid(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<MonthQuery>,
) -> Result<Json<MonthGrid>, AppError> {
    let c = visible(&state, &user, &id).await?;
    let m = grid::month_for(&c, q.month.as_deref());
    Ok(Json(
        metrics::month(&state, &c, &m, crate::calendar::today()).await?,
    ))
}

/// The month grid as a paper-style sign-in sheet (.xlsx).
#[utoipa::path(get, path = "/api/v1/classes/{id}/attendance.xlsx", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), MonthQuery),
    responses((status = 200, description = "the workbook"), (status = 404), (status = 422)))]
async fn get_grid_xlsx(
    State(state): State<AppState>,
    user: CurrentUser,
    lang: Lang,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AppError> {
    let c = visible(&state, &user, &id).await?;
    grid::download(&state, &c, q.month.as_deref(), lang).await
}

/// A recorded tap.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: String,
    pub child_id: ChildId,
    pub day: String,
    #[schema(value_type = super::Action)]
    pub action: String,
    #[schema(value_type = super::TapOutcome)]
    pub outcome: String,
    #[schema(value_type = Option<super::RefusalCode>)]
    pub refusal: Option<String>,
    pub at: i64,
    pub person: String,
    pub note: String,
    pub correction: bool,
    pub by: String,
    pub recorded_at: i64,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        EventView {
            id: e.id,
            child_id: e.child_id,
            day: e.day,
            action: e.action,
            outcome: e.outcome,
            refusal: e.refusal,
            at: e.at,
            person: e.person,
            note: e.note,
            correction: e.correction,
            by: e.user_name,
            recorded_at: e.recorded_at,
        }
    }
}

/// The first day to list (YYYY-MM-DD; 30 days ago when left out).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct FromQuery {
    pub from: Option<String>,
}

/// Refused taps (a person not authorised to collect, with the name given) and corrections from
/// a day on (the last 30 days by default), newest first, at most 200.
#[utoipa::path(get, path = "/api/v1/classes/{id}/attendance/events", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "class id"), FromQuery),
    responses((status = 200, body = [EventView]), (status = 404)))]
async fn get_events(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ClassId>,
    Query(q): Query<FromQuery>,
) -> Result<Json<Vec<EventView>>, AppError> {
    let c = super::operated(&state, &user, &id).await?;
    let from = match q.from.as_deref() {
        Some(d) => day_or_today(Some(d))?,
        None => crate::calendar::today() - chrono::Duration::days(30),
    };
    let list = store::notable_events(&state.db, &c.id, &from.to_string()).await?;
    Ok(Json(list.into_iter().map(EventView::from).collect()))
}

/// A child's attendance in each class (the guardian sees all of them).
#[utoipa::path(get, path = "/api/v1/children/{id}/attendance", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")),
    responses((status = 200, body = [ChildClass]), (status = 404)))]
async fn child_attendance(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ChildId>,
) -> Result<Json<Vec<ChildClass>>, AppError> {
    Ok(Json(family::of_child(&state, &user, &id).await?))
}

/// A pickup card.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CardView {
    pub child_id: ChildId,
    /// The short code printed under the QR code.
    pub code: String,
    /// What the QR code holds (path; prefix the server's address).
    pub link: String,
}

fn card_view(child_id: ChildId, code: String) -> CardView {
    CardView {
        link: format!("/c/{code}"),
        child_id,
        code,
    }
}

/// The child's pickup card (issued on first request).
#[utoipa::path(get, path = "/api/v1/children/{id}/pickup-card", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")),
    responses((status = 200, body = CardView), (status = 404)))]
async fn get_card(
    State(state): State<AppState>,
    user: CurrentUser,
    IdPath(id): IdPath<ChildId>,
) -> Result<Json<CardView>, AppError> {
    let code = cards::card(&state, &user, &id).await?;
    Ok(Json(card_view(id, code)))
}

/// Reissues the child's pickup card: the old code stops working.
#[utoipa::path(post, path = "/api/v1/children/{id}/pickup-card", tag = "attendance", security(("bearer" = [])),
    params(("id" = String, Path, description = "child id")),
    responses((status = 200, body = CardView), (status = 404)))]
async fn reissue_card(
    State(state): State<AppState>,
    user: CurrentUser,
    client: Client,
    IdPath(id): IdPath<ChildId>,
) -> Result<Json<CardView>, AppError> {
    let code = cards::reissue(&state, &user, &client, &id).await?;
    Ok(Json(card_view(id, code)))
}

/// The child of a scanned or typed code, with the classes of theirs the caller runs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CardHolder {
    pub child_id: ChildId,
    pub name: String,
    pub class_ids: Vec<ClassId>,
}

/// Whose card is this? 404 for a revoked or unknown code, or a child the caller does not run.
#[utoipa::path(get, path = "/api/v1/pickup-cards/{code}", tag = "attendance", security(("bearer" = [])),
    params(("code" = String, Path, description = "the card's code")),
    responses((status = 200, body = CardHolder), (status = 404)))]
async fn find_card(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(code): Path<String>,
) -> Result<Json<CardHolder>, AppError> {
    let (child_id, name, class_ids) = cards::holder(&state, &user, &code).await?;
    Ok(Json(CardHolder {
        child_id,
        name,
        class_ids,
    }))
}
