//! Which character encoding an uploaded bank is in, and its text in NFC.
//!
//! Excel saves "CSV UTF-8" as UTF-8, but its plain "CSV (Comma delimited)" in
//! the Windows code page, which on a Vietnamese Windows is Windows-1258. That
//! code page writes most tone marks as separate combining characters ("Sê" +
//! U+0301), so the text is composed to NFC: "Sếu" from the file and "Sếu" typed
//! in the app must be the same string.

use super::RowError;
use crate::domain::{Lang, Text};
use encoding_rs::WINDOWS_1258;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The encoding an import was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    Utf8,
    Windows1258,
}

impl SourceEncoding {
    /// The WHATWG label: `utf-8` or `windows-1258`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Windows1258 => "windows-1258",
        }
    }
}

/// Which kind of file is read; only the advice on how to save it differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FileKind {
    Csv,
    Aiken,
}

impl FileKind {
    /// (Vietnamese, English).
    fn how_to_save(self) -> (&'static str, &'static str) {
        match self {
            Self::Csv => (
                "Hãy mở tệp bằng Excel, chọn Tệp > Lưu thành (File > Save As) với kiểu \"CSV UTF-8 (Comma delimited) (*.csv)\", rồi nhập tệp mới.",
                "In Excel, open the file, choose File > Save As and the type \"CSV UTF-8 (Comma delimited) (*.csv)\", then import the new file.",
            ),
            Self::Aiken => (
                "Hãy mở tệp bằng Notepad, chọn File > Save As với bảng mã (Encoding) \"UTF-8\", rồi nhập tệp mới.",
                "In Notepad, open the file, choose File > Save As and the encoding \"UTF-8\", then import the new file.",
            ),
        }
    }
}

/// The text of an uploaded file, in NFC, and the encoding it was read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Decoded {
    pub text: String,
    pub encoding: SourceEncoding,
}

/// Reads the bytes of an upload:
///
/// - UTF-16 (a byte order mark) is refused;
/// - UTF-8, with or without BOM (the BOM is dropped); with a BOM the file must
///   be UTF-8 throughout;
/// - otherwise Windows-1258, but only when the result reads as Vietnamese text:
///   no byte the code page leaves undefined (they decode to C1 controls), no
///   control character but tab and line breaks, and every tone mark right after
///   a vowel it composes with;
/// - text holding U+FFFD (letters lost when someone read the file in the wrong
///   encoding before us) is refused.
///
/// The text is then composed to NFC. An error names the line where the file
/// stops making sense (lines counted as a text editor does).
pub(super) fn decode(bytes: &[u8], kind: FileKind) -> Result<Decoded, RowError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(unreadable(
            1,
            Text::new(
                "Tệp đang được lưu dạng UTF-16 (\"Unicode Text\"), dạng này không nhập được.",
                "The file is saved as UTF-16 (\"Unicode Text\"), which cannot be imported.",
            ),
            kind,
        ));
    }
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        match std::str::from_utf8(rest) {
            Ok(text) => (text.to_owned(), SourceEncoding::Utf8),
            Err(e) => {
                // The BOM's three bytes hold no line break.
                let line = line_of(&rest[..e.valid_up_to()]);
                return Err(unreadable(
                    line,
                    Text::new(
                        format!(
                            "Không đọc được bảng mã của tệp: tệp bắt đầu là văn bản UTF-8 nhưng dòng {line} không phải UTF-8 (có lẽ tệp được ghép từ những tệp có bảng mã khác nhau)."
                        ),
                        format!(
                            "The file's encoding could not be read: it starts as UTF-8 text, but line {line} is not UTF-8 (the file was probably pieced together from files in different encodings)."
                        ),
                    ),
                    kind,
                ));
            }
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), SourceEncoding::Utf8)
    } else {
        (windows_1258(bytes, kind)?, SourceEncoding::Windows1258)
    };
    if let Some(at) = text.find('\u{FFFD}') {
        let line = line_of(&text.as_bytes()[..at]);
        return Err(unreadable(
            line,
            Text::new(
                format!(
                    "Dòng {line} có ký tự \u{FFFD} (U+FFFD), dấu hiệu chữ đã bị mất khi tệp từng được đọc sai bảng mã; cần làm lại tệp từ bản gốc."
                ),
                format!(
                    "Line {line} contains the character \u{FFFD} (U+FFFD), which stands for letters lost when the file was read in the wrong encoding; the file must be made again from the original."
                ),
            ),
            kind,
        ));
    }
    Ok(Decoded {
        text: nfc(&text),
        encoding,
    })
}

/// `s` composed to NFC; the quick check spares the copy-through for most text.
pub(super) fn nfc(s: &str) -> String {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => s.to_owned(),
        IsNormalized::No | IsNormalized::Maybe => s.nfc().collect(),
    }
}

fn windows_1258(bytes: &[u8], kind: FileKind) -> Result<String, RowError> {
    let refuse = |line: usize| {
        unreadable(
            line,
            Text::new(
                format!(
                    "Không đọc được bảng mã của tệp: tệp không phải UTF-8, cũng không phải Windows-1258 (Windows tiếng Việt); dòng {line} có những byte không có nghĩa trong cả hai."
                ),
                format!(
                    "The file's encoding could not be read: it is neither UTF-8 nor Windows-1258 (Vietnamese Windows), and line {line} has bytes that make no sense in either."
                ),
            ),
            kind,
        )
    };
    // A single-byte code page maps every byte; undefined ones become C1 controls.
    let Some(text) = WINDOWS_1258.decode_without_bom_handling_and_without_replacement(bytes) else {
        return Err(refuse(1));
    };
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        let implausible = match c {
            '\t' | '\n' | '\r' => false,
            c if c.is_control() => true,
            // Windows-1258's five tone marks (and any other) must sit on a vowel
            // they compose with; after a space, a digit or another tone they mean
            // the bytes are in some other encoding.
            c if is_combining_mark(c) => !previous.is_some_and(|p| composes(p, c)),
            _ => false,
        };
        if implausible {
            return Err(refuse(line_of(&text.as_bytes()[..at])));
        }
        previous = Some(c);
    }
    Ok(text.into_owned())
}

/// Whether `base` and `mark` make one letter in NFC. Not just their primary
/// composite: "â" + dot below is "ậ" by way of "ạ" + circumflex.
fn composes(base: char, mark: char) -> bool {
    let mut composed = [base, mark].into_iter().nfc();
    composed.next().is_some() && composed.next().is_none()
}

fn unreadable(line: usize, what: Text, kind: FileKind) -> RowError {
    let (vi, en) = kind.how_to_save();
    RowError::new(
        line,
        None,
        Text::new(
            format!("{} {vi}", what.get(Lang::Vi)),
            format!("{} {en}", what.get(Lang::En)),
        ),
    )
}

/// 1-based line of the byte after `before`: `\r\n`, `\n` and a lone `\r` end a line.
fn line_of(before: &[u8]) -> usize {
    let lf = before.iter().filter(|&&b| b == b'\n').count();
    let lone_cr = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\r' && before.get(i + 1) != Some(&b'\n'))
        .count();
    lf + lone_cr + 1
}

#[cfg(test)]
mod tests;
