//! OSV records (https://ossf.github.io/osv-schema/): one JSON object per file, a JSON list of them,
//! or the per-ecosystem zip that OSV publishes.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Failure, ImportError, PackageRow, Record, SeverityRow, Writer};
use crate::package::key_from_osv;
use crate::severity::{QUALITATIVE, database_specific_level, score_vector};

#[derive(Deserialize)]
struct Osv {
    id: String,
    #[serde(default)]
    modified: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
    #[serde(default)]
    affected: Vec<OsvAffected>,
    /// GitHub's advisories carry their qualitative severity here (`severity: "HIGH"`).
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    #[serde(default)]
    package: Option<OsvPackage>,
    #[serde(default)]
    ranges: Vec<OsvRange>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    severity: Vec<OsvSeverity>,
}

#[derive(Deserialize)]
struct OsvPackage {
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize, serde::Serialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<BTreeMap<String, String>>,
}

pub(super) fn import_one(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let record: Osv = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
    write(writer, record)
}

/// One OSV record in YAML, as the PyPA advisory database publishes them. Scalars are read as the
/// text they are written with, so a version `1.10` stays `1.10`.
pub(super) fn import_yaml(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let record: Osv = serde_saphyr::from_slice(bytes)
        .map_err(|e| ImportError::input(origin, format!("not a valid OSV record in YAML: {e}")))?;
    write(writer, record)
}

pub(super) fn import_list(writer: &mut Writer<'_>, bytes: &[u8], origin: &str) -> Result<(), Failure> {
    let records: Vec<Osv> = serde_json::from_slice(bytes).map_err(|e| ImportError::json(origin, &e))?;
    for record in records {
        write(writer, record)?;
    }
    Ok(())
}

fn write(writer: &mut Writer<'_>, osv: Osv) -> Result<(), Failure> {
    if osv.withdrawn.is_some() || osv.id.is_empty() {
        writer.skip("osv");
        return Ok(());
    }
    let mut record = Record {
        source: "osv",
        record_id: osv.id.clone(),
        modified: osv.modified,
        published: osv.published,
        summary: osv.summary.or_else(|| osv.details.map(|d| d.lines().next().unwrap_or_default().to_owned())),
        ..Record::default()
    };
    record.ids.push(osv.id);
    record.ids.extend(osv.aliases);
    let severities = osv.severity.iter().chain(osv.affected.iter().flat_map(|a| &a.severity));
    for severity in severities {
        let (kind, score) = score_vector(&severity.kind, &severity.score);
        if record.severities.iter().any(|s: &SeverityRow| s.vector.as_deref() == Some(severity.score.as_str())) {
            continue;
        }
        record.severities.push(SeverityRow { kind, vector: Some(severity.score.clone()), score, origin: "osv".into() });
    }
    if let Some(level) = osv.database_specific.as_ref().and_then(database_specific_level) {
        let origin = if record.record_id.starts_with("GHSA-") { "ghsa" } else { "osv" };
        record.severities.push(SeverityRow {
            kind: QUALITATIVE.into(),
            vector: Some(level),
            score: None,
            origin: origin.into(),
        });
    }
    for affected in osv.affected {
        let Some(package) = affected.package else { continue };
        let Some(key) = key_from_osv(&package.ecosystem, &package.name) else { continue };
        // GIT ranges name commits, which an SBOM's version cannot be placed among.
        let ranges: Vec<&OsvRange> = affected.ranges.iter().filter(|r| r.kind != "GIT").collect();
        if ranges.is_empty() && affected.versions.is_empty() {
            continue;
        }
        record.packages.push(PackageRow {
            key: key.0,
            ecosystem: package.ecosystem,
            ranges: serde_json::to_string(&ranges).unwrap_or_else(|_| "[]".into()),
            versions: serde_json::to_string(&affected.versions).unwrap_or_else(|_| "[]".into()),
        });
    }
    if record.packages.is_empty() {
        writer.skip("osv");
        return Ok(());
    }
    writer.record(record)?;
    Ok(())
}
