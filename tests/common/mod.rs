//! A running Crane on a fresh database, and one helper per endpoint.
//!
//! SQLite by default (a temporary file per test); PostgreSQL when
//! TEST_DATABASE_URL is set: each test creates its own database next to it,
//! named after it, which the test script drops after the run.
#![allow(dead_code)]

use crane::domain::account::Role;
use crane::settings::Settings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct TestApp {
    pub address: String,
    /// The SMS gateway the server sends to: a real HTTP server on a loopback port.
    pub sms: SmsSink,
    pub client: reqwest::Client,
    pub state: actix_web::web::Data<crane::http::AppState>,
    pub database_url: String,
    _dir: Option<tempfile::TempDir>,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

static PHONES: AtomicU32 = AtomicU32::new(0);

/// A distinct, valid mobile number for this process.
pub fn phone() -> String {
    let n = PHONES.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id() % 1000;
    format!("09{pid:03}{n:05}")
}

async fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            use sea_orm::ConnectionTrait;
            let (server, name) = base
                .rsplit_once('/')
                .expect("TEST_DATABASE_URL names a database");
            let name = name.split('?').next().unwrap_or(name);
            let db = format!("{name}_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(format!("{server}/postgres"))
                .await
                .expect("PostgreSQL must be reachable at TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{db}\""))
                .await
                .expect("creating a test database");
            admin.close().await.ok();
            format!("{server}/{db}")
        }
        _ => format!("sqlite://{}/crane.db?mode=rwc", dir.path().display()),
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = database_url(&dir).await;
        let database_url = url.clone();
        let mut settings = Settings::for_tests(&url).expect("test settings");
        settings.workers = 2;
        let sms = SmsSink::start().await;
        settings.sms.provider = "http".to_owned();
        settings.sms.url = sms.url.clone();
        settings.sms.token = SmsSink::TOKEN.to_owned();
        // Every test client is 127.0.0.1: the per-client cap would be shared.
        settings.limits.otp_per_ip_per_hour = 100_000;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        settings.public_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        adjust(&mut settings);
        let state = crane::startup::prepare(settings, crane::domain::clock::Clock::system())
            .await
            .expect("prepare app");
        let app = crane::startup::build(state, listener).expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port);
        tokio::spawn(app.server);
        Self {
            address,
            sms,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            state: app.state,
            database_url,
            _dir: Some(dir),
        }
    }

    pub fn now(&self) -> i64 {
        self.state.clock.now()
    }

    /// Moves the server's clock by `ms` (tests only: the handle is in-process).
    pub fn advance(&self, ms: i64) {
        self.state.clock.set_offset(self.state.clock.offset() + ms);
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Resp {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some((ct, bytes)) = body {
            req = req.header("content-type", ct).body(bytes);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let body = body.map(|b| ("application/json", serde_json::to_vec(&b).unwrap()));
        self.raw(method, &format!("/api/v1{path}"), token, body)
            .await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub fn registration(phone: &str) -> Value {
        json!({
            "phone": phone,
            "password": "sếu đầu đỏ tràm chim",
            "full_name": "Hà Minh Tùng",
            "address": {"province": "Đồng Tháp", "district": "Cao Lãnh", "commune": "Mỹ Hội", "hamlet": "ấp Đông Mỹ"}
        })
    }

    /// Registers `body`; when it has no `otp` and the server verifies phones,
    /// first asks for a code the way a person does and reads it from the SMS.
    pub async fn register(&self, mut body: Value) -> Resp {
        if body.get("otp").is_none() && self.state.settings.auth.verify_phone {
            let phone = body["phone"].as_str().unwrap_or("").to_owned();
            if let Some(code) = self.registration_code(&phone).await {
                body["otp"] = json!(code);
            }
        }
        self.post("/auth/register", None, body).await
    }

    /// Asks for a registration code for `phone` and returns it as sent by
    /// SMS; None when the server refuses the request or sends nothing (a
    /// phone that is not a mobile number, or one that has an account).
    pub async fn registration_code(&self, phone: &str) -> Option<String> {
        let e164 = crane::domain::phone::Phone::parse(phone).ok()?.e164();
        let before = self.sms.count();
        let r = self.request_code(phone, "register").await;
        match r.status.as_u16() {
            202 => {
                let code = self.sms.code_after(&e164, before).await;
                if code.is_none() {
                    eprintln!(
                        "no SMS for {e164} within 5 s: {} requests, received {:?}",
                        self.sms.hits.load(Ordering::SeqCst),
                        self.sms.messages()
                    );
                }
                code
            }
            // Asked again within the minute: the code already received stands.
            429 => self.sms.to(&e164).last()?["text"]
                .as_str()
                .map(|t| t.chars().take(6).collect()),
            _ => None,
        }
    }

    pub async fn request_code(&self, phone: &str, purpose: &str) -> Resp {
        self.post(
            "/auth/otp",
            None,
            json!({"phone": phone, "purpose": purpose}),
        )
        .await
    }

    /// Registers a new participant; returns (token, user id).
    pub async fn participant(&self) -> (String, String) {
        let r = self.register(Self::registration(&phone())).await;
        assert_eq!(r.status, 201, "{}", r.text);
        (
            r.body["token"].as_str().unwrap().to_owned(),
            r.body["user"]["id"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn login(&self, phone: &str, password: &str) -> Resp {
        self.post(
            "/auth/login",
            None,
            json!({"phone": phone, "password": password}),
        )
        .await
    }

    /// Creates a staff account directly and signs it in; returns its token.
    pub async fn staff(&self, role: Role) -> String {
        let phone = phone();
        crane::app::accounts::create_staff(
            self.state.ctx(),
            &phone,
            "Cán Bộ Demo",
            "mật khẩu ban tổ chức",
            role,
            "Đồng Tháp",
            "Tràm Chim",
        )
        .await
        .expect("create staff");
        let r = self.login(&phone, "mật khẩu ban tổ chức").await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["token"].as_str().unwrap().to_owned()
    }

    /// A contest body open from one minute ago for a day, with overrides.
    pub fn contest_body(&self, overrides: Value) -> Value {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let now = self.now();
        let mut body = json!({
            "title": "Tìm hiểu về Sếu đầu đỏ",
            "description": "Cuộc thi thử",
            "rules": "Luật thi",
            "starts_at": crane::domain::clock::to_rfc3339(now - 60_000, tz),
            "ends_at": crane::domain::clock::to_rfc3339(now + 86_400_000, tz),
            "questions_per_attempt": 5,
            "time_limit_seconds": 600,
            "max_attempts": 2,
            "prizes": [
                {"name": "Giải Nhất", "count": 1, "amount": 5000000},
                {"name": "Giải Khuyến khích", "count": 3, "amount": 1000000}
            ]
        });
        if let (Some(b), Some(o)) = (body.as_object_mut(), overrides.as_object()) {
            for (k, v) in o {
                b.insert(k.clone(), v.clone());
            }
        }
        body
    }

    /// `n` questions whose right answer is always the option text starting with "Đúng".
    pub fn questions(n: usize, categories: &[&str]) -> Value {
        let qs: Vec<Value> = (0..n)
            .map(|i| {
                let cat = if categories.is_empty() { Value::Null } else { json!(categories[i % categories.len()]) };
                json!({
                    "text": format!("Câu hỏi số {i} về sếu đầu đỏ?"),
                    "options": [format!("Sai A{i}"), format!("Đúng {i}"), format!("Sai C{i}"), format!("Sai D{i}")],
                    "correct": 1,
                    "category": cat
                })
            })
            .collect();
        json!({ "questions": qs })
    }

    /// Creates, fills and publishes a contest; returns its id.
    pub async fn published_contest(&self, staff: &str, overrides: Value, bank: usize) -> String {
        let r = self
            .post("/admin/contests", Some(staff), self.contest_body(overrides))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
        let r = self
            .post(
                &format!("/admin/contests/{id}/questions"),
                Some(staff),
                Self::questions(bank, &[]),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let r = self
            .post(
                &format!("/admin/contests/{id}/publish"),
                Some(staff),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        id
    }

    pub async fn start(&self, token: &str, contest: &str) -> Resp {
        self.post(
            &format!("/contests/{contest}/attempts"),
            Some(token),
            json!({}),
        )
        .await
    }

    pub async fn autosave(&self, token: &str, attempt: &str, answers: Value) -> Resp {
        self.call(
            Method::PUT,
            &format!("/attempts/{attempt}/answers"),
            Some(token),
            Some(json!({"answers": answers})),
        )
        .await
    }

    pub async fn submit(
        &self,
        token: &str,
        attempt: &str,
        answers: Value,
        prediction: Option<i64>,
    ) -> Resp {
        self.post(
            &format!("/attempts/{attempt}/submit"),
            Some(token),
            json!({"answers": answers, "prediction": prediction}),
        )
        .await
    }
}

/// The answers an attempt needs to get `right` questions right (the rest wrong),
/// found by the option text (the tests' banks mark the right one "Đúng").
pub fn answers_for(attempt: &Value, right: usize) -> Value {
    let qs = attempt["questions"].as_array().expect("questions");
    let list: Vec<Value> = qs
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let opts = q["options"].as_array().unwrap();
            let want_right = i < right;
            let o = opts
                .iter()
                .find(|o| o["text"].as_str().unwrap().starts_with("Đúng") == want_right)
                .unwrap();
            json!({"question_id": q["id"], "option_id": o["id"]})
        })
        .collect();
    Value::Array(list)
}

// ---------------------------------------------------------------------------
// Helpers for the reliability suite (tests/reliability_*.rs).
// ---------------------------------------------------------------------------

/// A count from the environment, else `default`: `scripts/reliability.sh` raises
/// the counts that `cargo test` keeps small.
pub fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Resident memory of this process in KiB (VmRSS of /proc/self/status); the
/// server runs in-process, so this is its memory too.
pub fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Counts panics anywhere in this process (the server's workers included),
/// keeping the default report. Installed once; read with `.load()`.
pub fn panic_counter() -> &'static AtomicU32 {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            COUNT.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
    &COUNT
}

/// A fresh database like the one `TestApp` gets: a SQLite file in `dir`, or a
/// new PostgreSQL database when TEST_DATABASE_URL is set.
pub async fn fresh_database_url(dir: &tempfile::TempDir) -> String {
    database_url(dir).await
}

impl TestApp {
    /// Every operation of the served OpenAPI document as (METHOD, path).
    pub async fn openapi_routes(&self) -> Vec<(String, String)> {
        let doc = self.raw(Method::GET, "/api/openapi.json", None, None).await;
        assert_eq!(doc.status, 200, "{}", doc.text);
        let mut out = Vec::new();
        for (path, item) in doc.body["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                if ["get", "post", "put", "patch", "delete", "head", "options"]
                    .contains(&method.as_str())
                {
                    out.push((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        out.sort();
        out
    }

    /// A request with any headers; transport errors are returned, not panicked
    /// on, so a dropped connection (a crashed worker) can be counted.
    pub async fn try_send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Resp, reqwest::Error> {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(bytes) = body {
            req = req.body(bytes);
        }
        let res = req.send().await?;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Resp {
            status,
            headers,
            body,
            text,
        })
    }

    /// Creates, fills (with `questions` as given) and publishes a contest.
    pub async fn published_contest_with(
        &self,
        staff: &str,
        overrides: Value,
        questions: Value,
    ) -> String {
        let r = self
            .post("/admin/contests", Some(staff), self.contest_body(overrides))
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
        let r = self
            .post(
                &format!("/admin/contests/{id}/questions"),
                Some(staff),
                questions,
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        let r = self
            .post(
                &format!("/admin/contests/{id}/publish"),
                Some(staff),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        id
    }
}

/// The line of figures a reliability test prints (the script collects them).
pub fn figures(part: &str, figures: &[(&str, String)]) {
    let line: Vec<String> = figures.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("RELIABILITY {part}: {}", line.join(" "));
}

/// A stand-in SMS gateway: a real HTTP server on a loopback port that keeps
/// what it receives. It answers 401 without the right bearer token, and 503
/// to the next `fail_next` messages.
#[derive(Clone)]
pub struct SmsSink {
    pub url: String,
    received: std::sync::Arc<std::sync::Mutex<Vec<Value>>>,
    /// Every request, accepted or not (retries count).
    pub hits: std::sync::Arc<AtomicU32>,
    fail: std::sync::Arc<AtomicU32>,
}

impl SmsSink {
    pub const TOKEN: &'static str = "test-gateway-token";

    pub async fn start() -> Self {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let sink = SmsSink {
            url: String::new(),
            received: Default::default(),
            hits: Default::default(),
            fail: Default::default(),
        };
        let state = sink.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind sms sink");
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new().route(
                "/sms",
                web::post().to(move |req: HttpRequest, body: web::Json<Value>| {
                    let state = state.clone();
                    async move {
                        state.hits.fetch_add(1, Ordering::SeqCst);
                        let auth = req
                            .headers()
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        if auth != format!("Bearer {}", SmsSink::TOKEN) {
                            return HttpResponse::Unauthorized().finish();
                        }
                        let failing = state
                            .fail
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                        if failing {
                            return HttpResponse::ServiceUnavailable().finish();
                        }
                        state.received.lock().unwrap().push(body.into_inner());
                        HttpResponse::Ok().json(json!({"accepted": true}))
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("sms sink listens")
        .run();
        tokio::spawn(server);
        SmsSink {
            url: format!("http://127.0.0.1:{port}/sms"),
            ..sink
        }
    }

    /// The next `n` messages are answered 503.
    pub fn fail_next(&self, n: u32) {
        self.fail.store(n, Ordering::SeqCst);
    }

    /// Messages accepted so far.
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    pub fn messages(&self) -> Vec<Value> {
        self.received.lock().unwrap().clone()
    }

    /// Messages accepted for `to` (E.164).
    pub fn to(&self, to: &str) -> Vec<Value> {
        self.messages()
            .into_iter()
            .filter(|m| m["to"] == to)
            .collect()
    }

    /// The code of the first message to `to` among those accepted after the
    /// first `after`, waiting up to 5 s for it (sending is in the background).
    pub async fn code_after(&self, to: &str, after: usize) -> Option<String> {
        for _ in 0..500 {
            let received = self.received.lock().unwrap().clone();
            let found = received[after.min(received.len())..]
                .iter()
                .find(|m| m["to"] == to)
                .and_then(|m| m["text"].as_str())
                .map(|t| t.chars().take(6).collect::<String>());
            if found.is_some() {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        None
    }
}
