//! The vendor's side of an application: the product page (`/vendor/products/{id}`) with its
//! applications and the upload of a signed declaration, its SBOM, optional VEX and evidence (the
//! registry's automatic checks refuse it with every problem listed, and nothing is stored), and
//! one application with its checks and what the reviewer said (`/vendor/applications/{id}`).
//!
//! Only the vendor role sees these pages; staff and others get 403. Another vendor's product or
//! application is "not found" (the store does not disclose that it exists).

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tekigo_base::{Lang, Text};
use tekigo_registry::RegistryError;
use tekigo_registry::applications::AgentUpload;
use tekigo_registry::applications::checks::{MAX_DECLARATION_BYTES, MAX_EVIDENCE_BYTES, MAX_SBOM_BYTES};
use tekigo_registry::{Application, Upload};

/// An agent's organisation or contact: a name, not a document.
const AGENT_TEXT_BYTES: usize = 1024;

use crate::http::auth::CurrentUser;
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::present::{ApplicationRow, CheckRow, LabelCell, ProductView, check_rows, label_of};
use crate::http::screen::{Upload as Screened, screen};
use crate::http::state::AppState;
use crate::http::uploads::{Capped, CsrfFirst, MAX_VEX_BYTES, UPLOAD_LIMIT, read_capped, too_large, unreadable_upload};
use crate::http::view::{self, Message};
use crate::http::view::{path_id, registry_error, vendor_only};
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/vendor/products/{id}", get(product_page))
        .route("/vendor/products/{id}/applications", post(upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)))
        .route("/vendor/applications/{id}", get(application_page))
}

// -------------------------------------------------------------------------------------------
// A product and its applications

#[derive(Template)]
#[template(path = "applications/vendor_product.html")]
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
    /// The labs the vendor engaged for ★3/★4 (lab, level, status).
    engagements: Vec<(String, String, String)>,
    /// The labs accredited today for the product's type at ★3 or ★4: (id, name, levels).
    labs: Vec<(i64, String, String)>,
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
        engagements: state
            .registry
            .product_engagements(&current.user, id)
            .await
            .map_err(registry_error(lang))?
            .into_iter()
            .map(|e| (e.lab_name, e.level, e.status))
            .collect(),
        labs: state
            .registry
            .labs()
            .await
            .map_err(registry_error(lang))?
            .into_iter()
            .filter_map(|lab| {
                let today = state.clock.today();
                let levels: Vec<&str> = ["3", "4"]
                    .into_iter()
                    .filter(|level| lab.accredited_for(today, product.product_type.as_deref(), level).is_ok())
                    .collect();
                (!levels.is_empty()).then(|| (lab.id, lab.name.clone(), levels.join(",")))
            })
            .collect(),
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
        Err(_) => return Err(crate::http::auth::csrf_failure(lang)),
    };
    let mut form = CsrfFirst::new(&current, lang);

    let mut declaration = None;
    let mut sbom = None;
    let mut vex = None;
    let mut evidence: Vec<(String, Vec<u8>)> = Vec::new();
    let (mut agent_organisation, mut agent_contact) = (String::new(), String::new());
    let mut agent_authorisation: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable_upload(&e, lang))? {
        let Some((name, field)) = form.part(field, |e| unreadable_upload(&e, lang)).await? else { continue };
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
        if name == "agent_organisation" || name == "agent_contact" {
            let text = match read_capped(field, AGENT_TEXT_BYTES).await.map_err(|e| unreadable_upload(&e, lang))? {
                Capped::Data(data) => String::from_utf8_lossy(&data).trim().to_owned(),
                Capped::TooLarge => return Err(too_large("agent's details", "代理人の情報", AGENT_TEXT_BYTES, lang)),
            };
            if name == "agent_organisation" {
                agent_organisation = text
            } else {
                agent_contact = text
            }
            continue;
        }
        if name == "agent_authorisation" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            match read_capped(field, MAX_EVIDENCE_BYTES).await.map_err(|e| unreadable_upload(&e, lang))? {
                Capped::Data(data) if !data.is_empty() => agent_authorisation = Some((file_name, data)),
                Capped::Data(_) => {}
                Capped::TooLarge => {
                    return Err(too_large("authorisation document", "委任状", MAX_EVIDENCE_BYTES, lang));
                }
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
    form.finish()?;

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
    // Any of the agent's fields makes it an agent's application; the registry names what is
    // missing.
    let agent =
        (!agent_organisation.is_empty() || !agent_contact.is_empty() || agent_authorisation.is_some()).then(|| {
            AgentUpload {
                organisation: &agent_organisation,
                contact: &agent_contact,
                authorisation: agent_authorisation
                    .as_ref()
                    .map_or(("", &[][..]), |(name, bytes)| (name.as_str(), bytes.as_slice())),
            }
        });
    let submitted = state
        .registry
        .submit_upload(
            &current.user,
            id,
            Upload {
                declaration: &declaration,
                sbom: &sbom,
                vex: vex.as_deref().map(Vec::as_slice),
                files: &evidence,
                agent,
            },
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

// -------------------------------------------------------------------------------------------
// An application

#[derive(Template)]
#[template(path = "applications/vendor_application.html")]
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
