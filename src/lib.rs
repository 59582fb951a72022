//! Crane: online quiz contests for public bodies — timed attempts on phones,
//! published tie-breaks, prizes and exports for payout.

pub mod app;
pub mod cli;
pub mod demo;
pub mod domain;
pub mod entities;
pub mod export;
pub mod hashing;
pub mod http;
pub mod oidc;
pub mod settings;
pub mod sms;
pub mod startup;
pub mod store;
pub mod telemetry;
