use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use TieBreakKey::{Duration, Prediction, Score, SubmittedAt};

const QUESTIONS: u32 = 10;
const ALL_KEYS: [TieBreakKey; 4] = TieBreakKey::DEFAULT_CHAIN;

/// An attempt with `QUESTIONS` questions.
fn attempt(
    attempt_id: &str,
    user_id: &str,
    score: u32,
    prediction: Option<i64>,
    started_at_ms: i64,
    submitted_at_ms: i64,
) -> AttemptRecord {
    AttemptRecord {
        attempt_id: attempt_id.to_owned(),
        user_id: user_id.to_owned(),
        score,
        question_count: QUESTIONS,
        prediction,
        started_at_ms,
        submitted_at_ms,
    }
}

/// Best attempt, all-correct figure, prediction on, seed "seed".
fn rules<'a>(chain: &'a [TieBreakKey], prizes: &'a [PrizeTier]) -> RankingRules<'a> {
    RankingRules {
        chain,
        counted: CountedAttempt::Best,
        actual: ActualFigure::AllCorrectParticipants,
        prediction_enabled: true,
        draw_seed: "seed",
        prizes,
    }
}

fn tier(name: &str, count: u32, amount: i64) -> PrizeTier {
    PrizeTier {
        name: name.to_owned(),
        count,
        amount,
    }
}

fn nobody() -> HashMap<String, Ineligibility> {
    HashMap::new()
}

fn users(ranking: &Ranking) -> Vec<&str> {
    ranking.rows.iter().map(|r| r.user_id.as_str()).collect()
}

fn decided(ranking: &Ranking) -> Vec<Option<DecidedBy>> {
    ranking.rows.iter().map(|r| r.decided_by).collect()
}

fn prizes(ranking: &Ranking) -> Vec<Option<usize>> {
    ranking.rows.iter().map(|r| r.prize).collect()
}

#[test]
fn names_round_trip_and_unknown_names_are_refused() {
    for key in ALL_KEYS {
        assert_eq!(TieBreakKey::parse(key.as_str()), Some(key));
        assert_eq!(DecidedBy::from(key).as_str(), key.as_str());
    }
    assert_eq!(
        ALL_KEYS.map(|k| k.as_str()),
        ["score", "prediction", "duration", "submitted_at"]
    );
    assert_eq!(DecidedBy::Draw.as_str(), "draw");
    for counted in [CountedAttempt::Best, CountedAttempt::First] {
        assert_eq!(CountedAttempt::parse(counted.as_str()), Some(counted));
    }
    for actual in [
        ActualFigure::AllCorrectParticipants,
        ActualFigure::Participants,
    ] {
        assert_eq!(ActualFigure::parse(actual.as_str()), Some(actual));
    }
    for reason in [
        Ineligibility::Staff,
        Ineligibility::Excluded,
        Ineligibility::Disqualified,
    ] {
        assert_eq!(Ineligibility::parse(reason.as_str()), Some(reason));
    }
    assert_eq!(Ineligibility::Excluded.as_str(), "excluded");
    for bad in ["", "Score", "submittedAt", " score", "draw"] {
        assert_eq!(TieBreakKey::parse(bad), None);
    }
    assert_eq!(CountedAttempt::parse("Best"), None);
    assert_eq!(ActualFigure::parse("all_correct"), None);
    assert_eq!(Ineligibility::parse("admin"), None);
}

#[test]
fn draw_key_is_sha256_of_the_seed_bytes_then_the_user_id_bytes() {
    // Known answers from `printf '%s' "$seed$user" | sha256sum`.
    assert_eq!(
        hex::encode(draw_key("seed", "user")),
        "3c26291e45e0f6072a429e7e16418e5c67bc2e1a54887a67b4872b343a4857c7"
    );
    assert_eq!(
        hex::encode(draw_key("sếu-đầu-đỏ-2024", "u-top-4")),
        "e36f92fa63a9f63757a0aaadcdee391d84e73a0fe5db30f3e4b1228f55513547"
    );
}

#[test]
fn more_correct_answers_rank_first() {
    let attempts = [
        attempt("1", "a", 5, Some(0), 0, 100),
        attempt("2", "b", 7, Some(0), 0, 100),
        attempt("3", "c", 6, Some(0), 0, 100),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &[]));
    assert_eq!(users(&ranking), ["b", "c", "a"]);
    assert_eq!(
        decided(&ranking),
        [None, Some(DecidedBy::Score), Some(DecidedBy::Score)]
    );
    assert_eq!(
        ranking.rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[test]
fn the_prediction_closest_to_the_actual_figure_ranks_first_from_either_side() {
    // Five participants, so the actual figure is 5.
    let attempts = [
        attempt("1", "far", 9, Some(11), 0, 100),
        attempt("2", "under", 9, Some(4), 0, 100),
        attempt("3", "exact", 9, Some(5), 0, 100),
        attempt("4", "none", 9, None, 0, 100),
        attempt("5", "over", 9, Some(7), 0, 100),
    ];
    let mut rules = rules(&ALL_KEYS, &[]);
    rules.actual = ActualFigure::Participants;
    let ranking = rank(&attempts, &nobody(), &rules);
    assert_eq!(ranking.actual_figure, 5);
    assert_eq!(users(&ranking), ["exact", "under", "over", "far", "none"]);
    assert_eq!(
        ranking
            .rows
            .iter()
            .map(|r| r.prediction_error)
            .collect::<Vec<_>>(),
        [Some(0), Some(1), Some(2), Some(6), None]
    );
    assert!(
        ranking.rows[1..]
            .iter()
            .all(|r| r.decided_by == Some(DecidedBy::Prediction))
    );
}

#[test]
fn a_missing_prediction_ranks_after_any_present_one() {
    let attempts = [
        attempt("1", "silent-fast", 9, None, 0, 10),
        attempt("2", "wild", 9, Some(1_000_000_000), 0, 100),
        attempt("3", "silent-slow", 9, None, 0, 20),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &[]));
    assert_eq!(users(&ranking), ["wild", "silent-fast", "silent-slow"]);
    // Two missing predictions are equal on the key, so the next key decides.
    assert_eq!(
        decided(&ranking),
        [None, Some(DecidedBy::Prediction), Some(DecidedBy::Duration)]
    );
}

