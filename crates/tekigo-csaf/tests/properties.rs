//! Random input: whatever `build` accepts passes the schema and the mandatory tests, and input
//! within the documented rules is always accepted.

mod support;

use jiff::Timestamp;
use proptest::prelude::*;
use serde_json::Value;
use support::publisher;
use tekigo_csaf::{
    Advisory, AffectedProduct, Cvss3, DocumentStatus, Kev, ProductStatus, Revision, VexJustification, Vulnerability,
    build, mandatory_tests, validate_schema,
};

/// Odd text: any Unicode, whitespace, line breaks, empty.
fn odd() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,16}",
        "[ \t\n\r\u{2028}\u{feff}a-z<>]{0,6}",
        Just(String::new()),
        "[A-Za-z0-9 ._-]{1,12}",
        "[ぁ-んァ-ン一-龯]{1,8}",
    ]
}

/// Text that follows the rules: not blank.
fn fine() -> impl Strategy<Value = String> {
    prop_oneof!["[A-Za-z0-9][A-Za-z0-9 ._/()-]{0,15}", "[ぁ-んァ-ン一-龯]{1,8}", "\\PC{0,10}[a-z]"]
}

fn url() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9]{1,8}".prop_map(|p| format!("https://example.jp/{p}")),
        odd(),
        Just("https://例え.jp/ラベル".to_owned()),
    ]
}

fn purl() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        "[a-z][a-z0-9-]{0,8}".prop_map(|n| Some(format!("pkg:generic/{n}@1.0"))),
        Just(Some("pkg:npm/%40angular/core@16.0.0".to_owned())),
        odd().prop_map(Some),
    ]
}

