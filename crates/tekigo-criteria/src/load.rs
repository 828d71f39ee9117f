//! Loading and validating catalog files. Every problem is reported with the file, line and column
//! it comes from, and all problems are reported at once, so a catalog editor fixes them in one pass.
//!
//! Why this file is long: every check a catalog must pass is in this one file, so that whoever
//! reviews the catalog's rules reads all of them in one place.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::model::*;
use crate::source::SourceFile;
use tekigo_base::Text;

/// One problem in one catalog file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    /// 1-based; 0 when the problem concerns the file as a whole.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

/// Every problem found in a catalog; it loads only when there are none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the criteria catalog is invalid ({} problem(s)):", self.0.len())?;
        for error in &self.0 {
            writeln!(f, "  {error}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The files as written. Every field that refers to something else is `Spanned`, so that a
// dangling reference can be reported at its own line.

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchemeFile {
    scheme: RawHeader,
    #[serde(default)]
    categories: Vec<RawCategory>,
    #[serde(default)]
    conditions: Vec<RawCondition>,
    #[serde(default)]
    requirements: Vec<RawRequirement>,
    #[serde(default)]
    levels: Vec<RawLevel>,
    #[serde(default)]
    threats: Vec<RawThreat>,
    #[serde(default)]
    assets: Vec<RawAsset>,
    #[serde(default)]
    product_types: Vec<RawProductType>,
    #[serde(default)]
    profiles: Vec<RawProfile>,
    #[serde(default)]
    uses: Vec<RawUse>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: S<String>,
    version: String,
    published: S<String>,
    title: Text,
    publisher: Text,
    source: String,
    #[serde(default)]
    base: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    id: S<String>,
    title: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    id: S<u32>,
    text: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: S<String>,
    category: S<String>,
    title: Text,
    summary: Text,
    #[serde(default)]
    status: Option<S<String>>,
    #[serde(default)]
    conditions: Vec<S<u32>>,
    evaluation: Evaluation,
    #[serde(default)]
    items: Vec<RawItem>,
    #[serde(default)]
    items_rule: Option<S<ItemsRule>>,
    #[serde(default)]
    guidance: Option<Text>,
    #[serde(default)]
    threats: Vec<S<String>>,
    #[serde(default)]
    assets: Vec<S<String>>,
    provenance: Provenance,
    #[serde(default)]
    derived_from: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: S<String>,
    method: Method,
    text: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: S<String>,
    name: Text,
    #[serde(default)]
    summary: Option<Text>,
    #[serde(default)]
    status: LevelStatus,
    #[serde(default)]
    inherits: Option<S<String>>,
    #[serde(default)]
    requirements: Vec<S<String>>,
    #[serde(default)]
    select_status: Vec<S<String>>,
    #[serde(default)]
    threats: Vec<S<String>>,
    #[serde(default)]
    vulnerability_cvss_min: Option<S<f64>>,
    #[serde(default)]
    evaluation: Option<Text>,
    #[serde(default)]
    abroad: Vec<RawEquivalent>,
    #[serde(default)]
    per_product_type: bool,
    #[serde(default)]
    assurance: Assurance,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEquivalent {
    target: S<String>,
    extent: Extent,
    #[serde(default)]
    note: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreat {
    id: S<String>,
    title: Text,
    summary: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAsset {
    id: S<String>,
    kind: Text,
    title: Text,
    from_level: S<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProductType {
    id: S<String>,
    sector: Sector,
    title: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    id: S<String>,
    product_types: Vec<S<String>>,
    levels: Vec<S<String>>,
    status: LevelStatus,
    title: Text,
    note: Text,
    provenance: Provenance,
    #[serde(default)]
    criteria: Vec<RawProfileLevel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfileLevel {
    level: S<String>,
    adds: Vec<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUse {
    id: S<String>,
    level: S<String>,
    title: Text,
    rationale: Text,
    #[serde(default)]
    references: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMappingFile {
    mapping: RawMappingHeader,
    #[serde(default)]
    entries: Vec<S<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMappingHeader {
    from: S<String>,
    to: S<String>,
    title: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    from: S<String>,
    to: S<String>,
    relationship: Relationship,
    provenance: MappingProvenance,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    deemed: bool,
    #[serde(default)]
    rationale: Option<Text>,
}

// ---------------------------------------------------------------------------------------------

struct ParsedScheme {
    file: String,
    raw: RawSchemeFile,
}

struct ParsedMapping {
    file: String,
    raw: RawMappingFile,
}

/// Collects problems with their positions; `texts` turns byte offsets into lines and columns.
struct Problems<'a> {
    texts: HashMap<&'a str, &'a str>,
    errors: Vec<LoadError>,
    /// A file failed to parse, so a scheme may be missing only because of it: references to
    /// unknown schemes are then not reported again.
    incomplete: bool,
}

impl<'a> Problems<'a> {
    fn at(&mut self, file: &str, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.texts.get(file).map_or((0, 0), |text| line_column(text, span.start));
        self.errors.push(LoadError { file: file.to_owned(), line, column, message: message.into() });
    }

    fn whole_file(&mut self, file: &str, message: impl Into<String>) {
        self.errors.push(LoadError { file: file.to_owned(), line: 0, column: 0, message: message.into() });
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A requirement ID as a scheme prints it: no spaces, no slash (the slash separates SCHEME/ID).
fn is_printable_id(id: &str) -> bool {
    !id.is_empty() && !id.contains('/') && !id.chars().any(char::is_whitespace)
}

fn is_partial_date(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let digits = |part: &str, len: usize| part.len() == len && part.chars().all(|c| c.is_ascii_digit());
    match parts.as_slice() {
        [year] => digits(year, 4),
        [year, month] => digits(year, 4) && digits(month, 2) && (1..=12).contains(&month.parse::<u32>().unwrap_or(0)),
        [year, month, day] => {
            digits(year, 4)
                && digits(month, 2)
                && digits(day, 2)
                && (1..=12).contains(&month.parse::<u32>().unwrap_or(0))
                && (1..=31).contains(&day.parse::<u32>().unwrap_or(0))
        }
        _ => false,
    }
}

fn is_mapping_file(path: &str) -> bool {
    path.split(['/', '\\']).any(|part| part == "mappings")
}

impl Catalog {
    /// Parses and validates catalog files as one catalog.
    ///
    /// # Errors
    /// Every problem found, each naming its file, line and column.
    pub fn load(files: &[SourceFile]) -> Result<Catalog, LoadErrors> {
        let mut problems = Problems {
            texts: files.iter().map(|f| (f.path.as_str(), f.text.as_str())).collect(),
            errors: Vec::new(),
            incomplete: false,
        };
        let mut schemes = Vec::new();
        let mut mappings = Vec::new();
        for file in files {
            if is_mapping_file(&file.path) {
                match toml::from_str::<RawMappingFile>(&file.text) {
                    Ok(raw) => mappings.push(ParsedMapping { file: file.path.clone(), raw }),
                    Err(err) => report_parse_error(&mut problems, &file.path, &err),
                }
            } else {
                match toml::from_str::<RawSchemeFile>(&file.text) {
                    Ok(raw) => schemes.push(ParsedScheme { file: file.path.clone(), raw }),
                    Err(err) => report_parse_error(&mut problems, &file.path, &err),
                }
            }
        }
        if files.is_empty() {
            problems.whole_file("criteria", "the catalog has no files");
        }
        let catalog = resolve(&schemes, &mappings, &mut problems);
        if problems.errors.is_empty() { Ok(catalog) } else { Err(LoadErrors(problems.errors)) }
    }
}

fn report_parse_error(problems: &mut Problems<'_>, file: &str, err: &toml::de::Error) {
    problems.incomplete = true;
    let message = err.message().trim().to_owned();
    match err.span() {
        Some(span) => problems.at(file, span, message),
        None => problems.whole_file(file, message),
    }
}

fn resolve(schemes: &[ParsedScheme], mappings: &[ParsedMapping], problems: &mut Problems<'_>) -> Catalog {
    // Scheme IDs are unique across files: a catalog holds one version of each scheme.
    let mut seen_schemes: HashMap<&str, &str> = HashMap::new();
    for parsed in schemes {
        let id = parsed.raw.scheme.id.get_ref();
        if !is_slug(id) {
            problems.at(
                &parsed.file,
                parsed.raw.scheme.id.span(),
                format!("scheme id `{id}` must be lowercase letters, digits and `-`"),
            );
        }
        if let Some(other) = seen_schemes.insert(id, &parsed.file) {
            problems.at(
                &parsed.file,
                parsed.raw.scheme.id.span(),
                format!("scheme `{id}` is also defined in {other}: a catalog holds one version of each scheme"),
            );
        }
        let published = parsed.raw.scheme.published.get_ref();
        if !is_partial_date(published) {
            problems.at(
                &parsed.file,
                parsed.raw.scheme.published.span(),
                format!("`{published}` is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
            );
        }
    }

    // Threats and assets are named across the whole catalog (a foreign requirement may cite them).
    let mut threat_ids: HashMap<&str, &str> = HashMap::new();
    let mut asset_ids: HashMap<&str, &str> = HashMap::new();
    for parsed in schemes {
        for threat in &parsed.raw.threats {
            if threat_ids.insert(threat.id.get_ref(), &parsed.file).is_some() {
                problems.at(
                    &parsed.file,
                    threat.id.span(),
                    format!("threat `{}` is defined twice", threat.id.get_ref()),
                );
            }
        }
        for asset in &parsed.raw.assets {
            if asset_ids.insert(asset.id.get_ref(), &parsed.file).is_some() {
                problems.at(&parsed.file, asset.id.span(), format!("asset `{}` is defined twice", asset.id.get_ref()));
            }
        }
    }

    // Requirement IDs per scheme, for resolving references from levels and mappings.
    let requirement_ids: HashMap<&str, HashSet<&str>> = schemes
        .iter()
        .map(|p| {
            (p.raw.scheme.id.get_ref().as_str(), p.raw.requirements.iter().map(|r| r.id.get_ref().as_str()).collect())
        })
        .collect();
    let level_ids: HashMap<&str, Vec<&str>> = schemes
        .iter()
        .map(|p| (p.raw.scheme.id.get_ref().as_str(), p.raw.levels.iter().map(|l| l.id.get_ref().as_str()).collect()))
        .collect();
    let by_id: HashMap<&str, &ParsedScheme> = schemes.iter().map(|p| (p.raw.scheme.id.get_ref().as_str(), p)).collect();

    let mut resolved = Vec::new();
    for parsed in schemes {
        resolved.push(resolve_scheme(parsed, &by_id, &requirement_ids, &level_ids, &threat_ids, &asset_ids, problems));
    }

    let mut resolved_mappings = Vec::new();
    for parsed in mappings {
        if let Some(mapping) = resolve_mapping(parsed, &requirement_ids, problems) {
            resolved_mappings.push(mapping);
        }
    }
    check_duplicate_mapping_pairs(mappings, problems);

    Catalog { schemes: resolved, mappings: resolved_mappings }
}

#[allow(clippy::too_many_lines)]
fn resolve_scheme(
    parsed: &ParsedScheme,
    by_id: &HashMap<&str, &ParsedScheme>,
    requirement_ids: &HashMap<&str, HashSet<&str>>,
    level_ids: &HashMap<&str, Vec<&str>>,
    threat_ids: &HashMap<&str, &str>,
    asset_ids: &HashMap<&str, &str>,
    problems: &mut Problems<'_>,
) -> Scheme {
    let file = parsed.file.as_str();
    let raw = &parsed.raw;
    let scheme_id = raw.scheme.id.get_ref().as_str();

    let base = raw.scheme.base.as_ref().and_then(|base| {
        if by_id.contains_key(base.get_ref().as_str()) {
            if base.get_ref() == scheme_id {
                problems.at(file, base.span(), "a scheme cannot be a profile over itself");
                None
            } else {
                Some(base.get_ref().clone())
            }
        } else {
            if !problems.incomplete {
                problems.at(file, base.span(), format!("base scheme `{}` is not in the catalog", base.get_ref()));
            }
            None
        }
    });

    let mut category_ids = HashSet::new();
    for category in &raw.categories {
        if !category_ids.insert(category.id.get_ref().as_str()) {
            problems.at(file, category.id.span(), format!("category `{}` is defined twice", category.id.get_ref()));
        }
    }
    let mut condition_ids = HashSet::new();
    for condition in &raw.conditions {
        if !condition_ids.insert(*condition.id.get_ref()) {
            problems.at(file, condition.id.span(), format!("condition {} is defined twice", condition.id.get_ref()));
        }
    }

    let mut requirements = Vec::new();
    let mut seen_requirements = HashSet::new();
    for requirement in &raw.requirements {
        let id = requirement.id.get_ref();
        if !is_printable_id(id) {
            problems.at(
                file,
                requirement.id.span(),
                format!("requirement id `{id}` must not be empty or contain spaces or `/`"),
            );
        }
        if !seen_requirements.insert(id.as_str()) {
            problems.at(
                file,
                requirement.id.span(),
                format!("requirement `{id}` is defined twice in scheme `{scheme_id}`"),
            );
        }
        if !category_ids.contains(requirement.category.get_ref().as_str()) {
            problems.at(
                file,
                requirement.category.span(),
                format!("requirement `{id}`: unknown category `{}`", requirement.category.get_ref()),
            );
        }
        let conditional = requirement.status.as_ref().is_some_and(|s| s.get_ref().ends_with(" C"));
        if conditional && requirement.conditions.is_empty() {
            let span = requirement.status.as_ref().map_or(requirement.id.span(), Spanned::span);
            problems.at(file, span, format!("requirement `{id}` is conditional but names no condition"));
        }
        if !conditional && !requirement.conditions.is_empty() {
            problems.at(
                file,
                requirement.conditions[0].span(),
                format!("requirement `{id}` names conditions but its status is not conditional (`M C` or `R C`)"),
            );
        }
        for condition in &requirement.conditions {
            if !condition_ids.contains(condition.get_ref()) {
                problems.at(
                    file,
                    condition.span(),
                    format!("requirement `{id}`: unknown condition {}", condition.get_ref()),
                );
            }
        }
        for threat in &requirement.threats {
            if !threat_ids.contains_key(threat.get_ref().as_str()) {
                problems.at(file, threat.span(), format!("requirement `{id}`: unknown threat `{}`", threat.get_ref()));
            }
        }
        for asset in &requirement.assets {
            if !asset_ids.contains_key(asset.get_ref().as_str()) {
                problems.at(file, asset.span(), format!("requirement `{id}`: unknown asset `{}`", asset.get_ref()));
            }
        }
        let mut item_ids = HashSet::new();
        for item in &requirement.items {
            if !item_ids.insert(item.id.get_ref().as_str()) {
                problems.at(
                    file,
                    item.id.span(),
                    format!("requirement `{id}`: evaluation item `{}` is defined twice", item.id.get_ref()),
                );
            }
        }
        if let Some(rule) = &requirement.items_rule
            && *rule.get_ref() == ItemsRule::Any
            && requirement.items.len() < 2
        {
            problems.at(
                file,
                rule.span(),
                format!("requirement `{id}`: items_rule = \"any\" needs at least two evaluation items to choose from"),
            );
        }
        let mut derived_from = Vec::new();
        for source in &requirement.derived_from {
            let text = source.get_ref();
            match text.split_once('/') {
                Some((scheme, source_id)) if requirement_ids.get(scheme).is_some_and(|ids| ids.contains(source_id)) => {
                    derived_from.push(ReqRef::new(scheme, source_id));
                }
                Some(_) if problems.incomplete => {}
                Some(_) => problems.at(
                    file,
                    source.span(),
                    format!("requirement `{id}`: derived from `{text}`, which is not in the catalog"),
                ),
                None => problems.at(
                    file,
                    source.span(),
                    format!("requirement `{id}`: write what it derives from as SCHEME/ID, not `{text}`"),
                ),
            }
        }
        if !derived_from.is_empty() && requirement.provenance.is_confirmed() {
            problems.at(
                file,
                requirement.derived_from[0].span(),
                format!("requirement `{id}` is confirmed: `derived_from` is for provisional requirements tekigo wrote"),
            );
        }
        requirements.push(Requirement {
            derived_from,
            scheme: scheme_id.to_owned(),
            id: id.clone(),
            category: requirement.category.get_ref().clone(),
            title: requirement.title.clone(),
            summary: requirement.summary.clone(),
            status: requirement.status.as_ref().map(|s| s.get_ref().clone()),
            conditions: requirement.conditions.iter().map(|c| *c.get_ref()).collect(),
            evaluation: requirement.evaluation,
            items: requirement
                .items
                .iter()
                .map(|item| EvaluationItem {
                    id: item.id.get_ref().clone(),
                    method: item.method,
                    text: item.text.clone(),
                })
                .collect(),
            items_rule: requirement.items_rule.as_ref().map(|rule| *rule.get_ref()).unwrap_or_default(),
            guidance: requirement.guidance.clone(),
            threats: requirement.threats.iter().map(|t| t.get_ref().clone()).collect(),
            assets: requirement.assets.iter().map(|a| a.get_ref().clone()).collect(),
            provenance: requirement.provenance.clone(),
        });
    }

    let levels = resolve_levels(parsed, base.as_deref(), by_id, requirement_ids, level_ids, threat_ids, problems);

    let own_levels: HashSet<&str> = raw.levels.iter().map(|l| l.id.get_ref().as_str()).collect();
    let mut assets = Vec::new();
    for asset in &raw.assets {
        if !own_levels.contains(asset.from_level.get_ref().as_str()) {
            problems.at(
                file,
                asset.from_level.span(),
                format!("asset `{}`: unknown level `{}`", asset.id.get_ref(), asset.from_level.get_ref()),
            );
        }
        assets.push(Asset {
            id: asset.id.get_ref().clone(),
            kind: asset.kind.clone(),
            title: asset.title.clone(),
            from_level: asset.from_level.get_ref().clone(),
        });
    }

    let mut product_type_ids = HashSet::new();
    let mut product_types = Vec::new();
    for product_type in &raw.product_types {
        if !product_type_ids.insert(product_type.id.get_ref().as_str()) {
            problems.at(
                file,
                product_type.id.span(),
                format!("product type `{}` is defined twice", product_type.id.get_ref()),
            );
        }
        product_types.push(ProductType {
            id: product_type.id.get_ref().clone(),
            sector: product_type.sector,
            title: product_type.title.clone(),
        });
    }

    let mut profile_ids = HashSet::new();
    let mut profiles = Vec::new();
    let mut criteria_owner: HashMap<(String, String), String> = HashMap::new();
    for profile in &raw.profiles {
        if !profile_ids.insert(profile.id.get_ref().as_str()) {
            problems.at(file, profile.id.span(), format!("profile `{}` is defined twice", profile.id.get_ref()));
        }
        for product_type in &profile.product_types {
            if !product_type_ids.contains(product_type.get_ref().as_str()) {
                problems.at(
                    file,
                    product_type.span(),
                    format!("profile `{}`: unknown product type `{}`", profile.id.get_ref(), product_type.get_ref()),
                );
            }
        }
        for level in &profile.levels {
            if !own_levels.contains(level.get_ref().as_str()) {
                problems.at(
                    file,
                    level.span(),
                    format!("profile `{}`: unknown level `{}`", profile.id.get_ref(), level.get_ref()),
                );
            }
        }
        let criteria = resolve_profile_criteria(parsed, profile, &levels, by_id, requirement_ids, problems);
        // A product type is assessed against one profile per level, never a choice of two.
        for product_type in &profile.product_types {
            for entry in &profile.criteria {
                let key = (product_type.get_ref().clone(), entry.level.get_ref().clone());
                if let Some(other) = criteria_owner.insert(key, profile.id.get_ref().clone()) {
                    problems.at(
                        file,
                        product_type.span(),
                        format!(
                            "product type `{}` has criteria at level `{}` in profiles `{other}` and `{}`",
                            product_type.get_ref(),
                            entry.level.get_ref(),
                            profile.id.get_ref()
                        ),
                    );
                }
            }
        }
        profiles.push(Profile {
            criteria,
            id: profile.id.get_ref().clone(),
            product_types: profile.product_types.iter().map(|p| p.get_ref().clone()).collect(),
            levels: profile.levels.iter().map(|l| l.get_ref().clone()).collect(),
            status: profile.status,
            title: profile.title.clone(),
            note: profile.note.clone(),
            provenance: profile.provenance.clone(),
        });
    }

    let mut use_ids = HashSet::new();
    let mut uses = Vec::new();
    for use_case in &raw.uses {
        if !use_ids.insert(use_case.id.get_ref().as_str()) {
            problems.at(file, use_case.id.span(), format!("use `{}` is defined twice", use_case.id.get_ref()));
        }
        if !own_levels.contains(use_case.level.get_ref().as_str()) {
            problems.at(
                file,
                use_case.level.span(),
                format!("use `{}`: unknown level `{}`", use_case.id.get_ref(), use_case.level.get_ref()),
            );
        }
        uses.push(UseCase {
            id: use_case.id.get_ref().clone(),
            level: use_case.level.get_ref().clone(),
            title: use_case.title.clone(),
            rationale: use_case.rationale.clone(),
            references: use_case.references.clone(),
        });
    }

    Scheme {
        id: scheme_id.to_owned(),
        version: raw.scheme.version.clone(),
        published: raw.scheme.published.get_ref().clone(),
        title: raw.scheme.title.clone(),
        publisher: raw.scheme.publisher.clone(),
        source: raw.scheme.source.clone(),
        base,
        file: file.to_owned(),
        categories: raw
            .categories
            .iter()
            .map(|c| Category { id: c.id.get_ref().clone(), title: c.title.clone() })
            .collect(),
        conditions: raw.conditions.iter().map(|c| Condition { id: *c.id.get_ref(), text: c.text.clone() }).collect(),
        requirements,
        levels,
        threats: raw
            .threats
            .iter()
            .map(|t| Threat { id: t.id.get_ref().clone(), title: t.title.clone(), summary: t.summary.clone() })
            .collect(),
        assets,
        product_types,
        profiles,
        uses,
    }
}

/// Resolves each level's members: inherited level first, then explicit IDs, then the ones picked by
/// status. Checks that a published level counters every threat it names.
fn resolve_levels(
    parsed: &ParsedScheme,
    base: Option<&str>,
    by_id: &HashMap<&str, &ParsedScheme>,
    requirement_ids: &HashMap<&str, HashSet<&str>>,
    level_ids: &HashMap<&str, Vec<&str>>,
    threat_ids: &HashMap<&str, &str>,
    problems: &mut Problems<'_>,
) -> Vec<Level> {
    let file = parsed.file.as_str();
    let raw = &parsed.raw;
    let scheme_id = raw.scheme.id.get_ref().as_str();
    let empty = HashSet::new();
    let own_ids = requirement_ids.get(scheme_id).unwrap_or(&empty);

    let mut seen = HashSet::new();
    for level in &raw.levels {
        if !seen.insert(level.id.get_ref().as_str()) {
            problems.at(
                file,
                level.id.span(),
                format!("level `{}` is defined twice in scheme `{scheme_id}`", level.id.get_ref()),
            );
        }
    }

    // Members without inheritance, in order.
    let mut direct: Vec<Vec<ReqRef>> = Vec::new();
    for level in &raw.levels {
        let mut members = Vec::new();
        for reference in &level.requirements {
            let text = reference.get_ref();
            let resolved = if let Some((scheme, id)) = text.split_once('/') {
                requirement_ids.get(scheme).filter(|ids| ids.contains(id)).map(|_| ReqRef::new(scheme, id))
            } else if own_ids.contains(text.as_str()) {
                Some(ReqRef::new(scheme_id, text))
            } else {
                base.filter(|base| requirement_ids.get(base).is_some_and(|ids| ids.contains(text.as_str())))
                    .map(|base| ReqRef::new(base, text))
            };
            match resolved {
                Some(reference) => members.push(reference),
                None => problems.at(
                    file,
                    reference.span(),
                    format!("level `{}`: unknown requirement `{text}`", level.id.get_ref()),
                ),
            }
        }
        if !level.select_status.is_empty() {
            let source = base.and_then(|base| by_id.get(base)).copied().unwrap_or(parsed);
            let source_id = source.raw.scheme.id.get_ref();
            let statuses: HashSet<&str> = source
                .raw
                .requirements
                .iter()
                .filter_map(|r| r.status.as_ref().map(|s| s.get_ref().as_str()))
                .collect();
            for status in &level.select_status {
                if !statuses.contains(status.get_ref().as_str()) {
                    problems.at(
                        file,
                        status.span(),
                        format!(
                            "level `{}`: no requirement of `{source_id}` has status `{}`",
                            level.id.get_ref(),
                            status.get_ref()
                        ),
                    );
                }
            }
            let wanted: HashSet<&str> = level.select_status.iter().map(|s| s.get_ref().as_str()).collect();
            members.extend(
                source
                    .raw
                    .requirements
                    .iter()
                    .filter(|r| r.status.as_ref().is_some_and(|s| wanted.contains(s.get_ref().as_str())))
                    .map(|r| ReqRef::new(source_id, r.id.get_ref())),
            );
        }
        direct.push(members);
    }

    let index: HashMap<&str, usize> =
        raw.levels.iter().enumerate().map(|(i, l)| (l.id.get_ref().as_str(), i)).collect();
    let mut levels = Vec::new();
    for (position, level) in raw.levels.iter().enumerate() {
        // Follow `inherits` to the root, refusing cycles.
        let mut chain = vec![position];
        let mut current = level;
        while let Some(parent) = &current.inherits {
            match index.get(parent.get_ref().as_str()) {
                Some(&parent_position) if chain.contains(&parent_position) => {
                    problems.at(
                        file,
                        parent.span(),
                        format!("level `{}` inherits from itself through `{}`", level.id.get_ref(), parent.get_ref()),
                    );
                    break;
                }
                Some(&parent_position) => {
                    chain.push(parent_position);
                    current = &raw.levels[parent_position];
                }
                None => {
                    // An unknown parent further up is reported by the level that names it.
                    if std::ptr::eq(current, level) {
                        problems.at(
                            file,
                            parent.span(),
                            format!("level `{}` inherits unknown level `{}`", level.id.get_ref(), parent.get_ref()),
                        );
                    }
                    break;
                }
            }
        }
        let mut members: Vec<ReqRef> = Vec::new();
        for &ancestor in chain.iter().rev() {
            for reference in &direct[ancestor] {
                if !members.contains(reference) {
                    members.push(reference.clone());
                }
            }
        }

        for threat in &level.threats {
            if !threat_ids.contains_key(threat.get_ref().as_str()) {
                problems.at(
                    file,
                    threat.span(),
                    format!("level `{}`: unknown threat `{}`", level.id.get_ref(), threat.get_ref()),
                );
            } else if level.status != LevelStatus::Draft && !level.per_product_type {
                // DESIGN "Criteria are data": an assessable level whose threat nothing counters is
                // a hole in the criteria. A level set per product type is checked per profile.
                if !counters_threat(by_id, &members, threat.get_ref()) {
                    problems.at(
                        file,
                        threat.span(),
                        format!(
                            "level `{scheme_id}:{}`: no requirement of the level counters threat `{}`",
                            level.id.get_ref(),
                            threat.get_ref()
                        ),
                    );
                }
            }
        }

        if let Some(cvss) = &level.vulnerability_cvss_min
            && !(0.0..=10.0).contains(cvss.get_ref())
        {
            problems.at(
                file,
                cvss.span(),
                format!(
                    "level `{}`: a CVSS base score is between 0.0 and 10.0, not {}",
                    level.id.get_ref(),
                    cvss.get_ref()
                ),
            );
        }

        let mut abroad = Vec::new();
        for equivalent in &level.abroad {
            match LevelSelector::parse(equivalent.target.get_ref()) {
                Err(message) => problems.at(file, equivalent.target.span(), message),
                Ok(target) => {
                    match (level_ids.get(target.scheme.as_str()), &target.level) {
                        (None, _) if !problems.incomplete => {
                            problems.at(file, equivalent.target.span(), format!("unknown scheme `{}`", target.scheme));
                        }
                        (None, _) => {}
                        (Some(levels), Some(wanted))
                            if !(levels.contains(&wanted.as_str()) || levels.is_empty() && wanted == ALL_LEVEL) =>
                        {
                            problems.at(
                                file,
                                equivalent.target.span(),
                                format!("scheme `{}` has no level `{wanted}`", target.scheme),
                            );
                        }
                        _ => {}
                    }
                    abroad.push(Equivalent { target, extent: equivalent.extent, note: equivalent.note.clone() });
                }
            }
        }

        levels.push(Level {
            id: level.id.get_ref().clone(),
            name: level.name.clone(),
            summary: level.summary.clone(),
            status: level.status,
            requirements: members,
            threats: level.threats.iter().map(|t| t.get_ref().clone()).collect(),
            vulnerability_cvss_min: level.vulnerability_cvss_min.as_ref().map(|c| *c.get_ref()),
            evaluation: level.evaluation.clone(),
            abroad,
            assurance: level.assurance,
            per_product_type: level.per_product_type,
            product_type: None,
        });
    }
    levels
}

/// Whether some member of a level lists the threat among those it counters.
fn counters_threat(by_id: &HashMap<&str, &ParsedScheme>, members: &[ReqRef], threat: &str) -> bool {
    members.iter().any(|member| {
        by_id.get(member.scheme.as_str()).is_some_and(|scheme| {
            scheme
                .raw
                .requirements
                .iter()
                .any(|r| r.id.get_ref() == &member.id && r.threats.iter().any(|t| t.get_ref() == threat))
        })
    })
}

/// Resolves what a profile adds at each level into the level's whole membership for its product
/// types (levels nest: ★2 ⊂ ★3 ⊂ ★4, so a level has what the profile adds at every level it
/// inherits), and checks that every threat of each level is countered by that membership.
fn resolve_profile_criteria(
    parsed: &ParsedScheme,
    profile: &RawProfile,
    levels: &[Level],
    by_id: &HashMap<&str, &ParsedScheme>,
    requirement_ids: &HashMap<&str, HashSet<&str>>,
    problems: &mut Problems<'_>,
) -> Vec<ProfileLevel> {
    let file = parsed.file.as_str();
    let raw = &parsed.raw;
    let scheme_id = raw.scheme.id.get_ref().as_str();
    let profile_id = profile.id.get_ref();
    let mut adds_by_level: HashMap<&str, Vec<ReqRef>> = HashMap::new();
    for entry in &profile.criteria {
        let level_id = entry.level.get_ref().as_str();
        let Some(level) = levels.iter().find(|l| l.id == level_id) else {
            problems.at(file, entry.level.span(), format!("profile `{profile_id}`: unknown level `{level_id}`"));
            continue;
        };
        if !level.per_product_type {
            problems.at(
                file,
                entry.level.span(),
                format!("profile `{profile_id}`: level `{level_id}` is common to every product type; mark it `per_product_type = true` to add criteria per type"),
            );
        }
        if !profile.levels.iter().any(|l| l.get_ref() == level_id) {
            problems.at(
                file,
                entry.level.span(),
                format!("profile `{profile_id}`: criteria for level `{level_id}`, which is not in its `levels`"),
            );
        }
        if adds_by_level.contains_key(level_id) {
            problems.at(file, entry.level.span(), format!("profile `{profile_id}`: level `{level_id}` is given twice"));
        }
        let mut adds = Vec::new();
        for reference in &entry.adds {
            let text = reference.get_ref();
            let (scheme, id) = text.split_once('/').unwrap_or((scheme_id, text));
            if requirement_ids.get(scheme).is_some_and(|ids| ids.contains(id)) {
                adds.push(ReqRef::new(scheme, id));
            } else if !problems.incomplete || scheme == scheme_id {
                problems.at(file, reference.span(), format!("profile `{profile_id}`: unknown requirement `{text}`"));
            }
        }
        adds_by_level.insert(level_id, adds);
    }
    if profile.status != LevelStatus::Draft && profile.criteria.is_empty() {
        problems.at(
            file,
            profile.id.span(),
            format!("profile `{profile_id}` is {} but lists no criteria", profile.status.name()),
        );
    }

    let mut resolved = Vec::new();
    for entry in &profile.criteria {
        let Some(level) = levels.iter().find(|l| l.id == *entry.level.get_ref()) else { continue };
        // The level and the levels it inherits, lowest first, by following `inherits`.
        let mut chain = vec![level.id.as_str()];
        let mut current = raw.levels.iter().find(|l| l.id.get_ref() == &level.id);
        while let Some(parent) = current.and_then(|l| l.inherits.as_ref()) {
            if chain.contains(&parent.get_ref().as_str()) {
                break;
            }
            chain.push(parent.get_ref());
            current = raw.levels.iter().find(|l| l.id.get_ref() == parent.get_ref());
        }
        let mut members = level.requirements.clone();
        for level_id in chain.iter().rev() {
            for reference in adds_by_level.get(level_id).into_iter().flatten() {
                if !members.contains(reference) {
                    members.push(reference.clone());
                }
            }
        }
        if profile.status != LevelStatus::Draft {
            for threat in &level.threats {
                if !counters_threat(by_id, &members, threat) {
                    problems.at(
                        file,
                        entry.level.span(),
                        format!(
                            "profile `{profile_id}` at level `{scheme_id}:{}`: no requirement counters threat `{threat}`",
                            level.id
                        ),
                    );
                }
            }
        }
        resolved.push(ProfileLevel {
            level: level.id.clone(),
            adds: adds_by_level.get(level.id.as_str()).cloned().unwrap_or_default(),
            requirements: members,
        });
    }
    resolved
}

fn resolve_mapping(
    parsed: &ParsedMapping,
    requirement_ids: &HashMap<&str, HashSet<&str>>,
    problems: &mut Problems<'_>,
) -> Option<Mapping> {
    let file = parsed.file.as_str();
    let header = &parsed.raw.mapping;
    let mut ok = true;
    let from_ids = requirement_ids.get(header.from.get_ref().as_str());
    let to_ids = requirement_ids.get(header.to.get_ref().as_str());
    if from_ids.is_none() {
        if !problems.incomplete {
            problems.at(file, header.from.span(), format!("mapping from unknown scheme `{}`", header.from.get_ref()));
        }
        ok = false;
    }
    if to_ids.is_none() {
        if !problems.incomplete {
            problems.at(file, header.to.span(), format!("mapping to unknown scheme `{}`", header.to.get_ref()));
        }
        ok = false;
    }
    if header.from.get_ref() == header.to.get_ref() {
        problems.at(file, header.to.span(), "a mapping must be between two different schemes");
        ok = false;
    }
    let mut entries = Vec::new();
    let mut pairs = HashSet::new();
    for spanned in &parsed.raw.entries {
        let entry = spanned.get_ref();
        for (ids, side, scheme) in [(from_ids, &entry.from, &header.from), (to_ids, &entry.to, &header.to)] {
            if ids.is_some_and(|ids| !ids.contains(side.get_ref().as_str())) {
                problems.at(
                    file,
                    side.span(),
                    format!("dangling mapping: `{}` has no requirement `{}`", scheme.get_ref(), side.get_ref()),
                );
            }
        }
        if !pairs.insert((entry.from.get_ref().as_str(), entry.to.get_ref().as_str())) {
            problems.at(
                file,
                spanned.span(),
                format!("mapping `{}` -> `{}` is given twice", entry.from.get_ref(), entry.to.get_ref()),
            );
        }
        match entry.provenance {
            MappingProvenance::Official if entry.source.as_deref().is_none_or(|s| s.trim().is_empty()) => {
                problems.at(
                    file,
                    spanned.span(),
                    format!(
                        "official mapping `{}` -> `{}` needs a `source`: who published it, where",
                        entry.from.get_ref(),
                        entry.to.get_ref()
                    ),
                );
            }
            MappingProvenance::Derived if entry.rationale.is_none() => {
                problems.at(
                    file,
                    spanned.span(),
                    format!(
                        "derived mapping `{}` -> `{}` needs a `rationale` in en and ja",
                        entry.from.get_ref(),
                        entry.to.get_ref()
                    ),
                );
            }
            MappingProvenance::Derived if entry.deemed => {
                problems.at(
                    file,
                    spanned.span(),
                    format!(
                        "mapping `{}` -> `{}`: only an official mapping can be `deemed`",
                        entry.from.get_ref(),
                        entry.to.get_ref()
                    ),
                );
            }
            _ => {}
        }
        entries.push(MappingEntry {
            from: entry.from.get_ref().clone(),
            to: entry.to.get_ref().clone(),
            relationship: entry.relationship,
            provenance: entry.provenance,
            source: entry.source.clone(),
            deemed: entry.deemed,
            rationale: entry.rationale.clone(),
        });
    }
    ok.then(|| Mapping {
        from: header.from.get_ref().clone(),
        to: header.to.get_ref().clone(),
        title: header.title.clone(),
        file: file.to_owned(),
        entries,
    })
}

/// Two files mapping the same pair of requirements in the same direction would disagree silently.
fn check_duplicate_mapping_pairs(mappings: &[ParsedMapping], problems: &mut Problems<'_>) {
    let mut seen: HashMap<(String, String, String, String), &str> = HashMap::new();
    for parsed in mappings {
        let header = &parsed.raw.mapping;
        for spanned in &parsed.raw.entries {
            let entry = spanned.get_ref();
            let key = (
                header.from.get_ref().clone(),
                entry.from.get_ref().clone(),
                header.to.get_ref().clone(),
                entry.to.get_ref().clone(),
            );
            match seen.get(&key) {
                Some(other) if *other != parsed.file.as_str() => {
                    problems.at(
                        &parsed.file,
                        spanned.span(),
                        format!(
                            "mapping `{}` -> `{}` is also given in {other}",
                            entry.from.get_ref(),
                            entry.to.get_ref()
                        ),
                    );
                }
                _ => {
                    seen.insert(key, &parsed.file);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
