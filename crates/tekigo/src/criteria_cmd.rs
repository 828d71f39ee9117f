//! `tekigo criteria ...`: read the catalog, compare schemes, export OSCAL.
//!
//! Why this file is long: one function per `criteria` subcommand (list, show, map, gap, recommend,
//! export, check), each printing a table and JSON in both languages.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use tekigo_base::Lang;
use tekigo_criteria::gap::{BasisKind, GapEntry};
use tekigo_criteria::oscal;
use tekigo_criteria::{
    Catalog, Evaluation, Extent, LevelSelector, LevelStatus, MappingProvenance, Method, Provenance, Relationship,
    Requirement, map::Link,
};

use crate::cli::{CriteriaCommand, Format};
use crate::exit::Answer;
use crate::output::{LocalizedContext, localized, table, table_or_json, tr, write_json};

pub(crate) fn load_catalog(dir: Option<&Path>) -> anyhow::Result<Catalog> {
    let catalog = match dir {
        Some(dir) => Catalog::load(&tekigo_criteria::source::read_dir(dir)?),
        None => tekigo_criteria::builtin(),
    };
    catalog.map_err(|errors| anyhow::anyhow!("{errors}"))
}

pub(crate) fn run(
    command: &CriteriaCommand,
    criteria_dir: Option<&Path>,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<Answer> {
    let catalog = load_catalog(criteria_dir)?;
    match command {
        CriteriaCommand::List { scheme, level, product_type, format } => list(
            &catalog,
            scheme.as_deref(),
            level.as_deref(),
            product_type.as_deref(),
            table_or_json(format.format)?,
            lang,
            out,
        )?,
        CriteriaCommand::Show { id, format } => show(&catalog, id, table_or_json(format.format)?, lang, out)?,
        CriteriaCommand::Map { from, to, format } => map(&catalog, from, to, table_or_json(format.format)?, lang, out)?,
        CriteriaCommand::Gap { have, want, format } => {
            gap(&catalog, have, want, table_or_json(format.format)?, lang, out)?
        }
        CriteriaCommand::Recommend { use_case, product_type, format } => {
            recommend(&catalog, use_case, product_type.as_deref(), table_or_json(format.format)?, lang, out)?;
        }
        CriteriaCommand::Export { format, out: dir } => {
            if *format != Format::Oscal {
                return Err(localized(
                    "`criteria export` writes OSCAL only: use --format oscal",
                    "`criteria export` は OSCAL だけを書き出します: --format oscal を指定してください",
                ));
            }
            export(&catalog, dir, lang, out)?;
        }
        CriteriaCommand::Check { format } => check(&catalog, table_or_json(format.format)?, lang, out)?,
    }
    Ok(Answer::Yes)
}

fn evaluation_name(evaluation: Evaluation, lang: Lang) -> &'static str {
    match evaluation {
        Evaluation::Document => tr(lang, "document", "文書"),
        Evaluation::Device => tr(lang, "device test", "実機"),
        Evaluation::Both => tr(lang, "document + device", "文書＋実機"),
        Evaluation::BinaryAnalysis => tr(lang, "binary analysis", "バイナリ解析"),
        Evaluation::PenetrationTest => tr(lang, "penetration test", "ペネトレーションテスト"),
    }
}

fn method_name(method: Method, lang: Lang) -> &'static str {
    method.label_in(lang)
}

fn status_name(status: LevelStatus, lang: Lang) -> &'static str {
    match status {
        LevelStatus::Draft => tr(lang, "draft", "案"),
        LevelStatus::Provisional => tr(lang, "provisional", "暫定"),
        LevelStatus::Published => tr(lang, "published", "公表済み"),
    }
}

/// The line every table made from provisional criteria ends with.
fn write_provisional_notice(out: &mut dyn Write, lang: Lang) -> std::io::Result<()> {
    writeln!(out, "{}: {}", tr(lang, "Note", "注意"), tekigo_criteria::provisional_notice().get(lang))
}

fn provenance_name(provenance: &Provenance, lang: Lang) -> &'static str {
    match provenance {
        Provenance::Confirmed { .. } => tr(lang, "confirmed", "確認済み"),
        Provenance::Provisional { .. } => tr(lang, "provisional", "暫定"),
    }
}

