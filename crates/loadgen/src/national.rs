//! The national dataset (issue 6): a national federation over provinces, cities, districts and
//! grassroots units, one running summer class per unit, children with a guardian each, 20
//! operating days of attendance, a patrol log a day, incidents at about one class in a hundred,
//! and each class's budget and ledger (`money.rs`).
//! Written in chunks of classes, each its own transaction of multi-row INSERTs with literal values
//! (every value is generated here), so memory stays flat whatever the size; progress is printed.
//! At the end the dashboard tallies are rebuilt and a manifest names what the read benchmark needs.

use std::time::Instant;

use anyhow::{Context, bail};
use tuoguan::db::{Db, Tx};
use tuoguan_domain::programme::ProgrammeRules;

use crate::bulk::{
    APP_COLS, CHILD_COLS, CLASS_COLS, Insert, L, ORG_COLS, PROGRAMME_COLS, ROLE_COLS, USER_COLS,
};
use crate::manifest::{Counts, Manifest, SampleClass, Scale};
use crate::seed::past_operating_days;

const CHUNK: usize = 250;
pub const FROM: &str = "2026-07-06";
const TO: &str = "2026-08-14";

/// A deterministic spread of `a`, `b` over `0..n`.
fn spread(a: usize, b: usize, n: usize) -> usize {
    (a.wrapping_mul(7919) ^ b.wrapping_mul(104_729)).wrapping_mul(2_654_435_761) % n
}

/// Unix seconds of `day` at `h:m` Beijing time.
fn at(day: &str, h: u32, m: u32) -> i64 {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap_or_default();
    let t = chrono::NaiveTime::from_hms_opt(h, m % 60, 0).unwrap_or_default();
    d.and_time(t).and_utc().timestamp() - 8 * 3600
}

struct Tree {
    ids: Vec<Vec<String>>,
    names: Vec<Vec<String>>,
}

/// The organisations, level by level: the nation, then each level's i-th member under the
/// `i mod n`-th of the level above.
fn tree(scale: &Scale, run: &str) -> Tree {
    let sizes = [
        1,
        scale.provinces,
        scale.cities,
        scale.districts,
        scale.units,
    ];
    let mut ids = Vec::new();
    let mut names = Vec::new();
    for (level, n) in sizes.iter().enumerate() {
        ids.push((0..*n).map(|_| tuoguan::new_id()).collect::<Vec<_>>());
        names.push(
            (0..*n)
                .map(|i| match level {
                    0 => format!("全国总工会（压测 {run}）"),
                    1 => format!("第{i:02}省总工会"),
                    2 => format!("第{i:03}市总工会"),
                    3 => format!("第{i:04}区总工会"),
                    _ => format!("第{i:05}基层工会"),
                })
                .collect(),
        );
    }
    Tree { ids, names }
}

