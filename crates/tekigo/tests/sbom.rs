//! `tekigo vulndb` and `tekigo sbom` end to end, as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn tekigo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .args(args)
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_VULNDB")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("the tekigo binary runs")
}

fn vuln_fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tekigo-vuln/tests/fixtures").join(name).display().to_string()
}

fn sbom_fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tekigo-sbom/tests/fixtures").join(name).display().to_string()
}

fn firmware_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    let output = tekigo(&[
        "vulndb",
        "import",
        "--db",
        &db,
        &vuln_fixture("nvd-firmware.json"),
        &vuln_fixture("epss.csv"),
        &vuln_fixture("kev-subset.json"),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (dir, db)
}

#[test]
fn check_exits_1_when_not_conformant_and_0_when_conformant() {
    let (_dir, db) = firmware_db();
    let output = tekigo(&[
        "sbom",
        "check",
        &vuln_fixture("router-old.cdx.json"),
        "--level",
        "1",
        "--db",
        &db,
        "--format",
        "json",
        "--today",
        "2026-11-26",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["conformant"], false);
    let findings = report["findings"].as_array().unwrap();
    // Every matched vulnerability is listed, also those that do not fail the level.
    assert!(findings.iter().any(|f| f["fails_level"] == false && f["verdict"] == "pass"));
    let openssl = findings.iter().find(|f| f["id"] == "CVE-2022-0778").unwrap();
    for field in ["id", "aliases", "component", "fails_level", "verdict", "reasons", "confidence", "cvss"] {
        assert!(!openssl[field].is_null(), "finding lacks `{field}`");
    }
    assert_eq!(openssl["component"]["cpe"], "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*");

    // A product with nothing known against it is conformant.
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.json");
    std::fs::write(&clean, r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"zlib","version":"1.3.1","cpe":"cpe:2.3:a:zlib:zlib:1.3.1:*:*:*:*:*:*:*"}]}"#).unwrap();
    let output = tekigo(&["sbom", "check", clean.to_str().unwrap(), "--level", "1", "--db", &db]);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stdout).contains("CONFORMANT against jc-star:1"));
}