fn relationship_name(relationship: Relationship, lang: Lang) -> &'static str {
    match relationship {
        Relationship::Equal => tr(lang, "equal", "同等"),
        Relationship::Subset => tr(lang, "subset", "部分集合"),
        Relationship::Superset => tr(lang, "superset", "上位集合"),
        Relationship::Intersect => tr(lang, "intersect", "一部重複"),
        Relationship::NotRelated => tr(lang, "not related", "関連なし"),
    }
}

fn mapping_provenance_name(provenance: MappingProvenance, lang: Lang) -> &'static str {
    match provenance {
        MappingProvenance::Official => tr(lang, "official", "公式"),
        MappingProvenance::Derived => tr(lang, "derived (tekigo)", "tekigoの判断"),
    }
}

/// A requirement as scripts see it: every field, plus the levels that include it.
#[derive(Serialize)]
struct RequirementView<'a> {
    #[serde(flatten)]
    requirement: &'a Requirement,
    levels: Vec<String>,
}

fn view<'a>(catalog: &Catalog, requirement: &'a Requirement) -> RequirementView<'a> {
    RequirementView {
        requirement,
        levels: catalog.levels_including(&requirement.reference()).iter().map(ToString::to_string).collect(),
    }
}

#[derive(Serialize)]
struct ListJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    scheme: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level_status: Option<LevelStatus>,
    /// Present when the listed criteria are provisional: what every output of them says.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<tekigo_base::Text>,
    count: usize,
    requirements: Vec<RequirementView<'a>>,
}

fn list(
    catalog: &Catalog,
    scheme: Option<&str>,
    level: Option<&str>,
    product_type: Option<&str>,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (references, level_status) = match scheme {
        None => (
            catalog.schemes.iter().flat_map(|s| s.requirements.iter().map(Requirement::reference)).collect::<Vec<_>>(),
            None,
        ),
        Some(scheme_id) => {
            let scheme = catalog.scheme(scheme_id)?;
            match level.map(|l| l.trim_start_matches('★')) {
                Some(level_id) if !scheme.levels.is_empty() => {
                    let resolved = scheme.level_for(level_id, product_type)?;
                    (resolved.requirements.clone(), Some(resolved.status))
                }
                level => {
                    let selector = LevelSelector {
                        scheme: scheme_id.to_owned(),
                        level: level.map(str::to_owned),
                        product_type: None,
                    };
                    (catalog.select(&selector)?, None)
                }
            }
        }
    };
    let requirements: Vec<&Requirement> = references.iter().filter_map(|r| catalog.requirement(r)).collect();
    let provisional = level_status == Some(LevelStatus::Provisional);
    match format {
        Format::Json => write_json(
            out,
            &ListJson {
                scheme,
                level,
                product_type,
                level_status,
                notice: provisional.then(tekigo_criteria::provisional_notice),
                count: requirements.len(),
                requirements: requirements.iter().map(|r| view(catalog, r)).collect(),
            },
        ),
        _ => {
            let several_schemes = requirements.windows(2).any(|pair| pair[0].scheme != pair[1].scheme);
            let with_status = requirements.iter().any(|r| r.status.is_some());
            let mut header = vec!["ID"];
            if several_schemes {
                header.push(tr(lang, "Scheme", "制度"));
            }
            header.push(tr(lang, "Title", "タイトル"));
            if with_status {
                header.push(tr(lang, "Status", "区分"));
            }
            header.extend([
                tr(lang, "Evaluation", "評価方法"),
                tr(lang, "Threats", "脅威"),
                tr(lang, "Provenance", "出典の確度"),
            ]);
            let mut rows = table(header);
            for requirement in &requirements {
                let mut row = vec![requirement.id.clone()];
                if several_schemes {
                    row.push(requirement.scheme.clone());
                }
                row.push(requirement.title.get(lang).to_owned());
                if with_status {
                    row.push(requirement.status.clone().unwrap_or_default());
                }
                row.push(evaluation_name(requirement.evaluation, lang).to_owned());
                row.push(requirement.threats.join(" "));
                row.push(provenance_name(&requirement.provenance, lang).to_owned());
                rows.add_row(row);
            }
            writeln!(out, "{rows}")?;
            match lang {
                Lang::En => writeln!(out, "{} requirement(s)", requirements.len())?,
                Lang::Ja => writeln!(out, "要件 {} 件", requirements.len())?,
            }
            if provisional {
                write_provisional_notice(out, lang)?;
            }
            Ok(())
        }
    }
}

