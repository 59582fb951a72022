//! Group commit for the writes of contest day: attempt starts, autosaves and
//! closes (submits, and the sweep's expiries).
//!
//! One writer task per database takes every queued write, runs them in one
//! transaction with a few set-oriented statements per kind, commits once and
//! only then answers each request. Durability is untouched (SQLite
//! `synchronous = FULL`, PostgreSQL `synchronous_commit = on`): a batch of 60
//! submits costs one commit and six statements instead of 60 and 360. Nothing
//! waits to fill a batch: the writer takes whatever is queued the moment it
//! is free, so a lone request runs at once, and the requests that arrive while
//! a batch commits form the next one.
//!
//! Any serial order of the writes of one batch is a valid one, since none had
//! been answered when the batch began. The writer runs autosaves, then closes,
//! then starts, each kind in arrival order: a second submit of an attempt sees
//! the first's result, a second start of the same person resumes the first's
//! attempt.
//!
//! A batch that fails (any database error, including at commit) is rolled back
//! and each of its writes is run again alone, in its own transaction: a bad
//! write fails alone, the rest commit. That is safe even when the commit had
//! in fact happened: a close run again finds the attempt closed and answers its
//! stored result, a start finds the attempt open and resumes it, an autosave
//! writes the same values again.

use super::attempts::{COLUMNS, CloseOutcome, Marking, StartOutcome, from_row, paper_to_json};
use super::{Db, StoreError, StoreResult, col, id_col, in_list, stmt, v};
use crate::domain::attempt::{Attempt, AttemptStatus, DrawnQuestion};
use crate::domain::clock::Millis;
use crate::domain::ids::{AttemptId, ContestId, UserId};
use anyhow::{Context, anyhow};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

/// At most this many writes go in one transaction: a batch of submits of 20
/// answers stays far below either database's limit of bound parameters per
/// statement, and a failed batch is re-run write by write in bounded time.
pub const MAX_BATCH: usize = 256;

/// Writes waiting for the writers: about a second of work at contest-day
/// rates. Beyond it a request waits for room at most [`ROOM_WAIT`] (or the
/// busy timeout, if shorter), then is answered 503 with Retry-After: under a
/// rush above capacity phones are told to come back in a second, rather than
/// all waiting longer and longer.
const QUEUE: usize = 1024;

/// See [`QUEUE`].
const ROOM_WAIT: Duration = Duration::from_secs(1);

/// A start: the draw is made by the caller, before the queue.
pub struct Start {
    pub contest_id: ContestId,
    pub user_id: UserId,
    pub max_attempts: u32,
    pub paper: Vec<DrawnQuestion<String>>,
    pub started_at: Millis,
    pub deadline: Millis,
}

/// An autosave: answers (and the prediction when given) while the attempt is open.
pub struct Autosave {
    pub attempt_id: AttemptId,
    pub contest_id: ContestId,
    pub answers: Vec<(String, u32)>,
    pub prediction: Option<i64>,
    pub now: Millis,
}

/// A close: a submit (`Submitted`) or the sweep (`Expired`).
pub struct Close {
    /// The attempt as the caller read it (its paper is what is marked).
    pub attempt: Attempt,
    pub answers: Vec<(String, u32)>,
    /// Replaces the autosaved prediction; `None` keeps it.
    pub prediction: Option<i64>,
    pub marking: Arc<dyn Marking + Send>,
    pub status: AttemptStatus,
    pub submitted_at: Millis,
}

/// What a start came to inside a batch.
pub enum Started {
    Done(StartOutcome),
    /// Another instance inserted an attempt of this person first (PostgreSQL):
    /// nothing was written for this start; it is tried again.
    Raced,
}

enum Item {
    Start(Start),
    Autosave(Autosave),
    Close(Close),
}

enum Outcome {
    Start(Started),
    Autosave(bool),
    Close(CloseOutcome),
}

