//! HTTP: public pages, QR codes, the JSON API with its OpenAPI document, and the vendor's and the
//! reviewer's screens. Server-rendered HTML that works without JavaScript. Handlers are thin: the
//! rules and the storage are `tekigo-registry`'s.

pub mod advisories;
pub mod api;
pub mod auth;
pub mod cache;
pub mod cases;

pub mod error;
pub mod i18n;
pub mod incidents;
pub mod layout;
pub mod limits;
pub mod log;
pub mod public;
pub mod qr;
pub mod reports;
pub mod review;
mod screen;
pub mod state;
pub mod vendor;
pub mod view;

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;

pub use state::AppState;
pub use tekigo_base::Clock;

const CSS: &str = include_str!("../static/site.css");
/// The label page's one script: checks a signed status carried in the URL fragment.
const VERIFY_JS: &str = include_str!("../static/verify.js");

/// The policy of every page: no script, nothing framed.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'";
/// The label page's: the same, with this origin's scripts (`/static/verify.js`); its `fetch` of
/// the keys is allowed by `default-src 'self'`, which `connect-src` falls back to.
pub const LABEL_PAGE_CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// A file of `static/`, compiled in, kept a day by browsers.
fn static_file(content_type: &'static str, body: &'static str) -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body)
}

/// Every route of the registry.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(public::routes())
        .merge(api::routes())
        .merge(auth::routes())
        .merge(vendor::routes())
        .merge(review::routes())
        .merge(cases::routes())
        .merge(incidents::routes())
        .merge(reports::routes())
        .route("/static/site.css", get(|| async { static_file("text/css; charset=utf-8", CSS) }))
        .route("/static/verify.js", get(|| async { static_file("text/javascript; charset=utf-8", VERIFY_JS) }))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
        // No script runs on these pages (but the label page, which sets its own) and nothing is
        // framed: say so to the browser.
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
}

/// Every hour, and once at start: re-checks labeled products against the vulnerability database
/// when one is configured, then records the calendar's status changes (expiry, end of support,
/// grace periods and hearings) into the feed. Statuses shown never wait for it: they are computed from the dates on read.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(3600));
        loop {
            interval.tick().await;
            // Monitoring first, so a case it opens today is on the same calendar as the sweep.
            if let Some(dir) = &state.vulndb
                && let Ok(mut db) = tekigo_vuln::VulnDb::open(dir)
            {
                let _ = state
                    .registry
                    .monitor(&mut db, tekigo_registry::monitor::Scope::Journal, state.clock.today(), state.clock.now())
                    .await;
                let now = jiff::Timestamp::from_second(state.clock.now()).unwrap_or_else(|_| jiff::Timestamp::now());
                let _ = state.registry.export_csaf(&advisories::publisher(&state.base_url), &state.base_url, now).await;
            }
            let _ = state.registry.sweep(state.clock.today(), state.clock.now()).await;
        }
    })
}

/// Serves until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    spawn_sweeper(state.clone());
    // With the peer's address, which the reports desk's rate limit is keyed by.
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
}