#[derive(Serialize)]
struct ShowJson<'a> {
    #[serde(flatten)]
    requirement: RequirementView<'a>,
    links: Vec<Link>,
}

fn links_of(catalog: &Catalog, requirement: &Requirement) -> Vec<Link> {
    catalog
        .schemes
        .iter()
        .filter(|other| other.id != requirement.scheme)
        .flat_map(|other| catalog.links(&requirement.scheme, &other.id))
        .filter(|link| link.from.id == requirement.id)
        .collect()
}

fn show(catalog: &Catalog, id: &str, format: Format, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let requirement = catalog.find_requirement(id)?;
    let links = links_of(catalog, requirement);
    if format == Format::Json {
        return write_json(out, &ShowJson { requirement: view(catalog, requirement), links });
    }
    let scheme = catalog.scheme(&requirement.scheme)?;
    let mut rows = table(vec![tr(lang, "Field", "項目"), tr(lang, "Value", "内容")]);
    rows.add_row(vec!["ID".to_owned(), requirement.id.clone()]);
    rows.add_row(vec![
        tr(lang, "Scheme", "制度").to_owned(),
        format!("{} ({} {})", scheme.title.get(lang), scheme.id, scheme.version),
    ]);
    let category = scheme
        .category(&requirement.category)
        .map_or(requirement.category.clone(), |c| format!("{} ({})", c.title.get(lang), c.id));
    rows.add_row(vec![tr(lang, "Category", "分類").to_owned(), category]);
    rows.add_row(vec![tr(lang, "Title", "タイトル").to_owned(), requirement.title.get(lang).to_owned()]);
    rows.add_row(vec![tr(lang, "Summary", "概要").to_owned(), requirement.summary.get(lang).to_owned()]);
    if let Some(status) = &requirement.status {
        let mut text = status.clone();
        for condition in &requirement.conditions {
            if let Some(found) = scheme.conditions.iter().find(|c| c.id == *condition) {
                text.push_str(&format!("\n({condition}) {}", found.text.get(lang)));
            }
        }
        rows.add_row(vec![tr(lang, "Status", "区分").to_owned(), text]);
    }
    rows.add_row(vec![
        tr(lang, "Evaluation", "評価方法").to_owned(),
        evaluation_name(requirement.evaluation, lang).to_owned(),
    ]);
    let levels: Vec<String> =
        catalog.levels_including(&requirement.reference()).iter().map(ToString::to_string).collect();
    rows.add_row(vec![tr(lang, "Levels", "水準").to_owned(), levels.join(", ")]);
    if !requirement.threats.is_empty() {
        let threats: Vec<String> = requirement
            .threats
            .iter()
            .map(|id| catalog.threat(id).map_or(id.clone(), |t| format!("{id} {}", t.title.get(lang))))
            .collect();
        rows.add_row(vec![tr(lang, "Threats (SCHEME §3)", "脅威（SCHEME §3）").to_owned(), threats.join("\n")]);
    }
    if !requirement.assets.is_empty() {
        let assets: Vec<String> = requirement
            .assets
            .iter()
            .map(|id| catalog.asset(id).map_or(id.clone(), |a| format!("{} ({})", a.title.get(lang), a.kind.get(lang))))
            .collect();
        rows.add_row(vec![tr(lang, "Assets (SCHEME §4)", "保護資産（SCHEME §4）").to_owned(), assets.join("\n")]);
    }
    if !requirement.items.is_empty() {
        let items: Vec<String> = requirement
            .items
            .iter()
            .map(|item| {
                let method = method_name(item.method, lang);
                format!("{} [{method}] {}", item.id, item.text.get(lang))
            })
            .collect();
        rows.add_row(vec![tr(lang, "Evaluation items", "評価項目").to_owned(), items.join("\n")]);
    }
    let provenance = match &requirement.provenance {
        Provenance::Confirmed { source } => format!("{}: {source}", provenance_name(&requirement.provenance, lang)),
        Provenance::Provisional { note } => {
            format!("{}: {note}", provenance_name(&requirement.provenance, lang))
        }
    };
    rows.add_row(vec![tr(lang, "Provenance", "出典の確度").to_owned(), provenance]);
    if !links.is_empty() {
        let text: Vec<String> = links.iter().map(|link| describe_link(link, lang)).collect();
        rows.add_row(vec![tr(lang, "Mappings", "他制度との対応").to_owned(), text.join("\n")]);
    }
    writeln!(out, "{rows}")?;
    Ok(())
}

