//! The question bank: what a valid single-choice question is, and the CSV and
//! Aiken importers that turn an organiser's file into such questions.
//!
//! Everything here is pure (no I/O, no clock), so the HTTP layer can call it on
//! the request body and storage only ever sees [`NewQuestion`]s. Imports are all
//! or nothing: one bad row refuses the whole file, and every bad row is listed so
//! that the organiser can fix the file in one pass.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use serde::Serialize;

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

/// The CSV header that organisers are told to use (`e`, `f` and `category` may be left out).
pub const CSV_HEADER: &str = "question,a,b,c,d,e,f,answer,category";

/// CSV header names of the option columns, in option order.
const OPTION_COLUMNS: [&str; MAX_OPTIONS] = ["a", "b", "c", "d", "e", "f"];
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const SAVE_AS_CSV_UTF8: &str =
    "In Excel, use File > Save As and choose the type \"CSV UTF-8 (Comma delimited) (*.csv)\".";

/// A valid single-choice question: trimmed text, 2 to 6 distinct options, the
/// index of the correct one and an optional category. Only [`NewQuestion::parse`]
/// and the importers make one, so holding one proves the rules were checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewQuestion {
    text: String,
    options: Vec<String>,
    correct: usize,
    category: Option<String>,
}

/// One problem with one field of a question given to [`NewQuestion::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// `text`, `options`, `options[2]` (0-based, as in the JSON array), `correct` or `category`.
    pub field: String,
    /// A plain English sentence.
    pub reason: String,
}

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based row as a spreadsheet shows it (CSV: the header is row 1; a cell with
    /// line breaks still counts as one row), or the line number of the question's
    /// first line (Aiken).
    pub row: usize,
    /// The part of the question at fault, named as in the CSV header: `question`,
    /// `a` … `f`, `answer`, `category` (also used for Aiken); `None` when the
    /// problem concerns the whole row or file.
    pub column: Option<String>,
    /// A plain English sentence.
    pub reason: String,
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

impl NewQuestion {
    /// Checks a question as the API receives it and reports every problem at once.
    ///
    /// Text, options and category are trimmed; line breaks in the text become `\n`
    /// (a browser sends `\r\n`); an empty category is no category. Options are
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
                format!("The correct answer is index {correct}, but there are no options.")
            } else {
                format!(
                    "The correct answer must be the index of one of the {count} options (0 to {}); got {correct}.",
                    count - 1
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
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "row {}, column {column}: {}", self.row, self.reason),
            None => write!(f, "row {}: {}", self.row, self.reason),
        }
    }
}

