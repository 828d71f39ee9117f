//! How the reviewer reads an application's declaration: each requirement's answer and evidence
//! (with links to the files the registry stores), and the vendor's vulnerability answers next to
//! the registry's own check.

use tekigo_assess::Declaration;
use tekigo_assess::declaration::{Answer, DecidedBy, EvidenceKind, Verdict};
use tekigo_base::{Lang, Text};
use tekigo_criteria::ItemsRule;
use tekigo_registry::applications::vulnerability_check::{FindingSummary, Outcome, RegistryCheck};

pub(super) struct RequirementRow {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) verdict: String,
    pub(super) class: &'static str,
    pub(super) reason: Option<String>,
    /// "all items" or "any one item".
    pub(super) items_rule: String,
    pub(super) items: Vec<ItemRow>,
}

/// One evaluation item: the answer, who gave it, the answerer's rationale and the evidence.
pub(super) struct ItemRow {
    pub(super) id: String,
    pub(super) text: String,
    pub(super) answer: String,
    pub(super) class: &'static str,
    pub(super) decided_by: String,
    pub(super) note: Option<String>,
    pub(super) detail: Option<String>,
    /// Evidence IDs, each an anchor into the evidence table.
    pub(super) evidence: Vec<String>,
}

/// One piece of evidence the declaration names.
pub(super) struct EvidenceRow {
    pub(super) id: String,
    pub(super) kind: String,
    pub(super) location: String,
    /// Only for `http://` and `https://` addresses: anything else stays text.
    pub(super) href: Option<String>,
    pub(super) sha256: Option<String>,
    pub(super) size: Option<u64>,
    pub(super) description: Option<String>,
    /// Where the reviewer downloads the file, when the registry holds it.
    pub(super) download: Option<String>,
}

/// The SCHEME §2 rule, as the vendor declared it and as the registry checked it.
pub(super) struct VulnerabilityComparison {
    pub(super) declared: Option<String>,
    pub(super) declared_class: &'static str,
    pub(super) declared_failing: Vec<String>,
    pub(super) registry: String,
    pub(super) registry_class: &'static str,
    pub(super) registry_reason: String,
    pub(super) registry_failing: Vec<String>,
    pub(super) registry_review: Vec<String>,
    pub(super) registry_counts: Option<String>,
    pub(super) checked_on: Option<String>,
    /// The database the registry used: one row per source.
    pub(super) sources: Vec<(String, String, String)>,
    pub(super) age: Option<String>,
    /// Older than [`STALE_DAYS`]: the reviewer is told so.
    pub(super) stale: bool,
    pub(super) agree: Option<bool>,
}

pub(super) struct DeclarationSummary {
    pub(super) scheme: String,
    pub(super) scheme_title: String,
    pub(super) level_name: String,
    pub(super) criteria_version: String,
    pub(super) kind: String,
    pub(super) issued: String,
    pub(super) declarant: String,
    pub(super) product: String,
    pub(super) conformant: bool,
    pub(super) counts: Vec<(String, usize)>,
    pub(super) requirements: Vec<RequirementRow>,
    pub(super) vulnerabilities: Option<String>,
    pub(super) vulnerability_evidence: Vec<String>,
    pub(super) key_id: Option<String>,
    pub(super) evidence: Vec<EvidenceRow>,
    pub(super) attachments: Vec<EvidenceRow>,
}

/// A database older than this many days is flagged to the reviewer (the vulnerability
/// policy's default `max_age_days`).
const STALE_DAYS: i64 = 7;

pub(super) fn answer_class(answer: Answer) -> &'static str {
    match answer {
        Answer::Yes => "ok",
        Answer::No => "error",
        Answer::NotApplicable | Answer::Pending => "muted",
    }
}

