//! The labels' JSON API, version 1 (its shapes and operations are in the OpenAPI document):
//! - `GET /api/v1/labels/{number}`: one label and whether it is valid today, the verification an
//!   insurer or a procurer makes (SCHEME §7, §8);
//! - `GET /api/v1/labels`: search, with the filters of the public search, paged by offset or by
//!   an opaque cursor.
//!
//! The changes feed (`feed.rs`) and the CSV export (`export.rs`) use this module's shapes and
//! parameter checks.
//!
//! The shapes here are a public interface: they are this module's own types (the registry's are
//! not serialised directly), and `openapi.json` at the crate root is the committed document that a
//! test compares with the served one. Errors are `http::api`'s, 400 when a parameter is wrong (the
//! message names it), 404 when nothing is there.

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use tekigo_base::{IpaStatus, Lang};
use tekigo_registry::Search;
use tekigo_registry::cases::lifecycle::{Ground, Lifecycle};
use tekigo_registry::labels::rules::{self, Status};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::search::{Filters, SearchQuery, given};
use crate::http::api::{Endpoint, ErrorDetail, ErrorResponse, Message, bad_request, unreadable_query};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::limits::ClientIp;
use crate::http::state::AppState;

/// The most labels one search request returns.
pub(crate) const MAX_LABELS: i64 = 200;
/// The most events one feed request returns.
pub(crate) const MAX_EVENTS: i64 = 1000;
const DEFAULT_LABELS: i64 = 50;

/// The label endpoints under `/api/v1`.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![("/api/v1/labels", get(list_labels)), ("/api/v1/labels/{number}", get(get_label))]
}

/// The operations and shapes of this module, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(get_label, list_labels),
    components(schemas(
        Label,
        LabelIpaStatus,
        SeriesModel,
        OpenCase,
        LabelLifecycle,
        LifecycleState,
        LabelList,
        ErrorResponse,
        ErrorDetail,
        Message
    )),
    tags((name = "labels", description = "Labels and their status"))
)]
pub(crate) struct Doc;

// -------------------------------------------------------------------------------------------
// Shapes

/// What the registry has decided about a label (the calendar decides the rest).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LabelState {
    Active,
    Suspended,
    Revoked,
}

/// The label's status on `checked_at`: `valid`; `expired` (the validity period is over);
/// `support-ended` (the vendor no longer provides security updates: the product should no longer
/// be used); `suspended` or `revoked` by the certification body.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LabelStatus {
    Valid,
    Expired,
    SupportEnded,
    Suspended,
    Revoked,
}

/// The label's status as IPA's public list of JC-STAR labels reads it on `checked_at`: `valid`
/// (有効); `expiry-grace` (失効猶予: suspended, or expired while a renewal submitted before the
/// expiry is under review or the registry's grace window after expiry runs); `expired` (失効:
/// expired otherwise, or support ended); `revoked` (取消し).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LabelIpaStatus {
    Valid,
    ExpiryGrace,
    Expired,
    Revoked,
}

impl From<IpaStatus> for LabelIpaStatus {
    fn from(status: IpaStatus) -> Self {
        match status {
            IpaStatus::Valid => LabelIpaStatus::Valid,
            IpaStatus::ExpiryGrace => LabelIpaStatus::ExpiryGrace,
            IpaStatus::Expired => LabelIpaStatus::Expired,
            IpaStatus::Revoked => LabelIpaStatus::Revoked,
        }
    }
}

/// Who stands behind the label: the vendor's self-declaration (★1, ★2) or a third-party
/// evaluation (★3, ★4).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LabelAssurance {
    SelfDeclared,
    ThirdParty,
}

impl From<Status> for LabelStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::Valid => LabelStatus::Valid,
            Status::Expired => LabelStatus::Expired,
            Status::SupportEnded => LabelStatus::SupportEnded,
            Status::Suspended => LabelStatus::Suspended,
            Status::Revoked => LabelStatus::Revoked,
        }
    }
}

