//! Register, sign in, sign out, who am I.

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth, SESSION_COOKIE};
use super::limits::client_ip;
use super::openapi::{ErrorBody, errors};
use super::schema;
use super::{AppState, views};
use crate::app::accounts;
use crate::domain::Problems;
use crate::domain::Text;
use crate::domain::account::{Address, DateOfBirth, FullName, NationalId, Registration, Role};
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::hashing::HashError;
use crate::store::users::User;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route("/me", web::get().to(me));
}

/// A postal address as the prize list prints it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    #[schema(schema_with = schema::province)]
    pub province: String,
    #[serde(default)]
    #[schema(schema_with = schema::district)]
    pub district: Option<String>,
    #[schema(schema_with = schema::commune)]
    pub commune: String,
    #[schema(schema_with = schema::hamlet)]
    pub hamlet: String,
}

/// A new participant. Every field is checked and every problem reported at
/// once (422 with `fields`); a phone or national ID already registered is 409.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    #[schema(schema_with = schema::phone)]
    pub phone: String,
    #[schema(schema_with = schema::password)]
    pub password: String,
    #[schema(schema_with = schema::full_name)]
    pub full_name: String,
    pub address: AddressBody,
    #[serde(default)]
    #[schema(schema_with = schema::national_id)]
    pub national_id: Option<String>,
    #[serde(default)]
    #[schema(schema_with = date_of_birth_schema)]
    pub date_of_birth: Option<String>,
}

/// The date of birth as of the system clock; the served document states the
/// server clock's today instead (see `openapi::document`).
fn date_of_birth_schema() -> utoipa::openapi::schema::ObjectBuilder {
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive();
    schema::date_of_birth(today)
}

/// Any phone spelling and password: a wrong pair, or a phone that is not a
/// mobile number, is 401 `invalid_credentials`, never a validation error.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub phone: String,
    pub password: String,
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => ApiError::Busy { retry_after: 2 },
            HashError::Failed(msg) => ApiError::Internal(anyhow::anyhow!(msg)),
        }
    }
}

/// Validates a registration, reporting every bad field at once.
pub fn parse_registration(
    body: &RegisterBody,
    today: chrono::NaiveDate,
) -> Result<Registration, ApiError> {
    let mut p = Problems::default();
    let phone = p.take(Phone::parse(&body.phone));
    let password = p.take(Password::parse(&body.password));
    let full_name = p.take(FullName::parse(&body.full_name));
    let a = &body.address;
    let address = Address::parse(
        &a.province,
        a.district.as_deref(),
        &a.commune,
        &a.hamlet,
        &mut p,
    );
    let national_id = match body
        .national_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(n) => p.take(NationalId::parse(n)).map(Some),
        None => Some(None),
    };
    let date_of_birth = match body
        .date_of_birth
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(d) => p.take(DateOfBirth::parse(d, today)).map(Some),
        None => Some(None),
    };
    match (
        phone,
        password,
        full_name,
        address,
        national_id,
        date_of_birth,
    ) {
        (
            Some(phone),
            Some(password),
            Some(full_name),
            Some(address),
            Some(national_id),
            Some(date_of_birth),
        ) if p.is_empty() => Ok(Registration {
            phone,
            password,
            full_name,
            address,
            national_id,
            date_of_birth,
        }),
        _ => Err(ApiError::Validation(p.0)),
    }
}

/// Today in Vietnam by the server's clock.
pub fn today(state: &AppState) -> chrono::NaiveDate {
    chrono::DateTime::from_timestamp_millis(state.clock.now())
        .map(|t| t.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh).date_naive())
        .unwrap_or_default()
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when configured or over TLS.
fn session_cookie(state: &AppState, req: &HttpRequest, token: &str) -> Cookie<'static> {
    let secure = state.settings.auth.cookie_secure || req.connection_info().scheme() == "https";
    Cookie::build(SESSION_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::hours(
            state.settings.auth.session_absolute_hours,
        ))
        .finish()
}

async fn signed_in(
    state: &AppState,
    req: &HttpRequest,
    user: User,
    status: actix_web::http::StatusCode,
) -> ApiResult<HttpResponse> {
    let token = accounts::open_session(state.ctx(), &user).await?;
    Ok(HttpResponse::build(status)
        .cookie(session_cookie(state, req, &token))
        .json(views::SignedIn {
            token,
            user: views::UserView::from(&user),
        }))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    operation_id = "register",
    tag = "auth",
    request_body = RegisterBody,
    responses((status = 201, description = "registered and signed in", body = views::SignedIn),
        errors::PublicWrite,
        (status = 409, description = "the phone or national ID is already registered (`error.fields` names it)", body = ErrorBody)),
)]
async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<RegisterBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner().await?;
    let reg = parse_registration(&body, today(&state))?;
    let ip = client_ip(&req, &state.trusted_proxies);
    state
        .limits
        .registration(ip)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let user = accounts::register(state.ctx(), &state.hasher, &reg, Role::Participant).await?;
    tracing::info!(user_id = %user.id, "registered");
    signed_in(&state, &req, user, actix_web::http::StatusCode::CREATED).await
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "auth",
    request_body = LoginBody,
    responses((status = 200, description = "signed in", body = views::SignedIn),
        errors::PublicWrite,
        (status = 401, description = "wrong phone or password (`invalid_credentials`)", body = ErrorBody)),
)]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LoginBody>,
) -> ApiResult<HttpResponse> {
    let ip = client_ip(&req, &state.trusted_proxies);
    state
        .limits
        .login_from(ip)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let body = body.into_inner().await?;
    let phone = Phone::parse(&body.phone).ok();
    let key = phone
        .as_ref()
        .map_or_else(|| body.phone.trim().to_owned(), |p| p.as_str().to_owned());
    state
        .limits
        .phone_locked(&key)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let user =
        accounts::authenticate(state.ctx(), &state.hasher, phone.as_ref(), &body.password).await?;
    match user {
        Some(user) => signed_in(&state, &req, user, actix_web::http::StatusCode::OK).await,
        _ => {
            state.limits.login_failed(&key);
            Err(ApiError::InvalidCredentials(Text::new(
                "Số điện thoại hoặc mật khẩu không đúng",
                "wrong phone or password",
            )))
        }
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "auth",
    responses((status = 204, description = "signed out"), errors::SignedIn, errors::ContentType),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn logout(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    accounts::close_session(state.ctx(), &auth.token).await?;
    let mut gone = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "me",
    tag = "auth",
    responses((status = 200, description = "the signed-in account", body = views::UserEnvelope), errors::SignedIn),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn me(auth: Auth) -> HttpResponse {
    HttpResponse::Ok().json(views::UserEnvelope::new(&auth.user))
}
