//! Attempt rules: the server-side deadline, what is accepted when, the random
//! draw of questions (stratified by category) and scoring.

use super::clock::Millis;
use super::ids::{AttemptId, ContestId, UserId};
use super::{FieldError, Text};
use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use std::collections::{BTreeMap, HashMap};
use std::ops::RangeInclusive;

/// The most answers one autosave or submit may carry.
pub const MAX_ANSWERS: usize = 400;

/// The prediction a participant may give ("how many will answer every question right?").
pub const PREDICTION: RangeInclusive<i64> = 0..=1_000_000_000;

/// `deadline = min(started_at + time_limit, ends_at)`, from the server's clock only.
pub fn deadline(started_at: Millis, time_limit_seconds: u32, ends_at: Millis) -> Millis {
    (started_at + i64::from(time_limit_seconds) * 1000).min(ends_at)
}

/// Submits and autosaves are accepted until `deadline + grace` inclusive.
pub fn accepts_answers(now: Millis, deadline: Millis, grace_seconds: u32) -> bool {
    now <= deadline + i64::from(grace_seconds) * 1000
}

/// When an attempt closes without a submit, it counts as submitted at its deadline.
pub fn expired_submitted_at(deadline: Millis) -> Millis {
    deadline
}

/// One question of the bank as the draw sees it.
#[derive(Clone, Debug)]
pub struct BankEntry<'a, Q> {
    pub id: Q,
    pub category: Option<&'a str>,
    pub option_ids: &'a [u32],
}

/// One drawn question: its id and the order its options are shown in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawnQuestion<Q> {
    pub question: Q,
    pub options: Vec<u32>,
}

/// How many questions each category gets: proportional to its share of the bank
/// (largest remainder), remainders tied at random so no category is favoured.
pub fn category_quotas<R: Rng + ?Sized>(
    sizes: &BTreeMap<Option<&str>, usize>,
    k: usize,
    rng: &mut R,
) -> BTreeMap<Option<String>, usize> {
    let total: usize = sizes.values().sum();
    let mut out = BTreeMap::new();
    if total == 0 {
        return out;
    }
    let k = k.min(total);
    let mut rems: Vec<(Option<&str>, usize, u64)> = Vec::new();
    let mut given = 0;
    for (cat, &n) in sizes {
        let exact = k * n;
        let q = exact / total;
        given += q;
        out.insert(cat.map(str::to_owned), q);
        rems.push((*cat, exact % total, rng.random()));
    }
    // Largest fractional part first; random tie-break.
    rems.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    for (cat, _, _) in rems.iter().cycle().take(k - given) {
        if let Some(v) = out.get_mut(&cat.map(str::to_owned)) {
            *v += 1;
        }
    }
    out
}

/// Draws `k` distinct questions, stratified by category, in random order, each
/// with its options shuffled. `rng` must be seeded from the OS in production.
pub fn draw<Q: Clone, R: Rng + ?Sized>(
    bank: &[BankEntry<'_, Q>],
    k: usize,
    rng: &mut R,
) -> Vec<DrawnQuestion<Q>> {
    let mut by_cat: BTreeMap<Option<&str>, Vec<&BankEntry<'_, Q>>> = BTreeMap::new();
    for q in bank {
        by_cat.entry(q.category).or_default().push(q);
    }
    let sizes = by_cat.iter().map(|(c, v)| (*c, v.len())).collect();
    let quotas = category_quotas(&sizes, k, rng);
    let mut picked: Vec<&BankEntry<'_, Q>> = Vec::with_capacity(k);
    for (cat, entries) in by_cat.iter_mut() {
        let want = quotas.get(&cat.map(str::to_owned)).copied().unwrap_or(0);
        let (chosen, _) = entries.partial_shuffle(rng, want);
        picked.extend(chosen.iter().copied());
    }
    picked.shuffle(rng);
    picked
        .into_iter()
        .map(|q| {
            let mut options = q.option_ids.to_vec();
            options.shuffle(rng);
            DrawnQuestion {
                question: q.id.clone(),
                options,
            }
        })
        .collect()
}

/// One answer of a closed attempt, marked right or wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarkedAnswer<'a, Q> {
    pub question: &'a Q,
    pub option: u32,
    pub correct: bool,
}

/// Marks the answers given to the questions of `paper` (answers to other
/// questions are ignored) and counts the right ones: the score.
pub fn mark<'a, Q: std::hash::Hash + Eq>(
    paper: &'a [DrawnQuestion<Q>],
    answers: &HashMap<Q, u32>,
    correct: impl Fn(&Q) -> Option<u32>,
) -> (u32, Vec<MarkedAnswer<'a, Q>>) {
    let marked: Vec<_> = paper
        .iter()
        .filter_map(|dq| {
            let chosen = *answers.get(&dq.question)?;
            Some(MarkedAnswer {
                question: &dq.question,
                option: chosen,
                correct: correct(&dq.question) == Some(chosen),
            })
        })
        .collect();
    let score = marked.iter().filter(|m| m.correct).count() as u32;
    (score, marked)
}

