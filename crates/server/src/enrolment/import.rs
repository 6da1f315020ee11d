//! 名单导入/导出 — a unit's roster import (.xlsx or .csv in UTF-8 or GB18030/GBK) and export.
//!
//! Every row is read and checked before anything is written: the template's rules
//! ([`parse_row`]), duplicates inside the file, and the class as it will be after the import
//! (capacity, the kindergarten share, grades, children already placed in an overlapping class).
//! One bad row → nothing is written and every bad row is reported (the first 500 listed, the rest
//! counted). A child already in the class
//! (same ID number, or same name, birth date and guardian phone) is left as it is, so importing a
//! file twice creates no duplicates. Imported children are `accepted`: the unit attests that it
//! holds each guardian's consent on paper; the agreement and insurance complete the enrolment.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;
use tuoguan_domain::ProgrammeRules;
use tuoguan_domain::enrolment::{
    COLUMN_KEYS, Grade, RawCell, RosterRow, TEMPLATE_HEADERS, dedupe_key, parse_row,
};
use tuoguan_domain::operating_days::ranges_overlap;

use super::roster_file::{self, Line};
use super::store::{self, Guardian};
use super::{Status, applications, children};
use crate::app::AppState;
use crate::audit::{self, Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::classes::{Class, ClassStatus};
use crate::db::{Db, Sql, Tx};
use crate::error::AppError;
use crate::i18n::{Lang, Msg};
use crate::ids::{ChildId, ClassId, GuardianId, ImportId, UserId};
use crate::web::upload::Spooled;
use crate::{on_db, on_tx};

/// Largest roster file accepted.
pub const MAX_FILE: u64 = 8 << 20;
/// Most data rows in one file.
pub const MAX_ROWS: usize = 20_000;
/// Most problems reported for one file; past them, one line says how many more there are.
pub const MAX_REPORTED: usize = 500;

/// One problem of one row (row numbers as the spreadsheet shows them: the header is row 1).
#[derive(Debug, Clone)]
pub struct RowProblem {
    pub row: usize,
    /// Field key of the column (`name`, `id_number`, …), or `file`.
    pub column: &'static str,
    pub msg: Msg,
}

/// A row problem as the API and the page show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowProblemView {
    pub row: usize,
    pub column: String,
    /// The column's heading in the template, e.g. 身份证号
    pub heading: String,
    pub message: String,
}

