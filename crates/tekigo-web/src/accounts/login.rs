//! Log-in, sign-up and log-out pages (`/login`, `/signup`, `/logout`). The session, the
//! double-submit CSRF token and the log-in throttle they use are `http::auth`'s.

use std::time::Instant;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tekigo_base::{Lang, Text};
use tekigo_registry::User;

use crate::http::auth::{
    FAILURE_FLOOR, OptionalUser, SESSION_COOKIE, SESSION_MAX_AGE, check_double_submit, cookie, csrf_failure,
    form_token, safe_next, set_cookie, with_cookie,
};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::limits::{self, ClientIp, Limited};
use crate::http::state::AppState;
use crate::http::view::{self, Message};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/signup", get(signup_page).post(signup))
        .route("/logout", post(logout))
}
// -------------------------------------------------------------------------------------------
// Pages

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    email: String,
    next: String,
    error: Option<Message>,
}

#[derive(Template)]
#[template(path = "accounts/signup.html")]
struct SignupPage {
    chrome: Chrome,
    csrf: String,
    organisation: String,
    name: String,
    email: String,
    error: Option<Message>,
}

#[derive(Debug, Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    query: Result<Query<NextQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, WebError> {
    let (csrf, new_cookie) = form_token(&state, &headers).map_err(|e| e.in_lang(lang))?;
    let next = query.map(|Query(q)| q.next).unwrap_or_default();
    let page = LoginPage {
        chrome: Chrome::public(&state, lang, "/login"),
        csrf,
        email: String::new(),
        next: safe_next(&next).unwrap_or_default().to_owned(),
        error: None,
    };
    Ok(with_cookie(view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))?, new_cookie))
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    // Before the form is read or any password hashed (see `signup`).
    if let Err(seconds) = state.login_limit.take(ip, state.clock.now()) {
        return Ok(limits::too_many(Limited::LogIns, seconds, lang, false));
    }
    let Ok(Form(form)) = form else { return Err(csrf_failure(lang)) };
    check_double_submit(&headers, &form.csrf, lang)?;
    let started = Instant::now();
    let now = state.clock.now();
    let fail = |status: StatusCode, text: Text| -> Result<Response, WebError> {
        let page = LoginPage {
            chrome: Chrome::public(&state, lang, "/login"),
            csrf: form.csrf.clone(),
            email: form.email.clone(),
            next: safe_next(&form.next).unwrap_or_default().to_owned(),
            error: Some(Message::new(&text, lang)),
        };
        view::private_page(status, &page).map_err(|e| e.in_lang(lang))
    };
    if let Some(seconds) = state.logins.locked_for(&form.email, now) {
        let minutes = (seconds + 59) / 60;
        let mut response = fail(
            StatusCode::TOO_MANY_REQUESTS,
            Text::new(
                format!("Too many failed log-ins for this e-mail address. Try again in {minutes} minutes."),
                format!("このメールアドレスでのログインの失敗が多すぎます。{minutes} 分後にやり直してください。"),
            ),
        )?;
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let user =
        state.registry.authenticate(&form.email, &form.password).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let Some(user) = user else {
        state.logins.failed(&form.email, now);
        // An unknown e-mail and a wrong password take the same time.
        tokio::time::sleep(FAILURE_FLOOR.saturating_sub(started.elapsed())).await;
        return fail(
            StatusCode::UNAUTHORIZED,
            Text::new("The e-mail address or the password is wrong.", "メールアドレスまたはパスワードが違います。"),
        );
    };
    state.logins.succeeded(&form.email);
    let home = match user.role {
        role if role.is_staff() => "/review",
        tekigo_registry::Role::Evaluator => "/lab",
        _ => "/vendor",
    };
    start_session(&state, &headers, &user, safe_next(&form.next).unwrap_or(home), lang).await
}

/// A new session for `user` (any earlier one of this browser ends), then on to `to`.
async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: &User,
    to: &str,
    lang: Lang,
) -> Result<Response, WebError> {
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        state.registry.end_session(old).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    }
    let (token, _csrf) =
        state.registry.create_session(user, state.clock.now()).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let mut response = Redirect::to(to).into_response();
    response.headers_mut().append(SET_COOKIE, set_cookie(state, SESSION_COOKIE, &token, SESSION_MAX_AGE));
    Ok(response)
}

async fn signup_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let (csrf, new_cookie) = form_token(&state, &headers).map_err(|e| e.in_lang(lang))?;
    let page = SignupPage {
        chrome: Chrome::public(&state, lang, "/signup"),
        csrf,
        organisation: String::new(),
        name: String::new(),
        email: String::new(),
        error: None,
    };
    Ok(with_cookie(view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))?, new_cookie))
}

#[derive(Debug, Deserialize)]
struct SignupForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn signup(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<SignupForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    // Before anything else: the double-submit token is no obstacle to a script, which can set
    // the cookie and the field alike.
    if let Err(seconds) = state.signup_limit.take(ip, state.clock.now()) {
        return Ok(limits::too_many(Limited::SignUps, seconds, lang, false));
    }
    let Ok(Form(form)) = form else { return Err(csrf_failure(lang)) };
    check_double_submit(&headers, &form.csrf, lang)?;
    let created = state
        .registry
        .sign_up_vendor(&form.organisation, &form.email, &form.name, &form.password, state.clock.now())
        .await;
    match created {
        Ok(user) => start_session(&state, &headers, &user, "/vendor", lang).await,
        Err(tekigo_registry::RegistryError::Invalid(text)) => {
            let page = SignupPage {
                chrome: Chrome::public(&state, lang, "/signup"),
                csrf: form.csrf,
                organisation: form.organisation,
                name: form.name,
                email: form.email,
                error: Some(Message::new(&text, lang)),
            };
            view::private_page(StatusCode::UNPROCESSABLE_ENTITY, &page).map_err(|e| e.in_lang(lang))
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Ends the session. Without a live session there is nothing to end (the cookie is cleared);
/// with one, the form must carry its CSRF token.
async fn logout(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: OptionalUser,
    headers: HeaderMap,
    form: Result<Form<LogoutForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, WebError> {
    if let Some(current) = &current.0 {
        let submitted = form.as_ref().map_or("", |Form(f)| f.csrf.as_str());
        current.check_csrf(submitted, lang)?;
        if let Some(token) = cookie(&headers, SESSION_COOKIE) {
            state.registry.end_session(token).await.map_err(|e| WebError::from(e).in_lang(lang))?;
        }
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "", 0));
    Ok(response)
}