enum Reply {
    Start(oneshot::Sender<StoreResult<Started>>),
    Autosave(oneshot::Sender<StoreResult<bool>>),
    Close(oneshot::Sender<StoreResult<CloseOutcome>>),
}

impl Reply {
    fn send(self, result: StoreResult<Outcome>) {
        // A requester that has gone (the phone dropped the connection) is not
        // an error: its write is committed all the same.
        match (self, result) {
            (Reply::Start(tx), Ok(Outcome::Start(o))) => drop(tx.send(Ok(o))),
            (Reply::Autosave(tx), Ok(Outcome::Autosave(o))) => drop(tx.send(Ok(o))),
            (Reply::Close(tx), Ok(Outcome::Close(o))) => drop(tx.send(Ok(o))),
            (Reply::Start(tx), Err(e)) => drop(tx.send(Err(e))),
            (Reply::Autosave(tx), Err(e)) => drop(tx.send(Err(e))),
            (Reply::Close(tx), Err(e)) => drop(tx.send(Err(e))),
            (reply, Ok(_)) => {
                reply.send(Err(anyhow!("a write was answered for another kind").into()))
            }
        }
    }
}

/// The queue of one database's writer.
#[derive(Clone, Debug)]
pub struct Writes {
    queue: mpsc::Sender<(Item, Reply)>,
    wait: Duration,
    /// Requests that will queue a write (starts, autosaves, submits) in
    /// progress, from their first read to their answer: see [`Writes::admit`].
    admitted: Arc<Semaphore>,
    /// Transactions committed by the writers (batches, and writes re-run alone).
    commits: Arc<AtomicU64>,
}

impl Writes {
    /// Starts one writer per handle of `dbs` (each a connection of its own,
    /// without a queue, so that the writers end when the last queue handle is
    /// dropped). They share the queue: whichever is free takes what waits.
    /// On SQLite, `main` (the pool, without a queue) checkpoints the WAL.
    pub(super) fn spawn(dbs: Vec<Db>, main: &Db, wait: Duration) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let commits = Arc::new(AtomicU64::new(0));
        if main.is_sqlite() {
            tokio::spawn(checkpoint(main.clone(), queue.downgrade(), commits.clone()));
        }
        for db in dbs {
            tokio::spawn(run(db, rx.clone(), commits.clone()));
        }
        Self {
            queue,
            wait: wait.min(ROOM_WAIT),
            admitted: Arc::new(Semaphore::new(QUEUE)),
            commits,
        }
    }

    /// Lets a request that will queue a write begin, once fewer than
    /// [`QUEUE`] are in progress; after [`ROOM_WAIT`] without room it is
    /// answered 503 with Retry-After, having read and written nothing. Held
    /// until the answer: under a rush above capacity a phone is told to come
    /// back in a second, instead of requests piling up before the queue
    /// (reads, the draw) and every answer growing later.
    pub async fn admit(&self) -> StoreResult<OwnedSemaphorePermit> {
        match tokio::time::timeout(self.wait, self.admitted.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                metrics::counter!("crane_write_admission_refused_total").increment(1);
                Err(StoreError::Overloaded(anyhow::Error::new(
                    DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout),
                )))
            }
        }
    }

    /// Transactions the writers have committed so far.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    pub async fn start(&self, s: Start) -> StoreResult<Started> {
        let (tx, rx) = oneshot::channel();
        self.send(Item::Start(s), Reply::Start(tx), rx).await
    }

    pub async fn autosave(&self, a: Autosave) -> StoreResult<bool> {
        let (tx, rx) = oneshot::channel();
        self.send(Item::Autosave(a), Reply::Autosave(tx), rx).await
    }

    pub async fn close(&self, c: Close) -> StoreResult<CloseOutcome> {
        let (tx, rx) = oneshot::channel();
        self.send(Item::Close(c), Reply::Close(tx), rx).await
    }

    async fn send<T>(
        &self,
        item: Item,
        reply: Reply,
        rx: oneshot::Receiver<StoreResult<T>>,
    ) -> StoreResult<T> {
        match self.queue.send_timeout((item, reply), self.wait).await {
            Ok(()) => {}
            // Full for the whole busy timeout: the same answer as a pool with
            // no free connection, 503 with Retry-After; nothing was written.
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => {
                return Err(StoreError::Overloaded(anyhow::Error::new(
                    DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout),
                )));
            }
            Err(mpsc::error::SendTimeoutError::Closed(_)) => {
                return Err(anyhow!("the database writer has stopped").into());
            }
        }
        rx.await
            .map_err(|_| StoreError::Other(anyhow!("the database writer stopped mid-batch")))?
    }
}

