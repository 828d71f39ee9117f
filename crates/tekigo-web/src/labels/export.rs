//! Any search as a CSV file, for sellers and integrators who keep the labels in a spreadsheet or
//! another system: `GET /labels.csv` takes the filters of the search page (the results page links
//! it), `GET /api/v1/labels.csv` those of `GET /api/v1/labels` (without the paging parameters: the
//! file holds every matching label). Both stream the file a page of 200 labels at a time, walked
//! by the label number as the API's cursor does, so a whole registry is exported without holding
//! it in memory and without a deep OFFSET.
//!
//! The file is UTF-8 with a byte order mark: Excel in a Japanese locale reads a CSV without one as
//! Shift_JIS and shows the Japanese vendor and product names as garbage. The header row names the
//! columns in English, as stable identifiers a program reads; statuses are their API names.
//! What vendors typed (vendor, product, model and firmware names) is written as typed, except
//! that a value a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return) gets a leading `'`: a name like `=HYPERLINK(...)` must not act in the
//! spreadsheet of whoever opens the file (OWASP's advice for CSV injection).
//!
//! An export takes from the search allowance of the client: the list's cost for its first page,
//! then as much again for each further page (at most the whole allowance), checked before any
//! byte is sent, so walking the registry by export costs what walking it by the API would.

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use serde::Deserialize;
use tekigo_base::Lang;
use tekigo_registry::{Label, Search};
use utoipa::{IntoParams, OpenApi};

use super::api::MAX_LABELS;
use super::bad_request;
use super::search::{Filters, SearchQuery, given, search_cost};
use crate::http::api::Endpoint;
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::limits::{ClientIp, Limited, too_many};
use crate::http::state::AppState;

/// The API's export endpoint (the page's is routed with the pages).
pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![("/api/v1/labels.csv", get(api_labels_csv))]
}

/// The export's operation, for the OpenAPI document (its shapes are the JSON API's).
#[derive(OpenApi)]
#[openapi(paths(api_labels_csv))]
pub(super) struct Doc;

/// The columns, in order.
const HEADER: [&str; 13] = [
    "number",
    "status",
    "ipa_status",
    "level",
    "vendor",
    "product",
    "models",
    "gtins",
    "firmware",
    "issued",
    "expires",
    "support_end",
    "page_url",
];

/// See the module documentation: Excel needs it to read UTF-8.
const BOM: &str = "\u{feff}";

/// `GET /labels.csv`: the search page's results as a file. Errors are pages, as the search's.
pub(super) async fn labels_csv(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let Query(query) = query.map_err(|rejection| {
        bad_request(
            lang,
            format!("the query string cannot be read: {}", rejection.body_text()),
            format!("クエリ文字列を読み取れません: {}", rejection.body_text()),
        )
    })?;
    let filters = Filters::parse(query, state.registry.catalog(), lang)?;
    export(state, filters.search(), ip, lang, false).await
}

/// The filters of `GET /api/v1/labels.csv`: those of `GET /api/v1/labels` but its paging
/// (`offset`, `limit`, `cursor`), since the file holds every match. Unknown parameters are an error.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// Words in the product name or the representative model, or any model number of the
    /// series or a GTIN.
    q: Option<String>,
    /// Exactly one of the series' model numbers, or a GTIN, in any spelling (as in `GET /api/v1/labels`).
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
    #[param(value_type = Option<super::api::LabelStatus>)]
    status: Option<String>,
    /// `listed`: only labels listed as deemed to meet the UK PSTI regime.
    #[param(pattern = "^listed$")]
    psti: Option<String>,
}

/// Export a search as CSV.
///
/// Every label matching the filters, ordered by number, one row each under a header row:
/// `number, status, ipa_status, level, vendor, product, models, gtins, firmware, issued, expires,
/// support_end, page_url` (`models` and `gtins` separated by `;`). UTF-8 with a byte order mark,
/// sent as an attachment. A name that a spreadsheet would run as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`.
#[utoipa::path(
    get,
    path = "/api/v1/labels.csv",
    tag = "labels",
    operation_id = "exportLabelsCsv",
    params(ExportQuery),
    responses(
        (status = 200, description = "The matching labels as CSV", content_type = "text/csv", body = String,
            headers(("Content-Disposition" = String, description = "attachment, with a file name carrying the day"))),
        (status = 400, description = "A parameter is wrong or unknown; the message names it", body = crate::http::api::ErrorResponse),
        (status = 429, description = "Too many searches from this address: the export counts as one search per \
            200 labels (at most the whole allowance). `Retry-After` gives the seconds to wait.",
            body = crate::http::api::ErrorResponse,
            headers(("Retry-After" = i64, description = "Seconds until a search is accepted again")))
    )
)]
pub(crate) async fn api_labels_csv(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    PageLang(lang): PageLang,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let Query(query) = query.map_err(crate::http::api::unreadable_query)?;
    let filters = SearchQuery {
        q: query.q,
        vendor: query.vendor,
        product_type: query.product_type,
        level: query.level,
        status: query.status,
        psti: query.psti,
        page: None,
    };
    let filters = Filters::parse(filters, state.registry.catalog(), Lang::En).map_err(WebError::json)?;
    let search = Search { identifier: given(query.model), ..filters.search() };
    export(state, search, ip, lang, true).await.map_err(WebError::json)
}

