//! What the evaluation benchmark (issue 17) writes into a generated country, in SQL beside the
//! server: one city's classes closed, each with a model-class application, the first of them named
//! with its certificate number under a city-level public notice; and the inspection plans it drew
//! taken back. [`reset`] undoes all of it, before a run and after, so a kept country can run again
//! and the dashboards' kept figures stay those of the generated records (the status of a class is
//! changed here without the tallies' bookkeeping, and changed back).

use tuoguan::db::{Arg, Db, Sql};

use crate::manifest::Manifest;

/// The certificate number of the named application.
pub const CERTIFICATE_NO: &str = "市级示范〔2026〕第001号";

/// What [`prepare`] wrote: the applications of the city and the one named.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub applications: usize,
    pub named: String,
}

/// Up to `n` provinces of the country, by name (第00省, 第01省, …): (id, name).
pub async fn provinces(db: &Db, n: usize) -> anyhow::Result<Vec<(String, String)>> {
    let limit = i64::try_from(n).unwrap_or(i64::MAX);
    Ok(
        Sql::new("SELECT id, name FROM orgs WHERE kind = 'province' ORDER BY name LIMIT ")
            .bind(limit)
            .fetch_all(db)
            .await?,
    )
}

/// Takes back the programme's inspection plan of `org` (and its sampled inspections), so that the
/// federation may draw again: a plan is drawn once, and a second draw answers 409.
pub async fn forget_plan(db: &Db, programme: &str, org: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    Sql::new(
        "DELETE FROM inspections WHERE plan_id IN (SELECT id FROM inspection_plans \
         WHERE programme_id = ",
    )
    .bind(programme)
    .push(" AND org_id = ")
    .bind(org)
    .push(")")
    .execute(&mut tx)
    .await?;
    Sql::new("DELETE FROM inspection_plans WHERE programme_id = ")
        .bind(programme)
        .push(" AND org_id = ")
        .bind(org)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Every inspection plan of the programme, the model-class applications and the notice taken
/// back, and the classes that applied running again.
pub async fn reset(db: &Db, m: &Manifest) -> anyhow::Result<()> {
    let p = m.programme_id.as_str();
    let mut tx = db.begin().await?;
    let statements = [
        "DELETE FROM inspections WHERE plan_id IN \
         (SELECT id FROM inspection_plans WHERE programme_id = $1)",
        "DELETE FROM inspection_plans WHERE programme_id = $1",
        "DELETE FROM model_notices WHERE programme_id = $1",
        "UPDATE classes SET status = 'running' WHERE id IN \
         (SELECT class_id FROM model_applications WHERE programme_id = $1)",
        "DELETE FROM model_applications WHERE programme_id = $1",
    ];
    for sql in statements {
        Sql::with_args(sql, vec![Arg::from(p)])
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Closes the classes of the manifest's city, gives each an application (as its city's admin
/// would see them: status 'applied', a statement), names the first with [`CERTIFICATE_NO`] and
/// publishes the city's notice over it.
pub async fn prepare(db: &Db, m: &Manifest) -> anyhow::Result<Prepared> {
    let p = m.programme_id.as_str();
    let city_path: String = Sql::new("SELECT path FROM orgs WHERE id = ")
        .bind(&m.city_id)
        .fetch_scalar(db)
        .await?;
    let user: String = Sql::new("SELECT id FROM users WHERE username = ")
        .bind(&m.city_user)
        .fetch_scalar(db)
        .await?;
    let classes: Vec<(String,)> = Sql::new(
        "SELECT c.id FROM classes c JOIN orgs o ON o.id = c.host_org_id WHERE c.programme_id = ",
    )
    .bind(p)
    .push(" AND o.path LIKE ")
    .bind(format!("{city_path}%"))
    .push(" ORDER BY c.id")
    .fetch_all(db)
    .await?;
    anyhow::ensure!(!classes.is_empty(), "the city {} has no class", m.city_id);
    let now = tuoguan::now();
    let mut tx = db.begin().await?;
    for part in classes.chunks(200) {
        Sql::new("UPDATE classes SET status = 'closed' WHERE id IN (")
            .list(part.iter().map(|c| c.0.as_str()))
            .push(")")
            .execute(&mut tx)
            .await?;
        Sql::new(
            "INSERT INTO model_applications (id, programme_id, class_id, statement, status, \
             applied_by, applied_at) VALUES ",
        )
        .rows(part.iter().enumerate().map(|(i, c)| {
            [
                Arg::from(tuoguan::new_id()),
                Arg::from(p),
                Arg::from(c.0.as_str()),
                Arg::from("本班安全规范、内容丰富，家长满意，申请命名为示范托管班。"),
                Arg::from("applied"),
                Arg::from(user.as_str()),
                // Apart by a second each, so the overview's order is the order of the classes.
                Arg::from(now + i64::try_from(i).unwrap_or(0)),
            ]
        }))
        .execute(&mut tx)
        .await?;
    }
    let first = classes[0].0.as_str();
    let named: String = Sql::new("SELECT id FROM model_applications WHERE class_id = ")
        .bind(first)
        .fetch_all_tx::<(String,)>(&mut tx)
        .await?
        .into_iter()
        .next()
        .map(|r| r.0)
        .unwrap_or_default();
    Sql::new("UPDATE model_applications SET status = 'named', named_at = ")
        .bind(now)
        .push(", certificate_no = ")
        .bind(CERTIFICATE_NO)
        .push(" WHERE id = ")
        .bind(named.as_str())
        .execute(&mut tx)
        .await?;
    let entries = "[]";
    Sql::with_args(
        "INSERT INTO model_notices (id, programme_id, org_id, level, title, entries, starts_on, \
         ends_on, published_by, published_at, named_at) \
         VALUES ($1, $2, $3, 'city', $4, $5, $6, $7, $8, $9, $10)",
        vec![
            Arg::from(tuoguan::new_id()),
            Arg::from(p),
            Arg::from(m.city_id.as_str()),
            Arg::from("关于拟命名市级示范职工子女爱心托管班的公示"),
            Arg::from(entries),
            Arg::from("2026-09-01"),
            Arg::from("2026-09-07"),
            Arg::from(user.as_str()),
            Arg::from(now),
            Arg::from(now),
        ],
    )
    .execute(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(Prepared {
        applications: classes.len(),
        named,
    })
}
