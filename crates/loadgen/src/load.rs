//! The load: client tasks, each owning a disjoint set of (class, child) pairs spread over many
//! classes, checking each child in once per operating day with
//! `POST /api/v1/classes/{id}/attendance`, a bearer token of the class's staff and a fresh
//! Idempotency-Key; a sample of requests is sent again with the same key and body and must get
//! the identical answer back.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::report::Throughput;
use crate::seed::Seeded;

/// One child of one class, and what it takes to check them in.
#[derive(Debug, Clone)]
pub struct Pair {
    pub url: Arc<str>,
    pub token: Arc<str>,
    pub child_id: String,
}

/// How the load runs.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub clients: usize,
    pub duration: Duration,
    /// Every n-th acknowledged request of a client is sent again (0: never).
    pub replay_every: u64,
}

/// What the clients saw.
#[derive(Debug, Default)]
pub struct Outcome {
    pub acked: Vec<Duration>,
    pub errors: BTreeMap<String, u64>,
    pub samples: Vec<String>,
    pub replays: u64,
    pub mismatches: u64,
    /// Clients that ran out of (child, day) pairs before the time was up.
    pub exhausted: usize,
}

impl Outcome {
    fn merge(&mut self, o: Outcome) {
        self.acked.extend(o.acked);
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for s in o.samples {
            if self.samples.len() < 5 && !self.samples.contains(&s) {
                self.samples.push(s);
            }
        }
        self.replays += o.replays;
        self.mismatches += o.mismatches;
        self.exhausted += o.exhausted;
    }

    fn error(&mut self, kind: String, sample: String) {
        *self.errors.entry(kind).or_default() += 1;
        if self.samples.len() < 3 && !self.samples.contains(&sample) {
            self.samples.push(sample);
        }
    }
}

/// Every (class, child) pair, interleaved so that consecutive pairs are in different classes.
pub fn pairs(
    seeded: &Seeded,
    base: &str,
    tokens: &HashMap<String, String>,
) -> anyhow::Result<Vec<Pair>> {
    let mut per_class = Vec::with_capacity(seeded.classes.len());
    for c in &seeded.classes {
        let token = tokens
            .get(&c.username)
            .with_context(|| format!("no token for {}", c.username))?;
        let url: Arc<str> = Arc::from(format!("{base}/api/v1/classes/{}/attendance", c.id));
        per_class.push((url, Arc::<str>::from(token.as_str()), &c.children));
    }
    let most = seeded.most_children();
    let mut out = Vec::new();
    for n in 0..most {
        for (url, token, kids) in &per_class {
            if let Some(child) = kids.get(n) {
                out.push(Pair {
                    url: url.clone(),
                    token: token.clone(),
                    child_id: child.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// One attendance request; the status and body text, or the transport error.
async fn post(
    http: &reqwest::Client,
    pair: &Pair,
    key: &str,
    body: &serde_json::Value,
) -> Result<(u16, String), String> {
    let res = http
        .post(&*pair.url)
        .bearer_auth(&*pair.token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .map_err(|e| format!("{e}"))?;
    let status = res.status().as_u16();
    let text = res.text().await.map_err(|e| format!("{e}"))?;
    Ok((status, text))
}

/// One client: its pairs, day after day, until the time is up or the work runs out.
async fn client(
    http: reqwest::Client,
    mine: Vec<Pair>,
    days: Arc<[String]>,
    deadline: Instant,
    replay_every: u64,
) -> Outcome {
    let mut out = Outcome::default();
    let mut acked: u64 = 0;
    for day in days.iter() {
        for pair in &mine {
            if Instant::now() >= deadline {
                return out;
            }
            let key = tuoguan::new_id();
            let body = serde_json::json!({
                "child_id": pair.child_id,
                "action": "check_in",
                "day": day,
                "person": "家长",
            });
            let started = Instant::now();
            match post(&http, pair, &key, &body).await {
                Ok((status @ (200 | 201), text)) => {
                    out.acked.push(started.elapsed());
                    acked += 1;
                    if replay_every > 0 && acked.is_multiple_of(replay_every) {
                        out.replays += 1;
                        match post(&http, pair, &key, &body).await {
                            Ok(again) if again == (status, text) => {}
                            Ok((s, t)) => {
                                out.mismatches += 1;
                                out.error(
                                    "replay mismatch".into(),
                                    format!("replay got HTTP {s}: {}", clip(&t)),
                                );
                            }
                            Err(e) => out.error("connection".into(), e),
                        }
                    }
                }
                Ok((status, text)) => out.error(
                    format!("HTTP {status}"),
                    format!("HTTP {status}: {}", clip(&text)),
                ),
                Err(e) => out.error("connection".into(), e),
            }
        }
    }
    out.exhausted = 1;
    out
}

fn clip(s: &str) -> String {
    s.chars().take(160).collect()
}

/// Runs `shape.clients` clients over `pairs` (pair k goes to client k mod clients) and the days.
pub async fn drive(
    http: &reqwest::Client,
    pairs: Vec<Pair>,
    days: &[String],
    shape: Shape,
) -> anyhow::Result<(Throughput, Outcome)> {
    let clients = shape.clients.max(1);
    let mut shares: Vec<Vec<Pair>> = vec![Vec::new(); clients];
    for (k, p) in pairs.into_iter().enumerate() {
        shares[k % clients].push(p);
    }
    let days: Arc<[String]> = Arc::from(days.to_vec());
    let started = Instant::now();
    let deadline = started + shape.duration;
    let mut handles = Vec::with_capacity(clients);
    for mine in shares {
        handles.push(tokio::spawn(client(
            http.clone(),
            mine,
            days.clone(),
            deadline,
            shape.replay_every,
        )));
    }
    let mut total = Outcome::default();
    for h in handles {
        total.merge(h.await?);
    }
    let elapsed = started.elapsed();
    let throughput = Throughput::new(total.acked.clone(), elapsed);
    Ok((throughput, total))
}
