//! The web app: files under `frontend/`, read from disk in debug builds and
//! embedded in release builds. App routes without a file extension fall back
//! to `index.html`, so deep links and reloads work.

use super::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "frontend/"]
struct Frontend;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/{path:.*}", web::get().to(serve))
        .route("/{path:.*}", web::head().to(serve));
}

fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let essence = mime.essence_str();
    // mime_guess gives text types without a charset; the app is UTF-8 Vietnamese.
    if essence.starts_with("text/")
        || essence == "application/javascript"
        || essence == "application/json"
        || essence == "image/svg+xml"
    {
        format!("{essence}; charset=utf-8")
    } else {
        essence.to_owned()
    }
}

async fn serve(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    if path.starts_with("api/") {
        return Err(ApiError::NotFound("route"));
    }
    let (name, file) = match Frontend::get(&path).filter(|_| !path.is_empty()) {
        Some(f) => (path.clone(), f),
        None if !path.rsplit('/').next().unwrap_or("").contains('.') => (
            "index.html".to_owned(),
            Frontend::get("index.html").ok_or(ApiError::NotFound("page"))?,
        ),
        None => return Err(ApiError::NotFound("file")),
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..12]));
    let cache = if name == "index.html" {
        "no-cache"
    } else {
        "public, max-age=300"
    };
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag.as_str()));
    let mut res = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .insert_header((header::CONTENT_TYPE, content_type(&name)));
    if fresh {
        return Ok(res.finish());
    }
    Ok(res.body(file.data.into_owned()))
}
