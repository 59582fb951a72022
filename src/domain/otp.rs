//! One-time codes that prove a phone belongs to the person using it: what a
//! code is, how it is kept (salted hash, compared in constant time), and the
//! rules that bound how many are sent.

use super::clock::Millis;
use super::{FieldError, Text};
use sha2::{Digest, Sha256};

/// Digits in a code.
pub const DIGITS: usize = 6;

/// What a code is for. A code issued for one purpose never serves the other:
/// a registration code does not reset a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Register,
    Reset,
}

impl Purpose {
    pub const ALL: [Self; 2] = [Self::Register, Self::Reset];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Reset => "reset",
        }
    }

    pub fn parse(s: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                FieldError::new(
                    "purpose",
                    "invalid",
                    Text::new(
                        "Mục đích phải là register hoặc reset",
                        "purpose must be register or reset",
                    ),
                )
            })
    }
}

/// The rules a deployment sets (`auth.otp_*`, see config/default.toml).
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// How long a sent code is valid.
    pub ttl_ms: Millis,
    /// Checks a code allows; the next one is refused even with the right code.
    pub max_checks: i64,
    /// The shortest gap between two requests for one phone.
    pub resend_ms: Millis,
    /// Requests per phone in a rolling day (each may cost one SMS).
    pub per_day: i64,
}

pub const DAY_MS: Millis = 86_400_000;

/// A code as typed: six digits, spaces ignored ("123 456" is fine).
#[derive(Clone, PartialEq, Eq)]
pub struct Code(String);

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(***)")
    }
}

