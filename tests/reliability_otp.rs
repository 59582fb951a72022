//! Reliability, part 9: one-time codes under attack — hostile input to the
//! code routes, whether the answer or its timing of `POST /auth/otp` and `POST
//! /auth/reset` tells a registered phone from an unknown one, brute force of a
//! code, and replay of a used one.
//!
//! Counts: RELIABILITY_OTP_TIMING_SAMPLES (40 of each kind),
//! RELIABILITY_OTP_GUESSES (200).

mod common;
use common::{Resp, TestApp, figures, knob};
use serde_json::{Value, json};
use std::time::Instant;

const PASSWORD: &str = "sếu đầu đỏ tràm chim";

/// Timing tests run alone: other tests' load would drown the difference.
static ALONE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Status, body and headers but the date and length: what a client can see.
fn visible(r: &Resp) -> String {
    let mut h: Vec<String> = r
        .headers
        .iter()
        .filter(|(k, _)| !["date", "content-length"].contains(&k.as_str()))
        .map(|(k, v)| format!("{k}: {v:?}"))
        .collect();
    h.sort();
    format!("{} {} {h:?}", r.status, r.text)
}

/// A server without the per-phone gap, so one phone can be asked about in
/// every round.
async fn open_app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.auth.otp_resend_seconds = 0;
        s.auth.otp_per_phone_per_day = 1_000_000;
        s.limits.logins_per_ip_per_minute = 1_000_000;
    })
    .await
}

/// Runs `probe` for a known and an unknown phone back to back, `n` rounds
/// (up to three batches while the paired difference exceeds 5 ms); returns
/// (distinct answers, median known ms, median unknown ms, paired difference).
async fn paired<F, Fut>(n: usize, mut probe: F) -> (usize, f64, f64, f64)
where
    F: FnMut(bool) -> Fut,
    Fut: std::future::Future<Output = Resp>,
{
    let (mut known_ms, mut unknown_ms) = (Vec::new(), Vec::new());
    let mut answers = std::collections::HashSet::new();
    for _ in 0..3 {
        probe(true).await;
        probe(false).await;
    }
    let mut d = f64::MAX;
    let mut batches = 0;
    while batches < 3 && d.abs() > 5.0 {
        batches += 1;
        for _ in 0..n {
            for known in [true, false] {
                let t = Instant::now();
                let r = probe(known).await;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                answers.insert(visible(&r));
                if known {
                    &mut known_ms
                } else {
                    &mut unknown_ms
                }
                .push(ms);
            }
        }
        let mut diffs: Vec<f64> = known_ms
            .iter()
            .zip(&unknown_ms)
            .map(|(k, u)| k - u)
            .collect();
        d = median(&mut diffs);
    }
    (
        answers.len(),
        median(&mut known_ms),
        median(&mut unknown_ms),
        d,
    )
}

#[tokio::test]
async fn asking_for_a_code_answers_alike_and_as_fast_for_known_and_unknown_phones() {
    let _alone = ALONE.lock().await;
    let app = open_app().await;
    let known = common::phone();
    assert_eq!(
        app.register(TestApp::registration(&known)).await.status,
        201
    );
    let unknown = common::phone();
    let n = knob("RELIABILITY_OTP_TIMING_SAMPLES", 40);
    for purpose in ["register", "reset"] {
        let (distinct, k, u, d) = paired(n, |is_known| {
            let phone = if is_known {
                known.clone()
            } else {
                unknown.clone()
            };
            let app = &app;
            async move { app.request_code(&phone, purpose).await }
        })
        .await;
        figures(
            &format!("otp_enumeration_{purpose}"),
            &[
                ("samples", n.to_string()),
                ("distinct_answers", distinct.to_string()),
                ("median_known_ms", format!("{k:.2}")),
                ("median_unknown_ms", format!("{u:.2}")),
                ("median_paired_difference_ms", format!("{d:.2}")),
            ],
        );
        assert_eq!(distinct, 1, "{purpose}: the answers differ");
        assert!(
            d.abs() <= 5.0,
            "{purpose}: known phones take {d:.2} ms longer"
        );
    }
}

#[tokio::test]
async fn a_wrong_reset_code_answers_alike_and_as_fast_for_known_and_unknown_phones() {
    let _alone = ALONE.lock().await;
    let app = open_app().await;
    let known = common::phone();
    assert_eq!(
        app.register(TestApp::registration(&known)).await.status,
        201
    );
    let unknown = common::phone();
    let n = knob("RELIABILITY_OTP_TIMING_SAMPLES", 40);
    let (distinct, k, u, d) = paired(n, |is_known| {
        let phone = if is_known {
            known.clone()
        } else {
            unknown.clone()
        };
        let app = &app;
        async move {
            // A fresh code each time, so every wrong try is the first of five
            // (the code request is timed too: it is measured alone above).
            assert_eq!(app.request_code(&phone, "reset").await.status, 202);
            app.post(
                "/auth/reset",
                None,
                json!({"phone": phone, "otp": "000000", "new_password": "hoa sen nở giữa đầm"}),
            )
            .await
        }
    })
    .await;
    figures(
        "reset_enumeration",
        &[
            ("samples", n.to_string()),
            ("distinct_answers", distinct.to_string()),
            ("median_known_ms", format!("{k:.2}")),
            ("median_unknown_ms", format!("{u:.2}")),
            ("median_paired_difference_ms", format!("{d:.2}")),
        ],
    );
    // A chance of one in a million that a code is 000000: then the answers differ.
    assert!(distinct <= 2, "the answers differ");
    assert!(d.abs() <= 5.0, "known phones take {d:.2} ms longer");
}

