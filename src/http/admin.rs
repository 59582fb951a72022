//! Admin routes for accounts: search, role changes and reset codes (audited).

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth};
use super::openapi::{ErrorBody, errors};
use super::schema;
use super::{AppState, parse_id, views};
use crate::app::accounts;
use crate::domain::Text;
use crate::domain::account::Role;
use crate::domain::ids::UserId;
use crate::domain::pattern::{self, Controls};
use crate::store::users;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Type};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(search_users))
        .route("/admin/users/{id}/role", web::put().to(set_role))
        .route("/admin/users/{id}/reset-code", web::post().to(reset_code));
}

/// The longest search text, in characters once trimmed.
const SEARCH_MAX_CHARS: usize = 100;
/// Rows per page: any unsigned value is read, then held to this range.
const SEARCH_LIMIT: std::ops::RangeInclusive<u64> = 1..=200;
/// The furthest a search pages (larger offsets are brought back to it).
const SEARCH_MAX_OFFSET: u64 = 1_000_000;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    #[serde(default)]
    #[param(schema_with = search_text)]
    pub q: String,
    #[param(schema_with = search_limit)]
    pub limit: Option<u64>,
    #[param(schema_with = search_offset)]
    pub offset: Option<u64>,
}

fn search_text() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern::trimmed(0..=SEARCH_MAX_CHARS, Controls::None)))
        .description(Some(format!(
            "Phone digits, part of a name or a national ID: at most {SEARCH_MAX_CHARS} \
             characters once trimmed, no control character."
        )))
}

fn search_limit() -> ObjectBuilder {
    let (min, max) = (SEARCH_LIMIT.start(), SEARCH_LIMIT.end());
    schema::unsigned(
        u64::MAX,
        &format!("Rows per page: {min}–{max} (50 by default); a value outside is brought within."),
    )
}

fn search_offset() -> ObjectBuilder {
    schema::unsigned(
        u64::MAX,
        &format!(
            "Rows to skip (0 by default); beyond {SEARCH_MAX_OFFSET} counts as {SEARCH_MAX_OFFSET}."
        ),
    )
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/users",
    operation_id = "search_users",
    tag = "admins",
    params(SearchQuery),
    responses((status = 200, description = "a page of matching accounts, newest first", body = views::UserPage),
        errors::Admin, errors::Invalid),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn search_users(
    state: web::Data<AppState>,
    auth: Auth,
    query: web::Query<SearchQuery>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let limit = query
        .limit
        .unwrap_or(50)
        .clamp(*SEARCH_LIMIT.start(), *SEARCH_LIMIT.end());
    let offset = query.offset.unwrap_or(0).min(SEARCH_MAX_OFFSET);
    let q = query.q.trim();
    if q.chars().any(char::is_control) {
        return Err(ApiError::field(
            "q",
            "invalid_text",
            "the search text has a control character",
        ));
    }
    if q.chars().count() > SEARCH_MAX_CHARS {
        return Err(ApiError::field(
            "q",
            "too_long",
            format!("at most {SEARCH_MAX_CHARS} characters"),
        ));
    }
    let found = users::search(&state.db, q, limit, offset).await?;
    Ok(HttpResponse::Ok().json(views::UserPage {
        users: found.iter().map(views::UserView::from).collect(),
        limit,
        offset,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    #[schema(schema_with = schema::role)]
    pub role: String,
    /// For an organiser: their organisation (`GET /admin/organisations`);
    /// without it an organiser keeps theirs, or joins the default one.
    #[serde(default)]
    pub organisation_id: Option<String>,
}

#[utoipa::path(
    put,
    path = "/api/v1/admin/users/{id}/role",
    operation_id = "set_role",
    tag = "admins",
    request_body = RoleBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the account with its new role", body = views::UserEnvelope),
        errors::AdminWrite,
        (status = 409, description = "an admin cannot change their own role", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn set_role(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<RoleBody>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let id: UserId = parse_id(&path)?;
    users::find(&state.db, &id.to_string())
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let body = body.into_inner().await?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiError::field(
            "role",
            "invalid_choice",
            Text::new(
                "Vai trò là participant, organiser hoặc admin",
                "must be participant, organiser or admin",
            ),
        )
    })?;
    let organisation = crate::domain::organisation::parse_id(body.organisation_id.as_deref())?;
    let user = accounts::set_role(state.ctx(), auth.user_id(), id, role, organisation).await?;
    Ok(HttpResponse::Ok().json(views::UserEnvelope::new(&user)))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/reset-code",
    operation_id = "reset_code",
    tag = "admins",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "a one-time reset code for the account's phone, to read out by telephone; written to the audit log (never the code itself)", body = views::ResetCode),
        errors::AdminAction),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn reset_code(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let id: UserId = parse_id(&path)?;
    let ttl_ms = state.settings.auth.reset_code_ttl_minutes.max(1) * 60_000;
    let (code, expires_at) =
        accounts::issue_reset_code(state.ctx(), auth.user_id(), id, ttl_ms).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(views::ResetCode {
            code: code.expose().to_owned(),
            expires_at,
        }))
}