impl RowProblem {
    pub fn view(&self, lang: Lang) -> RowProblemView {
        let heading = COLUMN_KEYS
            .iter()
            .position(|k| *k == self.column)
            .map(|i| TEMPLATE_HEADERS[i].to_string())
            .unwrap_or_default();
        RowProblemView {
            row: self.row,
            column: self.column.to_string(),
            heading,
            message: self.msg.render(lang),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub import_id: ImportId,
    /// Data rows in the file.
    pub rows: usize,
    /// Children added to the class.
    pub created: usize,
    /// Rows whose child was already in the class (a re-import).
    pub unchanged: usize,
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum ImportError {
    /// The request itself failed (not found, forbidden, …).
    App(AppError),
    /// The file has bad rows, and nothing was written: the first [`MAX_REPORTED`] of them (and a
    /// line saying how many more), and how many there are in all.
    Rows {
        listed: Vec<RowProblem>,
        total: usize,
    },
}

impl From<AppError> for ImportError {
    fn from(e: AppError) -> Self {
        ImportError::App(e)
    }
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::App(e.into())
    }
}

fn file_problem(key: &'static str) -> ImportError {
    ImportError::Rows {
        listed: vec![RowProblem {
            row: 0,
            column: "file",
            msg: Msg::new(key),
        }],
        total: 1,
    }
}

fn is_empty_row(r: &[RawCell]) -> bool {
    r.iter().all(|c| matches!(c, RawCell::Empty))
}

fn header_matches(r: &[RawCell]) -> bool {
    TEMPLATE_HEADERS.iter().enumerate().all(|(i, h)| {
        matches!(r.get(i), Some(RawCell::Text(t)) if t.trim().trim_start_matches('*') == *h)
    })
}

/// A checked row ready to write.
struct Good {
    line: usize,
    row: RosterRow,
    key: String,
}

/// Parses and checks every row against the template, the file itself and the class.
async fn check_rows(
    state: &AppState,
    c: &Class,
    rules: &ProgrammeRules,
    lines: Vec<Line>,
) -> Result<(Vec<Good>, usize, usize), ImportError> {
    let header = lines
        .iter()
        .take(5)
        .position(|(_, r)| header_matches(r))
        .ok_or_else(|| file_problem("import.not_template"))?;
    let today = crate::calendar::today();
    let mut problems = Vec::new();
    let mut good = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut total = 0;
    for (line, r) in lines.iter().skip(header + 1) {
        if is_empty_row(r) {
            continue;
        }
        total += 1;
        if total > MAX_ROWS {
            return Err(file_problem("import.too_many_rows"));
        }
        let line = *line;
        match parse_row(r, today) {
            Err(errs) => problems.extend(errs.into_iter().map(|e| RowProblem {
                row: line,
                column: e.column,
                msg: Msg::new(e.code),
            })),
            Ok(row) => {
                let key = state.data_key.blind_index("child", &dedupe_key(&row));
                if let Some(first) = first_line.get(&key) {
                    problems.push(RowProblem {
                        row: line,
                        column: "name",
                        msg: Msg::new("import.duplicate_row").arg("row", first),
                    });
                    continue;
                }
                first_line.insert(key.clone(), line);
                good.push(Good { line, row, key });
            }
        }
    }
    if total == 0 {
        return Err(file_problem("import.empty"));
    }
    // Children already in the class are left as they are.
    let existing = keys_in_class(&state.db, &c.id).await?;
    let (fresh, unchanged): (Vec<Good>, Vec<Good>) =
        good.into_iter().partition(|g| !existing.contains(&g.key));
    check_class(state, c, rules, &fresh, &mut problems).await?;
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        let total = problems.len();
        if total > MAX_REPORTED {
            let more = problems.len() - MAX_REPORTED;
            problems.truncate(MAX_REPORTED);
            problems.push(RowProblem {
                row: 0,
                column: "file",
                msg: Msg::new("import.more_problems").arg("n", more),
            });
        }
        return Err(ImportError::Rows {
            listed: problems,
            total,
        });
    }
    Ok((fresh, unchanged.len(), total))
}

/// Grades, places, the kindergarten share and overlapping placements, for the class as it will
/// be after the import (rows in file order take the places).
async fn check_class(
    state: &AppState,
    c: &Class,
    rules: &ProgrammeRules,
    fresh: &[Good],
    problems: &mut Vec<RowProblem>,
) -> Result<(), ImportError> {
    let (taken, k_taken) = {
        let mut tx = state.db.begin().await?;
        let load = store::class_load(&mut tx, &c.id, None).await?;
        tx.commit().await?;
        load
    };
    let capacity = c.capacity;
    let k_places = i64::from(rules.kindergarten_places(u32::try_from(capacity).unwrap_or(0)));
    let (start, end) = c.dates()?;
    let placed = placements_of(&state.db, &c.id, fresh.iter().map(|g| g.key.as_str())).await?;
    let (mut n, mut k) = (taken, k_taken);
    for g in fresh {
        let mut bad = |column, msg| {
            problems.push(RowProblem {
                row: g.line,
                column,
                msg,
            })
        };
        let kg = g.row.grade == Grade::K;
        if !kg && !(rules.min_grade..=rules.max_grade).contains(&g.row.grade.number()) {
            bad("grade", Msg::new("enrolment.grade"));
        }
        if kg && k >= k_places {
            bad(
                "grade",
                Msg::new("enrolment.kindergarten_full").arg("places", k_places),
            );
        }
        if n >= capacity {
            bad("name", Msg::new("enrolment.class_full"));
        }
        for (name, s, e) in placed.get(&g.key).into_iter().flatten() {
            if let (Some(s), Some(e)) = (date(s), date(e))
                && ranges_overlap(start, end, s, e)
            {
                bad("name", Msg::new("enrolment.overlap").arg("class", name));
            }
        }
        n += 1;
        k += i64::from(kg);
    }
    Ok(())
}

fn date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Dedupe indexes of the children with an active application in the class.
async fn keys_in_class(db: &Db, class_id: &ClassId) -> sqlx::Result<HashSet<String>> {
    const SQL: &str = "SELECT ch.dedupe_index FROM applications a JOIN children ch ON ch.id = a.child_id \
        WHERE a.class_id = $1 AND a.status NOT IN ('rejected', 'withdrawn') AND ch.dedupe_index IS NOT NULL";
    let keys: Vec<String> =
        on_db!(db, p => sqlx::query_scalar(SQL).bind(class_id).fetch_all(p).await)?;
    Ok(keys.into_iter().collect())
}

/// Places held in other classes by children with these dedupe indexes: key → (class, start, end).
async fn placements_of<'a>(
    db: &Db,
    class_id: &ClassId,
    keys: impl Iterator<Item = &'a str>,
) -> sqlx::Result<HashMap<String, Vec<(String, String, String)>>> {
    let keys: Vec<&str> = keys.collect();
    let mut out: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<(String, String, String, String)> = Sql::new(
            "SELECT ch.dedupe_index, c.name, c.start_date, c.end_date FROM applications a \
             JOIN children ch ON ch.id = a.child_id JOIN classes c ON c.id = a.class_id \
             WHERE a.status IN ('accepted', 'enrolled') AND c.id <> ",
        )
        .bind(class_id)
        .push(" AND ch.dedupe_index IN (")
        .list(chunk.iter().copied())
        .push(")")
        .fetch_all(db)
        .await?;
        for (k, name, s, e) in rows {
            out.entry(k).or_default().push((name, s, e));
        }
    }
    Ok(out)
}

