//! VEX: statements by a vendor that a product is or is not affected by a vulnerability. Three
//! formats are read, by content: CycloneDX VEX, CSAF VEX (category `csaf_vex`, or any CSAF
//! advisory's `known_not_affected`), and OpenVEX.
//!
//! A VEX statement takes a finding out of the level's rule, so what cannot be trusted is refused
//! rather than read: a CSAF document that fails a mandatory test of CSAF 2.0 §6.1 (by the test's
//! number), and statements that contradict each other — one product both affected and not
//! affected (or fixed) by one vulnerability, within a document or across documents.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ImportError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

/// One statement: a vulnerability, the products it speaks of (purls, bom-refs or CPEs), the status.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VexStatement {
    pub vulnerability: String,
    pub products: Vec<String>,
    pub status: VexStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The document it came from.
    pub source: String,
}

/// Reads one VEX document, refusing an invalid CSAF document and statements that contradict each
/// other (see the module comment). Statements from several documents are checked together by
/// [`check_consistent`].
pub fn read(bytes: &[u8], origin: &str) -> Result<Vec<VexStatement>, ImportError> {
    let document: Value = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
    let statements = if document.get("statements").is_some() && document.get("@context").is_some() {
        openvex(&document, origin)
    } else if document.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        cyclonedx(&document, origin)
    } else if document.get("document").and_then(|d| d.get("csaf_version")).is_some() {
        let problems = tekigo_csaf::mandatory_tests(&document);
        if !problems.is_empty() {
            let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
            return Err(ImportError::input(
                origin,
                format!(
                    "not a valid CSAF document, refused as VEX: it fails the mandatory test{} of CSAF 2.0 §6.1: {}",
                    if problems.len() == 1 { "" } else { "s" },
                    listed.join("; ")
                ),
            ));
        }
        csaf(&document, origin)
    } else {
        return Err(ImportError::input(origin, "not a VEX document: expected CycloneDX VEX, CSAF VEX or OpenVEX JSON"));
    };
    check_consistent(&statements)?;
    Ok(statements)
}

/// Reads several VEX documents and checks their statements against each other.
pub fn read_all(documents: &[(Vec<u8>, String)]) -> Result<Vec<VexStatement>, ImportError> {
    let mut statements = Vec::new();
    for (bytes, origin) in documents {
        statements.extend(read(bytes, origin)?);
    }
    check_consistent(&statements)?;
    Ok(statements)
}

/// Whether two statuses cannot both hold for one product: affected against not affected or fixed.
/// (Under investigation is a step before either, not a contradiction of them.)
fn contradicts(a: VexStatus, b: VexStatus) -> bool {
    use VexStatus::{Affected, Fixed, NotAffected};
    matches!((a, b), (Affected, NotAffected | Fixed) | (NotAffected | Fixed, Affected))
}

fn without_qualifiers(product: &str) -> &str {
    product.split(['?', '#']).next().unwrap_or(product)
}

/// Whether two product names of statements name a common product: the same name, or a purl
/// without a version and a versioned purl of the same package. Names that are not purls or CPEs
/// (a bom-ref, a CSAF product ID) mean something only inside their own document.
fn same_product(a: &str, a_source: &str, b: &str, b_source: &str) -> bool {
    let global = |p: &str| p.starts_with("pkg:") || p.starts_with("cpe:");
    if !(a_source == b_source || (global(a) && global(b))) {
        return false;
    }
    let (a, b) = (without_qualifiers(a), without_qualifiers(b));
    if a == b {
        return true;
    }
    let base = |p: &str| p.rsplit_once('@').map_or(p.to_owned(), |(base, _)| base.to_owned());
    a.starts_with("pkg:") && ((!a.contains('@') && base(b) == a) || (!b.contains('@') && base(a) == b))
}

