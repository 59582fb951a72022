//! Contests: finding one as the caller may see it, create, edit, publish,
//! and growing the question bank of a draft.

use super::{AppError, AppResult, Ctx};
use crate::domain::Text;
use crate::domain::contest::{Contest, ContestSettings, State};
use crate::domain::ids::{ContestId, OrganisationId, QuestionId};
use crate::domain::question::{self, NewQuestion};
use crate::store::contests::{self, BankQuestion, PublishOutcome};
use crate::store::users::User;

/// Any contest (staff use): 404 for unknown ids.
pub async fn find(ctx: Ctx<'_>, id: ContestId) -> AppResult<Contest> {
    contests::find(&ctx.db.conn, id)
        .await?
        .ok_or(AppError::NotFound("contest"))
}

/// A contest as `viewer` may see it: a draft only by the staff who manage
/// it (its organisation's organisers, and admins); 404 for anyone else.
pub async fn visible(ctx: Ctx<'_>, id: ContestId, viewer: Option<&User>) -> AppResult<Contest> {
    let c = find(ctx, id).await?;
    if c.state == State::Draft && !manages(viewer, &c) {
        return Err(AppError::NotFound("contest"));
    }
    Ok(c)
}

/// Does `viewer` manage `c` (see `domain::organisation::may_manage`)?
pub fn manages(viewer: Option<&User>, c: &Contest) -> bool {
    viewer.is_some_and(|u| {
        crate::domain::organisation::may_manage(
            u.role(),
            u.organisation_id.as_deref(),
            &c.organisation_id.to_string(),
        )
    })
}

/// Creates a draft in `organisation`: an admin may name any existing one; an
/// organiser only their own. Without one, the creator's organisation (an
/// admin's: the default one).
pub async fn create(
    ctx: Ctx<'_>,
    settings: &ContestSettings,
    by: &User,
    organisation: Option<OrganisationId>,
) -> AppResult<Contest> {
    let id = by.user_id().ok_or(AppError::NotFound("user"))?;
    let own = by
        .organisation_id
        .as_deref()
        .and_then(OrganisationId::parse);
    let unknown = crate::domain::organisation::unknown;
    let organisation = match organisation {
        None => own.unwrap_or_else(default_organisation),
        Some(o) if by.role() == crate::domain::account::Role::Admin => {
            if crate::store::organisations::find(ctx.db, o)
                .await?
                .is_none()
            {
                return Err(unknown().into());
            }
            o
        }
        // An organiser naming another organisation learns nothing about it.
        Some(o) if Some(o) == own => o,
        Some(_) => return Err(unknown().into()),
    };
    Ok(contests::create(ctx.db, settings, id, organisation, ctx.clock.now()).await?)
}

/// The organisation existing data was put in.
pub fn default_organisation() -> OrganisationId {
    OrganisationId::parse(crate::domain::organisation::DEFAULT_ID).unwrap_or_default()
}

/// A contest a member of staff may act on: another organisation's is "not
/// found", as if it did not exist.
pub async fn managed(ctx: Ctx<'_>, id: ContestId, by: &User) -> AppResult<Contest> {
    let c = find(ctx, id).await?;
    if manages(Some(by), &c) {
        Ok(c)
    } else {
        Err(AppError::NotFound("contest"))
    }
}

