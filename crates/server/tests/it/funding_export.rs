//! The ledger workbook (issue 18) by round trip: the demo's 2025 programme downloaded and read
//! back with calamine. The summary's closing balance of the hospital class is its budget's
//! received − spent to the fen, the totals row is the sum of the rows, money cells are numbers
//! formatted ¥#,##0.00, and a period's `from` turns the entries before it into the opening
//! balance (the journal opening and closing on the same figures). Each reader gets their own
//! area; the neighbouring city gets nothing.

use calamine::{Data, Range, Reader, Xlsx};
use reqwest::StatusCode;
use serde_json::Value;

use crate::both;
use crate::funding::{HOSPITAL_2025, budget, class_id, fen, ledger, summer};
use crate::support::web::WebSession;
use crate::support::{Backend, TestApp, error_fields, tokens};

/// Summary columns: 序号, 单位, 托管班, then the money from 期初余额 to 期末余额.
const OPENING: u32 = 3;
const RECEIPTS: u32 = 12;
const PAYMENTS: u32 = 20;
const CLOSING: u32 = 21;

async fn download(app: &TestApp, path: &str, token: &str) -> (StatusCode, Vec<u8>, Value) {
    let res = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = res.bytes().await.unwrap().to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status == StatusCode::OK {
        assert!(kind.contains("spreadsheetml"), "{kind}");
    }
    (status, bytes, body)
}

/// The workbook's summary and journal sheets, and the summary's styles.
struct Workbook {
    summary: Range<Data>,
    journal: Range<Data>,
    styles: calamine::StyleRange,
}

fn read(bytes: Vec<u8>) -> Workbook {
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).expect("an .xlsx");
    let names = book.sheet_names();
    assert_eq!(names.len(), 2, "{names:?}");
    Workbook {
        summary: book.worksheet_range(&names[0]).unwrap(),
        journal: book.worksheet_range(&names[1]).unwrap(),
        styles: book.worksheet_style(&names[0]).unwrap(),
    }
}

/// A money cell in fen (the cell holds yuan as a number).
fn money(sheet: &Range<Data>, row: u32, col: u32) -> i64 {
    match sheet.get_value((row, col)) {
        Some(Data::Float(v)) => (v * 100.0).round() as i64,
        Some(Data::Int(v)) => v * 100,
        other => panic!("a number at ({row}, {col}): {other:?}"),
    }
}

