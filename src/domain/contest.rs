//! Contest settings and their rules: ranges, related fields, what may change
//! after publishing, and the status that follows from the clock.

use super::account::NationalId;
use super::clock::{Millis, parse_rfc3339};
use super::ids::{ContestId, OrganisationId, UserId};
use super::phone::Phone;
use super::ranking::{ActualFigure, CountedAttempt, PrizeTier, TieBreakKey};
use super::{FieldError, Problems, char_len, has_control};
use std::ops::RangeInclusive;

pub const DEFAULT_TIMEZONE: &str = "Asia/Ho_Chi_Minh";

// The rules of a contest's settings, in characters (texts are trimmed first)
// or in the unit of the field. The OpenAPI document is built from these too.
pub const TITLE_CHARS: RangeInclusive<usize> = 1..=200;
pub const DESCRIPTION_CHARS: RangeInclusive<usize> = 0..=5_000;
pub const RULES_CHARS: RangeInclusive<usize> = 0..=20_000;
pub const PREDICTION_QUESTION_CHARS: RangeInclusive<usize> = 1..=500;
pub const PRIZE_NAME_CHARS: RangeInclusive<usize> = 1..=100;
pub const QUESTIONS_PER_ATTEMPT: RangeInclusive<i64> = 1..=200;
pub const TIME_LIMIT_SECONDS: RangeInclusive<i64> = 5..=86_400;
pub const MAX_ATTEMPTS: RangeInclusive<i64> = 1..=100;
pub const GRACE_SECONDS: RangeInclusive<i64> = 0..=300;
pub const MAX_PRIZE_TIERS: usize = 20;
pub const PRIZE_COUNT: RangeInclusive<i64> = 1..=10_000;
/// In VND.
pub const PRIZE_AMOUNT: RangeInclusive<i64> = 1..=1_000_000_000_000;
pub const MAX_EXCLUDED: usize = 10_000;

/// The JSON body the largest contest these rules allow can need: every text at
/// its longest with each character escaped (up to 12 bytes, `\uXXXX\uXXXX`),
/// every exclusion at the longest phone spelling escaped (6 bytes a
/// character), and room for the rest. Creating and editing a contest accept
/// bodies this large, so that no contest within the rules is refused as 413.
pub const MAX_INPUT_JSON_BYTES: usize = {
    let texts = *TITLE_CHARS.end()
        + *DESCRIPTION_CHARS.end()
        + *RULES_CHARS.end()
        + *PREDICTION_QUESTION_CHARS.end()
        + MAX_PRIZE_TIERS * *PRIZE_NAME_CHARS.end();
    let exclusions = MAX_EXCLUDED * (super::phone::MAX_INPUT_BYTES * 6 + 3);
    texts * 12 + exclusions + 64 * 1024
};
pub const DEFAULT_PREDICTION_QUESTION: &str =
    "Dự đoán có bao nhiêu người tham gia trả lời đúng tất cả các câu hỏi?";

/// A contest's stored state; `upcoming`, `open` and `closed` follow from the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Draft,
    Published,
    Finalized,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Published => "published",
            State::Finalized => "finalized",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(State::Draft),
            "published" => Some(State::Published),
            "finalized" => Some(State::Finalized),
            _ => None,
        }
    }
}

/// What participants see: draft, upcoming, open, closed or finalized.
pub fn status(state: State, starts_at: Millis, ends_at: Millis, now: Millis) -> &'static str {
    match state {
        State::Draft => "draft",
        State::Finalized => "finalized",
        State::Published if now < starts_at => "upcoming",
        State::Published if now < ends_at => "open",
        State::Published => "closed",
    }
}

/// The contest accepts new attempts from `starts_at` (inclusive) to `ends_at` (exclusive).
pub fn is_open(starts_at: Millis, ends_at: Millis, now: Millis) -> bool {
    starts_at <= now && now < ends_at
}

/// The prediction question ("how many will answer every question right?").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prediction {
    pub enabled: bool,
    pub question: String,
    pub actual: ActualFigure,
}

