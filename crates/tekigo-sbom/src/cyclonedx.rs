//! CycloneDX 1.2–1.6, JSON and XML, into the normalized model.
//!
//! `metadata.component` (the product itself) is read as the first component, unless a component
//! in `components` has the same `bom-ref` (then that one stands for it). Nested components are
//! components too, each with an edge from its parent.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::model::{Builder, Draft, End};
use crate::position::{self, LineIndex};
use crate::xml::Element;
use crate::{Sbom, SbomError, SbomFormat};

const VERSIONS: [&str; 5] = ["1.2", "1.3", "1.4", "1.5", "1.6"];

#[derive(Deserialize)]
struct JsonComponent {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    name: Option<String>,
    version: Option<String>,
    supplier: Option<Entity>,
    manufacturer: Option<Entity>,
    publisher: Option<String>,
    author: Option<String>,
    authors: Option<Vec<Entity>>,
    purl: Option<String>,
    cpe: Option<String>,
    #[serde(default)]
    hashes: Vec<JsonHash>,
    #[serde(default)]
    components: Vec<Value>,
}

#[derive(Deserialize)]
struct Entity {
    name: Option<String>,
}

#[derive(Deserialize)]
struct JsonHash {
    alg: String,
    content: String,
}

#[derive(Deserialize)]
struct JsonDependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(default, rename = "dependsOn")]
    depends_on: Vec<String>,
    #[serde(default)]
    provides: Vec<String>,
}

pub(crate) fn read_json(bom: &Map<String, Value>) -> Sbom {
    let spec_version = bom.get("specVersion").and_then(Value::as_str).map(str::to_owned);
    let mut builder = Builder::new(SbomFormat::CycloneDxJson {
        spec_version: spec_version.clone().unwrap_or_else(|| "unknown".to_owned()),
    });
    check_version(&mut builder, spec_version.as_deref(), None);

    let components: &[Value] = match bom.get("components") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => &[],
        Some(_) => {
            builder.diagnostic("components skipped: not an array", None);
            &[]
        }
    };
    let metadata_component = bom.get("metadata").and_then(|m| m.get("component"));
    if let Some(product) = metadata_component {
        builder.set_name(product.get("name").and_then(Value::as_str).map(str::to_owned));
        let listed = product.get("bom-ref").and_then(Value::as_str).is_some_and(|id| {
            let mut ids = HashSet::new();
            collect_json_refs(components, &mut ids);
            ids.contains(id)
        });
        if !listed {
            json_component(&mut builder, product, "metadata.component".to_owned(), None);
        }
    }
    for (i, component) in components.iter().enumerate() {
        json_component(&mut builder, component, format!("components[{i}]"), None);
    }

    match bom.get("dependencies") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                match JsonDependency::deserialize(item) {
                    Ok(d) => {
                        for to in d.depends_on.iter().chain(&d.provides) {
                            let from = End::Id(d.reference.clone());
                            builder.edge(from, End::Id(to.clone()), None);
                        }
                    }
                    Err(e) => builder.diagnostic(format!("dependencies[{i}] skipped: {e}"), None),
                }
            }
        }
        None | Some(Value::Null) => {}
        Some(_) => builder.diagnostic("dependencies skipped: not an array", None),
    }
    builder.finish()
}

fn collect_json_refs<'a>(components: &'a [Value], ids: &mut HashSet<&'a str>) {
    for component in components {
        if let Some(id) = component.get("bom-ref").and_then(Value::as_str) {
            ids.insert(id);
        }
        if let Some(Value::Array(nested)) = component.get("components") {
            collect_json_refs(nested, ids);
        }
    }
}

fn json_component(builder: &mut Builder, value: &Value, place: String, parent: Option<usize>) {
    let component = match JsonComponent::deserialize(value) {
        Ok(component) => component,
        Err(e) => {
            builder.diagnostic(format!("{place} skipped: {e}"), None);
            return;
        }
    };
    let supplier = [&component.supplier, &component.manufacturer]
        .into_iter()
        .find_map(|entity| entity.as_ref().and_then(|e| e.name.clone()))
        .or(component.publisher)
        .or(component.author)
        .or_else(|| component.authors.and_then(|a| a.into_iter().find_map(|e| e.name)));
    let draft = Draft {
        id: component.bom_ref,
        name: component.name,
        version: component.version,
        supplier,
        purl: component.purl,
        cpes: component.cpe.into_iter().collect(),
        hashes: component.hashes.into_iter().map(|h| (h.alg, h.content)).collect(),
        kind: component.kind,
        place: place.clone(),
        position: None,
    };
    let index = builder.push(draft);
    if let (Some(parent), Some(index)) = (parent, index) {
        builder.edge(End::Index(parent), End::Index(index), None);
    }
    for (i, nested) in component.components.iter().enumerate() {
        // The children of a skipped component are still read, without a parent edge.
        json_component(builder, nested, format!("{place}.components[{i}]"), index);
    }
}

