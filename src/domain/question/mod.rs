//! The question bank: what a valid single-choice question is, and the CSV and
//! Aiken importers that turn an organiser's file into such questions.
//!
//! Everything here is pure (no I/O, no clock), so the HTTP layer can call it on
//! the request body and storage only ever sees [`NewQuestion`]s. Imports are all
//! or nothing: one bad row refuses the whole file, and every bad row is listed so
//! that the organiser can fix the file in one pass.

use crate::domain::{Lang, Text};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

mod aiken;
mod csv;
mod encoding;

pub use self::aiken::parse_aiken;
pub use self::csv::{CSV_HEADER, CSV_TEMPLATE, parse_csv};
pub use self::encoding::SourceEncoding;
use self::encoding::{FileKind, decode, nfc};

/// Fewest options a question may have.
pub const MIN_OPTIONS: usize = 2;
/// Most options a question may have (letters A to F).
pub const MAX_OPTIONS: usize = 6;
/// Most questions one import file may hold.
pub const MAX_IMPORT_ROWS: usize = 10_000;
/// The most questions a contest's bank holds.
pub const MAX_BANK_SIZE: usize = 20_000;
/// Longest question text, in characters (not bytes: Vietnamese letters are multi-byte).
pub const MAX_TEXT_CHARS: usize = 2_000;
/// Longest option, in characters.
pub const MAX_OPTION_CHARS: usize = 500;
/// Longest category name, in characters.
pub const MAX_CATEGORY_CHARS: usize = 100;

/// CSV header names of the option columns, in option order.
const OPTION_COLUMNS: [&str; MAX_OPTIONS] = ["a", "b", "c", "d", "e", "f"];

/// A valid single-choice question: trimmed text, 2 to 6 distinct options, the
/// index of the correct one and an optional category. Only [`NewQuestion::parse`]
/// and the importers make one, so holding one proves the rules were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestion {
    text: String,
    options: Vec<String>,
    correct: usize,
    category: Option<String>,
}

/// One problem with one field of a question given to [`NewQuestion::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// `text`, `options`, `options[2]` (0-based, as in the JSON array), `correct` or `category`.
    pub field: String,
    /// A plain sentence, in Vietnamese and English.
    pub reason: Text,
}

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based row as a spreadsheet shows it (CSV: the header is row 1; a cell with
    /// line breaks still counts as one row), or the line number of the question's
    /// first line (Aiken); when the file's encoding cannot be read, the line of
    /// the file where it stops making sense.
    pub row: usize,
    /// The part of the question at fault, named as in the CSV header: `question`,
    /// `a` … `f`, `answer`, `category` (also used for Aiken); `None` when the
    /// problem concerns the whole row or file.
    pub column: Option<String>,
    /// A plain sentence, in Vietnamese and English; the Vietnamese names the
    /// columns as the template does (Câu hỏi, A … F, Đáp án, Chủ đề).
    pub reason: Text,
}

/// The questions of an uploaded file and the encoding it was read in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub questions: Vec<NewQuestion>,
    pub encoding: SourceEncoding,
}

/// Reads an uploaded CSV file: UTF-8 (with or without BOM) or, failing that,
/// Windows-1258 when it reads as Vietnamese text (what Excel's plain "CSV"
/// writes on a Vietnamese Windows), composed to NFC, then [`parse_csv`]. A file
/// in neither encoding is one error that says how to save it as CSV UTF-8.
pub fn import_csv(bytes: &[u8]) -> Result<Import, Vec<RowError>> {
    let decoded = decode(bytes, FileKind::Csv).map_err(|e| vec![e])?;
    Ok(Import {
        questions: parse_csv(decoded.text.as_bytes())?,
        encoding: decoded.encoding,
    })
}

/// Reads an uploaded Aiken file, decoded as [`import_csv`] does, with [`parse_aiken`].
pub fn import_aiken(bytes: &[u8]) -> Result<Import, Vec<RowError>> {
    let decoded = decode(bytes, FileKind::Aiken).map_err(|e| vec![e])?;
    Ok(Import {
        questions: parse_aiken(&decoded.text)?,
        encoding: decoded.encoding,
    })
}

/// The question texts [`NewQuestion::parse`] accepts, as an ECMA-262 pattern.
pub fn text_pattern() -> String {
    super::pattern::trimmed_lines(1..=MAX_TEXT_CHARS)
}

/// The options [`NewQuestion::parse`] accepts, as an ECMA-262 pattern.
pub fn option_pattern() -> String {
    super::pattern::trimmed(1..=MAX_OPTION_CHARS, super::pattern::Controls::None)
}

/// The categories [`NewQuestion::parse`] accepts (blank is no category), as
/// an ECMA-262 pattern.
pub fn category_pattern() -> String {
    super::pattern::trimmed(0..=MAX_CATEGORY_CHARS, super::pattern::Controls::None)
}

