use super::*;
use proptest::prelude::*;

use crate::export::needs_neutralising;
use crate::export::test_support::{
    HOSTILE, config, export_row, hostile_row, number_columns, sample_rows, text_columns, winner,
};

fn parse_csv(bytes: &[u8], separator: u8) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(UTF8_BOM).expect("BOM at the start");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(separator)
        .from_reader(body);
    reader
        .records()
        .map(|record| {
            let record = record.expect("valid CSV");
            assert_eq!(record.len(), 17, "17 fields in {record:?}");
            record.iter().map(str::to_owned).collect()
        })
        .collect()
}

fn expected_csv(row: &ExportRow) -> Vec<String> {
    let mut out = vec![String::new(); 17];
    for (col, text) in text_columns(row) {
        out[col] = text
            .map(|t| neutralise(&t).into_owned())
            .unwrap_or_default();
    }
    for (col, n) in number_columns(row) {
        out[col] = n.map(|n| n.to_string()).unwrap_or_default();
    }
    out
}

// ----- CSV ----------------------------------------------------------

#[test]
fn csv_header_and_rows_round_trip_with_bom_and_crlf() {
    let rows = sample_rows();
    let csv = CsvFormat::default();
    let bytes = csv.document(&rows);

    assert!(bytes.starts_with(UTF8_BOM));
    assert!(bytes.ends_with(b"\r\n"));
    // No quoted newlines in this data, so every LF ends a line and follows a CR.
    let lf = bytes.iter().filter(|&&b| b == b'\n').count();
    assert_eq!(lf, rows.len() + 1);
    assert_eq!(bytes.windows(2).filter(|w| w == b"\r\n").count(), lf);

    let parsed = parse_csv(&bytes, b',');
    assert_eq!(parsed[0], HEADERS.map(str::to_owned).to_vec());
    assert_eq!(parsed.len(), rows.len() + 1);
    for (row, line) in rows.iter().zip(&parsed[1..]) {
        assert_eq!(*line, expected_csv(row));
    }
    let first = &parsed[1];
    assert_eq!(first[3], "Nguyễn Thị Sếu");
    assert_eq!(first[3].as_bytes(), "Nguyễn Thị Sếu".as_bytes());
    assert_eq!(first[4], "0912345678");
    assert_eq!(first[7], "Đồng Tháp");
    assert_eq!(first[10], "ấp Đông Mỹ");
    assert_eq!(first[2], "5000000");
    assert_eq!(first[15], "3:03.042");
    let third = &parsed[3];
    assert_eq!(
        (third[5].as_str(), third[8].as_str(), third[13].as_str()),
        ("", "", "")
    );

    // header() alone is exactly the BOM and the first line.
    let header = csv.header();
    assert!(bytes.starts_with(&header));
    assert_eq!(header.iter().filter(|&&b| b == b'\n').count(), 1);
    assert_eq!(
        csv.row(&rows[0]),
        bytes[header.len()..header.len() + csv.row(&rows[0]).len()]
    );
}

#[test]
fn csv_semicolon_variant() {
    let mut row = winner(1, "Giải Nhất", 5_000_000, "Nguyễn Thị Sếu");
    row.hamlet = "ấp 3, Đông Mỹ".to_owned();
    row.commune = "Mỹ Hội; Mỹ Xương".to_owned();
    let bytes = CsvFormat::SEMICOLON.document(std::slice::from_ref(&row));
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next().unwrap(), HEADERS.join(";"));
    let line = lines.next().unwrap();
    assert!(
        line.starts_with("1;Giải Nhất;5000000;Nguyễn Thị Sếu;0912345678;"),
        "{line}"
    );
    // Only the cell holding the separator is quoted.
    assert!(
        line.contains(";\"Mỹ Hội; Mỹ Xương\";ấp 3, Đông Mỹ;"),
        "{line}"
    );
    assert_eq!(parse_csv(&bytes, b';')[1], expected_csv(&row));
    // A bad separator setting falls back to the comma.
    assert_eq!(
        CsvFormat { separator: b'"' }.row(&row),
        CsvFormat::COMMA.row(&row)
    );
    assert_eq!(
        CsvFormat { separator: 0xC3 }.header(),
        CsvFormat::COMMA.header()
    );
}

#[test]
fn csv_quoting_follows_rfc_4180() {
    let mut row = winner(1, "Giải Nhất", 5_000_000, "Lê \"Tí\", con");
    row.hamlet = "dòng 1\r\ndòng 2".to_owned();
    row.commune = "chỉ\nLF".to_owned();
    row.province = "chỉ\rCR".to_owned();
    row.district = Some("a;b".to_owned());
    let bytes = CsvFormat::COMMA.row(&row);
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.contains(",\"Lê \"\"Tí\"\", con\","), "{text}");
    assert!(
        text.contains(",\"chỉ\rCR\",a;b,\"chỉ\nLF\",\"dòng 1\r\ndòng 2\","),
        "{text}"
    );
    assert!(text.ends_with("+07:00\r\n"));
    let mut file = CsvFormat::COMMA.header();
    file.extend_from_slice(&bytes);
    assert_eq!(parse_csv(&file, b',')[1], expected_csv(&row));
}

#[test]
fn csv_neutralises_every_hostile_text_cell() {
    for separator in [b',', b';'] {
        let format = CsvFormat { separator };
        let rows: Vec<ExportRow> = HOSTILE.iter().map(|(text, _)| hostile_row(text)).collect();
        let parsed = parse_csv(&format.document(&rows), separator);
        for ((text, prefixed), line) in HOSTILE.iter().zip(&parsed[1..]) {
            let want = if *prefixed {
                format!("'{text}")
            } else {
                (*text).to_owned()
            };
            for col in [1, 3, 4, 5, 6, 7, 8, 9, 10, 16] {
                assert_eq!(line[col], want, "{text:?} in column {col}");
            }
            // Numbers are never prefixed, even negative ones.
            assert_eq!(line[2], "5000000");
        }
    }
    let mut negative = winner(1, "Giải Nhất", 5_000_000, "A");
    negative.prediction = Some(-5);
    negative.duration_ms = -1;
    let line = &parse_csv(&CsvFormat::COMMA.document(&[negative]), b',')[1];
    assert_eq!((line[13].as_str(), line[15].as_str()), ("-5", "'-0:00.001"));
}

// ----- properties ---------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn csv_round_trips_to_the_neutralised_text(
        rows in prop::collection::vec(export_row(), 0..4),
        semicolon in any::<bool>(),
    ) {
        let format = if semicolon { CsvFormat::SEMICOLON } else { CsvFormat::COMMA };
        let bytes = format.document(&rows);
        let parsed = parse_csv(&bytes, format.separator);
        prop_assert_eq!(parsed.len(), rows.len() + 1);
        for (row, line) in rows.iter().zip(&parsed[1..]) {
            prop_assert_eq!(line, &expected_csv(row));
            for (col, text) in text_columns(row) {
                let cell = &line[col];
                prop_assert!(
                    !needs_neutralising(cell),
                    "column {} still a formula: {:?}",
                    col,
                    cell
                );
                let text = text.unwrap_or_default();
                let prefixed = format!("'{text}");
                prop_assert!(cell == &text || cell == &prefixed);
            }
        }
    }
}
