//! The federation dashboard (first cut of SPEC §13): participating units, classes by status,
//! capacity and progress against the programme's targets, by subordinate unit; exported to .xlsx.

pub mod routes;

use serde::Serialize;

use crate::app::AppState;
use crate::auth::{Capability, CurrentUser};
use crate::classes::{ClassStatus, store as class_store};
use crate::error::AppError;
use crate::orgs::{Org, store as org_store};
use crate::programmes::Programme;

/// Figures of one subordinate unit (a district, or a unit directly under the root).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Row {
    pub org_id: String,
    pub name: String,
    /// Active grassroots units in its subtree.
    pub units: i64,
    /// Units with at least one approved, running or closed class.
    pub participating_units: i64,
    /// Classes by status: draft, submitted, returned, approved, running, closed.
    pub classes: [i64; 6],
    /// Places in approved, running and closed classes.
    pub capacity: i64,
}

/// The dashboard of a subtree for one programme.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub programme_id: String,
    pub programme_name: String,
    pub root_id: String,
    pub root_name: String,
    pub totals: Row,
    pub rows: Vec<Row>,
    pub target_units: i64,
    pub target_families: i64,
    pub target_model_classes: i64,
    /// Families helped: counted from enrolments once they exist (SPEC §5); 0 until then.
    pub families: i64,
    /// Model classes named: counted once naming exists (SPEC §12); 0 until then.
    pub model_classes: i64,
}

const COUNTED: [ClassStatus; 3] = [
    ClassStatus::Approved,
    ClassStatus::Running,
    ClassStatus::Closed,
];

/// Builds the figures from two reads (organisations, classes): nothing is queried per unit.
pub async fn build(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    root_id: Option<&str>,
) -> Result<Dashboard, AppError> {
    let scope = user
        .scope(Capability::ViewClasses)
        .ok_or(AppError::Forbidden)?;
    let orgs = org_store::list(&state.db, &scope).await?;
    let root: Org = match root_id {
        Some(id) => orgs
            .iter()
            .find(|o| o.id == id)
            .cloned()
            .ok_or(AppError::NotFound)?,
        // The programme's federation if visible, else the caller's shallowest visible unit in it.
        None => orgs
            .iter()
            .filter(|o| o.path.starts_with(&p.org_path))
            .min_by_key(|o| o.path.len())
            .cloned()
            .ok_or(AppError::NotFound)?,
    };
    let classes = class_store::of_programme(&state.db, &scope, &p.id).await?;
    let children: Vec<&Org> = orgs
        .iter()
        .filter(|o| o.parent_id.as_deref() == Some(root.id.as_str()))
        .collect();
    let row_for = |prefix: &str, id: &str, name: &str| {
        let mut r = Row {
            org_id: id.into(),
            name: name.into(),
            ..Default::default()
        };
        r.units = orgs
            .iter()
            .filter(|o| o.active && o.kind == "grassroots" && o.path.starts_with(prefix))
            .count() as i64;
        let mut hosts = std::collections::BTreeSet::new();
        for c in classes.iter().filter(|c| c.host_path.starts_with(prefix)) {
            let st = c.status();
            if let Some(i) = ClassStatus::ALL.iter().position(|s| *s == st) {
                r.classes[i] += 1;
            }
            if COUNTED.contains(&st) {
                r.capacity += c.capacity;
                hosts.insert(c.host_org_id.clone());
            }
        }
        r.participating_units = hosts.len() as i64;
        r
    };
    let rows = children
        .iter()
        .map(|o| row_for(&o.path, &o.id, &o.name))
        .collect();
    let totals = row_for(&root.path, &root.id, &root.name);
    Ok(Dashboard {
        programme_id: p.id.clone(),
        programme_name: p.name.clone(),
        root_id: root.id.clone(),
        root_name: root.name.clone(),
        totals,
        rows,
        target_units: p.target_units,
        target_families: p.target_families,
        target_model_classes: p.target_model_classes,
        families: 0,
        model_classes: 0,
    })
}

/// The dashboard as a workbook an official can hand on.
pub fn xlsx(d: &Dashboard, lang: crate::i18n::Lang) -> Result<Vec<u8>, AppError> {
    use crate::web::excel::{Cell, Sheet, workbook};
    let mut headers = vec![
        lang.t("dashboard.unit"),
        lang.t("dashboard.units"),
        lang.t("dashboard.participating"),
    ];
    headers.extend(
        ClassStatus::ALL
            .iter()
            .map(|s| lang.t(crate::classes::service::status_key(*s))),
    );
    headers.push(lang.t("dashboard.capacity"));
    let cells = |r: &Row| {
        let mut v = vec![
            Cell::Text(r.name.clone()),
            Cell::Int(r.units),
            Cell::Int(r.participating_units),
        ];
        v.extend(r.classes.iter().map(|n| Cell::Int(*n)));
        v.push(Cell::Int(r.capacity));
        v
    };
    let mut totals = cells(&d.totals);
    totals[0] = Cell::Text(lang.t("dashboard.total"));
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    let sheet = Sheet {
        name: lang.t("dashboard.sheet"),
        title: format!("{} · {}", d.root_name, d.programme_name),
        subtitle: Some(format!(
            "{} {} (UTC+8) · {} {}/{}",
            lang.t("dashboard.exported_at"),
            now.format("%Y-%m-%d %H:%M"),
            lang.t("dashboard.target_units"),
            d.totals.participating_units,
            d.target_units
        )),
        headers,
        rows: d.rows.iter().map(cells).collect(),
        totals: Some(totals),
    };
    workbook(&[sheet]).map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))
}
