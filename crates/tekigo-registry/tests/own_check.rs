//! The registry checks for itself, on SQLite and PostgreSQL: an application's SBOM is checked
//! against the registry's own vulnerability database (a small one imported here from NVD and KEV
//! files), whatever the vendor's declaration says; names the public reads and vulnerability
//! contacts pass one set of rules; the product name is compared like the other facts; evidence
//! files are kept when the declaration fixes them by hash; and a registry is made only where
//! asked.

use ed25519_dalek::SigningKey;
use tekigo_registry::applications::vulnerability_check::Outcome;
use tekigo_registry::{NewProduct, Role, Upload, User};
use tekigo_registry::{Registry, RegistryError};
use tekigo_testkit::{NOW, TODAY, camera, catalog, count, on_both, public_pem, signed_sample, vulnerability_database};

const BUSYBOX_CVE: &str = "CVE-2026-41001";
const BUSYBOX_CPE: &str = "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*";
/// The sample's security design document, evidence E2 of its declaration.
const SECURITY_DESIGN: &str = "019a67e9fc19-security-design.md";

async fn vendor(registry: &Registry, key: &SigningKey) -> User {
    let user = registry
        .sign_up_vendor("Example Devices K.K.", "sato@example.com", "Hanako Sato", "correct horse battery", NOW)
        .await
        .unwrap();
    registry.add_signing_key(&user, &public_pem(key), NOW).await.unwrap();
    user
}

fn rejected(result: Result<impl std::fmt::Debug, RegistryError>) -> Vec<tekigo_base::Text> {
    match result {
        Err(RegistryError::Rejected(problems)) => problems,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn invalid(result: Result<impl std::fmt::Debug, RegistryError>) -> tekigo_base::Text {
    match result {
        Err(RegistryError::Invalid(text)) => text,
        other => panic!("expected an invalid input, got {other:?}"),
    }
}

/// OpenVEX: the product is not affected by `cve` in BusyBox.
fn not_affected(cve: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/exc-100-1",
        "author": "Example Devices K.K.",
        "timestamp": "2026-11-26T00:00:00Z",
        "version": 1,
        "statements": [{
            "vulnerability": { "name": cve },
            "products": [{ "@id": BUSYBOX_CPE }],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path"
        }]
    }))
    .unwrap()
}

async fn a_vulnerable_sbom_is_refused_by_the_registrys_own_check(registry: &Registry) {
    let work = tempfile::tempdir().unwrap();
    let vulndb = vulnerability_database(work.path(), &[(BUSYBOX_CVE, "busybox", "1.37.0")], &[BUSYBOX_CVE]);
    let registry = registry.clone().with_vulndb(&vulndb);
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(&registry, &key).await;
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let declared: tekigo_assess::Declaration = serde_json::from_slice(&declaration).unwrap();
    assert_eq!(
        declared.vulnerabilities.as_ref().map(|v| v.verdict),
        Some(tekigo_assess::declaration::Verdict::Conformant),
        "the vendor's declaration says the rule holds"
    );

    let problems = rejected(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].en.contains("the registry's own vulnerability check"), "{}", problems[0].en);
    assert!(problems[0].en.contains(&format!("{BUSYBOX_CVE} (busybox 1.36.1)")), "{}", problems[0].en);
    assert!(problems[0].en.contains("data up to 2026-11-26"), "{}", problems[0].en);
    assert!(problems[0].ja.contains("登録簿の脆弱性チェック"), "{}", problems[0].ja);
    assert_eq!(count(&registry, "applications").await, 0, "a refused application stores nothing");

    // The vendor answers with VEX: the check applies it and the application goes to review.
    let upload = Upload {
        declaration: &declaration,
        sbom: &sbom,
        vex: Some(&not_affected(BUSYBOX_CVE)),
        files: &[],
        agent: None,
    };
    let application = registry.submit_upload(&vendor, product.id, upload, TODAY, NOW).await.unwrap();
    let check = application.registry_check.as_ref().unwrap();
    assert_eq!(check.outcome, Outcome::Passed, "{check:?}");
    assert_eq!((check.counts.not_affected, check.vex_statements, check.components), (1, 1, 7), "{check:?}");
    assert_eq!(application.vex_statements, 1);
    let database = check.database.as_ref().unwrap();
    assert_eq!(database.age_days(TODAY), Some(6), "NVD data of 2026-11-20: {database:?}");
    assert!(database.sources.iter().any(|s| s.name == "kev"), "{database:?}");

    // Approved, the label keeps the VEX: monitoring applies it too.
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    registry.record_fee(&reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    let label = registry.approve(&reviewer, application.id, TODAY, NOW).await.unwrap();
    let kept: String = sqlx::query_scalar("SELECT vex FROM monitored_labels WHERE label_number = $1")
        .bind(&label.number)
        .fetch_one(registry.pool())
        .await
        .unwrap();
    assert!(kept.contains(BUSYBOX_CVE), "{kept}");
    let mut db = tekigo_vuln::VulnDb::open(&vulndb).unwrap();
    let run = registry.monitor(&mut db, tekigo_registry::monitoring::Scope::Full, TODAY, NOW).await.unwrap();
    assert!(run.cases_opened.is_empty(), "the VEX answers monitoring as it answered the application: {run:?}");
}
on_both!(a_vulnerable_sbom_is_refused_by_the_registrys_own_check);

