//! Issue #15: a bank saved by Excel as plain "CSV (Comma delimited)" on a
//! Vietnamese Windows is Windows-1258, not UTF-8. It must import with its
//! Vietnamese text exact (tone marks composed to NFC), and a file in neither
//! encoding must be refused whole.

mod common;
use common::TestApp;
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::json;

/// Windows-1258 written by hand: tone marks are separate bytes after the vowel
/// (0xEC acute, 0xCC grave, 0xD2 hook, 0xDE tilde, 0xF2 dot below); 0xEA ê,
/// 0xE2 â, 0xF4 ô, 0xF5 ơ, 0xFD ư, 0xF0 đ; à, á, ú are single bytes as in Latin-1.
const WINDOWS_1258_CSV: &[u8] = b"question,a,b,c,d,answer,category\r\n\
S\xEA\xECu \xF0\xE2\xCCu \xF0o\xD2 s\xF4\xECng \xF5\xD2 \xF0\xE2u?,Tr\xE0m Chim,C\xFAc Ph\xFD\xF5ng,Ba\xF2ch Ma\xDE,C\xE1t Ti\xEAn,A,Chim n\xFD\xF5\xECc\r\n\
\"V\xFD\xF5\xCCn qu\xF4\xECc gia, t\xE2\xECt ca\xD2?\",An Giang,\xD0\xF4\xCCng Th\xE1p,C\xE0 Mau,Long An,B,\r\n";

async fn draft(app: &TestApp, org: &str) -> String {
    let r = app
        .post("/admin/contests", Some(org), app.contest_body(json!({})))
        .await;
    r.body["contest"]["id"].as_str().unwrap().to_owned()
}

async fn import(app: &TestApp, org: &str, id: &str, kind: &str, body: &[u8]) -> common::Resp {
    app.raw(
        Method::POST,
        &format!("/api/v1/admin/contests/{id}/questions/import"),
        Some(org),
        Some((kind, body.to_vec())),
    )
    .await
}

#[tokio::test]
async fn a_windows_1258_csv_imports_with_its_vietnamese_text_exact() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = draft(&app, &org).await;
    let imp = import(&app, &org, &id, "text/csv", WINDOWS_1258_CSV).await;
    assert_eq!(imp.status, 201, "{}", imp.text);
    assert_eq!(imp.body["added"], 2);
    assert_eq!(imp.body["question_count"], 2);
    assert_eq!(imp.body["encoding"], "windows-1258");

    let bank = app
        .get(&format!("/admin/contests/{id}/questions"), Some(&org))
        .await;
    let qs = bank.body["questions"].as_array().unwrap();
    // Precomposed (NFC), as typed in the app: "ế" is U+1EBF, not "ê" + U+0301.
    assert_eq!(
        qs[0]["text"],
        "S\u{1EBF}u \u{111}\u{1EA7}u \u{111}\u{1ECF} s\u{1ED1}ng \u{1EDF} \u{111}\u{E2}u?"
    );
    assert_eq!(qs[0]["text"], "Sếu đầu đỏ sống ở đâu?");
    let options: Vec<&str> = qs[0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["text"].as_str().unwrap())
        .collect();
    assert_eq!(options, ["Tràm Chim", "Cúc Phương", "Bạch Mã", "Cát Tiên"]);
    assert_eq!(qs[0]["correct"], 0);
    assert_eq!(qs[0]["category"], "Chim nước");
    assert_eq!(qs[1]["text"], "Vườn quốc gia, tất cả?");
    assert_eq!(qs[1]["options"][1]["text"], "Đồng Tháp");
    assert_eq!(qs[1]["correct"], 1);
}

#[tokio::test]
async fn a_windows_1258_aiken_file_imports_too() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = draft(&app, &org).await;
    let aiken = b"S\xEA\xECu \xF0\xE2\xCCu \xF0o\xD2 la\xCCm t\xF4\xD2?\r\nA. Campuchia\r\nB. Nh\xE2\xF2t Ba\xD2n\r\nANSWER: A\r\n";
    let imp = import(&app, &org, &id, "text/plain", aiken).await;
    assert_eq!(imp.status, 201, "{}", imp.text);
    assert_eq!(imp.body["encoding"], "windows-1258");
    let bank = app
        .get(&format!("/admin/contests/{id}/questions"), Some(&org))
        .await;
    assert_eq!(bank.body["questions"][0]["text"], "Sếu đầu đỏ làm tổ?");
    assert_eq!(bank.body["questions"][0]["options"][1]["text"], "Nhật Bản");
}

#[tokio::test]
async fn a_file_in_neither_encoding_is_refused_and_nothing_is_imported() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = draft(&app, &org).await;
    let utf16: Vec<u8> = "question,a,b,c,d,answer\r\nSếu?,a,b,c,d,A\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let with_bom = [&[0xFF, 0xFE][..], &utf16].concat();
    // 0x81, 0x8D, 0x8E, 0x8F, 0x90 are undefined in Windows-1258.
    let undefined = b"question,a,b,c,d,answer\r\nC\xE2u h\xF4\xECi?,a,b,c,d,A\r\n\x81\x8D\x8E\x8F\x90?,a,b,c,d,A\r\n";
    for (body, row) in [(&undefined[..], 3), (&utf16, 1), (&with_bom, 1)] {
        let imp = import(&app, &org, &id, "text/csv", body).await;
        assert_eq!(imp.status, 422, "{}", imp.text);
        assert_eq!(imp.code(), "import_failed");
        let rows = imp.body["error"]["details"]["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{}", imp.text);
        assert_eq!(rows[0]["row"], row, "{}", imp.text);
        let reason = rows[0]["reason"].as_str().unwrap();
        assert!(reason.contains("CSV UTF-8 (Comma delimited)"), "{reason}");
    }
    let bank = app
        .get(&format!("/admin/contests/{id}/questions"), Some(&org))
        .await;
    assert_eq!(bank.body["question_count"], 0);
}
