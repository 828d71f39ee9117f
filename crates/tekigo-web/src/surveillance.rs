//! Surveillance (SCHEME §5.3), over `tekigo_registry::surveillance`:
//! - `GET /surveillance/{year}`: the published plan and its seed, public.
//! - `GET/POST /review/surveillance` (publish a year's plan, list its cases) and
//!   `GET/POST /review/surveillance/cases/{id}` (record an evaluation, evidence uploaded as
//!   multipart): staff.

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use tekigo_base::Lang;
use tekigo_registry::surveillance::{self as store, EvidenceKind};

use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;
use crate::http::uploads::{Capped, CsrfFirst, read_capped, unreadable_upload};
use crate::http::view::path_id;
use crate::http::view::{self};
use crate::http::view::{registry_error, staff_only};

/// The largest report body, form or JSON.
pub const REPORT_BODY_LIMIT: usize = 16 * 1024;
/// The largest evidence upload (all files of one evaluation).
const EVIDENCE_UPLOAD_LIMIT: usize = 3 * store::EVIDENCE_MAX + 64 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveillance/{year}", get(plan_page))
        .route("/review/surveillance", get(review_surveillance).post(publish))
        .route(
            "/review/surveillance/cases/{id}",
            get(case_page).post(evaluate).layer(DefaultBodyLimit::max(EVIDENCE_UPLOAD_LIMIT)),
        )
}

// -------------------------------------------------------------------------------------------
// The public plan

struct PickRow {
    label_number: String,
    reason: String,
    weight: u32,
}

