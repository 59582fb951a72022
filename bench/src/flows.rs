//! What a participant's phone does — start an attempt, autosave, submit, read
//! the contest page, sign in — and the ledger of what the server answered, which
//! the correctness checks compare with the database afterwards.

use crate::load::{Client, Resp, Stats, call};
use crate::rng::Rng;
use crate::seed::{Contest, OPTIONS, Player, QUESTIONS_PER_ATTEMPT, World};
use serde_json::json;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What every task of a run shares.
#[derive(Clone)]
pub struct Shared {
    pub client: Arc<Client>,
    pub world: Arc<World>,
    pub stats: Arc<Stats>,
    pub ledger: Arc<Ledger>,
    pub draws: Arc<Mutex<DrawTally>>,
    /// Next player for "one start per person" runs.
    pub cursor: Arc<AtomicUsize>,
    /// Started attempts waiting for their submit.
    pub prepared: Arc<Mutex<VecDeque<Prepared>>>,
    /// Players free to play (S6).
    pub idle: Arc<Mutex<VecDeque<usize>>>,
    /// Starts in the rush contest: 201 (created), 200 (given back).
    pub rush_created: Arc<AtomicU64>,
    pub rush_resumed: Arc<AtomicU64>,
    /// Starts in the rush contest answered with an error or not at all.
    pub rush_failed: Arc<AtomicU64>,
}

impl Shared {
    pub fn new(client: Arc<Client>, world: Arc<World>) -> Self {
        Self {
            client,
            world,
            stats: Arc::default(),
            ledger: Arc::default(),
            draws: Arc::default(),
            cursor: Arc::default(),
            prepared: Arc::default(),
            idle: Arc::default(),
            rush_created: Arc::default(),
            rush_resumed: Arc::default(),
            rush_failed: Arc::default(),
        }
    }

    /// The same shared state with fresh request records.
    pub fn with_stats(&self, stats: Arc<Stats>) -> Self {
        Self {
            stats,
            ..self.clone()
        }
    }

    /// The same, with another client (one instance of several).
    pub fn with_client(&self, client: Arc<Client>) -> Self {
        Self {
            client,
            ..self.clone()
        }
    }

    /// Players usable for play (the stale-attempt holders are kept apart).
    pub fn playable(&self) -> usize {
        self.world.players.len() - self.world.stale.len()
    }

    pub fn player(&self, i: usize) -> &Player {
        &self.world.players[i % self.playable()]
    }
}

/// A started attempt, as the phone holds it.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub attempt_id: String,
    pub token: String,
    pub contest: Contest,
    /// (question id, option ids in the order shown)
    pub paper: Vec<(String, Vec<u32>)>,
}

/// Every 2xx submit answer, and what was wrong with any.
#[derive(Default)]
pub struct Ledger {
    pub scored: Mutex<HashMap<String, (i64, String)>>,
    /// Submits with no HTTP answer: their outcome is unknown.
    pub unknown: AtomicU64,
    /// Submits of a fresh attempt that were refused.
    pub refused: AtomicU64,
    /// Repeated or concurrent submits compared with the first answer.
    pub repeats_checked: AtomicU64,
    pub problems: Mutex<Vec<String>>,
    pub problem_count: AtomicU64,
}

impl Ledger {
    pub fn problem(&self, msg: String) {
        self.problem_count.fetch_add(1, Ordering::Relaxed);
        let mut p = self.problems.lock().unwrap_or_else(|e| e.into_inner());
        if p.len() < 20 {
            p.push(msg);
        }
    }

    /// Records a 2xx submit answer; a second answer for the same attempt must
    /// be identical (one score per attempt).
    fn accept(&self, attempt: &str, score: i64, submitted_at: &str, expected: i64) {
        if score != expected {
            self.problem(format!(
                "attempt {attempt}: scored {score}, the driver's answers deserve {expected}"
            ));
        }
        let mut m = self.scored.lock().unwrap_or_else(|e| e.into_inner());
        match m.get(attempt) {
            Some((s, t)) if *s != score || t != submitted_at => {
                let msg = format!(
                    "attempt {attempt}: answered ({s}, {t}) then ({score}, {submitted_at}): scored twice"
                );
                drop(m);
                self.problem(msg);
            }
            Some(_) => {
                self.repeats_checked.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                m.insert(attempt.to_owned(), (score, submitted_at.to_owned()));
            }
        }
    }

