//! Reliability, part 4: every window and deadline edge, ±1 ms, on the
//! server's injected clock. The contract (docs/design.md): attempts start in [starts_at, ends_at);
//! `deadline = min(started_at + time_limit, ends_at)`; submits and autosaves are
//! accepted until `deadline + grace` inclusive; an attempt left open is closed
//! with its autosaved answers at `submitted_at = deadline`; the server's clock
//! is the only clock, so client-sent times are refused or ignored.

mod common;
use common::{TestApp, answers_for, figures};
use crane::domain::account::Role;
use crane::domain::clock::{parse_rfc3339, to_rfc3339};
use reqwest::Method;
use serde_json::{Value, json};

const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

#[derive(Default)]
struct Cases {
    checked: usize,
    wrong: Vec<String>,
}

impl Cases {
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, case: &str, expected: T, got: T) {
        self.checked += 1;
        if expected != got {
            self.wrong
                .push(format!("{case}: expected {expected:?}, got {got:?}"));
        }
    }
}

fn ms(v: &Value) -> i64 {
    parse_rfc3339(v.as_str().unwrap_or_default()).unwrap_or(i64::MIN)
}

struct Player {
    token: String,
    attempt: Value,
}

impl Player {
    fn id(&self) -> String {
        self.attempt["id"].as_str().unwrap().to_owned()
    }
}

