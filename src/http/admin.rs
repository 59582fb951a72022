//! Admin routes for accounts: search, role changes (audited).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth};
use crate::domain::account::Role;
use crate::store::{audit, users};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(search_users))
        .route("/admin/users/{id}/role", web::put().to(set_role));
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

async fn search_users(
    state: web::Data<AppState>,
    auth: Auth,
    query: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let offset = query.offset.unwrap_or(0).min(1_000_000);
    let q = query.q.trim();
    if q.chars().count() > 100 {
        return Err(ApiError::field("q", "too_long", "at most 100 characters"));
    }
    let found = users::search(&state.db, q, limit, offset).await?;
    Ok(HttpResponse::Ok().json(json!({ "users": found, "limit": limit, "offset": offset })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    pub role: String,
}

async fn set_role(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<RoleBody>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let role = Role::parse(&body.0.role).ok_or_else(|| {
        ApiError::field(
            "role",
            "invalid_choice",
            "must be participant, organiser or admin",
        )
    })?;
    let id = crate::domain::ids::UserId::parse(&path)
        .ok_or(ApiError::NotFound("user"))?
        .as_string();
    if id == auth.user.id {
        return Err(ApiError::conflict(
            "own_role",
            "an admin cannot change their own role",
        ));
    }
    let before = users::find(&state.db, &id)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let user = users::set_role(&state.db, &id, role)
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    audit::record(
        &state.db.conn,
        &auth.user.id,
        "role_changed",
        &format!("user:{id}"),
        json!({ "from": before.role, "to": role.as_str() }),
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "user": user })))
}
