//! sea-orm models, no logic: one module per table, mirroring migrations/src
//! column for column (TEXT → `String`, BIGINT → `i64` → `Option`).
//! Times are milliseconds since the epoch, booleans are 0/1, ids are uuid text
//! and JSON lists are text, exactly as stored. `tests/entities.rs` checks them
//! against a freshly migrated SQLite and PostgreSQL database.

pub mod attempt_answers;
pub mod attempts;
pub mod audit_log;
pub mod contests;
pub mod disqualifications;
pub mod identities;
pub mod oidc_logins;
pub mod oidc_signups;
pub mod organisations;
pub mod phone_codes;
pub mod questions;
pub mod result_ineligible;
pub mod results;
pub mod sessions;
pub mod users;
