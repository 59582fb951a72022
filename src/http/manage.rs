//! Organisers: create, edit and publish contests; build the question bank.

use super::bodies::ContestInput;
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth, media_type, read_body};
use super::openapi::{ErrorBody, errors};
use super::schema;
use super::{AppState, parse_id, views};
use crate::app::contests as app;
use crate::domain::contest::{self, Contest, ContestSettings};
use crate::domain::ids::QuestionId;
use crate::domain::organisation::may_manage;
use crate::domain::question::{self, NewQuestion, RowError};
use crate::domain::{FieldError, Text};
use crate::store::contests;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/contests", web::post().to(create))
        .route("/admin/contests", web::get().to(list))
        .route("/admin/contests/{id}", web::get().to(show))
        .route("/admin/contests/{id}", web::patch().to(edit))
        .route(
            "/admin/contests/{id}/questions",
            web::post().to(add_questions),
        )
        .route("/admin/contests/{id}/questions", web::get().to(bank))
        .route(
            "/admin/contests/{id}/questions/import",
            web::post().to(import),
        )
        .route(
            "/admin/contests/{id}/questions/{question_id}",
            web::patch().to(edit_question),
        )
        .route(
            "/admin/contests/{id}/questions/{question_id}",
            web::delete().to(delete_question),
        )
        .route("/admin/contests/{id}/publish", web::post().to(publish))
        .route("/admin/contests/{id}/stats", web::get().to(stats))
        .route("/question-template.csv", web::get().to(template));
}

/// Loads any contest for staff; 404 for unknown ids.
pub async fn staff_contest(state: &AppState, auth: &Auth, id: &str) -> ApiResult<Contest> {
    auth.require_staff()?;
    Ok(app::managed(state.ctx(), parse_id(id)?, &auth.user).await?)
}

/// The body of a create: [`ContestInput`] with title, start and end required
/// (the handler reads a `ContestInput`; only its document differs).
pub struct NewContest;

impl utoipa::PartialSchema for NewContest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        schema::new_contest(<ContestInput as utoipa::PartialSchema>::schema())
    }
}

