//! Attempts: start within max_attempts, autosave, score exactly once.
//!
//! "Exactly once" lives in the database: a unique index on (contest, user, seq)
//! caps attempts, a partial unique index allows one open attempt per person, and
//! scoring is a conditional `UPDATE … WHERE status = 'open'` whose row count
//! decides who won, inside a write transaction.

use super::contests::BankQuestion;
use super::{Db, StoreResult, col, id_col, stmt, v, writes};
use crate::domain::attempt::{Attempt, AttemptStatus, DrawnQuestion, MarkedAnswer};
use crate::domain::clock::Millis;
use crate::domain::ids::{AttemptId, ContestId, UserId};
use anyhow::Context;
use sea_orm::{ConnectionTrait, QueryResult};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A published bank, immutable once the contest is published, cached per process.
#[derive(Debug)]
pub struct Bank {
    pub questions: Vec<BankQuestion>,
    pub by_id: HashMap<String, usize>,
    /// Each question's option ids, in bank order: what every draw needs,
    /// computed once instead of at every start.
    pub option_ids: Vec<Vec<u32>>,
}

impl Bank {
    pub fn new(questions: Vec<BankQuestion>) -> Self {
        let by_id = questions
            .iter()
            .enumerate()
            .map(|(i, q)| (q.id.clone(), i))
            .collect();
        let option_ids = questions
            .iter()
            .map(|q| q.options.iter().map(|o| o.id).collect())
            .collect();
        Self {
            questions,
            by_id,
            option_ids,
        }
    }

    pub fn get(&self, id: &str) -> Option<&BankQuestion> {
        self.by_id.get(id).map(|&i| &self.questions[i])
    }
}

/// Banks of published contests, cached in each instance. A published bank
/// changes only by a wording correction (never options, answer or category:
/// `domain::question::correction_allowed`), so an instance that has not yet
/// seen one still scores alike; the instance that made it forgets its copy at
/// once, and every copy is reloaded after [`BANK_TTL`], so other instances
/// show the corrected wording within that time.
#[derive(Default)]
pub struct BankCache {
    banks: Mutex<HashMap<ContestId, (Arc<Bank>, std::time::Instant)>>,
}

/// How long an instance keeps a bank before reading it again.
pub const BANK_TTL: std::time::Duration = std::time::Duration::from_secs(60);

impl BankCache {
    pub async fn get(&self, db: &Db, contest_id: ContestId) -> StoreResult<Arc<Bank>> {
        if let Some((b, at)) = self
            .banks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&contest_id)
            && at.elapsed() < BANK_TTL
        {
            return Ok(b.clone());
        }
        let bank = Arc::new(Bank::new(super::contests::bank(db, contest_id).await?));
        self.banks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(contest_id, (bank.clone(), std::time::Instant::now()));
        Ok(bank)
    }

    /// Forgets a contest's bank (after a correction on this instance).
    pub fn forget(&self, contest_id: ContestId) {
        self.banks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&contest_id);
    }
}

/// A drawn question as stored in `attempts.paper` (JSON): `{"q": question
/// id, "o": option ids in shown order}`. Short keys: a paper of 200 questions
/// is stored with every attempt.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredQuestion {
    q: String,
    o: Vec<u32>,
}

pub(super) fn paper_to_json(paper: &[DrawnQuestion<String>]) -> anyhow::Result<String> {
    let stored: Vec<StoredQuestion> = paper
        .iter()
        .map(|d| StoredQuestion {
            q: d.question.clone(),
            o: d.options.clone(),
        })
        .collect();
    serde_json::to_string(&stored).context("writing paper")
}

fn paper_from_json(text: &str) -> anyhow::Result<Vec<DrawnQuestion<String>>> {
    let stored: Vec<StoredQuestion> = serde_json::from_str(text).context("stored paper")?;
    Ok(stored
        .into_iter()
        .map(|s| DrawnQuestion {
            question: s.q,
            options: s.o,
        })
        .collect())
}

pub(super) const COLUMNS: &str = "id, contest_id, user_id, seq, status, started_at, deadline, submitted_at, score, question_count, prediction, paper";

