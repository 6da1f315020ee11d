//! Programmes (专案): the season, the rules and targets a federation sets, and the milestones
//! (进度安排) it tracks per subordinate unit.
//!
//! Every rule of PRODUCT.md §2 is data in [`ProgrammeRules`] with the seed 003 default, so Beijing's
//! or Guangdong's variant is a preset, not code. Milestone status and reminders take "today" as
//! an argument, so they are deterministic.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::class_checks::named_enum;

/// The season a programme runs in: 暑期 summer, 寒假 winter or 课后 after-school.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    /// 暑期, the summer holiday.
    Summer,
    /// 寒假, the winter holiday.
    Winter,
    /// 课后, after school during term.
    AfterSchool,
}

named_enum!(Season {
    Summer => "summer",
    Winter => "winter",
    AfterSchool => "after_school",
});

/// The rules of a programme (专案规则), PRODUCT.md §2, as data. Percentages are whole percent.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeRules {
    /// Lowest eligible primary grade (小学1年级).
    pub min_grade: u8,
    /// Highest eligible primary grade (6年级).
    pub max_grade: u8,
    /// Kindergarten children with self-care ability may be at most this share of a class.
    pub kindergarten_max_pct: u32,
    /// Minimum children in a class (托管规模).
    pub min_class_size: u32,
    /// Minimum operating working days (托管时间).
    pub min_operating_days: u32,
    /// Minimum attendance rate (出勤率).
    pub min_attendance_pct: u32,
    /// Minimum satisfaction rate for a model class (示范班满意度).
    pub min_satisfaction_pct: u32,
    /// A model class must have had no safety incident.
    pub model_requires_no_incident: bool,
    /// Whether union funds may pay children's accident insurance (seed 003 §三.7: no).
    pub union_funds_may_pay_insurance: bool,
    /// Attendance below this bars a child from the next term; `None` is off.
    pub bar_below_attendance_pct: Option<u32>,
    /// At most this many children per staff member (师生比); `None` is off.
    pub max_children_per_staff: Option<u32>,
    /// Days after a class closes before its children's personal data is anonymised (PRODUCT.md §14).
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Share of its running classes a federation inspects each year (抽查比例; Anhui: 10%).
    #[serde(default = "default_inspection_coverage_pct")]
    pub inspection_coverage_pct: u32,
    /// Fewer questionnaire responses than this give "insufficient responses", not a rate.
    #[serde(default = "default_min_responses")]
    pub min_satisfaction_responses: u32,
}

fn default_min_responses() -> u32 {
    10
}

fn default_inspection_coverage_pct() -> u32 {
    crate::inspection::DEFAULT_COVERAGE_PCT
}

/// One year after the class closes: time for the federation's checks and the parents' questions.
fn default_retention_days() -> u32 {
    365
}

const GRADE: &str = "rules.grade_range";
const PCT: &str = "rules.pct_range";
const SIZE: &str = "rules.class_size_range";
const DAYS: &str = "rules.operating_days_range";
const RATIO: &str = "rules.ratio_range";
const RETENTION: &str = "rules.retention_range";
const COVERAGE: &str = "rules.coverage_range";
const RESPONSES: &str = "rules.responses_range";

/// Every i18n key [`ProgrammeRules::validate`] can return.
pub const RULE_CODES: [&str; 8] = [
    GRADE, PCT, SIZE, DAYS, RATIO, RETENTION, COVERAGE, RESPONSES,
];

