//! Attempts as their owner sees them.

use super::{OptionView, Time, one_of};
use crate::app::attempts::Sheet;
use crate::domain::attempt::{Attempt, AttemptStatus};
use crate::domain::clock::Millis;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::ObjectBuilder;

fn attempt_status() -> ObjectBuilder {
    one_of(
        [
            AttemptStatus::Open,
            AttemptStatus::Submitted,
            AttemptStatus::Expired,
        ]
        .map(AttemptStatus::as_str),
        false,
        "open (answers accepted until deadline + grace), submitted, or expired \
         (closed by the server with its autosaved answers).",
    )
}

/// An attempt as its owner sees it: the questions and options with ids, never
/// which option is right; the autosaved answers; the server's times.
#[derive(Serialize, ToSchema)]
pub struct AttemptView {
    pub id: String,
    pub contest_id: String,
    #[schema(schema_with = attempt_status)]
    pub status: &'static str,
    /// 1 for the person's first attempt at the contest, then 2, 3, …
    pub attempt_number: i64,
    pub started_at: Time,
    /// `min(started_at + time_limit_seconds, ends_at)`.
    pub deadline: Time,
    pub server_now: Time,
    /// Milliseconds from `server_now` to `deadline`, never below 0.
    pub remaining_ms: i64,
    /// Answers are still accepted this long after the deadline.
    pub grace_seconds: u32,
    pub question_count: i64,
    /// The drawn questions, in the order shown, each with its options in the order shown.
    pub questions: Vec<AttemptQuestion>,
    /// The saved answers, in the order of the questions.
    pub answers: Vec<SavedAnswer>,
    /// The saved prediction (autosaved, or the submitted one), or null.
    #[schema(required = true)]
    pub prediction: Option<i64>,
    /// Once the attempt is closed: its result.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = AttemptResult)]
    pub result: Option<AttemptResult>,
}

/// A drawn question: no hint of which option is right.
#[derive(Serialize, ToSchema)]
pub struct AttemptQuestion {
    pub id: String,
    pub text: String,
    pub options: Vec<OptionView>,
}

/// A saved answer: the option chosen for a question.
#[derive(Serialize, ToSchema)]
pub struct SavedAnswer {
    pub question_id: String,
    pub option_id: u32,
}

impl AttemptView {
    pub fn new(sheet: &Sheet, now: Millis) -> Self {
        let Sheet {
            attempt: a,
            contest,
            bank,
            answers,
        } = sheet;
        let tz = contest.settings.timezone();
        let questions = a
            .paper
            .iter()
            .filter_map(|dq| {
                let q = bank.get(&dq.question)?;
                let options = dq
                    .options
                    .iter()
                    .filter_map(|oid| q.options.iter().find(|o| o.id == *oid))
                    .map(|o| OptionView {
                        id: o.id,
                        text: o.text.clone(),
                    })
                    .collect();
                Some(AttemptQuestion {
                    id: q.id.clone(),
                    text: q.text.clone(),
                    options,
                })
            })
            .collect();
        let answers = a
            .paper
            .iter()
            .filter_map(|dq| answers.iter().find(|(q, _)| *q == dq.question))
            .map(|(q, o)| SavedAnswer {
                question_id: q.clone(),
                option_id: *o,
            })
            .collect();
        Self {
            id: a.id.to_string(),
            contest_id: a.contest_id.to_string(),
            status: a.status.as_str(),
            attempt_number: a.seq,
            started_at: Time::new(a.started_at, tz),
            deadline: Time::new(a.deadline, tz),
            server_now: Time::new(now, tz),
            remaining_ms: (a.deadline - now).max(0),
            grace_seconds: contest.settings.grace_seconds(),
            question_count: a.question_count,
            questions,
            answers,
            prediction: a.prediction,
            result: (!a.is_open()).then(|| AttemptResult::new(a, tz)),
        }
    }
}

/// `{attempt}`: a whole attempt.
#[derive(Serialize, ToSchema)]
pub struct AttemptEnvelope {
    pub attempt: AttemptView,
}

impl AttemptEnvelope {
    pub fn new(sheet: &Sheet, now: Millis) -> Self {
        Self {
            attempt: AttemptView::new(sheet, now),
        }
    }
}

