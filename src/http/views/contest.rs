//! Contests, the question bank and the organisers' statistics.

use super::{Time, list_of, one_of};
use crate::domain::clock::Millis;
use crate::domain::contest::Contest;
use crate::domain::ranking::{ActualFigure, CountedAttempt, TieBreakKey};
use crate::store::contests::BankQuestion;
use crate::store::stats::Stats;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder};

/// A contest as the API contract (docs/design.md) shapes it. Everyone sees the
/// settings, the prize tiers, `status` and `server_now`; staff also see the
/// exclusion list and the result fields; everyone sees the draw seed, the
/// digest and `finalized_at` once the results are final.
#[derive(Serialize, ToSchema)]
pub struct ContestView {
    pub id: String,
    /// The organisation that runs it (`GET /organisations`).
    pub organisation_id: String,
    pub title: String,
    pub description: String,
    /// Left out of the public list (`GET /contests`): up to 20,000 characters each.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    pub rules: Option<String>,
    #[schema(schema_with = contest_status)]
    pub status: &'static str,
    pub starts_at: Time,
    pub ends_at: Time,
    /// The IANA zone the contest's times are shown in.
    pub timezone: &'static str,
    pub questions_per_attempt: u32,
    pub time_limit_seconds: u32,
    pub max_attempts: u32,
    #[schema(schema_with = counted_attempt)]
    pub counted_attempt: &'static str,
    pub grace_seconds: u32,
    pub prediction: PredictionView,
    #[schema(schema_with = tie_break)]
    pub tie_break: Vec<&'static str>,
    /// The prize tiers, first prize first.
    pub prizes: Vec<PrizeTierView>,
    /// The server's clock now, for countdowns that do not drift.
    pub server_now: Time,
    /// Staff only: the normalised phones and national IDs that may not win.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Vec<String>)]
    pub excluded: Option<Vec<String>>,
    /// Participants may review the right answers once the results are final.
    pub review_after_final: bool,
    /// People who have started an attempt (counted again at most every 30 s).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = i64)]
    pub participants: Option<i64>,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Time)]
    pub created_at: Option<Time>,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Time)]
    pub updated_at: Option<Time>,
    /// Staff only: when the stored ranking was computed, or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Time>)]
    pub results_computed_at: Option<Option<Time>>,
    /// Staff, and everyone once finalized: the finalized digest (64 hex), or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub digest: Option<Option<String>>,
    /// Staff once results are computed, and everyone once finalized: the draw
    /// seed (64 hex), fixed at publishing.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub draw_seed: Option<Option<String>>,
    /// Once finalized.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Time)]
    pub finalized_at: Option<Time>,
    /// `GET /admin/contests/{id}` only: the size of the question bank.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = i64)]
    pub question_count: Option<i64>,
}

/// Every status a contest shows: the stored state, or for a published
/// contest where the clock stands.
pub const CONTEST_STATUSES: [&str; 5] = ["draft", "upcoming", "open", "closed", "finalized"];

fn contest_status() -> ObjectBuilder {
    one_of(
        CONTEST_STATUSES,
        false,
        "draft, upcoming (published, before starts_at), open, closed (from ends_at) or finalized.",
    )
}

fn counted_attempt() -> ObjectBuilder {
    one_of(
        CountedAttempt::ALL.map(|a| a.as_str()),
        false,
        "Which attempt of a person counts.",
    )
}

fn actual_figure() -> ObjectBuilder {
    one_of(
        ActualFigure::ALL.map(|a| a.as_str()),
        false,
        "What predictions are measured against.",
    )
}

fn tie_break() -> ArrayBuilder {
    list_of(
        TieBreakKey::ALL.map(|k| k.as_str()),
        "The tie-break chain, most important key first.",
    )
}

/// The prediction question.
#[derive(Serialize, ToSchema)]
pub struct PredictionView {
    pub enabled: bool,
    pub question: String,
    #[schema(schema_with = actual_figure)]
    pub actual: &'static str,
}

/// A prize tier: `count` prizes of `amount` VND.
#[derive(Serialize, ToSchema)]
pub struct PrizeTierView {
    pub name: String,
    pub count: u32,
    pub amount: i64,
}