pub(super) fn decided_by(by: DecidedBy) -> Text {
    match by {
        DecidedBy::Person => Text::new("a person", "担当者"),
        DecidedBy::Probe => Text::new("tekigo probe", "tekigo probe"),
        DecidedBy::SbomCheck => Text::new("tekigo sbom check", "tekigo sbom check"),
        DecidedBy::Mapping => Text::new("another scheme's answer, through a mapping", "他制度の回答（対応関係による）"),
        DecidedBy::Recognition => Text::new(
            "deemed met: the product's compliance statement under a recognised scheme",
            "みなし適合: 相互承認された制度での適合宣言",
        ),
    }
}

pub(super) fn evidence_kind(kind: EvidenceKind) -> Text {
    match kind {
        EvidenceKind::File => Text::new("file", "ファイル"),
        EvidenceKind::Url => Text::new("web page", "ウェブページ"),
        EvidenceKind::Reference => Text::new("reference", "参照"),
        EvidenceKind::Probe => Text::new("probe report", "probe の報告"),
        EvidenceKind::SbomCheck => Text::new("SBOM check report", "SBOM チェックの報告"),
        EvidenceKind::Sbom => Text::new("SBOM", "SBOM"),
        EvidenceKind::BinaryAnalysis => Text::new("binary-analysis report", "バイナリ解析の報告書"),
        EvidenceKind::PenetrationTest => Text::new("penetration-test report", "ペネトレーションテストの報告書"),
    }
}

/// A link only for web addresses: a `javascript:` or `data:` location is shown as text.
pub(super) fn web_link(location: &str) -> Option<String> {
    let lower = location.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| location.trim().to_owned())
}

/// Where a file with this SHA-256 is downloaded, if the registry holds it: the application's
/// SBOM, or a file the vendor uploaded with it.
pub(super) fn download_href(id: i64, sha256: &str, sbom_sha256: &str, stored: &[String]) -> Option<String> {
    if sha256 == sbom_sha256 {
        Some(format!("/review/applications/{id}/sbom"))
    } else if stored.iter().any(|s| s == sha256) {
        Some(format!("/review/applications/{id}/files/{sha256}"))
    } else {
        None
    }
}

pub(super) fn evidence_rows(
    declaration: &Declaration,
    id: i64,
    sbom_sha256: &str,
    stored: &[String],
    lang: Lang,
) -> Vec<EvidenceRow> {
    declaration
        .evidence
        .iter()
        .map(|e| EvidenceRow {
            id: e.id.clone(),
            kind: evidence_kind(e.kind).get(lang).to_owned(),
            location: e.location.clone(),
            href: (e.kind == EvidenceKind::Url).then(|| web_link(&e.location)).flatten(),
            sha256: e.sha256.clone(),
            size: e.size,
            description: e.description.clone(),
            download: e.sha256.as_deref().and_then(|sha| download_href(id, sha, sbom_sha256, stored)),
        })
        .collect()
}

pub(super) fn attachment_rows(
    declaration: &Declaration,
    id: i64,
    sbom_sha256: &str,
    stored: &[String],
) -> Vec<EvidenceRow> {
    declaration
        .attachments
        .iter()
        .map(|a| EvidenceRow {
            id: a.name.clone(),
            kind: a.media_type.clone(),
            location: a.name.clone(),
            href: None,
            sha256: Some(a.sha256.clone()),
            size: Some(a.size),
            description: None,
            download: download_href(id, &a.sha256, sbom_sha256, stored),
        })
        .collect()
}

pub(super) fn finding_line(finding: &FindingSummary, lang: Lang) -> String {
    let score = finding
        .cvss
        .map_or_else(|| Text::new("no score", "スコアなし").get(lang).to_owned(), |s| format!("CVSS {s:.1}"));
    let exploitable = if finding.exploitable {
        Text::new(", exploitable", "、悪用可能").get(lang).to_owned()
    } else {
        String::new()
    };
    format!("{} — {} ({score}{exploitable}): {}", finding.id, finding.component, finding.reason.get(lang))
}

