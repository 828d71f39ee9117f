//! `tekigo probe` as a user runs it: refusals, help, exit codes. (The probe against real daemons
//! is tested in crates/tekigo-probe/tests/daemons.rs.)

use std::process::Command;

fn tekigo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .args(args)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .output()
        .expect("run tekigo")
}

#[test]
fn a_range_is_refused_without_allow_range_with_exit_2() {
    for range in ["127.0.0.0/24", "127.0.0.1-9"] {
        let out = tekigo(&["probe", range]);
        assert_eq!(out.status.code(), Some(2), "{range}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-range"), "{range}");
    }
    let out = tekigo(&["probe", "127.0.0.0/16", "--allow-range"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 256"));
}

#[test]
fn bad_ports_and_levels_are_usage_errors() {
    assert_eq!(tekigo(&["probe", "127.0.0.1", "--ports", "0"]).status.code(), Some(2));
    assert_eq!(tekigo(&["probe", "127.0.0.1", "--level", "5"]).status.code(), Some(2));
}

#[test]
fn help_says_what_is_sent_the_bounds_and_who_may_use_it_in_both_languages() {
    let out = tekigo(&["probe", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "entitled to test",
        "What it sends",
        "at most 100 login attempts",
        "256 hosts",
        "権限のある機器",
        "送信する内容",
        "上限",
    ] {
        assert!(help.contains(needle), "help lacks {needle:?}");
    }
}

#[test]
fn a_closed_port_probe_is_conformant_json_with_exit_0() {
    // A port nothing listens on, on loopback: no findings, exit 0.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = tekigo(&["probe", "127.0.0.1", "--ports", &port.to_string(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["conformant"], true);
    // Nothing on TCP; the UDP discovery probes may find a local mDNS responder, which is no failure.
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["verdict"] != "fail" && f["protocol"] != "tcp"));
    assert_eq!(report["level"], "1");
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = tekigo(&["probe", "127.0.0.1", "--ports", &port.to_string(), "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sarif-2.1.0/sarif-schema-2.1.0.json");
    // The one malformed pattern of rtm.5 is mended as in tests/sbom.rs.
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$");
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&sarif).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["name"], "tekigo");
}
