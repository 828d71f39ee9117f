//! The transparency log on real databases: every label event has a leaf whose inclusion proof
//! verifies against the signed tree head; tree heads stay consistent as the log grows; an event
//! changed, deleted or reordered directly in the database no longer verifies; a rotated key still
//! verifies what the old one signed.

use tekigo_registry::Registry;
use tekigo_registry::cases::lifecycle::{Event, Ground};
use tekigo_registry::transparency::leaf_data;
use tekigo_registry::{Role, User};
use tekigo_testkit::{NOW, TODAY, on_both};
use tekigo_translog::{Checkpoint, LabelStatus, leaf_hash, verify_consistency, verify_inclusion};

async fn reviewer(registry: &Registry) -> User {
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap()
}

/// Every entry of the log verifies against the current signed head; the failures, if any.
async fn unverifiable(registry: &Registry) -> Vec<String> {
    let keyring = registry.keyring().await.unwrap();
    let checkpoint = Checkpoint::open(&registry.checkpoint().await.unwrap(), &keyring, None).unwrap();
    let entries = registry.log_entries(0, checkpoint.size).await.unwrap();
    let mut problems = Vec::new();
    let mut expected = 0;
    for entry in &entries {
        if entry.index != expected {
            problems.push(format!("entries {expected}..{} are missing", entry.index));
        }
        expected = entry.index + 1;
        let proof = registry.inclusion_proof(entry.index, checkpoint.size).await.unwrap();
        if verify_inclusion(
            &leaf_hash(&leaf_data(&entry.event)),
            entry.index,
            checkpoint.size,
            &proof,
            &checkpoint.root,
        )
        .is_err()
        {
            problems.push(format!("entry {} (event {}) does not verify", entry.index, entry.event.seq));
        }
    }
    if expected != checkpoint.size {
        problems.push(format!("entries {expected}..{} are missing", checkpoint.size));
    }
    problems
}

async fn every_event_is_logged_and_proved(registry: &Registry) {
    tekigo_registry::demo::fill(registry, 40, TODAY, NOW).await.unwrap();
    let keyring = registry.keyring().await.unwrap();
    let first = Checkpoint::open(&registry.checkpoint().await.unwrap(), &keyring, None).unwrap();
    let events: i64 = tekigo_testkit::count(registry, "label_events").await;
    assert_eq!(first.size, events.unsigned_abs(), "one leaf per event, the demo's bulk events included");
    assert!(unverifiable(registry).await.is_empty());

    // Staff decisions append through the same transaction; the new head is consistent with the old.
    let staff = reviewer(registry).await;
    let number = registry.search(&Default::default(), TODAY).await.unwrap().0[0].number.clone();
    registry
        .decide(
            &staff,
            &number,
            Event::Suspend { ground: Ground::ObligationsNotMet, on: TODAY, urgent: false },
            "no updates",
            NOW,
        )
        .await
        .unwrap();
    registry.decide(&staff, &number, Event::Reinstate { on: TODAY }, "updates resumed", NOW + 1).await.unwrap();
    let second = Checkpoint::open(&registry.checkpoint().await.unwrap(), &keyring, None).unwrap();
    assert_eq!(second.size, first.size + 2);
    let proof = registry.consistency_proof(first.size, second.size).await.unwrap();
    verify_consistency(first.size, second.size, &first.root, &second.root, &proof).unwrap();
    assert_eq!(registry.root_at(first.size).await.unwrap(), first.root, "any past root can be recomputed");
    assert!(unverifiable(registry).await.is_empty());
    let logged: Vec<String> =
        registry.label_log_entries(&number).await.unwrap().into_iter().map(|e| e.event.kind).collect();
    assert!(logged.ends_with(&["suspended".to_owned(), "reinstated".to_owned()]), "{logged:?}");

    // Beyond the head is an error, not a panic.
    assert!(registry.inclusion_proof(0, second.size + 1).await.is_err());
    assert!(registry.consistency_proof(second.size, second.size + 5).await.is_err());
}
on_both!(every_event_is_logged_and_proved);

