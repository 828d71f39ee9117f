//! The reports desk and surveillance storage (SCHEME §5.3): anyone reports a labeled product
//! (or one that claims a label); staff triage each report (dismiss, mark for surveillance with a
//! risk weight, or open a case at once); once a year staff publish a surveillance plan drawn by
//! [`crate::surveillance::plan`] from a published seed, one surveillance case per pick; each case
//! ends with an evaluation whose evidence (probe and SBOM-check reports, documents) is stored by
//! SHA-256, and a non-conformant one opens a case against the label (`Source::Surveillance`).
//! Every write runs in one transaction with its audit record.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tekigo_base::Text;

use crate::lifecycle::Source;
use crate::rules::{self, Assurance, State, Status};
use crate::store::{Registry, RegistryError, User, invalid};
use crate::surveillance::{self, Candidate, Plan};

/// What a report is about: a closed list, so reports can be counted and triaged by kind.
pub const CATEGORIES: [(&str, &str, &str); 6] = [
    ("default-password", "a default or shared password", "初期パスワード・共通パスワード"),
    ("unpatched-vulnerability", "a known vulnerability left unpatched", "既知の脆弱性が修正されていない"),
    ("open-service", "an open, unneeded network service", "不要なネットワークサービスが開いている"),
    ("false-claim", "a label shown without being granted, or a false claim", "ラベルの不正表示・虚偽の表示"),
    ("support-ended-still-sold", "still sold after its support ended", "サポート終了後も販売されている"),
    ("other", "something else", "その他"),
];

/// Report statuses.
pub const REPORT_STATUSES: [&str; 5] = ["received", "triaged", "dismissed", "surveillance", "case-opened"];

pub const DESCRIPTION_MIN: usize = 10;
pub const DESCRIPTION_MAX: usize = 4000;
const PRODUCT_MAX: usize = 300;
const CONTACT_MAX: usize = 254;
const NOTE_MAX: usize = 4000;
/// The largest evidence file (a probe report, an SBOM check, a photo or PDF of the purchase).
pub const EVIDENCE_MAX: usize = 8 * 1024 * 1024;

/// The category's words in both languages.
pub fn category_text(name: &str) -> Option<Text> {
    CATEGORIES.iter().find(|(n, _, _)| *n == name).map(|(_, en, ja)| Text::new(*en, *ja))
}

/// A report as sent to the desk.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    pub label_number: Option<String>,
    /// The product in words, when there is no label number (or in addition to it).
    pub product: Option<String>,
    /// How to reach the reporter (optional; never shown publicly).
    pub contact: Option<String>,
    pub category: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub id: i64,
    pub label_number: Option<String>,
    pub product: Option<String>,
    pub contact: Option<String>,
    pub category: String,
    pub description: String,
    pub received: i64,
    pub status: String,
    pub risk_weight: Option<i64>,
    pub triage_note: Option<String>,
    pub triaged_by: Option<String>,
    pub case_id: Option<i64>,
}

/// What staff decide about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Triage {
    /// Nothing to act on (out of scope, a duplicate, not credible).
    Dismiss,
    /// The product goes into the next surveillance plan, weighted by the report's risk.
    Surveillance,
    /// Credible and serious enough to open a case against the label now.
    OpenCase,
}

impl Triage {
    pub fn name(self) -> &'static str {
        match self {
            Triage::Dismiss => "dismiss",
            Triage::Surveillance => "surveillance",
            Triage::OpenCase => "open-case",
        }
    }

    pub fn parse(text: &str) -> Option<Triage> {
        [Triage::Dismiss, Triage::Surveillance, Triage::OpenCase].into_iter().find(|t| t.name() == text)
    }
}

/// What a piece of surveillance evidence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// `tekigo probe --format json`.
    Probe,
    /// `tekigo sbom check --format json`.
    SbomCheck,
    /// Anything else: a receipt, photos, a test log.
    Document,
}

