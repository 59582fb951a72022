//! Ranking and prizes: turns the closed attempts of a contest into the published order.
//!
//! Pure and deterministic: no clock, no randomness, no I/O. The same attempts, ineligibility
//! list and rules always give the same [`Ranking`], whatever order the attempts arrive in, so
//! a finalized snapshot can be recomputed from the stored attempts and its digest checked.
//!
//! The order is: the contest's tie-break chain, key by key, then a reproducible draw,
//! `SHA-256(draw seed ‖ user id)` ascending (see [`draw_key`]).

use std::cmp::Ordering;
use std::collections::HashMap;

use sha2::{Digest, Sha256};

/// One key of the published tie-break chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TieBreakKey {
    /// More correct answers first.
    Score,
    /// Smaller |prediction − actual figure| first; a missing prediction after any present one.
    Prediction,
    /// Shorter `submitted_at − started_at` first.
    Duration,
    /// Earlier submission first.
    SubmittedAt,
}

impl TieBreakKey {
    /// The chain as Vietnamese contests publish it, and the default of a new contest.
    pub const DEFAULT_CHAIN: [TieBreakKey; 4] = [
        TieBreakKey::Score,
        TieBreakKey::Prediction,
        TieBreakKey::Duration,
        TieBreakKey::SubmittedAt,
    ];

    /// Every key.
    pub const ALL: [TieBreakKey; 4] = [
        TieBreakKey::Score,
        TieBreakKey::Prediction,
        TieBreakKey::Duration,
        TieBreakKey::SubmittedAt,
    ];

    /// The name used in the API and in stored contests.
    pub fn as_str(&self) -> &'static str {
        match self {
            TieBreakKey::Score => "score",
            TieBreakKey::Prediction => "prediction",
            TieBreakKey::Duration => "duration",
            TieBreakKey::SubmittedAt => "submitted_at",
        }
    }

    /// The key named `name` (exactly as [`TieBreakKey::as_str`] spells it).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "score" => Some(TieBreakKey::Score),
            "prediction" => Some(TieBreakKey::Prediction),
            "duration" => Some(TieBreakKey::Duration),
            "submitted_at" => Some(TieBreakKey::SubmittedAt),
            _ => None,
        }
    }
}

/// Which of a participant's attempts counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountedAttempt {
    /// The best one under the tie-break chain.
    Best,
    /// The one started first.
    First,
}

impl CountedAttempt {
    /// Every choice.
    pub const ALL: [CountedAttempt; 2] = [CountedAttempt::Best, CountedAttempt::First];

    /// The name used in the API (`counted_attempt`).
    pub fn as_str(&self) -> &'static str {
        match self {
            CountedAttempt::Best => "best",
            CountedAttempt::First => "first",
        }
    }

    /// The choice named `name` (exactly as [`CountedAttempt::as_str`] spells it).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "best" => Some(CountedAttempt::Best),
            "first" => Some(CountedAttempt::First),
            _ => None,
        }
    }
}

/// What the prediction question asks participants to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActualFigure {
    /// Eligible participants who answered every question right (see [`rank`] for the exact rule).
    AllCorrectParticipants,
    /// Eligible participants.
    Participants,
}

impl ActualFigure {
    /// Every figure.
    pub const ALL: [ActualFigure; 2] = [
        ActualFigure::AllCorrectParticipants,
        ActualFigure::Participants,
    ];

    /// The name used in the API (`prediction.actual`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ActualFigure::AllCorrectParticipants => "all_correct_participants",
            ActualFigure::Participants => "participants",
        }
    }

    /// The figure named `name` (exactly as [`ActualFigure::as_str`] spells it).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "all_correct_participants" => Some(ActualFigure::AllCorrectParticipants),
            "participants" => Some(ActualFigure::Participants),
            _ => None,
        }
    }
}

/// Why a participant may not win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligibility {
    /// An organiser or admin.
    Staff,
    /// On the contest's exclusion list (committee members).
    Excluded,
    /// Disqualified by an admin.
    Disqualified,
}

