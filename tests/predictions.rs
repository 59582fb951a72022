//! The prediction saved with autosaves (issue #15): an attempt the server
//! closes keeps the prediction its owner typed.

mod common;
use common::{Resp, TestApp, answers_for};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::{Value, json};

/// An organiser and a contest open from one second ago for a minute, with
/// 60-second attempts and no grace.
async fn contest(overrides: Value) -> (TestApp, String, String, i64) {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let mut body = json!({
        "starts_at": crane::domain::clock::to_rfc3339(t0 - 1000, tz),
        "ends_at": crane::domain::clock::to_rfc3339(t0 + 60_000, tz),
        "time_limit_seconds": 60,
        "grace_seconds": 0,
    });
    for (k, v) in overrides.as_object().unwrap() {
        body[k] = v.clone();
    }
    let id = app.published_contest(&org, body, 12).await;
    (app, org, id, t0)
}

async fn autosave(app: &TestApp, token: &str, attempt: &str, body: Value) -> Resp {
    app.call(
        Method::PUT,
        &format!("/attempts/{attempt}/answers"),
        Some(token),
        Some(body),
    )
    .await
}

/// Starts an attempt: (its id, its view).
async fn start(app: &TestApp, token: &str, contest: &str) -> (String, Value) {
    let a = app.start(token, contest).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let id = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    (id, a.body["attempt"].clone())
}

#[tokio::test]
async fn a_prediction_autosaved_before_the_time_ran_out_is_kept_in_the_closed_attempt_and_the_ranking()
 {
    let (app, org, id, t0) = contest(json!({})).await;
    let (tok, user) = app.participant().await;
    let (aid, attempt) = start(&app, &tok, &id).await;
    let saved = autosave(
        &app,
        &tok,
        &aid,
        json!({"answers": answers_for(&attempt, 5), "prediction": 42}),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    // A later autosave without a prediction keeps the saved one.
    let again = autosave(&app, &tok, &aid, json!({"answers": []})).await;
    assert_eq!(again.status, 200, "{}", again.text);
    // A reloaded phone gets the saved prediction back.
    let resumed = app.get(&format!("/attempts/{aid}"), Some(&tok)).await;
    assert_eq!(resumed.body["attempt"]["prediction"], 42);
    assert_eq!(resumed.body["attempt"]["status"], "open");

    app.state.clock.freeze_at(t0 + 60_001);
    let closed = app.get(&format!("/attempts/{aid}"), Some(&tok)).await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.body["attempt"]["status"], "expired");
    assert_eq!(closed.body["attempt"]["result"]["prediction"], 42);
    assert_eq!(closed.body["attempt"]["result"]["score"], 5);
    assert_eq!(closed.body["attempt"]["prediction"], 42);

    let r = app
        .post(
            &format!("/admin/contests/{id}/results"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body["results"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", r.text);
    assert_eq!(rows[0]["user"]["id"], json!(user));
    assert_eq!(rows[0]["prediction"], 42);
}

#[tokio::test]
async fn an_attempt_closed_by_the_sweep_keeps_its_autosaved_prediction() {
    let (app, org, id, t0) = contest(json!({})).await;
    let (tok, _) = app.participant().await;
    let (aid, attempt) = start(&app, &tok, &id).await;
    let saved = autosave(
        &app,
        &tok,
        &aid,
        json!({"answers": answers_for(&attempt, 2), "prediction": 7}),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    // Nobody touches the attempt: computing the results closes it.
    app.state.clock.freeze_at(t0 + 60_001);
    let r = app
        .post(
            &format!("/admin/contests/{id}/results"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body["results"]["rows"].as_array().unwrap();
    assert_eq!(rows[0]["prediction"], 7);
    assert_eq!(rows[0]["score"], 2);
}

#[tokio::test]
async fn an_autosave_with_an_out_of_range_prediction_is_422_and_saves_nothing() {
    let (app, _, id, _) = contest(json!({})).await;
    let (tok, _) = app.participant().await;
    let (aid, attempt) = start(&app, &tok, &id).await;
    for bad in [json!(-1), json!(1_000_000_001), json!(1.5)] {
        let r = autosave(
            &app,
            &tok,
            &aid,
            json!({"answers": answers_for(&attempt, 5), "prediction": bad}),
        )
        .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
        if bad != json!(1.5) {
            assert!(
                r.body["error"]["fields"]["prediction"].is_object(),
                "{}",
                r.text
            );
        }
    }
    let resumed = app.get(&format!("/attempts/{aid}"), Some(&tok)).await;
    assert_eq!(resumed.body["attempt"]["answers"], json!([]));
    assert_eq!(resumed.body["attempt"]["prediction"], Value::Null);
}

#[tokio::test]
async fn a_later_submits_prediction_replaces_the_autosaved_one() {
    let (app, org, id, t0) = contest(json!({})).await;
    let (tok, _) = app.participant().await;
    let (aid, attempt) = start(&app, &tok, &id).await;
    let saved = autosave(
        &app,
        &tok,
        &aid,
        json!({"answers": answers_for(&attempt, 3), "prediction": 42}),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    // The contest asks the prediction: a submit without one is still refused.
    let missing = app.submit(&tok, &aid, json!([]), None).await;
    assert_eq!(missing.status, 422, "{}", missing.text);
    let done = app.submit(&tok, &aid, json!([]), Some(9)).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["attempt"]["prediction"], 9);
    // A late autosave cannot change it.
    let late = autosave(&app, &tok, &aid, json!({"answers": [], "prediction": 1})).await;
    assert_eq!(late.status, 409, "{}", late.text);

    app.state.clock.freeze_at(t0 + 60_001);
    let r = app
        .post(
            &format!("/admin/contests/{id}/results"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["results"]["rows"][0]["prediction"], 9);
}

#[tokio::test]
async fn a_contest_with_the_prediction_question_disabled_ignores_an_autosaved_prediction() {
    let (app, org, id, t0) = contest(json!({"prediction": {"enabled": false}})).await;
    let (tok, _) = app.participant().await;
    let (aid, attempt) = start(&app, &tok, &id).await;
    // Even out of range: it is ignored, not checked.
    for p in [json!(42), json!(-1)] {
        let r = autosave(
            &app,
            &tok,
            &aid,
            json!({"answers": answers_for(&attempt, 4), "prediction": p}),
        )
        .await;
        assert_eq!(r.status, 200, "{p}: {}", r.text);
    }
    let resumed = app.get(&format!("/attempts/{aid}"), Some(&tok)).await;
    assert_eq!(resumed.body["attempt"]["prediction"], Value::Null);

    app.state.clock.freeze_at(t0 + 60_001);
    let closed = app.get(&format!("/attempts/{aid}"), Some(&tok)).await;
    assert_eq!(closed.body["attempt"]["status"], "expired");
    assert_eq!(closed.body["attempt"]["result"]["prediction"], Value::Null);
    let r = app
        .post(
            &format!("/admin/contests/{id}/results"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["results"]["rows"][0]["prediction"], Value::Null);
    assert_eq!(r.body["results"]["rows"][0]["score"], 4);
}