impl ProgrammeRules {
    /// The names accepted by [`ProgrammeRules::preset`].
    pub const PRESETS: [&'static str; 3] = ["seed_003", "beijing", "guangdong"];

    /// The defaults of seed 003 (the city federation's 专案).
    pub fn seed_003() -> Self {
        ProgrammeRules {
            min_grade: 1,
            max_grade: 6,
            kindergarten_max_pct: 10,
            min_class_size: 20,
            min_operating_days: 20,
            min_attendance_pct: 75,
            min_satisfaction_pct: 90,
            model_requires_no_incident: true,
            union_funds_may_pay_insurance: false,
            bar_below_attendance_pct: None,
            max_children_per_staff: None,
            retention_days: default_retention_days(),
            inspection_coverage_pct: default_inspection_coverage_pct(),
            min_satisfaction_responses: default_min_responses(),
        }
    }

    /// Beijing (seed 000): classes of at least 30 and 70% attendance; the rest as seed 003.
    pub fn beijing() -> Self {
        ProgrammeRules {
            min_class_size: 30,
            min_attendance_pct: 70,
            ..Self::seed_003()
        }
    }

    /// Guangdong (seed 000): 70% attendance; the rest as seed 003.
    pub fn guangdong() -> Self {
        ProgrammeRules {
            min_attendance_pct: 70,
            ..Self::seed_003()
        }
    }

    /// A named preset of [`ProgrammeRules::PRESETS`] (whitespace and ASCII case ignored).
    pub fn preset(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "seed_003" => Some(Self::seed_003()),
            "beijing" => Some(Self::beijing()),
            "guangdong" => Some(Self::guangdong()),
            _ => None,
        }
    }

    /// Every invalid field as `(field name, i18n key)`, in field order; `Ok` when all are valid.
    ///
    /// Grades must lie in 1..=6 with min ≤ max (a reversed pair is reported on `min_grade`),
    /// percentages in 0..=100, the class size in 1..=500, the operating days in 1..=250, and a
    /// staff ratio, when set, at least 1.
    pub fn validate(&self) -> Result<(), Vec<(&'static str, &'static str)>> {
        let grade = |g: u8| (1..=6).contains(&g);
        let pct = |p: u32| p > 100;
        let (min, max) = (self.min_grade, self.max_grade);
        let reversed = grade(min) && grade(max) && min > max;
        let size = !(1..=500).contains(&self.min_class_size);
        let days = !(1..=250).contains(&self.min_operating_days);
        let bar = self.bar_below_attendance_pct.is_some_and(pct);
        let ratio = self.max_children_per_staff == Some(0);
        let retention = !(30..=3650).contains(&self.retention_days);
        let coverage = !(1..=100).contains(&self.inspection_coverage_pct);
        let responses = !(1..=1000).contains(&self.min_satisfaction_responses);
        let fields = [
            ("min_grade", GRADE, !grade(min) || reversed),
            ("max_grade", GRADE, !grade(max)),
            ("kindergarten_max_pct", PCT, pct(self.kindergarten_max_pct)),
            ("min_class_size", SIZE, size),
            ("min_operating_days", DAYS, days),
            ("min_attendance_pct", PCT, pct(self.min_attendance_pct)),
            ("min_satisfaction_pct", PCT, pct(self.min_satisfaction_pct)),
            ("bar_below_attendance_pct", PCT, bar),
            ("max_children_per_staff", RATIO, ratio),
            ("retention_days", RETENTION, retention),
            ("inspection_coverage_pct", COVERAGE, coverage),
            ("min_satisfaction_responses", RESPONSES, responses),
        ];
        let errors: Vec<_> = fields
            .into_iter()
            .filter(|(.., bad)| *bad)
            .map(|(field, key, _)| (field, key))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// How many kindergarten children (幼儿园阶段) a class of `capacity` may take:
    /// `floor(capacity × kindergarten_max_pct / 100)`.
    pub fn kindergarten_places(&self, capacity: u32) -> u32 {
        let places = u64::from(capacity) * u64::from(self.kindergarten_max_pct) / 100;
        u32::try_from(places).unwrap_or(u32::MAX)
    }
}

impl Default for ProgrammeRules {
    /// [`ProgrammeRules::seed_003`].
    fn default() -> Self {
        Self::seed_003()
    }
}

/// A programme's targets (目标任务), shown against progress on dashboards.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Targets {
    /// Participating grassroots units (基层单位).
    pub units: u32,
    /// Worker families helped (职工家庭).
    pub families: u32,
    /// City-level model classes named (市级示范爱心托管班).
    pub model_classes: u32,
}

impl Targets {
    /// Seed 003: at least 30 units, 1,000 families, 10 model classes.
    pub fn seed_003() -> Self {
        Targets {
            units: 30,
            families: 1000,
            model_classes: 10,
        }
    }
}

