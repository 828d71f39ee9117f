//! OSCAL 1.2.3 assessment results for a declaration: the same verdicts, answers and evidence in the
//! model that compliance tools read.
//!
//! Why this file is long: the mapping of a declaration onto OSCAL assessment results is one
//! deterministic function, and the list below is its reference.
//!
//! Control IDs are the criteria crate's ([`tekigo_criteria::oscal::control_id`]), so the results
//! point into the catalogs and profiles of `tekigo criteria export oscal`. The output is a pure
//! function of the declaration: every UUID is a version 5 UUID of the declaration's ID and a stable
//! name, so writing the same declaration twice gives the same bytes.
//!
//! How the declaration maps onto OSCAL:
//!
//! - `metadata`: the vendor organisation and the declarant (a person, a member of it) as parties,
//!   with the roles `vendor` and `declarant`; `last-modified` and `version` are the issue time.
//! - `import-ap`: the assessment plan issued with the declaration, [`ASSESSMENT_PLAN_FILE`]
//!   ([`assessment_plan`]): the level's controls and objectives, the product as the subject,
//!   tekigo as the platform. OSCAL's plan must import a system security plan; a product has none,
//!   so its `import-ssp` points at a back-matter resource naming the declaration, which describes
//!   the product.
//! - one `result`: the product as a component, tekigo and its tools as assessment assets, the
//!   declarant's statement as an attestation, an observation per evaluation item answer (EXAMINE
//!   for a document item, TEST for a device item; its `objective-id` property names the item's
//!   sub-objective, `s1.1-01_obj.1`) and a finding per requirement, targeting the control's
//!   assessment objective (`s1.1-01_obj`). The level's known-vulnerability rule is the catalog's
//!   control `vulnerability-rule`, with the target [`VULNERABILITY_RULE_TARGET`].
//! - Every control and objective ID is one of the catalogs `tekigo criteria export --format oscal`
//!   writes, and every file `href` names a file of the declaration folder: the level's profile and
//!   the catalogs it imports are issued with the declaration (in English), byte for byte as the
//!   export writes them ([`criteria_documents`]).
//!   An observation's `relevant-evidence` gives a page's URL as its `href`, and a file or a
//!   reference in words by its description, with the file's SHA-256 in its properties.
//! - `back-matter`: the profile, every evidence record (cited or not; the observations link
//!   to them) and the files issued with the declaration, with their hashes.
//!
//! tekigo's own properties are in the criteria export's namespace, [`NS`].

use serde_json::{Value, json};
use tekigo_base::{Lang, Text};
use tekigo_criteria::oscal::{
    self as criteria_oscal, NS, OSCAL_VERSION, VULNERABILITY_RULE_CONTROL, item_objective_id, objective_id,
    profile_file_name, result_control_id as control_id,
};
use tekigo_criteria::{Catalog, ItemsRule, Method};
use uuid::Uuid;

use crate::declaration::{
    Answer, DecidedBy, Declaration, DeclarationKind, EvidenceKind, EvidenceRecord, ItemResult, RequirementResult,
    Verdict, VulnerabilityResult,
};

/// The finding target of the level's known-vulnerability rule (SCHEME §2): the objective of the
/// catalog's control [`VULNERABILITY_RULE_CONTROL`].
pub const VULNERABILITY_RULE_TARGET: &str = "vulnerability-rule_obj";

/// The assessment plan's file in a declaration folder, which the assessment results import.
pub const ASSESSMENT_PLAN_FILE: &str = "assessment-plan.json";
/// The declaration's own file, which the plan names as the description of the system.
const DECLARATION_FILE: &str = "declaration.json";

/// An OSCAL `assessment-results` document for the declaration, with the text a person reads in
/// `lang`. It is valid against the OSCAL 1.2.3 JSON schema for any declaration the reader accepts.
pub fn assessment_results(declaration: &Declaration, lang: Lang) -> Value {
    let mut document = Writer::new(declaration, lang).document();
    tidy(&mut document);
    document
}

/// The OSCAL `assessment-plan` the assessment results import: what is assessed (the level's
/// controls and all their objectives), on what (the product), by what (tekigo and its tools).
/// Valid against the OSCAL 1.2.3 JSON schema for any declaration the reader accepts.
pub fn assessment_plan(declaration: &Declaration, lang: Lang) -> Value {
    let mut document = Writer::new(declaration, lang).plan();
    tidy(&mut document);
    document
}

/// The criteria a declaration is assessed against, as `tekigo criteria export --format oscal`
/// writes them in `lang`: the level's profile and every catalog it imports, each with its file
/// name. Empty when the catalog no longer has the declaration's scheme or level.
pub fn criteria_documents(declaration: &Declaration, catalog: &Catalog, lang: Lang) -> Vec<criteria_oscal::Document> {
    let Ok(scheme) = catalog.scheme(&declaration.scheme.id) else { return Vec::new() };
    let level = if scheme.levels.is_empty() {
        (declaration.scheme.level == tekigo_criteria::ALL_LEVEL).then(|| scheme.implicit_level())
    } else {
        scheme
            .level_for(&declaration.scheme.level, declaration.product.product_type.as_deref())
            .ok()
            .map(std::borrow::Cow::into_owned)
    };
    let Some(profile) = level.and_then(|level| criteria_oscal::export_profile(scheme, &level, lang)) else {
        return Vec::new();
    };
    let catalogs: Vec<criteria_oscal::Document> = profile.json["profile"]["imports"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|import| import["href"].as_str())
        .filter_map(|href| {
            catalog.schemes.iter().find(|s| format!("./{}", criteria_oscal::catalog_file_name(&s.id)) == href)
        })
        .map(|scheme| criteria_oscal::export_catalog(scheme, lang))
        .collect();
    std::iter::once(profile).chain(catalogs).collect()
}

/// OSCAL has no nulls and no empty arrays: the document is written with a null for what is absent
/// and then tidied, dropping nulls and then the arrays and members left empty, and keeping the
/// order of the rest.
fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.values_mut().for_each(tidy);
            map.retain(|_, v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
        }
        Value::Array(list) => {
            list.retain(|v| !v.is_null());
            list.iter_mut().for_each(tidy);
        }
        _ => {}
    }
}

