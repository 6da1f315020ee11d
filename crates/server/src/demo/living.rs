//! The season running on the day the demo is loaded (issue 15 point 11): a programme of 示例市
//! whose dates contain the load day — after-school (课后托管, 16:00–18:30) in term time, the winter
//! holiday in January and February, the summer holiday in July and August (08:00–17:30) — with
//! two classes running and one waiting for approval. On a weekend or holiday the next working day
//! (the calendar's) is the roll's day: every operating day before it is recorded, its roll is
//! half done (checked in, collected, absent, not yet), an incident of the day before awaits the
//! federation's acknowledgement, an application waits, and a report is overdue.

use chrono::{Datelike, Duration, NaiveDate};

use super::{app_err, system};
use crate::app::AppState;
use crate::audit::Client;
use crate::classes::service::{self as classes, Action};
use crate::classes::{ClassInput, staff};
use crate::enrolment::demo::DemoClass;
use crate::ids::{ClassId, ProgrammeId};
use crate::orgs::Org;
use crate::programmes::{MilestoneInput, NewProgramme};
use tuoguan_domain::calendar::WorkCalendar;
use tuoguan_domain::class_checks::{Food, FoodMode, Venue};

/// Children enrolled in each running class of the living season.
const PER_CLASS: usize = 14;

/// A class of the living season: (unit index, name, capacity, target state).
const CLASSES: &[(usize, &str, i64, &str)] = &[
    (0, "医院职工子女爱心托管班", 45, "running"),
    (1, "供电公司“四点半课堂”", 30, "running"),
    (2, "东城区实验小学职工子女托管班", 40, "submitted"),
];

/// The day whose roll the demo half fills: `day` when it is a working day, otherwise the next one
/// (the calendar the administrators keep, the shipped one for a year not entered).
pub async fn roll_day(state: &AppState, day: NaiveDate) -> anyhow::Result<NaiveDate> {
    let to = day + Duration::days(30);
    let cal = crate::classes::days::calendar_for(state, &day.to_string(), &to.to_string())
        .await
        .map_err(app_err)?
        .unwrap_or_else(WorkCalendar::shipped);
    let mut d = day;
    while !cal.is_working_day(d) && d < to {
        d = d.succ_opt().unwrap_or(d);
    }
    Ok(d)
}

/// A demo loaded in a year the calendar holds no data for (the State Council publishes a year's
/// holidays around November of the year before; the shipped data may not have it yet, and no year
/// is guessed) would have a season on which no class operates: every tap refused, the roll dead.
/// The demo then enters the one day off that never moves, New Year's Day, so the year counts (its
/// weekdays as working days), and says so in the log: an administrator replaces it with the
/// published arrangement on the calendar page. Nothing is entered for a year that has data.
async fn enter_missing_year(state: &AppState, year: i32) -> anyhow::Result<()> {
    let known = crate::calendar::store::years(&state.db).await?;
    if known.iter().any(|y| y.year == format!("{year:04}")) {
        return Ok(());
    }
    let day = crate::calendar::DayView {
        date: format!("{year:04}-01-01"),
        kind: "holiday".into(),
        name: "元旦".into(),
    };
    let mut tx = state.db.begin().await?;
    crate::calendar::store::upsert(&mut tx, &day, None, crate::now()).await?;
    tx.commit().await?;
    tracing::warn!(
        year,
        "the working-day calendar has no data for the demo's year: the demo entered New Year's \
         Day only, so every other weekday counts as a working day; enter the State Council's \
         arrangement on the calendar page"
    );
    Ok(())
}

/// The season, daily hours and dates of the programme around `roll` (within its year, whose
/// calendar the operating days need).
fn season(
    roll: NaiveDate,
) -> (
    &'static str,
    (&'static str, &'static str),
    NaiveDate,
    NaiveDate,
) {
    let year_start = NaiveDate::from_ymd_opt(roll.year(), 1, 1).unwrap_or(roll);
    let year_end = NaiveDate::from_ymd_opt(roll.year(), 12, 31).unwrap_or(roll);
    let start = (roll - Duration::days(42)).max(year_start);
    let end = (roll + Duration::days(42)).min(year_end);
    match roll.month() {
        1 | 2 => ("winter", ("08:00", "17:30"), start, end),
        7 | 8 => ("summer", ("08:00", "17:30"), start, end),
        _ => ("after_school", ("16:00", "18:30"), start, end),
    }
}