impl ContestView {
    /// The contest as `staff` or anyone else sees it at `now`.
    pub fn new(c: &Contest, now: Millis, staff: bool) -> Self {
        let s = &c.settings;
        let tz = s.timezone();
        let time = |t: Millis| Time::new(t, tz);
        let finalized = c.finalized_at.is_some();
        let results_shown = finalized || (staff && c.results_computed_at.is_some());
        Self {
            id: c.id.to_string(),
            organisation_id: c.organisation_id.to_string(),
            title: s.title().to_owned(),
            description: s.description().to_owned(),
            rules: Some(s.rules().to_owned()),
            status: c.status(now),
            starts_at: time(s.starts_at()),
            ends_at: time(s.ends_at()),
            timezone: tz.name(),
            questions_per_attempt: s.questions_per_attempt(),
            time_limit_seconds: s.time_limit_seconds(),
            max_attempts: s.max_attempts(),
            counted_attempt: s.counted_attempt().as_str(),
            grace_seconds: s.grace_seconds(),
            prediction: PredictionView {
                enabled: s.prediction().enabled,
                question: s.prediction().question.clone(),
                actual: s.prediction().actual.as_str(),
            },
            tie_break: s.tie_break().iter().map(|k| k.as_str()).collect(),
            prizes: s
                .prizes()
                .iter()
                .map(|p| PrizeTierView {
                    name: p.name.clone(),
                    count: p.count,
                    amount: p.amount,
                })
                .collect(),
            server_now: time(now),
            excluded: staff.then(|| s.excluded().to_vec()),
            review_after_final: s.review_after_final(),
            participants: None,
            created_at: staff.then(|| time(c.created_at)),
            updated_at: staff.then(|| time(c.updated_at)),
            results_computed_at: staff.then(|| c.results_computed_at.map(time)),
            digest: (staff || finalized).then(|| c.digest.clone()),
            draw_seed: results_shown.then(|| c.draw_seed.clone()),
            finalized_at: c.finalized_at.map(time),
            question_count: None,
        }
    }

    /// As the public list shows it: without the rules, to keep the list light
    /// for phones on 3G (the contest page has them).
    pub fn without_rules(self) -> Self {
        Self {
            rules: None,
            ..self
        }
    }

    /// With the number of people who have taken part.
    pub fn with_participants(self, n: i64) -> Self {
        Self {
            participants: Some(n),
            ..self
        }
    }

    /// With the size of its question bank (staff's contest page).
    pub fn with_question_count(self, n: i64) -> Self {
        Self {
            question_count: Some(n),
            ..self
        }
    }
}

/// `{contest}`.
#[derive(Serialize, ToSchema)]
pub struct ContestEnvelope {
    pub contest: ContestView,
}

impl ContestEnvelope {
    pub fn new(c: &Contest, now: Millis, staff: bool) -> Self {
        Self {
            contest: ContestView::new(c, now, staff),
        }
    }
}

/// `{contests}`, newest first.
#[derive(Serialize, ToSchema)]
pub struct ContestList {
    pub contests: Vec<ContestView>,
}

/// `{added, question_count}`: questions added, and the bank's size now.
#[derive(Serialize, ToSchema)]
pub struct Added {
    pub added: usize,
    pub question_count: i64,
}

/// `{added, question_count, encoding}`: an import's [`Added`], and the
/// character encoding the file was read in.
#[derive(Serialize, ToSchema)]
pub struct Imported {
    pub added: usize,
    pub question_count: i64,
    pub encoding: FileEncoding,
}

/// The encoding an imported file was read in: `utf-8`, or `windows-1258` for a
/// file Excel saved as plain "CSV" on a Vietnamese Windows.
#[derive(Serialize, ToSchema, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "windows-1258")]
    Windows1258,
}

impl From<crate::domain::question::SourceEncoding> for FileEncoding {
    fn from(e: crate::domain::question::SourceEncoding) -> Self {
        use crate::domain::question::SourceEncoding;
        match e {
            SourceEncoding::Utf8 => Self::Utf8,
            SourceEncoding::Windows1258 => Self::Windows1258,
        }
    }
}

/// One option of a question: its random id and its text.
#[derive(Serialize, ToSchema)]
pub struct OptionView {
    pub id: u32,
    pub text: String,
}

/// A question of the bank with its answer (staff only).
#[derive(Serialize, ToSchema)]
pub struct BankQuestionView {
    pub id: String,
    pub position: i64,
    pub text: String,
    pub options: Vec<OptionView>,
    pub correct_option_id: u32,
    /// The 0-based index of the right option (null only if the stored answer
    /// names no option).
    #[schema(required = true)]
    pub correct: Option<usize>,
    #[schema(required = true)]
    pub category: Option<String>,
}

