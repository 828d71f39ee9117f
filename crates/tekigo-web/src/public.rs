//! The public pages, in Japanese and English, server-rendered without script:
//! - `/`: what the registry is, a search form, how many labels it holds;
//! - `/labels`: search with filters, 50 labels a page;
//! - `/labels/{number}`: the product page a consumer reaches from the label's QR code
//!   (SCHEME §5.2: when it got the label, until when it is valid, whether support has ended,
//!   vulnerability information), with the label's history and the disclaimer of SCHEME §5.5;
//! - `/labels/{number}/qr.png` and `qr.svg`: the QR code itself, for print.
//!
//! Also the 404 page for every path no route serves (JSON under `/api/`), and a `lang` cookie
//! that keeps the language a visitor picked with `?lang=`.

use askama::Template;
use axum::Router;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use jiff::civil::Date;
use serde::Deserialize;
use tekigo_base::Lang;
use tekigo_criteria::{Catalog, Sector};
use tekigo_registry::rules::{self, Assurance, Status};
use tekigo_registry::store::{Label, LabelEvent, Search};

use crate::cases::{CaseView, FindingRow, LifecycleView};
use crate::error::WebError;
use crate::i18n::{PageLang, t};
use crate::layout::Chrome;
use crate::limits::ClientIp;
use crate::qr;
use crate::state::AppState;

/// Labels on one page of search results.
pub const PAGE_SIZE: i64 = 50;

/// The PNG's resolution: 10 pixels per module (0.5 mm), 508 dpi, enough for any label printer.
const PNG_PIXELS_PER_MODULE: u32 = 10;

/// The scheme whose product types and levels the filters offer.
const SCHEME: &str = "jc-star";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/labels", get(search))
        .route("/labels/{number}", get(label_page))
        .route("/labels/{number}/qr.png", get(qr_png))
        .route("/labels/{number}/qr.svg", get(qr_svg))
        .route("/announcements", get(announcements))
        .fallback(not_found)
        .layer(middleware::from_fn(remember_lang))
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

fn chrome(lang: Lang, uri: &Uri) -> Chrome {
    Chrome::public(lang, uri.path_and_query().map_or("/", |pq| pq.as_str()))
}

/// A product type's title in the catalog, or its id when the catalog does not know it.
pub(crate) fn product_type_title(catalog: &Catalog, id: &str, lang: Lang) -> String {
    catalog
        .scheme(SCHEME)
        .ok()
        .and_then(|scheme| scheme.product_types.iter().find(|t| t.id == id))
        .map_or_else(|| id.to_owned(), |t| t.title.get(lang).to_owned())
}

/// `★1` for level `1`.
fn stars(level: &str) -> String {
    format!("★{level}")
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

/// A query-string value: unreserved characters kept, space as `+`, everything else %-encoded.
fn query_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
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

/// One option of a filter's `<select>`.
pub(crate) struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// Options under a heading (`<optgroup>`).
pub(crate) struct ChoiceGroup {
    label: &'static str,
    choices: Vec<Choice>,
}

/// The search form, on the home page and above the results.
pub(crate) struct SearchForm {
    q: String,
    vendor: String,
    /// Consumer, then industrial: some titles ("Cameras") only read right under their sector.
    product_types: Vec<ChoiceGroup>,
    levels: Vec<Choice>,
    statuses: Vec<Choice>,
}

impl SearchForm {
    fn new(catalog: &Catalog, lang: Lang, filters: &Filters) -> SearchForm {
        let scheme = catalog.scheme(SCHEME).ok();
        let sectors = [
            (Sector::Consumer, t(lang, "Consumer products", "民生用機器")),
            (Sector::Industrial, t(lang, "Industrial and enterprise products", "産業用・業務用機器")),
        ];
        let product_types = sectors
            .into_iter()
            .map(|(sector, label)| ChoiceGroup {
                label,
                choices: scheme
                    .iter()
                    .flat_map(|scheme| &scheme.product_types)
                    .filter(|t| t.sector == sector)
                    .map(|t| Choice {
                        value: t.id.clone(),
                        label: t.title.get(lang).to_owned(),
                        selected: filters.product_type.as_deref() == Some(t.id.as_str()),
                    })
                    .collect(),
            })
            .filter(|group| !group.choices.is_empty())
            .collect();
        let levels = ["1", "2", "3", "4"]
            .into_iter()
            .map(|level| Choice {
                value: level.to_owned(),
                label: stars(level),
                selected: filters.level.as_deref() == Some(level),
            })
            .collect();
        let statuses = Status::ALL
            .into_iter()
            .map(|status| Choice {
                value: status.name().to_owned(),
                label: status.label().get(lang).to_owned(),
                selected: filters.status == Some(status),
            })
            .collect();
        SearchForm {
            q: filters.q.clone().unwrap_or_default(),
            vendor: filters.vendor.clone().unwrap_or_default(),
            product_types,
            levels,
            statuses,
        }
    }
}

// -------------------------------------------------------------------------------------------
// Home

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    form: SearchForm,
    count: String,
    empty: bool,
}

