//! After the end: compute the ranking, read it, finalize (admin), un-finalize
//! (admin, audited), disqualify (admin, audited), public winners and exports.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth};
use super::manage::staff_contest;
use super::play::visible_contest;
use super::{AppState, parse_id, views};
use crate::app::results as app;
use crate::domain::Text;
use crate::domain::clock::to_rfc3339;
use crate::domain::contest::{Contest, State};
use crate::domain::ids::UserId;
use crate::domain::pattern::{self, Controls};
use crate::domain::phone::mask_phone;
use crate::store::results::{self, StoredRow};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/contests/{id}/results", web::post().to(compute))
        .route("/admin/contests/{id}/results", web::get().to(read))
        .route("/admin/contests/{id}/finalize", web::post().to(finalize))
        .route(
            "/admin/contests/{id}/unfinalize",
            web::post().to(unfinalize),
        )
        .route(
            "/admin/contests/{id}/disqualify",
            web::post().to(disqualify),
        )
        .route("/admin/contests/{id}/audit", web::get().to(audit))
        .route("/contests/{id}/winners", web::get().to(winners));
}

fn prize(c: &Contest, index: Option<i64>) -> Value {
    match index.and_then(|i| c.settings.prizes.get(i as usize)) {
        Some(p) => json!({"name": p.name, "amount": p.amount}),
        None => Value::Null,
    }
}

fn row_json(c: &Contest, r: &StoredRow) -> Value {
    json!({
        "rank": r.rank,
        "user": {
            "id": r.user_id,
            "full_name": r.full_name,
            "phone": r.phone,
            "address": {"province": r.province, "district": r.district, "commune": r.commune, "hamlet": r.hamlet},
        },
        "attempt_id": r.attempt_id,
        "score": r.score,
        "question_count": r.question_count,
        "prediction": r.prediction,
        "prediction_error": r.prediction_error,
        "duration_ms": r.duration_ms,
        "submitted_at": to_rfc3339(r.submitted_at, c.settings.timezone),
        "decided_by": r.decided_by,
        "prize": prize(c, r.prize_index),
    })
}

/// The stored ranking, one page of it.
async fn results_body(state: &AppState, c: &Contest, limit: i64, offset: i64) -> ApiResult<Value> {
    let rows = results::rows_after(&state.db, c.id, offset, limit).await?;
    let ineligible = results::ineligible_rows(&state.db, c.id).await?;
    Ok(json!({
        "actual_figure": c.actual_figure,
        "draw_seed": c.draw_seed,
        "digest": c.digest,
        "computed_at": c.results_computed_at.map(|t| to_rfc3339(t, c.settings.timezone)),
        "total": results::total(&state.db, c.id).await?,
        "limit": limit,
        "offset": offset,
        "rows": rows.iter().map(|r| row_json(c, r)).collect::<Vec<_>>(),
        "ineligible": ineligible.iter().map(|i| json!({
            "user": {"id": i.user_id, "full_name": i.full_name, "phone": i.phone},
            "reason": i.reason,
            "attempt_id": i.attempt_id,
            "score": i.score,
        })).collect::<Vec<_>>(),
    }))
}

/// A page of the ranking. Any 64-bit value is read; the limit is then held to
/// 1–1000 and the offset to 0–4,294,967,295.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1–1000 (100 by default); values outside are brought within.
    pub limit: Option<i64>,
    /// Rows to skip (0 by default); values outside 0–4,294,967,295 are brought within.
    pub offset: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/admin/contests/{id}/results", operation_id = "compute_results", tag = "results",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "{results}: the first page of the new ranking", body = Object),
        (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody),
        (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody),
        (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody),
        (status = 404, description = "not found", body = crate::http::openapi::ErrorBody),
        (status = 409, description = "not ended yet, or finalized", body = crate::http::openapi::ErrorBody),
        (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn compute(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let (_, c) = app::compute(state.ctx(), &c).await?;
    Ok(HttpResponse::Ok().json(json!({ "results": results_body(&state, &c, 100, 0).await? })))
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/results", operation_id = "read_results", tag = "results",
    params(("id" = String, Path, description = "the contest"), PageQuery),
    responses((status = 200, description = "{results}", body = Object),
        (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody),
        (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody),
        (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody),
        (status = 404, description = "no such contest, or no results yet", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn read(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    q: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    if c.results_computed_at.is_none() {
        return Err(ApiError::NotFound("results"));
    }
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let offset = q.offset.unwrap_or(0).clamp(0, i64::from(u32::MAX));
    Ok(HttpResponse::Ok()
        .json(json!({ "results": results_body(&state, &c, limit, offset).await? })))
}

#[utoipa::path(post, path = "/api/v1/admin/contests/{id}/finalize", operation_id = "finalize_results", tag = "results",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "{digest, contest}", body = Object),
        (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody),
        (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody),
        (status = 403, description = "admins only", body = crate::http::openapi::ErrorBody),
        (status = 404, description = "not found", body = crate::http::openapi::ErrorBody),
        (status = 409, description = "not ended, not computed, or already finalized", body = crate::http::openapi::ErrorBody),
        (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn finalize(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let c = staff_contest(&state, &auth, &path).await?;
    let (d, c) = app::finalize(state.ctx(), &c, &auth.user.id).await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "digest": d, "contest": views::contest(&c, state.clock.now(), true) })))
}

/// Why an admin un-finalizes or disqualifies: written to the audit log.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

/// A reason's length in characters, once trimmed.
const REASON_CHARS: std::ops::RangeInclusive<usize> = 1..=1000;

fn reason(text: &str) -> ApiResult<String> {
    let t = text.trim();
    let n = t.chars().count();
    if !REASON_CHARS.contains(&n) || t.chars().any(|c| c.is_control() && c != '\n') {
        let (min, max) = (REASON_CHARS.start(), REASON_CHARS.end());
        return Err(ApiError::field(
            "reason",
            "invalid_text",
            Text::new(
                format!("Hãy nêu lý do dài {min}–{max} ký tự"),
                format!("give a reason of {min}–{max} characters"),
            ),
        ));
    }
    Ok(t.to_owned())
}

fn reason_schema() -> utoipa::openapi::schema::ObjectBuilder {
    let (min, max) = (REASON_CHARS.start(), REASON_CHARS.end());
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(pattern::trimmed(REASON_CHARS, Controls::LineFeed)))
        .description(Some(format!(
            "{min}–{max} characters once trimmed; no control character but line feeds."
        )))
        .examples([serde_json::json!("Sai sót khi nhập đáp án")])
}

