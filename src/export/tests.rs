use super::*;
use proptest::prelude::*;

use super::test_support::{HOSTILE, config, tricky_text};

// ----- neutralise ---------------------------------------------------

#[test]
fn neutralise_prefixes_formula_starts_only() {
    for (text, prefixed) in HOSTILE {
        let out = neutralise(text);
        if *prefixed {
            assert_eq!(out, format!("'{text}"), "{text:?}");
        } else {
            assert!(matches!(out, Cow::Borrowed(_)), "{text:?} left alone");
            assert_eq!(out, *text);
        }
    }
    assert_eq!(neutralise(""), "");
    assert_eq!(neutralise("   "), "   ");
    assert_eq!(neutralise("\u{200F}"), "\u{200F}");
    assert_eq!(neutralise("0912345678"), "0912345678");
    assert_eq!(
        neutralise("2024-12-05T20:15:03.042+07:00"),
        "2024-12-05T20:15:03.042+07:00"
    );
}

// ----- format_duration ----------------------------------------------

#[test]
fn format_duration_edge_cases() {
    let cases = [
        (0, "0:00.000"),
        (1, "0:00.001"),
        (999, "0:00.999"),
        (1_000, "0:01.000"),
        (59_999, "0:59.999"),
        (60_000, "1:00.000"),
        (183_042, "3:03.042"),
        (600_000, "10:00.000"),
        (3_599_999, "59:59.999"),
        (3_600_000, "1:00:00.000"),
        (3_723_004, "1:02:03.004"),
        (86_400_000, "24:00:00.000"),
        (360_000_000_000, "100000:00:00.000"),
        (-1, "-0:00.001"),
        (-183_042, "-3:03.042"),
        (i64::MAX, "2562047788015:12:55.807"),
        (i64::MIN, "-2562047788015:12:55.808"),
    ];
    for (ms, text) in cases {
        assert_eq!(format_duration(ms), text, "{ms} ms");
    }
}

// ----- properties ---------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn neutralised_text_is_never_a_formula(text in tricky_text()) {
        let out = neutralise(&text);
        prop_assert!(!needs_neutralising(&out));
        let prefixed = format!("'{text}");
        prop_assert!(out == text || out == prefixed);
    }
}
