//! Organisations as the API shows them.

use super::ContestView;
use crate::store::organisations::Organisation;
use serde::Serialize;
use utoipa::ToSchema;

/// An organisation: who runs contests, and whom citizens call.
#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    /// Its address: `/o/{slug}`.
    pub slug: String,
    pub name: String,
    /// The number citizens call; may be empty.
    pub hotline: String,
    pub intro: String,
    /// `/api/v1/organisations/{slug}/logo?v=<hash>`, or null without a logo.
    #[schema(required = true)]
    pub logo_url: Option<String>,
}

impl From<&Organisation> for OrganisationView {
    fn from(o: &Organisation) -> Self {
        Self {
            id: o.id.to_string(),
            slug: o.slug.clone(),
            name: o.name.clone(),
            hotline: o.hotline.clone(),
            intro: o.intro.clone(),
            logo_url: o.logo.as_ref().map(|(_, sha)| {
                format!(
                    "/api/v1/organisations/{}/logo?v={}",
                    o.slug,
                    &sha[..16.min(sha.len())]
                )
            }),
        }
    }
}

/// `{organisation}`.
#[derive(Serialize, ToSchema)]
pub struct OrganisationEnvelope {
    pub organisation: OrganisationView,
}

/// `{organisations}`: every organisation, by name.
#[derive(Serialize, ToSchema)]
pub struct OrganisationList {
    pub organisations: Vec<OrganisationView>,
}

/// An organisation as admins see it, with what it holds.
#[derive(Serialize, ToSchema)]
pub struct OrganisationAdminView {
    #[serde(flatten)]
    pub organisation: OrganisationView,
    pub organisers: i64,
    pub contests: i64,
}

/// `{organisations}` for admins.
#[derive(Serialize, ToSchema)]
pub struct OrganisationAdminList {
    pub organisations: Vec<OrganisationAdminView>,
}

/// `GET /organisations/{slug}`: the organisation and its public contests.
#[derive(Serialize, ToSchema)]
pub struct OrganisationPage {
    pub organisation: OrganisationView,
    pub contests: Vec<ContestView>,
}
