//! Monitoring at scale: how long re-checking takes after an import of new advisories, next to a
//! full rescan of every labeled product, in one run on one SQLite registry.
//!
//! `cargo bench -p tekigo-registry --bench monitor` (LABELS=100000 COMPONENTS=200 PACKAGES=20000
//! ADVISORIES=1000 by default; NAIVE_LABELS limits the per-product rescan, default all labels).
//!
//! The products: demo labels, each holding COMPONENTS npm components drawn from PACKAGES
//! packages × 5 versions, skewed so that a few packages are in most products (as busybox and
//! openssl are in firmware). The advisories: two imports of ADVISORIES new OSV records, each
//! affecting versions before 1.0.3 with CVSS 9.8, all in the KEV catalog — an everyday one where
//! IN_PRODUCTS of them touch products' packages, and a worst case where all of them do.

use std::sync::Arc;
use std::time::Instant;

use jiff::civil::date;
use sqlx::Row;
use tekigo_registry::Registry;
use tekigo_registry::monitoring::Scope;
use tekigo_vuln::VulnDb;
use tekigo_vuln::check::CheckRequest;

const VERSIONS: i64 = 5;

fn env(name: &str, default: i64) -> i64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[allow(clippy::print_stdout)]
fn main() {
    let labels = env("LABELS", 100_000);
    let per_label = env("COMPONENTS", 200);
    let packages = env("PACKAGES", 20_000);
    let advisories = env("ADVISORIES", 1_000);
    let naive_labels = env("NAIVE_LABELS", labels);
    let today = date(2026, 11, 26);
    let now = 1_795_000_000;
    let work = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let catalog = Arc::new(tekigo_criteria::builtin().unwrap());
    let registry =
        runtime.block_on(Registry::open(&tekigo_registry::default_url(work.path()), catalog.clone())).unwrap();
    let mut db = VulnDb::create_or_open(&work.path().join("vulndb")).unwrap();

    let started = Instant::now();
    runtime.block_on(async {
        tekigo_registry::demo::fill(&registry, labels, today, now).await.unwrap();
        let pool = registry.pool();
        sqlx::query("INSERT INTO monitored_labels (label_number, level, sbom_sha256, dirty) SELECT number, level, 'bench', 0 FROM labels")
            .execute(pool)
            .await
            .unwrap();
        let mut tx = pool.begin().await.unwrap();
        for p in 0..packages {
            let mut values = Vec::new();
            for v in 0..VERSIONS {
                let purl = format!("pkg:npm/pkg-{p}@1.0.{v}");
                let component = tekigo_sbom::Component {
                    id: String::new(),
                    name: format!("pkg-{p}"),
                    version: Some(format!("1.0.{v}")),
                    supplier: None,
                    purl: Some(purl.clone()),
                    cpes: Vec::new(),
                    hashes: Vec::new(),
                    kind: None,
                };
                let key = tekigo_vuln::db::component_index_keys(&component).remove(0);
                let body = serde_json::json!({ "name": component.name, "version": component.version, "purl": purl });
                values.push(format!("('bench-{p}-{v}', '{body}', 0)"));
                let id = p * VERSIONS + v + 1;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO component_keys (key, component_id) VALUES ('{key}', {id})"
                )))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO components (fingerprint, body, checked) VALUES {}",
                values.join(", ")
            )))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        // Skewed popularity: the product of two even draws favours low package numbers.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO label_components (component_id, monitored_id) \
             WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n + 1 < {per_label}) \
             SELECT (((m.id * 2654435761 + k.n * 40503) % {packages}) * ((m.id * 97 + k.n * 7919 + 1) % {packages}) / {packages}) * {VERSIONS} \
                    + ((m.id + k.n) % {VERSIONS}) + 1, m.id FROM monitored_labels m, k WHERE 1 ON CONFLICT DO NOTHING"
        )))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        sqlx::query("ANALYZE").execute(pool).await.unwrap();
    });
    let links: i64 = runtime
        .block_on(sqlx::query_scalar("SELECT COUNT(*) FROM label_components").fetch_one(registry.pool()))
        .unwrap();
    println!(
        "setup: {labels} labels, {links} label-component links, {} distinct components, in {:.1} s",
        packages * VERSIONS,
        started.elapsed().as_secs_f64()
    );

    // The first run checks every component once (all new to the index).
    let first = runtime.block_on(registry.monitor(&mut db, Scope::Journal, today, now)).unwrap();
    println!("first run (every component new): {} components in {} ms", first.components_checked, first.elapsed_ms);

    // Two imports of ADVISORIES new advisories each. The first is the everyday case: most new
    // advisories are for packages no labeled product holds (npm, PyPI, ... libraries), and only
    // IN_PRODUCTS of them touch products' components. The second is the worst case: every one of
    // them is for a package the products hold, spread evenly, so nearly every product fails.
    let in_products = env("IN_PRODUCTS", 10);
    let scenarios = [("everyday", in_products), ("worst case", advisories)];
    let mut runs = Vec::new();
    for (round, (name, touching)) in scenarios.iter().enumerate() {
        let offset = round as i64 * advisories;
        let records: Vec<serde_json::Value> = (0..advisories)
            .map(|i| {
                // Packages outside the products' universe are numbered from PACKAGES up.
                let p = if i < *touching { (i * 7919 + 13 + offset) % packages } else { packages + offset + i };
                serde_json::json!({
                    "id": format!("BENCH-{}", offset + i), "modified": "2026-11-25T00:00:00Z", "published": "2026-11-25T00:00:00Z",
                    "aliases": [format!("CVE-2030-{:05}", offset + i)],
                    "summary": format!("pkg-{p} lets a remote attacker run code"),
                    "affected": [{ "package": { "ecosystem": "npm", "name": format!("pkg-{p}") },
                                   "ranges": [{ "type": "SEMVER", "events": [{ "introduced": "0" }, { "fixed": "1.0.3" }] }] }],
                    "severity": [{ "type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" }]
                })
            })
            .collect();
        let kev = serde_json::json!({
            "title": "bench", "catalogVersion": "2026.11.26", "dateReleased": "2026-11-26T00:00:00.000Z",
            "count": offset + advisories,
            "vulnerabilities": (0..offset + advisories).map(|i| serde_json::json!({
                "cveID": format!("CVE-2030-{:05}", i), "vendorProject": "npm", "product": "pkg", "vulnerabilityName": "bench",
                "dateAdded": "2026-11-25", "shortDescription": "bench", "requiredAction": "update", "dueDate": "2026-12-16",
                "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": [] })).collect::<Vec<_>>()
        });
        let osv_path = work.path().join(format!("advisories-{round}.json"));
        let kev_path = work.path().join(format!("kev-{round}.json"));
        std::fs::write(&osv_path, serde_json::to_vec(&records).unwrap()).unwrap();
        std::fs::write(&kev_path, serde_json::to_vec(&kev).unwrap()).unwrap();
        let started = Instant::now();
        tekigo_vuln::import_paths(&mut db, &[osv_path, kev_path], &mut |_| {}).unwrap();
        println!(
            "{name}: import of {advisories} advisories ({touching} for products' packages) + KEV: {:.2} s",
            started.elapsed().as_secs_f64()
        );
        let run = runtime.block_on(registry.monitor(&mut db, Scope::Journal, today, now + 1 + round as i64)).unwrap();
        println!(
            "{name}: re-check after the import: {} ms, of which checking components {} ms and opening cases {} ms; {} keys, {} components checked, {} changed, {} labels evaluated, {} cases opened",
            run.elapsed_ms,
            run.check_ms,
            run.cases_ms,
            run.touched_keys,
            run.components_checked,
            run.components_changed,
            run.labels_evaluated,
            run.cases_opened.len()
        );
        runs.push((*name, run));
    }
    let full = runtime.block_on(registry.monitor(&mut db, Scope::Full, today, now + 2)).unwrap();
    println!(
        "full rescan through the same engine (every distinct component, every label re-evaluated if changed): {} ms; {} components",
        full.elapsed_ms, full.components_checked
    );

    // What a scanner without the index does: every product's SBOM, checked whole.
    let level = catalog.scheme("jc-star").unwrap().level("1").unwrap();
    let policy = tekigo_vuln::Policy::default();
    let started = Instant::now();
    let mut checked = 0;
    let mut failing = 0;
    let mut id = 1;
    while id <= naive_labels {
        let last = (id + 999).min(naive_labels);
        let rows = runtime
            .block_on(
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT lc.monitored_id, c.id, c.body FROM label_components lc JOIN components c ON c.id = lc.component_id \
                     WHERE lc.monitored_id BETWEEN {id} AND {last} ORDER BY lc.monitored_id"
                )))
                .fetch_all(registry.pool()),
            )
            .unwrap();
        let mut by_label: std::collections::BTreeMap<i64, Vec<tekigo_sbom::Component>> = Default::default();
        for row in &rows {
            let body: serde_json::Value = serde_json::from_str(&row.get::<String, _>("body")).unwrap();
            by_label.entry(row.get("monitored_id")).or_default().push(tekigo_sbom::Component {
                id: row.get::<i64, _>("id").to_string(),
                name: body["name"].as_str().unwrap().to_owned(),
                version: body["version"].as_str().map(str::to_owned),
                supplier: None,
                purl: body["purl"].as_str().map(str::to_owned),
                cpes: Vec::new(),
                hashes: Vec::new(),
                kind: None,
            });
        }
        for components in by_label.into_values() {
            let sbom = tekigo_sbom::Sbom {
                format: tekigo_sbom::SbomFormat::CycloneDxJson { spec_version: "1.6".into() },
                name: None,
                components,
                dependencies: Vec::new(),
                diagnostics: Vec::new(),
            };
            let report = db
                .check(&CheckRequest {
                    sbom: &sbom,
                    sbom_origin: "bench",
                    level_name: "jc-star:1",
                    level,
                    policy: &policy,
                    vex: &[],
                    today,
                })
                .unwrap();
            checked += 1;
            failing += usize::from(!report.conformant);
        }
        id = last + 1;
    }
    let naive_ms = started.elapsed().as_millis();
    let scale = labels as f64 / naive_labels.max(1) as f64;
    println!(
        "full rescan product by product (sbom check of each label's {per_label} components): {naive_ms} ms for {checked} labels ({failing} fail){}",
        if naive_labels < labels {
            format!(", ×{scale:.1} for all: {:.0} ms", naive_ms as f64 * scale)
        } else {
            String::new()
        }
    );
    let naive_all = naive_ms as f64 * scale;
    // Opening a case for each newly failing product is the same work whichever way the failures
    // were found; both figures are given.
    for (name, run) in &runs {
        let finding = run.elapsed_ms.saturating_sub(run.cases_ms) as f64;
        println!(
            "{name}: re-check = {:.2}% of the product-by-product rescan ({:.2}% without opening cases)",
            100.0 * run.elapsed_ms as f64 / naive_all,
            100.0 * finding / naive_all,
        );
    }
}
