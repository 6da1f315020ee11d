//! Reading the calendar CSV format `date,kind,name` (shipped data and administrators' uploads).
//!
//! The format: a header line `date,kind,name`, then one row per listed day, e.g.
//! `2026-02-14,workday,春节`. Dates are `YYYY-MM-DD`, `kind` is `holiday` or `workday`, and the
//! name is everything after the second comma. A UTF-8 byte-order mark, CRLF line ends, blank
//! lines and whitespace around fields are tolerated, so a file saved by Excel still reads.

use std::collections::HashSet;

use chrono::NaiveDate;

use super::{CalendarDay, DayKind};

/// Why a calendar CSV could not be read; every variant names the 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarCsvError {
    /// The first non-blank line is not the header `date,kind,name`.
    #[error("line {line}: expected the header `date,kind,name`")]
    Header {
        /// 1-based line number.
        line: usize,
    },
    /// A row does not have three comma-separated fields.
    #[error("line {line}: expected three fields `date,kind,name`")]
    Fields {
        /// 1-based line number.
        line: usize,
    },
    /// The date is not a real `YYYY-MM-DD` date.
    #[error("line {line}: {value:?} is not a date of the form YYYY-MM-DD")]
    Date {
        /// 1-based line number.
        line: usize,
        /// The offending field.
        value: String,
    },
    /// The kind is neither `holiday` nor `workday`.
    #[error("line {line}: kind {value:?} is neither `holiday` nor `workday`")]
    Kind {
        /// 1-based line number.
        line: usize,
        /// The offending field.
        value: String,
    },
    /// The festival name is empty.
    #[error("line {line}: the name is empty")]
    EmptyName {
        /// 1-based line number.
        line: usize,
    },
    /// The same date was listed on an earlier line.
    #[error("line {line}: {date} is listed twice")]
    Duplicate {
        /// 1-based line number of the second listing.
        line: usize,
        /// The repeated date.
        date: NaiveDate,
    },
}

impl CalendarCsvError {
    /// The 1-based line number the error is about.
    pub fn line(&self) -> usize {
        match self {
            CalendarCsvError::Header { line }
            | CalendarCsvError::Fields { line }
            | CalendarCsvError::Date { line, .. }
            | CalendarCsvError::Kind { line, .. }
            | CalendarCsvError::EmptyName { line }
            | CalendarCsvError::Duplicate { line, .. } => *line,
        }
    }

    /// The i18n key of the error, e.g. `calendar_csv.date`.
    pub fn code(&self) -> &'static str {
        match self {
            CalendarCsvError::Header { .. } => "calendar_csv.header",
            CalendarCsvError::Fields { .. } => "calendar_csv.fields",
            CalendarCsvError::Date { .. } => "calendar_csv.date",
            CalendarCsvError::Kind { .. } => "calendar_csv.kind",
            CalendarCsvError::EmptyName { .. } => "calendar_csv.empty_name",
            CalendarCsvError::Duplicate { .. } => "calendar_csv.duplicate",
        }
    }
}

/// Parse CSV text `date,kind,name` with a header line; errors name the line number.
///
/// Rows come back in file order. A date listed twice is an error rather than a silent
/// override, since it is almost always a typing mistake.
pub fn parse_calendar_csv(text: &str) -> Result<Vec<CalendarDay>, CalendarCsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());

    let (header_line, header) = lines.next().ok_or(CalendarCsvError::Header { line: 1 })?;
    let fields: Vec<&str> = header.split(',').map(str::trim).collect();
    if !fields
        .iter()
        .map(|f| f.to_ascii_lowercase())
        .eq(["date", "kind", "name"])
    {
        return Err(CalendarCsvError::Header { line: header_line });
    }

    let mut seen = HashSet::new();
    let mut days = Vec::new();
    for (line, row) in lines {
        let mut fields = row.splitn(3, ',').map(str::trim);
        let (Some(date), Some(kind), Some(name)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(CalendarCsvError::Fields { line });
        };
        let date = parse_date(date).ok_or_else(|| CalendarCsvError::Date {
            line,
            value: date.to_owned(),
        })?;
        let kind = DayKind::parse(kind).ok_or_else(|| CalendarCsvError::Kind {
            line,
            value: kind.to_owned(),
        })?;
        if name.is_empty() {
            return Err(CalendarCsvError::EmptyName { line });
        }
        if !seen.insert(date) {
            return Err(CalendarCsvError::Duplicate { line, date });
        }
        days.push(CalendarDay {
            date,
            kind,
            name: name.to_owned(),
        });
    }
    Ok(days)
}

/// Strict `YYYY-MM-DD` (chrono's `%Y` alone would also take `+2026` or a short year).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn parses_rows_and_tolerates_bom_crlf_blank_lines_and_spaces() {
        let text = "\u{feff}date,kind,name\r\n2026-02-14, workday ,春节\r\n\r\n 2026-02-16,holiday,春节 \r\n";
        let days = parse_calendar_csv(text).unwrap();
        assert_eq!(
            days,
            vec![
                CalendarDay {
                    date: date("2026-02-14"),
                    kind: DayKind::Workday,
                    name: "春节".into()
                },
                CalendarDay {
                    date: date("2026-02-16"),
                    kind: DayKind::Holiday,
                    name: "春节".into()
                },
            ]
        );
    }

    #[test]
    fn header_only_is_empty_and_name_may_contain_commas() {
        assert_eq!(parse_calendar_csv("date,kind,name\n").unwrap(), vec![]);
        let days =
            parse_calendar_csv("Date,Kind,Name\n2015-09-03,holiday,抗战胜利,70周年").unwrap();
        assert_eq!(days[0].name, "抗战胜利,70周年");
    }

    #[test]
    fn errors_name_the_line() {
        let h = "date,kind,name\n";
        let cases: Vec<(String, CalendarCsvError)> = vec![
            (String::new(), CalendarCsvError::Header { line: 1 }),
            (
                "\n\ndate,kind\n".into(),
                CalendarCsvError::Header { line: 3 },
            ),
            (
                "2026-01-01,holiday,元旦\n".into(),
                CalendarCsvError::Header { line: 1 },
            ),
            (
                format!("{h}2026-01-01,holiday"),
                CalendarCsvError::Fields { line: 2 },
            ),
            (
                format!("{h}2026-01-01,holiday,元旦\n2026-02-30,holiday,春节"),
                CalendarCsvError::Date {
                    line: 3,
                    value: "2026-02-30".into(),
                },
            ),
            (
                format!("{h}2026-1-1,holiday,元旦"),
                CalendarCsvError::Date {
                    line: 2,
                    value: "2026-1-1".into(),
                },
            ),
            (
                format!("{h}+2026-01-1,holiday,元旦"),
                CalendarCsvError::Date {
                    line: 2,
                    value: "+2026-01-1".into(),
                },
            ),
            (
                format!("{h}2026-01-01,off,元旦"),
                CalendarCsvError::Kind {
                    line: 2,
                    value: "off".into(),
                },
            ),
            (
                format!("{h}2026-01-01,holiday, "),
                CalendarCsvError::EmptyName { line: 2 },
            ),
            (
                format!("{h}2026-01-01,holiday,元旦\n\n2026-01-01,workday,元旦"),
                CalendarCsvError::Duplicate {
                    line: 4,
                    date: date("2026-01-01"),
                },
            ),
        ];
        for (text, want) in cases {
            let got = parse_calendar_csv(&text).unwrap_err();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(got.line(), want.line());
            assert!(
                got.to_string()
                    .starts_with(&format!("line {}:", want.line()))
            );
            assert!(got.code().starts_with("calendar_csv."));
        }
    }
}
