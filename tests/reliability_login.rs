//! Reliability, part 8: login abuse — guessing one account's password,
//! one password across many accounts, forged X-Forwarded-For, and whether the
//! answer or its timing tells a registered phone from an unknown one.
//!
//! Counts: RELIABILITY_LOGIN_GUESSES (100), RELIABILITY_SPRAY_ACCOUNTS (500),
//! RELIABILITY_TIMING_SAMPLES (30 of each kind).

mod common;
use common::{TestApp, figures, knob};
use futures_util::StreamExt;
use serde_json::json;
use std::time::Instant;

const PASSWORD: &str = "sếu đầu đỏ tràm chim";

/// The spray and the timing test both hash hard; timing is measured alone.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn retry_after(r: &common::Resp) -> Option<u64> {
    r.headers.get("retry-after")?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn a_hundred_wrong_passwords_lock_the_account_after_ten_whatever_the_spelling() {
    let app = TestApp::spawn().await;
    let p = common::phone();
    assert_eq!(app.register(TestApp::registration(&p)).await.status, 201);
    let spellings = [
        p.clone(),
        format!("+84{}", &p[1..]),
        format!("{} {} {}", &p[..3], &p[3..6], &p[6..]),
    ];
    let guesses = knob("RELIABILITY_LOGIN_GUESSES", 100);
    let (mut unauthorized, mut limited, mut other) = (0, 0, Vec::new());
    let mut first_limited = None;
    let mut bad_retry_after = 0;
    for i in 0..guesses {
        let r = app
            .login(&spellings[i % 3], &format!("đoán sai lần {i}"))
            .await;
        match r.status.as_u16() {
            401 => unauthorized += 1,
            429 => {
                limited += 1;
                first_limited.get_or_insert(i);
                if !retry_after(&r).is_some_and(|s| (1..=900).contains(&s))
                    || r.code() != "rate_limited"
                {
                    bad_retry_after += 1;
                }
            }
            s => other.push(format!("guess {i}: {s} {}", r.text)),
        }
    }
    // Locked: the right password does not get in either, in any spelling.
    let mut right_refused = 0;
    for s in &spellings {
        right_refused += usize::from(app.login(s, PASSWORD).await.status == 429);
    }
    figures(
        "login_guessing",
        &[
            ("guesses", guesses.to_string()),
            ("401", unauthorized.to_string()),
            ("429", limited.to_string()),
            (
                "first_429_at",
                first_limited.map_or("-".into(), |i| (i + 1).to_string()),
            ),
            (
                "right_password_refused_while_locked",
                format!("{right_refused}/3"),
            ),
            ("other", other.len().to_string()),
        ],
    );
    assert!(other.is_empty(), "{other:?}");
    assert_eq!(unauthorized, 10, "exactly ten wrong passwords are answered");
    assert_eq!(limited, guesses - 10);
    assert_eq!(bad_retry_after, 0, "429 without a sane Retry-After");
    assert_eq!(right_refused, 3);
}

