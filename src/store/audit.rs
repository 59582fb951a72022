//! The audit log: role changes, disqualifications, (un)finalizing.

use crate::domain::clock::Millis;
use crate::entities::{audit_log, contests};
use anyhow::Context;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

/// Appends one entry; runs on the connection or inside the caller's
/// transaction. A target `contest:<id>` is recorded with the contest's
/// organisation; any other with `organisation`.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor_id: &str,
    action: &str,
    target: &str,
    detail: serde_json::Value,
    organisation: Option<&str>,
    now: Millis,
) -> anyhow::Result<()> {
    let organisation = match target.strip_prefix("contest:") {
        Some(id) => contests::Entity::find_by_id(id)
            .all(conn)
            .await
            .context("reading the contest's organisation")?
            .into_iter()
            .next()
            .map(|c| c.organisation_id),
        None => organisation.map(str::to_owned),
    };
    let entry = audit_log::ActiveModel {
        // Time-ordered ids keep entries of the same millisecond in order.
        id: Set(uuid::Uuid::now_v7().to_string()),
        at: Set(now),
        actor_id: Set(actor_id.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        detail: Set(detail.to_string()),
        organisation_id: Set(organisation),
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
    pub organisation_id: Option<String>,
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
            organisation_id: r.organisation_id,
        })
        .collect())
}
