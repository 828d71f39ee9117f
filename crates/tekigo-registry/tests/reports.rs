//! The reports desk and surveillance end to end on SQLite and PostgreSQL: reports are received
//! and triaged; a plan drawn from a published seed picks the reported product and a random
//! sample of ★1 labels, the same labels on every run and on both databases; a non-conformant
//! evaluation opens a case on the label; bad input is named and stores nothing.

use tekigo_registry::Registry;
use tekigo_registry::reports::{NewReport, Triage};
use tekigo_registry::surveillance::EvidenceKind;
use tekigo_registry::surveillance::{self, Reason};
use tekigo_registry::{Role, User};
use tekigo_testkit::{NOW, TODAY, count, on_both};

const SEED: &str = "2026-04-01 TOPIX close 2,745.33";

async fn reviewer(registry: &Registry) -> User {
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap()
}

/// 300 demo labels (★1, self-declared); the numbers of those valid today, sorted.
async fn labels(registry: &Registry) -> Vec<String> {
    tekigo_registry::demo::fill(registry, 300, TODAY, NOW).await.unwrap();
    registry.surveillance_candidates(TODAY).await.unwrap().into_iter().map(|c| c.label_number).collect()
}

fn report(label: Option<&str>, category: &str, description: &str) -> NewReport {
    NewReport {
        label_number: label.map(str::to_owned),
        product: None,
        contact: Some("someone@example.jp".into()),
        category: category.into(),
        description: description.into(),
    }
}

fn probe_json(conformant: bool) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "target": "camera.test", "address": "192.0.2.10", "level": "1",
        "started": "2026-11-26T01:00:00Z", "findings": [], "conformant": conformant,
        "tool": "tekigo 0.0.0"
    }))
    .unwrap()
}

fn sbom_check_json() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "sbom": "firmware.cdx.json", "components": 7, "level": "jc-star:1", "cvss_min": 9.0,
        "conformant": true, "findings": []
    }))
    .unwrap()
}

async fn a_report_is_triaged_and_the_plan_includes_it(registry: &Registry) {
    let staff = reviewer(registry).await;
    let valid = labels(registry).await;
    assert!(valid.len() > 20, "{}", valid.len());
    let (watched, dismissed, urgent) = (&valid[3], &valid[4], &valid[5]);

    let a = registry
        .submit_report(&report(Some(watched), "default-password", "Logs in with admin/admin out of the box."), NOW)
        .await
        .unwrap();
    let b = registry
        .submit_report(&report(Some(dismissed), "other", "The box is the wrong colour, I think."), NOW)
        .await
        .unwrap();
    let c = registry
        .submit_report(&report(Some(urgent), "open-service", "Telnet is open on port 23 with no password."), NOW)
        .await
        .unwrap();
    // A product without a label number: described in words.
    let d = registry
        .submit_report(
            &NewReport {
                product: Some("Acme SmartPlug SP-1 (no label number on the box)".into()),
                ..report(None, "false-claim", "The box shows a ★2 label; no such label is in the registry.")
            },
            NOW,
        )
        .await
        .unwrap();
    let received = registry.reports(&staff, Some("received")).await.unwrap();
    assert_eq!(received.iter().map(|r| r.id).collect::<Vec<_>>(), vec![d, c, b, a]);

    let marked = registry
        .triage(&staff, a, Triage::Surveillance, 3, "credible; check in this year's plan", TODAY, NOW)
        .await
        .unwrap();
    assert_eq!(
        (marked.status.as_str(), marked.risk_weight, marked.triaged_by.as_deref()),
        ("surveillance", Some(3), Some("review@ipa.example"))
    );
    registry.triage(&staff, b, Triage::Dismiss, 0, "out of scope", TODAY, NOW).await.unwrap();
    let opened =
        registry.triage(&staff, c, Triage::OpenCase, 3, "confirmed by a test purchase", TODAY, NOW).await.unwrap();
    assert_eq!(opened.status, "case-opened");
    let cases = registry.label_cases(urgent).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!((cases[0].source.as_str(), Some(cases[0].id)), ("report", opened.case_id));
    // Without a label only dismissal is possible; a decided report is not decided again.
    assert!(registry.triage(&staff, d, Triage::Surveillance, 2, "", TODAY, NOW).await.is_err());
    assert!(registry.triage(&staff, b, Triage::Surveillance, 2, "", TODAY, NOW).await.is_err());
    assert!(registry.triage(&staff, d, Triage::Dismiss, 9, "", TODAY, NOW).await.is_err());

    let plan = registry.publish_plan(&staff, 2026, SEED, 3, 5, TODAY, NOW).await.unwrap();
    assert_eq!(plan.picks[0].label_number, *watched);
    assert_eq!((plan.picks[0].reason, plan.picks[0].weight), (Reason::Report, 3));
    // Pinned: the same seed draws the same labels, on SQLite and on PostgreSQL.
    let numbers: Vec<&str> = plan.picks.iter().map(|p| p.label_number.as_str()).collect();
    assert_eq!(numbers, PINNED, "{numbers:?}");
    // Anyone can redraw it from the published seed and the candidates.
    let again = surveillance::plan(2026, SEED, &registry.surveillance_candidates(TODAY).await.unwrap(), 3, 5);
    assert_eq!(again, plan);
    let published = registry.surveillance_plan(2026).await.unwrap().unwrap();
    assert_eq!((published.plan, published.published), (plan.clone(), NOW));
    assert_eq!(registry.surveillance_cases(&staff, 2026).await.unwrap().len(), plan.picks.len());
    // One plan a year.
    let error = registry.publish_plan(&staff, 2026, "another seed", 3, 5, TODAY, NOW).await.unwrap_err();
    assert!(error.to_string().contains("published already"), "{error}");
    assert_eq!(count(registry, "surveillance_plans").await, 1);
}
on_both!(a_report_is_triaged_and_the_plan_includes_it);

