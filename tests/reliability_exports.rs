//! Reliability, part 10: spreadsheet injection through the exports. Citizens
//! type names and addresses, organisers type prize names and titles; the
//! winners CSV/XLSX and the leaderboard CSV are parsed back (csv, calamine).
//! No cell may be a formula; text round-trips exactly — in CSV a text cell
//! that a spreadsheet would read as a formula carries a leading apostrophe.

mod common;
use calamine::{Data, Reader, Xlsx};
use common::{TestApp, answers_for, figures};
use crane::domain::account::Role;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::Cursor;

const HOSTILE: &[&str] = &[
    "=HYPERLINK(\"http://x\",\"y\")",
    "+1+1",
    "-2",
    "@SUM(A1)",
    "=cmd|' /C calc'!A0",
    "\tTab đầu",
    "\rCR đầu",
    "\u{200F}=1+1",
    "\u{202E}Trần Thị Sếu",
    "\u{200B}@SUM(1)",
    "＝1+1",
    "＋84 912",
    " =1+1",
    "\"Nguyễn\" Văn, A",
    "a,b;c",
    "dòng 1\ndòng 2",
    "<r><t>x</t></r>",
    "_x0041_ Nguyễn",
    "'=đã có nháy",
    "Nguyễn Thị Sếu",
    "-",
    "@",
    "Ấp =Tân Hội",
    "%0A=1",
];

