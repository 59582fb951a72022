//! Baselines, measured in the same run on the same machine: what the hardware
//! and the database give without the application around them.

use crate::seed::{Backend, in_write_tx, lit};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version};
use crane::store::Db;
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, StreamTrait};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// B_hash: Argon2id (m = 19456 KiB, t = 2, p = 1) hashes per second with
/// `threads` threads hashing flat out.
pub fn hash_rate(threads: usize, duration: Duration) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (done, stop) = (done.clone(), stop.clone());
            std::thread::spawn(move || {
                let params = Params::new(19_456, 2, 1, None).expect("valid Argon2 parameters");
                let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                while !stop.load(Ordering::Relaxed) {
                    let _ = argon.hash_password(b"Sau dau do Tram Chim 2024");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// B_write: single-row write transactions per second through a pool opened
/// with the app's settings (on SQLite: WAL, synchronous = FULL, BEGIN
/// IMMEDIATE), `clients` tasks at once.
pub async fn write_rate(db: &Db, clients: usize, duration: Duration) -> anyhow::Result<f64> {
    write_rate_with(db, clients, duration, 1).await
}

/// Write transactions per second of `statements` single-row INSERTs each,
/// through the app's own write path (`Db::write`: on SQLite, writers queue
/// in arrival order for the one write lock).
pub async fn write_rate_with(
    db: &Db,
    clients: usize,
    duration: Duration,
    statements: usize,
) -> anyhow::Result<f64> {
    db.conn
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS bench_write (id TEXT PRIMARY KEY, n BIGINT NOT NULL, at BIGINT NOT NULL)",
        )
        .await?;
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let end = start + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (db, done) = (db.clone(), done.clone());
        tasks.spawn(async move {
            let mut i = 0u64;
            while Instant::now() < end {
                let (turn, tx) = db.write().await?;
                for _ in 0..statements {
                    tx.execute_raw(db.stmt(
                        "INSERT INTO bench_write (id, n, at) VALUES ($1, $2, $3)",
                        [
                            format!("{c}-{i}-{}", start.elapsed().as_nanos()).into(),
                            (i as i64).into(),
                            0i64.into(),
                        ],
                    ))
                    .await?;
                    i += 1;
                }
                tx.commit().await?;
                drop(turn);
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
    db.conn.execute_unprepared("DROP TABLE bench_write").await?;
    Ok(rate)
}

/// B_rank: one SQL statement that ranks the same attempts (best attempt per
/// participant by the chain, then everyone by the chain) into a scratch table.
/// No draw hash and no prizes: a floor for what ranking must cost. Returns
/// (seconds, rows).
pub async fn rank_sql(db: &Db, contest_id: &str) -> anyhow::Result<(f64, u64)> {
    db.conn
        .execute_unprepared("DROP TABLE IF EXISTS bench_rank")
        .await?;
    db.conn
        .execute_unprepared(
            "CREATE TABLE bench_rank (rank BIGINT NOT NULL, user_id TEXT NOT NULL, attempt_id TEXT NOT NULL,
             score BIGINT NOT NULL, prediction_error BIGINT, duration_ms BIGINT NOT NULL, submitted_at BIGINT NOT NULL)",
        )
        .await?;
    let c = lit(contest_id);
    let sql = format!(
        "WITH af AS (
            SELECT COUNT(DISTINCT user_id) AS n FROM attempts
            WHERE contest_id = {c} AND status <> 'open' AND question_count > 0 AND score = question_count),
         scored AS (
            SELECT a.id, a.user_id, a.score, ABS(a.prediction - af.n) AS err,
                   a.submitted_at - a.started_at AS dur, a.submitted_at, a.started_at
            FROM attempts a CROSS JOIN af
            WHERE a.contest_id = {c} AND a.status <> 'open'),
         best AS (
            SELECT s.*, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY score DESC,
                   CASE WHEN err IS NULL THEN 1 ELSE 0 END, err, dur, submitted_at, started_at, id) AS k
            FROM scored s)
         INSERT INTO bench_rank (rank, user_id, attempt_id, score, prediction_error, duration_ms, submitted_at)
         SELECT ROW_NUMBER() OVER (ORDER BY score DESC, CASE WHEN err IS NULL THEN 1 ELSE 0 END, err, dur,
                submitted_at, user_id), user_id, id, score, err, dur, submitted_at
         FROM best WHERE k = 1"
    );
    let start = Instant::now();
    let rows = in_write_tx(db, &sql).await?;
    let secs = start.elapsed().as_secs_f64();
    db.conn.execute_unprepared("DROP TABLE bench_rank").await?;
    Ok((secs, rows))
}

/// B_scan: the stored leaderboard with each person's details, streamed in rank
/// order from the database, every column read. Returns rows per second.
pub async fn scan_rate(db: &Db, contest_id: &str) -> anyhow::Result<(f64, u64)> {
    let stmt = db.stmt(
        "SELECT r.rank, r.user_id, r.attempt_id, r.score, r.question_count, r.prediction, r.prediction_error,
                r.duration_ms, r.submitted_at, r.decided_by, r.prize_index, u.full_name, u.phone, u.national_id,
                u.date_of_birth, u.province, u.district, u.commune, u.hamlet
         FROM results r JOIN users u ON u.id = r.user_id WHERE r.contest_id = $1 ORDER BY r.rank",
        [contest_id.to_owned().into()],
    );
    let start = Instant::now();
    let mut stream = db.conn.stream_raw(stmt).await?;
    let mut n = 0u64;
    let mut bytes = 0usize;
    while let Some(row) = stream.next().await {
        let r = row?;
        let rank: i64 = r.try_get("", "rank")?;
        let name: String = r.try_get("", "full_name")?;
        let phone: String = r.try_get("", "phone")?;
        let hamlet: String = r.try_get("", "hamlet")?;
        let submitted: i64 = r.try_get("", "submitted_at")?;
        bytes += name.len() + phone.len() + hamlet.len() + (rank + submitted) as usize % 2;
        n += 1;
    }
    std::hint::black_box(bytes);
    Ok((n as f64 / start.elapsed().as_secs_f64(), n))
}

/// How many single rows the backend can take (for the header).
pub fn describe(backend: Backend, pg: &str) -> String {
    match backend {
        Backend::Sqlite => "SQLite file in a temporary directory".to_owned(),
        Backend::Postgres => format!("PostgreSQL at {}", crane::settings::redact_url(pg)),
    }
}
