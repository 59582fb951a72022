//! Rows, hostile texts and strategies shared by the unit tests of the
//! export helpers and of the CSV and XLSX writers.

use super::*;
use proptest::prelude::*;

/// Columns holding text, with the row's value (`None` → blank cell).
pub(super) fn text_columns(row: &ExportRow) -> Vec<(usize, Option<String>)> {
    vec![
        (1, row.prize_name.clone()),
        (3, Some(row.full_name.clone())),
        (4, Some(row.phone.clone())),
        (5, row.national_id.clone()),
        (6, row.date_of_birth.clone()),
        (7, Some(row.province.clone())),
        (8, row.district.clone()),
        (9, Some(row.commune.clone())),
        (10, Some(row.hamlet.clone())),
        (15, Some(format_duration(row.duration_ms))),
        (16, Some(row.submitted_at.clone())),
    ]
}

/// The text columns of the workbook: the same but the duration and the
/// submission time, which are a duration and a date-time cell there.
pub(super) fn xlsx_text_columns(row: &ExportRow) -> Vec<(usize, Option<String>)> {
    let mut v = text_columns(row);
    v.retain(|(col, _)| *col < 15);
    v
}

/// 2024-12-05 20:15:03.042, the wall clock of the sample rows.
pub(super) fn sample_local() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2024, 12, 5)
        .and_then(|d| d.and_hms_milli_opt(20, 15, 3, 42))
        .unwrap()
}

/// Columns holding numbers.
pub(super) fn number_columns(row: &ExportRow) -> Vec<(usize, Option<i64>)> {
    vec![
        (0, Some(row.rank)),
        (2, row.prize_amount),
        (11, Some(row.score)),
        (12, Some(row.question_count)),
        (13, row.prediction),
        (14, row.prediction_error),
    ]
}

pub(super) fn winner(rank: i64, prize: &str, amount: i64, name: &str) -> ExportRow {
    ExportRow {
        rank,
        prize_name: Some(prize.to_owned()),
        prize_amount: Some(amount),
        full_name: name.to_owned(),
        phone: "0912345678".to_owned(),
        national_id: Some("087123456789".to_owned()),
        date_of_birth: Some("1990-05-17".to_owned()),
        province: "Đồng Tháp".to_owned(),
        district: Some("Cao Lãnh".to_owned()),
        commune: "Mỹ Hội".to_owned(),
        hamlet: "ấp Đông Mỹ".to_owned(),
        score: 20,
        question_count: 20,
        prediction: Some(1200),
        prediction_error: Some(34),
        duration_ms: 183_042,
        submitted_at: "2024-12-05T20:15:03.042+07:00".to_owned(),
        submitted_local: sample_local(),
    }
}

pub(super) fn sample_rows() -> Vec<ExportRow> {
    let mut third = winner(3, "Giải Ba", 3_000_000, "Hà Minh Tùng");
    third.national_id = None;
    third.date_of_birth = None;
    third.district = None;
    third.prediction = None;
    third.prediction_error = None;
    vec![
        winner(1, "Giải Nhất", 5_000_000, "Nguyễn Thị Sếu"),
        winner(2, "Giải Nhì", 4_000_000, "Trần Văn Đức"),
        third,
    ]
}

/// The hostile texts of the brief, each with whether CSV must prefix it.
pub(super) const HOSTILE: &[(&str, bool)] = &[
    ("=HYPERLINK(\"http://x\",\"y\")", true),
    ("+1+1", true),
    ("-2", true),
    ("@SUM(A1)", true),
    ("\tx=1", true),
    ("\r=1+1", true),
    ("\n=1+1", true),
    ("\u{200F}=1+1", true),
    (" =1+1", true),
    ("\u{FEFF}@x", true),
    ("\u{A0}\u{200B}-1", true),
    ("＝1+1", true),
    ("＋1", true),
    ("－1", true),
    ("＠x", true),
    ("=cmd|' /C calc'!A0", true),
    ("Lê \"Tí\", con", false),
    ("dòng 1\r\ndòng 2", false),
    ("a;b,c", false),
    ("\u{200F}Nguyễn", false),
    ("a=b", false),
    ("1+1", false),
    ("O'Neil", false),
    ("'=1", false),
    ("<r><t>Giải Nhất</t></r>", false),
    ("<r></t></si><si><t>=1</r>", false),
    ("_x0041_ và _x005F_x0041_", false),
    ("<r>_x0041_ và _x005F_x0041_</r>", false),
    ("<r>\r\u{B}_xD83D__xDE00_</r>", false),
    ("Nguyễn Thị Sếu", false),
];

