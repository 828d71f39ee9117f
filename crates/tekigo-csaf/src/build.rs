//! Plain data about one vulnerability → a CSAF 2.0 document of the `csaf_vex` profile.
//!
//! Why this file is long: a document is built in one pass whose parts (product tree,
//! vulnerabilities, notes, revision history) share the product IDs assigned at its start.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::Date;
use jsonschema::Validator;
use serde_json::{Map, Value, json};

use crate::model::{Advisory, AffectedProduct, Cvss3, DocumentStatus, ProductStatus, Publisher, Vulnerability};
use crate::schema::{CVSS_V30_VALIDATOR, CVSS_V31_VALIDATOR, is_uri};

/// Input that cannot become a valid document: the field (as `products[2].firmware_version`) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct BuildError {
    pub field: String,
    pub reason: String,
}

fn fail<T>(field: impl Into<String>, reason: impl Into<String>) -> Result<T, BuildError> {
    Err(BuildError { field: field.into(), reason: reason.into() })
}

/// The CSAF 2.0 VEX document for `advisory`, issued by `publisher`.
///
/// Deterministic: the same input gives the same document, byte for byte once serialised. Products
/// are ordered and numbered by their content, not by input order; product ids are
/// `CSAFPID-DEVICE-n` (a labelled product's firmware), `CSAFPID-COMPONENT-n` (a component) and
/// `CSAFPID-n-m` (component `m` as shipped in device `n`), and every product status refers to the
/// last kind: the vulnerability is in a component, as it ships in a labelled firmware.
///
/// The CVSS score is given for the known affected and under-investigation products; with none of
/// those there is nothing it applies to and no score is written.
///
/// # Errors
/// A [`BuildError`] naming the first field that would make the document fail the schema or a
/// mandatory test: a blank required text, an invalid URL, purl, CVE or CVSS vector, a base score
/// the vector does not give, revisions not numbered `1, 2, …` in date order, no products, no
/// identifier for the vulnerability, a firmware version that reads as a range (§6.1.31), the same
/// component in the same firmware twice, `fixed_in` or a note on a product that is neither affected
/// nor under investigation.
pub fn build(publisher: &Publisher, advisory: &Advisory) -> Result<Value, BuildError> {
    let document = document(publisher, advisory)?;
    let vulnerability = &advisory.vulnerability;
    let cvss = vulnerability.cvss_v3.as_ref().map(cvss).transpose()?;
    let products = Products::new(&advisory.products)?;
    let mut out = Map::new();
    out.insert("document".into(), document);
    out.insert("product_tree".into(), products.tree(&publisher.namespace));
    out.insert("vulnerabilities".into(), json!([products.vulnerability(vulnerability, cvss)?]));
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------------
// Checks on single fields.

fn non_blank(field: &str, text: &str) -> Result<(), BuildError> {
    if text.trim().is_empty() { fail(field, "must not be blank") } else { Ok(()) }
}

fn uri(field: &str, text: &str) -> Result<(), BuildError> {
    if is_uri(text) { Ok(()) } else { fail(field, format!("{text:?} is not a valid absolute URI")) }
}

/// RFC 3339 text for a timestamp; the schema's `date-time` has no room for years before 0000.
fn date_time(field: &str, at: Timestamp) -> Result<String, BuildError> {
    if at < Timestamp::from_second(-62_167_219_200).expect("0000-01-01 is in range") {
        return fail(field, format!("{at} is before the year 0000"));
    }
    Ok(at.to_string())
}

fn day(field: &str, text: &str) -> Result<Date, BuildError> {
    Date::from_str(text).or_else(|_| fail(field, format!("{text:?} is not a date (YYYY-MM-DD)")))
}

/// Whitespace that `\S` in the schema's patterns would not accept at the ends, and line breaks that
/// `.` would not accept inside.
fn single_line_trimmed(field: &str, text: &str) -> Result<(), BuildError> {
    non_blank(field, text)?;
    let space = |c: char| c.is_whitespace() || c == '\u{feff}';
    if text.starts_with(space) || text.ends_with(space) {
        return fail(field, "must not start or end with whitespace");
    }
    if text.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return fail(field, "must be one line");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The document part.

fn document(publisher: &Publisher, advisory: &Advisory) -> Result<Value, BuildError> {
    non_blank("publisher.name", &publisher.name)?;
    uri("publisher.namespace", &publisher.namespace)?;
    non_blank("publisher.contact_details", &publisher.contact_details)?;
    single_line_trimmed("tracking_id", &advisory.tracking_id)?;
    non_blank("title", &advisory.title)?;
    let initial = date_time("initial_release", advisory.initial_release)?;
    let current = date_time("current_release", advisory.current_release)?;
    if advisory.current_release < advisory.initial_release {
        return fail("current_release", "is before initial_release");
    }
    if advisory.revisions.is_empty() {
        return fail("revisions", "at least one revision is needed");
    }
    let mut history = Vec::new();
    for (i, revision) in advisory.revisions.iter().enumerate() {
        let field = format!("revisions[{i}]");
        // CSAF 2.0 §6.1.14, §6.1.18, §6.1.21, §6.1.22: integer versions from 1, one per revision,
        // in date order.
        let expected = i + 1;
        if revision.number as usize != expected {
            return fail(format!("{field}.number"), format!("is {}, expected {expected}", revision.number));
        }
        if i > 0 && revision.date < advisory.revisions[i - 1].date {
            return fail(format!("{field}.date"), "is before the previous revision's date");
        }
        non_blank(&format!("{field}.summary"), &revision.summary)?;
        history.push(json!({
            "date": date_time(&format!("{field}.date"), revision.date)?,
            "number": revision.number.to_string(),
            "summary": revision.summary,
        }));
    }
    let version = advisory.revisions.len().to_string();
    let status = match advisory.status {
        DocumentStatus::Final => "final",
        DocumentStatus::Interim => "interim",
    };
    Ok(json!({
        "category": "csaf_vex",
        "csaf_version": "2.0",
        "lang": "en",
        "publisher": {
            // The certification body coordinates between vendors and JVN; it is not the vendor.
            "category": "coordinator",
            "contact_details": publisher.contact_details,
            "name": publisher.name,
            "namespace": publisher.namespace,
        },
        "title": advisory.title,
        "tracking": {
            "current_release_date": current,
            "generator": {"engine": {"name": "tekigo", "version": env!("CARGO_PKG_VERSION")}},
            "id": advisory.tracking_id,
            "initial_release_date": initial,
            "revision_history": history,
            "status": status,
            "version": version,
        },
    }))
}

// ---------------------------------------------------------------------------------------------
// CVSS.

fn cvss(input: &Cvss3) -> Result<Value, BuildError> {
    let vector = cvss::v3::Vector::from_str(&input.vector).or_else(|e| {
        fail("vulnerability.cvss_v3.vector", format!("{:?} is not a CVSS v3 vector: {e}", input.vector))
    })?;
    // FIRST's pattern lets base metrics be left out; a score needs all eight.
    let v = &vector;
    let complete = v.av.is_some()
        && v.ac.is_some()
        && v.pr.is_some()
        && v.ui.is_some()
        && v.s.is_some()
        && v.c.is_some()
        && v.i.is_some()
        && v.a.is_some();
    if !complete {
        return fail(
            "vulnerability.cvss_v3.vector",
            format!("{:?} lacks some of the eight base metrics", input.vector),
        );
    }
    let (version, validator) =
        if vector.minor_version == 0 { ("3.0", &CVSS_V30_VALIDATOR) } else { ("3.1", &CVSS_V31_VALIDATOR) };
    let base = vector.base_score();
    let score = (base.value() * 10.0).round() / 10.0;
    let object = json!({
        "version": version,
        "vectorString": input.vector,
        "baseScore": score,
        "baseSeverity": base.severity().as_str().to_ascii_uppercase(),
    });
    // CSAF 2.0 §6.1.8: the crate's parser is more lenient than FIRST's pattern (lower case,
    // reordered metrics), so the object is checked against the schema as well.
    if let Some(error) = validator.iter_errors(&object).next() {
        return fail(
            "vulnerability.cvss_v3.vector",
            format!("{:?} does not follow the CVSS {version} format: {error}", input.vector),
        );
    }
    // CSAF 2.0 §6.1.9: the stated score must be the one the vector gives.
    if !((input.base_score * 10.0).round() == score * 10.0) {
        return fail(
            "vulnerability.cvss_v3.base_score",
            format!("is {}, the vector gives {score:.1}", input.base_score),
        );
    }
    Ok(object)
}

// ---------------------------------------------------------------------------------------------
// Products.

static PURL: LazyLock<Validator> = LazyLock::new(|| {
    let schema: Value = serde_json::from_str(include_str!("../schemas/csaf_json_schema.json")).expect("embedded");
    let purl = schema
        .pointer("/$defs/full_product_name_t/properties/product_identification_helper/properties/purl")
        .expect("the CSAF schema defines purl")
        .clone();
    jsonschema::options().should_validate_formats(true).build(&purl).expect("the purl schema compiles")
});

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Device<'a> {
    vendor: &'a str,
    product_name: &'a str,
    model: &'a str,
    firmware_version: &'a str,
    label_number: &'a str,
    label_url: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Component<'a> {
    name: &'a str,
    version: &'a str,
    purl: Option<&'a str>,
}

struct Products<'a> {
    /// Devices and components numbered from 1 in sorted order.
    devices: BTreeMap<Device<'a>, usize>,
    components: BTreeMap<Component<'a>, usize>,
    /// (device number, component number) → the input product, sorted.
    pairs: BTreeMap<(usize, usize), &'a AffectedProduct>,
}