impl RowError {
    fn new(row: usize, column: Option<&str>, reason: impl Into<String>) -> Self {
        Self {
            row,
            column: column.map(str::to_owned),
            reason: reason.into(),
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
    reason: String,
}

impl Issue {
    fn new(field: Field, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
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
    /// The option as the subject of a sentence.
    fn subject(self, i: usize) -> String {
        match self {
            Self::Api => "This option".to_owned(),
            Self::Csv | Self::Aiken => format!("Option {}", letter(i)),
        }
    }

    /// Another option, mentioned inside a sentence.
    fn reference(self, i: usize) -> String {
        match self {
            Self::Api => format!("the option at index {i}"),
            Self::Csv | Self::Aiken => format!("option {}", letter(i)),
        }
    }

    fn empty_option(self, i: usize) -> String {
        match self {
            Self::Api => "This option is empty.".to_owned(),
            // The CSV importer only passes options up to the last filled cell, so
            // an empty one is a gap.
            Self::Csv => format!(
                "Option {} is empty, but a later option is filled; fill the option columns from a onwards without gaps.",
                letter(i)
            ),
            Self::Aiken => format!("Option {} has no text.", letter(i)),
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

    let text = normalise_line_breaks(text).trim().to_owned();
    if text.is_empty() {
        issues.push(Issue::new(Field::Text, "The question text is empty."));
    } else {
        let length = text.chars().count();
        if length > MAX_TEXT_CHARS {
            issues.push(Issue::new(
                Field::Text,
                format!(
                    "The question text is {length} characters long; the limit is {MAX_TEXT_CHARS}."
                ),
            ));
        }
        if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
            issues.push(Issue::new(
                Field::Text,
                format!(
                    "The question text contains {}; only line breaks are allowed.",
                    describe_control(c)
                ),
            ));
        }
    }

    let options: Vec<String> = options.iter().map(|o| o.trim().to_owned()).collect();
    if options.len() < MIN_OPTIONS {
        issues.push(Issue::new(
            Field::Options,
            format!(
                "A question needs at least {MIN_OPTIONS} options; this one has {}.",
                options.len()
            ),
        ));
    }
    if options.len() > MAX_OPTIONS {
        issues.push(Issue::new(
            Field::Options,
            format!(
                "A question can have at most {MAX_OPTIONS} options; this one has {}.",
                options.len()
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
        if length > MAX_OPTION_CHARS {
            issues.push(Issue::new(
                field,
                format!(
                    "{} is {length} characters long; the limit is {MAX_OPTION_CHARS}.",
                    naming.subject(i)
                ),
            ));
        }
        if let Some(c) = option.chars().find(|c| c.is_control()) {
            let reason = if c == '\n' || c == '\r' {
                format!(
                    "{} contains a line break; an option must be a single line.",
                    naming.subject(i)
                )
            } else {
                format!("{} contains {}.", naming.subject(i), describe_control(c))
            };
            issues.push(Issue::new(field, reason));
        }
        match first_seen.entry(option.to_lowercase()) {
            Entry::Occupied(earlier) => issues.push(Issue::new(
                field,
                format!(
                    "{} repeats {} (letter case is ignored).",
                    naming.subject(i),
                    naming.reference(*earlier.get())
                ),
            )),
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }

    let category = category
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    if let Some(category) = &category {
        let length = category.chars().count();
        if length > MAX_CATEGORY_CHARS {
            issues.push(Issue::new(
                Field::Category,
                format!(
                    "The category is {length} characters long; the limit is {MAX_CATEGORY_CHARS}."
                ),
            ));
        }
        if let Some(c) = category.chars().find(|c| c.is_control()) {
            issues.push(Issue::new(
                Field::Category,
                format!(
                    "The category contains {}; it must be a single line of text.",
                    describe_control(c)
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

fn describe_control(c: char) -> String {
    match c {
        '\n' | '\r' => "a line break".to_owned(),
        '\t' => "a tab character".to_owned(),
        '\0' => "a NUL character (U+0000)".to_owned(),
        _ => format!("the control character U+{:04X}", u32::from(c)),
    }
}

/// Reads an answer letter, A to F in either case, already trimmed.
fn answer_index(answer: &str) -> Result<usize, String> {
    let mut chars = answer.chars();
    match (chars.next(), chars.next()) {
        (None, _) => {
            Err("The answer is missing; give the letter of the correct option (A to F).".to_owned())
        }
        (Some(c), None) if ('A'..='F').contains(&c.to_ascii_uppercase()) => {
            Ok(usize::from(c.to_ascii_uppercase() as u8 - b'A'))
        }
        _ => Err(format!(
            "The answer must be one letter from A to F; found \"{}\".",
            shorten(answer, 40)
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
        format!("The file has more than {MAX_IMPORT_ROWS} questions; split it into several files."),
    )]
}

// ---------------------------------------------------------------------------
// CSV, as Excel saves it.

/// Reads a question bank saved from Excel as "CSV UTF-8".
///
/// - UTF-8 with or without BOM; `\r\n`, `\n` or `\r` line ends; RFC 4180 quoting.
/// - The first row is the header: `question,a,b,c,d,e,f,answer,category` in any
///   order and letter case; `e`, `f` and `category` may be left out; an unknown
///   or repeated name is an error. The separator is `;` when the header row has
///   `;` and no `,` (Excel set to Vietnamese saves so), else `,`.
/// - The options are the cells `a` … up to the last filled one, so an empty cell
///   before a filled one is an error; `answer` is a letter A–F naming a filled option.
/// - Entirely empty rows are skipped; a column with no header name must be empty.
///
/// All or nothing: any problem gives `Err` listing every bad row.
pub fn parse_csv(bytes: &[u8]) -> Result<Vec<NewQuestion>, Vec<RowError>> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(vec![RowError::new(
            1,
            None,
            format!(
                "The file is saved as UTF-16 (\"Unicode Text\"), but it must be saved as \"CSV UTF-8\". {SAVE_AS_CSV_UTF8}"
            ),
        )]);
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    // Old Mac files end lines with a lone CR, which the csv crate does not count as
    // a line; with LF only, the row arithmetic below holds.
    let data = normalise_line_breaks_bytes(bytes);
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(empty_csv());
    }

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(detect_separator(&data))
        .from_reader(data.as_slice());
    let mut rows = RowCounter::new(&data);
    let mut record = csv::ByteRecord::new();
    let mut header: Option<(usize, Header)> = None;
    let mut questions = Vec::new();
    let mut errors = Vec::new();
    let mut data_rows = 0;

    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                return Err(vec![RowError::new(
                    rows.last_row + 1,
                    None,
                    format!("The file could not be read as CSV: {error}."),
                )]);
            }
        }
        let row = rows.row_of(&record);
        let Some(cells) = record
            .iter()
            .map(|cell| std::str::from_utf8(cell).ok())
            .collect::<Option<Vec<&str>>>()
        else {
            return Err(vec![RowError::new(
                row,
                None,
                format!(
                    "Row {row} is not valid UTF-8 text: the file must be saved as \"CSV UTF-8\". {SAVE_AS_CSV_UTF8}"
                ),
            )]);
        };
        // Entirely empty rows are skipped, before the header as after it.
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let Some((_, columns)) = &header else {
            header = Some((row, Header::parse(&cells, row)?));
            continue;
        };
        data_rows += 1;
        if data_rows > MAX_IMPORT_ROWS {
            return Err(too_many_questions(row));
        }
        match parse_csv_row(columns, &cells, row) {
            Ok(question) => questions.push(question),
            Err(mut problems) => errors.append(&mut problems),
        }
    }

    let Some((header_row, _)) = header else {
        return Err(empty_csv());
    };
    if data_rows == 0 {
        return Err(vec![RowError::new(
            header_row + 1,
            None,
            "The file has a header row but no questions.",
        )]);
    }
    if errors.is_empty() {
        Ok(questions)
    } else {
        Err(errors)
    }
}

fn empty_csv() -> Vec<RowError> {
    vec![RowError::new(
        1,
        None,
        format!(
            "The file is empty; its first row must be the header {CSV_HEADER}, followed by one row per question."
        ),
    )]
}

fn normalise_line_breaks_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut iter = bytes.iter().peekable();
    while let Some(&byte) = iter.next() {
        if byte == b'\r' {
            iter.next_if_eq(&&b'\n');
            out.push(b'\n');
        } else {
            out.push(byte);
        }
    }
    out
}

/// `;` when the header line has `;` and no `,` (Excel in Vietnamese locale), else `,`.
fn detect_separator(data: &[u8]) -> u8 {
    let header_line = data
        .split(|&b| b == b'\n')
        .find(|line| !line.trim_ascii().is_empty())
        .unwrap_or_default();
    if header_line.contains(&b';') && !header_line.contains(&b',') {
        b';'
    } else {
        b','
    }
}

fn count_line_breaks(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Turns record positions into the row numbers a spreadsheet shows: every line
/// break outside a quoted cell starts a row, blank lines included. (The csv
/// crate's own line number counts line breaks inside cells and skips blank lines.)
struct RowCounter<'a> {
    data: &'a [u8],
    scanned: usize,
    line_breaks: usize,
    inside_cells: usize,
    last_row: usize,
}

impl<'a> RowCounter<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            scanned: 0,
            line_breaks: 0,
            inside_cells: 0,
            last_row: 0,
        }
    }

    fn row_of(&mut self, record: &csv::ByteRecord) -> usize {
        let reported = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .unwrap_or(self.scanned);
        // The reported start includes the blank lines skipped before the record.
        let mut start = reported.clamp(self.scanned, self.data.len());
        while self.data.get(start) == Some(&b'\n') {
            start += 1;
        }
        self.line_breaks += count_line_breaks(&self.data[self.scanned..start]);
        self.scanned = start;
        let row = self.line_breaks.saturating_sub(self.inside_cells) + 1;
        self.inside_cells += count_line_breaks(record.as_slice());
        self.last_row = row;
        row
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Question,
    Choice(usize),
    Answer,
    Category,
}

impl Column {
    /// `name` is trimmed and lowercased.
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "question" => Some(Self::Question),
            "answer" => Some(Self::Answer),
            "category" => Some(Self::Category),
            _ => OPTION_COLUMNS
                .iter()
                .position(|&c| c == name)
                .map(Self::Choice),
        }
    }
}

/// Where each known column sits in a row.
struct Header {
    question: Option<usize>,
    options: [Option<usize>; MAX_OPTIONS],
    answer: Option<usize>,
    category: Option<usize>,
    /// Per position: whether the header names it.
    named: Vec<bool>,
}

impl Header {
    fn parse(cells: &[&str], row: usize) -> Result<Self, Vec<RowError>> {
        let mut header = Self {
            question: None,
            options: [None; MAX_OPTIONS],
            answer: None,
            category: None,
            named: vec![false; cells.len()],
        };
        let mut errors = Vec::new();
        for (position, cell) in cells.iter().enumerate() {
            let name = cell.trim();
            if name.is_empty() {
                continue;
            }
            let Some(column) = Column::from_name(&name.to_lowercase()) else {
                errors.push(RowError::new(
                    row,
                    Some(name),
                    format!(
                        "Unknown column \"{}\"; the allowed columns are {CSV_HEADER}.",
                        shorten(name, 60)
                    ),
                ));
                continue;
            };
            let slot = header.slot(column);
            if slot.is_some() {
                errors.push(RowError::new(
                    row,
                    Some(name),
                    format!("The column \"{name}\" appears more than once in the header."),
                ));
            } else {
                *slot = Some(position);
                header.named[position] = true;
            }
        }
        if header.question.is_none() && header.answer.is_none() {
            // The header row is missing altogether (a first question row can still
            // match a letter column, "B" say) or written in other words: say so once.
            let found: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
            return Err(vec![RowError::new(
                row,
                None,
                format!(
                    "The first row must be the header {CSV_HEADER}; found \"{}\".",
                    shorten(&found.join(","), 80)
                ),
            )]);
        }
        let required = [
            ("question", header.question),
            ("a", header.options[0]),
            ("b", header.options[1]),
            ("c", header.options[2]),
            ("d", header.options[3]),
            ("answer", header.answer),
        ];
        for (name, position) in required {
            if position.is_none() {
                errors.push(RowError::new(
                    row,
                    Some(name),
                    format!(
                        "The header has no \"{name}\" column; it needs at least question,a,b,c,d,answer (e, f and category are optional)."
                    ),
                ));
            }
        }
        if errors.is_empty() {
            Ok(header)
        } else {
            Err(errors)
        }
    }

    fn slot(&mut self, column: Column) -> &mut Option<usize> {
        match column {
            Column::Question => &mut self.question,
            Column::Choice(i) => &mut self.options[i],
            Column::Answer => &mut self.answer,
            Column::Category => &mut self.category,
        }
    }

    fn is_named(&self, position: usize) -> bool {
        self.named.get(position).copied().unwrap_or(false)
    }
}

/// Spreadsheet column letters for a 0-based position: 0 → `A`, 26 → `AA`.
fn spreadsheet_column(position: usize) -> String {
    let mut letters = Vec::new();
    let mut n = position + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(letter(rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn parse_csv_row(
    header: &Header,
    cells: &[&str],
    row: usize,
) -> Result<NewQuestion, Vec<RowError>> {
    let cell = |position: Option<usize>| {
        position
            .and_then(|p| cells.get(p))
            .copied()
            .unwrap_or_default()
    };
    let mut errors = Vec::new();
    for (position, value) in cells.iter().enumerate() {
        if !header.is_named(position) && !value.trim().is_empty() {
            errors.push(RowError::new(
                row,
                None,
                format!(
                    "The cell in spreadsheet column {} has a value, but that column has no header; delete it or name the column.",
                    spreadsheet_column(position)
                ),
            ));
        }
    }

    let option_cells: Vec<&str> = header.options.iter().map(|&p| cell(p)).collect();
    let used = option_cells
        .iter()
        .rposition(|c| !c.trim().is_empty())
        .map_or(0, |last| last + 1);
    let options: Vec<String> = option_cells[..used].iter().map(|&c| c.to_owned()).collect();
    let category = header.category.map(|p| cell(Some(p)));
    let (fields, issues) = check_fields(cell(header.question), &options, category, Naming::Csv);
    for issue in issues {
        let column = match issue.field {
            // Too few options: point at the first empty option column.
            Field::Options if fields.options.len() < MIN_OPTIONS => {
                OPTION_COLUMNS.get(fields.options.len()).copied()
            }
            field => field.import_column(),
        };
        errors.push(RowError::new(row, column, issue.reason));
    }

    let answer = cell(header.answer).trim();
    let correct = match answer_index(answer) {
        Ok(i) if header.options[i].is_none() => Err(format!(
            "The answer is {}, but the file has no column {}.",
            letter(i),
            OPTION_COLUMNS[i]
        )),
        Ok(i) if fields.options.get(i).is_none_or(|o| o.is_empty()) => Err(format!(
            "The answer is {}, but option {} is empty.",
            letter(i),
            OPTION_COLUMNS[i]
        )),
        other => other,
    };
    match correct {
        Ok(correct) if errors.is_empty() => Ok(fields.into_question(correct)),
        Ok(_) => Err(errors),
        Err(reason) => {
            errors.push(RowError::new(row, Some("answer"), reason));
            Err(errors)
        }
    }
}

// ---------------------------------------------------------------------------
// Aiken, as Moodle reads it.

/// Reads a question bank in Moodle's Aiken format:
///
/// ```text
/// Sếu đầu đỏ thuộc họ nào?
/// A. Họ Hạc
/// B) Họ Sếu (Gruidae)
/// ANSWER: B
/// ```
///
/// The question may span several lines, up to the first option line. An option
/// line is a capital letter, `.` or `)`, a space and the text; letters run A, B, C…
/// up to F. `ANSWER: X` ends the question; blank lines separate questions. BOM,
/// `\r\n` and spaces around lines are tolerated. Errors name the line number of
/// the question's first line. There is no category in Aiken.
pub fn parse_aiken(text: &str) -> Result<Vec<NewQuestion>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = normalise_line_breaks(text);

    let mut questions = Vec::new();
    let mut errors = Vec::new();
    let mut count = 0;
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut finish = |block: &mut Vec<(usize, &str)>| -> Result<(), Vec<RowError>> {
        let Some(&(row, _)) = block.first() else {
            return Ok(());
        };
        count += 1;
        if count > MAX_IMPORT_ROWS {
            return Err(too_many_questions(row));
        }
        match parse_aiken_question(block) {
            Ok(question) => questions.push(question),
            Err(mut problems) => errors.append(&mut problems),
        }
        block.clear();
        Ok(())
    };
    for (index, line) in text.split('\n').enumerate() {
        let line = line.trim();
        if line.is_empty() {
            finish(&mut block)?;
            continue;
        }
        block.push((index + 1, line));
        // The ANSWER line ends a question even without a blank line after it.
        if aiken_answer(line).is_some() {
            finish(&mut block)?;
        }
    }
    finish(&mut block)?;

    if count == 0 {
        return Err(vec![RowError::new(
            1,
            None,
            "The file contains no questions.",
        )]);
    }
    if errors.is_empty() {
        Ok(questions)
    } else {
        Err(errors)
    }
}

/// `A. text` or `A) text` → (`A`, `text`). Any capital letter, so that a `G.` line
/// is reported as one option too many rather than taken for question text.
fn aiken_option(line: &str) -> Option<(char, &str)> {
    let mut chars = line.chars();
    let letter = chars.next().filter(char::is_ascii_uppercase)?;
    chars.next().filter(|&c| c == '.' || c == ')')?;
    let rest = chars.as_str();
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        Some((letter, rest.trim()))
    } else {
        None
    }
}

/// `ANSWER: B` (any letter case, spaces allowed around the colon) → `B`.
fn aiken_answer(line: &str) -> Option<&str> {
    let keyword = line.get(..6)?;
    if !keyword.eq_ignore_ascii_case("answer") {
        return None;
    }
    line[6..].trim_start().strip_prefix(':').map(str::trim)
}

/// One question: non-blank lines, numbered, ending at the first ANSWER line if any.
fn parse_aiken_question(lines: &[(usize, &str)]) -> Result<NewQuestion, Vec<RowError>> {
    let Some(&(row, first)) = lines.first() else {
        return Err(Vec::new());
    };
    if aiken_answer(first).is_some() {
        return Err(vec![RowError::new(
            row,
            Some("answer"),
            format!(
                "Line {row} is an ANSWER line with no question before it; remove the blank line above it."
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut rest = lines.iter().peekable();

    let mut text_lines = Vec::new();
    while let Some(&&(_, line)) = rest.peek() {
        if aiken_option(line).is_some() || aiken_answer(line).is_some() {
            break;
        }
        text_lines.push(line);
        rest.next();
    }
    if text_lines.is_empty() {
        errors.push(RowError::new(
            row,
            Some("question"),
            format!(
                "The question text is missing: line {row} is already an option. Is there a blank line between the question and its options?"
            ),
        ));
    }

    let mut options = Vec::new();
    let mut answer = None;
    let mut stray_reported = false;
    // Keeps reading options after a stray line, so that one wrapped option does
    // not also cost "too few options".
    for &(number, line) in rest {
        if let Some((found, option)) = aiken_option(line) {
            let expected = letter(options.len());
            if found != expected {
                errors.push(RowError::new(
                    row,
                    None,
                    format!(
                        "Option {found} on line {number} is out of order; expected {expected}."
                    ),
                ));
            }
            options.push(option.to_owned());
        } else if let Some(value) = aiken_answer(line) {
            answer = Some(value);
        } else if !stray_reported {
            stray_reported = true;
            errors.push(RowError::new(
                row,
                None,
                format!(
                    "Line {number} is neither an option (such as \"B. text\") nor the ANSWER line; each option must fit on one line."
                ),
            ));
        }
    }

    let (fields, issues) = check_fields(&text_lines.join("\n"), &options, None, Naming::Aiken);
    for issue in issues {
        match issue.field {
            // Reported above, with a hint.
            Field::Text if text_lines.is_empty() => {}
            Field::Options if options.is_empty() => errors.push(RowError::new(
                row,
                None,
                "The question has no options; write each option on its own line, as \"A. text\" or \"A) text\" with a capital letter.",
            )),
            field => errors.push(RowError::new(row, field.import_column(), issue.reason)),
        }
    }

    let correct = match answer {
        None => Err(
            "The ANSWER line is missing; end the question with a line such as \"ANSWER: B\"."
                .to_owned(),
        ),
        Some(value) => answer_index(value).and_then(|i| {
            if i < options.len() {
                Ok(i)
            } else if options.is_empty() {
                Err(format!(
                    "The answer is {}, but the question has no options.",
                    letter(i)
                ))
            } else {
                Err(format!(
                    "The answer is {}, but the question only has options A to {}.",
                    letter(i),
                    letter(options.len() - 1)
                ))
            }
        }),
    };
    match correct {
        Ok(correct) if errors.is_empty() => Ok(fields.into_question(correct)),
        Ok(_) => Err(errors),
        Err(reason) => {
            errors.push(RowError::new(row, Some("answer"), reason));
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn strings(options: &[&str]) -> Vec<String> {
        options.iter().map(|&o| o.to_owned()).collect()
    }

    fn question(
        text: &str,
        options: &[&str],
        correct: usize,
        category: Option<&str>,
    ) -> NewQuestion {
        NewQuestion::parse(text, strings(options), correct, category)
            .unwrap_or_else(|problems| panic!("fixture question is invalid: {problems:?}"))
    }

    fn fields(problems: &[FieldProblem]) -> Vec<&str> {
        problems.iter().map(|p| p.field.as_str()).collect()
    }

    fn rows_and_columns(errors: &[RowError]) -> Vec<(usize, Option<&str>)> {
        errors
            .iter()
            .map(|e| (e.row, e.column.as_deref()))
            .collect()
    }

    fn csv_errors(input: &str) -> Vec<RowError> {
        match parse_csv(input.as_bytes()) {
            Ok(questions) => panic!("expected errors, got {questions:?}"),
            Err(errors) => errors,
        }
    }

    fn aiken_errors(input: &str) -> Vec<RowError> {
        match parse_aiken(input) {
            Ok(questions) => panic!("expected errors, got {questions:?}"),
            Err(errors) => errors,
        }
    }

    // --- NewQuestion::parse -------------------------------------------------

    #[test]
    fn a_question_is_trimmed_and_an_empty_category_is_none() {
        let q = NewQuestion::parse(
            "  Sếu đầu đỏ thuộc họ nào?\r\n(chọn một) ",
            strings(&[" Họ Hạc ", "\tHọ Sếu (Gruidae)"]),
            1,
            Some("   "),
        )
        .unwrap();
        assert_eq!(q.text(), "Sếu đầu đỏ thuộc họ nào?\n(chọn một)");
        assert_eq!(q.options(), ["Họ Hạc", "Họ Sếu (Gruidae)"]);
        assert_eq!(q.correct(), 1);
        assert_eq!(q.category(), None);
        let q = question("Câu hỏi?", &["Có", "Không"], 0, Some(" Sinh học "));
        assert_eq!(q.category(), Some("Sinh học"));
    }

    #[test]
    fn lengths_are_counted_in_characters_not_bytes() {
        let longest = "ố".repeat(MAX_TEXT_CHARS);
        assert!(longest.len() > MAX_TEXT_CHARS * 2);
        assert!(NewQuestion::parse(&longest, strings(&["a", "b"]), 0, None).is_ok());
        let too_long = "ố".repeat(MAX_TEXT_CHARS + 1);
        let problems = NewQuestion::parse(&too_long, strings(&["a", "b"]), 0, None).unwrap_err();
        assert_eq!(fields(&problems), ["text"]);
        assert!(
            problems[0].reason.contains("2001 characters"),
            "{problems:?}"
        );

        let option = "đ".repeat(MAX_OPTION_CHARS);
        assert!(NewQuestion::parse("q", vec![option.clone(), "b".into()], 0, None).is_ok());
        let problems =
            NewQuestion::parse("q", vec![format!("{option}đ"), "b".into()], 0, None).unwrap_err();
        assert_eq!(fields(&problems), ["options[0]"]);

        let category = "ệ".repeat(MAX_CATEGORY_CHARS);
        assert!(NewQuestion::parse("q", strings(&["a", "b"]), 0, Some(&category)).is_ok());
        let problems =
            NewQuestion::parse("q", strings(&["a", "b"]), 0, Some(&format!("{category}ệ")))
                .unwrap_err();
        assert_eq!(fields(&problems), ["category"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let problems = NewQuestion::parse(
            "   ",
            strings(&["Đồng Tháp", "", "ĐỒNG THÁP", "x\ny"]),
            7,
            Some("a\tb"),
        )
        .unwrap_err();
        assert_eq!(
            fields(&problems),
            [
                "text",
                "options[1]",
                "options[2]",
                "options[3]",
                "category",
                "correct"
            ]
        );
        assert!(problems[2].reason.contains("index 0"), "{problems:?}");
        assert!(problems[3].reason.contains("line break"), "{problems:?}");
        assert!(problems[5].reason.contains("0 to 3"), "{problems:?}");
    }

    #[test]
    fn two_to_six_options_are_allowed() {
        for n in MIN_OPTIONS..=MAX_OPTIONS {
            let options: Vec<String> = (0..n).map(|i| format!("Đáp án {i}")).collect();
            assert!(
                NewQuestion::parse("q", options, n - 1, None).is_ok(),
                "{n} options"
            );
        }
        let problems = NewQuestion::parse("q", strings(&["only"]), 0, None).unwrap_err();
        assert_eq!(fields(&problems), ["options"]);
        let seven: Vec<String> = (0..7).map(|i| i.to_string()).collect();
        let problems = NewQuestion::parse("q", seven, 0, None).unwrap_err();
        assert_eq!(fields(&problems), ["options"]);
        let problems = NewQuestion::parse("q", Vec::new(), 0, None).unwrap_err();
        assert_eq!(fields(&problems), ["options", "correct"]);
    }

    #[test]
    fn options_that_differ_only_in_case_or_spaces_are_duplicates() {
        let problems =
            NewQuestion::parse("q", strings(&["Họ Sếu", "  họ sếu ", "HỌ SẾU"]), 0, None)
                .unwrap_err();
        assert_eq!(fields(&problems), ["options[1]", "options[2]"]);
        assert!(NewQuestion::parse("q", strings(&["Họ Sếu", "Họ Sẻ"]), 0, None).is_ok());
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_in_the_text_are_kept() {
        assert!(NewQuestion::parse("dòng 1\ndòng 2", strings(&["a", "b"]), 0, None).is_ok());
        for bad in [
            "tab\there",
            "nul\0here",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}x",
        ] {
            let problems = NewQuestion::parse(bad, strings(&["a", "b"]), 0, None).unwrap_err();
            assert_eq!(fields(&problems), ["text"], "{bad:?}");
            let problems =
                NewQuestion::parse("q", vec![bad.to_owned(), "b".into()], 0, None).unwrap_err();
            assert_eq!(fields(&problems), ["options[0]"], "{bad:?}");
        }
        let problems = NewQuestion::parse("q", strings(&["a", "b"]), 0, Some("x\ny")).unwrap_err();
        assert_eq!(fields(&problems), ["category"]);
    }

    #[test]
    fn the_correct_index_must_point_at_an_option() {
        let problems = NewQuestion::parse("q", strings(&["a", "b"]), 2, None).unwrap_err();
        assert_eq!(fields(&problems), ["correct"]);
        assert!(problems[0].reason.contains("0 to 1"));
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
        let text =
            "question,a,b,c,d,answer\r\n,,,,,\r\n\r\nHai cộng hai?,3,4,,,E\r\n   ,  ,,,,\r\n";
        let errors = csv_errors(text);
        assert_eq!(rows_and_columns(&errors), [(4, Some("answer"))]);
        assert!(errors[0].reason.contains("no column e"), "{errors:?}");
    }

    #[test]
    fn an_answer_outside_a_to_f_refuses_the_whole_file_and_names_row_3() {
        let mut text = String::from_utf8(excel_csv()).unwrap();
        text = text.replace(",,,,b,\r\n", ",,,,G,\r\n");
        let errors = parse_csv(text.as_bytes()).unwrap_err();
        assert_eq!(rows_and_columns(&errors), [(3, Some("answer"))]);
        assert!(errors[0].reason.contains("A to F"), "{errors:?}");
        assert!(errors[0].reason.contains("\"G\""), "{errors:?}");
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
        assert!(errors[0].reason.contains("option d is empty"), "{errors:?}");
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
        assert!(errors[1].reason.contains("repeats option A"), "{errors:?}");
        assert!(errors[2].reason.contains("without gaps"), "{errors:?}");
        assert!(
            errors[3].reason.contains("at least 2 options"),
            "{errors:?}"
        );
        assert!(errors[7].reason.contains("answer is missing"), "{errors:?}");
    }

    #[test]
    fn invalid_utf8_is_one_error_asking_for_csv_utf8() {
        let mut bytes = b"question,a,b,c,d,answer\r\nHai?,C\xf3,Kh\xf4ng,,,A\r\n".to_vec();
        let errors = parse_csv(&bytes).unwrap_err();
        assert_eq!(rows_and_columns(&errors), [(2, None)]);
        assert!(errors[0].reason.contains("CSV UTF-8"), "{errors:?}");

        bytes.splice(0..0, b"\xff\xfeq".iter().copied());
        let errors = parse_csv(&bytes).unwrap_err();
        assert_eq!(rows_and_columns(&errors), [(1, None)]);
        assert!(errors[0].reason.contains("CSV UTF-8"), "{errors:?}");

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
        assert!(errors[0].reason.contains("more than 10000"), "{errors:?}");
    }

    #[test]
    fn an_empty_file_or_a_header_alone_is_refused() {
        for empty in ["", "\u{feff}", "\r\n\r\n  \n", " ,, \r\n,\r\n"] {
            let errors = csv_errors(empty);
            assert_eq!(rows_and_columns(&errors), [(1, None)], "{empty:?}");
            assert!(errors[0].reason.contains("empty"), "{errors:?}");
        }
        let errors = csv_errors("question,a,b,c,d,answer\r\n,,,,,\r\n");
        assert_eq!(rows_and_columns(&errors), [(2, None)]);
        assert!(errors[0].reason.contains("no questions"), "{errors:?}");
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
        assert!(errors[0].reason.contains(CSV_HEADER), "{errors:?}");
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
        assert!(errors[0].reason.contains("more than once"));
        assert!(errors[1].reason.contains("Unknown column \"g\""));
    }

    #[test]
    fn a_value_in_a_column_without_header_is_an_error_but_empty_ones_are_ignored() {
        let text = "question,a,b,c,d,answer,\r\nHai?,1,2,,,A,\r\nBa?,1,2,,,A,,\r\n";
        assert_eq!(parse_csv(text.as_bytes()).unwrap().len(), 2);
        let errors = csv_errors("question,a,b,c,d,answer\r\nHai?,1,2,,,A,ghi chú\r\n");
        assert_eq!(rows_and_columns(&errors), [(2, None)]);
        assert!(errors[0].reason.contains("column G"), "{errors:?}");
    }

    #[test]
    fn spreadsheet_columns_are_lettered_like_excel() {
        assert_eq!(spreadsheet_column(0), "A");
        assert_eq!(spreadsheet_column(25), "Z");
        assert_eq!(spreadsheet_column(26), "AA");
        assert_eq!(spreadsheet_column(701), "ZZ");
        assert_eq!(spreadsheet_column(702), "AAA");
    }

    // --- Aiken -------------------------------------------------------------

    #[test]
    fn a_good_aiken_question_imports() {
        let text =
            "Sếu đầu đỏ thuộc họ nào?\nA. Họ Hạc\nB. Họ Sếu (Gruidae)\nC. Họ Diệc\nANSWER: B\n";
        assert_eq!(
            parse_aiken(text).unwrap(),
            [question(
                "Sếu đầu đỏ thuộc họ nào?",
                &["Họ Hạc", "Họ Sếu (Gruidae)", "Họ Diệc"],
                1,
                None
            )]
        );
    }

    #[test]
    fn several_aiken_questions_with_both_option_styles_and_multi_line_text_import() {
        let text = concat!(
            "Vườn quốc gia Tràm Chim\n",
            "ở tỉnh nào?\n",
            "A) Đồng Tháp\n",
            "B) An Giang\n",
            "C) Cà Mau\n",
            "D) Kiên Giang\n",
            "E) Long An\n",
            "F) Bến Tre\n",
            "ANSWER: A\n",
            "\n",
            "\n",
            "Hai cộng hai?\n",
            "A. 3\n",
            "B. 4\n",
            "answer : b\n",
            "Không có dòng trống?\n",
            "A. Có\n",
            "B. Không\n",
            "ANSWER: B",
        );
        assert_eq!(
            parse_aiken(text).unwrap(),
            [
                question(
                    "Vườn quốc gia Tràm Chim\nở tỉnh nào?",
                    &[
                        "Đồng Tháp",
                        "An Giang",
                        "Cà Mau",
                        "Kiên Giang",
                        "Long An",
                        "Bến Tre"
                    ],
                    0,
                    None
                ),
                question("Hai cộng hai?", &["3", "4"], 1, None),
                question("Không có dòng trống?", &["Có", "Không"], 1, None),
            ]
        );
    }

    #[test]
    fn an_aiken_file_with_bom_crlf_and_trailing_spaces_imports() {
        let text = "\u{feff}Sếu đầu đỏ thuộc họ nào?  \r\nA. Họ Hạc \r\nB. Họ Sếu\t\r\nANSWER: B  \r\n\r\n   \r\nHai?\r\nA. 1\r\nB. 2\r\nANSWER: A\r\n";
        assert_eq!(
            parse_aiken(text).unwrap(),
            [
                question("Sếu đầu đỏ thuộc họ nào?", &["Họ Hạc", "Họ Sếu"], 1, None),
                question("Hai?", &["1", "2"], 0, None),
            ]
        );
    }

    #[test]
    fn every_broken_aiken_question_is_reported_at_its_first_line() {
        let text = concat!(
            "Thiếu đáp án?\n", // 1
            "A. Có\n",         // 2
            "B. Không\n",      // 3
            "\n",              // 4
            "Đáp án ngoài?\n", // 5
            "A. Có\n",         // 6
            "B. Không\n",      // 7
            "ANSWER: D\n",     // 8
            "\n",              // 9
            "Sai thứ tự?\n",   // 10
            "A. Một\n",        // 11
            "C. Hai\n",        // 12
            "ANSWER: A\n",     // 13
            "Một lựa chọn?\n", // 14
            "A. Duy nhất\n",   // 15
            "ANSWER: A\n",     // 16
            "Tốt?\n",          // 17
            "A. Có\n",         // 18
            "B. Không\n",      // 19
            "ANSWER: A\n",     // 20
            "Đáp án lạ?\n",    // 21
            "A. Có\n",         // 22
            "B. Không\n",      // 23
            "ANSWER: Có\n",    // 24
        );
        let errors = aiken_errors(text);
        assert_eq!(
            rows_and_columns(&errors),
            [
                (1, Some("answer")),
                (5, Some("answer")),
                (10, None),
                (14, None),
                (21, Some("answer")),
            ],
            "{errors:#?}"
        );
        assert!(errors[0].reason.contains("ANSWER line is missing"));
        assert!(errors[1].reason.contains("only has options A to B"));
        assert!(errors[2].reason.contains("out of order; expected B"));
        assert!(errors[3].reason.contains("at least 2 options"));
        assert!(errors[4].reason.contains("A to F"));
    }

    #[test]
    fn a_blank_line_inside_an_aiken_question_is_explained() {
        let text = "Câu hỏi?\n\nA. Có\nB. Không\n\nANSWER: A\n";
        let errors = aiken_errors(text);
        assert_eq!(
            rows_and_columns(&errors),
            [
                (1, None),
                (1, Some("answer")),
                (3, Some("question")),
                (3, Some("answer")),
                (6, Some("answer"))
            ],
            "{errors:#?}"
        );
        assert!(errors[0].reason.contains("no options"));
        assert!(errors[2].reason.contains("blank line"));
        assert!(errors[4].reason.contains("no question before it"));
    }

    #[test]
    fn aiken_stray_lines_too_many_options_and_duplicates_are_reported() {
        let text = concat!(
            "Nhiều dòng?\nA. Có\ntiếp tục\nB. Không\nANSWER: A\n\n",
            "Bảy?\nA. 1\nB. 2\nC. 3\nD. 4\nE. 5\nF. 6\nG. 7\nANSWER: A\n\n",
            "Trùng?\nA. Có\nB. có\nC.\nANSWER: A\n",
        );
        let errors = aiken_errors(text);
        assert_eq!(
            rows_and_columns(&errors),
            [(1, None), (7, None), (17, Some("b")), (17, Some("c"))],
            "{errors:#?}"
        );
        assert!(errors[0].reason.contains("Line 3"));
        assert!(errors[1].reason.contains("at most 6"));
        assert!(errors[2].reason.contains("repeats option A"));
        assert!(errors[3].reason.contains("no text"));
    }

    #[test]
    fn an_empty_aiken_file_is_refused() {
        for empty in ["", "\u{feff}", "\r\n \n"] {
            let errors = aiken_errors(empty);
            assert_eq!(rows_and_columns(&errors), [(1, None)]);
        }
    }

    #[test]
    fn more_than_ten_thousand_aiken_questions_are_refused() {
        let one = "Hai?\nA. 1\nB. 2\nANSWER: A\n\n";
        assert_eq!(
            parse_aiken(&one.repeat(MAX_IMPORT_ROWS)).unwrap().len(),
            MAX_IMPORT_ROWS
        );
        let errors = aiken_errors(&one.repeat(MAX_IMPORT_ROWS + 1));
        assert_eq!(rows_and_columns(&errors), [(MAX_IMPORT_ROWS * 5 + 1, None)]);
    }

    // --- Properties ----------------------------------------------------------

    /// Text that needs CSV quoting: commas, quotes, semicolons, line breaks,
    /// spaces at the ends, Vietnamese letters in both cases.
    fn tricky_text(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just(','),
                Just('"'),
                Just(';'),
                Just('\n'),
                Just(' '),
                Just('?'),
                proptest::sample::select(vec![
                    'S', 'ế', 'u', 'đ', 'Đ', 'ầ', 'ỏ', 'Ọ', 'ư', 'Ơ', 'a', 'B'
                ]),
            ],
            1..max,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn one_line(max: usize) -> impl Strategy<Value = String> {
        tricky_text(max).prop_map(|s| s.replace('\n', " "))
    }

    fn valid_question() -> impl Strategy<Value = NewQuestion> {
        (
            tricky_text(40),
            proptest::collection::vec(one_line(12), MIN_OPTIONS..=MAX_OPTIONS),
            any::<prop::sample::Index>(),
            proptest::option::of(one_line(12)),
        )
            .prop_filter_map("invalid question", |(text, options, correct, category)| {
                let correct = correct.index(options.len());
                NewQuestion::parse(&text, options, correct, category.as_deref()).ok()
            })
    }

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
        fn any_valid_single_line_question_written_as_aiken_reads_back_the_same(
            questions in proptest::collection::vec(valid_question(), 1..5),
        ) {
            // Aiken cannot carry categories, line breaks in the text, or text lines
            // that look like options or ANSWER lines.
            let questions: Vec<NewQuestion> = questions
                .into_iter()
                .filter_map(|q| {
                    let text = format!("Câu {}", q.text().replace('\n', " "));
                    NewQuestion::parse(&text, q.options().to_vec(), q.correct(), None).ok()
                })
                .collect();
            prop_assume!(!questions.is_empty());
            let mut text = String::new();
            for q in &questions {
                text.push_str(q.text());
                text.push('\n');
                for (i, option) in q.options().iter().enumerate() {
                    text.push_str(&format!("{}. {option}\n", letter(i)));
                }
                text.push_str(&format!("ANSWER: {}\n\n", letter(q.correct())));
            }
            prop_assert_eq!(parse_aiken(&text), Ok(questions));
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

        #[test]
        fn parse_aiken_never_panics(text in "(?s).{0,400}") {
            let _ = parse_aiken(&text);
        }

        #[test]
        fn parse_aiken_never_panics_on_aiken_like_lines(
            lines in proptest::collection::vec(
                "(ANSWER: ?[A-Hx]?|[A-H][.)] ?[a-zđ,]{0,5}|[a-zếĐ ]{0,8}|\r|\u{feff}|answer:|ANSWER)",
                0..40,
            ),
        ) {
            let _ = parse_aiken(&lines.join("\n"));
        }

        #[test]
        fn every_accepted_question_keeps_the_rules(
            text in tricky_text(30),
            options in proptest::collection::vec(tricky_text(8), 0..8),
            correct in 0usize..8,
            category in proptest::option::of(tricky_text(8)),
        ) {
            if let Ok(q) = NewQuestion::parse(&text, options, correct, category.as_deref()) {
                prop_assert!(!q.text().is_empty() && q.text() == q.text().trim());
                prop_assert!((MIN_OPTIONS..=MAX_OPTIONS).contains(&q.options().len()));
                prop_assert!(q.correct() < q.options().len());
                let mut keys: Vec<String> = q.options().iter().map(|o| o.to_lowercase()).collect();
                keys.sort();
                keys.dedup();
                prop_assert_eq!(keys.len(), q.options().len());
                for option in q.options() {
                    prop_assert!(!option.is_empty() && option == option.trim() && !option.contains('\n'));
                }
                if let Some(category) = q.category() {
                    prop_assert!(!category.is_empty() && !category.contains('\n'));
                }
            }
        }
    }
}
