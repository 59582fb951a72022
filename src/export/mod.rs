//! CSV and XLSX writers for winner lists and leaderboards (DESIGN.md, "Exports").
//!
//! Pure: no actix, no database. The files go to payout staff who open them in
//! Excel, so two things matter above all:
//!
//! * **Vietnamese text intact.** CSV is UTF-8 with a BOM (without it Excel
//!   reads the file as the ANSI code page and "Nguyễn" turns into mojibake);
//!   XLSX is UTF-8 XML by construction.
//! * **Nothing ever executes.** Names and addresses are typed by citizens, so a
//!   cell such as `=HYPERLINK("http://x","y")` must stay text:
//!   - in CSV every text cell goes through [`neutralise`] (an apostrophe in
//!     front of anything a spreadsheet would read as a formula);
//!   - in XLSX every text cell is a string cell (`write_string`), which Excel
//!     never evaluates, so the text is kept exactly, without the apostrophe.
//!     Numbers are number cells. No formula cell is ever written.
//!
//! # Layout
//!
//! Both formats have the 17 columns of [`HEADERS`], in that order, one
//! [`ExportRow`] per line. Numbers (rank, amount, score, question count,
//! prediction, prediction error) are plain digits in CSV and number cells in
//! XLSX; everything else is text (phone, national ID and date of birth
//! included, so leading zeros survive), the duration formatted by
//! [`format_duration`].
//!
//! # What rust_xlsxwriter does with unusual text (checked against 0.102.0)
//!
//! * Control characters U+0000–U+001F other than TAB and LF (so CR included),
//!   and the non-characters U+FFFE/U+FFFF, are written as Excel's `_xHHHH_`
//!   escapes, and a literal `_xHHHH_` in the text is protected as
//!   `_x005F_xHHHH_`, so **every Rust string round-trips exactly** (checked
//!   with calamine, which decodes the same escapes, in the property test).
//!   Leading/trailing TAB, LF and space get `xml:space="preserve"`.
//! * A string that starts with `<r>` and ends with `</r>` is taken by
//!   rust_xlsxwriter for pre-built rich-text XML and copied into
//!   `sharedStrings.xml` **unescaped** (XML injection: a hostile name can
//!   corrupt the file or change what is displayed). [`winners_xlsx`] writes such
//!   strings as a one-run rich string instead, which is escaped, after doing
//!   the `_xHHHH_` protection itself (that path skips it).
//! * Empty strings are not written at all: the cell is blank.
//! * Excel limits a cell to 32,767 UTF-16 units: a longer text makes
//!   [`winners_xlsx`] fail with an error naming the row and column (a payout
//!   file must not be silently truncated; registration should cap lengths).
//! * Excel keeps 15 significant digits: an integer beyond ±999,999,999,999,999
//!   is written as a text cell of its digits instead of a rounded number.

use std::borrow::Cow;

use anyhow::Context as _;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// One row of a winners list or leaderboard, already in display form where noted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub rank: i64,
    pub prize_name: Option<String>,
    /// VND
    pub prize_amount: Option<i64>,
    pub full_name: String,
    /// Full number (admins only).
    pub phone: String,
    pub national_id: Option<String>,
    /// YYYY-MM-DD
    pub date_of_birth: Option<String>,
    pub province: String,
    pub district: Option<String>,
    pub commune: String,
    pub hamlet: String,
    pub score: i64,
    pub question_count: i64,
    pub prediction: Option<i64>,
    pub prediction_error: Option<i64>,
    pub duration_ms: i64,
    /// RFC 3339 in the contest's time zone, e.g. 2024-12-05T20:15:03.042+07:00
    pub submitted_at: String,
}

/// Column headers, Vietnamese (the files are for Vietnamese staff).
pub const HEADERS: [&str; 17] = [
    "Hạng",
    "Giải",
    "Tiền thưởng (VND)",
    "Họ và tên",
    "Số điện thoại",
    "Số CCCD",
    "Ngày sinh",
    "Tỉnh/Thành phố",
    "Quận/Huyện",
    "Xã/Phường/Thị trấn",
    "Ấp/Khóm/Đường",
    "Số câu đúng",
    "Số câu hỏi",
    "Dự đoán",
    "Sai số dự đoán",
    "Thời gian làm bài",
    "Thời điểm nộp bài",
];

