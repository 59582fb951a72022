//! Vietnamese mobile numbers: `+84 912 345 678`, `84912345678` and `0912345678`
//! are one person, stored as the ten-digit national form.

use super::pattern::WHITESPACE;
use super::{FieldError, Text};

/// A normalised Vietnamese mobile number: ten digits starting with 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// Mobile prefixes in use after the 2018 renumbering (03x, 05x, 07x, 08x, 09x).
const MOBILE_PREFIXES: [char; 5] = ['3', '5', '7', '8', '9'];

/// The longest spelling accepted, in bytes once trimmed.
pub const MAX_INPUT_BYTES: usize = 32;

/// Characters a spelling may use between the digits.
const SEPARATORS: [char; 5] = [' ', '.', '-', '(', ')'];

impl Phone {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "phone",
                "invalid_phone",
                Text::new(
                    "Số điện thoại di động không hợp lệ (ví dụ 0912345678)",
                    "not a Vietnamese mobile number",
                ),
            )
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(
                "phone",
                "required",
                Text::new(
                    "Vui lòng nhập số điện thoại di động",
                    "enter a mobile number",
                ),
            ));
        }
        if trimmed.len() > MAX_INPUT_BYTES {
            return Err(bad());
        }
        let mut digits = String::with_capacity(12);
        for (i, c) in trimmed.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                c if SEPARATORS.contains(&c) => {}
                _ => return Err(bad()),
            }
        }
        let national = if trimmed.starts_with('+') {
            digits.strip_prefix("84").map(|rest| format!("0{rest}"))
        } else if digits.len() == 11 && digits.starts_with("84") {
            Some(format!("0{}", &digits[2..]))
        } else if digits.len() == 9 && !digits.starts_with('0') {
            Some(format!("0{digits}"))
        } else {
            Some(digits)
        }
        .ok_or_else(bad)?;
        let second = national.chars().nth(1).unwrap_or('x');
        if national.len() == 10 && national.starts_with('0') && MOBILE_PREFIXES.contains(&second) {
            Ok(Self(national))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The international form an SMS gateway takes: `+84912345678`.
    pub fn e164(&self) -> String {
        format!("+84{}", &self.0[1..])
    }

    /// The spellings [`Phone::parse`] accepts, as the body of an ECMA-262
    /// pattern without anchors: surrounding whitespace, at most 32 characters
    /// between them, separators anywhere between the digits, and the digits
    /// `0XNNNNNNNN`, `XNNNNNNNN`, `84XNNNNNNNN` or `+84XNNNNNNNN`, X a mobile prefix.
    pub fn pattern_body() -> String {
        let ws = format!("[{WHITESPACE}]*");
        // Escaped for a class, except the space (ECMA-262 `u` mode refuses `\ `).
        let marks: String = SEPARATORS
            .iter()
            .filter(|c| **c != ' ')
            .map(|c| format!("\\{c}"))
            .collect();
        let s = format!("[ {marks}]*");
        let x: String = MOBILE_PREFIXES.iter().collect();
        // The trimmed spelling: no space at either end, bounded in length.
        let edge = format!("[0-9+{marks}]");
        let inner = format!("[0-9+ {marks}]");
        let bound = format!(
            "(?={edge}(?:{inner}{{0,{}}}{edge})?{ws}$)",
            MAX_INPUT_BYTES - 2
        );
        let any = format!(
            "{ws}{bound}(?:\\+{s}8{s}4|(?:{s}8{s}4|{s}0)?){s}[{x}](?:{s}[0-9]){{8}}{s}{ws}"
        );
        // The same numbers with at most one separator between digits: a subset
        // of `any`, stated first so that generators find short spellings.
        let one = format!("[ {marks}]?");
        let plain = format!("{ws}(?:\\+8{one}4|(?:8{one}4|0)?){one}[{x}](?:{one}[0-9]){{8}}{ws}");
        format!("(?:{plain}|{any})")
    }
}

/// Masks all but the first three and last three digits.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 6))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn international_and_national_forms_are_the_same_person() {
        for input in [
            "0912345678",
            "+84 912 345 678",
            "+84912345678",
            "84912345678",
            "091 234 5678",
            "091.234.5678",
            "(091) 234-5678",
            "912345678",
            " 0912345678 ",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "0912345678",
                "{input}"
            );
        }
    }

    #[test]
    fn non_mobile_or_malformed_numbers_are_refused() {
        for input in [
            "",
            "0212345678",
            "091234567",
            "09123456789",
            "+1 912 345 678",
            "09123a5678",
            "0912345678\0",
            "++84912345678",
            "+840912345678",
            "０９１２３４５６７８",
        ] {
            assert!(Phone::parse(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn masking_keeps_three_digits_each_side() {
        assert_eq!(mask_phone("0912345001"), "091****001");
    }

    proptest! {
        #[test]
        fn any_valid_number_in_any_spelling_normalises_to_itself(
            prefix in prop::sample::select(vec!['3', '5', '7', '8', '9']),
            rest in "[0-9]{8}",
            style in 0..4u8,
        ) {
            let national = format!("0{prefix}{rest}");
            let spelled = match style {
                0 => national.clone(),
                1 => format!("+84{prefix}{rest}"),
                2 => format!("+84 {prefix}{} {}", &rest[..2], &rest[2..]),
                _ => format!("84{prefix}{rest}"),
            };
            let parsed = Phone::parse(&spelled).unwrap();
            prop_assert_eq!(parsed.as_str(), national.as_str());
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}") {
            let _ = Phone::parse(&s);
        }
    }
}
