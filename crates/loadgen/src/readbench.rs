//! The read benchmark on a generated dataset (issue 6): each page or export that federations and
//! classes open every day, requested by many clients at once as the user who would open it; then
//! a short check-in load on the days left without attendance, so the server's peak memory covers
//! reads and writes at that size. Every answer must be 200 with a body.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;

use crate::manifest::{Counts, Manifest};
use crate::report::Throughput;

/// One URL as one user.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: &'static str,
    pub path: String,
    pub user: String,
}

/// What the users open, by the user who opens it.
pub fn targets(m: &Manifest) -> Vec<Target> {
    let pid = &m.programme_id;
    let t = |name, path: String, user: &String| Target {
        name,
        path,
        user: user.clone(),
    };
    vec![
        t("home (page)", "/".into(), &m.national_user),
        // Each role's home is a to-do list (issue 15): its counts must stay indexed reads.
        t("home of class staff (page)", "/".into(), &m.staff_user),
        t("home of a unit (page)", "/".into(), &m.unit_user),
        t("home of a city (page)", "/".into(), &m.city_user),
        t("home of a province (page)", "/".into(), &m.province_user),
        t("home of a parent (page)", "/".into(), &m.parent_user),
        t("organisations (page)", "/orgs".into(), &m.national_user),
        t("users (page)", "/users".into(), &m.national_user),
        t(
            "programme and its classes (page)",
            format!("/programmes/{pid}"),
            &m.national_user,
        ),
        t(
            "classes, first 1,000 (API)",
            format!("/api/v1/classes?programme_id={pid}"),
            &m.national_user,
        ),
        t(
            "national dashboard (API)",
            format!(
                "/api/v1/orgs/{}/dashboard?programme_id={pid}",
                m.national_id
            ),
            &m.national_user,
        ),
        t(
            "national dashboard (page)",
            format!("/programmes/{pid}/dashboard"),
            &m.national_user,
        ),
        t(
            "province dashboard (API)",
            format!(
                "/api/v1/orgs/{}/dashboard?programme_id={pid}",
                m.province_id
            ),
            &m.province_user,
        ),
        t(
            "city dashboard (page)",
            format!("/programmes/{pid}/dashboard?org={}", m.city_id),
            &m.city_user,
        ),
        t(
            "city report export (.xlsx)",
            format!("/programmes/{pid}/dashboard.xlsx?org={}", m.city_id),
            &m.city_user,
        ),
        t(
            "class roll (page)",
            format!("/classes/{}/roll", m.class_id),
            &m.staff_user,
        ),
        // The roll of a day the class ran, every child recorded (arrived, collected or absent,
        // with who brought and collected them): the heaviest roll a teacher opens.
        t(
            "class roll of a recorded day (page)",
            format!("/classes/{}/roll?day={}", m.class_id, crate::national::FROM),
            &m.staff_user,
        ),
        t(
            "class metrics (API)",
            format!("/api/v1/classes/{}/metrics", m.class_id),
            &m.unit_user,
        ),
        t(
            "class month sign-in sheet (.xlsx)",
            format!("/classes/{}/attendance.xlsx?month=2026-07", m.class_id),
            &m.unit_user,
        ),
        t(
            "50-child roster export (.xlsx)",
            format!("/classes/{}/roster.xlsx", m.class_id),
            &m.unit_user,
        ),
    ]
    .into_iter()
    .chain(reports(m))
    .filter(|t| !t.user.is_empty())
    .collect()
}

/// The July report compiled (issue 16): the national federation's (the sum of its provinces'
/// approved reports) and the 50-child class's unit's (from its records).
fn reports(m: &Manifest) -> Vec<Target> {
    if m.report_milestone_id.is_empty() {
        return Vec::new();
    }
    let path = format!(
        "/api/v1/programmes/{}/milestones/{}/report",
        m.programme_id, m.report_milestone_id
    );
    vec![
        Target {
            name: "national July report (API)",
            path: path.clone(),
            user: m.national_user.clone(),
        },
        Target {
            name: "unit July report (API)",
            path,
            user: m.unit_user.clone(),
        },
    ]
}

/// Latencies of one target.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    pub name: String,
    pub path: String,
    pub errors: usize,
    pub first_error: Option<String>,
    /// Size of an answer's body.
    pub bytes: usize,
    pub latency: Throughput,
    /// CPU the server spent per request (user + system, its own process only), in ms.
    pub server_cpu_ms: Option<f64>,
    /// CPU the load generator spent per request, in ms: the clients share the server's cores.
    pub client_cpu_ms: Option<f64>,
    /// CPU the rest of the machine spent per request, in ms: on PostgreSQL, mostly the database's
    /// own processes (the machine's busy time less the server's and the clients').
    pub other_cpu_ms: Option<f64>,
}

