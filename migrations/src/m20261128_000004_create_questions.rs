//! The question bank. `options` is a JSON array of {id, text}; option ids are
//! random per option so an id never hints at which option is right.
crate::sql_migration!(
    "CREATE TABLE questions (
        id TEXT PRIMARY KEY,
        contest_id TEXT NOT NULL REFERENCES contests (id) ON DELETE CASCADE,
        position BIGINT NOT NULL,
        text TEXT NOT NULL,
        options TEXT NOT NULL,
        correct_option BIGINT NOT NULL,
        category TEXT
    )",
    "CREATE UNIQUE INDEX questions_contest_position_key ON questions (contest_id, position)",
);
