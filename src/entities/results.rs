//! `results`: the stored ranking, one row per ranked participant.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub contest_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub rank: i64,
    #[sea_orm(column_type = "Text")]
    pub user_id: String,
    #[sea_orm(column_type = "Text")]
    pub attempt_id: String,
    pub score: i64,
    pub question_count: i64,
    pub prediction: Option<i64>,
    pub prediction_error: Option<i64>,
    pub duration_ms: i64,
    pub submitted_at: i64,
    #[sea_orm(column_type = "Text")]
    pub decided_by: Option<String>,
    pub prize_index: Option<i64>,
    #[sea_orm(belongs_to, from = "contest_id", to = "id")]
    pub contest: BelongsTo<super::contests::Entity>,
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub user: BelongsTo<super::users::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