#[test]
fn equal_errors_on_opposite_sides_do_not_decide() {
    let attempts = [
        attempt("1", "over", 9, Some(3), 0, 20),
        attempt("2", "under", 9, Some(1), 0, 10),
    ];
    let mut rules = rules(&ALL_KEYS, &[]);
    rules.actual = ActualFigure::Participants; // 2
    let ranking = rank(&attempts, &nobody(), &rules);
    assert_eq!(users(&ranking), ["under", "over"]);
    assert_eq!(decided(&ranking)[1], Some(DecidedBy::Duration));
}

#[test]
fn a_disabled_prediction_key_is_skipped_wherever_it_stands() {
    // By prediction "good" would win; by duration "fast" does.
    let attempts = [
        attempt("1", "good", 9, Some(2), 0, 200),
        attempt("2", "fast", 9, None, 0, 100),
    ];
    let chain = [Prediction, Score, Duration];
    let mut rules = rules(&chain, &[]);
    rules.actual = ActualFigure::Participants;
    let enabled = rank(&attempts, &nobody(), &rules);
    assert_eq!(users(&enabled), ["good", "fast"]);
    assert_eq!(decided(&enabled)[1], Some(DecidedBy::Prediction));

    rules.prediction_enabled = false;
    let disabled = rank(&attempts, &nobody(), &rules);
    assert_eq!(users(&disabled), ["fast", "good"]);
    assert_eq!(decided(&disabled)[1], Some(DecidedBy::Duration));
    assert!(disabled.rows.iter().all(|r| r.prediction_error.is_none()));
    assert_eq!(disabled.actual_figure, 2);
}

#[test]
fn a_shorter_duration_ranks_first_even_when_submitted_later() {
    let attempts = [
        attempt("1", "slow", 9, Some(0), 0, 100),
        attempt("2", "quick", 9, Some(0), 50, 120),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &[]));
    assert_eq!(users(&ranking), ["quick", "slow"]);
    assert_eq!(ranking.rows[0].duration_ms, 70);
    assert_eq!(decided(&ranking)[1], Some(DecidedBy::Duration));
}

#[test]
fn with_equal_durations_the_earlier_submission_ranks_first() {
    let attempts = [
        attempt("1", "late", 9, Some(0), 60, 160),
        attempt("2", "early", 9, Some(0), 50, 150),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &[]));
    assert_eq!(users(&ranking), ["early", "late"]);
    assert_eq!(decided(&ranking)[1], Some(DecidedBy::SubmittedAt));
}

#[test]
fn the_chain_order_decides_which_key_counts_first() {
    let attempts = [
        attempt("1", "clever", 10, Some(0), 0, 500),
        attempt("2", "hasty", 3, Some(0), 0, 50),
    ];
    let by_duration = rank(&attempts, &nobody(), &rules(&[Duration, Score], &[]));
    assert_eq!(users(&by_duration), ["hasty", "clever"]);
    assert_eq!(decided(&by_duration)[1], Some(DecidedBy::Duration));
    let by_score = rank(&attempts, &nobody(), &rules(&[Score, Duration], &[]));
    assert_eq!(users(&by_score), ["clever", "hasty"]);
    assert_eq!(decided(&by_score)[1], Some(DecidedBy::Score));
}

#[test]
fn full_ties_are_settled_by_the_draw_which_follows_the_seed() {
    let names = ["an", "binh", "chi", "dung", "em", "giang"];
    let attempts: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, name)| attempt(&i.to_string(), name, 9, Some(0), 0, 100))
        .collect();
    let mut orders = HashSet::new();
    for seed in ["", "seed", "sếu-đầu-đỏ", "2024-12-01", "x"] {
        let mut rules = rules(&ALL_KEYS, &[]);
        rules.draw_seed = seed;
        let ranking = rank(&attempts, &nobody(), &rules);
        let mut expected = names.to_vec();
        expected.sort_by_key(|name| draw_key(seed, name));
        assert_eq!(users(&ranking), expected);
        assert!(
            ranking.rows[1..]
                .iter()
                .all(|r| r.decided_by == Some(DecidedBy::Draw))
        );
        orders.insert(expected);
    }
    assert!(orders.len() > 1, "the seed should change the draw");
}

#[test]
fn a_repeated_chain_key_changes_nothing() {
    let attempts = [
        attempt("1", "a", 9, Some(4), 0, 300),
        attempt("2", "b", 9, Some(4), 0, 200),
        attempt("3", "c", 8, None, 0, 100),
    ];
    let once = rank(&attempts, &nobody(), &rules(&[Score, Duration], &[]));
    let twice = rank(
        &attempts,
        &nobody(),
        &rules(&[Score, Score, Duration, Score], &[]),
    );
    assert_eq!(users(&once), ["b", "a", "c"]);
    assert_eq!(twice, once);
}

#[test]
fn an_empty_chain_ranks_by_the_draw_alone() {
    let attempts = [
        attempt("1", "a", 10, Some(0), 0, 100),
        attempt("2", "b", 0, None, 0, 9_000),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&[], &[]));
    let mut expected = vec!["a", "b"];
    expected.sort_by_key(|name| draw_key("seed", name));
    assert_eq!(users(&ranking), expected);
    assert_eq!(decided(&ranking), [None, Some(DecidedBy::Draw)]);
}

#[test]
fn first_counts_the_earliest_started_attempt_whatever_its_score() {
    let attempts = [
        attempt("late", "u", 10, Some(0), 20, 30),
        attempt("early", "u", 2, Some(0), 10, 40),
        // Same start as "tie-b": the smaller attempt id counts.
        attempt("tie-b", "v", 9, Some(0), 5, 6),
        attempt("tie-a", "v", 1, Some(0), 5, 60),
    ];
    let mut rules = rules(&ALL_KEYS, &[]);
    rules.counted = CountedAttempt::First;
    let first = rank(&attempts, &nobody(), &rules);
    let counted: Vec<_> = first.rows.iter().map(|r| r.attempt_id.as_str()).collect();
    assert_eq!(counted, ["early", "tie-a"]);
    assert_eq!(first.rows[0].score, 2);

    rules.counted = CountedAttempt::Best;
    let best = rank(&attempts, &nobody(), &rules);
    let counted: Vec<_> = best.rows.iter().map(|r| r.attempt_id.as_str()).collect();
    assert_eq!(counted, ["late", "tie-b"]);
}

