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
