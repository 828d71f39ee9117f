//! `tekigo sbom check`: match an SBOM's components against the database, then decide each finding
//! under the level's rule.
//!
//! Why this file is long: matching and the level's decision are one pass over the findings;
//! together, every reason a finding carries sits next to the rule that gives it.
//!
//! Matching, best evidence first: the component's package URL against advisories' packages (high
//! confidence); its CPE against advisories' CPE ranges (high; medium when the advisory's vendor
//! differs, the configuration needs a platform, or no version bounds are given); for a component
//! with neither, its name against CPE products (low). Every match carries its reasons.

use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::params_from_iter;
use serde::{Deserialize, Serialize};
use tekigo_base::Text;
use tekigo_criteria::Level;
use tekigo_sbom::{Component, Sbom};
use tekigo_version::{CpeRange, Event, Scheme};

use crate::cpe;
use crate::db::{DbError, VulnDb};
use crate::package::{PurlPackage, parse_purl};
use crate::policy::{Exception, Policy};
use crate::provenance::Provenance;
use crate::severity::{Against, Basis, RuleSeverity, Score, VendorScore, rule_severity};
use crate::vex::{VexStatement, VexStatus, names_component};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    Purl,
    Cpe,
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Fails the level: the product is not conformant while it stands.
    Fail,
    /// Would fail, but the match is not enough to decide (the component's name alone).
    Review,
    /// No score places it against the threshold and it is not known to be exploited: the rule
    /// cannot be evaluated, so the report cannot say "conformant" (see `decide`).
    Unscored,
    /// Matched, but below the level's bar.
    Pass,
    /// A VEX statement says the product is not affected (or the vulnerability is fixed in it).
    NotAffected,
    /// Waived by an unexpired exception of the policy.
    Excepted,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentInfo {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Kev {
    pub date_added: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ransomware: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The vulnerability's ID (a CVE when it has one) and every other name it goes by.
    pub id: String,
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub component: ComponentInfo,
    pub matched_by: MatchedBy,
    pub confidence: Confidence,
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed_in: Vec<String>,
    /// The CVSS score the rule reads (see `severity`: v3.x first, then v4.0, then the policy's
    /// vendor score; `origin` says whose), and every score known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Score>,
    pub scores: Vec<Score>,
    /// The severity the rule reads and where it came from: a CVSS score, or a qualitative level
    /// read as its band. Absent when nothing scores the vulnerability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<RuleSeverity>,
    /// True when no severity places the vulnerability against the level's threshold (none known,
    /// or a qualitative band across it): such a finding is never read as below the bar.
    pub unscored: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kev: Option<Kev>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epss: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exploited_by: Vec<String>,
    pub exploitable: bool,
    pub verdict: Verdict,
    /// Whether this finding alone makes the product fail the level.
    pub fails_level: bool,
    /// Why, in both languages.
    pub verdict_reason: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<VexStatement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Exception>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub fail: usize,
    pub review: usize,
    pub unscored: usize,
    pub pass: usize,
    pub not_affected: usize,
    pub excepted: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExceptionUse {
    pub exception: Exception,
    pub applied: usize,
    pub expired: bool,
}

/// The check's overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Every finding was evaluated and none fails the level.
    Conformant,
    /// At least one finding fails the level.
    NotConformant,
    /// Nothing fails, but some findings could not be evaluated (unscored, or matched on the name
    /// alone): the product is not shown to be conformant.
    Undecided,
}

/// Something the reader of a report must know that is not a finding.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    /// `stale-source`, `no-exploitation-data`, `undecided`.
    pub code: String,
    pub message: Text,
}

/// What `tekigo sbom check` reports (`--format json`), and what a registry stores and shows.
/// Field names are a public interface; fields are only added.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub sbom: String,
    pub components: usize,
    /// Components with neither purl nor CPE, matched by name only (or not at all).
    pub components_without_identifiers: usize,
    pub level: String,
    pub cvss_min: f64,
    pub epss_threshold: f64,
    pub require_exploitable: bool,
    /// True only when the outcome is conformant: every finding evaluated, none failing.
    pub conformant: bool,
    pub outcome: Outcome,
    pub counts: Counts,
    pub findings: Vec<Finding>,
    pub exceptions: Vec<ExceptionUse>,
    pub diagnostics: Vec<String>,
    /// The database the check read: its sources, their dates, a content digest.
    pub database: Provenance,
    /// Stale sources, missing exploitation data, an undecided result: in every output.
    pub warnings: Vec<Warning>,
}

