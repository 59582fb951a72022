//! `oidc_signups`: a person signed in by the provider, without an account yet.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_signups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub token_hash: String,
    #[sea_orm(column_type = "Text")]
    pub claims: String,
    #[sea_orm(column_type = "Text")]
    pub next_path: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
