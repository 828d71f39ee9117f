//! The resolved catalog: plain data, every reference checked by the loader.

use std::fmt;

use serde::{Deserialize, Serialize};

use tekigo_base::Text;

/// Every scheme and every mapping, validated together.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub schemes: Vec<Scheme>,
    pub mappings: Vec<Mapping>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scheme {
    pub id: String,
    pub version: String,
    pub published: String,
    pub title: Text,
    pub publisher: Text,
    pub source: String,
    /// For a scheme whose levels are profiles over another (Singapore CLS over ETSI EN 303 645).
    pub base: Option<String>,
    /// The file it was loaded from, as errors name it.
    pub file: String,
    pub categories: Vec<Category>,
    pub conditions: Vec<Condition>,
    pub requirements: Vec<Requirement>,
    /// Declared levels; a scheme without any has the single implicit level [`ALL_LEVEL`].
    pub levels: Vec<Level>,
    pub threats: Vec<Threat>,
    pub assets: Vec<Asset>,
    pub product_types: Vec<ProductType>,
    pub profiles: Vec<Profile>,
    pub uses: Vec<UseCase>,
}

/// The level a scheme without declared levels has: all of its requirements.
pub const ALL_LEVEL: &str = "all";

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: String,
    pub title: Text,
}

#[derive(Debug, Clone, Serialize)]
pub struct Condition {
    pub id: u32,
    pub text: Text,
}

#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub scheme: String,
    pub id: String,
    pub category: String,
    pub title: Text,
    pub summary: Text,
    /// As the scheme prints it (ETSI: `M`, `R`, `M C`, `R C`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<u32>,
    pub evaluation: Evaluation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<EvaluationItem>,
    /// Whether every evaluation item must hold, or any one of them (alternatives).
    pub items_rule: ItemsRule,
    /// How a person new to evaluation checks the requirement and what evidence to keep.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guidance: Option<Text>,
    pub threats: Vec<String>,
    pub assets: Vec<String>,
    pub provenance: Provenance,
}

impl Requirement {
    pub fn reference(&self) -> ReqRef {
        ReqRef::new(&self.scheme, &self.id)
    }

    /// The evaluation items an assessment answers: the requirement's own, or, for a requirement
    /// without any, one item `1` that is its summary, checked the way the requirement is evaluated
    /// (a document review when it is evaluated both ways).
    pub fn assessed_items(&self) -> Vec<EvaluationItem> {
        if !self.items.is_empty() {
            return self.items.clone();
        }
        let method = match self.evaluation {
            Evaluation::Device => Method::Device,
            Evaluation::Document | Evaluation::Both => Method::Document,
        };
        vec![EvaluationItem { id: "1".to_owned(), method, text: self.summary.clone() }]
    }
}

/// How a requirement is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evaluation {
    /// Review of documents (the checklist, manuals, published policies).
    Document,
    /// A test of the real device.
    Device,
    Both,
}

/// How the evaluation items of a requirement combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemsRule {
    /// Every item must hold.
    #[default]
    All,
    /// The items are alternatives: one holding is enough (JC-STAR S1.1-07's ways to update).
    Any,
}

/// How one evaluation item is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Document,
    Device,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationItem {
    pub id: String,
    pub method: Method,
    pub text: Text,
}

/// Whether a fact was checked against the published document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase", deny_unknown_fields)]
pub enum Provenance {
    Confirmed { source: String },
    Provisional { note: String },
}

