//! The load engine: an HTTP/1.1 keep-alive client spread round-robin over the
//! server instances, latency histograms per request kind, and two ways to
//! drive load:
//!
//! * closed loop: `n` workers, each sending its next request when the last
//!   one answered (measures capacity);
//! * open loop: requests are *scheduled* at a fixed rate and each latency is
//!   measured from its scheduled send time, so a server that stalls is charged
//!   for the requests it kept waiting (no coordinated omission).
//!
//! Every request carries the headers a browser sends, so every answer is
//! compressed as a phone's would be; the driver decodes it itself.

use hdrhistogram::Histogram;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The HTTP client of the driver.
pub struct Client {
    pub http: reqwest::Client,
    pub bases: Vec<String>,
    next: AtomicUsize,
}

/// What a browser (Chrome on Android, in Vietnamese) sends with every request.
/// A driver that did not ask for compression never saw the ~40 ms that a gzip
/// answer waited for the phone's delayed ACK (#18).
pub fn browser_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::ACCEPT,
        HeaderValue::from_static(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
        ),
    );
    // The server compresses with gzip only; `Decoder` refuses what it cannot read.
    h.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static("gzip, deflate, br"),
    );
    h.insert(
        header::ACCEPT_LANGUAGE,
        HeaderValue::from_static("vi-VN,vi;q=0.9"),
    );
    h.insert(
        header::USER_AGENT,
        HeaderValue::from_static(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        ),
    );
    h
}

impl Client {
    pub fn new(bases: Vec<String>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .default_headers(browser_headers())
            .pool_max_idle_per_host(4096)
            .pool_idle_timeout(Duration::from_secs(4)) // under actix's 5 s keep-alive
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .build()?;
        Ok(Self {
            http,
            bases,
            next: AtomicUsize::new(0),
        })
    }

    /// The next instance's URL for `path` (round-robin).
    pub fn url(&self, path: &str) -> String {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.bases.len();
        format!("{}{path}", self.bases[i])
    }

    /// A client limited to the first `n` instances.
    pub fn subset(&self, n: usize) -> Self {
        Self {
            http: self.http.clone(),
            bases: self.bases[..n.min(self.bases.len())].to_vec(),
            next: AtomicUsize::new(0),
        }
    }
}

/// A response, fully read.
pub struct Resp {
    pub status: u16,
    pub retry_after: Option<String>,
    /// Decoded.
    pub body: Vec<u8>,
    /// The Content-Encoding it came with, if any.
    pub encoding: Option<String>,
    /// Body bytes on the wire (before decoding).
    pub wire: usize,
}

impl Resp {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The `error.code` of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// What was seen of one kind of request.
pub struct Rec {
    /// Microseconds, from the intended send time to the last byte of the answer.
    pub hist: Histogram<u64>,
    pub statuses: BTreeMap<u16, u64>,
    /// Connection errors and timeouts (no HTTP answer at all).
    pub transport_errors: u64,
    /// 503 answers without a Retry-After header.
    pub missing_retry_after: u64,
    /// The first few bodies of 5xx answers.
    pub samples: Vec<String>,
}

impl Default for Rec {
    fn default() -> Self {
        Self {
            hist: Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds"),
            statuses: BTreeMap::new(),
            transport_errors: 0,
            missing_retry_after: 0,
            samples: Vec::new(),
        }
    }
}

impl Rec {
    pub fn count(&self) -> u64 {
        self.statuses.values().sum::<u64>() + self.transport_errors
    }

