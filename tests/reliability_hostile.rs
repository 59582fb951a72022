//! Reliability, part 1: hostile input against every route of the OpenAPI
//! document — a fixed corpus with the answers the API contract (docs/design.md) promises, then
//! proptest-generated requests. Nothing may answer 5xx, panic, or make the
//! process grow.
//!
//! Counts: RELIABILITY_HOSTILE_CASES (generated requests, default 400),
//! RELIABILITY_HOSTILE_PASSES (how often corpus and generated requests are
//! sent, default 1) and RELIABILITY_SEED (the generator's seed). Diagnostics:
//! RELIABILITY_HOSTILE_SMALL_ONLY leaves out the 10 MB bodies,
//! RELIABILITY_HOSTILE_SKIP=<text> the routes whose path contains it.

mod common;
use common::{TestApp, answers_for, figures, knob, panic_counter, rss_kb};
use crane::domain::account::Role;
use futures_util::StreamExt;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

/// One request, described well enough to replay it by hand.
#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    /// Which credential: none, participant, organiser, admin, garbage.
    auth: usize,
    content_type: Option<String>,
    extra_headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// Statuses the API contract (docs/design.md) promises for this request; empty: only "no 5xx".
    expect: Vec<u16>,
    label: String,
}

impl Req {
    fn new(method: &str, path: &str, auth: usize) -> Self {
        Req {
            method: method.to_owned(),
            path: path.to_owned(),
            auth,
            content_type: None,
            extra_headers: vec![],
            body: None,
            expect: vec![],
            label: String::new(),
        }
    }
    fn json(mut self, body: &Value) -> Self {
        self.content_type = Some("application/json".into());
        self.body = Some(serde_json::to_vec(body).unwrap());
        self
    }
    fn bytes(mut self, ct: Option<&str>, body: Vec<u8>) -> Self {
        self.content_type = ct.map(str::to_owned);
        self.body = Some(body);
        self
    }
    fn expect(mut self, statuses: &[u16], label: &str) -> Self {
        self.expect = statuses.to_vec();
        self.label = label.to_owned();
        self
    }
    fn describe(&self) -> String {
        let body = self.body.as_ref().map(|b| {
            let shown = &b[..b.len().min(300)];
            format!(
                "{:?}{}",
                String::from_utf8_lossy(shown),
                if b.len() > 300 {
                    format!("… ({} bytes)", b.len())
                } else {
                    String::new()
                }
            )
        });
        format!(
            "{} {} [auth={} ct={:?} headers={:?}] body={} ({})",
            self.method,
            self.path,
            [
                "none",
                "participant",
                "organiser",
                "admin",
                "garbage",
                "participant2"
            ][self.auth],
            self.content_type,
            self.extra_headers,
            body.unwrap_or_else(|| "-".into()),
            self.label
        )
    }
}

