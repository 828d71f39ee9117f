//! The automatic checks of an application, before any person looks at it: the signature, the
//! declaration's content against the criteria version, that it is about the registered product,
//! and the SBOM rule of the level (SCHEME §2) as the vendor declares it. Pure: bytes and facts in,
//! results out. The registry's own vulnerability check is `vulnerability_check.rs`.

use ed25519_dalek::VerifyingKey;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tekigo_assess::declaration::{DeclarationKind, Verdict};
use tekigo_assess::{Declaration, verify};

use tekigo_base::Text;
use tekigo_base::identifiers::{self, Gtin, ModelEntry, model_key};
use tekigo_criteria::Catalog;

use crate::evaluators::{Evaluator, Standing};
use crate::labs::Lab;
use crate::validate;

/// At most this much declaration; a real one is tens of kilobytes.
pub const MAX_DECLARATION_BYTES: usize = 4 * 1024 * 1024;
/// At most this much SBOM (validate.rs: monitoring takes SBOMs too).
pub use crate::validate::MAX_SBOM_BYTES;

/// At most this much evidence uploaded with one application, all files together.
pub const MAX_EVIDENCE_BYTES: usize = 64 * 1024 * 1024;

/// An evidence file the declaration fixes by its SHA-256, under the name it was sent with.
#[derive(Debug, Clone)]
pub struct NamedFile<'a> {
    pub sha256: String,
    pub name: String,
    pub bytes: &'a [u8],
}

/// Evidence files uploaded with an application, each one the declaration fixes by its SHA-256
/// (an evidence record or an attachment), once per file. A file the
/// declaration does not name, an empty or unsafe name, or too many bytes refuse the application.
pub fn named_files<'a>(
    declaration: &Declaration,
    files: &'a [(String, Vec<u8>)],
) -> Result<Vec<NamedFile<'a>>, Vec<Text>> {
    let total: usize = files.iter().map(|(_, bytes)| bytes.len()).sum();
    if total > MAX_EVIDENCE_BYTES {
        return Err(vec![Text::new(
            format!("the evidence files are {total} bytes together; at most {MAX_EVIDENCE_BYTES} are accepted"),
            format!("根拠資料のファイルが合計 {total} バイトあります。上限は {MAX_EVIDENCE_BYTES} バイトです"),
        )]);
    }
    let mut failures = Vec::new();
    let mut named: Vec<NamedFile<'a>> = Vec::new();
    for (name, bytes) in files {
        let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
        if let Err(problem) = validate::name(("evidence file name", "根拠資料のファイル名"), name) {
            failures.push(problem);
            continue;
        }
        let sha256 = tekigo_assess::folder::sha256_hex(bytes);
        let fixed = declaration.evidence.iter().any(|e| e.sha256.as_deref() == Some(sha256.as_str()))
            || declaration.attachments.iter().any(|a| a.sha256 == sha256);
        if !fixed {
            failures.push(Text::new(
                format!("evidence file `{name}`: the declaration names no file with its SHA-256 {sha256}"),
                format!("根拠資料 `{name}`: 宣言書にこの SHA-256（{sha256}）のファイルは記載されていません"),
            ));
        } else if !named.iter().any(|known| known.sha256 == sha256) {
            named.push(NamedFile { sha256, name: name.to_owned(), bytes: bytes.as_slice() });
        }
    }
    if failures.is_empty() { Ok(named) } else { Err(failures) }
}

