//! Issue #15, the server's part of what citizens and officials meet on a
//! phone: the live count of participants, a contest link's preview card
//! (Open Graph) for Zalo and Facebook, the question template organisers
//! download and import back, "Vui lòng nhập …" for an empty field, and what
//! a published contest's end may still do.

mod common;
use common::TestApp;
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_contest_list_and_page_count_the_people_who_took_part() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = app.published_contest(&org, json!({}), 10).await;
    let (a, _) = app.participant().await;
    let (b, _) = app.participant().await;
    for token in [&a, &b] {
        assert_eq!(app.start(token, &id).await.status, 201);
    }
    // A second attempt by the same person is the same person.
    let open = app.start(&a, &id).await;
    assert_eq!(open.status, 200);

    let list = app.get("/contests", None).await;
    let item = list.body["contests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["participants"], 2, "{item}");
    let page = app.get(&format!("/contests/{id}"), None).await;
    assert_eq!(page.body["contest"]["participants"], 2);
}

#[tokio::test]
async fn a_contest_link_carries_its_preview_card() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = app
        .published_contest(
            &org,
            json!({"title": "Tìm hiểu về Sếu đầu đỏ <2026>", "description": "Cuộc thi trực tuyến   dành cho mọi người dân \"Đồng Tháp\"."}),
            10,
        )
        .await;
    for path in [format!("/contests/{id}"), format!("/contests/{id}/winners")] {
        let r = app.raw(Method::GET, &path, None, None).await;
        assert_eq!(r.status, 200);
        assert!(
            r.text.contains(
                "<meta property=\"og:title\" content=\"Tìm hiểu về Sếu đầu đỏ &lt;2026&gt;\">"
            ),
            "{}",
            r.text
        );
        assert!(r.text.contains(
            "<meta property=\"og:description\" content=\"Cuộc thi trực tuyến dành cho mọi người dân &quot;Đồng Tháp&quot;.\">"
        ));
        assert!(r.text.contains(&format!(
            "<meta property=\"og:url\" content=\"{}{path}\">",
            app.address
        )));
        assert!(
            r.text
                .contains("<title>Tìm hiểu về Sếu đầu đỏ &lt;2026&gt;</title>")
        );
        // Still the web app.
        assert!(r.text.contains("app.js"), "{}", r.text);
    }
    // A draft shows nothing of itself, nor does an unknown id.
    let draft = app
        .post(
            "/admin/contests",
            Some(&org),
            app.contest_body(json!({"title": "Bản nháp bí mật"})),
        )
        .await;
    let draft = draft.body["contest"]["id"].as_str().unwrap().to_owned();
    let r = app
        .raw(Method::GET, &format!("/contests/{draft}"), None, None)
        .await;
    assert_eq!(r.status, 200);
    assert!(!r.text.contains("Bản nháp bí mật"));
    assert!(!r.text.contains("og:title"));
}

