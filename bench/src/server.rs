//! Starting and stopping `crane serve` processes, and reading what the kernel
//! knows about them (peak RSS, CPU time).

use anyhow::{Context, bail};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct Server {
    child: Child,
    pub pid: u32,
    pub base: String,
    log: PathBuf,
}

/// A port nobody listens on right now (bound to port 0, then released).
fn free_port() -> anyhow::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(l.local_addr()?.port())
}

impl Server {
    /// Starts `bin serve` on a free loopback port against `database_url`, with
    /// the abuse limits lifted, and waits until `/healthz` answers.
    pub async fn start(
        bin: &Path,
        database_url: &str,
        log_dir: &Path,
        name: &str,
        extra_env: &[(String, String)],
    ) -> anyhow::Result<Self> {
        Self::start_on(bin, database_url, log_dir, name, extra_env, None).await
    }

    /// The same on a given port (a load balancer's backend), or a free one.
    pub async fn start_on(
        bin: &Path,
        database_url: &str,
        log_dir: &Path,
        name: &str,
        extra_env: &[(String, String)],
        port: Option<u16>,
    ) -> anyhow::Result<Self> {
        let port = match port {
            Some(p) => p,
            None => free_port()?,
        };
        let log = log_dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).with_context(|| format!("creating {log:?}"))?;
        let err = out.try_clone()?;
        let child = Command::new(bin)
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("CRANE_BIND", format!("127.0.0.1:{port}"))
            .env("CRANE_DEMO_ON_EMPTY_DB", "false")
            .env("CRANE_LOG_LEVEL", "warn")
            .env_remove("RUST_LOG")
            .env("CRANE_LIMITS__REGISTRATIONS_PER_IP_PER_MINUTE", "1000000")
            .env("CRANE_LIMITS__LOGINS_PER_IP_PER_MINUTE", "1000000")
            .env("CRANE_LIMITS__LOGIN_FAILURES_PER_PHONE", "1000000")
            // The code routes are measured for their cost, not their limits.
            .env("CRANE_LIMITS__OTP_PER_IP_PER_HOUR", "1000000")
            .env("CRANE_AUTH__OTP_RESEND_SECONDS", "0")
            .env("CRANE_AUTH__OTP_PER_PHONE_PER_DAY", "1000000000")
            .env("CRANE_AUTH__OTP_MAX_CHECKS", "1000000000")
            .envs(extra_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (build it with cargo build --release --bin crane)",
                    bin.display()
                )
            })?;
        let pid = child.id().context("server pid")?;
        let mut s = Server {
            child,
            pid,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        s.wait_healthy().await?;
        Ok(s)
    }

    async fn wait_healthy(&mut self) -> anyhow::Result<()> {
        let client = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(60);
        while Instant::now() < until {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited ({status}) before answering; its log:\n{}",
                    self.log_tail()
                );
            }
            if let Ok(r) = client.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "the server did not answer /healthz within 60 s; its log:\n{}",
            self.log_tail()
        )
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Up to `n` distinct ERROR lines of the server's log (timestamps cut).
    pub fn log_errors(&self, n: usize) -> Vec<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for line in text.lines().filter(|l| l.contains("ERROR")) {
            let line = strip_ansi(line);
            let msg = line
                .split_once("ERROR")
                .map_or(line.as_str(), |(_, m)| m)
                .trim();
            let msg: String = msg.chars().take(400).collect();
            if seen.insert(msg.clone()) {
                out.push(msg);
                if out.len() >= n {
                    break;
                }
            }
        }
        out
    }

    /// Peak resident set size since start or the last [`Server::reset_peak`], in bytes.
    pub fn peak_rss(&self) -> Option<u64> {
        proc_status_kb(self.pid, "VmHWM:").map(|kb| kb * 1024)
    }

    /// Resident set size now, in bytes.
    pub fn rss(&self) -> Option<u64> {
        proc_status_kb(self.pid, "VmRSS:").map(|kb| kb * 1024)
    }

    /// Starts a new peak-RSS window (writing 5 to clear_refs resets VmHWM).
    pub fn reset_peak(&self) {
        let _ = std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5");
    }

    /// User + system CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> f64 {
        proc_cpu_seconds(self.pid)
    }

    /// SIGTERM, then SIGKILL if it has not exited within 10 s.
    pub async fn stop(mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status();
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// Removes terminal colour codes (`ESC [ … m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn proc_status_kb(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(key))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// utime + stime of a process, in seconds (from /proc/<pid>/stat).
pub fn proc_cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name may contain spaces: fields start after the last ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After ')': state is field 3, utime 14, stime 15 (1-based in proc(5)).
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (tick(11) + tick(12)) / clock_ticks()
}

/// CPU seconds used so far by every process named `postgres` (all databases of
/// the cluster, so other users' work too).
pub fn postgres_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(proc_cpu_seconds)
        .sum()
}

/// Busy CPU seconds of the whole machine since boot (all cores, from /proc/stat).
pub fn machine_busy_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return 0.0;
    };
    let Some(line) = stat.lines().next() else {
        return 0.0;
    };
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …: busy = all − idle − iowait.
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    (total - idle) / clock_ticks()
}

fn clock_ticks() -> f64 {
    // USER_HZ is 100 on every Linux we run on.
    100.0
}
