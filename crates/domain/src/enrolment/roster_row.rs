//! One row of a roster import (名单导入, PRODUCT.md §5), validated: the importer reads the .xlsx or
//! .csv cells, [`parse_row`] checks them and reports every problem with its column and an i18n
//! key, and [`dedupe_key`] recognises the same child when a file is imported again.
//!
//! A row holds a child's personal data: [`RosterRow`]'s `Debug` prints only the name and the
//! masked ID number.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

pub use super::cells::RawCell;
use super::cells::{Value, excel_date, number_text, small_whole, text_date, value};
use super::eligibility::Grade;
use super::priority::Priority;
use crate::id_number::IdNumber;
use crate::phone::Phone;

/// Column headers of the roster template (名单模板), in order.
pub const TEMPLATE_HEADERS: [&str; 12] = [
    "姓名",
    "性别",
    "出生日期",
    "学校",
    "年级",
    "身份证号",
    "监护人姓名",
    "监护人手机",
    "与儿童关系",
    "监护人工作单位",
    "健康情况/过敏",
    "优先类别",
];

/// The field key of each template column, as used in [`RowError::column`].
pub const COLUMN_KEYS: [&str; 12] = [
    "name",
    "gender",
    "birth_date",
    "school",
    "grade",
    "id_number",
    "guardian_name",
    "guardian_phone",
    "relationship",
    "employer",
    "health_notes",
    "priorities",
];

/// Longest name, in characters.
const MAX_NAME: usize = 50;
/// Longest school, relationship or employer, in characters.
const MAX_TEXT: usize = 100;
/// Longest health notes, in characters.
const MAX_NOTES: usize = 1000;

/// A child's sex (性别).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// 男.
    Male,
    /// 女.
    Female,
}

impl Gender {
    /// `男`/`M`/`male` or `女`/`F`/`female` (ASCII case and surrounding whitespace ignored).
    pub fn parse(s: &str) -> Option<Gender> {
        match s.trim().to_ascii_lowercase().as_str() {
            "男" | "m" | "male" => Some(Gender::Male),
            "女" | "f" | "female" => Some(Gender::Female),
            _ => None,
        }
    }

    /// `"male"` or `"female"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }
}

/// A valid roster row (名单行): the child and one guardian.
#[derive(Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// 姓名, 1–50 characters.
    pub name: String,
    /// 性别.
    pub gender: Gender,
    /// 出生日期.
    pub birth_date: NaiveDate,
    /// 学校.
    pub school: String,
    /// 年级.
    pub grade: Grade,
    /// 身份证号, optional; agrees with the birth date when given.
    pub id_number: Option<IdNumber>,
    /// 监护人姓名, 1–50 characters.
    pub guardian_name: String,
    /// 监护人手机.
    pub guardian_phone: Phone,
    /// 与儿童关系, e.g. 父子.
    pub relationship: String,
    /// 监护人工作单位.
    pub employer: String,
    /// 健康情况/过敏, may be empty. Sensitive: encrypted at rest, never logged.
    pub health_notes: String,
    /// 优先类别, each once, in the order written.
    pub priorities: Vec<Priority>,
}

impl fmt::Debug for RosterRow {
    /// The name and the masked ID number only: the rest is personal data kept out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RosterRow")
            .field("name", &self.name)
            .field("id_number", &self.id_number.as_ref().map(IdNumber::masked))
            .finish_non_exhaustive()
    }
}

/// One problem of a row (行错误): the field key of [`COLUMN_KEYS`] and an i18n key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The field, e.g. `"id_number"`.
    pub column: &'static str,
    /// The i18n key, e.g. `"roster.id_number_float"`.
    pub code: &'static str,
}

/// Every problem of the row (`Err` lists them in column order, at most one per column).
///
/// Cells are in [`TEMPLATE_HEADERS`] order; missing trailing cells are empty and extra cells
/// are ignored. Text is trimmed. All fields are required except the ID number, the health
/// notes and the priorities (`roster.required`). An ID number or phone that arrived as a
/// number is refused (`roster.id_number_float`, `roster.phone_float`): Excel stored it as a
/// float and may have dropped digits — the template's columns are text. Dates are text
/// (`2015-03-08`, `2015/3/8`, `2015年3月8日`, …) or an Excel serial number, not after `today`.
/// An ID number must pass [`IdNumber::parse`] and agree with the birth date (its error's
/// code). Names have 1–50 characters; the school, relationship and employer at most 100,
/// the health notes 1,000. Grades go through [`Grade::parse`] (a number cell 1–6 too);
/// priorities are [`Priority::parse`] names separated by `、`, `,`, `，`, `;`, `；` or spaces.
pub fn parse_row(cells: &[RawCell], today: NaiveDate) -> Result<RosterRow, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut field = Fields(&mut errors);
    let cell = |i: usize| value(cells.get(i));
    let name = field.get(0, text(cell(0), MAX_NAME, "roster.name_length"));
    let gender = field.get(1, required(cell(1)).and_then(gender));
    let birth_date = field.get(2, required(cell(2)).and_then(|v| birth_date(v, today)));
    let school = field.get(3, text(cell(3), MAX_TEXT, "roster.too_long"));
    let grade = field.get(4, required(cell(4)).and_then(grade));
    let id_number = field
        .get(5, id_number(cell(5), today, birth_date))
        .flatten();
    let guardian_name = field.get(6, text(cell(6), MAX_NAME, "roster.name_length"));
    let guardian_phone = field.get(7, required(cell(7)).and_then(phone));
    let relationship = field.get(8, text(cell(8), MAX_TEXT, "roster.too_long"));
    let employer = field.get(9, text(cell(9), MAX_TEXT, "roster.too_long"));
    let health_notes = field.get(10, optional_text(cell(10), MAX_NOTES));
    let priorities = field.get(11, priorities(cell(11)));
    let (
        Some(name),
        Some(gender),
        Some(birth_date),
        Some(school),
        Some(grade),
        Some(guardian_name),
        Some(guardian_phone),
        Some(relationship),
        Some(employer),
        Some(health_notes),
        Some(priorities),
    ) = (
        name,
        gender,
        birth_date,
        school,
        grade,
        guardian_name,
        guardian_phone,
        relationship,
        employer,
        health_notes,
        priorities,
    )
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RosterRow {
        name,
        gender,
        birth_date,
        school,
        grade,
        id_number,
        guardian_name,
        guardian_phone,
        relationship,
        employer,
        health_notes,
        priorities,
    })
}

