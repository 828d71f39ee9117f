//! The registry against real databases: every scenario runs on SQLite (a temporary file) and on
//! PostgreSQL (a fresh database on the server at `TEKIGO_TEST_POSTGRES`, default
//! `postgres://postgres@127.0.0.1:5432/test`). Without a reachable server the PostgreSQL half is
//! skipped, unless `TEKIGO_REQUIRE_POSTGRES=1` (CI), where it fails.

use ed25519_dalek::SigningKey;
use jiff::civil::date;
use tekigo_registry::Status;
use tekigo_registry::{NewProduct, Role, Search, User};
use tekigo_registry::{Registry, RegistryError};
use tekigo_testkit::{NOW, TODAY, on_both, public_pem, signed_sample};

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

async fn vendor(registry: &Registry, key: &SigningKey) -> User {
    let user = registry
        .sign_up_vendor("Example Devices K.K.", "sato@example.com", "Hanako Sato", "correct horse battery", NOW)
        .await
        .unwrap();
    registry.add_signing_key(&user, &public_pem(key), NOW).await.unwrap();
    user
}

async fn reviewer(registry: &Registry) -> User {
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap()
}

async fn vendor_applies_reviewer_approves_and_the_calendar_runs(registry: &Registry) {
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(registry, &key).await;
    assert!(registry.authenticate("SATO@example.com", "correct horse battery").await.unwrap().is_some());
    assert!(registry.authenticate("sato@example.com", "wrong").await.unwrap().is_none());
    let product = registry.create_product(&vendor, camera("2.4.1"), TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    assert_eq!(application.status, "submitted");
    assert!(application.checks.iter().all(|c| c.passed), "{:?}", application.checks);
    assert!(application.checks.iter().any(|c| c.check == "signature"));

    let reviewer = reviewer(registry).await;
    assert!(matches!(registry.approve(&vendor, application.id, TODAY, NOW).await, Err(RegistryError::Forbidden(_))));
    registry.record_fee(&reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    let label = registry.approve(&reviewer, application.id, TODAY, NOW + 60).await.unwrap();
    assert_eq!(label.number, "JC1-2026-000001");
    assert_eq!(label.expires, "2028-11-26", "two years (SCHEME §5.1), before the support end");
    assert_eq!(label.status, Status::Valid);

    let later = date(2028, 11, 27);
    let after = registry.label(&label.number, later).await.unwrap().unwrap();
    assert_eq!(after.status, Status::Expired, "expiry changes the status by itself");
    assert_eq!(registry.sweep(later, NOW + 120).await.unwrap().len(), 1);
    assert_eq!(registry.sweep(later, NOW + 180).await.unwrap().len(), 0, "each calendar change is recorded once");
    let past_support = date(2030, 4, 1);
    assert_eq!(registry.label(&label.number, past_support).await.unwrap().unwrap().status, Status::SupportEnded);
    assert_eq!(registry.sweep(past_support, NOW + 240).await.unwrap().len(), 1);
    let feed = registry.changes(0, 100).await.unwrap();
    let kinds: Vec<&str> = feed.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["issued", "expired", "support-ended"]);
    assert_eq!(registry.changes(feed[0].seq, 100).await.unwrap().len(), 2);

    // Renewal: a new declaration for the same product keeps the number and moves the dates.
    let (declaration, sbom) = signed_sample(&key, "2.4.1 ");
    let renewal = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW + 300).await;
    assert!(renewal.is_ok(), "{renewal:?}");
    let renewal = renewal.unwrap();
    registry.record_fee(&reviewer, renewal.id, None, "INV-1", NOW).await.unwrap();
    let renewed = registry.approve(&reviewer, renewal.id, date(2027, 6, 1), NOW + 400).await.unwrap();
    assert_eq!((renewed.number.as_str(), renewed.expires.as_str()), ("JC1-2026-000001", "2029-06-01"));

    let audit = registry.audit_trail(&reviewer, 100).await.unwrap();
    let actions: Vec<&str> = audit.iter().rev().map(|a| a.action.as_str()).collect();
    for action in ["sign-up", "add-signing-key", "create-staff", "create-product", "submit", "issued", "renewed"] {
        assert!(actions.contains(&action), "{action} is audited: {actions:?}");
    }
    assert!(matches!(registry.audit_trail(&vendor, 10).await, Err(RegistryError::Forbidden(_))));
}
on_both!(vendor_applies_reviewer_approves_and_the_calendar_runs);

