//! Attempts. The unique (contest, user, seq) index caps attempts at max_attempts
//! under concurrent starts; the partial index allows one open attempt per person;
//! `status = 'open'` guards the one conditional UPDATE that scores an attempt.
crate::sql_migration!(
    "CREATE TABLE attempts (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests (id),
        user_id TEXT NOT NULL REFERENCES users (id),
        seq BIGINT NOT NULL,
        status TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        deadline BIGINT NOT NULL,
        submitted_at BIGINT,
        score BIGINT,
        question_count BIGINT NOT NULL,
        prediction BIGINT,
        paper TEXT NOT NULL
    )",
    "CREATE UNIQUE INDEX attempts_user_seq_key ON attempts (contest_id, user_id, seq)",
    "CREATE UNIQUE INDEX attempts_one_open_key ON attempts (contest_id, user_id) WHERE status = 'open'",
    "CREATE INDEX attempts_open_deadline_idx ON attempts (deadline) WHERE status = 'open'",
    "CREATE INDEX attempts_contest_status_idx ON attempts (contest_id, status)",
);
