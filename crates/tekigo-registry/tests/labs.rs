//! ★3 through the registry: an accredited lab on the certification body's register evaluates the
//! product and signs its report; the vendor countersigns and applies. The registry accepts the
//! report only from a registered lab, signed with its registered key, accredited for the product
//! type and level on the report's day; the label is issued as third-party and names the lab; when
//! the lab's accreditation lapses, every label it evaluated gets a case.

use ed25519_dalek::SigningKey;
use jiff::civil::date;
use tekigo_assess::declaration::Accreditation;
use tekigo_registry::incidents::{Cause, NewIncident};
use tekigo_registry::labs::{AccreditationStatus, NewLab, ScopeEntry};
use tekigo_registry::{Assurance, Registry, RegistryError, Role, User};
use tekigo_testkit::{Cosigner, NOW, TODAY, camera, on_both, public_pem, refusal, signed_upper_level_sample};

fn example_lab(key: &SigningKey, levels: &[&str]) -> NewLab {
    NewLab {
        name: "Example Security Lab K.K.".into(),
        accreditation_body: "IAJapan".into(),
        accreditation_number: "RTL-04211".into(),
        public_key_pem: public_pem(key),
        contact: "lab@example.jp".into(),
        scope: vec![ScopeEntry {
            product_type: "network-camera".into(),
            levels: levels.iter().map(|l| (*l).to_owned()).collect(),
        }],
        from: date(2026, 4, 1),
        valid_until: date(2028, 3, 31),
    }
}

fn lab_report(vendor_key: &SigningKey, lab_key: &SigningKey, number: &str) -> (Vec<u8>, Vec<u8>) {
    signed_upper_level_sample(
        "3",
        Some(vendor_key),
        Some(Cosigner {
            key: lab_key,
            name: "Kenji Mori",
            organisation: "Example Security Lab K.K.",
            accreditation: Some(Accreditation { body: "IAJapan".into(), number: number.into() }),
        }),
    )
}

async fn vendor(registry: &Registry, key: &SigningKey) -> User {
    let user = registry
        .sign_up_vendor("Example Devices K.K.", "sato@example.com", "Taro Sato", "correct horse battery", NOW)
        .await
        .unwrap();
    registry.add_signing_key(&user, &public_pem(key), NOW).await.unwrap();
    user
}

