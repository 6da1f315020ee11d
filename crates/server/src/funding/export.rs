//! Ledgers exported in an accountant's layout (.xlsx): a summary sheet of every class in the
//! area — opening balance, receipts by source, payments by category, closing balance, a totals
//! row — and a journal (明细账) of every entry, each class opened by its opening balance and closed
//! by its period totals and closing balance. Amounts are numbers formatted ¥#,##0.00, summed in
//! integer fen before they are written. Both sheets are written a row at a time as the database
//! hands the rows over, to a temporary file (constant memory), then packed into the response as
//! it is sent: a whole country's ledger never sits in memory.

use std::collections::HashMap;
use std::io;

use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};
use tokio::runtime::Handle;
use tuoguan_domain::funding::{Category, Source};

use super::Direction;
use crate::auth::Scope;
use crate::db::{Db, Sql};
use crate::i18n::Lang;
use crate::ids::{ClassId, ProgrammeId};

/// What is exported: a programme's entries in an area (or one class), up to a day.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub programme: ProgrammeId,
    pub title: String,
    pub scope: Scope,
    pub class: Option<ClassId>,
    /// YYYY-MM-DD; entries before it make the opening balance. Empty: from the first entry.
    pub from: String,
    /// YYYY-MM-DD; entries after it are left out. Empty: to the last.
    pub to: String,
}

const SOURCES: usize = Source::ALL.len();
const CATEGORIES: usize = Category::ALL.len();

/// A class's figures: opening, receipts by source, payments by category (all in fen).
#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    opening: i64,
    received: [i64; SOURCES],
    spent: [i64; CATEGORIES],
}

impl Figures {
    fn receipts(&self) -> i64 {
        self.received.iter().sum()
    }
    fn payments(&self) -> i64 {
        self.spent.iter().sum()
    }
    fn closing(&self) -> i64 {
        self.opening + self.receipts() - self.payments()
    }
    fn add(&mut self, o: &Figures) {
        self.opening += o.opening;
        for (a, b) in self.received.iter_mut().zip(o.received) {
            *a += b;
        }
        for (a, b) in self.spent.iter_mut().zip(o.spent) {
            *a += b;
        }
    }
}

impl Ledger {
    fn filtered(&self, sql: &str) -> Sql {
        let q = Sql::new(sql)
            .push(" WHERE e.programme_id = ")
            .bind(self.programme)
            .push(" AND ")
            .scope("h.path", &self.scope);
        let q = match self.class {
            Some(c) => q.push(" AND e.class_id = ").bind(c),
            None => q,
        };
        match self.to.is_empty() {
            true => q,
            false => q.push(" AND e.occurred_on <= ").bind(self.to.as_str()),
        }
    }

    fn before(&self, day: &str) -> bool {
        !self.from.is_empty() && day < self.from.as_str()
    }
}

fn other(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

/// Every class's figures, read a row at a time.
async fn figures(db: &Db, l: &Ledger) -> io::Result<HashMap<ClassId, Figures>> {
    let q = l.filtered(
        "SELECT e.class_id, e.direction, e.source, e.category, e.occurred_on, e.amount_fen \
         FROM ledger_entries e JOIN classes c ON c.id = e.class_id JOIN orgs h ON h.id = c.host_org_id",
    );
    let mut out: HashMap<ClassId, Figures> = HashMap::new();
    type R = (ClassId, Direction, String, Option<String>, String, i64);
    q.for_each(db, |(class, dir, source, category, day, fen): R| {
        let f = out.entry(class).or_default();
        let signed = if dir == Direction::Receipt { fen } else { -fen };
        if l.before(&day) {
            f.opening += signed;
        } else if dir == Direction::Receipt {
            let i = Source::ALL.iter().position(|s| s.as_str() == source);
            f.received[i.ok_or_else(|| other(format!("source {source}")))?] += fen;
        } else {
            let c = category.unwrap_or_default();
            let i = Category::ALL.iter().position(|x| x.as_str() == c);
            f.spent[i.ok_or_else(|| other(format!("category {c}")))?] += fen;
        }
        Ok::<(), anyhow::Error>(())
    })
    .await
    .map_err(other)?;
    Ok(out)
}

struct Formats {
    title: Format,
    header: Format,
    text: Format,
    money: Format,
    bold_text: Format,
    bold_money: Format,
}

fn formats() -> Formats {
    let cell = Format::new().set_border(FormatBorder::Thin);
    let money = cell.clone().set_num_format(crate::web::excel::MONEY_FORMAT);
    Formats {
        title: Format::new().set_bold().set_font_size(14),
        header: cell
            .clone()
            .set_bold()
            .set_text_wrap()
            .set_background_color(rust_xlsxwriter::Color::RGB(0xEEEEEE)),
        text: cell.clone().set_num_format("@"),
        bold_text: cell.clone().set_bold().set_num_format("@"),
        bold_money: money.clone().set_bold(),
        money,
    }
}

fn yuan(fen: i64) -> f64 {
    // Exact to the fen: every amount below 2^53 fen is one f64, and /100 is the closest double
    // to the decimal, which Excel shows rounded to two places.
    fen as f64 / 100.0
}

fn header(
    ws: &mut Worksheet,
    f: &Formats,
    title: &str,
    sub: &str,
    heads: &[String],
) -> Result<(), XlsxError> {
    ws.write_string_with_format(0, 0, title, &f.title)?;
    ws.write_string(1, 0, sub)?;
    for (i, h) in heads.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(0);
        ws.write_string_with_format(3, col, h, &f.header)?;
        let width = if i < 2 { 24.0 } else { 14.0 };
        ws.set_column_width(col, width)?;
    }
    ws.set_freeze_panes(4, 0)?;
    Ok(())
}