/// A label as the registry sees it on `checked_at`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Label {
    /// The label number, as printed on the label.
    #[schema(example = "JC1-2026-000123")]
    pub number: String,
    /// True when the status is `valid`: the label holds on `checked_at`. This is the answer to
    /// "may this product be counted as labeled today?".
    pub valid: bool,
    pub status: LabelStatus,
    /// The same status in the four words of IPA's public list.
    pub ipa_status: LabelIpaStatus,
    pub state: LabelState,
    /// JC-STAR level, 1 to 4 (★1 to ★4).
    #[schema(example = "1")]
    pub level: String,
    /// The version of the criteria the label was issued under.
    #[schema(example = "1.1")]
    pub scheme_version: String,
    pub assurance: LabelAssurance,
    /// The day the label was issued or last renewed.
    #[schema(format = Date, example = "2026-11-26")]
    pub issued: String,
    /// The last day the label is valid.
    #[schema(format = Date, example = "2028-11-26")]
    pub expires: String,
    /// The last day of the vendor's security updates.
    #[schema(format = Date, example = "2030-03-31")]
    pub support_end: String,
    pub vendor: String,
    /// The product's name.
    pub product: String,
    /// The series' representative model.
    pub model: String,
    /// Every model the label covers, the representative first, with the GTIN and SKU sellers
    /// match listings by.
    pub models: Vec<SeriesModel>,
    /// The firmware version the label covers.
    pub firmware: String,
    /// The product type's id in the catalog (for example `network-camera`); none for ★1 labels
    /// that name none.
    pub product_type: Option<String>,
    /// Where the vendor takes vulnerability reports: a URL or an e-mail address, as the vendor gave it.
    pub vulnerability_contact: String,
    /// The product page, which the label's QR code encodes.
    pub page_url: String,
    /// The QR code as a print-ready PNG (10 pixels per 0.5 mm module).
    pub qr_png_url: String,
    /// The QR code as SVG.
    pub qr_svg_url: String,
    /// The label artwork for packaging as SVG (badge with the level's stars, QR code, number,
    /// validity), 30 mm wide; `?width_mm=N` sets another width (20, 25, 30, 40 and 60 are
    /// offered; a width whose QR modules would be under 0.3 mm is a 400).
    pub artwork_svg_url: String,
    /// The same artwork as a one-page PDF the size of the label (English text).
    pub artwork_pdf_url: String,
    /// The day (Japan time) the status was computed for.
    #[schema(format = Date, example = "2026-11-26")]
    pub checked_at: String,
    /// The cases in progress against the label (grace period or hearing running), newest
    /// first; empty when nothing is open. Only in `GET /api/v1/labels/{number}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases: Option<Vec<OpenCase>>,
    /// Where the label stands after issue (SCHEME §5.4). Only in `GET /api/v1/labels/{number}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<LabelLifecycle>,
}

/// One model of a labeled series.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SeriesModel {
    /// The model number as the vendor prints it.
    #[schema(example = "EXC-100")]
    pub model: String,
    /// Its GTIN (JAN/EAN-13, EAN-8, UPC-A or GTIN-14), check digit verified, when the vendor gave one.
    #[schema(example = "4901234567894")]
    pub gtin: Option<String>,
    /// The vendor's stock-keeping unit, when given.
    pub sku: Option<String>,
}

/// A non-conformity being corrected (SCHEME §5.4): the vendor has until `grace_until`, after
/// which the label is suspended and a hearing held before revocation.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OpenCase {
    pub id: i64,
    /// `open` (grace period running) or `suspended` (the label is suspended, hearing running).
    #[schema(example = "open")]
    pub status: String,
    /// Where the non-conformity came from: `monitoring`, `surveillance`, `report` or `incident`.
    #[schema(example = "monitoring")]
    pub source: String,
    #[schema(format = Date, example = "2026-11-26")]
    pub opened_on: String,
    /// The last day of the grace period.
    #[schema(format = Date, example = "2026-12-26")]
    pub grace_until: String,
    pub summary: Message,
}

/// The lifecycle state of a label.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LifecycleState {
    /// Valid with nothing open.
    Active,
    /// A case is open; the label stays valid until the grace period ends.
    Correcting,
    /// Suspended; the hearing runs until `until` (unless urgent).
    Suspended,
    /// Revoked on `since`, for good.
    Revoked,
}

