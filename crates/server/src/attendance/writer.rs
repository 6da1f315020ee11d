//! Group commit (成组提交) of taps at the door.
//!
//! With `synchronous=FULL` every SQLite commit waits for an fsync, so one commit per check-in caps
//! the door at the disk's fsync rate. One writer task per process instead takes every tap that is
//! waiting (up to [`MAX_BATCH`]), reads their Idempotency-Keys and child-days in two statements,
//! decides them in memory in arrival order (a later tap of the batch sees an earlier one), writes
//! the rows, the taps and the answers in three statements, commits once, and only then answers
//! each request: an acknowledged tap is always durable. If the batch fails, nothing of it was
//! committed and its taps are applied again one by one, each in its own savepoint, so one bad
//! tap cannot fail the others; a failed commit answers every tap of that batch with an error. Several server
//! processes on PostgreSQL each have their own writer; row locks (`FOR UPDATE`) order them.

use tokio::sync::{mpsc, oneshot};

use std::collections::{BTreeSet, HashMap};

use super::store::{self, Row};
use super::tap::{self, Prepared};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::idempotency::{self, Key, Stored};
use crate::ids::{ChildId, ClassId};
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
    while let Some(batch) = crate::batch::next(&mut rx, MAX_BATCH).await {
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

/// A child-day: (class id, day, child id).
pub(super) type Pk = (ClassId, String, ChildId);

/// The batch decided in memory after one read of its keys and one of its rows, then written in
/// three statements — about seven round trips per batch instead of seven per tap.
async fn decide_all(tx: &mut Tx, batch: &[Job]) -> Result<Vec<Result<Stored, AppError>>, AppError> {
    let now = crate::now();
    let keys: Vec<&Key> = batch.iter().filter_map(|j| j.tap.key.as_ref()).collect();
    let mut answered = idempotency::lookup_many(tx, &keys).await?;
    let mut pks: Vec<Pk> = batch.iter().map(|j| pk(&j.tap)).collect();
    pks.sort();
    pks.dedup();
    let mut rows: HashMap<Pk, Row> = store::rows_in(tx, &pks)
        .await?
        .into_iter()
        .map(|r| ((r.class_id, r.day.clone(), r.child_id), r))
        .collect();
    // Who was checked in before the batch: the child-days present it adds or takes away.
    let arrived: BTreeSet<Pk> = rows
        .iter()
        .filter(|(_, r)| r.in_at.is_some())
        .map(|(k, _)| k.clone())
        .collect();
    let mut dirty: BTreeSet<Pk> = BTreeSet::new();
    let mut events = Vec::with_capacity(batch.len());
    let mut new_keys: Vec<(&Key, Stored)> = Vec::new();
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        let t = &job.tap;
        if let Some(k) = &t.key {
            match k.answer_in(&answered) {
                Ok(Some(stored)) => {
                    answers.push(Ok(stored));
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    answers.push(Err(e));
                    continue;
                }
            }
        }
        let at = pk(t);
        let row = rows.get(&at).cloned().unwrap_or_else(|| tap::empty_row(t));
        let d = tap::decide(&row, t, now)?;
        if let Some(n) = d.new_row {
            rows.insert(at.clone(), n);
            dirty.insert(at);
        }
        events.push(d.event);
        if let Some(k) = &t.key {
            let entry = (k.fingerprint.clone(), d.stored.clone());
            answered.insert((k.user_id, k.key.clone()), entry);
            new_keys.push((k, d.stored.clone()));
        }
        answers.push(Ok(d.stored));
    }
    let changed: Vec<&Row> = dirty.iter().filter_map(|k| rows.get(k)).collect();
    store::save_rows(tx, &changed, now).await?;
    let hosts: HashMap<ClassId, &Prepared> =
        batch.iter().map(|j| (j.tap.class_id, &j.tap)).collect();
    let present: Vec<crate::dashboard::days::Arrival> = changed
        .iter()
        .filter_map(|r| {
            let key = (r.class_id, r.day.clone(), r.child_id);
            let before = i64::from(arrived.contains(&key));
            let t = hosts.get(&r.class_id)?;
            Some(crate::dashboard::days::Arrival {
                class_id: r.class_id,
                programme_id: t.programme_id,
                host_path: &t.host_path,
                day: &r.day,
                change: i64::from(r.in_at.is_some()) - before,
            })
        })
        .collect();
    crate::dashboard::days::present_changed(tx, &present).await?;
    store::insert_events(tx, &events).await?;
    let refs: Vec<(&Key, &Stored)> = new_keys.iter().map(|(k, s)| (*k, s)).collect();
    idempotency::remember_many(tx, &refs).await?;
    Ok(answers)
}

fn pk(t: &Prepared) -> Pk {
    (t.class_id, t.day.clone(), t.child_id)
}

/// The fast path: one transaction for the whole batch.
async fn fast(db: &Db, batch: &[Job]) -> Result<Vec<Result<Stored, AppError>>, AppError> {
    let mut tx = db.begin().await?;
    let answers = decide_all(&mut tx, batch).await?;
    tx.commit().await?;
    Ok(answers)
}

async fn commit(db: &Db, batch: Vec<Job>) {
    match fast(db, &batch).await {
        Ok(answers) => {
            for (job, answer) in batch.into_iter().zip(answers) {
                // A client that hung up still has its tap stored; nobody to tell.
                let _ = job.reply.send(answer);
            }
            return;
        }
        // Nothing of the batch was committed: apply its taps one by one, so one bad tap
        // cannot fail the others.
        Err(e) => tracing::warn!(error = %e, taps = batch.len(), "tap batch failed; one by one"),
    }
    one_by_one(db, batch).await;
}

async fn one_by_one(db: &Db, batch: Vec<Job>) {
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
