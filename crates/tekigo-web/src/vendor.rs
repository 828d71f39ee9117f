//! The vendor's screens (SCHEME §1: the vendor applies for a label and declares conformity): its
//! products with their labels, its applications and what the reviewer said, the keys its
//! declarations are signed with, API tokens, and the upload of a signed declaration and its SBOM.
//!
//! Only the vendor role sees these pages; staff and others get 403. Another vendor's product or
//! application is "not found" (the store does not disclose that it exists).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use serde::Deserialize;
use tekigo_base::{Lang, Text};
use tekigo_criteria::Sector;
use tekigo_registry::RegistryError;
use tekigo_registry::checks::{MAX_DECLARATION_BYTES, MAX_EVIDENCE_BYTES, MAX_SBOM_BYTES};
use tekigo_registry::store::{Application, NewProduct, Product, Role, TOKEN_DEFAULT_DAYS, TokenScope, Upload};

use crate::auth::{CsrfField, CurrentUser, SessionForm};
use crate::cases::{CaseView, FindingRow, LifecycleView};
use crate::error::WebError;
use crate::i18n::PageLang;
use crate::layout::Chrome;
use crate::screen::{Upload as Screened, screen};
use crate::state::AppState;
use crate::view::registry_error;
use crate::view::{self, Message};

/// The largest application upload: the declaration's and the SBOM's limits, and room for the
/// form's own parts. A larger body is refused with 413 before it is read
/// (`DefaultBodyLimit` stops reading there; a declared `Content-Length` beyond it is refused
/// before reading anything).
pub const UPLOAD_LIMIT: usize =
    MAX_DECLARATION_BYTES + MAX_SBOM_BYTES + MAX_VEX_BYTES + MAX_EVIDENCE_BYTES + 2 * 1024 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/vendor", get(dashboard))
        .route("/vendor/keys", post(add_key))
        .route("/vendor/products", post(add_product))
        .route("/vendor/tokens", post(add_token))
        .route("/vendor/tokens/{id}/revoke", post(revoke_token))
        .route("/vendor/products/{id}", get(product_page))
        .route("/vendor/products/{id}/applications", post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/vendor/applications/{id}", get(application_page))
        .route("/vendor/labels/{number}", get(label_page))
        .route("/vendor/labels/{number}/{kind}", post(label_upload).layer(DefaultBodyLimit::max(LABEL_UPLOAD_LIMIT)))
}

/// The largest VEX document a vendor uploads for a label.
pub const MAX_VEX_BYTES: usize = 16 * 1024 * 1024;
/// The largest upload on a label's page (an updated SBOM, or VEX), with room for the form.
pub const LABEL_UPLOAD_LIMIT: usize = MAX_SBOM_BYTES + 1024 * 1024;

/// The vendor's own pages are for the vendor role.
fn vendor_only(current: &CurrentUser, lang: Lang) -> Result<(), WebError> {
    if current.user.role == Role::Vendor {
        Ok(())
    } else {
        Err(view::bilingual_error(
            StatusCode::FORBIDDEN,
            "These pages are for vendors. Certification-body staff work under Review.",
            "このページは事業者用です。認証機関の職員は「審査」のページを使ってください。",
            lang,
        ))
    }
}

/// A number from the path; anything else is a page that does not exist.
pub(crate) fn path_id(text: &str, lang: Lang) -> Result<i64, WebError> {
    text.parse::<i64>().map_err(|_| WebError::not_found().in_lang(lang))
}

// -------------------------------------------------------------------------------------------
// What the pages show

/// A label as a table cell: its number and status on the day.
pub(crate) struct LabelCell {
    pub number: String,
    pub status: String,
    /// `status-valid`, ...: the stylesheet's class (the words carry the meaning).
    pub class: String,
}

pub(crate) struct ApplicationRow {
    pub id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub vendor: String,
    pub level: String,
    pub submitted: String,
    pub status: String,
    pub status_class: &'static str,
    pub comment: Option<String>,
    pub label_number: Option<String>,
}

