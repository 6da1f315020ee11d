//! Group commit (成组提交) of audit entries that stand alone: a roster or child export, a look at
//! an ID number, a sign-in refused while locked. Such an entry is the only write of its request and
//! must be durable before the answer goes out (no file leaves without its record), but a
//! transaction each made 32 concurrent exports queue for the database's one writer, four round
//! trips apiece. One task per process takes every entry waiting (up to [`MAX_BATCH`]), inserts
//! them in one statement, commits once, and only then lets each request go on. A failed commit
//! fails every request of that batch: nothing of it was written, and none of them is answered.
//!
//! An entry that records a change still goes in the change's own transaction
//! ([`super::record`]), so the two commit together or not at all.

use tokio::sync::{mpsc, oneshot};

use super::{Client, Entry};
use crate::db::{Arg, Db, Sql};
use crate::error::AppError;

/// Most entries in one commit (ten columns each: well within either backend's bind limit).
const MAX_BATCH: usize = 256;
/// Entries waiting beyond this make new requests wait for room (back-pressure, not memory).
const QUEUE: usize = 4096;

/// An entry with strings of its own, to cross into the journal's task.
#[derive(Debug)]
struct Owned {
    at: i64,
    actor_id: Option<String>,
    actor_name: Option<String>,
    action: &'static str,
    target_type: &'static str,
    target_id: Option<String>,
    detail: String,
    ip: Option<String>,
    request_id: Option<String>,
}

#[derive(Debug)]
struct Job {
    entry: Owned,
    reply: oneshot::Sender<Result<(), String>>,
}

/// The handle requests append their standalone entries through.
#[derive(Clone, Debug)]
pub struct Journal {
    jobs: mpsc::Sender<Job>,
}

impl Journal {
    /// Starts the journal's task on `db`; it ends when the last handle is dropped.
    pub fn start(db: Db) -> Journal {
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, rx));
        Journal { jobs }
    }

    /// Appends `entry` and returns once it is committed.
    pub async fn record(&self, entry: &Entry<'_>, client: &Client) -> Result<(), AppError> {
        let entry = Owned {
            at: crate::now(),
            actor_id: entry.actor_id.map(|u| u.to_string()),
            actor_name: entry.actor_name.map(str::to_string),
            action: entry.action,
            target_type: entry.target_type,
            target_id: entry.target_id.clone(),
            detail: entry.detail.clone(),
            ip: client.ip.clone(),
            request_id: client.request_id.clone(),
        };
        let stopped = || AppError::Internal(anyhow::anyhow!("audit journal stopped"));
        let (reply, done) = oneshot::channel();
        self.jobs
            .send(Job { entry, reply })
            .await
            .map_err(|_| stopped())?;
        done.await
            .map_err(|_| stopped())?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("audit journal commit: {e}")))
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    while let Some(batch) = crate::batch::next(&mut rx, MAX_BATCH).await {
        let result = write(&db, &batch).await.map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, entries = batch.len(), "audit batch not committed");
        }
        for job in batch {
            // A client that hung up still has its entry stored; nobody to tell.
            let _ = job.reply.send(result.clone());
        }
    }
}

async fn write(db: &Db, batch: &[Job]) -> sqlx::Result<()> {
    let insert = Sql::new(
        "INSERT INTO audit_log (id, at, actor_id, actor_name, action, target_type, target_id, \
         detail, ip, request_id) VALUES ",
    )
    .rows(batch.iter().map(|Job { entry: e, .. }| {
        [
            Arg::from(crate::new_id()),
            Arg::from(e.at),
            Arg::from(&e.actor_id),
            Arg::from(&e.actor_name),
            Arg::from(e.action),
            Arg::from(e.target_type),
            Arg::from(&e.target_id),
            Arg::from(&e.detail),
            Arg::from(&e.ip),
            Arg::from(&e.request_id),
        ]
    }));
    let mut tx = db.begin().await?;
    insert.execute(&mut tx).await?;
    tx.commit().await
}
