//! Citizens: contest pages, and timed attempts (start, resume, autosave, submit).

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth, MaybeAuth};
use super::views;
use crate::domain::attempt::{self, BankEntry, accepts_answers};
use crate::domain::contest::{State, is_open};
use crate::domain::ids::{AttemptId, ContestId};
use crate::domain::schema;
use crate::store::attempts::{self as store, Attempt, Bank, CloseOutcome, StartOutcome};
use crate::store::contests::{self, Contest};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/contests", web::get().to(list))
        .route("/contests/{id}", web::get().to(show))
        .route("/contests/{id}/attempts", web::post().to(start))
        .route("/contests/{id}/my-attempts", web::get().to(mine))
        .route("/attempts/{id}", web::get().to(resume))
        .route("/attempts/{id}/answers", web::put().to(autosave))
        .route("/attempts/{id}/submit", web::post().to(submit));
}

/// Loads a contest the caller may see: drafts are staff-only (404 otherwise).
pub async fn visible_contest(
    state: &AppState,
    id: &str,
    auth: Option<&Auth>,
) -> ApiResult<Contest> {
    let id = ContestId::parse(id).ok_or(ApiError::NotFound("contest"))?;
    let c = contests::find(&state.db.conn, &id.as_string())
        .await?
        .ok_or(ApiError::NotFound("contest"))?;
    let staff = auth.is_some_and(|a| a.role().is_staff());
    if c.state == State::Draft && !staff {
        return Err(ApiError::NotFound("contest"));
    }
    Ok(c)
}

#[utoipa::path(
    get,
    path = "/api/v1/contests",
    operation_id = "list_contests",
    tag = "contests",
    responses((status = 200, description = "{contests}", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody)),
)]
async fn list(state: web::Data<AppState>, auth: MaybeAuth) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let staff = auth.0.as_ref().is_some_and(|a| a.role().is_staff());
    let all = contests::list(&state.db, false).await?;
    // The list page never shows the rules (up to 20,000 characters each): keep
    // it light for phones on 3G; the contest page has them.
    let items: Vec<_> = all
        .iter()
        .map(|c| {
            let mut v = views::contest(c, now, staff);
            if let Some(o) = v.as_object_mut() {
                o.remove("rules");
            }
            v
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "contests": items })))
}

#[utoipa::path(
    get,
    path = "/api/v1/contests/{id}",
    operation_id = "get_contest",
    tag = "contests",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "{contest}", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 404, description = "not found", body = crate::http::openapi::ErrorBody)),
)]
async fn show(
    state: web::Data<AppState>,
    auth: MaybeAuth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = visible_contest(&state, &path, auth.0.as_ref()).await?;
    let staff = auth.0.as_ref().is_some_and(|a| a.role().is_staff());
    Ok(HttpResponse::Ok().json(json!({ "contest": views::contest(&c, state.clock.now(), staff) })))
}

/// Loads an attempt for its owner only; others get 404, so ids cannot be probed.
async fn owned_attempt(state: &AppState, auth: &Auth, id: &str) -> ApiResult<Attempt> {
    let id = AttemptId::parse(id).ok_or(ApiError::NotFound("attempt"))?;
    let a = store::find(&state.db.conn, &id.as_string())
        .await?
        .ok_or(ApiError::NotFound("attempt"))?;
    if a.user_id != auth.user.id {
        return Err(ApiError::NotFound("attempt"));
    }
    Ok(a)
}

/// Closes this attempt if its time (plus grace) is over: lazily, on access.
async fn close_if_overdue(
    state: &AppState,
    a: Attempt,
    c: &Contest,
    bank: &Bank,
) -> ApiResult<Attempt> {
    let now = state.clock.now();
    if !a.is_open() || accepts_answers(now, a.deadline, c.settings.grace_seconds) {
        return Ok(a);
    }
    let correct = |q: &str| bank.get(q).map(|b| b.correct_option_id);
    Ok(
        match store::close(&state.db, &a, &[], None, &correct, "expired", a.deadline).await? {
            CloseOutcome::Closed(a) | CloseOutcome::AlreadyClosed(a) => a,
        },
    )
}

