//! The lab's own pages (its staff: engagements, report submission, incidents and their
//! improvements) and the vendor's engagement of a lab; routed by `labs::routes`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tekigo_base::Lang;
use tekigo_registry::labs::Lab;

use super::{LabRow, lab_row};
use crate::http::auth::{CsrfField, CurrentUser, SessionForm};
use crate::http::error::WebError;
use crate::http::i18n::PageLang;
use crate::http::layout::Chrome;
use crate::http::state::AppState;
use crate::http::view::{self, path_id, registry_error};

struct IncidentRow {
    id: i64,
    label_number: String,
    case: String,
    summary: String,
    improvement: Option<String>,
}

#[derive(Template)]
#[template(path = "labs/lab_home.html")]
struct LabHome {
    chrome: Chrome,
    lab: LabRow,
    notices: Vec<(String, String)>,
    incidents: Vec<IncidentRow>,
    labels: Vec<(String, String, String)>,
    /// (id, vendor, product, level, status)
    engagements: Vec<(i64, String, String, String, String)>,
}

/// The lab a logged-in user works for, or a refusal in the page's language.
async fn own_lab(state: &AppState, current: &CurrentUser, lang: Lang) -> Result<Lab, WebError> {
    state.registry.lab_of(&current.user).await.map_err(registry_error(lang))?.ok_or_else(|| {
        view::bilingual_error(
            StatusCode::FORBIDDEN,
            "This page is for a registered lab's staff.",
            "このページは登録された評価機関の職員のためのものです。",
            lang,
        )
    })
}

pub(super) async fn lab_home(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
) -> Result<Response, WebError> {
    let lab = own_lab(&state, &current, lang).await?;
    let notices = state.registry.notices(&current.user).await.map_err(registry_error(lang))?;
    let incidents = state.registry.lab_incidents(lab.id).await.map_err(registry_error(lang))?;
    let labels = state.registry.labels_evaluated_by_lab(lab.id).await.map_err(registry_error(lang))?;
    let engagements = state.registry.lab_engagements(&current.user).await.map_err(registry_error(lang))?;
    let page = LabHome {
        engagements: engagements.into_iter().map(|e| (e.id, e.vendor, e.product_name, e.level, e.status)).collect(),
        chrome: current.chrome(lang),
        lab: lab_row(&lab, state.clock.today(), lang),
        notices: notices.into_iter().map(|n| (n.subject.get(lang).to_owned(), n.body.get(lang).to_owned())).collect(),
        incidents: incidents
            .into_iter()
            .map(|i| IncidentRow {
                id: i.id,
                label_number: i.label_number,
                case: i.case.name().to_owned(),
                summary: i.summary,
                improvement: i.improvement.map(|m| m.text),
            })
            .collect(),
        labels,
    };
    view::private_page(StatusCode::OK, &page).map_err(|e| e.in_lang(lang))
}

#[derive(Debug, Deserialize)]
pub(super) struct ImprovementForm {
    csrf: String,
    improvement: String,
}

impl CsrfField for ImprovementForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(super) async fn record_improvement(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SessionForm { current, lang, form }: SessionForm<ImprovementForm>,
) -> Result<Response, WebError> {
    let id = path_id(&id, lang)?;
    state
        .registry
        .record_improvement(&current.user, id, &form.improvement, state.clock.now())
        .await
        .map_err(registry_error(lang))?;
    Ok(Redirect::to("/lab").into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct EngageForm {
    csrf: String,
    lab: String,
    level: String,
}

impl CsrfField for EngageForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(super) async fn engage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    SessionForm { current, lang, form }: SessionForm<EngageForm>,
) -> Result<Response, WebError> {
    let id = path_id(&id, lang)?;
    let lab = path_id(&form.lab, lang)?;
    state
        .registry
        .engage_lab(&current.user, id, lab, &form.level, state.clock.today(), state.clock.now())
        .await
        .map_err(registry_error(lang))?;
    Ok(Redirect::to(&format!("/vendor/products/{id}#labs")).into_response())
}

/// The lab's staff submit the countersigned report and the SBOM under an engagement. The
/// registry runs the same checks as for the vendor; a refusal lists every problem.
pub(super) async fn submit_report(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    current: CurrentUser,
    Path(id): Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, WebError> {
    use crate::http::uploads::{Capped, CsrfFirst, read_capped, too_large, unreadable_upload};
    use tekigo_registry::applications::checks::{MAX_DECLARATION_BYTES, MAX_SBOM_BYTES};
    let id = path_id(&id, lang)?;
    // Another lab's engagement (or none) is refused before the body is read.
    state.registry.lab_engagement(&current.user, id).await.map_err(registry_error(lang))?;
    let Ok(mut multipart) = multipart else { return Err(crate::http::auth::csrf_failure(lang)) };
    let mut form = CsrfFirst::new(&current, lang);
    let (mut declaration, mut sbom) = (None, None);
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable_upload(&e, lang))? {
        let Some((name, field)) = form.part(field, |e| unreadable_upload(&e, lang)).await? else { continue };
        let (cap, slot, en, ja) = match name.as_str() {
            "declaration" => (MAX_DECLARATION_BYTES, &mut declaration, "report", "報告書"),
            "sbom" => (MAX_SBOM_BYTES, &mut sbom, "SBOM", "SBOM "),
            _ => continue,
        };
        match read_capped(field, cap).await.map_err(|e| unreadable_upload(&e, lang))? {
            Capped::Data(data) => *slot = Some(data).filter(|d| !d.is_empty()),
            Capped::TooLarge => return Err(too_large(en, ja, cap, lang)),
        }
    }
    form.finish()?;
    let (Some(declaration), Some(sbom)) = (declaration, sbom) else {
        return Err(view::bilingual_error(
            StatusCode::BAD_REQUEST,
            "Attach the countersigned report (declaration.json) and the SBOM it names.",
            "署名済みの報告書（declaration.json）と、そこに記載された SBOM を添付してください。",
            lang,
        ));
    };
    let upload = tekigo_registry::Upload { declaration: &declaration, sbom: &sbom, vex: None, files: &[], agent: None };
    match state.registry.submit_as_lab(&current.user, id, upload, state.clock.today(), state.clock.now()).await {
        Ok(_) => Ok(Redirect::to("/lab?submitted=1").into_response()),
        Err(tekigo_registry::RegistryError::Rejected(problems)) => {
            let en: Vec<String> = problems.iter().map(|p| p.en.clone()).collect();
            let ja: Vec<String> = problems.iter().map(|p| p.ja.clone()).collect();
            Err(view::bilingual_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The report was refused: {}", en.join("; ")),
                format!("報告書は受け付けられませんでした: {}", ja.join("、")),
                lang,
            ))
        }
        Err(other) => Err(registry_error(lang)(other)),
    }
}
