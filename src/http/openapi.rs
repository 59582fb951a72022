//! The OpenAPI document of every route, generated from the handlers'
//! `#[utoipa::path]` attributes, and the Swagger UI page served from the binary.
//!
//! Paths are declared explicitly on each handler (method and path) rather than
//! through utoipa-actix-web: routes are registered by each module's `routes()`
//! function, and a test checks that every registered route is documented.

use super::AppState;
use super::schema;
use actix_web::{HttpResponse, web};
use std::sync::OnceLock;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

/// The error envelope every failing request answers with.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetail {
    /// A stable snake_case code, e.g. `attempt_expired`.
    code: String,
    message: String,
    /// Per-field problems (validation errors only): `{field: {code, message}}`.
    #[schema(value_type = Option<Object>)]
    fields: Option<serde_json::Value>,
    /// Extra detail, e.g. the bad rows of an import.
    #[schema(value_type = Option<Object>)]
    details: Option<serde_json::Value>,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                super::extract::SESSION_COOKIE,
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Crane", description = "Online quiz contests for public bodies", version = "1"),
    paths(
        super::auth::register, super::auth::login, super::auth::logout, super::auth::me,
        super::play::list, super::play::show, super::play::start, super::play::mine, super::play::resume,
        super::play::autosave, super::play::submit,
        super::manage::create, super::manage::list, super::manage::show, super::manage::edit,
        super::manage::add_questions, super::manage::bank, super::manage::import, super::manage::publish,
        super::manage::stats,
        super::results::compute, super::results::read, super::results::finalize, super::results::unfinalize,
        super::results::disqualify, super::results::audit, super::results::winners,
        super::exports::winners_xlsx_file, super::exports::winners_csv, super::exports::leaderboard_csv,
        super::admin::search_users, super::admin::set_role,
        super::meta::healthz, super::meta::metrics,
    ),
    // Also the types the request schemas refer to by name (`schema_with`
    // builds those fields, so utoipa does not collect them by itself).
    components(schemas(
        ErrorBody, ErrorDetail,
        crate::http::bodies::PrizeInput, crate::http::bodies::PredictionInput,
        super::manage::QuestionBody, super::play::AnswerBody,
    )),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "contests", description = "Public contest pages"),
        (name = "attempts", description = "Timed attempts"),
        (name = "organisers", description = "Contest set-up"),
        (name = "results", description = "Ranking, finalization, exports"),
        (name = "admins", description = "Accounts and roles"),
        (name = "meta", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

/// The document as generated, built once per process.
pub fn base() -> &'static utoipa::openapi::OpenApi {
    static BASE: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    BASE.get_or_init(ApiDoc::openapi)
}

/// The document as served on `today` (the server clock's date in Vietnam): a
/// date of birth may be any day up to today, so that rule is stated afresh.
pub fn document(today: chrono::NaiveDate) -> utoipa::openapi::OpenApi {
    let mut doc = base().clone();
    let register = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("RegisterBody"));
    if let Some(RefOr::T(Schema::Object(body))) = register {
        body.properties.insert(
            "date_of_birth".to_owned(),
            schema::date_of_birth(today).into(),
        );
    }
    doc
}

async fn served(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(document(super::auth::today(&state)))
}

/// `/api/openapi.json` and the Swagger UI at `/api/docs/` (vendored: no CDN).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/openapi.json").get(served))
        .service(
            SwaggerUi::new("/api/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::new(["/api/openapi.json"])),
        );
}
