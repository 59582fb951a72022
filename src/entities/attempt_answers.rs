//! `attempt_answers`: one autosaved answer per (attempt, question).
//! `correct` is 0/1, NULL until the attempt is scored.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attempt_answers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub attempt_id: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub question_id: String,
    #[sea_orm(column_type = "Text")]
    pub contest_id: String,
    pub option_id: i64,
    pub correct: Option<i64>,
    pub saved_at: i64,
    #[sea_orm(belongs_to, from = "attempt_id", to = "id")]
    pub attempt: BelongsTo<super::attempts::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
