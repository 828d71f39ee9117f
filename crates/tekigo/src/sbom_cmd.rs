//! `tekigo sbom ...`: read SBOMs, and check them against the vulnerability database.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use tekigo_criteria::{Lang, LevelSelector};
use tekigo_vuln::check::{Confidence, Finding};
use tekigo_vuln::{CheckRequest, Policy, Report, Verdict, VulnDb};

use crate::cli::{CheckFormat, Format, SbomCommand};
use crate::criteria_cmd::load_catalog;
use crate::output::{sarif_artifact_location, sarif_log, table, table_or_json, tr, write_json};

pub(crate) fn run(
    command: &SbomCommand,
    criteria_dir: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    match command {
        SbomCommand::Components { sbom, format } => {
            let sbom = tekigo_sbom::read_file(sbom)?;
            match table_or_json(format.format)? {
                Format::Json => write_json(out, &sbom)?,
                _ => {
                    let mut rows = table(vec![
                        tr(lang, "Name", "名前"),
                        tr(lang, "Version", "版"),
                        "purl / CPE",
                        tr(lang, "Supplier", "供給者"),
                    ]);
                    for component in &sbom.components {
                        let identifier =
                            component.purl.clone().or_else(|| component.cpes.first().cloned()).unwrap_or_default();
                        rows.add_row(vec![
                            component.name.clone(),
                            component.version.clone().unwrap_or_default(),
                            identifier,
                            component.supplier.clone().unwrap_or_default(),
                        ]);
                    }
                    writeln!(out, "{rows}")?;
                    match lang {
                        Lang::En => writeln!(out, "{} component(s)", sbom.components.len())?,
                        Lang::Ja => writeln!(out, "構成要素 {} 件", sbom.components.len())?,
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        SbomCommand::Check { sbom: path, level, db, vex, policy, today, format } => {
            let catalog = load_catalog(criteria_dir)?;
            let selector = if level.contains(':') {
                LevelSelector::parse(level).map_err(anyhow::Error::msg)?
            } else {
                LevelSelector { scheme: "jc-star".into(), level: Some(level.trim_start_matches('★').to_owned()) }
            };
            let scheme = catalog.scheme(&selector.scheme)?;
            let level_id = selector.level.clone().context("name a level: --level 1 or --level jc-star:1")?;
            let level_def = scheme.level(&level_id)?;
            let Some(cvss_min) = level_def.vulnerability_cvss_min else {
                bail!("level {selector} sets no vulnerability rule (no vulnerability_cvss_min in the catalog)");
            };
            let policy = match policy {
                Some(file) => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("cannot read policy {}", file.display()))?;
                    Policy::from_toml(&text, &file.display().to_string(), cvss_min)?
                }
                None => Policy::default(),
            };
            let mut statements = Vec::new();
            for file in vex {
                let bytes = std::fs::read(file).with_context(|| format!("cannot read VEX {}", file.display()))?;
                statements.extend(tekigo_vuln::vex::read(&bytes, &file.display().to_string())?);
            }
            let today = match today {
                Some(date) => jiff::civil::Date::strptime("%Y-%m-%d", date)
                    .with_context(|| format!("--today {date}: expected YYYY-MM-DD"))?,
                None => jiff::ZonedDateTime::now().date(),
            };
            let database = VulnDb::open(db)?;
            let origin = path.display().to_string();
            let sbom = tekigo_sbom::read_file(path)?;
            let report = database.check(&CheckRequest {
                sbom: &sbom,
                sbom_origin: &origin,
                level_name: &selector.to_string(),
                level: level_def,
                policy: &policy,
                vex: &statements,
                today,
            })?;
            match format {
                CheckFormat::Json => write_json(out, &report)?,
                CheckFormat::Sarif => write_json(out, &sarif(&report))?,
                CheckFormat::Table => print_table(&report, lang, out)?,
            }
            Ok(if report.conformant { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

fn verdict_name(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::Fail => tr(lang, "FAIL", "不適合"),
        Verdict::Review => tr(lang, "review", "要確認"),
        Verdict::Pass => tr(lang, "pass", "基準未満"),
        Verdict::NotAffected => tr(lang, "not affected (VEX)", "影響なし（VEX）"),
        Verdict::Excepted => tr(lang, "excepted", "例外"),
    }
}

fn confidence_name(confidence: Confidence, lang: Lang) -> &'static str {
    match confidence {
        Confidence::High => tr(lang, "high", "高"),
        Confidence::Medium => tr(lang, "medium", "中"),
        Confidence::Low => tr(lang, "low", "低"),
    }
}

fn print_table(report: &Report, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut rows = table(vec![
        tr(lang, "Verdict", "判定"),
        tr(lang, "Vulnerability", "脆弱性"),
        tr(lang, "Component", "構成要素"),
        "CVSS v3",
        tr(lang, "Exploited", "悪用"),
        tr(lang, "Match", "照合"),
        tr(lang, "Why", "理由"),
    ]);
    for finding in &report.findings {
        rows.add_row(vec![
            verdict_name(finding.verdict, lang).to_owned(),
            finding.id.clone(),
            format!("{} {}", finding.component.name, finding.component.version.clone().unwrap_or_default()),
            finding.cvss.as_ref().and_then(|s| s.score).map(|s| format!("{s:.1}")).unwrap_or_else(|| "-".into()),
            exploited_mark(finding),
            confidence_name(finding.confidence, lang).to_owned(),
            finding.verdict_reason.get(lang).to_owned(),
        ]);
    }
    if !report.findings.is_empty() {
        writeln!(out, "{rows}")?;
    }
    let c = &report.counts;
    match lang {
        Lang::En => {
            writeln!(
                out,
                "{}: {} against {} (CVSS v3 ≥ {:.1} and exploitable fails)",
                report.sbom,
                if report.conformant { "CONFORMANT" } else { "NOT CONFORMANT" },
                report.level,
                report.cvss_min
            )?;
            writeln!(
                out,
                "{} component(s), {} finding(s): {} fail, {} review, {} below the bar, {} not affected (VEX), {} excepted",
                report.components,
                report.findings.len(),
                c.fail,
                c.review,
                c.pass,
                c.not_affected,
                c.excepted
            )?;
            if report.components_without_identifiers > 0 {
                writeln!(
                    out,
                    "{} component(s) carry neither purl nor CPE and were matched by name only",
                    report.components_without_identifiers
                )?;
            }
        }
        Lang::Ja => {
            writeln!(
                out,
                "{}: {} に{}（CVSS v3 {:.1} 以上かつ悪用可能なものが不適合）",
                report.sbom,
                report.level,
                if report.conformant { "適合" } else { "不適合" },
                report.cvss_min
            )?;
            writeln!(
                out,
                "構成要素 {} 件、検出 {} 件: 不適合 {}、要確認 {}、基準未満 {}、影響なし（VEX） {}、例外 {}",
                report.components,
                report.findings.len(),
                c.fail,
                c.review,
                c.pass,
                c.not_affected,
                c.excepted
            )?;
            if report.components_without_identifiers > 0 {
                writeln!(
                    out,
                    "purl も CPE もない構成要素 {} 件は名前のみで照合しました",
                    report.components_without_identifiers
                )?;
            }
        }
    }
    for exception in report.exceptions.iter().filter(|e| e.expired) {
        match lang {
            Lang::En => writeln!(
                out,
                "warning: the exception for {} expired on {}",
                exception.exception.id, exception.exception.expires
            )?,
            Lang::Ja => writeln!(
                out,
                "警告: {} の例外は {} に期限切れです",
                exception.exception.id, exception.exception.expires
            )?,
        }
    }
    Ok(())
}

fn exploited_mark(finding: &Finding) -> String {
    let mut marks = Vec::new();
    if finding.kev.is_some() {
        marks.push("KEV".to_owned());
    }
    if let Some(epss) = finding.epss {
        marks.push(format!("EPSS {epss:.2}"));
    }
    if !finding.exploited_by.is_empty() {
        marks.push("advisory".to_owned());
    }
    marks.join(", ")
}

/// SARIF 2.1.0: one rule per vulnerability, one result per finding, each of the `kind` SARIF has
/// for it ([`sarif_outcome`]) so that CI can gate on errors alone and viewers list only what is
/// open. The SBOM is the artifact every result is located in ([`sarif_artifact_location`]).
fn sarif(report: &Report) -> serde_json::Value {
    let mut rule_ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules: Vec<serde_json::Value> = rule_ids
        .iter()
        .map(|id| {
            let finding = report.findings.iter().find(|f| f.id == *id).expect("the id comes from a finding");
            let mut rule = json!({
                "id": id,
                "shortDescription": { "text": finding.summary.clone().unwrap_or_else(|| (*id).to_owned()) },
                "properties": { "aliases": finding.aliases },
            });
            if let Some(score) = finding.cvss.as_ref().and_then(|s| s.score) {
                rule["properties"]["security-severity"] = json!(format!("{score:.1}"));
            }
            rule
        })
        .collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    let (sbom_location, uri_base) = sarif_artifact_location(Path::new(&report.sbom), &cwd);
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|finding| {
            let component = finding
                .component
                .purl
                .clone()
                .or_else(|| finding.component.cpe.clone())
                .unwrap_or_else(|| finding.component.name.clone());
            let (kind, level, suppression) = sarif_outcome(finding);
            json!({
                "ruleId": finding.id,
                "ruleIndex": rule_ids.iter().position(|r| *r == finding.id),
                "kind": kind,
                "level": level,
                "message": { "text": format!("{} in {}: {}", finding.id, component, finding.verdict_reason.en) },
                "locations": [{
                    "physicalLocation": { "artifactLocation": sbom_location },
                    "logicalLocations": [{ "name": component, "kind": "module" }],
                }],
                "suppressions": suppression.map(|s| vec![s]),
                "properties": {
                    "verdict": finding.verdict,
                    "failsLevel": finding.fails_level,
                    "confidence": finding.confidence,
                    "reasons": finding.reasons,
                },
            })
        })
        .map(|mut result| {
            // SARIF has no nulls: a result without suppressions has no member for them.
            if let Some(object) = result.as_object_mut() {
                object.retain(|_, value| !value.is_null());
            }
            result
        })
        .collect();
    let mut log = sarif_log(rules, results, json!({ "level": report.level, "conformant": report.conformant }));
    if let Some(base) = uri_base {
        log["runs"][0]["originalUriBaseIds"] = base;
    }
    log
}

/// A finding as SARIF reads it: its `kind`, its `level` (SARIF allows a level other than `none`
/// only on a `fail`), and the suppression that closes it, if any.
///
/// - Fail: a `fail` at `error`, the level is not met.
/// - Review (and any verdict the check cannot establish): `review`, a person must decide.
/// - Pass (matched, below the level's bar): `pass`.
/// - Not affected (VEX): a `fail` at `note` (the data says vulnerable; the vendor's VEX statement
///   says the product is not), suppressed `external` by that statement, with its justification.
/// - Excepted: a `fail` at `error` (it fails the level's rule), suppressed `external` by the
///   policy's exception, with its reason and expiry. `external`, not `inSource`: SARIF's
///   `inSource` is a suppression written in the analysed artifact itself, and the exception lives
///   in the vendor's policy file, not in the SBOM.
fn sarif_outcome(finding: &Finding) -> (&'static str, &'static str, Option<serde_json::Value>) {
    match finding.verdict {
        Verdict::Fail => ("fail", "error", None),
        Verdict::Pass => ("pass", "none", None),
        Verdict::NotAffected => {
            let justification = match &finding.vex {
                Some(statement) => {
                    let why = [statement.justification.as_deref(), statement.detail.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": ");
                    let why = if why.is_empty() { finding.verdict_reason.en.clone() } else { why };
                    format!("VEX ({}): {why}", statement.source)
                }
                None => finding.verdict_reason.en.clone(),
            };
            ("fail", "note", Some(json!({ "kind": "external", "status": "accepted", "justification": justification })))
        }
        Verdict::Excepted => {
            let justification = match &finding.exception {
                Some(exception) => {
                    format!("policy exception until {}: {}", exception.expires, exception.reason)
                }
                None => finding.verdict_reason.en.clone(),
            };
            ("fail", "error", Some(json!({ "kind": "external", "status": "accepted", "justification": justification })))
        }
        // Review, and any verdict that says the check could not decide.
        _ => ("review", "none", None),
    }
}
