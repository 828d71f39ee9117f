//! How the registry's records read on the pages of more than one domain: cases, failing
//! vulnerabilities and a label's lifecycle (public, vendor and staff pages), and products,
//! applications and their checks (the vendor's and the reviewer's pages).

use tekigo_base::{Lang, Text};
use tekigo_registry::cases::Case;
use tekigo_registry::cases::lifecycle::{Ground, Lifecycle};
use tekigo_registry::{Application, Product};

use crate::http::error::WebError;
use crate::http::state::AppState;
use crate::http::view::{self, registry_error};
use jiff::civil::Date;

// -------------------------------------------------------------------------------------------
// How cases, findings and lifecycles read (shared with the public and vendor pages)

/// A case as a page shows it.
pub(crate) struct CaseView {
    pub id: i64,
    pub label_number: String,
    pub status: String,
    pub source: String,
    pub opened_on: String,
    pub grace_until: String,
    pub closed_on: String,
    pub outcome: String,
    pub summary_en: String,
    pub summary_ja: String,
}

impl CaseView {
    pub(crate) fn new(case: &Case, lang: Lang) -> CaseView {
        CaseView {
            id: case.id,
            label_number: case.label_number.clone(),
            status: case_status(&case.status).get(lang).to_owned(),
            source: source_text(&case.source).get(lang).to_owned(),
            opened_on: case.opened_on.clone(),
            grace_until: case.grace_until.clone(),
            closed_on: case.closed_on.clone().unwrap_or_default(),
            outcome: case.outcome.clone().unwrap_or_default(),
            summary_en: case.summary.en.clone(),
            summary_ja: case.summary.ja.clone(),
        }
    }
}

pub(crate) fn case_status(status: &str) -> Text {
    match status {
        "open" => Text::new("under correction (grace period)", "是正中（猶予期間）"),
        "suspended" => Text::new("label suspended (hearing)", "ラベル一時停止中（聴聞）"),
        "closed" => Text::new("closed", "終了"),
        "revoked" => Text::new("label revoked", "ラベル取消し"),
        other => Text::new(other, other),
    }
}

pub(crate) fn source_text(source: &str) -> Text {
    match source {
        "monitoring" => Text::new("vulnerability monitoring", "脆弱性の監視"),
        "surveillance" => Text::new("surveillance (SCHEME §5.3)", "サーベイランス（SCHEME §5.3）"),
        "report" => Text::new("a report to the certification body", "認証機関への報告"),
        "incident" => Text::new("an incident investigation", "インシデントの調査"),
        "oversight" => Text::new("oversight of the lab that evaluated", "評価機関の監督"),
        other => Text::new(other, other),
    }
}

/// A failing vulnerability as monitoring last saw it.
pub(crate) struct FindingRow {
    pub id: String,
    pub component: String,
    pub cvss: String,
    pub kev: bool,
}

impl FindingRow {
    pub(crate) fn new(finding: &serde_json::Value) -> FindingRow {
        let text = |value: &serde_json::Value| value.as_str().unwrap_or_default().to_owned();
        let component = &finding["component"];
        let name = text(&component["name"]);
        let component = match component["version"].as_str() {
            Some(version) => format!("{name} {version}"),
            None => name,
        };
        FindingRow {
            id: text(&finding["id"]),
            component,
            cvss: finding["cvss"]["score"].as_f64().map_or_else(|| "—".to_owned(), |score| format!("{score:.1}")),
            kev: finding["kev"].is_object(),
        }
    }
}

/// The label's lifecycle state in words.
pub(crate) struct LifecycleView {
    /// `active`, `correcting`, `suspended`, `revoked`.
    pub name: &'static str,
    pub label: String,
    pub ground: Option<String>,
    /// Suspended since, or revoked on.
    pub since: Option<String>,
    /// The hearing's end (suspended).
    pub hearing_until: Option<String>,
    pub urgent: bool,
    pub announced: bool,
}

