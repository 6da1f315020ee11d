//! Reading a roster file from disk a piece at a time: .xlsx (by its zip signature) cell by cell,
//! CSV (UTF-8 with or without a BOM, else GB18030, which also reads GBK) record by record. Only
//! the rows that hold something are kept, at most [`MAX_LINES`] of them and [`MAX_COLS`] cells
//! each, so what a file costs in memory has a bound that does not depend on the file.

use std::io::{BufReader, Read, Seek, SeekFrom};

use calamine::{Data, Reader};
use tuoguan_domain::enrolment::RawCell;

use axum::extract::Multipart;

use super::import::{self, MAX_ROWS};
use crate::error::AppError;
use crate::web::upload::{SpoolError, Spooled, read_form};

/// A row that holds something, with its number as the spreadsheet shows it (the first is 1).
pub type Line = (usize, Vec<RawCell>);

/// Most rows kept: the data rows and up to five lines of title and header above them.
pub const MAX_LINES: usize = MAX_ROWS + 5;
/// Cells of a row past this many columns are not read (the template has 12).
pub const MAX_COLS: usize = 64;
/// Most bytes an .xlsx may unpack to, by what its zip directory declares (a zip bomb stops here).
pub const MAX_UNPACKED: u64 = 64 << 20;
/// How much of a CSV file decides its encoding: the template's header row is Chinese, so its
/// first line already tells UTF-8 from GB18030.
const SNIFF: usize = 64 << 10;

/// The rows of a file that hold something, or the message key of what is wrong with it.
pub fn read_lines<R: Read + Seek>(mut r: R) -> Result<Vec<Line>, &'static str> {
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut r, &mut magic).map_err(|_| "import.unreadable")?;
    r.seek(SeekFrom::Start(0))
        .map_err(|_| "import.unreadable")?;
    if magic[..n] == *b"PK\x03\x04" {
        xlsx_lines(BufReader::new(r))
    } else {
        csv_lines(BufReader::new(r))
    }
}

/// True when a file's name says something else than its bytes: `.xlsx` on what is not a zip,
/// `.csv` or `.txt` on a zip, or the extension of anything else (`.xls`, `.pdf`, …). A name
/// without an extension says nothing.
pub fn misnamed<R: Read + Seek>(name: &str, r: &mut R) -> std::io::Result<bool> {
    let Some(ext) = crate::web::filetype::extension(name) else {
        return Ok(false);
    };
    let mut magic = [0u8; 4];
    let n = read_up_to(r, &mut magic)?;
    r.seek(SeekFrom::Start(0))?;
    let zip = magic[..n] == *b"PK\x03\x04";
    Ok(match ext.as_str() {
        "xlsx" => !zip,
        "csv" | "txt" => zip,
        _ => true,
    })
}

fn xlsx_lines<R: Read + Seek>(mut r: R) -> Result<Vec<Line>, &'static str> {
    let unpacked = {
        let mut zip = zip::ZipArchive::new(&mut r).map_err(|_| "import.unreadable")?;
        let mut total = 0u64;
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(|_| "import.unreadable")?;
            total = total.saturating_add(entry.size());
        }
        total
    };
    if unpacked > MAX_UNPACKED {
        return Err("import.too_large");
    }
    r.seek(SeekFrom::Start(0))
        .map_err(|_| "import.unreadable")?;
    let mut book = calamine::Xlsx::new(r).map_err(|_| "import.unreadable")?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or("import.unreadable")?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| "import.unreadable")?;
    let mut lines: Vec<Line> = Vec::new();
    while let Some(cell) = cells.next_cell().map_err(|_| "import.unreadable")? {
        let (row, col) = cell.get_position();
        let value = xlsx_cell(&Data::from(cell.get_value().clone()));
        if matches!(value, RawCell::Empty) || col as usize >= MAX_COLS {
            continue;
        }
        let line = row as usize + 1;
        if lines.last().is_none_or(|(l, _)| *l != line) {
            if lines.len() == MAX_LINES {
                return Err("import.too_many_rows");
            }
            lines.push((line, Vec::new()));
        }
        let Some((_, cells)) = lines.last_mut() else {
            continue;
        };
        if cells.len() <= col as usize {
            cells.resize(col as usize + 1, RawCell::Empty);
        }
        cells[col as usize] = value;
    }
    // Like the sheet's used range: a table that starts in column C reads as if it started in A.
    let first_col = lines
        .iter()
        .filter_map(|(_, cells)| cells.iter().position(|c| !matches!(c, RawCell::Empty)))
        .min()
        .unwrap_or(0);
    for (_, cells) in &mut lines {
        cells.drain(..first_col.min(cells.len()));
    }
    Ok(lines)
}

