//! Keep-alive latency of what a phone fetches first: the page, the web app's
//! own files (the ones `index.html` links), the API description, the contest
//! page and an attempt start — each `LATENCY_REQUESTS` times in a row over one
//! keep-alive connection, with a browser's headers (so compressed), on a quiet
//! server. This is where a reply waiting for the phone's delayed ACK shows:
//! ~40 ms instead of ~1 (#18, fixed by TCP_NODELAY on the server's sockets).
//! Figures only: nothing here fails a run but errors (a goal).
//!
//! The requests go over a plain TCP connection of the driver's own: reqwest's
//! pool opens a new connection whenever the last one is not back in the pool
//! yet, and a fresh connection acknowledges at once (Linux's quick-ACK start),
//! which hides the delayed ACK that a browser's long-lived connection meets.

use crate::load::{Decoder, Rec, Resp, Stats, browser_headers};
use crate::report::fmt_num;
use crate::{Bench, flows};
use anyhow::{Context, bail};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Requests per kind, one after the other on one connection.
const LATENCY_REQUESTS: usize = 200;

/// The same-origin files `index.html` links (`href="/…"`, `src="/…"`), in
/// order, without `/` itself.
fn linked_files(index: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in index.split(attr).skip(1) {
            let Some((value, _)) = part.split_once('"') else {
                continue;
            };
            if value.len() > 1
                && value.starts_with('/')
                && !value.starts_with("//")
                && !out.iter().any(|v| v == value)
            {
                out.push(value.to_owned());
            }
        }
    }
    out
}

/// `gzip 752 B (1,120 B)`: how an answer came, on the wire and decoded.
fn shape(r: &Resp) -> String {
    match r.encoding.as_deref() {
        Some(e) if !e.is_empty() && e != "identity" => format!(
            "{e} {} B ({} B)",
            fmt_num(r.wire as f64),
            fmt_num(r.body.len() as f64)
        ),
        _ => format!("not compressed, {} B", fmt_num(r.body.len() as f64)),
    }
}

/// One HTTP/1.1 keep-alive connection, used as a browser uses it: a request,
/// its whole answer, the next request. Reconnects only if the server closed it.
struct Conn {
    addr: String,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    /// Connections opened so far.
    opened: u64,
}

impl Conn {
    fn new(base: &str) -> Self {
        Self {
            addr: base.trim_start_matches("http://").to_owned(),
            stream: None,
            buf: Vec::new(),
            opened: 0,
        }
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let stream = self.stream.as_mut().context("not connected")?;
        let mut chunk = [0u8; 16 * 1024];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("the server closed the connection");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// The next line, without its CRLF.
    async fn line(&mut self) -> anyhow::Result<String> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            self.fill().await?;
        }
    }

    async fn take(&mut self, n: usize) -> anyhow::Result<Vec<u8>> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    /// Sends `method path` with a browser's headers and reads the whole answer.
    async fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
    ) -> anyhow::Result<Resp> {
        if self.stream.is_none() {
            let s = TcpStream::connect(&self.addr).await?;
            s.set_nodelay(true)?; // as browsers do
            self.stream = Some(s);
            self.buf.clear();
            self.opened += 1;
        }
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.addr);
        for (k, v) in &browser_headers() {
            req.push_str(&format!("{k}: {}\r\n", v.to_str()?));
        }
        if let Some(t) = token {
            req.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        if method == "POST" {
            req.push_str("Content-Length: 0\r\n");
        }
        req.push_str("\r\n");
        let stream = self.stream.as_mut().context("not connected")?;
        stream.write_all(req.as_bytes()).await?;

        let status_line = self.line().await?;
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("status line {status_line:?}"))?;
        let (mut length, mut chunked, mut close) = (None, false, false);
        let (mut encoding, mut retry_after) = (None, None);
        loop {
            let line = self.line().await?;
            if line.is_empty() {
                break;
            }
            let Some((k, v)) = line.split_once(':') else {
                bail!("header line {line:?}");
            };
            let v = v.trim();
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = Some(v.parse::<usize>()?),
                "transfer-encoding" => chunked = v.eq_ignore_ascii_case("chunked"),
                "content-encoding" => encoding = Some(v.to_owned()),
                "retry-after" => retry_after = Some(v.to_owned()),
                "connection" => close = v.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let wire = if chunked {
            let mut body = Vec::new();
            loop {
                let size = self.line().await?;
                let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)?;
                if size == 0 {
                    while !self.line().await?.is_empty() {} // trailers
                    break;
                }
                body.extend(self.take(size).await?);
                self.take(2).await?;
            }
            body
        } else if status == 204 || status == 304 {
            Vec::new()
        } else {
            self.take(length.unwrap_or(0)).await?
        };
        if close {
            self.stream = None;
        }
        let body = if wire.is_empty() {
            Vec::new()
        } else {
            let mut d = Decoder::new(encoding.as_deref())?;
            let mut body = d.feed(&wire)?;
            body.extend(d.finish()?);
            body
        };
        Ok(Resp {
            status,
            retry_after,
            body,
            encoding,
            wire: wire.len(),
        })
    }

    /// `request`, recorded in `stats` under `name`; None on a transport
    /// error (the connection is then dropped and the next request reopens it).
    async fn call(
        &mut self,
        stats: &Stats,
        name: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
    ) -> Option<Resp> {
        let t = Instant::now();
        let out = tokio::time::timeout(Duration::from_secs(60), self.request(method, path, token))
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r);
        stats.record(
            name,
            t.elapsed(),
            out.as_ref().ok().map(|r| r.status),
            out.as_ref().is_ok_and(|r| r.retry_after.is_some()),
        );
        match out {
            Ok(r) => Some(r),
            Err(e) => {
                stats.sample(name, 0, e.to_string().as_bytes());
                self.stream = None;
                None
            }
        }
    }
}

