//! JSON Schema of the API's inputs, for the OpenAPI document (utoipa
//! `schema_with`). Every limit, pattern and choice here is taken from the
//! validator that enforces it, so the document cannot drift from the server:
//! a client — or a fuzzer — sending what the schema allows is accepted, and
//! what it forbids is refused. Rules a schema cannot state (an end after a
//! start, the common-password list) are named in the descriptions.

use crate::domain::account::{Address, FullName, NationalId, Role};
use crate::domain::attempt::{MAX_ANSWERS, PREDICTION};
use crate::domain::contest::{self as c, text_pattern};
use crate::domain::otp;
use crate::domain::password::{self, Password};
use crate::domain::pattern::WHITESPACE;
use crate::domain::phone::Phone;
use crate::domain::question::{self as q, MAX_OPTIONS, MIN_OPTIONS};
use crate::domain::ranking::{ActualFigure, CountedAttempt, TieBreakKey};
use serde_json::{Value, json};
use std::ops::RangeInclusive;
use utoipa::openapi::schema::{
    AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{AllOfBuilder, RefOr};

fn of(t: Type, nullable: bool) -> SchemaType {
    if nullable {
        [t, Type::Null].into_iter().collect()
    } else {
        SchemaType::new(t)
    }
}

/// A string matching `pattern`.
fn text(pattern: String, nullable: bool, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of(Type::String, nullable))
        .pattern(Some(pattern))
        .description(Some(description))
}

/// One of `names` (or null).
fn choice<'a>(
    names: impl IntoIterator<Item = &'a str>,
    nullable: bool,
    description: &str,
) -> ObjectBuilder {
    let mut values: Vec<Value> = names.into_iter().map(Value::from).collect();
    if nullable {
        values.push(Value::Null);
    }
    ObjectBuilder::new()
        .schema_type(of(Type::String, nullable))
        .enum_values(Some(values))
        .description(Some(description))
}

/// How the server reads a JSON integer: as written, not as the value of any
/// number (JSON Schema 2020-12 would also call `20.0` and `2e1` integers).
const PLAIN_INTEGER: &str = " Written as a plain integer (20, not 20.0 or 2e1).";

/// A whole number in `range` (or null). No `format`: the bounds are the rule.
fn whole(range: RangeInclusive<i64>, nullable: bool, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of(Type::Integer, nullable))
        .minimum(Some(*range.start() as isize))
        .maximum(Some(*range.end() as isize))
        .description(Some(format!("{description}{PLAIN_INTEGER}")))
}

/// An unsigned whole number up to `max`, as the server reads `u32`/`u64`/`usize`
/// (no `format`: `int64` would stop at 2⁶³−1).
pub fn unsigned(max: u64, description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .minimum(Some(0usize))
        .maximum(Some(max as usize))
        .description(Some(format!("{description}{PLAIN_INTEGER}")))
}

fn array(items: impl Into<RefOr<Schema>>, nullable: bool, description: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .schema_type(of(Type::Array, nullable))
        .items(items.into())
        .description(Some(description))
}

fn chars(range: &RangeInclusive<usize>) -> String {
    match (*range.start(), *range.end()) {
        (0, max) => format!("at most {max} characters"),
        (min, max) => format!("{min}–{max} characters"),
    }
}

// Accounts ------------------------------------------------------------------

pub fn phone() -> ObjectBuilder {
    text(
        format!("^(?:{})$", Phone::pattern_body()),
        false,
        "A Vietnamese mobile number: 0912345678, 912345678, 84912345678 or +84912345678, \
         with spaces, dots, dashes or brackets between the digits if you like; the same \
         number in any spelling is the same account.",
    )
    .examples([json!("0912345678")])
}

