//! `tekigo registry monitor` and `tekigo csaf export` as a scheduler runs them: a registry with
//! one labeled camera (made through the library, as the web screens would), a vulnerability
//! database filled by `tekigo vulndb import`, then the commands, on SQLite. Also `tekigo registry
//! artwork` on that registry.

use std::path::Path;
use std::process::Command;

use ed25519_dalek::SigningKey;
use tekigo_registry::Registry;
use tekigo_registry::{NewProduct, Role};
use tekigo_testkit::{NOW, TODAY, catalog, public_pem, signed_sample_as};

fn tekigo(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tekigo")).args(args).env("TEKIGO_LANG", "en").output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn labeled_camera(url: &str) -> String {
    let registry = Registry::open(url, catalog()).await.unwrap();
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = registry
        .sign_up_vendor("Example Devices K.K.", "sato@example.com", "Sato", "correct horse battery", NOW)
        .await
        .unwrap();
    registry.add_signing_key(&vendor, &public_pem(&key), NOW).await.unwrap();
    let product = registry
        .create_product(
            &vendor,
            NewProduct {
                name: "EXC-100 network camera".into(),
                model: "EXC-100".into(),
                models: Vec::new(),
                firmware_version: "2.4.1".into(),
                product_type: Some("network-camera".into()),
                support_end: "2030-03-31".into(),
                vulnerability_contact: "https://example.com/security".into(),
            },
            TODAY,
            NOW,
        )
        .await
        .unwrap();
    let (declaration, sbom) = signed_sample_as(&key, Some("Example Devices K.K."), "2.4.1");
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    registry.record_fee(&reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    let number = registry.approve(&reviewer, application.id, TODAY, NOW).await.unwrap().number;
    registry.pool().close().await;
    number
}

fn write_advisories(dir: &Path) -> (String, String) {
    let nvd = serde_json::json!({
        "resultsPerPage": 1, "startIndex": 0, "totalResults": 1, "format": "NVD_CVE", "version": "2.0",
        "timestamp": "2026-11-26T00:00:00.000",
        "vulnerabilities": [{ "cve": {
            "id": "CVE-2026-40001", "sourceIdentifier": "test", "published": "2026-11-20T00:00:00.000",
            "lastModified": "2026-11-20T00:00:00.000", "vulnStatus": "Analyzed",
            "descriptions": [{ "lang": "en", "value": "lighttpd mishandles a header and lets a remote attacker run code." }],
            "metrics": { "cvssMetricV31": [{ "source": "nvd@nist.gov", "type": "Primary",
                "cvssData": { "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8 } }] },
            "configurations": [{ "nodes": [{ "operator": "OR", "negate": false, "cpeMatch": [{
                "vulnerable": true, "criteria": "cpe:2.3:a:lighttpd:lighttpd:*:*:*:*:*:*:*:*",
                "matchCriteriaId": "00000000-0000-0000-0000-000000000002", "versionEndExcluding": "1.4.77" }]}]}]
        }}]
    });
    let kev = serde_json::json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.11.26",
        "dateReleased": "2026-11-26T00:00:00.000Z", "count": 1,
        "vulnerabilities": [{ "cveID": "CVE-2026-40001", "vendorProject": "lighttpd", "product": "lighttpd",
            "vulnerabilityName": "lighttpd header handling", "dateAdded": "2026-11-25", "shortDescription": "RCE.",
            "requiredAction": "Apply updates.", "dueDate": "2026-12-16", "knownRansomwareCampaignUse": "Unknown",
            "notes": "", "cwes": [] }]
    });
    let nvd_path = dir.join("nvd.json");
    let kev_path = dir.join("kev.json");
    std::fs::write(&nvd_path, nvd.to_string()).unwrap();
    std::fs::write(&kev_path, kev.to_string()).unwrap();
    (nvd_path.display().to_string(), kev_path.display().to_string())
}

#[test]
fn monitor_opens_a_case_export_shares_it_and_the_calendar_suspends() {
    let work = tempfile::tempdir().unwrap();
    let url = tekigo_registry::default_url(work.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let number = runtime.block_on(labeled_camera(&url));
    let vulndb = work.path().join("vulndb");
    let vulndb = vulndb.to_str().unwrap();

    // A database of the KEV catalog alone holds no advisory: monitoring against it would find
    // nothing and say all is well, so it is refused.
    let (nvd, kev) = write_advisories(work.path());
    let (ok, _, stderr) = tekigo(&["vulndb", "import", "--db", vulndb, &kev]);
    assert!(ok, "{stderr}");
    let (ok, _, stderr) =
        tekigo(&["registry", "monitor", "--database", &url, "--vulndb", vulndb, "--today", "2026-11-26"]);
    assert!(!ok && stderr.contains("holds no advisories"), "{stderr}");

    // A run before any advisory about the camera: every component is checked once, nothing fails.
    let unrelated =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tekigo-vuln/tests/fixtures/osv-go/GO-2020-0001.json");
    let (ok, _, stderr) = tekigo(&["vulndb", "import", "--db", vulndb, unrelated.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = tekigo(&[
        "registry",
        "monitor",
        "--database",
        &url,
        "--vulndb",
        vulndb,
        "--today",
        "2026-11-26",
        "--format",
        "json",
    ]);
    assert!(ok, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["monitoring"]["ran"]["components_checked"], 7, "{report}");
    assert_eq!(report["monitoring"]["ran"]["cases_opened"], serde_json::json!([]));
    assert!(report["advisories"]["skipped"].as_str().unwrap().contains("--base-url"), "{report}");
    assert_eq!(report["sweep"]["ran"], serde_json::json!([]), "{report}");

    // The advisory arrives: one component is re-checked and the label gets a case.
    let (ok, _, stderr) = tekigo(&["vulndb", "import", "--db", vulndb, &nvd]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) =
        tekigo(&["registry", "monitor", "--database", &url, "--vulndb", vulndb, "--today", "2026-11-26"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains(&format!("case opened: {number}")), "{stdout}");
    assert!(stdout.contains("components checked"), "{stdout}");

    // What JVN gets: one CSAF file that passes the schema and the mandatory tests.
    let out = work.path().join("csaf");
    let (ok, stdout, stderr) = tekigo(&["csaf", "export", "--database", &url, "--out", out.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("1 advisories"), "{stdout}");
    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("jcstar-cve-2026-40001.json")).unwrap()).unwrap();
    assert!(tekigo_csaf::validate_schema(&document).is_empty());
    assert!(tekigo_csaf::mandatory_tests(&document).is_empty());
    assert_eq!(document["vulnerabilities"][0]["cve"], "CVE-2026-40001");

    // Thirty-one days later, nothing fixed: the scheduled run (the one `serve` runs hourly, with
    // the advisories refreshed for the public address) suspends the label.
    let (ok, stdout, stderr) = tekigo(&[
        "registry",
        "monitor",
        "--database",
        &url,
        "--vulndb",
        vulndb,
        "--today",
        "2026-12-27",
        "--base-url",
        "https://registry.example/",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains(&format!("{number}: suspended")), "{stdout}");
    assert!(stdout.contains("CSAF advisories: 1 "), "{stdout}");

    // A missing vulnerability database is named.
    let (ok, _, stderr) = tekigo(&["registry", "monitor", "--database", &url, "--vulndb", "/nonexistent/vulndb"]);
    assert!(!ok);
    assert!(stderr.contains("/nonexistent/vulndb"), "{stderr}");
}

/// `registry monitor`, `csaf export` and `surveillance plan` run where there is no registry: each
/// names the place it looked and how to point at a registry, exits 2, and makes nothing.
#[test]
fn commands_other_than_serve_make_no_new_registry() {
    let work = tempfile::tempdir().unwrap();
    let vulndb = tekigo_testkit::vulnerability_database(work.path(), &[("CVE-2026-41001", "busybox", "1.37.0")], &[]);
    let vulndb = vulndb.to_str().unwrap();
    let data_dir = work.path().join("tekigo-data");
    let missing = work.path().join("elsewhere/registry.sqlite");
    let url = format!("sqlite://{}", missing.display());
    let out = work.path().join("csaf");
    let artwork = work.path().join("label.svg");
    let runs: [(&str, Vec<&str>, String); 6] = [
        (
            "registry monitor --data-dir",
            vec!["registry", "monitor", "--data-dir", data_dir.to_str().unwrap(), "--vulndb", vulndb],
            data_dir.join("registry.sqlite").display().to_string(),
        ),
        (
            "registry monitor --database",
            vec!["registry", "monitor", "--database", &url, "--vulndb", vulndb],
            missing.display().to_string(),
        ),
        (
            "csaf export",
            vec!["csaf", "export", "--data-dir", data_dir.to_str().unwrap(), "--out", out.to_str().unwrap()],
            data_dir.join("registry.sqlite").display().to_string(),
        ),
        (
            "csaf export --database",
            vec!["csaf", "export", "--database", &url, "--out", out.to_str().unwrap()],
            missing.display().to_string(),
        ),
        (
            "registry artwork",
            vec![
                "registry",
                "artwork",
                "JC1-2026-000001",
                "--database",
                &url,
                "--base-url",
                "https://registry.example",
                "--out",
                artwork.to_str().unwrap(),
            ],
            missing.display().to_string(),
        ),
        (
            "surveillance plan",
            vec!["surveillance", "plan", "--database", &url, "--year", "2026", "--seed", "published-seed"],
            missing.display().to_string(),
        ),
    ];
    for (what, args, place) in runs {
        let output = Command::new(env!("CARGO_BIN_EXE_tekigo"))
            .args(&args)
            .current_dir(work.path())
            .env("TEKIGO_LANG", "en")
            .env_remove("TEKIGO_DATABASE_URL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(&format!("no registry at {place}: nothing was made")), "{what}: {stderr}");
        assert!(stderr.contains("--database sqlite://PATH"), "{what}: {stderr}");
    }
    assert!(
        !data_dir.exists() && !missing.parent().unwrap().exists() && !out.exists() && !artwork.exists(),
        "nothing was made"
    );
}

#[test]
fn artwork_writes_the_label_page_s_artwork() {
    let work = tempfile::tempdir().unwrap();
    let url = tekigo_registry::default_url(work.path());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let number = runtime.block_on(labeled_camera(&url));
    let base = "https://registry.example/";
    let svg = work.path().join("label.svg");
    let pdf = work.path().join("label.pdf");
    let args = |format: &'static str, file: &Path, width: &'static str| {
        let file = file.to_str().unwrap().to_owned();
        vec![
            "registry".to_owned(),
            "artwork".to_owned(),
            number.clone(),
            "--database".to_owned(),
            url.clone(),
            "--base-url".to_owned(),
            base.to_owned(),
            "--format".to_owned(),
            format.to_owned(),
            "--width-mm".to_owned(),
            width.to_owned(),
            "--out".to_owned(),
            file,
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        tekigo(&args)
    };

    let (ok, stdout, stderr) = run(args("svg", &svg, "25"));
    assert!(ok, "{stderr}");
    let page = format!("https://registry.example/labels/{number}");
    assert!(
        stdout.contains(&format!("the artwork of {number} (25 mm wide), its QR code leading to {page}")),
        "{stdout}"
    );
    let written = std::fs::read_to_string(&svg).unwrap();
    // The level and the end of validity as the registry holds them, read back from the title.
    let title = written.split("<title>").nth(1).unwrap();
    let facts = tekigo_web::labels::artwork::LabelFacts {
        number: &number,
        level: title.split('★').nth(1).unwrap()[..1].parse().unwrap(),
        valid_until: written.split("Valid until ").nth(1).unwrap()[..10].parse().unwrap(),
        url: &page,
        lang: tekigo_base::Lang::En,
    };
    assert_eq!(
        written,
        tekigo_web::labels::artwork::svg(&facts, 25, None).unwrap(),
        "the web's artwork, byte for byte"
    );

    let (ok, _, stderr) = run(args("pdf", &pdf, "40"));
    assert!(ok, "{stderr}");
    assert_eq!(std::fs::read(&pdf).unwrap(), tekigo_web::labels::artwork::pdf(&facts, 40, None).unwrap());

    // Too small for the QR code and the text: refused with the minimum, nothing written (exit 2).
    let small = work.path().join("small.svg");
    let output = Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .args(args("svg", &small, "12"))
        .env("TEKIGO_LANG", "ja")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("幅 12 mm のラベルは小さすぎます"), "{stderr}");
    assert!(!small.exists());

    let mut unknown = args("svg", &small, "30");
    unknown[2] = "JC1-2026-999999999".to_owned();
    let (ok, _, stderr) = run(unknown);
    assert!(!ok && stderr.contains("no label is registered under JC1-2026-999999999"), "{stderr}");
    assert!(!small.exists());
}
