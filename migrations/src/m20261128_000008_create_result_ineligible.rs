//! Participants left out of the prize ranking, with why.
crate::sql_migration!(
    "CREATE TABLE result_ineligible (
        contest_id TEXT NOT NULL REFERENCES contests (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        reason TEXT NOT NULL,
        attempt_id TEXT NOT NULL,
        score BIGINT NOT NULL,
        PRIMARY KEY (contest_id, user_id)
    )",
);