/// Writes the workbook into `out`: called on a blocking thread, the rows read through `rt`.
pub fn write(
    rt: &Handle,
    db: &Db,
    l: &Ledger,
    lang: Lang,
    out: &mut (impl io::Write + Send),
) -> io::Result<()> {
    let totals = rt.block_on(figures(db, l))?;
    let mut book = Workbook::new();
    book.set_zip_compression_level(1);
    let f = formats();
    let sub = period_line(l, lang);
    let summary = book.add_worksheet_with_constant_memory().map_err(other)?;
    summary
        .set_name(lang.t("ledger.sheet_summary"))
        .map_err(other)?;
    let mut heads: Vec<String> = ["ledger.no", "ledger.unit", "ledger.class", "ledger.opening"]
        .iter()
        .map(|k| lang.t(k))
        .collect();
    heads.extend(Source::ALL.iter().map(|s| {
        lang.tf(
            "ledger.received_from",
            &[("source", lang.t(&format!("source.{s}")))],
        )
    }));
    heads.push(lang.t("ledger.receipts_total"));
    heads.extend(Category::ALL.iter().map(|c| {
        lang.tf(
            "ledger.spent_on",
            &[("category", lang.t(&format!("category.{c}")))],
        )
    }));
    heads.push(lang.t("ledger.payments_total"));
    heads.push(lang.t("ledger.closing"));
    let title = format!("{} {}", l.title, lang.t("ledger.summary_title"));
    header(summary, &f, &title, &sub, &heads).map_err(other)?;
    let classes = l.filtered(
        "SELECT e.class_id, h.name, c.name FROM ledger_entries e JOIN classes c ON c.id = e.class_id \
         JOIN orgs h ON h.id = c.host_org_id",
    );
    let classes = classes
        .push(" GROUP BY e.class_id, h.path, h.name, c.name ORDER BY h.path, c.name, e.class_id");
    let mut row: u32 = 4;
    let mut all = Figures::default();
    rt.block_on(
        classes.for_each(db, |(class, unit, name): (ClassId, String, String)| {
            let fig = totals.get(&class).copied().unwrap_or_default();
            all.add(&fig);
            summary_row(summary, &f, row, (&unit, &name), &fig).map_err(other)?;
            row += 1;
            Ok::<(), anyhow::Error>(())
        }),
    )
    .map_err(other)?;
    let label = lang.t("ledger.total");
    summary_total(summary, &f, row, &label, &all).map_err(other)?;
    let journal = book.add_worksheet_with_constant_memory().map_err(other)?;
    journal
        .set_name(lang.t("ledger.sheet_journal"))
        .map_err(other)?;
    journal_sheet(rt, db, l, lang, (journal, &f), &totals)?;
    book.save_to_writer(out).map_err(other)
}

fn period_line(l: &Ledger, lang: Lang) -> String {
    let shown = |d: &str| {
        if d.is_empty() {
            "—".to_string()
        } else {
            d.to_string()
        }
    };
    lang.tf(
        "ledger.period",
        &[("from", shown(&l.from)), ("to", shown(&l.to))],
    )
}

