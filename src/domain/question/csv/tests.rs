use super::*;
use proptest::prelude::*;

use crate::domain::question::test_support::{question, rows_and_columns, valid_question};

fn csv_errors(input: &str) -> Vec<RowError> {
    match parse_csv(input.as_bytes()) {
        Ok(questions) => panic!("expected errors, got {questions:?}"),
        Err(errors) => errors,
    }
}

// --- CSV -----------------------------------------------------------------

/// As Excel for Windows saves "CSV UTF-8": BOM, CRLF, quotes only where needed,
/// an in-cell line break (Alt+Enter) as a bare LF inside quotes.
fn excel_csv() -> Vec<u8> {
    let text = concat!(
        "\u{feff}question,a,b,c,d,e,f,answer,category\r\n",
        "Sếu đầu đỏ thuộc họ nào?,Họ Hạc,Họ Sếu (Gruidae),Họ Diệc,Họ Vịt,,,B,Sinh học\r\n",
        "\"Sếu đầu đỏ \"\"trưởng thành\"\" cao khoảng bao nhiêu, tính bằng cm?\",",
        "Khoảng 50 cm,Khoảng 150 cm,\"Khoảng 300 cm, hoặc hơn\",,,,b,\r\n",
        "\"Vườn quốc gia Tràm Chim\nở tỉnh nào?\",Đồng Tháp,An Giang,Cà Mau,Kiên Giang,",
        "Long An,Bến Tre, a ,Địa lý\r\n",
    );
    text.as_bytes().to_vec()
}

fn excel_questions() -> Vec<NewQuestion> {
    vec![
        question(
            "Sếu đầu đỏ thuộc họ nào?",
            &["Họ Hạc", "Họ Sếu (Gruidae)", "Họ Diệc", "Họ Vịt"],
            1,
            Some("Sinh học"),
        ),
        question(
            "Sếu đầu đỏ \"trưởng thành\" cao khoảng bao nhiêu, tính bằng cm?",
            &["Khoảng 50 cm", "Khoảng 150 cm", "Khoảng 300 cm, hoặc hơn"],
            1,
            None,
        ),
        question(
            "Vườn quốc gia Tràm Chim\nở tỉnh nào?",
            &[
                "Đồng Tháp",
                "An Giang",
                "Cà Mau",
                "Kiên Giang",
                "Long An",
                "Bến Tre",
            ],
            0,
            Some("Địa lý"),
        ),
    ]
}

#[test]
fn an_excel_csv_with_bom_crlf_quotes_and_vietnamese_imports_exactly() {
    assert_eq!(parse_csv(&excel_csv()).unwrap(), excel_questions());
}

#[test]
fn the_same_file_without_bom_with_lf_or_cr_line_ends_imports_the_same() {
    let with_bom = String::from_utf8(excel_csv()).unwrap();
    let plain = with_bom.trim_start_matches('\u{feff}');
    assert_eq!(parse_csv(plain.as_bytes()).unwrap(), excel_questions());
    let lf = plain.replace("\r\n", "\n");
    assert_eq!(parse_csv(lf.as_bytes()).unwrap(), excel_questions());
    let cr = lf.replace('\n', "\r");
    assert_eq!(parse_csv(cr.as_bytes()).unwrap(), excel_questions());
}

#[test]
fn a_semicolon_separated_file_from_vietnamese_excel_imports() {
    let text = concat!(
        "\u{feff}question;a;b;c;d;e;f;answer;category\r\n",
        "Sếu đầu đỏ thuộc họ nào?;Họ Hạc;Họ Sếu, Gruidae;Họ Diệc;;;;b;Sinh học\r\n",
        "\"Chọn một; đúng nhất\";Có;Không;;;;;A;\r\n",
    );
    let questions = parse_csv(text.as_bytes()).unwrap();
    assert_eq!(
        questions,
        [
            question(
                "Sếu đầu đỏ thuộc họ nào?",
                &["Họ Hạc", "Họ Sếu, Gruidae", "Họ Diệc"],
                1,
                Some("Sinh học")
            ),
            question("Chọn một; đúng nhất", &["Có", "Không"], 0, None),
        ]
    );
}

#[test]
fn the_e_f_and_category_columns_may_be_left_out_and_columns_come_in_any_order() {
    let text = "question,a,b,c,d,answer\nHai cộng hai?,3,4,,,B\n";
    assert_eq!(
        parse_csv(text.as_bytes()).unwrap(),
        [question("Hai cộng hai?", &["3", "4"], 1, None)]
    );
    let text = " Answer ,CATEGORY,d,c,b,a,Question\nc,Toán,4,3,2,1,Hai cộng một?\n";
    assert_eq!(
        parse_csv(text.as_bytes()).unwrap(),
        [question(
            "Hai cộng một?",
            &["1", "2", "3", "4"],
            2,
            Some("Toán")
        )]
    );
}

