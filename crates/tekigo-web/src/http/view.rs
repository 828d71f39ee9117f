//! What the logged-in pages share: rendering a template into a response that no cache keeps, and
//! the few ways values are written for people (times in Japan time, levels, application states).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tekigo_base::{Lang, Text};

use tekigo_registry::RegistryError;

use crate::http::auth::CurrentUser;
use crate::http::error::WebError;
use tekigo_registry::Role;

/// A page for one logged-in person: rendered, with `Cache-Control: no-store` so a shared or back
/// button cache never shows it to someone else (or shows a token twice).
pub fn private_page(status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
    let html = page.render().map_err(|error| {
        WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the page could not be rendered: {error}"),
            "ページを表示できません",
        )
    })?;
    let mut response = (status, Html(html)).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A moment (Unix seconds) as a person in Japan reads it: `2026-11-26 12:00 JST`.
pub fn datetime(at: i64) -> String {
    match jiff::Timestamp::from_second(at) {
        Ok(timestamp) => {
            let zoned = tekigo_base::scheme_time(timestamp);
            format!("{} JST", zoned.strftime("%Y-%m-%d %H:%M"))
        }
        Err(_) => at.to_string(),
    }
}

/// A level as the label shows it: `★1`.
pub fn stars(level: &str) -> String {
    format!("★{level}")
}

/// An application's state in words.
pub fn application_status(status: &str) -> Text {
    match status {
        "submitted" => Text::new("under review", "審査中"),
        "approved" => Text::new("approved", "承認済み"),
        "returned" => Text::new("returned to the vendor", "差し戻し"),
        other => Text::new(other, other),
    }
}

/// A text in the page's language, followed by the other language when they differ: for messages
/// that answer a form (the language switch leads to a fresh page, not to the same answer).
pub fn both(text: &Text, lang: Lang) -> (String, Option<String>) {
    let other = match lang {
        Lang::En => Lang::Ja,
        Lang::Ja => Lang::En,
    };
    let first = text.get(lang).to_owned();
    let second = text.get(other);
    (first.clone(), (second != first).then(|| second.to_owned()))
}

/// A message in both languages, for the pages' notices: `message` in the page language, `other`
/// in the other one.
#[derive(Debug, Clone)]
pub struct Message {
    pub text: String,
    pub other: Option<String>,
}

impl Message {
    pub fn new(text: &Text, lang: Lang) -> Message {
        let (text, other) = both(text, lang);
        Message { text, other }
    }
}

/// An error page whose message is written in both languages: the page's first, then the other
/// (the other language is shown as the page's second line).
pub fn bilingual_error(status: StatusCode, en: impl Into<String>, ja: impl Into<String>, lang: Lang) -> WebError {
    let (en, ja) = (en.into(), ja.into());
    WebError {
        status,
        message: Text::new(en.clone(), ja.clone()),
        problems: vec![Text::new(ja, en)],
        json: false,
        lang,
        cause: None,
    }
}

/// Staff pages refuse everyone else, in the page's language.
pub(crate) fn staff_only(current: &CurrentUser, lang: Lang) -> Result<(), WebError> {
    if current.user.role.is_staff() {
        Ok(())
    } else {
        Err(bilingual_error(
            StatusCode::FORBIDDEN,
            "These pages are for certification-body staff.",
            "このページは認証機関の職員用です。",
            lang,
        ))
    }
}

/// A number from the path; anything else is a page that does not exist.
pub(crate) fn path_id(text: &str, lang: Lang) -> Result<i64, WebError> {
    text.parse::<i64>().map_err(|_| WebError::not_found().in_lang(lang))
}

/// The vendor's own pages are for the vendor role.
pub(crate) fn vendor_only(current: &CurrentUser, lang: Lang) -> Result<(), WebError> {
    if current.user.role == Role::Vendor {
        Ok(())
    } else {
        Err(bilingual_error(
            StatusCode::FORBIDDEN,
            "These pages are for vendors. Certification-body staff work under Review.",
            "このページは事業者用です。認証機関の職員は「審査」のページを使ってください。",
            lang,
        ))
    }
}

/// A registry error as a page in `lang`.
pub(crate) fn registry_error(lang: Lang) -> impl Fn(RegistryError) -> WebError {
    move |error| WebError::from(error).in_lang(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_japan_time() {
        assert_eq!(datetime(1_795_000_000), "2026-11-18 20:06 JST");
        assert_eq!(datetime(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn both_languages_once() {
        let m = Message::new(&Text::new("wrong", "違います"), Lang::Ja);
        assert_eq!((m.text.as_str(), m.other.as_deref()), ("違います", Some("wrong")));
        let same = Message::new(&Text::new("x", "x"), Lang::En);
        assert_eq!(same.other, None);
    }
}