struct Fixture {
    app: TestApp,
    /// none, participant, organiser, admin, garbage, second participant
    tokens: [Option<String>; 6],
    /// The second participant's open attempt: only invalid bodies reach it.
    open_attempt: String,
    open_question: String,
    open_contest: String,
    draft_contest: String,
    ended_contest: String,
    attempt: String,
    question: String,
    option: u32,
    victim: String,
    /// Second sessions of participant, organiser, admin: logout kills these.
    spare: [String; 3],
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn_with(|s| {
        s.limits.registrations_per_ip_per_minute = 100_000;
        s.limits.logins_per_ip_per_minute = 100_000;
        s.limits.login_failures_per_phone = 100_000;
    })
    .await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let p = common::phone();
    let r = app.register(TestApp::registration(&p)).await;
    let tok = r.body["token"].as_str().unwrap().to_owned();
    let (_, victim) = app.participant().await;
    let mut spare = Vec::new();
    for t in [&tok, &org, &admin] {
        let me = app.get("/me", Some(t)).await;
        let phone = me.body["user"]["phone"].as_str().unwrap().to_owned();
        let pw = if me.body["user"]["role"] == "participant" {
            "sếu đầu đỏ tràm chim"
        } else {
            "mật khẩu ban tổ chức"
        };
        let r = app.login(&phone, pw).await;
        assert_eq!(r.status, 200, "{}", r.text);
        spare.push(r.body["token"].as_str().unwrap().to_owned());
    }
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let ended_contest = app
        .published_contest(
            &org,
            json!({"ends_at": crane::domain::clock::to_rfc3339(app.now() + 30_000, tz), "max_attempts": 1}),
            10,
        )
        .await;
    let r = app.start(&tok, &ended_contest).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let aid = r.body["attempt"]["id"].as_str().unwrap().to_owned();
    let r = app
        .submit(&tok, &aid, answers_for(&r.body["attempt"], 3), Some(1))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.advance(120_000);
    let r = app
        .post(
            &format!("/admin/contests/{ended_contest}/results"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("/admin/contests/{ended_contest}/finalize"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let open_contest = app
        .published_contest(&org, json!({"max_attempts": 100}), 12)
        .await;
    let r = app.start(&tok, &open_contest).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let attempt = r.body["attempt"]["id"].as_str().unwrap().to_owned();
    let question = r.body["attempt"]["questions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let option = r.body["attempt"]["questions"][0]["options"][0]["id"]
        .as_u64()
        .unwrap() as u32;
    let (tok2, _) = app.participant().await;
    let r = app.start(&tok2, &open_contest).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let open_attempt = r.body["attempt"]["id"].as_str().unwrap().to_owned();
    let open_question = r.body["attempt"]["questions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    let draft_contest = r.body["contest"]["id"].as_str().unwrap().to_owned();
    Fixture {
        tokens: [
            None,
            Some(tok),
            Some(org),
            Some(admin),
            Some("ab".repeat(32)),
            Some(tok2),
        ],
        open_attempt,
        open_question,
        app,
        open_contest,
        draft_contest,
        ended_contest,
        attempt,
        question,
        option,
        victim,
        spare: spare.try_into().unwrap(),
    }
}

/// Path segments that must come back 404, never 5xx.
const HOSTILE_IDS: &[&str] = &[
    "%zz",
    "%",
    "%00",
    "%E0%A4%A",
    "%FF%FE",
    "..%2F..%2Fhealthz",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "-1",
    "99999999999999999999999999",
    "' OR 1=1 --",
    "sếu",
    "%C3%A9%F0%9F%90%A6",
    "null",
];

/// Ids for a path: the real ones, the same upper-cased, then hostile ones.
fn id_pool(f: &Fixture, template: &str) -> (usize, Vec<String>) {
    let real = if template.starts_with("/api/v1/attempts/") {
        vec![f.attempt.clone()]
    } else if template.starts_with("/api/v1/admin/users/") {
        vec![f.victim.clone()]
    } else {
        vec![
            f.open_contest.clone(),
            f.draft_contest.clone(),
            f.ended_contest.clone(),
        ]
    };
    let pool: Vec<String> = real
        .iter()
        .cloned()
        .chain(real.iter().map(|id| id.to_uppercase()))
        .chain(HOSTILE_IDS.iter().map(|s| (*s).to_owned()))
        .chain(std::iter::once("a".repeat(4000)))
        .collect();
    (2 * real.len(), pool)
}

fn fill_path(f: &Fixture, template: &str, choice: usize) -> String {
    let (_, pool) = id_pool(f, template);
    template.replace("{id}", &pool[choice % pool.len()])
}

/// Which credential a route is meant for, so the body parser is reached.
fn natural_auth(method: &str, path: &str) -> usize {
    if path.contains("/auth/register") || path.contains("/auth/login") {
        0
    } else if path.starts_with("/api/v1/attempts")
        || path.ends_with("/attempts")
        || path.ends_with("/my-attempts")
        || path.ends_with("/my-result")
    {
        1
    } else if path.contains("/admin/") || method != "GET" {
        3
    } else {
        0
    }
}

/// A valid body for each operation that takes one.
fn template(f: &Fixture, method: &str, path: &str) -> Option<Value> {
    let p = path;
    Some(match (method, p) {
        ("POST", "/api/v1/auth/register") => TestApp::registration(&common::phone()),
        ("POST", "/api/v1/auth/login") => {
            json!({"phone": common::phone(), "password": "mật khẩu sai rồi"})
        }
        ("POST", "/api/v1/admin/contests") | ("PATCH", "/api/v1/admin/contests/{id}") => f
            .app
            .contest_body(json!({"grace_seconds": 10, "counted_attempt": "best",
                "prediction": {"enabled": true, "question": "Bao nhiêu?", "actual": "participants"},
                "tie_break": ["score", "duration"], "excluded": ["0912000111"]})),
        ("POST", "/api/v1/admin/contests/{id}/questions") => TestApp::questions(2, &["A"]),
        ("PUT", "/api/v1/attempts/{id}/answers") => {
            json!({"answers": [{"question_id": f.question, "option_id": f.option}]})
        }
        ("POST", "/api/v1/attempts/{id}/submit") => {
            json!({"answers": [{"question_id": f.question, "option_id": f.option}], "prediction": 3})
        }
        ("POST", "/api/v1/admin/contests/{id}/unfinalize") => json!({"reason": "Sai sót"}),
        ("POST", "/api/v1/admin/contests/{id}/disqualify") => {
            json!({"user_id": f.victim, "reason": "Gian lận"})
        }
        ("PUT", "/api/v1/admin/users/{id}/role") => json!({"role": "participant"}),
        _ => return None,
    })
}

/// Every JSON pointer inside a value (objects and arrays, recursively).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

fn wrong_type(v: &Value) -> Value {
    match v {
        Value::String(_) => json!(12345),
        Value::Number(_) => json!("12345"),
        Value::Bool(_) => json!("true"),
        Value::Array(_) => json!({"0": 1}),
        Value::Object(_) => json!([1, 2]),
        Value::Null => json!([]),
    }
}

/// The fixed corpus: each entry with the statuses the API contract (docs/design.md) promises.
fn corpus(f: &Fixture, routes: &[(String, String)]) -> Vec<Req> {
    let mut out = Vec::new();
    for (m, p) in routes {
        let auth = natural_auth(m, p);
        let path = fill_path(f, p, 0);
        // Every route with every credential, no body, and bad ids.
        for a in 0..5 {
            out.push(Req::new(m, &path, a).expect(&[], "plain"));
        }
        if p.contains("{id}") {
            let (first_hostile, pool) = id_pool(f, p);
            for (i, id) in pool.iter().enumerate() {
                let hp = p.replace("{id}", id);
                let mut r = Req::new(m, &hp, auth).expect(&[], "hostile id");
                if let Some(t) = template(f, m, p) {
                    r = r.json(&t);
                }
                // A well-formed request for a thing that does not exist is 404.
                if i >= first_hostile {
                    r.expect = vec![404];
                }
                out.push(r);
            }
        }
        let Some(t) = template(f, m, p) else {
            if m != "GET" {
                // A body where none is expected is ignored or refused, never 5xx.
                out.push(
                    Req::new(m, &path, auth)
                        .bytes(Some("application/json"), vec![b'['; 100_000])
                        .expect(&[], "unexpected body"),
                );
            }
            continue;
        };
        let body = serde_json::to_vec(&t).unwrap();
        let json_ct = Some("application/json");
        let mut push = |r: Req| out.push(r);
        push(
            Req::new(m, &path, auth)
                .bytes(json_ct, body[..body.len() / 2].to_vec())
                .expect(&[400], "truncated JSON"),
        );
        push(
            Req::new(m, &path, auth)
                .bytes(json_ct, vec![])
                .expect(&[400], "empty body"),
        );
        push(
            Req::new(m, &path, auth)
                .bytes(json_ct, [vec![b'['; 60_000], vec![b']'; 60_000]].concat())
                .expect(&[400, 413], "deeply nested arrays"),
        );
        push(
            Req::new(m, &path, auth)
                .bytes(json_ct, "{\"a\":".repeat(5_000).into_bytes())
                .expect(&[400, 413, 422], "deeply nested objects"),
        );
        let mut nested = t.clone();
        if let Some(o) = nested.as_object_mut() {
            let mut deep = json!(1);
            for _ in 0..200 {
                deep = json!([deep]);
            }
            o.insert("zz_nested".into(), deep);
        }
        push(
            Req::new(m, &path, auth)
                .json(&nested)
                .expect(&[400, 422], "200 levels under an unknown key"),
        );
        for shape in [json!(null), json!("text"), json!(1), json!(true)] {
            push(
                Req::new(m, &path, auth)
                    .json(&shape)
                    .expect(&[422], "not an object"),
            );
        }
        let mut unknown = t.clone();
        unknown["zz_unknown"] = json!(1);
        push(
            Req::new(m, &path, auth)
                .json(&unknown)
                .expect(&[422], "unknown key"),
        );
        // Duplicate keys: the first key again, textually.
        if let Some((k, v)) = t.as_object().and_then(|o| o.iter().next()) {
            let dup = format!(
                "{{\"{k}\":{},{}",
                serde_json::to_string(v).unwrap(),
                &String::from_utf8(body.clone()).unwrap()[1..]
            );
            push(
                Req::new(m, &path, auth)
                    .bytes(json_ct, dup.into_bytes())
                    .expect(&[422], "duplicate key"),
            );
        }
        let mut ptrs = Vec::new();
        pointers(&t, String::new(), &mut ptrs);
        for ptr in &ptrs {
            let mut w = t.clone();
            let old = w.pointer(ptr).cloned().unwrap();
            *w.pointer_mut(ptr).unwrap() = wrong_type(&old);
            push(
                Req::new(m, &path, auth)
                    .json(&w)
                    .expect(&[], &format!("wrong type at {ptr}")),
            );
            let mut n = t.clone();
            *n.pointer_mut(ptr).unwrap() = json!("a\u{0}b");
            push(
                Req::new(m, &path, auth)
                    .json(&n)
                    .expect(&[], &format!("NUL at {ptr}")),
            );
        }
        // Invalid UTF-8 and a raw NUL byte inside a string.
        if let Some(q) = body.iter().rposition(|b| *b == b'"') {
            let mut bad = body.clone();
            bad.insert(q, 0xff);
            push(
                Req::new(m, &path, auth)
                    .bytes(json_ct, bad)
                    .expect(&[400], "invalid UTF-8"),
            );
            let mut nul = body.clone();
            nul.insert(q, 0);
            push(
                Req::new(m, &path, auth)
                    .bytes(json_ct, nul)
                    .expect(&[400], "raw NUL byte"),
            );
        }
        let mut ten_mb = body.clone();
        ten_mb.truncate(ten_mb.len() - 1);
        ten_mb.extend_from_slice(b",\"zz\":\"");
        ten_mb.resize(10 * 1024 * 1024, b'x');
        ten_mb.extend_from_slice(b"\"}");
        push(
            Req::new(m, &path, auth)
                .bytes(json_ct, ten_mb)
                .expect(&[413], "10 MB"),
        );
        for ct in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            Some("application/xml"),
            Some("json"),
        ] {
            push(
                Req::new(m, &path, auth)
                    .bytes(ct, body.clone())
                    .expect(&[415], &format!("content type {ct:?}")),
            );
        }
        push(
            Req::new(m, &path, auth)
                .bytes(Some("application/json; charset=utf-16"), body.clone())
                .expect(&[], "JSON with an odd charset"),
        );
    }

    // Impossible dates, end before start, negative and overflowing numbers.
    let admin = 3;
    let create = "/api/v1/admin/contests";
    let base = f.app.contest_body(json!({}));
    let starts = base["starts_at"].as_str().unwrap().to_owned();
    let bad_contests: Vec<(Value, &str)> = vec![
        (
            json!({"starts_at": "2024-02-30T00:00:00+07:00"}),
            "starts_at",
        ),
        (
            json!({"starts_at": "2023-02-29T00:00:00+07:00"}),
            "starts_at",
        ),
        (json!({"ends_at": "10000-01-01T00:00:00Z"}), "ends_at"),
        (json!({"ends_at": "+10000-01-01T00:00:00Z"}), "ends_at"),
        (json!({"starts_at": "0000-01-01T00:00:00Z"}), "starts_at"),
        (
            json!({"starts_at": "2024-12-01T24:00:01+07:00"}),
            "starts_at",
        ),
        (
            json!({"starts_at": "2024-12-01T00:00:60+07:00"}),
            "starts_at",
        ),
        (json!({"starts_at": "2024-12-01"}), "starts_at"),
        (json!({"starts_at": "2024-12-01T00:00:00"}), "starts_at"),
        (
            json!({"starts_at": "2024-12-01T00:00:00+25:00"}),
            "starts_at",
        ),
        (json!({"starts_at": ""}), "starts_at"),
        (json!({"ends_at": starts}), "ends_at"),
        (
            json!({"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}),
            "ends_at",
        ),
        (json!({"timezone": "Mars/Olympus"}), "timezone"),
        (json!({"timezone": "../../etc/passwd"}), "timezone"),
        (
            json!({"questions_per_attempt": -1}),
            "questions_per_attempt",
        ),
        (json!({"questions_per_attempt": 0}), "questions_per_attempt"),
        (
            json!({"questions_per_attempt": 201}),
            "questions_per_attempt",
        ),
        (
            json!({"questions_per_attempt": i64::MIN}),
            "questions_per_attempt",
        ),
        (json!({"time_limit_seconds": 4}), "time_limit_seconds"),
        (json!({"time_limit_seconds": 86_401}), "time_limit_seconds"),
        (
            json!({"time_limit_seconds": i64::MAX}),
            "time_limit_seconds",
        ),
        (json!({"max_attempts": 0}), "max_attempts"),
        (json!({"max_attempts": 4_294_967_297_i64}), "max_attempts"),
        (json!({"grace_seconds": -1}), "grace_seconds"),
        (json!({"grace_seconds": 301}), "grace_seconds"),
        (
            json!({"prizes": [{"name": "Nhất", "count": 1, "amount": -1}]}),
            "prizes",
        ),
        (
            json!({"prizes": [{"name": "Nhất", "count": -1, "amount": 1}]}),
            "prizes",
        ),
        (
            json!({"prizes": [{"name": "Nhất", "count": 1, "amount": i64::MAX}]}),
            "prizes",
        ),
        (
            json!({"prizes": [{"name": "Nhất", "count": i64::MAX, "amount": 1}]}),
            "prizes",
        ),
        (json!({"title": ""}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "a\u{0}b"}), "title"),
        (json!({"tie_break": []}), "tie_break"),
        (json!({"tie_break": ["score", "score"]}), "tie_break"),
        (json!({"excluded": ["not a phone"]}), "excluded"),
    ];
    for (patch, field) in bad_contests {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        out.push(Req::new("POST", create, admin).json(&b).expect(
            &[422],
            &format!(
                "bad contest {field}: {}",
                serde_json::to_string(&patch).unwrap()
            ),
        ));
    }
    // Numbers beyond i64/u64 and in odd notations, as raw text.
    for (n, label) in [
        ("9223372036854775808", "i64::MAX + 1"),
        ("-9223372036854775809", "i64::MIN - 1"),
        ("18446744073709551616", "u64::MAX + 1"),
        ("1e400", "overflowing float"),
        ("-0", "negative zero"),
        ("1.5", "fraction"),
        ("1e2", "exponent"),
        ("0x10", "hex"),
        ("NaN", "NaN"),
        ("Infinity", "Infinity"),
    ] {
        let text = serde_json::to_string(&base).unwrap().replacen(
            "\"max_attempts\":2",
            &format!("\"max_attempts\":{n}"),
            1,
        );
        out.push(
            Req::new("POST", create, admin)
                .bytes(Some("application/json"), text.into_bytes())
                .expect(&[400, 422], label),
        );
        let pred = format!("{{\"answers\":[],\"prediction\":{n}}}",);
        out.push(
            Req::new(
                "POST",
                &format!("/api/v1/attempts/{}/submit", f.open_attempt),
                5,
            )
            .bytes(Some("application/json"), pred.into_bytes())
            .expect(&[400, 422], &format!("prediction {label}")),
        );
        let ans = format!(
            "{{\"answers\":[{{\"question_id\":\"{}\",\"option_id\":{n}}}]}}",
            f.open_question
        );
        out.push(
            Req::new(
                "PUT",
                &format!("/api/v1/attempts/{}/answers", f.open_attempt),
                5,
            )
            .bytes(Some("application/json"), ans.into_bytes())
            .expect(&[400, 422], &format!("option_id {label}")),
        );
    }
    for p in [-1i64, 1_000_000_001, i64::MAX, i64::MIN] {
        out.push(
            Req::new(
                "POST",
                &format!("/api/v1/attempts/{}/submit", f.open_attempt),
                5,
            )
            .json(&json!({"answers": [], "prediction": p}))
            .expect(&[422], "prediction out of range"),
        );
    }
    for o in [-1i64, 4_294_967_296, 4_294_967_295] {
        out.push(
            Req::new(
                "PUT",
                &format!("/api/v1/attempts/{}/answers", f.open_attempt),
                5,
            )
            .json(&json!({"answers": [{"question_id": f.open_question, "option_id": o}]}))
            .expect(&[422], "option id out of range"),
        );
    }
    let many: Vec<Value> = (0..401)
        .map(|_| json!({"question_id": f.open_question, "option_id": f.option}))
        .collect();
    out.push(
        Req::new(
            "PUT",
            &format!("/api/v1/attempts/{}/answers", f.open_attempt),
            5,
        )
        .json(&json!({"answers": many}))
        .expect(&[422], "401 answers"),
    );
    for dob in [
        "2024-02-30",
        "2023-02-29",
        "10000-01-01",
        "1990-13-01",
        "1990-00-10",
        "0000-01-01",
        "1800-01-01",
        "2999-01-01",
        "17/05/1990",
        "1990-05-17T00:00:00Z",
    ] {
        let mut b = TestApp::registration(&common::phone());
        b["date_of_birth"] = json!(dob);
        out.push(
            Req::new("POST", "/api/v1/auth/register", 0)
                .json(&b)
                .expect(&[422], &format!("date of birth {dob}")),
        );
    }
    for nid in [
        "12345678901",
        "1234567890123",
        "08712345678x",
        "０８７１２３４５６７８９",
    ] {
        let mut b = TestApp::registration(&common::phone());
        b["national_id"] = json!(nid);
        out.push(
            Req::new("POST", "/api/v1/auth/register", 0)
                .json(&b)
                .expect(&[422], &format!("national id {nid}")),
        );
    }
    for (field, value) in [
        ("phone", json!("+84 91234567890123456789")),
        ("phone", json!("０９１２３４５６７８")),
        ("phone", json!("0912\u{0}345678")),
        ("password", json!("short")),
        ("password", json!("x".repeat(129))),
        ("full_name", json!("x")),
        ("full_name", json!("Hà\u{0}Tùng")),
        ("full_name", json!("x".repeat(101))),
    ] {
        let mut b = TestApp::registration(&common::phone());
        b[field] = value;
        out.push(
            Req::new("POST", "/api/v1/auth/register", 0)
                .json(&b)
                .expect(&[422], &format!("bad {field}")),
        );
    }
    // Query strings.
    let c = &f.ended_contest;
    for (path, expect) in [
        ("/api/v1/admin/users?q=%zz".to_owned(), vec![200]),
        ("/api/v1/admin/users?q=%00%ff%fe".to_owned(), vec![200, 422]),
        ("/api/v1/admin/users?q=%".to_owned(), vec![200]),
        (
            format!("/api/v1/admin/users?q={}", "x".repeat(101)),
            vec![422],
        ),
        ("/api/v1/admin/users?limit=-1".to_owned(), vec![400]),
        ("/api/v1/admin/users?limit=abc".to_owned(), vec![400]),
        (
            "/api/v1/admin/users?limit=184467440737095516160".to_owned(),
            vec![400],
        ),
        (
            "/api/v1/admin/users?offset=99999999999".to_owned(),
            vec![200],
        ),
        (
            "/api/v1/admin/users?limit=1&limit=2".to_owned(),
            vec![200, 400],
        ),
        (
            format!("/api/v1/admin/contests/{c}/results?limit=-5"),
            vec![200],
        ),
        (
            format!("/api/v1/admin/contests/{c}/results?offset=9223372036854775807"),
            vec![200],
        ),
        (
            format!("/api/v1/admin/contests/{c}/results?offset=9223372036854775808"),
            vec![400],
        ),
        (
            format!("/api/v1/admin/contests/{c}/results?limit=1e3"),
            vec![400],
        ),
        (
            format!("/api/v1/admin/contests/{c}/winners.csv?sep=%00"),
            vec![422],
        ),
        (
            format!("/api/v1/admin/contests/{c}/winners.csv?sep=%zz"),
            vec![422],
        ),
        (
            format!("/api/v1/admin/contests/{c}/leaderboard.csv?sep=;;"),
            vec![422],
        ),
        (
            format!("/api/v1/admin/contests/{c}/leaderboard.csv?sep=%3B"),
            vec![200],
        ),
        ("/api/v1/nowhere".to_owned(), vec![404]),
        ("/api/v1/%zz".to_owned(), vec![404]),
        ("/api/v1/contests/%zz/winners".to_owned(), vec![404]),
        (
            format!("/api/v1/contests/{}", "%41".repeat(2000)),
            vec![404],
        ),
    ] {
        out.push(Req::new("GET", &path, admin).expect(&expect, "query"));
    }
    // Methods the routes do not have: the JSON 404/405, never 5xx.
    for (m, p) in [
        ("DELETE", "/api/v1/me"),
        ("PUT", "/api/v1/contests"),
        ("PATCH", "/api/v1/auth/login"),
        ("OPTIONS", "/api/v1/auth/login"),
        ("HEAD", "/api/v1/contests"),
        ("TRACE", "/api/v1/contests"),
    ] {
        out.push(Req::new(m, p, 3).expect(&[], "other method"));
    }
    // Bearer headers of every odd shape.
    for h in [
        format!("Bearer {}", "a".repeat(10_000)),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        "Basic YWxhZGRpbjpvcGVuc2VzYW1l".to_owned(),
        format!("Bearer {} extra", "ab".repeat(32)),
        format!("Bearer {}", "é".repeat(32)),
    ] {
        let mut r = Req::new("GET", "/api/v1/me", 0).expect(&[401], "odd bearer");
        r.extra_headers.push(("authorization".into(), h));
        out.push(r);
    }
    for cookie in [
        "crane_session=".to_owned(),
        format!("crane_session={}", "z".repeat(64)),
        format!("crane_session={}", "a".repeat(5000)),
        "crane_session=\"quoted\"".to_owned(),
    ] {
        let mut r = Req::new("GET", "/api/v1/me", 0).expect(&[401], "odd cookie");
        r.extra_headers.push(("cookie".into(), cookie));
        out.push(r);
    }
    // CSV imports of hostile text (the bank of a draft is still open).
    let import = format!(
        "/api/v1/admin/contests/{}/questions/import",
        f.draft_contest
    );
    for (ct, body, expect) in [
        ("text/csv", b"\xff\xfe\x00q".to_vec(), vec![422]),
        (
            "text/csv",
            b"question,a,b\n\"unterminated".to_vec(),
            vec![422],
        ),
        ("text/csv", b"".to_vec(), vec![422]),
        ("text/csv", vec![b','; 200_000], vec![422]),
        (
            "text/csv",
            b"question,a,b,c,d,e,f,answer,category\r\nQ?,x,y,,,,,Z,\r\n".to_vec(),
            vec![422],
        ),
        (
            "text/plain",
            b"Q?\nA. x\nB. y\nANSWER: Q\n".to_vec(),
            vec![422],
        ),
        ("text/plain", b"\x00\x00\x00".to_vec(), vec![422]),
        ("text/csv", vec![b'x'; 9 * 1024 * 1024], vec![413]),
        ("application/json", b"{}".to_vec(), vec![415]),
    ] {
        out.push(
            Req::new("POST", &import, admin)
                .bytes(Some(ct), body)
                .expect(&expect, "hostile import"),
        );
    }
    out
}

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/problem+json",
    "text/plain",
    "text/csv",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=zz",
    "application/octet-stream",
    "",
];

const INTERESTING: &[&str] = &[
    "",
    " ",
    "0912345678",
    "+84 912 345 678",
    "2024-02-30T00:00:00+07:00",
    "10000-01-01T00:00:00Z",
    "2024-12-01T00:00:00+07:00",
    "1999-12-31T23:59:59Z",
    "admin",
    "organiser",
    "participant",
    "=HYPERLINK(\"http://x\",\"y\")",
    "\u{202E}gnp.exe",
    "\u{0}",
    "ĐÚNG",
    "Asia/Ho_Chi_Minh",
    "best",
    "first",
    "score",
    "../../../../etc/passwd",
    "%00",
    "<script>alert(1)</script>",
    "' OR '1'='1",
];

const KEYS: &[&str] = &[
    "phone",
    "password",
    "full_name",
    "address",
    "province",
    "district",
    "commune",
    "hamlet",
    "national_id",
    "date_of_birth",
    "role",
    "title",
    "starts_at",
    "ends_at",
    "timezone",
    "questions_per_attempt",
    "time_limit_seconds",
    "max_attempts",
    "grace_seconds",
    "prediction",
    "prizes",
    "answers",
    "question_id",
    "option_id",
    "questions",
    "options",
    "correct",
    "reason",
    "user_id",
    "score",
    "status",
    "id",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e30f64..1e30).prop_map(Value::from),
        prop::sample::select(vec![
            0i64,
            -1,
            1,
            200,
            201,
            86_400,
            100,
            101,
            300,
            i64::MAX,
            i64::MIN,
            u32::MAX as i64 + 1
        ])
        .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        prop::sample::select(INTERESTING).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    prop::sample::select(KEYS).prop_map(str::to_owned),
                    "[a-z_]{0,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// How a generated request departs from a valid one.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(prop::sample::Index, Value),
    Remove(prop::sample::Index),
    Add(String, Value),
    Whole(Value),
    Truncate(prop::sample::Index),
    Byte(prop::sample::Index, u8),
    Nest(usize),
    None,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<prop::sample::Index>(), json_value()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Remove),
        1 => (prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), ".{0,12}"], json_value())
            .prop_map(|(k, v)| Mutation::Add(k, v)),
        1 => json_value().prop_map(Mutation::Whole),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        1 => (any::<prop::sample::Index>(), prop::sample::select(vec![0u8, 0xff, 0xc3, b'"', b'\\', b'{', b']', 0x7f]))
            .prop_map(|(i, b)| Mutation::Byte(i, b)),
        1 => (1usize..3000).prop_map(Mutation::Nest),
        1 => Just(Mutation::None),
    ]
}

