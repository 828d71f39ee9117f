//! Assess once, declare in many schemes: the verdicts of one assessment read into another
//! scheme's requirements through the catalog's mappings. Which mapping counts as covering is the
//! gap-analysis rule (`tekigo_criteria::gap`), applied here only to requirements that the
//! assessment actually found conformant (or not applicable).

use tekigo_base::Text;
use tekigo_criteria::gap::{Basis, GapEntry};
use tekigo_criteria::{Catalog, LevelSelector, LookupError, ReqRef};

use crate::declaration::{Answer, DecidedBy, ItemResult, RequirementResult, Verdict, VulnerabilityResult};
use crate::evaluate::items_of;
use crate::scope::Scope;
use crate::scope::result_id;

/// One target requirement and what it rests on in the source assessment.
fn basis_results<'r>(
    source: &Scope<'_>,
    results: &'r [RequirementResult],
    by: &[Basis],
) -> Vec<(&'r RequirementResult, String)> {
    by.iter()
        .filter_map(|basis| {
            let id = result_id(&source.scheme.id, &ReqRef::new(&basis.scheme, &basis.id));
            let how = if basis.deemed { "deemed".to_owned() } else { basis.relationship.name().to_owned() };
            results.iter().find(|r| r.id == id).map(|r| (r, format!("{}/{} ({how})", basis.scheme, basis.id)))
        })
        .collect()
}

/// The target scheme's requirements, each decided from the source assessment's verdicts where a
/// mapping covers it, pending otherwise (with what partly covers it, if anything).
pub fn derive(
    catalog: &Catalog,
    source: &Scope<'_>,
    results: &[RequirementResult],
    target: &Scope<'_>,
) -> Result<Vec<RequirementResult>, LookupError> {
    let have = LevelSelector {
        scheme: source.scheme.id.clone(),
        level: Some(source.level.id.clone()),
        product_type: source.level.product_type.clone(),
    };
    let want = LevelSelector {
        scheme: target.scheme.id.clone(),
        level: Some(target.level.id.clone()),
        product_type: target.level.product_type.clone(),
    };
    let gap = catalog.gap(&[have], &want)?;
    let find = |entries: &[GapEntry], id: &ReqRef| -> Option<Vec<Basis>> {
        entries.iter().find(|e| e.scheme == id.scheme && e.id == id.id).map(|e| e.by.clone())
    };
    let mut derived = Vec::new();
    for reference in &target.level.requirements {
        let Some(requirement) = catalog.requirement(reference) else { continue };
        let id = result_id(&target.scheme.id, reference);
        let (verdict, answer, reason, covered_by) = if let Some(by) = find(&gap.covered, reference) {
            decide_covered(&basis_results(source, results, &by))
        } else if let Some(by) = find(&gap.partial, reference) {
            let bases = basis_results(source, results, &by);
            let names: Vec<String> = bases.iter().map(|(_, name)| name.clone()).collect();
            (
                Verdict::Pending,
                Answer::Pending,
                Some(Text::new(
                    format!("partly covered by {}; evaluate the rest directly", names.join(", ")),
                    format!("{} で一部のみ対応します。残りは直接評価してください", names.join("、")),
                )),
                names,
            )
        } else {
            (
                Verdict::Pending,
                Answer::Pending,
                Some(Text::new(
                    format!("no requirement of {} covers it; evaluate it directly", source.selector()),
                    format!("{} に対応する要件がありません。直接評価してください", source.selector()),
                )),
                Vec::new(),
            )
        };
        let detail = (!covered_by.is_empty()).then(|| {
            Text::new(
                format!("from the assessment at {}: {}", source.selector(), covered_by.join(", ")),
                format!("{} の評価から: {}", source.selector(), covered_by.join("、")),
            )
        });
        let items = items_of(requirement)
            .into_iter()
            .map(|item| ItemResult {
                id: item.id,
                method: item.method,
                text: item.text,
                answer,
                decided_by: DecidedBy::Mapping,
                evidence: Vec::new(),
                note: None,
                detail: detail.clone(),
            })
            .collect();
        derived.push(RequirementResult {
            id,
            title: requirement.title.clone(),
            verdict,
            reason,
            items_rule: requirement.items_rule,
            items,
            covered_by,
        });
    }
    Ok(derived)
}

/// A covered requirement takes the best verdict among what covers it: one conformant basis is
/// enough; all bases not applicable make it not applicable; a failing basis fails it.
fn decide_covered(bases: &[(&RequirementResult, String)]) -> (Verdict, Answer, Option<Text>, Vec<String>) {
    let names: Vec<String> = bases.iter().map(|(_, name)| name.clone()).collect();
    let verdicts: Vec<Verdict> = bases.iter().map(|(r, _)| r.verdict).collect();
    if verdicts.contains(&Verdict::Conformant) {
        (Verdict::Conformant, Answer::Yes, None, names)
    } else if !verdicts.is_empty() && verdicts.iter().all(|v| *v == Verdict::NotApplicable) {
        let reasons: Vec<String> = bases.iter().filter_map(|(r, _)| r.reason.as_ref().map(|t| t.en.clone())).collect();
        let reason = reasons.join("; ");
        (Verdict::NotApplicable, Answer::NotApplicable, Some(Text::new(reason.clone(), reason)), names)
    } else if verdicts.contains(&Verdict::NotConformant) {
        (
            Verdict::NotConformant,
            Answer::No,
            Some(Text::new(
                format!("{} is not conformant", names.join(", ")),
                format!("{} が不適合です", names.join("、")),
            )),
            names,
        )
    } else {
        (
            Verdict::Pending,
            Answer::Pending,
            Some(Text::new(
                format!("{} is not answered yet", names.join(", ")),
                format!("{} が未回答です", names.join("、")),
            )),
            names,
        )
    }
}

/// The known-vulnerability result a derived statement carries: the source's when it was checked
/// at the target level's threshold or a stricter one; pending when the target is stricter (a
/// check from 7.0 says nothing about findings from 4.0 up), with the reason.
pub fn carried_vulnerabilities(source: &VulnerabilityResult, target_min: f64) -> Option<VulnerabilityResult> {
    if source.cvss_min <= target_min {
        return Some(source.clone());
    }
    Some(VulnerabilityResult {
        cvss_min: target_min,
        verdict: Verdict::Pending,
        decided_by: source.decided_by,
        evidence: source.evidence.clone(),
        components: source.components,
        failing: Vec::new(),
        reason: Some(Text::new(
            format!(
                "The SBOM was checked from CVSS {:.1}; this level fails known exploitable vulnerabilities from {target_min:.1}: check it again at this level.",
                source.cvss_min
            ),
            format!(
                "SBOM は CVSS {:.1} 以上で検査されています。この水準は {target_min:.1} 以上の悪用可能な既知の脆弱性を不適合とするため、この水準で検査し直してください。",
                source.cvss_min
            ),
        )),
    })
}