fn check_version(builder: &mut Builder, version: Option<&str>, at: Option<crate::Position>) {
    match version {
        None => builder.diagnostic("the CycloneDX spec version is missing", at),
        Some(v) if !VERSIONS.contains(&v) => builder
            .diagnostic(format!("CycloneDX {v} is not a version this reader knows (1.2 to 1.6); read anyway"), at),
        Some(_) => {}
    }
}

/// Reads a CycloneDX XML document.
pub(crate) fn read_xml_document(bytes: &[u8], origin: &str) -> Result<Sbom, SbomError> {
    let root = crate::xml::parse(bytes, origin)?;
    if root.name != "bom" {
        return Err(SbomError::new(
            origin,
            Some(position::from_offset(bytes, root.offset)),
            format!(
                "not an SBOM: the XML root element is <{}>, and only CycloneDX (<bom>) is read \
                 as XML (SPDX RDF/XML is not supported)",
                root.name
            ),
        ));
    }
    Ok(read_xml(&root, bytes))
}

pub(crate) fn read_xml(bom: &Element, bytes: &[u8]) -> Sbom {
    let lines = LineIndex::new(bytes);
    let at = |element: &Element| Some(lines.position(element.offset));
    // The namespace may be the default one or bound to a prefix (`xmlns:bom="…"`).
    let spec_version = bom
        .attributes
        .iter()
        .find_map(|(_, ns)| ns.trim().strip_prefix("http://cyclonedx.org/schema/bom/"))
        .map(str::to_owned);
    let mut builder = Builder::new(SbomFormat::CycloneDxXml {
        spec_version: spec_version.clone().unwrap_or_else(|| "unknown".to_owned()),
    });
    check_version(&mut builder, spec_version.as_deref(), at(bom));

    let components: Vec<&Element> = bom.children("components").flat_map(|c| c.children("component")).collect();
    if let Some(product) = bom.child("metadata").and_then(|m| m.child("component")) {
        builder.set_name(product.child_text("name"));
        let listed = product.attribute("bom-ref").is_some_and(|id| {
            let mut ids = HashSet::new();
            collect_xml_refs(&components, &mut ids);
            ids.contains(id)
        });
        if !listed {
            xml_component(&mut builder, &lines, product, "metadata component", None);
        }
    }
    for component in &components {
        xml_component(&mut builder, &lines, component, "component", None);
    }
    for dependency in bom.children("dependencies").flat_map(|d| d.children("dependency")) {
        let Some(from) = dependency.attribute("ref") else {
            builder.diagnostic("dependency skipped: it has no ref", at(dependency));
            continue;
        };
        for to in dependency.children.iter().filter(|c| c.name == "dependency" || c.name == "provides") {
            match to.attribute("ref") {
                Some(to_ref) => builder.edge(End::Id(from.to_owned()), End::Id(to_ref.to_owned()), at(to)),
                None => builder.diagnostic("dependency skipped: it has no ref", at(to)),
            }
        }
    }
    builder.finish()
}

fn collect_xml_refs<'a>(components: &[&'a Element], ids: &mut HashSet<&'a str>) {
    for component in components {
        if let Some(id) = component.attribute("bom-ref") {
            ids.insert(id);
        }
        let nested: Vec<&Element> = component.children("components").flat_map(|c| c.children("component")).collect();
        collect_xml_refs(&nested, ids);
    }
}

fn xml_component(
    builder: &mut Builder,
    lines: &LineIndex<'_>,
    component: &Element,
    place: &str,
    parent: Option<usize>,
) {
    let entity_name = |name: &str| component.child(name).and_then(|e| e.child_text("name"));
    let supplier = entity_name("supplier")
        .or_else(|| entity_name("manufacturer"))
        .or_else(|| component.child_text("publisher"))
        .or_else(|| component.child_text("author"))
        .or_else(|| component.child("authors").and_then(|a| a.children("author").find_map(|e| e.child_text("name"))));
    let hashes = component
        .children("hashes")
        .flat_map(|h| h.children("hash"))
        .filter_map(|h| Some((h.attribute("alg")?.to_owned(), h.text.trim().to_owned())))
        .collect();
    let draft = Draft {
        id: component.attribute("bom-ref").map(str::to_owned),
        name: component.child_text("name"),
        version: component.child_text("version"),
        supplier,
        purl: component.child_text("purl"),
        cpes: component.child_text("cpe").into_iter().collect(),
        hashes,
        kind: component.attribute("type").map(str::to_owned),
        place: place.to_owned(),
        position: Some(lines.position(component.offset)),
    };
    let index = builder.push(draft);
    if let (Some(parent), Some(index)) = (parent, index) {
        builder.edge(End::Index(parent), End::Index(index), None);
    }
    for nested in component.children("components").flat_map(|c| c.children("component")) {
        xml_component(builder, lines, nested, "component", index);
    }
}