fn apply(t: &Value, m: &Mutation) -> Vec<u8> {
    let mut v = t.clone();
    let mut ptrs = Vec::new();
    pointers(&v, String::new(), &mut ptrs);
    match m {
        Mutation::Replace(i, x) if !ptrs.is_empty() => {
            *v.pointer_mut(&ptrs[i.index(ptrs.len())]).unwrap() = x.clone();
        }
        Mutation::Remove(i) if !ptrs.is_empty() => {
            let p = &ptrs[i.index(ptrs.len())];
            let (parent, key) = p.rsplit_once('/').unwrap();
            match v.pointer_mut(parent) {
                Some(Value::Object(o)) => {
                    o.remove(key);
                }
                Some(Value::Array(a)) => {
                    let k: usize = key.parse().unwrap();
                    a.remove(k);
                }
                _ => {}
            }
        }
        Mutation::Add(k, x) => {
            if let Some(o) = v.as_object_mut() {
                o.insert(k.clone(), x.clone());
            }
        }
        Mutation::Whole(x) => v = x.clone(),
        _ => {}
    }
    let mut bytes = serde_json::to_vec(&v).unwrap();
    match m {
        Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len().max(1))),
        Mutation::Byte(i, b) => {
            let at = i.index(bytes.len().max(1));
            bytes.insert(at, *b);
        }
        Mutation::Nest(depth) => {
            let mut out = "{\"a\":".repeat(*depth).into_bytes();
            out.extend_from_slice(&bytes);
            out.extend(std::iter::repeat_n(b'}', *depth));
            bytes = out;
        }
        _ => {}
    }
    bytes
}

