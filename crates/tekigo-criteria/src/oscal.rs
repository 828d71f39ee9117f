//! OSCAL 1.2.3 export: a catalog per scheme, a profile per level, a mapping collection per mapping.
//!
//! Output is deterministic (UUIDs are derived from content names, dates from the scheme's
//! publication), so exporting twice gives the same bytes and a diff shows real changes.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::model::*;
use tekigo_base::Lang;

pub const OSCAL_VERSION: &str = "1.2.3";
/// Namespace of the properties tekigo adds to OSCAL documents.
pub const NS: &str = "urn:tekigo:oscal";

/// The control that states a level's known-vulnerability rule (SCHEME §2). It is no numbered
/// requirement of the scheme, but it is assessed at the level like one, so the catalog of a scheme
/// whose levels have the rule holds it (class `level-rule`, in its own group) and each such
/// level's profile selects it and sets its CVSS threshold, [`VULNERABILITY_RULE_PARAM`].
pub const VULNERABILITY_RULE_CONTROL: &str = "vulnerability-rule";
/// The parameter of [`VULNERABILITY_RULE_CONTROL`]: the CVSS v3 base score from which a known
/// exploitable vulnerability fails the level.
pub const VULNERABILITY_RULE_PARAM: &str = "vulnerability-rule_prm_cvss-min";

/// The assessment objective of a control in the exported catalog; each evaluation item an
/// assessment answers ([`Requirement::assessed_items`]) is a sub-objective, [`item_objective_id`].
pub fn objective_id(control_id: &str) -> String {
    format!("{control_id}_obj")
}

/// The sub-objective of one evaluation item.
pub fn item_objective_id(control_id: &str, item_id: &str) -> String {
    format!("{}.{}", objective_id(control_id), self::control_id(item_id).trim_start_matches("req-"))
}

/// A requirement of a declaration, named as the declaration names it (the bare ID, or
/// `SCHEME/ID` for a base scheme's requirement), as a control ID of the catalog that holds it.
pub fn result_control_id(result_id: &str) -> String {
    control_id(result_id.split_once('/').map_or(result_id, |(_, id)| id))
}

/// One exported document: its file name (relative to the output folder) and its JSON.
#[derive(Debug, Clone)]
pub struct Document {
    pub file_name: String,
    pub kind: DocumentKind,
    pub json: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Catalog,
    Profile,
    Mapping,
}

fn stable_uuid(name: &str) -> String {
    let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:tekigo:oscal");
    Uuid::new_v5(&namespace, name.as_bytes()).to_string()
}

/// An OSCAL token (XML NCName) for a requirement ID as printed: `S1.1-01` -> `s1.1-01`,
/// `I.2(a)` -> `i.2.a`, `5.1-1` -> `req-5.1-1`. The printed ID is kept in the `label` property.
pub fn control_id(requirement_id: &str) -> String {
    let mut id = String::new();
    for c in requirement_id.chars() {
        match c {
            'A'..='Z' => id.push(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' | '.' | '-' | '_' => id.push(c),
            '(' => id.push('.'),
            ')' => {}
            _ => id.push('_'),
        }
    }
    if !id.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') {
        id.insert_str(0, "req-");
    }
    id
}

/// The last-modified stamp OSCAL requires: the scheme's publication date, at midnight UTC.
fn timestamp(published: &str) -> String {
    let mut parts = published.split('-');
    let year = parts.next().unwrap_or("1970");
    let month = parts.next().unwrap_or("01");
    let day = parts.next().unwrap_or("01");
    format!("{year}-{month}-{day}T00:00:00Z")
}

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": value })
}

pub fn catalog_file_name(scheme: &str) -> String {
    format!("{scheme}.catalog.json")
}

