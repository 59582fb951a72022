//! Autosaved answers, one row per question: an autosave is an upsert, so two
//! concurrent saves never overwrite each other's other answers.
crate::sql_migration!(
    "CREATE TABLE attempt_answers (
        attempt_id TEXT NOT NULL REFERENCES attempts (id),
        question_id TEXT NOT NULL,
        contest_id TEXT NOT NULL,
        option_id BIGINT NOT NULL,
        correct BIGINT,
        saved_at BIGINT NOT NULL,
        PRIMARY KEY (attempt_id, question_id)
    )",
    "CREATE INDEX attempt_answers_contest_question_idx ON attempt_answers (contest_id, question_id)",
);
