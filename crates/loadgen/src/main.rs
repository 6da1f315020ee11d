//! `tuoguan-loadgen`: the check-in load benchmark (issue 5). Seeds a fresh database, starts the
//! server binary on it, measures the raw single-row durable commit limit of the same backend with
//! the same settings while the server is idle, drives `POST /api/v1/classes/{id}/attendance` from
//! many clients, verifies that every acknowledged check-in is in the table, and reports both rates,
//! their ratio and the latency percentiles. Exits non-zero when the data does not add up.

mod bulk;
mod cpu;
mod crash;
mod drill;
mod evaluation;
mod evaluation_data;
mod figures;
mod filebench;
mod funding;
mod load;
mod manifest;
mod money;
mod national;
mod previous;
mod raw;
mod readbench;
mod report;
mod reports;
mod seed;
mod server;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use chrono::NaiveDate;
use clap::Parser;
use tuoguan::db::{Backend, Db};

/// Check-in load generator: acknowledged check-ins per second against the raw commit limit.
#[derive(Parser, Debug)]
#[command(version)]
struct Args {
    /// A fresh database: `sqlite:///DIR/bench.db` or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The server binary (build it with `cargo build --release -p tuoguan`).
    #[arg(long, default_value = "target/release/tuoguan")]
    server_bin: PathBuf,
    /// Classes, each hosted by its own grassroots unit with its own class-staff user.
    #[arg(long, default_value_t = 200)]
    classes: usize,
    /// Enrolled children per class.
    #[arg(long, default_value_t = 30)]
    children: usize,
    /// Concurrent HTTP clients (and concurrent tasks of the raw measurement).
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Seconds of each raw-limit measurement (sequential, then concurrent).
    #[arg(long, default_value_t = 5.0)]
    raw_seconds: f64,
    /// Database connections: the server's `TUOGUAN_DB_MAX_CONNECTIONS` and the raw pool.
    #[arg(long, default_value_t = 8)]
    pool: u32,
    /// First day of the classes (their operating days before today are checked in).
    #[arg(long, default_value = "2026-07-06")]
    from: NaiveDate,
    /// Last day of the classes.
    #[arg(long, default_value = "2026-08-14")]
    to: NaiveDate,
    /// Send every n-th acknowledged request of each client again with the same key (0: never).
    #[arg(long, default_value_t = 50)]
    replay_every: u64,
    /// Where the server's log goes (default: beside the SQLite file, or the temp directory).
    #[arg(long)]
    server_log: Option<PathBuf>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Instead of the benchmark, the crash test: kill the server with SIGKILL this many times
    /// under check-in load, restart it, and check that no acknowledged check-in was lost.
    #[arg(long, default_value_t = 0)]
    crash_kills: usize,
    /// Instead of the benchmark, the backup drill: `tuoguan backup` in the middle of `--seconds`
    /// of check-ins, a restore into a fresh database, and a recount.
    #[arg(long)]
    backup_drill: bool,
    /// Instead of the benchmark, generate a dataset of this scale (national, province, small or
    /// P,C,D,U,CHILDREN[,DAYS]) into the fresh database and write its `--manifest`.
    #[arg(long)]
    generate: Option<String>,
    /// Instead of the benchmark, the read benchmark on a generated database (see `--manifest`),
    /// followed by `--seconds` of check-ins (0: none).
    #[arg(long)]
    read_bench: bool,
    /// The generated dataset's manifest (default: beside the SQLite file, or in the temp directory).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Requests per target in the read benchmark.
    #[arg(long, default_value_t = 640)]
    requests: usize,
    /// Only the read targets whose name contains this text.
    #[arg(long, default_value = "")]
    only: String,
    /// Rounds per client of the large-file load after the reads (a roster upload of nearly
    /// 8 MiB and a 10 MiB document download each); 0: none.
    #[arg(long, default_value_t = 2)]
    file_rounds: usize,
    /// Instead of the benchmark, issue 17's on a generated database (see `--manifest`): `--draws`
    /// inspection samples of a province, `--requests` model-class overviews of a city's
    /// applications from `--clients`, then `--seconds` of certificate downloads from `--clients`.
    #[arg(long)]
    evaluation_bench: bool,
    /// Inspection samples drawn in the evaluation benchmark, one province each (the first again,
    /// its plan taken back, when the country has fewer).
    #[arg(long, default_value_t = 5)]
    draws: usize,
    /// Instead of the benchmark, issue 18's on a generated database (see `--manifest`): two
    /// subsidy rules written, each province's qualification read `--runs` times, then the
    /// programme's ledger workbook downloaded `--exports` times.
    #[arg(long)]
    funding_bench: bool,
    /// Qualifications of the province per rule in the funding benchmark.
    #[arg(long, default_value_t = 10)]
    runs: usize,
    /// Downloads of the whole programme's ledger workbook in the funding benchmark.
    #[arg(long, default_value_t = 1)]
    exports: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let backend = Backend::from_url(&args.database_url)?;
    let run = tuoguan::new_id().replace('-', "")[24..].to_string();
    let db = Db::connect(&args.database_url, 4).await?;

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients * 2)
        .timeout(Duration::from_secs(60))
        .build()?;
    let log = args.server_log.clone().unwrap_or_else(|| match backend {
        Backend::Sqlite => raw::sqlite_path(&args.database_url).with_file_name("serve.log"),
        Backend::Postgres => std::env::temp_dir().join(format!("tuoguan-loadgen-{run}.log")),
    });
    let launch = server::Launch {
        bin: &args.server_bin,
        database_url: &args.database_url,
        pool: args.pool,
        log,
    };
    let manifest = args.manifest.clone().unwrap_or_else(|| match backend {
        Backend::Sqlite => raw::sqlite_path(&args.database_url).with_file_name("manifest.json"),
        Backend::Postgres => std::env::temp_dir().join("tuoguan-national-manifest.json"),
    });
    if let Some(scale) = &args.generate {
        let m = national::generate(&db, manifest::Scale::parse(scale)?, &run).await?;
        db.close().await;
        std::fs::write(&manifest, serde_json::to_string_pretty(&m)?)
            .with_context(|| format!("cannot write {}", manifest.display()))?;
        println!(
            "generated {:?} in {:.1} s: {:?}\nmanifest: {}",
            m.scale,
            m.generated_secs,
            m.rows,
            manifest.display()
        );
        return Ok(());
    }
    if args.evaluation_bench {
        db.close().await;
        let m = read_manifest(&manifest)?;
        let amounts = evaluation::Amounts {
            clients: args.clients,
            draws: args.draws,
            requests: args.requests,
            seconds: args.seconds,
        };
        let report = evaluation::bench(&http, launch, &m, amounts).await?;
        print!("{}", report.text());
        if let Some(path) = &args.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        std::process::exit(if report.ok() { 0 } else { 1 });
    }
    if args.funding_bench {
        db.close().await;
        let m = read_manifest(&manifest)?;
        let amounts = funding::Amounts {
            runs: args.runs,
            exports: args.exports,
        };
        let report = funding::bench(&http, launch, &m, amounts).await?;
        print!("{}", report.text());
        if let Some(path) = &args.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        std::process::exit(if report.ok() { 0 } else { 1 });
    }
    if args.read_bench {
        db.close().await;
        let m = read_manifest(&manifest)?;
        let report = readbench::bench(
            &http,
            launch,
            &m,
            &args.only,
            readbench::Amounts {
                clients: args.clients,
                requests: args.requests,
                seconds: args.seconds,
                file_rounds: args.file_rounds,
            },
        )
        .await?;
        print!("{}", report.text());
        if let Some(path) = &args.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        std::process::exit(if report.ok() { 0 } else { 1 });
    }
    let seeded = if args.backup_drill && args.manifest.is_some() {
        // The drill on a generated country: its sample classes check in on the free days.
        let m = read_manifest(&manifest)?;
        readbench::reset_free_days(&args.database_url, &m).await?;
        readbench::seeded(&m)
    } else {
        let started = std::time::Instant::now();
        let plan = seed::Plan {
            classes: args.classes,
            children: args.children,
            from: args.from,
            to: args.to,
            run: run.clone(),
        };
        let seeded = seed::seed(&db, &plan).await.context("seeding")?;
        eprintln!(
            "seeded {} classes × {} children, {} operating days, in {:.1} s",
            args.classes,
            args.children,
            seeded.days.len(),
            started.elapsed().as_secs_f64()
        );
        seeded
    };

    if args.crash_kills > 0 {
        let report =
            crash::run(&http, &launch, &db, &seeded, args.crash_kills, args.clients).await?;
        db.close().await;
        print!("{}", report.text());
        if let Some(path) = &args.json {
            std::fs::write(path, serde_json::to_string_pretty(&report)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        std::process::exit(if report.ok() { 0 } else { 1 });
    }
    if args.backup_drill {
        let dir = drill_dir(backend, &args.database_url);
        let report = drill::run(
            &http,
            &launch,
            &seeded,
            args.clients,
            args.seconds,
            &dir,
            args.manifest.is_some(),
        )
        .await?;
        db.close().await;
        print!("{}", report.text());
        std::process::exit(if report.ok() { 0 } else { 1 });
    }
    let srv = server::Server::start(launch, &http).await?;
    eprintln!("server up at {} (log {})", srv.base, srv.log.display());
    let usernames: Vec<String> = seeded.classes.iter().map(|c| c.username.clone()).collect();
    let tokens = server::tokens(&http, &srv.base, &usernames, &seeded.password).await?;
    if let Some(c) = seeded.classes.first() {
        let token = tokens.get(&c.username).map(String::as_str).unwrap_or("");
        server::check_visible(&http, &srv.base, token, &c.id).await?;
    }

    eprintln!(
        "raw limit: {} s sequential, then {} s with {} tasks on {} connections",
        args.raw_seconds, args.raw_seconds, args.clients, args.pool
    );
    let raw = raw::measure(
        &args.database_url,
        &run,
        args.clients,
        args.pool,
        args.raw_seconds,
    )
    .await?;

    let pairs = load::pairs(&seeded, &srv.base, &tokens)?;
    eprintln!(
        "load: {} clients for {} s over {} check-ins available",
        args.clients,
        args.seconds,
        pairs.len() * seeded.days.len()
    );
    let shape = load::Shape {
        clients: args.clients,
        duration: Duration::from_secs_f64(args.seconds),
        replay_every: args.replay_every,
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu_before = (cpu::seconds(srv.pid()), cpu::seconds(None), cpu::machine());
    let (checkins, outcome) = load::drive(&http, pairs, &seeded.days, shape).await?;
    let cpu_server = cpu::percent(cpu_before.0, cpu::seconds(srv.pid()), checkins.secs);
    let cpu_loadgen = cpu::percent(cpu_before.1, cpu::seconds(None), checkins.secs);
    let cpu_machine = cpu::machine_percent(cpu_before.2, cpu::machine(), cores);
    if outcome.exhausted > 0 {
        eprintln!(
            "warning: {} clients ran out of work before the time was up: raise --classes, --children or the window",
            outcome.exhausted
        );
    }
    let rows_found = seed::checked_in_rows(&db, &seeded.programme_id).await?;
    let server_peak_rss_mb = cpu::peak_rss_mb(srv.pid());
    srv.stop().await?;
    db.close().await;

    let limit = raw.limit();
    let ratio = if limit > 0.0 {
        checkins.per_sec / limit
    } else {
        0.0
    };
    let report = report::Report {
        backend: format!("{backend:?}"),
        clients: args.clients,
        pool: args.pool,
        classes: args.classes,
        children_per_class: args.children,
        days: seeded.days.len(),
        raw_limit_per_sec: limit,
        raw,
        ratio,
        target_ratio_met: ratio >= 0.5,
        target_p99_met: checkins.count > 0 && checkins.p99_ms < 50.0,
        checkins,
        errors: outcome.errors,
        error_samples: outcome.samples,
        replays: outcome.replays,
        replay_mismatches: outcome.mismatches,
        rows_found,
        cpu_server_pct: cpu_server,
        cpu_loadgen_pct: cpu_loadgen,
        cpu_machine_pct: cpu_machine,
        cores,
        server_peak_rss_mb,
    };
    print!("{}", report.text());
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !report.consistent() {
        eprintln!("FAILED: acknowledged check-ins and rows or replays do not agree");
        std::process::exit(1);
    }
    if report.checkins.count == 0 {
        eprintln!("FAILED: no check-in was acknowledged");
        std::process::exit(2);
    }
    Ok(())
}

/// Where the backup drill writes its copy: beside the SQLite file, or in the temp directory.
fn drill_dir(backend: Backend, url: &str) -> PathBuf {
    match backend {
        Backend::Sqlite => raw::sqlite_path(url)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir),
        Backend::Postgres => std::env::temp_dir(),
    }
}

fn read_manifest(path: &std::path::Path) -> anyhow::Result<manifest::Manifest> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}: generate first", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}
