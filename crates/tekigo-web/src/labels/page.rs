//! The product page a consumer reaches from the label's QR code (`/labels/{number}`, SCHEME §5.2:
//! when it got the label, until when it is valid, whether support has ended, vulnerability
//! information), with the label's history, its open cases and the disclaimer of SCHEME §5.5;
//! the QR code itself (`qr.png`, `qr.svg`), for print; and the label artwork for packaging
//! (`label.svg`, `label.pdf`, drawn by `artwork.rs`).

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use tekigo_base::Lang;
use tekigo_registry::labels::rules::{self, Assurance, Status};
use tekigo_registry::{Label, LabelEvent};

use super::artwork::{self, ArtworkError, LabelFacts};
use super::qr;
use super::{PNG_PIXELS_PER_MODULE, SCHEME, chrome, japan_time, render, stars};
use crate::http::error::WebError;
use crate::http::i18n::{PageLang, t};
use crate::http::layout::Chrome;
use crate::http::present::product_type_title;
use crate::http::present::{CaseView, FindingRow, LifecycleView};
use crate::http::state::AppState;

// -------------------------------------------------------------------------------------------
// The product page

/// A warning at the top of the product page.
struct Notice {
    title: String,
    body: String,
}

/// What the page must warn about (SCHEME §5.2: whether the product should still be used, whether
/// the label holds). The end of support is told even when a decision outranks it in the status.
fn notices(label: &Label, today: Date, lang: Lang) -> Vec<Notice> {
    let mut notices = Vec::new();
    let support_ended = label.support_end.parse::<Date>().is_ok_and(|end| today > end);
    if support_ended {
        let end = &label.support_end;
        notices.push(match lang {
            Lang::En => Notice {
                title: "Security updates have ended: this product should no longer be used".into(),
                body: format!(
                    "The vendor's support period ended on {end}. Vulnerabilities found from now on will not be fixed. \
                     Replace the product, or at least disconnect it from the internet."
                ),
            },
            Lang::Ja => Notice {
                title: "セキュリティアップデートは終了しました。この製品の使用をやめてください".into(),
                body: format!(
                    "製造者のサポート期間は {end} に終了しました。今後見つかる脆弱性は修正されません。\
                     製品を買い替えるか、少なくともインターネットから切り離してください。"
                ),
            },
        });
    }
    let expires = &label.expires;
    let notice = match (label.status, lang) {
        (Status::Revoked, Lang::En) => Some(Notice {
            title: "This label has been revoked".into(),
            body: "The certification body revoked the label (SCHEME §5.4): the product no longer carries it, and \
                   the label does not attest that the product meets the criteria. The history below says when."
                .into(),
        }),
        (Status::Revoked, Lang::Ja) => Some(Notice {
            title: "このラベルは取り消されました".into(),
            body: "認証機関がラベルを取り消しました（SCHEME §5.4）。この製品はもうラベルの対象ではなく、\
                   基準への適合は示されていません。日付は下の履歴にあります。"
                .into(),
        }),
        (Status::Suspended, Lang::En) => Some(Notice {
            title: "This label is suspended".into(),
            body: "The certification body has suspended the label while it examines the product (SCHEME §5.3). \
                   Until the suspension is lifted, the label does not attest that the product meets the criteria."
                .into(),
        }),
        (Status::Suspended, Lang::Ja) => Some(Notice {
            title: "このラベルは一時停止中です".into(),
            body: "認証機関が製品を調査している間、ラベルは一時停止されています（SCHEME §5.3）。\
                   停止が解除されるまで、ラベルは基準への適合を示すものではありません。"
                .into(),
        }),
        (Status::Expired, Lang::En) => Some(Notice {
            title: "This label has expired".into(),
            body: format!(
                "The label was valid until {expires}. The product's conformity is no longer attested; the vendor \
                 may renew the label with a new declaration."
            ),
        }),
        (Status::Expired, Lang::Ja) => Some(Notice {
            title: "このラベルは有効期限が切れています".into(),
            body: format!(
                "ラベルの有効期限は {expires} でした。製品の適合はもう示されていません。\
                 製造者は新たな宣言によりラベルを更新できます。"
            ),
        }),
        // The end of support has its notice above.
        (Status::Valid | Status::SupportEnded, _) => None,
    };
    notices.extend(notice);
    notices
}

