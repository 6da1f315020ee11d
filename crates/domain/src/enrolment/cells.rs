//! Cells of a roster import (名单导入) as the importer read them, and the readings of text,
//! dates and numbers shared by [`super::roster_row`].

use chrono::{Days, NaiveDate};

/// A cell as the importer read it: text, or a number (Excel stored it as a float), or empty.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell {
    /// Text, as typed (surrounding whitespace is ignored).
    Text(String),
    /// A number cell: Excel stores every number, and every date, as a float.
    Number(f64),
    /// Nothing in the cell (whitespace-only text counts as empty too).
    Empty,
}

/// What a cell holds once read.
pub(crate) enum Value<'a> {
    /// Trimmed, non-empty text.
    Text(&'a str),
    /// A finite number.
    Number(f64),
    /// Empty, or whitespace only (or a non-finite number, which no template cell can hold).
    Empty,
}

/// Reads a cell; a missing cell (a short row) is empty.
pub(crate) fn value(cell: Option<&RawCell>) -> Value<'_> {
    match cell {
        Some(RawCell::Text(s)) if !s.trim().is_empty() => Value::Text(s.trim()),
        Some(RawCell::Number(n)) if n.is_finite() => Value::Number(*n),
        _ => Value::Empty,
    }
}

/// A number as text: whole numbers without a decimal point (`3.0` → `"3"`).
pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// A whole number in `0..=u8::MAX`, if `n` is one.
pub(crate) fn small_whole(n: f64) -> Option<u8> {
    (n.fract() == 0.0 && (0.0..=255.0).contains(&n)).then_some(n as u8)
}

/// Excel's day zero in the 1900 date system (it counts 1900-02-29, which never was, so
/// serials from 61 — 1900-03-01 — on are right with this epoch).
fn excel_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1899, 12, 30).expect("a real date")
}

/// An Excel serial date (days since 1899-12-30; a time of day, the fraction, is dropped).
/// Serials before 61 and beyond 9999-12-31 are refused.
pub(crate) fn excel_date(serial: f64) -> Option<NaiveDate> {
    let days = serial.floor();
    if !(61.0..=2_958_465.0).contains(&days) {
        return None;
    }
    excel_epoch().checked_add_days(Days::new(days as u64))
}

/// A date written as `2015-03-08`, `2015-3-8`, `2015/3/8`, `2015.3.8`, `2015年3月8日` or
/// `20150308` (full-width digits too), optionally followed by a time of day (`2015/3/8 0:00`,
/// as a CSV saved by Excel has it).
pub(crate) fn text_date(s: &str) -> Option<NaiveDate> {
    let s: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            _ => c,
        })
        .collect();
    let mut words = s.split_whitespace();
    let date = words.next()?;
    let time_ok = words.all(|w| w.chars().all(|c| c.is_ascii_digit() || c == ':'));
    if !time_ok {
        return None;
    }
    let date = date.strip_suffix('日').unwrap_or(date);
    let parts: Vec<&str> = if date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()) {
        vec![&date[..4], &date[4..6], &date[6..]]
    } else {
        date.split(['-', '/', '.', '年', '月']).collect()
    };
    let [y, m, d] = parts[..] else {
        return None;
    };
    let digits = |p: &str, len: std::ops::RangeInclusive<usize>| {
        let ok = len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| p.parse::<u32>().ok()).flatten()
    };
    let year = i32::try_from(digits(y, 4..=4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(m, 1..=2)?, digits(d, 1..=2)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn dates_as_typed() {
        let cases = [
            ("2015-03-08", d(2015, 3, 8)),
            ("2015-3-8", d(2015, 3, 8)),
            ("2015/3/8", d(2015, 3, 8)),
            ("2015.03.08", d(2015, 3, 8)),
            ("2015年3月8日", d(2015, 3, 8)),
            ("2015年03月08日", d(2015, 3, 8)),
            ("２０１５年３月８日", d(2015, 3, 8)),
            ("20150308", d(2015, 3, 8)),
            ("2015/3/8 0:00", d(2015, 3, 8)),
            ("2015-03-08 00:00:00", d(2015, 3, 8)),
            ("2016-02-29", d(2016, 2, 29)),
            ("2015-02-29", None),
            ("2015-13-01", None),
            ("15-3-8", None),
            ("2015-3", None),
            ("2015-3-8-1", None),
            ("2015-+3-8", None),
            ("2015/3/8 上午", None),
            ("三月八日", None),
            ("2015年3月8", d(2015, 3, 8)),
        ];
        for (input, want) in cases {
            assert_eq!(text_date(input), want, "{input:?}");
        }
    }

    #[test]
    fn excel_serial_dates() {
        let cases = [
            (42071.0, d(2015, 3, 8)),
            (42071.75, d(2015, 3, 8)), // 18:00 that day
            (61.0, d(1900, 3, 1)),
            (60.0, None), // Excel's 1900-02-29
            (0.0, None),
            (-5.0, None),
            (2_958_465.0, d(9999, 12, 31)),
            (2_958_466.0, None),
        ];
        for (serial, want) in cases {
            assert_eq!(excel_date(serial), want, "{serial}");
        }
    }

    #[test]
    fn cells_and_numbers() {
        assert!(matches!(
            value(Some(&RawCell::Text(" 张三 ".into()))),
            Value::Text("张三")
        ));
        assert!(matches!(
            value(Some(&RawCell::Text("\u{3000}".into()))),
            Value::Empty
        ));
        assert!(matches!(
            value(Some(&RawCell::Number(f64::NAN))),
            Value::Empty
        ));
        assert!(matches!(value(None), Value::Empty));
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(
            (small_whole(6.0), small_whole(6.5), small_whole(-1.0)),
            (Some(6), None, None)
        );
    }
}