/// Where a label stands after issue.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LabelLifecycle {
    pub state: LifecycleState,
    /// The ground of a suspension or revocation: `false-application`, `obligations-not-met`,
    /// `no-longer-conformant` or `not-corrected-in-grace`.
    #[schema(example = "not-corrected-in-grace")]
    pub ground: Option<String>,
    /// The ground in words.
    pub ground_text: Option<Message>,
    /// When the state began: the case's opening, the suspension, the revocation.
    #[schema(format = Date)]
    pub since: Option<String>,
    /// The end of the grace period (correcting) or of the hearing (suspended).
    #[schema(format = Date)]
    pub until: Option<String>,
    /// Suspended or revoked with urgency, without a hearing period.
    pub urgent: bool,
    /// The revocation was announced publicly (malicious or serious cases).
    pub announced: bool,
}

fn lifecycle_json(lifecycle: &Lifecycle) -> LabelLifecycle {
    let ground = |g: &Ground| (Some(g.name().to_owned()), Some(Message { en: g.text().en, ja: g.text().ja }));
    let day = |d: &jiff::civil::Date| Some(d.to_string());
    let (state, (ground, ground_text), since, until, urgent, announced) = match lifecycle {
        Lifecycle::Active => (LifecycleState::Active, (None, None), None, None, false, false),
        Lifecycle::Correcting { opened, grace_until, .. } => {
            (LifecycleState::Correcting, (None, None), day(opened), day(grace_until), false, false)
        }
        Lifecycle::Suspended { ground: g, since, hearing_until, urgent, .. } => {
            (LifecycleState::Suspended, ground(g), day(since), day(hearing_until), *urgent, false)
        }
        Lifecycle::Revoked { ground: g, on, urgent, announced, .. } => {
            (LifecycleState::Revoked, ground(g), day(on), None, *urgent, *announced)
        }
    };
    LabelLifecycle { state, ground, ground_text, since, until, urgent, announced }
}

/// One page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LabelList {
    /// How many labels match, on every page together.
    pub total: i64,
    /// The `offset` asked for (0 when the page was asked by `cursor`).
    pub offset: i64,
    pub limit: i64,
    pub labels: Vec<Label>,
    /// The `cursor` for the next page, when this one is full; null when it is the last. Pass it
    /// with the same filters: the next page then starts after this page's last label.
    #[schema(example = "bDE6SkMxLTIwMjYtMDAwMTIz")]
    pub next_cursor: Option<String>,
}

fn label_json(state: &AppState, label: tekigo_registry::Label, today: jiff::civil::Date) -> Label {
    Label {
        valid: label.status == Status::Valid,
        status: label.status.into(),
        ipa_status: state.ipa_status(&label, today).into(),
        state: match label.state {
            rules::State::Active => LabelState::Active,
            rules::State::Suspended => LabelState::Suspended,
            rules::State::Revoked => LabelState::Revoked,
        },
        assurance: match label.assurance {
            rules::Assurance::SelfDeclared => LabelAssurance::SelfDeclared,
            rules::Assurance::ThirdParty => LabelAssurance::ThirdParty,
        },
        page_url: state.label_url(&label.number),
        qr_png_url: format!("{}/qr.png", state.label_url(&label.number)),
        qr_svg_url: format!("{}/qr.svg", state.label_url(&label.number)),
        artwork_svg_url: format!("{}/label.svg", state.label_url(&label.number)),
        artwork_pdf_url: format!("{}/label.pdf", state.label_url(&label.number)),
        checked_at: today.to_string(),
        number: label.number,
        level: label.level,
        scheme_version: label.scheme_version,
        issued: label.issued,
        expires: label.expires,
        support_end: label.support_end,
        vendor: label.vendor,
        product: label.product_name,
        model: label.model,
        models: label.models.into_iter().map(|m| SeriesModel { model: m.model, gtin: m.gtin, sku: m.sku }).collect(),
        firmware: label.firmware_version,
        product_type: label.product_type,
        vulnerability_contact: label.vulnerability_contact,
        cases: None,
        lifecycle: None,
    }
}

