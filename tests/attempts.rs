//! Timed attempts: start, resume, autosave, submit — exactly once, on time.

mod common;
use common::{TestApp, answers_for};
use crane::domain::account::Role;
use serde_json::{Value, json};
use std::sync::Arc;

async fn setup(overrides: Value) -> (TestApp, String, String) {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = app.published_contest(&org, overrides, 12).await;
    (app, org, id)
}

#[tokio::test]
async fn starting_returns_questions_deadline_and_server_time_but_never_the_answers() {
    let (app, _, id) = setup(json!({"questions_per_attempt": 5, "time_limit_seconds": 600})).await;
    let (tok, _) = app.participant().await;
    let r = app.start(&tok, &id).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = &r.body["attempt"];
    let qs = a["questions"].as_array().unwrap();
    assert_eq!(qs.len(), 5);
    let ids: std::collections::HashSet<_> = qs.iter().map(|q| q["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 5);
    for q in qs {
        assert_eq!(q["options"].as_array().unwrap().len(), 4);
        assert_eq!(
            q.as_object().unwrap().len(),
            3,
            "only id, text, options: {q}"
        );
        for o in q["options"].as_array().unwrap() {
            assert_eq!(o.as_object().unwrap().len(), 2, "only id and text: {o}");
        }
    }
    assert!(
        !r.text.contains("correct"),
        "no field may reveal the answer: {}",
        r.text
    );
    let started = crane::domain::clock::parse_rfc3339(a["started_at"].as_str().unwrap()).unwrap();
    let deadline = crane::domain::clock::parse_rfc3339(a["deadline"].as_str().unwrap()).unwrap();
    assert_eq!(deadline - started, 600_000);
    assert!(a["server_now"].is_string());
}

#[tokio::test]
async fn the_deadline_is_capped_by_the_end_of_the_contest() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let ends = t0 + 120_000;
    let id = app
        .published_contest(
            &org,
            json!({
                "ends_at": crane::domain::clock::to_rfc3339(ends, chrono_tz::Asia::Ho_Chi_Minh),
                "time_limit_seconds": 600
            }),
            12,
        )
        .await;
    let (tok, _) = app.participant().await;
    let r = app.start(&tok, &id).await;
    let deadline =
        crane::domain::clock::parse_rfc3339(r.body["attempt"]["deadline"].as_str().unwrap())
            .unwrap();
    assert_eq!(deadline, ends);
}

#[tokio::test]
async fn starting_again_returns_the_open_attempt() {
    let (app, _, id) = setup(json!({})).await;
    let (tok, _) = app.participant().await;
    let first = app.start(&tok, &id).await;
    let again = app.start(&tok, &id).await;
    assert_eq!(again.status, 200);
    assert_eq!(first.body["attempt"]["id"], again.body["attempt"]["id"]);
    assert_eq!(
        first.body["attempt"]["questions"],
        again.body["attempt"]["questions"]
    );
}

#[tokio::test]
async fn twenty_concurrent_starts_never_exceed_max_attempts() {
    let (app, _, id) = setup(json!({"max_attempts": 2, "questions_per_attempt": 3})).await;
    let app = Arc::new(app);
    let (tok, uid) = app.participant().await;
    for round in 0..3 {
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (app, tok, id) = (app.clone(), tok.clone(), id.clone());
                tokio::spawn(async move {
                    let r = app.start(&tok, &id).await;
                    (
                        r.status.as_u16(),
                        r.body["attempt"]["id"].as_str().map(str::to_owned),
                        r.code().to_owned(),
                    )
                })
            })
            .collect();
        let mut ids = std::collections::HashSet::new();
        let mut codes = Vec::new();
        for t in tasks {
            let (status, aid, code) = t.await.unwrap();
            assert!(status < 500, "5xx under concurrent starts");
            codes.push((status, code));
            if let Some(a) = aid {
                ids.insert(a);
            }
        }
        if round < 2 {
            assert_eq!(
                ids.len(),
                1,
                "round {round}: one attempt shared by all starts, {codes:?}"
            );
            let aid = ids.into_iter().next().unwrap();
            assert_eq!(app.submit(&tok, &aid, json!([]), Some(1)).await.status, 200);
        } else {
            assert!(ids.is_empty());
            assert!(
                codes
                    .iter()
                    .all(|(s, c)| *s == 409 && c == "max_attempts_reached"),
                "{codes:?}"
            );
        }
    }
    let n = crane::store::attempts::for_user(
        &app.state.db,
        crane::domain::ids::ContestId::parse(&id).unwrap(),
        crane::domain::ids::UserId::parse(&uid).unwrap(),
    )
    .await
    .unwrap()
    .len();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn fifty_concurrent_submits_score_the_attempt_once() {
    let (app, _, id) = setup(json!({"questions_per_attempt": 5})).await;
    let app = Arc::new(app);
    let (tok, _) = app.participant().await;
    let a = app.start(&tok, &id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    let answers = answers_for(&a.body["attempt"], 3);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (app, tok, aid) = (app.clone(), tok.clone(), aid.clone());
            // Half the submits claim a perfect paper: only the first to land may count.
            let answers = if i % 2 == 0 {
                answers.clone()
            } else {
                json!([])
            };
            tokio::spawn(async move { app.submit(&tok, &aid, answers, Some(7)).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(
            r.status == 200 || r.status == 409,
            "{} {}",
            r.status,
            r.text
        );
        if r.status == 200 {
            results.push(r.body["attempt"].clone());
        }
    }
    assert!(!results.is_empty());
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "every 200 carries the same result"
    );
    let aid = crane::domain::ids::AttemptId::parse(&aid).unwrap();
    let stored = crane::store::attempts::find(&app.state.db.conn, aid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.status,
        crane::domain::attempt::AttemptStatus::Submitted
    );
    assert_eq!(Some(results[0]["score"].as_i64().unwrap()), stored.score);
}

#[tokio::test]
async fn a_submit_one_millisecond_before_the_grace_ends_counts_and_one_after_is_refused() {
    let (app, _, id) = setup(json!({"time_limit_seconds": 60, "grace_seconds": 15})).await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let (on_time, _) = app.participant().await;
    let (late, _) = app.participant().await;
    let a = app.start(&on_time, &id).await;
    let b = app.start(&late, &id).await;
    let (aid, bid) = (
        a.body["attempt"]["id"].as_str().unwrap(),
        b.body["attempt"]["id"].as_str().unwrap(),
    );
    let deadline = t0 + 60_000;
    app.state.clock.freeze_at(deadline + 15_000 - 1);
    let ok = app
        .submit(&on_time, aid, answers_for(&a.body["attempt"], 5), Some(1))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["attempt"]["score"], 5);
    assert_eq!(ok.body["attempt"]["duration_ms"], 75_000 - 1);
    app.state.clock.freeze_at(deadline + 15_000 + 1);
    let refused = app
        .submit(&late, bid, answers_for(&b.body["attempt"], 5), Some(1))
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.code(), "attempt_expired");
    let save = app
        .autosave(&late, bid, answers_for(&b.body["attempt"], 5))
        .await;
    assert_eq!(save.status, 409);
}

