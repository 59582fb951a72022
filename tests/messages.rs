//! Error messages come in one language, the one the request asks for with
//! `Accept-Language` (Vietnamese by default), never two joined together.

mod common;
use common::TestApp;
use serde_json::{Value, json};

async fn post_in(app: &TestApp, lang: Option<&str>, path: &str, body: Value) -> Value {
    let mut req = app
        .client
        .post(format!("{}/api/v1{path}", app.address))
        .json(&body);
    if let Some(l) = lang {
        req = req.header("accept-language", l);
    }
    req.send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_wrong_password_is_told_in_vietnamese_unless_english_is_asked_for() {
    let app = TestApp::spawn().await;
    let phone = common::phone();
    assert_eq!(
        app.register(TestApp::registration(&phone)).await.status,
        201
    );
    let wrong = json!({"phone": phone, "password": "không phải mật khẩu"});
    let vi = post_in(&app, None, "/auth/login", wrong.clone()).await;
    let vi_too = post_in(&app, Some("fr-FR,vi;q=0.8"), "/auth/login", wrong.clone()).await;
    let en = post_in(&app, Some("en-US,en;q=0.9"), "/auth/login", wrong).await;
    assert_eq!(vi["error"]["code"], "invalid_credentials");
    assert_eq!(en["error"]["code"], "invalid_credentials");
    assert_eq!(
        vi["error"]["message"],
        "Số điện thoại hoặc mật khẩu không đúng"
    );
    assert_eq!(vi_too["error"]["message"], vi["error"]["message"]);
    assert_eq!(en["error"]["message"], "wrong phone or password");
}

#[tokio::test]
async fn field_problems_are_told_in_the_language_asked_for() {
    let app = TestApp::spawn().await;
    let mut body = TestApp::registration(&common::phone());
    body["password"] = json!("ngắn");
    body["full_name"] = json!("A");
    let vi = post_in(&app, Some("vi"), "/auth/register", body.clone()).await;
    let en = post_in(&app, Some("en"), "/auth/register", body).await;
    for (answer, lang) in [(&vi, "vi"), (&en, "en")] {
        assert_eq!(answer["error"]["code"], "validation_failed", "{answer}");
        let fields = answer["error"]["fields"].as_object().unwrap();
        assert_eq!(fields["password"]["code"], "too_short");
        for f in fields.values() {
            let m = f["message"].as_str().unwrap();
            assert!(!m.contains(" / "), "{lang}: two languages in {m:?}");
        }
        assert!(!answer["error"]["message"].as_str().unwrap().contains(" / "));
    }
    assert!(
        vi["error"]["fields"]["password"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Mật khẩu cần ít nhất"),
        "{vi}"
    );
    assert!(
        en["error"]["fields"]["password"]["message"]
            .as_str()
            .unwrap()
            .starts_with("at least"),
        "{en}"
    );
}
