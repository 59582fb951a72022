//! Results: ranking a contest from its stored attempts, the stored ranking,
//! finalization, disqualifications and the rows exports read.

use super::{Db, StoreResult, col, in_list, v, values_list};
use crate::domain::account::Address;
use crate::domain::clock::Millis;
use crate::domain::contest::{Contest, State};
use crate::domain::ids::{ContestId, UserId};
use crate::domain::ranking::{AttemptRecord, DecidedBy, Ineligibility, RankedRow, Ranking};
use crate::domain::results::{Person, Standing};
use crate::entities::result_ineligible;
use anyhow::Context;
use futures_util::StreamExt;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryResult, StreamTrait};
use std::collections::HashMap;
use uuid::Uuid;

/// A stored id as ranking holds it: 16 bytes. Only the lowercase hyphenated
/// form the service writes is accepted, since the draw hashes the id's text
/// and ranking hashes the UUID's own.
fn rank_id(text: &str) -> anyhow::Result<Uuid> {
    let id = Uuid::parse_str(text).with_context(|| format!("stored id {text} is not a UUID"))?;
    let mut canonical = [0u8; uuid::fmt::Hyphenated::LENGTH];
    anyhow::ensure!(
        id.hyphenated().encode_lower(&mut canonical) == text,
        "stored id {text} is not in lowercase hyphenated form"
    );
    Ok(id)
}

/// Every closed attempt of a contest, streamed so only compact records are
/// held: ids as 16 bytes, about 72 bytes an attempt. `progress` is told of
/// every 10,000th.
pub async fn attempt_records(
    db: &Db,
    contest_id: ContestId,
    progress: &dyn Fn(u64, u64),
) -> StoreResult<Vec<AttemptRecord<Uuid>>> {
    // hand-written: ranking 1,000,000 attempts, G4 of docs/performance.md — streamed, read by column position.
    let stmt = db.stmt(
        "SELECT id, user_id, score, question_count, prediction, started_at, submitted_at
         FROM attempts WHERE contest_id = $1 AND status <> 'open'",
        [v(contest_id.to_string())],
    );
    // Sized up front: growing a million-element Vec by doubling briefly holds
    // both the old and the new buffer.
    // hand-written: ranking, G4 — sizes the record buffer before streaming.
    let count = db
        .conn
        .query_one_raw(db.stmt(
            "SELECT COUNT(*) AS n FROM attempts WHERE contest_id = $1 AND status <> 'open'",
            [v(contest_id.to_string())],
        ))
        .await?
        .map_or(Ok(0), |r| col::<i64>(&r, "n"))?;
    let total = u64::try_from(count).unwrap_or(0);
    progress(0, total);
    let mut stream = db
        .conn
        .stream_raw(stmt)
        .await
        .context("streaming attempts")?;
    let mut out = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    // Columns by position: a million rows make name lookups measurable.
    let at = |r: &QueryResult, i: usize| -> anyhow::Result<Option<i64>> {
        r.try_get_by_index::<Option<i64>>(i)
            .with_context(|| format!("reading column {i}"))
    };
    let id = |r: &QueryResult, i: usize| -> anyhow::Result<Uuid> {
        rank_id(
            &r.try_get_by_index::<String>(i)
                .with_context(|| format!("reading column {i}"))?,
        )
    };
    while let Some(row) = stream.next().await {
        let r = row.context("reading attempt")?;
        out.push(AttemptRecord {
            attempt_id: id(&r, 0)?,
            user_id: id(&r, 1)?,
            score: at(&r, 2)?.unwrap_or(0) as u32,
            question_count: at(&r, 3)?.unwrap_or(0) as u32,
            prediction: at(&r, 4)?,
            started_at_ms: at(&r, 5)?.unwrap_or(0),
            submitted_at_ms: at(&r, 6)?.unwrap_or(0),
        });
        if out.len() % 10_000 == 0 {
            progress(out.len() as u64, total);
        }
    }
    progress(out.len() as u64, total);
    Ok(out)
}

