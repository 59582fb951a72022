//! Attempts: start, resume, autosave, submit, and closing those whose time ran out.

use super::{AppError, AppResult, Ctx, contests};
use crate::domain::Text;
use crate::domain::account::Role;
use crate::domain::attempt::{
    self, Attempt, AttemptStatus, BankEntry, check_answers, check_autosaved_prediction,
    check_prediction, expired_submitted_at,
};
use crate::domain::contest::Contest;
use crate::domain::ids::{AttemptId, ContestId, UserId};
use crate::store::StoreResult;
use crate::store::attempts::{
    self as store, Bank, CloseOutcome, Marking, OVERDUE_BATCH, StartOutcome,
};
use std::collections::HashMap;
use std::sync::Arc;

/// An attempt with what showing it needs.
pub struct Sheet {
    pub attempt: Attempt,
    pub contest: Contest,
    pub bank: Arc<Bank>,
    /// Saved answers: (question id, option id).
    pub answers: Vec<(String, u32)>,
}

/// The result of a start: a new attempt, or the open one given back.
pub struct Started {
    pub sheet: Sheet,
    pub created: bool,
}

fn expired() -> AppError {
    AppError::conflict(
        "attempt_expired",
        Text::new("Đã hết giờ làm bài", "the time for this attempt is over"),
    )
}

fn already_submitted() -> AppError {
    AppError::conflict(
        "attempt_submitted",
        Text::new("Bài thi đã nộp", "the attempt is already submitted"),
    )
}

/// Marks answers with the domain's scoring rule against the bank.
struct BankMarking(Arc<Bank>);

impl BankMarking {
    /// Owned, so the database's writer can mark after the request has queued.
    fn of(bank: &Arc<Bank>) -> Arc<dyn Marking + Send> {
        Arc::new(BankMarking(bank.clone()))
    }
}

impl Marking for BankMarking {
    fn mark<'p>(
        &self,
        paper: &'p [attempt::DrawnQuestion<String>],
        given: &HashMap<String, u32>,
    ) -> (u32, Vec<attempt::MarkedAnswer<'p, String>>) {
        attempt::mark(paper, given, |q| self.0.get(q).map(|b| b.correct_option_id))
    }
}

/// An attempt of its owner; anyone else gets 404, so ids cannot be probed.
pub async fn owned(ctx: Ctx<'_>, id: AttemptId, owner: UserId) -> AppResult<Attempt> {
    match store::find(&ctx.db.conn, id).await? {
        Some(a) if a.user_id == owner => Ok(a),
        _ => Err(AppError::NotFound("attempt")),
    }
}

/// Closes `a` if its time plus grace is over (lazily, on access), with its
/// autosaved answers and prediction and `submitted_at = deadline`.
async fn close_if_overdue(
    ctx: Ctx<'_>,
    a: Attempt,
    c: &Contest,
    bank: &Arc<Bank>,
) -> StoreResult<Attempt> {
    if a.accepts_answers(ctx.clock.now(), c.settings.grace_seconds()) || !a.is_open() {
        return Ok(a);
    }
    let closed = store::close(
        ctx.db,
        &a,
        &[],
        None,
        BankMarking::of(bank),
        AttemptStatus::Expired,
        expired_submitted_at(a.deadline),
    )
    .await?;
    Ok(match closed {
        CloseOutcome::Closed(a) | CloseOutcome::AlreadyClosed(a) => a,
    })
}

