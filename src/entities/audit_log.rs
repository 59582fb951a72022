//! `audit_log`: who did what, when and why.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    pub at: i64,
    #[sea_orm(column_type = "Text")]
    pub actor_id: String,
    #[sea_orm(column_type = "Text")]
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub target: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    #[sea_orm(column_type = "Text")]
    pub organisation_id: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
