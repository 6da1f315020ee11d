//! `tuoguan demo`: a living demo federation — 示例市总工会 with districts, 30 grassroots unions of
//! every kind, a neighbouring city to show isolation, and a user for every role; last summer's
//! season ([`summer`]) and a programme running around the day it is loaded ([`living`]).

mod funding;
mod inspections;
mod living;
pub mod model_classes;
mod reports;
mod summer;

pub use living::roll_day;

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

/// Loads the demo on today (Beijing); false when it is already there.
pub async fn load(state: &AppState) -> anyhow::Result<bool> {
    load_on(state, crate::calendar::today()).await
}

/// Loads the demo as if on `day`: last summer's season and a programme running around `day`
/// (its roll on `day`, or on the next working day, half done). False when already there.
pub async fn load_on(state: &AppState, day: chrono::NaiveDate) -> anyhow::Result<bool> {
    load_with(state, day, true).await
}

/// Loads only last summer's season, whose dates are fixed: the fixture of tests that depend on
/// them (the living season's dates move with the day the demo is loaded).
pub async fn load_summer(state: &AppState) -> anyhow::Result<bool> {
    load_with(state, crate::calendar::today(), false).await
}

async fn load_with(state: &AppState, day: chrono::NaiveDate, living: bool) -> anyhow::Result<bool> {
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
    summer::programme_2026(state, &city, &units, day)
        .await
        .context("demo programme")?;
    if living {
        summer::programme_2025(state, &city, &units, day)
            .await
            .context("demo programme of the summer before")?;
    }
    crate::enrolment::demo::children(state, day)
        .await
        .context("demo children")?;
    crate::attendance::demo::load(state)
        .await
        .context("demo attendance and logs")?;
    if living {
        reports::july(state, &districts[0], &units)
            .await
            .context("demo July reports")?;
        living::load(state, &city, &units, day)
            .await
            .context("demo season running today")?;
        inspections::load(state, &city, day)
            .await
            .context("demo inspections")?;
        model_classes::load(state, &city)
            .await
            .context("demo model class")?;
        funding::load(state, &city, &units, day)
            .await
            .context("demo money")?;
    }
    Ok(true)
}
