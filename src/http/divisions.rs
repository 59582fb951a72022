//! Vietnam's administrative divisions after the 2025 reform, for address
//! forms: the provinces, and the communes of one province. Public and the same
//! for everyone, so the answers are cacheable: each carries a hash of its body
//! as its ETag, and a request that already has it gets `304`.

use super::error::{ApiError, ApiResult};
use super::openapi::errors;
use super::views;
use crate::domain::divisions;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/divisions", web::get().to(list))
        .route("/divisions/{province_code}", web::get().to(communes));
}

/// A day: the data changes only with a new release.
const CACHE_CONTROL: &str = "public, max-age=86400";

/// An answer, serialized once (the data never changes while the process
/// runs), and its ETag: a hash of the body itself, so a new data file, a new
/// order or a new field each give a new tag.
struct Cached {
    body: Bytes,
    etag: String,
}

impl Cached {
    fn new(view: &impl serde::Serialize) -> Self {
        // Plain structs of strings and numbers always serialize.
        let body = serde_json::to_vec(view).unwrap_or_default();
        let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
        Self {
            body: Bytes::from(body),
            etag,
        }
    }
}

struct Bodies {
    provinces: Cached,
    communes: HashMap<&'static str, Cached>,
}

fn bodies() -> &'static Bodies {
    static BODIES: OnceLock<Bodies> = OnceLock::new();
    BODIES.get_or_init(|| Bodies {
        provinces: Cached::new(&views::ProvinceList::new(divisions::provinces())),
        communes: divisions::provinces()
            .iter()
            .map(|p| {
                (
                    p.code.as_str(),
                    Cached::new(&views::ProvinceCommunes::new(p)),
                )
            })
            .collect(),
    })
}

/// True when `If-None-Match` lists `etag` (weak comparison, as RFC 9110 says
/// for this header) or is `*`.
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// `200` with `body`, or `304` without it; both say how to cache.
fn cached(req: &HttpRequest, answer: &Cached) -> HttpResponse {
    let fresh = not_modified(req, &answer.etag);
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, answer.etag.as_str()))
        .insert_header((
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ));
    if fresh {
        res.finish()
    } else {
        res.content_type("application/json")
            .body(answer.body.clone())
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/divisions",
    operation_id = "list_provinces",
    tag = "divisions",
    responses(
        (status = 200, description = "the 34 provinces, in Vietnamese alphabetical order; `Cache-Control: public, max-age=86400` and an `ETag`", body = views::ProvinceList),
        (status = 304, description = "not modified: `If-None-Match` named the current `ETag`"),
        errors::Malformed,
    ),
)]
async fn list(req: HttpRequest) -> HttpResponse {
    cached(&req, &bodies().provinces)
}

#[utoipa::path(
    get,
    path = "/api/v1/divisions/{province_code}",
    operation_id = "list_communes",
    tag = "divisions",
    params(("province_code" = String, Path, description = "the province's official two-digit code, e.g. `01`", example = "01")),
    responses(
        (status = 200, description = "the province and its communes, in Vietnamese alphabetical order; `Cache-Control: public, max-age=86400` and an `ETag`", body = views::ProvinceCommunes),
        (status = 304, description = "not modified: `If-None-Match` named the current `ETag`"),
        errors::PublicRead,
    ),
)]
async fn communes(req: HttpRequest, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let body = bodies()
        .communes
        .get(path.as_str())
        .ok_or(ApiError::NotFound("province"))?;
    Ok(cached(&req, body))
}
