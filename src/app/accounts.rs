//! Accounts: registering a participant (with a code proving the phone),
//! creating staff, signing in and out, one-time codes, password reset and
//! change, changing a role.

use super::{AppError, AppResult, Ctx};
use crate::domain::account::{Address, FullName, Registration, Role};
use crate::domain::clock::Millis;
use crate::domain::ids::{OrganisationId, UserId};
use crate::domain::otp::{self, Code, Purpose, Rejection, Rules};
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::domain::{Problems, Text};
use crate::hashing::Hasher;
use crate::sms::{Message, Sms};
use crate::store::StoreError;
use crate::store::phone_codes::{self, Verified};
use crate::store::sessions;
use crate::store::users::{self, User};
use crate::store::{audit, organisations};

/// Creates an account with `role`; the unique indexes decide duplicates, so
/// concurrent registrations of one person end with exactly one account.
/// With `proof`, the phone's registration code is used in the same
/// transaction as the insert: a refused registration leaves it usable.
pub async fn register(
    ctx: Ctx<'_>,
    hasher: &Hasher,
    reg: &Registration,
    role: Role,
    proof: Option<&Verified>,
) -> AppResult<User> {
    let hash = hasher.hash(reg.password.expose().to_owned()).await?;
    let now = ctx.clock.now();
    let (_turn, tx) = ctx.db.write().await.map_err(store_err)?;
    if let Some(v) = proof
        && !phone_codes::consume(&tx, reg.phone.as_str(), v, now).await?
    {
        return Err(AppError::Code(Rejection::Missing));
    }
    match users::create(&tx, reg, &hash, role, now).await {
        Ok(u) => {
            tx.commit().await.map_err(store_err)?;
            Ok(u)
        }
        Err(StoreError::Duplicate(field)) => Err(AppError::Conflict {
            code: "already_registered",
            message: match field {
                "national_id" => Text::new(
                    "Số CCCD này đã được đăng ký",
                    "this national ID is already registered",
                ),
                _ => Text::new(
                    "Số điện thoại này đã được đăng ký",
                    "this phone is already registered",
                ),
            },
            field: Some(field.to_owned()),
        }),
        Err(e) => Err(e.into()),
    }
}

fn store_err(e: sea_orm::DbErr) -> AppError {
    AppError::Store(StoreError::from(e))
}

/// Asks for a one-time code for `phone`. The answer and its timing are the
/// same whether or not the phone has an account: a code is stored either way,
/// but sent only when it can serve (`register`: no account yet; `reset`: an
/// account), and sending happens in the background (see `crate::sms`).
pub async fn request_code(
    ctx: Ctx<'_>,
    sms: &Sms,
    rules: &Rules,
    phone: &Phone,
    purpose: Purpose,
) -> AppResult<()> {
    sms.ready()
        .map_err(|retry_after| AppError::SmsUnavailable { retry_after })?;
    let code = Code::random(&mut rand::rng());
    let now = ctx.clock.now();
    if let Err(wait_ms) =
        phone_codes::request(ctx.db, phone.as_str(), purpose, &code, now, rules).await?
    {
        return Err(AppError::TooSoon {
            retry_after: u64::try_from(wait_ms).unwrap_or(0).div_ceil(1_000).max(1),
        });
    }
    let has_account = users::find_for_login(ctx.db, phone.as_str())
        .await?
        .is_some();
    let useful = match purpose {
        Purpose::Register => !has_account,
        Purpose::Reset => has_account,
    };
    if useful {
        sms.send(Message {
            to: phone.e164(),
            text: otp::message(&code, purpose, rules.ttl_ms),
            id: uuid::Uuid::now_v7().to_string(),
        })
        .map_err(|retry_after| AppError::SmsUnavailable { retry_after })?;
    }
    Ok(())
}

