//! The language of a page: `?lang=` first, then the `lang` cookie, then `Accept-Language`
//! (Japanese if it prefers Japanese over English), else English.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tekigo_base::Lang;

/// The page language, as an extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLang(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageLang(negotiate(
            parts.uri.query(),
            parts.headers.get(axum::http::header::COOKIE).and_then(|v| v.to_str().ok()),
            parts.headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
        )))
    }
}

pub fn negotiate(query: Option<&str>, cookie: Option<&str>, accept: Option<&str>) -> Lang {
    let pick = |value: &str| match value.trim() {
        "ja" => Some(Lang::Ja),
        "en" => Some(Lang::En),
        _ => None,
    };
    let from_query = query.and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(pick));
    let from_cookie =
        cookie.and_then(|c| c.split(';').find_map(|pair| pair.trim().strip_prefix("lang=")).and_then(pick));
    let from_accept = accept.and_then(|header| {
        // The first of ja or en in the header's order of preference (q values ignored beyond order).
        header.split(',').find_map(|entry| {
            let tag = entry.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("ja") {
                Some(Lang::Ja)
            } else if tag.starts_with("en") {
                Some(Lang::En)
            } else {
                None
            }
        })
    });
    from_query.or(from_cookie).or(from_accept).unwrap_or(Lang::En)
}

/// Picks the text of the page's language.
pub fn t(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_beats_cookie_beats_accept_language() {
        assert_eq!(negotiate(Some("lang=ja"), Some("lang=en"), Some("en")), Lang::Ja);
        assert_eq!(negotiate(Some("q=x"), Some("a=b; lang=ja"), Some("en")), Lang::Ja);
        assert_eq!(negotiate(None, None, Some("fr-FR,ja;q=0.8,en;q=0.5")), Lang::Ja);
        assert_eq!(negotiate(None, None, Some("en-GB,ja;q=0.8")), Lang::En);
        assert_eq!(negotiate(None, None, None), Lang::En);
    }
}
