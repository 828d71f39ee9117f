//! What the registry's and the web service's tests share, so each scenario file holds only its
//! scenarios: a fresh registry on SQLite (a temporary file) or on PostgreSQL (a new database on
//! the server at `TEKIGO_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`), the
//! `on_both!` macro that runs one scenario on each, and the sample camera's signed declaration.
//!
//! Without a reachable PostgreSQL server its half is skipped with a line on stderr, unless
//! `TEKIGO_REQUIRE_POSTGRES=1` (CI), where it fails. Only tests depend on this crate.

pub mod shared_data;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePublicKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use jiff::civil::{Date, date};
use tekigo_assess::declaration::DeclarationKind;
use tekigo_assess::declare::{self, Parts};
use tekigo_assess::folder::Assessment;
use tekigo_base::ModelEntry;
use tekigo_registry::Registry;

/// The day every scenario starts on, and a Unix time on it.
pub const TODAY: Date = date(2026, 11, 26);
pub const NOW: i64 = 1_795_000_000;

pub fn catalog() -> Arc<tekigo_criteria::Catalog> {
    Arc::new(tekigo_criteria::builtin().expect("the built-in catalog loads"))
}

/// A database of one kind, fresh for one test; dropped by [`TestDb::drop_database`].
pub enum TestDb {
    // Held so the folder lives as long as the database.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// A fresh registry on `kind` (`"sqlite"` or `"postgres"`), or `None` when PostgreSQL is not
/// reachable and not required.
pub async fn open(kind: &str) -> Option<(Registry, TestDb)> {
    let (url, db) = match kind {
        "sqlite" => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            (tekigo_registry::default_url(dir.path()), TestDb::Sqlite(dir))
        }
        _ => {
            let (url, admin_url, name) = fresh_postgres_database().await?;
            (url, TestDb::Postgres { admin_url, name })
        }
    };
    Some((Registry::open(&url, catalog()).await.expect("the registry opens"), db))
}

/// A new, empty PostgreSQL database: its URL, the server's admin URL and the database's name.
pub async fn fresh_postgres_database() -> Option<(String, String, String)> {
    let admin_url =
        std::env::var("TEKIGO_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    sqlx::any::install_default_drivers();
    let admin = match sqlx::AnyPool::connect(&admin_url).await {
        Ok(pool) => pool,
        Err(error) if std::env::var("TEKIGO_REQUIRE_POSTGRES").is_err() => {
            // The one line a skipped half leaves, so a run without a server says so.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("skipping PostgreSQL: {admin_url}: {error}");
            }
            return None;
        }
        Err(error) => panic!("PostgreSQL is required (TEKIGO_REQUIRE_POSTGRES): {admin_url}: {error}"),
    };
    let mut suffix = [0u8; 6];
    getrandom::fill(&mut suffix).expect("random bytes");
    let name = format!("tekigo_test_{}", suffix.iter().map(|b| format!("{b:02x}")).collect::<String>());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.expect("CREATE DATABASE");
    admin.close().await;
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("{admin_url}: no database name"),
    };
    Some((url, admin_url, name))
}

impl TestDb {
    pub async fn drop_database(self, registry: Registry) {
        registry.pool().close().await;
        if let TestDb::Postgres { admin_url, name } = self
            && let Ok(admin) = sqlx::AnyPool::connect(&admin_url).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&admin).await;
        }
    }
}

/// `on_both!(scenario)` makes `scenario::sqlite` and `scenario::postgres` tests that each run
/// `async fn scenario(registry: &Registry)` on a fresh database.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (registry, db) = $crate::open("sqlite").await.unwrap();
                super::$name(&registry).await;
                db.drop_database(registry).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some((registry, db)) = $crate::open("postgres").await {
                    super::$name(&registry).await;
                    db.drop_database(registry).await;
                }
            }
        }
    };
}

/// The sample network camera as a vendor registers it (the product the sample assessment
/// declares).
pub fn camera() -> tekigo_registry::NewProduct {
    tekigo_registry::NewProduct {
        name: "EXC-100 network camera".into(),
        model: "EXC-100".into(),
        models: Vec::new(),
        firmware_version: "2.4.1".into(),
        product_type: Some("network-camera".into()),
        support_end: "2030-03-31".into(),
        vulnerability_contact: "https://example.com/security".into(),
    }
}

