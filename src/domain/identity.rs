//! A person signed in by a citizen app (OpenID Connect): what its claims give
//! an account, and what the person must still add.
//!
//! The rules: a phone counts only when the provider says it is verified (an
//! unverified one is shown to the person to confirm by SMS, never trusted);
//! a name must be one `FullName` accepts; an address counts only when its
//! province and commune are today's official ones and it names a hamlet or
//! street. Whatever does not count is asked for.

use super::Problems;
use super::account::{Address, FullName};
use super::phone::Phone;

/// What an account still needs from the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    FullName,
    Phone,
    Address,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Need::FullName => "full_name",
            Need::Phone => "phone",
            Need::Address => "address",
        }
    }
}

/// The provider's claims, as text.
#[derive(Clone, Debug, Default)]
pub struct ClaimText<'a> {
    pub name: Option<&'a str>,
    pub phone_number: Option<&'a str>,
    pub phone_number_verified: bool,
    pub region: Option<&'a str>,
    pub locality: Option<&'a str>,
    pub street_address: Option<&'a str>,
}

/// The claims in the account's terms: each part the account can take as is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub full_name: Option<FullName>,
    /// A verified phone only.
    pub phone: Option<Phone>,
    /// An address of today's divisions, with a hamlet or street.
    pub address: Option<Address>,
    /// What the person should see filled in where something is asked: the
    /// province and commune found (codes set), even without a hamlet.
    pub address_hint: Option<Address>,
}

impl Profile {
    pub fn from_claims(c: &ClaimText<'_>) -> Self {
        let full_name = c.name.and_then(|n| FullName::parse(n).ok());
        let phone = c
            .phone_number
            .filter(|_| c.phone_number_verified)
            .and_then(|p| Phone::parse(p).ok());
        let hint = match (c.region, c.locality) {
            (Some(region), Some(locality)) => {
                let hamlet = c.street_address.unwrap_or("-");
                Address::parse(region, None, locality, hamlet, &mut Problems::default())
                    .map(Address::resolved)
                    .filter(|a| !a.is_legacy())
                    .map(|mut a| {
                        if c.street_address.is_none() {
                            a.hamlet.clear();
                        }
                        a
                    })
            }
            _ => None,
        };
        let address = hint.clone().filter(|a| !a.hamlet.is_empty());
        Profile {
            full_name,
            phone,
            address,
            address_hint: hint,
        }
    }

    /// What is missing, in the order a form asks for it.
    pub fn needs(&self) -> Vec<Need> {
        let mut needs = Vec::new();
        if self.full_name.is_none() {
            needs.push(Need::FullName);
        }
        if self.phone.is_none() {
            needs.push(Need::Phone);
        }
        if self.address.is_none() {
            needs.push(Need::Address);
        }
        needs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ClaimText<'static> {
        ClaimText {
            name: Some("Nguyễn Thị Hoa"),
            phone_number: Some("+84912345678"),
            phone_number_verified: true,
            region: Some("Tỉnh Đồng Tháp"),
            locality: Some("Xã Mỹ Trà"),
            street_address: Some("Ấp 1"),
        }
    }

    #[test]
    fn complete_verified_claims_need_nothing() {
        let p = Profile::from_claims(&full());
        assert_eq!(p.needs(), vec![]);
        assert_eq!(p.phone.unwrap().as_str(), "0912345678");
        let a = p.address.unwrap();
        assert!(a.commune_code.is_some(), "{a:?}");
        assert_eq!(a.hamlet, "Ấp 1");
    }

    #[test]
    fn an_unverified_phone_is_never_taken() {
        let p = Profile::from_claims(&ClaimText {
            phone_number_verified: false,
            ..full()
        });
        assert_eq!(p.phone, None);
        assert_eq!(p.needs(), vec![Need::Phone]);
    }

    #[test]
    fn an_address_without_a_street_is_a_hint_not_an_address() {
        let p = Profile::from_claims(&ClaimText {
            street_address: None,
            ..full()
        });
        assert_eq!(p.needs(), vec![Need::Address]);
        let hint = p.address_hint.unwrap();
        assert!(hint.commune_code.is_some());
        assert_eq!(hint.hamlet, "");
    }

    #[test]
    fn places_that_are_not_todays_are_asked_for() {
        let p = Profile::from_claims(&ClaimText {
            locality: Some("Nơi Không Có"),
            ..full()
        });
        assert_eq!(p.address, None);
        assert_eq!(p.address_hint, None);
        assert_eq!(p.needs(), vec![Need::Address]);
    }

    #[test]
    fn a_name_that_is_not_a_name_is_asked_for() {
        let p = Profile::from_claims(&ClaimText {
            name: Some("x"),
            ..full()
        });
        assert_eq!(p.needs(), vec![Need::FullName]);
        let p = Profile::from_claims(&ClaimText::default());
        assert_eq!(p.needs(), vec![Need::FullName, Need::Phone, Need::Address]);
    }
}
