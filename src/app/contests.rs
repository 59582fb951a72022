//! Contests: finding one as the caller may see it, create, edit, publish,
//! and growing the question bank of a draft.

use super::{AppError, AppResult, Ctx};
use crate::domain::Text;
use crate::domain::contest::{Contest, ContestSettings, State};
use crate::domain::ids::{ContestId, UserId};
use crate::domain::question::{self, NewQuestion};
use crate::store::contests::{self, PublishOutcome};

/// Any contest (staff use): 404 for unknown ids.
pub async fn find(ctx: Ctx<'_>, id: ContestId) -> AppResult<Contest> {
    contests::find(&ctx.db.conn, id)
        .await?
        .ok_or(AppError::NotFound("contest"))
}

/// A contest as a visitor may see it: drafts are staff-only (404 otherwise).
pub async fn visible(ctx: Ctx<'_>, id: ContestId, staff: bool) -> AppResult<Contest> {
    let c = find(ctx, id).await?;
    if c.state == State::Draft && !staff {
        return Err(AppError::NotFound("contest"));
    }
    Ok(c)
}

/// Creates a draft.
pub async fn create(ctx: Ctx<'_>, settings: &ContestSettings, by: UserId) -> AppResult<Contest> {
    Ok(contests::create(ctx.db, settings, by, ctx.clock.now()).await?)
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
