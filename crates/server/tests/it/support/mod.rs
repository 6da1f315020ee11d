//! The test harness: a real tuoguan on a fresh database per test, spoken to over HTTP.
//!
//! `both!(name, body)` runs a story on SQLite and on PostgreSQL. PostgreSQL comes from
//! `TUOGUAN_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`); a test database
//! `tg_<uuid>` is created for each test and dropped afterwards.

pub mod web;

use std::net::SocketAddr;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tuoguan::{AppState, Config};

/// Runs an async story `fn(Backend)` as two tests: `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::support::Backend::Postgres).await
            }
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub const PASSWORD: &str = tuoguan::demo::DEMO_PASSWORD;

pub fn pg_admin_url() -> String {
    std::env::var("TUOGUAN_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh, empty database of the backend; removed when dropped.
pub struct TestDb {
    pub url: String,
    sqlite_file: Option<PathBuf>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let file = std::env::temp_dir().join(format!("tuoguan-test-{id}.db"));
                TestDb {
                    url: format!("sqlite://{}", file.display()),
                    sqlite_file: Some(file),
                    pg_name: None,
                }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("tg_{id}");
                let pool = sqlx::PgPool::connect(&admin)
                    .await
                    .expect("PostgreSQL for tests (TUOGUAN_TEST_PG_URL)");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                TestDb {
                    url: format!("{base}/{name}"),
                    sqlite_file: None,
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(f) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm", ".key"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside any runtime we may block; use a private one on a thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&pg_admin_url()).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
                        pool.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Test configuration: cheap hashing, a small pool.
pub fn config(url: &str) -> Config {
    let mut c = Config::for_database(url);
    c.fast_hash = true;
    c.db_max_connections = 4;
    // A fixed test key: PostgreSQL has no key file beside the database.
    c.data_key = Some("5a".repeat(32));
    c
}

/// A running app on a fresh database with the demo federation loaded.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub http: reqwest::Client,
    pub db: TestDb,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_demo(backend, tweak, None).await
    }

    /// The whole demo loaded as if on `day`: last summer's season and the season running around
    /// `day` (the roll of `day`, or of the next working day, half done). [`TestApp::spawn`] loads
    /// only last summer's season, whose fixed dates the other tests depend on.
    pub async fn spawn_on(backend: Backend, day: chrono::NaiveDate) -> TestApp {
        Self::spawn_demo(backend, |_| {}, Some(day)).await
    }

    /// [`TestApp::spawn_on`] where the calendar has no data for `day`'s year (as in January of a
    /// year whose holidays are not published or not entered yet): the shipped year is removed
    /// before the demo is loaded.
    pub async fn spawn_on_without_its_year(backend: Backend, day: chrono::NaiveDate) -> TestApp {
        use chrono::Datelike;
        let year = day.year();
        Self::spawn_demo_forgetting(backend, |_| {}, Some(day), Some(year)).await
    }

    async fn spawn_demo(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        day: Option<chrono::NaiveDate>,
    ) -> TestApp {
        Self::spawn_demo_forgetting(backend, tweak, day, None).await
    }

    async fn spawn_demo_forgetting(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        day: Option<chrono::NaiveDate>,
        forget_year: Option<i32>,
    ) -> TestApp {
        capture_logs();
        let db = TestDb::new(backend).await;
        let mut cfg = config(&db.url);
        tweak(&mut cfg);
        let state = AppState::open(cfg).await.expect("app state");
        if let Some(y) = forget_year {
            let sql = format!(
                "DELETE FROM calendar_days WHERE day >= '{y:04}-01-01' AND day <= '{y:04}-12-31'"
            );
            tuoguan::on_db!(&state.db, p => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.map(|_| ()))
                .expect("forget the year");
        }
        match day {
            Some(day) => tuoguan::demo::load_on(&state, day).await.expect("demo"),
            None => tuoguan::demo::load_summer(&state).await.expect("demo"),
        };
        let base = serve(state.clone()).await;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        TestApp {
            base,
            state,
            http,
            db,
        }
    }

    /// Another server process on the same database (a restart, or a second node).
    pub async fn restart(&self) -> String {
        let state = AppState::open(config(&self.db.url))
            .await
            .expect("app state");
        serve(state).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A bearer token for a demo user.
    pub async fn token(&self, username: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/auth/token",
                None,
                Some(json!({"username": username, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "token for {username}: {body}");
        body["token"].as_str().unwrap().to_string()
    }

    /// A JSON call; returns status and body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_lang(method, path, token, body, "zh-CN").await
    }

    pub async fn call_lang(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        lang: &str,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("accept-language", lang);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// Id of a demo organisation by name (as the system admin sees it).
    pub async fn org_id(&self, name: &str) -> String {
        let orgs = tuoguan::orgs::list(&self.state.db, &tuoguan::auth::Scope::All)
            .await
            .unwrap();
        orgs.into_iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("org {name}"))
            .id
            .to_string()
    }

    /// Id of a demo user by username.
    pub async fn user_id(&self, username: &str) -> String {
        let users = tuoguan::users::list(&self.state.db, &tuoguan::auth::Scope::All, 0, 100_000)
            .await
            .unwrap();
        users
            .into_iter()
            .find(|u| u.username == username)
            .unwrap_or_else(|| panic!("user {username}"))
            .id
            .to_string()
    }

    /// Audit entries with this action, newest first.
    pub async fn audit(&self, action: &str) -> Vec<tuoguan::audit::AuditRow> {
        let f = tuoguan::audit::AuditFilter {
            action_prefix: action.into(),
            ..Default::default()
        };
        tuoguan::audit::list(&self.state.db, &tuoguan::auth::Scope::All, &f, 0)
            .await
            .unwrap()
    }
}

/// Serves the app on a free loopback port; returns its base URL.
pub async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = tuoguan::app::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

/// The error code and field names of a JSON error body.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Every test process writes everything the servers it starts log (debug and above; sqlx and the
/// HTTP clients at info) to `$TUOGUAN_TEST_LOGS/<pid>.log` (default `target/test-logs`).
/// `scripts/test.sh` scans the whole suite's logs afterwards for ID numbers, phone numbers and
/// health notes (docs/SECURITY.md). A test that installs its own subscriber first keeps it.
fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::env::var("TUOGUAN_TEST_LOGS")
            .unwrap_or_else(|_| format!("{}/../../target/test-logs", env!("CARGO_MANIFEST_DIR")));
        if std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let Ok(file) = std::fs::File::create(format!("{dir}/{}.log", std::process::id())) else {
            return;
        };
        let filter = tracing_subscriber::EnvFilter::new(
            "debug,sqlx=info,hyper=info,hyper_util=info,reqwest=info,h2=info,fantoccini=info",
        );
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    });
}

/// Bearer tokens of these demo users, in order.
pub async fn tokens<const N: usize>(app: &TestApp, users: [&str; N]) -> [String; N] {
    let mut out = Vec::with_capacity(N);
    for u in users {
        out.push(app.token(u).await);
    }
    out.try_into().expect("one token each")
}

/// The `key` of every object of a JSON list.
pub fn ids(v: &Value, key: &str) -> std::collections::BTreeSet<String> {
    let items = v.as_array().unwrap_or_else(|| panic!("a list: {v}"));
    items
        .iter()
        .map(|x| x[key].as_str().unwrap().to_string())
        .collect()
}

/// POSTs `body` as `token` with an `Idempotency-Key` header: the status and the JSON answer.
pub async fn post_keyed(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = app
        .http
        .post(app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}
