//! `tekigo sbom ...`: read SBOMs, and check them against the vulnerability database.

use std::io::Write;
use std::path::Path;

use serde_json::json;
use tekigo_base::Lang;
use tekigo_criteria::LevelSelector;
use tekigo_vuln::check::{Confidence, Finding};
use tekigo_vuln::{CheckRequest, DbError, Outcome, Policy, Report, Verdict, VulnDb};

use crate::cli::{CheckFormat, Format, SbomCommand};
use crate::criteria_cmd::load_catalog;
use crate::exit::Answer;
use crate::output::{
    LocalizedContext, localized, sarif_artifact_location, sarif_log, table, table_or_json, tr, write_json,
};

pub(crate) fn run(
    command: &SbomCommand,
    criteria_dir: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
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
            Ok(Answer::Yes)
        }
        SbomCommand::Check { sbom: path, level, db, vex, policy, today, format } => {
            let catalog = load_catalog(criteria_dir)?;
            let selector = if level.contains(':') {
                LevelSelector::parse(level).map_err(anyhow::Error::msg)?
            } else {
                LevelSelector::level("jc-star", level.trim_start_matches('★'))
            };
            let scheme = catalog.scheme(&selector.scheme)?;
            let level_id = selector.level.clone().context_tr(
                "name a level: --level 1 or --level jc-star:1",
                "水準を指定してください: --level 1 または --level jc-star:1",
            )?;
            let level_def = scheme.level(&level_id)?;
            let Some(cvss_min) = level_def.vulnerability_cvss_min else {
                return Err(localized(
                    format!("level {selector} sets no vulnerability rule (no vulnerability_cvss_min in the catalog)"),
                    format!("水準 {selector} には脆弱性の規則がありません（カタログに vulnerability_cvss_min がない）"),
                ));
            };
            let policy = match policy {
                Some(file) => {
                    let text = std::fs::read_to_string(file).with_context_tr(|| {
                        (
                            format!("cannot read policy {}", file.display()),
                            format!("ポリシー {} を読めません", file.display()),
                        )
                    })?;
                    Policy::from_toml(&text, &file.display().to_string(), cvss_min)?
                }
                None => Policy::default(),
            };
            let mut documents = Vec::new();
            for file in vex {
                let bytes = std::fs::read(file).with_context_tr(|| {
                    (format!("cannot read VEX {}", file.display()), format!("VEX {} を読めません", file.display()))
                })?;
                documents.push((bytes, file.display().to_string()));
            }
            let statements = tekigo_vuln::vex::read_all(&documents)?;
            let today = match today {
                Some(date) => jiff::civil::Date::strptime("%Y-%m-%d", date).with_context_tr(|| {
                    (
                        format!("--today {date}: expected YYYY-MM-DD"),
                        format!("--today {date}: YYYY-MM-DD で指定してください"),
                    )
                })?,
                None => jiff::ZonedDateTime::now().date(),
            };
            // A check never creates a database: `open` only opens one that exists.
            let database = VulnDb::open(db).map_err(database_error)?;
            let origin = path.display().to_string();
            let sbom = tekigo_sbom::read_file(path)?;
            let report = database
                .check(&CheckRequest {
                    sbom: &sbom,
                    sbom_origin: &origin,
                    level_name: &selector.to_string(),
                    level: level_def,
                    policy: &policy,
                    vex: &statements,
                    today,
                })
                .map_err(database_error)?;
            match format {
                CheckFormat::Json => write_json(out, &report)?,
                CheckFormat::Sarif => {
                    let mut log = sarif(&report);
                    sarif_database_and_outcome(&report, &mut log);
                    write_json(out, &log)?;
                }
                CheckFormat::Table => print_table(&report, lang, out)?,
            }
            Ok(exit_code(report.outcome))
        }
    }
}

/// Exit 0 only when every finding was evaluated and none fails; 1 when one fails; 3 when nothing
/// fails but some finding could not be evaluated (as `tekigo log verify` says 3 for what does not
/// verify); input errors are 2.
fn exit_code(outcome: Outcome) -> Answer {
    match outcome {
        Outcome::Conformant => Answer::Yes,
        Outcome::NotConformant => Answer::No,
        Outcome::Undecided => Answer::Undecided,
    }
}

/// A database error in the output language: a missing database, or one without advisories (a
/// check against it would find nothing and read as conformant; `VulnDb::check` refuses it), is
/// the user's to mend with `vulndb update`; the library's English says the same.
fn database_error(error: DbError) -> anyhow::Error {
    let ja = match &error {
        DbError::Missing(shown) => format!(
            "{shown} に脆弱性データベースがありません: `tekigo vulndb update --db {shown}`（または `tekigo vulndb import --db {shown} PATH...`）で作成してください"
        ),
        DbError::Empty(shown) => format!(
            "{shown} の脆弱性データベースにはアドバイザリがなく、検査しても何も見つかりません: `tekigo vulndb update --db {shown}`（または `tekigo vulndb import --db {shown} PATH...`）でデータを入れてください"
        ),
        _ => return error.into(),
    };
    localized(error.to_string(), ja)
}