/// Unmeasured rounds before a target is measured (see [`measure`]).
const WARM_ROUNDS: usize = 3;

/// Sends `requests` GETs of `t` from `clients` clients at once (after unmeasured rounds), and
/// reads the CPU time the server (`server_pid`) and this process spent on them.
pub async fn measure(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    t: &Target,
    clients: usize,
    requests: usize,
    server_pid: Option<u32>,
) -> anyhow::Result<Measured> {
    let url: Arc<str> = Arc::from(format!("{base}{}", t.path));
    let auth: Arc<str> = Arc::from(format!("Bearer {token}"));
    // Unmeasured: rounds of one request from every client at once, so each of the server's
    // database connections has run the target's statements as in a server that has been running.
    // PostgreSQL plans a prepared statement afresh for its first five executions on a connection
    // and only then keeps a plan: one round (about four a connection) left that planning in the
    // measured requests of whichever target came first (its p99 50-80% higher).
    for _ in 0..WARM_ROUNDS {
        let mut warm = tokio::task::JoinSet::new();
        for _ in 0..clients {
            let req = http.get(&*url).header("authorization", &*auth);
            warm.spawn(async move { req.send().await?.bytes().await });
        }
        while let Some(done) = warm.join_next().await {
            done.context("a warm-up request panicked")??;
        }
    }
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = (crate::cpu::seconds(server_pid), crate::cpu::seconds(None));
    let machine_before = crate::cpu::machine();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url, auth, next) = (http.clone(), url.clone(), auth.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = (Vec::new(), 0usize, None::<String>, 0usize);
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let t0 = Instant::now();
                let res = http.get(&*url).header("authorization", &*auth).send().await;
                let answer = match res {
                    Ok(r) => {
                        let status = r.status();
                        r.bytes()
                            .await
                            .map(|b| (status, b.len()))
                            .map_err(|e| e.to_string())
                    }
                    Err(e) => Err(e.to_string()),
                };
                seen.0.push(t0.elapsed());
                match answer {
                    Ok((s, n)) if s.is_success() && n > 0 => seen.3 = n,
                    Ok((s, _)) => {
                        seen.1 += 1;
                        seen.2.get_or_insert(format!("HTTP {s}"));
                    }
                    Err(e) => {
                        seen.1 += 1;
                        seen.2.get_or_insert(e);
                    }
                }
            }
            seen
        }));
    }
    let (mut lat, mut errors, mut first_error, mut bytes) = (Vec::<Duration>::new(), 0, None, 0);
    for task in tasks {
        let (l, e, f, b) = task.await.context("a client panicked")?;
        lat.extend(l);
        errors += e;
        first_error = first_error.or(f);
        bytes = bytes.max(b);
    }
    let elapsed = started.elapsed();
    let per_request = |before: Option<f64>, after: Option<f64>| {
        Some(1000.0 * (after? - before?) / requests.max(1) as f64)
    };
    let server_cpu_ms = per_request(cpu_before.0, crate::cpu::seconds(server_pid));
    let client_cpu_ms = per_request(cpu_before.1, crate::cpu::seconds(None));
    let machine_ms = per_request(
        machine_before.map(|(busy, _)| busy / crate::cpu::TICKS),
        crate::cpu::machine().map(|(busy, _)| busy / crate::cpu::TICKS),
    );
    let other_cpu_ms = match (machine_ms, server_cpu_ms, client_cpu_ms) {
        (Some(m), Some(s), Some(c)) => Some((m - s - c).max(0.0)),
        _ => None,
    };
    Ok(Measured {
        name: t.name.to_string(),
        path: t.path.clone(),
        errors,
        first_error,
        bytes,
        latency: Throughput::new(lat, elapsed),
        server_cpu_ms,
        client_cpu_ms,
        other_cpu_ms,
    })
}

/// Measures every target, each with its user's token.
pub async fn run(
    http: &reqwest::Client,
    base: &str,
    tokens: &HashMap<String, String>,
    m: &Manifest,
    only: &str,
    load: (usize, usize),
    server_pid: Option<u32>,
) -> anyhow::Result<Vec<Measured>> {
    let (clients, requests) = load;
    let mut out = Vec::new();
    for t in targets(m).into_iter().filter(|t| t.name.contains(only)) {
        let token = tokens
            .get(&t.user)
            .with_context(|| format!("no token for {}", t.user))?;
        let r = measure(http, base, token, &t, clients, requests, server_pid).await?;
        eprintln!(
            "{:<36} p50 {:>7.1} ms  p99 {:>7.1} ms  {:>6.0}/s  cpu {} + {} + {} ms  {} errors",
            r.name,
            r.latency.p50_ms,
            r.latency.p99_ms,
            r.latency.per_sec,
            cpu_ms(r.server_cpu_ms),
            cpu_ms(r.client_cpu_ms),
            cpu_ms(r.other_cpu_ms),
            r.errors
        );
        out.push(r);
    }
    Ok(out)
}

