//! Organiser statistics, each one aggregate query over indexed columns.

use super::{Db, StoreResult, col, v};
use crate::domain::ids::ContestId;
use anyhow::Context;
use sea_orm::ConnectionTrait;
use serde::Serialize;

#[derive(Serialize)]
pub struct Day {
    pub day: String,
    pub participants: i64,
    pub attempts: i64,
}

#[derive(Serialize)]
pub struct Place {
    pub province: String,
    pub district: Option<String>,
    pub commune: String,
    pub participants: i64,
    pub attempts: i64,
}

#[derive(Serialize)]
pub struct Bucket {
    pub score: i64,
    pub attempts: i64,
}

#[derive(Serialize)]
pub struct QuestionRate {
    pub question_id: String,
    pub answered: i64,
    pub correct: i64,
    pub correct_rate: f64,
}

#[derive(Serialize)]
pub struct Stats {
    pub participants: i64,
    pub attempts: i64,
    pub submitted: i64,
    pub by_day: Vec<Day>,
    pub by_place: Vec<Place>,
    pub score_histogram: Vec<Bucket>,
    pub questions: Vec<QuestionRate>,
}

/// `tz_offset_ms` is the contest zone's UTC offset (fixed for Asia/Ho_Chi_Minh;
/// for zones with daylight saving, the offset at the contest's start).
pub async fn compute(db: &Db, contest_id: ContestId, tz_offset_ms: i64) -> StoreResult<Stats> {
    let id = || v(contest_id.to_string());
    let totals = db
        .conn
        .query_one_raw(db.stmt(
            "SELECT COUNT(*) AS attempts, COUNT(DISTINCT user_id) AS participants,
                    CAST(COALESCE(SUM(CASE WHEN status <> 'open' THEN 1 ELSE 0 END), 0) AS BIGINT) AS submitted
             FROM attempts WHERE contest_id = $1",
            [id()],
        ))
        .await
        .context("stats totals")?;
    let (attempts, participants, submitted) = match totals {
        Some(r) => (
            col(&r, "attempts")?,
            col(&r, "participants")?,
            col(&r, "submitted")?,
        ),
        None => (0, 0, 0),
    };
    let days = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT (started_at + $2) / 86400000 AS day, COUNT(*) AS attempts, COUNT(DISTINCT user_id) AS participants
             FROM attempts WHERE contest_id = $1 GROUP BY (started_at + $2) / 86400000 ORDER BY 1",
            [id(), v(tz_offset_ms)],
        ))
        .await
        .context("stats by day")?;
    let by_day = days
        .iter()
        .map(|r| {
            let day: i64 = col(r, "day")?;
            let date = chrono::DateTime::from_timestamp(day * 86_400, 0)
                .map(|d| d.date_naive().to_string())
                .unwrap_or_default();
            Ok(Day {
                day: date,
                participants: col(r, "participants")?,
                attempts: col(r, "attempts")?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let places = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT u.province AS province, u.district AS district, u.commune AS commune,
                    COUNT(DISTINCT a.user_id) AS participants, COUNT(*) AS attempts
             FROM attempts a JOIN users u ON u.id = a.user_id WHERE a.contest_id = $1
             GROUP BY u.province, u.district, u.commune ORDER BY participants DESC, province, commune LIMIT 500",
            [id()],
        ))
        .await
        .context("stats by place")?;
    let by_place = places
        .iter()
        .map(|r| {
            Ok(Place {
                province: col(r, "province")?,
                district: col(r, "district")?,
                commune: col(r, "commune")?,
                participants: col(r, "participants")?,
                attempts: col(r, "attempts")?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let hist = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT score, COUNT(*) AS attempts FROM attempts
             WHERE contest_id = $1 AND status <> 'open' GROUP BY score ORDER BY score",
            [id()],
        ))
        .await
        .context("stats histogram")?;
    let score_histogram = hist
        .iter()
        .map(|r| {
            Ok(Bucket {
                score: col::<Option<i64>>(r, "score")?.unwrap_or(0),
                attempts: col(r, "attempts")?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let rates = db
        .conn
        .query_all_raw(db.stmt(
            "SELECT question_id, COUNT(*) AS answered, CAST(COALESCE(SUM(correct), 0) AS BIGINT) AS correct
             FROM attempt_answers WHERE contest_id = $1 AND correct IS NOT NULL
             GROUP BY question_id",
            [id()],
        ))
        .await
        .context("stats per question")?;
    let mut questions: Vec<QuestionRate> = rates
        .iter()
        .map(|r| {
            let answered: i64 = col(r, "answered")?;
            let correct: i64 = col(r, "correct")?;
            Ok(QuestionRate {
                question_id: col(r, "question_id")?,
                answered,
                correct,
                correct_rate: if answered > 0 {
                    correct as f64 / answered as f64
                } else {
                    0.0
                },
            })
        })
        .collect::<anyhow::Result<_>>()?;
    // Hardest first.
    questions.sort_by(|a, b| {
        a.correct_rate
            .total_cmp(&b.correct_rate)
            .then(a.question_id.cmp(&b.question_id))
    });
    Ok(Stats {
        participants,
        attempts,
        submitted,
        by_day,
        by_place,
        score_histogram,
        questions,
    })
}
