//! Accounts. Phone and national ID are stored normalised, so the unique indexes
//! catch "+84 912…" and "0912…" as the same person.
crate::sql_migration!(
    "CREATE TABLE users (
        id TEXT PRIMARY KEY,
        phone TEXT NOT NULL,
        national_id TEXT,
        password_hash TEXT NOT NULL,
        full_name TEXT NOT NULL,
        province TEXT NOT NULL,
        district TEXT,
        commune TEXT NOT NULL,
        hamlet TEXT NOT NULL,
        date_of_birth TEXT,
        role TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    "CREATE UNIQUE INDEX users_phone_key ON users (phone)",
    "CREATE UNIQUE INDEX users_national_id_key ON users (national_id)",
    "CREATE INDEX users_full_name_idx ON users (full_name)",
);