/// Refuses statements that say one product is both affected and not affected (or fixed) by one
/// vulnerability, naming both.
pub fn check_consistent(statements: &[VexStatement]) -> Result<(), ImportError> {
    for (i, first) in statements.iter().enumerate() {
        for second in &statements[i + 1..] {
            if !contradicts(first.status, second.status)
                || !first.vulnerability.trim().eq_ignore_ascii_case(second.vulnerability.trim())
            {
                continue;
            }
            let shared = first.products.iter().find_map(|p| {
                second.products.iter().find(|q| same_product(p, &first.source, q, &second.source)).map(|q| (p, q))
            });
            if let Some((p, q)) = shared {
                let product = if p == q { format!("`{p}`") } else { format!("`{p}` and `{q}`") };
                return Err(ImportError::input(
                    &first.source,
                    format!(
                        "contradictory VEX statements for {} on {product}: {} says {}, {} says {}; correct or remove one of them",
                        first.vulnerability,
                        first.source,
                        status_name(first.status),
                        second.source,
                        status_name(second.status)
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn status_name(status: VexStatus) -> &'static str {
    match status {
        VexStatus::NotAffected => "not_affected",
        VexStatus::Affected => "affected",
        VexStatus::Fixed => "fixed",
        VexStatus::UnderInvestigation => "under_investigation",
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn openvex(document: &Value, origin: &str) -> Vec<VexStatement> {
    let mut statements = Vec::new();
    for statement in document["statements"].as_array().into_iter().flatten() {
        let vulnerability = statement.get("vulnerability").and_then(|v| {
            if v.is_string() { v.as_str().map(str::to_owned) } else { text(v, "name").or_else(|| text(v, "@id")) }
        });
        let Some(vulnerability) = vulnerability else { continue };
        let status = match statement.get("status").and_then(Value::as_str) {
            Some("not_affected") => VexStatus::NotAffected,
            Some("affected") => VexStatus::Affected,
            Some("fixed") => VexStatus::Fixed,
            Some("under_investigation") => VexStatus::UnderInvestigation,
            _ => continue,
        };
        let mut products = Vec::new();
        for product in statement.get("products").and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = product.as_str().map(str::to_owned).or_else(|| text(product, "@id")) {
                products.push(id);
            }
            for sub in product.get("subcomponents").and_then(Value::as_array).into_iter().flatten() {
                if let Some(id) = sub.as_str().map(str::to_owned).or_else(|| text(sub, "@id")) {
                    products.push(id);
                }
            }
            if let Some(purl) = product.get("identifiers").and_then(|i| text(i, "purl")) {
                products.push(purl);
            }
        }
        statements.push(VexStatement {
            vulnerability,
            products,
            status,
            justification: text(statement, "justification"),
            detail: text(statement, "impact_statement").or_else(|| text(statement, "status_notes")),
            source: origin.to_owned(),
        });
    }
    statements
}

fn cyclonedx(document: &Value, origin: &str) -> Vec<VexStatement> {
    // A ref may name a component of the VEX document itself: also match by that component's purl.
    let mut purls: HashMap<String, String> = HashMap::new();
    collect_cdx_purls(document.get("components"), &mut purls);
    let mut statements = Vec::new();
    for vulnerability in document.get("vulnerabilities").and_then(Value::as_array).into_iter().flatten() {
        let Some(id) = text(vulnerability, "id") else { continue };
        let analysis = vulnerability.get("analysis");
        let status = match analysis.and_then(|a| a.get("state")).and_then(Value::as_str) {
            Some("not_affected" | "false_positive") => VexStatus::NotAffected,
            Some("resolved" | "resolved_with_pedigree") => VexStatus::Fixed,
            Some("exploitable") => VexStatus::Affected,
            Some("in_triage") => VexStatus::UnderInvestigation,
            _ => continue,
        };
        let mut products = Vec::new();
        for affects in vulnerability.get("affects").and_then(Value::as_array).into_iter().flatten() {
            let Some(reference) = text(affects, "ref") else { continue };
            // `urn:cdx:serial/version#bom-ref` points into another BOM: the part after `#` is the ref.
            let local = reference.rsplit_once('#').map_or(reference.clone(), |(_, r)| r.to_owned());
            if let Some(purl) = purls.get(&local) {
                products.push(purl.clone());
            }
            products.push(local);
        }
        statements.push(VexStatement {
            vulnerability: id,
            products,
            status,
            justification: analysis.and_then(|a| text(a, "justification")),
            detail: analysis.and_then(|a| text(a, "detail")),
            source: origin.to_owned(),
        });
    }
    statements
}

fn collect_cdx_purls(components: Option<&Value>, out: &mut HashMap<String, String>) {
    for component in components.and_then(Value::as_array).into_iter().flatten() {
        if let (Some(reference), Some(purl)) = (text(component, "bom-ref"), text(component, "purl")) {
            out.insert(reference, purl);
        }
        collect_cdx_purls(component.get("components"), out);
    }
}

fn csaf(document: &Value, origin: &str) -> Vec<VexStatement> {
    let mut identifiers: HashMap<String, Vec<String>> = HashMap::new();
    collect_csaf_products(document.get("product_tree"), &mut identifiers);
    let mut statements = Vec::new();
    for vulnerability in document.get("vulnerabilities").and_then(Value::as_array).into_iter().flatten() {
        let Some(id) = text(vulnerability, "cve").or_else(|| {
            vulnerability.get("ids").and_then(Value::as_array).and_then(|ids| ids.first()).and_then(|i| text(i, "text"))
        }) else {
            continue;
        };
        let justification = |product: &str| -> Option<String> {
            vulnerability.get("flags").and_then(Value::as_array).into_iter().flatten().find_map(|flag| {
                let applies = flag
                    .get("product_ids")
                    .and_then(Value::as_array)
                    .is_none_or(|ids| ids.iter().any(|i| i.as_str() == Some(product)));
                if applies { text(flag, "label") } else { None }
            })
        };
        let statuses = [
            ("known_not_affected", VexStatus::NotAffected),
            ("fixed", VexStatus::Fixed),
            ("first_fixed", VexStatus::Fixed),
            ("known_affected", VexStatus::Affected),
            ("under_investigation", VexStatus::UnderInvestigation),
        ];
        for (key, status) in statuses {
            for product in vulnerability
                .get("product_status")
                .and_then(|s| s.get(key))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(product) = product.as_str() else { continue };
                let mut products = vec![product.to_owned()];
                products.extend(identifiers.get(product).cloned().unwrap_or_default());
                statements.push(VexStatement {
                    vulnerability: id.clone(),
                    products,
                    status,
                    justification: justification(product),
                    detail: None,
                    source: origin.to_owned(),
                });
            }
        }
    }
    statements
}

fn collect_csaf_products(tree: Option<&Value>, out: &mut HashMap<String, Vec<String>>) {
    match tree {
        Some(Value::Object(map)) => {
            if let Some(Value::String(id)) = map.get("product_id") {
                let helper = map.get("product_identification_helper");
                for key in ["purl", "cpe"] {
                    if let Some(value) = helper.and_then(|h| text(h, key)) {
                        out.entry(id.clone()).or_default().push(value);
                    }
                }
            }
            for value in map.values() {
                collect_csaf_products(Some(value), out);
            }
        }
        Some(Value::Array(items)) => items.iter().for_each(|v| collect_csaf_products(Some(v), out)),
        _ => {}
    }
}

/// Whether a statement's product names a component: the same bom-ref, CPE or purl (a purl
/// without a version names every version; qualifiers are ignored).
pub fn names_component(product: &str, id: &str, purl: Option<&str>, cpes: &[String]) -> bool {
    if product == id || cpes.iter().any(|c| c == product) {
        return true;
    }
    let Some(purl) = purl else { return false };
    let strip = |p: &str| p.split(['?', '#']).next().unwrap_or(p).to_owned();
    let (product, purl) = (strip(product), strip(purl));
    if product == purl {
        return true;
    }
    let base = |p: &str| p.rsplit_once('@').map_or(p.to_owned(), |(b, _)| b.to_owned());
    !product.contains('@') && base(&purl) == product
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_matching_ignores_qualifiers_and_may_omit_the_version() {
        let purl = Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar");
        assert!(names_component(
            "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar",
            "x",
            purl,
            &[]
        ));
        assert!(names_component("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0", "x", purl, &[]));
        assert!(names_component("pkg:maven/com.fasterxml.jackson.core/jackson-databind", "x", purl, &[]));
        assert!(!names_component("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.0", "x", purl, &[]));
        assert!(names_component("comp-1", "comp-1", None, &[]));
    }

    #[test]
    fn reads_the_three_formats() {
        let cdx = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","vulnerabilities":[{"id":"CVE-1","analysis":{"state":"not_affected","justification":"code_not_reachable"},"affects":[{"ref":"urn:cdx:abc/1#pkg:npm/a@1"}]}]}"#;
        let s = read(cdx, "cdx.json").unwrap();
        assert_eq!(
            (s[0].status, s[0].products[0].as_str(), s[0].justification.as_deref()),
            (VexStatus::NotAffected, "pkg:npm/a@1", Some("code_not_reachable"))
        );
        let open = br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[{"vulnerability":{"name":"CVE-2"},"products":[{"@id":"pkg:golang/x@v1"}],"status":"not_affected","justification":"vulnerable_code_not_in_execute_path"}]}"#;
        let s = read(open, "o.json").unwrap();
        assert_eq!((s[0].vulnerability.as_str(), s[0].products[0].as_str()), ("CVE-2", "pkg:golang/x@v1"));
        let csaf = br#"{"document":{"csaf_version":"2.0","category":"csaf_vex"},"product_tree":{"full_product_names":[{"product_id":"P1","name":"p","product_identification_helper":{"purl":"pkg:npm/b@2"}}]},"vulnerabilities":[{"cve":"CVE-3","notes":[{"category":"description","text":"t"}],"product_status":{"known_not_affected":["P1"]},"flags":[{"label":"vulnerable_code_not_present","product_ids":["P1"]}]}]}"#;
        let s = read(csaf, "c.json").unwrap();
        assert_eq!(
            (s[0].status, s[0].products.clone(), s[0].justification.as_deref()),
            (
                VexStatus::NotAffected,
                vec!["P1".to_owned(), "pkg:npm/b@2".to_owned()],
                Some("vulnerable_code_not_present")
            )
        );
        assert!(read(b"{}", "x.json").is_err());
    }
}