    pub fn problems(&self) -> Vec<String> {
        self.problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// What the draws of the rush contest looked like.
#[derive(Default)]
pub struct DrawTally {
    pub per_question: HashMap<String, u64>,
    /// Where the right option was shown (0..OPTIONS).
    pub correct_position: [u64; OPTIONS],
    pub papers: u64,
    /// Papers that were not 20 distinct questions, 5 from each category.
    pub bad_papers: u64,
}

pub fn parse_attempt(resp: &Resp, token: &str, contest: &Contest) -> Option<Prepared> {
    let v = resp.json();
    let a = &v["attempt"];
    let paper = a["questions"]
        .as_array()?
        .iter()
        .map(|q| {
            Some((
                q["id"].as_str()?.to_owned(),
                q["options"]
                    .as_array()?
                    .iter()
                    .map(|o| o["id"].as_u64().map(|x| x as u32))
                    .collect::<Option<Vec<u32>>>()?,
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Prepared {
        attempt_id: a["id"].as_str()?.to_owned(),
        token: token.to_owned(),
        contest: contest.clone(),
        paper,
    })
}

/// POST /contests/{id}/attempts as `player`.
pub async fn start(
    sh: &Shared,
    name: &str,
    intended: Instant,
    player: &Player,
    contest: &Contest,
) -> Option<(u16, Prepared)> {
    let req = sh
        .client
        .http
        .post(
            sh.client
                .url(&format!("/api/v1/contests/{}/attempts", contest.id)),
        )
        .bearer_auth(&player.token);
    let resp = call(&sh.stats, name, intended, req).await?;
    if !resp.ok() {
        return None;
    }
    let p = parse_attempt(&resp, &player.token, contest);
    if p.is_none() {
        sh.ledger.problem(format!(
            "start answered {} with an unreadable attempt",
            resp.status
        ));
    }
    p.map(|p| (resp.status, p))
}

/// Counts the draw of a new rush attempt.
pub fn tally(sh: &Shared, p: &Prepared) {
    let bank = &p.contest.bank;
    let mut t = sh.draws.lock().unwrap_or_else(|e| e.into_inner());
    t.papers += 1;
    let mut per_cat = [0usize; crate::seed::CATEGORIES.len()];
    let mut seen = std::collections::HashSet::new();
    let mut ok = p.paper.len() == QUESTIONS_PER_ATTEMPT;
    for (q, opts) in &p.paper {
        *t.per_question.entry(q.clone()).or_default() += 1;
        match bank.get(q) {
            Some(bq) => {
                per_cat[bq.category] += 1;
                if let Some(pos) = opts.iter().position(|o| *o == bq.correct) {
                    t.correct_position[pos] += 1;
                }
                let mut a = opts.clone();
                let mut b = bq.options.clone();
                a.sort_unstable();
                b.sort_unstable();
                ok &= a == b;
            }
            None => ok = false,
        }
        ok &= seen.insert(q.clone());
    }
    let quota = QUESTIONS_PER_ATTEMPT / crate::seed::CATEGORIES.len();
    ok &= per_cat.iter().all(|&n| n == quota);
    if !ok {
        t.bad_papers += 1;
    }
}

fn seed_of(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The driver's answers to an attempt (right three times in four), and the
/// score they deserve. Seeded by the attempt id: a repeat sends the same.
pub fn answers(p: &Prepared, upto: usize) -> (Vec<serde_json::Value>, i64) {
    let mut rng = Rng::new(seed_of(&p.attempt_id));
    let mut score = 0;
    let mut out = Vec::with_capacity(p.paper.len());
    for (q, opts) in p.paper.iter().take(upto) {
        let correct = p.contest.bank.get(q).map_or(0, |b| b.correct);
        let choice = if rng.unit() < 0.75 {
            correct
        } else {
            let wrong: Vec<u32> = opts.iter().copied().filter(|o| *o != correct).collect();
            if wrong.is_empty() {
                correct
            } else {
                wrong[rng.below(wrong.len() as u64) as usize]
            }
        };
        score += i64::from(choice == correct);
        out.push(json!({"question_id": q, "option_id": choice}));
    }
    (out, score)
}

/// PUT /attempts/{id}/answers with the first `n` answers.
pub async fn autosave(sh: &Shared, name: &str, p: &Prepared, n: usize) -> bool {
    let (list, _) = answers(p, n);
    let req = sh
        .client
        .http
        .put(
            sh.client
                .url(&format!("/api/v1/attempts/{}/answers", p.attempt_id)),
        )
        .bearer_auth(&p.token)
        .json(&json!({ "answers": list }));
    call(&sh.stats, name, Instant::now(), req)
        .await
        .is_some_and(|r| r.ok())
}

/// POST /attempts/{id}/submit with every answer and a prediction; records a
/// 2xx answer in the ledger, checking its score.
pub async fn submit(sh: &Shared, name: &str, intended: Instant, p: &Prepared) -> Option<Resp> {
    let (list, expected) = answers(p, usize::MAX);
    let prediction = (seed_of(&p.attempt_id) % 5_000) as i64;
    let req = sh
        .client
        .http
        .post(
            sh.client
                .url(&format!("/api/v1/attempts/{}/submit", p.attempt_id)),
        )
        .bearer_auth(&p.token)
        .json(&json!({ "answers": list, "prediction": prediction }));
    let resp = call(&sh.stats, name, intended, req).await;
    match &resp {
        None => {
            sh.ledger.unknown.fetch_add(1, Ordering::Relaxed);
        }
        Some(r) if r.ok() => {
            let v = r.json();
            let a = &v["attempt"];
            match (a["score"].as_i64(), a["submitted_at"].as_str()) {
                (Some(score), Some(at)) if a["status"] == "submitted" => {
                    sh.ledger.accept(&p.attempt_id, score, at, expected);
                }
                _ => sh.ledger.problem(format!(
                    "submit of {} answered {} without a submitted result: {v}",
                    p.attempt_id, r.status
                )),
            }
        }
        Some(_) => {
            sh.ledger.refused.fetch_add(1, Ordering::Relaxed);
        }
    }
    resp
}

/// Submits an attempt the way a shaky connection does, by `variant`:
/// 0 — once; 1 — once, then again; 2 — twice at the same moment. The ledger
/// checks that every 2xx answer carries the same result.
pub async fn submit_variant(
    sh: &Shared,
    name: &str,
    intended: Instant,
    p: &Prepared,
    variant: u64,
) -> bool {
    match variant {
        1 => {
            let first = submit(sh, name, intended, p).await;
            if first.as_ref().is_some_and(|r| r.ok()) {
                submit(sh, "submit_repeat", Instant::now(), p).await;
            }
            first.is_some_and(|r| r.ok())
        }
        2 => {
            let (a, b) = tokio::join!(
                submit(sh, name, intended, p),
                submit(sh, "submit_concurrent", Instant::now(), p)
            );
            a.is_some_and(|r| r.ok()) && b.is_some_and(|r| r.ok())
        }
        _ => submit(sh, name, intended, p).await.is_some_and(|r| r.ok()),
    }
}

/// GET /api/v1/contests/{id}: the contest page everyone reloads.
pub async fn read_contest(sh: &Shared, name: &str, intended: Instant, contest_id: &str) -> bool {
    let req = sh
        .client
        .http
        .get(sh.client.url(&format!("/api/v1/contests/{contest_id}")));
    call(&sh.stats, name, intended, req)
        .await
        .is_some_and(|r| r.ok())
}

/// POST /auth/login as `player` (the seeded password).
pub async fn login(sh: &Shared, player: &Player) -> Option<Resp> {
    let req = sh
        .client
        .http
        .post(sh.client.url("/api/v1/auth/login"))
        .json(&json!({"phone": player.phone, "password": crate::seed::PASSWORD}));
    crate::load::send(req).await
}

/// Signs in and records the answer: `{name}` for 2xx, `{name}_503` for
/// overload refusals, `{name}_other` for anything else. Returns the answer.
pub async fn login_recorded(
    sh: &Shared,
    name: &str,
    intended: Instant,
    player: &Player,
) -> Option<Resp> {
    let resp = login(sh, player).await;
    let latency = intended.elapsed();
    let kind = match resp.as_ref().map(|r| r.status) {
        Some(s) if (200..300).contains(&s) => name.to_owned(),
        Some(503) => format!("{name}_503"),
        _ => format!("{name}_other"),
    };
    sh.stats.record(
        &kind,
        latency,
        resp.as_ref().map(|r| r.status),
        resp.as_ref().is_some_and(|r| r.retry_after.is_some()),
    );
    resp
}

/// `POST /auth/otp` for `phone` (`register` or `reset`).
pub async fn request_code(sh: &Shared, phone: &str, purpose: &str) -> Option<Resp> {
    let req = sh
        .client
        .http
        .post(sh.client.url("/api/v1/auth/otp"))
        .json(&json!({"phone": phone, "purpose": purpose}));
    crate::load::send(req).await
}

/// `POST /auth/reset` with a code that is (almost surely) wrong: the path a
/// guesser takes, one check spent, no hashing.
pub async fn reset_wrong(sh: &Shared, phone: &str) -> Option<Resp> {
    let req = sh
        .client
        .http
        .post(sh.client.url("/api/v1/auth/reset"))
        .json(&json!({"phone": phone, "otp": "000000", "new_password": "bench mật khẩu mới"}));
    crate::load::send(req).await
}

/// Records an answer under `name` when its status is `expected`, else `{name}_other`.
pub fn record_as(sh: &Shared, name: &str, intended: Instant, resp: &Option<Resp>, expected: u16) {
    let status = resp.as_ref().map(|r| r.status);
    let kind = if status == Some(expected) {
        name.to_owned()
    } else {
        format!("{name}_other")
    };
    sh.stats.record(
        &kind,
        intended.elapsed(),
        status,
        resp.as_ref().is_some_and(|r| r.retry_after.is_some()),
    );
}