fn money_cols(
    ws: &mut Worksheet,
    fmt: &Format,
    row: u32,
    start: u16,
    fig: &Figures,
) -> Result<(), XlsxError> {
    let mut col = start;
    let mut put = |v: i64| -> Result<(), XlsxError> {
        ws.write_number_with_format(row, col, yuan(v), fmt)?;
        col += 1;
        Ok(())
    };
    put(fig.opening)?;
    for v in fig.received {
        put(v)?;
    }
    put(fig.receipts())?;
    for v in fig.spent {
        put(v)?;
    }
    put(fig.payments())?;
    put(fig.closing())
}

fn summary_row(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    (unit, name): (&str, &str),
    fig: &Figures,
) -> Result<(), XlsxError> {
    ws.write_number_with_format(
        row,
        0,
        f64::from(row - 3),
        &f.text.clone().set_num_format("0"),
    )?;
    ws.write_string_with_format(row, 1, unit, &f.text)?;
    ws.write_string_with_format(row, 2, name, &f.text)?;
    money_cols(ws, &f.money, row, 3, fig)
}

fn summary_total(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    label: &str,
    fig: &Figures,
) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, 0, label, &f.bold_text)?;
    ws.write_string_with_format(row, 1, "", &f.bold_text)?;
    ws.write_string_with_format(row, 2, "", &f.bold_text)?;
    money_cols(ws, &f.bold_money, row, 3, fig)
}

/// One entry as the journal reads it.
type EntryRow = (
    ClassId,
    String,
    String,
    String,
    String,
    String,
    Direction,
    String,
    Option<String>,
    i64,
);

/// The journal: per class, its opening balance, its entries of the period with the running
/// balance, its totals and closing balance.
fn journal_sheet(
    rt: &Handle,
    db: &Db,
    l: &Ledger,
    lang: Lang,
    (ws, f): (&mut Worksheet, &Formats),
    totals: &HashMap<ClassId, Figures>,
) -> io::Result<()> {
    let heads: Vec<String> = [
        "ledger.unit",
        "ledger.class",
        "ledger.day",
        "ledger.voucher",
        "ledger.summary",
        "ledger.source",
        "ledger.category",
        "ledger.receipt",
        "ledger.payment",
        "ledger.balance",
    ]
    .iter()
    .map(|k| lang.t(k))
    .collect();
    let title = format!("{} {}", l.title, lang.t("ledger.journal_title"));
    header(ws, f, &title, &period_line(l, lang), &heads).map_err(other)?;
    let q = l.filtered(
        "SELECT e.class_id, h.name, c.name, e.occurred_on, e.voucher_no, e.summary, e.direction, \
         e.source, e.category, e.amount_fen FROM ledger_entries e JOIN classes c ON c.id = e.class_id \
         JOIN orgs h ON h.id = c.host_org_id",
    );
    let q = q.push(" ORDER BY h.path, c.name, e.class_id, e.occurred_on, e.recorded_at, e.id");
    let mut j = Journal {
        ws,
        f,
        lang,
        row: 4,
        current: None,
        balance: 0,
        opened: false,
        totals,
    };
    rt.block_on(q.for_each(db, |r: EntryRow| j.entry(l, r).map_err(anyhow::Error::from)))
        .map_err(other)?;
    j.close()
}

struct Journal<'a> {
    ws: &'a mut Worksheet,
    f: &'a Formats,
    lang: Lang,
    row: u32,
    /// The class being written: id, unit, name.
    current: Option<(ClassId, String, String)>,
    balance: i64,
    opened: bool,
    totals: &'a HashMap<ClassId, Figures>,
}

