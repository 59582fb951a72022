//! Layered settings: `config/default.toml`, then `CRANE_CONFIG` (an extra file),
//! then `CRANE_<KEY>` variables (`__` between levels) and `DATABASE_URL`.

use serde::Deserialize;
use std::fmt;

#[derive(Clone, Deserialize)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub migrate_on_start: bool,
    pub demo_on_empty_db: bool,
    pub workers: usize,
    pub log_format: String,
    pub log_level: String,
    pub public_url: String,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub limits: LimitSettings,
    pub attempts: AttemptSettings,
    pub sms: SmsSettings,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DatabaseSettings {
    pub max_connections: u32,
    /// Writers of attempts (group commit), each with its own connection;
    /// 0 = automatic (see [`Settings::writers`]).
    pub writers: u32,
    pub busy_timeout_ms: u64,
    pub acquire_timeout_seconds: u64,
    /// A PostgreSQL streaming replica for the lag-tolerant routes (empty: none).
    pub read_url: String,
    pub max_lag_seconds: f64,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AuthSettings {
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub cookie_secure: bool,
    pub hash_concurrency: usize,
    pub hash_queue: usize,
    pub verify_phone: bool,
    pub otp_ttl_seconds: i64,
    pub otp_max_checks: i64,
    pub otp_resend_seconds: i64,
    pub otp_per_phone_per_day: i64,
    pub reset_code_ttl_minutes: i64,
    pub oidc: OidcSettings,
}

/// Sign-in through a citizen app (see `crate::oidc`). The secret never
/// appears in logs.
#[derive(Clone, Deserialize)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub display_name: String,
    pub scopes: String,
    pub metadata_ttl_seconds: u64,
    pub timeout_seconds: u64,
}

impl OidcSettings {
    pub fn enabled(&self) -> bool {
        !self.issuer.trim().is_empty()
    }
}

impl fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &if self.client_secret.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .field("display_name", &self.display_name)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl AuthSettings {
    /// The one-time code rules, in the domain's terms.
    pub fn otp_rules(&self) -> crate::domain::otp::Rules {
        crate::domain::otp::Rules {
            ttl_ms: self.otp_ttl_seconds.max(1) * 1_000,
            max_checks: self.otp_max_checks.max(1),
            resend_ms: self.otp_resend_seconds.max(0) * 1_000,
            per_day: self.otp_per_phone_per_day.max(1),
        }
    }
}

/// The SMS gateway (see `crate::sms`). The token never appears in logs.
#[derive(Clone, Deserialize)]
pub struct SmsSettings {
    pub provider: String,
    pub url: String,
    pub token: String,
    pub timeout_seconds: u64,
    pub retries: u32,
    pub unavailable_seconds: u64,
}

impl fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsSettings")
            .field("provider", &self.provider)
            .field("url", &redact_url(&self.url))
            .field("token", &if self.token.is_empty() { "" } else { "***" })
            .field("timeout_seconds", &self.timeout_seconds)
            .field("retries", &self.retries)
            .field("unavailable_seconds", &self.unavailable_seconds)
            .finish()
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct LimitSettings {
    pub login_failures_per_phone: u32,
    pub login_failure_window_seconds: u64,
    pub registrations_per_ip_per_minute: u32,
    pub logins_per_ip_per_minute: u32,
    pub otp_per_ip_per_hour: u32,
    pub trusted_proxies: Vec<String>,
    pub max_json_bytes: usize,
    pub max_import_bytes: usize,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AttemptSettings {
    pub sweep_interval_seconds: u64,
}

/// The defaults, compiled in so the binary runs from any directory.
const DEFAULTS: &str = include_str!("../config/default.toml");

impl Settings {
    /// Loads the layers; `extra` is an additional TOML file (CRANE_CONFIG).
    pub fn load() -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Ok(path) = std::env::var("CRANE_CONFIG") {
            builder = builder.add_source(config::File::with_name(&path).required(true));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("CRANE")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                .list_separator(",")
                .with_list_parse_key("limits.trusted_proxies"),
        );
        if let Ok(url) = std::env::var("DATABASE_URL") {
            builder = builder.set_override("database_url", url)?;
        }
        let settings: Settings = builder.build()?.try_deserialize()?;
        Ok(settings)
    }

    /// Settings for tests: the defaults with a given database and no demo.
    pub fn for_tests(database_url: &str) -> anyhow::Result<Self> {
        let mut s: Settings = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()?
            .try_deserialize()?;
        s.database_url = database_url.to_owned();
        s.demo_on_empty_db = false;
        s.database.max_connections = 8;
        Ok(s)
    }

    /// The pool size: `database.max_connections`, or when 0, 16 on SQLite
    /// (one writer at a time anyway; the rest serve reads) and 32 on
    /// PostgreSQL, where concurrent submits commit in parallel (16 connections
    /// capped them in the benchmark; see docs/performance.md).
    /// Writers of attempts: always 1 on SQLite, which has one write lock;
    /// on PostgreSQL `database.writers`, or 4 when 0, so that batches commit
    /// on several backends (and cores) at once.
    pub fn writers(&self) -> u32 {
        if self.database_url.starts_with("sqlite:") {
            1
        } else if self.database.writers == 0 {
            4
        } else {
            self.database.writers
        }
    }

    pub fn pool_size(&self) -> u32 {
        match self.database.max_connections {
            0 if self.database_url.starts_with("sqlite:") => 16,
            0 => 32,
            n => n,
        }
    }

    pub fn hash_concurrency(&self) -> usize {
        if self.auth.hash_concurrency == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            self.auth.hash_concurrency
        }
    }
}

/// Hides the password in a database URL: `postgres://crane:***@db/crane`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &redact_url(&self.database_url))
            .field("migrate_on_start", &self.migrate_on_start)
            .field("demo_on_empty_db", &self.demo_on_empty_db)
            .field("workers", &self.workers)
            .field("log_format", &self.log_format)
            .field("public_url", &self.public_url)
            .field("database", &self.database)
            .field("auth", &self.auth)
            .field("limits", &self.limits)
            .field("attempts", &self.attempts)
            .field("sms", &self.sms)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_database_urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://crane:s3cret@db:5432/crane"),
            "postgres://crane:***@db:5432/crane"
        );
        assert_eq!(
            redact_url("sqlite://data/crane.db"),
            "sqlite://data/crane.db"
        );
        let mut s = Settings::for_tests("postgres://u:hunter2@h/d").unwrap();
        s.sms.token = "gateway-secret".to_owned();
        s.auth.oidc.client_secret = "provider-secret".to_owned();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2"));
        assert!(!shown.contains("gateway-secret"));
        assert!(!shown.contains("provider-secret"));
    }
}