/// Generates the dataset into `db` (migrated here) and returns its manifest.
pub async fn generate(db: &Db, scale: Scale, run: &str) -> anyhow::Result<Manifest> {
    let started = Instant::now();
    db.migrate().await.context("migrating")?;
    tuoguan::calendar::seed_shipped(db).await?;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    let all_days = past_operating_days(d(FROM), d(TO), tuoguan::calendar::today());
    if all_days.len() < scale.days + 1 {
        bail!(
            "the summer window has only {} past operating days",
            all_days.len()
        );
    }
    let (days, free_days) = all_days.split_at(scale.days);
    let password = format!("Bench#{run}");
    let hash = tuoguan::auth::password::Hasher::new(true)
        .hash(&password)
        .await?;
    let now = tuoguan::now();
    let tree = tree(&scale, run);
    let mut counts = Counts::default();
    let mut paths: Vec<Vec<String>> = Vec::new();
    let kinds = ["national", "province", "city", "district", "grassroots"];

    let mut tx = db.begin().await?;
    for level in 0..5 {
        let mut ins = Insert::new("orgs", &ORG_COLS);
        let mut level_paths = Vec::new();
        for (i, id) in tree.ids[level].iter().enumerate() {
            let (parent, path) = if level == 0 {
                (None, format!("/{id}/"))
            } else {
                let p = i % tree.ids[level - 1].len();
                (
                    Some(tree.ids[level - 1][p].as_str()),
                    format!("{}{id}/", paths[level - 1][p]),
                )
            };
            ins.row(&[
                L::T(id),
                parent.map_or(L::N, L::T),
                L::T(&path),
                L::T(&tree.names[level][i]),
                L::T(kinds[level]),
                if level == 4 { L::T("employer") } else { L::N },
                L::I(now),
                L::I(now),
            ]);
            level_paths.push(path);
        }
        ins.run(&mut tx).await?;
        counts.orgs += level_paths.len();
        paths.push(level_paths);
    }

    let user = |name: String, org: &str, role: &str| {
        (tuoguan::new_id(), name, org.to_string(), role.to_string())
    };
    let mut users = vec![
        user(format!("nat_{run}"), &tree.ids[0][0], "federation_admin"),
        user(format!("prov_{run}"), &tree.ids[1][0], "federation_admin"),
        user(format!("city_{run}"), &tree.ids[2][0], "federation_admin"),
        user(format!("unit_{run}"), &tree.ids[4][0], "grassroots_admin"),
    ];
    for (i, unit) in tree.ids[4].iter().enumerate() {
        users.push(user(format!("staff_{run}_{i:05}"), unit, "class_staff"));
    }
    // The guardian of the 50-child class's first child signs in as a parent (linked below).
    users.push(user(format!("parent_{run}"), &tree.ids[4][0], "parent"));
    let parent = users
        .last()
        .map(|u| (u.0.clone(), u.1.clone()))
        .unwrap_or_default();
    let mut ins = Insert::new("users", &USER_COLS);
    let mut roles = Insert::new("user_roles", &ROLE_COLS);
    for (id, name, org, role) in &users {
        ins.row(&[
            L::T(id),
            L::T(name),
            L::T(name),
            L::T(&hash),
            L::T(org),
            L::I(now),
            L::I(now),
        ]);
        roles.row(&[
            L::T(&tuoguan::new_id()),
            L::T(id),
            L::T(role),
            L::T(org),
            L::I(now),
        ]);
    }
    ins.run(&mut tx).await?;
    roles.run(&mut tx).await?;
    counts.users = users.len();

    let programme_id = tuoguan::new_id();
    let rules = serde_json::to_string(&ProgrammeRules::default())?;
    let mut ins = Insert::new("programmes", &PROGRAMME_COLS);
    let name = format!("2026年全国职工子女暑期爱心托管（压测 {run}）");
    ins.row(&[
        L::T(&programme_id),
        L::T(&tree.ids[0][0]),
        L::T(&name),
        L::T("summer"),
        L::I(2026),
        L::T(FROM),
        L::T(TO),
        L::I(scale.units as i64),
        L::I(scale.children as i64),
        L::I((scale.units / 100) as i64),
        L::T(&rules),
        L::I(7),
        L::I(now),
        L::I(now),
    ]);
    ins.run(&mut tx).await?;
    let (submissions, report_milestone_id) =
        crate::reports::write(&mut tx, &tree.ids[4], &programme_id, now).await?;
    counts.submissions = submissions;
    tx.commit().await?;
    eprintln!(
        "organisations {} and users {} in {:.1} s",
        counts.orgs,
        counts.users,
        started.elapsed().as_secs_f64()
    );

    let class_ids: Vec<String> = (0..scale.units).map(|_| tuoguan::new_id()).collect();
    let mut sample = Vec::new();
    let mut chunk_start = 0;
    while chunk_start < scale.units {
        let end = (chunk_start + CHUNK).min(scale.units);
        let mut tx = db.begin().await?;
        let kids = chunk(
            &mut tx,
            &scale,
            &tree,
            &programme_id,
            &class_ids,
            chunk_start..end,
            days,
            now,
            &mut counts,
        )
        .await?;
        tx.commit().await?;
        for (i, children) in kids {
            if sample.len() < 1_000 && (i == 0 || i % (scale.units / 1_000).max(1) == 0) {
                sample.push(SampleClass {
                    id: class_ids[i].clone(),
                    username: users[4 + i].1.clone(),
                    children,
                });
            }
        }
        chunk_start = end;
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "classes {end}/{}: children {}, attendance {} ({:.0} rows/s), {:.0} s",
            scale.units,
            counts.children,
            counts.attendance,
            counts.attendance as f64 / secs,
            secs
        );
    }
    if let Some(first) = sample.first().and_then(|c| c.children.first()) {
        let mut tx = db.begin().await?;
        let link = format!(
            "UPDATE guardians SET user_id = '{}' WHERE id IN \
             (SELECT guardian_id FROM child_guardians WHERE child_id = '{first}')",
            parent.0
        );
        tuoguan::on_tx!(&mut tx, x => sqlx::query(sqlx::AssertSqlSafe(link)).execute(&mut *x).await.map(|_| ()))?;
        tx.commit().await?;
    }
    let t = Instant::now();
    let mut tx = db.begin().await?;
    let (previous_programme_id, last_year) = crate::previous::write(&mut tx, &programme_id).await?;
    tx.commit().await?;
    eprintln!(
        "the season before: {} classes, {} children enrolled, in {:.1} s",
        last_year.0,
        last_year.1,
        t.elapsed().as_secs_f64()
    );
    // Statistics before the recount: without them PostgreSQL plans the family keys' lookup of a
    // guardian by phone as a scan of every guardian for every child (hours at national size).
    if let Db::Pg(p) = db {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    let t = Instant::now();
    let mut tx = db.begin().await?;
    tuoguan::dashboard::tallies::rebuild(&mut tx).await?;
    tx.commit().await?;
    eprintln!(
        "dashboard tallies rebuilt in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if let Db::Pg(p) = db {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    Ok(Manifest {
        scale,
        programme_id,
        national_id: tree.ids[0][0].clone(),
        province_id: tree.ids[1][0].clone(),
        city_id: tree.ids[2][0].clone(),
        class_id: class_ids[0].clone(),
        national_user: users[0].1.clone(),
        province_user: users[1].1.clone(),
        city_user: users[2].1.clone(),
        unit_user: users[3].1.clone(),
        staff_user: users[4].1.clone(),
        parent_user: parent.1,
        password,
        free_days: free_days.to_vec(),
        sample,
        previous_programme_id,
        report_milestone_id,
        generated_secs: started.elapsed().as_secs_f64(),
        rows: counts,
    })
}

