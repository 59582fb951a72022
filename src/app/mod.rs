//! The use cases: each workflow once (register staff, start, autosave, submit,
//! close overdue, compute, finalize, verify, export rows, …), called by the
//! HTTP handlers and by the command line alike. A use case takes parsed
//! domain values, applies the domain's rules, and uses the store; it knows
//! nothing of HTTP.

pub mod accounts;
pub mod attempts;
pub mod backup;
pub mod contests;
pub mod results;
pub mod sign_in;

use crate::domain::clock::Clock;
use crate::domain::{FieldError, Text};
use crate::store::attempts::BankCache;
use crate::store::{Db, StoreError};

/// What a use case works with: the database, the cache of published banks,
/// and the clock.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub db: &'a Db,
    pub banks: &'a BankCache,
    pub clock: &'a Clock,
}

/// Why a use case refused, or failed.
#[derive(Debug)]
pub enum AppError {
    /// Not there, or not visible to the caller (which must look the same).
    NotFound(&'static str),
    /// The caller may not do this.
    Forbidden(Text),
    /// The request conflicts with the state of things (`code` says which);
    /// `field` names the input concerned, if one is.
    Conflict {
        code: &'static str,
        message: Text,
        field: Option<String>,
    },
    /// Values that break a rule, by field.
    Invalid(Vec<FieldError>),
    /// Password hashing is saturated: nothing was done, try again shortly.
    HashingBusy,
    /// Asked again too soon (a one-time code for this phone): wait this many seconds.
    TooSoon {
        retry_after: u64,
    },
    /// The SMS gateway cannot take messages now: nothing was counted or sent.
    SmsUnavailable {
        retry_after: u64,
    },
    /// A one-time code was not accepted.
    Code(crate::domain::otp::Rejection),
    Store(StoreError),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn conflict(code: &'static str, message: impl Into<Text>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
            field: None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        AppError::Store(err)
    }
}

impl From<crate::hashing::HashError> for AppError {
    fn from(err: crate::hashing::HashError) -> Self {
        match err {
            crate::hashing::HashError::Busy => AppError::HashingBusy,
            crate::hashing::HashError::Failed(msg) => AppError::Store(anyhow::anyhow!(msg).into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Store(err.into())
    }
}

impl From<FieldError> for AppError {
    fn from(err: FieldError) -> Self {
        AppError::Invalid(vec![err])
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(errs: Vec<FieldError>) -> Self {
        AppError::Invalid(errs)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppError::NotFound(what) => write!(f, "{what} not found"),
            AppError::Forbidden(t) | AppError::Conflict { message: t, .. } => {
                f.write_str(t.get(crate::domain::Lang::En))
            }
            AppError::Invalid(errs) => {
                let list: Vec<String> = errs
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message.get(crate::domain::Lang::En)))
                    .collect();
                write!(f, "invalid values: {}", list.join("; "))
            }
            AppError::HashingBusy => f.write_str("password hashing is busy"),
            AppError::TooSoon { retry_after } => write!(f, "too soon: wait {retry_after} s"),
            AppError::SmsUnavailable { retry_after } => {
                write!(f, "SMS unavailable for {retry_after} s")
            }
            AppError::Code(r) => write!(f, "code not accepted: {r:?}"),
            AppError::Store(StoreError::Other(e) | StoreError::Overloaded(e)) => write!(f, "{e:#}"),
            AppError::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AppError {}
