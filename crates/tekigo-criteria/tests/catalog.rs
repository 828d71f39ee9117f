//! End-to-end tests of the built-in catalog: gap analysis results pinned, OSCAL export valid.

use std::collections::HashSet;

use serde_json::Value;
use tekigo_criteria::gap::{BasisKind, GapReport};
use tekigo_criteria::oscal::{self, DocumentKind};
use tekigo_criteria::{Catalog, Lang, Level, LevelSelector, LevelStatus, Requirement};

fn catalog() -> Catalog {
    tekigo_criteria::builtin().unwrap_or_else(|errors| panic!("{errors}"))
}

fn gap(have: &[&str], want: &str) -> GapReport {
    let have: Vec<LevelSelector> = have.iter().map(|h| LevelSelector::parse(h).unwrap()).collect();
    catalog().gap(&have, &LevelSelector::parse(want).unwrap()).unwrap()
}

fn ids(entries: &[tekigo_criteria::gap::GapEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.id.as_str()).collect()
}

#[test]
fn gap_from_uk_psti_to_jc_star_1_is_ipas_deemed_conformity() {
    let report = gap(&["uk-psti"], "jc-star:1");
    // IPA waives exactly these three for PSTI-compliant products.
    assert_eq!(ids(&report.covered), ["S1.1-02", "S1.1-05", "S1.1-16"]);
    assert!(report.covered.iter().all(|e| { e.by.iter().all(|b| b.basis == BasisKind::Official && b.deemed) }));
    assert!(report.partial.is_empty());
    assert_eq!(report.remaining.len(), 13);
}

#[test]
fn gap_from_cls_level_2_to_jc_star_1() {
    let report = gap(&["sg-cls:2"], "jc-star:1");
    assert_eq!(
        ids(&report.covered),
        ["S1.1-02", "S1.1-03", "S1.1-05", "S1.1-08", "S1.1-09", "S1.1-10", "S1.1-11", "S1.1-13", "S1.1-15"]
    );
    assert_eq!(ids(&report.partial), ["S1.1-01", "S1.1-04", "S1.1-06", "S1.1-07", "S1.1-12", "S1.1-16"]);
    // Outage resilience is only recommended in ETSI, so CLS level 2 says nothing of it.
    assert_eq!(ids(&report.remaining), ["S1.1-14"]);
    // Brute force: ETSI exempts constrained devices, so the device test is still to be done.
    let brute_force = report.partial.iter().find(|e| e.id == "S1.1-04").unwrap();
    assert_eq!(brute_force.by[0].id, "5.1-5");
}

#[test]
fn gap_from_cls_level_1_to_jc_star_1_leaves_most_to_evaluate() {
    let report = gap(&["sg-cls:1"], "jc-star:1");
    assert_eq!(ids(&report.covered), ["S1.1-02", "S1.1-05"]);
    assert_eq!(ids(&report.partial), ["S1.1-06", "S1.1-16"]);
    assert_eq!(report.remaining.len(), 12);
}

#[test]
fn gap_within_a_base_scheme_counts_the_same_requirement() {
    // CLS level 2 holds every mandatory ETSI provision itself.
    let report = gap(&["sg-cls:2"], "etsi-en-303-645:mandatory");
    assert_eq!(report.covered.len(), 33);
    assert!(report.partial.is_empty() && report.remaining.is_empty());
}

#[test]
fn gap_from_jc_star_1_to_uk_psti_is_the_uks_deemed_compliance() {
    let report = gap(&["jc-star:1"], "uk-psti");
    assert_eq!(ids(&report.covered), ["1", "2", "3"]);
    assert!(report.remaining.is_empty());
}

#[test]
fn gap_from_en_18031_1_to_jc_star_1_leaves_the_manufacturers_processes() {
    let report = gap(&["en-18031-1"], "jc-star:1");
    // No universal default password (AUM-5) and verified updates (SUM-2) contain the ★1 rules.
    assert_eq!(ids(&report.covered), ["S1.1-02", "S1.1-08"]);
    assert_eq!(
        ids(&report.partial),
        ["S1.1-01", "S1.1-03", "S1.1-04", "S1.1-06", "S1.1-07", "S1.1-09", "S1.1-11", "S1.1-12", "S1.1-13", "S1.1-14"]
    );
    // Disclosure policy, model designation, user data deletion, product information: not in EN 18031-1.
    assert_eq!(ids(&report.remaining), ["S1.1-05", "S1.1-10", "S1.1-15", "S1.1-16"]);
}

