//! The backup drill (issue 6): `tuoguan backup` while check-ins are being written, then a restore
//! into a fresh database (SQLite: the backup file is the database; PostgreSQL: `pg_restore` into a
//! new database), the server's migrations run on it, and a recount. Every check-in acknowledged
//! before the backup began must be in the copy, the copy must be one consistent moment (each
//! checked-in child-day has exactly one applied check-in event, and no event lacks its row), and
//! SQLite's `PRAGMA integrity_check` must say `ok`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Serialize;
use tuoguan::db::{Backend, Db, Sql};

use crate::crash::{Shared, spawn_clients, work};
use crate::seed::Seeded;
use crate::server::{Launch, Server, tokens};

/// What the drill found.
#[derive(Debug, Default, Serialize)]
pub struct DrillReport {
    /// Acknowledged before the backup started.
    pub acknowledged_before: usize,
    /// Acknowledged by the end of the load.
    pub acknowledged_total: usize,
    /// Child-days with a check-in in the restored copy.
    pub rows_in_copy: usize,
    /// Applied check-in events in the copy.
    pub events_in_copy: usize,
    /// Acknowledged before the backup but missing from the copy.
    pub missing: usize,
    pub backup_seconds: f64,
    pub integrity: String,
    /// The check that said so: SQLite's `integrity_check`, or `quick_check` on a national copy;
    /// `restore` on PostgreSQL (pg_restore succeeded).
    pub check: &'static str,
    /// The copy's dashboard figures equal a recount of its classes and organisations.
    pub tallies_match: bool,
}

impl DrillReport {
    pub fn ok(&self) -> bool {
        self.missing == 0
            && self.rows_in_copy == self.events_in_copy
            && self.acknowledged_before > 0
            && self.integrity == "ok"
            && self.tallies_match
    }

    pub fn text(&self) -> String {
        format!(
            "== backup drill\nacknowledged before the backup {}, by the end {}; backup took {:.1} s\n\
             restored copy: {} checked-in child-days, {} applied check-ins, {} acknowledged missing, {} {}, \
             dashboard figures = recount: {}\n{}\n",
            self.acknowledged_before,
            self.acknowledged_total,
            self.backup_seconds,
            self.rows_in_copy,
            self.events_in_copy,
            self.missing,
            self.check,
            self.integrity,
            self.tallies_match,
            if self.ok() { "PASS" } else { "FAIL" }
        )
    }
}

/// Restores `file` into a fresh database and returns its URL.
async fn restore(url: &str, file: &Path) -> anyhow::Result<String> {
    match Backend::from_url(url)? {
        Backend::Sqlite => Ok(format!("sqlite://{}", file.display())),
        Backend::Postgres => {
            let (server, _) = url
                .rsplit_once('/')
                .context("a postgres URL ends with /DB")?;
            let name = format!(
                "tuoguan_restored_{}",
                &tuoguan::new_id().replace('-', "")[20..]
            );
            let admin = Db::connect(&format!("{server}/postgres"), 1).await?;
            if let Db::Pg(p) = &admin {
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(p)
                    .await?;
            }
            admin.close().await;
            let target = format!("{server}/{name}");
            let status = tokio::process::Command::new("pg_restore")
                .args(["--no-owner", "--dbname", &target])
                .arg(file)
                .status()
                .await
                .context("cannot run pg_restore")?;
            if !status.success() {
                bail!("pg_restore failed with {status}");
            }
            Ok(target)
        }
    }
}

/// Drops a restored PostgreSQL database (a SQLite copy stays beside the bench database).
async fn drop_restored(url: &str) -> anyhow::Result<()> {
    if Backend::from_url(url)? != Backend::Postgres {
        return Ok(());
    }
    let (server, name) = url
        .rsplit_once('/')
        .context("a postgres URL ends with /DB")?;
    let admin = Db::connect(&format!("{server}/postgres"), 1).await?;
    if let Db::Pg(p) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(p)
        .await?;
    }
    admin.close().await;
    Ok(())
}

