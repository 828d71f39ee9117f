//! The vulnerability check end to end: import, match, rule, VEX, policy.

use std::path::{Path, PathBuf};

use tekigo_criteria::{Catalog, Level};
use tekigo_vuln::check::{Confidence, Finding, MatchedBy};
use tekigo_vuln::severity::Basis;
use tekigo_vuln::{CheckRequest, Outcome, Policy, Report, Verdict, VulnDb, import_paths};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[path = "../../tekigo-testkit/src/shared_data.rs"]
mod shared_data;
use shared_data::shared_data;

/// The Go SBOM the Go tests check (its copy in tekigo-sbom's fixtures).
fn proton_bridge_sbom() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tekigo-sbom/tests/fixtures/cyclonedx/proton-bridge-v1.8.0.bom.json")
}

fn catalog() -> Catalog {
    tekigo_criteria::builtin().unwrap()
}

fn level<'a>(catalog: &'a Catalog, id: &str) -> &'a Level {
    catalog.scheme("jc-star").unwrap().level(id).unwrap()
}

fn import(db: &mut VulnDb, paths: &[PathBuf]) -> tekigo_vuln::ImportSummary {
    import_paths(db, paths, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn check(db: &VulnDb, sbom: &Path, level_id: &str, policy: &Policy, vex: &[PathBuf]) -> Report {
    let catalog = catalog();
    let sbom_data = tekigo_sbom::read_file(sbom).unwrap();
    let mut statements = Vec::new();
    for file in vex {
        statements.extend(tekigo_vuln::vex::read(&std::fs::read(file).unwrap(), &file.display().to_string()).unwrap());
    }
    db.check(&CheckRequest {
        sbom: &sbom_data,
        sbom_origin: "sbom",
        level_name: &format!("jc-star:{level_id}"),
        level: level(&catalog, level_id),
        policy,
        vex: &statements,
        today: jiff::civil::date(2026, 11, 26),
    })
    .unwrap()
}

fn find<'a>(report: &'a Report, id: &str, component: &str) -> &'a Finding {
    report
        .findings
        .iter()
        .find(|f| (f.id == id || f.aliases.iter().any(|a| a == id)) && f.component.name == component)
        .unwrap_or_else(|| {
            panic!(
                "no finding {id} for {component}; findings: {:#?}",
                report.findings.iter().map(|f| (&f.id, &f.component.name)).collect::<Vec<_>>()
            )
        })
}

fn has(report: &Report, id: &str, component: &str) -> bool {
    report.findings.iter().any(|f| (f.id == id || f.aliases.iter().any(|a| a == id)) && f.component.name == component)
}

// ---------------------------------------------------------------------------------------------
// The Go SBOM against the Go OSV data and the KEV catalog: cases verified by hand against the
// advisories' ranges. `fixtures/osv-go` holds every Go advisory that names a module of the SBOM
// (and GO-2022-0535, for the standard library), `fixtures/kev-subset.json` the KEV entries the
// tests name and a spread of others; `the_go_fixtures_decide_like_the_whole_go_database` shows
// the cut loses nothing for this SBOM.

fn go_database() -> (tempfile::TempDir, VulnDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    import(&mut db, &[fixture("osv-go"), fixture("kev-subset.json")]);
    (dir, db)
}

/// Each finding as (vulnerability, component, version, verdict), sorted.
fn decisions(report: &Report) -> Vec<(String, String, Option<String>, Verdict)> {
    let mut out: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.component.name.clone(), f.component.version.clone(), f.verdict))
        .collect();
    out.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    out
}

#[test]
fn the_go_fixtures_decide_like_the_whole_go_database() {
    let (Some(golang), Some(kev)) =
        (shared_data("osv/golang"), shared_data("kev/known_exploited_vulnerabilities.json"))
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut whole = VulnDb::create_or_open(dir.path()).unwrap();
    import(&mut whole, &[golang, kev]);
    let (_fixture_dir, cut) = go_database();
    let sbom = proton_bridge_sbom();
    let from_whole = check(&whole, &sbom, "1", &Policy::default(), &[]);
    let from_cut = check(&cut, &sbom, "1", &Policy::default(), &[]);
    assert!(!from_whole.findings.is_empty());
    assert_eq!(decisions(&from_whole), decisions(&from_cut));
}

