//! The federation dashboard (first cut of PRODUCT.md §13): participating units, classes by status,
//! capacity and progress against the programme's targets, by subordinate unit; exported to .xlsx.

pub mod days;
pub mod funds;
pub mod reach;
pub mod routes;
pub mod tallies;
pub mod years;

use serde::Serialize;
use tuoguan_domain::attendance::Rate;

use crate::attendance::metrics::RateView;

use crate::app::AppState;
use crate::auth::{Capability, CurrentUser, Scope};
use crate::classes::ClassStatus;
use crate::error::AppError;
use crate::ids::{OrgId, ProgrammeId};
use crate::orgs::{self, Org};
use crate::programmes::Programme;
use tallies::ClassTally;

/// Figures of one subordinate unit (a district, or a unit directly under the root).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Row {
    pub org_id: OrgId,
    pub name: String,
    /// Active grassroots units in its subtree.
    pub units: i64,
    /// Units with at least one approved, running or closed class.
    pub participating_units: i64,
    /// Classes by status: draft, submitted, returned, approved, running, closed.
    pub classes: [i64; 6],
    /// Places in approved, running and closed classes.
    pub capacity: i64,
    /// Children helped (enrolled, or withdrawn after enrolment), each counted once in the
    /// programme, under the host of the first class it applied to; rows add up to the total.
    pub children: i64,
    /// Families helped (children whose guardians share a phone number), counted as children are.
    pub families: i64,
    /// Incidents of its classes, and the safety ones among them.
    pub incidents: i64,
    pub safety_incidents: i64,
    /// Reports overdue: for each milestone past due, the active organisations of its subtree
    /// (below the programme's federation) whose latest version is neither submitted nor approved.
    pub overdue_reports: i64,
    /// Rectification tasks from inspections of its classes not yet closed, and those of them past
    /// their deadline (counted live: a few per inspected class, and overdue depends on the day).
    pub rectifications_open: i64,
    pub rectifications_overdue: i64,
    /// Child-days expected in its classes so far this season (up to today), and present.
    pub child_days_expected: i64,
    pub child_days_present: i64,
    /// Its attendance rate so far against the programme's rule (from the child-days above).
    pub attendance: RateView,
    /// Attendance of its latest approved monthly report, as approved (absent before one is).
    pub reported_attendance: Option<RateView>,
    /// The due day of that report (its month).
    pub reported_month: Option<String>,
}

/// The dashboard of a subtree for one programme.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub programme_id: ProgrammeId,
    pub programme_name: String,
    pub root_id: OrgId,
    pub root_name: String,
    pub totals: Row,
    pub rows: Vec<Row>,
    pub target_units: i64,
    pub target_families: i64,
    pub target_model_classes: i64,
    /// Families helped in the whole subtree (the totals' `families`).
    pub families: i64,
    /// Model classes named in the programme in the subtree (PRODUCT.md §12).
    pub model_classes: i64,
    /// The same season year by year (the federation's programmes of this season), earliest first,
    /// this programme last: the root's figures in each.
    pub years: Vec<years::YearFigures>,
    /// The year before this programme's, when the federation ran that season then.
    pub previous: Option<years::YearFigures>,
    /// The programme's minimum attendance rate, in percent (the line on the attendance chart).
    pub min_attendance_pct: u32,
    /// The root's season day by day up to today: child-days expected and children present.
    pub days: Vec<days::DayFigures>,
    /// Money of the root's subtree (docs/FUNDING.md), for those who read money: by source, and
    /// by subordinate unit in the same order as `rows`; absent for the others.
    pub funds: Option<DashboardFunds>,
}

/// Funds of a dashboard's subtree, from the kept figures (`funds::of_org`, `funds::totals_of`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DashboardFunds {
    pub sources: Vec<crate::funding::SourceLine>,
    pub received_fen: i64,
    pub spent_fen: i64,
    pub planned_fen: i64,
    /// Per row of the dashboard, in its order: (planned, received, spent) in fen.
    pub rows: Vec<UnitFunds>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitFunds {
    pub org_id: OrgId,
    pub name: String,
    pub planned_fen: i64,
    pub received_fen: i64,
    pub spent_fen: i64,
}

