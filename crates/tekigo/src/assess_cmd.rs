//! `tekigo assess`, `tekigo keys` and `tekigo declaration`: thin over `tekigo-assess`.
//!
//! Why this file is long: `assess`, `keys` and `declaration` share the reading of the assessment
//! folder and the printing of verdicts; they are three views of one declaration.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use tekigo_assess::automated::SbomOutcome;
use tekigo_assess::declaration::{Answer, DeclarationKind, EvaluatorRef, EvidenceKind, Verdict};
use tekigo_assess::declare::{self, Parts};
use tekigo_assess::folder::{self, Assessment, Evaluation, EvidenceSource};
use tekigo_assess::scope::scope;
use tekigo_assess::{crosswalk, keys, publish, verify};
use tekigo_base::Lang;
use tekigo_criteria::{Catalog, LevelSelector};

use crate::cli::{
    AssessCommand, AssessDeclareArgs, AssessInitArgs, DeclarationCommand, Format, KeysCommand, ToolReports,
};
use crate::criteria_cmd::load_catalog;
use crate::exit;
use crate::output::{LocalizedContext, localized, table, table_or_json, tr, write_json};

pub(crate) fn now() -> String {
    jiff::Timestamp::now().round(jiff::Unit::Second).unwrap_or_else(|_| jiff::Timestamp::now()).to_string()
}

/// A declaration's or report's issue time: `--date` (RFC 3339), or now.
pub(crate) fn issue_time(date: Option<&str>) -> anyhow::Result<String> {
    Ok(match date {
        Some(date) => date
            .parse::<jiff::Timestamp>()
            .with_context_tr(|| {
                (
                    format!("--date `{date}`: not an RFC 3339 date-time"),
                    format!("--date `{date}`: RFC 3339 の日時ではありません"),
                )
            })?
            .to_string(),
        None => now(),
    })
}

/// The assessment's date: the scheme's day (Japan time), as the registry counts it.
pub(crate) fn today() -> jiff::civil::Date {
    tekigo_base::Clock::system().today()
}