impl Journal<'_> {
    fn line(&mut self, cells: [&str; 7], amounts: [Option<i64>; 3], bold: bool) -> io::Result<()> {
        let (text, money) = match bold {
            true => (&self.f.bold_text, &self.f.bold_money),
            false => (&self.f.text, &self.f.money),
        };
        for (i, c) in cells.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(0);
            self.ws
                .write_string_with_format(self.row, col, *c, text)
                .map_err(other)?;
        }
        for (i, a) in amounts.iter().enumerate() {
            let col = 7 + u16::try_from(i).unwrap_or(0);
            match a {
                Some(v) => self
                    .ws
                    .write_number_with_format(self.row, col, yuan(*v), money),
                None => self.ws.write_string_with_format(self.row, col, "", money),
            }
            .map_err(other)?;
        }
        self.row += 1;
        Ok(())
    }

    fn open(&mut self) -> io::Result<()> {
        if let Some((_, unit, name)) = self.current.clone() {
            let label = self.lang.t("ledger.opening");
            self.line(
                [&unit, &name, "", "", &label, "", ""],
                [None, None, Some(self.balance)],
                true,
            )?;
            self.opened = true;
        }
        Ok(())
    }

    fn close(&mut self) -> io::Result<()> {
        let Some((id, unit, name)) = self.current.take() else {
            return Ok(());
        };
        if !self.opened {
            self.current = Some((id, unit.clone(), name.clone()));
            self.open()?;
        }
        let fig = self.totals.get(&id).copied().unwrap_or_default();
        let label = self.lang.t("ledger.period_total");
        let (r, p) = (fig.receipts(), fig.payments());
        self.line(
            [&unit, &name, "", "", &label, "", ""],
            [Some(r), Some(p), None],
            true,
        )?;
        let label = self.lang.t("ledger.closing");
        self.line(
            [&unit, &name, "", "", &label, "", ""],
            [None, None, Some(fig.closing())],
            true,
        )
    }

    fn entry(&mut self, l: &Ledger, r: EntryRow) -> io::Result<()> {
        let (class, unit, name, day, voucher, summary, dir, source, category, fen) = r;
        if self.current.as_ref().map(|c| c.0) != Some(class) {
            self.close()?;
            self.current = Some((class, unit, name));
            self.balance = 0;
            self.opened = false;
        }
        let signed = if dir == Direction::Receipt { fen } else { -fen };
        if l.before(&day) {
            self.balance += signed;
            return Ok(());
        }
        if !self.opened {
            self.open()?;
        }
        self.balance += signed;
        let (unit, name) = self.current.clone().map(|c| (c.1, c.2)).unwrap_or_default();
        let source = self.lang.t(&format!("source.{source}"));
        let category = category
            .map(|c| self.lang.t(&format!("category.{c}")))
            .unwrap_or_default();
        let (receipt, payment) = match dir {
            Direction::Receipt => (Some(fen), None),
            Direction::Payment => (None, Some(fen)),
        };
        let cells = [
            &unit[..],
            &name,
            &day,
            &voucher,
            &summary,
            &source,
            &category,
        ];
        self.line(cells, [receipt, payment, Some(self.balance)], false)
    }
}

/// The ledger workbook of the caller's area in the programme (or a part of it, or one class),
/// audited as an export before it leaves, streamed as it is written.
pub async fn download(
    state: &crate::app::AppState,
    user: &crate::auth::CurrentUser,
    client: &crate::audit::Client,
    lang: Lang,
    id: &ProgrammeId,
    q: &super::api::LedgerQuery,
) -> Result<axum::response::Response, crate::error::AppError> {
    use crate::error::{AppError, FieldError};
    let p = crate::programmes::service::visible(state, user, id).await?;
    let area = super::rules::area(user, &p)?;
    let mut errors = Vec::new();
    let mut day = |field: &'static str, v: &Option<String>| match v.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) => d.to_string(),
            Err(_) => {
                errors.push(FieldError::new(field, "money.day_invalid"));
                String::new()
            }
        },
    };
    let (from, to) = (day("from", &q.from), day("to", &q.to));
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (scope, title) = match (&q.class_id, &q.org_id) {
        (Some(c), _) => {
            let c = super::budget::readable(state, user, c).await?;
            if c.programme_id != p.id {
                return Err(AppError::NotFound);
            }
            (
                Scope::Subtrees(vec![c.host_path.clone()]),
                format!("{} {}", c.host_name, c.name),
            )
        }
        (None, Some(o)) => {
            let o = crate::orgs::get(&state.db, &area, o)
                .await?
                .ok_or(AppError::NotFound)?;
            (Scope::Subtrees(vec![o.path.clone()]), o.name)
        }
        (None, None) => (area, p.org_name.clone()),
    };
    let ledger = Ledger {
        programme: p.id,
        title: format!("{title} {}", p.name),
        scope,
        class: q.class_id,
        from,
        to,
    };
    let entry = crate::audit::Entry::by(user, "ledger.export", "programme").target(p.id);
    state.journal.record(&entry, client).await?;
    let name = format!("{}-{}.xlsx", ledger.title, lang.t("ledger.file"));
    let (rt, db) = (Handle::current(), state.db.clone());
    let body = crate::web::stream::written(move |out| write(&rt, &db, &ledger, lang, out));
    let mut res = axum::response::IntoResponse::into_response(body);
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(crate::web::excel::XLSX_MIME),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&crate::web::excel::content_disposition(&name))
    {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