fn verdict_name(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::Fail => tr(lang, "FAIL", "不適合"),
        Verdict::Review => tr(lang, "review", "要確認"),
        Verdict::Unscored => tr(lang, "UNSCORED", "スコアなし"),
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
        tr(lang, "Severity", "深刻度"),
        tr(lang, "Exploited", "悪用"),
        tr(lang, "Match", "照合"),
        tr(lang, "Why", "理由"),
    ]);
    for finding in &report.findings {
        rows.add_row(vec![
            verdict_name(finding.verdict, lang).to_owned(),
            finding.id.clone(),
            format!("{} {}", finding.component.name, finding.component.version.clone().unwrap_or_default()),
            severity_cell(finding, lang),
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
                match report.outcome {
                    Outcome::Conformant => "CONFORMANT",
                    Outcome::NotConformant => "NOT CONFORMANT",
                    Outcome::Undecided => "CANNOT BE DECIDED",
                },
                report.level,
                report.cvss_min
            )?;
            writeln!(
                out,
                "{} component(s), {} finding(s): {} fail, {} review, {} unscored, {} below the bar, {} not affected (VEX), {} excepted",
                report.components,
                report.findings.len(),
                c.fail,
                c.review,
                c.unscored,
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
                match report.outcome {
                    Outcome::Conformant => "適合",
                    Outcome::NotConformant => "不適合",
                    Outcome::Undecided => "適合とも不適合とも判定できない",
                },
                report.cvss_min
            )?;
            writeln!(
                out,
                "構成要素 {} 件、検出 {} 件: 不適合 {}、要確認 {}、スコアなし {}、基準未満 {}、影響なし（VEX） {}、例外 {}",
                report.components,
                report.findings.len(),
                c.fail,
                c.review,
                c.unscored,
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
    print_database(report, lang, out)
}

/// The severity the rule read and whose it is, or UNSCORED.
fn severity_cell(finding: &Finding, lang: Lang) -> String {
    match &finding.severity {
        Some(severity) if !finding.unscored => severity.describe(),
        Some(severity) => format!("{} {}", tr(lang, "UNSCORED", "スコアなし"), severity.describe()),
        None => tr(lang, "UNSCORED", "スコアなし").to_owned(),
    }
}

/// The database the check read, and the report's warnings.
fn print_database(report: &Report, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let database = &report.database;
    let sources: Vec<String> = database
        .sources
        .iter()
        .map(|s| {
            let dated = s.data_date.as_deref().map(|d| d.get(..10).unwrap_or(d)).unwrap_or("-");
            match lang {
                Lang::En => format!("{} {} items, data of {dated}, imported {}", s.name, s.items, s.last_import),
                Lang::Ja => format!("{} {} 件、データ {dated}、取込 {}", s.name, s.items, s.last_import),
            }
        })
        .collect();
    match lang {
        Lang::En => writeln!(out, "database {} ({}): {}", database.path, database.digest, sources.join("; "))?,
        Lang::Ja => writeln!(out, "データベース {}（{}）: {}", database.path, database.digest, sources.join("、"))?,
    }
    for warning in &report.warnings {
        writeln!(out, "{}: {}", tr(lang, "warning", "警告"), warning.message.get(lang))?;
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

/// What the check adds to the SARIF log beyond its results, kept apart from the rendering of
/// results: the database it read and the outcome as run properties; each result's severity
/// source and whether it is unscored as result properties (an unscored result is `kind: review`);
/// every warning (stale source, no exploitation data, undecided outcome) as a tool execution
/// notification of the run's invocation.
fn sarif_database_and_outcome(report: &Report, log: &mut serde_json::Value) {
    let Some(run) = log.get_mut("runs").and_then(|runs| runs.get_mut(0)) else { return };
    run["properties"]["outcome"] = json!(report.outcome);
    run["properties"]["database"] = json!(report.database);
    if let Some(results) = run.get_mut("results").and_then(serde_json::Value::as_array_mut) {
        for (result, finding) in results.iter_mut().zip(&report.findings) {
            result["properties"]["unscored"] = json!(finding.unscored);
            if let Some(severity) = &finding.severity {
                result["properties"]["severity"] = json!(severity);
            }
            if finding.verdict == Verdict::Unscored {
                result["kind"] = json!("review");
            }
        }
    }
    let notifications: Vec<serde_json::Value> = report
        .warnings
        .iter()
        .map(|warning| {
            json!({
                "descriptor": { "id": warning.code },
                "level": "warning",
                "message": { "text": warning.message.en },
                "properties": { "ja": warning.message.ja },
            })
        })
        .collect();
    run["invocations"] = json!([{
        "executionSuccessful": true,
        "toolExecutionNotifications": notifications,
    }]);
}
