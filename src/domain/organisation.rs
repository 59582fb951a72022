//! Organisations: the bodies that run contests on one platform, and who may
//! act on whose contests.

use super::account::{Role, collapse_spaces};
use super::{FieldError, Problems, Text, char_len, has_control};
use std::ops::RangeInclusive;

/// The organisation the migration puts existing organisers and contests in.
pub const DEFAULT_ID: &str = "00000000-0000-4000-8000-000000000001";

pub const NAME_CHARS: RangeInclusive<usize> = 2..=200;
pub const SLUG_CHARS: RangeInclusive<usize> = 2..=60;
pub const HOTLINE_MAX_CHARS: usize = 40;
pub const INTRO_MAX_CHARS: usize = 5_000;
/// The largest logo accepted: a logo is shown small, on phones on slow networks.
pub const LOGO_MAX_BYTES: usize = 256 * 1024;

/// May a member of staff with `role` (and, for an organiser, `own`
/// organisation) act on something of `organisation`? Admins act on all; an
/// organiser only on their organisation's; nobody else on any.
pub fn may_manage(role: Role, own: Option<&str>, organisation: &str) -> bool {
    match role {
        Role::Admin => true,
        Role::Organiser => own == Some(organisation),
        Role::Participant => false,
    }
}

/// An organisation named in a request body (`organisation_id`) that is not
/// an organisation's id, or names none the caller may use.
pub fn unknown() -> FieldError {
    FieldError::new(
        "organisation_id",
        "unknown_organisation",
        Text::new("Không có đơn vị này", "no such organisation"),
    )
}

/// An `organisation_id` as a body gives it: absent, or an id ([`unknown`]
/// when it is not one).
pub fn parse_id(given: Option<&str>) -> Result<Option<super::ids::OrganisationId>, FieldError> {
    given
        .map(|o| super::ids::OrganisationId::parse(o).ok_or_else(unknown))
        .transpose()
}

/// The name in an address: lower-case letters, digits and single dashes,
/// e.g. `doan-thanh-nien`. Spaces become dashes and tone marks are dropped, so
/// "Đoàn Thanh niên" is offered as `doan-thanh-nien`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        let ok = SLUG_CHARS.contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            let (min, max) = (SLUG_CHARS.start(), SLUG_CHARS.end());
            Err(FieldError::new(
                "slug",
                "invalid_slug",
                Text::new(
                    format!(
                        "Đường dẫn gồm {min}–{max} chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ doan-thanh-nien"
                    ),
                    format!(
                        "{min}–{max} lower-case letters, digits and single dashes, e.g. doan-thanh-nien"
                    ),
                ),
            ))
        }
    }

    /// A slug made from a name: "Đoàn Thanh niên" → `doan-thanh-nien`.
    pub fn suggest(name: &str) -> String {
        let folded = super::divisions::fold(name);
        let mut out = String::new();
        for c in folded.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-')
            .chars()
            .take(*SLUG_CHARS.end())
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The editable fields of an organisation, checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub slug: Option<Slug>,
    pub hotline: Option<String>,
    pub intro: Option<String>,
}

fn text(
    field: &'static str,
    input: &str,
    chars: RangeInclusive<usize>,
    multiline: bool,
    p: &mut Problems,
) -> Option<String> {
    let v = if multiline {
        input.trim().to_owned()
    } else {
        collapse_spaces(input)
    };
    if !chars.contains(&char_len(&v)) || has_control(&v, multiline) {
        let (min, max) = (chars.start(), chars.end());
        p.push(
            field,
            "invalid_text",
            Text::new(
                format!("Cần từ {min} đến {max} ký tự, không có ký tự điều khiển"),
                format!("{min}–{max} characters, no control character"),
            ),
        );
        return None;
    }
    Some(v)
}

