//! `tuoguan` — the command line: serve | migrate | demo | backup | user add.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tuoguan::{AppState, Config};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tuoguan",
    version,
    about = "职工子女爱心托管 — the trade unions' holiday care platform"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve HTTP (migrates the database first).
    Serve {
        /// `BIND`: address to listen on.
        #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
    },
    /// Apply database migrations and load the shipped calendar, then exit.
    Migrate,
    /// Load the demo federation (示例市总工会) with users for every role; does nothing if loaded.
    Demo,
    /// Write a consistent copy of the database while the server runs.
    Backup {
        /// Target file (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Re-run a published lottery draw (the JSON of `GET /api/v1/classes/{id}/lottery`, one draw
    /// or the list) and say whether the result is the same. Needs no database.
    Lottery {
        /// The published draw, as JSON.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a user with one role.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password: String,
        /// e.g. system_admin, federation_admin, grassroots_admin
        #[arg(long)]
        role: String,
        /// Organisation id the role is bound to (not for system_admin).
        #[arg(long)]
        org: Option<String>,
        /// Name shown in the UI (defaults to the username).
        #[arg(long)]
        name: Option<String>,
    },
}

fn init_logging() {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter =
        EnvFilter::try_from_env("TUOGUAN_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    if std::env::var("TUOGUAN_LOG_FORMAT").as_deref() == Ok("json") {
        fmt().with_env_filter(filter).json().init();
    } else {
        fmt().with_env_filter(filter).init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_logging();
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Serve { bind } => serve(cli.config, bind).await,
        Cmd::Migrate => {
            let state = AppState::open(cli.config).await?;
            state.db.close().await;
            println!("migrations applied");
            Ok(())
        }
        Cmd::Demo => {
            let state = AppState::open(cli.config).await?;
            let loaded = tuoguan::demo::load(&state).await?;
            state.db.close().await;
            if loaded {
                println!("demo federation loaded; see README for sign-ins")
            } else {
                println!("demo already loaded")
            }
            Ok(())
        }
        Cmd::Lottery { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let v: serde_json::Value = serde_json::from_str(&text).context("not JSON")?;
            let draws: Vec<tuoguan::enrolment::lottery::PublishedDraw> = match v {
                serde_json::Value::Array(_) => serde_json::from_value(v)?,
                one => vec![serde_json::from_value(one)?],
            };
            let mut all = true;
            for d in &draws {
                let same = tuoguan::enrolment::lottery::verify(d);
                all &= same;
                let verdict = if same {
                    "same result"
                } else {
                    "DIFFERENT result"
                };
                println!(
                    "draw {}: seed {} ({:?}), {} places, {} applicants: {verdict}",
                    d.id,
                    d.seed,
                    d.seed_text,
                    d.places,
                    d.applicants.len()
                );
            }
            if all {
                Ok(())
            } else {
                anyhow::bail!("a re-run gave a different result")
            }
        }
        Cmd::Backup { to } => {
            tuoguan::backup::run(&cli.config.database_url, &to).await?;
            println!("backup written to {}", to.display());
            Ok(())
        }
        Cmd::User {
            cmd:
                UserCmd::Add {
                    username,
                    password,
                    role,
                    org,
                    name,
                },
        } => {
            let org = match org.as_deref() {
                Some(o) => Some(
                    tuoguan::ids::OrgId::parse(o)
                        .with_context(|| format!("--org {o}: not an organisation id (a UUID)"))?,
                ),
                None => None,
            };
            let state = AppState::open(cli.config).await?;
            let id = tuoguan::demo::add_user(
                &state,
                &username,
                &password,
                &role,
                org.as_ref(),
                name.as_deref(),
            )
            .await?;
            state.db.close().await;
            println!("user {username} created: {id}");
            Ok(())
        }
    }
}

async fn serve(config: Config, bind: SocketAddr) -> anyhow::Result<()> {
    let state = AppState::open(config).await?;
    let db = state.db.clone();
    let sweeper = db.clone();
    let jobs = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = tuoguan::auth::purge_expired(&sweeper, tuoguan::now()).await {
                tracing::warn!(error = %e, "session purge failed");
            }
            match tuoguan::programmes::reminders::enqueue(&sweeper, tuoguan::calendar::today())
                .await
            {
                Ok(n) if n > 0 => tracing::info!(queued = n, "milestone reminders queued"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "reminder job failed"),
            }
            match tuoguan::enrolment::retention::run(&jobs, tuoguan::calendar::today()).await {
                Ok(n) if n > 0 => {
                    tracing::info!(children = n, "children's data anonymised after retention")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention job failed"),
            }
            if let Err(e) = tuoguan::idempotency::purge(&jobs.db, tuoguan::now()).await {
                tracing::warn!(error = %e, "idempotency key purge failed");
            }
        }
    });
    let app = tuoguan::app::router(state);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    tracing::info!(%bind, "tuoguan listening on http://{bind}/");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    db.close().await;
    tracing::info!("stopped cleanly");
    Ok(())
}

/// SIGTERM or Ctrl-C: stop accepting, finish in-flight requests, exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received; draining requests");
}