fn describe_link(link: &Link, lang: Lang) -> String {
    let mut text = format!(
        "{} {} ({})",
        relationship_name(link.relationship, lang),
        link.to,
        mapping_provenance_name(link.provenance, lang)
    );
    if link.deemed {
        text.push_str(tr(lang, ", deemed to meet", "、適合とみなす"));
    }
    text
}

fn map(catalog: &Catalog, from: &str, to: &str, format: Format, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let report = catalog.map(from, to)?;
    if format == Format::Json {
        return write_json(out, &report);
    }
    let mut rows = table(vec![
        tr(lang, "From", "対応元"),
        tr(lang, "Relationship", "関係"),
        tr(lang, "To", "対応先"),
        tr(lang, "Provenance", "根拠"),
        tr(lang, "Note", "備考"),
    ]);
    for link in &report.links {
        let mut notes = Vec::new();
        if link.deemed {
            notes.push(tr(lang, "deemed to meet", "適合とみなす"));
        }
        if link.inverted {
            notes.push(tr(lang, "read from the inverse mapping", "逆方向の対応から導出"));
        }
        rows.add_row(vec![
            link.from.id.clone(),
            relationship_name(link.relationship, lang).to_owned(),
            link.to.id.clone(),
            mapping_provenance_name(link.provenance, lang).to_owned(),
            notes.join(", "),
        ]);
    }
    writeln!(out, "{rows}")?;
    match lang {
        Lang::En => {
            writeln!(
                out,
                "{} link(s). Read each row as \"{from} requirement is <relationship> {to} requirement\".",
                report.links.len()
            )?;
            writeln!(out, "Not mapped in {from}: {}", none_if_empty(&report.unmapped_from, lang))?;
            writeln!(out, "Not mapped in {to}: {}", none_if_empty(&report.unmapped_to, lang))?;
        }
        Lang::Ja => {
            writeln!(out, "対応 {} 件。各行は「{from} の要件は {to} の要件の<関係>」と読みます。", report.links.len())?;
            writeln!(out, "{from} で対応のない要件: {}", none_if_empty(&report.unmapped_from, lang))?;
            writeln!(out, "{to} で対応のない要件: {}", none_if_empty(&report.unmapped_to, lang))?;
        }
    }
    Ok(())
}

fn none_if_empty(ids: &[String], lang: Lang) -> String {
    if ids.is_empty() { tr(lang, "none", "なし").to_owned() } else { ids.join(", ") }
}

