//! Sign-in through a citizen app (OpenID Connect).
//!
//! `oidc_logins`: a sign-in sent to the provider and not yet back, keyed by
//! the SHA-256 of its `state` (the browser holds the state itself in a
//! cookie); its PKCE verifier and nonce; used once, then deleted.
//! `oidc_signups`: a person the provider signed in who has no account yet
//! and must add what the claims lacked (a phone, an address), keyed by the
//! SHA-256 of a token in a cookie; the checked claims as JSON.
//! `identities`: which account a provider's subject signs in to.
crate::sql_migration!(
    "CREATE TABLE oidc_logins (
        state_hash TEXT PRIMARY KEY,
        verifier TEXT NOT NULL,
        nonce TEXT NOT NULL,
        next_path TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    "CREATE INDEX oidc_logins_created_at ON oidc_logins (created_at)",
    "CREATE TABLE oidc_signups (
        token_hash TEXT PRIMARY KEY,
        claims TEXT NOT NULL,
        next_path TEXT NOT NULL,
        created_at BIGINT NOT NULL
    )",
    "CREATE INDEX oidc_signups_created_at ON oidc_signups (created_at)",
    "CREATE TABLE identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL REFERENCES users (id),
        created_at BIGINT NOT NULL,
        PRIMARY KEY (issuer, subject)
    )",
    "CREATE INDEX identities_user_id ON identities (user_id)",
);
