//! After the end: compute the ranking, read it, finalize (admin), un-finalize
//! (admin, audited), disqualify (admin, audited), public winners and exports.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth};
use super::manage::staff_contest;
use super::openapi::{ErrorBody, errors};
use super::play::visible_contest;
use super::{AppState, parse_id, views};
use crate::app::results as app;
use crate::domain::Text;
use crate::domain::contest::{Contest, State};
use crate::domain::ids::UserId;
use crate::domain::pattern::{self, Controls};
use crate::store::results;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

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
        .route("/contests/{id}/winners", web::get().to(winners))
        .route("/contests/{id}/my-result", web::get().to(my_result));
}

/// The stored ranking, one page of it.
async fn results_body(
    state: &AppState,
    c: &Contest,
    limit: i64,
    offset: i64,
) -> ApiResult<views::ResultsEnvelope> {
    let rows = results::rows_after(&state.db, c.id, offset, limit).await?;
    let ineligible = results::ineligible_rows(&state.db, c.id).await?;
    let total = results::total(&state.db, c.id).await?;
    Ok(views::ResultsEnvelope {
        results: views::ResultsPage::new(c, total, (limit, offset), &rows, &ineligible),
    })
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
    responses((status = 200, description = "the first page of the new ranking", body = views::ResultsEnvelope),
        errors::Action,
        (status = 409, description = "not ended yet, or finalized", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn compute(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let (_, c) = app::compute(state.ctx(), &c, &app::Quiet).await?;
    Ok(HttpResponse::Ok().json(results_body(&state, &c, 100, 0).await?))
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/results", operation_id = "read_results", tag = "results",
    params(("id" = String, Path, description = "the contest"), PageQuery),
    responses((status = 200, description = "a page of the stored ranking", body = views::ResultsEnvelope),
        errors::Read,
        (status = 404, description = "no such contest, or no results yet", body = ErrorBody)),
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
    Ok(HttpResponse::Ok().json(results_body(&state, &c, limit, offset).await?))
}

#[utoipa::path(post, path = "/api/v1/admin/contests/{id}/finalize", operation_id = "finalize_results", tag = "results",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "the digest and the finalized contest", body = views::Finalized),
        errors::AdminAction,
        (status = 409, description = "not ended, not computed, or already finalized", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn finalize(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let c = staff_contest(&state, &auth, &path).await?;
    let (d, c) = app::finalize(state.ctx(), &c, &auth.user.id, &app::Quiet).await?;
    Ok(HttpResponse::Ok().json(views::Finalized {
        digest: d,
        contest: views::ContestView::new(&c, state.clock.now(), true),
    }))
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
    responses((status = 200, description = "the contest, published again", body = views::ContestEnvelope),
        errors::AdminWrite,
        (status = 409, description = "not finalized", body = ErrorBody)),
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
    Ok(HttpResponse::Ok().json(views::ContestEnvelope::new(&c, state.clock.now(), true)))
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
    responses((status = 200, description = "disqualified from the next compute or finalize", body = views::DisqualifiedEnvelope),
        errors::AdminWrite,
        (status = 404, description = "no such contest or user", body = ErrorBody),
        (status = 409, description = "finalized", body = ErrorBody)),
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
    Ok(HttpResponse::Ok().json(views::DisqualifiedEnvelope {
        disqualified: views::Disqualified {
            user_id: uid.to_string(),
            reason: why,
        },
    }))
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/audit", operation_id = "contest_audit", tag = "results",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "the contest's audit entries", body = views::AuditLog),
        errors::AdminRead),
    security(("bearer" = []), ("cookie" = [])))]
async fn audit(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let c = staff_contest(&state, &auth, &path).await?;
    let entries = crate::store::audit::list(&state.db.conn, &format!("contest:{}", c.id)).await?;
    Ok(HttpResponse::Ok().json(views::AuditLog {
        entries: entries.into_iter().map(views::AuditEntry::from).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/contests/{id}/winners", operation_id = "winners", tag = "contests",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "the prize winners, phones masked", body = views::Winners),
        errors::PublicRead,
        (status = 409, description = "not finalized yet", body = ErrorBody)))]
async fn winners(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    // Lag-tolerant: a finalized ranking never changes.
    let reads = state.db.lagging();
    let c =
        crate::app::contests::visible(state.ctx_on(&reads), super::parse_id(&path)?, None).await?;
    if c.state != State::Finalized {
        return Err(ApiError::conflict(
            "not_finalized",
            Text::new("Chưa công bố kết quả", "the results are not final yet"),
        ));
    }
    let rows = results::winners(&reads, c.id, c.prize_count()).await?;
    Ok(HttpResponse::Ok().json(views::Winners::new(&c, &rows)))
}

#[utoipa::path(
    get,
    path = "/api/v1/contests/{id}/my-result",
    operation_id = "my_result",
    tag = "results",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "the signed-in person's own result: `pending` until the results are final, then `ranked` (with rank, prize and `won`), `ineligible` (with the reason) or `absent`", body = views::MyResult),
        errors::Read),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn my_result(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = visible_contest(&state, &path, Some(&auth)).await?;
    let r = app::my_result(state.ctx(), &c, auth.user_id()).await?;
    Ok(HttpResponse::Ok().json(views::MyResult::new(&c, r)))
}