/// Every document for the whole catalog.
pub fn export_all(catalog: &Catalog, lang: Lang) -> Vec<Document> {
    let mut documents = Vec::new();
    for scheme in &catalog.schemes {
        documents.push(export_catalog(scheme, lang));
        // A level set per product type is assessable only with one: a profile per product type
        // that has criteria at it, never the common part alone.
        documents.extend(
            scheme
                .levels
                .iter()
                .filter(|level| !level.per_product_type)
                .filter_map(|level| export_profile(scheme, level, lang)),
        );
        for level in scheme.levels.iter().filter(|level| level.per_product_type) {
            for profile in &scheme.profiles {
                if !profile.criteria.iter().any(|c| c.level == level.id) {
                    continue;
                }
                for product_type in &profile.product_types {
                    if let Ok(resolved) = scheme.level_for(&level.id, Some(product_type)) {
                        documents.extend(export_profile(scheme, &resolved, lang));
                    }
                }
            }
        }
        // A scheme without levels is assessed at its implicit level, so that level has a profile.
        if scheme.levels.is_empty() {
            documents.extend(export_profile(scheme, &scheme.implicit_level(), lang));
        }
    }
    for mapping in &catalog.mappings {
        if let Some(document) = export_mapping(catalog, mapping, lang) {
            documents.push(document);
        }
    }
    documents
}

pub fn export_catalog(scheme: &Scheme, lang: Lang) -> Document {
    let groups: Vec<Value> = scheme
        .categories
        .iter()
        .filter(|category| scheme.requirements.iter().any(|r| r.category == category.id))
        .map(|category| {
            let controls: Vec<Value> =
                scheme.requirements.iter().filter(|r| r.category == category.id).map(|r| control(r, lang)).collect();
            json!({
                "id": format!("grp-{}", control_id(&category.id).trim_start_matches("req-")),
                "title": category.title.get(lang),
                "props": [{ "name": "label", "value": category.id }],
                "controls": controls,
            })
        })
        .chain(has_vulnerability_rule(scheme).then(|| vulnerability_rule_group(lang)))
        .collect();
    let mut metadata = json!({
        "title": scheme.title.get(lang),
        "last-modified": timestamp(&scheme.published),
        "version": scheme.version,
        "oscal-version": OSCAL_VERSION,
        "props": [prop("scheme", &scheme.id), prop("language", lang.code())],
        "remarks": format!("{}: {}. {}", scheme.publisher.get(lang), scheme.source, match lang {
            Lang::En => "Titles, summaries and guidance are tekigo's own words; IDs and structure are the publisher's.",
            Lang::Ja => "タイトル、要約、ガイダンスはtekigoによる独自の記述であり、IDと構成は発行元のものである。",
        }),
    });
    if scheme.published.len() == 10 {
        metadata["published"] = json!(timestamp(&scheme.published));
    }
    let mut catalog = json!({
        "uuid": stable_uuid(&format!("catalog:{}:{}:{}", scheme.id, scheme.version, lang.code())),
        "metadata": metadata,
    });
    if !groups.is_empty() {
        catalog["groups"] = json!(groups);
    }
    Document {
        file_name: catalog_file_name(&scheme.id),
        kind: DocumentKind::Catalog,
        json: json!({ "catalog": catalog }),
    }
}

