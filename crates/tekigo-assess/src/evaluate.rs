//! The verdict rules: answers, evidence and automated decisions become a verdict per requirement.
//! Pure functions; the same rules check a declaration that arrives from elsewhere
//! ([`crate::verify`]), so a verdict can never say more than its items do.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tekigo_base::Text;
use tekigo_criteria::{EvaluationItem, ItemsRule, Requirement};

use crate::declaration::{Answer, Counts, DecidedBy, ItemResult, RequirementResult, Verdict, VulnerabilityResult};

/// A person's answers, as kept in `answers.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    #[serde(default)]
    pub requirements: BTreeMap<String, RequirementAnswer>,
    /// The level's known-vulnerability rule, answered by hand (a report of another scanner kept as
    /// evidence); an imported `tekigo sbom check` report decides it otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<ItemAnswer>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementAnswer {
    /// Why the whole requirement does not apply to this product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_applicable: Option<String>,
    #[serde(default)]
    pub items: BTreeMap<String, ItemAnswer>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemAnswer {
    #[serde(default)]
    pub answer: Answer,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a tool decided about one evaluation item, from one piece of evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoDecision {
    pub requirement: String,
    pub item: String,
    pub answer: Answer,
    pub decided_by: DecidedBy,
    pub evidence: String,
    pub detail: Text,
}

/// What an SBOM check decided about the level's vulnerability rule.
#[derive(Debug, Clone, PartialEq)]
pub struct VulnerabilityDecision {
    pub conformant: bool,
    pub evidence: Vec<String>,
    pub components: usize,
    pub failing: Vec<String>,
    /// Findings the check could not evaluate (unscored, or to review): with none failing, the
    /// rule is left pending, never conformant.
    pub undecided: Vec<String>,
}

/// The evaluation items of a requirement. A requirement the scheme gives no items (ETSI
/// provisions, UK PSTI) is answered as one item, `1`, whose text is the requirement's summary.
pub fn items_of(requirement: &Requirement) -> Vec<EvaluationItem> {
    requirement.assessed_items()
}

/// One requirement's result from its answers and the tools' decisions.
pub fn evaluate_requirement(
    requirement: &Requirement,
    answer: Option<&RequirementAnswer>,
    decisions: &[AutoDecision],
) -> RequirementResult {
    let items: Vec<ItemResult> = items_of(requirement)
        .into_iter()
        .map(|item| {
            let given = answer.and_then(|answer| answer.items.get(&item.id));
            let decision = decisions.iter().find(|d| d.requirement == requirement.id && d.item == item.id);
            item_result(&item, given, decision)
        })
        .collect();
    let (verdict, reason) = match answer.and_then(|answer| answer.not_applicable.as_deref()).map(str::trim) {
        Some(reason) if !reason.is_empty() => (Verdict::NotApplicable, Some(Text::new(reason, reason))),
        _ => combine(requirement.items_rule, &items),
    };
    RequirementResult {
        id: requirement.id.clone(),
        title: requirement.title.clone(),
        verdict,
        reason,
        items_rule: requirement.items_rule,
        items,
        covered_by: Vec::new(),
    }
}

/// A tool's "no" stands against a person's "yes": a failed device test is not argued away in a
/// checklist. A requirement deemed met by a recognised scheme's statement is decided by that
/// statement (its checklist items are waived), unless the person answered "no". Otherwise the
/// person's answer stands, and a tool answers what the person left open.
fn item_result(item: &EvaluationItem, given: Option<&ItemAnswer>, decision: Option<&AutoDecision>) -> ItemResult {
    let manual = given.filter(|given| given.answer != Answer::Pending);
    let mut result = ItemResult {
        id: item.id.clone(),
        method: item.method,
        text: item.text.clone(),
        answer: Answer::Pending,
        decided_by: DecidedBy::Person,
        evidence: given.map(|given| given.evidence.clone()).unwrap_or_default(),
        note: given.and_then(|given| given.note.clone()).filter(|note| !note.trim().is_empty()),
        detail: None,
    };
    match (manual, decision) {
        (Some(manual), Some(decision)) if decision.answer == Answer::No && manual.answer != Answer::No => {
            take_decision(&mut result, decision);
        }
        (Some(manual), Some(decision))
            if decision.decided_by == DecidedBy::Recognition && manual.answer != Answer::No =>
        {
            result.evidence.clear();
            result.note = None;
            take_decision(&mut result, decision);
        }
        (Some(manual), decision) => {
            result.answer = manual.answer;
            if let Some(decision) = decision.filter(|d| d.answer == manual.answer) {
                push_unique(&mut result.evidence, &decision.evidence);
                result.detail = Some(decision.detail.clone());
            }
        }
        (None, Some(decision)) => take_decision(&mut result, decision),
        (None, None) => {}
    }
    result
}

fn take_decision(result: &mut ItemResult, decision: &AutoDecision) {
    result.answer = decision.answer;
    result.decided_by = decision.decided_by;
    push_unique(&mut result.evidence, &decision.evidence);
    result.detail = Some(decision.detail.clone());
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|existing| existing == id) {
        list.push(id.to_owned());
    }
}