async fn home(State(state): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Result<Html<String>, WebError> {
    let count = state.registry.label_count().await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let page = HomePage {
        chrome: chrome(lang, &uri),
        form: SearchForm::new(state.registry.catalog(), lang, &Filters::default()),
        count: grouped(count),
        empty: count == 0,
    };
    render(&page, lang)
}

// -------------------------------------------------------------------------------------------
// Search

/// The query string of `/labels`, as sent: every value is checked by [`Filters::parse`]. The
/// API's search shares the filters (without `page`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchQuery {
    pub(crate) q: Option<String>,
    pub(crate) vendor: Option<String>,
    pub(crate) product_type: Option<String>,
    pub(crate) level: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) page: Option<String>,
}

/// The checked filters of a search.
#[derive(Debug, Default)]
pub(crate) struct Filters {
    pub(crate) q: Option<String>,
    pub(crate) vendor: Option<String>,
    pub(crate) product_type: Option<String>,
    pub(crate) level: Option<String>,
    pub(crate) status: Option<Status>,
    pub(crate) page: i64,
}

/// An empty form field is no filter.
pub(crate) fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Filters {
    /// The filters, or a 400 naming the parameter that is wrong.
    pub(crate) fn parse(query: SearchQuery, catalog: &Catalog, lang: Lang) -> Result<Filters, WebError> {
        let product_type = given(query.product_type);
        if let Some(id) = &product_type {
            let known = catalog.scheme(SCHEME).is_ok_and(|scheme| scheme.product_types.iter().any(|t| &t.id == id));
            if !known {
                return Err(bad_request(
                    lang,
                    format!("product_type: `{id}` is not a product type of the scheme"),
                    format!("product_type: `{id}` は制度の製品類型ではありません"),
                ));
            }
        }
        let level = given(query.level);
        if let Some(level) = &level
            && !matches!(level.as_str(), "1" | "2" | "3" | "4")
        {
            return Err(bad_request(
                lang,
                format!("level: `{level}` is not a level; use 1, 2, 3 or 4"),
                format!("level: `{level}` はレベルではありません（1・2・3・4 のいずれか）"),
            ));
        }
        let status = match given(query.status) {
            None => None,
            Some(text) => Some(Status::parse(&text).ok_or_else(|| {
                let names = Status::ALL.map(Status::name).join(", ");
                bad_request(
                    lang,
                    format!("status: `{text}` is not a status; use one of {names}"),
                    format!("status: `{text}` は状態ではありません（{names} のいずれか）"),
                )
            })?),
        };
        let page = match given(query.page) {
            None => 1,
            Some(text) => text.parse::<i64>().ok().filter(|p| (1..=1_000_000).contains(p)).ok_or_else(|| {
                bad_request(
                    lang,
                    format!("page: `{text}` is not a page number (1 or more)"),
                    format!("page: `{text}` はページ番号ではありません（1 以上）"),
                )
            })?,
        };
        Ok(Filters { q: given(query.q), vendor: given(query.vendor), product_type, level, status, page })
    }

    /// `/labels?...` with these filters on page `page`.
    fn href(&self, page: i64) -> String {
        let mut pairs = Vec::new();
        let mut add = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                pairs.push(format!("{name}={}", query_encode(value)));
            }
        };
        add("q", self.q.as_deref());
        add("vendor", self.vendor.as_deref());
        add("product_type", self.product_type.as_deref());
        add("level", self.level.as_deref());
        add("status", self.status.map(Status::name));
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        if pairs.is_empty() { "/labels".to_owned() } else { format!("/labels?{}", pairs.join("&")) }
    }
}

