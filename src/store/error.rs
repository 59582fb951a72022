//! The one error type of the store. Callers match on what they can act on (a
//! missing row, a duplicate, an overloaded database); everything else is an
//! internal error carrying its whole chain.

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist (the name says which kind).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique index refused the write; the field it guards.
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// No connection or lock came free in time: nothing was written, and the
    /// client may safely try again (answered 503 with Retry-After).
    #[error("the database is overloaded")]
    Overloaded(#[source] anyhow::Error),
    #[error(transparent)]
    Other(anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl From<anyhow::Error> for StoreError {
    fn from(err: anyhow::Error) -> Self {
        if super::is_overload(&err) {
            StoreError::Overloaded(err)
        } else {
            StoreError::Other(err)
        }
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        anyhow::Error::new(err).into()
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> Self {
        StoreError::Other(anyhow::Error::new(err).context("stored JSON"))
    }
}