/// Imports a roster file into a class; all or nothing.
pub async fn import(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    mut file: Spooled,
    consent_attested: bool,
) -> Result<ImportReport, ImportError> {
    let scope = user.require(Capability::ManageEnrolment)?;
    let c = crate::classes::service::in_scope(state, &scope, class_id).await?;
    if c.status() == ClassStatus::Closed {
        return Err(AppError::Conflict(Msg::new("class.not_editable")).into());
    }
    if !consent_attested {
        return Err(AppError::field("consent_attested", "import.consent_required").into());
    }
    if file.len > MAX_FILE {
        return Err(file_problem("import.too_large"));
    }
    if roster_file::misnamed(&file.name, &mut file.file)
        .map_err(|e| AppError::Internal(e.into()))?
    {
        return Err(AppError::field("file", "import.extension_mismatch").into());
    }
    let rules = {
        let mut tx = state.db.begin().await?;
        let r = store::rules_of_class(&mut tx, &c.id).await?;
        tx.commit().await?;
        serde_json::from_str::<ProgrammeRules>(&r).map_err(|e| AppError::Internal(e.into()))?
    };
    let Spooled {
        name: file_name,
        file,
        sha256,
        ..
    } = file;
    // Reading a workbook is CPU work: off the request threads.
    let lines = tokio::task::spawn_blocking(move || roster_file::read_lines(file))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(file_problem)?;
    let (fresh, unchanged, total) = check_rows(state, &c, &rules, lines).await?;
    let import_id = ImportId::new();
    let now = crate::now();
    let batch = build(state, &fresh, &c.id, &import_id, &user.id, now)?;
    let mut tx = state.db.begin().await?;
    store::lock_class(&mut tx, &c.id).await?;
    // Places may have gone while the file was checked: check the count again under the lock.
    let (taken, _) = store::class_load(&mut tx, &c.id, None).await?;
    if taken + fresh.len() as i64 > c.capacity {
        return Err(AppError::Conflict(Msg::new("enrolment.class_full")).into());
    }
    write(&mut tx, &batch).await?;
    let digest = hex::encode(sha256);
    const SQL: &str = "INSERT INTO roster_imports (id, class_id, file_sha256, file_name, rows_total, rows_created, \
        imported_by, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)";
    let name: String = file_name.chars().take(200).collect();
    on_tx!(&mut tx, x => sqlx::query(SQL).bind(import_id).bind(c.id).bind(&digest).bind(&name)
        .bind(total as i64).bind(fresh.len() as i64).bind(user.id).bind(now).execute(&mut *x).await.map(|_| ()))?;
    audit::record(
        &mut tx,
        &Entry::by(user, "roster.import", "class")
            .target(c.id)
            .detail(format!(
                "{total} rows, {} added, {unchanged} unchanged",
                fresh.len()
            )),
        client,
    )
    .await?;
    tx.commit().await?;
    Ok(ImportReport {
        import_id,
        rows: total,
        created: fresh.len(),
        unchanged,
    })
}

