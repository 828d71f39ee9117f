//! HTTP: public pages, QR codes, the JSON API with its OpenAPI document, and the vendor's and the
//! reviewer's screens. Server-rendered HTML that works without JavaScript. Handlers are thin: the
//! rules and the storage are `tekigo-registry`'s.
//!
//! One module per domain, each with its pages, its API endpoints and their OpenAPI operations
//! (`pub fn routes()`): `accounts`, `applications`, `labels`, `cases`, `incidents`, `reports`,
//! `surveillance`, `labs` (who evaluates above ★1), `monitoring`, `transparency`, `advisories`, `operator` (who runs the registry:
//! `/privacy`, `/terms`, the logo). They stand on the shared `http` module (state, errors,
//! authentication, uploads, limits, language, layout, the operator, metrics), which reaches no domain; no domain reaches another (`tekigo-testkit`'s architecture test checks it).
//! This root assembles the router and the OpenAPI document.

pub mod accounts;
pub mod advisories;
pub mod applications;
pub mod cases;
pub mod http;
pub mod incidents;
pub mod labels;
pub mod labs;
pub mod monitoring;
pub mod operator;
pub mod releases;
pub mod reports;
pub mod surveillance;
pub mod transparency;

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;

pub use http::{AppState, CSP, LABEL_PAGE_CSP};
pub use tekigo_base::Clock;

const CSS: &str = include_str!("../static/site.css");
/// The label page's one script: checks a signed status carried in the URL fragment.
const VERIFY_JS: &str = include_str!("../static/verify.js");

/// A file of `static/`, compiled in, kept a day by browsers.
fn static_file(content_type: &'static str, body: &'static str) -> impl axum::response::IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=86400")], body)
}

/// Every route of the registry.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(labels::routes())
        .merge(http::api::routes(vec![("/api/openapi.json", get(openapi_json))]))
        .merge(accounts::routes())
        .merge(applications::routes())
        .merge(monitoring::routes())
        .merge(releases::routes())
        .merge(cases::routes())
        .merge(incidents::routes())
        .merge(reports::routes())
        .merge(surveillance::routes())
        .merge(labs::routes())
        .merge(transparency::routes())
        .merge(advisories::routes())
        .merge(operator::routes())
        .route("/static/site.css", get(|| async { static_file("text/css; charset=utf-8", CSS) }))
        .route("/static/verify.js", get(|| async { static_file("text/javascript; charset=utf-8", VERIFY_JS) }))
        .merge(http::metrics::routes())
        // A span, a log line and the metrics of every request (the matched route is known here:
        // a router's layer wraps each route).
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::layout::frame_error_pages))
        .layer(axum::middleware::from_fn_with_state(state.clone(), http::trace::observe))
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

/// The paths the router serves under `/api/v1`, in OpenAPI's template syntax: every domain's
/// endpoints, each routed from the same list. A test checks that each one is in the document.
pub fn v1_paths() -> Vec<&'static str> {
    [
        labels::endpoints(),
        releases::endpoints(),
        transparency::endpoints(),
        advisories::endpoints(),
        reports::endpoints(),
    ]
    .into_iter()
    .flatten()
    .map(|(path, _)| path)
    .collect()
}

// -------------------------------------------------------------------------------------------
// The OpenAPI document

#[derive(OpenApi)]
#[openapi(info(
    title = "tekigo registry API",
    version = "1.0.0",
    description = "The public API of the registry of IoT security labels (JC-STAR). \
            Verify one label (`/api/v1/labels/{number}`: its status today and whether it is valid), search \
            labels (`/api/v1/labels`), and follow every label event in order (`/api/v1/changes`), the feed \
            that sellers, procurers and insurers poll. Anyone may report a product to the certification body's \
            desk (`POST /api/v1/reports`; at most 16 KiB, 5 reports per 10 minutes from one address). \
            Every label event is also a leaf of an RFC 6962 transparency log (`/api/v1/log/...`): a signed \
            checkpoint, inclusion and consistency proofs, and each label's signed status, so the registry's \
            answers can be checked rather than trusted. Statuses are computed for the registry's current day \
            in Japan time (`checked_at`). No authentication. Searches are limited per client address (429 with \
            `Retry-After`); verifying a label never is. Errors are JSON with the message in English and \
            Japanese, 400 naming the parameter that is wrong, 404 when there is nothing at the address. \
            A label does not guarantee that a product is completely secure, is not a recommendation of the \
            product, and the certification body gives no warranty."
))]
struct ApiDoc;

