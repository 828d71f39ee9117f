//! Every fixed word of the rendered documents, written once per language. The HTML template and the
//! workbook pick one table by language, so the two languages cannot drift apart in structure.

use tekigo_base::Lang;
use tekigo_criteria::Method;

use crate::declaration::{DecidedBy, EvidenceKind};

pub(crate) struct Labels {
    pub(crate) title_self_declaration: &'static str,
    pub(crate) title_derived_statement: &'static str,
    pub(crate) title_third_party_evaluation: &'static str,
    pub(crate) assessed_against: &'static str,

    pub(crate) section_scheme: &'static str,
    pub(crate) section_product: &'static str,
    pub(crate) section_declarant: &'static str,
    pub(crate) section_evaluator: &'static str,
    pub(crate) evaluator_name: &'static str,
    pub(crate) evaluator_organisation: &'static str,
    pub(crate) evaluator_accreditation: &'static str,
    pub(crate) evaluator_key: &'static str,
    pub(crate) section_statement: &'static str,
    pub(crate) section_outcome: &'static str,
    pub(crate) section_requirements: &'static str,
    pub(crate) section_vulnerabilities: &'static str,
    pub(crate) section_evidence: &'static str,
    pub(crate) section_signature: &'static str,
    pub(crate) section_disclaimer: &'static str,

    pub(crate) scheme: &'static str,
    pub(crate) criteria_version: &'static str,
    pub(crate) criteria_status: &'static str,
    pub(crate) level: &'static str,

    pub(crate) product_name: &'static str,
    pub(crate) vendor: &'static str,
    pub(crate) vendor_address: &'static str,
    pub(crate) model: &'static str,
    pub(crate) firmware_version: &'static str,
    pub(crate) product_type: &'static str,
    pub(crate) support_end: &'static str,
    pub(crate) vulnerability_contact: &'static str,

    pub(crate) declarant: &'static str,
    pub(crate) declarant_name: &'static str,
    pub(crate) declarant_role: &'static str,
    pub(crate) declarant_organisation: &'static str,

    pub(crate) overall_result: &'static str,

    pub(crate) number: &'static str,
    pub(crate) requirement_id: &'static str,
    pub(crate) requirement: &'static str,
    pub(crate) verdict: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) item_id: &'static str,
    pub(crate) item_text: &'static str,
    pub(crate) method: &'static str,
    pub(crate) answer: &'static str,
    pub(crate) decided_by: &'static str,
    pub(crate) evidence: &'static str,
    pub(crate) note: &'static str,
    pub(crate) covered_by: &'static str,
    /// Said under a requirement whose items are alternatives (`items_rule: any`).
    pub(crate) any_item_suffices: &'static str,

    pub(crate) vulnerability_rule: &'static str,
    pub(crate) cvss_threshold: &'static str,
    pub(crate) components_checked: &'static str,
    pub(crate) failing_vulnerabilities: &'static str,
    pub(crate) no_vulnerability_rule: &'static str,

    pub(crate) evidence_id: &'static str,
    pub(crate) evidence_kind: &'static str,
    pub(crate) location: &'static str,
    pub(crate) sha256: &'static str,
    pub(crate) size: &'static str,
    pub(crate) bytes: &'static str,
    pub(crate) description: &'static str,
    pub(crate) added: &'static str,

    pub(crate) key_id: &'static str,
    pub(crate) unsigned: &'static str,
    pub(crate) signature_scope: &'static str,

    pub(crate) declaration_id: &'static str,
    pub(crate) issued: &'static str,
    pub(crate) disclaimer: &'static str,
    pub(crate) none: &'static str,

    pub(crate) checklist_sheet: &'static str,

    method_document: &'static str,
    method_device: &'static str,
    method_binary_analysis: &'static str,
    method_penetration_test: &'static str,
    decided_by_person: &'static str,
    decided_by_probe: &'static str,
    decided_by_sbom_check: &'static str,
    decided_by_mapping: &'static str,
    decided_by_recognition: &'static str,
    kind_file: &'static str,
    kind_url: &'static str,
    kind_reference: &'static str,
    kind_probe: &'static str,
    kind_sbom_check: &'static str,
    kind_sbom: &'static str,
    kind_binary_analysis: &'static str,
    kind_penetration_test: &'static str,
}

pub(crate) fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::Ja => &JA,
    }
}