pub(crate) fn run(
    command: &AssessCommand,
    criteria_dir: Option<&Path>,
    lang: Lang,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<exit::Answer> {
    let catalog = load_catalog(criteria_dir)?;
    match command {
        AssessCommand::Init(args) => init(args, &catalog, lang, out),
        AssessCommand::Answer(args) => {
            let mut assessment = Assessment::load(&args.dir, &catalog)?;
            if let Some(file) = &args.answers {
                let changed = assessment.merge_answers(file, &catalog, &now())?;
                writeln!(
                    out,
                    "{} {changed}",
                    tr(lang, "items answered from the file:", "回答ファイルから取り込んだ項目:")
                )?;
            } else {
                questionnaire(&mut assessment, &catalog, lang, args.requirement.as_deref(), args.all, input, out)?;
            }
            print_summary(&assessment.evaluate(&catalog, today())?, lang, out)?;
            Ok(exit::Answer::Yes)
        }
        AssessCommand::Evidence(args) => {
            let mut assessment = Assessment::load(&args.dir, &catalog)?;
            let (requirement, item) = resolve_item(&assessment, &catalog, &args.for_item)?;
            let source = if args.reference {
                EvidenceSource::Reference(args.source.clone())
            } else {
                match EvidenceSource::parse(&args.source, Path::new(".")) {
                    EvidenceSource::Reference(_) => {
                        return Err(localized(
                            format!(
                                "`{}` is neither a URL nor an existing file; to name a place in a document, add --reference",
                                args.source
                            ),
                            format!(
                                "`{}` は URL でも存在するファイルでもありません。文書中の箇所を示すなら --reference を付けてください",
                                args.source
                            ),
                        ));
                    }
                    source => source,
                }
            };
            let id = assessment.add_evidence(EvidenceKind::File, &source, args.description.clone(), &now())?;
            assessment.link_evidence(&requirement, &item, &id);
            assessment.save_answers()?;
            writeln!(out, "{id} → {requirement} {} {item}", tr(lang, "item", "評価項目"))?;
            Ok(exit::Answer::Yes)
        }
        AssessCommand::Import(args) => {
            let mut assessment = Assessment::load(&args.dir, &catalog)?;
            if args.reports.is_empty() {
                return Err(localized(
                    "nothing to import: give --probe REPORT and/or --sbom-check REPORT [--sbom SBOM]",
                    "取り込むものがありません: --probe REPORT か --sbom-check REPORT [--sbom SBOM] を指定してください",
                ));
            }
            import_reports(&mut assessment, &catalog, &args.reports, lang, out)?;
            print_summary(&assessment.evaluate(&catalog, today())?, lang, out)?;
            Ok(exit::Answer::Yes)
        }
        AssessCommand::Status(args) => {
            let assessment = Assessment::load(&args.dir, &catalog)?;
            let evaluation = assessment.evaluate(&catalog, today())?;
            let blockers = declare::blockers(&evaluation, &assessment.file.declarant);
            let ready = blockers.is_empty();
            match table_or_json(args.format)? {
                Format::Json => write_json(
                    out,
                    &serde_json::json!({
                        "scheme": assessment.file.scheme,
                        "level": assessment.file.level,
                        "ready_to_declare": ready,
                        "blockers": blockers,
                        "conformant": evaluation.conformant,
                        "counts": evaluation.counts,
                        "fact_gaps": evaluation.fact_gaps,
                        "requirements": evaluation.requirements,
                        "vulnerabilities": evaluation.vulnerabilities,
                    }),
                )?,
                _ => status_table(&assessment, &evaluation, lang, out)?,
            }
            Ok(exit::Answer::from_bool(ready))
        }
        AssessCommand::Declare(args) => declare_command(args, &catalog, lang, out),
    }
}

/// Imports the probe's and the SBOM check's JSON reports as evidence, saying what each found.
pub(crate) fn import_reports(
    assessment: &mut Assessment,
    catalog: &Catalog,
    reports: &ToolReports,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if let Some(path) = &reports.probe {
        let (id, report) = assessment.import_probe(path, catalog, &now())?;
        writeln!(
            out,
            "{id}: {} {} ({} {})",
            tr(lang, "probe of", "プローブ:"),
            report.target,
            report.findings.len(),
            tr(lang, "findings", "件の検出"),
        )?;
    }
    if let Some(path) = &reports.sbom_check {
        let (ids, report) = assessment.import_sbom_check(path, reports.sbom.as_deref(), catalog, &now())?;
        writeln!(
            out,
            "{}: {} {} ({})",
            ids.join(", "),
            tr(lang, "SBOM check at", "SBOM 検査:"),
            report.level,
            match report.outcome() {
                SbomOutcome::Conformant => tr(lang, "conformant", "適合"),
                SbomOutcome::NotConformant => tr(lang, "NOT conformant", "不適合"),
                SbomOutcome::Undecided => tr(lang, "cannot be decided", "判定不能"),
            }
        )?;
        if let Some(database) = report.database_summary() {
            writeln!(out, "  {} {database}", tr(lang, "database", "データベース"))?;
        }
        for warning in &report.warnings {
            writeln!(out, "  {}: {}", tr(lang, "warning", "警告"), warning.message.get(lang))?;
        }
    }
    Ok(())
}

fn init(args: &AssessInitArgs, catalog: &Catalog, lang: Lang, out: &mut dyn Write) -> anyhow::Result<exit::Answer> {
    create(args, catalog, lang, out)?;
    writeln!(
        out,
        "{}\n  tekigo assess answer {dir}\n  tekigo assess status {dir}",
        tr(
            lang,
            "Read checklist.en.md for the guidance, then answer:",
            "checklist.ja.md の手引きを読んでから回答してください:"
        ),
        dir = args.dir.display()
    )?;
    Ok(exit::Answer::Yes)
}

/// Creates the assessment folder `assess init` and `evaluate init` start from.
pub(crate) fn create(
    args: &AssessInitArgs,
    catalog: &Catalog,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Assessment> {
    let level = if catalog.scheme(&args.scheme)?.levels.is_empty() && args.level == "1" {
        tekigo_criteria::ALL_LEVEL.to_owned()
    } else {
        args.level.trim_start_matches('★').to_owned()
    };
    // `--level 3/network-camera` names the product type with the level, as selectors do.
    let (level, type_in_level) = match level.split_once('/') {
        Some((level, product_type)) => (level.to_owned(), Some(product_type.to_owned())),
        None => (level, None),
    };
    if let (Some(in_level), Some(given)) = (&type_in_level, &args.product_type)
        && in_level != given
    {
        return Err(localized(
            format!("--level names product type `{in_level}` but --product-type says `{given}`"),
            format!("--level の製品類型 `{in_level}` と --product-type の `{given}` が異なります"),
        ));
    }
    let source = args.from.as_ref().map(|dir| Assessment::load(dir, catalog)).transpose()?;
    let mut product = source.as_ref().map(|s| s.file.product.clone()).unwrap_or_default();
    product.name.clone_from(&args.product);
    let set = |slot: &mut String, value: &Option<String>| {
        if let Some(value) = value {
            slot.clone_from(value);
        }
    };
    set(&mut product.vendor, &args.vendor);
    set(&mut product.model, &args.model);
    if args.vendor_address.is_some() {
        product.vendor_address.clone_from(&args.vendor_address);
    }
    set(&mut product.firmware_version, &args.firmware);
    set(&mut product.support_end, &args.support_end);
    set(&mut product.vulnerability_contact, &args.contact);
    if let Some(product_type) = args.product_type.as_ref().or(type_in_level.as_ref()) {
        product.product_type = Some(product_type.clone());
    }
    let mut assessment = folder::init(&args.dir, catalog, &args.scheme, &level, product, &now())?;
    if args.declarant.is_some() || args.role.is_some() {
        set(&mut assessment.file.declarant.name, &args.declarant);
        set(&mut assessment.file.declarant.role, &args.role);
        assessment.save_facts()?;
    }
    for deemed in &args.deemed {
        let (scheme, location) = deemed.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--deemed {deemed:?}: write SCHEME=FILE or SCHEME=URL (uk-psti=statement.pdf)")
        })?;
        let cwd = std::env::current_dir()?;
        let source = folder::EvidenceSource::parse(location, &cwd);
        let recorded = assessment.deem(catalog, scheme.trim(), &source, &now())?;
        writeln!(
            out,
            "{} {} ({} {})",
            tr(lang, "deemed met by the statement under", "次の制度の適合宣言によりみなし適合:"),
            recorded.scheme,
            recorded.requirements.join(", "),
            recorded.evidence
        )?;
    }
    if let Some(source) = &source {
        let carried = prefill(&mut assessment, source, catalog)?;
        writeln!(
            out,
            "{} {carried} ({})",
            tr(lang, "requirements carried over through the mappings:", "対応表により引き継いだ要件:"),
            source.dir.display()
        )?;
    }
    let scope = assessment.scope(catalog)?;
    writeln!(
        out,
        "{} {} — {} {} ({} {})",
        tr(lang, "Created", "作成しました:"),
        args.dir.display(),
        scope.selector(),
        scope.level.name.get(lang),
        scope.requirements.len(),
        tr(lang, "requirements", "要件"),
    )?;
    Ok(assessment)
}

