//! The contest-day scenarios, their baselines and the correctness checks.

use crate::flows::{self, Shared};
use crate::load::{Client, Decoder, Rec, Stats, call, closed_loop, open_loop, send};
use crate::report::fmt_num;
use crate::rng::Rng;
use crate::{Bench, Scenario, baselines, rankcheck, stats};
use anyhow::Context;
use sea_orm::ConnectionTrait;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 64;
const MAX_INFLIGHT: usize = 4096;

fn rec<'a>(recs: &'a BTreeMap<String, Rec>, name: &str) -> Option<&'a Rec> {
    recs.get(name)
}

fn ok_of(recs: &BTreeMap<String, Rec>, name: &str) -> u64 {
    rec(recs, name).map_or(0, Rec::ok)
}

fn p99_of(recs: &BTreeMap<String, Rec>, name: &str) -> f64 {
    rec(recs, name).map_or(f64::NAN, |r| r.ms(0.99))
}

/// Non-2xx answers and transport errors of every record, plus "starved".
fn errors_of(recs: &BTreeMap<String, Rec>) -> u64 {
    recs.values().map(|r| r.errors_except(&[])).sum()
}

impl Bench {
    pub async fn run_all(&mut self) -> anyhow::Result<()> {
        // First, while the server is quiet.
        if self.wants(Scenario::Latency) {
            self.latency().await?;
        }
        if self.wants(Scenario::S1) {
            self.s1().await?;
        }
        if self.wants(Scenario::Reads) {
            self.reads().await?;
        }
        if self.wants(Scenario::S2) {
            self.s2().await?;
        }
        if self.wants(Scenario::S3) {
            self.s3().await?;
        }
        if self.wants(Scenario::S4) || self.wants(Scenario::S5) {
            self.s4_s5().await?;
        }
        if self.wants(Scenario::S6) {
            self.s6().await?;
        }
        if self.wants(Scenario::Scale) && self.servers.len() > 1 {
            self.scale().await?;
        }
        if self.wants(Scenario::Drill) {
            self.drill().await?;
        }
        self.final_checks().await
    }

