//! The OpenAPI document covers every route the server registers.

mod common;
use common::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

/// Every `.route("path", web::method()…)` in the HTTP modules.
fn registered_routes() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("src/http").unwrap() {
        let path = entry.unwrap().path();
        // Routes are registered in the handler files only (not in src/http/views/).
        if path.is_dir() || path.file_name().unwrap() == "assets.rs" {
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

/// The served document and one of its component schemas.
async fn document(app: &TestApp) -> Value {
    let doc = app.raw(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(doc.status, 200);
    doc.body
}

fn range(schema: &Value) -> (i64, i64) {
    (
        schema["minimum"].as_i64().unwrap(),
        schema["maximum"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn the_documented_limits_are_the_validators_own() {
    use crane::domain::{account, attempt, contest, password, question, ranking};
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let s = &doc["components"]["schemas"];

    let pw = &s["RegisterBody"]["properties"]["password"];
    assert_eq!(pw["minLength"], password::MIN_CHARS);
    assert_eq!(pw["maxLength"], password::MAX_CHARS);
    assert_eq!(pw["pattern"], password::Password::pattern());
    assert_eq!(
        s["RegisterBody"]["properties"]["full_name"]["pattern"],
        account::FullName::pattern()
    );
    assert_eq!(
        s["AddressBody"]["properties"]["hamlet"]["pattern"],
        account::Address::part_pattern(true)
    );

    let c = &s["ContestInput"]["properties"];
    for (field, rule) in [
        ("questions_per_attempt", contest::QUESTIONS_PER_ATTEMPT),
        ("time_limit_seconds", contest::TIME_LIMIT_SECONDS),
        ("max_attempts", contest::MAX_ATTEMPTS),
        ("grace_seconds", contest::GRACE_SECONDS),
    ] {
        assert_eq!(range(&c[field]), (*rule.start(), *rule.end()), "{field}");
    }
    assert_eq!(
        c["title"]["pattern"],
        contest::text_pattern(contest::TITLE_CHARS)
    );
    assert_eq!(
        c["rules"]["pattern"],
        contest::text_pattern(contest::RULES_CHARS)
    );
    assert_eq!(c["prizes"]["maxItems"], contest::MAX_PRIZE_TIERS);
    assert_eq!(c["excluded"]["maxItems"], contest::MAX_EXCLUDED);
    assert_eq!(c["tie_break"]["uniqueItems"], true);
    let keys: Vec<&str> = ranking::TieBreakKey::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(c["tie_break"]["items"]["enum"], json!(keys));
    assert_eq!(
        c["timezone"]["enum"].as_array().unwrap().len(),
        chrono_tz::TZ_VARIANTS.len() + 1,
        "every zone, and null"
    );
    let prize = &s["PrizeInput"]["properties"];
    assert_eq!(
        range(&prize["count"]),
        (*contest::PRIZE_COUNT.start(), *contest::PRIZE_COUNT.end())
    );
    assert_eq!(
        range(&prize["amount"]),
        (*contest::PRIZE_AMOUNT.start(), *contest::PRIZE_AMOUNT.end())
    );

    let q = &s["QuestionBody"]["properties"];
    assert_eq!(q["options"]["minItems"], question::MIN_OPTIONS);
    assert_eq!(q["options"]["maxItems"], question::MAX_OPTIONS);
    assert_eq!(range(&q["correct"]), (0, question::MAX_OPTIONS as i64 - 1));
    assert_eq!(
        s["QuestionsBody"]["properties"]["questions"]["maxItems"],
        question::MAX_IMPORT_ROWS
    );
    let submit = &s["SubmitBody"]["properties"];
    assert_eq!(
        range(&submit["prediction"]),
        (*attempt::PREDICTION.start(), *attempt::PREDICTION.end())
    );
    assert_eq!(submit["answers"]["maxItems"], attempt::MAX_ANSWERS);

    // Unsigned query values are typed as the handler reads them (u64, not int64).
    let params = doc["paths"]["/api/v1/admin/users"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for p in params.iter().filter(|p| p["name"] != "q") {
        assert_eq!(p["schema"]["minimum"], 0);
        assert_eq!(p["schema"]["maximum"], u64::MAX);
        assert!(p["schema"].get("format").is_none(), "{p}");
    }
}

#[tokio::test]
async fn every_schema_reference_in_the_document_resolves() {
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(o) => {
                if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                    out.push(r);
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(found.len() > 20);
    for r in found {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is not in the document"
        );
    }
}

/// The example of each property of an object schema, as one object.
fn example_of(doc: &Value, schema: &Value) -> Value {
    let props = schema["properties"].as_object().unwrap();
    let mut out = serde_json::Map::new();
    for (name, p) in props {
        if let Some(e) = p["examples"].get(0) {
            out.insert(name.clone(), e.clone());
        } else if let Some(r) = p["$ref"].as_str() {
            let name_of = r.rsplit('/').next().unwrap();
            out.insert(
                name.clone(),
                example_of(doc, &doc["components"]["schemas"][name_of]),
            );
        }
    }
    Value::Object(out)
}

#[tokio::test]
async fn the_documented_examples_are_accepted() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let s = &doc["components"]["schemas"];
    let mut body = example_of(&doc, &s["RegisterBody"]);
    for field in [
        "phone",
        "password",
        "full_name",
        "national_id",
        "date_of_birth",
    ] {
        assert!(body[field].is_string(), "{field} has an example");
    }
    // The code's example has the right shape but was never sent: the real
    // one comes by SMS (TestApp::register asks for it).
    assert!(body["otp"].is_string(), "otp has an example");
    body.as_object_mut().unwrap().remove("otp");
    let r = app.register(body).await;
    assert_eq!(r.status, 201, "{}", r.text);

    let organiser = app.staff(crane::domain::account::Role::Organiser).await;
    let create = &s["NewContest"]["allOf"][0];
    let mut body = example_of(&doc, create);
    for field in create["required"].as_array().unwrap() {
        assert!(body.get(field.as_str().unwrap()).is_some(), "{field}");
    }
    body["prizes"] = json!([example_of(&doc, &s["PrizeInput"])]);
    let r = app.post("/admin/contests", Some(&organiser), body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

#[tokio::test]
async fn the_date_of_birth_range_ends_on_the_server_clocks_today() {
    let app = TestApp::spawn().await;
    let pattern = |doc: Value| {
        doc["components"]["schemas"]["RegisterBody"]["properties"]["date_of_birth"]["pattern"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let today = pattern(document(&app).await);
    app.advance(400 * 86_400_000);
    let later = pattern(document(&app).await);
    assert_ne!(today, later, "a later day allows later dates");
    let year = chrono::DateTime::from_timestamp_millis(app.now())
        .unwrap()
        .format("%Y-")
        .to_string();
    assert!(later.contains(&year), "{year} in {later}");
}

#[tokio::test]
async fn a_contest_at_the_documented_maxima_is_not_refused_as_too_large() {
    use crane::domain::contest;
    let app = TestApp::spawn().await;
    let organiser = app.staff(crane::domain::account::Role::Organiser).await;
    let body = app.contest_body(json!({
        "title": "Đ".repeat(*contest::TITLE_CHARS.end()),
        "description": "ờ".repeat(*contest::DESCRIPTION_CHARS.end()),
        "rules": "ệ".repeat(*contest::RULES_CHARS.end()),
        "excluded": (0..contest::MAX_EXCLUDED)
            .map(|i| format!("+84 (91) {:03}-{:04}", i / 10_000, i % 10_000))
            .collect::<Vec<_>>(),
    }));
    assert!(serde_json::to_vec(&body).unwrap().len() > 65_536);
    let r = app.post("/admin/contests", Some(&organiser), body).await;
    assert_eq!(r.status, 201, "{}", &r.text[..r.text.len().min(300)]);
}

#[tokio::test]
async fn unknown_ids_are_404_before_the_body_or_query_is_judged() {
    let app = TestApp::spawn().await;
    let admin = app.staff(crane::domain::account::Role::Admin).await;
    let (participant, _) = app.participant().await;
    let nowhere = "00000000-0000-4000-8000-000000000000";
    for (path, token, status) in [
        (
            format!("/admin/contests/{nowhere}/winners.csv?sep=x"),
            &admin,
            404,
        ),
        (
            format!("/admin/contests/{nowhere}/leaderboard.csv?sep=x"),
            &admin,
            404,
        ),
        (
            format!("/admin/contests/{nowhere}/winners.csv?sep=x"),
            &participant,
            403,
        ),
    ] {
        let r = app.get(&path, Some(token)).await;
        assert_eq!(r.status, status, "{path}: {}", r.text);
    }
    for (path, body) in [
        (
            format!("/admin/contests/{nowhere}/unfinalize"),
            json!({"reason": ""}),
        ),
        (
            format!("/admin/contests/{nowhere}/disqualify"),
            json!({"user_id": nowhere, "reason": ""}),
        ),
    ] {
        let r = app.post(&path, Some(&admin), body).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
    }
    let r = app
        .call(
            Method::PUT,
            &format!("/admin/users/{nowhere}/role"),
            Some(&admin),
            Some(json!({"role": "king"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

/// Where a schema, followed through references, compositions, properties and
/// items, says no more than "an object" (or nothing at all): the paths to those
/// places, e.g. `ContestEnvelope.contest.prizes[]`.
fn untyped_objects(doc: &Value, schema: &Value, at: &str, seen: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap().to_owned();
        if !seen.contains(&name) {
            seen.push(name.clone());
            let target = &doc["components"]["schemas"][&name];
            out.extend(untyped_objects(doc, target, &name, seen));
        }
        return out;
    }
    let parts: Vec<&Value> = ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|k| schema[k].as_array())
        .flatten()
        .collect();
    for part in &parts {
        out.extend(untyped_objects(doc, part, at, seen));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let props = schema["properties"].as_object();
    let described = props.is_some_and(|p| !p.is_empty())
        || schema["additionalProperties"].is_object()
        || !parts.is_empty();
    if (types.contains(&"object") || types.is_empty() && schema.get("enum").is_none()) && !described
    {
        out.push(at.to_owned());
    }
    for (name, p) in props.into_iter().flatten() {
        out.extend(untyped_objects(doc, p, &format!("{at}.{name}"), seen));
    }
    if schema["items"].is_object() {
        out.extend(untyped_objects(
            doc,
            &schema["items"],
            &format!("{at}[]"),
            seen,
        ));
    }
    out
}

/// Every successful JSON answer is documented with its real type, all the way
/// down: no bare `{"type": "object"}` (utoipa's `body = Object`) or schema-less
/// body may come back. There is no exception today; one would be listed here
/// with the reason its shape cannot be stated.
#[tokio::test]
async fn every_successful_json_body_is_documented_with_its_fields() {
    const EXCEPTIONS: &[&str] = &[];
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let mut checked = 0;
    let mut bare = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if !status.starts_with('2') {
                    continue;
                }
                let Some(json) = response["content"].get("application/json") else {
                    continue;
                };
                checked += 1;
                let at = format!("{method} {path} {status}");
                if json.get("schema").is_none() {
                    bare.push(format!("{at}: no schema"));
                    continue;
                }
                for place in untyped_objects(&doc, &json["schema"], "body", &mut Vec::new()) {
                    if !EXCEPTIONS.contains(&place.as_str()) {
                        bare.push(format!("{at}: {place}"));
                    }
                }
            }
        }
    }
    assert!(checked >= 25, "only {checked} JSON bodies");
    assert!(bare.is_empty(), "untyped objects:\n{}", bare.join("\n"));
}
