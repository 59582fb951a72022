//! `questions`: the question bank. `options` is a JSON array of {id, text}.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text", unique_key = "contest_position")]
    pub contest_id: String,
    #[sea_orm(unique_key = "contest_position")]
    pub position: i64,
    #[sea_orm(column_type = "Text")]
    pub text: String,
    #[sea_orm(column_type = "Text")]
    pub options: String,
    pub correct_option: i64,
    #[sea_orm(column_type = "Text")]
    pub category: Option<String>,
    #[sea_orm(belongs_to, from = "contest_id", to = "id", on_delete = "Cascade")]
    pub contest: BelongsTo<super::contests::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
