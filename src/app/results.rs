//! Results: rank a contest from its stored attempts, store the ranking,
//! finalize it with its digest, verify a finalized one, and the rows of the
//! exports.

use super::{AppError, AppResult, Ctx, attempts, contests};
use crate::domain::Text;
use crate::domain::clock::to_rfc3339;
use crate::domain::contest::{Contest, State};
use crate::domain::ids::UserId;
use crate::domain::ranking::{self, Ranking, RankingRules};
use crate::domain::results::Standing;
use crate::domain::results::digest;
use crate::export::ExportRow;
use crate::store::StoreResult;
use crate::store::results as store;
use anyhow::{Context, anyhow};
use uuid::Uuid;

/// What a long ranking reports as it goes (the command line draws a bar):
/// `done` of `total` units of a named step (`total` 0 when not counted).
pub trait Progress: Sync {
    fn report(&self, step: &'static str, done: u64, total: u64);
}

/// Reports nothing (requests to the API).
pub struct Quiet;

impl Progress for Quiet {
    fn report(&self, _: &'static str, _: u64, _: u64) {}
}

/// Ranks a contest from what is stored: closes any attempt still open first.
/// Stores nothing.
pub async fn rank(
    ctx: Ctx<'_>,
    contest: &Contest,
    progress: &dyn Progress,
) -> AppResult<Ranking<Uuid>> {
    let started = std::time::Instant::now();
    progress.report("closing attempts left open", 0, 0);
    attempts::close_overdue(ctx, Some(contest.id)).await?;
    let records = store::attempt_records(ctx.db, contest.id, &|done, total| {
        progress.report("reading attempts", done, total)
    })
    .await?;
    let loaded = started.elapsed();
    let excluded = store::ineligible(ctx.db, contest).await?;
    let n = records.len();
    let s = contest.settings.clone();
    let seed = contest
        .draw_seed
        .clone()
        .ok_or_else(|| anyhow!("contest {} has no draw seed", contest.id))?;
    progress.report("ranking", 0, 0);
    // Ranking a million attempts is CPU work: keep it off the async workers.
    // The records move in and are freed there: ranking sorts them in place.
    let ranking = tokio::task::spawn_blocking(move || {
        let rules = RankingRules {
            chain: s.tie_break(),
            counted: s.counted_attempt(),
            actual: s.prediction().actual,
            prediction_enabled: s.prediction().enabled,
            draw_seed: &seed,
            prizes: s.prizes(),
        };
        ranking::rank_owned(records, &excluded, &rules)
    })
    .await
    .context("ranking task")?;
    tracing::info!(
        attempts = n,
        load_ms = loaded.as_millis() as u64,
        total_ms = started.elapsed().as_millis() as u64,
        "ranked"
    );
    Ok(ranking)
}

/// Computing is refused until `ends_at + grace` has passed (a submit may
/// still arrive until then), and for drafts and finalized contests.
fn check_ended(ctx: Ctx<'_>, c: &Contest) -> AppResult<()> {
    match c.state {
        State::Draft => {
            return Err(AppError::conflict(
                "not_published",
                Text::new(
                    "Cuộc thi chưa được công bố",
                    "the contest was never published",
                ),
            ));
        }
        State::Finalized => {
            return Err(AppError::conflict(
                "contest_finalized",
                Text::new("Kết quả đã được chốt", "the results are finalized"),
            ));
        }
        State::Published => {}
    }
    let end = c.last_submit_at();
    if ctx.clock.now() <= end {
        // As staff read a time: the contest's wall clock, day first.
        let tz = c.settings.timezone();
        let local = chrono::DateTime::from_timestamp_millis(end)
            .unwrap_or_default()
            .with_timezone(&tz);
        let (time, day) = (local.format("%H:%M:%S"), local.format("%d/%m/%Y"));
        let zone = if tz == chrono_tz::Asia::Ho_Chi_Minh {
            ("giờ Việt Nam".to_owned(), "Vietnam time".to_owned())
        } else {
            (tz.name().to_owned(), tz.name().to_owned())
        };
        return Err(AppError::conflict(
            "contest_not_ended",
            Text::new(
                format!(
                    "Có thể tính kết quả sau {time} ngày {day} ({}): khi hết giờ thi và thời gian gia hạn nộp bài",
                    zone.0
                ),
                format!(
                    "results can be computed after {time} on {day} ({}), once the contest and its grace period are over",
                    zone.1
                ),
            ),
        ));
    }
    Ok(())
}

/// Ranks the contest and replaces its stored ranking. Returns the ranking
/// and the contest as it now stands.
pub async fn compute(
    ctx: Ctx<'_>,
    c: &Contest,
    progress: &dyn Progress,
) -> AppResult<(Ranking<Uuid>, Contest)> {
    check_ended(ctx, c)?;
    let ranking = rank(ctx, c, progress).await?;
    let stored = store::store(ctx.db, c.id, &ranking, ctx.clock.now(), &|done, total| {
        progress.report("storing the ranking", done, total)
    })
    .await?;
    if !stored {
        return Err(contests::changed());
    }
    Ok((ranking, contests::find(ctx, c.id).await?))
}

/// Freezes what the stored attempts say now (a disqualification since the last
/// compute is included) with the digest of exactly that. Returns the digest
/// and the finalized contest.
pub async fn finalize(
    ctx: Ctx<'_>,
    c: &Contest,
    actor: &str,
    progress: &dyn Progress,
) -> AppResult<(String, Contest)> {
    check_ended(ctx, c)?;
    if c.results_computed_at.is_none() {
        return Err(AppError::conflict(
            "no_results",
            Text::new(
                "Hãy tính kết quả trước khi chốt",
                "compute the results before finalizing",
            ),
        ));
    }
    compute_and_freeze(ctx, c, actor, progress).await
}

/// Ranks from the stored attempts, replaces the stored ranking and freezes it
/// with the digest of exactly that ranking: one ranking, not two. The command
/// line's `crane results finalize` calls this directly (no prior compute needed).
pub async fn compute_and_freeze(
    ctx: Ctx<'_>,
    c: &Contest,
    actor: &str,
    progress: &dyn Progress,
) -> AppResult<(String, Contest)> {
    let (ranking, _) = compute(ctx, c, progress).await?;
    let d = digest(
        &c.id.to_string(),
        c.draw_seed.as_deref().unwrap_or(""),
        &ranking,
    );
    if !store::finalize(ctx.db, c.id, &d, actor, ctx.clock.now()).await? {
        return Err(contests::changed());
    }
    Ok((d, contests::find(ctx, c.id).await?))
}

/// finalized → published, audited with the reason.
pub async fn unfinalize(
    ctx: Ctx<'_>,
    c: &Contest,
    reason: &str,
    actor: &str,
) -> AppResult<Contest> {
    if !store::unfinalize(ctx.db, c.id, reason, actor, ctx.clock.now()).await? {
        return Err(AppError::conflict(
            "not_finalized",
            Text::new("Cuộc thi chưa chốt kết quả", "the contest is not finalized"),
        ));
    }
    contests::find(ctx, c.id).await
}

/// Disqualifies a participant (audited); refused once finalized.
pub async fn disqualify(
    ctx: Ctx<'_>,
    c: &Contest,
    user: UserId,
    reason: &str,
    actor: &str,
) -> AppResult<()> {
    crate::store::users::find(ctx.db, &user.to_string())
        .await?
        .ok_or(AppError::NotFound("user"))?;
    if !store::disqualify(ctx.db, c.id, user, reason, actor, ctx.clock.now()).await? {
        return Err(AppError::conflict(
            "contest_finalized",
            Text::new(
                "Hãy hủy chốt kết quả trước khi loại thí sinh",
                "un-finalize the contest before disqualifying",
            ),
        ));
    }
    Ok(())
}

/// What recomputing a finalized contest gives.
pub struct Verification {
    pub finalized: String,
    pub recomputed: String,
}

impl Verification {
    pub fn holds(&self) -> bool {
        self.finalized == self.recomputed
    }
}

/// Recomputes the ranking from the stored attempts and its digest, to compare
/// with the finalized one.
pub async fn verify(ctx: Ctx<'_>, c: &Contest, progress: &dyn Progress) -> AppResult<Verification> {
    let finalized = c.digest.clone().ok_or_else(|| {
        AppError::conflict(
            "not_finalized",
            Text::new(
                "Cuộc thi chưa chốt kết quả: không có gì để kiểm chứng",
                "the contest is not finalized: nothing to verify",
            ),
        )
    })?;
    let ranking = rank(ctx, c, progress).await?;
    let recomputed = digest(
        &c.id.to_string(),
        c.draw_seed.as_deref().unwrap_or(""),
        &ranking,
    );
    Ok(Verification {
        finalized,
        recomputed,
    })
}

/// The contest, if its results can be exported (computed at least once).
pub fn exportable(c: Contest) -> AppResult<Contest> {
    if c.results_computed_at.is_none() {
        return Err(AppError::NotFound("results"));
    }
    Ok(c)
}

/// A stored row in export form, times in the contest's zone.
pub fn export_row(c: &Contest, s: Standing) -> ExportRow {
    let Standing { row: r, person: p } = s;
    let prize = r.prize.and_then(|i| c.settings.prizes().get(i));
    ExportRow {
        rank: i64::from(r.rank),
        prize_name: prize.map(|p| p.name.clone()),
        prize_amount: prize.map(|p| p.amount),
        full_name: p.full_name,
        phone: p.phone,
        national_id: p.national_id,
        date_of_birth: p.date_of_birth,
        province: p.address.province,
        district: p.address.district,
        commune: p.address.commune,
        hamlet: p.address.hamlet,
        score: i64::from(r.score),
        question_count: i64::from(r.question_count),
        prediction: r.prediction,
        prediction_error: r.prediction_error,
        duration_ms: r.duration_ms,
        submitted_at: to_rfc3339(r.submitted_at_ms, c.settings.timezone()),
        submitted_local: chrono::DateTime::from_timestamp_millis(r.submitted_at_ms)
            .unwrap_or_default()
            .with_timezone(&c.settings.timezone())
            .naive_local(),
    }
}

/// The prize winners in export form, by rank.
pub async fn winner_rows(ctx: Ctx<'_>, c: &Contest) -> StoreResult<Vec<ExportRow>> {
    Ok(store::winners(ctx.db, c.id, c.prize_count())
        .await?
        .into_iter()
        .map(|r| export_row(c, r))
        .collect())
}

/// Rows of the full leaderboard read per page, by rank (keyset paging), so an
/// export of any length holds one page at a time.
pub struct Leaderboard {
    db: crate::store::Db,
    contest: Contest,
    after: i64,
    done: bool,
}

/// Rows per page of [`Leaderboard`].
pub const LEADERBOARD_PAGE: i64 = 5_000;

impl Leaderboard {
    pub fn new(ctx: Ctx<'_>, contest: Contest) -> Self {
        Self {
            db: ctx.db.clone(),
            contest,
            after: 0,
            done: false,
        }
    }

