//! Group commit (`store::writes`): writes queued together commit in one
//! transaction, keep the meaning they have one by one, and a bad one fails
//! alone. The writes are queued straight into the store, all before the
//! writer runs (the test's runtime has one thread), so each test knows which
//! batch it made.

mod common;
use common::TestApp;
use crane::domain::account::Role;
use crane::domain::attempt::{self, Attempt, AttemptStatus, DrawnQuestion, MarkedAnswer};
use crane::domain::ids::{AttemptId, ContestId, UserId};
use crane::store::attempts::{self as store, CloseOutcome, Marking, StartOutcome};
use crane::store::writes::{Autosave, Close, Start, Started};
use futures_util::future::join_all;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// The test's rule: the first option shown is the right one.
struct FirstShownIsRight;

impl Marking for FirstShownIsRight {
    fn mark<'p>(
        &self,
        paper: &'p [DrawnQuestion<String>],
        given: &HashMap<String, u32>,
    ) -> (u32, Vec<MarkedAnswer<'p, String>>) {
        attempt::mark(paper, given, |q| {
            paper
                .iter()
                .find(|d| &d.question == q)
                .map(|d| d.options[0])
        })
    }
}

fn close(a: &Attempt, answers: Vec<(String, u32)>, prediction: Option<i64>, now: i64) -> Close {
    Close {
        attempt: a.clone(),
        answers,
        prediction,
        marking: Arc::new(FirstShownIsRight),
        status: AttemptStatus::Submitted,
        submitted_at: now,
    }
}

/// The first `right` questions answered with their first shown option, the
/// rest with their second.
fn answers(a: &Attempt, right: usize) -> Vec<(String, u32)> {
    a.paper
        .iter()
        .enumerate()
        .map(|(i, d)| (d.question.clone(), d.options[usize::from(i >= right)]))
        .collect()
}

/// A published contest and `n` participants with an open attempt each.
async fn open_attempts(app: &TestApp, n: usize) -> Vec<Attempt> {
    let org = app.staff(Role::Organiser).await;
    let contest = app
        .published_contest(&org, json!({"max_attempts": 2}), 20)
        .await;
    let mut out = Vec::new();
    for _ in 0..n {
        let (token, _) = app.participant().await;
        let r = app.start(&token, &contest).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = AttemptId::parse(r.body["attempt"]["id"].as_str().unwrap()).unwrap();
        out.push(store::find(&app.state.db.conn, id).await.unwrap().unwrap());
    }
    out
}

#[tokio::test(flavor = "current_thread")]
async fn submits_queued_together_commit_once_and_a_repeated_one_gets_the_stored_result() {
    let app = TestApp::spawn().await;
    let attempts = open_attempts(&app, 30).await;
    let writes = app.state.db.writes().unwrap();
    let now = app.now();
    let n = attempts[0].paper.len();
    assert!(n >= 2);
    let before = writes.commits();

    let mut queued: Vec<_> = attempts
        .iter()
        .enumerate()
        .map(|(i, a)| writes.close(close(a, answers(a, i % (n + 1)), Some(i as i64), now)))
        .collect();
    // The same attempt again, in the same batch, with other answers.
    queued.push(writes.close(close(&attempts[0], answers(&attempts[0], n), None, now)));
    let outcomes = join_all(queued).await;

    assert_eq!(writes.commits() - before, 1, "31 closes, one transaction");
    for (i, outcome) in outcomes.iter().take(30).enumerate() {
        let Ok(CloseOutcome::Closed(done)) = outcome else {
            panic!("close {i} did not close");
        };
        assert_eq!(done.score, Some((i % (n + 1)) as i64));
        assert_eq!(done.prediction, Some(i as i64));
        let stored = store::find(&app.state.db.conn, done.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, AttemptStatus::Submitted);
        assert_eq!(
            (stored.score, stored.prediction),
            (done.score, done.prediction)
        );
        let marked = store::answers(&app.state.db.conn, done.id).await.unwrap();
        assert_eq!(marked.len(), n, "every answer stored with the attempt");
    }
    let Ok(CloseOutcome::AlreadyClosed(again)) = &outcomes[30] else {
        panic!("the repeated submit closed the attempt a second time");
    };
    assert_eq!((again.score, again.prediction), (Some(0), Some(0)));
}

