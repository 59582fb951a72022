//! `attempts`. `paper` is JSON text.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text", unique_key = "user_seq")]
    pub contest_id: String,
    #[sea_orm(column_type = "Text", unique_key = "user_seq")]
    pub user_id: String,
    #[sea_orm(unique_key = "user_seq")]
    pub seq: i64,
    #[sea_orm(column_type = "Text")]
    pub status: String,
    pub started_at: i64,
    pub deadline: i64,
    pub submitted_at: Option<i64>,
    pub score: Option<i64>,
    pub question_count: i64,
    pub prediction: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub paper: String,
    #[sea_orm(belongs_to, from = "contest_id", to = "id")]
    pub contest: BelongsTo<super::contests::Entity>,
    #[sea_orm(belongs_to, from = "user_id", to = "id")]
    pub user: BelongsTo<super::users::Entity>,
    #[sea_orm(has_many)]
    pub answers: HasMany<super::attempt_answers::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
