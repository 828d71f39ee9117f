//! The reviewer's page of an application, when the registry checks for itself (`serve
//! --vulndb`): the registry's known-vulnerability result next to the vendor's declared one with
//! the database's age, every answer with its rationale and evidence (files downloadable with
//! their SHA-256, web addresses as links); and the vendor's upload refused when the registry's
//! own check fails. On SQLite and PostgreSQL.

use axum::http::StatusCode;
use ed25519_dalek::SigningKey;
use tekigo_registry::Registry;
use tekigo_registry::{NewProduct, Role};
use tekigo_testkit::{NOW, TODAY, count, on_both, public_pem, signed_sample, vulnerability_database};

mod common;
use common::*;

const PASSWORD: &str = "correct horse battery";
const REVIEWER_PASSWORD: &str = "reviewer password 1";
const SECURITY_DESIGN: &str = "019a67e9fc19-security-design.md";
const SECURITY_DESIGN_SHA256: &str = "019a67e9fc19b6f44cf2e282d86dd42612d49099d278af7f4daf33a7f9447c7b";

/// A vendor with its key and the camera (product 1), logged in; and a reviewer, logged in.
async fn vendor_and_reviewer(registry: &Registry, app: &axum::Router, key: &SigningKey) -> (Browser, Browser) {
    let vendor =
        registry.sign_up_vendor("Example Devices K.K.", "sato@example.com", "Sato", PASSWORD, NOW).await.unwrap();
    registry.add_signing_key(&vendor, &public_pem(key), NOW).await.unwrap();
    let camera = NewProduct {
        name: "EXC-100 network camera".into(),
        model: "EXC-100".into(),
        models: Vec::new(),
        firmware_version: "2.4.1".into(),
        product_type: Some("network-camera".into()),
        support_end: "2030-03-31".into(),
        vulnerability_contact: "https://example.com/security".into(),
    };
    registry.create_product(&vendor, camera, TODAY, NOW).await.unwrap();
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, REVIEWER_PASSWORD, NOW)
        .await
        .unwrap();
    let log_in = |email: &'static str, password: &'static str| {
        let mut browser = Browser::new(app);
        async move {
            let csrf = browser.get("/login").await.csrf();
            browser.post("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await;
            browser
        }
    };
    (log_in("sato@example.com", PASSWORD).await, log_in("review@ipa.example", REVIEWER_PASSWORD).await)
}

async fn the_reviewer_sees_both_results_the_database_age_and_the_evidence(registry: &Registry) {
    let work = tempfile::tempdir().unwrap();
    // A database that knows a vulnerability in a product the camera does not hold.
    let vulndb = vulnerability_database(work.path(), &[("CVE-2026-42002", "dropbear", "2026.1")], &["CVE-2026-42002"]);
    let (_, state) = app(registry);
    let app = tekigo_web::router(state.with_vulndb(&vulndb));
    let key = SigningKey::from_bytes(&[5; 32]);
    let (mut vendor, mut reviewer) = vendor_and_reviewer(registry, &app, &key).await;

    let csrf = vendor.get("/vendor/products/1").await.contains(r#"name="evidence""#).contains(r#"name="vex""#).csrf();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let design = std::fs::read(tekigo_testkit::repo("examples/sample-camera/evidence").join(SECURITY_DESIGN)).unwrap();
    let mut parts = upload_parts(&csrf, &declaration, &sbom);
    parts.push(Part { name: "evidence", filename: Some(SECURITY_DESIGN), data: &design });
    vendor.post_multipart("/vendor/products/1/applications", &parts).await.assert_redirect("/vendor/applications/1");

    let page = reviewer.get("/review/applications/1?lang=en").await;
    page.assert(StatusCode::OK)
        .contains("Declared by the vendor")
        .contains("Checked by the registry")
        .contains(r#"<span class="ok" id="registry-check">passed</span>"#)
        .contains("no known exploitable vulnerability from CVSS 7.0 in the registry&#39;s database")
        .contains(r#"<span class="" id="database-age">6 days old (its oldest source)</span>"#)
        .contains("<code>nvd</code> 2026-11-20")
        .contains("7 components; findings: 0 fail");
    // Every item with its answer, rationale and evidence; web addresses are links, files carry
    // their hash and, when uploaded, a download.
    page.contains("S1.1-05/1")
        .contains("Rationale")
        .contains(
            r#"<a href="https://example.com/security" rel="noopener noreferrer">https://example.com/security</a>"#,
        )
        .contains(&format!("<code>{SECURITY_DESIGN_SHA256}</code>"))
        .contains(&format!(r#"href="/review/applications/1/files/{SECURITY_DESIGN_SHA256}""#))
        .contains(r##"href="#evidence-E2""##)
        .contains("not uploaded to the registry: ask the vendor for it");
    let download = reviewer.get(&format!("/review/applications/1/files/{SECURITY_DESIGN_SHA256}")).await;
    assert_eq!((download.status, download.bytes.as_ref()), (StatusCode::OK, design.as_slice()));
    assert_eq!(
        download.headers[axum::http::header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"{SECURITY_DESIGN}\"")
    );
    reviewer.get("/review/applications/1/files/0000").await.assert(StatusCode::NOT_FOUND);
    vendor.get(&format!("/review/applications/1/files/{SECURITY_DESIGN_SHA256}")).await.assert(StatusCode::FORBIDDEN);

    let page = reviewer.get("/review/applications/1?lang=ja").await;
    page.contains("登録簿による確認").contains("6 日前のデータ（最も古い情報源）").contains("根拠の説明");
}
on_both!(the_reviewer_sees_both_results_the_database_age_and_the_evidence);

async fn without_a_database_the_page_says_the_registry_did_not_check(registry: &Registry) {
    let (app, _) = app(registry);
    let key = SigningKey::from_bytes(&[5; 32]);
    let (mut vendor, mut reviewer) = vendor_and_reviewer(registry, &app, &key).await;
    let csrf = vendor.get("/vendor/products/1").await.csrf();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert_redirect("/vendor/applications/1");
    let page = reviewer.get("/review/applications/1?lang=en").await;
    page.contains(r#"<span class="warning" id="registry-check">not checked by the registry</span>"#)
        .contains("it did not check the SBOM itself")
        .contains("none used");
    assert!(!page.body.contains(r#"id="registry-check">passed"#));
}
on_both!(without_a_database_the_page_says_the_registry_did_not_check);

async fn an_upload_the_registrys_check_fails_is_refused_on_the_page(registry: &Registry) {
    let work = tempfile::tempdir().unwrap();
    let vulndb = vulnerability_database(work.path(), &[("CVE-2026-41001", "busybox", "1.37.0")], &["CVE-2026-41001"]);
    let (_, state) = app(registry);
    let app = tekigo_web::router(state.with_vulndb(&vulndb));
    let key = SigningKey::from_bytes(&[5; 32]);
    let (mut vendor, _) = vendor_and_reviewer(registry, &app, &key).await;
    let csrf = vendor.get("/vendor/products/1").await.csrf();
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    vendor
        .post_multipart("/vendor/products/1/applications", &upload_parts(&csrf, &declaration, &sbom))
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("the registry&#39;s own vulnerability check finds known exploitable vulnerabilities")
        .contains("CVE-2026-41001 (busybox 1.36.1)");
    assert_eq!(count(registry, "applications").await, 0);
}
on_both!(an_upload_the_registrys_check_fails_is_refused_on_the_page);
