//! Aiken, as Moodle reads it.

use super::{
    Field, MAX_IMPORT_ROWS, Naming, NewQuestion, RowError, answer_index, check_fields, letter,
    normalise_line_breaks, too_many_questions,
};
use crate::domain::Text;

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
            Text::new(
                "Tệp chưa có câu hỏi nào.",
                "The file contains no questions.",
            ),
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
            Text::new(
                format!(
                    "Dòng {row} là dòng ANSWER nhưng không có câu hỏi trước nó; hãy xóa dòng trống phía trên."
                ),
                format!(
                    "Line {row} is an ANSWER line with no question before it; remove the blank line above it."
                ),
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
            Text::new(
                format!(
                    "Thiếu nội dung câu hỏi: dòng {row} đã là một phương án. Có dòng trống nào giữa câu hỏi và các phương án không?"
                ),
                format!(
                    "The question text is missing: line {row} is already an option. Is there a blank line between the question and its options?"
                ),
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
                    Text::new(
                        format!(
                            "Phương án {found} ở dòng {number} không đúng thứ tự; lẽ ra là {expected}."
                        ),
                        format!(
                            "Option {found} on line {number} is out of order; expected {expected}."
                        ),
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
                Text::new(
                    format!(
                        "Dòng {number} không phải phương án (như \"B. nội dung\") cũng không phải dòng ANSWER; mỗi phương án phải nằm trên một dòng."
                    ),
                    format!(
                        "Line {number} is neither an option (such as \"B. text\") nor the ANSWER line; each option must fit on one line."
                    ),
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
                Text::new(
                    "Câu hỏi chưa có phương án; hãy viết mỗi phương án trên một dòng, dạng \"A. nội dung\" hoặc \"A) nội dung\" với chữ cái in hoa.",
                    "The question has no options; write each option on its own line, as \"A. text\" or \"A) text\" with a capital letter.",
                ),
            )),
            field => errors.push(RowError::new(row, field.import_column(), issue.reason)),
        }
    }

    let correct = match answer {
        None => Err(Text::new(
            "Thiếu dòng ANSWER; hãy kết thúc câu hỏi bằng một dòng như \"ANSWER: B\".",
            "The ANSWER line is missing; end the question with a line such as \"ANSWER: B\".",
        )),
        Some(value) => answer_index(value).and_then(|i| {
            if i < options.len() {
                Ok(i)
            } else if options.is_empty() {
                Err(Text::new(
                    format!(
                        "Đáp án là {}, nhưng câu hỏi chưa có phương án nào.",
                        letter(i)
                    ),
                    format!(
                        "The answer is {}, but the question has no options.",
                        letter(i)
                    ),
                ))
            } else {
                Err(Text::new(
                    format!(
                        "Đáp án là {}, nhưng câu hỏi chỉ có các phương án từ A đến {}.",
                        letter(i),
                        letter(options.len() - 1)
                    ),
                    format!(
                        "The answer is {}, but the question only has options A to {}.",
                        letter(i),
                        letter(options.len() - 1)
                    ),
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
mod tests;
