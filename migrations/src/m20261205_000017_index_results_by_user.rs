//! A person's own row of a ranking (`GET /contests/{id}/my-result`), read by
//! every participant once results are final: by index, not by a scan of the
//! contest's ranking. One row per ranked person, so the index is unique.
crate::sql_migration!(
    "CREATE UNIQUE INDEX results_contest_user_idx ON results (contest_id, user_id)"
);
