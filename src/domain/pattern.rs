//! The text rules of the validators, spelled as ECMA-262 regular expressions for
//! the OpenAPI document (`pattern`), so that a client — or a fuzzer — learns from
//! the document exactly which strings the server accepts.
//!
//! Each pattern is built next to the rule it mirrors, from the same constants;
//! this module holds the shared pieces. Classes are written with `\xHH`/`\uHHHH`
//! escapes and `[0-9]` (never `\s`, `\d` or `.`), which mean the same in ECMA-262,
//! Python and Rust regex engines; the JSON Schema dialect reads `pattern` with
//! Unicode semantics, so a repetition counts characters as `chars().count()` does.

use std::ops::RangeInclusive;

/// `char::is_whitespace` (what `str::trim` and `split_whitespace` remove), as a class body.
pub const WHITESPACE: &str = r"\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// Whitespace that is not a control character: space and the Unicode spaces.
pub const SPACE: &str = r" \xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// `char::is_control` (general category Cc), as a class body.
pub const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";

/// One character that is neither whitespace nor a control character.
pub const VISIBLE: &str = r"[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";

/// Which control characters may appear inside a trimmed text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Controls {
    /// None at all.
    None,
    /// Only the line feed.
    LineFeed,
    /// Tab, line feed and carriage return.
    TabsAndLineBreaks,
}

impl Controls {
    /// One character allowed inside the text.
    fn inner(self) -> &'static str {
        match self {
            Controls::None => r"[^\x00-\x1F\x7F-\x9F]",
            Controls::LineFeed => r"[^\x00-\x09\x0B-\x1F\x7F-\x9F]",
            Controls::TabsAndLineBreaks => r"[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]",
        }
    }
}

/// A text that is trimmed (`str::trim`) before its length in characters is
/// checked against `chars`; inside it only `controls` may appear.
pub fn trimmed(chars: RangeInclusive<usize>, controls: Controls) -> String {
    let ws = format!("[{WHITESPACE}]*");
    format!("^{ws}{}{ws}$", core(chars, VISIBLE, controls.inner()))
}

/// A text whose line breaks (`\r\n`, `\r`) become `\n` before it is trimmed
/// and its length in characters is checked against `chars`; inside it the
/// only control characters are line breaks.
pub fn trimmed_lines(chars: RangeInclusive<usize>) -> String {
    let ws = format!("[{WHITESPACE}]*");
    let unit = r"(?:\r\n|\r(?!\n)|[^\x00-\x09\x0B-\x1F\x7F-\x9F])";
    format!("^{ws}{}{ws}$", core(chars, VISIBLE, unit))
}

/// The trimmed core: `edge` characters at both ends, `inner` between them.
fn core(chars: RangeInclusive<usize>, edge: &str, inner: &str) -> String {
    let (min, max) = (*chars.start(), *chars.end());
    assert!(min <= max, "empty range");
    let body = match max {
        0 => return String::new(),
        1 => edge.to_owned(),
        _ => format!(
            "{edge}(?:{inner}{{{},{}}}{edge}){}",
            min.saturating_sub(2),
            max - 2,
            if min <= 1 { "?" } else { "" }
        ),
    };
    if min == 0 {
        format!("(?:{body})?")
    } else {
        body
    }
}

/// A text whose runs of whitespace are collapsed to one space (and which is
/// trimmed) before its length in characters is checked against `chars`.
/// `space` is the class body of the whitespace allowed anywhere (the rest of
/// the text may hold no control character).
pub fn collapsed(chars: RangeInclusive<usize>, space: &str) -> String {
    let (min, max) = (*chars.start(), *chars.end());
    assert!(min <= max && max >= 1, "empty range");
    let ws = format!("[{space}]");
    // After the first visible character, each unit is one visible character or
    // one run of whitespace followed by one (the run collapses to one space).
    let word = format!(
        "{VISIBLE}(?:{VISIBLE}|{ws}+(?={VISIBLE})){{{},{}}}",
        min.saturating_sub(1),
        max - 1
    );
    let word = if min == 0 {
        format!("(?:{word})?")
    } else {
        word
    };
    format!("^{ws}*{word}{ws}*$")
}

/// A fixed-width decimal number from `lo` to `hi` (zero-padded to `width`).
pub fn number_range(lo: u32, hi: u32, width: usize) -> String {
    assert!(lo <= hi);
    let lo = format!("{lo:0width$}");
    let hi = format!("{hi:0width$}");
    assert_eq!(lo.len(), width, "{lo} is wider than {width}");
    assert_eq!(hi.len(), width, "{hi} is wider than {width}");
    digits_between(lo.as_bytes(), hi.as_bytes())
}