/// What may change in a question of a published contest: its wording only.
/// Attempts already drew it — their papers hold its option ids in the order
/// shown, and scoring holds its right answer — so the number of options, the
/// right one and the category (which the draw may use) stay as they are.
/// `correct_before` is the index of the right option in the stored order.
pub fn correction_allowed(
    options_before: usize,
    correct_before: usize,
    category_before: Option<&str>,
    after: &NewQuestion,
) -> Result<(), &'static str> {
    if after.options.len() != options_before {
        Err("options")
    } else if after.correct != correct_before {
        Err("correct")
    } else if after.category.as_deref() != category_before {
        Err("category")
    } else {
        Ok(())
    }
}

impl NewQuestion {
    /// Checks a question as the API receives it and reports every problem at once.
    ///
    /// Text, options and category are trimmed and composed to Unicode NFC (so a
    /// tone typed as a separate combining mark matches the precomposed letter);
    /// line breaks in the text become `\n` (a browser sends `\r\n`); an empty
    /// category is no category. Options are
    /// compared ignoring letter case, so "Đồng Tháp" and "ĐỒNG THÁP" are the same.
    pub fn parse(
        text: &str,
        options: Vec<String>,
        correct: usize,
        category: Option<&str>,
    ) -> Result<Self, Vec<FieldProblem>> {
        let (fields, mut issues) = check_fields(text, &options, category, Naming::Api);
        let count = fields.options.len();
        if correct >= count {
            let reason = if count == 0 {
                Text::new(
                    format!(
                        "Đáp án đúng là chỉ số {correct}, nhưng câu hỏi chưa có phương án nào."
                    ),
                    format!("The correct answer is index {correct}, but there are no options."),
                )
            } else {
                Text::new(
                    format!(
                        "Đáp án đúng phải là chỉ số của một trong {count} phương án (0 đến {}); nhận được {correct}.",
                        count - 1
                    ),
                    format!(
                        "The correct answer must be the index of one of the {count} options (0 to {}); got {correct}.",
                        count - 1
                    ),
                )
            };
            issues.push(Issue::new(Field::Correct, reason));
        }
        if issues.is_empty() {
            Ok(fields.into_question(correct))
        } else {
            Err(issues
                .into_iter()
                .map(|issue| FieldProblem {
                    field: issue.field.api_name(),
                    reason: issue.reason,
                })
                .collect())
        }
    }

    /// The question text; it may contain `\n` line breaks.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The options, in the order the organiser gave them.
    pub fn options(&self) -> &[String] {
        &self.options
    }

    /// Index into [`NewQuestion::options`] of the correct option.
    pub fn correct(&self) -> usize {
        self.correct
    }

    /// The category, used to stratify the draw; `None` when not given.
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason.get(Lang::En))
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(
                f,
                "row {}, column {column}: {}",
                self.row,
                self.reason.get(Lang::En)
            ),
            None => write!(f, "row {}: {}", self.row, self.reason.get(Lang::En)),
        }
    }
}

impl RowError {
    fn new(row: usize, column: Option<&str>, reason: Text) -> Self {
        Self {
            row,
            column: column.map(str::to_owned),
            reason,
        }
    }
}

// ---------------------------------------------------------------------------
// The rules shared by the API and the importers.

/// Which part of a question a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Text,
    /// The list as a whole (too few, too many).
    Options,
    OptionAt(usize),
    Correct,
    Category,
}

impl Field {
    fn api_name(self) -> String {
        match self {
            Self::Text => "text".to_owned(),
            Self::Options => "options".to_owned(),
            Self::OptionAt(i) => format!("options[{i}]"),
            Self::Correct => "correct".to_owned(),
            Self::Category => "category".to_owned(),
        }
    }

    /// The CSV header name of the same part (the importers report in those terms).
    fn import_column(self) -> Option<&'static str> {
        match self {
            Self::Text => Some("question"),
            Self::Options => None,
            Self::OptionAt(i) => OPTION_COLUMNS.get(i).copied(),
            Self::Correct => Some("answer"),
            Self::Category => Some("category"),
        }
    }
}

struct Issue {
    field: Field,
    reason: Text,
}

impl Issue {
    fn new(field: Field, reason: Text) -> Self {
        Self { field, reason }
    }
}

/// How messages name options: the API speaks of indexes, the importers of letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    Api,
    Csv,
    Aiken,
}

impl Naming {
    /// The option as the subject of a sentence: (Vietnamese, English).
    fn subject(self, i: usize) -> (String, String) {
        match self {
            Self::Api => ("Phương án này".to_owned(), "This option".to_owned()),
            Self::Csv | Self::Aiken => (
                format!("Phương án {}", letter(i)),
                format!("Option {}", letter(i)),
            ),
        }
    }

