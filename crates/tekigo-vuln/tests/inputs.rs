//! Every reader of outside data: real examples import, and no input makes one panic.

use std::io::Write;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use tekigo_vuln::{VulnDb, import_paths};

#[path = "../../tekigo-testkit/src/shared_data.rs"]
mod shared_data;
use shared_data::shared_data;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn csaf_advisories_import_with_their_products_and_scores() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    let summary = import_paths(
        &mut db,
        &[Path::new(env!("CARGO_MANIFEST_DIR")).join("../tekigo-csaf/tests/fixtures/examples")],
        &mut |_| {},
    )
    .unwrap();
    let csaf = &summary.sources["csaf"];
    // BSI-2022-0001 names its products by CPE; the two EVD use cases by purl-less names with
    // scores; Cisco's by CPE. Red Hat's advisories mark only fixed packages, which say nothing
    // about what is affected, and are skipped.
    assert_eq!((csaf.inserted, csaf.skipped), (4, 4));
    let stats = db.stats().unwrap();
    assert!(stats.affected_cpes >= 5, "{stats:?}");
    assert!(db.group_of("CVE-2021-44228").unwrap().is_some());
}

#[test]
fn the_kev_catalog_imports_as_json_or_csv_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut json_db = VulnDb::create_or_open(&dir.path().join("a")).unwrap();
    import_paths(&mut json_db, &[fixture("kev-subset.json")], &mut |_| {}).unwrap();
    let mut csv_db = VulnDb::create_or_open(&dir.path().join("b")).unwrap();
    import_paths(&mut csv_db, &[fixture("kev-subset.csv")], &mut |_| {}).unwrap();
    assert_eq!(json_db.stats().unwrap().kev, 34);
    assert_eq!(csv_db.stats().unwrap().kev, 34);
}

