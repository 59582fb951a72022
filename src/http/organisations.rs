//! Organisations: the admin's routes to create and edit them, and the public
//! pages (an organisation, its logo, the list the home page groups by).

use super::error::{ApiError, ApiResult};
use super::extract::{ApiJson, Auth, media_type, read_body};
use super::openapi::{ErrorBody, errors};
use super::{AppState, parse_id, views};
use crate::domain::Text;
use crate::domain::ids::OrganisationId;
use crate::domain::organisation::{LOGO_MAX_BYTES, Logo, OrganisationPatch};
use crate::store::contests as store_contests;
use crate::store::organisations as store;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/organisations", web::post().to(create))
        .route("/admin/organisations", web::get().to(list_admin))
        .route("/admin/organisations/{id}", web::patch().to(edit))
        .route("/admin/organisations/{id}/logo", web::put().to(set_logo))
        .route("/organisations", web::get().to(list))
        .route("/organisations/{slug}", web::get().to(page))
        .route("/organisations/{slug}/logo", web::get().to(logo));
}

/// An organisation's fields; all required to create one, any to edit.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationBody {
    /// 2–200 characters, e.g. "Đoàn Thanh niên tỉnh Đồng Tháp".
    pub name: Option<String>,
    /// 2–60 lower-case letters, digits and single dashes: the page is `/o/{slug}`.
    pub slug: Option<String>,
    /// The number citizens call, up to 40 characters.
    pub hotline: Option<String>,
    /// A short introduction, up to 5,000 characters.
    pub intro: Option<String>,
}

impl OrganisationBody {
    fn parse(&self, creating: bool) -> Result<OrganisationPatch, ApiError> {
        OrganisationPatch::parse(
            self.name.as_deref(),
            self.slug.as_deref(),
            self.hotline.as_deref(),
            self.intro.as_deref(),
            creating,
        )
        .map_err(ApiError::Validation)
    }
}

