//! The public search (`/labels`): its filters, read from the query string and checked
//! ([`Filters::parse`], shared with `GET /api/v1/labels`), the form that sets them, and a page of
//! results with links that keep the filters.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tekigo_base::Lang;
use tekigo_criteria::{Catalog, Sector};
use tekigo_registry::labels::rules::{self, Status};
use tekigo_registry::{Label, Search};

use super::{PAGE_SIZE, SCHEME, bad_request, chrome, grouped, render, stars};
use crate::http::error::WebError;
use crate::http::i18n::{PageLang, t};
use crate::http::layout::Chrome;
use crate::http::limits::ClientIp;
use crate::http::present::product_type_title;
use crate::http::state::AppState;

/// One option of a filter's `<select>`.
pub(crate) struct Choice {
    pub(super) value: String,
    pub(super) label: String,
    pub(super) selected: bool,
}

/// Options under a heading (`<optgroup>`).
pub(crate) struct ChoiceGroup {
    pub(super) label: &'static str,
    pub(super) choices: Vec<Choice>,
}

/// The search form, on the home page and above the results.
pub(crate) struct SearchForm {
    pub(super) q: String,
    pub(super) vendor: String,
    /// Consumer, then industrial: some titles ("Cameras") only read right under their sector.
    pub(super) product_types: Vec<ChoiceGroup>,
    pub(super) levels: Vec<Choice>,
    pub(super) statuses: Vec<Choice>,
    pub(super) psti_listed: bool,
}

impl SearchForm {
    pub(super) fn new(catalog: &Catalog, lang: Lang, filters: &Filters) -> SearchForm {
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
            psti_listed: filters.psti_listed,
        }
    }
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
    /// `listed`: only labels listed as deemed to meet the UK PSTI regime.
    pub(crate) psti: Option<String>,
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
    pub(crate) psti_listed: bool,
    pub(crate) page: i64,
}

/// An empty form field is no filter.
pub(crate) fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Filters {
    /// The registry search these filters ask for, unpaged: every page, the API and the export
    /// start from it.
    pub(crate) fn search(&self) -> Search {
        Search {
            vendor: self.vendor.clone(),
            product_type: self.product_type.clone(),
            level: self.level.clone(),
            status: self.status,
            text: self.q.clone(),
            psti_listed: self.psti_listed,
            ..Search::default()
        }
    }

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
        let psti_listed = match given(query.psti).as_deref() {
            None => false,
            Some("listed") => true,
            Some(other) => {
                return Err(bad_request(
                    lang,
                    format!("psti: `{other}` is not a PSTI filter; use `listed`"),
                    format!("psti: `{other}` は PSTI の条件ではありません（`listed` を指定）"),
                ));
            }
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
        Ok(Filters { q: given(query.q), vendor: given(query.vendor), product_type, level, status, psti_listed, page })
    }

    /// `/labels?...` with these filters on page `page`.
    fn href(&self, page: i64) -> String {
        let mut pairs = self.pairs();
        if page > 1 {
            pairs.push(format!("page={page}"));
        }
        if pairs.is_empty() { "/labels".to_owned() } else { format!("/labels?{}", pairs.join("&")) }
    }

    /// `/labels.csv?...`: every label these filters find, as a file.
    fn csv_href(&self) -> String {
        let pairs = self.pairs();
        if pairs.is_empty() { "/labels.csv".to_owned() } else { format!("/labels.csv?{}", pairs.join("&")) }
    }

    /// The filters as query pairs, encoded.
    fn pairs(&self) -> Vec<String> {
        let mut pairs = Vec::new();
        let mut add = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                pairs.push(format!("{name}={}", crate::http::query::encode(value)));
            }
        };
        add("q", self.q.as_deref());
        add("vendor", self.vendor.as_deref());
        add("product_type", self.product_type.as_deref());
        add("level", self.level.as_deref());
        add("status", self.status.map(Status::name));
        add("psti", self.psti_listed.then_some("listed"));
        pairs
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
    ipa_status_name: &'static str,
    ipa_status_label: String,
    expires: String,
}

impl Row {
    fn new(label: &Label, state: &AppState, today: jiff::civil::Date, lang: Lang) -> Row {
        let catalog = state.registry.catalog();
        let ipa = state.ipa_status(label, today);
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
            ipa_status_name: ipa.name(),
            ipa_status_label: ipa.label().get(lang).to_owned(),
            expires: label.expires.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "labels/labels.html")]
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
    /// The same search as a CSV file.
    csv_href: String,
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
pub(super) const SHORT_TEXT_COST: u32 = 5;

pub(super) async fn search(
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
        text: if unknown_number.is_some() { None } else { filters.q.clone() },
        offset: (filters.page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
        ..filters.search()
    };
    let (labels, total) = if unknown_number.is_some() {
        (Vec::new(), 0)
    } else {
        // Only a real search is counted: a label number typed in is verification, never limited.
        if let Err(seconds) = state.search_limit.take_many(ip, state.clock.now(), search_cost(&search)) {
            return Ok(crate::http::limits::too_many(crate::http::limits::Limited::Searches, seconds, lang, false));
        }
        state.registry.search(&search, today).await.map_err(registry_error)?
    };
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = filters.page;
    let link = |condition: bool, to: i64| condition.then(|| filters.href(to));
    let view = SearchPage {
        chrome: chrome(&state, lang, &uri),
        form: SearchForm::new(catalog, lang, &filters),
        rows: labels.iter().map(|label| Row::new(label, &state, today, lang)).collect(),
        total: grouped(total),
        page,
        pages,
        first_href: link(page > 2, 1),
        prev_href: link(page > 1, (page - 1).min(pages)),
        next_href: link(page < pages, page + 1),
        last_href: link(page + 1 < pages, pages),
        unknown_number,
        csv_href: filters.csv_href(),
    };
    Ok(render(&view, lang)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_links_keep_the_filters() {
        let filters =
            Filters { q: Some("cam".into()), status: Some(Status::SupportEnded), page: 3, ..Filters::default() };
        assert_eq!(filters.href(1), "/labels?q=cam&status=support-ended");
        assert_eq!(filters.href(4), "/labels?q=cam&status=support-ended&page=4");
        assert_eq!(Filters::default().href(1), "/labels");
        assert_eq!(filters.csv_href(), "/labels.csv?q=cam&status=support-ended", "every page, so no page");
        assert_eq!(Filters::default().csv_href(), "/labels.csv");
    }
}