impl ApplicationRow {
    pub(crate) fn new(application: &Application, lang: Lang) -> ApplicationRow {
        ApplicationRow {
            id: application.id,
            product_id: application.product_id,
            product_name: application.product_name.clone(),
            vendor: application.vendor.clone(),
            level: view::stars(&application.level),
            submitted: view::datetime(application.submitted),
            status: view::application_status(&application.status).get(lang).to_owned(),
            status_class: match application.status.as_str() {
                "approved" => "ok",
                "returned" => "error",
                _ => "",
            },
            comment: application.comment.clone(),
            label_number: application.label_number.clone(),
        }
    }
}

pub(crate) struct CheckRow {
    pub check: String,
    pub passed: bool,
    pub detail: String,
}

pub(crate) fn check_rows(application: &Application, lang: Lang) -> Vec<CheckRow> {
    application
        .checks
        .iter()
        .map(|c| CheckRow { check: c.check.clone(), passed: c.passed, detail: c.detail.get(lang).to_owned() })
        .collect()
}

/// A product's facts as the pages show them.
pub(crate) struct ProductView {
    pub id: i64,
    pub vendor: String,
    pub name: String,
    pub model: String,
    pub firmware_version: String,
    pub product_type: String,
    pub support_end: String,
    pub vulnerability_contact: String,
}

impl ProductView {
    pub(crate) fn new(state: &AppState, product: &Product, lang: Lang) -> ProductView {
        ProductView {
            id: product.id,
            vendor: product.vendor.clone(),
            name: product.name.clone(),
            model: product.model.clone(),
            firmware_version: product.firmware_version.clone(),
            product_type: product
                .product_type
                .as_deref()
                .map(|id| product_type_title(state, id, lang))
                .unwrap_or_default(),
            support_end: product.support_end.clone(),
            vulnerability_contact: product.vulnerability_contact.clone(),
        }
    }
}

/// The product types of the JC-STAR catalog (SCHEME §9), by sector, as `(id, title)`.
fn product_types(state: &AppState, lang: Lang) -> Vec<(String, Vec<(String, String)>)> {
    let Ok(scheme) = state.registry.catalog().scheme("jc-star") else { return Vec::new() };
    [(Sector::Consumer, "Consumer products", "民生用機器"), (Sector::Industrial, "Industrial products", "産業用機器")]
        .into_iter()
        .map(|(sector, en, ja)| {
            let types = scheme
                .product_types
                .iter()
                .filter(|t| t.sector == sector)
                .map(|t| (t.id.clone(), t.title.get(lang).to_owned()))
                .collect();
            (crate::i18n::t(lang, en, ja).to_owned(), types)
        })
        .collect()
}

fn product_type_title(state: &AppState, id: &str, lang: Lang) -> String {
    let scheme = state.registry.catalog().scheme("jc-star").ok();
    let found = scheme.and_then(|s| s.product_types.iter().find(|t| t.id == id));
    found.map_or_else(|| id.to_owned(), |t| t.title.get(lang).to_owned())
}

/// The label a product holds, from its approved applications (a renewal keeps the number).
async fn label_of(
    state: &AppState,
    applications: &[Application],
    product_id: i64,
    today: Date,
    lang: Lang,
) -> Result<Option<LabelCell>, WebError> {
    let number =
        applications.iter().filter(|a| a.product_id == product_id).filter_map(|a| a.label_number.as_deref()).next();
    let Some(number) = number else { return Ok(None) };
    let label = state.registry.label(number, today).await.map_err(registry_error(lang))?;
    Ok(label.map(|label| LabelCell {
        number: label.number,
        status: label.status.label().get(lang).to_owned(),
        class: format!("status-{}", label.status.name()),
    }))
}

// -------------------------------------------------------------------------------------------
// The dashboard

struct ProductRow {
    product: ProductView,
    label: Option<LabelCell>,
    /// The latest application's state.
    latest: Option<String>,
}

/// What the new-product form keeps when it is shown again with an error.
#[derive(Debug, Default, Deserialize)]
struct ProductForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    firmware_version: String,
    #[serde(default)]
    product_type: String,
    #[serde(default)]
    support_end: String,
    #[serde(default)]
    vulnerability_contact: String,
}

