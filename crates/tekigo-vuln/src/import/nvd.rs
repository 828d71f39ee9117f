//! NVD CVE JSON 2.0 feeds (`"format": "NVD_CVE"`): CVSS metrics and CPE configurations.
//!
//! A configuration whose nodes are AND-ed ("product X running on platform Y") keeps only the
//! vulnerable product, with the platform noted in `running_on`, so a match can say it depends on
//! the platform instead of matching the platform itself (the false positives grype users report).

use serde::Deserialize;

use super::{CpeRow, Failure, ImportError, Record, SeverityRow, Writer};
use crate::cpe;

#[derive(Deserialize)]
struct Feed {
    #[serde(default)]
    vulnerabilities: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    cve: Cve,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cve {
    id: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    last_modified: String,
    #[serde(default)]
    vuln_status: Option<String>,
    #[serde(default)]
    descriptions: Vec<Description>,
    #[serde(default)]
    metrics: Metrics,
    #[serde(default)]
    configurations: Vec<Configuration>,
}

#[derive(Deserialize)]
struct Description {
    lang: String,
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Metrics {
    #[serde(default)]
    cvss_metric_v40: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v31: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v30: Vec<Metric>,
    #[serde(default)]
    cvss_metric_v2: Vec<Metric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metric {
    #[serde(default)]
    source: String,
    #[serde(rename = "type", default)]
    kind: String,
    cvss_data: CvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CvssData {
    #[serde(default)]
    vector_string: Option<String>,
    #[serde(default)]
    base_score: Option<f64>,
}

#[derive(Deserialize)]
struct Configuration {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    nodes: Vec<Node>,
}

#[derive(Deserialize)]
struct Node {
    #[serde(default, rename = "cpeMatch")]
    cpe_match: Vec<CpeMatch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CpeMatch {
    vulnerable: bool,
    criteria: String,
    #[serde(default)]
    version_start_including: Option<String>,
    #[serde(default)]
    version_start_excluding: Option<String>,
    #[serde(default)]
    version_end_including: Option<String>,
    #[serde(default)]
    version_end_excluding: Option<String>,
}

pub(super) fn import(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let feed: Feed = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
    for item in feed.vulnerabilities {
        let cve = item.cve;
        if cve.vuln_status.as_deref() == Some("Rejected") {
            writer.skip("nvd");
            continue;
        }
        let mut record = Record {
            source: "nvd",
            record_id: cve.id.clone(),
            modified: cve.last_modified,
            published: cve.published,
            summary: cve.descriptions.iter().find(|d| d.lang == "en").map(|d| d.value.clone()),
            ids: vec![cve.id],
            ..Record::default()
        };
        let groups = [
            ("CVSS_V4", &cve.metrics.cvss_metric_v40),
            ("CVSS_V3", &cve.metrics.cvss_metric_v31),
            ("CVSS_V3", &cve.metrics.cvss_metric_v30),
            ("CVSS_V2", &cve.metrics.cvss_metric_v2),
        ];
        for (kind, metrics) in groups {
            for metric in metrics {
                let origin = if metric.source.contains("nvd@nist.gov") {
                    format!("nvd:{}", metric.kind)
                } else {
                    format!("cna:{}", metric.kind)
                };
                record.severities.push(SeverityRow {
                    kind: kind.into(),
                    vector: metric.cvss_data.vector_string.clone(),
                    score: metric.cvss_data.base_score,
                    origin,
                });
            }
        }
        for configuration in &cve.configurations {
            let and = configuration.operator.as_deref() == Some("AND");
            let platforms: Vec<&str> = if and {
                configuration
                    .nodes
                    .iter()
                    .flat_map(|n| &n.cpe_match)
                    .filter(|m| !m.vulnerable)
                    .map(|m| m.criteria.as_str())
                    .collect()
            } else {
                Vec::new()
            };
            let running_on = (!platforms.is_empty()).then(|| platforms.join(" | "));
            for matched in configuration.nodes.iter().flat_map(|n| &n.cpe_match).filter(|m| m.vulnerable) {
                let Some(name) = cpe::parse(&matched.criteria) else { continue };
                record.cpes.push(CpeRow {
                    vendor: name.vendor.clone(),
                    product: name.product.clone(),
                    criteria: matched.criteria.clone(),
                    version: name.version.clone(),
                    start_including: matched.version_start_including.clone(),
                    start_excluding: matched.version_start_excluding.clone(),
                    end_including: matched.version_end_including.clone(),
                    end_excluding: matched.version_end_excluding.clone(),
                    running_on: running_on.clone(),
                });
            }
        }
        writer.record(record)?;
    }
    Ok(())
}