#[test]
fn go_sbom_against_go_osv_and_kev() {
    let (_dir, db) = go_database();
    let sbom = proton_bridge_sbom();
    let report = check(&db, &sbom, "1", &Policy::default(), &[]);

    // golang.org/x/net v0.0.0-20210405180319 is before GO-2022-0969's fix 0.0.0-20220906165146.
    let http2 = find(&report, "GO-2022-0969", "golang.org/x/net");
    assert_eq!(http2.id, "CVE-2022-27664", "the CVE alias names the merged vulnerability");
    assert!(http2.aliases.iter().any(|a| a == "GHSA-69cg-p879-7622"));
    assert_eq!((http2.matched_by, http2.confidence), (MatchedBy::Purl, Confidence::High));
    assert_eq!(http2.fixed_in, ["0.0.0-20220906165146-f3363e06e74c"]);

    // HTTP/2 rapid reset is only *related* to GO-2023-2102 (its alias is CVE-2023-39325), so
    // the KEV entry of CVE-2023-44487 does not attach to it: related is not the same.
    let rapid_reset = find(&report, "GO-2023-2102", "golang.org/x/net");
    assert_eq!(rapid_reset.id, "CVE-2023-39325");
    assert!(rapid_reset.kev.is_none());

    // Boundaries: a version equal to the fixed version is not affected.
    assert!(!has(&report, "GO-2020-0036", "gopkg.in/yaml.v2"), "yaml.v2 2.2.8 is GO-2020-0036's fix");
    assert!(!has(&report, "GO-2020-0019", "github.com/gorilla/websocket"), "websocket 1.4.1 is GO-2020-0019's fix");
    // fasthttp 1.6.0 is before GO-2022-0355's fix 1.34.0.
    assert!(has(&report, "GO-2022-0355", "github.com/valyala/fasthttp"));

    // Without CVSS scores nothing is shown below ★1's bar: the Go data alone leaves every finding
    // unscored, and the result undecided, never conformant.
    assert_eq!(report.counts.fail, 0);
    assert_eq!(report.counts.pass, 0);
    assert_eq!(report.counts.unscored, report.findings.len());
    assert_eq!(report.outcome, Outcome::Undecided);
    assert!(!report.conformant);
    assert_eq!(report.components, 202);
}

/// A Go toolchain in an SBOM: GO-2022-0535 (CVE-2020-0601, in KEV) affects stdlib before 1.12.16
/// and 1.13.0-1.13.6.
fn go_stdlib_sbom(dir: &Path, version: &str) -> PathBuf {
    let path = dir.join(format!("stdlib-{version}.cdx.json"));
    std::fs::write(
        &path,
        format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{{"type":"library","name":"stdlib","version":"{version}","purl":"pkg:golang/stdlib@{version}"}}]}}"#),
    )
    .unwrap();
    path
}

#[test]
fn a_kev_listed_go_vulnerability_needs_a_cvss_score_to_fail() {
    let (dir, mut db) = go_database();
    let affected = check(&db, &go_stdlib_sbom(dir.path(), "1.13.5"), "1", &Policy::default(), &[]);
    let finding = find(&affected, "CVE-2020-0601", "stdlib");
    assert!(finding.kev.is_some() && finding.exploitable);
    // The Go data carries no CVSS score: exploitable and of unknown severity, so it fails.
    assert_eq!(finding.verdict, Verdict::Fail, "{}", finding.verdict_reason.en);
    assert!(finding.unscored);
    assert!(
        !has(
            &check(&db, &go_stdlib_sbom(dir.path(), "1.13.7"), "1", &Policy::default(), &[]),
            "CVE-2020-0601",
            "stdlib"
        ),
        "1.13.7 is the fix"
    );
    assert!(has(
        &check(&db, &go_stdlib_sbom(dir.path(), "1.12.15"), "1", &Policy::default(), &[]),
        "CVE-2020-0601",
        "stdlib"
    ));
    assert!(!has(
        &check(&db, &go_stdlib_sbom(dir.path(), "1.12.16"), "1", &Policy::default(), &[]),
        "CVE-2020-0601",
        "stdlib"
    ));

    // With the NVD's score (8.1) it fails ★1.
    let feed = dir.path().join("nvd-0601.json");
    std::fs::write(
        &feed,
        r#"{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{"id":"CVE-2020-0601","lastModified":"2024-06-01T00:00:00.000",
        "descriptions":[{"lang":"en","value":"Windows CryptoAPI spoofing"}],
        "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:N","baseScore":8.1}}]},
        "configurations":[]}}]}"#,
    )
    .unwrap();
    import(&mut db, &[feed]);
    let report = check(&db, &go_stdlib_sbom(dir.path(), "1.13.5"), "1", &Policy::default(), &[]);
    let finding = find(&report, "CVE-2020-0601", "stdlib");
    assert_eq!(finding.cvss.as_ref().and_then(|s| s.score), Some(8.1));
    assert_eq!(finding.verdict, Verdict::Fail);
    assert!(finding.fails_level && !report.conformant);
}

