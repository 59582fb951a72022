//! Pure domain rules: no actix, no sea-orm. Everything here takes its inputs
//! (including the clock and the random source) as arguments, so it is tested directly.

pub mod account;
pub mod attempt;
pub mod clock;
pub mod contest;
pub mod divisions;
pub mod identity;
pub mod ids;
pub mod organisation;
pub mod otp;
pub mod password;
pub mod pattern;
pub mod phone;
pub mod question;
pub mod ranking;
pub mod results;
pub mod text;

pub use text::{Lang, Text};

/// A problem with one input field, reported to the client under `error.fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<Text>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// The same problem under another field name (`password` → `new_password`).
    pub fn renamed(self, field: &str) -> Self {
        Self {
            field: field.to_owned(),
            ..self
        }
    }
}

/// Collects field problems so a request reports all of them at once.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn push(&mut self, field: impl Into<String>, code: &'static str, message: impl Into<Text>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// Keeps the value when it parsed, records the problem otherwise.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Counts characters the way a person does (Vietnamese letters are one char each).
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// True when the text has a control character other than newline/tab.
pub(crate) fn has_control(s: &str, allow_newline: bool) -> bool {
    s.chars()
        .any(|c| c.is_control() && !(allow_newline && (c == '\n' || c == '\r' || c == '\t')))
}