#[test]
fn the_whole_kev_catalog_imports_as_json_or_csv_alike() {
    let (Some(json), Some(csv)) = (
        shared_data("kev/known_exploited_vulnerabilities.json"),
        shared_data("kev/known_exploited_vulnerabilities.csv"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut json_db = VulnDb::create_or_open(&dir.path().join("a")).unwrap();
    import_paths(&mut json_db, &[json], &mut |_| {}).unwrap();
    let mut csv_db = VulnDb::create_or_open(&dir.path().join("b")).unwrap();
    import_paths(&mut csv_db, &[csv], &mut |_| {}).unwrap();
    assert_eq!(json_db.stats().unwrap().kev, 1404);
    assert_eq!(csv_db.stats().unwrap().kev, 1404);
}

#[test]
fn an_osv_zip_imports_like_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("Go.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixture("osv-go")).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for path in &names {
        zip.start_file(path.file_name().unwrap().to_string_lossy(), options).unwrap();
        zip.write_all(&std::fs::read(path).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let mut from_zip = VulnDb::create_or_open(&dir.path().join("z")).unwrap();
    import_paths(&mut from_zip, &[zip_path], &mut |_| {}).unwrap();
    let mut from_files = VulnDb::create_or_open(&dir.path().join("f")).unwrap();
    import_paths(&mut from_files, &names, &mut |_| {}).unwrap();
    let (a, b) = (from_zip.stats().unwrap(), from_files.stats().unwrap());
    assert_eq!((a.records, a.aliases, a.affected_packages), (b.records, b.aliases, b.affected_packages));
    assert!(a.records > 70, "{a:?}");
}

#[test]
fn epss_rows_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    let summary = import_paths(&mut db, &[fixture("epss.csv")], &mut |_| {}).unwrap();
    assert_eq!(summary.sources["epss"].data_date.as_deref(), Some("2024-01-01"));
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "#model_version:v1,score_date:2024-01-01T00:00:00+0000\ncve,epss,percentile\nCVE-1,0.5,0.9\nCVE-2,1.5,0.9\n",
    )
    .unwrap();
    let error = import_paths(&mut db, std::slice::from_ref(&bad), &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains(&format!("{}:4", bad.display())) && error.contains("between 0 and 1"), "{error}");
}

fn import_bytes(bytes: &[u8], name: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let mut db = VulnDb::create_or_open(&dir.path().join("db")).unwrap();
    import_paths(&mut db, &[file], &mut |_| {}).map(|_| ()).map_err(|e| e.to_string())
}

fn mutate(text: &str, at: usize, insert: &str, cut: usize) -> Vec<u8> {
    let at = at.min(text.len());
    let end = (at + cut).min(text.len());
    let mut bytes = text.as_bytes()[..at].to_vec();
    bytes.extend_from_slice(insert.as_bytes());
    bytes.extend_from_slice(&text.as_bytes()[end..]);
    bytes
}

const OSV: &str = r#"{"id":"GHSA-x","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-1"],"severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}],"versions":["1.0.0"]}]}"#;
const NVD: &str = r#"{"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"CVE-2024-2","lastModified":"2024","metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8}}]},"configurations":[{"nodes":[{"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*","versionEndExcluding":"2.0"}]}]}]}}]}"#;
const KEV: &str = r#"{"catalogVersion":"1","dateReleased":"2024-01-01","vulnerabilities":[{"cveID":"CVE-2024-2","dateAdded":"2024-01-01"}]}"#;
const CSAF: &str = r#"{"document":{"csaf_version":"2.0","tracking":{"id":"T-1","current_release_date":"2024"}},"product_tree":{"full_product_names":[{"product_id":"P","name":"p","product_identification_helper":{"purl":"pkg:npm/a@1.0.0"}}]},"vulnerabilities":[{"cve":"CVE-2024-3","product_status":{"known_affected":["P"]},"threats":[{"category":"exploit_status","details":"Exploited in the wild"}]}]}"#;
const EPSS: &str = "#model_version:v1,score_date:2024-01-01T00:00:00+0000\ncve,epss,percentile\nCVE-2024-2,0.5,0.9\n";

#[test]
fn the_seed_documents_import() {
    for (text, name) in [(OSV, "o.json"), (NVD, "n.json"), (KEV, "k.json"), (CSAF, "c.json"), (EPSS, "e.csv")] {
        import_bytes(text.as_bytes(), name).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any damage to any input kind gives an import or an error, never a panic, and an error
    /// names the file.
    #[test]
    fn damaged_inputs_never_panic(which in 0usize..5, at in 0usize..600, insert in "[\\[\\]{}\":,0-9a-z. \\n-]{0,8}", cut in 0usize..6) {
        let (text, name) = [(OSV, "o.json"), (NVD, "n.json"), (KEV, "k.json"), (CSAF, "c.json"), (EPSS, "e.csv")][which];
        if let Err(error) = import_bytes(&mutate(text, at, &insert, cut), name) {
            prop_assert!(error.contains(name), "{error}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = import_bytes(&bytes, "x.json");
        let _ = tekigo_vuln::vex::read(&bytes, "v.json");
    }

    #[test]
    fn damaged_vex_never_panics(at in 0usize..400, insert in "[\\[\\]{}\":,a-z_ -]{0,8}", cut in 0usize..6) {
        let text = std::fs::read_to_string(fixture("vex-kernel.cdx.json")).unwrap();
        let _ = tekigo_vuln::vex::read(&mutate(&text, at, &insert, cut), "v.json");
    }

    #[test]
    fn damaged_policies_never_panic(at in 0usize..300, insert in "[\\[\\]=\"a-z0-9 .\\n-]{0,8}", cut in 0usize..6) {
        let text = std::fs::read_to_string(fixture("policy.toml")).unwrap();
        let mangled = String::from_utf8_lossy(&mutate(&text, at, &insert, cut)).into_owned();
        let _ = tekigo_vuln::Policy::from_toml(&mangled, "p.toml", 7.0);
    }
}
