//! Accounts: who a citizen is, as the prize list must print it.

use super::pattern::{self, SPACE, WHITESPACE};
use super::{FieldError, Problems, Text, char_len, divisions, has_control};
use super::{password::Password, phone::Phone};
use std::ops::RangeInclusive;

/// A full name's length in characters, once trimmed and its whitespace collapsed.
pub const FULL_NAME_CHARS: RangeInclusive<usize> = 2..=100;
/// Each part of an address, in characters once its whitespace is collapsed.
pub const ADDRESS_PART_MAX_CHARS: usize = 120;
/// The digits of a national ID (CCCD).
pub const NATIONAL_ID_DIGITS: usize = 12;
/// The earliest year of birth accepted.
pub const FIRST_BIRTH_YEAR: i32 = 1900;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Participant,
    Organiser,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Organiser => "organiser",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Every role, as the API names them.
    pub const ALL: [Role; 3] = [Role::Participant, Role::Organiser, Role::Admin];

    /// Organisers and admins run contests; admins may do all that organisers may.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Participant)
    }
}

/// A person's full name: trimmed, inner whitespace collapsed, 2–100 characters,
/// no control character.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let name = collapse_spaces(input);
        let n = char_len(&name);
        if n == 0 {
            return Err(FieldError::new(
                "full_name",
                "required",
                Text::new("Vui lòng nhập họ và tên", "enter your full name"),
            ));
        }
        if !FULL_NAME_CHARS.contains(&n) || has_control(input, false) {
            let (min, max) = (FULL_NAME_CHARS.start(), FULL_NAME_CHARS.end());
            return Err(FieldError::new(
                "full_name",
                "invalid_name",
                Text::new(
                    format!("Họ và tên cần từ {min} đến {max} ký tự"),
                    format!("full name must be {min}–{max} characters"),
                ),
            ));
        }
        Ok(Self(name))
    }

    /// The names [`FullName::parse`] accepts, as an ECMA-262 pattern.
    pub fn pattern() -> String {
        pattern::collapsed(FULL_NAME_CHARS, SPACE)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Trims and collapses runs of whitespace, so "Hà  Minh Tùng " is "Hà Minh Tùng".
pub fn collapse_spaces(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A postal address. The district is optional: Vietnam's 2025 reform removed
/// the district level, while older records still carry one.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Address {
    pub province: String,
    pub district: Option<String>,
    pub commune: String,
    pub hamlet: String,
    /// The official province code, when the province is one of today's 34.
    pub province_code: Option<String>,
    /// The official commune code; none for a legacy address (written before
    /// the 2025 reform, with a district, or with names the divisions lack).
    pub commune_code: Option<String>,
}

impl Address {
    /// Validates each part; `prefix` names the fields (`address.province` …).
    pub fn parse(
        province: &str,
        district: Option<&str>,
        commune: &str,
        hamlet: &str,
        problems: &mut Problems,
    ) -> Option<Self> {
        let part = |field: &str, v: &str, required: bool, problems: &mut Problems| {
            let v = collapse_spaces(v);
            let n = char_len(&v);
            if required && n == 0 {
                let (vi, en) = match field {
                    "province" => ("tỉnh, thành phố", "the province"),
                    "commune" => ("xã, phường", "the commune"),
                    _ => ("ấp, thôn, số nhà", "the hamlet or street"),
                };
                problems.push(
                    format!("address.{field}"),
                    "required",
                    Text::new(format!("Vui lòng nhập {vi}"), format!("enter {en}")),
                );
                None
            } else if n > ADDRESS_PART_MAX_CHARS || has_control(&v, false) {
                problems.push(
                    format!("address.{field}"),
                    "invalid",
                    Text::new(
                        format!("Tối đa {ADDRESS_PART_MAX_CHARS} ký tự, không có ký tự điều khiển"),
                        format!(
                            "at most {ADDRESS_PART_MAX_CHARS} characters, no control characters"
                        ),
                    ),
                );
                None
            } else {
                Some(v)
            }
        };
        let province = part("province", province, true, problems);
        let district = match district.map(collapse_spaces).filter(|d| !d.is_empty()) {
            None => Some(None),
            Some(d) => part("district", &d, false, problems).map(Some),
        };
        let commune = part("commune", commune, true, problems);
        let hamlet = part("hamlet", hamlet, true, problems);
        Some(Self {
            province: province?,
            district: district?,
            commune: commune?,
            hamlet: hamlet?,
            province_code: None,
            commune_code: None,
        })
    }

    /// An address picked from the divisions: both codes must exist and the
    /// commune must lie in the province; the names are the official ones.
    pub fn from_codes(
        province_code: &str,
        commune_code: &str,
        hamlet: &str,
        problems: &mut Problems,
    ) -> Option<Self> {
        // Every problem at once: the hamlet and the codes are judged apart.
        let hamlet = Self::parse("-", None, "-", hamlet, problems).map(|a| a.hamlet);
        let province = divisions::province(province_code.trim());
        if province.is_none() {
            problems.push(
                "address.province_code",
                "unknown_province",
                Text::new(
                    "Không có tỉnh, thành phố với mã này",
                    "no province has this code",
                ),
            );
        }
        let commune = match (province, divisions::commune(commune_code.trim())) {
            (Some(p), Some((cp, c))) if cp.code == p.code => Some(c),
            // An unknown province is reported above; its commune cannot be judged.
            (None, Some(_)) => None,
            (p, found) => {
                let (code, vi, en) = match (p, found) {
                    (Some(p), Some(_)) => (
                        "commune_not_in_province",
                        format!("Xã, phường này không thuộc {}", p.name),
                        format!("this commune is not in {}", p.short_name),
                    ),
                    _ => (
                        "unknown_commune",
                        "Không có xã, phường với mã này".to_owned(),
                        "no commune has this code".to_owned(),
                    ),
                };
                problems.push("address.commune_code", code, Text::new(vi, en));
                None
            }
        };
        let (Some(hamlet), Some(province), Some(commune)) = (hamlet, province, commune) else {
            return None;
        };
        Some(Self {
            province: province.name.clone(),
            district: None,
            commune: commune.name.clone(),
            hamlet,
            province_code: Some(province.code.clone()),
            commune_code: Some(commune.code.clone()),
        })
    }

    /// Finds the codes of an address written as text. The province is found
    /// by name ("Đồng Tháp", "Tỉnh Đồng Tháp", "Dong Thap"); the commune only
    /// when there is no district (a district means the address predates the
    /// 2025 reform, when the same commune name could denote another place).
    /// What is found takes its official name; what is not stays as written,
    /// and the address is then legacy.
    pub fn resolved(mut self) -> Self {
        let Some(p) = divisions::find_province(&self.province) else {
            return self;
        };
        self.province = p.name.clone();
        self.province_code = Some(p.code.clone());
        if self.district.is_none()
            && let Some(c) = divisions::find_commune(p, &self.commune)
        {
            self.commune = c.name.clone();
            self.commune_code = Some(c.code.clone());
        }
        self
    }

    /// Written as text and not found in today's divisions.
    pub fn is_legacy(&self) -> bool {
        self.commune_code.is_none()
    }

    /// An address part [`Address::parse`] accepts, as an ECMA-262 pattern;
    /// `required` parts need a visible character (the district does not).
    pub fn part_pattern(required: bool) -> String {
        let min = usize::from(required);
        pattern::collapsed(min..=ADDRESS_PART_MAX_CHARS, WHITESPACE)
    }
}

/// A citizen identity card number (CCCD): 12 digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NationalId(String);

impl NationalId {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == NATIONAL_ID_DIGITS && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(FieldError::new(
                "national_id",
                "invalid_national_id",
                Text::new(
                    format!("Số CCCD gồm {NATIONAL_ID_DIGITS} chữ số"),
                    format!("national ID must be {NATIONAL_ID_DIGITS} digits"),
                ),
            ))
        }
    }

    /// What [`NationalId::parse`] accepts (digits, whitespace anywhere), as the
    /// body of an ECMA-262 pattern, without anchors.
    pub fn pattern_body() -> String {
        format!("(?:[{WHITESPACE}]*[0-9]){{{NATIONAL_ID_DIGITS}}}[{WHITESPACE}]*")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A date of birth, `YYYY-MM-DD` (surrounding whitespace ignored), a real date
/// from 1900-01-01 to today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateOfBirth(chrono::NaiveDate);

impl DateOfBirth {
    pub fn parse(input: &str, today: chrono::NaiveDate) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                "date_of_birth",
                "invalid_date",
                Text::new(
                    "Ngày sinh dạng YYYY-MM-DD, là ngày có thật",
                    "date of birth must be a real YYYY-MM-DD date",
                ),
            )
        };
        let s = input.trim();
        // Exactly `dddd-dd-dd`: chrono alone would also take "+1990-5-17" or "1990- 5-17".
        let shape = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !shape {
            return Err(bad());
        }
        let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad())?;
        let min = chrono::NaiveDate::from_ymd_opt(FIRST_BIRTH_YEAR, 1, 1).ok_or_else(bad)?;
        if d < min || d > today {
            return Err(bad());
        }
        Ok(Self(d))
    }

    /// The dates [`DateOfBirth::parse`] accepts on `today`, as the body of an
    /// ECMA-262 pattern, without anchors or surrounding whitespace.
    pub fn pattern_body(today: chrono::NaiveDate) -> String {
        pattern::date(FIRST_BIRTH_YEAR, today)
    }

    pub fn as_string(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }
}