// ---------------------------------------------------------------------------------------------
// Firmware: components with CPEs and no purl.

fn firmware_database() -> (tempfile::TempDir, VulnDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    import(&mut db, &[fixture("nvd-firmware.json"), fixture("epss.csv"), fixture("kev-subset.json")]);
    (dir, db)
}

#[test]
fn a_firmware_sbom_is_matched_by_cpe() {
    let (_dir, db) = firmware_database();
    let report = check(&db, &fixture("router-old.cdx.json"), "1", &Policy::default(), &[]);
    let verdict = |id: &str, component: &str| find(&report, id, component).verdict;

    // Dirty COW: 4.4.60 lies in [2.6.22, 4.4.26)? No: 4.4.60 is after 4.4.26, so not affected.
    assert!(!has(&report, "CVE-2016-5195", "linux"));
    // OpenSSL 1.1.1k is before both fixes (1.1.1l, 1.1.1n); letters order after numbers.
    assert_eq!(verdict("CVE-2022-0778", "openssl"), Verdict::Fail, "7.5 and EPSS 0.35");
    assert_eq!(verdict("CVE-2021-3711", "openssl"), Verdict::Pass, "9.8 but EPSS 0.02 and not in KEV");
    assert_eq!(verdict("CVE-2016-7406", "dropbear"), Verdict::Fail);
    assert_eq!(verdict("CVE-2022-22707", "lighttpd"), Verdict::Pass, "5.9 is below ★1's 7.0");
    // BusyBox: the advisory's configuration needs a platform: medium confidence, still decided.
    let busybox = find(&report, "CVE-2022-28391", "busybox");
    assert_eq!((busybox.confidence, busybox.verdict), (Confidence::Medium, Verdict::Fail));
    assert!(busybox.reasons.iter().any(|r| r.contains("running on cpe:2.3:o:alpinelinux")));
    // uClibc-ng carries no CPE: matched on its name, low confidence, left for review.
    let uclibc = find(&report, "CVE-2021-43523", "uclibc-ng");
    assert_eq!(
        (uclibc.matched_by, uclibc.confidence, uclibc.verdict),
        (MatchedBy::Name, Confidence::Low, Verdict::Review)
    );
    // zlib 1.2.13 has no advisory here.
    assert!(!report.findings.iter().any(|f| f.component.name == "zlib"));
    assert!(!report.conformant);
    assert_eq!(report.counts.fail, 3);
}

#[test]
fn a_vex_statement_removes_a_finding_and_keeps_its_justification() {
    let (_dir, mut db) = firmware_database();
    // Make the kernel affected: a second feed widens Dirty COW's range to 4.4.60.
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("nvd.json");
    let text = std::fs::read_to_string(fixture("nvd-firmware.json"))
        .unwrap()
        .replace("\"versionEndExcluding\": \"4.4.26\"", "\"versionEndExcluding\": \"4.4.100\"")
        .replace("\"lastModified\": \"2024-01-01T00:00:00.000\"", "\"lastModified\": \"2024-02-01T00:00:00.000\"");
    std::fs::write(&feed, text).unwrap();
    let summary = import(&mut db, &[feed]);
    assert_eq!(summary.sources["nvd"].updated, 7, "a re-import with a newer lastModified replaces the records");

    let without = check(&db, &fixture("router-old.cdx.json"), "1", &Policy::default(), &[]);
    assert_eq!(find(&without, "CVE-2016-5195", "linux").verdict, Verdict::Fail, "in KEV, 7.8");

    let with = check(&db, &fixture("router-old.cdx.json"), "1", &Policy::default(), &[fixture("vex-kernel.cdx.json")]);
    let kernel = find(&with, "CVE-2016-5195", "linux");
    assert_eq!(kernel.verdict, Verdict::NotAffected);
    assert!(!kernel.fails_level);
    assert_eq!(kernel.vex.as_ref().and_then(|v| v.justification.as_deref()), Some("code_not_reachable"));
    assert_eq!(with.counts.fail, without.counts.fail - 1);
}

#[test]
fn a_policy_excepts_until_the_expiry_date_and_no_longer() {
    let (_dir, db) = firmware_database();
    let policy =
        Policy::from_toml(&std::fs::read_to_string(fixture("policy.toml")).unwrap(), "policy.toml", 7.0).unwrap();
    let report = check(&db, &fixture("router-old.cdx.json"), "1", &policy, &[]);
    let dropbear = find(&report, "CVE-2016-7406", "dropbear");
    assert_eq!(dropbear.verdict, Verdict::Excepted);
    assert!(dropbear.verdict_reason.en.contains("excepted until 2099-03-31"));
    let openssl = find(&report, "CVE-2022-0778", "openssl");
    assert_eq!(openssl.verdict, Verdict::Fail, "the exception expired on 2020-01-31");
    assert!(openssl.verdict_reason.en.contains("has expired"));
    assert!(report.exceptions.iter().any(|e| e.expired && e.exception.id == "CVE-2022-0778"));
}

