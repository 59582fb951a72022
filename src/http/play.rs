//! Citizens: contest pages, and timed attempts (start, resume, autosave, submit).

use super::error::ApiResult;
use super::extract::{ApiJson, Auth, MaybeAuth};
use super::openapi::{ErrorBody, errors};
use super::schema;
use super::{AppState, parse_id, views};
use crate::app::{attempts, contests};
use crate::domain::contest::Contest;
use crate::domain::ids::{AttemptId, ContestId};
use crate::store::contests as store_contests;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/contests", web::get().to(list))
        .route("/contests/{id}", web::get().to(show))
        .route("/contests/{id}/attempts", web::post().to(start))
        .route("/contests/{id}/my-attempts", web::get().to(mine))
        .route("/attempts/{id}", web::get().to(resume))
        .route("/attempts/{id}/answers", web::put().to(autosave))
        .route("/attempts/{id}/submit", web::post().to(submit))
        .route("/attempts/{id}/review", web::get().to(review));
}

/// Loads a contest the caller may see: drafts are staff-only (404 otherwise).
pub async fn visible_contest(
    state: &AppState,
    id: &str,
    auth: Option<&Auth>,
) -> ApiResult<Contest> {
    Ok(contests::visible(state.ctx(), parse_id(id)?, auth.map(|a| &a.user)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/contests",
    operation_id = "list_contests",
    tag = "contests",
    responses((status = 200, description = "published and finalized contests, newest first, without their rules", body = views::ContestList), errors::Malformed),
)]
async fn list(state: web::Data<AppState>, auth: MaybeAuth) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let viewer = auth.0.as_ref().map(|a| &a.user);
    let all = store_contests::list(&state.db.lagging(), false).await?;
    let people = state.participation.counts(&state.db).await?;
    let contests = all
        .iter()
        .map(|c| {
            views::ContestView::new(c, now, contests::manages(viewer, c))
                .without_rules()
                .with_participants(people.get(&c.id.to_string()).copied().unwrap_or(0))
        })
        .collect();
    Ok(HttpResponse::Ok().json(views::ContestList { contests }))
}

#[utoipa::path(
    get,
    path = "/api/v1/contests/{id}",
    operation_id = "get_contest",
    tag = "contests",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the contest", body = views::ContestEnvelope), errors::PublicRead),
)]
async fn show(
    state: web::Data<AppState>,
    auth: MaybeAuth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    // Lag-tolerant: the page of a contest a person has not just changed.
    let reads = state.db.lagging();
    let id: ContestId = parse_id(&path)?;
    let viewer = auth.0.as_ref().map(|a| &a.user);
    let c = contests::visible(state.ctx_on(&reads), id, viewer).await?;
    let staff = contests::manages(viewer, &c);
    let people = state.participation.counts(&state.db).await?;
    let mut body = views::ContestEnvelope::new(&c, state.clock.now(), staff);
    body.contest = body
        .contest
        .with_participants(people.get(&c.id.to_string()).copied().unwrap_or(0));
    Ok(HttpResponse::Ok().json(body))
}

/// Loads an attempt for its owner only; others get 404, so ids cannot be probed.
async fn owned_attempt(
    state: &AppState,
    auth: &Auth,
    id: &str,
) -> ApiResult<crate::domain::attempt::Attempt> {
    let id: AttemptId = parse_id(id)?;
    Ok(attempts::owned(state.ctx(), id, auth.user_id()).await?)
}

