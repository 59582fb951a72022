//! Reliability, part 5: races and replays against the real server — many
//! submits of one attempt at once, concurrent starts against max_attempts,
//! one person registering at once under many spellings of one phone.
//!
//! Counts: RELIABILITY_SUBMIT_ROUNDS (default 10), RELIABILITY_SUBMITS_PER_ROUND
//! (50), RELIABILITY_START_ROUNDS (default 1), RELIABILITY_REGISTER_ROUNDS (3).

mod common;
use common::{TestApp, answers_for, figures, knob};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

fn right_count(attempt: &Value, answers: &Value) -> i64 {
    let mut right_ids = HashSet::new();
    for q in attempt["questions"].as_array().unwrap() {
        for o in q["options"].as_array().unwrap() {
            if o["text"].as_str().unwrap().starts_with("Đúng") {
                right_ids.insert(o["id"].as_u64().unwrap());
            }
        }
    }
    answers
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| right_ids.contains(&a["option_id"].as_u64().unwrap()))
        .count() as i64
}

fn answer_set(answers: &Value) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = answers
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["question_id"].as_str().unwrap().to_owned(),
                a["option_id"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn fifty_concurrent_submits_of_one_attempt_score_it_exactly_once_in_every_round() {
    let app = Arc::new(TestApp::spawn().await);
    let org = app.staff(Role::Organiser).await;
    let contest = app
        .published_contest(
            &org,
            json!({"max_attempts": 100, "questions_per_attempt": 5}),
            12,
        )
        .await;
    let rounds = knob("RELIABILITY_SUBMIT_ROUNDS", 10);
    let per_round = knob("RELIABILITY_SUBMITS_PER_ROUND", 50);
    let (mut sent, mut server_errors, mut second_scores, mut mixed, mut replay_changes) =
        (0usize, 0usize, 0usize, 0usize, 0usize);
    let mut problems: Vec<String> = Vec::new();
    let mut token = String::new();
    for round in 0..rounds {
        if round % 100 == 0 {
            token = app.participant().await.0;
        }
        let r = app.start(&token, &contest).await;
        assert_eq!(r.status, 201, "round {round}: {}", r.text);
        let attempt = r.body["attempt"].clone();
        let aid = attempt["id"].as_str().unwrap().to_owned();
        let tasks: Vec<_> = (0..per_round)
            .map(|i| {
                let (app, token, aid, attempt) =
                    (app.clone(), token.clone(), aid.clone(), attempt.clone());
                tokio::spawn(async move {
                    let answers = answers_for(&attempt, i % 6);
                    let r = app.submit(&token, &aid, answers, Some(i as i64)).await;
                    (r.status.as_u16(), r.body)
                })
            })
            .collect();
        let mut results = HashSet::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            sent += 1;
            if status >= 500 {
                server_errors += 1;
                problems.push(format!("round {round}: {status} {body}"));
                continue;
            }
            if status != 200 {
                problems.push(format!(
                    "round {round}: a concurrent submit got {status} {body}"
                ));
                continue;
            }
            results.insert(body["attempt"].to_string());
        }
        if results.len() > 1 {
            second_scores += results.len() - 1;
            problems.push(format!("round {round}: different results {results:?}"));
        }
        // What is stored is one whole submission: its answers and its score.
        let stored = app.get(&format!("/attempts/{aid}"), Some(&token)).await;
        let a = &stored.body["attempt"];
        let score = a["result"]["score"].as_i64().unwrap_or(-1);
        let expected_answers = answer_set(&answers_for(&attempt, score.max(0) as usize));
        if a["status"] != "submitted"
            || right_count(&attempt, &a["answers"]) != score
            || answer_set(&a["answers"]) != expected_answers
            || a["result"]["prediction"].as_i64().map(|p| p as usize % 6) != Some(score as usize)
        {
            mixed += 1;
            problems.push(format!(
                "round {round}: stored attempt is not one submission: {a}"
            ));
        }
        if let Some(one) = results.iter().next() {
            let one: Value = serde_json::from_str(one).unwrap();
            if one != a["result"] {
                problems.push(format!(
                    "round {round}: answered and stored results differ: {one} vs {}",
                    a["result"]
                ));
            }
        }
        // Replays change nothing.
        let again = app
            .submit(&token, &aid, answers_for(&attempt, 5), Some(999))
            .await;
        let save = app.autosave(&token, &aid, answers_for(&attempt, 5)).await;
        let after = app.get(&format!("/attempts/{aid}"), Some(&token)).await;
        if again.status != 200
            || again.body["attempt"]["score"] != a["result"]["score"]
            || save.status != 409
            || after.body["attempt"]["result"] != a["result"]
            || after.body["attempt"]["answers"] != a["answers"]
        {
            replay_changes += 1;
            problems.push(format!(
                "round {round}: a replay changed something: submit {} {}, autosave {} {}",
                again.status, again.text, save.status, save.text
            ));
        }
    }
    figures(
        "races_submit",
        &[
            ("rounds", rounds.to_string()),
            ("submits", sent.to_string()),
            ("5xx", server_errors.to_string()),
            ("second_scores", second_scores.to_string()),
            ("mixed_submissions", mixed.to_string()),
            ("replay_changes", replay_changes.to_string()),
        ],
    );
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn concurrent_starts_never_exceed_max_attempts_and_give_one_open_attempt() {
    let app = Arc::new(TestApp::spawn().await);
    let org = app.staff(Role::Organiser).await;
    let max: usize = 3;
    let contest = app
        .published_contest(
            &org,
            json!({"max_attempts": max, "questions_per_attempt": 3}),
            12,
        )
        .await;
    let people = 5;
    let per_person = 20;
    let (mut sent, mut server_errors, mut over_limit) = (0usize, 0usize, 0usize);
    let mut problems = Vec::new();
    for _ in 0..knob("RELIABILITY_START_ROUNDS", 1) {
        let mut tokens = Vec::new();
        for _ in 0..people {
            tokens.push(app.participant().await.0);
        }
        for round in 0..=max {
            let tasks: Vec<_> = tokens
                .iter()
                .enumerate()
                .flat_map(|(who, tok)| {
                    let app = app.clone();
                    let contest = contest.clone();
                    (0..per_person).map(move |_| {
                        let (app, tok, contest) = (app.clone(), tok.clone(), contest.clone());
                        tokio::spawn(async move {
                            let r = app.start(&tok, &contest).await;
                            (
                                who,
                                r.status.as_u16(),
                                r.code().to_owned(),
                                r.body["attempt"].clone(),
                            )
                        })
                    })
                })
                .collect();
            let mut ids: HashMap<usize, HashSet<String>> = HashMap::new();
            let mut created: HashMap<usize, usize> = HashMap::new();
            let mut attempts: HashMap<usize, Value> = HashMap::new();
            for t in tasks {
                let (who, status, code, attempt) = t.await.unwrap();
                sent += 1;
                match status {
                    500.. => server_errors += 1,
                    201 | 200 => {
                        *created.entry(who).or_default() += usize::from(status == 201);
                        ids.entry(who)
                            .or_default()
                            .insert(attempt["id"].as_str().unwrap().to_owned());
                        attempts.insert(who, attempt);
                    }
                    409 if code == "max_attempts_reached" => {}
                    _ => problems.push(format!("round {round}: start got {status} {code}")),
                }
            }
            for who in 0..people {
                let n_ids = ids.get(&who).map_or(0, HashSet::len);
                let n_created = created.get(&who).copied().unwrap_or(0);
                let want = usize::from(round < max);
                if n_ids != want || n_created != want {
                    problems.push(format!(
                        "round {round}, person {who}: {n_ids} open attempts, {n_created} created (want {want})"
                    ));
                }
            }
            for (who, a) in &attempts {
                let aid = a["id"].as_str().unwrap();
                let r = app
                    .submit(&tokens[*who], aid, answers_for(a, 1), Some(1))
                    .await;
                assert_eq!(r.status, 200, "{}", r.text);
            }
        }
        for (who, tok) in tokens.iter().enumerate() {
            let mine = app
                .get(&format!("/contests/{contest}/my-attempts"), Some(tok))
                .await;
            let n = mine.body["attempts"].as_array().map_or(0, Vec::len);
            if n > max {
                over_limit += 1;
                problems.push(format!("person {who} has {n} attempts (max {max})"));
            }
        }
    }
    figures(
        "races_start",
        &[
            ("starts", sent.to_string()),
            ("5xx", server_errors.to_string()),
            ("over_max_attempts", over_limit.to_string()),
        ],
    );
    assert_eq!(server_errors, 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Twenty spellings of one Vietnamese mobile number.
fn spellings(national: &str) -> Vec<String> {
    let rest = &national[1..];
    let (a, b, c) = (&national[..3], &national[3..6], &national[6..]);
    let (x, y, z) = (&rest[..2], &rest[2..5], &rest[5..]);
    vec![
        national.to_owned(),
        format!("+84{rest}"),
        format!("+84 {x} {y} {z}"),
        format!("84{rest}"),
        rest.to_owned(),
        format!("{a} {b} {c}"),
        format!("{a}.{b}.{c}"),
        format!("{a}-{b}-{c}"),
        format!("  {national}  "),
        format!("({a}) {b} {c}"),
        format!("+84 ({x}) {y}-{z}"),
        format!("+84.{x}.{y}.{z}"),
        format!("+84-{rest}"),
        format!("84 {x} {y} {z}"),
        format!("{x} {y} {z}"),
        format!("\t{national}"),
        format!("+84{x} {y}{z}"),
        format!("0{x}{y} {z}"),
        format!("{a}  {b}  {c}"),
        format!("+84 {rest}"),
    ]
}

#[tokio::test]
async fn twenty_concurrent_registrations_of_one_person_spelled_differently_make_one_account() {
    let app = Arc::new(
        TestApp::spawn_with(|s| {
            s.limits.registrations_per_ip_per_minute = 100_000;
            s.auth.hash_queue = 1_000;
            // The unique index alone (with codes, see tests/otp.rs).
            s.auth.verify_phone = false;
        })
        .await,
    );
    let admin = app.staff(Role::Admin).await;
    let rounds = knob("RELIABILITY_REGISTER_ROUNDS", 3);
    let (mut sent, mut server_errors, mut extra_accounts) = (0usize, 0usize, 0usize);
    let mut problems = Vec::new();
    for round in 0..rounds {
        // One phone, twenty spellings.
        let national = common::phone();
        let tasks: Vec<_> = spellings(&national)
            .into_iter()
            .map(|p| {
                let app = app.clone();
                tokio::spawn(async move {
                    let r = app.register(TestApp::registration(&p)).await;
                    (p, r.status.as_u16(), r.code().to_owned())
                })
            })
            .collect();
        let mut created = 0usize;
        for t in tasks {
            let (p, status, code) = t.await.unwrap();
            sent += 1;
            match (status, code.as_str()) {
                (500.., _) => server_errors += 1,
                (201, _) => created += 1,
                (409, "already_registered") => {}
                _ => problems.push(format!("round {round}: {p:?} got {status} {code}")),
            }
        }
        let found = app
            .get(&format!("/admin/users?q={}", &national[1..]), Some(&admin))
            .await;
        let accounts = found.body["users"].as_array().map_or(0, |u| {
            u.iter().filter(|u| u["phone"] == national.as_str()).count()
        });
        if created != 1 || accounts != 1 {
            extra_accounts += accounts.saturating_sub(1);
            problems.push(format!(
                "round {round}: {created} registrations accepted, {accounts} accounts for {national}"
            ));
        }
        // One national ID, twenty phones.
        let nid = format!(
            "0871{:08}",
            10_000_000 + round * 7 + std::process::id() as usize % 1000 * 100
        );
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let app = app.clone();
                let nid = nid.clone();
                tokio::spawn(async move {
                    let mut body = TestApp::registration(&common::phone());
                    body["national_id"] = json!(nid);
                    let r = app.register(body).await;
                    (r.status.as_u16(), r.code().to_owned())
                })
            })
            .collect();
        let mut created = 0usize;
        for t in tasks {
            let (status, code) = t.await.unwrap();
            sent += 1;
            match (status, code.as_str()) {
                (500.., _) => server_errors += 1,
                (201, _) => created += 1,
                (409, "already_registered") => {}
                _ => problems.push(format!("round {round}: national id {nid}: {status} {code}")),
            }
        }
        if created != 1 {
            extra_accounts += created.saturating_sub(1);
            problems.push(format!(
                "round {round}: {created} accounts with national id {nid}"
            ));
        }
    }
    // Every spelling signs in to the one account.
    let national = common::phone();
    let r = app.register(TestApp::registration(&national)).await;
    assert_eq!(r.status, 201);
    let id = r.body["user"]["id"].clone();
    for p in spellings(&national).iter().step_by(5) {
        let r = app
            .call(
                Method::POST,
                "/auth/login",
                None,
                Some(json!({"phone": p, "password": "sếu đầu đỏ tràm chim"})),
            )
            .await;
        if r.status != 200 || r.body["user"]["id"] != id {
            problems.push(format!("login as {p:?}: {} {}", r.status, r.text));
        }
    }
    figures(
        "races_register",
        &[
            ("rounds", rounds.to_string()),
            ("registrations", sent.to_string()),
            ("5xx", server_errors.to_string()),
            ("extra_accounts", extra_accounts.to_string()),
        ],
    );
    assert_eq!(server_errors, 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An overloaded database is "try again", not a server fault: when no pooled
/// connection comes free in time, or SQLite's write lock stays taken past the
/// busy timeout, the answer is 503 with Retry-After (never 500 "database is
/// locked"), and the service recovers as soon as the load passes.
#[tokio::test]
async fn an_overloaded_database_is_answered_503_with_retry_after_never_500() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn_with(|s| {
        s.database.max_connections = 1;
        s.database.acquire_timeout_seconds = 1;
        s.database.busy_timeout_ms = 100;
    })
    .await;
    let (token, _) = app.participant().await;
    let busy = |r: &common::Resp| {
        r.status == 503
            && r.code() == "server_busy"
            && r.headers
                .get("retry-after")
                .is_some_and(|v| v.to_str().unwrap().parse::<u64>().is_ok())
    };

    // The only pooled connection is taken: the request waits 1 s, then 503.
    let (turn, held) = app.state.db.write().await.unwrap();
    let r = app.get("/me", Some(&token)).await;
    assert!(busy(&r), "{} {}", r.status, r.text);
    drop((turn, held));
    let r = app.get("/me", Some(&token)).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // SQLite: another process holds the write lock past the busy timeout.
    if app.database_url.starts_with("sqlite:") {
        let mut opts = sea_orm::ConnectOptions::new(app.database_url.clone());
        opts.max_connections(1).sqlx_logging(false);
        let other = sea_orm::Database::connect(opts).await.unwrap();
        other.execute_unprepared("BEGIN IMMEDIATE").await.unwrap();
        let r = app
            .raw(Method::POST, "/api/v1/auth/logout", Some(&token), None)
            .await;
        assert!(busy(&r), "{} {}", r.status, r.text);
        other.execute_unprepared("ROLLBACK").await.unwrap();
        let r = app.get("/me", Some(&token)).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    // SQLite: this process's writers queue for their turn at most the busy
    // timeout; a request still waiting then is answered 503 too.
    if app.database_url.starts_with("sqlite:") {
        let app = TestApp::spawn_with(|s| s.database.busy_timeout_ms = 100).await;
        let org = app.staff(Role::Organiser).await;
        let contest = app.published_contest(&org, json!({}), 6).await;
        let (token, _) = app.participant().await;
        let turn = app.state.db.write().await.unwrap();
        let r = app.start(&token, &contest).await;
        assert!(busy(&r), "{} {}", r.status, r.text);
        drop(turn);
        let r = app.start(&token, &contest).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
}
