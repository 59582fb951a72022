//! CSV, as Excel saves it.

use super::{
    Field, MAX_IMPORT_ROWS, MAX_OPTIONS, MIN_OPTIONS, Naming, NewQuestion, OPTION_COLUMNS,
    RowError, answer_index, check_fields, letter, shorten, too_many_questions,
};
use crate::domain::Text;

/// The CSV header that organisers are told to use (`e`, `f` and `category` may be left out).
pub const CSV_HEADER: &str = "question,a,b,c,d,e,f,answer,category";

/// The same header in Vietnamese, as the template writes it.
pub const CSV_HEADER_VI: &str = "Câu hỏi,A,B,C,D,E,F,Đáp án,Chủ đề";

/// The template organisers download: the Vietnamese header (which the
/// importer reads like [`CSV_HEADER`]) and two example rows, UTF-8 with a
/// byte-order mark so that Excel opens it as Vietnamese.
pub const CSV_TEMPLATE: &str = "\u{feff}Câu hỏi,A,B,C,D,E,F,Đáp án,Chủ đề\r\n\
Sếu đầu đỏ thuộc nhóm loài nào?,Chim,Cá,Bò sát,Thú,,,A,Sinh học\r\n\
\"Vườn quốc gia Tràm Chim ở tỉnh nào?\",Đồng Tháp,An Giang,Cà Mau,Vĩnh Long,,,A,Địa lý\r\n";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const SAVE_AS_CSV_UTF8: &str =
    "In Excel, use File > Save As and choose the type \"CSV UTF-8 (Comma delimited) (*.csv)\".";
const SAVE_AS_CSV_UTF8_VI: &str = "Trong Excel, chọn Tệp > Lưu thành (File > Save As) rồi chọn kiểu \"CSV UTF-8 (Comma delimited) (*.csv)\".";

/// A column's name in Vietnamese messages, as the template writes it.
fn column_vi(name: &str) -> String {
    match name {
        "question" => "Câu hỏi".to_owned(),
        "answer" => "Đáp án".to_owned(),
        "category" => "Chủ đề".to_owned(),
        other => other.to_uppercase(),
    }
}

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
            Text::new(
                format!(
                    "Tệp đang được lưu dạng UTF-16 (\"Unicode Text\"), cần lưu dạng \"CSV UTF-8\". {SAVE_AS_CSV_UTF8_VI}"
                ),
                format!(
                    "The file is saved as UTF-16 (\"Unicode Text\"), but it must be saved as \"CSV UTF-8\". {SAVE_AS_CSV_UTF8}"
                ),
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
                    Text::new(
                        format!("Không đọc được tệp dạng CSV: {error}."),
                        format!("The file could not be read as CSV: {error}."),
                    ),
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
                Text::new(
                    format!(
                        "Dòng {row} không phải văn bản UTF-8: tệp cần lưu dạng \"CSV UTF-8\". {SAVE_AS_CSV_UTF8_VI}"
                    ),
                    format!(
                        "Row {row} is not valid UTF-8 text: the file must be saved as \"CSV UTF-8\". {SAVE_AS_CSV_UTF8}"
                    ),
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
            Text::new(
                "Tệp có dòng tiêu đề nhưng chưa có câu hỏi nào.",
                "The file has a header row but no questions.",
            ),
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
        Text::new(
            format!(
                "Tệp trống; dòng đầu tiên phải là dòng tiêu đề {CSV_HEADER_VI}, sau đó mỗi dòng một câu hỏi."
            ),
            format!(
                "The file is empty; its first row must be the header {CSV_HEADER}, followed by one row per question."
            ),
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
        // English names, or the Vietnamese ones of the template
        // (`GET /question-template.csv`), with or without tone marks.
        match name {
            "question" | "câu hỏi" | "cau hoi" => Some(Self::Question),
            "answer" | "đáp án" | "dap an" => Some(Self::Answer),
            "category" | "chủ đề" | "chu de" => Some(Self::Category),
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
                    Text::new(
                        format!(
                            "Không có cột \"{}\"; các cột dùng được là {CSV_HEADER_VI} (hoặc {CSV_HEADER}).",
                            shorten(name, 60)
                        ),
                        format!(
                            "Unknown column \"{}\"; the allowed columns are {CSV_HEADER}.",
                            shorten(name, 60)
                        ),
                    ),
                ));
                continue;
            };
            let slot = header.slot(column);
            if slot.is_some() {
                errors.push(RowError::new(
                    row,
                    Some(name),
                    Text::new(
                        format!("Cột \"{name}\" xuất hiện hơn một lần ở dòng tiêu đề."),
                        format!("The column \"{name}\" appears more than once in the header."),
                    ),
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
                Text::new(
                    format!(
                        "Dòng đầu tiên phải là dòng tiêu đề {CSV_HEADER_VI}; đang là \"{}\".",
                        shorten(&found.join(","), 80)
                    ),
                    format!(
                        "The first row must be the header {CSV_HEADER}; found \"{}\".",
                        shorten(&found.join(","), 80)
                    ),
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
                    Text::new(
                        format!(
                            "Dòng tiêu đề thiếu cột \"{}\"; cần ít nhất các cột Câu hỏi, A, B, C, D, Đáp án (E, F và Chủ đề có thể bỏ).",
                            column_vi(name)
                        ),
                        format!(
                            "The header has no \"{name}\" column; it needs at least question,a,b,c,d,answer (e, f and category are optional)."
                        ),
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
                Text::new(
                    format!(
                        "Ô ở cột {} của bảng tính có nội dung nhưng cột đó không có tên ở dòng tiêu đề; hãy xóa nội dung hoặc đặt tên cột.",
                        spreadsheet_column(position)
                    ),
                    format!(
                        "The cell in spreadsheet column {} has a value, but that column has no header; delete it or name the column.",
                        spreadsheet_column(position)
                    ),
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
        Ok(i) if header.options[i].is_none() => Err(Text::new(
            format!(
                "Đáp án là {}, nhưng tệp không có cột {}.",
                letter(i),
                letter(i)
            ),
            format!(
                "The answer is {}, but the file has no column {}.",
                letter(i),
                OPTION_COLUMNS[i]
            ),
        )),
        Ok(i) if fields.options.get(i).is_none_or(|o| o.is_empty()) => Err(Text::new(
            format!(
                "Đáp án là {}, nhưng phương án {} đang để trống.",
                letter(i),
                letter(i)
            ),
            format!(
                "The answer is {}, but option {} is empty.",
                letter(i),
                OPTION_COLUMNS[i]
            ),
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

#[cfg(test)]
mod tests;