/// Who may not win: disqualified, excluded (phone or national ID on the
/// contest's list), or staff. The first reason that applies is reported.
pub async fn ineligible(db: &Db, contest: &Contest) -> StoreResult<HashMap<Uuid, Ineligibility>> {
    let mut out = HashMap::new();
    // hand-written: ranking, G4 — DISTINCT over a join of attempts and accounts.
    let staff = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT DISTINCT u.id AS id FROM attempts a JOIN users u ON u.id = a.user_id
             WHERE a.contest_id = $1 AND u.role <> 'participant'",
            [v(contest.id.to_string())],
        ))
        .await?;
    for r in &staff {
        out.insert(rank_id(&col::<String>(r, "id")?)?, Ineligibility::Staff);
    }
    for chunk in contest.settings.excluded().chunks(400) {
        // hand-written: ranking, G4 of docs/performance.md — the excluded list as IN-lists of 400, each used twice.
        let sql = format!(
            "SELECT DISTINCT u.id AS id FROM attempts a JOIN users u ON u.id = a.user_id
             WHERE a.contest_id = $1 AND (u.phone IN ({l}) OR u.national_id IN ({l}))",
            l = in_list(chunk.len(), 2)
        );
        let mut values = vec![v(contest.id.to_string())];
        values.extend(chunk.iter().map(|e| v(e.clone())));
        for r in &db.conn.query_all_raw(db.stmt(&sql, values)).await? {
            out.insert(rank_id(&col::<String>(r, "id")?)?, Ineligibility::Excluded);
        }
    }
    // hand-written: ranking, G4 — read with the two ineligibility queries above.
    let dq = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT user_id FROM disqualifications WHERE contest_id = $1",
            [v(contest.id.to_string())],
        ))
        .await?;
    for r in &dq {
        out.insert(
            rank_id(&col::<String>(r, "user_id")?)?,
            Ineligibility::Disqualified,
        );
    }
    Ok(out)
}

/// Replaces the stored ranking of a published contest (not finalized).
/// Returns false when the contest is not in the published state.
pub async fn store<I: std::fmt::Display + Ord>(
    db: &Db,
    contest_id: ContestId,
    r: &Ranking<I>,
    now: Millis,
    progress: &dyn Fn(u64, u64),
) -> StoreResult<bool> {
    let (_turn, tx) = db.write().await?;
    let backend = db.backend();
    let st = |sql: &str, values: Vec<sea_orm::Value>| {
        sea_orm::Statement::from_sql_and_values(backend, sql, values)
    };
    // hand-written: a conditional update (WHERE state = 'published'): its row count decides.
    let marked = tx
        .execute_raw(st(
            "UPDATE contests SET results_computed_at = $1, actual_figure = $2, digest = NULL WHERE id = $3 AND state = 'published'",
            vec![v(now), v(r.actual_figure), v(contest_id.to_string())],
        ))
        .await?;
    if marked.rows_affected() != 1 {
        return Ok(false);
    }
    // hand-written: storing a 430,000-row ranking, G4 — the old rows go in the same transaction as the bulk insert.
    tx.execute_raw(st(
        "DELETE FROM results WHERE contest_id = $1",
        vec![v(contest_id.to_string())],
    ))
    .await?;
    tx.execute_raw(st(
        "DELETE FROM result_ineligible WHERE contest_id = $1",
        vec![v(contest_id.to_string())],
    ))
    .await?;
    // hand-written: bulk insert as one JSON array: storing a 430,000-row ranking, G4.
    // Rows go in as one JSON array per 20,000 rows, unpacked by the database
    // (json_each on SQLite, jsonb_array_elements on PostgreSQL): one bound
    // parameter instead of twelve per row, which is what made storing a
    // 430,000-row ranking slow.
    let insert = if db.is_sqlite() {
        "INSERT INTO results (contest_id, rank, user_id, attempt_id, score, question_count, prediction,
             prediction_error, duration_ms, submitted_at, decided_by, prize_index)
         SELECT $1, value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5,
             value ->> 6, value ->> 7, value ->> 8, value ->> 9, value ->> 10
         FROM json_each($2)"
    } else {
        "INSERT INTO results (contest_id, rank, user_id, attempt_id, score, question_count, prediction,
             prediction_error, duration_ms, submitted_at, decided_by, prize_index)
         SELECT $1, (e ->> 0)::bigint, e ->> 1, e ->> 2, (e ->> 3)::bigint, (e ->> 4)::bigint, (e ->> 5)::bigint,
             (e ->> 6)::bigint, (e ->> 7)::bigint, (e ->> 8)::bigint, e ->> 9, (e ->> 10)::bigint
         FROM jsonb_array_elements(CAST($2 AS jsonb)) AS e"
    };
    let inserting = std::time::Instant::now();
    // In user order: each row's entry in the (contest, user) index and its
    // account's lookup then land next to the previous one's, instead of on a
    // page of a 430,000-row index that has left the cache. The rows' order
    // in the table means nothing (every read orders by rank).
    let mut rows: Vec<&RankedRow<I>> = r.rows.iter().collect();
    rows.sort_unstable_by(|a, b| a.user_id.cmp(&b.user_id));
    if db.is_sqlite() {
        // hand-written: a pragma, SQLite's own — 64 MiB of page cache for this transaction (the rank index of a 430,000-row ranking); put back before it ends.
        tx.execute_unprepared("PRAGMA cache_size = -65536").await?;
    }
    let total = rows.len() as u64;
    progress(0, total);
    for (k, chunk) in rows.chunks(20_000).enumerate() {
        let mut json = String::with_capacity(chunk.len() * 160);
        json.push('[');
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            let opt = |x: Option<i64>| x.map_or_else(|| "null".to_owned(), |v| v.to_string());
            // Ids are UUIDs and decided_by a fixed keyword: no JSON escaping needed.
            json.push_str(&format!(
                "[{},\"{}\",\"{}\",{},{},{},{},{},{},{},{}]",
                row.rank,
                row.user_id,
                row.attempt_id,
                row.score,
                row.question_count,
                opt(row.prediction),
                opt(row.prediction_error),
                row.duration_ms,
                row.submitted_at_ms,
                row.decided_by
                    .map_or_else(|| "null".to_owned(), |d| format!("\"{}\"", d.as_str())),
                opt(row.prize.map(|p| p as i64)),
            ));
        }
        json.push(']');
        tx.execute_raw(st(insert, vec![v(contest_id.to_string()), v(json)]))
            .await
            .context("storing results")?;
        progress((k * 20_000 + chunk.len()) as u64, total);
    }
    for chunk in r.ineligible.chunks(500) {
        // hand-written: with the ranking (G4), one multi-row insert per 500 ineligible rows.
        let sql = format!(
            "INSERT INTO result_ineligible (contest_id, user_id, reason, attempt_id, score) VALUES {}",
            values_list(chunk.len(), 5, 1)
        );
        let mut values = Vec::with_capacity(chunk.len() * 5);
        for row in chunk {
            values.extend([
                v(contest_id.to_string()),
                v(row.user_id.to_string()),
                v(row.reason.as_str().to_owned()),
                v(row.attempt_id.to_string()),
                v(i64::from(row.score)),
            ]);
        }
        tx.execute_raw(st(&sql, values))
            .await
            .context("storing ineligible")?;
    }
    tracing::info!(
        rows = r.rows.len(),
        insert_ms = inserting.elapsed().as_millis() as u64,
        "ranking stored"
    );
    if db.is_sqlite() {
        // hand-written: a pragma — SQLite's default page cache (2,000 KiB) again, so this pooled connection gives the memory back.
        tx.execute_unprepared("PRAGMA cache_size = -2000").await?;
    }
    tx.commit().await.context("committing results")?;
    Ok(true)
}