#[test]
fn best_takes_the_best_attempt_under_the_chain_then_the_earliest_then_the_smaller_id() {
    let attempts = [
        attempt("x1", "u", 8, Some(0), 0, 10),
        attempt("x2", "u", 9, Some(0), 5, 105),
        attempt("x3", "u", 9, Some(0), 10, 60),
    ];
    let counted = |chain: &[TieBreakKey], attempts: &[AttemptRecord]| {
        rank(attempts, &nobody(), &rules(chain, &[])).rows[0]
            .attempt_id
            .clone()
    };
    assert_eq!(counted(&ALL_KEYS, &attempts), "x3"); // same score, shorter
    assert_eq!(counted(&[Score], &attempts), "x2"); // same score, started earlier
    assert_eq!(counted(&[Duration], &attempts), "x1");
    let same_start = [
        attempt("y2", "u", 9, Some(0), 5, 50),
        attempt("y1", "u", 9, Some(0), 5, 90),
    ];
    assert_eq!(counted(&[Score], &same_start), "y1");
}

#[test]
fn best_measures_a_users_own_predictions_against_the_actual_figure() {
    // Three all-correct participants: the actual figure is 3.
    let attempts = [
        attempt("a-far", "a", 10, Some(50), 0, 10),
        attempt("a-near", "a", 10, Some(2), 20, 90),
        attempt("a-none", "a", 10, None, 30, 31),
        attempt("b", "b", 10, Some(3), 0, 100),
        attempt("c", "c", 10, Some(3), 0, 100),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &[]));
    assert_eq!(ranking.actual_figure, 3);
    let a = ranking.rows.iter().find(|r| r.user_id == "a").unwrap();
    assert_eq!(a.attempt_id, "a-near");
    assert_eq!(a.prediction_error, Some(1));
}

#[test]
fn the_actual_figure_counts_eligible_users_with_every_question_right() {
    let empty_quiz = AttemptRecord {
        question_count: 0,
        ..attempt("4", "empty", 0, None, 0, 1)
    };
    let attempts = [
        attempt("1", "perfect", 10, None, 0, 1),
        attempt("2", "nearly", 9, None, 0, 1),
        attempt("3", "staff", 10, None, 0, 1),
        empty_quiz,
        attempt("5", "perfect", 10, None, 5, 6), // a second attempt, same user
    ];
    let staff = HashMap::from([("staff".to_owned(), Ineligibility::Staff)]);
    let mut rules = rules(&ALL_KEYS, &[]);
    assert_eq!(rank(&attempts, &staff, &rules).actual_figure, 1);
    rules.actual = ActualFigure::Participants;
    assert_eq!(rank(&attempts, &staff, &rules).actual_figure, 3);
    assert_eq!(rank(&attempts, &nobody(), &rules).actual_figure, 4);
}

#[test]
fn under_best_a_user_is_all_correct_when_any_attempt_is() {
    // Duration leads, so the counted attempt is the quick 5/10, yet the user counts as
    // all-correct: the figure must not depend on which attempt is best.
    let attempts = [
        attempt("quick", "u", 5, Some(1), 0, 10),
        attempt("perfect", "u", 10, Some(1), 20, 500),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&[Duration, Score], &[]));
    assert_eq!(ranking.rows[0].attempt_id, "quick");
    assert_eq!(ranking.actual_figure, 1);
}

#[test]
fn under_first_only_the_first_attempt_counts_towards_the_actual_figure() {
    let attempts = [
        attempt("later", "u", 10, Some(1), 20, 500),
        attempt("first", "u", 9, Some(1), 0, 10),
    ];
    let mut rules = rules(&ALL_KEYS, &[]);
    rules.counted = CountedAttempt::First;
    assert_eq!(rank(&attempts, &nobody(), &rules).actual_figure, 0);
    rules.counted = CountedAttempt::Best;
    assert_eq!(rank(&attempts, &nobody(), &rules).actual_figure, 1);
}

#[test]
fn ineligible_users_are_listed_apart_never_ranked_and_never_win() {
    let attempts = [
        attempt("e-1", "excluded", 10, Some(3), 0, 5),
        attempt("s-1", "staff", 10, Some(2), 0, 50),
        attempt("s-0", "staff", 3, Some(2), 0, 5),
        attempt("a-1", "a", 10, Some(2), 0, 100),
        attempt("b-1", "b", 10, Some(1), 0, 200),
        attempt("d-1", "cheat", 10, Some(1), 0, 1),
    ];
    let ineligible = HashMap::from([
        ("staff".to_owned(), Ineligibility::Staff),
        ("excluded".to_owned(), Ineligibility::Excluded),
        ("cheat".to_owned(), Ineligibility::Disqualified),
        ("no-attempts".to_owned(), Ineligibility::Staff),
    ]);
    let tiers = [
        tier("first", 1, 100),
        tier("second", 1, 50),
        tier("third", 9, 10),
    ];
    let mut rules = rules(&ALL_KEYS, &tiers);
    rules.actual = ActualFigure::Participants; // a and b: 2
    let ranking = rank(&attempts, &ineligible, &rules);
    assert_eq!(ranking.actual_figure, 2);
    assert_eq!(users(&ranking), ["a", "b"]);
    assert_eq!(prizes(&ranking), [Some(0), Some(1)]);
    // "excluded" sits between a and b in chain order; b is still compared with a.
    assert_eq!(decided(&ranking), [None, Some(DecidedBy::Prediction)]);
    assert_eq!(
        ranking.ineligible,
        [
            IneligibleRow {
                user_id: "staff".into(),
                reason: Ineligibility::Staff,
                attempt_id: "s-1".into(),
                score: 10
            },
            IneligibleRow {
                user_id: "cheat".into(),
                reason: Ineligibility::Disqualified,
                attempt_id: "d-1".into(),
                score: 10
            },
            IneligibleRow {
                user_id: "excluded".into(),
                reason: Ineligibility::Excluded,
                attempt_id: "e-1".into(),
                score: 10
            },
        ]
    );
}

