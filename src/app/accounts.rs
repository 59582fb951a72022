//! Accounts: registering a participant, creating staff, signing in and out,
//! changing a role.

use super::{AppError, AppResult, Ctx};
use crate::domain::account::{Address, FullName, Registration, Role};
use crate::domain::ids::UserId;
use crate::domain::password::Password;
use crate::domain::phone::Phone;
use crate::domain::{Problems, Text};
use crate::hashing::Hasher;
use crate::store::StoreError;
use crate::store::sessions;
use crate::store::users::{self, User};

/// Creates an account with `role`; the unique indexes decide duplicates, so
/// concurrent registrations of one person end with exactly one account.
pub async fn register(
    ctx: Ctx<'_>,
    hasher: &Hasher,
    reg: &Registration,
    role: Role,
) -> AppResult<User> {
    let hash = hasher.hash(reg.password.expose().to_owned()).await?;
    match users::create(ctx.db, reg, &hash, role, ctx.clock.now()).await {
        Ok(u) => Ok(u),
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
    let address = Address::parse(province, None, commune, "-", &mut p);
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
    register(ctx, &Hasher::new(1, 1), &reg, role).await
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
/// role before and after.
pub async fn set_role(ctx: Ctx<'_>, actor: UserId, target: UserId, role: Role) -> AppResult<User> {
    if target == actor {
        return Err(AppError::conflict(
            "own_role",
            Text::new(
                "Quản trị viên không thể tự đổi vai trò của mình",
                "an admin cannot change their own role",
            ),
        ));
    }
    users::set_role(ctx.db, target, role, actor, ctx.clock.now())
        .await?
        .ok_or(AppError::NotFound("user"))
}
