//! The public reports desk (SCHEME §5.3): anyone reports a labeled product (or one that claims a
//! label); staff triage each report (dismiss, mark for surveillance with a risk weight, or open a
//! case at once). Reports marked for surveillance weigh in the yearly plan (surveillance/).
//! Every write runs in one transaction with its audit record.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::FromRow;
use sqlx::any::AnyRow;
use tekigo_base::Text;

use crate::accounts::User;
use crate::cases::lifecycle::Source;
use crate::db::{Registry, RegistryError, invalid};
use crate::labels::rules::{self};

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

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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

fn bad_length(what: &str, what_ja: &str, max: usize) -> RegistryError {
    invalid(format!("{what} is longer than {max} characters"), format!("{what_ja}が{max}文字を超えています"))
}

fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

const REPORT_COLUMNS: &str = "id, label_number, product, contact, category, description, received, status, risk_weight, \
     triage_note, triaged_by, case_id FROM reports";

fn report_from(row: &AnyRow) -> Result<Report, RegistryError> {
    Ok(Report::from_row(row)?)
}

impl Registry {
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
}
