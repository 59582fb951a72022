//! Vietnam's provinces and communes: GET /divisions and GET /divisions/{province_code}.

mod common;
use common::TestApp;
use serde_json::Value;

fn names<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn the_provinces_are_the_34_after_the_reform_in_vietnamese_order() {
    let app = TestApp::spawn().await;
    let r = app.get("/divisions", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let provinces = &r.body["provinces"];
    assert_eq!(provinces.as_array().unwrap().len(), 34);
    let total: u64 = provinces
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["commune_count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 3_321);

    let hanoi = provinces
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "01")
        .unwrap();
    assert_eq!(hanoi["name"], "Thành phố Hà Nội");
    assert_eq!(hanoi["short_name"], "Hà Nội");
    assert_eq!(hanoi["commune_count"], 126);

    // Đ comes after D and before E, not after Y as a byte-wise sort would put it.
    let short = names(provinces, "short_name");
    assert_eq!(&short[..4], ["An Giang", "Bắc Ninh", "Cà Mau", "Cao Bằng"]);
    let at = |n: &str| short.iter().position(|x| *x == n).unwrap();
    assert!(at("Cần Thơ") < at("Đà Nẵng") && at("Đà Nẵng") < at("Điện Biên"));
    assert!(at("Đồng Tháp") < at("Gia Lai"));
    assert_eq!(short.last(), Some(&"Vĩnh Long"));
}

#[tokio::test]
async fn a_province_lists_its_communes_with_their_codes_and_kinds() {
    let app = TestApp::spawn().await;
    let r = app.get("/divisions/79", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["province"]["code"], "79");
    assert_eq!(r.body["province"]["name"], "Thành phố Hồ Chí Minh");
    let communes = r.body["communes"].as_array().unwrap();
    assert_eq!(communes.len(), 168);
    let con_dao = communes.iter().find(|c| c["code"] == "26732").unwrap();
    assert_eq!(con_dao["name"], "Đặc khu Côn Đảo");
    assert_eq!(con_dao["kind"], "đặc khu");
    for c in communes {
        let kind = c["kind"].as_str().unwrap();
        assert!(["xã", "phường", "đặc khu"].contains(&kind), "{c}");
        assert_eq!(c["code"].as_str().unwrap().len(), 5, "{c}");
    }

    // Sorted by the name without its kind, so wards and rural communes mix:
    // "Phường An Đông" < "Xã An Nhơn Tây" < "Phường Bến Thành" < "Xã Bình Chánh".
    let hcmc = names(&r.body["communes"], "name");
    let at = |n: &str| hcmc.iter().position(|x| *x == n).unwrap();
    assert!(at("Phường An Đông") < at("Xã An Nhơn Tây"));
    assert!(at("Xã An Nhơn Tây") < at("Phường Bến Thành"));
    assert!(at("Phường Bến Thành") < at("Xã Bình Chánh"));
    let hanoi = app.get("/divisions/01", None).await;
    let names = names(&hanoi.body["communes"], "name");
    assert_eq!(names.len(), 126);
    assert_eq!(names.first(), Some(&"Xã An Khánh"));
    assert_eq!(names.last(), Some(&"Xã Yên Xuân"));
}

#[tokio::test]
async fn an_unknown_province_code_is_404_with_the_error_envelope() {
    let app = TestApp::spawn().await;
    for code in ["02", "1", "00070", "ha-noi"] {
        let r = app.get(&format!("/divisions/{code}"), None).await;
        assert_eq!(r.status, 404, "{code}: {}", r.text);
        assert_eq!(r.code(), "not_found");
        assert!(r.body["error"]["message"].is_string());
        assert_eq!(
            r.headers["cache-control"], "no-store",
            "a 404 is not cached"
        );
    }
}

#[tokio::test]
async fn the_answers_are_cacheable_and_a_known_etag_gets_304() {
    let app = TestApp::spawn().await;
    let send = |path: &'static str, etag: Option<String>| {
        let mut req = app.client.get(format!("{}/api/v1{path}", app.address));
        if let Some(e) = etag {
            req = req.header("if-none-match", e);
        }
        req.send()
    };
    for path in ["/divisions", "/divisions/82"] {
        let first = send(path, None).await.unwrap();
        assert_eq!(first.status(), 200);
        assert_eq!(first.headers()["cache-control"], "public, max-age=86400");
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10);

        let again = send(path, Some(etag.clone())).await.unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"], etag.as_str());
        assert_eq!(again.headers()["cache-control"], "public, max-age=86400");
        assert!(again.bytes().await.unwrap().is_empty());

        let weak = send(path, Some(format!("\"other\", W/{etag}")))
            .await
            .unwrap();
        assert_eq!(weak.status(), 304, "a weak or listed tag matches too");

        let stale = send(path, Some("\"other\"".into())).await.unwrap();
        assert_eq!(stale.status(), 200);
        let body: Value = stale.json().await.unwrap();
        assert!(body.is_object());
    }
}

/// A registration with `address` (and a fresh phone); returns the response.
async fn register_at(app: &TestApp, address: serde_json::Value) -> common::Resp {
    let mut body = TestApp::registration(&common::phone());
    body["address"] = address;
    app.register(body).await
}

