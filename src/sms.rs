//! The one seam through which text messages leave the service.
//!
//! `sms.provider = "console"` (the default) writes each message to the log, so
//! a first run needs no gateway; `"http"` POSTs `{"to", "text", "id"}` to
//! `sms.url` with `Authorization: Bearer <sms.token>`, each try bounded by
//! `sms.timeout_seconds`, retried `sms.retries` times with backoff; any 2xx
//! means sent. The `id` is the same on every try, so a gateway can drop a
//! repeat.
//!
//! Messages are sent by a background task, not by the request that asked for
//! them: waiting for the gateway would make `POST /auth/otp` slower for phones
//! that get a message than for those that do not, and so tell an observer
//! which phones have accounts. When a message could not be delivered after
//! its retries, the gateway counts as down for `sms.unavailable_seconds`:
//! requests meanwhile are answered 503 `sms_unavailable`, before anything is
//! counted or stored, and the first delivery that succeeds clears it.

use crate::settings::SmsSettings;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};

/// Messages waiting for the gateway; beyond this, 503.
const QUEUE: usize = 1_000;
/// Deliveries in flight at once.
const IN_FLIGHT: usize = 8;

/// One text message.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Message {
    /// E.164: `+84912345678`.
    pub to: String,
    pub text: String,
    /// Unique per message, repeated on retries.
    pub id: String,
}

#[derive(Clone)]
enum Provider {
    Console,
    Http {
        client: reqwest::Client,
        url: String,
        token: String,
        retries: u32,
    },
}

/// The sender: a queue and the gateway's health.
#[derive(Clone)]
pub struct Sms {
    queue: mpsc::Sender<Message>,
    /// Unix milliseconds until which the gateway counts as down (0: up).
    down_until: Arc<AtomicI64>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Sms {
    /// Starts the background sender (needs a Tokio runtime).
    pub fn start(settings: &SmsSettings) -> anyhow::Result<Self> {
        let provider = match settings.provider.as_str() {
            "console" => Provider::Console,
            "http" => {
                if settings.url.is_empty() {
                    anyhow::bail!("sms.provider = \"http\" needs sms.url");
                }
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(settings.timeout_seconds.max(1)))
                    .build()?;
                Provider::Http {
                    client,
                    url: settings.url.clone(),
                    token: settings.token.clone(),
                    retries: settings.retries,
                }
            }
            other => anyhow::bail!("sms.provider must be \"console\" or \"http\", not {other:?}"),
        };
        let (queue, mut rx) = mpsc::channel::<Message>(QUEUE);
        let down_until = Arc::new(AtomicI64::new(0));
        let pause_ms = i64::try_from(settings.unavailable_seconds)
            .unwrap_or(60)
            .saturating_mul(1_000);
        let health = down_until.clone();
        tokio::spawn(async move {
            let slots = Arc::new(Semaphore::new(IN_FLIGHT));
            while let Some(msg) = rx.recv().await {
                let Ok(slot) = slots.clone().acquire_owned().await else {
                    break;
                };
                let provider = provider.clone();
                let health = health.clone();
                tokio::spawn(async move {
                    let _slot = slot;
                    if deliver(&provider, &msg).await {
                        health.store(0, Ordering::Relaxed);
                    } else {
                        health.store(now_ms() + pause_ms, Ordering::Relaxed);
                    }
                });
            }
        });
        Ok(Self { queue, down_until })
    }

    /// Err(seconds to wait) while the gateway counts as down.
    pub fn ready(&self) -> Result<(), u64> {
        let until = self.down_until.load(Ordering::Relaxed);
        let now = now_ms();
        if until > now {
            Err(u64::try_from(until - now)
                .unwrap_or(0)
                .div_ceil(1_000)
                .max(1))
        } else {
            Ok(())
        }
    }

    /// Queues a message; Err(seconds) when the queue is full.
    pub fn send(&self, msg: Message) -> Result<(), u64> {
        self.queue.try_send(msg).map_err(|_| 5)
    }
}

/// Tries to deliver `msg`; false when every try failed (already logged).
async fn deliver(provider: &Provider, msg: &Message) -> bool {
    match provider {
        Provider::Console => {
            // The console provider exists to show the message: it is the log.
            tracing::info!(to = %msg.to, id = %msg.id, text = %msg.text, "sms (console provider)");
            true
        }
        Provider::Http {
            client,
            url,
            token,
            retries,
        } => {
            for attempt in 0..=*retries {
                if attempt > 0 {
                    // 0.5 s, then 2 s: long enough for a gateway restart,
                    // short enough that the code is still fresh.
                    tokio::time::sleep(Duration::from_millis(500 * 4u64.pow(attempt - 1))).await;
                }
                let outcome = client.post(url).bearer_auth(token).json(msg).send().await;
                match outcome {
                    Ok(r) if r.status().is_success() => {
                        tracing::info!(id = %msg.id, attempt, "sms sent");
                        return true;
                    }
                    Ok(r) => {
                        tracing::warn!(id = %msg.id, attempt, status = r.status().as_u16(), "sms gateway refused")
                    }
                    Err(e) => {
                        tracing::warn!(id = %msg.id, attempt, error = %e, "sms gateway unreachable")
                    }
                }
            }
            tracing::error!(id = %msg.id, "sms not delivered after retries; gateway counted as down");
            false
        }
    }
}
