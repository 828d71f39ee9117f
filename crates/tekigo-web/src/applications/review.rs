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
use tekigo_assess::declaration::{Answer, DecidedBy, DeclarationKind, EvidenceKind, Verdict};
use tekigo_base::{Lang, Text};
use tekigo_criteria::ItemsRule;
use tekigo_registry::RegistryError;
use tekigo_registry::store::{Application, Role};
use tekigo_registry::vulnerability_check::{FindingSummary, Outcome, RegistryCheck};

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::present::{ApplicationRow, CheckRow, ProductView, check_rows};
use crate::http::state::AppState;
use crate::http::view::path_id;
use crate::http::view::{self, Message};
use crate::http::view::{registry_error, staff_only};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/review", get(queue))
        .route("/review/applications/{id}", get(application_page))
        .route("/review/applications/{id}/declaration.json", get(declaration_file))
        .route("/review/applications/{id}/sbom", get(sbom_file))
        .route("/review/applications/{id}/files/{sha256}", get(evidence_file))
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

struct RequirementRow {
    id: String,
    title: String,
    verdict: String,
    class: &'static str,
    reason: Option<String>,
    /// "all items" or "any one item".
    items_rule: String,
    items: Vec<ItemRow>,
}

/// One evaluation item: the answer, who gave it, the answerer's rationale and the evidence.
struct ItemRow {
    id: String,
    text: String,
    answer: String,
    class: &'static str,
    decided_by: String,
    note: Option<String>,
    detail: Option<String>,
    /// Evidence IDs, each an anchor into the evidence table.
    evidence: Vec<String>,
}

/// One piece of evidence the declaration names.
pub(crate) struct EvidenceRow {
    id: String,
    kind: String,
    location: String,
    /// Only for `http://` and `https://` addresses: anything else stays text.
    href: Option<String>,
    sha256: Option<String>,
    size: Option<u64>,
    description: Option<String>,
    /// Where the reviewer downloads the file, when the registry holds it.
    download: Option<String>,
}

/// The SCHEME §2 rule, as the vendor declared it and as the registry checked it.
struct VulnerabilityComparison {
    declared: Option<String>,
    declared_class: &'static str,
    declared_failing: Vec<String>,
    registry: String,
    registry_class: &'static str,
    registry_reason: String,
    registry_failing: Vec<String>,
    registry_review: Vec<String>,
    registry_counts: Option<String>,
    checked_on: Option<String>,
    /// The database the registry used: one row per source.
    sources: Vec<(String, String, String)>,
    age: Option<String>,
    /// Older than [`STALE_DAYS`]: the reviewer is told so.
    stale: bool,
    agree: Option<bool>,
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
    vulnerability_evidence: Vec<String>,
    key_id: Option<String>,
    evidence: Vec<EvidenceRow>,
    attachments: Vec<EvidenceRow>,
}

/// A database older than this many days is flagged to the reviewer (the vulnerability
/// policy's default `max_age_days`).
const STALE_DAYS: i64 = 7;

fn answer_class(answer: Answer) -> &'static str {
    match answer {
        Answer::Yes => "ok",
        Answer::No => "error",
        Answer::NotApplicable | Answer::Pending => "muted",
    }
}

fn decided_by(by: DecidedBy) -> Text {
    match by {
        DecidedBy::Person => Text::new("a person", "担当者"),
        DecidedBy::Probe => Text::new("tekigo probe", "tekigo probe"),
        DecidedBy::SbomCheck => Text::new("tekigo sbom check", "tekigo sbom check"),
        DecidedBy::Mapping => Text::new("another scheme's answer, through a mapping", "他制度の回答（対応関係による）"),
    }
}

fn evidence_kind(kind: EvidenceKind) -> Text {
    match kind {
        EvidenceKind::File => Text::new("file", "ファイル"),
        EvidenceKind::Url => Text::new("web page", "ウェブページ"),
        EvidenceKind::Reference => Text::new("reference", "参照"),
        EvidenceKind::Probe => Text::new("probe report", "probe の報告"),
        EvidenceKind::SbomCheck => Text::new("SBOM check report", "SBOM チェックの報告"),
        EvidenceKind::Sbom => Text::new("SBOM", "SBOM"),
    }
}