#[test]
fn empty_rows_are_skipped_but_still_counted_as_rows() {
    let text = "question,a,b,c,d,answer\r\n,,,,,\r\n\r\nHai cộng hai?,3,4,,,E\r\n   ,  ,,,,\r\n";
    let errors = csv_errors(text);
    assert_eq!(rows_and_columns(&errors), [(4, Some("answer"))]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("no column e"),
        "{errors:?}"
    );
}

#[test]
fn an_answer_outside_a_to_f_refuses_the_whole_file_and_names_row_3() {
    let mut text = String::from_utf8(excel_csv()).unwrap();
    text = text.replace(",,,,b,\r\n", ",,,,G,\r\n");
    let errors = parse_csv(text.as_bytes()).unwrap_err();
    assert_eq!(rows_and_columns(&errors), [(3, Some("answer"))]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("A to F"),
        "{errors:?}"
    );
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("\"G\""),
        "{errors:?}"
    );
}

#[test]
fn an_answer_pointing_at_an_empty_option_names_row_3_even_after_a_multi_line_cell() {
    let text = concat!(
        "question,a,b,c,d,answer\r\n",
        "\"Câu hỏi\ncó hai dòng\",Có,Không,,,A\r\n",
        "Hai cộng hai?,3,4,,,D\r\n",
        "Hai cộng một?,3,4,,,A\r\n",
    );
    let errors = csv_errors(text);
    assert_eq!(rows_and_columns(&errors), [(3, Some("answer"))]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("option d is empty"),
        "{errors:?}"
    );
}

#[test]
fn every_bad_row_is_listed_with_its_column() {
    let text = concat!(
        "question,a,b,c,d,e,f,answer,category\r\n",
        ",Có,Không,,,,,A,\r\n",                  // 2: no question
        "Tốt?,Có,Không,,,,,A,\r\n",              // 3: fine
        "Trùng?,Đồng Tháp,ĐỒNG THÁP,,,,,A,\r\n", // 4: duplicate
        "Thiếu?,Có,,Không,,,,C,\r\n",            // 5: gap at b
        "Một?,Chỉ một,,,,,,A,\r\n",              // 6: one option
        "\"Nhiều\nlỗi\",,,,,,,,\"x\ny\"\r\n",    // 7: several
        "Sai?,Có,Không,,,,,,\r\n",               // 8: no answer
    );
    let errors = csv_errors(text);
    assert_eq!(
        rows_and_columns(&errors),
        [
            (2, Some("question")),
            (4, Some("b")),
            (5, Some("b")),
            (6, Some("b")),
            (7, Some("a")),
            (7, Some("category")),
            (7, Some("answer")),
            (8, Some("answer")),
        ],
        "{errors:#?}"
    );
    assert!(
        errors[1]
            .reason
            .get(crate::domain::Lang::En)
            .contains("repeats option A"),
        "{errors:?}"
    );
    assert!(
        errors[2]
            .reason
            .get(crate::domain::Lang::En)
            .contains("without gaps"),
        "{errors:?}"
    );
    assert!(
        errors[3]
            .reason
            .get(crate::domain::Lang::En)
            .contains("at least 2 options"),
        "{errors:?}"
    );
    assert!(
        errors[7]
            .reason
            .get(crate::domain::Lang::En)
            .contains("answer is missing"),
        "{errors:?}"
    );
}

#[test]
fn invalid_utf8_is_one_error_asking_for_csv_utf8() {
    let mut bytes = b"question,a,b,c,d,answer\r\nHai?,C\xf3,Kh\xf4ng,,,A\r\n".to_vec();
    let errors = parse_csv(&bytes).unwrap_err();
    assert_eq!(rows_and_columns(&errors), [(2, None)]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("CSV UTF-8"),
        "{errors:?}"
    );

    bytes.splice(0..0, b"\xff\xfeq".iter().copied());
    let errors = parse_csv(&bytes).unwrap_err();
    assert_eq!(rows_and_columns(&errors), [(1, None)]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("CSV UTF-8"),
        "{errors:?}"
    );

    let errors =
        parse_csv(b"question,a,b,c,d,answer\r\nOK?,a,b,,,A\r\nX,\xc3(,b,,,A\r\n").unwrap_err();
    assert_eq!(rows_and_columns(&errors), [(3, None)]);
}

fn numbered_rows(count: usize) -> String {
    let mut text = String::from("question,a,b,c,d,answer\r\n");
    for i in 0..count {
        text.push_str(&format!("Câu {i}?,Có,Không,,,A\r\n"));
    }
    text
}

#[test]
fn ten_thousand_rows_import_and_one_more_is_refused() {
    assert_eq!(
        parse_csv(numbered_rows(MAX_IMPORT_ROWS).as_bytes())
            .unwrap()
            .len(),
        MAX_IMPORT_ROWS
    );
    let errors = csv_errors(&numbered_rows(MAX_IMPORT_ROWS + 1));
    assert_eq!(rows_and_columns(&errors), [(MAX_IMPORT_ROWS + 2, None)]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("more than 10000"),
        "{errors:?}"
    );
}

