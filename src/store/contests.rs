//! Contests and their question banks.

use super::{Db, StoreResult, col, id_col, v};
use crate::domain::clock::Millis;
use crate::domain::contest::{Contest, ContestSettings, Prediction, State};
use crate::domain::ids::{ContestId, UserId};
use crate::domain::question::NewQuestion;
use crate::domain::ranking::{ActualFigure, CountedAttempt, PrizeTier, TieBreakKey};
use anyhow::{Context, anyhow};
use sea_orm::{ConnectionTrait, QueryResult};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct PrizeJson {
    name: String,
    count: u32,
    amount: i64,
}

const COLUMNS: &str = "id, title, description, rules, state, starts_at, ends_at, timezone, questions_per_attempt,
    time_limit_seconds, max_attempts, counted_attempt, grace_seconds, prediction_enabled, prediction_question,
    prediction_actual, tie_break, prizes, excluded, draw_seed, created_by, created_at, updated_at, published_at,
    results_computed_at, actual_figure, finalized_at, digest";

fn from_row(r: &QueryResult) -> anyhow::Result<Contest> {
    let state: String = col(r, "state")?;
    let tz: String = col(r, "timezone")?;
    let counted: String = col(r, "counted_attempt")?;
    let actual: String = col(r, "prediction_actual")?;
    let chain: Vec<String> = serde_json::from_str(&col::<String>(r, "tie_break")?)?;
    let prizes: Vec<PrizeJson> = serde_json::from_str(&col::<String>(r, "prizes")?)?;
    let excluded: Vec<String> = serde_json::from_str(&col::<String>(r, "excluded")?)?;
    let settings = ContestSettings {
        title: col(r, "title")?,
        description: col(r, "description")?,
        rules: col(r, "rules")?,
        starts_at: col(r, "starts_at")?,
        ends_at: col(r, "ends_at")?,
        timezone: tz
            .parse()
            .map_err(|_| anyhow!("stored time zone {tz} is unknown"))?,
        questions_per_attempt: col::<i64>(r, "questions_per_attempt")? as u32,
        time_limit_seconds: col::<i64>(r, "time_limit_seconds")? as u32,
        max_attempts: col::<i64>(r, "max_attempts")? as u32,
        counted_attempt: CountedAttempt::parse(&counted).context("stored counted_attempt")?,
        grace_seconds: col::<i64>(r, "grace_seconds")? as u32,
        prediction: Prediction {
            enabled: col::<i64>(r, "prediction_enabled")? != 0,
            question: col(r, "prediction_question")?,
            actual: ActualFigure::parse(&actual).context("stored prediction_actual")?,
        },
        tie_break: chain.iter().filter_map(|k| TieBreakKey::parse(k)).collect(),
        prizes: prizes
            .into_iter()
            .map(|p| PrizeTier {
                name: p.name,
                count: p.count,
                amount: p.amount,
            })
            .collect(),
        excluded,
    };
    Ok(Contest {
        id: id_col(r, "id")?,
        state: State::parse(&state).context("stored state")?,
        settings,
        draw_seed: col(r, "draw_seed")?,
        created_by: id_col(r, "created_by")?,
        created_at: col(r, "created_at")?,
        updated_at: col(r, "updated_at")?,
        published_at: col(r, "published_at")?,
        results_computed_at: col(r, "results_computed_at")?,
        actual_figure: col(r, "actual_figure")?,
        finalized_at: col(r, "finalized_at")?,
        digest: col(r, "digest")?,
    })
}

fn settings_values(s: &ContestSettings) -> Vec<sea_orm::Value> {
    let chain: Vec<&str> = s.tie_break.iter().map(|k| k.as_str()).collect();
    let prizes: Vec<PrizeJson> = s
        .prizes
        .iter()
        .map(|p| PrizeJson {
            name: p.name.clone(),
            count: p.count,
            amount: p.amount,
        })
        .collect();
    vec![
        v(s.title.clone()),
        v(s.description.clone()),
        v(s.rules.clone()),
        v(s.starts_at),
        v(s.ends_at),
        v(s.timezone.name().to_owned()),
        v(i64::from(s.questions_per_attempt)),
        v(i64::from(s.time_limit_seconds)),
        v(i64::from(s.max_attempts)),
        v(s.counted_attempt.as_str().to_owned()),
        v(i64::from(s.grace_seconds)),
        v(i64::from(s.prediction.enabled)),
        v(s.prediction.question.clone()),
        v(s.prediction.actual.as_str().to_owned()),
        v(serde_json::to_string(&chain).unwrap_or_else(|_| "[]".into())),
        v(serde_json::to_string(&prizes).unwrap_or_else(|_| "[]".into())),
        v(serde_json::to_string(&s.excluded).unwrap_or_else(|_| "[]".into())),
    ]
}