impl utoipa::ToSchema for NewContest {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <ContestInput as utoipa::ToSchema>::schemas(schemas);
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/contests",
    operation_id = "create_contest",
    tag = "organisers",
    request_body = NewContest,
    responses((status = 201, description = "the new draft", body = views::ContestEnvelope), errors::Read, errors::JsonBody),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<ContestInput, { contest::MAX_INPUT_JSON_BYTES }>,
) -> ApiResult<HttpResponse> {
    auth.require_staff()?;
    let body = body.into_inner().await?;
    let organisation = crate::domain::organisation::parse_id(body.organisation_id.as_deref())?;
    let settings = ContestSettings::parse(&body.into(), None)?;
    let c = app::create(state.ctx(), &settings, &auth.user, organisation).await?;
    Ok(HttpResponse::Created().json(views::ContestEnvelope::new(&c, state.clock.now(), true)))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/contests",
    operation_id = "list_all_contests",
    tag = "organisers",
    responses((status = 200, description = "every contest, drafts included", body = views::ContestList), errors::SignedIn),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn list(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    auth.require_staff()?;
    let now = state.clock.now();
    let all = contests::list(&state.db, true).await?;
    let own = auth.user.organisation_id.as_deref();
    Ok(HttpResponse::Ok().json(views::ContestList {
        contests: all
            .iter()
            .filter(|c| may_manage(auth.role(), own, &c.organisation_id.to_string()))
            .map(|c| views::ContestView::new(c, now, true))
            .collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/contests/{id}",
    operation_id = "admin_get_contest",
    tag = "organisers",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the contest, with question_count", body = views::ContestEnvelope), errors::Read),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn show(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let n = contests::bank_size(&state.db.conn, c.id).await?;
    Ok(HttpResponse::Ok().json(views::ContestEnvelope {
        contest: views::ContestView::new(&c, state.clock.now(), true).with_question_count(n),
    }))
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/contests/{id}",
    operation_id = "edit_contest",
    tag = "organisers",
    request_body = ContestInput,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the contest as edited", body = views::ContestEnvelope), errors::Write),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn edit(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<ContestInput, { contest::MAX_INPUT_JSON_BYTES }>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let body = body.into_inner().await?;
    if body.organisation_id.is_some() {
        return Err(ApiError::field(
            "organisation_id",
            "organisation_fixed",
            Text::new(
                "Không thể chuyển cuộc thi sang đơn vị khác",
                "a contest cannot move to another organisation",
            ),
        ));
    }
    let new = ContestSettings::parse(&body.into(), Some(&c.settings))?;
    let c = app::edit(state.ctx(), &c, &new).await?;
    Ok(HttpResponse::Ok().json(views::ContestEnvelope::new(&c, state.clock.now(), true)))
}

/// A single-choice question; every problem of every question is reported at once.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    #[schema(schema_with = schema::question_text)]
    pub text: String,
    #[schema(schema_with = schema::question_options)]
    pub options: Vec<String>,
    #[schema(schema_with = schema::question_correct)]
    pub correct: usize,
    #[serde(default)]
    #[schema(schema_with = schema::question_category)]
    pub category: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionsBody {
    #[schema(schema_with = schema::questions)]
    pub questions: Vec<QuestionBody>,
}

async fn store_questions(
    state: &AppState,
    c: &Contest,
    questions: &[NewQuestion],
) -> ApiResult<HttpResponse> {
    let n = app::add_questions(state.ctx(), c, questions).await?;
    Ok(HttpResponse::Created().json(views::Added {
        added: questions.len(),
        question_count: n,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/contests/{id}/questions",
    operation_id = "add_questions",
    tag = "organisers",
    request_body = QuestionsBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 201, description = "added: all or nothing", body = views::Added), errors::Write),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn add_questions(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<QuestionsBody>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let body = body.into_inner().await?;
    if body.questions.is_empty() || body.questions.len() > question::MAX_IMPORT_ROWS {
        return Err(ApiError::field(
            "questions",
            "count",
            format!("send 1 to {} questions", question::MAX_IMPORT_ROWS),
        ));
    }
    let mut errors: Vec<FieldError> = Vec::new();
    let mut parsed = Vec::with_capacity(body.questions.len());
    for (i, q) in body.questions.iter().enumerate() {
        match NewQuestion::parse(&q.text, q.options.clone(), q.correct, q.category.as_deref()) {
            Ok(nq) => parsed.push(nq),
            Err(problems) => errors.extend(problems.into_iter().map(|p| {
                FieldError::new(format!("questions[{i}].{}", p.field), "invalid", p.reason)
            })),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    store_questions(&state, &c, &parsed).await
}

fn row_errors(errors: Vec<RowError>) -> ApiError {
    let n = errors.len();
    ApiError::Unprocessable {
        code: "import_failed",
        message: Text::new(
            format!("{n} dòng lỗi, chưa nhập câu nào"),
            format!("{n} bad row(s), nothing was imported"),
        ),
        details: Some(json!({ "rows": errors.iter().map(|e| json!({
            "row": e.row,
            "column": e.column,
            "reason": e.reason.get(super::error::lang()),
        })).collect::<Vec<_>>() })),
    }
}

/// CSV (`text/csv`) or Aiken (`text/plain`, or `?format=aiken`): all or nothing.
/// The body is UTF-8 or, failing that, Windows-1258 (Excel's plain "CSV" on a
/// Vietnamese Windows); any charset parameter is ignored.
#[utoipa::path(
    post,
    path = "/api/v1/admin/contests/{id}/questions/import",
    operation_id = "import_questions",
    tag = "organisers",
    request_body(content = String, content_type = "text/csv"),
    params(("id" = String, Path, description = "the id"), ("format" = Option<String>, Query, description = "`aiken` reads a text/csv body as Aiken; any other value is ignored")),
    responses((status = 201, description = "imported: all or nothing, with the encoding the file was read in", body = views::Imported), errors::Write,
        (status = 422, description = "bad rows (`error.details.rows`), nothing imported", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn import(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let aiken_param = req.query_string().split('&').any(|kv| kv == "format=aiken");
    let mt = media_type(&req);
    let aiken = match mt.as_deref() {
        Some("text/csv") | Some("application/csv") => aiken_param,
        Some("text/plain") => true,
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "send the bank as text/csv (or Aiken as text/plain)".into(),
            ));
        }
    };
    let bytes = read_body(&mut payload, state.settings.limits.max_import_bytes).await?;
    let parsed = if aiken {
        question::import_aiken(&bytes)
    } else {
        question::import_csv(&bytes)
    };
    let import = parsed.map_err(row_errors)?;
    let n = app::add_questions(state.ctx(), &c, &import.questions).await?;
    Ok(HttpResponse::Created().json(views::Imported {
        added: import.questions.len(),
        question_count: n,
        encoding: import.encoding.into(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/contests/{id}/questions",
    operation_id = "question_bank",
    tag = "organisers",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the bank, with the correct answers", body = views::QuestionBank), errors::Read),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn bank(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let questions = contests::bank(&state.db, c.id).await?;
    Ok(HttpResponse::Ok().json(views::QuestionBank::new(&questions)))
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/contests/{id}/questions/{question_id}",
    operation_id = "edit_question",
    tag = "organisers",
    request_body = QuestionBody,
    params(("id" = String, Path, description = "the contest's id"), ("question_id" = String, Path, description = "the question's id")),
    responses((status = 200, description = "the question as edited (the whole question is sent: text, options, correct, category)", body = views::BankQuestionView),
        errors::Write,
        (status = 409, description = "published: only the wording may change (`question_locked`, `error.fields` names what); finalized: `bank_frozen`", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn edit_question(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: ApiJson<QuestionBody>,
) -> ApiResult<HttpResponse> {
    let (id, qid) = path.into_inner();
    let c = staff_contest(&state, &auth, &id).await?;
    let qid: QuestionId = parse_id(&qid)?;
    let q = body.into_inner().await?;
    let parsed = NewQuestion::parse(&q.text, q.options, q.correct, q.category.as_deref()).map_err(
        |problems| {
            ApiError::Validation(
                problems
                    .into_iter()
                    .map(|p| FieldError::new(p.field, "invalid", p.reason))
                    .collect(),
            )
        },
    )?;
    let after = app::edit_question(state.ctx(), &c, qid, &parsed, &auth.user).await?;
    Ok(HttpResponse::Ok().json(views::BankQuestionView::from(&after)))
}

#[utoipa::path(
    delete,
    path = "/api/v1/admin/contests/{id}/questions/{question_id}",
    operation_id = "delete_question",
    tag = "organisers",
    params(("id" = String, Path, description = "the contest's id"), ("question_id" = String, Path, description = "the question's id")),
    responses((status = 204, description = "deleted"), errors::Action,
        (status = 409, description = "not a draft any more (`bank_frozen`)", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn delete_question(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, qid) = path.into_inner();
    let c = staff_contest(&state, &auth, &id).await?;
    let qid: QuestionId = parse_id(&qid)?;
    app::delete_question(state.ctx(), &c, qid).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/contests/{id}/publish",
    operation_id = "publish_contest",
    tag = "organisers",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the contest, published", body = views::ContestEnvelope), errors::Action),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn publish(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let c = app::publish(state.ctx(), &c).await?;
    Ok(HttpResponse::Ok().json(views::ContestEnvelope::new(&c, state.clock.now(), true)))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/contests/{id}/stats",
    operation_id = "contest_stats",
    tag = "organisers",
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "participation and results so far", body = views::StatsEnvelope), errors::Read),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn stats(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let (stats, texts) = app::stats(state.ctx(), &c).await?;
    Ok(HttpResponse::Ok().json(views::StatsEnvelope {
        stats: views::StatsView::new(stats, &texts),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/question-template.csv",
    operation_id = "question_template",
    tag = "organisers",
    responses((status = 200, description = "a question bank template for Excel: the Vietnamese header the importer reads and two example rows (UTF-8 with BOM)", content_type = "text/csv")),
)]
async fn template() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"cau-hoi-mau.csv\"",
        ))
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "public, max-age=3600",
        ))
        .body(question::CSV_TEMPLATE)
}