impl Bench {
    pub async fn latency(&mut self) -> anyhow::Result<()> {
        eprintln!("latency: keep-alive, compressed, {LATENCY_REQUESTS} requests per kind");
        let n = LATENCY_REQUESTS;
        let mut conn = Conn::new(&self.servers[0].base);
        let stats = Arc::new(Stats::default());
        let warm = Stats::default();
        // Not measured: opens the connection, and names the files to fetch.
        let index = conn.call(&warm, "index", "GET", "/", None).await;
        let Some(index) = index.filter(Resp::ok) else {
            self.report
                .skip("L keep-alive latency", "GET / did not answer 2xx");
            return Ok(());
        };
        // (label, path)
        let mut gets: Vec<(String, String)> = vec![("GET /".into(), "/".into())];
        for f in linked_files(&String::from_utf8_lossy(&index.body)) {
            gets.push((format!("GET {f}"), f));
        }
        gets.push(("GET /api/openapi.json".into(), "/api/openapi.json".into()));
        gets.push((
            "GET /api/v1/contests/{id}".into(),
            format!("/api/v1/contests/{}", self.world.play.id),
        ));

        let cpu = self.cpu();
        let t = Instant::now();
        let mut shapes: BTreeMap<String, String> = BTreeMap::new();
        for (label, path) in &gets {
            // One unmeasured request first (a route's first answer may build a cache).
            conn.call(&warm, "warm-up", "GET", path, None).await;
            let mut last = None;
            for _ in 0..n {
                last = conn.call(&stats, label, "GET", path, None).await.or(last);
            }
            shapes.insert(
                label.clone(),
                last.as_ref().map_or("no answer".into(), shape),
            );
        }

        // Attempt starts, each by a different person (201, a new paper), in
        // the play contest; submitted afterwards (not measured) so none stays open.
        let play = self.world.play.clone();
        let path = format!("/api/v1/contests/{}/attempts", play.id);
        let base = self.play_cursor;
        self.play_cursor += n + 1;
        let name = "POST /contests/{id}/attempts".to_owned();
        let mut started = Vec::new();
        let mut last_start = None;
        for k in 0..=n {
            let player = self.shared.player(base + k).clone();
            // The first one is not measured.
            let (into, label) = if k == 0 {
                (&warm, "warm-up")
            } else {
                (&*stats, name.as_str())
            };
            let resp = conn
                .call(into, label, "POST", &path, Some(&player.token))
                .await;
            if let Some(r) = resp.filter(Resp::ok) {
                if let Some(p) = flows::parse_attempt(&r, &player.token, &play) {
                    started.push(p);
                }
                last_start = Some(r);
            }
        }
        shapes.insert(
            name.clone(),
            last_start.as_ref().map_or("no answer".into(), shape),
        );
        self.cpu_note("latency", cpu, t.elapsed());
        let recs = stats.take();
        self.details_of("latency", &recs);

        let mut errors = warm
            .take()
            .values()
            .map(|r| r.errors_except(&[]))
            .sum::<u64>();
        let mut sent = 0;
        for (label, rec) in gets
            .into_iter()
            .map(|(label, _)| label)
            .chain([name])
            .filter_map(|label| recs.get(&label).map(|r| (label, r)))
        {
            errors += rec.errors_except(&[]);
            sent += rec.count();
            self.report.info(
                &format!("L {label}, {n} in a row on one keep-alive connection"),
                latency_cell(rec),
                shapes.get(&label).cloned().unwrap_or_default(),
            );
        }
        self.report.goal(
            "L keep-alive latency: errors, connections",
            errors == 0 && conn.opened == 1,
            format!(
                "{errors} errors of {sent}; {} connection(s) opened",
                conn.opened
            ),
            "0 errors, 1 connection",
        );

        let sh = self.shared.clone();
        sh.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(started);
        self.drain(&sh).await;
        Ok(())
    }
}

/// `p50 0.41 · p90 0.52 · p99 0.80 ms`
fn latency_cell(r: &Rec) -> String {
    format!(
        "p50 {} · p90 {} · p99 {} ms",
        fmt_num(r.ms(0.5)),
        fmt_num(r.ms(0.9)),
        fmt_num(r.ms(0.99))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_index_html_links() {
        let index = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../frontend/index.html"
        ))
        .unwrap();
        let files = linked_files(&index);
        assert!(files.contains(&"/app.js".to_owned()), "{files:?}");
        assert!(files.contains(&"/app.css".to_owned()), "{files:?}");
        assert!(files.iter().all(|f| f.len() > 1 && !f.starts_with("//")));
    }
}
