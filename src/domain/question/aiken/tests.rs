use super::*;
use proptest::prelude::*;

use crate::domain::question::test_support::{question, rows_and_columns, valid_question};

fn aiken_errors(input: &str) -> Vec<RowError> {
    match parse_aiken(input) {
        Ok(questions) => panic!("expected errors, got {questions:?}"),
        Err(errors) => errors,
    }
}

// --- Aiken -------------------------------------------------------------

#[test]
fn a_good_aiken_question_imports() {
    let text = "Sếu đầu đỏ thuộc họ nào?\nA. Họ Hạc\nB. Họ Sếu (Gruidae)\nC. Họ Diệc\nANSWER: B\n";
    assert_eq!(
        parse_aiken(text).unwrap(),
        [question(
            "Sếu đầu đỏ thuộc họ nào?",
            &["Họ Hạc", "Họ Sếu (Gruidae)", "Họ Diệc"],
            1,
            None
        )]
    );
}

#[test]
fn several_aiken_questions_with_both_option_styles_and_multi_line_text_import() {
    let text = concat!(
        "Vườn quốc gia Tràm Chim\n",
        "ở tỉnh nào?\n",
        "A) Đồng Tháp\n",
        "B) An Giang\n",
        "C) Cà Mau\n",
        "D) Kiên Giang\n",
        "E) Long An\n",
        "F) Bến Tre\n",
        "ANSWER: A\n",
        "\n",
        "\n",
        "Hai cộng hai?\n",
        "A. 3\n",
        "B. 4\n",
        "answer : b\n",
        "Không có dòng trống?\n",
        "A. Có\n",
        "B. Không\n",
        "ANSWER: B",
    );
    assert_eq!(
        parse_aiken(text).unwrap(),
        [
            question(
                "Vườn quốc gia Tràm Chim\nở tỉnh nào?",
                &[
                    "Đồng Tháp",
                    "An Giang",
                    "Cà Mau",
                    "Kiên Giang",
                    "Long An",
                    "Bến Tre"
                ],
                0,
                None
            ),
            question("Hai cộng hai?", &["3", "4"], 1, None),
            question("Không có dòng trống?", &["Có", "Không"], 1, None),
        ]
    );
}

#[test]
fn an_aiken_file_with_bom_crlf_and_trailing_spaces_imports() {
    let text = "\u{feff}Sếu đầu đỏ thuộc họ nào?  \r\nA. Họ Hạc \r\nB. Họ Sếu\t\r\nANSWER: B  \r\n\r\n   \r\nHai?\r\nA. 1\r\nB. 2\r\nANSWER: A\r\n";
    assert_eq!(
        parse_aiken(text).unwrap(),
        [
            question("Sếu đầu đỏ thuộc họ nào?", &["Họ Hạc", "Họ Sếu"], 1, None),
            question("Hai?", &["1", "2"], 0, None),
        ]
    );
}

#[test]
fn every_broken_aiken_question_is_reported_at_its_first_line() {
    let text = concat!(
        "Thiếu đáp án?\n", // 1
        "A. Có\n",         // 2
        "B. Không\n",      // 3
        "\n",              // 4
        "Đáp án ngoài?\n", // 5
        "A. Có\n",         // 6
        "B. Không\n",      // 7
        "ANSWER: D\n",     // 8
        "\n",              // 9
        "Sai thứ tự?\n",   // 10
        "A. Một\n",        // 11
        "C. Hai\n",        // 12
        "ANSWER: A\n",     // 13
        "Một lựa chọn?\n", // 14
        "A. Duy nhất\n",   // 15
        "ANSWER: A\n",     // 16
        "Tốt?\n",          // 17
        "A. Có\n",         // 18
        "B. Không\n",      // 19
        "ANSWER: A\n",     // 20
        "Đáp án lạ?\n",    // 21
        "A. Có\n",         // 22
        "B. Không\n",      // 23
        "ANSWER: Có\n",    // 24
    );
    let errors = aiken_errors(text);
    assert_eq!(
        rows_and_columns(&errors),
        [
            (1, Some("answer")),
            (5, Some("answer")),
            (10, None),
            (14, None),
            (21, Some("answer")),
        ],
        "{errors:#?}"
    );
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("ANSWER line is missing")
    );
    assert!(
        errors[1]
            .reason
            .get(crate::domain::Lang::En)
            .contains("only has options A to B")
    );
    assert!(
        errors[2]
            .reason
            .get(crate::domain::Lang::En)
            .contains("out of order; expected B")
    );
    assert!(
        errors[3]
            .reason
            .get(crate::domain::Lang::En)
            .contains("at least 2 options")
    );
    assert!(
        errors[4]
            .reason
            .get(crate::domain::Lang::En)
            .contains("A to F")
    );
}

