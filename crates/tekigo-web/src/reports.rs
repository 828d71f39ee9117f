//! The reports desk (SCHEME §5.3), over `tekigo_registry::reports`:
//! - `GET/POST /report`: anyone reports a product (no account; the form carries a double-submit
//!   CSRF token like log-in); `POST /api/v1/reports` does the same in JSON (declared in the
//!   OpenAPI document by [`Doc`]). Both are limited per client IP (`http::limits::RateLimiter`, 5
//!   reports in 10 minutes by default, answered 429 with `Retry-After`) and to 16 KiB a body (413).
//! - `GET /review/reports` (filter `?status=`) and `POST /review/reports/{id}/triage`: staff; a
//!   report triaged to surveillance goes on the year's plan (`surveillance.rs`).

use askama::Template;
use axum::extract::rejection::{FormRejection, JsonRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use tekigo_base::Lang;
use tekigo_registry::RegistryError;
use tekigo_registry::reports::{self as store, CATEGORIES, NewReport, REPORT_STATUSES, Triage};
use utoipa::{OpenApi, ToSchema};

use crate::http::api::Endpoint;

use crate::http::api::{ErrorResponse, Message as ApiMessage};
use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::limits::ClientIp;
use crate::http::state::AppState;
use crate::http::view::path_id;
use crate::http::view::{self, Message};
use crate::http::view::{registry_error, staff_only};

/// The largest report body, form or JSON.
pub const REPORT_BODY_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(crate::http::api::routes(endpoints()))
        .route("/report", get(report_page).post(report_post).layer(DefaultBodyLimit::max(REPORT_BODY_LIMIT)))
        .route("/review/reports", get(review_reports))
        .route("/review/reports/{id}/triage", post(triage))
}

/// The desk's endpoint under `/api/v1`.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![("/api/v1/reports", post(submit_report_api).layer(DefaultBodyLimit::max(REPORT_BODY_LIMIT)))]
}

/// The desk's operation and shapes, for the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(submit_report_api),
    components(schemas(ReportRequest, ReportReceipt)),
    tags((name = "reports", description = "Reports to the certification body's desk (SCHEME §5.3)"))
)]
pub(crate) struct Doc;

// -------------------------------------------------------------------------------------------
// Rate limit

fn too_many(seconds: i64, lang: Lang, json: bool) -> Response {
    crate::http::limits::too_many(crate::http::limits::Limited::Reports, seconds, lang, json)
}

fn body_too_large(lang: Lang) -> WebError {
    view::bilingual_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The report is too large: at most {} KiB is accepted. Nothing was stored.", REPORT_BODY_LIMIT / 1024),
        format!("報告が大きすぎます。上限は {} KiB です。何も保存していません。", REPORT_BODY_LIMIT / 1024),
        lang,
    )
}

// -------------------------------------------------------------------------------------------
// The public form

struct CategoryOption {
    name: &'static str,
    text: &'static str,
    selected: bool,
}

