//! Messages in the two languages Crane speaks. A response carries one of them,
//! chosen from the request's `Accept-Language` (Vietnamese by default); the
//! web app shows its own text for each error code and falls back to this one.

use std::borrow::Cow;

/// The language of a response's messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// One message, written in Vietnamese and in English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    vi: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Text {
    pub fn new(vi: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            vi: vi.into(),
            en: en.into(),
        }
    }

    /// The message in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// Text that reads the same in both languages (a name, a code, a figure), or
/// that is not translated yet.
impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Self::new(s, s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Self::new(s.clone(), s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_gives_the_language_asked_for() {
        let t = Text::new("Bạn cần đăng nhập", "sign in first");
        assert_eq!(t.get(Lang::Vi), "Bạn cần đăng nhập");
        assert_eq!(t.get(Lang::En), "sign in first");
        assert_eq!(Lang::default(), Lang::Vi);
    }
}