impl From<&BankQuestion> for BankQuestionView {
    fn from(q: &BankQuestion) -> Self {
        Self {
            id: q.id.clone(),
            position: q.position,
            text: q.text.clone(),
            options: q
                .options
                .iter()
                .map(|o| OptionView {
                    id: o.id,
                    text: o.text.clone(),
                })
                .collect(),
            correct_option_id: q.correct_option_id,
            correct: q.options.iter().position(|o| o.id == q.correct_option_id),
            category: q.category.clone(),
        }
    }
}

/// `{questions, question_count}`: the bank, with the correct answers.
#[derive(Serialize, ToSchema)]
pub struct QuestionBank {
    pub questions: Vec<BankQuestionView>,
    pub question_count: usize,
}

impl QuestionBank {
    pub fn new(bank: &[BankQuestion]) -> Self {
        Self {
            questions: bank.iter().map(BankQuestionView::from).collect(),
            question_count: bank.len(),
        }
    }
}

/// `{stats}`.
#[derive(Serialize, ToSchema)]
pub struct StatsEnvelope {
    pub stats: StatsView,
}

/// Participation and results of a contest so far.
#[derive(Serialize, ToSchema)]
pub struct StatsView {
    /// People with at least one attempt.
    pub participants: i64,
    pub attempts: i64,
    /// Closed attempts (submitted or expired).
    pub submitted: i64,
    /// By day in the contest's zone.
    pub by_day: Vec<DayStats>,
    pub by_place: Vec<PlaceStats>,
    /// By province (code; null for a legacy province name), most participants first.
    pub by_province: Vec<ProvinceStats>,
    /// Closed attempts by score, every score from 0 to the questions of an attempt.
    pub score_histogram: Vec<ScoreBucket>,
    /// The correct rate of each question.
    pub questions: Vec<QuestionStats>,
}

