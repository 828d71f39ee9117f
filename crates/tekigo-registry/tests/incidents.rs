//! Incidents on labeled products on real databases (SQLite and PostgreSQL): SCHEME §6's cases
//! A-2 and B-1 open a case against the label, A-1 changes nothing on it, recurring B-2 incidents
//! on one requirement put it on the technical committee's agenda once, and bad input stores
//! nothing.

use ed25519_dalek::SigningKey;
use tekigo_registry::cases::lifecycle::Lifecycle;
use tekigo_registry::incidents::NewIncident;
use tekigo_registry::incidents::{Action, Case, Cause, Stakeholder};
use tekigo_registry::{Registry, RegistryError};
use tekigo_registry::{Role, User};
use tekigo_testkit::{NOW, TODAY, camera, count, on_both, public_pem, signed_sample_as};

async fn reviewer(registry: &Registry) -> User {
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap()
}

/// A vendor with one labeled camera: the label's number.
async fn labeled_camera(registry: &Registry, reviewer: &User, organisation: &str, email: &str) -> String {
    let key = SigningKey::from_bytes(&[organisation.as_bytes()[0]; 32]);
    let vendor = registry.sign_up_vendor(organisation, email, "Someone", "correct horse battery", NOW).await.unwrap();
    registry.add_signing_key(&vendor, &public_pem(&key), NOW).await.unwrap();
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample_as(&key, Some(organisation), "2.4.1");
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    registry.record_fee(reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    registry.approve(reviewer, application.id, TODAY, NOW).await.unwrap().number
}

fn incident(label: &str, cause: Cause, information: bool, met: bool, requirements: &[&str]) -> NewIncident {
    NewIncident {
        label_number: label.to_owned(),
        occurred: "2026-11-20".into(),
        cause,
        vendor_gave_information: information,
        product_met_criteria: met,
        requirements: requirements.iter().map(|r| (*r).to_owned()).collect(),
        summary: "Cameras joined a botnet.".into(),
    }
}

async fn a2_and_b1_open_cases_and_a1_changes_nothing(registry: &Registry) {
    let staff = reviewer(registry).await;
    let a = labeled_camera(registry, &staff, "Alpha K.K.", "a@alpha.example").await;
    let b = labeled_camera(registry, &staff, "Beta K.K.", "b@beta.example").await;
    let c = labeled_camera(registry, &staff, "Gamma K.K.", "c@gamma.example").await;

    // the user's settings, the vendor had given the information: nothing on the label.
    let a1 = registry
        .record_incident(&staff, &incident(&c, Cause::UserSettingsOrUse, true, true, &[]), TODAY, NOW)
        .await
        .unwrap();
    assert_eq!(a1.incident.case, Case::A1);
    assert_eq!(a1.incident.case_id, None);
    assert!(registry.label_cases(&c).await.unwrap().is_empty());
    assert_eq!(registry.lifecycle(&c).await.unwrap(), Some(Lifecycle::Active));
    let who: Vec<Stakeholder> = a1.responsibilities.iter().map(|d| d.stakeholder).collect();
    assert_eq!(who, [Stakeholder::UserOrProcurer, Stakeholder::SchemeOwner]);

    // the vendor had not given it: a case, the label correcting.
    let a2 = registry
        .record_incident(&staff, &incident(&a, Cause::UserSettingsOrUse, false, true, &["S1.1-01"]), TODAY, NOW)
        .await
        .unwrap();
    assert_eq!(a2.incident.case, Case::A2);
    let cases = registry.label_cases(&a).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!((cases[0].source.as_str(), cases[0].status.as_str()), ("incident", "open"));
    assert_eq!(a2.incident.case_id, Some(cases[0].id));
    assert!(matches!(registry.lifecycle(&a).await.unwrap(), Some(Lifecycle::Correcting { .. })));
    assert!(
        a2.responsibilities
            .iter()
            .any(|d| d.stakeholder == Stakeholder::CertificationBody && d.actions.contains(&Action::RevokeLabel))
    );

    // B-1: the product did not meet the criteria: a case too.
    let b1 = registry
        .record_incident(&staff, &incident(&b, Cause::ProductSecurity, true, false, &["S1.1-03"]), TODAY, NOW)
        .await
        .unwrap();
    assert_eq!(b1.incident.case, Case::B1);
    let cases = registry.label_cases(&b).await.unwrap();
    assert_eq!((cases.len(), cases[0].source.as_str()), (1, "incident"));
    assert!(matches!(registry.lifecycle(&b).await.unwrap(), Some(Lifecycle::Correcting { .. })));

    // Neither put anything on the agenda; all three are listed, newest first.
    assert!(registry.agenda(&staff).await.unwrap().is_empty());
    let listed: Vec<i64> = registry.incidents(&staff, 10).await.unwrap().iter().map(|i| i.id).collect();
    assert_eq!(listed, [b1.incident.id, a2.incident.id, a1.incident.id]);
    // Each with its audit record.
    let audit = registry.audit_trail(&staff, 100).await.unwrap();
    assert_eq!(audit.iter().filter(|r| r.action == "incident-recorded").count(), 3);
}
on_both!(a2_and_b1_open_cases_and_a1_changes_nothing);

async fn recurring_b2_incidents_put_the_requirement_on_the_agenda_once(registry: &Registry) {
    let staff = reviewer(registry).await;
    let committee = registry
        .create_staff(None, "committee@ipa.example", "Member", Role::Committee, "committee password 1", NOW)
        .await
        .unwrap();
    let a = labeled_camera(registry, &staff, "Alpha K.K.", "a@alpha.example").await;
    let b = labeled_camera(registry, &staff, "Beta K.K.", "b@beta.example").await;
    let c = labeled_camera(registry, &staff, "Gamma K.K.", "c@gamma.example").await;
    let b2 = |label: &str| incident(label, Cause::ProductSecurity, false, true, &["S1.1-01"]);

    let first = registry.record_incident(&staff, &b2(&a), TODAY, NOW).await.unwrap();
    assert_eq!(first.incident.case, Case::B2);
    assert!(registry.agenda(&committee).await.unwrap().is_empty(), "one incident is not a recurrence");
    // B-2 opens no case: the product met the criteria.
    assert!(registry.label_cases(&a).await.unwrap().is_empty());

    let second = registry.record_incident(&staff, &b2(&b), TODAY, NOW + 1).await.unwrap();
    let agenda = registry.agenda(&committee).await.unwrap();
    assert_eq!(agenda.len(), 1);
    assert_eq!((agenda[0].requirement_id.as_str(), agenda[0].status.as_str()), ("S1.1-01", "open"));
    assert_eq!(agenda[0].incidents, [first.incident.id, second.incident.id]);

    let third = registry.record_incident(&staff, &b2(&c), TODAY, NOW + 2).await.unwrap();
    let agenda = registry.agenda(&committee).await.unwrap();
    assert_eq!(agenda.len(), 1, "the third joins the open item");
    assert_eq!(agenda[0].incidents, [first.incident.id, second.incident.id, third.incident.id]);
    assert_eq!(count(registry, "agenda_items").await, 1);

    // Only the committee (or an admin) closes it, with a note.
    assert!(matches!(
        registry.close_agenda_item(&staff, agenda[0].id, "ok", NOW).await,
        Err(RegistryError::Forbidden(_))
    ));
    assert!(matches!(
        registry.close_agenda_item(&committee, agenda[0].id, " ", NOW).await,
        Err(RegistryError::Invalid(_))
    ));
    let closed =
        registry.close_agenda_item(&committee, agenda[0].id, "S1.1-01 to be tightened in 1.2", NOW + 3).await.unwrap();
    assert_eq!((closed.status.as_str(), closed.note.as_deref()), ("reviewed", Some("S1.1-01 to be tightened in 1.2")));
    let audit = registry.audit_trail(&staff, 100).await.unwrap();
    for action in ["agenda-item-opened", "agenda-item-updated", "agenda-item-reviewed"] {
        assert!(audit.iter().any(|r| r.action == action), "{action}");
    }
}
on_both!(recurring_b2_incidents_put_the_requirement_on_the_agenda_once);

async fn bad_input_is_named_and_nothing_is_stored(registry: &Registry) {
    let staff = reviewer(registry).await;
    let a = labeled_camera(registry, &staff, "Alpha K.K.", "a@alpha.example").await;
    let vendor =
        registry.sign_up_vendor("Other K.K.", "o@other.example", "Other", "correct horse battery", NOW).await.unwrap();
    let audit_before = count(registry, "audit").await;
    let invalid = |result: Result<_, RegistryError>| match result {
        Err(RegistryError::Invalid(text)) => text.en,
        other => panic!("expected Invalid, got {other:?}"),
    };

    let unknown = invalid(
        registry
            .record_incident(
                &staff,
                &incident(&a, Cause::ProductSecurity, true, true, &["S1.1-01", "S9.9-99"]),
                TODAY,
                NOW,
            )
            .await,
    );
    assert!(unknown.contains("S9.9-99") && !unknown.contains("S1.1-01"), "{unknown}");
    let no_label = invalid(
        registry
            .record_incident(
                &staff,
                &incident("JC1-2026-999999", Cause::ProductSecurity, true, false, &["S1.1-01"]),
                TODAY,
                NOW,
            )
            .await,
    );
    assert!(no_label.contains("JC1-2026-999999"), "{no_label}");
    let mut empty = incident(&a, Cause::ProductSecurity, true, false, &["S1.1-01"]);
    empty.summary = "  ".into();
    assert!(invalid(registry.record_incident(&staff, &empty, TODAY, NOW).await).contains("summary"));

    // A vendor records nothing.
    assert!(matches!(
        registry
            .record_incident(&vendor, &incident(&a, Cause::ProductSecurity, true, false, &["S1.1-01"]), TODAY, NOW)
            .await,
        Err(RegistryError::Forbidden(_))
    ));
    assert!(matches!(registry.agenda(&vendor).await, Err(RegistryError::Forbidden(_))));

    assert_eq!(count(registry, "incidents").await, 0);
    assert_eq!(count(registry, "cases").await, 0);
    assert_eq!(count(registry, "audit").await, audit_before);
}
on_both!(bad_input_is_named_and_nothing_is_stored);
