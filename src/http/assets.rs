//! The web app: files under `frontend/`, read from disk in debug builds and
//! embedded in release builds. App routes without a file extension fall back
//! to `index.html`, so deep links and reloads work.
//!
//! A contest's page (`/contests/{id}`, and its winners) is `index.html` with
//! the contest's Open Graph tags: a link shared on Zalo or Facebook shows its
//! title, a line of its description and the organisation's logo, since those
//! crawlers run no script.

use super::error::ApiError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;
use sha2::Digest;

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

async fn serve(
    req: HttpRequest,
    state: web::Data<super::AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
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
    let mut data = file.data.into_owned();
    let mut hash = file.metadata.sha256_hash().to_vec();
    // Phones get the code without its comments (see `strip`).
    if name.ends_with(".js") || name.ends_with(".css") {
        if let Ok(text) = std::str::from_utf8(&data) {
            data = if name.ends_with(".js") {
                super::strip::js(text)
            } else {
                super::strip::css(text)
            }
            .into_bytes();
        }
        hash.push(b's');
    }
    if name == "index.html"
        && let Some(tags) = contest_card(&state, &path).await
    {
        data = with_card(&data, &tags);
        hash = sha2::Sha256::digest(&data).to_vec();
    }
    // The app's files go out gzipped at the best level, made once per
    // version: the server's on-the-fly gzip is the fast level, a third
    // larger, and every phone downloads these.
    let gz = (accepts_gzip(&req) && compressible(&name) && data.len() > 512)
        .then(|| gzipped(&hash, &data))
        .flatten();
    let gzip = gz.is_some();
    let etag = format!(
        "\"{}{}\"",
        hex::encode(&hash[..12]),
        if gzip { "-gz" } else { "" }
    );
    if let Some(gz) = gz {
        data = gz;
    }
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
        .insert_header((header::CONTENT_TYPE, content_type(&name)))
        .insert_header((header::VARY, HeaderValue::from_static("Accept-Encoding")));
    if gzip {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
    }
    if fresh {
        return Ok(res.finish());
    }
    Ok(res.body(data))
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            coding.eq_ignore_ascii_case("gzip") && !refused
        })
}

fn compressible(name: &str) -> bool {
    let ct = content_type(name);
    ct.starts_with("text/")
        || ct.starts_with("application/javascript")
        || ct.starts_with("application/json")
        || ct.starts_with("image/svg")
}

/// `data` gzipped at the best level, kept per content hash.
fn gzipped(hash: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use std::collections::HashMap;
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};
    static KEPT: OnceLock<Mutex<HashMap<Vec<u8>, Vec<u8>>>> = OnceLock::new();
    let kept = KEPT.get_or_init(Default::default);
    if let Some(gz) = kept.lock().ok().and_then(|k| k.get(hash).cloned()) {
        return Some(gz);
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gz = enc.write_all(data).and_then(|()| enc.finish()).ok()?;
    if let Ok(mut k) = kept.lock() {
        // A contest page's copy of index.html differs per contest: keep at
        // most a few hundred versions.
        if k.len() > 512 {
            k.clear();
        }
        k.insert(hash.to_vec(), gz.clone());
    }
    Some(gz)
}

/// The Open Graph tags of a public contest's page, if `path` is one.
async fn contest_card(state: &super::AppState, path: &str) -> Option<String> {
    let mut parts = path.trim_end_matches('/').split('/');
    let (Some("contests"), Some(id), rest) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    if !matches!(rest, None | Some("winners")) || parts.next().is_some() {
        return None;
    }
    let id = crate::domain::ids::ContestId::parse(id)?;
    let c = crate::app::contests::visible(state.ctx(), id, None)
        .await
        .ok()?;
    let org = crate::store::organisations::find(&state.db, c.organisation_id)
        .await
        .ok()
        .flatten();
    let base = state.settings.public_url.trim().trim_end_matches('/');
    let description: String = crate::domain::account::collapse_spaces(c.settings.description())
        .chars()
        .take(200)
        .collect();
    let mut tags = vec![
        ("og:type", "website".to_owned()),
        ("og:title", c.settings.title().to_owned()),
        ("og:description", description.clone()),
        ("og:locale", "vi_VN".to_owned()),
    ];
    if let Some(o) = &org {
        tags.push(("og:site_name", o.name.clone()));
        if o.logo.is_some() && !base.is_empty() {
            tags.push((
                "og:image",
                format!("{base}/api/v1/organisations/{}/logo", o.slug),
            ));
        }
    }
    if !base.is_empty() {
        tags.push(("og:url", format!("{base}/{}", path.trim_end_matches('/'))));
    }
    let mut html = format!("<title>{}</title>\n", escape(c.settings.title()));
    for (property, content) in tags {
        html.push_str(&format!(
            "<meta property=\"{property}\" content=\"{}\">\n",
            escape(&content)
        ));
    }
    html.push_str(&format!(
        "<meta name=\"description\" content=\"{}\">\n",
        escape(&description)
    ));
    Some(html)
}

/// `index.html` with its `<title>` replaced by the card's tags.
fn with_card(index: &[u8], tags: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(index);
    match (text.find("<title>"), text.find("</title>")) {
        (Some(start), Some(end)) if end > start => {
            let mut out = String::with_capacity(text.len() + tags.len());
            out.push_str(&text[..start]);
            out.push_str(tags.trim_end());
            out.push_str(&text[end + "</title>".len()..]);
            out.into_bytes()
        }
        _ => index.to_vec(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
