//! Every request in a span (`request`, with its method and matched route; what the handler logs
//! carries them), then one log line with its status and latency, and counted in the metrics. What a 5xx was caused by is logged
//! where the error turns into a response (`error.rs`), inside this span.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::http::state::AppState;

/// The route label of a request no route serves (its path is not used: it is the client's).
pub const UNMATCHED: &str = "unmatched";

/// The middleware (`axum::middleware::from_fn_with_state`).
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or(UNMATCHED, MatchedPath::as_str).to_owned();
    let method = request.method().clone();
    let span = tracing::info_span!("request", %method, route = %route);
    let response = next.run(request).instrument(span).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    // After the span: its fields would only repeat these.
    tracing::info!(%method, route = %route, status, latency_ms = elapsed.as_secs_f64() * 1000.0, "answered");
    state.metrics.record_request(&route, status, elapsed.as_secs_f64());
    response
}
