//! The driver's own ranking of the seeded attempts, written from the rules in docs/design.md and
//! the rule in `src/domain/ranking.rs` without using that code, to compare the
//! stored ranking against.
//!
//! * counted attempt (`best`): the best under the chain, then the earliest
//!   started, then the smaller attempt id;
//! * actual figure (`all_correct_participants`): eligible participants with at
//!   least one attempt having every question right;
//! * order: score desc, |prediction − actual| asc (missing last), duration
//!   asc, submitted_at asc, then SHA-256(draw seed ‖ user id) asc;
//! * `decided_by`: the first chain key on which a row differs from the row
//!   above, else "draw"; prizes down the ranking, tier by tier.

use crate::seed::RankData;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedRow {
    pub rank: u64,
    pub user_id: String,
    pub attempt_id: String,
    pub score: u32,
    pub prediction_error: Option<i64>,
    pub duration_ms: i64,
    pub submitted_at: i64,
    pub decided_by: Option<&'static str>,
    pub prize: Option<String>,
}

pub struct Expected {
    pub actual: i64,
    pub rows: Vec<ExpectedRow>,
    pub ineligible: HashSet<String>,
}

/// The chain as comparable numbers, smaller first.
fn key(score: u32, err: Option<i64>, duration: i64, submitted: i64) -> (i64, i64, i64, i64) {
    (
        -i64::from(score),
        err.unwrap_or(i64::MAX),
        duration,
        submitted,
    )
}

pub fn expected(d: &RankData) -> Expected {
    let excluded: HashSet<u32> = d.excluded.iter().copied().collect();
    let n = d.users.len();
    // Attempts per user.
    let mut by_user: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, a) in d.attempts.iter().enumerate() {
        by_user[a.user as usize].push(i);
    }
    let actual = (0..n)
        .filter(|u| !excluded.contains(&(*u as u32)))
        .filter(|&u| {
            by_user[u].iter().any(|&i| {
                let a = &d.attempts[i];
                a.question_count > 0 && a.score == a.question_count
            })
        })
        .count() as i64;
    let err = |p: Option<i64>| p.map(|p| (p - actual).abs());
    struct Cand {
        user: usize,
        attempt: usize,
        key: (i64, i64, i64, i64),
        draw: [u8; 32],
    }
    let mut cands: Vec<Cand> = Vec::with_capacity(n);
    for (u, list) in by_user.iter().enumerate() {
        let Some(&best) = list.iter().min_by(|&&x, &&y| {
            let (a, b) = (&d.attempts[x], &d.attempts[y]);
            key(
                a.score,
                err(a.prediction),
                a.submitted_at - a.started_at,
                a.submitted_at,
            )
            .cmp(&key(
                b.score,
                err(b.prediction),
                b.submitted_at - b.started_at,
                b.submitted_at,
            ))
            .then(a.started_at.cmp(&b.started_at))
            .then(a.id.cmp(&b.id))
        }) else {
            continue;
        };
        let a = &d.attempts[best];
        let mut h = Sha256::new();
        h.update(d.seed.as_bytes());
        h.update(d.users[u].0.as_bytes());
        cands.push(Cand {
            user: u,
            attempt: best,
            key: key(
                a.score,
                err(a.prediction),
                a.submitted_at - a.started_at,
                a.submitted_at,
            ),
            draw: h.finalize().into(),
        });
    }
    cands.sort_by(|a, b| a.key.cmp(&b.key).then(a.draw.cmp(&b.draw)));
    let mut prizes = d
        .prizes
        .iter()
        .flat_map(|(name, count, _)| std::iter::repeat_n(name.clone(), *count as usize));
    let mut rows = Vec::with_capacity(cands.len());
    let mut ineligible = HashSet::new();
    let mut above: Option<(i64, i64, i64, i64)> = None;
    for c in &cands {
        if excluded.contains(&(c.user as u32)) {
            ineligible.insert(d.users[c.user].0.clone());
            continue;
        }
        let decided_by = above.map(|p| {
            let k = c.key;
            if p.0 != k.0 {
                "score"
            } else if p.1 != k.1 {
                "prediction"
            } else if p.2 != k.2 {
                "duration"
            } else if p.3 != k.3 {
                "submitted_at"
            } else {
                "draw"
            }
        });
        above = Some(c.key);
        let a = &d.attempts[c.attempt];
        rows.push(ExpectedRow {
            rank: rows.len() as u64 + 1,
            user_id: d.users[c.user].0.clone(),
            attempt_id: a.id.clone(),
            score: a.score,
            prediction_error: err(a.prediction),
            duration_ms: a.submitted_at - a.started_at,
            submitted_at: a.submitted_at,
            decided_by,
            prize: prizes.next(),
        });
    }
    Expected {
        actual,
        rows,
        ineligible,
    }
}

/// Compares one row of `GET …/results` with the expected row; the first
/// difference, if any.
pub fn compare(got: &serde_json::Value, want: &ExpectedRow) -> Option<String> {
    let submitted = got["submitted_at"]
        .as_str()
        .and_then(crane::domain::clock::parse_rfc3339);
    let checks: [(&str, bool); 9] = [
        ("rank", got["rank"].as_u64() == Some(want.rank)),
        ("user.id", got["user"]["id"].as_str() == Some(&want.user_id)),
        (
            "attempt_id",
            got["attempt_id"].as_str() == Some(&want.attempt_id),
        ),
        (
            "score",
            got["score"].as_u64() == Some(u64::from(want.score)),
        ),
        (
            "prediction_error",
            got["prediction_error"].as_i64() == want.prediction_error,
        ),
        (
            "duration_ms",
            got["duration_ms"].as_i64() == Some(want.duration_ms),
        ),
        ("submitted_at", submitted == Some(want.submitted_at)),
        ("decided_by", got["decided_by"].as_str() == want.decided_by),
        (
            "prize",
            got["prize"]["name"].as_str() == want.prize.as_deref(),
        ),
    ];
    checks.iter().find(|(_, ok)| !ok).map(|(field, _)| {
        format!(
            "rank {}: {field} differs: server {} / expected {:?}",
            want.rank, got, want
        )
    })
}
