//! Firmware releases during a label's validity (`tekigo_registry::releases`): the vendor
//! publishes each new firmware version of its labeled series with its SBOM and optional VEX, from
//! the vendor's label page or with an API token of the `submit` scope. The label keeps its
//! number, so the QR codes already printed keep leading to the product's current facts.

use std::sync::Arc;

use axum::Router;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Serialize;
use tekigo_base::Text;
use tekigo_registry::RegistryError;
use tekigo_registry::applications::checks::MAX_SBOM_BYTES;
use tekigo_registry::releases::{NewRelease, Release};
use utoipa::{OpenApi, ToSchema};

use crate::http::api::ErrorResponse;
use crate::http::auth::{Credential, CurrentUser};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::screen::{Upload as Screened, screen};
use crate::http::state::AppState;
use crate::http::uploads::{
    Capped, CsrfFirst, LABEL_UPLOAD_LIMIT, MAX_VEX_BYTES, read_capped, too_large, unreadable_upload,
};
use crate::http::view::vendor_only;

/// The browser's form posts to `/vendor/...`; machines post the same form to `/api/v1/...`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/vendor/labels/{number}/releases", post(publish).layer(DefaultBodyLimit::max(LABEL_UPLOAD_LIMIT)))
        .merge(crate::http::api::routes(endpoints()))
}

/// The `/api/v1` paths this module serves.
pub(crate) fn endpoints() -> Vec<crate::http::api::Endpoint> {
    vec![("/api/v1/labels/{number}/releases", post(publish).layer(DefaultBodyLimit::max(LABEL_UPLOAD_LIMIT)))]
}

/// The operations of this module, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(publish), components(schemas(PublishedRelease)), tags((name = "releases", description = "Firmware releases of a labeled series (vendors, with an API token)")))]
pub(crate) struct Doc;

/// A published release, as the registry recorded and checked it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PublishedRelease {
    #[schema(example = "2.5.1")]
    pub version: String,
    /// The day it was published (Japan time).
    #[schema(format = Date)]
    pub released: String,
    /// The models of the series it applies to, as the series spells them.
    pub models: Vec<String>,
    pub changes_security: bool,
    pub sbom_sha256: Option<String>,
    pub vex_statements: usize,
    /// The registry's own known-vulnerability check of the SBOM: `passed`, `failed` (a case is
    /// opened against the label), `needs-review` or `not-checked`.
    #[schema(example = "passed")]
    pub registry_check: String,
    /// The label's page, which now shows this release.
    pub label_url: String,
}

impl PublishedRelease {
    fn new(state: &AppState, number: &str, release: Release) -> PublishedRelease {
        let check = release
            .registry_check
            .as_ref()
            .and_then(|check| serde_json::to_value(check.outcome).ok())
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_else(|| "not-checked".into());
        PublishedRelease {
            version: release.version,
            released: release.released,
            models: release.models,
            changes_security: release.changes_security,
            sbom_sha256: release.sbom_sha256,
            vex_statements: release.vex_statements,
            registry_check: check,
            label_url: state.label_url(number),
        }
    }
}