const VECTORS: [(&str, f64); 4] = [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.0/AV:L/AC:H/PR:L/UI:R/S:C/C:L/I:N/A:N", 2.5),
    ("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ("CVSS:3.1/AV:A/AC:L/PR:L/UI:N/S:C/C:H/I:L/A:N/E:P/RL:O", 7.6),
];

fn cvss(strict: bool) -> impl Strategy<Value = Option<Cvss3>> {
    let good = (0..VECTORS.len()).prop_map(|i| Some(Cvss3 { vector: VECTORS[i].0.into(), base_score: VECTORS[i].1 }));
    if strict {
        prop_oneof![Just(None), good].boxed()
    } else {
        prop_oneof![
            Just(None),
            good,
            (odd(), any::<f64>()).prop_map(|(vector, base_score)| Some(Cvss3 { vector, base_score }))
        ]
        .boxed()
    }
}

fn status(text: BoxedStrategy<String>) -> impl Strategy<Value = ProductStatus> {
    prop_oneof![
        Just(ProductStatus::KnownAffected),
        Just(ProductStatus::Fixed),
        Just(ProductStatus::UnderInvestigation),
        ((0..5usize), text).prop_map(|(j, impact)| ProductStatus::KnownNotAffected {
            justification: VexJustification::ALL[j],
            impact
        }),
    ]
}

fn product(text: BoxedStrategy<String>, strict: bool) -> impl Strategy<Value = AffectedProduct> {
    let url =
        if strict { "[a-z0-9]{1,8}".prop_map(|p| format!("https://example.jp/{p}")).boxed() } else { url().boxed() };
    let purl = if strict {
        prop_oneof![Just(None), "[a-z][a-z0-9-]{0,8}".prop_map(|n| Some(format!("pkg:generic/{n}@1.0")))].boxed()
    } else {
        purl().boxed()
    };
    // Firmware versions in strict mode avoid the words of CSAF 2.0 §6.1.31.
    let firmware = if strict { "[0-9][0-9a-z.+_-]{0,8}".boxed() } else { text.clone() };
    (
        (
            text.clone(),
            url,
            prop::sample::select(vec!["Acme", "Bento", "千代田電機", "Acme "]),
            text.clone(),
            text.clone(),
        ),
        (firmware, prop::sample::select(vec!["busybox", "openssl", "lwip"]), text.clone(), purl),
        (status(text.clone()), prop::collection::vec(text.clone(), 0..2), prop::option::of(text)),
    )
        .prop_map(
            move |(
                (label, label_url, vendor, name, model),
                (firmware, component, version, purl),
                (status, fixed_in, note),
            )| {
                let mut product = AffectedProduct {
                    label_number: label,
                    label_url,
                    vendor: vendor.into(),
                    product_name: name,
                    model,
                    firmware_version: firmware,
                    component_name: component.into(),
                    component_version: version,
                    component_purl: purl,
                    status,
                    fixed_in,
                    remediation_note: note,
                };
                if strict {
                    // The documented rules: fixes and notes only where something is to be done.
                    if product.status != ProductStatus::KnownAffected {
                        product.fixed_in.clear();
                    }
                    if matches!(product.status, ProductStatus::Fixed | ProductStatus::KnownNotAffected { .. }) {
                        product.remediation_note = None;
                    }
                }
                product
            },
        )
}

fn advisory(strict: bool) -> impl Strategy<Value = Advisory> {
    let text = if strict { fine().boxed() } else { odd().boxed() };
    let id = if strict { "[A-Z]{1,6}-[0-9]{4}-[0-9]{1,4}".boxed() } else { odd().boxed() };
    let products = prop::collection::vec(product(text.clone(), strict), if strict { 1..8 } else { 0..8 });
    let references = prop::collection::vec(
        if strict { "[a-z0-9]{1,8}".prop_map(|p| format!("https://ref.example/{p}")).boxed() } else { url().boxed() },
        0..3,
    );
    (
        (
            id,
            text.clone(),
            0i64..4_000_000_000,
            prop::collection::vec((0i64..10_000_000, text.clone()), 1..4),
            any::<bool>(),
        ),
        (
            prop::option::of("CVE-20[0-9]{2}-[0-9]{4,6}"),
            prop::collection::vec("(GHSA|GO|JVNDB)-[a-z0-9]{4}", 0..3),
            text.clone(),
            prop::option::of(text),
        ),
        (
            cvss(strict),
            prop::option::of(("20[0-9]{2}-0[1-9]-1[0-9]", prop::option::of("20[0-9]{2}-1[0-2]-2[0-8]"))),
            references,
            products,
        ),
    )
        .prop_map(
            move |(
                (tracking_id, title, start, steps, interim),
                (cve, mut other_ids, summary_en, summary_ja),
                (cvss_v3, kev, mut references, mut products),
            )| {
                let mut date = start;
                let revisions: Vec<Revision> = steps
                    .into_iter()
                    .enumerate()
                    .map(|(i, (step, summary))| {
                        date += step;
                        Revision { number: i as u32 + 1, date: Timestamp::from_second(date).unwrap(), summary }
                    })
                    .collect();
                if strict {
                    other_ids.sort();
                    other_ids.dedup();
                    references.sort();
                    references.dedup();
                    // One entry per component per firmware (CSAF 2.0 §6.1.6).
                    let mut seen = std::collections::BTreeSet::new();
                    products.retain(|p| {
                        seen.insert((
                            p.label_number.clone(),
                            p.label_url.clone(),
                            p.vendor.clone(),
                            p.product_name.clone(),
                            p.model.clone(),
                            p.firmware_version.clone(),
                            p.component_name.clone(),
                            p.component_version.clone(),
                            p.component_purl.clone(),
                        ))
                    });
                }
                let other_ids = if strict && cve.is_none() && other_ids.is_empty() {
                    vec!["GO-2026-0001".into()]
                } else {
                    other_ids
                };
                Advisory {
                    tracking_id,
                    title,
                    initial_release: Timestamp::from_second(start).unwrap(),
                    current_release: revisions.last().unwrap().date,
                    revisions,
                    status: if interim { DocumentStatus::Interim } else { DocumentStatus::Final },
                    vulnerability: Vulnerability {
                        cve,
                        other_ids,
                        summary_en,
                        summary_ja,
                        cvss_v3,
                        kev: kev.map(|(date_added, due_date)| Kev { date_added, due_date }),
                        references,
                    },
                    products,
                }
            },
        )
}

fn problems(document: &Value) -> Vec<String> {
    validate_schema(document).iter().chain(&mandatory_tests(document)).map(ToString::to_string).collect()
}

/// An advisory within the rules with one field replaced by odd text (or odd CVSS, URL, purl), so
/// that a fair share still builds and the edges of each rule are reached.
fn near_valid() -> impl Strategy<Value = Advisory> {
    (advisory(true), 0..16usize, odd(), url(), purl(), cvss(false)).prop_map(|(mut a, field, text, url, purl, cvss)| {
        let p = &mut a.products[0];
        match field {
            0 => a.tracking_id = text,
            1 => a.title = text,
            2 => a.revisions[0].summary = text,
            3 => a.vulnerability.summary_en = text,
            4 => a.vulnerability.summary_ja = Some(text),
            5 => a.vulnerability.references.push(url),
            6 => a.vulnerability.other_ids.push(text),
            7 => a.vulnerability.cvss_v3 = cvss,
            8 => p.label_number = text,
            9 => p.label_url = url,
            10 => p.firmware_version = text,
            11 => p.component_purl = purl,
            12 => p.product_name = text,
            13 => p.remediation_note = Some(text),
            14 => a.vulnerability.cve = Some(text),
            _ => {
                p.status = ProductStatus::KnownNotAffected {
                    justification: VexJustification::ComponentNotPresent,
                    impact: text,
                }
            }
        }
        a
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn whatever_is_built_is_valid(advisory in prop_oneof![advisory(false), near_valid()]) {
        if let Ok(document) = build(&publisher(), &advisory) {
            let found = problems(&document);
            prop_assert!(found.is_empty(), "{found:#?}\n{document:#}");
        }
    }

    #[test]
    fn near_valid_input_is_often_built(advisories in prop::collection::vec(near_valid(), 40)) {
        // Guards the test above against a generator whose input is always refused.
        let built = advisories.iter().filter(|a| build(&publisher(), a).is_ok()).count();
        prop_assert!(built >= 5, "only {built} of 40 built");
    }

    #[test]
    fn input_within_the_rules_is_built(advisory in advisory(true)) {
        let document = build(&publisher(), &advisory);
        prop_assert!(document.is_ok(), "{:?}\n{advisory:#?}", document.err());
        let found = problems(&document.unwrap());
        prop_assert!(found.is_empty(), "{found:#?}");
    }
}