impl Labels {
    pub(crate) fn method(&self, method: Method) -> &'static str {
        match method {
            Method::Document => self.method_document,
            Method::Device => self.method_device,
            Method::BinaryAnalysis => self.method_binary_analysis,
            Method::PenetrationTest => self.method_penetration_test,
        }
    }

    pub(crate) fn decided_by(&self, decided_by: DecidedBy) -> &'static str {
        match decided_by {
            DecidedBy::Person => self.decided_by_person,
            DecidedBy::Probe => self.decided_by_probe,
            DecidedBy::SbomCheck => self.decided_by_sbom_check,
            DecidedBy::Mapping => self.decided_by_mapping,
            DecidedBy::Recognition => self.decided_by_recognition,
        }
    }

    pub(crate) fn evidence_kind(&self, kind: EvidenceKind) -> &'static str {
        match kind {
            EvidenceKind::File => self.kind_file,
            EvidenceKind::Url => self.kind_url,
            EvidenceKind::Reference => self.kind_reference,
            EvidenceKind::Probe => self.kind_probe,
            EvidenceKind::SbomCheck => self.kind_sbom_check,
            EvidenceKind::Sbom => self.kind_sbom,
            EvidenceKind::BinaryAnalysis => self.kind_binary_analysis,
            EvidenceKind::PenetrationTest => self.kind_penetration_test,
        }
    }
}

static EN: Labels = Labels {
    title_self_declaration: "Self-declaration of conformity",
    title_derived_statement: "Statement derived from another scheme's assessment",
    title_third_party_evaluation: "Third-party evaluation report",
    assessed_against: "Assessed against",

    section_scheme: "Scheme and level",
    section_product: "Product",
    section_declarant: "Declarant",
    section_evaluator: "Evaluator",
    evaluator_name: "Evaluator",
    evaluator_organisation: "Organisation (lab)",
    evaluator_accreditation: "Accreditation (ISO/IEC 17025)",
    evaluator_key: "Evaluator's key",
    section_statement: "Statement",
    section_outcome: "Outcome",
    section_requirements: "Requirements",
    section_vulnerabilities: "Known vulnerabilities",
    section_evidence: "Evidence",
    section_signature: "Signature",
    section_disclaimer: "Disclaimer",

    scheme: "Scheme",
    criteria_version: "Criteria version",
    criteria_status: "Criteria status",
    level: "Level",

    product_name: "Product name",
    vendor: "Vendor",
    vendor_address: "Vendor address",
    model: "Model",
    firmware_version: "Firmware version",
    product_type: "Product type",
    support_end: "End of security support",
    vulnerability_contact: "Vulnerability contact",

    declarant: "Declarant",
    declarant_name: "Name",
    declarant_role: "Role",
    declarant_organisation: "Organisation",

    overall_result: "Overall result",

    number: "No.",
    requirement_id: "Requirement ID",
    requirement: "Requirement",
    verdict: "Verdict",
    reason: "Reason",
    item_id: "Item",
    item_text: "Evaluation item",
    method: "Method",
    answer: "Answer",
    decided_by: "Decided by",
    evidence: "Evidence",
    note: "Note",
    covered_by: "Covered by",
    any_item_suffices: "The items are alternatives: one of them holding is enough.",

    vulnerability_rule: "The level is not met if the product has a known exploitable vulnerability whose CVSS v3 \
                         base score is at or above the threshold.",
    cvss_threshold: "CVSS v3 threshold",
    components_checked: "Components checked",
    failing_vulnerabilities: "Vulnerabilities that fail the level",
    no_vulnerability_rule: "This level has no known-vulnerability rule.",

    evidence_id: "ID",
    evidence_kind: "Kind",
    location: "Location",
    sha256: "SHA-256",
    size: "Size",
    bytes: "bytes",
    description: "Description",
    added: "Added",

    key_id: "Key ID",
    unsigned: "This declaration is not signed.",
    signature_scope: "The signature covers the JSON declaration, not this rendering of it.",

    declaration_id: "Declaration ID",
    issued: "Issued",
    disclaimer: "This document records the vendor's own assessment against the criteria named above. Neither \
                 it nor a label issued on it guarantees that the product is free of vulnerabilities or \
                 completely secure; it does not recommend the product, and the scheme's operator gives no \
                 warranty for it.",
    none: "none",

    checklist_sheet: "Checklist",

    method_document: "document",
    method_device: "device",
    method_binary_analysis: "binary analysis",
    method_penetration_test: "penetration test",
    decided_by_person: "applicant",
    decided_by_probe: "probe",
    decided_by_sbom_check: "SBOM check",
    decided_by_mapping: "mapping",
    decided_by_recognition: "deemed (recognised scheme)",
    kind_file: "file",
    kind_url: "URL",
    kind_reference: "reference",
    kind_probe: "probe report",
    kind_sbom_check: "SBOM check report",
    kind_sbom: "SBOM",
    kind_binary_analysis: "Binary-analysis report",
    kind_penetration_test: "Penetration-test report",
};

