//! Organisations (table `organisations`).

use super::{Db, StoreError, StoreResult, unique_violation};
use crate::domain::clock::Millis;
use crate::domain::ids::OrganisationId;
use crate::domain::organisation::{Logo, OrganisationPatch};
use crate::entities::{contests, organisations, users};
use anyhow::Context;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use sha2::{Digest, Sha256};

/// An organisation as the API shows it (the logo by its type and hash only).
#[derive(Clone, Debug)]
pub struct Organisation {
    pub id: OrganisationId,
    pub slug: String,
    pub name: String,
    pub hotline: String,
    pub intro: String,
    /// The logo's content type and SHA-256 (its ETag), when there is one.
    pub logo: Option<(String, String)>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

fn from_model(m: organisations::Model) -> anyhow::Result<Organisation> {
    Ok(Organisation {
        id: OrganisationId::parse(&m.id)
            .with_context(|| format!("stored organisation id {}", m.id))?,
        slug: m.slug,
        name: m.name,
        hotline: m.hotline,
        intro: m.intro,
        logo: m.logo_type.zip(m.logo_sha256),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn duplicate(e: sea_orm::DbErr, what: &'static str) -> StoreError {
    match unique_violation(&e) {
        Some(_) => StoreError::Duplicate("slug"),
        None => anyhow::Error::new(e).context(what).into(),
    }
}

pub async fn create(db: &Db, patch: &OrganisationPatch, now: Millis) -> StoreResult<Organisation> {
    let row = organisations::ActiveModel {
        id: Set(OrganisationId::new().to_string()),
        slug: Set(patch
            .slug
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default()),
        name: Set(patch.name.clone().unwrap_or_default()),
        hotline: Set(patch.hotline.clone().unwrap_or_default()),
        intro: Set(patch.intro.clone().unwrap_or_default()),
        logo_type: Set(None),
        logo_base64: Set(None),
        logo_sha256: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let m = row
        .insert(&db.conn)
        .await
        .map_err(|e| duplicate(e, "inserting organisation"))?;
    Ok(from_model(m)?)
}

async fn model(db: &Db, id: OrganisationId) -> anyhow::Result<Option<organisations::Model>> {
    // `all()`, not `one()`: see `store::contests::find`.
    let rows = organisations::Entity::find_by_id(id.to_string())
        .all(&db.conn)
        .await
        .context("loading organisation")?;
    Ok(rows.into_iter().next())
}

pub async fn find(db: &Db, id: OrganisationId) -> StoreResult<Option<Organisation>> {
    Ok(model(db, id).await?.map(from_model).transpose()?)
}

pub async fn find_by_slug(db: &Db, slug: &str) -> StoreResult<Option<Organisation>> {
    let rows = organisations::Entity::find()
        .filter(organisations::Column::Slug.eq(slug))
        .all(&db.conn)
        .await
        .context("loading organisation by slug")?;
    Ok(rows.into_iter().next().map(from_model).transpose()?)
}

/// Applies the fields given; None when there is no such organisation.
pub async fn update(
    db: &Db,
    id: OrganisationId,
    patch: &OrganisationPatch,
    now: Millis,
) -> StoreResult<Option<Organisation>> {
    let Some(m) = model(db, id).await? else {
        return Ok(None);
    };
    let mut am = m.into_active_model();
    if let Some(v) = &patch.name {
        am.name = Set(v.clone());
    }
    if let Some(v) = &patch.slug {
        am.slug = Set(v.as_str().to_owned());
    }
    if let Some(v) = &patch.hotline {
        am.hotline = Set(v.clone());
    }
    if let Some(v) = &patch.intro {
        am.intro = Set(v.clone());
    }
    am.updated_at = Set(now);
    let m = am
        .update(&db.conn)
        .await
        .map_err(|e| duplicate(e, "updating organisation"))?;
    Ok(Some(from_model(m)?))
}

/// Replaces the logo; None when there is no such organisation.
pub async fn set_logo(
    db: &Db,
    id: OrganisationId,
    logo: &Logo,
    now: Millis,
) -> StoreResult<Option<Organisation>> {
    use base64::Engine as _;
    let res = organisations::Entity::update_many()
        .col_expr(
            organisations::Column::LogoType,
            Expr::val(logo.content_type),
        )
        .col_expr(
            organisations::Column::LogoBase64,
            Expr::val(base64::engine::general_purpose::STANDARD.encode(&logo.bytes)),
        )
        .col_expr(
            organisations::Column::LogoSha256,
            Expr::val(hex::encode(Sha256::digest(&logo.bytes))),
        )
        .col_expr(organisations::Column::UpdatedAt, Expr::val(now))
        .filter(organisations::Column::Id.eq(id.to_string()))
        .exec(&db.conn)
        .await
        .context("storing logo")?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    find(db, id).await
}

/// The logo of the organisation `slug`: (content type, bytes, SHA-256).
pub async fn logo(db: &Db, slug: &str) -> StoreResult<Option<(String, Vec<u8>, String)>> {
    use base64::Engine as _;
    let rows = organisations::Entity::find()
        .filter(organisations::Column::Slug.eq(slug))
        .all(&db.conn)
        .await
        .context("loading logo")?;
    let Some(m) = rows.into_iter().next() else {
        return Ok(None);
    };
    let (Some(t), Some(b), Some(sha)) = (m.logo_type, m.logo_base64, m.logo_sha256) else {
        return Ok(None);
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b)
        .context("stored logo is not base64")?;
    Ok(Some((t, bytes, sha)))
}

/// Every organisation by name (the public list: no counts to compute).
pub async fn all(db: &Db) -> StoreResult<Vec<Organisation>> {
    let rows = organisations::Entity::find()
        .order_by_asc(organisations::Column::Name)
        .all(&db.conn)
        .await
        .context("listing organisations")?;
    Ok(rows
        .into_iter()
        .map(from_model)
        .collect::<anyhow::Result<_>>()?)
}

/// Every organisation by name, with its organisers and contests counted.
pub async fn list(db: &Db) -> StoreResult<Vec<(Organisation, i64, i64)>> {
    let rows = organisations::Entity::find()
        .order_by_asc(organisations::Column::Name)
        .all(&db.conn)
        .await
        .context("listing organisations")?;
    let organisers: Vec<(Option<String>, i64)> = users::Entity::find()
        .select_only()
        .column(users::Column::OrganisationId)
        .column_as(Expr::col(users::Column::Id).count(), "n")
        .filter(users::Column::Role.eq("organiser"))
        .group_by(users::Column::OrganisationId)
        .into_tuple()
        .all(&db.conn)
        .await
        .context("counting organisers")?;
    let contests: Vec<(String, i64)> = contests::Entity::find()
        .select_only()
        .column(contests::Column::OrganisationId)
        .column_as(Expr::col(contests::Column::Id).count(), "n")
        .group_by(contests::Column::OrganisationId)
        .into_tuple()
        .all(&db.conn)
        .await
        .context("counting contests")?;
    let count_of = |id: &str| -> (i64, i64) {
        (
            organisers
                .iter()
                .find(|(o, _)| o.as_deref() == Some(id))
                .map_or(0, |(_, n)| *n),
            contests
                .iter()
                .find(|(o, _)| o == id)
                .map_or(0, |(_, n)| *n),
        )
    };
    rows.into_iter()
        .map(|m| {
            let (o, c) = count_of(&m.id);
            Ok((from_model(m)?, o, c))
        })
        .collect::<anyhow::Result<_>>()
        .map_err(Into::into)
}
