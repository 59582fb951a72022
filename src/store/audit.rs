//! The audit log: role changes, disqualifications, (un)finalizing.

use super::v;
use crate::domain::clock::Millis;
use anyhow::Context;
use sea_orm::{ConnectionTrait, Statement};

/// Appends one entry; runs on the connection or inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor_id: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    now: Millis,
) -> anyhow::Result<()> {
    let stmt = Statement::from_sql_and_values(
        conn.get_database_backend(),
        "INSERT INTO audit_log (id, at, actor_id, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        [
            // Time-ordered ids keep entries of the same millisecond in order.
            v(uuid::Uuid::now_v7().to_string()),
            v(now),
            v(actor_id.to_owned()),
            v(action.to_owned()),
            v(target.to_owned()),
            v(detail.to_string()),
        ],
    );
    conn.execute_raw(stmt).await.context("writing audit log")?;
    Ok(())
}

#[derive(Debug, serde::Serialize)]
pub struct Entry {
    pub at: Millis,
    pub actor_id: String,
    pub action: String,
    pub target: String,
    pub detail: serde_json::Value,
}

pub async fn list<C: ConnectionTrait>(conn: &C, target: &str) -> anyhow::Result<Vec<Entry>> {
    let stmt = Statement::from_sql_and_values(
        conn.get_database_backend(),
        "SELECT at, actor_id, action, target, detail FROM audit_log WHERE target = $1 ORDER BY at, id",
        [v(target.to_owned())],
    );
    let rows = conn
        .query_all_raw(stmt)
        .await
        .context("reading audit log")?;
    rows.iter()
        .map(|r| {
            let detail: String = super::col(r, "detail")?;
            Ok(Entry {
                at: super::col(r, "at")?,
                actor_id: super::col(r, "actor_id")?,
                action: super::col(r, "action")?,
                target: super::col(r, "target")?,
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            })
        })
        .collect()
}
