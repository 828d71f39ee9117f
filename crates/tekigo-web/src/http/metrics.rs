//! What the server tells its operators: `/healthz` (200 `ok` when the database answers, 503
//! otherwise) and `/metrics`, in the Prometheus text format (OpenMetrics, by the Prometheus
//! project's own client):
//! - `http_requests_total{route,status}`: requests answered, by matched route (`/labels/{number}`,
//!   not the number; `unmatched` for what no route serves) and status code;
//! - `http_request_duration_seconds{route}`: how long they took, a histogram;
//! - `scheduled_job_runs_total{step}` and `scheduled_job_failures_total{step}`: the hourly job's
//!   steps ([`Metrics::record_job_step`]);
//! - `labels{status}`: how many labels hold each status today, counted at scrape time.
//!
//! `/metrics` asks for `Authorization: Bearer <token>` when `AppState::metrics_token` is set.

use std::sync::Mutex;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tekigo_base::Status;

use crate::http::state::AppState;

/// The content type of the text format `prometheus_client` writes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StepLabels {
    step: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

fn duration_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The server's metrics: one per process, shared by every request (`AppState::metrics`).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    job_runs: Family<StepLabels, Counter>,
    job_failures: Family<StepLabels, Counter>,
    labels: Family<StatusLabels, Gauge>,
    /// One scrape at a time sets the label gauges and writes the text.
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(duration_histogram);
        let job_runs = Family::<StepLabels, Counter>::default();
        let job_failures = Family::<StepLabels, Counter>::default();
        let labels = Family::<StatusLabels, Gauge>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by matched route and status code",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by matched route",
            durations.clone(),
        );
        registry.register("scheduled_job_runs", "Steps of the hourly job run, by step", job_runs.clone());
        registry.register(
            "scheduled_job_failures",
            "Steps of the hourly job that failed, by step",
            job_failures.clone(),
        );
        registry.register("labels", "Labels holding each status today", labels.clone());
        Metrics { registry, requests, durations, job_runs, job_failures, labels, scrape: Mutex::new(()) }
    }

    /// A request answered: `route` is the matched path (`unmatched` when none).
    pub fn record_request(&self, route: &str, status: u16, seconds: f64) {
        self.requests.get_or_create(&RequestLabels { route: route.to_owned(), status }).inc();
        self.durations.get_or_create(&RouteLabels { route: route.to_owned() }).observe(seconds);
    }

    /// A step of the hourly job ran (`monitoring`, `advisories`, `sweep`); `ok` is false when
    /// it failed.
    pub fn record_job_step(&self, step: &str, ok: bool) {
        let labels = StepLabels { step: step.to_owned() };
        self.job_runs.get_or_create(&labels).inc();
        if !ok {
            self.job_failures.get_or_create(&labels).inc();
        }
    }

    /// The text format, with the label gauges set to `counts` (or left out when they could not
    /// be counted).
    pub fn encode(&self, counts: Option<&[(Status, u64)]>) -> Result<String, std::fmt::Error> {
        let _one = self.scrape.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        self.labels.clear();
        for (status, count) in counts.unwrap_or_default() {
            self.labels
                .get_or_create(&StatusLabels { status: status.name().to_owned() })
                .set(i64::try_from(*count).unwrap_or(i64::MAX));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// `/healthz` and `/metrics`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/metrics", get(metrics))
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.registry.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(error) => {
            tracing::error!(cause = %error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "the database does not answer").into_response()
        }
    }
}

/// Whether `headers` carry `Authorization: Bearer <token>` (compared in constant time).
fn bearer_is(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    let Some(given) = given.strip_prefix("Bearer ") else { return false };
    given.len() == token.len() && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.metrics_token
        && !bearer_is(&headers, token)
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
            "unauthorized",
        )
            .into_response();
    }
    let counts = match state.registry.label_counts_by_status(state.clock.today()).await {
        Ok(counts) => Some(counts),
        Err(error) => {
            tracing::error!(cause = %error, "metrics: the labels could not be counted");
            None
        }
    };
    match state.metrics.encode(counts.as_deref()) {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::error!(cause = %error, "metrics: the text could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_names_every_metric() {
        let metrics = Metrics::new();
        metrics.record_request("/labels/{number}", 200, 0.01);
        metrics.record_job_step("sweep", true);
        metrics.record_job_step("monitoring", false);
        let text = metrics.encode(Some(&[(Status::Valid, 3), (Status::Revoked, 1)])).unwrap();
        assert!(text.contains("# TYPE http_requests counter"), "{text}");
        assert!(text.contains("http_requests_total{route=\"/labels/{number}\",status=\"200\"} 1"), "{text}");
        assert!(text.contains("http_request_duration_seconds_count{route=\"/labels/{number}\"} 1"), "{text}");
        assert!(text.contains("scheduled_job_runs_total{step=\"monitoring\"} 1"), "{text}");
        assert!(text.contains("scheduled_job_failures_total{step=\"monitoring\"} 1"), "{text}");
        assert!(!text.contains("scheduled_job_failures_total{step=\"sweep\"}"), "{text}");
        assert!(text.contains("labels{status=\"valid\"} 3"), "{text}");
        assert!(bearer_is(
            &HeaderMap::from_iter([(header::AUTHORIZATION, HeaderValue::from_static("Bearer s3cret"))]),
            "s3cret"
        ));
        assert!(!bearer_is(&HeaderMap::new(), "s3cret"));
    }
}