#[test]
fn prizes_go_down_the_ranking_tier_by_tier_one_per_person() {
    let attempts: Vec<_> = (0..8u32)
        .map(|i| attempt(&i.to_string(), &format!("u{i}"), 10 - i, Some(0), 0, 1))
        .collect();
    let tiers = [
        tier("Giải Nhất", 1, 5_000_000),
        tier("Giải Nhì", 1, 4_000_000),
        tier("Giải Ba", 1, 3_000_000),
        tier("Giải Khuyến khích", 3, 1_000_000),
    ];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &tiers));
    assert_eq!(
        prizes(&ranking),
        [
            Some(0),
            Some(1),
            Some(2),
            Some(3),
            Some(3),
            Some(3),
            None,
            None
        ]
    );
}

#[test]
fn tiers_stay_partly_or_wholly_unawarded_when_rows_run_out() {
    let attempts: Vec<_> = (0..4u32)
        .map(|i| attempt(&i.to_string(), &format!("u{i}"), 10 - i, None, 0, 1))
        .collect();
    let tiers = [tier("one", 1, 3), tier("five", 5, 2), tier("two", 2, 1)];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &tiers));
    assert_eq!(prizes(&ranking), [Some(0), Some(1), Some(1), Some(1)]);
    let none = rank(&[], &nobody(), &rules(&ALL_KEYS, &tiers));
    assert!(none.rows.is_empty() && none.ineligible.is_empty());
    assert_eq!(none.actual_figure, 0);
}

#[test]
fn a_tier_of_zero_prizes_awards_nothing() {
    let attempts: Vec<_> = (0..3u32)
        .map(|i| attempt(&i.to_string(), &format!("u{i}"), 10 - i, None, 0, 1))
        .collect();
    let tiers = [tier("none", 0, 9), tier("two", 2, 1)];
    let ranking = rank(&attempts, &nobody(), &rules(&ALL_KEYS, &tiers));
    assert_eq!(prizes(&ranking), [Some(1), Some(1), None]);
}

#[test]
fn extreme_values_neither_overflow_nor_misorder() {
    // Actual figure 2. |i64::MAX − 2| < |i64::MIN − 2|, and the latter exceeds i64.
    let attempts = [
        attempt("1", "low", 9, Some(i64::MIN), 0, 1),
        attempt("2", "high", 9, Some(i64::MAX), 0, 1),
    ];
    let mut rules = rules(&ALL_KEYS, &[]);
    rules.actual = ActualFigure::Participants;
    let ranking = rank(&attempts, &nobody(), &rules);
    assert_eq!(users(&ranking), ["high", "low"]);
    assert_eq!(ranking.rows[0].prediction_error, Some(i64::MAX - 2));
    assert_eq!(ranking.rows[1].prediction_error, Some(i64::MAX));

    // A duration of 2^64 − 1 ms does not wrap around to a short one.
    let attempts = [
        attempt("1", "endless", 9, None, i64::MIN, i64::MAX),
        attempt("2", "brief", 9, None, 0, 1),
    ];
    let ranking = rank(&attempts, &nobody(), &rules);
    assert_eq!(users(&ranking), ["brief", "endless"]);
    assert_eq!(ranking.rows[1].duration_ms, i64::MAX);
    assert_eq!(attempts[0].duration_ms(), i64::MAX);
}

#[test]
fn a_repeated_attempt_id_does_not_make_the_result_depend_on_input_order() {
    let one = attempt("same", "u", 4, None, 0, 10);
    let other = attempt("same", "u", 7, None, 0, 10);
    let mut rules = rules(&[Duration], &[]);
    for counted in [CountedAttempt::First, CountedAttempt::Best] {
        rules.counted = counted;
        let forward = rank(&[one.clone(), other.clone()], &nobody(), &rules);
        let backward = rank(&[other.clone(), one.clone()], &nobody(), &rules);
        assert_eq!(forward, backward);
    }
}

