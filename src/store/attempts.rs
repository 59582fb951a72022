//! Attempts: start within max_attempts, autosave, score exactly once.
//!
//! "Exactly once" lives in the database: a unique index on (contest, user, seq)
//! caps attempts, a partial unique index allows one open attempt per person, and
//! scoring is a conditional `UPDATE … WHERE status = 'open'` whose row count
//! decides who won, inside a write transaction.

use super::contests::{BankQuestion, Contest};
use super::{Db, col, unique_violation, v};
use crate::domain::attempt::{DrawnQuestion, expired_submitted_at};
use crate::domain::clock::Millis;
use crate::domain::ids::AttemptId;
use anyhow::{Context, anyhow};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Statement};
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

/// Banks of published contests. Safe to cache in each instance: a published
/// bank never changes, so instances cannot disagree.
#[derive(Default)]
pub struct BankCache {
    banks: Mutex<HashMap<String, Arc<Bank>>>,
}

impl BankCache {
    pub async fn get(&self, db: &Db, contest_id: &str) -> anyhow::Result<Arc<Bank>> {
        if let Some(b) = self
            .banks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(contest_id)
        {
            return Ok(b.clone());
        }
        let bank = Arc::new(Bank::new(super::contests::bank(db, contest_id).await?));
        self.banks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(contest_id.to_owned(), bank.clone());
        Ok(bank)
    }
}

#[derive(Clone, Debug)]
pub struct Attempt {
    pub id: String,
    pub contest_id: String,
    pub user_id: String,
    pub seq: i64,
    pub status: String,
    pub started_at: Millis,
    pub deadline: Millis,
    pub submitted_at: Option<Millis>,
    pub score: Option<i64>,
    pub question_count: i64,
    pub prediction: Option<i64>,
    pub paper: Vec<DrawnQuestion<String>>,
}

impl Attempt {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

const COLUMNS: &str = "id, contest_id, user_id, seq, status, started_at, deadline, submitted_at, score, question_count, prediction, paper";

fn from_row(r: &QueryResult) -> anyhow::Result<Attempt> {
    Ok(Attempt {
        id: col(r, "id")?,
        contest_id: col(r, "contest_id")?,
        user_id: col(r, "user_id")?,
        seq: col(r, "seq")?,
        status: col(r, "status")?,
        started_at: col(r, "started_at")?,
        deadline: col(r, "deadline")?,
        submitted_at: col(r, "submitted_at")?,
        score: col(r, "score")?,
        question_count: col(r, "question_count")?,
        prediction: col(r, "prediction")?,
        paper: serde_json::from_str(&col::<String>(r, "paper")?).context("stored paper")?,
    })
}

fn stmt<C: ConnectionTrait>(
    c: &C,
    sql: &str,
    values: impl IntoIterator<Item = sea_orm::Value>,
) -> Statement {
    Statement::from_sql_and_values(c.get_database_backend(), sql, values)
}

pub async fn find<C: ConnectionTrait>(c: &C, id: &str) -> anyhow::Result<Option<Attempt>> {
    let sql = format!("SELECT {COLUMNS} FROM attempts WHERE id = $1");
    let row = c
        .query_one_raw(stmt(c, &sql, [v(id.to_owned())]))
        .await
        .context("loading attempt")?;
    row.as_ref().map(from_row).transpose()
}

async fn open_for<C: ConnectionTrait>(
    c: &C,
    contest_id: &str,
    user_id: &str,
) -> anyhow::Result<Option<Attempt>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM attempts WHERE contest_id = $1 AND user_id = $2 AND status = 'open'"
    );
    let row = c
        .query_one_raw(stmt(
            c,
            &sql,
            [v(contest_id.to_owned()), v(user_id.to_owned())],
        ))
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// A participant's attempts at a contest, oldest first.
pub async fn for_user(db: &Db, contest_id: &str, user_id: &str) -> anyhow::Result<Vec<Attempt>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM attempts WHERE contest_id = $1 AND user_id = $2 ORDER BY seq"
    );
    let rows = db
        .conn
        .query_all_raw(db.stmt(&sql, [v(contest_id.to_owned()), v(user_id.to_owned())]))
        .await?;
    rows.iter().map(from_row).collect()
}

pub enum StartOutcome {
    Started(Attempt),
    /// The participant already had an open attempt: they get it back.
    Resumed(Attempt),
    LimitReached,
}