/// Saves new settings. A finalized contest is frozen; a published one may
/// change only in what keeps attempts already taken fair.
pub async fn edit(ctx: Ctx<'_>, c: &Contest, new: &ContestSettings) -> AppResult<Contest> {
    match c.state {
        State::Finalized => {
            return Err(AppError::conflict(
                "contest_finalized",
                Text::new("Cuộc thi đã chốt kết quả", "the contest is finalized"),
            ));
        }
        State::Published => {
            if let Some(field) = c.settings.published_change_refused(new) {
                if field == "ends_at" {
                    return Err(AppError::Conflict {
                        code: "contest_published",
                        message: Text::new(
                            "Sau khi công bố chỉ được lùi giờ kết thúc (muộn hơn), không được kết thúc sớm hơn giờ đã công bố",
                            "after publishing the end may only move later, not earlier than announced",
                        ),
                        field: Some(field.to_owned()),
                    });
                }
                return Err(AppError::Conflict {
                    code: "contest_published",
                    message: Text::new(
                        format!(
                            "Không thể đổi \"{field}\" sau khi công bố: bài đã làm phải giữ công bằng (được sửa nội dung chữ, lùi giờ kết thúc và danh sách loại trừ)"
                        ),
                        format!(
                            "\"{field}\" cannot change after publishing: attempts already taken must stay fair (texts, a later end and the exclusion list may change)"
                        ),
                    ),
                    field: Some(field.to_owned()),
                });
            }
        }
        State::Draft => {}
    }
    if !contests::update_settings(ctx.db, c.id, new, c.state, ctx.clock.now()).await? {
        return Err(changed());
    }
    find(ctx, c.id).await
}

/// The answer when a conditional write found the contest changed.
pub fn changed() -> AppError {
    AppError::conflict(
        "contest_changed",
        Text::new(
            "Cuộc thi vừa được thay đổi; hãy tải lại và thử lại",
            "the contest changed meanwhile; reload and try again",
        ),
    )
}

fn bank_frozen() -> AppError {
    AppError::conflict(
        "bank_frozen",
        Text::new(
            "Không thể sửa ngân hàng câu hỏi sau khi công bố: thí sinh đã bốc đề từ đó",
            "the question bank cannot change after publishing: attempts already drew from it",
        ),
    )
}

fn question_locked(what: &str) -> AppError {
    AppError::Conflict {
        code: "question_locked",
        message: Text::new(
            format!(
                "Sau khi công bố chỉ được sửa câu chữ: không đổi số phương án, đáp án đúng hay chủ đề ({what})"
            ),
            format!(
                "after publishing only the wording may change, not the number of options, the right answer or the category ({what})"
            ),
        ),
        field: Some(what.to_owned()),
    }
}

/// Edits one question. In a draft anything may change (option ids are kept
/// where the options remain); after publishing only the wording, written to
/// the audit log with the text before and after. Finalized contests keep
/// their bank as it was ranked.
pub async fn edit_question(
    ctx: Ctx<'_>,
    c: &Contest,
    question_id: QuestionId,
    q: &NewQuestion,
    actor: &User,
) -> AppResult<BankQuestion> {
    let before = contests::question(ctx.db, c.id, &question_id.to_string())
        .await?
        .ok_or(AppError::NotFound("question"))?;
    let kept: Vec<u32> = before.options.iter().map(|o| o.id).collect();
    let correct_before = kept
        .iter()
        .position(|&id| id == before.correct_option_id)
        .unwrap_or(usize::MAX);
    let audit = match c.state {
        State::Draft => None,
        State::Published => {
            question::correction_allowed(kept.len(), correct_before, before.category.as_deref(), q)
                .map_err(question_locked)?;
            Some(serde_json::json!({
                "question_id": before.id,
                "text_before": before.text,
                "text_after": q.text(),
                "options_before": before.options.iter().map(|o| &o.text).collect::<Vec<_>>(),
                "options_after": q.options(),
            }))
        }
        State::Finalized => return Err(bank_frozen()),
    };
    let ids = contests::option_ids_keeping(&kept, q.options().len());
    let after = BankQuestion {
        id: before.id.clone(),
        position: before.position,
        text: q.text().to_owned(),
        options: q
            .options()
            .iter()
            .zip(&ids)
            .map(|(t, id)| contests::StoredOption {
                id: *id,
                text: t.clone(),
            })
            .collect(),
        correct_option_id: ids[q.correct()],
        category: q.category().map(str::to_owned),
    };
    let actor_id = actor.id.clone();
    let replaced = contests::replace_question(
        ctx.db,
        c.id,
        c.state,
        &after,
        audit.map(|d| (actor_id.as_str(), d, ctx.clock.now())),
    )
    .await?;
    if !replaced {
        return Err(changed());
    }
    ctx.banks.forget(c.id);
    Ok(after)
}