static JA: Labels = Labels {
    title_self_declaration: "適合自己宣言書",
    title_derived_statement: "他制度の評価から導いた適合状況の表明",
    title_third_party_evaluation: "第三者評価報告書",
    assessed_against: "評価を行った制度",

    section_scheme: "制度とレベル",
    section_product: "製品",
    section_declarant: "宣言者",
    section_evaluator: "評価者",
    evaluator_name: "評価者",
    evaluator_organisation: "所属（評価機関）",
    evaluator_accreditation: "認定（ISO/IEC 17025）",
    evaluator_key: "評価者の鍵",
    section_statement: "宣言",
    section_outcome: "結果",
    section_requirements: "要件ごとの結果",
    section_vulnerabilities: "既知の脆弱性",
    section_evidence: "証跡",
    section_signature: "署名",
    section_disclaimer: "注意事項",

    scheme: "制度",
    criteria_version: "適合基準の版",
    criteria_status: "基準の状態",
    level: "レベル",

    product_name: "製品名",
    vendor: "製造者",
    vendor_address: "製造者の所在地",
    model: "型番",
    firmware_version: "ファームウェアの版",
    product_type: "製品類型",
    support_end: "セキュリティサポート終了日",
    vulnerability_contact: "脆弱性の報告窓口",

    declarant: "宣言者",
    declarant_name: "氏名",
    declarant_role: "役職",
    declarant_organisation: "組織",

    overall_result: "総合結果",

    number: "No.",
    requirement_id: "要件ID",
    requirement: "要件",
    verdict: "判定",
    reason: "理由",
    item_id: "項目",
    item_text: "評価項目",
    method: "評価方法",
    answer: "回答",
    decided_by: "判断者",
    evidence: "証跡",
    note: "備考",
    covered_by: "根拠とした要件",
    any_item_suffices: "各項目は選択肢です。いずれか一つを満たせば足ります。",

    vulnerability_rule: "CVSS v3 基本値が基準値以上の既知の悪用可能な脆弱性が製品にあると、このレベルには適合しません。",
    cvss_threshold: "CVSS v3 基準値",
    components_checked: "検査したコンポーネント数",
    failing_vulnerabilities: "レベルを満たさない脆弱性",
    no_vulnerability_rule: "このレベルには既知の脆弱性に関する規則がありません。",

    evidence_id: "ID",
    evidence_kind: "種別",
    location: "所在",
    sha256: "SHA-256",
    size: "サイズ",
    bytes: "バイト",
    description: "説明",
    added: "追加日時",

    key_id: "鍵ID",
    unsigned: "この宣言書には署名がありません。",
    signature_scope: "署名の対象は JSON 形式の宣言書であり、この表示そのものではありません。",

    declaration_id: "宣言ID",
    issued: "発行日時",
    disclaimer: "本書は、上記の適合基準に対する製造者自身の評価を記録したものです。本書およびこれに基づくラベルは、\
                 製品に脆弱性がないこと、あるいは製品が完全に安全であることを保証するものではありません。\
                 また、製品を推奨するものではなく、制度の運営者が製品について何らかの保証をするものでもありません。",
    none: "なし",

    checklist_sheet: "チェックリスト",

    method_document: "文書",
    method_device: "実機",
    method_binary_analysis: "バイナリ解析",
    method_penetration_test: "ペネトレーションテスト",
    decided_by_person: "申請者",
    decided_by_probe: "プローブ",
    decided_by_sbom_check: "SBOM検査",
    decided_by_mapping: "対応表",
    decided_by_recognition: "みなし適合（相互承認）",
    kind_file: "ファイル",
    kind_url: "URL",
    kind_reference: "参照",
    kind_probe: "プローブ結果",
    kind_sbom_check: "SBOM検査結果",
    kind_sbom: "SBOM",
    kind_binary_analysis: "バイナリ解析報告書",
    kind_penetration_test: "ペネトレーションテスト報告書",
};
