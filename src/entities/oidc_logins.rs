//! `oidc_logins`: a sign-in sent to the provider and not yet back.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_logins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub state_hash: String,
    #[sea_orm(column_type = "Text")]
    pub verifier: String,
    #[sea_orm(column_type = "Text")]
    pub nonce: String,
    #[sea_orm(column_type = "Text")]
    pub next_path: String,
    pub created_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
