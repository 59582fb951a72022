//! Signing in through a citizen app (OpenID Connect): begin, the callback,
//! and completing or linking an account.
//!
//! The callback finds the account in this order: the one linked to the
//! provider's subject; else the participant whose phone is the provider's
//! *verified* `phone_number` (linked from then on; an unverified claim never
//! links); else a new account from the claims when they give everything an
//! account needs; else the person is asked for what is missing (a sign-up
//! kept 30 minutes), or proves an existing account with its password. Staff
//! accounts are never reached this way: they sign in with their password.

use super::accounts::check_code;
use super::{AppError, AppResult, Ctx};
use crate::domain::account::{Address, FullName, Registration, Role};
use crate::domain::identity::{ClaimText, Need, Profile};
use crate::domain::otp::{Code, Purpose, Rejection, Rules};
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::domain::{Problems, Text};
use crate::hashing::{Hasher, unusable_hash};
use crate::oidc::{Claims, Oidc, OidcError};
use crate::store::users::{self, User};
use crate::store::{StoreError, audit, identities};

/// How a callback ended.
pub enum Outcome {
    /// Signed in: go to `next`.
    SignedIn { user: Box<User>, next: String },
    /// The person must add what the claims lacked: the sign-up's token.
    Complete { token: String, next: String },
}

/// Why a callback failed, as the error page tells it.
#[derive(Debug)]
pub enum Failure {
    /// No sign-in of this browser is waiting (wrong, expired or used state).
    State,
    /// The provider was down, refused the code, or sent a token that failed a check.
    Provider(OidcError),
    /// The provider's verified phone belongs to a staff account.
    Staff,
    App(AppError),
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        Failure::App(e)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::App(e.into())
    }
}