#[tokio::test]
async fn an_attempt_left_open_is_closed_with_its_autosaved_answers_at_its_deadline() {
    let (app, _, id) = setup(json!({"time_limit_seconds": 60, "grace_seconds": 0})).await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let (tok, _) = app.participant().await;
    let a = app.start(&tok, &id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    let saved = app
        .autosave(
            &tok,
            &aid,
            answers_for(&a.body["attempt"], 3).as_array().unwrap()[..3]
                .to_vec()
                .into(),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    // A late answer sent after the deadline is not counted.
    app.state.clock.freeze_at(t0 + 60_001);
    let late = app
        .autosave(&tok, &aid, answers_for(&a.body["attempt"], 5))
        .await;
    assert_eq!(late.status, 409);
    let r = app.get(&format!("/attempts/{aid}"), Some(&tok)).await;
    assert_eq!(r.status, 200);
    let res = &r.body["attempt"]["result"];
    assert_eq!(r.body["attempt"]["status"], "expired");
    assert_eq!(res["score"], 3);
    assert_eq!(res["duration_ms"], 60_000);
}

#[tokio::test]
async fn a_resumed_attempt_after_a_dropped_connection_keeps_its_answers() {
    let (app, _, id) = setup(json!({"questions_per_attempt": 5})).await;
    let (tok, _) = app.participant().await;
    let a = app.start(&tok, &id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    let all = answers_for(&a.body["attempt"], 5);
    let first_two: Value = all.as_array().unwrap()[..2].to_vec().into();
    assert_eq!(
        app.autosave(&tok, &aid, first_two.clone()).await.status,
        200
    );
    // Changing an answer replaces it.
    let changed: Value = answers_for(&a.body["attempt"], 0).as_array().unwrap()[2..3]
        .to_vec()
        .into();
    assert_eq!(app.autosave(&tok, &aid, changed.clone()).await.status, 200);
    let resumed = app.get(&format!("/attempts/{aid}"), Some(&tok)).await;
    assert_eq!(resumed.status, 200);
    let saved = resumed.body["attempt"]["answers"].as_array().unwrap();
    assert_eq!(saved.len(), 3);
    assert_eq!(
        resumed.body["attempt"]["questions"],
        a.body["attempt"]["questions"]
    );
    assert!(resumed.body["attempt"]["remaining_ms"].as_i64().unwrap() > 0);
    // Submitting only the prediction scores the autosaved answers.
    let done = app.submit(&tok, &aid, json!([]), Some(12)).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["attempt"]["score"], 2);
    assert_eq!(done.body["attempt"]["prediction"], 12);
}

#[tokio::test]
async fn answers_must_belong_to_the_attempt() {
    let (app, _, id) = setup(json!({"questions_per_attempt": 3})).await;
    let (tok, _) = app.participant().await;
    let a = app.start(&tok, &id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    let q = &a.body["attempt"]["questions"][0];
    let foreign_q = app
        .autosave(
            &tok,
            &aid,
            json!([{"question_id": "00000000-0000-4000-8000-000000000000", "option_id": 1}]),
        )
        .await;
    assert_eq!(foreign_q.status, 422);
    assert!(
        foreign_q.body["error"]["fields"]["answers[0].question_id"].is_object(),
        "{}",
        foreign_q.text
    );
    let foreign_o = app
        .autosave(
            &tok,
            &aid,
            json!([{"question_id": q["id"], "option_id": 4_000_000_001u64}]),
        )
        .await;
    assert_eq!(foreign_o.status, 422);
    let wrong_type = app
        .autosave(
            &tok,
            &aid,
            json!([{"question_id": q["id"], "option_id": "one"}]),
        )
        .await;
    assert_eq!(wrong_type.status, 422);
}

#[tokio::test]
async fn other_people_cannot_see_or_touch_an_attempt() {
    let (app, _, id) = setup(json!({})).await;
    let (owner, _) = app.participant().await;
    let (other, _) = app.participant().await;
    let a = app.start(&owner, &id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/attempts/{aid}"), Some(&other))
            .await
            .status,
        404
    );
    assert_eq!(app.autosave(&other, &aid, json!([])).await.status, 404);
    assert_eq!(
        app.submit(&other, &aid, json!([]), Some(1)).await.status,
        404
    );
    assert_eq!(app.get(&format!("/attempts/{aid}"), None).await.status, 401);
    assert_eq!(
        app.get("/attempts/not-an-id", Some(&owner)).await.status,
        404
    );
}

#[tokio::test]
async fn the_prediction_is_required_and_bounded() {
    let (app, _, id) = setup(json!({})).await;
    let (tok, _) = app.participant().await;
    let a = app.start(&tok, &id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    let missing = app.submit(&tok, &aid, json!([]), None).await;
    assert_eq!(missing.status, 422);
    assert!(missing.body["error"]["fields"]["prediction"].is_object());
    assert_eq!(
        app.submit(&tok, &aid, json!([]), Some(-1)).await.status,
        422
    );
    assert_eq!(
        app.submit(&tok, &aid, json!([]), Some(1_000_000_001))
            .await
            .status,
        422
    );
    let fractional = app
        .post(
            &format!("/attempts/{aid}/submit"),
            Some(&tok),
            json!({"answers": [], "prediction": 1.5}),
        )
        .await;
    assert_eq!(fractional.status, 422);
    assert_eq!(
        app.submit(&tok, &aid, json!([]), Some(1_000_000_000))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_contest_that_has_not_started_or_has_ended_refuses_starts() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let id = app
        .published_contest(
            &org,
            json!({
                "starts_at": crane::domain::clock::to_rfc3339(t0 + 1_000, tz),
                "ends_at": crane::domain::clock::to_rfc3339(t0 + 100_000, tz),
            }),
            12,
        )
        .await;
    let (tok, _) = app.participant().await;
    app.state.clock.freeze_at(t0 + 999);
    let early = app.start(&tok, &id).await;
    assert_eq!(early.status, 409);
    assert_eq!(early.code(), "contest_not_open");
    app.state.clock.freeze_at(t0 + 1_000);
    assert_eq!(app.start(&tok, &id).await.status, 201);
    let (tok2, _) = app.participant().await;
    app.state.clock.freeze_at(t0 + 100_000);
    assert_eq!(app.start(&tok2, &id).await.status, 409);
    app.state.clock.freeze_at(t0 + 99_999);
    assert_eq!(app.start(&tok2, &id).await.status, 201);
}

#[tokio::test]
async fn staff_cannot_take_part() {
    let (app, org, id) = setup(json!({})).await;
    assert_eq!(app.start(&org, &id).await.status, 403);
}

#[tokio::test]
async fn the_draw_is_stratified_by_category() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app
        .post(
            "/admin/contests",
            Some(&org),
            app.contest_body(json!({"questions_per_attempt": 6})),
        )
        .await;
    let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
    // 20 "A" questions, 10 "B": six drawn → four A and two B, every time.
    app.post(
        &format!("/admin/contests/{id}/questions"),
        Some(&org),
        TestApp::questions(30, &["A", "A", "B"]),
    )
    .await;
    app.post(
        &format!("/admin/contests/{id}/publish"),
        Some(&org),
        json!({}),
    )
    .await;
    let bank = app
        .get(&format!("/admin/contests/{id}/questions"), Some(&org))
        .await;
    let cat: std::collections::HashMap<String, String> = bank.body["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["id"].as_str().unwrap().to_owned(),
                q["category"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for _ in 0..5 {
        let (tok, _) = app.participant().await;
        let a = app.start(&tok, &id).await;
        let b_count = a.body["attempt"]["questions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| cat[q["id"].as_str().unwrap()] == "B")
            .count();
        assert_eq!(b_count, 2);
    }
}

#[tokio::test]
async fn starting_again_after_the_time_ran_out_closes_the_old_attempt_and_starts_a_new_one() {
    let (app, _, id) =
        setup(json!({"time_limit_seconds": 60, "grace_seconds": 5, "max_attempts": 2})).await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let (tok, uid) = app.participant().await;
    let first = app.start(&tok, &id).await;
    let first_id = first.body["attempt"]["id"].as_str().unwrap().to_owned();
    let one: Value = answers_for(&first.body["attempt"], 1).as_array().unwrap()[..1]
        .to_vec()
        .into();
    app.autosave(&tok, &first_id, one).await;
    // Within the grace the open attempt is still given back.
    app.state.clock.freeze_at(t0 + 65_000);
    assert_eq!(
        app.start(&tok, &id).await.body["attempt"]["id"],
        first_id.as_str()
    );
    app.state.clock.freeze_at(t0 + 65_001);
    let second = app.start(&tok, &id).await;
    assert_eq!(second.status, 201, "{}", second.text);
    assert_ne!(second.body["attempt"]["id"], first_id.as_str());
    assert_eq!(second.body["attempt"]["answers"], json!([]));
    let all = crane::store::attempts::for_user(
        &app.state.db,
        crane::domain::ids::ContestId::parse(&id).unwrap(),
        crane::domain::ids::UserId::parse(&uid).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].status.as_str(), "expired");
    assert_eq!(all[0].score, Some(1));
    assert_eq!(all[0].submitted_at, Some(t0 + 60_000));
}