async fn without_a_database_the_registry_says_it_did_not_check(registry: &Registry) {
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(registry, &key).await;
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    let check = application.registry_check.unwrap();
    assert_eq!(check.outcome, Outcome::NotChecked);
    assert!(check.reason.en.contains("--vulndb") && check.reason.en.contains("did not check"), "{}", check.reason.en);
    assert!(check.database.is_none());
    let declared = application.checks.iter().find(|c| c.check.starts_with("vulnerabilities")).unwrap();
    assert!(declared.detail.en.contains("by the vendor's check"), "{}", declared.detail.en);
}
on_both!(without_a_database_the_registry_says_it_did_not_check);

async fn the_product_name_is_compared_with_the_declaration(registry: &Registry) {
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(registry, &key).await;
    let product = registry
        .create_product(&vendor, NewProduct { name: "EXC-100 camera".into(), ..camera() }, TODAY, NOW)
        .await
        .unwrap();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let problems = rejected(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await);
    assert!(
        problems.iter().any(|p| p.en
            == "product name: the declaration says `EXC-100 network camera`, the registered product `EXC-100 camera`"),
        "{problems:?}"
    );
    assert_eq!(count(registry, "applications").await, 0);
}
on_both!(the_product_name_is_compared_with_the_declaration);

async fn names_with_bidi_or_invisible_characters_and_plain_http_contacts_are_refused(registry: &Registry) {
    let error = invalid(
        registry.sign_up_vendor("Example\u{202E}Devices", "a@example.com", "A", "correct horse battery", NOW).await,
    );
    assert!(error.en.starts_with("organisation: character 8 is U+202E, a bidirectional control"), "{}", error.en);
    assert!(error.ja.starts_with("組織名: 8文字目が U+202E"), "{}", error.ja);
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(registry, &key).await;
    for (product, field, code) in [
        (NewProduct { name: "EXC-100 \u{2066}camera".into(), ..camera() }, "product name", "U+2066"),
        (NewProduct { model: "EXC\u{200B}-100".into(), ..camera() }, "model", "U+200B"),
        (NewProduct { firmware_version: "2.4.1\u{E0041}".into(), ..camera() }, "firmware version", "U+E0041"),
    ] {
        let error = invalid(registry.create_product(&vendor, product, TODAY, NOW).await);
        assert!(error.en.starts_with(&format!("{field}: character")) && error.en.contains(code), "{}", error.en);
    }
    let error = invalid(
        registry
            .create_product(
                &vendor,
                NewProduct { vulnerability_contact: "http://example.com/security".into(), ..camera() },
                TODAY,
                NOW,
            )
            .await,
    );
    assert!(error.en.contains("http:// is not accepted"), "{}", error.en);
    assert!(error.ja.contains("http:// は使えません"), "{}", error.ja);
    for contact in ["mailto:psirt@example.com", "psirt@example.com"] {
        let product =
            NewProduct { vulnerability_contact: contact.into(), firmware_version: contact.into(), ..camera() };
        registry.create_product(&vendor, product, TODAY, NOW).await.unwrap();
    }
    assert_eq!(count(registry, "products").await, 2, "only the two good products were stored");
}
on_both!(names_with_bidi_or_invisible_characters_and_plain_http_contacts_are_refused);