fn generated(f: &Fixture, routes: &[(String, String)], n: usize, seed: u64) -> Vec<Req> {
    let strategy = (
        any::<prop::sample::Index>(),
        0usize..5,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        mutation(),
        prop::option::of(prop::sample::select(vec![
            "?limit=-1",
            "?limit=0",
            "?offset=-9223372036854775808",
            "?q=%zz&q=%ff",
            "?sep=%3B",
            "?format=aiken",
            "?%zz=%zz",
            "?=",
            "?&&&",
        ])),
        any::<bool>(),
    );
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    (0..n)
        .map(|_| {
            let (route, auth, id, ct, m, query, natural) = strategy
                .new_tree(&mut runner)
                .expect("a generated request")
                .current();
            let (method, template_path) = &routes[route.index(routes.len())];
            let auth = if natural {
                natural_auth(method, template_path)
            } else {
                auth
            };
            let mut path = fill_path(f, template_path, id.index(1000) % 3);
            if id.index(4) == 0 {
                path = fill_path(f, template_path, id.index(10_000));
            }
            if let Some(q) = query {
                path.push_str(q);
            }
            let mut r = Req::new(method, &path, auth);
            if method != "GET" {
                let t = template(f, method, template_path).unwrap_or_else(|| json!({}));
                let ct = CONTENT_TYPES[ct.index(CONTENT_TYPES.len())];
                r = r.bytes((!ct.is_empty()).then_some(ct), apply(&t, &m));
            }
            r.label = format!("generated {m:?}");
            r
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    sent: usize,
    server_errors: Vec<String>,
    unexpected: Vec<String>,
    not_enveloped: Vec<String>,
    transport_errors: Vec<String>,
}

async fn send(f: &Fixture, r: &Req) -> Result<common::Resp, String> {
    let mut headers: Vec<(&str, &str)> = Vec::new();
    let auth_header;
    let token = if r.path.contains("/auth/logout") && (1..=3).contains(&r.auth) {
        Some(&f.spare[r.auth - 1])
    } else {
        f.tokens[r.auth].as_ref()
    };
    if let Some(t) = token {
        auth_header = format!("Bearer {t}");
        headers.push(("authorization", &auth_header));
    }
    if let Some(ct) = &r.content_type {
        headers.push(("content-type", ct));
    }
    for (k, v) in &r.extra_headers {
        headers.push((k, v));
    }
    let method = Method::from_bytes(r.method.as_bytes()).unwrap();
    f.app
        .try_send(method, &r.path, &headers, r.body.clone())
        .await
        .map_err(|e| format!("{e:?}"))
}

async fn run_all(f: &Fixture, reqs: &[Req], tally: &mut Tally) {
    let results: Vec<(usize, Result<common::Resp, String>)> =
        futures_util::stream::iter(reqs.iter().enumerate())
            .map(|(i, r)| async move { (i, send(f, r).await) })
            .buffer_unordered(4)
            .collect()
            .await;
    for (i, res) in results {
        let r = &reqs[i];
        tally.sent += 1;
        match res {
            Err(e) => {
                // A connection that dies is a crashed worker unless the
                // server still answers: check, and count it either way.
                tally
                    .transport_errors
                    .push(format!("{} → {e}", r.describe()));
            }
            Ok(resp) => {
                let s = resp.status.as_u16();
                if s >= 500 {
                    tally
                        .server_errors
                        .push(format!("{} → {s} {}", r.describe(), resp.text));
                }
                if !r.expect.is_empty() && !r.expect.contains(&s) {
                    tally.unexpected.push(format!(
                        "{} → {s} (expected {:?}) {}",
                        r.describe(),
                        r.expect,
                        clip(&resp.text, 300)
                    ));
                }
                let is_error = s >= 400;
                // The citizen-app sign-in's two redirect steps answer a
                // browser: their errors are a page naming the code in a meta tag.
                let page = r.path.starts_with("/api/v1/auth/oidc/login")
                    || r.path.starts_with("/api/v1/auth/oidc/callback");
                let page_with_code = page
                    && resp
                        .text
                        .contains("<meta name=\"crane-error\" content=\"oidc_");
                if is_error
                    && r.method != "HEAD"
                    && r.path.starts_with("/api/")
                    && !page_with_code
                    && !(resp.body["error"]["code"].is_string()
                        && resp.body["error"]["message"].is_string())
                {
                    tally.not_enveloped.push(format!(
                        "{} → {s} {:?}",
                        r.describe(),
                        clip(&resp.text, 200)
                    ));
                }
            }
        }
    }
}

fn clip(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

fn show(list: &[String]) -> String {
    list.iter()
        .take(40)
        .map(|s| format!("\n  {}", clip(s, 1200)))
        .collect::<String>()
}

#[tokio::test]
async fn hostile_requests_to_every_route_never_get_a_5xx_a_panic_or_a_leak_of_memory() {
    let panics = panic_counter();
    let f = fixture().await;
    let routes = f.app.openapi_routes().await;
    assert!(routes.len() >= 30, "{routes:?}");
    let n = knob("RELIABILITY_HOSTILE_CASES", 400);
    let seed = knob("RELIABILITY_SEED", 7) as u64;
    let mut corpus = corpus(&f, &routes);
    let mut gen_reqs = generated(&f, &routes, n, seed);
    // Diagnostics: leave out the big bodies, or the routes matching a text.
    if std::env::var("RELIABILITY_HOSTILE_SMALL_ONLY").is_ok() {
        corpus.retain(|r| r.body.as_ref().is_none_or(|b| b.len() < 1_000_000));
    }
    if let Ok(skip) = std::env::var("RELIABILITY_HOSTILE_SKIP") {
        corpus.retain(|r| !r.path.contains(&skip));
        gen_reqs.retain(|r| !r.path.contains(&skip));
    }

    // Warm up once so allocator pools and caches exist before measuring.
    let mut warm = Tally::default();
    run_all(&f, &corpus[..corpus.len().min(200)], &mut warm).await;
    let panics_before = panics.load(Ordering::SeqCst);
    let rss_before = rss_kb();
    let mut tally = Tally::default();
    let mut per_pass = Vec::new();
    for _ in 0..knob("RELIABILITY_HOSTILE_PASSES", 1) {
        run_all(&f, &corpus, &mut tally).await;
        run_all(&f, &gen_reqs, &mut tally).await;
        per_pass.push(((rss_kb() as i64 - rss_before as i64) / 1024).to_string());
    }
    let rss_after = rss_kb();
    // Once more without the routes that hash passwords: Argon2's 19 MiB
    // working memory is kept by the allocator, which hides smaller leaks.
    let quiet: Vec<Req> = corpus
        .iter()
        .chain(&gen_reqs)
        .filter(|r| !r.path.contains("/auth/"))
        .cloned()
        .collect();
    run_all(&f, &quiet, &mut Tally::default()).await;
    let rss_quiet_before = rss_kb();
    run_all(&f, &quiet, &mut tally).await;
    let quiet_growth = rss_kb() as i64 - rss_quiet_before as i64;
    let worker_panics = panics.load(Ordering::SeqCst) - panics_before;
    let health = f
        .app
        .try_send(Method::GET, "/healthz", &[], None)
        .await
        .map(|r| r.status.as_u16())
        .unwrap_or(0);
    let growth = rss_after as i64 - rss_before as i64;
    figures(
        "hostile",
        &[
            ("routes", routes.len().to_string()),
            ("corpus", corpus.len().to_string()),
            ("generated", gen_reqs.len().to_string()),
            ("sent", tally.sent.to_string()),
            ("5xx", tally.server_errors.len().to_string()),
            ("panics", worker_panics.to_string()),
            (
                "dropped_connections",
                tally.transport_errors.len().to_string(),
            ),
            ("unexpected_status", tally.unexpected.len().to_string()),
            ("not_enveloped", tally.not_enveloped.len().to_string()),
            ("healthz", health.to_string()),
            ("rss_before_kb", rss_before.to_string()),
            ("rss_growth_kb", growth.to_string()),
            ("rss_growth_mb_per_pass", per_pass.join(",")),
            (
                "rss_growth_kb_without_hashing_routes",
                quiet_growth.to_string(),
            ),
        ],
    );
    assert_eq!(health, 200, "the server stopped answering /healthz");
    assert!(
        tally.server_errors.is_empty(),
        "5xx answers:{}",
        show(&tally.server_errors)
    );
    assert_eq!(worker_panics, 0, "panics in the server");
    assert!(
        tally.transport_errors.is_empty(),
        "connections dropped:{}",
        show(&tally.transport_errors)
    );
    assert!(
        tally.unexpected.is_empty(),
        "answers other than the API contract (docs/design.md) promises:{}",
        show(&tally.unexpected)
    );
    assert!(
        tally.not_enveloped.is_empty(),
        "errors without the {{\"error\": {{code, message}}}} envelope:{}",
        show(&tally.not_enveloped)
    );
    // 10 MB bodies were sent dozens of times: a leak of them would show.
    assert!(
        growth < 512 * 1024,
        "resident memory grew by {growth} KiB over the hostile run"
    );
    assert!(
        quiet_growth < 48 * 1024,
        "resident memory grew by {quiet_growth} KiB over a pass without the hashing routes"
    );
}

#[tokio::test]
async fn a_json_array_in_place_of_an_object_is_refused_as_the_wrong_shape() {
    // serde reads a struct from a positional array too ([phone, password]);
    // the contract: JSON of the wrong shape is a 422.
    let app = TestApp::spawn().await;
    let p = common::phone();
    app.register(TestApp::registration(&p)).await;
    let r = app
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some((
                "application/json",
                serde_json::to_vec(&json!([p, "sếu đầu đỏ tràm chim"])).unwrap(),
            )),
        )
        .await;
    figures(
        "hostile_positional",
        &[("login_with_array_status", r.status.as_u16().to_string())],
    );
    assert_eq!(r.status, 422, "{}", r.text);
}

#[tokio::test]
async fn an_account_search_with_a_nul_byte_is_answered_not_a_server_error() {
    // PostgreSQL refuses text containing U+0000 ("invalid byte sequence");
    // the query must be refused or searched, never a 500.
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let mut statuses = Vec::new();
    for q in ["%00", "a%00b", "%00%ff%fe", "S%E1%BA%BFu%00"] {
        let r = app.get(&format!("/admin/users?q={q}"), Some(&admin)).await;
        statuses.push(r.status.as_u16());
    }
    figures(
        "hostile_nul_search",
        &[("statuses", format!("{statuses:?}").replace(' ', ""))],
    );
    assert!(statuses.iter().all(|s| *s < 500), "{statuses:?}");
}