/// The English text of a refusal (`Invalid` or every problem of `Rejected`); panics on anything
/// else, so a test that expects a refusal fails loudly when the call went through.
pub fn refusal(result: Result<impl std::fmt::Debug, tekigo_registry::RegistryError>) -> String {
    match result {
        Err(tekigo_registry::RegistryError::Invalid(text)) => text.en,
        Err(tekigo_registry::RegistryError::Rejected(texts)) => {
            texts.into_iter().map(|t| t.en).collect::<Vec<_>>().join("; ")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A row count, for "nothing was stored" checks.
pub async fn count(registry: &Registry, table: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(registry.pool())
        .await
        .expect("COUNT(*)")
}

/// A path in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

pub fn public_pem(key: &SigningKey) -> String {
    key.verifying_key().to_public_key_pem(LineEnding::LF).expect("a PEM public key")
}

/// The sample camera's declaration for `firmware`, signed with `key` and written under `dir`:
/// the paths of its `declaration.json` and SBOM, what a vendor uploads.
pub fn signed_sample_files(key: &SigningKey, firmware: &str, dir: &Path) -> (PathBuf, PathBuf) {
    signed_sample_files_as(key, None, firmware, dir)
}

/// [`signed_sample_files`] declared by `vendor` instead of the sample's own vendor.
pub fn signed_sample_files_as(
    key: &SigningKey,
    vendor: Option<&str>,
    firmware: &str,
    dir: &Path,
) -> (PathBuf, PathBuf) {
    signed_sample_files_with(key, firmware, dir, |product| {
        if let Some(vendor) = vendor {
            vendor.clone_into(&mut product.vendor);
        }
    })
}

/// The sample camera's declaration for `firmware` covering the series `models` (the sample's
/// model first), as bytes: the declaration and the SBOM.
pub fn signed_series_sample(key: &SigningKey, firmware: &str, models: &[ModelEntry]) -> (Vec<u8>, Vec<u8>) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let (declaration, sbom) =
        signed_sample_files_with(key, firmware, out.path(), |product| product.models = models.to_vec());
    (std::fs::read(declaration).expect("declaration.json"), std::fs::read(sbom).expect("the SBOM"))
}

fn signed_sample_files_with(
    key: &SigningKey,
    firmware: &str,
    dir: &Path,
    edit: impl FnOnce(&mut tekigo_assess::declaration::Product),
) -> (PathBuf, PathBuf) {
    let catalog = tekigo_criteria::builtin().expect("the built-in catalog loads");
    let assessment = Assessment::load(&repo("examples/sample-camera"), &catalog).expect("the sample loads");
    let evaluation = assessment.evaluate(&catalog, TODAY).expect("the sample evaluates");
    let scope = assessment.scope(&catalog).expect("the sample's scope");
    let mut product = assessment.file.product.clone();
    product.firmware_version = firmware.to_owned();
    edit(&mut product);
    let declaration = declare::build(Parts {
        kind: DeclarationKind::SelfDeclaration,
        scheme: scope.scheme_ref(),
        assessed_against: None,
        product: &product,
        declarant: &assessment.file.declarant,
        requirements: evaluation.requirements,
        vulnerabilities: evaluation.vulnerabilities,
        evidence: &assessment.evidence,
        deemed: evaluation.deemed,
        evaluator: None,
        // Different firmware, different second: two declarations never share an issue time.
        issued: &format!("2026-11-26T0{}:00:00Z", firmware.len() % 10),
    });
    let folder = dir.join("declaration");
    let (declaration, _) =
        tekigo_assess::publish::publish(declaration, &catalog, Some(key), None, &folder, &assessment.dir)
            .expect("the sample's declaration is published");
    let sbom = declaration.attachments.iter().find(|a| a.name.starts_with("sbom-")).expect("an SBOM attachment");
    (folder.join("declaration.json"), folder.join(&sbom.name))
}

/// The sample camera declared on the UK PSTI route: its assessment copied to a temporary folder
/// with `statement` recorded as its UK PSTI statement of compliance (a file with these bytes, or
/// with `None` a URL), signed with `key`. Returns the declaration and the SBOM.
pub fn signed_psti_sample(key: &SigningKey, firmware: &str, statement: Option<&[u8]>) -> (Vec<u8>, Vec<u8>) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let copy = out.path().join("assessment");
    copy_dir(&repo("examples/sample-camera"), &copy);
    let catalog = tekigo_criteria::builtin().expect("the built-in catalog loads");
    let mut assessment = Assessment::load(&copy, &catalog).expect("the copied sample loads");
    let source = match statement {
        Some(bytes) => {
            let path = out.path().join("psti-statement.pdf");
            std::fs::write(&path, bytes).expect("the statement is written");
            tekigo_assess::folder::EvidenceSource::File(path)
        }
        None => tekigo_assess::folder::EvidenceSource::Url("https://example.com/uk-psti-statement".into()),
    };
    assessment.deem(&catalog, "uk-psti", &source, "2026-11-26T00:00:00Z").expect("the statement is recorded");
    let evaluation = assessment.evaluate(&catalog, TODAY).expect("the copy evaluates");
    let scope = assessment.scope(&catalog).expect("the copy's scope");
    let mut product = assessment.file.product.clone();
    product.firmware_version = firmware.to_owned();
    let declaration = declare::build(Parts {
        kind: DeclarationKind::SelfDeclaration,
        scheme: scope.scheme_ref(),
        assessed_against: None,
        product: &product,
        declarant: &assessment.file.declarant,
        requirements: evaluation.requirements,
        vulnerabilities: evaluation.vulnerabilities,
        evidence: &assessment.evidence,
        deemed: evaluation.deemed,
        evaluator: None,
        issued: "2026-11-26T09:30:00Z",
    });
    let folder = out.path().join("declaration");
    let (declaration, _) =
        tekigo_assess::publish::publish(declaration, &catalog, Some(key), None, &folder, &assessment.dir)
            .expect("the PSTI declaration is published");
    let sbom = declaration.attachments.iter().find(|a| a.name.starts_with("sbom-")).expect("an SBOM attachment");
    (
        std::fs::read(folder.join("declaration.json")).expect("declaration.json"),
        std::fs::read(folder.join(&sbom.name)).expect("the SBOM"),
    )
}

/// The sample camera declared at ★2 with tekigo's provisional network-camera criteria, signed
/// with `key` and co-signed by `evaluator` (key and name) when given. Returns the declaration and
/// the SBOM. See [`signed_upper_level_sample`].
pub fn signed_star_two_sample(key: &SigningKey, evaluator: Option<(&SigningKey, &str)>) -> (Vec<u8>, Vec<u8>) {
    signed_upper_level_sample(
        "2",
        Some(key),
        evaluator.map(|(evaluator_key, name)| Cosigner {
            key: evaluator_key,
            name,
            organisation: "Example Evaluation Co.",
            accreditation: None,
        }),
    )
}

/// Who co-signs an upper-level sample: a skilled evaluator, or a lab with its accreditation.
pub struct Cosigner<'a> {
    pub key: &'a SigningKey,
    pub name: &'a str,
    pub organisation: &'a str,
    pub accreditation: Option<tekigo_assess::declaration::Accreditation>,
}

