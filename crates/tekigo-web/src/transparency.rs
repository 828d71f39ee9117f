//! The transparency log over HTTP: the signed tree head (a C2SP checkpoint), the keys that sign,
//! entries with the live events they commit to, inclusion and consistency proofs (RFC 9162
//! §2.1.3, §2.1.4), and a label's signed compact status. Monitors and `tekigo verify` read these;
//! nothing here is trusted by them beyond what the signatures and proofs show.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tekigo_registry::labels::rules;
use utoipa::{IntoParams, ToSchema};

use crate::http::api::{bad_request, unreadable_query as query_error};
use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

use crate::http::api::Endpoint;
use crate::http::error::WebError;
use crate::http::state::AppState;

pub fn routes() -> Router<AppState> {
    crate::http::api::routes(endpoints())
}

/// The log's endpoints under `/api/v1`.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![
        ("/api/v1/labels/{number}/log", get(label_log)),
        ("/api/v1/labels/{number}/status", get(signed_status)),
        ("/api/v1/log/checkpoint", get(checkpoint)),
        ("/api/v1/log/keys", get(keys)),
        ("/api/v1/log/entries", get(entries)),
        ("/api/v1/log/proof/inclusion", get(inclusion)),
        ("/api/v1/log/proof/consistency", get(consistency)),
    ]
}

/// The operations and shapes of this module, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(label_log, signed_status, checkpoint, keys, entries, inclusion, consistency),
    components(schemas(LogKey, LogKeys, LogEntry, LogEntries, Proof, SignedStatus)),
    tags((name = "log", description = "The transparency log of label events: signed tree heads, entries, proofs, signed label statuses"))
)]
pub(crate) struct Doc;

fn registry_error(error: tekigo_registry::RegistryError) -> WebError {
    match error {
        tekigo_registry::RegistryError::Invalid(text) => {
            WebError::new(StatusCode::BAD_REQUEST, text.en, text.ja).json()
        }
        other => WebError::from(other).json(),
    }
}

/// The current signed tree head: a C2SP `tlog-checkpoint` in a `signed-note` (origin, size,
/// base64 root hash; then the signature line).
#[utoipa::path(
    get,
    path = "/api/v1/log/checkpoint",
    tag = "log",
    operation_id = "getCheckpoint",
    responses((status = 200, description = "The signed checkpoint", content_type = "text/plain", body = String))
)]
pub(crate) async fn checkpoint(State(state): State<AppState>) -> Result<Response, WebError> {
    let note = state.registry.checkpoint().await.map_err(registry_error)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], note.to_string())
        .into_response())
}

/// One key the log signs with, as a C2SP verifier key, with its validity.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogKey {
    /// `<name>+<hex key id>+<base64 key>`.
    pub verifier: String,
    /// Unix seconds; absent: from the start.
    pub valid_from: Option<i64>,
    /// Unix seconds; present for a retired key, which still verifies what it signed before.
    pub not_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogKeys {
    pub keys: Vec<LogKey>,
}

/// Every key the log has signed with. Pin these out of band: a key fetched from the registry
/// itself proves only that the registry is consistent with itself.
#[utoipa::path(get, path = "/api/v1/log/keys", tag = "log", operation_id = "getLogKeys",
    responses((status = 200, description = "The keyring", body = LogKeys)))]