/// Where each recognised-scheme statement a declaration rests on can be read (the PSTI route):
/// a URL, or a file uploaded with the application. A statement that is neither refuses the
/// application. Returns the UK PSTI statement's location, if the declaration has one.
pub fn recognised_statements(declaration: &Declaration, files: &[NamedFile<'_>]) -> Result<Option<String>, Vec<Text>> {
    let mut failures = Vec::new();
    let mut psti = None;
    for deemed in &declaration.deemed {
        let scheme = &deemed.scheme;
        let Some(record) = declaration.evidence.iter().find(|e| e.id == deemed.evidence) else {
            failures.push(Text::new(
                format!(
                    "the {scheme} statement of compliance (evidence {}) is not in the declaration",
                    deemed.evidence
                ),
                format!("{scheme} の適合宣言（証跡 {}）が宣言書にありません", deemed.evidence),
            ));
            continue;
        };
        let location = match (&record.sha256, url::Url::parse(&record.location)) {
            (Some(sha256), _) => match files.iter().find(|file| &file.sha256 == sha256) {
                Some(file) => Some(format!("{} (SHA-256 {sha256})", file.name)),
                None => {
                    failures.push(Text::new(
                        format!(
                            "the {scheme} statement of compliance `{}` must be uploaded with the application (SHA-256 {sha256})",
                            record.location
                        ),
                        format!("{scheme} の適合宣言 `{}` を申請に添付してください（SHA-256 {sha256}）", record.location),
                    ));
                    None
                }
            },
            (None, Ok(url)) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some() => {
                Some(url.to_string())
            }
            (None, _) => {
                failures.push(Text::new(
                    format!(
                        "the {scheme} statement of compliance `{}` is neither a file nor a web address",
                        record.location
                    ),
                    format!("{scheme} の適合宣言 `{}` はファイルでも URL でもありません", record.location),
                ));
                None
            }
        };
        if scheme == "uk-psti" {
            psti = location;
        }
    }
    if failures.is_empty() { Ok(psti) } else { Err(failures) }
}

/// The agent's details as the application keeps them, with the authorisation document.
pub struct AgentRecord {
    pub organisation: String,
    pub contact: String,
    pub authorisation: Vec<u8>,
    pub authorisation_name: String,
    pub authorisation_sha256: String,
}

/// An agent filing for the vendor names itself, a contact, and uploads the vendor's
/// authorisation document.
pub fn agent(upload: super::AgentUpload<'_>) -> Result<AgentRecord, Vec<Text>> {
    let mut failures = Vec::new();
    if let Err(problem) = validate::name(("agent's organisation", "代理人の組織名"), upload.organisation) {
        failures.push(problem);
    }
    if let Err(problem) = validate::name(("agent's contact", "代理人の連絡先"), upload.contact) {
        failures.push(problem);
    }
    let (name, bytes) = upload.authorisation;
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if bytes.is_empty() {
        failures.push(Text::new(
            "an agent's application needs the vendor's authorisation document (委任状)",
            "代理人による申請には製造者の委任状が必要です",
        ));
    } else if bytes.len() > MAX_EVIDENCE_BYTES {
        failures.push(Text::new(
            format!("the authorisation document is {} bytes; at most {MAX_EVIDENCE_BYTES} are accepted", bytes.len()),
            format!("委任状は {} バイトあります。上限は {MAX_EVIDENCE_BYTES} バイトです", bytes.len()),
        ));
    }
    if let Err(problem) = validate::name(("authorisation document's file name", "委任状のファイル名"), name) {
        failures.push(problem);
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    Ok(AgentRecord {
        organisation: upload.organisation.trim().to_owned(),
        contact: upload.contact.trim().to_owned(),
        authorisation: bytes.to_vec(),
        authorisation_name: name.to_owned(),
        authorisation_sha256: tekigo_assess::folder::sha256_hex(bytes),
    })
}

/// One check and how it went, kept with the application for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    pub passed: bool,
    pub detail: Text,
}

/// The registered facts a declaration must agree with.
pub struct Expected<'a> {
    pub vendor: &'a str,
    /// The product's name, as the public reads it on the label page.
    pub name: &'a str,
    pub model: &'a str,
    /// The registered series, the representative model first.
    pub models: &'a [ModelEntry],
    pub firmware_version: &'a str,
    pub support_end: Date,
    pub today: Date,
    /// The register of skilled evaluators (★2 declarations are co-signed by one).
    pub evaluators: &'a [Evaluator],
    /// The register of labs (★3/★4 evaluation reports are signed by one).
    pub labs: &'a [Lab],
}

