//! The hourly job (scheduled.rs): its steps run in order, each whatever the others did, and a
//! failed one is reported, not hidden.

use tekigo_registry::{HourlyJob, Step, run_hourly};
use tekigo_testkit::{NOW, TODAY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_database_or_an_address_only_the_sweep_runs() {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    tekigo_registry::demo::fill(&registry, 20, TODAY, NOW).await.unwrap();
    let report = run_hourly(&registry, &HourlyJob::default(), TODAY, NOW).await;
    assert!(matches!(report.monitoring, Step::Skipped(_)), "{:?}", report.monitoring);
    assert!(matches!(report.advisories, Step::Skipped(_)), "{:?}", report.advisories);
    assert!(matches!(report.sweep, Step::Ran(_)), "{:?}", report.sweep);
    assert!(report.failures().is_empty());
    db.drop_database(registry).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_step_is_reported_and_the_others_still_run() {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    let missing = tempfile::tempdir().unwrap();
    let job = HourlyJob {
        vulndb: Some(missing.path().join("no-such-database")),
        base_url: Some("https://registry.example".into()),
        ..Default::default()
    };
    let report = run_hourly(&registry, &job, TODAY, NOW).await;
    assert!(matches!(report.monitoring, Step::Failed(_)), "{:?}", report.monitoring);
    assert!(matches!(&report.advisories, Step::Ran(files) if files.is_empty()), "{:?}", report.advisories);
    assert!(matches!(&report.sweep, Step::Ran(events) if events.is_empty()), "{:?}", report.sweep);
    let failures = report.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0, "monitoring");
    db.drop_database(registry).await;
}