/// A link only for web addresses: a `javascript:` or `data:` location is shown as text.
fn web_link(location: &str) -> Option<String> {
    let lower = location.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| location.trim().to_owned())
}

/// Where a file with this SHA-256 is downloaded, if the registry holds it: the application's
/// SBOM, or a file the vendor uploaded with it.
fn download_href(id: i64, sha256: &str, sbom_sha256: &str, stored: &[String]) -> Option<String> {
    if sha256 == sbom_sha256 {
        Some(format!("/review/applications/{id}/sbom"))
    } else if stored.iter().any(|s| s == sha256) {
        Some(format!("/review/applications/{id}/files/{sha256}"))
    } else {
        None
    }
}

fn evidence_rows(
    declaration: &Declaration,
    id: i64,
    sbom_sha256: &str,
    stored: &[String],
    lang: Lang,
) -> Vec<EvidenceRow> {
    declaration
        .evidence
        .iter()
        .map(|e| EvidenceRow {
            id: e.id.clone(),
            kind: evidence_kind(e.kind).get(lang).to_owned(),
            location: e.location.clone(),
            href: (e.kind == EvidenceKind::Url).then(|| web_link(&e.location)).flatten(),
            sha256: e.sha256.clone(),
            size: e.size,
            description: e.description.clone(),
            download: e.sha256.as_deref().and_then(|sha| download_href(id, sha, sbom_sha256, stored)),
        })
        .collect()
}

fn attachment_rows(declaration: &Declaration, id: i64, sbom_sha256: &str, stored: &[String]) -> Vec<EvidenceRow> {
    declaration
        .attachments
        .iter()
        .map(|a| EvidenceRow {
            id: a.name.clone(),
            kind: a.media_type.clone(),
            location: a.name.clone(),
            href: None,
            sha256: Some(a.sha256.clone()),
            size: Some(a.size),
            description: None,
            download: download_href(id, &a.sha256, sbom_sha256, stored),
        })
        .collect()
}

fn finding_line(finding: &FindingSummary, lang: Lang) -> String {
    let score = finding
        .cvss
        .map_or_else(|| Text::new("no score", "スコアなし").get(lang).to_owned(), |s| format!("CVSS {s:.1}"));
    let exploitable = if finding.exploitable {
        Text::new(", exploitable", "、悪用可能").get(lang).to_owned()
    } else {
        String::new()
    };
    format!("{} — {} ({score}{exploitable}): {}", finding.id, finding.component, finding.reason.get(lang))
}

