//! The declaration as one standalone HTML page in one language, for reading on screen and printing.
//!
//! The page carries its CSS inline and has no script and no external resource, so it reads the
//! same offline and years later. Every value the vendor wrote goes through askama's HTML escaping;
//! none of it is turned into a link, so a `javascript:` contact cannot become clickable.

use askama::Template;
use tekigo_base::Lang;
use tekigo_criteria::ItemsRule;

use super::Fact;
use super::labels::{Labels, labels};
use crate::declaration::{
    Declaration, DeclarationKind, EvidenceRecord, ItemResult, RequirementResult, Verdict, VulnerabilityResult,
};

/// Renders the declaration as a standalone HTML5 document in `lang`.
pub fn html(declaration: &Declaration, lang: Lang) -> String {
    // Askama can only fail when a value's `Display` fails; every value here is a string or a
    // number, whose formatting into a `String` cannot.
    Page::new(declaration, lang).render().expect("rendering plain strings into a String does not fail")
}

#[derive(Template)]
#[template(path = "declaration.html")]
struct Page<'a> {
    lang: &'static str,
    l: &'static Labels,
    title: &'static str,
    product_name: &'a str,
    declaration_id: &'a str,
    issued: String,
    scheme: Vec<Fact>,
    product: Vec<Fact>,
    declarant: Vec<Fact>,
    evaluator: Vec<Fact>,
    statement: &'a str,
    outcome: OutcomeView,
    requirements: Vec<RequirementView<'a>>,
    vulnerabilities: Option<VulnerabilitiesView<'a>>,
    evidence: Vec<EvidenceView<'a>>,
    key_id: Option<&'a str>,
}

struct VerdictView {
    label: String,
    /// The CSS class suffix; the label alone carries the meaning, colour only helps.
    class: &'static str,
}

struct OutcomeView {
    overall: VerdictView,
    counts: Vec<(String, usize)>,
}

struct RequirementView<'a> {
    id: &'a str,
    title: &'a str,
    verdict: VerdictView,
    reason: Option<&'a str>,
    any_item_suffices: bool,
    items: Vec<ItemView<'a>>,
    covered_by: &'a [String],
}

struct ItemView<'a> {
    id: &'a str,
    text: &'a str,
    method: &'static str,
    answer: String,
    decided_by: &'static str,
    evidence: &'a [String],
    note: Option<&'a str>,
    detail: Option<&'a str>,
}

struct VulnerabilitiesView<'a> {
    facts: Vec<Fact>,
    verdict: VerdictView,
    reason: Option<&'a str>,
}

struct EvidenceView<'a> {
    id: &'a str,
    kind: &'static str,
    location: &'a str,
    sha256: Option<&'a str>,
    size: Option<String>,
    description: Option<&'a str>,
}

impl<'a> Page<'a> {
    fn new(declaration: &'a Declaration, lang: Lang) -> Self {
        let l = labels(lang);
        Page {
            lang: lang.code(),
            l,
            title: match declaration.kind {
                DeclarationKind::SelfDeclaration => l.title_self_declaration,
                DeclarationKind::DerivedStatement => l.title_derived_statement,
                DeclarationKind::ThirdPartyEvaluation => l.title_third_party_evaluation,
            },
            product_name: &declaration.product.name,
            declaration_id: &declaration.id,
            issued: super::readable_time(&declaration.issued),
            scheme: super::scheme_facts(declaration, lang),
            product: super::product_facts(declaration, lang),
            declarant: declarant_facts(declaration, l),
            evaluator: evaluator_facts(declaration, l),
            statement: declaration.statement.get(lang),
            outcome: outcome_view(declaration, lang),
            requirements: declaration.requirements.iter().map(|r| requirement_view(r, lang)).collect(),
            vulnerabilities: declaration.vulnerabilities.as_ref().map(|v| vulnerabilities_view(v, lang)),
            evidence: declaration.evidence.iter().map(|e| evidence_view(e, l)).collect(),
            key_id: declaration.signature.as_ref().map(|s| s.key_id.as_str()),
        }
    }
}

