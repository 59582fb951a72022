//! The audit log: role changes, disqualifications, (un)finalizing.

use crate::domain::clock::Millis;
use crate::entities::audit_log;
use anyhow::Context;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

/// Appends one entry; runs on the connection or inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor_id: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    now: Millis,
) -> anyhow::Result<()> {
    let entry = audit_log::ActiveModel {
        // Time-ordered ids keep entries of the same millisecond in order.
        id: Set(uuid::Uuid::now_v7().to_string()),
        at: Set(now),
        actor_id: Set(actor_id.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        detail: Set(detail.to_string()),
    };
    audit_log::Entity::insert(entry)
        .exec_without_returning(conn)
        .await
        .context("writing audit log")?;
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
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::Target.eq(target))
        .order_by_asc(audit_log::Column::At)
        .order_by_asc(audit_log::Column::Id)
        .all(conn)
        .await
        .context("reading audit log")?;
    Ok(rows
        .into_iter()
        .map(|r| Entry {
            at: r.at,
            actor_id: r.actor_id,
            action: r.action,
            target: r.target,
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
        })
        .collect())
}
