//! The XLSX writer, [`winners_xlsx`].

use std::borrow::Cow;

use anyhow::Context as _;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{Cell, ExportRow, HEADERS, cells};

/// `Content-Type` of [`winners_xlsx`] output.
pub const XLSX_CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Name of the only sheet of [`winners_xlsx`].
pub const WINNERS_SHEET: &str = "Danh sách trúng giải";
/// Text in front of the digest on the second line of [`winners_xlsx`].
pub const DIGEST_LABEL: &str = "Mã kiểm chứng (SHA-256): ";
/// Zero-based row of the column headers in [`winners_xlsx`]: row 0 is the
/// title, row 1 the digest line (blank without a digest), data from row 3.
pub const XLSX_HEADER_ROW: u32 = 2;

/// Largest integer magnitude Excel shows exactly (it keeps 15 significant
/// digits); beyond it numbers are written as text.
const EXCEL_EXACT_INT: u64 = 999_999_999_999_999;

/// Formats shared by the cells of [`winners_xlsx`].
struct XlsxFormats {
    title: Format,
    digest: Format,
    header: Format,
    text: Format,
    int: Format,
    amount: Format,
    /// Date and time as Vietnamese staff read it, to the millisecond (the
    /// tie-break "submitted earlier" can turn on it).
    datetime: Format,
    /// A time taken: hours, minutes, seconds and milliseconds.
    duration: Format,
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
            datetime: Format::new().set_num_format("dd/mm/yyyy hh:mm:ss.000"),
            duration: Format::new().set_num_format("[h]:mm:ss.000"),
            run: Format::new(),
        }
    }
}

/// The winners workbook: one sheet [`WINNERS_SHEET`] with the contest title in
/// A1 (bold), the line "Mã kiểm chứng (SHA-256): …" in A2 when a digest is given,
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
        Cell::Duration(ms) => {
            sheet.write_number_with_format(row, col, *ms as f64 / DAY_MS, &formats.duration)?;
            Ok(12)
        }
        Cell::Instant(_, local) => {
            sheet.write_number_with_format(row, col, excel_serial(*local), &formats.datetime)?;
            Ok(23)
        }
        Cell::Blank => Ok(0),
    }
}

const DAY_MS: f64 = 86_400_000.0;

/// Excel's serial number of a wall-clock time: days since 1899-12-30 (the
/// 1900 system, whose false 29 February 1900 matters only before March 1900).
pub fn excel_serial(local: chrono::NaiveDateTime) -> f64 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    (local - epoch).num_milliseconds() as f64 / DAY_MS
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
pub(super) fn write_text(
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
mod tests;