/// SQLite: copies the WAL into the database file every 250 ms while writes
/// come in, from a connection of its own, so that the writer's commits never
/// do it. `PASSIVE` waits for nobody: the writer keeps appending meanwhile.
/// Ends with the queue.
async fn checkpoint(db: Db, queue: mpsc::WeakSender<(Item, Reply)>, commits: Arc<AtomicU64>) {
    let mut seen = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if queue.upgrade().is_none() {
            return;
        }
        let now = commits.load(Ordering::Relaxed);
        if now == seen {
            continue;
        }
        seen = now;
        // hand-written: a pragma, SQLite's own — the checkpoint the writer's connection does not do.
        if let Err(e) = db
            .conn
            .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

type Queue = Arc<tokio::sync::Mutex<mpsc::Receiver<(Item, Reply)>>>;

async fn run(db: Db, rx: Queue, commits: Arc<AtomicU64>) {
    let mut taken = Vec::with_capacity(MAX_BATCH);
    loop {
        // The lock is held only while taking: another writer takes the next
        // batch while this one runs its own.
        if rx.lock().await.recv_many(&mut taken, MAX_BATCH).await == 0 {
            return;
        }
        let (items, replies): (Vec<Item>, Vec<Reply>) = taken.drain(..).unzip();
        metrics::histogram!("crane_write_batch_size").record(items.len() as f64);
        match commit(&db, &items, &commits).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    reply.send(Ok(outcome));
                }
            }
            Err(e) if items.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), writes = items.len(), "batch failed; each write runs alone");
                for (item, reply) in items.iter().zip(replies) {
                    let alone = commit(&db, std::slice::from_ref(item), &commits).await;
                    reply.send(alone.and_then(|mut o| {
                        o.pop()
                            .ok_or_else(|| anyhow!("a write gave no outcome").into())
                    }));
                }
            }
        }
    }
}

/// Runs `items` in one write transaction and commits it.
async fn commit(db: &Db, items: &[Item], commits: &AtomicU64) -> StoreResult<Vec<Outcome>> {
    let began = std::time::Instant::now();
    let (_turn, tx) = db.write().await?;
    let ran = began.elapsed();
    let outcomes = batch(&tx, items).await?;
    let run = began.elapsed() - ran;
    tx.commit().await.context("committing a batch of writes")?;
    commits.fetch_add(1, Ordering::Relaxed);
    metrics::counter!("crane_write_commits_total").increment(1);
    tracing::debug!(
        writes = items.len(),
        begin = ?ran,
        run = ?run,
        commit = ?(began.elapsed() - ran - run),
        "batch committed"
    );
    Ok(outcomes)
}

/// The writes of one batch, kind by kind; outcomes in `items` order.
async fn batch(tx: &DatabaseTransaction, items: &[Item]) -> StoreResult<Vec<Outcome>> {
    let mut out: Vec<Option<Outcome>> = items.iter().map(|_| None).collect();
    let autosaves = of_kind(items, |it| match it {
        Item::Autosave(a) => Some(a),
        _ => None,
    });
    for (i, saved) in autosave(tx, &autosaves).await? {
        out[i] = Some(Outcome::Autosave(saved));
    }
    let closes = of_kind(items, |it| match it {
        Item::Close(c) => Some(c),
        _ => None,
    });
    for (i, closed) in close(tx, &closes).await? {
        out[i] = Some(Outcome::Close(closed));
    }
    let starts = of_kind(items, |it| match it {
        Item::Start(s) => Some(s),
        _ => None,
    });
    for (i, started) in start(tx, &starts).await? {
        out[i] = Some(Outcome::Start(started));
    }
    out.into_iter()
        .map(|o| o.ok_or_else(|| anyhow!("a write of the batch gave no outcome").into()))
        .collect()
}

