//! Winner lists for payout: XLSX and CSV parsed back, Vietnamese text intact,
//! formula-like names neutralised; the full leaderboard streams.

mod common;
use calamine::{Reader, Xlsx};
use common::{TestApp, answers_for, phone};
use crane::domain::account::Role;
use reqwest::Method;
use serde_json::json;

const NAMES: [&str; 5] = [
    "Nguyễn Thị Sếu",
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1+1",
    "@SUM(A1)",
    "Trần, \"Tràm\" Chim",
];

/// A finished contest with five winners named as above, computed (not finalized).
async fn finished() -> (TestApp, String, String) {
    let app = TestApp::spawn().await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let t0 = app.now();
    app.state.clock.freeze_at(t0);
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let id = app.published_contest(&org, json!({
        "starts_at": crane::domain::clock::to_rfc3339(t0 - 1000, tz),
        "ends_at": crane::domain::clock::to_rfc3339(t0 + 60_000, tz),
        "questions_per_attempt": 4, "grace_seconds": 0,
        "prizes": [{"name": "Giải Nhất", "count": 1, "amount": 5000000}, {"name": "Giải Khuyến khích", "count": 4, "amount": 1000000}]
    }), 8).await;
    for (i, name) in NAMES.iter().enumerate() {
        let mut body = TestApp::registration(&phone());
        body["full_name"] = json!(name);
        body["address"]["hamlet"] = json!("-ấp Đông Mỹ");
        let r = app.register(body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let tok = r.body["token"].as_str().unwrap();
        let a = app.start(tok, &id).await;
        let aid = a.body["attempt"]["id"].as_str().unwrap();
        app.submit(
            tok,
            aid,
            answers_for(&a.body["attempt"], 4 - i.min(3)),
            Some(1),
        )
        .await;
    }
    app.state.clock.freeze_at(t0 + 120_000);
    let r = app
        .post(
            &format!("/admin/contests/{id}/results"),
            Some(&org),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (app, admin, id)
}

#[tokio::test]
async fn the_winners_workbook_keeps_every_name_as_text_and_has_no_formula() {
    let (app, admin, id) = finished().await;
    let r = app
        .client
        .get(format!(
            "{}/api/v1/admin/contests/{id}/winners.xlsx",
            app.address
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula cells"
    );
    let range = book.worksheet_range(&sheet).unwrap();
    // The time taken and the submission are Excel time cells (row 4 is the first winner).
    let first = 3;
    assert!(
        matches!(
            range.get_value((first, 15)),
            Some(calamine::Data::DateTime(_))
        ),
        "duration: {:?}",
        range.get_value((first, 15))
    );
    match range.get_value((first, 16)) {
        Some(calamine::Data::DateTime(dt)) => {
            let serial = dt.as_f64();
            let now_serial = (app.now() + 7 * 3_600_000) as f64 / 86_400_000.0 + 25_569.0;
            assert!(
                (serial - now_serial).abs() < 2.0,
                "submitted {serial} vs now {now_serial}"
            );
        }
        other => panic!("submission cell: {other:?}"),
    }
    let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
    for name in NAMES {
        assert!(
            cells.iter().any(|c| c == name),
            "{name} missing from {cells:?}"
        );
    }
    assert!(cells.iter().any(|c| c == "-ấp Đông Mỹ"));
    // Participants and organisers may not export.
    let (tok, _) = app.participant().await;
    assert_eq!(
        app.raw(
            Method::GET,
            &format!("/api/v1/admin/contests/{id}/winners.xlsx"),
            Some(&tok),
            None
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn the_winners_csv_opens_in_excel_and_neutralises_formulas() {
    let (app, admin, id) = finished().await;
    for (sep, q) in [(b',', ""), (b';', "?sep=;")] {
        let r = app
            .raw(
                Method::GET,
                &format!("/api/v1/admin/contests/{id}/winners.csv{q}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(r.status, 200);
        // Named after the contest: Vietnamese for browsers, ASCII as a fallback.
        let disposition = r.headers["content-disposition"].to_str().unwrap();
        assert!(
            disposition
                .contains("filename*=UTF-8''Danh%20s%C3%A1ch%20tr%C3%BAng%20gi%E1%BA%A3i%20-%20")
                && disposition.contains("filename=\"danh-sach-trung-giai-")
                && disposition.ends_with(".csv"),
            "{disposition}"
        );
        let bytes = r.text.as_bytes();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        assert!(r.text.contains("\r\n"));
        let mut rd = csv::ReaderBuilder::new()
            .delimiter(sep)
            .from_reader(&bytes[3..]);
        let headers = rd.headers().unwrap().clone();
        assert_eq!(&headers[0], "Hạng");
        let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 5);
        let names: Vec<&str> = rows.iter().map(|r| &r[3]).collect();
        assert!(names.contains(&"Nguyễn Thị Sếu"));
        assert!(
            names.contains(&"'=HYPERLINK(\"http://x\",\"y\")"),
            "{names:?}"
        );
        assert!(names.contains(&"'+1+1"));
        assert!(names.contains(&"'@SUM(A1)"));
        assert!(names.contains(&"Trần, \"Tràm\" Chim"));
        assert!(rows.iter().all(|r| &r[10] == "'-ấp Đông Mỹ"));
        assert!(
            rows.iter().all(|r| r[16].ends_with("+07:00")),
            "times in the contest zone"
        );
    }
    let bad = app
        .raw(
            Method::GET,
            &format!("/api/v1/admin/contests/{id}/winners.csv?sep=x"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn the_full_leaderboard_streams_every_ranked_row() {
    let (app, admin, id) = finished().await;
    let r = app
        .raw(
            Method::GET,
            &format!("/api/v1/admin/contests/{id}/leaderboard.csv"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let mut rd = csv::Reader::from_reader(&r.text.as_bytes()[3..]);
    let ranks: Vec<i64> = rd
        .records()
        .map(|r| r.unwrap()[0].parse().unwrap())
        .collect();
    assert_eq!(ranks, [1, 2, 3, 4, 5]);
}
