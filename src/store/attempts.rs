//! Attempts: start within max_attempts, autosave, score exactly once.
//!
//! "Exactly once" lives in the database: a unique index on (contest, user, seq)
//! caps attempts, a partial unique index allows one open attempt per person, and
//! scoring is a conditional `UPDATE … WHERE status = 'open'` whose row count
//! decides who won, inside a write transaction.

use super::contests::BankQuestion;
use super::{Db, StoreResult, col, id_col, stmt, unique_violation, v, values_list};
use crate::domain::attempt::{Attempt, AttemptStatus, DrawnQuestion, MarkedAnswer};
use crate::domain::clock::Millis;
use crate::domain::ids::{AttemptId, ContestId, UserId};
use anyhow::{Context, anyhow};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult};
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

fn paper_to_json(paper: &[DrawnQuestion<String>]) -> anyhow::Result<String> {
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

const COLUMNS: &str = "id, contest_id, user_id, seq, status, started_at, deadline, submitted_at, score, question_count, prediction, paper";

fn from_row(r: &QueryResult) -> anyhow::Result<Attempt> {
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
/// is the draw, made by the caller before the transaction (the draw is pure).
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
        let (_turn, tx) = db.write().await?;
        // One read for both questions: is an attempt open, and how many were used?
        // hand-written: the start path, G2 of docs/performance.md — one conditional aggregate, one round trip.
        let row = tx
            .query_one_raw(stmt(
                &tx,
                "SELECT COUNT(*) AS n, MAX(CASE WHEN status = 'open' THEN id END) AS open_id
                 FROM attempts WHERE contest_id = $1 AND user_id = $2",
                [v(contest_id.to_string()), v(user_id.to_string())],
            ))
            .await?;
        let (used, open_id): (i64, Option<AttemptId>) = match row {
            Some(r) => (
                col(&r, "n")?,
                col::<Option<String>>(&r, "open_id")?.and_then(|s| AttemptId::parse(&s)),
            ),
            None => (0, None),
        };
        if let Some(open_id) = open_id {
            let open = find(&tx, open_id)
                .await?
                .ok_or_else(|| anyhow!("open attempt vanished"))?;
            return Ok(StartOutcome::Resumed(open));
        }
        if used >= i64::from(max_attempts) {
            return Ok(StartOutcome::LimitReached);
        }
        let id = AttemptId::new();
        // hand-written: the start path, G2 — its unique-violation error is the retry signal; the row is not read back.
        let insert = tx
            .execute_raw(stmt(
                &tx,
                "INSERT INTO attempts (id, contest_id, user_id, seq, status, started_at, deadline, question_count, paper)
                 VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8)",
                [
                    v(id.to_string()),
                    v(contest_id.to_string()),
                    v(user_id.to_string()),
                    v(used + 1),
                    v(started_at),
                    v(deadline),
                    v(paper.len() as i64),
                    v(paper_to_json(paper)?),
                ],
            ))
            .await;
        match insert {
            Ok(_) => {
                tx.commit().await.context("committing attempt start")?;
                // Exactly what was inserted: no need to read it back.
                return Ok(StartOutcome::Started(Attempt {
                    id,
                    contest_id,
                    user_id,
                    seq: used + 1,
                    status: AttemptStatus::Open,
                    started_at,
                    deadline,
                    submitted_at: None,
                    score: None,
                    question_count: paper.len() as i64,
                    prediction: None,
                    paper: paper.to_vec(),
                }));
            }
            // A concurrent start by the same person won the race (PostgreSQL):
            // look again, now that its row is committed.
            Err(e) if unique_violation(&e).is_some() => {
                tx.rollback().await.ok();
                continue;
            }
            Err(e) => return Err(anyhow::Error::new(e).context("inserting attempt").into()),
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

/// Locks the attempt row for this transaction if it is still open (PostgreSQL
/// row lock; SQLite already holds the write lock), storing `prediction` when
/// one is given. False when it is closed.
async fn lock_open(
    tx: &DatabaseTransaction,
    attempt_id: AttemptId,
    prediction: Option<i64>,
) -> anyhow::Result<bool> {
    // hand-written: the submit and autosave paths, G1 — a conditional UPDATE takes the row lock (and keeps an autosaved prediction); 1st of 4 per submit.
    let res = tx
        .execute_raw(stmt(
            tx,
            "UPDATE attempts SET prediction = COALESCE($2, prediction) WHERE id = $1 AND status = 'open'",
            [v(attempt_id.to_string()), v(prediction)],
        ))
        .await
        .context("locking attempt")?;
    Ok(res.rows_affected() == 1)
}

async fn upsert_answers(
    tx: &DatabaseTransaction,
    a: &Attempt,
    answers: &[(String, u32)],
    now: Millis,
) -> anyhow::Result<()> {
    if answers.is_empty() {
        return Ok(());
    }
    // hand-written: autosave writes every answer in one multi-row upsert (ON CONFLICT), one round trip.
    let sql = format!(
        "INSERT INTO attempt_answers (attempt_id, question_id, contest_id, option_id, saved_at) VALUES {}
         ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = excluded.option_id, saved_at = excluded.saved_at",
        values_list(answers.len(), 5, 1)
    );
    let mut values = Vec::with_capacity(answers.len() * 5);
    for (q, o) in answers {
        values.extend([
            v(a.id.to_string()),
            v(q.clone()),
            v(a.contest_id.to_string()),
            v(i64::from(*o)),
            v(now),
        ]);
    }
    tx.execute_raw(stmt(tx, &sql, values))
        .await
        .context("saving answers")?;
    Ok(())
}

/// Autosaves answers, and the prediction when given (absent keeps the stored
/// one), while the attempt is open. False when it is closed.
pub async fn autosave(
    db: &Db,
    a: &Attempt,
    answers: &[(String, u32)],
    prediction: Option<i64>,
    now: Millis,
) -> StoreResult<bool> {
    let (_turn, tx) = db.write().await?;
    let open = lock_open(&tx, a.id, prediction).await?;
    if !open {
        return Ok(false);
    }
    upsert_answers(&tx, a, answers, now).await?;
    tx.commit().await.context("committing autosave")?;
    Ok(true)
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
pub async fn close(
    db: &Db,
    a: &Attempt,
    answers: &[(String, u32)],
    prediction: Option<i64>,
    marking: &dyn Marking,
    status: AttemptStatus,
    submitted_at: Millis,
) -> StoreResult<CloseOutcome> {
    let (_turn, tx) = db.write().await?;
    if !lock_open(&tx, a.id, None).await? {
        drop(tx);
        let stored = find(&db.conn, a.id)
            .await?
            .ok_or_else(|| anyhow!("attempt vanished"))?;
        return Ok(CloseOutcome::AlreadyClosed(stored));
    }
    // The final answers: the autosaved ones, overridden by those sent now.
    let mut given: HashMap<String, u32> = self::answers(&tx, a.id).await?.into_iter().collect();
    for (q, o) in answers {
        given.insert(q.clone(), *o);
    }
    let (score, marked) = marking.mark(&a.paper, &given);
    // One statement writes every answer with its mark.
    if !marked.is_empty() {
        // hand-written: the submit path, G1 of docs/performance.md — 4 statements per submit; this is the 3rd.
        let sql = format!(
            "INSERT INTO attempt_answers (attempt_id, question_id, contest_id, option_id, correct, saved_at) VALUES {}
             ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = excluded.option_id, correct = excluded.correct",
            values_list(marked.len(), 6, 1)
        );
        let mut values = Vec::with_capacity(marked.len() * 6);
        for m in &marked {
            values.extend([
                v(a.id.to_string()),
                v(m.question.clone()),
                v(a.contest_id.to_string()),
                v(i64::from(m.option)),
                v(i64::from(m.correct)),
                v(submitted_at),
            ]);
        }
        tx.execute_raw(stmt(&tx, &sql, values))
            .await
            .context("marking answers")?;
    }
    let score = i64::from(score);
    // A prediction given now replaces the autosaved one; none keeps it.
    // hand-written: the conditional score update (WHERE status = 'open'), G1 — the row it returns says who scored; 4th of 4.
    let row = tx
        .query_one_raw(stmt(
            &tx,
            "UPDATE attempts SET status = $1, score = $2, submitted_at = $3, prediction = COALESCE($4, prediction)
             WHERE id = $5 AND status = 'open' RETURNING prediction",
            [
                v(status.as_str().to_owned()),
                v(score),
                v(submitted_at),
                v(prediction),
                v(a.id.to_string()),
            ],
        ))
        .await
        .context("scoring attempt")?;
    let Some(row) = row else {
        return Err(anyhow!("attempt {} changed under its lock", a.id).into());
    };
    let prediction: Option<i64> = col(&row, "prediction")?;
    tx.commit().await.context("committing submit")?;
    // Exactly what was written: no need to read it back.
    Ok(CloseOutcome::Closed(Attempt {
        status,
        score: Some(score),
        submitted_at: Some(submitted_at),
        prediction,
        ..a.clone()
    }))
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