/// The rows to insert, built (and sealed) before the transaction opens.
struct Batch {
    guardians: Vec<Guardian>,
    children: Vec<store::Child>,
    links: Vec<(ChildId, GuardianId, String)>,
    applications: Vec<store::Application>,
    recorded_by: UserId,
    now: i64,
}

fn build(
    state: &AppState,
    fresh: &[Good],
    class_id: &ClassId,
    import_id: &ImportId,
    by: &UserId,
    now: i64,
) -> Result<Batch, AppError> {
    let mut b = Batch {
        guardians: Vec::new(),
        children: Vec::new(),
        links: Vec::new(),
        applications: Vec::new(),
        recorded_by: *by,
        now,
    };
    // One guardian per phone number in the file (siblings share theirs).
    let mut by_phone: HashMap<String, usize> = HashMap::new();
    for g in fresh {
        let phone = g.row.guardian_phone.as_str().to_string();
        let gi = *by_phone.entry(phone.clone()).or_insert_with(|| {
            b.guardians.push(Guardian {
                id: GuardianId::new(),
                user_id: None,
                name: g.row.guardian_name.clone(),
                phone,
                employer: g.row.employer.clone(),
                member: false,
                priorities: String::new(),
                created_at: now,
                updated_at: now,
            });
            b.guardians.len() - 1
        });
        let guardian = &mut b.guardians[gi];
        let mut prio: Vec<&str> = guardian
            .priorities
            .split(',')
            .filter(|s| !s.is_empty())
            .collect();
        prio.extend(g.row.priorities.iter().map(|p| p.as_str()));
        prio.sort();
        prio.dedup();
        guardian.priorities = prio.join(",");
        let child = children::child_from_row(state, &g.row, now)?;
        b.links
            .push((child.id, guardian.id, g.row.relationship.clone()));
        let mut a =
            applications::new_application(&child, class_id, !g.row.priorities.is_empty(), now);
        a.status = Status::Accepted;
        a.import_id = Some(*import_id);
        b.applications.push(a);
        b.children.push(child);
    }
    Ok(b)
}

/// Writes the batch in multi-row statements (up to [`crate::db::MAX_BINDS`] parameters each): some
/// 1,000 round trips for 5,000 rows instead of 25,000, inside the caller's one transaction (all or
/// nothing).
async fn write(tx: &mut Tx, b: &Batch) -> Result<(), AppError> {
    store::insert_guardians(tx, &b.guardians).await?;
    store::insert_children(tx, &b.children).await?;
    let links: Vec<(&ChildId, &GuardianId, &str)> =
        b.links.iter().map(|(c, g, r)| (c, g, r.as_str())).collect();
    store::link_all(tx, &links).await?;
    let pairs: Vec<(&ChildId, &GuardianId)> = links.iter().map(|(c, g, _)| (*c, *g)).collect();
    store::insert_consents(tx, &pairs, "paper", &b.recorded_by, b.now).await?;
    store::insert_applications(tx, &b.applications).await?;
    Ok(())
}