pub(crate) async fn keys(State(state): State<AppState>) -> Result<Json<LogKeys>, WebError> {
    let keys = state.registry.log_keyring().await.map_err(registry_error)?;
    Ok(Json(LogKeys {
        keys: keys
            .iter()
            .map(|key| LogKey {
                verifier: key.to_string(),
                valid_from: key.not_before().map(|t| t.as_second()),
                not_after: key.not_after().map(|t| t.as_second()),
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct EntriesQuery {
    /// The first index.
    start: u64,
    /// One past the last index; at most 1,000 entries are returned.
    end: u64,
}

/// One leaf of the log and the event it commits to. The leaf hash is SHA-256(0x00 ||
/// JSON `["tekigo-label-event/1", seq, label, kind, status, at, detail]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntry {
    pub index: u64,
    pub seq: i64,
    pub label: String,
    pub kind: String,
    pub status: String,
    pub at: i64,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogEntries {
    pub entries: Vec<LogEntry>,
}

fn entries_json(entries: Vec<tekigo_registry::transparency::LogEntry>) -> LogEntries {
    LogEntries {
        entries: entries
            .into_iter()
            .map(|entry| LogEntry {
                index: entry.index,
                seq: entry.event.seq,
                label: entry.event.label,
                kind: entry.event.kind,
                status: entry.event.status,
                at: entry.event.at,
                detail: entry.event.detail,
            })
            .collect(),
    }
}

/// Entries `start..end` with the events as stored now. A missing index means its event is gone.
#[utoipa::path(get, path = "/api/v1/log/entries", tag = "log", operation_id = "getLogEntries", params(EntriesQuery),
    responses((status = 200, description = "The entries", body = LogEntries), (status = 400, description = "Bad range", body = crate::http::api::ErrorResponse)))]
pub(crate) async fn entries(
    State(state): State<AppState>,
    query: Result<Query<EntriesQuery>, QueryRejection>,
) -> Result<Json<LogEntries>, WebError> {
    let Query(query) = query.map_err(query_error)?;
    if query.end < query.start {
        return Err(bad_request("end: must not be before start".into(), "end: start より前にはできません".into()));
    }
    let entries = state.registry.log_entries(query.start, query.end).await.map_err(registry_error)?;
    Ok(Json(entries_json(entries)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct InclusionQuery {
    /// The leaf's index.
    index: u64,
    /// The tree size, from a checkpoint.
    size: u64,
}

/// A proof: the hashes, base64, in RFC 9162 order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Proof {
    pub proof: Vec<String>,
}

/// The inclusion proof of a leaf in the tree of a size (RFC 9162 §2.1.3).
#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log", operation_id = "getInclusionProof", params(InclusionQuery),
    responses((status = 200, description = "The audit path", body = Proof), (status = 400, description = "Index or size out of range", body = crate::http::api::ErrorResponse)))]
pub(crate) async fn inclusion(
    State(state): State<AppState>,
    query: Result<Query<InclusionQuery>, QueryRejection>,
) -> Result<Json<Proof>, WebError> {
    let Query(query) = query.map_err(query_error)?;
    let proof = state.registry.inclusion_proof(query.index, query.size).await.map_err(registry_error)?;
    Ok(Json(Proof { proof: proof.iter().map(|h| h.to_base64()).collect() }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ConsistencyQuery {
    /// The older tree size.
    first: u64,
    /// The newer tree size.
    second: u64,
}

/// The consistency proof between two tree sizes (RFC 9162 §2.1.4).
#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log", operation_id = "getConsistencyProof", params(ConsistencyQuery),
    responses((status = 200, description = "The proof", body = Proof), (status = 400, description = "Sizes out of range", body = crate::http::api::ErrorResponse)))]
pub(crate) async fn consistency(
    State(state): State<AppState>,
    query: Result<Query<ConsistencyQuery>, QueryRejection>,
) -> Result<Json<Proof>, WebError> {
    let Query(query) = query.map_err(query_error)?;
    let proof = state.registry.consistency_proof(query.first, query.second).await.map_err(registry_error)?;
    Ok(Json(Proof { proof: proof.iter().map(|h| h.to_base64()).collect() }))
}

/// A label's events in the log, with their indices.
#[utoipa::path(get, path = "/api/v1/labels/{number}/log", tag = "log", operation_id = "getLabelLog",
    params(("number" = String, Path, description = "The label number")),
    responses((status = 200, description = "The label's entries", body = LogEntries), (status = 400, description = "Not a label number", body = crate::http::api::ErrorResponse)))]
pub(crate) async fn label_log(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Json<LogEntries>, WebError> {
    if !rules::is_label_number(&number) {
        return Err(bad_request(
            format!("number: `{number}` is not a label number"),
            format!("number: `{number}` はラベル番号ではありません"),
        ));
    }
    let entries = state.registry.label_log_entries(&number).await.map_err(registry_error)?;
    Ok(Json(entries_json(entries)))
}

/// A label's signed compact status.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedStatus {
    /// The signed note (`tekigo-label-status/1`: label, product, level, status, valid from,
    /// valid until, tree size, root, issued at; then the signature line).
    pub note: String,
    /// The same, packed for a URL fragment (base64url).
    pub fragment: String,
    /// The label's page with the status in its fragment: what a QR code can carry.
    pub url: String,
}

/// The label's status now, signed by the registry's log key with the tree head it was issued
/// against: verifiable offline with the key, and online against the log.
#[utoipa::path(get, path = "/api/v1/labels/{number}/status", tag = "log", operation_id = "getSignedStatus",
    params(("number" = String, Path, description = "The label number")),
    responses((status = 200, description = "The signed status", body = SignedStatus), (status = 404, description = "No such label", body = crate::http::api::ErrorResponse)))]
pub(crate) async fn signed_status(
    State(state): State<AppState>,
    Path(number): Path<String>,
) -> Result<Json<SignedStatus>, WebError> {
    let not_found = || {
        WebError::new(
            StatusCode::NOT_FOUND,
            format!("no label {number} is registered"),
            format!("ラベル {number} は登録されていません"),
        )
        .json()
    };
    if !rules::is_label_number(&number) {
        return Err(not_found());
    }
    let note = state
        .registry
        .signed_status(&number, state.clock.today(), state.clock.now())
        .await
        .map_err(registry_error)?
        .ok_or_else(not_found)?;
    let fragment = tekigo_translog::encode_for_url(&note);
    Ok(Json(SignedStatus {
        url: format!("{}#s={fragment}", state.label_url(&number)),
        note: note.to_string(),
        fragment,
    }))
}
