//! After the end: ranking, prizes, finalization, public winners.

mod common;
use common::{TestApp, answers_for, phone};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::{Value, json};

struct Contest {
    app: TestApp,
    org: String,
    admin: String,
    id: String,
    end: i64,
}

/// A contest of 4 questions that ends 10 minutes after `t0`, grace 15 s.
async fn contest(extra: Value) -> Contest {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let end = t0 + 600_000;
    let mut overrides = json!({
        "starts_at": crane::domain::clock::to_rfc3339(t0 - 1000, tz),
        "ends_at": crane::domain::clock::to_rfc3339(end, tz),
        "questions_per_attempt": 4, "time_limit_seconds": 300, "max_attempts": 2, "grace_seconds": 15,
        "prizes": [
            {"name": "Giải Nhất", "count": 1, "amount": 5000000},
            {"name": "Giải Nhì", "count": 1, "amount": 4000000},
            {"name": "Giải Khuyến khích", "count": 2, "amount": 1000000}
        ]
    });
    for (k, v) in extra.as_object().unwrap() {
        overrides[k] = v.clone();
    }
    let id = app.published_contest(&org, overrides, 8).await;
    Contest {
        app,
        org,
        admin,
        id,
        end,
    }
}

/// A participant who registers (with `phone`) and submits `right` correct answers
/// with `prediction`, `after_ms` after the clock's current time; returns the user id.
async fn play(c: &Contest, phone: &str, right: usize, prediction: i64, after_ms: i64) -> String {
    let app = &c.app;
    let r = app.register(TestApp::registration(phone)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let tok = r.body["token"].as_str().unwrap().to_owned();
    let uid = r.body["user"]["id"].as_str().unwrap().to_owned();
    let now = app.now();
    let a = app.start(&tok, &c.id).await;
    assert_eq!(a.status, 201, "{}", a.text);
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    app.state.clock.freeze_at(now + after_ms);
    let s = app
        .submit(
            &tok,
            &aid,
            answers_for(&a.body["attempt"], right),
            Some(prediction),
        )
        .await;
    assert_eq!(s.status, 200, "{}", s.text);
    app.state.clock.freeze_at(now);
    uid
}

#[tokio::test]
async fn the_ranking_follows_the_published_chain_and_gives_prizes_down_it() {
    let c = contest(json!({"excluded": ["0987000001"]})).await;
    let app = &c.app;
    // Two perfect papers: the actual figure (all-correct participants) is 2.
    let exact = play(&c, &phone(), 4, 2, 60_000).await; // perfect, exact prediction
    let off = play(&c, &phone(), 4, 5, 30_000).await; // perfect, faster, prediction off by 3
    let slow = play(&c, &phone(), 3, 2, 90_000).await;
    let fast = play(&c, &phone(), 3, 2, 45_000).await; // same score and error as `slow`, faster
    let low = play(&c, &phone(), 1, 2, 10_000).await;
    let excluded = play(&c, "0987000001", 4, 2, 5_000).await; // would win, but is on the exclusion list
    let cheat = play(&c, &phone(), 4, 2, 1_000).await; // would win, but is disqualified

    let early = app
        .post(
            &format!("/admin/contests/{}/results", c.id),
            Some(&c.org),
            json!({}),
        )
        .await;
    assert_eq!(early.status, 409);
    assert_eq!(early.code(), "contest_not_ended");
    // It says when, as the organiser reads a time: the end plus the grace period.
    let when = chrono::DateTime::from_timestamp_millis(c.end + 15_000)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .format("sau %H:%M:%S ngày %d/%m/%Y (giờ Việt Nam)")
        .to_string();
    let message = early.body["error"]["message"].as_str().unwrap();
    assert!(message.contains(&when), "{message} / {when}");
    let dq = app
        .post(
            &format!("/admin/contests/{}/disqualify", c.id),
            Some(&c.admin),
            json!({"user_id": cheat, "reason": "Dùng nhiều tài khoản"}),
        )
        .await;
    assert_eq!(dq.status, 200, "{}", dq.text);
    let by_org = app
        .post(
            &format!("/admin/contests/{}/disqualify", c.id),
            Some(&c.org),
            json!({"user_id": low, "reason": "x"}),
        )
        .await;
    assert_eq!(by_org.status, 403);

    app.state.clock.freeze_at(c.end + 15_000);
    assert_eq!(
        app.post(
            &format!("/admin/contests/{}/results", c.id),
            Some(&c.org),
            json!({})
        )
        .await
        .status,
        409,
        "grace still running"
    );
    app.state.clock.freeze_at(c.end + 15_001);
    let r = app
        .post(
            &format!("/admin/contests/{}/results", c.id),
            Some(&c.org),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = &r.body["results"];
    assert_eq!(res["actual_figure"], 2);
    assert_eq!(res["draw_seed"].as_str().unwrap().len(), 64);
    let rows = res["rows"].as_array().unwrap();
    let order: Vec<&str> = rows
        .iter()
        .map(|r| r["user"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            exact.as_str(),
            off.as_str(),
            fast.as_str(),
            slow.as_str(),
            low.as_str()
        ]
    );
    let decided: Vec<Value> = rows.iter().map(|r| r["decided_by"].clone()).collect();
    assert_eq!(
        decided,
        [
            Value::Null,
            json!("prediction"),
            json!("score"),
            json!("duration"),
            json!("score")
        ]
    );
    let prizes: Vec<Value> = rows.iter().map(|r| r["prize"]["name"].clone()).collect();
    assert_eq!(
        prizes,
        [
            json!("Giải Nhất"),
            json!("Giải Nhì"),
            json!("Giải Khuyến khích"),
            json!("Giải Khuyến khích"),
            Value::Null
        ]
    );
    assert_eq!(rows[1]["prediction_error"], 3);
    assert_eq!(rows[0]["duration_ms"], 60_000);
    let inel: Vec<(String, String)> = res["ineligible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["user"]["id"].as_str().unwrap().to_owned(),
                i["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        inel.contains(&(excluded.clone(), "excluded".into())),
        "{inel:?}"
    );
    assert!(
        inel.contains(&(cheat.clone(), "disqualified".into())),
        "{inel:?}"
    );

    let page = app
        .get(
            &format!("/admin/contests/{}/results?limit=2&offset=2", c.id),
            Some(&c.org),
        )
        .await;
    assert_eq!(page.body["results"]["total"], 5);
    let ranks: Vec<i64> = page.body["results"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rank"].as_i64().unwrap())
        .collect();
    assert_eq!(ranks, [3, 4]);
}

#[tokio::test]
async fn finalizing_freezes_a_digest_that_recomputing_reproduces() {
    let c = contest(json!({})).await;
    let app = &c.app;
    for (right, pred) in [(4, 1), (2, 3), (4, 9)] {
        play(&c, &phone(), right, pred, 20_000).await;
    }
    // One participant never submits: closed with their autosaved answers at the deadline.
    let (tok, _) = app.participant().await;
    let a = app.start(&tok, &c.id).await;
    let aid = a.body["attempt"]["id"].as_str().unwrap().to_owned();
    let two: Value = answers_for(&a.body["attempt"], 4).as_array().unwrap()[..2]
        .to_vec()
        .into();
    app.autosave(&tok, &aid, two).await;

    let winners_early = app.get(&format!("/contests/{}/winners", c.id), None).await;
    assert_eq!(winners_early.status, 409);
    app.state.clock.freeze_at(c.end + 20_000);
    let fin_early = app
        .post(
            &format!("/admin/contests/{}/finalize", c.id),
            Some(&c.admin),
            json!({}),
        )
        .await;
    assert_eq!(fin_early.status, 409, "compute first: {}", fin_early.text);
    assert_eq!(
        app.post(
            &format!("/admin/contests/{}/results", c.id),
            Some(&c.org),
            json!({})
        )
        .await
        .status,
        200
    );
    let aid = crane::domain::ids::AttemptId::parse(&aid).unwrap();
    let stored = crane::store::attempts::find(&app.state.db.conn, aid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.status,
        crane::domain::attempt::AttemptStatus::Expired
    );
    assert_eq!(stored.score, Some(2));

    assert_eq!(
        app.post(
            &format!("/admin/contests/{}/finalize", c.id),
            Some(&c.org),
            json!({})
        )
        .await
        .status,
        403
    );
    let fin = app
        .post(
            &format!("/admin/contests/{}/finalize", c.id),
            Some(&c.admin),
            json!({}),
        )
        .await;
    assert_eq!(fin.status, 200, "{}", fin.text);
    let digest = fin.body["digest"].as_str().unwrap().to_owned();
    assert_eq!(digest.len(), 64);
    assert_eq!(fin.body["contest"]["status"], "finalized");

    // Recomputing from the stored attempts gives the same digest.
    let id = crane::domain::ids::ContestId::parse(&c.id).unwrap();
    let contest = crane::app::contests::find(app.state.ctx(), id)
        .await
        .unwrap();
    let ranking = crane::app::results::rank(app.state.ctx(), &contest, &crane::app::results::Quiet)
        .await
        .unwrap();
    // What is stored is row for row what ranking computes: the views, the
    // exports and the digest read one row type.
    let stored: Vec<_> = crane::store::results::rows_after(&app.state.db, id, 0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.row)
        .collect();
    let computed: Vec<_> = ranking.rows.iter().map(|r| r.text()).collect();
    assert_eq!(stored, computed);
    assert_eq!(
        crane::domain::results::digest(&c.id, contest.draw_seed.as_deref().unwrap(), &ranking),
        digest
    );

    let w = app.get(&format!("/contests/{}/winners", c.id), None).await;
    assert_eq!(w.status, 200, "{}", w.text);
    let winners = w.body["winners"].as_array().unwrap();
    assert_eq!(winners.len(), 4);
    let masked = winners[0]["phone"].as_str().unwrap();
    assert!(masked.contains("****") && masked.len() == 10, "{masked}");
    assert_eq!(winners[0]["address"]["commune"], "Mỹ Hội");
    assert_eq!(winners[0]["address"]["hamlet"], "ấp Đông Mỹ");
    assert!(winners[0].get("national_id").is_none());
    assert_eq!(w.body["digest"], digest.as_str());

    // Frozen: no recompute, no edit, no disqualification.
    assert_eq!(
        app.post(
            &format!("/admin/contests/{}/results", c.id),
            Some(&c.org),
            json!({})
        )
        .await
        .code(),
        "contest_finalized"
    );
    let edit = app
        .call(
            Method::PATCH,
            &format!("/admin/contests/{}", c.id),
            Some(&c.org),
            Some(json!({"title": "Khác"})),
        )
        .await;
    assert_eq!(edit.status, 409);
    // Un-finalizing needs an admin and a reason, and is audited.
    let no_reason = app
        .post(
            &format!("/admin/contests/{}/unfinalize", c.id),
            Some(&c.admin),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(no_reason.status, 422);
    let un = app
        .post(
            &format!("/admin/contests/{}/unfinalize", c.id),
            Some(&c.admin),
            json!({"reason": "Sai sót địa chỉ"}),
        )
        .await;
    assert_eq!(un.status, 200, "{}", un.text);
    let audit = app
        .get(&format!("/admin/contests/{}/audit", c.id), Some(&c.admin))
        .await;
    let actions: Vec<&str> = audit.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["finalized", "unfinalized"]);
    assert_eq!(
        app.get(&format!("/contests/{}/winners", c.id), None)
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn computing_again_replaces_the_stored_ranking() {
    let c = contest(json!({})).await;
    let app = &c.app;
    let a = play(&c, &phone(), 4, 1, 20_000).await;
    let b = play(&c, &phone(), 3, 1, 20_000).await;
    app.state.clock.freeze_at(c.end + 60_000);
    let first = app
        .post(
            &format!("/admin/contests/{}/results", c.id),
            Some(&c.org),
            json!({}),
        )
        .await;
    assert_eq!(first.body["results"]["rows"][0]["user"]["id"], a.as_str());
    app.post(
        &format!("/admin/contests/{}/disqualify", c.id),
        Some(&c.admin),
        json!({"user_id": a, "reason": "gian lận"}),
    )
    .await;
    let second = app
        .post(
            &format!("/admin/contests/{}/results", c.id),
            Some(&c.org),
            json!({}),
        )
        .await;
    assert_eq!(second.body["results"]["total"], 1);
    assert_eq!(second.body["results"]["rows"][0]["user"]["id"], b.as_str());
    assert_eq!(
        second.body["results"]["rows"][0]["prize"]["name"],
        "Giải Nhất"
    );
}

#[tokio::test]
async fn the_command_line_verifies_the_digest_and_exports_for_admins_in_a_shell() {
    let c = contest(json!({})).await;
    let app = &c.app;
    play(&c, &phone(), 4, 1, 20_000).await;
    play(&c, &phone(), 2, 1, 20_000).await;
    app.state.clock.freeze_at(c.end + 60_000);
    app.post(
        &format!("/admin/contests/{}/results", c.id),
        Some(&c.org),
        json!({}),
    )
    .await;
    let fin = app
        .post(
            &format!("/admin/contests/{}/finalize", c.id),
            Some(&c.admin),
            json!({}),
        )
        .await;
    assert_eq!(fin.status, 200, "{}", fin.text);
    let crane = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_crane"))
            .args(args)
            .env("DATABASE_URL", &app.database_url)
            .env("CRANE_LOG_LEVEL", "error")
            .output()
            .unwrap()
    };
    let ok = crane(&["results", "verify", &c.id]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains(fin.body["digest"].as_str().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("winners.xlsx");
    let export = crane(&[
        "results",
        "export",
        &c.id,
        "--format",
        "winners-xlsx",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(std::fs::metadata(&out).unwrap().len() > 1000);
    // Tampering with a stored score is caught.
    {
        use sea_orm::ConnectionTrait;
        app.state
            .db
            .conn
            .execute_raw(
                app.state
                    .db
                    .stmt("UPDATE attempts SET score = score + 1 WHERE score = 2", []),
            )
            .await
            .unwrap();
    }
    let bad = crane(&["results", "verify", &c.id]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("MISMATCH"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// Signs in the participant registered with `phone` (by `play`).
async fn token_of(c: &Contest, phone: &str) -> String {
    let r = c.app.login(phone, "sếu đầu đỏ tràm chim").await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn each_participant_sees_their_own_result_once_it_is_final() {
    let c = contest(json!({})).await;
    let app = &c.app;
    let (best, second, cheat) = (phone(), phone(), phone());
    play(&c, &best, 4, 1, 20_000).await;
    play(&c, &second, 3, 1, 20_000).await;
    let cheat_id = play(&c, &cheat, 4, 1, 10_000).await;
    let (absent, _) = app.participant().await;
    let path = format!("/contests/{}/my-result", c.id);
    let mine = |t: String| {
        let path = path.clone();
        async move { app.get(&path, Some(&t)).await }
    };
    let early = mine(token_of(&c, &best).await).await;
    assert_eq!(early.status, 200, "{}", early.text);
    assert_eq!(early.body["status"], "pending");
    assert!(
        early.body["rank"].is_null(),
        "nothing shown before the results are final"
    );

    app.state.clock.freeze_at(c.end + 20_000);
    let r = app
        .post(
            &format!("/admin/contests/{}/disqualify", c.id),
            Some(&c.admin),
            json!({"user_id": cheat_id, "reason": "Hai tài khoản"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for action in ["results", "finalize"] {
        let r = app
            .post(
                &format!("/admin/contests/{}/{action}", c.id),
                Some(&c.admin),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.text);
    }

    let r = mine(token_of(&c, &best).await).await;
    assert_eq!(r.body["status"], "ranked", "{}", r.text);
    assert_eq!(r.body["rank"], 1);
    assert_eq!(r.body["of"], 2);
    assert_eq!(r.body["won"], true);
    assert_eq!(r.body["prize"]["name"], "Giải Nhất");
    assert!(r.body["digest"].as_str().is_some_and(|d| d.len() == 64));
    let r = mine(token_of(&c, &second).await).await;
    assert_eq!(
        (r.body["rank"].as_i64(), r.body["prize"]["name"].as_str()),
        (Some(2), Some("Giải Nhì"))
    );
    let r = mine(token_of(&c, &cheat).await).await;
    assert_eq!(r.body["status"], "ineligible", "{}", r.text);
    assert_eq!(r.body["reason"], "disqualified");
    assert_eq!(r.body["won"], false);
    let r = mine(absent).await;
    assert_eq!(r.body["status"], "absent", "{}", r.text);
    assert_eq!(app.get(&path, None).await.status, 401);
}

/// The participant's only attempt at `c`.
async fn attempt_of(c: &Contest, token: &str) -> String {
    let r = c
        .app
        .get(&format!("/contests/{}/my-attempts", c.id), Some(token))
        .await;
    r.body["attempts"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_right_answers_are_shown_after_the_results_are_final_when_the_contest_allows() {
    let c = contest(json!({"review_after_final": true})).await;
    let app = &c.app;
    let (p1, p2) = (phone(), phone());
    play(&c, &p1, 3, 1, 20_000).await;
    play(&c, &p2, 4, 1, 20_000).await;
    let t1 = token_of(&c, &p1).await;
    let a1 = attempt_of(&c, &t1).await;
    let path = format!("/attempts/{a1}/review");
    let early = app.get(&path, Some(&t1)).await;
    assert_eq!(early.status, 409, "{}", early.text);
    assert_eq!(early.code(), "review_not_available");

    app.state.clock.freeze_at(c.end + 20_000);
    for action in ["results", "finalize"] {
        let r = app
            .post(
                &format!("/admin/contests/{}/{action}", c.id),
                Some(&c.admin),
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.text);
    }
    let r = app.get(&path, Some(&t1)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let questions = r.body["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 4);
    let right = questions
        .iter()
        .filter(|q| q["answered_right"] == true)
        .count();
    assert_eq!(right, 3, "{}", r.text);
    for q in questions {
        let options = q["options"].as_array().unwrap();
        assert_eq!(options.iter().filter(|o| o["correct"] == true).count(), 1);
        // The test bank's right option is the one whose text starts with "Đúng".
        let correct = options.iter().find(|o| o["correct"] == true).unwrap();
        assert!(correct["text"].as_str().unwrap().starts_with("Đúng"), "{q}");
        assert!(options.iter().filter(|o| o["chosen"] == true).count() <= 1);
    }
    // Another participant cannot open it.
    let t2 = token_of(&c, &p2).await;
    assert_eq!(app.get(&path, Some(&t2)).await.status, 404);
}

#[tokio::test]
async fn without_the_organisers_consent_no_right_answers_are_shown() {
    let c = contest(json!({})).await;
    let app = &c.app;
    let p = phone();
    play(&c, &p, 2, 1, 20_000).await;
    let t = token_of(&c, &p).await;
    let a = attempt_of(&c, &t).await;
    app.state.clock.freeze_at(c.end + 20_000);
    for action in ["results", "finalize"] {
        app.post(
            &format!("/admin/contests/{}/{action}", c.id),
            Some(&c.admin),
            json!({}),
        )
        .await;
    }
    let r = app.get(&format!("/attempts/{a}/review"), Some(&t)).await;
    assert_eq!(r.status, 409, "{}", r.text);
    let contest = app.get(&format!("/contests/{}", c.id), None).await;
    assert_eq!(contest.body["contest"]["review_after_final"], false);
}