/// Contest settings as given, before validation. Every field is optional so
/// one type serves create (defaults fill gaps) and edit (the stored value
/// fills gaps). The HTTP body that carries it lives in `http::bodies`.
#[derive(Clone, Debug, Default)]
pub struct ContestDraft {
    pub title: Option<String>,
    pub description: Option<String>,
    pub rules: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub timezone: Option<String>,
    pub questions_per_attempt: Option<i64>,
    pub time_limit_seconds: Option<i64>,
    pub max_attempts: Option<i64>,
    pub counted_attempt: Option<String>,
    pub grace_seconds: Option<i64>,
    pub prediction: Option<PredictionDraft>,
    pub tie_break: Option<Vec<String>>,
    pub prizes: Option<Vec<PrizeDraft>>,
    pub excluded: Option<Vec<String>>,
    pub review_after_final: Option<bool>,
}

/// The prediction question as given; absent fields keep their current (or default) value.
#[derive(Clone, Debug, Default)]
pub struct PredictionDraft {
    pub enabled: Option<bool>,
    pub question: Option<String>,
    pub actual: Option<String>,
}

/// One prize tier as given.
#[derive(Clone, Debug)]
pub struct PrizeDraft {
    pub name: String,
    pub count: i64,
    pub amount: i64,
}

/// Validated contest settings: only these reach the database. Built by
/// [`ContestSettings::parse`] (and, for the store, from what it saved:
/// [`ContestSettings::from_record`]); read through its accessors.
#[derive(Clone, Debug, PartialEq)]
pub struct ContestSettings {
    title: String,
    description: String,
    rules: String,
    starts_at: Millis,
    ends_at: Millis,
    timezone: chrono_tz::Tz,
    questions_per_attempt: u32,
    time_limit_seconds: u32,
    max_attempts: u32,
    counted_attempt: CountedAttempt,
    grace_seconds: u32,
    prediction: Prediction,
    tie_break: Vec<TieBreakKey>,
    prizes: Vec<PrizeTier>,
    /// Normalised phones and national IDs of committee members.
    excluded: Vec<String>,
    /// Participants may see the right answers once the results are final.
    review_after_final: bool,
}

/// Contest settings as the store keeps them: they were parsed before they
/// were saved, so the store gives them back as they are.
#[derive(Clone, Debug)]
pub struct ContestRecord {
    pub title: String,
    pub description: String,
    pub rules: String,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub timezone: chrono_tz::Tz,
    pub questions_per_attempt: u32,
    pub time_limit_seconds: u32,
    pub max_attempts: u32,
    pub counted_attempt: CountedAttempt,
    pub grace_seconds: u32,
    pub prediction: Prediction,
    pub tie_break: Vec<TieBreakKey>,
    pub prizes: Vec<PrizeTier>,
    pub excluded: Vec<String>,
    pub review_after_final: bool,
}

impl ContestSettings {
    /// Settings the store saved (after [`ContestSettings::parse`]) and reads back.
    pub fn from_record(r: ContestRecord) -> Self {
        Self {
            title: r.title,
            description: r.description,
            rules: r.rules,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            timezone: r.timezone,
            questions_per_attempt: r.questions_per_attempt,
            time_limit_seconds: r.time_limit_seconds,
            max_attempts: r.max_attempts,
            counted_attempt: r.counted_attempt,
            grace_seconds: r.grace_seconds,
            prediction: r.prediction,
            tie_break: r.tie_break,
            prizes: r.prizes,
            excluded: r.excluded,
            review_after_final: r.review_after_final,
        }
    }

    pub fn title(&self) -> &str {
        &self.title
    }
    pub fn description(&self) -> &str {
        &self.description
    }
    pub fn rules(&self) -> &str {
        &self.rules
    }
    pub fn starts_at(&self) -> Millis {
        self.starts_at
    }
    pub fn ends_at(&self) -> Millis {
        self.ends_at
    }
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.timezone
    }
    pub fn questions_per_attempt(&self) -> u32 {
        self.questions_per_attempt
    }
    pub fn time_limit_seconds(&self) -> u32 {
        self.time_limit_seconds
    }
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    pub fn counted_attempt(&self) -> CountedAttempt {
        self.counted_attempt
    }
    pub fn grace_seconds(&self) -> u32 {
        self.grace_seconds
    }
    pub fn prediction(&self) -> &Prediction {
        &self.prediction
    }
    /// The tie-break chain, most significant key first.
    pub fn tie_break(&self) -> &[TieBreakKey] {
        &self.tie_break
    }
    /// Prize tiers, awarded down the ranking in this order.
    pub fn prizes(&self) -> &[PrizeTier] {
        &self.prizes
    }
    /// Normalised phones and national IDs of committee members.
    pub fn excluded(&self) -> &[String] {
        &self.excluded
    }

    /// May participants see the right answers once the results are final?
    pub fn review_after_final(&self) -> bool {
        self.review_after_final
    }
}

