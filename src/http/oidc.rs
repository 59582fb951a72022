//! Sign-in through a citizen app (OpenID Connect): the browser's redirects
//! (`/auth/oidc/login`, `/auth/oidc/callback`), the web app's questions for
//! what the app did not give (`/auth/oidc/signup`), and linking an existing
//! account (`/auth/oidc/link`). `GET /auth/methods` tells the web app
//! whether to offer the button.
//!
//! The two redirect routes answer a browser, not a script: a failure is a
//! short Vietnamese page saying what happened and what to do (try again, or
//! sign in with the phone), never JSON and never a bare 500.

use super::auth::{
    AddressBody, password_phone, session_cookie, sign_in_from, signed_in, wrong_password,
};
use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, cross_site_refusal};
use super::openapi::errors;
use super::{AppState, views};
use crate::app::sign_in::{self, Additions, Failure, Outcome};
use crate::domain::Problems;
use crate::domain::phone::Phone;
use crate::oidc::{Oidc, OidcError};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The browser keeps the sign-in's state here, for the callback to compare.
const STATE_COOKIE: &str = "crane_oidc";
/// And the sign-up being completed here.
const SIGNUP_COOKIE: &str = "crane_oidc_signup";
const COOKIE_PATH: &str = "/api/v1/auth/oidc";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/methods", web::get().to(methods))
        .route("/auth/oidc/login", web::get().to(login))
        .route("/auth/oidc/callback", web::get().to(callback))
        .route("/auth/oidc/signup", web::get().to(signup))
        .route("/auth/oidc/signup", web::post().to(complete))
        .route("/auth/oidc/link", web::post().to(link));
}

/// How one can sign in besides phone and password.
#[derive(Serialize, ToSchema)]
pub struct Methods {
    /// The citizen app, when configured (`auth.oidc`); null otherwise.
    #[schema(required = true)]
    pub oidc: Option<OidcMethod>,
}

#[derive(Serialize, ToSchema)]
pub struct OidcMethod {
    /// For the button: "Đăng nhập bằng <display_name>".
    pub display_name: String,
    /// Where the button leads (add `?next=<path>` to come back there).
    pub login_url: &'static str,
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/methods",
    operation_id = "sign_in_methods",
    tag = "auth",
    responses((status = 200, description = "the ways to sign in", body = Methods)),
)]
async fn methods(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(Methods {
            oidc: state.oidc.as_ref().map(|o| OidcMethod {
                display_name: o.display_name().to_owned(),
                login_url: "/api/v1/auth/oidc/login",
            }),
        })
}

