//! Disqualified participants of a contest.
crate::sql_migration!(
    "CREATE TABLE disqualifications (
        contest_id TEXT NOT NULL REFERENCES contests (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        reason TEXT NOT NULL,
        by_user TEXT NOT NULL,
        at BIGINT NOT NULL,
        PRIMARY KEY (contest_id, user_id)
    )",
);
