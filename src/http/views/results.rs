//! The ranking (staff), finalization, disqualification, the audit log and the
//! public winners. The ranking's shape is specified in docs/results.md.

use super::{AddressView, ContestView, Time, one_of};
use crate::domain::contest::Contest;
use crate::domain::phone::mask_phone;
use crate::domain::ranking::{Ineligibility, TieBreakKey};
use crate::domain::results::Standing;
use crate::store::audit::Entry;
use crate::store::results::StoredIneligible;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::ObjectBuilder;

/// A prize as a ranking row or a winner shows it.
#[derive(Serialize, ToSchema)]
pub struct PrizeAward {
    pub name: String,
    /// In VND.
    pub amount: i64,
}

impl PrizeAward {
    /// The prize of tier `index` of `c`, if any.
    fn of(c: &Contest, index: Option<usize>) -> Option<Self> {
        let p = c.settings.prizes().get(index?)?;
        Some(Self {
            name: p.name.clone(),
            amount: p.amount,
        })
    }
}

fn address(s: &Standing) -> AddressView {
    AddressView::from(&s.person.address)
}

/// `{results}`.
#[derive(Serialize, ToSchema)]
pub struct ResultsEnvelope {
    pub results: ResultsPage,
}

/// A page of the stored ranking (docs/results.md).
#[derive(Serialize, ToSchema)]
pub struct ResultsPage {
    /// The number predictions are measured against.
    #[schema(required = true)]
    pub actual_figure: Option<i64>,
    /// The contest's draw seed: 64 lowercase hex characters.
    #[schema(required = true)]
    pub draw_seed: Option<String>,
    /// The finalized digest (64 lowercase hex characters), or null while not finalized.
    #[schema(required = true)]
    pub digest: Option<String>,
    /// When the stored ranking was computed.
    #[schema(required = true)]
    pub computed_at: Option<Time>,
    /// Ranked (eligible) rows in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub rows: Vec<RankedRow>,
    /// The people who may not win, by score (highest first), then user id.
    pub ineligible: Vec<IneligibleRow>,
}

impl ResultsPage {
    pub fn new(
        c: &Contest,
        total: i64,
        (limit, offset): (i64, i64),
        rows: &[Standing],
        ineligible: &[StoredIneligible],
    ) -> Self {
        Self {
            actual_figure: c.actual_figure,
            draw_seed: c.draw_seed.clone(),
            digest: c.digest.clone(),
            computed_at: c
                .results_computed_at
                .map(|t| Time::new(t, c.settings.timezone())),
            total,
            limit,
            offset,
            rows: rows.iter().map(|r| RankedRow::new(c, r)).collect(),
            ineligible: ineligible.iter().map(IneligibleRow::from).collect(),
        }
    }
}

fn decided_by() -> ObjectBuilder {
    one_of(
        TieBreakKey::ALL
            .map(|k| k.as_str())
            .into_iter()
            .chain(["draw"]),
        true,
        "The first key of the chain on which this row and the row above differ, \
         `draw` if none; null for rank 1.",
    )
}

/// A ranked row, with the person's full details (staff only).
#[derive(Serialize, ToSchema)]
pub struct RankedRow {
    /// 1, 2, 3, … with no gaps and no shared ranks.
    pub rank: i64,
    pub user: RankedUser,
    /// The counted attempt.
    pub attempt_id: String,
    pub score: i64,
    pub question_count: i64,
    /// The prediction given, or null.
    #[schema(required = true)]
    pub prediction: Option<i64>,
    /// |prediction − actual figure|, or null.
    #[schema(required = true)]
    pub prediction_error: Option<i64>,
    pub duration_ms: i64,
    pub submitted_at: Time,
    #[schema(schema_with = decided_by, required = true)]
    pub decided_by: Option<String>,
    #[schema(required = true)]
    pub prize: Option<PrizeAward>,
}

/// A ranked person: full phone number and address.
#[derive(Serialize, ToSchema)]
pub struct RankedUser {
    pub id: String,
    pub full_name: String,
    pub phone: String,
    pub address: AddressView,
}

