//! Accounts, sessions, roles and HTTP hygiene, black-box over HTTP.

mod common;
use common::{TestApp, phone};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn registering_returns_a_token_that_signs_the_user_in() {
    let app = TestApp::spawn().await;
    let p = phone();
    let r = app.register(TestApp::registration(&p)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let token = r.body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    assert_eq!(r.body["user"]["phone"], p);
    assert_eq!(r.body["user"]["role"], "participant");
    assert_eq!(r.body["user"]["address"]["hamlet"], "ấp Đông Mỹ");
    assert!(r.body["user"].get("password_hash").is_none());
    let me = app.get("/me", Some(token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["user"]["full_name"], "Hà Minh Tùng");
}

/// Without phone verification (`auth.verify_phone = false`), the unique index
/// alone keeps one account per phone. With it, see `tests/otp.rs`.
#[tokio::test]
async fn the_same_phone_spelled_differently_is_one_account() {
    let app = TestApp::spawn_with(|s| s.auth.verify_phone = false).await;
    let r = app.register(TestApp::registration("+84 912 345 678")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["user"]["phone"], "0912345678");
    let again = app.register(TestApp::registration("0912 345 678")).await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.code(), "already_registered");
    assert!(again.body["error"]["fields"]["phone"].is_object());
    let login = app.login("84912345678", "sếu đầu đỏ tràm chim").await;
    assert_eq!(login.status, 200, "{}", login.text);
}

#[tokio::test]
async fn twenty_concurrent_registrations_of_one_person_make_one_account() {
    let app = std::sync::Arc::new(TestApp::spawn_with(|s| s.auth.verify_phone = false).await);
    let spellings = [
        "+84 913 000 111",
        "0913000111",
        "84913000111",
        "091 300 0111",
        "+84913000111",
    ];
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let app = app.clone();
            let p = spellings[i % spellings.len()].to_owned();
            tokio::spawn(async move {
                app.register(TestApp::registration(&p))
                    .await
                    .status
                    .as_u16()
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|&&c| c == 201).count(), 1, "{codes:?}");
    assert!(
        codes.iter().all(|&c| c == 201 || c == 409 || c == 503),
        "{codes:?}"
    );
}

#[tokio::test]
async fn a_national_id_belongs_to_one_account() {
    let app = TestApp::spawn().await;
    let mut a = TestApp::registration(&phone());
    a["national_id"] = json!("087123456789");
    assert_eq!(app.register(a).await.status, 201);
    let mut b = TestApp::registration(&phone());
    b["national_id"] = json!("087 123 456 789");
    let r = app.register(b).await;
    assert_eq!(r.status, 409);
    assert!(
        r.body["error"]["fields"]["national_id"].is_object(),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn bad_registrations_name_every_bad_field() {
    let app = TestApp::spawn().await;
    let r = app
        .register(json!({
            "phone": "12345", "password": "password", "full_name": " ",
            "address": {"province": "", "commune": "Mỹ Hội", "hamlet": "ấp 1"},
            "national_id": "12", "date_of_birth": "2024-02-30"
        }))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields = r.body["error"]["fields"].as_object().unwrap();
    for f in [
        "phone",
        "password",
        "full_name",
        "address.province",
        "national_id",
        "date_of_birth",
    ] {
        assert!(fields.contains_key(f), "{f} missing: {}", r.text);
    }
    assert_eq!(fields["password"]["code"], "too_common");
}

#[tokio::test]
async fn a_role_in_the_registration_body_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = TestApp::registration(&phone());
    body["role"] = json!("admin");
    let r = app.register(body).await;
    assert_eq!(r.status, 422, "{}", r.text);
}

#[tokio::test]
async fn wrong_passwords_and_unknown_phones_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let p = phone();
    app.register(TestApp::registration(&p)).await;
    let wrong = app.login(&p, "not the password").await;
    let unknown = app.login(&phone(), "not the password").await;
    let garbage = app.login("not a phone", "not the password").await;
    for r in [&wrong, &unknown, &garbage] {
        assert_eq!(r.status, 401, "{}", r.text);
        assert_eq!(r.body, wrong.body);
    }
}

#[tokio::test]
async fn a_phone_is_locked_after_ten_failed_sign_ins() {
    let app = TestApp::spawn().await;
    let p = phone();
    app.register(TestApp::registration(&p)).await;
    for _ in 0..10 {
        assert_eq!(app.login(&p, "wrong password").await.status, 401);
    }
    let locked = app.login(&p, "sếu đầu đỏ tràm chim").await;
    assert_eq!(locked.status, 429, "{}", locked.text);
    assert!(locked.headers.contains_key("retry-after"));
    // Another account is not affected.
    let q = phone();
    app.register(TestApp::registration(&q)).await;
    assert_eq!(app.login(&q, "sếu đầu đỏ tràm chim").await.status, 200);
}

#[tokio::test]
async fn every_login_gets_a_new_token_and_logout_kills_it() {
    let app = TestApp::spawn().await;
    let p = phone();
    let first = app.register(TestApp::registration(&p)).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.login(&p, "sếu đầu đỏ tràm chim").await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    let out = app
        .call(Method::POST, "/auth/logout", Some(&second), Some(json!({})))
        .await;
    assert_eq!(out.status, 204);
    assert_eq!(app.get("/me", Some(&second)).await.status, 401);
    assert_eq!(app.get("/me", Some(&first)).await.status, 200);
}

#[tokio::test]
async fn the_session_cookie_is_httponly_and_lax_and_signs_in() {
    let app = TestApp::spawn().await;
    let r = app.register(TestApp::registration(&phone())).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .header("cookie", &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn cookie_writes_from_other_sites_or_without_json_are_refused() {
    let app = TestApp::spawn().await;
    let r = app.register(TestApp::registration(&phone())).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let url = format!("{}/api/v1/auth/logout", app.address);
    let cross = app
        .client
        .post(&url)
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    let foreign = app
        .client
        .post(&url)
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    let form = app
        .client
        .post(&url)
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=b")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    // The same write from our own page works.
    let ok = app
        .client
        .post(&url)
        .header("cookie", &cookie)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 204);
}

#[tokio::test]
async fn malformed_oversized_and_mistyped_bodies_get_the_right_status() {
    let app = TestApp::spawn().await;
    let bad_json = app
        .raw(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(("application/json", b"{\"phone\":".to_vec())),
        )
        .await;
    assert_eq!(bad_json.status, 400);
    assert_eq!(bad_json.code(), "malformed_json");
    let wrong_type = app
        .raw(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(("text/plain", b"{}".to_vec())),
        )
        .await;
    assert_eq!(wrong_type.status, 415);
    let big = vec![b' '; 70_000];
    let too_big = app
        .raw(
            Method::POST,
            "/api/v1/auth/register",
            None,
            Some(("application/json", big)),
        )
        .await;
    assert_eq!(too_big.status, 413);
    let invalid_utf8 = app
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(("application/json", b"{\"phone\":\"\xff\"}".to_vec())),
        )
        .await;
    assert_eq!(invalid_utf8.status, 400, "{}", invalid_utf8.text);
    let wrong_shape = app
        .post(
            "/auth/login",
            None,
            json!({"phone": 912345678, "password": "x"}),
        )
        .await;
    assert_eq!(wrong_shape.status, 422);
    assert!(
        wrong_shape.body["error"]["fields"]["phone"].is_object(),
        "{}",
        wrong_shape.text
    );
    for r in [&bad_json, &wrong_type, &too_big, &wrong_shape] {
        assert!(r.body["error"]["message"].is_string(), "{}", r.text);
    }
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let app = TestApp::spawn().await;
    for path in [
        "/healthz",
        "/api/v1/contests",
        "/api/v1/nowhere",
        "/metrics",
    ] {
        let r = app.raw(Method::GET, path, None, None).await;
        let csp = r
            .headers
            .get("content-security-policy")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(
            r.headers.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert!(r.headers.contains_key("referrer-policy"), "{path}");
    }
}

#[tokio::test]
async fn health_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let h = app.raw(Method::GET, "/healthz", None, None).await;
    assert_eq!(h.status, 200);
    app.get("/contests", None).await;
    let m = app.raw(Method::GET, "/metrics", None, None).await;
    assert_eq!(m.status, 200);
    assert!(m.text.contains("crane_http_requests_total"), "{}", m.text);
}

#[tokio::test]
async fn admins_search_accounts_and_promote_organisers_with_an_audit_entry() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let p = phone();
    let mut body = TestApp::registration(&p);
    body["full_name"] = json!("Nguyễn Thị Sếu");
    let user = app.register(body).await;
    let uid = user.body["user"]["id"].as_str().unwrap().to_owned();
    let token = user.body["token"].as_str().unwrap().to_owned();

    let by_name = app.get("/admin/users?q=Sếu", Some(&admin)).await;
    assert_eq!(by_name.status, 200, "{}", by_name.text);
    assert!(
        by_name.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == uid.as_str())
    );
    let by_phone = app
        .get(&format!("/admin/users?q={}", &p[1..8]), Some(&admin))
        .await;
    assert!(
        by_phone.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == uid.as_str())
    );

    assert_eq!(app.get("/admin/users?q=a", Some(&token)).await.status, 403);
    let r = app
        .call(
            Method::PUT,
            &format!("/admin/users/{uid}/role"),
            Some(&token),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(r.status, 403);

    let r = app
        .call(
            Method::PUT,
            &format!("/admin/users/{uid}/role"),
            Some(&admin),
            Some(json!({"role": "organiser"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["user"]["role"], "organiser");
    assert_eq!(
        app.get("/me", Some(&token)).await.body["user"]["role"],
        "organiser"
    );
    let log = crane::store::audit::list(&app.state.db.conn, &format!("user:{uid}"))
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "role_changed");

    let bad = app
        .call(
            Method::PUT,
            &format!("/admin/users/{uid}/role"),
            Some(&admin),
            Some(json!({"role": "king"})),
        )
        .await;
    assert_eq!(bad.status, 422);
    let missing = app
        .call(
            Method::PUT,
            "/admin/users/00000000-0000-4000-8000-000000000000/role",
            Some(&admin),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn requests_without_a_session_are_401() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/me", None).await.status, 401);
    assert_eq!(app.get("/me", Some(&"ab".repeat(32))).await.status, 401);
    assert_eq!(app.get("/me", Some("garbage")).await.status, 401);
}