fn check_product(field: &str, product: &AffectedProduct) -> Result<(), BuildError> {
    let texts = [
        ("label_number", &product.label_number),
        ("vendor", &product.vendor),
        ("product_name", &product.product_name),
        ("model", &product.model),
        ("firmware_version", &product.firmware_version),
        ("component_name", &product.component_name),
        ("component_version", &product.component_version),
    ];
    for (name, text) in texts {
        non_blank(&format!("{field}.{name}"), text)?;
    }
    uri(&format!("{field}.label_url"), &product.label_url)?;
    // CSAF 2.0 §6.1.31: the firmware version is a `product_version` branch name.
    if let Some(word) = crate::mandatory::version_range_sign(&product.firmware_version) {
        return fail(
            format!("{field}.firmware_version"),
            format!("{:?} reads as a version range ({word:?}); name one version", product.firmware_version),
        );
    }
    if let Some(purl) = &product.component_purl {
        // CSAF 2.0 §6.1.13 and the schema's own pattern and URI format.
        if let Err(error) = packageurl::PackageUrl::from_str(purl) {
            return fail(format!("{field}.component_purl"), format!("{purl:?} is not a valid purl: {error}"));
        }
        if !PURL.is_valid(&Value::from(purl.as_str())) {
            return fail(format!("{field}.component_purl"), format!("{purl:?} is not a purl the CSAF schema accepts"));
        }
    }
    for (i, version) in product.fixed_in.iter().enumerate() {
        non_blank(&format!("{field}.fixed_in[{i}]"), version)?;
    }
    if let Some(note) = &product.remediation_note {
        non_blank(&format!("{field}.remediation_note"), note)?;
    }
    let acted_on = matches!(product.status, ProductStatus::KnownAffected | ProductStatus::UnderInvestigation);
    if !product.fixed_in.is_empty() && product.status != ProductStatus::KnownAffected {
        return fail(format!("{field}.fixed_in"), "is only for a known affected product");
    }
    if product.remediation_note.is_some() && !acted_on {
        return fail(
            format!("{field}.remediation_note"),
            "is only for a known affected product or one under investigation",
        );
    }
    if let ProductStatus::KnownNotAffected { impact, .. } = &product.status {
        non_blank(&format!("{field}.status.impact"), impact)?;
    }
    Ok(())
}