fn control(requirement: &Requirement, lang: Lang) -> Value {
    let id = control_id(&requirement.id);
    let mut props = vec![json!({ "name": "label", "value": requirement.id })];
    if let Some(status) = &requirement.status {
        props.push(prop("status", status));
    }
    for condition in &requirement.conditions {
        props.push(prop("condition", &condition.to_string()));
    }
    props.push(prop(
        "evaluation",
        match requirement.evaluation {
            Evaluation::Document => "document",
            Evaluation::Device => "device",
            Evaluation::Both => "both",
            Evaluation::BinaryAnalysis => "binary-analysis",
            Evaluation::PenetrationTest => "penetration-test",
        },
    ));
    for threat in &requirement.threats {
        props.push(prop("threat", threat));
    }
    for asset in &requirement.assets {
        props.push(prop("asset", asset));
    }
    let mut provenance = match &requirement.provenance {
        Provenance::Confirmed { source } => {
            json!({ "name": "provenance", "ns": NS, "value": "confirmed", "remarks": source })
        }
        Provenance::Provisional { note } => {
            json!({ "name": "provenance", "ns": NS, "value": "provisional", "remarks": note })
        }
    };
    provenance["class"] = json!("tekigo");
    props.push(provenance);
    for source in &requirement.derived_from {
        props.push(prop("derived-from", &source.to_string()));
    }

    let mut parts =
        vec![json!({ "id": format!("{id}_smt"), "name": "statement", "prose": requirement.summary.get(lang) })];
    // OSCAL's own part name for supporting text after the statement (as in NIST SP 800-53).
    if let Some(guidance) = &requirement.guidance {
        parts.push(json!({ "id": format!("{id}_gdn"), "name": "guidance", "prose": guidance.get(lang) }));
    }
    // One objective per evaluation item an assessment answers, so that every finding and
    // observation of an assessment has an objective to point at, also for a requirement the
    // scheme gives no items (its one implicit item is its summary).
    let objectives: Vec<Value> = requirement
        .assessed_items()
        .iter()
        .map(|item| {
            json!({
                "id": item_objective_id(&id, &item.id),
                "name": "assessment-objective",
                "props": item_props(item),
                "prose": item.text.get(lang),
            })
        })
        .collect();
    parts.push(json!({ "id": objective_id(&id), "name": "assessment-objective", "parts": objectives }));
    let methods: Vec<&str> = match requirement.evaluation {
        Evaluation::Document => vec!["EXAMINE"],
        Evaluation::Device | Evaluation::BinaryAnalysis | Evaluation::PenetrationTest => vec!["TEST"],
        Evaluation::Both => vec!["EXAMINE", "TEST"],
    };
    for method in methods {
        parts.push(json!({
            "id": format!("{id}_asm-{}", method.to_ascii_lowercase()),
            "name": "assessment-method",
            "props": [{ "name": "method", "value": method }],
        }));
    }
    json!({ "id": id, "class": "requirement", "title": requirement.title.get(lang), "props": props, "parts": parts })
}

fn has_vulnerability_rule(scheme: &Scheme) -> bool {
    scheme.levels.iter().any(|level| level.vulnerability_cvss_min.is_some())
}

/// The group holding [`VULNERABILITY_RULE_CONTROL`]; its threshold is a parameter that each
/// level's profile sets.
fn vulnerability_rule_group(lang: Lang) -> Value {
    let text = |en: &'static str, ja: &'static str| match lang {
        Lang::En => en,
        Lang::Ja => ja,
    };
    let id = VULNERABILITY_RULE_CONTROL;
    let insert = format!("{{{{ insert: param, {VULNERABILITY_RULE_PARAM} }}}}");
    let statement = match lang {
        Lang::En => format!(
            "When it is declared, the product has no known exploitable vulnerability whose CVSS v3 base score is \
             {insert} or higher, unless the vendor answers it (a fix, or a statement that the product is not affected)."
        ),
        Lang::Ja => format!(
            "宣言の時点で、CVSS v3 基本値が {insert} 以上の悪用可能な既知の脆弱性が製品にない\
             （製造事業者等が修正または影響を受けない旨の表明で対応したものを除く）。"
        ),
    };
    let objective = text(
        "No component of the product's SBOM matches a known exploitable vulnerability at or above the threshold.",
        "製品の SBOM のどのコンポーネントも、閾値以上の悪用可能な既知の脆弱性に該当しない。",
    );
    json!({
        "id": "grp-level-rules",
        "title": text("Rules of the levels", "レベルの規則"),
        "controls": [{
            "id": id,
            "class": "level-rule",
            "title": text("Known exploitable vulnerabilities", "悪用可能な既知の脆弱性"),
            "params": [{
                "id": VULNERABILITY_RULE_PARAM,
                "label": text("CVSS v3 base score", "CVSS v3 基本値"),
            }],
            "props": [prop("evaluation", "document")],
            "parts": [
                { "id": format!("{id}_smt"), "name": "statement", "prose": statement },
                { "id": objective_id(id), "name": "assessment-objective", "prose": objective },
                { "id": format!("{id}_asm-examine"), "name": "assessment-method", "props": [{ "name": "method", "value": "EXAMINE" }] },
            ],
        }],
    })
}

