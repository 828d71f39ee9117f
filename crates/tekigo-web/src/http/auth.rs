//! Who is asking: the session cookie, API tokens, the CSRF rule every form that changes something
//! follows, and the log-in throttle ([`CurrentUser`], [`OptionalUser`], [`SessionForm`],
//! [`LoginThrottle`]). The log-in, sign-up and log-out pages are the `accounts` domain's.
//!
//! - A browser holds the session in the `tekigo_session` cookie (HttpOnly, SameSite=Lax, `Secure`
//!   when the registry is served over https). The store keeps only the token's hash.
//! - A machine sends `Authorization: Bearer tkg_...` (an API token made on the vendor's page).
//!   It needs no CSRF token: a browser never attaches that header by itself. A token has a scope
//!   (`TokenScope`: read < submit < manage) and an expiry (90 days unless chosen, at most a
//!   year); [`token_scope_needed`] is the one table of what each request needs, and anything it
//!   does not list is refused to a token: making tokens, registering signing keys, staff pages,
//!   log-out. An expired, revoked or unknown token is answered 401 saying which.
//! - CSRF: every form a logged-in person posts carries the session's CSRF token in a hidden
//!   `csrf` field ([`SessionForm`] checks it before the handler runs). The log-in and sign-up
//!   forms, which come before any session, use a double-submit cookie: `tekigo_csrf`, random,
//!   set when the form is shown, must equal the form's `csrf` field. A post without a matching
//!   token is answered 403 and changes nothing.
//! - Guessing passwords: a failed log-in takes at least [`FAILURE_FLOOR`] (so an unknown e-mail
//!   and a wrong password take as long), and after [`MAX_FAILURES`] failures for one e-mail,
//!   log-in for it is refused for [`LOCK_SECONDS`] without looking at the password
//!   ([`LoginThrottle`], in memory). Log-in and sign-up posts are also limited per client address
//!   (`limits.rs`), before any password is hashed.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::de::DeserializeOwned;
use tekigo_base::Lang;
use tekigo_registry::{TokenCheck, TokenScope, User};

use crate::http::error::WebError;
use crate::http::layout::Chrome;
use crate::http::operator::Operator;
use crate::http::state::AppState;
use crate::http::view::{self};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "tekigo_session";
/// The double-submit cookie of the log-in and sign-up forms.
pub const CSRF_COOKIE: &str = "tekigo_csrf";
/// Failures for one e-mail before log-in for it is refused for a while.
pub const MAX_FAILURES: u32 = 5;
/// How long log-in stays refused after [`MAX_FAILURES`], counted from the last failure.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// The least time a failed log-in takes.
pub const FAILURE_FLOOR: Duration = Duration::from_millis(400);
/// E-mails tracked at most; beyond this the oldest failures are forgotten.
const MAX_TRACKED: usize = 100_000;
/// Seconds a session lasts in the store (its cookie lives as long).
pub(crate) const SESSION_MAX_AGE: i64 = 8 * 3600;

// -------------------------------------------------------------------------------------------
// Cookies and tokens

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value.trim())
        })
        .filter(|value| !value.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, and Secure when served over https.
pub(crate) fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.base_url.starts_with("https://") { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    // The name is ours and the value a token of [A-Za-z0-9_-]: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("tekigo=; Max-Age=0"))
}

/// 32 random bytes, hex: a CSRF token for the log-in and sign-up forms.
pub(crate) fn random_hex() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| {
        WebError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("no randomness: {error}"), "乱数を得られません")
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Equal, in a time that does not depend on where the first difference is.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && !a.is_empty() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The answer to a post whose CSRF token is missing or wrong: 403, in both languages.
pub fn csrf_failure(lang: Lang) -> WebError {
    let en = "The form's security token is missing or does not match, so nothing was changed. The page may be \
              old, or the form was sent from another site. Reload the page and try again.";
    let ja = "フォームのセキュリティトークンがないか一致しないため、何も変更していません。ページが古いか、\
              他のサイトから送信された可能性があります。ページを再読み込みしてからやり直してください。";
    view::bilingual_error(StatusCode::FORBIDDEN, en, ja, lang)
}

/// Only `/...` paths of this site are followed after log-in (no `//host`, no scheme).
pub(crate) fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control))
        .then_some(next)
}