pub fn password() -> ObjectBuilder {
    text(
        Password::pattern(),
        false,
        "8 to 128 characters, no composition rules. Refused (422 `too_common`): one \
         character repeated, a run of consecutive digits, and the passwords of the \
         common-password list (compared in lower case), which the pattern cannot list.",
    )
    .min_length(Some(password::MIN_CHARS))
    .max_length(Some(password::MAX_CHARS))
    .examples([json!("sếu đầu đỏ tràm chim")])
}

pub fn full_name() -> ObjectBuilder {
    text(
        FullName::pattern(),
        false,
        &format!(
            "{} once trimmed and each run of spaces made one; no control character.",
            chars(&crate::domain::account::FULL_NAME_CHARS)
        ),
    )
    .examples([json!("Hà Minh Tùng")])
}

fn address_part(required: bool, what: &str, example: &str) -> ObjectBuilder {
    text(
        Address::part_pattern(required),
        !required,
        &format!(
            "{what}: {} once each run of whitespace is made one space{}; no other control character.",
            chars(&(usize::from(required)..=crate::domain::account::ADDRESS_PART_MAX_CHARS)),
            if required {
                ", not blank"
            } else {
                "; blank or null when there is none"
            }
        ),
    )
    .examples([json!(example)])
}

pub fn province() -> ObjectBuilder {
    address_part(
        false,
        "Province or city, when the address is written as text (required then)",
        "Đồng Tháp",
    )
}

pub fn province_code() -> ObjectBuilder {
    text(
        "^[0-9]{2}$".to_owned(),
        true,
        "The province's official code (`GET /divisions`); with `commune_code`, the \
         address is picked from the divisions and the names are the official ones.",
    )
    .examples([json!("82")])
}

pub fn commune_code() -> ObjectBuilder {
    text(
        "^[0-9]{5}$".to_owned(),
        true,
        "The commune's official code (`GET /divisions/{province_code}`); it must lie \
         in the province (422 `commune_not_in_province`).",
    )
    .examples([json!("30001")])
}

pub fn otp() -> ObjectBuilder {
    text(
        format!(
            "^[{WHITESPACE}]*(?:[0-9][{WHITESPACE}]*){{{}}}$",
            otp::DIGITS
        ),
        false,
        "The 6-digit code sent by SMS (spaces ignored): valid 5 minutes, for 5 checks.",
    )
    .examples([json!("123456")])
}

pub fn organisation_id() -> ObjectBuilder {
    text(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$".to_owned(),
        true,
        "An organisation's id (`GET /organisations`); on create only.",
    )
    .examples([json!(crate::domain::organisation::DEFAULT_ID)])
}

pub fn otp_purpose() -> ObjectBuilder {
    choice(
        otp::Purpose::ALL.map(otp::Purpose::as_str),
        false,
        "`register`: a code for a phone without an account; `reset`: for one with an account.",
    )
}

pub fn district() -> ObjectBuilder {
    address_part(
        false,
        "District, only where the address still has one (the 2025 reform removed them)",
        "Cao Lãnh",
    )
}

pub fn commune() -> ObjectBuilder {
    address_part(
        false,
        "Commune, ward or special zone (xã, phường, đặc khu), when the address is written \
         as text (required then); a name of today's divisions gets its code",
        "Tràm Chim",
    )
}

pub fn hamlet() -> ObjectBuilder {
    address_part(true, "Hamlet or street (ấp, khóm, đường)", "ấp Đông Mỹ")
}

pub fn national_id() -> ObjectBuilder {
    text(
        format!("^(?:{}|[{WHITESPACE}]*)$", NationalId::pattern_body()),
        true,
        "Citizen ID (CCCD): 12 digits, spaces ignored; blank or null when not given. \
         One account per national ID.",
    )
    .examples([json!("087123456789")])
}

