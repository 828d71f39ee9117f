//! Each implemented mandatory test catches a document broken the way it describes: a valid built
//! document, mutated.

mod support;

use serde_json::{Value, json};
use support::*;
use tekigo_csaf::{NOT_IMPLEMENTED, build, mandatory_tests};

fn valid() -> Value {
    let document = build(&publisher(), &full()).unwrap();
    assert_eq!(mandatory_tests(&document), vec![]);
    document
}

fn at<'a>(document: &'a mut Value, pointer: &str) -> &'a mut Value {
    document.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}"))
}

fn push(document: &mut Value, pointer: &str, item: Value) {
    at(document, pointer).as_array_mut().unwrap().push(item);
}

const V: &str = "/vulnerabilities/0";

type Mutation = Box<dyn Fn(&mut Value)>;

/// (test, where it must report, how to break a valid document).
fn cases() -> Vec<(&'static str, &'static str, Mutation)> {
    vec![
        (
            "6.1.1",
            "/vulnerabilities/0/product_status/fixed/1",
            Box::new(|d| push(d, "/vulnerabilities/0/product_status/fixed", json!("CSAFPID-0009"))),
        ),
        (
            "6.1.1",
            "/vulnerabilities/0/flags/0/product_ids/1",
            Box::new(|d| push(d, "/vulnerabilities/0/flags/0/product_ids", json!("nope"))),
        ),
        (
            "6.1.2",
            "/product_tree/full_product_names/3/product_id",
            Box::new(|d| {
                push(
                    d,
                    "/product_tree/full_product_names",
                    json!({"name": "again", "product_id": "CSAFPID-COMPONENT-1"}),
                )
            }),
        ),
        (
            "6.1.3",
            "/product_tree/relationships/0/full_product_name/product_id",
            Box::new(|d| *at(d, "/product_tree/relationships/0/product_reference") = json!("CSAFPID-1-2")),
        ),
        (
            "6.1.4",
            "/vulnerabilities/0/remediations/0/group_ids/0",
            Box::new(|d| at(d, "/vulnerabilities/0/remediations/0")["group_ids"] = json!(["CSAFGID-1"])),
        ),
        (
            "6.1.5",
            "/product_tree/product_groups/1/group_id",
            Box::new(|d| {
                let group = json!({"group_id": "G", "product_ids": ["CSAFPID-1-2", "CSAFPID-3-1"]});
                at(d, "/product_tree")["product_groups"] = json!([group.clone(), group]);
            }),
        ),
        (
            "6.1.6",
            "/vulnerabilities/0/product_status/known_not_affected/2",
            Box::new(|d| push(d, "/vulnerabilities/0/product_status/known_not_affected", json!("CSAFPID-1-2"))),
        ),
        (
            "6.1.7",
            "/vulnerabilities/0/scores/1/products/0",
            Box::new(|d| {
                let score = at(d, "/vulnerabilities/0/scores/0").clone();
                push(d, "/vulnerabilities/0/scores", score);
            }),
        ),
        (
            "6.1.8",
            "/vulnerabilities/0/scores/0/cvss_v3",
            Box::new(|d| {
                at(d, "/vulnerabilities/0/scores/0/cvss_v3").as_object_mut().unwrap().remove("baseSeverity");
            }),
        ),
        (
            "6.1.8",
            "/vulnerabilities/0/scores/0/cvss_v3/vectorString",
            Box::new(|d| *at(d, "/vulnerabilities/0/scores/0/cvss_v3/version") = json!("3.0")),
        ),
        (
            "6.1.9",
            "/vulnerabilities/0/scores/0/cvss_v3/baseScore",
            Box::new(|d| *at(d, "/vulnerabilities/0/scores/0/cvss_v3/baseScore") = json!(9.0)),
        ),
        (
            "6.1.9",
            "/vulnerabilities/0/scores/0/cvss_v3/baseSeverity",
            Box::new(|d| *at(d, "/vulnerabilities/0/scores/0/cvss_v3/baseSeverity") = json!("HIGH")),
        ),
        (
            "6.1.10",
            "/vulnerabilities/0/scores/0/cvss_v3/attackVector",
            Box::new(|d| at(d, "/vulnerabilities/0/scores/0/cvss_v3")["attackVector"] = json!("LOCAL")),
        ),
        ("6.1.12", "/document/lang", Box::new(|d| *at(d, "/document/lang") = json!("EZ"))),
        (
            "6.1.13",
            "/product_tree/full_product_names/1/product_identification_helper/purl",
            Box::new(|d| {
                *at(d, "/product_tree/full_product_names/1/product_identification_helper/purl") =
                    json!("pkg:maven/@1.3.4")
            }),
        ),
        (
            "6.1.14",
            "/document/tracking/revision_history/1",
            Box::new(|d| {
                *at(d, "/document/tracking/revision_history/0/number") = json!("3");
                *at(d, "/document/tracking/revision_history/1/number") = json!("2");
            }),
        ),
        ("6.1.15", "/document/source_lang", Box::new(|d| *at(d, "/document/publisher/category") = json!("translator"))),
        ("6.1.16", "/document/tracking/version", Box::new(|d| *at(d, "/document/tracking/version") = json!("1"))),
        (
            "6.1.17",
            "/document/tracking/status",
            Box::new(|d| {
                *at(d, "/document/tracking/version") = json!("2.0.0-rc.1");
            }),
        ),
        (
            "6.1.18",
            "/document/tracking/revision_history/0/number",
            Box::new(|d| *at(d, "/document/tracking/revision_history/0/number") = json!("0")),
        ),
        (
            "6.1.19",
            "/document/tracking/revision_history/1/number",
            Box::new(|d| *at(d, "/document/tracking/revision_history/1/number") = json!("2.0.0-alpha")),
        ),
        (
            "6.1.20",
            "/document/tracking/version",
            Box::new(|d| *at(d, "/document/tracking/version") = json!("2.0.0-alpha")),
        ),
        (
            "6.1.21",
            "/document/tracking/revision_history",
            Box::new(|d| {
                *at(d, "/document/tracking/revision_history/1/number") = json!("3");
            }),
        ),
        (
            "6.1.22",
            "/document/tracking/revision_history/1/number",
            Box::new(|d| *at(d, "/document/tracking/revision_history/1/number") = json!("1")),
        ),
        (
            "6.1.23",
            "/vulnerabilities/1/cve",
            Box::new(|d| {
                let copy = at(d, V).clone();
                push(d, "/vulnerabilities", copy);
            }),
        ),
        (
            "6.1.24",
            "/vulnerabilities/0/involvements/1",
            Box::new(|d| {
                let involvement =
                    json!({"party": "coordinator", "status": "contact_attempted", "date": "2026-03-01T00:00:00Z"});
                let mut second = involvement.clone();
                second["status"] = json!("completed");
                at(d, V)["involvements"] = json!([involvement, second]);
            }),
        ),
        (
            "6.1.25",
            "/product_tree/full_product_names/0/product_identification_helper/hashes/0/file_hashes/1/algorithm",
            Box::new(|d| {
                let hash = json!({"algorithm": "sha256", "value": "4775203615d9534a8bfca96a93dc8b461a489f69124a130d786b42204f3341cc"});
                at(d, "/product_tree/full_product_names/0")["product_identification_helper"] =
                    json!({"hashes": [{"filename": "busybox", "file_hashes": [hash.clone(), hash]}]});
            }),
        ),
        ("6.1.26", "/document/category", Box::new(|d| *at(d, "/document/category") = json!("Security      Advisory"))),
        ("6.1.26", "/document/category", Box::new(|d| *at(d, "/document/category") = json!("csaf_a"))),
        (
            "6.1.27.1",
            "/document/notes",
            Box::new(|d| *at(d, "/document/category") = json!("csaf_security_incident_response")),
        ),
        (
            "6.1.27.2",
            "/document/references",
            Box::new(|d| *at(d, "/document/category") = json!("csaf_informational_advisory")),
        ),
        (
            "6.1.27.3",
            "/vulnerabilities",
            Box::new(|d| *at(d, "/document/category") = json!("csaf_informational_advisory")),
        ),
        (
            "6.1.27.4",
            "/product_tree",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("product_tree");
            }),
        ),
        (
            "6.1.27.5",
            "/vulnerabilities/0/notes",
            Box::new(|d| {
                at(d, V).as_object_mut().unwrap().remove("notes");
            }),
        ),
        (
            "6.1.27.6",
            "/vulnerabilities/0/product_status",
            Box::new(|d| {
                *at(d, "/document/category") = json!("csaf_security_advisory");
                at(d, V).as_object_mut().unwrap().remove("product_status");
            }),
        ),
        (
            "6.1.27.7",
            "/vulnerabilities/0/product_status",
            Box::new(|d| at(d, V)["product_status"] = json!({"recommended": ["CSAFPID-2-2"]})),
        ),
        (
            "6.1.27.8",
            "/vulnerabilities/0",
            Box::new(|d| {
                let v = at(d, V).as_object_mut().unwrap();
                v.remove("cve");
                v.remove("ids");
            }),
        ),
        (
            "6.1.27.9",
            "/vulnerabilities/0/product_status/known_not_affected/0",
            Box::new(|d| {
                at(d, V).as_object_mut().unwrap().remove("flags");
                at(d, "/vulnerabilities/0/threats").as_array_mut().unwrap().retain(|t| t["category"] != "impact");
            }),
        ),
        (
            "6.1.27.10",
            "/vulnerabilities/0/product_status/known_affected/0",
            Box::new(|d| {
                at(d, "/vulnerabilities/0/remediations")
                    .as_array_mut()
                    .unwrap()
                    .retain(|r| r["category"] != "vendor_fix");
            }),
        ),
        (
            "6.1.27.11",
            "/vulnerabilities",
            Box::new(|d| {
                d.as_object_mut().unwrap().remove("vulnerabilities");
            }),
        ),
        ("6.1.28", "/document/source_lang", Box::new(|d| at(d, "/document")["source_lang"] = json!("EN"))),
        (
            "6.1.29",
            "/vulnerabilities/0/remediations/0",
            Box::new(|d| {
                at(d, "/vulnerabilities/0/remediations/0").as_object_mut().unwrap().remove("product_ids");
            }),
        ),
        (
            "6.1.30",
            "/document/tracking/version",
            Box::new(|d| {
                *at(d, "/document/tracking/version") = json!("2.0.0");
            }),
        ),
        (
            "6.1.31",
            "/product_tree/branches/0/branches/0/branches/0/name",
            Box::new(|d| *at(d, "/product_tree/branches/0/branches/0/branches/0/name") = json!("prior to 2.1.1")),
        ),
        (
            "6.1.32",
            "/vulnerabilities/0/flags/0",
            Box::new(|d| {
                at(d, "/vulnerabilities/0/flags/0").as_object_mut().unwrap().remove("product_ids");
            }),
        ),
        (
            "6.1.33",
            "/vulnerabilities/0/flags/1",
            Box::new(|d| *at(d, "/vulnerabilities/0/flags/1/product_ids") = json!(["CSAFPID-5-2", "CSAFPID-7-2"])),
        ),
    ]
}