impl<'a> Products<'a> {
    fn new(products: &'a [AffectedProduct]) -> Result<Self, BuildError> {
        if products.is_empty() {
            // CSAF 2.0 §6.1.27.7: a VEX document names at least one product's status.
            return fail("products", "at least one labelled product is needed");
        }
        let mut devices = BTreeMap::new();
        let mut components = BTreeMap::new();
        for (i, product) in products.iter().enumerate() {
            check_product(&format!("products[{i}]"), product)?;
            devices.insert(device(product), 0);
            components.insert(component(product), 0);
        }
        for (n, number) in devices.values_mut().enumerate() {
            *number = n + 1;
        }
        for (n, number) in components.values_mut().enumerate() {
            *number = n + 1;
        }
        let mut pairs = BTreeMap::new();
        let mut first_index = BTreeMap::new();
        for (i, product) in products.iter().enumerate() {
            let key = (devices[&device(product)], components[&component(product)]);
            // CSAF 2.0 §6.1.6: one status per product; a repeat is either redundant or contradicting.
            if let Some(first) = first_index.insert(key, i) {
                return fail(
                    format!("products[{i}]"),
                    format!("is the same component in the same firmware as products[{first}]"),
                );
            }
            pairs.insert(key, product);
        }
        Ok(Products { devices, components, pairs })
    }

