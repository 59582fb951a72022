//! One-time codes that prove a phone is its owner's: at most one live code
//! per phone (a new one replaces the old), stored as a salted SHA-256, with
//! the checks it has had; and the phone's request counters (the 60-second
//! resend gap and the daily cap), kept on the same row so that one
//! conditional UPDATE both admits a request and issues its code.
crate::sql_migration!(
    "CREATE TABLE phone_codes (
        phone TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        salt TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        issued_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        checks BIGINT NOT NULL,
        used_at BIGINT,
        issued_by TEXT,
        last_request_at BIGINT NOT NULL,
        requests_since BIGINT NOT NULL,
        requests BIGINT NOT NULL
    )",
);
