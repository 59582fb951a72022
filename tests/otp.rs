//! Phone ownership and account recovery, black-box over HTTP: one-time codes
//! (`POST /auth/otp`), registration with a code, `POST /auth/reset`, `PUT
//! /me/password` and the admin's reset code. The SMS gateway is a real HTTP
//! server on a loopback port (`common::SmsSink`).

mod common;
use common::{Resp, TestApp, phone};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::json;

const PASSWORD: &str = "sếu đầu đỏ tràm chim";
const NEW_PASSWORD: &str = "hoa sen nở giữa đầm";

fn e164(p: &str) -> String {
    format!("+84{}", &p[1..])
}

fn retry_after(r: &Resp) -> u64 {
    r.headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A participant registered through the real flow; returns (phone, token).
async fn citizen(app: &TestApp) -> (String, String) {
    let p = phone();
    let r = app.register(TestApp::registration(&p)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The registration code was this phone's request of the minute.
    app.advance(61_000);
    (p, r.body["token"].as_str().unwrap().to_owned())
}

/// Asks for a reset code and returns it as received by SMS.
async fn reset_code(app: &TestApp, p: &str) -> String {
    let before = app.sms.count();
    let r = app.request_code(p, "reset").await;
    assert_eq!(r.status, 202, "{}", r.text);
    app.sms
        .code_after(&e164(p), before)
        .await
        .expect("a reset code by SMS")
}

async fn reset(app: &TestApp, p: &str, code: &str, password: &str) -> Resp {
    app.post(
        "/auth/reset",
        None,
        json!({"phone": p, "otp": code, "new_password": password}),
    )
    .await
}

async fn put(app: &TestApp, token: &str, current: &str, new: &str) -> Resp {
    app.call(
        Method::PUT,
        "/me/password",
        Some(token),
        Some(json!({"current_password": current, "new_password": new})),
    )
    .await
}

/// Waits until the background sender has had time to deliver what it will.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

#[tokio::test]
async fn a_code_is_sent_by_sms_and_registers_the_phone() {
    let app = TestApp::spawn().await;
    let p = phone();
    let r = app
        .request_code(&format!("+84 {}", &p[1..]), "register")
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body["expires_in"], 300);
    assert_eq!(r.body["resend_after"], 60);
    assert_eq!(r.body["max_checks"], 5);
    let code = app.sms.code_after(&e164(&p), 0).await.expect("an SMS");
    assert!(code.chars().all(|c| c.is_ascii_digit()) && code.len() == 6);
    let msg = &app.sms.to(&e164(&p))[0];
    assert!(msg["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(msg["text"].as_str().unwrap().is_ascii(), "{msg}");

    let mut body = TestApp::registration(&p);
    body["otp"] = json!(format!("{} {}", &code[..3], &code[3..]));
    let r = app.post("/auth/register", None, body.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // The code is spent: a second registration with it finds none.
    let r = app.post("/auth/register", None, body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.code(), "otp_missing");
}

#[tokio::test]
async fn registering_without_a_code_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let r = app
        .post("/auth/register", None, TestApp::registration(&phone()))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.body["error"]["fields"]["otp"]["code"], "required");
    let mut bad = TestApp::registration(&phone());
    bad["otp"] = json!("12345");
    let r = app.post("/auth/register", None, bad).await;
    assert_eq!(r.body["error"]["fields"]["otp"]["code"], "invalid_otp");
}

#[tokio::test]
async fn every_phone_gets_202_but_only_a_useful_code_is_sent() {
    let app = TestApp::spawn().await;
    let (known, _) = citizen(&app).await;
    let unknown = phone();
    let sent_before = app.sms.count();
    // A registration code for a registered phone, a reset code for an unknown one: 202, nothing sent.
    assert_eq!(app.request_code(&known, "register").await.status, 202);
    assert_eq!(app.request_code(&unknown, "reset").await.status, 202);
    settle().await;
    assert_eq!(app.sms.count(), sent_before, "{:?}", app.sms.messages());
    // The other way round, after the minute: each is sent.
    app.advance(61_000);
    assert_eq!(app.request_code(&known, "reset").await.status, 202);
    assert_eq!(app.request_code(&unknown, "register").await.status, 202);
    assert!(
        app.sms
            .code_after(&e164(&known), sent_before)
            .await
            .is_some()
    );
    assert!(
        app.sms
            .code_after(&e164(&unknown), sent_before)
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_phone_waits_a_minute_between_codes_and_gets_five_a_day() {
    let app = TestApp::spawn().await;
    let p = phone();
    assert_eq!(app.request_code(&p, "register").await.status, 202);
    let again = app.request_code(&p, "register").await;
    assert_eq!(again.status, 429, "{}", again.text);
    assert!(
        (1..=60).contains(&retry_after(&again)),
        "{:?}",
        again.headers
    );
    // The spelling does not matter, nor the purpose.
    let r = app.request_code(&e164(&p), "reset").await;
    assert_eq!(r.status, 429);
    for _ in 0..4 {
        app.advance(61_000);
        assert_eq!(app.request_code(&p, "register").await.status, 202);
    }
    app.advance(61_000);
    let sixth = app.request_code(&p, "register").await;
    assert_eq!(sixth.status, 429, "{}", sixth.text);
    assert!(retry_after(&sixth) > 80_000, "{:?}", sixth.headers);
    settle().await;
    assert_eq!(
        app.sms.to(&e164(&p)).len(),
        5,
        "the daily cap is the SMS cost bound"
    );
    app.advance(86_400_000);
    assert_eq!(app.request_code(&p, "register").await.status, 202);
}

#[tokio::test]
async fn a_flood_from_one_client_meets_429_before_it_costs_more_than_the_limit() {
    let app = TestApp::spawn_with(|s| s.limits.otp_per_ip_per_hour = 5).await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let r = app.request_code(&phone(), "register").await;
        statuses.push(r.status.as_u16());
        if r.status == 429 {
            assert!(retry_after(&r) >= 1);
        }
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 202).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 35);
    settle().await;
    assert_eq!(app.sms.count(), 5, "SMS sent");
}

#[tokio::test]
async fn a_wrong_code_says_how_many_tries_remain_and_the_sixth_is_refused_even_right() {
    let app = TestApp::spawn().await;
    let p = phone();
    let code = app.registration_code(&p).await.unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut body = TestApp::registration(&p);
    for left in (0..5).rev() {
        body["otp"] = json!(wrong);
        let r = app.post("/auth/register", None, body.clone()).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.code(), "otp_wrong");
        assert_eq!(r.body["error"]["details"]["tries_left"], left);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&left.to_string())
        );
    }
    body["otp"] = json!(code);
    let r = app.post("/auth/register", None, body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.code(), "otp_exhausted");
    // No account was made: the phone cannot sign in.
    assert_eq!(app.login(&p, PASSWORD).await.status, 401);
}

