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

#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    operation_id = "search_users",
    tag = "admins",
    params(("q" = Option<String>, Query, description = "phone digits, name or national ID"), ("limit" = Option<u64>, Query, description = "1–200"), ("offset" = Option<u64>, Query, description = "rows to skip")),
    responses((status = 200, description = "{users}", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody), (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody), (status = 422, description = "invalid values", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn search_users(
    state: web::Data<AppState>,
    auth: Auth,
    query: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    let offset = query.offset.unwrap_or(0).min(1_000_000);
    let q = query.q.trim();
    if q.chars().any(char::is_control) {
        return Err(ApiError::field(
            "q",
            "invalid_text",
            "the search text has a control character",
        ));
    }
    if q.chars().count() > 100 {
        return Err(ApiError::field("q", "too_long", "at most 100 characters"));
    }
    let found = users::search(&state.db, q, limit, offset).await?;
    Ok(HttpResponse::Ok().json(json!({ "users": found, "limit": limit, "offset": offset })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    pub role: String,
}

#[utoipa::path(
    put,
    path = "/api/v1/admin/users/{id}/role",
    operation_id = "set_role",
    tag = "admins",
    request_body = RoleBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "{user}", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody), (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody), (status = 404, description = "not found", body = crate::http::openapi::ErrorBody), (status = 409, description = "conflict", body = crate::http::openapi::ErrorBody), (status = 413, description = "body too large", body = crate::http::openapi::ErrorBody), (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody), (status = 422, description = "invalid values", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn set_role(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<RoleBody>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let body = body.into_inner()?;
    let role = Role::parse(&body.role).ok_or_else(|| {
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
