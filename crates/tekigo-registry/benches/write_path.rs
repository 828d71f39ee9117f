//! The registry's write path with and without the transparency log, in one run: staff decisions
//! (suspend, then reinstate), each one transaction with the lifecycle change, the feed event, the
//! vendor's notice, the audit record and — with the log — the event's place in the log; each
//! logged round ends by sealing its leaves into the tree (hashes, nodes, right edge), so the
//! log's whole cost is timed. Rounds alternate so drift on a shared machine hits both alike.
//!
//! `cargo bench -p tekigo-registry --bench write_path` (OPS=1000 per round, ROUNDS=5; PostgreSQL
//! too when it is reachable at TEKIGO_TEST_POSTGRES).

use std::time::Instant;

use tekigo_registry::Registry;
use tekigo_registry::Role;
use tekigo_registry::cases::lifecycle::{Event, Ground};
use tekigo_registry::transparency::disable_log_for_benchmark;
use tekigo_testkit::{NOW, TODAY};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn round(
    registry: &Registry,
    staff: &tekigo_registry::User,
    numbers: &[String],
    ops: usize,
    logged: bool,
) -> f64 {
    let started = Instant::now();
    for i in 0..ops / 2 {
        let number = &numbers[i % numbers.len()];
        registry
            .decide(
                staff,
                number,
                Event::Suspend { ground: Ground::ObligationsNotMet, on: TODAY, urgent: true },
                "bench",
                NOW,
            )
            .await
            .unwrap();
        registry.decide(staff, number, Event::Reinstate { on: TODAY }, "bench", NOW).await.unwrap();
    }
    if logged {
        // The round's leaves hashed into the tree: the log's whole cost is inside the time.
        registry.seal().await.unwrap();
    }
    ops as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

#[allow(clippy::print_stdout)]
async fn bench(kind: &str, ops: usize, rounds: usize) {
    let Some((registry, db)) = tekigo_testkit::open(kind).await else {
        println!("{kind}: not reachable, skipped");
        return;
    };
    tekigo_registry::demo::fill(&registry, 2_000, TODAY, NOW).await.unwrap();
    let staff = registry
        .create_staff(None, "bench@ipa.example", "Bench", Role::Reviewer, "bench password 1", NOW)
        .await
        .unwrap();
    let (labels, _) = registry
        .search(
            &tekigo_registry::Search { limit: 500, status: Some(tekigo_registry::Status::Valid), ..Default::default() },
            TODAY,
        )
        .await
        .unwrap();
    let numbers: Vec<String> = labels.into_iter().map(|l| l.number).collect();
    // Warm up both paths once.
    disable_log_for_benchmark(true);
    round(&registry, &staff, &numbers, 100, false).await;
    disable_log_for_benchmark(false);
    round(&registry, &staff, &numbers, 100, true).await;
    let (mut with_log, mut without_log) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        disable_log_for_benchmark(true);
        without_log.push(round(&registry, &staff, &numbers, ops, false).await);
        disable_log_for_benchmark(false);
        with_log.push(round(&registry, &staff, &numbers, ops, true).await);
    }
    let (with_log, without_log) = (median(with_log), median(without_log));
    let size = registry.log_head().await.unwrap().0;
    println!(
        "{kind}: without the log {without_log:.0} writes/s, with the log {with_log:.0} writes/s: {:+.1}% (median of {rounds} rounds of {ops}; log size at the end {size})",
        100.0 * (with_log - without_log) / without_log
    );
    db.drop_database(registry).await;
}

fn main() {
    let ops = env("OPS", 1_000);
    let rounds = env("ROUNDS", 5);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        bench("sqlite", ops, rounds).await;
        bench("postgres", ops, rounds).await;
    });
}