#[utoipa::path(
    post,
    path = "/api/v1/contests/{id}/attempts",
    operation_id = "start_attempt",
    tag = "attempts",
    params(("id" = String, Path, description = "the id")),
    responses((status = 201, description = "a new attempt", body = Object), (status = 200, description = "the open attempt, given back", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody), (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody), (status = 404, description = "not found", body = crate::http::openapi::ErrorBody), (status = 409, description = "conflict", body = crate::http::openapi::ErrorBody), (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn start(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if auth.role().is_staff() {
        return Err(ApiError::forbidden(
            "Ban tổ chức không dự thi / staff accounts cannot take part",
        ));
    }
    let c = visible_contest(&state, &path, Some(&auth)).await?;
    let now = state.clock.now();
    let s = &c.settings;
    if c.state != State::Published || !is_open(s.starts_at, s.ends_at, now) {
        return Err(ApiError::conflict(
            "contest_not_open",
            "Cuộc thi chưa mở hoặc đã kết thúc / the contest is not open",
        ));
    }
    let bank = state.banks.get(&state.db, &c.id).await?;
    // The draw: OS-seeded, so participants cannot predict it.
    let entries: Vec<BankEntry<'_, String>> = bank
        .questions
        .iter()
        .zip(&bank.option_ids)
        .map(|(q, ids)| BankEntry {
            id: q.id.clone(),
            category: q.category.as_deref(),
            option_ids: ids,
        })
        .collect();
    let paper = attempt::draw(&entries, s.questions_per_attempt as usize, &mut rand::rng());
    let deadline = attempt::deadline(now, s.time_limit_seconds, s.ends_at);
    let mut outcome = store::start(&state.db, &c, &auth.user.id, &paper, now, deadline).await?;
    // An open attempt whose time is over is closed (with its autosaved answers)
    // rather than given back; then the start is tried once more.
    if let StartOutcome::Resumed(open) = &outcome
        && !accepts_answers(now, open.deadline, s.grace_seconds)
    {
        close_if_overdue(&state, open.clone(), &c, &bank).await?;
        outcome = store::start(&state.db, &c, &auth.user.id, &paper, now, deadline).await?;
    }
    let (a, created) = match outcome {
        StartOutcome::Started(a) => (a, true),
        StartOutcome::Resumed(a) => (a, false),
        StartOutcome::LimitReached => {
            return Err(ApiError::conflict(
                "max_attempts_reached",
                format!(
                    "Bạn đã dùng hết {} lượt thi / you have used all {} attempts",
                    s.max_attempts, s.max_attempts
                ),
            ));
        }
    };
    metrics::counter!("crane_attempts_started_total").increment(u64::from(created));
    // A new attempt has no saved answers yet: skip the read.
    let answers = if created {
        Vec::new()
    } else {
        store::answers(&state.db.conn, &a.id).await?
    };
    let body = json!({ "attempt": views::attempt(&a, &bank, &answers, s.timezone, state.clock.now(), s.grace_seconds) });
    Ok(if created {
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
    responses((status = 200, description = "{attempts, max_attempts}", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody), (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody), (status = 404, description = "not found", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn mine(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = visible_contest(&state, &path, Some(&auth)).await?;
    let list = store::for_user(&state.db, &c.id, &auth.user.id).await?;
    let tz = c.settings.timezone;
    let items: Vec<_> = list
        .iter()
        .map(|a| {
            let mut r = views::result(a, tz);
            r["started_at"] = json!(crate::domain::clock::to_rfc3339(a.started_at, tz));
            r["deadline"] = json!(crate::domain::clock::to_rfc3339(a.deadline, tz));
            r
        })
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({ "attempts": items, "max_attempts": c.settings.max_attempts })))
}

#[utoipa::path(
    get,
    path = "/api/v1/attempts/{id}",
    operation_id = "get_attempt",
    tag = "attempts",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "{attempt}: questions, saved answers, remaining time", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody), (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody), (status = 404, description = "not found", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn resume(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let a = owned_attempt(&state, &auth, &path).await?;
    let c = contests::find(&state.db.conn, &a.contest_id)
        .await?
        .ok_or(ApiError::NotFound("contest"))?;
    let bank = state.banks.get(&state.db, &c.id).await?;
    let a = close_if_overdue(&state, a, &c, &bank).await?;
    let answers = store::answers(&state.db.conn, &a.id).await?;
    let s = &c.settings;
    Ok(HttpResponse::Ok().json(json!({
        "attempt": views::attempt(&a, &bank, &answers, s.timezone, state.clock.now(), s.grace_seconds)
    })))
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

/// Keeps only answers to this attempt's own questions with their own options;
/// anything else is a 422 naming the entry. A repeated question keeps the last.
fn parse_answers(a: &Attempt, given: &[AnswerBody]) -> ApiResult<Vec<(String, u32)>> {
    if given.len() > attempt::MAX_ANSWERS {
        return Err(ApiError::field(
            "answers",
            "too_many",
            format!("at most {} answers", attempt::MAX_ANSWERS),
        ));
    }
    let mut errors = Vec::new();
    let mut out: Vec<(String, u32)> = Vec::with_capacity(given.len());
    for (i, g) in given.iter().enumerate() {
        match a.paper.iter().find(|dq| dq.question == g.question_id) {
            None => errors.push(crate::domain::FieldError::new(
                format!("answers[{i}].question_id"),
                "not_in_attempt",
                "this question is not part of the attempt",
            )),
            Some(dq) if !dq.options.contains(&g.option_id) => {
                errors.push(crate::domain::FieldError::new(
                    format!("answers[{i}].option_id"),
                    "not_an_option",
                    "this option does not belong to the question",
                ))
            }
            Some(_) => {
                out.retain(|(q, _)| *q != g.question_id);
                out.push((g.question_id.clone(), g.option_id));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn expired() -> ApiError {
    ApiError::conflict(
        "attempt_expired",
        "Đã hết giờ làm bài / the time for this attempt is over",
    )
}

#[utoipa::path(
    put,
    path = "/api/v1/attempts/{id}/answers",
    operation_id = "autosave_answers",
    tag = "attempts",
    request_body = AnswersBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "{saved, answered, server_now}", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody), (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody), (status = 404, description = "not found", body = crate::http::openapi::ErrorBody), (status = 409, description = "conflict", body = crate::http::openapi::ErrorBody), (status = 413, description = "body too large", body = crate::http::openapi::ErrorBody), (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody), (status = 422, description = "invalid values", body = crate::http::openapi::ErrorBody)),
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
    let answers = parse_answers(&a, &body.answers)?;
    let c = contests::find(&state.db.conn, &a.contest_id)
        .await?
        .ok_or(ApiError::NotFound("contest"))?;
    let now = state.clock.now();
    if !a.is_open() {
        return Err(ApiError::conflict(
            "attempt_submitted",
            "Bài thi đã nộp / the attempt is already submitted",
        ));
    }
    if !accepts_answers(now, a.deadline, c.settings.grace_seconds) {
        let bank = state.banks.get(&state.db, &c.id).await?;
        close_if_overdue(&state, a, &c, &bank).await?;
        return Err(expired());
    }
    if !store::autosave(&state.db, &a, &answers, now).await? {
        return Err(ApiError::conflict(
            "attempt_submitted",
            "Bài thi đã nộp / the attempt is already submitted",
        ));
    }
    let saved = store::answers(&state.db.conn, &a.id).await?;
    Ok(HttpResponse::Ok().json(json!({
        "saved": answers.len(),
        "answered": saved.len(),
        "server_now": crate::domain::clock::to_rfc3339(now, c.settings.timezone),
    })))
}

#[utoipa::path(
    post,
    path = "/api/v1/attempts/{id}/submit",
    operation_id = "submit_attempt",
    tag = "attempts",
    request_body = SubmitBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "{attempt}: the result", body = Object), (status = 400, description = "malformed request", body = crate::http::openapi::ErrorBody), (status = 401, description = "not signed in", body = crate::http::openapi::ErrorBody), (status = 403, description = "not allowed", body = crate::http::openapi::ErrorBody), (status = 404, description = "not found", body = crate::http::openapi::ErrorBody), (status = 409, description = "conflict", body = crate::http::openapi::ErrorBody), (status = 413, description = "body too large", body = crate::http::openapi::ErrorBody), (status = 415, description = "wrong content type", body = crate::http::openapi::ErrorBody), (status = 422, description = "invalid values", body = crate::http::openapi::ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn submit(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<SubmitBody>,
) -> ApiResult<HttpResponse> {
    let a = owned_attempt(&state, &auth, &path).await?;
    let c = contests::find(&state.db.conn, &a.contest_id)
        .await?
        .ok_or(ApiError::NotFound("contest"))?;
    let s = &c.settings;
    let tz = s.timezone;
    let body = body.into_inner().await?;
    let answers = parse_answers(&a, &body.answers)?;
    let prediction = match (s.prediction.enabled, body.prediction) {
        (true, None) => {
            return Err(ApiError::field(
                "prediction",
                "required",
                "Cần nhập dự đoán / the prediction is required",
            ));
        }
        (true, Some(p)) if !attempt::PREDICTION.contains(&p) => {
            let (min, max) = (attempt::PREDICTION.start(), attempt::PREDICTION.end());
            return Err(ApiError::field(
                "prediction",
                "out_of_range",
                format!("must be a whole number from {min} to {max}"),
            ));
        }
        (true, Some(p)) => Some(p),
        (false, _) => None,
    };
    // A repeated submit answers with the stored result, never a second score.
    if a.status == "submitted" {
        return Ok(HttpResponse::Ok().json(json!({ "attempt": views::result(&a, tz) })));
    }
    let now = state.clock.now();
    let bank = state.banks.get(&state.db, &c.id).await?;
    if !a.is_open() || !accepts_answers(now, a.deadline, s.grace_seconds) {
        close_if_overdue(&state, a, &c, &bank).await?;
        return Err(expired());
    }
    let correct = |q: &str| bank.get(q).map(|b| b.correct_option_id);
    match store::close(
        &state.db,
        &a,
        &answers,
        prediction,
        &correct,
        "submitted",
        now,
    )
    .await?
    {
        CloseOutcome::Closed(done) => {
            metrics::counter!("crane_attempts_submitted_total").increment(1);
            Ok(HttpResponse::Ok().json(json!({ "attempt": views::result(&done, tz) })))
        }
        CloseOutcome::AlreadyClosed(done) if done.status == "submitted" => {
            Ok(HttpResponse::Ok().json(json!({ "attempt": views::result(&done, tz) })))
        }
        CloseOutcome::AlreadyClosed(_) => Err(expired()),
    }
}