async fn a_star_three_label_rests_on_an_accredited_labs_report(registry: &Registry) {
    let vendor_key = SigningKey::from_bytes(&[31; 32]);
    let lab_key = SigningKey::from_bytes(&[32; 32]);
    let stranger_key = SigningKey::from_bytes(&[33; 32]);
    let vendor = vendor(registry, &vendor_key).await;
    let staff = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();

    // A self-declaration cannot claim ★3.
    let (declaration, sbom) = signed_upper_level_sample("3", Some(&vendor_key), None);
    let refused = refusal(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert!(refused.contains("a self-declaration cannot claim it"), "{refused}");

    // Only staff keep the register; a bad entry is refused whole.
    assert!(matches!(
        registry.register_lab(&vendor, example_lab(&lab_key, &["3"]), NOW).await,
        Err(RegistryError::Forbidden(_))
    ));
    let mut bad = example_lab(&lab_key, &["5"]);
    bad.scope[0].product_type = "toaster".into();
    bad.public_key_pem = "not a key".into();
    let refused = refusal(registry.register_lab(&staff, bad, NOW).await);
    assert!(
        refused.contains("unknown product type `toaster`")
            && refused.contains("levels are 2, 3 or 4")
            && refused.contains("not an Ed25519 public key"),
        "{refused}"
    );
    assert!(registry.labs().await.unwrap().is_empty(), "nothing half-stored");

    // A report by a lab not on the register is refused, naming it.
    let (report, sbom) = lab_report(&vendor_key, &stranger_key, "RTL-04211");
    let refused = refusal(registry.submit(&vendor, product.id, &report, &sbom, TODAY, NOW).await);
    assert!(refused.contains("Example Security Lab K.K.") && refused.contains("is not registered"), "{refused}");

    // Registered, but accredited for ★4 only: refused with the scope.
    let lab = registry.register_lab(&staff, example_lab(&lab_key, &["4"]), NOW).await.unwrap();
    let (report, sbom) = lab_report(&vendor_key, &lab_key, "RTL-04211");
    let refused = refusal(registry.submit(&vendor, product.id, &report, &sbom, TODAY, NOW).await);
    assert!(refused.contains("does not cover network-camera at level 3"), "{refused}");

    // A report giving another accreditation number than the register's: refused.
    let (forged, forged_sbom) = lab_report(&vendor_key, &lab_key, "RTL-99999");
    let refused = refusal(registry.submit(&vendor, product.id, &forged, &forged_sbom, TODAY, NOW).await);
    assert!(refused.contains("the register holds IAJapan RTL-04211"), "{refused}");
    assert!(registry.applications(&vendor, None).await.unwrap().is_empty(), "no refused application is stored");

    // The scope widened: accepted, the lab check recorded.
    let (lab, cases) = registry
        .change_lab_accreditation(
            &staff,
            lab.id,
            AccreditationStatus::Active,
            date(2026, 10, 1),
            None,
            Some(vec![ScopeEntry { product_type: "network-camera".into(), levels: vec!["3".into(), "4".into()] }]),
            "scope extended to ★3",
            NOW,
        )
        .await
        .unwrap();
    assert!(cases.is_empty());
    // Not engaged by the vendor: refused. Engaged: accepted, the lab check recorded.
    let refused = refusal(registry.submit(&vendor, product.id, &report, &sbom, TODAY, NOW).await);
    assert!(refused.contains("has not engaged Example Security Lab K.K. to evaluate this product at ★3"), "{refused}");
    let refused = refusal(registry.engage_lab(&vendor, product.id, lab.id, "2", TODAY, NOW).await);
    assert!(refused.contains("★3 or ★4"), "{refused}");
    let engagement = registry.engage_lab(&vendor, product.id, lab.id, "3", TODAY, NOW).await.unwrap();
    assert_eq!(engagement.status, "open");
    let application = registry.submit(&vendor, product.id, &report, &sbom, TODAY, NOW).await.unwrap();
    let check = application.checks.iter().find(|r| r.check == "lab").expect("the lab check is recorded");
    assert!(check.passed && check.detail.en.contains("accredited for network-camera at level 3"), "{check:?}");

    registry.record_fee(&staff, application.id, Some(900_000), "INV-3", NOW).await.unwrap();
    let label = registry.approve(&staff, application.id, TODAY, NOW + 60).await.unwrap();
    assert!(label.number.starts_with("JC3-"), "{}", label.number);
    assert_eq!(label.assurance, Assurance::ThirdParty);
    assert_eq!(label.lab_id, Some(lab.id), "the label names the lab that evaluated");
    let engagements = registry.product_engagements(&vendor, product.id).await.unwrap();
    assert_eq!(engagements[0].status, "completed", "the label closes the engagement");
    let log = registry.label_log_entries(&label.number).await.unwrap();
    assert!(
        log.iter().any(|entry| entry
            .event
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("evaluated by lab Example Security Lab K.K."))),
        "the transparency log records who evaluated: {log:?}"
    );

    // Two years on, the lab re-confirms: refused while its own accreditation has run out, then
    // extended once renewed (at most five years from the evaluation, SCHEME §5.1).
    let later = date(2028, 11, 1);
    let refused = refusal(registry.extend_label(&staff, &label.number, "RTL-04211/RC-2028-10", later, NOW + 80).await);
    assert!(refused.contains("valid until 2028-03-31"), "{refused}");
    registry
        .change_lab_accreditation(
            &staff,
            lab.id,
            AccreditationStatus::Active,
            date(2028, 4, 1),
            Some(date(2032, 3, 31)),
            None,
            "accreditation renewed by IAJapan",
            NOW + 85,
        )
        .await
        .unwrap();
    let extended = registry.extend_label(&staff, &label.number, "RTL-04211/RC-2028-10", later, NOW + 90).await.unwrap();
    // Two more years would be 2030-11-01; the support period ends first.
    assert_eq!((extended.expires.as_str(), extended.first_evaluated.as_str()), ("2030-03-31", "2026-11-26"));
    let log = registry.label_log_entries(&label.number).await.unwrap();
    assert!(log.iter().any(|entry| entry.event.kind == "extended"), "{log:?}");

    // An incident of case B-1 names the lab; its staff read the notice and record how they
    // improve their evaluation (SCHEME §6); nobody else may.
    let lab_user = registry
        .add_lab_account(&staff, lab.id, "mori@lab.example.jp", "Kenji Mori", "lab password 12345", NOW + 95)
        .await
        .unwrap();
    assert_eq!(registry.lab_of(&lab_user).await.unwrap().map(|l| l.id), Some(lab.id));
    let incident = registry
        .record_incident(
            &staff,
            &NewIncident {
                label_number: label.number.clone(),
                occurred: "2026-11-26".into(),
                cause: Cause::ProductSecurity,
                vendor_gave_information: true,
                product_met_criteria: false,
                requirements: vec!["S1.1-01".into()],
                summary: "Default credentials found on a shipped unit".into(),
            },
            TODAY,
            NOW + 100,
        )
        .await
        .unwrap();
    let named = incident.incident.evaluated_by.clone().expect("the incident names who evaluated");
    assert_eq!((named.kind.as_str(), named.id, named.name.as_str()), ("lab", lab.id, "Example Security Lab K.K."));
    let notices = registry.notices(&lab_user).await.unwrap();
    assert!(
        notices.iter().any(|n| n.kind == "incident" && n.subject.en.contains("a product you evaluated")),
        "{notices:?}"
    );
    assert!(matches!(
        registry.record_improvement(&vendor, incident.incident.id, "not ours to say", NOW + 101).await,
        Err(RegistryError::Forbidden(_))
    ));
    let improved = registry
        .record_improvement(
            &lab_user,
            incident.incident.id,
            "Credential checks now cover every shipped image",
            NOW + 102,
        )
        .await
        .unwrap();
    assert_eq!(improved.incident.improvement.map(|i| i.by), Some("mori@lab.example.jp".to_owned()));
    assert_eq!(registry.lab_incidents(lab.id).await.unwrap().len(), 1);

    // The accreditation lapses: a case opens on the label the lab evaluated.
    let (lab, cases) = registry
        .change_lab_accreditation(
            &staff,
            lab.id,
            AccreditationStatus::Lapsed,
            date(2026, 12, 1),
            None,
            None,
            "not renewed by IAJapan",
            NOW + 120,
        )
        .await
        .unwrap();
    assert_eq!(cases.len(), 1);
    assert!(lab.accredited_for(date(2026, 12, 2), Some("network-camera"), "3").is_err());
    // The label has a case open already (the incident's): the lapse joins it, and says so.
    let opened = registry.label_cases(&label.number).await.unwrap();
    let joined = opened.iter().find(|case| case.id == cases[0].1).expect("the case the lapse went to");
    assert_eq!(cases[0].0, label.number);
    assert_eq!(joined.detail["accreditation"], "lapsed", "{joined:?}");
}
on_both!(a_star_three_label_rests_on_an_accredited_labs_report);