impl Ineligibility {
    /// The name used in the API (`ineligible[].reason`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Ineligibility::Staff => "staff",
            Ineligibility::Excluded => "excluded",
            Ineligibility::Disqualified => "disqualified",
        }
    }

    /// The reason named `name` (exactly as [`Ineligibility::as_str`] spells it).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "staff" => Some(Ineligibility::Staff),
            "excluded" => Some(Ineligibility::Excluded),
            "disqualified" => Some(Ineligibility::Disqualified),
            _ => None,
        }
    }
}

/// What separated a ranked row from the row above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    Score,
    Prediction,
    Duration,
    SubmittedAt,
    /// Equal on every key of the chain: the draw decided.
    Draw,
}

impl DecidedBy {
    /// The name used in the API (`rows[].decided_by`): a chain key's name, or `"draw"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DecidedBy::Score => TieBreakKey::Score.as_str(),
            DecidedBy::Prediction => TieBreakKey::Prediction.as_str(),
            DecidedBy::Duration => TieBreakKey::Duration.as_str(),
            DecidedBy::SubmittedAt => TieBreakKey::SubmittedAt.as_str(),
            DecidedBy::Draw => "draw",
        }
    }

    /// The inverse of [`DecidedBy::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            DecidedBy::Score,
            DecidedBy::Prediction,
            DecidedBy::Duration,
            DecidedBy::SubmittedAt,
            DecidedBy::Draw,
        ]
        .into_iter()
        .find(|d| d.as_str() == name)
    }
}

impl From<TieBreakKey> for DecidedBy {
    fn from(key: TieBreakKey) -> Self {
        match key {
            TieBreakKey::Score => DecidedBy::Score,
            TieBreakKey::Prediction => DecidedBy::Prediction,
            TieBreakKey::Duration => DecidedBy::Duration,
            TieBreakKey::SubmittedAt => DecidedBy::SubmittedAt,
        }
    }
}

/// An id as ranking handles it: compared, hashed, and, for a user, written into
/// the draw key as text.
///
/// Ranking gives the same result for an id and its text: `String` (the ids as
/// stored) and [`uuid::Uuid`] (16 bytes instead of a 36-character string, what
/// the service ranks a million attempts with) order alike, since a UUID's
/// lowercase hyphenated text sorts as its bytes do, and the draw hashes that text.
pub trait RankId: Clone + Ord + std::hash::Hash + std::fmt::Display {
    /// Calls `f` with the id's text.
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R;

    /// What [`rank`] groups attempts by before comparing ids: it never trusts
    /// it for equality, so it only needs to be fast and well spread.
    fn group_hash(&self) -> u64;
}

impl RankId for String {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(self)
    }

    fn group_hash(&self) -> u64 {
        text_hash(self)
    }
}

impl RankId for uuid::Uuid {
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        f(self.hyphenated().encode_lower(&mut text))
    }

    /// Version 4 UUIDs are random already: their last 8 bytes.
    fn group_hash(&self) -> u64 {
        self.as_u64_pair().1
    }
}

/// A closed, scored attempt as ranking sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord<I = String> {
    pub attempt_id: I,
    pub user_id: I,
    pub score: u32,
    pub question_count: u32,
    pub prediction: Option<i64>,
    pub started_at_ms: i64,
    pub submitted_at_ms: i64,
}

impl<I> AttemptRecord<I> {
    /// The same attempt with its ids mapped (to text, to UUIDs).
    pub fn map_ids<J>(&self, f: impl Fn(&I) -> J) -> AttemptRecord<J> {
        AttemptRecord {
            attempt_id: f(&self.attempt_id),
            user_id: f(&self.user_id),
            score: self.score,
            question_count: self.question_count,
            prediction: self.prediction,
            started_at_ms: self.started_at_ms,
            submitted_at_ms: self.submitted_at_ms,
        }
    }

    /// `submitted_at − started_at`, saturated to the i64 range (ranking itself compares
    /// the exact value).
    pub fn duration_ms(&self) -> i64 {
        saturate_i64(i128::from(self.submitted_at_ms) - i128::from(self.started_at_ms))
    }

