//! Built documents: valid in every shape, deterministic, and bad input refused with the field named.

mod support;

use serde_json::Value;
use support::*;
use tekigo_csaf::{Advisory, Cvss3, Problem, ProductStatus, VexJustification, build, mandatory_tests, validate_schema};

fn problems(document: &Value) -> Vec<Problem> {
    let mut all = validate_schema(document);
    all.extend(mandatory_tests(document));
    all
}

fn assert_valid(advisory: &Advisory) -> Value {
    let document = build(&publisher(), advisory).unwrap();
    let found = problems(&document);
    assert!(found.is_empty(), "{}\n{document:#}", found.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"));
    document
}

#[test]
fn the_full_advisory_is_valid() {
    let document = assert_valid(&full());
    let vulnerability = &document["vulnerabilities"][0];
    let status = &vulnerability["product_status"];
    for key in ["known_affected", "known_not_affected", "fixed", "under_investigation"] {
        assert!(status[key].as_array().is_some_and(|a| !a.is_empty()), "{key}");
    }
    assert_eq!(vulnerability["notes"][1]["title"], "概要");
    assert_eq!(vulnerability["scores"][0]["cvss_v3"]["baseSeverity"], "CRITICAL");
    assert_eq!(document["document"]["tracking"]["version"], "2");
    assert_eq!(document["product_tree"]["branches"].as_array().unwrap().len(), 3, "three vendors");
}

#[test]
fn the_minimal_advisory_is_valid() {
    let document = assert_valid(&minimal());
    let vulnerability = &document["vulnerabilities"][0];
    assert!(vulnerability.get("cve").is_none() && vulnerability.get("scores").is_none());
    assert_eq!(vulnerability["ids"][0]["system_name"], "Go Vulnerability Database");
}

#[test]
fn each_status_alone_is_valid() {
    let statuses = [
        ProductStatus::KnownAffected,
        ProductStatus::Fixed,
        ProductStatus::UnderInvestigation,
        ProductStatus::KnownNotAffected {
            justification: VexJustification::InlineMitigationsAlreadyExist,
            impact: "Mitigated.".into(),
        },
    ];
    for status in statuses {
        let mut advisory = full();
        advisory.products = vec![product("JC1-2026-000001", "Acme", "Camera", "1.0", status)];
        assert_valid(&advisory);
    }
}

#[test]
fn every_justification_and_many_products_of_several_vendors() {
    let mut advisory = full();
    for n in 0..60 {
        let status = match n % 4 {
            0 => ProductStatus::KnownAffected,
            1 => ProductStatus::Fixed,
            2 => ProductStatus::UnderInvestigation,
            _ => ProductStatus::KnownNotAffected {
                justification: VexJustification::ALL[n % 5],
                impact: format!("Impact statement {}.", n % 3),
            },
        };
        let mut p = product(
            &format!("JC1-2026-{n:06}"),
            &format!("Vendor {}", n % 7),
            "Gateway",
            &format!("{}.0", n % 5),
            status,
        );
        p.component_name = format!("lib{}", n % 3);
        advisory.products.push(p);
    }
    let document = assert_valid(&advisory);
    assert_eq!(document["product_tree"]["branches"].as_array().unwrap().len(), 3 + 7);
}

#[test]
fn cvss_3_0_and_a_score_without_affected_products() {
    let mut advisory = full();
    advisory.vulnerability.cvss_v3 =
        Some(Cvss3 { vector: "CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N".into(), base_score: 2.5 });
    let document = assert_valid(&advisory);
    assert_eq!(document["vulnerabilities"][0]["scores"][0]["cvss_v3"]["version"], "3.0");
    advisory.products.retain(|p| matches!(p.status, ProductStatus::Fixed));
    let document = assert_valid(&advisory);
    assert!(document["vulnerabilities"][0].get("scores").is_none());
}

#[test]
fn output_is_deterministic_and_independent_of_product_order() {
    let advisory = full();
    let first = serde_json::to_string(&build(&publisher(), &advisory).unwrap()).unwrap();
    assert_eq!(first, serde_json::to_string(&build(&publisher(), &advisory).unwrap()).unwrap());
    let mut reversed = advisory.clone();
    reversed.products.reverse();
    assert_eq!(first, serde_json::to_string(&build(&publisher(), &reversed).unwrap()).unwrap());
}

#[test]
fn snapshot_of_the_full_advisory() {
    insta::assert_json_snapshot!("full_advisory", build(&publisher(), &full()).unwrap());
}

#[test]
fn bad_input_is_refused_with_the_field_named() {
    type Mutation = Box<dyn Fn(&mut Advisory)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("tracking_id", Box::new(|a| a.tracking_id = " TEKIGO-1".into())),
        ("title", Box::new(|a| a.title = "  ".into())),
        ("revisions", Box::new(|a| a.revisions.clear())),
        ("revisions[1].number", Box::new(|a| a.revisions[1].number = 3)),
        ("revisions[1].date", Box::new(|a| a.revisions[1].date = at("2026-01-01T00:00:00Z"))),
        ("current_release", Box::new(|a| a.current_release = at("2020-01-01T00:00:00Z"))),
        ("vulnerability.cve", Box::new(|a| a.vulnerability.cve = Some("CVE-26-1".into()))),
        ("vulnerability.other_ids[0]", Box::new(|a| a.vulnerability.other_ids[0] = "CVE-2026-1111".into())),
        (
            "vulnerability",
            Box::new(|a| {
                a.vulnerability.cve = None;
                a.vulnerability.other_ids.clear();
            }),
        ),
        ("vulnerability.cvss_v3.base_score", Box::new(|a| a.vulnerability.cvss_v3.as_mut().unwrap().base_score = 9.0)),
        (
            "vulnerability.cvss_v3.vector",
            Box::new(|a| a.vulnerability.cvss_v3.as_mut().unwrap().vector = "CVSS:3.1/AV:N".into()),
        ),
        (
            "vulnerability.cvss_v3.vector",
            Box::new(|a| {
                a.vulnerability.cvss_v3.as_mut().unwrap().vector = "cvss:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h".into()
            }),
        ),
        (
            "vulnerability.kev.date_added",
            Box::new(|a| a.vulnerability.kev.as_mut().unwrap().date_added = "04/03/2026".into()),
        ),
        ("vulnerability.references[0]", Box::new(|a| a.vulnerability.references[0] = "nvd".into())),
        (
            "vulnerability.references[1]",
            Box::new(|a| a.vulnerability.references[1] = a.vulnerability.references[0].clone()),
        ),
        ("vulnerability.summary_ja", Box::new(|a| a.vulnerability.summary_ja = Some(String::new()))),
        ("products", Box::new(|a| a.products.clear())),
        ("products[0].firmware_version", Box::new(|a| a.products[0].firmware_version = "all versions".into())),
        ("products[0].firmware_version", Box::new(|a| a.products[0].firmware_version = "<= 2.1".into())),
        ("products[0].component_purl", Box::new(|a| a.products[0].component_purl = Some("pkg:generic".into()))),
        ("products[0].label_url", Box::new(|a| a.products[0].label_url = "/labels/x".into())),
        (
            "products[3].status.impact",
            Box::new(|a| {
                a.products[3].status = ProductStatus::KnownNotAffected {
                    justification: VexJustification::ComponentNotPresent,
                    impact: String::new(),
                }
            }),
        ),
        ("products[5].fixed_in", Box::new(|a| a.products[5].fixed_in = vec!["9".into()])),
        ("products[7]", Box::new(|a| a.products.push(a.products[0].clone()))),
    ];
    for (field, mutate) in cases {
        let mut advisory = full();
        mutate(&mut advisory);
        let error = build(&publisher(), &advisory).expect_err(field);
        assert_eq!(error.field, field, "{error}");
    }
    let mut bad = publisher();
    bad.namespace = "jc-star".into();
    assert_eq!(build(&bad, &full()).unwrap_err().to_string().split(':').next(), Some("publisher.namespace"));
}