/// Runs the drill on a seeded database: `seconds` of load, the backup in the middle.
pub async fn run(
    http: &reqwest::Client,
    launch: &Launch<'_>,
    seeded: &Seeded,
    clients: usize,
    seconds: f64,
    dir: &Path,
    quick: bool,
) -> anyhow::Result<DrillReport> {
    let srv = Server::start(launch.clone(), http).await?;
    let users: Vec<String> = seeded.classes.iter().map(|c| c.username.clone()).collect();
    let toks = tokens(http, &srv.base, &users, &seeded.password).await?;
    let shared = Arc::new(Mutex::new(Shared {
        todo: work(seeded, &toks),
        ..Shared::default()
    }));
    let tasks = spawn_clients(clients, http, &srv.base, &shared);
    tokio::time::sleep(Duration::from_secs_f64(seconds / 2.0)).await;
    let before: BTreeSet<(String, String, String)> =
        shared.lock().map(|s| s.acked.clone()).unwrap_or_default();
    let file = dir.join(format!("backup-{}.db", tuoguan::new_id()));
    let started = std::time::Instant::now();
    let out = tokio::process::Command::new(launch.bin)
        .arg("backup")
        .arg("--to")
        .arg(&file)
        .env("DATABASE_URL", launch.database_url)
        .output()
        .await
        .context("cannot run the backup")?;
    let backup_seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!(
            "tuoguan backup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    tokio::time::sleep(Duration::from_secs_f64(seconds / 2.0)).await;
    if let Ok(mut s) = shared.lock() {
        s.todo.clear();
    }
    for t in tasks {
        t.await.context("a client panicked")?;
    }
    let total = shared.lock().map(|s| s.acked.len()).unwrap_or(0);
    srv.stop().await?;

    let url = restore(launch.database_url, &file).await?;
    let copy = Db::connect(&url, 1).await?;
    copy.migrate()
        .await
        .context("the server's migrations on the restored copy")?;
    // Only the load's days: a national copy holds 20 million older rows.
    let rows: Vec<(String, String, String)> = Sql::new(
        "SELECT class_id, day, child_id FROM attendance WHERE in_at IS NOT NULL AND day IN (",
    )
    .list(&seeded.days)
    .push(")")
    .fetch_all(&copy)
    .await?;
    let events: i64 = Sql::new(
        "SELECT COUNT(*) FROM attendance_events \
         WHERE action = 'check_in' AND outcome = 'applied' AND day IN (",
    )
    .list(&seeded.days)
    .push(")")
    .fetch_scalar(&copy)
    .await?;
    let present: BTreeSet<(String, String, String)> = rows.into_iter().collect();
    let check = match (&copy, quick) {
        (Db::Pg(_), _) => "restore",
        (_, true) => "quick_check",
        (_, false) => "integrity_check",
    };
    let integrity = match &copy {
        Db::Sqlite(p) => {
            // integrity_check reads every index of a 7 GB national copy for minutes;
            // quick_check skips the index-to-table cross-check.
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("PRAGMA {check}")))
                .fetch_one(p)
                .await?
        }
        Db::Pg(_) => "ok".to_string(),
    };
    let tallies_match = tuoguan::dashboard::tallies::stored(&copy).await?
        == tuoguan::dashboard::tallies::recounted(&copy).await?;
    copy.close().await;
    drop_restored(&url).await?;
    // A national copy is gigabytes: nothing of the drill stays behind.
    let _ = std::fs::remove_file(&file);
    Ok(DrillReport {
        acknowledged_before: before.len(),
        acknowledged_total: total,
        rows_in_copy: present.len(),
        events_in_copy: usize::try_from(events).unwrap_or(0),
        missing: before.iter().filter(|k| !present.contains(*k)).count(),
        backup_seconds,
        integrity,
        check,
        tallies_match,
    })
}