/// A label in a list of results.
struct Row {
    number: String,
    product_name: String,
    vendor: String,
    model: String,
    product_type: String,
    level: String,
    status_name: &'static str,
    status_label: String,
    expires: String,
}

impl Row {
    fn new(label: &Label, catalog: &Catalog, lang: Lang) -> Row {
        Row {
            number: label.number.clone(),
            product_name: label.product_name.clone(),
            vendor: label.vendor.clone(),
            model: label.model.clone(),
            product_type: label
                .product_type
                .as_deref()
                .map(|id| product_type_title(catalog, id, lang))
                .unwrap_or_default(),
            level: stars(&label.level),
            status_name: label.status.name(),
            status_label: label.status.label().get(lang).to_owned(),
            expires: label.expires.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "labels.html")]
struct SearchPage {
    chrome: Chrome,
    form: SearchForm,
    rows: Vec<Row>,
    total: String,
    page: i64,
    pages: i64,
    first_href: Option<String>,
    prev_href: Option<String>,
    next_href: Option<String>,
    last_href: Option<String>,
    /// The search box held a label number that the registry does not know.
    unknown_number: Option<String>,
}

/// What a search takes from the client's allowance: one, or [`SHORT_TEXT_COST`] for a text of
/// one or two characters, which no trigram index can answer and the database reads by a scan.
pub(crate) fn search_cost(search: &Search) -> u32 {
    match &search.text {
        Some(text) if (1..3).contains(&text.trim().chars().count()) => SHORT_TEXT_COST,
        _ => 1,
    }
}

/// See [`search_cost`].
pub const SHORT_TEXT_COST: u32 = 5;

async fn search(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    uri: Uri,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Response, WebError> {
    let Query(query) = query.map_err(|rejection| {
        bad_request(
            lang,
            format!("the query string cannot be read: {}", rejection.body_text()),
            format!("クエリ文字列を読み取れません: {}", rejection.body_text()),
        )
    })?;
    let catalog = state.registry.catalog();
    let filters = Filters::parse(query, catalog, lang)?;
    let today = state.clock.today();
    let registry_error = |e| WebError::from(e).in_lang(lang);
    // A label number typed into the search box (from a printed label) goes to its page.
    let mut unknown_number = None;
    if let Some(number) = filters.q.as_deref().map(str::to_ascii_uppercase).filter(|q| rules::is_label_number(q)) {
        if state.registry.label(&number, today).await.map_err(registry_error)?.is_some() {
            return Ok(Redirect::to(&format!("/labels/{number}")).into_response());
        }
        unknown_number = Some(number);
    }
    let search = Search {
        vendor: filters.vendor.clone(),
        product_type: filters.product_type.clone(),
        level: filters.level.clone(),
        status: filters.status,
        text: if unknown_number.is_some() { None } else { filters.q.clone() },
        offset: (filters.page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let (labels, total) = if unknown_number.is_some() {
        (Vec::new(), 0)
    } else {
        // Only a real search is counted: a label number typed in is verification, never limited.
        if let Err(seconds) = state.search_limit.take_many(ip, state.clock.now(), search_cost(&search)) {
            return Ok(crate::limits::too_many(crate::limits::Limited::Searches, seconds, lang, false));
        }
        state.registry.search(&search, today).await.map_err(registry_error)?
    };
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = filters.page;
    let link = |condition: bool, to: i64| condition.then(|| filters.href(to));
    let view = SearchPage {
        chrome: chrome(lang, &uri),
        form: SearchForm::new(catalog, lang, &filters),
        rows: labels.iter().map(|label| Row::new(label, catalog, lang)).collect(),
        total: grouped(total),
        page,
        pages,
        first_href: link(page > 2, 1),
        prev_href: link(page > 1, (page - 1).min(pages)),
        next_href: link(page < pages, page + 1),
        last_href: link(page + 1 < pages, pages),
        unknown_number,
    };
    Ok(render(&view, lang)?.into_response())
}

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
#[template(path = "label.html")]
struct LabelPage {
    chrome: Chrome,
    number: String,
    product_name: String,
    vendor: String,
    vendor_href: String,
    model: String,
    firmware: String,
    product_type: Option<String>,
    level: String,
    /// What the level covers, from the catalog.
    level_summary: Option<String>,
    scheme_version: String,
    self_declared: bool,
    status_name: &'static str,
    status_label: String,
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
    /// The case in progress (grace period or hearing), if any.
    case: Option<CaseView>,
    /// The failing vulnerabilities monitoring last saw.
    findings: Vec<FindingRow>,
    lifecycle: LifecycleView,
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

async fn label_page(
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
        chrome: chrome(lang, &uri),
        number: label.number.clone(),
        vendor_href: format!("/labels?vendor={}", query_encode(&label.vendor)),
        product_type: label.product_type.as_deref().map(|id| product_type_title(catalog, id, lang)),
        level: stars(&label.level),
        level_summary,
        scheme_version: label.scheme_version.clone(),
        self_declared: label.assurance == Assurance::SelfDeclared,
        status_name: label.status.name(),
        status_label: label.status.label().get(lang).to_owned(),
        notices: notices(&label, today, lang),
        issued: label.issued.clone(),
        expires: label.expires.clone(),
        support_end: label.support_end.clone(),
        checked_on: today.to_string(),
        contact: contact.to_owned(),
        contact_href,
        events: events.iter().map(|event| EventRow::new(event, lang)).collect(),
        page_url: state.label_url(&label.number),
        case: proceedings.open_case().map(|case| CaseView::new(case, lang)),
        findings: proceedings.findings.iter().map(FindingRow::new).collect(),
        lifecycle: LifecycleView::new(&proceedings.lifecycle, lang),
        product_name: label.product_name,
        vendor: label.vendor,
        model: label.model,
        firmware: label.firmware_version,
    };
    // The one page with a script (`/static/verify.js`, for a signed status in the fragment).
    Ok(([(header::CONTENT_SECURITY_POLICY, crate::LABEL_PAGE_CSP)], render(&page, lang)?).into_response())
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
#[template(path = "announcements.html")]
struct AnnouncementsPage {
    chrome: Chrome,
    rows: Vec<AnnouncementRow>,
}

/// The revocations the certification body announced (SCHEME §5.4: malicious cases and cases
/// with a large impact on users are made public), newest first.
async fn announcements(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    uri: Uri,
) -> Result<Html<String>, WebError> {
    let announced = state.registry.announcements(200).await.map_err(|e| WebError::from(e).in_lang(lang))?;
    let page = AnnouncementsPage {
        chrome: chrome(lang, &uri),
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
    };
    render(&page, lang)
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
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
            // The number was checked by `is_label_number`: no quote or line break can be in it.
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{number}.{extension}\"")),
        ],
        body,
    )
        .into_response()
}

async fn qr_png(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let label = find_label(&state, number, lang).await?;
    let png = qr::png(&state.label_url(&label.number), PNG_PIXELS_PER_MODULE).map_err(|e| qr_failed(e, lang))?;
    Ok(qr_response("image/png", &label.number, "png", png))
}

async fn qr_svg(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    number: Result<Path<String>, PathRejection>,
) -> Result<Response, WebError> {
    let label = find_label(&state, number, lang).await?;
    let svg = qr::svg(&state.label_url(&label.number)).map_err(|e| qr_failed(e, lang))?;
    Ok(qr_response("image/svg+xml", &label.number, "svg", svg.into_bytes()))
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

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(query_encode("Demo Vendor 001 (fictional)"), "Demo+Vendor+001+%28fictional%29");
        assert_eq!(query_encode("a&b=c"), "a%26b%3Dc");
        assert_eq!(query_encode("株"), "%E6%A0%AA");
    }

    #[test]
    fn filter_links_keep_the_filters() {
        let filters =
            Filters { q: Some("cam".into()), status: Some(Status::SupportEnded), page: 3, ..Filters::default() };
        assert_eq!(filters.href(1), "/labels?q=cam&status=support-ended");
        assert_eq!(filters.href(4), "/labels?q=cam&status=support-ended&page=4");
        assert_eq!(Filters::default().href(1), "/labels");
    }
}
