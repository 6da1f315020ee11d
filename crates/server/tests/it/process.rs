//! The `tuoguan` binary as an operator runs it: CLI commands, logs, SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::Backend;
use crate::support::{PASSWORD, TestDb};

const BIN: &str = env!("CARGO_BIN_EXE_tuoguan");

fn tuoguan(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", db)
        .env("TUOGUAN_FAST_HASH", "true")
        .output()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn an_unknown_database_scheme_stops_the_binary_with_a_clear_message() {
    let out = tuoguan("mysql://root@localhost/tuoguan", &["migrate"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unsupported scheme 'mysql'"), "{err}");
}

#[tokio::test]
async fn user_add_creates_a_system_admin_who_can_sign_in() {
    let db = TestDb::new(Backend::Sqlite).await;
    let out = tuoguan(
        &db.url,
        &[
            "user",
            "add",
            "--username",
            "ops",
            "--password",
            "Night-shift-2026",
            "--role",
            "system_admin",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tuoguan(
        &db.url,
        &[
            "user",
            "add",
            "--username",
            "ops2",
            "--password",
            "123",
            "--role",
            "system_admin",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));
    let state = tuoguan::AppState::open(crate::support::config(&db.url))
        .await
        .unwrap();
    let users = tuoguan::users::list(&state.db, &tuoguan::auth::Scope::All, 0, 100_000)
        .await
        .unwrap();
    assert_eq!(
        users
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        vec!["ops"]
    );
}

/// Serves, takes sign-ins and requests carrying a phone number, then gets SIGTERM: it must exit 0
/// after draining, and its log must hold no password, token or phone number.
#[tokio::test]
async fn serve_logs_no_secrets_and_exits_cleanly_on_sigterm() {
    let db = TestDb::new(Backend::Sqlite).await;
    assert!(tuoguan(&db.url, &["demo"]).status.success());
    let port = free_port();
    let log = std::env::temp_dir().join(format!("tuoguan-log-{port}.txt"));
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db.url)
        .env("TUOGUAN_FAST_HASH", "true")
        .env("TUOGUAN_LOG", "debug,sqlx=debug")
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let phone = "13912345678";
    let res = http
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "city_admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let _ = http
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": phone, "password": "Secret-wrong-1"}))
        .send()
        .await
        .unwrap();
    let _ = http
        .get(format!("{base}/api/v1/orgs?phone={phone}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            exited = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let exited = exited.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("no exit within 5 s of SIGTERM")
    });
    assert!(exited.success(), "{exited}");
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(text.contains("stopped cleanly"), "{text}");
    assert!(
        text.contains("request_id"),
        "log lines carry the request id"
    );
    for secret in [PASSWORD, "Secret-wrong-1", token.as_str(), phone] {
        assert!(!text.contains(secret), "the log leaks {secret}");
    }
}
