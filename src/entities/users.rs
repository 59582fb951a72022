//! `users`: accounts.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub id: String,
    #[sea_orm(column_type = "Text", unique)]
    pub phone: String,
    #[sea_orm(column_type = "Text", unique)]
    pub national_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub password_hash: String,
    #[sea_orm(column_type = "Text")]
    pub full_name: String,
    #[sea_orm(column_type = "Text")]
    pub province: String,
    #[sea_orm(column_type = "Text")]
    pub district: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub commune: String,
    #[sea_orm(column_type = "Text")]
    pub hamlet: String,
    #[sea_orm(column_type = "Text")]
    pub date_of_birth: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub role: String,
    pub created_at: i64,
    #[sea_orm(column_type = "Text")]
    pub province_code: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub commune_code: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub organisation_id: Option<String>,
    #[sea_orm(has_many)]
    pub sessions: HasMany<super::sessions::Entity>,
    #[sea_orm(has_many)]
    pub identities: HasMany<super::identities::Entity>,
    #[sea_orm(has_many)]
    pub contests: HasMany<super::contests::Entity>,
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
