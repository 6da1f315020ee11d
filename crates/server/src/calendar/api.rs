//! JSON API of the working-day calendar (`/api/v1/calendar`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{DayInput, DayView, WorkingDaysView, YearInput, YearSummary, service, store};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::CurrentUser;
use crate::error::{AppError, Json, Query};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(working_days))
        .routes(routes!(list_years))
        .routes(routes!(get_year, put_year))
        .routes(routes!(put_day, delete_day))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct RangeQuery {
    /// First day, YYYY-MM-DD
    from: String,
    /// Last day, YYYY-MM-DD (included)
    to: String,
}

/// Official working days between two dates, both included. Public: the calendar is public data.
#[utoipa::path(get, path = "/api/v1/calendar/working-days", tag = "calendar", params(RangeQuery),
    responses((status = 200, body = WorkingDaysView), (status = 422, description = "bad date or a year without data")))]
async fn working_days(
    State(state): State<AppState>,
    Query(q): Query<RangeQuery>,
) -> Result<Json<WorkingDaysView>, AppError> {
    let from = service::parse_date(&q.from, "from")?;
    let to = service::parse_date(&q.to, "to")?;
    let count = service::working_days(&state, from, to).await?;
    Ok(Json(WorkingDaysView::new(from, to, count)))
}

/// Years with calendar data.
#[utoipa::path(get, path = "/api/v1/calendar/years", tag = "calendar", security(("bearer" = [])),
    responses((status = 200, body = [YearSummary])))]
async fn list_years(
    State(state): State<AppState>,
    _me: CurrentUser,
) -> Result<Json<Vec<YearSummary>>, AppError> {
    Ok(Json(store::years(&state.db).await?))
}

fn year_bounds(year: i32) -> (String, String) {
    (format!("{year:04}-01-01"), format!("{year:04}-12-31"))
}

/// Holidays and make-up working days of a year.
#[utoipa::path(get, path = "/api/v1/calendar/years/{year}", tag = "calendar", security(("bearer" = [])),
    params(("year" = i32, Path, description = "e.g. 2026")), responses((status = 200, body = [DayView])))]
async fn get_year(
    State(state): State<AppState>,
    _me: CurrentUser,
    Path(year): Path<i32>,
) -> Result<Json<Vec<DayView>>, AppError> {
    let (lo, hi) = year_bounds(year);
    Ok(Json(store::days_between(&state.db, &lo, &hi).await?))
}

/// Replaces a year's holidays and make-up days (system admin). All entries valid or nothing changes.
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar", security(("bearer" = [])),
    params(("year" = i32, Path, description = "e.g. 2027")), request_body = YearInput,
    responses((status = 200, body = [DayView]), (status = 403), (status = 422)))]
async fn put_year(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    Path(year): Path<i32>,
    Json(input): Json<YearInput>,
) -> Result<Json<Vec<DayView>>, AppError> {
    service::replace_year(&state, &me, &client, year, &input.days).await?;
    let (lo, hi) = year_bounds(year);
    Ok(Json(store::days_between(&state.db, &lo, &hi).await?))
}

/// Adds or corrects one day (system admin).
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", tag = "calendar", security(("bearer" = [])),
    params(("date" = String, Path, description = "YYYY-MM-DD")), request_body = DayInput,
    responses((status = 200, body = DayView), (status = 403), (status = 422)))]
async fn put_day(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    Path(date): Path<String>,
    Json(input): Json<DayInput>,
) -> Result<Json<DayView>, AppError> {
    Ok(Json(
        service::set_day(&state, &me, &client, &date, &input.kind, &input.name).await?,
    ))
}

/// Removes a day's entry (it becomes an ordinary day).
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", tag = "calendar", security(("bearer" = [])),
    params(("date" = String, Path, description = "YYYY-MM-DD")), responses((status = 204), (status = 404)))]
async fn delete_day(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    Path(date): Path<String>,
) -> Result<StatusCode, AppError> {
    service::delete_day(&state, &me, &client, &date).await?;
    Ok(StatusCode::NO_CONTENT)
}