    /// Every question right (and at least one question).
    fn all_correct(&self) -> bool {
        self.question_count > 0 && self.score == self.question_count
    }

    fn key(&self) -> ChainKey {
        ChainKey {
            score: self.score,
            prediction: self.prediction,
            started_at_ms: self.started_at_ms,
            submitted_at_ms: self.submitted_at_ms,
        }
    }
}

/// One prize tier: `count` prizes of `amount` VND.
#[derive(Debug, Clone, PartialEq)]
pub struct PrizeTier {
    pub name: String,
    pub count: u32,
    pub amount: i64,
}

/// The contest settings that ranking depends on.
#[derive(Debug, Clone, Copy)]
pub struct RankingRules<'a> {
    /// The tie-break chain, most significant key first.
    pub chain: &'a [TieBreakKey],
    pub counted: CountedAttempt,
    pub actual: ActualFigure,
    /// When false, [`TieBreakKey::Prediction`] is skipped wherever it stands in the chain.
    pub prediction_enabled: bool,
    /// Fixed when the contest is published and shown with the results.
    pub draw_seed: &'a str,
    /// Awarded down the ranking, tier by tier.
    pub prizes: &'a [PrizeTier],
}

/// One eligible participant's place in the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedRow<I = String> {
    /// 1, 2, 3, … with no shared ranks.
    pub rank: u32,
    pub user_id: I,
    /// The counted attempt.
    pub attempt_id: I,
    pub score: u32,
    pub question_count: u32,
    pub prediction: Option<i64>,
    /// |prediction − actual figure| (saturated to i64); `None` when there is no prediction or
    /// the prediction question is disabled, since it then plays no part in the ranking.
    pub prediction_error: Option<i64>,
    pub duration_ms: i64,
    pub submitted_at_ms: i64,
    /// The first chain key on which this row differs from the row above, else `Draw`;
    /// `None` only for rank 1.
    pub decided_by: Option<DecidedBy>,
    /// Index into [`RankingRules::prizes`].
    pub prize: Option<usize>,
}

impl<I: std::fmt::Display> RankedRow<I> {
    /// The row with its ids as text, as it is stored.
    pub fn text(&self) -> RankedRow {
        RankedRow {
            rank: self.rank,
            user_id: self.user_id.to_string(),
            attempt_id: self.attempt_id.to_string(),
            score: self.score,
            question_count: self.question_count,
            prediction: self.prediction,
            prediction_error: self.prediction_error,
            duration_ms: self.duration_ms,
            submitted_at_ms: self.submitted_at_ms,
            decided_by: self.decided_by,
            prize: self.prize,
        }
    }
}

/// A participant who may not win, listed apart from the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct IneligibleRow<I = String> {
    pub user_id: I,
    pub reason: Ineligibility,
    /// The counted attempt.
    pub attempt_id: I,
    pub score: u32,
}

/// The outcome of [`rank`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking<I = String> {
    /// The figure predictions are measured against.
    pub actual_figure: i64,
    /// Eligible participants, best first.
    pub rows: Vec<RankedRow<I>>,
    /// Ineligible participants, in the order they would have been ranked.
    pub ineligible: Vec<IneligibleRow<I>>,
}

/// The draw key of a participant: `SHA-256(seed bytes ‖ user_id bytes)`; smaller draws first.
pub fn draw_key(seed: &str, user_id: &str) -> [u8; 32] {
    draw_key_after(&Sha256::new_with_prefix(seed.as_bytes()), user_id)
}

/// Finishes a draw key from a hasher that has already absorbed the seed, so a long seed is
/// hashed once per contest rather than once per participant.
fn draw_key_after(seeded: &Sha256, user_id: &str) -> [u8; 32] {
    seeded
        .clone()
        .chain_update(user_id.as_bytes())
        .finalize()
        .into()
}