fn cpu_ms(ms: Option<f64>) -> String {
    ms.map_or("?".into(), |m| format!("{m:.2}"))
}

/// Everything one read benchmark measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub backend: String,
    pub scale: crate::manifest::Scale,
    pub rows: Counts,
    pub generated_secs: f64,
    pub clients: usize,
    pub reads: Vec<Measured>,
    /// Roster uploads and document downloads at the size limits (none when `file_rounds` is 0).
    pub files: Option<crate::filebench::FileLoad>,
    /// The check-in load on the sample classes after the reads (none when `seconds` is 0).
    pub checkins: Option<Throughput>,
    pub checkin_errors: u64,
    pub server_peak_rss_mb: Option<f64>,
    /// The national dashboard counts every generated unit, running class and place.
    pub figures_ok: bool,
}

impl BenchReport {
    /// Every request answered, dashboards under 100 ms p50, everything under 50 ms p99 is judged
    /// by the reader: this only says whether every answer was a 200 with a body.
    pub fn ok(&self) -> bool {
        self.reads
            .iter()
            .all(|r| r.errors == 0 && r.latency.count > 0)
            && self.checkin_errors == 0
            && self.files.as_ref().is_none_or(|f| f.errors == 0)
    }

    pub fn text(&self) -> String {
        use std::fmt::Write;
        let s = &self.scale;
        let mut out = format!(
            "\n{} · {} provinces, {} cities, {} districts, {} units, {} children, {} attendance rows (generated in {:.0} s)\n\
             {} clients per target\n\n| request | p50 ms | p99 ms | max ms | req/s | server CPU ms/req | client CPU ms/req | other CPU ms/req | body bytes | errors |\n|---|---|---|---|---|---|---|---|---|---|\n",
            self.backend,
            s.provinces,
            s.cities,
            s.districts,
            s.units,
            s.children,
            self.rows.attendance,
            self.generated_secs,
            self.clients
        );
        for r in &self.reads {
            let l = &r.latency;
            let _ = writeln!(
                out,
                "| {} | {:.1} | {:.1} | {:.1} | {:.0} | {} | {} | {} | {} | {}{} |",
                r.name,
                l.p50_ms,
                l.p99_ms,
                l.max_ms,
                l.per_sec,
                cpu_ms(r.server_cpu_ms),
                cpu_ms(r.client_cpu_ms),
                cpu_ms(r.other_cpu_ms),
                r.bytes,
                r.errors,
                r.first_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
        if let Some(f) = &self.files {
            let _ = writeln!(
                out,
                "\nlarge files, all clients at once: {} roster uploads of {:.1} MiB (refused after \
                 reading every row), p50 {:.0} ms, p99 {:.0} ms; {} downloads of a {:.0} MiB \
                 document, p50 {:.0} ms, p99 {:.0} ms; {} errors{}",
                f.uploads.count,
                f.roster_bytes as f64 / 1048576.0,
                f.uploads.p50_ms,
                f.uploads.p99_ms,
                f.downloads.count,
                f.document_bytes as f64 / 1048576.0,
                f.downloads.p50_ms,
                f.downloads.p99_ms,
                f.errors,
                f.first_error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
        if let Some(c) = &self.checkins {
            let _ = writeln!(
                out,
                "\ncheck-ins after the reads: {} at {:.0}/s, p50 {:.1} ms, p99 {:.1} ms, {} errors",
                c.count, c.per_sec, c.p50_ms, c.p99_ms, self.checkin_errors
            );
        }
        let _ = writeln!(
            out,
            "national dashboard counts every unit, running class and place, and last year; kept figures equal a recount (below 2,000 units): {}",
            self.figures_ok
        );
        let _ = writeln!(
            out,
            "server peak resident memory: {}",
            self.server_peak_rss_mb
                .map_or("unknown".into(), |m| format!("{m:.0} MB"))
        );
        out
    }
}

/// Takes back the check-ins an earlier run made on the days left free, so each run of the
/// check-in load starts from the generated state.
pub async fn reset_free_days(url: &str, m: &Manifest) -> anyhow::Result<()> {
    let db = tuoguan::db::Db::connect(url, 1).await?;
    let mut tx = db.begin().await?;
    for table in ["attendance", "attendance_events"] {
        for day in &m.free_days {
            let sql = format!("DELETE FROM {table} WHERE day = $1");
            tuoguan::on_tx!(&mut tx, c => sqlx::query(sqlx::AssertSqlSafe(sql)).bind(day)
                .execute(&mut *c).await.map(|_| ()))?;
        }
    }
    // The child-days present by day of the classes whose rows were taken back.
    let classes: Vec<tuoguan::ids::ClassId> =
        m.sample.iter().filter_map(|c| c.id.parse().ok()).collect();
    tuoguan::dashboard::days::classes_changed(&mut tx, &classes).await?;
    tx.commit().await?;
    db.close().await;
    Ok(())
}

/// How much load the read benchmark puts on: `clients` at once, `requests` per target, then
/// `file_rounds` of large files per client and `seconds` of check-ins (0: none).
#[derive(Debug, Clone, Copy)]
pub struct Amounts {
    pub clients: usize,
    pub requests: usize,
    pub seconds: f64,
    pub file_rounds: usize,
}

/// The generated country's sample classes as a seeded world, for the check-in load on its free days.
pub fn seeded(m: &Manifest) -> crate::seed::Seeded {
    crate::seed::Seeded {
        programme_id: m.programme_id.clone(),
        classes: m
            .sample
            .iter()
            .map(|c| crate::seed::SeedClass {
                id: c.id.clone(),
                username: c.username.clone(),
                children: c.children.clone(),
            })
            .collect(),
        days: m.free_days.clone(),
        password: m.password.clone(),
    }
}

/// Starts the server on a generated database, measures every target, then `seconds` of
/// check-ins on the sample classes, and reads the server's peak memory.
pub async fn bench(
    http: &reqwest::Client,
    launch: crate::server::Launch<'_>,
    m: &Manifest,
    only: &str,
    amounts: Amounts,
) -> anyhow::Result<BenchReport> {
    let Amounts {
        clients,
        requests,
        seconds,
        file_rounds,
    } = amounts;
    let backend = format!("{:?}", tuoguan::db::Backend::from_url(launch.database_url)?);
    let url = launch.database_url.to_string();
    if seconds > 0.0 {
        reset_free_days(launch.database_url, m).await?;
    }
    let srv = crate::server::Server::start(launch, http).await?;
    eprintln!("server up at {} (log {})", srv.base, srv.log.display());
    let mut users = vec![
        m.national_user.clone(),
        m.province_user.clone(),
        m.city_user.clone(),
        m.unit_user.clone(),
        m.staff_user.clone(),
    ];
    if !m.parent_user.is_empty() {
        users.push(m.parent_user.clone());
    }
    let reads_tokens = crate::server::tokens(http, &srv.base, &users, &m.password).await?;
    let load = (clients, requests);
    let reads = run(http, &srv.base, &reads_tokens, m, only, load, srv.pid()).await?;
    let figures_ok = crate::figures::national(http, &srv.base, &reads_tokens, m).await?;
    let mut files = None;
    if file_rounds > 0 {
        let token = &reads_tokens[&m.unit_user];
        let f = crate::filebench::run(http, &srv.base, token, &m.class_id, clients, file_rounds)
            .await?;
        eprintln!(
            "files: {} roster uploads, p99 {:.0} ms; {} document downloads, p99 {:.0} ms; {} errors",
            f.uploads.count, f.uploads.p99_ms, f.downloads.count, f.downloads.p99_ms, f.errors
        );
        files = Some(f);
    }
    let (mut checkins, mut checkin_errors) = (None, 0);
    if seconds > 0.0 {
        let seeded = seeded(m);
        users = seeded.classes.iter().map(|c| c.username.clone()).collect();
        let tokens = crate::server::tokens(http, &srv.base, &users, &m.password).await?;
        let pairs = crate::load::pairs(&seeded, &srv.base, &tokens)?;
        let shape = crate::load::Shape {
            clients,
            duration: Duration::from_secs_f64(seconds),
            replay_every: 0,
        };
        let (t, outcome) = crate::load::drive(http, pairs, &seeded.days, shape).await?;
        checkin_errors = outcome.errors.values().sum();
        checkins = Some(t);
    }
    let server_peak_rss_mb = crate::cpu::peak_rss_mb(srv.pid());
    srv.stop().await?;
    let figures_ok = figures_ok && crate::figures::recount_matches(&url, m).await?;
    Ok(BenchReport {
        backend,
        scale: m.scale,
        rows: m.rows.clone(),
        generated_secs: m.generated_secs,
        clients,
        reads,
        files,
        checkins,
        checkin_errors,
        server_peak_rss_mb,
        figures_ok,
    })
}
