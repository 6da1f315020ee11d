//! The month grid as a paper sign-in sheet (签到表) in .xlsx: one line per child, one column per
//! operating day headed with the date and weekday, the marks √ 病 事 缺 —, then the child's
//! present and expected days and rate; the class total below.

use chrono::{Datelike, NaiveDate};

use axum::response::Response;

use super::metrics::{self, Mark, MonthGrid};
use crate::app::AppState;
use crate::auth::Visible;
use crate::classes::Class;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::excel::{self, Book, Cell, Sheet, workbook};

const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// The column heading of a day: `7/6 一`.
pub fn day_heading(day: &str) -> String {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| {
            format!(
                "{}/{} {}",
                d.month(),
                d.day(),
                WEEKDAYS[d.weekday().num_days_from_monday() as usize]
            )
        })
        .unwrap_or_else(|_| day.to_string())
}

fn ratio(present: u32, expected: u32) -> Cell {
    if expected == 0 {
        Cell::Empty
    } else {
        Cell::Percent(f64::from(present) / f64::from(expected))
    }
}

/// The workbook of one month.
pub fn workbook_of(c: &Class, g: &MonthGrid, lang: Lang) -> Result<Book, AppError> {
    let mut headers = vec![lang.t("grid.no"), lang.t("grid.child")];
    headers.extend(g.days.iter().map(|d| day_heading(d)));
    headers.extend(["grid.present", "grid.expected", "grid.rate"].map(|k| lang.t(k)));
    let rows = g
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut line = vec![Cell::Int(i as i64 + 1), Cell::Text(r.name.clone())];
            line.extend(r.marks.iter().map(|m| match m {
                Mark::Future => Cell::Empty,
                m => Cell::Text(m.sign().to_string()),
            }));
            line.push(Cell::Int(i64::from(r.present)));
            line.push(Cell::Int(i64::from(r.expected)));
            line.push(ratio(r.present, r.expected));
            line
        })
        .collect();
    let mut totals = vec![Cell::Empty, Cell::Text(lang.t("grid.total"))];
    totals.extend(g.days.iter().map(|_| Cell::Empty));
    totals.push(Cell::Int(i64::from(g.rate.present)));
    totals.push(Cell::Int(i64::from(g.rate.expected)));
    totals.push(ratio(g.rate.present, g.rate.expected));
    let sheet = Sheet {
        name: g.month.clone(),
        title: lang.tf(
            "grid.title",
            &[
                ("class", format!("{} · {}", c.host_name, c.name)),
                ("month", g.month.clone()),
            ],
        ),
        subtitle: Some(lang.tf("grid.legend", &[("pct", g.min_attendance_pct.to_string())])),
        headers,
        rows,
        totals: Some(totals),
        footer: Vec::new(),
    };
    Ok(workbook(&[sheet])?)
}

/// The month asked for, or the class's own: this month while it runs, else its last month (or
/// its first, before it starts).
pub fn month_for(c: &Class, asked: Option<&str>) -> String {
    if let Some(m) = asked.map(str::trim).filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let now = crate::calendar::today().format("%Y-%m").to_string();
    let (start, end) = (
        c.start_date.get(0..7).unwrap_or(""),
        c.end_date.get(0..7).unwrap_or(""),
    );
    if now.as_str() < start {
        start.to_string()
    } else if now.as_str() > end {
        end.to_string()
    } else {
        now
    }
}

/// The sign-in sheet of a month as a download (`{class} {month} 签到表.xlsx`).
pub async fn download(
    state: &AppState,
    c: &Visible<Class>,
    asked: Option<&str>,
    lang: Lang,
) -> Result<Response, AppError> {
    let m = month_for(c, asked);
    let g = metrics::month(state, c, &m, crate::calendar::today()).await?;
    let book = workbook_of(c, &g, lang)?;
    Ok(excel::download(
        book,
        &format!("{} {m} 签到表.xlsx", c.name),
    )?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn headings_carry_the_weekday() {
        assert_eq!(super::day_heading("2026-07-06"), "7/6 一");
        assert_eq!(super::day_heading("2026-07-12"), "7/12 日");
    }
}