// -------------------------------------------------------------------------------------------
// Extractors

/// How the request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A browser session; forms must carry this CSRF token.
    Session { csrf: String },
    /// An API token (`Authorization: Bearer tkg_...`) of this scope; no CSRF token is needed.
    Bearer { scope: TokenScope },
}

/// The scope an API token needs for a request, or `None` when no token may make it (making
/// tokens, registering keys, log-out, staff pages: those need a person logged in). Reading the
/// vendor's own pages needs `read`; uploading an application, VEX or an SBOM `submit`;
/// registering a product `manage`. A request this table does not know is refused to tokens.
pub fn token_scope_needed(method: &Method, path: &str) -> Option<TokenScope> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if *method == Method::GET || *method == Method::HEAD {
        return match segments.first() {
            Some(&"vendor") | Some(&"api") => Some(TokenScope::Read),
            _ => None,
        };
    }
    if *method != Method::POST {
        return None;
    }
    match segments.as_slice() {
        ["vendor", "products", _, "applications"]
        | ["vendor", "products", _, "support"]
        | ["vendor", "labels", _, _]
        | ["api", "v1", "labels", _, "releases"] => Some(TokenScope::Submit),
        ["vendor", "products"] => Some(TokenScope::Manage),
        _ => None,
    }
}

/// The logged-in user. Logged out, a page request is redirected to `/login?next=PAGE` (a post to
/// `/login`); an API request (`/api/...`) or a bad bearer token gets 401.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub credential: Credential,
    /// The request's path and query, for the language switch.
    pub path: String,
    /// Who runs the registry, for the page frame.
    pub operator: std::sync::Arc<Operator>,
}

impl CurrentUser {
    /// The session's CSRF token; empty for a bearer request.
    pub fn csrf(&self) -> &str {
        match &self.credential {
            Credential::Session { csrf } => csrf,
            Credential::Bearer { .. } => "",
        }
    }

    /// A form's token against the session's; a bearer request needs none.
    pub fn check_csrf(&self, submitted: &str, lang: Lang) -> Result<(), WebError> {
        match &self.credential {
            Credential::Bearer { .. } => Ok(()),
            Credential::Session { csrf } if same_token(csrf, submitted) => Ok(()),
            Credential::Session { .. } => Err(csrf_failure(lang)),
        }
    }

    /// The page frame for this user, on the request's own path.
    pub fn chrome(&self, lang: Lang) -> Chrome {
        self.chrome_at(lang, &self.path)
    }

    /// The page frame for this user, with the language switch leading to `path` (a page that
    /// answers a post is switched by showing its `GET` page).
    pub fn chrome_at(&self, lang: Lang, path: &str) -> Chrome {
        Chrome {
            lang,
            user: Some(self.user.name.clone()),
            role: Some(self.user.role),
            csrf: self.csrf().to_owned(),
            path: path.to_owned(),
            operator: std::sync::Arc::clone(&self.operator),
        }
    }
}