pub(super) fn from_row(r: &QueryResult) -> anyhow::Result<Attempt> {
    let status: String = col(r, "status")?;
    Ok(Attempt {
        id: id_col(r, "id")?,
        contest_id: id_col(r, "contest_id")?,
        user_id: id_col(r, "user_id")?,
        seq: col(r, "seq")?,
        status: AttemptStatus::parse(&status)
            .with_context(|| format!("stored attempt status {status}"))?,
        started_at: col(r, "started_at")?,
        deadline: col(r, "deadline")?,
        submitted_at: col(r, "submitted_at")?,
        score: col(r, "score")?,
        question_count: col(r, "question_count")?,
        prediction: col(r, "prediction")?,
        paper: paper_from_json(&col::<String>(r, "paper")?)?,
    })
}

pub async fn find<C: ConnectionTrait>(c: &C, id: AttemptId) -> StoreResult<Option<Attempt>> {
    // hand-written: shares COLUMNS/from_row with `overdue`; read on the start and submit paths (G2, G1 of docs/performance.md).
    let sql = format!("SELECT {COLUMNS} FROM attempts WHERE id = $1");
    let row = c
        .query_one_raw(stmt(c, &sql, [v(id.to_string())]))
        .await
        .context("loading attempt")?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

async fn open_for<C: ConnectionTrait>(
    c: &C,
    contest_id: ContestId,
    user_id: UserId,
) -> StoreResult<Option<Attempt>> {
    // hand-written: shares COLUMNS/from_row with `overdue`; start's fallback after three lost races (G2).
    let sql = format!(
        "SELECT {COLUMNS} FROM attempts WHERE contest_id = $1 AND user_id = $2 AND status = 'open'"
    );
    let row = c
        .query_one_raw(stmt(
            c,
            &sql,
            [v(contest_id.to_string()), v(user_id.to_string())],
        ))
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// A participant's attempts at a contest, oldest first.
pub async fn for_user(
    db: &Db,
    contest_id: ContestId,
    user_id: UserId,
) -> StoreResult<Vec<Attempt>> {
    // hand-written: shares COLUMNS/from_row with `overdue`.
    let sql = format!(
        "SELECT {COLUMNS} FROM attempts WHERE contest_id = $1 AND user_id = $2 ORDER BY seq"
    );
    let rows = db
        .conn
        .query_all_raw(db.stmt(&sql, [v(contest_id.to_string()), v(user_id.to_string())]))
        .await?;
    Ok(rows.iter().map(from_row).collect::<anyhow::Result<_>>()?)
}

pub enum StartOutcome {
    Started(Attempt),
    /// The participant already had an open attempt: they get it back.
    Resumed(Attempt),
    LimitReached,
}

/// Starts an attempt unless one is open or `max_attempts` are used. `paper`
/// is the draw, made by the caller before the queue (the draw is pure).
/// Goes through the database's writer ([`super::writes`]).
pub async fn start(
    db: &Db,
    contest_id: ContestId,
    max_attempts: u32,
    user_id: UserId,
    paper: &[DrawnQuestion<String>],
    started_at: Millis,
    deadline: Millis,
) -> StoreResult<StartOutcome> {
    for _ in 0..3 {
        let job = writes::Start {
            contest_id,
            user_id,
            max_attempts,
            paper: paper.to_vec(),
            started_at,
            deadline,
        };
        match db.writes()?.start(job).await? {
            writes::Started::Done(outcome) => return Ok(outcome),
            // A concurrent start by the same person on another instance won
            // the race (PostgreSQL): look again, now that its row is committed.
            writes::Started::Raced => continue,
        }
    }
    match open_for(&db.conn, contest_id, user_id).await? {
        Some(a) => Ok(StartOutcome::Resumed(a)),
        None => Ok(StartOutcome::LimitReached),
    }
}

/// The answers saved so far: (question id, option id).
pub async fn answers<C: ConnectionTrait>(
    c: &C,
    attempt_id: AttemptId,
) -> StoreResult<Vec<(String, u32)>> {
    // hand-written: the submit path, G1 of docs/performance.md — 4 statements per submit; this is the 2nd.
    let rows = c
        .query_all_raw(stmt(
            c,
            "SELECT question_id, option_id FROM attempt_answers WHERE attempt_id = $1",
            [v(attempt_id.to_string())],
        ))
        .await
        .context("loading answers")?;
    let read = |r: &QueryResult| -> anyhow::Result<(String, u32)> {
        Ok((
            col::<String>(r, "question_id")?,
            col::<i64>(r, "option_id")? as u32,
        ))
    };
    Ok(rows.iter().map(read).collect::<anyhow::Result<_>>()?)
}

/// Autosaves answers, and the prediction when given (absent keeps the stored
/// one), while the attempt is open. False when it is closed. Goes through the
/// database's writer ([`super::writes`]).
pub async fn autosave(
    db: &Db,
    a: &Attempt,
    answers: &[(String, u32)],
    prediction: Option<i64>,
    now: Millis,
) -> StoreResult<bool> {
    db.writes()?
        .autosave(writes::Autosave {
            attempt_id: a.id,
            contest_id: a.contest_id,
            answers: answers.to_vec(),
            prediction,
            now,
        })
        .await
}

pub enum CloseOutcome {
    /// This call scored the attempt.
    Closed(Attempt),
    /// It was already closed (by another submit, or the sweep): its stored result.
    AlreadyClosed(Attempt),
}

/// How the final answers of an attempt are marked: given every answer
/// (autosaved ones overridden by those sent with the submit), the score and
/// each answer marked right or wrong. The app passes the domain's rule.
pub trait Marking: Sync {
    fn mark<'p>(
        &self,
        paper: &'p [DrawnQuestion<String>],
        given: &HashMap<String, u32>,
    ) -> (u32, Vec<MarkedAnswer<'p, String>>);
}

/// Closes an open attempt exactly once: merges `answers` over the autosaved
/// ones, stores each answer with its mark and the result with a conditional
/// UPDATE; `prediction` replaces the autosaved one, `None` keeps it. Used by
/// submit (`Submitted`) and by the sweep (`Expired`, `submitted_at = deadline`).
/// Goes through the database's writer ([`super::writes`]).
pub async fn close(
    db: &Db,
    a: &Attempt,
    answers: &[(String, u32)],
    prediction: Option<i64>,
    marking: Arc<dyn Marking + Send>,
    status: AttemptStatus,
    submitted_at: Millis,
) -> StoreResult<CloseOutcome> {
    db.writes()?
        .close(writes::Close {
            attempt: a.clone(),
            answers: answers.to_vec(),
            prediction,
            marking,
            status,
            submitted_at,
        })
        .await
}

/// At most this many overdue attempts are read at once.
pub const OVERDUE_BATCH: usize = 5000;

/// Open attempts whose deadline + grace has passed (optionally of one contest / one user).
pub async fn overdue(
    db: &Db,
    now: Millis,
    contest_id: Option<ContestId>,
    user_id: Option<UserId>,
) -> StoreResult<Vec<Attempt>> {
    let cols: String = COLUMNS
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // hand-written: the sweep — a join with contests and deadline + grace arithmetic, in batches.
    let sql = format!(
        "SELECT {cols} FROM attempts a JOIN contests c ON c.id = a.contest_id
         WHERE a.status = 'open' AND a.deadline + c.grace_seconds * 1000 < $1
           AND ($2 = '' OR a.contest_id = $2) AND ($3 = '' OR a.user_id = $3)
         ORDER BY a.deadline LIMIT {OVERDUE_BATCH}"
    );
    let rows = db
        .conn
        .query_all_raw(db.stmt(
            &sql,
            [
                v(now),
                v(contest_id.map(|c| c.to_string()).unwrap_or_default()),
                v(user_id.map(|u| u.to_string()).unwrap_or_default()),
            ],
        ))
        .await
        .context("finding overdue attempts")?;
    Ok(rows.iter().map(from_row).collect::<anyhow::Result<_>>()?)
}
