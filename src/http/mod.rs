//! HTTP handlers by audience, the error type and extractors. Handlers are thin:
//! parse into domain types on the first line, call the store, shape the answer.

pub mod admin;
pub mod assets;
pub mod auth;
pub mod bodies;
pub mod divisions;
pub mod error;
pub mod exports;
pub mod extract;
pub mod limits;
pub mod manage;
pub mod meta;
pub mod oidc;
pub mod openapi;
pub mod organisations;
pub mod play;
pub mod results;
pub mod schema;
pub mod strip;
pub mod views;

use crate::domain::clock::Clock;
use crate::hashing::Hasher;
use crate::settings::Settings;
use crate::store::Db;
use actix_web::web;
use std::net::IpAddr;
use std::sync::Arc;

/// Everything a request may need; shared by all workers.
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub clock: Clock,
    pub hasher: Hasher,
    pub limits: limits::Limits,
    pub trusted_proxies: Vec<IpAddr>,
    pub banks: crate::store::attempts::BankCache,
    pub sms: crate::sms::Sms,
    /// The citizen app's OpenID provider, when `auth.oidc` is set.
    pub oidc: Option<crate::oidc::Oidc>,
    /// People per contest, for the live count (kept 30 s).
    pub participation: crate::store::participation::Participation,
}

impl AppState {
    /// What the use cases work with.
    pub fn ctx(&self) -> crate::app::Ctx<'_> {
        self.ctx_on(&self.db)
    }

    /// The same on another handle: `Db::lagging` for the lag-tolerant routes.
    pub fn ctx_on<'a>(&'a self, db: &'a Db) -> crate::app::Ctx<'a> {
        crate::app::Ctx {
            db,
            banks: &self.banks,
            clock: &self.clock,
        }
    }
}

/// Parses an id from a path; anything that is not one is "not found".
pub fn parse_id<T: crate::domain::ids::TypedId>(s: &str) -> error::ApiResult<T> {
    T::parse(s).ok_or(error::ApiError::NotFound(T::KIND))
}

/// Mounts every API route under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(auth::routes)
            .configure(oidc::routes)
            .configure(play::routes)
            .configure(manage::routes)
            .configure(results::routes)
            .configure(exports::routes)
            .configure(admin::routes)
            .configure(divisions::routes)
            .configure(organisations::routes)
            .default_service(web::to(meta::not_found)),
    );
}
