//! Surveillance storage (SCHEME §5.3): once a year staff publish a plan drawn by [`plan`] (the
//! rules, mod.rs) from a published seed over the valid labels, weighted by the reports marked for
//! surveillance; one surveillance case per pick; each case ends with an evaluation whose evidence
//! (probe and SBOM-check reports, documents) is stored by SHA-256, and a non-conformant one opens a
//! case against the label (`Source::Surveillance`). Every write runs in one transaction with its
//! audit record.

use jiff::civil::Date;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use tekigo_base::Text;

use crate::accounts::User;
use crate::cases::lifecycle::Source;
use crate::db::{Registry, RegistryError, invalid};
use crate::labels::rules::{self, Assurance, State, Status};
use crate::surveillance::{self, Candidate, Plan};

/// Longest evaluation note, in characters.
const NOTE_MAX: usize = 4000;

/// The largest evidence file (a probe report, an SBOM check, a photo or PDF of the purchase).
pub const EVIDENCE_MAX: usize = 8 * 1024 * 1024;

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

const CASE_COLUMNS: &str = "id, year, label_number, reason, weight, status, evidence, outcome_note, evaluated_by, case_id FROM surveillance_cases";

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
            let state = {
                let state: String = row.try_get("state")?;
                State::parse(&state).ok_or_else(|| crate::db::corrupt("label state", format!("`{state}`")))?
            };
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
