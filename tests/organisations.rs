//! Organisations, black-box over HTTP: the admin's routes, logos, officials
//! assigned to one organisation, every staff route scoped to it, and the
//! public pages.

mod common;
use common::{Resp, TestApp};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::{Value, json};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

async fn create_org(app: &TestApp, admin: &str, name: &str, slug: &str) -> Value {
    let r = app
        .post(
            "/admin/organisations",
            Some(admin),
            json!({"name": name, "slug": slug, "hotline": "0277 3851 234", "intro": "Giới thiệu"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["organisation"].clone()
}

/// An organiser of organisation `org` (signed in); returns the token.
async fn organiser_of(app: &TestApp, admin: &str, org: &str) -> String {
    let token = app.staff(Role::Organiser).await;
    let me = app.get("/me", Some(&token)).await;
    let id = me.body["user"]["id"].as_str().unwrap().to_owned();
    let r = app
        .call(
            Method::PUT,
            &format!("/admin/users/{id}/role"),
            Some(admin),
            Some(json!({"role": "organiser", "organisation_id": org})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    token
}

async fn send_logo(app: &TestApp, admin: &str, id: &str, ct: &str, bytes: &[u8]) -> Resp {
    app.raw(
        Method::PUT,
        &format!("/api/v1/admin/organisations/{id}/logo"),
        Some(admin),
        Some((ct, bytes.to_vec())),
    )
    .await
}

#[tokio::test]
async fn an_admin_creates_and_edits_organisations_and_slugs_are_unique() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let organiser = app.staff(Role::Organiser).await;
    let org = create_org(
        &app,
        &admin,
        "Đoàn Thanh niên tỉnh Đồng Tháp",
        "doan-thanh-nien",
    )
    .await;
    assert_eq!(org["slug"], "doan-thanh-nien");
    assert!(org["logo_url"].is_null());
    let again = app
        .post(
            "/admin/organisations",
            Some(&admin),
            json!({"name": "Khác", "slug": "doan-thanh-nien"}),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert_eq!(again.code(), "slug_taken");
    let bad = app
        .post(
            "/admin/organisations",
            Some(&admin),
            json!({"name": "", "slug": "Đoàn"}),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body["error"]["fields"]["slug"].is_object(),
        "{}",
        bad.text
    );
    assert!(
        bad.body["error"]["fields"]["name"].is_object(),
        "{}",
        bad.text
    );
    let refused = app
        .post(
            "/admin/organisations",
            Some(&organiser),
            json!({"name": "Hội Nông dân", "slug": "hoi-nong-dan"}),
        )
        .await;
    assert_eq!(refused.status, 403);

    let id = org["id"].as_str().unwrap();
    let r = app
        .call(
            Method::PATCH,
            &format!("/admin/organisations/{id}"),
            Some(&admin),
            Some(json!({"hotline": "1900 1234"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["organisation"]["hotline"], "1900 1234");
    assert_eq!(
        r.body["organisation"]["name"],
        "Đoàn Thanh niên tỉnh Đồng Tháp"
    );
    let list = app.get("/admin/organisations", Some(&admin)).await;
    let names: Vec<&str> = list.body["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    // The default organisation, where existing organisers and contests went, and the new one.
    assert_eq!(names, ["Ban tổ chức", "Đoàn Thanh niên tỉnh Đồng Tháp"]);
    let unknown = format!("/admin/organisations/{}", uuid::Uuid::new_v4());
    let r = app
        .call(
            Method::PATCH,
            &unknown,
            Some(&admin),
            Some(json!({"name": "X y"})),
        )
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn a_logo_is_checked_by_its_bytes_and_served_cacheable() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let org = create_org(&app, &admin, "Sở Tư pháp", "so-tu-phap").await;
    let id = org["id"].as_str().unwrap();
    let svg = send_logo(
        &app,
        &admin,
        id,
        "image/png",
        b"<svg onload=alert(1)></svg>",
    )
    .await;
    assert_eq!(svg.status, 422, "{}", svg.text);
    assert_eq!(svg.body["error"]["fields"]["logo"]["code"], "logo_type");
    let mut big = PNG.to_vec();
    big.resize(300 * 1024, 0);
    let r = send_logo(&app, &admin, id, "image/png", &big).await;
    assert_eq!(
        r.body["error"]["fields"]["logo"]["code"], "logo_too_large",
        "{}",
        r.text
    );
    let r = send_logo(&app, &admin, id, "text/plain", PNG).await;
    assert_eq!(r.status, 415);

    let r = send_logo(&app, &admin, id, "image/png", PNG).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let url = r.body["organisation"]["logo_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = app.raw(Method::GET, &url, None, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.headers["content-type"], "image/png");
    assert!(
        got.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = got.headers["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(format!("{}{url}", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let none = app
        .raw(
            Method::GET,
            "/api/v1/organisations/khong-co/logo",
            None,
            None,
        )
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn an_organiser_reaches_only_their_organisations_contests() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let a = create_org(&app, &admin, "Đoàn Thanh niên", "doan-thanh-nien").await;
    let b = create_org(&app, &admin, "Hội Nông dân", "hoi-nong-dan").await;
    let alice = organiser_of(&app, &admin, a["id"].as_str().unwrap()).await;
    let bob = organiser_of(&app, &admin, b["id"].as_str().unwrap()).await;
    let contest = app.published_contest(&alice, json!({}), 6).await;
    let r = app
        .get(&format!("/admin/contests/{contest}"), Some(&alice))
        .await;
    assert_eq!(r.body["contest"]["organisation_id"], a["id"], "{}", r.text);

    for path in [
        format!("/admin/contests/{contest}"),
        format!("/admin/contests/{contest}/questions"),
        format!("/admin/contests/{contest}/stats"),
    ] {
        let r = app.get(&path, Some(&bob)).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        assert_eq!(app.get(&path, Some(&admin)).await.status, 200, "{path}");
    }
    let r = app
        .call(
            Method::PATCH,
            &format!("/admin/contests/{contest}"),
            Some(&bob),
            Some(json!({"description": "Sửa trộm"})),
        )
        .await;
    assert_eq!(r.status, 404);
    for action in ["results", "publish"] {
        let r = app
            .post(
                &format!("/admin/contests/{contest}/{action}"),
                Some(&bob),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 404, "{action}: {}", r.text);
    }
    // A draft of another organisation is not found on the public route either.
    let draft = app
        .post("/admin/contests", Some(&alice), app.contest_body(json!({})))
        .await;
    let draft = draft.body["contest"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/contests/{draft}"), Some(&bob))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/contests/{draft}"), Some(&alice))
            .await
            .status,
        200
    );
    let list = app.get("/admin/contests", Some(&bob)).await;
    assert!(
        list.body["contests"].as_array().unwrap().is_empty(),
        "{}",
        list.text
    );
    let list = app.get("/admin/contests", Some(&alice)).await;
    assert_eq!(list.body["contests"].as_array().unwrap().len(), 2);
    let list = app.get("/admin/contests", Some(&admin)).await;
    assert_eq!(list.body["contests"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_public_page_lists_only_the_organisations_published_contests() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let a = create_org(&app, &admin, "Đoàn Thanh niên", "doan-thanh-nien").await;
    let b = create_org(&app, &admin, "Hội Nông dân", "hoi-nong-dan").await;
    let alice = organiser_of(&app, &admin, a["id"].as_str().unwrap()).await;
    let bob = organiser_of(&app, &admin, b["id"].as_str().unwrap()).await;
    let published = app
        .published_contest(&alice, json!({"title": "Thanh niên với pháp luật"}), 6)
        .await;
    let draft = app
        .post(
            "/admin/contests",
            Some(&alice),
            app.contest_body(json!({"title": "Bản nháp"})),
        )
        .await;
    assert_eq!(draft.status, 201);
    app.published_contest(&bob, json!({"title": "Nhà nông giỏi"}), 6)
        .await;

    let page = app.get("/organisations/doan-thanh-nien", None).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(page.body["organisation"]["hotline"], "0277 3851 234");
    let ids: Vec<&str> = page.body["contests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [published.as_str()]);
    assert_eq!(app.get("/organisations/khong-co", None).await.status, 404);
    let all = app.get("/organisations", None).await;
    assert_eq!(
        all.body["organisations"].as_array().unwrap().len(),
        3,
        "{}",
        all.text
    );
    let contests = app.get("/contests", None).await;
    assert!(
        contests.body["contests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["organisation_id"].is_string()),
        "{}",
        contests.text
    );
}

#[tokio::test]
async fn roles_and_organisations_are_assigned_together_and_audited() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let a = create_org(&app, &admin, "Đoàn Thanh niên", "doan-thanh-nien").await;
    let (_, uid) = app.participant().await;
    let path = format!("/admin/users/{uid}/role");
    let put = |body: Value| app.call(Method::PUT, &path, Some(&admin), Some(body));
    let r = put(json!({"role": "participant", "organisation_id": a["id"]})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = put(json!({"role": "organiser", "organisation_id": uuid::Uuid::new_v4().to_string()}))
        .await;
    assert_eq!(
        r.body["error"]["fields"]["organisation_id"]["code"],
        "unknown_organisation"
    );
    let r = put(json!({"role": "organiser", "organisation_id": a["id"]})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["user"]["organisation_id"], a["id"],
        "the account says where it belongs"
    );
    let log = crane::store::audit::list(&app.state.db.conn, &format!("user:{uid}"))
        .await
        .unwrap();
    let entry = log.last().expect("audited");
    assert_eq!(entry.organisation_id.as_deref(), a["id"].as_str());
    assert_eq!(entry.detail["organisation_to"], a["id"]);
}

#[tokio::test]
async fn contest_actions_are_audited_with_the_contests_organisation() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let a = create_org(&app, &admin, "Đoàn Thanh niên", "doan-thanh-nien").await;
    let alice = organiser_of(&app, &admin, a["id"].as_str().unwrap()).await;
    let contest = app.published_contest(&alice, json!({}), 6).await;
    let (_, uid) = app.participant().await;
    let r = app
        .post(
            &format!("/admin/contests/{contest}/disqualify"),
            Some(&admin),
            json!({"user_id": uid, "reason": "Hai tài khoản"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let audit = app
        .get(&format!("/admin/contests/{contest}/audit"), Some(&admin))
        .await;
    assert_eq!(
        audit.body["entries"][0]["organisation_id"], a["id"],
        "{}",
        audit.text
    );
}

#[tokio::test]
async fn the_demo_seeds_two_organisations_each_with_its_organiser_and_contest() {
    let app = TestApp::spawn().await;
    let demo = crane::demo::load(app.state.ctx()).await.unwrap();
    assert_eq!(demo.contests.len(), 2);
    let orgs = app.get("/organisations", None).await;
    assert_eq!(
        orgs.body["organisations"].as_array().unwrap().len(),
        2,
        "{}",
        orgs.text
    );
    let public = app.get("/contests", None).await;
    let owners: std::collections::HashSet<&str> = public.body["contests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["organisation_id"].as_str().unwrap())
        .collect();
    assert_eq!(owners.len(), 2, "one contest per organisation");
    // Each demo organiser sees one contest: their organisation's.
    for (i, account) in demo
        .accounts
        .iter()
        .filter(|a| a.role == "organiser")
        .enumerate()
    {
        let token = app
            .login(account.phone, account.password.as_deref().unwrap())
            .await
            .body["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let list = app.get("/admin/contests", Some(&token)).await;
        let list = list.body["contests"].as_array().unwrap();
        assert_eq!(list.len(), 1, "organiser {i}");
        assert_eq!(list[0]["title"], demo.contests[i].0);
    }
}

#[tokio::test]
async fn the_web_app_uploads_a_logo_with_its_session_cookie_from_its_own_pages_only() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let org = create_org(&app, &admin, "Sở Y tế", "so-y-te").await;
    let url = format!(
        "{}/api/v1/admin/organisations/{}/logo",
        app.address,
        org["id"].as_str().unwrap()
    );
    let send = |site: Option<&'static str>| {
        let mut req = app
            .client
            .put(&url)
            .header("cookie", format!("crane_session={admin}"))
            .header("content-type", "image/png")
            .body(PNG.to_vec());
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        req.send()
    };
    assert_eq!(send(Some("same-origin")).await.unwrap().status(), 200);
    assert_eq!(send(Some("cross-site")).await.unwrap().status(), 403);
    assert_eq!(
        send(None).await.unwrap().status(),
        415,
        "an image without proof of our own page"
    );
}

#[tokio::test]
async fn an_admin_creates_a_contest_for_an_organisation_and_it_stays_there() {
    let app = TestApp::spawn().await;
    let admin = app.staff(Role::Admin).await;
    let a = create_org(&app, &admin, "Đoàn Thanh niên", "doan-thanh-nien").await;
    let b = create_org(&app, &admin, "Hội Nông dân", "hoi-nong-dan").await;
    let alice = organiser_of(&app, &admin, a["id"].as_str().unwrap()).await;
    let r = app
        .post(
            "/admin/contests",
            Some(&admin),
            app.contest_body(json!({"organisation_id": a["id"]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["contest"]["organisation_id"], a["id"]);
    let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
    // Its organisation's organiser now manages it.
    assert_eq!(
        app.get(&format!("/admin/contests/{id}"), Some(&alice))
            .await
            .status,
        200
    );
    // An organiser may name only their own organisation.
    let r = app
        .post(
            "/admin/contests",
            Some(&alice),
            app.contest_body(json!({"organisation_id": b["id"]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"]["fields"]["organisation_id"]["code"],
        "unknown_organisation"
    );
    let r = app
        .post(
            "/admin/contests",
            Some(&alice),
            app.contest_body(json!({"organisation_id": a["id"]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = app
        .post(
            "/admin/contests",
            Some(&admin),
            app.contest_body(json!({"organisation_id": uuid::Uuid::new_v4().to_string()})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    // A contest does not move.
    let r = app
        .call(
            Method::PATCH,
            &format!("/admin/contests/{id}"),
            Some(&admin),
            Some(json!({"organisation_id": b["id"]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"]["fields"]["organisation_id"]["code"],
        "organisation_fixed"
    );
}
