//! Who evaluates above ★1, over `tekigo_registry::labs` and `tekigo_registry::evaluators`:
//! - `GET /labs`: the public register of accredited labs (★3/★4) and skilled evaluators (★2),
//!   with each one's status today; `GET /labs/{id}`: a lab's accreditation history and the labels
//!   issued on its evaluations.
//! - `GET /review/labs`: staff keep both registers: `POST /review/labs` registers a lab,
//!   `POST /review/labs/{id}` changes its accreditation (a lapse or withdrawal opens a case on
//!   every label it evaluated), `POST /review/evaluators` registers an evaluator,
//!   `POST /review/evaluators/{id}` changes their standing; `POST /review/extensions/{number}`
//!   extends a third-party label on its lab's re-confirmation (SCHEME §5.1);
//!   `POST /review/labs/{id}/accounts` opens an account for one of the lab's staff.
//! - `GET /lab`: a lab's staff see their lab, the vendors' engagements, its notices and the
//!   incidents that name it; `POST /lab/engagements/{id}/report` submits an evaluation report for
//!   the vendor (multipart: `csrf` first, `declaration`, `sbom`), and
//!   `POST /lab/incidents/{id}/improvement` records how they improve their evaluation (SCHEME §6).
//! - `POST /vendor/products/{id}/engagements`: the vendor engages a lab for ★3/★4.

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use serde::Deserialize;
use tekigo_base::Lang;
use tekigo_registry::evaluators::{NewEvaluator, Qualification, Standing};
use tekigo_registry::labs::{AccreditationStatus, Lab, NewLab, ScopeEntry, accreditation_on};

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;
use crate::http::view::{self, path_id, registry_error, staff_only};

mod own;

use own::{engage, lab_home, record_improvement, submit_report};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/labs", get(register_page))
        .route("/labs/{id}", get(lab_page))
        .route("/review/labs", get(review_page).post(register_lab))
        .route("/review/labs/{id}", post(change_accreditation))
        .route("/review/evaluators", post(register_evaluator))
        .route("/review/evaluators/{id}", post(change_standing))
        .route("/review/extensions/{number}", post(extend))
        .route("/review/labs/{id}/accounts", post(add_account))
        .route("/lab", get(lab_home))
        .route("/lab/incidents/{id}/improvement", post(record_improvement))
        .route("/vendor/products/{id}/engagements", post(engage))
        .route(
            "/lab/engagements/{id}/report",
            post(submit_report).layer(axum::extract::DefaultBodyLimit::max(crate::http::uploads::UPLOAD_LIMIT)),
        )
}

pub(super) struct LabRow {
    id: i64,
    name: String,
    accreditation: String,
    status_name: &'static str,
    status: String,
    valid_until: String,
    scope: String,
}

struct EvaluatorRow {
    id: i64,
    name: String,
    organisation: String,
    qualifications: String,
    standing_name: &'static str,
    standing: String,
}

