//! The certification body's screens (SCHEME §1: it reviews applications and issues labels): the
//! queue of submitted applications, one application with its automatic checks and a summary of
//! the stored declaration, the decision (approve: the label is issued; return: with a comment),
//! the audit trail, and the admin's page for staff accounts.
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
use tekigo_assess::declaration::{DeclarationKind, Verdict};
use tekigo_criteria::{Lang, Text};
use tekigo_registry::RegistryError;
use tekigo_registry::store::{Application, Role};

use crate::auth::{CsrfField, CurrentUser, SessionForm};
use crate::error::WebError;
use crate::i18n::PageLang;
use crate::layout::Chrome;
use crate::state::AppState;
use crate::vendor::{ApplicationRow, CheckRow, ProductView, check_rows, path_id};
use crate::view::{self, Message};
use crate::view::{registry_error, staff_only};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(queue))
        .route("/review/applications/{id}", get(application_page))
        .route("/review/applications/{id}/declaration.json", get(declaration_file))
        .route("/review/applications/{id}/sbom", get(sbom_file))
        .route("/review/applications/{id}/approve", post(approve))
        .route("/review/applications/{id}/return", post(return_application))
        .route("/review/audit", get(audit))
        .route("/admin/staff", get(staff_page).post(create_staff))
}

/// Who decides applications (SCHEME §1: the certification body's reviewers).
fn can_decide(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Admin)
}

// -------------------------------------------------------------------------------------------
// The queue

#[derive(Template)]
#[template(path = "review_queue.html")]
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

struct RequirementRow {
    id: String,
    title: String,
    verdict: String,
    class: &'static str,
    reason: Option<String>,
}

struct DeclarationSummary {
    scheme: String,
    scheme_title: String,
    level_name: String,
    criteria_version: String,
    kind: String,
    issued: String,
    declarant: String,
    product: String,
    conformant: bool,
    counts: Vec<(String, usize)>,
    requirements: Vec<RequirementRow>,
    vulnerabilities: Option<String>,
    key_id: Option<String>,
    evidence: usize,
    attachments: usize,
}

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Conformant => "ok",
        Verdict::NotConformant => "error",
        Verdict::NotApplicable | Verdict::Pending => "muted",
    }
}

