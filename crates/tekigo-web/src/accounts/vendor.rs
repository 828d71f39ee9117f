//! The vendor's own page (`/vendor`, SCHEME §1): its products with their labels and the
//! latest application of each, the form that registers a product, the keys its declarations are
//! signed with, its API tokens (made and shown once here, revoked here), the certification body's
//! messages and the cases open against its labels. The forms post back here and show their
//! refusals on this page.
//!
//! Only the vendor role sees it; staff and others get 403.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tekigo_base::{Lang, Text};
use tekigo_criteria::Sector;
use tekigo_registry::RegistryError;
use tekigo_registry::{NewProduct, TOKEN_DEFAULT_DAYS, TokenScope};

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::present::CaseView;
use crate::http::present::{ApplicationRow, LabelCell, ProductView, label_of, open_cases};
use crate::http::state::AppState;
use crate::http::view::{self, Message};
use crate::http::view::{registry_error, vendor_only};

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
            (crate::http::i18n::t(lang, en, ja).to_owned(), types)
        })
        .collect()
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/vendor", get(dashboard))
        .route("/vendor/keys", post(add_key))
        .route("/vendor/products", post(add_product))
        .route("/vendor/tokens", post(add_token))
        .route("/vendor/tokens/{id}/revoke", post(revoke_token))
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
    /// The series, one model per line (`tekigo_base::identifiers::models_from_lines`).
    #[serde(default)]
    models: String,
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
#[template(path = "accounts/vendor_dashboard.html")]
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
    fn new(token: &tekigo_registry::ApiToken, now: i64, lang: Lang) -> TokenRow {
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
    let models = match tekigo_base::identifiers::models_from_lines(&form.models) {
        Ok(models) if models.is_empty() => Vec::new(),
        Ok(models) => tekigo_base::identifiers::with_representative(&form.model, models),
        Err(text) => {
            let extras = Extras { error: Some(Message::new(&text, lang)), product: form, ..Extras::default() };
            return render_dashboard(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, extras).await;
        }
    };
    let new = NewProduct {
        name: form.name.clone(),
        model: form.model.clone(),
        models,
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
/// Only a person logged in may post this (`http::auth::token_scope_needed` refuses it to tokens).
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