/// The draw from the demo's labels: the random sample is drawn among the self-declared ★1 labels
/// only (the demo's ★2-★4 labels are not candidates).
const PINNED: [&str; 6] = [
    "JC1-2024-900000173",
    "JC1-2025-900000225",
    "JC1-2024-900000203",
    "JC1-2025-900000213",
    "JC1-2024-900000189",
    "JC1-2024-900000204",
];

async fn a_non_conformant_evaluation_opens_a_case(registry: &Registry) {
    let staff = reviewer(registry).await;
    labels(registry).await;
    registry.publish_plan(&staff, 2026, SEED, 3, 2, TODAY, NOW).await.unwrap();
    let cases = registry.surveillance_cases(&staff, 2026).await.unwrap();
    assert_eq!(cases.len(), 2);
    assert!(cases.iter().all(|c| c.reason == "random" && c.status == "planned"));

    // Evidence that is not what it says is refused, and nothing is stored.
    let error = registry
        .record_evaluation(
            &staff,
            cases[0].id,
            &[(EvidenceKind::Probe, b"{\"not\": \"a probe\"}".to_vec())],
            false,
            "x",
            TODAY,
            NOW,
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("not a `tekigo probe --format json` report"), "{error}");
    assert_eq!(count(registry, "surveillance_evidence").await, 0);
    assert!(registry.label_cases(&cases[0].label_number).await.unwrap().is_empty());

    let done = registry
        .record_evaluation(
            &staff,
            cases[0].id,
            &[
                (EvidenceKind::Probe, probe_json(false)),
                (EvidenceKind::Document, b"receipt: bought 2026-11-20".to_vec()),
            ],
            false,
            "Telnet open with a default password on the purchased unit.",
            TODAY,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(done.status, "non-conformant");
    assert_eq!(done.evidence.len(), 2);
    assert_eq!(done.evidence[0].kind, "probe");
    assert!(done.evidence[0].summary.contains("not conformant"), "{}", done.evidence[0].summary);
    let opened = registry.label_cases(&cases[0].label_number).await.unwrap();
    assert_eq!(opened.len(), 1);
    assert_eq!((opened[0].source.as_str(), Some(opened[0].id)), ("surveillance", done.case_id));
    let bytes = registry.surveillance_evidence(&staff, &done.evidence[0].sha256).await.unwrap();
    assert_eq!(bytes, probe_json(false));
    // Decided once.
    assert!(
        registry
            .record_evaluation(
                &staff,
                cases[0].id,
                &[(EvidenceKind::Probe, probe_json(true))],
                true,
                "again",
                TODAY,
                NOW
            )
            .await
            .is_err()
    );

    let fine = registry
        .record_evaluation(
            &staff,
            cases[1].id,
            &[(EvidenceKind::SbomCheck, sbom_check_json())],
            true,
            "No failing findings.",
            TODAY,
            NOW,
        )
        .await
        .unwrap();
    assert_eq!((fine.status.as_str(), fine.case_id), ("conformant", None));
    assert!(registry.label_cases(&cases[1].label_number).await.unwrap().is_empty());
    assert_eq!(count(registry, "surveillance_evidence").await, 3);
}
on_both!(a_non_conformant_evaluation_opens_a_case);

async fn bad_reports_are_named_and_nothing_is_stored(registry: &Registry) {
    let valid = labels(registry).await;
    let audit = count(registry, "audit").await;
    let cases: [(NewReport, &str); 6] = [
        (report(Some("JC9-2026-12"), "default-password", "The default password is admin."), "is not a label number"),
        (
            report(Some("JC1-2026-000777"), "default-password", "The default password is admin."),
            "no label JC1-2026-000777",
        ),
        (report(Some(&valid[0]), "default-password", &"x".repeat(4001)), "longer than 4000"),
        (report(Some(&valid[0]), "default-password", "short"), "at least 10"),
        (
            report(Some(&valid[0]), "ransomware", "The default password is admin."),
            "`ransomware` is not a report category",
        ),
        (report(None, "other", "Something is wrong with my camera."), "give the label number, or describe the product"),
    ];
    for (bad, expected) in cases {
        let error = registry.submit_report(&bad, NOW).await.unwrap_err();
        assert!(error.to_string().contains(expected), "{error} / {expected}");
    }
    assert_eq!(count(registry, "reports").await, 0);
    assert_eq!(count(registry, "audit").await, audit);
    // Only staff read reports.
    let vendor =
        registry.sign_up_vendor("Vendor K.K.", "v@vendor.example", "V", "vendor password 1", NOW).await.unwrap();
    assert!(registry.reports(&vendor, None).await.is_err());
    // A good one is stored with its audit record, actor "public".
    registry
        .submit_report(&report(Some(&valid[0].to_lowercase()), "other", "Ships with UPnP enabled."), NOW)
        .await
        .unwrap();
    assert_eq!(count(registry, "reports").await, 1);
    let actor: String = sqlx::query_scalar("SELECT actor FROM audit ORDER BY id DESC LIMIT 1")
        .fetch_one(registry.pool())
        .await
        .unwrap();
    assert_eq!(actor, "public");
}
on_both!(bad_reports_are_named_and_nothing_is_stored);
