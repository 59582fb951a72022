//! Reliability, part 9: sessions and headers — cookie flags, a new token at
//! every sign-in (never the one the client brought), the old one dead after
//! logout, idle and absolute expiry, cross-site and non-JSON cookie writes
//! refused, and the security headers on every response the service makes.

mod common;
use common::{TestApp, answers_for, figures};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::json;

const PASSWORD: &str = "sếu đầu đỏ tràm chim";

fn set_cookie(r: &common::Resp) -> String {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("crane_session="))
        .unwrap_or_default()
        .to_owned()
}

async fn with_cookie(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> u16 {
    let mut all = vec![("cookie", cookie)];
    all.extend_from_slice(headers);
    app.try_send(method, path, &all, body.map(|b| b.as_bytes().to_vec()))
        .await
        .unwrap()
        .status
        .as_u16()
}

#[tokio::test]
async fn cookies_carry_the_flags_and_every_sign_in_gets_a_new_token_that_logout_kills() {
    let app = TestApp::spawn().await;
    let p = common::phone();
    let reg = app.register(TestApp::registration(&p)).await;
    let mut wrong = Vec::new();
    let cookie = set_cookie(&reg);
    let flags: Vec<String> = cookie
        .split(';')
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    for want in ["httponly", "samesite=lax", "path=/"] {
        if !flags.iter().any(|f| f == want) {
            wrong.push(format!("cookie lacks {want}: {cookie}"));
        }
    }
    if !flags.iter().any(|f| f.starts_with("max-age=")) {
        wrong.push(format!("cookie has no lifetime: {cookie}"));
    }
    let token = reg.body["token"].as_str().unwrap().to_owned();
    if !cookie.starts_with(&format!("crane_session={token};")) {
        wrong.push("the cookie is not the session token".into());
    }
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        wrong.push(format!("token is not 256 bits of hex: {token}"));
    }
    if reg
        .headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        != Some("no-store")
    {
        wrong.push("a response with a token may be cached".into());
    }
    // Session fixation: a cookie the client brings is never adopted.
    let planted = "ab".repeat(32);
    let r = app
        .try_send(
            Method::POST,
            "/api/v1/auth/login",
            &[
                ("cookie", &format!("crane_session={planted}")),
                ("content-type", "application/json"),
            ],
            Some(serde_json::to_vec(&json!({"phone": p, "password": PASSWORD})).unwrap()),
        )
        .await
        .unwrap();
    let t2 = r.body["token"].as_str().unwrap_or_default().to_owned();
    if t2 == planted || t2 == token || !set_cookie(&r).contains(&t2) {
        wrong.push(format!("sign-in did not issue a fresh token: {t2}"));
    }
    let t3 = app.login(&p, PASSWORD).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    if t3 == t2 {
        wrong.push("two sign-ins share a token".into());
    }
    // Logout by cookie kills that session (bearer and cookie alike) and clears the cookie.
    let r = app
        .try_send(
            Method::POST,
            "/api/v1/auth/logout",
            &[
                ("cookie", &format!("crane_session={t2}")),
                ("content-type", "application/json"),
                ("sec-fetch-site", "same-origin"),
            ],
            Some(b"{}".to_vec()),
        )
        .await
        .unwrap();
    if r.status != 204 {
        wrong.push(format!("logout by cookie: {}", r.status));
    }
    let cleared = set_cookie(&r).to_ascii_lowercase();
    if !(cleared.contains("max-age=0") || cleared.contains("expires=thu, 01 jan 1970")) {
        wrong.push(format!("logout does not clear the cookie: {cleared}"));
    }
    if app.get("/me", Some(&t2)).await.status != 401 {
        wrong.push("the token lives on after logout (bearer)".into());
    }
    if with_cookie(
        &app,
        Method::GET,
        "/api/v1/me",
        &format!("crane_session={t2}"),
        &[],
        None,
    )
    .await
        != 401
    {
        wrong.push("the token lives on after logout (cookie)".into());
    }
    // Logout by bearer; other sessions live on.
    let r = app
        .call(Method::POST, "/auth/logout", Some(&t3), Some(json!({})))
        .await;
    if r.status != 204 || app.get("/me", Some(&t3)).await.status != 401 {
        wrong.push("logout by bearer did not end the session".into());
    }
    if app.get("/me", Some(&token)).await.status != 200 {
        wrong.push("logout ended another session".into());
    }
    // A second logout with the dead token.
    if app
        .call(Method::POST, "/auth/logout", Some(&t3), Some(json!({})))
        .await
        .status
        != 401
    {
        wrong.push("a dead token can log out".into());
    }
    // Secure cookie when configured.
    let secure = TestApp::spawn_with(|s| s.auth.cookie_secure = true).await;
    let c = set_cookie(
        &secure
            .register(TestApp::registration(&common::phone()))
            .await,
    );
    if !c.to_ascii_lowercase().contains("secure") {
        wrong.push(format!("cookie_secure=true gives no Secure flag: {c}"));
    }
    figures("sessions_tokens", &[("wrong", wrong.len().to_string())]);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn sessions_end_after_the_idle_time_and_after_the_absolute_time() {
    let app = TestApp::spawn().await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let (idle, _) = app.participant().await;
    let (busy, _) = app.participant().await;
    let idle_ms = 120 * 60_000;
    app.state.clock.freeze_at(t0 + idle_ms - 1_000);
    let before_idle = app.get("/me", Some(&idle)).await.status.as_u16();
    app.state.clock.freeze_at(t0 + 2 * idle_ms);
    let after_idle = app.get("/me", Some(&idle)).await.status.as_u16();
    // Busy: a request every 100 minutes keeps it alive until 168 h.
    let mut t = t0;
    let mut alive_until = t0;
    while t < t0 + 170 * 3_600_000 {
        app.state.clock.freeze_at(t);
        if app.get("/me", Some(&busy)).await.status == 200 {
            alive_until = t;
        } else {
            break;
        }
        t += 100 * 60_000;
    }
    let hours = (alive_until - t0) as f64 / 3_600_000.0;
    figures(
        "sessions_expiry",
        &[
            ("idle_before", before_idle.to_string()),
            ("idle_after", after_idle.to_string()),
            ("busy_session_alive_hours", format!("{hours:.1}")),
        ],
    );
    assert_eq!(before_idle, 200);
    assert_eq!(after_idle, 401);
    assert!(
        (166.0..=168.0).contains(&hours),
        "a busy session lived {hours:.1} h"
    );
}

#[tokio::test]
async fn cookie_authenticated_writes_from_other_sites_or_in_form_encodings_are_refused_everywhere()
{
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let contest = app
        .published_contest(&org, json!({"max_attempts": 5}), 12)
        .await;
    let r = app.register(TestApp::registration(&common::phone())).await;
    let uid = r.body["user"]["id"].as_str().unwrap().to_owned();
    let cookie = set_cookie(&r).split(';').next().unwrap().to_owned();
    let a = app
        .start(r.body["token"].as_str().unwrap(), &contest)
        .await
        .body["attempt"]
        .clone();
    let aid = a["id"].as_str().unwrap();
    let admin_cookie = format!("crane_session={admin}");
    let answers = json!({"answers": answers_for(&a, 1)}).to_string();
    let submit = json!({"answers": answers_for(&a, 1), "prediction": 1}).to_string();
    let writes: Vec<(Method, String, &str, String)> = vec![
        (
            Method::POST,
            format!("/api/v1/contests/{contest}/attempts"),
            cookie.as_str(),
            "{}".into(),
        ),
        (
            Method::PUT,
            format!("/api/v1/attempts/{aid}/answers"),
            cookie.as_str(),
            answers,
        ),
        (
            Method::POST,
            format!("/api/v1/attempts/{aid}/submit"),
            cookie.as_str(),
            submit,
        ),
        (
            Method::POST,
            "/api/v1/admin/contests".into(),
            admin_cookie.as_str(),
            app.contest_body(json!({})).to_string(),
        ),
        (
            Method::PUT,
            format!("/api/v1/admin/users/{uid}/role"),
            admin_cookie.as_str(),
            r#"{"role":"admin"}"#.into(),
        ),
        (
            Method::POST,
            format!("/api/v1/admin/contests/{contest}/disqualify"),
            admin_cookie.as_str(),
            json!({"user_id": uid, "reason": "x"}).to_string(),
        ),
        (
            Method::POST,
            "/api/v1/auth/logout".into(),
            cookie.as_str(),
            "{}".into(),
        ),
    ];
    let hostile: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![
                ("sec-fetch-site", "cross-site"),
                ("content-type", "application/json"),
            ],
            "Sec-Fetch-Site: cross-site",
        ),
        (
            vec![
                ("sec-fetch-site", "same-site"),
                ("content-type", "application/json"),
            ],
            "Sec-Fetch-Site: same-site",
        ),
        (
            vec![
                ("origin", "https://evil.example"),
                ("content-type", "application/json"),
            ],
            "foreign Origin",
        ),
        (
            vec![("origin", "null"), ("content-type", "application/json")],
            "Origin: null",
        ),
        (
            vec![
                ("origin", "http://127.0.0.1.evil.example"),
                ("content-type", "application/json"),
            ],
            "look-alike Origin",
        ),
        (
            vec![("content-type", "application/x-www-form-urlencoded")],
            "form encoding",
        ),
        (
            vec![("content-type", "multipart/form-data; boundary=x")],
            "multipart",
        ),
        (
            vec![("content-type", "text/plain")],
            "text/plain without Sec-Fetch-Site",
        ),
        (
            vec![
                ("content-type", "text/plain"),
                ("sec-fetch-site", "cross-site"),
            ],
            "text/plain cross-site",
        ),
        (vec![], "no content type"),
    ];
    let mut let_through = Vec::new();
    let mut checks = 0;
    for (m, path, c, body) in &writes {
        for (headers, what) in &hostile {
            let s = with_cookie(&app, m.clone(), path, c, headers, Some(body)).await;
            checks += 1;
            if !(s == 403 || s == 415) {
                let_through.push(format!("{m} {path} with {what}: {s}"));
            }
        }
    }
    // Nothing was applied: the role is unchanged, the attempt still open.
    let role = app
        .get(&format!("/admin/users?q={}", &uid[..8]), Some(&admin))
        .await;
    let still_participant = app
        .get("/me", Some(r.body["token"].as_str().unwrap()))
        .await
        .body["user"]["role"]
        == "participant";
    let st = app
        .get(
            &format!("/attempts/{aid}"),
            Some(r.body["token"].as_str().unwrap()),
        )
        .await;
    let still_open = st.body["attempt"]["status"] == "open";
    // The same writes from our own page work, and bearer writes are not
    // subject to the cookie rules.
    let own = with_cookie(
        &app,
        Method::PUT,
        &format!("/api/v1/attempts/{aid}/answers"),
        &cookie,
        &[
            ("sec-fetch-site", "same-origin"),
            ("content-type", "application/json"),
        ],
        Some(&json!({"answers": []}).to_string()),
    )
    .await;
    let bearer = app
        .try_send(
            Method::PUT,
            &format!("/api/v1/attempts/{aid}/answers"),
            &[
                (
                    "authorization",
                    &format!("Bearer {}", r.body["token"].as_str().unwrap()),
                ),
                ("sec-fetch-site", "cross-site"),
                ("content-type", "application/json"),
            ],
            Some(br#"{"answers":[]}"#.to_vec()),
        )
        .await
        .unwrap()
        .status;
    // Reads with a cookie from anywhere are fine (nothing changes).
    let read = with_cookie(
        &app,
        Method::GET,
        "/api/v1/me",
        &cookie,
        &[("sec-fetch-site", "cross-site")],
        None,
    )
    .await;
    figures(
        "sessions_cross_site",
        &[
            ("checks", checks.to_string()),
            ("let_through", let_through.len().to_string()),
        ],
    );
    assert!(let_through.is_empty(), "{}", let_through.join("\n"));
    assert!(
        role.status == 200 && still_participant && still_open,
        "a refused write was applied"
    );
    assert_eq!(own, 200);
    assert_eq!(bearer, 200);
    assert_eq!(read, 200);
}

