//! Reliability, part 7: access control. Every operation of the OpenAPI
//! document × {anonymous, participant, organiser, admin} against a written
//! expectation table; other people's attempt ids probed (always 404, and the
//! same 404 as for an id that does not exist); role, score and status sent in
//! request bodies (refused, never applied).
//!
//! Counts: RELIABILITY_PROBES (default 500).

mod common;
use common::{TestApp, answers_for, figures, knob};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::{Value, json};

const ROLES: [&str; 4] = ["anonymous", "participant", "organiser", "admin"];

/// What each role gets. For attempt routes "participant" is the attempt's
/// owner (other participants are the probes' business).
const EXPECTED: &[(&str, &str, [&[u16]; 4])] = &[
    (
        "POST",
        "/api/v1/auth/register",
        [&[201], &[201], &[201], &[201]],
    ),
    (
        "POST",
        "/api/v1/auth/login",
        [&[200], &[200], &[200], &[200]],
    ),
    (
        "POST",
        "/api/v1/auth/logout",
        [&[401], &[204], &[204], &[204]],
    ),
    ("GET", "/api/v1/me", [&[401], &[200], &[200], &[200]]),
    ("GET", "/api/v1/contests", [&[200], &[200], &[200], &[200]]),
    (
        "GET",
        "/api/v1/contests/{id}",
        [&[200], &[200], &[200], &[200]],
    ),
    (
        "POST",
        "/api/v1/contests/{id}/attempts",
        [&[401], &[201, 200], &[403], &[403]],
    ),
    (
        "GET",
        "/api/v1/contests/{id}/my-attempts",
        [&[401], &[200], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/contests/{id}/winners",
        [&[200], &[200], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/attempts/{id}",
        [&[401], &[200], &[404], &[404]],
    ),
    (
        "PUT",
        "/api/v1/attempts/{id}/answers",
        [&[401], &[200], &[404], &[404]],
    ),
    (
        "POST",
        "/api/v1/attempts/{id}/submit",
        [&[401], &[200], &[404], &[404]],
    ),
    (
        "GET",
        "/api/v1/admin/contests",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "POST",
        "/api/v1/admin/contests",
        [&[401], &[403], &[201], &[201]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "PATCH",
        "/api/v1/admin/contests/{id}",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/questions",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "POST",
        "/api/v1/admin/contests/{id}/questions",
        [&[401], &[403], &[201], &[201]],
    ),
    (
        "POST",
        "/api/v1/admin/contests/{id}/questions/import",
        [&[401], &[403], &[201], &[201]],
    ),
    (
        "POST",
        "/api/v1/admin/contests/{id}/publish",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/stats",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "POST",
        "/api/v1/admin/contests/{id}/results",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/results",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "POST",
        "/api/v1/admin/contests/{id}/finalize",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "POST",
        "/api/v1/admin/contests/{id}/unfinalize",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "POST",
        "/api/v1/admin/contests/{id}/disqualify",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/audit",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/winners.csv",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/winners.xlsx",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/leaderboard.csv",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/users",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "PUT",
        "/api/v1/admin/users/{id}/role",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "POST",
        "/api/v1/admin/users/{id}/reset-code",
        [&[401], &[403], &[403], &[200]],
    ),
    ("POST", "/api/v1/auth/otp", [&[202], &[202], &[202], &[202]]),
    (
        "GET",
        "/api/v1/question-template.csv",
        [&[200], &[200], &[200], &[200]],
    ),
    // The citizen-app sign-in, on a server without it (tests/oidc.rs runs it
    // against a real provider): the same for every role, since its steps
    // belong to a browser's sign-in, not to an account.
    (
        "GET",
        "/api/v1/auth/methods",
        [&[200], &[200], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/auth/oidc/login",
        [&[404], &[404], &[404], &[404]],
    ),
    (
        "GET",
        "/api/v1/auth/oidc/callback",
        [&[404], &[404], &[404], &[404]],
    ),
    (
        "GET",
        "/api/v1/auth/oidc/signup",
        [&[404], &[404], &[404], &[404]],
    ),
    (
        "POST",
        "/api/v1/auth/oidc/signup",
        [&[404], &[404], &[404], &[404]],
    ),
    (
        "POST",
        "/api/v1/auth/oidc/link",
        [&[404], &[404], &[404], &[404]],
    ),
    // Anyone may try; without the phone's code it is refused by the code.
    (
        "POST",
        "/api/v1/auth/reset",
        [&[422], &[422], &[422], &[422]],
    ),
    (
        "PUT",
        "/api/v1/me/password",
        [&[401], &[204], &[204], &[204]],
    ),
    (
        "GET",
        "/api/v1/attempts/{id}/review",
        [&[401], &[409], &[404], &[404]],
    ),
    (
        "GET",
        "/api/v1/contests/{id}/my-result",
        [&[401], &[200], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/admin/contests/{id}/stats.xlsx",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "PATCH",
        "/api/v1/admin/contests/{id}/questions/{question_id}",
        [&[401], &[403], &[200], &[200]],
    ),
    (
        "DELETE",
        "/api/v1/admin/contests/{id}/questions/{question_id}",
        [&[401], &[403], &[204], &[204]],
    ),
    (
        "POST",
        "/api/v1/admin/organisations",
        [&[401], &[403], &[403], &[201]],
    ),
    (
        "GET",
        "/api/v1/admin/organisations",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "PATCH",
        "/api/v1/admin/organisations/{id}",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "PUT",
        "/api/v1/admin/organisations/{id}/logo",
        [&[401], &[403], &[403], &[200]],
    ),
    (
        "GET",
        "/api/v1/organisations",
        [&[200], &[200], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/organisations/{slug}",
        [&[200], &[200], &[200], &[200]],
    ),
    (
        "GET",
        "/api/v1/organisations/{slug}/logo",
        [&[200], &[200], &[200], &[200]],
    ),
    ("GET", "/api/v1/divisions", [&[200], &[200], &[200], &[200]]),
    (
        "GET",
        "/api/v1/divisions/{province_code}",
        [&[200], &[200], &[200], &[200]],
    ),
    ("GET", "/healthz", [&[200], &[200], &[200], &[200]]),
    ("GET", "/metrics", [&[200], &[200], &[200], &[200]]),
];

struct World {
    app: TestApp,
    /// participant, organiser, admin
    tokens: [String; 3],
    /// An organiser of another organisation than the contests' (role 4).
    stranger: String,
    phones: [String; 3],
    open: String,
    /// Finalized; its results are public.
    finalized: String,
    /// Ended, results computed, not finalized.
    computed: String,
    /// Ended and computed: the admin finalizes it.
    to_finalize: String,
    /// Finalized: the admin un-finalizes it.
    to_unfinalize: String,
    victim: String,
}

const STAFF_PASSWORD: &str = "mật khẩu ban tổ chức";
/// The role index of an organiser of another organisation.
const STRANGER: usize = 4;
/// A 1×1 PNG.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const DEFAULT_ORG: &str = crane::domain::organisation::DEFAULT_ID;
const PASSWORD: &str = "sếu đầu đỏ tràm chim";

async fn world() -> World {
    let app = TestApp::spawn_with(|s| s.limits.registrations_per_ip_per_minute = 10_000).await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let pphone = common::phone();
    let r = app.register(TestApp::registration(&pphone)).await;
    let part = r.body["token"].as_str().unwrap().to_owned();
    let (player, _) = app.participant().await;
    let (_, victim) = app.participant().await;
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let mut ended = Vec::new();
    for _ in 0..4 {
        let id = app
            .published_contest(
                &org,
                json!({"ends_at": crane::domain::clock::to_rfc3339(app.now() + 20_000, tz)}),
                6,
            )
            .await;
        let a = app.start(&player, &id).await.body["attempt"].clone();
        let r = app
            .submit(
                &player,
                a["id"].as_str().unwrap(),
                answers_for(&a, 2),
                Some(3),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        ended.push(id);
    }
    app.advance(60_000);
    for (i, id) in ended.iter().enumerate() {
        let r = app
            .post(
                &format!("/admin/contests/{id}/results"),
                Some(&admin),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        if i == 0 || i == 3 {
            let r = app
                .post(
                    &format!("/admin/contests/{id}/finalize"),
                    Some(&admin),
                    json!({}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    }
    let open = app
        .published_contest(&org, json!({"max_attempts": 100}), 6)
        .await;
    let me = |t: &str| {
        let t = t.to_owned();
        let app = &app;
        async move {
            app.get("/me", Some(&t)).await.body["user"]["phone"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let phones = [pphone, me(&org).await, me(&admin).await];
    // The default organisation (the contests' own) gets a logo; the stranger
    // is an organiser of another organisation.
    let logo = app
        .raw(
            Method::PUT,
            &format!("/api/v1/admin/organisations/{DEFAULT_ORG}/logo"),
            Some(&admin),
            Some(("image/png", PNG.to_vec())),
        )
        .await;
    assert_eq!(logo.status, 200, "{}", logo.text);
    let other = app
        .post(
            "/admin/organisations",
            Some(&admin),
            json!({"name": "Hội Nông dân", "slug": "hoi-nong-dan"}),
        )
        .await;
    assert_eq!(other.status, 201, "{}", other.text);
    let stranger = app.staff(Role::Organiser).await;
    let sid = app.get("/me", Some(&stranger)).await.body["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .call(
            Method::PUT,
            &format!("/admin/users/{sid}/role"),
            Some(&admin),
            Some(json!({"role": "organiser", "organisation_id": other.body["organisation"]["id"]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    World {
        tokens: [part, org, admin],
        stranger,
        phones,
        open,
        finalized: ended[0].clone(),
        computed: ended[1].clone(),
        to_finalize: ended[2].clone(),
        to_unfinalize: ended[3].clone(),
        victim,
        app,
    }
}

impl World {
    fn token(&self, role: usize) -> Option<&str> {
        match role {
            0 => None,
            STRANGER => Some(self.stranger.as_str()),
            r => Some(self.tokens[r - 1].as_str()),
        }
    }

    async fn draft(&self, questions: usize) -> String {
        let org = &self.tokens[1];
        let r = self
            .app
            .post(
                "/admin/contests",
                Some(org),
                self.app.contest_body(json!({"questions_per_attempt": 2})),
            )
            .await;
        let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
        if questions > 0 {
            let r = self
                .app
                .post(
                    &format!("/admin/contests/{id}/questions"),
                    Some(org),
                    TestApp::questions(questions, &[]),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
        id
    }

    /// The participant's open attempt (a new one if none is open).
    async fn attempt(&self) -> Value {
        let r = self.app.start(&self.tokens[0], &self.open).await;
        assert!(r.status == 200 || r.status == 201, "{}", r.text);
        r.body["attempt"].clone()
    }

    /// A second session of a role, for logout.
    async fn spare(&self, role: usize) -> String {
        let pw = if role == 1 { PASSWORD } else { STAFF_PASSWORD };
        let r = self.app.login(&self.phones[role - 1], pw).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["token"].as_str().unwrap().to_owned()
    }

    /// Sends `method path` as `role` against a fitting target and body.
    async fn probe(&self, method: &str, path: &str, role: usize) -> common::Resp {
        self.probe_with(method, path, role, None).await
    }

    /// As `probe`, with `bad` (content type, bytes) sent instead of the body.
    async fn probe_with(
        &self,
        method: &str,
        path: &str,
        role: usize,
        bad: Option<(&str, &[u8])>,
    ) -> common::Resp {
        let mut token = self.token(role).map(str::to_owned);
        let mut body: Option<(String, Vec<u8>)> = None;
        let mut question = String::new();
        let json_body = |v: Value| {
            Some((
                "application/json".to_owned(),
                serde_json::to_vec(&v).unwrap(),
            ))
        };
        let id = match (method, path) {
            (_, "/api/v1/admin/contests/{id}/questions/{question_id}") => {
                let id = self.draft(2).await;
                let bank = self
                    .app
                    .get(
                        &format!("/admin/contests/{id}/questions"),
                        Some(&self.tokens[1]),
                    )
                    .await;
                question = bank.body["questions"][0]["id"].as_str().unwrap().to_owned();
                if method == "PATCH" {
                    body = json_body(
                        json!({"text": "Câu hỏi đã sửa?", "options": ["Có", "Không"], "correct": 0}),
                    );
                }
                id
            }
            ("POST", "/api/v1/admin/organisations") => {
                body = json_body(
                    json!({"name": "Đơn vị thử", "slug": format!("don-vi-{}", common::phone())}),
                );
                String::new()
            }
            ("PATCH", "/api/v1/admin/organisations/{id}") => {
                body = json_body(json!({"hotline": "1900 1234"}));
                DEFAULT_ORG.to_owned()
            }
            ("PUT", "/api/v1/admin/organisations/{id}/logo") => {
                body = Some(("image/png".to_owned(), PNG.to_vec()));
                DEFAULT_ORG.to_owned()
            }
            ("POST", "/api/v1/auth/register") => {
                let p = common::phone();
                let mut b = TestApp::registration(&p);
                b["otp"] = json!(self.app.registration_code(&p).await.expect("a code"));
                body = json_body(b);
                String::new()
            }
            ("POST", "/api/v1/auth/login") => {
                body = json_body(json!({"phone": self.phones[0], "password": PASSWORD}));
                String::new()
            }
            ("POST", "/api/v1/auth/logout") => {
                if role > 0 {
                    token = Some(self.spare(role).await);
                }
                body = json_body(json!({}));
                String::new()
            }
            (_, p) if p.starts_with("/api/v1/attempts/") => {
                let a = self.attempt().await;
                if method == "PUT" {
                    body = json_body(json!({"answers": answers_for(&a, 1)}));
                } else if method == "POST" {
                    body = json_body(json!({"answers": answers_for(&a, 1), "prediction": 2}));
                }
                a["id"].as_str().unwrap().to_owned()
            }
            ("POST", "/api/v1/contests/{id}/attempts") => {
                body = json_body(json!({}));
                self.open.clone()
            }
            ("GET", "/api/v1/contests/{id}/winners") => self.finalized.clone(),
            ("GET", "/api/v1/contests/{id}") | ("GET", "/api/v1/contests/{id}/my-attempts") => {
                self.open.clone()
            }
            ("POST", "/api/v1/admin/contests") => {
                body = json_body(self.app.contest_body(json!({})));
                String::new()
            }
            ("PATCH", _) => {
                body = json_body(json!({"description": "Sửa mô tả"}));
                self.draft(0).await
            }
            ("POST", "/api/v1/admin/contests/{id}/questions") => {
                body = json_body(TestApp::questions(2, &[]));
                self.draft(0).await
            }
            ("POST", "/api/v1/admin/contests/{id}/questions/import") => {
                body = Some((
                    "text/csv".to_owned(),
                    "question,a,b,c,d,e,f,answer,category\r\nSếu đầu đỏ?,Có,Không,,,,,A,\r\n"
                        .as_bytes()
                        .to_vec(),
                ));
                self.draft(0).await
            }
            ("POST", "/api/v1/admin/contests/{id}/publish") => {
                body = json_body(json!({}));
                self.draft(3).await
            }
            ("POST", "/api/v1/admin/contests/{id}/results") => {
                body = json_body(json!({}));
                self.computed.clone()
            }
            ("POST", "/api/v1/admin/contests/{id}/finalize") => {
                body = json_body(json!({}));
                self.to_finalize.clone()
            }
            ("POST", "/api/v1/admin/contests/{id}/unfinalize") => {
                body = json_body(json!({"reason": "Kiểm tra lại"}));
                self.to_unfinalize.clone()
            }
            ("POST", "/api/v1/admin/contests/{id}/disqualify") => {
                body = json_body(json!({"user_id": self.victim, "reason": "Gian lận"}));
                self.computed.clone()
            }
            ("PUT", "/api/v1/admin/users/{id}/role") => {
                body = json_body(json!({"role": "participant"}));
                self.victim.clone()
            }
            ("POST", "/api/v1/admin/users/{id}/reset-code") => {
                body = json_body(json!({}));
                self.victim.clone()
            }
            ("POST", "/api/v1/auth/oidc/signup") | ("POST", "/api/v1/auth/oidc/link") => {
                body = json_body(json!({}));
                String::new()
            }
            ("POST", "/api/v1/auth/otp") => {
                body = json_body(json!({"phone": common::phone(), "purpose": "register"}));
                String::new()
            }
            ("POST", "/api/v1/auth/reset") => {
                body = json_body(
                    json!({"phone": self.phones[0], "otp": "000000", "new_password": PASSWORD}),
                );
                String::new()
            }
            ("PUT", "/api/v1/me/password") => {
                // The same password again: the probe changes nothing the others rely on.
                let pw = if role == 1 { PASSWORD } else { STAFF_PASSWORD };
                body = json_body(json!({"current_password": pw, "new_password": pw}));
                String::new()
            }
            ("GET", p)
                if p.contains("/winners.")
                    || p.contains("/leaderboard")
                    || p.contains("/audit") =>
            {
                self.finalized.clone()
            }
            ("GET", p) if p.ends_with("/results") => self.computed.clone(),
            _ => self.open.clone(),
        };
        if let Some((ct, bytes)) = bad {
            body = Some((ct.to_owned(), bytes.to_vec()));
        }
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let full = path
            .replace("{question_id}", &question)
            .replace("{id}", &id)
            .replace("{province_code}", "01")
            .replace("{slug}", "ban-to-chuc");
        self.app
            .raw(
                m,
                &full,
                token.as_deref(),
                body.as_ref().map(|(ct, b)| (ct.as_str(), b.clone())),
            )
            .await
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_expectation_table_says() {
    let w = world().await;
    let routes = w.app.openapi_routes().await;
    let mut unexpected = Vec::new();
    let mut missing = Vec::new();
    let mut checked = 0;
    for (method, path) in &routes {
        let Some((_, _, want)) = EXPECTED.iter().find(|(m, p, _)| m == method && p == path) else {
            missing.push(format!("{method} {path}"));
            continue;
        };
        for (role, allowed) in want.iter().enumerate() {
            let r = w.probe(method, path, role).await;
            checked += 1;
            if !allowed.contains(&r.status.as_u16()) {
                unexpected.push(format!(
                    "{method} {path} as {}: {} (expected {allowed:?}) {}",
                    ROLES[role],
                    r.status,
                    r.text.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    // The cross-organisation column: on every staff route of a contest, an
    // organiser of another organisation gets the same 404 as for a contest
    // that does not exist (403 where organisers may not go at all).
    let mut cross = 0;
    for (method, path) in routes
        .iter()
        .filter(|(_, p)| p.starts_with("/api/v1/admin/contests/{id}"))
    {
        let Some((_, _, want)) = EXPECTED.iter().find(|(m, p, _)| m == method && p == path) else {
            continue;
        };
        let expected: &[u16] = if want[2].contains(&403) {
            &[403]
        } else {
            &[404]
        };
        let r = w.probe(method, path, STRANGER).await;
        checked += 1;
        cross += 1;
        if !expected.contains(&r.status.as_u16()) {
            unexpected.push(format!(
                "{method} {path} as an organiser of another organisation: {} (expected {expected:?}) {}",
                r.status,
                r.text.chars().take(200).collect::<String>()
            ));
        }
    }
    assert!(cross >= 15, "{cross} staff routes of a contest probed");
    // Drafts are staff-only on the public contest page.
    let draft = w.draft(0).await;
    for (role, want) in [404u16, 404, 200, 200].into_iter().enumerate() {
        let r = w
            .app
            .get(&format!("/contests/{draft}"), w.token(role))
            .await;
        checked += 1;
        if r.status != want {
            unexpected.push(format!(
                "GET draft contest as {}: {} (expected {want})",
                ROLES[role], r.status
            ));
        }
    }
    for (m, p, _) in EXPECTED {
        if !routes.iter().any(|(rm, rp)| rm == m && rp == p) {
            missing.push(format!(
                "{m} {p} is in the table but not in the OpenAPI document"
            ));
        }
    }
    figures(
        "access_matrix",
        &[
            ("routes", routes.len().to_string()),
            ("checks", checked.to_string()),
            ("unexpected", unexpected.len().to_string()),
            ("routes_without_expectation", missing.len().to_string()),
        ],
    );
    assert!(
        missing.is_empty(),
        "write the expectations for: {missing:?}"
    );
    assert!(
        unexpected.is_empty(),
        "unexpected answers:\n  {}",
        unexpected.join("\n  ")
    );
}

/// Who may not call a route learns that first, whatever the body: a bad body
/// sent by an anonymous caller or a participant to a route closed to them is
/// answered 401/403, never 400/413/415/422 (which would mean the body was
/// read and judged before the caller was).
#[tokio::test]
async fn refusals_come_before_any_judgement_of_the_body() {
    let w = world().await;
    let big = vec![b' '; 2 << 20];
    let bad: [(&str, &[u8]); 5] = [
        ("application/json", b"{\"reason\": "),
        ("application/json", b"[1, 2]"),
        ("application/json", b"{\"role\": 7, \"questions\": \"x\"}"),
        ("text/xml", b"<a/>"),
        ("application/json", &big),
    ];
    let mut checked = 0;
    let mut unexpected = Vec::new();
    for (method, path, want) in EXPECTED {
        if *method == "GET" {
            continue;
        }
        for role in 0..2 {
            let refused = want[role];
            if !(refused == [401] || refused == [403]) {
                continue;
            }
            for (ct, bytes) in bad {
                let r = w.probe_with(method, path, role, Some((ct, bytes))).await;
                checked += 1;
                if r.status.as_u16() != refused[0] {
                    unexpected.push(format!(
                        "{method} {path} as {} with a bad {ct} body: {} (expected {})",
                        ROLES[role], r.status, refused[0]
                    ));
                }
            }
        }
    }
    figures(
        "refusal_before_body",
        &[
            ("checks", checked.to_string()),
            ("unexpected", unexpected.len().to_string()),
        ],
    );
    assert!(checked >= 40, "only {checked} checks");
    assert!(
        unexpected.is_empty(),
        "bodies judged before callers:\n  {}",
        unexpected.join("\n  ")
    );
}

#[tokio::test]
async fn five_hundred_probes_of_other_peoples_attempt_ids_all_get_the_same_404() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let contest = app
        .published_contest(&org, json!({"max_attempts": 5}), 12)
        .await;
    // Owners: two with an open attempt, one with a submitted one.
    let mut owned = Vec::new();
    for submit in [false, false, true] {
        let (tok, _) = app.participant().await;
        let a = app.start(&tok, &contest).await.body["attempt"].clone();
        let id = a["id"].as_str().unwrap().to_owned();
        app.autosave(&tok, &id, answers_for(&a, 2)).await;
        if submit {
            app.submit(&tok, &id, answers_for(&a, 3), Some(4)).await;
        }
        let before = app.get(&format!("/attempts/{id}"), Some(&tok)).await.body;
        owned.push((tok, id, a, before));
    }
    let (prober, _) = app.participant().await;
    let prober_attempt = app.start(&prober, &contest).await.body["attempt"].clone();
    let reference = app
        .get(
            "/attempts/00000000-0000-4000-8000-000000000000",
            Some(&prober),
        )
        .await
        .body;
    let mut ids: Vec<String> = Vec::new();
    for (_, id, _, _) in &owned {
        ids.push(id.clone());
        ids.push(id.to_uppercase());
        ids.push(format!(" {id}"));
        ids.push(id.replace('-', ""));
        ids.push(format!("{{{id}}}"));
        ids.push(format!("urn:uuid:{id}"));
    }
    ids.push(contest.clone());
    ids.push(
        prober_attempt["questions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    let n = knob("RELIABILITY_PROBES", 500);
    let tokens = [prober.as_str(), org.as_str(), admin.as_str()];
    let (mut sent, mut not_404, mut different) = (0usize, Vec::new(), Vec::new());
    for i in 0..n {
        let id = if i % 3 == 0 {
            uuid::Uuid::new_v4().to_string()
        } else if i % 3 == 1 && i % 2 == 0 {
            uuid::Uuid::now_v7().to_string()
        } else {
            ids[i % ids.len()].clone()
        };
        let tok = tokens[i % 7 % 3];
        let a = &owned[i % owned.len()].2;
        let enc = id
            .replace(' ', "%20")
            .replace('{', "%7B")
            .replace('}', "%7D");
        let r = match i % 3 {
            0 => app.get(&format!("/attempts/{enc}"), Some(tok)).await,
            1 => app.autosave(tok, &enc, answers_for(a, 5)).await,
            _ => app.submit(tok, &enc, answers_for(a, 5), Some(1)).await,
        };
        sent += 1;
        if r.status != 404 {
            not_404.push(format!(
                "{id} → {} {}",
                r.status,
                r.text.chars().take(200).collect::<String>()
            ));
        } else if r.body != reference {
            different.push(format!("{id} → {}", r.text));
        }
    }
    // Nothing the probes sent was applied.
    let mut changed = 0;
    for (tok, id, _, before) in &owned {
        let after = app.get(&format!("/attempts/{id}"), Some(tok)).await.body;
        if after["attempt"]["answers"] != before["attempt"]["answers"]
            || after["attempt"]["status"] != before["attempt"]["status"]
            || after["attempt"]["result"] != before["attempt"]["result"]
        {
            changed += 1;
        }
    }
    figures(
        "access_probes",
        &[
            ("probes", sent.to_string()),
            ("not_404", not_404.len().to_string()),
            ("distinguishable_404", different.len().to_string()),
            ("attempts_changed", changed.to_string()),
        ],
    );
    assert!(
        not_404.is_empty(),
        "{}",
        not_404
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        different.is_empty(),
        "{}",
        different
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(changed, 0);
}

#[tokio::test]
async fn role_score_and_status_sent_in_request_bodies_are_refused_and_never_applied() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let contest = app
        .published_contest(&org, json!({"max_attempts": 3}), 12)
        .await;
    let (tok, uid) = app.participant().await;
    let a = app.start(&tok, &contest).await.body["attempt"].clone();
    let aid = a["id"].as_str().unwrap().to_owned();
    let draft = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await
        .body["contest"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (mut tried, mut accepted, mut applied) = (0usize, Vec::new(), Vec::new());
    let mut expect_refused = |what: &str, r: &common::Resp| {
        tried += 1;
        if !r.status.is_client_error() {
            accepted.push(format!(
                "{what}: {} {}",
                r.status,
                r.text.chars().take(200).collect::<String>()
            ));
        }
    };

    // Registration and sign-in.
    for (k, v) in [
        ("role", json!("admin")),
        ("id", json!("00000000-0000-4000-8000-000000000001")),
        ("created_at", json!(0)),
        ("is_admin", json!(true)),
    ] {
        let p = common::phone();
        let mut body = TestApp::registration(&p);
        body[k] = v;
        let r = app.register(body).await;
        expect_refused(&format!("register with {k}"), &r);
        let again = app.register(TestApp::registration(&p)).await;
        if again.status != 201 || again.body["user"]["role"] != "participant" {
            applied.push(format!(
                "register with {k} left an account behind: {}",
                again.text
            ));
        }
    }
    let p = common::phone();
    let mut body = TestApp::registration(&p);
    body["address"]["role"] = json!("admin");
    expect_refused("register with address.role", &app.register(body).await);
    let mut body = TestApp::registration(&p);
    body["otp"] = json!(app.registration_code(&p).await.expect("a code"));
    let r = app
        .raw(
            Method::POST,
            "/api/v1/auth/register?role=admin",
            None,
            Some(("application/json", serde_json::to_vec(&body).unwrap())),
        )
        .await;
    if r.body["user"]["role"] != "participant" {
        applied.push(format!("?role=admin on register: {}", r.text));
    }
    let me = app.get("/me", Some(&tok)).await.body["user"]["phone"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .post(
            "/auth/login",
            None,
            json!({"phone": me, "password": "sếu đầu đỏ tràm chim", "role": "admin"}),
        )
        .await;
    expect_refused("login with role", &r);

    // A participant promoting themselves.
    let r = app
        .call(
            Method::PUT,
            &format!("/admin/users/{uid}/role"),
            Some(&tok),
            Some(json!({"role": "admin"})),
        )
        .await;
    expect_refused("participant sets own role", &r);
    // An admin's role change with smuggled fields.
    let r = app
        .call(
            Method::PUT,
            &format!("/admin/users/{uid}/role"),
            Some(&admin),
            Some(json!({"role": "participant", "user_id": "x"})),
        )
        .await;
    expect_refused("role change with user_id", &r);
    let dup = br#"{"role":"participant","role":"admin"}"#.to_vec();
    let r = app
        .raw(
            Method::PUT,
            &format!("/api/v1/admin/users/{uid}/role"),
            Some(&admin),
            Some(("application/json", dup)),
        )
        .await;
    expect_refused("role change with a duplicate role key", &r);
    if app.get("/me", Some(&tok)).await.body["user"]["role"] != "participant" {
        applied.push("the participant's role changed".into());
    }

    // Attempts: score, status, correctness and times.
    for (k, v) in [
        ("score", json!(12)),
        ("status", json!("submitted")),
        ("question_count", json!(1)),
        ("duration_ms", json!(1)),
        ("user_id", json!(uid)),
    ] {
        let mut body = json!({"answers": answers_for(&a, 0), "prediction": 1});
        body[k] = v;
        let r = app
            .post(&format!("/attempts/{aid}/submit"), Some(&tok), body)
            .await;
        expect_refused(&format!("submit with {k}"), &r);
    }
    let mut ans = answers_for(&a, 0);
    ans[0]["correct"] = json!(true);
    let r = app
        .call(
            Method::PUT,
            &format!("/attempts/{aid}/answers"),
            Some(&tok),
            Some(json!({"answers": ans.clone()})),
        )
        .await;
    expect_refused("autosave with correct", &r);
    let r = app
        .post(
            &format!("/attempts/{aid}/submit"),
            Some(&tok),
            json!({"answers": ans, "prediction": 1}),
        )
        .await;
    expect_refused("submit with correct", &r);
    let st = app.get(&format!("/attempts/{aid}"), Some(&tok)).await.body;
    if st["attempt"]["status"] != "open"
        || !st["attempt"]["answers"]
            .as_array()
            .is_some_and(Vec::is_empty)
    {
        applied.push(format!("the attempt changed: {st}"));
    }

    // Contests: state, digest, seed and ids.
    for (k, v) in [
        ("status", json!("finalized")),
        ("state", json!("published")),
        ("digest", json!("00")),
        ("draw_seed", json!("00")),
        ("id", json!(contest)),
        ("created_by", json!(uid)),
        ("results_computed_at", json!("2024-12-01T00:00:00+07:00")),
        ("finalized_at", json!("2024-12-01T00:00:00+07:00")),
    ] {
        let r = app
            .call(
                Method::PATCH,
                &format!("/admin/contests/{draft}"),
                Some(&org),
                Some(json!({ k: v.clone() })),
            )
            .await;
        expect_refused(&format!("PATCH contest with {k}"), &r);
        let mut body = app.contest_body(json!({}));
        body[k] = v;
        let r = app.post("/admin/contests", Some(&org), body).await;
        expect_refused(&format!("create contest with {k}"), &r);
    }
    let c = app
        .get(&format!("/admin/contests/{draft}"), Some(&org))
        .await
        .body;
    if c["contest"]["status"] != "draft" || !c["contest"]["digest"].is_null() {
        applied.push(format!("the draft changed: {c}"));
    }
    let mut qs = TestApp::questions(1, &[]);
    qs["questions"][0]["correct_option_id"] = json!(1);
    let r = app
        .post(
            &format!("/admin/contests/{draft}/questions"),
            Some(&org),
            qs,
        )
        .await;
    expect_refused("question with correct_option_id", &r);
    let r = app
        .post(
            &format!("/admin/contests/{contest}/disqualify"),
            Some(&admin),
            json!({"user_id": uid, "reason": "x", "score": 0}),
        )
        .await;
    expect_refused("disqualify with score", &r);

    figures(
        "access_mass_assignment",
        &[
            ("attempts", tried.to_string()),
            ("accepted", accepted.len().to_string()),
            ("applied", applied.len().to_string()),
        ],
    );
    assert!(
        accepted.is_empty(),
        "accepted:\n  {}",
        accepted.join("\n  ")
    );
    assert!(applied.is_empty(), "applied:\n  {}", applied.join("\n  "));
}