impl CsrfField for ProductForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Template)]
#[template(path = "vendor_dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    error: Option<Message>,
    products: Vec<ProductRow>,
    applications: Vec<ApplicationRow>,
    key_ids: Vec<String>,
    new_token: Option<String>,
    tokens: Vec<TokenRow>,
    /// Value, words, and whether it is the default (submit).
    token_scopes: Vec<(&'static str, String, bool)>,
    pem: String,
    product: ProductForm,
    product_types: Vec<(String, Vec<(String, String)>)>,
    notices: Vec<NoticeRow>,
    open_cases: Vec<CaseView>,
}

/// An API token in the list (never the token itself).
struct TokenRow {
    id: String,
    name: String,
    scope: &'static str,
    owner: String,
    created: String,
    expires: String,
    state: String,
    /// Neither expired nor revoked: it can be revoked.
    usable: bool,
}

impl TokenRow {
    fn new(token: &tekigo_registry::store::ApiToken, now: i64, lang: Lang) -> TokenRow {
        let state = match token.revoked {
            Some(at) => Text::new(format!("revoked {}", view::datetime(at)), format!("{} に失効", view::datetime(at))),
            None if token.expires <= now => Text::new("expired", "期限切れ"),
            None => Text::new("in use", "有効"),
        };
        TokenRow {
            id: token.id.clone(),
            name: token.name.clone(),
            scope: token.scope.name(),
            owner: token.owner.clone(),
            created: view::datetime(token.created),
            expires: view::datetime(token.expires),
            state: state.get(lang).to_owned(),
            usable: token.revoked.is_none() && token.expires > now,
        }
    }
}

/// A message from the certification body.
struct NoticeRow {
    at: String,
    label_number: Option<String>,
    subject: String,
    body: String,
}

#[derive(Default)]
struct Extras {
    error: Option<Message>,
    new_token: Option<String>,
    pem: String,
    product: ProductForm,
}