/// Starts an attempt at an open contest, within `max_attempts`; a person with
/// an open attempt gets it back instead (unless its time is over: then it is
/// closed and a new one starts).
pub async fn start(
    ctx: Ctx<'_>,
    contest_id: ContestId,
    user: UserId,
    role: Role,
) -> AppResult<Started> {
    if role.is_staff() {
        return Err(AppError::Forbidden(Text::new(
            "Ban tổ chức không dự thi",
            "staff accounts cannot take part",
        )));
    }
    let _admitted = ctx.db.writes()?.admit().await?;
    let c = contests::visible(ctx, contest_id, None).await?;
    let now = ctx.clock.now();
    if !c.accepts_attempts(now) {
        return Err(AppError::conflict(
            "contest_not_open",
            Text::new(
                "Cuộc thi chưa mở hoặc đã kết thúc",
                "the contest is not open",
            ),
        ));
    }
    let s = &c.settings;
    let bank = ctx.banks.get(ctx.db, c.id).await?;
    // The draw: OS-seeded, so participants cannot predict it.
    let entries: Vec<BankEntry<'_, String>> = bank
        .questions
        .iter()
        .zip(&bank.option_ids)
        .map(|(q, ids)| BankEntry {
            id: q.id.clone(),
            category: q.category.as_deref(),
            option_ids: ids,
        })
        .collect();
    let paper = attempt::draw(
        &entries,
        s.questions_per_attempt() as usize,
        &mut rand::rng(),
    );
    let deadline = attempt::deadline(now, s.time_limit_seconds(), s.ends_at());
    let begin = || store::start(ctx.db, c.id, s.max_attempts(), user, &paper, now, deadline);
    let mut outcome = begin().await?;
    if let StartOutcome::Resumed(open) = &outcome
        && !open.accepts_answers(now, s.grace_seconds())
    {
        close_if_overdue(ctx, open.clone(), &c, &bank).await?;
        outcome = begin().await?;
    }
    let (attempt, created) = match outcome {
        StartOutcome::Started(a) => (a, true),
        StartOutcome::Resumed(a) => (a, false),
        StartOutcome::LimitReached => {
            let n = s.max_attempts();
            return Err(AppError::conflict(
                "max_attempts_reached",
                Text::new(
                    format!("Bạn đã dùng hết {n} lượt thi"),
                    format!("you have used all {n} attempts"),
                ),
            ));
        }
    };
    // A new attempt has no saved answers yet: skip the read.
    let answers = if created {
        Vec::new()
    } else {
        store::answers(&ctx.db.conn, attempt.id).await?
    };
    Ok(Started {
        sheet: Sheet {
            attempt,
            contest: c,
            bank,
            answers,
        },
        created,
    })
}

/// An attempt with its questions and saved answers, for resuming after a
/// dropped connection (closed first if its time is over).
pub async fn resume(ctx: Ctx<'_>, a: Attempt) -> AppResult<Sheet> {
    let contest = contests::find(ctx, a.contest_id).await?;
    let bank = ctx.banks.get(ctx.db, contest.id).await?;
    let attempt = close_if_overdue(ctx, a, &contest, &bank).await?;
    let answers = store::answers(&ctx.db.conn, attempt.id).await?;
    Ok(Sheet {
        attempt,
        contest,
        bank,
        answers,
    })
}

/// What an autosave stored.
pub struct Saved {
    pub saved: usize,
    pub answered: usize,
    pub contest: Contest,
}

/// Saves answers, and the prediction when one is given (so an attempt the
/// server closes keeps it), while the attempt accepts them.
pub async fn autosave(
    ctx: Ctx<'_>,
    a: Attempt,
    given: &[(String, u32)],
    prediction: Option<i64>,
) -> AppResult<Saved> {
    let answers = check_answers(&a.paper, given)?;
    let _admitted = ctx.db.writes()?.admit().await?;
    let contest = contests::find(ctx, a.contest_id).await?;
    let prediction = check_autosaved_prediction(contest.settings.prediction().enabled, prediction)?;
    let now = ctx.clock.now();
    if !a.is_open() {
        return Err(already_submitted());
    }
    if !a.accepts_answers(now, contest.settings.grace_seconds()) {
        let bank = ctx.banks.get(ctx.db, contest.id).await?;
        close_if_overdue(ctx, a, &contest, &bank).await?;
        return Err(expired());
    }
    if !store::autosave(ctx.db, &a, &answers, prediction, now).await? {
        return Err(already_submitted());
    }
    let answered = store::answers(&ctx.db.conn, a.id).await?.len();
    Ok(Saved {
        saved: answers.len(),
        answered,
        contest,
    })
}

