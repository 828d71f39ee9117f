//! The public pages, in Japanese and English, server-rendered without script:
//! - `/`: what the registry is, a search form, how many labels it holds;
//! - `/labels`: search with filters, 50 labels a page;
//! - `/labels.csv`, and `/api/v1/labels.csv` with the API's filters: every label a search finds,
//!   as a CSV file (`export.rs`);
//! - `/labels/{number}`: the product page a consumer reaches from the label's QR code
//!   (SCHEME §5.2: when it got the label, until when it is valid, whether support has ended,
//!   vulnerability information), with the label's history and the disclaimer of SCHEME §5.5;
//! - `/labels/{number}/qr.png` and `qr.svg`: the QR code itself, for print;
//! - `/labels/{number}/label.svg` and `label.pdf` (`?width_mm=30`): the whole label artwork for
//!   packaging (`artwork.rs`).
//!
//! - `/announcements`: the revocations the certification body announced;
//! - `/api/v1/labels`, `/api/v1/labels/{number}` (`api.rs`) and `/api/v1/changes` (`feed.rs`):
//!   the same in JSON.
//!
//! The search and its filters are `search.rs`, the product page, the QR codes and the artwork
//! routes `page.rs`, the symbol itself `qr.rs`, the artwork's drawing `artwork.rs`. Also the 404
//! page for every path no route serves (JSON under `/api/`), and a `lang` cookie that keeps the
//! language a visitor picked with `?lang=`.

use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{Html, Response};
use axum::routing::get;
use tekigo_base::Lang;

use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;
use crate::http::view::stars;

pub(crate) mod api;
pub mod artwork;
mod export;
mod feed;
mod page;
pub mod qr;
mod search;

/// The labels' endpoints under `/api/v1`: the JSON API, the CSV export and the feed.
pub(crate) fn endpoints() -> Vec<crate::http::api::Endpoint> {
    [api::endpoints(), export::endpoints(), feed::endpoints()].into_iter().flatten().collect()
}

/// The labels' part of the OpenAPI document: the JSON API, the CSV export and the feed.
pub(crate) struct Doc;

impl utoipa::OpenApi for Doc {
    fn openapi() -> utoipa::openapi::OpenApi {
        let mut document = <api::Doc as utoipa::OpenApi>::openapi();
        document.merge(<export::Doc as utoipa::OpenApi>::openapi());
        document.merge(<feed::Doc as utoipa::OpenApi>::openapi());
        document
    }
}
use search::{Filters, SearchForm};

/// Labels on one page of search results.
pub const PAGE_SIZE: i64 = 50;

/// The PNG's resolution: 10 pixels per module (0.5 mm), 508 dpi, enough for any label printer.
const PNG_PIXELS_PER_MODULE: u32 = 10;

/// The scheme whose product types and levels the filters offer.
const SCHEME: &str = "jc-star";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/labels", get(search::search))
        .route("/labels.csv", get(export::labels_csv))
        .route("/labels/{number}", get(page::label_page))
        .route("/labels/{number}/qr.png", get(page::qr_png))
        .route("/labels/{number}/qr.svg", get(page::qr_svg))
        .route("/labels/{number}/label.svg", get(page::label_svg))
        .route("/labels/{number}/label.pdf", get(page::label_pdf))
        .route("/announcements", get(announcements))
        .fallback(not_found)
        .layer(middleware::from_fn(remember_lang))
        .merge(crate::http::api::routes(endpoints()))
}

// -------------------------------------------------------------------------------------------
// Shared pieces

/// `?lang=ja` or `?lang=en` on a public page sets the `lang` cookie, so the choice holds on the
/// next pages without carrying the parameter in every link.
async fn remember_lang(request: Request, next: Next) -> Response {
    let chosen = request
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("lang=")))
        .filter(|code| matches!(*code, "ja" | "en"))
        .map(|code| format!("lang={code}; Path=/; Max-Age=31536000; SameSite=Lax"));
    let mut response = next.run(request).await;
    if let Some(cookie) = chosen.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// Every path no route serves: a page in the visitor's language, or JSON under `/api/`.
async fn not_found(PageLang(lang): PageLang, uri: Uri) -> WebError {
    let error = WebError::new(
        StatusCode::NOT_FOUND,
        format!("nothing is published at {}", uri.path()),
        format!("{} には何も公開されていません", uri.path()),
    );
    if uri.path().starts_with("/api/") { error.json() } else { error.in_lang(lang) }
}

fn render(template: &impl Template, lang: Lang) -> Result<Html<String>, WebError> {
    template.render().map(Html).map_err(|error| {
        WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("page rendering failed: {error}"),
            "ページを表示できません",
        )
        .in_lang(lang)
    })
}

fn bad_request(lang: Lang, en: String, ja: String) -> WebError {
    WebError::new(StatusCode::BAD_REQUEST, en, ja).in_lang(lang)
}

fn chrome(state: &AppState, lang: Lang, uri: &Uri) -> Chrome {
    Chrome::public(state, lang, uri.path_and_query().map_or("/", |pq| pq.as_str()))
}

/// 1234567 → `1,234,567` (both languages group digits so).
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A moment in the registry's history, in Japan time, where the scheme runs.
fn japan_time(at: i64) -> String {
    match jiff::Timestamp::from_second(at) {
        Ok(timestamp) => tekigo_base::scheme_time(timestamp).strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => at.to_string(),
    }
}

// -------------------------------------------------------------------------------------------
// Home

#[derive(Template)]
#[template(path = "labels/home.html")]
struct HomePage {
    chrome: Chrome,
    form: SearchForm,
    count: String,
    empty: bool,
}

async fn home(State(state): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Result<Html<String>, WebError> {
    let count = state.registry.label_count().await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let page = HomePage {
        chrome: chrome(&state, lang, &uri),
        form: SearchForm::new(state.registry.catalog(), lang, &Filters::default()),
        count: grouped(count),
        empty: count == 0,
    };
    render(&page, lang)
}

// -------------------------------------------------------------------------------------------
// Announcements

/// An announced revocation, as the public list shows it.
struct AnnouncementRow {
    number: String,
    product_name: String,
    model: String,
    vendor: String,
    ground: String,
    on: String,
}

#[derive(Template)]
#[template(path = "labels/announcements.html")]
struct AnnouncementsPage {
    chrome: Chrome,
    rows: Vec<AnnouncementRow>,
    /// The years, this one and the last, whose surveillance plan is published, newest first.
    plans: Vec<i16>,
}

/// The revocations the certification body announced (SCHEME §5.4: malicious cases and cases
/// with a large impact on users are made public), newest first.
async fn announcements(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
) -> Result<Html<String>, WebError> {
    let announced = state.registry.announcements(200).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    // The surveillance plans are announced too: the page links the ones of this year and the last.
    let year = state.clock.today().year();
    let mut plans = Vec::new();
    for year in [year, year - 1] {
        if state.registry.surveillance_plan(year).await.map_err(|e| WebError::from(e).in_lang(lang))?.is_some() {
            plans.push(year);
        }
    }
    let page = AnnouncementsPage {
        chrome: chrome(&state, lang, &uri),
        rows: announced
            .into_iter()
            .map(|a| AnnouncementRow {
                ground: a.ground_text.get(lang).to_owned(),
                number: a.label_number,
                product_name: a.product_name,
                model: a.model,
                vendor: a.vendor,
                on: a.on,
            })
            .collect(),
        plans,
    };
    render(&page, lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(-12345), "-12,345");
    }
}