/// `Content-Type` of [`CsvFormat`] output.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";
/// `Content-Type` of [`winners_xlsx`] output.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Name of the only sheet of [`winners_xlsx`].
pub const WINNERS_SHEET: &str = "Danh sách trúng giải";
/// Text in front of the digest on the second line of [`winners_xlsx`].
pub const DIGEST_LABEL: &str = "Mã kiểm tra (SHA-256): ";
/// Zero-based row of the column headers in [`winners_xlsx`]: row 0 is the
/// title, row 1 the digest line (blank without a digest), data from row 3.
pub const XLSX_HEADER_ROW: u32 = 2;

/// The UTF-8 byte order mark that makes Excel read a CSV file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Largest integer magnitude Excel shows exactly (it keeps 15 significant
/// digits); beyond it numbers are written as text.
const EXCEL_EXACT_INT: u64 = 999_999_999_999_999;

/// Prefixes with an apostrophe `'` a text cell that Excel, LibreOffice or
/// Google Sheets could read as a formula or a control sequence
/// (OWASP "CSV injection"), and returns every other cell unchanged.
///
/// A cell is neutralised when
/// * it starts with TAB, CR or LF, or
/// * its first character that is neither whitespace nor invisible (bidi marks
///   such as U+200F, zero-width characters, the BOM, the soft hyphen) is one
///   of `=` `+` `-` `@` or their full-width forms `＝` `＋` `－` `＠`: some
///   importers strip such leading characters (or IMEs fold full-width forms)
///   before deciding whether a cell is a formula.
///
/// False positives (a name starting with "-") only cost a visible apostrophe;
/// the rest of the text is kept exactly. The empty cell is left alone.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if needs_neutralising(cell) {
        let mut out = String::with_capacity(cell.len() + 1);
        out.push('\'');
        out.push_str(cell);
        Cow::Owned(out)
    } else {
        Cow::Borrowed(cell)
    }
}

fn needs_neutralising(cell: &str) -> bool {
    if cell.starts_with(['\t', '\r', '\n']) {
        return true;
    }
    cell.chars()
        .find(|&c| !is_blank_or_invisible(c))
        .is_some_and(is_formula_trigger)
}

fn is_formula_trigger(c: char) -> bool {
    matches!(
        c,
        '=' | '+' | '-' | '@' | '\u{FF1D}' | '\u{FF0B}' | '\u{FF0D}' | '\u{FF20}'
    )
}

fn is_blank_or_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// "m:ss.mmm" (e.g. 183042 ms → "3:03.042"); from one hour on "h:mm:ss.mmm"
/// (3723004 ms → "1:02:03.004"). Negative durations (which the domain never
/// produces) get a leading "-".
pub fn format_duration(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let total = ms.unsigned_abs();
    let millis = total % 1000;
    let seconds = total / 1000 % 60;
    let minutes = total / 60_000;
    if minutes < 60 {
        format!("{sign}{minutes}:{seconds:02}.{millis:03}")
    } else {
        let hours = minutes / 60;
        let minutes = minutes % 60;
        format!("{sign}{hours}:{minutes:02}:{seconds:02}.{millis:03}")
    }
}

/// One cell of an export line, before it is rendered for a format.
enum Cell<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Amount(i64),
    Blank,
}

impl<'a> Cell<'a> {
    fn text(s: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(s))
    }

    fn opt_text(s: Option<&'a str>) -> Self {
        s.map_or(Cell::Blank, Cell::text)
    }

    fn opt_int(n: Option<i64>) -> Self {
        n.map_or(Cell::Blank, Cell::Int)
    }
}

/// The cells of a row in [`HEADERS`] order: the one place that ties columns
/// to fields, shared by CSV and XLSX.
fn cells(row: &ExportRow) -> [Cell<'_>; 17] {
    [
        Cell::Int(row.rank),
        Cell::opt_text(row.prize_name.as_deref()),
        row.prize_amount.map_or(Cell::Blank, Cell::Amount),
        Cell::text(&row.full_name),
        Cell::text(&row.phone),
        Cell::opt_text(row.national_id.as_deref()),
        Cell::opt_text(row.date_of_birth.as_deref()),
        Cell::text(&row.province),
        Cell::opt_text(row.district.as_deref()),
        Cell::text(&row.commune),
        Cell::text(&row.hamlet),
        Cell::Int(row.score),
        Cell::Int(row.question_count),
        Cell::opt_int(row.prediction),
        Cell::opt_int(row.prediction_error),
        Cell::Text(Cow::Owned(format_duration(row.duration_ms))),
        Cell::text(&row.submitted_at),
    ]
}

