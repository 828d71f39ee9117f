//! From an evaluation to the declaration document (unsigned; [`crate::sign`] signs it).

use tekigo_base::Text;

use tekigo_criteria::Assurance;

use crate::declaration::{
    Answer, DecidedBy, Declarant, Declaration, DeclarationKind, Deemed, EvaluatorRef, EvidenceKind, EvidenceRecord,
    FORMAT, Outcome, Product, RequirementResult, SchemeRef, VulnerabilityResult,
};
use crate::evaluate::{count, overall};
use crate::folder::Evaluation;

#[derive(Debug, thiserror::Error)]
pub enum DeclareError {
    /// A self-declaration of conformity is made only when everything holds.
    #[error("the assessment is not ready to declare:\n{}", list(.0))]
    NotReady(Vec<Text>),
}

fn list(problems: &[Text]) -> String {
    problems.iter().map(|p| format!("  - {} / {}", p.en, p.ja)).collect::<Vec<_>>().join("\n")
}

/// What stands between an evaluation and a self-declaration, in both languages.
pub fn blockers(evaluation: &Evaluation, declarant: &Declarant) -> Vec<Text> {
    let mut blockers = evaluation.fact_gaps.clone();
    if declarant.name.trim().is_empty() {
        blockers.push(Text::new(
            "the declarant's name is missing (assessment.toml [declarant] or --declarant)",
            "宣言者の氏名がありません（assessment.toml の [declarant] または --declarant）",
        ));
    }
    for requirement in &evaluation.requirements {
        let reason = requirement.reason.clone().unwrap_or_else(|| Text::new("", ""));
        match requirement.verdict {
            crate::declaration::Verdict::Pending => blockers.push(Text::new(
                format!("{}: pending ({})", requirement.id, reason.en),
                format!("{}: 未評価（{}）", requirement.id, reason.ja),
            )),
            crate::declaration::Verdict::NotConformant => blockers.push(Text::new(
                format!("{}: not conformant ({})", requirement.id, reason.en),
                format!("{}: 不適合（{}）", requirement.id, reason.ja),
            )),
            _ => {}
        }
    }
    if let Some(vulnerabilities) = &evaluation.vulnerabilities
        && vulnerabilities.verdict != crate::declaration::Verdict::Conformant
    {
        let reason = vulnerabilities.reason.clone().unwrap_or_else(|| Text::new("", ""));
        blockers.push(Text::new(
            format!("known vulnerabilities (SCHEME §2): {} ({})", vulnerabilities.verdict.label().en, reason.en),
            format!("既知の脆弱性（SCHEME §2）: {}（{}）", vulnerabilities.verdict.label().ja, reason.ja),
        ));
    }
    blockers
}

