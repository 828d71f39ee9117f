//! Bilingual text: everything a person reads is given in Japanese and English.

use serde::{Deserialize, Serialize};

/// The language of output a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ja];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
}

/// A text in both languages. Neither may be empty: the loader rejects a file that leaves one out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawText")]
pub struct Text {
    pub en: String,
    pub ja: String,
}

impl Text {
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Self {
        Text { en: en.into(), ja: ja.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    en: String,
    ja: String,
}

impl TryFrom<RawText> for Text {
    type Error = String;

    fn try_from(raw: RawText) -> Result<Self, Self::Error> {
        match (raw.en.trim().is_empty(), raw.ja.trim().is_empty()) {
            (true, true) => Err("text is empty in both `en` and `ja`".into()),
            (true, false) => Err("text is empty in `en`: give it in English too".into()),
            (false, true) => Err("text is empty in `ja`: give it in Japanese too (日本語も必要です)".into()),
            (false, false) => Ok(Text { en: raw.en, ja: raw.ja }),
        }
    }
}