impl RankedRow {
    pub fn new(c: &Contest, s: &Standing) -> Self {
        let r = &s.row;
        Self {
            rank: i64::from(r.rank),
            user: RankedUser {
                id: r.user_id.clone(),
                full_name: s.person.full_name.clone(),
                phone: s.person.phone.clone(),
                address: address(s),
            },
            attempt_id: r.attempt_id.clone(),
            score: i64::from(r.score),
            question_count: i64::from(r.question_count),
            prediction: r.prediction,
            prediction_error: r.prediction_error,
            duration_ms: r.duration_ms,
            submitted_at: Time::new(r.submitted_at_ms, c.settings.timezone()),
            decided_by: r.decided_by.map(|d| d.as_str().to_owned()),
            prize: PrizeAward::of(c, r.prize),
        }
    }
}

fn ineligibility() -> ObjectBuilder {
    one_of(
        [
            Ineligibility::Disqualified,
            Ineligibility::Excluded,
            Ineligibility::Staff,
        ]
        .map(|i| i.as_str()),
        false,
        "Why the person may not win; `disqualified` first, then `excluded`, then `staff`.",
    )
}

/// A person who may not win, with their counted attempt and score.
#[derive(Serialize, ToSchema)]
pub struct IneligibleRow {
    pub user: IneligibleUser,
    #[schema(schema_with = ineligibility)]
    pub reason: String,
    pub attempt_id: String,
    pub score: i64,
}

#[derive(Serialize, ToSchema)]
pub struct IneligibleUser {
    pub id: String,
    pub full_name: String,
    pub phone: String,
}

impl From<&StoredIneligible> for IneligibleRow {
    fn from(i: &StoredIneligible) -> Self {
        Self {
            user: IneligibleUser {
                id: i.user_id.clone(),
                full_name: i.full_name.clone(),
                phone: i.phone.clone(),
            },
            reason: i.reason.clone(),
            attempt_id: i.attempt_id.clone(),
            score: i.score,
        }
    }
}

/// `{digest, contest}`: a finalize.
#[derive(Serialize, ToSchema)]
pub struct Finalized {
    /// The digest of the frozen ranking: 64 lowercase hex characters.
    pub digest: String,
    pub contest: ContestView,
}

/// `{disqualified}`.
#[derive(Serialize, ToSchema)]
pub struct DisqualifiedEnvelope {
    pub disqualified: Disqualified,
}

/// Who was disqualified, and why (as trimmed).
#[derive(Serialize, ToSchema)]
pub struct Disqualified {
    pub user_id: String,
    pub reason: String,
}

/// `{entries}`: a contest's audit log, oldest first.
#[derive(Serialize, ToSchema)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
}

/// One audited action.
#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    /// When, in milliseconds since the Unix epoch.
    pub at: i64,
    /// The admin who acted.
    pub actor_id: String,
    /// `finalized`, `unfinalized` or `disqualified` (a role change is audited
    /// under the user, not the contest).
    pub action: String,
    /// `contest:<id>`.
    pub target: String,
    #[schema(value_type = AuditDetail)]
    pub detail: serde_json::Value,
    /// The organisation the action concerned (the contest's).
    #[schema(required = true)]
    pub organisation_id: Option<String>,
}

/// The details of an audited action; which fields appear depends on `action`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AuditDetail {
    /// `finalized`: the digest frozen.
    digest: Option<String>,
    /// `unfinalized`, `disqualified`: the admin's reason.
    reason: Option<String>,
    /// `disqualified`: the person.
    user_id: Option<String>,
}

impl From<Entry> for AuditEntry {
    fn from(e: Entry) -> Self {
        Self {
            at: e.at,
            actor_id: e.actor_id,
            action: e.action,
            target: e.target,
            detail: e.detail,
            organisation_id: e.organisation_id,
        }
    }
}