/// Publish a firmware release of a labeled series.
///
/// `multipart/form-data`: `version`, `models` (model numbers it applies to, separated by commas
/// or new lines; none for every model of the series), `changes_security` (`true` when it changes
/// a security function), `sbom` (the release's SBOM, CycloneDX or SPDX) and optionally `vex`. A
/// browser's form sends its `csrf` part first; an API token of the `submit` scope needs none.
#[utoipa::path(
    post,
    path = "/api/v1/labels/{number}/releases",
    tag = "releases",
    operation_id = "publishRelease",
    params(("number" = String, Path, description = "The label number", example = "JC1-2026-000123")),
    request_body(content_type = "multipart/form-data", description = "version, models, changes_security, sbom, vex"),
    responses(
        (status = 201, description = "Published; the registry's check is in `registry_check`", body = PublishedRelease),
        (status = 401, description = "No valid token", body = ErrorResponse),
        (status = 404, description = "Not one of your labels", body = ErrorResponse),
        (status = 413, description = "An upload is too large", body = ErrorResponse),
        (status = 422, description = "The release is refused; the message says why", body = ErrorResponse),
    ),
    security(("apiToken" = []))
)]
async fn publish(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(number): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    vendor_only(&current, lang)?;
    let api = matches!(current.credential, Credential::Bearer { .. }) || current.path.starts_with("/api/");
    let finish = |error: WebError| if api { error.json() } else { error };
    let label = state.registry.label(&number, state.clock.today()).await.map_err(|e| finish(WebError::from(e)))?;
    let products = state.registry.products(&current.user).await.map_err(|e| finish(WebError::from(e)))?;
    let Some(product_id) =
        label.as_ref().and_then(|label| products.iter().find(|p| p.id == label.product_id)).map(|p| p.id)
    else {
        return Err(finish(WebError::new(
            StatusCode::NOT_FOUND,
            format!("you have no label {number}"),
            format!("ラベル {number} はお客様のものではありません"),
        )));
    };
    let declared_length =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > LABEL_UPLOAD_LIMIT as u64) {
        return Err(finish(too_large("upload", "アップロード", LABEL_UPLOAD_LIMIT, lang)));
    }
    let Ok(mut multipart) = multipart else { return Err(crate::http::auth::csrf_failure(lang)) };
    let mut form = CsrfFirst::new(&current, lang);
    let (mut version, mut models, mut changes_security, mut sbom, mut vex) =
        (String::new(), String::new(), false, None, None);
    let unreadable = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large("upload", "アップロード", LABEL_UPLOAD_LIMIT, lang)
        } else {
            unreadable_upload(&e, lang)
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable).map_err(finish)? {
        let Some((name, field)) = form.part(field, unreadable).await.map_err(finish)? else { continue };
        let (cap, en, ja) = match name.as_str() {
            "sbom" => (MAX_SBOM_BYTES, "SBOM", "SBOM"),
            "vex" => (MAX_VEX_BYTES, "VEX document", "VEX 文書"),
            _ => (4096, "form field", "入力欄"),
        };
        let data = match read_capped(field, cap).await.map_err(unreadable).map_err(finish)? {
            Capped::Data(data) => data,
            Capped::TooLarge => return Err(finish(too_large(en, ja, cap, lang))),
        };
        let text = || String::from_utf8_lossy(&data).trim().to_owned();
        match name.as_str() {
            "version" => version = text(),
            "models" => models = text(),
            "changes_security" => changes_security = matches!(text().as_str(), "true" | "on" | "yes" | "1"),
            "sbom" => sbom = Some(data).filter(|d| !d.is_empty()),
            "vex" => vex = Some(data).filter(|d| !d.is_empty()),
            _ => {}
        }
    }
    form.finish().map_err(finish)?;
    let refuse = |text: Text| finish(WebError::new(StatusCode::UNPROCESSABLE_ENTITY, text.en, text.ja));
    let Some(sbom) = sbom else {
        return Err(refuse(Text::new("a release needs its SBOM (`sbom`)", "リリースには SBOM（`sbom`）が必要です")));
    };
    let sbom = Arc::new(sbom);
    screen(Screened::Sbom, Arc::clone(&sbom)).await.map_err(refuse)?;
    if let Some(vex) = &vex {
        screen(Screened::Vex, Arc::new(vex.clone())).await.map_err(refuse)?;
    }
    let models: Vec<String> =
        models.split([',', '\n']).map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned).collect();
    let new = NewRelease { version: &version, models: &models, changes_security, sbom: &sbom, vex: vex.as_deref() };
    let published =
        state.registry.publish_release(&current.user, product_id, new, state.clock.today(), state.clock.now()).await;
    match published {
        Ok(release) => {
            state.labels.forget(&number);
            if api {
                Ok((StatusCode::CREATED, axum::Json(PublishedRelease::new(&state, &number, release))).into_response())
            } else {
                Ok(Redirect::to(&format!("/vendor/labels/{number}?released={}", release.version)).into_response())
            }
        }
        Err(RegistryError::Invalid(text)) => Err(refuse(text)),
        Err(other) => Err(finish(WebError::from(other).in_lang(lang))),
    }
}