fn slug_taken(e: crate::store::StoreError) -> ApiError {
    match e {
        crate::store::StoreError::Duplicate(_) => ApiError::Conflict {
            code: "slug_taken",
            message: Text::new(
                "Đường dẫn này đã có đơn vị khác dùng",
                "another organisation has this slug",
            ),
            field: Some("slug".to_owned()),
        },
        e => e.into(),
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/admin/organisations",
    operation_id = "create_organisation",
    tag = "admins",
    request_body = OrganisationBody,
    responses((status = 201, description = "the new organisation", body = views::OrganisationEnvelope),
        errors::AdminWrite),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<OrganisationBody>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let patch = body.into_inner().await?.parse(true)?;
    let o = store::create(&state.db, &patch, state.clock.now())
        .await
        .map_err(slug_taken)?;
    Ok(HttpResponse::Created().json(views::OrganisationEnvelope {
        organisation: (&o).into(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/admin/organisations",
    operation_id = "list_organisations_admin",
    tag = "admins",
    responses((status = 200, description = "every organisation, by name, with its organisers and contests counted", body = views::OrganisationAdminList),
        errors::Admin),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn list_admin(state: web::Data<AppState>, auth: Auth) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let all = store::list(&state.db).await?;
    Ok(HttpResponse::Ok().json(views::OrganisationAdminList {
        organisations: all
            .iter()
            .map(|(o, organisers, contests)| views::OrganisationAdminView {
                organisation: o.into(),
                organisers: *organisers,
                contests: *contests,
            })
            .collect(),
    }))
}

#[utoipa::path(
    patch,
    path = "/api/v1/admin/organisations/{id}",
    operation_id = "edit_organisation",
    tag = "admins",
    request_body = OrganisationBody,
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the organisation as edited", body = views::OrganisationEnvelope),
        errors::AdminWrite),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn edit(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<String>,
    body: ApiJson<OrganisationBody>,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let id: OrganisationId = parse_id(&path)?;
    if store::find(&state.db, id).await?.is_none() {
        return Err(ApiError::NotFound("organisation"));
    }
    let patch = body.into_inner().await?.parse(false)?;
    let o = store::update(&state.db, id, &patch, state.clock.now())
        .await
        .map_err(slug_taken)?
        .ok_or(ApiError::NotFound("organisation"))?;
    Ok(HttpResponse::Ok().json(views::OrganisationEnvelope {
        organisation: (&o).into(),
    }))
}

#[utoipa::path(
    put,
    path = "/api/v1/admin/organisations/{id}/logo",
    operation_id = "set_organisation_logo",
    tag = "admins",
    request_body(content = Vec<u8>, content_type = "image/png", description = "a PNG, JPEG or WebP image (judged by its bytes), at most 256 KB"),
    params(("id" = String, Path, description = "the id")),
    responses((status = 200, description = "the organisation with its new logo", body = views::OrganisationEnvelope),
        errors::AdminWrite),
    security(("bearer" = []), ("cookie" = [])),
)]
async fn set_logo(
    state: web::Data<AppState>,
    auth: Auth,
    req: HttpRequest,
    path: web::Path<String>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    auth.require_admin()?;
    let id: OrganisationId = parse_id(&path)?;
    if store::find(&state.db, id).await?.is_none() {
        return Err(ApiError::NotFound("organisation"));
    }
    if !media_type(&req).is_some_and(|m| m.starts_with("image/")) {
        return Err(ApiError::UnsupportedMediaType(Text::new(
            "Hãy gửi ảnh (image/png, image/jpeg hoặc image/webp)",
            "send the image as image/png, image/jpeg or image/webp",
        )));
    }
    let bytes = read_body(&mut payload, LOGO_MAX_BYTES + 1).await;
    let bytes = match bytes {
        Err(ApiError::PayloadTooLarge) => vec![0; LOGO_MAX_BYTES + 1],
        other => other?.to_vec(),
    };
    let logo = Logo::parse(bytes)?;
    let o = store::set_logo(&state.db, id, &logo, state.clock.now())
        .await?
        .ok_or(ApiError::NotFound("organisation"))?;
    Ok(HttpResponse::Ok().json(views::OrganisationEnvelope {
        organisation: (&o).into(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/organisations",
    operation_id = "list_organisations",
    tag = "contests",
    responses((status = 200, description = "every organisation, by name (the home page groups contests by them)", body = views::OrganisationList)),
)]
async fn list(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let all = store::all(&state.db).await?;
    Ok(HttpResponse::Ok().json(views::OrganisationList {
        organisations: all.iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/organisations/{slug}",
    operation_id = "organisation_page",
    tag = "contests",
    params(("slug" = String, Path, description = "the organisation's slug")),
    responses((status = 200, description = "the organisation and its published contests", body = views::OrganisationPage),
        errors::PublicRead),
)]
async fn page(state: web::Data<AppState>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let o = store::find_by_slug(&state.db, &path)
        .await?
        .ok_or(ApiError::NotFound("organisation"))?;
    let now = state.clock.now();
    let contests = store_contests::list(&state.db, false)
        .await?
        .iter()
        .filter(|c| c.organisation_id == o.id)
        .map(|c| views::ContestView::new(c, now, false).without_rules())
        .collect();
    Ok(HttpResponse::Ok().json(views::OrganisationPage {
        organisation: (&o).into(),
        contests,
    }))
}

#[utoipa::path(
    get,
    path = "/api/v1/organisations/{slug}/logo",
    operation_id = "organisation_logo",
    tag = "contests",
    params(("slug" = String, Path, description = "the organisation's slug")),
    responses((status = 200, description = "the logo, with its content type; cacheable (ETag)", content_type = "image/png", body = Vec<u8>),
        (status = 304, description = "not modified (If-None-Match)"),
        (status = 404, description = "no such organisation, or no logo", body = ErrorBody)),
)]
async fn logo(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let (content_type, bytes, sha) = store::logo(&state.db, &path)
        .await?
        .ok_or(ApiError::NotFound("organisation"))?;
    let etag = format!("\"{sha}\"");
    let cache = (header::CACHE_CONTROL, "public, max-age=86400");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if matches {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header(cache)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::ETAG, etag))
        .insert_header(cache)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}