/// Carries the source assessment's verdicts over through the mappings: a covered requirement is
/// answered yes (or not applicable) with the source's evidence copied in, so the new assessment
/// stands on its own files.
fn prefill(target: &mut Assessment, source: &Assessment, catalog: &Catalog) -> anyhow::Result<usize> {
    let source_scope = source.scope(catalog)?;
    let target_scope = target.scope(catalog)?;
    let source_results = source.evaluate(catalog, today())?.requirements;
    let derived = crosswalk::derive(catalog, &source_scope, &source_results, &target_scope)?;
    let mut carried = 0;
    let stamp = now();
    for result in derived.iter().filter(|r| matches!(r.verdict, Verdict::Conformant | Verdict::NotApplicable)) {
        let note = format!("carried over from {}: {}", source_scope.selector(), result.covered_by.join(", "));
        let mut evidence = Vec::new();
        for basis in source_results
            .iter()
            .filter(|s| result.covered_by.iter().any(|c| c.starts_with(&basis_ref(&source_scope.scheme.id, &s.id))))
        {
            for id in basis.items.iter().flat_map(|i| &i.evidence) {
                if let Some(record) = source.evidence.iter().find(|e| &e.id == id) {
                    let origin = if record.kind.is_file() {
                        EvidenceSource::File(source.dir.join(folder::EVIDENCE_DIR).join(&record.location))
                    } else if record.kind == EvidenceKind::Url {
                        EvidenceSource::Url(record.location.clone())
                    } else {
                        EvidenceSource::Reference(record.location.clone())
                    };
                    evidence.push(target.add_evidence(record.kind, &origin, record.description.clone(), &stamp)?);
                }
            }
        }
        for item in &result.items {
            let answer = if result.verdict == Verdict::Conformant { Answer::Yes } else { Answer::NotApplicable };
            target.set_answer(&result.id, &item.id, answer, Some(note.clone()));
            for id in &evidence {
                target.link_evidence(&result.id, &item.id, id);
            }
        }
        carried += 1;
    }
    target.file.prefilled_from = Some(source.dir.display().to_string());
    if target.file.declarant.name.trim().is_empty() {
        target.file.declarant = source.file.declarant.clone();
    }
    target.save_facts()?;
    target.save_answers()?;
    Ok(carried)
}

