//! Errors as responses: HTML for pages, JSON (`{"error": {...}}`) for the API, with the status
//! code that says what went wrong. Messages name the problem in both languages. A 5xx is logged
//! here (`tracing::error!`, in the request's span) with its cause, which the response never shows.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tekigo_base::{Lang, Text};
use tekigo_registry::RegistryError;

#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: Text,
    /// Several problems (an application's failed checks).
    pub problems: Vec<Text>,
    pub json: bool,
    pub lang: Lang,
    /// What went wrong inside (a database error, ...): logged, never shown.
    pub cause: Option<String>,
}

impl WebError {
    pub fn new(status: StatusCode, en: impl Into<String>, ja: impl Into<String>) -> WebError {
        WebError { status, message: Text::new(en, ja), problems: Vec::new(), json: false, lang: Lang::En, cause: None }
    }

    pub fn not_found() -> WebError {
        WebError::new(StatusCode::NOT_FOUND, "not found", "見つかりません")
    }

    pub fn json(mut self) -> WebError {
        self.json = true;
        self
    }

    pub fn in_lang(mut self, lang: Lang) -> WebError {
        self.lang = lang;
        self
    }

    /// Keeps `cause` for the log.
    pub fn caused_by(mut self, cause: impl std::fmt::Display) -> WebError {
        self.cause = Some(cause.to_string());
        self
    }
}

impl From<RegistryError> for WebError {
    fn from(error: RegistryError) -> WebError {
        match error {
            RegistryError::NotFound(_) => WebError::not_found(),
            RegistryError::Forbidden(why) => WebError::new(StatusCode::FORBIDDEN, why, "この操作は許可されていません"),
            RegistryError::Invalid(text) => WebError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: text,
                problems: Vec::new(),
                json: false,
                lang: Lang::En,
                cause: None,
            },
            RegistryError::Rejected(problems) => WebError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                message: Text::new(
                    "the application failed its automatic checks; nothing was stored",
                    "申請は自動チェックに不合格でした。何も保存されていません",
                ),
                problems,
                json: false,
                lang: Lang::En,
                cause: None,
            },
            // The database's own words stay out of the page: they help an attacker, not a user.
            // They go to the log.
            other => WebError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; please try again later",
                "内部エラーが発生しました。しばらくしてからお試しください",
            )
            .caused_by(other),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            let cause = self.cause.as_deref().unwrap_or(&self.message.en);
            tracing::error!(status = self.status.as_u16(), cause, "request failed");
        }
        if self.json {
            let body = serde_json::json!({
                "error": {
                    "status": self.status.as_u16(),
                    "message": self.message,
                    "problems": self.problems,
                }
            });
            return (self.status, Json(body)).into_response();
        }
        let lang = self.lang;
        let mut items = String::new();
        for problem in &self.problems {
            items.push_str(&format!("<li>{}</li>", escape(problem.get(lang))));
        }
        let body = format!(
            "<!doctype html><html lang=\"{code}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
             <title>{status}</title><link rel=\"stylesheet\" href=\"/static/site.css\"></head><body><main>\
             <h1>{status}</h1><p class=\"error\">{message}</p><ul>{items}</ul><p><a href=\"/\">tekigo</a></p></main></body></html>",
            code = lang.code(),
            status = self.status,
            message = escape(self.message.get(lang)),
        );
        let mut response = (self.status, Html(body)).into_response();
        response.extensions_mut().insert(ErrorPage { lang });
        response
    }
}

/// Marks a response as one of these plain error pages, in its language: they are made without
/// the application's state, so the page frame adds what every page must say (`layout.rs`).
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage {
    pub lang: Lang,
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}
