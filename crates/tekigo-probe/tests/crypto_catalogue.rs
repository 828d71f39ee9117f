//! `data/checks-crypto.toml` defines every check the TLS, SSH and UDP modules report, once, with
//! requirements that exist in the built-in criteria catalog and a verdict for each JC-STAR level.
//! (The probe's catalogue loader validates the format in full; this test pins coverage.)

use std::collections::BTreeSet;

use tekigo_probe::{ssh, tls, udp};

const FILE: &str = include_str!("../data/checks-crypto.toml");

#[test]
fn every_reported_check_is_in_the_catalogue_once() {
    let doc: toml::Table = toml::from_str(FILE).expect("checks-crypto.toml parses");
    let checks = doc["check"].as_array().expect("[[check]] entries");
    let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids in {ids:?}");
    let reported: BTreeSet<&str> = tls::CHECKS.iter().chain(&ssh::CHECKS).chain(&udp::CHECKS).copied().collect();
    assert_eq!(unique, reported, "the catalogue and the modules disagree");

    let criteria = tekigo_criteria::builtin().expect("built-in criteria");
    for check in checks {
        let id = check["id"].as_str().unwrap();
        let keys: BTreeSet<&str> = check.as_table().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "severity", "requirements", "threats", "title", "verdicts"].into(), "{id}");
        assert!(["critical", "high", "medium", "low", "info"].contains(&check["severity"].as_str().unwrap()));
        for requirement in check["requirements"].as_array().unwrap() {
            let r = requirement.as_str().unwrap();
            assert!(r.contains('/') && criteria.find_requirement(r).is_ok(), "{id}: unknown requirement {r}");
        }
        assert!(!check["threats"].as_array().unwrap().is_empty(), "{id}");
        let title = check["title"].as_table().unwrap();
        assert!(!title["en"].as_str().unwrap().is_empty() && !title["ja"].as_str().unwrap().is_empty(), "{id}");
        let verdicts = check["verdicts"].as_table().unwrap();
        let levels: BTreeSet<&str> = verdicts.keys().map(String::as_str).collect();
        assert_eq!(levels, ["1", "2", "3", "4"].into(), "{id}");
        for v in verdicts.values() {
            assert!(["fail", "warn", "pass", "info"].contains(&v.as_str().unwrap()), "{id}");
        }
        if id.ends_with("-summary") {
            assert!(verdicts.values().all(|v| v.as_str() == Some("info")), "{id}: a summary never fails");
        }
    }
}