fn gap(
    catalog: &Catalog,
    have: &[String],
    want: &str,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let have: Vec<LevelSelector> =
        have.iter().map(|h| LevelSelector::parse(h)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?;
    let want = LevelSelector::parse(want).map_err(anyhow::Error::msg)?;
    let report = catalog.gap(&have, &want)?;
    if format == Format::Json {
        return write_json(out, &report);
    }
    let have_text: Vec<String> = report.have.iter().map(ToString::to_string).collect();
    let total = report.covered.len() + report.partial.len() + report.remaining.len();
    match lang {
        Lang::En => writeln!(
            out,
            "Holding {} and wanting {}: {} covered, {} partly covered, {} to evaluate, of {total}.",
            have_text.join(" + "),
            report.want,
            report.covered.len(),
            report.partial.len(),
            report.remaining.len()
        )?,
        Lang::Ja => writeln!(
            out,
            "{} を保有し {} を目指す場合: 全 {total} 件のうち、充足 {} 件、一部充足 {} 件、要評価 {} 件。",
            have_text.join(" + "),
            report.want,
            report.covered.len(),
            report.partial.len(),
            report.remaining.len()
        )?,
    }
    let sections: [(&str, &Vec<GapEntry>); 3] = [
        (tr(lang, "Covered", "充足"), &report.covered),
        (tr(lang, "Partly covered: evaluate the difference", "一部充足（差分を評価）"), &report.partial),
        (tr(lang, "Remaining: evaluate", "要評価"), &report.remaining),
    ];
    for (heading, entries) in sections {
        if entries.is_empty() {
            continue;
        }
        writeln!(out, "\n{heading}")?;
        let with_basis = entries.iter().any(|entry| !entry.by.is_empty());
        let mut header = vec!["ID", tr(lang, "Title", "タイトル")];
        if with_basis {
            header.push(tr(lang, "By", "根拠"));
        }
        let mut rows = table(header);
        for entry in entries {
            let by: Vec<String> = entry
                .by
                .iter()
                .map(|basis| {
                    let kind = match basis.basis {
                        BasisKind::SameRequirement => tr(lang, "same requirement", "同一要件"),
                        BasisKind::Official => tr(lang, "official", "公式"),
                        BasisKind::Derived => tr(lang, "derived (tekigo)", "tekigoの判断"),
                        BasisKind::DerivedFrom => tr(lang, "written from it (tekigo)", "tekigoが基にした規定"),
                    };
                    let deemed = if basis.deemed { tr(lang, ", deemed", "、みなし適合") } else { "" };
                    format!(
                        "{}/{} ({}, {kind}{deemed})",
                        basis.scheme,
                        basis.id,
                        relationship_name(basis.relationship, lang)
                    )
                })
                .collect();
            let mut row = vec![entry.id.clone(), entry.title.get(lang).to_owned()];
            if with_basis {
                row.push(by.join("\n"));
            }
            rows.add_row(row);
        }
        writeln!(out, "{rows}")?;
    }
    Ok(())
}

fn recommend(
    catalog: &Catalog,
    use_case: &str,
    product_type: Option<&str>,
    format: Format,
    lang: Lang,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let recommendation = catalog.recommend(use_case, product_type)?;
    if format == Format::Json {
        return write_json(out, &recommendation);
    }
    let scheme = catalog.scheme(&recommendation.level.scheme)?;
    writeln!(
        out,
        "{}: {} {} ({})",
        tr(lang, "Require", "求める水準"),
        scheme.title.get(lang),
        recommendation.level_name.get(lang),
        recommendation.level
    )?;
    writeln!(out, "{}: {}", tr(lang, "Use", "用途"), recommendation.use_case.title.get(lang))?;
    writeln!(
        out,
        "{}: {} [{}]",
        tr(lang, "Why", "理由"),
        recommendation.use_case.rationale.get(lang),
        recommendation.use_case.references.join(", ")
    )?;
    match recommendation.level_status {
        LevelStatus::Draft => writeln!(
            out,
            "{}",
            tr(lang, "Note: the criteria of this level are still drafts.", "注意: この水準の基準はまだ案の段階です。")
        )?,
        LevelStatus::Provisional => write_provisional_notice(out, lang)?,
        LevelStatus::Published => {}
    }
    if recommendation.level.product_type.is_some() {
        writeln!(out, "{}: {}", tr(lang, "Requirements", "要件数"), recommendation.requirement_count)?;
    }
    if let Some(advice) = &recommendation.product_type {
        writeln!(out, "{}: {}", tr(lang, "Product type", "製品類型"), advice.title.get(lang))?;
        for profile in &advice.profiles {
            let levels: Vec<String> = profile.levels.iter().map(|l| format!("★{l}")).collect();
            let status = status_name(profile.status, lang);
            writeln!(
                out,
                "  {} ({}, {status}): {}",
                profile.title.get(lang),
                levels.join("/"),
                profile.note.get(lang)
            )?;
        }
        if !advice.criteria_published && advice.assessable_now != advice.available_now {
            match lang {
                Lang::En => writeln!(
                    out,
                    "  The scheme has not published criteria for this product type at {}: tekigo's provisional criteria let a product be assessed at {} today, and a label under the scheme's published criteria is available at {}.",
                    recommendation.level, advice.assessable_now, advice.available_now
                )?,
                Lang::Ja => writeln!(
                    out,
                    "  この製品類型の {} の基準は制度としてまだ公表されていません。tekigoの暫定基準で {} までは評価できますが、制度の公表済み基準によるラベルは {} までです。",
                    recommendation.level, advice.assessable_now, advice.available_now
                )?,
            }
        } else if !advice.criteria_published {
            match lang {
                Lang::En => writeln!(
                    out,
                    "  No published criteria for this product type at {} yet: require {} now, and {} once its criteria are published.",
                    recommendation.level, advice.available_now, recommendation.level
                )?,
                Lang::Ja => writeln!(
                    out,
                    "  この製品類型の {} の基準はまだ公表されていません。当面は {} を求め、基準の公表後に {} を求めてください。",
                    recommendation.level, advice.available_now, recommendation.level
                )?,
            }
        }
    }
    if !recommendation.abroad.is_empty() {
        writeln!(out, "{}:", tr(lang, "Equivalents abroad", "海外制度との対応"))?;
        for equivalent in &recommendation.abroad {
            let title =
                catalog.scheme(&equivalent.target.scheme).map(|s| s.title.get(lang).to_owned()).unwrap_or_default();
            let extent = match equivalent.extent {
                Extent::Full => tr(lang, "contains", "包含"),
                Extent::Partial => tr(lang, "partly", "一部"),
                Extent::Pending => tr(lang, "pending", "協議中"),
            };
            let note = equivalent.note.as_ref().map(|n| format!(": {}", n.get(lang))).unwrap_or_default();
            writeln!(out, "  {} [{extent}] {title}{note}", equivalent.target)?;
        }
    }
    Ok(())
}

fn export(catalog: &Catalog, dir: &Path, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let documents = oscal::export_all(catalog, lang);
    for document in &documents {
        let path = dir.join(&document.file_name);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).with_context_tr(|| {
            (
                format!("cannot create folder {}", parent.display()),
                format!("フォルダ {} を作れません", parent.display()),
            )
        })?;
        let mut bytes = serde_json::to_vec_pretty(&document.json)?;
        bytes.push(b'\n');
        // Write beside and rename, so an interrupted export never leaves a half-written document.
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, &bytes).with_context_tr(|| {
            (format!("cannot write {}", partial.display()), format!("{} に書き込めません", partial.display()))
        })?;
        std::fs::rename(&partial, &path).with_context_tr(|| {
            (format!("cannot write {}", path.display()), format!("{} に書き込めません", path.display()))
        })?;
    }
    match lang {
        Lang::En => {
            writeln!(out, "wrote {} OSCAL {} document(s) to {}", documents.len(), oscal::OSCAL_VERSION, dir.display())?
        }
        Lang::Ja => writeln!(
            out,
            "OSCAL {} 文書 {} 件を {} に書き出しました",
            oscal::OSCAL_VERSION,
            documents.len(),
            dir.display()
        )?,
    }
    Ok(())
}

