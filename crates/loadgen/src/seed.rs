//! Seeding: a federation with one grassroots unit per class, one programme, running classes,
//! enrolled children and one class-staff user per unit, written with multi-row INSERTs in one
//! transaction straight into the server's schema (migrated by the server library itself).

use anyhow::{Context, bail};
use chrono::NaiveDate;
use tuoguan::db::Db;
use tuoguan_domain::calendar::WorkCalendar;
use tuoguan_domain::class_checks::{Food, FoodMode, Venue};
use tuoguan_domain::programme::ProgrammeRules;

use crate::bulk::{
    APP_COLS, CHILD_COLS, CLASS_COLS, ORG_COLS, PROGRAMME_COLS, ROLE_COLS, USER_COLS, V, insert, t,
};

/// What the load needs to know about one seeded class.
#[derive(Debug, Clone)]
pub struct SeedClass {
    pub id: String,
    /// The class-staff user of the class's host unit.
    pub username: String,
    pub children: Vec<String>,
}

/// The seeded world.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub programme_id: String,
    pub classes: Vec<SeedClass>,
    /// Operating days of every class (`YYYY-MM-DD`), all in the past.
    pub days: Vec<String>,
    /// The password of every seeded user.
    pub password: String,
}

impl Seeded {
    /// Children in the largest class: how many rounds go round every class once per child.
    pub fn most_children(&self) -> usize {
        self.classes
            .iter()
            .map(|c| c.children.len())
            .max()
            .unwrap_or(0)
    }
}

/// How much to seed.
#[derive(Debug, Clone)]
pub struct Plan {
    pub classes: usize,
    pub children: usize,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Distinguishes the names of this run from any earlier one in the same database.
    pub run: String,
}