    fn tree(&self, namespace: &str) -> Value {
        // vendor → product name (with model) → firmware version, merged where they agree.
        let mut vendors: BTreeMap<&str, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
        for (device, number) in &self.devices {
            let leaf = json!({
                "category": "product_version",
                "name": device.firmware_version,
                "product": {
                    "name": device_name(device),
                    "product_id": device_id(*number),
                    "product_identification_helper": {
                        "model_numbers": [device.model],
                        // The label number is an identifier in the certification body's namespace.
                        "x_generic_uris": [{"namespace": namespace, "uri": device.label_url}],
                    },
                },
            });
            vendors.entry(device.vendor).or_default().entry(product_branch_name(device)).or_default().push(leaf);
        }
        let branches: Vec<Value> = vendors
            .into_iter()
            .map(|(vendor, products)| {
                let products: Vec<Value> = products
                    .into_iter()
                    .map(|(name, versions)| json!({"category": "product_name", "name": name, "branches": versions}))
                    .collect();
                json!({"category": "vendor", "name": vendor, "branches": products})
            })
            .collect();
        let components: Vec<Value> = self
            .components
            .iter()
            .map(|(component, number)| {
                let mut product = json!({"name": component_name(component), "product_id": component_id(*number)});
                if let Some(purl) = component.purl {
                    product["product_identification_helper"] = json!({"purl": purl});
                }
                product
            })
            .collect();
        let devices: BTreeMap<usize, &Device<'_>> = self.devices.iter().map(|(d, n)| (*n, d)).collect();
        let parts: BTreeMap<usize, &Component<'_>> = self.components.iter().map(|(c, n)| (*n, c)).collect();
        let relationships: Vec<Value> = self
            .pairs
            .keys()
            .map(|&(d, c)| {
                json!({
                    "category": "default_component_of",
                    "full_product_name": {
                        "name": format!("{} in {}", component_name(parts[&c]), device_name(devices[&d])),
                        "product_id": pair_id(d, c),
                    },
                    "product_reference": component_id(c),
                    "relates_to_product_reference": device_id(d),
                })
            })
            .collect();
        json!({"branches": branches, "full_product_names": components, "relationships": relationships})
    }

