//! Demo children (`tuoguan demo`): six enrolled children in every class of last summer — consent
//! on paper, the agreement signed, insurance paid by the guardians — and the demo parent 孙倩 with
//! one child enrolled and one who has applied, so every page has something to show; and the
//! children of the season running on the day the demo is loaded ([`living`]).

use tuoguan_domain::enrolment::{RawCell, parse_row};
use tuoguan_domain::id_number::with_check_char;

use chrono::NaiveDate;

use super::store::{self, Application, Guardian};
use super::{AGREEMENT_VERSION, Status, applications, children};
use crate::app::AppState;
use crate::ids::{ChildId, ClassId, GuardianId, UserId};
use crate::on_db;

const SURNAMES: [&str; 8] = ["张", "王", "李", "赵", "陈", "刘", "杨", "黄"];
const GIVEN: [&str; 12] = [
    "子涵", "欣怡", "浩然", "梓萱", "宇轩", "诗琪", "俊杰", "雨桐", "一诺", "思远", "嘉怡", "明轩",
];

/// The demo child number `n`: its roster cells (template order).
fn cells(n: usize, guardian_phone: &str, guardian: &str) -> Vec<RawCell> {
    let t = |s: String| RawCell::Text(s);
    let year = 2015 + (n % 6) as i32;
    let birth = format!("{year}-{:02}-{:02}", 1 + n % 12, 1 + n % 27);
    let grade = (2021 - year).clamp(1, 6);
    let id = with_check_char(&format!(
        "330106{year}{:02}{:02}{:03}",
        1 + n % 12,
        1 + n % 27,
        100 + n % 900
    ))
    .unwrap_or_default();
    let surname = SURNAMES[n % SURNAMES.len()];
    vec![
        t(format!("{surname}{}", GIVEN[n % GIVEN.len()])),
        t(if n.is_multiple_of(2) { "女" } else { "男" }.into()),
        t(birth),
        t("示例市实验小学".into()),
        t(grade.to_string()),
        if n.is_multiple_of(3) {
            RawCell::Empty
        } else {
            t(id)
        },
        t(guardian.into()),
        t(guardian_phone.into()),
        t(if n.is_multiple_of(2) {
            "母亲"
        } else {
            "父亲"
        }
        .into()),
        t("示例市人民医院".into()),
        if n.is_multiple_of(4) {
            t("花生过敏".into())
        } else {
            RawCell::Empty
        },
        if n.is_multiple_of(5) {
            t("双职工".into())
        } else {
            RawCell::Empty
        },
    ]
}

/// A demo class: its id and dates (YYYY-MM-DD).
pub struct DemoClass<'a> {
    pub id: ClassId,
    pub start: &'a str,
    pub end: &'a str,
}

/// Adds one child with its guardian to a class in `status`, the paperwork complete when enrolled
/// and attending from `from` (the class's start when `None`). Returns the child's id.
async fn add(
    state: &AppState,
    class: &DemoClass<'_>,
    n: usize,
    guardian: Option<&Guardian>,
    status: Status,
    from: Option<&str>,
    day: NaiveDate,
) -> anyhow::Result<ChildId> {
    let class_id = &class.id;
    let phone = format!("137{:08}", 10_000_000 + n);
    let g = match guardian {
        Some(g) => g.clone(),
        None => {
            let now = crate::now();
            Guardian {
                id: GuardianId::new(),
                user_id: None,
                name: format!("{}{}", SURNAMES[(n + 3) % SURNAMES.len()], "家长"),
                phone,
                employer: "示例市人民医院".into(),
                member: true,
                priorities: String::new(),
                created_at: now,
                updated_at: now,
            }
        }
    };
    let row = parse_row(&cells(n, &g.phone, &g.name), day)
        .map_err(|e| anyhow::anyhow!("demo row {n}: {e:?}"))?;
    let now = crate::now();
    let child = children::child_from_row(state, &row, now).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut a = applications::new_application(&child, class_id, !row.priorities.is_empty(), now);
    a.status = status;
    if status == Status::Enrolled {
        paperwork(&mut a, &g.name, class, n, now);
        a.attends_from = Some(from.unwrap_or(class.start).to_string());
    }
    let mut tx = state.db.begin().await?;
    if guardian.is_none() {
        store::insert_guardian(&mut tx, &g).await?;
    }
    store::insert_child(&mut tx, &child).await?;
    store::link(&mut tx, &child.id, &g.id, &row.relationship).await?;
    store::insert_consent(&mut tx, &child.id, &g.id, "paper", &UserId::SYSTEM, now).await?;
    store::insert_application(&mut tx, &a).await?;
    tx.commit().await?;
    Ok(child.id)
}

