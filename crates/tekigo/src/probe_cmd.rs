//! `tekigo probe TARGET`: the device probe (crates/tekigo-probe) as a command.

use std::io::Write;

use anyhow::Context;
use serde_json::json;
use tekigo_base::Lang;
use tekigo_probe::scan::parse_ports;
use tekigo_probe::{Catalogue, Limits, ProbeOptions, Report, Severity, Target, Verdict, creds, probe};

use crate::cli::{CheckFormat, ProbeArgs};
use crate::exit::Answer;
use crate::output::{LocalizedContext, sarif_log, table, tr, write_json};

pub(crate) fn run(args: &ProbeArgs, lang: Lang, out: &mut dyn Write) -> anyhow::Result<Answer> {
    let target = Target::parse(&args.target, args.allow_range)?;
    let ports = args.ports.as_deref().map(parse_ports).transpose().context("--ports")?;
    let mut catalogue = Catalogue::builtin()?;
    if let Some(file) = &args.policy {
        let text = std::fs::read_to_string(file).with_context_tr(|| {
            (format!("cannot read policy {}", file.display()), format!("ポリシー {} を読めません", file.display()))
        })?;
        catalogue.apply_policy(&text, &file.display().to_string())?;
    }
    let extra_credentials = match &args.creds {
        Some(file) => {
            let text = std::fs::read_to_string(file).with_context_tr(|| {
                (format!("cannot read {}", file.display()), format!("{} を読めません", file.display()))
            })?;
            creds::parse_file(&text, &file.display().to_string())?
        }
        None => Vec::new(),
    };
    let options = ProbeOptions {
        ports,
        level: args.level.clone(),
        extra_credentials,
        logins: !args.no_logins,
        catalogue,
        limits: Limits::default(),
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("start the async runtime")?;
    let mut reports = Vec::new();
    for address in &target.addresses {
        reports.push(runtime.block_on(probe(&target.input, *address, &options))?);
    }
    match args.format {
        CheckFormat::Json => match reports.as_slice() {
            [one] => write_json(out, one)?,
            many => write_json(out, &json!({ "reports": many }))?,
        },
        CheckFormat::Sarif => write_json(out, &sarif(&reports))?,
        CheckFormat::Table => {
            for report in &reports {
                print_table(report, lang, out)?;
            }
        }
    }
    Ok(Answer::from_bool(reports.iter().all(|r| r.conformant)))
}

fn verdict_name(verdict: Verdict, lang: Lang) -> &'static str {
    match verdict {
        Verdict::Fail => tr(lang, "FAIL", "不適合"),
        Verdict::Warn => tr(lang, "warn", "注意"),
        Verdict::Pass => tr(lang, "pass", "適合"),
        Verdict::Info => tr(lang, "info", "情報"),
    }
}

fn severity_name(severity: Severity, lang: Lang) -> &'static str {
    match severity {
        Severity::Critical => tr(lang, "critical", "緊急"),
        Severity::High => tr(lang, "high", "高"),
        Severity::Medium => tr(lang, "medium", "中"),
        Severity::Low => tr(lang, "low", "低"),
        Severity::Info => tr(lang, "info", "情報"),
    }
}

fn print_table(report: &Report, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut rows = table(vec![
        tr(lang, "Verdict", "判定"),
        tr(lang, "Check", "検査"),
        tr(lang, "Port", "ポート"),
        tr(lang, "Severity", "深刻度"),
        tr(lang, "Requirements", "要件"),
        tr(lang, "What was found", "検出内容"),
    ]);
    for finding in &report.findings {
        rows.add_row(vec![
            verdict_name(finding.verdict, lang).to_owned(),
            finding.title.get(lang).to_owned(),
            match (finding.port, &finding.service) {
                (Some(port), Some(service)) => format!("{port}/{service}"),
                (Some(port), None) => port.to_string(),
                _ => String::new(),
            },
            severity_name(finding.severity, lang).to_owned(),
            finding.requirements.join("\n"),
            finding.detail.get(lang).to_owned(),
        ]);
    }
    if !report.findings.is_empty() {
        writeln!(out, "{rows}")?;
    }
    let fails = report.findings.iter().filter(|f| f.verdict == Verdict::Fail).count();
    let seconds = report.duration_ms as f64 / 1000.0;
    match lang {
        Lang::En => writeln!(
            out,
            "{} ({}): {} at JC-STAR ★{}: {} open port(s), {} finding(s), {} fail; {:.1} s",
            report.target,
            report.address,
            if report.conformant { "nothing fails" } else { "NOT CONFORMANT" },
            report.level,
            report.ports.len(),
            report.findings.len(),
            fails,
            seconds
        )?,
        Lang::Ja => writeln!(
            out,
            "{}（{}）: JC-STAR ★{} で{}: 開いているポート {} 件、検出 {} 件、不適合 {} 件、{:.1} 秒",
            report.target,
            report.address,
            report.level,
            if report.conformant { "不適合なし" } else { "不適合" },
            report.ports.len(),
            report.findings.len(),
            fails,
            seconds
        )?,
    }
    Ok(())
}

/// SARIF 2.1.0: one rule per check id, one result per finding; failing findings are errors, the
/// others of the `kind` SARIF has for them.
fn sarif(reports: &[Report]) -> serde_json::Value {
    let mut rules: Vec<serde_json::Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for report in reports {
        for finding in &report.findings {
            let index = rule_ids.iter().position(|id| *id == finding.id).unwrap_or_else(|| {
                rule_ids.push(finding.id.clone());
                rules.push(json!({
                    "id": finding.id,
                    "shortDescription": { "text": finding.title.en },
                    "properties": { "requirements": finding.requirements, "threats": finding.threats, "severity": finding.severity },
                }));
                rule_ids.len() - 1
            });
            // SARIF allows a level other than `none` only on a `fail`: a warning is for a person to
            // review, a passed check a `pass`, a fact seen an `informational` result.
            let (kind, level) = match finding.verdict {
                Verdict::Fail => ("fail", "error"),
                Verdict::Warn => ("review", "none"),
                Verdict::Pass => ("pass", "none"),
                Verdict::Info => ("informational", "none"),
            };
            // The device is the artifact: an RFC 3986 URI of its address (IPv6 in brackets).
            let host = match report.address {
                std::net::IpAddr::V4(v4) => v4.to_string(),
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            };
            let location = match finding.port {
                Some(port) => format!("tcp://{host}:{port}"),
                None => format!("host://{host}"),
            };
            results.push(json!({
                "ruleId": finding.id,
                "ruleIndex": index,
                "kind": kind,
                "level": level,
                "message": { "text": finding.detail.en },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": location } } }],
                "properties": { "verdict": finding.verdict, "evidence": finding.evidence, "service": finding.service },
            }));
        }
    }
    sarif_log(rules, results, json!({ "conformant": reports.iter().all(|r| r.conformant) }))
}