#[derive(Serialize)]
struct CheckJson {
    schemes: Vec<SchemeSummary>,
    levels: Vec<LevelSummary>,
    mappings: Vec<MappingSummary>,
}

/// One level as it is assessed (per product type where the level is set per type).
#[derive(Serialize)]
struct LevelSummary {
    level: String,
    status: LevelStatus,
    requirements: usize,
    provisional: usize,
    threats: usize,
    countered: usize,
}

#[derive(Serialize)]
struct SchemeSummary {
    id: String,
    version: String,
    file: String,
    requirements: usize,
    confirmed: usize,
    provisional: usize,
    levels: Vec<String>,
}

#[derive(Serialize)]
struct MappingSummary {
    from: String,
    to: String,
    file: String,
    entries: usize,
    official: usize,
    derived: usize,
}

fn check(catalog: &Catalog, format: Format, lang: Lang, out: &mut dyn Write) -> anyhow::Result<()> {
    let summary = CheckJson {
        schemes: catalog
            .schemes
            .iter()
            .map(|scheme| {
                let confirmed = scheme.requirements.iter().filter(|r| r.provenance.is_confirmed()).count();
                SchemeSummary {
                    id: scheme.id.clone(),
                    version: scheme.version.clone(),
                    file: scheme.file.clone(),
                    requirements: scheme.requirements.len(),
                    confirmed,
                    provisional: scheme.requirements.len() - confirmed,
                    levels: scheme.levels.iter().map(|l| l.id.clone()).collect(),
                }
            })
            .collect(),
        levels: catalog
            .schemes
            .iter()
            .flat_map(|scheme| {
                scheme.assessable_levels().into_iter().map(move |level| {
                    let selector = LevelSelector {
                        scheme: scheme.id.clone(),
                        level: Some(level.id.clone()),
                        product_type: level.product_type.clone(),
                    };
                    LevelSummary {
                        level: selector.to_string(),
                        status: level.status,
                        requirements: level.requirements.len(),
                        provisional: level
                            .requirements
                            .iter()
                            .filter_map(|r| catalog.requirement(r))
                            .filter(|r| !r.provenance.is_confirmed())
                            .count(),
                        threats: level.threats.len(),
                        countered: catalog.countered_threats(&level).len(),
                    }
                })
            })
            .collect(),
        mappings: catalog
            .mappings
            .iter()
            .map(|mapping| {
                let official = mapping.entries.iter().filter(|e| e.provenance == MappingProvenance::Official).count();
                MappingSummary {
                    from: mapping.from.clone(),
                    to: mapping.to.clone(),
                    file: mapping.file.clone(),
                    entries: mapping.entries.len(),
                    official,
                    derived: mapping.entries.len() - official,
                }
            })
            .collect(),
    };
    if format == Format::Json {
        return write_json(out, &summary);
    }
    let mut schemes = table(vec![
        tr(lang, "Scheme", "制度"),
        tr(lang, "Version", "版"),
        tr(lang, "Requirements", "要件数"),
        tr(lang, "Confirmed", "確認済み"),
        tr(lang, "Provisional", "暫定"),
        tr(lang, "Levels", "水準"),
    ]);
    for scheme in &summary.schemes {
        schemes.add_row(vec![
            scheme.id.clone(),
            scheme.version.clone(),
            scheme.requirements.to_string(),
            scheme.confirmed.to_string(),
            scheme.provisional.to_string(),
            scheme.levels.join(", "),
        ]);
    }
    writeln!(out, "{schemes}")?;
    let mut levels = table(vec![
        tr(lang, "Level (product type)", "水準（製品類型）"),
        tr(lang, "Status", "状態"),
        tr(lang, "Requirements", "要件数"),
        tr(lang, "Provisional", "暫定"),
        tr(lang, "Threats countered", "対応する脅威"),
    ]);
    for level in &summary.levels {
        levels.add_row(vec![
            level.level.clone(),
            status_name(level.status, lang).to_owned(),
            level.requirements.to_string(),
            level.provisional.to_string(),
            format!("{}/{}", level.countered, level.threats),
        ]);
    }
    writeln!(out, "{levels}")?;
    let mut mappings = table(vec![
        tr(lang, "Mapping", "対応表"),
        tr(lang, "Entries", "件数"),
        tr(lang, "Official", "公式"),
        tr(lang, "Derived", "tekigoの判断"),
    ]);
    for mapping in &summary.mappings {
        mappings.add_row(vec![
            format!("{} -> {}", mapping.from, mapping.to),
            mapping.entries.to_string(),
            mapping.official.to_string(),
            mapping.derived.to_string(),
        ]);
    }
    writeln!(out, "{mappings}")?;
    writeln!(out, "{}", tr(lang, "The catalog is valid.", "カタログは有効です。"))?;
    Ok(())
}
