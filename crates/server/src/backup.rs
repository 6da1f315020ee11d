//! `tuoguan backup`: a consistent copy of a live database.
//!
//! SQLite: `VACUUM INTO` reads one snapshot (WAL readers never block the writer) and writes a
//! compact, self-contained file. PostgreSQL: `pg_dump`, which also works from one snapshot.

use std::path::Path;

use anyhow::{Context, bail};

use crate::db::{Backend, Db};

pub async fn run(database_url: &str, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!("{} already exists: choose a new file name", to.display());
    }
    match Backend::from_url(database_url)? {
        Backend::Sqlite => {
            let db = Db::connect(database_url, 1).await?;
            let Db::Sqlite(pool) = &db else {
                bail!("not SQLite")
            };
            let target = to.to_str().context("backup path is not valid UTF-8")?;
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(pool)
                .await
                .context("VACUUM INTO failed")?;
            db.close().await;
        }
        Backend::Postgres => {
            let status = tokio::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(to)
                .arg(database_url)
                .status()
                .await
                .context("cannot run pg_dump (install the postgresql-client package)")?;
            if !status.success() {
                bail!("pg_dump failed with {status}");
            }
        }
    }
    Ok(())
}