/// The text in the language of the output.
fn tr(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// A value for an OSCAL string field: one line, trimmed, not empty (OSCAL's `StringDatatype` and
/// `MarkupLineDatatype`). Runs of whitespace, line breaks included, become one space.
fn line(text: &str) -> Option<String> {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// A property in tekigo's namespace; None when the value is blank.
fn prop(name: &str, value: &str) -> Option<Value> {
    line(value).map(|value| json!({ "name": name, "ns": NS, "value": value }))
}

/// OSCAL's own `label` property: the ID as the scheme prints it.
fn label(value: &str) -> Option<Value> {
    line(value).map(|value| json!({ "name": "label", "value": value }))
}

/// The values that are there (properties that have a value, parties that are named).
fn present(values: impl IntoIterator<Item = Option<Value>>) -> Vec<Value> {
    values.into_iter().flatten().collect()
}

/// A file name as a relative URI reference, every byte but RFC 3986's unreserved ones
/// percent-encoded.
fn file_href(name: &str) -> String {
    let mut href = String::from("./");
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            href.push(char::from(byte));
        } else {
            href.push_str(&format!("%{byte:02X}"));
        }
    }
    href
}

/// Whether a URL can stand as an OSCAL `href` (an RFC 3986 URI reference) as it is.
fn is_plain_url(url: &str) -> bool {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|rest| !rest.is_empty()) && url.chars().all(|c| c.is_ascii_graphic() && !"\"<>\\^`{|}".contains(c))
}

/// The timestamp in UTC, as OSCAL's `DateTimeWithTimezoneDatatype` takes it. One that does not
/// parse is kept as it is (refusing it is the declaration reader's business).
fn timestamp(rfc3339: &str) -> String {
    rfc3339.parse::<jiff::Timestamp>().map_or_else(|_| rfc3339.to_owned(), |t| t.to_string())
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Conformant => "conformant",
        Verdict::NotConformant => "not-conformant",
        Verdict::NotApplicable => "not-applicable",
        Verdict::Pending => "pending",
    }
}

fn answer_name(answer: Answer) -> &'static str {
    match answer {
        Answer::Pending => "pending",
        Answer::Yes => "yes",
        Answer::No => "no",
        Answer::NotApplicable => "not-applicable",
    }
}

fn decided_by_name(decided_by: DecidedBy) -> &'static str {
    match decided_by {
        DecidedBy::Person => "person",
        DecidedBy::Probe => "probe",
        DecidedBy::SbomCheck => "sbom-check",
        DecidedBy::Mapping => "mapping",
        DecidedBy::Recognition => "recognition",
    }
}

fn method_key(method: Method) -> &'static str {
    match method {
        Method::Document => "document",
        Method::Device => "device",
        Method::BinaryAnalysis => "binary-analysis",
        Method::PenetrationTest => "penetration-test",
    }
}

fn evidence_kind_name(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::File => "file",
        EvidenceKind::Url => "url",
        EvidenceKind::Reference => "reference",
        EvidenceKind::Probe => "probe",
        EvidenceKind::SbomCheck => "sbom-check",
        EvidenceKind::Sbom => "sbom",
        EvidenceKind::BinaryAnalysis => "binary-analysis",
        EvidenceKind::PenetrationTest => "penetration-test",
    }
}

/// A finding's state and reason for a verdict. Not applicable counts towards conformity, as in the
/// declaration's outcome, so it is satisfied; pending is not (yet).
fn state(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Conformant => ("satisfied", "pass"),
        Verdict::NotConformant => ("not-satisfied", "fail"),
        Verdict::NotApplicable => ("satisfied", "not-applicable"),
        Verdict::Pending => ("not-satisfied", "pending"),
    }
}

/// What a finding on the requirement targets in the exported catalog: the control's assessment
/// objective, which every control has.
fn finding_target(requirement: &RequirementResult) -> (&'static str, String) {
    ("objective-id", objective_id(&control_id(&requirement.id)))
}

struct Writer<'a> {
    declaration: &'a Declaration,
    lang: Lang,
    namespace: Uuid,
}

impl<'a> Writer<'a> {
    fn new(declaration: &'a Declaration, lang: Lang) -> Self {
        // The criteria export's namespace, then the declaration: the same declaration always gets
        // the same UUIDs, and two declarations never share one.
        let tekigo = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:tekigo:oscal");
        let namespace = Uuid::new_v5(&tekigo, format!("declaration:{}", declaration.id).as_bytes());
        Writer { declaration, lang, namespace }
    }

    /// The UUID of a subject of the declaration. A subject has the same UUID in both languages;
    /// only the documents' own UUIDs differ.
    fn uuid(&self, name: &str) -> String {
        Uuid::new_v5(&self.namespace, name.as_bytes()).to_string()
    }