/// Starts an attempt unless one is open or the limit is reached. `paper` is
/// the draw, made by the caller before the transaction (the draw is pure).
pub async fn start(
    db: &Db,
    contest: &Contest,
    user_id: &str,
    paper: &[DrawnQuestion<String>],
    started_at: Millis,
    deadline: Millis,
) -> anyhow::Result<StartOutcome> {
    for _ in 0..3 {
        let (_turn, tx) = db.write().await?;
        // One read for both questions: is an attempt open, and how many were used?
        let row = tx
            .query_one_raw(stmt(
                &tx,
                "SELECT COUNT(*) AS n, MAX(CASE WHEN status = 'open' THEN id END) AS open_id
                 FROM attempts WHERE contest_id = $1 AND user_id = $2",
                [v(contest.id.clone()), v(user_id.to_owned())],
            ))
            .await?;
        let (used, open_id): (i64, Option<String>) = match row {
            Some(r) => (col(&r, "n")?, col(&r, "open_id")?),
            None => (0, None),
        };
        if let Some(open_id) = open_id {
            let open = find(&tx, &open_id)
                .await?
                .ok_or_else(|| anyhow!("open attempt vanished"))?;
            return Ok(StartOutcome::Resumed(open));
        }
        if used >= i64::from(contest.settings.max_attempts) {
            return Ok(StartOutcome::LimitReached);
        }
        let id = AttemptId::new().as_string();
        let insert = tx
            .execute_raw(stmt(
                &tx,
                "INSERT INTO attempts (id, contest_id, user_id, seq, status, started_at, deadline, question_count, paper)
                 VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8)",
                [
                    v(id.clone()),
                    v(contest.id.clone()),
                    v(user_id.to_owned()),
                    v(used + 1),
                    v(started_at),
                    v(deadline),
                    v(paper.len() as i64),
                    v(serde_json::to_string(paper)?),
                ],
            ))
            .await;
        match insert {
            Ok(_) => {
                tx.commit().await.context("committing attempt start")?;
                // Exactly what was inserted: no need to read it back.
                return Ok(StartOutcome::Started(Attempt {
                    id,
                    contest_id: contest.id.clone(),
                    user_id: user_id.to_owned(),
                    seq: used + 1,
                    status: "open".to_owned(),
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
            Err(e) => return Err(anyhow::Error::new(e).context("inserting attempt")),
        }
    }
    match open_for(&db.conn, &contest.id, user_id).await? {
        Some(a) => Ok(StartOutcome::Resumed(a)),
        None => Ok(StartOutcome::LimitReached),
    }
}

pub async fn answers<C: ConnectionTrait>(
    c: &C,
    attempt_id: &str,
) -> anyhow::Result<Vec<(String, u32)>> {
    let rows = c
        .query_all_raw(stmt(
            c,
            "SELECT question_id, option_id FROM attempt_answers WHERE attempt_id = $1",
            [v(attempt_id.to_owned())],
        ))
        .await
        .context("loading answers")?;
    rows.iter()
        .map(|r| {
            Ok((
                col::<String>(r, "question_id")?,
                col::<i64>(r, "option_id")? as u32,
            ))
        })
        .collect()
}

/// Locks the attempt row for this transaction if it is still open (PostgreSQL
/// row lock; SQLite already holds the write lock). False when it is closed.
async fn lock_open(tx: &DatabaseTransaction, attempt_id: &str) -> anyhow::Result<bool> {
    let res = tx
        .execute_raw(stmt(
            tx,
            "UPDATE attempts SET status = status WHERE id = $1 AND status = 'open'",
            [v(attempt_id.to_owned())],
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
    let mut sql = String::from(
        "INSERT INTO attempt_answers (attempt_id, question_id, contest_id, option_id, saved_at) VALUES ",
    );
    let mut values = Vec::with_capacity(answers.len() * 5);
    for (i, (q, o)) in answers.iter().enumerate() {
        let b = i * 5;
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5
        ));
        values.extend([
            v(a.id.clone()),
            v(q.clone()),
            v(a.contest_id.clone()),
            v(i64::from(*o)),
            v(now),
        ]);
    }
    sql.push_str(
        " ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = excluded.option_id, saved_at = excluded.saved_at",
    );
    tx.execute_raw(stmt(tx, &sql, values))
        .await
        .context("saving answers")?;
    Ok(())
}

/// Autosaves answers while the attempt is open. False when it is closed.
pub async fn autosave(
    db: &Db,
    a: &Attempt,
    answers: &[(String, u32)],
    now: Millis,
) -> anyhow::Result<bool> {
    let (_turn, tx) = db.write().await?;
    if !lock_open(&tx, &a.id).await? {
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

/// Scores and closes an open attempt exactly once: merges `answers` over the
/// autosaved ones, marks each answer right or wrong, and sets the result with a
/// conditional UPDATE. Used by submit (status `submitted`) and by the sweep
/// (status `expired`, `submitted_at = deadline`).
pub async fn close(
    db: &Db,
    a: &Attempt,
    answers: &[(String, u32)],
    prediction: Option<i64>,
    correct: &(dyn Fn(&str) -> Option<u32> + Sync),
    status: &str,
    submitted_at: Millis,
) -> anyhow::Result<CloseOutcome> {
    let (_turn, tx) = db.write().await?;
    if !lock_open(&tx, &a.id).await? {
        drop(tx);
        let stored = find(&db.conn, &a.id)
            .await?
            .ok_or_else(|| anyhow!("attempt vanished"))?;
        return Ok(CloseOutcome::AlreadyClosed(stored));
    }
    // The final answers: the autosaved ones, overridden by those sent now.
    let mut given: HashMap<String, u32> = self::answers(&tx, &a.id).await?.into_iter().collect();
    for (q, o) in answers {
        given.insert(q.clone(), *o);
    }
    let mut score = 0i64;
    let mut marked: Vec<(&str, u32, bool)> = Vec::with_capacity(given.len());
    for dq in &a.paper {
        if let Some(chosen) = given.get(&dq.question) {
            let right = correct(&dq.question) == Some(*chosen);
            score += i64::from(right);
            marked.push((dq.question.as_str(), *chosen, right));
        }
    }
    // One statement writes every answer with its mark.
    if !marked.is_empty() {
        let mut sql = String::from(
            "INSERT INTO attempt_answers (attempt_id, question_id, contest_id, option_id, correct, saved_at) VALUES ",
        );
        let mut values = Vec::with_capacity(marked.len() * 6);
        for (i, (q, o, right)) in marked.iter().enumerate() {
            let b = i * 6;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6
            ));
            values.extend([
                v(a.id.clone()),
                v((*q).to_owned()),
                v(a.contest_id.clone()),
                v(i64::from(*o)),
                v(i64::from(*right)),
                v(submitted_at),
            ]);
        }
        sql.push_str(
            " ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = excluded.option_id, correct = excluded.correct",
        );
        tx.execute_raw(stmt(&tx, &sql, values))
            .await
            .context("marking answers")?;
    }
    let res = tx
        .execute_raw(stmt(
            &tx,
            "UPDATE attempts SET status = $1, score = $2, submitted_at = $3, prediction = $4 WHERE id = $5 AND status = 'open'",
            [v(status.to_owned()), v(score), v(submitted_at), v(prediction), v(a.id.clone())],
        ))
        .await
        .context("scoring attempt")?;
    if res.rows_affected() != 1 {
        return Err(anyhow!("attempt {} changed under its lock", a.id));
    }
    tx.commit().await.context("committing submit")?;
    // Exactly what was written: no need to read it back.
    Ok(CloseOutcome::Closed(Attempt {
        status: status.to_owned(),
        score: Some(score),
        submitted_at: Some(submitted_at),
        prediction,
        ..a.clone()
    }))
}

/// Open attempts whose deadline + grace has passed (optionally of one contest / one user).
pub async fn overdue(
    db: &Db,
    now: Millis,
    contest_id: Option<&str>,
    user_id: Option<&str>,
) -> anyhow::Result<Vec<Attempt>> {
    let cols: String = COLUMNS
        .split(", ")
        .map(|c| format!("a.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols} FROM attempts a JOIN contests c ON c.id = a.contest_id
         WHERE a.status = 'open' AND a.deadline + c.grace_seconds * 1000 < $1
           AND ($2 = '' OR a.contest_id = $2) AND ($3 = '' OR a.user_id = $3)
         ORDER BY a.deadline LIMIT 5000"
    );
    let rows = db
        .conn
        .query_all_raw(db.stmt(
            &sql,
            [
                v(now),
                v(contest_id.unwrap_or("").to_owned()),
                v(user_id.unwrap_or("").to_owned()),
            ],
        ))
        .await
        .context("finding overdue attempts")?;
    rows.iter().map(from_row).collect()
}

/// Closes overdue attempts with their autosaved answers, `submitted_at = deadline`.
pub async fn close_overdue(
    db: &Db,
    banks: &BankCache,
    now: Millis,
    contest_id: Option<&str>,
    user_id: Option<&str>,
) -> anyhow::Result<usize> {
    let mut closed = 0;
    loop {
        let batch = overdue(db, now, contest_id, user_id).await?;
        if batch.is_empty() {
            return Ok(closed);
        }
        for a in &batch {
            let bank = banks.get(db, &a.contest_id).await?;
            let correct = |q: &str| bank.get(q).map(|b| b.correct_option_id);
            if let CloseOutcome::Closed(_) = close(
                db,
                a,
                &[],
                None,
                &correct,
                "expired",
                expired_submitted_at(a.deadline),
            )
            .await?
            {
                closed += 1;
            }
        }
        if batch.len() < 5000 {
            return Ok(closed);
        }
    }
}