#[test]
fn a_blank_line_inside_an_aiken_question_is_explained() {
    let text = "Câu hỏi?\n\nA. Có\nB. Không\n\nANSWER: A\n";
    let errors = aiken_errors(text);
    assert_eq!(
        rows_and_columns(&errors),
        [
            (1, None),
            (1, Some("answer")),
            (3, Some("question")),
            (3, Some("answer")),
            (6, Some("answer"))
        ],
        "{errors:#?}"
    );
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("no options")
    );
    assert!(
        errors[2]
            .reason
            .get(crate::domain::Lang::En)
            .contains("blank line")
    );
    assert!(
        errors[4]
            .reason
            .get(crate::domain::Lang::En)
            .contains("no question before it")
    );
}

#[test]
fn aiken_stray_lines_too_many_options_and_duplicates_are_reported() {
    let text = concat!(
        "Nhiều dòng?\nA. Có\ntiếp tục\nB. Không\nANSWER: A\n\n",
        "Bảy?\nA. 1\nB. 2\nC. 3\nD. 4\nE. 5\nF. 6\nG. 7\nANSWER: A\n\n",
        "Trùng?\nA. Có\nB. có\nC.\nANSWER: A\n",
    );
    let errors = aiken_errors(text);
    assert_eq!(
        rows_and_columns(&errors),
        [(1, None), (7, None), (17, Some("b")), (17, Some("c"))],
        "{errors:#?}"
    );
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("Line 3")
    );
    assert!(
        errors[1]
            .reason
            .get(crate::domain::Lang::En)
            .contains("at most 6")
    );
    assert!(
        errors[2]
            .reason
            .get(crate::domain::Lang::En)
            .contains("repeats option A")
    );
    assert!(
        errors[3]
            .reason
            .get(crate::domain::Lang::En)
            .contains("no text")
    );
}

#[test]
fn an_empty_aiken_file_is_refused() {
    for empty in ["", "\u{feff}", "\r\n \n"] {
        let errors = aiken_errors(empty);
        assert_eq!(rows_and_columns(&errors), [(1, None)]);
    }
}

#[test]
fn more_than_ten_thousand_aiken_questions_are_refused() {
    let one = "Hai?\nA. 1\nB. 2\nANSWER: A\n\n";
    assert_eq!(
        parse_aiken(&one.repeat(MAX_IMPORT_ROWS)).unwrap().len(),
        MAX_IMPORT_ROWS
    );
    let errors = aiken_errors(&one.repeat(MAX_IMPORT_ROWS + 1));
    assert_eq!(rows_and_columns(&errors), [(MAX_IMPORT_ROWS * 5 + 1, None)]);
}

// --- Properties ----------------------------------------------------------

proptest! {
    #[test]
    fn any_valid_single_line_question_written_as_aiken_reads_back_the_same(
        questions in proptest::collection::vec(valid_question(), 1..5),
    ) {
        // Aiken cannot carry categories, line breaks in the text, or text lines
        // that look like options or ANSWER lines.
        let questions: Vec<NewQuestion> = questions
            .into_iter()
            .filter_map(|q| {
                let text = format!("Câu {}", q.text().replace('\n', " "));
                NewQuestion::parse(&text, q.options().to_vec(), q.correct(), None).ok()
            })
            .collect();
        prop_assume!(!questions.is_empty());
        let mut text = String::new();
        for q in &questions {
            text.push_str(q.text());
            text.push('\n');
            for (i, option) in q.options().iter().enumerate() {
                text.push_str(&format!("{}. {option}\n", letter(i)));
            }
            text.push_str(&format!("ANSWER: {}\n\n", letter(q.correct())));
        }
        prop_assert_eq!(parse_aiken(&text), Ok(questions));
    }

    #[test]
    fn parse_aiken_never_panics(text in "(?s).{0,400}") {
        let _ = parse_aiken(&text);
    }

    #[test]
    fn parse_aiken_never_panics_on_aiken_like_lines(
        lines in proptest::collection::vec(
            "(ANSWER: ?[A-Hx]?|[A-H][.)] ?[a-zđ,]{0,5}|[a-zếĐ ]{0,8}|\r|\u{feff}|answer:|ANSWER)",
            0..40,
        ),
    ) {
        let _ = parse_aiken(&lines.join("\n"));
    }
}