/// Deletes one question of a draft.
pub async fn delete_question(ctx: Ctx<'_>, c: &Contest, question_id: QuestionId) -> AppResult<()> {
    if c.state != State::Draft {
        return Err(bank_frozen());
    }
    contests::question(ctx.db, c.id, &question_id.to_string())
        .await?
        .ok_or(AppError::NotFound("question"))?;
    if !contests::delete_question(ctx.db, c.id, &question_id.to_string()).await? {
        return Err(bank_frozen());
    }
    Ok(())
}

/// Appends questions to a draft's bank, all or nothing. Returns the bank's size.
pub async fn add_questions(ctx: Ctx<'_>, c: &Contest, questions: &[NewQuestion]) -> AppResult<i64> {
    if c.state != State::Draft {
        return Err(bank_frozen());
    }
    let total = contests::bank_size(&ctx.db.conn, c.id).await? + questions.len() as i64;
    if total > question::MAX_BANK_SIZE as i64 {
        let max = question::MAX_BANK_SIZE;
        return Err(crate::domain::FieldError::new(
            "questions",
            "too_many",
            Text::new(
                format!("Ngân hàng chứa tối đa {max} câu hỏi"),
                format!("a bank holds at most {max} questions"),
            ),
        )
        .into());
    }
    contests::add_questions(ctx.db, c.id, questions)
        .await?
        .ok_or_else(bank_frozen)
}

/// draft → published, fixing the draw seed (256 random bits from the OS).
pub async fn publish(ctx: Ctx<'_>, c: &Contest) -> AppResult<Contest> {
    let mut seed = [0u8; 32];
    rand::fill(&mut seed);
    match contests::publish(ctx.db, c.id, &hex::encode(seed), ctx.clock.now()).await? {
        PublishOutcome::Published => find(ctx, c.id).await,
        PublishOutcome::NotFound => Err(AppError::NotFound("contest")),
        PublishOutcome::NotDraft => Err(AppError::conflict(
            "not_draft",
            Text::new(
                "Chỉ công bố được cuộc thi ở trạng thái nháp",
                "only a draft can be published",
            ),
        )),
        PublishOutcome::BankTooSmall { have, need } => Err(AppError::conflict(
            "bank_too_small",
            Text::new(
                format!("Ngân hàng có {have} câu, cần ít nhất {need}"),
                format!("the bank has {have} questions, an attempt draws {need}"),
            ),
        )),
    }
}

/// A contest's statistics as organisers see them: days in the contest's
/// zone, the score histogram on its full axis (0 to the questions of an
/// attempt), and each question's text by id.
pub async fn stats(
    ctx: Ctx<'_>,
    c: &Contest,
) -> AppResult<(
    crate::store::stats::Stats,
    std::collections::HashMap<String, String>,
)> {
    use chrono::Offset;
    let tz = c.settings.timezone();
    let offset_ms = chrono::DateTime::from_timestamp_millis(c.settings.starts_at())
        .map(|t| i64::from(t.with_timezone(&tz).offset().fix().local_minus_utc()) * 1000)
        .unwrap_or(0);
    let mut stats = crate::store::stats::compute(ctx.db, c.id, offset_ms).await?;
    stats.score_histogram = crate::store::stats::full_histogram(
        &stats.score_histogram,
        i64::from(c.settings.questions_per_attempt()),
    );
    let texts = contests::bank(ctx.db, c.id)
        .await?
        .into_iter()
        .map(|q| (q.id, q.text))
        .collect();
    Ok((stats, texts))
}