/// Loads the living season on `day`.
pub(super) async fn load(
    state: &AppState,
    city: &Org,
    units: &[Org],
    day: NaiveDate,
) -> anyhow::Result<()> {
    let roll = roll_day(state, day).await?;
    enter_missing_year(state, roll.year()).await?;
    let (season, hours, start, end) = season(roll);
    let me = system();
    let client = Client::default();
    // Milestones: the preparation report was due a week ago (overdue for every unit that has not
    // sent it), the month's report at the month's end, the summary after the season.
    let due = |d: NaiveDate, kind: &str| MilestoneInput {
        kind: kind.into(),
        due_date: d.to_string(),
    };
    let month = format!("{:04}-{:02}", roll.year(), roll.month());
    let month_end = crate::attendance::metrics::month_bounds(&month).map_or(end, |(_, last)| last);
    let input = NewProgramme {
        org_id: Some(city.id),
        season: season.into(),
        year: i64::from(roll.year()),
        start_date: start.to_string(),
        end_date: end.to_string(),
        theme: Some("快乐成长 安心托管".into()),
        milestones: Some(vec![
            due(day - Duration::days(30), "work_plan"),
            due(day - Duration::days(7), "preparation"),
            due(month_end.max(day), "monthly_report"),
            due(end + Duration::days(14), "summary"),
        ]),
        ..Default::default()
    };
    let p = crate::programmes::service::open(state, &me, &client, &input)
        .await
        .map_err(app_err)?;
    let mut running = Vec::new();
    for (i, (unit, name, capacity, target)) in CLASSES.iter().enumerate() {
        let input = class_input(
            p.id,
            &units[*unit],
            name,
            *capacity,
            hours,
            (start, end),
            i,
            day,
        );
        let c = classes::register(state, &me, &client, &input)
            .await
            .map_err(app_err)?;
        add_staff(state, &c.id, i, day).await?;
        let steps: &[Action] = match *target {
            "running" => &[Action::Submit, Action::Approve, Action::Start],
            _ => &[Action::Submit],
        };
        for step in steps {
            classes::transition(state, &me, &client, &c.id, *step, "")
                .await
                .map_err(app_err)?;
        }
        if *target == "running" {
            running.push(c.id);
        }
    }
    let (s, e) = (start.to_string(), end.to_string());
    let demo: Vec<DemoClass<'_>> = running
        .iter()
        .map(|id| DemoClass {
            id: *id,
            start: &s,
            end: &e,
        })
        .collect();
    // One child joined late: the unit entered them from the Monday two weeks before the roll.
    let late = (roll - Duration::days(14 + i64::from(roll.weekday().num_days_from_monday())))
        .max(start)
        .to_string();
    let parent_child =
        crate::enrolment::demo::living(state, &demo, PER_CLASS, Some(&late), day).await?;
    crate::attendance::demo::living(state, &running, roll, parent_child).await?;
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "one demo class's facts, named at the call"
)]
fn class_input(
    programme_id: ProgrammeId,
    unit: &Org,
    name: &str,
    capacity: i64,
    (daily_start, daily_end): (&str, &str),
    (start, end): (NaiveDate, NaiveDate),
    i: usize,
    day: NaiveDate,
) -> ClassInput {
    let venue = Venue {
        independent: true,
        building_fire_supervision_safe: true,
        away_from_hazards: true,
        ventilation_and_light: true,
        cameras: true,
        floor_area_m2: Some(160),
        ..Default::default()
    };
    let food = Food {
        mode: FoodMode::Caterer,
        caterer_name: Some("示例市放心餐饮配送有限公司".into()),
        licence_no: Some(format!("JY1330100{:07}", 2_700_000 + i)),
        // Valid for a year from the load day (or today, when later): the demo never expires itself.
        licence_expiry: Some(day.max(crate::calendar::today()) + Duration::days(365)),
        catering_agreement: true,
    };
    ClassInput {
        programme_id,
        host_org_id: Some(unit.id),
        name: name.into(),
        address: format!("{}职工之家一楼", unit.name.trim_end_matches("工会")),
        start_date: start.to_string(),
        end_date: end.to_string(),
        daily_start: daily_start.into(),
        daily_end: daily_end.into(),
        capacity,
        model: "in_unit".into(),
        management: "union_staff".into(),
        partners: Vec::new(),
        partner_agreement: false,
        qualification_review: false,
        venue,
        food,
        rules_in_force: vec![
            "pickup".into(),
            "daily_safety".into(),
            "food_hygiene".into(),
            "emergency".into(),
        ],
    }
}

/// A 负责人, a teacher and a work-study student, their background checks done a month ago.
async fn add_staff(
    state: &AppState,
    class_id: &ClassId,
    i: usize,
    day: NaiveDate,
) -> anyhow::Result<()> {
    let people = [
        ("周雅琴", "leader", 0),
        ("孙志刚", "teacher", 1),
        ("林小雨", "work_study", 2),
    ];
    let checked_on = (day - Duration::days(30)).to_string();
    for (name, role, k) in people {
        let checked = role != "work_study";
        let s = staff::StaffInput {
            name: name.into(),
            role: role.into(),
            phone: format!("138{:04}{:04}", 1000 + i, 3000 + k),
            part_time: role == "work_study",
            check_done_on: checked.then(|| checked_on.clone()),
            check_done_by: checked.then(|| "区教育局系统查询".into()),
        };
        staff::add(state, &system(), &Client::default(), class_id, &s)
            .await
            .map_err(app_err)?;
    }
    Ok(())
}