/// What a check is asked to decide.
pub struct CheckRequest<'a> {
    pub sbom: &'a Sbom,
    pub sbom_origin: &'a str,
    /// Written `SCHEME:LEVEL`.
    pub level_name: &'a str,
    pub level: &'a Level,
    pub policy: &'a Policy,
    pub vex: &'a [VexStatement],
    pub today: jiff::civil::Date,
}

#[derive(Debug, Deserialize)]
struct RangeJson {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<BTreeMap<String, String>>,
}

/// One component matched to one vulnerability group, before the rule.
struct Candidate {
    component: usize,
    group: i64,
    matched_by: MatchedBy,
    confidence: Confidence,
    reasons: Vec<String>,
    fixed_in: Vec<String>,
}

/// One affected-package row, its JSON parsed once however many components it is compared with.
struct PackageRule {
    group: i64,
    source: String,
    record_id: String,
    ecosystem: String,
    listed: Vec<String>,
    /// Each range with the scheme that orders it and its events as text for the reason.
    ranges: Vec<(Scheme, Vec<Event>, String)>,
    fixed: Vec<String>,
}

impl PackageRule {
    fn new(group: i64, source: String, record_id: String, ecosystem: String, ranges: &str, versions: &str) -> Self {
        let listed: Vec<String> = serde_json::from_str(versions).unwrap_or_default();
        let parsed: Vec<RangeJson> = serde_json::from_str(ranges).unwrap_or_default();
        let fixed = parsed.iter().flat_map(|r| r.events.iter()).filter_map(|e| e.get("fixed").cloned()).collect();
        let ranges = parsed
            .iter()
            .map(|range| {
                let bounds: Vec<String> =
                    range.events.iter().flat_map(|e| e.iter().map(|(k, v)| format!("{k} {v}"))).collect();
                (scheme_for(&ecosystem, &range.kind), events_of(range), bounds.join(", "))
            })
            .collect();
        PackageRule { group, source, record_id, ecosystem, listed, ranges, fixed }
    }

    /// Whether the rule covers `version`, and how.
    fn affects(&self, version: &str) -> Result<Option<String>, String> {
        let bare = version.strip_prefix('v').unwrap_or(version);
        if self.listed.iter().any(|v| v == version || v == bare) {
            return Ok(Some("is listed as affected".into()));
        }
        for (scheme, events, bounds) in &self.ranges {
            match tekigo_version::osv_range_affects(*scheme, events, version) {
                Ok(true) => return Ok(Some(format!("is within [{bounds}]"))),
                Ok(false) => {}
                Err(error) => return Err(error.to_string()),
            }
        }
        Ok(None)
    }
}

/// SQLite's default limit on bound parameters is 32766; stay well under it.
const CHUNK: usize = 5_000;

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(",")
}

fn scheme_for(ecosystem: &str, range_kind: &str) -> Scheme {
    let scheme = Scheme::from_osv_ecosystem(ecosystem);
    if range_kind == "SEMVER" && scheme == Scheme::Generic { Scheme::Semver } else { scheme }
}

fn events_of(range: &RangeJson) -> Vec<Event> {
    range
        .events
        .iter()
        .filter_map(|event| {
            let (kind, value) = event.iter().next()?;
            Some(match kind.as_str() {
                "introduced" => Event::Introduced(value.clone()),
                "fixed" => Event::Fixed(value.clone()),
                "last_affected" => Event::LastAffected(value.clone()),
                "limit" => Event::Limit(value.clone()),
                _ => return None,
            })
        })
        .collect()
}

