//! The one API error type. Each variant carries its status and a stable `code`;
//! internal errors are logged with their whole chain and answered generically.

use crate::domain::FieldError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("Bạn cần đăng nhập / sign in first")]
    Unauthorized,
    #[error("{0}")]
    InvalidCredentials(&'static str),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    #[error("this route does not take that method (allowed: {0})")]
    MethodNotAllowed(String),
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("some values are invalid")]
    Validation(Vec<FieldError>),
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    #[error("too many requests, try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("the server is busy, try again in {retry_after} s")]
    Busy { retry_after: u64 },
    #[error("internal error")]
    Internal(anyhow::Error),
}

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
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
            ApiError::Internal(_) => "internal_error",
        }
    }
}

/// Store errors become 500, except an overloaded database, which is answered
/// 503 with Retry-After (and logged as a warning, not an error).
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
            ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut fields = None;
        let mut extra = None;
        let message = match self {
            ApiError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "Đã có lỗi ở máy chủ / internal server error".to_owned()
            }
            ApiError::Validation(errs) => {
                let mut map = Map::new();
                for e in errs {
                    map.entry(e.field.clone())
                        .or_insert_with(|| json!({"code": e.code, "message": e.message}));
                }
                fields = Some(Value::Object(map));
                let first = errs
                    .first()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .unwrap_or_default();
                format!("Dữ liệu không hợp lệ / invalid values ({first})")
            }
            ApiError::Conflict {
                field: Some(f),
                message,
                ..
            } => {
                fields = Some(json!({ f.clone(): {"code": "duplicate", "message": message} }));
                message.clone()
            }
            ApiError::Unprocessable {
                details: Some(d),
                message,
                ..
            } => {
                extra = Some(("details", d.clone()));
                message.clone()
            }
            other => other.to_string(),
        };
        let mut resp = HttpResponse::build(status);
        match self {
            ApiError::RateLimited { retry_after } | ApiError::Busy { retry_after } => {
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
