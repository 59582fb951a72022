//! Organiser statistics, each one aggregate query over indexed columns.

use super::{Db, StoreResult};
use crate::domain::ids::ContestId;
use crate::entities::{attempt_answers, attempts, users};
use anyhow::Context;
use sea_orm::sea_query::{Asterisk, Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

#[derive(Serialize)]
pub struct Day {
    pub day: String,
    pub participants: i64,
    pub attempts: i64,
}

#[derive(Serialize)]
pub struct Place {
    /// Null for a legacy address (see `Address::is_legacy`).
    pub province_code: Option<String>,
    pub commune_code: Option<String>,
    pub province: String,
    pub district: Option<String>,
    pub commune: String,
    pub participants: i64,
    pub attempts: i64,
}

/// Participation by province: by its code, legacy addresses whose province
/// is not one of today's by their text (code null).
#[derive(Serialize)]
pub struct ProvinceRow {
    pub province_code: Option<String>,
    pub province: String,
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
    pub by_province: Vec<ProvinceRow>,
    pub score_histogram: Vec<Bucket>,
    pub questions: Vec<QuestionRate>,
}

type PlaceRow = (
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

/// `COUNT(*)`.
fn count_all() -> Expr {
    Expr::col(Asterisk).count()
}

/// `CAST(COALESCE(SUM(x), 0) AS BIGINT)`: PostgreSQL sums BIGINT as NUMERIC.
fn sum_bigint(x: Expr) -> Expr {
    Func::cast_as(Func::coalesce([x.sum(), Expr::val(0)]), "BIGINT").into()
}

/// `tz_offset_ms` is the contest zone's UTC offset (fixed for Asia/Ho_Chi_Minh;
/// for zones with daylight saving, the offset at the contest's start).
pub async fn compute(db: &Db, contest_id: ContestId, tz_offset_ms: i64) -> StoreResult<Stats> {
    let id = contest_id.to_string();
    let of_contest = || attempts::Entity::find().filter(attempts::Column::ContestId.eq(&id));
    let user_id = || Expr::col((attempts::Entity, attempts::Column::UserId));
    let closed = attempts::Column::Status.ne("open");

    let totals: Option<(i64, i64, i64)> = of_contest()
        .select_only()
        .column_as(count_all(), "attempts")
        .column_as(user_id().count_distinct(), "participants")
        .column_as(
            sum_bigint(Expr::case(closed.clone(), 1).finally(0).into()),
            "submitted",
        )
        .into_tuple()
        .one(&db.conn)
        .await
        .context("stats totals")?;
    let (attempts, participants, submitted) = totals.unwrap_or((0, 0, 0));

    // Grouped and ordered by the output name: PostgreSQL would not match two
    // copies of the expression, each with its own bound offset.
    let day = Expr::col((attempts::Entity, attempts::Column::StartedAt))
        .add(tz_offset_ms)
        .div(86_400_000_i64);
    let days: Vec<(i64, i64, i64)> = of_contest()
        .select_only()
        .column_as(day, "day")
        .column_as(count_all(), "attempts")
        .column_as(user_id().count_distinct(), "participants")
        .group_by(Expr::col("day"))
        .order_by_asc(Expr::col("day"))
        .into_tuple()
        .all(&db.conn)
        .await
        .context("stats by day")?;
    let by_day = days
        .into_iter()
        .map(|(day, attempts, participants)| Day {
            day: chrono::DateTime::from_timestamp(day * 86_400, 0)
                .map(|d| d.date_naive().to_string())
                .unwrap_or_default(),
            participants,
            attempts,
        })
        .collect();

    // By commune code; legacy addresses (no code) by their text. Coded
    // communes carry their official names, so the names add no split.
    let places: Vec<PlaceRow> = of_contest()
        .select_only()
        .column(users::Column::ProvinceCode)
        .column(users::Column::CommuneCode)
        .column(users::Column::Province)
        .column(users::Column::District)
        .column(users::Column::Commune)
        .column_as(user_id().count_distinct(), "participants")
        .column_as(count_all(), "attempts")
        .inner_join(users::Entity)
        .group_by(users::Column::ProvinceCode)
        .group_by(users::Column::CommuneCode)
        .group_by(users::Column::Province)
        .group_by(users::Column::District)
        .group_by(users::Column::Commune)
        .order_by_desc(Expr::col("participants"))
        .order_by_asc(users::Column::Province)
        .order_by_asc(users::Column::Commune)
        .limit(500)
        .into_tuple()
        .all(&db.conn)
        .await
        .context("stats by place")?;
    let by_place = places
        .into_iter()
        .map(
            |(province_code, commune_code, province, district, commune, participants, attempts)| {
                Place {
                    province_code,
                    commune_code,
                    province,
                    district,
                    commune,
                    participants,
                    attempts,
                }
            },
        )
        .collect();

    let provinces: Vec<(Option<String>, String, i64, i64)> = of_contest()
        .select_only()
        .column(users::Column::ProvinceCode)
        .column(users::Column::Province)
        .column_as(user_id().count_distinct(), "participants")
        .column_as(count_all(), "attempts")
        .inner_join(users::Entity)
        .group_by(users::Column::ProvinceCode)
        .group_by(users::Column::Province)
        .order_by_desc(Expr::col("participants"))
        .order_by_asc(users::Column::Province)
        .limit(500)
        .into_tuple()
        .all(&db.conn)
        .await
        .context("stats by province")?;
    let by_province = provinces
        .into_iter()
        .map(
            |(province_code, province, participants, attempts)| ProvinceRow {
                province_code,
                province,
                participants,
                attempts,
            },
        )
        .collect();

    let hist: Vec<(Option<i64>, i64)> = of_contest()
        .select_only()
        .column(attempts::Column::Score)
        .column_as(count_all(), "attempts")
        .filter(closed)
        .group_by(attempts::Column::Score)
        .order_by_asc(attempts::Column::Score)
        .into_tuple()
        .all(&db.conn)
        .await
        .context("stats histogram")?;
    let score_histogram = hist
        .into_iter()
        .map(|(score, attempts)| Bucket {
            score: score.unwrap_or(0),
            attempts,
        })
        .collect();

    let rates: Vec<(String, i64, i64)> = attempt_answers::Entity::find()
        .select_only()
        .column(attempt_answers::Column::QuestionId)
        .column_as(count_all(), "answered")
        .column_as(
            sum_bigint(Expr::col((
                attempt_answers::Entity,
                attempt_answers::Column::Correct,
            ))),
            "correct",
        )
        .filter(attempt_answers::Column::ContestId.eq(&id))
        .filter(attempt_answers::Column::Correct.is_not_null())
        .group_by(attempt_answers::Column::QuestionId)
        .into_tuple()
        .all(&db.conn)
        .await
        .context("stats per question")?;
    let mut questions: Vec<QuestionRate> = rates
        .into_iter()
        .map(|(question_id, answered, correct)| QuestionRate {
            question_id,
            answered,
            correct,
            correct_rate: if answered > 0 {
                correct as f64 / answered as f64
            } else {
                0.0
            },
        })
        .collect();
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
        by_province,
        score_histogram,
        questions,
    })
}

/// The histogram on its full axis, 0 to `max` correct answers, with zero for
/// the scores nobody reached (a chart without gaps reads true).
pub fn full_histogram(buckets: &[Bucket], max: i64) -> Vec<Bucket> {
    let top = Ord::max(buckets.iter().map(|b| b.score).max().unwrap_or(0), max);
    (0..=top)
        .map(|score| Bucket {
            score,
            attempts: buckets
                .iter()
                .filter(|b| b.score == score)
                .map(|b| b.attempts)
                .sum(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_covers_every_score_from_zero_to_the_maximum() {
        let h = full_histogram(
            &[
                Bucket {
                    score: 2,
                    attempts: 5,
                },
                Bucket {
                    score: 4,
                    attempts: 1,
                },
            ],
            5,
        );
        let v: Vec<(i64, i64)> = h.iter().map(|b| (b.score, b.attempts)).collect();
        assert_eq!(v, [(0, 0), (1, 0), (2, 5), (3, 0), (4, 1), (5, 0)]);
        assert_eq!(full_histogram(&[], 0).len(), 1);
    }
}