/// Who must vouch for a level (SCHEME §2), stated once for `assess declare`, `evaluate
/// report`, `declaration verify` and the registry:
///
/// - self-declaration (★1): the vendor alone;
/// - skilled evaluator (★2): a self-declaration co-signed by an evaluator (`evaluator`), or a
///   lab's evaluation;
/// - third party (★3/★4): only an accredited lab's evaluation report, naming the lab's
///   accreditation.
///
/// At ★2 and above a device test answered "yes" rests on the probe's report, and a binary
/// analysis or penetration test answered "yes" on that report, each kept as hashed evidence.
pub fn assurance_problems(
    assurance: Assurance,
    kind: DeclarationKind,
    selector: &str,
    evaluator: Option<&EvaluatorRef>,
    requirements: &[RequirementResult],
    evidence: &[EvidenceRecord],
) -> Vec<Text> {
    let mut problems = Vec::new();
    let lab = evaluator.filter(|e| e.accreditation.is_some());
    match (assurance, kind) {
        (_, DeclarationKind::DerivedStatement) | (Assurance::SelfDeclaration, DeclarationKind::SelfDeclaration) => {
            return problems;
        }
        (Assurance::ThirdParty, DeclarationKind::SelfDeclaration) => {
            problems.push(Text::new(
                format!(
                    "`{selector}` is evaluated by an accredited lab (SCHEME §2): a self-declaration cannot claim it; the lab's evaluation report (tekigo evaluate report) is submitted instead"
                ),
                format!(
                    "`{selector}` は認定された評価機関が評価します（SCHEME §2）。自己宣言では取得できず、評価機関の評価報告書（tekigo evaluate report）を提出します"
                ),
            ));
            return problems;
        }
        (Assurance::SkilledEvaluator, DeclarationKind::SelfDeclaration) if evaluator.is_none() => problems.push(Text::new(
            format!("`{selector}` needs a skilled evaluator who co-signs (SCHEME §2): give --evaluator, --evaluator-org and --evaluator-key"),
            format!("`{selector}` にはスキル要件を満たす評価者の連署が必要です（SCHEME §2）: --evaluator、--evaluator-org、--evaluator-key を指定してください"),
        )),
        (_, DeclarationKind::ThirdPartyEvaluation) if lab.is_none() => problems.push(Text::new(
            "a third-party evaluation report names the lab that evaluated, with its ISO/IEC 17025 accreditation (body and number)",
            "第三者評価報告書には、評価した評価機関とその ISO/IEC 17025 の認定（認定機関と認定番号）を記載してください",
        )),
        _ => {}
    }
    let kinds_of = |ids: &[String]| -> Vec<EvidenceKind> {
        ids.iter().filter_map(|id| evidence.iter().find(|e| &e.id == id)).map(|e| e.kind).collect()
    };
    for requirement in requirements {
        for item in requirement.items.iter().filter(|i| i.answer == Answer::Yes) {
            let kinds = kinds_of(&item.evidence);
            let (needed, en, ja) = match item.method {
                tekigo_criteria::Method::Device => (
                    EvidenceKind::Probe,
                    "a device test at this level needs the probe's report as evidence (tekigo assess import / tekigo evaluate record --probe)",
                    "この水準の実機試験にはプローブの結果を証跡として付けてください（tekigo assess import / tekigo evaluate record --probe）",
                ),
                tekigo_criteria::Method::BinaryAnalysis => (
                    EvidenceKind::BinaryAnalysis,
                    "a binary analysis needs its report as evidence (tekigo evaluate record --binary-analysis FILE)",
                    "バイナリ解析には、その報告書を証跡として付けてください（tekigo evaluate record --binary-analysis FILE）",
                ),
                tekigo_criteria::Method::PenetrationTest => (
                    EvidenceKind::PenetrationTest,
                    "a penetration test needs its report as evidence (tekigo evaluate record --penetration-test FILE)",
                    "ペネトレーションテストには、その報告書を証跡として付けてください（tekigo evaluate record --penetration-test FILE）",
                ),
                _ => continue,
            };
            let on_probe = needed == EvidenceKind::Probe && item.decided_by == DecidedBy::Probe;
            if !on_probe && !kinds.contains(&needed) {
                problems.push(Text::new(
                    format!("{} item {}: {en}", requirement.id, item.id),
                    format!("{} 評価項目 {}: {ja}", requirement.id, item.id),
                ));
            }
        }
    }
    problems
}

/// The declaration's ID: the same product, scope and issue time give the same ID.
fn declaration_id(product: &Product, scheme: &SchemeRef, issued: &str) -> String {
    let name = format!(
        "tekigo-declaration:{}:{}:{}:{}:{}:{}",
        product.vendor,
        product.model,
        product.firmware_version,
        scheme.selector(),
        scheme.version,
        issued
    );
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string()
}

fn statement(
    product: &Product,
    scheme: &SchemeRef,
    kind: DeclarationKind,
    from: Option<&SchemeRef>,
    evaluator: Option<&EvaluatorRef>,
) -> Text {
    let (what_en, what_ja) = if product.models.len() > 1 {
        let models: Vec<&str> = product.models.iter().map(|m| m.model.trim()).collect();
        (
            format!("{} (models {}, firmware {})", product.name, models.join(", "), product.firmware_version),
            format!("{}（型番 {}、ファームウェア {}）", product.name, models.join("、"), product.firmware_version),
        )
    } else {
        (
            format!("{} (model {}, firmware {})", product.name, product.model, product.firmware_version),
            format!("{}（型番 {}、ファームウェア {}）", product.name, product.model, product.firmware_version),
        )
    };
    match (kind, from) {
        (DeclarationKind::DerivedStatement, Some(from)) => Text::new(
            format!(
                "{} states how its assessment of {what_en} against {} {} (criteria version {}) answers the requirements of {} {} (version {}): each requirement below is marked covered, not covered, or still to be evaluated. Security updates are provided until {}.",
                product.vendor,
                from.title.en,
                from.level_name.en,
                from.version,
                scheme.title.en,
                scheme.level_name.en,
                scheme.version,
                product.support_end
            ),
            format!(
                "{}は、{what_ja}について {} {}（適合基準 {} 版）で行った評価が、{} {}（{} 版）の各要件にどう対応するかを以下に示します。各要件は対応済み・未対応・要評価のいずれかです。セキュリティアップデートは {} まで提供します。",
                product.vendor,
                from.title.ja,
                from.level_name.ja,
                from.version,
                scheme.title.ja,
                scheme.level_name.ja,
                scheme.version,
                product.support_end
            ),
        ),
        (DeclarationKind::ThirdPartyEvaluation, _) => {
            let (lab, accreditation) = match evaluator {
                Some(e) => (
                    e.organisation.as_str(),
                    e.accreditation.as_ref().map(|a| format!("{} {}", a.body, a.number)).unwrap_or_default(),
                ),
                None => ("", String::new()),
            };
            Text::new(
                format!(
                    "{lab} (accreditation {accreditation}) evaluated {what_en} against {} {} (criteria version {}) and records below its result and evidence for every evaluation item. {} provides security updates for the product until {}.",
                    scheme.title.en, scheme.level_name.en, scheme.version, product.vendor, product.support_end
                ),
                format!(
                    "{lab}（認定 {accreditation}）は、{what_ja}を {} {}（適合基準 {} 版）に照らして評価し、すべての評価項目の結果と証跡を以下に記録します。{}は {} まで本製品のセキュリティアップデートを提供します。",
                    scheme.title.ja, scheme.level_name.ja, scheme.version, product.vendor, product.support_end
                ),
            )
        }
        _ => Text::new(
            format!(
                "{} declares that {what_en} meets every requirement of {} {} (criteria version {}) that applies to it, as recorded in this document, and that it provides security updates for the product until {}.",
                product.vendor, scheme.title.en, scheme.level_name.en, scheme.version, product.support_end
            ),
            format!(
                "{}は、{what_ja}が {} {}（適合基準 {} 版）の該当するすべての要件を満たすことを、本書の記録のとおり宣言します。また、{} まで本製品のセキュリティアップデートを提供します。",
                product.vendor, scheme.title.ja, scheme.level_name.ja, scheme.version, product.support_end
            ),
        ),
    }
}