#[utoipa::path(post, path = "/api/v1/admin/contests/{id}/unfinalize", operation_id = "unfinalize_results", tag = "results",
    request_body = ReasonBody,
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "{contest}", body = Object),
        (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody),
        (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody),
        (status = 403, description = "admins only", body = crate::http::openapi::ErrorBody),
        (status = 404, description = "not found", body = crate::http::openapi::ErrorBody),
        (status = 409, description = "not finalized", body = crate::http::openapi::ErrorBody),
        (status = 413, description = "body too large", body = crate::http::openapi::ErrorBody),
        (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody),
        (status = 422, description = "invalid values", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn unfinalize(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<ReasonBody>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let c = staff_contest(&state, &auth, &path).await?;
    let body = body.into_inner().await?;
    let why = reason(&body.reason)?;
    let c = app::unfinalize(state.ctx(), &c, &why, &auth.user.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "contest": views::contest(&c, state.clock.now(), true) })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisqualifyBody {
    /// The participant's id (an unknown one is 404).
    pub user_id: String,
    #[schema(schema_with = reason_schema)]
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/admin/contests/{id}/disqualify", operation_id = "disqualify", tag = "results",
    request_body = DisqualifyBody,
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "{disqualified}", body = Object),
        (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody),
        (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody),
        (status = 403, description = "admins only", body = crate::http::openapi::ErrorBody),
        (status = 404, description = "no such contest or user", body = crate::http::openapi::ErrorBody),
        (status = 409, description = "finalized", body = crate::http::openapi::ErrorBody),
        (status = 413, description = "body too large", body = crate::http::openapi::ErrorBody),
        (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody),
        (status = 422, description = "invalid values", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn disqualify(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<DisqualifyBody>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let c = staff_contest(&state, &auth, &path).await?;
    let body = body.into_inner().await?;
    let why = reason(&body.reason)?;
    let uid: UserId = parse_id(&body.user_id)?;
    app::disqualify(state.ctx(), &c, uid, &why, &auth.user.id).await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "disqualified": {"user_id": uid.to_string(), "reason": why} })))
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/audit", operation_id = "contest_audit", tag = "results",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "{entries}", body = Object),
        (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody),
        (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody),
        (status = 403, description = "admins only", body = crate::http::openapi::ErrorBody),
        (status = 404, description = "not found", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn audit(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let c = staff_contest(&state, &auth, &path).await?;
    let entries = crate::store::audit::list(&state.db.conn, &format!("contest:{}", c.id)).await?;
    Ok(HttpResponse::Ok().json(json!({ "entries": entries })))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}/winners", operation_id = "winners", tag = "contests",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "{winners, digest, draw_seed}", body = Object),
        (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody),
        (status = 404, description = "not found", body = crate::http::openapi::ErrorBody),
        (status = 409, description = "not finalized yet", body = crate::http::openapi::ErrorBody)))]
async fn winners(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let c = visible_contest(&state, &path, None).await?;
    if c.state != State::Finalized {
        return Err(ApiError::conflict(
            "not_finalized",
            Text::new("Chưa công bố kết quả", "the results are not final yet"),
        ));
    }
    let rows = results::winners(&state.db, c.id, c.prize_count()).await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "rank": r.rank,
                "full_name": r.full_name,
                "phone": mask_phone(&r.phone),
                // As the model contest announced winners: ấp/khóm, xã, huyện, tỉnh.
                "address": {"province": r.province, "district": r.district, "commune": r.commune, "hamlet": r.hamlet},
                "prize": prize(&c, r.prize_index),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "winners": list,
        "digest": c.digest,
        "draw_seed": c.draw_seed,
        "finalized_at": c.finalized_at.map(|t| to_rfc3339(t, c.settings.timezone)),
    })))
}