fn pick_rows(plan: &tekigo_registry::surveillance::Plan, lang: Lang) -> Vec<PickRow> {
    plan.picks
        .iter()
        .map(|p| PickRow {
            label_number: p.label_number.clone(),
            reason: match (p.reason, lang) {
                (tekigo_registry::surveillance::Reason::Report, Lang::Ja) => "報告（リスクで重み付け）".into(),
                (tekigo_registry::surveillance::Reason::Report, _) => "reports (weighted by risk)".into(),
                (_, Lang::Ja) => "無作為の試買（★1 自己適合宣言）".into(),
                _ => "random test purchase (★1 self-declared)".into(),
            },
            weight: p.weight,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "surveillance/surveillance_plan.html")]
struct PlanPage {
    chrome: Chrome,
    year: i16,
    seed: String,
    derivation: String,
    rng_seed: String,
    published: String,
    capacity: usize,
    random_sample: usize,
    picks: Vec<PickRow>,
}

fn parse_year(text: &str, lang: Lang) -> Result<i16, WebError> {
    text.parse::<i16>().ok().filter(|y| (2000..=2200).contains(y)).ok_or_else(|| {
        view::bilingual_error(
            StatusCode::NOT_FOUND,
            format!("`{text}` is not a plan year"),
            format!("`{text}` は計画の年ではありません"),
            lang,
        )
    })
}

async fn plan_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    Path(year): Path<String>,
) -> Result<Response, WebError> {
    let year = parse_year(&year, lang)?;
    let Some(published) = state.registry.surveillance_plan(year).await.map_err(registry_error(lang))? else {
        return Err(view::bilingual_error(
            StatusCode::NOT_FOUND,
            format!("No surveillance plan is published for {year}."),
            format!("{year} 年のサーベイランス計画は公表されていません。"),
            lang,
        ));
    };
    let plan = published.plan;
    let page = PlanPage {
        chrome: Chrome::public(&state, lang, &format!("/surveillance/{year}")),
        year,
        picks: pick_rows(&plan, lang),
        seed: plan.seed,
        derivation: plan.derivation,
        rng_seed: plan.rng_seed,
        published: view::datetime(published.published),
        capacity: plan.capacity,
        random_sample: plan.random_sample,
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

// -------------------------------------------------------------------------------------------
// Staff: surveillance

struct CaseRow {
    id: i64,
    label_number: String,
    reason: String,
    status: String,
    case_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "surveillance/review_surveillance.html")]
struct SurveillancePage {
    chrome: Chrome,
    year: i16,
    published: bool,
    seed: String,
    cases: Vec<CaseRow>,
}

#[derive(Debug, Deserialize, Default)]
struct YearQuery {
    #[serde(default)]
    year: String,
}

async fn review_surveillance(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    query: Result<Query<YearQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let year = match query.map(|Query(q)| q.year).unwrap_or_default() {
        text if text.is_empty() => state.clock.today().year(),
        text => parse_year(&text, lang)?,
    };
    let plan = state.registry.surveillance_plan(year).await.map_err(registry_error(lang))?;
    let cases = state.registry.surveillance_cases(&current.user, year).await.map_err(registry_error(lang))?;
    let page = SurveillancePage {
        chrome: current.chrome(lang),
        year,
        published: plan.is_some(),
        seed: plan.map(|p| p.plan.seed).unwrap_or_default(),
        cases: cases
            .into_iter()
            .map(|c| CaseRow {
                id: c.id,
                label_number: c.label_number,
                reason: c.reason,
                status: c.status,
                case_id: c.case_id,
            })
            .collect(),
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

#[derive(Debug, Deserialize)]
struct PublishForm {
    csrf: String,
    year: String,
    seed: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    sample: String,
}

impl CsrfField for PublishForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn count_field(text: &str, default: usize, name: &str, lang: Lang) -> Result<usize, WebError> {
    if text.trim().is_empty() {
        return Ok(default);
    }
    text.trim().parse().map_err(|_| {
        view::bilingual_error(
            StatusCode::BAD_REQUEST,
            format!("{name}: `{text}` is not a number"),
            format!("{name}: `{text}` は数ではありません"),
            lang,
        )
    })
}

async fn publish(
    State(state): State<AppState>,
    SessionForm { current, lang, form }: SessionForm<PublishForm>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let year = parse_year(form.year.trim(), lang)?;
    let capacity = count_field(&form.capacity, 20, "capacity", lang)?;
    let sample = count_field(&form.sample, 10, "sample", lang)?;
    state
        .registry
        .publish_plan(&current.user, year, &form.seed, capacity, sample, state.clock.today(), state.clock.now())
        .await
        .map_err(registry_error(lang))?;
    Ok(Redirect::to(&format!("/review/surveillance?year={year}")).into_response())
}

struct EvidenceRow {
    kind: String,
    sha256: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "surveillance/review_surveillance_case.html")]
struct CasePage {
    chrome: Chrome,
    id: i64,
    year: i64,
    label_number: String,
    reason: String,
    status: String,
    decided: bool,
    note: String,
    case_id: Option<i64>,
    evidence: Vec<EvidenceRow>,
    mib: usize,
}

async fn case_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let case = state.registry.surveillance_case(&current.user, id).await.map_err(registry_error(lang))?;
    let page = CasePage {
        chrome: current.chrome(lang),
        id,
        year: case.year,
        decided: matches!(case.status.as_str(), "conformant" | "non-conformant"),
        label_number: case.label_number,
        reason: case.reason,
        status: case.status,
        note: case.outcome_note.unwrap_or_default(),
        case_id: case.case_id,
        evidence: case
            .evidence
            .into_iter()
            .map(|e| EvidenceRow { kind: e.kind, sha256: e.sha256, summary: e.summary })
            .collect(),
        mib: store::EVIDENCE_MAX / 1024 / 1024,
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

/// `multipart/form-data`: `csrf` first, then `outcome` (`conformant` | `non-conformant`),
/// `note`, and the files `probe`, `sbom_check`, `document` (any of them, at least one).
async fn evaluate(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    staff_only(&current, lang)?;
    let id = path_id(&id, lang)?;
    let Ok(mut multipart) = multipart else { return Err(crate::http::auth::csrf_failure(lang)) };
    let mut form = CsrfFirst::new(&current, lang);
    let mut outcome = String::new();
    let mut note = String::new();
    let mut evidence = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable_upload(&e, lang))? {
        let Some((name, field)) = form.part(field, |e| unreadable_upload(&e, lang)).await? else { continue };
        let kind = match name.as_str() {
            "probe" => EvidenceKind::Probe,
            "sbom_check" => EvidenceKind::SbomCheck,
            "document" => EvidenceKind::Document,
            "outcome" | "note" => {
                let Capped::Data(text) = read_capped(field, 8192).await.map_err(|e| unreadable_upload(&e, lang))?
                else {
                    return Err(view::bilingual_error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "the note is too long",
                        "メモが長すぎます",
                        lang,
                    ));
                };
                let text = String::from_utf8_lossy(&text).into_owned();
                if name == "outcome" {
                    outcome = text
                } else {
                    note = text
                }
                continue;
            }
            _ => continue,
        };
        match read_capped(field, store::EVIDENCE_MAX).await.map_err(|e| unreadable_upload(&e, lang))? {
            Capped::Data(data) if data.is_empty() => {}
            Capped::Data(data) => evidence.push((kind, data)),
            Capped::TooLarge => {
                return Err(crate::http::uploads::too_large(kind.name(), kind.name(), store::EVIDENCE_MAX, lang));
            }
        }
    }
    form.finish()?;
    let conformant = match outcome.trim() {
        "conformant" => true,
        "non-conformant" => false,
        _ => {
            return Err(view::bilingual_error(
                StatusCode::BAD_REQUEST,
                "outcome: conformant or non-conformant",
                "outcome: conformant か non-conformant です",
                lang,
            ));
        }
    };
    state
        .registry
        .record_evaluation(&current.user, id, &evidence, conformant, &note, state.clock.today(), state.clock.now())
        .await
        .map_err(registry_error(lang))?;
    Ok(Redirect::to(&format!("/review/surveillance/cases/{id}")).into_response())
}