impl VulnDb {
    /// Matches and decides. The database is only read.
    ///
    /// A database that holds no advisory is refused (`DbError::Empty`): a check against it
    /// would find nothing and read as conformant.
    pub fn check(&self, request: &CheckRequest<'_>) -> Result<Report, DbError> {
        if !self.holds_advisories()? {
            return Err(DbError::Empty(self.dir().display().to_string()));
        }
        let database = self.provenance(request.policy.max_age_days, request.today)?;
        let mut diagnostics = Vec::new();
        let components = &request.sbom.components;
        let mut candidates: Vec<Candidate> = Vec::new();

        // 1. Package URLs.
        let purls: Vec<Option<PurlPackage>> =
            components.iter().map(|c| c.purl.as_deref().and_then(parse_purl)).collect();
        for (component, purl) in components.iter().zip(&purls) {
            if component.purl.is_some() && purl.is_none() {
                diagnostics.push(format!(
                    "component `{}`: purl `{}` does not parse",
                    component.name,
                    component.purl.as_deref().unwrap_or_default()
                ));
            }
        }
        let keys: Vec<&str> = {
            let mut keys: Vec<&str> = purls.iter().flatten().map(|p| p.key.0.as_str()).collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        };
        let mut package_rows: HashMap<String, Vec<PackageRule>> = HashMap::new();
        for chunk in keys.chunks(CHUNK) {
            let sql = format!(
                "SELECT package_key, group_id, source, record_id, ecosystem, ranges, versions FROM affected_packages WHERE package_key IN ({})",
                placeholders(chunk.len())
            );
            let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
            let rows = statement
                .query_map(params_from_iter(chunk.iter()), |r| {
                    let (ranges, versions): (String, String) = (r.get(5)?, r.get(6)?);
                    Ok((
                        r.get::<_, String>(0)?,
                        PackageRule::new(r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, &ranges, &versions),
                    ))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (key, rest) = row.map_err(|e| self.err(e))?;
                package_rows.entry(key).or_default().push(rest);
            }
        }
        for (index, purl) in purls.iter().enumerate() {
            let Some(purl) = purl else { continue };
            let Some(rows) = package_rows.get(&purl.key.0) else { continue };
            let Some(version) = purl.version.as_deref().or(components[index].version.as_deref()) else {
                diagnostics.push(format!("component `{}` has no version: not compared", components[index].name));
                continue;
            };
            for rule in rows {
                let PackageRule { group, source, record_id, ecosystem, .. } = rule;
                match rule.affects(version) {
                    Ok(Some(how)) => {
                        let mut confidence = Confidence::High;
                        let mut reasons = vec![format!("{}@{version} {how} ({source} {record_id})", purl.key.0)];
                        if let Some((_, release)) = ecosystem.split_once(':') {
                            match &purl.distro {
                                Some(distro)
                                    if !distro
                                        .to_lowercase()
                                        .replace('-', "")
                                        .contains(&release.to_lowercase().replace(['v', '-'], "")) =>
                                {
                                    continue;
                                }
                                Some(_) => {}
                                None => {
                                    confidence = Confidence::Medium;
                                    reasons.push(format!(
                                        "the advisory is for {ecosystem}; the purl names no distro release"
                                    ));
                                }
                            }
                        }
                        candidates.push(Candidate {
                            component: index,
                            group: *group,
                            matched_by: MatchedBy::Purl,
                            confidence,
                            reasons,
                            fixed_in: rule.fixed.clone(),
                        });
                    }
                    Ok(None) => {}
                    Err(message) => diagnostics.push(format!("component `{}`: {message}", components[index].name)),
                }
            }
        }

        // 2. CPEs, and names of components that carry no identifier at all.
        let mut without_identifiers = 0;
        let mut cpe_queries: Vec<(usize, Option<cpe::Cpe>, String, Option<String>)> = Vec::new();
        for (index, component) in components.iter().enumerate() {
            let parsed: Vec<cpe::Cpe> = component.cpes.iter().filter_map(|c| cpe::parse(c)).collect();
            if parsed.is_empty() && component.purl.is_none() {
                without_identifiers += 1;
                let product = component.name.to_lowercase().replace(' ', "_");
                cpe_queries.push((index, None, product, component.version.clone()));
            }
            for name in parsed {
                let version = name.concrete_version().map(str::to_owned).or_else(|| component.version.clone());
                let product = name.product.clone();
                cpe_queries.push((index, Some(name), product, version));
            }
        }
        let products: Vec<&str> = {
            let mut products: Vec<&str> = cpe_queries.iter().map(|q| q.2.as_str()).collect();
            products.sort_unstable();
            products.dedup();
            products
        };
        type CpeDbRow = (i64, String, String, String, String, String, [Option<String>; 4], Option<String>);
        let mut cpe_rows: HashMap<String, Vec<CpeDbRow>> = HashMap::new();
        for chunk in products.chunks(CHUNK) {
            let sql = format!(
                "SELECT product, group_id, source, record_id, vendor, criteria, version, start_including, start_excluding, end_including, end_excluding, running_on
                 FROM affected_cpes WHERE product IN ({})",
                placeholders(chunk.len())
            );
            let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
            let rows = statement
                .query_map(params_from_iter(chunk.iter()), |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        (
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            [r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?],
                            r.get(11)?,
                        ),
                    ))
                })
                .map_err(|e| self.err(e))?;
            for row in rows {
                let (product, rest) = row.map_err(|e| self.err(e))?;
                cpe_rows.entry(product).or_default().push(rest);
            }
        }
        for (index, name, product, version) in &cpe_queries {
            let Some(rows) = cpe_rows.get(product) else { continue };
            let Some(version) = version else {
                diagnostics
                    .push(format!("component `{}` has no version: its CPE is not compared", components[*index].name));
                continue;
            };
            for (group, source, record_id, vendor, criteria, row_version, bounds, running_on) in rows {
                let [start_including, start_excluding, end_including, end_excluding] = bounds.clone();
                let range = CpeRange { start_including, start_excluding, end_including, end_excluding };
                let bounded = range != CpeRange::default();
                let affected = match row_version.as_str() {
                    "*" | "-" | "" if bounded => range.contains(Scheme::Generic, version),
                    "*" | "" => Ok(true),
                    "-" => Ok(false),
                    exact => tekigo_version::compare(Scheme::Generic, exact, version).map(|o| o.is_eq()),
                };
                let affected = match affected {
                    Ok(affected) => affected,
                    Err(error) => {
                        diagnostics.push(format!("component `{}`: {error}", components[*index].name));
                        continue;
                    }
                };
                if !affected {
                    continue;
                }
                let mut reasons = Vec::new();
                let (matched_by, mut confidence) = match name {
                    Some(name) if name.vendor == *vendor => {
                        reasons.push(format!(
                            "CPE {}:{product} {version} matches {criteria} ({source} {record_id})",
                            name.vendor
                        ));
                        (MatchedBy::Cpe, Confidence::High)
                    }
                    Some(name) => {
                        reasons.push(format!("CPE product `{product}` {version} matches {criteria}, but the vendor differs (`{}` in the SBOM) ({source} {record_id})", name.vendor));
                        (MatchedBy::Cpe, Confidence::Medium)
                    }
                    None => {
                        reasons.push(format!("component name `{}` {version} matches the product of {criteria}; the component has no purl or CPE ({source} {record_id})", components[*index].name));
                        (MatchedBy::Name, Confidence::Low)
                    }
                };
                if !bounded && matches!(row_version.as_str(), "*" | "") {
                    confidence = confidence.max(Confidence::Medium);
                    reasons.push("the advisory gives no version bounds: every version is listed as affected".into());
                }
                if let Some(platform) = running_on {
                    confidence = confidence.max(Confidence::Medium);
                    reasons.push(format!("only when running on {platform}"));
                }
                let fixed_in = range.end_excluding.iter().cloned().collect();
                candidates.push(Candidate {
                    component: *index,
                    group: *group,
                    matched_by,
                    confidence,
                    reasons,
                    fixed_in,
                });
            }
        }

        // 3. One finding per component and vulnerability, with the best evidence first.
        let mut merged: BTreeMap<(usize, i64), Candidate> = BTreeMap::new();
        for candidate in candidates {
            match merged.get_mut(&(candidate.component, candidate.group)) {
                Some(existing) => {
                    if candidate.confidence < existing.confidence {
                        existing.confidence = candidate.confidence;
                        existing.matched_by = candidate.matched_by;
                    }
                    for reason in candidate.reasons {
                        if !existing.reasons.contains(&reason) {
                            existing.reasons.push(reason);
                        }
                    }
                    for fixed in candidate.fixed_in {
                        if !existing.fixed_in.contains(&fixed) {
                            existing.fixed_in.push(fixed);
                        }
                    }
                }
                None => {
                    merged.insert((candidate.component, candidate.group), candidate);
                }
            }
        }

        let groups: Vec<i64> = {
            let mut groups: Vec<i64> = merged.keys().map(|(_, g)| *g).collect();
            groups.sort_unstable();
            groups.dedup();
            groups
        };
        let facts = self.facts(&groups)?;
        let threshold = request.policy.cvss_min.unwrap_or(request.level.vulnerability_cvss_min.unwrap_or(7.0));
        let mut exception_uses: Vec<ExceptionUse> = request
            .policy
            .exceptions
            .iter()
            .map(|exception| ExceptionUse {
                exception: exception.clone(),
                applied: 0,
                expired: expired(exception, request.today),
            })
            .collect();

        let no_facts = Facts::default();
        let mut findings = Vec::new();
        for ((index, group), candidate) in merged {
            let component = &components[index];
            let fact = facts.get(&group).unwrap_or(&no_facts);
            let vendor = request.policy.score_for(&fact.aliases).and_then(|score| {
                Some(VendorScore { vector: &score.cvss, score: score.base_score()?, reason: &score.reason })
            });
            let severity = rule_severity(&fact.scores, vendor);
            let cvss = severity.as_ref().filter(|s| s.basis != Basis::Qualitative).map(|s| Score {
                kind: if s.basis == Basis::CvssV4 || s.vector.as_deref().is_some_and(|v| v.starts_with("CVSS:4")) {
                    "CVSS_V4".into()
                } else {
                    "CVSS_V3".into()
                },
                vector: s.vector.clone(),
                score: Some(s.range[0]),
                origin: s.origin.clone(),
                record: s.record.clone(),
            });
            let mut finding = Finding {
                id: fact.display_id.clone(),
                aliases: fact.aliases.iter().filter(|a| **a != fact.display_id).cloned().collect(),
                summary: fact.summary.clone(),
                component: component_info(component),
                matched_by: candidate.matched_by,
                confidence: candidate.confidence,
                reasons: candidate.reasons,
                fixed_in: candidate.fixed_in,
                cvss,
                scores: fact.scores.clone(),
                severity,
                unscored: false,
                kev: fact.kev.clone(),
                epss: fact.epss,
                exploited_by: fact.exploited.clone(),
                exploitable: false,
                verdict: Verdict::Pass,
                fails_level: false,
                verdict_reason: Text::new("", ""),
                vex: None,
                exception: None,
            };
            decide(&mut finding, threshold, request, &fact.aliases, &mut exception_uses);
            findings.push(finding);
        }
        findings.sort_by(|a, b| {
            let rank = |f: &Finding| match f.verdict {
                Verdict::Fail => 0,
                Verdict::Review | Verdict::Unscored => 1,
                Verdict::Excepted => 2,
                Verdict::Pass => 3,
                Verdict::NotAffected => 4,
            };
            rank(a)
                .cmp(&rank(b))
                .then(
                    b.severity
                        .as_ref()
                        .map(|s| s.range[0])
                        .partial_cmp(&a.severity.as_ref().map(|s| s.range[0]))
                        .unwrap_or(std::cmp::Ordering::Equal),
                )
                .then(a.id.cmp(&b.id))
                .then(a.component.name.cmp(&b.component.name))
        });
        let mut counts = Counts::default();
        for finding in &findings {
            match finding.verdict {
                Verdict::Fail => counts.fail += 1,
                Verdict::Review => counts.review += 1,
                Verdict::Unscored => counts.unscored += 1,
                Verdict::Pass => counts.pass += 1,
                Verdict::NotAffected => counts.not_affected += 1,
                Verdict::Excepted => counts.excepted += 1,
            }
        }
        diagnostics.sort();
        diagnostics.dedup();
        let outcome = if counts.fail > 0 {
            Outcome::NotConformant
        } else if counts.review + counts.unscored > 0 {
            Outcome::Undecided
        } else {
            Outcome::Conformant
        };
        let warnings = warnings(&database, &counts, outcome);
        Ok(Report {
            sbom: request.sbom_origin.to_owned(),
            components: components.len(),
            components_without_identifiers: without_identifiers,
            level: request.level_name.to_owned(),
            cvss_min: threshold,
            epss_threshold: request.policy.epss_threshold,
            require_exploitable: request.policy.require_exploitable,
            conformant: outcome == Outcome::Conformant,
            outcome,
            counts,
            findings,
            exceptions: exception_uses,
            diagnostics,
            database,
            warnings,
        })
    }

    /// Aliases, scores, KEV, EPSS and exploitation evidence of each group.
    fn facts(&self, groups: &[i64]) -> Result<HashMap<i64, Facts>, DbError> {
        let mut facts: HashMap<i64, Facts> = HashMap::new();
        for chunk in groups.chunks(CHUNK) {
            let marks = placeholders(chunk.len());
            let query =
                |sql: String, f: &mut dyn FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>| -> Result<(), DbError> {
                    let mut statement = self.conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
                    let mut rows = statement.query(params_from_iter(chunk.iter())).map_err(|e| self.err(e))?;
                    while let Some(row) = rows.next().map_err(|e| self.err(e))? {
                        f(row).map_err(|e| self.err(e))?;
                    }
                    Ok(())
                };
            query(format!("SELECT id, display_id FROM groups WHERE id IN ({marks})"), &mut |r| {
                facts.entry(r.get(0)?).or_default().display_id = r.get(1)?;
                Ok(())
            })?;
            query(
                format!("SELECT group_id, alias FROM aliases WHERE group_id IN ({marks}) ORDER BY alias"),
                &mut |r| {
                    facts.entry(r.get(0)?).or_default().aliases.push(r.get(1)?);
                    Ok(())
                },
            )?;
            query(
                format!(
                    "SELECT group_id, summary FROM records WHERE group_id IN ({marks}) AND summary IS NOT NULL ORDER BY source DESC"
                ),
                &mut |r| {
                    let entry = facts.entry(r.get(0)?).or_default();
                    if entry.summary.is_none() {
                        entry.summary = r.get(1)?;
                    }
                    Ok(())
                },
            )?;
            query(
                format!(
                    "SELECT group_id, kind, vector, score, origin, source, record_id FROM severities WHERE group_id IN ({marks}) ORDER BY source, record_id"
                ),
                &mut |r| {
                    let (source, record_id): (String, String) = (r.get(5)?, r.get(6)?);
                    let origin: String = r.get(4)?;
                    // GitHub's advisories reach the database as OSV records: their scores are GHSA's.
                    let origin =
                        if origin == "osv" && record_id.starts_with("GHSA-") { "ghsa".to_owned() } else { origin };
                    let score = Score {
                        kind: r.get(1)?,
                        vector: r.get(2)?,
                        score: r.get(3)?,
                        origin,
                        record: Some(format!("{source} {record_id}")),
                    };
                    let scores = &mut facts.entry(r.get(0)?).or_default().scores;
                    // The same score repeated by several records of one origin is listed once.
                    if !scores
                        .iter()
                        .any(|s| s.kind == score.kind && s.vector == score.vector && s.origin == score.origin)
                    {
                        scores.push(score);
                    }
                    Ok(())
                },
            )?;
            query(format!("SELECT group_id, detail FROM exploited WHERE group_id IN ({marks})"), &mut |r| {
                facts.entry(r.get(0)?).or_default().exploited.push(r.get(1)?);
                Ok(())
            })?;
            query(
                format!(
                    "SELECT a.group_id, k.date_added, k.due_date, k.ransomware FROM aliases a JOIN kev k ON k.cve = a.alias WHERE a.group_id IN ({marks})"
                ),
                &mut |r| {
                    facts.entry(r.get(0)?).or_default().kev =
                        Some(Kev { date_added: r.get(1)?, due_date: r.get(2)?, ransomware: r.get(3)? });
                    Ok(())
                },
            )?;
            query(
                format!(
                    "SELECT a.group_id, max(e.score) FROM aliases a JOIN epss e ON e.cve = a.alias WHERE a.group_id IN ({marks}) GROUP BY a.group_id"
                ),
                &mut |r| {
                    facts.entry(r.get(0)?).or_default().epss = r.get(1)?;
                    Ok(())
                },
            )?;
        }
        Ok(facts)
    }
}

