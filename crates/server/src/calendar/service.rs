//! Working-day counts and calendar corrections.

use chrono::{Datelike, NaiveDate, Weekday};
use tuoguan_domain::{DayKind, WorkCalendar, WorkingDayCount};

use super::{DayView, store};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::error::{AppError, FieldError};

/// Longest range a count may span (ten years).
const MAX_SPAN_DAYS: i64 = 3660;

/// Parses a `YYYY-MM-DD` field or names it.
pub fn parse_date(s: &str, field: &'static str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "calendar.date_invalid"))
}

/// Working days from `from` to `to`, both included. Refuses a range reaching a year the calendar
/// has no data for: a count without the holidays would be wrong, not approximate.
pub async fn working_days(
    state: &AppState,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<WorkingDayCount, AppError> {
    if to < from {
        return Err(AppError::field("to", "calendar.range_reversed"));
    }
    if (to - from).num_days() > MAX_SPAN_DAYS {
        return Err(AppError::field("to", "calendar.range_too_long"));
    }
    let known: Vec<String> = store::years(&state.db)
        .await?
        .into_iter()
        .map(|y| y.year)
        .collect();
    if let Some(y) = (from.year()..=to.year()).find(|y| !known.contains(&format!("{y:04}"))) {
        let msg = crate::i18n::Msg::new("calendar.year_missing").arg("year", y);
        return Err(AppError::Validation(vec![FieldError {
            field: "from",
            msg,
        }]));
    }
    let days = store::days_between(&state.db, &from.to_string(), &to.to_string()).await?;
    let cal = WorkCalendar::new(days.iter().filter_map(|d| {
        Some((
            NaiveDate::parse_from_str(&d.date, "%Y-%m-%d").ok()?,
            DayKind::parse(&d.kind)?,
        ))
    }));
    Ok(cal.count(from, to))
}

/// Validates one entry: a real date, a known kind, a name, and a make-up working day on a weekend.
fn check_day(date: &str, kind: &str, name: &str) -> Result<DayView, Vec<FieldError>> {
    let mut errors = Vec::new();
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push(FieldError::new("date", "calendar.date_invalid"));
    }
    let k = DayKind::parse(kind);
    if k.is_none() {
        errors.push(FieldError::new("kind", "calendar.kind_invalid"));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 30 {
        errors.push(FieldError::new("name", "calendar.name_invalid"));
    }
    if let (Some(d), Some(DayKind::Workday)) = (d, k)
        && !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    {
        errors.push(FieldError::new("kind", "calendar.workday_not_weekend"));
    }
    match (d, k, errors.is_empty()) {
        (Some(d), Some(k), true) => Ok(DayView {
            date: d.to_string(),
            kind: k.as_str().into(),
            name: name.into(),
        }),
        _ => Err(errors),
    }
}

/// Adds or corrects one day.
pub async fn set_day(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    date: &str,
    kind: &str,
    name: &str,
) -> Result<DayView, AppError> {
    me.require(Capability::EditCalendar)?;
    let day = check_day(date, kind, name).map_err(AppError::Validation)?;
    let mut tx = state.db.begin().await?;
    store::upsert(&mut tx, &day, Some(&me.id), crate::now()).await?;
    year_changed(&mut tx, &day.date).await?;
    let detail = format!("{} {} {}", day.date, day.kind, day.name);
    audit::record(
        &mut tx,
        &Entry::by(me, "calendar.set", "calendar_day")
            .target(&day.date)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(day)
}

pub async fn delete_day(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    date: &str,
) -> Result<(), AppError> {
    me.require(Capability::EditCalendar)?;
    let d = parse_date(date, "date")?.to_string();
    let mut tx = state.db.begin().await?;
    if store::delete(&mut tx, &d).await? == 0 {
        return Err(AppError::NotFound);
    }
    year_changed(&mut tx, &d).await?;
    audit::record(
        &mut tx,
        &Entry::by(me, "calendar.delete", "calendar_day").target(&d),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The operating days of classes over the year of `date` may have moved (a year whose first entry
/// arrives becomes known as a whole): their child-days by day are computed again.
async fn year_changed(tx: &mut crate::db::Tx, date: &str) -> sqlx::Result<()> {
    let year = date.get(..4).unwrap_or("0000");
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    crate::dashboard::days::calendar_changed(tx, &from, &to).await
}

/// Replaces a year's entries at once (the State Council's notice for the year); all or nothing.
pub async fn replace_year(
    state: &AppState,
    me: &CurrentUser,
    client: &Client,
    year: i32,
    days: &[DayView],
) -> Result<usize, AppError> {
    me.require(Capability::EditCalendar)?;
    if !(2000..=2100).contains(&year) {
        return Err(AppError::field("year", "calendar.year_invalid"));
    }
    let mut clean = Vec::new();
    let mut errors = Vec::new();
    for (i, d) in days.iter().enumerate() {
        match check_day(&d.date, &d.kind, &d.name) {
            Ok(v) if v.date.starts_with(&format!("{year:04}-")) => clean.push(v),
            Ok(_) => errors.push(row_error(i, "calendar.date_other_year")),
            Err(e) => errors.extend(e.into_iter().map(|f| row_error(i, f.msg.key))),
        }
    }
    clean.sort_by(|a, b| a.date.cmp(&b.date));
    if clean.windows(2).any(|w| w[0].date == w[1].date) {
        errors.push(FieldError::new("days", "calendar.duplicate_date"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    store::delete_year(&mut tx, year).await?;
    let now = crate::now();
    for d in &clean {
        store::upsert(&mut tx, d, Some(&me.id), now).await?;
    }
    year_changed(&mut tx, &format!("{year:04}-01-01")).await?;
    let detail = format!("year {year}: {} entries", clean.len());
    let y = year.to_string();
    audit::record(
        &mut tx,
        &Entry::by(me, "calendar.replace_year", "calendar_year")
            .target(&y)
            .detail(detail),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(clean.len())
}

fn row_error(i: usize, key: &'static str) -> FieldError {
    FieldError {
        field: "days",
        msg: crate::i18n::Msg::new("calendar.row_error")
            .arg("row", i + 1)
            .arg_key("reason", key),
    }
}