#[tokio::test(flavor = "current_thread")]
async fn a_write_that_fails_in_a_batch_fails_alone_and_the_others_commit() {
    let app = TestApp::spawn().await;
    let attempts = open_attempts(&app, 10).await;
    let writes = app.state.db.writes().unwrap();
    let now = app.now();
    // An attempt that was never stored: closing it is an error.
    let ghost = Attempt {
        id: AttemptId::new(),
        ..attempts[0].clone()
    };
    let mut queued: Vec<_> = attempts
        .iter()
        .map(|a| writes.close(close(a, answers(a, 2), None, now)))
        .collect();
    queued.insert(
        4,
        writes.close(close(&ghost, answers(&ghost, 5), None, now)),
    );
    let outcomes = join_all(queued).await;

    assert!(outcomes[4].is_err(), "the ghost's close must fail");
    for (i, outcome) in outcomes.iter().enumerate().filter(|(i, _)| *i != 4) {
        assert!(
            matches!(outcome, Ok(CloseOutcome::Closed(a)) if a.score == Some(2)),
            "close {i} was lost with the bad one"
        );
    }
    for a in &attempts {
        let stored = store::find(&app.state.db.conn, a.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.status, stored.score),
            (AttemptStatus::Submitted, Some(2))
        );
    }
    assert!(
        store::find(&app.state.db.conn, ghost.id)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn starts_of_one_person_in_one_batch_give_one_attempt_and_the_limit_holds() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let contest = app
        .published_contest(&org, json!({"max_attempts": 1}), 20)
        .await;
    let contest_id = ContestId::parse(&contest).unwrap();
    let mut people = Vec::new();
    for _ in 0..8 {
        let (token, _) = app.participant().await;
        let me = app.get("/me", Some(&token)).await;
        people.push(UserId::parse(me.body["user"]["id"].as_str().unwrap()).unwrap());
    }
    let writes = app.state.db.writes().unwrap();
    let now = app.now();
    let paper = vec![DrawnQuestion {
        question: "q".to_owned(),
        options: vec![1, 2],
    }];
    let start = |user: UserId| Start {
        contest_id,
        user_id: user,
        max_attempts: 1,
        paper: paper.clone(),
        started_at: now,
        deadline: now + 60_000,
    };
    let before = writes.commits();
    // Each person three times in the same batch.
    let queued: Vec<_> = people
        .iter()
        .chain(&people)
        .chain(&people)
        .map(|u| writes.start(start(*u)))
        .collect();
    let outcomes = join_all(queued).await;
    assert_eq!(writes.commits() - before, 1);

    let mut ids: HashMap<UserId, Vec<(bool, AttemptId)>> = HashMap::new();
    for (k, outcome) in outcomes.into_iter().enumerate() {
        let user = people[k % people.len()];
        match outcome.unwrap() {
            Started::Done(StartOutcome::Started(a)) => {
                ids.entry(user).or_default().push((true, a.id))
            }
            Started::Done(StartOutcome::Resumed(a)) => {
                ids.entry(user).or_default().push((false, a.id))
            }
            _ => panic!("start {k} neither started nor resumed"),
        }
    }
    for (user, got) in &ids {
        assert!(got[0].0, "the first start of {user} starts");
        assert!(got[1..].iter().all(|(new, id)| !new && *id == got[0].1));
        let stored = store::for_user(&app.state.db, contest_id, *user)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
    }

    // Submitted, the one allowed attempt is used: the next start is refused.
    let a = store::for_user(&app.state.db, contest_id, people[0])
        .await
        .unwrap();
    writes.close(close(&a[0], vec![], None, now)).await.unwrap();
    let again = writes.start(start(people[0])).await.unwrap();
    assert!(matches!(again, Started::Done(StartOutcome::LimitReached)));
}

#[tokio::test(flavor = "current_thread")]
async fn an_autosave_and_a_submit_in_one_batch_score_the_autosaved_answers() {
    let app = TestApp::spawn().await;
    let attempts = open_attempts(&app, 2).await;
    let writes = app.state.db.writes().unwrap();
    let now = app.now();
    let a = &attempts[0];
    let n = a.paper.len();
    let all_right = answers(a, n);
    let before = writes.commits();
    // Half the answers autosaved (and the prediction), the rest sent with the submit.
    let (saved, sent) = all_right.split_at(n / 2);
    let autosave = writes.autosave(Autosave {
        attempt_id: a.id,
        contest_id: a.contest_id,
        answers: saved.to_vec(),
        prediction: Some(77),
        now,
    });
    let submit = writes.close(close(a, sent.to_vec(), None, now));
    // The other attempt: an autosave queued after its submit finds it closed.
    let b = &attempts[1];
    let submit_b = writes.close(close(b, answers(b, 1), None, now));
    let late = writes.autosave(Autosave {
        attempt_id: b.id,
        contest_id: b.contest_id,
        answers: answers(b, n),
        prediction: None,
        now,
    });
    let (saved, submitted, submitted_b, late) = tokio::join!(autosave, submit, submit_b, late);
    assert_eq!(writes.commits() - before, 1);
    assert!(saved.unwrap());
    let Ok(CloseOutcome::Closed(done)) = submitted else {
        panic!("the submit did not close");
    };
    assert_eq!((done.score, done.prediction), (Some(n as i64), Some(77)));
    // Any order of one batch is a valid one: the writer runs autosaves first,
    // so the late autosave landed before the submit and was scored with it.
    assert!(late.unwrap());
    let Ok(CloseOutcome::Closed(done_b)) = submitted_b else {
        panic!("the second submit did not close");
    };
    assert_eq!(
        done_b.score,
        Some(1),
        "answers sent with a submit override autosaved ones"
    );
}

#[tokio::test]
async fn when_a_thousand_writes_are_in_progress_a_start_is_answered_503_with_retry_after() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let contest = app.published_contest(&org, json!({}), 20).await;
    let (token, _) = app.participant().await;
    let writes = app.state.db.writes().unwrap();
    // Every place taken, as by 1,024 phones mid-start.
    let mut held = Vec::new();
    while held.len() < 1024 {
        held.push(writes.admit().await.unwrap());
    }
    let r = app.start(&token, &contest).await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.code(), "server_busy");
    assert!(r.headers.get("retry-after").is_some());
    // Nothing was written: with room again, the start makes the first attempt.
    drop(held);
    let r = app.start(&token, &contest).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["attempt"]["attempt_number"], 1, "{}", r.text);
}
