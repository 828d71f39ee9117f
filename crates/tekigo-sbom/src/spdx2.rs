//! SPDX 2.2 / 2.3: the JSON reader, and what it shares with the tag-value reader (a [`Document`]
//! of packages and relationships, turned into the normalized model by [`build`]).
//!
//! Packages are components; files and snippets are not. Relationships become dependency edges
//! when both ends are packages and the type says one needs or includes the other
//! ([`edge_direction`]); relationships with files, the document or other documents are dropped.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::model::{Builder, Draft, End, spdx_agent};
use crate::{Position, Sbom, SbomFormat};

const VERSIONS: [&str; 2] = ["SPDX-2.2", "SPDX-2.3"];

/// An SPDX 2 document as either syntax gives it.
#[derive(Default)]
pub(crate) struct Document {
    pub(crate) version: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) packages: Vec<Draft>,
    pub(crate) relationships: Vec<Relationship>,
    /// SPDX ids of the document, files and snippets: relationships with them are not edges.
    pub(crate) other_ids: HashSet<String>,
    pub(crate) diagnostics: Vec<(String, Option<Position>)>,
}

pub(crate) struct Relationship {
    pub(crate) from: String,
    pub(crate) kind: String,
    pub(crate) to: String,
    pub(crate) position: Option<Position>,
}

/// Whether a relationship type is a dependency edge: `Some(true)` from → to, `Some(false)` the
/// other way round, `None` not an edge (DESCRIBES, GENERATED_FROM, license and document links…).
pub(crate) fn edge_direction(kind: &str) -> Option<bool> {
    match kind.trim().to_ascii_uppercase().replace('-', "_").as_str() {
        "DEPENDS_ON" | "CONTAINS" | "STATIC_LINK" | "DYNAMIC_LINK" | "HAS_PREREQUISITE" => Some(true),
        "DEPENDENCY_OF"
        | "CONTAINED_BY"
        | "BUILD_DEPENDENCY_OF"
        | "DEV_DEPENDENCY_OF"
        | "OPTIONAL_DEPENDENCY_OF"
        | "PROVIDED_DEPENDENCY_OF"
        | "RUNTIME_DEPENDENCY_OF"
        | "TEST_DEPENDENCY_OF"
        | "PREREQUISITE_FOR" => Some(false),
        _ => None,
    }
}

/// Reads one external reference into the draft: a purl or a CPE; other kinds are ignored.
pub(crate) fn external_ref(draft: &mut Draft, kind: &str, locator: &str) {
    match kind.trim() {
        "purl" if draft.purl.is_none() => draft.purl = Some(locator.trim().to_owned()),
        "cpe23Type" | "cpe22Type" => draft.cpes.push(locator.trim().to_owned()),
        _ => {}
    }
}

pub(crate) fn build(format: SbomFormat, document: Document) -> Sbom {
    let mut builder = Builder::new(format);
    match document.version.as_deref() {
        Some(v) if VERSIONS.contains(&v) => {}
        Some(v) => builder
            .diagnostic(format!("{v} is not a version this reader knows (SPDX-2.2, SPDX-2.3); read anyway"), None),
        None => builder.diagnostic("the SPDX version is missing", None),
    }
    builder.set_name(document.name);
    for (message, position) in document.diagnostics {
        builder.diagnostic(message, position);
    }
    for package in document.packages {
        builder.push(package);
    }
    for r in document.relationships {
        let Some(forward) = edge_direction(&r.kind) else { continue };
        let elsewhere = |id: &str| {
            document.other_ids.contains(id) || id.starts_with("DocumentRef-") || id == "NOASSERTION" || id == "NONE"
        };
        if elsewhere(&r.from) || elsewhere(&r.to) {
            continue;
        }
        let (from, to) = if forward { (r.from, r.to) } else { (r.to, r.from) };
        builder.edge(End::Id(from), End::Id(to), r.position);
    }
    builder.finish()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonPackage {
    #[serde(rename = "SPDXID")]
    id: Option<String>,
    name: Option<String>,
    version_info: Option<String>,
    supplier: Option<String>,
    #[serde(default)]
    checksums: Vec<JsonChecksum>,
    #[serde(default)]
    external_refs: Vec<JsonExternalRef>,
    primary_package_purpose: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonChecksum {
    algorithm: String,
    checksum_value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonExternalRef {
    reference_type: String,
    reference_locator: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelationship {
    spdx_element_id: String,
    relationship_type: String,
    related_spdx_element: String,
}

pub(crate) fn read_json(object: &Map<String, Value>) -> Sbom {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let version = text("spdxVersion");
    let mut document = Document { version: version.clone(), name: text("name"), ..Document::default() };
    if let Some(id) = text("SPDXID") {
        document.other_ids.insert(id);
    }
    for key in ["files", "snippets"] {
        for item in array(object, key, &mut document) {
            if let Some(id) = item.get("SPDXID").and_then(Value::as_str) {
                document.other_ids.insert(id.to_owned());
            }
        }
    }
    for (i, item) in array(object, "packages", &mut document).iter().enumerate() {
        let place = format!("packages[{i}]");
        match JsonPackage::deserialize(item) {
            Ok(package) => {
                let mut draft = Draft {
                    id: package.id,
                    name: package.name,
                    version: package.version_info,
                    supplier: package.supplier.as_deref().and_then(spdx_agent),
                    hashes: package.checksums.into_iter().map(|c| (c.algorithm, c.checksum_value)).collect(),
                    kind: package.primary_package_purpose,
                    place,
                    ..Draft::default()
                };
                for r in &package.external_refs {
                    external_ref(&mut draft, &r.reference_type, &r.reference_locator);
                }
                document.packages.push(draft);
            }
            Err(e) => document.diagnostics.push((format!("{place} skipped: {e}"), None)),
        }
    }
    for (i, item) in array(object, "relationships", &mut document).iter().enumerate() {
        match JsonRelationship::deserialize(item) {
            Ok(r) => document.relationships.push(Relationship {
                from: r.spdx_element_id,
                kind: r.relationship_type,
                to: r.related_spdx_element,
                position: None,
            }),
            Err(e) => {
                document.diagnostics.push((format!("relationships[{i}] skipped: {e}"), None));
            }
        }
    }
    build(SbomFormat::SpdxJson { version: version.unwrap_or_else(|| "unknown".to_owned()) }, document)
}

fn array<'a>(object: &'a Map<String, Value>, key: &str, document: &mut Document) -> &'a [Value] {
    match object.get(key) {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => &[],
        Some(_) => {
            document.diagnostics.push((format!("{key} skipped: not an array"), None));
            &[]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_directions() {
        assert_eq!(edge_direction("DEPENDS_ON"), Some(true));
        assert_eq!(edge_direction("CONTAINS"), Some(true));
        assert_eq!(edge_direction("DEPENDENCY_OF"), Some(false));
        assert_eq!(edge_direction("CONTAINED_BY"), Some(false));
        assert_eq!(edge_direction("DESCRIBES"), None);
        assert_eq!(edge_direction("GENERATED_FROM"), None);
    }
}
