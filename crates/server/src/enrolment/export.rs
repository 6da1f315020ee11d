//! The roster template download and the roster export (.xlsx, masked ID numbers, audited).

use std::collections::HashMap;

use tuoguan_domain::enrolment::TEMPLATE_HEADERS;

use super::{applications, store};
use crate::app::AppState;
use crate::audit::{Client, Entry};
use crate::auth::{Capability, CurrentUser};
use crate::classes::Class;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ids::{ChildId, ClassId};
use crate::on_db;
use crate::web::excel::Book;

/// The template (名单模板): the header row, every column formatted as text so Excel keeps ID
/// numbers and phone numbers as typed, and a sheet of instructions.
pub fn template(lang: Lang) -> Result<Book, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let inner = || -> Result<Workbook, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let text = Format::new().set_num_format("@");
        let bold = Format::new().set_bold().set_num_format("@");
        let sheet = book.add_worksheet().set_name("名单")?;
        for (i, h) in TEMPLATE_HEADERS.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(0);
            sheet.set_column_format(col, &text)?;
            sheet.set_column_width(col, 16)?;
            sheet.write_string_with_format(0, col, *h, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let notes = book.add_worksheet().set_name("说明")?;
        for (i, line) in lang.t("import.template_notes").lines().enumerate() {
            notes.write_string(u32::try_from(i).unwrap_or(0), 0, line)?;
        }
        Ok(book)
    };
    inner()
        .map(Book::new)
        .map_err(|e| AppError::Internal(e.into()))
}

/// The class's roster as a workbook (masked ID numbers), audited as an export.
pub async fn export(
    state: &AppState,
    user: &CurrentUser,
    client: &Client,
    class_id: &ClassId,
    lang: Lang,
) -> Result<(Class, Book), AppError> {
    use crate::web::excel::{Cell, Sheet, workbook};
    let scope = user.require(Capability::ManageEnrolment)?;
    let c = crate::classes::service::in_scope(state, &scope, class_id).await?;
    let apps = store::applications_of_class(&state.db, &c.id).await?;
    let guardians = guardians_of_class(&state.db, &c.id).await?;
    let headers = [
        "export.child",
        "export.gender",
        "export.birth_date",
        "export.school",
        "export.grade",
        "export.id_number",
        "export.guardian",
        "export.phone",
        "export.relationship",
        "export.status",
        "export.agreement",
        "export.insurance",
    ];
    let rows = apps
        .iter()
        .filter(|a| a.status().active())
        .map(|a| {
            let ch = guardians.get(&a.child_id);
            let g = ch.and_then(|v| v.first());
            vec![
                Cell::Text(a.child_name.clone()),
                Cell::Text(ch.map(|v| v.gender.clone()).unwrap_or_default()),
                Cell::Text(ch.map(|v| v.birth_date.clone()).unwrap_or_default()),
                Cell::Text(ch.map(|v| v.school.clone()).unwrap_or_default()),
                Cell::Text(a.child_grade.clone()),
                Cell::Text(a.child_id_masked.clone().unwrap_or_default()),
                Cell::Text(g.map(|g| g.0.clone()).unwrap_or_default()),
                Cell::Text(g.map(|g| g.1.clone()).unwrap_or_default()),
                Cell::Text(g.map(|g| g.2.clone()).unwrap_or_default()),
                Cell::Text(lang.t(applications::status_key(a.status()))),
                Cell::Text(a.agreement_version.clone().unwrap_or_default()),
                Cell::Text(a.policy_no.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let sheet = Sheet {
        name: lang.t("export.roster"),
        title: format!("{} · {}", c.host_name, c.name),
        subtitle: Some(format!("{} – {}", c.start_date, c.end_date)),
        headers: headers.iter().map(|h| lang.t(h)).collect(),
        rows,
        totals: None,
        footer: Vec::new(),
    };
    let book = workbook(&[sheet])?;
    let entry = Entry::by(user, "roster.export", "class").target(c.id);
    state.journal.record(&entry, client).await?;
    Ok((c.into_inner(), book))
}

/// Per child of a class: its basic fields and its guardians (name, phone, relationship).
struct RosterChild {
    gender: String,
    birth_date: String,
    school: String,
    guardians: Vec<(String, String, String)>,
}

impl RosterChild {
    fn first(&self) -> Option<&(String, String, String)> {
        self.guardians.first()
    }
}

async fn guardians_of_class(
    db: &Db,
    class_id: &ClassId,
) -> sqlx::Result<HashMap<ChildId, RosterChild>> {
    const SQL: &str = "SELECT ch.id, ch.gender, ch.birth_date, ch.school, g.name, g.phone, cg.relationship \
        FROM applications a JOIN children ch ON ch.id = a.child_id \
        LEFT JOIN child_guardians cg ON cg.child_id = ch.id LEFT JOIN guardians g ON g.id = cg.guardian_id \
        WHERE a.class_id = $1 ORDER BY g.created_at";
    type Row = (
        ChildId,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(SQL).bind(class_id).fetch_all(p).await)?;
    let mut out: HashMap<ChildId, RosterChild> = HashMap::new();
    for (id, gender, birth_date, school, name, phone, rel) in rows {
        let e = out.entry(id).or_insert_with(|| RosterChild {
            gender,
            birth_date,
            school,
            guardians: Vec::new(),
        });
        if let (Some(n), Some(p), Some(r)) = (name, phone, rel) {
            e.guardians.push((n, p, r));
        }
    }
    Ok(out)
}