/// What an item still lacks before it counts, if anything: a "yes" needs evidence, a "not
/// applicable" needs a reason (the honesty of a self-declaration rests on both).
pub fn item_gap(item: &ItemResult) -> Option<Text> {
    match item.answer {
        Answer::Pending => {
            Some(Text::new(format!("item {} is not answered", item.id), format!("評価項目 {} が未回答です", item.id)))
        }
        // A carried-over answer rests on the other scheme's evidence, named in its detail.
        Answer::Yes if item.evidence.is_empty() && item.decided_by != DecidedBy::Mapping => Some(Text::new(
            format!("item {} is answered yes without evidence", item.id),
            format!("評価項目 {} は「はい」ですが証跡がありません", item.id),
        )),
        Answer::NotApplicable if item.note.is_none() && item.detail.is_none() => Some(Text::new(
            format!("item {} is not applicable without a reason", item.id),
            format!("評価項目 {} は「該当なし」ですが理由がありません", item.id),
        )),
        _ => None,
    }
}

/// The requirement's verdict from its items. Items with a gap count as pending.
pub fn combine(rule: ItemsRule, items: &[ItemResult]) -> (Verdict, Option<Text>) {
    let effective: Vec<Answer> =
        items.iter().map(|item| if item_gap(item).is_some() { Answer::Pending } else { item.answer }).collect();
    let failed: Vec<&str> =
        items.iter().zip(&effective).filter(|(_, a)| **a == Answer::No).map(|(i, _)| i.id.as_str()).collect();
    let gaps: Vec<Text> = items.iter().filter_map(item_gap).collect();
    let any = |answer: Answer| effective.contains(&answer);
    let every = |answer: Answer| effective.iter().all(|a| *a == answer);
    let failed_reason = || {
        Some(Text::new(
            format!("item {} does not hold", failed.join(", ")),
            format!("評価項目 {} を満たしていません", failed.join("、")),
        ))
    };
    let pending_reason = || {
        Some(Text::new(
            gaps.iter().map(|g| g.en.as_str()).collect::<Vec<_>>().join("; "),
            gaps.iter().map(|g| g.ja.as_str()).collect::<Vec<_>>().join("。"),
        ))
    };
    // The items' own reasons say why better than a generic sentence.
    let all_not_applicable = || {
        let reasons: Vec<Text> = items
            .iter()
            .filter_map(|i| i.detail.clone().or_else(|| i.note.as_ref().map(|n| Text::new(n.clone(), n.clone()))))
            .collect();
        if reasons.is_empty() {
            return Some(Text::new("no evaluation item applies to the product", "製品に該当する評価項目がありません"));
        }
        Some(Text::new(
            reasons.iter().map(|r| r.en.as_str()).collect::<Vec<_>>().join("; "),
            reasons.iter().map(|r| r.ja.as_str()).collect::<Vec<_>>().join("。"),
        ))
    };
    match rule {
        ItemsRule::All if any(Answer::No) => (Verdict::NotConformant, failed_reason()),
        ItemsRule::All if any(Answer::Pending) => (Verdict::Pending, pending_reason()),
        ItemsRule::Any if any(Answer::Yes) => (Verdict::Conformant, None),
        ItemsRule::Any if any(Answer::Pending) => (Verdict::Pending, pending_reason()),
        ItemsRule::Any if any(Answer::No) => (Verdict::NotConformant, failed_reason()),
        _ if every(Answer::NotApplicable) => (Verdict::NotApplicable, all_not_applicable()),
        _ => (Verdict::Conformant, None),
    }
}

