//! The self-declaration document (`tekigo-declaration/1`): what a vendor signs and a registry
//! checks. Its JSON Schema is published at `schemas/declaration-1.schema.json`; a change here is a
//! change to that public format.

use serde::{Deserialize, Serialize};
use tekigo_base::{ModelEntry, Text};
use tekigo_criteria::{ItemsRule, LevelStatus, Method};

/// The value of `format`; a reader refuses any other.
pub const FORMAT: &str = "tekigo-declaration/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    pub format: String,
    pub kind: DeclarationKind,
    /// Stable for the same product, scope and issue time (UUID v5).
    pub id: String,
    /// RFC 3339, UTC.
    pub issued: String,
    /// What the product is declared against.
    pub scheme: SchemeRef,
    /// The scheme the answers were given for, when this declaration was derived through the
    /// catalog's mappings (`assess declare --as`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessed_against: Option<SchemeRef>,
    pub product: Product,
    pub declarant: Declarant,
    /// What the declarant states, in both languages (our wording, not a regulator's form).
    pub statement: Text,
    pub outcome: Outcome,
    pub requirements: Vec<RequirementResult>,
    /// The level's known-vulnerability rule (SCHEME §2), when the level has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<VulnerabilityResult>,
    pub evidence: Vec<EvidenceRecord>,
    /// Requirements deemed met because the product complies with a scheme the certification body
    /// recognises (for JC-STAR, a UK PSTI statement of compliance), with that evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deemed: Vec<Deemed>,
    /// The files issued with this document, fixed by their hashes.
    pub attachments: Vec<Attachment>,
    /// Who evaluated the product and signs beside the vendor: a skilled evaluator (JC-STAR ★2) or
    /// an accredited lab (★3/★4, with its `accreditation`); SCHEME §2. `evaluator_signature` is
    /// theirs, over the same content as `signature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluator: Option<EvaluatorRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluator_signature: Option<Signature>,
}

/// The evaluator a declaration names, as registered with the certification body: a skilled
/// evaluator (★2), or the lead evaluator of an accredited lab (★3/★4), whose `organisation` is
/// the lab and whose key is the lab's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluatorRef {
    pub name: String,
    pub organisation: String,
    /// The evaluator's key (`sha256:...`), which the certification body's register holds.
    pub key_id: String,
    /// Present when the evaluator is a lab accredited to ISO/IEC 17025: a third-party
    /// evaluation names the lab's accreditation, which the registry checks on the report's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accreditation: Option<Accreditation>,
}

/// A lab's accreditation to ISO/IEC 17025, as its accreditation body records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accreditation {
    /// The accreditation body (IAJapan, JAB, UKAS, ...).
    pub body: String,
    /// The accreditation number that body gave the lab.
    pub number: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeclarationKind {
    /// A declaration of conformity for the scheme the product was assessed against.
    SelfDeclaration,
    /// A statement for another scheme, derived from the answers through the mappings; it says
    /// what the answers cover and what is still missing.
    DerivedStatement,
    /// An accredited lab's evaluation report (JC-STAR ★3/★4, SCHEME §2): the lab evaluated the
    /// product, recorded a result and evidence per item and signs it (`evaluator_signature`);
    /// the vendor, who applies for the label with it, signs too (`signature`).
    ThirdPartyEvaluation,
}

impl DeclarationKind {
    /// The kind's name in the JSON format.
    pub fn name(self) -> &'static str {
        match self {
            DeclarationKind::SelfDeclaration => "self-declaration",
            DeclarationKind::DerivedStatement => "derived-statement",
            DeclarationKind::ThirdPartyEvaluation => "third-party-evaluation",
        }
    }

    pub fn label(self) -> Text {
        match self {
            DeclarationKind::SelfDeclaration => Text::new("self-declaration of conformity", "適合自己宣言"),
            DeclarationKind::DerivedStatement => Text::new("derived statement", "対応関係による声明"),
            DeclarationKind::ThirdPartyEvaluation => Text::new("third-party evaluation report", "第三者評価報告書"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemeRef {
    pub id: String,
    pub version: String,
    pub level: String,
    pub title: Text,
    pub level_name: Text,
    /// The product type a level set per type (JC-STAR ★2-★4) was resolved for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// Present only when the criteria are not the scheme's published text (`provisional`): a
    /// declaration against them says so wherever it is read. Absent for published criteria, so
    /// earlier declarations read and verify unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria_status: Option<LevelStatus>,
}

impl SchemeRef {
    /// `SCHEME:LEVEL` (with `/PRODUCT-TYPE` for a level set per type), as the command line
    /// writes it.
    pub fn selector(&self) -> String {
        match &self.product_type {
            Some(product_type) => format!("{}:{}/{product_type}", self.id, self.level),
            None => format!("{}:{}", self.id, self.level),
        }
    }

    pub fn is_provisional(&self) -> bool {
        self.criteria_status == Some(LevelStatus::Provisional)
    }
}

/// The product's facts, as the vendor gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    #[serde(default)]
    pub vendor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_address: Option<String>,
    /// The series' representative model number.
    #[serde(default)]
    pub model: String,
    /// Every model the declaration covers, `model` among them, with the identifiers sellers use.
    /// Absent (as in every declaration made before series existed), it covers `model` alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelEntry>,
    #[serde(default)]
    pub firmware_version: String,
    /// A product type of the JC-STAR catalog (SCHEME §9), when one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    /// The last day security updates are provided, `YYYY-MM-DD`.
    #[serde(default)]
    pub support_end: String,
    /// Where vulnerabilities are reported: a URL or an e-mail address.
    #[serde(default)]
    pub vulnerability_contact: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declarant {
    pub name: String,
    /// The signatory's function (UK PSTI asks for it).
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organisation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Every requirement is conformant or not applicable, and the vulnerability rule holds.
    pub conformant: bool,
    pub counts: Counts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    pub conformant: usize,
    pub not_conformant: usize,
    pub not_applicable: usize,
    pub pending: usize,
}

/// The verdict on one requirement (or on the vulnerability rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Conformant,
    NotConformant,
    NotApplicable,
    Pending,
}

impl Verdict {
    pub fn label(self) -> Text {
        match self {
            Verdict::Conformant => Text::new("conformant", "適合"),
            Verdict::NotConformant => Text::new("not conformant", "不適合"),
            Verdict::NotApplicable => Text::new("not applicable", "該当なし"),
            Verdict::Pending => Text::new("pending", "未評価"),
        }
    }

    /// Counts towards a declaration of conformity.
    pub fn is_settled_positive(self) -> bool {
        matches!(self, Verdict::Conformant | Verdict::NotApplicable)
    }
}

/// A person's (or a tool's) answer to one evaluation item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    #[default]
    Pending,
    Yes,
    No,
    NotApplicable,
}

impl Answer {
    pub fn label(self) -> Text {
        match self {
            Answer::Pending => Text::new("pending", "未回答"),
            Answer::Yes => Text::new("yes", "はい"),
            Answer::No => Text::new("no", "いいえ"),
            Answer::NotApplicable => Text::new("not applicable", "該当なし"),
        }
    }
}

/// Who decided an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecidedBy {
    Person,
    /// `tekigo probe`'s report, imported as evidence.
    Probe,
    /// `tekigo sbom check`'s report, imported as evidence.
    SbomCheck,
    /// Carried over from another scheme's assessment through a mapping.
    Mapping,
    /// Deemed met by the certification body's recognition of another scheme: the evidence is
    /// the product's compliance statement under that scheme.
    Recognition,
}