/// A milestone kind of seed 003 §进度安排 (报送节点).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    /// 工作方案, the work plan (summer: due 4/20).
    WorkPlan,
    /// 准备工作情况, the preparation report (summer: due 5/20).
    Preparation,
    /// 月报, the monthly report due at each month-end of operation.
    MonthlyReport,
    /// 工作总结, the summary (summer: due 8/30).
    Summary,
    /// 示范班申报, the model-class application (summer: due 8/30).
    ModelApplication,
}

named_enum!(MilestoneKind {
    WorkPlan => "work_plan",
    Preparation => "preparation",
    MonthlyReport => "monthly_report",
    Summary => "summary",
    ModelApplication => "model_application",
});

/// The last day of a month, `None` outside chrono's range.
fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year.checked_add(1)?, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// The default milestones (进度安排) of a programme year, sorted by date (ties in
/// [`MilestoneKind::ALL`] order).
///
/// Summer and after-school follow seed 003: work plan 4/20, preparation 5/20, monthly reports at
/// the ends of June–September, summary and model application 8/30. Winter `year` is the year the
/// holiday falls in: work plan 11/20 and preparation 12/20 of the year before, monthly reports at
/// the ends of January and February, summary and model application 3/20. Dates outside chrono's
/// range are left out rather than panicking.
pub fn default_milestones(season: Season, year: i32) -> Vec<(MilestoneKind, NaiveDate)> {
    use MilestoneKind::*;
    let ymd = |y: Option<i32>, m, d| y.and_then(|y| NaiveDate::from_ymd_opt(y, m, d));
    let (this, before) = (Some(year), year.checked_sub(1));
    let (plan, prep, months, close) = match season {
        Season::Summer | Season::AfterSchool => (
            ymd(this, 4, 20),
            ymd(this, 5, 20),
            &[6, 7, 8, 9][..],
            ymd(this, 8, 30),
        ),
        Season::Winter => (
            ymd(before, 11, 20),
            ymd(before, 12, 20),
            &[1, 2][..],
            ymd(this, 3, 20),
        ),
    };
    let mut out: Vec<(MilestoneKind, Option<NaiveDate>)> =
        vec![(WorkPlan, plan), (Preparation, prep)];
    out.extend(months.iter().map(|&m| (MonthlyReport, month_end(year, m))));
    out.extend([(Summary, close), (ModelApplication, close)]);
    let mut out: Vec<_> = out
        .into_iter()
        .filter_map(|(k, d)| d.map(|d| (k, d)))
        .collect();
    let rank = |k: MilestoneKind| MilestoneKind::ALL.iter().position(|&x| x == k);
    out.sort_by_key(|&(k, d)| (d, rank(k)));
    out
}

/// A unit's latest submission (报送) for a milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionState {
    /// 草稿: saved by the unit, not yet sent upward.
    Draft,
    /// 已报送, waiting for the level above.
    Submitted,
    /// 已通过, approved by the level above.
    Approved,
    /// 已退回, returned with comments.
    Returned,
}

/// Where one unit stands on one milestone at a given day.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneStatus {
    /// 未报送, nothing submitted and not yet due.
    NotStarted,
    /// 草稿, a draft saved and not yet due.
    Draft,
    /// 已报送, waiting for review (even when past due: the unit has done its part).
    Submitted,
    /// 已通过.
    Approved,
    /// 已退回, not yet past due.
    Returned,
    /// 逾期: nothing approved or awaiting review, and the due day has passed.
    Overdue,
}

/// The status (报送状态) of one unit for one milestone at `today`, from its latest submission.
///
/// Approved wins; a submitted item is Submitted even past due; a returned or missing item is
/// Overdue once `due < today` (the due day itself is not overdue).
pub fn milestone_status(
    due: NaiveDate,
    today: NaiveDate,
    latest: Option<SubmissionState>,
) -> MilestoneStatus {
    match latest {
        Some(SubmissionState::Approved) => MilestoneStatus::Approved,
        Some(SubmissionState::Submitted) => MilestoneStatus::Submitted,
        _ if due < today => MilestoneStatus::Overdue,
        Some(SubmissionState::Returned) => MilestoneStatus::Returned,
        Some(SubmissionState::Draft) => MilestoneStatus::Draft,
        None => MilestoneStatus::NotStarted,
    }
}