/// Who evaluated and co-signs (★2-★4); empty for a self-declaration without an evaluator.
fn evaluator_facts(declaration: &Declaration, l: &Labels) -> Vec<Fact> {
    let Some(evaluator) = &declaration.evaluator else { return Vec::new() };
    let mut facts = vec![
        Fact::new(l.evaluator_name, &evaluator.name, l),
        Fact::new(l.evaluator_organisation, &evaluator.organisation, l),
    ];
    if let Some(accreditation) = &evaluator.accreditation {
        facts.push(Fact::new(
            l.evaluator_accreditation,
            &format!("{} {}", accreditation.body, accreditation.number),
            l,
        ));
    }
    facts.push(Fact::new(l.evaluator_key, &evaluator.key_id, l));
    facts
}

fn declarant_facts(declaration: &Declaration, l: &Labels) -> Vec<Fact> {
    let declarant = &declaration.declarant;
    vec![
        Fact::new(l.declarant_name, &declarant.name, l),
        Fact::new(l.declarant_role, &declarant.role, l),
        Fact::new(l.declarant_organisation, &declarant.organisation, l),
    ]
}

fn outcome_view(declaration: &Declaration, lang: Lang) -> OutcomeView {
    let counts = declaration.outcome.counts;
    OutcomeView {
        overall: VerdictView::new(super::overall_verdict(declaration), lang),
        counts: [
            (Verdict::Conformant, counts.conformant),
            (Verdict::NotConformant, counts.not_conformant),
            (Verdict::NotApplicable, counts.not_applicable),
            (Verdict::Pending, counts.pending),
        ]
        .into_iter()
        .map(|(verdict, count)| (verdict.label().get(lang).to_owned(), count))
        .collect(),
    }
}

fn requirement_view(requirement: &RequirementResult, lang: Lang) -> RequirementView<'_> {
    RequirementView {
        id: &requirement.id,
        title: requirement.title.get(lang),
        verdict: VerdictView::new(requirement.verdict, lang),
        reason: requirement.reason.as_ref().map(|reason| reason.get(lang)),
        // With one item "one of them is enough" says nothing.
        any_item_suffices: requirement.items_rule == ItemsRule::Any && requirement.items.len() > 1,
        items: requirement.items.iter().map(|item| item_view(item, lang)).collect(),
        covered_by: &requirement.covered_by,
    }
}

fn item_view(item: &ItemResult, lang: Lang) -> ItemView<'_> {
    let l = labels(lang);
    ItemView {
        id: &item.id,
        text: item.text.get(lang),
        method: l.method(item.method),
        answer: item.answer.label().get(lang).to_owned(),
        decided_by: l.decided_by(item.decided_by),
        evidence: &item.evidence,
        note: item.note.as_deref(),
        detail: item.detail.as_ref().map(|detail| detail.get(lang)),
    }
}

fn vulnerabilities_view(result: &VulnerabilityResult, lang: Lang) -> VulnerabilitiesView<'_> {
    let l = labels(lang);
    let mut facts = vec![
        Fact { label: l.cvss_threshold, value: super::cvss_threshold(result.cvss_min) },
        Fact { label: l.decided_by, value: l.decided_by(result.decided_by).to_owned() },
    ];
    if let Some(components) = result.components {
        facts.push(Fact { label: l.components_checked, value: components.to_string() });
    }
    facts.push(Fact { label: l.failing_vulnerabilities, value: joined_or_none(&result.failing, l) });
    facts.push(Fact { label: l.evidence, value: joined_or_none(&result.evidence, l) });
    VulnerabilitiesView {
        facts,
        verdict: VerdictView::new(result.verdict, lang),
        reason: result.reason.as_ref().map(|reason| reason.get(lang)),
    }
}