fn category_options(lang: Lang, selected: &str) -> Vec<CategoryOption> {
    CATEGORIES
        .iter()
        .map(|(name, en, ja)| CategoryOption {
            name,
            text: if lang == Lang::Ja { ja } else { en },
            selected: *name == selected,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reports/report_form.html")]
struct ReportPage {
    chrome: Chrome,
    csrf: String,
    categories: Vec<CategoryOption>,
    label_number: String,
    product: String,
    contact: String,
    description: String,
    max: usize,
    error: Option<Message>,
}

#[derive(Template)]
#[template(path = "reports/report_received.html")]
struct ReceivedPage {
    chrome: Chrome,
    id: i64,
}

#[derive(Debug, Deserialize, Default)]
struct LabelQuery {
    #[serde(default)]
    label: String,
}

#[derive(Debug, Deserialize)]
struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    label_number: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    description: String,
}

async fn report_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    headers: HeaderMap,
    query: Result<Query<LabelQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, WebError> {
    let (csrf, cookie) = crate::http::auth::form_token(&state, &headers).map_err(|e| e.in_lang(lang))?;
    let label = query.map(|Query(q)| q.label).unwrap_or_default();
    let page = ReportPage {
        chrome: Chrome::public(&state, lang, "/report"),
        csrf,
        categories: category_options(lang, ""),
        label_number: label.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect(),
        product: String::new(),
        contact: String::new(),
        description: String::new(),
        max: store::DESCRIPTION_MAX,
        error: None,
    };
    Ok(crate::http::auth::with_cookie(view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))?, cookie))
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

async fn report_post(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<ReportForm>, FormRejection>,
) -> Result<Response, Response> {
    let form = match form {
        Ok(Form(form)) => form,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(body_too_large(lang).into_response());
        }
        Err(_) => return Err(crate::http::auth::csrf_failure(lang).into_response()),
    };
    crate::http::auth::check_double_submit(&headers, &form.csrf, lang).map_err(IntoResponse::into_response)?;
    state.report_limit.take(ip, state.clock.now()).map_err(|seconds| too_many(seconds, lang, false))?;
    let report = NewReport {
        label_number: optional(&form.label_number),
        product: optional(&form.product),
        contact: optional(&form.contact),
        category: form.category.clone(),
        description: form.description.clone(),
    };
    match state.registry.submit_report(&report, state.clock.now()).await {
        Ok(id) => {
            let page = ReceivedPage { chrome: Chrome::public(&state, lang, "/report"), id };
            view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang).into_response())
        }
        Err(RegistryError::Invalid(text)) => {
            let page = ReportPage {
                chrome: Chrome::public(&state, lang, "/report"),
                csrf: form.csrf.clone(),
                categories: category_options(lang, &form.category),
                label_number: form.label_number.chars().take(40).collect(),
                product: form.product,
                contact: form.contact,
                description: form.description,
                max: store::DESCRIPTION_MAX,
                error: Some(Message::new(&text, lang)),
            };
            view::private_page(StatusCode::UNPROCESSABLE_ENTITY, &page).map_err(|e| e.in_lang(lang).into_response())
        }
        Err(error) => Err(WebError::from(error).in_lang(lang).into_response()),
    }
}

// -------------------------------------------------------------------------------------------
// The JSON API

/// A report about a labeled product (or one that claims a label), SCHEME §5.3.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// The label number, if the product carries one.
    #[schema(example = "JC1-2026-000123")]
    pub label_number: Option<String>,
    /// The product in words (vendor, name, model), needed when there is no label number.
    pub product: Option<String>,
    /// How to reach you, if you wish (never published).
    pub contact: Option<String>,
    /// One of `default-password`, `unpatched-vulnerability`, `open-service`, `false-claim`,
    /// `support-ended-still-sold`, `other`.
    #[schema(example = "default-password")]
    pub category: String,
    /// What you found: 10 to 4,000 characters.
    #[schema(example = "The camera accepts admin/admin on its web interface out of the box.")]
    pub description: String,
}

/// The report was received.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportReceipt {
    /// The report's number at the desk.
    pub id: i64,
    /// Always `received`.
    #[schema(example = "received")]
    pub status: String,
    pub message: ApiMessage,
}

