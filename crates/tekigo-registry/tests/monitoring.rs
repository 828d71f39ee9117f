//! Continuous monitoring end to end on real databases (SQLite and PostgreSQL) and a real
//! vulnerability database: two labeled cameras hold the same BusyBox; an NVD record and a KEV
//! entry for it are imported; both get a case; one vendor answers with VEX and stays valid, the
//! other does nothing and is suspended after the grace period, then revoked after the hearing.

use std::path::Path;

use ed25519_dalek::SigningKey;
use jiff::ToSpan;
use tekigo_registry::Registry;
use tekigo_registry::Status;
use tekigo_registry::cases::lifecycle::{GRACE_DAYS, Ground, HEARING_DAYS, Lifecycle};
use tekigo_registry::monitoring::Scope;
use tekigo_registry::{NewProduct, Role, User};
use tekigo_testkit::{NOW, TODAY, on_both, public_pem, signed_sample_as};
use tekigo_vuln::VulnDb;

const CVE: &str = "CVE-2026-31337";
/// The sample camera's SBOM: its components, the firmware itself included.
const SAMPLE_COMPONENTS: usize = 7;
const BUSYBOX_CPE: &str = "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*";

/// An NVD CVE 2.0 record: BusyBox before 1.37.0, CVSS 3.1 base 9.8.
fn nvd_record(id: &str, product: &str, end_excluding: &str) -> serde_json::Value {
    serde_json::json!({
        "cve": {
            "id": id,
            "sourceIdentifier": "test",
            "published": "2026-11-20T00:00:00.000",
            "lastModified": "2026-11-20T00:00:00.000",
            "vulnStatus": "Analyzed",
            "descriptions": [{ "lang": "en", "value": format!("A heap overflow in {product}'s httpd lets a remote attacker run code.") }],
            "metrics": { "cvssMetricV31": [{
                "source": "nvd@nist.gov", "type": "Primary",
                "cvssData": { "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8 }
            }]},
            "configurations": [{ "nodes": [{ "operator": "OR", "negate": false, "cpeMatch": [{
                "vulnerable": true,
                "criteria": format!("cpe:2.3:a:{product}:{product}:*:*:*:*:*:*:*:*"),
                "matchCriteriaId": "00000000-0000-0000-0000-000000000001",
                "versionEndExcluding": end_excluding
            }]}]}]
        }
    })
}

fn nvd_feed(records: Vec<serde_json::Value>) -> serde_json::Value {
    serde_json::json!({
        "resultsPerPage": records.len(), "startIndex": 0, "totalResults": records.len(),
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-11-26T00:00:00.000",
        "vulnerabilities": records
    })
}

fn kev(cves: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.11.26",
        "dateReleased": "2026-11-26T00:00:00.000Z",
        "count": cves.len(),
        "vulnerabilities": cves.iter().map(|cve| serde_json::json!({
            "cveID": cve, "vendorProject": "BusyBox", "product": "BusyBox",
            "vulnerabilityName": "BusyBox heap overflow", "dateAdded": "2026-11-25",
            "shortDescription": "Heap overflow.", "requiredAction": "Apply updates.",
            "dueDate": "2026-12-16", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []
        })).collect::<Vec<_>>()
    })
}

fn import(db: &mut VulnDb, dir: &Path, name: &str, document: &serde_json::Value) {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(document).unwrap()).unwrap();
    tekigo_vuln::import_paths(db, &[path], &mut |_| {}).unwrap();
}

fn camera(firmware: &str) -> NewProduct {
    NewProduct {
        name: "EXC-100 network camera".into(),
        model: "EXC-100".into(),
        models: Vec::new(),
        firmware_version: firmware.into(),
        product_type: Some("network-camera".into()),
        support_end: "2030-03-31".into(),
        vulnerability_contact: "https://example.com/security".into(),
    }
}