/// The name of an event in a label's history.
fn event_kind(kind: &str, lang: Lang) -> String {
    let (en, ja) = match kind {
        "issued" => ("issued", "発行"),
        "renewed" => ("renewed", "更新"),
        "expired" => ("expired", "有効期限切れ"),
        "support-ended" => ("support ended", "サポート終了"),
        "case-opened" => ("non-conformity found: correction requested", "不適合の発見（是正を要請）"),
        "case-closed" => ("non-conformity corrected", "不適合の是正"),
        "suspended" => ("suspended", "一時停止"),
        "reinstated" => ("reinstated", "一時停止の解除"),
        "revoked" => ("revoked", "取消し"),
        other => return other.to_owned(),
    };
    t(lang, en, ja).to_owned()
}

struct EventRow {
    at: String,
    kind: String,
    status: String,
    detail: String,
}

impl EventRow {
    fn new(event: &LabelEvent, lang: Lang) -> EventRow {
        EventRow {
            at: japan_time(event.at),
            kind: event_kind(&event.kind, lang),
            status: Status::parse(&event.status)
                .map_or_else(|| event.status.clone(), |status| status.label().get(lang).to_owned()),
            detail: event.detail.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "labels/label.html")]
struct LabelPage {
    chrome: Chrome,
    number: String,
    product_name: String,
    vendor: String,
    vendor_href: String,
    /// The firmware each model runs now.
    current_firmware: Vec<tekigo_registry::releases::CurrentFirmware>,
    /// The series' firmware releases, newest first.
    releases: Vec<ReleaseRow>,
    model: String,
    /// Every model of the series, the representative first.
    models: Vec<tekigo_base::ModelEntry>,
    /// Whether any model carries a GTIN or SKU (a one-model series is then listed too).
    has_identifiers: bool,
    firmware: String,
    product_type: Option<String>,
    level: String,
    /// What the level covers, from the catalog.
    level_summary: Option<String>,
    scheme_version: String,
    self_declared: bool,
    /// Who evaluated (above ★1): the page of the lab or the evaluator's register entry, and
    /// their name as the register holds it.
    evaluated_by: Option<(String, String)>,
    status_name: &'static str,
    status_label: String,
    /// The status in the words of IPA's public list, beside ours.
    ipa_status_name: &'static str,
    ipa_status_label: String,
    notices: Vec<Notice>,
    issued: String,
    expires: String,
    support_end: String,
    checked_on: String,
    contact: String,
    /// The contact as a link, only for `https:` and `mailto:` (never `javascript:` and the like).
    contact_href: Option<String>,
    events: Vec<EventRow>,
    page_url: String,
    /// The widths the label artwork links offer, in mm.
    artwork_widths: &'static [u32],
    /// The case in progress (grace period or hearing), if any.
    case: Option<CaseView>,
    /// The failing vulnerabilities monitoring last saw.
    findings: Vec<FindingRow>,
    lifecycle: LifecycleView,
    /// Listed as deemed to meet the UK PSTI regime: the English product information and contact.
    psti: Option<(String, String)>,
    /// Changes of the support period: (day, from, to, shortened).
    support_changes: Vec<SupportChangeRow>,
}

/// A change of the support period the product page announces.
struct SupportChangeRow {
    day: String,
    from: String,
    to: String,
    shortened: bool,
    reason: String,
}

/// The label behind a `/labels/{number}...` path, or 404 (for a malformed number too).
async fn find_label(
    state: &AppState,
    number: Result<Path<String>, PathRejection>,
    lang: Lang,
) -> Result<Label, WebError> {
    let Ok(Path(number)) = number else { return Err(WebError::not_found().in_lang(lang)) };
    if !rules::is_label_number(&number) {
        return Err(WebError::new(
            StatusCode::NOT_FOUND,
            "no such label: a label number reads like JC1-2026-000123",
            "そのようなラベルはありません（ラベル番号は JC1-2026-000123 のような形式です）",
        )
        .in_lang(lang));
    }
    match state.labels.label(&state.registry, &number, state.clock.today()).await {
        Ok(Some(label)) => Ok(label),
        Ok(None) => Err(WebError::new(
            StatusCode::NOT_FOUND,
            format!("no label {number} is registered"),
            format!("ラベル {number} は登録されていません"),
        )
        .in_lang(lang)),
        Err(error) => Err(WebError::from(error).in_lang(lang)),
    }
}

pub(super) async fn label_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let label = find_label(&state, number, lang).await?;
    let events =
        state.labels.events(&state.registry, &label.number).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let proceedings =
        state.labels.proceedings(&state.registry, &label.number).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let releases = state.registry.releases_of(label.product_id).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let firmware =
        state.registry.current_firmware(label.product_id).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let psti = state
        .registry
        .psti_listing(&label.number)
        .await
        .map_err(|e| WebError::from(e).in_lang(lang))?
        .filter(|listing| listing.status == "listed")
        .map(|listing| (listing.english_information, listing.english_contact));
    let support_changes = state
        .registry
        .support_changes(label.product_id)
        .await
        .map_err(|e| WebError::from(e).in_lang(lang))?
        .into_iter()
        .filter(|change| matches!(change.status.as_str(), "applied" | "approved"))
        .map(|change| SupportChangeRow {
            day: crate::http::view::datetime(change.decided.unwrap_or(change.requested)).chars().take(10).collect(),
            shortened: change.is_shortening(),
            from: change.previous_end,
            to: change.new_end,
            reason: change.reason,
        })
        .collect();
    let evaluated_by = match (label.lab_id, label.evaluator_id) {
        (Some(id), _) => {
            let lab = state.registry.lab(id).await.map_err(|e| WebError::from(e).in_lang(lang))?;
            Some((
                format!("/labs/{id}"),
                format!("{} ({} {})", lab.name, lab.accreditation_body, lab.accreditation_number),
            ))
        }
        (None, Some(id)) => {
            let evaluator = state.registry.evaluator(id).await.map_err(|e| WebError::from(e).in_lang(lang))?;
            Some((format!("/labs#evaluator-{id}"), format!("{} ({})", evaluator.name, evaluator.organisation)))
        }
        (None, None) => None,
    };
    let catalog = state.registry.catalog();
    let today = state.clock.today();
    let level_summary = catalog
        .scheme(SCHEME)
        .ok()
        .and_then(|scheme| scheme.levels.iter().find(|l| l.id == label.level))
        .and_then(|level| level.summary.as_ref())
        .map(|summary| summary.get(lang).to_owned());
    let contact = label.vulnerability_contact.trim();
    let contact_href = (contact.starts_with("https://") || contact.starts_with("mailto:")).then(|| contact.to_owned());
    let page = LabelPage {
        chrome: chrome(&state, lang, &uri),
        number: label.number.clone(),
        current_firmware: firmware,
        releases: releases.iter().map(|release| ReleaseRow::new(release, lang)).collect(),
        vendor_href: format!("/labels?vendor={}", crate::http::query::encode(&label.vendor)),
        product_type: label.product_type.as_deref().map(|id| product_type_title(catalog, id, lang)),
        level: stars(&label.level),
        level_summary,
        scheme_version: label.scheme_version.clone(),
        self_declared: label.assurance == Assurance::SelfDeclared,
        evaluated_by,
        status_name: label.status.name(),
        status_label: label.status.label().get(lang).to_owned(),
        ipa_status_name: state.ipa_status(&label, today).name(),
        ipa_status_label: state.ipa_status(&label, today).label().get(lang).to_owned(),
        notices: notices(&label, today, lang),
        issued: label.issued.clone(),
        expires: label.expires.clone(),
        support_end: label.support_end.clone(),
        checked_on: today.to_string(),
        contact: contact.to_owned(),
        contact_href,
        events: events.iter().map(|event| EventRow::new(event, lang)).collect(),
        page_url: state.label_url(&label.number),
        artwork_widths: &artwork::OFFERED_WIDTHS_MM,
        case: proceedings.open_case().map(|case| CaseView::new(case, lang)),
        findings: proceedings.findings.iter().map(FindingRow::new).collect(),
        lifecycle: LifecycleView::new(&proceedings.lifecycle, lang),
        psti,
        support_changes,
        product_name: label.product_name,
        vendor: label.vendor,
        model: label.model,
        has_identifiers: label.models.iter().any(|m| m.gtin.is_some() || m.sku.is_some()),
        models: label.models,
        firmware: label.firmware_version,
    };
    // The one page with a script (`/static/verify.js`, for a signed status in the fragment).
    Ok(([(header::CONTENT_SECURITY_POLICY, crate::http::LABEL_PAGE_CSP)], render(&page, lang)?).into_response())
}

