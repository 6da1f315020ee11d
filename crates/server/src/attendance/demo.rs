//! Demo daily operations (`tuoguan demo`): two weeks of attendance, logs and a weekly schedule in
//! every demo class that has run, one minor incident awaiting the federation's acknowledgement,
//! and one day whose ventilation log is missing, so every page shows something real; in the season
//! running on the load day ([`living`]), every day so far and the roll of the day half done.

use chrono::{NaiveDate, NaiveTime, Timelike};

use tuoguan_domain::attendance::EnrolmentSpan;

use super::metrics::basis;
use super::store::{self, Row};
use crate::app::AppState;
use crate::auth::{Scope, Visible};
use crate::classes::Class;
use crate::db::Tx;
use crate::ids::{ChildId, ClassId, IncidentId, LogId, ScheduleItemId, UserId};
use crate::on_db;
use crate::operations::{self as ops, IncidentRow, LogRow, ScheduleItem};

/// Days of attendance recorded per class.
const DAYS: usize = 10;

fn at(day: NaiveDate, h: u32, m: u32) -> i64 {
    let t = NaiveTime::from_hms_opt(h, m % 60, 0).unwrap_or_default();
    day.and_time(t)
        .and_local_timezone(super::beijing())
        .single()
        .map(|t| t.timestamp())
        .unwrap_or_default()
}

/// `HH:MM` as minutes after midnight (08:00 when unreadable).
fn minutes(hm: &str) -> u32 {
    NaiveTime::parse_from_str(hm, "%H:%M").map_or(480, |t| t.hour() * 60 + t.minute())
}

fn at_min(day: NaiveDate, minutes: u32) -> i64 {
    at(day, minutes / 60, minutes % 60)
}

/// A deterministic spread: 0..n from two counters.
fn spread(a: usize, b: usize, n: usize) -> usize {
    (a.wrapping_mul(7919) + b.wrapping_mul(104_729) + a * b) % n
}

async fn attendance(
    tx: &mut Tx,
    state: &AppState,
    c: &Visible<Class>,
    days: &[NaiveDate],
) -> anyhow::Result<()> {
    let b = basis(state, c).await?;
    let collectors = store::collectors_of_class(&state.db, &c.id).await?;
    let (opens, closes) = (minutes(&c.daily_start), minutes(&c.daily_end));
    for (ci, (span, _)) in b.spans.iter().enumerate() {
        let who = collectors
            .iter()
            .find(|(child, _, _, _)| *child == span.child_id)
            .map(|(_, id, name, _)| (id.clone(), name.clone()));
        for (di, day) in days.iter().enumerate() {
            if !span.contains(*day) {
                continue;
            }
            let mut r = Row::empty(c.id, &day.to_string(), span.child_id);
            match spread(ci, di, 20) {
                0 => r.absent_reason = Some("ill".into()),
                1 => r.absent_reason = Some("leave".into()),
                n => {
                    let (id, name) = who.clone().unwrap_or_default();
                    r.in_at = Some(at_min(*day, opens - 15 + (n as u32 % 14) * 3));
                    r.in_by = name.clone();
                    r.out_at = Some(at_min(*day, closes - 30 + (n as u32 * 2) % 40));
                    r.out_person_id = (!id.is_empty()).then_some(id);
                    r.out_by = name;
                }
            }
            store::save_row(tx, &r, crate::now()).await?;
        }
    }
    Ok(())
}

fn log(c: &Class, kind: &str, day: NaiveDate, h: u32, officer: &str, details: &str) -> LogRow {
    LogRow {
        id: LogId::new(),
        class_id: c.id,
        kind: kind.into(),
        day: day.to_string(),
        at: at(day, h, 0),
        officer: officer.into(),
        details: details.into(),
        user_id: UserId::SYSTEM,
        created_at: crate::now(),
    }
}