/// Runs one conditional state change of a contest and, when it applied, its
/// audit entry, in one write transaction. False when the condition did not hold.
async fn audited_transition(
    db: &Db,
    contest_id: ContestId,
    update: &str,
    values: Vec<sea_orm::Value>,
    (action, detail): (&str, serde_json::Value),
    actor: &str,
    now: Millis,
) -> StoreResult<bool> {
    let (_turn, tx) = db.write().await?;
    // hand-written: a conditional state change (finalize/unfinalize below); its row count decides.
    let res = tx
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            db.backend(),
            update,
            values,
        ))
        .await?;
    if res.rows_affected() != 1 {
        return Ok(false);
    }
    super::audit::record(
        &tx,
        actor,
        action,
        &format!("contest:{contest_id}"),
        detail,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// published → finalized with the digest; false when not published.
pub async fn finalize(
    db: &Db,
    contest_id: ContestId,
    digest: &str,
    actor: &str,
    now: Millis,
) -> StoreResult<bool> {
    audited_transition(
        db,
        contest_id,
        "UPDATE contests SET state = 'finalized', digest = $1, finalized_at = $2, updated_at = $2
         WHERE id = $3 AND state = 'published' AND results_computed_at IS NOT NULL",
        vec![v(digest.to_owned()), v(now), v(contest_id.to_string())],
        ("finalized", serde_json::json!({"digest": digest})),
        actor,
        now,
    )
    .await
}

/// finalized → published, written to the audit log with the reason.
pub async fn unfinalize(
    db: &Db,
    contest_id: ContestId,
    reason: &str,
    actor: &str,
    now: Millis,
) -> StoreResult<bool> {
    audited_transition(
        db,
        contest_id,
        "UPDATE contests SET state = 'published', digest = NULL, finalized_at = NULL, updated_at = $1
         WHERE id = $2 AND state = 'finalized'",
        vec![v(now), v(contest_id.to_string())],
        ("unfinalized", serde_json::json!({"reason": reason})),
        actor,
        now,
    )
    .await
}

/// Disqualifies a participant from a contest that is not finalized (audited).
pub async fn disqualify(
    db: &Db,
    contest_id: ContestId,
    user_id: UserId,
    reason: &str,
    actor: &str,
    now: Millis,
) -> StoreResult<bool> {
    let (_turn, tx) = db.write().await?;
    let backend = db.backend();
    // hand-written: read inside the write transaction of the upsert below.
    let open = tx
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            "SELECT state FROM contests WHERE id = $1",
            [v(contest_id.to_string())],
        ))
        .await?;
    match open {
        Some(r) if col::<String>(&r, "state")? != State::Finalized.as_str() => {}
        _ => return Ok(false),
    }
    // hand-written: an upsert (ON CONFLICT … DO UPDATE).
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(
        backend,
        "INSERT INTO disqualifications (contest_id, user_id, reason, by_user, at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (contest_id, user_id) DO UPDATE SET reason = excluded.reason, by_user = excluded.by_user, at = excluded.at",
        [v(contest_id.to_string()), v(user_id.to_string()), v(reason.to_owned()), v(actor.to_owned()), v(now)],
    ))
    .await
    .context("disqualifying")?;
    super::audit::record(
        &tx,
        actor,
        "disqualified",
        &format!("contest:{contest_id}"),
        serde_json::json!({"user_id": user_id.to_string(), "reason": reason}),
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

// hand-written: the exports (G5 of docs/performance.md) and results pages — read by column position.
const ROW_SQL: &str = "SELECT r.rank, r.user_id, r.attempt_id, r.score, r.question_count, r.prediction, r.prediction_error,
        r.duration_ms, r.submitted_at, r.decided_by, r.prize_index, u.full_name, u.phone, u.national_id, u.date_of_birth,
        u.province, u.district, u.commune, u.hamlet, u.province_code, u.commune_code
     FROM results r JOIN users u ON u.id = r.user_id";

/// Reads a row of [`ROW_SQL`] by column position, in its SELECT order: the
/// leaderboard export reads hundreds of thousands of rows, and looking each
/// column up by name was a tenth of its CPU time on PostgreSQL.
fn standing(r: &QueryResult) -> anyhow::Result<Standing> {
    fn at<T: sea_orm::TryGetable>(r: &QueryResult, i: usize, name: &str) -> anyhow::Result<T> {
        r.try_get_by_index::<T>(i)
            .with_context(|| format!("reading column {name}"))
    }
    fn count(r: &QueryResult, i: usize, name: &str) -> anyhow::Result<u32> {
        let n: i64 = at(r, i, name)?;
        u32::try_from(n).with_context(|| format!("stored {name} {n}"))
    }
    let decided_by = at::<Option<String>>(r, 9, "decided_by")?
        .map(|d| DecidedBy::parse(&d).with_context(|| format!("stored decided_by {d}")))
        .transpose()?;
    let prize = at::<Option<i64>>(r, 10, "prize_index")?
        .map(|i| usize::try_from(i).with_context(|| format!("stored prize_index {i}")))
        .transpose()?;
    Ok(Standing {
        row: RankedRow {
            rank: count(r, 0, "rank")?,
            user_id: at(r, 1, "user_id")?,
            attempt_id: at(r, 2, "attempt_id")?,
            score: count(r, 3, "score")?,
            question_count: count(r, 4, "question_count")?,
            prediction: at(r, 5, "prediction")?,
            prediction_error: at(r, 6, "prediction_error")?,
            duration_ms: at(r, 7, "duration_ms")?,
            submitted_at_ms: at(r, 8, "submitted_at")?,
            decided_by,
            prize,
        },
        person: Person {
            full_name: at(r, 11, "full_name")?,
            phone: at(r, 12, "phone")?,
            national_id: at(r, 13, "national_id")?,
            date_of_birth: at(r, 14, "date_of_birth")?,
            address: Address {
                province: at(r, 15, "province")?,
                district: at(r, 16, "district")?,
                commune: at(r, 17, "commune")?,
                hamlet: at(r, 18, "hamlet")?,
                province_code: at(r, 19, "province_code")?,
                commune_code: at(r, 20, "commune_code")?,
            },
        },
    })
}

/// Rows with `after < rank`, by rank, at most `limit` (ranks are dense, so the
/// bounded range keeps PostgreSQL on the primary key even with stale statistics;
/// keyset paging: exports
/// walk the whole leaderboard in constant memory).
pub async fn rows_after(
    db: &Db,
    contest_id: ContestId,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<Standing>> {
    // hand-written: keyset paging by rank: leaderboard export (G5) and the results pages.
    let sql = format!(
        "{ROW_SQL} WHERE r.contest_id = $1 AND r.rank > $2 AND r.rank <= $2 + $3 ORDER BY r.rank LIMIT $3"
    );
    let rows = db
        .conn
        .query_all_raw(db.stmt(&sql, [v(contest_id.to_string()), v(after), v(limit)]))
        .await?;
    Ok(rows.iter().map(standing).collect::<anyhow::Result<_>>()?)
}

/// The prize winners, by rank. Prizes go down the ranking from rank 1, so they
/// are among the first `prizes` rows: read by the primary key, never a scan.
pub async fn winners(db: &Db, contest_id: ContestId, prizes: u64) -> StoreResult<Vec<Standing>> {
    // hand-written: winners export, G5 — top 1,000 in ≤ 50 ms, by a primary-key range.
    let sql = format!(
        "{ROW_SQL} WHERE r.contest_id = $1 AND r.rank <= $2 AND r.prize_index IS NOT NULL ORDER BY r.rank"
    );
    let rows = db
        .conn
        .query_all_raw(db.stmt(&sql, [v(contest_id.to_string()), v(prizes as i64)]))
        .await?;
    Ok(rows.iter().map(standing).collect::<anyhow::Result<_>>()?)
}

/// One person's row of the stored ranking, if they are ranked.
pub async fn standing_of(
    db: &Db,
    contest_id: ContestId,
    user_id: UserId,
) -> StoreResult<Option<Standing>> {
    // hand-written: the same row reader as the pages, by the (contest, user) index.
    let sql = format!("{ROW_SQL} WHERE r.contest_id = $1 AND r.user_id = $2");
    let rows = db
        .conn
        .query_all_raw(db.stmt(&sql, [v(contest_id.to_string()), v(user_id.to_string())]))
        .await?;
    Ok(rows.first().map(standing).transpose()?)
}

/// Why a person is not ranked, if they were left out: (reason, best score).
pub async fn ineligible_of(
    db: &Db,
    contest_id: ContestId,
    user_id: UserId,
) -> StoreResult<Option<(String, i64)>> {
    let rows = result_ineligible::Entity::find()
        .filter(result_ineligible::Column::ContestId.eq(contest_id.to_string()))
        .filter(result_ineligible::Column::UserId.eq(user_id.to_string()))
        .all(&db.conn)
        .await
        .context("reading ineligibility")?;
    Ok(rows.into_iter().next().map(|r| (r.reason, r.score)))
}

pub async fn total(db: &Db, contest_id: ContestId) -> StoreResult<i64> {
    // hand-written: the results page's total, read beside its `rows_after` page.
    let row = db
        .conn
        .query_one_raw(db.stmt(
            "SELECT COUNT(*) AS n FROM results WHERE contest_id = $1",
            [v(contest_id.to_string())],
        ))
        .await?;
    Ok(row.map_or(Ok(0), |r| col(&r, "n"))?)
}

#[derive(Debug, Clone)]
pub struct StoredIneligible {
    pub user_id: String,
    pub reason: String,
    pub attempt_id: String,
    pub score: i64,
    pub full_name: String,
    pub phone: String,
}

pub async fn ineligible_rows(db: &Db, contest_id: ContestId) -> StoreResult<Vec<StoredIneligible>> {
    // hand-written: a join with accounts for the results page, beside its `rows_after` page.
    let rows = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT i.user_id, i.reason, i.attempt_id, i.score, u.full_name, u.phone
             FROM result_ineligible i JOIN users u ON u.id = i.user_id WHERE i.contest_id = $1 ORDER BY i.score DESC, i.user_id",
            [v(contest_id.to_string())],
        ))
        .await?;
    let read = |r: &QueryResult| -> anyhow::Result<StoredIneligible> {
        Ok(StoredIneligible {
            user_id: col(r, "user_id")?,
            reason: col(r, "reason")?,
            attempt_id: col(r, "attempt_id")?,
            score: col(r, "score")?,
            full_name: col(r, "full_name")?,
            phone: col(r, "phone")?,
        })
    };
    Ok(rows.iter().map(read).collect::<anyhow::Result<_>>()?)
}