impl LifecycleView {
    pub(crate) fn new(lifecycle: &Lifecycle, lang: Lang) -> LifecycleView {
        let t = |en: &'static str, ja: &'static str| crate::http::i18n::t(lang, en, ja).to_owned();
        let ground = |g: &Ground| Some(g.text().get(lang).to_owned());
        match lifecycle {
            Lifecycle::Active => LifecycleView {
                name: "active",
                label: t("active: nothing open", "有効: 未解決の案件なし"),
                ground: None,
                since: None,
                hearing_until: None,
                urgent: false,
                announced: false,
            },
            Lifecycle::Correcting { opened, grace_until, .. } => LifecycleView {
                name: "correcting",
                label: t("under correction (grace period running)", "是正中（猶予期間中）"),
                ground: None,
                since: Some(opened.to_string()),
                hearing_until: Some(grace_until.to_string()),
                urgent: false,
                announced: false,
            },
            Lifecycle::Suspended { ground: g, since, hearing_until, urgent, .. } => LifecycleView {
                name: "suspended",
                label: t("suspended (hearing)", "一時停止中（聴聞）"),
                ground: ground(g),
                since: Some(since.to_string()),
                hearing_until: Some(hearing_until.to_string()),
                urgent: *urgent,
                announced: false,
            },
            Lifecycle::Revoked { ground: g, on, urgent, announced, .. } => LifecycleView {
                name: "revoked",
                label: t("revoked", "取消し"),
                ground: ground(g),
                since: Some(on.to_string()),
                hearing_until: None,
                urgent: *urgent,
                announced: *announced,
            },
        }
    }
}

// -------------------------------------------------------------------------------------------
// What the pages show

/// A label as a table cell: its number and status on the day.
pub(crate) struct LabelCell {
    pub number: String,
    pub status: String,
    /// `status-valid`, ...: the stylesheet's class (the words carry the meaning).
    pub class: String,
}

pub(crate) struct ApplicationRow {
    pub id: i64,
    pub product_id: i64,
    pub product_name: String,
    pub vendor: String,
    pub level: String,
    pub submitted: String,
    pub status: String,
    pub status_class: &'static str,
    pub comment: Option<String>,
    pub label_number: Option<String>,
    /// The application number (`A-YYYY-NNNNNN`).
    pub number: String,
    pub route: String,
    pub is_psti_route: bool,
    pub psti_statement: Option<String>,
    /// The schedule's fee, or why there is none.
    pub fee_due: String,
    pub fee_received: Option<String>,
    pub agent: Option<tekigo_registry::applications::Agent>,
}

/// `¥198,000`.
pub(crate) fn yen(amount: u64) -> String {
    let digits = amount.to_string();
    let mut grouped = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("¥{grouped}")
}

impl ApplicationRow {
    pub(crate) fn new(application: &Application, lang: Lang) -> ApplicationRow {
        ApplicationRow {
            id: application.id,
            product_id: application.product_id,
            product_name: application.product_name.clone(),
            vendor: application.vendor.clone(),
            level: view::stars(&application.level),
            submitted: view::datetime(application.submitted),
            status: view::application_status(&application.status).get(lang).to_owned(),
            status_class: match application.status.as_str() {
                "approved" => "ok",
                "returned" => "error",
                _ => "",
            },
            comment: application.comment.clone(),
            label_number: application.label_number.clone(),
            number: if application.number.is_empty() { application.id.to_string() } else { application.number.clone() },
            route: match application.route {
                tekigo_registry::applications::Route::Standard => Text::new("standard", "通常"),
                tekigo_registry::applications::Route::UkPsti => {
                    Text::new("UK PSTI-compliant product", "英国PSTI法適合製品向け")
                }
            }
            .get(lang)
            .to_owned(),
            is_psti_route: application.route == tekigo_registry::applications::Route::UkPsti,
            psti_statement: application.psti_statement.clone(),
            fee_due: match &application.fee_due {
                Some(due) => format!("{} ({})", yen(due.yen), due.source),
                None => Text::new(
                    "no fee in the schedule for this route and level: enter the amount received",
                    "この申請区分・レベルの手数料は手数料表にありません。入金額を入力してください",
                )
                .get(lang)
                .to_owned(),
            },
            fee_received: application.fee_received.as_ref().map(|received| {
                let text = Text::new(
                    format!(
                        "{} received, recorded {} (reference {})",
                        yen(received.yen),
                        view::datetime(received.at),
                        received.reference
                    ),
                    format!(
                        "{} 入金済み（{} 記録、照合番号 {}）",
                        yen(received.yen),
                        view::datetime(received.at),
                        received.reference
                    ),
                );
                text.get(lang).to_owned()
            }),
            agent: application.agent.clone(),
        }
    }
}