    fn vulnerability(&self, vulnerability: &Vulnerability, cvss: Option<Value>) -> Result<Value, BuildError> {
        let mut out = Map::new();
        let (cve, ids) = identifiers(vulnerability)?;
        if let Some(cve) = cve {
            out.insert("cve".into(), cve.into());
        }
        if !ids.is_empty() {
            out.insert("ids".into(), ids.into());
        }
        out.insert("notes".into(), notes(vulnerability)?);

        let mut status: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut flags: BTreeMap<_, Vec<String>> = BTreeMap::new();
        let mut impacts: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut remediations: BTreeMap<(&str, String), Vec<String>> = BTreeMap::new();
        let mut scored = Vec::new();
        for (&(d, c), product) in &self.pairs {
            let id = pair_id(d, c);
            let key = match &product.status {
                ProductStatus::KnownAffected => "known_affected",
                ProductStatus::KnownNotAffected { .. } => "known_not_affected",
                ProductStatus::Fixed => "fixed",
                ProductStatus::UnderInvestigation => "under_investigation",
            };
            status.entry(key).or_default().push(id.clone());
            match &product.status {
                ProductStatus::KnownNotAffected { justification, impact } => {
                    // CSAF 2.0 §6.1.27.9: the flag gives the reason code, the threat the words.
                    flags.entry(*justification).or_default().push(id.clone());
                    impacts.entry(impact.as_str()).or_default().push(id.clone());
                }
                ProductStatus::KnownAffected => {
                    // CSAF 2.0 §6.1.27.10: every known affected product gets an action statement.
                    remediations.entry(remediation(product)).or_default().push(id.clone());
                    scored.push(id);
                }
                ProductStatus::UnderInvestigation => {
                    if let Some(note) = &product.remediation_note {
                        remediations.entry(("workaround", note.clone())).or_default().push(id.clone());
                    }
                    scored.push(id);
                }
                ProductStatus::Fixed => {}
            }
        }
        out.insert("product_status".into(), json!(status));
        if !flags.is_empty() {
            let flags: Vec<Value> =
                flags.into_iter().map(|(j, ids)| json!({"label": j.label(), "product_ids": ids})).collect();
            out.insert("flags".into(), flags.into());
        }
        let mut threats: Vec<Value> = impacts
            .into_iter()
            .map(|(details, ids)| json!({"category": "impact", "details": details, "product_ids": ids}))
            .collect();
        if let Some(kev) = &vulnerability.kev {
            threats.push(kev_threat(kev)?);
        }
        if !threats.is_empty() {
            out.insert("threats".into(), threats.into());
        }
        if !remediations.is_empty() {
            let remediations: Vec<Value> = remediations
                .into_iter()
                .map(|((category, details), ids)| json!({"category": category, "details": details, "product_ids": ids}))
                .collect();
            out.insert("remediations".into(), remediations.into());
        }
        if let Some(cvss) = cvss
            && !scored.is_empty()
        {
            out.insert("scores".into(), json!([{"cvss_v3": cvss, "products": scored}]));
        }
        let mut seen = BTreeSet::new();
        let mut references = Vec::new();
        for (i, url) in vulnerability.references.iter().enumerate() {
            let field = format!("vulnerability.references[{i}]");
            uri(&field, url)?;
            if !seen.insert(url) {
                return fail(field, "is listed twice");
            }
            references.push(json!({"category": "external", "summary": url, "url": url}));
        }
        if !references.is_empty() {
            out.insert("references".into(), references.into());
        }
        Ok(Value::Object(out))
    }
}

fn device<'a>(product: &'a AffectedProduct) -> Device<'a> {
    Device {
        vendor: &product.vendor,
        product_name: &product.product_name,
        model: &product.model,
        firmware_version: &product.firmware_version,
        label_number: &product.label_number,
        label_url: &product.label_url,
    }
}

fn component<'a>(product: &'a AffectedProduct) -> Component<'a> {
    Component {
        name: &product.component_name,
        version: &product.component_version,
        purl: product.component_purl.as_deref(),
    }
}

fn device_id(n: usize) -> String {
    format!("CSAFPID-DEVICE-{n}")
}

fn component_id(n: usize) -> String {
    format!("CSAFPID-COMPONENT-{n}")
}

fn pair_id(device: usize, component: usize) -> String {
    format!("CSAFPID-{device}-{component}")
}

fn product_branch_name(device: &Device<'_>) -> String {
    if device.model == device.product_name {
        device.product_name.to_owned()
    } else {
        format!("{} {}", device.product_name, device.model)
    }
}

fn device_name(device: &Device<'_>) -> String {
    format!(
        "{} {} firmware {} (JC-STAR label {})",
        device.vendor,
        product_branch_name(device),
        device.firmware_version,
        device.label_number
    )
}

fn component_name(component: &Component<'_>) -> String {
    format!("{} {}", component.name, component.version)
}