/// A path inside the app to return to; anything else (another site, `//x`)
/// is the home page.
pub fn next_path(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(char::is_control)
                && n.len() <= 512 =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Begins a sign-in: stores its verifier and nonce under the state; returns
/// the provider's address and the state (which the browser keeps).
pub async fn begin(ctx: Ctx<'_>, oidc: &Oidc, next: &str) -> Result<(String, String), OidcError> {
    let begun = oidc.begin().await?;
    identities::begin(
        ctx.db,
        &begun.state,
        &begun.verifier,
        &begun.nonce,
        next,
        ctx.clock.now(),
    )
    .await
    .map_err(|e| OidcError::Unavailable(format!("storing the sign-in: {e:#}")))?;
    Ok((begun.url, begun.state))
}

fn profile(c: &Claims) -> Profile {
    Profile::from_claims(&ClaimText {
        name: c.name.as_deref(),
        phone_number: c.phone_number.as_deref(),
        phone_number_verified: c.phone_number_verified,
        region: c.region.as_deref(),
        locality: c.locality.as_deref(),
        street_address: c.street_address.as_deref(),
    })
}

/// The provider's answer: `state` from the query, checked against the one
/// the browser kept (`kept`), then the code exchanged and the token checked.
pub async fn callback(
    ctx: Ctx<'_>,
    oidc: &Oidc,
    state: &str,
    kept: Option<&str>,
    code: &str,
) -> Result<Outcome, Failure> {
    // The state must be this browser's (a cookie), not just any live one:
    // otherwise someone could sign a victim in to the attacker's account.
    let same = kept.is_some_and(|k| constant_eq(k.as_bytes(), state.as_bytes()));
    if !same || state.is_empty() || code.is_empty() {
        return Err(Failure::State);
    }
    let now = ctx.clock.now();
    let pending = identities::take_login(ctx.db, state, now)
        .await?
        .ok_or(Failure::State)?;
    let claims = oidc
        .finish(code, &pending.verifier, &pending.nonce)
        .await
        .map_err(Failure::Provider)?;
    let next = pending.next_path;
    if let Some(user) = identities::linked(ctx.db, &claims.issuer, &claims.subject).await? {
        return Ok(Outcome::SignedIn {
            user: Box::new(user),
            next,
        });
    }
    let profile = profile(&claims);
    if let Some(phone) = &profile.phone
        && let Some((user, _)) = users::find_for_login(ctx.db, phone.as_str()).await?
    {
        if user.role().is_staff() {
            return Err(Failure::Staff);
        }
        let user = link(ctx, &claims, user, "phone_number").await?;
        return Ok(Outcome::SignedIn {
            user: Box::new(user),
            next,
        });
    }
    if let (Some(full_name), Some(phone), Some(address)) =
        (&profile.full_name, &profile.phone, &profile.address)
    {
        let made = create(ctx, &claims, full_name, phone, address, None).await;
        match made {
            Ok(user) => {
                return Ok(Outcome::SignedIn {
                    user: Box::new(user),
                    next,
                });
            }
            // A concurrent first sign-in of the same person made it: use theirs.
            Err(AppError::Conflict { .. }) => {
                if let Some(user) =
                    identities::linked(ctx.db, &claims.issuer, &claims.subject).await?
                {
                    return Ok(Outcome::SignedIn {
                        user: Box::new(user),
                        next,
                    });
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let token = crate::store::sessions::new_token();
    let json = serde_json::to_string(&claims).map_err(anyhow::Error::from)?;
    identities::save_signup(ctx.db, &token, &json, &next, now).await?;
    Ok(Outcome::Complete { token, next })
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Links the subject to an existing participant's account; audited.
async fn link(ctx: Ctx<'_>, claims: &Claims, user: User, by: &str) -> AppResult<User> {
    let now = ctx.clock.now();
    let (_turn, tx) = ctx.db.write().await.map_err(store_err)?;
    match identities::link(&tx, &claims.issuer, &claims.subject, &user.id, now).await {
        // Linked meanwhile by a concurrent sign-in: the same outcome.
        Ok(()) | Err(StoreError::Duplicate(_)) => {}
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &tx,
        &user.id,
        "oidc_linked",
        &user.id,
        serde_json::json!({"issuer": claims.issuer, "by": by}),
        None,
        now,
    )
    .await?;
    tx.commit().await.map_err(store_err)?;
    Ok(user)
}

fn store_err(e: sea_orm::DbErr) -> AppError {
    AppError::Store(StoreError::from(e))
}

/// A new participant's account from the claims (and what the person added),
/// linked to the subject; `signup` ends in the same transaction.
async fn create(
    ctx: Ctx<'_>,
    claims: &Claims,
    full_name: &FullName,
    phone: &Phone,
    address: &Address,
    signup: Option<(&str, Option<&crate::store::phone_codes::Verified>)>,
) -> AppResult<User> {
    let reg = Registration {
        phone: phone.clone(),
        // Never used: the stored hash is one no password opens.
        password: Password::parse(&crate::store::sessions::new_token())?,
        full_name: full_name.clone(),
        address: address.clone(),
        national_id: None,
        date_of_birth: None,
    };
    let now = ctx.clock.now();
    let (_turn, tx) = ctx.db.write().await.map_err(store_err)?;
    if let Some((token, proof)) = signup {
        if !identities::end_signup(&tx, token).await? {
            return Err(AppError::NotFound("oidc_signup"));
        }
        if let Some(v) = proof
            && !crate::store::phone_codes::consume(&tx, phone.as_str(), v, now).await?
        {
            return Err(AppError::Code(Rejection::Missing));
        }
    }
    let user = match users::create(&tx, &reg, &unusable_hash(), Role::Participant, now).await {
        Ok(u) => u,
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::Conflict {
                code: "already_registered",
                message: Text::new(
                    "Số điện thoại này đã có tài khoản: hãy liên kết bằng mật khẩu của tài khoản đó",
                    "this phone already has an account: link it with that account's password",
                ),
                field: Some("phone".to_owned()),
            });
        }
        Err(e) => return Err(e.into()),
    };
    match identities::link(&tx, &claims.issuer, &claims.subject, &user.id, now).await {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::conflict(
                "already_linked",
                Text::new(
                    "Tài khoản ứng dụng này vừa được liên kết; hãy đăng nhập lại",
                    "this app account was linked meanwhile; sign in again",
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await.map_err(store_err)?;
    Ok(user)
}

/// A sign-up in progress: the checked claims, what they give, where to go after.
pub struct Signup {
    pub claims: Claims,
    pub profile: Profile,
    pub next: String,
}

pub async fn signup(ctx: Ctx<'_>, token: &str) -> AppResult<Signup> {
    let (json, next) = identities::signup(ctx.db, token, ctx.clock.now())
        .await?
        .ok_or(AppError::NotFound("oidc_signup"))?;
    let claims: Claims = serde_json::from_str(&json).map_err(anyhow::Error::from)?;
    let profile = profile(&claims);
    Ok(Signup {
        claims,
        profile,
        next,
    })
}

/// What the person adds to complete an account, as sent.
#[derive(Default)]
pub struct Additions {
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub otp: Option<String>,
    pub address: Option<Address>,
}

/// Completes the account of a sign-up with what was missing; every problem
/// is reported at once; what the claims already gave cannot be sent.
pub async fn complete(
    ctx: Ctx<'_>,
    rules: &Rules,
    token: &str,
    add: Additions,
    mut problems: Problems,
) -> AppResult<User> {
    let s = signup(ctx, token).await?;
    let needs = s.profile.needs();
    let p = &mut problems;
    let not_needed = |p: &mut Problems, field: &str, sent: bool, need: Need| {
        if sent && !needs.contains(&need) {
            p.push(
                field,
                "not_needed",
                Text::new(
                    "Ứng dụng công dân đã cung cấp thông tin này",
                    "the citizen app has given this already",
                ),
            );
        }
    };
    not_needed(p, "full_name", add.full_name.is_some(), Need::FullName);
    not_needed(p, "phone", add.phone.is_some(), Need::Phone);
    not_needed(p, "address", add.address.is_some(), Need::Address);
    let required = |p: &mut Problems, field: &str| {
        p.push(
            field,
            "required",
            Text::new("Vui lòng nhập thông tin này", "this is required"),
        );
    };
    let full_name = match (&s.profile.full_name, add.full_name.as_deref()) {
        (Some(n), _) => Some(n.clone()),
        (None, Some(n)) => p.take(FullName::parse(n)),
        (None, None) => {
            required(p, "full_name");
            None
        }
    };
    let phone = match (&s.profile.phone, add.phone.as_deref()) {
        (Some(n), _) => Some(n.clone()),
        (None, Some(n)) => p.take(Phone::parse(n)),
        (None, None) => {
            required(p, "phone");
            None
        }
    };
    let code = match (s.profile.phone.is_some(), add.otp.as_deref()) {
        (true, _) => None,
        (false, Some(c)) => p.take(Code::parse(c)),
        (false, None) => {
            p.push(
                "otp",
                "required",
                Text::new(
                    "Cần mã xác thực gửi qua tin nhắn đến số điện thoại này",
                    "the code sent by SMS to this phone is required",
                ),
            );
            None
        }
    };
    let address = s.profile.address.clone().or(add.address);
    if address.is_none() && !p.0.iter().any(|e| e.field.starts_with("address")) {
        required(p, "address.hamlet");
    }
    let (Some(full_name), Some(phone), Some(address)) = (full_name, phone, address) else {
        return Err(AppError::Invalid(problems.0));
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems.0));
    }
    let proof = match &code {
        Some(c) => Some(check_code(ctx, rules, &phone, Purpose::Register, c).await?),
        None => None,
    };
    create(
        ctx,
        &s.claims,
        &full_name,
        &phone,
        &address,
        Some((token, proof.as_ref())),
    )
    .await
}

/// Links the sign-up's identity to an existing participant's account, proved
/// by its phone and password (which counts as a sign-in attempt).
pub async fn link_with_password(
    ctx: Ctx<'_>,
    hasher: &Hasher,
    token: &str,
    phone: Option<&Phone>,
    password: &str,
) -> AppResult<Option<User>> {
    let s = signup(ctx, token).await?;
    let Some(user) = super::accounts::authenticate(ctx, hasher, phone, password).await? else {
        return Ok(None);
    };
    if user.role().is_staff() {
        return Err(AppError::Forbidden(staff_text()));
    }
    let user = link(ctx, &s.claims, user, "password").await?;
    let (_turn, tx) = ctx.db.write().await.map_err(store_err)?;
    identities::end_signup(&tx, token).await?;
    tx.commit().await.map_err(store_err)?;
    Ok(Some(user))
}

/// Why a staff account is not reached through the citizen app.
pub fn staff_text() -> Text {
    Text::new(
        "Tài khoản cán bộ (ban tổ chức, quản trị) chỉ đăng nhập bằng số điện thoại và mật khẩu",
        "staff accounts (organisers, admins) sign in with their phone and password only",
    )
}
