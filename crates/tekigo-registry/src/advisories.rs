//! Vulnerability information on labeled products as CSAF 2.0 advisories, to share with the
//! early-warning partnership (JVN; SCHEME §7). One advisory per vulnerability that monitoring
//! found failing a level in some labeled product: every such label's component is listed, known
//! affected, or known not affected when the vendor's VEX says so. Each advisory keeps its
//! revision history in the registry, so a re-export with nothing new keeps its version and a
//! change (a new product, a VEX answer) becomes the next revision. Every document is checked
//! against the CSAF schema and the mandatory tests before it is handed out.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use sqlx::Row;
use tekigo_csaf::{
    Advisory, AffectedProduct, Cvss3, DocumentStatus, Kev, ProductStatus, Publisher, Revision, VexJustification,
    Vulnerability,
};
use tekigo_vuln::vex::VexStatement;

use crate::db::{Registry, RegistryError, invalid};
use crate::monitoring::vex_statement_for;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredRevision {
    number: u32,
    at: i64,
    summary: String,
}

/// One exported advisory: the file name CSAF §5.1 gives it and the document.
#[derive(Debug, Clone)]
pub struct CsafFile {
    pub tracking_id: String,
    pub file_name: String,
    pub document: serde_json::Value,
}

/// CSAF §5.1: the tracking ID, lower-cased, every character outside `+-a-z0-9` as `_`.
pub fn file_name(tracking_id: &str) -> String {
    let name: String = tracking_id
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' { c } else { '_' })
        .collect();
    format!("{name}.json")
}

/// CycloneDX and OpenVEX justifications in CSAF's five labels (CSAF 2.0 §3.2.3.5).
fn justification(statement: &VexStatement) -> VexJustification {
    match statement.justification.as_deref().unwrap_or_default() {
        "component_not_present" => VexJustification::ComponentNotPresent,
        "code_not_reachable" | "vulnerable_code_not_in_execute_path" => {
            VexJustification::VulnerableCodeNotInExecutePath
        }
        "requires_configuration"
        | "requires_dependency"
        | "requires_environment"
        | "vulnerable_code_cannot_be_controlled_by_adversary" => {
            VexJustification::VulnerableCodeCannotBeControlledByAdversary
        }
        "protected_by_compiler"
        | "protected_at_runtime"
        | "protected_at_perimeter"
        | "protected_by_mitigating_control"
        | "inline_mitigations_already_exist" => VexJustification::InlineMitigationsAlreadyExist,
        _ => VexJustification::VulnerableCodeNotPresent,
    }
}

fn text(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key).and_then(|v| v.as_str()).map(str::to_owned)
}

/// The document's current release as Unix seconds.
fn advisory_release(document: &serde_json::Value) -> Option<i64> {
    let text = document.pointer("/document/tracking/current_release_date")?.as_str()?;
    text.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

/// An advisory as last exported, for the API.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedAdvisory {
    pub tracking_id: String,
    pub file_name: String,
    pub current_release: i64,
    pub version: usize,
}

