//! The texts an assessment folder starts with: `answers.toml` with every item to answer, and the
//! readable checklist (`checklist.en.md`, `checklist.ja.md`) with the guidance for each
//! requirement. Pure: the folder writes what these return.

use std::fmt::Write as _;

use tekigo_base::Lang;
use tekigo_criteria::{ItemsRule, Method};

use crate::evaluate::items_of;
use crate::scope::Scope;

fn method_label(method: Method, lang: Lang) -> &'static str {
    method.label_in(lang)
}

/// Quotes a string as a TOML basic string.
fn quoted(text: &str) -> String {
    toml_edit::Value::from(text).to_string().trim().to_owned()
}

/// `answers.toml` as `assess init` writes it: one table per evaluation item, answer pending, with
/// the item's text in both languages as comments so the file can be answered in an editor.
pub fn answers_template(scope: &Scope<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Answers for {} ({} {}): fill in each item, or run `tekigo assess answer DIR`.\n\
         # 回答ファイル: 各評価項目に回答してください（対話形式は `tekigo assess answer DIR`）。\n\
         #\n\
         # answer   = \"yes\" | \"no\" | \"not-applicable\" | \"pending\"\n\
         # evidence = [\"E1\", \"https://example.com/manual\", \"docs/manual.pdf\"]  evidence IDs, URLs or files\n\
         #            (URLs and files are registered when you run `tekigo assess answer DIR --answers FILE`)\n\
         # note     = where the answer is shown (document, page), or why the item does not apply\n\
         # A whole requirement that does not apply: not_applicable = \"reason\" in its table.\n\
         # Guidance for every requirement: checklist.en.md / checklist.ja.md.",
        scope.selector(),
        scope.scheme.id,
        scope.scheme.version,
    );
    for (id, requirement) in &scope.requirements {
        let _ = writeln!(out, "\n# {id}  {} / {}", requirement.title.en, requirement.title.ja);
        if requirement.items_rule == ItemsRule::Any {
            let _ = writeln!(out, "# One of these items is enough. / いずれか一つの評価項目を満たせば適合です。");
        }
        let _ = writeln!(out, "[requirements.{}]", quoted(id));
        for item in items_of(requirement) {
            let _ = writeln!(out, "\n[requirements.{}.items.{}]", quoted(id), quoted(&item.id));
            let _ = writeln!(out, "# [{}] {}", method_label(item.method, Lang::En), item.text.en);
            let _ = writeln!(out, "# [{}] {}", method_label(item.method, Lang::Ja), item.text.ja);
            let _ = writeln!(out, "answer = \"pending\"");
        }
    }
    if let Some(min) = scope.level.vulnerability_cvss_min {
        let _ = writeln!(
            out,
            "\n# The level's known-vulnerability rule (SCHEME §2): no known exploitable vulnerability with CVSS >= {min:.1}.\n\
             # Decided by importing `tekigo sbom check` (tekigo assess import DIR --sbom-check REPORT --sbom SBOM).\n\
             # レベルの既知脆弱性の基準: CVSS {min:.1} 以上の悪用可能な既知の脆弱性がないこと。SBOM 検査結果の取り込みで判定します。\n\
             [vulnerabilities]\nanswer = \"pending\""
        );
    }
    out
}