/// A stored contest.
#[derive(Clone, Debug)]
pub struct Contest {
    pub id: ContestId,
    pub state: State,
    pub settings: ContestSettings,
    /// Fixed when the contest is published; shown with the results.
    pub draw_seed: Option<String>,
    pub created_by: UserId,
    /// The organisation that runs it (its creator's).
    pub organisation_id: OrganisationId,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub published_at: Option<Millis>,
    pub results_computed_at: Option<Millis>,
    pub actual_figure: Option<i64>,
    pub finalized_at: Option<Millis>,
    pub digest: Option<String>,
}

impl Contest {
    /// How many prizes the tiers award in all.
    pub fn prize_count(&self) -> u64 {
        self.settings
            .prizes
            .iter()
            .map(|p| u64::from(p.count))
            .sum()
    }

    /// Draft, upcoming, open, closed or finalized at `now`.
    pub fn status(&self, now: Millis) -> &'static str {
        status(
            self.state,
            self.settings.starts_at,
            self.settings.ends_at,
            now,
        )
    }

    /// True when a new attempt may start at `now`.
    pub fn accepts_attempts(&self, now: Millis) -> bool {
        self.state == State::Published
            && is_open(self.settings.starts_at, self.settings.ends_at, now)
    }

    /// The last moment a submit may still arrive: `ends_at + grace`. Results
    /// can be computed only after it.
    pub fn last_submit_at(&self) -> Millis {
        self.settings.ends_at + i64::from(self.settings.grace_seconds) * 1000
    }
}

/// A text of the contest: trimmed, `chars` long, no control character but
/// tabs and line breaks.
fn text(
    field: &str,
    v: Option<&str>,
    chars: RangeInclusive<usize>,
    problems: &mut Problems,
) -> String {
    let v = v.unwrap_or("").trim().to_owned();
    let n = char_len(&v);
    if !chars.contains(&n) || has_control(&v, true) {
        let (min, max) = (chars.start(), chars.end());
        problems.push(
            field,
            "invalid_text",
            format!("must be {min}–{max} characters of text"),
        );
    }
    v
}

/// The texts [`text`] accepts within `chars`, as an ECMA-262 pattern.
pub fn text_pattern(chars: RangeInclusive<usize>) -> String {
    super::pattern::trimmed(chars, super::pattern::Controls::TabsAndLineBreaks)
}

/// What an entry of `excluded` may be: a phone number or a national ID, in any
/// spelling [`Phone::parse`] or [`NationalId::parse`] accepts.
pub fn excluded_pattern() -> String {
    format!(
        "^(?:{}|{})$",
        Phone::pattern_body(),
        NationalId::pattern_body()
    )
}

/// The IANA time zone names a contest may use.
pub fn timezone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
}

fn ranged(
    field: &str,
    v: Option<i64>,
    default: i64,
    range: RangeInclusive<i64>,
    problems: &mut Problems,
) -> u32 {
    let v = v.unwrap_or(default);
    if !range.contains(&v) {
        let (min, max) = (range.start(), range.end());
        problems.push(
            field,
            "out_of_range",
            format!("must be between {min} and {max}"),
        );
        return *min as u32;
    }
    v as u32
}

