//! tuoguan — the trade unions' platform for 职工子女爱心托管班 (workers' children's holiday care
//! classes). This library holds the whole server; `main.rs` is only the command line.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod app;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod batch;
pub mod calendar;
pub mod certificate;
pub mod classes;
pub mod closed_set;
pub mod config;
pub mod crypto;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod enrolment;
pub mod error;
pub mod funding;
pub mod i18n;
pub mod idempotency;
pub mod ids;
pub mod inspections;
pub mod model_classes;
pub mod openapi;
pub mod operations;
pub mod orgs;
pub mod programmes;
pub mod questionnaires;
pub mod reports;
pub mod users;
pub mod web;

pub use app::AppState;
pub use config::Config;
pub use error::AppError;

/// Seconds since the Unix epoch, UTC: the one timestamp representation stored in both databases.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A new opaque identifier (UUID v7: time-ordered, never sequential in meaning).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