/// The demo holds labels at all four levels: ★2 co-signed by a registered evaluator, ★3 and ★4
/// evaluated by an accredited lab, beside a lab whose accreditation lapsed.
async fn the_demo_holds_every_level_with_its_evaluators_and_labs(registry: &Registry) {
    tekigo_registry::demo::fill(registry, 300, TODAY, NOW).await.unwrap();
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT number FROM labels ORDER BY number").fetch_all(registry.pool()).await.unwrap();
    assert_eq!(numbers.len(), 300);
    let mut labels = Vec::new();
    for number in &numbers {
        labels.push(registry.label(number, TODAY).await.unwrap().expect("the label reads"));
    }
    let labs = registry.labs().await.unwrap();
    let evaluators = registry.evaluators().await.unwrap();
    assert_eq!((labs.len(), evaluators.len()), (3, 2));
    for level in ["1", "2", "3", "4"] {
        let at: Vec<_> = labels.iter().filter(|l| l.level == level).collect();
        assert!(!at.is_empty(), "no demo label at ★{level}");
        for label in at {
            assert!(label.number.starts_with(&format!("JC{level}-")), "{}", label.number);
            match level {
                "1" => assert_eq!((label.lab_id, label.evaluator_id), (None, None)),
                "2" => assert!(label.evaluator_id.is_some_and(|id| evaluators.iter().any(|e| e.id == id))),
                _ => {
                    assert_eq!(label.assurance, Assurance::ThirdParty);
                    let lab = labs.iter().find(|l| Some(l.id) == label.lab_id).expect("a registered lab");
                    assert!(lab.accredited_for(TODAY, label.product_type.as_deref(), level).is_ok(), "{}", lab.name);
                }
            }
        }
    }
    assert!(
        labs.iter().any(|lab| lab.accredited_for(TODAY, Some("network-camera"), "3").is_err()),
        "one demo lab's accreditation lapsed"
    );
}
on_both!(the_demo_holds_every_level_with_its_evaluators_and_labs);