/// Why [`CurrentUser`] could not be had.
#[derive(Debug)]
pub enum AuthRejection {
    /// Nobody is logged in: pages redirect to the log-in form, the API answers 401.
    LoginRequired {
        next: String,
        json: bool,
        lang: Lang,
    },
    /// An `Authorization` header that is not a valid API token: 401.
    InvalidToken {
        lang: Lang,
    },
    /// A token past its expiry (Unix seconds): 401.
    ExpiredToken {
        lang: Lang,
        at: i64,
    },
    /// A revoked token: 401.
    RevokedToken {
        lang: Lang,
        at: i64,
    },
    /// A valid token that may not make this request: 403, naming the scope it would need.
    TokenNotAllowed {
        lang: Lang,
        needed: Option<TokenScope>,
        has: TokenScope,
    },
    Internal(WebError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let unauthorized = |lang: Lang, en: &str, ja: &str| {
            let mut response = WebError::new(StatusCode::UNAUTHORIZED, en, ja).json().in_lang(lang).into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        };
        match self {
            AuthRejection::LoginRequired { next, json: false, .. } if next.is_empty() => {
                Redirect::to("/login").into_response()
            }
            AuthRejection::LoginRequired { next, json: false, .. } => {
                Redirect::to(&format!("/login?next={}", crate::http::query::encode(&next))).into_response()
            }
            AuthRejection::LoginRequired { json: true, lang, .. } => unauthorized(
                lang,
                "log in, or send an API token: Authorization: Bearer tkg_...",
                "ログインするか、API トークンを送ってください: Authorization: Bearer tkg_...",
            ),
            AuthRejection::InvalidToken { lang } => unauthorized(
                lang,
                "the API token is not valid (Authorization: Bearer tkg_...)",
                "API トークンが有効ではありません (Authorization: Bearer tkg_...)",
            ),
            AuthRejection::ExpiredToken { lang, at } => {
                let when = view::datetime(at);
                unauthorized(
                    lang,
                    &format!("the API token expired at {when}; make a new one on your vendor page (/vendor)"),
                    &format!(
                        "API トークンは {when} に期限切れになりました。ベンダーページ (/vendor) で新しく作ってください"
                    ),
                )
            }
            AuthRejection::RevokedToken { lang, at } => {
                let when = view::datetime(at);
                unauthorized(
                    lang,
                    &format!("the API token was revoked at {when}; make a new one on your vendor page (/vendor)"),
                    &format!(
                        "API トークンは {when} に失効させられました。ベンダーページ (/vendor) で新しく作ってください"
                    ),
                )
            }
            AuthRejection::TokenNotAllowed { lang, needed: Some(needed), has } => WebError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "this API token has the scope `{}`; this request needs `{}` ({})",
                    has.name(),
                    needed.name(),
                    needed.text().en
                ),
                format!(
                    "この API トークンのスコープは `{}` です。この操作には `{}` が必要です（{}）",
                    has.name(),
                    needed.name(),
                    needed.text().ja
                ),
            )
            .json()
            .in_lang(lang)
            .into_response(),
            AuthRejection::TokenNotAllowed { lang, needed: None, .. } => WebError::new(
                StatusCode::FORBIDDEN,
                "an API token cannot do this: making API tokens, registering signing keys and staff work need a \
                 person logged in with the password",
                "API トークンではこの操作はできません。API トークンの作成、署名鍵の登録、職員の操作には\
                 パスワードでログインした人が必要です",
            )
            .json()
            .in_lang(lang)
            .into_response(),
            AuthRejection::Internal(error) => error.into_response(),
        }
    }
}

fn lang_of(parts: &Parts) -> Lang {
    crate::http::i18n::negotiate(
        parts.uri.query(),
        parts.headers.get(COOKIE).and_then(|v| v.to_str().ok()),
        parts.headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()),
    )
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(found) = parts.extensions.get::<CurrentUser>() {
            return Ok(found.clone());
        }
        let lang = lang_of(parts);
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let internal =
            |error: tekigo_registry::RegistryError| AuthRejection::Internal(WebError::from(error).in_lang(lang));
        let found = if let Some(header) = parts.headers.get(AUTHORIZATION) {
            let token = header
                .to_str()
                .ok()
                .and_then(|v| v.trim().split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim());
            let Some(token) = token.filter(|t| t.starts_with("tkg_") && t.len() < 200) else {
                return Err(AuthRejection::InvalidToken { lang });
            };
            match state.registry.api_token(token, state.clock.now()).await.map_err(internal)? {
                TokenCheck::Valid { user, scope } => {
                    match token_scope_needed(&parts.method, parts.uri.path()) {
                        Some(needed) if scope >= needed => {}
                        needed => return Err(AuthRejection::TokenNotAllowed { lang, needed, has: scope }),
                    }
                    CurrentUser {
                        user,
                        credential: Credential::Bearer { scope },
                        path,
                        operator: state.operator.clone(),
                    }
                }
                TokenCheck::Expired { at } => return Err(AuthRejection::ExpiredToken { lang, at }),
                TokenCheck::Revoked { at } => return Err(AuthRejection::RevokedToken { lang, at }),
                TokenCheck::Unknown => return Err(AuthRejection::InvalidToken { lang }),
            }
        } else {
            let session = match cookie(&parts.headers, SESSION_COOKIE) {
                Some(token) if token.len() < 200 => {
                    state.registry.session(token, state.clock.now()).await.map_err(internal)?
                }
                _ => None,
            };
            match session {
                Some((user, csrf)) => CurrentUser {
                    user,
                    credential: Credential::Session { csrf },
                    path,
                    operator: state.operator.clone(),
                },
                None => {
                    let json = parts.uri.path().starts_with("/api/");
                    // Only a page can be returned to after log-in, not a post.
                    let next = if parts.method == Method::GET { path } else { String::new() };
                    return Err(AuthRejection::LoginRequired { next, json, lang });
                }
            }
        };
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

