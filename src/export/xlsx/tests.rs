use super::*;

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use proptest::prelude::*;

use crate::export::test_support::{
    HOSTILE, config, export_row, hostile_row, number_columns, sample_rows, tricky_text, winner,
    xlsx_text_columns,
};

struct Sheet {
    values: Range<Data>,
    formulas: Range<String>,
}

fn read_xlsx(bytes: Vec<u8>) -> Sheet {
    let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("readable xlsx");
    assert_eq!(workbook.sheet_names(), vec![WINNERS_SHEET.to_owned()]);
    let values = workbook.worksheet_range(WINNERS_SHEET).expect("sheet");
    let formulas = workbook.worksheet_formula(WINNERS_SHEET).expect("formulas");
    Sheet { values, formulas }
}

impl Sheet {
    fn get(&self, row: u32, col: usize) -> Data {
        let col = u32::try_from(col).unwrap();
        self.values
            .get_value((row, col))
            .cloned()
            .unwrap_or(Data::Empty)
    }

    fn assert_no_formulas(&self) {
        assert!(
            self.formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "formula cells found"
        );
    }
}

/// The number in a number or date cell.
fn number(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::DateTime(dt) => Some(dt.as_f64()),
        _ => None,
    }
}

fn expected_text_cell(text: Option<&str>) -> Data {
    match text {
        None | Some("") => Data::Empty,
        Some(t) => Data::String(t.to_owned()),
    }
}

fn expected_number_cell(n: Option<i64>) -> Data {
    match n {
        None => Data::Empty,
        Some(n) if n.unsigned_abs() <= EXCEL_EXACT_INT => Data::Float(n as f64),
        Some(n) => Data::String(n.to_string()),
    }
}

