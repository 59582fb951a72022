//! `organisations`: the bodies that run contests.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text", unique)]
    pub slug: String,
    #[sea_orm(column_type = "Text")]
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub hotline: String,
    #[sea_orm(column_type = "Text")]
    pub intro: String,
    #[sea_orm(column_type = "Text")]
    pub logo_type: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub logo_base64: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub logo_sha256: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActiveModelBehavior for ActiveModel {}