#[test]
fn star_3_lowers_the_bar_to_4_0() {
    let (_dir, db) = firmware_database();
    let strict = Policy { require_exploitable: false, ..Policy::default() };
    let report = check(&db, &fixture("router-old.cdx.json"), "3", &strict, &[]);
    assert_eq!(report.cvss_min, 4.0);
    assert_eq!(find(&report, "CVE-2022-22707", "lighttpd").verdict, Verdict::Fail, "5.9 ≥ 4.0");
    let at_star_1 = check(&db, &fixture("router-old.cdx.json"), "1", &strict, &[]);
    assert_eq!(find(&at_star_1, "CVE-2022-22707", "lighttpd").verdict, Verdict::Pass);
}

#[test]
fn a_policy_cannot_loosen_the_level() {
    let error = Policy::from_toml("cvss_min = 9.0", "p.toml", 7.0).unwrap_err().to_string();
    assert!(error.contains("would loosen"), "{error}");
    let error =
        Policy::from_toml("[[exceptions]]\nid = \"CVE-1\"\nreason = \"r\"\nexpires = \"soon\"\n", "p.toml", 7.0)
            .unwrap_err()
            .to_string();
    assert!(error.contains("not a date"), "{error}");
    let error = Policy::from_toml("epss = 0.2", "p.toml", 7.0).unwrap_err().to_string();
    assert!(error.starts_with("p.toml:1"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Imports.

#[test]
fn aliases_from_different_sources_merge_into_one_vulnerability() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    let files = dir.path().join("in");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(files.join("a.json"), r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001"],"affected":[{"package":{"ecosystem":"npm","name":"left"},"versions":["1.0.0"]}]}"#).unwrap();
    std::fs::write(files.join("b.json"), r#"{"id":"PYSEC-2024-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0002"],"affected":[{"package":{"ecosystem":"PyPI","name":"right"},"versions":["2.0"]}]}"#).unwrap();
    import(&mut db, std::slice::from_ref(&files));
    assert_eq!(db.stats().unwrap().vulnerabilities, 2);
    // A third record says both CVEs are one vulnerability: the two groups merge.
    std::fs::write(files.join("c.json"), r#"{"id":"GO-2024-0001","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001","CVE-2024-0002"],"affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},"versions":["1.0.0"]}]}"#).unwrap();
    let summary = import(&mut db, &[files]);
    assert_eq!((summary.sources["osv"].inserted, summary.sources["osv"].unchanged), (1, 2));
    assert_eq!(db.stats().unwrap().vulnerabilities, 1);
    assert_eq!(db.group_of("GHSA-aaaa-bbbb-cccc").unwrap(), db.group_of("PYSEC-2024-1").unwrap());
}

#[test]
fn a_malformed_file_aborts_the_import_and_keeps_what_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    import(&mut db, &[fixture("kev-subset.json")]);
    let before = db.stats().unwrap();
    let files = dir.path().join("in");
    std::fs::create_dir(&files).unwrap();
    std::fs::write(
        files.join("a-good.json"),
        r#"{"id":"GHSA-1","modified":"2024","affected":[{"package":{"ecosystem":"npm","name":"x"},"versions":["1"]}]}"#,
    )
    .unwrap();
    std::fs::write(files.join("b-bad.json"), "{\"id\": \"GHSA-2\",\n \"modified\": }").unwrap();
    let error = import_paths(&mut db, std::slice::from_ref(&files), &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains(&format!("{}:2:14", files.join("b-bad.json").display())), "{error}");
    let after = db.stats().unwrap();
    assert_eq!((after.records, after.kev), (before.records, before.kev), "nothing of the failed run is kept");
}

#[test]
fn unknown_inputs_are_refused_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    let file = dir.path().join("x.json");
    std::fs::write(&file, r#"{"hello":"world"}"#).unwrap();
    let error = import_paths(&mut db, &[file], &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("none of: an OSV record"), "{error}");
    assert!(VulnDb::open(&dir.path().join("nothing-here")).is_err());
}

// ---------------------------------------------------------------------------------------------
// Each ecosystem's own version order decides the boundary cases.

#[test]
fn each_ecosystem_orders_versions_by_its_own_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(&dir.path().join("db")).unwrap();
    let osv = dir.path().join("osv");
    std::fs::create_dir(&osv).unwrap();
    let records = [
        // Maven: 2.9.10.7 < 2.9.10.8 (four parts), and 2.10.0-rc1 < 2.10.0.
        (
            "GHSA-maven",
            "Maven",
            "com.fasterxml.jackson.core:jackson-databind",
            r#"[{"introduced":"2.9.0"},{"fixed":"2.9.10.8"},{"introduced":"2.10.0-rc1"},{"fixed":"2.10.0"}]"#,
        ),
        // PyPI: 2.0.0rc1 is before 2.0.0, and names normalise (Django_Rest.Framework).
        ("PYSEC-pypi", "PyPI", "Django_Rest.Framework", r#"[{"introduced":"0"},{"fixed":"2.0.0"}]"#),
        // npm: 4.17.21 fixes; 4.17.20 is affected.
        ("GHSA-npm", "npm", "lodash", r#"[{"introduced":"0"},{"fixed":"4.17.21"}]"#),
        // Debian: 1.1.1n-0+deb11u4 is after 1.1.1n-0+deb11u3 (the fix), and ~ sorts before all.
        ("DSA-debian", "Debian:11", "openssl", r#"[{"introduced":"0"},{"fixed":"1.1.1n-0+deb11u4"}]"#),
        // Alpine: 1.36.1-r2 fixes; 1.36.1-r1 is affected.
        ("ALPINE-busybox", "Alpine:v3.18", "busybox", r#"[{"introduced":"0"},{"fixed":"1.36.1-r2"}]"#),
        // Go: last_affected is inclusive.
        ("GO-last", "Go", "example.com/mod", r#"[{"introduced":"0"},{"last_affected":"1.4.0"}]"#),
    ];
    for (id, ecosystem, name, events) in records {
        let kind = if ecosystem == "Go" || ecosystem == "npm" { "SEMVER" } else { "ECOSYSTEM" };
        std::fs::write(
            osv.join(format!("{id}.json")),
            format!(r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{ecosystem}","name":"{name}"}},"ranges":[{{"type":"{kind}","events":{events}}}]}}]}}"#),
        )
        .unwrap();
    }
    import(&mut db, &[osv]);
    let components = [
        ("jackson-databind", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10.7", true),
        ("jackson-databind", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.10.8", false),
        ("jackson-databind", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0-rc1", true),
        ("jackson-databind", "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0", false),
        ("djangorestframework", "pkg:pypi/django-rest-framework@2.0.0rc1", true),
        ("djangorestframework", "pkg:pypi/django-rest-framework@2.0.0", false),
        ("lodash", "pkg:npm/lodash@4.17.20", true),
        ("lodash", "pkg:npm/lodash@4.17.21", false),
        ("openssl", "pkg:deb/debian/openssl@1.1.1n-0+deb11u3?distro=debian-11", true),
        ("openssl", "pkg:deb/debian/openssl@1.1.1n-0+deb11u4?distro=debian-11", false),
        ("openssl", "pkg:deb/debian/openssl@1.1.1n-0+deb11u3?distro=debian-12", false),
        ("busybox", "pkg:apk/alpine/busybox@1.36.1-r1?distro=alpine-3.18", true),
        ("busybox", "pkg:apk/alpine/busybox@1.36.1-r2?distro=alpine-3.18", false),
        ("mod", "pkg:golang/example.com/mod@v1.4.0", true),
        ("mod", "pkg:golang/example.com/mod@v1.4.1", false),
    ];
    for (name, purl, affected) in components {
        let sbom = dir.path().join("one.cdx.json");
        std::fs::write(&sbom, format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{{"type":"library","name":"{name}","purl":"{purl}"}}]}}"#)).unwrap();
        let report = check(&db, &sbom, "1", &Policy::default(), &[]);
        assert_eq!(
            report.findings.len(),
            usize::from(affected),
            "{purl}: {:#?}",
            report.findings.iter().map(|f| &f.reasons).collect::<Vec<_>>()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// No false "conformant": committed fixtures only (`tests/fixtures/go-unscored`, see its README).

fn go_unscored_database() -> (tempfile::TempDir, VulnDb) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(&dir.path().join("db")).unwrap();
    import(&mut db, &[fixture("go-unscored/osv"), fixture("go-unscored/kev.json")]);
    (dir, db)
}

#[test]
fn an_unscored_exploitable_finding_fails() {
    let (_dir, db) = go_unscored_database();
    let report = check(&db, &fixture("go-unscored/service.cdx.json"), "1", &Policy::default(), &[]);
    // GO-2022-0535 is CVE-2020-0601, in KEV: exploitable, and nothing scores it.
    let crypto = find(&report, "CVE-2020-0601", "stdlib");
    assert!(crypto.exploitable && crypto.unscored && crypto.severity.is_none());
    assert_eq!(crypto.verdict, Verdict::Fail, "{}", crypto.verdict_reason.en);
    assert!(crypto.fails_level);
    assert!(crypto.verdict_reason.en.starts_with("UNSCORED and exploitable"), "{}", crypto.verdict_reason.en);
    assert!(!crypto.verdict_reason.ja.is_empty());
    assert_eq!(report.outcome, Outcome::NotConformant);
    assert!(!report.conformant);
    // The others are unscored and not known to be exploited: never "pass".
    for finding in report.findings.iter().filter(|f| f.id != "CVE-2020-0601") {
        assert_eq!(finding.verdict, Verdict::Unscored, "{} {}", finding.id, finding.component.name);
        assert!(finding.unscored && !finding.fails_level);
    }
    assert_eq!(report.counts.pass, 0);
    assert_eq!(report.counts.unscored, report.findings.len() - 1);
}

#[test]
fn unscored_findings_leave_the_result_undecided_never_conformant() {
    let (_dir, db) = go_unscored_database();
    let report = check(&db, &fixture("go-unscored/service-no-stdlib.cdx.json"), "1", &Policy::default(), &[]);
    assert!(has(&report, "GO-2022-0969", "golang.org/x/net"));
    assert!(has(&report, "GO-2022-0355", "github.com/valyala/fasthttp"));
    assert_eq!(report.counts.fail, 0);
    assert!(report.counts.unscored >= 2);
    assert_eq!(report.outcome, Outcome::Undecided);
    assert!(!report.conformant, "nothing fails, but nothing shows the rule holds");
    assert!(report.warnings.iter().any(|w| w.code == "undecided"), "{:?}", report.warnings);
    // Failing on severity alone, an unscored finding is still undecided, not failed.
    let strict = Policy { require_exploitable: false, ..Policy::default() };
    let report = check(&db, &fixture("go-unscored/service-no-stdlib.cdx.json"), "1", &strict, &[]);
    assert_eq!((report.outcome, report.counts.fail), (Outcome::Undecided, 0));
}

#[test]
fn a_vendor_score_in_the_policy_decides_an_unscored_finding() {
    let (_dir, db) = go_unscored_database();
    let policy = Policy::from_toml(
        r#"
[[scores]]
id = "GO-2022-0535"
cvss = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"
reason = "The service never verifies ECC certificates with the Windows CryptoAPI: it does not run on Windows"
[[scores]]
id = "CVE-2022-27664"
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
reason = "HTTP/2 denial of service: availability only"
"#,
        "policy.toml",
        7.0,
    )
    .unwrap();
    let report = check(&db, &fixture("go-unscored/service.cdx.json"), "1", &policy, &[]);
    let crypto = find(&report, "CVE-2020-0601", "stdlib");
    assert_eq!(crypto.verdict, Verdict::Pass, "{}", crypto.verdict_reason.en);
    let severity = crypto.severity.as_ref().unwrap();
    assert_eq!((severity.basis, severity.origin.as_str()), (Basis::Policy, "policy"));
    assert!(severity.reason.as_deref().unwrap().contains("Windows"));
    assert_eq!(crypto.cvss.as_ref().and_then(|s| s.score), Some(3.1));
    // 7.5, but not known to be exploited: decided, below nothing, and not failing.
    let http2 = find(&report, "GO-2022-0969", "golang.org/x/net");
    assert_eq!((http2.verdict, http2.unscored), (Verdict::Pass, false), "{}", http2.verdict_reason.en);
    assert!(http2.verdict_reason.en.starts_with("CVSS v3.1 7.5 (policy) ≥ 7.0, but not known"));

    let error = Policy::from_toml("[[scores]]\nid = \"GO-1\"\ncvss = \"9.8\"\nreason = \"r\"\n", "p.toml", 7.0)
        .unwrap_err()
        .to_string();
    assert!(error.contains("not a CVSS v3.x or v4.0 vector"), "{error}");
    let error = Policy::from_toml(
        "[[scores]]\nid = \"GO-1\"\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\"\nreason = \" \"\n",
        "p.toml",
        7.0,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("a reason is required"), "{error}");
}

#[test]
fn a_score_reached_through_an_alias_or_a_ghsa_level_decides() {
    let (dir, mut db) = go_unscored_database();
    // GitHub's advisory for the same flaw: no vector, only its qualitative level.
    let ghsa = dir.path().join("ghsa");
    std::fs::create_dir(&ghsa).unwrap();
    std::fs::write(
        ghsa.join("GHSA-69cg-p879-7622.json"),
        r#"{"id":"GHSA-69cg-p879-7622","modified":"2024-05-20T00:00:00Z","aliases":["CVE-2022-27664"],"database_specific":{"severity":"HIGH"},"affected":[{"package":{"ecosystem":"Go","name":"golang.org/x/net"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.0.0-20220906165146-f3363e06e74c"}]}]}]}"#,
    )
    .unwrap();
    import(&mut db, &[ghsa]);
    let strict = Policy { require_exploitable: false, ..Policy::default() };
    let report = check(&db, &fixture("go-unscored/service-no-stdlib.cdx.json"), "1", &strict, &[]);
    let http2 = find(&report, "GO-2022-0969", "golang.org/x/net");
    let severity = http2.severity.as_ref().unwrap();
    assert_eq!((severity.basis, severity.origin.as_str()), (Basis::Qualitative, "ghsa"));
    assert_eq!(severity.range, [7.0, 8.9]);
    assert!(http2.cvss.is_none() && !http2.unscored);
    assert_eq!(http2.verdict, Verdict::Fail, "HIGH is at or above 7.0: {}", http2.verdict_reason.en);

    // The NVD's score, reached through the CVE alias, outranks the qualitative level.
    let feed = dir.path().join("nvd-27664.json");
    std::fs::write(
        &feed,
        r#"{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{"id":"CVE-2022-27664","lastModified":"2024-06-01T00:00:00.000",
        "descriptions":[{"lang":"en","value":"HTTP/2 denial of service"}],
        "metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L","baseScore":5.3}}]},
        "configurations":[]}}]}"#,
    )
    .unwrap();
    import(&mut db, &[feed]);
    let report = check(&db, &fixture("go-unscored/service-no-stdlib.cdx.json"), "1", &strict, &[]);
    let http2 = find(&report, "GO-2022-0969", "golang.org/x/net");
    let severity = http2.severity.as_ref().unwrap();
    assert_eq!((severity.basis, severity.origin.as_str(), severity.range[0]), (Basis::CvssV3, "nvd:Primary", 5.3));
    assert_eq!(severity.record.as_deref(), Some("nvd CVE-2022-27664"));
    assert_eq!(http2.verdict, Verdict::Pass);
}

#[test]
fn a_database_without_advisories_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(dir.path()).unwrap();
    let sbom = fixture("go-unscored/service.cdx.json");
    let sbom_data = tekigo_sbom::read_file(&sbom).unwrap();
    let catalog = catalog();
    let request = CheckRequest {
        sbom: &sbom_data,
        sbom_origin: "sbom",
        level_name: "jc-star:1",
        level: level(&catalog, "1"),
        policy: &Policy::default(),
        vex: &[],
        today: jiff::civil::date(2026, 11, 26),
    };
    assert!(matches!(db.check(&request), Err(tekigo_vuln::DbError::Empty(_))));
    // The KEV catalog alone names no package: still nothing to match.
    import(&mut db, &[fixture("go-unscored/kev.json")]);
    assert!(matches!(db.check(&request), Err(tekigo_vuln::DbError::Empty(_))));
}

#[test]
fn the_report_names_its_database_and_warns_of_stale_sources() {
    let (_dir, db) = go_unscored_database();
    let report = check(&db, &fixture("go-unscored/service.cdx.json"), "1", &Policy::default(), &[]);
    let database = &report.database;
    assert!(database.digest.starts_with("sha256:") && database.digest.len() == 7 + 64, "{}", database.digest);
    assert_eq!(database.records, 4);
    let names: Vec<&str> = database.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["kev", "osv"]);
    let kev = &database.sources[0];
    assert_eq!((kev.items, kev.data_date.as_deref()), (3, Some("2025-08-25T17:04:19.9796Z")));
    // Checked on 2026-11-26, the KEV release of 2025-08-25 is 458 days old: a warning, not a failure.
    assert_eq!(kev.age_days, Some(458));
    let stale = database.stale.iter().find(|s| s.source == "kev").unwrap();
    assert!(stale.message.en.contains("458 days old"), "{}", stale.message.en);
    assert!(report.warnings.iter().any(|w| w.code == "stale-source" && w.message.en.contains("kev")));
    // No EPSS, but KEV is there: exploitation data exists.
    assert!(!report.warnings.iter().any(|w| w.code == "no-exploitation-data"));

    let patient = Policy { max_age_days: 10_000, ..Policy::default() };
    let report = check(&db, &fixture("go-unscored/service.cdx.json"), "1", &patient, &[]);
    assert!(report.database.stale.is_empty() && !report.warnings.iter().any(|w| w.code == "stale-source"));
    assert_eq!(Policy::from_toml("max_age_days = 30", "p.toml", 7.0).unwrap().max_age_days, 30);
    assert_eq!(Policy::default().max_age_days, 7);
}

#[test]
fn the_digest_names_the_content_not_the_file() {
    let (dir, mut db) = go_unscored_database();
    let today = jiff::civil::date(2026, 11, 26);
    let first = db.provenance(7, today).unwrap();
    assert_eq!(first.digest, db.provenance(7, today).unwrap().digest, "stable across calls");
    // The same inputs imported in another order, into another folder, at another time.
    let mut other = VulnDb::create_or_open(&dir.path().join("other")).unwrap();
    import(&mut other, &[fixture("go-unscored/kev.json")]);
    import(&mut other, &[fixture("go-unscored/osv")]);
    let reopened = VulnDb::open(&dir.path().join("other")).unwrap();
    assert_eq!(reopened.provenance(7, today).unwrap().digest, first.digest);
    // A changed advisory changes it.
    let changed = dir.path().join("changed");
    std::fs::create_dir(&changed).unwrap();
    let text = std::fs::read_to_string(fixture("go-unscored/osv/GO-2022-0355.json"))
        .unwrap()
        .replace("\"modified\": \"0001-01-01T00:00:00Z\"", "\"modified\": \"2026-01-01T00:00:00Z\"");
    std::fs::write(changed.join("GO-2022-0355.json"), text).unwrap();
    import(&mut db, &[changed]);
    assert_ne!(db.provenance(7, today).unwrap().digest, first.digest);
}

fn vex_files(names: &[&str]) -> Result<Vec<tekigo_vuln::vex::VexStatement>, String> {
    let documents: Vec<(Vec<u8>, String)> =
        names.iter().map(|n| (std::fs::read(fixture(n)).unwrap(), (*n).to_owned())).collect();
    tekigo_vuln::vex::read_all(&documents).map_err(|e| e.to_string())
}

#[test]
fn a_contradictory_csaf_vex_is_refused() {
    let error = vex_files(&["csaf-vex-contradictory.json"]).unwrap_err();
    assert!(error.starts_with("csaf-vex-contradictory.json"), "{error}");
    assert!(error.contains("6.1.6 contradicting product status"), "{error}");

    // The valid document is read, and takes the finding out.
    let statements = vex_files(&["csaf-vex-valid.json"]).unwrap();
    let (_dir, db) = go_unscored_database();
    let sbom = fixture("go-unscored/service-no-stdlib.cdx.json");
    let sbom_data = tekigo_sbom::read_file(&sbom).unwrap();
    let catalog = catalog();
    let report = db
        .check(&CheckRequest {
            sbom: &sbom_data,
            sbom_origin: "sbom",
            level_name: "jc-star:1",
            level: level(&catalog, "1"),
            policy: &Policy::default(),
            vex: &statements,
            today: jiff::civil::date(2026, 11, 26),
        })
        .unwrap();
    let http2 = find(&report, "CVE-2022-27664", "golang.org/x/net");
    assert_eq!(http2.verdict, Verdict::NotAffected);
    assert_eq!(
        http2.vex.as_ref().and_then(|v| v.justification.as_deref()),
        Some("vulnerable_code_not_in_execute_path")
    );
}

#[test]
fn contradictory_statements_across_documents_are_refused_naming_both() {
    let error = vex_files(&["csaf-vex-valid.json", "vex-xnet-exploitable.cdx.json"]).unwrap_err();
    assert!(error.contains("contradictory VEX statements for CVE-2022-27664"), "{error}");
    assert!(error.contains("csaf-vex-valid.json says not_affected"), "{error}");
    assert!(error.contains("vex-xnet-exploitable.cdx.json says affected"), "{error}");
    assert!(error.contains("pkg:golang/golang.org/x/net@v0.0.0-20210405180319-a5a99cb37ef4"), "{error}");
    // Either alone is fine.
    assert!(vex_files(&["vex-xnet-exploitable.cdx.json"]).is_ok());
    // Within one OpenVEX document, too.
    let open = br#"{"@context":"https://openvex.dev/ns/v0.2.0","statements":[
        {"vulnerability":{"name":"CVE-1"},"products":[{"@id":"pkg:npm/a@1.0.0"}],"status":"not_affected","justification":"component_not_present"},
        {"vulnerability":{"name":"cve-1"},"products":[{"@id":"pkg:npm/a"}],"status":"affected"}]}"#;
    let error = tekigo_vuln::vex::read(open, "open.json").unwrap_err().to_string();
    assert!(error.contains("`pkg:npm/a@1.0.0` and `pkg:npm/a`"), "{error}");
}