#[test]
fn input_errors_exit_2_and_say_where() {
    let (dir, db) = firmware_db();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"bomFormat\": \"CycloneDX\",\n \"components\": [").unwrap();
    let output = tekigo(&["sbom", "check", broken.to_str().unwrap(), "--level", "1", "--db", &db]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{}:2:", broken.display())), "{stderr}");

    let output = tekigo(&[
        "sbom",
        "check",
        &vuln_fixture("router-old.cdx.json"),
        "--level",
        "1",
        "--db",
        dir.path().join("none").to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no vulnerability database"));

    let output = tekigo(&["sbom", "check", &vuln_fixture("router-old.cdx.json"), "--level", "9", "--db", &db]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let (_dir, db) = firmware_db();
    let output = tekigo(&[
        "sbom",
        "check",
        &vuln_fixture("router-old.cdx.json"),
        "--level",
        "1",
        "--db",
        &db,
        "--format",
        "sarif",
        "--vex",
        &vuln_fixture("vex-kernel.cdx.json"),
    ]);
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors = sarif_schema_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["level"] == "error"));
    assert!(results.iter().all(|r| r["ruleIndex"].as_u64().is_some()));
}

#[test]
fn components_of_every_format_print_as_json() {
    for file in [
        "cyclonedx/laravel-7.12.0.bom.1.4.json",
        "cyclonedx/cern-lhc-vdm-editor.bom.xml",
        "spdx/example1-c.spdx",
        "spdx/example11-rust.spdx3.json",
    ] {
        let output = tekigo(&["sbom", "components", &sbom_fixture(file), "--format", "json"]);
        assert!(output.status.success(), "{file}: {}", String::from_utf8_lossy(&output.stderr));
        let sbom: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(!sbom["components"].as_array().unwrap().is_empty(), "{file}");
    }
}

#[test]
fn the_check_table_reads_in_both_languages() {
    let (_dir, db) = firmware_db();
    let args = [
        "sbom",
        "check",
        &vuln_fixture("router-old.cdx.json"),
        "--level",
        "1",
        "--db",
        &db,
        "--policy",
        &vuln_fixture("policy.toml"),
        "--today",
        "2026-11-26",
    ];
    let english = String::from_utf8(tekigo(&args).stdout).unwrap();
    let mut ja = args.to_vec();
    ja.extend(["--lang", "ja"]);
    let japanese = String::from_utf8(tekigo(&ja).stdout).unwrap();
    // The SBOM's and the database's paths are temporary folders', the import time today's: keep
    // them out of the snapshot.
    let path = vuln_fixture("router-old.cdx.json");
    let stable = |text: &str| redact_import_times(&text.replace(&path, "router-old.cdx.json").replace(&db, "DB"));
    insta::assert_snapshot!("check_router_old_en", stable(&english));
    insta::assert_snapshot!("check_router_old_ja", stable(&japanese));
}

/// `imported 2026-12-07T04:27:43Z` (or `取込 …`) with the time left out.
fn redact_import_times(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = ["imported ", "取込 "].iter().filter_map(|m| rest.find(m).map(|i| i + m.len())).min() {
        out.push_str(&rest[..at]);
        out.push_str("TIME");
        rest = &rest[at..];
        rest = &rest[rest.find([';', '、', '\n']).unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}

#[test]
fn stats_say_what_is_held() {
    let (_dir, db) = firmware_db();
    let output = tekigo(&["vulndb", "stats", "--db", &db, "--format", "json"]);
    let stats: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stats["records"], 7);
    assert_eq!(stats["epss"], 7);
    let sources: Vec<&str> = stats["sources"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(sources, ["epss", "kev", "nvd"]);
    let kev = stats["sources"].as_array().unwrap().iter().find(|s| s["name"] == "kev").unwrap();
    assert_eq!(kev["items"], 34);
}

/// The Go service's database from committed fixtures: Go advisories without scores, and KEV.
fn go_unscored_db() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db").display().to_string();
    let output = tekigo(&[
        "vulndb",
        "import",
        "--db",
        &db,
        &vuln_fixture("go-unscored/osv"),
        &vuln_fixture("go-unscored/kev.json"),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (dir, db)
}

#[test]
fn a_missing_or_empty_database_is_refused_and_never_created() {
    let dir = tempfile::tempdir().unwrap();
    let sbom = vuln_fixture("go-unscored/service.cdx.json");
    let missing = dir.path().join("missing");
    let output = tekigo(&["sbom", "check", &sbom, "--level", "1", "--db", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no vulnerability database") && stderr.contains("tekigo vulndb update"), "{stderr}");
    assert!(!missing.exists(), "a check never creates a database");

    // A database with the KEV catalog alone holds no advisory: a check would find nothing.
    let kev_only = dir.path().join("kev-only").display().to_string();
    let imported = tekigo(&["vulndb", "import", "--db", &kev_only, &vuln_fixture("go-unscored/kev.json")]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));
    let output = tekigo(&["sbom", "check", &sbom, "--level", "1", "--db", &kev_only]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds no advisories") && stderr.contains("tekigo vulndb update"), "{stderr}");
    assert!(output.stdout.is_empty(), "no report, so nothing reads as conformant");
    let output = tekigo(&["sbom", "check", &sbom, "--level", "1", "--db", &kev_only, "--lang", "ja"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("アドバイザリがなく"), "{stderr}");
}

#[test]
fn unscored_findings_never_read_as_conformant_in_any_output() {
    let (_dir, db) = go_unscored_db();
    let check = |sbom: &str, format: &str| {
        tekigo(&[
            "sbom",
            "check",
            &vuln_fixture(sbom),
            "--level",
            "1",
            "--db",
            &db,
            "--format",
            format,
            "--today",
            "2026-11-26",
        ])
    };
    // The Go toolchain's CVE-2020-0601 is in KEV and unscored: it fails.
    let output = check("go-unscored/service.cdx.json", "json");
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((report["outcome"].as_str(), report["conformant"].as_bool()), (Some("not-conformant"), Some(false)));
    let crypto = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == "CVE-2020-0601").unwrap();
    assert_eq!((crypto["verdict"].as_str(), crypto["unscored"].as_bool()), (Some("fail"), Some(true)));
    assert!(report["database"]["digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(report["database"]["sources"][0]["name"], "kev");
    assert!(report["warnings"].as_array().unwrap().iter().any(|w| w["code"] == "stale-source"));

    // Without it nothing fails, but nothing is shown to pass: exit 3, never CONFORMANT.
    let output = check("go-unscored/service-no-stdlib.cdx.json", "table");
    assert_eq!(output.status.code(), Some(3));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("CANNOT BE DECIDED against jc-star:1"), "{table}");
    assert!(!table.contains(": CONFORMANT"), "{table}");
    assert!(table.contains("UNSCORED"), "{table}");
    assert!(table.contains(&format!("database {db} (sha256:")), "{table}");
    assert!(table.contains("warning: the kev data is 458 days old"), "{table}");

    let output = check("go-unscored/service-no-stdlib.cdx.json", "sarif");
    assert_eq!(output.status.code(), Some(3));
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["properties"]["outcome"], "undecided");
    assert_eq!(run["properties"]["conformant"], false);
    assert!(run["properties"]["database"]["digest"].as_str().unwrap().starts_with("sha256:"));
    let notes: Vec<&str> = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["descriptor"]["id"].as_str().unwrap())
        .collect();
    assert!(notes.contains(&"stale-source") && notes.contains(&"undecided"), "{notes:?}");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for result in results {
        // SARIF allows a level other than `none` only on a `fail`.
        assert_eq!((result["level"].as_str(), result["kind"].as_str()), (Some("none"), Some("review")));
        assert_eq!(result["properties"]["unscored"], true);
    }
    let errors = sarif_schema_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
}

fn sarif_schema_errors(sarif: &Value) -> Vec<String> {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-2.1.0/sarif-schema-2.1.0.json");
    // The schema carries one malformed regex (an unbalanced `]` in run.language's pattern); a
    // validator refuses the whole schema for it, so that one pattern is mended.
    let text = std::fs::read_to_string(schema_path)
        .unwrap()
        .replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator.iter_errors(sarif).map(|e| format!("{e} at {}", e.instance_path())).take(5).collect()
}

#[test]
fn contradictory_or_invalid_vex_is_refused() {
    let (_dir, db) = go_unscored_db();
    let sbom = vuln_fixture("go-unscored/service-no-stdlib.cdx.json");
    let output = tekigo(&[
        "sbom",
        "check",
        &sbom,
        "--level",
        "1",
        "--db",
        &db,
        "--vex",
        &vuln_fixture("csaf-vex-contradictory.json"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("6.1.6 contradicting product status"), "{stderr}");
    let output = tekigo(&[
        "sbom",
        "check",
        &sbom,
        "--level",
        "1",
        "--db",
        &db,
        "--vex",
        &vuln_fixture("csaf-vex-valid.json"),
        "--vex",
        &vuln_fixture("vex-xnet-exploitable.cdx.json"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("contradictory VEX statements for CVE-2022-27664"), "{stderr}");
}
