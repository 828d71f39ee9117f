//! Checking a declaration that arrives from elsewhere: its signature, and that its content holds
//! together against the criteria catalog (the right requirements for the level, verdicts that
//! follow from their items, counts that add up). The registry runs the same checks on submission.

use std::collections::{BTreeSet, HashSet};

use ed25519_dalek::VerifyingKey;
use serde_json::Value;
use tekigo_base::Text;
use tekigo_criteria::{ALL_LEVEL, Catalog, LevelStatus, LookupError};

use crate::declaration::{DecidedBy, Declaration, DeclarationKind, FORMAT, Verdict};
use crate::evaluate::{combine, count, items_of, overall};
use crate::scope::{implicit_level, result_id};
use crate::sign::{self, SignatureError};

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{source_name}: not JSON: {error}")]
    NotJson { source_name: String, error: serde_json::Error },
    #[error("{source_name}: signature: {error}")]
    Signature { source_name: String, error: SignatureError },
    #[error("{source_name}: not a {FORMAT} document: {error}")]
    Shape { source_name: String, error: serde_json::Error },
}

/// Parses and checks the signature, then the content. `Ok` carries the declaration and any
/// content problems (an empty list means it holds together). `key` checks the vendor's
/// signature; a lab's report the vendor has not countersigned yet is checked against the lab's.
pub fn verify_bytes(
    source_name: &str,
    bytes: &[u8],
    key: &VerifyingKey,
    catalog: &Catalog,
) -> Result<(Declaration, Vec<Text>), VerifyError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|error| VerifyError::NotJson { source_name: source_name.to_owned(), error })?;
    let signer = if value.get("signature").is_none() && value.get("evaluator_signature").is_some() {
        sign::Signer::Evaluator
    } else {
        sign::Signer::Vendor
    };
    sign::verify_signer(&value, signer, key)
        .map_err(|error| VerifyError::Signature { source_name: source_name.to_owned(), error })?;
    let declaration: Declaration = serde_json::from_value(value.clone())
        .map_err(|error| VerifyError::Shape { source_name: source_name.to_owned(), error })?;
    let mut problems = content_problems(&declaration, catalog);
    problems.extend(evaluator_signature_problems(&declaration, &value));
    Ok((declaration, problems))
}

/// A declaration that names an evaluator carries their signature, by the key it names, over the
/// same content as the vendor's. Offline this is checked against the key the document names; the
/// registry checks that key against its register of evaluators.
pub fn evaluator_signature_problems(declaration: &Declaration, document: &Value) -> Vec<Text> {
    let mut problems = Vec::new();
    match (&declaration.evaluator, &declaration.evaluator_signature) {
        (None, None) => {}
        (None, Some(_)) => problems.push(Text::new(
            "an evaluator signature without the evaluator it belongs to (`evaluator`)",
            "評価者（`evaluator`）の記載がない評価者署名があります",
        )),
        (Some(evaluator), None) => problems.push(Text::new(
            format!("the evaluator {} has not signed (no `evaluator_signature`)", evaluator.name),
            format!("評価者 {} の署名（`evaluator_signature`）がありません", evaluator.name),
        )),
        (Some(evaluator), Some(signature)) => {
            if signature.key_id != evaluator.key_id {
                problems.push(Text::new(
                    format!(
                        "the evaluator signature is by key {}, not the evaluator's {}",
                        signature.key_id, evaluator.key_id
                    ),
                    format!("評価者署名の鍵 {} が評価者の鍵 {} と一致しません", signature.key_id, evaluator.key_id),
                ));
            } else if let Some(key) = sign::embedded_key(document, sign::Signer::Evaluator) {
                if let Err(error) = sign::verify_signer(document, sign::Signer::Evaluator, &key) {
                    problems.push(Text::new(
                        format!("evaluator signature: {error}"),
                        format!("評価者署名が検証できません: {error}"),
                    ));
                }
            } else {
                problems
                    .push(Text::new("the evaluator signature names no readable key", "評価者署名の公開鍵が読めません"));
            }
        }
    }
    problems
}