/// The date of birth accepted on `today`: 1900-01-01 to today.
pub fn date_of_birth(today: chrono::NaiveDate) -> ObjectBuilder {
    text(
        format!(
            "^[{WHITESPACE}]*(?:{})?[{WHITESPACE}]*$",
            crate::domain::account::DateOfBirth::pattern_body(today)
        ),
        true,
        "YYYY-MM-DD, a real date from 1900-01-01 to today (Vietnam time); blank or null \
         when not given.",
    )
    .examples([json!("1990-05-17")])
}

pub fn role() -> ObjectBuilder {
    choice(Role::ALL.map(Role::as_str), false, "The new role.")
}

// Contests ------------------------------------------------------------------

/// What an absent or null field of a contest means.
const UNCHANGED: &str = " Absent or null: unchanged by an edit, the default on a create.";

fn contest_text(range: RangeInclusive<usize>, nullable: bool, what: &str) -> ObjectBuilder {
    text(
        text_pattern(range.clone()),
        nullable,
        &format!(
            "{what}: {} once trimmed; no control character but tab and line breaks.{}",
            chars(&range),
            if nullable { UNCHANGED } else { "" }
        ),
    )
}

pub fn title() -> ObjectBuilder {
    contest_text(c::TITLE_CHARS, true, "Title").examples([json!("Tìm hiểu về Sếu đầu đỏ")])
}

pub fn title_required() -> ObjectBuilder {
    contest_text(c::TITLE_CHARS, false, "Title").examples([json!("Tìm hiểu về Sếu đầu đỏ")])
}

pub fn description() -> ObjectBuilder {
    contest_text(c::DESCRIPTION_CHARS, true, "Description")
}

pub fn rules() -> ObjectBuilder {
    contest_text(c::RULES_CHARS, true, "Rules")
}

fn datetime(nullable: bool, what: &str, example: &str) -> ObjectBuilder {
    text(
        crate::domain::clock::rfc3339_pattern(),
        nullable,
        &format!(
            "{what}: an RFC 3339 date-time with its offset (`T`, `t` or a space between \
             date and time; `Z` or ±hh:mm), no leap second, in the years 2000–2999 as \
             written. `ends_at` must be after `starts_at` (422 `ends_before_start`).{}",
            if nullable { UNCHANGED } else { "" }
        ),
    )
    .examples([json!(example)])
}

pub fn starts_at() -> ObjectBuilder {
    datetime(true, "Opening", "2024-12-01T00:00:00+07:00")
}

pub fn starts_at_required() -> ObjectBuilder {
    datetime(false, "Opening", "2024-12-01T00:00:00+07:00")
}

pub fn ends_at() -> ObjectBuilder {
    datetime(true, "Closing", "2024-12-10T23:59:59+07:00")
}

pub fn ends_at_required() -> ObjectBuilder {
    datetime(false, "Closing", "2024-12-10T23:59:59+07:00")
}

pub fn timezone() -> ObjectBuilder {
    choice(
        c::timezone_names(),
        true,
        "The IANA time zone in which times are shown (Asia/Ho_Chi_Minh by default).",
    )
}

pub fn questions_per_attempt() -> ObjectBuilder {
    whole(
        c::QUESTIONS_PER_ATTEMPT,
        true,
        "Questions drawn for each attempt (20 by default).",
    )
}

pub fn time_limit_seconds() -> ObjectBuilder {
    whole(
        c::TIME_LIMIT_SECONDS,
        true,
        "Time allowed for an attempt, in seconds (600 by default).",
    )
}

pub fn max_attempts() -> ObjectBuilder {
    whole(
        c::MAX_ATTEMPTS,
        true,
        "Attempts allowed per participant (1 by default).",
    )
}

pub fn grace_seconds() -> ObjectBuilder {
    whole(
        c::GRACE_SECONDS,
        true,
        "Seconds a submit is still accepted after the deadline (15 by default).",
    )
}

pub fn counted_attempt() -> ObjectBuilder {
    choice(
        CountedAttempt::ALL.map(|a| a.as_str()),
        true,
        "Which attempt counts (best by default).",
    )
}