/// CSV: UTF-8 with BOM, CRLF, RFC 4180 quoting (a cell is quoted when it
/// contains the separator, a double quote, CR or LF; quotes are doubled).
///
/// Built line by line so the full leaderboard can be streamed: send
/// [`header`](Self::header) once, then [`row`](Self::row) per row.
///
/// `separator` is `b','` (the default) or `b';'` (what Excel expects where the
/// decimal separator is a comma, as in the Vietnamese locale). Any other value
/// is treated as `b','`, so a bad setting can never produce a broken file.
///
/// Known Excel behaviour when a CSV file is opened by double-click (the bytes
/// are right; use the XLSX file or Data › From Text/CSV with Text columns
/// when it matters): digit-only text such as the phone "0912345678" loses its
/// leading zero, "1990-05-17" is shown in the local date format, and the
/// duration "3:03.042" is read as a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvFormat {
    pub separator: u8,
}

impl Default for CsvFormat {
    fn default() -> Self {
        Self::COMMA
    }
}

impl CsvFormat {
    pub const COMMA: CsvFormat = CsvFormat { separator: b',' };
    pub const SEMICOLON: CsvFormat = CsvFormat { separator: b';' };

    /// The separator actually used: `;` if asked for, `,` otherwise.
    pub fn effective_separator(&self) -> u8 {
        if self.separator == b';' { b';' } else { b',' }
    }

    /// BOM + header line (ending CRLF).
    pub fn header(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(UTF8_BOM);
        self.line(&mut out, HEADERS.iter().map(|h| Cow::Borrowed(*h)));
        out
    }

    /// One data line (ending CRLF). Text cells neutralised; numbers written as
    /// plain digits (they are never formulas); `None` as an empty cell.
    pub fn row(&self, row: &ExportRow) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.line(
            &mut out,
            cells(row).into_iter().map(|cell| match cell {
                Cell::Text(text) => match neutralise(&text) {
                    Cow::Borrowed(_) => text,
                    Cow::Owned(neutralised) => Cow::Owned(neutralised),
                },
                Cell::Int(n) | Cell::Amount(n) => Cow::Owned(n.to_string()),
                Cell::Blank => Cow::Borrowed(""),
            }),
        );
        out
    }

    /// A whole file: [`header`](Self::header) followed by a line per row.
    pub fn document(&self, rows: &[ExportRow]) -> Vec<u8> {
        let mut out = self.header();
        for row in rows {
            out.extend_from_slice(&self.row(row));
        }
        out
    }

    fn line<'a>(&self, out: &mut Vec<u8>, fields: impl IntoIterator<Item = Cow<'a, str>>) {
        let separator = self.effective_separator();
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                out.push(separator);
            }
            push_csv_field(out, &field, separator);
        }
        out.extend_from_slice(b"\r\n");
    }
}

fn push_csv_field(out: &mut Vec<u8>, field: &str, separator: u8) {
    // The separator, quote, CR and LF are ASCII, so a byte scan of UTF-8 is exact.
    let needs_quotes = field
        .bytes()
        .any(|b| b == separator || matches!(b, b'"' | b'\r' | b'\n'));
    if !needs_quotes {
        out.extend_from_slice(field.as_bytes());
        return;
    }
    out.push(b'"');
    for b in field.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

/// Formats shared by the cells of [`winners_xlsx`].
struct XlsxFormats {
    title: Format,
    digest: Format,
    header: Format,
    text: Format,
    int: Format,
    amount: Format,
    /// Default format for the single run of a rich string.
    run: Format,
}

impl XlsxFormats {
    fn new() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(14),
            digest: Format::new().set_italic(),
            header: Format::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border(FormatBorder::Thin),
            // "@": the cell stays text even when staff edit it.
            text: Format::new().set_num_format("@"),
            int: Format::new().set_num_format("0"),
            amount: Format::new().set_num_format("#,##0"),
            run: Format::new(),
        }
    }
}

