//! Logging: `tracing` with a request id per request (tracing-actix-web),
//! pretty for people or JSON for collectors.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

pub fn init(format: &str, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let registry = tracing_subscriber::registry().with(filter);
    let result = if format == "json" {
        registry
            .with(fmt::layer().json().with_current_span(true))
            .try_init()
    } else {
        registry.with(fmt::layer().with_target(false)).try_init()
    };
    // A second init (tests) keeps the first subscriber.
    let _ = result;
}