/// The day a declaration or report was issued.
fn issue_day(declaration: &Declaration) -> Result<Date, Text> {
    declaration.issued.get(..10).and_then(|day| day.parse().ok()).ok_or_else(|| {
        Text::new(
            format!("the declaration's issue time `{}` is not a date-time", declaration.issued),
            format!("宣言書の発行日時 `{}` が日時ではありません", declaration.issued),
        )
    })
}

/// Whether the co-signature (`evaluator_signature`) verifies with the key a register holds.
fn cosigned_with(document: &serde_json::Value, key: Option<&ed25519_dalek::VerifyingKey>) -> bool {
    key.is_some_and(|key| {
        tekigo_assess::sign::verify_signer(document, tekigo_assess::sign::Signer::Evaluator, key).is_ok()
    })
}

/// The lab a third-party evaluation report names is on the register under the accreditation
/// number the report gives, signed the report with its registered key, and was accredited for
/// the product type and level on the day the report was issued.
fn registered_lab(
    declaration: &Declaration,
    document: &serde_json::Value,
    register: &[Lab],
) -> Result<Option<Text>, Text> {
    let Some(named) = &declaration.evaluator else { return Ok(None) };
    let Some(accreditation) = &named.accreditation else { return Ok(None) };
    let Some(lab) = register.iter().find(|lab| lab.key_id == named.key_id) else {
        return Err(Text::new(
            format!(
                "the lab {} (key {}) is not registered with the certification body",
                named.organisation, named.key_id
            ),
            format!("評価機関 {}（鍵 {}）は認証機関に登録されていません", named.organisation, named.key_id),
        ));
    };
    if lab.accreditation_number != accreditation.number || lab.accreditation_body != accreditation.body {
        return Err(Text::new(
            format!(
                "the report gives accreditation {} {}, the register holds {} {} for {}",
                accreditation.body, accreditation.number, lab.accreditation_body, lab.accreditation_number, lab.name
            ),
            format!(
                "報告書の認定 {} {} が、登録簿の {} の認定 {} {} と一致しません",
                accreditation.body, accreditation.number, lab.name, lab.accreditation_body, lab.accreditation_number
            ),
        ));
    }
    if !cosigned_with(document, lab.key.as_ref()) {
        return Err(Text::new(
            format!("the report's lab signature does not verify with {}'s registered key", lab.name),
            format!("報告書の評価機関の署名が {} の登録済みの鍵で検証できません", lab.name),
        ));
    }
    let issued = issue_day(declaration)?;
    lab.accredited_for(issued, declaration.scheme.product_type.as_deref(), &declaration.scheme.level)?;
    Ok(Some(Text::new(
        format!(
            "evaluated by {} ({} {}), accredited for {} at level {} on {issued}",
            lab.name,
            lab.accreditation_body,
            lab.accreditation_number,
            declaration.scheme.product_type.as_deref().unwrap_or("-"),
            declaration.scheme.level
        ),
        format!(
            "{}（{} {}）が評価: {issued} 時点で {} のレベル {} について認定されています",
            lab.name,
            lab.accreditation_body,
            lab.accreditation_number,
            declaration.scheme.product_type.as_deref().unwrap_or("-"),
            declaration.scheme.level
        ),
    )))
}