/// Shaped like "Tìm hiểu về Sếu đầu đỏ": 18,670 participants, 20 questions, tiers
/// 1/1/1/3, the default chain, and a top six separated by each key in turn.
#[test]
fn a_contest_shaped_like_the_red_crowned_crane_quiz() {
    const SEED: &str = "sếu-đầu-đỏ-2024";
    const Q: u32 = 20;
    const T0: i64 = 1_732_986_000_000; // 2024-12-01T00:00:00+07:00
    const HOUR: i64 = 3_600_000;
    let run =
        |id: &str, user: &str, score: u32, prediction: Option<i64>, start, ms| AttemptRecord {
            attempt_id: id.to_owned(),
            user_id: user.to_owned(),
            score,
            question_count: Q,
            prediction,
            started_at_ms: start,
            submitted_at_ms: start + ms,
        };
    // 150 eligible participants get 20/20, so the actual figure is 150.
    let mut attempts = vec![
        run("a-top-1-1", "u-top-1", 19, Some(150), T0 + HOUR, 100_000),
        run(
            "a-top-1-2",
            "u-top-1",
            20,
            Some(150),
            T0 + 2 * HOUR,
            183_042,
        ),
        // Only the prediction separates 2 from 1 (2 was even faster).
        run("a-top-2", "u-top-2", 20, Some(151), T0 + 3 * HOUR, 120_000),
        // Same error from below; only the duration separates 3 from 2.
        run("a-top-3", "u-top-3", 20, Some(149), T0 + 4 * HOUR, 150_000),
        // Same error and duration as 3, submitted later; identical to each other.
        run("a-top-4", "u-top-4", 20, Some(151), T0 + 5 * HOUR, 150_000),
        run("a-top-5", "u-top-5", 20, Some(151), T0 + 5 * HOUR, 150_000),
        run("a-top-6", "u-top-6", 20, Some(148), T0 + 6 * HOUR, 90_000),
        run("a-top-7", "u-top-7", 20, Some(153), T0 + 7 * HOUR, 60_000),
        // Not eligible, though perfect and quick: listed apart, not counted in 150.
        run("a-cheat", "u-cheat", 20, Some(150), T0, 5_000),
        run("a-org", "u-staff-organiser", 20, Some(150), T0, 30_000),
        run("a-adm", "u-staff-admin", 20, Some(150), T0, 40_000),
        run("a-com", "u-committee", 20, Some(150), T0, 50_000),
    ];
    for i in 0..18_663_i64 {
        let user = format!("u-{i:05}");
        let start = T0 + (i * 46_271) % (240 * HOUR);
        let (score, prediction) = if i < 143 {
            // Perfect but further off: error 4 or more, or no prediction at all.
            (Q, (i % 7 != 0).then_some(154 + i))
        } else {
            (u32::try_from(i % 20).unwrap(), Some(i % 400))
        };
        let ms = 60_000 + (i * 7_919) % 540_000;
        attempts.push(run(
            &format!("a-{i:05}-1"),
            &user,
            score,
            prediction,
            start,
            ms,
        ));
        if i % 5 == 0 {
            let again = run(&format!("a-{i:05}-2"), &user, 3, None, start + HOUR, ms);
            attempts.push(again);
        }
    }
    let ineligible = HashMap::from([
        ("u-staff-organiser".to_owned(), Ineligibility::Staff),
        ("u-staff-admin".to_owned(), Ineligibility::Staff),
        ("u-committee".to_owned(), Ineligibility::Excluded),
        ("u-cheat".to_owned(), Ineligibility::Disqualified),
    ]);
    let tiers = [
        tier("Giải Nhất", 1, 5_000_000),
        tier("Giải Nhì", 1, 4_000_000),
        tier("Giải Ba", 1, 3_000_000),
        tier("Giải Khuyến khích", 3, 1_000_000),
    ];
    let rules = RankingRules {
        chain: &TieBreakKey::DEFAULT_CHAIN,
        counted: CountedAttempt::Best,
        actual: ActualFigure::AllCorrectParticipants,
        prediction_enabled: true,
        draw_seed: SEED,
        prizes: &tiers,
    };
    let ranking = rank(&attempts, &ineligible, &rules);

    assert_eq!(ranking.actual_figure, 150);
    assert_eq!(ranking.rows.len(), 18_670);
    // The draw, not the name, puts u-top-5 ahead of its exact equal u-top-4.
    assert!(draw_key(SEED, "u-top-5") < draw_key(SEED, "u-top-4"));
    let top: Vec<_> = ranking.rows[..7]
        .iter()
        .map(|r| {
            let prize = r.prize.map(|p| tiers[p].name.as_str());
            (r.rank, r.user_id.as_str(), r.decided_by, prize)
        })
        .collect();
    assert_eq!(
        top,
        [
            (1, "u-top-1", None, Some("Giải Nhất")),
            (2, "u-top-2", Some(DecidedBy::Prediction), Some("Giải Nhì")),
            (3, "u-top-3", Some(DecidedBy::Duration), Some("Giải Ba")),
            (
                4,
                "u-top-5",
                Some(DecidedBy::SubmittedAt),
                Some("Giải Khuyến khích")
            ),
            (
                5,
                "u-top-4",
                Some(DecidedBy::Draw),
                Some("Giải Khuyến khích")
            ),
            (
                6,
                "u-top-6",
                Some(DecidedBy::Prediction),
                Some("Giải Khuyến khích")
            ),
            (7, "u-top-7", Some(DecidedBy::Prediction), None),
        ]
    );
    let winner = &ranking.rows[0];
    assert_eq!(winner.attempt_id, "a-top-1-2");
    assert_eq!(
        (
            winner.score,
            winner.question_count,
            winner.prediction_error,
            winner.duration_ms
        ),
        (20, 20, Some(0), 183_042)
    );
    let paid: i64 = ranking
        .rows
        .iter()
        .filter_map(|r| r.prize.map(|p| tiers[p].amount))
        .sum();
    assert_eq!(paid, 15_000_000);
    assert_eq!(ranking.rows.iter().filter(|r| r.prize.is_some()).count(), 6);

    let listed: Vec<_> = ranking
        .ineligible
        .iter()
        .map(|r| (r.user_id.as_str(), r.reason, r.score))
        .collect();
    assert_eq!(
        listed,
        [
            ("u-cheat", Ineligibility::Disqualified, 20),
            ("u-staff-organiser", Ineligibility::Staff, 20),
            ("u-staff-admin", Ineligibility::Staff, 20),
            ("u-committee", Ineligibility::Excluded, 20),
        ]
    );
    assert!(
        ranking
            .rows
            .iter()
            .all(|r| !ineligible.contains_key(&r.user_id))
    );

    attempts.reverse();
    assert_eq!(rank(&attempts, &ineligible, &rules), ranking);
}

// ---- Properties over generated contests -------------------------------------------

/// A generated contest; small ranges so that ties on every key are frequent.
#[derive(Debug, Clone)]
struct Contest {
    attempts: Vec<AttemptRecord>,
    ineligible: HashMap<String, Ineligibility>,
    chain: Vec<TieBreakKey>,
    counted: CountedAttempt,
    actual: ActualFigure,
    prediction_enabled: bool,
    seed: String,
    prizes: Vec<PrizeTier>,
}

impl Contest {
    fn rules(&self) -> RankingRules<'_> {
        RankingRules {
            chain: &self.chain,
            counted: self.counted,
            actual: self.actual,
            prediction_enabled: self.prediction_enabled,
            draw_seed: &self.seed,
            prizes: &self.prizes,
        }
    }

    fn rank(&self) -> Ranking {
        rank(&self.attempts, &self.ineligible, &self.rules())
    }
}