#[test]
fn holding_more_never_covers_less() {
    let catalog = catalog();
    let wants = ["jc-star:1", "uk-psti", "etsi-en-303-645:mandatory", "sg-cls:1"];
    let haves = [
        vec!["uk-psti"],
        vec!["uk-psti", "sg-cls:1"],
        vec!["uk-psti", "sg-cls:2"],
        vec!["uk-psti", "sg-cls:2", "nistir-8425", "eu-cra"],
        vec!["uk-psti", "sg-cls:2", "nistir-8425", "eu-cra", "en-18031-1"],
    ];
    for want in wants {
        let want = LevelSelector::parse(want).unwrap();
        let mut previous: Option<(HashSet<String>, HashSet<String>)> = None;
        for have in &haves {
            let have: Vec<LevelSelector> = have.iter().map(|h| LevelSelector::parse(h).unwrap()).collect();
            let report = catalog.gap(&have, &want).unwrap();
            let covered: HashSet<String> = report.covered.iter().map(|e| e.id.clone()).collect();
            let touched: HashSet<String> =
                covered.iter().cloned().chain(report.partial.iter().map(|e| e.id.clone())).collect();
            if let Some((before_covered, before_touched)) = &previous {
                assert!(before_covered.is_subset(&covered), "{want}: holding more lost coverage");
                assert!(before_touched.is_subset(&touched), "{want}: holding more lost partial coverage");
            }
            previous = Some((covered, touched));
        }
    }
}

