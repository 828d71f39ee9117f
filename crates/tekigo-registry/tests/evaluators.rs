//! ★2 through the registry: a product is evaluated by a skilled evaluator on the certification
//! body's register, who co-signs the declaration. The registry accepts the declaration only when
//! the evaluator is registered, signed with the registered key and was in good standing on the
//! day the declaration was issued; otherwise it names the reason and stores nothing.

use ed25519_dalek::SigningKey;
use jiff::civil::date;
use tekigo_registry::evaluators::{NewEvaluator, Qualification, Standing};
use tekigo_registry::{Registry, RegistryError, Role, User};
use tekigo_testkit::{NOW, TODAY, camera, on_both, public_pem, refusal, signed_star_two_sample};

fn hanako(key: &SigningKey) -> NewEvaluator {
    NewEvaluator {
        name: "Hanako Sato".into(),
        organisation: "Example Evaluation Co.".into(),
        public_key_pem: public_pem(key),
        qualifications: vec![Qualification {
            name: "Registered Information Security Specialist (RISS)".into(),
            evidence: "RISS registration 012345".into(),
        }],
        independence: "Not employed by, and holds no interest in, the vendors whose products she evaluates".into(),
        from: date(2026, 1, 1),
    }
}

async fn vendor(registry: &Registry, key: &SigningKey) -> User {
    let user = registry
        .sign_up_vendor("Example Devices K.K.", "sato@example.com", "Taro Sato", "correct horse battery", NOW)
        .await
        .unwrap();
    registry.add_signing_key(&user, &public_pem(key), NOW).await.unwrap();
    user
}

async fn a_star_two_declaration_needs_a_registered_evaluator_in_good_standing(registry: &Registry) {
    let vendor_key = SigningKey::from_bytes(&[21; 32]);
    let evaluator_key = SigningKey::from_bytes(&[22; 32]);
    let stranger_key = SigningKey::from_bytes(&[23; 32]);
    let vendor = vendor(registry, &vendor_key).await;
    let staff = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();

    // Only staff keep the register; an entry without qualifications or a key is refused whole.
    assert!(matches!(
        registry.register_evaluator(&vendor, hanako(&evaluator_key), NOW).await,
        Err(RegistryError::Forbidden(_))
    ));
    let mut bad = hanako(&evaluator_key);
    bad.qualifications.clear();
    bad.public_key_pem = "not a key".into();
    let refused = refusal(registry.register_evaluator(&staff, bad, NOW).await);
    assert!(
        refused.contains("at least one qualification") && refused.contains("not an Ed25519 public key"),
        "{refused}"
    );
    assert!(registry.evaluators().await.unwrap().is_empty(), "nothing half-stored");
    let evaluator = registry.register_evaluator(&staff, hanako(&evaluator_key), NOW).await.unwrap();
    assert_eq!(evaluator.standing_on(TODAY), Some(Standing::Active));

    // Without an evaluator, ★2 is refused with the reason.
    let (declaration, sbom) = signed_star_two_sample(&vendor_key, None);
    let refused = refusal(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert!(refused.contains("needs a skilled evaluator who co-signs"), "{refused}");

    // Co-signed by someone not on the register: refused, naming them.
    let (declaration, sbom) = signed_star_two_sample(&vendor_key, Some((&stranger_key, "Jiro Suzuki")));
    let refused = refusal(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert!(refused.contains("the evaluator Jiro Suzuki") && refused.contains("is not registered"), "{refused}");

    // Suspended before the declaration's day: refused; reinstated: accepted.
    registry
        .set_evaluator_standing(
            &staff,
            evaluator.id,
            Standing::Suspended,
            date(2026, 11, 1),
            "qualification lapsed",
            NOW,
        )
        .await
        .unwrap();
    let (declaration, sbom) = signed_star_two_sample(&vendor_key, Some((&evaluator_key, "Hanako Sato")));
    let refused = refusal(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert!(refused.contains("was suspended on 2026-11-26"), "{refused}");
    assert!(registry.applications(&vendor, None).await.unwrap().is_empty(), "no refused application is stored");
    registry
        .set_evaluator_standing(
            &staff,
            evaluator.id,
            Standing::Active,
            date(2026, 11, 20),
            "qualification renewed",
            NOW,
        )
        .await
        .unwrap();
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    let check = application.checks.iter().find(|r| r.check == "evaluator").expect("the evaluator check is recorded");
    assert!(check.passed && check.detail.en.contains("Hanako Sato"), "{check:?}");

    // ★2 fees are not in the published schedule: staff record what was invoiced, then approve.
    registry.record_fee(&staff, application.id, Some(250_000), "INV-2", NOW).await.unwrap();
    let label = registry.approve(&staff, application.id, TODAY, NOW + 60).await.unwrap();
    assert!(label.number.starts_with("JC2-"), "{}", label.number);
    assert_eq!(label.level, "2");
}
on_both!(a_star_two_declaration_needs_a_registered_evaluator_in_good_standing);