impl Provenance {
    pub fn is_confirmed(&self) -> bool {
        matches!(self, Provenance::Confirmed { .. })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Level {
    pub id: String,
    pub name: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Text>,
    pub status: LevelStatus,
    /// Every requirement of the level, resolved (inherited ones first), without repeats.
    pub requirements: Vec<ReqRef>,
    /// The threats (SCHEME §3) the level is designed against.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub threats: Vec<String>,
    /// The CVSS v3 base score from which a known exploitable vulnerability fails the level (SCHEME §2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerability_cvss_min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub abroad: Vec<Equivalent>,
}

/// Whether a level's criteria are published. A draft level may name threats that no requirement
/// counters yet; a published one may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LevelStatus {
    #[default]
    Published,
    Draft,
}

/// A foreign scheme (level) that a level is designed to correspond to (SCHEME §2, §8).
#[derive(Debug, Clone, Serialize)]
pub struct Equivalent {
    pub target: LevelSelector,
    pub extent: Extent,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Extent {
    Full,
    Partial,
    Pending,
}

#[derive(Debug, Clone, Serialize)]
pub struct Threat {
    pub id: String,
    pub title: Text,
    pub summary: Text,
}

#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub id: String,
    pub kind: Text,
    pub title: Text,
    /// The lowest level at which the asset is protected (SCHEME §4).
    pub from_level: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProductType {
    pub id: String,
    pub sector: Sector,
    pub title: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sector {
    Consumer,
    Industrial,
}

/// Criteria for one product type at ★2 and above (SCHEME §2, §9).
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub id: String,
    pub product_types: Vec<String>,
    pub levels: Vec<String>,
    pub status: LevelStatus,
    pub title: Text,
    pub note: Text,
    pub provenance: Provenance,
}

/// A kind of procurement and the level it should require (SCHEME §2, §8).
#[derive(Debug, Clone, Serialize)]
pub struct UseCase {
    pub id: String,
    pub level: String,
    pub title: Text,
    pub rationale: Text,
    pub references: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub from: String,
    pub to: String,
    pub title: Text,
    pub file: String,
    pub entries: Vec<MappingEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MappingEntry {
    pub from: String,
    pub to: String,
    pub relationship: Relationship,
    pub provenance: MappingProvenance,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The owner of the `to` scheme accepts meeting `from` as meeting `to` (for example IPA's
    /// deemed conformity of UK PSTI products).
    pub deemed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<Text>,
}

/// NIST OLIR relationship types, read as "`from` is <relationship> `to`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    Equal,
    Subset,
    Superset,
    Intersect,
    NotRelated,
}

impl Relationship {
    /// The same relationship read from the other side.
    pub fn inverse(self) -> Self {
        match self {
            Relationship::Subset => Relationship::Superset,
            Relationship::Superset => Relationship::Subset,
            other => other,
        }
    }

    /// The name OSCAL's mapping model uses (NIST IR 8477 set theory relationships).
    pub fn oscal_name(self) -> &'static str {
        match self {
            Relationship::Equal => "equivalent-to",
            Relationship::Subset => "subset-of",
            Relationship::Superset => "superset-of",
            Relationship::Intersect => "intersects-with",
            Relationship::NotRelated => "no-relationship",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Relationship::Equal => "equal",
            Relationship::Subset => "subset",
            Relationship::Superset => "superset",
            Relationship::Intersect => "intersect",
            Relationship::NotRelated => "not-related",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MappingProvenance {
    /// A publisher or scheme owner says so.
    Official,
    /// Our own judgement, with a rationale.
    Derived,
}

/// A requirement named across schemes: `scheme/id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ReqRef {
    pub scheme: String,
    pub id: String,
}

impl ReqRef {
    pub fn new(scheme: impl Into<String>, id: impl Into<String>) -> Self {
        ReqRef { scheme: scheme.into(), id: id.into() }
    }
}

impl fmt::Display for ReqRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.scheme, self.id)
    }
}

/// A scheme, or one level of it: written `SCHEME` or `SCHEME:LEVEL` (`jc-star:1`, `sg-cls:2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LevelSelector {
    pub scheme: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl LevelSelector {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (scheme, level) = match text.split_once(':') {
            Some((scheme, level)) => (scheme, Some(level)),
            None => (text, None),
        };
        if scheme.is_empty() {
            return Err(format!("`{text}`: the scheme is missing (write SCHEME or SCHEME:LEVEL, e.g. jc-star:1)"));
        }
        if level.is_some_and(str::is_empty) {
            return Err(format!("`{text}`: the level after `:` is missing (e.g. jc-star:1)"));
        }
        // ★ is how people write levels; accept `jc-star:★1` as `jc-star:1`.
        let level = level.map(|level| level.trim_start_matches('★').to_owned());
        Ok(LevelSelector { scheme: scheme.to_owned(), level })
    }
}

impl fmt::Display for LevelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.level {
            Some(level) => write!(f, "{}:{level}", self.scheme),
            None => write!(f, "{}", self.scheme),
        }
    }
}