/// Submits and scores an attempt, exactly once: a repeated submit answers with
/// the stored result, never a second score; after deadline + grace, 409.
pub async fn submit(
    ctx: Ctx<'_>,
    a: Attempt,
    given: &[(String, u32)],
    prediction: Option<i64>,
) -> AppResult<(Attempt, Contest)> {
    let _admitted = ctx.db.writes()?.admit().await?;
    let contest = contests::find(ctx, a.contest_id).await?;
    let s = &contest.settings;
    let answers = check_answers(&a.paper, given)?;
    let prediction = check_prediction(s.prediction().enabled, prediction)?;
    if a.status == AttemptStatus::Submitted {
        return Ok((a, contest));
    }
    let now = ctx.clock.now();
    let bank = ctx.banks.get(ctx.db, contest.id).await?;
    if !a.accepts_answers(now, s.grace_seconds()) {
        close_if_overdue(ctx, a, &contest, &bank).await?;
        return Err(expired());
    }
    let outcome = store::close(
        ctx.db,
        &a,
        &answers,
        prediction,
        BankMarking::of(&bank),
        AttemptStatus::Submitted,
        now,
    )
    .await?;
    match outcome {
        CloseOutcome::Closed(done) => {
            metrics::counter!("crane_attempts_submitted_total").increment(1);
            Ok((done, contest))
        }
        CloseOutcome::AlreadyClosed(done) if done.status == AttemptStatus::Submitted => {
            Ok((done, contest))
        }
        CloseOutcome::AlreadyClosed(_) => Err(expired()),
    }
}

/// A participant's attempts at a contest, oldest first.
pub async fn mine(
    ctx: Ctx<'_>,
    contest_id: ContestId,
    viewer: &crate::store::users::User,
) -> AppResult<(Contest, Vec<Attempt>)> {
    let contest = contests::visible(ctx, contest_id, Some(viewer)).await?;
    let user = viewer.user_id().ok_or(AppError::NotFound("user"))?;
    let list = store::for_user(ctx.db, contest.id, user).await?;
    Ok((contest, list))
}

/// Closes every attempt whose deadline + grace has passed (of one contest, or
/// all), with its autosaved answers and prediction at `submitted_at = deadline`. Returns how
/// many this call closed.
pub async fn close_overdue(ctx: Ctx<'_>, contest: Option<ContestId>) -> StoreResult<usize> {
    use futures_util::StreamExt;
    let mut closed = 0;
    loop {
        let batch = store::overdue(ctx.db, ctx.clock.now(), contest, None).await?;
        // All queued at once, so the database's writer closes them in shared
        // commits (at most `writes::MAX_BATCH` per transaction).
        let queued: Vec<_> = batch.iter().map(|a| close_expired(ctx, a)).collect();
        let outcomes: Vec<StoreResult<CloseOutcome>> = futures_util::stream::iter(queued)
            .buffer_unordered(crate::store::writes::MAX_BATCH)
            .collect()
            .await;
        for outcome in outcomes {
            closed += usize::from(matches!(outcome?, CloseOutcome::Closed(_)));
        }
        if batch.len() < OVERDUE_BATCH {
            return Ok(closed);
        }
    }
}

/// Closes one attempt whose time is over, at `submitted_at = deadline`.
async fn close_expired(ctx: Ctx<'_>, a: &Attempt) -> StoreResult<CloseOutcome> {
    let bank = ctx.banks.get(ctx.db, a.contest_id).await?;
    store::close(
        ctx.db,
        a,
        &[],
        None,
        BankMarking::of(&bank),
        AttemptStatus::Expired,
        expired_submitted_at(a.deadline),
    )
    .await
}

/// An attempt with its right answers, for review once the results are final
/// (when the contest allows it: `review_after_final`).
pub async fn review(ctx: Ctx<'_>, a: Attempt) -> AppResult<Sheet> {
    let contest = contests::find(ctx, a.contest_id).await?;
    if contest.state != crate::domain::contest::State::Finalized
        || !contest.settings.review_after_final()
        || a.is_open()
    {
        return Err(AppError::Conflict {
            code: "review_not_available",
            message: crate::domain::Text::new(
                "Đáp án chỉ được xem sau khi công bố kết quả chính thức, nếu ban tổ chức cho phép",
                "the right answers can be seen once the results are final, if the organisers allow it",
            ),
            field: None,
        });
    }
    let bank = ctx.banks.get(ctx.db, contest.id).await?;
    let answers = store::answers(&ctx.db.conn, a.id).await?;
    Ok(Sheet {
        attempt: a,
        contest,
        bank,
        answers,
    })
}
