//! Password policy (NIST SP 800-63B style): 8 to 128 characters, no composition
//! rules, and the most common passwords refused.

use super::{FieldError, Text};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// The common-password list carried by the `zxcvbn` crate (MIT), entries of
/// eight characters or more, lower-cased.
static COMMON: &str = include_str!("common_passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// A password that meets the policy. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let n = input.chars().count();
        if n == 0 {
            return Err(FieldError::new(
                "password",
                "required",
                Text::new("Vui lòng nhập mật khẩu", "enter a password"),
            ));
        }
        if n < MIN_CHARS {
            return Err(FieldError::new(
                "password",
                "too_short",
                Text::new(
                    format!("Mật khẩu cần ít nhất {MIN_CHARS} ký tự"),
                    format!("at least {MIN_CHARS} characters"),
                ),
            ));
        }
        if n > MAX_CHARS {
            return Err(FieldError::new(
                "password",
                "too_long",
                Text::new(
                    format!("Mật khẩu tối đa {MAX_CHARS} ký tự"),
                    format!("at most {MAX_CHARS} characters"),
                ),
            ));
        }
        if input.contains('\0') {
            return Err(FieldError::new(
                "password",
                "invalid",
                Text::new("Mật khẩu chứa ký tự không hợp lệ", "invalid character"),
            ));
        }
        if common().contains(input.to_lowercase().as_str()) || is_trivial(input) {
            return Err(FieldError::new(
                "password",
                "too_common",
                Text::new(
                    "Mật khẩu này quá phổ biến, hãy chọn mật khẩu khác",
                    "this password is too common",
                ),
            ));
        }
        Ok(Self(input.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What [`Password::parse`] accepts, as an ECMA-262 pattern (the length is
    /// stated apart, as `minLength`/`maxLength`): no NUL, not one repeated
    /// character, not a run of consecutive digits. The common-password list is
    /// too long to spell out; it is named in the schema's description.
    pub fn pattern() -> String {
        let runs: Vec<String> = trivial_runs().collect();
        format!("^(?!([^\\x00])\\1*$)(?!(?:{})$)[^\\x00]*$", runs.join("|"))
    }
}

/// The ascending runs [`is_trivial`] refuses at the allowed lengths: each
/// character one code point above the one before it, all but the last a digit
/// ("01234567", …, "3456789:").
fn trivial_runs() -> impl Iterator<Item = String> {
    (b'0'..=b'9').flat_map(|first| {
        let longest = usize::from(b'9' - first) + 2;
        (MIN_CHARS..=longest.min(MAX_CHARS))
            .map(move |len| (0..len).map(|i| char::from(first + i as u8)).collect())
    })
}

/// One repeated character or a run of consecutive digits ("aaaaaaaa", "12345678…").
fn is_trivial(input: &str) -> bool {
    let chars: Vec<char> = input.chars().collect();
    let all_same = chars.windows(2).all(|w| w[0] == w[1]);
    let ascending = chars
        .windows(2)
        .all(|w| w[0].is_ascii_digit() && (w[1] as u32) == (w[0] as u32) + 1);
    all_same || ascending
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_are_eight_to_128_characters() {
        assert_eq!(Password::parse("Sếu7xyz").unwrap_err().code, "too_short");
        assert!(Password::parse("Sếu đầu đỏ 2024").is_ok());
        let long = "sếu đầu ".repeat(16);
        assert_eq!(long.chars().count(), 128);
        assert!(Password::parse(&long).is_ok());
        assert_eq!(
            Password::parse(&format!("{long}x")).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for p in [
            "password",
            "PASSWORD",
            "12345678",
            "qwertyuiop",
            "iloveyou1",
            "aaaaaaaa",
        ] {
            assert_eq!(Password::parse(p).unwrap_err().code, "too_common", "{p}");
        }
    }

    #[test]
    fn no_composition_rules() {
        assert!(Password::parse("correct horse battery staple").is_ok());
        assert!(Password::parse("tramchimdongthap").is_ok());
    }

    #[test]
    fn the_ascending_runs_of_the_pattern_are_those_refused() {
        let runs: Vec<String> = trivial_runs().collect();
        assert!(runs.contains(&"0123456789:".to_owned()));
        assert!(runs.contains(&"3456789:".to_owned()));
        for run in &runs {
            assert_eq!(
                Password::parse(run).unwrap_err().code,
                "too_common",
                "{run}"
            );
        }
        // One code point further is no longer a run.
        assert!(Password::parse("456789:;").is_ok());
        assert!(Password::parse("0123456789:;").is_ok());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let p = Password::parse("bí mật tuyệt đối").unwrap();
        assert!(!format!("{p:?}").contains("bí"));
    }
}