    pub fn ok(&self) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| (200..300).contains(*s))
            .map(|(_, n)| n)
            .sum()
    }

    pub fn status(&self, s: u16) -> u64 {
        self.statuses.get(&s).copied().unwrap_or(0)
    }

    /// Answers that are neither 2xx nor `allowed`, plus transport errors.
    pub fn errors_except(&self, allowed: &[u16]) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| !(200..300).contains(*s) && !allowed.contains(s))
            .map(|(_, n)| n)
            .sum::<u64>()
            + self.transport_errors
    }

    /// A latency quantile in milliseconds.
    pub fn ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return f64::NAN;
        }
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    pub fn max_ms(&self) -> f64 {
        if self.hist.is_empty() {
            return f64::NAN;
        }
        self.hist.max() as f64 / 1000.0
    }

    pub fn to_json(&self) -> Value {
        json!({
            "count": self.count(),
            "statuses": self.statuses.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "transport_errors": self.transport_errors,
            "p50_ms": num(self.ms(0.5)),
            "p90_ms": num(self.ms(0.9)),
            "p99_ms": num(self.ms(0.99)),
            "max_ms": num(self.max_ms()),
            "error_samples": self.samples,
        })
    }

    /// `count 2xx / p50 / p90 / p99 / max`, for the detail lines.
    pub fn line(&self) -> String {
        let samples = if self.samples.is_empty() {
            String::new()
        } else {
            format!(" e.g. {}", self.samples.join(" | "))
        };
        let others: Vec<String> = self
            .statuses
            .iter()
            .filter(|(s, _)| !(200..300).contains(*s))
            .map(|(s, n)| format!("{s}×{n}"))
            .collect();
        format!(
            "n={} 2xx={}{}{} p50={:.1} p90={:.1} p99={:.1} max={:.1} ms",
            self.count(),
            self.ok(),
            if others.is_empty() {
                String::new()
            } else {
                format!(" [{}]", others.join(" "))
            },
            if self.transport_errors > 0 {
                format!(" transport_errors={}", self.transport_errors)
            } else {
                String::new()
            },
            self.ms(0.5),
            self.ms(0.9),
            self.ms(0.99),
            self.max_ms()
        ) + &samples
    }
}

fn num(x: f64) -> Value {
    if x.is_finite() {
        json!((x * 1000.0).round() / 1000.0)
    } else {
        Value::Null
    }
}

/// Records per request kind, shared by all tasks of a run.
#[derive(Default)]
pub struct Stats {
    inner: Mutex<BTreeMap<String, Rec>>,
}

impl Stats {
    /// Keeps the body of a 5xx answer as an example (the first three per kind).
    pub fn sample(&self, name: &str, status: u16, body: &[u8]) {
        let mut m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let rec = m.entry(name.to_owned()).or_default();
        if rec.samples.len() < 3 {
            let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
            rec.samples.push(format!("{status} {text}"));
        }
    }

    pub fn record(&self, name: &str, latency: Duration, status: Option<u16>, retry_after: bool) {
        let mut m = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let rec = m.entry(name.to_owned()).or_default();
        let us = (latency.as_micros() as u64).clamp(1, 600_000_000);
        let _ = rec.hist.record(us);
        match status {
            Some(s) => {
                *rec.statuses.entry(s).or_default() += 1;
                if s == 503 && !retry_after {
                    rec.missing_retry_after += 1;
                }
            }
            None => rec.transport_errors += 1,
        }
    }