/// `SCHEME/ID ` as `covered_by` names a basis, for prefix matching.
fn basis_ref(scheme: &str, id: &str) -> String {
    if id.contains('/') { format!("{id} ") } else { format!("{scheme}/{id} ") }
}

pub(crate) fn resolve_item(assessment: &Assessment, catalog: &Catalog, text: &str) -> anyhow::Result<(String, String)> {
    let scope = assessment.scope(catalog)?;
    // `S1.1-05/2` names item 2; a base-scheme ID (`etsi-en-303-645/5.1-1`) also contains a slash.
    let (requirement, item) = match scope.requirement(text) {
        Some(_) => (text.to_owned(), "1".to_owned()),
        None => match text.rsplit_once('/') {
            Some((requirement, item)) if scope.requirement(requirement).is_some() => {
                (requirement.to_owned(), item.to_owned())
            }
            _ => {
                return Err(localized(
                    format!("unknown requirement `{text}` ({} has {})", scope.selector(), scope.ids()),
                    format!("不明な要件 `{text}`（{} の要件: {}）", scope.selector(), scope.ids()),
                ));
            }
        },
    };
    let items = tekigo_assess::evaluate::items_of(scope.requirement(&requirement).context("requirement")?);
    if !items.iter().any(|i| i.id == item) {
        let items = items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", ");
        return Err(localized(
            format!("{requirement} has no evaluation item `{item}` (items: {items})"),
            format!("{requirement} に評価項目 `{item}` はありません（評価項目: {items}）"),
        ));
    }
    Ok((requirement, item))
}

pub(crate) fn print_summary(evaluation: &Evaluation, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let c = evaluation.counts;
    let total = c.conformant + c.not_conformant + c.not_applicable + c.pending;
    writeln!(
        out,
        "{}: {} {}, {} {}, {} {}, {} {} / {total}",
        tr(lang, "Requirements", "要件"),
        c.conformant,
        Verdict::Conformant.label().get(lang),
        c.not_applicable,
        Verdict::NotApplicable.label().get(lang),
        c.not_conformant,
        Verdict::NotConformant.label().get(lang),
        c.pending,
        Verdict::Pending.label().get(lang),
    )?;
    Ok(())
}

pub(crate) fn status_table(
    assessment: &Assessment,
    evaluation: &Evaluation,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let product = &assessment.file.product;
    writeln!(
        out,
        "{} — {}:{} ({} {})",
        product.name,
        assessment.file.scheme,
        assessment.file.level,
        tr(lang, "criteria version", "適合基準"),
        assessment.file.scheme_version
    )?;
    let mut rows = table(vec![
        tr(lang, "requirement", "要件"),
        tr(lang, "title", "項目"),
        tr(lang, "verdict", "判定"),
        tr(lang, "decided by / what is left", "判定の根拠・残りの作業"),
    ]);
    for result in &evaluation.requirements {
        let tools: Vec<&str> = result
            .items
            .iter()
            .filter_map(|i| match i.decided_by {
                tekigo_assess::declaration::DecidedBy::Probe => Some("probe"),
                tekigo_assess::declaration::DecidedBy::SbomCheck => Some("sbom check"),
                tekigo_assess::declaration::DecidedBy::Mapping => Some("mapping"),
                tekigo_assess::declaration::DecidedBy::Recognition => Some("recognition"),
                tekigo_assess::declaration::DecidedBy::Person => None,
            })
            .collect();
        let why = result.reason.as_ref().map(|r| r.get(lang).to_owned()).unwrap_or_default();
        let why = match (tools.first(), why.is_empty()) {
            (Some(tool), true) => (*tool).to_owned(),
            (Some(tool), false) => format!("{tool}: {why}"),
            (None, _) => why,
        };
        rows.add_row(vec![
            result.id.clone(),
            result.title.get(lang).to_owned(),
            result.verdict.label().get(lang).to_owned(),
            why,
        ]);
    }
    if let Some(v) = &evaluation.vulnerabilities {
        rows.add_row(vec![
            "SCHEME §2".to_owned(),
            format!("{} (CVSS ≥ {:.1})", tr(lang, "known vulnerabilities", "既知の脆弱性"), v.cvss_min),
            v.verdict.label().get(lang).to_owned(),
            v.reason.as_ref().map(|r| r.get(lang).to_owned()).unwrap_or_else(|| {
                format!("sbom check: {} {}", v.components.unwrap_or(0), tr(lang, "components", "コンポーネント"))
            }),
        ]);
    }
    writeln!(out, "{rows}")?;
    for gap in &evaluation.fact_gaps {
        writeln!(out, "- {}", gap.get(lang))?;
    }
    if assessment.file.declarant.name.trim().is_empty() {
        writeln!(
            out,
            "- {}",
            tr(
                lang,
                "declarant's name missing (assessment.toml [declarant])",
                "宣言者の氏名が未記入です（assessment.toml の [declarant]）"
            )
        )?;
    }
    print_summary(evaluation, lang, out)
}

