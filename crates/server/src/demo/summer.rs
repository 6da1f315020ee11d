//! Last summer's season of the demo: the 2026 summer programme of 示例市 with classes in every
//! state and their staff. Fixed dates, so the tests that depend on them keep their fixture.

use super::{app_err, system};
use crate::app::AppState;
use crate::audit::Client;
use crate::orgs::Org;

/// A class of the demo: (unit index, name, capacity, model, partners, final state, return comment).
type DemoClass = (
    usize,
    &'static str,
    i64,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const CLASSES: &[DemoClass] = &[
    (
        0,
        "医院职工子女暑期爱心托管班",
        45,
        "in_unit",
        &[],
        "running",
        "",
    ),
    (
        1,
        "供电公司“阳光”爱心托管班",
        30,
        "in_unit",
        &[],
        "closed",
        "",
    ),
    (
        5,
        "东方广场楼宇联合爱心托管班",
        40,
        "joint",
        &["东方广场物业公司工会", "东方广场律师事务所工会"],
        "approved",
        "",
    ),
    (
        3,
        "和平里社区暑期托管班",
        25,
        "school_or_institution",
        &[],
        "submitted",
        "",
    ),
    (
        15,
        "高新园区职工子女托管班",
        60,
        "purchased_service",
        &[],
        "submitted",
        "",
    ),
    (
        10,
        "湖滨社区爱心托管班",
        20,
        "in_unit",
        &[],
        "returned",
        "请补充配餐协议，并核实场地消防验收情况。",
    ),
    (8, "西湖区人民医院托管班", 30, "in_unit", &[], "draft", ""),
    (
        22,
        "机场集团职工子女托管班",
        50,
        "in_unit",
        &[],
        "running",
        "",
    ),
];

/// The summer before last (2025), for year on year: fewer classes, all closed.
const CLASSES_2025: &[DemoClass] = &[
    (
        0,
        "医院职工子女暑期托管班（2025）",
        40,
        "in_unit",
        &[],
        "closed",
        "",
    ),
    (
        1,
        "供电公司暑期托管班（2025）",
        30,
        "in_unit",
        &[],
        "closed",
        "",
    ),
];

/// The 2026 summer programme of the demo city with classes in every state, and their staff.
pub(super) async fn programme_2026(
    state: &AppState,
    city: &Org,
    units: &[Org],
    day: chrono::NaiveDate,
) -> anyhow::Result<()> {
    programme(state, (city, units), day, 2026, CLASSES).await
}

/// The 2025 summer programme, closed: what the 2026 dashboards compare with.
pub(super) async fn programme_2025(
    state: &AppState,
    city: &Org,
    units: &[Org],
    day: chrono::NaiveDate,
) -> anyhow::Result<()> {
    programme(state, (city, units), day, 2025, CLASSES_2025).await
}

/// A summer programme of `year` of the demo city with `classes` in their final states.
async fn programme(
    state: &AppState,
    (city, units): (&Org, &[Org]),
    day: chrono::NaiveDate,
    year: i32,
    classes_of_year: &[DemoClass],
) -> anyhow::Result<()> {
    use crate::classes::service::{self as classes, Action};
    use crate::classes::{ClassInput, staff};
    use tuoguan_domain::class_checks::{Food, FoodMode, Venue};
    let me = system();
    let client = Client::default();
    let input = crate::programmes::NewProgramme {
        org_id: Some(city.id),
        season: "summer".into(),
        year: year.into(),
        start_date: format!("{year}-07-01"),
        end_date: format!("{year}-08-31"),
        theme: Some("童心传薪火".into()),
        ..Default::default()
    };
    let p = crate::programmes::service::open(state, &me, &client, &input)
        .await
        .map_err(app_err)?;
    let good_venue = Venue {
        independent: true,
        building_fire_supervision_safe: true,
        away_from_hazards: true,
        ventilation_and_light: true,
        cameras: true,
        floor_area_m2: Some(180),
        ..Default::default()
    };
    for (i, (unit, name, capacity, model, partners, target, comment)) in
        classes_of_year.iter().enumerate()
    {
        let food = Food {
            mode: FoodMode::Caterer,
            caterer_name: Some("示例市放心餐饮配送有限公司".into()),
            licence_no: Some(format!("JY1330100{:07}", 2_600_000 + i)),
            // Valid for a year from whenever the demo is loaded, so the demo never expires itself.
            licence_expiry: Some(day + chrono::Duration::days(365)),
            catering_agreement: *target != "returned",
        };
        let class = ClassInput {
            programme_id: p.id,
            host_org_id: Some(units[*unit].id),
            name: (*name).into(),
            address: format!("{}活动中心二楼", units[*unit].name.trim_end_matches("工会")),
            start_date: format!("{year}-07-06"),
            end_date: format!("{year}-08-14"),
            daily_start: "08:00".into(),
            daily_end: "17:30".into(),
            capacity: *capacity,
            model: (*model).into(),
            management: if *model == "purchased_service" {
                "professional_institution"
            } else {
                "union_staff"
            }
            .into(),
            partners: partners.iter().map(|s| s.to_string()).collect(),
            partner_agreement: !partners.is_empty(),
            qualification_review: false,
            venue: good_venue.clone(),
            food,
            rules_in_force: vec![
                "pickup".into(),
                "daily_safety".into(),
                "food_hygiene".into(),
                "emergency".into(),
            ],
        };
        let c = classes::register(state, &me, &client, &class)
            .await
            .map_err(app_err)?;
        // The roster comes before submitting: a class without a 负责人 is not approved (issue 15),
        // and the submitted classes are there for the city to approve.
        if *target != "draft" {
            let people = [
                ("王晓梅", "leader", 0),
                ("李建华", "teacher", 1),
                ("陈思远", "work_study", 2),
            ];
            for (name, role, k) in people {
                let checked = role != "work_study";
                let s = staff::StaffInput {
                    name: name.into(),
                    role: role.into(),
                    phone: format!("139{:04}{:04}", 1000 + i, 2000 + k),
                    part_time: false,
                    check_done_on: checked.then(|| format!("{year}-06-20")),
                    check_done_by: checked.then(|| "区教育局系统查询".into()),
                };
                staff::add(state, &me, &client, &c.id, &s)
                    .await
                    .map_err(app_err)?;
            }
        }
        let steps: &[Action] = match *target {
            "submitted" => &[Action::Submit],
            "returned" => &[Action::Submit, Action::Return],
            "approved" => &[Action::Submit, Action::Approve],
            "running" => &[Action::Submit, Action::Approve, Action::Start],
            "closed" => &[
                Action::Submit,
                Action::Approve,
                Action::Start,
                Action::Close,
            ],
            _ => &[],
        };
        for step in steps {
            let note = if *step == Action::Return {
                *comment
            } else {
                ""
            };
            classes::transition(state, &me, &client, &c.id, *step, note)
                .await
                .map_err(app_err)?;
        }
    }
    Ok(())
}
