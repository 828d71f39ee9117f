//! What every JSON endpoint shares: the error shape (`{"error": {"status", "message": {"en", "ja"},
//! "problems"}}`) that the OpenAPI document names, the 400 for a bad parameter, and the router of a
//! domain's `/api/...` endpoints, readable from any origin. Each domain lists its endpoints
//! ([`Endpoint`]) and declares their OpenAPI operations; the crate root assembles the document.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::MethodRouter;
use serde::Serialize;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::ToSchema;

use crate::http::error::WebError;
use crate::http::state::AppState;

/// One path under `/api/` and what serves it.
pub type Endpoint = (&'static str, MethodRouter<AppState>);

/// The router of `endpoints`: public, read-only data (or a public form) without credentials, so
/// any web page may read it.
pub fn routes(endpoints: Vec<Endpoint>) -> Router<AppState> {
    let mut router = Router::new();
    for (path, handler) in endpoints {
        router = router.route(path, handler);
    }
    router.layer(SetResponseHeaderLayer::overriding(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")))
}

/// A text in English and Japanese.
#[derive(Debug, Serialize, ToSchema)]
pub struct Message {
    pub en: String,
    pub ja: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status code.
    #[schema(example = 400)]
    pub status: u16,
    /// What is wrong; for a bad parameter, its name comes first.
    pub message: Message,
    /// Further problems, if there are several.
    pub problems: Vec<Message>,
}

/// Every error of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorResponse {
    pub error: ErrorDetail,
}

pub(crate) fn bad_request(en: String, ja: String) -> WebError {
    WebError::new(StatusCode::BAD_REQUEST, en, ja).json()
}

pub(crate) fn unreadable_query(rejection: QueryRejection) -> WebError {
    let why = rejection.body_text();
    bad_request(format!("the query string cannot be read: {why}"), format!("クエリ文字列を読み取れません: {why}"))
}
