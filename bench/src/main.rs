//! crane-bench: the contest-day benchmark of Crane.
//!
//! Starts `crane serve` on a fresh database (SQLite in a temporary directory,
//! or a fresh PostgreSQL database), seeds what the scenarios should not
//! measure straight into the database, drives the HTTP API with a browser's
//! headers (so compressed) through the contest-day scenarios (keep-alive
//! latency of the first requests, login storm, opening rush, submit storm,
//! ranking, exports, a mixed last evening), measures baselines in the same run, checks
//! correctness under the load, and prints one table (also written as JSON
//! under `target/bench/`). Exits non-zero when a correctness check fails.

mod baselines;
mod flows;
mod latency;
mod load;
mod rankcheck;
mod report;
mod rng;
mod scenarios;
mod seed;
mod server;
mod stats;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use load::Client;
use report::Report;
use seed::{Backend, BenchDb, Sizes, World};
use server::Server;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum DbKind {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scenario {
    Latency,
    S1,
    S2,
    S3,
    Reads,
    S4,
    S5,
    S6,
    Scale,
    /// Phones playing through a failure (scripts/cluster.sh's drills): only
    /// when named in --only.
    Drill,
}

/// Contest-day benchmark of Crane: load scenarios, baselines, correctness checks.
#[derive(Parser, Debug)]
#[command(version)]
struct Opts {
    /// About a minute: small seeds (20,000 ranked attempts), short phases (the default).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// Under ten minutes: 1,000,000 ranked attempts, the 10-second burst, a 60-second evening.
    #[arg(long)]
    full: bool,
    /// The database the server runs on.
    #[arg(long, value_enum, default_value = "sqlite")]
    db: DbKind,
    /// PostgreSQL server (a database crane_bench_<pid> is created there and dropped at the end).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    pg: String,
    /// `crane serve` processes on the one database (2 needs --db postgres).
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// The server binary (default: `crane` next to this binary, i.e. target/release/crane).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Run only these scenarios (comma-separated); the default is all.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Scenario>,
    /// Where the JSON goes (default: target/bench/).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Exit non-zero when a performance goal fails too (not only correctness).
    #[arg(long)]
    strict: bool,
    /// Keep the temporary directory (server logs, SQLite file) and the
    /// PostgreSQL database, and print where they are.
    #[arg(long)]
    keep: bool,
    /// Extra environment for the server processes, KEY=VALUE (repeatable),
    /// e.g. CRANE_AUTH__HASH_QUEUE=16 or MALLOC_ARENA_MAX=2.
    #[arg(long = "server-env", value_name = "KEY=VALUE")]
    server_env: Vec<String>,
    /// Run on a topology (scripts/cluster.sh): the instances listen on these
    /// ports (comma-separated, one per instance) instead of free ones...
    #[arg(long, value_delimiter = ',')]
    ports: Vec<u16>,
    /// ...the load goes through this address (a load balancer in front of
    /// them) instead of to the instances in turn...
    #[arg(long)]
    via: Option<String>,
    /// ...the instances reach the benchmark's database through this server
    /// (a connection pooler) instead of --pg...
    #[arg(long)]
    server_pg: Option<String>,
    /// ...and read the lag-tolerant routes from this server's copy of it (a
    /// streaming replica of --pg): `database.read_url`.
    #[arg(long)]
    replica_pg: Option<String>,
    /// How long `--only drill` plays (seconds).
    #[arg(long, default_value_t = 30)]
    drill_seconds: u64,
}

/// Phase lengths and seed sizes of a mode.
pub struct Plan {
    pub full: bool,
    pub login: Duration,
    pub hash: Duration,
    pub write: Duration,
    pub read: Duration,
    pub rush_closed: Duration,
    pub step: Duration,
    pub burst: Duration,
    pub submit_closed: Duration,
    pub submit_open: Duration,
    pub mixed: Duration,
    pub scale: Duration,
    pub sizes: Sizes,
}

impl Plan {
    fn new(full: bool) -> Self {
        let s = Duration::from_secs;
        if full {
            Plan {
                full,
                login: s(8),
                hash: s(5),
                write: s(5),
                read: s(5),
                rush_closed: s(8),
                step: s(3),
                burst: s(10),
                submit_closed: s(10),
                submit_open: s(10),
                mixed: s(60),
                scale: s(5),
                sizes: Sizes {
                    players: 60_000,
                    rank_attempts: 1_000_000,
                    stale: 50,
                },
            }
        } else {
            Plan {
                full,
                login: s(3),
                hash: s(2),
                write: s(2),
                read: s(2),
                rush_closed: s(2),
                step: s(1),
                burst: s(2),
                submit_closed: s(3),
                submit_open: s(3),
                mixed: s(10),
                scale: s(2),
                sizes: Sizes {
                    players: 15_000,
                    rank_attempts: 20_000,
                    stale: 20,
                },
            }
        }
    }
}

/// Rates measured along the way that later phases size themselves on.
#[derive(Default, Clone, Copy)]
pub struct Measured {
    pub b_write: Option<f64>,
    pub start_rate: Option<f64>,
    pub submit_rate: Option<f64>,
    pub read_rate: Option<f64>,
    pub login_rate: Option<f64>,
}

pub struct Bench {
    pub plan: Plan,
    pub only: Vec<Scenario>,
    pub drill_seconds: u64,
    pub cores: usize,
    pub client: Arc<Client>,
    pub servers: Vec<Server>,
    pub db: crane::store::Db,
    pub backend: Backend,
    pub world: Arc<World>,
    pub report: Report,
    pub measured: Measured,
    pub shared: flows::Shared,
    /// Next player to start an attempt in the play contest.
    pub play_cursor: usize,
    /// Late submits sent, and refused with 409 attempt_expired.
    pub late: Option<(u64, u64)>,
}

impl Bench {
    pub fn wants(&self, s: Scenario) -> bool {
        (self.only.is_empty() && s != Scenario::Drill) || self.only.contains(&s)
    }

    /// Starts a new peak-RSS window; returns the largest RSS now, in MB.
    pub fn reset_peaks(&self) -> f64 {
        for s in &self.servers {
            s.reset_peak();
        }
        self.servers
            .iter()
            .filter_map(|s| s.rss())
            .max()
            .unwrap_or(0) as f64
            / 1_048_576.0
    }

    /// The largest peak RSS of the instances, in MB.
    pub fn peak_mb(&self) -> f64 {
        self.servers
            .iter()
            .filter_map(|s| s.peak_rss())
            .max()
            .unwrap_or(0) as f64
            / 1_048_576.0
    }

    /// (server, driver, PostgreSQL, whole machine) busy CPU seconds so far.
    pub fn cpu(&self) -> [f64; 4] {
        [
            self.servers.iter().map(|s| s.cpu_seconds()).sum(),
            server::proc_cpu_seconds(std::process::id()),
            if self.backend == Backend::Postgres {
                server::postgres_cpu_seconds()
            } else {
                0.0
            },
            server::machine_busy_seconds(),
        ]
    }

    /// One detail line: how busy the server, the driver, PostgreSQL and
    /// everything else on the machine (other people's builds and tests) were.
    pub fn cpu_note(&mut self, phase: &str, before: [f64; 4], wall: Duration) {
        let after = self.cpu();
        let cap = wall.as_secs_f64() * self.cores as f64;
        let d: Vec<f64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
        let pct = |x: f64| 100.0 * x / cap;
        let pg = if self.backend == Backend::Postgres {
            format!(", PostgreSQL {:.0} %", pct(d[2]))
        } else {
            String::new()
        };
        self.report.detail(format!(
            "{phase}: {:.1} s wall; CPU of the machine used by the server {:.0} %, the driver {:.0} %{pg}, other processes {:.0} %",
            wall.as_secs_f64(),
            pct(d[0]),
            pct(d[1]),
            pct(d[3] - d[0] - d[1] - d[2]).max(0.0)
        ));
    }
}

fn git_revision() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn default_server_bin() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("crane")))
        .unwrap_or_else(|| PathBuf::from("target/release/crane"))
}