/// A vendor with one labeled camera: the vendor and the label's number.
async fn labeled_camera(registry: &Registry, reviewer: &User, organisation: &str, email: &str) -> (User, String) {
    let key = SigningKey::from_bytes(&[email.len() as u8; 32]);
    let vendor = registry.sign_up_vendor(organisation, email, "Someone", "correct horse battery", NOW).await.unwrap();
    registry.add_signing_key(&vendor, &public_pem(&key), NOW).await.unwrap();
    let product = registry.create_product(&vendor, camera("2.4.1"), TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample_as(&key, Some(organisation), "2.4.1");
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    registry.record_fee(reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    let label = registry.approve(reviewer, application.id, TODAY, NOW).await.unwrap();
    (vendor, label.number)
}

async fn status(registry: &Registry, number: &str, day: jiff::civil::Date) -> Status {
    registry.label(number, day).await.unwrap().unwrap().status
}

async fn a_kev_advisory_opens_cases_and_an_unanswered_one_ends_in_revocation(registry: &Registry) {
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let (silent, silent_label) = labeled_camera(registry, &reviewer, "Silent Devices K.K.", "a@silent.example").await;
    let (answering, answering_label) =
        labeled_camera(registry, &reviewer, "Answering Devices K.K.", "b@answering.example").await;

    let work = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(&work.path().join("vulndb")).unwrap();
    // An advisory for something neither camera holds.
    import(&mut db, work.path(), "unrelated.json", &nvd_feed(vec![nvd_record("CVE-2026-0001", "dropbear", "2030.1")]));

    // The first run checks every component once (new in the index) and finds nothing.
    let first = registry.monitor(&mut db, Scope::Journal, TODAY, NOW).await.unwrap();
    assert_eq!(first.components_checked, SAMPLE_COMPONENTS, "{first:?}");
    assert!(first.cases_opened.is_empty(), "{first:?}");
    let idle = registry.monitor(&mut db, Scope::Journal, TODAY, NOW).await.unwrap();
    assert_eq!((idle.components_checked, idle.labels_evaluated), (0, 0), "nothing changed, nothing checked: {idle:?}");

    // A new advisory and its KEV entry: only the BusyBox component is checked again, once for
    // both labels (they share it), and both get a case.
    import(&mut db, work.path(), "busybox.json", &nvd_feed(vec![nvd_record(CVE, "busybox", "1.37.0")]));
    import(&mut db, work.path(), "kev.json", &kev(&[CVE]));
    let run = registry.monitor(&mut db, Scope::Journal, TODAY, NOW + 10).await.unwrap();
    assert_eq!(run.components_checked, 1, "only the touched component: {run:?}");
    assert_eq!(run.labels_evaluated, 2, "{run:?}");
    let mut opened = run.cases_opened.clone();
    opened.sort();
    let mut expected = vec![silent_label.clone(), answering_label.clone()];
    expected.sort();
    assert_eq!(opened, expected);

    // The vendor is told, the label shows the case, and it stays valid during the grace period.
    let notices = registry.notices(&silent).await.unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].kind, "case-opened");
    let grace_until = TODAY.saturating_add(GRACE_DAYS.days());
    assert!(notices[0].body.en.contains(&grace_until.to_string()), "{:?}", notices[0]);
    assert!(notices[0].body.ja.contains("猶予") || notices[0].body.ja.contains(&grace_until.to_string()));
    let cases = registry.label_cases(&silent_label).await.unwrap();
    assert_eq!((cases.len(), cases[0].status.as_str(), cases[0].source.as_str()), (1, "open", "monitoring"));
    assert!(cases[0].summary.en.contains(CVE), "{:?}", cases[0].summary);
    let findings = registry.label_findings(&silent_label).await.unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["id"], CVE);
    assert!(findings[0]["kev"].is_object(), "the KEV entry is the exploitability evidence: {}", findings[0]);
    assert_eq!(status(registry, &silent_label, TODAY).await, Status::Valid);

    // The other vendor answers with VEX: not affected. Its case closes at the next run.
    let vex = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "vulnerabilities": [{
            "id": CVE,
            "analysis": { "state": "not_affected", "justification": "code_not_present", "detail": "httpd is not built into our BusyBox." },
            "affects": [{ "ref": BUSYBOX_CPE }]
        }]
    });
    assert!(
        registry.add_vex(&silent, &answering_label, vex.to_string().as_bytes(), NOW).await.is_err(),
        "another vendor's label"
    );
    assert_eq!(registry.add_vex(&answering, &answering_label, vex.to_string().as_bytes(), NOW + 20).await.unwrap(), 1);
    let run = registry.monitor(&mut db, Scope::Journal, TODAY, NOW + 30).await.unwrap();
    assert_eq!(run.cases_closed, vec![answering_label.clone()], "{run:?}");
    assert!(registry.label_findings(&answering_label).await.unwrap().is_empty());
    assert_eq!(registry.lifecycle(&answering_label).await.unwrap(), Some(Lifecycle::Active));

    // What is shared with JVN: one CSAF advisory listing both products, one affected and one not.
    let publisher = tekigo_csaf::Publisher {
        name: "JC-STAR certification body".into(),
        namespace: "https://registry.example".into(),
        contact_details: "csirt@registry.example".into(),
    };
    let now = jiff::Timestamp::from_second(NOW + 40).unwrap();
    let files = registry.export_csaf(&publisher, "https://registry.example", now).await.unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name, format!("jcstar-{}.json", CVE.to_lowercase()));
    let product_status = &files[0].document["vulnerabilities"][0]["product_status"];
    assert_eq!(product_status["known_affected"].as_array().map(Vec::len), Some(1), "{product_status}");
    assert_eq!(product_status["known_not_affected"].as_array().map(Vec::len), Some(1), "{product_status}");
    assert_eq!(files[0].document["document"]["tracking"]["version"], "1");
    assert!(tekigo_csaf::validate_schema(&files[0].document).is_empty());
    assert!(tekigo_csaf::mandatory_tests(&files[0].document).is_empty());
    let later = jiff::Timestamp::from_second(NOW + 50).unwrap();
    let again = registry.export_csaf(&publisher, "https://registry.example", later).await.unwrap();
    assert_eq!(again[0].document, files[0].document, "nothing changed: the same document, same version");

    // The grace period ends with no fix: the silent vendor's label is suspended, with a hearing.
    let after_grace = grace_until.tomorrow().unwrap();
    registry.sweep(after_grace, NOW + 100).await.unwrap();
    assert_eq!(status(registry, &silent_label, after_grace).await, Status::Suspended);
    assert_eq!(status(registry, &answering_label, after_grace).await, Status::Valid);
    let Some(Lifecycle::Suspended { ground, hearing_until, .. }) = registry.lifecycle(&silent_label).await.unwrap()
    else {
        panic!("suspended")
    };
    assert_eq!(ground, Ground::NotCorrectedInGrace);
    assert_eq!(hearing_until, after_grace.saturating_add(HEARING_DAYS.days()));

    // The hearing ends with no answer: revoked, on its ground; the other label is still valid.
    let after_hearing = hearing_until.tomorrow().unwrap();
    registry.sweep(after_hearing, NOW + 200).await.unwrap();
    assert_eq!(status(registry, &silent_label, after_hearing).await, Status::Revoked);
    assert_eq!(status(registry, &answering_label, after_hearing).await, Status::Valid);
    let Some(Lifecycle::Revoked { ground, .. }) = registry.lifecycle(&silent_label).await.unwrap() else {
        panic!("revoked")
    };
    assert_eq!(ground, Ground::NotCorrectedInGrace);
    let kinds: Vec<String> = registry.label_events(&silent_label).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["issued", "case-opened", "suspended", "revoked"]);
    let revoked_event = registry.label_events(&silent_label).await.unwrap().pop().unwrap();
    assert_eq!(revoked_event.detail.as_deref(), Some("not-corrected-in-grace"));
    let notices: Vec<String> = registry.notices(&silent).await.unwrap().into_iter().map(|n| n.kind).collect();
    assert_eq!(notices, ["revoked", "suspended", "case-opened"]);
    let audit = registry.audit_trail(&reviewer, 100).await.unwrap();
    for action in ["case-opened", "case-closed", "suspended", "revoked", "vex-added"] {
        assert!(audit.iter().any(|a| a.action == action), "audit has {action}: {audit:?}");
    }
    // Nothing changes a revoked label, and it cannot be renewed.
    let again = registry.monitor(&mut db, Scope::Full, after_hearing, NOW + 300).await.unwrap();
    assert!(again.cases_opened.is_empty(), "{again:?}");
    assert_eq!(status(registry, &silent_label, after_hearing).await, Status::Revoked);
}
on_both!(a_kev_advisory_opens_cases_and_an_unanswered_one_ends_in_revocation);

