//! Accounts.

use super::{Db, StoreError, StoreResult, col, unique_violation, v};
use crate::domain::account::{Address, Registration, Role};
use crate::domain::clock::Millis;
use crate::domain::ids::UserId;
use anyhow::Context;
use sea_orm::{ConnectionTrait, QueryResult};

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
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(self.role).unwrap_or(Role::Participant)
    }

    pub fn user_id(&self) -> Option<UserId> {
        UserId::parse(&self.id)
    }
}

pub(crate) const USER_COLUMNS: &str = "id, phone, full_name, role, province, district, commune, hamlet, national_id, date_of_birth, created_at";

pub(crate) fn user_from_row(row: &QueryResult) -> anyhow::Result<User> {
    let role: String = col(row, "role")?;
    Ok(User {
        id: col(row, "id")?,
        phone: col(row, "phone")?,
        full_name: col(row, "full_name")?,
        role: Role::parse(&role).map_or("participant", Role::as_str),
        address: Address {
            province: col(row, "province")?,
            district: col(row, "district")?,
            commune: col(row, "commune")?,
            hamlet: col(row, "hamlet")?,
        },
        national_id: col(row, "national_id")?,
        date_of_birth: col(row, "date_of_birth")?,
        created_at: col(row, "created_at")?,
    })
}

/// Inserts an account. The unique indexes decide duplicates, so concurrent
/// registrations of one person end with exactly one account.
pub async fn create(
    db: &Db,
    reg: &Registration,
    password_hash: &str,
    role: Role,
    now: Millis,
) -> StoreResult<User> {
    let id = UserId::new().as_string();
    let sql = "INSERT INTO users (id, phone, national_id, password_hash, full_name, province, district, commune, hamlet, date_of_birth, role, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    let values = [
        v(id.clone()),
        v(reg.phone.as_str().to_owned()),
        v(reg.national_id.as_ref().map(|n| n.as_str().to_owned())),
        v(password_hash.to_owned()),
        v(reg.full_name.as_str().to_owned()),
        v(reg.address.province.clone()),
        v(reg.address.district.clone()),
        v(reg.address.commune.clone()),
        v(reg.address.hamlet.clone()),
        v(reg.date_of_birth.as_ref().map(|d| d.as_string())),
        v(role.as_str().to_owned()),
        v(now),
    ];
    match db.conn.execute_raw(db.stmt(sql, values)).await {
        Ok(_) => {}
        Err(e) => {
            return Err(match unique_violation(&e) {
                Some(msg) if msg.contains("national_id") => StoreError::Duplicate("national_id"),
                Some(_) => StoreError::Duplicate("phone"),
                None => anyhow::Error::new(e).context("inserting user").into(),
            });
        }
    }
    Ok(find(db, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("user vanished after insert"))?)
}

pub async fn find(db: &Db, id: &str) -> anyhow::Result<Option<User>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    let row = db
        .conn
        .query_one_raw(db.stmt(&sql, [v(id.to_owned())]))
        .await
        .context("loading user")?;
    row.as_ref().map(user_from_row).transpose()
}

/// The account and its password hash, for signing in.
pub async fn find_for_login(db: &Db, phone: &str) -> anyhow::Result<Option<(User, String)>> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE phone = $1");
    let row = db
        .conn
        .query_one_raw(db.stmt(&sql, [v(phone.to_owned())]))
        .await
        .context("loading user by phone")?;
    match row {
        Some(r) => Ok(Some((user_from_row(&r)?, col(&r, "password_hash")?))),
        None => Ok(None),
    }
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
    let sql = format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE LOWER(full_name) LIKE LOWER($1) ESCAPE '\\' OR phone LIKE $2 ESCAPE '\\' OR national_id = $3
         ORDER BY created_at DESC, id LIMIT $4 OFFSET $5"
    );
    let rows = db
        .conn
        .query_all_raw(db.stmt(
            &sql,
            [
                v(pattern),
                v(phone_pattern),
                v(q.trim().to_owned()),
                v(limit as i64),
                v(offset as i64),
            ],
        ))
        .await
        .context("searching users")?;
    rows.iter().map(user_from_row).collect()
}

/// Changes a role; returns the updated account, or None when no such user.
pub async fn set_role(db: &Db, id: &str, role: Role) -> anyhow::Result<Option<User>> {
    let res = db
        .conn
        .execute_raw(db.stmt(
            "UPDATE users SET role = $1 WHERE id = $2",
            [v(role.as_str().to_owned()), v(id.to_owned())],
        ))
        .await
        .context("updating role")?;
    if res.rows_affected() == 0 {
        return Ok(None);
    }
    find(db, id).await
}

pub async fn count(db: &Db) -> anyhow::Result<i64> {
    let row = db
        .conn
        .query_one_raw(db.stmt("SELECT COUNT(*) AS n FROM users", []))
        .await?;
    row.map_or(Ok(0), |r| col(&r, "n"))
}
