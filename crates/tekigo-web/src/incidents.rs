//! Incidents on labeled products and the technical committee's agenda (SCHEME §6): staff record
//! an incident (`/review/incidents`), read who does what about it (`/review/incidents/{id}`, the
//! scheme's table in both languages), and the committee works through the criteria reviews that
//! recurring B-2 incidents put on its agenda (`/committee/agenda`). The rules and the storage are
//! `tekigo-registry`'s (`incidents.rs`, `incident_store.rs`); staff only, anyone else gets 403.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tekigo_base::{Lang, Text};
use tekigo_registry::RegistryError;
use tekigo_registry::incidents::{Case, Cause};
use tekigo_registry::incidents::{Incident, NewIncident};

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;
use crate::http::view::path_id;
use crate::http::view::{self, Message};
use crate::http::view::{registry_error, staff_only};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/review/incidents", get(list).post(record))
        .route("/review/incidents/{id}", get(detail))
        .route("/committee/agenda", get(agenda))
        .route("/committee/agenda/{id}/close", post(close))
}

// -------------------------------------------------------------------------------------------
// The list and the form

#[derive(Debug, Default, Deserialize)]
struct IncidentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label_number: String,
    #[serde(default)]
    occurred: String,
    /// `A` or `B`.
    #[serde(default)]
    cause: String,
    /// `yes` or `no`.
    #[serde(default)]
    information: String,
    /// `yes` or `no`.
    #[serde(default)]
    met_criteria: String,
    /// Requirement IDs separated by commas or spaces.
    #[serde(default)]
    requirements: String,
    #[serde(default)]
    summary: String,
}

impl CsrfField for IncidentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

struct IncidentRow {
    id: i64,
    label_number: String,
    occurred: String,
    case: String,
    requirements: String,
    summary: String,
}