/// Whether a spreadsheet could read this cell as a formula: its first
/// character that is not blank or invisible is = + - @ (or full-width).
fn formula_like(cell: &str) -> bool {
    if cell.starts_with(['\t', '\r', '\n']) {
        return true;
    }
    cell.chars()
        .find(|c| {
            !(c.is_whitespace()
                || matches!(c, '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
        })
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠'))
}

#[derive(Default)]
struct Check {
    cells: usize,
    formula_cells: Vec<String>,
    not_round_tripped: Vec<String>,
}

impl Check {
    /// A CSV text cell against the text it came from.
    fn csv(&mut self, what: &str, cell: &str, original: &str) {
        self.cells += 1;
        let must_quote = original.starts_with(['=', '+', '-', '@', '\t', '\r']);
        if cell == original && !must_quote && !formula_like(cell) {
            return;
        }
        if cell == format!("'{original}") {
            return;
        }
        if formula_like(cell) || must_quote && cell == original {
            self.formula_cells.push(format!("{what}: {cell:?}"));
        } else {
            self.not_round_tripped
                .push(format!("{what}: {cell:?} from {original:?}"));
        }
    }

    fn xlsx(&mut self, what: &str, cell: Option<&Data>, original: Option<&str>) {
        self.cells += 1;
        let ok = match (cell, original) {
            (Some(Data::String(s)), Some(o)) => s == o,
            (None | Some(Data::Empty), None) => true,
            (None | Some(Data::Empty), Some(o)) => o.is_empty(),
            _ => false,
        };
        if !ok {
            self.not_round_tripped
                .push(format!("{what}: {cell:?} from {original:?}"));
        }
    }
}

#[tokio::test]
async fn hostile_names_addresses_and_prize_names_come_out_of_every_export_as_plain_text() {
    let app = TestApp::spawn_with(|s| s.limits.registrations_per_ip_per_minute = 10_000).await;
    let org = app.staff(Role::Organiser).await;
    let admin = app.staff(Role::Admin).await;
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let title = "=1+1 Tìm hiểu về Sếu đầu đỏ";
    let prize_names = ["=HYPERLINK(\"http://x\",\"Nhất\")", "@Giải khuyến khích"];
    let contest = app
        .published_contest(
            &org,
            json!({
                "title": title,
                "ends_at": crane::domain::clock::to_rfc3339(app.now() + 30_000, tz),
                "prizes": [
                    {"name": prize_names[0], "count": 1, "amount": 5_000_000},
                    {"name": prize_names[1], "count": 200, "amount": 1_000_000}
                ]
            }),
            10,
        )
        .await;
    // Each hostile text in each field, one citizen per text and field.
    let fields = ["full_name", "province", "district", "commune", "hamlet"];
    let mut people: HashMap<String, Value> = HashMap::new();
    let (mut tried, mut refused) = (0, 0);
    for (i, text) in HOSTILE.iter().enumerate() {
        for (j, field) in fields.iter().enumerate() {
            if (i + j) % 2 == 1 && *field != "full_name" {
                continue;
            }
            let phone = common::phone();
            let mut body = TestApp::registration(&phone);
            match *field {
                "full_name" => body["full_name"] = json!(format!("{text}")),
                f => body["address"][f] = json!(text),
            }
            tried += 1;
            let r = app.register(body).await;
            if r.status != 201 {
                assert_eq!(r.status, 422, "{}", r.text);
                refused += 1;
                continue;
            }
            let token = r.body["token"].as_str().unwrap().to_owned();
            let a = app.start(&token, &contest).await.body["attempt"].clone();
            let s = app
                .submit(
                    &token,
                    a["id"].as_str().unwrap(),
                    answers_for(&a, (i + j) % 6),
                    Some(i as i64),
                )
                .await;
            assert_eq!(s.status, 200, "{}", s.text);
            people.insert(phone, r.body["user"].clone());
        }
    }
    app.advance(60_000);
    let r = app
        .post(
            &format!("/admin/contests/{contest}/results"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = app
        .post(
            &format!("/admin/contests/{contest}/finalize"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    let mut check = Check::default();
    let text_columns = [
        (3usize, "full_name"),
        (7, "province"),
        (8, "district"),
        (9, "commune"),
        (10, "hamlet"),
    ];
    let original = |u: &Value, f: &str| -> Option<String> {
        match f {
            "full_name" => u["full_name"].as_str().map(str::to_owned),
            f => u["address"][f].as_str().map(str::to_owned),
        }
    };
    let mut rows_seen = 0;
    for (path, sep) in [
        ("winners.csv", b','),
        ("winners.csv?sep=%3B", b';'),
        ("leaderboard.csv", b','),
        ("leaderboard.csv?sep=%3B", b';'),
    ] {
        let r = app
            .get(&format!("/admin/contests/{contest}/{path}"), Some(&admin))
            .await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let ct = r
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with("text/csv"), "{path}: {ct}");
        let bytes = r.text.as_bytes();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{path}: no BOM");
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(sep)
            .has_headers(true)
            .from_reader(&bytes[3..]);
        let mut n = 0;
        for rec in rdr.records() {
            let rec = rec.unwrap_or_else(|e| panic!("{path}: not RFC 4180: {e}"));
            assert_eq!(rec.len(), 17, "{path}: {rec:?}");
            n += 1;
            let phone = &rec[4];
            let u = people
                .get(phone)
                .unwrap_or_else(|| panic!("{path}: unknown phone {phone:?}"));
            for (col, f) in text_columns {
                match original(u, f) {
                    Some(o) => check.csv(&format!("{path} {f}"), &rec[col], &o),
                    None => {
                        check.cells += 1;
                        if !rec[col].is_empty() {
                            check
                                .not_round_tripped
                                .push(format!("{path} {f}: {:?} from nothing", &rec[col]));
                        }
                    }
                }
            }
            let prize = &rec[1];
            let from = prize_names
                .iter()
                .find(|p| prize == **p || prize.strip_prefix('\'') == Some(**p));
            match from {
                Some(p) => check.csv(&format!("{path} prize"), prize, p),
                None => check
                    .not_round_tripped
                    .push(format!("{path} prize: {prize:?}")),
            }
            for col in 0..17 {
                if !text_columns.iter().any(|(c, _)| *c == col)
                    && col != 1
                    && formula_like(&rec[col])
                {
                    check
                        .formula_cells
                        .push(format!("{path} column {col}: {:?}", &rec[col]));
                }
            }
        }
        // Lines end in CRLF: as many CRLF as records outside quoted cells.
        let crlf = r.text.matches("\r\n").count();
        assert!(crlf > n, "{path}: {crlf} CRLF for {n} records");
        assert_eq!(n, people.len(), "{path}: every participant is a winner");
        rows_seen += n;
    }

    // XLSX: no formula cell anywhere, every text exactly as typed.
    let r = app
        .client
        .get(format!(
            "{}/api/v1/admin/contests/{contest}/winners.xlsx",
            app.address
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("a readable workbook");
    let mut formula_count = 0;
    for name in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&name).expect("formulas");
        for (row, col, f) in formulas.used_cells() {
            if !f.is_empty() {
                formula_count += 1;
                check
                    .formula_cells
                    .push(format!("xlsx {name} ({row},{col}): {f}"));
            }
        }
    }
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).expect("the winners sheet");
    check.xlsx("xlsx title", range.get_value((0, 0)), Some(title));
    let mut xlsx_rows = 0;
    for row in (crane::export::XLSX_HEADER_ROW + 1)..=range.end().map_or(0, |e| e.0) {
        let Some(Data::String(phone)) = range.get_value((row, 4)) else {
            continue;
        };
        let u = &people[phone];
        xlsx_rows += 1;
        for (col, f) in text_columns {
            check.xlsx(
                &format!("xlsx {f}"),
                range.get_value((row, col as u32)),
                original(u, f).as_deref(),
            );
        }
        let prize = range.get_value((row, 1));
        if !prize_names
            .iter()
            .any(|p| prize == Some(&Data::String((*p).to_owned())))
        {
            check
                .not_round_tripped
                .push(format!("xlsx prize: {prize:?}"));
        }
    }
    assert_eq!(xlsx_rows, people.len());
    figures(
        "exports",
        &[
            ("texts_tried", tried.to_string()),
            ("refused_at_registration", refused.to_string()),
            ("rows", (rows_seen + xlsx_rows).to_string()),
            ("text_cells", check.cells.to_string()),
            ("formula_cells", check.formula_cells.len().to_string()),
            ("xlsx_formulas", formula_count.to_string()),
            (
                "not_round_tripped",
                check.not_round_tripped.len().to_string(),
            ),
        ],
    );
    assert!(
        check.formula_cells.is_empty(),
        "formula cells:\n  {}",
        check.formula_cells.join("\n  ")
    );
    assert!(
        check.not_round_tripped.is_empty(),
        "text changed:\n  {}",
        check
            .not_round_tripped
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}
