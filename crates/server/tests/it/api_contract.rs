//! The contract around the features: OpenAPI document, error bodies, limits, health, migrations,
//! database settings, backup, locales.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::support::{Backend, TestApp};

/// Every JSON route of PRODUCT.md §15 that exists so far must be in the document.
const CORE: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/token"),
    ("get", "/api/v1/orgs"),
    ("post", "/api/v1/orgs"),
    ("get", "/api/v1/orgs/{id}"),
    ("patch", "/api/v1/orgs/{id}"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/calendar/working-days"),
];

both!(the_openapi_document_describes_every_route, openapi);
async fn openapi(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, doc) = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (method, path) in CORE {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} documented"
        );
    }
    let (routes, _) = tuoguan::app::api();
    drop(routes);
    let count: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert!(count >= 17, "{count} operations");
    let res = app.http.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(!html.contains("https://"), "no CDN in the API page");
}

both!(
    malformed_requests_get_a_4xx_in_the_error_format_never_a_500,
    malformed
);
async fn malformed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.token("city_admin").await;
    let huge = "x".repeat(2 << 20);
    let cases: Vec<(Method, &str, Option<String>)> = vec![
        (Method::POST, "/api/v1/orgs", Some("[]".into())),
        (
            Method::POST,
            "/api/v1/orgs",
            Some("{\"name\": null}".into()),
        ),
        (Method::PATCH, "/api/v1/orgs/not-a-uuid", Some("{}".into())),
        (
            Method::POST,
            "/api/v1/users",
            Some("{\"username\": 1}".into()),
        ),
        (
            Method::POST,
            "/api/v1/users",
            Some(format!("{{\"username\": \"{huge}\"}}")),
        ),
        (Method::PUT, "/api/v1/calendar/years/abc", Some("{}".into())),
        (
            Method::GET,
            "/api/v1/calendar/working-days?from=x&to=y",
            None,
        ),
        (Method::DELETE, "/api/v1/orgs", None),
        (Method::GET, "/api/v1/nothing-here", None),
    ];
    for (method, path, body) in cases {
        // A fresh connection per case: a rejected oversized body closes the connection.
        let http = reqwest::Client::new();
        let mut req = http
            .request(method.clone(), app.url(path))
            .bearer_auth(&token);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_client_error(), "{method} {path}: {status} {text}");
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: JSON error body, got {text}"));
        assert!(
            v["error"]["code"].is_string() && v["error"]["message"].is_string(),
            "{text}"
        );
        assert!(
            !text.contains("sqlx") && !text.contains("/work/") && !text.contains("SELECT"),
            "{text}"
        );
    }
    let res = app.http.get(app.url("/no/such/page")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.text().await.unwrap().contains("找不到该页面"),
        "an HTML 404 page in Chinese"
    );
}