/// method, path, bearer token, body, content type
type Probe = (Method, String, Option<String>, Vec<u8>, &'static str);

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let routes = app.openapi_routes().await;
    let mut requests: Vec<Probe> = Vec::new();
    for (m, p) in &routes {
        let p = p
            .replace("{id}", "00000000-0000-4000-8000-000000000000")
            .replace("{province_code}", "01");
        let m = Method::from_bytes(m.as_bytes()).unwrap();
        for tok in [None, Some(admin.clone())] {
            requests.push((
                m.clone(),
                p.clone(),
                tok.clone(),
                b"{}".to_vec(),
                "application/json",
            ));
            requests.push((
                m.clone(),
                p.clone(),
                tok.clone(),
                b"{".to_vec(),
                "application/json",
            ));
            requests.push((m.clone(), p.clone(), tok, b"x".to_vec(), "text/html"));
        }
        requests.push((
            m,
            p,
            Some(admin.clone()),
            vec![b' '; 70_000],
            "application/json",
        ));
    }
    for p in [
        "/",
        "/index.html",
        "/app.js",
        "/app.css",
        "/nowhere.png",
        "/api/docs/",
        "/api/openapi.json",
        "/api/v1/nowhere",
        "/contests/x",
    ] {
        requests.push((Method::GET, p.into(), None, vec![], ""));
        requests.push((Method::HEAD, p.into(), None, vec![], ""));
    }
    requests.push((Method::DELETE, "/api/v1/me".into(), None, vec![], ""));
    requests.push((
        Method::OPTIONS,
        "/api/v1/auth/login".into(),
        None,
        vec![],
        "",
    ));
    let mut missing = Vec::new();
    for (m, p, tok, body, ct) in &requests {
        let auth = tok.as_ref().map(|t| format!("Bearer {t}"));
        let mut h: Vec<(&str, &str)> = Vec::new();
        if let Some(a) = &auth {
            h.push(("authorization", a));
        }
        if !ct.is_empty() {
            h.push(("content-type", ct));
        }
        let r = app
            .try_send(m.clone(), p, &h, (!body.is_empty()).then(|| body.clone()))
            .await
            .unwrap();
        let get = |k: &str| {
            r.headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let mut lacks = Vec::new();
        // Scripts and style sheets are no documents: the document headers
        // (policy, frames, referrer) do nothing there and are left off to
        // keep the phone's download small; nosniff is on everything.
        let ct = get("content-type");
        let subresource = ct.starts_with("text/javascript")
            || ct.starts_with("application/javascript")
            || ct.starts_with("text/css");
        if !subresource && !get("content-security-policy").contains("frame-ancestors 'none'") {
            lacks.push("CSP");
        }
        if get("x-content-type-options") != "nosniff" {
            lacks.push("nosniff");
        }
        if !subresource && get("referrer-policy").is_empty() {
            lacks.push("Referrer-Policy");
        }
        if !subresource && !get("x-frame-options").eq_ignore_ascii_case("DENY") {
            lacks.push("X-Frame-Options");
        }
        // The divisions and organisation logos are public and the same for
        // everyone: cached for a day. Every other API answer, and any error
        // of those, is no-store.
        let public = p.starts_with("/api/v1/divisions")
            || (p.starts_with("/api/v1/organisations/") && p.ends_with("/logo"));
        // Also the same for everyone, and changed only by a new setting or
        // release: which sign-in methods there are, the question template.
        let cache = if public && r.status.is_success() {
            "public, max-age=86400"
        } else if p == "/api/v1/auth/methods" && r.status.is_success() {
            "public, max-age=300"
        } else if p == "/api/v1/question-template.csv" && r.status.is_success() {
            "public, max-age=3600"
        } else {
            "no-store"
        };
        if p.starts_with("/api/v1") && get("cache-control") != cache {
            lacks.push(if cache == "no-store" {
                "Cache-Control: no-store"
            } else {
                "Cache-Control: public"
            });
        }
        if !get("access-control-allow-origin").is_empty() {
            lacks.push("(has Access-Control-Allow-Origin)");
        }
        if !lacks.is_empty() {
            missing.push(format!("{m} {p} ({}) → {}: {lacks:?}", ct, r.status));
        }
    }
    figures(
        "sessions_headers",
        &[
            ("responses", requests.len().to_string()),
            ("missing", missing.len().to_string()),
        ],
    );
    assert!(
        missing.is_empty(),
        "{}",
        missing
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