#[test]
fn an_empty_file_or_a_header_alone_is_refused() {
    for empty in ["", "\u{feff}", "\r\n\r\n  \n", " ,, \r\n,\r\n"] {
        let errors = csv_errors(empty);
        assert_eq!(rows_and_columns(&errors), [(1, None)], "{empty:?}");
        assert!(
            errors[0]
                .reason
                .get(crate::domain::Lang::En)
                .contains("empty"),
            "{errors:?}"
        );
    }
    let errors = csv_errors("question,a,b,c,d,answer\r\n,,,,,\r\n");
    assert_eq!(rows_and_columns(&errors), [(2, None)]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("no questions"),
        "{errors:?}"
    );
}

#[test]
fn empty_rows_before_the_header_are_skipped_and_counted() {
    let text = "\r\n , ,\r\nquestion,a,b,c,d,answer\r\nHai?,1,2,,,A\r\nBa?,1,1,,,A\r\n";
    let errors = csv_errors(text);
    assert_eq!(rows_and_columns(&errors), [(5, Some("b"))]);
}

#[test]
fn a_missing_header_row_is_reported_once() {
    let errors = csv_errors("Sếu đầu đỏ thuộc họ nào?,Họ Hạc,Họ Sếu,,,B\r\n");
    assert_eq!(rows_and_columns(&errors), [(1, None)]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains(CSV_HEADER),
        "{errors:?}"
    );
}

#[test]
fn unknown_repeated_and_missing_header_columns_are_all_reported() {
    let errors = csv_errors("question,a,b,B,g,answer,ghi chú\r\nq,1,2,,,A,\r\n");
    assert_eq!(
        rows_and_columns(&errors),
        [
            (1, Some("B")),
            (1, Some("g")),
            (1, Some("ghi chú")),
            (1, Some("c")),
            (1, Some("d")),
        ],
        "{errors:#?}"
    );
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("more than once")
    );
    assert!(
        errors[1]
            .reason
            .get(crate::domain::Lang::En)
            .contains("Unknown column \"g\"")
    );
}

#[test]
fn a_value_in_a_column_without_header_is_an_error_but_empty_ones_are_ignored() {
    let text = "question,a,b,c,d,answer,\r\nHai?,1,2,,,A,\r\nBa?,1,2,,,A,,\r\n";
    assert_eq!(parse_csv(text.as_bytes()).unwrap().len(), 2);
    let errors = csv_errors("question,a,b,c,d,answer\r\nHai?,1,2,,,A,ghi chú\r\n");
    assert_eq!(rows_and_columns(&errors), [(2, None)]);
    assert!(
        errors[0]
            .reason
            .get(crate::domain::Lang::En)
            .contains("column G"),
        "{errors:?}"
    );
}

#[test]
fn spreadsheet_columns_are_lettered_like_excel() {
    assert_eq!(spreadsheet_column(0), "A");
    assert_eq!(spreadsheet_column(25), "Z");
    assert_eq!(spreadsheet_column(26), "AA");
    assert_eq!(spreadsheet_column(701), "ZZ");
    assert_eq!(spreadsheet_column(702), "AAA");
}

// --- Properties ----------------------------------------------------------

fn write_csv(questions: &[NewQuestion], order: &[&str], separator: u8, crlf: bool) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(separator)
        .terminator(if crlf {
            csv::Terminator::CRLF
        } else {
            csv::Terminator::Any(b'\n')
        })
        .from_writer(UTF8_BOM.to_vec());
    writer.write_record(order).unwrap();
    for q in questions {
        let row: Vec<String> = order
            .iter()
            .map(|&column| match column {
                "question" => q.text().to_owned(),
                "answer" => letter(q.correct()).to_string(),
                "category" => q.category().unwrap_or_default().to_owned(),
                option => {
                    let i = OPTION_COLUMNS.iter().position(|&c| c == option).unwrap();
                    q.options().get(i).cloned().unwrap_or_default()
                }
            })
            .collect();
        writer.write_record(&row).unwrap();
    }
    writer.into_inner().unwrap()
}

proptest! {
    #[test]
    fn any_valid_question_written_by_a_csv_writer_reads_back_the_same(
        questions in proptest::collection::vec(valid_question(), 1..5),
        order in Just(vec!["question", "a", "b", "c", "d", "e", "f", "answer", "category"]).prop_shuffle(),
        semicolon in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        let bytes = write_csv(&questions, &order, if semicolon { b';' } else { b',' }, crlf);
        prop_assert_eq!(parse_csv(&bytes), Ok(questions));
    }

    #[test]
    fn parse_csv_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_csv(&bytes);
    }

    #[test]
    fn parse_csv_never_panics_after_a_valid_header(
        body in proptest::collection::vec(
            prop_oneof![
                Just(b','), Just(b';'), Just(b'"'), Just(b'\r'), Just(b'\n'), Just(b'A'),
                Just(b'b'), Just(b' '), Just(0xC3), Just(0xA1), any::<u8>(),
            ],
            0..400,
        ),
    ) {
        let mut bytes = b"\xEF\xBB\xBFquestion,a,b,c,d,e,f,answer,category\r\n".to_vec();
        bytes.extend(body);
        let _ = parse_csv(&bytes);
    }
}