both!(health_and_readiness_answer, health);
async fn health(b: Backend) {
    let app = TestApp::spawn(b).await;
    assert_eq!(
        app.http
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.http
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.http
            .get(app.url("/static/vendor/htmx-2.0.11.min.js"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[test]
fn migrations_of_both_backends_carry_the_same_names() {
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
        v.sort();
        v
    };
    let (sqlite, pg) = (names("sqlite"), names("postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, pg, "migrations drifted between backends");
}

#[test]
fn a_released_migration_is_never_edited() {
    // sqlx keeps each applied migration's checksum: editing a released file, even a comment, makes
    // every database migrated by an earlier build refuse to start ("previously applied but has
    // been modified"). Change the schema with a new numbered file, and list it here.
    use sha2::{Digest, Sha256};
    let dir = format!("{}/migrations", env!("CARGO_MANIFEST_DIR"));
    let listed = std::fs::read_to_string(format!("{dir}/released.sha256")).unwrap();
    let mut files = 0;
    for line in listed.lines().filter(|l| !l.trim().is_empty()) {
        let (hash, file) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
        let actual: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            actual, hash,
            "{file} was edited after release; add a new migration instead"
        );
        files += 1;
    }
    let on_disk = ["sqlite", "postgres"]
        .iter()
        .map(|d| std::fs::read_dir(format!("{dir}/{d}")).unwrap().count())
        .sum::<usize>();
    assert_eq!(
        files, on_disk,
        "every migration is listed in migrations/released.sha256"
    );
}

#[test]
fn an_unknown_database_scheme_is_refused_with_a_clear_message() {
    let err = tuoguan::db::Backend::from_url("mysql://root@localhost/x")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unsupported scheme 'mysql'") && err.contains("sqlite://"),
        "{err}"
    );
    assert!(tuoguan::db::Backend::from_url("tuoguan.db").is_err());
}

#[test]
fn every_message_key_has_chinese_and_english() {
    let dir = format!("{}/locales", env!("CARGO_MANIFEST_DIR"));
    let mut text = String::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "yml") {
            let file = std::fs::read_to_string(&path).unwrap();
            // Without its header rust-i18n reads the file as another format and drops every key
            // in it: the pages would show the keys themselves.
            assert!(
                file.starts_with("_version: 2\n"),
                "{path:?} starts with `_version: 2`"
            );
            text.push_str(&file);
            text.push('\n');
        }
    }
    let mut keys = Vec::new();
    let mut key = None;
    let mut seen = (false, false);
    let check = |k: &Option<String>, s: (bool, bool)| {
        if let Some(k) = k {
            assert!(s.0 && s.1, "{k} lacks a locale");
        }
    };
    for line in text.lines().filter(|l| !l.starts_with("_version")) {
        if !line.starts_with(' ') && line.ends_with(':') {
            check(&key, seen);
            key = Some(line.trim_end_matches(':').to_string());
            keys.extend(key.clone());
            seen = (false, false);
        } else if line.trim_start().starts_with("zh-CN:") {
            seen.0 = true;
        } else if line.trim_start().starts_with("en:") {
            seen.1 = true;
        }
    }
    check(&key, seen);
    // Every key written is one the running code finds, in both languages.
    for k in &keys {
        for lang in [tuoguan::i18n::Lang::Zh, tuoguan::i18n::Lang::En] {
            assert_ne!(&lang.t(k), k, "{k} is not loaded");
        }
    }
    let lang = tuoguan::i18n::Lang::En;
    assert_eq!(lang.t("nav.home"), "Home");
    assert_eq!(tuoguan::i18n::Lang::Zh.t("nav.home"), "首页");
}

/// The pool of a server opened on a fresh SQLite database (kept while the `TestDb` lives).
async fn sqlite_app() -> (crate::support::TestDb, sqlx::SqlitePool) {
    let db = crate::support::TestDb::new(Backend::Sqlite).await;
    let state = tuoguan::AppState::open(crate::support::config(&db.url))
        .await
        .unwrap();
    let tuoguan::db::Db::Sqlite(pool) = &state.db else {
        panic!()
    };
    (db, pool.clone())
}

#[tokio::test]
async fn sqlite_runs_with_wal_foreign_keys_busy_timeout_and_full_sync() {
    let (_db, pool) = sqlite_app().await;
    let mut c = pool.acquire().await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
}

/// PostgreSQL keeps one plan per prepared statement on the server's connections (db::connect):
/// the roll and the homes are not planned afresh at every request.
#[tokio::test]
async fn postgres_connections_keep_one_plan_per_statement() {
    let db = crate::support::TestDb::new(Backend::Postgres).await;
    let state = tuoguan::AppState::open(crate::support::config(&db.url))
        .await
        .unwrap();
    let tuoguan::db::Db::Pg(pool) = &state.db else {
        panic!()
    };
    let mode: String = sqlx::query_scalar("SHOW plan_cache_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, tuoguan::db::PG_PLAN_CACHE_MODE);
}

/// `.cargo/config.toml` builds the bundled SQLite without memory statistics: with them, every
/// allocation takes one process-wide lock and concurrent requests queue on it.
#[tokio::test]
async fn sqlite_is_built_without_the_memory_statistics_lock() {
    let (_db, pool) = sqlite_app().await;
    let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
        "SQLite was built with memory statistics on (LIBSQLITE3_FLAGS not applied): {options:?}"
    );
}

#[tokio::test]
async fn a_backup_taken_while_serving_opens_with_the_same_data() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.token("city_admin").await;
    let district = app.org_id("滨江区总工会").await;
    let writer = {
        let (http, url, token, district) = (
            app.http.clone(),
            app.url("/api/v1/orgs"),
            token.clone(),
            district.clone(),
        );
        tokio::spawn(async move {
            for i in 0..20 {
                let body = json!({"parent_id": district, "name": format!("备份测试工会{i}"), "kind": "grassroots", "unit_type": "other"});
                http.post(&url)
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
            }
        })
    };
    let file = std::env::temp_dir().join(format!("tuoguan-backup-{}.db", uuid::Uuid::new_v4()));
    tuoguan::backup::run(&app.db.url, &file).await.unwrap();
    writer.await.unwrap();
    assert!(
        tuoguan::backup::run(&app.db.url, &file).await.is_err(),
        "never overwrites"
    );
    let copy = tuoguan::db::Db::connect(&format!("sqlite://{}", file.display()), 1)
        .await
        .unwrap();
    let scope = tuoguan::auth::Scope::All;
    let orgs = tuoguan::orgs::list(&copy, &scope).await.unwrap();
    assert!(
        orgs.len() >= 40,
        "the copy holds the demo tree: {}",
        orgs.len()
    );
    let users = tuoguan::users::list(&copy, &scope, 0, 100_000)
        .await
        .unwrap();
    assert_eq!(users.len(), 16);
    let ok: String = tuoguan::on_db!(&copy, p => sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await).unwrap();
    assert_eq!(ok, "ok");
    copy.close().await;
    let _ = std::fs::remove_file(&file);
}

both!(
    text_with_a_nul_character_is_refused_before_it_reaches_the_database,
    nul_text
);
async fn nul_text(b: Backend) {
    // PostgreSQL cannot store U+0000 in TEXT: found by schemathesis as a 500 on POST /users.
    let app = TestApp::spawn(b).await;
    let token = app.token("admin").await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/users",
            Some(&token),
            Some(
                json!({"username": "nul\u{0}user", "password": "Tuoguan#2026x", "display_name": "x",
                        "roles": [{"role": "parent", "org_id": "\u{0}"}]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
    let (status, _) = app
        .call(Method::GET, "/api/v1/orgs/%00", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let form = app
        .http
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=a%00&password=b")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::BAD_REQUEST);
}