/// `{winners, digest, draw_seed, finalized_at}`: the public list of winners.
#[derive(Serialize, ToSchema)]
pub struct Winners {
    /// The prize winners by rank.
    pub winners: Vec<Winner>,
    /// The finalized digest: 64 lowercase hex characters.
    #[schema(required = true)]
    pub digest: Option<String>,
    /// The draw seed, so that anyone can recompute the draw.
    #[schema(required = true)]
    pub draw_seed: Option<String>,
    #[schema(required = true)]
    pub finalized_at: Option<Time>,
}

/// A winner as published: the phone masked (`091****678`).
#[derive(Serialize, ToSchema)]
pub struct Winner {
    pub rank: i64,
    pub full_name: String,
    pub phone: String,
    /// As the model contest announced winners: ấp/khóm, xã, huyện, tỉnh.
    pub address: AddressView,
    #[schema(required = true)]
    pub prize: Option<PrizeAward>,
}

impl Winners {
    pub fn new(c: &Contest, rows: &[Standing]) -> Self {
        let tz = c.settings.timezone();
        Self {
            winners: rows
                .iter()
                .map(|s| Winner {
                    rank: i64::from(s.row.rank),
                    full_name: s.person.full_name.clone(),
                    phone: mask_phone(&s.person.phone),
                    address: address(s),
                    prize: PrizeAward::of(c, s.row.prize),
                })
                .collect(),
            digest: c.digest.clone(),
            draw_seed: c.draw_seed.clone(),
            finalized_at: c.finalized_at.map(|t| Time::new(t, tz)),
        }
    }
}

/// `GET /contests/{id}/my-result`: one person's own result.
#[derive(Serialize, ToSchema)]
pub struct MyResult {
    /// `pending` (not final yet), `ranked`, `ineligible` or `absent` (no
    /// submitted attempt).
    #[schema(schema_with = my_result_status)]
    pub status: &'static str,
    /// 1-based, when ranked.
    #[schema(required = true)]
    pub rank: Option<i64>,
    /// How many were ranked, when ranked.
    #[schema(required = true)]
    pub of: Option<i64>,
    /// The counted attempt's correct answers (ranked or ineligible).
    #[schema(required = true)]
    pub score: Option<i64>,
    #[schema(required = true)]
    pub question_count: Option<i64>,
    #[schema(required = true)]
    pub duration_ms: Option<i64>,
    /// The prize won, if any.
    #[schema(required = true)]
    pub prize: Option<PrizeAward>,
    /// True for a prize winner.
    pub won: bool,
    /// Why not ranked: `staff`, `excluded` or `disqualified`.
    #[schema(required = true)]
    pub reason: Option<String>,
    /// The finalized digest, to check the published ranking.
    #[schema(required = true)]
    pub digest: Option<String>,
}

fn my_result_status() -> ObjectBuilder {
    one_of(
        ["pending", "ranked", "ineligible", "absent"],
        false,
        "Where the person stands.",
    )
}

impl MyResult {
    pub fn new(c: &Contest, r: crate::app::results::MyResult) -> Self {
        use crate::app::results::MyResult as R;
        let blank = Self {
            status: "pending",
            rank: None,
            of: None,
            score: None,
            question_count: None,
            duration_ms: None,
            prize: None,
            won: false,
            reason: None,
            digest: c.digest.clone(),
        };
        match r {
            R::Pending => blank,
            R::Absent => Self {
                status: "absent",
                ..blank
            },
            R::Ineligible { reason, score } => Self {
                status: "ineligible",
                score: Some(score),
                reason: Some(reason),
                ..blank
            },
            R::Ranked { standing, of } => {
                let row = &standing.row;
                let prize = PrizeAward::of(c, row.prize);
                Self {
                    status: "ranked",
                    rank: Some(i64::from(row.rank)),
                    of: Some(of),
                    score: Some(i64::from(row.score)),
                    question_count: Some(i64::from(row.question_count)),
                    duration_ms: Some(row.duration_ms),
                    won: prize.is_some(),
                    prize,
                    ..blank
                }
            }
        }
    }
}
