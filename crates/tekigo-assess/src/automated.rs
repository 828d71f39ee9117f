//! Reports of `tekigo probe` and `tekigo sbom check`, read as evidence that decides device-test
//! items and the vulnerability rule. Only the fields a decision needs are read, so a report from a
//! newer tekigo with more fields still imports.

use serde::Deserialize;
use tekigo_base::Text;
use tekigo_criteria::{Method, Requirement};

use crate::declaration::{Answer, DecidedBy};
use crate::evaluate::{AutoDecision, VulnerabilityDecision, items_of};

/// `tekigo probe --format json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ProbeReport {
    pub target: String,
    pub address: String,
    /// The JC-STAR level whose verdicts the findings carry.
    pub level: String,
    pub started: String,
    pub findings: Vec<ProbeFinding>,
    pub conformant: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProbeFinding {
    pub id: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub protocol: Option<String>,
    /// `SCHEME/ID`.
    pub requirements: Vec<String>,
    pub title: Text,
    pub verdict: ProbeVerdict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeVerdict {
    Fail,
    Warn,
    Pass,
    Info,
}

/// `tekigo sbom check --format json`. The outcome, the database and the warnings are read when
/// the report carries them (reports of older versions do not).
#[derive(Debug, Clone, Deserialize)]
pub struct SbomCheckReport {
    pub sbom: String,
    pub components: usize,
    /// `SCHEME:LEVEL`.
    pub level: String,
    pub cvss_min: f64,
    pub conformant: bool,
    #[serde(default)]
    pub outcome: Option<SbomOutcome>,
    pub findings: Vec<SbomFinding>,
    #[serde(default)]
    pub database: Option<SbomDatabase>,
    #[serde(default)]
    pub warnings: Vec<SbomWarning>,
}

/// The check's overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SbomOutcome {
    Conformant,
    NotConformant,
    /// Nothing fails, but some findings could not be evaluated.
    Undecided,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SbomFinding {
    pub id: String,
    pub fails_level: bool,
    /// `fail`, `review`, `unscored`, `pass`, `not-affected`, `excepted`.
    #[serde(default)]
    pub verdict: Option<String>,
}

/// The vulnerability database a check read.
#[derive(Debug, Clone, Deserialize)]
pub struct SbomDatabase {
    #[serde(default)]
    pub path: String,
    /// `sha256:<hex>` over the database's content.
    pub digest: String,
    #[serde(default)]
    pub sources: Vec<SbomSource>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SbomSource {
    pub name: String,
    pub last_import: String,
    #[serde(default)]
    pub data_date: Option<String>,
    pub items: i64,
    #[serde(default)]
    pub age_days: Option<i64>,
}

/// A warning of the report: `stale-source`, `no-exploitation-data`, `undecided`.
#[derive(Debug, Clone, Deserialize)]
pub struct SbomWarning {
    pub code: String,
    pub message: Text,
}

impl SbomCheckReport {
    /// The outcome: as the report states it, or for an older report from its findings (one to
    /// review left such a report "conformant", which it was not shown to be).
    pub fn outcome(&self) -> SbomOutcome {
        if let Some(outcome) = self.outcome {
            return outcome;
        }
        let open = self.findings.iter().any(|f| matches!(f.verdict.as_deref(), Some("review" | "unscored")));
        match (self.conformant, open) {
            (false, _) if self.findings.iter().any(|f| f.fails_level) => SbomOutcome::NotConformant,
            (false, _) | (true, true) => SbomOutcome::Undecided,
            (true, false) => SbomOutcome::Conformant,
        }
    }

    /// One line on the database the check read: its digest and each source's data date.
    pub fn database_summary(&self) -> Option<String> {
        let database = self.database.as_ref()?;
        let sources: Vec<String> = database
            .sources
            .iter()
            .map(|s| {
                let dated =
                    s.data_date.as_deref().or(Some(s.last_import.as_str())).map_or("", |d| d.get(..10).unwrap_or(d));
                format!("{} {dated} ({} items)", s.name, s.items)
            })
            .collect();
        Some(format!("{}: {}", database.digest, sources.join(", ")))
    }
}

/// Why a report cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: not a `tekigo {tool} --format json` report: {error}")]
    Unreadable { path: String, tool: &'static str, error: serde_json::Error },
    #[error(
        "{path}: the report was made for {made_for}, the assessment is for {assessed}; run it again for {assessed}"
    )]
    WrongLevel { path: String, made_for: String, assessed: String },
}