// -------------------------------------------------------------------------------------------
// QR codes

fn qr_failed(error: qr::QrError, lang: Lang) -> WebError {
    WebError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("the QR code cannot be made: {error}"),
        "QR コードを作成できません",
    )
    .in_lang(lang)
}

fn qr_response(content_type: &'static str, number: &str, extension: &str, body: Vec<u8>) -> Response {
    download(content_type, &format!("{number}.{extension}"), body)
}

/// A file for print, cached for an hour; `file_name` is built from a number checked by
/// `is_label_number`, so no quote or line break can be in it.
fn download(content_type: &'static str, file_name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{file_name}\"")),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn qr_png(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let label = find_label(&state, number, lang).await?;
    let png = qr::png(&state.label_url(&label.number), PNG_PIXELS_PER_MODULE).map_err(|e| qr_failed(e, lang))?;
    Ok(qr_response("image/png", &label.number, "png", png))
}

pub(super) async fn qr_svg(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let label = find_label(&state, number, lang).await?;
    let svg = qr::svg(&state.label_url(&label.number)).map_err(|e| qr_failed(e, lang))?;
    Ok(qr_response("image/svg+xml", &label.number, "svg", svg.into_bytes()))
}

// -------------------------------------------------------------------------------------------
// Label artwork

fn artwork_failed(error: &ArtworkError, lang: Lang) -> WebError {
    let status = if error.is_bad_request() { StatusCode::BAD_REQUEST } else { StatusCode::INTERNAL_SERVER_ERROR };
    WebError::new(status, error.to_string(), error.japanese()).in_lang(lang)
}