fn flow_cookie(
    state: &AppState,
    req: &HttpRequest,
    name: &'static str,
    value: &str,
    minutes: i64,
) -> Cookie<'static> {
    let secure = state.settings.auth.cookie_secure || req.connection_info().scheme() == "https";
    let mut c = Cookie::build(name, value.to_owned())
        .path(COOKIE_PATH)
        .http_only(true)
        // Lax: sent on the provider's top-level redirect back to us.
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::minutes(minutes))
        .finish();
    if value.is_empty() {
        c.make_removal();
    }
    c
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/oidc/login",
    operation_id = "oidc_login",
    tag = "auth",
    params(("next" = Option<String>, Query, description = "a path inside the web app to return to")),
    responses((status = 303, description = "to the provider's sign-in page (PKCE, state, nonce)"),
        (status = 404, description = "the citizen-app sign-in is not configured (an HTML page)"),
        (status = 503, description = "the provider does not answer (an HTML page)")),
)]
async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LoginQuery>,
) -> HttpResponse {
    let Some(oidc) = state.oidc.as_ref() else {
        return page(None, &Problem::NotConfigured, "/");
    };
    let next = sign_in::next_path(query.next.as_deref());
    match sign_in::begin(state.ctx(), oidc, &next).await {
        Ok((url, st)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, url))
            .cookie(flow_cookie(&state, &req, STATE_COOKIE, &st, 10))
            .finish(),
        Err(e) => {
            tracing::warn!(error = %e, "citizen-app sign-in could not begin");
            page(Some(oidc), &Problem::Provider(e), &next)
        }
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/oidc/callback",
    operation_id = "oidc_callback",
    tag = "auth",
    params(("state" = String, Query, description = "the state sent to the provider"),
        ("code" = String, Query, description = "the authorization code")),
    responses((status = 303, description = "signed in (session cookie) and back to `next`, or to `/login/complete` when the account needs more"),
        (status = 400, description = "no sign-in of this browser waits for this state, or the provider refused the code (an HTML page)"),
        (status = 401, description = "the ID token failed a check (an HTML page)"),
        (status = 403, description = "the person cancelled at the provider, or the phone is a staff account's (an HTML page)"),
        (status = 503, description = "the provider does not answer (an HTML page)")),
)]
async fn callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
) -> ApiResult<HttpResponse> {
    let Some(oidc) = state.oidc.as_ref() else {
        return Ok(page(None, &Problem::NotConfigured, "/"));
    };
    let clear = flow_cookie(&state, &req, STATE_COOKIE, "", 0);
    if let Some(error) = &query.error {
        tracing::info!(error = %error, "the provider sent the person back without signing in");
        let mut res = page(Some(oidc), &Problem::Cancelled, "/");
        res.add_cookie(&clear).ok();
        return Ok(res);
    }
    let kept = req.cookie(STATE_COOKIE);
    let outcome = sign_in::callback(
        state.ctx(),
        oidc,
        query.state.as_deref().unwrap_or(""),
        kept.as_ref().map(|c| c.value()),
        query.code.as_deref().unwrap_or(""),
    )
    .await;
    let mut res = match outcome {
        Ok(Outcome::SignedIn { user, next }) => {
            tracing::info!(user_id = %user.id, "signed in through the citizen app");
            let token = crate::app::accounts::open_session(state.ctx(), user.as_ref()).await?;
            let next = if user.role().is_staff() && next == "/" {
                "/manage".to_owned()
            } else {
                next
            };
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, next))
                .cookie(session_cookie(&state, &req, &token))
                .finish()
        }
        Ok(Outcome::Complete { token, next }) => HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("/login/complete?next={}", encode(&next)),
            ))
            .cookie(flow_cookie(&state, &req, SIGNUP_COOKIE, &token, 30))
            .finish(),
        Err(Failure::App(e)) => return Err(e.into()),
        Err(Failure::State) => page(Some(oidc), &Problem::State, "/"),
        Err(Failure::Staff) => page(Some(oidc), &Problem::Staff, "/"),
        Err(Failure::Provider(e)) => {
            tracing::warn!(error = %e, "citizen-app sign-in refused");
            page(Some(oidc), &Problem::Provider(e), "/")
        }
    };
    res.add_cookie(&clear).ok();
    Ok(res)
}

/// A query value, percent-encoded.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What a failed browser step tells the person.
enum Problem {
    NotConfigured,
    Cancelled,
    State,
    Staff,
    Provider(OidcError),
}

