//! Exports for payout (admins): winners as XLSX and CSV, the full leaderboard
//! as CSV streamed from the database in constant memory.

use super::AppState;
use super::error::{ApiError, ApiResult};
use super::extract::Auth;
use super::manage::staff_contest;
use super::openapi::{ErrorBody, errors};
use crate::app::results::{self as app, Leaderboard};
use crate::domain::contest::Contest;
use crate::export::{CSV_CONTENT_TYPE, CsvFormat, XLSX_CONTENT_TYPE, winners_xlsx};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/admin/contests/{id}/stats.xlsx",
        web::get().to(stats_xlsx_file),
    )
    .route(
        "/admin/contests/{id}/winners.xlsx",
        web::get().to(winners_xlsx_file),
    )
    .route(
        "/admin/contests/{id}/winners.csv",
        web::get().to(winners_csv),
    )
    .route(
        "/admin/contests/{id}/leaderboard.csv",
        web::get().to(leaderboard_csv),
    );
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CsvQuery {
    /// `;` for Vietnamese Excel, whose list separator is often a semicolon.
    #[param(schema_with = separator)]
    pub sep: Option<String>,
}

/// The separators [`csv_format`] accepts.
const SEPARATORS: [&str; 2] = [",", ";"];

fn separator() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(SEPARATORS))
        .description(Some(
            "The cell separator: `,` (by default) or `;` (Excel in Vietnamese locale).",
        ))
}

fn csv_format(q: &CsvQuery) -> ApiResult<CsvFormat> {
    match q.sep.as_deref() {
        None => Ok(CsvFormat { separator: b',' }),
        Some(sep) if SEPARATORS.contains(&sep) => Ok(CsvFormat {
            separator: sep.as_bytes()[0],
        }),
        Some(_) => Err(ApiError::field(
            "sep",
            "invalid_choice",
            "sep must be , or ;",
        )),
    }
}

async fn exportable(state: &AppState, auth: &Auth, id: &str) -> ApiResult<Contest> {
    auth.require_admin()?;
    Ok(app::exportable(staff_contest(state, auth, id).await?)?)
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/stats.xlsx", operation_id = "stats_xlsx", tag = "organisers",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "the statistics workbook: overview, by day, by province, by commune, scores, questions (no personal data)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        errors::Read),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn stats_xlsx_file(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = staff_contest(&state, &auth, &path).await?;
    let (stats, texts) = crate::app::contests::stats(state.ctx(), &c).await?;
    let title = c.settings.title().to_owned();
    let bytes = web::block(move || crate::export::stats_xlsx(&title, &stats, &texts))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))??;
    Ok(HttpResponse::Ok()
        .content_type(XLSX_CONTENT_TYPE)
        .insert_header(attachment("Thống kê", c.settings.title(), "xlsx"))
        .body(bytes))
}

/// `Content-Disposition` for a download named after the contest, e.g.
/// "Danh sách trúng giải - Tìm hiểu về Sếu đầu đỏ.xlsx": the Vietnamese name
/// as `filename*` (RFC 6266/5987, UTF-8), which browsers use, and an ASCII
/// fallback without tone marks as `filename`.
fn attachment(what: &str, title: &str, ext: &str) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        content_disposition(what, title, ext),
    )
}