impl ContestSettings {
    /// Validates a whole contest; `base` supplies values the input leaves out (PATCH).
    pub fn parse(
        input: &ContestDraft,
        base: Option<&ContestSettings>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut p = Problems::default();
        let b = base;
        let title = text(
            "title",
            input.title.as_deref().or(b.map(|b| b.title.as_str())),
            TITLE_CHARS,
            &mut p,
        );
        let description = text(
            "description",
            input
                .description
                .as_deref()
                .or(b.map(|b| b.description.as_str())),
            DESCRIPTION_CHARS,
            &mut p,
        );
        let rules = text(
            "rules",
            input.rules.as_deref().or(b.map(|b| b.rules.as_str())),
            RULES_CHARS,
            &mut p,
        );

        let tz_name = input
            .timezone
            .clone()
            .or(b.map(|b| b.timezone.name().to_owned()))
            .unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned());
        let timezone = match tz_name.parse::<chrono_tz::Tz>() {
            Ok(tz) => tz,
            Err(_) => {
                p.push(
                    "timezone",
                    "invalid_timezone",
                    "must be an IANA time zone such as Asia/Ho_Chi_Minh",
                );
                chrono_tz::Asia::Ho_Chi_Minh
            }
        };
        let when = |field: &str, v: &Option<String>, base: Option<Millis>, p: &mut Problems| match v
        {
            Some(s) => parse_rfc3339(s).or_else(|| {
                p.push(
                    field,
                    "invalid_datetime",
                    "must be an RFC 3339 date-time with offset, e.g. 2024-12-01T00:00:00+07:00",
                );
                None
            }),
            None => base.or_else(|| {
                p.push(field, "required", "is required");
                None
            }),
        };
        let starts_at = when(
            "starts_at",
            &input.starts_at,
            b.map(|b| b.starts_at),
            &mut p,
        );
        let ends_at = when("ends_at", &input.ends_at, b.map(|b| b.ends_at), &mut p);
        if let (Some(s), Some(e)) = (starts_at, ends_at)
            && s >= e
        {
            p.push("ends_at", "ends_before_start", "must be after starts_at");
        }

        let questions_per_attempt = ranged(
            "questions_per_attempt",
            input.questions_per_attempt,
            b.map_or(20, |b| b.questions_per_attempt as i64),
            QUESTIONS_PER_ATTEMPT,
            &mut p,
        );
        let time_limit_seconds = ranged(
            "time_limit_seconds",
            input.time_limit_seconds,
            b.map_or(600, |b| b.time_limit_seconds as i64),
            TIME_LIMIT_SECONDS,
            &mut p,
        );
        let max_attempts = ranged(
            "max_attempts",
            input.max_attempts,
            b.map_or(1, |b| b.max_attempts as i64),
            MAX_ATTEMPTS,
            &mut p,
        );
        let grace_seconds = ranged(
            "grace_seconds",
            input.grace_seconds,
            b.map_or(15, |b| b.grace_seconds as i64),
            GRACE_SECONDS,
            &mut p,
        );
        let counted_attempt = match input.counted_attempt.as_deref() {
            None => b.map_or(CountedAttempt::Best, |b| b.counted_attempt),
            Some(name) => CountedAttempt::parse(name).unwrap_or_else(|| {
                p.push(
                    "counted_attempt",
                    "invalid_choice",
                    "must be \"best\" or \"first\"",
                );
                CountedAttempt::Best
            }),
        };

        let base_pred = b.map(|b| b.prediction.clone()).unwrap_or(Prediction {
            enabled: true,
            question: DEFAULT_PREDICTION_QUESTION.to_owned(),
            actual: ActualFigure::AllCorrectParticipants,
        });
        let pin = input.prediction.clone().unwrap_or_default();
        let actual = match pin.actual.as_deref() {
            None => base_pred.actual,
            Some(s) => ActualFigure::parse(s).unwrap_or_else(|| {
                p.push(
                    "prediction.actual",
                    "invalid_choice",
                    "must be \"all_correct_participants\" or \"participants\"",
                );
                base_pred.actual
            }),
        };
        let prediction = Prediction {
            enabled: pin.enabled.unwrap_or(base_pred.enabled),
            question: text(
                "prediction.question",
                Some(pin.question.as_deref().unwrap_or(&base_pred.question)),
                PREDICTION_QUESTION_CHARS,
                &mut p,
            ),
            actual,
        };

