//! A registration after its label is issued (docs/scheme.md, "Registration"): the vendor changes
//! the support period (an extension at once, a shortening as a request), asks to list the label
//! as deemed to meet UK PSTI, and says which older firmware it still supports; staff decide the
//! shortenings and the PSTI listings (`/review/registrations`).

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tekigo_base::Lang;
use tekigo_registry::RegistryError;
use tekigo_registry::support::SupportOutcome;

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;
use crate::http::view::{self, path_id, registry_error, staff_only, vendor_only};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/vendor/products/{id}/support", post(change_support))
        .route("/vendor/labels/{number}/psti", post(request_psti))
        .route("/vendor/labels/{number}/releases/supported", post(release_supported))
        .route("/review/registrations", get(registrations))
        .route("/review/registrations/psti/{number}", post(decide_psti))
        .route("/review/registrations/support/{id}", post(decide_support))
}

/// A refusal as the page shows it: what is wrong, in the reader's language (the registry's
/// "rejected" list names each problem; its first is the reason).
fn refused(error: RegistryError, lang: Lang) -> WebError {
    match error {
        RegistryError::Rejected(problems) if !problems.is_empty() => {
            let first = problems[0].clone();
            WebError::new(StatusCode::UNPROCESSABLE_ENTITY, first.en, first.ja).in_lang(lang)
        }
        other => WebError::from(other).in_lang(lang),
    }
}

fn not_a_day(text: &str, lang: Lang) -> WebError {
    WebError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        format!("`{}` is not a day (YYYY-MM-DD)", text.trim()),
        format!("`{}` は日付（YYYY-MM-DD）ではありません", text.trim()),
    )
    .in_lang(lang)
}

macro_rules! csrf_form {
    ($name:ident { $($field:ident),* $(,)? }) => {
        #[derive(Debug, Deserialize)]
        struct $name {
            #[serde(default)]
            csrf: String,
            $(#[serde(default)] $field: String,)*
        }
        impl CsrfField for $name {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    };
}

csrf_form!(SupportForm { support_end, reason });
csrf_form!(PstiForm { english_information, english_contact });
csrf_form!(ReleaseSupportForm { version, supported });
csrf_form!(DecisionForm { decision, comment });

/// A later day extends security updates at once; an earlier one goes to the certification body
/// with the vendor's reason.
async fn change_support(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SessionForm<SupportForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    vendor_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let day = form.support_end.trim().parse::<jiff::civil::Date>().map_err(|_| not_a_day(&form.support_end, lang))?;
    let (today, now) = (state.clock.today(), state.clock.now());
    match state.registry.change_support_end(&current.user, id, day, &form.reason, today, now).await {
        Ok(SupportOutcome::Extended(_)) => {
            let changes = state.registry.support_changes(id).await.map_err(registry_error(lang))?;
            if let Some(number) = changes.last().and_then(|change| change.label_number.as_deref()) {
                state.labels.forget(number);
            }
            Ok(Redirect::to(&format!("/vendor/products/{id}#support")).into_response())
        }
        Ok(SupportOutcome::Requested(_)) => Ok(Redirect::to(&format!("/vendor/products/{id}#support")).into_response()),
        Err(error) => Err(refused(error, lang)),
    }
}

async fn request_psti(
    State(state): State<AppState>,
    Path(number): Path<String>,
    posted: SessionForm<PstiForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    vendor_only(&current, lang)?;
    let (today, now) = (state.clock.today(), state.clock.now());
    state
        .registry
        .request_psti_listing(&current.user, &number, &form.english_information, &form.english_contact, today, now)
        .await
        .map_err(|error| refused(error, lang))?;
    Ok(Redirect::to(&format!("/vendor/labels/{number}#psti")).into_response())
}

async fn release_supported(
    State(state): State<AppState>,
    Path(number): Path<String>,
    posted: SessionForm<ReleaseSupportForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    vendor_only(&current, lang)?;
    let label = state
        .registry
        .label(&number, state.clock.today())
        .await
        .map_err(registry_error(lang))?
        .ok_or_else(|| WebError::not_found().in_lang(lang))?;
    let supported = form.supported == "yes";
    let (today, now) = (state.clock.today(), state.clock.now());
    state
        .registry
        .set_release_supported(&current.user, label.product_id, &form.version, supported, today, now)
        .await
        .map_err(|error| refused(error, lang))?;
    state.labels.forget(&number);
    Ok(Redirect::to(&format!("/vendor/labels/{number}#releases")).into_response())
}

// -------------------------------------------------------------------------------------------
// The staff's side

struct PstiRow {
    number: String,
    information: String,
    contact: String,
    requested: String,
}

struct SupportRow {
    id: i64,
    product_id: i64,
    from: String,
    to: String,
    reason: String,
    requested: String,
}

#[derive(Template)]
#[template(path = "applications/review_registrations.html")]
struct RegistrationsPage {
    chrome: Chrome,
    psti: Vec<PstiRow>,
    support: Vec<SupportRow>,
}

async fn registrations(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let psti = state.registry.psti_requests(&current.user).await.map_err(registry_error(lang))?;
    let support = state.registry.pending_support_changes(&current.user).await.map_err(registry_error(lang))?;
    let page = RegistrationsPage {
        chrome: current.chrome(lang),
        psti: psti
            .into_iter()
            .map(|listing| PstiRow {
                number: listing.label_number,
                information: listing.english_information,
                contact: listing.english_contact,
                requested: view::datetime(listing.requested),
            })
            .collect(),
        support: support
            .into_iter()
            .map(|change| SupportRow {
                id: change.id,
                product_id: change.product_id,
                from: change.previous_end,
                to: change.new_end,
                reason: change.reason,
                requested: view::datetime(change.requested),
            })
            .collect(),
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

fn decision(form: &DecisionForm, lang: Lang) -> Result<bool, WebError> {
    match form.decision.as_str() {
        "confirm" | "approve" => Ok(true),
        "refuse" => Ok(false),
        other => Err(WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("decision: `{other}` is neither approve nor refuse"),
            format!("決定: `{other}` は承認でも却下でもありません"),
        )
        .in_lang(lang)),
    }
}

async fn decide_psti(
    State(state): State<AppState>,
    Path(number): Path<String>,
    posted: SessionForm<DecisionForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    staff_only(&current, lang)?;
    let confirm = decision(&form, lang)?;
    let (today, now) = (state.clock.today(), state.clock.now());
    state
        .registry
        .decide_psti_listing(&current.user, &number, confirm, &form.comment, today, now)
        .await
        .map_err(|error| refused(error, lang))?;
    state.labels.forget(&number);
    Ok(Redirect::to("/review/registrations").into_response())
}

async fn decide_support(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SessionForm<DecisionForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let approve = decision(&form, lang)?;
    let (today, now) = (state.clock.today(), state.clock.now());
    let change = state
        .registry
        .decide_support_change(&current.user, id, approve, &form.comment, today, now)
        .await
        .map_err(|error| refused(error, lang))?;
    if let Some(number) = &change.label_number {
        state.labels.forget(number);
    }
    Ok(Redirect::to("/review/registrations").into_response())
}
