//! A contest belongs to its creator's organisation; existing contests join
//! the default one.
crate::sql_migration!(
    "ALTER TABLE contests ADD COLUMN organisation_id TEXT NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001'",
    "CREATE INDEX contests_organisation_idx ON contests (organisation_id)",
);