async fn status_of(app: &TestApp, contest: &str) -> String {
    app.get(&format!("/contests/{contest}"), None).await.body["contest"]["status"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}

async fn attempt_state(app: &TestApp, p: &Player) -> Value {
    let r = app
        .get(&format!("/attempts/{}", p.id()), Some(&p.token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["attempt"].clone()
}

#[tokio::test]
async fn every_window_and_deadline_edge_holds_to_the_millisecond_and_late_answers_never_count() {
    let app = TestApp::spawn_with(|s| s.limits.registrations_per_ip_per_minute = 10_000).await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let mut tokens = Vec::new();
    for _ in 0..14 {
        tokens.push(app.participant().await.0);
    }
    let t0 = app.now() / 1000 * 1000 + 123;
    app.state.clock.freeze_at(t0);
    let s = t0 + 10_000;
    let e = s + 600_000;
    let limit = 60_000;
    let grace = 15_000;
    let window = json!({
        "starts_at": to_rfc3339(s, TZ), "ends_at": to_rfc3339(e, TZ),
        "time_limit_seconds": 60, "grace_seconds": 15, "max_attempts": 100,
        "questions_per_attempt": 5
    });
    let c = app.published_contest(&org, window.clone(), 10).await;
    let mut w0 = window.clone();
    w0["grace_seconds"] = json!(0);
    let c0 = app.published_contest(&org, w0, 10).await;
    let mut k = Cases::default();
    let at = |t: i64| app.state.clock.freeze_at(t);

    // The window opens at starts_at, inclusive.
    at(s - 1);
    k.eq(
        "status at start − 1 ms",
        "upcoming".to_owned(),
        status_of(&app, &c).await,
    );
    let r = app.start(&tokens[0], &c).await;
    k.eq(
        "start at start − 1 ms",
        (409, "contest_not_open"),
        (r.status.as_u16(), r.code()),
    );
    at(s);
    k.eq(
        "status at start",
        "open".to_owned(),
        status_of(&app, &c).await,
    );
    let mut p = Vec::new();
    for (i, tok) in tokens.iter().take(5).enumerate() {
        // Client-sent times in the start body are ignored.
        let r = app
            .post(
                &format!("/contests/{c}/attempts"),
                Some(tok),
                json!({"started_at": "2000-01-01T00:00:00Z", "deadline": "2999-01-01T00:00:00Z"}),
            )
            .await;
        // The start takes no body: the times come from the server's clock only.
        k.eq(&format!("start #{i} at start"), 201, r.status.as_u16());
        let given = |f: &str| r.body["attempt"][f].as_str().unwrap_or("").to_owned();
        k.eq(
            &format!("start #{i} keeps the server's times, not the client's"),
            (true, false, false),
            (
                !given("deadline").is_empty(),
                given("started_at").starts_with("2000"),
                given("deadline").starts_with("2999"),
            ),
        );
        p.push(Player {
            token: tok.clone(),
            attempt: r.body["attempt"].clone(),
        });
    }
    for (i, pl) in p.iter().enumerate() {
        k.eq(
            &format!("started_at #{i} is the server's"),
            s,
            ms(&pl.attempt["started_at"]),
        );
        k.eq(
            &format!("deadline #{i} = start + limit"),
            s + limit,
            ms(&pl.attempt["deadline"]),
        );
        k.eq(
            &format!("server_now #{i}"),
            s,
            ms(&pl.attempt["server_now"]),
        );
    }
    // Grace 0: two more attempts on the other contest.
    let q0 = Player {
        token: tokens[5].clone(),
        attempt: app.start(&tokens[5], &c0).await.body["attempt"].clone(),
    };
    let q1 = Player {
        token: tokens[6].clone(),
        attempt: app.start(&tokens[6], &c0).await.body["attempt"].clone(),
    };
    let d = s + limit;
    let g = d + grace;

    at(s + 1_000);
    // Autosave some right answers: 2 for p0, p1 and p4; 1 for p2.
    for (i, right) in [(0usize, 2usize), (1, 2), (2, 1), (4, 2)] {
        let all = answers_for(&p[i].attempt, right);
        let saved: Vec<Value> = all.as_array().unwrap()[..right.max(1)].to_vec();
        let r = app
            .autosave(&p[i].token, &p[i].id(), Value::Array(saved))
            .await;
        k.eq(
            &format!("autosave #{i} inside the time"),
            200,
            r.status.as_u16(),
        );
    }
    // Client-sent times on submit and autosave are refused (and change nothing).
    let p3 = p[3].id();
    for field in [
        "submitted_at",
        "started_at",
        "server_now",
        "client_time",
        "duration_ms",
        "score",
        "deadline",
    ] {
        let mut body = json!({"answers": answers_for(&p[3].attempt, 5), "prediction": 1});
        body[field] = json!("2000-01-01T00:00:00Z");
        let r = app
            .post(&format!("/attempts/{p3}/submit"), Some(&p[3].token), body)
            .await;
        k.eq(
            &format!("submit with {field} is refused"),
            422,
            r.status.as_u16(),
        );
    }
    let r = app
        .call(
            Method::PUT,
            &format!("/attempts/{p3}/answers"),
            Some(&p[3].token),
            Some(json!({"answers": [], "saved_at": "2000-01-01T00:00:00Z"})),
        )
        .await;
    k.eq("autosave with saved_at is refused", 422, r.status.as_u16());
    k.eq(
        "the attempt is still open after refused bodies",
        "open".to_owned(),
        attempt_state(&app, &p[3]).await["status"]
            .as_str()
            .unwrap()
            .to_owned(),
    );

    // One millisecond before the deadline, with a faked Date header.
    at(d - 1);
    let r = app
        .client
        .post(format!("{}/api/v1/attempts/{p3}/submit", app.address))
        .bearer_auth(&p[3].token)
        .header("date", "Fri, 01 Jan 2100 00:00:00 GMT")
        .json(&json!({"answers": answers_for(&p[3].attempt, 5), "prediction": 1}))
        .send()
        .await
        .unwrap();
    k.eq("submit at deadline − 1 ms", 200, r.status().as_u16());
    let body: Value = r.json().await.unwrap();
    k.eq(
        "submitted_at is the server's",
        d - 1,
        ms(&body["attempt"]["submitted_at"]),
    );
    k.eq(
        "duration = submitted_at − started_at",
        json!(limit - 1),
        body["attempt"]["duration_ms"].clone(),
    );

    // At the deadline: autosave is still taken (grace).
    at(d);
    let all4 = answers_for(&p[4].attempt, 3);
    let r = app
        .autosave(
            &p[4].token,
            &p[4].id(),
            Value::Array(all4.as_array().unwrap()[..3].to_vec()),
        )
        .await;
    k.eq("autosave at the deadline", 200, r.status.as_u16());
    let r = app
        .submit(&q0.token, &q0.id(), answers_for(&q0.attempt, 5), Some(1))
        .await;
    k.eq("grace 0: submit at the deadline", 200, r.status.as_u16());
    k.eq(
        "grace 0: score",
        json!(5),
        r.body["attempt"]["score"].clone(),
    );

    at(d + 1);
    let r = app
        .autosave(&q1.token, &q1.id(), answers_for(&q1.attempt, 5))
        .await;
    k.eq(
        "grace 0: autosave at deadline + 1 ms",
        (409, "attempt_expired"),
        (r.status.as_u16(), r.code()),
    );
    let r = app
        .submit(&q1.token, &q1.id(), answers_for(&q1.attempt, 5), Some(1))
        .await;
    k.eq(
        "grace 0: submit at deadline + 1 ms",
        (409, "attempt_expired"),
        (r.status.as_u16(), r.code()),
    );
    let st = attempt_state(&app, &q1).await;
    k.eq(
        "grace 0: late attempt scores nothing",
        json!(0),
        st["result"]["score"].clone(),
    );

    // The last millisecond of grace.
    at(g);
    let r = app
        .submit(
            &p[0].token,
            &p[0].id(),
            answers_for(&p[0].attempt, 5),
            Some(1),
        )
        .await;
    k.eq("submit at deadline + grace", 200, r.status.as_u16());
    k.eq(
        "score at deadline + grace",
        json!(5),
        r.body["attempt"]["score"].clone(),
    );
    k.eq(
        "submitted_at at deadline + grace",
        g,
        ms(&r.body["attempt"]["submitted_at"]),
    );
    let all2 = answers_for(&p[2].attempt, 3);
    let r = app
        .autosave(
            &p[2].token,
            &p[2].id(),
            Value::Array(all2.as_array().unwrap()[..3].to_vec()),
        )
        .await;
    k.eq("autosave at deadline + grace", 200, r.status.as_u16());

    // One millisecond late.
    at(g + 1);
    let r = app
        .submit(
            &p[1].token,
            &p[1].id(),
            answers_for(&p[1].attempt, 5),
            Some(1),
        )
        .await;
    k.eq(
        "submit at deadline + grace + 1 ms",
        (409, "attempt_expired"),
        (r.status.as_u16(), r.code()),
    );
    let r = app
        .autosave(&p[2].token, &p[2].id(), answers_for(&p[2].attempt, 5))
        .await;
    k.eq(
        "autosave at deadline + grace + 1 ms",
        (409, "attempt_expired"),
        (r.status.as_u16(), r.code()),
    );
    let mut late_scored = 0i64;
    for (i, saved_right) in [(1usize, 2i64), (2, 3), (4, 3)] {
        let st = attempt_state(&app, &p[i]).await;
        k.eq(
            &format!("attempt #{i} closed as expired"),
            json!("expired"),
            st["status"].clone(),
        );
        k.eq(
            &format!("attempt #{i} submitted_at = deadline"),
            d,
            ms(&st["result"]["submitted_at"]),
        );
        k.eq(
            &format!("attempt #{i} duration = time limit"),
            json!(limit),
            st["result"]["duration_ms"].clone(),
        );
        let score = st["result"]["score"].as_i64().unwrap_or(-1);
        k.eq(
            &format!("attempt #{i} scores its autosaved answers only"),
            saved_right,
            score,
        );
        late_scored += (score - saved_right).max(0);
    }
    // A repeated late submit changes nothing.
    let r = app
        .submit(
            &p[1].token,
            &p[1].id(),
            answers_for(&p[1].attempt, 5),
            Some(1),
        )
        .await;
    k.eq("late submit again", 409, r.status.as_u16());

    // The end caps the deadline.
    at(e - 60_001);
    let r = app.start(&tokens[7], &c).await;
    k.eq(
        "start at end − limit − 1 ms: deadline = start + limit",
        e - 1,
        ms(&r.body["attempt"]["deadline"]),
    );
    let p7 = Player {
        token: tokens[7].clone(),
        attempt: r.body["attempt"].clone(),
    };
    at(e - 60_000);
    let r = app.start(&tokens[8], &c).await;
    k.eq(
        "start at end − limit: deadline = end",
        e,
        ms(&r.body["attempt"]["deadline"]),
    );
    let p8 = Player {
        token: tokens[8].clone(),
        attempt: r.body["attempt"].clone(),
    };
    at(e - 1);
    k.eq(
        "status at end − 1 ms",
        "open".to_owned(),
        status_of(&app, &c).await,
    );
    let r = app.start(&tokens[9], &c).await;
    k.eq("start at end − 1 ms", 201, r.status.as_u16());
    k.eq(
        "deadline capped at the end",
        e,
        ms(&r.body["attempt"]["deadline"]),
    );
    let p9 = Player {
        token: tokens[9].clone(),
        attempt: r.body["attempt"].clone(),
    };
    at(e);
    k.eq(
        "status at end",
        "closed".to_owned(),
        status_of(&app, &c).await,
    );
    let r = app.start(&tokens[10], &c).await;
    k.eq(
        "start at end",
        (409, "contest_not_open"),
        (r.status.as_u16(), r.code()),
    );
    at(e + 14_999);
    let r = app
        .submit(&p7.token, &p7.id(), answers_for(&p7.attempt, 5), Some(1))
        .await;
    k.eq("submit at (end − 1) + grace", 200, r.status.as_u16());
    at(e + grace);
    let r = app
        .submit(&p9.token, &p9.id(), answers_for(&p9.attempt, 5), Some(1))
        .await;
    k.eq("submit at end + grace", 200, r.status.as_u16());
    let r = app
        .post(
            &format!("/admin/contests/{c}/results"),
            Some(&admin),
            json!({}),
        )
        .await;
    k.eq(
        "results at end + grace",
        (409, "contest_not_ended"),
        (r.status.as_u16(), r.code()),
    );
    at(e + grace + 1);
    let r = app
        .submit(&p8.token, &p8.id(), answers_for(&p8.attempt, 5), Some(1))
        .await;
    k.eq(
        "submit at end + grace + 1 ms",
        (409, "attempt_expired"),
        (r.status.as_u16(), r.code()),
    );
    let st = attempt_state(&app, &p8).await;
    k.eq(
        "late attempt at the end scores nothing",
        json!(0),
        st["result"]["score"].clone(),
    );
    late_scored += st["result"]["score"].as_i64().unwrap_or(0);
    let r = app
        .post(
            &format!("/admin/contests/{c}/results"),
            Some(&admin),
            json!({}),
        )
        .await;
    k.eq("results at end + grace + 1 ms", 200, r.status.as_u16());

    figures(
        "deadlines",
        &[
            ("cases", k.checked.to_string()),
            ("wrong", k.wrong.len().to_string()),
            ("late_answers_scored", late_scored.to_string()),
        ],
    );
    assert!(
        k.wrong.is_empty(),
        "edges not as docs/design.md says:\n  {}",
        k.wrong.join("\n  ")
    );
    assert_eq!(late_scored, 0);
}
