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

/// Parses an RFC 3339 timestamp (with offset) into milliseconds; rejects years
/// outside 2000–2999 so a typo cannot open a contest for a millennium.
pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    let t = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    // chrono accepts a leap second (":60") as nanosecond ≥ 1e9; a contest
    // boundary on a leap second is a typo, not a time.
    if chrono::Timelike::nanosecond(&t) >= 1_000_000_000 {
        return None;
    }
    let ms = t.timestamp_millis();
    let year = chrono::Datelike::year(&t.naive_utc());
    (2000..3000).contains(&year).then_some(ms)
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
}