/// Ranks a contest.
///
/// `attempts` are every closed attempt of the contest, in any order; `ineligible` maps the
/// user ids that may not win to the reason.
///
/// 1. Attempts are grouped by user and one counts per user: with [`CountedAttempt::First`]
///    the earliest started (then the smaller attempt id); with [`CountedAttempt::Best`] the
///    best under the chain, comparing predictions against the actual figure, then the
///    earliest started, then the smaller attempt id.
/// 2. The actual figure counts eligible users (at least one attempt, not ineligible): all of
///    them for [`ActualFigure::Participants`]; for [`ActualFigure::AllCorrectParticipants`]
///    those who got every question right. "Right" is judged on the first attempt under
///    `First`, and on *any* attempt under `Best`: the best attempt can depend on the
///    prediction key, which depends on the actual figure, so the figure must not depend on
///    the best attempt. Whenever `Score` leads the chain, the best attempt is all-correct
///    exactly when some attempt is, so this is the same as "the counted attempt has every
///    question right".
/// 3. Users are ordered by the chain, key by key ([`TieBreakKey`]; the prediction key is
///    skipped when the prediction question is disabled, and a repeated key changes nothing),
///    then by [`draw_key`] ascending.
/// 4. Eligible users become `rows`, ranked 1..=n; the others go to `ineligible`, in the same
///    order. Each row after the first says which chain key separated it from the row above
///    (a key separates two rows when it compares them unequal: predictions of 90 and 110
///    against an actual figure of 100 do not).
/// 5. Prize tiers are walked in order, each taking the next `count` rows; tiers left when the
///    rows run out stay (partly) unawarded.
///
/// O(n log n) for n attempts. See [`rank_owned`] for the form that ranks in the attempts'
/// own memory.
pub fn rank<I: RankId>(
    attempts: &[AttemptRecord<I>],
    ineligible: &HashMap<I, Ineligibility>,
    rules: &RankingRules,
) -> Ranking<I> {
    rank_owned(attempts.to_vec(), ineligible, rules)
}

/// [`rank`], taking the attempts: they are grouped by sorting them in place, so ranking a
/// million attempts holds them once, plus about 50 bytes per user while ranking and the
/// rows it returns. Freed before it returns.
pub fn rank_owned<I: RankId>(
    attempts: Vec<AttemptRecord<I>>,
    ineligible: &HashMap<I, Ineligibility>,
    rules: &RankingRules,
) -> Ranking<I> {
    rank_grouping_by(RankId::group_hash, attempts, ineligible, rules)
}

