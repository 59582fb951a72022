//! One-time codes and the per-phone request counters (table `phone_codes`).
//!
//! Every decision that must hold under concurrency is one conditional UPDATE:
//! admitting a request (the resend gap and the daily cap), spending a check
//! (never more than the allowed number, even when checks race), and using a
//! code (once). A read follows only to explain a refusal.

use super::{Db, StoreResult, col, v};
use crate::domain::clock::Millis;
use crate::domain::otp::{self, Code, DAY_MS, Purpose, Rejection, Requests, Rules, Stored};
use crate::entities::phone_codes;
use anyhow::Context;
use sea_orm::{ConnectionTrait, EntityTrait};

/// A fresh random salt, hex.
fn salt() -> String {
    let mut b = [0u8; 16];
    rand::fill(&mut b);
    hex::encode(b)
}

/// Records a code request for `phone` and, when the phone's limits admit it,
/// replaces its code with `code`. Err(milliseconds to wait) otherwise.
// hand-written: ON CONFLICT DO NOTHING and a CASE-bearing conditional UPDATE,
// so the admission is one statement whatever runs beside it. Both run in one
// write transaction: a first request's new row must not be seen half-made
// (its counters still zero) by anything in between, such as the purge.
pub async fn request(
    db: &Db,
    phone: &str,
    purpose: Purpose,
    code: &Code,
    now: Millis,
    rules: &Rules,
) -> StoreResult<Result<(), Millis>> {
    let (_turn, tx) = db.write().await?;
    tx.execute_raw(db.stmt(
        "INSERT INTO phone_codes (phone, purpose, salt, code_hash, issued_at, expires_at, checks,
                used_at, issued_by, last_request_at, requests_since, requests)
             VALUES ($1, $2, '', '', 0, 0, 0, NULL, NULL, 0, $3, 0)
             ON CONFLICT (phone) DO NOTHING",
        [v(phone), v(purpose.as_str()), v(now)],
    ))
    .await
    .context("creating phone code row")?;
    let salt = salt();
    let admitted = tx
        .execute_raw(db.stmt(
            "UPDATE phone_codes SET purpose = $2, salt = $3, code_hash = $4, issued_at = $5,
                expires_at = $6, checks = 0, used_at = NULL, issued_by = NULL, last_request_at = $5,
                requests = CASE WHEN requests_since <= $7 THEN 1 ELSE requests + 1 END,
                requests_since = CASE WHEN requests_since <= $7 THEN $5 ELSE requests_since END
             WHERE phone = $1 AND last_request_at <= $8 AND (requests_since <= $7 OR requests < $9)",
            [
                v(phone),
                v(purpose.as_str()),
                v(salt.clone()),
                v(otp::hash(&salt, phone, purpose, code)),
                v(now),
                v(now + rules.ttl_ms),
                v(now - DAY_MS),
                v(now - rules.resend_ms),
                v(rules.per_day),
            ],
        ))
        .await
        .context("admitting a code request")?
        .rows_affected()
        == 1;
    tx.commit().await.context("committing a code request")?;
    if admitted {
        return Ok(Ok(()));
    }
    let row = find(db, phone).await?;
    let wait = row.map_or(1_000, |r| {
        otp::wait_before_request(
            &Requests {
                last_request_at: r.last_request_at,
                since: r.requests_since,
                count: r.requests,
            },
            now,
            rules,
        )
    });
    Ok(Err(wait.max(1_000)))
}

