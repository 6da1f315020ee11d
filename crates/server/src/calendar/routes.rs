//! The calendar page: a year's holidays and make-up days, a working-day counter, and for system
//! admins the forms to add, correct, delete, or paste a whole year.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{
    Form, Router,
    routing::{get, post},
};
use chrono::Datelike;
use serde::Deserialize;

use super::{DayView, WorkingDaysView, YearSummary, service, store};
use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError, Query};
use crate::web::{Ctx, field_error, render_status};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(page))
        .route("/calendar/days", post(set_day))
        .route("/calendar/days/{date}/delete", post(delete_day))
        .route("/calendar/years/{year}", post(replace_year))
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    #[serde(default)]
    year: Option<i32>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "calendar/page.html")]
struct CalendarPage {
    ctx: Ctx,
    year: i32,
    years: Vec<YearSummary>,
    days: Vec<(DayView, String)>,
    can_edit: bool,
    from: String,
    to: String,
    result: Option<WorkingDaysView>,
    errors: Vec<FieldError>,
}

impl CalendarPage {
    fn err(&self, field: &str) -> Option<String> {
        field_error(&self.errors, field, self.ctx.lang)
    }

    /// Every error of a pasted year, one per line.
    fn day_errors(&self) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| e.field == "days")
            .map(|e| e.msg.render(self.ctx.lang))
            .collect()
    }
}

async fn build(
    state: &AppState,
    ctx: Ctx,
    me: &CurrentUser,
    q: PageQuery,
    mut errors: Vec<FieldError>,
) -> Result<CalendarPage, AppError> {
    let year = q.year.unwrap_or_else(|| chrono::Utc::now().year());
    let (lo, hi) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
    let weekday = |d: &str| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(|d| ctx.t(&format!("weekday.{}", d.weekday().num_days_from_monday())))
            .unwrap_or_default()
    };
    let days = store::days_between(&state.db, &lo, &hi)
        .await?
        .into_iter()
        .map(|d| {
            let w = weekday(&d.date);
            (d, w)
        })
        .collect();
    let mut result = None;
    if let (Some(f), Some(t)) = (
        q.from.as_deref().filter(|s| !s.is_empty()),
        q.to.as_deref().filter(|s| !s.is_empty()),
    ) {
        let counted = async {
            let (from, to) = (
                service::parse_date(f, "from")?,
                service::parse_date(t, "to")?,
            );
            Ok::<_, AppError>(WorkingDaysView::new(
                from,
                to,
                service::working_days(state, from, to).await?,
            ))
        };
        match counted.await {
            Ok(v) => result = Some(v),
            Err(AppError::Validation(mut e)) => errors.append(&mut e),
            Err(e) => return Err(e),
        }
    }
    Ok(CalendarPage {
        year,
        years: store::years(&state.db).await?,
        days,
        can_edit: me.scope(Capability::EditCalendar).is_some(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        result,
        errors,
        ctx,
    })
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, AppError> {
    let page = build(&state, ctx, &me, q, Vec::new()).await?;
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(status, &page)
}

#[derive(Debug, Deserialize)]
struct DayForm {
    date: String,
    kind: String,
    name: String,
}

/// Shows the year page again with the errors of a failed form.
async fn again(
    state: &AppState,
    ctx: Ctx,
    me: &CurrentUser,
    year: Option<i32>,
    errors: Vec<FieldError>,
) -> Result<Response, AppError> {
    let page = build(
        state,
        ctx,
        me,
        PageQuery {
            year,
            ..Default::default()
        },
        errors,
    )
    .await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

fn year_of(date: &str) -> Option<i32> {
    date.get(0..4).and_then(|y| y.parse().ok())
}

async fn set_day(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    client: Client,
    Form(f): Form<DayForm>,
) -> Result<Response, AppError> {
    match service::set_day(&state, &me, &client, &f.date, &f.kind, &f.name).await {
        Ok(d) => {
            Ok(Redirect::to(&format!("/calendar?year={}&ok=saved", &d.date[0..4])).into_response())
        }
        Err(AppError::Validation(e)) => again(&state, ctx, &me, year_of(&f.date), e).await,
        Err(e) => Err(e),
    }
}

async fn delete_day(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    Path(date): Path<String>,
) -> Result<Response, AppError> {
    service::delete_day(&state, &me, &client, &date).await?;
    let year = year_of(&date).unwrap_or(2026);
    Ok(Redirect::to(&format!("/calendar?year={year}&ok=deleted")).into_response())
}

#[derive(Debug, Deserialize)]
struct YearForm {
    csv: String,
}

/// Replaces a year from pasted `date,kind,name` lines (the format of the shipped data file).
async fn replace_year(
    State(state): State<AppState>,
    ctx: Ctx,
    me: CurrentUser,
    client: Client,
    Path(year): Path<i32>,
    Form(f): Form<YearForm>,
) -> Result<Response, AppError> {
    let has_header = f.csv.trim_start().starts_with("date,");
    let text = if has_header {
        f.csv.clone()
    } else {
        format!("date,kind,name\n{}", f.csv)
    };
    let days = match tuoguan_domain::calendar::parse_calendar_csv(&text) {
        Ok(d) => d,
        Err(e) => {
            let msg = crate::i18n::Msg::new("calendar.csv_error")
                .arg("line", e.line() - usize::from(!has_header));
            return again(
                &state,
                ctx,
                &me,
                Some(year),
                vec![FieldError { field: "csv", msg }],
            )
            .await;
        }
    };
    let days: Vec<DayView> = days
        .into_iter()
        .map(|d| DayView {
            date: d.date.to_string(),
            kind: d.kind.as_str().into(),
            name: d.name,
        })
        .collect();
    match service::replace_year(&state, &me, &client, year, &days).await {
        Ok(_) => Ok(Redirect::to(&format!("/calendar?year={year}&ok=saved")).into_response()),
        Err(AppError::Validation(e)) => again(&state, ctx, &me, Some(year), e).await,
        Err(e) => Err(e),
    }
}