async fn tampering_in_the_database_is_detected(registry: &Registry) {
    tekigo_registry::demo::fill(registry, 20, TODAY, NOW).await.unwrap();
    assert!(unverifiable(registry).await.is_empty());
    let pool = registry.pool();
    // Changed: an event's status rewritten.
    sqlx::query(
        "UPDATE label_events SET status = CASE WHEN status = 'valid' THEN 'revoked' ELSE 'valid' END WHERE seq = 3",
    )
    .execute(pool)
    .await
    .unwrap();
    let problems = unverifiable(registry).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("event 3"), "{problems:?}");
    sqlx::query(
        "UPDATE label_events SET status = CASE WHEN status = 'valid' THEN 'revoked' ELSE 'valid' END WHERE seq = 3",
    )
    .execute(pool)
    .await
    .unwrap();
    assert!(unverifiable(registry).await.is_empty(), "put back, it verifies again");
    // Reordered: two events' sequence numbers swapped.
    sqlx::query("UPDATE label_events SET seq = -5 WHERE seq = 5").execute(pool).await.unwrap();
    sqlx::query("UPDATE label_events SET seq = 5 WHERE seq = 6").execute(pool).await.unwrap();
    sqlx::query("UPDATE label_events SET seq = 6 WHERE seq = -5").execute(pool).await.unwrap();
    let problems = unverifiable(registry).await;
    assert!(
        problems.iter().any(|p| p.contains("event 5")) && problems.iter().any(|p| p.contains("event 6")),
        "{problems:?}"
    );
    // Deleted: an event gone leaves a gap.
    sqlx::query("DELETE FROM label_events WHERE seq = 10").execute(pool).await.unwrap();
    let problems = unverifiable(registry).await;
    assert!(problems.iter().any(|p| p.contains("missing")), "{problems:?}");
}
on_both!(tampering_in_the_database_is_detected);

async fn a_rotated_key_still_verifies_old_statuses(registry: &Registry) {
    tekigo_registry::demo::fill(registry, 5, TODAY, NOW).await.unwrap();
    let number = registry.search(&Default::default(), TODAY).await.unwrap().0[0].number.clone();
    let before = registry.signed_status(&number, TODAY, NOW).await.unwrap().unwrap();
    let old_checkpoint = registry.checkpoint().await.unwrap();
    let staff = reviewer(registry).await;
    let new_key = registry.rotate_log_key(&staff, NOW + 100).await.unwrap();
    let after = registry.signed_status(&number, TODAY, NOW + 200).await.unwrap().unwrap();
    assert_ne!(before.signatures[0].key_id, after.signatures[0].key_id, "signed by the new key");
    assert!(new_key.contains(&format!("{:08x}", after.signatures[0].key_id)));

    let keyring = registry.keyring().await.unwrap();
    assert_eq!(keyring.keys().len(), 2);
    let status = LabelStatus::open(&before, &keyring).expect("the old key verifies what it signed before it retired");
    assert_eq!(status.label, number);
    LabelStatus::open(&after, &keyring).unwrap();
    Checkpoint::open(&old_checkpoint, &keyring, Some(jiff::Timestamp::from_second(NOW + 50).unwrap())).unwrap();
    // The compact form a QR code carries round-trips.
    let fragment = tekigo_translog::encode_for_url(&after);
    assert!(fragment.len() < 400, "{}", fragment.len());
    let decoded = tekigo_translog::decode_from_url(&fragment).unwrap();
    assert_eq!(LabelStatus::open(&decoded, &keyring).unwrap().label, number);
    // Only staff rotate keys.
    let vendor = registry.sign_up_vendor("V", "v@v.example", "V", "correct horse battery", NOW).await.unwrap();
    assert!(registry.rotate_log_key(&vendor, NOW + 300).await.is_err());
}
on_both!(a_rotated_key_still_verifies_old_statuses);

async fn concurrent_writers_share_one_log_without_gaps(registry: &Registry) {
    tekigo_registry::demo::fill(registry, 200, TODAY, NOW).await.unwrap();
    let staff = reviewer(registry).await;
    let (labels, _) = registry
        .search(
            &tekigo_registry::Search { status: Some(tekigo_registry::Status::Valid), limit: 16, ..Default::default() },
            TODAY,
        )
        .await
        .unwrap();
    // Sixteen writers at once (PostgreSQL runs them side by side): each event still takes its
    // own place, with no gap and no duplicate.
    let mut tasks = Vec::new();
    for label in labels {
        let (registry, staff) = (registry.clone(), staff.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..3 {
                let suspend = Event::Suspend { ground: Ground::ObligationsNotMet, on: TODAY, urgent: true };
                registry.decide(&staff, &label.number, suspend, "concurrent", NOW).await.unwrap();
                registry
                    .decide(&staff, &label.number, Event::Reinstate { on: TODAY }, "concurrent", NOW)
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let events: i64 = tekigo_testkit::count(registry, "label_events").await;
    assert_eq!(registry.log_head().await.unwrap().0, events.unsigned_abs());
    assert!(unverifiable(registry).await.is_empty());
}
on_both!(concurrent_writers_share_one_log_without_gaps);
