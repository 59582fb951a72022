//! The one API error type. Each variant carries its status and a stable `code`;
//! internal errors are logged with their whole chain and answered generically.

use crate::app::AppError;
use crate::domain::{FieldError, Lang, Text};
use crate::store::StoreError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

/// An API error: its status, its stable `code`, and a message in the
/// language of the request (see [`lang`]).
#[derive(Debug)]
pub enum ApiError {
    BadRequest {
        code: &'static str,
        message: Text,
    },
    Unauthorized,
    InvalidCredentials(Text),
    Forbidden(Text),
    NotFound(&'static str),
    Conflict {
        code: &'static str,
        message: Text,
        field: Option<String>,
    },
    MethodNotAllowed(String),
    PayloadTooLarge,
    UnsupportedMediaType(Text),
    Validation(Vec<FieldError>),
    Unprocessable {
        code: &'static str,
        message: Text,
        details: Option<Value>,
    },
    RateLimited {
        retry_after: u64,
    },
    Busy {
        retry_after: u64,
    },
    /// A dependency (the SMS gateway) cannot serve now: 503 with its own code.
    Unavailable {
        code: &'static str,
        message: Text,
        retry_after: u64,
    },
    Internal(anyhow::Error),
}

tokio::task_local! {
    /// The language of the request being answered.
    static LANG: Lang;
}

/// The language of the request being answered: set for each request by
/// [`with_lang`], Vietnamese outside one.
pub fn lang() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

/// Runs `fut` (the rest of a request) answering in `lang`.
pub async fn with_lang<F: std::future::Future>(lang: Lang, fut: F) -> F::Output {
    LANG.scope(lang, fut).await
}

/// The language a client asked for: the `vi` or `en` range it weights
/// highest in `Accept-Language` (the first on a tie); Vietnamese when it names
/// neither.
pub fn parse_accept_language(header: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "vi" => Lang::Vi,
            "en" => Lang::En,
            _ => continue,
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Vi, |(_, l)| l)
}

/// What each kind of missing thing is called in Vietnamese.
fn thing_vi(what: &str) -> &'static str {
    match what {
        "contest" => "cuộc thi",
        "attempt" => "bài thi",
        "user" => "tài khoản",
        "results" => "kết quả",
        "question" => "câu hỏi",
        "province" => "tỉnh, thành phố",
        "organisation" => "đơn vị",
        "oidc_signup" => {
            "lần đăng nhập bằng ứng dụng công dân đang chờ hoàn tất (quá 30 phút thì phải đăng nhập lại)"
        }
        _ => "nội dung này",
    }
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<Text>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<Text>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn forbidden(message: impl Into<Text>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn field(field: &str, code: &'static str, message: impl Into<Text>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest { code, .. } => code,
            ApiError::Unauthorized => "unauthorized",
            ApiError::InvalidCredentials(_) => "invalid_credentials",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict { code, .. } => code,
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::Unprocessable { code, .. } => code,
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Busy { .. } => "server_busy",
            ApiError::Unavailable { code, .. } => code,
            ApiError::Internal(_) => "internal_error",
        }
    }

    /// The message, in both languages.
    pub fn text(&self) -> Text {
        match self {
            ApiError::BadRequest { message, .. }
            | ApiError::InvalidCredentials(message)
            | ApiError::Forbidden(message)
            | ApiError::Conflict { message, .. }
            | ApiError::UnsupportedMediaType(message)
            | ApiError::Unprocessable { message, .. }
            | ApiError::Unavailable { message, .. } => message.clone(),
            ApiError::Unauthorized => Text::new("Bạn cần đăng nhập", "sign in first"),
            ApiError::NotFound(what) => Text::new(
                format!("Không tìm thấy {}", thing_vi(what)),
                format!("{what} not found"),
            ),
            ApiError::MethodNotAllowed(allow) => Text::new(
                format!("Đường dẫn này không nhận phương thức đó (chỉ nhận: {allow})"),
                format!("this route does not take that method (allowed: {allow})"),
            ),
            ApiError::PayloadTooLarge => {
                Text::new("Dữ liệu gửi lên quá lớn", "request body too large")
            }
            ApiError::Validation(errs) => {
                let first = |l: Lang| {
                    errs.first()
                        .map(|e| format!(" ({}: {})", e.field, e.message.get(l)))
                        .unwrap_or_default()
                };
                Text::new(
                    format!("Dữ liệu không hợp lệ{}", first(Lang::Vi)),
                    format!("invalid values{}", first(Lang::En)),
                )
            }
            ApiError::RateLimited { retry_after } => Text::new(
                format!("Quá nhiều yêu cầu, hãy thử lại sau {retry_after} giây"),
                format!("too many requests, try again in {retry_after} s"),
            ),
            ApiError::Busy { retry_after } => Text::new(
                format!("Máy chủ đang bận, hãy thử lại sau {retry_after} giây"),
                format!("the server is busy, try again in {retry_after} s"),
            ),
            ApiError::Internal(_) => Text::new("Đã có lỗi ở máy chủ", "internal server error"),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text().get(Lang::En))
    }
}

impl std::error::Error for ApiError {}

/// Store errors become 500, except an overloaded database, which is answered
/// 503 with Retry-After (and logged as a warning, not an error).
/// The one place use-case errors become API errors.
impl From<AppError> for ApiError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(what) => ApiError::NotFound(what),
            AppError::Forbidden(message) => ApiError::Forbidden(message),
            AppError::Conflict {
                code,
                message,
                field,
            } => ApiError::Conflict {
                code,
                message,
                field,
            },
            AppError::Invalid(errs) => ApiError::Validation(errs),
            AppError::HashingBusy => ApiError::Busy { retry_after: 2 },
            AppError::TooSoon { retry_after } => ApiError::RateLimited { retry_after },
            AppError::SmsUnavailable { retry_after } => ApiError::Unavailable {
                code: "sms_unavailable",
                message: Text::new(
                    format!("Chưa gửi được tin nhắn, hãy thử lại sau {retry_after} giây"),
                    format!("text messages cannot be sent now, try again in {retry_after} s"),
                ),
                retry_after,
            },
            AppError::Code(r) => code_rejected(r),
            AppError::Store(e) => e.into(),
        }
    }
}