impl Problem {
    fn parts(&self, app: &str) -> (StatusCode, &'static str, String) {
        match self {
            Problem::NotConfigured => (
                StatusCode::NOT_FOUND,
                "oidc_not_configured",
                "Trang này không đăng nhập qua ứng dụng công dân. Hãy đăng nhập bằng số điện thoại."
                    .to_owned(),
            ),
            Problem::Cancelled => (
                StatusCode::FORBIDDEN,
                "oidc_cancelled",
                format!("Bạn chưa đồng ý đăng nhập trong {app}, nên chưa đăng nhập được."),
            ),
            Problem::State => (
                StatusCode::BAD_REQUEST,
                "oidc_state",
                "Lần đăng nhập này đã hết hạn, đã được dùng, hoặc được mở từ một trình duyệt khác. Hãy bắt đầu lại từ nút đăng nhập."
                    .to_owned(),
            ),
            Problem::Staff => (
                StatusCode::FORBIDDEN,
                "oidc_staff",
                sign_in::staff_text().get(crate::domain::Lang::Vi).to_owned(),
            ),
            Problem::Provider(OidcError::Unavailable(_)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "oidc_unavailable",
                format!(
                    "{app} đang không trả lời. Hãy thử lại sau ít phút, hoặc đăng nhập bằng số điện thoại."
                ),
            ),
            Problem::Provider(OidcError::Code(_)) => (
                StatusCode::BAD_REQUEST,
                "oidc_code",
                format!(
                    "{app} không xác nhận lần đăng nhập này (mã đã dùng hoặc đã hết hạn). Hãy bắt đầu lại."
                ),
            ),
            Problem::Provider(OidcError::Token(_)) => (
                StatusCode::UNAUTHORIZED,
                "oidc_token",
                format!(
                    "Không kiểm chứng được thông tin đăng nhập {app} gửi về, nên chưa đăng nhập. Hãy thử lại; nếu vẫn lỗi, hãy đăng nhập bằng số điện thoại."
                ),
            ),
        }
    }
}

