//! Typed ids, so a contest id cannot be passed where an attempt id is wanted.

use std::fmt;

/// What every typed id can do: be made from its text form.
pub trait TypedId: Sized + Copy + fmt::Display {
    /// The kind of thing it names ("contest", "attempt", …).
    const KIND: &'static str;
    fn parse(s: &str) -> Option<Self>;
}

macro_rules! typed_id {
    ($name:ident, $kind:literal) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4())
            }

            /// Parses the hyphenated form; anything else is "not found" to callers.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s).ok().map(Self)
            }

            pub fn as_string(&self) -> String {
                self.0.hyphenated().to_string()
            }
        }

        impl TypedId for $name {
            const KIND: &'static str = $kind;
            fn parse(s: &str) -> Option<Self> {
                $name::parse(s)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

typed_id!(UserId, "user");
typed_id!(ContestId, "contest");
typed_id!(AttemptId, "attempt");
typed_id!(QuestionId, "question");
typed_id!(OrganisationId, "organisation");
