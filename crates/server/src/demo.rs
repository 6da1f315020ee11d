//! `tuoguan demo`: a living demo federation — 示例市总工会 with districts, 30 grassroots unions of
//! every kind, a neighbouring city to show isolation, and a user for every role.

use anyhow::{Context, anyhow};

use crate::app::AppState;
use crate::audit::Client;
use crate::auth::{AuthVia, CurrentUser, Grant, Role, Scope};
use crate::error::AppError;
use crate::ids::{GrantId, OrgId, UserId};
use crate::orgs::{self as org_reads, NewOrg, Org, service as orgs};
use crate::users::{NewGrant, NewUser, service as users};

/// Password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "Tuoguan#2026";
/// Name of the demo city federation; its presence means the demo is loaded.
pub const DEMO_CITY: &str = "示例市总工会";

/// The command line acting as the platform (audited as `system`).
fn system() -> CurrentUser {
    CurrentUser {
        id: UserId::SYSTEM,
        username: "system".into(),
        display_name: "system".into(),
        home_org_id: None,
        grants: vec![Grant {
            id: GrantId::SYSTEM,
            role: Role::SystemAdmin,
            org_id: None,
            org_path: None,
            org_name: None,
        }],
        session_id: String::new(),
        via: AuthVia::Bearer,
    }
}

