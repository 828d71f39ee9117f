//! The published formats against their schemas: the OSCAL assessment results against the official
//! OSCAL 1.2.3 schema, and the declaration against `schemas/declaration-1.schema.json`, which must
//! say what the serde model in `declaration.rs` reads and writes, no more and no less.

use std::collections::HashSet;
use std::sync::LazyLock;

use jsonschema::Validator;
use proptest::prelude::*;
use serde_json::{Value, json};
use tekigo_assess::declaration::{
    Answer, Attachment, DecidedBy, Declaration, DeclarationKind, EvidenceKind, EvidenceRecord, Signature, Verdict,
    VulnerabilityResult,
};
use tekigo_assess::oscal::{ASSESSMENT_PLAN_FILE, VULNERABILITY_RULE_TARGET, assessment_plan, assessment_results};
use tekigo_base::{Lang, Text};
use tekigo_criteria::{ItemsRule, Method};

const SAMPLE: &str = include_str!("fixtures/declaration-sample.json");

fn sample() -> Declaration {
    serde_json::from_str(SAMPLE).unwrap()
}

fn validator(path: &str) -> Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap_or_else(|e| panic!("{path}: {e}"))
}

static OSCAL_AR: LazyLock<Validator> = LazyLock::new(|| {
    validator(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/oscal-1.2.3/oscal_assessment-results_schema.json"))
});

static OSCAL_AP: LazyLock<Validator> = LazyLock::new(|| {
    validator(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/oscal-1.2.3/oscal_assessment-plan_schema.json"))
});

const DECLARATION_SCHEMA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schemas/declaration-1.schema.json");

static DECLARATION: LazyLock<Validator> = LazyLock::new(|| validator(DECLARATION_SCHEMA_PATH));

/// Each error with where it is, for assertion messages.
fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{e} at {}", e.instance_path())).collect()
}

fn assert_valid_oscal(declaration: &Declaration) {
    for lang in Lang::ALL {
        let document = assessment_results(declaration, lang);
        let errors = errors(&OSCAL_AR, &document);
        assert!(errors.is_empty(), "not valid OSCAL ({lang:?}): {:#?}\n{document:#}", &errors[..errors.len().min(8)]);
        let plan = assessment_plan(declaration, lang);
        let errors = self::errors(&OSCAL_AP, &plan);
        assert!(
            errors.is_empty(),
            "not a valid OSCAL plan ({lang:?}): {:#?}\n{plan:#}",
            &errors[..errors.len().min(8)]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// OSCAL assessment results.

#[test]
fn the_assessment_results_of_the_sample_are_valid_oscal_in_both_languages() {
    assert_valid_oscal(&sample());
}

#[test]
fn the_assessment_results_of_the_sample_in_english() {
    insta::assert_json_snapshot!("assessment_results_sample_en", assessment_results(&sample(), Lang::En));
}

#[test]
fn the_assessment_results_are_deterministic_and_share_subject_uuids_across_languages() {
    let declaration = sample();
    let en = assessment_results(&declaration, Lang::En);
    assert_eq!(en, assessment_results(&declaration, Lang::En));
    let ja = assessment_results(&declaration, Lang::Ja);
    let (en, ja) = (&en["assessment-results"], &ja["assessment-results"]);
    // Two documents, one subject: the same findings and observations under the same UUIDs.
    assert_ne!(en["uuid"], ja["uuid"]);
    assert_eq!(en["results"][0]["uuid"], ja["results"][0]["uuid"]);
    let uuids = |doc: &Value, list: &str| -> Vec<Value> {
        doc["results"][0][list].as_array().unwrap().iter().map(|x| x["uuid"].clone()).collect()
    };
    assert_eq!(uuids(en, "findings"), uuids(ja, "findings"));
    assert_eq!(uuids(en, "observations"), uuids(ja, "observations"));
    // Another declaration gets other UUIDs.
    let mut other = declaration.clone();
    other.id = "0d6f4f7e-1a2b-5c3d-8e4f-5a6b7c8d9e0f".into();
    let other = assessment_results(&other, Lang::En);
    assert_ne!(other["assessment-results"]["results"][0]["uuid"], en["results"][0]["uuid"]);
}

#[test]
fn the_assessment_results_point_into_the_exported_catalog_and_profile() {
    let catalog = tekigo_criteria::builtin().unwrap_or_else(|e| panic!("{e}"));
    let documents = tekigo_criteria::oscal::export_all(&catalog, Lang::En);
    let catalog_document = documents.iter().find(|d| d.file_name == "jc-star.catalog.json").unwrap();
    // Every id in the exported catalog: controls and their parts.
    let mut ids = HashSet::new();
    fn collect(value: &Value, ids: &mut HashSet<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(id)) = map.get("id") {
                    ids.insert(id.clone());
                }
                map.values().for_each(|v| collect(v, ids));
            }
            Value::Array(list) => list.iter().for_each(|v| collect(v, ids)),
            _ => {}
        }
    }
    collect(&catalog_document.json, &mut ids);

    let document = assessment_results(&sample(), Lang::En);
    let results = &document["assessment-results"];
    let result = &results["results"][0];
    let selected = result["reviewed-controls"]["control-selections"][0]["include-controls"].as_array().unwrap();
    assert_eq!(selected.len(), 17, "the requirements and the vulnerability rule");
    for control in selected {
        assert!(ids.contains(control["control-id"].as_str().unwrap()), "{control} is not in the catalog");
    }
    let findings = result["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 17, "one per requirement and one for the vulnerability rule");
    for finding in findings {
        let target = finding["target"]["target-id"].as_str().unwrap();
        assert!(ids.contains(target), "{target} is not in the catalog");
    }
    assert!(findings.iter().any(|f| f["target"]["target-id"] == VULNERABILITY_RULE_TARGET));

    // import-ap names the plan issued beside the results; the back matter names the level's
    // profile, as the export writes it.
    assert_eq!(results["import-ap"]["href"], format!("./{ASSESSMENT_PLAN_FILE}"));
    let profile =
        results["back-matter"]["resources"][0]["rlinks"][0]["href"].as_str().unwrap().trim_start_matches("./");
    assert!(documents.iter().any(|d| d.file_name == profile), "{profile} is not exported");
}

#[test]
fn observations_follow_the_answers_and_their_evidence() {
    let mut declaration = sample();
    // The sample cites no web page; let the last requirement cite the disclosure policy too.
    declaration.requirements[15].items[0].evidence.push("E2".into());
    let document = assessment_results(&declaration, Lang::En);
    let result = &document["assessment-results"]["results"][0];
    let observations = result["observations"].as_array().unwrap();
    // 21 evaluation items and the vulnerability rule.
    assert_eq!(observations.len(), 22);
    let device: Vec<&Value> = observations.iter().filter(|o| o["methods"] == json!(["TEST"])).collect();
    assert_eq!(device.len(), 2, "the two device items are tests");
    let evidence: Vec<&Value> =
        observations.iter().flat_map(|o| o["relevant-evidence"].as_array().into_iter().flatten()).collect();
    // The URL is linked; files are described, with their hashes.
    assert!(evidence.iter().any(|e| e["href"] == "https://example.com/security"));
    let manual = evidence.iter().find(|e| e["description"].as_str().unwrap().starts_with("User manual")).unwrap();
    assert!(manual.get("href").is_none());
    // Each links to its back-matter resource, where every evidence record is, cited or not.
    let resources = document["assessment-results"]["back-matter"]["resources"].as_array().unwrap();
    let resource =
        resources.iter().find(|r| format!("#{}", r["uuid"].as_str().unwrap()) == manual["links"][0]["href"]).unwrap();
    assert_eq!(resource["title"], "User manual");
    assert_eq!(resources.iter().filter(|r| r["props"][0]["name"] == "evidence-id").count(), 5);
    assert!(
        manual["props"].as_array().unwrap().iter().any(|p| p["name"] == "sha256"
            && p["value"] == "3f9a1c2b7d4e0000000000000000000000000000000000000000000000000000")
    );
    // Not applicable is satisfied, with its reason.
    let finding = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["title"].as_str().unwrap().starts_with("S1.1-15"))
        .unwrap();
    assert_eq!(finding["target"]["status"]["state"], "satisfied");
    assert_eq!(finding["target"]["status"]["reason"], "not-applicable");
    assert_eq!(finding["target"]["status"]["remarks"], "The camera keeps no user data on the device.");
}

#[test]
fn a_derived_statement_says_what_it_was_assessed_against() {
    let mut declaration = sample();
    declaration.kind = DeclarationKind::DerivedStatement;
    let mut against = declaration.scheme.clone();
    against.id = "uk-psti".into();
    against.version = "2023".into();
    against.level = "mandatory".into();
    against.title = Text::new("UK PSTI", "英国 PSTI");
    declaration.assessed_against = Some(against);
    declaration.requirements[0].verdict = Verdict::Pending;
    declaration.requirements[0].covered_by = vec!["uk-psti/1".into()];
    declaration.requirements[0].reason = Some(Text::new("The device test is missing.", "実機試験がない。"));
    assert_valid_oscal(&declaration);
    let document = assessment_results(&declaration, Lang::En);
    let results = &document["assessment-results"];
    let props = results["metadata"]["props"].as_array().unwrap();
    assert!(props.iter().any(|p| p["name"] == "declaration-kind" && p["value"] == "derived-statement"));
    assert!(props.iter().any(|p| p["name"] == "assessed-against" && p["value"] == "uk-psti:mandatory"));
    assert!(results["results"][0]["remarks"].as_str().unwrap().contains("UK PSTI"));
    let finding = &results["results"][0]["findings"][0];
    assert_eq!(
        finding["target"]["status"],
        json!({
            "state": "not-satisfied", "reason": "pending", "remarks": "The device test is missing."
        })
    );
    assert!(
        finding["props"].as_array().unwrap().iter().any(|p| p["name"] == "covered-by" && p["value"] == "uk-psti/1")
    );
}

// ---------------------------------------------------------------------------------------------
// The declaration schema.

#[test]
fn the_declaration_schema_is_a_valid_2020_12_schema() {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(DECLARATION_SCHEMA_PATH).unwrap()).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    jsonschema::meta::validate(&schema).unwrap();
}