        let tie_break = match &input.tie_break {
            Some(keys) => {
                let mut out = Vec::new();
                for (i, k) in keys.iter().enumerate() {
                    match TieBreakKey::parse(k) {
                        Some(key) if out.contains(&key) => p.push(
                            format!("tie_break[{i}]"),
                            "duplicate_key",
                            format!("\"{k}\" is repeated"),
                        ),
                        Some(key) => out.push(key),
                        None => p.push(
                            format!("tie_break[{i}]"),
                            "unknown_key",
                            "must be one of score, prediction, duration, submitted_at",
                        ),
                    }
                }
                if keys.is_empty() {
                    p.push("tie_break", "required", "needs at least one key");
                }
                out
            }
            None => match b {
                Some(b) => b.tie_break.clone(),
                None if prediction.enabled => {
                    vec![
                        TieBreakKey::Score,
                        TieBreakKey::Prediction,
                        TieBreakKey::Duration,
                        TieBreakKey::SubmittedAt,
                    ]
                }
                None => vec![
                    TieBreakKey::Score,
                    TieBreakKey::Duration,
                    TieBreakKey::SubmittedAt,
                ],
            },
        };
        if !prediction.enabled && tie_break.contains(&TieBreakKey::Prediction) {
            p.push(
                "tie_break",
                "prediction_disabled",
                "uses \"prediction\" while the prediction question is off",
            );
        }