fn declare_command(
    args: &AssessDeclareArgs,
    catalog: &Catalog,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<exit::Answer> {
    let assessment = Assessment::load(&args.dir, catalog)?;
    let key = keys::read_private(&args.key)?;
    let evaluator_key = args.evaluator_key.as_deref().map(keys::read_private).transpose()?;
    let evaluator = match (&evaluator_key, &args.evaluator, &args.evaluator_org) {
        (None, None, None) => None,
        (Some(evaluator_key), Some(name), Some(organisation)) => Some(EvaluatorRef {
            name: name.trim().to_owned(),
            organisation: organisation.trim().to_owned(),
            key_id: keys::key_id(&evaluator_key.verifying_key()),
            accreditation: None,
        }),
        _ => {
            return Err(localized(
                "a co-signing evaluator needs all three: --evaluator NAME, --evaluator-org ORGANISATION and --evaluator-key KEY",
                "連署する評価者には --evaluator（氏名）、--evaluator-org（所属）、--evaluator-key（鍵）の三つが必要です",
            ));
        }
    };
    let evaluation = assessment.evaluate(catalog, today())?;
    let mut declarant = assessment.file.declarant.clone();
    if let Some(name) = &args.declarant {
        declarant.name.clone_from(name);
    }
    if let Some(role) = &args.role {
        declarant.role.clone_from(role);
    }
    if declarant.organisation.is_empty() {
        declarant.organisation.clone_from(&assessment.file.product.vendor);
    }
    let issued = issue_time(args.date.as_deref())?;
    let source_scope = assessment.scope(catalog)?;
    let (parts, default_out) = match &args.as_scheme {
        None => {
            let mut blockers = declare::blockers(&evaluation, &declarant);
            blockers.extend(declare::assurance_problems(
                source_scope.level.assurance,
                DeclarationKind::SelfDeclaration,
                &source_scope.selector(),
                evaluator.as_ref(),
                &evaluation.requirements,
                &assessment.evidence,
            ));
            if !blockers.is_empty() {
                return Err(declare::DeclareError::NotReady(blockers).into());
            }
            (
                Parts {
                    kind: DeclarationKind::SelfDeclaration,
                    scheme: source_scope.scheme_ref(),
                    assessed_against: None,
                    product: &assessment.file.product,
                    declarant: &declarant,
                    requirements: evaluation.requirements.clone(),
                    vulnerabilities: evaluation.vulnerabilities.clone(),
                    evidence: &assessment.evidence,
                    deemed: evaluation.deemed.clone(),
                    evaluator: evaluator.clone(),
                    issued: &issued,
                },
                args.dir.join("declaration"),
            )
        }
        Some(target) => {
            let selector = LevelSelector::parse(target).map_err(anyhow::Error::msg)?;
            let target_scheme = catalog.scheme(&selector.scheme)?;
            let level = selector.level.clone().unwrap_or_else(|| {
                target_scheme.levels.first().map_or(tekigo_criteria::ALL_LEVEL.to_owned(), |l| l.id.clone())
            });
            let product_type = selector.product_type.as_deref().or(assessment.file.product.product_type.as_deref());
            let target_scope = scope(catalog, &selector.scheme, &level, product_type)?;
            let requirements = crosswalk::derive(catalog, &source_scope, &evaluation.requirements, &target_scope)?;
            let vulnerabilities = target_scope.level.vulnerability_cvss_min.and_then(|target_min| {
                crosswalk::carried_vulnerabilities(evaluation.vulnerabilities.as_ref()?, target_min)
            });
            (
                Parts {
                    kind: DeclarationKind::DerivedStatement,
                    scheme: target_scope.scheme_ref(),
                    assessed_against: Some(source_scope.scheme_ref()),
                    product: &assessment.file.product,
                    declarant: &declarant,
                    requirements,
                    vulnerabilities,
                    evidence: &assessment.evidence,
                    deemed: Vec::new(),
                    evaluator: None,
                    issued: &issued,
                },
                args.dir.join(format!("declaration-{}-{}", selector.scheme, level)),
            )
        }
    };
    let declaration = declare::build(parts);
    let out_dir = args.out.clone().unwrap_or(default_out);
    let (declaration, files) = publish::publish(
        declaration,
        catalog,
        Some(&key),
        evaluator.is_some().then_some(evaluator_key.as_ref()).flatten(),
        &out_dir,
        &args.dir,
    )?;
    let c = declaration.outcome.counts;
    match declaration.kind {
        DeclarationKind::SelfDeclaration | DeclarationKind::ThirdPartyEvaluation => writeln!(
            out,
            "{} {}:{} — {} {}",
            tr(lang, "Signed self-declaration for", "自己宣言書に署名しました:"),
            declaration.scheme.id,
            declaration.scheme.level,
            declaration.product.name,
            declaration.product.model
        )?,
        DeclarationKind::DerivedStatement => writeln!(
            out,
            "{} {}:{} — {} {}, {} {}, {} {}",
            tr(lang, "Signed statement for", "他制度向けの文書に署名しました:"),
            declaration.scheme.id,
            declaration.scheme.level,
            c.conformant + c.not_applicable,
            tr(lang, "covered", "対応済み"),
            c.not_conformant,
            tr(lang, "not conformant", "不適合"),
            c.pending,
            tr(lang, "still to evaluate", "要評価"),
        )?,
    }
    if declaration.kind == DeclarationKind::DerivedStatement {
        for requirement in declaration.requirements.iter().filter(|r| r.verdict == Verdict::Pending) {
            let reason = requirement.reason.as_ref().map(|r| r.get(lang).to_owned()).unwrap_or_default();
            writeln!(out, "  {} {}: {reason}", tr(lang, "missing", "未対応"), requirement.id)?;
        }
    }
    for file in files {
        writeln!(out, "  {}", file.display())?;
    }
    Ok(exit::Answer::Yes)
}

pub(crate) fn keys(command: &KeysCommand, lang: Lang, out: &mut dyn Write) -> anyhow::Result<exit::Answer> {
    match command {
        KeysCommand::Generate { out: path } => {
            let public = keys::generate(path)?;
            writeln!(
                out,
                "{} {} ({}) {} {}",
                tr(lang, "Wrote", "作成しました:"),
                path.display(),
                tr(lang, "keep it secret", "秘密に保管してください"),
                keys::public_path(path).display(),
                keys::key_id(&public)
            )?;
            Ok(exit::Answer::Yes)
        }
    }
}

pub(crate) fn declaration(
    command: &DeclarationCommand,
    criteria_dir: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<exit::Answer> {
    let (file, pubkey, format) = match command {
        DeclarationCommand::Verify { file, pubkey, format } => (file, pubkey, format),
        DeclarationCommand::Countersign { dir, key } => {
            let key = keys::read_private(key)?;
            let declaration = publish::countersign(dir, &key)?;
            writeln!(
                out,
                "{} {} — {} {} ({} {})",
                tr(lang, "Countersigned", "署名しました:"),
                dir.join(publish::DECLARATION_FILE).display(),
                declaration.product.name,
                declaration.scheme.selector(),
                tr(lang, "key", "鍵"),
                keys::key_id(&key.verifying_key())
            )?;
            return Ok(exit::Answer::Yes);
        }
    };
    let catalog = load_catalog(criteria_dir)?;
    let key = keys::read_public(pubkey)?;
    // A link, FIFO or device handed over as the declaration is refused before it is read.
    let bytes = tekigo_assess::input::read_regular(
        file,
        tekigo_assess::input::MAX_DECLARATION_BYTES,
        tekigo_input::Links::Refuse,
    )
    .map_err(|error| anyhow::anyhow!(error.text().get(lang).to_owned()))?;
    let (declaration, mut problems) = verify::verify_bytes(&file.display().to_string(), &bytes, &key, &catalog)?;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let (attachment_problems, missing) = publish::attachment_problems(&declaration, &dir);
    problems.extend(attachment_problems);
    let valid = problems.is_empty();
    match table_or_json(*format)? {
        Format::Json => write_json(
            out,
            &serde_json::json!({
                "valid": valid,
                "signature": "valid",
                "key_id": keys::key_id(&key),
                "evaluator": declaration.evaluator,
                "vendor_signed": declaration.signature.is_some(),
                "declaration": declaration.id,
                "kind": declaration.kind,
                "scheme": declaration.scheme.selector(),
                "product": declaration.product,
                "conformant": declaration.outcome.conformant,
                "problems": problems,
                "attachments_not_present": missing,
            }),
        )?,
        _ => {
            writeln!(out, "{}: {}", tr(lang, "signature", "署名"), tr(lang, "valid", "有効"))?;
            writeln!(out, "{}: {}", tr(lang, "key", "鍵"), keys::key_id(&key))?;
            if let Some(evaluator) = &declaration.evaluator {
                writeln!(
                    out,
                    "{}: {} ({}), {} {}",
                    tr(lang, "co-signed by evaluator", "連署した評価者"),
                    evaluator.name,
                    evaluator.organisation,
                    tr(lang, "key", "鍵"),
                    evaluator.key_id
                )?;
                if let Some(accreditation) = &evaluator.accreditation {
                    writeln!(
                        out,
                        "{}: {} {}",
                        tr(lang, "accreditation (ISO/IEC 17025)", "認定（ISO/IEC 17025）"),
                        accreditation.body,
                        accreditation.number
                    )?;
                }
                if declaration.signature.is_none() {
                    writeln!(
                        out,
                        "{}: {}",
                        tr(lang, "vendor's signature", "製造事業者等の署名"),
                        tr(
                            lang,
                            "not yet (tekigo declaration countersign)",
                            "未署名（tekigo declaration countersign）"
                        )
                    )?;
                }
            }
            writeln!(
                out,
                "{}: {} {} — {} ({})",
                tr(lang, "declaration", "宣言書"),
                declaration.product.name,
                declaration.product.model,
                declaration.scheme.selector(),
                declaration.issued
            )?;
            if declaration.scheme.is_provisional() {
                writeln!(out, "{}: {}", tr(lang, "Note", "注意"), tekigo_criteria::provisional_notice().get(lang))?;
            }
            for problem in &problems {
                writeln!(out, "  ✗ {}", problem.get(lang))?;
            }
            for name in &missing {
                writeln!(out, "  - {name}: {}", tr(lang, "not present, not checked", "見つからないため未検証"))?;
            }
            writeln!(out, "{}", if valid { tr(lang, "VALID", "有効") } else { tr(lang, "NOT VALID", "無効") })?;
        }
    }
    Ok(exit::Answer::from_bool(valid))
}

/// The interactive questionnaire: one item at a time, saved after every answer, so quitting (or
/// losing the terminal) loses nothing and the next run picks up where this one stopped.
fn questionnaire(
    assessment: &mut Assessment,
    catalog: &Catalog,
    lang: Lang,
    only: Option<&str>,
    all: bool,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut ask = |out: &mut dyn Write, prompt: &str| -> anyhow::Result<Option<String>> {
        write!(out, "{prompt} > ")?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim().to_owned()))
    };
    // Facts first: the declaration cannot be made without them.
    let facts: [(&str, &str, &str); 6] = [
        ("vendor", "Vendor (manufacturer)", "製造者名"),
        ("model", "Model number", "型番"),
        ("firmware_version", "Firmware version", "ファームウェアのバージョン"),
        ("support_end", "Support end (YYYY-MM-DD)", "サポート終了日 (YYYY-MM-DD)"),
        ("vulnerability_contact", "Vulnerability contact (URL or e-mail)", "脆弱性の連絡先（URL またはメール）"),
        ("declarant", "Declarant's name", "宣言者の氏名"),
    ];
    if only.is_none() {
        for (field, en, ja) in facts {
            let product = &mut assessment.file.product;
            let slot: &mut String = match field {
                "vendor" => &mut product.vendor,
                "model" => &mut product.model,
                "firmware_version" => &mut product.firmware_version,
                "support_end" => &mut product.support_end,
                "vulnerability_contact" => &mut product.vulnerability_contact,
                _ => &mut assessment.file.declarant.name,
            };
            if !slot.trim().is_empty() {
                continue;
            }
            match ask(out, tr(lang, en, ja))? {
                None => return Ok(()),
                Some(value) if !value.is_empty() => {
                    *slot = value;
                    assessment.save_facts()?;
                }
                Some(_) => {}
            }
        }
    }
    let scope = assessment.scope(catalog)?;
    if let Some(only) = only
        && scope.requirement(only).is_none()
    {
        return Err(localized(
            format!("unknown requirement `{only}` ({} has {})", scope.selector(), scope.ids()),
            format!("不明な要件 `{only}`（{} の要件: {}）", scope.selector(), scope.ids()),
        ));
    }
    let evaluation = assessment.evaluate(catalog, today())?;
    let total: usize = evaluation.requirements.iter().map(|r| r.items.len()).sum();
    let mut answered: usize =
        evaluation.requirements.iter().flat_map(|r| &r.items).filter(|i| i.answer != Answer::Pending).count();
    let base = std::env::current_dir().unwrap_or_default();
    for (id, requirement) in &scope.requirements {
        if only.is_some_and(|only| only != id) {
            continue;
        }
        let result = evaluation.requirements.iter().find(|r| &r.id == id).context("evaluated requirement")?;
        for item in &result.items {
            if !all && item.answer != Answer::Pending && only.is_none() {
                continue;
            }
            writeln!(out, "\n[{answered}/{total}] {id} {}", requirement.title.get(lang))?;
            writeln!(out, "  {}", requirement.summary.get(lang))?;
            if let Some(guidance) = &requirement.guidance {
                writeln!(out, "  {} {}", tr(lang, "Guidance:", "手引き:"), guidance.get(lang))?;
            }
            let method = match item.method {
                tekigo_criteria::Method::Document => tr(lang, "document", "文書"),
                tekigo_criteria::Method::Device => tr(lang, "device test", "実機"),
                tekigo_criteria::Method::BinaryAnalysis => tr(lang, "binary analysis", "バイナリ解析"),
                tekigo_criteria::Method::PenetrationTest => tr(lang, "penetration test", "ペネトレーションテスト"),
            };
            writeln!(out, "  {} {} ({method}): {}", tr(lang, "Item", "評価項目"), item.id, item.text.get(lang))?;
            if item.answer != Answer::Pending {
                writeln!(out, "  {} {}", tr(lang, "Current answer:", "現在の回答:"), item.answer.label().get(lang))?;
                if let Some(detail) = &item.detail {
                    writeln!(out, "  {}", detail.get(lang))?;
                }
            }
            let answer = loop {
                let Some(choice) = ask(
                    out,
                    tr(
                        lang,
                        "[y] yes  [n] no  [a] not applicable  [s] skip  [q] save and quit",
                        "[y] はい  [n] いいえ  [a] 該当なし  [s] 飛ばす  [q] 保存して終了",
                    ),
                )?
                else {
                    return Ok(());
                };
                match choice.to_lowercase().as_str() {
                    "y" | "yes" | "はい" => break Some(Answer::Yes),
                    "n" | "no" | "いいえ" => break Some(Answer::No),
                    "a" | "na" | "n/a" | "該当なし" => break Some(Answer::NotApplicable),
                    "s" | "skip" => break None,
                    "q" | "quit" => return Ok(()),
                    _ => writeln!(
                        out,
                        "  {}",
                        tr(lang, "Please type y, n, a, s or q.", "y、n、a、s、q のいずれかを入力してください。")
                    )?,
                }
            };
            let Some(answer) = answer else { continue };
            let mut note = None;
            match answer {
                Answer::Yes => loop {
                    let Some(line) = ask(
                        out,
                        tr(
                            lang,
                            "  Evidence: a file, a URL, or where it is shown (empty line to finish)",
                            "  証跡: ファイル、URL、または記載箇所（空行で終了）",
                        ),
                    )?
                    else {
                        break;
                    };
                    if line.is_empty() {
                        break;
                    }
                    let source = EvidenceSource::parse(&line, &base);
                    if let EvidenceSource::Reference(words) = &source {
                        note = Some(match note.take() {
                            Some(previous) => format!("{previous}; {words}"),
                            None => words.clone(),
                        });
                    }
                    let evidence = assessment.add_evidence(EvidenceKind::File, &source, None, &now())?;
                    assessment.link_evidence(id, &item.id, &evidence);
                },
                Answer::NotApplicable => {
                    let Some(reason) = ask(out, tr(lang, "  Why does it not apply?", "  該当しない理由"))?
                    else {
                        return Ok(());
                    };
                    note = Some(reason).filter(|r| !r.is_empty());
                }
                _ => {
                    note = ask(out, tr(lang, "  Note (optional)", "  備考（任意）"))?.filter(|n| !n.is_empty());
                }
            }
            if item.answer == Answer::Pending {
                answered += 1;
            }
            assessment.set_answer(id, &item.id, answer, note);
            assessment.save_answers()?;
            if let Some(gap) = tekigo_assess::evaluate::item_gap(&current_item(assessment, catalog, id, &item.id)?) {
                writeln!(out, "  ! {}", gap.get(lang))?;
            }
        }
    }
    Ok(())
}

fn current_item(
    assessment: &Assessment,
    catalog: &Catalog,
    requirement: &str,
    item: &str,
) -> anyhow::Result<tekigo_assess::declaration::ItemResult> {
    let evaluation = assessment.evaluate(catalog, today())?;
    evaluation
        .requirements
        .into_iter()
        .find(|r| r.id == requirement)
        .and_then(|r| r.items.into_iter().find(|i| i.id == item))
        .context("answered item")
}