prop_compose! {
    fn arb_attempt(index: usize)(
        user in 0..8u8,
        question_count in prop_oneof![4 => Just(3u32), 1 => 0..=3u32],
        score in 0..=3u32,
        prediction in proptest::option::of(0..6i64),
        started_at_ms in 0..5i64,
        duration in 0..4i64,
        id_prefix in 0..3u8,
    ) -> AttemptRecord {
        AttemptRecord {
            // Unique, as database ids are, but not in input order.
            attempt_id: format!("a{id_prefix}-{index:03}"),
            user_id: format!("u{user}"),
            score: score.min(question_count),
            question_count,
            prediction,
            started_at_ms,
            submitted_at_ms: started_at_ms + duration,
        }
    }
}

fn arb_attempts() -> impl Strategy<Value = Vec<AttemptRecord>> {
    (0..40usize).prop_flat_map(|n| (0..n).map(arb_attempt).collect::<Vec<_>>())
}

fn arb_reason() -> impl Strategy<Value = Ineligibility> {
    prop_oneof![
        Just(Ineligibility::Staff),
        Just(Ineligibility::Excluded),
        Just(Ineligibility::Disqualified),
    ]
}

prop_compose! {
    fn arb_contest()(
        attempts in arb_attempts(),
        // u8 and u9 never attempt: listing them must change nothing.
        ineligible in proptest::collection::hash_map(
            (0..10u8).prop_map(|u| format!("u{u}")), arb_reason(), 0..4),
        (shuffled, length) in (Just(ALL_KEYS.to_vec()).prop_shuffle(), 0..=4usize),
        // Now and then a key twice, which must change nothing.
        repeat in proptest::option::weighted(0.2, 0..4usize),
        counted in prop_oneof![Just(CountedAttempt::Best), Just(CountedAttempt::First)],
        actual in prop_oneof![
            Just(ActualFigure::AllCorrectParticipants),
            Just(ActualFigure::Participants),
        ],
        prediction_enabled in any::<bool>(),
        seed in "[a-zđ]{0,3}",
        counts in proptest::collection::vec(0..4u32, 0..5),
    ) -> Contest {
        Contest {
            attempts,
            ineligible,
            chain: shuffled[..length]
                .iter()
                .chain(repeat.and_then(|i| shuffled[..length].get(i)))
                .copied()
                .collect(),
            counted,
            actual,
            prediction_enabled,
            seed,
            prizes: counts
                .iter()
                .enumerate()
                .map(|(i, &count)| tier(&format!("T{i}"), count, 100 - i64::try_from(i).unwrap()))
                .collect(),
        }
    }
}

/// The chain with a disabled prediction key dropped, as the rules define it (repeats
/// are kept: they must not change anything).
fn effective(contest: &Contest) -> Vec<TieBreakKey> {
    contest
        .chain
        .iter()
        .copied()
        .filter(|&k| contest.prediction_enabled || k != Prediction)
        .collect()
}