    /// The next page in export form; None after the last.
    pub async fn next_page(&mut self) -> StoreResult<Option<Vec<ExportRow>>> {
        if self.done {
            return Ok(None);
        }
        let page =
            store::rows_after(&self.db, self.contest.id, self.after, LEADERBOARD_PAGE).await?;
        let Some(last) = page.last() else {
            self.done = true;
            return Ok(None);
        };
        self.after = i64::from(last.row.rank);
        self.done = (page.len() as i64) < LEADERBOARD_PAGE;
        Ok(Some(
            page.into_iter()
                .map(|r| export_row(&self.contest, r))
                .collect(),
        ))
    }
}

/// Where a person stands in a contest once its results are final.
pub enum MyResult {
    /// Not finalized yet: nothing is final to show.
    Pending,
    /// Ranked; `of` people were ranked in all.
    Ranked { standing: Box<Standing>, of: i64 },
    /// Left out of the ranking, with the reason (`staff`, `excluded`,
    /// `disqualified`) and their best score.
    Ineligible { reason: String, score: i64 },
    /// No submitted attempt: not ranked.
    Absent,
}

/// The signed-in person's own result in `c`.
pub async fn my_result(ctx: Ctx<'_>, c: &Contest, user: UserId) -> AppResult<MyResult> {
    if c.state != State::Finalized {
        return Ok(MyResult::Pending);
    }
    if let Some(standing) = store::standing_of(ctx.db, c.id, user).await? {
        let of = store::total(ctx.db, c.id).await?;
        return Ok(MyResult::Ranked {
            standing: Box::new(standing),
            of,
        });
    }
    Ok(match store::ineligible_of(ctx.db, c.id, user).await? {
        Some((reason, score)) => MyResult::Ineligible { reason, score },
        None => MyResult::Absent,
    })
}