/// Checks a one-time code for `phone` (spending one of its checks).
pub async fn check_code(
    ctx: Ctx<'_>,
    rules: &Rules,
    phone: &Phone,
    purpose: Purpose,
    code: &Code,
) -> AppResult<Verified> {
    phone_codes::check(
        ctx.db,
        phone.as_str(),
        purpose,
        code,
        ctx.clock.now(),
        rules,
    )
    .await?
    .map_err(AppError::Code)
}

/// Sets a new password with a reset code (sent by SMS, or read out by an
/// official) and ends every session of the account.
pub async fn reset_password(
    ctx: Ctx<'_>,
    hasher: &Hasher,
    rules: &Rules,
    phone: &Phone,
    code: &Code,
    password: &Password,
) -> AppResult<()> {
    let verified = check_code(ctx, rules, phone, Purpose::Reset, code).await?;
    // A reset code is only sent to a phone with an account; one that matched
    // without an account was guessed against a stored decoy: the same answer.
    let Some((user, _)) = users::find_for_login(ctx.db, phone.as_str()).await? else {
        return Err(AppError::Code(Rejection::Missing));
    };
    let hash = hasher.hash(password.expose().to_owned()).await?;
    let now = ctx.clock.now();
    let (_turn, tx) = ctx.db.write().await.map_err(store_err)?;
    if !phone_codes::consume(&tx, phone.as_str(), &verified, now).await? {
        return Err(AppError::Code(Rejection::Missing));
    }
    users::set_password(&tx, &user.id, &hash).await?;
    let ended = sessions::delete_for_user(&tx, &user.id, None).await?;
    audit::record(
        &tx,
        &user.id,
        "password_reset",
        &user.id,
        serde_json::json!({"sessions_ended": ended}),
        user.organisation_id.as_deref(),
        now,
    )
    .await?;
    tx.commit().await.map_err(store_err)?;
    Ok(())
}

/// Changes a signed-in person's password, given the current one; ends their
/// other sessions (the one of `keep_token` stays).
pub async fn change_password(
    ctx: Ctx<'_>,
    hasher: &Hasher,
    user: &User,
    current: &str,
    password: &Password,
    keep_token: &str,
) -> AppResult<()> {
    let stored = users::password_hash(ctx.db, &user.id).await?;
    if !hasher.verify(current.to_owned(), stored).await? {
        return Err(AppError::Invalid(vec![crate::domain::FieldError::new(
            "current_password",
            "wrong_password",
            Text::new(
                "Mật khẩu hiện tại không đúng",
                "the current password is wrong",
            ),
        )]));
    }
    let hash = hasher.hash(password.expose().to_owned()).await?;
    let (_turn, tx) = ctx.db.write().await.map_err(store_err)?;
    users::set_password(&tx, &user.id, &hash).await?;
    sessions::delete_for_user(&tx, &user.id, Some(keep_token)).await?;
    tx.commit().await.map_err(store_err)?;
    Ok(())
}

/// A one-time reset code an admin reads out by telephone to a citizen who
/// gets no SMS: valid `ttl_ms`, replaces any live code of the phone, and is
/// written to the audit log (who issued it for whom, until when; never the
/// code).
pub async fn issue_reset_code(
    ctx: Ctx<'_>,
    actor: UserId,
    target: UserId,
    ttl_ms: Millis,
) -> AppResult<(Code, Millis)> {
    let user = users::find(ctx.db, &target.to_string())
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let code = Code::random(&mut rand::rng());
    let now = ctx.clock.now();
    let expires_at = now + ttl_ms;
    let (_turn, tx) = ctx.db.write().await.map_err(store_err)?;
    phone_codes::issue_by_staff(&tx, &user.phone, &code, &actor.to_string(), now, expires_at)
        .await?;
    audit::record(
        &tx,
        &actor.to_string(),
        "reset_code",
        &user.id,
        serde_json::json!({"expires_at": expires_at}),
        user.organisation_id.as_deref(),
        now,
    )
    .await?;
    tx.commit().await.map_err(store_err)?;
    Ok((code, expires_at))
}

