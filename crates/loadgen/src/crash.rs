//! The crash test (issue 6): check-ins under load while the server is killed with SIGKILL at
//! random moments and started again, `kills` times. A request that got no answer is sent again
//! after the restart with the **same** Idempotency-Key and body, as a phone would. At the end,
//! every check-in the clients saw acknowledged must be in `attendance`, each child-day must have
//! exactly one applied check-in in `attendance_events`, and SQLite's `PRAGMA integrity_check`
//! must say `ok`.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use serde::Serialize;
use tuoguan::db::Db;

use crate::seed::Seeded;
use crate::server::{Launch, Server, tokens};

/// One check-in to make: its class, child, day, staff token and key (kept across crashes).
#[derive(Debug, Clone)]
pub(crate) struct Work {
    class_id: String,
    child_id: String,
    day: String,
    token: Arc<str>,
    key: String,
}

/// What the run saw.
#[derive(Debug, Default, Serialize)]
pub struct CrashReport {
    pub kills: usize,
    pub acknowledged: usize,
    pub found: usize,
    pub lost: usize,
    /// Child-days with more than one applied check-in.
    pub duplicated: usize,
    /// Requests without an answer when the server died, sent again after the restart.
    pub resent: usize,
    /// Answers other than 201 (a resent request refused: its key was not honoured).
    pub refused: usize,
    pub integrity: String,
}

impl CrashReport {
    pub fn ok(&self) -> bool {
        self.lost == 0
            && self.duplicated == 0
            && self.refused == 0
            && self.integrity == "ok"
            && self.acknowledged > 0
    }

    pub fn text(&self) -> String {
        format!(
            "== crash test: {} kills (SIGKILL)\nacknowledged {}, found {}, lost {}, duplicated {}, resent after a crash {}, refused {}, integrity_check {}\n{}\n",
            self.kills,
            self.acknowledged,
            self.found,
            self.lost,
            self.duplicated,
            self.resent,
            self.refused,
            self.integrity,
            if self.ok() { "PASS" } else { "FAIL" }
        )
    }
}

/// A pseudo-random number in `lo..hi` from the clock (no dependency for one number).
fn between(lo: u64, hi: u64) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    lo + nanos.wrapping_mul(6_364_136_223_846_793_005) % (hi - lo).max(1)
}

/// Every child-day of the seed, spread over the classes, with a fresh key each.
pub(crate) fn work(
    seeded: &Seeded,
    tokens: &std::collections::HashMap<String, String>,
) -> VecDeque<Work> {
    let mut out = VecDeque::new();
    for day in &seeded.days {
        let most = seeded.most_children();
        for n in 0..most {
            for c in &seeded.classes {
                let (Some(child), Some(token)) = (c.children.get(n), tokens.get(&c.username))
                else {
                    continue;
                };
                out.push_back(Work {
                    class_id: c.id.clone(),
                    child_id: child.clone(),
                    day: day.clone(),
                    token: Arc::from(token.as_str()),
                    key: tuoguan::new_id(),
                });
            }
        }
    }
    out
}

#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) todo: VecDeque<Work>,
    pub(crate) acked: BTreeSet<(String, String, String)>,
    pub(crate) resend: Vec<Work>,
    pub(crate) refused: usize,
}

/// One client: takes work until the queue is empty or the server stops answering.
/// `n` clients working through the shared queue against `base`.
pub(crate) fn spawn_clients(
    n: usize,
    http: &reqwest::Client,
    base: &str,
    shared: &Arc<Mutex<Shared>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|_| tokio::spawn(client(http.clone(), base.to_string(), shared.clone())))
        .collect()
}

