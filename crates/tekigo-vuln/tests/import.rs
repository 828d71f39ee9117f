//! What an import leaves behind when it fails, what it says about files it passes over, OSV in
//! YAML, and CSAF documents that fail the standard's mandatory tests.

use std::path::{Path, PathBuf};

use tekigo_vuln::db::DB_FILE;
use tekigo_vuln::{VulnDb, import_into};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_failed_import_leaves_no_new_database_and_an_old_one_untouched() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let missing = work.path().join("no-such-file.json");
    let error = import_into(&db, std::slice::from_ref(&missing), &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("no-such-file.json"), "{error}");
    assert!(!db.exists(), "no folder, no empty database after a failed import");

    let malformed = work.path().join("bad.json");
    std::fs::write(&malformed, b"{\"id\": \"GO-1\", \"modified\": ").unwrap();
    let error = import_into(&db, std::slice::from_ref(&malformed), &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("bad.json:1:"), "{error}");
    assert!(!db.exists());
    // The same into a folder that is already there: the folder stays, with nothing in it.
    std::fs::create_dir(&db).unwrap();
    import_into(&db, std::slice::from_ref(&malformed), &mut |_| {}).unwrap_err();
    assert!(files_in(&db).is_empty(), "{:?}", files_in(&db));
    assert!(VulnDb::open(&db).is_err());

    import_into(&db, &[fixture("nvd-firmware.json")], &mut |_| {}).unwrap();
    drop(VulnDb::open(&db).unwrap());
    let before = std::fs::read(db.join(DB_FILE)).unwrap();
    import_into(&db, &[fixture("epss.csv"), malformed.clone()], &mut |_| {}).unwrap_err();
    assert_eq!(std::fs::read(db.join(DB_FILE)).unwrap(), before);
    let stats = VulnDb::open(&db).unwrap().stats().unwrap();
    assert_eq!((stats.records, stats.epss), (7, 0), "the failed run's EPSS scores are not kept");
}

#[test]
fn a_folder_with_nothing_to_read_is_an_error_and_skipped_files_are_named() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let folder = work.path().join("advisories");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("README.md"), "advisories").unwrap();
    std::fs::write(folder.join("GO-2020-0001.toml"), "id = 1").unwrap();
    let error = import_into(&db, std::slice::from_ref(&folder), &mut |_| {}).unwrap_err().to_string();
    assert!(error.starts_with(&format!("{}:", folder.display())), "{error}");
    assert!(error.contains("no file to import") && error.contains("README.md"), "{error}");
    assert!(!db.exists());

    std::fs::copy(fixture("epss.csv"), folder.join("epss.csv")).unwrap();
    let summary = import_into(&db, std::slice::from_ref(&folder), &mut |_| {}).unwrap();
    let skipped: Vec<&str> = summary.skipped_files.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped[0].ends_with("GO-2020-0001.toml") && skipped[1].ends_with("README.md"), "{skipped:?}");
    assert!(summary.skipped_files[0].reason.contains("*.json"));
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["skipped_files"].as_array().unwrap().len(), 2);
}

#[test]
fn osv_in_yaml_reads_like_osv_json_in_folders_and_zips() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let summary = import_into(&db, &[fixture("pypa")], &mut |_| {}).unwrap();
    assert_eq!(summary.sources["osv"].inserted, 1);
    let database = VulnDb::open(&db).unwrap();
    let group = database.group_of("CVE-2023-32681").unwrap();
    assert!(group.is_some() && group == database.group_of("PYSEC-2023-74").unwrap());
    drop(database);
    let conn = rusqlite::Connection::open(db.join(DB_FILE)).unwrap();
    let (key, versions, ranges): (String, String, String) = conn
        .query_row("SELECT package_key, versions, ranges FROM affected_packages", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(key, "pypi/requests");
    // Scalars keep the text they are written with: `'2.10'` is not the number 2.1.
    assert_eq!(versions, r#"["2.3.0","2.10","2.10.0","2.30.0"]"#);
    assert!(ranges.contains(r#""fixed":"2.31.0""#), "{ranges}");

    // The same record in a zip archive, beside a JSON record.
    let zip_path = work.path().join("pypa.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("vulns/requests/PYSEC-2023-74.yaml", options).unwrap();
    std::io::Write::write_all(&mut zip, &std::fs::read(fixture("pypa/PYSEC-2023-74.yaml")).unwrap()).unwrap();
    zip.start_file("vulns/LICENSE", options).unwrap();
    zip.finish().unwrap();
    let from_zip = work.path().join("zip-db");
    let summary = import_into(&from_zip, &[zip_path], &mut |_| {}).unwrap();
    assert_eq!(summary.sources["osv"].inserted, 1);
    assert!(summary.skipped_files[0].path.ends_with("!vulns/LICENSE"), "{:?}", summary.skipped_files);

    let broken = work.path().join("broken.yaml");
    std::fs::write(&broken, "id: [unclosed\n").unwrap();
    let error = import_into(&from_zip, &[broken], &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("broken.yaml") && error.contains("YAML"), "{error}");
}

fn csaf(product_status: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "publisher": {"category": "vendor", "name": "Example", "namespace": "https://example.com"},
            "title": "OpenSSL infinite loop in BN_mod_sqrt",
            "tracking": {
                "id": "EXAMPLE-2024-0001",
                "status": "final",
                "version": "1",
                "initial_release_date": "2024-01-01T00:00:00Z",
                "current_release_date": "2024-01-01T00:00:00Z",
                "revision_history": [{"date": "2024-01-01T00:00:00Z", "number": "1", "summary": "Initial"}]
            }
        },
        "product_tree": {"full_product_names": [{
            "product_id": "P1",
            "name": "OpenSSL 3.0.1",
            "product_identification_helper": {"purl": "pkg:generic/openssl@3.0.1"}
        }]},
        "vulnerabilities": [{"cve": "CVE-2022-0778", "product_status": product_status}]
    })
}

#[test]
fn csaf_that_fails_a_mandatory_test_is_refused_with_its_number() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let good = work.path().join("good.json");
    std::fs::write(&good, serde_json::to_vec(&csaf(serde_json::json!({"known_affected": ["P1"]}))).unwrap()).unwrap();
    let summary = import_into(&db, std::slice::from_ref(&good), &mut |_| {}).unwrap();
    assert_eq!(summary.sources["csaf"].inserted, 1);

    // A product both affected and not affected: CSAF 2.0 mandatory test 6.1.6.
    let contradicting = work.path().join("contradicting.json");
    let document = csaf(serde_json::json!({"known_affected": ["P1"], "known_not_affected": ["P1"]}));
    std::fs::write(&contradicting, serde_json::to_vec(&document).unwrap()).unwrap();
    let error = import_into(&db, std::slice::from_ref(&contradicting), &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("contradicting.json") && error.contains("mandatory test 6.1.6"), "{error}");
}