#[tokio::test]
async fn the_question_template_imports_back_as_it_is() {
    let app = TestApp::spawn().await;
    let template = app
        .raw(Method::GET, "/api/v1/question-template.csv", None, None)
        .await;
    assert_eq!(template.status, 200);
    assert!(
        template.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("cau-hoi-mau.csv")
    );
    assert!(template.text.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(template.text.contains("Câu hỏi,A,B,C,D,E,F,Đáp án,Chủ đề"));

    let org = app.staff(Role::Organiser).await;
    let draft = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    let id = draft.body["contest"]["id"].as_str().unwrap();
    let imported = app
        .raw(
            Method::POST,
            &format!("/api/v1/admin/contests/{id}/questions/import"),
            Some(&org),
            Some(("text/csv", template.text.into_bytes())),
        )
        .await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    assert_eq!(imported.body["added"], 2);
    let bank = app
        .get(&format!("/admin/contests/{id}/questions"), Some(&org))
        .await;
    assert_eq!(
        bank.body["questions"][0]["text"],
        "Sếu đầu đỏ thuộc nhóm loài nào?"
    );
    assert_eq!(
        bank.body["questions"][1]["options"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(bank.body["questions"][1]["category"], "Địa lý");
}

#[tokio::test]
async fn an_empty_field_says_vui_long_nhap() {
    let app = TestApp::spawn().await;
    let r = app
        .post(
            "/auth/register",
            None,
            json!({"phone": " ", "password": "", "full_name": "  ", "otp": "123456",
                   "address": {"province": "", "commune": "", "hamlet": ""}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields = &r.body["error"]["fields"];
    for (field, message) in [
        ("phone", "Vui lòng nhập số điện thoại di động"),
        ("password", "Vui lòng nhập mật khẩu"),
        ("full_name", "Vui lòng nhập họ và tên"),
        ("address.province", "Vui lòng nhập tỉnh, thành phố"),
        ("address.commune", "Vui lòng nhập xã, phường"),
        ("address.hamlet", "Vui lòng nhập ấp, thôn, số nhà"),
    ] {
        assert_eq!(fields[field]["code"], "required", "{field}: {}", r.text);
        assert_eq!(fields[field]["message"], message, "{field}");
    }
}

#[tokio::test]
async fn a_published_contest_may_end_later_but_not_earlier_and_says_so() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = app.published_contest(&org, json!({}), 10).await;
    let contest = app.get(&format!("/admin/contests/{id}"), Some(&org)).await;
    let now = app.now();
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let mut body = app.contest_body(json!({}));
    body["starts_at"] = contest.body["contest"]["starts_at"].clone();
    body["ends_at"] = json!(crane::domain::clock::to_rfc3339(now + 3_600_000, tz));
    let earlier = app
        .call(
            Method::PATCH,
            &format!("/admin/contests/{id}"),
            Some(&org),
            Some(body.clone()),
        )
        .await;
    assert_eq!(earlier.status, 409, "{}", earlier.text);
    assert!(earlier.body["error"]["fields"]["ends_at"].is_object());
    assert!(
        earlier.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("chỉ được lùi giờ kết thúc"),
        "{}",
        earlier.text
    );
    body["ends_at"] = json!(crane::domain::clock::to_rfc3339(now + 2 * 86_400_000, tz));
    let later = app
        .call(
            Method::PATCH,
            &format!("/admin/contests/{id}"),
            Some(&org),
            Some(body),
        )
        .await;
    assert_eq!(later.status, 200, "{}", later.text);
}

#[tokio::test]
async fn import_errors_speak_vietnamese_and_name_the_templates_columns() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let draft = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    let id = draft.body["contest"]["id"].as_str().unwrap();
    let file = "Câu hỏi,A,B,C,D,Đáp án\r\nSếu ăn gì?,Cá,Cá,Lúa,,G\r\n";
    let path = format!("/api/v1/admin/contests/{id}/questions/import");
    let r = app
        .raw(
            Method::POST,
            &path,
            Some(&org),
            Some(("text/csv", file.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let reasons: Vec<&str> = r.body["error"]["details"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons
            .contains(&"Phương án B trùng với phương án A (không phân biệt chữ hoa, chữ thường)."),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"Đáp án phải là một chữ cái từ A đến F; đang ghi \"G\"."),
        "{reasons:?}"
    );
    // English when asked for.
    let en = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&org)
        .header("content-type", "text/csv")
        .header("accept-language", "en")
        .body(file)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        en.contains("The answer must be one letter from A to F"),
        "{en}"
    );
}

#[tokio::test]
async fn the_apps_files_go_out_gzipped_at_the_best_level_without_document_headers() {
    let app = TestApp::spawn().await;
    let get = |path: &'static str, gzip: bool| {
        let mut req = app.client.get(format!("{}{path}", app.address));
        if gzip {
            req = req.header("accept-encoding", "gzip, deflate, br");
        }
        async move { req.send().await.unwrap() }
    };
    let plain = get("/screens/auth.js", false).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let size = plain.bytes().await.unwrap().len();
    let zipped = get("/screens/auth.js", true).await;
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    assert_eq!(zipped.headers()["vary"], "Accept-Encoding");
    assert_eq!(zipped.headers()["x-content-type-options"], "nosniff");
    assert!(zipped.headers().get("content-security-policy").is_none());
    let etag = zipped.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.ends_with("-gz\""), "{etag}");
    let wire = zipped.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&wire[..]), &mut text).unwrap();
    assert_eq!(text.len(), size);
    assert!(wire.len() * 2 < size, "{} of {size}", wire.len());
    // The page itself keeps its policy.
    let page = get("/", true).await;
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    // Asked again with its ETag: 304.
    let again = app
        .client
        .get(format!("{}/screens/auth.js", app.address))
        .header("accept-encoding", "gzip")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}