#[test]
fn the_sample_declaration_is_valid_against_the_published_schema() {
    let sample: Value = serde_json::from_str(SAMPLE).unwrap();
    let errors = errors(&DECLARATION, &sample);
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The schema's errors for the sample changed by `change`; asserts there is one mentioning
/// `expected`, and returns whether the reader accepts the changed document too.
fn rejected(change: impl FnOnce(&mut Value), expected: &str) -> bool {
    let mut document: Value = serde_json::from_str(SAMPLE).unwrap();
    change(&mut document);
    let errors = errors(&DECLARATION, &document);
    assert!(errors.iter().any(|e| e.contains(expected)), "expected an error mentioning {expected:?}, got {errors:#?}");
    serde_json::from_value::<Declaration>(document).is_ok()
}

#[test]
fn a_declaration_without_a_required_member_is_invalid() {
    let read = rejected(|d| _ = d.as_object_mut().unwrap().remove("issued"), r#""issued" is a required property"#);
    assert!(!read, "the reader refuses it too");
    let read = rejected(
        |d| _ = d["requirements"][3]["items"][0].as_object_mut().unwrap().remove("decided_by"),
        r#""decided_by" is a required property at /requirements/3/items/0"#,
    );
    assert!(!read);
}

#[test]
fn a_declaration_with_an_unknown_member_is_invalid() {
    let read = rejected(|d| d["colour"] = json!("blue"), "'colour' was unexpected");
    assert!(!read, "the reader refuses it too");
    let read = rejected(|d| d["statement"]["fr"] = json!("Déclaration"), "('fr' was unexpected) at /statement");
    assert!(!read);
    let read = rejected(|d| d["evidence"][0]["hash"] = json!("md5:0"), "('hash' was unexpected) at /evidence/0");
    assert!(!read);
}

#[test]
fn a_declaration_with_a_bad_enum_value_is_invalid() {
    let read = rejected(|d| d["requirements"][0]["verdict"] = json!("passed"), r#""passed" is not one of"#);
    assert!(!read, "the reader refuses it too");
    let read = rejected(|d| d["kind"] = json!("self_declaration"), "at /kind");
    assert!(!read);
    let read = rejected(|d| d["evidence"][1]["kind"] = json!("URL"), r#""URL" is not one of"#);
    assert!(!read);
}

#[test]
fn a_declaration_with_a_bad_sha256_is_invalid() {
    let upper = "3F9A1C2B7D4E0000000000000000000000000000000000000000000000000000";
    let read = rejected(
        |d| d["evidence"][0]["sha256"] = json!(upper),
        r#"does not match "^[0-9a-f]{64}$" at /evidence/0/sha256"#,
    );
    // The reader takes any string here: only the schema holds the digest's form.
    assert!(read);
    rejected(|d| d["evidence"][0]["sha256"] = json!("3f9a1c2b"), "at /evidence/0/sha256");
}

#[test]
fn a_declaration_with_a_bad_format_date_or_blank_text_is_invalid() {
    rejected(|d| d["format"] = json!("tekigo-declaration/2"), "at /format");
    rejected(|d| d["issued"] = json!("26 November 2026"), "at /issued");
    rejected(|d| d["product"]["support_end"] = json!("2030-02-30"), "at /product/support_end");
    let read = rejected(|d| d["statement"]["ja"] = json!("  "), "at /statement/ja");
    assert!(!read, "the reader refuses blank text too");
}

/// The sample with every optional member present, so that each member of each object can be
/// tried.
fn everything() -> Declaration {
    let mut declaration = sample();
    declaration.kind = DeclarationKind::DerivedStatement;
    declaration.assessed_against = Some(declaration.scheme.clone());
    let requirement = &mut declaration.requirements[0];
    requirement.reason = Some(Text::new("why", "理由"));
    requirement.covered_by = vec!["uk-psti/1".into()];
    requirement.items[0].detail = Some(Text::new("found", "検出"));
    let vulnerabilities = declaration.vulnerabilities.as_mut().unwrap();
    vulnerabilities.failing = vec!["CVE-2026-0001".into()];
    vulnerabilities.reason = Some(Text::new("one fails", "一件不合格"));
    declaration.attachments.push(Attachment {
        name: "declaration.html".into(),
        media_type: "text/html".into(),
        sha256: "ab".repeat(32),
        size: 1,
    });
    declaration.signature = Some(Signature {
        algorithm: "Ed25519".into(),
        canonicalization: "RFC8785".into(),
        key_id: format!("sha256:{}", "cd".repeat(32)),
        public_key: format!("{}=", "A".repeat(43)),
        value: format!("{}==", "B".repeat(86)),
    });
    declaration
}

/// Every object in the document with its JSON pointer.
fn objects(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            out.push(pointer.clone());
            for (key, v) in map {
                objects(v, format!("{pointer}/{key}"), out);
            }
        }
        Value::Array(list) => {
            for (i, v) in list.iter().enumerate() {
                objects(v, format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn schema_and_reader_agree_on_every_member_being_required_or_not_and_on_unknown_members() {
    let document = serde_json::to_value(everything()).unwrap();
    assert!(DECLARATION.is_valid(&document), "{:#?}", errors(&DECLARATION, &document));
    let mut pointers = Vec::new();
    objects(&document, String::new(), &mut pointers);
    assert!(pointers.len() > 80, "{} objects", pointers.len());
    for pointer in pointers {
        let keys: Vec<String> = document.pointer(&pointer).unwrap().as_object().unwrap().keys().cloned().collect();
        for key in keys {
            let mut without = document.clone();
            without.pointer_mut(&pointer).unwrap().as_object_mut().unwrap().remove(&key);
            let schema = DECLARATION.is_valid(&without);
            let reader = serde_json::from_value::<Declaration>(without).is_ok();
            assert_eq!(schema, reader, "without {pointer}/{key}: schema says {schema}, reader says {reader}");
        }
        let mut with = document.clone();
        with.pointer_mut(&pointer).unwrap()["unknown"] = json!(1);
        assert!(!DECLARATION.is_valid(&with), "{pointer} takes an unknown member");
        assert!(
            serde_json::from_value::<Declaration>(with).is_err(),
            "the reader takes an unknown member at {pointer}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Any declaration the model writes validates, and gives valid OSCAL.

/// Text as the reader accepts it: not blank in either language.
fn text() -> BoxedStrategy<Text> {
    ("[A-Za-z][A-Za-z .,]{0,12}", "[ぁ-ゔ一-龠A-Za-z]{1,6}( [ぁ-ゔ]{1,3})?")
        .prop_map(|(en, ja)| Text::new(en, ja))
        .boxed()
}

/// A free string as a person might type it: empty, padded, several lines, any script.
fn loose() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_owned()),
        "[A-Za-z0-9 ._()-]{1,16}",
        " [a-z]{1,6}\n\n[a-z]{1,6}\t",
        "\\PC{0,10}",
    ]
    .boxed()
}

fn sha256() -> BoxedStrategy<String> {
    "[0-9a-f]{64}".boxed()
}

fn date_time() -> BoxedStrategy<String> {
    prop_oneof![
        Just("2026-11-26T04:00:00Z".to_owned()),
        Just("2026-11-26T13:00:00+09:00".to_owned()),
        Just("2027-02-28T23:59:59.250Z".to_owned()),
        Just("2025-06-30T00:00:00-04:00".to_owned()),
    ]
    .boxed()
}

fn verdict() -> BoxedStrategy<Verdict> {
    prop_oneof![
        Just(Verdict::Conformant),
        Just(Verdict::NotConformant),
        Just(Verdict::NotApplicable),
        Just(Verdict::Pending)
    ]
    .boxed()
}

fn answer() -> BoxedStrategy<Answer> {
    prop_oneof![Just(Answer::Pending), Just(Answer::Yes), Just(Answer::No), Just(Answer::NotApplicable)].boxed()
}

fn decided_by() -> BoxedStrategy<DecidedBy> {
    prop_oneof![Just(DecidedBy::Person), Just(DecidedBy::Probe), Just(DecidedBy::SbomCheck), Just(DecidedBy::Mapping)]
        .boxed()
}

fn evidence_ids() -> BoxedStrategy<Vec<String>> {
    proptest::collection::vec(prop_oneof![Just("E1"), Just("E2"), Just("E3"), Just("E5"), Just("E9")], 0..3)
        .prop_map(|ids| ids.into_iter().map(String::from).collect())
        .boxed()
}

#[derive(Debug, Clone)]
struct ItemChange {
    method: Method,
    answer: Answer,
    decided_by: DecidedBy,
    evidence: Vec<String>,
    note: Option<String>,
    detail: Option<Text>,
}

fn item_change() -> BoxedStrategy<ItemChange> {
    (
        prop_oneof![Just(Method::Document), Just(Method::Device)],
        answer(),
        decided_by(),
        evidence_ids(),
        proptest::option::of(loose()),
        proptest::option::of(text()),
    )
        .prop_map(|(method, answer, decided_by, evidence, note, detail)| ItemChange {
            method,
            answer,
            decided_by,
            evidence,
            note,
            detail,
        })
        .boxed()
}

#[derive(Debug, Clone)]
struct RequirementChange {
    id: Option<String>,
    verdict: Verdict,
    reason: Option<Text>,
    items_rule: ItemsRule,
    covered_by: Vec<String>,
    drop_items: bool,
}

fn requirement_change() -> BoxedStrategy<RequirementChange> {
    (
        proptest::option::weighted(
            0.2,
            prop_oneof![Just("5.1-1".to_owned()), Just("I.2(a)".to_owned()), "[A-Za-z0-9 .()-]{0,8}"],
        ),
        verdict(),
        proptest::option::of(text()),
        prop_oneof![Just(ItemsRule::All), Just(ItemsRule::Any)],
        proptest::collection::vec("[a-z-]{2,8}/[0-9.-]{1,6}", 0..3),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(id, verdict, reason, items_rule, covered_by, drop_items)| RequirementChange {
            id,
            verdict,
            reason,
            items_rule,
            covered_by,
            drop_items,
        })
        .boxed()
}

fn vulnerabilities() -> BoxedStrategy<Option<VulnerabilityResult>> {
    proptest::option::weighted(
        0.8,
        (
            0.0..=10.0f64,
            verdict(),
            decided_by(),
            evidence_ids(),
            proptest::option::of(0usize..5000),
            proptest::collection::vec("CVE-20[0-9]{2}-[0-9]{4,6}", 0..3),
            proptest::option::of(text()),
        )
            .prop_map(|(cvss_min, verdict, decided_by, evidence, components, failing, reason)| {
                VulnerabilityResult { cvss_min, verdict, decided_by, evidence, components, failing, reason }
            }),
    )
    .boxed()
}

fn evidence_kind() -> BoxedStrategy<EvidenceKind> {
    prop_oneof![
        Just(EvidenceKind::File),
        Just(EvidenceKind::Url),
        Just(EvidenceKind::Reference),
        Just(EvidenceKind::Probe),
        Just(EvidenceKind::SbomCheck),
        Just(EvidenceKind::Sbom),
    ]
    .boxed()
}

fn evidence_record(id: &'static str) -> BoxedStrategy<EvidenceRecord> {
    (
        evidence_kind(),
        prop_oneof![
            Just("https://example.com/security".to_owned()),
            Just("https://example.com/a page?q=1".to_owned()),
            Just("manual, section 4.2".to_owned()),
            loose(),
        ],
        proptest::option::of(sha256()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(loose()),
        date_time(),
    )
        .prop_map(move |(kind, location, sha256, size, description, added)| EvidenceRecord {
            id: id.into(),
            kind,
            location,
            sha256,
            size,
            description,
            added,
        })
        .boxed()
}

fn attachment() -> BoxedStrategy<Attachment> {
    ("[A-Za-z0-9 ._-]{0,12}", prop_oneof![Just("text/html".to_owned()), loose()], sha256(), any::<u64>())
        .prop_map(|(name, media_type, sha256, size)| Attachment { name, media_type, sha256, size })
        .boxed()
}

fn signature() -> BoxedStrategy<Signature> {
    (sha256(), "[A-Za-z0-9+/]{43}=?", "[A-Za-z0-9+/]{86}(==)?")
        .prop_map(|(key, public_key, value)| Signature {
            algorithm: "Ed25519".into(),
            canonicalization: "RFC8785".into(),
            key_id: format!("sha256:{key}"),
            public_key,
            value,
        })
        .boxed()
}

prop_compose! {
    fn product()(
        name in loose(),
        vendor in loose(),
        vendor_address in proptest::option::of(loose()),
        model in loose(),
        firmware_version in loose(),
        product_type in proptest::option::of(loose()),
        support_end in prop_oneof![Just(String::new()), "20[2-4][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"],
        vulnerability_contact in loose(),
        models in proptest::collection::vec(
            ("[A-Za-z0-9][A-Za-z0-9 ._()-]{0,15}", proptest::option::of("[0-9]{13}|[0-9]{8}|[0-9]{4}-[0-9]{6}-[0-9]{3}"), proptest::option::of(loose())),
            0..3,
        ),
    ) -> tekigo_assess::declaration::Product {
        let models = models.into_iter().map(|(model, gtin, sku)| tekigo_base::ModelEntry { model, gtin, sku }).collect();
        tekigo_assess::declaration::Product {
            name, vendor, vendor_address, model, models, firmware_version, product_type, support_end, vulnerability_contact,
        }
    }
}

prop_compose! {
    fn declaration()(
        derived in any::<bool>(),
        assessed_against in proptest::option::of(text()),
        issued in date_time(),
        product in product().boxed(),
        declarant in (loose(), loose(), loose()),
        conformant in any::<bool>(),
        counts in (0usize..20, 0usize..20, 0usize..20, 0usize..20),
        requirements in proptest::collection::vec(requirement_change(), 16),
        items in proptest::collection::vec(item_change(), 21),
        vulnerabilities in vulnerabilities(),
        evidence in (evidence_record("E1"), evidence_record("E2"), evidence_record("E3"), proptest::collection::vec(evidence_record("E5"), 0..2)),
        extra in (proptest::collection::vec(attachment(), 0..3), proptest::option::of(signature()), 0usize..=16),
    ) -> Declaration {
        let (attachments, signature, keep_requirements) = extra;
        let mut declaration = sample();
        if derived {
            declaration.kind = DeclarationKind::DerivedStatement;
            declaration.assessed_against = assessed_against.map(|title| {
                let mut scheme = declaration.scheme.clone();
                scheme.id = "sg-cls".into();
                scheme.level = "2".into();
                scheme.title = title;
                scheme
            });
        }
        declaration.issued = issued;
        declaration.product = product;
        (declaration.declarant.name, declaration.declarant.role, declaration.declarant.organisation) = declarant;
        declaration.outcome.conformant = conformant;
        let c = &mut declaration.outcome.counts;
        (c.conformant, c.not_conformant, c.not_applicable, c.pending) = counts;
        let mut items = items.into_iter().cycle();
        for (requirement, change) in declaration.requirements.iter_mut().zip(requirements) {
            if let Some(id) = change.id {
                requirement.id = id;
            }
            requirement.verdict = change.verdict;
            requirement.reason = change.reason;
            requirement.items_rule = change.items_rule;
            requirement.covered_by = change.covered_by;
            if change.drop_items {
                requirement.items.clear();
            }
            for item in &mut requirement.items {
                let change = items.next().unwrap();
                item.method = change.method;
                item.answer = change.answer;
                item.decided_by = change.decided_by;
                item.evidence = change.evidence;
                item.note = change.note;
                item.detail = change.detail;
            }
        }
        declaration.requirements.truncate(keep_requirements);
        declaration.vulnerabilities = vulnerabilities;
        let (e1, e2, e3, more) = evidence;
        declaration.evidence = [e1, e2, e3].into_iter().chain(more).collect();
        declaration.attachments = attachments;
        declaration.signature = signature;
        declaration
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_declaration_the_model_writes_is_valid_and_reads_back(declaration in declaration()) {
        let document = serde_json::to_value(&declaration).unwrap();
        let errors = errors(&DECLARATION, &document);
        prop_assert!(errors.is_empty(), "{errors:#?}\n{document:#}");
        let again: Declaration = serde_json::from_value(document).unwrap();
        prop_assert_eq!(again, declaration);
    }

    #[test]
    fn any_declaration_gives_valid_oscal(declaration in declaration()) {
        assert_valid_oscal(&declaration);
    }
}