    pub(crate) fn details_of(&mut self, label: &str, recs: &BTreeMap<String, Rec>) {
        for (name, r) in recs {
            self.report.detail(format!("{label} {name}: {}", r.line()));
        }
        self.report.extra.insert(
            label.to_owned(),
            serde_json::Value::Object(recs.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        );
    }

    /// Closed loop of GETs on `path`, `CLIENTS` at once; 2xx per second.
    async fn get_rate(&mut self, label: &str, path: &str, d: Duration) -> f64 {
        let stats = Arc::new(Stats::default());
        let sh = self.shared.with_stats(stats.clone());
        let path = path.to_owned();
        let cpu = self.cpu();
        let run = closed_loop(CLIENTS, d, move |_, _| {
            let (sh, path) = (sh.clone(), path.clone());
            async move {
                let req = sh.client.http.get(sh.client.url(&path));
                call(&sh.stats, "get", Instant::now(), req).await;
                true
            }
        })
        .await;
        self.cpu_note(label, cpu, run.elapsed);
        let recs = stats.take();
        self.details_of(label, &recs);
        ok_of(&recs, "get") as f64 / run.elapsed.as_secs_f64()
    }

    // ---------------------------------------------------------------- S1

    async fn s1(&mut self) -> anyhow::Result<()> {
        eprintln!("S1 login storm");
        let (cores, d) = (self.cores, self.plan.hash);
        let b_hash = tokio::task::spawn_blocking(move || baselines::hash_rate(cores, d)).await?;
        let b_hash1 = tokio::task::spawn_blocking(move || baselines::hash_rate(1, d)).await?;
        self.report.detail(format!(
            "B_hash: {b_hash:.1} Argon2id hashes/s with {cores} threads, {b_hash1:.1}/s with 1 thread"
        ));
        let before = self.reset_peaks();
        let (mut total_503, mut missing, mut other) = (0u64, 0u64, 0u64);
        for c in [1usize, 16, 256] {
            let stats = Arc::new(Stats::default());
            let sh = self.shared.with_stats(stats.clone());
            let dur = self.plan.login;
            let end = Instant::now() + dur;
            let cpu = self.cpu();
            let run = closed_loop(c, dur, move |w, i| {
                let sh = sh.clone();
                async move {
                    let idx = w * 7919 + i as usize * 104_729;
                    let player = sh.player(idx).clone();
                    let resp = flows::login_recorded(&sh, "login", Instant::now(), &player).await;
                    if let Some(r) = resp
                        && r.status == 503
                    {
                        // A well-behaved phone waits as told (a little jitter).
                        let secs = r
                            .retry_after
                            .as_deref()
                            .and_then(|s| s.trim().parse::<f64>().ok())
                            .unwrap_or(1.0);
                        let wait = Duration::from_secs_f64(secs * (0.75 + (w % 8) as f64 / 32.0));
                        tokio::time::sleep(wait.min(end.saturating_duration_since(Instant::now())))
                            .await;
                    }
                    true
                }
            })
            .await;
            let label = format!("S1 c={c}");
            self.cpu_note(&label, cpu, run.elapsed);
            let recs = stats.take();
            self.details_of(&label, &recs);
            let ok = ok_of(&recs, "login");
            let rate = ok as f64 / run.elapsed.as_secs_f64();
            if c == 16 {
                self.measured.login_rate = Some(rate);
            }
            let r503 = rec(&recs, "login_503");
            total_503 += r503.map_or(0, |r| r.status(503));
            missing += r503.map_or(0, |r| r.missing_retry_after);
            other += rec(&recs, "login_other").map_or(0, Rec::count);
            let (base_name, base) = if c >= cores {
                ("B_hash", b_hash)
            } else {
                ("B_hash(1 thread)", b_hash1 * c as f64)
            };
            self.report.at_least_ratio(
                &format!("G3 logins/s, {c} client{}", if c > 1 { "s" } else { "" }),
                rate,
                "/s",
                base_name,
                base,
                0.9,
            );
            self.report.annotate_last(&format!(
                " · p99 {} ms · 503×{}",
                fmt_num(p99_of(&recs, "login")),
                r503.map_or(0, |r| r.status(503))
            ));
        }
        self.report.goal(
            "G3 overflow answered 503 + Retry-After",
            missing == 0 && other == 0,
            format!("{total_503} × 503, {missing} without Retry-After, {other} other errors"),
            "every 503 has Retry-After; no other error",
        );
        self.code_routes_under_logins().await;
        let peak = self.peak_mb();
        self.report
            .limit("G3 server peak RSS during S1", peak, "MB", 256.0, false);
        self.report
            .annotate_last(&format!(" · {before:.0} MB before"));
        Ok(())
    }

    /// The one-time code routes while 16 clients sign in: 4 more clients
    /// alternate `POST /auth/otp` (a reset code for a registered phone, so an
    /// SMS is queued) and `POST /auth/reset` with a wrong code. The bench's
    /// server runs without the per-phone gap and daily cap (their cost is the
    /// same conditional UPDATE either way), so every request does the work.
    async fn code_routes_under_logins(&mut self) {
        let stats = Arc::new(Stats::default());
        let sh = self.shared.with_stats(stats.clone());
        let dur = self.plan.login;
        let logins = {
            let sh = sh.clone();
            closed_loop(16, dur, move |w, i| {
                let sh = sh.clone();
                async move {
                    let player = sh.player(w * 7919 + i as usize * 104_729).clone();
                    flows::login_recorded(&sh, "login", Instant::now(), &player).await;
                    true
                }
            })
        };
        let codes = {
            let sh = sh.clone();
            closed_loop(4, dur, move |w, i| {
                let sh = sh.clone();
                async move {
                    let player = sh.player(w * 104_729 + i as usize * 7919).clone();
                    let t = Instant::now();
                    if i % 2 == 0 {
                        let r = flows::request_code(&sh, &player.phone, "reset").await;
                        flows::record_as(&sh, "otp", t, &r, 202);
                    } else {
                        let r = flows::reset_wrong(&sh, &player.phone).await;
                        flows::record_as(&sh, "reset_wrong_code", t, &r, 422);
                    }
                    true
                }
            })
        };
        let (run, _) = tokio::join!(logins, codes);
        let recs = stats.take();
        self.details_of("S1 codes under logins", &recs);
        let secs = run.elapsed.as_secs_f64();
        let line = |name: &str| {
            rec(&recs, name).map_or("none".to_owned(), |r| {
                format!(
                    "{:.0}/s, p50 {} ms, p99 {} ms",
                    r.count() as f64 / secs,
                    fmt_num(r.ms(0.5)),
                    fmt_num(r.ms(0.99))
                )
            })
        };
        self.report.detail(format!(
            "S1 codes under 16 login clients: POST /auth/otp {} · POST /auth/reset (wrong code) {} · logins {} · other answers {}",
            line("otp"),
            line("reset_wrong_code"),
            line("login"),
            rec(&recs, "otp_other").map_or(0, Rec::count)
                + rec(&recs, "reset_wrong_code_other").map_or(0, Rec::count)
        ));
    }

    // ---------------------------------------------------------------- G6

    async fn reads(&mut self) -> anyhow::Result<()> {
        eprintln!("G6 reads");
        let d = self.plan.read;
        let hello = self.get_rate("B_hello", "/healthz", d).await;
        let path = format!("/api/v1/contests/{}", self.world.play.id);
        let reads = self.get_rate("G6 reads", &path, d).await;
        self.measured.read_rate = Some(reads);
        self.report.at_least_ratio(
            "G6 contest page GET /contests/{id}, 64 clients",
            reads,
            "/s",
            "B_hello",
            hello,
            0.5,
        );
        Ok(())
    }

    async fn b_write(&mut self) -> anyhow::Result<f64> {
        if let Some(b) = self.measured.b_write {
            return Ok(b);
        }
        let b = baselines::write_rate(&self.db, CLIENTS, self.plan.write).await?;
        self.report.detail(format!(
            "B_write: {b:.0} single-row write transactions/s ({CLIENTS} tasks, app pool settings)"
        ));
        // Evidence for the write path: 8-statement transactions (a submit
        // runs about as many).
        let eight = baselines::write_rate_with(&self.db, CLIENTS, self.plan.write, 8).await?;
        self.report.detail(format!(
            "B_write, 8 statements per transaction: {eight:.0}/s"
        ));
        self.measured.b_write = Some(b);
        Ok(b)
    }

    // ---------------------------------------------------------------- S2

    async fn s2(&mut self) -> anyhow::Result<()> {
        eprintln!("S2 opening rush");
        let b_write = self.b_write().await?;
        let rush = self.world.rush.clone();

        // Capacity: 64 phones, each a different person, starting as fast as answered.
        let stats = Arc::new(Stats::default());
        let sh = self.shared.with_stats(stats.clone());
        let op_rush = rush.clone();
        let cpu = self.cpu();
        let run = closed_loop(CLIENTS, self.plan.rush_closed, move |_, _| {
            let (sh, rush) = (sh.clone(), op_rush.clone());
            async move { rush_start(&sh, &rush, Instant::now()).await }
        })
        .await;
        self.cpu_note("S2 closed", cpu, run.elapsed);
        let recs = stats.take();
        self.details_of("S2 closed", &recs);
        let start_rate = ok_of(&recs, "start") as f64 / run.elapsed.as_secs_f64();
        self.measured.start_rate = Some(start_rate);
        self.report.at_least_ratio(
            "G2 starts/s, 64 clients closed loop",
            start_rate,
            "/s",
            "B_write",
            b_write,
            0.5,
        );
        self.report
            .annotate_last(&format!(" · p99 {} ms", fmt_num(p99_of(&recs, "start"))));

        // Stepped up, open loop.
        let mut best_step = 0.0;
        for f in [0.25, 0.5, 0.75, 1.0] {
            let rate = (f * start_rate).max(1.0);
            let (recs, run) = self.rush_open(&rush, rate, self.plan.step).await;
            let label = format!("S2 step {}/s", fmt_num(rate));
            self.details_of(&label, &recs);
            let p99 = p99_of(&recs, "start");
            if p99 <= 100.0 && errors_of(&recs) == 0 && run.dropped == 0 {
                best_step = rate;
            }
        }
        self.report.info(
            "S2 highest stepped start rate with p99 ≤ 100 ms, no errors",
            format!("{} /s", fmt_num(best_step)),
            "steps at 25/50/75/100 % of capacity",
        );

        // The burst: half as much again as the capacity just measured. Every
        // start must be answered, 201 or 503 with Retry-After (nothing written).
        let secs = self.plan.burst.as_secs();
        let burst_rate = 1.5 * start_rate;
        let cpu = self.cpu();
        let (recs, run) = self.rush_open(&rush, burst_rate, self.plan.burst).await;
        self.cpu_note("S2 burst", cpu, run.elapsed);
        self.details_of("S2 burst", &recs);
        let label = format!(
            "G2 burst 1.5 × capacity ({} starts/s) for {secs} s",
            fmt_num(burst_rate)
        );
        self.report.info(
            &format!("{label}: p99"),
            format!("{} ms", fmt_num(p99_of(&recs, "start"))),
            "201s and 503s",
        );
        let refused = rec(&recs, "start").map_or(0, |r| r.status(503));
        let bare = recs.values().map(|r| r.missing_retry_after).sum::<u64>();
        let errors =
            recs.values().map(|r| r.errors_except(&[503])).sum::<u64>() + bare + run.dropped;
        self.report.goal(
            &format!("{label}: unanswered"),
            errors == 0,
            format!(
                "{errors} ({} sent: {} × 201, {refused} × 503 with Retry-After, {bare} × 503 without, {} not sent)",
                run.ops + run.dropped,
                ok_of(&recs, "start"),
                run.dropped
            ),
            "0 (201, or 503 + Retry-After)",
        );

        // The draw.
        let (per_q, pos, papers, bad) = {
            let t = self.shared.draws.lock().unwrap_or_else(|e| e.into_inner());
            let per_q: Vec<u64> = rush
                .bank
                .keys()
                .map(|q| t.per_question.get(q).copied().unwrap_or(0))
                .collect();
            (per_q, t.correct_position, t.papers, t.bad_papers)
        };
        let (chi, p) = stats::chi_square_uniform(&per_q);
        self.report.goal(
            "G2 draw: question frequencies over the starts, χ²(199)",
            p >= 0.001,
            format!("χ² = {chi:.1}, p = {p:.3} ({papers} papers)"),
            "p ≥ 0.001",
        );
        let (chi, p) = stats::chi_square_uniform(&pos);
        self.report.goal(
            "G2 draw: position of the right option, χ²(3)",
            p >= 0.001,
            format!("χ² = {chi:.1}, p = {p:.3}"),
            "p ≥ 0.001",
        );
        self.report.check(
            "papers: 20 distinct questions, 5 per category, all options",
            bad == 0,
            format!("{bad} bad of {papers}"),
            "0 bad",
        );
        Ok(())
    }

    async fn rush_open(
        &mut self,
        rush: &crate::seed::Contest,
        rate: f64,
        d: Duration,
    ) -> (BTreeMap<String, Rec>, crate::load::Run) {
        let stats = Arc::new(Stats::default());
        let sh = self.shared.with_stats(stats.clone());
        let rush = rush.clone();
        let run = open_loop(rate, d, MAX_INFLIGHT, move |_, intended| {
            let (sh, rush) = (sh.clone(), rush.clone());
            async move { rush_start(&sh, &rush, intended).await }
        })
        .await;
        (stats.take(), run)
    }

    // ---------------------------------------------------------------- S3

    /// Starts `n` attempts in the play contest (64 at a time, not measured)
    /// and queues them for their submit.
    async fn prepare(&mut self, sh: &Shared, n: usize) {
        let base = self.play_cursor;
        self.play_cursor += n;
        let next = Arc::new(AtomicUsize::new(0));
        let sh = sh.with_stats(Arc::new(Stats::default()));
        let play = self.world.play.clone();
        closed_loop(CLIENTS, Duration::from_secs(600), move |_, _| {
            let (sh, next, play) = (sh.clone(), next.clone(), play.clone());
            async move {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= n {
                    return false;
                }
                let player = sh.player(base + k).clone();
                if let Some((_, p)) =
                    flows::start(&sh, "prep", Instant::now(), &player, &play).await
                {
                    sh.prepared
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push_back(p);
                }
                true
            }
        })
        .await;
    }

    /// Submits whatever is still queued (not measured), so no attempt stays open.
    pub(crate) async fn drain(&mut self, sh: &Shared) {
        let sh = sh.with_stats(Arc::new(Stats::default()));
        closed_loop(CLIENTS, Duration::from_secs(600), move |_, _| {
            let sh = sh.clone();
            async move {
                let p = sh
                    .prepared
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .pop_front();
                match p {
                    Some(p) => {
                        flows::submit(&sh, "drain", Instant::now(), &p).await;
                        true
                    }
                    None => false,
                }
            }
        })
        .await;
    }

    /// Closed loop of submits over prepared attempts; 2xx submits per second.
    async fn submit_closed(&mut self, sh: &Shared, label: &str, d: Duration) -> f64 {
        let stats = Arc::new(Stats::default());
        let sh = sh.with_stats(stats.clone());
        let seq = Arc::new(AtomicUsize::new(0));
        let cpu = self.cpu();
        let run = closed_loop(CLIENTS, d, move |_, _| {
            let (sh, seq) = (sh.clone(), seq.clone());
            async move {
                let p = sh
                    .prepared
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .pop_front();
                let Some(p) = p else { return false };
                let k = seq.fetch_add(1, Ordering::Relaxed) as u64;
                // One in 32 twice at once, one in 32 again after its answer.
                let variant = match k % 32 {
                    0 => 2,
                    16 => 1,
                    _ => 0,
                };
                flows::submit_variant(&sh, "submit", Instant::now(), &p, variant).await;
                true
            }
        })
        .await;
        self.cpu_note(label, cpu, run.elapsed);
        let recs = stats.take();
        self.details_of(label, &recs);
        if run.elapsed < d.mul_f64(0.8) {
            self.report.detail(format!(
                "{label}: the prepared attempts ran out after {:.1} s",
                run.elapsed.as_secs_f64()
            ));
        }
        ok_of(&recs, "submit") as f64 / run.elapsed.as_secs_f64()
    }

    async fn s3(&mut self) -> anyhow::Result<()> {
        eprintln!("S3 submit storm");
        let b_write = self.b_write().await?;
        let sh = self.shared.clone();
        let d = self.plan.submit_closed;
        // Enough for the phase at about the start rate (if not, the loop ends
        // early and says so; the rate stays right; leftovers are drained).
        let guess = self.measured.start_rate.unwrap_or(0.0).max(400.0);
        let n = ((guess * 1.2 * d.as_secs_f64()) as usize + CLIENTS).min(sh.playable());
        let t = Instant::now();
        self.prepare(&sh, n).await;
        self.report.detail(format!(
            "S3 prepared {n} attempts in {:.1} s (starts, not measured)",
            t.elapsed().as_secs_f64()
        ));

        // Late submits, sent in the middle of the storm.
        let late_sh = sh.with_stats(Arc::new(Stats::default()));
        let half = d / 2;
        let late = tokio::spawn(async move {
            tokio::time::sleep(half).await;
            let mut refused = 0u64;
            let stale = late_sh.world.stale.clone();
            for s in &stale {
                let req = late_sh
                    .client
                    .http
                    .post(
                        late_sh
                            .client
                            .url(&format!("/api/v1/attempts/{}/submit", s.attempt_id)),
                    )
                    .bearer_auth(&s.token)
                    .json(&serde_json::json!({"answers": [], "prediction": 7}));
                if let Some(r) = send(req).await
                    && r.status == 409
                    && r.code() == "attempt_expired"
                {
                    refused += 1;
                }
            }
            (stale.len() as u64, refused)
        });
        let rate = self.submit_closed(&sh, "S3 closed", d).await;
        self.late = Some(late.await?);
        self.measured.submit_rate = Some(rate);
        self.report.at_least_ratio(
            "G1 submits/s (20 answers + prediction), 64 clients",
            rate,
            "/s",
            "B_write",
            b_write,
            0.5,
        );
        self.drain(&sh).await;

        // 70 % of that, open loop.
        let target = (0.7 * rate).max(1.0);
        let d = self.plan.submit_open;
        let n = ((target * d.as_secs_f64() * 1.05) as usize + 16).min(sh.playable());
        self.prepare(&sh, n).await;
        let stats = Arc::new(Stats::default());
        let op_sh = sh.with_stats(stats.clone());
        let cpu = self.cpu();
        let run = open_loop(target, d, MAX_INFLIGHT, move |_, intended| {
            let sh = op_sh.clone();
            async move {
                let p = sh
                    .prepared
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .pop_front();
                match p {
                    Some(p) => flows::submit(&sh, "submit", intended, &p)
                        .await
                        .is_some_and(|r| r.ok()),
                    None => {
                        sh.stats.record("starved", Duration::ZERO, None, false);
                        false
                    }
                }
            }
        })
        .await;
        self.cpu_note("S3 open 70 %", cpu, run.elapsed);
        let recs = stats.take();
        self.details_of("S3 open 70 %", &recs);
        self.report.limit(
            &format!("G1 submit p99 at 70 % ({} /s), open loop", fmt_num(target)),
            p99_of(&recs, "submit"),
            "ms",
            50.0,
            false,
        );
        let errors = errors_of(&recs) + run.dropped;
        self.report.goal(
            "G1 submit errors at 70 %, open loop",
            errors == 0,
            format!("{errors} of {}", run.ops + run.dropped),
            "0",
        );
        self.drain(&sh).await;
        Ok(())
    }

    // ---------------------------------------------------------------- S4, S5

    async fn s4_s5(&mut self) -> anyhow::Result<()> {
        eprintln!("S4 ranking");
        let world = self.world.clone();
        let rank = &world.rank;
        let id = rank.contest.id.clone();
        let n_attempts = rank.attempts.len();
        let expected = {
            let w = world.clone();
            tokio::task::spawn_blocking(move || rankcheck::expected(&w.rank)).await?
        };
        let first = self.instance_client(0)?;
        let before = self.reset_peaks();
        let cpu = self.cpu();
        let t = Instant::now();
        let resp = self.compute(&first, &id).await;
        let secs = t.elapsed().as_secs_f64();
        self.cpu_note("S4 rank", cpu, t.elapsed());
        let peak = self.peak_mb();
        match resp {
            Some(r) if r.ok() => {}
            other => {
                self.report.check(
                    "S4 POST results",
                    false,
                    other.map_or("no answer".into(), |r| {
                        format!("{} {}", r.status, String::from_utf8_lossy(&r.body))
                    }),
                    "200",
                );
                return Ok(());
            }
        }
        let (b_secs, b_rows) = baselines::rank_sql(&self.db, &id).await?;
        self.report.detail(format!(
            "B_rank: one INSERT … SELECT … ROW_NUMBER() OVER (…) of {b_rows} rows in {b_secs:.2} s"
        ));
        self.report.at_most_ratio(
            &format!(
                "G4 rank {} attempts (POST results)",
                fmt_num(n_attempts as f64)
            ),
            secs,
            "s",
            "B_rank",
            b_secs,
            1.0,
        );
        // What ranking itself costs: the server's growth over what earlier
        // scenarios left it holding.
        self.report.limit(
            "G4 server growth while ranking (peak RSS − RSS before)",
            peak - before,
            "MB",
            256.0,
            false,
        );
        self.report
            .annotate_last(&format!(" · peak {peak:.0} MB, {before:.0} MB before"));

        let t = Instant::now();
        let (ok, msg) = self.verify_ranking(&first, &id, &expected).await?;
        self.report.detail(format!(
            "S4 read the stored ranking back in pages of 1,000 in {:.1} s",
            t.elapsed().as_secs_f64()
        ));
        self.report.check(
            "stored ranking = the driver's own sort (every row)",
            ok,
            msg,
            "identical",
        );
        if self.servers.len() > 1 {
            let second = self.instance_client(1)?;
            let t = Instant::now();
            let resp = self.compute(&second, &id).await;
            let secs2 = t.elapsed().as_secs_f64();
            let (ok2, msg2) = if resp.as_ref().is_some_and(|r| r.ok()) {
                self.verify_ranking(&second, &id, &expected).await?
            } else {
                (false, "the second instance could not compute".into())
            };
            self.report.check(
                "instance 2 recomputes the identical ranking",
                ok2,
                format!("{msg2} (computed in {secs2:.1} s)"),
                "identical",
            );
        }
        let (scan, scan_rows) = baselines::scan_rate(&self.db, &id).await?;
        self.report.detail(format!(
            "B_scan: {scan:.0} leaderboard rows/s streamed in rank order ({scan_rows} rows)"
        ));
        if self.wants(Scenario::S5) {
            self.s5(&first, &id, &expected, scan).await?;
        }
        Ok(())
    }

    fn instance_client(&self, i: usize) -> anyhow::Result<Client> {
        Client::new(vec![self.servers[i].base.clone()])
    }

    async fn compute(&self, client: &Client, id: &str) -> Option<crate::load::Resp> {
        let req = client
            .http
            .post(client.url(&format!("/api/v1/admin/contests/{id}/results")))
            .bearer_auth(&self.world.admin_token)
            .timeout(Duration::from_secs(1800));
        send(req).await
    }

    async fn admin_get(&self, client: &Client, path: &str) -> Option<crate::load::Resp> {
        let req = client
            .http
            .get(client.url(path))
            .bearer_auth(&self.world.admin_token)
            .timeout(Duration::from_secs(1800));
        send(req).await
    }

    /// Reads GET …/results page by page and compares every row.
    async fn verify_ranking(
        &self,
        client: &Client,
        id: &str,
        exp: &rankcheck::Expected,
    ) -> anyhow::Result<(bool, String)> {
        let mut problems: Vec<String> = Vec::new();
        let mut seen = 0usize;
        let mut offset = 0usize;
        loop {
            let path = format!("/api/v1/admin/contests/{id}/results?limit=1000&offset={offset}");
            let r = self
                .admin_get(client, &path)
                .await
                .context("reading the results")?;
            if !r.ok() {
                problems.push(format!("GET results answered {}", r.status));
                break;
            }
            let v = r.json();
            let res = &v["results"];
            if offset == 0 {
                if res["actual_figure"].as_i64() != Some(exp.actual) {
                    problems.push(format!(
                        "actual figure {} / expected {}",
                        res["actual_figure"], exp.actual
                    ));
                }
                if res["total"].as_u64() != Some(exp.rows.len() as u64) {
                    problems.push(format!(
                        "total {} / expected {}",
                        res["total"],
                        exp.rows.len()
                    ));
                }
                let inel: HashSet<String> = res["ineligible"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|i| i["user"]["id"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                if inel != exp.ineligible {
                    problems.push(format!(
                        "ineligible {} / expected {}",
                        inel.len(),
                        exp.ineligible.len()
                    ));
                }
            }
            let rows = res["rows"].as_array().cloned().unwrap_or_default();
            for row in &rows {
                match exp.rows.get(seen) {
                    Some(want) => {
                        if let Some(diff) = rankcheck::compare(row, want)
                            && problems.len() < 5
                        {
                            problems.push(diff);
                        }
                    }
                    None => problems.push(format!("extra row {row}")),
                }
                seen += 1;
            }
            if rows.len() < 1000 || problems.len() >= 5 {
                break;
            }
            offset += 1000;
        }
        if seen != exp.rows.len() && problems.len() < 5 {
            problems.push(format!("{seen} rows / expected {}", exp.rows.len()));
        }
        let draws = exp
            .rows
            .iter()
            .filter(|r| r.decided_by == Some("draw"))
            .count();
        if problems.is_empty() {
            Ok((
                true,
                format!(
                    "{} rows, actual figure {}, {} decided by the draw, {} ineligible",
                    fmt_num(seen as f64),
                    exp.actual,
                    draws,
                    exp.ineligible.len()
                ),
            ))
        } else {
            for p in &problems {
                eprintln!("  ranking mismatch: {p}");
            }
            Ok((false, problems.join("; ")))
        }
    }

    async fn s5(
        &mut self,
        client: &Client,
        id: &str,
        exp: &rankcheck::Expected,
        scan: f64,
    ) -> anyhow::Result<()> {
        eprintln!("S5 exports");
        let base = format!("/api/v1/admin/contests/{id}");
        let mut first = self.admin_get(client, &format!("{base}/winners.csv")).await;
        if first.as_ref().is_some_and(|r| r.status == 409) {
            // Exports may want the results frozen first.
            let req = client
                .http
                .post(client.url(&format!("{base}/finalize")))
                .bearer_auth(&self.world.admin_token)
                .timeout(Duration::from_secs(1800));
            let fin = send(req).await;
            self.report.detail(format!(
                "S5 winners.csv answered 409: finalized first ({})",
                fin.map_or("no answer".into(), |r| r.status.to_string())
            ));
            first = self.admin_get(client, &format!("{base}/winners.csv")).await;
        }
        match &first {
            Some(r) if r.status == 404 => {
                self.report.skip(
                    "G5 exports (winners.csv, winners.xlsx, leaderboard.csv)",
                    "the export routes answer 404: not built yet",
                );
                return Ok(());
            }
            Some(r) if r.ok() => {}
            other => {
                self.report.check(
                    "G5 GET winners.csv",
                    false,
                    other.as_ref().map_or("no answer".into(), |r| {
                        format!("{} {}", r.status, String::from_utf8_lossy(&r.body))
                    }),
                    "200",
                );
                return Ok(());
            }
        }
        let winners_expected = exp.rows.iter().filter(|r| r.prize.is_some()).count();
        // Top-1,000 CSV: median of 5.
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let r = self.admin_get(client, &format!("{base}/winners.csv")).await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if let Some(r) = r {
                rows = csv_data_rows(&r.body);
            }
        }
        times.sort_by(f64::total_cmp);
        self.report.limit(
            &format!("G5 winners.csv (top {winners_expected}), median of 5"),
            times[2],
            "ms",
            50.0,
            false,
        );
        self.report.check(
            "winners.csv rows = prizes awarded",
            rows == winners_expected,
            format!("{rows} / {winners_expected}"),
            "equal",
        );
        let mut times = Vec::new();
        let mut zip = true;
        for _ in 0..3 {
            let t = Instant::now();
            let r = self
                .admin_get(client, &format!("{base}/winners.xlsx"))
                .await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            zip &= r.is_some_and(|r| r.ok() && r.body.starts_with(b"PK"));
        }
        times.sort_by(f64::total_cmp);
        self.report.info(
            &format!("S5 winners.xlsx (top {winners_expected}), median of 3"),
            format!("{} ms", fmt_num(times[1])),
            if zip {
                "a zip (xlsx) each time"
            } else {
                "NOT an xlsx"
            },
        );
        // The full leaderboard, streamed.
        let before = self.reset_peaks();
        let t = Instant::now();
        let req = client
            .http
            .get(client.url(&format!("{base}/leaderboard.csv")))
            .bearer_auth(&self.world.admin_token)
            .timeout(Duration::from_secs(1800));
        let mut counted = 0usize;
        let mut status = 0;
        if let Ok(mut r) = req.send().await {
            status = r.status().as_u16();
            let mut carry: Vec<u8> = Vec::new();
            match Decoder::of(&r) {
                Ok(mut decoder) => {
                    let mut whole = true;
                    while let Ok(Some(chunk)) = r.chunk().await {
                        match decoder.feed(&chunk) {
                            Ok(text) => carry.extend_from_slice(&text),
                            Err(e) => {
                                self.report
                                    .detail(format!("S5 leaderboard.csv does not decode: {e}"));
                                whole = false;
                                break;
                            }
                        }
                        if let Some(last) = carry.iter().rposition(|b| *b == b'\n') {
                            counted += csv_data_rows(&carry[..=last]);
                            carry.drain(..=last);
                        }
                    }
                    if whole {
                        match decoder.finish() {
                            Ok(rest) => carry.extend_from_slice(&rest),
                            Err(e) => self
                                .report
                                .detail(format!("S5 leaderboard.csv ends short: {e}")),
                        }
                    }
                }
                Err(e) => self.report.detail(format!("S5 leaderboard.csv: {e}")),
            }
            counted += csv_data_rows(&carry);
        }
        let secs = t.elapsed().as_secs_f64();
        let peak = self.peak_mb();
        let rate = counted as f64 / secs;
        self.report.at_least_ratio(
            &format!("G5 leaderboard.csv ({} rows)", fmt_num(counted as f64)),
            rate,
            "rows/s",
            "B_scan",
            scan,
            0.5,
        );
        self.report.annotate_last(&format!(
            " · {secs:.1} s · server peak {peak:.0} MB ({before:.0} before)"
        ));
        self.report.check(
            "leaderboard.csv rows = ranked participants",
            status == 200 && counted == exp.rows.len(),
            format!("{counted} / {} (HTTP {status})", exp.rows.len()),
            "equal",
        );
        Ok(())
    }

    // ---------------------------------------------------------------- S6

    async fn s6(&mut self) -> anyhow::Result<()> {
        eprintln!("S6 last evening");
        let m = self.measured;
        let start = m.start_rate.unwrap_or(200.0);
        let submit = m.submit_rate.unwrap_or(start);
        let read = m.read_rate.unwrap_or(1000.0);
        let login = m.login_rate.unwrap_or(20.0);
        // One arrival costs, in capacity-seconds: a play (start + autosave +
        // submit, autosave taken as costly as a submit), a read or a login.
        let cost = 0.80 * (1.0 / start + 2.0 / submit) + 0.15 / read + 0.05 / login;
        let capacity = 1.0 / cost;
        let rate = capacity / 2.0;
        let d = self.plan.mixed;
        self.report.detail(format!(
            "S6 capacity estimate {capacity:.0} arrivals/s from starts {start:.0}/s, submits {submit:.0}/s, reads {read:.0}/s, logins {login:.1}/s; running at half: {rate:.0}/s"
        ));
        self.refill_idle();
        let stats = Arc::new(Stats::default());
        let sh = self.shared.with_stats(stats.clone());
        let play = self.world.play.clone();
        let before = self.reset_peaks();
        let cpu = self.cpu();
        let run = open_loop(rate, d, MAX_INFLIGHT, move |seq, intended| {
            let (sh, play) = (sh.clone(), play.clone());
            async move {
                let roll = Rng::new(seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xABCD).below(100);
                if roll < 80 {
                    let who = sh
                        .idle
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .pop_front();
                    let Some(who) = who else {
                        sh.stats.record("starved", Duration::ZERO, None, false);
                        return false;
                    };
                    let player = sh.player(who).clone();
                    let mut ok = false;
                    if let Some((_, p)) = flows::start(&sh, "start", intended, &player, &play).await
                        && flows::autosave(&sh, "autosave", &p, 10).await
                    {
                        let variant = if seq % 10 == 0 { 2 } else { 0 };
                        ok =
                            flows::submit_variant(&sh, "submit", Instant::now(), &p, variant).await;
                    }
                    sh.idle
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push_back(who);
                    ok
                } else if roll < 95 {
                    flows::read_contest(&sh, "read", intended, &play.id).await
                } else {
                    let player = sh.player(seq as usize * 31).clone();
                    flows::login_recorded(&sh, "login", intended, &player)
                        .await
                        .is_some_and(|r| r.ok())
                }
            }
        })
        .await;
        self.cpu_note("S6", cpu, run.elapsed);
        let recs = stats.take();
        self.details_of("S6", &recs);
        let p = |n: &str| fmt_num(p99_of(&recs, n));
        self.report.info(
            &format!(
                "S6 last evening, {} arrivals/s for {} s: p99 ms",
                fmt_num(rate),
                d.as_secs()
            ),
            format!(
                "start {} · autosave {} · submit {} · read {} · login {}",
                p("start"),
                p("autosave"),
                p("submit"),
                p("read"),
                p("login")
            ),
            "80 % play, 15 % reads, 5 % logins",
        );
        let errors = errors_of(&recs) + run.dropped;
        self.report.goal(
            "S6 errors (non-2xx, no answer, dropped)",
            errors == 0,
            format!("{errors} of {} arrivals", run.ops + run.dropped),
            "0",
        );
        self.report.info(
            "S6 server peak RSS",
            format!("{:.0} MB", self.peak_mb()),
            format!("{before:.0} MB before"),
        );
        Ok(())
    }

    /// Every playable participant is free to play, from the play cursor on.
    fn refill_idle(&self) {
        let mut idle = self.shared.idle.lock().unwrap_or_else(|e| e.into_inner());
        let n = self.shared.playable();
        idle.clear();
        idle.extend((0..n).map(|k| (self.play_cursor + k) % n));
    }

    // ---------------------------------------------------------------- drill

    /// Phones playing for `drill_seconds` while scripts/cluster.sh breaks
    /// something (kills an instance, restarts PgBouncer or the primary, stops
    /// the replica). Each phone does what the web app does: start, autosave,
    /// submit, read the contest page, and on an error or no answer tries the
    /// same request again after a pause (a repeated start gives the open
    /// attempt back, a repeated submit the stored result). What the phones
    /// saw goes to the report second by second; the final checks then compare
    /// every acknowledged submit with the database.
    async fn drill(&mut self) -> anyhow::Result<()> {
        const PHONES: usize = 32;
        const TRIES: u32 = 120;
        const PAUSE: Duration = Duration::from_millis(250);
        let d = Duration::from_secs(self.drill_seconds.max(1));
        eprintln!("drill: {PHONES} phones playing for {} s", d.as_secs());
        self.refill_idle();
        let stats = Arc::new(Stats::default());
        let sh = self.shared.with_stats(stats.clone());
        let play = self.world.play.clone();
        // Per second from the start: (requests answered 2xx, failed).
        let timeline: Arc<std::sync::Mutex<BTreeMap<u64, (u64, u64)>>> = Arc::default();
        let retried = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let gave_up = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let plays = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let began = Instant::now();
        let mut phones = Vec::new();
        for _ in 0..PHONES {
            let (sh, play, timeline) = (sh.clone(), play.clone(), timeline.clone());
            let (retried, gave_up, plays) = (retried.clone(), gave_up.clone(), plays.clone());
            phones.push(tokio::spawn(async move {
                let mark = |ok: bool| {
                    let sec = began.elapsed().as_secs();
                    let mut t = timeline.lock().unwrap_or_else(|e| e.into_inner());
                    let e = t.entry(sec).or_default();
                    if ok { e.0 += 1 } else { e.1 += 1 }
                };
                while began.elapsed() < d {
                    let who = sh
                        .idle
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .pop_front();
                    let Some(who) = who else { break };
                    let player = sh.player(who).clone();
                    let mut prepared = None;
                    for _ in 0..TRIES {
                        if let Some((_, p)) =
                            flows::start(&sh, "start", Instant::now(), &player, &play).await
                        {
                            mark(true);
                            prepared = Some(p);
                            break;
                        }
                        mark(false);
                        retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(PAUSE).await;
                    }
                    let Some(p) = prepared else {
                        gave_up.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    for _ in 0..TRIES {
                        let ok = flows::autosave(&sh, "autosave", &p, 10).await;
                        mark(ok);
                        if ok {
                            break;
                        }
                        retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(PAUSE).await;
                    }
                    let mut submitted = false;
                    for _ in 0..TRIES {
                        let ok = flows::submit(&sh, "submit", Instant::now(), &p)
                            .await
                            .is_some_and(|r| r.ok());
                        mark(ok);
                        if ok {
                            submitted = true;
                            break;
                        }
                        retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(PAUSE).await;
                    }
                    if submitted {
                        plays.fetch_add(1, Ordering::Relaxed);
                    } else {
                        gave_up.fetch_add(1, Ordering::Relaxed);
                    }
                    for _ in 0..TRIES {
                        let ok = flows::read_contest(&sh, "read", Instant::now(), &play.id).await;
                        mark(ok);
                        if ok {
                            break;
                        }
                        retried.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(PAUSE).await;
                    }
                }
            }));
        }
        for phone in phones {
            phone.await.ok();
        }
        let recs = stats.take();
        self.details_of("drill", &recs);
        let t = timeline.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let failing: Vec<u64> = t
            .iter()
            .filter(|(_, (_, f))| *f > 0)
            .map(|(s, _)| *s)
            .collect();
        let window = match (failing.first(), failing.last()) {
            (Some(a), Some(b)) => format!("errors seen from second {a} to second {b}"),
            _ => "no error seen".to_owned(),
        };
        let line: Vec<String> = t
            .iter()
            .map(|(s, (ok, f))| format!("{s}:{ok}/{f}"))
            .collect();
        self.report.detail(format!(
            "drill timeline (second:2xx/failed): {}",
            line.join(" ")
        ));
        self.report.info(
            "drill: plays completed (start, autosave, submit acknowledged)",
            fmt_num(plays.load(Ordering::Relaxed) as f64),
            format!("{PHONES} phones for {} s", d.as_secs()),
        );
        self.report.info(
            "drill: requests that failed and were tried again",
            fmt_num(retried.load(Ordering::Relaxed) as f64),
            window,
        );
        self.report.goal(
            "drill: phones that gave up (120 tries, 30 s)",
            gave_up.load(Ordering::Relaxed) == 0,
            fmt_num(gave_up.load(Ordering::Relaxed) as f64),
            "0",
        );
        self.report.extra.insert(
            "drill_timeline".into(),
            serde_json::json!(
                t.iter()
                    .map(|(s, (ok, f))| [*s, *ok, *f])
                    .collect::<Vec<_>>()
            ),
        );
        Ok(())
    }

    // ---------------------------------------------------------------- scale

    async fn scale(&mut self) -> anyhow::Result<()> {
        eprintln!("scale: 1 instance vs {}", self.servers.len());
        let all = self.servers.len();
        let d = self.plan.scale;
        let path = format!("/api/v1/contests/{}", self.world.play.id);
        let mut reads = Vec::new();
        let mut submits = Vec::new();
        for n in [1, all] {
            let client = Arc::new(self.client.subset(n));
            let saved = self.shared.clone();
            self.shared = saved.with_client(client);
            reads.push(self.get_rate(&format!("scale {n}× reads"), &path, d).await);
            let sh = self.shared.clone();
            let guess = self.measured.submit_rate.unwrap_or(300.0) * n as f64;
            let k = ((guess * 1.3 * d.as_secs_f64()) as usize + CLIENTS).min(sh.playable());
            self.prepare(&sh, k).await;
            submits.push(
                self.submit_closed(&sh, &format!("scale {n}× submits"), d)
                    .await,
            );
            self.drain(&sh).await;
            self.shared = saved;
        }
        self.report.info(
            &format!("scale: contest page reads/s, 1 → {all} instances"),
            format!(
                "{} → {} /s ({:.2}×)",
                fmt_num(reads[0]),
                fmt_num(reads[1]),
                reads[1] / reads[0]
            ),
            "same machine: the instances share its cores",
        );
        self.report.info(
            &format!("scale: submits/s, 1 → {all} instances"),
            format!(
                "{} → {} /s ({:.2}×)",
                fmt_num(submits[0]),
                fmt_num(submits[1]),
                submits[1] / submits[0]
            ),
            "one PostgreSQL",
        );
        Ok(())
    }

    // ---------------------------------------------------------------- checks

    async fn final_checks(&mut self) -> anyhow::Result<()> {
        eprintln!("correctness checks");
        if !(self.wants(Scenario::S3)
            || self.wants(Scenario::S6)
            || self.wants(Scenario::Scale)
            || self.wants(Scenario::Drill))
        {
            return self.rush_check().await;
        }
        let ledger = self.shared.ledger.clone();
        let play = self.world.play.id.clone();
        let rows = self
            .db
            .conn
            .query_all_raw(self.db.stmt(
                "SELECT a.id, a.score,
                        (SELECT COALESCE(SUM(aa.correct), 0) FROM attempt_answers aa WHERE aa.attempt_id = a.id) AS right_answers
                 FROM attempts a WHERE a.contest_id = $1 AND a.status = 'submitted'",
                [play.clone().into()],
            ))
            .await?;
        let scored = ledger
            .scored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let unknown = ledger.unknown.load(Ordering::Relaxed) as usize;
        let mut db_scores: HashMap<String, (Option<i64>, i64)> = HashMap::new();
        for r in &rows {
            let id: String = r.try_get("", "id")?;
            let score: Option<i64> = r.try_get("", "score")?;
            let right: i64 = r
                .try_get::<i64>("", "right_answers")
                .or_else(|_| r.try_get::<f64>("", "right_answers").map(|x| x as i64))
                .or_else(|_| {
                    r.try_get::<sea_orm::prelude::Decimal>("", "right_answers")
                        .map(|d| d.to_string().parse::<i64>().unwrap_or(-1))
                })?;
            db_scores.insert(id, (score, right));
        }
        let count_ok = if unknown == 0 {
            db_scores.len() == scored.len()
        } else {
            db_scores.len() >= scored.len() && db_scores.len() <= scored.len() + unknown
        };
        self.report.check(
            "stored submissions = 2xx submit answers",
            count_ok,
            format!(
                "{} stored / {} answered 2xx ({unknown} unanswered, {} refused)",
                db_scores.len(),
                scored.len(),
                ledger.refused.load(Ordering::Relaxed)
            ),
            "equal",
        );
        let mut bad = 0usize;
        for (id, (score, right)) in &db_scores {
            let good = match (score, scored.get(id)) {
                (Some(s), Some((given, _))) => s == right && s == given,
                (Some(s), None) => s == right && unknown > 0,
                (None, _) => false,
            };
            if !good {
                bad += 1;
                if bad <= 5 {
                    eprintln!(
                        "  attempt {id}: stored {score:?}, marked right {right}, answered {:?}",
                        scored.get(id)
                    );
                }
            }
        }
        let missing = scored
            .keys()
            .filter(|k| !db_scores.contains_key(*k))
            .count();
        let problems = ledger.problem_count.load(Ordering::Relaxed);
        for p in ledger.problems() {
            self.report.detail(format!("problem: {p}"));
        }
        self.report.check(
            "one score per attempt (stored = marked answers = answered; repeats identical)",
            bad == 0 && missing == 0 && problems == 0,
            format!(
                "{} attempts; {} repeated/concurrent submits compared; {bad} bad, {missing} missing, {problems} problems",
                db_scores.len(),
                ledger.repeats_checked.load(Ordering::Relaxed)
            ),
            "0 bad",
        );

        // Late submits.
        if let Some((sent, refused)) = self.late {
            let ids: Vec<String> = self
                .world
                .stale
                .iter()
                .map(|s| crate::seed::lit(&s.attempt_id))
                .collect();
            let row = self
                .db
                .conn
                .query_one_raw(self.db.stmt(
                    &format!(
                        "SELECT COUNT(*) AS n FROM attempts WHERE status = 'submitted' AND id IN ({})",
                        ids.join(", ")
                    ),
                    [],
                ))
                .await?;
            let submitted: i64 = row.map_or(Ok(0), |r| r.try_get("", "n"))?;
            self.report.check(
                "late submits refused (deadline + grace passed)",
                refused == sent && submitted == 0,
                format!(
                    "{refused}/{sent} answered 409 attempt_expired; {submitted} stored as submitted"
                ),
                "all refused",
            );
        }

        self.rush_check().await
    }

    /// The opening rush: one attempt per 201 (plus at most one per start that
    /// got no 2xx answer), one attempt per person, none given back.
    async fn rush_check(&mut self) -> anyhow::Result<()> {
        let created = self.shared.rush_created.load(Ordering::Relaxed);
        if created == 0 {
            return Ok(());
        }
        let resumed = self.shared.rush_resumed.load(Ordering::Relaxed);
        let failed = self.shared.rush_failed.load(Ordering::Relaxed);
        let row = self
            .db
            .conn
            .query_one_raw(self.db.stmt(
                "SELECT COUNT(*) AS n, COUNT(DISTINCT user_id) AS people FROM attempts WHERE contest_id = $1",
                [self.world.rush.id.clone().into()],
            ))
            .await?;
        let (stored, people): (i64, i64) = match row {
            Some(r) => (r.try_get("", "n")?, r.try_get("", "people")?),
            None => (0, 0),
        };
        let stored = stored as u64;
        let ok = stored >= created
            && stored <= created + failed
            && stored == people as u64
            && resumed == 0;
        self.report.check(
            "opening rush: one stored attempt per 201, one per person",
            ok,
            format!("{stored} stored for {people} people / {created} × 201, {resumed} × 200, {failed} errors"),
            "201s ≤ stored ≤ 201s + errors; 0 × 200",
        );
        if stored > created {
            self.report.info(
                "opening rush: starts stored although answered with an error",
                format!("{}", stored - created),
                "the phone retries and gets its attempt back",
            );
        }
        Ok(())
    }
}

/// One start in the rush contest by the next person who has not started.
async fn rush_start(sh: &Shared, rush: &crate::seed::Contest, intended: Instant) -> bool {
    let idx = sh.cursor.fetch_add(1, Ordering::Relaxed);
    if idx >= sh.playable() {
        sh.stats.record("starved", Duration::ZERO, None, false);
        return false;
    }
    let player = sh.player(idx).clone();
    match flows::start(sh, "start", intended, &player, rush).await {
        Some((201, p)) => {
            sh.rush_created.fetch_add(1, Ordering::Relaxed);
            flows::tally(sh, &p);
            true
        }
        Some(_) => {
            sh.rush_resumed.fetch_add(1, Ordering::Relaxed);
            true
        }
        None => {
            sh.rush_failed.fetch_add(1, Ordering::Relaxed);
            true
        }
    }
}

/// CSV records whose first cell is a whole number (a rank): data rows.
fn csv_data_rows(body: &[u8]) -> usize {
    body.split(|b| *b == b'\n')
        .filter(|line| {
            let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            let line = line.strip_prefix(b"\"").unwrap_or(line);
            let end = line
                .iter()
                .position(|b| *b == b',' || *b == b'"' || *b == b'\r')
                .unwrap_or(line.len());
            end > 0 && line[..end].iter().all(u8::is_ascii_digit)
        })
        .count()
}