pub fn tie_break() -> ArrayBuilder {
    array(
        choice(
            TieBreakKey::ALL.map(|k| k.as_str()),
            false,
            "A key of the chain.",
        ),
        true,
        "The tie-break chain, most important key first, each key once; \"prediction\" \
         only while the prediction question is on (422 `prediction_disabled`).",
    )
    .min_items(Some(1))
    .unique_items(true)
}

pub fn prizes() -> ArrayBuilder {
    array(
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name("PrizeInput")),
        true,
        "The prize tiers, first prize first.",
    )
    .max_items(Some(c::MAX_PRIZE_TIERS))
}

pub fn excluded() -> ArrayBuilder {
    array(
        text(
            c::excluded_pattern(),
            false,
            "A phone number or a 12-digit national ID (spellings as at registration).",
        ),
        true,
        "Committee members who may not win (normalised and deduplicated).",
    )
    .max_items(Some(c::MAX_EXCLUDED))
}

pub fn prediction_enabled() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(of(Type::Boolean, true))
        .description(Some(
            "Whether the prediction question is asked (on by default).",
        ))
}

pub fn prediction_question() -> ObjectBuilder {
    contest_text(c::PREDICTION_QUESTION_CHARS, true, "The question")
}

pub fn prediction_actual() -> ObjectBuilder {
    choice(
        ActualFigure::ALL.map(|a| a.as_str()),
        true,
        "What the prediction is compared with (all_correct_participants by default).",
    )
}

pub fn prize_name() -> ObjectBuilder {
    contest_text(c::PRIZE_NAME_CHARS, false, "Name").examples([json!("Giải Nhất")])
}

pub fn prize_count() -> ObjectBuilder {
    whole(c::PRIZE_COUNT, false, "How many prizes of this tier.").examples([json!(1)])
}

pub fn prize_amount() -> ObjectBuilder {
    whole(c::PRIZE_AMOUNT, false, "Amount of each prize, in VND.").examples([json!(5_000_000)])
}

/// The body of `POST /admin/contests`: the contest input with title, start and
/// end required, and the chain free of "prediction" when the question is off.
pub fn new_contest(input: RefOr<Schema>) -> RefOr<Schema> {
    let mut input = match input {
        RefOr::T(Schema::Object(o)) => o,
        other => return other,
    };
    for (name, schema) in [
        ("title", title_required()),
        ("starts_at", starts_at_required()),
        ("ends_at", ends_at_required()),
    ] {
        input.properties.insert(name.to_owned(), schema.into());
        input.required.push(name.to_owned());
    }
    input.description = Some(
        "A new contest (a draft). Title, starts_at and ends_at are required; every other \
         field has a default. `ends_at` must be after `starts_at` (422 \
         `ends_before_start`)."
            .to_owned(),
    );
    // With the prediction question off, the chain may not use "prediction".
    let question_on = ObjectBuilder::new().property(
        "prediction",
        AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .item(
                ObjectBuilder::new().property(
                    "enabled",
                    ObjectBuilder::new()
                        .schema_type(of(Type::Boolean, true))
                        .enum_values(Some([json!(true), Value::Null])),
                ),
            ),
    );
    let chain_without_prediction = ObjectBuilder::new().property(
        "tie_break",
        AnyOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .item(
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(
                            TieBreakKey::ALL
                                .iter()
                                .filter(|k| **k != TieBreakKey::Prediction)
                                .map(|k| k.as_str()),
                        )),
                ),
            ),
    );
    AllOfBuilder::new()
        .item(input)
        .item(
            AnyOfBuilder::new()
                .item(question_on)
                .item(chain_without_prediction),
        )
        .into()
}

// Questions -----------------------------------------------------------------

pub fn questions() -> ArrayBuilder {
    array(
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name("QuestionBody")),
        false,
        &format!(
            "The questions to add (a bank holds at most {}).",
            q::MAX_BANK_SIZE
        ),
    )
    .min_items(Some(1))
    .max_items(Some(q::MAX_IMPORT_ROWS))
}

