//! The resolved catalog: plain data, every reference checked by the loader.
//!
//! Why this file is long: it is the whole public model of the catalog (schemes, requirements,
//! levels, product-type profiles, mappings) with the lookups every tool shares, such as resolving
//! a level for a product type; splitting it would scatter one vocabulary over several files.

use std::borrow::Cow;
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
    /// The provisions of other schemes a provisional requirement was derived from, each resolved
    /// by the loader (tekigo's product-type criteria cite ETSI EN 303 645, EN 18031-1, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub derived_from: Vec<ReqRef>,
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
            Evaluation::BinaryAnalysis => Method::BinaryAnalysis,
            Evaluation::PenetrationTest => Method::PenetrationTest,
        };
        vec![EvaluationItem { id: "1".to_owned(), method, text: self.summary.clone() }]
    }
}

/// How a requirement is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evaluation {
    /// Review of documents (the checklist, manuals, published policies).
    Document,
    /// A test of the real device.
    Device,
    Both,
    /// Analysis of the firmware image (Singapore CLS level 3 and above): components, hard-coded
    /// secrets, unsafe functions.
    BinaryAnalysis,
    /// A penetration test of the device by a lab (Singapore CLS level 4).
    PenetrationTest,
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
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Document,
    Device,
    BinaryAnalysis,
    PenetrationTest,
}

impl Method {
    /// Whether the item needs the real device or its firmware, not only documents: evidence from
    /// a test (the probe's report, a lab's analysis) is what answers it.
    pub fn is_test(self) -> bool {
        !matches!(self, Method::Document)
    }

    /// The method's name for people, in one language.
    pub fn label_in(self, lang: tekigo_base::Lang) -> &'static str {
        let (en, ja) = match self {
            Method::Document => ("document", "文書"),
            Method::Device => ("device test", "実機"),
            Method::BinaryAnalysis => ("binary analysis", "バイナリ解析"),
            Method::PenetrationTest => ("penetration test", "ペネトレーションテスト"),
        };
        match lang {
            tekigo_base::Lang::En => en,
            tekigo_base::Lang::Ja => ja,
        }
    }

    /// The method's name for people, in both languages.
    pub fn label(self) -> Text {
        Text::new(self.label_in(tekigo_base::Lang::En), self.label_in(tekigo_base::Lang::Ja))
    }
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
    /// Who vouches for conformity at this level (SCHEME §2).
    pub assurance: Assurance,
    /// The level's criteria are set per product type (JC-STAR ★2-★4, SCHEME §2, §9): its own
    /// members are only the common part, and it is selected together with a product type.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub per_product_type: bool,
    /// The product type this level record was resolved for ([`Scheme::level_for`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
}

/// Whether a level's criteria are published. A draft level may name threats that no requirement
/// counters yet; a provisional or published one may not. Ordered from least to most settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LevelStatus {
    /// Placed, not assessable: the criteria are not written.
    Draft,
    /// Assessable criteria that are not the scheme owner's published text (tekigo's own reading
    /// of the standards the scheme harmonises with, until official texts replace them). Every
    /// output that uses them says so ([`PROVISIONAL_NOTICE`]).
    Provisional,
    #[default]
    Published,
}

impl LevelStatus {
    pub fn name(self) -> &'static str {
        match self {
            LevelStatus::Draft => "draft",
            LevelStatus::Provisional => "provisional",
            LevelStatus::Published => "published",
        }
    }
}

/// What every output made from provisional criteria says, in both languages.
pub fn provisional_notice() -> Text {
    Text::new(
        "provisional criteria, not the scheme's published text",
        "暫定基準であり、制度の公表された基準文書ではありません",
    )
}

/// Who vouches for a level's conformity (SCHEME §2): the vendor alone (★1), the vendor with a
/// skilled evaluator who co-signs (★2), or an accredited lab whose report the certification body
/// decides on (★3, ★4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Assurance {
    #[default]
    SelfDeclaration,
    SkilledEvaluator,
    ThirdParty,
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
    /// What the profile adds at each of its levels, and the level's whole membership for the
    /// profile's product types. Empty for a draft profile.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub criteria: Vec<ProfileLevel>,
}

/// One level of a profile. Levels nest (★2 ⊂ ★3 ⊂ ★4): `requirements` is the level's common
/// members, then what the profile adds at this level and every level it inherits.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileLevel {
    pub level: String,
    pub adds: Vec<ReqRef>,
    pub requirements: Vec<ReqRef>,
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

/// A scheme, or one level of it: written `SCHEME` or `SCHEME:LEVEL` (`jc-star:1`, `sg-cls:2`),
/// or a level for one product type, `SCHEME:LEVEL/PRODUCT-TYPE` (`jc-star:3/network-camera`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LevelSelector {
    pub scheme: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
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
        let (level, product_type) = match level.map(|level| level.split_once('/')) {
            Some(Some((level, product_type))) => (Some(level), Some(product_type)),
            Some(None) => (level, None),
            None => (None, None),
        };
        if level.is_some_and(str::is_empty) {
            return Err(format!("`{text}`: the level after `:` is missing (e.g. jc-star:1)"));
        }
        if product_type.is_some_and(str::is_empty) {
            return Err(format!("`{text}`: the product type after `/` is missing (e.g. jc-star:3/network-camera)"));
        }
        // ★ is how people write levels; accept `jc-star:★1` as `jc-star:1`.
        let level = level.map(|level| level.trim_start_matches('★').to_owned());
        Ok(LevelSelector { scheme: scheme.to_owned(), level, product_type: product_type.map(str::to_owned) })
    }

    pub fn level(scheme: impl Into<String>, level: impl Into<String>) -> Self {
        LevelSelector { scheme: scheme.into(), level: Some(level.into()), product_type: None }
    }
}