/// A key that identifies the same child across re-imports: `id:` and the ID number if given,
/// else `child:` name (whitespace removed, ASCII lower-cased), birth date and guardian phone.
/// It holds personal data: compare or hash it, never log it.
pub fn dedupe_key(row: &RosterRow) -> String {
    child_key(
        &row.name,
        row.birth_date,
        row.id_number.as_ref(),
        &row.guardian_phone,
    )
}

/// [`dedupe_key`] of a child entered one field at a time (a parent's form).
pub fn child_key(
    name: &str,
    birth_date: NaiveDate,
    id: Option<&IdNumber>,
    phone: &Phone,
) -> String {
    match id {
        Some(id) => format!("id:{}", id.as_str()),
        None => {
            let name: String = name.split_whitespace().collect();
            let name = name.to_ascii_lowercase();
            format!("child:{name}|{birth_date}|{}", phone.as_str())
        }
    }
}

/// A field's value, or the i18n key of its problem.
type Parsed<T> = Result<T, &'static str>;

/// Collects the problems of a row while its fields are read.
struct Fields<'a>(&'a mut Vec<RowError>);

impl Fields<'_> {
    /// The value of column `i`, or `None` after recording its problem.
    fn get<T>(&mut self, i: usize, parsed: Parsed<T>) -> Option<T> {
        let column = COLUMN_KEYS[i];
        parsed
            .map_err(|code| self.0.push(RowError { column, code }))
            .ok()
    }
}

fn required(v: Value<'_>) -> Parsed<Value<'_>> {
    match v {
        Value::Empty => Err("roster.required"),
        v => Ok(v),
    }
}

/// Optional free text, numbers written out; at most `max` characters.
fn optional_text(v: Value<'_>, max: usize) -> Parsed<String> {
    let s = match v {
        Value::Text(s) => s.to_owned(),
        Value::Number(n) => number_text(n),
        Value::Empty => String::new(),
    };
    if s.chars().count() > max {
        Err("roster.too_long")
    } else {
        Ok(s)
    }
}

/// Required free text of at most `max` characters, `too_long` otherwise.
fn text(v: Value<'_>, max: usize, too_long: &'static str) -> Parsed<String> {
    optional_text(required(v)?, max).map_err(|_| too_long)
}

fn gender(v: Value<'_>) -> Parsed<Gender> {
    match v {
        Value::Text(s) => Gender::parse(s).ok_or("roster.gender"),
        _ => Err("roster.gender"),
    }
}

fn birth_date(v: Value<'_>, today: NaiveDate) -> Parsed<NaiveDate> {
    let date = match v {
        Value::Text(s) => text_date(s),
        Value::Number(n) => excel_date(n),
        Value::Empty => None,
    };
    match date {
        Some(d) if d > today => Err("roster.birth_date_future"),
        Some(d) if d.year() >= 1900 => Ok(d),
        _ => Err("roster.birth_date"),
    }
}

fn grade(v: Value<'_>) -> Parsed<Grade> {
    let grade = match v {
        Value::Text(s) => Grade::parse(s),
        Value::Number(n) => small_whole(n)
            .filter(|g| (1..=6).contains(g))
            .map(|g| Grade::ALL[usize::from(g)]),
        Value::Empty => None,
    };
    grade.ok_or("roster.grade")
}

/// The optional ID number; it must agree with the birth date when that was readable.
fn id_number(v: Value<'_>, today: NaiveDate, dob: Option<NaiveDate>) -> Parsed<Option<IdNumber>> {
    match v {
        Value::Text(s) => {
            let id = IdNumber::parse(s, today).map_err(|e| e.code())?;
            if let Some(dob) = dob {
                id.check_birth_date(dob).map_err(|e| e.code())?;
            }
            Ok(Some(id))
        }
        Value::Number(_) => Err("roster.id_number_float"),
        Value::Empty => Ok(None),
    }
}

fn phone(v: Value<'_>) -> Parsed<Phone> {
    match v {
        Value::Text(s) => Phone::parse(s).map_err(|e| e.code()),
        _ => Err("roster.phone_float"),
    }
}

fn priorities(v: Value<'_>) -> Parsed<Vec<Priority>> {
    let s = match v {
        Value::Text(s) => s,
        Value::Number(_) => return Err("roster.priority"),
        Value::Empty => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for word in s.split(|c: char| matches!(c, '、' | ',' | '，' | ';' | '；') || c.is_whitespace())
    {
        if word.is_empty() {
            continue;
        }
        let p = Priority::parse(word).ok_or("roster.priority")?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "roster_row_tests.rs"]
mod tests;
