//! The changes feed, `GET /api/v1/changes`: every label event in order, the feed sellers and
//! insurers poll (SCHEME §8). Each event names its label's models and GTINs, read for the whole
//! page in one query, so a seller matches its listings without reading each label.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use tekigo_registry::labels::rules::Status;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::api::{LabelStatus, MAX_EVENTS, number_param};
use super::search::given;
use crate::http::api::{Endpoint, ErrorResponse, bad_request, unreadable_query};
use crate::http::error::WebError;
use crate::http::state::AppState;

const DEFAULT_EVENTS: i64 = 100;

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![("/api/v1/changes", get(changes))]
}

/// The feed's operation and shapes, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(changes),
    components(schemas(ChangeEvent, Changes)),
    tags((name = "feed", description = "Label events in order, for polling"))
)]
pub(super) struct Doc;

/// Something that happened to a label.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChangeEvent {
    /// The event's place in the feed: increasing, never reused.
    pub seq: i64,
    /// The label number.
    #[schema(example = "JC1-2026-000123")]
    pub label: String,
    /// What happened: `issued`, `renewed`, `expired`, `support-ended`, `case-opened` (a
    /// non-conformity was found, a grace period runs), `case-closed` (it was corrected),
    /// `suspended`, `reinstated` or `revoked`.
    #[schema(example = "issued")]
    pub kind: String,
    /// The label's status right after the event.
    pub status: LabelStatus,
    /// When it was recorded.
    #[schema(format = DateTime, example = "2026-11-26T01:00:00Z")]
    pub at: String,
    /// The model numbers of the label's series today, the representative first: what a seller
    /// matches its listings by.
    pub models: Vec<String>,
    /// The GTINs (JAN/EAN-13, EAN-8, UPC-A, GTIN-14) of the series' models that have one, in
    /// the models' order.
    pub gtins: Vec<String>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Changes {
    /// Oldest first; empty when there is nothing new.
    pub events: Vec<ChangeEvent>,
    /// The `since` for the next request: the last event's `seq` (or this request's `since` when
    /// there was nothing new).
    pub next: i64,
}

/// The parameters of `GET /api/v1/changes`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ChangesQuery {
    /// Where to start: the `next` of the previous response (events after that sequence number),
    /// or an RFC 3339 time (events recorded at or after it; write `+` as `%2B`). Default 0, the
    /// beginning.
    #[param(example = "0")]
    since: Option<String>,
    /// How many events to return (default 100, at most 1000).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
}

/// Follow label events in order.
///
/// Poll with `since` set to the `next` of the previous response; an empty `events` means nothing
/// happened since. Expiry and the end of support are recorded by the registry's hourly sweep.
#[utoipa::path(
    get,
    path = "/api/v1/changes",
    tag = "feed",
    operation_id = "listChanges",
    params(ChangesQuery),
    responses(
        (status = 200, description = "Events after `since`, oldest first", body = Changes),
        (status = 400, description = "A parameter is wrong or unknown; the message names it", body = ErrorResponse)
    )
)]
async fn changes(
    State(state): State<AppState>,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Json<Changes>, WebError> {
    let Query(query) = query.map_err(unreadable_query)?;
    let limit = number_param("limit", query.limit, DEFAULT_EVENTS, 1, Some(MAX_EVENTS))?;
    let registry_error = |e| WebError::from(e).json();
    let since = match given(query.since) {
        None => 0,
        Some(text) => match text.parse::<i64>() {
            Ok(seq) if seq >= 0 => seq,
            Ok(_) => {
                return Err(bad_request(
                    format!("since: `{text}` is negative; sequence numbers start at 0"),
                    format!("since: `{text}` は負の数です（シーケンス番号は 0 から）"),
                ));
            }
            // An unencoded `+` of a time zone offset arrives as a space.
            Err(_) => match text.replace(' ', "+").parse::<jiff::Timestamp>() {
                Ok(at) => state.registry.first_seq_at(at.as_second()).await.map_err(registry_error)?,
                Err(_) => {
                    return Err(bad_request(
                        format!(
                            "since: `{text}` is neither a sequence number nor an RFC 3339 time (2026-11-26T09:00:00+09:00)"
                        ),
                        format!(
                            "since: `{text}` はシーケンス番号でも RFC 3339 の日時（2026-11-26T09:00:00+09:00）でもありません"
                        ),
                    ));
                }
            },
        },
    };
    let events = state.registry.changes(since, limit).await.map_err(registry_error)?;
    let next = events.last().map_or(since, |event| event.seq);
    let numbers: Vec<&str> = events.iter().map(|event| event.label.as_str()).collect();
    let series = state.registry.series_of_labels(&numbers).await.map_err(registry_error)?;
    let events = events
        .into_iter()
        .map(|event| {
            let status = Status::parse(&event.status).ok_or_else(|| {
                WebError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("event {} has an unknown status `{}`", event.seq, event.status),
                    "記録された状態を読み取れません",
                )
                .json()
            })?;
            let at = jiff::Timestamp::from_second(event.at).map_or_else(|_| event.at.to_string(), |t| t.to_string());
            let models = series.get(&event.label).map(Vec::as_slice).unwrap_or_default();
            Ok(ChangeEvent {
                seq: event.seq,
                models: models.iter().map(|m| m.model.clone()).collect(),
                gtins: models.iter().filter_map(|m| m.gtin.clone()).collect(),
                label: event.label,
                kind: event.kind,
                status: status.into(),
                at,
            })
        })
        .collect::<Result<Vec<_>, WebError>>()?;
    Ok(Json(Changes { events, next }))
}