/// The evaluator a declaration names is on the certification body's register, signed with the
/// key registered for them, and was in good standing on the day the declaration was issued.
/// `Ok(None)` for a declaration without an evaluator (whether the level needs one is the
/// assurance rule `verify` applies).
fn registered_evaluator(
    declaration: &Declaration,
    document: &serde_json::Value,
    register: &[Evaluator],
) -> Result<Option<Text>, Text> {
    let Some(named) = declaration.evaluator.as_ref().filter(|e| e.accreditation.is_none()) else { return Ok(None) };
    let Some(evaluator) = register.iter().find(|e| e.key_id == named.key_id) else {
        return Err(Text::new(
            format!(
                "the evaluator {} ({}, key {}) is not registered with the certification body",
                named.name, named.organisation, named.key_id
            ),
            format!(
                "評価者 {}（{}、鍵 {}）は認証機関に登録されていません",
                named.name, named.organisation, named.key_id
            ),
        ));
    };
    if !cosigned_with(document, evaluator.key.as_ref()) {
        return Err(Text::new(
            format!("the evaluator signature does not verify with {}'s registered key", evaluator.name),
            format!("評価者署名が {} の登録済みの鍵で検証できません", evaluator.name),
        ));
    }
    let issued = issue_day(declaration)?;
    match evaluator.standing_on(issued) {
        Some(Standing::Active) => Ok(Some(Text::new(
            format!(
                "co-signed by {} ({}), a registered evaluator in good standing on {issued}",
                evaluator.name, evaluator.organisation
            ),
            format!("{}（{}）が連署: {issued} 時点で有効な登録評価者です", evaluator.name, evaluator.organisation),
        ))),
        Some(standing) => Err(Text::new(
            format!(
                "the evaluator {} was {} on {issued}, the day the declaration was issued",
                evaluator.name,
                standing.label().en
            ),
            format!("評価者 {} は宣言書の発行日 {issued} に{}でした", evaluator.name, standing.label().ja),
        )),
        None => Err(Text::new(
            format!(
                "the evaluator {} was not yet registered on {issued}, the day the declaration was issued",
                evaluator.name
            ),
            format!("評価者 {} は宣言書の発行日 {issued} にはまだ登録されていませんでした", evaluator.name),
        )),
    }
}