async fn client(http: reqwest::Client, base: String, shared: Arc<Mutex<Shared>>) {
    loop {
        let Some(w) = shared.lock().ok().and_then(|mut s| s.todo.pop_front()) else {
            return;
        };
        let body = serde_json::json!({"child_id": w.child_id, "action": "check_in", "day": w.day, "person": "家长"});
        let res = http
            .post(format!("{base}/api/v1/classes/{}/attendance", w.class_id))
            .bearer_auth(&*w.token)
            .header("Idempotency-Key", &w.key)
            .json(&body)
            .send()
            .await;
        let status = match res {
            Ok(r) => {
                let status = r.status().as_u16();
                // A cut in the middle of the body is no answer either.
                r.text().await.map(|_| status).ok()
            }
            Err(_) => None,
        };
        let Ok(mut s) = shared.lock() else { return };
        if status.is_some_and(|st| st != 201) {
            s.refused += 1;
            continue;
        }
        if status.is_some() {
            s.acked.insert((w.class_id, w.day, w.child_id));
        } else {
            // No answer (or not a 201): the tap may or may not be stored. Send it again, same
            // key, after the restart, and stop this client: the server is gone.
            s.resend.push(w);
            return;
        }
    }
}

/// Runs the crash test on a seeded database.
pub async fn run(
    http: &reqwest::Client,
    launch: &Launch<'_>,
    db: &Db,
    seeded: &Seeded,
    kills: usize,
    clients: usize,
) -> anyhow::Result<CrashReport> {
    let first = Server::start(launch.clone(), http).await?;
    let users: Vec<String> = seeded.classes.iter().map(|c| c.username.clone()).collect();
    let toks = tokens(http, &first.base, &users, &seeded.password).await?;
    first.kill().await?;
    let shared = Arc::new(Mutex::new(Shared {
        todo: work(seeded, &toks),
        ..Shared::default()
    }));
    let mut report = CrashReport {
        kills,
        ..CrashReport::default()
    };
    for round in 0..kills {
        let srv = Server::start(launch.clone(), http).await?;
        requeue(&shared, &mut report);
        let tasks = spawn_clients(clients, http, &srv.base, &shared);
        tokio::time::sleep(Duration::from_millis(between(200, 1200))).await;
        srv.kill().await?;
        for t in tasks {
            t.await.context("a client panicked")?;
        }
        let done = shared.lock().map(|s| s.acked.len()).unwrap_or(0);
        eprintln!("kill {}: {done} acknowledged so far", round + 1);
    }
    // After the last kill: only the unanswered requests are sent again, then a clean stop.
    let srv = Server::start(launch.clone(), http).await?;
    if let Ok(mut s) = shared.lock() {
        s.todo.clear();
    }
    requeue(&shared, &mut report);
    client(http.clone(), srv.base.clone(), shared.clone()).await;
    srv.stop().await?;
    let acked = shared.lock().map(|s| s.acked.clone()).unwrap_or_default();
    report.refused = shared.lock().map(|s| s.refused).unwrap_or(0);
    verify(db, &acked, &mut report).await?;
    Ok(report)
}

/// Puts the unanswered requests of the last round first in the queue, keys unchanged.
fn requeue(shared: &Arc<Mutex<Shared>>, report: &mut CrashReport) {
    if let Ok(mut s) = shared.lock() {
        let again: Vec<Work> = s.resend.drain(..).collect();
        report.resent += again.len();
        for w in again.into_iter().rev() {
            s.todo.push_front(w);
        }
    }
}

/// Counts what the database holds of the acknowledged check-ins.
async fn verify(
    db: &Db,
    acked: &BTreeSet<(String, String, String)>,
    report: &mut CrashReport,
) -> anyhow::Result<()> {
    const ROWS: &str = "SELECT class_id, day, child_id FROM attendance WHERE in_at IS NOT NULL";
    const EVENTS: &str = "SELECT class_id, day, child_id, COUNT(*) FROM attendance_events \
        WHERE action = 'check_in' AND outcome = 'applied' GROUP BY class_id, day, child_id";
    let rows: Vec<(String, String, String)> =
        tuoguan::on_db!(db, p => sqlx::query_as(ROWS).fetch_all(p).await)?;
    let present: BTreeSet<(String, String, String)> = rows.into_iter().collect();
    let events: Vec<(String, String, String, i64)> =
        tuoguan::on_db!(db, p => sqlx::query_as(EVENTS).fetch_all(p).await)?;
    report.acknowledged = acked.len();
    report.found = acked.iter().filter(|k| present.contains(*k)).count();
    report.lost = report.acknowledged - report.found;
    report.duplicated = events.iter().filter(|e| e.3 > 1).count();
    report.integrity = match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(p)
                .await?
        }
        Db::Pg(_) => "ok".into(),
    };
    Ok(())
}
