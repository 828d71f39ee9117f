//! `tekigo evaluate`: an accredited lab's evaluation of a product (JC-STAR ★3/★4, SCHEME §2),
//! thin over `tekigo-assess`. The evaluation lives in an assessment folder that names the lab;
//! the lab records a result and evidence per item, and its report is a declaration of kind
//! `third-party-evaluation` signed with the lab's key, which the vendor countersigns.

use std::io::Write;
use std::path::Path;

use tekigo_assess::declaration::{Accreditation, Answer, Declaration, DeclarationKind, EvaluatorRef, EvidenceKind};
use tekigo_assess::declare::{self, Parts};
use tekigo_assess::folder::{Assessment, Evaluation, EvidenceSource, LabEngagement};
use tekigo_assess::{keys, oscal, publish};
use tekigo_base::{Lang, Text};
use tekigo_criteria::{Catalog, Method};

use crate::assess_cmd::{self, now, today};
use crate::cli::{EvaluateCommand, EvaluateRecordArgs, EvaluateReportArgs, Format, ItemResultArg};
use crate::criteria_cmd::load_catalog;
use crate::exit;
use crate::output::{LocalizedContext, localized, table_or_json, tr, write_json};

pub(crate) fn run(
    command: &EvaluateCommand,
    criteria_dir: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<exit::Answer> {
    let catalog = load_catalog(criteria_dir)?;
    match command {
        EvaluateCommand::Init(args) => {
            let mut assessment = assess_cmd::create(&args.product, &catalog, lang, out)?;
            assessment.file.evaluation = Some(LabEngagement {
                lab: args.lab.trim().to_owned(),
                lead_evaluator: args.lead_evaluator.trim().to_owned(),
                accreditation: Accreditation {
                    body: args.accreditation_body.trim().to_owned(),
                    number: args.accreditation.trim().to_owned(),
                },
            });
            // The report is the lab's statement: its evaluator in charge signs for it.
            assessment.file.declarant.name = args.lead_evaluator.trim().to_owned();
            assessment.file.declarant.organisation = args.lab.trim().to_owned();
            if assessment.file.declarant.role.is_empty() {
                assessment.file.declarant.role = "lead evaluator / 評価責任者".to_owned();
            }
            assessment.save_facts()?;
            writeln!(
                out,
                "{}\n  tekigo evaluate plan {dir}\n  tekigo evaluate record {dir} --for ID/ITEM --result pass --evidence FILE\n  tekigo evaluate status {dir}\n  tekigo evaluate report {dir} --lab-key LAB_KEY",
                tr(lang, "Next:", "次の手順:"),
                dir = args.product.dir.display()
            )?;
            Ok(exit::Answer::Yes)
        }
        EvaluateCommand::Plan(args) => {
            let assessment = load(&args.dir, &catalog)?;
            let evaluation = assessment.evaluate(&catalog, today())?;
            let draft = draft_report(&assessment, evaluation, &catalog, None, &now())?;
            let plan = oscal::assessment_plan(&draft, Lang::En);
            let path = args.out.clone().unwrap_or_else(|| args.dir.join(oscal::ASSESSMENT_PLAN_FILE));
            let mut bytes = serde_json::to_vec_pretty(&plan)?;
            bytes.push(b'\n');
            std::fs::write(&path, bytes).with_context_tr(|| {
                (
                    format!("{}: cannot write the plan", path.display()),
                    format!("{}: 計画を書き込めません", path.display()),
                )
            })?;
            writeln!(out, "{} {}", tr(lang, "Wrote", "作成しました:"), path.display())?;
            for (method, count) in method_counts(&draft) {
                writeln!(out, "  {}: {count} {}", method.get(lang), tr(lang, "requirements", "要件"))?;
            }
            Ok(exit::Answer::Yes)
        }
        EvaluateCommand::Record(args) => record(args, &catalog, lang, out),
        EvaluateCommand::Status(args) => {
            let assessment = load(&args.dir, &catalog)?;
            let evaluation = assessment.evaluate(&catalog, today())?;
            let problems = report_problems(&assessment, &evaluation, &catalog)?;
            let ready = problems.is_empty();
            let engagement = assessment.file.evaluation.as_ref();
            match table_or_json(args.format)? {
                Format::Json => write_json(
                    out,
                    &serde_json::json!({
                        "lab": engagement,
                        "scheme": assessment.file.scheme,
                        "level": assessment.file.level,
                        "product_type": assessment.file.product.product_type,
                        "ready_to_report": ready,
                        "problems": problems,
                        "conformant": evaluation.conformant,
                        "counts": evaluation.counts,
                        "requirements": evaluation.requirements,
                        "vulnerabilities": evaluation.vulnerabilities,
                        "evidence": assessment.evidence,
                    }),
                )?,
                _ => {
                    if let Some(engagement) = engagement {
                        writeln!(
                            out,
                            "{}: {} ({} {}), {}",
                            tr(lang, "lab", "評価機関"),
                            engagement.lab,
                            engagement.accreditation.body,
                            engagement.accreditation.number,
                            engagement.lead_evaluator
                        )?;
                    }
                    assess_cmd::status_table(&assessment, &evaluation, lang, out)?;
                    for problem in &problems {
                        writeln!(out, "- {}", problem.get(lang))?;
                    }
                }
            }
            Ok(exit::Answer::from_bool(ready))
        }
        EvaluateCommand::Report(args) => report(args, &catalog, lang, out),
    }
}

/// The folder, refused unless `evaluate init` made it: a self-assessment has no lab to name.
fn load(dir: &Path, catalog: &Catalog) -> anyhow::Result<Assessment> {
    let assessment = Assessment::load(dir, catalog)?;
    if assessment.file.evaluation.is_none() {
        return Err(localized(
            format!(
                "{}: a self-assessment, not a lab's evaluation (start one with tekigo evaluate init)",
                dir.display()
            ),
            format!("{}: 自己評価のフォルダです（評価機関の評価は tekigo evaluate init で始めます）", dir.display()),
        ));
    }
    Ok(assessment)
}

/// The lab as the report names it; `key_id` is blank until the report is signed.
fn lab_ref(assessment: &Assessment, key_id: String) -> Option<EvaluatorRef> {
    assessment.file.evaluation.as_ref().map(|engagement| EvaluatorRef {
        name: engagement.lead_evaluator.clone(),
        organisation: engagement.lab.clone(),
        key_id,
        accreditation: Some(engagement.accreditation.clone()),
    })
}

/// The report as it stands (unsigned): what the plan is written from and the report signs.
fn draft_report(
    assessment: &Assessment,
    evaluation: Evaluation,
    catalog: &Catalog,
    lab_key_id: Option<String>,
    issued: &str,
) -> anyhow::Result<Declaration> {
    let scope = assessment.scope(catalog)?;
    Ok(declare::build(Parts {
        kind: DeclarationKind::ThirdPartyEvaluation,
        scheme: scope.scheme_ref(),
        assessed_against: None,
        product: &assessment.file.product,
        declarant: &assessment.file.declarant,
        requirements: evaluation.requirements,
        vulnerabilities: evaluation.vulnerabilities,
        evidence: &assessment.evidence,
        deemed: evaluation.deemed,
        evaluator: lab_ref(assessment, lab_key_id.unwrap_or_default()),
        issued,
    }))
}

/// What stands between the evaluation and a signed report: open items, facts, and the level's
/// evidence rules for a lab (SCHEME §2).
fn report_problems(assessment: &Assessment, evaluation: &Evaluation, catalog: &Catalog) -> anyhow::Result<Vec<Text>> {
    let scope = assessment.scope(catalog)?;
    let mut problems = declare::blockers(evaluation, &assessment.file.declarant);
    problems.extend(declare::assurance_problems(
        scope.level.assurance,
        DeclarationKind::ThirdPartyEvaluation,
        &scope.selector(),
        lab_ref(assessment, String::new()).as_ref(),
        &evaluation.requirements,
        &assessment.evidence,
    ));
    Ok(problems)
}

/// Requirements per evaluation method (a requirement with items of two methods counts twice).
fn method_counts(draft: &Declaration) -> Vec<(Text, usize)> {
    [Method::Document, Method::Device, Method::BinaryAnalysis, Method::PenetrationTest]
        .into_iter()
        .map(|method| {
            let count = draft.requirements.iter().filter(|r| r.items.iter().any(|i| i.method == method)).count();
            (method.label(), count)
        })
        .filter(|(_, count)| *count > 0)
        .collect()
}

fn record(
    args: &EvaluateRecordArgs,
    catalog: &Catalog,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<exit::Answer> {
    let mut assessment = load(&args.dir, catalog)?;
    let has_files = !args.evidence.is_empty()
        || !args.cite.is_empty()
        || args.binary_analysis.is_some()
        || args.penetration_test.is_some();
    if args.for_item.is_none() && (has_files || args.note.is_some()) {
        return Err(localized(
            "evidence and notes belong to an item: give --for ID/ITEM and --result",
            "証跡と所見は評価項目に付けます: --for ID/ITEM と --result を指定してください",
        ));
    }
    if args.for_item.is_none() && args.reports.is_empty() {
        return Err(localized(
            "nothing to record: give --for ID/ITEM --result, or --probe REPORT / --sbom-check REPORT",
            "記録するものがありません: --for ID/ITEM --result、または --probe / --sbom-check を指定してください",
        ));
    }
    assess_cmd::import_reports(&mut assessment, catalog, &args.reports, lang, out)?;
    if let (Some(for_item), Some(result)) = (&args.for_item, args.result) {
        let (requirement, item) = assess_cmd::resolve_item(&assessment, catalog, for_item)?;
        let answer = match result {
            ItemResultArg::Pass => Answer::Yes,
            ItemResultArg::Fail => Answer::No,
            ItemResultArg::NotApplicable => Answer::NotApplicable,
        };
        let files = args
            .evidence
            .iter()
            .map(|path| (EvidenceKind::File, path))
            .chain(args.binary_analysis.iter().map(|path| (EvidenceKind::BinaryAnalysis, path)))
            .chain(args.penetration_test.iter().map(|path| (EvidenceKind::PenetrationTest, path)));
        let mut ids = Vec::new();
        for (kind, path) in files {
            if !path.is_file() {
                return Err(localized(
                    format!("{}: not a file; the lab's evidence is kept by its hash", path.display()),
                    format!("{}: ファイルではありません（評価機関の証跡はハッシュで固定します）", path.display()),
                ));
            }
            let id = assessment.add_evidence(kind, &EvidenceSource::File(path.clone()), None, &now())?;
            assessment.link_evidence(&requirement, &item, &id);
            ids.push(id);
        }
        for id in &args.cite {
            if !assessment.evidence.iter().any(|e| &e.id == id) {
                let known: Vec<&str> = assessment.evidence.iter().map(|e| e.id.as_str()).collect();
                return Err(localized(
                    format!("--cite {id}: no such evidence in the folder (it holds {})", known.join(", ")),
                    format!("--cite {id}: その証跡はフォルダにありません（あるもの: {}）", known.join(", ")),
                ));
            }
            assessment.link_evidence(&requirement, &item, id);
            ids.push(id.clone());
        }
        assessment.set_answer(&requirement, &item, answer, args.note.clone());
        assessment.save_answers()?;
        writeln!(
            out,
            "{requirement} {} {item}: {}{}",
            tr(lang, "item", "評価項目"),
            answer.label().get(lang),
            if ids.is_empty() { String::new() } else { format!(" ({})", ids.join(", ")) }
        )?;
    }
    assess_cmd::print_summary(&assessment.evaluate(catalog, today())?, lang, out)?;
    Ok(exit::Answer::Yes)
}

fn report(
    args: &EvaluateReportArgs,
    catalog: &Catalog,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<exit::Answer> {
    let assessment = load(&args.dir, catalog)?;
    let lab_key = keys::read_private(&args.lab_key)?;
    let evaluation = assessment.evaluate(catalog, today())?;
    let problems = report_problems(&assessment, &evaluation, catalog)?;
    if !problems.is_empty() {
        return Err(declare::DeclareError::NotReady(problems).into());
    }
    let issued = assess_cmd::issue_time(args.date.as_deref())?;
    let draft = draft_report(&assessment, evaluation, catalog, Some(keys::key_id(&lab_key.verifying_key())), &issued)?;
    let out_dir = args.out.clone().unwrap_or_else(|| args.dir.join("report"));
    let (report, files) = publish::publish(draft, catalog, None, Some(&lab_key), &out_dir, &args.dir)?;
    writeln!(
        out,
        "{} {} — {} {}",
        tr(lang, "Signed the evaluation report for", "評価報告書に署名しました:"),
        report.scheme.selector(),
        report.product.name,
        report.product.model
    )?;
    for file in files {
        writeln!(out, "  {}", file.display())?;
    }
    writeln!(
        out,
        "{}\n  tekigo declaration countersign {} --key VENDOR_KEY",
        tr(
            lang,
            "The vendor countersigns it, then applies for the label with it:",
            "製造事業者等が署名し、この報告書でラベルを申請します:"
        ),
        out_dir.display()
    )?;
    Ok(exit::Answer::Yes)
}