pub async fn create(
    db: &Db,
    s: &ContestSettings,
    created_by: UserId,
    now: Millis,
) -> StoreResult<Contest> {
    let id = ContestId::new();
    let mut values = vec![v(id.to_string())];
    values.extend(settings_values(s));
    values.extend([v(created_by.to_string()), v(now)]);
    db.conn
        .execute_raw(db.stmt(
            "INSERT INTO contests (id, title, description, rules, starts_at, ends_at, timezone, questions_per_attempt,
                time_limit_seconds, max_attempts, counted_attempt, grace_seconds, prediction_enabled, prediction_question,
                prediction_actual, tie_break, prizes, excluded, created_by, created_at, updated_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20, 'draft')",
            values,
        ))
        .await
        .context("inserting contest")?;
    Ok(find(&db.conn, id)
        .await?
        .ok_or_else(|| anyhow!("contest vanished after insert"))?)
}

pub async fn find<C: ConnectionTrait>(conn: &C, id: ContestId) -> StoreResult<Option<Contest>> {
    let sql = format!("SELECT {COLUMNS} FROM contests WHERE id = $1");
    let stmt = sea_orm::Statement::from_sql_and_values(
        conn.get_database_backend(),
        &sql,
        [v(id.to_string())],
    );
    let row = conn.query_one_raw(stmt).await.context("loading contest")?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// Contests visible to the public (published or finalized), newest first.
pub async fn list(db: &Db, include_drafts: bool) -> StoreResult<Vec<Contest>> {
    let filter = if include_drafts {
        ""
    } else {
        "WHERE state <> 'draft'"
    };
    let sql =
        format!("SELECT {COLUMNS} FROM contests {filter} ORDER BY starts_at DESC, id LIMIT 500");
    let rows = db
        .conn
        .query_all_raw(db.stmt(&sql, []))
        .await
        .context("listing contests")?;
    Ok(rows.iter().map(from_row).collect::<anyhow::Result<_>>()?)
}

pub async fn count(db: &Db) -> StoreResult<i64> {
    let row = db
        .conn
        .query_one_raw(db.stmt("SELECT COUNT(*) AS n FROM contests", []))
        .await?;
    Ok(row.map_or(Ok(0), |r| col(&r, "n"))?)
}

/// Saves new settings if the contest is still in `expected` state (a conditional
/// update, so a concurrent publish or finalize is not silently overwritten).
pub async fn update_settings(
    db: &Db,
    id: ContestId,
    s: &ContestSettings,
    expected: State,
    now: Millis,
) -> StoreResult<bool> {
    let mut values = settings_values(s);
    values.extend([v(now), v(id.to_string()), v(expected.as_str().to_owned())]);
    let res = db
        .conn
        .execute_raw(db.stmt(
            "UPDATE contests SET title = $1, description = $2, rules = $3, starts_at = $4, ends_at = $5, timezone = $6,
                questions_per_attempt = $7, time_limit_seconds = $8, max_attempts = $9, counted_attempt = $10,
                grace_seconds = $11, prediction_enabled = $12, prediction_question = $13, prediction_actual = $14,
                tie_break = $15, prizes = $16, excluded = $17, updated_at = $18
             WHERE id = $19 AND state = $20",
            values,
        ))
        .await
        .context("updating contest")?;
    Ok(res.rows_affected() == 1)
}

/// draft → published, fixing the draw seed; refused (false) unless the bank holds
/// enough questions, checked inside the same transaction.
pub async fn publish(
    db: &Db,
    id: ContestId,
    seed: &str,
    now: Millis,
) -> StoreResult<PublishOutcome> {
    let (_turn, tx) = db.write().await?;
    let Some(contest) = find(&tx, id).await? else {
        return Ok(PublishOutcome::NotFound);
    };
    if contest.state != State::Draft {
        return Ok(PublishOutcome::NotDraft);
    }
    let n = bank_size(&tx, id).await?;
    if n < i64::from(contest.settings.questions_per_attempt) {
        return Ok(PublishOutcome::BankTooSmall {
            have: n,
            need: contest.settings.questions_per_attempt,
        });
    }
    let stmt = sea_orm::Statement::from_sql_and_values(
        tx.get_database_backend(),
        "UPDATE contests SET state = 'published', draw_seed = $1, published_at = $2, updated_at = $2 WHERE id = $3 AND state = 'draft'",
        [v(seed.to_owned()), v(now), v(id.to_string())],
    );
    let res = tx.execute_raw(stmt).await?;
    if res.rows_affected() != 1 {
        return Ok(PublishOutcome::NotDraft);
    }
    tx.commit().await?;
    Ok(PublishOutcome::Published)
}

pub enum PublishOutcome {
    Published,
    NotFound,
    NotDraft,
    BankTooSmall { have: i64, need: u32 },
}

pub async fn bank_size<C: ConnectionTrait>(conn: &C, contest_id: ContestId) -> StoreResult<i64> {
    let stmt = sea_orm::Statement::from_sql_and_values(
        conn.get_database_backend(),
        "SELECT COUNT(*) AS n FROM questions WHERE contest_id = $1",
        [v(contest_id.to_string())],
    );
    let row = conn.query_one_raw(stmt).await?;
    Ok(row.map_or(Ok(0), |r| col(&r, "n"))?)
}

/// One option as stored: a random id (never hinting at correctness) and its text.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredOption {
    pub id: u32,
    pub text: String,
}