/// Requirements deemed met under a recognised scheme (the catalog's mapping entries marked
/// `deemed` from that scheme to the declared one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deemed {
    /// The recognised scheme's catalog ID (`uk-psti`).
    pub scheme: String,
    /// The requirements deemed met, as the catalog's deemed mapping names them.
    pub requirements: Vec<String>,
    /// The evidence ID of the compliance statement (a file or a URL).
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementResult {
    pub id: String,
    pub title: Text,
    pub verdict: Verdict,
    /// Why: the vendor's reason for "not applicable", or what is missing for "pending", or what
    /// failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
    pub items_rule: ItemsRule,
    pub items: Vec<ItemResult>,
    /// For a derived statement: the answered requirements (`SCHEME/ID`) this one rests on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covered_by: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemResult {
    pub id: String,
    pub method: Method,
    pub text: Text,
    pub answer: Answer,
    pub decided_by: DecidedBy,
    /// Evidence IDs (`E1`, ...) from the declaration's `evidence`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The answerer's note: where in the documents it is shown, or why it does not apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// What a tool found, when a tool decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Text>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VulnerabilityResult {
    /// Known exploitable vulnerabilities from this CVSS v3 base score fail the level (SCHEME §2).
    pub cvss_min: f64,
    pub verdict: Verdict,
    pub decided_by: DecidedBy,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Components in the SBOM that was checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<usize>,
    /// The vulnerabilities that fail the level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failing: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A document kept in the assessment folder.
    File,
    /// A public page (a manual online, the vulnerability disclosure policy).
    Url,
    /// A place in a document named in words ("manual, section 4.2").
    Reference,
    /// A `tekigo probe --format json` report.
    Probe,
    /// A `tekigo sbom check --format json` report.
    SbomCheck,
    /// The product's SBOM.
    Sbom,
    /// A binary-analysis report of the firmware (a lab's, ★3/★4).
    BinaryAnalysis,
    /// A penetration-test report (a lab's, ★4).
    PenetrationTest,
}

impl EvidenceKind {
    /// Whether the evidence is a file whose bytes are fixed by a hash.
    pub fn is_file(self) -> bool {
        matches!(
            self,
            EvidenceKind::File
                | EvidenceKind::Probe
                | EvidenceKind::SbomCheck
                | EvidenceKind::Sbom
                | EvidenceKind::BinaryAnalysis
                | EvidenceKind::PenetrationTest
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    pub id: String,
    pub kind: EvidenceKind,
    /// The file name in the assessment's `evidence/` folder, the URL, or the reference in words.
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it was added, RFC 3339.
    pub added: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// The file name, next to the declaration.
    pub name: String,
    pub media_type: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// Always `RFC8785`: the signed bytes are the JSON Canonicalization Scheme form of the
    /// document without its `signature` member.
    pub canonicalization: String,
    /// `sha256:` and the hex SHA-256 of the raw 32-byte public key.
    pub key_id: String,
    /// The raw public key, base64.
    pub public_key: String,
    /// The 64-byte signature, base64.
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_declaration_reads_and_writes_back_unchanged() {
        let text = include_str!("../tests/fixtures/declaration-sample.json");
        let declaration: Declaration = serde_json::from_str(text).unwrap();
        assert_eq!(declaration.format, FORMAT);
        assert_eq!(declaration.requirements.len(), 16);
        let again: Declaration = serde_json::from_value(serde_json::to_value(&declaration).unwrap()).unwrap();
        assert_eq!(again, declaration);
    }
}