/// `Less` when `a` ranks before `b` on `key`, written from the rules alone: i128
/// arithmetic and `Option`s rather than the module's encoding.
fn reference_compare(
    key: TieBreakKey,
    actual: i64,
    a: &AttemptRecord,
    b: &AttemptRecord,
) -> Ordering {
    let error = |r: &AttemptRecord| {
        r.prediction
            .map(|p| (i128::from(p) - i128::from(actual)).abs())
    };
    let duration = |r: &AttemptRecord| i128::from(r.submitted_at_ms) - i128::from(r.started_at_ms);
    match key {
        Score => b.score.cmp(&a.score),
        Prediction => match (error(a), error(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            // (Some, None) is Less: a missing prediction ranks last.
            (x, y) => x.is_none().cmp(&y.is_none()),
        },
        Duration => duration(a).cmp(&duration(b)),
        SubmittedAt => a.submitted_at_ms.cmp(&b.submitted_at_ms),
    }
}

fn reference_first_difference(
    chain: &[TieBreakKey],
    actual: i64,
    a: &AttemptRecord,
    b: &AttemptRecord,
) -> Option<(TieBreakKey, Ordering)> {
    chain.iter().find_map(|&key| {
        let order = reference_compare(key, actual, a, b);
        order.is_ne().then_some((key, order))
    })
}

fn reference_chain(
    chain: &[TieBreakKey],
    actual: i64,
    a: &AttemptRecord,
    b: &AttemptRecord,
) -> Ordering {
    reference_first_difference(chain, actual, a, b).map_or(Ordering::Equal, |(_, o)| o)
}

/// A deliberately naive implementation of the rules, to compare against.
fn reference_rank(contest: &Contest) -> Ranking {
    let chain = effective(contest);
    let mut by_user: BTreeMap<&str, Vec<&AttemptRecord>> = BTreeMap::new();
    for a in &contest.attempts {
        by_user.entry(&a.user_id).or_default().push(a);
    }
    let perfect = |a: &AttemptRecord| a.question_count > 0 && a.score == a.question_count;
    let by_start = |a: &&AttemptRecord, b: &&AttemptRecord| {
        (a.started_at_ms, &a.attempt_id).cmp(&(b.started_at_ms, &b.attempt_id))
    };
    let first = |list: &[&AttemptRecord]| -> AttemptRecord {
        (*list.iter().min_by(|a, b| by_start(a, b)).unwrap()).clone()
    };
    let eligible: Vec<_> = by_user
        .iter()
        .filter(|(u, _)| !contest.ineligible.contains_key(**u))
        .collect();
    let actual = match contest.actual {
        ActualFigure::Participants => eligible.len(),
        ActualFigure::AllCorrectParticipants => eligible
            .iter()
            .filter(|(_, list)| match contest.counted {
                CountedAttempt::Best => list.iter().any(|a| perfect(a)),
                CountedAttempt::First => perfect(&first(list)),
            })
            .count(),
    } as i64;
    let mut counted: Vec<AttemptRecord> = by_user
        .values()
        .map(|list| match contest.counted {
            CountedAttempt::First => first(list),
            CountedAttempt::Best => (*list
                .iter()
                .min_by(|a, b| reference_chain(&chain, actual, a, b).then_with(|| by_start(a, b)))
                .unwrap())
            .clone(),
        })
        .collect();
    counted.sort_by(|a, b| {
        reference_chain(&chain, actual, a, b).then_with(|| {
            draw_key(&contest.seed, &a.user_id).cmp(&draw_key(&contest.seed, &b.user_id))
        })
    });
    let mut tiers: Vec<usize> = Vec::new();
    for (i, t) in contest.prizes.iter().enumerate() {
        for _ in 0..t.count {
            tiers.push(i);
        }
    }
    let mut ranking = Ranking {
        actual_figure: actual,
        rows: vec![],
        ineligible: vec![],
    };
    let mut above: Option<AttemptRecord> = None;
    for a in counted {
        if let Some(&reason) = contest.ineligible.get(&a.user_id) {
            ranking.ineligible.push(IneligibleRow {
                user_id: a.user_id.clone(),
                reason,
                attempt_id: a.attempt_id.clone(),
                score: a.score,
            });
            continue;
        }
        let decided_by = above.as_ref().map(|above| {
            match reference_first_difference(&chain, actual, above, &a) {
                Some((key, _)) => DecidedBy::from(key),
                None => DecidedBy::Draw,
            }
        });
        let n = ranking.rows.len();
        ranking.rows.push(RankedRow {
            rank: n as u32 + 1,
            user_id: a.user_id.clone(),
            attempt_id: a.attempt_id.clone(),
            score: a.score,
            question_count: a.question_count,
            prediction: a.prediction,
            prediction_error: a
                .prediction
                .filter(|_| contest.prediction_enabled)
                .map(|p| (p - actual).abs()),
            duration_ms: a.submitted_at_ms - a.started_at_ms,
            submitted_at_ms: a.submitted_at_ms,
            decided_by,
            prize: tiers.get(n).copied(),
        });
        above = Some(a);
    }
    ranking
}

/// Compares two ranked rows on one key, from the rows' own fields.
fn compare_rows_on(key: TieBreakKey, actual: i64, a: &RankedRow, b: &RankedRow) -> Ordering {
    let error = |r: &RankedRow| {
        r.prediction
            .map(|p| (i128::from(p) - i128::from(actual)).abs())
    };
    match key {
        Score => b.score.cmp(&a.score),
        Prediction => match (error(a), error(b)) {
            (Some(x), Some(y)) => x.cmp(&y),
            (x, y) => x.is_none().cmp(&y.is_none()),
        },
        Duration => a.duration_ms.cmp(&b.duration_ms),
        SubmittedAt => a.submitted_at_ms.cmp(&b.submitted_at_ms),
    }
}

fn contest_and_shuffled_attempts() -> impl Strategy<Value = (Contest, Vec<AttemptRecord>)> {
    arb_contest().prop_flat_map(|contest| {
        let attempts = contest.attempts.clone();
        (Just(contest), Just(attempts).prop_shuffle())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_ranking_does_not_depend_on_the_order_of_attempts(
        (contest, shuffled) in contest_and_shuffled_attempts()
    ) {
        let reordered = Contest { attempts: shuffled, ..contest.clone() };
        prop_assert_eq!(reordered.rank(), contest.rank());
    }

    #[test]
    fn sixteen_byte_ids_rank_exactly_as_their_text(contest in arb_contest()) {
        // Each id becomes a UUID (from its SHA-256); the ranking of the UUIDs and the
        // ranking of their text must be the same, row for row.
        let uuid_of = |id: &str| {
            let h = Sha256::digest(id.as_bytes());
            uuid::Uuid::from_slice(&h[..16]).unwrap()
        };
        let as_uuid: Vec<AttemptRecord<uuid::Uuid>> =
            contest.attempts.iter().map(|a| a.map_ids(|id| uuid_of(id))).collect();
        let as_text: Vec<AttemptRecord> =
            as_uuid.iter().map(|a| a.map_ids(|id| id.to_string())).collect();
        let inel_uuid: HashMap<uuid::Uuid, Ineligibility> =
            contest.ineligible.iter().map(|(u, r)| (uuid_of(u), *r)).collect();
        let inel_text: HashMap<String, Ineligibility> =
            inel_uuid.iter().map(|(u, r)| (u.to_string(), *r)).collect();
        let rules = contest.rules();
        let by_uuid = rank_owned(as_uuid, &inel_uuid, &rules);
        let by_text = rank(&as_text, &inel_text, &rules);
        prop_assert_eq!(by_uuid.actual_figure, by_text.actual_figure);
        let rows: Vec<RankedRow> = by_uuid.rows.iter().map(RankedRow::text).collect();
        prop_assert_eq!(&rows, &by_text.rows);
        let ids = |r: &Ranking<uuid::Uuid>| -> Vec<(String, Ineligibility)> {
            r.ineligible.iter().map(|i| (i.user_id.to_string(), i.reason)).collect()
        };
        let text_ids: Vec<(String, Ineligibility)> =
            by_text.ineligible.iter().map(|i| (i.user_id.clone(), i.reason)).collect();
        prop_assert_eq!(ids(&by_uuid), text_ids);
        prop_assert_eq!(
            crate::domain::results::digest("c", &contest.seed, &by_uuid),
            crate::domain::results::digest("c", &contest.seed, &by_text)
        );
    }

    #[test]
    fn ranking_twice_gives_the_same_result(contest in arb_contest()) {
        prop_assert_eq!(contest.rank(), contest.rank());
    }

    #[test]
    fn hash_collisions_between_user_ids_change_nothing(contest in arb_contest()) {
        let rules = contest.rules();
        let expected = contest.rank();
        for hash in [|_: &String| 0, |id: &String| u64::from(id.as_bytes()[id.len() - 1] % 3)] {
            let ranking = rank_grouping_by(hash, contest.attempts.clone(), &contest.ineligible, &rules);
            prop_assert_eq!(&ranking, &expected);
        }
    }

    #[test]
    fn the_ranking_matches_a_naive_reading_of_the_rules(contest in arb_contest()) {
        prop_assert_eq!(contest.rank(), reference_rank(&contest));
    }

    #[test]
    fn rows_follow_the_chain_then_the_draw_and_say_what_decided(contest in arb_contest()) {
        let ranking = contest.rank();
        let chain = effective(&contest);
        for (i, row) in ranking.rows.iter().enumerate() {
            prop_assert_eq!(row.rank as usize, i + 1);
        }
        if let Some(first) = ranking.rows.first() {
            prop_assert_eq!(first.decided_by, None);
        }
        for pair in ranking.rows.windows(2) {
            let (above, below) = (&pair[0], &pair[1]);
            let difference = chain.iter().copied().find(|&k| {
                compare_rows_on(k, ranking.actual_figure, above, below).is_ne()
            });
            match difference {
                Some(key) => {
                    prop_assert_eq!(
                        compare_rows_on(key, ranking.actual_figure, above, below),
                        Ordering::Less
                    );
                    prop_assert_eq!(below.decided_by, Some(DecidedBy::from(key)));
                }
                None => {
                    prop_assert!(
                        draw_key(&contest.seed, &above.user_id)
                            < draw_key(&contest.seed, &below.user_id)
                    );
                    prop_assert_eq!(below.decided_by, Some(DecidedBy::Draw));
                }
            }
        }
    }

    #[test]
    fn each_tier_gets_what_is_left_and_only_eligible_people_win_once(contest in arb_contest()) {
        let ranking = contest.rank();
        let mut remaining = ranking.rows.len();
        for (i, tier) in contest.prizes.iter().enumerate() {
            let awarded = ranking.rows.iter().filter(|r| r.prize == Some(i)).count();
            prop_assert_eq!(awarded, (tier.count as usize).min(remaining));
            remaining -= awarded;
        }
        let winners: Vec<_> = ranking.rows.iter().filter(|r| r.prize.is_some()).collect();
        let distinct: HashSet<_> = winners.iter().map(|r| &r.user_id).collect();
        prop_assert_eq!(distinct.len(), winners.len());
        for row in &ranking.rows {
            prop_assert!(!contest.ineligible.contains_key(&row.user_id));
        }
        // Prizes are handed out from the top, tier by tier.
        let handed: Vec<_> = ranking.rows.iter().map(|r| r.prize).collect();
        let mut sorted = handed.clone();
        sorted.sort_by_key(|p| p.map_or(usize::MAX, |t| t));
        prop_assert_eq!(handed, sorted);
    }

    #[test]
    fn everyone_who_took_part_is_listed_once_with_one_of_their_attempts(
        contest in arb_contest()
    ) {
        let ranking = contest.rank();
        let took_part: HashSet<&str> =
            contest.attempts.iter().map(|a| a.user_id.as_str()).collect();
        let mut listed: Vec<&str> = ranking.rows.iter().map(|r| r.user_id.as_str()).collect();
        listed.extend(ranking.ineligible.iter().map(|r| r.user_id.as_str()));
        prop_assert_eq!(listed.len(), took_part.len());
        prop_assert_eq!(listed.iter().copied().collect::<HashSet<_>>(), took_part);
        for row in &ranking.ineligible {
            prop_assert_eq!(Some(&row.reason), contest.ineligible.get(&row.user_id));
        }
        for row in &ranking.rows {
            let own = contest.attempts.iter().any(|a| {
                a.attempt_id == row.attempt_id && a.user_id == row.user_id && a.score == row.score
            });
            prop_assert!(own);
        }
    }
}

// ---- Performance ------------------------------------------------------------------

/// xorshift64*: enough randomness for a benchmark, and no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.below(u64::MAX), self.below(u64::MAX));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }
}

/// Time this thread has spent on a CPU, where Linux tells it.
fn thread_cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1_000_000)
}