/// A question of the bank, with its answer (organisers and scoring only).
#[derive(Clone, Debug, Serialize)]
pub struct BankQuestion {
    pub id: String,
    pub position: i64,
    pub text: String,
    pub options: Vec<StoredOption>,
    pub correct_option_id: u32,
    pub category: Option<String>,
}

/// Random, distinct, non-zero option ids for one question.
fn option_ids(n: usize) -> Vec<u32> {
    let mut ids: Vec<u32> = Vec::with_capacity(n);
    while ids.len() < n {
        let id = rand::random::<u32>() % 1_000_000_000 + 1;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Appends questions to a draft's bank in one transaction (all or nothing).
/// Returns None when the contest is no longer a draft.
pub async fn add_questions(
    db: &Db,
    contest_id: ContestId,
    questions: &[NewQuestion],
) -> StoreResult<Option<i64>> {
    let (_turn, tx) = db.write().await?;
    // Two imports into one contest at once must not both number from the same
    // MAX(position): SQLite's write lock already serialises them; PostgreSQL
    // takes the contest's row lock (the second answered 500 on the unique
    // position index, found by the hostile-input suite).
    let lock = if db.is_sqlite() { "" } else { " FOR UPDATE" };
    let state_stmt = sea_orm::Statement::from_sql_and_values(
        tx.get_database_backend(),
        format!("SELECT state FROM contests WHERE id = $1{lock}"),
        [v(contest_id.to_string())],
    );
    let state: Option<String> = match tx.query_one_raw(state_stmt).await? {
        Some(r) => Some(col(&r, "state")?),
        None => None,
    };
    if state.as_deref() != Some("draft") {
        return Ok(None);
    }
    let pos_stmt = sea_orm::Statement::from_sql_and_values(
        tx.get_database_backend(),
        "SELECT COALESCE(MAX(position), 0) AS p FROM questions WHERE contest_id = $1",
        [v(contest_id.to_string())],
    );
    let mut position: i64 = match tx.query_one_raw(pos_stmt).await? {
        Some(r) => col(&r, "p")?,
        None => 0,
    };
    for chunk in questions.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO questions (id, contest_id, position, text, options, correct_option, category) VALUES ",
        );
        let mut values = Vec::with_capacity(chunk.len() * 7);
        for (i, q) in chunk.iter().enumerate() {
            position += 1;
            let ids = option_ids(q.options().len());
            let options: Vec<StoredOption> = q
                .options()
                .iter()
                .zip(&ids)
                .map(|(t, id)| StoredOption {
                    id: *id,
                    text: t.clone(),
                })
                .collect();
            let b = i * 7;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
            values.extend([
                v(uuid::Uuid::new_v4().to_string()),
                v(contest_id.to_string()),
                v(position),
                v(q.text().to_owned()),
                v(serde_json::to_string(&options)?),
                v(i64::from(ids[q.correct()])),
                v(q.category().map(str::to_owned)),
            ]);
        }
        tx.execute_raw(sea_orm::Statement::from_sql_and_values(
            tx.get_database_backend(),
            &sql,
            values,
        ))
        .await
        .context("inserting questions")?;
    }
    let n = bank_size(&tx, contest_id).await?;
    tx.commit().await?;
    Ok(Some(n))
}

pub async fn bank(db: &Db, contest_id: ContestId) -> StoreResult<Vec<BankQuestion>> {
    let rows = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT id, position, text, options, correct_option, category FROM questions WHERE contest_id = $1 ORDER BY position",
            [v(contest_id.to_string())],
        ))
        .await
        .context("loading bank")?;
    let read = |r: &QueryResult| -> anyhow::Result<BankQuestion> {
        Ok(BankQuestion {
            id: col(r, "id")?,
            position: col(r, "position")?,
            text: col(r, "text")?,
            options: serde_json::from_str(&col::<String>(r, "options")?)?,
            correct_option_id: col::<i64>(r, "correct_option")? as u32,
            category: col(r, "category")?,
        })
    };
    Ok(rows.iter().map(read).collect::<anyhow::Result<_>>()?)
}
