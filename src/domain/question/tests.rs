use super::*;
use proptest::prelude::*;

use super::test_support::{question, strings, tricky_text};

fn fields(problems: &[FieldProblem]) -> Vec<&str> {
    problems.iter().map(|p| p.field.as_str()).collect()
}

// --- NewQuestion::parse -------------------------------------------------

#[test]
fn a_question_is_trimmed_and_an_empty_category_is_none() {
    let q = NewQuestion::parse(
        "  Sếu đầu đỏ thuộc họ nào?\r\n(chọn một) ",
        strings(&[" Họ Hạc ", "\tHọ Sếu (Gruidae)"]),
        1,
        Some("   "),
    )
    .unwrap();
    assert_eq!(q.text(), "Sếu đầu đỏ thuộc họ nào?\n(chọn một)");
    assert_eq!(q.options(), ["Họ Hạc", "Họ Sếu (Gruidae)"]);
    assert_eq!(q.correct(), 1);
    assert_eq!(q.category(), None);
    let q = question("Câu hỏi?", &["Có", "Không"], 0, Some(" Sinh học "));
    assert_eq!(q.category(), Some("Sinh học"));
}

#[test]
fn lengths_are_counted_in_characters_not_bytes() {
    let longest = "ố".repeat(MAX_TEXT_CHARS);
    assert!(longest.len() > MAX_TEXT_CHARS * 2);
    assert!(NewQuestion::parse(&longest, strings(&["a", "b"]), 0, None).is_ok());
    let too_long = "ố".repeat(MAX_TEXT_CHARS + 1);
    let problems = NewQuestion::parse(&too_long, strings(&["a", "b"]), 0, None).unwrap_err();
    assert_eq!(fields(&problems), ["text"]);
    assert!(
        problems[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("2001 characters"),
        "{problems:?}"
    );

    let option = "đ".repeat(MAX_OPTION_CHARS);
    assert!(NewQuestion::parse("q", vec![option.clone(), "b".into()], 0, None).is_ok());
    let problems =
        NewQuestion::parse("q", vec![format!("{option}đ"), "b".into()], 0, None).unwrap_err();
    assert_eq!(fields(&problems), ["options[0]"]);

    let category = "ệ".repeat(MAX_CATEGORY_CHARS);
    assert!(NewQuestion::parse("q", strings(&["a", "b"]), 0, Some(&category)).is_ok());
    let problems = NewQuestion::parse("q", strings(&["a", "b"]), 0, Some(&format!("{category}ệ")))
        .unwrap_err();
    assert_eq!(fields(&problems), ["category"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let problems = NewQuestion::parse(
        "   ",
        strings(&["Đồng Tháp", "", "ĐỒNG THÁP", "x\ny"]),
        7,
        Some("a\tb"),
    )
    .unwrap_err();
    assert_eq!(
        fields(&problems),
        [
            "text",
            "options[1]",
            "options[2]",
            "options[3]",
            "category",
            "correct"
        ]
    );
    assert!(
        problems[2]
            .reason
            .get(crate::domain::Lang::En)
            .contains("index 0"),
        "{problems:?}"
    );
    assert!(
        problems[3]
            .reason
            .get(crate::domain::Lang::En)
            .contains("line break"),
        "{problems:?}"
    );
    assert!(
        problems[5]
            .reason
            .get(crate::domain::Lang::En)
            .contains("0 to 3"),
        "{problems:?}"
    );
}

#[test]
fn two_to_six_options_are_allowed() {
    for n in MIN_OPTIONS..=MAX_OPTIONS {
        let options: Vec<String> = (0..n).map(|i| format!("Đáp án {i}")).collect();
        assert!(
            NewQuestion::parse("q", options, n - 1, None).is_ok(),
            "{n} options"
        );
    }
    let problems = NewQuestion::parse("q", strings(&["only"]), 0, None).unwrap_err();
    assert_eq!(fields(&problems), ["options"]);
    let seven: Vec<String> = (0..7).map(|i| i.to_string()).collect();
    let problems = NewQuestion::parse("q", seven, 0, None).unwrap_err();
    assert_eq!(fields(&problems), ["options"]);
    let problems = NewQuestion::parse("q", Vec::new(), 0, None).unwrap_err();
    assert_eq!(fields(&problems), ["options", "correct"]);
}

#[test]
fn options_that_differ_only_in_case_or_spaces_are_duplicates() {
    let problems =
        NewQuestion::parse("q", strings(&["Họ Sếu", "  họ sếu ", "HỌ SẾU"]), 0, None).unwrap_err();
    assert_eq!(fields(&problems), ["options[1]", "options[2]"]);
    assert!(NewQuestion::parse("q", strings(&["Họ Sếu", "Họ Sẻ"]), 0, None).is_ok());
}

#[test]
fn control_characters_are_refused_but_line_breaks_in_the_text_are_kept() {
    assert!(NewQuestion::parse("dòng 1\ndòng 2", strings(&["a", "b"]), 0, None).is_ok());
    for bad in [
        "tab\there",
        "nul\0here",
        "bell\u{7}",
        "del\u{7f}",
        "c1\u{85}x",
    ] {
        let problems = NewQuestion::parse(bad, strings(&["a", "b"]), 0, None).unwrap_err();
        assert_eq!(fields(&problems), ["text"], "{bad:?}");
        let problems =
            NewQuestion::parse("q", vec![bad.to_owned(), "b".into()], 0, None).unwrap_err();
        assert_eq!(fields(&problems), ["options[0]"], "{bad:?}");
    }
    let problems = NewQuestion::parse("q", strings(&["a", "b"]), 0, Some("x\ny")).unwrap_err();
    assert_eq!(fields(&problems), ["category"]);
}

#[test]
fn the_correct_index_must_point_at_an_option() {
    let problems = NewQuestion::parse("q", strings(&["a", "b"]), 2, None).unwrap_err();
    assert_eq!(fields(&problems), ["correct"]);
    assert!(
        problems[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("0 to 1")
    );
}

// --- Properties ----------------------------------------------------------

proptest! {
    #[test]
    fn every_accepted_question_keeps_the_rules(
        text in tricky_text(30),
        options in proptest::collection::vec(tricky_text(8), 0..8),
        correct in 0usize..8,
        category in proptest::option::of(tricky_text(8)),
    ) {
        if let Ok(q) = NewQuestion::parse(&text, options, correct, category.as_deref()) {
            prop_assert!(!q.text().is_empty() && q.text() == q.text().trim());
            prop_assert!((MIN_OPTIONS..=MAX_OPTIONS).contains(&q.options().len()));
            prop_assert!(q.correct() < q.options().len());
            let mut keys: Vec<String> = q.options().iter().map(|o| o.to_lowercase()).collect();
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), q.options().len());
            for option in q.options() {
                prop_assert!(!option.is_empty() && option == option.trim() && !option.contains('\n'));
            }
            if let Some(category) = q.category() {
                prop_assert!(!category.is_empty() && !category.contains('\n'));
            }
        }
    }
}
