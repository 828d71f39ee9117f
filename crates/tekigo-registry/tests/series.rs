//! One registration covers a product series: the vendor registers its models with their GTINs,
//! the declaration must cover exactly those models, and the label is found by any of them.

use ed25519_dalek::SigningKey;
use tekigo_base::ModelEntry;
use tekigo_registry::{NewProduct, Registry, RegistryError, Role, Search, User};
use tekigo_testkit::{NOW, TODAY, on_both, public_pem, signed_series_sample};

fn model(model: &str, gtin: Option<&str>, sku: Option<&str>) -> ModelEntry {
    ModelEntry { model: model.into(), gtin: gtin.map(Into::into), sku: sku.map(Into::into) }
}

fn series() -> Vec<ModelEntry> {
    vec![
        model("EXC-100", Some("4901234567894"), Some("SKU-100")),
        model("EXC-100W", Some("036000291452"), None),
        model("EXC-100B", None, Some("SKU-100B")),
    ]
}

fn camera(models: Vec<ModelEntry>) -> NewProduct {
    NewProduct {
        name: "EXC-100 network camera".into(),
        model: "EXC-100".into(),
        models,
        firmware_version: "2.4.1".into(),
        product_type: Some("network-camera".into()),
        support_end: "2030-03-31".into(),
        vulnerability_contact: "https://example.com/security".into(),
    }
}

async fn sign_up(registry: &Registry, name: &str, email: &str, key: &SigningKey) -> User {
    let user = registry.sign_up_vendor(name, email, "Hanako Sato", "correct horse battery", NOW).await.unwrap();
    registry.add_signing_key(&user, &public_pem(key), NOW).await.unwrap();
    user
}

fn invalid(result: Result<impl std::fmt::Debug, RegistryError>) -> String {
    match result {
        Err(RegistryError::Invalid(text)) => text.en,
        Err(RegistryError::Rejected(texts)) => texts.into_iter().map(|t| t.en).collect::<Vec<_>>().join("; "),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn a_series_is_registered_declared_labeled_and_found_by_any_model(registry: &Registry) {
    let key = SigningKey::from_bytes(&[9; 32]);
    let vendor = sign_up(registry, "Example Devices K.K.", "sato@example.com", &key).await;

    // Every problem with the models is named at once, and nothing is stored.
    let mut bad = series();
    bad[1].gtin = Some("036000291453".into());
    bad.push(model("exc 100w", None, None));
    let refused = invalid(registry.create_product(&vendor, camera(bad), TODAY, NOW).await);
    assert!(refused.contains("model 2: GTIN `036000291453`: the check digit is 3"), "{refused}");
    assert!(refused.contains("model 4 (`exc 100w`) is model 2 again"), "{refused}");
    assert!(registry.products(&vendor).await.unwrap().is_empty());

    let product = registry.create_product(&vendor, camera(series()), TODAY, NOW).await.unwrap();
    assert_eq!(
        product.models.iter().map(|m| m.model.as_str()).collect::<Vec<_>>(),
        ["EXC-100", "EXC-100W", "EXC-100B"]
    );

    // Another vendor cannot register a GTIN that names this series' model.
    let other_key = SigningKey::from_bytes(&[10; 32]);
    let other = sign_up(registry, "Other Maker Ltd.", "other@example.com", &other_key).await;
    let mut copied = camera(vec![model("EXC-100", Some("0036000291452"), None)]);
    copied.name = "Lookalike camera".into();
    let refused = invalid(registry.create_product(&other, copied, TODAY, NOW).await);
    assert_eq!(refused, "GTIN 0036000291452 is registered for another product");

    // A declaration of the representative model alone does not cover the series.
    let (declaration, sbom) = signed_series_sample(&key, "2.4.1", &[]);
    let refused = invalid(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert!(refused.contains("the declaration does not cover the registered models EXC-100B, EXC-100W"), "{refused}");
    // Nor does one that gives a model another GTIN.
    let mut wrong = series();
    wrong[0].gtin = Some("4901234567887".into());
    let (declaration, sbom) = signed_series_sample(&key, "2.4.1", &wrong);
    let refused = invalid(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert!(refused.contains("model EXC-100: the declaration's GTIN differs from the registered one"), "{refused}");

    // The declaration of the whole series, spelled as the vendor likes, is accepted.
    let mut spelled = series();
    spelled[1].model = "exc-100w".into();
    spelled[1].gtin = Some("0 36000 29145 2".into());
    let (declaration, sbom) = signed_series_sample(&key, "2.4.1", &spelled);
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    registry.record_fee(&reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    let label = registry.approve(&reviewer, application.id, TODAY, NOW + 60).await.unwrap();
    let shown = registry.label(&label.number, TODAY).await.unwrap().unwrap();
    assert_eq!(shown.models, series(), "the registered series, as registered");

    // Sellers find it by any model number or GTIN, however it is spelled.
    for identifier in
        ["EXC-100B", "exc100w", "ＥＸＣ－１００", "4901234567894", "4-901234-567894", "0036000291452", "36000291452"]
    {
        let search = Search { identifier: Some(identifier.into()), limit: 10, ..Search::default() };
        let (found, total) = registry.search(&search, TODAY).await.unwrap();
        let expected = if identifier == "36000291452" { 0 } else { 1 };
        assert_eq!(total, expected, "{identifier}: {found:?}");
    }
    let search = Search { text: Some("exc 100b".into()), limit: 10, ..Search::default() };
    assert_eq!(registry.search(&search, TODAY).await.unwrap().1, 1, "the text search knows the series too");

    // The support period: extended by the vendor at any time, recorded and in the feed; never
    // shortened by the vendor alone.
    let shorter = registry.extend_support(&vendor, product.id, jiff::civil::date(2029, 3, 31), TODAY, NOW + 100).await;
    assert!(invalid(shorter).contains("shortening the support period needs the certification body's approval"));
    let longer = registry.extend_support(&vendor, product.id, jiff::civil::date(2031, 3, 31), TODAY, NOW + 100).await;
    assert_eq!(longer.unwrap().support_end, "2031-03-31");
    let shown = registry.label(&label.number, TODAY).await.unwrap().unwrap();
    assert_eq!((shown.support_end.as_str(), shown.expires.as_str()), ("2031-03-31", "2028-11-26"), "two years at most");
    let events = registry.label_events(&label.number).await.unwrap();
    let extended = events.iter().find(|e| e.kind == "support-extended").expect("the extension is an event");
    assert!(extended.detail.as_deref().unwrap_or_default().contains("2030-03-31"), "{extended:?}");
    assert_eq!(registry.changes(0, 100).await.unwrap().last().unwrap().kind, "support-extended");
}
on_both!(a_series_is_registered_declared_labeled_and_found_by_any_model);