/// The sample camera evaluated at `level` (2, 3 or 4) against tekigo's provisional
/// network-camera criteria: its assessment copied and taken to the level, every added item
/// answered yes (documents citing the design notes, device tests the probe's report, binary
/// analysis and penetration tests a report of that kind kept by its hash). A cosigner with an
/// accreditation makes it a lab's third-party evaluation report; `key` (the vendor's) may be
/// absent, as when the lab issues it before the vendor countersigns. Returns the declaration and
/// the SBOM.
pub fn signed_upper_level_sample(
    level: &str,
    key: Option<&SigningKey>,
    cosigner: Option<Cosigner<'_>>,
) -> (Vec<u8>, Vec<u8>) {
    use tekigo_assess::declaration::{Answer, EvidenceKind};
    use tekigo_assess::folder::EvidenceSource;
    let out = tempfile::tempdir().expect("a temporary folder");
    let copy = out.path().join("assessment");
    copy_dir(&repo("examples/sample-camera"), &copy);
    let facts = std::fs::read_to_string(copy.join("assessment.toml")).expect("assessment.toml");
    std::fs::write(copy.join("assessment.toml"), facts.replace("level = \"1\"", &format!("level = \"{level}\"")))
        .expect("assessment.toml is written");
    let catalog = tekigo_criteria::builtin().expect("the built-in catalog loads");
    let scheme = catalog.scheme("jc-star").expect("jc-star");
    let resolved = scheme.level_for(level, Some("network-camera")).expect("the level for network cameras");
    let evidence = std::fs::read_to_string(copy.join("evidence.toml")).expect("evidence.toml");
    let probe = evidence
        .split("[[evidence]]")
        .find(|entry| entry.contains("kind = \"probe\""))
        .and_then(|entry| entry.lines().find_map(|line| line.strip_prefix("id = ")))
        .map(|id| id.trim_matches('"').to_owned())
        .expect("the sample imported a probe report");
    let answers = std::fs::read_to_string(copy.join("answers.toml"))
        .expect("answers.toml")
        .replace("evidence = [\"E3\", \"E1\"]", &format!("evidence = [\"E3\", \"E1\", \"{probe}\"]"));
    std::fs::write(copy.join("answers.toml"), answers).expect("answers.toml is written");
    let mut assessment = Assessment::load(&copy, &catalog).expect("the copy loads");
    let report = |name: &str, text: &str| {
        let path = out.path().join(name);
        std::fs::write(&path, text).expect("a lab report is written");
        EvidenceSource::File(path)
    };
    let binary_analysis = assessment
        .add_evidence(
            EvidenceKind::BinaryAnalysis,
            &report("binary-analysis.txt", "Firmware CX-1 1.0: no hard-coded credentials; stack protection on.\n"),
            Some("binary analysis of the firmware".into()),
            "2026-11-20T09:00:00Z",
        )
        .expect("the binary-analysis report is kept");
    let penetration_test = assessment
        .add_evidence(
            EvidenceKind::PenetrationTest,
            &report("penetration-test.txt", "Web, RTSP and ONVIF interfaces attacked for three days: no finding.\n"),
            Some("penetration test".into()),
            "2026-11-21T09:00:00Z",
        )
        .expect("the penetration-test report is kept");
    for reference in resolved.requirements.iter().filter(|r| r.scheme != "jc-star") {
        let requirement = catalog.requirement(reference).expect("a member of the level");
        let id = reference.to_string();
        for item in requirement.assessed_items() {
            let cited = match item.method {
                tekigo_criteria::Method::Document => "E2",
                tekigo_criteria::Method::Device => probe.as_str(),
                tekigo_criteria::Method::BinaryAnalysis => binary_analysis.as_str(),
                tekigo_criteria::Method::PenetrationTest => penetration_test.as_str(),
            };
            assessment.set_answer(&id, &item.id, Answer::Yes, None);
            assessment.link_evidence(&id, &item.id, cited);
        }
    }
    assessment.save_answers().expect("the answers are saved");
    let assessment = Assessment::load(&copy, &catalog).expect("the copy loads again");
    let evaluation = assessment.evaluate(&catalog, TODAY).expect("the copy evaluates");
    let scope = assessment.scope(&catalog).expect("the scope");
    let third_party = cosigner.as_ref().is_some_and(|c| c.accreditation.is_some());
    let evaluator_ref = cosigner.as_ref().map(|c| tekigo_assess::declaration::EvaluatorRef {
        name: c.name.to_owned(),
        organisation: c.organisation.to_owned(),
        key_id: tekigo_assess::keys::key_id(&c.key.verifying_key()),
        accreditation: c.accreditation.clone(),
    });
    let declaration = declare::build(Parts {
        kind: if third_party { DeclarationKind::ThirdPartyEvaluation } else { DeclarationKind::SelfDeclaration },
        scheme: scope.scheme_ref(),
        assessed_against: None,
        product: &assessment.file.product,
        declarant: &assessment.file.declarant,
        requirements: evaluation.requirements,
        vulnerabilities: evaluation.vulnerabilities,
        evidence: &assessment.evidence,
        deemed: evaluation.deemed,
        evaluator: evaluator_ref,
        issued: "2026-11-26T10:00:00Z",
    });
    let folder = out.path().join("declaration");
    let (declaration, _) = tekigo_assess::publish::publish(
        declaration,
        &catalog,
        key,
        cosigner.as_ref().map(|c| c.key),
        &folder,
        &assessment.dir,
    )
    .expect("the declaration is published");
    let sbom = declaration.attachments.iter().find(|a| a.name.starts_with("sbom-")).expect("an SBOM attachment");
    (
        std::fs::read(folder.join("declaration.json")).expect("declaration.json"),
        std::fs::read(folder.join(&sbom.name)).expect("the SBOM"),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder for the copy");
    for entry in std::fs::read_dir(from).expect("the folder reads") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a file is copied");
        }
    }
}

