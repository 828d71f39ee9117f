//! CSAF 2.0 advisories on labeled products over HTTP, for JVN and anyone else (SCHEME §7): the
//! list, and each document as `tekigo csaf export` or the hourly sweep last wrote it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use axum::Router;
use axum::routing::get;
use utoipa::OpenApi;

use crate::http::api::Endpoint;
use crate::http::error::WebError;
use crate::http::state::AppState;

pub fn routes() -> Router<AppState> {
    crate::http::api::routes(endpoints())
}

/// The advisories' endpoints under `/api/v1`.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![("/api/v1/advisories", get(list)), ("/api/v1/advisories/{file}", get(document))]
}

/// The operations and shapes of this module, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(list, document),
    components(schemas(Advisory, Advisories)),
    tags((name = "advisories", description = "CSAF 2.0 advisories on vulnerabilities found in labeled products (SCHEME §7)"))
)]
pub(crate) struct Doc;

#[derive(Debug, Serialize, ToSchema)]
pub struct Advisory {
    pub tracking_id: String,
    /// The document's address.
    pub url: String,
    /// Unix seconds.
    pub current_release: i64,
    pub version: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Advisories {
    pub advisories: Vec<Advisory>,
}

/// The CSAF advisories on vulnerabilities monitoring found in labeled products, newest first.
#[utoipa::path(get, path = "/api/v1/advisories", tag = "advisories", operation_id = "listAdvisories",
    responses((status = 200, description = "The advisories", body = Advisories)))]
pub(crate) async fn list(State(state): State<AppState>) -> Result<Json<Advisories>, WebError> {
    let published = state.registry.published_advisories().await.map_err(|e| WebError::from(e).json())?;
    Ok(Json(Advisories {
        advisories: published
            .into_iter()
            .map(|a| Advisory {
                url: format!("{}/api/v1/advisories/{}", state.base_url, a.file_name),
                tracking_id: a.tracking_id,
                current_release: a.current_release,
                version: a.version,
            })
            .collect(),
    }))
}

/// One CSAF 2.0 document (`csaf_vex`), valid against the CSAF schema and the mandatory tests.
#[utoipa::path(get, path = "/api/v1/advisories/{file}", tag = "advisories", operation_id = "getAdvisory",
    params(("file" = String, Path, description = "The document's file name, e.g. jcstar-cve-2026-31337.json")),
    responses((status = 200, description = "The CSAF document", content_type = "application/json", body = Object),
              (status = 404, description = "No such advisory", body = crate::http::api::ErrorResponse)))]
pub(crate) async fn document(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, WebError> {
    let not_found = || {
        WebError::new(StatusCode::NOT_FOUND, format!("no advisory {file}"), format!("アドバイザリ {file} はありません"))
            .json()
    };
    let document = state.registry.published_advisory(&file).await.map_err(|e| WebError::from(e).json())?;
    let document = document.ok_or_else(not_found)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], document.to_string()).into_response())
}