/// Report a product to the certification body's desk.
#[utoipa::path(
    post,
    path = "/api/v1/reports",
    tag = "reports",
    operation_id = "submitReport",
    request_body = ReportRequest,
    responses(
        (status = 201, description = "The report was received", body = ReportReceipt),
        (status = 400, description = "The body is not a report in JSON", body = ErrorResponse),
        (status = 413, description = "The body is larger than 16 KiB", body = ErrorResponse),
        (status = 422, description = "A field is wrong (the message names it); nothing was stored", body = ErrorResponse),
        (status = 429, description = "Too many reports from this address; see `Retry-After`", body = ErrorResponse)
    )
)]
pub(crate) async fn submit_report_api(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    body: Result<Json<ReportRequest>, JsonRejection>,
) -> Response {
    let lang = Lang::En;
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let mut error = body_too_large(lang).json();
            error.problems.clear();
            return error.into_response();
        }
        Err(rejection) => {
            let why = rejection.body_text();
            return WebError::new(
                StatusCode::BAD_REQUEST,
                format!("the body is not a report: {why}"),
                format!("本文が報告の形式ではありません: {why}"),
            )
            .json()
            .into_response();
        }
    };
    if let Err(seconds) = state.report_limit.take(ip, state.clock.now()) {
        return too_many(seconds, lang, true);
    }
    let report = NewReport {
        label_number: request.label_number,
        product: request.product,
        contact: request.contact,
        category: request.category,
        description: request.description,
    };
    match state.registry.submit_report(&report, state.clock.now()).await {
        Ok(id) => (
            StatusCode::CREATED,
            Json(ReportReceipt {
                id,
                status: "received".into(),
                message: ApiMessage {
                    en: format!("Report {id} was received. Thank you."),
                    ja: format!("報告 {id} を受け付けました。ありがとうございました。"),
                },
            }),
        )
            .into_response(),
        Err(error) => WebError::from(error).json().into_response(),
    }
}

// -------------------------------------------------------------------------------------------
// Staff: reports

struct ReportRow {
    id: i64,
    received: String,
    label_number: Option<String>,
    product: String,
    category: String,
    description: String,
    contact: String,
    status: String,
    risk_weight: String,
    note: String,
    case_id: Option<i64>,
    open: bool,
}

#[derive(Template)]
#[template(path = "reports/review_reports.html")]
struct ReportsPage {
    chrome: Chrome,
    filter: String,
    /// Each status and whether it is the one shown.
    statuses: Vec<(&'static str, bool)>,
    reports: Vec<ReportRow>,
    error: Option<Message>,
}

#[derive(Debug, Deserialize, Default)]
struct StatusQuery {
    #[serde(default)]
    status: String,
}

async fn review_reports(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    query: Result<Query<StatusQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let filter = query.map(|Query(q)| q.status).unwrap_or_default();
    let status = Some(filter.as_str()).filter(|s| !s.is_empty());
    let reports = state.registry.reports(&current.user, status).await.map_err(registry_error(lang))?;
    let page = ReportsPage {
        chrome: current.chrome(lang),
        filter: filter.clone(),
        statuses: REPORT_STATUSES.iter().map(|s| (*s, *s == filter)).collect(),
        reports: reports
            .into_iter()
            .map(|r| ReportRow {
                id: r.id,
                received: view::datetime(r.received),
                category: store::category_text(&r.category).map_or(r.category.clone(), |t| t.get(lang).to_owned()),
                product: r.product.unwrap_or_default(),
                description: r.description,
                contact: r.contact.unwrap_or_default(),
                open: matches!(r.status.as_str(), "received" | "triaged"),
                status: r.status,
                risk_weight: r.risk_weight.map(|w| w.to_string()).unwrap_or_default(),
                note: r.triage_note.unwrap_or_default(),
                case_id: r.case_id,
                label_number: r.label_number,
            })
            .collect(),
        error: None,
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

#[derive(Debug, Deserialize)]
struct TriageForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    risk_weight: String,
    #[serde(default)]
    note: String,
}

impl CsrfField for TriageForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn triage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SessionForm { current, lang, form }: SessionForm<TriageForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let Some(decision) = Triage::parse(&form.decision) else {
        return Err(view::bilingual_error(
            StatusCode::BAD_REQUEST,
            "decision: dismiss, surveillance or open-case",
            "decision: dismiss・surveillance・open-case のいずれかです",
            lang,
        ));
    };
    let weight = if form.risk_weight.trim().is_empty() { 0 } else { form.risk_weight.trim().parse().unwrap_or(-1) };
    state
        .registry
        .triage(&current.user, id, decision, weight, &form.note, state.clock.today(), state.clock.now())
        .await
        .map_err(registry_error(lang))?;
    Ok(Redirect::to("/review/reports").into_response())
}