/// Gives `phone` a reset code issued by a member of staff, outside the SMS
/// limits (no message is sent); replaces any live code. Runs in the caller's
/// transaction, beside its audit entry.
pub async fn issue_by_staff<C: ConnectionTrait>(
    c: &C,
    phone: &str,
    code: &Code,
    issued_by: &str,
    now: Millis,
    expires_at: Millis,
) -> StoreResult<()> {
    let salt = salt();
    let hash = otp::hash(&salt, phone, Purpose::Reset, code);
    c.execute_raw(super::stmt(
        c,
        "INSERT INTO phone_codes (phone, purpose, salt, code_hash, issued_at, expires_at, checks,
            used_at, issued_by, last_request_at, requests_since, requests)
         VALUES ($1, 'reset', $2, $3, $4, $5, 0, NULL, $6, 0, $4, 0)
         ON CONFLICT (phone) DO UPDATE SET purpose = 'reset', salt = excluded.salt,
            code_hash = excluded.code_hash, issued_at = excluded.issued_at,
            expires_at = excluded.expires_at, checks = 0, used_at = NULL,
            issued_by = excluded.issued_by",
        [
            v(phone),
            v(salt),
            v(hash),
            v(now),
            v(expires_at),
            v(issued_by),
        ],
    ))
    .await
    .context("issuing a staff reset code")?;
    Ok(())
}

/// A code that matched: which stored code it was, to use it exactly once.
#[derive(Debug)]
pub struct Verified {
    code_hash: String,
}

/// Spends one check of `phone`'s live code for `purpose` and compares it.
pub async fn check(
    db: &Db,
    phone: &str,
    purpose: Purpose,
    code: &Code,
    now: Millis,
    rules: &Rules,
) -> StoreResult<Result<Verified, Rejection>> {
    // hand-written: UPDATE … RETURNING, so spending the check and reading what
    // to compare are one statement (two concurrent checks cannot both be the 5th).
    let spent = db
        .conn
        .query_one_raw(db.stmt(
            "UPDATE phone_codes SET checks = checks + 1
             WHERE phone = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 AND checks < $4
             RETURNING salt, code_hash, checks",
            [v(phone), v(purpose.as_str()), v(now), v(rules.max_checks)],
        ))
        .await
        .context("spending a code check")?;
    let Some(row) = spent else {
        let rejection = match find(db, phone).await? {
            None => Rejection::Missing,
            Some(r) => {
                let stored = Stored {
                    purpose_matches: r.purpose == purpose.as_str(),
                    used: r.used_at.is_some(),
                    expires_at: r.expires_at,
                    checks: r.checks,
                };
                // Admissible now means it changed in between: nothing to check.
                otp::admit_check(&stored, now, rules)
                    .err()
                    .unwrap_or(Rejection::Missing)
            }
        };
        return Ok(Err(rejection));
    };
    let salt: String = col(&row, "salt")?;
    let stored: String = col(&row, "code_hash")?;
    let checks: i64 = col(&row, "checks")?;
    if otp::same_hash(&stored, &otp::hash(&salt, phone, purpose, code)) {
        Ok(Ok(Verified { code_hash: stored }))
    } else {
        Ok(Err(Rejection::Wrong {
            tries_left: (rules.max_checks - checks).max(0),
        }))
    }
}

/// Uses a verified code, once: false when it was used (or replaced) meanwhile.
pub async fn consume<C: ConnectionTrait>(
    c: &C,
    phone: &str,
    verified: &Verified,
    now: Millis,
) -> StoreResult<bool> {
    let res = c
        .execute_raw(super::stmt(
            c,
            "UPDATE phone_codes SET used_at = $3
             WHERE phone = $1 AND code_hash = $2 AND used_at IS NULL",
            [v(phone), v(verified.code_hash.clone()), v(now)],
        ))
        .await
        .context("using a code")?;
    Ok(res.rows_affected() == 1)
}

async fn find(db: &Db, phone: &str) -> anyhow::Result<Option<phone_codes::Model>> {
    // `all()`, not `one()`: see `store::contests::find`.
    let rows = phone_codes::Entity::find_by_id(phone)
        .all(&db.conn)
        .await
        .context("reading phone code")?;
    Ok(rows.into_iter().next())
}

/// Removes rows with nothing left to say: codes long dead and counters of
/// phones quiet for a day (called by the periodic sweep).
pub async fn purge(db: &Db, now: Millis) -> anyhow::Result<u64> {
    let res = db
        .conn
        .execute_raw(db.stmt(
            "DELETE FROM phone_codes
             WHERE expires_at < $1 AND last_request_at < $1 AND requests_since < $1",
            [v(now - DAY_MS)],
        ))
        .await
        .context("purging phone codes")?;
    Ok(res.rows_affected())
}
