//! Editing and deleting one question: anything in a draft; after publishing,
//! the wording only, audited; the corrected wording reaches attempts at once.

mod common;
use common::TestApp;
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::{Value, json};

async fn bank(app: &TestApp, staff: &str, contest: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/admin/contests/{contest}/questions"), Some(staff))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["questions"].as_array().unwrap().clone()
}

async fn patch(app: &TestApp, staff: &str, contest: &str, qid: &str, body: Value) -> common::Resp {
    app.call(
        Method::PATCH,
        &format!("/admin/contests/{contest}/questions/{qid}"),
        Some(staff),
        Some(body),
    )
    .await
}

fn options_of(q: &Value) -> Vec<String> {
    q["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_drafts_question_can_be_rewritten_or_deleted() {
    let app = TestApp::spawn().await;
    let staff = app.staff(Role::Organiser).await;
    let r = app
        .post("/admin/contests", Some(&staff), app.contest_body(json!({})))
        .await;
    let contest = r.body["contest"]["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/admin/contests/{contest}/questions"),
            Some(&staff),
            TestApp::questions(3, &[]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let before = bank(&app, &staff, &contest).await;
    let qid = before[0]["id"].as_str().unwrap();
    let r = patch(
        &app,
        &staff,
        &contest,
        qid,
        json!({"text": "Sếu đầu đỏ cao khoảng bao nhiêu?", "options": ["1,5 m", "1 m", "2 m"], "correct": 0, "category": "Sinh học"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = bank(&app, &staff, &contest).await;
    assert_eq!(after[0]["id"], before[0]["id"], "same id, same place");
    assert_eq!(after[0]["text"], "Sếu đầu đỏ cao khoảng bao nhiêu?");
    assert_eq!(options_of(&after[0]), ["1,5 m", "1 m", "2 m"]);
    let bad = patch(
        &app,
        &staff,
        &contest,
        qid,
        json!({"text": "", "options": ["A"], "correct": 3}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let r = app
        .call(
            Method::DELETE,
            &format!("/admin/contests/{contest}/questions/{qid}"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(bank(&app, &staff, &contest).await.len(), 2);
    let again = app
        .call(
            Method::DELETE,
            &format!("/admin/contests/{contest}/questions/{qid}"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn after_publishing_only_the_wording_changes_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let staff = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let contest = app
        .published_contest(&staff, json!({"questions_per_attempt": 3}), 3)
        .await;
    let before = bank(&app, &staff, &contest).await;
    let q = &before[1];
    let qid = q["id"].as_str().unwrap();
    let correct = q["options"]
        .as_array()
        .unwrap()
        .iter()
        .position(|o| o["id"] == q["correct_option_id"])
        .unwrap();
    let mut wording = options_of(q);
    wording[0] = format!("{} (đã sửa)", wording[0]);
    // A citizen already drew the question.
    let (player, _) = app.participant().await;
    let started = app.start(&player, &contest).await;
    assert!(started.status.is_success(), "{}", started.text);
    let attempt = started.body["attempt"]["id"].as_str().unwrap().to_owned();

    let locked = [
        (
            json!({"text": "Sửa?", "options": options_of(q), "correct": (correct + 1) % 4}),
            "correct",
        ),
        (
            json!({"text": "Sửa?", "options": &options_of(q)[..3], "correct": 0}),
            "options",
        ),
        (
            json!({"text": "Sửa?", "options": options_of(q), "correct": correct, "category": "Khác"}),
            "category",
        ),
    ];
    for (body, field) in locked {
        let r = patch(&app, &staff, &contest, qid, body).await;
        assert_eq!(r.status, 409, "{}", r.text);
        assert_eq!(r.code(), "question_locked");
        assert!(
            r.body["error"]["fields"][field].is_object(),
            "{field}: {}",
            r.text
        );
    }
    let r = patch(
        &app,
        &staff,
        &contest,
        qid,
        json!({"text": "Câu hỏi đã sửa lỗi chính tả?", "options": wording, "correct": correct}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after = bank(&app, &staff, &contest).await;
    assert_eq!(
        after[1]["correct_option_id"], q["correct_option_id"],
        "the answer stays"
    );
    assert_eq!(after[1]["text"], "Câu hỏi đã sửa lỗi chính tả?");
    // The attempt shows the corrected wording at once.
    let seen = app
        .get(&format!("/attempts/{attempt}"), Some(&player))
        .await;
    assert!(
        seen.text.contains("Câu hỏi đã sửa lỗi chính tả?"),
        "{}",
        seen.text
    );
    let audit = app
        .get(&format!("/admin/contests/{contest}/audit"), Some(&admin))
        .await;
    let entry = audit.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "question_corrected")
        .expect("audited")
        .clone();
    assert_eq!(
        entry["detail"]["text_after"],
        "Câu hỏi đã sửa lỗi chính tả?"
    );
    assert_eq!(entry["detail"]["text_before"], q["text"]);
    let r = app
        .call(
            Method::DELETE,
            &format!("/admin/contests/{contest}/questions/{qid}"),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "bank_frozen");
}