pub(super) fn comparison(
    declaration: Option<&Declaration>,
    check: Option<&RegistryCheck>,
    today: jiff::civil::Date,
    lang: Lang,
) -> VulnerabilityComparison {
    let t = |en: &str, ja: &str| Text::new(en, ja).get(lang).to_owned();
    let declared = declaration.and_then(|d| d.vulnerabilities.as_ref());
    let (registry, registry_class, registry_reason) = match check {
        Some(check) => (
            check.outcome.label().get(lang).to_owned(),
            match check.outcome {
                Outcome::Passed => "ok",
                Outcome::Failed => "error",
                Outcome::NeedsReview | Outcome::NotChecked => "warning",
            },
            check.reason.get(lang).to_owned(),
        ),
        None => (
            Outcome::NotChecked.label().get(lang).to_owned(),
            "warning",
            t(
                "submitted before the registry checked applications itself",
                "登録簿が自ら確認するようになる前に提出された申請です",
            ),
        ),
    };
    let database = check.and_then(|c| c.database.as_ref());
    let age_days = database.and_then(|d| d.age_days(today));
    let agree = match (declared, check.map(|c| c.outcome)) {
        (Some(d), Some(Outcome::Passed)) => Some(d.verdict == Verdict::Conformant),
        (Some(d), Some(Outcome::Failed)) => Some(d.verdict != Verdict::Conformant),
        _ => None,
    };
    VulnerabilityComparison {
        declared: declared.map(|v| v.verdict.label().get(lang).to_owned()),
        declared_class: declared.map_or("muted", |v| verdict_class(v.verdict)),
        declared_failing: declared.map(|v| v.failing.clone()).unwrap_or_default(),
        registry,
        registry_class,
        registry_reason,
        registry_failing: check.map(|c| c.failing.iter().map(|f| finding_line(f, lang)).collect()).unwrap_or_default(),
        registry_review: check
            .map(|c| c.needs_review.iter().map(|f| finding_line(f, lang)).collect())
            .unwrap_or_default(),
        registry_counts: check.filter(|c| c.outcome != Outcome::NotChecked).map(|c| match lang {
            Lang::En => format!(
                "{} components; findings: {} fail, {} need review, {} pass, {} not affected (VEX, {} statements), {} excepted",
                c.components, c.counts.fail, c.counts.needs_review, c.counts.pass, c.counts.not_affected, c.vex_statements, c.counts.excepted
            ),
            Lang::Ja => format!(
                "コンポーネント {} 個。検出: 不合格 {}、要確認 {}、合格 {}、影響なし {}（VEX の記述 {} 件）、例外 {}",
                c.components, c.counts.fail, c.counts.needs_review, c.counts.pass, c.counts.not_affected, c.vex_statements, c.counts.excepted
            ),
        }),
        checked_on: check.map(|c| c.checked_on.clone()),
        sources: database
            .map(|d| {
                d.sources
                    .iter()
                    .map(|s| {
                        let age = s.day().map_or_else(
                            || "?".to_owned(),
                            |day| match lang {
                                Lang::En => format!("{} days", (today - day).get_days()),
                                Lang::Ja => format!("{} 日", (today - day).get_days()),
                            },
                        );
                        (s.name.clone(), s.data_date.clone().unwrap_or_else(|| s.last_import.clone()), age)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        age: age_days.map(|days| match lang {
            Lang::En => format!("{days} days old (its oldest source)"),
            Lang::Ja => format!("{days} 日前のデータ（最も古い情報源）"),
        }),
        stale: age_days.is_some_and(|days| days > STALE_DAYS),
        agree,
    }
}

pub(super) fn verdict_class(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Conformant => "ok",
        Verdict::NotConformant => "error",
        Verdict::NotApplicable | Verdict::Pending => "muted",
    }
}

pub(super) fn summary(declaration: &Declaration, files: &StoredFiles<'_>, lang: Lang) -> DeclarationSummary {
    let counts = &declaration.outcome.counts;
    let product = &declaration.product;
    let declarant = &declaration.declarant;
    let t = |en: &str, ja: &str| Text::new(en, ja).get(lang).to_owned();
    DeclarationSummary {
        scheme: declaration.scheme.id.clone(),
        scheme_title: declaration.scheme.title.get(lang).to_owned(),
        level_name: declaration.scheme.level_name.get(lang).to_owned(),
        criteria_version: declaration.scheme.version.clone(),
        kind: declaration.kind.label().get(lang).to_owned(),
        issued: declaration.issued.clone(),
        declarant: [declarant.name.as_str(), declarant.role.as_str(), declarant.organisation.as_str()]
            .iter()
            .filter(|s| !s.trim().is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
        product: format!(
            "{} {} ({}, firmware {})",
            product.vendor, product.name, product.model, product.firmware_version
        ),
        conformant: declaration.outcome.conformant,
        counts: vec![
            (Verdict::Conformant.label().get(lang).to_owned(), counts.conformant),
            (Verdict::NotConformant.label().get(lang).to_owned(), counts.not_conformant),
            (Verdict::NotApplicable.label().get(lang).to_owned(), counts.not_applicable),
            (Verdict::Pending.label().get(lang).to_owned(), counts.pending),
        ],
        requirements: declaration
            .requirements
            .iter()
            .map(|r| RequirementRow {
                id: r.id.clone(),
                title: r.title.get(lang).to_owned(),
                verdict: r.verdict.label().get(lang).to_owned(),
                class: verdict_class(r.verdict),
                reason: r.reason.as_ref().map(|reason| reason.get(lang).to_owned()),
                items_rule: match r.items_rule {
                    ItemsRule::All => t("every item must hold", "すべての項目を満たす"),
                    ItemsRule::Any => t("any one item is enough", "いずれか一つの項目を満たせばよい"),
                },
                items: r
                    .items
                    .iter()
                    .map(|item| ItemRow {
                        id: item.id.clone(),
                        text: item.text.get(lang).to_owned(),
                        answer: item.answer.label().get(lang).to_owned(),
                        class: answer_class(item.answer),
                        decided_by: decided_by(item.decided_by).get(lang).to_owned(),
                        note: item.note.clone().filter(|n| !n.trim().is_empty()),
                        detail: item.detail.as_ref().map(|d| d.get(lang).to_owned()),
                        evidence: item.evidence.clone(),
                    })
                    .collect(),
            })
            .collect(),
        vulnerabilities: declaration.vulnerabilities.as_ref().map(|v| {
            let components = v.components.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
            let failing = if v.failing.is_empty() { String::new() } else { format!(" — {}", v.failing.join(", ")) };
            match lang {
                Lang::En => format!(
                    "{} (known exploitable vulnerabilities from CVSS {:.1}; {components} components checked){failing}",
                    v.verdict.label().en,
                    v.cvss_min
                ),
                Lang::Ja => format!(
                    "{}（CVSS {:.1} 以上の既知の悪用可能な脆弱性。確認したコンポーネント {components} 個）{failing}",
                    v.verdict.label().ja,
                    v.cvss_min
                ),
            }
        }),
        vulnerability_evidence: declaration.vulnerabilities.as_ref().map(|v| v.evidence.clone()).unwrap_or_default(),
        key_id: declaration.signature.as_ref().map(|s| s.key_id.clone()),
        evidence: evidence_rows(declaration, files.application, files.sbom_sha256, files.stored, lang),
        attachments: attachment_rows(declaration, files.application, files.sbom_sha256, files.stored),
    }
}

/// What the registry holds of an application's files, for download links.
pub(super) struct StoredFiles<'a> {
    pub(super) application: i64,
    pub(super) sbom_sha256: &'a str,
    /// SHA-256 of every file the vendor uploaded with the application.
    pub(super) stored: &'a [String],
}
