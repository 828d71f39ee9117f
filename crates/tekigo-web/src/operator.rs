//! Who runs this registry, as pages: the privacy policy (`/privacy`), the terms of use (`/terms`)
//! and the operator's logo (`/operator/logo`). The operator itself is configured at start-up
//! (`http::operator`) and shown in every page's frame.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tekigo_base::Lang;

use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;

/// What the logo is served under: it may be opened on its own, and an SVG opened on its own is a
/// document that could run scripts in the registry's origin, so it gets none and is sandboxed.
const LOGO_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

pub fn routes() -> Router<AppState> {
    Router::new().route("/privacy", get(privacy)).route("/terms", get(terms)).route("/operator/logo", get(logo))
}

#[derive(Template)]
#[template(path = "operator/policy.html")]
struct PolicyPage<'a> {
    chrome: Chrome,
    title: &'static str,
    paragraphs: &'a [String],
}

fn policy(
    state: &AppState,
    lang: Lang,
    uri: &Uri,
    title: &'static str,
    paragraphs: &[String],
) -> Result<Html<String>, WebError> {
    let page = PolicyPage {
        chrome: Chrome::public(state, lang, uri.path_and_query().map_or("/", |pq| pq.as_str())),
        title,
        paragraphs,
    };
    page.render().map(Html).map_err(|error| {
        WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "the page could not be rendered", "ページを表示できません")
            .caused_by(error)
            .in_lang(lang)
    })
}

async fn privacy(State(state): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Result<Html<String>, WebError> {
    let title = crate::http::i18n::t(lang, "Privacy policy", "プライバシーポリシー");
    policy(&state, lang, &uri, title, state.operator.privacy.paragraphs(lang))
}

async fn terms(State(state): State<AppState>, PageLang(lang): PageLang, uri: Uri) -> Result<Html<String>, WebError> {
    let title = crate::http::i18n::t(lang, "Terms of use", "利用規約");
    policy(&state, lang, &uri, title, state.operator.terms.paragraphs(lang))
}

async fn logo(State(state): State<AppState>, PageLang(lang): PageLang) -> Response {
    let Some(logo) = &state.operator.logo else {
        return WebError::new(StatusCode::NOT_FOUND, "this registry has no logo", "この登録簿にはロゴがありません")
            .in_lang(lang)
            .into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(logo.kind.content_type())),
        // The logo changes only when the server restarts with another file: an hour is short
        // enough for that and saves a request on almost every page.
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(LOGO_CSP)),
    ];
    // Shared with the state, not copied: the same bytes answer every request.
    (headers, axum::body::Bytes::from_owner(std::sync::Arc::clone(&logo.bytes))).into_response()
}