/// The subtree's funds, read from two kept rows per unit, for a caller who reads money there.
async fn funds_of(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    root: &Org,
    children: &[Org],
) -> Result<Option<DashboardFunds>, AppError> {
    if !crate::funding::reads(user).is_some_and(|s| s.contains(&root.path)) {
        return Ok(None);
    }
    let figures = funds::of_org(&state.db, &p.id, &root.id).await?;
    let (sources, _) = crate::funding::budget::lines(&figures);
    let ids: Vec<OrgId> = children.iter().map(|o| o.id).collect();
    let below = funds::totals_of(&state.db, &p.id, &ids).await?;
    let rows = children
        .iter()
        .map(|o| {
            let (planned_fen, received_fen, spent_fen) =
                below.get(&o.id).copied().unwrap_or((0, 0, 0));
            UnitFunds {
                org_id: o.id,
                name: o.name.clone(),
                planned_fen,
                received_fen,
                spent_fen,
            }
        })
        .collect();
    Ok(Some(DashboardFunds {
        received_fen: sources.iter().map(|s| s.received_fen).sum(),
        spent_fen: sources.iter().map(|s| s.spent_fen).sum(),
        planned_fen: sources.iter().map(|s| s.planned_fen).sum(),
        sources,
        rows,
    }))
}

/// Model classes named in the programme whose host lies in the subtree at `path` (a handful a
/// programme: counted from the applications, through their index on the programme).
async fn named_below(state: &AppState, p: &Programme, path: &str) -> Result<i64, AppError> {
    let n: i64 = crate::db::Sql::new(
        "SELECT COUNT(*) FROM model_applications m JOIN classes c ON c.id = m.class_id \
         JOIN orgs h ON h.id = c.host_org_id WHERE m.status = 'named' AND m.programme_id = ",
    )
    .bind(p.id)
    .push(" AND ")
    .scope("h.path", &Scope::Subtrees(vec![path.to_string()]))
    .fetch_scalar(&state.db)
    .await?;
    Ok(n)
}