async fn bad_applications_are_refused_and_change_nothing(registry: &Registry) {
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(registry, &key).await;
    let product = registry.create_product(&vendor, camera("2.4.1"), TODAY, NOW).await.unwrap();
    let count = |registry: &Registry| {
        let pool = registry.pool().clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM applications").fetch_one(&pool).await.unwrap() }
    };

    // Signed by a key the vendor never registered.
    let stranger = SigningKey::from_bytes(&[9; 32]);
    let (declaration, sbom) = signed_sample(&stranger, "2.4.1");
    let Err(RegistryError::Rejected(problems)) =
        registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await
    else {
        panic!("accepted a declaration signed by an unregistered key");
    };
    assert!(problems[0].en.starts_with("signature:"), "{problems:?}");

    // One byte changed after signing.
    let (mut declaration, sbom) = signed_sample(&key, "2.4.1");
    let at = declaration.windows(7).position(|w| w == b"EXC-100").unwrap();
    declaration[at + 6] = b'1';
    assert!(matches!(
        registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await,
        Err(RegistryError::Rejected(_))
    ));

    // A declaration about other firmware, and an SBOM the declaration does not name.
    let (declaration, sbom) = signed_sample(&key, "9.9.9");
    let Err(RegistryError::Rejected(problems)) =
        registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await
    else {
        panic!("accepted another firmware's declaration");
    };
    assert!(problems.iter().any(|p| p.en.contains("firmware_version")), "{problems:?}");
    let (declaration, _) = signed_sample(&key, "2.4.1");
    let other_sbom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"x","version":"1"}]}"#;
    let Err(RegistryError::Rejected(problems)) =
        registry.submit(&vendor, product.id, &declaration, other_sbom, TODAY, NOW).await
    else {
        panic!("accepted an SBOM the declaration does not name");
    };
    assert!(problems.iter().any(|p| p.en.contains("not the one the declaration names")), "{problems:?}");

    // Too large, before anything is parsed.
    let huge = vec![b' '; tekigo_registry::applications::checks::MAX_SBOM_BYTES + 1];
    assert!(matches!(
        registry.submit(&vendor, product.id, &declaration, &huge, TODAY, NOW).await,
        Err(RegistryError::Rejected(_))
    ));

    // Another vendor's product does not exist for this vendor.
    let other = registry.sign_up_vendor("Other Co.", "o@other.example", "O", "another password!", NOW).await.unwrap();
    assert!(matches!(registry.product(&other, product.id).await, Err(RegistryError::NotFound(_))));
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    assert!(matches!(
        registry.submit(&other, product.id, &declaration, &sbom, TODAY, NOW).await,
        Err(RegistryError::NotFound(_))
    ));
    assert_eq!(count(registry).await, 0, "nothing was stored");

    // Missing fields and dates in the past are named.
    let mut bad = camera("3.0.0");
    bad.model = " ".into();
    let Err(RegistryError::Invalid(text)) = registry.create_product(&vendor, bad, TODAY, NOW).await else { panic!() };
    assert!(text.en.contains("model") && text.ja.contains("型番"), "{text:?}");
    let mut old = camera("3.0.0");
    old.support_end = "2020-01-01".into();
    assert!(matches!(registry.create_product(&vendor, old, TODAY, NOW).await, Err(RegistryError::Invalid(_))));
    assert!(matches!(
        registry.sign_up_vendor("X", "x@x.example", "X", "short", NOW).await,
        Err(RegistryError::Invalid(_))
    ));

    // A staff account for an e-mail that has one already is refused by name, not by the database.
    reviewer(registry).await;
    let Err(RegistryError::Invalid(text)) =
        registry.create_staff(None, "Review@ipa.example ", "Another", Role::Reviewer, "reviewer password 2", NOW).await
    else {
        panic!("a second account for one e-mail");
    };
    assert!(text.en.contains("has an account already"), "{text:?}");
    assert!(matches!(
        registry.create_staff(None, "sato@example.com", "Sato", Role::Admin, "admin password 1", NOW).await,
        Err(RegistryError::Invalid(_))
    ));
}
on_both!(bad_applications_are_refused_and_change_nothing);

async fn a_returned_application_can_be_resubmitted(registry: &Registry) {
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(registry, &key).await;
    let product = registry.create_product(&vendor, camera("2.4.1"), TODAY, NOW).await.unwrap();
    let reviewer = reviewer(registry).await;
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let first = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    assert!(matches!(
        registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await,
        Err(RegistryError::Invalid(_))
    ));
    assert!(matches!(registry.return_application(&reviewer, first.id, " ", NOW).await, Err(RegistryError::Invalid(_))));
    let returned = registry.return_application(&reviewer, first.id, "Attach the final test report", NOW).await.unwrap();
    assert_eq!(
        (returned.status.as_str(), returned.comment.as_deref()),
        ("returned", Some("Attach the final test report"))
    );
    let (declaration, sbom) = signed_sample(&key, "2.4.1 ");
    let second = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    assert_eq!(registry.applications(&reviewer, Some("submitted")).await.unwrap().len(), 1);
    assert_eq!(registry.applications(&vendor, None).await.unwrap().len(), 2);
    registry.record_fee(&reviewer, second.id, None, "INV-1", NOW).await.unwrap();
    registry.approve(&reviewer, second.id, TODAY, NOW).await.unwrap();
}
on_both!(a_returned_application_can_be_resubmitted);

