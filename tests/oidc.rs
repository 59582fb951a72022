//! Signing in through a citizen app, against a real OpenID Connect provider
//! (the npm package oidc-provider, `tests/oidc/provider.mjs`) started on a
//! loopback port by each test. The provider's own sign-in page is driven over
//! HTTP as a browser would (cookies, redirects, its form); tokens that must
//! be refused are spoiled by the provider on request (another key, expired,
//! another audience).

mod common;

use common::{TestApp, phone};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "crane-test";
const CLIENT_SECRET: &str = "a-client-secret-for-tests";

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// Installs the provider's npm packages once (the test command does it first).
fn install_provider() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if *done || provider_dir().join("node_modules/oidc-provider").exists() {
        *done = true;
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(provider_dir())
        .status()
        .expect("npm (Node.js) is needed to run the OpenID provider of these tests");
    assert!(status.success(), "npm ci in tests/oidc failed");
    *done = true;
}

/// A real provider on a loopback port; stopped when dropped.
struct Provider {
    child: Child,
    issuer: String,
    http: reqwest::Client,
}

impl Provider {
    fn start() -> Self {
        install_provider();
        let mut child = Command::new("node")
            .arg(provider_dir().join("provider.mjs"))
            .args([
                "--port",
                "0",
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node (Node.js) is needed to run the OpenID provider of these tests");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("reading the provider's first line");
        let issuer = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the provider did not start: {line:?}"))
            .to_owned();
        Provider {
            child,
            issuer,
            http: reqwest::Client::new(),
        }
    }

    async fn control(&self, path: &str, body: Value) -> Value {
        let r = self
            .http
            .post(format!("{}/__test/{path}", self.issuer))
            .json(&body)
            .send()
            .await
            .expect("provider control");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    async fn person(&self, sub: &str, claims: Value) {
        let mut body = claims;
        body["sub"] = json!(sub);
        self.control("accounts", body).await;
    }

    async fn tamper(&self, mode: &str) {
        self.control("tamper", json!({"mode": mode})).await;
    }

    async fn stats(&self) -> Value {
        self.http
            .get(format!("{}/__test/stats", self.issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    fn stop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A Crane configured for `provider`, whose redirect URI the provider knows.
async fn app_for(provider: &Provider) -> TestApp {
    let issuer = provider.issuer.clone();
    let app = TestApp::spawn_with(move |s| {
        s.auth.oidc.issuer = issuer;
        s.auth.oidc.client_id = CLIENT_ID.to_owned();
        s.auth.oidc.client_secret = CLIENT_SECRET.to_owned();
        s.auth.oidc.display_name = "Công dân số Đồng Tháp".to_owned();
    })
    .await;
    provider
        .control(
            "redirect",
            json!({"uri": format!("{}/api/v1/auth/oidc/callback", app.address)}),
        )
        .await;
    app
}

/// A browser: cookies per host and port (enough for loopback servers), no
/// automatic redirects.
#[derive(Default)]
struct Browser {
    jar: HashMap<String, HashMap<String, String>>,
    http: Option<reqwest::Client>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    text: String,
}

fn origin(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or("");
    rest.split('/').next().unwrap_or("").to_owned()
}

impl Browser {
    fn client(&mut self) -> reqwest::Client {
        self.http
            .get_or_insert_with(|| {
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap()
            })
            .clone()
    }

    fn cookie(&self, url: &str, name: &str) -> Option<String> {
        self.jar.get(&origin(url))?.get(name).cloned()
    }

    async fn go(
        &mut self,
        method: reqwest::Method,
        url: &str,
        form: Option<&[(&str, &str)]>,
    ) -> Page {
        let host = origin(url);
        let cookies = self
            .jar
            .get(&host)
            .map(|c| {
                c.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        let mut req = self.client().request(method, url);
        if !cookies.is_empty() {
            req = req.header("cookie", cookies);
        }
        if let Some(f) = form {
            req = req.form(f);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(|l| absolute(url, l));
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let jar = self.jar.entry(host).or_default();
        for c in &set_cookies {
            let first = c.split(';').next().unwrap_or("");
            let Some((name, value)) = first.split_once('=') else {
                continue;
            };
            let lower = c.to_ascii_lowercase();
            if value.is_empty() || lower.contains("max-age=0") || lower.contains("1970") {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.to_owned());
            }
        }
        let text = res.text().await.unwrap_or_default();
        Page {
            status,
            location,
            set_cookies,
            text,
        }
    }

    async fn get(&mut self, url: &str) -> Page {
        self.go(reqwest::Method::GET, url, None).await
    }
}

fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_owned()
    } else {
        format!("http://{}{location}", origin(base))
    }
}

/// Begins at Crane, signs in as `sub` on the provider's page, and stops at
/// the callback address the provider sends the browser to (not yet visited).
async fn to_callback(app: &TestApp, browser: &mut Browser, sub: &str) -> String {
    let start = browser
        .get(&format!(
            "{}/api/v1/auth/oidc/login?next=/contests",
            app.address
        ))
        .await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.text);
    let mut url = start.location.expect("a redirect to the provider");
    for _ in 0..10 {
        if url.starts_with(&app.address) {
            return url;
        }
        let page = browser.get(&url).await;
        if let Some(next) = page.location {
            url = next;
            continue;
        }
        assert_eq!(page.status, StatusCode::OK, "{url}: {}", page.text);
        // The provider's sign-in form: any login (it becomes the subject).
        let action = page
            .text
            .split("action=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no form on the provider's page: {}", page.text))
            .replace("&amp;", "&");
        let posted = browser
            .go(
                reqwest::Method::POST,
                &absolute(&url, &action),
                Some(&[("prompt", "login"), ("login", sub), ("password", "x")]),
            )
            .await;
        url = posted.location.unwrap_or_else(|| panic!("{}", posted.text));
    }
    panic!("the provider never sent the browser back to Crane");
}

/// The whole sign-in: the callback's answer.
async fn sign_in(app: &TestApp, browser: &mut Browser, sub: &str) -> Page {
    let callback = to_callback(app, browser, sub).await;
    browser.get(&callback).await
}

fn session_of(page: &Page) -> Option<String> {
    page.set_cookies.iter().find_map(|c| {
        c.strip_prefix("crane_session=")
            .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// The machine-readable code of the error page.
fn error_of(page: &Page) -> String {
    page.text
        .split("name=\"crane-error\" content=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_owned()
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn full_claims(phone: &str) -> Value {
    json!({
        "name": "Nguyễn Thị Hoa",
        "phone_number": phone,
        "phone_number_verified": true,
        "address": {"region": "Tỉnh Đồng Tháp", "locality": "Xã Mỹ Trà", "street_address": "Ấp 1"}
    })
}

#[tokio::test]
async fn the_web_app_is_told_whether_the_citizen_app_signs_in() {
    let plain = TestApp::spawn().await;
    let r = plain.get("/auth/methods", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"oidc": null}));
    let mut browser = Browser::default();
    let page = browser
        .get(&format!("{}/api/v1/auth/oidc/login", plain.address))
        .await;
    assert_eq!(page.status, 404);
    assert_eq!(error_of(&page), "oidc_not_configured");

    let provider = Provider::start();
    let app = app_for(&provider).await;
    let r = app.get("/auth/methods", None).await;
    assert_eq!(
        r.body,
        json!({"oidc": {"display_name": "Công dân số Đồng Tháp", "login_url": "/api/v1/auth/oidc/login"}})
    );
}

#[tokio::test]
async fn a_citizen_with_complete_verified_claims_is_signed_in_and_comes_back_to_the_same_account() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let number = phone();
    let sub = unique("hoa");
    provider.person(&sub, full_claims(&number)).await;

    let mut browser = Browser::default();
    let start = browser
        .get(&format!(
            "{}/api/v1/auth/oidc/login?next=/contests",
            app.address
        ))
        .await;
    let to = start.location.clone().unwrap();
    // Authorization code flow with PKCE (S256), a state and a nonce.
    for part in [
        "response_type=code",
        "code_challenge=",
        "code_challenge_method=S256",
        "state=",
        "nonce=",
        "scope=openid",
    ] {
        assert!(to.contains(part), "{part} missing from {to}");
    }
    assert!(to.contains(&format!("client_id={CLIENT_ID}")));
    assert!(browser.cookie(&app.address, "crane_oidc").is_some());

    let callback = to_callback(&app, &mut browser, &sub).await;
    let started = Instant::now();
    let page = browser.get(&callback).await;
    let took = started.elapsed();
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("{}/contests", app.address).as_str())
    );
    let token = session_of(&page).expect("a session cookie");
    let me = app.get("/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    let user = &me.body["user"];
    assert_eq!(user["phone"], number.as_str());
    assert_eq!(user["full_name"], "Nguyễn Thị Hoa");
    assert_eq!(user["role"], "participant");
    assert_eq!(user["address"]["province"], "Tỉnh Đồng Tháp");
    assert!(user["address"]["commune_code"].is_string(), "{user}");
    assert_eq!(user["address"]["hamlet"], "Ấp 1");
    // The account opens with no password: nobody knows one.
    let login = app
        .post(
            "/auth/login",
            None,
            json!({"phone": number, "password": "sếu đầu đỏ tràm chim"}),
        )
        .await;
    assert_eq!(login.status, 401);

    // Later: straight in, to the same account; the provider's keys were
    // fetched once for both sign-ins.
    let again = sign_in(&app, &mut browser, &sub).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let token2 = session_of(&again).unwrap();
    let me2 = app.get("/me", Some(&token2)).await;
    assert_eq!(me2.body["user"]["id"], user["id"]);
    let stats = provider.stats().await;
    assert_eq!(stats["discovery"], 1, "{stats}");
    assert_eq!(stats["jwks"], 1, "{stats}");
    eprintln!(
        "callback (code exchange, ID token check, userinfo, account, session) took {:.1} ms",
        took.as_secs_f64() * 1e3
    );
}

#[tokio::test]
async fn a_verified_phone_links_the_existing_participant_and_is_audited() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let number = phone();
    let reg = app.register(TestApp::registration(&number)).await;
    assert_eq!(reg.status, 201, "{}", reg.text);
    let sub = unique("tung");
    provider.person(&sub, full_claims(&number)).await;

    let page = sign_in(&app, &mut Browser::default(), &sub).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text);
    let me = app.get("/me", Some(&session_of(&page).unwrap())).await;
    assert_eq!(me.body["user"]["id"], reg.body["user"]["id"]);
    // Their own name stays: the claims do not overwrite an account.
    assert_eq!(me.body["user"]["full_name"], "Hà Minh Tùng");
    let db = &app.state.db;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let audit = crane::entities::audit_log::Entity::find()
        .filter(crane::entities::audit_log::Column::Action.eq("oidc_linked"))
        .all(&db.conn)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(
        audit[0].detail.contains("phone_number"),
        "{}",
        audit[0].detail
    );
}

#[tokio::test]
async fn an_unverified_phone_never_links_and_the_owner_links_with_the_password() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let number = phone();
    let reg = app.register(TestApp::registration(&number)).await;
    assert_eq!(reg.status, 201);
    let sub = unique("unverified");
    let mut claims = full_claims(&number);
    claims["phone_number_verified"] = json!(false);
    provider.person(&sub, claims).await;

    let mut browser = Browser::default();
    let page = sign_in(&app, &mut browser, &sub).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location.as_deref(),
        Some(format!("{}/login/complete?next=/contests", app.address).as_str())
    );
    assert_eq!(
        session_of(&page),
        None,
        "no session for an unverified phone"
    );

    let signup_url = format!("{}/api/v1/auth/oidc/signup", app.address);
    let view = browser.get(&signup_url).await;
    assert_eq!(view.status, 200, "{}", view.text);
    let view: Value = serde_json::from_str(&view.text).unwrap();
    assert_eq!(view["needs"], json!(["phone"]));
    assert_eq!(view["phone_verified"], false);
    assert_eq!(view["phone"], number.as_str());
    assert_eq!(view["full_name"], "Nguyễn Thị Hoa");
    assert_eq!(view["display_name"], "Công dân số Đồng Tháp");

    // Completing with that phone: it has an account, so no code comes; a
    // made-up code is refused and nothing is created.
    let r = post_with(
        &browser,
        &app,
        "/auth/oidc/signup",
        json!({"phone": number, "otp": "123456"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let link = |password: &str| {
        post_with(
            &browser,
            &app,
            "/auth/oidc/link",
            json!({"phone": number, "password": password}),
        )
    };
    let r = link("not the password").await;
    assert_eq!(r.status, 401, "{}", r.text);
    assert_eq!(r.code(), "invalid_credentials");
    let r = link("sếu đầu đỏ tràm chim").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["user"]["id"], reg.body["user"]["id"]);
    // The sign-up is over; the next sign-in goes straight to the account.
    assert_eq!(link("sếu đầu đỏ tràm chim").await.status, 404);
    let next = sign_in(&app, &mut browser, &sub).await;
    let me = app
        .get("/me", Some(&session_of(&next).expect("signed in")))
        .await;
    assert_eq!(me.body["user"]["id"], reg.body["user"]["id"]);
}

/// A JSON POST with the browser's cookies for `app`.
async fn post_with(browser: &Browser, app: &TestApp, path: &str, body: Value) -> common::Resp {
    let cookie = browser
        .jar
        .get(&origin(&app.address))
        .map(|c| {
            c.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1{path}", app.address))
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    common::Resp {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

#[tokio::test]
async fn what_the_claims_lack_is_asked_and_only_that() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let number = phone();
    let sub = unique("no-address");
    provider
        .person(
            &sub,
            json!({"name": "Lê Văn Bình", "phone_number": number, "phone_number_verified": true,
                   "address": {"region": "Đồng Tháp", "locality": "Mỹ Trà"}}),
        )
        .await;
    let mut browser = Browser::default();
    let page = sign_in(&app, &mut browser, &sub).await;
    assert!(page.location.unwrap().contains("/login/complete"));
    let view = browser
        .get(&format!("{}/api/v1/auth/oidc/signup", app.address))
        .await;
    let view: Value = serde_json::from_str(&view.text).unwrap();
    assert_eq!(view["needs"], json!(["address"]));
    assert_eq!(view["phone_verified"], true);
    // The province and commune found are offered; the hamlet is asked.
    assert_eq!(view["address"]["province"], "Tỉnh Đồng Tháp");
    assert_eq!(view["address"]["hamlet"], "");
    let province_code = view["address"]["province_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let commune_code = view["address"]["commune_code"].as_str().unwrap().to_owned();

    // What the app gave cannot be replaced; a missing hamlet is named.
    let r = post_with(&browser, &app, "/auth/oidc/signup", json!({"full_name": "Người Khác", "address": {"province_code": province_code, "commune_code": commune_code, "hamlet": ""}})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields = r.body["error"]["fields"].as_object().unwrap();
    assert_eq!(fields["full_name"]["code"], "not_needed", "{fields:?}");
    assert!(fields.contains_key("address.hamlet"), "{fields:?}");
    let r = post_with(&browser, &app, "/auth/oidc/signup", json!({})).await;
    assert_eq!(r.status, 422, "{}", r.text);

    let r = post_with(&browser, &app, "/auth/oidc/signup", json!({"address": {"province_code": province_code, "commune_code": commune_code, "hamlet": "Ấp Mỹ Phú"}})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["user"]["phone"], number.as_str());
    assert_eq!(r.body["user"]["full_name"], "Lê Văn Bình");
    assert_eq!(r.body["user"]["address"]["hamlet"], "Ấp Mỹ Phú");
    assert!(
        r.headers
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("crane_session="))
    );
    // Once: the sign-up is gone.
    let again = post_with(&browser, &app, "/auth/oidc/signup", json!({"address": {"province_code": province_code, "commune_code": commune_code, "hamlet": "Ấp Mỹ Phú"}})).await;
    assert_eq!(again.status, 404, "{}", again.text);
}

#[tokio::test]
async fn a_phone_the_app_does_not_give_is_proved_by_sms() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let sub = unique("no-phone");
    provider
        .person(&sub, json!({"name": "Trần Thị Mai", "address": {"region": "Đồng Tháp", "locality": "Mỹ Trà", "street_address": "Ấp 3"}}))
        .await;
    let mut browser = Browser::default();
    sign_in(&app, &mut browser, &sub).await;
    let number = phone();
    let r = post_with(
        &browser,
        &app,
        "/auth/oidc/signup",
        json!({"phone": number}),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body["error"]["fields"]["otp"]["code"], "required",
        "{}",
        r.text
    );
    let code = app.registration_code(&number).await.expect("a code by SMS");
    let r = post_with(
        &browser,
        &app,
        "/auth/oidc/signup",
        json!({"phone": number, "otp": code}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["user"]["phone"], number.as_str());
    // The code is spent.
    let r2 = app.register(json!({"phone": number, "otp": code, "password": "mật khẩu dài đủ", "full_name": "Ai Đó", "address": {"province": "Đồng Tháp", "commune": "Mỹ Trà", "hamlet": "Ấp 3"}})).await;
    assert_ne!(r2.status, 201);
}

#[tokio::test]
async fn a_wrong_state_or_a_replayed_code_signs_nobody_in() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let number = phone();
    let sub = unique("replay");
    provider.person(&sub, full_claims(&number)).await;

    // A state that is not this browser's: a bare visit, and another browser's.
    let mut stranger = Browser::default();
    let page = stranger
        .get(&format!(
            "{}/api/v1/auth/oidc/callback?state=bogus&code=x",
            app.address
        ))
        .await;
    assert_eq!(page.status, 400);
    assert_eq!(error_of(&page), "oidc_state");
    assert!(
        page.text
            .contains("Chưa đăng nhập được bằng Công dân số Đồng Tháp"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("href=\"/login?next=/\""),
        "{}",
        page.text
    );

    let mut browser = Browser::default();
    let callback = to_callback(&app, &mut browser, &sub).await;
    let stolen = stranger.get(&callback).await;
    assert_eq!(stolen.status, 400, "another browser cannot use this state");
    assert_eq!(session_of(&stolen), None);

    // The right browser signs in once; the same answer again is refused.
    let first = browser.get(&callback).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
    assert!(session_of(&first).is_some());
    let state = callback
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let mut replay = Browser::default();
    replay
        .jar
        .entry(origin(&app.address))
        .or_default()
        .insert("crane_oidc".into(), state);
    let again = replay.get(&callback).await;
    assert_eq!(again.status, 400);
    assert_eq!(error_of(&again), "oidc_state");

    // The used code with a fresh sign-in's state: the provider refuses it.
    let code = callback
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let mut fresh = Browser::default();
    let start = fresh
        .get(&format!("{}/api/v1/auth/oidc/login", app.address))
        .await;
    let new_state = fresh.cookie(&app.address, "crane_oidc").unwrap();
    assert!(start.location.unwrap().contains(&new_state));
    let replayed = fresh
        .get(&format!(
            "{}/api/v1/auth/oidc/callback?code={code}&state={new_state}",
            app.address
        ))
        .await;
    assert_eq!(replayed.status, 400, "{}", replayed.text);
    assert_eq!(error_of(&replayed), "oidc_code");
    assert_eq!(session_of(&replayed), None);
}

async fn refused_token(mode: &str) -> Page {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let sub = unique(mode);
    provider.person(&sub, full_claims(&phone())).await;
    provider.tamper(mode).await;
    let page = sign_in(&app, &mut Browser::default(), &sub).await;
    assert_eq!(session_of(&page), None, "{mode}: nobody is signed in");
    let users = crane::store::users::count(&app.state.db).await.unwrap();
    assert_eq!(users, 0, "{mode}: no account is made");
    page
}

#[tokio::test]
async fn a_token_signed_by_a_key_the_provider_never_published_is_refused() {
    let page = refused_token("foreign_key").await;
    assert_eq!(page.status, 401, "{}", page.text);
    assert_eq!(error_of(&page), "oidc_token");
    assert!(page.text.contains("Không kiểm chứng được"));
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let page = refused_token("expired").await;
    assert_eq!(page.status, 401, "{}", page.text);
    assert_eq!(error_of(&page), "oidc_token");
}

#[tokio::test]
async fn a_token_for_another_client_is_refused() {
    let page = refused_token("wrong_audience").await;
    assert_eq!(page.status, 401, "{}", page.text);
    assert_eq!(error_of(&page), "oidc_token");
}

#[tokio::test]
async fn a_key_rotated_at_the_provider_is_fetched_again() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let sub = unique("rotation");
    provider.person(&sub, full_claims(&phone())).await;
    let mut browser = Browser::default();
    let first = sign_in(&app, &mut browser, &sub).await;
    assert!(session_of(&first).is_some());
    provider.control("rotate", json!({})).await;
    provider
        .control(
            "redirect",
            json!({"uri": format!("{}/api/v1/auth/oidc/callback", app.address)}),
        )
        .await;
    let second = sign_in(&app, &mut Browser::default(), &sub).await;
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.text);
    assert!(session_of(&second).is_some());
    let stats = provider.stats().await;
    assert_eq!(stats["jwks"], 2, "the new key was fetched once: {stats}");
}

#[tokio::test]
async fn a_provider_that_is_down_gets_a_clear_page_not_an_error() {
    let mut provider = Provider::start();
    let app = app_for(&provider).await;
    let sub = unique("down");
    provider.person(&sub, full_claims(&phone())).await;
    // Down after the person signed in there, before the code is exchanged.
    let mut browser = Browser::default();
    let callback = to_callback(&app, &mut browser, &sub).await;
    provider.stop();
    let page = browser.get(&callback).await;
    assert_eq!(page.status, 503, "{}", page.text);
    assert_eq!(error_of(&page), "oidc_unavailable");
    assert!(page.text.contains("đang không trả lời"), "{}", page.text);
    assert!(page.text.contains("Thử lại"));
    // Down from the start: the button's first step says so too.
    let other = Provider::start();
    let issuer = other.issuer.clone();
    drop(other);
    let app = TestApp::spawn_with(move |s| {
        s.auth.oidc.issuer = issuer;
        s.auth.oidc.client_id = CLIENT_ID.to_owned();
        s.auth.oidc.display_name = "Công dân số Đồng Tháp".to_owned();
    })
    .await;
    let started = Instant::now();
    let page = Browser::default()
        .get(&format!("{}/api/v1/auth/oidc/login", app.address))
        .await;
    assert_eq!(page.status, 503);
    assert_eq!(error_of(&page), "oidc_unavailable");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn staff_are_never_signed_in_through_the_citizen_app() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let staff_phone = phone();
    crane::app::accounts::create_staff(
        app.state.ctx(),
        &staff_phone,
        "Cán Bộ Demo",
        "mật khẩu quản trị",
        crane::domain::account::Role::Admin,
        "Đồng Tháp",
        "Tràm Chim",
    )
    .await
    .expect("create staff");
    let sub = unique("staff");
    provider.person(&sub, full_claims(&staff_phone)).await;
    let page = sign_in(&app, &mut Browser::default(), &sub).await;
    assert_eq!(page.status, 403, "{}", page.text);
    assert_eq!(error_of(&page), "oidc_staff");
    assert_eq!(session_of(&page), None);
}

#[tokio::test]
async fn the_person_cancelling_at_the_provider_is_told_so() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let mut browser = Browser::default();
    browser
        .get(&format!("{}/api/v1/auth/oidc/login", app.address))
        .await;
    let state = browser.cookie(&app.address, "crane_oidc").unwrap();
    let page = browser
        .get(&format!(
            "{}/api/v1/auth/oidc/callback?error=access_denied&state={state}",
            app.address
        ))
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(error_of(&page), "oidc_cancelled");
}

/// Prints what a sign-in through the citizen app costs on Crane's side (its
/// two steps; the provider's own page is the provider's), for
/// docs/accounts.md. A figure, not a check: nothing here is timed against a limit.
#[tokio::test]
async fn the_sign_in_steps_are_measured() {
    let provider = Provider::start();
    let app = app_for(&provider).await;
    let sub = unique("timing");
    provider.person(&sub, full_claims(&phone())).await;
    let (mut begins, mut callbacks) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        let mut browser = Browser::default();
        let t = Instant::now();
        let start = browser
            .get(&format!("{}/api/v1/auth/oidc/login", app.address))
            .await;
        begins.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(start.status, StatusCode::SEE_OTHER);
        let callback = to_callback(&app, &mut browser, &sub).await;
        let t = Instant::now();
        let page = browser.get(&callback).await;
        callbacks.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(session_of(&page).is_some());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[v.len() * 9 / 10])
    };
    let (b50, b90) = median(&mut begins);
    let (c50, c90) = median(&mut callbacks);
    eprintln!(
        "citizen-app sign-in, 20 runs against a loopback provider: begin median {b50:.1} ms (p90 {b90:.1}); callback median {c50:.1} ms (p90 {c90:.1})"
    );
}