fn comparison(
    declaration: Option<&Declaration>,
    check: Option<&RegistryCheck>,
    today: jiff::civil::Date,
    lang: Lang,
) -> VulnerabilityComparison {
    let t = |en: &str, ja: &str| Text::new(en, ja).get(lang).to_owned();
    let declared = declaration.and_then(|d| d.vulnerabilities.as_ref());
    let (registry, registry_class, registry_reason) = match check {
        Some(check) => (
            check.outcome.label().get(lang).to_owned(),
            match check.outcome {
                Outcome::Passed => "ok",
                Outcome::Failed => "error",
                Outcome::NeedsReview | Outcome::NotChecked => "warning",
            },
            check.reason.get(lang).to_owned(),
        ),
        None => (
            Outcome::NotChecked.label().get(lang).to_owned(),
            "warning",
            t(
                "submitted before the registry checked applications itself",
                "登録簿が自ら確認するようになる前に提出された申請です",
            ),
        ),
    };
    let database = check.and_then(|c| c.database.as_ref());
    let age_days = database.and_then(|d| d.age_days(today));
    let agree = match (declared, check.map(|c| c.outcome)) {
        (Some(d), Some(Outcome::Passed)) => Some(d.verdict == Verdict::Conformant),
        (Some(d), Some(Outcome::Failed)) => Some(d.verdict != Verdict::Conformant),
        _ => None,
    };
    VulnerabilityComparison {
        declared: declared.map(|v| v.verdict.label().get(lang).to_owned()),
        declared_class: declared.map_or("muted", |v| verdict_class(v.verdict)),
        declared_failing: declared.map(|v| v.failing.clone()).unwrap_or_default(),
        registry,
        registry_class,
        registry_reason,
        registry_failing: check.map(|c| c.failing.iter().map(|f| finding_line(f, lang)).collect()).unwrap_or_default(),
        registry_review: check
            .map(|c| c.needs_review.iter().map(|f| finding_line(f, lang)).collect())
            .unwrap_or_default(),
        registry_counts: check.filter(|c| c.outcome != Outcome::NotChecked).map(|c| match lang {
            Lang::En => format!(
                "{} components; findings: {} fail, {} need review, {} pass, {} not affected (VEX, {} statements), {} excepted",
                c.components, c.counts.fail, c.counts.needs_review, c.counts.pass, c.counts.not_affected, c.vex_statements, c.counts.excepted
            ),
            Lang::Ja => format!(
                "コンポーネント {} 個。検出: 不合格 {}、要確認 {}、合格 {}、影響なし {}（VEX の記述 {} 件）、例外 {}",
                c.components, c.counts.fail, c.counts.needs_review, c.counts.pass, c.counts.not_affected, c.vex_statements, c.counts.excepted
            ),
        }),
        checked_on: check.map(|c| c.checked_on.clone()),
        sources: database
            .map(|d| {
                d.sources
                    .iter()
                    .map(|s| {
                        let age = s.day().map_or_else(
                            || "?".to_owned(),
                            |day| match lang {
                                Lang::En => format!("{} days", (today - day).get_days()),
                                Lang::Ja => format!("{} 日", (today - day).get_days()),
                            },
                        );
                        (s.name.clone(), s.data_date.clone().unwrap_or_else(|| s.last_import.clone()), age)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        age: age_days.map(|days| match lang {
            Lang::En => format!("{days} days old (its oldest source)"),
            Lang::Ja => format!("{days} 日前のデータ（最も古い情報源）"),
        }),
        stale: age_days.is_some_and(|days| days > STALE_DAYS),
        agree,
    }
}

fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Conformant => "ok",
        Verdict::NotConformant => "error",
        Verdict::NotApplicable | Verdict::Pending => "muted",
    }
}

fn summary(declaration: &Declaration, files: &StoredFiles<'_>, lang: Lang) -> DeclarationSummary {
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
                items_rule: match r.items_rule {
                    ItemsRule::All => t("every item must hold", "すべての項目を満たす"),
                    ItemsRule::Any => t("any one item is enough", "いずれか一つの項目を満たせばよい"),
                },
                items: r
                    .items
                    .iter()
                    .map(|item| ItemRow {
                        id: item.id.clone(),
                        text: item.text.get(lang).to_owned(),
                        answer: item.answer.label().get(lang).to_owned(),
                        class: answer_class(item.answer),
                        decided_by: decided_by(item.decided_by).get(lang).to_owned(),
                        note: item.note.clone().filter(|n| !n.trim().is_empty()),
                        detail: item.detail.as_ref().map(|d| d.get(lang).to_owned()),
                        evidence: item.evidence.clone(),
                    })
                    .collect(),
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
        vulnerability_evidence: declaration.vulnerabilities.as_ref().map(|v| v.evidence.clone()).unwrap_or_default(),
        key_id: declaration.signature.as_ref().map(|s| s.key_id.clone()),
        evidence: evidence_rows(declaration, files.application, files.sbom_sha256, files.stored, lang),
        attachments: attachment_rows(declaration, files.application, files.sbom_sha256, files.stored),
    }
}

/// What the registry holds of an application's files, for download links.
struct StoredFiles<'a> {
    application: i64,
    sbom_sha256: &'a str,
    /// SHA-256 of every file the vendor uploaded with the application.
    stored: &'a [String],
}

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