/// The label and OSCAL method of an objective; binary analysis and penetration tests, both
/// `TEST` to OSCAL, say which in tekigo's namespace.
fn item_props(item: &EvaluationItem) -> Value {
    let mut props = vec![
        json!({ "name": "label", "value": item.id }),
        json!({ "name": "method", "value": oscal_method(item.method) }),
    ];
    match item.method {
        Method::BinaryAnalysis => props.push(prop("evaluation-method", "binary-analysis")),
        Method::PenetrationTest => props.push(prop("evaluation-method", "penetration-test")),
        Method::Document | Method::Device => {}
    }
    json!(props)
}

/// OSCAL's assessment methods (SP 800-53A): a document review examines; device tests, binary
/// analysis and penetration tests all test.
pub fn oscal_method(method: Method) -> &'static str {
    match method {
        Method::Document => "EXAMINE",
        Method::Device | Method::BinaryAnalysis | Method::PenetrationTest => "TEST",
    }
}

/// `jc-star.profile.1.json`; a level resolved for a product type adds it:
/// `jc-star.profile.3.network-camera.json`.
pub fn profile_file_name(scheme: &str, level: &str, product_type: Option<&str>) -> String {
    let level = control_id(level);
    let level = level.trim_start_matches("req-");
    match product_type {
        Some(product_type) => {
            format!("{scheme}.profile.{level}.{}.json", control_id(product_type).trim_start_matches("req-"))
        }
        None => format!("{scheme}.profile.{level}.json"),
    }
}

/// A profile selecting the level's requirements from their catalogs; None for a level that has
/// no requirements yet (OSCAL cannot import nothing).
pub fn export_profile(scheme: &Scheme, level: &Level, lang: Lang) -> Option<Document> {
    if level.requirements.is_empty() {
        return None;
    }
    // One import per catalog the level draws on, in order of first use.
    let mut imports: Vec<(String, Vec<String>)> = Vec::new();
    for reference in &level.requirements {
        let id = control_id(&reference.id);
        match imports.iter_mut().find(|(scheme, _)| *scheme == reference.scheme) {
            Some((_, ids)) => ids.push(id),
            None => imports.push((reference.scheme.clone(), vec![id])),
        }
    }
    if level.vulnerability_cvss_min.is_some() {
        match imports.iter_mut().find(|(id, _)| *id == scheme.id) {
            Some((_, ids)) => ids.push(VULNERABILITY_RULE_CONTROL.to_owned()),
            None => imports.push((scheme.id.clone(), vec![VULNERABILITY_RULE_CONTROL.to_owned()])),
        }
    }
    let imports: Vec<Value> = imports
        .into_iter()
        .map(|(scheme, ids)| json!({ "href": format!("./{}", catalog_file_name(&scheme)), "include-controls": [{ "with-ids": ids }] }))
        .collect();
    let product_type = level.product_type.as_deref().map(|id| {
        scheme.product_types.iter().find(|t| t.id == id).map_or_else(|| id.to_owned(), |t| t.title.get(lang).to_owned())
    });
    let title = match &product_type {
        Some(product_type) => format!("{} {} ({product_type})", scheme.title.get(lang), level.name.get(lang)),
        None => format!("{} {}", scheme.title.get(lang), level.name.get(lang)),
    };
    let mut props =
        vec![prop("scheme", &scheme.id), prop("level", &level.id), prop("level-status", level.status.name())];
    if let Some(product_type) = &level.product_type {
        props.push(prop("product-type", product_type));
    }
    if let Some(cvss) = level.vulnerability_cvss_min {
        props.push(prop("vulnerability-cvss-min", &format!("{cvss:.1}")));
    }
    for threat in &level.threats {
        props.push(prop("threat", threat));
    }
    let mut profile = json!({
        "uuid": stable_uuid(&match &level.product_type {
            Some(product_type) => format!("profile:{}:{}:{}:{product_type}:{}", scheme.id, scheme.version, level.id, lang.code()),
            None => format!("profile:{}:{}:{}:{}", scheme.id, scheme.version, level.id, lang.code()),
        }),
        "metadata": {
            "title": title,
            "last-modified": timestamp(&scheme.published),
            "version": scheme.version,
            "oscal-version": OSCAL_VERSION,
            "props": props,
        },
        "merge": { "as-is": true },
    });
    let mut remarks: Vec<&str> = level.summary.iter().map(|summary| summary.get(lang)).collect();
    let notice = provisional_notice();
    if level.status == LevelStatus::Provisional {
        remarks.push(notice.get(lang));
    }
    if !remarks.is_empty() {
        profile["metadata"]["remarks"] = json!(remarks.join("\n\n"));
    }
    if let Some(cvss) = level.vulnerability_cvss_min {
        profile["modify"] = json!({
            "set-parameters": [{ "param-id": VULNERABILITY_RULE_PARAM, "values": [format!("{cvss:.1}")] }],
        });
    }
    profile["imports"] = json!(imports);
    Some(Document {
        file_name: profile_file_name(&scheme.id, &level.id, level.product_type.as_deref()),
        kind: DocumentKind::Profile,
        json: json!({ "profile": profile }),
    })
}