/// All checks; `Err` lists every failure (an application that fails any is not stored).
pub fn check_application(
    catalog: &Catalog,
    declaration_bytes: &[u8],
    sbom_bytes: &[u8],
    keys: &[VerifyingKey],
    expected: &Expected<'_>,
) -> Result<(Declaration, Vec<CheckResult>), Vec<Text>> {
    let mut failures = Vec::new();
    if declaration_bytes.len() > MAX_DECLARATION_BYTES {
        failures.push(Text::new(
            format!(
                "the declaration is {} bytes; at most {MAX_DECLARATION_BYTES} are accepted",
                declaration_bytes.len()
            ),
            format!("宣言書が {} バイトあります。上限は {MAX_DECLARATION_BYTES} バイトです", declaration_bytes.len()),
        ));
    }
    if sbom_bytes.len() > MAX_SBOM_BYTES {
        failures.push(Text::new(
            format!("the SBOM is {} bytes; at most {MAX_SBOM_BYTES} are accepted", sbom_bytes.len()),
            format!("SBOM が {} バイトあります。上限は {MAX_SBOM_BYTES} バイトです", sbom_bytes.len()),
        ));
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    let mut results = Vec::new();

    // Signature: by a key the vendor registered. The first key that verifies is the signer.
    let mut verified = None;
    let mut last_error = None;
    for key in keys {
        match verify::verify_bytes("declaration", declaration_bytes, key, catalog) {
            Ok(found) => {
                verified = Some(found);
                break;
            }
            Err(error) => last_error = Some(error),
        }
    }
    let Some((declaration, problems)) = verified else {
        let why = match (&last_error, keys.is_empty()) {
            (_, true) => "the vendor has no registered signing key".to_owned(),
            (Some(error), false) => error.to_string(),
            (None, false) => "no key verified it".to_owned(),
        };
        return Err(vec![Text::new(format!("signature: {why}"), format!("署名: 検証できません（{why}）"))]);
    };
    results.push(CheckResult {
        check: "signature".into(),
        passed: true,
        detail: Text::new(
            format!(
                "signed by a registered key ({})",
                declaration.signature.as_ref().map_or("", |s| s.key_id.as_str())
            ),
            "登録済みの鍵による署名です".to_owned(),
        ),
    });

    if declaration.scheme.id != "jc-star" || declaration.kind == DeclarationKind::DerivedStatement {
        failures.push(Text::new(
            format!(
                "a JC-STAR label needs a JC-STAR self-declaration, not a {} for {}",
                kind_name(declaration.kind),
                declaration.scheme.selector()
            ),
            format!(
                "JC-STAR のラベルには JC-STAR の適合自己宣言書が必要です（これは {} 向けです）",
                declaration.scheme.selector()
            ),
        ));
    }
    failures.extend(problems);
    // Read once for both co-signature checks (the signature check above read it too).
    let document: serde_json::Value = serde_json::from_slice(declaration_bytes).unwrap_or_default();
    match registered_evaluator(&declaration, &document, expected.evaluators) {
        Ok(Some(detail)) => results.push(CheckResult { check: "evaluator".into(), passed: true, detail }),
        Ok(None) => {}
        Err(problem) => failures.push(problem),
    }
    match registered_lab(&declaration, &document, expected.labs) {
        Ok(Some(detail)) => results.push(CheckResult { check: "lab".into(), passed: true, detail }),
        Ok(None) => {}
        Err(problem) => failures.push(problem),
    }

    let product = &declaration.product;
    let mismatch = |field: &str, declared: &str, registered: &str| {
        Text::new(
            format!("{field}: the declaration says `{declared}`, the registered product `{registered}`"),
            format!("{field}: 宣言書は `{declared}`、登録された製品は `{registered}` です"),
        )
    };
    // What the declaration says the public will read passes the same rules as the registered facts.
    for (field, value) in [
        (("declared product name", "宣言書の製品名"), &product.name),
        (("declared vendor", "宣言書のベンダー"), &product.vendor),
        (("declared model", "宣言書の型番"), &product.model),
        (("declared firmware version", "宣言書のファームウェアのバージョン"), &product.firmware_version),
    ] {
        if let Err(problem) = validate::name(field, value) {
            failures.push(problem);
        }
    }
    if let Err(problem) = validate::vulnerability_contact(&product.vulnerability_contact) {
        failures.push(Text::new(format!("declaration: {}", problem.en), format!("宣言書: {}", problem.ja)));
    }
    if !product.vendor.trim().eq_ignore_ascii_case(expected.vendor.trim()) {
        failures.push(mismatch("vendor", &product.vendor, expected.vendor));
    }
    if product.name.trim() != expected.name.trim() {
        failures.push(mismatch("product name", &product.name, expected.name));
    }
    if product.model.trim() != expected.model.trim() {
        failures.push(mismatch("model", &product.model, expected.model));
    }
    failures.extend(series_mismatches(&product.model, &product.models, expected.models));
    if product.firmware_version.trim() != expected.firmware_version.trim() {
        failures.push(mismatch("firmware_version", &product.firmware_version, expected.firmware_version));
    }
    match product.support_end.parse::<Date>() {
        Ok(end) if end != expected.support_end => {
            failures.push(mismatch("support_end", &product.support_end, &expected.support_end.to_string()));
        }
        Ok(end) if end <= expected.today => failures.push(Text::new(
            format!("support ended on {end}: no label for a product out of support (SCHEME §5.1)"),
            format!("サポートは {end} に終了しています。サポート外の製品にはラベルを付与できません（SCHEME §5.1）"),
        )),
        Ok(_) => {}
        Err(_) => failures.push(mismatch("support_end", &product.support_end, &expected.support_end.to_string())),
    }

    // The SBOM is the one the declaration fixes by hash, it reads, and the level's rule held.
    let sha256 = tekigo_assess::folder::sha256_hex(sbom_bytes);
    let named = declaration.attachments.iter().any(|a| a.name.starts_with("sbom-") && a.sha256 == sha256);
    if !named {
        failures.push(Text::new(
            "the SBOM is not the one the declaration names (no `sbom-*` attachment has its SHA-256)",
            "SBOM が宣言書に記載されたもの（sbom-* の添付ファイルの SHA-256）と一致しません",
        ));
    }
    match tekigo_sbom::read(sbom_bytes, "sbom") {
        Ok(sbom) if sbom.components.is_empty() => {
            failures.push(Text::new("the SBOM lists no components", "SBOM にコンポーネントが記載されていません"))
        }
        Ok(sbom) => results.push(CheckResult {
            check: "sbom".into(),
            passed: true,
            detail: Text::new(
                format!("{} components, SHA-256 {sha256}", sbom.components.len()),
                format!("コンポーネント {} 件、SHA-256 {sha256}", sbom.components.len()),
            ),
        }),
        Err(error) => failures
            .push(Text::new(format!("the SBOM does not read: {error}"), format!("SBOM を読み込めません: {error}"))),
    }
    match &declaration.vulnerabilities {
        // The vendor's own result, as declared: the registry's check is kept beside it
        // (vulnerability_check.rs), never folded into this one.
        Some(rule) if rule.verdict == Verdict::Conformant => results.push(CheckResult {
            check: "vulnerabilities (declared)".into(),
            passed: true,
            detail: Text::new(
                format!(
                    "the declaration states no known exploitable vulnerability from CVSS {:.1} (SCHEME §2), by the vendor's check",
                    rule.cvss_min
                ),
                format!(
                    "宣言書には CVSS {:.1} 以上の悪用可能な既知の脆弱性なしと記載（SCHEME §2、ベンダーによる確認）",
                    rule.cvss_min
                ),
            ),
        }),
        _ => failures.push(Text::new(
            "the level's known-vulnerability rule (SCHEME §2) is not shown to hold",
            "レベルの既知脆弱性の基準（SCHEME §2）を満たすことが示されていません",
        )),
    }

    if failures.is_empty() {
        results.push(CheckResult {
            check: "content".into(),
            passed: true,
            detail: Text::new(
                format!("complete against {} version {}", declaration.scheme.selector(), declaration.scheme.version),
                format!("{}（{} 版）に対して完全です", declaration.scheme.selector(), declaration.scheme.version),
            ),
        });
        Ok((declaration, results))
    } else {
        Err(failures)
    }
}

fn kind_name(kind: DeclarationKind) -> &'static str {
    match kind {
        DeclarationKind::SelfDeclaration => "self-declaration",
        DeclarationKind::DerivedStatement => "derived statement",
        DeclarationKind::ThirdPartyEvaluation => "third-party evaluation report",
    }
}

