//! Accounts and sessions.

use super::{AddressView, one_of};
use crate::domain::account::Role;
use crate::store::users::User;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::ObjectBuilder;

fn role() -> ObjectBuilder {
    one_of(Role::ALL.map(Role::as_str), false, "The account's role.")
}

/// An account as the API shows it (never with its password hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    /// The normalised mobile number, `0XNNNNNNNN`.
    pub phone: String,
    pub full_name: String,
    #[schema(schema_with = role)]
    pub role: &'static str,
    pub address: AddressView,
    /// The 12-digit CCCD number, or null.
    #[schema(required = true)]
    pub national_id: Option<String>,
    /// `YYYY-MM-DD`, or null.
    #[schema(required = true)]
    pub date_of_birth: Option<String>,
    /// In milliseconds since the Unix epoch.
    pub created_at: i64,
    /// An organiser's organisation (`GET /organisations`); null for others.
    #[schema(required = true)]
    pub organisation_id: Option<String>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.clone(),
            phone: u.phone.clone(),
            full_name: u.full_name.clone(),
            role: u.role,
            address: AddressView::from(&u.address),
            national_id: u.national_id.clone(),
            date_of_birth: u.date_of_birth.clone(),
            created_at: u.created_at,
            organisation_id: u.organisation_id.clone(),
        }
    }
}

/// `POST /auth/otp`: the same answer for every phone.
#[derive(Serialize, ToSchema)]
pub struct CodeRequested {
    /// Seconds a sent code stays valid.
    pub expires_in: i64,
    /// Seconds before this phone may ask again.
    pub resend_after: i64,
    /// Checks a code allows.
    pub max_checks: i64,
}

/// `POST /admin/users/{id}/reset-code`: a one-time reset code to read out.
#[derive(Serialize, ToSchema)]
pub struct ResetCode {
    /// Six digits, for `POST /auth/reset` with the account's phone.
    pub code: String,
    /// In milliseconds since the Unix epoch.
    pub expires_at: i64,
}

/// `{token, user}`: a new session. The same token is set as the session cookie.
#[derive(Serialize, ToSchema)]
pub struct SignedIn {
    /// A bearer token: 64 hex characters.
    pub token: String,
    pub user: UserView,
}

/// `{user}`.
#[derive(Serialize, ToSchema)]
pub struct UserEnvelope {
    pub user: UserView,
}

impl UserEnvelope {
    pub fn new(u: &User) -> Self {
        Self { user: u.into() }
    }
}

/// `{users, limit, offset}`: a page of a search, newest account first.
#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<UserView>,
    pub limit: u64,
    pub offset: u64,
}