/// The level's known-vulnerability rule (SCHEME §2): decided by an SBOM check when one was
/// imported, by a person's answer with evidence otherwise. A failing check stands against a "yes".
pub fn evaluate_vulnerabilities(
    cvss_min: f64,
    answer: Option<&ItemAnswer>,
    decision: Option<&VulnerabilityDecision>,
) -> VulnerabilityResult {
    let mut result = VulnerabilityResult {
        cvss_min,
        verdict: Verdict::Pending,
        decided_by: DecidedBy::Person,
        evidence: answer.map(|a| a.evidence.clone()).unwrap_or_default(),
        components: None,
        failing: Vec::new(),
        reason: None,
    };
    let manual = answer.map(|a| a.answer).filter(|a| *a != Answer::Pending);
    let decides_no = |d: &VulnerabilityDecision| !d.conformant && !d.failing.is_empty();
    match (decision, manual) {
        (Some(decision), manual) if decides_no(decision) || manual.is_none() || manual == Some(Answer::Yes) => {
            result.decided_by = DecidedBy::SbomCheck;
            for id in &decision.evidence {
                push_unique(&mut result.evidence, id);
            }
            result.components = Some(decision.components);
            result.failing = decision.failing.clone();
            if decision.conformant {
                result.verdict = Verdict::Conformant;
            } else if decision.failing.is_empty() {
                // Nothing fails, but the check could not evaluate everything: not met.
                result.reason = Some(Text::new(
                    format!(
                        "the SBOM check could not evaluate {} vulnerabilities (unscored or to review): {}; score them in the check's policy, answer them with VEX, or import the missing data and check again",
                        decision.undecided.len(),
                        decision.undecided.join(", ")
                    ),
                    format!(
                        "SBOM 検査で評価できない脆弱性が {} 件あります（スコアなし・要確認）: {}。検査のポリシーで評価するか、VEX で回答するか、不足するデータを取り込んで検査し直してください",
                        decision.undecided.len(),
                        decision.undecided.join("、")
                    ),
                ));
            } else {
                result.verdict = Verdict::NotConformant;
                result.reason = Some(Text::new(
                    format!(
                        "{} known exploitable vulnerabilities from CVSS {cvss_min:.1}: {}",
                        decision.failing.len(),
                        decision.failing.join(", ")
                    ),
                    format!(
                        "CVSS {cvss_min:.1} 以上の悪用可能な既知の脆弱性が {} 件あります: {}",
                        decision.failing.len(),
                        decision.failing.join("、")
                    ),
                ));
            }
        }
        (_, Some(Answer::Yes)) if !result.evidence.is_empty() => result.verdict = Verdict::Conformant,
        (_, Some(Answer::No)) => {
            result.verdict = Verdict::NotConformant;
            result.reason = Some(Text::new(
                "the answer says a known exploitable vulnerability remains",
                "悪用可能な既知の脆弱性が残っていると回答されています",
            ));
        }
        _ => {
            result.reason = Some(Text::new(
                "import a `tekigo sbom check` report of the product's SBOM (or answer with other evidence)",
                "製品の SBOM に対する `tekigo sbom check` の結果を取り込んでください（または他の証跡で回答してください）",
            ));
        }
    }
    result
}

/// Counts of verdicts over requirements.
pub fn count(requirements: &[RequirementResult]) -> Counts {
    let mut counts = Counts::default();
    for requirement in requirements {
        match requirement.verdict {
            Verdict::Conformant => counts.conformant += 1,
            Verdict::NotConformant => counts.not_conformant += 1,
            Verdict::NotApplicable => counts.not_applicable += 1,
            Verdict::Pending => counts.pending += 1,
        }
    }
    counts
}

