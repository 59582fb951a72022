//! The one seam to a citizen app's OpenID Connect provider (`auth.oidc`).
//!
//! Built on the `openidconnect` crate: discovery, the authorization code flow
//! with PKCE, state and nonce, and the ID token's checks (signature against
//! the provider's published keys, issuer, audience, expiry, nonce) are its
//! code, not ours. What is ours: the provider's metadata and keys are fetched
//! on first use (a provider that is down does not stop the service from
//! starting) and kept `metadata_ttl_seconds`; a token whose signature the
//! kept keys do not verify has them fetched again once, which is how a key
//! rotation at the provider is followed; expiry allows a minute of clock
//! skew; and every failure is one of a few kinds a citizen can be told about.

use crate::settings::{OidcSettings, Settings};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Expired tokens are accepted this long after their `exp` (clock skew).
const SKEW_SECONDS: i64 = 60;

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in through the provider failed.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The provider did not answer, or answered what is not OpenID Connect.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code (used already, expired, or not ours).
    #[error("code refused: {0}")]
    Code(String),
    /// The ID token failed a check (signature, issuer, audience, expiry, nonce).
    #[error("ID token refused: {0}")]
    Token(String),
}

/// What the provider says about the person, after every check.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Claims {
    pub issuer: String,
    pub subject: String,
    pub name: Option<String>,
    pub phone_number: Option<String>,
    /// Only `true` when the provider says so; absent is unverified.
    pub phone_number_verified: bool,
    /// The `address` claim's parts: region (province), locality (commune),
    /// street address (hamlet, street).
    pub region: Option<String>,
    pub locality: Option<String>,
    pub street_address: Option<String>,
}

/// A sign-in begun: where to send the browser, and what the callback needs.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub verifier: String,
    pub nonce: String,
}

struct Fetched {
    client: Arc<Client>,
    at: Instant,
}

/// The provider: its settings, an HTTP client and the metadata kept.
#[derive(Clone)]
pub struct Oidc {
    settings: Arc<OidcSettings>,
    redirect: RedirectUrl,
    http: reqwest::Client,
    fetched: Arc<Mutex<Option<Fetched>>>,
}

impl Oidc {
    /// The provider of `settings.auth.oidc`, or none when it is not set. A
    /// setting that cannot work (no client id, no public URL) stops start-up.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Option<Self>> {
        let o = &settings.auth.oidc;
        if !o.enabled() {
            return Ok(None);
        }
        IssuerUrl::new(o.issuer.trim().to_owned())
            .map_err(|e| anyhow::anyhow!("auth.oidc.issuer is not a URL: {e}"))?;
        if o.client_id.trim().is_empty() || o.display_name.trim().is_empty() {
            anyhow::bail!("auth.oidc needs client_id and display_name with issuer");
        }
        let public = settings.public_url.trim().trim_end_matches('/');
        if public.is_empty() {
            anyhow::bail!(
                "auth.oidc needs public_url, the address citizens use (the provider sends them back to <public_url>/api/v1/auth/oidc/callback)"
            );
        }
        let redirect = RedirectUrl::new(format!("{public}/api/v1/auth/oidc/callback"))
            .map_err(|e| anyhow::anyhow!("public_url is not a URL: {e}"))?;
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer point us anywhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(o.timeout_seconds.max(1)))
            .connect_timeout(Duration::from_secs(o.timeout_seconds.clamp(1, 3)))
            .build()?;
        Ok(Some(Oidc {
            settings: Arc::new(o.clone()),
            redirect,
            http,
            fetched: Arc::new(Mutex::new(None)),
        }))
    }

    pub fn display_name(&self) -> &str {
        self.settings.display_name.trim()
    }

    pub fn issuer(&self) -> &str {
        self.settings.issuer.trim()
    }

    /// The client built from the provider's metadata and keys: the kept one,
    /// or fetched again when older than the TTL or when `again` (a token the
    /// kept keys could not verify) and not fetched since `seen`.
    async fn client(&self, again: Option<Instant>) -> Result<(Arc<Client>, Instant), OidcError> {
        let mut kept = self.fetched.lock().await;
        let ttl = Duration::from_secs(self.settings.metadata_ttl_seconds.max(1));
        if let Some(f) = kept.as_ref() {
            let stale = f.at.elapsed() >= ttl;
            let refused = again.is_some_and(|seen| f.at <= seen);
            if !stale && !refused {
                return Ok((f.client.clone(), f.at));
            }
        }
        let issuer = IssuerUrl::new(self.issuer().to_owned())
            .map_err(|e| OidcError::Unavailable(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| OidcError::Unavailable(chain(&e)))?;
        let secret = Some(self.settings.client_secret.clone())
            .filter(|s| !s.is_empty())
            .map(ClientSecret::new);
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.trim().to_owned()),
            secret,
        )
        .set_redirect_uri(self.redirect.clone());
        let at = Instant::now();
        let client = Arc::new(client);
        *kept = Some(Fetched {
            client: client.clone(),
            at,
        });
        tracing::info!(
            issuer = self.issuer(),
            "OpenID provider metadata and keys fetched"
        );
        Ok((client, at))
    }

    /// Starts a sign-in: the provider's address with a fresh state, nonce and
    /// PKCE challenge (S256).
    pub async fn begin(&self) -> Result<Begun, OidcError> {
        let (client, _) = self.client(None).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.settings.scopes.split_whitespace() {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.to_owned()));
            }
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(Begun {
            url: url.to_string(),
            state: state.secret().clone(),
            verifier: verifier.secret().clone(),
            nonce: nonce.secret().clone(),
        })
    }

    /// Ends a sign-in: exchanges the code (with the PKCE verifier), checks the
    /// ID token, and completes the claims from the userinfo endpoint when the
    /// token lacks a name or phone.
    pub async fn finish(
        &self,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<Claims, OidcError> {
        let (client, seen) = self.client(None).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OidcError::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => OidcError::Code(r.error().to_string()),
                other => OidcError::Unavailable(chain(&other)),
            })?;
        let token = response
            .id_token()
            .ok_or_else(|| OidcError::Token("the provider sent no ID token".to_owned()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let (client, claims) = match verify(&client, token, &nonce) {
            Ok(c) => (client, c),
            Err(ClaimsVerificationError::SignatureVerification(first)) => {
                // Perhaps the provider rotated its keys: fetch them again, once.
                let (fresh, _) = self.client(Some(seen)).await?;
                match verify(&fresh, token, &nonce) {
                    Ok(c) => (fresh, c),
                    Err(e) => {
                        tracing::warn!(error = %first, "ID token signature refused");
                        return Err(OidcError::Token(chain(&e)));
                    }
                }
            }
            Err(e) => return Err(OidcError::Token(chain(&e))),
        };
        if let Some(expected) = claims.access_token_hash() {
            let verifier = client.id_token_verifier();
            let alg = token
                .signing_alg()
                .map_err(|e| OidcError::Token(chain(&e)))?;
            let key = token
                .signing_key(&verifier)
                .map_err(|e| OidcError::Token(chain(&e)))?;
            let actual = AccessTokenHash::from_token(response.access_token(), alg, key)
                .map_err(|e| OidcError::Token(chain(&e)))?;
            if actual != *expected {
                return Err(OidcError::Token(
                    "the access token does not match at_hash".to_owned(),
                ));
            }
        }
        let mut out = from_id_token(self.issuer(), &claims);
        if out.name.is_none() || out.phone_number.is_none() {
            let request = client.user_info(
                response.access_token().to_owned(),
                Some(claims.subject().clone()),
            );
            if let Ok(request) = request {
                let info: CoreUserInfoClaims = request
                    .request_async(&self.http)
                    .await
                    .map_err(|e| OidcError::Unavailable(chain(&e)))?;
                merge_user_info(&mut out, &info);
            }
        }
        Ok(out)
    }
}

