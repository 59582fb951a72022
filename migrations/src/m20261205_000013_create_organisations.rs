//! Organisations: the bodies (departments, the Youth Union, …) that run
//! contests on one province's platform. The logo is kept as base64 text with
//! its content type: a few hundred kilobytes at most, and the one column type
//! SQLite and PostgreSQL share. Existing data goes into the default
//! organisation created here (the next migrations assign it).
crate::sql_migration!(
    "CREATE TABLE organisations (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        hotline TEXT NOT NULL,
        intro TEXT NOT NULL,
        logo_type TEXT,
        logo_base64 TEXT,
        logo_sha256 TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    )",
    "INSERT INTO organisations (id, slug, name, hotline, intro, logo_type, logo_base64, logo_sha256, created_at, updated_at)
     VALUES ('00000000-0000-4000-8000-000000000001', 'ban-to-chuc', 'Ban tổ chức', '', '', NULL, NULL, NULL, 0, 0)",
);
