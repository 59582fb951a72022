//! Health, metrics, the JSON 404, security headers and request metrics.

use super::error::{ApiError, envelope, parse_accept_language, with_lang};
use super::openapi::{ErrorBody, errors};
use super::{AppState, views};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/metrics", web::get().to(metrics));
}

/// Installs the process-wide Prometheus recorder once.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ])
            .and_then(|b| b.install_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder().handle())
    })
}

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    tag = "meta",
    responses((status = 200, description = "the database answers", body = views::Health),
        errors::Malformed,
        (status = 503, description = "the database does not answer", body = ErrorBody)),
)]
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if state.db.ping().await {
        HttpResponse::Ok().json(views::Health::ok(state.db.replica().as_deref()))
    } else {
        HttpResponse::ServiceUnavailable().json(envelope(
            "database_unavailable",
            "the database does not answer",
            None,
            None,
        ))
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    tag = "meta",
    responses((status = 200, description = "Prometheus text", body = String, content_type = "text/plain")),
)]
async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(prometheus().render())
}

/// Unmatched requests: 405 with `Allow` when the path is a documented route
/// reached with another method, 404 otherwise.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    match allowed_methods(req.path()) {
        Some(allow)
            if !allow
                .iter()
                .any(|m| m.eq_ignore_ascii_case(req.method().as_str())) =>
        {
            Err(ApiError::MethodNotAllowed(allow.join(", ")))
        }
        _ => Err(ApiError::NotFound("route")),
    }
}

/// The methods the OpenAPI document lists for a concrete path, if any route matches it.
pub fn allowed_methods(path: &str) -> Option<Vec<String>> {
    static ROUTES: OnceLock<Vec<(Vec<String>, Vec<String>)>> = OnceLock::new();
    let routes = ROUTES.get_or_init(|| {
        let doc = serde_json::to_value(super::openapi::base()).unwrap_or_default();
        doc["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, ops)| {
                        let segments = template.split('/').map(str::to_owned).collect();
                        let mut methods: Vec<String> = ops
                            .as_object()
                            .map(|o| o.keys().map(|m| m.to_ascii_uppercase()).collect())
                            .unwrap_or_default();
                        if methods.iter().any(|m| m == "GET") {
                            methods.push("HEAD".into());
                        }
                        (segments, methods)
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let parts: Vec<&str> = path.split('/').collect();
    let mut allow: Vec<String> = routes
        .iter()
        .filter(|(segments, _)| {
            segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(t, p)| (t.starts_with('{') && !p.is_empty()) || t == p)
        })
        .flat_map(|(_, m)| m.iter().cloned())
        .collect();
    allow.sort();
    allow.dedup();
    (!allow.is_empty()).then_some(allow)
}

/// Security headers on every response (the document ones not on scripts,
/// styles and images), a count and latency per route, and
/// messages in the language the request asked for.
pub async fn headers_and_metrics(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or_else(Default::default, parse_accept_language);
    let mut res = with_lang(lang, next.call(req)).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16().to_string();
    metrics::counter!("crane_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("crane_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    let h = res.headers_mut();
    // A script, a style sheet or an image is not a document: a policy, frame
    // or referrer rule on it does nothing, while its ~260 bytes would go with
    // each of the app's modules to every phone. nosniff does matter there.
    let subresource = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("application/javascript")
                || t.starts_with("text/javascript")
                || t.starts_with("text/css")
                || t.starts_with("image/")
                || t.starts_with("font/")
        });
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let page = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !subresource {
        // The app's pages get the policy they need; anything else (JSON,
        // CSV, text), should a browser show it, may load nothing at all —
        // stricter, and 150 bytes shorter on each of a quiz's API answers.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(if page {
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
            } else {
                "default-src 'none'; frame-ancestors 'none'"
            }),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if !h.contains_key(header::CACHE_CONTROL) && res.request().path().starts_with("/api/") {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
