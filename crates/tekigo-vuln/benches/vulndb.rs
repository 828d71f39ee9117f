//! The vulnerability database on synthetic data (`examples/support/synthetic_data.rs`):
//! importing OSV records, and checking SBOMs of 100, 1,000 and 10,000 components against a
//! database of 50,000 vulnerabilities (OSV, NVD with CPE ranges, KEV, EPSS) built once per run.
//! The 300,000-vulnerability scale is measured on whole commands by `scripts/bench-vuln.sh`.

#[path = "../examples/support/synthetic_data.rs"]
mod synthetic_data;

use std::path::PathBuf;
use std::sync::OnceLock;

use synthetic_data::Config;
use tekigo_vuln::{CheckRequest, Policy, VulnDb, import_paths};

fn main() {
    divan::main();
}

/// OSV records written to a folder once, imported into a fresh database each iteration.
const IMPORT_RECORDS: u64 = 10_000;
/// Vulnerabilities in the database the checks read.
const CHECK_VULNS: u64 = 50_000;

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

fn check_fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary folder");
        let config = Config::new(CHECK_VULNS);
        let data = dir.path().join("data");
        config.write_osv_files(&data.join("osv"), 0..config.osv_count()).expect("write OSV");
        config.write_nvd(&data.join("nvd"), 20_000).expect("write NVD");
        std::fs::write(data.join("kev.json"), serde_json::to_vec(&config.kev()).expect("KEV")).expect("write KEV");
        let mut epss = Vec::new();
        config.write_epss(&mut epss).expect("EPSS");
        std::fs::write(data.join("epss.csv"), epss).expect("write EPSS");
        let db = dir.path().join("db");
        let mut database = VulnDb::create_or_open(&db).expect("database");
        import_paths(&mut database, std::slice::from_ref(&data), &mut |_| {}).expect("import");
        std::fs::remove_dir_all(&data).expect("clean up");
        Fixture { _dir: dir, db }
    })
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn import_osv_10k_records(bencher: divan::Bencher) {
    let data = tempfile::tempdir().expect("temporary folder");
    let config = Config::new(IMPORT_RECORDS + IMPORT_RECORDS / 4);
    assert_eq!(config.osv_count(), IMPORT_RECORDS);
    config.write_osv_files(data.path(), 0..config.osv_count()).expect("write OSV");
    let paths = [data.path().to_owned()];
    bencher
        .counter(divan::counter::ItemsCount::new(IMPORT_RECORDS))
        .with_inputs(|| tempfile::tempdir().expect("temporary folder"))
        .bench_local_values(|db_dir| {
            let mut database = VulnDb::create_or_open(db_dir.path()).expect("database");
            let summary = import_paths(&mut database, divan::black_box(&paths), &mut |_| {}).expect("import");
            assert_eq!(summary.sources["osv"].inserted as u64, IMPORT_RECORDS);
            drop(database);
            db_dir
        });
}

#[divan::bench(args = [100, 1_000, 10_000], sample_count = 10, sample_size = 1)]
fn check_sbom_against_50k(bencher: divan::Bencher, components: u64) {
    let fixture = check_fixture();
    let database = VulnDb::open(&fixture.db).expect("database");
    let bytes = serde_json::to_vec(&Config::new(CHECK_VULNS).sbom(components)).expect("SBOM");
    let sbom = tekigo_sbom::read(&bytes, "sbom.json").expect("valid SBOM");
    let catalog = tekigo_criteria::builtin().expect("built-in catalog");
    let level = catalog.scheme("jc-star").and_then(|s| s.level("1")).expect("jc-star ★1");
    let policy = Policy::default();
    let today = jiff::civil::date(2025, 8, 25);
    bencher.counter(divan::counter::ItemsCount::new(components)).bench_local(|| {
        let report = database
            .check(divan::black_box(&CheckRequest {
                sbom: &sbom,
                sbom_origin: "sbom.json",
                level_name: "jc-star:1",
                level,
                policy: &policy,
                vex: &[],
                today,
            }))
            .expect("check");
        assert!(!report.findings.is_empty());
        report
    });
}
