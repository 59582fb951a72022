//! JSON shapes shared by handlers.

use crate::app::attempts::Sheet;
use crate::domain::attempt::Attempt;
use crate::domain::clock::{Millis, to_rfc3339};
use crate::domain::contest::Contest;
use serde_json::{Value, json};

/// A contest as the API contract (docs/design.md) shapes it. `staff` adds what only organisers see
/// (the exclusion list; the draw seed once results exist).
pub fn contest(c: &Contest, now: Millis, staff: bool) -> Value {
    let s = &c.settings;
    let tz = s.timezone;
    let mut out = json!({
        "id": c.id.to_string(),
        "title": s.title,
        "description": s.description,
        "rules": s.rules,
        "status": c.status(now),
        "starts_at": to_rfc3339(s.starts_at, tz),
        "ends_at": to_rfc3339(s.ends_at, tz),
        "timezone": tz.name(),
        "questions_per_attempt": s.questions_per_attempt,
        "time_limit_seconds": s.time_limit_seconds,
        "max_attempts": s.max_attempts,
        "counted_attempt": s.counted_attempt.as_str(),
        "grace_seconds": s.grace_seconds,
        "prediction": {
            "enabled": s.prediction.enabled,
            "question": s.prediction.question,
            "actual": s.prediction.actual.as_str(),
        },
        "tie_break": s.tie_break.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "prizes": s.prizes.iter().map(|p| json!({"name": p.name, "count": p.count, "amount": p.amount})).collect::<Vec<_>>(),
        "server_now": to_rfc3339(now, tz),
    });
    if staff {
        out["excluded"] = json!(s.excluded);
        out["created_at"] = json!(to_rfc3339(c.created_at, tz));
        out["updated_at"] = json!(to_rfc3339(c.updated_at, tz));
        out["results_computed_at"] = json!(c.results_computed_at.map(|t| to_rfc3339(t, tz)));
        out["digest"] = json!(c.digest);
        if c.results_computed_at.is_some() || c.finalized_at.is_some() {
            out["draw_seed"] = json!(c.draw_seed);
        }
    }
    if c.finalized_at.is_some() {
        out["draw_seed"] = json!(c.draw_seed);
        out["digest"] = json!(c.digest);
        out["finalized_at"] = json!(c.finalized_at.map(|t| to_rfc3339(t, tz)));
    }
    out
}

/// An attempt as its owner sees it: the questions and options with ids, never
/// which option is right; the autosaved answers; the server's times.
pub fn attempt(sheet: &Sheet, now: Millis) -> Value {
    let Sheet {
        attempt: a,
        contest,
        bank,
        answers,
    } = sheet;
    let tz = contest.settings.timezone;
    let grace_seconds = contest.settings.grace_seconds;
    let questions: Vec<Value> = a
        .paper
        .iter()
        .filter_map(|dq| {
            let q = bank.get(&dq.question)?;
            let options: Vec<Value> = dq
                .options
                .iter()
                .filter_map(|oid| q.options.iter().find(|o| o.id == *oid))
                .map(|o| json!({"id": o.id, "text": o.text}))
                .collect();
            Some(json!({"id": q.id, "text": q.text, "options": options}))
        })
        .collect();
    let answers: Vec<Value> = a
        .paper
        .iter()
        .filter_map(|dq| answers.iter().find(|(q, _)| *q == dq.question))
        .map(|(q, o)| json!({"question_id": q, "option_id": o}))
        .collect();
    let mut out = json!({
        "id": a.id.to_string(),
        "contest_id": a.contest_id.to_string(),
        "status": a.status.as_str(),
        "attempt_number": a.seq,
        "started_at": to_rfc3339(a.started_at, tz),
        "deadline": to_rfc3339(a.deadline, tz),
        "server_now": to_rfc3339(now, tz),
        "remaining_ms": (a.deadline - now).max(0),
        "grace_seconds": grace_seconds,
        "question_count": a.question_count,
        "questions": questions,
        "answers": answers,
    });
    if !a.is_open() {
        out["result"] = result(a, tz);
    }
    out
}

/// The scored result of a closed attempt.
pub fn result(a: &Attempt, tz: chrono_tz::Tz) -> Value {
    json!({
        "id": a.id.to_string(),
        "status": a.status.as_str(),
        "score": a.score,
        "question_count": a.question_count,
        "prediction": a.prediction,
        "duration_ms": a.duration_ms(),
        "submitted_at": to_rfc3339(a.submitted_or_deadline(), tz),
    })
}