async fn logs(tx: &mut Tx, c: &Class, days: &[NaiveDate]) -> anyhow::Result<()> {
    let menus = [
        "米饭、番茄炒蛋、清炒时蔬、紫菜汤",
        "米饭、红烧鸡块、炒西兰花、冬瓜汤",
        "面条、肉末茄子、凉拌黄瓜",
    ];
    for (i, day) in days.iter().enumerate() {
        let patrol = if i == 4 {
            r#"{"items_checked":"安全通道、消防器材、电源插座、门窗、活动场地","hazards":"活动室一处插座面板松动","fix":"已断电并报物业，当日下午更换"}"#
        } else {
            r#"{"items_checked":"安全通道、消防器材、电源插座、门窗、活动场地"}"#
        };
        let entries = [
            log(c, "patrol", *day, 8, "王晓梅", patrol),
            log(
                c,
                "meal",
                *day,
                12,
                "李建华",
                &format!(
                    r#"{{"caterer":"示例市放心餐饮配送有限公司","menu":"{}","sample_kept":true}}"#,
                    menus[i % menus.len()]
                ),
            ),
            log(
                c,
                "cleaning",
                *day,
                17,
                "李建华",
                r#"{"areas":"教室、走廊、卫生间"}"#,
            ),
        ];
        for e in &entries {
            ops::insert_log(tx, e).await?;
        }
        // The second Wednesday's ventilation log was forgotten: the page flags it.
        if i != 7 {
            let v = log(
                c,
                "ventilation",
                *day,
                9,
                "王晓梅",
                r#"{"ventilated":true,"disinfection":"桌面、门把手，含氯消毒液擦拭"}"#,
            );
            ops::insert_log(tx, &v).await?;
        }
        if i == 2 {
            let d = log(
                c,
                "drill",
                *day,
                15,
                "王晓梅",
                r#"{"drill_type":"消防疏散","participants":32}"#,
            );
            ops::insert_log(tx, &d).await?;
        }
    }
    Ok(())
}

async fn schedule(tx: &mut Tx, c: &Class) -> anyhow::Result<()> {
    let afternoon = ["arts", "sport", "social_practice", "arts", "play"];
    for weekday in 1..=5i64 {
        let items = [
            ("08:30", "10:00", "homework", "暑假作业辅导"),
            (
                "10:15",
                "11:30",
                if weekday % 2 == 0 { "sport" } else { "reading" },
                "",
            ),
            ("11:30", "12:30", "meal", ""),
            ("12:30", "14:00", "rest", ""),
            ("14:00", "15:30", afternoon[(weekday - 1) as usize], ""),
            ("15:45", "17:00", "play", ""),
        ];
        for (starts, ends, activity, title) in items {
            let item = ScheduleItem {
                id: ScheduleItemId::new(),
                weekday,
                starts: starts.into(),
                ends: ends.into(),
                activity: activity.into(),
                title: title.into(),
            };
            ops::insert_item(tx, &c.id, &item).await?;
        }
    }
    Ok(())
}