#[derive(Debug, Clone, Default)]
struct Facts {
    display_id: String,
    aliases: Vec<String>,
    summary: Option<String>,
    scores: Vec<Score>,
    kev: Option<Kev>,
    epss: Option<f64>,
    exploited: Vec<String>,
}

fn component_info(component: &Component) -> ComponentInfo {
    ComponentInfo {
        id: component.id.clone(),
        name: component.name.clone(),
        version: component.version.clone(),
        purl: component.purl.clone(),
        cpe: component.cpes.first().cloned(),
    }
}

fn expired(exception: &Exception, today: jiff::civil::Date) -> bool {
    jiff::civil::Date::strptime("%Y-%m-%d", &exception.expires).map(|d| d < today).unwrap_or(true)
}

fn exception_applies(exception: &Exception, aliases: &[String], component: &ComponentInfo) -> bool {
    aliases.iter().any(|a| a.eq_ignore_ascii_case(&exception.id))
        && exception.component.as_deref().is_none_or(|wanted| {
            component.purl.as_deref().is_some_and(|p| p.contains(wanted))
                || component.cpe.as_deref().is_some_and(|c| c.contains(wanted))
                || component.name.contains(wanted)
        })
}

/// The level's rule, in one place (SCHEME §2): a known vulnerability fails the level when its CVSS v3
/// base score is at or above the level's threshold (7.0 for ★1/★2, 4.0 for ★3/★4) and it is
/// exploitable: listed in KEV, EPSS at or above the policy's threshold, or marked exploited by an
/// advisory. VEX and unexpired exceptions then take findings out.
///
/// The severity read is the best one known through every alias (see `severity`). A vulnerability
/// that nothing places against the threshold is never read as below it:
/// - exploitable and unscored FAILS. SCHEME §2 fails a known exploitable vulnerability of high
///   severity; this one is known to be exploitable and nothing shows its severity is below the
///   threshold. The vendor answers it with its own score in the policy (`[[scores]]`, with a
///   reason) or with VEX, or waives it with a dated exception.
/// - unscored and not known to be exploited is UNSCORED. It fails nothing by itself, but the rule
///   is not shown to hold either: "not known to be exploited" is an absence of evidence (KEV and
///   EPSS are keyed by CVE, and many unscored advisories, such as Go's, name none), and with
///   `require_exploitable = false` the score alone decides. The report's outcome is then
///   "undecided", never conformant, until the finding is scored, answered with VEX or excepted.
fn decide(
    finding: &mut Finding,
    threshold: f64,
    request: &CheckRequest<'_>,
    aliases: &[String],
    exceptions: &mut [ExceptionUse],
) {
    let policy = request.policy;
    let matching: Vec<&VexStatement> = request
        .vex
        .iter()
        .filter(|statement| {
            aliases.iter().any(|a| a.eq_ignore_ascii_case(&statement.vulnerability))
                && statement.products.iter().any(|p| {
                    names_component(
                        p,
                        &finding.component.id,
                        finding.component.purl.as_deref(),
                        finding.component.cpe.as_slice(),
                    )
                })
        })
        .collect();
    let affected = matching.iter().find(|s| s.status == VexStatus::Affected);
    let clearing = matching.iter().find(|s| matches!(s.status, VexStatus::NotAffected | VexStatus::Fixed));
    if let Some(statement) = clearing
        && affected.is_none()
    {
        let justification = statement.justification.as_ref().map(|j| format!(": {j}")).unwrap_or_default();
        finding.verdict = Verdict::NotAffected;
        finding.verdict_reason = if statement.status == VexStatus::Fixed {
            Text::new(
                format!("VEX ({}) says fixed{justification}", statement.source),
                format!("VEX（{}）によれば修正済み{justification}", statement.source),
            )
        } else {
            Text::new(
                format!("VEX ({}) says not affected{justification}", statement.source),
                format!("VEX（{}）によれば影響なし{justification}", statement.source),
            )
        };
        finding.vex = Some((*statement).clone());
        return;
    }
    // Statements under different IDs of one vulnerability can disagree where no single document
    // did: the finding then stays, with both named.
    if let (Some(clear), Some(affected)) = (clearing, affected) {
        finding.reasons.push(format!(
            "VEX statements disagree ({} says {} under {}, {} says affected under {}): the finding is decided without them",
            clear.source,
            if clear.status == VexStatus::Fixed { "fixed" } else { "not affected" },
            clear.vulnerability,
            affected.source,
            affected.vulnerability
        ));
    }
    finding.vex = affected.or(matching.first()).map(|s| (*s).clone());

    let mut because_en = Vec::new();
    let mut because_ja = Vec::new();
    if let Some(kev) = &finding.kev {
        because_en.push(format!("listed in CISA KEV since {}", kev.date_added));
        because_ja.push(format!("{} から CISA KEV に掲載", kev.date_added));
    }
    if let Some(epss) = finding.epss
        && epss >= policy.epss_threshold
    {
        because_en.push(format!("EPSS {epss:.3} ≥ {}", policy.epss_threshold));
        because_ja.push(format!("EPSS {epss:.3} ≥ {}", policy.epss_threshold));
    }
    if !finding.exploited_by.is_empty() {
        because_en.push("an advisory reports exploitation".into());
        because_ja.push("アドバイザリが悪用を報告".into());
    }
    finding.exploitable = !because_en.is_empty();
    let counts_as_exploitable = finding.exploitable || !policy.require_exploitable;
    let (why_en, why_ja) = if finding.exploitable {
        (because_en.join("; "), because_ja.join("、"))
    } else {
        ("the policy does not require exploitability".to_owned(), "ポリシーが悪用可能性を要件としない".to_owned())
    };
    let severity = finding.severity.as_ref();
    let described = severity.map(RuleSeverity::describe).unwrap_or_default();
    let not_exploited_en =
        format!("not known to be exploited (no KEV entry, EPSS below {}, no advisory report)", policy.epss_threshold);
    let not_exploited_ja =
        format!("悪用は知られていない（KEV 掲載なし、EPSS {} 未満、アドバイザリの報告なし）", policy.epss_threshold);

    let would = match severity.map(|s| s.against(threshold)) {
        Some(Against::AtOrAbove) if counts_as_exploitable => {
            finding.verdict_reason = Text::new(
                format!("{described} ≥ {threshold:.1} and {why_en}"),
                format!("{described} ≥ {threshold:.1}、かつ{why_ja}"),
            );
            Verdict::Fail
        }
        Some(Against::AtOrAbove) => {
            finding.verdict_reason = Text::new(
                format!("{described} ≥ {threshold:.1}, but {not_exploited_en}"),
                format!("{described} ≥ {threshold:.1} だが{not_exploited_ja}"),
            );
            Verdict::Pass
        }
        Some(Against::Below) => {
            finding.verdict_reason = Text::new(
                format!("{described} is below {threshold:.1}"),
                format!("{described} は {threshold:.1} 未満"),
            );
            Verdict::Pass
        }
        placed => {
            finding.unscored = true;
            let (unknown_en, unknown_ja) = if placed.is_some() {
                (
                    format!("the severity {described} spans the threshold {threshold:.1}"),
                    format!("深刻度 {described} は閾値 {threshold:.1} をまたぐ"),
                )
            } else {
                (
                    "no CVSS score is known under any of its IDs".to_owned(),
                    "いずれの ID にも CVSS スコアがない".to_owned(),
                )
            };
            if finding.exploitable {
                finding.verdict_reason = Text::new(
                    format!(
                        "UNSCORED and exploitable: {unknown_en}, and {why_en}; nothing shows it is below {threshold:.1}: score it in the policy ([[scores]]) or answer it with VEX"
                    ),
                    format!(
                        "スコアなしで悪用可能: {unknown_ja}、かつ{why_ja}。{threshold:.1} 未満とは言えないため、ポリシー（[[scores]]）で評価するか VEX で回答してください"
                    ),
                );
                Verdict::Fail
            } else {
                let (context_en, context_ja) =
                    if policy.require_exploitable { (not_exploited_en, not_exploited_ja) } else { (why_en, why_ja) };
                finding.verdict_reason = Text::new(
                    format!(
                        "UNSCORED: {unknown_en}; {context_en}: the rule cannot be evaluated; import NVD data, score it in the policy ([[scores]]) or answer it with VEX"
                    ),
                    format!(
                        "スコアなし: {unknown_ja}。{context_ja}。規則を評価できません: NVD のデータを取り込むか、ポリシー（[[scores]]）で評価するか、VEX で回答してください"
                    ),
                );
                Verdict::Unscored
            }
        }
    };
    if would == Verdict::Pass {
        finding.verdict = Verdict::Pass;
        return;
    }
    if finding.confidence == Confidence::Low && !policy.fail_on_low_confidence {
        finding.verdict_reason.en.push_str("; matched on the name alone: confirm the component is the product named");
        finding.verdict_reason.ja.push_str("。ただし名前のみの照合のため、構成要素が該当製品か確認してください");
        if would == Verdict::Fail {
            finding.verdict = Verdict::Review;
            return;
        }
    }
    for exception_use in exceptions.iter_mut() {
        if exception_applies(&exception_use.exception, aliases, &finding.component) {
            let until = exception_use.exception.expires.clone();
            if exception_use.expired {
                finding.verdict_reason.en.push_str(&format!("; the exception until {until} has expired"));
                finding.verdict_reason.ja.push_str(&format!("。{until} までの例外は期限切れ"));
                continue;
            }
            exception_use.applied += 1;
            let reason = exception_use.exception.reason.clone();
            finding.verdict = Verdict::Excepted;
            finding.verdict_reason.en.push_str(&format!("; excepted until {until}: {reason}"));
            finding.verdict_reason.ja.push_str(&format!("。{until} まで例外: {reason}"));
            finding.exception = Some(exception_use.exception.clone());
            return;
        }
    }
    finding.verdict = would;
    finding.fails_level = would == Verdict::Fail;
}