/// The writes of one kind, with their places in the batch.
fn of_kind<'a, T>(items: &'a [Item], pick: fn(&'a Item) -> Option<&'a T>) -> Vec<(usize, &'a T)> {
    items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| pick(it).map(|x| (i, x)))
        .collect()
}

/// On PostgreSQL, reads of rows about to be changed lock them, in id order so
/// that two instances' batches cannot deadlock; SQLite's write lock is already held.
fn locking(tx: &DatabaseTransaction) -> &'static str {
    if tx.get_database_backend() == DbBackend::Postgres {
        " ORDER BY id FOR UPDATE"
    } else {
        ""
    }
}

/// Distinct ids in first-seen order.
fn distinct<T: Copy + Eq + std::hash::Hash>(ids: impl Iterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// A column of [`table_of`].
#[derive(Clone, Copy)]
enum Col {
    Text(&'static str),
    Int(&'static str),
}

/// The rows of a statement as one table read from one bound parameter `$1`,
/// a JSON array of rows (one array of values per row): `json_each` on SQLite,
/// `jsonb_array_elements` on PostgreSQL. One parameter, not one per value:
/// SQLite looks each numbered parameter up by name, so a statement of
/// thousands of them spent its time comparing their names.
fn table_of(tx: &DatabaseTransaction, cols: &[Col]) -> String {
    let sqlite = tx.get_database_backend() == DbBackend::Sqlite;
    let fields: Vec<String> = cols
        .iter()
        .enumerate()
        .map(|(i, c)| match (c, sqlite) {
            (Col::Text(name) | Col::Int(name), true) => format!("value ->> {i} AS {name}"),
            (Col::Text(name), false) => format!("e ->> {i} AS {name}"),
            (Col::Int(name), false) => format!("CAST(e ->> {i} AS bigint) AS {name}"),
        })
        .collect();
    if sqlite {
        format!("SELECT {} FROM json_each($1)", fields.join(", "))
    } else {
        format!(
            "SELECT {} FROM jsonb_array_elements(CAST($1 AS jsonb)) AS e",
            fields.join(", ")
        )
    }
}

/// Bytes of JSON per statement. Over TLS (PostgreSQL's default when the
/// server offers it) a message longer than one 16 KiB record goes out in
/// several writes, and sqlx leaves Nagle's algorithm on: the last write then
/// waited for the server's delayed ACK, 40 ms, on every large statement.
const STATEMENT_BYTES: usize = 12 * 1024;

/// `rows` as JSON arrays of at most [`STATEMENT_BYTES`] each (a longer row alone).
fn json_chunks(rows: impl IntoIterator<Item = serde_json::Value>) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::from("[");
    for row in rows {
        let row = row.to_string();
        if current.len() > 1 && current.len() + row.len() + 1 > STATEMENT_BYTES {
            current.push(']');
            chunks.push(std::mem::replace(&mut current, String::from("[")));
        }
        if current.len() > 1 {
            current.push(',');
        }
        current.push_str(&row);
    }
    if current.len() > 1 {
        current.push(']');
        chunks.push(current);
    }
    chunks
}

/// Runs `sql` (which reads `$1` through [`table_of`]) over `rows`, a chunk
/// at a time; the rows changed.
async fn execute_chunks(
    tx: &DatabaseTransaction,
    sql: &str,
    rows: impl IntoIterator<Item = serde_json::Value>,
    what: &'static str,
) -> StoreResult<u64> {
    let mut changed = 0;
    for json in json_chunks(rows) {
        changed += tx
            .execute_raw(stmt(tx, sql, [v(json)]))
            .await
            .context(what)?
            .rows_affected();
    }
    Ok(changed)
}

async fn autosave(
    tx: &DatabaseTransaction,
    jobs: &[(usize, &Autosave)],
) -> StoreResult<Vec<(usize, bool)>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let ids = distinct(jobs.iter().map(|(_, a)| a.attempt_id));
    // hand-written: group commit, G1 of docs/performance.md — which attempts of the batch are open, one statement.
    let sql = format!(
        "SELECT id FROM attempts WHERE id IN ({}) AND status = 'open'{}",
        in_list(ids.len(), 1),
        locking(tx)
    );
    let rows = tx
        .query_all_raw(stmt(tx, &sql, ids.iter().map(|id| v(id.to_string()))))
        .await
        .context("reading attempts to autosave")?;
    let open: HashSet<AttemptId> = rows
        .iter()
        .map(|r| id_col(r, "id"))
        .collect::<anyhow::Result<_>>()?;
    // Later autosaves of the same attempt override earlier ones, answer by answer.
    let mut answers: Vec<(&Autosave, &str, u32)> = Vec::new();
    let mut slot: HashMap<(AttemptId, &str), usize> = HashMap::new();
    let mut predictions: HashMap<AttemptId, i64> = HashMap::new();
    let mut out = Vec::with_capacity(jobs.len());
    for &(i, a) in jobs {
        let is_open = open.contains(&a.attempt_id);
        out.push((i, is_open));
        if !is_open {
            continue;
        }
        for (q, o) in &a.answers {
            match slot.get(&(a.attempt_id, q.as_str())) {
                Some(&k) => answers[k] = (a, q, *o),
                None => {
                    slot.insert((a.attempt_id, q), answers.len());
                    answers.push((a, q, *o));
                }
            }
        }
        if let Some(p) = a.prediction {
            predictions.insert(a.attempt_id, p);
        }
    }
    if !predictions.is_empty() {
        let table = table_of(tx, &[Col::Text("id"), Col::Int("prediction")]);
        // hand-written: group commit, G1 of docs/performance.md — every autosaved prediction of the batch in one statement.
        let sql = format!(
            "UPDATE attempts SET prediction = j.prediction FROM ({table}) AS j WHERE attempts.id = j.id"
        );
        let rows = predictions
            .iter()
            .map(|(id, p)| serde_json::json!([id.to_string(), p]));
        execute_chunks(tx, &sql, rows, "saving predictions").await?;
    }
    if !answers.is_empty() {
        let table = table_of(
            tx,
            &[
                Col::Text("a"),
                Col::Text("q"),
                Col::Text("c"),
                Col::Int("o"),
                Col::Int("t"),
            ],
        );
        // hand-written: group commit, G1 — every autosaved answer of the batch in one upsert.
        let sql = format!(
            "INSERT INTO attempt_answers (attempt_id, question_id, contest_id, option_id, saved_at)
             SELECT a, q, c, o, t FROM ({table}) AS j WHERE true
             ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = excluded.option_id, saved_at = excluded.saved_at"
        );
        let rows = answers.iter().map(|(a, q, o)| {
            serde_json::json!([
                a.attempt_id.to_string(),
                q,
                a.contest_id.to_string(),
                o,
                a.now
            ])
        });
        execute_chunks(tx, &sql, rows, "saving answers").await?;
    }
    Ok(out)
}

/// What a close needs of the stored row.
#[derive(Clone, Copy)]
struct Stored {
    status: AttemptStatus,
    score: Option<i64>,
    submitted_at: Option<Millis>,
    prediction: Option<i64>,
}

async fn close(
    tx: &DatabaseTransaction,
    jobs: &[(usize, &Close)],
) -> StoreResult<Vec<(usize, CloseOutcome)>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let ids = distinct(jobs.iter().map(|(_, c)| c.attempt.id));
    // hand-written: group commit, G1 of docs/performance.md — the batch's attempts, locked, in one statement.
    let sql = format!(
        "SELECT id, status, score, submitted_at, prediction FROM attempts WHERE id IN ({}){}",
        in_list(ids.len(), 1),
        locking(tx)
    );
    let rows = tx
        .query_all_raw(stmt(tx, &sql, ids.iter().map(|id| v(id.to_string()))))
        .await
        .context("reading attempts to close")?;
    let mut stored: HashMap<AttemptId, Stored> = HashMap::with_capacity(rows.len());
    for r in &rows {
        let status: String = col(r, "status")?;
        stored.insert(
            id_col(r, "id")?,
            Stored {
                status: AttemptStatus::parse(&status)
                    .with_context(|| format!("stored attempt status {status}"))?,
                score: col(r, "score")?,
                submitted_at: col(r, "submitted_at")?,
                prediction: col(r, "prediction")?,
            },
        );
    }
    let open: Vec<AttemptId> = ids
        .iter()
        .copied()
        .filter(|id| {
            stored
                .get(id)
                .is_some_and(|s| s.status == AttemptStatus::Open)
        })
        .collect();
    let mut saved: HashMap<AttemptId, HashMap<String, u32>> = HashMap::with_capacity(open.len());
    if !open.is_empty() {
        // hand-written: group commit, G1 — the autosaved answers of every open attempt of the batch in one statement.
        let sql = format!(
            "SELECT attempt_id, question_id, option_id FROM attempt_answers WHERE attempt_id IN ({})",
            in_list(open.len(), 1)
        );
        let rows = tx
            .query_all_raw(stmt(tx, &sql, open.iter().map(|id| v(id.to_string()))))
            .await
            .context("loading answers")?;
        for r in &rows {
            saved
                .entry(id_col(r, "attempt_id")?)
                .or_default()
                .insert(col(r, "question_id")?, col::<i64>(r, "option_id")? as u32);
        }
    }
    let mut marked_rows: Vec<(AttemptId, ContestId, String, u32, bool, Millis)> = Vec::new();
    let mut updates: Vec<(AttemptId, Stored)> = Vec::new();
    let mut out = Vec::with_capacity(jobs.len());
    for &(i, c) in jobs {
        let a = &c.attempt;
        let now = stored
            .get_mut(&a.id)
            .ok_or_else(|| anyhow!("attempt {} vanished", a.id))?;
        if now.status != AttemptStatus::Open {
            out.push((
                i,
                CloseOutcome::AlreadyClosed(Attempt {
                    status: now.status,
                    score: now.score,
                    submitted_at: now.submitted_at,
                    prediction: now.prediction,
                    ..a.clone()
                }),
            ));
            continue;
        }
        // The final answers: the autosaved ones, overridden by those sent now.
        let mut given = saved.remove(&a.id).unwrap_or_default();
        for (q, o) in &c.answers {
            given.insert(q.clone(), *o);
        }
        let (score, marked) = c.marking.mark(&a.paper, &given);
        marked_rows.extend(marked.into_iter().map(|m| {
            (
                a.id,
                a.contest_id,
                m.question.clone(),
                m.option,
                m.correct,
                c.submitted_at,
            )
        }));
        *now = Stored {
            status: c.status,
            score: Some(i64::from(score)),
            submitted_at: Some(c.submitted_at),
            prediction: c.prediction.or(now.prediction),
        };
        updates.push((a.id, *now));
        out.push((
            i,
            CloseOutcome::Closed(Attempt {
                status: now.status,
                score: now.score,
                submitted_at: now.submitted_at,
                prediction: now.prediction,
                ..a.clone()
            }),
        ));
    }
    if !marked_rows.is_empty() {
        let table = table_of(
            tx,
            &[
                Col::Text("a"),
                Col::Text("q"),
                Col::Text("c"),
                Col::Int("o"),
                Col::Int("k"),
                Col::Int("t"),
            ],
        );
        // hand-written: group commit, G1 — every answer of the batch with its mark in one upsert.
        let sql = format!(
            "INSERT INTO attempt_answers (attempt_id, question_id, contest_id, option_id, correct, saved_at)
             SELECT a, q, c, o, k, t FROM ({table}) AS j WHERE true
             ON CONFLICT (attempt_id, question_id) DO UPDATE SET option_id = excluded.option_id, correct = excluded.correct"
        );
        let rows = marked_rows
            .iter()
            .map(|(attempt, contest, q, o, correct, at)| {
                serde_json::json!([
                    attempt.to_string(),
                    q,
                    contest.to_string(),
                    o,
                    i64::from(*correct),
                    at
                ])
            });
        execute_chunks(tx, &sql, rows, "marking answers").await?;
    }
    if !updates.is_empty() {
        let table = table_of(
            tx,
            &[
                Col::Text("id"),
                Col::Text("status"),
                Col::Int("score"),
                Col::Int("submitted_at"),
                Col::Int("prediction"),
            ],
        );
        // hand-written: group commit, G1 — the score update of every close of the batch in one statement.
        // These rows were read open in this transaction, locked (FOR UPDATE on
        // PostgreSQL; SQLite's write lock): no `AND status = 'open'` here. With
        // it, PostgreSQL planned a scan of every open attempt (its index of
        // open attempts) per batch instead of one primary-key lookup per row.
        let sql = format!(
            "UPDATE attempts SET status = j.status, score = j.score, submitted_at = j.submitted_at, prediction = j.prediction
             FROM ({table}) AS j WHERE attempts.id = j.id"
        );
        let rows = updates.iter().map(|(id, s)| {
            serde_json::json!([
                id.to_string(),
                s.status.as_str(),
                s.score,
                s.submitted_at,
                s.prediction
            ])
        });
        let done = execute_chunks(tx, &sql, rows, "scoring attempts").await?;
        if done != updates.len() as u64 {
            return Err(anyhow!(
                "{} of {} attempts were not found to score",
                updates.len() as u64 - done,
                updates.len()
            )
            .into());
        }
    }
    Ok(out)
}

