//! CSV and XLSX writers for winner lists and leaderboards (docs/results.md, "Exports").
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

mod csv;
mod stats;
mod xlsx;

pub use self::csv::{CSV_CONTENT_TYPE, CsvFormat, UTF8_BOM};
pub use self::stats::stats_xlsx;
pub use self::xlsx::{
    DIGEST_LABEL, WINNERS_SHEET, XLSX_CONTENT_TYPE, XLSX_HEADER_ROW, winners_xlsx,
};

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
    /// The same instant as the contest's wall clock shows it (the workbook's
    /// date cell: Excel dates carry no zone).
    pub submitted_local: chrono::NaiveDateTime,
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
    /// A time taken, in milliseconds: text in CSV, a duration cell in XLSX.
    Duration(i64),
    /// An instant: its RFC 3339 text in CSV, a date-time cell in XLSX.
    Instant(&'a str, chrono::NaiveDateTime),
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
        Cell::Duration(row.duration_ms),
        Cell::Instant(&row.submitted_at, row.submitted_local),
    ]
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