/// The agreement signed on paper and the insurance of the class's dates, paid by the guardian.
fn paperwork(a: &mut Application, guardian: &str, class: &DemoClass<'_>, n: usize, now: i64) {
    a.agreement_version = Some(AGREEMENT_VERSION.into());
    a.agreement_by = Some(guardian.into());
    a.agreement_channel = Some("paper".into());
    a.agreement_at = Some(now);
    a.insurer = Some("中国人寿示例市分公司".into());
    a.policy_no = Some(format!(
        "DEMO{}{n:06}",
        class.start.get(0..4).unwrap_or("2026")
    ));
    a.insured_from = Some(class.start.into());
    a.insured_to = Some(class.end.into());
    a.insurance_payer = Some("guardian".into());
}

/// Enrols six children in every class of last summer (24 in last year's model class) and gives the demo parent their children.
pub async fn children(state: &AppState, day: NaiveDate) -> anyhow::Result<()> {
    const SQL: &str =
        "SELECT id, status, start_date, end_date, name FROM classes ORDER BY created_at, id";
    let rows: Vec<(ClassId, String, String, String, String)> =
        on_db!(&state.db, p => sqlx::query_as(SQL).fetch_all(p).await)?;
    // Last year's model class has the children a model class needs (SPEC §2: at least 20).
    let per_class = |name: &str| match name == crate::demo::model_classes::EXEMPLARY {
        true => 24,
        false => 6,
    };
    let sizes: Vec<usize> = rows.iter().map(|r| per_class(&r.4)).collect();
    let classes: Vec<(ClassId, String, String, String)> = rows
        .into_iter()
        .map(|(a, b, c, d, _)| (a, b, c, d))
        .collect();
    fn demo(c: &(ClassId, String, String, String)) -> DemoClass<'_> {
        DemoClass {
            id: c.0,
            start: c.2.as_str(),
            end: c.3.as_str(),
        }
    }
    let mut n = 0;
    for (c, size) in classes.iter().zip(sizes) {
        for _ in 0..size {
            add(state, &demo(c), n, None, Status::Enrolled, None, day).await?;
            n += 1;
        }
    }
    // The demo parent (username `parent`): one child enrolled in a running class, one applied
    // to an approved one.
    const PARENT: &str = "SELECT id FROM users WHERE username = 'parent'";
    let Some(user_id): Option<UserId> =
        on_db!(&state.db, p => sqlx::query_scalar(PARENT).fetch_optional(p).await)?
    else {
        return Ok(());
    };
    let now = crate::now();
    let g = Guardian {
        id: GuardianId::new(),
        user_id: Some(user_id),
        name: "孙倩".into(),
        phone: "13900001111".into(),
        employer: "示例市人民医院".into(),
        member: true,
        priorities: "dual_worker".into(),
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.begin().await?;
    store::insert_guardian(&mut tx, &g).await?;
    tx.commit().await?;
    if let Some(c) = classes.iter().find(|c| c.1 == "running") {
        add(state, &demo(c), 1000, Some(&g), Status::Enrolled, None, day).await?;
    }
    if let Some(c) = classes.iter().find(|c| c.1 == "approved") {
        add(state, &demo(c), 1001, Some(&g), Status::Applied, None, day).await?;
    }
    Ok(())
}

/// What the season running on the load day holds: `per_class` children enrolled in each running
/// class (in `late`, one of them attending from a later day), the demo parent's first child
/// enrolled in the first, and one application waiting there. Returns the parent's child, if any.
pub async fn living(
    state: &AppState,
    running: &[DemoClass<'_>],
    per_class: usize,
    late: Option<&str>,
    day: NaiveDate,
) -> anyhow::Result<Option<ChildId>> {
    let mut n = 2000;
    for c in running {
        for k in 0..per_class {
            let from = if k == per_class - 1 { late } else { None };
            add(state, c, n, None, Status::Enrolled, from, day).await?;
            n += 1;
        }
    }
    let Some(first) = running.first() else {
        return Ok(None);
    };
    add(state, first, n, None, Status::Applied, None, day).await?;
    const PARENT: &str = "SELECT id FROM users WHERE username = 'parent'";
    let Some(user_id): Option<UserId> =
        on_db!(&state.db, p => sqlx::query_scalar(PARENT).fetch_optional(p).await)?
    else {
        return Ok(None);
    };
    let Some(g) = store::guardian_of_user(&state.db, &user_id).await? else {
        return Ok(None);
    };
    // The parent's first child (enrolled last summer; the second one has only applied).
    let Some(child) = store::children_of_user(&state.db, &user_id)
        .await?
        .into_iter()
        .min_by_key(|c| c.created_at)
    else {
        return Ok(None);
    };
    let child_id = child.id;
    let now = crate::now();
    let mut a = applications::new_application(&child, &first.id, true, now);
    a.status = Status::Enrolled;
    paperwork(&mut a, &g.name, first, 3000, now);
    a.attends_from = Some(first.start.to_string());
    let mut tx = state.db.begin().await?;
    store::insert_application(&mut tx, &a).await?;
    tx.commit().await?;
    Ok(Some(child_id))
}