async fn evidence_files_the_declaration_fixes_are_kept_for_the_reviewer(registry: &Registry) {
    let key = SigningKey::from_bytes(&[5; 32]);
    let vendor = vendor(registry, &key).await;
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let design = std::fs::read(tekigo_testkit::repo("examples/sample-camera/evidence").join(SECURITY_DESIGN)).unwrap();
    let stranger = (String::from("notes.txt"), b"not named by the declaration".to_vec());
    let files = [(format!("C:\\evidence\\{SECURITY_DESIGN}"), design.clone()), stranger];
    let upload = Upload { declaration: &declaration, sbom: &sbom, vex: None, files: &files, agent: None };
    let problems = rejected(registry.submit_upload(&vendor, product.id, upload, TODAY, NOW).await);
    assert!(
        problems.iter().any(|p| p.en.starts_with("evidence file `notes.txt`: the declaration names no file")),
        "{problems:?}"
    );
    assert_eq!(count(registry, "application_files").await, 0);

    let upload = Upload { declaration: &declaration, sbom: &sbom, vex: None, files: &files[..1], agent: None };
    let application = registry.submit_upload(&vendor, product.id, upload, TODAY, NOW).await.unwrap();
    let sha256 = tekigo_assess::folder::sha256_hex(&design);
    assert_eq!(registry.application_file_hashes(&vendor, application.id).await.unwrap(), std::slice::from_ref(&sha256));
    let (name, bytes) = registry.application_file(&vendor, application.id, &sha256).await.unwrap();
    assert_eq!((name.as_str(), bytes), (SECURITY_DESIGN, design), "the name without the sender's folders");
    let other =
        registry.sign_up_vendor("Other K.K.", "o@other.example", "O", "correct horse battery", NOW).await.unwrap();
    assert!(matches!(
        registry.application_file(&other, application.id, &sha256).await,
        Err(RegistryError::NotFound(_))
    ));
}
on_both!(evidence_files_the_declaration_fixes_are_kept_for_the_reviewer);

#[tokio::test]
async fn a_sqlite_url_makes_the_database_and_its_folder_but_open_existing_makes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("new/folder/registry.sqlite");
    let url = format!("sqlite://{}", file.display());
    let missing = Registry::open_existing(&url, catalog()).await;
    match missing {
        Err(RegistryError::NoRegistry(place)) => assert_eq!(place, file.display().to_string()),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("a registry was made"),
    }
    assert!(!file.exists() && !file.parent().unwrap().exists(), "nothing was made");

    let registry = Registry::open(&url, catalog()).await.unwrap();
    assert!(file.is_file());
    registry.sign_up_vendor("V", "v@v.example", "V", "correct horse battery", NOW).await.unwrap();
    registry.pool().close().await;
    let again = Registry::open_existing(&url, catalog()).await.unwrap();
    assert!(again.user_by_email("v@v.example").await.unwrap().is_some(), "the same registry, opened again");
}

#[tokio::test]
async fn open_existing_refuses_an_empty_postgres_database() {
    let Some((url, admin_url, name)) = tekigo_testkit::fresh_postgres_database().await else { return };
    match Registry::open_existing(&url, catalog()).await {
        Err(RegistryError::NoRegistry(place)) => assert!(place.contains(&name), "{place}"),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("an empty database was made a registry"),
    }
    let tables: i64 = {
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let n =
            sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()")
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        n
    };
    assert_eq!(tables, 0, "no migration ran");
    let registry = Registry::open(&url, catalog()).await.unwrap();
    registry.pool().close().await;
    assert!(Registry::open_existing(&url, catalog()).await.is_ok());
    let admin = sqlx::AnyPool::connect(&admin_url).await.unwrap();
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}"))).execute(&admin).await;
}