/// [`signed_sample_files`] as bytes: the declaration and the SBOM.
pub fn signed_sample(key: &SigningKey, firmware: &str) -> (Vec<u8>, Vec<u8>) {
    signed_sample_as(key, None, firmware)
}

/// [`signed_sample`] declared by `vendor`.
pub fn signed_sample_as(key: &SigningKey, vendor: Option<&str>, firmware: &str) -> (Vec<u8>, Vec<u8>) {
    let out = tempfile::tempdir().expect("a temporary folder");
    let (declaration, sbom) = signed_sample_files_as(key, vendor, firmware, out.path());
    (std::fs::read(declaration).expect("declaration.json"), std::fs::read(sbom).expect("the SBOM"))
}

/// A vulnerability database made in `dir/vulndb` by `tekigo_vuln`'s import, as `tekigo vulndb
/// import` makes one: an NVD CVE API 2.0 file with one record per `(CVE, CPE product, first
/// fixed version)` (every earlier version affected, CVSS 3.1 base 9.8, modified 2026-11-20), and
/// a CISA KEV catalog (released 2026-11-26) listing `exploited`. The sample camera's SBOM names
/// `busybox` 1.36.1, `lighttpd` 1.4.76, `openssl` 3.0.15, `zlib` 1.3.1 by CPE.
pub fn vulnerability_database(dir: &Path, records: &[(&str, &str, &str)], exploited: &[&str]) -> PathBuf {
    let record = |(id, product, fixed): &(&str, &str, &str)| {
        serde_json::json!({ "cve": {
            "id": id, "sourceIdentifier": "test", "published": "2026-11-20T00:00:00.000",
            "lastModified": "2026-11-20T00:00:00.000", "vulnStatus": "Analyzed",
            "descriptions": [{ "lang": "en", "value": format!("A flaw in {product} lets a remote attacker run code.") }],
            "metrics": { "cvssMetricV31": [{ "source": "nvd@nist.gov", "type": "Primary",
                "cvssData": { "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8 } }] },
            "configurations": [{ "nodes": [{ "operator": "OR", "negate": false, "cpeMatch": [{
                "vulnerable": true, "criteria": format!("cpe:2.3:a:{product}:{product}:*:*:*:*:*:*:*:*"),
                "matchCriteriaId": "00000000-0000-0000-0000-000000000001", "versionEndExcluding": fixed }]}]}]
        }})
    };
    let nvd = serde_json::json!({
        "resultsPerPage": records.len(), "startIndex": 0, "totalResults": records.len(), "format": "NVD_CVE",
        "version": "2.0", "timestamp": "2026-11-26T00:00:00.000",
        "vulnerabilities": records.iter().map(record).collect::<Vec<_>>()
    });
    let kev = serde_json::json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.11.26",
        "dateReleased": "2026-11-26T00:00:00.000Z", "count": exploited.len(),
        "vulnerabilities": exploited.iter().map(|cve| serde_json::json!({
            "cveID": cve, "vendorProject": "Test", "product": "Test", "vulnerabilityName": "Test flaw",
            "dateAdded": "2026-11-25", "shortDescription": "Remote code execution.", "requiredAction": "Apply updates.",
            "dueDate": "2026-12-16", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []
        })).collect::<Vec<_>>()
    });
    let feeds = dir.join("feeds");
    std::fs::create_dir_all(&feeds).expect("a folder for the feeds");
    let (nvd_path, kev_path) = (feeds.join("nvd.json"), feeds.join("kev.json"));
    std::fs::write(&nvd_path, nvd.to_string()).expect("nvd.json");
    std::fs::write(&kev_path, kev.to_string()).expect("kev.json");
    let db_dir = dir.join("vulndb");
    let mut db = tekigo_vuln::VulnDb::create_or_open(&db_dir).expect("a vulnerability database");
    tekigo_vuln::import_paths(&mut db, &[nvd_path, kev_path], &mut |_| {}).expect("the feeds import");
    db_dir
}