pub fn question_text() -> ObjectBuilder {
    text(
        q::text_pattern(),
        false,
        &format!(
            "The question: 1–{} characters once trimmed (a \\r\\n line break counts as \
             one); no control character but line breaks.",
            q::MAX_TEXT_CHARS
        ),
    )
}

pub fn question_options() -> ArrayBuilder {
    array(
        text(
            q::option_pattern(),
            false,
            &format!(
                "An option: 1–{} characters once trimmed, one line, no control character.",
                q::MAX_OPTION_CHARS
            ),
        ),
        false,
        "The options, each different from the others once trimmed and ignoring letter \
         case (`uniqueItems` states only exact repeats; others are 422).",
    )
    .min_items(Some(MIN_OPTIONS))
    .max_items(Some(MAX_OPTIONS))
    .unique_items(true)
}

pub fn question_correct() -> ObjectBuilder {
    unsigned(
        (MAX_OPTIONS - 1) as u64,
        "Index of the correct option in `options` (less than their number).",
    )
}

pub fn question_category() -> ObjectBuilder {
    text(
        q::category_pattern(),
        true,
        &format!(
            "Category, to stratify the draw: at most {} characters once trimmed, one \
             line; blank or null for none.",
            q::MAX_CATEGORY_CHARS
        ),
    )
}

// Attempts ------------------------------------------------------------------

pub fn answers() -> ArrayBuilder {
    array(
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name("AnswerBody")),
        false,
        "Answers to questions of this attempt, with options of those questions (422 \
         otherwise); a repeated question keeps its last answer.",
    )
    .max_items(Some(MAX_ANSWERS))
}

pub fn option_id() -> ObjectBuilder {
    unsigned(u64::from(u32::MAX), "The chosen option's id.")
}

pub fn prediction() -> ObjectBuilder {
    whole(
        PREDICTION,
        true,
        "How many participants will answer every question right: required while the \
         contest asks the prediction question (422 otherwise), ignored when it does not.",
    )
}

pub fn autosaved_prediction() -> ObjectBuilder {
    whole(
        PREDICTION,
        true,
        "How many participants will answer every question right, saved with the answers so \
         an attempt the server closes keeps it: optional (absent or null keeps the saved one; \
         a submit's prediction replaces it), 422 when out of range, ignored when the contest \
         does not ask the prediction question.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_stated_from_the_validators_constants() {
        let v = serde_json::to_value(RefOr::<Schema>::from(questions_per_attempt())).unwrap();
        assert_eq!(v["minimum"], *c::QUESTIONS_PER_ATTEMPT.start());
        assert_eq!(v["maximum"], *c::QUESTIONS_PER_ATTEMPT.end());
        assert_eq!(v["type"], json!(["integer", "null"]));
        let v = serde_json::to_value(RefOr::<Schema>::from(password())).unwrap();
        assert_eq!(v["minLength"], password::MIN_CHARS);
        assert_eq!(v["maxLength"], password::MAX_CHARS);
    }

    #[test]
    fn every_choice_is_one_the_server_parses() {
        let v = serde_json::to_value(RefOr::<Schema>::from(timezone())).unwrap();
        let names = v["enum"].as_array().unwrap();
        assert!(names.len() > 400);
        for name in names.iter().filter_map(Value::as_str) {
            assert!(name.parse::<chrono_tz::Tz>().is_ok(), "{name}");
        }
        for k in TieBreakKey::ALL {
            assert_eq!(TieBreakKey::parse(k.as_str()), Some(k));
        }
        for a in CountedAttempt::ALL {
            assert_eq!(CountedAttempt::parse(a.as_str()), Some(a));
        }
        for a in ActualFigure::ALL {
            assert_eq!(ActualFigure::parse(a.as_str()), Some(a));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }
}