    /// Another option, mentioned inside a sentence: (Vietnamese, English).
    fn reference(self, i: usize) -> (String, String) {
        match self {
            Self::Api => (
                format!("phương án ở chỉ số {i}"),
                format!("the option at index {i}"),
            ),
            Self::Csv | Self::Aiken => (
                format!("phương án {}", letter(i)),
                format!("option {}", letter(i)),
            ),
        }
    }

    fn empty_option(self, i: usize) -> Text {
        match self {
            Self::Api => Text::new("Phương án này đang để trống.", "This option is empty."),
            // The CSV importer only passes options up to the last filled cell, so
            // an empty one is a gap.
            Self::Csv => Text::new(
                format!(
                    "Phương án {} để trống nhưng có phương án sau nó được điền; hãy điền các cột phương án liền nhau từ cột A.",
                    letter(i)
                ),
                format!(
                    "Option {} is empty, but a later option is filled; fill the option columns from a onwards without gaps.",
                    letter(i)
                ),
            ),
            Self::Aiken => Text::new(
                format!("Phương án {} chưa có nội dung.", letter(i)),
                format!("Option {} has no text.", letter(i)),
            ),
        }
    }
}

/// Option letter for index `i`: 0 → `A`. Aiken files may carry letters past F.
fn letter(i: usize) -> char {
    u8::try_from(i)
        .ok()
        .filter(|&n| n < 26)
        .map_or('?', |n| char::from(b'A' + n))
}

/// The cleaned fields, kept even when there are problems so callers can add theirs.
struct Cleaned {
    text: String,
    options: Vec<String>,
    category: Option<String>,
}

impl Cleaned {
    fn into_question(self, correct: usize) -> NewQuestion {
        NewQuestion {
            text: self.text,
            options: self.options,
            correct,
            category: self.category,
        }
    }
}

/// Checks everything but the correct answer, whose form differs per source.
fn check_fields(
    text: &str,
    options: &[String],
    category: Option<&str>,
    naming: Naming,
) -> (Cleaned, Vec<Issue>) {
    let mut issues = Vec::new();

    let text = nfc(normalise_line_breaks(text).trim());
    if text.is_empty() {
        issues.push(Issue::new(
            Field::Text,
            Text::new("Câu hỏi chưa có nội dung.", "The question text is empty."),
        ));
    } else {
        let length = text.chars().count();
        if length > MAX_TEXT_CHARS {
            issues.push(Issue::new(
                Field::Text,
                Text::new(
                    format!("Câu hỏi dài {length} ký tự; tối đa {MAX_TEXT_CHARS} ký tự."),
                    format!(
                        "The question text is {length} characters long; the limit is {MAX_TEXT_CHARS}."
                    ),
                ),
            ));
        }
        if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
            issues.push(Issue::new(
                Field::Text,
                Text::new(
                    format!(
                        "Câu hỏi chứa {}; chỉ được có ký tự xuống dòng.",
                        describe_control(c).0
                    ),
                    format!(
                        "The question text contains {}; only line breaks are allowed.",
                        describe_control(c).1
                    ),
                ),
            ));
        }
    }

    let options: Vec<String> = options.iter().map(|o| nfc(o.trim())).collect();
    if options.len() < MIN_OPTIONS {
        issues.push(Issue::new(
            Field::Options,
            Text::new(
                format!(
                    "Mỗi câu hỏi cần ít nhất {MIN_OPTIONS} phương án; câu này có {}.",
                    options.len()
                ),
                format!(
                    "A question needs at least {MIN_OPTIONS} options; this one has {}.",
                    options.len()
                ),
            ),
        ));
    }
    if options.len() > MAX_OPTIONS {
        issues.push(Issue::new(
            Field::Options,
            Text::new(
                format!(
                    "Mỗi câu hỏi có tối đa {MAX_OPTIONS} phương án; câu này có {}.",
                    options.len()
                ),
                format!(
                    "A question can have at most {MAX_OPTIONS} options; this one has {}.",
                    options.len()
                ),
            ),
        ));
    }
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (i, option) in options.iter().enumerate() {
        let field = Field::OptionAt(i);
        if option.is_empty() {
            issues.push(Issue::new(field, naming.empty_option(i)));
            continue;
        }
        let length = option.chars().count();
        let (vi, en) = naming.subject(i);
        if length > MAX_OPTION_CHARS {
            issues.push(Issue::new(
                field,
                Text::new(
                    format!("{vi} dài {length} ký tự; tối đa {MAX_OPTION_CHARS} ký tự."),
                    format!("{en} is {length} characters long; the limit is {MAX_OPTION_CHARS}."),
                ),
            ));
        }
        if let Some(c) = option.chars().find(|c| c.is_control()) {
            let reason = if c == '\n' || c == '\r' {
                Text::new(
                    format!("{vi} có xuống dòng; mỗi phương án chỉ viết trên một dòng."),
                    format!("{en} contains a line break; an option must be a single line."),
                )
            } else {
                let (cvi, cen) = describe_control(c);
                Text::new(format!("{vi} chứa {cvi}."), format!("{en} contains {cen}."))
            };
            issues.push(Issue::new(field, reason));
        }
        match first_seen.entry(option.to_lowercase()) {
            Entry::Occupied(earlier) => {
                let (rvi, ren) = naming.reference(*earlier.get());
                issues.push(Issue::new(
                    field,
                    Text::new(
                        format!("{vi} trùng với {rvi} (không phân biệt chữ hoa, chữ thường)."),
                        format!("{en} repeats {ren} (letter case is ignored)."),
                    ),
                ))
            }
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }

    let category = category.map(str::trim).filter(|c| !c.is_empty()).map(nfc);
    if let Some(category) = &category {
        let length = category.chars().count();
        if length > MAX_CATEGORY_CHARS {
            issues.push(Issue::new(
                Field::Category,
                Text::new(
                    format!("Chủ đề dài {length} ký tự; tối đa {MAX_CATEGORY_CHARS} ký tự."),
                    format!(
                        "The category is {length} characters long; the limit is {MAX_CATEGORY_CHARS}."
                    ),
                ),
            ));
        }
        if let Some(c) = category.chars().find(|c| c.is_control()) {
            issues.push(Issue::new(
                Field::Category,
                Text::new(
                    format!(
                        "Chủ đề chứa {}; chỉ được viết trên một dòng.",
                        describe_control(c).0
                    ),
                    format!(
                        "The category contains {}; it must be a single line of text.",
                        describe_control(c).1
                    ),
                ),
            ));
        }
    }

    let cleaned = Cleaned {
        text,
        options,
        category,
    };
    (cleaned, issues)
}

