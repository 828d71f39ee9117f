//! The certification body's review (SCHEME §1: it reviews applications and issues labels): the
//! queue of submitted applications, one application with its automatic checks and a summary of
//! the stored declaration (`declaration.rs`), its files for download, the decision (approve: the
//! label is issued; return: with a comment), and the audit trail.
//!
//! Staff (reviewer, committee, admin) see these pages; only a reviewer or an admin decides (the
//! store enforces it too). Anyone else gets 403.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tekigo_assess::Declaration;
use tekigo_base::Lang;
use tekigo_registry::RegistryError;
use tekigo_registry::{Application, Role};

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::present::{ApplicationRow, CheckRow, ProductView, check_rows};
use crate::http::state::AppState;
use crate::http::view::path_id;
use crate::http::view::{self, Message};
use crate::http::view::{registry_error, staff_only};

use super::declaration::{DeclarationSummary, StoredFiles, VulnerabilityComparison, comparison, summary};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(queue))
        .route("/review/applications/{id}", get(application_page))
        .route("/review/applications/{id}/declaration.json", get(declaration_file))
        .route("/review/applications/{id}/sbom", get(sbom_file))
        .route("/review/applications/{id}/files/{sha256}", get(evidence_file))
        .route("/review/applications/{id}/fee", post(record_fee))
        .route("/review/applications/{id}/authorisation", get(authorisation_file))
        .route("/review/applications/{id}/approve", post(approve))
        .route("/review/applications/{id}/return", post(return_application))
        .route("/review/audit", get(audit))
}

/// Who decides applications (SCHEME §1: the certification body's reviewers).
fn can_decide(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Admin)
}

// -------------------------------------------------------------------------------------------
// The queue

#[derive(Template)]
#[template(path = "applications/review_queue.html")]
struct QueuePage {
    chrome: Chrome,
    queue: Vec<ApplicationRow>,
    decided: Vec<DecidedRow>,
    is_admin: bool,
}

struct DecidedRow {
    row: ApplicationRow,
    decided: String,
}

