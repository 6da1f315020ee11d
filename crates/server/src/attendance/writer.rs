//! Group commit (成组提交) of taps at the door.
//!
//! With `synchronous=FULL` every SQLite commit waits for an fsync, so one commit per check-in caps
//! the door at the disk's fsync rate. One writer task per process instead takes every tap that is
//! waiting, applies each inside its own savepoint of **one** transaction, commits once, and only
//! then answers each request: an acknowledged tap is always durable, a tap whose own statements
//! fail is rolled back to its savepoint without touching the others, and a failed commit answers
//! every tap of the batch with an error (none of them was acknowledged). Several server
//! processes on PostgreSQL each have their own writer; row locks (`FOR UPDATE`) order them.

use tokio::sync::{mpsc, oneshot};

use super::tap::{self, Prepared};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::idempotency::Stored;
use crate::on_tx;

/// Most taps in one commit: bounds the time the first tap of a batch waits for the last.
const MAX_BATCH: usize = 256;
/// Taps waiting beyond this make new requests wait for room (back-pressure, not memory growth).
const QUEUE: usize = 4096;

struct Job {
    tap: Prepared,
    reply: oneshot::Sender<Result<Stored, AppError>>,
}

/// The handle requests send their taps through.
#[derive(Clone, Debug)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts the writer task on `db`; it ends when the last handle is dropped.
    pub fn start(db: Db) -> Writer {
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, rx));
        Writer { jobs }
    }

    /// Applies one tap and returns its answer once the answer is durable.
    pub async fn submit(&self, tap: Prepared) -> Result<Stored, AppError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job { tap, reply })
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("attendance writer stopped")))?;
        answer
            .await
            .map_err(|_| AppError::Internal(anyhow::anyhow!("attendance writer dropped a tap")))?
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit(&db, batch).await;
    }
}

async fn exec(tx: &mut Tx, sql: &'static str) -> sqlx::Result<()> {
    on_tx!(tx, c => sqlx::query(sql).execute(&mut *c).await.map(|_| ()))
}

/// One tap inside its savepoint: its own failure undoes only its own statements.
async fn one(tx: &mut Tx, tap: &Prepared) -> Result<Result<Stored, AppError>, sqlx::Error> {
    exec(tx, "SAVEPOINT tap").await?;
    match tap::apply_in(tx, tap).await {
        Ok(stored) => {
            exec(tx, "RELEASE SAVEPOINT tap").await?;
            Ok(Ok(stored))
        }
        Err(e) => {
            exec(tx, "ROLLBACK TO SAVEPOINT tap").await?;
            exec(tx, "RELEASE SAVEPOINT tap").await?;
            Ok(Err(e))
        }
    }
}

async fn commit(db: &Db, batch: Vec<Job>) {
    let failed = |e: &sqlx::Error| AppError::Internal(anyhow::anyhow!("attendance commit: {e}"));
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            for job in batch {
                let _ = job.reply.send(Err(failed(&e)));
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(batch.len());
    for job in &batch {
        match one(&mut tx, &job.tap).await {
            Ok(answer) => answers.push(answer),
            Err(e) => {
                // The transaction itself broke: nothing of this batch is acknowledged.
                drop(tx);
                for job in batch {
                    let _ = job.reply.send(Err(failed(&e)));
                }
                return;
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (job, answer) in batch.into_iter().zip(answers) {
                // A client that hung up still has its tap stored; nobody to tell.
                let _ = job.reply.send(answer);
            }
        }
        Err(e) => {
            for job in batch {
                let _ = job.reply.send(Err(failed(&e)));
            }
        }
    }
}
