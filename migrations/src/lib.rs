//! Crane's schema, one change per file, append-only. Written in the SQL subset
//! that SQLite and PostgreSQL share (TEXT, BIGINT, partial unique indexes), so the
//! same migrations run on both. Times are BIGINT milliseconds since the epoch (UTC).

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_users;
mod m20261128_000002_create_sessions;
mod m20261128_000003_create_contests;
mod m20261128_000004_create_questions;
mod m20261128_000005_create_attempts;
mod m20261128_000006_create_attempt_answers;
mod m20261128_000007_create_results;
mod m20261128_000008_create_result_ineligible;
mod m20261128_000009_create_disqualifications;
mod m20261128_000010_create_audit_log;
mod m20261205_000011_add_division_codes_to_users;
mod m20261205_000012_create_phone_codes;
mod m20261205_000013_create_organisations;
mod m20261205_000014_add_organisation_to_users;
mod m20261205_000015_add_organisation_to_contests;
mod m20261205_000016_add_organisation_to_audit_log;
mod m20261205_000017_index_results_by_user;
mod m20261205_000018_add_review_after_final_to_contests;
mod m20261206_000019_create_oidc_tables;

pub struct Migrator;

#[sea_orm_migration::async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_users::Migration),
            Box::new(m20261128_000002_create_sessions::Migration),
            Box::new(m20261128_000003_create_contests::Migration),
            Box::new(m20261128_000004_create_questions::Migration),
            Box::new(m20261128_000005_create_attempts::Migration),
            Box::new(m20261128_000006_create_attempt_answers::Migration),
            Box::new(m20261128_000007_create_results::Migration),
            Box::new(m20261128_000008_create_result_ineligible::Migration),
            Box::new(m20261128_000009_create_disqualifications::Migration),
            Box::new(m20261128_000010_create_audit_log::Migration),
            Box::new(m20261205_000011_add_division_codes_to_users::Migration),
            Box::new(m20261205_000012_create_phone_codes::Migration),
            Box::new(m20261205_000013_create_organisations::Migration),
            Box::new(m20261205_000014_add_organisation_to_users::Migration),
            Box::new(m20261205_000015_add_organisation_to_contests::Migration),
            Box::new(m20261205_000016_add_organisation_to_audit_log::Migration),
            Box::new(m20261205_000017_index_results_by_user::Migration),
            Box::new(m20261205_000018_add_review_after_final_to_contests::Migration),
            Box::new(m20261206_000019_create_oidc_tables::Migration),
        ]
    }
}

/// Runs each statement on its own: neither backend is asked to split a script.
pub(crate) async fn run_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

/// Declares a migration made of portable SQL statements.
macro_rules! sql_migration {
    ($($sql:expr),+ $(,)?) => {
        use sea_orm_migration::prelude::*;

        #[derive(DeriveMigrationName)]
        pub struct Migration;

        #[sea_orm_migration::async_trait::async_trait]
        impl MigrationTrait for Migration {
            async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
                crate::run_all(manager, &[$($sql),+]).await
            }
        }
    };
}
pub(crate) use sql_migration;