/// Loads last summer's daily operations into every running or closed demo class (the demo
/// enrols everyone from the class's start).
pub async fn load(state: &AppState) -> anyhow::Result<()> {
    const SQL: &str =
        "SELECT id FROM classes WHERE status IN ('running', 'closed') ORDER BY created_at, id";
    let ids: Vec<ClassId> = on_db!(&state.db, p => sqlx::query_scalar(SQL).fetch_all(p).await)?;
    for (k, id) in ids.iter().enumerate() {
        let Some(c) = crate::classes::service::find(state, &Scope::All, id).await? else {
            continue;
        };
        let b = basis(state, &c).await?;
        // Last year's model class has its whole season recorded; the others their first days.
        let take = match c.name == crate::demo::model_classes::EXEMPLARY {
            true => usize::MAX,
            false => DAYS,
        };
        let days: Vec<NaiveDate> = b.operating.iter().copied().take(take).collect();
        let mut tx = state.db.begin().await?;
        attendance(&mut tx, state, &c, &days).await?;
        logs(&mut tx, &c, &days).await?;
        schedule(&mut tx, &c).await?;
        if k == 0
            && let Some(day) = days.get(3)
        {
            incident(&mut tx, &c, *day).await?;
        }
        // Written around the taps: the class's child-days by day are counted from its rows.
        crate::dashboard::days::classes_changed(&mut tx, &[c.id]).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// A minor incident on `day`, reported and awaiting the federation's acknowledgement.
async fn incident(tx: &mut Tx, c: &Class, day: NaiveDate) -> anyhow::Result<()> {
    let i = IncidentRow {
        id: IncidentId::new(),
        class_id: c.id,
        class_name: c.name.clone(),
        host_name: c.host_name.clone(),
        occurred_at: at(day, 10, 40),
        kind: "illness".into(),
        severity: "minor".into(),
        safety: false,
        description: "一名儿童上午活动后诉头晕，测体温 37.9℃。".into(),
        actions: "安排休息、物理降温，联系家长接回就医。".into(),
        guardian_informed_at: Some(at(day, 10, 50)),
        guardian_informed_how: "phone".into(),
        reported_at: at(day, 11, 30),
        reported_by: "王晓梅".into(),
        acknowledged_at: None,
        acknowledged_by: None,
    };
    ops::insert_incident(tx, &i).await?;
    Ok(())
}

/// Loads the days of the season running on the load day into its running classes: every
/// operating day before `roll_day` recorded (with logs and a schedule), the roll of `roll_day`
/// half done, and in the first class an incident of the day before awaiting acknowledgement.
pub async fn living(
    state: &AppState,
    ids: &[ClassId],
    roll_day: NaiveDate,
    parent_child: Option<ChildId>,
) -> anyhow::Result<()> {
    for (k, id) in ids.iter().enumerate() {
        let Some(c) = crate::classes::service::find(state, &Scope::All, id).await? else {
            continue;
        };
        let b = basis(state, &c).await?;
        let past = b.operating_in(..roll_day);
        let mut tx = state.db.begin().await?;
        attendance(&mut tx, state, &c, &past).await?;
        logs(&mut tx, &c, &past).await?;
        schedule(&mut tx, &c).await?;
        roll(&mut tx, state, &c, &b.spans, roll_day, parent_child).await?;
        if k == 0
            && let Some(day) = past.last()
        {
            incident(&mut tx, &c, *day).await?;
        }
        crate::dashboard::days::classes_changed(&mut tx, &[c.id]).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The roll of `day` half done: by turns checked in, checked in, collected early, absent, and two
/// not yet arrived; the demo parent's child is checked in, so their home shows it.
async fn roll(
    tx: &mut Tx,
    state: &AppState,
    c: &Class,
    spans: &[(EnrolmentSpan<ChildId>, String)],
    day: NaiveDate,
    parent_child: Option<ChildId>,
) -> anyhow::Result<()> {
    let collectors = store::collectors_of_class(&state.db, &c.id).await?;
    let opens = minutes(&c.daily_start);
    let on_roll = spans.iter().filter(|(s, _)| s.contains(day));
    for (k, (span, _)) in on_roll.enumerate() {
        let (id, name) = collectors
            .iter()
            .find(|(child, _, _, _)| *child == span.child_id)
            .map(|(_, id, name, _)| (id.clone(), name.clone()))
            .unwrap_or_default();
        let turn = if parent_child == Some(span.child_id) {
            0
        } else {
            k % 6
        };
        let mut r = Row::empty(c.id, &day.to_string(), span.child_id);
        match turn {
            0 | 1 => {
                r.in_at = Some(at_min(day, opens - 15 + (k as u32 * 3) % 20));
                r.in_by = name;
            }
            2 => {
                r.in_at = Some(at_min(day, opens - 10));
                r.in_by = name.clone();
                r.out_at = Some(at_min(day, opens + 60));
                r.out_person_id = (!id.is_empty()).then_some(id);
                r.out_by = name;
            }
            3 => r.absent_reason = Some(if k % 2 == 0 { "ill" } else { "leave" }.into()),
            _ => continue,
        }
        store::save_row(tx, &r, crate::now()).await?;
    }
    Ok(())
}