/// The winners workbook: one sheet [`WINNERS_SHEET`] with the contest title in
/// A1 (bold), the line "Mã kiểm tra (SHA-256): …" in A2 when a digest is given,
/// the [`HEADERS`] on row 3 ([`XLSX_HEADER_ROW`]) and a row per winner below.
///
/// Text cells are string cells holding the exact text (no apostrophe: a
/// string cell is never evaluated), with the Text number format `@`; numbers
/// are number cells, amounts with a thousands format; blank for `None`. The
/// header row is bold, frozen (with the rank-to-name columns) and has an
/// autofilter; column widths follow the content; the sheet prints landscape,
/// one page wide, with the header repeated on every page.
pub fn winners_xlsx(
    title: &str,
    digest: Option<&str>,
    rows: &[ExportRow],
) -> anyhow::Result<Vec<u8>> {
    let formats = XlsxFormats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(WINNERS_SHEET)?;

    write_text(sheet, 0, 0, title, &formats.title, &formats.run).context("contest title")?;
    if let Some(digest) = digest {
        let line = format!("{DIGEST_LABEL}{digest}");
        write_text(sheet, 1, 0, &line, &formats.digest, &formats.run).context("digest")?;
    }

    let mut widths: [usize; 17] = HEADERS.map(|h| h.chars().count());
    for (col, header) in (0u16..).zip(HEADERS) {
        sheet.write_string_with_format(XLSX_HEADER_ROW, col, header, &formats.header)?;
    }

    let mut last_row = XLSX_HEADER_ROW;
    for (index, row) in rows.iter().enumerate() {
        let sheet_row = u32::try_from(index)
            .ok()
            .and_then(|i| i.checked_add(XLSX_HEADER_ROW + 1))
            .context("too many rows for a worksheet")?;
        for (col, cell) in (0u16..).zip(cells(row)) {
            let width = write_cell(sheet, sheet_row, col, &cell, &formats).with_context(|| {
                format!(
                    "row {} (rank {}), column {:?}",
                    index + 1,
                    row.rank,
                    HEADERS[usize::from(col)]
                )
            })?;
            let slot = &mut widths[usize::from(col)];
            *slot = (*slot).max(width);
        }
        last_row = sheet_row;
    }

    for (col, width) in (0u16..).zip(widths) {
        // Column width is in characters of the default font; leave a margin
        // for the bold header and the filter button, and cap runaway texts.
        let chars = u32::try_from(width.clamp(6, 60)).unwrap_or(60) + 3;
        sheet.set_column_width(col, chars)?;
    }
    sheet.set_freeze_panes(XLSX_HEADER_ROW + 1, 4)?;
    sheet.autofilter(XLSX_HEADER_ROW, 0, last_row, 16)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(XLSX_HEADER_ROW, XLSX_HEADER_ROW)?;

    Ok(workbook.save_to_buffer()?)
}

/// Writes one data cell and returns its display width in characters.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell<'_>,
    formats: &XlsxFormats,
) -> Result<usize, XlsxError> {
    match cell {
        Cell::Text(text) => {
            write_text(sheet, row, col, text, &formats.text, &formats.run)?;
            Ok(text
                .split('\n')
                .map(|line| line.chars().count())
                .max()
                .unwrap_or(0))
        }
        Cell::Int(n) => write_int(sheet, row, col, *n, &formats.int, &formats.text),
        Cell::Amount(n) => write_int(sheet, row, col, *n, &formats.amount, &formats.text),
        Cell::Blank => Ok(0),
    }
}

/// A number cell, or a text cell of the digits when Excel could not hold the
/// value exactly. Returns the display width.
fn write_int(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    n: i64,
    number_format: &Format,
    text_format: &Format,
) -> Result<usize, XlsxError> {
    let digits = n.to_string();
    if n.unsigned_abs() <= EXCEL_EXACT_INT {
        // Exact: |n| < 2^53.
        sheet.write_number_with_format(row, col, n as f64, number_format)?;
        // Thousands separators take a third more.
        Ok(digits.len() + digits.len() / 3)
    } else {
        sheet.write_string_with_format(row, col, digits.as_str(), text_format)?;
        Ok(digits.len())
    }
}

