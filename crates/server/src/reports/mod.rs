//! Compiled reports (报表): the preparation report, the monthly reports and the summary of a
//! programme compile their figures from the records (docs/REPORTS.md). A unit's figures come from
//! the classes it hosts itself for the report's period; a federation's add its direct
//! subordinates' approved reports, so each level sums the level below and a class is counted once,
//! at its host. Submitting freezes the figures with the moment they were taken; a subordinate that
//! will not report is marked missing with a reason by the level above.

pub mod api;
mod compile;
pub mod routes;
pub mod service;
mod store;
mod xlsx;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use tuoguan_domain::attendance::Rate;
use tuoguan_domain::programme::MilestoneKind;

use crate::attendance::metrics::RateView;
use crate::ids::{OrgId, SubmissionId};
use crate::programmes::{Milestone, Programme};

/// The milestones that are compiled reports (a work plan or a model-class application is not).
pub fn is_report(m: &Milestone) -> bool {
    matches!(
        m.kind(),
        Some(MilestoneKind::Preparation | MilestoneKind::MonthlyReport | MilestoneKind::Summary)
    )
}

/// The days a report covers: a monthly report its due day's month up to the due day; the
/// preparation report and the summary the season up to the due day (`from` is `None`).
pub fn period(m: &Milestone) -> (Option<NaiveDate>, NaiveDate) {
    let to = m
        .due_date
        .parse::<NaiveDate>()
        .unwrap_or_else(|_| crate::calendar::today());
    match m.kind() {
        Some(MilestoneKind::MonthlyReport) => (to.with_day(1), to),
        _ => (None, to),
    }
}

/// What a report counts, for one unit's own classes or summed over a subtree. Every figure is a
/// count from the records; none is typed in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figures {
    /// Units whose figures are in: a unit hosting classes, and each approved subordinate report's.
    pub units_reporting: i64,
    /// Classes approved, running or closed (a monthly report: those whose dates meet the month).
    pub classes_open: i64,
    /// Their places (capacity).
    pub places: i64,
    /// Children helped in the programme so far, each counted once (at the class of its first
    /// counted application).
    pub children: i64,
    /// Families helped so far, each counted once.
    pub families: i64,
    /// Class-days: each class's operating days in the period, up to the day the figures were taken.
    pub operating_days: i64,
    /// Child-days expected (应到人天): each enrolled child × the operating days of its enrolment.
    pub child_days_expected: i64,
    /// Child-days present (实到人天).
    pub child_days_present: i64,
    /// Incidents that occurred in the period, safety ones included.
    pub incidents: i64,
    /// Of those, safety incidents.
    pub safety_incidents: i64,
    /// Operating days with a safety patrol logged (owed: `operating_days`).
    pub patrol_days: i64,
    /// Operating days with ventilation and disinfection logged (owed: `operating_days`).
    pub ventilation_days: i64,
    /// Operating days with a meal log, in classes that serve meals.
    pub meal_days: i64,
    /// Operating days of classes that serve meals: the meal logs owed.
    pub meal_days_owed: i64,
    /// Staff on the classes' rosters.
    pub staff: i64,
    /// Of those, staff whose background check is recorded done.
    pub staff_checked: i64,
    /// Money its classes received in the period (their ledgers, counter-entries netted), in fen.
    #[serde(default)]
    pub funds_received_fen: i64,
    /// Money its classes spent in the period, in fen.
    #[serde(default)]
    pub funds_spent_fen: i64,
    /// The same by source (every source, in a fixed order), in fen.
    #[serde(default)]
    pub funds_by_source: Vec<SourceFunds>,
}

/// Money of one source in a report's period, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ReportSourceFunds)]
pub struct SourceFunds {
    pub source: tuoguan_domain::funding::Source,
    pub received_fen: i64,
    pub spent_fen: i64,
}

impl Figures {
    /// Adds another unit's figures (a subordinate's approved report).
    pub fn add(&mut self, o: &Figures) {
        self.units_reporting += o.units_reporting;
        self.classes_open += o.classes_open;
        self.places += o.places;
        self.children += o.children;
        self.families += o.families;
        self.operating_days += o.operating_days;
        self.child_days_expected += o.child_days_expected;
        self.child_days_present += o.child_days_present;
        self.incidents += o.incidents;
        self.safety_incidents += o.safety_incidents;
        self.patrol_days += o.patrol_days;
        self.ventilation_days += o.ventilation_days;
        self.meal_days += o.meal_days;
        self.meal_days_owed += o.meal_days_owed;
        self.staff += o.staff;
        self.staff_checked += o.staff_checked;
        self.funds_received_fen += o.funds_received_fen;
        self.funds_spent_fen += o.funds_spent_fen;
        for theirs in &o.funds_by_source {
            match self
                .funds_by_source
                .iter_mut()
                .find(|m| m.source == theirs.source)
            {
                Some(mine) => {
                    mine.received_fen += theirs.received_fen;
                    mine.spent_fen += theirs.spent_fen;
                }
                None => self.funds_by_source.push(theirs.clone()),
            }
        }
        self.funds_by_source.sort_by_key(|f| f.source);
    }

