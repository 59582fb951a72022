//! `contests`. `tie_break`, `prizes` and `excluded` are JSON text;
//! `prediction_enabled` is 0/1.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub rules: String,
    #[sea_orm(column_type = "Text")]
    pub state: String,
    pub starts_at: i64,
    pub ends_at: i64,
    #[sea_orm(column_type = "Text")]
    pub timezone: String,
    pub questions_per_attempt: i64,
    pub time_limit_seconds: i64,
    pub max_attempts: i64,
    #[sea_orm(column_type = "Text")]
    pub counted_attempt: String,
    pub grace_seconds: i64,
    pub prediction_enabled: i64,
    #[sea_orm(column_type = "Text")]
    pub prediction_question: String,
    #[sea_orm(column_type = "Text")]
    pub prediction_actual: String,
    #[sea_orm(column_type = "Text")]
    pub tie_break: String,
    #[sea_orm(column_type = "Text")]
    pub prizes: String,
    #[sea_orm(column_type = "Text")]
    pub excluded: String,
    #[sea_orm(column_type = "Text")]
    pub draw_seed: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub results_computed_at: Option<i64>,
    pub actual_figure: Option<i64>,
    pub finalized_at: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub digest: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub organisation_id: String,
    pub review_after_final: i64,
    #[sea_orm(belongs_to, from = "created_by", to = "id")]
    pub creator: BelongsTo<super::users::Entity>,
    #[sea_orm(has_many)]
    pub questions: HasMany<super::questions::Entity>,
    #[sea_orm(has_many)]
    pub attempts: HasMany<super::attempts::Entity>,
    #[sea_orm(has_many)]
    pub results: HasMany<super::results::Entity>,
    #[sea_orm(has_many)]
    pub result_ineligible: HasMany<super::result_ineligible::Entity>,
    #[sea_orm(has_many)]
    pub disqualifications: HasMany<super::disqualifications::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