/// Conformant overall: every requirement conformant or not applicable, and the vulnerability rule
/// (if the level has one) conformant.
pub fn overall(requirements: &[RequirementResult], vulnerabilities: Option<&VulnerabilityResult>) -> bool {
    requirements.iter().all(|r| r.verdict.is_settled_positive())
        && vulnerabilities.is_none_or(|v| v.verdict == Verdict::Conformant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tekigo_criteria::Method;

    fn item(id: &str, answer: Answer, evidence: &[&str], note: Option<&str>) -> ItemResult {
        ItemResult {
            id: id.to_owned(),
            method: Method::Document,
            text: Text::new("t", "t"),
            answer,
            decided_by: DecidedBy::Person,
            evidence: evidence.iter().map(|e| (*e).to_owned()).collect(),
            note: note.map(str::to_owned),
            detail: None,
        }
    }

    #[test]
    fn yes_without_evidence_stays_pending() {
        let (verdict, reason) = combine(ItemsRule::All, &[item("1", Answer::Yes, &[], None)]);
        assert_eq!(verdict, Verdict::Pending);
        assert!(reason.unwrap().en.contains("without evidence"));
    }

    #[test]
    fn one_failing_item_fails_an_all_requirement_even_with_others_pending() {
        let items = [item("1", Answer::No, &[], None), item("2", Answer::Pending, &[], None)];
        assert_eq!(combine(ItemsRule::All, &items).0, Verdict::NotConformant);
    }

    #[test]
    fn alternatives_need_one_yes() {
        let items = [item("1", Answer::No, &[], None), item("2", Answer::Yes, &["E1"], None)];
        assert_eq!(combine(ItemsRule::Any, &items).0, Verdict::Conformant);
        let items = [item("1", Answer::No, &[], None), item("2", Answer::NotApplicable, &[], Some("no app"))];
        assert_eq!(combine(ItemsRule::Any, &items).0, Verdict::NotConformant);
    }

    #[test]
    fn not_applicable_needs_a_reason() {
        assert_eq!(combine(ItemsRule::All, &[item("1", Answer::NotApplicable, &[], None)]).0, Verdict::Pending);
        assert_eq!(
            combine(ItemsRule::All, &[item("1", Answer::NotApplicable, &[], Some("no UI"))]).0,
            Verdict::NotApplicable
        );
    }

    #[test]
    fn a_failed_device_test_overrides_a_persons_yes() {
        let device = EvaluationItem { id: "1".into(), method: Method::Device, text: Text::new("t", "t") };
        let given = ItemAnswer { answer: Answer::Yes, evidence: vec!["E1".into()], note: None };
        let decision = AutoDecision {
            requirement: "S1.1-04".into(),
            item: "1".into(),
            answer: Answer::No,
            decided_by: DecidedBy::Probe,
            evidence: "E2".into(),
            detail: Text::new("no delay", "遅延なし"),
        };
        let result = item_result(&device, Some(&given), Some(&decision));
        assert_eq!(result.answer, Answer::No);
        assert_eq!(result.decided_by, DecidedBy::Probe);
        assert_eq!(result.evidence, ["E1", "E2"]);
    }

    #[test]
    fn a_failing_sbom_check_overrides_a_yes() {
        let answer = ItemAnswer { answer: Answer::Yes, evidence: vec!["E1".into()], note: None };
        let decision = VulnerabilityDecision {
            conformant: false,
            evidence: vec!["E2".into()],
            components: 3,
            failing: vec!["CVE-2024-0001".into()],
            undecided: Vec::new(),
        };
        let result = evaluate_vulnerabilities(7.0, Some(&answer), Some(&decision));
        assert_eq!(result.verdict, Verdict::NotConformant);
        assert_eq!(result.failing, ["CVE-2024-0001"]);
        let missing = evaluate_vulnerabilities(7.0, None, None);
        assert_eq!(missing.verdict, Verdict::Pending);
    }

    #[test]
    fn an_undecided_sbom_check_leaves_the_rule_pending_even_against_a_yes() {
        let yes = ItemAnswer { answer: Answer::Yes, evidence: vec!["E1".into()], note: None };
        let decision = VulnerabilityDecision {
            conformant: false,
            evidence: vec!["E2".into()],
            components: 3,
            failing: Vec::new(),
            undecided: vec!["GO-2022-0969".into()],
        };
        for answer in [None, Some(&yes)] {
            let result = evaluate_vulnerabilities(7.0, answer, Some(&decision));
            assert_eq!(result.verdict, Verdict::Pending);
            assert!(result.reason.as_ref().unwrap().en.contains("GO-2022-0969"), "{:?}", result.reason);
        }
        // A person's "no" still stands.
        let no = ItemAnswer { answer: Answer::No, evidence: Vec::new(), note: None };
        assert_eq!(evaluate_vulnerabilities(7.0, Some(&no), Some(&decision)).verdict, Verdict::NotConformant);
    }

    proptest::proptest! {
        /// Whatever the answers, a verdict never claims more than its items: conformant needs a
        /// counted "yes" (or, for "all", no "no" and no gap).
        #[test]
        fn verdicts_never_outrun_their_items(
            answers in proptest::collection::vec((0u8..4, proptest::bool::ANY, proptest::bool::ANY), 1..5),
            any_rule in proptest::bool::ANY,
        ) {
            let items: Vec<ItemResult> = answers.iter().enumerate().map(|(i, (a, evidence, note))| {
                let answer = [Answer::Pending, Answer::Yes, Answer::No, Answer::NotApplicable][usize::from(*a)];
                item(&i.to_string(), answer, if *evidence { &["E1"] } else { &[] }, note.then_some("why"))
            }).collect();
            let rule = if any_rule { ItemsRule::Any } else { ItemsRule::All };
            let (verdict, _) = combine(rule, &items);
            let counted_yes = items.iter().any(|i| i.answer == Answer::Yes && item_gap(i).is_none());
            match verdict {
                Verdict::Conformant => {
                    proptest::prop_assert!(counted_yes);
                    if rule == ItemsRule::All {
                        proptest::prop_assert!(items.iter().all(|i| item_gap(i).is_none() && i.answer != Answer::No));
                    }
                }
                Verdict::NotApplicable => proptest::prop_assert!(items.iter().all(|i| i.answer == Answer::NotApplicable)),
                Verdict::NotConformant => proptest::prop_assert!(items.iter().any(|i| i.answer == Answer::No)),
                Verdict::Pending => proptest::prop_assert!(items.iter().any(|i| item_gap(i).is_some())),
            }
        }
    }
}