/// The statement says which requirements rest on a recognised scheme's compliance statement.
fn with_deemed(statement: Text, deemed: &[Deemed]) -> Text {
    deemed.iter().fold(statement, |text, deemed| {
        let ids = deemed.requirements.join(", ");
        Text::new(
            format!(
                "{} Requirements {ids} are deemed met by the product's {} statement of compliance (evidence {}), under the certification body's recognition of that scheme.",
                text.en, deemed.scheme, deemed.evidence
            ),
            format!(
                "{}要件 {} は、認証機関による同制度の承認に基づき、本製品の {} 適合宣言（証跡 {}）によりみなし適合とします。",
                text.ja,
                deemed.requirements.join("、"),
                deemed.scheme,
                deemed.evidence
            ),
        )
    })
}

/// Everything a declaration holds, before attachments and signature.
pub struct Parts<'a> {
    pub kind: DeclarationKind,
    pub scheme: SchemeRef,
    pub assessed_against: Option<SchemeRef>,
    pub product: &'a Product,
    pub declarant: &'a Declarant,
    pub requirements: Vec<RequirementResult>,
    pub vulnerabilities: Option<VulnerabilityResult>,
    pub evidence: &'a [EvidenceRecord],
    /// Requirements decided by a recognised scheme's compliance statement.
    pub deemed: Vec<Deemed>,
    /// The skilled evaluator (★2) or accredited lab (★3/★4) who co-signs.
    pub evaluator: Option<EvaluatorRef>,
    pub issued: &'a str,
}

pub fn build(parts: Parts<'_>) -> Declaration {
    let counts = count(&parts.requirements);
    let conformant = overall(&parts.requirements, parts.vulnerabilities.as_ref());
    // Only the evidence the answers name goes into the document.
    let named: std::collections::BTreeSet<String> = parts
        .requirements
        .iter()
        .flat_map(|r| r.items.iter().flat_map(|i| i.evidence.iter().cloned()))
        .chain(parts.vulnerabilities.iter().flat_map(|v| v.evidence.iter().cloned()))
        .chain(parts.deemed.iter().map(|d| d.evidence.clone()))
        .collect();
    let deemed: Vec<Deemed> = parts.deemed.into_iter().filter(|d| !d.requirements.is_empty()).collect();
    Declaration {
        format: FORMAT.to_owned(),
        kind: parts.kind,
        id: declaration_id(parts.product, &parts.scheme, parts.issued),
        issued: parts.issued.to_owned(),
        statement: with_deemed(
            statement(
                parts.product,
                &parts.scheme,
                parts.kind,
                parts.assessed_against.as_ref(),
                parts.evaluator.as_ref(),
            ),
            &deemed,
        ),
        scheme: parts.scheme,
        assessed_against: parts.assessed_against,
        product: parts.product.clone(),
        declarant: parts.declarant.clone(),
        outcome: Outcome { conformant, counts },
        requirements: parts.requirements,
        vulnerabilities: parts.vulnerabilities,
        evidence: parts.evidence.iter().filter(|e| named.contains(&e.id)).cloned().collect(),
        deemed,
        attachments: Vec::new(),
        evaluator: parts.evaluator,
        signature: None,
        evaluator_signature: None,
    }
}