/// The action statement for a known affected product (CSAF 2.0 §3.2.3.12).
fn remediation(product: &AffectedProduct) -> (&'static str, String) {
    match (&product.fixed_in[..], &product.remediation_note) {
        ([], None) => ("none_available", "No fixed firmware is available yet.".to_owned()),
        ([], Some(note)) => ("workaround", note.clone()),
        (fixed, note) => {
            let mut details = format!("Fixed in firmware {}.", fixed.join(", "));
            if let Some(note) = note {
                details = format!("{details} {note}");
            }
            ("vendor_fix", details)
        }
    }
}

/// Issuing systems known by their id prefixes, for `ids[].system_name`.
const SYSTEMS: [(&str, &str); 8] = [
    ("GHSA-", "GitHub Advisory Database"),
    ("GO-", "Go Vulnerability Database"),
    ("PYSEC-", "PyPI Advisory Database"),
    ("RUSTSEC-", "RustSec Advisory Database"),
    ("OSV-", "OSV"),
    ("JVNDB-", "JVN iPedia"),
    ("JVNVU#", "JVN"),
    ("JVN#", "JVN"),
];

fn identifiers(vulnerability: &Vulnerability) -> Result<(Option<&str>, Vec<Value>), BuildError> {
    if let Some(cve) = &vulnerability.cve {
        let digits = |s: &str, min: usize| s.len() >= min && s.bytes().all(|b| b.is_ascii_digit());
        let valid = cve
            .strip_prefix("CVE-")
            .and_then(|rest| rest.split_once('-'))
            .is_some_and(|(year, number)| year.len() == 4 && digits(year, 4) && digits(number, 4));
        if !valid {
            return fail("vulnerability.cve", format!("{cve:?} is not a CVE id (CVE-YYYY-NNNN)"));
        }
    }
    let mut seen = BTreeSet::new();
    let mut ids = Vec::new();
    for (i, id) in vulnerability.other_ids.iter().enumerate() {
        let field = format!("vulnerability.other_ids[{i}]");
        non_blank(&field, id)?;
        if id.to_ascii_uppercase().starts_with("CVE-") {
            return fail(field, "a CVE goes in vulnerability.cve");
        }
        if !seen.insert(id) {
            return fail(field, "is listed twice");
        }
        let system = SYSTEMS.iter().find(|(prefix, _)| id.starts_with(prefix)).map_or_else(
            || match id.split_once(['-', '#']) {
                Some((prefix, _)) if !prefix.trim().is_empty() => prefix.trim().to_owned(),
                _ => "Other".to_owned(),
            },
            |(_, system)| (*system).to_owned(),
        );
        ids.push(json!({"system_name": system, "text": id}));
    }
    // CSAF 2.0 §6.1.27.8: a VEX vulnerability is identified.
    if vulnerability.cve.is_none() && ids.is_empty() {
        return fail("vulnerability", "needs a cve or at least one of other_ids");
    }
    Ok((vulnerability.cve.as_deref(), ids))
}

fn notes(vulnerability: &Vulnerability) -> Result<Value, BuildError> {
    non_blank("vulnerability.summary_en", &vulnerability.summary_en)?;
    let mut notes = vec![json!({"category": "summary", "text": vulnerability.summary_en, "title": "Summary"})];
    if let Some(ja) = &vulnerability.summary_ja {
        non_blank("vulnerability.summary_ja", ja)?;
        notes.push(json!({"category": "summary", "text": ja, "title": "概要"}));
    }
    Ok(notes.into())
}

fn kev_threat(kev: &crate::model::Kev) -> Result<Value, BuildError> {
    let added = day("vulnerability.kev.date_added", &kev.date_added)?;
    let mut details = format!("Listed in CISA's Known Exploited Vulnerabilities catalog on {added}");
    if let Some(due) = &kev.due_date {
        let due = day("vulnerability.kev.due_date", due)?;
        details.push_str(&format!("; remediation due for U.S. federal agencies by {due}"));
    }
    details.push('.');
    // The catalog gives a day; the schema wants an instant: the start of that day in UTC.
    let date: Timestamp = format!("{added}T00:00:00Z")
        .parse()
        .or_else(|_| fail("vulnerability.kev.date_added", format!("{added} cannot be placed in time")))?;
    Ok(json!({
        "category": "exploit_status",
        "date": date_time("vulnerability.kev.date_added", date)?,
        "details": details,
    }))
}