/// Verify a label: its status today and whether it is valid.
#[utoipa::path(
    get,
    path = "/api/v1/labels/{number}",
    tag = "labels",
    operation_id = "getLabel",
    params(("number" = String, Path, description = "The label number, as printed on the label", example = "JC1-2026-000123")),
    responses(
        (status = 200, description = "The label, with its status on `checked_at`", body = Label),
        (status = 400, description = "`number` is not a label number (JC<level>-<year>-<serial>)", body = ErrorResponse),
        (status = 404, description = "No label has this number", body = ErrorResponse)
    )
)]
async fn get_label(
    State(state): State<AppState>,
    number: Result<Path<String>, PathRejection>,
) -> Result<Json<Label>, WebError> {
    let Path(number) = number.map_err(|rejection| {
        let why = rejection.body_text();
        bad_request(format!("number: {why}"), format!("number: {why}"))
    })?;
    if !rules::is_label_number(&number) {
        return Err(bad_request(
            format!("number: `{number}` is not a label number; they read like JC1-2026-000123"),
            format!("number: `{number}` はラベル番号ではありません（JC1-2026-000123 のような形式です）"),
        ));
    }
    let today = state.clock.today();
    match state.labels.label(&state.registry, &number, today).await {
        Ok(Some(label)) => {
            let proceedings =
                state.labels.proceedings(&state.registry, &label.number).await.map_err(|e| WebError::from(e).json())?;
            let mut json = label_json(&state, label, today);
            json.cases = Some(
                proceedings
                    .cases
                    .iter()
                    .filter(|case| matches!(case.status.as_str(), "open" | "suspended"))
                    .map(|case| OpenCase {
                        id: case.id,
                        status: case.status.clone(),
                        source: case.source.clone(),
                        opened_on: case.opened_on.clone(),
                        grace_until: case.grace_until.clone(),
                        summary: Message { en: case.summary.en.clone(), ja: case.summary.ja.clone() },
                    })
                    .collect(),
            );
            json.lifecycle = Some(lifecycle_json(&proceedings.lifecycle));
            Ok(Json(json))
        }
        Ok(None) => Err(WebError::new(
            StatusCode::NOT_FOUND,
            format!("no label {number} is registered"),
            format!("ラベル {number} は登録されていません"),
        )
        .json()),
        Err(error) => Err(WebError::from(error).json()),
    }
}

/// The filters of `GET /api/v1/labels`. Empty values are no filter; unknown parameters are an error.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct LabelsQuery {
    /// Words in the product name or the representative model, or any model number of the
    /// series or a GTIN.
    q: Option<String>,
    /// Exactly one of the series' model numbers, or a GTIN (JAN/EAN-13, EAN-8, UPC-A, GTIN-14):
    /// how a seller's listing finds its label. Case, spaces and hyphens are ignored, full-width
    /// characters read as their ASCII forms, and a GTIN matches in any of its lengths.
    #[param(example = "4901234567894")]
    model: Option<String>,
    /// The vendor's name, in any case.
    vendor: Option<String>,
    /// A product type id of the catalog, for example `network-camera`.
    product_type: Option<String>,
    /// A level, 1 to 4.
    #[param(pattern = "^[1-4]$")]
    level: Option<String>,
    /// The status today.
    #[param(value_type = Option<LabelStatus>)]
    status: Option<String>,
    /// `listed`: only ★1 labels listed as deemed to meet the UK PSTI regime (the UK's
    /// recognition of the label; the certification body confirms each listing).
    #[param(pattern = "^listed$")]
    psti: Option<String>,
    /// How many matching labels to skip (default 0).
    #[param(value_type = Option<i64>, minimum = 0)]
    offset: Option<String>,
    /// How many labels to return (default 50, at most 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    limit: Option<String>,
    /// The `next_cursor` of the previous page: the page after it, found by the label number
    /// whatever the depth. Not with `offset`.
    cursor: Option<String>,
}

/// What a cursor says in its text: only the label to start after, behind a version tag so its
/// spelling can change without old cursors being misread.
const CURSOR_TAG: &str = "l1:";

/// The opaque cursor that continues after label `number`.
pub(crate) fn encode_cursor(number: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{CURSOR_TAG}{number}"))
}

/// The label number a cursor continues after, or a 400 naming `cursor`.
pub(crate) fn decode_cursor(text: &str) -> Result<String, WebError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_TAG).map(str::to_owned))
        .filter(|number| rules::is_label_number(number))
        .ok_or_else(|| {
            bad_request(
                format!("cursor: `{text}` is not a cursor this API gave; pass a `next_cursor` unchanged"),
                format!("cursor: `{text}` はこの API が返したカーソルではありません（`next_cursor` をそのまま渡してください）"),
            )
        })
}