/// [`rank_owned`], with the hash that groups attempts by user as a parameter, so that tests
/// can check that collisions never change the result.
fn rank_grouping_by<I: RankId>(
    hash: fn(&I) -> u64,
    mut attempts: Vec<AttemptRecord<I>>,
    ineligible: &HashMap<I, Ineligibility>,
    rules: &RankingRules,
) -> Ranking<I> {
    let users = gather_users(hash, &mut attempts, ineligible, rules.draw_seed);
    let order = Order::new(rules, actual_figure(&users, &attempts, rules));
    let eligible_count = users.iter().filter(|u| u.reason.is_none()).count();

    let mut candidates: Vec<Candidate> = users
        .iter()
        .map(|user| {
            let own = user.start as usize..(user.start + user.len) as usize;
            let counted = match rules.counted {
                CountedAttempt::First => user.first as usize,
                CountedAttempt::Best => own
                    .min_by(|&a, &b| {
                        let (a, b) = (&attempts[a], &attempts[b]);
                        (order.standing(&a.key()).cmp(&order.standing(&b.key())))
                            .then_with(|| start_order(a, b))
                    })
                    .unwrap_or(user.first as usize),
            };
            Candidate {
                standing: order.standing(&attempts[counted].key()),
                counted: counted as u32,
                draw: user.draw,
                reason: user.reason,
            }
        })
        .collect();
    let user_count = users.len();
    drop(users);
    candidates.sort_unstable_by(|a, b| {
        a.standing
            .cmp(&b.standing)
            .then_with(|| a.draw.cmp(&b.draw))
            // Reached only on a SHA-256 collision; keeps the order total all the same.
            .then_with(|| {
                attempts[a.counted as usize]
                    .user_id
                    .cmp(&attempts[b.counted as usize].user_id)
            })
    });

    // Row k (0-based) gets the k-th entry of this sequence: tier 0 `count` times, then tier 1…
    let mut awards = rules
        .prizes
        .iter()
        .enumerate()
        .flat_map(|(tier, prize)| std::iter::repeat_n(tier, prize.count as usize));

    let mut rows: Vec<RankedRow<I>> = Vec::with_capacity(eligible_count);
    let mut ineligible_rows = Vec::with_capacity(user_count - eligible_count);
    let mut above: Option<&Standing> = None;
    for candidate in &candidates {
        let attempt = &attempts[candidate.counted as usize];
        if let Some(reason) = candidate.reason {
            ineligible_rows.push(IneligibleRow {
                user_id: attempt.user_id.clone(),
                reason,
                attempt_id: attempt.attempt_id.clone(),
                score: attempt.score,
            });
            continue;
        }
        let decided_by = above.map(|above| {
            order
                .first_difference(above, &candidate.standing)
                .map_or(DecidedBy::Draw, DecidedBy::from)
        });
        above = Some(&candidate.standing);
        let key = attempt.key();
        rows.push(RankedRow {
            rank: u32::try_from(rows.len() + 1).unwrap_or(u32::MAX),
            user_id: attempt.user_id.clone(),
            attempt_id: attempt.attempt_id.clone(),
            score: attempt.score,
            question_count: attempt.question_count,
            prediction: attempt.prediction,
            prediction_error: if rules.prediction_enabled {
                order.prediction_error(&key).map(saturate_u64)
            } else {
                None
            },
            duration_ms: saturate_i64(key.duration_ms()),
            submitted_at_ms: attempt.submitted_at_ms,
            decided_by,
            prize: awards.next(),
        });
    }

    Ranking {
        actual_figure: order.actual,
        rows,
        ineligible: ineligible_rows,
    }
}

/// What the chain looks at in one attempt.
#[derive(Debug, Clone, Copy)]
struct ChainKey {
    score: u32,
    prediction: Option<i64>,
    started_at_ms: i64,
    submitted_at_ms: i64,
}

impl ChainKey {
    /// In i128 so that no pair of i64 timestamps can overflow.
    fn duration_ms(&self) -> i128 {
        i128::from(self.submitted_at_ms) - i128::from(self.started_at_ms)
    }
}

/// One participant: where their attempts lie and what is known before the actual figure.
/// Indexes are u32 (a contest has far fewer than 4 billion attempts) to keep a user small.
struct User {
    /// The user's attempts are `attempts[start..start + len]`.
    start: u32,
    len: u32,
    /// The earliest started attempt.
    first: u32,
    any_all_correct: bool,
    reason: Option<Ineligibility>,
    draw: [u8; 32],
}

/// Groups the attempts by user, sorting them in place by a hash of the user id (then the
/// id, so that a collision costs time, never correctness), and learns on the way all that
/// needs the user id.
fn gather_users<I: RankId>(
    hash: fn(&I) -> u64,
    attempts: &mut [AttemptRecord<I>],
    ineligible: &HashMap<I, Ineligibility>,
    draw_seed: &str,
) -> Vec<User> {
    attempts.sort_unstable_by(|a, b| {
        hash(&a.user_id)
            .cmp(&hash(&b.user_id))
            .then_with(|| a.user_id.cmp(&b.user_id))
    });
    let seeded = Sha256::new_with_prefix(draw_seed.as_bytes());
    let mut users = Vec::new();
    let mut start = 0usize;
    for own in attempts.chunk_by(|a, b| a.user_id == b.user_id) {
        let Some((offset, first)) = own.iter().enumerate().min_by(|a, b| start_order(a.1, b.1))
        else {
            continue;
        };
        users.push(User {
            start: start as u32,
            len: own.len() as u32,
            first: (start + offset) as u32,
            any_all_correct: own.iter().any(AttemptRecord::all_correct),
            reason: ineligible.get(&first.user_id).copied(),
            draw: first.user_id.with_text(|id| draw_key_after(&seeded, id)),
        });
        start += own.len();
    }
    users
}