fn verify(
    client: &Client,
    token: &openidconnect::core::CoreIdToken,
    nonce: &Nonce,
) -> Result<CoreIdTokenClaims, ClaimsVerificationError> {
    let skewed = || chrono::Utc::now() - chrono::Duration::seconds(SKEW_SECONDS);
    let verifier = client.id_token_verifier().set_time_fn(skewed);
    token.claims(&verifier, nonce).cloned()
}

/// An error with its causes, for the log (the citizen sees a plain sentence).
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn from_id_token(issuer: &str, c: &CoreIdTokenClaims) -> Claims {
    let address = c.address();
    Claims {
        issuer: issuer.to_owned(),
        subject: c.subject().as_str().to_owned(),
        name: nonempty(c.name().and_then(|n| n.get(None)).map(|n| n.as_str())),
        phone_number: nonempty(c.phone_number().map(|p| p.as_str())),
        phone_number_verified: c.phone_number_verified() == Some(true),
        region: nonempty(address.and_then(|a| a.region.as_ref()).map(|r| r.as_str())),
        locality: nonempty(
            address
                .and_then(|a| a.locality.as_ref())
                .map(|r| r.as_str()),
        ),
        street_address: nonempty(
            address
                .and_then(|a| a.street_address.as_ref())
                .map(|r| r.as_str()),
        ),
    }
}

/// Fills what the ID token left out from the userinfo answer (same subject,
/// checked by the crate).
fn merge_user_info(out: &mut Claims, info: &CoreUserInfoClaims) {
    if out.name.is_none() {
        out.name = nonempty(info.name().and_then(|n| n.get(None)).map(|n| n.as_str()));
    }
    if out.phone_number.is_none() {
        out.phone_number = nonempty(info.phone_number().map(|p| p.as_str()));
        out.phone_number_verified = info.phone_number_verified() == Some(true);
    }
    if out.region.is_none()
        && out.locality.is_none()
        && let Some(a) = info.address()
    {
        out.region = nonempty(a.region.as_ref().map(|r| r.as_str()));
        out.locality = nonempty(a.locality.as_ref().map(|r| r.as_str()));
        out.street_address = nonempty(a.street_address.as_ref().map(|r| r.as_str()));
    }
}
