//! Sessions: a 256-bit random token given to the client once; only its SHA-256
//! is stored, so a leaked database does not leak live sessions.

use super::users::{USER_COLUMNS, User, user_from_row};
use super::{Db, v};
use crate::domain::clock::Millis;
use anyhow::Context;
use sea_orm::ConnectionTrait;
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
    db.conn
        .execute_raw(db.stmt(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
            [v(token_hash(token)), v(user_id.to_owned()), v(now)],
        ))
        .await
        .context("creating session")?;
    Ok(())
}

/// The signed-in user for a token, if the session is alive; touches its idle
/// timer at most once a minute so reads do not all become writes.
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
    let cols: String = USER_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {cols}, s.created_at AS s_created, s.last_seen_at AS s_seen
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
    );
    let Some(row) = db
        .conn
        .query_one_raw(db.stmt(&sql, [v(hash.clone())]))
        .await
        .context("loading session")?
    else {
        return Ok(None);
    };
    let created: i64 = super::col(&row, "s_created")?;
    let seen: i64 = super::col(&row, "s_seen")?;
    if now - seen > idle_ms || now - created > absolute_ms {
        delete(db, token).await?;
        return Ok(None);
    }
    if now - seen > 60_000 {
        db.conn
            .execute_raw(db.stmt(
                "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
                [v(now), v(hash)],
            ))
            .await
            .context("touching session")?;
    }
    Ok(Some(user_from_row(&row)?))
}

pub async fn delete(db: &Db, token: &str) -> anyhow::Result<()> {
    db.conn
        .execute_raw(db.stmt(
            "DELETE FROM sessions WHERE token_hash = $1",
            [v(token_hash(token))],
        ))
        .await
        .context("deleting session")?;
    Ok(())
}

/// Removes expired sessions (called by the periodic sweep).
pub async fn purge_expired(
    db: &Db,
    now: Millis,
    idle_ms: i64,
    absolute_ms: i64,
) -> anyhow::Result<u64> {
    let res = db
        .conn
        .execute_raw(db.stmt(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2",
            [v(now - idle_ms), v(now - absolute_ms)],
        ))
        .await?;
    Ok(res.rows_affected())
}