fn evidence_view<'a>(record: &'a EvidenceRecord, l: &Labels) -> EvidenceView<'a> {
    EvidenceView {
        id: &record.id,
        kind: l.evidence_kind(record.kind),
        location: &record.location,
        sha256: record.sha256.as_deref(),
        size: record.size.map(|size| format!("{} {}", super::grouped(size), l.bytes)),
        description: record.description.as_deref(),
    }
}

fn joined_or_none(values: &[String], l: &Labels) -> String {
    if values.is_empty() { l.none.to_owned() } else { values.join(", ") }
}

impl VerdictView {
    fn new(verdict: Verdict, lang: Lang) -> Self {
        let class = match verdict {
            Verdict::Conformant => "conformant",
            Verdict::NotConformant => "not-conformant",
            Verdict::NotApplicable => "not-applicable",
            Verdict::Pending => "pending",
        };
        VerdictView { label: verdict.label().get(lang).to_owned(), class }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_support::sample;

    #[test]
    fn the_sample_in_japanese() {
        insta::assert_snapshot!(html(&sample(), Lang::Ja));
    }

    #[test]
    fn the_sample_in_english() {
        insta::assert_snapshot!(html(&sample(), Lang::En));
    }

    #[test]
    fn vendor_strings_are_escaped() {
        let mut declaration = sample();
        declaration.product.name = "<script>alert('x')</script>".into();
        declaration.requirements[0].items[0].note = Some("\"><img src=x onerror=alert(1)>".into());
        for lang in Lang::ALL {
            let page = html(&declaration, lang);
            assert!(!page.contains("<script"), "{page}");
            assert!(!page.contains("<img"), "{page}");
            assert!(page.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"), "{page}");
        }
    }

    #[test]
    fn the_page_loads_nothing_from_outside() {
        for lang in Lang::ALL {
            let page = html(&sample(), lang);
            for needle in ["<script", "<link", "src=", "@import", "url("] {
                assert!(!page.contains(needle), "{needle} in the page");
            }
        }
    }

    #[test]
    fn the_page_is_in_one_language() {
        let japanese = html(&sample(), Lang::Ja);
        assert!(japanese.contains(r#"<html lang="ja">"#));
        assert!(japanese.contains("適合自己宣言書"));
        assert!(!japanese.contains("Self-declaration of conformity"));
        let english = html(&sample(), Lang::En);
        assert!(english.contains(r#"<html lang="en">"#));
        assert!(!english.contains("適合自己宣言書"));
    }

    #[test]
    fn a_derived_statement_names_the_scheme_that_was_assessed() {
        let mut declaration = sample();
        declaration.kind = DeclarationKind::DerivedStatement;
        let mut against = declaration.scheme.clone();
        against.id = "etsi-en-303-645".into();
        against.title = tekigo_base::Text::new("ETSI EN 303 645", "ETSI EN 303 645");
        against.level_name = tekigo_base::Text::new("mandatory", "必須");
        against.version = "3.1.3".into();
        declaration.assessed_against = Some(against);
        declaration.requirements[0].covered_by = vec!["etsi-en-303-645/5.1-1".into()];

        let page = html(&declaration, Lang::Ja);
        assert!(page.contains("他制度の評価から導いた適合状況の表明"));
        assert!(page.contains("ETSI EN 303 645 必須 (3.1.3)"));
        assert!(page.contains("etsi-en-303-645/5.1-1"));
    }

    #[test]
    fn a_signed_declaration_shows_its_key_id() {
        let mut declaration = sample();
        declaration.signature = Some(crate::declaration::Signature {
            algorithm: "Ed25519".into(),
            canonicalization: "RFC8785".into(),
            key_id: "sha256:abc123".into(),
            public_key: String::new(),
            value: String::new(),
        });
        let page = html(&declaration, Lang::En);
        assert!(page.contains("sha256:abc123"));
        assert!(!page.contains(labels(Lang::En).unsigned));
    }
}