fn summary(declaration: &Declaration, lang: Lang) -> DeclarationSummary {
    let counts = &declaration.outcome.counts;
    let product = &declaration.product;
    let declarant = &declaration.declarant;
    let t = |en: &str, ja: &str| Text::new(en, ja).get(lang).to_owned();
    DeclarationSummary {
        scheme: declaration.scheme.id.clone(),
        scheme_title: declaration.scheme.title.get(lang).to_owned(),
        level_name: declaration.scheme.level_name.get(lang).to_owned(),
        criteria_version: declaration.scheme.version.clone(),
        kind: match declaration.kind {
            DeclarationKind::SelfDeclaration => t("self-declaration of conformity", "適合自己宣言"),
            DeclarationKind::DerivedStatement => t("derived statement", "対応関係による声明"),
        },
        issued: declaration.issued.clone(),
        declarant: [declarant.name.as_str(), declarant.role.as_str(), declarant.organisation.as_str()]
            .iter()
            .filter(|s| !s.trim().is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        product: format!(
            "{} {} ({}, firmware {})",
            product.vendor, product.name, product.model, product.firmware_version
        ),
        conformant: declaration.outcome.conformant,
        counts: vec![
            (Verdict::Conformant.label().get(lang).to_owned(), counts.conformant),
            (Verdict::NotConformant.label().get(lang).to_owned(), counts.not_conformant),
            (Verdict::NotApplicable.label().get(lang).to_owned(), counts.not_applicable),
            (Verdict::Pending.label().get(lang).to_owned(), counts.pending),
        ],
        requirements: declaration
            .requirements
            .iter()
            .map(|r| RequirementRow {
                id: r.id.clone(),
                title: r.title.get(lang).to_owned(),
                verdict: r.verdict.label().get(lang).to_owned(),
                class: verdict_class(r.verdict),
                reason: r.reason.as_ref().map(|reason| reason.get(lang).to_owned()),
            })
            .collect(),
        vulnerabilities: declaration.vulnerabilities.as_ref().map(|v| {
            let components = v.components.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
            let failing = if v.failing.is_empty() { String::new() } else { format!(" — {}", v.failing.join(", ")) };
            match lang {
                Lang::En => format!(
                    "{} (known exploitable vulnerabilities from CVSS {:.1}; {components} components checked){failing}",
                    v.verdict.label().en,
                    v.cvss_min
                ),
                Lang::Ja => format!(
                    "{}（CVSS {:.1} 以上の既知の悪用可能な脆弱性。確認したコンポーネント {components} 個）{failing}",
                    v.verdict.label().ja,
                    v.cvss_min
                ),
            }
        }),
        key_id: declaration.signature.as_ref().map(|s| s.key_id.clone()),
        evidence: declaration.evidence.len(),
        attachments: declaration.attachments.len(),
    }
}

#[derive(Template)]
#[template(path = "review_application.html")]
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
    let (declaration, declaration_error) = match serde_json::from_slice::<Declaration>(&declaration_bytes) {
        Ok(declaration) => (Some(summary(&declaration, lang)), None),
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
#[template(path = "review_audit.html")]
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

// -------------------------------------------------------------------------------------------
// Staff accounts (admin)

#[derive(Debug, Default, Deserialize)]
struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

impl CsrfField for StaffForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

struct StaffRow {
    at: String,
    email: String,
    role: String,
    by: String,
}

#[derive(Template)]
#[template(path = "admin_staff.html")]
struct StaffPage {
    chrome: Chrome,
    error: Option<Message>,
    staff: Vec<StaffRow>,
    /// `(id, title, selected)`.
    roles: Vec<(&'static str, &'static str, bool)>,
    form: StaffForm,
}

fn admin_only(current: &CurrentUser, lang: Lang) -> Result<(), WebError> {
    if current.user.role == Role::Admin {
        Ok(())
    } else {
        Err(view::bilingual_error(
            StatusCode::FORBIDDEN,
            "This page is for administrators.",
            "このページは管理者用です。",
            lang,
        ))
    }
}

fn role_name(role: &str, lang: Lang) -> &'static str {
    let (en, ja) = match role {
        "reviewer" => ("reviewer", "審査者"),
        "committee" => ("committee member", "委員会委員"),
        "admin" => ("administrator", "管理者"),
        _ => ("other", "その他"),
    };
    crate::i18n::t(lang, en, ja)
}

async fn render_staff(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    status: StatusCode,
    error: Option<Message>,
    form: StaffForm,
) -> Result<Response, WebError> {
    // The staff accounts made so far, as the audit trail recorded them.
    let records = state.registry.audit_trail(&current.user, 1000).await.map_err(registry_error(lang))?;
    let staff = records
        .into_iter()
        .filter(|r| r.action == "create-staff")
        .map(|r| {
            let detail: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or_default();
            let field = |name: &str| detail.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            StaffRow {
                at: view::datetime(r.at),
                email: field("email"),
                role: role_name(&field("role"), lang).to_owned(),
                by: r.actor,
            }
        })
        .collect();
    let page = StaffPage {
        chrome: current.chrome_at(lang, "/admin/staff"),
        error,
        staff,
        roles: [Role::Reviewer, Role::Committee, Role::Admin]
            .iter()
            .map(|r| (r.name(), role_name(r.name(), lang), r.name() == form.role))
            .collect(),
        form,
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn staff_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    admin_only(&current, lang)?;
    let form = StaffForm { role: Role::Reviewer.name().to_owned(), ..StaffForm::default() };
    render_staff(&state, &current, lang, StatusCode::OK, None, form).await
}

async fn create_staff(State(state): State<AppState>, posted: SessionForm<StaffForm>) -> Result<Response, WebError> {
    let SessionForm { current, lang, mut form } = posted;
    admin_only(&current, lang)?;
    let invalid = |text: Text| Some(Message::new(&text, lang));
    let error = match Role::parse(&form.role).filter(|r| r.is_staff()) {
        None => invalid(Text::new(
            "Choose a role: reviewer, committee member or administrator.",
            "役割（審査者・委員会委員・管理者）を選んでください。",
        )),
        Some(role) => {
            let created = state
                .registry
                .create_staff(Some(&current.user), &form.email, &form.name, role, &form.password, state.clock.now())
                .await;
            match created {
                Ok(_) => return Ok(Redirect::to("/admin/staff").into_response()),
                Err(RegistryError::Invalid(text)) => invalid(text),
                Err(other) => return Err(WebError::from(other).in_lang(lang)),
            }
        }
    };
    form.password.clear();
    render_staff(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, error, form).await
}