/// Keeps only answers to `paper`'s own questions with their own options,
/// reporting any other as a problem naming the entry (`answers[i]…`); of a
/// question answered twice the last answer stands.
pub fn check_answers(
    paper: &[DrawnQuestion<String>],
    given: &[(String, u32)],
) -> Result<Vec<(String, u32)>, Vec<FieldError>> {
    if given.len() > MAX_ANSWERS {
        return Err(vec![FieldError::new(
            "answers",
            "too_many",
            Text::new(
                format!("Tối đa {MAX_ANSWERS} câu trả lời"),
                format!("at most {MAX_ANSWERS} answers"),
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut out: Vec<(String, u32)> = Vec::with_capacity(given.len());
    for (i, (question, option)) in given.iter().enumerate() {
        match paper.iter().find(|dq| dq.question == *question) {
            None => errors.push(FieldError::new(
                format!("answers[{i}].question_id"),
                "not_in_attempt",
                Text::new(
                    "Câu hỏi này không thuộc bài thi",
                    "this question is not part of the attempt",
                ),
            )),
            Some(dq) if !dq.options.contains(option) => errors.push(FieldError::new(
                format!("answers[{i}].option_id"),
                "not_an_option",
                Text::new(
                    "Phương án này không thuộc câu hỏi",
                    "this option does not belong to the question",
                ),
            )),
            Some(_) => {
                out.retain(|(q, _)| q != question);
                out.push((question.clone(), *option));
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The prediction an autosave carries: optional (absent keeps the stored
/// one), within [`PREDICTION`] when given, ignored when the contest does not
/// ask it.
pub fn check_autosaved_prediction(
    enabled: bool,
    given: Option<i64>,
) -> Result<Option<i64>, FieldError> {
    match given {
        Some(_) => check_prediction(enabled, given),
        None => Ok(None),
    }
}

/// The prediction a submit carries: required (within [`PREDICTION`]) when
/// the contest asks it, ignored when it does not.
pub fn check_prediction(enabled: bool, given: Option<i64>) -> Result<Option<i64>, FieldError> {
    match (enabled, given) {
        (true, None) => Err(FieldError::new(
            "prediction",
            "required",
            Text::new("Cần nhập dự đoán", "the prediction is required"),
        )),
        (true, Some(p)) if !PREDICTION.contains(&p) => {
            let (min, max) = (PREDICTION.start(), PREDICTION.end());
            Err(FieldError::new(
                "prediction",
                "out_of_range",
                Text::new(
                    format!("Dự đoán là số nguyên từ {min} đến {max}"),
                    format!("must be a whole number from {min} to {max}"),
                ),
            ))
        }
        (true, Some(p)) => Ok(Some(p)),
        (false, _) => Ok(None),
    }
}

/// Where an attempt stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptStatus {
    /// Started, answers still accepted (until deadline + grace).
    Open,
    /// Submitted by its owner and scored.
    Submitted,
    /// Closed by the server after deadline + grace, scored on its autosaved answers.
    Expired,
}

impl AttemptStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Open => "open",
            AttemptStatus::Submitted => "submitted",
            AttemptStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Submitted, Self::Expired]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// One attempt at a contest.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub id: AttemptId,
    pub contest_id: ContestId,
    pub user_id: UserId,
    /// 1 for the person's first attempt at the contest, then 2, 3, …
    pub seq: i64,
    pub status: AttemptStatus,
    pub started_at: Millis,
    pub deadline: Millis,
    pub submitted_at: Option<Millis>,
    pub score: Option<i64>,
    pub question_count: i64,
    pub prediction: Option<i64>,
    /// The drawn questions (bank question ids) with their options in shown order.
    pub paper: Vec<DrawnQuestion<String>>,
}

impl Attempt {
    pub fn is_open(&self) -> bool {
        self.status == AttemptStatus::Open
    }

    /// When it counts as submitted: its submit, or its deadline if the server closed it.
    pub fn submitted_or_deadline(&self) -> Millis {
        self.submitted_at.unwrap_or(self.deadline)
    }

    /// Submitted minus started.
    pub fn duration_ms(&self) -> i64 {
        self.submitted_or_deadline() - self.started_at
    }

    /// True while submits and autosaves are still accepted.
    pub fn accepts_answers(&self, now: Millis, grace_seconds: u32) -> bool {
        self.is_open() && accepts_answers(now, self.deadline, grace_seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn deadline_is_capped_by_the_end_of_the_contest() {
        assert_eq!(deadline(1_000, 600, 1_000_000), 601_000);
        assert_eq!(deadline(1_000, 600, 500_000), 500_000);
    }

    #[test]
    fn answers_are_accepted_until_deadline_plus_grace_to_the_millisecond() {
        let d = 601_000;
        assert!(accepts_answers(d + 15_000 - 1, d, 15));
        assert!(accepts_answers(d + 15_000, d, 15));
        assert!(!accepts_answers(d + 15_000 + 1, d, 15));
        assert!(!accepts_answers(d + 1, d, 0));
    }

    fn bank(cats: &[(&'static str, usize)]) -> (Vec<u32>, Vec<(u32, Option<&'static str>)>) {
        let opts = vec![1, 2, 3, 4];
        let mut out = Vec::new();
        let mut id = 0;
        for (c, n) in cats {
            for _ in 0..*n {
                out.push((id, if c.is_empty() { None } else { Some(*c) }));
                id += 1;
            }
        }
        (opts, out)
    }

    proptest! {
        #[test]
        fn the_draw_gives_k_distinct_questions_in_proportion_to_categories(
            sizes in prop::collection::vec(1usize..30, 1..5),
            k_frac in 0.0f64..1.0,
            seed in any::<u64>(),
        ) {
            let names = ["Sinh học", "Tràm Chim", "Bảo tồn", "Sinh thái", "Khác"];
            let cats: Vec<_> = sizes.iter().enumerate().map(|(i, n)| (names[i], *n)).collect();
            let (opts, entries) = bank(&cats);
            let bank: Vec<_> = entries.iter().map(|(id, c)| BankEntry { id: *id, category: *c, option_ids: &opts }).collect();
            let total = bank.len();
            let k = ((total as f64) * k_frac) as usize + 1;
            let k = k.min(total);
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let drawn = draw(&bank, k, &mut rng);
            prop_assert_eq!(drawn.len(), k);
            let ids: HashSet<_> = drawn.iter().map(|d| d.question).collect();
            prop_assert_eq!(ids.len(), k);
            for (i, (_, n)) in cats.iter().enumerate() {
                let start: usize = cats[..i].iter().map(|c| c.1).sum();
                let got = drawn.iter().filter(|d| (d.question as usize) >= start && (d.question as usize) < start + n).count();
                let exact = (k * n) as f64 / total as f64;
                prop_assert!(got as f64 >= exact.floor() && got as f64 <= exact.ceil(),
                    "category {} got {} of exact {}", i, got, exact);
            }
            for d in &drawn {
                let mut o = d.options.clone();
                o.sort();
                prop_assert_eq!(o, opts.clone());
            }
        }

        #[test]
        fn scoring_counts_exactly_the_right_answers(
            correct in prop::collection::vec(0u32..4, 1..40),
            given in prop::collection::vec(prop::option::of(0u32..4), 1..40),
        ) {
            let n = correct.len().min(given.len());
            let paper: Vec<DrawnQuestion<usize>> =
                (0..n).map(|i| DrawnQuestion { question: i, options: vec![0, 1, 2, 3] }).collect();
            let c: HashMap<usize, u32> = (0..n).map(|i| (i, correct[i])).collect();
            // Answers to questions outside the paper are ignored.
            let mut a: HashMap<usize, u32> = (0..n).filter_map(|i| given[i].map(|g| (i, g))).collect();
            a.insert(n + 1, 0);
            let expected = (0..n).filter(|&i| given[i] == Some(correct[i])).count() as u32;
            let (score, marked) = mark(&paper, &a, |q| c.get(q).copied());
            prop_assert_eq!(score, expected);
            prop_assert_eq!(marked.len(), (0..n).filter(|&i| given[i].is_some()).count());
            for m in &marked {
                prop_assert_eq!(m.correct, Some(m.option) == c.get(m.question).copied());
            }
        }
    }

    #[test]
    fn the_draw_is_not_biased_towards_any_question() {
        // 40 questions, 20 drawn, 20,000 draws: each question expected 10,000 times.
        let (opts, entries) = bank(&[("a", 40)]);
        let bank: Vec<_> = entries
            .iter()
            .map(|(id, c)| BankEntry {
                id: *id,
                category: *c,
                option_ids: &opts,
            })
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut counts = [0f64; 40];
        let draws = 20_000;
        for _ in 0..draws {
            for d in draw(&bank, 20, &mut rng) {
                counts[d.question as usize] += 1.0;
            }
        }
        let expected = draws as f64 * 20.0 / 40.0;
        let chi2: f64 = counts
            .iter()
            .map(|c| (c - expected).powi(2) / expected)
            .sum();
        // 39 degrees of freedom: p = 0.001 critical value is 72.05.
        assert!(chi2 < 72.05, "chi² = {chi2}");
    }
}
