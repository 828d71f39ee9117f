//! The SARIF logs of `tekigo sbom check` and `tekigo probe` against the OASIS SARIF 2.1.0 schema,
//! and what the schema cannot say: artifact locations are `file` URIs or relative URIs with a
//! `uriBaseId` the run defines, and each result has the `kind` its verdict calls for, with a
//! suppression where a VEX statement or a policy exception closes it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jsonschema::Validator;
use serde_json::Value;

fn tekigo_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .current_dir(cwd)
        .args(args)
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_VULNDB")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("the tekigo binary runs")
}

fn vuln_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tekigo-vuln/tests/fixtures").join(name)
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The OASIS schema, with format checks on (`uri`, `uri-reference`, `date-time`).
fn sarif_schema() -> Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-2.1.0/sarif-schema-2.1.0.json");
    // The schema's two `language` patterns carry a stray `]` (`...-[a-zA-Z]{2}]?$`) that ECMA
    // regexes read as a literal and the validator's engine refuses; they are mended here, the file
    // itself stays as published.
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

fn assert_valid(log: &Value) {
    let errors: Vec<String> =
        sarif_schema().iter_errors(log).map(|e| format!("{e} at {}", e.instance_path())).take(8).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0: {errors:#?}\n{log:#}");
}

/// SARIF's rules for `kind` and `level` (SARIF 2.1.0 §3.27.9, §3.27.10): a level other than
/// `none` only on a `fail`.
fn assert_kinds_and_levels(log: &Value) {
    for result in log["runs"][0]["results"].as_array().unwrap() {
        let kind = result["kind"].as_str().expect("every result states its kind");
        let level = result["level"].as_str().unwrap_or("none");
        assert!(["pass", "fail", "review", "informational", "open", "notApplicable"].contains(&kind), "{result:#}");
        if kind != "fail" {
            assert_eq!(level, "none", "a {kind} result has level none: {result:#}");
        }
    }
}

/// Every artifact URI is a `file` URI, or relative with a `uriBaseId` the run defines as an
/// absolute `file` URI of a folder (SARIF 2.1.0 §3.4.4, §3.14.14).
fn assert_file_locations(log: &Value) -> Vec<String> {
    let run = &log["runs"][0];
    let mut uris = Vec::new();
    for result in run["results"].as_array().unwrap() {
        for location in result["locations"].as_array().unwrap() {
            let artifact = &location["physicalLocation"]["artifactLocation"];
            let uri = artifact["uri"].as_str().unwrap();
            assert!(!uri.contains(' '), "{uri}: not percent-encoded");
            match artifact["uriBaseId"].as_str() {
                Some(base) => {
                    assert!(!uri.starts_with('/') && !uri.contains(':'), "{uri}: a relative reference");
                    let base_uri = run["originalUriBaseIds"][base]["uri"].as_str().expect("the run defines the base");
                    assert!(base_uri.starts_with("file:///") && base_uri.ends_with('/'), "{base_uri}");
                    uris.push(format!("{base_uri}{uri}"));
                }
                None => {
                    assert!(uri.starts_with("file:///"), "{uri}: an absolute path is a file URI");
                    uris.push(uri.to_owned());
                }
            }
        }
    }
    uris
}

/// A CycloneDX VEX statement that the router's busybox is not affected by CVE-2022-28391, which the
/// firmware fixtures otherwise fail it on.
fn busybox_vex(dir: &Path) -> PathBuf {
    let path = dir.join("vex-busybox.cdx.json");
    let vex = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "vulnerabilities": [{
            "id": "CVE-2022-28391",
            "analysis": {
                "state": "not_affected",
                "justification": "code_not_present",
                "detail": "The netstat applet is not built into this firmware."
            },
            "affects": [{ "ref": "urn:cdx:5e3c2b1a-7d41-4c55-9f0e-2a8b6c9d1e01/1#busybox" }]
        }]
    });
    std::fs::write(&path, serde_json::to_vec(&vex).unwrap()).unwrap();
    path
}

/// A database of the firmware fixtures, and the check's SARIF for the router's SBOM with a VEX
/// statement and the policy, the SBOM given as `sbom` from `cwd`.
fn check_sarif(db: &Path, cwd: &Path, sbom: &str) -> Value {
    let output = tekigo_in(
        cwd,
        &[
            "sbom",
            "check",
            sbom,
            "--level",
            "1",
            "--db",
            s(db),
            "--format",
            "sarif",
            "--today",
            "2026-11-26",
            "--vex",
            s(&busybox_vex(db.parent().unwrap())),
            "--policy",
            s(&vuln_fixture("policy.toml")),
        ],
    );
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

fn firmware_db(dir: &Path) -> PathBuf {
    let db = dir.join("db");
    let output = tekigo_in(
        dir,
        &["vulndb", "import", "--db", s(&db), s(&vuln_fixture("nvd-firmware.json")), s(&vuln_fixture("epss.csv"))],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    db
}

fn result_for<'v>(log: &'v Value, id: &str) -> &'v Value {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == id)
        .unwrap_or_else(|| panic!("no result for {id}: {log:#}"))
}