/// A one-time code that was not accepted: 422 with a code saying what to do,
/// and for a wrong code, `details.tries_left`.
fn code_rejected(r: crate::domain::otp::Rejection) -> ApiError {
    use crate::domain::otp::Rejection;
    let (code, message, details) = match r {
        Rejection::Wrong { tries_left } => (
            "otp_wrong",
            Text::new(
                format!("Mã xác thực không đúng, còn {tries_left} lần thử"),
                format!("wrong code, {tries_left} tries left"),
            ),
            Some(json!({"field": "otp", "tries_left": tries_left})),
        ),
        Rejection::Expired => (
            "otp_expired",
            Text::new(
                "Mã xác thực đã hết hạn, hãy yêu cầu mã mới",
                "the code has expired, ask for a new one",
            ),
            Some(json!({"field": "otp", "tries_left": 0})),
        ),
        Rejection::Exhausted => (
            "otp_exhausted",
            Text::new(
                "Đã nhập sai quá số lần cho phép, hãy yêu cầu mã mới",
                "too many wrong tries, ask for a new code",
            ),
            Some(json!({"field": "otp", "tries_left": 0})),
        ),
        Rejection::Missing => (
            "otp_missing",
            Text::new(
                "Số này chưa có mã xác thực còn hiệu lực, hãy yêu cầu mã mới",
                "no valid code for this phone, ask for a new one",
            ),
            Some(json!({"field": "otp", "tries_left": 0})),
        ),
    };
    ApiError::Unprocessable {
        code,
        message,
        details,
    }
}

/// The one place store errors become API errors.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Duplicate(field) => ApiError::Conflict {
                code: "duplicate",
                message: Text::new(
                    format!("Đã có {} này", field_vi(field)),
                    format!("this {} is already taken", field.replace('_', " ")),
                ),
                field: Some(field.to_owned()),
            },
            StoreError::Overloaded(e) => {
                tracing::warn!(error = %format!("{e:#}"), "database overloaded; answered 503");
                ApiError::Busy { retry_after: 1 }
            }
            StoreError::Other(e) => ApiError::Internal(e),
        }
    }
}

fn field_vi(field: &str) -> &'static str {
    match field {
        "phone" => "số điện thoại",
        "national_id" => "số CCCD",
        _ => "giá trị",
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        if crate::store::is_overload(&err) {
            tracing::warn!(error = %format!("{err:#}"), "database overloaded; answered 503");
            ApiError::Busy { retry_after: 1 }
        } else {
            ApiError::Internal(err)
        }
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(errors)
    }
}

impl From<FieldError> for ApiError {
    fn from(error: FieldError) -> Self {
        ApiError::Validation(vec![error])
    }
}

/// Builds the error envelope `{"error": {"code", "message", "fields"?}}`.
pub fn envelope(
    code: &str,
    message: &str,
    fields: Option<Value>,
    extra: Option<(&str, Value)>,
) -> Value {
    let mut inner = Map::new();
    inner.insert("code".into(), json!(code));
    inner.insert("message".into(), json!(message));
    if let Some(f) = fields {
        inner.insert("fields".into(), f);
    }
    if let Some((k, v)) = extra {
        inner.insert(k.into(), v);
    }
    json!({ "error": inner })
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized | ApiError::InvalidCredentials(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) | ApiError::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Busy { .. } | ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let lang = lang();
        let mut fields = None;
        let mut extra = None;
        match self {
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
            }
            ApiError::Validation(errs) => {
                let mut map = Map::new();
                for e in errs {
                    map.entry(e.field.clone())
                        .or_insert_with(|| json!({"code": e.code, "message": e.message.get(lang)}));
                }
                fields = Some(Value::Object(map));
            }
            ApiError::Conflict {
                field: Some(f),
                message,
                ..
            } => {
                fields =
                    Some(json!({ f.clone(): {"code": "duplicate", "message": message.get(lang)} }));
            }
            ApiError::Unprocessable {
                details: Some(d), ..
            } => {
                extra = Some(("details", d.clone()));
            }
            _ => {}
        }
        let message = self.text().get(lang).to_owned();
        let mut resp = HttpResponse::build(status);
        match self {
            ApiError::RateLimited { retry_after }
            | ApiError::Busy { retry_after }
            | ApiError::Unavailable { retry_after, .. } => {
                resp.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unauthorized => {
                resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed(allow) => {
                resp.insert_header((header::ALLOW, allow.as_str()));
            }
            _ => {}
        }
        resp.json(envelope(self.code(), &message, fields, extra))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_is_the_one_weighted_highest_among_vietnamese_and_english() {
        assert_eq!(parse_accept_language(""), Lang::Vi);
        assert_eq!(parse_accept_language("fr-FR,fr;q=0.9"), Lang::Vi);
        assert_eq!(parse_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(parse_accept_language("vi-VN,vi;q=0.9,en;q=0.8"), Lang::Vi);
        assert_eq!(
            parse_accept_language("fr;q=1, en;q=0.5, vi;q=0.7"),
            Lang::Vi
        );
        assert_eq!(parse_accept_language("vi;q=0, en"), Lang::En);
        assert_eq!(parse_accept_language("EN-gb;q=0.8,vi;q=0.3"), Lang::En);
    }
}
