//! The mandatory tests of CSAF 2.0 §6.1, over any document given as JSON.
//!
//! Why this file is long: one function per mandatory test of CSAF 2.0 §6.1, in the specification's
//! order, so each can be read against its section.
//!
//! Each test is one function named after its section, reading the document defensively: what the
//! schema already rules out (a wrong type, a missing required field) is skipped here, not reported
//! twice. Run [`crate::validate_schema`] too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::str::FromStr;

use jiff::Timestamp;
use serde_json::{Map, Value};

use crate::Problem;
use crate::schema::{CVSS_V2_VALIDATOR, CVSS_V30_VALIDATOR, CVSS_V31_VALIDATOR, errors};

/// Every test of §6.1 with its title; the ones in [`NOT_IMPLEMENTED`] are listed but never run.
const TESTS: &[(&str, &str)] = &[
    ("schema", "JSON schema"),
    ("6.1.1", "missing definition of product id"),
    ("6.1.2", "multiple definition of product id"),
    ("6.1.3", "circular definition of product id"),
    ("6.1.4", "missing definition of product group id"),
    ("6.1.5", "multiple definition of product group id"),
    ("6.1.6", "contradicting product status"),
    ("6.1.7", "multiple scores with same version per product"),
    ("6.1.8", "invalid CVSS"),
    ("6.1.9", "invalid CVSS computation"),
    ("6.1.10", "inconsistent CVSS"),
    ("6.1.11", "CWE"),
    ("6.1.12", "language"),
    ("6.1.13", "purl"),
    ("6.1.14", "sorted revision history"),
    ("6.1.15", "translator"),
    ("6.1.16", "latest document version"),
    ("6.1.17", "document status draft"),
    ("6.1.18", "released revision history"),
    ("6.1.19", "revision history entries for pre-release versions"),
    ("6.1.20", "non-draft document version"),
    ("6.1.21", "missing item in revision history"),
    ("6.1.22", "multiple definition in revision history"),
    ("6.1.23", "multiple use of same CVE"),
    ("6.1.24", "multiple definition in involvements"),
    ("6.1.25", "multiple use of same hash algorithm"),
    ("6.1.26", "prohibited document category name"),
    ("6.1.27.1", "document notes"),
    ("6.1.27.2", "document references"),
    ("6.1.27.3", "vulnerabilities"),
    ("6.1.27.4", "product tree"),
    ("6.1.27.5", "vulnerability notes"),
    ("6.1.27.6", "product status"),
    ("6.1.27.7", "VEX product status"),
    ("6.1.27.8", "vulnerability id"),
    ("6.1.27.9", "impact statement"),
    ("6.1.27.10", "action statement"),
    ("6.1.27.11", "vulnerabilities"),
    ("6.1.28", "translation"),
    ("6.1.29", "remediation without product reference"),
    ("6.1.30", "mixed integer and semantic versioning"),
    ("6.1.31", "version range in product version"),
    ("6.1.32", "flag without product reference"),
    ("6.1.33", "multiple flags with VEX justification codes per product"),
];

/// The mandatory tests this crate does not run, and why.
///
/// - 6.1.11 (CWE): whether a CWE exists, and under that name, needs MITRE's CWE catalogue, which
///   is not available offline; tekigo never emits a `cwe`.
pub const NOT_IMPLEMENTED: &[&str] = &["6.1.11"];

pub(crate) fn title(test: &str) -> &'static str {
    TESTS.iter().find(|(number, _)| *number == test).map_or("", |(_, title)| title)
}

