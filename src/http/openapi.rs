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
    /// Per-field problems (validation errors and duplicates only), by field
    /// name, e.g. `address.commune` or `answers[2].option_id`.
    fields: Option<std::collections::BTreeMap<String, FieldProblem>>,
    /// Extra detail: the bad rows of an import (`import_failed`), or what
    /// is left of a one-time code (`otp_*`).
    details: Option<ErrorDetails>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct FieldProblem {
    code: String,
    message: String,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ErrorDetails {
    /// Every bad row of an import file (`import_failed`).
    rows: Option<Vec<RowProblem>>,
    /// The field concerned (`otp` for a code that was not accepted).
    field: Option<String>,
    /// Checks left for the phone's code (`otp_wrong`; 0 for `otp_expired`,
    /// `otp_exhausted`, `otp_missing`).
    tries_left: Option<i64>,
}

/// A bad row of an import file.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RowProblem {
    /// The row a spreadsheet shows (the header is row 1), or for Aiken the
    /// line where the question starts.
    row: usize,
    /// The CSV column at fault (`question`, `a`–`f`, `answer`, `category`), or null.
    #[schema(required = true)]
    column: Option<String>,
    reason: String,
}

/// Sets of error responses, one type per set, for the `responses(...)` of
/// `#[utoipa::path]`: `responses((status = 200, …), errors::Read)`. Each status
/// has one description and the [`ErrorBody`] envelope; an operation that says
/// more about one status lists it after the set, which replaces that entry.
pub mod errors {
    use std::collections::BTreeMap;
    use utoipa::openapi::content::ContentBuilder;
    use utoipa::openapi::response::{Response, ResponseBuilder};
    use utoipa::openapi::{Ref, RefOr};

    type Status = (u16, &'static str);

    const MALFORMED: Status = (
        400,
        "malformed request: not JSON, a bad query string or an unreadable body",
    );
    const UNAUTHORIZED: Status = (401, "not signed in, or the session expired");
    const FORBIDDEN: Status = (
        403,
        "not allowed: the role does not allow it, or a cross-site cookie write",
    );
    const ADMINS_ONLY: Status = (
        403,
        "not allowed: admins only (or a cross-site cookie write)",
    );
    const NOT_FOUND: Status = (404, "not found");
    const CONFLICT: Status = (409, "conflicts with the current state (see `error.code`)");
    const TOO_LARGE: Status = (413, "body too large");
    const UNSUPPORTED: Status = (415, "wrong content type");
    const INVALID: Status = (422, "invalid values (see `error.fields`)");
    const RATE_LIMITED: Status = (429, "rate limited: retry after `Retry-After` seconds");
    const BUSY: Status = (
        503,
        "busy, nothing was done: retry after `Retry-After` seconds",
    );

    /// An error response: `description`, and the error envelope as JSON.
    fn error(description: &str) -> Response {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    }

    fn responses(set: &[Status]) -> BTreeMap<String, RefOr<Response>> {
        set.iter()
            .map(|(status, description)| (status.to_string(), error(description).into()))
            .collect()
    }

    macro_rules! error_set {
        ($($(#[$doc:meta])* $name:ident = [$($status:ident),+];)+) => {$(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    responses(&[$($status),+])
                }
            }
        )+};
    }

    error_set! {
        /// A public read without an id: 400.
        Malformed = [MALFORMED];
        /// A public read of one resource: 400, 404.
        PublicRead = [MALFORMED, NOT_FOUND];
        /// A public write with a JSON body (sign-up, sign-in): 400, 413, 415, 422, 429, 503.
        PublicWrite = [MALFORMED, TOO_LARGE, UNSUPPORTED, INVALID, RATE_LIMITED, BUSY];
        /// A signed-in request on no particular resource: 400, 401, 403.
        SignedIn = [MALFORMED, UNAUTHORIZED, FORBIDDEN];
        /// A signed-in read of one resource: 400, 401, 403, 404.
        Read = [MALFORMED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND];
        /// A signed-in state change without a body (the content type is still
        /// checked on cookie requests): 400, 401, 403, 404, 409, 415.
        Action = [MALFORMED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, UNSUPPORTED];
        /// A signed-in write with a JSON body: 400, 401, 403, 404, 409, 413, 415, 422.
        Write = [MALFORMED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_LARGE, UNSUPPORTED, INVALID];
        /// [`SignedIn`] for admins only.
        Admin = [MALFORMED, UNAUTHORIZED, ADMINS_ONLY];
        /// [`Read`] for admins only.
        AdminRead = [MALFORMED, UNAUTHORIZED, ADMINS_ONLY, NOT_FOUND];
        /// [`Action`] for admins only.
        AdminAction = [MALFORMED, UNAUTHORIZED, ADMINS_ONLY, NOT_FOUND, CONFLICT, UNSUPPORTED];
        /// [`Write`] for admins only.
        AdminWrite = [MALFORMED, UNAUTHORIZED, ADMINS_ONLY, NOT_FOUND, CONFLICT, TOO_LARGE, UNSUPPORTED, INVALID];
        /// Added to a set: a body was read and checked: 400, 413, 415, 422.
        JsonBody = [MALFORMED, TOO_LARGE, UNSUPPORTED, INVALID];
        /// Added to a set: the content type is checked (a cookie write without a body): 415.
        ContentType = [UNSUPPORTED];
        /// Added to a set: query values are checked: 422.
        Invalid = [INVALID];
    }
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
        super::auth::request_code, super::auth::reset_password, super::auth::change_password,
        super::oidc::methods, super::oidc::login, super::oidc::callback, super::oidc::signup,
        super::oidc::complete, super::oidc::link,
        super::play::list, super::play::show, super::play::start, super::play::mine, super::play::resume,
        super::play::autosave, super::play::submit, super::play::review,
        super::manage::create, super::manage::list, super::manage::show, super::manage::edit,
        super::manage::add_questions, super::manage::bank, super::manage::edit_question, super::manage::delete_question, super::manage::import, super::manage::publish,
        super::manage::stats, super::manage::template,
        super::results::compute, super::results::read, super::results::finalize, super::results::unfinalize,
        super::results::disqualify, super::results::audit, super::results::winners, super::results::my_result,
        super::exports::winners_xlsx_file, super::exports::stats_xlsx_file, super::exports::winners_csv, super::exports::leaderboard_csv,
        super::admin::search_users, super::admin::set_role, super::admin::reset_code,
        super::divisions::list, super::divisions::communes,
        super::organisations::create, super::organisations::list_admin, super::organisations::edit,
        super::organisations::set_logo, super::organisations::list, super::organisations::page,
        super::organisations::logo,
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
        (name = "divisions", description = "Vietnam's provinces and communes after the 2025 reform"),
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