impl OrganisationPatch {
    /// Checks the fields given; `creating` requires the name and the slug.
    pub fn parse(
        name: Option<&str>,
        slug: Option<&str>,
        hotline: Option<&str>,
        intro: Option<&str>,
        creating: bool,
    ) -> Result<Self, Vec<FieldError>> {
        let mut p = Problems::default();
        if creating {
            for (field, v) in [("name", name), ("slug", slug)] {
                if v.is_none() {
                    p.push(field, "required", Text::new("Cần nhập", "required"));
                }
            }
        }
        let patch = Self {
            name: name.and_then(|n| text("name", n, NAME_CHARS, false, &mut p)),
            slug: slug.and_then(|s| p.take(Slug::parse(s))),
            hotline: hotline.and_then(|h| text("hotline", h, 0..=HOTLINE_MAX_CHARS, false, &mut p)),
            intro: intro.and_then(|i| text("intro", i, 0..=INTRO_MAX_CHARS, true, &mut p)),
        };
        if p.is_empty() { Ok(patch) } else { Err(p.0) }
    }
}

/// A logo image, checked by its first bytes (not by what the client says it
/// is): PNG, JPEG or WebP, at most [`LOGO_MAX_BYTES`]. SVG is refused: it can
/// carry script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logo {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Logo {
    pub fn parse(bytes: Vec<u8>) -> Result<Self, FieldError> {
        if bytes.len() > LOGO_MAX_BYTES || bytes.is_empty() {
            return Err(FieldError::new(
                "logo",
                "logo_too_large",
                Text::new(
                    format!("Logo tối đa {} KB", LOGO_MAX_BYTES / 1024),
                    format!("a logo is at most {} KB", LOGO_MAX_BYTES / 1024),
                ),
            ));
        }
        let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            "image/png"
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            "image/jpeg"
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            "image/webp"
        } else {
            return Err(FieldError::new(
                "logo",
                "logo_type",
                Text::new(
                    "Logo phải là ảnh PNG, JPEG hoặc WebP",
                    "a logo must be a PNG, JPEG or WebP image",
                ),
            ));
        };
        Ok(Self {
            content_type,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisers_act_only_on_their_organisation_and_admins_on_all() {
        assert!(may_manage(Role::Admin, None, "a"));
        assert!(may_manage(Role::Organiser, Some("a"), "a"));
        assert!(!may_manage(Role::Organiser, Some("b"), "a"));
        assert!(!may_manage(Role::Organiser, None, "a"));
        assert!(!may_manage(Role::Participant, Some("a"), "a"));
    }

    #[test]
    fn slugs_are_lower_case_ascii_with_single_dashes() {
        assert!(Slug::parse("doan-thanh-nien").is_ok());
        assert!(Slug::parse(" so-tu-phap-2 ").is_ok());
        for bad in [
            "",
            "a",
            "Doan",
            "đoàn",
            "-a",
            "a-",
            "a--b",
            "a b",
            &"a".repeat(61),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Slug::suggest("Đoàn Thanh niên tỉnh Đồng Tháp"),
            "doan-thanh-nien-tinh-dong-thap"
        );
        assert!(Slug::parse(&Slug::suggest("Hội Nông dân — Cà Mau")).is_ok());
    }

    #[test]
    fn a_logo_is_judged_by_its_bytes() {
        assert_eq!(
            Logo::parse(b"\x89PNG\r\n\x1a\nrest".to_vec())
                .unwrap()
                .content_type,
            "image/png"
        );
        assert_eq!(
            Logo::parse(vec![0xFF, 0xD8, 0xFF, 0xE0])
                .unwrap()
                .content_type,
            "image/jpeg"
        );
        assert_eq!(
            Logo::parse(b"RIFF\0\0\0\0WEBPVP8 ".to_vec())
                .unwrap()
                .content_type,
            "image/webp"
        );
        assert_eq!(
            Logo::parse(b"<svg onload=alert(1)>".to_vec())
                .unwrap_err()
                .code,
            "logo_type"
        );
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(LOGO_MAX_BYTES + 1, 0);
        assert_eq!(Logo::parse(big).unwrap_err().code, "logo_too_large");
    }

    #[test]
    fn creating_needs_a_name_and_a_slug_and_reports_every_problem() {
        let e = OrganisationPatch::parse(None, Some("A"), Some("\u{7}"), None, true).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert!(
            fields.contains(&"name") && fields.contains(&"slug") && fields.contains(&"hotline"),
            "{fields:?}"
        );
        let ok =
            OrganisationPatch::parse(Some(" Đoàn  Thanh niên "), Some("doan"), None, None, true)
                .unwrap();
        assert_eq!(ok.name.as_deref(), Some("Đoàn Thanh niên"));
    }
}