#[test]
fn the_sbom_check_sarif_is_valid_with_file_uris_kinds_and_suppressions() {
    let work = tempfile::tempdir().unwrap();
    let db = firmware_db(work.path());
    // A folder and file name that a URI must percent-encode.
    let folder = work.path().join("SBOMs of ルーター 1.0");
    std::fs::create_dir_all(&folder).unwrap();
    let sbom = folder.join("router old#1.cdx.json");
    std::fs::copy(vuln_fixture("router-old.cdx.json"), &sbom).unwrap();

    // An absolute path: a file URI.
    let log = check_sarif(&db, work.path(), s(&sbom));
    assert_valid(&log);
    assert_kinds_and_levels(&log);
    let uris = assert_file_locations(&log);
    assert!(!uris.is_empty());
    let expected = format!(
        "file://{}/SBOMs%20of%20%E3%83%AB%E3%83%BC%E3%82%BF%E3%83%BC%201.0/router%20old%231.cdx.json",
        work.path().display()
    );
    assert!(uris.iter().all(|u| *u == expected), "{uris:?}");
    assert!(log["runs"][0].get("originalUriBaseIds").is_none());

    // Each verdict as SARIF has it.
    let report: Value = {
        let output = tekigo_in(
            work.path(),
            &[
                "sbom",
                "check",
                s(&sbom),
                "--level",
                "1",
                "--db",
                s(&db),
                "--format",
                "json",
                "--today",
                "2026-11-26",
                "--vex",
                s(&busybox_vex(work.path())),
                "--policy",
                s(&vuln_fixture("policy.toml")),
            ],
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let mut seen = std::collections::BTreeSet::new();
    for finding in report["findings"].as_array().unwrap() {
        let id = finding["id"].as_str().unwrap();
        let verdict = finding["verdict"].as_str().unwrap();
        let result = result_for(&log, id);
        let suppressions = result["suppressions"].as_array();
        match verdict {
            "fail" => {
                assert_eq!((result["kind"].as_str(), result["level"].as_str()), (Some("fail"), Some("error")), "{id}");
                assert!(suppressions.is_none(), "{id}");
            }
            "pass" => {
                assert_eq!(result["kind"], "pass", "{id}");
                assert!(suppressions.is_none(), "{id}");
            }
            "review" => assert_eq!(result["kind"], "review", "{id}"),
            "not-affected" | "excepted" => {
                let suppression = &suppressions.unwrap_or_else(|| panic!("{id} is suppressed"))[0];
                assert_eq!(suppression["kind"], "external", "{id}");
                assert_eq!(suppression["status"], "accepted", "{id}");
                let justification = suppression["justification"].as_str().unwrap();
                if verdict == "excepted" {
                    assert!(justification.contains("update 1.0.4"), "{id}: the policy's reason: {justification}");
                    assert!(justification.contains("2099-03-31"), "{id}: the exception's expiry: {justification}");
                } else {
                    assert!(justification.contains("netstat applet"), "{id}: the VEX statement: {justification}");
                }
            }
            other => assert_eq!(result["kind"], "review", "{id}: a verdict ({other}) that is not decided is reviewed"),
        }
        seen.insert(verdict.to_owned());
    }
    for verdict in ["fail", "not-affected", "excepted"] {
        assert!(seen.contains(verdict), "the fixtures give a {verdict} finding: {seen:?}");
    }

    // A relative path: a relative URI against %SRCROOT%, the folder the command ran in.
    let log = check_sarif(&db, &folder, "./router old#1.cdx.json");
    assert_valid(&log);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "router%20old%231.cdx.json");
    assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let uris = assert_file_locations(&log);
    assert!(uris.iter().all(|u| *u == expected), "{uris:?}");
}

#[test]
fn the_probe_sarif_is_valid_with_kinds() {
    // A port that answers and one that does not: an open service and a closed one.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open = listener.local_addr().unwrap().port();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let output = tekigo_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["probe", "127.0.0.1", "--ports", &format!("{open},{closed}"), "--format", "sarif"],
    );
    drop(listener);
    let log: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_valid(&log);
    assert_kinds_and_levels(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty(), "{log:#}");
    for result in results {
        let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.starts_with("tcp://127.0.0.1:") || uri == "host://127.0.0.1", "{uri}");
    }
}