fn content_disposition(what: &str, title: &str, ext: &str) -> String {
    // Characters Windows refuses in a file name, and controls, become spaces.
    let clean: String = title
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let title: String = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    let title: String = title.chars().take(80).collect();
    let name = if title.is_empty() {
        format!("{what}.{ext}")
    } else {
        format!("{what} - {title}.{ext}")
    };
    let ascii = crate::domain::organisation::Slug::suggest(&name.replace(&format!(".{ext}"), ""));
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn downloads_are_named_after_the_contest_in_vietnamese_with_an_ascii_fallback() {
        let h = content_disposition(
            "Danh sách trúng giải",
            "Tìm hiểu về Sếu đầu đỏ: 2026/12",
            "xlsx",
        );
        assert!(
            h.starts_with("attachment; filename=\"danh-sach-trung-giai-tim-hieu-ve-seu-dau-do-2026-12.xlsx\"; "),
            "{h}"
        );
        assert!(
            h.contains("filename*=UTF-8''Danh%20s%C3%A1ch%20tr%C3%BAng%20gi%E1%BA%A3i%20-%20T"),
            "{h}"
        );
        assert!(!h.contains('/') || h.matches('/').count() == 0, "{h}");
        assert!(h.is_ascii());
    }
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/winners.xlsx", operation_id = "winners_xlsx", tag = "results",
    params(("id" = String, Path, description = "the contest")),
    responses((status = 200, description = "the winners workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        errors::AdminRead,
        (status = 404, description = "no such contest, or no results yet", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn winners_xlsx_file(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let c = exportable(&state, &auth, &path).await?;
    let reads = settled_reads(&state, &c);
    let rows = app::winner_rows(state.ctx_on(&reads), &c).await?;
    let bytes = winners_xlsx(c.settings.title(), c.digest.as_deref(), &rows)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX_CONTENT_TYPE)
        .insert_header(attachment(
            "Danh sách trúng giải",
            c.settings.title(),
            "xlsx",
        ))
        .body(bytes))
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/winners.csv", operation_id = "winners_csv", tag = "results",
    params(("id" = String, Path, description = "the contest"), CsvQuery),
    responses((status = 200, description = "the winners, CSV (UTF-8 with BOM, CRLF)", content_type = "text/csv"),
        errors::AdminRead,
        (status = 404, description = "no such contest, or no results yet", body = ErrorBody),
        (status = 422, description = "invalid separator", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn winners_csv(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    q: web::Query<CsvQuery>,
) -> ApiResult<HttpResponse> {
    let c = exportable(&state, &auth, &path).await?;
    let format = csv_format(&q)?;
    let mut body = format.header();
    let reads = settled_reads(&state, &c);
    for r in app::winner_rows(state.ctx_on(&reads), &c).await? {
        body.extend(format.row(&r));
    }
    Ok(HttpResponse::Ok()
        .content_type(CSV_CONTENT_TYPE)
        .insert_header(attachment(
            "Danh sách trúng giải",
            c.settings.title(),
            "csv",
        ))
        .body(body))
}

#[utoipa::path(get, path = "/api/v1/admin/contests/{id}/leaderboard.csv", operation_id = "leaderboard_csv", tag = "results",
    params(("id" = String, Path, description = "the contest"), CsvQuery),
    responses((status = 200, description = "the whole ranking, CSV, streamed", content_type = "text/csv"),
        errors::AdminRead,
        (status = 404, description = "no such contest, or no results yet", body = ErrorBody),
        (status = 422, description = "invalid separator", body = ErrorBody)),
    security(("bearer" = []), ("cookie" = [])))]
async fn leaderboard_csv(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    q: web::Query<CsvQuery>,
) -> ApiResult<HttpResponse> {
    let c = exportable(&state, &auth, &path).await?;
    let format = csv_format(&q)?;
    // A producer pages through the ranking by rank (keyset) and hands chunks to
    // the response through a small bounded channel: memory stays flat however
    // long the leaderboard is, and a slow client slows the producer down.
    let (tx, rx) = tokio::sync::mpsc::channel::<web::Bytes>(4);
    let name = content_disposition("Bảng xếp hạng", c.settings.title(), "csv");
    let reads = settled_reads(&state, &c);
    let mut pages = Leaderboard::new(state.ctx_on(&reads), c);
    tokio::spawn(async move {
        if tx.send(web::Bytes::from(format.header())).await.is_err() {
            return;
        }
        loop {
            let page = match pages.next_page().await {
                Ok(Some(p)) => p,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = ?e, "leaderboard export failed mid-stream");
                    return;
                }
            };
            let mut chunk = Vec::with_capacity(page.len() * 200);
            for r in &page {
                chunk.extend(format.row(r));
            }
            if tx.send(web::Bytes::from(chunk)).await.is_err() {
                return;
            }
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, actix_web::Error>(b), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type(CSV_CONTENT_TYPE)
        .insert_header((header::CONTENT_DISPOSITION, name))
        .streaming(body))
}

/// Where an export reads its rows: the replica once the ranking was frozen
/// longer ago than the replica may lag (it cannot miss a row then), else the
/// primary (results just computed may not have reached the replica).
fn settled_reads(state: &AppState, c: &crate::domain::contest::Contest) -> crate::store::Db {
    let margin = (state.settings.database.max_lag_seconds.max(0.0) * 1_000.0) as i64 + 1_000;
    match c.finalized_at {
        Some(at) if state.clock.now() - at > margin => state.db.lagging(),
        _ => state.db.clone(),
    }
}