pub fn read_probe(path: &str, bytes: &[u8]) -> Result<ProbeReport, ReportError> {
    serde_json::from_slice(bytes).map_err(|error| ReportError::Unreadable {
        path: path.to_owned(),
        tool: "probe",
        error,
    })
}

pub fn read_sbom_check(path: &str, bytes: &[u8]) -> Result<SbomCheckReport, ReportError> {
    serde_json::from_slice(bytes).map_err(|error| ReportError::Unreadable {
        path: path.to_owned(),
        tool: "sbom check",
        error,
    })
}

/// A probe's findings carry the verdicts of one JC-STAR level; they can decide only an
/// assessment of that level.
pub fn check_probe_level(path: &str, report: &ProbeReport, scheme: &str, level: &str) -> Result<(), ReportError> {
    if scheme == "jc-star" && report.level != level {
        return Err(ReportError::WrongLevel {
            path: path.to_owned(),
            made_for: format!("jc-star:{}", report.level),
            assessed: format!("jc-star:{level}"),
        });
    }
    Ok(())
}

/// An SBOM check carries one level's known-vulnerability rule. The rule is the level's, not the
/// product type's (SCHEME §2), so a check made for `jc-star:3` decides an assessment of
/// `jc-star:3/network-camera`.
pub fn check_sbom_level(path: &str, report: &SbomCheckReport, selector: &str) -> Result<(), ReportError> {
    let level = selector.split_once('/').map_or(selector, |(level, _)| level);
    if report.level != level {
        return Err(ReportError::WrongLevel {
            path: path.to_owned(),
            made_for: report.level.clone(),
            assessed: level.to_owned(),
        });
    }
    Ok(())
}

/// What a probe decides. A failing finding on a requirement makes its device-test items "no" —
/// or, for a requirement evaluated on documents only, every item: a device that accepts an
/// anonymous login has shown that the documents' claim does not hold. Without a failure, only
/// device-test items are decided: findings that touch the requirement make them "yes"; nothing
/// found that the requirement applies to (no login service, say) makes them "not applicable",
/// with the probe's scope as the reason.
pub fn probe_decisions(report: &ProbeReport, evidence: &str, requirements: &[&Requirement]) -> Vec<AutoDecision> {
    let mut decisions = Vec::new();
    for requirement in requirements {
        let reference = requirement.reference().to_string();
        let items = items_of(requirement);
        let device_items: Vec<_> = items.iter().filter(|item| item.method == Method::Device).cloned().collect();
        let touching: Vec<&ProbeFinding> =
            report.findings.iter().filter(|f| f.requirements.contains(&reference)).collect();
        let failing: Vec<&ProbeFinding> =
            touching.iter().copied().filter(|f| f.verdict == ProbeVerdict::Fail).collect();
        let (decided, answer, detail) = if !failing.is_empty() {
            let decided = if device_items.is_empty() { items } else { device_items };
            (decided, Answer::No, listed("failed", "不合格", &failing, report))
        } else if device_items.is_empty() {
            continue;
        } else if !touching.is_empty() {
            (device_items, Answer::Yes, listed("passed", "合格", &touching, report))
        } else {
            (
                device_items,
                Answer::NotApplicable,
                Text::new(
                    format!(
                        "the probe of {} found nothing this requirement applies to on the ports it scanned",
                        report.target
                    ),
                    format!("{} のプローブでは、走査したポートにこの要件の対象が見つかりませんでした", report.target),
                ),
            )
        };
        for item in decided {
            decisions.push(AutoDecision {
                requirement: requirement.id.clone(),
                item: item.id,
                answer,
                decided_by: DecidedBy::Probe,
                evidence: evidence.to_owned(),
                detail: detail.clone(),
            });
        }
    }
    decisions
}