/// The organisation a dashboard starts from: the one asked for, else the programme's federation
/// when visible, else the caller's shallowest visible organisation inside the programme.
async fn root_of(
    state: &AppState,
    scope: &Scope,
    p: &Programme,
    root_id: Option<&OrgId>,
) -> Result<Org, AppError> {
    let id = match root_id {
        Some(id) => *id,
        None => match scope {
            Scope::All => p.org_id,
            Scope::Subtrees(_) if scope.contains(&p.org_path) => p.org_id,
            Scope::Subtrees(roots) => roots
                .iter()
                .filter(|r| r.starts_with(&p.org_path))
                .min_by_key(|r| r.len())
                .and_then(|r| OrgId::of_path(r))
                .ok_or(AppError::NotFound)?,
        },
    };
    orgs::get(&state.db, scope, &id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Builds the figures from the pre-aggregated tallies ([`tallies`]): one row per subordinate
/// unit and one for the root, read in two queries whatever the size of the subtree.
pub async fn build(
    state: &AppState,
    user: &CurrentUser,
    p: &Programme,
    root_id: Option<&OrgId>,
) -> Result<Dashboard, AppError> {
    let scope = user
        .scope(Capability::ViewClasses)
        .ok_or(AppError::Forbidden)?;
    let root = root_of(state, &scope, p, root_id).await?;
    let children = orgs::children_in(&state.db, &scope, &root.id).await?;
    let mut ids: Vec<OrgId> = children.iter().map(|o| o.id).collect();
    ids.push(root.id);
    let classes = tallies::class_figures(&state.db, &p.id, &ids).await?;
    let units = tallies::org_figures(&state.db, &ids).await?;
    let today = crate::calendar::today();
    let past: Vec<_> = crate::programmes::milestones_of(&state.db, std::slice::from_ref(p))
        .await?
        .into_iter()
        .filter(|m| {
            m.due_date
                .parse()
                .is_ok_and(|d: chrono::NaiveDate| d < today)
        })
        .map(|m| m.id)
        .collect();
    let done = tallies::done_by_root(&state.db, &ids, &past).await?;
    // The programme's federation reports to nobody (it cannot submit): it owes nothing.
    let overdue = |o: &Org| {
        let all: i64 = units.get(&o.id).map_or(0, |t| t.by_kind().iter().sum());
        let owe = all - i64::from(o.id == p.org_id && o.active);
        owe * past.len() as i64 - done.get(&o.id).copied().unwrap_or(0)
    };
    let months = crate::reports::service::latest_approved_months(&state.db, p, &ids).await?;
    let until = today.to_string();
    let so_far = days::totals_of(&state.db, &p.id, &ids, &until).await?;
    let min_pct = p.rules()?.min_attendance_pct;
    let open = crate::inspections::rectify::open_in(&state.db, &p.id, &root.path).await?;
    let rectifications = |o: &Org| {
        let mine = open.iter().filter(|(path, _)| path.starts_with(&o.path));
        let (n, late) = mine.fold((0, 0), |(n, late), (_, d)| {
            (n + 1, late + i64::from(*d < until))
        });
        (n, late)
    };
    let row_for = |o: &Org| {
        let month = months.get(&o.id);
        let (expected, present) = so_far.get(&o.id).copied().unwrap_or((0, 0));
        let n = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
        let rate = Rate {
            expected: n(expected),
            present: n(present),
        };
        let t = classes
            .get(&o.id)
            .cloned()
            .unwrap_or_else(|| ClassTally::none(p.id, o.id));
        Row {
            org_id: o.id,
            name: o.name.clone(),
            units: units.get(&o.id).map_or(0, |t| t.grassroots),
            participating_units: t.participating,
            classes: t.by_status(),
            capacity: t.capacity,
            children: t.children,
            families: t.families,
            incidents: t.incidents,
            safety_incidents: t.safety_incidents,
            overdue_reports: overdue(o),
            rectifications_open: rectifications(o).0,
            rectifications_overdue: rectifications(o).1,
            child_days_expected: expected,
            child_days_present: present,
            attendance: RateView::of(rate, min_pct),
            reported_attendance: month.map(|(_, c)| c.total.rate(c.min_attendance_pct)),
            reported_month: month.map(|(due, _)| due.clone()),
        }
    };
    let totals = row_for(&root);
    let funds = funds_of(state, user, p, &root, &children).await?;
    let model_classes = named_below(state, p, &root.path).await?;
    let years = years::of(&state.db, p, &root.id).await?;
    let previous = years.iter().rev().find(|y| y.year == p.year - 1).cloned();
    Ok(Dashboard {
        years,
        previous,
        min_attendance_pct: min_pct,
        days: days::of_root(&state.db, &p.id, &root.id, &until).await?,
        programme_id: p.id,
        programme_name: p.name.clone(),
        root_id: root.id,
        root_name: root.name.clone(),
        families: totals.families,
        totals,
        rows: children.iter().map(row_for).collect(),
        target_units: p.target_units,
        target_families: p.target_families,
        target_model_classes: p.target_model_classes,
        model_classes,
        funds,
    })
}

/// The dashboard as a workbook an official can hand on.
pub fn xlsx(d: &Dashboard, lang: crate::i18n::Lang) -> Result<crate::web::excel::Book, AppError> {
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
    headers.push(lang.t("dashboard.children"));
    headers.push(lang.t("dashboard.families"));
    headers.push(lang.t("dashboard.incidents"));
    headers.push(lang.t("dashboard.safety_incidents"));
    headers.push(lang.t("dashboard.overdue_reports"));
    headers.push(lang.t("dashboard.rectifications_open"));
    headers.push(lang.t("dashboard.rectifications_late"));
    headers.push(lang.t("dashboard.child_days_expected"));
    headers.push(lang.t("dashboard.child_days_present"));
    headers.push(lang.t("dashboard.attendance"));
    headers.push(lang.t("dashboard.reported_attendance"));
    headers.push(lang.t("dashboard.attendance_month"));
    let cells = |r: &Row| {
        let mut v = vec![
            Cell::Text(r.name.clone()),
            Cell::Int(r.units),
            Cell::Int(r.participating_units),
        ];
        v.extend(r.classes.iter().map(|n| Cell::Int(*n)));
        v.push(Cell::Int(r.capacity));
        v.push(Cell::Int(r.children));
        v.push(Cell::Int(r.families));
        v.push(Cell::Int(r.incidents));
        v.push(Cell::Int(r.safety_incidents));
        v.push(Cell::Int(r.overdue_reports));
        v.push(Cell::Int(r.rectifications_open));
        v.push(Cell::Int(r.rectifications_overdue));
        v.push(Cell::Int(r.child_days_expected));
        v.push(Cell::Int(r.child_days_present));
        v.push(Cell::Text(r.attendance.rate.clone().unwrap_or_default()));
        let reported = r.reported_attendance.as_ref().and_then(|a| a.rate.clone());
        v.push(Cell::Text(reported.unwrap_or_default()));
        v.push(Cell::Text(r.reported_month.clone().unwrap_or_default()));
        v
    };
    let mut totals = cells(&d.totals);
    totals[0] = Cell::Text(lang.t("dashboard.total"));
    let now = crate::calendar::now_local();
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
        footer: Vec::new(),
    };
    let years = Sheet {
        name: lang.t("dashboard.years"),
        title: format!("{} · {}", d.root_name, lang.t("dashboard.years")),
        subtitle: None,
        headers: [
            "dashboard.year",
            "dashboard.programme",
            "dashboard.participating",
            "dashboard.classes_open",
            "dashboard.capacity",
            "dashboard.children",
            "dashboard.families",
        ]
        .iter()
        .map(|k| lang.t(k))
        .collect(),
        rows: d
            .years
            .iter()
            .map(|y| {
                vec![
                    Cell::Int(y.year),
                    Cell::Text(y.programme_name.clone()),
                    Cell::Int(y.participating_units),
                    Cell::Int(y.classes_open),
                    Cell::Int(y.capacity),
                    Cell::Int(y.children),
                    Cell::Int(y.families),
                ]
            })
            .collect(),
        totals: None,
        footer: Vec::new(),
    };
    let mut sheets = vec![sheet, years];
    sheets.extend(d.funds.as_ref().map(|f| funds_sheet(d, f, lang)));
    Ok(workbook(&sheets)?)
}

/// The funds sheet: each source, then each subordinate unit, amounts in yuan.
fn funds_sheet(
    d: &Dashboard,
    f: &DashboardFunds,
    lang: crate::i18n::Lang,
) -> crate::web::excel::Sheet {
    use crate::web::excel::{Cell, Sheet};
    let yuan = Cell::Money;
    let mut rows: Vec<Vec<Cell>> = f
        .sources
        .iter()
        .map(|s| {
            vec![
                Cell::Text(lang.t(&format!("source.{}", s.source))),
                yuan(s.planned_fen),
                yuan(s.received_fen),
                yuan(s.spent_fen),
            ]
        })
        .collect();
    rows.push(vec![Cell::Empty]);
    rows.extend(f.rows.iter().map(|u| {
        vec![
            Cell::Text(u.name.clone()),
            yuan(u.planned_fen),
            yuan(u.received_fen),
            yuan(u.spent_fen),
        ]
    }));
    Sheet {
        name: lang.t("dashboard.funds"),
        title: format!("{} · {}", d.root_name, lang.t("dashboard.funds")),
        subtitle: Some(lang.t("dashboard.funds_unit")),
        headers: [
            "dashboard.funds_line",
            "money.planned",
            "money.received",
            "money.spent",
        ]
        .iter()
        .map(|k| lang.t(k))
        .collect(),
        rows,
        totals: Some(vec![
            Cell::Text(lang.t("dashboard.total")),
            yuan(f.planned_fen),
            yuan(f.received_fen),
            yuan(f.spent_fen),
        ]),
        footer: Vec::new(),
    }
}