impl IncidentRow {
    fn new(incident: &Incident) -> IncidentRow {
        IncidentRow {
            id: incident.id,
            label_number: incident.label_number.clone(),
            occurred: incident.occurred.clone(),
            case: incident.case.name().to_owned(),
            requirements: incident.requirements.join(", "),
            summary: incident.summary.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "incidents/review_incidents.html")]
struct ListPage {
    chrome: Chrome,
    error: Option<Message>,
    incidents: Vec<IncidentRow>,
    form: IncidentForm,
    /// `(letter, title)` of each cause.
    causes: Vec<(&'static str, String)>,
}

async fn render_list(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    status: StatusCode,
    error: Option<Message>,
    form: IncidentForm,
) -> Result<Response, WebError> {
    let incidents = state.registry.incidents(&current.user, 200).await.map_err(registry_error(lang))?;
    let page = ListPage {
        chrome: current.chrome_at(lang, "/review/incidents"),
        error,
        incidents: incidents.iter().map(IncidentRow::new).collect(),
        form,
        causes: Cause::ALL.iter().map(|c| (c.letter(), c.text().get(lang).to_owned())).collect(),
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn list(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let form = IncidentForm {
        occurred: state.clock.today().to_string(),
        cause: "B".into(),
        information: "yes".into(),
        met_criteria: "yes".into(),
        ..IncidentForm::default()
    };
    render_list(&state, &current, lang, StatusCode::OK, None, form).await
}

async fn record(State(state): State<AppState>, posted: SessionForm<IncidentForm>) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    staff_only(&current, lang)?;
    let Some(cause) = Cause::parse(form.cause.trim()) else {
        let error = Message::new(&Text::new("Choose the cause: A or B.", "原因（A または B）を選んでください。"), lang);
        return render_list(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, Some(error), form).await;
    };
    let input = NewIncident {
        label_number: form.label_number.clone(),
        occurred: form.occurred.clone(),
        cause,
        vendor_gave_information: form.information == "yes",
        product_met_criteria: form.met_criteria == "yes",
        requirements: form.requirements.split([',', ' ', '\n', '\r', '\t']).map(str::to_owned).collect(),
        summary: form.summary.clone(),
    };
    match state.registry.record_incident(&current.user, &input, state.clock.today(), state.clock.now()).await {
        Ok(record) => Ok(Redirect::to(&format!("/review/incidents/{}", record.incident.id)).into_response()),
        Err(RegistryError::Invalid(text)) => {
            let error = Some(Message::new(&text, lang));
            render_list(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, error, form).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}

// -------------------------------------------------------------------------------------------
// One incident and who does what

struct DutyRow {
    stakeholder: Text,
    duty: Text,
    actions: Vec<Text>,
}

#[derive(Template)]
#[template(path = "incidents/review_incident.html")]
struct DetailPage {
    chrome: Chrome,
    incident: IncidentRow,
    reported: String,
    cause: String,
    case_text: Text,
    vendor_gave_information: bool,
    product_met_criteria: bool,
    recorded_by: String,
    case_id: Option<i64>,
    b2: bool,
    duties: Vec<DutyRow>,
}

async fn detail(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let record = state.registry.incident(&current.user, id).await.map_err(registry_error(lang))?;
    let incident = &record.incident;
    let page = DetailPage {
        chrome: current.chrome(lang),
        incident: IncidentRow::new(incident),
        reported: view::datetime(incident.reported),
        cause: incident.cause.text().get(lang).to_owned(),
        case_text: incident.case.text(),
        vendor_gave_information: incident.vendor_gave_information,
        product_met_criteria: incident.product_met_criteria,
        recorded_by: incident.recorded_by.clone(),
        case_id: incident.case_id,
        b2: incident.case == Case::B2,
        duties: record
            .responsibilities
            .iter()
            .map(|d| DutyRow {
                stakeholder: d.stakeholder.text(),
                duty: d.duty.clone(),
                actions: d.actions.iter().map(|a| a.text()).collect(),
            })
            .collect(),
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

// -------------------------------------------------------------------------------------------
// The committee's agenda

struct AgendaRow {
    id: i64,
    requirement_id: String,
    title: String,
    opened: String,
    open: bool,
    incidents: Vec<i64>,
    note: String,
    closed: String,
}

#[derive(Template)]
#[template(path = "incidents/committee_agenda.html")]
struct AgendaPage {
    chrome: Chrome,
    error: Option<Message>,
    items: Vec<AgendaRow>,
    can_close: bool,
}

async fn render_agenda(
    state: &AppState,
    current: &CurrentUser,
    lang: Lang,
    status: StatusCode,
    error: Option<Message>,
) -> Result<Response, WebError> {
    let entries = state.registry.agenda(&current.user).await.map_err(registry_error(lang))?;
    let scheme = state.registry.catalog().scheme("jc-star").ok();
    let page = AgendaPage {
        chrome: current.chrome_at(lang, "/committee/agenda"),
        error,
        items: entries
            .into_iter()
            .map(|e| AgendaRow {
                title: scheme
                    .and_then(|s| s.requirement(&e.requirement_id))
                    .map(|r| r.title.get(lang).to_owned())
                    .unwrap_or_default(),
                id: e.id,
                requirement_id: e.requirement_id,
                opened: view::datetime(e.opened),
                open: e.status == "open",
                incidents: e.incidents,
                note: e.note.unwrap_or_default(),
                closed: e.closed.map(view::datetime).unwrap_or_default(),
            })
            .collect(),
        can_close: matches!(current.user.role, tekigo_registry::Role::Committee | tekigo_registry::Role::Admin),
    };
    view::private_page(status, &page).map_err(|e| e.in_lang(lang))
}

async fn agenda(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    render_agenda(&state, &current, lang, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
struct CloseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
}

impl CsrfField for CloseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: SessionForm<CloseForm>,
) -> Result<Response, WebError> {
    let SessionForm { current, lang, form } = posted;
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    match state.registry.close_agenda_item(&current.user, id, &form.note, state.clock.now()).await {
        Ok(_) => Ok(Redirect::to("/committee/agenda").into_response()),
        Err(RegistryError::Invalid(text)) => {
            let error = Some(Message::new(&text, lang));
            render_agenda(&state, &current, lang, StatusCode::UNPROCESSABLE_ENTITY, error).await
        }
        Err(other) => Err(WebError::from(other).in_lang(lang)),
    }
}