/// A string cell holding exactly `text` (nothing for the empty string).
fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
    run: &Format,
) -> Result<(), XlsxError> {
    if text.is_empty() {
        return Ok(());
    }
    if text.starts_with("<r>") && text.ends_with("</r>") {
        // rust_xlsxwriter 0.102 would copy this into sharedStrings.xml as raw
        // rich-text XML. A one-run rich string is XML-escaped, but its text
        // skips the `_xHHHH_` protection, so apply that here.
        let protected = protect_xml_escapes(text);
        sheet.write_rich_string_with_format(row, col, &[(run, protected.as_ref())], format)?;
    } else {
        sheet.write_string_with_format(row, col, text, format)?;
    }
    Ok(())
}

/// Excel's protection of literal `_xHHHH_` sequences (which it would decode
/// as the UTF-16 unit HHHH): the leading underscore becomes `_x005F_`.
fn protect_xml_escapes(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let is_escape_at = |i: usize| {
        bytes.get(i..i + 7).is_some_and(|w| {
            w[0] == b'_'
                && w[1] == b'x'
                && w[6] == b'_'
                && w[2..6].iter().all(u8::is_ascii_hexdigit)
        })
    };
    if !(0..bytes.len()).any(is_escape_at) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 12);
    let mut copied = 0;
    for i in (0..bytes.len()).filter(|&i| is_escape_at(i)) {
        // `i` is at an ASCII '_', hence on a char boundary.
        out.push_str(&text[copied..i]);
        out.push_str("_x005F");
        copied = i;
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::io::Cursor;

    use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
    use proptest::prelude::*;

    /// Columns holding text, with the row's value (`None` → blank cell).
    fn text_columns(row: &ExportRow) -> Vec<(usize, Option<String>)> {
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

    /// Columns holding numbers.
    fn number_columns(row: &ExportRow) -> Vec<(usize, Option<i64>)> {
        vec![
            (0, Some(row.rank)),
            (2, row.prize_amount),
            (11, Some(row.score)),
            (12, Some(row.question_count)),
            (13, row.prediction),
            (14, row.prediction_error),
        ]
    }

    fn winner(rank: i64, prize: &str, amount: i64, name: &str) -> ExportRow {
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
        }
    }

    fn sample_rows() -> Vec<ExportRow> {
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
    const HOSTILE: &[(&str, bool)] = &[
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

    fn hostile_row(text: &str) -> ExportRow {
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

    struct Sheet {
        values: Range<Data>,
        formulas: Range<String>,
    }

    fn read_xlsx(bytes: Vec<u8>) -> Sheet {
        let mut workbook: Xlsx<_> =
            open_workbook_from_rs(Cursor::new(bytes)).expect("readable xlsx");
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
            for (col, text) in text_columns(row) {
                assert_eq!(
                    sheet.get(r, col),
                    expected_text_cell(text.as_deref()),
                    "row {i} col {col}"
                );
            }
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
            Data::String(format!("Mã kiểm tra (SHA-256): {digest}"))
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

    /// Texts built from pieces that stress quoting, neutralising, XML
    /// escaping and rust_xlsxwriter's rich-string detection, plus any char.
    fn tricky_text() -> impl Strategy<Value = String> {
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

    fn number() -> impl Strategy<Value = i64> {
        prop_oneof![
            3 => 0i64..10_000_000,
            1 => any::<i64>(),
            1 => prop::sample::select(vec![
                i64::MIN, i64::MAX, -999_999_999_999_999, 999_999_999_999_999,
                1_000_000_000_000_000, -1_000_000_000_000_000,
            ]),
        ]
    }

    fn export_row() -> impl Strategy<Value = ExportRow> {
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
                (
                    rank,
                    prize_amount,
                    score,
                    question_count,
                    prediction,
                    prediction_error,
                    duration_ms,
                ),
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
            },
        )
    }

    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases,
            // Keep failures out of the source tree; add any found as unit tests.
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

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

        #[test]
        fn neutralised_text_is_never_a_formula(text in tricky_text()) {
            let out = neutralise(&text);
            prop_assert!(!needs_neutralising(&out));
            let prefixed = format!("'{text}");
            prop_assert!(out == text || out == prefixed);
        }
    }

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
}