/// The operating days of a class running `from..=to` under the shipped calendar, before `today`.
pub fn past_operating_days(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Vec<String> {
    tuoguan_domain::operating_dates(&WorkCalendar::shipped(), from, to, &[], &[])
        .into_iter()
        .filter(|d| *d < today)
        .map(|d| d.to_string())
        .collect()
}

/// Migrates `db` (the server's own migrations and shipped calendar) and seeds `plan`.
pub async fn seed(db: &Db, plan: &Plan) -> anyhow::Result<Seeded> {
    db.migrate().await.context("migrating the bench database")?;
    tuoguan::calendar::seed_shipped(db).await?;
    let days = past_operating_days(plan.from, plan.to, tuoguan::calendar::today());
    if days.is_empty() {
        bail!(
            "no past operating day between {} and {}: choose an earlier window",
            plan.from,
            plan.to
        );
    }
    let password = format!("Bench#{}", plan.run);
    // Cheap argon2 parameters: the PHC string carries them, so the server verifies cheaply too.
    let hash = tuoguan::auth::password::Hasher::new(true)
        .hash(&password)
        .await?;
    let now = tuoguan::now();
    let root = tuoguan::new_id();
    let root_path = format!("/{root}/");
    let programme_id = tuoguan::new_id();
    let rules = serde_json::to_string(&ProgrammeRules::default())?;
    let venue = serde_json::to_string(&Venue {
        independent: true,
        building_fire_supervision_safe: true,
        away_from_hazards: true,
        ventilation_and_light: true,
        cameras: true,
        floor_area_m2: Some(120),
        ..Venue::default()
    })?;
    let food = serde_json::to_string(&Food {
        mode: FoodMode::NoMeals,
        caterer_name: None,
        licence_no: None,
        licence_expiry: None,
        catering_agreement: false,
    })?;
    let (from, to) = (plan.from.to_string(), plan.to.to_string());

    let mut orgs = vec![vec![
        t(&root),
        V::N,
        t(&root_path),
        t(format!("压测市总工会-{}", plan.run)),
        t("city"),
        V::N,
        V::I(now),
        V::I(now),
    ]];
    let (mut users, mut roles, mut classes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut children, mut applications) = (Vec::new(), Vec::new());
    let mut seeded = Vec::with_capacity(plan.classes);
    for i in 0..plan.classes {
        let unit = tuoguan::new_id();
        orgs.push(vec![
            t(&unit),
            t(&root),
            t(format!("{root_path}{unit}/")),
            t(format!("压测基层工会{i:04}")),
            t("grassroots"),
            t("employer"),
            V::I(now),
            V::I(now),
        ]);
        let user = tuoguan::new_id();
        let username = format!("bench_{}_{i:04}", plan.run);
        users.push(vec![
            t(&user),
            t(&username),
            t(format!("压测保育员{i:04}")),
            t(&hash),
            t(&unit),
            V::I(now),
            V::I(now),
        ]);
        roles.push(vec![
            t(tuoguan::new_id()),
            t(&user),
            t("class_staff"),
            t(&unit),
            V::I(now),
        ]);
        let class = tuoguan::new_id();
        classes.push(vec![
            t(&class),
            t(&programme_id),
            t(&unit),
            t(format!("压测托管班{i:04}")),
            t(format!("压测路{i}号")),
            t(&from),
            t(&to),
            t("08:00"),
            t("17:30"),
            V::I(plan.children as i64),
            t("in_unit"),
            t("union_staff"),
            t(&venue),
            t(&food),
            t("running"),
            V::I(now),
            V::I(now),
        ]);
        let mut kids = Vec::with_capacity(plan.children);
        for n in 0..plan.children {
            let child = tuoguan::new_id();
            let grade = 1 + n % 6;
            children.push(vec![
                t(&child),
                t(format!("压测儿童{i:04}-{n:03}")),
                t(if n % 2 == 0 { "女" } else { "男" }),
                t(format!(
                    "{}-{:02}-{:02}",
                    2020 - grade,
                    1 + n % 12,
                    1 + n % 28
                )),
                t("压测实验小学"),
                t(grade.to_string()),
                V::I(now),
                V::I(now),
            ]);
            applications.push(vec![
                t(tuoguan::new_id()),
                t(&child),
                t(&class),
                t("enrolled"),
                V::B(false),
                V::I(now),
                V::I(now),
            ]);
            kids.push(child);
        }
        seeded.push(SeedClass {
            id: class,
            username,
            children: kids,
        });
    }

    let mut tx = db.begin().await?;
    // The root first: the units reference it.
    insert(&mut tx, "orgs", &ORG_COLS, &orgs[..1]).await?;
    insert(&mut tx, "orgs", &ORG_COLS, &orgs[1..]).await?;
    insert(&mut tx, "users", &USER_COLS, &users).await?;
    insert(&mut tx, "user_roles", &ROLE_COLS, &roles).await?;
    let programme = vec![vec![
        t(&programme_id),
        t(&root),
        t(format!("压测专案-{}", plan.run)),
        t("summer"),
        V::I(i64::from(chrono::Datelike::year(&plan.from))),
        t(&from),
        t(&to),
        V::I(plan.classes as i64),
        V::I((plan.classes * plan.children) as i64),
        V::I(1),
        t(rules),
        V::I(7),
        V::I(now),
        V::I(now),
    ]];
    insert(&mut tx, "programmes", &PROGRAMME_COLS, &programme).await?;
    insert(&mut tx, "classes", &CLASS_COLS, &classes).await?;
    insert(&mut tx, "children", &CHILD_COLS, &children).await?;
    insert(&mut tx, "applications", &APP_COLS, &applications).await?;
    // Written around the services: the dashboard figures are counted once here.
    tuoguan::dashboard::tallies::rebuild(&mut tx).await?;
    tx.commit().await?;
    Ok(Seeded {
        programme_id,
        classes: seeded,
        days,
        password,
    })
}

/// Rows of `attendance` with a check-in, in the classes of the seeded programme.
pub async fn checked_in_rows(db: &Db, programme_id: &str) -> anyhow::Result<i64> {
    const SQL: &str = "SELECT COUNT(*) FROM attendance a JOIN classes c ON c.id = a.class_id \
                       WHERE c.programme_id = $1 AND a.in_at IS NOT NULL";
    let n: i64 =
        tuoguan::on_db!(db, p => sqlx::query_scalar(SQL).bind(programme_id).fetch_one(p).await?);
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summer_window_has_past_weekdays_only() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let days = past_operating_days(d("2026-07-06"), d("2026-08-14"), d("2026-07-09"));
        assert_eq!(days, ["2026-07-06", "2026-07-07", "2026-07-08"]);
        let all = past_operating_days(d("2026-07-06"), d("2026-08-14"), d("2027-01-01"));
        assert_eq!(all.len(), 30);
    }

    #[tokio::test]
    async fn seeds_a_fresh_sqlite_database() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("loadgen-seed-{}", tuoguan::new_id()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}", dir.join("seed.db").display());
        let db = Db::connect(&url, 2).await?;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        let plan = Plan {
            classes: 3,
            children: 4,
            from: d("2026-07-06"),
            to: d("2026-08-14"),
            run: "t".into(),
        };
        let s = seed(&db, &plan).await?;
        assert_eq!(s.classes.len(), 3);
        let kids: i64 = tuoguan::on_db!(&db, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM applications WHERE status = 'enrolled'").fetch_one(p).await?);
        assert_eq!(kids, 12);
        assert_eq!(checked_in_rows(&db, &s.programme_id).await?, 0);
        db.close().await;
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