fn xlsx_cell(d: &Data) -> RawCell {
    match d {
        Data::String(s) => RawCell::Text(s.clone()),
        Data::Float(f) => RawCell::Number(*f),
        Data::Int(i) => RawCell::Number(*i as f64),
        Data::Bool(b) => RawCell::Text(b.to_string()),
        Data::DateTime(dt) => RawCell::Number(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => RawCell::Text(s.clone()),
        Data::Error(_) | Data::Empty => RawCell::Empty,
    }
}

fn csv_lines<R: Read + Seek>(mut r: R) -> Result<Vec<Line>, &'static str> {
    let mut head = vec![0u8; SNIFF];
    let n = read_up_to(&mut r, &mut head).map_err(|_| "import.unreadable")?;
    head.truncate(n);
    r.seek(SeekFrom::Start(0))
        .map_err(|_| "import.unreadable")?;
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    // A prefix cut in the middle of a character is still UTF-8 (error_len None).
    let utf8 = bom || std::str::from_utf8(&head).map_or_else(|e| e.error_len().is_none(), |_| true);
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding((!utf8).then_some(encoding_rs::GB18030))
        .bom_override(true)
        .build(r);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    let mut lines: Vec<Line> = Vec::new();
    let mut record = csv::StringRecord::new();
    // Records are counted as the CSV reader sees them: it passes over blank lines.
    let mut line = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                return Err("import.encoding");
            }
            Err(_) => return Err("import.unreadable"),
        }
        line += 1;
        // Bytes that are not GB18030 either were decoded as U+FFFD.
        if !utf8 && record.iter().any(|f| f.contains('\u{FFFD}')) {
            return Err("import.encoding");
        }
        let cells: Vec<RawCell> = record
            .iter()
            .take(MAX_COLS)
            .map(|s| {
                if s.trim().is_empty() {
                    RawCell::Empty
                } else {
                    RawCell::Text(s.to_string())
                }
            })
            .collect();
        if cells.iter().all(|c| matches!(c, RawCell::Empty)) {
            continue;
        }
        if lines.len() == MAX_LINES {
            return Err("import.too_many_rows");
        }
        lines.push((line, cells));
    }
    Ok(lines)
}

/// Reads until `buf` is full or the input ends; the count read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A roster upload as the form sent it; the file waits on disk (see [`crate::web::upload`]).
pub struct RosterUpload {
    pub file: Spooled,
    pub consent_attested: bool,
}

pub async fn read_roster_upload(form: Multipart) -> Result<RosterUpload, AppError> {
    let form = read_form(form, &["consent_attested"], import::MAX_FILE, "roster")
        .await
        .map_err(|e| match e {
            SpoolError::TooLarge => AppError::field("file", "import.too_large"),
            SpoolError::Broken => AppError::field("file", "import.unreadable"),
        })?;
    let consent_attested = matches!(
        form.text("consent_attested").trim(),
        "true" | "on" | "1" | "yes"
    );
    let file = form
        .file
        .ok_or_else(|| AppError::field("file", "import.no_file"))?;
    Ok(RosterUpload {
        file,
        consent_attested,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn text(s: &str) -> RawCell {
        RawCell::Text(s.into())
    }

    fn lines(bytes: &[u8]) -> Result<Vec<Line>, &'static str> {
        read_lines(Cursor::new(bytes.to_vec()))
    }

    #[test]
    fn csv_in_utf8_with_a_bom_and_in_gbk_read_alike() {
        let utf8 = "姓名,年级\n\n张三,3\n";
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), utf8.as_bytes()].concat();
        let (gbk, _, _) = encoding_rs::GBK.encode(utf8);
        let want = vec![
            (1, vec![text("姓名"), text("年级")]),
            (2, vec![text("张三"), text("3")]),
        ];
        assert_eq!(lines(utf8.as_bytes()).unwrap(), want);
        assert_eq!(lines(&with_bom).unwrap(), want);
        assert_eq!(lines(&gbk).unwrap(), want);
    }

    #[test]
    fn bytes_that_are_neither_utf8_nor_gb18030_are_refused() {
        assert_eq!(lines(b"\xFF\xFF\xFF,a\n"), Err("import.encoding"));
        // UTF-8 at the start, broken further down (past what decides the encoding).
        let mut late = "姓名\n".repeat(SNIFF / 7 + 1).into_bytes();
        late.extend_from_slice(b"\xFF\xFE\n");
        assert_eq!(lines(&late), Err("import.encoding"));
    }

    #[test]
    fn rows_past_the_limit_stop_the_reading() {
        let many = "a,b\n".repeat(MAX_LINES + 1);
        assert_eq!(lines(many.as_bytes()), Err("import.too_many_rows"));
        let enough = "a,b\n".repeat(MAX_LINES);
        assert_eq!(lines(enough.as_bytes()).unwrap().len(), MAX_LINES);
    }

    #[test]
    fn xlsx_rows_keep_their_sheet_numbers_and_start_at_the_first_used_column() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(1, 2, "姓名").unwrap();
        ws.write_string(3, 2, "张三").unwrap();
        ws.write_number(3, 3, 3.0).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        assert_eq!(
            lines(&bytes).unwrap(),
            vec![
                (2, vec![text("姓名")]),
                (4, vec![text("张三"), RawCell::Number(3.0)])
            ]
        );
    }

    #[test]
    fn a_name_must_say_what_the_bytes_are() {
        let misnamed = |name: &str, bytes: &[u8]| misnamed(name, &mut Cursor::new(bytes)).unwrap();
        assert!(!misnamed("名单.XLSX", b"PK\x03\x04rest") && !misnamed("名单.csv", b"a,b\n"));
        assert!(!misnamed("roster", b"PK\x03\x04") && !misnamed("名单 v1.2 final", b"a"));
        assert!(misnamed("名单.xlsx", b"a,b\n") && misnamed("名单.csv", b"PK\x03\x04"));
        assert!(misnamed("名单.xls", b"\xD0\xCF\x11\xE0") && misnamed("x.html", b"a,b"));
    }

    #[test]
    fn a_broken_zip_is_unreadable() {
        assert_eq!(lines(b"PK\x03\x04 not a zip"), Err("import.unreadable"));
    }
}
