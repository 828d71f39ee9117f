//! CSAF 2.0 advisories: product status by purl and CPE, CVSS scores, exploitation threats.
//! Products listed as known affected become affected packages (by purl) or CPEs, at the exact
//! versions the advisory names.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::{CpeRow, Failure, ImportError, PackageRow, Record, SeverityRow, Writer};
use crate::{cpe, package};

#[derive(Deserialize)]
struct Advisory {
    document: Document,
    #[serde(default)]
    product_tree: Option<Value>,
    #[serde(default)]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    title: Option<String>,
    tracking: Tracking,
}

#[derive(Deserialize)]
struct Tracking {
    id: String,
    #[serde(default)]
    current_release_date: String,
    #[serde(default)]
    initial_release_date: Option<String>,
}

#[derive(Deserialize)]
struct Vulnerability {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    ids: Vec<SystemId>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    product_status: HashMap<String, Vec<String>>,
    #[serde(default)]
    scores: Vec<Value>,
    #[serde(default)]
    threats: Vec<Threat>,
}

#[derive(Deserialize)]
struct SystemId {
    text: String,
}

#[derive(Deserialize)]
struct Threat {
    category: String,
    #[serde(default)]
    details: String,
}

/// Product ID -> the purl or CPE that identifies it, from branches and full product names.
fn identifiers(tree: &Value, out: &mut HashMap<String, (Option<String>, Option<String>)>) {
    match tree {
        Value::Object(map) => {
            if let Some(Value::String(id)) = map.get("product_id") {
                let helper = map.get("product_identification_helper");
                let purl = helper.and_then(|h| h.get("purl")).and_then(Value::as_str).map(str::to_owned);
                let cpe = helper.and_then(|h| h.get("cpe")).and_then(Value::as_str).map(str::to_owned);
                if purl.is_some() || cpe.is_some() {
                    out.insert(id.clone(), (purl, cpe));
                }
            }
            // A relationship ("component X installed on Y") names a new product made of X.
            if let (Some(Value::String(reference)), Some(full)) =
                (map.get("product_reference"), map.get("full_product_name"))
                && let Some(Value::String(id)) = full.get("product_id")
                && let Some(found) = out.get(reference).cloned()
            {
                out.entry(id.clone()).or_insert(found);
            }
            for value in map.values() {
                identifiers(value, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| identifiers(v, out)),
        _ => {}
    }
}

/// Whether an `exploit_status` threat says the vulnerability is exploited. CSAF leaves the wording
/// free, so statements of absence ("no known exploit") are told apart by their words.
fn says_exploited(details: &str) -> bool {
    let lower = details.to_lowercase();
    let denies = ["no known", "not known", "not aware", "no public", "none", "unproven", "not exploited", "no exploit"];
    !denies.iter().any(|d| lower.contains(d))
}

pub(super) fn import(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let advisory: Advisory = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
    let mut products = HashMap::new();
    // Resolve twice so relationships that refer to products defined later are found.
    for _ in 0..2 {
        if let Some(tree) = &advisory.product_tree {
            identifiers(tree, &mut products);
        }
    }
    let tracking = &advisory.document.tracking;
    for vulnerability in advisory.vulnerabilities {
        let mut ids: Vec<String> = vulnerability.cve.iter().cloned().collect();
        ids.extend(vulnerability.ids.iter().map(|i| i.text.clone()));
        if ids.is_empty() {
            writer.skip("csaf");
            continue;
        }
        let record_id = format!("{}#{}", tracking.id, ids[0]);
        let mut record = Record {
            source: "csaf",
            record_id,
            modified: tracking.current_release_date.clone(),
            published: tracking.initial_release_date.clone(),
            summary: vulnerability.title.clone().or_else(|| advisory.document.title.clone()),
            ids,
            ..Record::default()
        };
        let affected = ["known_affected", "first_affected", "last_affected"];
        for product_id in affected.iter().filter_map(|k| vulnerability.product_status.get(*k)).flatten() {
            let Some((purl, cpe_name)) = products.get(product_id) else { continue };
            if let Some(parsed) = purl.as_deref().and_then(package::parse_purl)
                && let Some(version) = &parsed.version
            {
                record.packages.push(PackageRow {
                    key: parsed.key.0,
                    ecosystem: parsed.purl_type,
                    ranges: "[]".into(),
                    versions: serde_json::to_string(&[version]).unwrap_or_else(|_| "[]".into()),
                });
            } else if let Some(name) = cpe_name.as_deref().and_then(cpe::parse) {
                record.cpes.push(CpeRow {
                    vendor: name.vendor.clone(),
                    product: name.product.clone(),
                    criteria: cpe_name.clone().unwrap_or_default(),
                    version: name.version.clone(),
                    ..CpeRow::default()
                });
            }
        }
        for score in &vulnerability.scores {
            for (field, kind) in [("cvss_v3", "CVSS_V3"), ("cvss_v4", "CVSS_V4"), ("cvss_v2", "CVSS_V2")] {
                if let Some(cvss) = score.get(field) {
                    let vector = cvss.get("vectorString").and_then(Value::as_str).map(str::to_owned);
                    if record.severities.iter().any(|s| s.vector == vector) {
                        continue;
                    }
                    record.severities.push(SeverityRow {
                        kind: kind.into(),
                        vector,
                        score: cvss.get("baseScore").and_then(Value::as_f64),
                        origin: "csaf".into(),
                    });
                }
            }
        }
        for threat in &vulnerability.threats {
            if threat.category == "exploit_status" && says_exploited(&threat.details) {
                record.exploited.push(format!("{}: {}", tracking.id, threat.details));
            }
        }
        if record.packages.is_empty()
            && record.cpes.is_empty()
            && record.exploited.is_empty()
            && record.severities.is_empty()
        {
            writer.skip("csaf");
            continue;
        }
        writer.record(record)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::says_exploited;

    #[test]
    fn exploit_status_wording() {
        assert!(says_exploited("Exploitation of this vulnerability has been observed in the wild."));
        assert!(!says_exploited("No known exploit is available."));
        assert!(!says_exploited("The vendor is not aware of any malicious use."));
    }
}
