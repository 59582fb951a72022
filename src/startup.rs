//! Builds the application from settings and an already bound listener (port 0
//! in tests), so tests run the real server in-process.

use crate::domain::clock::Clock;
use crate::hashing::Hasher;
use crate::http::{self, AppState, error::envelope, limits::Limits};
use crate::settings::Settings;
use crate::store::{Db, sessions};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use std::net::{IpAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tracing_actix_web::TracingLogger;

/// A built application: the server future, its port, and handles tests use.
pub struct Application {
    pub server: Server,
    pub port: u16,
    pub state: web::Data<AppState>,
}

/// Connects, migrates if configured, and builds the state.
pub async fn prepare(settings: Settings, clock: Clock) -> anyhow::Result<web::Data<AppState>> {
    let db = Db::connect(&settings).await?;
    if settings.migrate_on_start {
        db.migrate().await?;
    }
    let trusted_proxies = settings
        .limits
        .trusted_proxies
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<IpAddr>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("limits.trusted_proxies: {e}"))?;
    let hasher = Hasher::new(settings.hash_concurrency(), settings.auth.hash_queue);
    let limits = Limits::new(&settings.limits);
    let sms = crate::sms::Sms::start(&settings.sms)?;
    if settings.sms.provider == "console" {
        tracing::info!(
            "sms.provider = \"console\": text messages (one-time codes) are written to this log, \
             not sent; set sms.provider = \"http\" and sms.url for a real gateway"
        );
    }
    let oidc = crate::oidc::Oidc::from_settings(&settings)?;
    Ok(web::Data::new(AppState {
        db,
        settings: Arc::new(settings),
        clock,
        hasher,
        limits,
        trusted_proxies,
        banks: Default::default(),
        sms,
        oidc,
        participation: Default::default(),
    }))
}

/// Builds the HTTP server on `listener` around prepared state.
pub fn build(state: web::Data<AppState>, listener: TcpListener) -> anyhow::Result<Application> {
    let port = listener.local_addr()?.port();
    http::meta::prometheus();
    let workers = match state.settings.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let data = state.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::JsonConfig::default().error_handler(|err, _| {
                actix_web::error::InternalError::from_response(
                    "",
                    HttpResponse::BadRequest().json(envelope(
                        "malformed_json",
                        &err.to_string(),
                        None,
                        None,
                    )),
                )
                .into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                actix_web::error::InternalError::from_response(
                    "",
                    HttpResponse::BadRequest().json(envelope(
                        "bad_query",
                        &err.to_string(),
                        None,
                        None,
                    )),
                )
                .into()
            }))
            .app_data(web::PathConfig::default().error_handler(|_, _| {
                actix_web::error::InternalError::from_response(
                    "",
                    HttpResponse::NotFound().json(envelope("not_found", "not found", None, None)),
                )
                .into()
            }))
            .wrap(Compress::default())
            .wrap(from_fn(http::meta::headers_and_metrics))
            .wrap(TracingLogger::default())
            .configure(http::meta::routes)
            .configure(http::routes)
            .configure(http::openapi::routes)
            .configure(http::assets::routes)
            .default_service(web::to(http::meta::not_found))
    })
    .workers(workers)
    .shutdown_timeout(10)
    // Compress gzips a body of 1 KB or more on a blocking thread, so actix
    // writes such a reply in two parts: the headers, then the body. Without
    // TCP_NODELAY the second part waits for the client's delayed ACK (Nagle),
    // ~40 ms on a keep-alive connection: `GET /` took 44 ms instead of 0.06 (#18).
    .tcp_nodelay(true)
    .listen(listener)?
    .run();
    spawn_sweeper(state.clone());
    if let Some(replica) = state.db.replica() {
        let max_lag = Duration::from_secs_f64(state.settings.database.max_lag_seconds.max(0.0));
        crate::store::replica::spawn_monitor(state.db.conn.clone(), replica, max_lag);
    }
    Ok(Application {
        server,
        port,
        state,
    })
}

/// Periodic housekeeping: close attempts past deadline + grace, purge expired
/// sessions, forget idle rate-limit keys.
fn spawn_sweeper(state: web::Data<AppState>) {
    let every = Duration::from_secs(state.settings.attempts.sweep_interval_seconds.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let now = state.clock.now();
            let auth = &state.settings.auth;
            if let Err(e) = sessions::purge_expired(
                &state.db,
                now,
                auth.session_idle_minutes * 60_000,
                auth.session_absolute_hours * 3_600_000,
            )
            .await
            {
                tracing::warn!(error = ?e, "session purge failed");
            }
            state.limits.housekeeping();
            if let Err(e) = crate::store::phone_codes::purge(&state.db, now).await {
                tracing::warn!(error = ?e, "phone code purge failed");
            }
            if let Err(e) = crate::app::attempts::close_overdue(state.ctx(), None).await {
                tracing::warn!(error = ?e, "closing overdue attempts failed");
            }
        }
    });
}