#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/attempts",
    operation_id = "start_attempt",
    tag = "attempts",
    params(("id" = String, Path, description = "the id")),
    responses((status = 201, description = "a new attempt", body = views::AttemptEnvelope), (status = 200, description = "the open attempt, given back", body = views::AttemptEnvelope), errors::Action),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn start(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id: ContestId = parse_id(&path)?;
    let started = attempts::start(state.ctx(), id, auth.user_id(), auth.role()).await?;
    metrics::counter!("crane_attempts_started_total").increment(u64::from(started.created));
    let body = views::AttemptEnvelope::new(&started.sheet, state.clock.now());
    Ok(if started.created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

#[utoipa::path(
    get,
    path = "/api/v1/contests/{id}/my-attempts",
    operation_id = "my_attempts",
    tag = "attempts",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the caller's attempts with their results, and max_attempts", body = views::MyAttempts), errors::Read),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn mine(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id: ContestId = parse_id(&path)?;
    let (c, list) = attempts::mine(state.ctx(), id, &auth.user).await?;
    let tz = c.settings.timezone();
    Ok(HttpResponse::Ok().json(views::MyAttempts {
        attempts: list.iter().map(|a| views::MyAttempt::new(a, tz)).collect(),
        max_attempts: c.settings.max_attempts(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/attempts/{id}",
    operation_id = "get_attempt",
    tag = "attempts",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the attempt: questions, saved answers, remaining time, and the result once closed", body = views::AttemptEnvelope), errors::Read),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn resume(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let a = owned_attempt(&state, &auth, &path).await?;
    let sheet = attempts::resume(state.ctx(), a).await?;
    Ok(HttpResponse::Ok().json(views::AttemptEnvelope::new(&sheet, state.clock.now())))
}

/// One answer: a question of the attempt and one of its options (ids as the
/// attempt gave them).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    pub question_id: String,
    #[schema(schema_with = schema::option_id)]
    pub option_id: u32,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersBody {
    #[schema(schema_with = schema::answers)]
    pub answers: Vec<AnswerBody>,
    #[serde(default)]
    #[schema(schema_with = schema::autosaved_prediction)]
    pub prediction: Option<i64>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    #[serde(default)]
    #[schema(schema_with = schema::answers)]
    pub answers: Vec<AnswerBody>,
    #[serde(default)]
    #[schema(schema_with = schema::prediction)]
    pub prediction: Option<i64>,
}

/// The answers of a body as (question id, option id) pairs.
fn pairs(given: &[AnswerBody]) -> Vec<(String, u32)> {
    given
        .iter()
        .map(|g| (g.question_id.clone(), g.option_id))
        .collect()
}

#[utoipa::path(
    put,
    path = "/api/v1/attempts/{id}/answers",
    operation_id = "autosave_answers",
    tag = "attempts",
    request_body = AnswersBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "saved", body = views::Autosaved), errors::Write),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn autosave(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<AnswersBody>,
) -> ApiResult<HttpResponse> {
    let a = owned_attempt(&state, &auth, &path).await?;
    let body = body.into_inner().await?;
    let saved = attempts::autosave(state.ctx(), a, &pairs(&body.answers), body.prediction).await?;
    Ok(HttpResponse::Ok().json(views::Autosaved {
        saved: saved.saved,
        answered: saved.answered,
        server_now: views::Time::new(state.clock.now(), saved.contest.settings.timezone()),
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/attempts/{id}/submit",
    operation_id = "submit_attempt",
    tag = "attempts",
    request_body = SubmitBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the result (the stored one on a repeated submit)", body = views::AttemptResultEnvelope), errors::Write),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn submit(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<SubmitBody>,
) -> ApiResult<HttpResponse> {
    let a = owned_attempt(&state, &auth, &path).await?;
    let body = body.into_inner().await?;
    let (done, c) =
        attempts::submit(state.ctx(), a, &pairs(&body.answers), body.prediction).await?;
    Ok(HttpResponse::Ok().json(views::AttemptResultEnvelope {
        attempt: views::AttemptResult::new(&done, c.settings.timezone()),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/attempts/{id}/review",
    operation_id = "review_attempt",
    tag = "attempts",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the attempt's questions in the order shown, each option with `correct` and `chosen`", body = views::Review),
        errors::Read,
        (status = 409, description = "not yet: the results are not final, the organisers do not allow review, or the attempt is open (`review_not_available`)", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn review(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let a = owned_attempt(&state, &auth, &path).await?;
    let sheet = attempts::review(state.ctx(), a).await?;
    Ok(HttpResponse::Ok().json(views::Review::new(&sheet)))
}
