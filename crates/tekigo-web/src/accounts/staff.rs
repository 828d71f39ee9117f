//! The admin's page for staff accounts (`/admin/staff`): who was made reviewer, committee member
//! or administrator, by whom, and the form that makes one. Only an administrator sees it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tekigo_base::{Lang, Text};
use tekigo_registry::RegistryError;
use tekigo_registry::Role;

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;

use crate::http::view::registry_error;
use crate::http::view::{self, Message};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/admin/staff", get(staff_page).post(create_staff))
}

// -------------------------------------------------------------------------------------------
// Staff accounts (admin)

#[derive(Debug, Default, Deserialize)]
struct StaffForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

impl CsrfField for StaffForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

struct StaffRow {
    at: String,
    email: String,
    role: String,
    by: String,
}

#[derive(Template)]
#[template(path = "accounts/admin_staff.html")]
struct StaffPage {
    chrome: Chrome,
    error: Option<Message>,
    staff: Vec<StaffRow>,
    /// `(id, title, selected)`.
    roles: Vec<(&'static str, &'static str, bool)>,
    form: StaffForm,
}

fn admin_only(current: &CurrentUser, lang: Lang) -> Result<(), WebError> {
    if current.user.role == Role::Admin {
        Ok(())
    } else {
        Err(view::bilingual_error(
            StatusCode::FORBIDDEN,
            "This page is for administrators.",
            "このページは管理者用です。",
            lang,
        ))
    }
}

fn role_name(role: &str, lang: Lang) -> &'static str {
    let (en, ja) = match role {
        "reviewer" => ("reviewer", "審査者"),
        "committee" => ("committee member", "委員会委員"),
        "admin" => ("administrator", "管理者"),
        _ => ("other", "その他"),
    };
    crate::http::i18n::t(lang, en, ja)
}

async fn render_staff(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    status: StatusCode,
    error: Option<Message>,
    form: StaffForm,
) -> Result<Response, WebError> {
    // The staff accounts made so far, as the audit trail recorded them.
    let records = state.registry.audit_trail(&current.user, 1000).await.map_err(registry_error(lang))?;
    let staff = records
        .into_iter()
        .filter(|r| r.action == "create-staff")
        .map(|r| {
            let detail: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or_default();
            let field = |name: &str| detail.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            StaffRow {
                at: view::datetime(r.at),
                email: field("email"),
                role: role_name(&field("role"), lang).to_owned(),
                by: r.actor,
            }
        })
        .collect();
    let page = StaffPage {
        chrome: current.chrome_at(lang, "/admin/staff"),
        error,
        staff,
        roles: [Role::Reviewer, Role::Committee, Role::Admin]
            .iter()
            .map(|r| (r.name(), role_name(r.name(), lang), r.name() == form.role))
            .collect(),
        form,
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn staff_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    admin_only(&current, lang)?;
    let form = StaffForm { role: Role::Reviewer.name().to_owned(), ..StaffForm::default() };
    render_staff(&state, &current, lang, StatusCode::OK, None, form).await
}

async fn create_staff(State(state): State<AppState>, posted: SessionForm<StaffForm>) -> Result<Response, WebError> {
    let SessionForm { current, lang, mut form } = posted;
    admin_only(&current, lang)?;
    let invalid = |text: Text| Some(Message::new(&text, lang));
    let error = match Role::parse(&form.role).filter(|r| r.is_staff()) {
        None => invalid(Text::new(
            "Choose a role: reviewer, committee member or administrator.",
            "役割（審査者・委員会委員・管理者）を選んでください。",
        )),
        Some(role) => {
            let created = state
                .registry
                .create_staff(Some(&current.user), &form.email, &form.name, role, &form.password, state.clock.now())
                .await;
            match created {
                Ok(_) => return Ok(Redirect::to("/admin/staff").into_response()),
                Err(RegistryError::Invalid(text)) => invalid(text),
                Err(other) => return Err(WebError::from(other).in_lang(lang)),
            }
        }
    };
    form.password.clear();
    render_staff(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, error, form).await
}
