//! The CSV writer, [`CsvFormat`].

use std::borrow::Cow;

use super::{Cell, ExportRow, HEADERS, cells, neutralise};

/// `Content-Type` of [`CsvFormat`] output.
pub const CSV_CONTENT_TYPE: &str = "text/csv; charset=utf-8";

/// The UTF-8 byte order mark that makes Excel read a CSV file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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
                Cell::Duration(ms) => {
                    let text = super::format_duration(ms);
                    Cow::Owned(neutralise(&text).into_owned())
                }
                Cell::Instant(text, _) => match neutralise(text) {
                    Cow::Borrowed(t) => Cow::Borrowed(t),
                    Cow::Owned(neutralised) => Cow::Owned(neutralised),
                },
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

#[cfg(test)]
mod tests;