fn text(sheet: &Range<Data>, row: u32, col: u32) -> String {
    sheet
        .get_value((row, col))
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// The summary's data rows (from row 4, the totals row excluded) and the totals row.
fn rows(sheet: &Range<Data>) -> (Vec<u32>, u32) {
    let last = sheet.end().expect("cells").0;
    assert!(last >= 4, "a totals row");
    ((4..last).collect(), last)
}

/// The totals row is the sum of the rows, column by column, to the fen.
fn assert_totals(sheet: &Range<Data>) {
    let (data, total) = rows(sheet);
    for col in OPENING..=CLOSING {
        let sum: i64 = data.iter().map(|r| money(sheet, *r, col)).sum();
        assert_eq!(money(sheet, total, col), sum, "column {col}");
    }
    for r in data.iter().chain([&total]) {
        let opening = money(sheet, *r, OPENING);
        let (received, spent) = (money(sheet, *r, RECEIPTS), money(sheet, *r, PAYMENTS));
        assert_eq!(
            money(sheet, *r, CLOSING),
            opening + received - spent,
            "row {r}"
        );
        let by_source: i64 = (OPENING + 1..RECEIPTS).map(|c| money(sheet, *r, c)).sum();
        let by_category: i64 = (RECEIPTS + 1..PAYMENTS).map(|c| money(sheet, *r, c)).sum();
        assert_eq!((by_source, by_category), (received, spent), "row {r}");
    }
}

/// The row of the class named `name`.
fn row_of(sheet: &Range<Data>, name: &str) -> u32 {
    rows(sheet)
        .0
        .into_iter()
        .find(|r| text(sheet, *r, 2) == name)
        .unwrap_or_else(|| panic!("{name} in the summary"))
}

both!(
    the_ledger_workbook_closes_on_the_budget_to_the_fen_and_a_period_opens_on_what_came_before,
    workbook
);
async fn workbook(b: Backend) {
    let app = TestApp::spawn_on(b, tuoguan::calendar::today()).await;
    let [city, hosp, power, other] = tokens(
        &app,
        [
            "city_admin",
            "hospital_admin",
            "power_admin",
            "linjiang_admin",
        ],
    )
    .await;
    let pid = summer(&app, &city, 2025).await;
    let class = class_id(&app, &city, &pid, HOSPITAL_2025).await;
    let budget = budget(&app, &class, &hosp).await;
    let whole = format!("/api/v1/programmes/{pid}/ledger.xlsx");

    // The city's whole programme: the hospital class closes on its budget's balance.
    let (status, bytes, e) = download(&app, &whole, &city).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let book = read(bytes);
    let s = &book.summary;
    assert!(
        text(s, 0, 0).contains("2025"),
        "the title: {}",
        text(s, 0, 0)
    );
    assert_eq!(s.end().unwrap().1, CLOSING, "22 columns");
    assert!(!text(s, 3, CLOSING).is_empty(), "the headers on row 3");
    let h = row_of(s, HOSPITAL_2025);
    assert_eq!(text(s, h, 1), "示例市第一人民医院工会");
    assert_eq!(money(s, h, OPENING), 0);
    assert_eq!(money(s, h, RECEIPTS), fen(&budget["received_fen"]));
    assert_eq!(money(s, h, PAYMENTS), fen(&budget["spent_fen"]));
    assert_eq!(
        money(s, h, CLOSING),
        fen(&budget["received_fen"]) - fen(&budget["spent_fen"])
    );
    assert_eq!(money(s, h, CLOSING), 1_143_950);
    let received: Vec<i64> = (OPENING + 1..RECEIPTS).map(|c| money(s, h, c)).collect();
    let by_source: Vec<i64> = budget["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| fen(&l["received_fen"]))
        .collect();
    assert_eq!(
        received, by_source,
        "receipts by source, in the budget's order"
    );
    let spent: Vec<i64> = (RECEIPTS + 1..PAYMENTS).map(|c| money(s, h, c)).collect();
    let by_category: Vec<i64> = budget["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| fen(&l["spent_fen"]))
        .collect();
    assert_eq!(spent, by_category);
    assert_totals(s);
    for col in [OPENING, RECEIPTS, CLOSING] {
        let style = book.styles.get((h, col)).expect("a styled cell");
        let format = style.number_format.as_ref().expect("a number format");
        assert!(format.format_code.contains('¥'), "{}", format.format_code);
    }
    // The journal closes the class on the same balance.
    let j = &book.journal;
    let last = j.end().unwrap().0;
    assert_eq!(text(j, last, 1), HOSPITAL_2025);
    assert_eq!(money(j, last, 9), 1_143_950);

    // One class, for August: what came before is its opening balance.
    let entries = ledger(&app, &class, &hosp).await;
    let signed = |e: &Value| match e["direction"].as_str() {
        Some("receipt") => fen(&e["amount_fen"]),
        _ => -fen(&e["amount_fen"]),
    };
    let day = |e: &Value| e["occurred_on"].as_str().unwrap().to_string();
    let opening: i64 = entries
        .iter()
        .filter(|e| day(e).as_str() < "2025-08-01")
        .map(signed)
        .sum();
    let august: Vec<&Value> = entries
        .iter()
        .filter(|e| ("2025-08-01".."2025-09-01").contains(&day(e).as_str()))
        .collect();
    let (received, spent) = crate::funding::sums(august.iter().copied());
    assert_eq!((opening, received, spent), (2_064_000, 0, 1_930_050));
    let path = format!("{whole}?class_id={class}&from=2025-08-01&to=2025-08-31");
    let (status, bytes, e) = download(&app, &path, &hosp).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let book = read(bytes);
    let s = &book.summary;
    let (data, _) = rows(s);
    assert_eq!(data.len(), 1, "one class");
    assert_eq!(
        [OPENING, RECEIPTS, PAYMENTS, CLOSING].map(|c| money(s, 4, c)),
        [opening, received, spent, opening + received - spent]
    );
    assert!(text(s, 1, 0).contains("2025-08-01") && text(s, 1, 0).contains("2025-08-31"));
    assert_totals(s);
    let j = &book.journal;
    assert_eq!(money(j, 4, 9), opening, "the journal opens on it");
    let last = j.end().unwrap().0;
    assert_eq!(money(j, last, 9), opening + received - spent);
    assert_eq!(
        j.end().unwrap().0 - 4 + 1,
        august.len() as u32 + 3,
        "opening, entries, totals, closing"
    );

    // Each reader their own area: the unit its class, the sibling unit nothing of it, the
    // neighbouring city nothing at all; a day that is not one is named.
    let (_, bytes, _) = download(&app, &whole, &hosp).await;
    let mine = read(bytes);
    let names: Vec<String> = rows(&mine.summary)
        .0
        .iter()
        .map(|r| text(&mine.summary, *r, 2))
        .collect();
    assert_eq!(names, [HOSPITAL_2025]);
    let (status, bytes, _) = download(&app, &whole, &power).await;
    assert_eq!(status, StatusCode::OK);
    let theirs = read(bytes);
    assert!(
        rows(&theirs.summary).0.is_empty(),
        "the power class booked nothing"
    );
    let (_, total) = rows(&theirs.summary);
    assert_eq!(money(&theirs.summary, total, CLOSING), 0);
    let one = format!("{whole}?class_id={class}");
    assert_eq!(download(&app, &one, &power).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        download(&app, &whole, &other).await.0,
        StatusCode::NOT_FOUND
    );
    let bad = format!("{whole}?from=2025-13-01");
    let (status, _, e) = download(&app, &bad, &city).await;
    assert_eq!(
        (status, error_fields(&e)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["from".to_string()])
    );

    // The browser's download is the same workbook.
    let web = WebSession::login(&app, "city_admin").await;
    let res = web
        .http
        .get(app.url(&format!("/programmes/{pid}/ledger.xlsx?class_id={class}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let book = read(res.bytes().await.unwrap().to_vec());
    assert_eq!(money(&book.summary, 4, CLOSING), 1_143_950);
    assert!(!app.audit("ledger.export").await.is_empty());
}
