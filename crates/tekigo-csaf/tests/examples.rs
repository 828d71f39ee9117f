//! The six real CSAF 2.0 advisories in `tests/fixtures/examples/` (Cisco, Red Hat, BSI, two
//! from the CSAF TC, as published in the OASIS CSAF repository) against the schema and the mandatory tests.

use std::collections::BTreeMap;

use serde_json::Value;
use tekigo_csaf::{mandatory_tests, validate_schema};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/examples");

fn examples() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("{DIR}: {e}"))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn the_real_advisories_are_valid_against_the_schema() {
    let examples = examples();
    assert_eq!(examples.len(), 6);
    for (name, document) in &examples {
        let problems = validate_schema(document);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

#[test]
fn the_real_advisories_and_the_mandatory_tests() {
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, document) in examples() {
        found.insert(name, mandatory_tests(&document).iter().map(ToString::to_string).collect());
    }
    insta::assert_json_snapshot!("examples_mandatory", found);
}
