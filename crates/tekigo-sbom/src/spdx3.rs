//! SPDX 3.0 JSON-LD: the elements of `@graph`. `software_Package` elements are components;
//! `Relationship` (and `LifecycleScopedRelationship`) elements between packages are edges; the
//! supplier is the name of the agent (`Organization`, `Person`…) that `suppliedBy` names.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::model::{Builder, Draft, End, present};
use crate::{Sbom, SbomFormat};

/// Whether a JSON object is an SPDX 3 JSON-LD document.
pub(crate) fn is_spdx3(object: &Map<String, Value>) -> bool {
    let mentions_spdx3 = |value: &Value| match value {
        Value::String(s) => s.contains("spdx.org/rdf/3"),
        Value::Array(items) => items.iter().any(|i| i.as_str().is_some_and(|s| s.contains("spdx.org/rdf/3"))),
        _ => false,
    };
    object.get("@context").is_some_and(mentions_spdx3)
        || object
            .get("@graph")
            .and_then(Value::as_array)
            .is_some_and(|graph| graph.iter().any(|e| element_type(e).is_some_and(|t| t == "software_Package")))
}

/// The element's type without any prefix: `software_Package`, `Relationship`…
fn element_type(element: &Value) -> Option<&str> {
    let kind = element.get("type").or_else(|| element.get("@type"))?.as_str()?;
    Some(match kind.rsplit_once('/') {
        // Full IRIs: https://spdx.org/rdf/3.0.1/terms/Software/Package
        Some((namespace, name)) if namespace.ends_with("/Software") => {
            return Some(if name == "Package" { "software_Package" } else { name });
        }
        Some((_, name)) => name,
        None => kind.rsplit_once(':').map_or(kind, |(_, name)| name),
    })
}

fn element_id(element: &Value) -> Option<&str> {
    element.get("spdxId").or_else(|| element.get("@id"))?.as_str()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Package {
    name: Option<String>,
    #[serde(rename = "software_packageVersion")]
    version: Option<String>,
    #[serde(rename = "software_packageUrl")]
    purl: Option<String>,
    #[serde(rename = "software_primaryPurpose")]
    primary_purpose: Option<String>,
    supplied_by: Option<Value>,
    #[serde(default)]
    external_identifier: Vec<ExternalIdentifier>,
    #[serde(default)]
    verified_using: Vec<IntegrityMethod>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExternalIdentifier {
    external_identifier_type: String,
    identifier: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct IntegrityMethod {
    algorithm: Option<String>,
    hash_value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    from: String,
    relationship_type: String,
    #[serde(default)]
    to: Vec<String>,
}

pub(crate) fn read(object: &Map<String, Value>) -> Sbom {
    let mut builder = Builder::new(SbomFormat::Spdx3JsonLd);
    let graph: &[Value] = match object.get("@graph") {
        Some(Value::Array(items)) => items,
        _ => {
            builder.diagnostic("@graph skipped: missing or not an array", None);
            &[]
        }
    };
    // Agents (for suppliedBy) and the document (for the name) by id.
    let mut names: HashMap<&str, &str> = HashMap::new();
    for element in graph {
        if let (Some(id), Some(name)) = (element_id(element), element.get("name").and_then(Value::as_str)) {
            names.insert(id, name);
        }
        if element_type(element) == Some("SpdxDocument") {
            builder.set_name(element.get("name").and_then(Value::as_str).map(str::to_owned));
        }
    }
    // Edges to files and other elements that are not packages are no dependencies: they are
    // dropped quietly (the builder reports only ids that are nowhere in the graph).
    let not_packages: HashSet<&str> =
        graph.iter().filter(|e| element_type(e) != Some("software_Package")).filter_map(element_id).collect();
    for (i, element) in graph.iter().enumerate() {
        let place = format!("@graph[{i}]");
        match element_type(element) {
            Some("software_Package") => package(&mut builder, element, place, &names),
            Some(kind) if kind.ends_with("Relationship") => match Relationship::deserialize(element) {
                Ok(r) => {
                    if let Some(forward) = edge_direction(&r.relationship_type) {
                        for to in r.to {
                            if not_packages.contains(r.from.as_str()) || not_packages.contains(to.as_str()) {
                                continue;
                            }
                            let (a, b) = if forward { (r.from.clone(), to) } else { (to, r.from.clone()) };
                            builder.edge(End::Id(a), End::Id(b), None);
                        }
                    }
                }
                Err(e) => builder.diagnostic(format!("{place} skipped: {e}"), None),
            },
            _ => {}
        }
    }
    builder.finish()
}

/// SPDX 3 relationship types that are dependency edges (all point from → to).
fn edge_direction(kind: &str) -> Option<bool> {
    match kind {
        "dependsOn"
        | "contains"
        | "hasStaticLink"
        | "hasDynamicLink"
        | "hasPrerequisite"
        | "hasOptionalDependency"
        | "hasProvidedDependency" => Some(true),
        _ => None,
    }
}

fn package(builder: &mut Builder, element: &Value, place: String, names: &HashMap<&str, &str>) {
    let package = match Package::deserialize(element) {
        Ok(package) => package,
        Err(e) => {
            builder.diagnostic(format!("{place} skipped: {e}"), None);
            return;
        }
    };
    let supplier = match &package.supplied_by {
        Some(Value::String(id)) => names.get(id.as_str()).map(|n| (*n).to_owned()),
        Some(agent @ Value::Object(_)) => agent.get("name").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    let mut draft = Draft {
        id: element_id(element).map(str::to_owned),
        name: package.name,
        version: package.version,
        supplier: supplier.and_then(present),
        purl: package.purl,
        kind: package.primary_purpose,
        hashes: package.verified_using.into_iter().filter_map(|h| Some((h.algorithm?, h.hash_value?))).collect(),
        place,
        ..Draft::default()
    };
    for identifier in package.external_identifier {
        match identifier.external_identifier_type.as_str() {
            "packageUrl" if draft.purl.is_none() => draft.purl = Some(identifier.identifier),
            "cpe23" | "cpe22" => draft.cpes.push(identifier.identifier),
            _ => {}
        }
    }
    builder.push(draft);
}