async fn export(
    state: AppState,
    mut search: Search,
    ip: Option<std::net::IpAddr>,
    lang: Lang,
    json: bool,
) -> Result<Response, WebError> {
    search.limit = MAX_LABELS;
    let cost = search_cost(&search);
    if let Err(seconds) = state.search_limit.take_many(ip, state.clock.now(), cost) {
        return Ok(too_many(Limited::Searches, seconds, lang, json));
    }
    let today = state.clock.today();
    let registry_error = |e| WebError::from(e).in_lang(lang);
    // The first page is read before answering, so a failing database is an error page, not a
    // file cut short.
    let (first, total) = state.registry.search(&search, today).await.map_err(registry_error)?;
    let further_pages = u32::try_from((total - 1).max(0) / MAX_LABELS).unwrap_or(u32::MAX);
    if further_pages > 0
        && let Err(seconds) = state.search_limit.take_many(ip, state.clock.now(), cost.saturating_mul(further_pages))
    {
        return Ok(too_many(Limited::Searches, seconds, lang, json));
    }
    let mut head = csv_bytes(&state, today, &[], true).map_err(|e| csv_failed(&e).in_lang(lang))?;
    head.extend(csv_bytes(&state, today, &first, false).map_err(|e| csv_failed(&e).in_lang(lang))?);
    let walk = Walk { state, search, today, after: full_page_last(&first) };
    let rest = futures_util::stream::unfold(Some(walk), next_chunk);
    let body = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(Bytes::from(head)) });
    let body = Body::from_stream(futures_util::StreamExt::chain(body, rest));
    let file = format!("attachment; filename=\"jc-star-labels-{today}.csv\"");
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(value) = HeaderValue::from_str(&file) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// Where the export stands: the next page starts after `after`; none when the last page was short.
struct Walk {
    state: AppState,
    search: Search,
    today: Date,
    after: Option<String>,
}

/// The last number of a full page: there may be more after it.
fn full_page_last(labels: &[Label]) -> Option<String> {
    (i64::try_from(labels.len()).ok() == Some(MAX_LABELS)).then(|| labels.last().map(|l| l.number.clone())).flatten()
}

/// The next page's rows, or the end. A failure ends the body with an error, which the client
/// sees as a broken download rather than a file that looks complete.
async fn next_chunk(walk: Option<Walk>) -> Option<(Result<Bytes, std::io::Error>, Option<Walk>)> {
    let mut walk = walk?;
    let after = walk.after.take()?;
    walk.search.after = Some(after);
    let page = match walk.state.registry.search_page(&walk.search, walk.today).await {
        Ok(page) => page,
        Err(error) => {
            tracing::error!(error = %error, "CSV export: a page could not be read");
            return Some((Err(std::io::Error::other(error.to_string())), None));
        }
    };
    match csv_bytes(&walk.state, walk.today, &page, false) {
        Ok(bytes) => {
            walk.after = full_page_last(&page);
            Some((Ok(Bytes::from(bytes)), Some(walk)))
        }
        Err(error) => {
            tracing::error!(error = %error, "CSV export: a page could not be written");
            Some((Err(std::io::Error::other(error.to_string())), None))
        }
    }
}

/// The rows of `labels` (the BOM and the header row first when `header`), quoted where needed.
fn csv_bytes(state: &AppState, today: Date, labels: &[Label], header: bool) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::new();
    if header {
        out.extend_from_slice(BOM.as_bytes());
    }
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    if header {
        writer.write_record(HEADER)?;
    }
    for label in labels {
        let models = label.models.iter().map(|m| m.model.as_str()).collect::<Vec<_>>().join(";");
        let gtins = label.models.iter().filter_map(|m| m.gtin.as_deref()).collect::<Vec<_>>().join(";");
        writer.write_record([
            label.number.as_str(),
            label.status.name(),
            state.ipa_status(label, today).name(),
            label.level.as_str(),
            inert(&label.vendor).as_ref(),
            inert(&label.product_name).as_ref(),
            inert(&models).as_ref(),
            gtins.as_str(),
            inert(&label.firmware_version).as_ref(),
            label.issued.as_str(),
            label.expires.as_str(),
            label.support_end.as_str(),
            state.label_url(&label.number).as_str(),
        ])?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// `text`, with a leading `'` when a spreadsheet would read it as a formula (see the module).
fn inert(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}

fn csv_failed(error: &csv::Error) -> WebError {
    tracing::error!(error = %error, "CSV export could not be written");
    WebError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the CSV file could not be written",
        "CSV ファイルを書き出せませんでした",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_a_spreadsheet_would_run_are_made_text() {
        for formula in ["=HYPERLINK(\"https://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(formula), format!("'{formula}"));
        }
        for plain in ["EXC-100", "Demo Vendor", "ネットワークカメラ", "", "1.0=a"] {
            assert_eq!(inert(plain), plain);
        }
    }
}