/// Why a lookup in the catalog found nothing (or too much).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown scheme `{0}` (known: {1})")]
    UnknownScheme(String, String),
    #[error("scheme `{scheme}` has no level `{level}` (levels: {known})")]
    UnknownLevel { scheme: String, level: String, known: String },
    #[error("no requirement `{0}` in any scheme")]
    UnknownRequirement(String),
    #[error("`{id}` is ambiguous: it names {candidates}; write SCHEME/ID")]
    AmbiguousRequirement { id: String, candidates: String },
}

impl Catalog {
    pub fn scheme(&self, id: &str) -> Result<&Scheme, LookupError> {
        self.schemes.iter().find(|scheme| scheme.id == id).ok_or_else(|| {
            LookupError::UnknownScheme(
                id.to_owned(),
                self.schemes.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", "),
            )
        })
    }

    pub fn requirement(&self, reference: &ReqRef) -> Option<&Requirement> {
        self.schemes.iter().find(|scheme| scheme.id == reference.scheme)?.requirement(&reference.id)
    }

    /// Finds a requirement by `ID` (when only one scheme has it) or `SCHEME/ID`.
    pub fn find_requirement(&self, id: &str) -> Result<&Requirement, LookupError> {
        if let Some((scheme, bare)) = id.split_once('/') {
            let scheme = self.scheme(scheme)?;
            return scheme.requirement(bare).ok_or_else(|| LookupError::UnknownRequirement(id.to_owned()));
        }
        let matches: Vec<&Requirement> = self.schemes.iter().filter_map(|scheme| scheme.requirement(id)).collect();
        match matches.as_slice() {
            [] => Err(LookupError::UnknownRequirement(id.to_owned())),
            [one] => Ok(one),
            many => Err(LookupError::AmbiguousRequirement {
                id: id.to_owned(),
                candidates: many.iter().map(|r| r.reference().to_string()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// The requirements a selector stands for: a level's members, or all of a scheme's.
    pub fn select(&self, selector: &LevelSelector) -> Result<Vec<ReqRef>, LookupError> {
        let scheme = self.scheme(&selector.scheme)?;
        match &selector.level {
            None => Ok(scheme.requirements.iter().map(Requirement::reference).collect()),
            Some(level) if scheme.levels.is_empty() && level == ALL_LEVEL => {
                Ok(scheme.requirements.iter().map(Requirement::reference).collect())
            }
            Some(level) => Ok(scheme.level(level)?.requirements.clone()),
        }
    }

    /// The levels (of any scheme) whose members include the requirement.
    pub fn levels_including(&self, reference: &ReqRef) -> Vec<LevelSelector> {
        self.schemes
            .iter()
            .flat_map(|scheme| {
                scheme
                    .levels
                    .iter()
                    .filter(|level| level.requirements.contains(reference))
                    .map(|level| LevelSelector { scheme: scheme.id.clone(), level: Some(level.id.clone()) })
            })
            .collect()
    }

    pub fn threat(&self, id: &str) -> Option<&Threat> {
        self.schemes.iter().flat_map(|scheme| &scheme.threats).find(|threat| threat.id == id)
    }

    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.schemes.iter().flat_map(|scheme| &scheme.assets).find(|asset| asset.id == id)
    }
}

impl Scheme {
    /// The level a scheme without declared levels is assessed at: [`ALL_LEVEL`], all of its
    /// requirements.
    pub fn implicit_level(&self) -> Level {
        Level {
            id: ALL_LEVEL.to_owned(),
            name: Text::new("all requirements", "全要件"),
            summary: None,
            status: LevelStatus::Published,
            requirements: self.requirements.iter().map(Requirement::reference).collect(),
            threats: Vec::new(),
            vulnerability_cvss_min: None,
            evaluation: None,
            abroad: Vec::new(),
        }
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|requirement| requirement.id == id)
    }

    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|category| category.id == id)
    }

    pub fn level(&self, id: &str) -> Result<&Level, LookupError> {
        self.levels.iter().find(|level| level.id == id).ok_or_else(|| LookupError::UnknownLevel {
            scheme: self.id.clone(),
            level: id.to_owned(),
            known: if self.levels.is_empty() {
                "none: name the scheme alone".to_owned()
            } else {
                self.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", ")
            },
        })
    }

    /// Position of a level in the scheme's order (★1 < ★2 < ...), for comparisons.
    pub fn level_rank(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|level| level.id == id)
    }
}