pub(super) fn hostile_row(text: &str) -> ExportRow {
    let mut row = winner(1, text, 5_000_000, text);
    row.phone = text.to_owned();
    row.national_id = Some(text.to_owned());
    row.date_of_birth = Some(text.to_owned());
    row.province = text.to_owned();
    row.district = Some(text.to_owned());
    row.commune = text.to_owned();
    row.hamlet = text.to_owned();
    row.submitted_at = text.to_owned();
    row
}

/// Texts built from pieces that stress quoting, neutralising, XML
/// escaping and rust_xlsxwriter's rich-string detection, plus any char.
pub(super) fn tricky_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        2 => any::<char>().prop_map(String::from),
        3 => prop::sample::select(vec![
            "=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n", "\r\n", "\"", ",",
            ";", "'", " ", "\u{A0}", "\u{200F}", "\u{200B}", "\u{FEFF}", "<r>", "</r>",
            "<t>", "</t>", "<", ">", "&", "&amp;", "_x", "_x0041_", "_x005F_", "_xD83D_",
            "_xDE00_", "_x000D_", "\0", "\u{B}", "\u{1F}", "\u{7F}", "\u{85}", "\u{FFFE}",
            "\u{FFFF}", "Nguyễn", "Đồng Tháp", "ấp", "Sếu", "😀", "0912345678",
        ])
        .prop_map(String::from),
    ];
    prop_oneof![
        3 => prop::collection::vec(piece.clone(), 0..8).prop_map(|v| v.concat()),
        1 => prop::collection::vec(piece, 0..6).prop_map(|v| format!("<r>{}</r>", v.concat())),
    ]
}

pub(super) fn number() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 0i64..10_000_000,
        1 => any::<i64>(),
        1 => prop::sample::select(vec![
            i64::MIN, i64::MAX, -999_999_999_999_999, 999_999_999_999_999,
            1_000_000_000_000_000, -1_000_000_000_000_000,
        ]),
    ]
}

pub(super) fn export_row() -> impl Strategy<Value = ExportRow> {
    let texts = (
        prop::option::of(tricky_text()),
        tricky_text(),
        tricky_text(),
        prop::option::of(tricky_text()),
        prop::option::of(tricky_text()),
        tricky_text(),
        prop::option::of(tricky_text()),
        tricky_text(),
        tricky_text(),
        tricky_text(),
    );
    let numbers = (
        number(),
        prop::option::of(number()),
        number(),
        number(),
        prop::option::of(number()),
        prop::option::of(number()),
        number(),
    );
    (texts, numbers).prop_map(
        |(
            (
                prize_name,
                full_name,
                phone,
                national_id,
                date_of_birth,
                province,
                district,
                commune,
                hamlet,
                submitted_at,
            ),
            (rank, prize_amount, score, question_count, prediction, prediction_error, duration_ms),
        )| ExportRow {
            rank,
            prize_name,
            prize_amount,
            full_name,
            phone,
            national_id,
            date_of_birth,
            province,
            district,
            commune,
            hamlet,
            score,
            question_count,
            prediction,
            prediction_error,
            duration_ms,
            submitted_at,
            submitted_local: sample_local()
                + chrono::Duration::milliseconds(duration_ms.rem_euclid(10_000_000_000)),
        },
    )
}

pub(super) fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Keep failures out of the source tree; add any found as unit tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
