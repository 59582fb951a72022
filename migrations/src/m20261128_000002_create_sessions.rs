//! Sessions: only the SHA-256 of the token is stored.
crate::sql_migration!(
    "CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL
    )",
    "CREATE INDEX sessions_user_idx ON sessions (user_id)",
);