/// The logged-in user if there is one. A bad or expired credential reads as logged out.
#[derive(Debug, Clone)]
pub struct OptionalUser(pub Option<CurrentUser>);

impl OptionalUser {
    /// The page frame: the user's, or the public one.
    pub fn chrome(&self, state: &AppState, lang: Lang, path: &str) -> Chrome {
        match &self.0 {
            Some(current) => current.chrome_at(lang, path),
            None => Chrome::public(state, lang, path),
        }
    }
}

impl FromRequestParts<AppState> for OptionalUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, state).await {
            Ok(current) => Ok(OptionalUser(Some(current))),
            Err(AuthRejection::Internal(error)) => Err(error),
            Err(_) => Ok(OptionalUser(None)),
        }
    }
}

/// A form with the `csrf` field every logged-in form carries.
pub trait CsrfField {
    fn csrf(&self) -> &str;
}

/// A urlencoded form posted by the logged-in user, its CSRF token checked: the handler only runs
/// for a post that carries the session's token (or comes with an API token). A post whose body
/// cannot be read is treated as one without a token (403).
#[derive(Debug)]
pub struct SessionForm<T> {
    pub current: CurrentUser,
    pub lang: Lang,
    pub form: T,
}

impl<T> FromRequest<AppState> for SessionForm<T>
where
    T: DeserializeOwned + CsrfField + Send + 'static,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let lang = lang_of(&parts);
        let current = CurrentUser::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let form = match Form::<T>::from_request(Request::from_parts(parts, body), state).await {
            Ok(Form(form)) => form,
            Err(rejection) => {
                if matches!(current.credential, Credential::Bearer { .. }) {
                    let error = WebError::new(
                        StatusCode::BAD_REQUEST,
                        format!("the form could not be read: {}", rejection.body_text()),
                        format!("フォームを読めません: {}", rejection.body_text()),
                    );
                    return Err(error.in_lang(lang).into_response());
                }
                return Err(csrf_failure(lang).into_response());
            }
        };
        current.check_csrf(form.csrf(), lang).map_err(IntoResponse::into_response)?;
        Ok(SessionForm { current, lang, form })
    }
}

// -------------------------------------------------------------------------------------------
// Guessing passwords

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: i64,
}

/// Failed log-ins per e-mail, in memory (a restart forgets them).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

impl LoginThrottle {
    fn key(email: &str) -> String {
        email.trim().to_lowercase()
    }

    /// Seconds until log-in for `email` is allowed again, if it is refused now.
    pub fn locked_for(&self, email: &str, now: i64) -> Option<i64> {
        let failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = failures.get(&Self::key(email))?;
        let left = entry.last + LOCK_SECONDS - now;
        (entry.count >= MAX_FAILURES && left > 0).then_some(left)
    }