    fn text<'t>(&self, text: &'t Text) -> &'t str {
        text.get(self.lang)
    }

    fn issued(&self) -> String {
        timestamp(&self.declaration.issued)
    }

    fn document(&self) -> Value {
        json!({
            "assessment-results": {
                "uuid": self.uuid(&format!("assessment-results:{}", self.lang.code())),
                "metadata": self.metadata(),
                "import-ap": { "href": file_href(ASSESSMENT_PLAN_FILE) },
                "results": [self.result()],
                "back-matter": { "resources": self.resources() },
            }
        })
    }

    // -----------------------------------------------------------------------------------------
    // The assessment plan.

    fn plan(&self) -> Value {
        let lang = self.lang;
        let title = match lang {
            Lang::En => format!("Assessment plan: {} — {}", self.product_name(), self.scheme_title()),
            Lang::Ja => format!("評価計画：{}（{}）", self.product_name(), self.scheme_title()),
        };
        let method = match self.declaration.kind {
            DeclarationKind::SelfDeclaration => tr(
                lang,
                "Self-assessment by the vendor: each evaluation item is answered yes, no or not applicable, a yes \
                 with its evidence (documents, published pages, tekigo probe reports of the real device, tekigo \
                 sbom check reports of its SBOM); tekigo decides each requirement from its items and the level's \
                 known-vulnerability rule from the SBOM check.",
                "製造事業者等による自己評価。各評価項目に「はい」「いいえ」「該当なし」で回答し、「はい」には証拠\
                 （文書、公開ページ、実機に対する tekigo probe のレポート、SBOM に対する tekigo sbom check のレポート）\
                 を添える。tekigo が評価項目から各要件を、SBOM の検査からレベルの既知脆弱性の規則を判定する。",
            ),
            DeclarationKind::DerivedStatement => tr(
                lang,
                "Derived from a self-assessment against another scheme: each requirement is decided through the \
                 catalog's mappings from the verdicts of that assessment; what no mapping covers stays to be \
                 evaluated.",
                "他制度に対する自己評価から導出する。各要件は、その評価の判定からカタログの対応付けによって決まる。\
                 対応付けのない要件は評価待ちのまま残る。",
            ),
            DeclarationKind::ThirdPartyEvaluation => tr(
                lang,
                "Evaluation by an accredited lab (the assessor): the lab records a result for every evaluation item \
                 with its evidence, each file fixed by its SHA-256: documents it examined, tekigo probe reports of \
                 the real device, tekigo sbom check reports of the SBOM, its binary-analysis and penetration-test \
                 reports. The activities and tasks below say which controls each method covers.",
                "認定を受けた評価機関（評価者）による評価。評価機関はすべての評価項目の結果を証拠とともに記録し、\
                 各ファイルを SHA-256 で固定する（確認した文書、実機に対する tekigo probe のレポート、SBOM に対する \
                 tekigo sbom check のレポート、バイナリ解析とペネトレーションテストの報告書）。以下の活動と作業が、\
                 各評価方法の対象となる管理策を示す。",
            ),
        };
        let (activities, tasks) = self.activities_and_tasks();
        json!({
            "assessment-plan": {
                "uuid": self.uuid(&format!("assessment-plan:{}", lang.code())),
                "metadata": self.metadata_titled(&title),
                "import-ssp": {
                    "href": format!("#{}", self.system_uuid()),
                    "remarks": tr(lang,
                        "A product has no system security plan: the declaration, named in the back-matter resource \
                         this points at, describes the product, its vendor and its support.",
                        "製品にはシステムセキュリティ計画がない。参照先のバックマターの資源が示す宣言が、製品、\
                         製造事業者等とそのサポートを記述する。"),
                },
                "local-definitions": {
                    "components": [self.product_component()],
                    "activities": activities,
                },
                "terms-and-conditions": {
                    "parts": [{
                        "uuid": self.uuid("plan:method"),
                        "name": "method",
                        "title": tr(lang, "Method", "評価方法"),
                        "prose": method,
                    }],
                },
                "reviewed-controls": {
                    "control-selections": self.reviewed_controls()["control-selections"],
                    "control-objective-selections": [{ "include-all": {} }],
                    "links": [{ "href": format!("#{}", self.profile_uuid()), "rel": "reference" }],
                },
                "assessment-subjects": [{
                    "type": "component",
                    "include-subjects": [{ "subject-uuid": self.product_uuid(), "type": "component" }],
                }],
                "assessment-assets": self.assessment_assets(),
                "tasks": tasks,
                "back-matter": { "resources": [self.system_resource(), self.profile_resource()] },
            }
        })
    }

    /// For a lab's evaluation, what will be done, how and with which tools: one activity per
    /// evaluation method the level's items use (and the SBOM check for the known-vulnerability
    /// rule), each naming the controls it covers, and one task per activity for the assessor on
    /// the product. Empty for a self-declaration, whose method is the declarant's answers.
    fn activities_and_tasks(&self) -> (Vec<Value>, Vec<Value>) {
        if self.declaration.kind != DeclarationKind::ThirdPartyEvaluation {
            return (Vec::new(), Vec::new());
        }
        let lang = self.lang;
        let methods = [
            (
                Method::Document,
                tr(lang, "Document review", "文書の確認"),
                tr(
                    lang,
                    "Examine the vendor's documents and published pages for each document item.",
                    "文書による評価項目ごとに、製造事業者等の文書と公開ページを確認する。",
                ),
            ),
            (
                Method::Device,
                tr(lang, "Device test", "実機試験"),
                tr(
                    lang,
                    "Test the real device over the network with tekigo probe (bounded rate and attempts) and keep its JSON report.",
                    "tekigo probe（速度と試行回数に上限あり）で実機をネットワーク越しに試験し、JSON レポートを保存する。",
                ),
            ),
            (
                Method::BinaryAnalysis,
                tr(lang, "Binary analysis", "バイナリ解析"),
                tr(
                    lang,
                    "Analyse the firmware image (components, versions, hard-coded secrets, hardening) and keep the report.",
                    "ファームウェアイメージを解析し（構成要素、バージョン、埋め込まれた秘密情報、堅牢化）、報告書を保存する。",
                ),
            ),
            (
                Method::PenetrationTest,
                tr(lang, "Penetration test", "ペネトレーションテスト"),
                tr(
                    lang,
                    "Attack the device's interfaces as a skilled attacker would, within the agreed scope, and keep the report.",
                    "合意した範囲で、熟練した攻撃者と同様に機器のインターフェースを攻撃し、報告書を保存する。",
                ),
            ),
        ];
        let mut activities = Vec::new();
        let mut tasks = Vec::new();
        let mut add = |key: &str, title: &str, description: &str, controls: Vec<String>| {
            let activity_uuid = self.uuid(&format!("activity:{key}"));
            activities.push(json!({
                "uuid": activity_uuid,
                "title": title,
                "description": description,
                "props": present([prop("evaluation-method", key)]),
                "related-controls": {
                    "control-selections": [{
                        "include-controls": controls.iter().map(|id| json!({ "control-id": id })).collect::<Vec<_>>(),
                    }],
                },
                "responsible-roles": [{ "role-id": "assessor" }],
            }));
            tasks.push(json!({
                "uuid": self.uuid(&format!("task:{key}")),
                "type": "action",
                "title": title,
                "associated-activities": [{
                    "activity-uuid": activity_uuid,
                    "subjects": [{
                        "type": "component",
                        "include-subjects": [{ "subject-uuid": self.product_uuid(), "type": "component" }],
                    }],
                }],
                "responsible-roles": [{ "role-id": "assessor" }],
            }));
        };
        for (method, title, description) in methods {
            let controls: Vec<String> = self
                .declaration
                .requirements
                .iter()
                .filter(|r| r.items.iter().any(|i| i.method == method))
                .map(|r| control_id(&r.id))
                .collect();
            if !controls.is_empty() {
                add(method_key(method), title, description, controls);
            }
        }
        if self.declaration.vulnerabilities.is_some() {
            add(
                "sbom-check",
                tr(lang, "Known-vulnerability check", "既知の脆弱性の検査"),
                tr(
                    lang,
                    "Check the product's SBOM with tekigo sbom check at the level's CVSS threshold and keep its JSON report.",
                    "レベルの CVSS しきい値で製品の SBOM を tekigo sbom check により検査し、JSON レポートを保存する。",
                ),
                vec![VULNERABILITY_RULE_CONTROL.to_owned()],
            );
        }
        (activities, tasks)
    }

    /// What the plan's `import-ssp` points at: the declaration, which describes the product.
    fn system_resource(&self) -> Value {
        let lang = self.lang;
        json!({
            "uuid": self.system_uuid(),
            "title": line(&match lang {
                Lang::En => format!("Declaration for {}", self.product_name()),
                Lang::Ja => format!("{} の宣言", self.product_name()),
            }),
            "description": tr(lang,
                "The signed declaration (format tekigo-declaration/1) this plan is issued with: the product, its \
                 vendor, support period and vulnerability contact, and the declarant.",
                "この計画とともに発行する署名済みの宣言（形式 tekigo-declaration/1）。製品、製造事業者等、サポート\
                 期間、脆弱性の連絡先、宣言者を記す。"),
            "props": present([prop("declaration-id", &self.declaration.id)]),
            "rlinks": [{ "href": file_href(DECLARATION_FILE), "media-type": "application/json" }],
        })
    }

    fn scheme_title(&self) -> String {
        let scheme = &self.declaration.scheme;
        format!("{} {}", self.text(&scheme.title), self.text(&scheme.level_name))
    }

    fn kind_label(&self) -> &'static str {
        match self.declaration.kind {
            DeclarationKind::SelfDeclaration => tr(self.lang, "Self-declaration of conformity", "適合自己宣言"),
            DeclarationKind::DerivedStatement => tr(self.lang, "Derived statement", "導出ステートメント"),
            DeclarationKind::ThirdPartyEvaluation => tr(self.lang, "Third-party evaluation report", "第三者評価報告書"),
        }
    }

    fn product_name(&self) -> String {
        line(&self.declaration.product.name).unwrap_or_else(|| tr(self.lang, "Product", "製品").to_owned())
    }

    // -----------------------------------------------------------------------------------------
    // Metadata: who declares.

    fn metadata(&self) -> Value {
        let title = match self.lang {
            Lang::En => format!("{}: {} — {}", self.kind_label(), self.product_name(), self.scheme_title()),
            Lang::Ja => format!("{}：{}（{}）", self.kind_label(), self.product_name(), self.scheme_title()),
        };
        self.metadata_titled(&title)
    }

    fn metadata_titled(&self, title: &str) -> Value {
        let declaration = self.declaration;
        let scheme = &declaration.scheme;
        let kind = declaration.kind.name();
        let against = declaration.assessed_against.as_ref();
        json!({
            "title": line(title),
            "last-modified": self.issued(),
            // A declaration is never revised (a new issue is a new declaration), so its issue
            // time is its version.
            "version": self.issued(),
            "oscal-version": OSCAL_VERSION,
            "props": present([
                prop("declaration-id", &declaration.id),
                prop("declaration-format", &declaration.format),
                prop("declaration-kind", kind),
                prop("scheme", &scheme.id),
                prop("scheme-version", &scheme.version),
                prop("level", &scheme.level),
                against.and_then(|a| prop("assessed-against", &a.selector())),
                against.and_then(|a| prop("assessed-against-version", &a.version)),
                prop("language", self.lang.code()),
            ]),
            "roles": self.roles(),
            "parties": self.parties(),
            "responsible-parties": [
                self.vendor_name().map(|_| json!({ "role-id": "vendor", "party-uuids": [self.vendor_uuid()] })),
                Some(json!({ "role-id": "declarant", "party-uuids": [self.declarant_uuid()] })),
                self.declaration.evaluator.as_ref().map(|_| json!({ "role-id": "assessor", "party-uuids": [self.assessor_uuid()] })),
            ],
        })
    }

    fn vendor_uuid(&self) -> String {
        self.uuid("party:vendor")
    }

    fn declarant_organisation_uuid(&self) -> String {
        self.uuid("party:declarant-organisation")
    }

    fn declarant_uuid(&self) -> String {
        self.uuid("party:declarant")
    }

    /// The product's vendor, or the declarant's organisation when the product names none.
    fn vendor_name(&self) -> Option<String> {
        line(&self.declaration.product.vendor).or_else(|| line(&self.declaration.declarant.organisation))
    }

    /// The declarant's organisation when it is not the vendor (an importer, say).
    fn other_organisation(&self) -> Option<String> {
        let organisation = line(&self.declaration.declarant.organisation)?;
        (Some(&organisation) != self.vendor_name().as_ref()).then_some(organisation)
    }

    fn roles(&self) -> Vec<Value> {
        let lang = self.lang;
        present([
            self.vendor_name().map(|_| {
                json!({
                    "id": "vendor",
                    "title": tr(lang, "Vendor", "製造事業者等"),
                    "description": tr(lang,
                        "The maker or supplier of the product, responsible for it.",
                        "製品を製造または供給し、製品に責任を負う事業者。"),
                })
            }),
            Some(json!({
                "id": "declarant",
                "title": tr(lang, "Declarant", "宣言者"),
                "description": tr(lang,
                    "The person who gave or checked the answers and signs the declaration.",
                    "回答を行いまたは確認し、宣言に署名する者。"),
            })),
            self.declaration.evaluator.as_ref().map(|_| {
                json!({
                    "id": "assessor",
                    "title": tr(lang, "Assessor", "評価者"),
                    "description": tr(lang,
                        "The skilled evaluator or accredited lab that evaluated the product and co-signs.",
                        "製品を評価し連署する、スキル要件を満たす評価者または認定を受けた評価機関。"),
                })
            }),
        ])
    }

    fn parties(&self) -> Vec<Value> {
        let product = &self.declaration.product;
        let declarant = &self.declaration.declarant;
        let vendor = self.vendor_name().map(|name| {
            json!({
                "uuid": self.vendor_uuid(),
                "type": "organization",
                "name": name,
                "addresses": product.vendor_address.as_deref().and_then(line).map(|a| json!([{ "addr-lines": [a] }])),
            })
        });
        let other = self
            .other_organisation()
            .map(|name| json!({ "uuid": self.declarant_organisation_uuid(), "type": "organization", "name": name }));
        let member_of = if other.is_some() {
            Some(self.declarant_organisation_uuid())
        } else {
            line(&declarant.organisation).map(|_| self.vendor_uuid())
        };
        let person = json!({
            "uuid": self.declarant_uuid(),
            "type": "person",
            "name": line(&declarant.name),
            // OSCAL's own property for a person's function.
            "props": [line(&declarant.role).map(|role| json!({ "name": "job-title", "value": role }))],
            "member-of-organizations": [member_of],
        });
        let (lab, evaluator) = match &self.declaration.evaluator {
            Some(evaluator) => (
                Some(json!({
                    "uuid": self.uuid("party:assessor-organisation"),
                    "type": "organization",
                    "name": line(&evaluator.organisation),
                    "props": present([
                        evaluator.accreditation.as_ref().and_then(|a| prop("accreditation-body", &a.body)),
                        evaluator.accreditation.as_ref().and_then(|a| prop("accreditation-number", &a.number)),
                    ]),
                })),
                Some(json!({
                    "uuid": self.assessor_uuid(),
                    "type": "person",
                    "name": line(&evaluator.name),
                    "props": present([prop("key-id", &evaluator.key_id)]),
                    "member-of-organizations": [self.uuid("party:assessor-organisation")],
                })),
            ),
            None => (None, None),
        };
        present([vendor, other, Some(person), lab, evaluator])
    }

    fn assessor_uuid(&self) -> String {
        self.uuid("party:assessor")
    }

    // -----------------------------------------------------------------------------------------
    // The result: what was assessed, by whom, and the verdicts.

    fn product_uuid(&self) -> String {
        self.uuid("component:product")
    }

    fn platform_uuid(&self) -> String {
        self.uuid("assessment-platform:tekigo")
    }

    fn tool_uuid(&self, decided_by: DecidedBy) -> String {
        self.uuid(&format!("tool:{}", decided_by_name(decided_by)))
    }

    fn result(&self) -> Value {
        let declaration = self.declaration;
        let lang = self.lang;
        let counts = &declaration.outcome.counts;
        let description = match lang {
            Lang::En => format!(
                "{} of {} against {}, criteria version {}: {} conformant, {} not conformant, {} not applicable, \
                 {} pending. {}",
                self.kind_label(),
                self.product_name(),
                self.scheme_title(),
                declaration.scheme.version,
                counts.conformant,
                counts.not_conformant,
                counts.not_applicable,
                counts.pending,
                if declaration.outcome.conformant {
                    "The product conforms."
                } else {
                    "The product does not (yet) conform."
                },
            ),
            Lang::Ja => format!(
                "{}の{}（適合基準 {} 版）に対する{}：適合 {}、不適合 {}、該当なし {}、未評価 {}。{}",
                self.product_name(),
                self.scheme_title(),
                declaration.scheme.version,
                self.kind_label(),
                counts.conformant,
                counts.not_conformant,
                counts.not_applicable,
                counts.pending,
                if declaration.outcome.conformant {
                    "製品は適合している。"
                } else {
                    "製品は（まだ）適合していない。"
                },
            ),
        };
        let remarks = declaration.assessed_against.as_ref().map(|against| match lang {
            Lang::En => format!(
                "Derived through the catalog's mappings from the answers given for {} {} (criteria version {}). \
                 Each finding's `covered-by` properties name the answered requirements it rests on.",
                against.title.en, against.level_name.en, against.version
            ),
            Lang::Ja => format!(
                "{} {}（適合基準 {} 版）への回答から、カタログの対応付けにより導出した。\
                 各所見の `covered-by` プロパティが、根拠とした回答済みの要件を示す。",
                against.title.ja, against.level_name.ja, against.version
            ),
        });
        let mut observations: Vec<Value> = declaration
            .requirements
            .iter()
            .flat_map(|r| r.items.iter().map(move |item| self.item_observation(r, item)))
            .collect();
        let mut findings: Vec<Value> = declaration.requirements.iter().map(|r| self.finding(r)).collect();
        if let Some(vulnerabilities) = &declaration.vulnerabilities {
            observations.push(self.vulnerability_observation(vulnerabilities));
            findings.push(self.vulnerability_finding(vulnerabilities));
        }
        json!({
            "uuid": self.uuid("result"),
            "title": line(&format!("{} — {}", self.kind_label(), self.product_name())),
            "description": description,
            "start": self.issued(),
            "end": self.issued(),
            "props": present([
                prop("conformant", if declaration.outcome.conformant { "true" } else { "false" }),
                prop("count-conformant", &counts.conformant.to_string()),
                prop("count-not-conformant", &counts.not_conformant.to_string()),
                prop("count-not-applicable", &counts.not_applicable.to_string()),
                prop("count-pending", &counts.pending.to_string()),
            ]),
            "local-definitions": {
                "components": [self.product_component()],
                "assessment-assets": self.assessment_assets(),
            },
            "reviewed-controls": self.reviewed_controls(),
            "attestations": [{
                "responsible-parties": [{ "role-id": "declarant", "party-uuids": [self.declarant_uuid()] }],
                "parts": [{
                    "uuid": self.uuid("attestation:statement"),
                    "name": "statement",
                    "ns": NS,
                    "title": tr(lang, "Declaration", "宣言"),
                    "prose": self.text(&declaration.statement),
                }],
            }],
            "observations": observations,
            "findings": findings,
            "remarks": remarks,
        })
    }

    fn product_component(&self) -> Value {
        let product = &self.declaration.product;
        let lang = self.lang;
        let firmware =
            line(&product.firmware_version).map(|v| format!("{} {v}", tr(lang, "firmware", "ファームウェア")));
        let model = [line(&product.model), firmware].into_iter().flatten().collect::<Vec<_>>().join(", ");
        let description = match (self.vendor_name(), model.is_empty()) {
            (Some(vendor), false) => format!("{vendor}: {model}"),
            (Some(vendor), true) => vendor,
            (None, false) => model,
            (None, true) => tr(lang, "The product declared.", "宣言の対象製品。").to_owned(),
        };
        json!({
            "uuid": self.product_uuid(),
            "type": "this-system",
            "title": self.product_name(),
            "description": description,
            "props": present([
                prop("vendor", &product.vendor),
                prop("model", &product.model),
                prop("firmware-version", &product.firmware_version),
                product.product_type.as_deref().and_then(|t| prop("product-type", t)),
                prop("support-end", &product.support_end),
                prop("vulnerability-contact", &product.vulnerability_contact),
            ]),
            "status": { "state": "operational" },
        })
    }

    /// tekigo as the assessment platform, with the tools whose reports decided something.
    fn assessment_assets(&self) -> Value {
        let lang = self.lang;
        let declaration = self.declaration;
        let used: Vec<DecidedBy> = declaration
            .requirements
            .iter()
            .flat_map(|r| r.items.iter().map(|i| i.decided_by))
            .chain(declaration.vulnerabilities.iter().map(|v| v.decided_by))
            .collect();
        let tools = [
            (
                DecidedBy::Probe,
                "tekigo probe",
                tr(
                    lang,
                    "Network checks of the real device; its JSON report is imported as evidence.",
                    "実機へのネットワーク検査。JSON レポートを証拠として取り込む。",
                ),
            ),
            (
                DecidedBy::SbomCheck,
                "tekigo sbom check",
                tr(
                    lang,
                    "Known-vulnerability check of the product's SBOM; its JSON report is imported as evidence.",
                    "製品の SBOM の既知脆弱性検査。JSON レポートを証拠として取り込む。",
                ),
            ),
        ];
        let components: Vec<Value> = tools
            .into_iter()
            .filter(|(tool, _, _)| used.contains(tool))
            .map(|(tool, title, description)| {
                json!({
                    "uuid": self.tool_uuid(tool),
                    "type": "software",
                    "title": title,
                    "description": description,
                    "status": { "state": "operational" },
                })
            })
            .collect();
        json!({
            "components": components,
            "assessment-platforms": [{
                "uuid": self.platform_uuid(),
                "title": "tekigo",
                "uses-components": components.iter().map(|c| json!({ "component-uuid": c["uuid"] })).collect::<Vec<_>>(),
            }],
        })
    }

    fn reviewed_controls(&self) -> Value {
        let controls: Vec<Value> = self
            .declaration
            .requirements
            .iter()
            .map(|r| control_id(&r.id))
            .chain(self.declaration.vulnerabilities.iter().map(|_| VULNERABILITY_RULE_CONTROL.to_owned()))
            .map(|id| json!({ "control-id": id }))
            .collect();
        let selection = if controls.is_empty() {
            // OSCAL cannot select nothing; with no requirements, the level's profile is the selection.
            json!({ "include-all": {} })
        } else {
            json!({ "include-controls": controls })
        };
        json!({ "control-selections": [selection] })
    }

    /// Who decided: the declarant, one of tekigo's tools, or tekigo itself carrying an answer over
    /// through a mapping.
    fn origin(&self, decided_by: DecidedBy) -> Value {
        let actor = match decided_by {
            DecidedBy::Person if self.declaration.kind == DeclarationKind::ThirdPartyEvaluation => {
                json!({ "type": "party", "actor-uuid": self.assessor_uuid(), "role-id": "assessor" })
            }
            DecidedBy::Person => {
                json!({ "type": "party", "actor-uuid": self.declarant_uuid(), "role-id": "declarant" })
            }
            DecidedBy::Probe | DecidedBy::SbomCheck => {
                json!({ "type": "tool", "actor-uuid": self.tool_uuid(decided_by) })
            }
            DecidedBy::Mapping | DecidedBy::Recognition => {
                json!({ "type": "assessment-platform", "actor-uuid": self.platform_uuid() })
            }
        };
        json!({ "actors": [actor] })
    }

    // -----------------------------------------------------------------------------------------
    // Observations: the answers.

    fn item_observation_uuid(&self, requirement: &RequirementResult, item: &ItemResult) -> String {
        self.uuid(&format!("observation:{}:{}", requirement.id, item.id))
    }

    fn vulnerability_observation_uuid(&self) -> String {
        self.uuid("observation:vulnerabilities")
    }

    fn item_observation(&self, requirement: &RequirementResult, item: &ItemResult) -> Value {
        let lang = self.lang;
        let method = method_key(item.method);
        let oscal_method = criteria_oscal::oscal_method(item.method);
        let title = match lang {
            Lang::En => format!("{} item {}: {}", requirement.id, item.id, item.answer.label().en),
            Lang::Ja => format!("{} 評価項目 {}：{}", requirement.id, item.id, item.answer.label().ja),
        };
        let remarks: Vec<String> = [
            item.note.as_deref().and_then(line).map(|note| format!("{}{note}", tr(lang, "Note: ", "注記："))),
            item.detail.as_ref().map(|detail| self.text(detail).to_owned()),
        ]
        .into_iter()
        .flatten()
        .collect();
        json!({
            "uuid": self.item_observation_uuid(requirement, item),
            "title": line(&title),
            "description": self.text(&item.text),
            "props": present([
                label(&requirement.id),
                prop("control-id", &control_id(&requirement.id)),
                prop("objective-id", &item_objective_id(&control_id(&requirement.id), &item.id)),
                prop("item", &item.id),
                prop("method", method),
                prop("answer", answer_name(item.answer)),
                prop("decided-by", decided_by_name(item.decided_by)),
            ]),
            "methods": [oscal_method],
            "types": ["control-objective"],
            "origins": [self.origin(item.decided_by)],
            "subjects": [{ "subject-uuid": self.product_uuid(), "type": "component" }],
            "relevant-evidence": self.relevant_evidence(&item.evidence),
            "collected": self.issued(),
            "remarks": (!remarks.is_empty()).then(|| remarks.join("\n\n")),
        })
    }

    fn vulnerability_title(&self, vulnerabilities: &VulnerabilityResult) -> String {
        match self.lang {
            Lang::En => {
                format!("Known exploitable vulnerabilities (CVSS v3 {:.1} or higher)", vulnerabilities.cvss_min)
            }
            Lang::Ja => format!("悪用可能な既知の脆弱性（CVSS v3 {:.1} 以上）", vulnerabilities.cvss_min),
        }
    }

    fn vulnerability_observation(&self, vulnerabilities: &VulnerabilityResult) -> Value {
        let cvss = format!("{:.1}", vulnerabilities.cvss_min);
        let failing = &vulnerabilities.failing;
        let description = match (self.lang, failing.is_empty(), vulnerabilities.components) {
            (Lang::En, true, Some(n)) => format!(
                "None of the {n} components of the SBOM has a known exploitable vulnerability of CVSS v3 base \
                 score {cvss} or higher."
            ),
            (Lang::En, true, None) => {
                format!("No known exploitable vulnerability of CVSS v3 base score {cvss} or higher was found.")
            }
            (Lang::En, false, _) => format!(
                "Known exploitable vulnerabilities of CVSS v3 base score {cvss} or higher: {}.",
                failing.join(", ")
            ),
            (Lang::Ja, true, Some(n)) => {
                format!("SBOM の {n} 個のコンポーネントに、CVSS v3 基本値 {cvss} 以上の悪用可能な既知の脆弱性はない。")
            }
            (Lang::Ja, true, None) => {
                format!("CVSS v3 基本値 {cvss} 以上の悪用可能な既知の脆弱性は見つからなかった。")
            }
            (Lang::Ja, false, _) => {
                format!("CVSS v3 基本値 {cvss} 以上の悪用可能な既知の脆弱性：{}。", failing.join("、"))
            }
        };
        // Checking an SBOM against vulnerability data examines it; only the probe tests.
        let method = match vulnerabilities.decided_by {
            DecidedBy::Probe => "TEST",
            DecidedBy::Person | DecidedBy::SbomCheck | DecidedBy::Mapping | DecidedBy::Recognition => "EXAMINE",
        };
        json!({
            "uuid": self.vulnerability_observation_uuid(),
            "title": self.vulnerability_title(vulnerabilities),
            "description": description,
            "props": present(
                [
                    prop("rule", "vulnerabilities"),
                    prop("cvss-min", &cvss),
                    prop("verdict", verdict_name(vulnerabilities.verdict)),
                    prop("decided-by", decided_by_name(vulnerabilities.decided_by)),
                    vulnerabilities.components.and_then(|n| prop("components", &n.to_string())),
                ]
                .into_iter()
                .chain(failing.iter().map(|id| prop("failing", id))),
            ),
            "methods": [method],
            "origins": [self.origin(vulnerabilities.decided_by)],
            "subjects": [{ "subject-uuid": self.product_uuid(), "type": "component" }],
            "relevant-evidence": self.relevant_evidence(&vulnerabilities.evidence),
            "collected": self.issued(),
        })
    }

    /// The evidence an answer cites: a public page by its URL; a file by its name and SHA-256 (it
    /// stays in the assessment folder); a reference in words by its words. Each links to its
    /// back-matter resource.
    fn relevant_evidence(&self, ids: &[String]) -> Vec<Value> {
        ids.iter()
            .map(|id| match self.declaration.evidence.iter().find(|e| e.id == *id) {
                Some(record) => self.evidence(record),
                None => json!({
                    "description": match self.lang {
                        Lang::En => format!("Evidence {id}, not listed in the declaration."),
                        Lang::Ja => format!("証拠 {id}（宣言の証拠一覧にない）。"),
                    },
                    "props": present([prop("evidence-id", id)]),
                }),
            })
            .collect()
    }

    fn evidence_props(&self, record: &EvidenceRecord) -> Vec<Value> {
        present([
            prop("evidence-id", &record.id),
            prop("evidence-kind", evidence_kind_name(record.kind)),
            prop("location", &record.location),
            record.sha256.as_deref().and_then(|h| prop("sha256", h)),
            record.size.and_then(|s| prop("size", &s.to_string())),
            prop("added", &record.added),
        ])
    }

    fn evidence_url<'r>(&self, record: &'r EvidenceRecord) -> Option<&'r str> {
        (record.kind == EvidenceKind::Url && is_plain_url(&record.location)).then_some(record.location.as_str())
    }

    fn evidence(&self, record: &EvidenceRecord) -> Value {
        let lang = self.lang;
        let kind = match record.kind {
            EvidenceKind::File => tr(lang, "document", "文書"),
            EvidenceKind::Url => tr(lang, "web page", "ウェブページ"),
            EvidenceKind::Reference => tr(lang, "reference", "参照"),
            EvidenceKind::Probe => tr(lang, "tekigo probe report", "tekigo probe のレポート"),
            EvidenceKind::SbomCheck => tr(lang, "tekigo sbom check report", "tekigo sbom check のレポート"),
            EvidenceKind::Sbom => "SBOM",
            EvidenceKind::BinaryAnalysis => tr(lang, "binary-analysis report", "バイナリ解析の報告書"),
            EvidenceKind::PenetrationTest => tr(lang, "penetration-test report", "ペネトレーションテストの報告書"),
        };
        let description = match record.description.as_deref().and_then(line) {
            Some(description) => format!("{description} ({kind}: {})", record.location),
            None => format!("{} ({kind})", record.location),
        };
        json!({
            "href": self.evidence_url(record),
            "description": description,
            "props": self.evidence_props(record),
            "links": [{ "href": format!("#{}", self.evidence_uuid(record)), "rel": "reference" }],
        })
    }

    // -----------------------------------------------------------------------------------------
    // Findings: the verdicts.

    /// The status of a finding, with the verdict's reason (why not applicable, what is missing,
    /// what failed) as its remarks.
    fn status(&self, verdict: Verdict, reason: Option<&Text>) -> Value {
        let (state, why) = state(verdict);
        json!({ "state": state, "reason": why, "remarks": reason.map(|r| self.text(r)) })
    }

    fn finding(&self, requirement: &RequirementResult) -> Value {
        let lang = self.lang;
        let (target_type, target_id) = finding_target(requirement);
        let items_rule = match requirement.items_rule {
            ItemsRule::All => "all",
            ItemsRule::Any => "any",
        };
        let description = match lang {
            Lang::En => format!("{}: {}.", self.text(&requirement.title), requirement.verdict.label().en),
            Lang::Ja => format!("{}：{}。", self.text(&requirement.title), requirement.verdict.label().ja),
        };
        json!({
            "uuid": self.uuid(&format!("finding:{}", requirement.id)),
            "title": line(&format!("{} {}", requirement.id, self.text(&requirement.title))),
            "description": description,
            "props": present(
                [label(&requirement.id), prop("verdict", verdict_name(requirement.verdict)), prop("items-rule", items_rule)]
                    .into_iter()
                    .chain(requirement.covered_by.iter().map(|c| prop("covered-by", c))),
            ),
            "target": {
                "type": target_type,
                "target-id": target_id,
                "status": self.status(requirement.verdict, requirement.reason.as_ref()),
            },
            "related-observations": requirement
                .items
                .iter()
                .map(|item| json!({ "observation-uuid": self.item_observation_uuid(requirement, item) }))
                .collect::<Vec<_>>(),
        })
    }

    fn vulnerability_finding(&self, vulnerabilities: &VulnerabilityResult) -> Value {
        let lang = self.lang;
        let title = self.vulnerability_title(vulnerabilities);
        let description = match lang {
            Lang::En => format!("{title}: {}.", vulnerabilities.verdict.label().en),
            Lang::Ja => format!("{title}：{}。", vulnerabilities.verdict.label().ja),
        };
        json!({
            "uuid": self.uuid("finding:vulnerabilities"),
            "title": title,
            "description": description,
            "props": present([
                prop("rule", "vulnerabilities"),
                prop("verdict", verdict_name(vulnerabilities.verdict)),
                prop("cvss-min", &format!("{:.1}", vulnerabilities.cvss_min)),
            ]),
            "target": {
                "type": "objective-id",
                "target-id": VULNERABILITY_RULE_TARGET,
                "status": self.status(vulnerabilities.verdict, vulnerabilities.reason.as_ref()),
                "remarks": tr(lang,
                    "The level's known-vulnerability rule: the catalog's control `vulnerability-rule`, whose \
                     CVSS threshold the level's profile sets.",
                    "レベルの既知脆弱性の規則。カタログの管理策 `vulnerability-rule` であり、CVSS の閾値は\
                     レベルのプロファイルが定める。"),
            },
            "related-observations": [{ "observation-uuid": self.vulnerability_observation_uuid() }],
        })
    }

    // -----------------------------------------------------------------------------------------
    // Back matter: the plan, the evidence, the files issued with the declaration.

    fn profile_uuid(&self) -> String {
        self.uuid("resource:profile")
    }

    fn system_uuid(&self) -> String {
        self.uuid("resource:system")
    }

    /// The level's profile, issued with the declaration.
    fn profile_resource(&self) -> Value {
        let lang = self.lang;
        let scheme = &self.declaration.scheme;
        json!({
            "uuid": self.profile_uuid(),
            "title": line(&match lang {
                Lang::En => format!("Profile of {}", self.scheme_title()),
                Lang::Ja => format!("{} のプロファイル", self.scheme_title()),
            }),
            "description": tr(lang,
                "The level's OSCAL profile, issued with the declaration as `tekigo criteria export --format oscal` \
                 writes it (in English), with the catalogs it imports. It selects the controls; the catalogs give \
                 each control's assessment objectives and methods.",
                "レベルの OSCAL プロファイル。`tekigo criteria export --format oscal` が書き出すもの（英語）を、\
                 それが取り込むカタログとともに宣言に添えて発行する。プロファイルが管理策を選び、カタログが\
                 各管理策の評価目的と評価方法を示す。"),
            "props": present([
                prop("scheme", &scheme.id),
                prop("scheme-version", &scheme.version),
                prop("level", &scheme.level),
            ]),
            "rlinks": [{
                "href": file_href(&profile_file_name(&scheme.id, &scheme.level, scheme.product_type.as_deref())),
                "media-type": "application/oscal.profile+json",
            }],
        })
    }

    fn evidence_uuid(&self, record: &EvidenceRecord) -> String {
        self.uuid(&format!("evidence:{}", record.id))
    }

    fn resources(&self) -> Vec<Value> {
        let lang = self.lang;
        let plan = self.profile_resource();
        // Every evidence record, cited or not: a page with its URL, a file with its hash (the file
        // itself stays in the assessment folder).
        let evidence = self.declaration.evidence.iter().map(|record| {
            json!({
                "uuid": self.evidence_uuid(record),
                "title": record.description.as_deref().and_then(line).or_else(|| line(&record.location))
                    .unwrap_or_else(|| format!("{} {}", tr(lang, "Evidence", "証拠"), record.id)),
                "props": self.evidence_props(record),
                "rlinks": [self.evidence_url(record).map(|href| json!({ "href": href }))],
            })
        });
        let attachments = self.declaration.attachments.iter().map(|attachment| {
            json!({
                "uuid": self.uuid(&format!("attachment:{}", attachment.name)),
                "title": line(&attachment.name),
                "description": tr(lang, "A file issued with the declaration.", "宣言とともに発行したファイル。"),
                "props": present([prop("size", &attachment.size.to_string())]),
                "rlinks": [{
                    "href": file_href(&attachment.name),
                    "media-type": line(&attachment.media_type),
                    "hashes": [line(&attachment.sha256).map(|sha256| json!({ "algorithm": "SHA-256", "value": sha256 }))],
                }],
            })
        });
        std::iter::once(plan).chain(evidence).chain(attachments).collect()
    }
}
