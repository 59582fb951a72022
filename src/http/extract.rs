//! Extractors: JSON bodies with the API's error envelope, and the signed-in user
//! (Bearer token or session cookie, with cross-site protection for cookies).

use super::AppState;
use super::error::ApiError;
use crate::domain::Text;
use crate::domain::account::Role;
use crate::domain::ids::UserId;
use crate::store::{sessions, users::User};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

pub const SESSION_COOKIE: &str = "crane_session";

/// Reads a body of at most `limit` bytes; 413 beyond it.
pub async fn read_body<S, E>(payload: &mut S, limit: usize) -> Result<web::Bytes, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
{
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|_| ApiError::bad_request("bad_body", "the request body could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The media type of the request, lower-cased, without parameters.
pub fn media_type(req: &HttpRequest) -> Option<String> {
    let ct = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Parses JSON, naming the field of a type error: 400 when the text is not
/// JSON, 422 when it is JSON of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body of this API is an object; serde would also read a struct from a
    // positional array, which no client means to send. Such a body's text is
    // judged first — malformed, or nested deeper than the parser goes, is 400
    // (`IgnoredAny` would not notice the depth) — then its shape, 422.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|b| *b != b'{') {
        return Err(match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(_) => ApiError::field("body", "invalid_type", "the body must be a JSON object"),
            Err(e) => {
                ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
            }
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize::<_, T>(&mut *de);
    // Anything after the object but whitespace is malformed too.
    if parsed.is_ok()
        && let Err(e) = de.end()
    {
        return Err(ApiError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        ));
    }
    match parsed {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let field = if path == "." { "body".to_owned() } else { path };
                    Err(ApiError::field(&field, "invalid_type", inner.to_string()))
                }
                _ => Err(ApiError::bad_request(
                    "malformed_json",
                    format!("the body is not valid JSON: {inner}"),
                )),
            }
        }
    }
}

/// A JSON body: `application/json` only (415 otherwise), at most
/// `limits.max_json_bytes` (413) — or `MIN_LIMIT` bytes when that is more, for
/// a body whose own rules need more room —, malformed → 400, wrong shape → 422.
///
/// The body is read only when the handler asks for it, with
/// [`ApiJson::into_inner`], after its access checks: so the order is always
/// 401 → 403 → 404 → body errors, and no body is buffered for a caller who may
/// not send it.
pub struct ApiJson<T, const MIN_LIMIT: usize = 0> {
    req: HttpRequest,
    payload: Payload,
    body: PhantomData<T>,
}

impl<T: DeserializeOwned, const MIN_LIMIT: usize> ApiJson<T, MIN_LIMIT> {
    pub async fn into_inner(self) -> Result<T, ApiError> {
        read_json(self.req, self.payload, MIN_LIMIT).await
    }
}

impl<T, const MIN_LIMIT: usize> FromRequest for ApiJson<T, MIN_LIMIT> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        std::future::ready(Ok(ApiJson {
            req: req.clone(),
            payload: payload.take(),
            body: PhantomData,
        }))
    }
}

async fn read_json<T: DeserializeOwned>(
    req: HttpRequest,
    mut payload: Payload,
    min_limit: usize,
) -> Result<T, ApiError> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map_or(65_536, |s| s.settings.limits.max_json_bytes)
        .max(min_limit);
    let mt = media_type(&req);
    if !matches!(mt.as_deref(), Some(m) if m == "application/json" || m.ends_with("+json")) {
        return Err(ApiError::UnsupportedMediaType(
            "send the body as application/json".into(),
        ));
    }
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        && len > limit
    {
        return Err(ApiError::PayloadTooLarge);
    }
    let body = read_body(&mut payload, limit).await?;
    parse_json(&body)
}

/// The signed-in user and how they proved it.
#[derive(Clone, Debug)]
pub struct Auth {
    pub user: User,
    /// The user's id, parsed once.
    id: UserId,
    pub token: String,
    pub via_cookie: bool,
}

impl Auth {
    pub fn user_id(&self) -> UserId {
        self.id
    }

    pub fn role(&self) -> Role {
        self.user.role()
    }

    pub fn require_staff(&self) -> Result<(), ApiError> {
        if self.role().is_staff() {
            Ok(())
        } else {
            Err(ApiError::forbidden(Text::new(
                "Chỉ ban tổ chức",
                "organisers only",
            )))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role() == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(Text::new(
                "Chỉ quản trị viên",
                "admins only",
            )))
        }
    }
}

/// The token from `Authorization: Bearer …`, else from the session cookie.
pub fn token_from(req: &HttpRequest) -> Option<(String, bool)> {
    if let Some(h) = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
    {
        let mut parts = h.trim().splitn(2, ' ');
        if parts
            .next()
            .is_some_and(|s| s.eq_ignore_ascii_case("bearer"))
        {
            return parts.next().map(|t| (t.trim().to_owned(), false));
        }
        return None;
    }
    req.cookie(SESSION_COOKIE)
        .map(|c| (c.value().to_owned(), true))
}

/// Cookies ride along on cross-site requests, so a cookie-authenticated write
/// must come from our own pages: not `Sec-Fetch-Site: cross-site`/`same-site`,
/// an `Origin` (when sent) equal to our host, and a JSON or CSV body type
/// (which plain HTML forms cannot send).
pub fn cross_site_refusal(req: &HttpRequest) -> Option<ApiError> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    let headers = req.headers();
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    if matches!(
        fetch_site.as_deref(),
        Some("cross-site") | Some("same-site")
    ) {
        return Some(ApiError::forbidden("cross-site request refused"));
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = req.connection_info().host().to_owned();
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin == "null" || !origin_host.eq_ignore_ascii_case(&host) {
            return Some(ApiError::forbidden("request from a foreign origin refused"));
        }
    }
    let mt = media_type(req);
    let allowed = match mt.as_deref() {
        Some("application/json") | Some("text/csv") => true,
        // Aiken imports are plain text, logos images: only from our own
        // pages. (An HTML form cannot send an image type, and a cross-site
        // fetch with one needs a CORS preflight this server never grants.)
        Some("text/plain") => fetch_site.as_deref() == Some("same-origin"),
        Some(m) if m.starts_with("image/") => fetch_site.as_deref() == Some("same-origin"),
        _ => false,
    };
    if !allowed {
        return Some(ApiError::UnsupportedMediaType(
            "cookie-authenticated writes must send application/json".into(),
        ));
    }
    None
}

impl FromRequest for Auth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
            let (token, via_cookie) = token_from(&req).ok_or(ApiError::Unauthorized)?;
            let auth = &state.settings.auth;
            let user = sessions::lookup(
                &state.db,
                &token,
                state.clock.now(),
                auth.session_idle_minutes * 60_000,
                auth.session_absolute_hours * 3_600_000,
            )
            .await?
            .ok_or(ApiError::Unauthorized)?;
            // Only a live session can be abused cross-site; a dead one is just 401.
            if via_cookie && let Some(refusal) = cross_site_refusal(&req) {
                return Err(refusal);
            }
            let id = user.user_id().ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("session of a user with a malformed id"))
            })?;
            Ok(Auth {
                user,
                id,
                token,
                via_cookie,
            })
        })
    }
}

/// The signed-in user when there is one; anonymous otherwise.
pub struct MaybeAuth(pub Option<Auth>);

impl FromRequest for MaybeAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let fut = Auth::from_request(req, payload);
        Box::pin(async move {
            match fut.await {
                Ok(a) => Ok(MaybeAuth(Some(a))),
                Err(ApiError::Unauthorized) => Ok(MaybeAuth(None)),
                Err(e) => Err(e),
            }
        })
    }
}
