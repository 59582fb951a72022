//! Sign-ins through a citizen app: the pending ones (`oidc_logins`), the
//! people who must still complete an account (`oidc_signups`), and which
//! account a provider's subject signs in to (`identities`).
//!
//! A state or sign-up token is stored as its SHA-256 only (the browser holds
//! it), and is used once: taking it is a conditional DELETE, so of two
//! requests racing with the same one exactly one gets it.

use super::{Db, StoreError, StoreResult, unique_violation};
use crate::domain::clock::Millis;
use crate::entities::{identities, oidc_logins, oidc_signups};
use crate::store::sessions::token_hash;
use crate::store::users::{self, User};
use anyhow::Context;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// A sign-in sent to the provider lives this long (milliseconds)...
pub const LOGIN_TTL_MS: Millis = 10 * 60 * 1_000;
/// ...and a person completing an account has this long.
pub const SIGNUP_TTL_MS: Millis = 30 * 60 * 1_000;

/// What the callback needs of the sign-in it ends.
pub struct Pending {
    pub verifier: String,
    pub nonce: String,
    pub next_path: String,
}

pub async fn begin(
    db: &Db,
    state: &str,
    verifier: &str,
    nonce: &str,
    next_path: &str,
    now: Millis,
) -> anyhow::Result<()> {
    let (_turn, tx) = db.write().await?;
    // Sign-ins never ended (the person closed the tab) go with each new one.
    oidc_logins::Entity::delete_many()
        .filter(oidc_logins::Column::CreatedAt.lt(now - LOGIN_TTL_MS))
        .exec(&tx)
        .await
        .context("purging old sign-ins")?;
    oidc_logins::Entity::insert(oidc_logins::ActiveModel {
        state_hash: Set(token_hash(state)),
        verifier: Set(verifier.to_owned()),
        nonce: Set(nonce.to_owned()),
        next_path: Set(next_path.to_owned()),
        created_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await
    .context("storing a sign-in")?;
    tx.commit().await.context("storing a sign-in")?;
    Ok(())
}

/// Takes the live sign-in of `state`, once: none when it is unknown,
/// expired, or already taken.
pub async fn take_login(db: &Db, state: &str, now: Millis) -> anyhow::Result<Option<Pending>> {
    let hash = token_hash(state);
    let found = oidc_logins::Entity::find_by_id(hash.clone())
        .all(&db.conn)
        .await
        .context("reading a sign-in")?;
    let Some(row) = found.into_iter().next() else {
        return Ok(None);
    };
    let (_turn, tx) = db.write().await?;
    let taken = oidc_logins::Entity::delete_many()
        .filter(oidc_logins::Column::StateHash.eq(hash))
        .exec(&tx)
        .await
        .context("taking a sign-in")?
        .rows_affected;
    tx.commit().await.context("taking a sign-in")?;
    Ok(
        (taken == 1 && row.created_at > now - LOGIN_TTL_MS).then_some(Pending {
            verifier: row.verifier,
            nonce: row.nonce,
            next_path: row.next_path,
        }),
    )
}

/// The account a provider's subject signs in to.
pub async fn linked(db: &Db, issuer: &str, subject: &str) -> anyhow::Result<Option<User>> {
    let found = identities::Entity::find_by_id((issuer.to_owned(), subject.to_owned()))
        .all(&db.conn)
        .await
        .context("reading an identity")?;
    match found.into_iter().next() {
        Some(row) => users::find(db, &row.user_id).await,
        None => Ok(None),
    }
}

/// Links a subject to an account, inside the caller's transaction. A
/// subject already linked (a concurrent first sign-in) is `Duplicate`.
pub async fn link<C: sea_orm::ConnectionTrait>(
    c: &C,
    issuer: &str,
    subject: &str,
    user_id: &str,
    now: Millis,
) -> StoreResult<()> {
    let row = identities::ActiveModel {
        issuer: Set(issuer.to_owned()),
        subject: Set(subject.to_owned()),
        user_id: Set(user_id.to_owned()),
        created_at: Set(now),
    };
    match identities::Entity::insert(row)
        .exec_without_returning(c)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if unique_violation(&e).is_some() => Err(StoreError::Duplicate("subject")),
        Err(e) => Err(anyhow::Error::new(e).context("linking an identity").into()),
    }
}

/// Keeps a person's checked claims while they complete an account.
pub async fn save_signup(
    db: &Db,
    token: &str,
    claims: &str,
    next_path: &str,
    now: Millis,
) -> anyhow::Result<()> {
    let (_turn, tx) = db.write().await?;
    oidc_signups::Entity::delete_many()
        .filter(oidc_signups::Column::CreatedAt.lt(now - SIGNUP_TTL_MS))
        .exec(&tx)
        .await
        .context("purging old sign-ups")?;
    oidc_signups::Entity::insert(oidc_signups::ActiveModel {
        token_hash: Set(token_hash(token)),
        claims: Set(claims.to_owned()),
        next_path: Set(next_path.to_owned()),
        created_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await
    .context("storing a sign-up")?;
    tx.commit().await.context("storing a sign-up")?;
    Ok(())
}

/// The live sign-up of `token`: its claims (JSON) and where to go after.
pub async fn signup(db: &Db, token: &str, now: Millis) -> anyhow::Result<Option<(String, String)>> {
    let found = oidc_signups::Entity::find_by_id(token_hash(token))
        .all(&db.conn)
        .await
        .context("reading a sign-up")?;
    Ok(found
        .into_iter()
        .next()
        .filter(|r| r.created_at > now - SIGNUP_TTL_MS)
        .map(|r| (r.claims, r.next_path)))
}

/// Ends a sign-up inside the caller's transaction; false when another
/// request ended it first.
pub async fn end_signup<C: sea_orm::ConnectionTrait>(c: &C, token: &str) -> anyhow::Result<bool> {
    let gone = oidc_signups::Entity::delete_many()
        .filter(oidc_signups::Column::TokenHash.eq(token_hash(token)))
        .exec(c)
        .await
        .context("ending a sign-up")?
        .rows_affected;
    Ok(gone == 1)
}
