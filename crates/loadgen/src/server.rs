//! The server under test: the release binary started as a child process on a free loopback port,
//! waited for on `/healthz`, and one bearer token per seeded class-staff user.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde::Deserialize;
use tokio::process::{Child, Command};

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

/// How to start the server.
#[derive(Clone)]
pub struct Launch<'a> {
    pub bin: &'a Path,
    pub database_url: &'a str,
    pub pool: u32,
    pub log: PathBuf,
}

/// A free port on 127.0.0.1 (bound once, then released for the server).
fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").context("no free loopback port")?;
    Ok(l.local_addr()?.port())
}

/// 64 hex digits from the kernel's random source: a data key for this run only.
fn random_data_key() -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Server {
    /// Starts `bin serve` and waits until `/healthz` answers (at most 60 s).
    pub async fn start(l: Launch<'_>, http: &reqwest::Client) -> anyhow::Result<Server> {
        let port = free_port()?;
        let bind = format!("127.0.0.1:{port}");
        let out = std::fs::File::create(&l.log)
            .with_context(|| format!("cannot create {}", l.log.display()))?;
        let err = out.try_clone()?;
        let child = Command::new(l.bin)
            .args(["serve", "--bind", &bind])
            .env("DATABASE_URL", l.database_url)
            .env("TUOGUAN_DATA_KEY", random_data_key()?)
            .env("TUOGUAN_DB_MAX_CONNECTIONS", l.pool.to_string())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start {}", l.bin.display()))?;
        let mut server = Server {
            child,
            base: format!("http://{bind}"),
            log: l.log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!(
                    "the server exited ({status}) before answering; see {}",
                    server.log.display()
                );
            }
            let ok = http
                .get(format!("{}/healthz", server.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return Ok(server);
            }
            if Instant::now() > deadline {
                bail!(
                    "the server did not answer /healthz in 60 s; see {}",
                    server.log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the server with SIGKILL — no draining, no clean close of the database — and waits
    /// until it is gone.
    pub async fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Asks the server to stop (SIGTERM: it drains and closes the pool), waits up to 10 s, then
    /// kills it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            self.child.kill().await?;
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

/// A bearer token for each of `usernames` (8 sign-ins at a time), by username.
pub async fn tokens(
    http: &reqwest::Client,
    base: &str,
    usernames: &[String],
    password: &str,
) -> anyhow::Result<HashMap<String, String>> {
    let mut out = HashMap::with_capacity(usernames.len());
    for batch in usernames.chunks(8) {
        let mut tasks = Vec::with_capacity(batch.len());
        for u in batch {
            let (http, url, u) = (http.clone(), format!("{base}/api/v1/auth/token"), u.clone());
            let body = serde_json::json!({"username": u, "password": password});
            tasks.push(tokio::spawn(async move {
                let res = http.post(url).json(&body).send().await?;
                let status = res.status();
                if !status.is_success() {
                    bail!("sign-in of {u}: HTTP {status}: {}", res.text().await?);
                }
                let t: Token = res.json().await?;
                Ok((u, t.token))
            }));
        }
        for t in tasks {
            let (u, token) = t.await??;
            out.insert(u, token);
        }
    }
    Ok(out)
}

/// Fails unless the class answers `GET /api/v1/classes/{id}` to its staff's token: the seed is
/// something the server reads as a real class in that user's scope.
pub async fn check_visible(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    class_id: &str,
) -> anyhow::Result<()> {
    let res = http
        .get(format!("{base}/api/v1/classes/{class_id}"))
        .bearer_auth(token)
        .send()
        .await?;
    let status = res.status();
    if !status.is_success() {
        bail!(
            "seeded class {class_id} is not visible to its staff: HTTP {status}: {}",
            res.text().await?
        );
    }
    Ok(())
}
