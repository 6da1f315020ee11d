//! The database: one pool of either backend, chosen by the `DATABASE_URL` scheme.
//!
//! Every query is written once, in the SQL both SQLite and PostgreSQL accept (`$1` placeholders,
//! TEXT ids, BIGINT unix-second timestamps, `YYYY-MM-DD` TEXT dates), and run on whichever pool is
//! open through [`on_db!`]. Where the dialects differ the difference is an explicit branch.

use std::str::FromStr;
use std::time::Duration;

mod sql;

pub use sql::{Arg, Row, Sql};

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// An open pool on one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// Runs `$body` with `$p` bound to the open pool, type-checked once per backend.
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Pg($p) => $body,
        }
    };
}

/// The backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Refuses any scheme but `sqlite:` and `postgres:`/`postgresql:`.
    pub fn from_url(url: &str) -> anyhow::Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            let scheme = url.split(':').next().unwrap_or("");
            bail!(
                "DATABASE_URL: unsupported scheme '{scheme}'. Use sqlite://PATH (for example sqlite://tuoguan.db) or postgres://USER@HOST:PORT/DB"
            )
        }
    }
}

/// PostgreSQL's `plan_cache_mode` on the server's connections. By default PostgreSQL plans a
/// prepared statement afresh at every execution whenever its generic plan is estimated dearer than
/// the plans made for the values, which it is for every statement with a range on a parameter
/// (a subtree's path, a day between a child's first and last): the roll's children were planned
/// at every opening (0.9 ms of the database's CPU, more than running them). Our statements look
/// rows up by ids and index ranges, for which the generic plan is the one the values get; with it
/// every page of the read benchmark was as fast or faster (docs/PERFORMANCE.md, 2026-12-07 II).
pub const PG_PLAN_CACHE_MODE: &str = "force_generic_plan";

/// Busy timeout every SQLite connection must have in force.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows a SQLite connection's thread may send ahead of the request reading them.
pub const SQLITE_ROW_BUFFER: usize = 1024;

impl Db {
    /// Opens the pool for `url`, applies and verifies the durability settings, runs no migrations.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        match Backend::from_url(url)? {
            Backend::Sqlite => {
                // WAL + synchronous=FULL: a commit is on disk before we answer (docs/DURABILITY.md).
                let opts = SqliteConnectOptions::from_str(url)
                    .with_context(|| "DATABASE_URL: not a valid sqlite:// URL")?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // Rows come from the connection's thread through a bounded channel; at sqlx's
                    // 50 a list of a few hundred rows woke the two threads in turn for every few
                    // rows (organisation tree page: 2.0 → 1.1 ms of CPU per request).
                    .row_buffer_size(SQLITE_ROW_BUFFER);
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections.max(1))
                    .connect_with(opts)
                    .await
                    .context("cannot open the SQLite database")?;
                let db = Db::Sqlite(pool);
                db.verify_sqlite_settings().await?;
                Ok(db)
            }
            Backend::Postgres => {
                let mut opts = PgConnectOptions::from_str(url)
                    .with_context(|| "DATABASE_URL: not a valid postgres:// URL")?;
                // Every statement is prepared once per connection; planned once too (see
                // PG_PLAN_CACHE_MODE). A URL that names the setting (`?options=-c
                // plan_cache_mode=auto`) keeps its own.
                if !url.contains("plan_cache_mode") {
                    opts = opts.options([("plan_cache_mode", PG_PLAN_CACHE_MODE)]);
                }
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections.max(1))
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .context("cannot connect to PostgreSQL")?;
                Ok(Db::Pg(pool))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// Refuses to run unless WAL, foreign keys, busy_timeout and synchronous=FULL are in force.
    async fn verify_sqlite_settings(&self) -> anyhow::Result<()> {
        let Db::Sqlite(pool) = self else {
            return Ok(());
        };
        let mut conn = pool.acquire().await?;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?;
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await?;
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await?;
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!("SQLite journal_mode is '{mode}', not WAL: refusing to start");
        }
        if fk != 1 {
            bail!("SQLite foreign_keys are off: refusing to start");
        }
        if busy < 1000 {
            bail!("SQLite busy_timeout is {busy} ms: refusing to start");
        }
        if sync != 2 {
            bail!("SQLite synchronous is {sync}, not FULL (2): refusing to start");
        }
        Ok(())
    }

    /// Applies the migrations of this backend (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            Db::Pg(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        self.finish_rebuilds().await
    }

    /// Work a migration asked for that SQL alone cannot do (`pending_rebuilds`), done once, in
    /// one transaction with taking the request off.
    async fn finish_rebuilds(&self) -> anyhow::Result<()> {
        const PENDING: &str = "SELECT name FROM pending_rebuilds ORDER BY name";
        let pending: Vec<String> =
            on_db!(self, p => sqlx::query_scalar(PENDING).fetch_all(p).await)?;
        for name in pending {
            let mut tx = self.begin().await?;
            if name == "day_tallies" {
                crate::dashboard::days::rebuild(&mut tx).await?;
            }
            const DONE: &str = "DELETE FROM pending_rebuilds WHERE name = $1";
            crate::on_tx!(&mut tx, x => sqlx::query(DONE).bind(&name).execute(&mut *x).await.map(|_| ()))?;
            tx.commit().await?;
            tracing::info!(rebuild = %name, "filled what a migration asked for");
        }
        Ok(())
    }

    /// True when the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> bool {
        on_db!(self, p => sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)").fetch_one(p).await.is_ok())
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }
}