/// Whether a reminder (催报提醒) is due: nothing approved or awaiting review, and the due day is
/// between today and `lead_days` ahead, both inclusive.
pub fn reminder_due(
    due: NaiveDate,
    today: NaiveDate,
    lead_days: i64,
    latest: Option<SubmissionState>,
) -> bool {
    let open = matches!(
        latest,
        None | Some(SubmissionState::Draft | SubmissionState::Returned)
    );
    let ahead = (due - today).num_days();
    open && (0..=lead_days).contains(&ahead)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MilestoneKind::*;
    use SubmissionState::{Approved, Draft, Returned, Submitted};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn names_round_trip() {
        for s in Season::ALL {
            assert_eq!(Season::parse(s.as_str()), Some(s));
        }
        for k in MilestoneKind::ALL {
            assert_eq!(MilestoneKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Season::parse(" After_School "), Some(Season::AfterSchool));
        assert_eq!(Season::parse("spring"), None);
        assert_eq!(MilestoneKind::parse(""), None);
    }

    #[test]
    fn presets_and_kindergarten_places() {
        let seed = ProgrammeRules::default();
        assert_eq!(seed, ProgrammeRules::seed_003());
        for name in ProgrammeRules::PRESETS {
            let rules = ProgrammeRules::preset(name).unwrap();
            assert_eq!(rules.validate(), Ok(()), "{name}");
        }
        assert_eq!(ProgrammeRules::preset("shanghai"), None);
        // Beijing differs from seed 003 only in class size and attendance.
        let bj = ProgrammeRules::beijing();
        assert_eq!((bj.min_class_size, bj.min_attendance_pct), (30, 70));
        let bj_as_seed = ProgrammeRules {
            min_class_size: 20,
            min_attendance_pct: 75,
            ..bj
        };
        assert_eq!(bj_as_seed, seed);
        assert_eq!(ProgrammeRules::guangdong().min_attendance_pct, 70);
        // ≤10% kindergarten children, rounded down.
        let capacities = [10, 20, 25, 30, 0, 9, 100];
        let places = capacities.map(|c| seed.kindergarten_places(c));
        assert_eq!(places, [1, 2, 2, 3, 0, 0, 10]);
        let all = ProgrammeRules {
            kindergarten_max_pct: 100,
            ..seed
        };
        assert_eq!(all.kindergarten_places(u32::MAX), u32::MAX);
        assert_eq!(Targets::seed_003().model_classes, 10);
    }

    #[test]
    fn validate_reports_every_bad_field() {
        const PCTS: &[&str] = &["min_attendance_pct", "min_satisfaction_pct"];
        type Edit = fn(&mut ProgrammeRules);
        let cases: [(Edit, &[&str], &str); 12] = [
            (|r| r.min_grade = 0, &["min_grade"], GRADE),
            (|r| r.max_grade = 7, &["max_grade"], GRADE),
            (
                |r| (r.min_grade, r.max_grade) = (5, 3),
                &["min_grade"],
                GRADE,
            ),
            (
                |r| (r.min_grade, r.max_grade) = (0, 9),
                &["min_grade", "max_grade"],
                GRADE,
            ),
            (
                |r| r.kindergarten_max_pct = 101,
                &["kindergarten_max_pct"],
                PCT,
            ),
            (|r| r.min_class_size = 0, &["min_class_size"], SIZE),
            (|r| r.min_class_size = 501, &["min_class_size"], SIZE),
            (|r| r.min_operating_days = 0, &["min_operating_days"], DAYS),
            (
                |r| r.min_operating_days = 251,
                &["min_operating_days"],
                DAYS,
            ),
            (
                |r| r.bar_below_attendance_pct = Some(101),
                &["bar_below_attendance_pct"],
                PCT,
            ),
            (
                |r| r.max_children_per_staff = Some(0),
                &["max_children_per_staff"],
                RATIO,
            ),
            (
                |r| (r.min_attendance_pct, r.min_satisfaction_pct) = (150, 101),
                PCTS,
                PCT,
            ),
        ];
        for (edit, fields, key) in cases {
            let mut rules = ProgrammeRules::seed_003();
            edit(&mut rules);
            let expected: Vec<_> = fields.iter().map(|&f| (f, key)).collect();
            assert_eq!(rules.validate(), Err(expected), "{fields:?}");
        }
        let edges = ProgrammeRules {
            min_grade: 6,
            kindergarten_max_pct: 100,
            min_class_size: 500,
            min_operating_days: 250,
            bar_below_attendance_pct: Some(70),
            max_children_per_staff: Some(1),
            ..ProgrammeRules::seed_003()
        };
        assert_eq!(edges.validate(), Ok(()));
    }

    #[test]
    fn default_milestones_by_season() {
        let summer = default_milestones(Season::Summer, 2026);
        let expected = [
            (WorkPlan, "2026-04-20"),
            (Preparation, "2026-05-20"),
            (MonthlyReport, "2026-06-30"),
            (MonthlyReport, "2026-07-31"),
            (Summary, "2026-08-30"),
            (ModelApplication, "2026-08-30"),
            (MonthlyReport, "2026-08-31"),
            (MonthlyReport, "2026-09-30"),
        ]
        .map(|(k, s)| (k, d(s)));
        assert_eq!(summer, expected);
        assert_eq!(default_milestones(Season::AfterSchool, 2026), summer);
        let winter = default_milestones(Season::Winter, 2024);
        let expected = [
            (WorkPlan, "2023-11-20"),
            (Preparation, "2023-12-20"),
            (MonthlyReport, "2024-01-31"),
            (MonthlyReport, "2024-02-29"), // leap year
            (Summary, "2024-03-20"),
            (ModelApplication, "2024-03-20"),
        ]
        .map(|(k, s)| (k, d(s)));
        assert_eq!(winter, expected);
        assert!(
            default_milestones(Season::Winter, 2022).contains(&(MonthlyReport, d("2022-02-28")))
        );
        // Out of chrono's range: dates are dropped, no panic.
        assert!(default_milestones(Season::Winter, i32::MIN).is_empty());
    }

    #[test]
    fn milestone_status_table() {
        use MilestoneStatus as S;
        let due = d("2026-04-20");
        let cases = [
            ("2026-04-19", None, S::NotStarted),
            ("2026-04-20", None, S::NotStarted), // due today is not overdue
            ("2026-04-21", None, S::Overdue),
            ("2026-04-19", Some(Submitted), S::Submitted),
            ("2026-04-21", Some(Submitted), S::Submitted),
            ("2026-04-19", Some(Returned), S::Returned),
            ("2026-04-20", Some(Returned), S::Returned),
            ("2026-04-21", Some(Returned), S::Overdue),
            ("2026-04-20", Some(Draft), S::Draft),
            ("2026-04-21", Some(Draft), S::Overdue), // a draft is not sent
            ("2026-04-19", Some(Approved), S::Approved),
            ("2026-05-30", Some(Approved), S::Approved), // approved beats overdue
        ];
        for (today, latest, expected) in cases {
            assert_eq!(
                milestone_status(due, d(today), latest),
                expected,
                "{today} {latest:?}"
            );
        }
    }

    #[test]
    fn reminder_due_table() {
        let due = d("2026-05-20");
        let cases = [
            ("2026-05-12", 7, None, false), // 8 days ahead
            ("2026-05-13", 7, None, true),  // 7 days ahead
            ("2026-05-20", 7, None, true),  // due today
            ("2026-05-21", 7, None, false), // overdue: listed, not reminded
            ("2026-05-15", 7, Some(Returned), true),
            ("2026-05-15", 7, Some(Submitted), false),
            ("2026-05-15", 7, Some(Approved), false),
            ("2026-05-20", 0, None, true),
            ("2026-05-19", 0, None, false),
            ("2026-05-19", -1, None, false),
        ];
        for (today, lead, latest, expected) in cases {
            assert_eq!(
                reminder_due(due, d(today), lead, latest),
                expected,
                "{today} {lead} {latest:?}"
            );
        }
    }
}
