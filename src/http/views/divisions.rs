//! Vietnam's provinces and communes (`GET /divisions`, `GET /divisions/{province_code}`).

use super::one_of;
use crate::domain::divisions::{Commune, CommuneKind, Province};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::ObjectBuilder;

/// `GET /divisions`: every province, in Vietnamese alphabetical order of
/// `short_name`.
#[derive(Serialize, ToSchema)]
pub struct ProvinceList {
    pub provinces: Vec<ProvinceSummary>,
}

/// A province (tỉnh) or a city under the central government (thành phố).
#[derive(Serialize, ToSchema)]
pub struct ProvinceSummary {
    /// The official code, two digits.
    #[schema(example = "01")]
    pub code: &'static str,
    /// The official full name.
    #[schema(example = "Thành phố Hà Nội")]
    pub name: &'static str,
    /// The name without "Tỉnh" or "Thành phố".
    #[schema(example = "Hà Nội")]
    pub short_name: &'static str,
    /// How many communes (xã, phường, đặc khu) it has.
    #[schema(example = 126)]
    pub commune_count: usize,
}

impl ProvinceList {
    pub fn new(provinces: &'static [Province]) -> Self {
        Self {
            provinces: provinces
                .iter()
                .map(|p| ProvinceSummary {
                    code: &p.code,
                    name: &p.name,
                    short_name: &p.short_name,
                    commune_count: p.communes.len(),
                })
                .collect(),
        }
    }
}

/// `GET /divisions/{province_code}`: a province and its communes, in Vietnamese
/// alphabetical order of their names without the kind ("Ba Đình" for
/// "Phường Ba Đình").
#[derive(Serialize, ToSchema)]
pub struct ProvinceCommunes {
    pub province: ProvinceName,
    pub communes: Vec<CommuneView>,
}

#[derive(Serialize, ToSchema)]
pub struct ProvinceName {
    #[schema(example = "01")]
    pub code: &'static str,
    #[schema(example = "Thành phố Hà Nội")]
    pub name: &'static str,
    #[schema(example = "Hà Nội")]
    pub short_name: &'static str,
}

/// A commune-level unit: xã (rural commune), phường (urban ward) or đặc khu
/// (special zone).
#[derive(Serialize, ToSchema)]
pub struct CommuneView {
    /// The official code, five digits.
    #[schema(example = "00004")]
    pub code: &'static str,
    /// The official name, with its kind.
    #[schema(example = "Phường Ba Đình")]
    pub name: &'static str,
    #[schema(schema_with = commune_kind)]
    pub kind: &'static str,
}

fn commune_kind() -> ObjectBuilder {
    one_of(
        CommuneKind::ALL.map(CommuneKind::as_str),
        false,
        "`xã`, `phường` or `đặc khu`.",
    )
}

impl ProvinceCommunes {
    pub fn new(p: &'static Province) -> Self {
        Self {
            province: ProvinceName {
                code: &p.code,
                name: &p.name,
                short_name: &p.short_name,
            },
            communes: p.communes.iter().map(CommuneView::from).collect(),
        }
    }
}

impl From<&'static Commune> for CommuneView {
    fn from(c: &'static Commune) -> Self {
        Self {
            code: &c.code,
            name: &c.name,
            kind: c.kind.as_str(),
        }
    }
}