fn listed(en_verdict: &str, ja_verdict: &str, findings: &[&ProbeFinding], report: &ProbeReport) -> Text {
    let describe = |finding: &ProbeFinding, title: &str| match (finding.port, &finding.protocol) {
        (Some(port), Some(protocol)) => format!("{title} ({port}/{protocol})"),
        (Some(port), None) => format!("{title} (port {port})"),
        _ => title.to_owned(),
    };
    let en: Vec<String> = findings.iter().map(|f| describe(f, &f.title.en)).collect();
    let ja: Vec<String> = findings.iter().map(|f| describe(f, &f.title.ja)).collect();
    Text::new(
        format!("probe of {} at {} {en_verdict}: {}", report.target, report.started, en.join("; ")),
        format!("{} のプローブ（{}）{ja_verdict}: {}", report.target, report.started, ja.join("、")),
    )
}

/// The vulnerability rule from an SBOM check, with the SBOM's own evidence ID when it was kept.
pub fn sbom_decision(report: &SbomCheckReport, evidence: &[String]) -> VulnerabilityDecision {
    let mut failing: Vec<String> = report.findings.iter().filter(|f| f.fails_level).map(|f| f.id.clone()).collect();
    failing.sort();
    failing.dedup();
    let mut undecided: Vec<String> = report
        .findings
        .iter()
        .filter(|f| matches!(f.verdict.as_deref(), Some("review" | "unscored")))
        .map(|f| f.id.clone())
        .collect();
    undecided.sort();
    undecided.dedup();
    VulnerabilityDecision {
        conformant: report.outcome() == SbomOutcome::Conformant,
        evidence: evidence.to_vec(),
        components: report.components,
        failing,
        undecided,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(findings: serde_json::Value) -> ProbeReport {
        serde_json::from_value(serde_json::json!({
            "target": "127.0.0.1", "address": "127.0.0.1", "level": "1", "started": "2026-11-26T00:00:00Z",
            "duration_ms": 10, "ports": [], "findings": findings, "conformant": true
        }))
        .unwrap()
    }

    fn finding(id: &str, requirement: &str, verdict: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "port": 23, "protocol": "tcp", "severity": "high", "requirements": [requirement],
            "threats": [], "title": {"en": id, "ja": id}, "detail": {"en": "d", "ja": "d"},
            "evidence": {}, "verdict": verdict
        })
    }

    #[test]
    fn a_failing_finding_decides_no_and_a_pass_decides_yes() {
        let catalog = tekigo_criteria::builtin().unwrap();
        let scheme = catalog.scheme("jc-star").unwrap();
        let brute = scheme.requirement("S1.1-04").unwrap();
        let unused = scheme.requirement("S1.1-13").unwrap();
        let failing = report(serde_json::json!([finding("no-brute-force-protection", "jc-star/S1.1-04", "fail")]));
        let decisions = probe_decisions(&failing, "E3", &[brute, unused]);
        assert_eq!(decisions.len(), 2, "{decisions:?}");
        assert_eq!(decisions[0].answer, Answer::No);
        assert!(decisions[0].detail.en.contains("no-brute-force-protection (23/tcp)"));
        assert_eq!(decisions[1].requirement, "S1.1-13");
        assert_eq!(decisions[1].item, "2", "only the device item is decided");
        assert_eq!(decisions[1].answer, Answer::NotApplicable);

        let passing = report(serde_json::json!([finding("brute-force-protection", "jc-star/S1.1-04", "pass")]));
        assert_eq!(probe_decisions(&passing, "E3", &[brute])[0].answer, Answer::Yes);

        // A document-only requirement is decided only by a failure.
        let access = scheme.requirement("S1.1-01").unwrap();
        assert!(probe_decisions(&passing, "E3", &[access]).is_empty());
        let anonymous = report(serde_json::json!([finding("mqtt-anonymous", "jc-star/S1.1-01", "fail")]));
        let decided = probe_decisions(&anonymous, "E3", &[access]);
        assert_eq!((decided.len(), decided[0].answer), (1, Answer::No));
    }

    #[test]
    fn a_report_of_another_level_is_refused() {
        let mut level_two = report(serde_json::json!([]));
        level_two.level = "2".into();
        let error = check_probe_level("probe.json", &level_two, "jc-star", "1").unwrap_err();
        assert!(error.to_string().contains("made for jc-star:2"), "{error}");
    }

    #[test]
    fn garbage_is_named_as_such() {
        let error = read_probe("x.json", b"{\"target\": 1}").unwrap_err();
        assert!(error.to_string().starts_with("x.json: not a `tekigo probe --format json` report"), "{error}");
    }
}