/// Everything needed to create an account, already validated.
#[derive(Debug, Clone)]
pub struct Registration {
    pub phone: Phone,
    pub password: Password,
    pub full_name: FullName,
    pub address: Address,
    pub national_id: Option<NationalId>,
    pub date_of_birth: Option<DateOfBirth>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_collapsed() {
        assert_eq!(
            FullName::parse("  Hà   Minh Tùng ").unwrap().as_str(),
            "Hà Minh Tùng"
        );
        assert!(FullName::parse(" ").is_err());
        assert!(FullName::parse("A\u{0}B").is_err());
    }

    #[test]
    fn district_is_optional_after_the_2025_reform() {
        let mut p = Problems::default();
        let a = Address::parse("Đồng Tháp", None, "Mỹ Hội", "ấp Đông Mỹ", &mut p).unwrap();
        assert!(p.is_empty());
        assert_eq!(a.district, None);
        let a = Address::parse("Đồng Tháp", Some(" "), "Mỹ Hội", "ấp Đông Mỹ", &mut p).unwrap();
        assert_eq!(a.district, None);
    }

    #[test]
    fn missing_address_parts_are_each_reported() {
        let mut p = Problems::default();
        assert!(Address::parse("", None, "", "x", &mut p).is_none());
        let fields: Vec<_> = p.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["address.province", "address.commune"]);
    }

    #[test]
    fn national_id_is_twelve_digits() {
        assert_eq!(
            NationalId::parse("087 123 456 789").unwrap().as_str(),
            "087123456789"
        );
        assert!(NationalId::parse("08712345678").is_err());
        assert!(NationalId::parse("08712345678x").is_err());
    }

    #[test]
    fn impossible_birth_dates_are_refused() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert!(DateOfBirth::parse("1990-05-17", today).is_ok());
        for bad in [
            "2024-02-30",
            "10000-01-01",
            "1899-12-31",
            "2027-01-01",
            "17/05/1990",
            "1990-5-17",
            "+1990-5-17",
            "1990- 5-17",
            "1990-05- 7",
        ] {
            assert!(DateOfBirth::parse(bad, today).is_err(), "{bad}");
        }
    }
}