/// The scored result of an attempt.
#[derive(Serialize, ToSchema)]
pub struct AttemptResult {
    pub id: String,
    #[schema(schema_with = attempt_status)]
    pub status: &'static str,
    /// Correct answers; null while the attempt is open.
    #[schema(required = true)]
    pub score: Option<i64>,
    pub question_count: i64,
    /// The prediction given, or null.
    #[schema(required = true)]
    pub prediction: Option<i64>,
    /// `submitted_at − started_at`.
    pub duration_ms: i64,
    /// The submit, or the deadline for an attempt the server closed.
    pub submitted_at: Time,
}

impl AttemptResult {
    pub fn new(a: &Attempt, tz: chrono_tz::Tz) -> Self {
        Self {
            id: a.id.to_string(),
            status: a.status.as_str(),
            score: a.score,
            question_count: a.question_count,
            prediction: a.prediction,
            duration_ms: a.duration_ms(),
            submitted_at: Time::new(a.submitted_or_deadline(), tz),
        }
    }
}

/// `{attempt}`: the result of a submit.
#[derive(Serialize, ToSchema)]
pub struct AttemptResultEnvelope {
    pub attempt: AttemptResult,
}

/// One of the caller's attempts: its result so far, and its times.
#[derive(Serialize, ToSchema)]
pub struct MyAttempt {
    #[serde(flatten)]
    pub result: AttemptResult,
    pub started_at: Time,
    pub deadline: Time,
}

impl MyAttempt {
    pub fn new(a: &Attempt, tz: chrono_tz::Tz) -> Self {
        Self {
            result: AttemptResult::new(a, tz),
            started_at: Time::new(a.started_at, tz),
            deadline: Time::new(a.deadline, tz),
        }
    }
}

/// `{attempts, max_attempts}`: the caller's attempts at a contest.
#[derive(Serialize, ToSchema)]
pub struct MyAttempts {
    pub attempts: Vec<MyAttempt>,
    pub max_attempts: u32,
}

/// `{saved, answered, server_now}`: an autosave.
#[derive(Serialize, ToSchema)]
pub struct Autosaved {
    /// Answers written by this request.
    pub saved: usize,
    /// Questions of the attempt answered so far.
    pub answered: usize,
    pub server_now: Time,
}

/// `GET /attempts/{id}/review`: an attempt with its right answers.
#[derive(Serialize, ToSchema)]
pub struct Review {
    pub attempt_id: String,
    #[schema(required = true)]
    pub score: Option<i64>,
    pub question_count: i64,
    pub questions: Vec<ReviewQuestion>,
}

/// A question as it was shown, with what was chosen and what was right.
#[derive(Serialize, ToSchema)]
pub struct ReviewQuestion {
    pub text: String,
    pub options: Vec<ReviewOption>,
    /// The person chose the right option.
    pub answered_right: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewOption {
    pub text: String,
    pub correct: bool,
    pub chosen: bool,
}

impl Review {
    pub fn new(sheet: &crate::app::attempts::Sheet) -> Self {
        let chosen: std::collections::HashMap<&str, u32> = sheet
            .answers
            .iter()
            .map(|(q, o)| (q.as_str(), *o))
            .collect();
        let questions = sheet
            .attempt
            .paper
            .iter()
            .filter_map(|drawn| {
                let q = sheet.bank.get(&drawn.question)?;
                let picked = chosen.get(drawn.question.as_str()).copied();
                let options = drawn
                    .options
                    .iter()
                    .filter_map(|id| {
                        let o = q.options.iter().find(|o| o.id == *id)?;
                        Some(ReviewOption {
                            text: o.text.clone(),
                            correct: o.id == q.correct_option_id,
                            chosen: picked == Some(o.id),
                        })
                    })
                    .collect();
                Some(ReviewQuestion {
                    text: q.text.clone(),
                    options,
                    answered_right: picked == Some(q.correct_option_id),
                })
            })
            .collect();
        Self {
            attempt_id: sheet.attempt.id.to_string(),
            score: sheet.attempt.score,
            question_count: sheet.attempt.question_count,
            questions,
        }
    }
}
