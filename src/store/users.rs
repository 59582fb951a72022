//! Accounts.

use super::{Db, StoreError, StoreResult, unique_violation};
use crate::domain::account::{Address, Registration, Role};
use crate::domain::clock::Millis;
use crate::domain::ids::UserId;
use crate::domain::organisation::DEFAULT_ID;
use crate::entities::users;
use anyhow::Context;
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

/// An account as the API shows it (never with its password hash).
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub phone: String,
    pub full_name: String,
    pub role: &'static str,
    pub address: Address,
    pub national_id: Option<String>,
    pub date_of_birth: Option<String>,
    pub created_at: Millis,
    /// An organiser's organisation (none for participants and admins).
    pub organisation_id: Option<String>,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(self.role).unwrap_or(Role::Participant)
    }

    pub fn user_id(&self) -> Option<UserId> {
        UserId::parse(&self.id)
    }
}

impl From<users::Model> for User {
    fn from(m: users::Model) -> Self {
        User {
            id: m.id,
            phone: m.phone,
            full_name: m.full_name,
            role: Role::parse(&m.role).map_or("participant", Role::as_str),
            address: Address {
                province: m.province,
                district: m.district,
                commune: m.commune,
                hamlet: m.hamlet,
                province_code: m.province_code,
                commune_code: m.commune_code,
            },
            national_id: m.national_id,
            date_of_birth: m.date_of_birth,
            created_at: m.created_at,
            organisation_id: m.organisation_id,
        }
    }
}

/// Inserts an account. The unique indexes decide duplicates, so concurrent
/// registrations of one person end with exactly one account.
pub async fn create<C: sea_orm::ConnectionTrait>(
    c: &C,
    reg: &Registration,
    password_hash: &str,
    role: Role,
    now: Millis,
) -> StoreResult<User> {
    let row = users::ActiveModel {
        id: Set(UserId::new().as_string()),
        phone: Set(reg.phone.as_str().to_owned()),
        national_id: Set(reg.national_id.as_ref().map(|n| n.as_str().to_owned())),
        password_hash: Set(password_hash.to_owned()),
        full_name: Set(reg.full_name.as_str().to_owned()),
        province: Set(reg.address.province.clone()),
        district: Set(reg.address.district.clone()),
        commune: Set(reg.address.commune.clone()),
        hamlet: Set(reg.address.hamlet.clone()),
        province_code: Set(reg.address.province_code.clone()),
        commune_code: Set(reg.address.commune_code.clone()),
        // An organiser starts in the default organisation; an admin moves them.
        organisation_id: Set((role == Role::Organiser).then(|| DEFAULT_ID.to_owned())),
        date_of_birth: Set(reg.date_of_birth.as_ref().map(|d| d.as_string())),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now),
    };
    // The stored row comes back (RETURNING on PostgreSQL, a read by id on SQLite).
    match row.insert(c).await {
        Ok(m) => Ok(m.into()),
        Err(e) => Err(match unique_violation(&e) {
            Some(msg) if msg.contains("national_id") => StoreError::Duplicate("national_id"),
            Some(_) => StoreError::Duplicate("phone"),
            None => anyhow::Error::new(e).context("inserting user").into(),
        }),
    }
}

pub async fn find(db: &Db, id: &str) -> anyhow::Result<Option<User>> {
    // `all()`, not `one()`: see `store::contests::find` (LIMIT slows SQLite).
    let m = users::Entity::find_by_id(id)
        .all(&db.conn)
        .await
        .context("loading user")?;
    Ok(m.into_iter().next().map(User::from))
}

/// The account and its password hash, for signing in.
pub async fn find_for_login(db: &Db, phone: &str) -> anyhow::Result<Option<(User, String)>> {
    // `all()`, not `one()` (unique phone): see `store::contests::find`.
    let m = users::Entity::find()
        .filter(users::Column::Phone.eq(phone))
        .all(&db.conn)
        .await
        .context("loading user by phone")?;
    Ok(m.into_iter().next().map(|mut m| {
        let hash = std::mem::take(&mut m.password_hash);
        (m.into(), hash)
    }))
}