    /// The attendance rate of these child-days against the programme's rule.
    pub fn rate(&self, min_pct: u32) -> RateView {
        let n = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
        RateView::of(
            Rate {
                present: n(self.child_days_present),
                expected: n(self.child_days_expected),
            },
            min_pct,
        )
    }
}

crate::closed_set! {
    /// Where a subordinate stands on a report.
    pub enum UnitReportStatus {
        NotStarted = "not_started",
        Draft = "draft",
        Submitted = "submitted",
        Approved = "approved",
        Returned = "returned",
        Overdue = "overdue",
        /// Marked missing by the level above, with a reason.
        Exempted = "exempted",
    }
}

/// One direct subordinate of the reporting organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnitLine {
    pub org_id: OrgId,
    pub org_name: String,
    #[schema(value_type = UnitReportStatus)]
    pub status: String,
    /// Its latest version, if it has saved one.
    pub submission_id: Option<SubmissionId>,
    /// Its figures when approved (they are in the sum), otherwise absent.
    pub figures: Option<Figures>,
    /// Why it is marked missing.
    pub reason: Option<String>,
}

impl UnitLine {
    /// Neither approved nor marked missing: the organisation's own report cannot be submitted.
    pub fn outstanding(&self) -> bool {
        self.status != "approved" && self.status != "exempted"
    }
}

/// A report's figures as compiled (live) or as taken when it was submitted (frozen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Compiled {
    /// First day covered (YYYY-MM-DD), absent for "the season up to `period_to`".
    pub period_from: Option<String>,
    /// Last day covered (the due day).
    pub period_to: String,
    /// The last day counted: the due day, or the day the figures were taken if earlier.
    pub as_of: String,
    /// The programme's minimum attendance rule, in percent.
    pub min_attendance_pct: u32,
    /// From the classes the organisation hosts itself.
    pub own: Figures,
    /// Own figures plus every approved subordinate's.
    pub total: Figures,
    /// Direct subordinates, in name order.
    pub units: Vec<UnitLine>,
}

impl Compiled {
    /// Subordinates neither approved nor marked missing.
    pub fn outstanding(&self) -> usize {
        self.units.iter().filter(|u| u.outstanding()).count()
    }
}

/// A report as the API gives it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub programme_id: crate::ids::ProgrammeId,
    pub milestone_id: crate::ids::MilestoneId,
    #[schema(value_type = MilestoneKind)]
    pub kind: String,
    pub due_date: String,
    pub org_id: OrgId,
    pub org_name: String,
    /// The organisation's latest version, absent before it saves one (and for the programme's own
    /// federation, which reads the roll-up without submitting).
    pub submission_id: Option<SubmissionId>,
    /// Where that version stands.
    #[schema(value_type = Option<UnitReportStatus>)]
    pub status: Option<String>,
    pub narrative: String,
    /// The files that went up with that version (or, while it is written, that it carries now).
    pub attachments: Vec<crate::programmes::attachments::Attachment>,
    /// True when the figures are the snapshot taken at submission, not a live compile.
    pub frozen: bool,
    /// When the snapshot was taken (Unix seconds), for a frozen report.
    pub taken_at: Option<i64>,
    pub compiled: Compiled,
    /// The attendance rate of the total.
    pub attendance: RateView,
    /// Subordinates neither approved nor marked missing (0 lets the report be submitted).
    pub outstanding: usize,
    /// Not recorded by the platform yet (the course menu and funding are later capabilities):
    /// shown as such, never as zero.
    pub not_recorded: Vec<String>,
}

/// Figures a report lists that no capability records yet.
pub const NOT_RECORDED: [&str; 2] = ["courses_delivered", "inspections"];

/// The organisation a report is read for, with its programme and milestone.
pub struct Subject {
    pub p: Programme,
    pub m: Milestone,
    pub org: crate::orgs::Org,
}
