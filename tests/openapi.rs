//! The OpenAPI document covers every route the server registers.

mod common;
use common::TestApp;
use reqwest::Method;

/// Every `.route("path", web::method()…)` in the HTTP modules.
fn registered_routes() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("src/http").unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap() == "assets.rs" {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        let prefix = if path.file_name().unwrap() == "meta.rs" {
            ""
        } else {
            "/api/v1"
        };
        for part in src.split(".route(\"").skip(1) {
            let (route, rest) = part.split_once('"').unwrap();
            let method = rest
                .split("web::")
                .nth(1)
                .unwrap()
                .split('(')
                .next()
                .unwrap()
                .to_owned();
            out.push((method, format!("{prefix}{route}")));
        }
    }
    out
}

#[tokio::test]
async fn every_registered_route_is_in_the_openapi_document() {
    let app = TestApp::spawn().await;
    let doc = app.raw(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    let routes = registered_routes();
    assert!(routes.len() >= 20, "{routes:?}");
    for (method, path) in routes {
        let op = &doc.body["paths"][&path][&method];
        assert!(op.is_object(), "{method} {path} is not documented");
        assert!(
            op["responses"].is_object(),
            "{method} {path} has no responses"
        );
    }
}

#[tokio::test]
async fn the_api_docs_page_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let page = app.raw(Method::GET, "/api/docs/", None, None).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("swagger"),
        "{}",
        &page.text[..200.min(page.text.len())]
    );
    assert!(!page.text.contains("cdn."), "no third-party host");
}

#[tokio::test]
async fn a_documented_route_with_another_method_is_405_with_allow() {
    let app = TestApp::spawn().await;
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/me", "GET"),
        (
            Method::PUT,
            "/api/v1/contests/00000000-0000-4000-8000-000000000000",
            "GET",
        ),
        (Method::POST, "/healthz", "GET"),
        (Method::GET, "/api/v1/auth/login", "POST"),
    ] {
        let r = app.raw(method.clone(), path, None, None).await;
        assert_eq!(r.status, 405, "{method} {path}: {}", r.text);
        assert_eq!(r.code(), "method_not_allowed");
        let header = r.headers.get("allow").unwrap().to_str().unwrap();
        assert!(header.contains(allow), "{method} {path}: Allow {header}");
    }
    assert_eq!(
        app.raw(Method::GET, "/api/v1/nowhere", None, None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.raw(Method::DELETE, "/api/v1/nowhere", None, None)
            .await
            .status,
        404
    );
}
