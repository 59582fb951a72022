//! Fixtures and strategies shared by the unit tests of the question rule
//! and of its CSV and Aiken importers.

use super::*;
use proptest::prelude::*;

pub(super) fn strings(options: &[&str]) -> Vec<String> {
    options.iter().map(|&o| o.to_owned()).collect()
}

pub(super) fn question(
    text: &str,
    options: &[&str],
    correct: usize,
    category: Option<&str>,
) -> NewQuestion {
    NewQuestion::parse(text, strings(options), correct, category)
        .unwrap_or_else(|problems| panic!("fixture question is invalid: {problems:?}"))
}

pub(super) fn rows_and_columns(errors: &[RowError]) -> Vec<(usize, Option<&str>)> {
    errors
        .iter()
        .map(|e| (e.row, e.column.as_deref()))
        .collect()
}

/// Text that needs CSV quoting: commas, quotes, semicolons, line breaks,
/// spaces at the ends, Vietnamese letters in both cases.
pub(super) fn tricky_text(max: usize) -> impl Strategy<Value = String> {
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

pub(super) fn one_line(max: usize) -> impl Strategy<Value = String> {
    tricky_text(max).prop_map(|s| s.replace('\n', " "))
}

pub(super) fn valid_question() -> impl Strategy<Value = NewQuestion> {
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