async fn start(
    tx: &DatabaseTransaction,
    jobs: &[(usize, &Start)],
) -> StoreResult<Vec<(usize, Started)>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let users = distinct(jobs.iter().map(|(_, s)| s.user_id));
    let contests = distinct(jobs.iter().map(|(_, s)| s.contest_id));
    // One read for both questions of every start: is an attempt open, and how many were used?
    // hand-written: group commit, G2 of docs/performance.md — one conditional aggregate for the whole batch.
    let sql = format!(
        "SELECT contest_id, user_id, COUNT(*) AS n, MAX(CASE WHEN status = 'open' THEN id END) AS open_id
         FROM attempts WHERE contest_id IN ({}) AND user_id IN ({}) GROUP BY contest_id, user_id",
        in_list(contests.len(), 1),
        in_list(users.len(), contests.len() + 1)
    );
    let values = contests
        .iter()
        .map(|c| v(c.to_string()))
        .chain(users.iter().map(|u| v(u.to_string())));
    let rows = tx
        .query_all_raw(stmt(tx, &sql, values))
        .await
        .context("counting attempts")?;
    let mut used: HashMap<(ContestId, UserId), (i64, Option<AttemptId>)> = HashMap::new();
    for r in &rows {
        let open = col::<Option<String>>(r, "open_id")?.and_then(|s| AttemptId::parse(&s));
        used.insert(
            (id_col(r, "contest_id")?, id_col(r, "user_id")?),
            (col(r, "n")?, open),
        );
    }
    let open_ids: Vec<AttemptId> = used.values().filter_map(|(_, open)| *open).collect();
    let mut open: HashMap<AttemptId, Attempt> = HashMap::new();
    if !open_ids.is_empty() {
        // hand-written: group commit, G2 — the open attempts that starts resume, in one statement.
        let sql = format!(
            "SELECT {COLUMNS} FROM attempts WHERE id IN ({})",
            in_list(open_ids.len(), 1)
        );
        let rows = tx
            .query_all_raw(stmt(tx, &sql, open_ids.iter().map(|id| v(id.to_string()))))
            .await
            .context("loading open attempts")?;
        for r in &rows {
            let a = from_row(r)?;
            open.insert(a.id, a);
        }
    }
    // Per person: attempts used, and the open one (stored, or started in this batch).
    let mut state: HashMap<(ContestId, UserId), (i64, Option<Attempt>)> = used
        .into_iter()
        .map(|(k, (n, id))| (k, (n, id.and_then(|id| open.remove(&id)))))
        .collect();
    let mut out = Vec::with_capacity(jobs.len());
    let mut fresh: Vec<(&Start, Attempt)> = Vec::new();
    for &(i, s) in jobs {
        let (n, open) = state.entry((s.contest_id, s.user_id)).or_default();
        let outcome = if let Some(a) = open {
            StartOutcome::Resumed(a.clone())
        } else if *n >= i64::from(s.max_attempts) {
            StartOutcome::LimitReached
        } else {
            *n += 1;
            let a = Attempt {
                id: AttemptId::new(),
                contest_id: s.contest_id,
                user_id: s.user_id,
                seq: *n,
                status: AttemptStatus::Open,
                started_at: s.started_at,
                deadline: s.deadline,
                submitted_at: None,
                score: None,
                question_count: s.paper.len() as i64,
                prediction: None,
                paper: s.paper.clone(),
            };
            *open = Some(a.clone());
            fresh.push((s, a.clone()));
            StartOutcome::Started(a)
        };
        out.push((i, outcome));
    }
    let mut inserted: HashSet<AttemptId> = HashSet::with_capacity(fresh.len());
    if !fresh.is_empty() {
        let table = table_of(
            tx,
            &[
                Col::Text("id"),
                Col::Text("c"),
                Col::Text("u"),
                Col::Int("seq"),
                Col::Int("s"),
                Col::Int("d"),
                Col::Int("n"),
                Col::Text("p"),
            ],
        );
        // hand-written: group commit, G2 — every new attempt of the batch in one insert; a row another instance's start beat is skipped, and its start tried again.
        let sql = format!(
            "INSERT INTO attempts (id, contest_id, user_id, seq, status, started_at, deadline, question_count, paper)
             SELECT id, c, u, seq, 'open', s, d, n, p FROM ({table}) AS j WHERE true
             ON CONFLICT DO NOTHING RETURNING id"
        );
        let mut rows = Vec::with_capacity(fresh.len());
        for (s, a) in &fresh {
            rows.push(serde_json::json!([
                a.id.to_string(),
                a.contest_id.to_string(),
                a.user_id.to_string(),
                a.seq,
                a.started_at,
                a.deadline,
                a.question_count,
                paper_to_json(&s.paper)?
            ]));
        }
        for json in json_chunks(rows) {
            let returned = tx
                .query_all_raw(stmt(tx, &sql, [v(json)]))
                .await
                .context("inserting attempts")?;
            for r in &returned {
                inserted.insert(id_col(r, "id")?);
            }
        }
    }
    let fresh: HashSet<AttemptId> = fresh.iter().map(|(_, a)| a.id).collect();
    // A start that made, or resumed, an attempt that was not inserted raced another instance.
    Ok(out
        .into_iter()
        .map(|(i, o)| {
            let raced = match &o {
                StartOutcome::Started(a) | StartOutcome::Resumed(a) => {
                    fresh.contains(&a.id) && !inserted.contains(&a.id)
                }
                StartOutcome::LimitReached => false,
            };
            (
                i,
                if raced {
                    Started::Raced
                } else {
                    Started::Done(o)
                },
            )
        })
        .collect())
}