/// A whole number parameter from `min` up to `max` (no limit when `None`), or a 400 naming it.
pub(super) fn number_param(
    name: &str,
    value: Option<String>,
    default: i64,
    min: i64,
    max: Option<i64>,
) -> Result<i64, WebError> {
    let Some(text) = given(value) else { return Ok(default) };
    let upper = max.unwrap_or(i64::MAX / 2);
    text.parse::<i64>().ok().filter(|n| (min..=upper).contains(n)).ok_or_else(|| match max {
        Some(max) => bad_request(
            format!("{name}: `{text}` is not a whole number from {min} to {max}"),
            format!("{name}: `{text}` は {min} から {max} までの整数ではありません"),
        ),
        None => bad_request(
            format!("{name}: `{text}` is not a whole number of {min} or more"),
            format!("{name}: `{text}` は {min} 以上の整数ではありません"),
        ),
    })
}

/// Search labels.
#[utoipa::path(
    get,
    path = "/api/v1/labels",
    tag = "labels",
    operation_id = "listLabels",
    params(LabelsQuery),
    responses(
        (status = 200, description = "The matching labels, ordered by number", body = LabelList),
        (status = 400, description = "A parameter is wrong or unknown; the message names it", body = ErrorResponse),
        (status = 429, description = "Too many searches from this address (60 at once, one more each second; a text \
            of one or two characters counts as five). `Retry-After` gives the seconds to wait. Label verification \
            (`/api/v1/labels/{number}`) is never limited.", body = ErrorResponse,
            headers(("Retry-After" = i64, description = "Seconds until a search is accepted again")))
    )
)]
async fn list_labels(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    PageLang(lang): PageLang,
    query: Result<Query<LabelsQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let Query(query) = query.map_err(unreadable_query)?;
    let after = given(query.cursor).map(|text| decode_cursor(&text)).transpose()?;
    if after.is_some() && given(query.offset.clone()).is_some() {
        return Err(bad_request(
            "offset: give `offset` or `cursor`, not both".to_owned(),
            "offset: `offset` と `cursor` は同時に指定できません".to_owned(),
        ));
    }
    let offset = number_param("offset", query.offset, 0, 0, None)?;
    let limit = number_param("limit", query.limit, DEFAULT_LABELS, 1, Some(MAX_LABELS))?;
    let search = SearchQuery {
        q: query.q,
        vendor: query.vendor,
        product_type: query.product_type,
        level: query.level,
        status: query.status,
        psti: query.psti,
        page: None,
    };
    let filters = Filters::parse(search, state.registry.catalog(), Lang::En).map_err(WebError::json)?;
    let today = state.clock.today();
    let search = Search { identifier: given(query.model), after, offset, limit, ..filters.search() };
    if let Err(seconds) = state.search_limit.take_many(ip, state.clock.now(), super::search::search_cost(&search)) {
        return Ok(crate::http::limits::too_many(crate::http::limits::Limited::Searches, seconds, lang, true));
    }
    let (labels, total) = state.registry.search(&search, today).await.map_err(|e| WebError::from(e).json())?;
    let next_cursor = labels
        .last()
        .filter(|_| i64::try_from(labels.len()).is_ok_and(|n| n == limit))
        .map(|l| encode_cursor(&l.number));
    let labels = labels.into_iter().map(|label| label_json(&state, label, today)).collect();
    Ok(Json(LabelList { total, offset, limit, labels, next_cursor }).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_cursor_reads_back_as_the_label_it_continues_after() {
        for number in ["JC1-2026-000123", "JC4-2030-900000700"] {
            assert_eq!(decode_cursor(&encode_cursor(number)).ok().as_deref(), Some(number));
        }
        // The documented example is a cursor this API gives.
        assert_eq!(encode_cursor("JC1-2026-000123"), "bDE6SkMxLTIwMjYtMDAwMTIz");
        // Right encoding, wrong content: no tag, or not a label number after it.
        for text in ["SkMxLTIwMjYtMDAwMTIz", "bDE6bm90LWEtbGFiZWw", "", "===", "bDE6"] {
            assert!(decode_cursor(text).is_err(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn any_text_is_a_cursor_or_a_400(text in any::<String>()) {
            if let Ok(number) = decode_cursor(&text) {
                prop_assert!(rules::is_label_number(&number));
            }
        }
    }
}
