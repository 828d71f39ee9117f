//! Cases against labels after issue (SCHEME §5.3, §5.4), the certification body's screens (how a
//! case, its findings and a lifecycle read is `http::present`'s, shared with the public and vendor
//! pages):
//! - `/review/cases`: the open cases (`?all=1`: every case), newest first;
//! - `/review/labels/{number}`: one label's lifecycle, cases and findings, with the decisions
//!   (suspend, revoke, reinstate, close as corrected), each a form that posts to
//!   `/review/labels/{number}/{decision}` and goes through `Registry::decide`; the registry refuses
//!   an illegal step (a non-urgent revocation before the hearing ends) and the page shows why, in
//!   both languages.
//!
//! Staff see these pages; only a reviewer or an admin sees and posts the decision forms.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tekigo_base::{Lang, Text};
use tekigo_registry::RegistryError;
use tekigo_registry::Role;
use tekigo_registry::cases::lifecycle::{Correction, Event, Ground, Lifecycle};
use tekigo_registry::labels::rules;

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::present::{CaseView, FindingRow, LifecycleView};
use crate::http::state::AppState;
use crate::http::view::{self, Message};
use crate::http::view::{registry_error, staff_only};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/review/cases", get(cases_page))
        .route("/review/labels/{number}", get(label_page))
        .route("/review/labels/{number}/{decision}", post(decide))
}

// -------------------------------------------------------------------------------------------
// Staff pages

fn can_decide(role: Role) -> bool {
    matches!(role, Role::Reviewer | Role::Admin)
}

#[derive(Debug, Default, Deserialize)]
struct CasesQuery {
    all: Option<String>,
}

#[derive(Template)]
#[template(path = "cases/review_cases.html")]
struct CasesPage {
    chrome: Chrome,
    all: bool,
    cases: Vec<CaseView>,
}

async fn cases_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Query(query): Query<CasesQuery>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let all = query.all.is_some_and(|v| !v.is_empty() && v != "0");
    let cases = state.registry.cases(&current.user, !all, 500).await.map_err(registry_error(lang))?;
    let page = CasesPage {
        chrome: current.chrome_at(lang, if all { "/review/cases?all=1" } else { "/review/cases" }),
        all,
        cases: cases.iter().map(|case| CaseView::new(case, lang)).collect(),
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

#[derive(Template)]
#[template(path = "cases/review_label.html")]
struct LabelPage {
    chrome: Chrome,
    error: Option<Message>,
    number: String,
    product_name: String,
    vendor: String,
    status: String,
    status_name: &'static str,
    lifecycle: LifecycleView,
    cases: Vec<CaseView>,
    findings: Vec<FindingRow>,
    can_decide: bool,
    grounds: Vec<(&'static str, String)>,
    reason: String,
    /// A third-party label a lab evaluated: staff may extend it on the lab's re-confirmation.
    extendable: bool,
    expires: String,
}

async fn render_label(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    number: &str,
    status: StatusCode,
    error: Option<Message>,
    reason: String,
) -> Result<Response, WebError> {
    if !rules::is_label_number(number) {
        return Err(WebError::not_found().in_lang(lang));
    }
    let label = state
        .registry
        .label(number, state.clock.today())
        .await
        .map_err(registry_error(lang))?
        .ok_or_else(|| WebError::not_found().in_lang(lang))?;
    let lifecycle = state.registry.lifecycle(number).await.map_err(registry_error(lang))?.unwrap_or(Lifecycle::Active);
    let cases = state.registry.label_cases(number).await.map_err(registry_error(lang))?;
    let findings = state.registry.label_findings(number).await.map_err(registry_error(lang))?;
    let page = LabelPage {
        chrome: current.chrome_at(lang, &format!("/review/labels/{number}")),
        error,
        number: label.number.clone(),
        product_name: label.product_name.clone(),
        vendor: label.vendor.clone(),
        status: label.status.label().get(lang).to_owned(),
        status_name: label.status.name(),
        lifecycle: LifecycleView::new(&lifecycle, lang),
        cases: cases.iter().map(|case| CaseView::new(case, lang)).collect(),
        findings: findings.iter().map(FindingRow::new).collect(),
        can_decide: can_decide(current.user.role),
        grounds: Ground::ALL.into_iter().map(|g| (g.name(), g.text().get(lang).to_owned())).collect(),
        reason,
        extendable: label.lab_id.is_some() && label.assurance == tekigo_registry::Assurance::ThirdParty,
        expires: label.expires.clone(),
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn label_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(number): Path<String>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    render_label(&state, &current, lang, &number, StatusCode::OK, None, String::new()).await
}

#[derive(Debug, Default, Deserialize)]
struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ground: String,
    urgent: Option<String>,
    serious: Option<String>,
    #[serde(default)]
    reason: String,
}

impl CsrfField for DecisionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// One decision: `suspend`, `revoke`, `reinstate` or `correct` (close the case as corrected).
async fn decide(
    State(state): State<AppState>,
    Path((number, decision)): Path<(String, String)>,
    posted: SessionForm<DecisionForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    staff_only(&current, lang)?;
    if !can_decide(current.user.role) {
        return Err(view::bilingual_error(
            StatusCode::FORBIDDEN,
            "Only a reviewer or an administrator decides on labels.",
            "ラベルについて判断できるのは審査員または管理者だけです。",
            lang,
        ));
    }
    if !rules::is_label_number(&number) {
        return Err(WebError::not_found().in_lang(lang));
    }
    let on = state.clock.today();
    let urgent = form.urgent.is_some();
    let ground = || {
        Ground::parse(&form.ground).ok_or_else(|| {
            Text::new(
                format!("choose a ground from the list (`{}` is not one)", form.ground),
                format!("根拠を一覧から選んでください（`{}` は該当しません）", form.ground),
            )
        })
    };
    let event = match decision.as_str() {
        "suspend" => ground().map(|ground| Event::Suspend { ground, on, urgent }),
        "revoke" => ground().map(|ground| Event::Revoke { ground, on, urgent, serious: form.serious.is_some() }),
        "reinstate" => Ok(Event::Reinstate { on }),
        "correct" => Ok(Event::Corrected { how: Correction::Reevaluated, on }),
        _ => return Err(WebError::not_found().in_lang(lang)),
    };
    let result = match event {
        Ok(event) => state.registry.decide(&current.user, &number, event, &form.reason, state.clock.now()).await,
        Err(text) => Err(RegistryError::Invalid(text)),
    };
    match result {
        Ok(_) => {
            state.labels.forget(&number);
            Ok(Redirect::to(&format!("/review/labels/{number}")).into_response())
        }
        Err(RegistryError::Invalid(text)) => {
            let error = Some(Message::new(&text, lang));
            render_label(&state, &current, lang, &number, StatusCode::UNPROCESSABLE_ENTITY, error, form.reason).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}