    pub fn take(&self) -> BTreeMap<String, Rec> {
        std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Undoes a Content-Encoding chunk by chunk (reqwest is built without its
/// decompression features, as the crane package's tests use it).
pub enum Decoder {
    Identity,
    Gzip(flate2::write::GzDecoder<Vec<u8>>),
    /// HTTP's "deflate" is the zlib format.
    Deflate(flate2::write::ZlibDecoder<Vec<u8>>),
}

impl Decoder {
    /// A decoder for `encoding` (the Content-Encoding header); an error for
    /// one the driver cannot read (e.g. br, which it asks for as a browser does).
    pub fn new(encoding: Option<&str>) -> std::io::Result<Self> {
        match encoding.map(|e| e.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("identity") => Ok(Self::Identity),
            Some("gzip") | Some("x-gzip") => {
                Ok(Self::Gzip(flate2::write::GzDecoder::new(Vec::new())))
            }
            Some("deflate") => Ok(Self::Deflate(flate2::write::ZlibDecoder::new(Vec::new()))),
            Some(other) => Err(std::io::Error::other(format!(
                "Content-Encoding {other}: the driver cannot decode it"
            ))),
        }
    }

    /// The encoding of `r` (its Content-Encoding header).
    pub fn of(r: &reqwest::Response) -> std::io::Result<Self> {
        Self::new(
            r.headers()
                .get(header::CONTENT_ENCODING)
                .and_then(|v| v.to_str().ok()),
        )
    }

    /// Decodes the next chunk; returns what is decoded so far.
    pub fn feed(&mut self, chunk: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Self::Identity => Ok(chunk.to_vec()),
            Self::Gzip(d) => {
                d.write_all(chunk)?;
                Ok(std::mem::take(d.get_mut()))
            }
            Self::Deflate(d) => {
                d.write_all(chunk)?;
                Ok(std::mem::take(d.get_mut()))
            }
        }
    }

    /// The rest, once the body has ended (an error if it was cut short).
    pub fn finish(self) -> std::io::Result<Vec<u8>> {
        match self {
            Self::Identity => Ok(Vec::new()),
            Self::Gzip(d) => d.finish(),
            Self::Deflate(d) => d.finish(),
        }
    }
}

/// Sends a request and reads and decodes the whole answer; None on a
/// transport error or an answer that does not decode.
pub async fn send(req: reqwest::RequestBuilder) -> Option<Resp> {
    let out = async {
        let r = req.send().await?;
        let status = r.status().as_u16();
        let retry_after = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let encoding = r
            .headers()
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut decoder = Decoder::of(&r)?;
        let wire = r.bytes().await?;
        let body = if wire.is_empty() {
            Vec::new()
        } else {
            let mut body = decoder.feed(&wire)?;
            body.extend(decoder.finish()?);
            body
        };
        Ok::<_, anyhow::Error>(Resp {
            status,
            retry_after,
            body,
            encoding,
            wire: wire.len(),
        })
    }
    .await;
    out.ok()
}

/// Sends a request, reads the whole answer and records it under `name`, with
/// the latency counted from `intended`.
pub async fn call(
    stats: &Stats,
    name: &str,
    intended: Instant,
    req: reqwest::RequestBuilder,
) -> Option<Resp> {
    let resp = send(req).await;
    let latency = intended.elapsed();
    stats.record(
        name,
        latency,
        resp.as_ref().map(|r| r.status),
        resp.as_ref().is_some_and(|r| r.retry_after.is_some()),
    );
    if let Some(r) = &resp
        && r.status >= 500
    {
        stats.sample(name, r.status, &r.body);
    }
    resp
}

/// How a run went.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    /// From the first send to the last answer.
    pub elapsed: Duration,
    /// Operations completed (an operation may be several requests).
    pub ops: u64,
    /// Open loop only: operations not sent because too many were in flight.
    pub dropped: u64,
}

/// `workers` loops, each calling `op(worker, iteration)` until `duration` is
/// over or `op` returns false (its supply ran out).
pub async fn closed_loop<F, Fut>(workers: usize, duration: Duration, op: F) -> Run
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let op = Arc::new(op);
    let ops = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for w in 0..workers {
        let op = op.clone();
        let ops = ops.clone();
        tasks.spawn(async move {
            let mut i = 0;
            while Instant::now() < end {
                let more = op(w, i).await;
                ops.fetch_add(1, Ordering::Relaxed);
                i += 1;
                if !more {
                    break;
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Run {
        elapsed: start.elapsed(),
        ops: ops.load(Ordering::Relaxed),
        dropped: 0,
    }
}

/// Schedules `op(seq, intended)` at `rate` per second for `duration`; each op
/// measures its latency from `intended`. At most `max_inflight` ops run at
/// once; beyond that the op is counted as dropped (and should be read as an
/// error: the server fell that far behind).
pub async fn open_loop<F, Fut>(rate: f64, duration: Duration, max_inflight: usize, op: F) -> Run
where
    F: Fn(u64, Instant) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let op = Arc::new(op);
    let ops = Arc::new(AtomicU64::new(0));
    let inflight = Arc::new(AtomicUsize::new(0));
    let mut dropped = 0;
    let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let start = Instant::now() + Duration::from_millis(20);
    let mut tasks = tokio::task::JoinSet::new();
    for seq in 0..total {
        let intended = start + period.mul_f64(seq as f64);
        tokio::time::sleep_until(intended.into()).await;
        if inflight.load(Ordering::Relaxed) >= max_inflight {
            dropped += 1;
            continue;
        }
        inflight.fetch_add(1, Ordering::Relaxed);
        let (op, ops, inflight) = (op.clone(), ops.clone(), inflight.clone());
        tasks.spawn(async move {
            op(seq, intended).await;
            ops.fetch_add(1, Ordering::Relaxed);
            inflight.fetch_sub(1, Ordering::Relaxed);
        });
        // Reap finished tasks as we go so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    Run {
        elapsed: start.elapsed(),
        ops: ops.load(Ordering::Relaxed),
        dropped,
    }
}