async fn render_dashboard(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    status: StatusCode,
    extras: Extras,
) -> Result<Response, WebError> {
    let user = &current.user;
    let today = state.clock.today();
    let products = state.registry.products(user).await.map_err(registry_error(lang))?;
    let applications = state.registry.applications(user, None).await.map_err(registry_error(lang))?;
    let mut rows = Vec::with_capacity(products.len());
    for product in &products {
        let latest = applications
            .iter()
            .find(|a| a.product_id == product.id)
            .map(|a| view::application_status(&a.status).get(lang).to_owned());
        rows.push(ProductRow {
            product: ProductView::new(state, product, lang),
            label: label_of(state, &applications, product.id, today, lang).await?,
            latest,
        });
    }
    let page = DashboardPage {
        chrome: current.chrome_at(lang, "/vendor"),
        error: extras.error,
        products: rows,
        applications: applications.iter().map(|a| ApplicationRow::new(a, lang)).collect(),
        key_ids: state.registry.signing_key_ids(user).await.map_err(registry_error(lang))?,
        new_token: extras.new_token,
        tokens: state
            .registry
            .api_tokens(user)
            .await
            .map_err(registry_error(lang))?
            .iter()
            .map(|token| TokenRow::new(token, state.clock.now(), lang))
            .collect(),
        token_scopes: TokenScope::ALL
            .iter()
            .map(|scope| (scope.name(), scope.text().get(lang).to_owned(), *scope == TokenScope::Submit))
            .collect(),
        pem: extras.pem,
        product: extras.product,
        product_types: product_types(state, lang),
        notices: state
            .registry
            .notices(user)
            .await
            .map_err(registry_error(lang))?
            .into_iter()
            .map(|n| NoticeRow {
                at: view::datetime(n.at),
                label_number: n.label_number,
                subject: n.subject.get(lang).to_owned(),
                body: n.body.get(lang).to_owned(),
            })
            .collect(),
        open_cases: open_cases(state, &applications, lang).await?,
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn dashboard(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    vendor_only(&current, lang)?;
    render_dashboard(&state, &current, lang, StatusCode::OK, Extras::default()).await
}

#[derive(Debug, Deserialize)]
struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pem: String,
}

impl CsrfField for KeyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn add_key(State(state): State<AppState>, posted: SessionForm<KeyForm>) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    vendor_only(&current, lang)?;
    match state.registry.add_signing_key(&current.user, &form.pem, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to("/vendor#keys").into_response()),
        Err(RegistryError::Invalid(text)) => {
            let extras = Extras { error: Some(Message::new(&text, lang)), pem: form.pem, ..Extras::default() };
            render_dashboard(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, extras).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

async fn add_product(State(state): State<AppState>, posted: SessionForm<ProductForm>) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    vendor_only(&current, lang)?;
    let product_type = Some(form.product_type.trim()).filter(|t| !t.is_empty()).map(str::to_owned);
    let new = NewProduct {
        name: form.name.clone(),
        model: form.model.clone(),
        firmware_version: form.firmware_version.clone(),
        product_type,
        support_end: form.support_end.clone(),
        vulnerability_contact: form.vulnerability_contact.clone(),
    };
    match state.registry.create_product(&current.user, new, state.clock.today(), state.clock.now()).await {
        Ok(product) => Ok(Redirect::to(&format!("/vendor/products/{}", product.id)).into_response()),
        Err(RegistryError::Invalid(text)) => {
            let extras = Extras { error: Some(Message::new(&text, lang)), product: form, ..Extras::default() };
            render_dashboard(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, extras).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    days: String,
}

impl CsrfField for TokenForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A new API token, shown on the answer to this post and never again (only its hash is kept).
/// Only a person logged in may post this (`auth::token_scope_needed` refuses it to tokens).
async fn add_token(State(state): State<AppState>, posted: SessionForm<TokenForm>) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    vendor_only(&current, lang)?;
    let scope = match form.scope.trim() {
        "" => Some(TokenScope::Submit),
        text => TokenScope::parse(text),
    };
    let days = match form.days.trim() {
        "" => Some(TOKEN_DEFAULT_DAYS),
        text => text.parse::<i64>().ok(),
    };
    let refused = |text: Text| Extras { error: Some(Message::new(&text, lang)), ..Extras::default() };
    let Some(scope) = scope else {
        let text = Text::new(
            format!("`{}` is not a scope; choose read, submit or manage.", form.scope),
            format!("`{}` はスコープではありません。read、submit、manage から選んでください。", form.scope),
        );
        return render_dashboard(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, refused(text)).await;
    };
    let Some(days) = days else {
        let text = Text::new(
            format!("`{}` is not a number of days.", form.days),
            format!("`{}` は日数ではありません。", form.days),
        );
        return render_dashboard(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, refused(text)).await;
    };
    match state.registry.create_api_token(&current.user, &form.name, scope, days, state.clock.now()).await {
        Ok((token, _)) => {
            let extras = Extras { new_token: Some(token), ..Extras::default() };
            render_dashboard(&state, &current, lang, StatusCode::OK, extras).await
        }
        Err(RegistryError::Invalid(text)) => {
            render_dashboard(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, refused(text)).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

#[derive(Debug, Deserialize)]
struct RevokeForm {
    #[serde(default)]
    csrf: String,
}

impl CsrfField for RevokeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Revokes one of the organisation's API tokens for good. Only a person logged in may.
async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SessionForm<RevokeForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, .. } = posted;
    vendor_only(&current, lang)?;
    state.registry.revoke_api_token(&current.user, &id, state.clock.now()).await.map_err(registry_error(lang))?;
    Ok(Redirect::to("/vendor#tokens").into_response())
}

// -------------------------------------------------------------------------------------------
// A product and its applications

#[derive(Template)]
#[template(path = "vendor_product.html")]
struct ProductPage {
    chrome: Chrome,
    error: Option<Message>,
    problems: Vec<Message>,
    product: ProductView,
    label: Option<LabelCell>,
    applications: Vec<ApplicationRow>,
    has_keys: bool,
    under_review: bool,
    declaration_mib: usize,
    sbom_mib: usize,
}

async fn render_product(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    id: i64,
    status: StatusCode,
    error: Option<Message>,
    problems: Vec<Message>,
) -> Result<Response, WebError> {
    let product = state.registry.product(&current.user, id).await.map_err(registry_error(lang))?;
    let applications: Vec<Application> = state
        .registry
        .applications(&current.user, None)
        .await
        .map_err(registry_error(lang))?
        .into_iter()
        .filter(|a| a.product_id == id)
        .collect();
    let page = ProductPage {
        chrome: current.chrome_at(lang, &format!("/vendor/products/{id}")),
        error,
        problems,
        product: ProductView::new(state, &product, lang),
        label: label_of(state, &applications, id, state.clock.today(), lang).await?,
        under_review: applications.iter().any(|a| a.status == "submitted"),
        applications: applications.iter().map(|a| ApplicationRow::new(a, lang)).collect(),
        has_keys: !state.registry.signing_key_ids(&current.user).await.map_err(registry_error(lang))?.is_empty(),
        declaration_mib: MAX_DECLARATION_BYTES / (1024 * 1024),
        sbom_mib: MAX_SBOM_BYTES / (1024 * 1024),
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn product_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    vendor_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    render_product(&state, &current, lang, id, StatusCode::OK, None, Vec::new()).await
}

pub(crate) fn too_large(what_en: &str, what_ja: &str, limit: usize, lang: Lang) -> WebError {
    let mib = limit / (1024 * 1024);
    view::bilingual_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The {what_en} is too large: at most {mib} MiB is accepted. Nothing was stored."),
        format!("{what_ja}が大きすぎます。上限は {mib} MiB です。何も保存していません。"),
        lang,
    )
}

pub(crate) fn unreadable_upload(error: &MultipartError, lang: Lang) -> WebError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large("upload", "アップロード", UPLOAD_LIMIT, lang);
    }
    view::bilingual_error(
        StatusCode::BAD_REQUEST,
        format!("The upload could not be read ({error}). Nothing was stored."),
        "アップロードを読み取れませんでした。何も保存していません。",
        lang,
    )
}

pub(crate) enum Capped {
    Data(Vec<u8>),
    TooLarge,
}

/// A part's bytes, stopping as soon as they pass `cap`.
pub(crate) async fn read_capped(mut field: Field<'_>, cap: usize) -> Result<Capped, MultipartError> {
    let mut data = Vec::new();
    while let Some(chunk) = field.chunk().await? {
        if data.len() + chunk.len() > cap {
            return Ok(Capped::TooLarge);
        }
        data.extend_from_slice(&chunk);
    }
    Ok(Capped::Data(data))
}

/// `multipart/form-data` with `csrf` (first: the files are not read for a post without it),
/// `declaration` (the signed declaration.json), `sbom` and, optionally, `vex` (a VEX document the
/// registry's own vulnerability check applies) and `evidence` files (each one the declaration
/// fixes by its SHA-256, which the reviewer then downloads). The automatic checks run in the
/// store; a failed one lists every problem and stores nothing.
async fn upload(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    vendor_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    // Another vendor's product (or none) is refused before the body is read.
    state.registry.product(&current.user, id).await.map_err(registry_error(lang))?;
    let declared_length =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > UPLOAD_LIMIT as u64) {
        return Err(too_large("upload", "アップロード", UPLOAD_LIMIT, lang));
    }
    let mut multipart = match multipart {
        Ok(multipart) => multipart,
        Err(rejection) if current.csrf().is_empty() => {
            return Err(view::bilingual_error(
                StatusCode::BAD_REQUEST,
                format!("Send the files as multipart/form-data ({rejection})."),
                "ファイルは multipart/form-data で送ってください。",
                lang,
            ));
        }
        Err(_) => return Err(crate::auth::csrf_failure(lang)),
    };

    let mut csrf_ok = current.csrf().is_empty();
    let mut declaration = None;
    let mut sbom = None;
    let mut vex = None;
    let mut evidence: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable_upload(&e, lang))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf" {
            let Capped::Data(token) = read_capped(field, 512).await.map_err(|e| unreadable_upload(&e, lang))? else {
                return Err(crate::auth::csrf_failure(lang));
            };
            current.check_csrf(&String::from_utf8_lossy(&token), lang)?;
            csrf_ok = true;
            continue;
        }
        if !csrf_ok {
            return Err(crate::auth::csrf_failure(lang));
        }
        if name == "evidence" {
            // Any number of files, all together within the evidence cap.
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let left = MAX_EVIDENCE_BYTES - evidence.iter().map(|(_, bytes)| bytes.len()).sum::<usize>();
            match read_capped(field, left).await.map_err(|e| unreadable_upload(&e, lang))? {
                Capped::Data(data) if !data.is_empty() => evidence.push((file_name, data)),
                Capped::Data(_) => {}
                Capped::TooLarge => return Err(too_large("evidence", "根拠資料", MAX_EVIDENCE_BYTES, lang)),
            }
            continue;
        }
        let (cap, slot, en, ja) = match name.as_str() {
            "declaration" => (MAX_DECLARATION_BYTES, &mut declaration, "declaration", "宣言書"),
            "sbom" => (MAX_SBOM_BYTES, &mut sbom, "SBOM", "SBOM "),
            "vex" => (MAX_VEX_BYTES, &mut vex, "VEX document", "VEX 文書"),
            _ => continue,
        };
        match read_capped(field, cap).await.map_err(|e| unreadable_upload(&e, lang))? {
            Capped::Data(data) => *slot = Some(data).filter(|d| !d.is_empty()),
            Capped::TooLarge => return Err(too_large(en, ja, cap, lang)),
        }
    }
    if !csrf_ok {
        return Err(crate::auth::csrf_failure(lang));
    }

    let mut missing = Vec::new();
    if declaration.is_none() {
        missing.push(Text::new(
            "No declaration was chosen: attach the signed declaration.json.",
            "宣言書が選択されていません。署名済みの declaration.json を添付してください。",
        ));
    }
    if sbom.is_none() {
        missing.push(Text::new(
            "No SBOM was chosen: attach the SBOM file the declaration names.",
            "SBOM が選択されていません。宣言書に記載された SBOM ファイルを添付してください。",
        ));
    }
    let (Some(declaration), Some(sbom)) = (declaration, sbom) else {
        let problems = missing.iter().map(|t| Message::new(t, lang)).collect();
        return rejected(&state, &current, lang, id, problems).await;
    };
    let (declaration, sbom) = (Arc::new(declaration), Arc::new(sbom));
    let vex = vex.map(Arc::new);
    let mut screened = vec![(Screened::Declaration, Arc::clone(&declaration)), (Screened::Sbom, Arc::clone(&sbom))];
    screened.extend(vex.iter().map(|bytes| (Screened::Vex, Arc::clone(bytes))));
    for (kind, bytes) in screened {
        if let Err(refusal) = screen(kind, bytes).await {
            return rejected(&state, &current, lang, id, vec![Message::new(&refusal, lang)]).await;
        }
    }
    let submitted = state
        .registry
        .submit_upload(
            &current.user,
            id,
            Upload { declaration: &declaration, sbom: &sbom, vex: vex.as_deref().map(Vec::as_slice), files: &evidence },
            state.clock.today(),
            state.clock.now(),
        )
        .await;
    match submitted {
        Ok(application) => Ok(Redirect::to(&format!("/vendor/applications/{}", application.id)).into_response()),
        Err(RegistryError::Rejected(problems)) => {
            let problems = problems.iter().map(|t| Message::new(t, lang)).collect();
            rejected(&state, &current, lang, id, problems).await
        }
        Err(RegistryError::Invalid(text)) => {
            rejected(&state, &current, lang, id, vec![Message::new(&text, lang)]).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

/// The product page again, with the reasons the upload was refused.
async fn rejected(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    id: i64,
    problems: Vec<Message>,
) -> Result<Response, WebError> {
    let error = Message::new(
        &Text::new(
            "The application was not accepted; nothing was stored. Fix these problems and upload again:",
            "申請は受け付けられませんでした。何も保存していません。次の問題を直してからアップロードし直してください:",
        ),
        lang,
    );
    render_product(state, current, lang, id, StatusCode::UNPROCESSABLE_ENTITY, Some(error), problems).await
}

/// The vendor's label numbers, from its approved applications (newest first, once each).
fn label_numbers(applications: &[Application]) -> Vec<String> {
    let mut numbers: Vec<String> = Vec::new();
    for number in applications.iter().filter_map(|a| a.label_number.clone()) {
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    numbers
}

/// The cases in progress against the vendor's labels.
async fn open_cases(state: &AppState, applications: &[Application], lang: Lang) -> Result<Vec<CaseView>, WebError> {
    let mut open = Vec::new();
    for number in label_numbers(applications) {
        let cases = state.registry.label_cases(&number).await.map_err(registry_error(lang))?;
        open.extend(
            cases
                .iter()
                .filter(|case| matches!(case.status.as_str(), "open" | "suspended"))
                .map(|case| CaseView::new(case, lang)),
        );
    }
    Ok(open)
}

// -------------------------------------------------------------------------------------------
// A label: its case, its findings, and the vendor's answers (VEX, an updated SBOM)

#[derive(Template)]
#[template(path = "vendor_label.html")]
struct LabelPage {
    chrome: Chrome,
    error: Option<Message>,
    done: Option<Message>,
    number: String,
    product_name: String,
    status: String,
    status_name: &'static str,
    lifecycle: LifecycleView,
    cases: Vec<CaseView>,
    findings: Vec<FindingRow>,
}

/// The label if it is one of the vendor's; another vendor's label is "not found".
async fn own_label(
    state: &AppState,
    current: &CurrentUser,
    number: &str,
    lang: Lang,
) -> Result<tekigo_registry::store::Label, WebError> {
    let not_found = || {
        WebError::new(
            StatusCode::NOT_FOUND,
            format!("you have no label {number}"),
            format!("ラベル {number} はお客様のものではありません"),
        )
        .in_lang(lang)
    };
    if !tekigo_registry::rules::is_label_number(number) {
        return Err(not_found());
    }
    let applications = state.registry.applications(&current.user, None).await.map_err(registry_error(lang))?;
    if !label_numbers(&applications).iter().any(|n| n == number) {
        return Err(not_found());
    }
    state.registry.label(number, state.clock.today()).await.map_err(registry_error(lang))?.ok_or_else(not_found)
}

async fn render_label(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    number: &str,
    status: StatusCode,
    error: Option<Message>,
    done: Option<Message>,
) -> Result<Response, WebError> {
    let label = own_label(state, current, number, lang).await?;
    let lifecycle = state
        .registry
        .lifecycle(number)
        .await
        .map_err(registry_error(lang))?
        .unwrap_or(tekigo_registry::lifecycle::Lifecycle::Active);
    let cases = state.registry.label_cases(number).await.map_err(registry_error(lang))?;
    let findings = state.registry.label_findings(number).await.map_err(registry_error(lang))?;
    let page = LabelPage {
        chrome: current.chrome_at(lang, &format!("/vendor/labels/{number}")),
        error,
        done,
        number: label.number.clone(),
        product_name: label.product_name.clone(),
        status: label.status.label().get(lang).to_owned(),
        status_name: label.status.name(),
        lifecycle: LifecycleView::new(&lifecycle, lang),
        cases: cases.iter().map(|case| CaseView::new(case, lang)).collect(),
        findings: findings.iter().map(FindingRow::new).collect(),
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn label_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(number): Path<String>,
) -> Result<Response, WebError> {
    vendor_only(&current, lang)?;
    render_label(&state, &current, lang, &number, StatusCode::OK, None, None).await
}

/// `multipart/form-data` with `csrf` (first) and `file`: a VEX document (`/vex`: CycloneDX VEX,
/// OpenVEX or CSAF VEX) or an updated SBOM (`/sbom`). The registry stores it and the next
/// monitoring run re-evaluates the label with it.
async fn label_upload(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path((number, kind)): Path<(String, String)>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, WebError> {
    vendor_only(&current, lang)?;
    let (cap, en, ja) = match kind.as_str() {
        "vex" => (MAX_VEX_BYTES, "VEX document", "VEX 文書"),
        "sbom" => (MAX_SBOM_BYTES, "SBOM", "SBOM "),
        _ => return Err(WebError::not_found().in_lang(lang)),
    };
    // Another vendor's label (or none) is refused before the body is read.
    own_label(&state, &current, &number, lang).await?;
    let declared_length =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared_length.is_some_and(|length| length > LABEL_UPLOAD_LIMIT as u64) {
        return Err(too_large("upload", "アップロード", LABEL_UPLOAD_LIMIT, lang));
    }
    let Ok(mut multipart) = multipart else { return Err(crate::auth::csrf_failure(lang)) };
    let mut csrf_ok = current.csrf().is_empty();
    let mut file = None;
    let unreadable = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large("upload", "アップロード", LABEL_UPLOAD_LIMIT, lang)
        } else {
            unreadable_upload(&e, lang)
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf" {
            let Capped::Data(token) = read_capped(field, 512).await.map_err(unreadable)? else {
                return Err(crate::auth::csrf_failure(lang));
            };
            current.check_csrf(&String::from_utf8_lossy(&token), lang)?;
            csrf_ok = true;
            continue;
        }
        if !csrf_ok {
            return Err(crate::auth::csrf_failure(lang));
        }
        if name == "file" {
            match read_capped(field, cap).await.map_err(unreadable)? {
                Capped::Data(data) => file = Some(data).filter(|d| !d.is_empty()),
                Capped::TooLarge => return Err(too_large(en, ja, cap, lang)),
            }
        }
    }
    if !csrf_ok {
        return Err(crate::auth::csrf_failure(lang));
    }
    let Some(file) = file else {
        let error = Text::new(
            "No file was chosen. Nothing was stored.",
            "ファイルが選択されていません。何も保存していません。",
        );
        return render_label(
            &state,
            &current,
            lang,
            &number,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Message::new(&error, lang)),
            None,
        )
        .await;
    };
    let file = Arc::new(file);
    let upload = if kind == "vex" { Screened::Vex } else { Screened::Sbom };
    if let Err(refusal) = screen(upload, Arc::clone(&file)).await {
        let refusal = Some(Message::new(&refusal, lang));
        return render_label(&state, &current, lang, &number, StatusCode::UNPROCESSABLE_ENTITY, refusal, None).await;
    }
    let now = state.clock.now();
    let stored = match kind.as_str() {
        "vex" => state.registry.add_vex(&current.user, &number, &file, now).await.map(|count| {
            Text::new(
                format!("{count} VEX statement(s) stored. The next monitoring run re-evaluates the label with them."),
                format!("VEX の記述 {count} 件を保存しました。次回の監視でラベルを再評価します。"),
            )
        }),
        _ => state.registry.update_sbom(&current.user, &number, &file, now).await.map(|()| {
            Text::new(
                "The updated SBOM is stored. The next monitoring run re-evaluates the label with it.",
                "更新した SBOM を保存しました。次回の監視でラベルを再評価します。",
            )
        }),
    };
    match stored {
        Ok(done) => {
            state.labels.forget(&number);
            render_label(&state, &current, lang, &number, StatusCode::OK, None, Some(Message::new(&done, lang))).await
        }
        Err(RegistryError::Invalid(text)) => {
            render_label(
                &state,
                &current,
                lang,
                &number,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(Message::new(&text, lang)),
                None,
            )
            .await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

// -------------------------------------------------------------------------------------------
// An application

#[derive(Template)]
#[template(path = "vendor_application.html")]
struct ApplicationPage {
    chrome: Chrome,
    application: ApplicationRow,
    declaration_id: String,
    sbom_sha256: String,
    decided: Option<String>,
    checks: Vec<CheckRow>,
}

async fn application_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    vendor_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let application = state.registry.application(&current.user, id).await.map_err(registry_error(lang))?;
    let page = ApplicationPage {
        chrome: current.chrome(lang),
        application: ApplicationRow::new(&application, lang),
        declaration_id: application.declaration_id.clone(),
        sbom_sha256: application.sbom_sha256.clone(),
        decided: application.decided.map(view::datetime),
        checks: check_rows(&application, lang),
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}