/// The declaration covers exactly the registered series: the same models (by
/// [`tekigo_base::model_key`]) with the same GTINs. A declaration without a model list covers its
/// representative model alone, as every declaration made before series existed does.
fn series_mismatches(declared_model: &str, declared: &[ModelEntry], registered: &[ModelEntry]) -> Vec<Text> {
    let mut failures: Vec<Text> = identifiers::check_series(declared_model, declared)
        .into_iter()
        .map(|p| Text::new(format!("declared models: {}", p.en), format!("宣言書の型番: {}", p.ja)))
        .collect();
    let gtin_key = |entry: &ModelEntry| {
        entry
            .gtin
            .as_deref()
            .filter(|g| !g.trim().is_empty())
            .map(|g| Gtin::parse(g).map(|g| g.key()).unwrap_or_default())
    };
    let keyed = |models: &[ModelEntry]| -> BTreeMap<String, (String, Option<String>)> {
        models.iter().map(|m| (model_key(&m.model), (m.model.trim().to_owned(), gtin_key(m)))).collect()
    };
    let declared = keyed(&identifiers::series_models(declared_model, declared));
    let registered = keyed(registered);
    let missing: Vec<&str> = registered
        .iter()
        .filter(|(key, _)| !declared.contains_key(*key))
        .map(|(_, (model, _))| model.as_str())
        .collect();
    let extra: Vec<&str> = declared
        .iter()
        .filter(|(key, _)| !registered.contains_key(*key))
        .map(|(_, (model, _))| model.as_str())
        .collect();
    if !missing.is_empty() {
        failures.push(Text::new(
            format!("the declaration does not cover the registered models {}", missing.join(", ")),
            format!("登録された型番 {} が宣言書にありません", missing.join("、")),
        ));
    }
    if !extra.is_empty() {
        failures.push(Text::new(
            format!("the declaration covers models not registered for this product: {}", extra.join(", ")),
            format!("宣言書にこの製品に登録されていない型番があります: {}", extra.join("、")),
        ));
    }
    for (key, (model, gtin)) in &declared {
        if let Some((_, registered_gtin)) = registered.get(key)
            && gtin != registered_gtin
        {
            failures.push(Text::new(
                format!("model {model}: the declaration's GTIN differs from the registered one"),
                format!("型番 {model}: 宣言書の GTIN が登録内容と異なります"),
            ));
        }
    }
    failures
}
