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
use crate::domain::otp::{Code, Purpose};
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
        .route("/auth/otp", web::post().to(request_code))
        .route("/auth/reset", web::post().to(reset_password))
        .route("/me/password", web::put().to(change_password))
        .route("/me", web::get().to(me));
}

/// A postal address as the prize list prints it. Either picked from the
/// divisions (`province_code` and `commune_code`: the names are the official
/// ones) or written as text (`province`, `commune`, and `district` for an
/// address from before the 2025 reform): text that names one of today's
/// communes gets its codes; other text is kept as written, as a legacy
/// address. `legacy: true` keeps text as written without looking it up.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressBody {
    #[serde(default)]
    #[schema(schema_with = schema::province_code)]
    pub province_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::commune_code)]
    pub commune_code: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::province)]
    pub province: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::district)]
    pub district: Option<String>,
    #[serde(default)]
    #[schema(schema_with = schema::commune)]
    pub commune: Option<String>,
    #[schema(schema_with = schema::hamlet)]
    pub hamlet: String,
    /// Keep the text as written (an address from before the reform).
    #[serde(default)]
    pub legacy: bool,
}

impl AddressBody {
    /// The address, or its problems added to `p`.
    pub fn parse(&self, p: &mut Problems) -> Option<Address> {
        if self.province_code.is_some() || self.commune_code.is_some() {
            return Address::from_codes(
                self.province_code.as_deref().unwrap_or(""),
                self.commune_code.as_deref().unwrap_or(""),
                &self.hamlet,
                p,
            );
        }
        let text = Address::parse(
            self.province.as_deref().unwrap_or(""),
            self.district.as_deref(),
            self.commune.as_deref().unwrap_or(""),
            &self.hamlet,
            p,
        )?;
        Some(if self.legacy { text } else { text.resolved() })
    }
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
    /// The code sent by SMS (`POST /auth/otp`, purpose `register`); required
    /// when the service verifies phones (`auth.verify_phone`, the default).
    #[serde(default)]
    #[schema(schema_with = schema::otp)]
    pub otp: Option<String>,
}

/// `POST /auth/otp`: send a one-time code to a phone.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequestBody {
    #[schema(schema_with = schema::phone)]
    pub phone: String,
    #[schema(schema_with = schema::otp_purpose)]
    pub purpose: String,
}

/// `POST /auth/reset`: a new password with a reset code.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    #[schema(schema_with = schema::phone)]
    pub phone: String,
    #[schema(schema_with = schema::otp)]
    pub otp: String,
    #[schema(schema_with = schema::password)]
    pub new_password: String,
}

/// `PUT /me/password`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeBody {
    pub current_password: String,
    #[schema(schema_with = schema::password)]
    pub new_password: String,
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