fn app_err(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(f) => anyhow!(
            "invalid input: {}",
            f.iter()
                .map(|x| format!("{} ({})", x.field, x.msg.render(crate::i18n::Lang::En)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        AppError::Internal(e) => e,
        other => anyhow!("{other}"),
    }
}

async fn org(
    state: &AppState,
    parent: Option<&Org>,
    name: &str,
    kind: &str,
    unit_type: Option<&str>,
) -> anyhow::Result<Org> {
    let input = NewOrg {
        parent_id: parent.map(|p| p.id.to_string()),
        name: name.into(),
        kind: kind.into(),
        unit_type: unit_type.map(str::to_string),
    };
    orgs::create(state, &system(), &Client::default(), &input)
        .await
        .map_err(app_err)
}

/// Creates a user with one role (the `user add` command and the demo).
pub async fn add_user(
    state: &AppState,
    username: &str,
    password: &str,
    role: &str,
    org_id: Option<&OrgId>,
    name: Option<&str>,
) -> anyhow::Result<UserId> {
    let input = NewUser {
        username: username.into(),
        display_name: name.unwrap_or(username).into(),
        password: password.into(),
        org_id: org_id.copied(),
        roles: vec![NewGrant {
            role: role.into(),
            org_id: org_id.copied(),
        }],
    };
    let u = users::create(state, &system(), &Client::default(), &input)
        .await
        .map_err(app_err)?;
    Ok(u.id)
}

/// Grassroots unions of the demo city: (district index, name, unit type).
const UNITS: &[(usize, &str, &str)] = &[
    (0, "示例市第一人民医院工会", "employer"),
    (0, "国网示例市东城供电公司工会", "employer"),
    (0, "东城区实验小学工会", "employer"),
    (0, "和平里社区工会", "community"),
    (0, "东直门街道工会", "street"),
    (0, "东方广场楼宇联合工会", "building"),
    (0, "东城文化创意产业园工会", "park"),
    (0, "示例市公共交通集团工会", "employer"),
    (1, "西湖区人民医院工会", "employer"),
    (1, "示例市自来水公司工会", "employer"),
    (1, "湖滨社区工会", "community"),
    (1, "北山街道工会", "street"),
    (1, "西湖国际中心楼宇联合工会", "building"),
    (1, "西湖区环境卫生管理处工会", "employer"),
    (1, "示例市邮政分公司工会", "employer"),
    (2, "滨江高新技术产业园工会", "park"),
    (2, "示例电子科技有限公司工会", "employer"),
    (2, "滨江物流园区联合工会", "park"),
    (2, "长河街道工会", "street"),
    (2, "滨江星光大道楼宇联合工会", "building"),
    (2, "江南社区工会", "community"),
    (2, "示例市快递行业联合工会", "other"),
    (3, "示例市机场集团工会", "employer"),
    (3, "临平经济开发区工会", "park"),
    (3, "南苑街道工会", "street"),
    (3, "星桥社区工会", "community"),
    (3, "示例纺织集团工会", "employer"),
    (3, "临平万达广场楼宇联合工会", "building"),
    (3, "示例市地铁运营公司工会", "employer"),
    (3, "示例市燃气集团工会", "employer"),
];

/// Loads the demo; false when it is already there.
pub async fn load(state: &AppState) -> anyhow::Result<bool> {
    let all = org_reads::list(&state.db, &Scope::All).await?;
    if all.iter().any(|o| o.name == DEMO_CITY) {
        return Ok(false);
    }
    let national = org(state, None, "中华全国总工会", "national", None).await?;
    let province = org(state, Some(&national), "示例省总工会", "province", None).await?;
    let city = org(state, Some(&province), DEMO_CITY, "city", None).await?;
    let mut districts = Vec::new();
    for name in [
        "东城区总工会",
        "西湖区总工会",
        "滨江区总工会",
        "临平区总工会",
    ] {
        districts.push(org(state, Some(&city), name, "district", None).await?);
    }
    let mut units = Vec::new();
    for (d, name, ty) in UNITS {
        units.push(org(state, Some(&districts[*d]), name, "grassroots", Some(ty)).await?);
    }
    let neighbour = org(state, Some(&province), "邻江市总工会", "city", None).await?;
    let n_district = org(state, Some(&neighbour), "江北区总工会", "district", None).await?;
    let n_unit = org(
        state,
        Some(&n_district),
        "邻江钢铁集团工会",
        "grassroots",
        Some("employer"),
    )
    .await?;

    let hospital = &units[0];
    let people: Vec<(&str, &str, &str, Option<&Org>)> = vec![
        ("admin", "王建国", "system_admin", None),
        ("city_admin", "李秀英", "federation_admin", Some(&city)),
        ("city_viewer", "张伟", "federation_viewer", Some(&city)),
        ("inspector", "刘洋", "inspector", Some(&city)),
        ("expert", "陈静", "expert_reviewer", Some(&city)),
        (
            "dongcheng_admin",
            "杨帆",
            "federation_admin",
            Some(&districts[0]),
        ),
        (
            "xihu_admin",
            "赵磊",
            "federation_admin",
            Some(&districts[1]),
        ),
        ("hospital_admin", "黄丽", "grassroots_admin", Some(hospital)),
        ("power_admin", "周强", "grassroots_admin", Some(&units[1])),
        ("class_manager", "吴敏", "class_manager", Some(hospital)),
        ("class_staff", "徐涛", "class_staff", Some(hospital)),
        ("parent", "孙倩", "parent", Some(hospital)),
        ("provider", "马超", "course_provider", Some(&city)),
        ("student", "朱琳", "student", Some(hospital)),
        (
            "linjiang_admin",
            "郑海",
            "federation_admin",
            Some(&neighbour),
        ),
        ("steel_admin", "钱坤", "grassroots_admin", Some(&n_unit)),
    ];
    for (username, name, role, at) in people {
        add_user(
            state,
            username,
            DEMO_PASSWORD,
            role,
            at.map(|o| &o.id),
            Some(name),
        )
        .await
        .with_context(|| format!("demo user {username}"))?;
    }
    programme_2026(state, &city, &units)
        .await
        .context("demo programme")?;
    crate::enrolment::demo::children(state)
        .await
        .context("demo children")?;
    crate::attendance::demo::load(state)
        .await
        .context("demo attendance and logs")?;
    Ok(true)
}

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

/// The 2026 summer programme of the demo city with classes in every state, and their staff.
async fn programme_2026(state: &AppState, city: &Org, units: &[Org]) -> anyhow::Result<()> {
    use crate::classes::service::{self as classes, Action};
    use crate::classes::{ClassInput, staff};
    use tuoguan_domain::class_checks::{Food, FoodMode, Venue};
    let me = system();
    let client = Client::default();
    let input = crate::programmes::NewProgramme {
        org_id: Some(city.id),
        season: "summer".into(),
        year: 2026,
        start_date: "2026-07-01".into(),
        end_date: "2026-08-31".into(),
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
    for (i, (unit, name, capacity, model, partners, target, comment)) in CLASSES.iter().enumerate()
    {
        let food = Food {
            mode: FoodMode::Caterer,
            caterer_name: Some("示例市放心餐饮配送有限公司".into()),
            licence_no: Some(format!("JY1330100{:07}", 2_600_000 + i)),
            // Valid for a year from whenever the demo is loaded, so the demo never expires itself.
            licence_expiry: Some(crate::calendar::today() + chrono::Duration::days(365)),
            catering_agreement: *target != "returned",
        };
        let class = ClassInput {
            programme_id: p.id,
            host_org_id: Some(units[*unit].id),
            name: (*name).into(),
            address: format!("{}活动中心二楼", units[*unit].name.trim_end_matches("工会")),
            start_date: "2026-07-06".into(),
            end_date: "2026-08-14".into(),
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
        // The roster comes before submitting: a class without a 负责人 is not approved (issue 15).
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
                    check_done_on: checked.then(|| "2026-06-20".into()),
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