/// The report's warnings: stale sources, no exploitation data, an undecided result.
fn warnings(database: &Provenance, counts: &Counts, outcome: Outcome) -> Vec<Warning> {
    let mut warnings: Vec<Warning> = database
        .stale
        .iter()
        .map(|stale| Warning { code: "stale-source".into(), message: stale.message.clone() })
        .collect();
    let has = |name: &str| database.sources.iter().any(|s| s.name == name && s.items > 0);
    if !has("kev") && !has("epss") {
        warnings.push(Warning {
            code: "no-exploitation-data".into(),
            message: Text::new(
                "the database holds neither the CISA KEV catalog nor EPSS scores: only advisories can show a vulnerability is exploitable",
                "データベースに CISA KEV も EPSS もありません: 悪用可能性はアドバイザリからしか判断できません",
            ),
        });
    }
    if outcome == Outcome::Undecided {
        warnings.push(Warning {
            code: "undecided".into(),
            message: Text::new(
                format!(
                    "the result cannot be decided: {} finding(s) unscored and {} to review; nothing fails, but conformance is not shown",
                    counts.unscored, counts.review
                ),
                format!(
                    "判定できません: スコアのない検出 {} 件、要確認 {} 件。不適合はありませんが、適合も示せません",
                    counts.unscored, counts.review
                ),
            ),
        });
    }
    warnings
}

/// Groups that share no identifiers are different vulnerabilities; this is what tests use to look
/// findings up by any name.
pub fn finding_names(finding: &Finding) -> HashSet<&str> {
    std::iter::once(finding.id.as_str()).chain(finding.aliases.iter().map(String::as_str)).collect()
}
