//! The plain data the registry hands over: one vulnerability and the labelled products it touches.

use jiff::Timestamp;

/// Who issues the advisory: the certification body.
#[derive(Debug, Clone, PartialEq)]
pub struct Publisher {
    pub name: String,
    /// A URL the publisher controls; also the namespace of label numbers in the document.
    pub namespace: String,
    pub contact_details: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    /// Unique per publisher, e.g. `TEKIGO-2026-0001`.
    pub tracking_id: String,
    pub title: String,
    pub initial_release: Timestamp,
    pub current_release: Timestamp,
    /// Oldest first. Numbers are integer versions `1, 2, 3, …` in this order, with dates that never
    /// go back; the document's version is the last number.
    pub revisions: Vec<Revision>,
    pub status: DocumentStatus,
    pub vulnerability: Vulnerability,
    /// At least one.
    pub products: Vec<AffectedProduct>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: u32,
    pub date: Timestamp,
    pub summary: String,
}

/// A published document is `final` or `interim`; tekigo issues no drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    Final,
    Interim,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vulnerability {
    /// `CVE-YYYY-NNNN…`.
    pub cve: Option<String>,
    /// Other identifiers (`GHSA-…`, `GO-…`, `JVNDB-…`); not CVEs. With `cve`, at least one is needed.
    pub other_ids: Vec<String>,
    pub summary_en: String,
    pub summary_ja: Option<String>,
    pub cvss_v3: Option<Cvss3>,
    /// Listed in CISA's Known Exploited Vulnerabilities catalog.
    pub kev: Option<Kev>,
    pub references: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cvss3 {
    /// `CVSS:3.0/…` or `CVSS:3.1/…`.
    pub vector: String,
    /// Must be the base score the vector gives.
    pub base_score: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Kev {
    /// `YYYY-MM-DD`, as in the catalog.
    pub date_added: String,
    pub due_date: Option<String>,
}

/// One component in one labelled product's firmware, and how the vulnerability concerns it.
#[derive(Debug, Clone, PartialEq)]
pub struct AffectedProduct {
    /// e.g. `JC1-2026-000123`.
    pub label_number: String,
    /// The label's public page.
    pub label_url: String,
    pub vendor: String,
    pub product_name: String,
    pub model: String,
    pub firmware_version: String,
    pub component_name: String,
    pub component_version: String,
    pub component_purl: Option<String>,
    pub status: ProductStatus,
    /// Firmware versions that fix it, for a known affected product.
    pub fixed_in: Vec<String>,
    /// What users can do meanwhile (a workaround) or extra words on the fix.
    pub remediation_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProductStatus {
    KnownAffected,
    KnownNotAffected { justification: VexJustification, impact: String },
    Fixed,
    UnderInvestigation,
}

/// The five VEX justification labels of CSAF 2.0 §3.2.3.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VexJustification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
}

impl VexJustification {
    pub const ALL: [Self; 5] = [
        Self::ComponentNotPresent,
        Self::VulnerableCodeNotPresent,
        Self::VulnerableCodeNotInExecutePath,
        Self::VulnerableCodeCannotBeControlledByAdversary,
        Self::InlineMitigationsAlreadyExist,
    ];

    /// The flag label as CSAF spells it.
    pub fn label(self) -> &'static str {
        match self {
            Self::ComponentNotPresent => "component_not_present",
            Self::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Self::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Self::VulnerableCodeCannotBeControlledByAdversary => "vulnerable_code_cannot_be_controlled_by_adversary",
            Self::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
        }
    }
}