/// The lab the vendor engaged submits the report for the vendor; the application is the vendor's.
/// Another lab's staff cannot submit under that engagement.
async fn the_engaged_lab_submits_for_the_vendor(registry: &Registry) {
    let vendor_key = SigningKey::from_bytes(&[51; 32]);
    let lab_key = SigningKey::from_bytes(&[52; 32]);
    let other_key = SigningKey::from_bytes(&[53; 32]);
    let vendor = vendor(registry, &vendor_key).await;
    let staff = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();
    let lab = registry.register_lab(&staff, example_lab(&lab_key, &["3", "4"]), NOW).await.unwrap();
    let mut other = example_lab(&other_key, &["3"]);
    other.name = "Other Lab K.K.".into();
    other.accreditation_number = "RTL-00001".into();
    let other = registry.register_lab(&staff, other, NOW).await.unwrap();
    let lab_user = registry
        .add_lab_account(&staff, lab.id, "mori@lab.example.jp", "Kenji Mori", "lab password 12345", NOW)
        .await
        .unwrap();
    let other_user = registry
        .add_lab_account(&staff, other.id, "ito@other.example.jp", "Aya Ito", "lab password 67890", NOW)
        .await
        .unwrap();
    let engagement = registry.engage_lab(&vendor, product.id, lab.id, "3", TODAY, NOW).await.unwrap();
    assert_eq!(registry.lab_engagements(&lab_user).await.unwrap().len(), 1);
    assert!(registry.lab_engagements(&other_user).await.unwrap().is_empty());
    let (report, sbom) = lab_report(&vendor_key, &lab_key, "RTL-04211");
    let upload = || tekigo_registry::Upload { declaration: &report, sbom: &sbom, vex: None, files: &[], agent: None };
    assert!(registry.submit_as_lab(&other_user, engagement.id, upload(), TODAY, NOW).await.is_err());
    assert!(registry.submit_as_lab(&vendor, engagement.id, upload(), TODAY, NOW).await.is_err());
    let application = registry.submit_as_lab(&lab_user, engagement.id, upload(), TODAY, NOW).await.unwrap();
    assert_eq!(application.status, "submitted");
    let mine = registry.applications(&vendor, None).await.unwrap();
    assert_eq!(mine.iter().map(|a| a.id).collect::<Vec<_>>(), [application.id], "the application is the vendor's");
}
on_both!(the_engaged_lab_submits_for_the_vendor);