async fn a_withdrawn_advisory_closes_the_case_and_a_full_run_agrees(registry: &Registry) {
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let (_vendor, number) = labeled_camera(registry, &reviewer, "Example Devices K.K.", "sato@example.com").await;
    let work = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(&work.path().join("vulndb")).unwrap();
    import(&mut db, work.path(), "kev.json", &kev(&[CVE]));
    import(&mut db, work.path(), "busybox.json", &nvd_feed(vec![nvd_record(CVE, "busybox", "1.37.0")]));
    let run = registry.monitor(&mut db, Scope::Journal, TODAY, NOW).await.unwrap();
    assert_eq!(run.cases_opened, vec![number.clone()]);
    // The advisory is corrected: only versions before 1.36.0 are affected.
    let mut narrower = nvd_record(CVE, "busybox", "1.36.0");
    narrower["cve"]["lastModified"] = "2026-11-27T00:00:00.000".into();
    import(&mut db, work.path(), "busybox-2.json", &nvd_feed(vec![narrower]));
    let run = registry.monitor(&mut db, Scope::Journal, TODAY, NOW + 10).await.unwrap();
    assert_eq!(run.cases_closed, vec![number.clone()], "{run:?}");
    let cases = registry.label_cases(&number).await.unwrap();
    assert_eq!((cases[0].status.as_str(), cases[0].outcome.as_deref()), ("closed", Some("advisory-changed")));
    // A full run over everything finds the same: nothing.
    let full = registry.monitor(&mut db, Scope::Full, TODAY, NOW + 20).await.unwrap();
    assert_eq!(full.components_checked, SAMPLE_COMPONENTS);
    assert!(full.cases_opened.is_empty() && full.cases_closed.is_empty(), "{full:?}");
}
on_both!(a_withdrawn_advisory_closes_the_case_and_a_full_run_agrees);
