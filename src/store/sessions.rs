//! Sessions: a 256-bit random token given to the client once; only its SHA-256
//! is stored, so a leaked database does not leak live sessions.

use super::Db;
use super::users::User;
use crate::domain::clock::Millis;
use crate::entities::{sessions, users};
use anyhow::Context;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

/// A fresh token: 32 random bytes from the OS, hex-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn create(db: &Db, user_id: &str, token: &str, now: Millis) -> anyhow::Result<()> {
    let row = sessions::ActiveModel {
        token_hash: Set(token_hash(token)),
        user_id: Set(user_id.to_owned()),
        created_at: Set(now),
        last_seen_at: Set(now),
    };
    sessions::Entity::insert(row)
        .exec_without_returning(&db.conn)
        .await
        .context("creating session")?;
    Ok(())
}

/// The signed-in user for a token, if the session is alive; touches its idle
/// timer at most once a minute so reads do not all become writes.
///
/// Runs on every authenticated request: the session and its user come in one
/// query (a join), and the touch is the only write.
pub async fn lookup(
    db: &Db,
    token: &str,
    now: Millis,
    idle_ms: i64,
    absolute_ms: i64,
) -> anyhow::Result<Option<User>> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = token_hash(token);
    // `all`, not `one`: the key matches at most one row, and the bound LIMIT
    // that `one` adds made this join's statement twice as slow on SQLite
    // (release build: ~27 µs without it, ~60 µs with it).
    let found = sessions::Entity::find_by_id(hash.clone())
        .find_also_related(users::Entity)
        .all(&db.conn)
        .await
        .context("loading session")?;
    // The foreign key keeps every session's user; a missing one reads as no session.
    let Some((session, Some(user))) = found.into_iter().next() else {
        return Ok(None);
    };
    if now - session.last_seen_at > idle_ms || now - session.created_at > absolute_ms {
        delete(db, token).await?;
        return Ok(None);
    }
    if now - session.last_seen_at > 60_000 {
        sessions::Entity::update_many()
            .col_expr(sessions::Column::LastSeenAt, Expr::val(now))
            .filter(sessions::Column::TokenHash.eq(hash))
            .exec(&db.conn)
            .await
            .context("touching session")?;
    }
    Ok(Some(user.into()))
}

pub async fn delete(db: &Db, token: &str) -> anyhow::Result<()> {
    sessions::Entity::delete_by_id(token_hash(token))
        .exec(&db.conn)
        .await
        .context("deleting session")?;
    Ok(())
}

/// Ends every session of `user_id`, except the one of `keep` (its token).
pub async fn delete_for_user<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: &str,
    keep: Option<&str>,
) -> anyhow::Result<u64> {
    let mut which = Condition::all().add(sessions::Column::UserId.eq(user_id));
    if let Some(token) = keep {
        which = which.add(sessions::Column::TokenHash.ne(token_hash(token)));
    }
    let res = sessions::Entity::delete_many()
        .filter(which)
        .exec(c)
        .await
        .context("ending sessions")?;
    Ok(res.rows_affected)
}

/// Removes expired sessions (called by the periodic sweep).
pub async fn purge_expired(
    db: &Db,
    now: Millis,
    idle_ms: i64,
    absolute_ms: i64,
) -> anyhow::Result<u64> {
    let res = sessions::Entity::delete_many()
        .filter(
            Condition::any()
                .add(sessions::Column::LastSeenAt.lt(now - idle_ms))
                .add(sessions::Column::CreatedAt.lt(now - absolute_ms)),
        )
        .exec(&db.conn)
        .await?;
    Ok(res.rows_affected)
}