/// Classes `range` with their children, guardians, enrolments, attendance, logs, incidents and
/// money.
#[allow(clippy::too_many_arguments)]
async fn chunk(
    tx: &mut Tx,
    scale: &Scale,
    tree: &Tree,
    programme_id: &str,
    class_ids: &[String],
    range: std::ops::Range<usize>,
    days: &[String],
    now: i64,
    counts: &mut Counts,
) -> anyhow::Result<Vec<(usize, Vec<String>)>> {
    let venue = r#"{"independent":true,"building_fire_supervision_safe":true,"away_from_hazards":true,"ventilation_and_light":true,"cameras":true,"floor_area_m2":120}"#;
    let food = r#"{"mode":"no_meals","catering_agreement":false}"#;
    let mut classes = Insert::new("classes", &CLASS_COLS);
    let mut children = Insert::new("children", &CHILD_COLS);
    let mut guardians = Insert::new(
        "guardians",
        &["id", "name", "phone", "created_at", "updated_at"],
    );
    let mut links = Insert::new(
        "child_guardians",
        &["child_id", "guardian_id", "relationship"],
    );
    let mut apps = Insert::new("applications", &APP_COLS);
    let mut attendance = Insert::new(
        "attendance",
        &[
            "class_id",
            "day",
            "child_id",
            "in_at",
            "in_by",
            "out_at",
            "out_by",
            "absent_reason",
            "updated_at",
        ],
    );
    let mut logs = Insert::new(
        "class_logs",
        &[
            "id",
            "class_id",
            "kind",
            "day",
            "at",
            "officer",
            "details",
            "user_id",
            "created_at",
        ],
    );
    let mut incidents = Insert::new(
        "incidents",
        &[
            "id",
            "class_id",
            "occurred_at",
            "kind",
            "severity",
            "safety",
            "description",
            "actions",
            "guardian_informed_at",
            "guardian_informed_how",
            "reported_at",
            "reported_by",
        ],
    );
    let patrol = r#"{"items_checked":"安全通道、消防器材、电源插座、门窗、活动场地"}"#;
    let mut money = crate::money::Money::new();
    let mut out = Vec::new();
    for i in range {
        let class = &class_ids[i];
        let n = scale.children_of(i);
        let unit = &tree.ids[4][i];
        classes.row(&[
            L::T(class),
            L::T(programme_id),
            L::T(unit),
            L::T(&format!("{}托管班", tree.names[4][i])),
            L::T(&format!("示例路{i}号")),
            L::T(FROM),
            L::T(TO),
            L::T("08:00"),
            L::T("17:30"),
            L::I(n as i64),
            L::T("in_unit"),
            L::T("union_staff"),
            L::T(venue),
            L::T(food),
            L::T("running"),
            L::I(now),
            L::I(now),
        ]);
        let mut kids = Vec::with_capacity(n);
        for k in 0..n {
            let (child, guardian) = (tuoguan::new_id(), tuoguan::new_id());
            let grade = 1 + (i + k) % 6;
            children.row(&[
                L::T(&child),
                L::T(&format!("儿童{i:05}-{k:02}")),
                L::T(if k % 2 == 0 { "女" } else { "男" }),
                L::T(&format!(
                    "{}-{:02}-{:02}",
                    2020 - grade,
                    1 + k % 12,
                    1 + (i + k) % 28
                )),
                L::T("示例实验小学"),
                L::T(&grade.to_string()),
                L::I(now),
                L::I(now),
            ]);
            guardians.row(&[
                L::T(&guardian),
                L::T(&format!("家长{i:05}-{k:02}")),
                L::T(&format!("139{:08}", (i * 64 + k) % 100_000_000)),
                L::I(now),
                L::I(now),
            ]);
            links.row(&[
                L::T(&child),
                L::T(&guardian),
                L::T(if k % 3 == 0 { "父亲" } else { "母亲" }),
            ]);
            apps.row(&[
                L::T(&tuoguan::new_id()),
                L::T(&child),
                L::T(class),
                L::T("enrolled"),
                L::B(false),
                L::I(now),
                L::I(now),
            ]);
            kids.push(child);
        }
        for (di, day) in days.iter().enumerate() {
            for (k, child) in kids.iter().enumerate() {
                match spread(i * 64 + k, di, 20) {
                    s @ (0 | 1) => attendance.row(&[
                        L::T(class),
                        L::T(day),
                        L::T(child),
                        L::N,
                        L::T(""),
                        L::N,
                        L::T(""),
                        L::T(if s == 0 { "ill" } else { "leave" }),
                        L::I(now),
                    ]),
                    s => attendance.row(&[
                        L::T(class),
                        L::T(day),
                        L::T(child),
                        L::I(at(day, 7, 40 + s as u32)),
                        L::T("家长"),
                        L::I(at(day, 17, 5 + s as u32)),
                        L::T("家长"),
                        L::N,
                        L::I(now),
                    ]),
                }
            }
            logs.row(&[
                L::T(&tuoguan::new_id()),
                L::T(class),
                L::T("patrol"),
                L::T(day),
                L::I(at(day, 8, 0)),
                L::T("值班员"),
                L::T(patrol),
                L::T("generator"),
                L::I(now),
            ]);
        }
        money.class((programme_id, class), i, n, days, now);
        if i % 100 == 37 {
            let day = &days[i % days.len()];
            incidents.row(&[
                L::T(&tuoguan::new_id()),
                L::T(class),
                L::I(at(day, 10, 30)),
                L::T("illness"),
                L::T("minor"),
                L::B(false),
                L::T("午休后低热，体温37.8℃"),
                L::T("联系家长提前接回"),
                L::I(at(day, 10, 45)),
                L::T("phone"),
                L::I(at(day, 11, 0)),
                L::T("generator"),
            ]);
            counts.incidents += 1;
        }
        counts.classes += 1;
        counts.children += n;
        counts.guardians += n;
        counts.applications += n;
        counts.attendance += n * days.len();
        counts.logs += days.len();
        out.push((i, kids));
    }
    for ins in [
        classes, children, guardians, links, apps, attendance, logs, incidents,
    ] {
        ins.run(tx).await?;
    }
    counts.budgets += money.classes;
    counts.ledger_entries += money.entries_written;
    money.run(tx).await?;
    Ok(out)
}