/// `?width_mm=N`, or the default width.
fn width_asked(query: Option<&str>) -> Result<u32, ArtworkError> {
    let asked = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes()).find(|(key, _)| key == "width_mm").map(|(_, value)| value.into_owned())
    });
    asked.map_or(Ok(artwork::DEFAULT_WIDTH_MM), |text| artwork::parse_width(&text))
}

/// The label, the width asked for and its artwork drawn by `draw` (SVG or PDF).
async fn artwork_of<T>(
    state: &AppState,
    number: Result<Path<String>, PathRejection>,
    query: Option<&str>,
    lang: Lang,
    draw: impl FnOnce(&LabelFacts<'_>, u32, Option<artwork::Logo<'_>>) -> Result<T, ArtworkError>,
) -> Result<(Label, u32, T), WebError> {
    let label = find_label(state, number, lang).await?;
    let width = width_asked(query).map_err(|e| artwork_failed(&e, lang))?;
    let url = state.label_url(&label.number);
    let drawn = LabelFacts::from_label(&label, &url, lang)
        .and_then(|facts| draw(&facts, width, None))
        .map_err(|e| artwork_failed(&e, lang))?;
    Ok((label, width, drawn))
}

/// The label artwork as SVG (`/labels/{number}/label.svg?width_mm=30`), its text in the page's
/// language.
pub(super) async fn label_svg(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    RawQuery(query): RawQuery,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let (label, width, svg) = artwork_of(&state, number, query.as_deref(), lang, artwork::svg).await?;
    let mut response = download("image/svg+xml", &format!("{}-label-{width}mm.svg", label.number), svg.into_bytes());
    // The text follows the visitor's language: a shared cache keeps one copy per language.
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("cookie, accept-language"));
    Ok(response)
}

/// The label artwork as PDF (`/labels/{number}/label.pdf?width_mm=30`): English text only (see
/// [`artwork::pdf`]).
pub(super) async fn label_pdf(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    RawQuery(query): RawQuery,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let (label, width, pdf) = artwork_of(&state, number, query.as_deref(), lang, artwork::pdf).await?;
    Ok(download("application/pdf", &format!("{}-label-{width}mm.pdf", label.number), pdf))
}

/// One firmware release in the label's update history.
struct ReleaseRow {
    released: String,
    version: String,
    models: String,
    changes_security: bool,
    sbom_sha256: Option<String>,
    vex_statements: usize,
    check: String,
    still_supported: bool,
}

impl ReleaseRow {
    fn new(release: &tekigo_registry::releases::Release, lang: tekigo_base::Lang) -> ReleaseRow {
        ReleaseRow {
            released: release.released.clone(),
            version: release.version.clone(),
            models: release.models.join(", "),
            changes_security: release.changes_security,
            sbom_sha256: release.sbom_sha256.clone(),
            vex_statements: release.vex_statements,
            still_supported: release.still_supported,
            check: match &release.registry_check {
                Some(check) => check.outcome.label().get(lang).to_owned(),
                None => tekigo_base::Text::new("no record", "記録なし").get(lang).to_owned(),
            },
        }
    }
}