fn digits_between(lo: &[u8], hi: &[u8]) -> String {
    let n = lo.len();
    if n == 0 {
        return String::new();
    }
    let (a, b) = (lo[0], hi[0]);
    let class = |from: u8, to: u8| {
        if from == to {
            (from as char).to_string()
        } else {
            format!("[{}-{}]", from as char, to as char)
        }
    };
    let any = |k: usize| match k {
        0 => String::new(),
        1 => "[0-9]".to_owned(),
        _ => format!("[0-9]{{{k}}}"),
    };
    if a == b {
        return format!("{}{}", a as char, digits_between(&lo[1..], &hi[1..]));
    }
    let rest_is = |s: &[u8], d: u8| s[1..].iter().all(|&c| c == d);
    let (lo_full, hi_full) = (rest_is(lo, b'0'), rest_is(hi, b'9'));
    let mut parts = Vec::new();
    let first_full = if lo_full { a } else { a + 1 };
    let last_full = if hi_full { b } else { b - 1 };
    if !lo_full {
        let nines = vec![b'9'; n - 1];
        parts.push(format!("{}{}", a as char, digits_between(&lo[1..], &nines)));
    }
    if (first_full, last_full) == (b'0', b'9') {
        parts.push(any(n));
    } else if first_full <= last_full {
        parts.push(format!("{}{}", class(first_full, last_full), any(n - 1)));
    }
    if !hi_full {
        let zeros = vec![b'0'; n - 1];
        parts.push(format!("{}{}", b as char, digits_between(&zeros, &hi[1..])));
    }
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        format!("(?:{})", parts.join("|"))
    }
}

/// Days of each month of a common year (February 29 is handled apart).
const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// A four-digit year that is a leap year in the Gregorian calendar.
const LEAP_YEAR: &str =
    "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)";

/// `YYYY-MM-DD`: a real calendar date from January 1 of `first_year` to `last`
/// (inclusive), both ends between the years 1000 and 9999.
pub fn date(first_year: i32, last: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let (ly, lm, ld) = (last.year(), last.month(), last.day());
    assert!(first_year >= 1000 && ly <= 9999 && first_year <= ly);
    let year = |from: i32, to: i32| number_range(from as u32, to as u32, 4);
    let days = |month: u32, upto: u32| {
        let last_day = upto.min(MONTH_DAYS[month as usize - 1]);
        format!(
            "{}-{}",
            number_range(month, month, 2),
            number_range(1, last_day, 2)
        )
    };
    let whole_months = |upto: u32| {
        (1..=upto)
            .map(|m| days(m, 31))
            .collect::<Vec<_>>()
            .join("|")
    };
    let mut parts = Vec::new();
    let last_is_year_end = (lm, ld) == (12, 31);
    let full_until = if last_is_year_end { ly } else { ly - 1 };
    if full_until >= first_year {
        parts.push(format!(
            "{}-(?:{})",
            year(first_year, full_until),
            whole_months(12)
        ));
    }
    if !last_is_year_end {
        let mut months = Vec::new();
        if lm > 1 {
            months.push(whole_months(lm - 1));
        }
        months.push(days(lm, ld));
        parts.push(format!("{ly}-(?:{})", months.join("|")));
    }
    // February 29 of the leap years in range.
    let leap_until = if (lm, ld) >= (2, 29) { ly } else { ly - 1 };
    if leap_until >= first_year {
        parts.push(format!(
            "(?={}-){LEAP_YEAR}-02-29",
            year(first_year, leap_until)
        ));
    }
    format!("(?:{})", parts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_ranges_are_compact() {
        assert_eq!(number_range(1, 9, 2), "0[1-9]");
        assert_eq!(number_range(1, 31, 2), "(?:0[1-9]|[1-2][0-9]|3[0-1])");
        assert_eq!(
            number_range(1900, 2025, 4),
            "(?:19[0-9]{2}|20(?:[0-1][0-9]|2[0-5]))"
        );
        assert_eq!(number_range(2000, 2999, 4), "2[0-9]{3}");
        assert_eq!(number_range(7, 7, 2), "07");
    }

    #[test]
    fn trimmed_text_patterns_bound_the_core() {
        assert_eq!(
            trimmed(1..=3, Controls::None),
            format!(
                "^[{WHITESPACE}]*{VISIBLE}(?:[^\\x00-\\x1F\\x7F-\\x9F]{{0,1}}{VISIBLE})?[{WHITESPACE}]*$"
            )
        );
        assert!(trimmed(0..=5, Controls::None).contains(")?)?"));
    }
}
