//! Tests of [`super::parse_row`] and [`super::dedupe_key`] (issue 4: good, bad, float-typed-ID
//! and re-imported rows).

use super::*;
use RawCell::{Empty, Number};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn t(s: &str) -> RawCell {
    RawCell::Text(s.to_owned())
}

/// A good row as a parent unit types it into the template.
fn good() -> Vec<RawCell> {
    [
        "张小明",
        "男",
        "2016-05-04",
        "实验小学",
        "三年级",
        "110105201605040018",
        "张伟",
        "138 1234 5678",
        "父子",
        "市供电公司",
        "花生过敏",
        "双职工、劳模",
    ]
    .map(t)
    .to_vec()
}

fn err(column: &'static str, code: &'static str) -> RowError {
    RowError { column, code }
}

#[test]
fn good_rows() {
    let row = parse_row(&good(), today()).unwrap();
    assert_eq!((row.name.as_str(), row.gender), ("张小明", Gender::Male));
    assert_eq!(row.birth_date, NaiveDate::from_ymd_opt(2016, 5, 4).unwrap());
    assert_eq!(row.grade, Grade::G3);
    assert_eq!(
        row.id_number.as_ref().unwrap().as_str(),
        "110105201605040018"
    );
    assert_eq!(row.guardian_phone.as_str(), "13812345678");
    assert_eq!(row.health_notes, "花生过敏");
    let want = [Priority::DualWorker, Priority::ModelWorker];
    assert_eq!(row.priorities, want);

    // The optional columns left out (a short row), the date and grade as Excel numbers.
    let mut cells = good();
    cells.truncate(10);
    cells[2] = Number(42494.0);
    cells[4] = Number(3.0);
    cells[5] = t("  ");
    let short = parse_row(&cells, today()).unwrap();
    assert_eq!((short.birth_date, short.grade), (row.birth_date, row.grade));
    assert_eq!((short.id_number, short.health_notes.as_str()), (None, ""));
    assert!(short.priorities.is_empty());

    // Extra cells are ignored; priorities in other separators, repeated, in other spellings.
    let mut cells = good();
    cells[11] = t("单亲家庭；多孩, 劳动模范 单亲");
    cells.push(t("备注"));
    let row = parse_row(&cells, today()).unwrap();
    use Priority::{ModelWorker, SeveralChildren, SingleParent};
    assert_eq!(row.priorities, [SingleParent, SeveralChildren, ModelWorker]);
}

#[test]
fn one_bad_cell() {
    let long = |n: usize| t(&"长".repeat(n));
    let cases: Vec<(usize, RawCell, RowError)> = vec![
        // Excel stored the number as a float (1.10105201605040E+17): digits are gone.
        (
            5,
            Number(110_105_201_605_040_000.0),
            err("id_number", "roster.id_number_float"),
        ),
        (
            7,
            Number(13_812_345_678.0),
            err("guardian_phone", "roster.phone_float"),
        ),
        (
            5,
            t("110105201605040019"),
            err("id_number", "id_number.checksum"),
        ),
        (
            5,
            t("000105201605040018"),
            err("id_number", "id_number.province"),
        ),
        (
            5,
            t("11010520160504001"),
            err("id_number", "id_number.length"),
        ),
        // A real number, but another child's date of birth.
        (
            5,
            t("440306201503080020"),
            err("id_number", "id_number.birth_date_mismatch"),
        ),
        (0, Empty, err("name", "roster.required")),
        (0, t(" \u{3000} "), err("name", "roster.required")),
        (0, long(51), err("name", "roster.name_length")),
        (6, long(51), err("guardian_name", "roster.name_length")),
        (1, t("未知"), err("gender", "roster.gender")),
        (1, Number(1.0), err("gender", "roster.gender")),
        (2, t("2016-02-30"), err("birth_date", "roster.birth_date")),
        (2, Number(12.0), err("birth_date", "roster.birth_date")),
        (
            2,
            t("2026-07-01"),
            err("birth_date", "roster.birth_date_future"),
        ),
        (4, t("七年级"), err("grade", "roster.grade")),
        (4, Number(7.0), err("grade", "roster.grade")),
        (4, Number(2.5), err("grade", "roster.grade")),
        (7, t("1381234567"), err("guardian_phone", "phone.format")),
        (3, long(101), err("school", "roster.too_long")),
        (9, long(101), err("employer", "roster.too_long")),
        (10, long(1001), err("health_notes", "roster.too_long")),
        (11, t("双职工、军属"), err("priorities", "roster.priority")),
        (11, Number(1.0), err("priorities", "roster.priority")),
    ];
    for (i, cell, want) in cases {
        let mut cells = good();
        let shown = format!("{cell:?}");
        cells[i] = cell;
        assert_eq!(parse_row(&cells, today()), Err(vec![want]), "{i}: {shown}");
    }
    let mut cells = good();
    cells[0] = long(50);
    cells[6] = t("李");
    assert!(parse_row(&cells, today()).is_ok());
}

#[test]
fn every_problem_of_a_row() {
    let required = ["name", "gender", "birth_date", "school", "grade"]
        .into_iter()
        .chain([
            "guardian_name",
            "guardian_phone",
            "relationship",
            "employer",
        ])
        .map(|c| err(c, "roster.required"));
    assert_eq!(parse_row(&[], today()), Err(required.collect()));
    let mut cells = good();
    cells[1] = t("X");
    cells[5] = Number(1.1e17);
    cells[7] = Number(1.38e10);
    let want = vec![
        err("gender", "roster.gender"),
        err("id_number", "roster.id_number_float"),
        err("guardian_phone", "roster.phone_float"),
    ];
    assert_eq!(parse_row(&cells, today()), Err(want));
}

#[test]
fn debug_keeps_personal_data_out() {
    let row = parse_row(&good(), today()).unwrap();
    for shown in [format!("{row:?}"), format!("{row:#?}")] {
        assert!(
            shown.contains("张小明") && shown.contains("110105********0018"),
            "{shown}"
        );
        for secret in ["20160504", "花生", "13812345678", "5678", "市供电公司"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
    let mut cells = good();
    cells[5] = Empty;
    let row = parse_row(&cells, today()).unwrap();
    assert_eq!(
        format!("{row:?}"),
        "RosterRow { name: \"张小明\", id_number: None, .. }"
    );
}

#[test]
fn dedupe_keys_across_reimports() {
    let key = |cells: &[RawCell]| dedupe_key(&parse_row(cells, today()).unwrap());
    assert_eq!(key(&good()), "id:110105201605040018");
    // The same child re-typed: full-width digits, other phone spelling, other grade text.
    let mut again = good();
    again[5] = t("１１０１０５２０１６０５０４００１８");
    again[4] = t("3");
    again[7] = t("+86 13812345678");
    assert_eq!(key(&again), key(&good()));
    let mut no_id = good();
    no_id[5] = Empty;
    assert_eq!(key(&no_id), "child:张小明|2016-05-04|13812345678");
    let mut spaced = no_id.clone();
    spaced[0] = t("张 小明");
    spaced[2] = t("2016年5月4日");
    spaced[7] = t("138-1234-5678");
    assert_eq!(key(&spaced), key(&no_id));
    let mut sibling = no_id.clone();
    sibling[0] = t("张小红");
    assert_ne!(key(&sibling), key(&no_id));
    assert_eq!(TEMPLATE_HEADERS.len(), COLUMN_KEYS.len());
    assert_eq!(
        (Gender::parse(" f "), Gender::Male.as_str()),
        (Some(Gender::Female), "male")
    );
}