/// The mandatory tests of CSAF 2.0 §6.1 that fail on `document`, all but [`NOT_IMPLEMENTED`];
/// empty when it passes them all. Profile tests (§6.1.27) run for the profile the document's
/// category names.
pub fn mandatory_tests(document: &Value) -> Vec<Problem> {
    let doc = Doc::new(document);
    let mut out = Vec::new();
    let tests: &[fn(&Doc<'_>, &mut Vec<Problem>)] = &[
        t6_1_1, t6_1_2, t6_1_3, t6_1_4, t6_1_5, t6_1_6, t6_1_7, t6_1_8, t6_1_9, t6_1_10, t6_1_12, t6_1_13, t6_1_14,
        t6_1_15, t6_1_16, t6_1_17, t6_1_18, t6_1_19, t6_1_20, t6_1_21, t6_1_22, t6_1_23, t6_1_24, t6_1_25, t6_1_26,
        t6_1_27, t6_1_28, t6_1_29, t6_1_30, t6_1_31, t6_1_32, t6_1_33,
    ];
    for test in tests {
        test(&doc, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Reading the document.

fn problem(test: &'static str, path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { test, path: path.into(), message: message.into() }
}

fn items(value: Option<&Value>) -> impl Iterator<Item = (usize, &Value)> {
    value.and_then(Value::as_array).into_iter().flatten().enumerate()
}

fn strings(value: Option<&Value>) -> impl Iterator<Item = (usize, &str)> {
    items(value).filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// A full product name definition: where it is and its product id.
struct Definition<'a> {
    path: String,
    product: &'a Value,
}

struct Doc<'a> {
    root: &'a Value,
    category: &'a str,
    definitions: Vec<Definition<'a>>,
    /// Branch nodes with their paths, depth first.
    branches: Vec<(String, &'a Value)>,
    groups: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Doc<'a> {
    fn new(root: &'a Value) -> Self {
        let tree = root.get("product_tree");
        // Depth first, in document order, with a list of branches still to visit rather than
        // recursion: however the document was parsed, its depth cannot overflow the stack.
        let mut branches = Vec::new();
        let children = |list: Option<&'a Value>, path: &str| -> Vec<(String, &'a Value)> {
            let mut children: Vec<_> =
                items(list).map(|(i, branch)| (format!("{path}/branches/{i}"), branch)).collect();
            // Popped from the end: the first child is visited first.
            children.reverse();
            children
        };
        let mut to_visit = children(tree.and_then(|t| t.get("branches")), "/product_tree");
        while let Some((here, branch)) = to_visit.pop() {
            to_visit.extend(children(branch.get("branches"), &here));
            branches.push((here, branch));
        }
        let mut definitions = Vec::new();
        for (path, branch) in &branches {
            if let Some(product) = branch.get("product") {
                definitions.push(Definition { path: format!("{path}/product"), product });
            }
        }
        for (i, product) in items(tree.and_then(|t| t.get("full_product_names"))) {
            definitions.push(Definition { path: format!("/product_tree/full_product_names/{i}"), product });
        }
        for (i, relationship) in items(tree.and_then(|t| t.get("relationships"))) {
            if let Some(product) = relationship.get("full_product_name") {
                definitions
                    .push(Definition { path: format!("/product_tree/relationships/{i}/full_product_name"), product });
            }
        }
        let mut groups: HashMap<&str, Vec<&str>> = HashMap::new();
        for (_, group) in items(tree.and_then(|t| t.get("product_groups"))) {
            if let Some(id) = text(group, "group_id") {
                groups.entry(id).or_default().extend(strings(group.get("product_ids")).map(|(_, s)| s));
            }
        }
        let category = root.pointer("/document/category").and_then(Value::as_str).unwrap_or_default();
        Doc { root, category, definitions, branches, groups }
    }

    fn vulnerabilities(&self) -> impl Iterator<Item = (usize, &'a Value)> {
        items(self.root.get("vulnerabilities"))
    }

    fn tracking(&self) -> Option<&'a Value> {
        self.root.pointer("/document/tracking")
    }

    fn status(&self) -> Option<&'a str> {
        self.tracking().and_then(|t| text(t, "status"))
    }

    /// Products an item names directly (`product_ids`, or `products` for scores) and through its
    /// `group_ids`.
    fn products_of(&self, item: &'a Value, key: &str) -> BTreeSet<&'a str> {
        let mut out: BTreeSet<&str> = strings(item.get(key)).map(|(_, s)| s).collect();
        for (_, group) in strings(item.get("group_ids")) {
            out.extend(self.groups.get(group).into_iter().flatten().copied());
        }
        out
    }
}

/// The product id lists of `product_status`, in the standard's order.
const STATUSES: [&str; 8] = [
    "first_affected",
    "first_fixed",
    "fixed",
    "known_affected",
    "known_not_affected",
    "last_affected",
    "recommended",
    "under_investigation",
];

// ---------------------------------------------------------------------------------------------
// Products and groups.

/// Every place a product id refers to a defined product, with its JSON pointer.
fn product_references<'a>(doc: &Doc<'a>) -> Vec<(String, &'a str)> {
    let mut out = Vec::new();
    let tree = doc.root.get("product_tree");
    for (g, group) in items(tree.and_then(|t| t.get("product_groups"))) {
        for (i, id) in strings(group.get("product_ids")) {
            out.push((format!("/product_tree/product_groups/{g}/product_ids/{i}"), id));
        }
    }
    for (r, relationship) in items(tree.and_then(|t| t.get("relationships"))) {
        for key in ["product_reference", "relates_to_product_reference"] {
            if let Some(id) = text(relationship, key) {
                out.push((format!("/product_tree/relationships/{r}/{key}"), id));
            }
        }
    }
    for (v, vulnerability) in doc.vulnerabilities() {
        let status = vulnerability.get("product_status");
        for key in STATUSES {
            for (i, id) in strings(status.and_then(|s| s.get(key))) {
                out.push((format!("/vulnerabilities/{v}/product_status/{key}/{i}"), id));
            }
        }
        // Flags' `product_ids` are of the same type (`products_t`), so the rule covers them too,
        // although §6.1.1's list of paths leaves them out.
        for (list, key) in [
            ("remediations", "product_ids"),
            ("scores", "products"),
            ("threats", "product_ids"),
            ("flags", "product_ids"),
        ] {
            for (n, item) in items(vulnerability.get(list)) {
                for (i, id) in strings(item.get(key)) {
                    out.push((format!("/vulnerabilities/{v}/{list}/{n}/{key}/{i}"), id));
                }
            }
        }
    }
    out
}

// CSAF 2.0 §6.1.1
fn t6_1_1(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let defined: HashSet<&str> = doc.definitions.iter().filter_map(|d| text(d.product, "product_id")).collect();
    for (path, id) in product_references(doc) {
        if !defined.contains(id) {
            out.push(problem("6.1.1", path, format!("{id:?} is not defined in the product tree")));
        }
    }
}

// CSAF 2.0 §6.1.2
fn t6_1_2(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for definition in &doc.definitions {
        if let Some(id) = text(definition.product, "product_id") {
            if let Some(first) = seen.get(id) {
                out.push(problem(
                    "6.1.2",
                    format!("{}/product_id", definition.path),
                    format!("{id:?} is already defined at {first}"),
                ));
            } else {
                seen.insert(id, &definition.path);
            }
        }
    }
}

// CSAF 2.0 §6.1.3
fn t6_1_3(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    // A relationship defines a product out of two others; following those edges must never lead
    // back to the product being defined.
    let relationships: Vec<(usize, &str, Vec<&str>)> = items(doc.root.pointer("/product_tree/relationships"))
        .filter_map(|(i, r)| {
            let id = r.pointer("/full_product_name/product_id").and_then(Value::as_str)?;
            let parts =
                ["product_reference", "relates_to_product_reference"].iter().filter_map(|k| text(r, k)).collect();
            Some((i, id, parts))
        })
        .collect();
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for (_, id, parts) in &relationships {
        edges.entry(id).or_default().extend(parts);
    }
    for (i, id, _) in &relationships {
        let mut stack: Vec<&str> = edges.get(id).cloned().unwrap_or_default();
        let mut seen = HashSet::new();
        while let Some(next) = stack.pop() {
            if next == *id {
                out.push(problem(
                    "6.1.3",
                    format!("/product_tree/relationships/{i}/full_product_name/product_id"),
                    format!("{id:?} is defined through itself"),
                ));
                break;
            }
            if seen.insert(next) {
                stack.extend(edges.get(next).into_iter().flatten());
            }
        }
    }
}

// CSAF 2.0 §6.1.4
fn t6_1_4(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for (v, vulnerability) in doc.vulnerabilities() {
        // Flags' `group_ids` share the type the rule names, so they are checked as well.
        for list in ["remediations", "threats", "flags"] {
            for (n, item) in items(vulnerability.get(list)) {
                for (i, id) in strings(item.get("group_ids")) {
                    if !doc.groups.contains_key(id) {
                        out.push(problem(
                            "6.1.4",
                            format!("/vulnerabilities/{v}/{list}/{n}/group_ids/{i}"),
                            format!("{id:?} is not defined in the product tree"),
                        ));
                    }
                }
            }
        }
    }
}

// CSAF 2.0 §6.1.5
fn t6_1_5(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (i, group) in items(doc.root.pointer("/product_tree/product_groups")) {
        if let Some(id) = text(group, "group_id")
            && !seen.insert(id)
        {
            out.push(problem(
                "6.1.5",
                format!("/product_tree/product_groups/{i}/group_id"),
                format!("{id:?} is defined more than once"),
            ));
        }
    }
}

// CSAF 2.0 §6.1.6
fn t6_1_6(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    // `recommended` may hold a product of any group, so it takes part in no contradiction.
    const GROUPS: [(&str, &[&str]); 4] = [
        ("affected", &["first_affected", "known_affected", "last_affected"]),
        ("not affected", &["known_not_affected"]),
        ("fixed", &["first_fixed", "fixed"]),
        ("under investigation", &["under_investigation"]),
    ];
    for (v, vulnerability) in doc.vulnerabilities() {
        let status = vulnerability.get("product_status");
        let mut member: BTreeMap<&str, &str> = BTreeMap::new();
        for (group, keys) in GROUPS {
            let mut in_group = BTreeSet::new();
            for key in keys {
                for (i, id) in strings(status.and_then(|s| s.get(*key))) {
                    if !in_group.insert(id) {
                        continue;
                    }
                    match member.get(id) {
                        Some(other) => out.push(problem(
                            "6.1.6",
                            format!("/vulnerabilities/{v}/product_status/{key}/{i}"),
                            format!("{id:?} is both {other} and {group}"),
                        )),
                        None => {
                            member.insert(id, group);
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scores.

/// Each CVSS object of each vulnerability: (pointer, key `cvss_v2`/`cvss_v3`, object).
fn cvss_objects<'a>(doc: &Doc<'a>) -> Vec<(String, &'static str, &'a Map<String, Value>)> {
    let mut out = Vec::new();
    for (v, vulnerability) in doc.vulnerabilities() {
        for (s, score) in items(vulnerability.get("scores")) {
            for key in ["cvss_v2", "cvss_v3"] {
                if let Some(object) = score.get(key).and_then(Value::as_object) {
                    out.push((format!("/vulnerabilities/{v}/scores/{s}/{key}"), key, object));
                }
            }
        }
    }
    out
}

// CSAF 2.0 §6.1.7
fn t6_1_7(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for (v, vulnerability) in doc.vulnerabilities() {
        let mut seen: HashSet<(&str, &str)> = HashSet::new();
        for (s, score) in items(vulnerability.get("scores")) {
            for key in ["cvss_v2", "cvss_v3"] {
                let Some(version) = score.get(key).and_then(|c| text(c, "version")) else { continue };
                for (i, id) in strings(score.get("products")) {
                    if !seen.insert((id, version)) {
                        out.push(problem(
                            "6.1.7",
                            format!("/vulnerabilities/{v}/scores/{s}/products/{i}"),
                            format!("{id:?} has more than one CVSS v{version} score"),
                        ));
                    }
                }
            }
        }
    }
}

enum Parsed {
    V2(cvss::v2::Vector),
    V3(cvss::v3::Vector),
}

fn parse_cvss(key: &str, object: &Map<String, Value>) -> Option<Parsed> {
    let vector = object.get("vectorString")?.as_str()?;
    match key {
        "cvss_v2" => cvss::v2::Vector::from_str(vector).ok().map(Parsed::V2),
        _ => cvss::v3::Vector::from_str(vector).ok().map(Parsed::V3),
    }
}

// CSAF 2.0 §6.1.8
fn t6_1_8(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for (path, key, object) in cvss_objects(doc) {
        let value = Value::Object(object.clone());
        // The object must be valid against the schema of the version it claims; the CSAF schema's
        // `oneOf` alone would let a 3.1 vector pass under `"version": "3.0"`.
        let validator = match (key, object.get("version").and_then(Value::as_str)) {
            ("cvss_v2", _) => &*CVSS_V2_VALIDATOR,
            (_, Some("3.0")) => &*CVSS_V30_VALIDATOR,
            (_, Some("3.1")) => &*CVSS_V31_VALIDATOR,
            (_, other) => {
                out.push(problem("6.1.8", format!("{path}/version"), format!("{other:?} is not a CVSS v3 version")));
                continue;
            }
        };
        let before = out.len();
        out.extend(errors(validator, &value, &path, "6.1.8"));
        if out.len() == before && parse_cvss(key, object).is_none() {
            out.push(problem("6.1.8", format!("{path}/vectorString"), "the vector does not parse"));
        }
    }
}

/// CVSS scores are given with one decimal; compare them as such.
fn same_score(stated: f64, computed: f64) -> bool {
    (stated * 10.0).round() == (computed * 10.0).round()
}

// CSAF 2.0 §6.1.9
fn t6_1_9(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for (path, key, object) in cvss_objects(doc) {
        // The vector decides (§6.1.9: it takes precedence); values that contradict it are wrong.
        let mut scores: Vec<(&str, f64)> = Vec::new();
        let mut severities: Vec<(&str, &str)> = Vec::new();
        match parse_cvss(key, object) {
            Some(Parsed::V3(vector)) => {
                let base = vector.base_score();
                scores.push(("baseScore", base.value()));
                severities.push(("baseSeverity", base.severity().as_str()));
                let temporal = vector.temporal_score();
                scores.push(("temporalScore", temporal.value()));
                severities.push(("temporalSeverity", temporal.severity().as_str()));
                let environmental = vector.environmental_score();
                scores.push(("environmentalScore", environmental.value()));
                severities.push(("environmentalSeverity", environmental.severity().as_str()));
            }
            Some(Parsed::V2(vector)) => {
                scores.push(("baseScore", vector.score().value()));
                scores.push(("temporalScore", vector.temporal_score().value()));
                scores.push(("environmentalScore", vector.environmental_score().value()));
            }
            None => continue,
        }
        for (name, computed) in scores {
            if let Some(stated) = object.get(name).and_then(Value::as_f64)
                && !same_score(stated, computed)
            {
                out.push(problem(
                    "6.1.9",
                    format!("{path}/{name}"),
                    format!("is {stated}, the vector gives {computed:.1}"),
                ));
            }
        }
        for (name, computed) in severities {
            if let Some(stated) = object.get(name).and_then(Value::as_str)
                && !stated.eq_ignore_ascii_case(computed)
            {
                out.push(problem(
                    "6.1.9",
                    format!("{path}/{name}"),
                    format!("is {stated}, the vector gives {}", computed.to_ascii_uppercase()),
                ));
            }
        }
    }
}

/// CVSS v3 properties named by the FIRST schema: (vector abbreviation, property, value per letter).
/// A CVSS property: its vector abbreviation, its JSON name, and the value for each vector letter.
type Property = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

const V3_PROPERTIES: &[Property] = &[
    ("AV", "attackVector", &[("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL"), ("P", "PHYSICAL")]),
    ("AC", "attackComplexity", &[("L", "LOW"), ("H", "HIGH")]),
    ("PR", "privilegesRequired", &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")]),
    ("UI", "userInteraction", &[("N", "NONE"), ("R", "REQUIRED")]),
    ("S", "scope", &[("U", "UNCHANGED"), ("C", "CHANGED")]),
    ("C", "confidentialityImpact", CIA),
    ("I", "integrityImpact", CIA),
    ("A", "availabilityImpact", CIA),
    (
        "E",
        "exploitCodeMaturity",
        &[("X", "NOT_DEFINED"), ("U", "UNPROVEN"), ("P", "PROOF_OF_CONCEPT"), ("F", "FUNCTIONAL"), ("H", "HIGH")],
    ),
    (
        "RL",
        "remediationLevel",
        &[
            ("X", "NOT_DEFINED"),
            ("O", "OFFICIAL_FIX"),
            ("T", "TEMPORARY_FIX"),
            ("W", "WORKAROUND"),
            ("U", "UNAVAILABLE"),
        ],
    ),
    ("RC", "reportConfidence", &[("X", "NOT_DEFINED"), ("U", "UNKNOWN"), ("R", "REASONABLE"), ("C", "CONFIRMED")]),
    ("CR", "confidentialityRequirement", REQUIREMENT),
    ("IR", "integrityRequirement", REQUIREMENT),
    ("AR", "availabilityRequirement", REQUIREMENT),
    (
        "MAV",
        "modifiedAttackVector",
        &[("X", "NOT_DEFINED"), ("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL"), ("P", "PHYSICAL")],
    ),
    ("MAC", "modifiedAttackComplexity", &[("X", "NOT_DEFINED"), ("L", "LOW"), ("H", "HIGH")]),
    ("MPR", "modifiedPrivilegesRequired", &[("X", "NOT_DEFINED"), ("N", "NONE"), ("L", "LOW"), ("H", "HIGH")]),
    ("MUI", "modifiedUserInteraction", &[("X", "NOT_DEFINED"), ("N", "NONE"), ("R", "REQUIRED")]),
    ("MS", "modifiedScope", &[("X", "NOT_DEFINED"), ("U", "UNCHANGED"), ("C", "CHANGED")]),
    ("MC", "modifiedConfidentialityImpact", MODIFIED_CIA),
    ("MI", "modifiedIntegrityImpact", MODIFIED_CIA),
    ("MA", "modifiedAvailabilityImpact", MODIFIED_CIA),
];
const CIA: &[(&str, &str)] = &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")];
const MODIFIED_CIA: &[(&str, &str)] = &[("X", "NOT_DEFINED"), ("N", "NONE"), ("L", "LOW"), ("H", "HIGH")];
const REQUIREMENT: &[(&str, &str)] = &[("X", "NOT_DEFINED"), ("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH")];

/// The same for CVSS v2.
const V2_PROPERTIES: &[Property] = &[
    ("AV", "accessVector", &[("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL")]),
    ("AC", "accessComplexity", &[("H", "HIGH"), ("M", "MEDIUM"), ("L", "LOW")]),
    ("Au", "authentication", &[("M", "MULTIPLE"), ("S", "SINGLE"), ("N", "NONE")]),
    ("C", "confidentialityImpact", V2_CIA),
    ("I", "integrityImpact", V2_CIA),
    ("A", "availabilityImpact", V2_CIA),
    (
        "E",
        "exploitability",
        &[("U", "UNPROVEN"), ("POC", "PROOF_OF_CONCEPT"), ("F", "FUNCTIONAL"), ("H", "HIGH"), ("ND", "NOT_DEFINED")],
    ),
    (
        "RL",
        "remediationLevel",
        &[
            ("OF", "OFFICIAL_FIX"),
            ("TF", "TEMPORARY_FIX"),
            ("W", "WORKAROUND"),
            ("U", "UNAVAILABLE"),
            ("ND", "NOT_DEFINED"),
        ],
    ),
    (
        "RC",
        "reportConfidence",
        &[("UC", "UNCONFIRMED"), ("UR", "UNCORROBORATED"), ("C", "CONFIRMED"), ("ND", "NOT_DEFINED")],
    ),
    (
        "CDP",
        "collateralDamagePotential",
        &[
            ("N", "NONE"),
            ("L", "LOW"),
            ("LM", "LOW_MEDIUM"),
            ("MH", "MEDIUM_HIGH"),
            ("H", "HIGH"),
            ("ND", "NOT_DEFINED"),
        ],
    ),
    ("TD", "targetDistribution", &[("N", "NONE"), ("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), ("ND", "NOT_DEFINED")]),
    ("CR", "confidentialityRequirement", V2_REQUIREMENT),
    ("IR", "integrityRequirement", V2_REQUIREMENT),
    ("AR", "availabilityRequirement", V2_REQUIREMENT),
];
const V2_CIA: &[(&str, &str)] = &[("N", "NONE"), ("P", "PARTIAL"), ("C", "COMPLETE")];
const V2_REQUIREMENT: &[(&str, &str)] = &[("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), ("ND", "NOT_DEFINED")];

// CSAF 2.0 §6.1.10
fn t6_1_10(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for (path, key, object) in cvss_objects(doc) {
        let Some(vector) = object.get("vectorString").and_then(Value::as_str) else { continue };
        let table = if key == "cvss_v2" { V2_PROPERTIES } else { V3_PROPERTIES };
        // A metric left out of the vector counts as "not defined".
        let given: HashMap<&str, &str> =
            vector.split('/').filter_map(|part| part.split_once(':')).filter(|(metric, _)| *metric != "CVSS").collect();
        for (metric, property, values) in table {
            let Some(stated) = object.get(*property).and_then(Value::as_str) else { continue };
            let expected = match given.get(metric) {
                Some(letter) => values.iter().find(|(l, _)| l == letter).map(|(_, v)| *v),
                None => Some("NOT_DEFINED"),
            };
            if expected.is_some_and(|expected| expected != stated) {
                out.push(problem(
                    "6.1.10",
                    format!("{path}/{property}"),
                    format!("is {stated}, the vector says {}", expected.unwrap_or_default()),
                ));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Language and purl.

// CSAF 2.0 §6.1.12
fn t6_1_12(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for key in ["lang", "source_lang"] {
        if let Some(tag) = doc.root.pointer(&format!("/document/{key}")).and_then(Value::as_str)
            && let Some(why) = crate::lang::problem(tag)
        {
            out.push(problem("6.1.12", format!("/document/{key}"), format!("{tag:?} {why}")));
        }
    }
}

// CSAF 2.0 §6.1.13
fn t6_1_13(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for definition in &doc.definitions {
        if let Some(purl) = definition.product.pointer("/product_identification_helper/purl").and_then(Value::as_str)
            && let Err(error) = packageurl::PackageUrl::from_str(purl)
        {
            out.push(problem(
                "6.1.13",
                format!("{}/product_identification_helper/purl", definition.path),
                format!("{purl:?} is not a valid purl: {error}"),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tracking: versions and the revision history.

/// A `version_t`: integer or semantic versioning (CSAF 2.0 §3.1.11).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Version {
    Integer(u64),
    Semantic(semver::Version),
}

impl Version {
    fn parse(text: &str) -> Option<Self> {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return text.parse().ok().map(Version::Integer);
        }
        semver::Version::parse(text).ok().map(Version::Semantic)
    }

    /// The integer, or the major version.
    fn major(&self) -> u64 {
        match self {
            Version::Integer(n) => *n,
            Version::Semantic(v) => v.major,
        }
    }

    fn is_pre_release(&self) -> bool {
        matches!(self, Version::Semantic(v) if !v.pre.is_empty())
    }

    /// `0` or `0.y.z`: not yet released (§3.1.11).
    fn is_zero(&self) -> bool {
        self.major() == 0
    }

    /// Order by precedence, build metadata ignored; mixed kinds compare by major only.
    fn precedence(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Version::Integer(a), Version::Integer(b)) => a.cmp(b),
            (Version::Semantic(a), Version::Semantic(b)) => a.cmp_precedence(b),
            _ => self.major().cmp(&other.major()),
        }
    }

    /// Equal to `other` once build metadata (and, if `ignore_pre`, the pre-release) is dropped.
    fn matches(&self, other: &Self, ignore_pre: bool) -> bool {
        match (self, other) {
            (Version::Integer(a), Version::Integer(b)) => a == b,
            (Version::Semantic(a), Version::Semantic(b)) => {
                (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch) && (ignore_pre || a.pre == b.pre)
            }
            _ => false,
        }
    }
}

struct Revision<'a> {
    index: usize,
    number_text: &'a str,
    number: Option<Version>,
    date: Option<Timestamp>,
}

fn revisions<'a>(doc: &Doc<'a>) -> Vec<Revision<'a>> {
    items(doc.tracking().and_then(|t| t.get("revision_history")))
        .filter_map(|(index, item)| {
            let number_text = text(item, "number")?;
            Some(Revision {
                index,
                number_text,
                number: Version::parse(number_text),
                date: text(item, "date").and_then(|d| d.parse().ok()),
            })
        })
        .collect()
}

/// The revision history sorted ascending by date; on equal dates by number, as a reader would
/// break the tie. `None` when a date or number is unreadable (the schema reports that).
fn sorted_revisions<'a>(doc: &Doc<'a>) -> Option<Vec<Revision<'a>>> {
    let mut list = revisions(doc);
    if list.iter().any(|r| r.date.is_none() || r.number.is_none()) {
        return None;
    }
    list.sort_by(|a, b| {
        let number = |r: &Revision<'_>| r.number.clone().expect("checked above");
        a.date.cmp(&b.date).then_with(|| number(a).precedence(&number(b)))
    });
    Some(list)
}

const HISTORY: &str = "/document/tracking/revision_history";

// CSAF 2.0 §6.1.14
fn t6_1_14(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let Some(sorted) = sorted_revisions(doc) else { return };
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0].number.as_ref().unwrap(), pair[1].number.as_ref().unwrap());
        if a.precedence(b) == std::cmp::Ordering::Greater {
            out.push(problem(
                "6.1.14",
                format!("{HISTORY}/{}", pair[1].index),
                format!("{:?} is dated after {:?} but has a lower number", pair[1].number_text, pair[0].number_text),
            ));
        }
    }
}

// CSAF 2.0 §6.1.15
fn t6_1_15(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let translator = doc.root.pointer("/document/publisher/category").and_then(Value::as_str) == Some("translator");
    if translator && doc.root.pointer("/document/source_lang").is_none() {
        out.push(problem("6.1.15", "/document/source_lang", "a translator's document names its source language"));
    }
}

fn document_version<'a>(doc: &Doc<'a>) -> Option<(&'a str, Version)> {
    let text = doc.tracking().and_then(|t| text(t, "version"))?;
    Some((text, Version::parse(text)?))
}

// CSAF 2.0 §6.1.16
fn t6_1_16(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let (Some((text, version)), Some(sorted)) = (document_version(doc), sorted_revisions(doc)) else { return };
    let Some(last) = sorted.last() else { return };
    let draft = doc.status() == Some("draft");
    if !version.matches(last.number.as_ref().unwrap(), draft) {
        out.push(problem(
            "6.1.16",
            "/document/tracking/version",
            format!("is {text:?}, but the latest revision is {:?}", last.number_text),
        ));
    }
}

// CSAF 2.0 §6.1.17
fn t6_1_17(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let Some((text, version)) = document_version(doc) else { return };
    let Some(status) = doc.status() else { return };
    if (version.is_zero() || version.is_pre_release()) && status != "draft" {
        out.push(problem(
            "6.1.17",
            "/document/tracking/status",
            format!("is {status:?}, but version {text:?} is only allowed in a draft"),
        ));
    }
}

fn released(doc: &Doc<'_>) -> bool {
    matches!(doc.status(), Some("final" | "interim"))
}

// CSAF 2.0 §6.1.18
fn t6_1_18(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    if !released(doc) {
        return;
    }
    for revision in revisions(doc) {
        if revision.number.as_ref().is_some_and(Version::is_zero) {
            out.push(problem(
                "6.1.18",
                format!("{HISTORY}/{}/number", revision.index),
                format!(
                    "{:?} is a pre-publication number in a {} document",
                    revision.number_text,
                    doc.status().unwrap_or_default()
                ),
            ));
        }
    }
}

// CSAF 2.0 §6.1.19
fn t6_1_19(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for revision in revisions(doc) {
        if revision.number.as_ref().is_some_and(Version::is_pre_release) {
            out.push(problem(
                "6.1.19",
                format!("{HISTORY}/{}/number", revision.index),
                format!("{:?} is a pre-release", revision.number_text),
            ));
        }
    }
}

// CSAF 2.0 §6.1.20
fn t6_1_20(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    if let Some((text, version)) = document_version(doc)
        && released(doc)
        && version.is_pre_release()
    {
        out.push(problem(
            "6.1.20",
            "/document/tracking/version",
            format!("{text:?} is a pre-release in a {} document", doc.status().unwrap_or_default()),
        ));
    }
}

// CSAF 2.0 §6.1.21
fn t6_1_21(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let Some(sorted) = sorted_revisions(doc) else { return };
    // For semantic versions only the major counts; repeats of a major are fine.
    let mut majors: Vec<u64> = sorted.iter().map(|r| r.number.as_ref().unwrap().major()).collect();
    majors.dedup();
    let Some(&first) = majors.first() else { return };
    if first > 1 {
        out.push(problem("6.1.21", HISTORY, format!("starts at {first}, not at 0 or 1")));
        return;
    }
    for (expected, &major) in (first..).zip(&majors) {
        if major != expected {
            out.push(problem("6.1.21", HISTORY, format!("version {expected} is missing")));
            return;
        }
    }
}

// CSAF 2.0 §6.1.22
fn t6_1_22(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for revision in revisions(doc) {
        if !seen.insert(revision.number_text) {
            out.push(problem(
                "6.1.22",
                format!("{HISTORY}/{}/number", revision.index),
                format!("{:?} is in the history more than once", revision.number_text),
            ));
        }
    }
}

// CSAF 2.0 §6.1.30
fn t6_1_30(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let mut kinds = revisions(doc)
        .into_iter()
        .filter_map(|r| r.number.map(|n| (format!("{HISTORY}/{}/number", r.index), n)))
        .collect::<Vec<_>>();
    if let Some((_, version)) = document_version(doc) {
        kinds.push(("/document/tracking/version".into(), version));
    }
    let integer = |v: &Version| matches!(v, Version::Integer(_));
    let Some((_, first)) = kinds.first() else { return };
    let first_is_integer = integer(first);
    for (path, version) in &kinds {
        if integer(version) != first_is_integer {
            out.push(problem(
                "6.1.30",
                path.clone(),
                format!(
                    "mixes {} versioning into a document using {}",
                    if first_is_integer { "semantic" } else { "integer" },
                    if first_is_integer { "integer" } else { "semantic" }
                ),
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Vulnerabilities.

// CSAF 2.0 §6.1.23
fn t6_1_23(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (v, vulnerability) in doc.vulnerabilities() {
        if let Some(cve) = text(vulnerability, "cve")
            && !seen.insert(cve)
        {
            out.push(problem(
                "6.1.23",
                format!("/vulnerabilities/{v}/cve"),
                format!("{cve} is in more than one vulnerability"),
            ));
        }
    }
}

// CSAF 2.0 §6.1.24
fn t6_1_24(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for (v, vulnerability) in doc.vulnerabilities() {
        let mut seen = HashSet::new();
        for (i, involvement) in items(vulnerability.get("involvements")) {
            // Only dated involvements can repeat "at the same date"; dates are compared as instants.
            let (Some(party), Some(date)) = (text(involvement, "party"), text(involvement, "date")) else { continue };
            let instant = date.parse::<Timestamp>().map(|t| t.to_string()).unwrap_or_else(|_| date.to_owned());
            if !seen.insert((party, instant)) {
                out.push(problem(
                    "6.1.24",
                    format!("/vulnerabilities/{v}/involvements/{i}"),
                    format!("party {party:?} already has an involvement at {date}"),
                ));
            }
        }
    }
}

// CSAF 2.0 §6.1.25
fn t6_1_25(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for definition in &doc.definitions {
        for (h, hash) in items(definition.product.pointer("/product_identification_helper/hashes")) {
            let mut seen = HashSet::new();
            for (f, file_hash) in items(hash.get("file_hashes")) {
                if let Some(algorithm) = text(file_hash, "algorithm")
                    && !seen.insert(algorithm)
                {
                    out.push(problem(
                        "6.1.25",
                        format!(
                            "{}/product_identification_helper/hashes/{h}/file_hashes/{f}/algorithm",
                            definition.path
                        ),
                        format!("{algorithm} is used more than once for this file"),
                    ));
                }
            }
        }
    }
}

/// The categories of the profiles other than CSAF Base (CSAF 2.0 §4).
const PROFILES: [(&str, &str); 4] = [
    ("csaf_security_incident_response", "Security incident response"),
    ("csaf_informational_advisory", "Informational Advisory"),
    ("csaf_security_advisory", "Security Advisory"),
    ("csaf_vex", "VEX"),
];

// CSAF 2.0 §6.1.26
fn t6_1_26(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let category = doc.category;
    if category == "csaf_base" || PROFILES.iter().any(|(value, _)| *value == category) {
        return;
    }
    let squash = |s: &str| {
        s.chars().filter(|c| !matches!(c, '-' | '_') && !c.is_whitespace()).collect::<String>().to_lowercase()
    };
    let squashed = squash(category);
    let taken = PROFILES.iter().any(|(value, name)| {
        squashed == squash(value) || squashed == squash(value.trim_start_matches("csaf_")) || squashed == squash(name)
    });
    if taken {
        out.push(problem("6.1.26", "/document/category", format!("{category:?} is the name of another profile")));
    } else if category.to_lowercase().starts_with("csaf_") {
        out.push(problem("6.1.26", "/document/category", format!("{category:?} uses the reserved prefix csaf_")));
    }
}

/// Whether the document's profile is one of `categories`.
fn profile(doc: &Doc<'_>, categories: &[&str]) -> bool {
    categories.contains(&doc.category)
}

// CSAF 2.0 §6.1.27
fn t6_1_27(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let root = doc.root;
    let has = |pointer: &str| root.pointer(pointer).is_some();
    if profile(doc, &["csaf_informational_advisory", "csaf_security_incident_response"]) {
        // §6.1.27.1
        let described = items(root.pointer("/document/notes"))
            .any(|(_, n)| matches!(text(n, "category"), Some("description" | "details" | "general" | "summary")));
        if !described {
            out.push(problem(
                "6.1.27.1",
                "/document/notes",
                "no note says what the document is about (description, details, general or summary)",
            ));
        }
        // §6.1.27.2
        if !items(root.pointer("/document/references")).any(|(_, r)| text(r, "category") == Some("external")) {
            out.push(problem("6.1.27.2", "/document/references", "no reference points to an external source"));
        }
    }
    // §6.1.27.3
    if profile(doc, &["csaf_informational_advisory"]) && has("/vulnerabilities") {
        out.push(problem("6.1.27.3", "/vulnerabilities", "an informational advisory has no vulnerabilities"));
    }
    if profile(doc, &["csaf_security_advisory", "csaf_vex"]) {
        // §6.1.27.4
        if !has("/product_tree") {
            out.push(problem("6.1.27.4", "/product_tree", "is missing"));
        }
        // §6.1.27.11
        if !has("/vulnerabilities") {
            out.push(problem("6.1.27.11", "/vulnerabilities", "is missing"));
        }
        // §6.1.27.5
        for (v, vulnerability) in doc.vulnerabilities() {
            if vulnerability.get("notes").is_none() {
                out.push(problem("6.1.27.5", format!("/vulnerabilities/{v}/notes"), "is missing"));
            }
        }
    }
    // §6.1.27.6
    if profile(doc, &["csaf_security_advisory"]) {
        for (v, vulnerability) in doc.vulnerabilities() {
            if vulnerability.get("product_status").is_none() {
                out.push(problem("6.1.27.6", format!("/vulnerabilities/{v}/product_status"), "is missing"));
            }
        }
    }
    if profile(doc, &["csaf_vex"]) {
        for (v, vulnerability) in doc.vulnerabilities() {
            vex_tests(doc, v, vulnerability, out);
        }
    }
}

fn vex_tests<'a>(doc: &Doc<'a>, v: usize, vulnerability: &'a Value, out: &mut Vec<Problem>) {
    let status = vulnerability.get("product_status");
    // §6.1.27.7
    if !["fixed", "known_affected", "known_not_affected", "under_investigation"]
        .iter()
        .any(|key| status.and_then(|s| s.get(*key)).is_some())
    {
        out.push(problem(
            "6.1.27.7",
            format!("/vulnerabilities/{v}/product_status"),
            "names no product as fixed, known affected, known not affected or under investigation",
        ));
    }
    // §6.1.27.8
    if vulnerability.get("cve").is_none() && vulnerability.get("ids").is_none() {
        out.push(problem("6.1.27.8", format!("/vulnerabilities/{v}"), "has neither cve nor ids"));
    }
    // §6.1.27.9: an impact statement is a flag, or a threat of category impact.
    let mut explained: BTreeSet<&str> = BTreeSet::new();
    for (_, flag) in items(vulnerability.get("flags")) {
        explained.extend(doc.products_of(flag, "product_ids"));
    }
    for (_, threat) in items(vulnerability.get("threats")) {
        if text(threat, "category") == Some("impact") {
            explained.extend(doc.products_of(threat, "product_ids"));
        }
    }
    for (i, id) in strings(status.and_then(|s| s.get("known_not_affected"))) {
        if !explained.contains(id) {
            out.push(problem(
                "6.1.27.9",
                format!("/vulnerabilities/{v}/product_status/known_not_affected/{i}"),
                format!("{id:?} has no impact statement"),
            ));
        }
    }
    // §6.1.27.10
    let mut acted: BTreeSet<&str> = BTreeSet::new();
    for (_, remediation) in items(vulnerability.get("remediations")) {
        acted.extend(doc.products_of(remediation, "product_ids"));
    }
    for (i, id) in strings(status.and_then(|s| s.get("known_affected"))) {
        if !acted.contains(id) {
            out.push(problem(
                "6.1.27.10",
                format!("/vulnerabilities/{v}/product_status/known_affected/{i}"),
                format!("{id:?} has no action statement"),
            ));
        }
    }
}

// CSAF 2.0 §6.1.28
fn t6_1_28(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    let lang = doc.root.pointer("/document/lang").and_then(Value::as_str);
    let source = doc.root.pointer("/document/source_lang").and_then(Value::as_str);
    if let (Some(lang), Some(source)) = (lang, source)
        && lang.eq_ignore_ascii_case(source)
    {
        out.push(problem("6.1.28", "/document/source_lang", format!("is the document's own language {lang:?}")));
    }
}

/// §6.1.29 and §6.1.32: each item of `list` says which products it is about.
fn without_products(doc: &Doc<'_>, test: &'static str, list: &str, out: &mut Vec<Problem>) {
    for (v, vulnerability) in doc.vulnerabilities() {
        for (i, item) in items(vulnerability.get(list)) {
            if item.get("product_ids").is_none() && item.get("group_ids").is_none() {
                out.push(problem(
                    test,
                    format!("/vulnerabilities/{v}/{list}/{i}"),
                    "names no product_ids or group_ids",
                ));
            }
        }
    }
}

// CSAF 2.0 §6.1.29
fn t6_1_29(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    without_products(doc, "6.1.29", "remediations", out);
}

// CSAF 2.0 §6.1.32
fn t6_1_32(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    without_products(doc, "6.1.32", "flags", out);
}

/// What CSAF 2.0 §6.1.31 takes as the sign of a version range in `name`, if any. The comparison
/// signs count anywhere; the words only as whole words, so a release named `after-eight` is a
/// version (the OASIS TC's own valid test case 6.1.31-12 says so).
pub(crate) fn version_range_sign(name: &str) -> Option<&'static str> {
    const SIGNS: [&str; 4] = ["<=", ">=", "<", ">"];
    const WORDS: [&str; 7] = ["after", "all", "before", "earlier", "later", "prior", "versions"];
    let lower = name.to_lowercase();
    SIGNS
        .into_iter()
        .find(|sign| lower.contains(sign))
        .or_else(|| lower.split_whitespace().find_map(|word| WORDS.into_iter().find(|w| *w == word)))
}

// CSAF 2.0 §6.1.31
fn t6_1_31(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    for (path, branch) in &doc.branches {
        if text(branch, "category") != Some("product_version") {
            continue;
        }
        let Some(name) = text(branch, "name") else { continue };
        if let Some(word) = version_range_sign(name) {
            out.push(problem(
                "6.1.31",
                format!("{path}/name"),
                format!("{name:?} looks like a version range ({word:?})"),
            ));
        }
    }
}

// CSAF 2.0 §6.1.33
fn t6_1_33(doc: &Doc<'_>, out: &mut Vec<Problem>) {
    const JUSTIFICATIONS: [&str; 5] = [
        "component_not_present",
        "inline_mitigations_already_exist",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "vulnerable_code_not_in_execute_path",
        "vulnerable_code_not_present",
    ];
    for (v, vulnerability) in doc.vulnerabilities() {
        let mut flagged: HashMap<&str, usize> = HashMap::new();
        for (f, flag) in items(vulnerability.get("flags")) {
            if !text(flag, "label").is_some_and(|l| JUSTIFICATIONS.contains(&l)) {
                continue;
            }
            for id in doc.products_of(flag, "product_ids") {
                if let Some(first) = flagged.insert(id, f) {
                    out.push(problem(
                        "6.1.33",
                        format!("/vulnerabilities/{v}/flags/{f}"),
                        format!("{id:?} already has a VEX justification in flag {first}"),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_has_a_title_and_display_uses_it() {
        let p = problem("6.1.1", "/vulnerabilities/0/product_status/known_affected/0", "\"CSAFPID-0009\"");
        let shown = crate::Problem::to_string(&p);
        assert!(shown.starts_with("6.1.1 missing definition of product id: /vulnerabilities/0/"), "{shown}");
        for number in NOT_IMPLEMENTED {
            assert!(!title(number).is_empty());
        }
    }

    #[test]
    fn versions() {
        assert_eq!(Version::parse("3"), Some(Version::Integer(3)));
        assert!(Version::parse("1.0.0-rc.1").unwrap().is_pre_release());
        assert!(Version::parse("0.9.5").unwrap().is_zero());
        assert_eq!(Version::parse("01"), Some(Version::Integer(1)));
        assert!(Version::parse("1.0").is_none());
    }
}