    pub fn failed(&self, email: &str, now: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, f| now - f.last < LOCK_SECONDS);
            if failures.len() >= MAX_TRACKED {
                failures.clear();
            }
        }
        let entry = failures.entry(Self::key(email)).or_insert(Failures { count: 0, last: now });
        if now - entry.last >= LOCK_SECONDS {
            entry.count = 0;
        }
        entry.count += 1;
        entry.last = now;
    }

    pub fn succeeded(&self, email: &str) {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner).remove(&Self::key(email));
    }
}

/// set on the response).
pub(crate) fn form_token(state: &AppState, headers: &HeaderMap) -> Result<(String, Option<HeaderValue>), WebError> {
    match cookie(headers, CSRF_COOKIE) {
        Some(token) if token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok((token.to_owned(), None))
        }
        _ => {
            let token = random_hex()?;
            let header = set_cookie(state, CSRF_COOKIE, &token, SESSION_MAX_AGE);
            Ok((token, Some(header)))
        }
    }
}

pub(crate) fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

pub(crate) fn check_double_submit(headers: &HeaderMap, submitted: &str, lang: Lang) -> Result<(), WebError> {
    match cookie(headers, CSRF_COOKIE) {
        Some(expected) if same_token(expected, submitted) => Ok(()),
        _ => Err(csrf_failure(lang)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("lang=ja; tekigo_session=abc"));
        headers.append(COOKIE, HeaderValue::from_static("tekigo_csrf=def"));
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, CSRF_COOKIE), Some("def"));
        assert_eq!(cookie(&headers, "tekigo"), None);
        headers.insert(COOKIE, HeaderValue::from_static("tekigo_session="));
        assert_eq!(cookie(&headers, SESSION_COOKIE), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
        assert!(!same_token("", ""), "an empty token never matches");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/vendor/products/1?lang=ja"), Some("/vendor/products/1?lang=ja"));
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "vendor", "", "/a\nb"] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
    }

    #[test]
    fn what_each_token_scope_may_request() {
        use TokenScope::{Manage, Read, Submit};
        let cases = [
            (Method::GET, "/vendor", Some(Read)),
            (Method::GET, "/vendor/applications/3", Some(Read)),
            (Method::HEAD, "/vendor/labels/JC1-2026-000001", Some(Read)),
            (Method::POST, "/vendor/products/1/applications", Some(Submit)),
            (Method::POST, "/vendor/labels/JC1-2026-000001/vex", Some(Submit)),
            (Method::POST, "/vendor/products", Some(Manage)),
            (Method::POST, "/vendor/tokens", None),
            (Method::POST, "/vendor/tokens/abc/revoke", None),
            (Method::POST, "/vendor/keys", None),
            (Method::POST, "/logout", None),
            (Method::GET, "/review", None),
            (Method::POST, "/review/applications/1/approve", None),
            (Method::GET, "/admin/staff", None),
            (Method::DELETE, "/vendor/products", None),
            (Method::POST, "/vendor/products/1/something-new", None),
        ];
        for (method, path, needed) in cases {
            assert_eq!(token_scope_needed(&method, path), needed, "{method} {path}");
        }
    }

    #[test]
    fn the_throttle_locks_after_five_failures_and_forgets_later() {
        let throttle = LoginThrottle::default();
        for i in 0..MAX_FAILURES {
            assert_eq!(throttle.locked_for("a@x.example", 100 + i64::from(i)), None);
            throttle.failed("A@x.example ", 100 + i64::from(i));
        }
        assert_eq!(throttle.locked_for("a@x.example", 110), Some(LOCK_SECONDS - 6));
        assert_eq!(throttle.locked_for("b@x.example", 110), None, "per e-mail");
        assert_eq!(throttle.locked_for("a@x.example", 104 + LOCK_SECONDS), None);
        throttle.failed("a@x.example", 104 + LOCK_SECONDS);
        assert_eq!(throttle.locked_for("a@x.example", 105 + LOCK_SECONDS), None, "the count starts again");
        throttle.succeeded("a@x.example");
        assert!(throttle.failures.lock().unwrap().is_empty());
    }
}