fn scope_text(scope: &[ScopeEntry]) -> String {
    scope
        .iter()
        .map(|entry| {
            let stars: Vec<String> = entry.levels.iter().map(|l| format!("★{l}")).collect();
            format!("{} {}", entry.product_type, stars.join(" "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn lab_row(lab: &Lab, today: Date, lang: Lang) -> LabRow {
    let current = accreditation_on(&lab.accreditation, today);
    // A validity that ran out reads as lapsed, whatever the last record says.
    let status = match current {
        Some(change) if change.status == AccreditationStatus::Active && today > change.valid_until => {
            AccreditationStatus::Lapsed
        }
        Some(change) => change.status,
        None => AccreditationStatus::Suspended,
    };
    LabRow {
        id: lab.id,
        name: lab.name.clone(),
        accreditation: format!("{} {}", lab.accreditation_body, lab.accreditation_number),
        status_name: status.name(),
        status: match current {
            Some(_) => status.label().get(lang).to_owned(),
            None => tekigo_base::Text::new("not yet in effect", "未発効").get(lang).to_owned(),
        },
        valid_until: current.map(|c| c.valid_until.to_string()).unwrap_or_default(),
        scope: current.map(|c| scope_text(&c.scope)).unwrap_or_default(),
    }
}

fn evaluator_rows(evaluators: &[tekigo_registry::evaluators::Evaluator], today: Date, lang: Lang) -> Vec<EvaluatorRow> {
    evaluators
        .iter()
        .map(|evaluator| {
            let standing = evaluator.standing_on(today);
            EvaluatorRow {
                id: evaluator.id,
                name: evaluator.name.clone(),
                organisation: evaluator.organisation.clone(),
                qualifications: evaluator.qualifications.iter().map(|q| q.name.as_str()).collect::<Vec<_>>().join("; "),
                standing_name: standing.map_or("pending", Standing::name),
                standing: match standing {
                    Some(standing) => standing.label().get(lang).to_owned(),
                    None => tekigo_base::Text::new("not yet in effect", "未発効").get(lang).to_owned(),
                },
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "labs/register.html")]
struct RegisterPage {
    chrome: Chrome,
    today: String,
    labs: Vec<LabRow>,
    evaluators: Vec<EvaluatorRow>,
}

async fn register_page(State(state): State<AppState>, PageLang(lang): PageLang) -> Result<Response, WebError> {
    let today = state.clock.today();
    let labs = state.registry.labs().await.map_err(registry_error(lang))?;
    let evaluators = state.registry.evaluators().await.map_err(registry_error(lang))?;
    let page = RegisterPage {
        chrome: Chrome::public(&state, lang, "/labs"),
        today: today.to_string(),
        labs: labs.iter().map(|lab| lab_row(lab, today, lang)).collect(),
        evaluators: evaluator_rows(&evaluators, today, lang),
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

struct HistoryRow {
    effective: String,
    status: String,
    valid_until: String,
    scope: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "labs/lab.html")]
struct LabPage {
    chrome: Chrome,
    lab: LabRow,
    contact: String,
    key_id: String,
    history: Vec<HistoryRow>,
    labels: Vec<(String, String, String)>,
}

async fn lab_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = path_id(&id, lang)?;
    let lab = state.registry.lab(id).await.map_err(registry_error(lang))?;
    let labels = state.registry.labels_evaluated_by_lab(id).await.map_err(registry_error(lang))?;
    let page = LabPage {
        chrome: Chrome::public(&state, lang, &format!("/labs/{id}")),
        lab: lab_row(&lab, state.clock.today(), lang),
        contact: lab.contact.clone(),
        key_id: lab.key_id.clone(),
        history: lab
            .accreditation
            .iter()
            .rev()
            .map(|change| HistoryRow {
                effective: change.effective.to_string(),
                status: change.status.label().get(lang).to_owned(),
                valid_until: change.valid_until.to_string(),
                scope: scope_text(&change.scope),
                reason: change.reason.clone(),
            })
            .collect(),
        labels,
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

#[derive(Template)]
#[template(path = "labs/review_labs.html")]
struct ReviewPage {
    chrome: Chrome,
    today: String,
    labs: Vec<LabRow>,
    evaluators: Vec<EvaluatorRow>,
    statuses: Vec<(&'static str, String)>,
    standings: Vec<(&'static str, String)>,
}

async fn review_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let today = state.clock.today();
    let labs = state.registry.labs().await.map_err(registry_error(lang))?;
    let evaluators = state.registry.evaluators().await.map_err(registry_error(lang))?;
    let page = ReviewPage {
        chrome: current.chrome(lang),
        today: today.to_string(),
        labs: labs.iter().map(|lab| lab_row(lab, today, lang)).collect(),
        evaluators: evaluator_rows(&evaluators, today, lang),
        statuses: AccreditationStatus::ALL.iter().map(|s| (s.name(), s.label().get(lang).to_owned())).collect(),
        standings: [Standing::Active, Standing::Suspended, Standing::Withdrawn]
            .iter()
            .map(|s| (s.name(), s.label().get(lang).to_owned()))
            .collect(),
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

fn day_field(text: &str, name: &str, lang: Lang) -> Result<Date, WebError> {
    text.trim().parse().map_err(|_| {
        view::bilingual_error(
            StatusCode::BAD_REQUEST,
            format!("{name}: `{text}` is not a day (YYYY-MM-DD)"),
            format!("{name}: `{text}` は日付（YYYY-MM-DD）ではありません"),
            lang,
        )
    })
}

/// `network-camera:3,4; router:3` (types and levels as staff type them).
fn scope_field(text: &str, lang: Lang) -> Result<Vec<ScopeEntry>, WebError> {
    text.split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (product_type, levels) = part.split_once(':').ok_or_else(|| {
                view::bilingual_error(
                    StatusCode::BAD_REQUEST,
                    format!("scope: `{part}` is not TYPE:LEVELS (network-camera:3,4)"),
                    format!("認定範囲: `{part}` は TYPE:LEVELS（network-camera:3,4）の形ではありません"),
                    lang,
                )
            })?;
            Ok(ScopeEntry {
                product_type: product_type.trim().to_owned(),
                levels: levels
                    .split(',')
                    .map(|l| l.trim().trim_start_matches('★').to_owned())
                    .filter(|l| !l.is_empty())
                    .collect(),
            })
        })
        .collect()
}

#[derive(Debug, Deserialize)]
struct LabForm {
    csrf: String,
    name: String,
    accreditation_body: String,
    accreditation_number: String,
    contact: String,
    scope: String,
    from: String,
    valid_until: String,
    public_key_pem: String,
}

impl CsrfField for LabForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn register_lab(
    State(state): State<AppState>,
    SessionForm { current, lang, form }: SessionForm<LabForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let new = NewLab {
        name: form.name,
        accreditation_body: form.accreditation_body,
        accreditation_number: form.accreditation_number,
        public_key_pem: form.public_key_pem,
        contact: form.contact,
        scope: scope_field(&form.scope, lang)?,
        from: day_field(&form.from, "from", lang)?,
        valid_until: day_field(&form.valid_until, "valid until", lang)?,
    };
    let lab = state.registry.register_lab(&current.user, new, state.clock.now()).await.map_err(registry_error(lang))?;
    Ok(Redirect::to(&format!("/labs/{}", lab.id)).into_response())
}

#[derive(Debug, Deserialize)]
struct AccreditationForm {
    csrf: String,
    status: String,
    effective: String,
    #[serde(default)]
    valid_until: String,
    #[serde(default)]
    scope: String,
    reason: String,
}

impl CsrfField for AccreditationForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn change_accreditation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SessionForm { current, lang, form }: SessionForm<AccreditationForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let status = AccreditationStatus::parse(form.status.trim()).ok_or_else(|| {
        view::bilingual_error(
            StatusCode::BAD_REQUEST,
            format!("`{}` is not an accreditation status", form.status),
            format!("`{}` は認定の状態ではありません", form.status),
            lang,
        )
    })?;
    let valid_until = match form.valid_until.trim() {
        "" => None,
        text => Some(day_field(text, "valid until", lang)?),
    };
    let scope = match form.scope.trim() {
        "" => None,
        text => Some(scope_field(text, lang)?),
    };
    let (_, cases) = state
        .registry
        .change_lab_accreditation(
            &current.user,
            id,
            status,
            day_field(&form.effective, "effective", lang)?,
            valid_until,
            scope,
            &form.reason,
            state.clock.now(),
        )
        .await
        .map_err(registry_error(lang))?;
    for (number, _) in &cases {
        state.labels.forget(number);
    }
    Ok(Redirect::to(&format!("/labs/{id}")).into_response())
}

#[derive(Debug, Deserialize)]
struct EvaluatorForm {
    csrf: String,
    name: String,
    organisation: String,
    qualification: String,
    qualification_evidence: String,
    independence: String,
    from: String,
    public_key_pem: String,
}

impl CsrfField for EvaluatorForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn register_evaluator(
    State(state): State<AppState>,
    SessionForm { current, lang, form }: SessionForm<EvaluatorForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let new = NewEvaluator {
        name: form.name,
        organisation: form.organisation,
        public_key_pem: form.public_key_pem,
        qualifications: vec![Qualification { name: form.qualification, evidence: form.qualification_evidence }],
        independence: form.independence,
        from: day_field(&form.from, "from", lang)?,
    };
    state.registry.register_evaluator(&current.user, new, state.clock.now()).await.map_err(registry_error(lang))?;
    Ok(Redirect::to("/review/labs").into_response())
}

#[derive(Debug, Deserialize)]
struct StandingForm {
    csrf: String,
    standing: String,
    effective: String,
    reason: String,
}

impl CsrfField for StandingForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn change_standing(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SessionForm { current, lang, form }: SessionForm<StandingForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let standing = Standing::parse(form.standing.trim()).ok_or_else(|| {
        view::bilingual_error(
            StatusCode::BAD_REQUEST,
            format!("`{}` is not a standing", form.standing),
            format!("`{}` は登録の状態ではありません", form.standing),
            lang,
        )
    })?;
    state
        .registry
        .set_evaluator_standing(
            &current.user,
            id,
            standing,
            day_field(&form.effective, "effective", lang)?,
            &form.reason,
            state.clock.now(),
        )
        .await
        .map_err(registry_error(lang))?;
    Ok(Redirect::to("/review/labs").into_response())
}

#[derive(Debug, Deserialize)]
struct ExtensionForm {
    csrf: String,
    reconfirmation: String,
}

impl CsrfField for ExtensionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn extend(
    State(state): State<AppState>,
    Path(number): Path<String>,
    SessionForm { current, lang, form }: SessionForm<ExtensionForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let label = state
        .registry
        .extend_label(&current.user, &number, &form.reconfirmation, state.clock.today(), state.clock.now())
        .await
        .map_err(registry_error(lang))?;
    state.labels.forget(&label.number);
    Ok(Redirect::to(&format!("/labels/{}", label.number)).into_response())
}

#[derive(Debug, Deserialize)]
struct AccountForm {
    csrf: String,
    email: String,
    name: String,
    password: String,
}

impl CsrfField for AccountForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn add_account(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SessionForm { current, lang, form }: SessionForm<AccountForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    state
        .registry
        .add_lab_account(&current.user, id, &form.email, &form.name, &form.password, state.clock.now())
        .await
        .map_err(registry_error(lang))?;
    Ok(Redirect::to("/review/labs").into_response())
}
