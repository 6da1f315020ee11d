//! The raw limit: single-row durable commits per second on the same backend with the same
//! settings as the server — a separate SQLite file beside the bench database opened through
//! `tuoguan::db::Db::connect` (WAL, synchronous=FULL, busy_timeout), or a scratch table in the
//! PostgreSQL database — each row in its own write transaction (`Db::begin`: `BEGIN IMMEDIATE` on
//! SQLite), once one at a time and once from many concurrent tasks.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::AssertSqlSafe;
use tuoguan::db::{Backend, Db};

use crate::report::Throughput;

/// Both measurements.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Raw {
    pub sequential: Throughput,
    pub concurrent: Throughput,
}

impl Raw {
    /// The raw single-row limit: the better of the two.
    pub fn limit(&self) -> f64 {
        self.sequential.per_sec.max(self.concurrent.per_sec)
    }
}

/// Where the raw measurement writes.
struct Target {
    db: Db,
    table: String,
    /// The SQLite file to delete afterwards.
    file: Option<std::path::PathBuf>,
}

/// Opens the raw target next to `database_url` with a pool of `pool` connections.
async fn open(database_url: &str, run: &str, pool: u32) -> anyhow::Result<Target> {
    match Backend::from_url(database_url)? {
        Backend::Sqlite => {
            let path = sqlite_path(database_url);
            let dir = path.parent().unwrap_or(Path::new("."));
            let file = dir.join(format!("raw-{run}.db"));
            let db = Db::connect(&format!("sqlite://{}", file.display()), pool).await?;
            Ok(Target {
                db,
                table: "raw_commits".into(),
                file: Some(file),
            })
        }
        Backend::Postgres => Ok(Target {
            db: Db::connect(database_url, pool).await?,
            table: format!("loadgen_raw_{run}"),
            file: None,
        }),
    }
}

/// The file of a `sqlite://PATH[?options]` URL.
pub fn sqlite_path(url: &str) -> std::path::PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    std::path::PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// One row in its own write transaction; returns how long the commit round took.
async fn commit_one(db: &Db, insert: &str, n: u64) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let id = tuoguan::new_id();
    let mut tx = db.begin().await?;
    tuoguan::on_tx!(&mut tx, c => sqlx::query(AssertSqlSafe(insert))
        .bind(&id)
        .bind(format!("class-{}", n % 200))
        .bind("2026-07-06")
        .bind(tuoguan::now())
        .bind("家长")
        .execute(&mut *c)
        .await
        .map(|_| ())?);
    tx.commit().await?;
    Ok(started.elapsed())
}

/// Commits rows from `tasks` tasks at once for `secs` seconds.
async fn run(db: &Db, insert: &str, tasks: usize, secs: f64) -> anyhow::Result<Throughput> {
    let insert: Arc<str> = Arc::from(insert);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(secs);
    let mut handles = Vec::with_capacity(tasks);
    for t in 0..tasks {
        let (db, insert) = (db.clone(), insert.clone());
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut n = t as u64;
            while Instant::now() < deadline {
                lat.push(commit_one(&db, &insert, n).await?);
                n += tasks as u64;
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await??);
    }
    Ok(Throughput::new(all, started.elapsed()))
}

/// Measures sequential then concurrent commits (`tasks` tasks sharing `pool` connections), and
/// removes the scratch table or file.
pub async fn measure(
    database_url: &str,
    run_id: &str,
    tasks: usize,
    pool: u32,
    secs: f64,
) -> anyhow::Result<Raw> {
    let target = open(database_url, run_id, pool).await?;
    let table = &target.table;
    let create = format!(
        "CREATE TABLE {table} (id TEXT PRIMARY KEY, class_id TEXT NOT NULL, day TEXT NOT NULL, \
         at BIGINT NOT NULL, person TEXT NOT NULL)"
    );
    let insert =
        format!("INSERT INTO {table} (id, class_id, day, at, person) VALUES ($1, $2, $3, $4, $5)");
    tuoguan::on_db!(&target.db, p => sqlx::query(AssertSqlSafe(create.as_str())).execute(p).await.map(|_| ()))
        .context("creating the raw-limit table")?;
    let sequential = run(&target.db, &insert, 1, secs).await;
    let concurrent = match &sequential {
        Ok(_) => run(&target.db, &insert, tasks, secs).await,
        Err(_) => Err(anyhow::anyhow!("skipped")),
    };
    let drop = format!("DROP TABLE {table}");
    let _ = tuoguan::on_db!(&target.db, p => sqlx::query(AssertSqlSafe(drop)).execute(p).await.map(|_| ()));
    target.db.close().await;
    if let Some(file) = &target.file {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    Ok(Raw {
        sequential: sequential.context("sequential raw commits")?,
        concurrent: concurrent.context("concurrent raw commits")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_path_drops_scheme_and_options() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/x/bench.db?mode=rwc"),
            Path::new("/tmp/x/bench.db")
        );
        assert_eq!(sqlite_path("sqlite://bench.db"), Path::new("bench.db"));
    }

    #[tokio::test]
    async fn measures_commits_on_a_scratch_sqlite_file() -> anyhow::Result<()> {
        let dir = std::env::temp_dir().join(format!("loadgen-raw-{}", tuoguan::new_id()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}", dir.join("bench.db").display());
        let raw = measure(&url, "t", 4, 2, 0.3).await?;
        assert!(raw.sequential.count > 0 && raw.concurrent.count > 0);
        assert!(raw.limit() > 0.0);
        assert_eq!(std::fs::read_dir(&dir)?.count(), 0, "scratch file removed");
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