/// Creates a staff account (the command line and the demo): the same rules as
/// a registration, with a placeholder hamlet.
pub async fn create_staff(
    ctx: Ctx<'_>,
    phone: &str,
    name: &str,
    password: &str,
    role: Role,
    province: &str,
    commune: &str,
) -> AppResult<User> {
    let mut p = Problems::default();
    let phone = p.take(Phone::parse(phone));
    let password = p.take(Password::parse(password));
    let full_name = p.take(FullName::parse(name));
    let address = Address::parse(province, None, commune, "-", &mut p).map(Address::resolved);
    let (Some(phone), Some(password), Some(full_name), Some(address)) =
        (phone, password, full_name, address)
    else {
        return Err(AppError::Invalid(p.0));
    };
    let reg = Registration {
        phone,
        password,
        full_name,
        address,
        national_id: None,
        date_of_birth: None,
    };
    register(ctx, &Hasher::new(1, 1), &reg, role, None).await
}

/// The account a phone and password sign in to, if they match. An unknown
/// phone (or one that is not a phone) is checked against a dummy hash, so
/// neither the answer nor its timing tells which phones are registered.
pub async fn authenticate(
    ctx: Ctx<'_>,
    hasher: &Hasher,
    phone: Option<&Phone>,
    password: &str,
) -> AppResult<Option<User>> {
    let found = match phone {
        Some(p) => users::find_for_login(ctx.db, p.as_str()).await?,
        None => None,
    };
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    let ok = hasher.verify(password.to_owned(), hash).await?;
    Ok(user.filter(|_| ok))
}

/// Opens a session for `user`; returns its token (shown once, stored hashed).
pub async fn open_session(ctx: Ctx<'_>, user: &User) -> AppResult<String> {
    let token = sessions::new_token();
    sessions::create(ctx.db, &user.id, &token, ctx.clock.now()).await?;
    Ok(token)
}

/// Ends the session of `token`.
pub async fn close_session(ctx: Ctx<'_>, token: &str) -> AppResult<()> {
    Ok(sessions::delete(ctx.db, token).await?)
}

/// An admin changes someone else's role; written to the audit log with the
/// role (and organisation) before and after. An organiser belongs to exactly
/// one organisation: `organisation`, else the one they had, else the default.
pub async fn set_role(
    ctx: Ctx<'_>,
    actor: UserId,
    target: UserId,
    role: Role,
    organisation: Option<OrganisationId>,
) -> AppResult<User> {
    if target == actor {
        return Err(AppError::conflict(
            "own_role",
            Text::new(
                "Quản trị viên không thể tự đổi vai trò của mình",
                "an admin cannot change their own role",
            ),
        ));
    }
    let before = users::find(ctx.db, &target.to_string())
        .await?
        .ok_or(AppError::NotFound("user"))?;
    if let Some(o) = organisation {
        if role != Role::Organiser {
            return Err(crate::domain::FieldError::new(
                "organisation_id",
                "not_an_organiser",
                Text::new(
                    "Chỉ người của ban tổ chức thuộc về một đơn vị",
                    "only organisers belong to an organisation",
                ),
            )
            .into());
        }
        if organisations::find(ctx.db, o).await?.is_none() {
            return Err(crate::domain::organisation::unknown().into());
        }
    }
    let organisation = match role {
        Role::Organiser => Some(
            organisation
                .map(|o| o.to_string())
                .or(before.organisation_id)
                .unwrap_or_else(|| crate::domain::organisation::DEFAULT_ID.to_owned()),
        ),
        _ => None,
    };
    users::set_role(
        ctx.db,
        target,
        role,
        organisation.as_deref(),
        actor,
        ctx.clock.now(),
    )
    .await?
    .ok_or(AppError::NotFound("user"))
}
