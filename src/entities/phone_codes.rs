//! `phone_codes`: the live one-time code of a phone and its request counters.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "phone_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub phone: String,
    #[sea_orm(column_type = "Text")]
    pub purpose: String,
    #[sea_orm(column_type = "Text")]
    pub salt: String,
    #[sea_orm(column_type = "Text")]
    pub code_hash: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub checks: i64,
    pub used_at: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub issued_by: Option<String>,
    pub last_request_at: i64,
    pub requests_since: i64,
    pub requests: i64,
}

impl ActiveModelBehavior for ActiveModel {}