async fn demo_labels_search_and_status_filters_agree(registry: &Registry) {
    assert!(!tekigo_registry::demo::holds_demo_data(registry).await.unwrap());
    let made = tekigo_registry::demo::fill(registry, 2_000, TODAY, NOW).await.unwrap();
    assert_eq!(made, 2_000);
    assert!(tekigo_registry::demo::fill(registry, 10, TODAY, NOW).await.is_err(), "demo fills an empty registry only");
    assert!(tekigo_registry::demo::holds_demo_data(registry).await.unwrap(), "the demo's vendors mark it");
    let (all, total) = registry.search(&Search { limit: 200, ..Search::default() }, TODAY).await.unwrap();
    assert_eq!((all.len(), total), (200, 2_000));
    let mut seen = 0;
    for status in Status::ALL {
        let (page, count) =
            registry.search(&Search { status: Some(status), limit: 200, ..Search::default() }, TODAY).await.unwrap();
        assert!(page.iter().all(|l| l.status == status), "{status:?}: the filter and the computed status agree");
        seen += count;
        if status != Status::Expired {
            assert!(count > 0, "{status:?}: the demo spreads statuses");
        }
    }
    assert_eq!(seen, 2_000, "every label has exactly one status");
    for label in &all {
        assert!(label.expires.as_str() <= label.support_end.as_str(), "{}: never valid past support", label.number);
        assert!(label.issued.as_str() < label.expires.as_str());
    }
    let (cameras, _) = registry
        .search(
            &Search {
                product_type: Some("network-camera".into()),
                vendor: Some("Demo Vendor 001 (fictional)".into()),
                limit: 50,
                ..Search::default()
            },
            TODAY,
        )
        .await
        .unwrap();
    assert!(!cameras.is_empty() && cameras.iter().all(|l| l.product_type.as_deref() == Some("network-camera")));
    // Demo data tells the truth: a number's year is its issue year, its history starts on the
    // issue day, and series hold one to four models whose GTINs check.
    for label in &all {
        assert_eq!(&label.number[4..8], &label.issued[..4], "{}", label.number);
        assert!((1..=4).contains(&label.models.len()), "{}", label.number);
        assert_eq!(label.models[0].model, label.model);
        for model in &label.models {
            let gtin = model.gtin.as_deref().expect("demo models carry GTINs");
            assert!(tekigo_base::Gtin::parse(gtin).is_ok() && gtin.starts_with('2'), "{gtin}");
        }
    }
    assert!(all.iter().any(|l| l.models.len() == 4));
    let first = &registry.label_events(&all[0].number).await.unwrap()[0];
    let issued_day = tekigo_base::scheme_day(jiff::Timestamp::from_second(first.at).unwrap());
    assert_eq!(issued_day.to_string(), all[0].issued);
    let gtin = all[0].models[0].gtin.clone().unwrap();
    let by_gtin = Search { identifier: Some(format!("0{gtin}")), limit: 5, ..Search::default() };
    let (found, _) = registry.search(&by_gtin, TODAY).await.unwrap();
    assert_eq!(found.iter().map(|l| &l.number).collect::<Vec<_>>(), [&all[0].number], "GTIN-14 form finds it");
    let one = registry.label(&all[0].number, TODAY).await.unwrap().unwrap();
    assert_eq!(one.number, all[0].number);
    assert!(registry.label("JC1-2026-999999999", TODAY).await.unwrap().is_none());
    assert!(registry.label("'; DROP TABLE labels; --", TODAY).await.unwrap().is_none());
    assert_eq!(registry.changes(0, 1000).await.unwrap().len(), 1000);
    assert_eq!(registry.first_seq_at(0).await.unwrap(), 0);
    // Demo histories start on their labels' issue days, none after today.
    let end = registry.first_seq_at(NOW + 30 * 86_400).await.unwrap();
    assert_eq!(end, 2_000, "no event yet at that time: a poller starts after the last one");
    assert!(registry.changes(end, 10).await.unwrap().is_empty());
    let admin = registry.user_by_email("Nobody@Example.org").await.unwrap();
    assert!(admin.is_none());
}
on_both!(demo_labels_search_and_status_filters_agree);