#[derive(Serialize, ToSchema)]
pub struct DayStats {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub participants: i64,
    pub attempts: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ProvinceStats {
    #[schema(required = true)]
    pub province_code: Option<String>,
    pub province: String,
    pub participants: i64,
    pub attempts: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PlaceStats {
    /// The official codes; null for participants with a legacy address
    /// (grouped by its text).
    #[schema(required = true)]
    pub province_code: Option<String>,
    #[schema(required = true)]
    pub commune_code: Option<String>,
    pub province: String,
    #[schema(required = true)]
    pub district: Option<String>,
    pub commune: String,
    pub participants: i64,
    pub attempts: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreBucket {
    pub score: i64,
    pub attempts: i64,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionStats {
    pub question_id: String,
    /// The question's text (null if it is no longer in the bank).
    #[schema(required = true)]
    pub text: Option<String>,
    pub answered: i64,
    pub correct: i64,
    /// `correct / answered`.
    pub correct_rate: f64,
}

impl StatsView {
    /// The statistics, each question with its text from `texts` (id → text).
    pub fn new(stats: Stats, texts: &HashMap<String, String>) -> Self {
        Self {
            participants: stats.participants,
            attempts: stats.attempts,
            submitted: stats.submitted,
            by_day: stats
                .by_day
                .into_iter()
                .map(|d| DayStats {
                    day: d.day,
                    participants: d.participants,
                    attempts: d.attempts,
                })
                .collect(),
            by_place: stats
                .by_place
                .into_iter()
                .map(|p| PlaceStats {
                    province_code: p.province_code,
                    commune_code: p.commune_code,
                    province: p.province,
                    district: p.district,
                    commune: p.commune,
                    participants: p.participants,
                    attempts: p.attempts,
                })
                .collect(),
            by_province: stats
                .by_province
                .into_iter()
                .map(|p| ProvinceStats {
                    province_code: p.province_code,
                    province: p.province,
                    participants: p.participants,
                    attempts: p.attempts,
                })
                .collect(),
            score_histogram: stats
                .score_histogram
                .into_iter()
                .map(|b| ScoreBucket {
                    score: b.score,
                    attempts: b.attempts,
                })
                .collect(),
            questions: stats
                .questions
                .into_iter()
                .map(|q| QuestionStats {
                    text: texts.get(&q.question_id).cloned(),
                    question_id: q.question_id,
                    answered: q.answered,
                    correct: q.correct,
                    correct_rate: q.correct_rate,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contest::{self, ContestDraft, ContestSettings, State};
    use crate::domain::ids::{ContestId, UserId};
    use serde_json::{Value, json};

    const T: Millis = 1_733_000_000_000;

    fn contest(state: State, computed: bool) -> Contest {
        let input = ContestDraft {
            title: Some("Tìm hiểu về Sếu đầu đỏ".into()),
            starts_at: Some("2024-12-01T00:00:00+07:00".into()),
            ends_at: Some("2024-12-10T00:00:00+07:00".into()),
            ..Default::default()
        };
        let finalized = state == State::Finalized;
        Contest {
            id: ContestId::new(),
            state,
            settings: ContestSettings::parse(&input, None).unwrap(),
            draw_seed: (state != State::Draft).then(|| "ab".repeat(32)),
            created_by: UserId::new(),
            organisation_id: crate::domain::ids::OrganisationId::new(),
            created_at: T,
            updated_at: T,
            published_at: (state != State::Draft).then_some(T),
            results_computed_at: computed.then_some(T),
            actual_figure: computed.then_some(3),
            finalized_at: finalized.then_some(T),
            digest: finalized.then(|| "cd".repeat(32)),
        }
    }

    /// The fields of the contest's JSON: absent, null, or there.
    fn seen(c: &Contest, staff: bool) -> Vec<(&'static str, &'static str)> {
        let v = serde_json::to_value(ContestView::new(c, T, staff)).unwrap();
        [
            "rules",
            "excluded",
            "created_at",
            "updated_at",
            "results_computed_at",
            "digest",
            "draw_seed",
            "finalized_at",
            "question_count",
        ]
        .into_iter()
        .map(|k| {
            let how = match v.get(k) {
                None => "absent",
                Some(Value::Null) => "null",
                Some(_) => "set",
            };
            (k, how)
        })
        .collect()
    }

    #[test]
    fn staff_fields_and_result_fields_appear_exactly_when_the_contract_says() {
        use State::*;
        let expect = |pairs: &[(&'static str, &'static str)]| pairs.to_vec();
        // Anyone, before the results are final: the settings only.
        for (state, computed) in [(Draft, false), (Published, false), (Published, true)] {
            assert_eq!(
                seen(&contest(state, computed), false),
                expect(&[
                    ("rules", "set"),
                    ("excluded", "absent"),
                    ("created_at", "absent"),
                    ("updated_at", "absent"),
                    ("results_computed_at", "absent"),
                    ("digest", "absent"),
                    ("draw_seed", "absent"),
                    ("finalized_at", "absent"),
                    ("question_count", "absent"),
                ]),
                "{state:?} computed={computed}"
            );
        }
        // Staff before any result: the digest is null, no draw seed yet.
        assert_eq!(
            seen(&contest(Published, false), true),
            expect(&[
                ("rules", "set"),
                ("excluded", "set"),
                ("created_at", "set"),
                ("updated_at", "set"),
                ("results_computed_at", "null"),
                ("digest", "null"),
                ("draw_seed", "absent"),
                ("finalized_at", "absent"),
                ("question_count", "absent"),
            ])
        );
        // Staff once computed: the draw seed.
        assert_eq!(
            seen(&contest(Published, true), true)[4..7],
            expect(&[
                ("results_computed_at", "set"),
                ("digest", "null"),
                ("draw_seed", "set"),
            ])
        );
        // Anyone once finalized: the seed, the digest and when.
        assert_eq!(
            seen(&contest(Finalized, true), false)[4..8],
            expect(&[
                ("results_computed_at", "absent"),
                ("digest", "set"),
                ("draw_seed", "set"),
                ("finalized_at", "set"),
            ])
        );
    }

    #[test]
    fn the_list_leaves_out_the_rules_and_staffs_page_adds_the_bank_size() {
        let c = contest(State::Published, false);
        let listed = serde_json::to_value(ContestView::new(&c, T, true).without_rules()).unwrap();
        assert!(listed.get("rules").is_none());
        let page =
            serde_json::to_value(ContestView::new(&c, T, true).with_question_count(7)).unwrap();
        assert_eq!(page["question_count"], json!(7));
    }

    #[test]
    fn every_status_a_contest_shows_is_documented() {
        let (starts, ends) = (1_000, 2_000);
        for state in [State::Draft, State::Published, State::Finalized] {
            for now in [0, starts, 1_500, ends, 3_000] {
                let s = contest::status(state, starts, ends, now);
                assert!(CONTEST_STATUSES.contains(&s), "{s}");
            }
        }
    }
}
