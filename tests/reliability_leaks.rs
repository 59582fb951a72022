//! Reliability, part 3: while a contest is open, nothing a participant can
//! receive tells which option is right. The bank's right options carry the
//! sentinel "ĐÚNG-SENTINEL-<n>" (the wrong ones do not); every response is
//! searched for the sentinel outside the option list it belongs to, for the
//! right options' ids outside the option lists, for answer-revealing fields,
//! and the served option order and ids are checked for bias.
//!
//! Counts: RELIABILITY_LEAK_PARTICIPANTS (default 8).

mod common;
use common::{TestApp, figures, knob};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

const FORBIDDEN_KEYS: &[&str] = &[
    "correct",
    "correct_option_id",
    "correct_option",
    "correct_answer",
    "correct_index",
    "answer",
    "answer_key",
    "is_correct",
    "is_right",
    "right",
    "solution",
];

/// A bank whose right options say so; option counts 2–6, the right one at
/// every index in turn, two categories.
fn sentinel_bank(n: usize) -> Value {
    let qs: Vec<Value> = (0..n)
        .map(|i| {
            let k = 2 + i % 5;
            let correct = (i / 5) % k;
            let options: Vec<String> = (0..k)
                .map(|j| {
                    if j == correct {
                        format!("ĐÚNG-SENTINEL-{i}")
                    } else {
                        format!("Phương án {i}.{j}")
                    }
                })
                .collect();
            json!({
                "text": format!("Câu {i}: sếu đầu đỏ sống ở đâu?"),
                "options": options,
                "correct": correct,
                "category": if i % 2 == 0 { "Sinh học" } else { "Địa lý" }
            })
        })
        .collect();
    json!({ "questions": qs })
}

struct Seen {
    label: String,
    status: u16,
    headers: String,
    text: String,
    body: Value,
}

#[derive(Default)]
struct Scan {
    responses: usize,
    leaks: Vec<String>,
}

impl Scan {
    fn check(&mut self, s: &Seen, correct_ids: &HashSet<u64>) {
        self.responses += 1;
        if s.headers.contains("SENTINEL") {
            self.leaks
                .push(format!("{}: sentinel in headers {}", s.label, s.headers));
        }
        if s.body.is_null() {
            if s.text.contains("SENTINEL") {
                self.leaks
                    .push(format!("{}: sentinel in a non-JSON body", s.label));
            }
            return;
        }
        walk(&s.body, &mut Vec::new(), &mut |path, v| {
            let at = path.join("/");
            // The API document names the organisers' fields; it holds no data.
            if let Some(key) = path.last()
                && s.label != "/api/openapi.json"
                && FORBIDDEN_KEYS.contains(&key.to_ascii_lowercase().as_str())
            {
                self.leaks.push(format!(
                    "{} ({}): answer-revealing field {at} = {v}",
                    s.label, s.status
                ));
            }
            let n = path.len();
            let in_option = |last: &str| {
                n >= 5
                    && path[n - 5] == "questions"
                    && path[n - 3] == "options"
                    && path[n - 1] == last
            };
            match v {
                Value::String(t) if t.contains("SENTINEL") && !in_option("text") => {
                    self.leaks.push(format!(
                        "{} ({}): sentinel outside its option list at {at}: {t}",
                        s.label, s.status
                    ));
                }
                Value::Number(x)
                    if x.as_u64().is_some_and(|x| correct_ids.contains(&x))
                        && !in_option("id")
                        && !(n >= 3 && path[n - 3] == "answers" && path[n - 1] == "option_id") =>
                {
                    self.leaks.push(format!(
                        "{} ({}): a right option's id outside the option lists at {at}",
                        s.label, s.status
                    ));
                }
                _ => {}
            }
        });
    }
}

fn walk(v: &Value, path: &mut Vec<String>, f: &mut impl FnMut(&[String], &Value)) {
    f(path, v);
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                walk(x, path, f);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                walk(x, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

async fn fetch(
    app: &TestApp,
    label: &str,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Seen {
    let bytes = body.map(|b| serde_json::to_vec(&b).unwrap());
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a));
    }
    let r = app
        .try_send(method, path, &headers, bytes)
        .await
        .expect("the server answers");
    Seen {
        label: label.to_owned(),
        status: r.status.as_u16(),
        headers: format!("{:?}", r.headers),
        text: r.text,
        body: r.body,
    }
}