fn default_out_dir() -> PathBuf {
    // target/release/crane-bench → target/bench
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(|t| t.join("bench")))
        .unwrap_or_else(|| PathBuf::from("target/bench"))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let opts = Opts::parse();
    match run(opts).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("crane-bench: {e:#}");
            std::process::exit(2);
        }
    }
}

async fn run(opts: Opts) -> anyhow::Result<i32> {
    if opts.instances == 0 || opts.instances > 8 {
        bail!("--instances must be 1..=8");
    }
    if opts.instances > 1 && opts.db != DbKind::Postgres {
        bail!("--instances {} needs --db postgres", opts.instances);
    }
    let plan = Plan::new(opts.full);
    let backend = match opts.db {
        DbKind::Sqlite => Backend::Sqlite,
        DbKind::Postgres => Backend::Postgres,
    };
    let server_bin = opts.server_bin.clone().unwrap_or_else(default_server_bin);
    if !server_bin.exists() {
        bail!(
            "no server binary at {} (cargo build --release --bin crane, or pass --server-bin)",
            server_bin.display()
        );
    }
    let tmp = tempfile::Builder::new()
        .prefix("crane-bench-")
        .tempdir()
        .context("creating a temporary directory")?;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = Instant::now();
    let server_env: Vec<(String, String)> = opts
        .server_env
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("--server-env {kv}: expected KEY=VALUE"))
        })
        .collect::<anyhow::Result<_>>()?;

    eprintln!(
        "crane-bench: {} mode on {}, {} instance(s), {} cores",
        if plan.full { "full" } else { "quick" },
        backend.name(),
        opts.instances,
        cores
    );
    let bdb = BenchDb::create(backend, tmp.path(), &opts.pg).await?;
    let result = async {
        let t = Instant::now();
        let world = seed::seed(&bdb.db, &plan.sizes, now_ms()).await?;
        if backend == Backend::Postgres {
            seed::analyze(&bdb.db).await?;
        }
        let seeded = t.elapsed();
        eprintln!(
            "seeded {} players, {} ranked participants with {} attempts in {:.1} s",
            world.players.len(),
            world.rank.users.len(),
            world.rank.attempts.len(),
            seeded.as_secs_f64()
        );
        let db_name = bdb.url.rsplit('/').next().unwrap_or_default().to_owned();
        let server_url = match &opts.server_pg {
            Some(base) => format!("{}/{db_name}", base.trim_end_matches('/')),
            None => bdb.url.clone(),
        };
        let mut instance_env = server_env.clone();
        if let Some(base) = &opts.replica_pg {
            instance_env.push((
                "CRANE_DATABASE__READ_URL".to_owned(),
                format!("{}/{db_name}", base.trim_end_matches('/')),
            ));
        }
        let mut servers = Vec::new();
        for i in 0..opts.instances {
            servers.push(
                Server::start_on(
                    &server_bin,
                    &server_url,
                    tmp.path(),
                    &format!("crane-{i}"),
                    &instance_env,
                    opts.ports.get(i).copied(),
                )
                .await?,
            );
        }
        if let Some(via) = &opts.via {
            // The balancer marks a backend up only after its own health
            // checks pass: wait for that, then for the others to rise too.
            let http = reqwest::Client::new();
            let url = format!("{}/healthz", via.trim_end_matches('/'));
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until {
                if http.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        let bases = match &opts.via {
            Some(via) => vec![via.trim_end_matches('/').to_owned()],
            None => servers.iter().map(|s| s.base.clone()).collect(),
        };
        let client = Arc::new(Client::new(bases)?);
        let world = Arc::new(world);
        let mut report = Report::default();
        report.header("crane-bench", format!(
            "{} mode, revision {}, {}",
            if plan.full { "full" } else { "quick" },
            git_revision(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
        ));
        report.header("machine", format!(
            "{cores} cores, {} GiB RAM, load average {} at start; driver and server share the cores",
            mem_gib(),
            std::fs::read_to_string("/proc/loadavg")
                .ok()
                .and_then(|l| l.split_whitespace().next().map(str::to_owned))
                .unwrap_or_default()
        ));
        report.header("database", format!("{}; {}", baselines::describe(backend, &opts.pg), bdb.durability().await));
        report.header("server", format!(
            "{} × `crane serve` ({}){}, default settings, abuse limits lifted{}",
            opts.instances,
            server_bin.display(),
            match (&opts.via, &opts.server_pg, &opts.replica_pg) {
                (None, None, None) => String::new(),
                (via, pg, replica) => format!(
                    ", load through {}, database through {}, lag-tolerant reads on {}",
                    via.as_deref().unwrap_or("each instance in turn"),
                    pg.as_deref().map_or_else(|| "--pg".to_owned(), crane::settings::redact_url),
                    replica
                        .as_deref()
                        .map_or_else(|| "the primary".to_owned(), crane::settings::redact_url),
                ),
            },
            if opts.server_env.is_empty() {
                String::new()
            } else {
                format!(", plus {}", opts.server_env.join(" "))
            }
        ));
        report.header("seed", format!(
            "{} players with sessions; ranking contest: {} participants, {} attempts (seeded in {:.1} s)",
            world.players.len(),
            world.rank.users.len(),
            world.rank.attempts.len(),
            seeded.as_secs_f64()
        ));
        let shared = flows::Shared::new(client.clone(), world.clone());
        let mut bench = Bench {
            plan,
            only: opts.only.clone(),
            drill_seconds: opts.drill_seconds,
            cores,
            client,
            servers,
            db: bdb.db.clone(),
            backend,
            world,
            report,
            measured: Measured::default(),
            shared,
            play_cursor: 0,
            late: None,
        };
        let outcome = bench.run_all().await;
        let logs: Vec<String> = bench.servers.iter().map(|s| s.log_tail()).collect();
        bench
            .report
            .extra
            .insert("server_log_tails".into(), serde_json::json!(logs));
        let errors: Vec<String> = bench.servers.iter().flat_map(|s| s.log_errors(5)).collect();
        for e in &errors {
            bench.report.detail(format!("server log ERROR: {e}"));
        }
        for s in std::mem::take(&mut bench.servers) {
            s.stop().await;
        }
        if let Err(e) = outcome {
            for (i, l) in logs.iter().enumerate() {
                eprintln!("--- server {i} log (tail) ---\n{l}");
            }
            return Err(e);
        }
        Ok::<_, anyhow::Error>(bench)
    }
    .await;

    let dropped = if opts.keep {
        eprintln!("kept the database: {}", bdb.url);
        Ok(())
    } else {
        bdb.drop_db().await
    };
    let bench = match result {
        Ok(b) => b,
        Err(e) => {
            if opts.keep {
                eprintln!("kept {}", tmp.keep().display());
            }
            return Err(e);
        }
    };
    dropped?;
    let mut report = bench.report;
    report.header(
        "wall time",
        format!("{:.0} s", started.elapsed().as_secs_f64()),
    );

    let table = report.table();
    println!("{table}");
    if !report.details.is_empty() {
        println!("details:");
        for d in &report.details {
            println!("  {d}");
        }
    }
    let out_dir = opts.out_dir.clone().unwrap_or_else(default_out_dir);
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let file = out_dir.join(format!(
        "{}-{}-{}{}.json",
        chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
        if opts.full { "full" } else { "quick" },
        backend.name(),
        if opts.instances > 1 {
            format!("-x{}", opts.instances)
        } else {
            String::new()
        }
    ));
    let mut json = report.to_json();
    json["table"] = serde_json::Value::String(table);
    std::fs::write(&file, serde_json::to_string_pretty(&json)?)?;
    println!("\nwritten to {}", file.display());
    if opts.keep {
        println!("kept {}", tmp.keep().display());
    }
    let goals_failed = report.goals_failed();
    if report.correctness_failed() {
        eprintln!("crane-bench: a correctness check FAILED");
        return Ok(1);
    }
    if opts.strict && goals_failed > 0 {
        eprintln!("crane-bench: {goals_failed} performance goal(s) failed (--strict)");
        return Ok(3);
    }
    Ok(0)
}

fn mem_gib() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<f64>()
                .ok()
        })
        .map_or_else(|| "?".into(), |kb| format!("{:.0}", kb / 1_048_576.0))
}
