//! Who did what, when and why: role changes, disqualifications, (un)finalizing.
crate::sql_migration!(
    "CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        at BIGINT NOT NULL,
        actor_id TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL
    )",
    "CREATE INDEX audit_log_at_idx ON audit_log (at)",
);