#[test]
fn every_wanted_requirement_lands_in_exactly_one_list() {
    let catalog = catalog();
    for scheme in &catalog.schemes {
        let mut wants = vec![LevelSelector { scheme: scheme.id.clone(), level: None, product_type: None }];
        wants.extend(scheme.assessable_levels().iter().map(|l| LevelSelector {
            scheme: scheme.id.clone(),
            level: Some(l.id.clone()),
            product_type: l.product_type.clone(),
        }));
        for want in wants {
            for other in &catalog.schemes {
                let have = [LevelSelector { scheme: other.id.clone(), level: None, product_type: None }];
                let report = catalog.gap(&have, &want).unwrap();
                let total = report.covered.len() + report.partial.len() + report.remaining.len();
                assert_eq!(total, catalog.select(&want).unwrap().len(), "{want} from {}", other.id);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Guidance for the self-assessment (a vendor without evaluation skills reads it).

#[test]
fn every_published_jc_star_requirement_and_every_uk_psti_requirement_has_guidance() {
    let catalog = catalog();
    let jc_star = catalog.scheme("jc-star").unwrap();
    let published: Vec<&Level> = jc_star.levels.iter().filter(|l| l.status == LevelStatus::Published).collect();
    assert!(!published.is_empty(), "jc-star has no published level");
    let mut wanted: Vec<&Requirement> = Vec::new();
    for level in published {
        assert!(!level.requirements.is_empty(), "jc-star:{} has no requirements", level.id);
        for reference in &level.requirements {
            wanted.push(catalog.requirement(reference).unwrap_or_else(|| panic!("jc-star:{}: {reference}", level.id)));
        }
    }
    let uk_psti = catalog.scheme("uk-psti").unwrap();
    assert!(!uk_psti.requirements.is_empty());
    wanted.extend(&uk_psti.requirements);
    let missing: Vec<String> =
        wanted.iter().filter(|r| r.guidance.is_none()).map(|r| format!("{}/{}", r.scheme, r.id)).collect();
    assert!(missing.is_empty(), "requirements without guidance: {missing:?}");
}

#[test]
fn no_guidance_is_the_same_text_in_both_languages() {
    let catalog = catalog();
    for requirement in catalog.schemes.iter().flat_map(|s| &s.requirements) {
        if let Some(guidance) = &requirement.guidance {
            assert_ne!(
                guidance.en.trim(),
                guidance.ja.trim(),
                "{}/{}: guidance is not translated",
                requirement.scheme,
                requirement.id
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// OSCAL export against the official schemas.

fn validator(kind: DocumentKind) -> jsonschema::Validator {
    let file = match kind {
        DocumentKind::Catalog => "oscal_catalog_schema.json",
        DocumentKind::Profile => "oscal_profile_schema.json",
        DocumentKind::Mapping => "oscal_mapping_schema.json",
    };
    let path = format!("{}/tests/fixtures/oscal-1.2.3/{file}", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_oscal_export_is_valid_against_the_official_schemas() {
    let catalog = catalog();
    let validators = [DocumentKind::Catalog, DocumentKind::Profile, DocumentKind::Mapping].map(|k| (k, validator(k)));
    for lang in Lang::ALL {
        let documents = oscal::export_all(&catalog, lang);
        assert_eq!(documents.iter().filter(|d| d.kind == DocumentKind::Catalog).count(), catalog.schemes.len());
        assert_eq!(documents.iter().filter(|d| d.kind == DocumentKind::Mapping).count(), catalog.mappings.len());
        for document in &documents {
            let validator = &validators.iter().find(|(k, _)| *k == document.kind).unwrap().1;
            let errors: Vec<String> = validator
                .iter_errors(&document.json)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .take(5)
                .collect();
            assert!(errors.is_empty(), "{} ({lang:?}) is not valid OSCAL: {errors:#?}", document.file_name);
        }
    }
}

#[test]
fn every_profile_and_mapping_reference_resolves_to_a_control_of_the_exported_catalogs() {
    let catalog = catalog();
    let documents = oscal::export_all(&catalog, Lang::En);
    let mut controls: HashSet<(String, String)> = HashSet::new();
    for document in documents.iter().filter(|d| d.kind == DocumentKind::Catalog) {
        for group in document.json["catalog"]["groups"].as_array().unwrap() {
            for control in group["controls"].as_array().unwrap() {
                let id = control["id"].as_str().unwrap().to_owned();
                assert!(
                    controls.insert((document.file_name.clone(), id.clone())),
                    "duplicate control {id} in {}",
                    document.file_name
                );
            }
        }
    }
    for document in documents.iter().filter(|d| d.kind == DocumentKind::Profile) {
        for import in document.json["profile"]["imports"].as_array().unwrap() {
            let file = import["href"].as_str().unwrap().trim_start_matches("./").to_owned();
            for id in import["include-controls"][0]["with-ids"].as_array().unwrap() {
                assert!(
                    controls.contains(&(file.clone(), id.as_str().unwrap().to_owned())),
                    "{}: {id} not in {file}",
                    document.file_name
                );
            }
        }
    }
    for document in documents.iter().filter(|d| d.kind == DocumentKind::Mapping) {
        let mapping = &document.json["mapping-collection"]["mappings"][0];
        let source = mapping["source-resource"]["href"].as_str().unwrap().trim_start_matches("../").to_owned();
        let target = mapping["target-resource"]["href"].as_str().unwrap().trim_start_matches("../").to_owned();
        for map in mapping["maps"].as_array().unwrap() {
            let source_id = map["sources"][0]["id-ref"].as_str().unwrap().to_owned();
            let target_id = map["targets"][0]["id-ref"].as_str().unwrap().to_owned();
            assert!(controls.contains(&(source.clone(), source_id.clone())), "{}: {source_id}", document.file_name);
            assert!(controls.contains(&(target.clone(), target_id.clone())), "{}: {target_id}", document.file_name);
        }
    }
}

#[test]
fn the_oscal_catalog_carries_guidance_as_a_guidance_part_in_the_export_language() {
    let catalog = catalog();
    let requirement = catalog.find_requirement("S1.1-04").unwrap();
    let guidance = requirement.guidance.as_ref().unwrap();
    for lang in Lang::ALL {
        let document = oscal::export_catalog(catalog.scheme("jc-star").unwrap(), lang).json;
        let control = document["catalog"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["controls"].as_array().unwrap())
            .find(|c| c["id"] == "s1.1-04")
            .unwrap();
        let parts = control["parts"].as_array().unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names[..2], ["statement", "guidance"], "{lang:?}");
        assert_eq!(parts[1]["id"], "s1.1-04_gdn");
        assert_eq!(parts[1]["prose"], guidance.get(lang));
    }
    // One guidance part per requirement that has guidance, and none (not an empty one) otherwise.
    for scheme in &catalog.schemes {
        let document = oscal::export_catalog(scheme, Lang::En).json;
        let parts = document["catalog"]["groups"]
            .as_array()
            .map(|groups| {
                groups
                    .iter()
                    .flat_map(|g| g["controls"].as_array().unwrap())
                    .flat_map(|c| c["parts"].as_array().unwrap())
                    .filter(|p| p["name"] == "guidance")
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(parts, scheme.requirements.iter().filter(|r| r.guidance.is_some()).count(), "{}", scheme.id);
    }
}

#[test]
fn the_oscal_export_is_deterministic() {
    let catalog = catalog();
    let first: Vec<String> = oscal::export_all(&catalog, Lang::Ja).iter().map(|d| d.json.to_string()).collect();
    let second: Vec<String> = oscal::export_all(&catalog, Lang::Ja).iter().map(|d| d.json.to_string()).collect();
    assert_eq!(first, second);
}

#[test]
fn the_schema_check_would_catch_a_broken_document() {
    // Guards the test above against a validator that accepts anything.
    let catalog = catalog();
    let mut document = oscal::export_catalog(catalog.scheme("etsi-en-303-645").unwrap(), Lang::En).json;
    let validator = validator(DocumentKind::Catalog);
    assert!(validator.is_valid(&document));
    // An OSCAL id must be an NCName: a printed ETSI ID such as 5.1-1 is not one.
    document["catalog"]["groups"][1]["controls"][0]["id"] = Value::String("5.1-1".into());
    assert!(!validator.is_valid(&document), "an id starting with a digit must be rejected");
    document["catalog"].as_object_mut().unwrap().remove("metadata");
    assert!(!validator.is_valid(&document));
}

#[test]
fn provisional_criteria_are_partly_covered_by_what_they_were_written_from() {
    let catalog = catalog();
    let have = [LevelSelector::parse("etsi-en-303-645:all").unwrap()];
    let want = LevelSelector::parse("jc-star:3/network-camera").unwrap();
    let report = catalog.gap(&have, &want).unwrap();
    let brute_force = report.partial.iter().find(|e| e.id == "TK-G2-01").expect("TK-G2-01 is partly covered");
    assert!(
        brute_force.by.iter().any(|b| b.id == "5.1-5" && b.basis == BasisKind::DerivedFrom),
        "{:?}",
        brute_force.by
    );
    // Written from NISTIR 8425 only: holding ETSI leaves it to be evaluated.
    assert!(report.remaining.iter().any(|e| e.id == "TK-CAM3-02"), "{:?}", report.remaining);
}