#[tokio::test]
async fn one_password_tried_across_five_hundred_accounts_hits_the_per_ip_limit_and_never_a_5xx() {
    let _alone = HEAVY.lock().await;
    let per_minute = 40;
    let app = TestApp::spawn_with(|s| s.limits.logins_per_ip_per_minute = per_minute).await;
    // A few of the phones are real accounts with that very password.
    let mut real = Vec::new();
    for _ in 0..3 {
        let p = common::phone();
        app.register(TestApp::registration(&p)).await;
        real.push(p);
    }
    let n = knob("RELIABILITY_SPRAY_ACCOUNTS", 500);
    let phones: Vec<String> = (0..n)
        .map(|i| {
            if i % 150 == 7 {
                real[i / 150 % 3].clone()
            } else {
                common::phone()
            }
        })
        .collect();
    let started = Instant::now();
    let statuses: Vec<u16> = futures_util::stream::iter(phones.iter())
        .map(|p| {
            let app = &app;
            async move { app.login(p, PASSWORD).await.status.as_u16() }
        })
        .buffered(8)
        .collect()
        .await;
    let secs = started.elapsed().as_secs_f64();
    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    let served = statuses.iter().filter(|s| **s != 429).count();
    let server_errors = statuses.iter().filter(|s| **s >= 500).count();
    // The burst, plus what refills while the spray runs.
    let allowance = per_minute as f64 * (1.0 + secs / 60.0) + 1.0;
    // A forged X-Forwarded-For does not buy a new allowance.
    let mut forged_through = 0;
    for i in 0..20 {
        let r = app
            .client
            .post(format!("{}/api/v1/auth/login", app.address))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .header("x-real-ip", format!("198.51.100.{i}"))
            .header("forwarded", format!("for=192.0.2.{i}"))
            .json(&json!({"phone": common::phone(), "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        forged_through += usize::from(r.status() != 429);
    }
    figures(
        "login_spray",
        &[
            ("accounts", n.to_string()),
            ("200", count(200).to_string()),
            ("401", count(401).to_string()),
            ("429", count(429).to_string()),
            ("5xx", server_errors.to_string()),
            ("seconds", format!("{secs:.1}")),
            ("forged_xff_let_through", forged_through.to_string()),
        ],
    );
    assert_eq!(server_errors, 0);
    assert!(count(429) > 0, "no per-IP limit was hit");
    assert!(
        (served as f64) <= allowance,
        "{served} logins answered from one IP in {secs:.1} s (limit {per_minute}/min)"
    );
    assert_eq!(
        forged_through, 0,
        "a forged X-Forwarded-For reset the per-IP limit"
    );
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_configured_proxies() {
    // The test client is 127.0.0.1. Case 1: a proxy is configured, but not us.
    let app = TestApp::spawn_with(|s| {
        s.limits.logins_per_ip_per_minute = 5;
        s.limits.trusted_proxies = vec!["10.0.0.5".into()];
    })
    .await;
    let login = |app: &TestApp, xff: String| {
        let req = app
            .client
            .post(format!("{}/api/v1/auth/login", app.address))
            .header("x-forwarded-for", xff)
            .json(&json!({"phone": common::phone(), "password": PASSWORD}));
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let mut untrusted = Vec::new();
    for i in 0..12 {
        untrusted.push(login(&app, format!("203.0.113.{i}")).await);
    }
    // Case 2: we are the trusted proxy. The right-most untrusted entry is the
    // client; a forged left part must not change it.
    let proxied = TestApp::spawn_with(|s| {
        s.limits.logins_per_ip_per_minute = 5;
        s.limits.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let mut forged_left = Vec::new();
    for i in 0..12 {
        forged_left.push(login(&proxied, format!("203.0.113.{i}, 198.51.100.7")).await);
    }
    // Other clients behind the same proxy still get their own allowance.
    let other_client = login(&proxied, "198.51.100.8".into()).await;
    let limited = |v: &[u16]| v.iter().filter(|s| **s == 429).count();
    figures(
        "login_forwarded",
        &[
            ("untrusted_peer_429", format!("{}/12", limited(&untrusted))),
            (
                "trusted_proxy_forged_left_429",
                format!("{}/12", limited(&forged_left)),
            ),
            ("other_client_behind_proxy", other_client.to_string()),
        ],
    );
    assert_eq!(limited(&untrusted), 7, "{untrusted:?}");
    assert_eq!(limited(&forged_left), 7, "{forged_left:?}");
    assert_eq!(other_client, 401);
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::test]
async fn wrong_passwords_and_unknown_phones_get_the_same_answer_in_the_same_time() {
    let _alone = HEAVY.lock().await;
    let app = TestApp::spawn_with(|s| {
        s.limits.login_failures_per_phone = 100_000;
        s.limits.logins_per_ip_per_minute = 100_000;
    })
    .await;
    let known = common::phone();
    app.register(TestApp::registration(&known)).await;
    let n = knob("RELIABILITY_TIMING_SAMPLES", 60);
    let (mut wrong_ms, mut unknown_ms, mut garbage_ms) = (Vec::new(), Vec::new(), Vec::new());
    let mut answers = std::collections::HashSet::new();
    let strip = |r: &common::Resp| {
        let mut h: Vec<String> = r
            .headers
            .iter()
            .filter(|(k, _)| !["date", "content-length"].contains(&k.as_str()))
            .map(|(k, v)| format!("{k}: {v:?}"))
            .collect();
        h.sort();
        format!("{} {} {h:?}", r.status, r.text)
    };
    // Warm up both paths.
    for _ in 0..3 {
        app.login(&known, "mật khẩu sai").await;
        app.login(&common::phone(), "mật khẩu sai").await;
    }
    // Rounds measure the three kinds back to back, so per-round differences
    // cancel the load of whatever else runs on the machine; on a busy
    // machine more rounds are taken (up to three batches) before judging.
    let (mut du, mut dg) = (f64::MAX, f64::MAX);
    let mut batches = 0;
    while batches < 3 && (du.abs() > 5.0 || dg.abs() > 5.0) {
        batches += 1;
        for _ in 0..n {
            for kind in 0..3 {
                let phone = match kind {
                    0 => known.clone(),
                    1 => common::phone(),
                    _ => "not-a-phone".to_owned(),
                };
                let t = Instant::now();
                let r = app.login(&phone, "mật khẩu sai").await;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                answers.insert(strip(&r));
                [&mut wrong_ms, &mut unknown_ms, &mut garbage_ms][kind].push(ms);
            }
        }
        let paired = |other: &[f64]| {
            let mut d: Vec<f64> = wrong_ms.iter().zip(other).map(|(w, o)| w - o).collect();
            median(&mut d)
        };
        (du, dg) = (paired(&unknown_ms), paired(&garbage_ms));
    }
    let (w, u, g) = (
        median(&mut wrong_ms),
        median(&mut unknown_ms),
        median(&mut garbage_ms),
    );
    figures(
        "login_enumeration",
        &[
            ("samples", wrong_ms.len().to_string()),
            ("distinct_answers", answers.len().to_string()),
            ("median_wrong_password_ms", format!("{w:.2}")),
            ("median_unknown_phone_ms", format!("{u:.2}")),
            ("median_invalid_phone_ms", format!("{g:.2}")),
            ("median_paired_difference_unknown_ms", format!("{du:.2}")),
            ("median_paired_difference_invalid_ms", format!("{dg:.2}")),
        ],
    );
    assert_eq!(answers.len(), 1, "the answers differ: {answers:#?}");
    assert!(
        du.abs() <= 5.0,
        "a wrong password takes {du:.2} ms longer than an unknown phone (medians {w:.2} / {u:.2})"
    );
    assert!(
        dg.abs() <= 5.0,
        "a wrong password takes {dg:.2} ms longer than an invalid phone (medians {w:.2} / {g:.2})"
    );
}