/// `\r\n` and a lone `\r` become `\n`.
fn normalise_line_breaks(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A control character, named: (Vietnamese, English).
fn describe_control(c: char) -> (String, String) {
    match c {
        '\n' | '\r' => ("ký tự xuống dòng".to_owned(), "a line break".to_owned()),
        '\t' => ("ký tự tab".to_owned(), "a tab character".to_owned()),
        '\0' => (
            "ký tự NUL (U+0000)".to_owned(),
            "a NUL character (U+0000)".to_owned(),
        ),
        _ => (
            format!("ký tự điều khiển U+{:04X}", u32::from(c)),
            format!("the control character U+{:04X}", u32::from(c)),
        ),
    }
}

/// Reads an answer letter, A to F in either case, already trimmed.
fn answer_index(answer: &str) -> Result<usize, Text> {
    let mut chars = answer.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Err(Text::new(
            "Chưa có đáp án; hãy ghi chữ cái của phương án đúng (A đến F).",
            "The answer is missing; give the letter of the correct option (A to F).",
        )),
        (Some(c), None) if ('A'..='F').contains(&c.to_ascii_uppercase()) => {
            Ok(usize::from(c.to_ascii_uppercase() as u8 - b'A'))
        }
        _ => Err(Text::new(
            format!(
                "Đáp án phải là một chữ cái từ A đến F; đang ghi \"{}\".",
                shorten(answer, 40)
            ),
            format!(
                "The answer must be one letter from A to F; found \"{}\".",
                shorten(answer, 40)
            ),
        )),
    }
}

/// The first `max` characters of `s`, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

fn too_many_questions(row: usize) -> Vec<RowError> {
    vec![RowError::new(
        row,
        None,
        Text::new(
            format!("Tệp có hơn {MAX_IMPORT_ROWS} câu hỏi; hãy tách thành nhiều tệp."),
            format!(
                "The file has more than {MAX_IMPORT_ROWS} questions; split it into several files."
            ),
        ),
    )]
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod correction_tests {
    use super::*;

    fn q(options: usize, correct: usize, category: Option<&str>) -> NewQuestion {
        let opts = (0..options).map(|i| format!("Phương án {i}")).collect();
        NewQuestion::parse("Câu hỏi?", opts, correct, category).unwrap()
    }

    #[test]
    fn after_publishing_only_the_wording_may_change() {
        assert_eq!(correction_allowed(4, 1, None, &q(4, 1, None)), Ok(()));
        assert_eq!(
            correction_allowed(4, 1, None, &q(3, 1, None)),
            Err("options")
        );
        assert_eq!(
            correction_allowed(4, 1, None, &q(4, 2, None)),
            Err("correct")
        );
        assert_eq!(
            correction_allowed(4, 1, Some("A"), &q(4, 1, Some("B"))),
            Err("category")
        );
    }
}
