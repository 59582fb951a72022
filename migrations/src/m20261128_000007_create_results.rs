//! The stored ranking: one row per ranked participant.
crate::sql_migration!(
    "CREATE TABLE results (
        contest_id TEXT NOT NULL REFERENCES contests (id),
        rank BIGINT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users (id),
        attempt_id TEXT NOT NULL,
        score BIGINT NOT NULL,
        question_count BIGINT NOT NULL,
        prediction BIGINT,
        prediction_error BIGINT,
        duration_ms BIGINT NOT NULL,
        submitted_at BIGINT NOT NULL,
        decided_by TEXT,
        prize_index BIGINT,
        PRIMARY KEY (contest_id, rank)
    )",
);