#[test]
fn each_test_catches_its_example() {
    for (test, path, mutate) in cases() {
        let mut document = valid();
        mutate(&mut document);
        let found = mandatory_tests(&document);
        assert!(
            found.iter().any(|p| p.test == test && p.path == path),
            "{test} at {path} not reported; got {:#?}",
            found.iter().map(ToString::to_string).collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_implemented_test_has_an_example() {
    let covered: std::collections::BTreeSet<&str> = cases().iter().map(|(t, _, _)| *t).collect();
    let all = [
        "6.1.1",
        "6.1.2",
        "6.1.3",
        "6.1.4",
        "6.1.5",
        "6.1.6",
        "6.1.7",
        "6.1.8",
        "6.1.9",
        "6.1.10",
        "6.1.11",
        "6.1.12",
        "6.1.13",
        "6.1.14",
        "6.1.15",
        "6.1.16",
        "6.1.17",
        "6.1.18",
        "6.1.19",
        "6.1.20",
        "6.1.21",
        "6.1.22",
        "6.1.23",
        "6.1.24",
        "6.1.25",
        "6.1.26",
        "6.1.27.1",
        "6.1.27.2",
        "6.1.27.3",
        "6.1.27.4",
        "6.1.27.5",
        "6.1.27.6",
        "6.1.27.7",
        "6.1.27.8",
        "6.1.27.9",
        "6.1.27.10",
        "6.1.27.11",
        "6.1.28",
        "6.1.29",
        "6.1.30",
        "6.1.31",
        "6.1.32",
        "6.1.33",
    ];
    for test in all {
        assert!(covered.contains(test) != NOT_IMPLEMENTED.contains(&test), "{test}");
    }
}

#[test]
fn group_references_count_for_impact_and_action_statements() {
    // CSAF 2.0 §6.1.27.9 and §6.1.27.10 accept statements given through a product group.
    let mut document = valid();
    at(&mut document, "/product_tree")["product_groups"] =
        json!([{"group_id": "CSAFGID-1", "product_ids": ["CSAFPID-1-2", "CSAFPID-5-2"]}]);
    let v = at(&mut document, V);
    v["flags"][1].as_object_mut().unwrap().remove("product_ids");
    v["flags"][1]["group_ids"] = json!(["CSAFGID-1"]);
    v["threats"][0].as_object_mut().unwrap().remove("product_ids");
    v["threats"][0]["group_ids"] = json!(["CSAFGID-1"]);
    v["remediations"][1].as_object_mut().unwrap().remove("product_ids");
    v["remediations"][1]["group_ids"] = json!(["CSAFGID-1"]);
    assert_eq!(mandatory_tests(&document), vec![]);
}
