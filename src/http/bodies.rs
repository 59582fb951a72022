//! Request bodies whose shape is part of the wire contract and shared by
//! several handlers, with their OpenAPI schemas.

use super::schema;
#[cfg(doc)]
use crate::domain::contest::ContestSettings;
use crate::domain::contest::{ContestDraft, PredictionDraft, PrizeDraft};
use serde::{Deserialize, Serialize};

/// Contest settings as the API sends them (create and PATCH); the create body
/// is documented apart (`schema::new_contest`), with title, start and end
/// required. Validated by [`ContestSettings::parse`] once turned into a
/// [`ContestDraft`].
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestInput {
    #[schema(schema_with = schema::title)]
    pub title: Option<String>,
    #[schema(schema_with = schema::description)]
    pub description: Option<String>,
    #[schema(schema_with = schema::rules)]
    pub rules: Option<String>,
    #[schema(schema_with = schema::starts_at)]
    pub starts_at: Option<String>,
    #[schema(schema_with = schema::ends_at)]
    pub ends_at: Option<String>,
    #[schema(schema_with = schema::timezone)]
    pub timezone: Option<String>,
    #[schema(schema_with = schema::questions_per_attempt)]
    pub questions_per_attempt: Option<i64>,
    #[schema(schema_with = schema::time_limit_seconds)]
    pub time_limit_seconds: Option<i64>,
    #[schema(schema_with = schema::max_attempts)]
    pub max_attempts: Option<i64>,
    #[schema(schema_with = schema::counted_attempt)]
    pub counted_attempt: Option<String>,
    #[schema(schema_with = schema::grace_seconds)]
    pub grace_seconds: Option<i64>,
    pub prediction: Option<PredictionInput>,
    #[schema(schema_with = schema::tie_break)]
    pub tie_break: Option<Vec<String>>,
    #[schema(schema_with = schema::prizes)]
    pub prizes: Option<Vec<PrizeInput>>,
    #[schema(schema_with = schema::excluded)]
    pub excluded: Option<Vec<String>>,
    /// Once the results are final, participants may see the right answers of
    /// their attempts (`GET /attempts/{id}/review`). Off by default; may
    /// change at any time.
    pub review_after_final: Option<bool>,
    /// On create only: the organisation that runs the contest
    /// (`GET /organisations`). An admin may name any; an organiser only their
    /// own, which is also what they get without it. A contest cannot move
    /// afterwards (on edit: 422 `organisation_fixed`).
    #[schema(schema_with = schema::organisation_id)]
    pub organisation_id: Option<String>,
}

/// The prediction question; absent fields keep their current (or default) value.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictionInput {
    #[schema(schema_with = schema::prediction_enabled)]
    pub enabled: Option<bool>,
    #[schema(schema_with = schema::prediction_question)]
    pub question: Option<String>,
    #[schema(schema_with = schema::prediction_actual)]
    pub actual: Option<String>,
}

/// One prize tier.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrizeInput {
    #[schema(schema_with = schema::prize_name)]
    pub name: String,
    #[schema(schema_with = schema::prize_count)]
    pub count: i64,
    #[schema(schema_with = schema::prize_amount)]
    pub amount: i64,
}

impl From<ContestInput> for ContestDraft {
    fn from(i: ContestInput) -> Self {
        ContestDraft {
            title: i.title,
            description: i.description,
            rules: i.rules,
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            timezone: i.timezone,
            questions_per_attempt: i.questions_per_attempt,
            time_limit_seconds: i.time_limit_seconds,
            max_attempts: i.max_attempts,
            counted_attempt: i.counted_attempt,
            grace_seconds: i.grace_seconds,
            prediction: i.prediction.map(|p| PredictionDraft {
                enabled: p.enabled,
                question: p.question,
                actual: p.actual,
            }),
            tie_break: i.tie_break,
            prizes: i.prizes.map(|list| {
                list.into_iter()
                    .map(|p| PrizeDraft {
                        name: p.name,
                        count: p.count,
                        amount: p.amount,
                    })
                    .collect()
            }),
            excluded: i.excluded,
            review_after_final: i.review_after_final,
        }
    }
}