/// Replaces the password hash of an account.
pub async fn set_password<C: sea_orm::ConnectionTrait>(
    c: &C,
    user_id: &str,
    password_hash: &str,
) -> anyhow::Result<bool> {
    let res = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::val(password_hash))
        .filter(users::Column::Id.eq(user_id))
        .exec(c)
        .await
        .context("setting password")?;
    Ok(res.rows_affected == 1)
}

/// The password hash of an account, for checking its current password.
pub async fn password_hash(db: &Db, user_id: &str) -> anyhow::Result<Option<String>> {
    let m = users::Entity::find_by_id(user_id)
        .all(&db.conn)
        .await
        .context("loading password hash")?;
    Ok(m.into_iter().next().map(|m| m.password_hash))
}

/// Accounts whose phone or name contains `q` (case-insensitive on names), newest first.
pub async fn search(db: &Db, q: &str, limit: u64, offset: u64) -> anyhow::Result<Vec<User>> {
    let pattern = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    let phone_pattern = if digits.len() >= 3 {
        let d = digits
            .strip_prefix("84")
            .filter(|_| q.trim_start().starts_with('+'))
            .map_or(digits.clone(), |d| d.to_owned());
        format!("%{d}%")
    } else {
        pattern.clone()
    };
    // LOWER(full_name) LIKE LOWER($1) ESCAPE '\': the database lowers both
    // sides, so case folding is the same on either side of the comparison.
    let name_matches = Expr::expr(Func::lower(Expr::col((
        users::Entity,
        users::Column::FullName,
    ))))
    .binary(
        BinOper::Like,
        Expr::expr(Func::lower(Expr::val(pattern)))
            .binary(BinOper::Escape, Expr::Constant('\\'.into())),
    );
    let rows = users::Entity::find()
        .filter(
            Condition::any()
                .add(name_matches)
                .add(users::Column::Phone.like(LikeExpr::new(phone_pattern).escape('\\')))
                .add(users::Column::NationalId.eq(q.trim())),
        )
        .order_by_desc(users::Column::CreatedAt)
        .order_by_asc(users::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(&db.conn)
        .await
        .context("searching users")?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// Changes a role; returns the updated account, or None when no such user.
/// Changes a role and writes the change to the audit log, in one write
/// transaction; returns the updated account, or None when no such user.
/// Changes a role and, for an organiser, their organisation (cleared for
/// other roles); audited with both, before and after.
pub async fn set_role(
    db: &Db,
    id: UserId,
    role: Role,
    organisation: Option<&str>,
    actor: UserId,
    now: Millis,
) -> StoreResult<Option<User>> {
    let (_turn, tx) = db.write().await?;
    let Some(before) = users::Entity::find_by_id(id.to_string())
        .all(&tx)
        .await
        .context("loading user")?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let organisation = organisation.map(str::to_owned);
    users::Entity::update_many()
        .col_expr(users::Column::Role, Expr::val(role.as_str()))
        .col_expr(
            users::Column::OrganisationId,
            Expr::val(organisation.clone()),
        )
        .filter(users::Column::Id.eq(id.to_string()))
        .exec(&tx)
        .await
        .context("updating role")?;
    super::audit::record(
        &tx,
        &actor.to_string(),
        "role_changed",
        &format!("user:{id}"),
        serde_json::json!({
            "from": before.role, "to": role.as_str(),
            "organisation_from": before.organisation_id, "organisation_to": organisation,
        }),
        organisation
            .as_deref()
            .or(before.organisation_id.as_deref()),
        now,
    )
    .await?;
    tx.commit().await.context("committing role change")?;
    let mut user = User::from(before);
    user.role = role.as_str();
    user.organisation_id = organisation;
    Ok(Some(user))
}

pub async fn count(db: &Db) -> anyhow::Result<i64> {
    let n = users::Entity::find().count(&db.conn).await?;
    Ok(i64::try_from(n)?)
}