async fn queue(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let user = &current.user;
    // Oldest first: the store orders the queue by submission.
    let queue = state.registry.applications(user, Some("submitted")).await.map_err(registry_error(lang))?;
    let mut decided: Vec<Application> = state
        .registry
        .applications(user, None)
        .await
        .map_err(registry_error(lang))?
        .into_iter()
        .filter(|a| a.status != "submitted")
        .collect();
    decided.sort_by_key(|a| std::cmp::Reverse((a.decided, a.id)));
    decided.truncate(20);
    let page = QueuePage {
        chrome: current.chrome(lang),
        queue: queue.iter().map(|a| ApplicationRow::new(a, lang)).collect(),
        decided: decided
            .iter()
            .map(|a| DecidedRow {
                row: ApplicationRow::new(a, lang),
                decided: a.decided.map(view::datetime).unwrap_or_default(),
            })
            .collect(),
        is_admin: user.role == Role::Admin,
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

// -------------------------------------------------------------------------------------------
// One application

#[derive(Template)]
#[template(path = "applications/review_application.html")]
struct ApplicationPage {
    chrome: Chrome,
    error: Option<Message>,
    application: ApplicationRow,
    declaration_id: String,
    sbom_sha256: String,
    sbom_bytes: usize,
    decided: Option<String>,
    product: ProductView,
    checks: Vec<CheckRow>,
    declaration: Option<DeclarationSummary>,
    declaration_error: Option<String>,
    vulnerabilities: VulnerabilityComparison,
    can_decide: bool,
    pending: bool,
    comment: String,
}

async fn render_application(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    id: i64,
    status: StatusCode,
    error: Option<Message>,
    comment: String,
) -> Result<Response, WebError> {
    let user = &current.user;
    let application = state.registry.application(user, id).await.map_err(registry_error(lang))?;
    let product = state.registry.product(user, application.product_id).await.map_err(registry_error(lang))?;
    let (declaration_bytes, sbom) = state.registry.application_files(user, id).await.map_err(registry_error(lang))?;
    let stored = state.registry.application_file_hashes(user, id).await.map_err(registry_error(lang))?;
    let files = StoredFiles { application: id, sbom_sha256: &application.sbom_sha256, stored: &stored };
    let parsed = serde_json::from_slice::<Declaration>(&declaration_bytes);
    let vulnerabilities =
        comparison(parsed.as_ref().ok(), application.registry_check.as_ref(), state.clock.today(), lang);
    let (declaration, declaration_error) = match &parsed {
        Ok(declaration) => (Some(summary(declaration, &files, lang)), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let page = ApplicationPage {
        chrome: current.chrome_at(lang, &format!("/review/applications/{id}")),
        error,
        application: ApplicationRow::new(&application, lang),
        declaration_id: application.declaration_id.clone(),
        sbom_sha256: application.sbom_sha256.clone(),
        sbom_bytes: sbom.len(),
        decided: application.decided.map(view::datetime),
        product: ProductView::new(state, &product, lang),
        checks: check_rows(&application, lang),
        declaration,
        declaration_error,
        vulnerabilities,
        can_decide: can_decide(user.role),
        pending: application.status == "submitted",
        comment,
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn application_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    render_application(&state, &current, lang, id, StatusCode::OK, None, String::new()).await
}

/// A stored file as a download: never shown inline (it is the vendor's content).
fn download(bytes: Vec<u8>, content_type: &'static str, filename: String) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn declaration_file(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let (declaration, _) = state.registry.application_files(&current.user, id).await.map_err(registry_error(lang))?;
    Ok(download(declaration, "application/json", format!("declaration-{id}.json")))
}

async fn sbom_file(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let (_, sbom) = state.registry.application_files(&current.user, id).await.map_err(registry_error(lang))?;
    // JSON (CycloneDX, SPDX 2/3), XML (CycloneDX) or SPDX tag-value, by its first character.
    let (content_type, extension) = match sbom.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => ("application/json", "json"),
        Some(b'<') => ("application/xml", "xml"),
        _ => ("text/plain; charset=utf-8", "spdx"),
    };
    Ok(download(sbom, content_type, format!("sbom-{id}.{extension}")))
}

/// A file the vendor uploaded with the application, by its SHA-256 (which the signed
/// declaration fixes); always a download.
async fn evidence_file(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path((id, sha256)): Path<(String, String)>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let (name, bytes) =
        state.registry.application_file(&current.user, id, &sha256).await.map_err(registry_error(lang))?;
    // The vendor's name for it, reduced to characters safe in a header.
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    Ok(download(bytes, "application/octet-stream", safe))
}

/// The vendor's authorisation of the agent that filed the application; always a download.
async fn authorisation_file(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let (name, bytes) = state.registry.agent_authorisation(&current.user, id).await.map_err(registry_error(lang))?;
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    Ok(download(bytes, "application/octet-stream", safe))
}

#[derive(Debug, Deserialize)]
struct FeeForm {
    #[serde(default)]
    csrf: String,
    /// Empty: the schedule's fee.
    #[serde(default)]
    yen: String,
    #[serde(default)]
    reference: String,
}

impl CsrfField for FeeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Records that the application's fee was received (the step before issuance).
async fn record_fee(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SessionForm<FeeForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let typed: String = form.yen.chars().filter(|c| !matches!(c, ',' | '¥' | '円' | ' ')).collect();
    let yen = match typed.as_str() {
        "" => None,
        digits => match digits.parse::<u64>() {
            Ok(yen) => Some(yen),
            Err(_) => {
                let text = tekigo_base::Text::new(
                    format!("the amount `{}` is not a whole number of yen", form.yen),
                    format!("金額 `{}` は円単位の整数ではありません", form.yen),
                );
                let error = Some(Message::new(&text, lang));
                return render_application(
                    &state,
                    &current,
                    lang,
                    id,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    error,
                    String::new(),
                )
                .await;
            }
        },
    };
    match state.registry.record_fee(&current.user, id, yen, &form.reference, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to(&format!("/review/applications/{id}#decide")).into_response()),
        Err(RegistryError::Invalid(text)) => {
            let error = Some(Message::new(&text, lang));
            render_application(&state, &current, lang, id, StatusCode::UNPROCESSABLE_ENTITY, error, String::new()).await
        }
        Err(RegistryError::Rejected(problems)) => {
            let error = problems.first().map(|text| Message::new(text, lang));
            render_application(&state, &current, lang, id, StatusCode::UNPROCESSABLE_ENTITY, error, String::new()).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

#[derive(Debug, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    comment: String,
}

impl CsrfField for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Approves: the label is issued (or renewed) and the reviewer is taken to its page.
async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SessionForm<DecisionForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, .. } = posted;
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    match state.registry.approve(&current.user, id, state.clock.today(), state.clock.now()).await {
        Ok(label) => Ok(Redirect::to(&format!("/labels/{}", label.number)).into_response()),
        Err(RegistryError::Invalid(text)) => {
            let error = Some(Message::new(&text, lang));
            render_application(&state, &current, lang, id, StatusCode::UNPROCESSABLE_ENTITY, error, String::new()).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

/// Returns the application to its vendor; the comment (required) is what the vendor reads.
async fn return_application(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SessionForm<DecisionForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    match state.registry.return_application(&current.user, id, &form.comment, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to("/review").into_response()),
        Err(RegistryError::Invalid(text)) => {
            let error = Some(Message::new(&text, lang));
            render_application(&state, &current, lang, id, StatusCode::UNPROCESSABLE_ENTITY, error, form.comment).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

// -------------------------------------------------------------------------------------------
// The audit trail

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    object: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "applications/review_audit.html")]
struct AuditPage {
    chrome: Chrome,
    records: Vec<AuditRow>,
    limit: i64,
}

const AUDIT_LIMIT: i64 = 500;

async fn audit(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    // Newest first (the store's order).
    let records = state.registry.audit_trail(&current.user, AUDIT_LIMIT).await.map_err(registry_error(lang))?;
    let page = AuditPage {
        chrome: current.chrome(lang),
        records: records
            .into_iter()
            .map(|r| AuditRow {
                at: view::datetime(r.at),
                actor: r.actor,
                action: r.action,
                object: r.object,
                detail: r.detail,
            })
            .collect(),
        limit: AUDIT_LIMIT,
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}