/// The readable checklist in one language: every requirement with its summary, guidance and items.
pub fn checklist_markdown(scope: &Scope<'_>, lang: Lang) -> String {
    let ja = lang == Lang::Ja;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {} {}\n",
        if ja { "自己評価チェックリスト" } else { "Self-assessment checklist" },
        scope.scheme.title.get(lang),
        scope.level.name.get(lang),
    );
    let _ = writeln!(
        out,
        "{} {} ({}), {} `{}`.\n",
        if ja { "適合基準:" } else { "Criteria:" },
        scope.scheme.id,
        scope.scheme.version,
        if ja { "レベル" } else { "level" },
        scope.selector(),
    );
    if scope.is_provisional() {
        let _ = writeln!(
            out,
            "**{}: {}.**\n",
            if ja { "注意" } else { "Note" },
            tekigo_criteria::provisional_notice().get(lang)
        );
    }
    let _ = writeln!(
        out,
        "{}\n",
        if ja {
            "各評価項目に「はい」「いいえ」「該当なし」で答え、「はい」には根拠となる証跡（文書、URL、プローブや SBOM 検査の結果）を、「該当なし」には理由を付けてください。`tekigo assess status DIR` で残りを確認できます。"
        } else {
            "Answer each evaluation item yes, no or not applicable. A yes needs evidence (a document, a URL, a probe or SBOM-check result); a not applicable needs a reason. `tekigo assess status DIR` shows what is left."
        }
    );
    for (id, requirement) in &scope.requirements {
        let _ = writeln!(out, "## {id} {}\n", requirement.title.get(lang));
        let _ = writeln!(out, "{}\n", requirement.summary.get(lang));
        if let Some(guidance) = &requirement.guidance {
            let _ = writeln!(out, "**{}** {}\n", if ja { "評価の手引き:" } else { "Guidance:" }, guidance.get(lang));
        }
        if !requirement.provenance.is_confirmed() {
            let _ = writeln!(
                out,
                "_{}_\n",
                if ja {
                    "注: この要件の内容は公開資料で確認しきれていない部分があります（カタログの provenance を参照）。"
                } else {
                    "Note: part of this requirement could not be confirmed in published sources (see its provenance in the catalog)."
                }
            );
        }
        if requirement.items_rule == ItemsRule::Any {
            let _ = writeln!(
                out,
                "{}\n",
                if ja {
                    "いずれか一つの評価項目を満たせば適合です。"
                } else {
                    "One of the items below is enough."
                }
            );
        }
        for item in items_of(requirement) {
            let _ =
                writeln!(out, "- [ ] **{}** ({}) {}", item.id, method_label(item.method, lang), item.text.get(lang));
        }
        let _ = writeln!(out);
    }
    if let Some(min) = scope.level.vulnerability_cvss_min {
        let _ = writeln!(
            out,
            "## {}\n\n{}\n",
            if ja { "既知の脆弱性（SCHEME §2）" } else { "Known vulnerabilities (SCHEME §2)" },
            if ja {
                format!(
                    "CVSS v3 基本値 {min:.1} 以上の、悪用可能な既知の脆弱性が製品に残っていないこと。製品の SBOM を `tekigo sbom check` で検査し、結果を `tekigo assess import DIR --sbom-check REPORT --sbom SBOM` で取り込むと判定されます。"
                )
            } else {
                format!(
                    "No known exploitable vulnerability with a CVSS v3 base score of {min:.1} or more remains in the product. Check the product's SBOM with `tekigo sbom check` and import the result with `tekigo assess import DIR --sbom-check REPORT --sbom SBOM`; that decides it."
                )
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_star_one_checklist_reads_the_same_in_both_languages() {
        let catalog = tekigo_criteria::builtin().unwrap();
        let scope = crate::scope::scope(&catalog, "jc-star", "1", None).unwrap();
        insta::assert_snapshot!("checklist_jc_star_1_en", checklist_markdown(&scope, Lang::En));
        insta::assert_snapshot!("checklist_jc_star_1_ja", checklist_markdown(&scope, Lang::Ja));
    }

    #[test]
    fn the_answers_template_parses_and_leaves_everything_pending() {
        let catalog = tekigo_criteria::builtin().unwrap();
        for (scheme, level) in [("jc-star", "1"), ("uk-psti", "all"), ("sg-cls", "1"), ("etsi-en-303-645", "mandatory")]
        {
            let scope = crate::scope::scope(&catalog, scheme, level, None).unwrap();
            let text = answers_template(&scope);
            let answers: crate::evaluate::Answers = toml::from_str(&text).unwrap_or_else(|e| panic!("{scheme}: {e}"));
            assert_eq!(answers.requirements.len(), scope.requirements.len(), "{scheme}");
            assert!(
                answers
                    .requirements
                    .values()
                    .flat_map(|r| r.items.values())
                    .all(|i| i.answer == crate::declaration::Answer::Pending)
            );
        }
    }
}
