//! An organiser belongs to exactly one organisation; existing organisers join
//! the default one. Null for participants and admins (admins act on all).
//! No foreign key: SQLite cannot add one to an existing table; the use cases
//! only ever store ids of existing organisations.
crate::sql_migration!(
    "ALTER TABLE users ADD COLUMN organisation_id TEXT",
    "UPDATE users SET organisation_id = '00000000-0000-4000-8000-000000000001' WHERE role = 'organiser'",
);
