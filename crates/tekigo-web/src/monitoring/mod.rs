//! Monitoring a label after issue, the vendor's side (`/vendor/labels/{number}`): the label's
//! lifecycle, its cases and the failing vulnerabilities monitoring found, and the vendor's answers
//! to them, a VEX document (`/vex`) or an updated SBOM (`/sbom`), which the next monitoring run
//! re-evaluates the label with. The monitoring itself is `tekigo-registry`'s, run by the hourly job.
//!
//! Only the vendor role sees these pages; another vendor's label is "not found".

use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use tekigo_base::{Lang, Text};
use tekigo_registry::RegistryError;
use tekigo_registry::applications::checks::MAX_SBOM_BYTES;

use crate::http::auth::CurrentUser;
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::present::label_numbers;
use crate::http::present::{CaseView, FindingRow, LifecycleView};
use crate::http::screen::{Upload as Screened, screen};
use crate::http::state::AppState;
use crate::http::uploads::{
    Capped, CsrfFirst, LABEL_UPLOAD_LIMIT, MAX_VEX_BYTES, read_capped, too_large, unreadable_upload,
};
use crate::http::view::{self, Message};
use crate::http::view::{registry_error, vendor_only};
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/vendor/labels/{number}", get(label_page))
        .route("/vendor/labels/{number}/{kind}", post(label_upload).layer(DefaultBodyLimit::max(LABEL_UPLOAD_LIMIT)))
}

// -------------------------------------------------------------------------------------------
// A label: its case, its findings, and the vendor's answers (VEX, an updated SBOM)

#[derive(Template)]
#[template(path = "monitoring/vendor_label.html")]
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
    /// The series' releases: (version, day published, still supported beside the current ones).
    releases: Vec<(String, String, bool)>,
    /// Where the UK PSTI listing stands, if it was asked for.
    psti: Option<String>,
    /// A ★1 label with no listing or request waiting may ask.
    psti_can_request: bool,
}

/// The label if it is one of the vendor's; another vendor's label is "not found".
async fn own_label(
    state: &AppState,
    current: &CurrentUser,
    number: &str,
    lang: Lang,
) -> Result<tekigo_registry::Label, WebError> {
    let not_found = || {
        WebError::new(
            StatusCode::NOT_FOUND,
            format!("you have no label {number}"),
            format!("ラベル {number} はお客様のものではありません"),
        )
        .in_lang(lang)
    };
    if !tekigo_registry::labels::rules::is_label_number(number) {
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
        .unwrap_or(tekigo_registry::cases::lifecycle::Lifecycle::Active);
    let cases = state.registry.label_cases(number).await.map_err(registry_error(lang))?;
    let findings = state.registry.label_findings(number).await.map_err(registry_error(lang))?;
    let releases = state.registry.releases_of(label.product_id).await.map_err(registry_error(lang))?;
    let psti = state.registry.psti_listing(number).await.map_err(registry_error(lang))?;
    let psti_can_request = tekigo_registry::labels::psti::PSTI_LEVELS.contains(&label.level.as_str())
        && psti.as_ref().is_none_or(|listing| listing.status == "refused");
    let page = LabelPage {
        releases: releases.iter().map(|r| (r.version.clone(), r.released.clone(), r.still_supported)).collect(),
        psti: crate::http::present::psti_status(psti.as_ref(), lang),
        psti_can_request,
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
    let Ok(mut multipart) = multipart else { return Err(crate::http::auth::csrf_failure(lang)) };
    let mut form = CsrfFirst::new(&current, lang);
    let mut file = None;
    let unreadable = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large("upload", "アップロード", LABEL_UPLOAD_LIMIT, lang)
        } else {
            unreadable_upload(&e, lang)
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let Some((name, field)) = form.part(field, unreadable).await? else { continue };
        if name == "file" {
            match read_capped(field, cap).await.map_err(unreadable)? {
                Capped::Data(data) => file = Some(data).filter(|d| !d.is_empty()),
                Capped::TooLarge => return Err(too_large(en, ja, cap, lang)),
            }
        }
    }
    form.finish()?;
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