/// What a vendor's API token is and what its scopes allow (`http::auth::token_scope_needed` is the
/// table that enforces it). The public endpoints of this document need no token.
const API_TOKEN_DESCRIPTION: &str = "A vendor's API token (`Authorization: Bearer tkg_...`), made on the vendor's page \
    (`/vendor`) by a person logged in, shown once, stored only as a hash; it expires after the days chosen \
    (90 unless chosen, at most 365) and can be revoked there. Its scope is one of: `read` (GET the vendor's own \
    pages and data under `/vendor`), `submit` (read, and upload an application, VEX or an SBOM: \
    `POST /vendor/products/{id}/applications`, `POST /vendor/labels/{number}/{kind}`), `manage` (submit, and \
    register products: `POST /vendor/products`). No token, whatever its scope, makes tokens, registers signing \
    keys or does staff work. An expired, revoked or unknown token is answered 401 saying which; a token \
    whose scope does not allow the request, 403 naming the scope needed. The endpoints of this document are \
    public and need no token.";

/// The OpenAPI 3.1 document, with `base_url` as its server.
pub fn openapi(base_url: &str) -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    // Each domain's operations, shapes and tags, in the order the document lists them.
    for part in [
        labels::Doc::openapi(),
        releases::Doc::openapi(),
        reports::Doc::openapi(),
        advisories::Doc::openapi(),
        transparency::Doc::openapi(),
    ] {
        document.merge(part);
    }
    let scheme = utoipa::openapi::security::SecurityScheme::Http(
        utoipa::openapi::security::HttpBuilder::new()
            .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
            .bearer_format("tkg_ token")
            .description(Some(API_TOKEN_DESCRIPTION))
            .build(),
    );
    document.components.get_or_insert_with(Default::default).add_security_scheme("apiToken", scheme);
    document.servers = Some(vec![utoipa::openapi::Server::new(base_url)]);
    document
}

async fn openapi_json(State(state): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    Json(openapi(&state.base_url))
}

// -------------------------------------------------------------------------------------------
// The hourly job

/// Every hour, and once at start: the registry's one scheduled job ([`tekigo_registry::run_hourly`]:
/// monitoring when a vulnerability database is configured, the CSAF advisories, the lifecycle
/// sweep). Each step is counted in the metrics; the job logs a failed step itself. Statuses shown
/// never wait for it: they are computed from the dates on read.
pub fn spawn_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_secs(3600));
        loop {
            interval.tick().await;
            run_scheduled_job(&state).await;
        }
    })
}

/// One run of the hourly job on this server's registry, counted step by step in its metrics.
pub async fn run_scheduled_job(state: &AppState) -> tekigo_registry::HourlyReport {
    let job = tekigo_registry::HourlyJob {
        vulndb: state.vulndb.as_deref().map(std::path::Path::to_path_buf),
        base_url: Some(state.base_url.to_string()),
        ..Default::default()
    };
    let report = tekigo_registry::run_hourly(&state.registry, &job, state.clock.today(), state.clock.now()).await;
    for (step, outcome) in report.outcomes() {
        if let Some(ok) = outcome {
            state.metrics.record_job_step(step, ok);
        }
    }
    report
}

/// Serves until the process is stopped.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    spawn_sweeper(state.clone());
    // With the peer's address, which the reports desk's rate limit is keyed by.
    axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>()).await
}