impl Code {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(FieldError::new(
                "otp",
                "invalid_otp",
                Text::new(
                    format!("Mã xác thực gồm {DIGITS} chữ số"),
                    format!("the code is {DIGITS} digits"),
                ),
            ))
        }
    }

    /// A uniformly random code (leading zeros included) from `rng`.
    pub fn random<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        use rand::RngExt;
        Self(format!("{:06}", rng.random_range(0..1_000_000u32)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The stored form of a code: SHA-256 over the salt, phone, purpose and code.
/// The salt is per code, so equal codes of two phones hash apart. A fast hash
/// is enough here: a code lives five minutes and allows five checks, so even a
/// leaked table gives nothing that is still usable.
pub fn hash(salt: &str, phone: &str, purpose: Purpose, code: &Code) -> String {
    let mut h = Sha256::new();
    for part in [salt, phone, purpose.as_str(), code.expose()] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Compares two stored hashes in time that depends only on their length.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A phone's request counters, as stored beside its code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requests {
    pub last_request_at: Millis,
    /// Start of the current day window, and requests in it.
    pub since: Millis,
    pub count: i64,
}

/// Milliseconds until this phone may request a code again (0: now). The
/// same answer for a phone with an account and one without, so the limit
/// tells nothing about who is registered.
pub fn wait_before_request(r: &Requests, now: Millis, rules: &Rules) -> Millis {
    let gap = (r.last_request_at + rules.resend_ms - now).max(0);
    let day = if now - r.since >= DAY_MS || r.count < rules.per_day {
        0
    } else {
        r.since + DAY_MS - now
    };
    gap.max(day)
}

/// Why a code was not accepted; the person sees which, so they know what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Wrong code; this many checks remain.
    Wrong { tries_left: i64 },
    /// The code's time ran out: ask for a new one.
    Expired,
    /// Every check was used: ask for a new one.
    Exhausted,
    /// No live code for this phone and purpose (never sent, already used, or
    /// replaced by a newer one).
    Missing,
}

/// The state of a stored code when a check arrives.
#[derive(Clone, Copy, Debug)]
pub struct Stored {
    pub purpose_matches: bool,
    pub used: bool,
    pub expires_at: Millis,
    /// Checks made before this one.
    pub checks: i64,
}

/// Whether a check may compare the code at all; `Err` names why not. The
/// store applies the same conditions in one UPDATE, so concurrent checks
/// cannot exceed `max_checks`; this function explains a refusal.
pub fn admit_check(s: &Stored, now: Millis, rules: &Rules) -> Result<(), Rejection> {
    if !s.purpose_matches || s.used {
        Err(Rejection::Missing)
    } else if s.checks >= rules.max_checks {
        Err(Rejection::Exhausted)
    } else if now >= s.expires_at {
        Err(Rejection::Expired)
    } else {
        Ok(())
    }
}

/// The SMS that carries a code: unaccented, because an accented SMS is sent
/// as UCS-2 (70 characters a part instead of 160) and some older phones show
/// tone marks as boxes; the code comes first so it shows in the notification.
pub fn message(code: &Code, purpose: Purpose, ttl_ms: Millis) -> String {
    let what = match purpose {
        Purpose::Register => "dang ky tai khoan",
        Purpose::Reset => "dat lai mat khau",
    };
    format!(
        "{} la ma xac thuc {what} thi truc tuyen, hieu luc {} phut. Khong dua ma nay cho bat ky ai.",
        code.expose(),
        (ttl_ms / 60_000).max(1)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: Rules = Rules {
        ttl_ms: 300_000,
        max_checks: 5,
        resend_ms: 60_000,
        per_day: 5,
    };

    #[test]
    fn a_code_is_six_digits_and_spaces_are_ignored() {
        assert_eq!(Code::parse(" 012 345 ").unwrap().expose(), "012345");
        for bad in ["12345", "1234567", "12a456", "", "١٢٣٤٥٦"] {
            assert!(Code::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn random_codes_are_six_digits_and_vary() {
        let mut rng = rand::rng();
        let codes: std::collections::HashSet<String> = (0..50)
            .map(|_| Code::random(&mut rng).expose().to_owned())
            .collect();
        assert!(codes.iter().all(|c| c.len() == 6));
        assert!(codes.len() > 40);
    }

    #[test]
    fn the_hash_binds_salt_phone_purpose_and_code() {
        let c = Code::parse("123456").unwrap();
        let h = hash("s", "0912345678", Purpose::Register, &c);
        assert!(same_hash(
            &h,
            &hash("s", "0912345678", Purpose::Register, &c)
        ));
        assert!(!same_hash(
            &h,
            &hash("t", "0912345678", Purpose::Register, &c)
        ));
        assert!(!same_hash(
            &h,
            &hash("s", "0912345679", Purpose::Register, &c)
        ));
        assert!(!same_hash(&h, &hash("s", "0912345678", Purpose::Reset, &c)));
        let other = Code::parse("123457").unwrap();
        assert!(!same_hash(
            &h,
            &hash("s", "0912345678", Purpose::Register, &other)
        ));
        assert!(!same_hash(&h, &h[..10]));
    }

    #[test]
    fn requests_wait_a_minute_between_and_five_a_day() {
        let fresh = Requests {
            last_request_at: 0,
            since: 0,
            count: 0,
        };
        let now = 10 * DAY_MS;
        assert_eq!(wait_before_request(&fresh, now, &RULES), 0);
        let just = Requests {
            last_request_at: now - 10_000,
            since: now - 10_000,
            count: 1,
        };
        assert_eq!(wait_before_request(&just, now, &RULES), 50_000);
        let spent = Requests {
            last_request_at: now - 120_000,
            since: now - 3_600_000,
            count: 5,
        };
        assert_eq!(wait_before_request(&spent, now, &RULES), DAY_MS - 3_600_000);
        let next_day = Requests {
            since: now - DAY_MS,
            ..spent
        };
        assert_eq!(wait_before_request(&next_day, now, &RULES), 0);
    }

    #[test]
    fn the_sixth_check_is_refused_and_expiry_and_purpose_are_named() {
        let live = Stored {
            purpose_matches: true,
            used: false,
            expires_at: 1_000,
            checks: 4,
        };
        assert_eq!(admit_check(&live, 999, &RULES), Ok(()));
        assert_eq!(
            admit_check(&Stored { checks: 5, ..live }, 999, &RULES),
            Err(Rejection::Exhausted)
        );
        assert_eq!(admit_check(&live, 1_000, &RULES), Err(Rejection::Expired));
        assert_eq!(
            admit_check(&Stored { used: true, ..live }, 0, &RULES),
            Err(Rejection::Missing)
        );
        assert_eq!(
            admit_check(
                &Stored {
                    purpose_matches: false,
                    ..live
                },
                0,
                &RULES
            ),
            Err(Rejection::Missing)
        );
    }

    #[test]
    fn the_message_is_plain_ascii_and_starts_with_the_code() {
        let m = message(&Code::parse("004213").unwrap(), Purpose::Reset, 300_000);
        assert!(m.starts_with("004213 "));
        assert!(m.is_ascii());
        assert!(m.contains("5 phut"));
        assert!(m.len() <= 160, "one SMS part: {}", m.len());
    }
}