pub fn mapping_file_name(from: &str, to: &str) -> String {
    format!("mappings/{from}--{to}.mapping.json")
}

/// The mapping as published (not inverted). None when it has no entries (OSCAL needs one).
pub fn export_mapping(catalog: &Catalog, mapping: &Mapping, lang: Lang) -> Option<Document> {
    if mapping.entries.is_empty() {
        return None;
    }
    let name = format!("mapping:{}:{}", mapping.from, mapping.to);
    let maps: Vec<Value> = mapping
        .entries
        .iter()
        .map(|entry| {
            let mut props = vec![prop(
                "provenance",
                match entry.provenance {
                    MappingProvenance::Official => "official",
                    MappingProvenance::Derived => "derived",
                },
            )];
            if entry.deemed {
                props.push(prop("deemed", "true"));
            }
            let mut map = json!({
                "uuid": stable_uuid(&format!("{name}:{}:{}", entry.from, entry.to)),
                "matching-rationale": "semantic",
                "relationship": entry.relationship.oscal_name(),
                "sources": [{ "type": "control", "id-ref": control_id(&entry.from) }],
                "targets": [{ "type": "control", "id-ref": control_id(&entry.to) }],
                "props": props,
            });
            let remarks: Vec<&str> = [entry.source.as_deref(), entry.rationale.as_ref().map(|r| r.get(lang))]
                .into_iter()
                .flatten()
                .collect();
            if !remarks.is_empty() {
                map["remarks"] = json!(remarks.join("\n\n"));
            }
            map
        })
        .collect();
    let any_derived = mapping.entries.iter().any(|e| e.provenance == MappingProvenance::Derived);
    let published = catalog
        .scheme(&mapping.from)
        .ok()
        .into_iter()
        .chain(catalog.scheme(&mapping.to).ok())
        .map(|s| timestamp(&s.published))
        .max()
        .unwrap_or_else(|| timestamp("1970"));
    let collection = json!({
        "uuid": stable_uuid(&format!("{name}:{}", lang.code())),
        "metadata": {
            "title": mapping.title.get(lang),
            "last-modified": published,
            "version": "1",
            "oscal-version": OSCAL_VERSION,
        },
        "provenance": {
            "method": "human",
            "matching-rationale": "semantic",
            "status": if any_derived { "draft" } else { "complete" },
            "mapping-description": match lang {
                Lang::En => "Relationships are NIST OLIR/IR 8477 set relations read as 'source is <relationship> target'. Each map says whether it is official (published by a scheme owner) or derived by tekigo, with its source or rationale.",
                Lang::Ja => "関係はNIST OLIR／IR 8477の集合関係で「ソースはターゲットに対して<関係>」と読む。各対応には、公式（制度所有者の公表）かtekigoの判断かを示し、出典または根拠を付す。",
            },
        },
        "mappings": [{
            "uuid": stable_uuid(&format!("{name}:mapping")),
            "source-resource": { "type": "catalog", "href": format!("../{}", catalog_file_name(&mapping.from)) },
            "target-resource": { "type": "catalog", "href": format!("../{}", catalog_file_name(&mapping.to)) },
            "maps": maps,
        }],
    });
    Some(Document {
        file_name: mapping_file_name(&mapping.from, &mapping.to),
        kind: DocumentKind::Mapping,
        json: json!({ "mapping-collection": collection }),
    })
}