/// The `(lower, upper)` bounds of a subtree whose root has materialised `path`: every descendant's
/// path `p` satisfies `lower <= p < upper`. Paths hold only `[0-9a-f-/]`, all below `~`, and the
/// PostgreSQL column is `COLLATE "C"`, so the range is exact and index-friendly on both backends.
pub fn subtree_bounds(path: &str) -> (String, String) {
    (path.to_string(), format!("{path}~"))
}

/// Most parameters one multi-row statement binds. SQLite finds a `$N` parameter by walking a list
/// of names, once per name while it parses and once per parameter while sqlx binds, so a
/// statement's cost grows with the square of its parameters: 500 rows of 13 columns took the
/// 5,000-row roster import on SQLite from 0.6 s to 2.5 s. A few hundred keep that negligible while
/// PostgreSQL still needs some 1,000 round trips for 5,000 rows instead of 25,000.
pub const MAX_BINDS: usize = 256;

/// Rows of `cols` columns that one multi-row statement takes under [`MAX_BINDS`].
pub fn rows_per_statement(cols: usize) -> usize {
    (MAX_BINDS / cols.max(1)).max(1)
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(e) => e.is_unique_violation(),
        _ => false,
    }
}

/// A write transaction on either backend. Every change and its audit entry commit together.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>, WriteTurn),
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A writer's turn at a SQLite file, held until its transaction ends. Writers of one process
/// queue for it first-come first-served; without it they would all wait inside SQLite's busy
/// handler, which sleeps in steps of up to 100 ms, and that sleeping is what a p99 measures.
pub struct WriteTurn(#[allow(dead_code)] tokio::sync::OwnedMutexGuard<()>);

/// The queue of writers of the SQLite file behind `pool` (one per file per process).
fn write_queue(pool: &sqlx::SqlitePool) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Queues = Mutex<HashMap<std::path::PathBuf, Arc<tokio::sync::Mutex<()>>>>;
    static QUEUES: OnceLock<Queues> = OnceLock::new();
    let file = pool.connect_options().get_filename().to_path_buf();
    let mut queues = QUEUES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    queues.entry(file).or_default().clone()
}

/// Runs `$body` with `$c` bound to the transaction's connection (`&mut *$c` as the executor).
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(t, _) => {
                let $c: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            $crate::db::Tx::Pg(t) => {
                let $c: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    /// Begins a write transaction. On SQLite it first waits for this process's turn at the file
    /// ([`WriteTurn`]), then takes the write lock at once (`BEGIN IMMEDIATE`), so writers from
    /// elsewhere (another process, a backup) still queue on busy_timeout instead of failing when
    /// one upgrades a read. Never begin a second transaction while holding one.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => {
                let turn = WriteTurn(write_queue(p).lock_owned().await);
                Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Db::Pg(p) => Tx::Pg(p.begin().await?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t, _turn) => t.commit().await,
            Tx::Pg(t) => t.commit().await,
        }
    }
}

/// A stored value outside its enum's set: the row is refused (a 500 naming the column), never
/// read as some default.
#[derive(Debug, thiserror::Error)]
#[error("unknown {kind} '{value}' stored")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

/// Maps an enum with `as_str`/`parse` to a TEXT column on both backends (`sqlx::Type`, `Encode`,
/// `Decode`): bound as its name, read back through its one `parse`; an unknown stored value is a
/// decode error naming the column, never a default.
#[macro_export]
macro_rules! stored_as_text {
    ($t:ty, $kind:literal) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $t
        where
            for<'a> &'a str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <&str as sqlx::Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <&str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $t
        where
            for<'a> &'a str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $t
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                <$t>::parse(s).ok_or_else(|| {
                    Box::new($crate::db::UnknownValue {
                        kind: $kind,
                        value: s.to_string(),
                    }) as sqlx::error::BoxDynError
                })
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$t> for $crate::db::Arg {
            fn from(v: $t) -> $crate::db::Arg {
                $crate::db::Arg::from(v.as_str())
            }
        }
    };
}

/// A TEXT column holding JSON, read into its struct at the row boundary with
/// `#[sqlx(try_from = "JsonText")]` (each struct implements `TryFrom<JsonText>` with
/// [`JsonText::parse`]): text that does not parse fails the read, naming the column.
#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct JsonText(pub String);

impl JsonText {
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }

    /// The column text of `v`.
    pub fn of<T: serde::Serialize>(v: &T) -> String {
        // Serialising our own plain structs (no maps with non-string keys) cannot fail.
        serde_json::to_string(v).unwrap_or_default()
    }
}

/// A TEXT column holding a list, one item per line (`\n`) or separated by commas, read as
/// `Vec<String>` with `#[sqlx(try_from = "LineList")]` / `CommaList`; empty items are dropped.
#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct LineList(pub String);

#[derive(Debug, Clone, sqlx::Type)]
#[sqlx(transparent)]
pub struct CommaList(pub String);

fn split_list(s: &str, sep: char) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl From<LineList> for Vec<String> {
    fn from(l: LineList) -> Vec<String> {
        split_list(&l.0, '\n')
    }
}

impl From<CommaList> for Vec<String> {
    fn from(l: CommaList) -> Vec<String> {
        split_list(&l.0, ',')
    }
}
