//! The JSON bodies the API answers with: one typed struct per shape, built from
//! the domain and store types, serialized by the handlers and documented in the
//! OpenAPI document by the same type. The field names are the API contract
//! (docs/design.md).
//!
//! Two kinds of optional field, kept apart on purpose:
//! - *nullable*: always present, `null` when there is no value (`Option<T>`
//!   marked `#[schema(required = true)]`), e.g. a contest's `digest` for staff;
//! - *absent*: left out of the body in some cases (`skip_serializing_if`), e.g.
//!   `draw_seed` until results exist. A field that is absent in some cases and
//!   `null` in others is an `Option<Option<T>>`: `None` leaves it out,
//!   `Some(None)` writes `null`.

mod account;
mod attempt;
mod contest;
mod divisions;
mod organisation;
mod results;

pub use account::*;
pub use attempt::*;
pub use contest::*;
pub use divisions::*;
pub use organisation::*;
pub use results::*;

use crate::domain::account::Address;
use crate::domain::clock::{Millis, to_rfc3339};
use serde::Serialize;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::{PartialSchema, ToSchema};

/// One of `names` (or null): the schema of a field the server fills from a
/// fixed list, e.g. a status.
fn one_of<'a>(
    names: impl IntoIterator<Item = &'a str>,
    nullable: bool,
    description: &str,
) -> ObjectBuilder {
    let mut values: Vec<serde_json::Value> = names.into_iter().map(Into::into).collect();
    let schema_type = if nullable {
        values.push(serde_json::Value::Null);
        [Type::String, Type::Null].into_iter().collect()
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(schema_type)
        .enum_values(Some(values))
        .description(Some(description))
}

/// A list of `names`.
fn list_of<'a>(names: impl IntoIterator<Item = &'a str>, description: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(one_of(names, false, "One of the names listed."))
        .description(Some(description))
}

/// A time as the API shows it: RFC 3339 with milliseconds, in the contest's
/// time zone (serialized as the string itself).
#[derive(Serialize)]
#[serde(transparent)]
pub struct Time(String);

impl Time {
    pub fn new(ms: Millis, tz: chrono_tz::Tz) -> Self {
        Self(to_rfc3339(ms, tz))
    }
}

impl PartialSchema for Time {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .description(Some(
                "RFC 3339 with milliseconds, in the contest's time zone.",
            ))
            .examples([serde_json::json!("2024-12-05T20:15:03.042+07:00")])
            .into()
    }
}

impl ToSchema for Time {}

/// A postal address. `district` is null for addresses after the 2025 reform;
/// the codes are the official ones, null for a legacy address (`legacy`:
/// written as text and not found among today's communes).
#[derive(Serialize, ToSchema)]
pub struct AddressView {
    pub province: String,
    #[schema(required = true)]
    pub district: Option<String>,
    pub commune: String,
    pub hamlet: String,
    #[schema(required = true)]
    pub province_code: Option<String>,
    #[schema(required = true)]
    pub commune_code: Option<String>,
    pub legacy: bool,
}

impl From<&Address> for AddressView {
    fn from(a: &Address) -> Self {
        Self {
            province: a.province.clone(),
            district: a.district.clone(),
            commune: a.commune.clone(),
            hamlet: a.hamlet.clone(),
            province_code: a.province_code.clone(),
            commune_code: a.commune_code.clone(),
            legacy: a.is_legacy(),
        }
    }
}

/// `GET /healthz` when the database answers.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` (a database that does not answer is a 503 error body).
    #[schema(schema_with = health_status)]
    pub status: &'static str,
    /// With `database.read_url`: whether the replica serves the lag-tolerant
    /// reads now (a replica down or behind is not a failure of this instance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica: Option<ReplicaHealth>,
}

#[derive(Serialize, ToSchema)]
pub struct ReplicaHealth {
    /// Up and at most `database.max_lag_seconds` behind.
    pub usable: bool,
    /// The last measured lag in milliseconds; null while it does not answer.
    #[schema(required = true)]
    pub lag_ms: Option<i64>,
}

fn health_status() -> ObjectBuilder {
    one_of(["ok"], false, "Always `ok`.")
}

impl Health {
    pub fn ok(replica: Option<&crate::store::replica::Replica>) -> Self {
        Self {
            status: "ok",
            replica: replica.map(|r| ReplicaHealth {
                usable: r.usable(),
                lag_ms: Some(r.lag_ms()).filter(|ms| *ms >= 0),
            }),
        }
    }
}
