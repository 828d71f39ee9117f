//! The shared HTTP layer every domain stands on, and which reaches no domain: the application's
//! state, errors as responses, who is asking (sessions, API tokens, CSRF, the log-in throttle),
//! uploads and their screening, per-client rate limits, the page's language, the page frame and
//! the view helpers, the label cache, the one query-string encoder, the JSON API's error shape,
//! request tracing and the Prometheus metrics.

pub mod api;
pub mod auth;
pub mod cache;
pub mod error;
pub mod i18n;
pub mod layout;
pub mod limits;
pub mod metrics;
pub mod operator;
pub mod present;
pub mod query;
pub mod screen;
pub mod state;
pub mod trace;
pub mod uploads;
pub mod view;

pub use error::WebError;
pub use state::AppState;

/// The policy of every page: no script, nothing framed.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'";
/// The label page's: the same, with this origin's scripts (`/static/verify.js`); its `fetch` of
/// the keys is allowed by `default-src 'self'`, which `connect-src` falls back to.
pub const LABEL_PAGE_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