impl fmt::Display for LevelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.level, &self.product_type) {
            (Some(level), Some(product_type)) => write!(f, "{}:{level}/{product_type}", self.scheme),
            (Some(level), None) => write!(f, "{}:{level}", self.scheme),
            (None, _) => write!(f, "{}", self.scheme),
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
    #[error("scheme `{scheme}` has no product type `{product_type}` (product types: {known})")]
    UnknownProductType { scheme: String, product_type: String, known: String },
    #[error(
        "`{level}` has criteria per product type: name one (`{level}/PRODUCT-TYPE` or --product-type); product types with criteria at it: {known}"
    )]
    ProductTypeNeeded { level: String, known: String },
    #[error(
        "`{level}` has no criteria for product type `{product_type}` yet (product types with criteria at it: {known})"
    )]
    NoProductTypeCriteria { level: String, product_type: String, known: String },
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
            Some(level) => Ok(scheme.level_for(level, selector.product_type.as_deref())?.requirements.clone()),
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
                    .map(|level| LevelSelector::level(&scheme.id, &level.id))
                    .chain(scheme.profiles.iter().flat_map(|profile| {
                        // Profile members beyond the level's common part, on the levels that add or inherit them.
                        let common =
                            |level: &str| scheme.level(level).is_ok_and(|l| l.requirements.contains(reference));
                        profile
                            .criteria
                            .iter()
                            .filter(move |c| c.requirements.contains(reference) && !common(&c.level))
                            .flat_map(|c| {
                                profile.product_types.iter().map(|t| LevelSelector {
                                    scheme: scheme.id.clone(),
                                    level: Some(c.level.clone()),
                                    product_type: Some(t.clone()),
                                })
                            })
                    }))
            })
            .collect()
    }

    /// The threats of a level (resolved for its product type) that some member counters.
    pub fn countered_threats(&self, level: &Level) -> Vec<String> {
        level
            .threats
            .iter()
            .filter(|threat| {
                level
                    .requirements
                    .iter()
                    .filter_map(|reference| self.requirement(reference))
                    .any(|requirement| requirement.threats.contains(threat))
            })
            .cloned()
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
            assurance: Assurance::SelfDeclaration,
            per_product_type: false,
            product_type: None,
        }
    }

    /// The level as a product of `product_type` is assessed at. A level set per product type
    /// (★2-★4) needs one that has criteria at it: its record then holds the profile's whole
    /// membership, the product type, and the less settled of the level's and the profile's
    /// status. A level common to every product (★1, and every level of a scheme without product
    /// types) ignores the product type.
    ///
    /// # Errors
    /// An unknown level or product type, a per-product-type level without a product type, or a
    /// product type without criteria at the level.
    pub fn level_for(&self, id: &str, product_type: Option<&str>) -> Result<Cow<'_, Level>, LookupError> {
        let level = self.level(id)?;
        // Product types are JC-STAR's (SCHEME §9): a product's type means nothing to a level
        // common to every product, nor to a foreign scheme assessed beside it.
        if !level.per_product_type {
            return Ok(Cow::Borrowed(level));
        }
        let with_criteria = || {
            let mut types: Vec<&str> = self
                .profiles
                .iter()
                .filter(|p| p.criteria.iter().any(|c| c.level == level.id))
                .flat_map(|p| p.product_types.iter().map(String::as_str))
                .collect();
            types.dedup();
            if types.is_empty() { "none yet".to_owned() } else { types.join(", ") }
        };
        let Some(wanted) = product_type else {
            return Err(LookupError::ProductTypeNeeded {
                level: format!("{}:{}", self.id, level.id),
                known: with_criteria(),
            });
        };
        if !self.product_types.iter().any(|t| t.id == wanted) {
            return Err(self.unknown_product_type(wanted));
        }
        let found = self.profiles.iter().find_map(|profile| {
            profile
                .product_types
                .iter()
                .any(|t| t == wanted)
                .then(|| profile.criteria.iter().find(|c| c.level == level.id).map(|c| (profile, c)))
                .flatten()
        });
        let Some((profile, criteria)) = found else {
            return Err(LookupError::NoProductTypeCriteria {
                level: format!("{}:{}", self.id, level.id),
                product_type: wanted.to_owned(),
                known: with_criteria(),
            });
        };
        let mut resolved = level.clone();
        resolved.requirements.clone_from(&criteria.requirements);
        resolved.status = level.status.min(profile.status);
        resolved.product_type = Some(wanted.to_owned());
        Ok(Cow::Owned(resolved))
    }

    fn unknown_product_type(&self, wanted: &str) -> LookupError {
        LookupError::UnknownProductType {
            scheme: self.id.clone(),
            product_type: wanted.to_owned(),
            known: self.product_types.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", "),
        }
    }

    /// Every level as it is assessed: a common level as it is, a level set per product type once
    /// for each product type with criteria at it (never its common part alone).
    pub fn assessable_levels(&self) -> Vec<Cow<'_, Level>> {
        let mut levels = Vec::new();
        for level in &self.levels {
            if !level.per_product_type {
                levels.push(Cow::Borrowed(level));
                continue;
            }
            for profile in self.profiles.iter().filter(|p| p.criteria.iter().any(|c| c.level == level.id)) {
                for product_type in &profile.product_types {
                    levels.extend(self.level_for(&level.id, Some(product_type)).ok());
                }
            }
        }
        levels
    }

    /// The profile whose criteria cover a product type, if any.
    pub fn profile_for(&self, product_type: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.product_types.iter().any(|t| t == product_type))
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
