//! Firmware releases keep the label: a vendor publishes new firmware for its series, the registry
//! checks each release's SBOM with its own vulnerability database, a release that brings in a
//! known exploitable vulnerability opens a case and the release that fixes it closes the case.

use ed25519_dalek::SigningKey;
use tekigo_base::ModelEntry;
use tekigo_registry::releases::NewRelease;
use tekigo_registry::{NewProduct, Registry, RegistryError, Role};
use tekigo_testkit::{NOW, TODAY, on_both, public_pem, signed_series_sample, vulnerability_database};

const OPENSSL_CVE: &str = "CVE-2026-31337";

fn series() -> Vec<ModelEntry> {
    ["EXC-100", "EXC-100W", "EXC-100B"]
        .into_iter()
        .map(|model| ModelEntry { model: model.into(), gtin: None, sku: None })
        .collect()
}

/// The sample SBOM with its OpenSSL at another version.
fn with_openssl(sbom: &[u8], version: &str) -> Vec<u8> {
    String::from_utf8(sbom.to_vec()).unwrap().replace("3.0.15", version).into_bytes()
}

async fn a_release_keeps_the_label_and_monitoring_follows_it(plain: &Registry) {
    // OpenSSL before 3.0.15 has an exploited vulnerability; the sample runs 3.0.15.
    let work = tempfile::tempdir().unwrap();
    let vulndb = vulnerability_database(work.path(), &[(OPENSSL_CVE, "openssl", "3.0.15")], &[OPENSSL_CVE]);
    let registry = plain.clone().with_vulndb(&vulndb);
    let key = SigningKey::from_bytes(&[11; 32]);
    let vendor = registry
        .sign_up_vendor("Example Devices K.K.", "sato@example.com", "Hanako Sato", "correct horse battery", NOW)
        .await
        .unwrap();
    registry.add_signing_key(&vendor, &public_pem(&key), NOW).await.unwrap();
    let product = registry
        .create_product(
            &vendor,
            NewProduct {
                name: "EXC-100 network camera".into(),
                model: "EXC-100".into(),
                models: series(),
                firmware_version: "2.4.1".into(),
                product_type: Some("network-camera".into()),
                support_end: "2030-03-31".into(),
                vulnerability_contact: "https://example.com/security".into(),
            },
            TODAY,
            NOW,
        )
        .await
        .unwrap();
    let (declaration, sbom) = signed_series_sample(&key, "2.4.1", &series());
    let (registry, vendor, product_id) = (&registry, &vendor, product.id);
    let release = |version: &'static str, models: &'static [&'static str], sbom: Vec<u8>| async move {
        let models: Vec<String> = models.iter().map(|m| (*m).to_owned()).collect();
        let new = NewRelease { version, models: &models, changes_security: true, sbom: &sbom, vex: None };
        registry.publish_release(vendor, product_id, new, TODAY, NOW + 100).await
    };
    let refused = release("2.5.0", &[], sbom.clone()).await;
    assert!(
        matches!(&refused, Err(RegistryError::Invalid(t)) if t.en.starts_with("this product has no label yet")),
        "{refused:?}"
    );
    let application = registry.submit(vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    registry.record_fee(&reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    let label = registry.approve(&reviewer, application.id, TODAY, NOW + 10).await.unwrap();
    assert_eq!(registry.releases_of(product.id).await.unwrap().len(), 1, "the issued firmware is the first release");

    // Bad releases are named and change nothing.
    let unknown = release("2.5.0", &["EXC-999"], sbom.clone()).await;
    assert!(matches!(&unknown, Err(RegistryError::Invalid(t)) if t.en == "not a model of this series: EXC-999"));
    let again = release("2.4.1", &[], sbom.clone()).await;
    assert!(
        matches!(&again, Err(RegistryError::Invalid(t)) if t.en.starts_with("firmware 2.4.1 is published already"))
    );
    let empty =
        release("2.5.0", &[], b"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":[]}".to_vec())
            .await;
    assert!(matches!(&empty, Err(RegistryError::Invalid(t)) if t.en == "the SBOM lists no components"), "{empty:?}");
    assert_eq!(registry.releases_of(product.id).await.unwrap().len(), 1);

    // A release for two models that brings back a vulnerable OpenSSL: recorded, checked as
    // failing, and monitoring opens a case at once. The label keeps its number.
    let bad = release("2.5.0", &["exc 100w", "EXC-100B"], with_openssl(&sbom, "3.0.14")).await.unwrap();
    assert_eq!(bad.models, ["EXC-100W", "EXC-100B"], "as the series spells them");
    let check = bad.registry_check.as_ref().unwrap();
    assert_eq!(serde_json::to_value(check.outcome).unwrap(), "failed", "{check:?}");
    let cases = registry.label_cases(&label.number).await.unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!((cases[0].source.as_str(), cases[0].status.as_str()), ("monitoring", "open"));
    let current = registry.current_firmware(product.id).await.unwrap();
    let versions: Vec<(&str, &str)> = current.iter().map(|c| (c.model.as_str(), c.version.as_str())).collect();
    assert_eq!(versions, [("EXC-100", "2.4.1"), ("EXC-100W", "2.5.0"), ("EXC-100B", "2.5.0")]);
    let shown = registry.label(&label.number, TODAY).await.unwrap().unwrap();
    assert_eq!((shown.number.as_str(), shown.firmware_version.as_str()), (label.number.as_str(), "2.4.1"));

    // The fix for every model closes the case, and the label shows the new firmware.
    let fixed = release("2.5.1", &[], with_openssl(&sbom, "3.0.16")).await.unwrap();
    assert_eq!(serde_json::to_value(fixed.registry_check.unwrap().outcome).unwrap(), "passed");
    let cases = registry.label_cases(&label.number).await.unwrap();
    assert_eq!(cases[0].status, "closed", "{cases:?}");
    let shown = registry.label(&label.number, TODAY).await.unwrap().unwrap();
    assert_eq!(shown.firmware_version, "2.5.1");
    assert!(registry.current_firmware(product.id).await.unwrap().iter().all(|c| c.version == "2.5.1"));
    let history: Vec<String> = registry.releases_of(product.id).await.unwrap().into_iter().map(|r| r.version).collect();
    assert_eq!(history, ["2.5.1", "2.5.0", "2.4.1"], "newest first");
    let kinds: Vec<String> = registry.label_events(&label.number).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| *k == "firmware-released").count(), 2, "{kinds:?}");
    // A renewal now declares the firmware the product runs.
    assert_eq!(registry.product(vendor, product.id).await.unwrap().firmware_version, "2.5.1");

    // An older release the vendor still supports is monitored beside the current ones: 2.5.0's
    // OpenSSL opens a case again, and withdrawing its support closes it. A current release is
    // followed anyway.
    let current = registry.set_release_supported(vendor, product.id, "2.5.1", true, TODAY, NOW + 200).await;
    assert!(matches!(&current, Err(RegistryError::Invalid(t)) if t.en.contains("monitoring follows it anyway")));
    let older = registry.set_release_supported(vendor, product.id, "2.5.0", true, TODAY, NOW + 200).await.unwrap();
    assert!(older.still_supported);
    let open = |cases: Vec<tekigo_registry::cases::Case>| cases.into_iter().filter(|c| c.status == "open").count();
    assert_eq!(open(registry.label_cases(&label.number).await.unwrap()), 1, "the supported 2.5.0 is monitored");
    registry.set_release_supported(vendor, product.id, "2.5.0", false, TODAY, NOW + 300).await.unwrap();
    assert_eq!(open(registry.label_cases(&label.number).await.unwrap()), 0, "no longer supported, no longer followed");
}
on_both!(a_release_keeps_the_label_and_monitoring_follows_it);
