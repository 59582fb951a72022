//! `review_after_final`: once the results are final, participants may see
//! the right answers of their attempts (0/1; off for existing contests).
crate::sql_migration!(
    "ALTER TABLE contests ADD COLUMN review_after_final BIGINT NOT NULL DEFAULT 0"
);