#[tokio::test]
async fn concurrent_guesses_never_get_more_than_five_checks() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let (p, _) = citizen(&app).await;
    let code = reset_code(&app, &p).await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let app = app.clone();
            let p = p.clone();
            let guess = format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000);
            tokio::spawn(async move {
                reset(&app, &p, &guess, NEW_PASSWORD)
                    .await
                    .code()
                    .to_owned()
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(
        codes.iter().filter(|c| *c == "otp_wrong").count(),
        5,
        "{codes:?}"
    );
    assert!(
        codes
            .iter()
            .all(|c| c == "otp_wrong" || c == "otp_exhausted"),
        "{codes:?}"
    );
    assert_eq!(
        reset(&app, &p, &code, NEW_PASSWORD).await.code(),
        "otp_exhausted"
    );
}

#[tokio::test]
async fn a_code_expires_after_five_minutes() {
    let app = TestApp::spawn().await;
    let (p, _) = citizen(&app).await;
    let code = reset_code(&app, &p).await;
    app.advance(300_000);
    let r = reset(&app, &p, &code, NEW_PASSWORD).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.code(), "otp_expired");
    assert_eq!(app.login(&p, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_reset_ends_every_session_and_its_code_cannot_be_replayed() {
    let app = TestApp::spawn().await;
    let (p, first) = citizen(&app).await;
    let second = app.login(&p, PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let code = reset_code(&app, &p).await;
    let r = reset(&app, &p, &code, NEW_PASSWORD).await;
    assert_eq!(r.status, 204, "{}", r.text);
    for t in [&first, &second] {
        assert_eq!(app.get("/me", Some(t)).await.status, 401);
    }
    assert_eq!(app.login(&p, PASSWORD).await.status, 401);
    assert_eq!(app.login(&p, NEW_PASSWORD).await.status, 200);
    let replay = reset(&app, &p, &code, "một mật khẩu khác hẳn").await;
    assert_eq!(replay.status, 422);
    assert_eq!(replay.code(), "otp_missing");
    assert_eq!(app.login(&p, NEW_PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_registration_code_does_not_reset_a_password() {
    let app = TestApp::spawn().await;
    let p = phone();
    let code = app.registration_code(&p).await.unwrap();
    // The phone gets an account another way (an official creates it).
    crane::app::accounts::create_staff(
        app.state.ctx(),
        &p,
        "Nguyễn Văn Bình",
        PASSWORD,
        Role::Participant,
        "Đồng Tháp",
        "Tràm Chim",
    )
    .await
    .unwrap();
    let r = reset(&app, &p, &code, NEW_PASSWORD).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.code(), "otp_missing");
    assert_eq!(app.login(&p, PASSWORD).await.status, 200);
}

#[tokio::test]
async fn a_weak_new_password_is_refused_before_the_code_is_spent() {
    let app = TestApp::spawn().await;
    let (p, _) = citizen(&app).await;
    let code = reset_code(&app, &p).await;
    let r = reset(&app, &p, &code, "12345678").await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"]["fields"]["new_password"]["code"],
        "too_common"
    );
    assert_eq!(reset(&app, &p, &code, NEW_PASSWORD).await.status, 204);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let (p, this) = citizen(&app).await;
    let other = app.login(&p, PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = put(&app, &this, "không phải mật khẩu", NEW_PASSWORD).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"]["fields"]["current_password"]["code"],
        "wrong_password"
    );
    let r = put(&app, &this, PASSWORD, "password").await;
    assert_eq!(
        r.body["error"]["fields"]["new_password"]["code"],
        "too_common"
    );
    let r = put(&app, &this, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.get("/me", Some(&this)).await.status, 200);
    assert_eq!(app.get("/me", Some(&other)).await.status, 401);
    assert_eq!(app.login(&p, PASSWORD).await.status, 401);
    assert_eq!(app.login(&p, NEW_PASSWORD).await.status, 200);
    let anonymous = app
        .call(
            Method::PUT,
            "/me/password",
            None,
            Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn an_admins_reset_code_is_audited_sends_no_sms_and_resets_once() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let organiser = app.staff(Role::Organiser).await;
    let (p, citizen_token) = citizen(&app).await;
    let me = app.get("/me", Some(&citizen_token)).await;
    let uid = me.body["user"]["id"].as_str().unwrap().to_owned();
    let path = format!("/admin/users/{uid}/reset-code");
    for t in [&organiser, &citizen_token] {
        assert_eq!(app.post(&path, Some(t), json!({})).await.status, 403);
    }
    let sent = app.sms.count();
    let r = app.post(&path, Some(&admin), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.headers["cache-control"], "no-store");
    let code = r.body["code"].as_str().unwrap().to_owned();
    let expires_at = r.body["expires_at"].as_i64().unwrap();
    assert!(expires_at - app.now() > 29 * 60_000);
    settle().await;
    assert_eq!(
        app.sms.count(),
        sent,
        "no SMS for a code read out by telephone"
    );

    let log = crane::store::audit::list(&app.state.db.conn, &uid)
        .await
        .unwrap();
    let entry = log
        .iter()
        .find(|e| e.action == "reset_code")
        .expect("audited");
    assert!(
        !entry.detail.to_string().contains(&code),
        "the code is never logged"
    );
    // Valid past the five minutes of an SMS code.
    app.advance(10 * 60_000);
    assert_eq!(reset(&app, &p, &code, NEW_PASSWORD).await.status, 204);
    assert_eq!(
        reset(&app, &p, &code, "mật khẩu thứ ba").await.code(),
        "otp_missing"
    );
    assert_eq!(app.login(&p, NEW_PASSWORD).await.status, 200);
    let unknown = format!("/admin/users/{}/reset-code", uuid::Uuid::new_v4());
    assert_eq!(
        app.post(&unknown, Some(&admin), json!({})).await.status,
        404
    );
}

#[tokio::test]
async fn a_gateway_that_fails_twice_still_gets_the_message_on_the_third_try() {
    let app = TestApp::spawn().await;
    app.sms.fail_next(2);
    let p = phone();
    assert_eq!(app.request_code(&p, "register").await.status, 202);
    let code = app.sms.code_after(&e164(&p), 0).await;
    assert!(code.is_some(), "delivered after the retries");
    assert_eq!(app.sms.hits.load(std::sync::atomic::Ordering::SeqCst), 3);
    // The same id on every try, so a gateway can drop repeats.
    assert_eq!(app.sms.to(&e164(&p)).len(), 1);
}

#[tokio::test]
async fn a_dead_gateway_answers_503_sms_unavailable_and_counts_nothing() {
    // Port 9 on loopback (discard): nothing listens there in the test machine.
    let app = TestApp::spawn_with(|s| {
        s.sms.url = "http://127.0.0.1:9/sms".to_owned();
    })
    .await;
    let first = phone();
    assert_eq!(app.request_code(&first, "register").await.status, 202);
    // The sender tries three times (0.5 s and 2 s apart), then marks the gateway down.
    let mut answer = None;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let r = app.request_code(&phone(), "register").await;
        if r.status == 503 {
            answer = Some(r);
            break;
        }
    }
    let r = answer.expect("503 once the gateway has failed its retries");
    assert_eq!(r.code(), "sms_unavailable");
    assert!(retry_after(&r) >= 1, "{:?}", r.headers);
    // Nothing was counted for a refused request: the phone may ask as soon as it is back.
    let p = phone();
    assert_eq!(app.request_code(&p, "register").await.status, 503);
}

#[tokio::test]
async fn without_phone_verification_registration_needs_no_code() {
    let app = TestApp::spawn_with(|s| s.auth.verify_phone = false).await;
    let r = app
        .post("/auth/register", None, TestApp::registration(&phone()))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(app.sms.count(), 0);
}

#[tokio::test]
async fn bad_code_requests_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let r = app.request_code("12345", "register").await;
    assert_eq!(r.status, 422);
    assert!(r.body["error"]["fields"]["phone"].is_object(), "{}", r.text);
    let r = app.request_code(&phone(), "login").await;
    assert_eq!(r.status, 422);
    assert!(
        r.body["error"]["fields"]["purpose"].is_object(),
        "{}",
        r.text
    );
    let r = app
        .post(
            "/auth/otp",
            None,
            json!({"phone": phone(), "purpose": "register", "x": 1}),
        )
        .await;
    assert!(r.status == 400 || r.status == 422, "{}", r.text);
    let r = app.call(Method::POST, "/auth/otp", None, None).await;
    assert!(r.status.is_client_error(), "{}", r.text);
}

#[tokio::test]
async fn messages_answer_in_english_when_asked() {
    let app = TestApp::spawn().await;
    let (p, _) = citizen(&app).await;
    reset_code(&app, &p).await;
    let r = app
        .client
        .post(format!("{}/api/v1/auth/reset", app.address))
        .header("accept-language", "en")
        .json(&json!({"phone": p, "otp": "000000", "new_password": NEW_PASSWORD}))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("tries left") || msg.contains("code"), "{msg}");
}

#[tokio::test]
async fn twenty_concurrent_registrations_with_one_code_make_one_account() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let p = phone();
    let code = app.registration_code(&p).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let app = app.clone();
            let spelling = if i % 2 == 0 { p.clone() } else { e164(&p) };
            let code = code.clone();
            tokio::spawn(async move {
                let mut body = TestApp::registration(&spelling);
                body["otp"] = json!(code);
                let r = app.post("/auth/register", None, body).await;
                (r.status.as_u16(), r.code().to_owned())
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    assert_eq!(
        outcomes.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().all(|(s, c)| *s == 201
            || *s == 503
            || c.starts_with("otp_")
            || c == "already_registered"),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn the_sweep_forgets_a_phone_a_day_after_its_last_request_and_not_before() {
    let app = TestApp::spawn().await;
    let p = phone();
    assert_eq!(app.request_code(&p, "register").await.status, 202);
    let db = &app.state.db;
    let now = app.now();
    assert_eq!(crane::store::phone_codes::purge(db, now).await.unwrap(), 0);
    // The counters live on: within the day the phone still waits.
    app.advance(61_000);
    assert_eq!(app.request_code(&p, "register").await.status, 202);
    assert_eq!(
        crane::store::phone_codes::purge(db, app.now() + 86_400_000 + 400_000)
            .await
            .unwrap(),
        1
    );
}