impl Registry {
    /// The advisories last exported, newest first.
    pub async fn published_advisories(&self) -> Result<Vec<PublishedAdvisory>, RegistryError> {
        let rows = sqlx::query(
            "SELECT tracking_id, file_name, current_release, revisions FROM csaf_advisories ORDER BY current_release DESC, file_name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let revisions: Vec<StoredRevision> =
                    serde_json::from_str(&row.try_get::<String, _>("revisions")?).unwrap_or_default();
                Ok(PublishedAdvisory {
                    tracking_id: row.try_get("tracking_id")?,
                    file_name: row.try_get("file_name")?,
                    current_release: row.try_get("current_release")?,
                    version: revisions.len(),
                })
            })
            .collect()
    }

    /// One advisory's last exported document, by its file name.
    pub async fn published_advisory(&self, file_name: &str) -> Result<Option<serde_json::Value>, RegistryError> {
        let text: Option<String> = sqlx::query_scalar("SELECT document FROM csaf_advisories WHERE file_name = $1")
            .bind(file_name)
            .fetch_optional(self.pool())
            .await?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Builds, versions and checks the advisories. `base_url` makes each label's page address.
    pub async fn export_csaf(
        &self,
        publisher: &Publisher,
        base_url: &str,
        now: jiff::Timestamp,
    ) -> Result<Vec<CsafFile>, RegistryError> {
        let rows = sqlx::query(
            "SELECT m.id, m.label_number, m.vex, l.vendor, l.product_name, l.model, l.firmware_version, \
             cf.component_id, cf.vuln_id, cf.finding \
             FROM component_findings cf JOIN label_components lc ON lc.component_id = cf.component_id \
             JOIN monitored_labels m ON m.id = lc.monitored_id AND m.level = cf.level \
             JOIN labels l ON l.number = m.label_number ORDER BY cf.vuln_id, m.label_number, cf.component_id",
        )
        .fetch_all(self.pool())
        .await?;
        let failing: HashSet<(i64, i64, String)> =
            sqlx::query("SELECT monitored_id, component_id, vuln_id FROM label_findings")
                .fetch_all(self.pool())
                .await?
                .iter()
                .map(|r| Ok((r.try_get("monitored_id")?, r.try_get("component_id")?, r.try_get("vuln_id")?)))
                .collect::<Result<_, sqlx::Error>>()?;

        let base = base_url.trim_end_matches('/');
        let mut by_vulnerability: BTreeMap<String, (serde_json::Value, Vec<AffectedProduct>)> = BTreeMap::new();
        for row in &rows {
            let monitored: i64 = row.try_get("id")?;
            let number: String = row.try_get("label_number")?;
            let component: i64 = row.try_get("component_id")?;
            let vuln_id: String = row.try_get("vuln_id")?;
            let finding: serde_json::Value =
                serde_json::from_str(&row.try_get::<String, _>("finding")?).unwrap_or_default();
            let vex: Vec<VexStatement> = serde_json::from_str(&row.try_get::<String, _>("vex")?).unwrap_or_default();
            let info = finding.get("component").cloned().unwrap_or_default();
            let Some(component_version) = text(&info, "version") else { continue };
            let status = if failing.contains(&(monitored, component, vuln_id.clone())) {
                ProductStatus::KnownAffected
            } else if let Some(statement) = vex_statement_for(&vex, &number, &vuln_id, &finding) {
                ProductStatus::KnownNotAffected {
                    justification: justification(statement),
                    impact: statement.detail.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| {
                        format!("The vendor states that {number} is not affected ({}).", statement.source)
                    }),
                }
            } else {
                // Neither failing nor answered: the label's level or VEX changed since; the next
                // monitoring run settles it.
                ProductStatus::UnderInvestigation
            };
            let product = AffectedProduct {
                label_url: format!("{base}/labels/{number}"),
                label_number: number,
                vendor: row.try_get("vendor")?,
                product_name: row.try_get("product_name")?,
                model: row.try_get("model")?,
                firmware_version: row.try_get("firmware_version")?,
                component_name: text(&info, "name").unwrap_or_else(|| "component".into()),
                component_version,
                component_purl: text(&info, "purl"),
                status,
                // Which firmware fixes it is the vendor's to say; the registry knows upstream fixes only.
                fixed_in: Vec::new(),
                remediation_note: finding.get("fixed_in").and_then(|f| f.as_array()).filter(|f| !f.is_empty()).map(
                    |f| {
                        let versions: Vec<&str> = f.iter().filter_map(|v| v.as_str()).collect();
                        format!(
                            "The component is fixed upstream in {}; a firmware update is needed.",
                            versions.join(", ")
                        )
                    },
                ),
            };
            let entry = by_vulnerability.entry(vuln_id).or_insert_with(|| (finding.clone(), Vec::new()));
            entry.1.push(product);
        }

        let mut files = Vec::new();
        let mut tx = self.begin_write().await?;
        for (vuln_id, (finding, mut products)) in by_vulnerability {
            products.dedup_by(|a, b| {
                a.label_number == b.label_number
                    && a.component_name == b.component_name
                    && a.component_version == b.component_version
            });
            for product in &mut products {
                if !matches!(product.status, ProductStatus::KnownAffected) {
                    product.remediation_note = None;
                }
            }
            let aliases: Vec<String> = finding
                .get("aliases")
                .and_then(|a| a.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            let cve = std::iter::once(vuln_id.clone()).chain(aliases.iter().cloned()).find(|id| id.starts_with("CVE-"));
            let mut other_ids: Vec<String> =
                std::iter::once(vuln_id.clone()).chain(aliases).filter(|id| Some(id) != cve.as_ref()).collect();
            other_ids.retain(|id| !id.starts_with("CVE-"));
            other_ids.sort();
            other_ids.dedup();
            let cvss_v3 = finding.get("cvss").and_then(|score| {
                let vector = text(score, "vector")?;
                let base_score = score.get("score")?.as_f64()?;
                vector.starts_with("CVSS:3").then_some(Cvss3 { vector, base_score })
            });
            let kev = finding
                .get("kev")
                .filter(|k| k.is_object())
                .map(|k| Kev { date_added: text(k, "date_added").unwrap_or_default(), due_date: text(k, "due_date") });
            let summary_en = text(&finding, "summary")
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| format!("{vuln_id} in a component of labeled products."));
            let references = cve.iter().map(|cve| format!("https://nvd.nist.gov/vuln/detail/{cve}")).collect();
            let tracking_id = format!("JCSTAR-{vuln_id}");
            let vulnerability = Vulnerability {
                cve,
                other_ids,
                summary_en,
                summary_ja: Some(format!(
                    "ラベル取得製品の構成要素に含まれる脆弱性 {vuln_id} に関する情報です。各製品の状態は product_status を参照してください。"
                )),
                cvss_v3,
                kev,
                references,
            };

            // The content without dates decides whether this is a new revision.
            let fingerprint = tekigo_assess::folder::sha256_hex(format!("{vulnerability:?}{products:?}").as_bytes());
            let stored = sqlx::query("SELECT content_sha256, revisions FROM csaf_advisories WHERE vuln_id = $1")
                .bind(&vuln_id)
                .fetch_optional(&mut *tx)
                .await?;
            let mut revisions: Vec<StoredRevision> = match &stored {
                Some(row) => serde_json::from_str(&row.try_get::<String, _>("revisions")?).unwrap_or_default(),
                None => Vec::new(),
            };
            let unchanged = stored
                .as_ref()
                .map(|row| row.try_get::<String, _>("content_sha256").map(|sha| sha == fingerprint))
                .transpose()?
                .unwrap_or(false);
            if !unchanged {
                let number = revisions.last().map_or(1, |r| r.number + 1);
                let summary = if number == 1 { "Initial release." } else { "Products or their status changed." };
                revisions.push(StoredRevision { number, at: now.as_second(), summary: summary.into() });
            }
            let stored_revisions = serde_json::to_string(&revisions).unwrap_or_default();
            let revision_count = revisions.len();
            let stamp = |at: i64| jiff::Timestamp::from_second(at).unwrap_or(now);
            let revisions: Vec<Revision> = revisions
                .iter()
                .map(|r| Revision { number: r.number, date: stamp(r.at), summary: r.summary.clone() })
                .collect();
            let product_count = products.len();
            let advisory = Advisory {
                title: format!("{vuln_id} in labeled IoT products"),
                initial_release: revisions.first().map_or(now, |r| r.date),
                current_release: revisions.last().map_or(now, |r| r.date),
                revisions,
                status: DocumentStatus::Final,
                vulnerability,
                products,
                tracking_id: tracking_id.clone(),
            };
            let document = tekigo_csaf::build(publisher, &advisory).map_err(|error| {
                invalid(format!("{tracking_id}: {error}"), format!("{tracking_id}: CSAF 文書を作れません: {error}"))
            })?;
            let problems: Vec<String> = tekigo_csaf::validate_schema(&document)
                .into_iter()
                .chain(tekigo_csaf::mandatory_tests(&document))
                .map(|p| p.to_string())
                .collect();
            if !problems.is_empty() {
                return Err(invalid(
                    format!("{tracking_id} fails its checks: {}", problems.join("; ")),
                    format!("{tracking_id} が検査に合格しません: {}", problems.join("; ")),
                ));
            }
            let name = file_name(&tracking_id);
            if !unchanged {
                sqlx::query(
                    "INSERT INTO csaf_advisories (vuln_id, tracking_id, content_sha256, revisions, file_name, current_release, document) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (vuln_id) DO UPDATE SET content_sha256 = excluded.content_sha256, \
                     revisions = excluded.revisions, current_release = excluded.current_release, document = excluded.document",
                )
                .bind(&vuln_id)
                .bind(&tracking_id)
                .bind(&fingerprint)
                .bind(&stored_revisions)
                .bind(&name)
                .bind(advisory_release(&document).unwrap_or(now.as_second()))
                .bind(document.to_string())
                .execute(&mut *tx)
                .await?;
                Self::audit(
                    &mut tx,
                    now.as_second(),
                    "tekigo:csaf",
                    "csaf-revision",
                    &format!("advisory:{tracking_id}"),
                    serde_json::json!({ "revision": revision_count, "products": product_count }),
                )
                .await?;
            }
            files.push(CsafFile { file_name: name, tracking_id, document });
        }
        tx.commit().await?;
        Ok(files)
    }
}

/// The registry as the publisher of its advisories, at `base_url` (the web's `/report` page is
/// the contact).
pub fn publisher(base_url: &str) -> Publisher {
    Publisher {
        name: "JC-STAR certification body".into(),
        namespace: base_url.trim_end_matches('/').to_owned(),
        contact_details: format!("{}/report", base_url.trim_end_matches('/')),
    }
}