/// Validates a registration, reporting every bad field at once; with
/// `need_code`, the one-time code too.
pub fn parse_registration(
    body: &RegisterBody,
    today: chrono::NaiveDate,
    need_code: bool,
) -> Result<(Registration, Option<Code>), ApiError> {
    let mut p = Problems::default();
    let phone = p.take(Phone::parse(&body.phone));
    let password = p.take(Password::parse(&body.password));
    let full_name = p.take(FullName::parse(&body.full_name));
    let address = body.address.parse(&mut p);
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
    let code = match (need_code, body.otp.as_deref()) {
        (false, _) => Some(None),
        (true, Some(c)) => p.take(Code::parse(c)).map(Some),
        (true, None) => {
            p.push(
                "otp",
                "required",
                Text::new(
                    "Cần mã xác thực gửi qua tin nhắn đến số điện thoại này",
                    "the code sent by SMS to this phone is required",
                ),
            );
            None
        }
    };
    match (
        phone,
        password,
        full_name,
        address,
        national_id,
        date_of_birth,
        code,
    ) {
        (
            Some(phone),
            Some(password),
            Some(full_name),
            Some(address),
            Some(national_id),
            Some(date_of_birth),
            Some(code),
        ) if p.is_empty() => Ok((
            Registration {
                phone,
                password,
                full_name,
                address,
                national_id,
                date_of_birth,
            },
            code,
        )),
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
pub(super) fn session_cookie(state: &AppState, req: &HttpRequest, token: &str) -> Cookie<'static> {
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

pub(super) async fn signed_in(
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
    let (reg, code) = parse_registration(&body, today(&state), state.settings.auth.verify_phone)?;
    let ip = client_ip(&req, &state.trusted_proxies);
    state
        .limits
        .registration(ip)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let rules = state.settings.auth.otp_rules();
    let proof = match &code {
        Some(c) => {
            Some(accounts::check_code(state.ctx(), &rules, &reg.phone, Purpose::Register, c).await?)
        }
        None => None,
    };
    let user = accounts::register(
        state.ctx(),
        &state.hasher,
        &reg,
        Role::Participant,
        proof.as_ref(),
    )
    .await?;
    tracing::info!(user_id = %user.id, "registered");
    signed_in(&state, &req, user, actix_web::http::StatusCode::CREATED).await
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/otp",
    operation_id = "request_code",
    tag = "auth",
    request_body = CodeRequestBody,
    responses((status = 202, description = "accepted, whether or not the phone has an account: a code is sent by SMS when it can serve (`register`: no account yet; `reset`: an account)", body = views::CodeRequested),
        errors::PublicWrite,
        (status = 503, description = "the SMS gateway is down (`sms_unavailable`, with Retry-After); nothing was counted", body = ErrorBody)),
)]
async fn request_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<CodeRequestBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner().await?;
    let mut p = Problems::default();
    let phone = p.take(Phone::parse(&body.phone));
    let purpose = p.take(Purpose::parse(&body.purpose));
    let (Some(phone), Some(purpose)) = (phone, purpose) else {
        return Err(ApiError::Validation(p.0));
    };
    let ip = client_ip(&req, &state.trusted_proxies);
    state
        .limits
        .code_request(ip)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let rules = state.settings.auth.otp_rules();
    accounts::request_code(state.ctx(), &state.sms, &rules, &phone, purpose).await?;
    Ok(HttpResponse::Accepted().json(views::CodeRequested {
        expires_in: rules.ttl_ms / 1_000,
        resend_after: rules.resend_ms / 1_000,
        max_checks: rules.max_checks,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/reset",
    operation_id = "reset_password",
    tag = "auth",
    request_body = ResetBody,
    responses((status = 204, description = "the password is changed and every session of the account ended"),
        errors::PublicWrite),
)]
async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<ResetBody>,
) -> ApiResult<HttpResponse> {
    let ip = client_ip(&req, &state.trusted_proxies);
    state
        .limits
        .login_from(ip)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let body = body.into_inner().await?;
    let mut p = Problems::default();
    let phone = p.take(Phone::parse(&body.phone));
    let code = p.take(Code::parse(&body.otp));
    let password =
        p.take(Password::parse(&body.new_password).map_err(|e| e.renamed("new_password")));
    let (Some(phone), Some(code), Some(password)) = (phone, code, password) else {
        return Err(ApiError::Validation(p.0));
    };
    let rules = state.settings.auth.otp_rules();
    accounts::reset_password(state.ctx(), &state.hasher, &rules, &phone, &code, &password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    put,
    path = "/api/v1/me/password",
    operation_id = "change_password",
    tag = "auth",
    request_body = PasswordChangeBody,
    responses((status = 204, description = "changed; every other session of the account is ended"),
        errors::SignedIn, errors::JsonBody,
        (status = 429, description = "too many wrong current passwords for this phone (`rate_limited`)", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn change_password(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<PasswordChangeBody>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner().await?;
    let password = Password::parse(&body.new_password).map_err(|e| e.renamed("new_password"))?;
    let key = auth.user.phone.clone();
    state
        .limits
        .phone_locked(&key)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    let changed = accounts::change_password(
        state.ctx(),
        &state.hasher,
        &auth.user,
        &body.current_password,
        &password,
        &auth.token,
    )
    .await;
    if let Err(crate::app::AppError::Invalid(_)) = &changed {
        // A wrong current password counts as a failed sign-in for the phone.
        state.limits.login_failed(&key);
    }
    changed?;
    Ok(HttpResponse::NoContent().finish())
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
    sign_in_from(&state, &req)?;
    let body = body.into_inner().await?;
    let (phone, key) = password_phone(&state, &body.phone)?;
    let user =
        accounts::authenticate(state.ctx(), &state.hasher, phone.as_ref(), &body.password).await?;
    match user {
        Some(user) => signed_in(&state, &req, user, actix_web::http::StatusCode::OK).await,
        _ => Err(wrong_password(&state, &key)),
    }
}

/// A sign-in with a password is counted against the client's allowance.
pub(super) fn sign_in_from(state: &AppState, req: &HttpRequest) -> ApiResult<()> {
    let ip = client_ip(req, &state.trusted_proxies);
    state
        .limits
        .login_from(ip)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })
}

/// The phone of a password sign-in (none when what was typed is not a
/// phone) and the key its failures count under; refused while that key is
/// locked after too many wrong passwords.
pub(super) fn password_phone(state: &AppState, typed: &str) -> ApiResult<(Option<Phone>, String)> {
    let phone = Phone::parse(typed).ok();
    let key = phone
        .as_ref()
        .map_or_else(|| typed.trim().to_owned(), |p| p.as_str().to_owned());
    state
        .limits
        .phone_locked(&key)
        .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    Ok((phone, key))
}

/// A wrong phone and password: counted against the key, told as one answer
/// whichever of the two was wrong.
pub(super) fn wrong_password(state: &AppState, key: &str) -> ApiError {
    state.limits.login_failed(key);
    ApiError::InvalidCredentials(Text::new(
        "Số điện thoại hoặc mật khẩu không đúng",
        "wrong phone or password",
    ))
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
