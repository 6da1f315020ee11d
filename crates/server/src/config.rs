//! Typed configuration. Every field comes from a command-line flag or its environment variable.

use std::net::SocketAddr;

/// Runtime settings of a `tuoguan` process.
#[derive(Clone, clap::Args)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://PATH` (default `sqlite://tuoguan.db`) or `postgres://…`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://tuoguan.db",
        global = true
    )]
    pub database_url: String,
    /// `TUOGUAN_SESSION_IDLE_MINUTES`: a web session ends after this long without a request.
    #[arg(
        long,
        env = "TUOGUAN_SESSION_IDLE_MINUTES",
        default_value_t = 120,
        global = true
    )]
    pub session_idle_minutes: i64,
    /// `TUOGUAN_SESSION_MAX_HOURS`: a web session ends this long after sign-in, whatever happens.
    #[arg(
        long,
        env = "TUOGUAN_SESSION_MAX_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_max_hours: i64,
    /// `TUOGUAN_TOKEN_HOURS`: lifetime of an API bearer token.
    #[arg(long, env = "TUOGUAN_TOKEN_HOURS", default_value_t = 24, global = true)]
    pub token_hours: i64,
    /// `TUOGUAN_SECURE_COOKIES`: mark cookies `Secure` (set when served over HTTPS).
    #[arg(
        long,
        env = "TUOGUAN_SECURE_COOKIES",
        default_value_t = false,
        global = true
    )]
    pub secure_cookies: bool,
    /// `TUOGUAN_TRUST_PROXY`: take the client address from `X-Forwarded-For` (behind a proxy).
    #[arg(
        long,
        env = "TUOGUAN_TRUST_PROXY",
        default_value_t = false,
        global = true
    )]
    pub trust_proxy: bool,
    /// `TUOGUAN_FAST_HASH`: cheap argon2 parameters — for tests only, never in production.
    #[arg(
        long,
        env = "TUOGUAN_FAST_HASH",
        default_value_t = false,
        hide = true,
        global = true
    )]
    pub fast_hash: bool,
    /// `TUOGUAN_DB_MAX_CONNECTIONS`: connection pool size.
    #[arg(
        long,
        env = "TUOGUAN_DB_MAX_CONNECTIONS",
        default_value_t = 8,
        global = true
    )]
    pub db_max_connections: u32,
    /// `TUOGUAN_DATA_KEY`: 64 hex digits encrypting children's ID numbers and health notes.
    #[arg(long, env = "TUOGUAN_DATA_KEY", hide_env_values = true, global = true)]
    pub data_key: Option<String>,
    /// `TUOGUAN_PRODUCTION`: refuse to start without `TUOGUAN_DATA_KEY`.
    #[arg(
        long,
        env = "TUOGUAN_PRODUCTION",
        default_value_t = false,
        global = true
    )]
    pub production: bool,
    /// `TUOGUAN_PUBLIC_URL`: the address people reach this server at (`https://tuoguan.example.org`),
    /// printed in QR links and certificates. Without it, the address the request came to.
    #[arg(long, env = "TUOGUAN_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
}

/// Never prints the data key.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url)
            .field("production", &self.production)
            .field("data_key", &self.data_key.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Settings for tests and tools: defaults with the given database.
    pub fn for_database(url: &str) -> Self {
        Config {
            database_url: url.to_string(),
            session_idle_minutes: 120,
            session_max_hours: 12,
            token_hours: 24,
            secure_cookies: false,
            trust_proxy: false,
            fast_hash: false,
            db_max_connections: 8,
            data_key: None,
            production: false,
            public_url: None,
        }
    }
}

/// `BIND` for `serve`.
pub fn default_bind() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
