//! Addresses after the 2025 reform: the official province and commune codes
//! beside the names. Both are null for an address written as free text (a
//! legacy address, from before the reform or not found in the divisions).
//! One ALTER per statement: SQLite takes one change at a time.
crate::sql_migration!(
    "ALTER TABLE users ADD COLUMN province_code TEXT",
    "ALTER TABLE users ADD COLUMN commune_code TEXT",
);