#[tokio::test]
async fn brute_force_of_a_code_gets_five_tries_in_all_and_replay_fails() {
    let app = TestApp::spawn_with(|s| s.limits.logins_per_ip_per_minute = 1_000_000).await;
    let phone = common::phone();
    assert_eq!(
        app.register(TestApp::registration(&phone)).await.status,
        201
    );
    app.advance(61_000);
    let before = app.sms.count();
    assert_eq!(app.request_code(&phone, "reset").await.status, 202);
    let e164 = format!("+84{}", &phone[1..]);
    let code = app.sms.code_after(&e164, before).await.unwrap();
    let guesses = knob("RELIABILITY_OTP_GUESSES", 200);
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for i in 0..guesses {
        let guess = format!(
            "{:06}",
            (code.parse::<usize>().unwrap() + 1 + i) % 1_000_000
        );
        let r = app
            .post(
                "/auth/reset",
                None,
                json!({"phone": phone, "otp": guess, "new_password": "kẻ gian đoán mã"}),
            )
            .await;
        *kinds.entry(r.code().to_owned()).or_default() += 1;
    }
    let right = app
        .post(
            "/auth/reset",
            None,
            json!({"phone": phone, "otp": code, "new_password": "kẻ gian đoán mã"}),
        )
        .await;
    figures(
        "otp_brute_force",
        &[
            ("guesses", guesses.to_string()),
            (
                "wrong",
                kinds.get("otp_wrong").copied().unwrap_or(0).to_string(),
            ),
            (
                "exhausted",
                kinds.get("otp_exhausted").copied().unwrap_or(0).to_string(),
            ),
        ],
    );
    assert_eq!(kinds.get("otp_wrong"), Some(&5), "{kinds:?}");
    assert_eq!(right.code(), "otp_exhausted", "{}", right.text);
    assert_eq!(app.login(&phone, PASSWORD).await.status, 200);

    // Replay: a fresh code works once.
    app.advance(61_000);
    let before = app.sms.count();
    assert_eq!(app.request_code(&phone, "reset").await.status, 202);
    let code = app.sms.code_after(&e164, before).await.unwrap();
    let body = json!({"phone": phone, "otp": code, "new_password": "hoa sen nở giữa đầm"});
    assert_eq!(
        app.post("/auth/reset", None, body.clone()).await.status,
        204
    );
    let replay = app.post("/auth/reset", None, body).await;
    assert_eq!(replay.code(), "otp_missing", "{}", replay.text);
}

#[tokio::test]
async fn hostile_input_to_the_code_routes_is_refused_without_a_5xx() {
    let app = TestApp::spawn().await;
    let long = "9".repeat(100_000);
    let bodies: Vec<(&str, Value)> = vec![
        ("/auth/otp", json!({"phone": long, "purpose": "register"})),
        ("/auth/otp", json!({"phone": "0912345678", "purpose": long})),
        (
            "/auth/otp",
            json!({"phone": ["0912345678"], "purpose": "register"}),
        ),
        ("/auth/otp", json!({"phone": null, "purpose": "reset"})),
        (
            "/auth/otp",
            json!({"phone": "0912\u{0}345678", "purpose": "reset"}),
        ),
        (
            "/auth/otp",
            json!({"phone": "٠٩١٢٣٤٥٦٧٨", "purpose": "reset"}),
        ),
        (
            "/auth/otp",
            json!({"phone": "0912345678", "purpose": "register", "otp": "1"}),
        ),
        (
            "/auth/reset",
            json!({"phone": "0912345678", "otp": "١٢٣٤٥٦", "new_password": PASSWORD}),
        ),
        (
            "/auth/reset",
            json!({"phone": "0912345678", "otp": 123456, "new_password": PASSWORD}),
        ),
        (
            "/auth/reset",
            json!({"phone": "0912345678", "otp": "123456'--", "new_password": PASSWORD}),
        ),
        (
            "/auth/reset",
            json!({"phone": "0912345678", "otp": long, "new_password": PASSWORD}),
        ),
        (
            "/auth/reset",
            json!({"phone": "0912345678", "otp": "123456", "new_password": long}),
        ),
        (
            "/auth/reset",
            json!({"phone": "0912345678", "otp": "123456"}),
        ),
        (
            "/auth/register",
            json!({"phone": "0912345678", "otp": "12 34 5", "password": PASSWORD}),
        ),
    ];
    let mut server_errors = Vec::new();
    for (path, body) in &bodies {
        let r = app.post(path, None, body.clone()).await;
        if r.status.is_server_error() || r.status.is_success() {
            server_errors.push(format!("{path} {body:.80} → {} {}", r.status, r.text));
        }
    }
    for raw in [
        &b"{"[..],
        b"[]",
        b"null",
        b"\xff\xfe",
        b"{\"phone\":\"0912345678\",\"purpose\":\"reset\"}}",
    ] {
        for path in ["/api/v1/auth/otp", "/api/v1/auth/reset"] {
            let r = app
                .raw(
                    reqwest::Method::POST,
                    path,
                    None,
                    Some(("application/json", raw.to_vec())),
                )
                .await;
            if !r.status.is_client_error() {
                server_errors.push(format!("{path} {raw:?} → {} {}", r.status, r.text));
            }
        }
    }
    figures(
        "otp_hostile",
        &[
            ("sent", (bodies.len() + 10).to_string()),
            ("not_refused", server_errors.len().to_string()),
        ],
    );
    assert!(server_errors.is_empty(), "{server_errors:#?}");
}