pub(crate) struct CheckRow {
    pub check: String,
    pub passed: bool,
    pub detail: String,
}

pub(crate) fn check_rows(application: &Application, lang: Lang) -> Vec<CheckRow> {
    application
        .checks
        .iter()
        .map(|c| CheckRow { check: c.check.clone(), passed: c.passed, detail: c.detail.get(lang).to_owned() })
        .collect()
}

/// A product's facts as the pages show them.
pub(crate) struct ProductView {
    pub id: i64,
    pub vendor: String,
    pub name: String,
    pub model: String,
    /// Every model of the series, the representative first.
    pub models: Vec<tekigo_base::ModelEntry>,
    pub firmware_version: String,
    pub product_type: String,
    pub support_end: String,
    pub vulnerability_contact: String,
}

impl ProductView {
    pub(crate) fn new(state: &AppState, product: &Product, lang: Lang) -> ProductView {
        ProductView {
            id: product.id,
            vendor: product.vendor.clone(),
            name: product.name.clone(),
            model: product.model.clone(),
            models: product.models.clone(),
            firmware_version: product.firmware_version.clone(),
            product_type: product
                .product_type
                .as_deref()
                .map(|id| product_type_title(state.registry.catalog(), id, lang))
                .unwrap_or_default(),
            support_end: product.support_end.clone(),
            vulnerability_contact: product.vulnerability_contact.clone(),
        }
    }
}

/// A product type's title in the JC-STAR catalog, or its id when the catalog does not know it.
pub(crate) fn product_type_title(catalog: &tekigo_criteria::Catalog, id: &str, lang: Lang) -> String {
    let scheme = catalog.scheme("jc-star").ok();
    let found = scheme.and_then(|s| s.product_types.iter().find(|t| t.id == id));
    found.map_or_else(|| id.to_owned(), |t| t.title.get(lang).to_owned())
}

/// The label a product holds, from its approved applications (a renewal keeps the number).
pub(crate) async fn label_of(
    state: &AppState,
    applications: &[Application],
    product_id: i64,
    today: Date,
    lang: Lang,
) -> Result<Option<LabelCell>, WebError> {
    let number =
        applications.iter().filter(|a| a.product_id == product_id).filter_map(|a| a.label_number.as_deref()).next();
    let Some(number) = number else { return Ok(None) };
    let label = state.registry.label(number, today).await.map_err(registry_error(lang))?;
    Ok(label.map(|label| LabelCell {
        number: label.number,
        status: label.status.label().get(lang).to_owned(),
        class: format!("status-{}", label.status.name()),
    }))
}

/// The vendor's label numbers, from its approved applications (newest first, once each).
pub(crate) fn label_numbers(applications: &[Application]) -> Vec<String> {
    let mut numbers: Vec<String> = Vec::new();
    for number in applications.iter().filter_map(|a| a.label_number.clone()) {
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    numbers
}

/// The cases in progress against the vendor's labels.
pub(crate) async fn open_cases(
    state: &AppState,
    applications: &[Application],
    lang: Lang,
) -> Result<Vec<CaseView>, WebError> {
    let mut open = Vec::new();
    for number in label_numbers(applications) {
        let cases = state.registry.label_cases(&number).await.map_err(registry_error(lang))?;
        open.extend(
            cases
                .iter()
                .filter(|case| matches!(case.status.as_str(), "open" | "suspended"))
                .map(|case| CaseView::new(case, lang)),
        );
    }
    Ok(open)
}

/// Text for the vendor's label page: where its PSTI listing stands.
pub(crate) fn psti_status(listing: Option<&tekigo_registry::labels::psti::PstiListing>, lang: Lang) -> Option<String> {
    listing.map(|listing| {
        let text = match listing.status.as_str() {
            "listed" => Text::new("listed as deemed to meet UK PSTI", "英国PSTI法適合として掲載中"),
            "requested" => Text::new("requested: waiting for the certification body", "申請済み: 認証機関の確認待ち"),
            _ => Text::new(
                format!("refused: {}", listing.comment.clone().unwrap_or_default()),
                format!("却下: {}", listing.comment.clone().unwrap_or_default()),
            ),
        };
        text.get(lang).to_owned()
    })
}
