//! Organiser routes: contests, question banks, publishing, statistics.

mod common;
use common::{TestApp, answers_for};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn an_organiser_creates_a_contest_with_the_designs_defaults() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app
        .post(
            "/admin/contests",
            Some(&org),
            json!({
                "title": "Tìm hiểu về Sếu đầu đỏ",
                "starts_at": "2030-12-01T00:00:00+07:00",
                "ends_at": "2030-12-10T23:59:59+07:00"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c = &r.body["contest"];
    assert_eq!(c["status"], "draft");
    assert_eq!(c["grace_seconds"], 15);
    assert_eq!(c["counted_attempt"], "best");
    assert_eq!(c["timezone"], "Asia/Ho_Chi_Minh");
    assert_eq!(c["starts_at"], "2030-12-01T00:00:00.000+07:00");
    assert_eq!(c["prediction"]["enabled"], true);
    assert_eq!(
        c["tie_break"],
        json!(["score", "prediction", "duration", "submitted_at"])
    );
}

#[tokio::test]
async fn invalid_contests_are_refused_with_every_field_named() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app.post("/admin/contests", Some(&org), json!({
        "title": "",
        "starts_at": "2030-12-10T00:00:00+07:00",
        "ends_at": "2030-12-01T00:00:00+07:00",
        "questions_per_attempt": 201, "time_limit_seconds": 4, "max_attempts": 0, "grace_seconds": 301,
        "counted_attempt": "worst", "tie_break": ["score", "score", "luck"],
        "prizes": [{"name": "Giải Nhất", "count": 0, "amount": -1}],
        "excluded": ["not a phone"],
        "prediction": {"actual": "everyone"}
    })).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields = r.body["error"]["fields"].as_object().unwrap();
    for f in [
        "title",
        "ends_at",
        "questions_per_attempt",
        "time_limit_seconds",
        "max_attempts",
        "grace_seconds",
        "counted_attempt",
        "tie_break[1]",
        "tie_break[2]",
        "prizes[0].count",
        "prizes[0].amount",
        "excluded[0]",
        "prediction.actual",
    ] {
        assert!(fields.contains_key(f), "{f} missing from {}", r.text);
    }
    let impossible = app.post("/admin/contests", Some(&org), json!({
        "title": "x", "starts_at": "2024-02-30T00:00:00+07:00", "ends_at": "10000-01-01T00:00:00+07:00"
    })).await;
    assert_eq!(impossible.status, 422);
    assert!(impossible.body["error"]["fields"]["starts_at"].is_object());
    assert!(impossible.body["error"]["fields"]["ends_at"].is_object());
    let unknown = app
        .post(
            "/admin/contests",
            Some(&org),
            json!({"title": "x", "status": "finalized"}),
        )
        .await;
    assert_eq!(
        unknown.status, 422,
        "mass assignment of status must be refused: {}",
        unknown.text
    );
}

#[tokio::test]
async fn participants_cannot_manage_contests_and_drafts_are_hidden() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let (user, _) = app.participant().await;
    let r = app
        .post("/admin/contests", Some(&user), app.contest_body(json!({})))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        app.post("/admin/contests", None, app.contest_body(json!({})))
            .await
            .status,
        401
    );
    let draft = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    let id = draft.body["contest"]["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/contests/{id}"), Some(&user))
            .await
            .status,
        404
    );
    assert_eq!(app.get(&format!("/contests/{id}"), None).await.status, 404);
    assert_eq!(
        app.get(&format!("/admin/contests/{id}/questions"), Some(&user))
            .await
            .status,
        403
    );
    assert!(
        app.get("/contests", None).await.body["contests"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(app.get("/contests/not-a-uuid", None).await.status, 404);
}

#[tokio::test]
async fn publishing_needs_a_big_enough_bank_and_fixes_a_hidden_draw_seed() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app
        .post(
            "/admin/contests",
            Some(&org),
            app.contest_body(json!({"questions_per_attempt": 5})),
        )
        .await;
    let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/admin/contests/{id}/questions"),
        Some(&org),
        TestApp::questions(4, &[]),
    )
    .await;
    let refused = app
        .post(
            &format!("/admin/contests/{id}/publish"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.code(), "bank_too_small");
    app.post(
        &format!("/admin/contests/{id}/questions"),
        Some(&org),
        TestApp::questions(1, &[]),
    )
    .await;
    let ok = app
        .post(
            &format!("/admin/contests/{id}/publish"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.body["contest"]["status"], "open");
    let seed: String = {
        use sea_orm::ConnectionTrait;
        let row = app
            .state
            .db
            .conn
            .query_one_raw(app.state.db.stmt(
                "SELECT draw_seed FROM contests WHERE id = $1",
                [id.clone().into()],
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "draw_seed").unwrap()
    };
    assert_eq!(seed.len(), 64, "256-bit seed");
    let public = app.get(&format!("/contests/{id}"), None).await;
    assert!(
        public.body["contest"].get("draw_seed").is_none(),
        "the seed must stay hidden until results"
    );
    assert!(public.body["contest"].get("excluded").is_none());
    let again = app
        .post(
            &format!("/admin/contests/{id}/publish"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn after_publishing_only_fair_changes_are_allowed() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = app.published_contest(&org, json!({}), 10).await;
    let path = format!("/admin/contests/{id}");
    let texts = app
        .call(
            Method::PATCH,
            &path,
            Some(&org),
            Some(json!({"title": "Tên mới", "rules": "Luật mới"})),
        )
        .await;
    assert_eq!(texts.status, 200, "{}", texts.text);
    assert_eq!(texts.body["contest"]["title"], "Tên mới");
    let later = app.now() + 2 * 86_400_000;
    let extend = app
        .call(
            Method::PATCH,
            &path,
            Some(&org),
            Some(json!({
                "ends_at": crane::domain::clock::to_rfc3339(later, chrono_tz::Asia::Ho_Chi_Minh)
            })),
        )
        .await;
    assert_eq!(extend.status, 200, "{}", extend.text);
    let timing = app
        .call(
            Method::PATCH,
            &path,
            Some(&org),
            Some(json!({"time_limit_seconds": 900})),
        )
        .await;
    assert_eq!(timing.status, 409);
    assert_eq!(timing.code(), "contest_published");
    assert!(
        timing.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("time_limit_seconds")
    );
    let shorten = app.call(Method::PATCH, &path, Some(&org), Some(json!({
        "ends_at": crane::domain::clock::to_rfc3339(app.now() + 3_600_000, chrono_tz::Asia::Ho_Chi_Minh)
    }))).await;
    assert_eq!(shorten.status, 409);
    let bank = app
        .post(
            &format!("/admin/contests/{id}/questions"),
            Some(&org),
            TestApp::questions(1, &[]),
        )
        .await;
    assert_eq!(bank.status, 409);
    assert_eq!(bank.code(), "bank_frozen");
}

const EXCEL_CSV: &[u8] = b"\xEF\xBB\xBFquestion,a,b,c,d,e,f,answer,category\r\n\
\"S\xe1\xba\xbfu \xc4\x91\xe1\xba\xa7u \xc4\x91\xe1\xbb\x8f, lo\xc3\xa0i chim n\xc3\xa0o?\",\"H\xe1\xbb\x8d S\xe1\xba\xbfu, (Gruidae)\",\"H\xe1\xbb\x8d \"\"C\xc3\xb2\"\"\",V\xe1\xbb\xa3t,C\xc3\xa1,,,A,Sinh h\xe1\xbb\x8dc\r\n\
\"V\xc6\xb0\xe1\xbb\x9dn qu\xe1\xbb\x91c gia\r\nTr\xc3\xa0m Chim \xe1\xbb\x9f t\xe1\xbb\x89nh n\xc3\xa0o?\",An Giang,\xc4\x90\xe1\xbb\x93ng Th\xc3\xa1p,C\xc3\xa0 Mau,Long An,,,B,Tr\xc3\xa0m Chim\r\n";

#[tokio::test]
async fn a_csv_saved_by_excel_imports_with_vietnamese_text_intact() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
    let imp = app
        .raw(
            Method::POST,
            &format!("/api/v1/admin/contests/{id}/questions/import"),
            Some(&org),
            Some(("text/csv", EXCEL_CSV.to_vec())),
        )
        .await;
    assert_eq!(imp.status, 201, "{}", imp.text);
    assert_eq!(imp.body["added"], 2);
    assert_eq!(imp.body["encoding"], "utf-8");
    let bank = app
        .get(&format!("/admin/contests/{id}/questions"), Some(&org))
        .await;
    let qs = bank.body["questions"].as_array().unwrap();
    assert_eq!(qs[0]["text"], "Sếu đầu đỏ, loài chim nào?");
    assert_eq!(qs[0]["options"][0]["text"], "Họ Sếu, (Gruidae)");
    assert_eq!(qs[0]["options"][1]["text"], "Họ \"Cò\"");
    assert_eq!(qs[0]["correct"], 0);
    assert_eq!(qs[0]["category"], "Sinh học");
    assert_eq!(qs[1]["correct"], 1);
    assert!(qs[1]["text"].as_str().unwrap().contains("Tràm Chim"));
}

#[tokio::test]
async fn a_csv_with_a_bad_row_imports_nothing_and_names_the_row() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
    let csv = "question,a,b,c,d,answer\nCâu một?,A1,B1,C1,D1,A\nCâu hai?,A2,B2,,,G\nCâu ba?,A3,B3,C3,D3,D\n";
    let imp = app
        .raw(
            Method::POST,
            &format!("/api/v1/admin/contests/{id}/questions/import"),
            Some(&org),
            Some(("text/csv", csv.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(imp.status, 422, "{}", imp.text);
    assert_eq!(imp.code(), "import_failed");
    let rows = imp.body["error"]["details"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["row"], 3);
    assert_eq!(rows[0]["column"], "answer");
    let bank = app
        .get(&format!("/admin/contests/{id}/questions"), Some(&org))
        .await;
    assert_eq!(bank.body["question_count"], 0);
}

#[tokio::test]
async fn an_aiken_bank_imports() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
    let aiken = "Sếu đầu đỏ làm tổ ở đâu?\nA. Campuchia\nB. Nhật Bản\nANSWER: A\n\nTràm Chim thuộc tỉnh nào?\nA) Cà Mau\nB) Đồng Tháp\nC) Kiên Giang\nANSWER: B\n";
    let imp = app
        .raw(
            Method::POST,
            &format!("/api/v1/admin/contests/{id}/questions/import?format=aiken"),
            Some(&org),
            Some(("text/csv", aiken.as_bytes().to_vec())),
        )
        .await;
    assert_eq!(imp.status, 201, "{}", imp.text);
    assert_eq!(imp.body["question_count"], 2);
    let wrong_type = app
        .raw(
            Method::POST,
            &format!("/api/v1/admin/contests/{id}/questions/import"),
            Some(&org),
            Some(("application/xml", b"<x/>".to_vec())),
        )
        .await;
    assert_eq!(wrong_type.status, 415);
}

#[tokio::test]
async fn statistics_count_participants_places_scores_and_question_difficulty() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let id = app
        .published_contest(&org, json!({"questions_per_attempt": 4}), 8)
        .await;
    for right in [4, 2] {
        let (tok, _) = app.participant().await;
        let a = app.start(&tok, &id).await;
        let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
        let answers = answers_for(&a.body["attempt"], right);
        assert_eq!(app.submit(&tok, &aid, answers, Some(3)).await.status, 200);
    }
    let s = app
        .get(&format!("/admin/contests/{id}/stats"), Some(&org))
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    let st = &s.body["stats"];
    assert_eq!(st["participants"], 2);
    assert_eq!(st["submitted"], 2);
    assert_eq!(st["by_day"][0]["participants"], 2);
    assert_eq!(st["by_place"][0]["commune"], "Mỹ Hội");
    assert_eq!(st["by_place"][0]["participants"], 2);
    let hist: Vec<(i64, i64)> = st["score_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["score"].as_i64().unwrap(),
                b["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    // Every score from 0 to the questions of an attempt, zero where none.
    assert_eq!(hist, vec![(0, 0), (1, 0), (2, 1), (3, 0), (4, 1)]);
    let answered: i64 = st["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["answered"].as_i64().unwrap())
        .sum();
    let correct: i64 = st["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["correct"].as_i64().unwrap())
        .sum();
    assert_eq!((answered, correct), (8, 6));
}

/// "By day" is by the contest's local day: attempts a day apart fall in two
/// groups, in order; an open attempt counts as an attempt, not a submission.
#[tokio::test]
async fn statistics_group_attempts_by_the_contests_local_day() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let ends = crane::domain::clock::to_rfc3339(app.now() + 3 * 86_400_000, tz);
    let id = app
        .published_contest(
            &org,
            json!({"questions_per_attempt": 4, "ends_at": ends}),
            8,
        )
        .await;
    let local_day = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .with_timezone(&tz)
            .date_naive()
            .to_string()
    };
    let first_day = local_day(app.now());
    let (tok, _) = app.participant().await;
    let a = app.start(&tok, &id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    let answers = answers_for(&a.body["attempt"], 3);
    assert_eq!(app.submit(&tok, &aid, answers, Some(3)).await.status, 200);
    app.advance(86_400_000);
    let second_day = local_day(app.now());
    for submit in [true, false] {
        let (tok, _) = app.participant().await;
        let a = app.start(&tok, &id).await;
        assert_eq!(a.status, 201, "{}", a.text);
        if submit {
            let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
            let answers = answers_for(&a.body["attempt"], 1);
            assert_eq!(app.submit(&tok, &aid, answers, Some(3)).await.status, 200);
        }
    }
    // The organiser's session went idle while the clock moved.
    let org = app.staff(Role::Organiser).await;
    let s = app
        .get(&format!("/admin/contests/{id}/stats"), Some(&org))
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    let st = &s.body["stats"];
    assert_eq!(
        (&st["attempts"], &st["participants"], &st["submitted"]),
        (&json!(3), &json!(3), &json!(2))
    );
    let days: Vec<(String, i64, i64)> = st["by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().to_owned(),
                d["participants"].as_i64().unwrap(),
                d["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(days, vec![(first_day, 1, 1), (second_day, 2, 2)]);
    let hist: Vec<(i64, i64)> = st["score_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["score"].as_i64().unwrap(),
                b["attempts"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(hist, vec![(0, 0), (1, 1), (2, 0), (3, 1), (4, 0)]);
}

/// Imports into one draft at the same moment (two organisers, a double
/// click) all land, numbered one after another: none is lost and none is
/// answered 500 on the unique position of a question in its bank.
#[tokio::test]
async fn concurrent_imports_into_one_contest_all_land_in_order() {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let r = app
        .post("/admin/contests", Some(&org), app.contest_body(json!({})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["contest"]["id"].as_str().unwrap().to_owned();
    let path = format!("/admin/contests/{id}/questions");
    let sends = (0..10).map(|_| app.post(&path, Some(&org), TestApp::questions(2, &[])));
    for r in futures_util::future::join_all(sends).await {
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let bank = app.get(&path, Some(&org)).await;
    assert_eq!(bank.status, 200, "{}", bank.text);
    assert_eq!(bank.body["questions"].as_array().unwrap().len(), 20);
}
