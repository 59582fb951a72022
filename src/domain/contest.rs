//! Contest settings and their rules: ranges, related fields, what may change
//! after publishing, and the status that follows from the clock.

use super::account::NationalId;
use super::clock::{Millis, parse_rfc3339};
use super::phone::Phone;
use super::ranking::{ActualFigure, CountedAttempt, PrizeTier, TieBreakKey};
use super::{FieldError, Problems, char_len, has_control};
use serde::{Deserialize, Serialize};

pub const DEFAULT_TIMEZONE: &str = "Asia/Ho_Chi_Minh";
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

/// Contest settings as the API sends them. Every field is optional so one type
/// serves create (defaults fill gaps) and PATCH (the stored value fills gaps).
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContestInput {
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
    pub prediction: Option<PredictionInput>,
    pub tie_break: Option<Vec<String>>,
    pub prizes: Option<Vec<PrizeInput>>,
    pub excluded: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PredictionInput {
    pub enabled: Option<bool>,
    pub question: Option<String>,
    pub actual: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrizeInput {
    pub name: String,
    pub count: i64,
    pub amount: i64,
}

/// Validated contest settings: only these reach the database.
#[derive(Clone, Debug, PartialEq)]
pub struct ContestSettings {
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
    /// Normalised phones and national IDs of committee members.
    pub excluded: Vec<String>,
}

fn text(field: &str, v: Option<&str>, min: usize, max: usize, problems: &mut Problems) -> String {
    let v = v.unwrap_or("").trim().to_owned();
    let n = char_len(&v);
    if n < min || n > max || has_control(&v, true) {
        problems.push(
            field,
            "invalid_text",
            format!("must be {min}–{max} characters of text"),
        );
    }
    v
}

fn ranged(
    field: &str,
    v: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
    problems: &mut Problems,
) -> u32 {
    let v = v.unwrap_or(default);
    if v < min || v > max {
        problems.push(
            field,
            "out_of_range",
            format!("must be between {min} and {max}"),
        );
        return min as u32;
    }
    v as u32
}

impl ContestSettings {
    /// Validates a whole contest; `base` supplies values the input leaves out (PATCH).
    pub fn parse(
        input: &ContestInput,
        base: Option<&ContestSettings>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut p = Problems::default();
        let b = base;
        let title = text(
            "title",
            input.title.as_deref().or(b.map(|b| b.title.as_str())),
            1,
            200,
            &mut p,
        );
        let description = text(
            "description",
            input
                .description
                .as_deref()
                .or(b.map(|b| b.description.as_str())),
            0,
            5_000,
            &mut p,
        );
        let rules = text(
            "rules",
            input.rules.as_deref().or(b.map(|b| b.rules.as_str())),
            0,
            20_000,
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
            1,
            200,
            &mut p,
        );
        let time_limit_seconds = ranged(
            "time_limit_seconds",
            input.time_limit_seconds,
            b.map_or(600, |b| b.time_limit_seconds as i64),
            5,
            86_400,
            &mut p,
        );
        let max_attempts = ranged(
            "max_attempts",
            input.max_attempts,
            b.map_or(1, |b| b.max_attempts as i64),
            1,
            100,
            &mut p,
        );
        let grace_seconds = ranged(
            "grace_seconds",
            input.grace_seconds,
            b.map_or(15, |b| b.grace_seconds as i64),
            0,
            300,
            &mut p,
        );
        let counted_attempt = match input.counted_attempt.as_deref() {
            None => b.map_or(CountedAttempt::Best, |b| b.counted_attempt),
            Some("best") => CountedAttempt::Best,
            Some("first") => CountedAttempt::First,
            Some(_) => {
                p.push(
                    "counted_attempt",
                    "invalid_choice",
                    "must be \"best\" or \"first\"",
                );
                CountedAttempt::Best
            }
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
                1,
                500,
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
                if tiers.len() > 20 {
                    p.push("prizes", "too_many", "at most 20 prize tiers");
                }
                tiers
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let name =
                            text(&format!("prizes[{i}].name"), Some(&t.name), 1, 100, &mut p);
                        if !(1..=10_000).contains(&t.count) {
                            p.push(
                                format!("prizes[{i}].count"),
                                "out_of_range",
                                "must be between 1 and 10000",
                            );
                        }
                        if !(1..=1_000_000_000_000).contains(&t.amount) {
                            p.push(
                                format!("prizes[{i}].amount"),
                                "out_of_range",
                                "must be a positive amount in VND, at most 1,000,000,000,000",
                            );
                        }
                        PrizeTier {
                            name,
                            count: t.count.clamp(0, 10_000) as u32,
                            amount: t.amount,
                        }
                    })
                    .collect()
            }
            None => b.map(|b| b.prizes.clone()).unwrap_or_default(),
        };

        let excluded = match &input.excluded {
            Some(list) => {
                if list.len() > 10_000 {
                    p.push("excluded", "too_many", "at most 10000 entries");
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

    fn input() -> ContestInput {
        ContestInput {
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
        i.prizes = Some(vec![PrizeInput {
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