/// `cargo test --release -- --ignored --nocapture ranking_a_million`
#[test]
#[ignore = "benchmark; run in release"]
fn ranking_a_million_attempts_by_430_000_users_takes_well_under_a_second() {
    const USERS: usize = 430_000;
    const ATTEMPTS: usize = 1_000_000;
    const T0: i64 = 1_732_986_000_000;
    let mut rng = Rng(0x5eed_c4a7_e5eb_0001);
    let users: Vec<String> = (0..USERS).map(|_| rng.uuid()).collect();
    let attempts: Vec<AttemptRecord> = (0..ATTEMPTS)
        .map(|i| {
            let user = if i < USERS {
                i
            } else {
                rng.below(USERS as u64) as usize
            };
            let started_at_ms = T0 + rng.below(10 * 86_400_000) as i64;
            AttemptRecord {
                attempt_id: rng.uuid(),
                user_id: users[user].clone(),
                score: rng.below(21) as u32,
                question_count: 20,
                prediction: (rng.below(20) != 0).then(|| rng.below(20_000) as i64),
                started_at_ms,
                submitted_at_ms: started_at_ms + 30_000 + rng.below(570_000) as i64,
            }
        })
        .collect();
    let ineligible: HashMap<String, Ineligibility> = users[..100]
        .iter()
        .map(|u| (u.clone(), Ineligibility::Staff))
        .collect();
    let tiers = [
        tier("Nhất", 1, 5),
        tier("Nhì", 1, 4),
        tier("Ba", 1, 3),
        tier("KK", 3, 1),
    ];
    for counted in [CountedAttempt::Best, CountedAttempt::First] {
        let rules = RankingRules {
            chain: &TieBreakKey::DEFAULT_CHAIN,
            counted,
            actual: ActualFigure::AllCorrectParticipants,
            prediction_enabled: true,
            draw_seed: "benchmark-seed",
            prizes: &tiers,
        };
        let mut times = Vec::new();
        for _ in 0..3 {
            let (wall, cpu) = (Instant::now(), thread_cpu_ms());
            let ranking = rank(&attempts, &ineligible, &rules);
            let (wall, cpu) = (wall.elapsed(), thread_cpu_ms().zip(cpu).map(|(b, a)| b - a));
            assert_eq!(ranking.rows.len() + ranking.ineligible.len(), USERS);
            times.push((wall, cpu));
        }
        // On-CPU time as well as wall time: the machine may be shared with a build.
        println!("{counted:?}: (wall, on-CPU ms) {times:?}");
        let fastest = times.iter().map(|t| t.0).min().unwrap();
        assert!(fastest.as_secs_f64() < 1.0);
    }
}