impl EvidenceKind {
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::Probe => "probe",
            EvidenceKind::SbomCheck => "sbom-check",
            EvidenceKind::Document => "document",
        }
    }

    pub fn parse(text: &str) -> Option<EvidenceKind> {
        [EvidenceKind::Probe, EvidenceKind::SbomCheck, EvidenceKind::Document].into_iter().find(|k| k.name() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Evidence {
    pub kind: String,
    pub sha256: String,
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SurveillanceCase {
    pub id: i64,
    pub year: i64,
    pub label_number: String,
    pub reason: String,
    pub weight: i64,
    pub status: String,
    pub evidence: Vec<Evidence>,
    pub outcome_note: Option<String>,
    pub evaluated_by: Option<String>,
    pub case_id: Option<i64>,
}

/// A stored plan and when it was published.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedPlan {
    pub plan: Plan,
    pub published: i64,
}

fn bad_length(what: &str, what_ja: &str, max: usize) -> RegistryError {
    invalid(format!("{what} is longer than {max} characters"), format!("{what_ja}が{max}文字を超えています"))
}

fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

const REPORT_COLUMNS: &str = "id, label_number, product, contact, category, description, received, status, risk_weight, \
     triage_note, triaged_by, case_id FROM reports";
const CASE_COLUMNS: &str = "id, year, label_number, reason, weight, status, evidence, outcome_note, evaluated_by, case_id FROM surveillance_cases";

fn report_from(row: &AnyRow) -> Result<Report, RegistryError> {
    Ok(Report {
        id: row.try_get("id")?,
        label_number: row.try_get("label_number")?,
        product: row.try_get("product")?,
        contact: row.try_get("contact")?,
        category: row.try_get("category")?,
        description: row.try_get("description")?,
        received: row.try_get("received")?,
        status: row.try_get("status")?,
        risk_weight: row.try_get("risk_weight")?,
        triage_note: row.try_get("triage_note")?,
        triaged_by: row.try_get("triaged_by")?,
        case_id: row.try_get("case_id")?,
    })
}

fn case_from(row: &AnyRow) -> Result<SurveillanceCase, RegistryError> {
    let evidence: String = row.try_get("evidence")?;
    Ok(SurveillanceCase {
        id: row.try_get("id")?,
        year: row.try_get("year")?,
        label_number: row.try_get("label_number")?,
        reason: row.try_get("reason")?,
        weight: row.try_get("weight")?,
        status: row.try_get("status")?,
        evidence: serde_json::from_str(&evidence).unwrap_or_default(),
        outcome_note: row.try_get("outcome_note")?,
        evaluated_by: row.try_get("evaluated_by")?,
        case_id: row.try_get("case_id")?,
    })
}

/// What a piece of evidence says it is, checked: a probe or SBOM-check report must read as one
/// (the fields `tekigo_assess::automated` reads); the summary names what it found.
pub fn check_evidence(kind: EvidenceKind, bytes: &[u8]) -> Result<String, RegistryError> {
    if bytes.is_empty() {
        return Err(invalid("an evidence file is empty", "証拠のファイルが空です"));
    }
    if bytes.len() > EVIDENCE_MAX {
        return Err(invalid(
            format!("an evidence file is larger than {} MiB", EVIDENCE_MAX / 1024 / 1024),
            format!("証拠のファイルが {} MiB を超えています", EVIDENCE_MAX / 1024 / 1024),
        ));
    }
    let unreadable = |error: tekigo_assess::automated::ReportError| {
        invalid(
            error.to_string(),
            format!(
                "{}（`tekigo {} --format json` の出力ではありません）",
                kind.name(),
                match kind {
                    EvidenceKind::Probe => "probe",
                    _ => "sbom check",
                }
            ),
        )
    };
    Ok(match kind {
        EvidenceKind::Probe => {
            let report = tekigo_assess::automated::read_probe("probe evidence", bytes).map_err(unreadable)?;
            format!(
                "probe of {} ({}) at {}, level ★{}: {} findings, {}",
                report.target,
                report.address,
                report.started,
                report.level,
                report.findings.len(),
                if report.conformant { "conformant" } else { "not conformant" }
            )
        }
        EvidenceKind::SbomCheck => {
            let report = tekigo_assess::automated::read_sbom_check("sbom-check evidence", bytes).map_err(unreadable)?;
            format!(
                "SBOM check of {} ({} components) for {}: {} findings, {} failing the level, {}",
                report.sbom,
                report.components,
                report.level,
                report.findings.len(),
                report.findings.iter().filter(|f| f.fails_level).count(),
                if report.conformant { "conformant" } else { "not conformant" }
            )
        }
        EvidenceKind::Document => format!("document, {} bytes", bytes.len()),
    })
}

impl Registry {
    // ---------------------------------------------------------------------------------------
    // The reports desk

    /// A report from anyone (no account). Checked before anything is stored: the description is
    /// 10 to 4,000 characters, a label number is well-formed and issued, the category is one of
    /// [`CATEGORIES`]. Returns the report's ID.
    pub async fn submit_report(&self, report: &NewReport, now: i64) -> Result<i64, RegistryError> {
        let description = report.description.trim();
        let length = description.chars().count();
        if length < DESCRIPTION_MIN {
            return Err(invalid(
                format!("describe what you found in at least {DESCRIPTION_MIN} characters"),
                format!("見つけた内容を{DESCRIPTION_MIN}文字以上で記入してください"),
            ));
        }
        if length > DESCRIPTION_MAX {
            return Err(bad_length("the description", "説明", DESCRIPTION_MAX));
        }
        if category_text(&report.category).is_none() {
            return Err(invalid(
                format!(
                    "`{}` is not a report category; use one of: {}",
                    report.category,
                    CATEGORIES.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
                ),
                format!("`{}` は報告の種類ではありません", report.category),
            ));
        }
        let product = trimmed(report.product.as_deref());
        let contact = trimmed(report.contact.as_deref());
        if product.as_ref().is_some_and(|p| p.chars().count() > PRODUCT_MAX) {
            return Err(bad_length("the product description", "製品の説明", PRODUCT_MAX));
        }
        if contact.as_ref().is_some_and(|c| c.chars().count() > CONTACT_MAX) {
            return Err(bad_length("the contact", "連絡先", CONTACT_MAX));
        }
        let label = trimmed(report.label_number.as_deref()).map(|l| l.to_uppercase());
        if label.is_none() && product.is_none() {
            return Err(invalid(
                "give the label number, or describe the product (vendor, name, model)",
                "ラベル番号を記入するか、製品（事業者・製品名・型番）を記入してください",
            ));
        }
        let mut tx = self.begin_write().await?;
        if let Some(label) = &label {
            if !rules::is_label_number(label) {
                return Err(invalid(
                    format!("`{label}` is not a label number (JC<level>-<year>-<serial>, e.g. JC1-2026-000123)"),
                    format!("`{label}` はラベル番号ではありません（例: JC1-2026-000123）"),
                ));
            }
            let found: Option<String> = sqlx::query_scalar("SELECT number FROM labels WHERE number = $1")
                .bind(label)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(invalid(
                    format!("no label {label} was issued; check the number, or describe the product instead"),
                    format!("ラベル {label} は発行されていません。番号を確認するか、製品を記入してください"),
                ));
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (label_number, product, contact, category, description, received, status) \
             VALUES ($1, $2, $3, $4, $5, $6, 'received') RETURNING id",
        )
        .bind(&label)
        .bind(&product)
        .bind(&contact)
        .bind(&report.category)
        .bind(description)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        // The contact is the reporter's personal data: it stays out of the audit trail.
        Self::audit(
            &mut tx,
            now,
            "public",
            "report",
            &format!("report:{id}"),
            serde_json::json!({ "label": label, "category": report.category }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Reports for staff, newest first; `status` one of [`REPORT_STATUSES`] or all.
    pub async fn reports(&self, staff: &User, status: Option<&str>) -> Result<Vec<Report>, RegistryError> {
        Self::require_staff(staff)?;
        let rows = match status {
            Some(status) => {
                if !REPORT_STATUSES.contains(&status) {
                    return Err(invalid(
                        format!("`{status}` is not a report status"),
                        format!("`{status}` は報告の状態ではありません"),
                    ));
                }
                sqlx::query(safe!("SELECT {REPORT_COLUMNS} WHERE status = $1 ORDER BY id DESC LIMIT 1000"))
                    .bind(status)
                    .fetch_all(self.pool())
                    .await?
            }
            None => {
                sqlx::query(safe!("SELECT {REPORT_COLUMNS} ORDER BY id DESC LIMIT 1000")).fetch_all(self.pool()).await?
            }
        };
        rows.iter().map(report_from).collect()
    }

    pub async fn report(&self, staff: &User, id: i64) -> Result<Report, RegistryError> {
        Self::require_staff(staff)?;
        let row = sqlx::query(safe!("SELECT {REPORT_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("report {id}")))?;
        report_from(&row)
    }

    /// A reviewer's decision on a received report. `risk_weight` 0..=3; marking for surveillance
    /// needs a weight of at least 1 and a label number, and so does opening a case, which happens
    /// in the same transaction (`Source::Report`).
    #[allow(clippy::too_many_arguments)]
    pub async fn triage(
        &self,
        staff: &User,
        id: i64,
        decision: Triage,
        risk_weight: i64,
        note: &str,
        today: Date,
        now: i64,
    ) -> Result<Report, RegistryError> {
        Self::require_reviewer(staff)?;
        if !(0..=3).contains(&risk_weight) {
            return Err(invalid(
                format!("the risk weight is 0 to 3, not {risk_weight}"),
                format!("リスクの重みは0〜3です（{risk_weight} は使えません）"),
            ));
        }
        let note = note.trim();
        if note.chars().count() > NOTE_MAX {
            return Err(bad_length("the note", "メモ", NOTE_MAX));
        }
        let report = self.report(staff, id).await?;
        if !matches!(report.status.as_str(), "received" | "triaged") {
            return Err(invalid(
                format!("report {id} was decided already ({})", report.status),
                format!("報告 {id} は判断済みです（{}）", report.status),
            ));
        }
        if decision != Triage::Dismiss && report.label_number.is_none() {
            return Err(invalid(
                "the report names no label: only dismissal is possible (surveillance and cases are about labeled products)",
                "報告にラベル番号がないため、却下のみ可能です（サーベイランスと案件はラベル取得製品が対象です）",
            ));
        }
        if decision == Triage::Surveillance && risk_weight == 0 {
            return Err(invalid(
                "a report marked for surveillance needs a risk weight of 1 to 3",
                "サーベイランス対象にする報告にはリスクの重み1〜3が必要です",
            ));
        }
        let mut tx = self.begin_write().await?;
        let (status, case) = match decision {
            Triage::Dismiss => ("dismissed", None),
            Triage::Surveillance => ("surveillance", None),
            Triage::OpenCase => {
                let number = report.label_number.clone().unwrap_or_default();
                let text = category_text(&report.category).unwrap_or_else(|| Text::new("a report", "報告"));
                let summary = Text::new(format!("Report {id}: {}", text.en), format!("報告 {id}: {}", text.ja));
                let detail = serde_json::json!({ "report": id, "category": report.category, "note": note });
                let case =
                    Self::open_case_in(&mut tx, &number, Source::Report, &summary, &detail, &staff.email, today, now)
                        .await?;
                ("case-opened", Some(case))
            }
        };
        sqlx::query(
            "UPDATE reports SET status = $1, risk_weight = $2, triage_note = $3, triaged_by = $4, triaged = $5, case_id = $6 \
             WHERE id = $7",
        )
        .bind(status)
        .bind(risk_weight)
        .bind(note)
        .bind(&staff.email)
        .bind(now)
        .bind(case)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            "triage",
            &format!("report:{id}"),
            serde_json::json!({ "decision": decision.name(), "risk_weight": risk_weight, "case": case }),
        )
        .await?;
        tx.commit().await?;
        self.report(staff, id).await
    }

    // ---------------------------------------------------------------------------------------
    // Surveillance

    /// What a plan on `today` draws from: every label valid on `today`, with the summed risk
    /// weights of its reports marked for surveillance. The CLI's dry run reads the same.
    pub async fn surveillance_candidates(&self, today: Date) -> Result<Vec<Candidate>, RegistryError> {
        let weights: Vec<(String, i64)> = sqlx::query(
            "SELECT label_number, CAST(SUM(risk_weight) AS BIGINT) AS weight FROM reports \
             WHERE status = 'surveillance' AND label_number IS NOT NULL GROUP BY label_number",
        )
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|row| Ok((row.try_get("label_number")?, row.try_get::<i64, _>("weight")?)))
        .collect::<Result<_, RegistryError>>()?;
        let weights: std::collections::HashMap<String, i64> = weights.into_iter().collect();
        let rows = sqlx::query(
            "SELECT number, level, assurance, state, expires, support_end FROM labels WHERE state = 'active' ORDER BY number",
        )
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for row in rows {
            let number: String = row.try_get("number")?;
            let state = State::parse(&row.try_get::<String, _>("state")?).unwrap_or(State::Suspended);
            let (Ok(expires), Ok(support_end)) =
                (row.try_get::<String, _>("expires")?.parse(), row.try_get::<String, _>("support_end")?.parse())
            else {
                continue;
            };
            if rules::status_on(state, today, expires, support_end) != Status::Valid {
                continue;
            }
            let assurance: String = row.try_get("assurance")?;
            let weight = weights.get(&number).copied().unwrap_or(0);
            out.push(Candidate {
                level: row.try_get("level")?,
                assurance: if assurance == Assurance::ThirdParty.name() {
                    Assurance::ThirdParty
                } else {
                    Assurance::SelfDeclared
                },
                report_weight: u32::try_from(weight.max(0)).unwrap_or(u32::MAX),
                label_number: number,
            });
        }
        Ok(out)
    }

    /// Draws and publishes the plan for `year` (one per year), with one surveillance case per
    /// pick. The seed should be chosen so nobody could know it in advance (e.g. a published
    /// closing price); it is published with the plan so anyone can redraw it.
    #[allow(clippy::too_many_arguments)]
    pub async fn publish_plan(
        &self,
        staff: &User,
        year: i16,
        seed: &str,
        capacity: usize,
        random_sample: usize,
        today: Date,
        now: i64,
    ) -> Result<Plan, RegistryError> {
        Self::require_reviewer(staff)?;
        let seed = seed.trim();
        if seed.is_empty() || seed.chars().count() > 200 {
            return Err(invalid("the seed is 1 to 200 characters", "シードは1〜200文字です"));
        }
        if !(2000..=2200).contains(&year) {
            return Err(invalid(format!("{year} is not a plan year"), format!("{year} は計画の年ではありません")));
        }
        if capacity > 10_000 || random_sample > 10_000 {
            return Err(invalid("capacity and sample are at most 10,000", "件数は10,000以下です"));
        }
        let candidates = self.surveillance_candidates(today).await?;
        let plan = surveillance::plan(year, seed, &candidates, capacity, random_sample);
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM surveillance_plans WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(invalid(
                format!("the surveillance plan for {year} is published already; a plan is never redrawn"),
                format!("{year} 年のサーベイランス計画は公表済みです（引き直しはできません）"),
            ));
        }
        sqlx::query(
            "INSERT INTO surveillance_plans (year, seed, published, published_by, plan) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(i64::from(year))
        .bind(seed)
        .bind(now)
        .bind(&staff.email)
        .bind(serde_json::to_string(&plan).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        for pick in &plan.picks {
            sqlx::query(
                "INSERT INTO surveillance_cases (year, label_number, reason, weight, status) VALUES ($1, $2, $3, $4, 'planned')",
            )
            .bind(i64::from(year))
            .bind(&pick.label_number)
            .bind(pick.reason.name())
            .bind(i64::from(pick.weight))
            .execute(&mut *tx)
            .await?;
        }
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            "publish-surveillance-plan",
            &format!("surveillance:{year}"),
            serde_json::json!({ "seed": seed, "rng_seed": plan.rng_seed, "picks": plan.picks.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// The published plan of `year`: public, seed included.
    pub async fn surveillance_plan(&self, year: i16) -> Result<Option<PublishedPlan>, RegistryError> {
        let row = sqlx::query("SELECT plan, published FROM surveillance_plans WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(self.pool())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let text: String = row.try_get("plan")?;
        let plan = serde_json::from_str(&text).map_err(|error| {
            invalid(format!("the stored plan of {year} is unreadable: {error}"), format!("{year} 年の計画を読めません"))
        })?;
        Ok(Some(PublishedPlan { plan, published: row.try_get("published")? }))
    }

    /// The surveillance cases of `year`, in plan order.
    pub async fn surveillance_cases(&self, staff: &User, year: i16) -> Result<Vec<SurveillanceCase>, RegistryError> {
        Self::require_staff(staff)?;
        let rows = sqlx::query(safe!("SELECT {CASE_COLUMNS} WHERE year = $1 ORDER BY id"))
            .bind(i64::from(year))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(case_from).collect()
    }

    pub async fn surveillance_case(&self, staff: &User, id: i64) -> Result<SurveillanceCase, RegistryError> {
        Self::require_staff(staff)?;
        let row = sqlx::query(safe!("SELECT {CASE_COLUMNS} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("surveillance case {id}")))?;
        case_from(&row)
    }

    /// The stored bytes of one piece of evidence, for staff.
    pub async fn surveillance_evidence(&self, staff: &User, sha256: &str) -> Result<Vec<u8>, RegistryError> {
        Self::require_staff(staff)?;
        sqlx::query_scalar("SELECT bytes FROM surveillance_evidence WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| RegistryError::NotFound(format!("evidence {sha256}")))
    }

    /// Records a surveillance evaluation: its evidence (each file checked to be what its kind
    /// says, stored once by SHA-256) and the outcome. Non-conformant opens a case against the
    /// label (`Source::Surveillance`), in the same transaction. A case is evaluated once.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_evaluation(
        &self,
        staff: &User,
        id: i64,
        evidence: &[(EvidenceKind, Vec<u8>)],
        conformant: bool,
        note: &str,
        today: Date,
        now: i64,
    ) -> Result<SurveillanceCase, RegistryError> {
        Self::require_reviewer(staff)?;
        let case = self.surveillance_case(staff, id).await?;
        if matches!(case.status.as_str(), "conformant" | "non-conformant") {
            return Err(invalid(
                format!("surveillance case {id} is decided already ({})", case.status),
                format!("サーベイランス案件 {id} は判定済みです（{}）", case.status),
            ));
        }
        let note = note.trim();
        if note.is_empty() || note.chars().count() > NOTE_MAX {
            return Err(invalid(
                format!("describe the outcome (1 to {NOTE_MAX} characters)"),
                format!("結果を記入してください（1〜{NOTE_MAX}文字）"),
            ));
        }
        if evidence.is_empty() {
            return Err(invalid("an evaluation needs at least one piece of evidence", "評価には証拠が1つ以上必要です"));
        }
        let mut records = case.evidence.clone();
        for (kind, bytes) in evidence {
            let summary = check_evidence(*kind, bytes)?;
            let sha256 = tekigo_assess::folder::sha256_hex(bytes);
            if !records.iter().any(|r| r.sha256 == sha256) {
                records.push(Evidence { kind: kind.name().to_owned(), sha256, summary });
            }
        }
        let mut tx = self.begin_write().await?;
        for (kind, bytes) in evidence {
            let sha256 = tekigo_assess::folder::sha256_hex(bytes);
            let stored: Option<String> =
                sqlx::query_scalar("SELECT sha256 FROM surveillance_evidence WHERE sha256 = $1")
                    .bind(&sha256)
                    .fetch_optional(&mut *tx)
                    .await?;
            if stored.is_none() {
                sqlx::query("INSERT INTO surveillance_evidence (sha256, kind, bytes, stored) VALUES ($1, $2, $3, $4)")
                    .bind(&sha256)
                    .bind(kind.name())
                    .bind(bytes.as_slice())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let opened = if conformant {
            None
        } else {
            let summary = Text::new(
                format!("Surveillance {}: the product does not conform", case.year),
                format!("{} 年度サーベイランス: 製品が基準に適合していません", case.year),
            );
            let detail = serde_json::json!({ "surveillance_case": id, "note": note, "evidence": records });
            Some(
                Self::open_case_in(
                    &mut tx,
                    &case.label_number,
                    Source::Surveillance,
                    &summary,
                    &detail,
                    &staff.email,
                    today,
                    now,
                )
                .await?,
            )
        };
        let status = if conformant { "conformant" } else { "non-conformant" };
        sqlx::query(
            "UPDATE surveillance_cases SET status = $1, evidence = $2, outcome_note = $3, evaluated_by = $4, evaluated = $5, \
             case_id = $6 WHERE id = $7",
        )
        .bind(status)
        .bind(serde_json::to_string(&records).unwrap_or_else(|_| "[]".into()))
        .bind(note)
        .bind(&staff.email)
        .bind(now)
        .bind(opened)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::audit(
            &mut tx,
            now,
            &staff.email,
            "surveillance-evaluation",
            &format!("surveillance-case:{id}"),
            serde_json::json!({ "label": case.label_number, "outcome": status, "evidence": records, "case": opened }),
        )
        .await?;
        tx.commit().await?;
        self.surveillance_case(staff, id).await
    }
}