/// FxHash's multiply-and-rotate over 8-byte words: fast, and good enough for grouping,
/// which never trusts it for equality.
fn text_hash(id: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |hash: u64, bytes: &[u8]| {
        let mut word = [0; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K)
    };
    let mut words = id.as_bytes().chunks_exact(8);
    let hash = words.by_ref().fold(id.len() as u64, mix);
    mix(hash, words.remainder())
}

/// The figure predictions are measured against (see [`rank`], point 2).
fn actual_figure<I>(users: &[User], attempts: &[AttemptRecord<I>], rules: &RankingRules) -> i64 {
    let eligible = users.iter().filter(|u| u.reason.is_none());
    let count = match rules.actual {
        ActualFigure::Participants => eligible.count(),
        ActualFigure::AllCorrectParticipants => eligible
            .filter(|u| match rules.counted {
                CountedAttempt::Best => u.any_all_correct,
                CountedAttempt::First => attempts[u.first as usize].all_correct(),
            })
            .count(),
    };
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// A user's counted attempt, ready to sort.
struct Candidate {
    standing: Standing,
    /// The counted attempt's index.
    counted: u32,
    draw: [u8; 32],
    reason: Option<Ineligibility>,
}

/// Where an attempt stands under the chain: one integer per chain key, smaller first, so
/// that comparing two attempts is comparing two arrays. With repeats dropped a chain has at
/// most four keys; places past its end stay 0.
type Standing = [i128; 4];

/// The chain as it applies to one contest.
struct Order {
    /// The contest's chain, less repeated keys and the prediction key when that question is
    /// disabled.
    chain: Vec<TieBreakKey>,
    actual: i64,
}

impl Order {
    fn new(rules: &RankingRules, actual: i64) -> Self {
        let mut chain = Vec::with_capacity(4);
        for &key in rules.chain {
            let disabled = key == TieBreakKey::Prediction && !rules.prediction_enabled;
            // A repeated key never decides: equal the first time means equal again.
            if !disabled && !chain.contains(&key) {
                chain.push(key);
            }
        }
        Order { chain, actual }
    }

    /// |prediction − actual|: `abs_diff` is exact for any two i64 (the result fits u64).
    fn prediction_error(&self, key: &ChainKey) -> Option<u64> {
        key.prediction.map(|p| p.abs_diff(self.actual))
    }

    /// i128 holds every value exactly: durations need 65 bits, errors 64 bits plus "missing".
    fn standing(&self, key: &ChainKey) -> Standing {
        let mut standing = [0; 4];
        for (place, chain_key) in standing.iter_mut().zip(&self.chain) {
            *place = match chain_key {
                TieBreakKey::Score => -i128::from(key.score),
                // Missing ranks after any error, the largest of which is 2^64 − 1.
                TieBreakKey::Prediction => self.prediction_error(key).map_or(i128::MAX, i128::from),
                TieBreakKey::Duration => key.duration_ms(),
                TieBreakKey::SubmittedAt => i128::from(key.submitted_at_ms),
            };
        }
        standing
    }

    /// The first chain key on which two standings differ.
    fn first_difference(&self, a: &Standing, b: &Standing) -> Option<TieBreakKey> {
        let place = a.iter().zip(b).position(|(a, b)| a != b)?;
        self.chain.get(place).copied()
    }
}

/// Earlier start, then smaller attempt id. The remaining fields only matter if the input
/// repeats an attempt id; they keep the choice independent of input order even then.
fn start_order<I: Ord>(a: &AttemptRecord<I>, b: &AttemptRecord<I>) -> Ordering {
    fn fields<I>(r: &AttemptRecord<I>) -> (i64, &I, u32, u32, Option<i64>, i64) {
        (
            r.started_at_ms,
            &r.attempt_id,
            r.score,
            r.question_count,
            r.prediction,
            r.submitted_at_ms,
        )
    }
    fields(a).cmp(&fields(b))
}

fn saturate_i64(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

fn saturate_u64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