        let prizes = match &input.prizes {
            Some(tiers) => {
                if tiers.len() > MAX_PRIZE_TIERS {
                    p.push(
                        "prizes",
                        "too_many",
                        format!("at most {MAX_PRIZE_TIERS} prize tiers"),
                    );
                }
                tiers
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let name = text(
                            &format!("prizes[{i}].name"),
                            Some(&t.name),
                            PRIZE_NAME_CHARS,
                            &mut p,
                        );
                        if !PRIZE_COUNT.contains(&t.count) {
                            let (min, max) = (PRIZE_COUNT.start(), PRIZE_COUNT.end());
                            p.push(
                                format!("prizes[{i}].count"),
                                "out_of_range",
                                format!("must be between {min} and {max}"),
                            );
                        }
                        if !PRIZE_AMOUNT.contains(&t.amount) {
                            p.push(
                                format!("prizes[{i}].amount"),
                                "out_of_range",
                                format!(
                                    "must be a positive amount in VND, at most {}",
                                    PRIZE_AMOUNT.end()
                                ),
                            );
                        }
                        PrizeTier {
                            name,
                            count: t.count.clamp(0, *PRIZE_COUNT.end()) as u32,
                            amount: t.amount,
                        }
                    })
                    .collect()
            }
            None => b.map(|b| b.prizes.clone()).unwrap_or_default(),
        };

        let excluded = match &input.excluded {
            Some(list) => {
                if list.len() > MAX_EXCLUDED {
                    p.push(
                        "excluded",
                        "too_many",
                        format!("at most {MAX_EXCLUDED} entries"),
                    );
                }
                let mut out: Vec<String> = Vec::new();
                for (i, e) in list.iter().enumerate() {
                    if let Ok(phone) = Phone::parse(e) {
                        out.push(phone.as_str().to_owned());
                    } else if let Ok(id) = NationalId::parse(e) {
                        out.push(id.as_str().to_owned());
                    } else {
                        p.push(
                            format!("excluded[{i}]"),
                            "invalid_identity",
                            "must be a mobile phone number or a 12-digit national ID",
                        );
                    }
                }
                out.sort();
                out.dedup();
                out
            }
            None => b.map(|b| b.excluded.clone()).unwrap_or_default(),
        };

        p.into_result()?;
        Ok(Self {
            title,
            description,
            rules,
            starts_at: starts_at.unwrap_or_default(),
            ends_at: ends_at.unwrap_or_default(),
            timezone,
            questions_per_attempt,
            time_limit_seconds,
            max_attempts,
            counted_attempt,
            grace_seconds,
            prediction,
            tie_break,
            prizes,
            excluded,
            // A display choice: it may change at any time, even after publishing.
            review_after_final: input
                .review_after_final
                .or(b.map(|b| b.review_after_final))
                .unwrap_or(false),
        })
    }

    /// After publishing, only what keeps attempts already taken fair may change:
    /// texts, a later end, the exclusion list. Returns the first field that may not.
    pub fn published_change_refused(&self, new: &ContestSettings) -> Option<&'static str> {
        let checks: [(&'static str, bool); 10] = [
            ("starts_at", self.starts_at != new.starts_at),
            ("timezone", self.timezone != new.timezone),
            (
                "questions_per_attempt",
                self.questions_per_attempt != new.questions_per_attempt,
            ),
            (
                "time_limit_seconds",
                self.time_limit_seconds != new.time_limit_seconds,
            ),
            ("max_attempts", self.max_attempts != new.max_attempts),
            (
                "counted_attempt",
                self.counted_attempt != new.counted_attempt,
            ),
            ("grace_seconds", self.grace_seconds != new.grace_seconds),
            (
                "prediction",
                self.prediction.enabled != new.prediction.enabled
                    || self.prediction.actual != new.prediction.actual,
            ),
            ("tie_break", self.tie_break != new.tie_break),
            (
                "prizes",
                self.prizes.len() != new.prizes.len()
                    || self
                        .prizes
                        .iter()
                        .zip(&new.prizes)
                        .any(|(a, b)| a.count != b.count || a.amount != b.amount),
            ),
        ];
        if new.ends_at < self.ends_at {
            return Some("ends_at");
        }
        checks.iter().find(|(_, changed)| *changed).map(|(f, _)| *f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContestDraft {
        ContestDraft {
            title: Some("Tìm hiểu về Sếu đầu đỏ".into()),
            starts_at: Some("2024-12-01T00:00:00+07:00".into()),
            ends_at: Some("2024-12-10T23:59:59+07:00".into()),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_follow_the_design() {
        let s = ContestSettings::parse(&input(), None).unwrap();
        assert_eq!(s.grace_seconds, 15);
        assert_eq!(s.counted_attempt, CountedAttempt::Best);
        assert!(s.prediction.enabled);
        assert_eq!(s.tie_break.len(), 4);
        assert_eq!(s.timezone, chrono_tz::Asia::Ho_Chi_Minh);
    }

    #[test]
    fn end_before_start_and_out_of_range_values_are_all_reported() {
        let mut i = input();
        i.ends_at = Some("2024-11-30T00:00:00+07:00".into());
        i.questions_per_attempt = Some(0);
        i.time_limit_seconds = Some(86_401);
        i.max_attempts = Some(101);
        i.grace_seconds = Some(-1);
        i.tie_break = Some(vec!["score".into(), "score".into(), "luck".into()]);
        i.prizes = Some(vec![PrizeDraft {
            name: "".into(),
            count: 0,
            amount: -5,
        }]);
        let errs = ContestSettings::parse(&i, None).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "ends_at",
            "questions_per_attempt",
            "time_limit_seconds",
            "max_attempts",
            "grace_seconds",
            "tie_break[1]",
            "tie_break[2]",
            "prizes[0].name",
            "prizes[0].count",
            "prizes[0].amount",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn range_edges_are_inclusive() {
        let mut i = input();
        i.questions_per_attempt = Some(200);
        i.time_limit_seconds = Some(5);
        i.max_attempts = Some(100);
        i.grace_seconds = Some(300);
        assert!(ContestSettings::parse(&i, None).is_ok());
    }

    #[test]
    fn exclusions_are_normalised() {
        let mut i = input();
        i.excluded = Some(vec!["+84 912 000 111".into(), "087000111222".into()]);
        let s = ContestSettings::parse(&i, None).unwrap();
        assert_eq!(s.excluded, ["087000111222", "0912000111"]);
    }

    #[test]
    fn after_publishing_only_texts_and_a_later_end_may_change() {
        let old = ContestSettings::parse(&input(), None).unwrap();
        let mut texts = old.clone();
        texts.title = "Khác".into();
        texts.ends_at += 1;
        assert_eq!(old.published_change_refused(&texts), None);
        let mut earlier = old.clone();
        earlier.ends_at -= 1;
        assert_eq!(old.published_change_refused(&earlier), Some("ends_at"));
        let mut timing = old.clone();
        timing.time_limit_seconds += 1;
        assert_eq!(
            old.published_change_refused(&timing),
            Some("time_limit_seconds")
        );
    }

    #[test]
    fn status_follows_the_clock_at_the_millisecond() {
        assert_eq!(status(State::Published, 100, 200, 99), "upcoming");
        assert_eq!(status(State::Published, 100, 200, 100), "open");
        assert_eq!(status(State::Published, 100, 200, 199), "open");
        assert_eq!(status(State::Published, 100, 200, 200), "closed");
        assert_eq!(status(State::Draft, 100, 200, 150), "draft");
        assert_eq!(status(State::Finalized, 100, 200, 150), "finalized");
    }
}