/// The error page: a heading, what happened, and two ways on.
fn page(oidc: Option<&Oidc>, problem: &Problem, next: &str) -> HttpResponse {
    let app = oidc.map_or("ứng dụng công dân", Oidc::display_name);
    let (status, code, message) = problem.parts(app);
    let retry = oidc.map(|_| {
        format!(
            r#"<a class="button" href="/api/v1/auth/oidc/login?next={}">Thử lại</a>"#,
            html(&encode(next))
        )
    });
    let body = format!(
        r#"<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="crane-error" content="{code}">
<title>Chưa đăng nhập được</title>
<style>body{{font:1.0625rem/1.5 system-ui,sans-serif;margin:0;padding:1.5rem 1rem;color:#1a1a1a;max-width:34rem}}
h1{{font-size:1.375rem}}a.button{{display:inline-block;padding:.75rem 1.25rem;background:#0b5cad;color:#fff;border-radius:.5rem;text-decoration:none;margin:0 .75rem .75rem 0}}</style>
</head><body><main>
<h1>Chưa đăng nhập được bằng {app}</h1>
<p>{message}</p>
<p>{retry}<a href="/login?next={next}">Đăng nhập bằng số điện thoại</a></p>
</main></body></html>"#,
        app = html(app),
        message = html(&message),
        retry = retry.unwrap_or_default(),
        next = html(&encode(next)),
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A sign-up in progress, for the web app's questions.
#[derive(Serialize, ToSchema)]
pub struct SignupView {
    pub display_name: String,
    /// The name the citizen app gave, if it is one an account takes.
    #[schema(required = true)]
    pub full_name: Option<String>,
    /// The phone the citizen app gave (verified or not).
    #[schema(required = true)]
    pub phone: Option<String>,
    /// Only a verified phone is taken; an unverified one must be proved by SMS.
    pub phone_verified: bool,
    /// The address found from the claims; `hamlet` may be empty.
    #[schema(required = true)]
    pub address: Option<views::AddressView>,
    /// What the person must add: `full_name`, `phone`, `address`.
    pub needs: Vec<&'static str>,
}

fn signup_token(req: &HttpRequest) -> ApiResult<String> {
    req.cookie(SIGNUP_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(ApiError::NotFound("oidc_signup"))
}

#[utoipa::path(
    get,
    path = "/api/v1/auth/oidc/signup",
    operation_id = "oidc_signup",
    tag = "auth",
    responses((status = 200, description = "what the citizen app gave and what is still needed", body = SignupView),
        (status = 404, description = "no sign-up is in progress in this browser, or it is older than 30 minutes", body = super::openapi::ErrorBody)),
)]
async fn signup(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let oidc = state
        .oidc
        .as_ref()
        .ok_or(ApiError::NotFound("oidc_signup"))?;
    let token = signup_token(&req)?;
    let s = sign_in::signup(state.ctx(), &token).await?;
    Ok(HttpResponse::Ok().json(SignupView {
        display_name: oidc.display_name().to_owned(),
        full_name: s
            .profile
            .full_name
            .as_ref()
            .map(|n| n.as_str().to_owned())
            .or(s.claims.name.clone()),
        // As accounts store it (0912…) when it is a mobile number at all.
        phone: s
            .claims
            .phone_number
            .as_deref()
            .map(|p| Phone::parse(p).map_or_else(|_| p.to_owned(), |p| p.as_str().to_owned())),
        phone_verified: s.profile.phone.is_some(),
        address: s
            .profile
            .address_hint
            .as_ref()
            .map(views::AddressView::from),
        needs: s.profile.needs().into_iter().map(|n| n.as_str()).collect(),
    }))
}

/// What the person adds: only what `needs` lists.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteBody {
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// The code sent by SMS (`POST /auth/otp`, purpose `register`) when a
    /// phone is added.
    #[serde(default)]
    pub otp: Option<String>,
    #[serde(default)]
    pub address: Option<AddressBody>,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/oidc/signup",
    operation_id = "oidc_complete",
    tag = "auth",
    request_body = CompleteBody,
    responses((status = 201, description = "the account is made, linked to the citizen app, and signed in", body = views::SignedIn),
        errors::PublicWrite,
        (status = 404, description = "no sign-up in progress", body = super::openapi::ErrorBody),
        (status = 409, description = "the phone already has an account (`already_registered`): link it with its password instead", body = super::openapi::ErrorBody)),
)]
async fn complete(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<CompleteBody>,
) -> ApiResult<HttpResponse> {
    if let Some(refused) = cross_site_refusal(&req) {
        return Err(refused);
    }
    let token = signup_token(&req)?;
    let body = body.into_inner().await?;
    let mut problems = Problems::default();
    let address = body.address.as_ref().and_then(|a| a.parse(&mut problems));
    let additions = Additions {
        full_name: body.full_name,
        phone: body.phone,
        otp: body.otp,
        address,
    };
    let rules = state.settings.auth.otp_rules();
    let user = sign_in::complete(state.ctx(), &rules, &token, additions, problems).await?;
    tracing::info!(user_id = %user.id, "registered through the citizen app");
    signed_in_from_signup(&state, &req, user, StatusCode::CREATED).await
}

/// An existing account's phone and password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    pub phone: String,
    pub password: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/auth/oidc/link",
    operation_id = "oidc_link",
    tag = "auth",
    request_body = LinkBody,
    responses((status = 200, description = "the citizen app now signs in to this account; signed in", body = views::SignedIn),
        errors::PublicWrite,
        (status = 401, description = "wrong phone or password (`invalid_credentials`)", body = super::openapi::ErrorBody),
        (status = 403, description = "a staff account: staff sign in with their password only", body = super::openapi::ErrorBody),
        (status = 404, description = "no sign-up in progress", body = super::openapi::ErrorBody)),
)]
async fn link(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ApiJson<LinkBody>,
) -> ApiResult<HttpResponse> {
    if let Some(refused) = cross_site_refusal(&req) {
        return Err(refused);
    }
    let token = signup_token(&req)?;
    sign_in_from(&state, &req)?;
    let body = body.into_inner().await?;
    let (phone, key) = password_phone(&state, &body.phone)?;
    let linked = sign_in::link_with_password(
        state.ctx(),
        &state.hasher,
        &token,
        phone.as_ref(),
        &body.password,
    )
    .await?;
    let Some(user) = linked else {
        return Err(wrong_password(&state, &key));
    };
    signed_in_from_signup(&state, &req, user, StatusCode::OK).await
}

/// Signed in like a password sign-in; the sign-up's cookie is cleared.
async fn signed_in_from_signup(
    state: &AppState,
    req: &HttpRequest,
    user: crate::store::users::User,
    status: StatusCode,
) -> ApiResult<HttpResponse> {
    let mut res = signed_in(state, req, user, status).await?;
    res.add_cookie(&flow_cookie(state, req, SIGNUP_COOKIE, "", 0))
        .ok();
    Ok(res)
}
