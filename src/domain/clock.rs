//! Time as milliseconds since the Unix epoch, from a clock that tests can set.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// The server's only source of "now". Production uses the system clock; tests
/// may pin or shift it so deadlines are checked to the millisecond without sleeping.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Added to the system time (ms); only tests move it.
    offset: Arc<AtomicI64>,
    /// When not `NOT_FROZEN`, the time `now()` returns (tests pin the clock).
    frozen: Arc<AtomicI64>,
}

const NOT_FROZEN: i64 = i64::MIN;

impl Clock {
    pub fn system() -> Self {
        Self {
            offset: Arc::new(AtomicI64::new(0)),
            frozen: Arc::new(AtomicI64::new(NOT_FROZEN)),
        }
    }

    pub fn now(&self) -> Millis {
        let frozen = self.frozen.load(Ordering::Relaxed);
        if frozen != NOT_FROZEN {
            return frozen;
        }
        let sys = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        sys + self.offset.load(Ordering::Relaxed)
    }

    /// Shifts the clock by `offset` milliseconds (tests only).
    pub fn set_offset(&self, offset: Millis) {
        self.offset.store(offset, Ordering::Relaxed);
    }

    /// Stops the clock at `at` (tests only); `unfreeze` lets it run again.
    pub fn freeze_at(&self, at: Millis) {
        self.frozen.store(at, Ordering::Relaxed);
    }

    pub fn unfreeze(&self) {
        self.frozen.store(NOT_FROZEN, Ordering::Relaxed);
    }

    pub fn offset(&self) -> Millis {
        self.offset.load(Ordering::Relaxed)
    }
}

/// Formats milliseconds as RFC 3339 with millisecond precision in the given zone.
pub fn to_rfc3339(ms: Millis, tz: chrono_tz::Tz) -> String {
    use chrono::{TimeZone, Utc};
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t
            .with_timezone(&tz)
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
        None => String::new(),
    }
}

/// The years a contest date-time may name, as written (in its own offset).
pub const RFC3339_YEARS: std::ops::RangeInclusive<i32> = 2000..=2999;

/// Parses an RFC 3339 timestamp (with offset) into milliseconds; rejects years
/// outside 2000–2999 so a typo cannot open a contest for a millennium.
///
/// The year is the one written (`2000-01-01T00:00:00+07:00` is in 2000), so
/// that the rule can be stated as a pattern; see [`rfc3339_pattern`].
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    let t = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    // chrono accepts a leap second (":60") as nanosecond ≥ 1e9; a contest
    // boundary on a leap second is a typo, not a time.
    if chrono::Timelike::nanosecond(&t) >= 1_000_000_000 {
        return None;
    }
    let year = chrono::Datelike::year(&t);
    RFC3339_YEARS.contains(&year).then(|| t.timestamp_millis())
}

/// What [`parse_rfc3339`] accepts, as an ECMA-262 pattern: chrono's RFC 3339
/// (`T`, `t` or a space between date and time; any number of fraction digits;
/// `Z`, `z` or an offset up to ±23:59, with `-` or `−`), no leap second, a
/// year in [`RFC3339_YEARS`], surrounding whitespace ignored.
pub fn rfc3339_pattern() -> String {
    use super::pattern::{WHITESPACE, date};
    let last =
        chrono::NaiveDate::from_ymd_opt(*RFC3339_YEARS.end(), 12, 31).expect("December 31 exists");
    let ws = format!("[{WHITESPACE}]*");
    let hm = "(?:[01][0-9]|2[0-3]):[0-5][0-9]";
    format!(
        "^{ws}{}[Tt ]{hm}:[0-5][0-9](?:\\.[0-9]+)?(?:[Zz]|[-+\\u2212]{hm}){ws}$",
        date(*RFC3339_YEARS.start(), last)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_in_vietnam_time() {
        let ms = parse_rfc3339("2024-12-01T00:00:00+07:00").unwrap();
        assert_eq!(ms, 1_732_986_000_000);
        assert_eq!(
            to_rfc3339(ms, chrono_tz::Asia::Ho_Chi_Minh),
            "2024-12-01T00:00:00.000+07:00"
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(parse_rfc3339("2024-02-30T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("10000-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("1999-12-31T23:59:59Z"), None);
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2024-12-01T00:00:60+07:00"), None);
    }

    #[test]
    fn the_year_is_the_one_written() {
        assert!(parse_rfc3339("2000-01-01T00:00:00+07:00").is_some());
        assert!(parse_rfc3339("1999-12-31T23:00:00-07:00").is_none());
        assert!(parse_rfc3339("2999-12-31T23:00:00-07:00").is_some());
        assert!(parse_rfc3339("3000-01-01T01:00:00+07:00").is_none());
    }

    #[test]
    fn chrono_takes_the_spellings_the_pattern_states() {
        for ok in [
            " 2024-12-01t00:00:00z\n",
            "2024-12-01 00:00:00.123456789123+07:00",
            "2024-02-29T23:59:59\u{2212}23:59",
        ] {
            assert!(parse_rfc3339(ok).is_some(), "{ok:?}");
        }
        for bad in [
            "2024-12-01T00:00:00",
            "2024-12-01T00:00:00.Z",
            "2024-12-01T24:00:00Z",
            "2024-12-01T00:00:00+24:00",
            "2023-02-29T00:00:00Z",
            "2024-12-01T00:00:00+0700",
            "2024-12-01T00:00Z",
        ] {
            assert!(parse_rfc3339(bad).is_none(), "{bad:?}");
        }
    }
}