#[tokio::test]
async fn nothing_a_participant_receives_while_the_contest_is_open_reveals_the_right_options() {
    let app = TestApp::spawn_with(|s| s.limits.registrations_per_ip_per_minute = 10_000).await;
    let org = app.staff(Role::Organiser).await;
    let bank_size = 40;
    let contest = app
        .published_contest_with(
            &org,
            json!({"questions_per_attempt": 6, "max_attempts": 3}),
            sentinel_bank(bank_size),
        )
        .await;
    // The truth, from the organisers' view of the bank.
    let staff_bank = app
        .get(&format!("/admin/contests/{contest}/questions"), Some(&org))
        .await;
    assert_eq!(staff_bank.status, 200, "{}", staff_bank.text);
    let mut right: HashMap<String, u64> = HashMap::new();
    for q in staff_bank.body["questions"].as_array().unwrap() {
        right.insert(
            q["id"].as_str().unwrap().to_owned(),
            q["correct_option_id"].as_u64().unwrap(),
        );
        let sentinel = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["text"].as_str().unwrap().contains("SENTINEL"))
            .unwrap();
        assert_eq!(
            sentinel["id"], q["correct_option_id"],
            "the bank is as seeded"
        );
    }
    assert_eq!(right.len(), bank_size);
    let correct_ids: HashSet<u64> = right.values().copied().collect();

    let mut seen: Vec<Seen> = Vec::new();
    // Served order and ids, for the bias checks.
    let mut first_served = 0.0f64;
    let mut expected_first = 0.0f64;
    let mut lowest_id = 0usize;
    let mut positions: HashSet<usize> = HashSet::new();
    let mut served = 0usize;
    let mut autosave_differs = Vec::new();

    let people = knob("RELIABILITY_LEAK_PARTICIPANTS", 8);
    let mut first_token = String::new();
    let mut first_attempt = String::new();
    for person in 0..people {
        let (tok, _) = app.participant().await;
        let t = Some(tok.as_str());
        let c = format!("/api/v1/contests/{contest}");
        seen.push(
            fetch(
                &app,
                "list contests",
                Method::GET,
                "/api/v1/contests",
                t,
                None,
            )
            .await,
        );
        seen.push(fetch(&app, "contest page", Method::GET, &c, t, None).await);
        seen.push(
            fetch(
                &app,
                "winners while open",
                Method::GET,
                &format!("{c}/winners"),
                t,
                None,
            )
            .await,
        );
        seen.push(fetch(&app, "me", Method::GET, "/api/v1/me", t, None).await);
        for round in 0..3 {
            let start = fetch(
                &app,
                "start",
                Method::POST,
                &format!("{c}/attempts"),
                t,
                Some(json!({})),
            )
            .await;
            assert!(start.status == 201 || start.status == 200, "{}", start.text);
            let a = start.body["attempt"].clone();
            let aid = a["id"].as_str().unwrap().to_owned();
            if person == 0 && round == 0 {
                first_token = tok.clone();
                first_attempt = aid.clone();
            }
            let qs = a["questions"].as_array().unwrap().clone();
            for q in &qs {
                let opts = q["options"].as_array().unwrap();
                let ids: Vec<u64> = opts.iter().map(|o| o["id"].as_u64().unwrap()).collect();
                let r = right[q["id"].as_str().unwrap()];
                let pos = ids
                    .iter()
                    .position(|i| *i == r)
                    .expect("the right option is served");
                positions.insert(pos);
                first_served += f64::from(u8::from(pos == 0));
                expected_first += 1.0 / ids.len() as f64;
                lowest_id += usize::from(ids.iter().min() == Some(&r));
                served += 1;
            }
            seen.push(start);
            let ap = format!("/api/v1/attempts/{aid}");
            seen.push(
                fetch(
                    &app,
                    "start again (resume)",
                    Method::POST,
                    &format!("{c}/attempts"),
                    t,
                    Some(json!({})),
                )
                .await,
            );
            seen.push(fetch(&app, "resume", Method::GET, &ap, t, None).await);
            // Autosave the right option, then a wrong one: the answers must
            // look the same apart from the clock.
            let q0 = &qs[0];
            let qid = q0["id"].as_str().unwrap();
            let r0 = right[qid];
            let wrong = q0["options"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_u64().unwrap())
                .find(|i| *i != r0)
                .unwrap();
            let mut saves = Vec::new();
            for opt in [r0, wrong] {
                let s = fetch(
                    &app,
                    "autosave",
                    Method::PUT,
                    &format!("{ap}/answers"),
                    t,
                    Some(json!({"answers": [{"question_id": qid, "option_id": opt}]})),
                )
                .await;
                assert_eq!(s.status, 200, "{}", s.text);
                let mut b = s.body.clone();
                b.as_object_mut().unwrap().remove("server_now");
                saves.push(b);
                seen.push(s);
            }
            if saves[0] != saves[1] {
                autosave_differs.push(format!("{} vs {}", saves[0], saves[1]));
            }
            seen.push(
                fetch(
                    &app,
                    "autosave a foreign option",
                    Method::PUT,
                    &format!("{ap}/answers"),
                    t,
                    Some(json!({"answers": [{"question_id": qid, "option_id": 7}]})),
                )
                .await,
            );
            seen.push(fetch(&app, "autosave a foreign question", Method::PUT, &format!("{ap}/answers"), t,
                Some(json!({"answers": [{"question_id": "00000000-0000-4000-8000-000000000000", "option_id": r0}]}))).await);
            seen.push(fetch(&app, "resume after autosave", Method::GET, &ap, t, None).await);
            seen.push(
                fetch(
                    &app,
                    "submit without prediction",
                    Method::POST,
                    &format!("{ap}/submit"),
                    t,
                    Some(json!({"answers": []})),
                )
                .await,
            );
            // Half right, half wrong.
            let answers: Vec<Value> = qs
                .iter()
                .enumerate()
                .map(|(i, q)| {
                    let r = right[q["id"].as_str().unwrap()];
                    let pick = q["options"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|o| o["id"].as_u64().unwrap())
                        .find(|o| (*o == r) == (i % 2 == 0))
                        .unwrap();
                    json!({"question_id": q["id"], "option_id": pick})
                })
                .collect();
            let sub = fetch(
                &app,
                "submit",
                Method::POST,
                &format!("{ap}/submit"),
                t,
                Some(json!({"answers": answers, "prediction": 12})),
            )
            .await;
            assert_eq!(sub.status, 200, "{}", sub.text);
            seen.push(sub);
            seen.push(
                fetch(
                    &app,
                    "submit again",
                    Method::POST,
                    &format!("{ap}/submit"),
                    t,
                    Some(json!({"answers": [], "prediction": 1})),
                )
                .await,
            );
            seen.push(
                fetch(
                    &app,
                    "autosave after submit",
                    Method::PUT,
                    &format!("{ap}/answers"),
                    t,
                    Some(json!({"answers": []})),
                )
                .await,
            );
            seen.push(fetch(&app, "resume after submit", Method::GET, &ap, t, None).await);
            seen.push(
                fetch(
                    &app,
                    "my attempts",
                    Method::GET,
                    &format!("{c}/my-attempts"),
                    t,
                    None,
                )
                .await,
            );
        }
        seen.push(
            fetch(
                &app,
                "start beyond max_attempts",
                Method::POST,
                &format!("{c}/attempts"),
                t,
                Some(json!({})),
            )
            .await,
        );
        // What staff see, asked for by a participant.
        for (label, path) in [
            (
                "bank",
                format!("/api/v1/admin/contests/{contest}/questions"),
            ),
            ("stats", format!("/api/v1/admin/contests/{contest}/stats")),
            ("admin contest", format!("/api/v1/admin/contests/{contest}")),
            (
                "results",
                format!("/api/v1/admin/contests/{contest}/results"),
            ),
            (
                "leaderboard",
                format!("/api/v1/admin/contests/{contest}/leaderboard.csv"),
            ),
            (
                "other's attempt",
                format!("/api/v1/attempts/{first_attempt}"),
            ),
        ] {
            let s = fetch(&app, label, Method::GET, &path, t, None).await;
            if person > 0 || label != "other's attempt" {
                assert!(
                    matches!(s.status, 403 | 404),
                    "{label}: {} {}",
                    s.status,
                    s.text
                );
            }
            seen.push(s);
        }
    }
    // Public pages anyone gets.
    for path in ["/", "/app.js", "/api/openapi.json", "/metrics", "/healthz"] {
        seen.push(fetch(&app, path, Method::GET, path, None, None).await);
    }
    // The first participant resumes once more from a new sign-in.
    seen.push(
        fetch(
            &app,
            "resume from first",
            Method::GET,
            &format!("/api/v1/attempts/{first_attempt}"),
            Some(&first_token),
            None,
        )
        .await,
    );

    let mut scan = Scan::default();
    for s in &seen {
        scan.check(s, &correct_ids);
    }
    for d in &autosave_differs {
        scan.leaks.push(format!(
            "autosave answers differ for a right and a wrong option: {d}"
        ));
    }
    let first_share = first_served / served as f64;
    let lowest_share = lowest_id as f64 / served as f64;
    figures(
        "leaks",
        &[
            ("participants", people.to_string()),
            ("responses", scan.responses.to_string()),
            ("questions_served", served.to_string()),
            ("right_first_share", format!("{first_share:.2}")),
            (
                "right_first_expected",
                format!("{:.2}", expected_first / served as f64),
            ),
            ("right_lowest_id_share", format!("{lowest_share:.2}")),
            ("leaks", scan.leaks.len().to_string()),
        ],
    );
    assert!(
        scan.leaks.is_empty(),
        "{} leaks:\n  {}",
        scan.leaks.len(),
        scan.leaks
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
    // The position and the id of the right option carry no signal: over
    // ~150 served questions a fixed position or id order would show.
    assert!(
        positions.len() >= 3,
        "the right option is served only at {positions:?}"
    );
    assert!(
        first_share < 0.6,
        "the right option comes first {first_share:.2} of the time"
    );
    assert!(
        lowest_share < 0.6,
        "the right option has the lowest id {lowest_share:.2} of the time"
    );
}