fn assert_xlsx_rows(sheet: &Sheet, rows: &[ExportRow]) {
    for (i, header) in HEADERS.iter().enumerate() {
        assert_eq!(
            sheet.get(XLSX_HEADER_ROW, i),
            Data::String((*header).to_owned())
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let r = XLSX_HEADER_ROW + 1 + u32::try_from(i).unwrap();
        for (col, text) in xlsx_text_columns(row) {
            assert_eq!(
                sheet.get(r, col),
                expected_text_cell(text.as_deref()),
                "row {i} col {col}"
            );
        }
        // The time taken and the submission are Excel time cells.
        let near = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        let duration = sheet.get(r, 15);
        assert!(
            near(number(&duration), row.duration_ms as f64 / 86_400_000.0),
            "row {i} duration {duration:?}"
        );
        let submitted = sheet.get(r, 16);
        assert!(
            near(number(&submitted), excel_serial(row.submitted_local)),
            "row {i} submitted {submitted:?}"
        );
        assert!(
            matches!(submitted, Data::DateTime(_)),
            "a date cell: {submitted:?}"
        );
        for (col, n) in number_columns(row) {
            assert_eq!(
                sheet.get(r, col),
                expected_number_cell(n),
                "row {i} col {col}"
            );
        }
    }
    let after = XLSX_HEADER_ROW + 1 + u32::try_from(rows.len()).unwrap();
    for col in 0..17 {
        assert_eq!(sheet.get(after, col), Data::Empty);
    }
}

// ----- XLSX ---------------------------------------------------------

#[test]
fn xlsx_round_trips_text_exactly_and_numbers_as_numbers() {
    let rows = sample_rows();
    let title = "Tìm hiểu về Sếu đầu đỏ";
    let digest = "3f1a9c0d";
    let sheet = read_xlsx(winners_xlsx(title, Some(digest), &rows).unwrap());
    sheet.assert_no_formulas();
    assert_eq!(sheet.get(0, 0), Data::String(title.to_owned()));
    assert_eq!(
        sheet.get(1, 0),
        Data::String(format!("Mã kiểm chứng (SHA-256): {digest}"))
    );
    assert_xlsx_rows(&sheet, &rows);
    let first = XLSX_HEADER_ROW + 1;
    assert_eq!(
        sheet.get(first, 3),
        Data::String("Nguyễn Thị Sếu".to_owned())
    );
    assert_eq!(sheet.get(first, 4), Data::String("0912345678".to_owned()));
    assert_eq!(sheet.get(first, 5), Data::String("087123456789".to_owned()));
    assert_eq!(sheet.get(first, 6), Data::String("1990-05-17".to_owned()));
    assert_eq!(sheet.get(first, 2), Data::Float(5_000_000.0));
    assert_eq!(sheet.get(first, 0), Data::Float(1.0));

    // Without a digest the second line is blank and the layout stays put.
    let sheet = read_xlsx(winners_xlsx(title, None, &rows).unwrap());
    assert_eq!(sheet.get(1, 0), Data::Empty);
    assert_xlsx_rows(&sheet, &rows);

    // No rows: title and header only.
    let sheet = read_xlsx(winners_xlsx("", None, &[]).unwrap());
    assert_eq!(sheet.get(0, 0), Data::Empty);
    assert_xlsx_rows(&sheet, &[]);
}

#[test]
fn xlsx_keeps_hostile_text_exact_and_writes_no_formula() {
    let rows: Vec<ExportRow> = HOSTILE.iter().map(|(text, _)| hostile_row(text)).collect();
    let title = "=HYPERLINK(\"http://x\",\"y\")";
    let bytes = winners_xlsx(title, Some("<r>@x</r>"), &rows).unwrap();
    let sheet = read_xlsx(bytes);
    sheet.assert_no_formulas();
    assert_eq!(sheet.get(0, 0), Data::String(title.to_owned()));
    assert_eq!(
        sheet.get(1, 0),
        Data::String(format!("{DIGEST_LABEL}<r>@x</r>"))
    );
    assert_xlsx_rows(&sheet, &rows);
}

#[test]
fn xlsx_large_integers_become_text_and_long_text_is_an_error() {
    let mut row = winner(1, "Giải Nhất", 999_999_999_999_999, "A");
    row.prediction = Some(1_000_000_000_000_000);
    row.prediction_error = Some(i64::MIN);
    let sheet = read_xlsx(winners_xlsx("t", None, std::slice::from_ref(&row)).unwrap());
    let r = XLSX_HEADER_ROW + 1;
    assert_eq!(sheet.get(r, 2), Data::Float(999_999_999_999_999.0));
    assert_eq!(
        sheet.get(r, 13),
        Data::String("1000000000000000".to_owned())
    );
    assert_eq!(sheet.get(r, 14), Data::String(i64::MIN.to_string()));

    row.full_name = "ễ".repeat(32_768);
    let err = winners_xlsx("t", None, &[row.clone()]).unwrap_err();
    assert!(format!("{err:#}").contains("Họ và tên"), "{err:#}");
    row.full_name = "ễ".repeat(32_767);
    assert!(winners_xlsx("t", None, &[row]).is_ok());
}

#[test]
fn protect_xml_escapes_matches_excel() {
    assert!(matches!(
        protect_xml_escapes("<r>abc</r>"),
        Cow::Borrowed(_)
    ));
    assert_eq!(protect_xml_escapes("_x0041_"), "_x005F_x0041_");
    assert_eq!(
        protect_xml_escapes("_x0041_x0042_"),
        "_x005F_x0041_x005F_x0042_"
    );
    assert_eq!(
        protect_xml_escapes("_x004_ _xG041_ _x0041"),
        "_x004_ _xG041_ _x0041"
    );
    assert_eq!(protect_xml_escapes("ễ_xabcd_ễ"), "ễ_x005F_xabcd_ễ");
}

// ----- properties ---------------------------------------------------

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn xlsx_round_trips_text_exactly(
        title in tricky_text(),
        digest in prop::option::of(tricky_text()),
        rows in prop::collection::vec(export_row(), 0..4),
    ) {
        let sheet = read_xlsx(winners_xlsx(&title, digest.as_deref(), &rows).unwrap());
        sheet.assert_no_formulas();
        prop_assert_eq!(sheet.get(0, 0), expected_text_cell(Some(&title)));
        let digest_line = digest.map(|d| format!("{DIGEST_LABEL}{d}"));
        prop_assert_eq!(sheet.get(1, 0), expected_text_cell(digest_line.as_deref()));
        assert_xlsx_rows(&sheet, &rows);
    }
}

#[test]
fn the_submission_is_a_vietnamese_date_cell_and_the_time_taken_is_h_mm_ss() {
    let rows = sample_rows();
    let sheet = read_xlsx(winners_xlsx("Cuộc thi", None, &rows).unwrap());
    let r = XLSX_HEADER_ROW + 1;
    // 2024-12-05 20:15:03.042 is serial 45631.843785…; 183,042 ms is 0:03:03.042.
    let Data::DateTime(dt) = sheet.get(r, 16) else {
        panic!("date cell")
    };
    assert!(
        (dt.as_f64() - 45_631.843_785_208_33).abs() < 1e-6,
        "{}",
        dt.as_f64()
    );
    let d = number(&sheet.get(r, 15)).unwrap();
    assert!((d * 86_400_000.0 - 183_042.0).abs() < 1e-3, "{d}");
}