#[tokio::test]
async fn an_address_picked_by_code_stores_the_codes_and_official_names() {
    let app = TestApp::spawn().await;
    let r = register_at(
        &app,
        serde_json::json!({"province_code": "82", "commune_code": "30001", "hamlet": "ấp 3"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = &r.body["user"]["address"];
    assert_eq!(a["province_code"], "82");
    assert_eq!(a["commune_code"], "30001");
    assert_eq!(a["province"], "Tỉnh Đồng Tháp");
    assert_eq!(a["commune"], "Xã Tràm Chim");
    assert_eq!(a["legacy"], false);
    assert!(a["district"].is_null());
}

#[tokio::test]
async fn a_commune_of_another_province_is_refused_by_name() {
    let app = TestApp::spawn().await;
    // 00004 is Phường Ba Đình, in Hà Nội (01), not in Đồng Tháp (82).
    let r = register_at(
        &app,
        serde_json::json!({"province_code": "82", "commune_code": "00004", "hamlet": "ấp 3"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.body["error"]["fields"]["address.commune_code"]["code"],
        "commune_not_in_province"
    );
    let r = register_at(
        &app,
        serde_json::json!({"province_code": "99", "commune_code": "00004", "hamlet": "ấp 3"}),
    )
    .await;
    assert_eq!(
        r.body["error"]["fields"]["address.province_code"]["code"],
        "unknown_province"
    );
}

#[tokio::test]
async fn text_addresses_find_their_codes_or_are_kept_as_legacy() {
    let app = TestApp::spawn().await;
    // Spelled without tone marks and with its kind: found.
    let r = register_at(
        &app,
        serde_json::json!({"province": "Dong Thap", "commune": "xa Tram Chim", "hamlet": "ấp 1"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["user"]["address"]["commune_code"], "30001");
    assert_eq!(r.body["user"]["address"]["legacy"], false);
    // With a district (before the 2025 reform): kept as written, legacy.
    let r = register_at(
        &app,
        serde_json::json!({"province": "Đồng Tháp", "district": "Cao Lãnh", "commune": "Mỹ Hội", "hamlet": "ấp 1"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = &r.body["user"]["address"];
    assert_eq!(a["legacy"], true);
    assert!(a["commune_code"].is_null());
    assert_eq!(a["province_code"], "82");
    assert_eq!(a["commune"], "Mỹ Hội");
    // `legacy: true` keeps even a findable name as text.
    let r = register_at(
        &app,
        serde_json::json!({"province": "Đồng Tháp", "commune": "Tràm Chim", "hamlet": "ấp 1", "legacy": true}),
    )
    .await;
    assert_eq!(r.body["user"]["address"]["legacy"], true, "{}", r.text);
}

#[tokio::test]
async fn stats_group_one_commune_however_its_name_was_written() {
    let app = TestApp::spawn().await;
    let organiser = app.staff(crane::domain::account::Role::Organiser).await;
    let contest = app
        .published_contest(&organiser, serde_json::json!({}), 6)
        .await;
    for address in [
        serde_json::json!({"province_code": "82", "commune_code": "30001", "hamlet": "ấp 1"}),
        serde_json::json!({"province": "Đồng Tháp", "commune": "Xã Tràm Chim", "hamlet": "ấp 2"}),
        serde_json::json!({"province": "dong thap", "commune": "tram chim", "hamlet": "ấp 3"}),
    ] {
        let r = register_at(&app, address).await;
        assert_eq!(r.status, 201, "{}", r.text);
        let token = r.body["token"].as_str().unwrap();
        assert!(app.start(token, &contest).await.status.is_success());
    }
    let stats = app
        .get(
            &format!("/admin/contests/{contest}/stats"),
            Some(&organiser),
        )
        .await;
    assert_eq!(stats.status, 200, "{}", stats.text);
    let places = stats.body["stats"]["by_place"].as_array().unwrap();
    assert_eq!(places.len(), 1, "{places:?}");
    assert_eq!(places[0]["commune_code"], "30001");
    assert_eq!(places[0]["participants"], 3);
    let provinces = stats.body["stats"]["by_province"].as_array().unwrap();
    assert_eq!(provinces.len(), 1, "{provinces:?}");
    assert_eq!(provinces[0]["province_code"], "82");
    // The histogram has every score from 0 to the questions of an attempt (5).
    let scores: Vec<i64> = stats.body["stats"]["score_histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["score"].as_i64().unwrap())
        .collect();
    assert_eq!(scores, [0, 1, 2, 3, 4, 5]);

    // The same figures as a workbook an organiser opens in Excel.
    let r = app
        .raw(
            reqwest::Method::GET,
            &format!("/api/v1/admin/contests/{contest}/stats.xlsx"),
            Some(&organiser),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let disposition = r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''Th%E1%BB%91ng%20k%C3%AA"),
        "{disposition}"
    );
    let bytes = app
        .client
        .get(format!(
            "{}/api/v1/admin/contests/{contest}/stats.xlsx",
            app.address
        ))
        .bearer_auth(&organiser)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Tổng quan",
            "Theo ngày",
            "Theo tỉnh",
            "Theo xã",
            "Điểm",
            "Câu hỏi"
        ]
    );
    let sheet = book.worksheet_range("Theo tỉnh").unwrap();
    let row: Vec<String> = (0..4)
        .map(|c| {
            sheet
                .get_value((3, c))
                .map(|v| v.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(row, ["82", "Tỉnh Đồng Tháp", "3", "3"]);
}

#[tokio::test]
async fn every_address_problem_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let r = register_at(
        &app,
        serde_json::json!({"province_code": "82", "commune_code": "00004", "hamlet": " "}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields = r.body["error"]["fields"].as_object().unwrap();
    assert!(fields.contains_key("address.hamlet"), "{}", r.text);
    assert_eq!(
        fields["address.commune_code"]["code"],
        "commune_not_in_province"
    );
}