/// Everything that does not hold together, in both languages.
pub fn content_problems(declaration: &Declaration, catalog: &Catalog) -> Vec<Text> {
    let mut problems = Vec::new();
    let mut problem = |en: String, ja: String| problems.push(Text::new(en, ja));
    if declaration.format != FORMAT {
        problem(
            format!("format is `{}`, expected `{FORMAT}`", declaration.format),
            format!("format が `{}` です（`{FORMAT}` であるべきです）", declaration.format),
        );
    }
    let selector = declaration.scheme.selector();
    let Ok(scheme) = catalog.scheme(&declaration.scheme.id) else {
        problem(
            format!("scheme `{}` is not in this catalog", declaration.scheme.id),
            format!("制度 `{}` はこのカタログにありません", declaration.scheme.id),
        );
        return problems;
    };
    if scheme.version != declaration.scheme.version {
        problem(
            format!(
                "declared against {} version {}, this catalog has version {}",
                scheme.id, declaration.scheme.version, scheme.version
            ),
            format!(
                "{} の {} 版に対する宣言ですが、このカタログは {} 版です",
                scheme.id, declaration.scheme.version, scheme.version
            ),
        );
    }
    let implicit;
    let resolved;
    let level = match scheme.level_for(&declaration.scheme.level, declaration.product.product_type.as_deref()) {
        Ok(level) => {
            resolved = level;
            &*resolved
        }
        Err(_) if scheme.levels.is_empty() && declaration.scheme.level == ALL_LEVEL => {
            implicit = implicit_level(scheme);
            &implicit
        }
        Err(
            error @ (LookupError::ProductTypeNeeded { .. }
            | LookupError::NoProductTypeCriteria { .. }
            | LookupError::UnknownProductType { .. }),
        ) => {
            problem(error.to_string(), format!("`{selector}`: 製品類型の基準を特定できません（{error}）"));
            return problems;
        }
        Err(_) => {
            problem(format!("`{selector}`: no such level"), format!("`{selector}`: そのレベルはありません"));
            return problems;
        }
    };
    if level.status == LevelStatus::Draft && declaration.kind == DeclarationKind::SelfDeclaration {
        problem(
            format!("`{selector}` is a draft level: nobody can declare conformity to it yet"),
            format!("`{selector}` は草案のレベルで、まだ適合を宣言できません"),
        );
    }

    for found in crate::declare::assurance_problems(
        level.assurance,
        declaration.kind,
        &selector,
        declaration.evaluator.as_ref(),
        &declaration.requirements,
        &declaration.evidence,
    ) {
        problem(found.en, found.ja);
    }
    // Provisional criteria are said to be so on every output: a declaration that hides it does not verify.
    if level.status == LevelStatus::Provisional && !declaration.scheme.is_provisional() {
        problem(
            format!("`{selector}` has provisional criteria, but the declaration does not say so"),
            format!("`{selector}` の基準は暫定ですが、宣言にその旨がありません"),
        );
    }

    let expected: BTreeSet<String> = level.requirements.iter().map(|r| result_id(&scheme.id, r)).collect();
    let declared: BTreeSet<String> = declaration.requirements.iter().map(|r| r.id.clone()).collect();
    let missing: Vec<&String> = expected.difference(&declared).collect();
    let extra: Vec<&String> = declared.difference(&expected).collect();
    if !missing.is_empty() {
        let list = missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        problem(
            format!("requirements of {selector} missing: {list}"),
            format!("{selector} の要件が欠けています: {list}"),
        );
    }
    if !extra.is_empty() {
        let list = extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        problem(format!("requirements not in {selector}: {list}"), format!("{selector} にない要件があります: {list}"));
    }
    if declared.len() != declaration.requirements.len() {
        problem("a requirement is listed twice".to_owned(), "同じ要件が二度記載されています".to_owned());
    }

    let evidence_ids: HashSet<&str> = declaration.evidence.iter().map(|e| e.id.as_str()).collect();
    for result in &declaration.requirements {
        let Some(reference) = level.requirements.iter().find(|r| result_id(&scheme.id, r) == result.id) else {
            continue;
        };
        let Some(requirement) = catalog.requirement(reference) else { continue };
        let id = &result.id;
        let catalog_items: Vec<(String, _)> = items_of(requirement).into_iter().map(|i| (i.id, i.method)).collect();
        let declared_items: Vec<(String, _)> = result.items.iter().map(|i| (i.id.clone(), i.method)).collect();
        if catalog_items != declared_items {
            problem(
                format!("{id}: the evaluation items differ from the criteria"),
                format!("{id}: 評価項目が適合基準と一致しません"),
            );
            continue;
        }
        if result.items_rule != requirement.items_rule {
            problem(
                format!("{id}: items_rule differs from the criteria"),
                format!("{id}: items_rule が適合基準と一致しません"),
            );
        }
        for item in &result.items {
            for evidence in &item.evidence {
                if !evidence_ids.contains(evidence.as_str()) {
                    problem(
                        format!("{id} item {}: evidence `{evidence}` is not listed", item.id),
                        format!("{id} 評価項目 {}: 証跡 `{evidence}` が一覧にありません", item.id),
                    );
                }
            }
        }
        let follows = match result.verdict {
            Verdict::NotApplicable if result.reason.as_ref().is_some_and(|r| !r.en.trim().is_empty()) => true,
            Verdict::Pending
                if declaration.kind == DeclarationKind::DerivedStatement && !result.covered_by.is_empty() =>
            {
                true
            }
            verdict => combine(result.items_rule, &result.items).0 == verdict,
        };
        if !follows {
            let computed = combine(result.items_rule, &result.items).0;
            problem(
                format!(
                    "{id}: verdict `{}` does not follow from its items (they give `{}`)",
                    result.verdict.label().en,
                    computed.label().en
                ),
                format!(
                    "{id}: 判定「{}」は評価項目から導かれません（評価項目からは「{}」）",
                    result.verdict.label().ja,
                    computed.label().ja
                ),
            );
        }
    }

    // Deemed conformity rests on the catalog's recognition, never on the declarant's say-so.
    for deemed in &declaration.deemed {
        let recognised = crate::folder::deemed_requirements(catalog, &deemed.scheme, &scheme.id);
        let beyond: Vec<&str> =
            deemed.requirements.iter().filter(|id| !recognised.contains(id)).map(String::as_str).collect();
        if !beyond.is_empty() {
            let list = beyond.join(", ");
            problem(
                format!("deemed met by {}: {list} (the catalog deems only: {})", deemed.scheme, recognised.join(", ")),
                format!(
                    "{} によるみなし適合: {list}（カタログがみなすのは {} のみ）",
                    deemed.scheme,
                    recognised.join("、")
                ),
            );
        }
        if !evidence_ids.contains(deemed.evidence.as_str()) {
            problem(
                format!("deemed met by {}: evidence `{}` is not listed", deemed.scheme, deemed.evidence),
                format!("{} によるみなし適合: 証跡 `{}` が一覧にありません", deemed.scheme, deemed.evidence),
            );
        }
    }
    for result in &declaration.requirements {
        for item in result.items.iter().filter(|item| item.decided_by == DecidedBy::Recognition) {
            let backed = declaration
                .deemed
                .iter()
                .any(|deemed| deemed.requirements.contains(&result.id) && item.evidence.contains(&deemed.evidence));
            if !backed {
                problem(
                    format!(
                        "{} item {}: deemed met, but no recognised statement in `deemed` covers it",
                        result.id, item.id
                    ),
                    format!(
                        "{} 評価項目 {}: みなし適合ですが、`deemed` の適合宣言が対象としていません",
                        result.id, item.id
                    ),
                );
            }
        }
    }

    match (level.vulnerability_cvss_min, &declaration.vulnerabilities) {
        (Some(min), None) if declaration.kind == DeclarationKind::SelfDeclaration => problem(
            format!("the known-vulnerability rule of {selector} (CVSS {min:.1}, SCHEME §2) is not answered"),
            format!("{selector} の既知脆弱性の基準（CVSS {min:.1}、SCHEME §2）が回答されていません"),
        ),
        (Some(min), Some(result)) if (result.cvss_min - min).abs() > f64::EPSILON => problem(
            format!("vulnerability rule: CVSS {:.1} declared, {selector} sets {min:.1}", result.cvss_min),
            format!("脆弱性の基準: CVSS {:.1} と記載されていますが、{selector} は {min:.1} です", result.cvss_min),
        ),
        (_, Some(result)) if !result.failing.is_empty() && result.verdict != Verdict::NotConformant => problem(
            "vulnerability rule: failing vulnerabilities are listed but the verdict is not `not-conformant`".to_owned(),
            "脆弱性の基準: 不適合の脆弱性があるのに判定が「不適合」ではありません".to_owned(),
        ),
        _ => {}
    }

    if count(&declaration.requirements) != declaration.outcome.counts {
        problem("the counts of verdicts do not add up".to_owned(), "判定の件数が合いません".to_owned());
    }
    let conformant = overall(&declaration.requirements, declaration.vulnerabilities.as_ref());
    if conformant != declaration.outcome.conformant {
        problem(
            format!("outcome says conformant = {}, the verdicts give {conformant}", declaration.outcome.conformant),
            format!("総合判定（{}）が個別の判定（{conformant}）と一致しません", declaration.outcome.conformant),
        );
    }
    if declaration.kind == DeclarationKind::SelfDeclaration && !declaration.outcome.conformant {
        problem(
            "a self-declaration of conformity whose outcome is not conformant".to_owned(),
            "総合判定が適合でない適合自己宣言です".to_owned(),
        );
    }
    problems
}
