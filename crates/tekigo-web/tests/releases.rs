//! A series through the web: the vendor registers three models with GTINs on its page, gets the
//! label, publishes two firmware releases with an API token (one bringing in a known exploitable
//! vulnerability, which opens a case, one fixing it, which closes the case), and the label's one
//! page shows all of it; a seller finds the label by a GTIN through the API and sees the releases
//! in the changes feed; the vendor extends the support period and, with the staff's approval,
//! shortens it; the reviewer records the fee before approval; a UK PSTI listing is asked for,
//! confirmed and found by the public filter. On SQLite and PostgreSQL.

use axum::http::StatusCode;
use ed25519_dalek::SigningKey;
use tekigo_base::ModelEntry;
use tekigo_registry::{Registry, Role, TokenScope};
use tekigo_testkit::{NOW, TODAY, on_both, public_pem, signed_series_sample, vulnerability_database};

mod common;
use common::*;

const PASSWORD: &str = "correct horse battery";
const OPENSSL_CVE: &str = "CVE-2026-31337";

fn series() -> Vec<ModelEntry> {
    [("EXC-100", "4901234567894"), ("EXC-100W", "4901234567887"), ("EXC-100B", "4901234567870")]
        .into_iter()
        .map(|(model, gtin)| ModelEntry { model: model.into(), gtin: Some(gtin.into()), sku: None })
        .collect()
}

fn release_parts<'a>(version: &'a str, models: &'a str, sbom: &'a [u8]) -> Vec<Part<'a>> {
    vec![
        Part { name: "version", filename: None, data: version.as_bytes() },
        Part { name: "models", filename: None, data: models.as_bytes() },
        Part { name: "changes_security", filename: None, data: b"true" },
        Part { name: "sbom", filename: Some("sbom.cdx.json"), data: sbom },
    ]
}

async fn a_series_gets_its_label_and_its_updates_keep_it(registry: &Registry) {
    let work = tempfile::tempdir().unwrap();
    let vulndb = vulnerability_database(work.path(), &[(OPENSSL_CVE, "openssl", "3.0.15")], &[OPENSSL_CVE]);
    let (_, state) = app(registry);
    let app = tekigo_web::router(state.with_vulndb(&vulndb));
    let key = SigningKey::from_bytes(&[21; 32]);
    let user =
        registry.sign_up_vendor("Example Devices K.K.", "sato@example.com", "Sato", PASSWORD, NOW).await.unwrap();
    registry.add_signing_key(&user, &public_pem(&key), NOW).await.unwrap();
    let mut vendor = Browser::new(&app);
    let csrf = vendor.get("/login").await.csrf();
    vendor.post("/login", &[("csrf", &csrf), ("email", "sato@example.com"), ("password", PASSWORD)]).await;

    // The series, pasted as spreadsheet rows (the representative model among them).
    let csrf = vendor.get("/vendor").await.contains(r#"name="models""#).csrf();
    let rows = "EXC-100\t4901234567894\nEXC-100W, 4901234567887\nexc-100b, 4 901234 56787 0\n";
    let fields = [
        ("csrf", csrf.as_str()),
        ("name", "EXC-100 network camera"),
        ("model", "EXC-100"),
        ("models", rows),
        ("firmware_version", "2.4.1"),
        ("product_type", "network-camera"),
        ("support_end", "2030-03-31"),
        ("vulnerability_contact", "https://example.com/security"),
    ];
    let bad_rows = fields.map(|(k, v)| if k == "models" { (k, "EXC-100, 4901234567895") } else { (k, v) });
    vendor.post("/vendor/products", &bad_rows).await.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("check digit");
    let created = vendor.post("/vendor/products", &fields).await;
    let product = created.location().trim_start_matches("/vendor/products/").to_owned();
    vendor.get(&format!("/vendor/products/{product}")).await.assert(StatusCode::OK).contains("GTIN 4901234567870");

    let (declaration, sbom) = signed_series_sample(&key, "2.4.1", &series());
    let csrf = vendor.get(&format!("/vendor/products/{product}")).await.csrf();
    vendor
        .post_multipart(&format!("/vendor/products/{product}/applications"), &upload_parts(&csrf, &declaration, &sbom))
        .await;
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let application = registry.applications(&reviewer, None).await.unwrap().remove(0);
    // The reviewer records the fee on the application's page; approval waits for it.
    let mut staff = Browser::new(&app);
    let csrf = staff.get("/login").await.csrf();
    staff
        .post("/login", &[("csrf", &csrf), ("email", "review@ipa.example"), ("password", "reviewer password 1")])
        .await;
    let page = format!("/review/applications/{}", application.id);
    let csrf = staff.get(&page).await.contains(&application.number).contains("¥198,000").csrf();
    let early = staff.post(&format!("{page}/approve"), &[("csrf", &csrf)]).await;
    early.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("is not recorded as received");
    let fee =
        staff.post(&format!("{page}/fee"), &[("csrf", &csrf), ("yen", "198,000"), ("reference", "INV-2026-7")]).await;
    fee.assert_redirect(&format!("{page}#decide"));
    staff.get(&page).await.contains("¥198,000 received").contains("INV-2026-7");
    let label = registry.approve(&reviewer, application.id, TODAY, NOW + 10).await.unwrap();
    let number = label.number.clone();

    // Releases by machine, with a token of the submit scope (no CSRF token).
    let (token, _) = registry.create_api_token(&user, "ci", TokenScope::Submit, 30, NOW).await.unwrap();
    let (read, _) = registry.create_api_token(&user, "reader", TokenScope::Read, 30, NOW).await.unwrap();
    let mut machine = Browser::new(&app);
    let path = format!("/api/v1/labels/{number}/releases");
    let vulnerable = String::from_utf8(sbom.clone()).unwrap().replace("3.0.15", "3.0.14").into_bytes();
    machine.bearer = Some(read);
    machine.post_multipart(&path, &release_parts("2.5.0", "", &vulnerable)).await.assert(StatusCode::FORBIDDEN);
    machine.bearer = Some(token);
    let refused = machine.post_multipart(&path, &release_parts("2.5.0", "EXC-999", &vulnerable)).await;
    refused.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("not a model of this series: EXC-999");
    let bad = machine.post_multipart(&path, &release_parts("2.5.0", "EXC-100W, exc 100b", &vulnerable)).await;
    bad.assert(StatusCode::CREATED);
    let bad: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    assert_eq!(bad["registry_check"], "failed", "{bad}");
    assert_eq!(bad["models"], serde_json::json!(["EXC-100W", "exc-100b"]), "as the series spells them");
    assert_eq!(registry.label_cases(&number).await.unwrap()[0].status, "open", "the failing release opened a case");
    let fixed = String::from_utf8(sbom.clone()).unwrap().replace("3.0.15", "3.0.16").into_bytes();
    let good = machine.post_multipart(&path, &release_parts("2.5.1", "", &fixed)).await;
    good.assert(StatusCode::CREATED).contains(r#""registry_check":"passed""#);
    assert_eq!(registry.label_cases(&number).await.unwrap()[0].status, "closed", "the fixing release closed it");

    // The vendor extends the support period on its product page; a shorter one is refused.
    let csrf = vendor.get(&format!("/vendor/products/{product}")).await.contains(r#"name="support_end""#).csrf();
    let support = format!("/vendor/products/{product}/support");
    let shorter = vendor.post(&support, &[("csrf", &csrf), ("support_end", "2029-01-31")]).await;
    shorter.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("reason for shortening the support period: required");
    vendor
        .post(&support, &[("csrf", &csrf), ("support_end", "2031-03-31")])
        .await
        .assert_redirect(&format!("/vendor/products/{product}#support"));
    // Shortening is a request; staff approve it and the label page announces it.
    let reason = "the SoC vendor ends its SDK";
    vendor
        .post(&support, &[("csrf", &csrf), ("support_end", "2030-12-31"), ("reason", reason)])
        .await
        .assert_redirect(&format!("/vendor/products/{product}#support"));
    assert!(
        !Browser::new(&app).get(&format!("/labels/{number}")).await.body.contains("2030-12-31"),
        "not before approval"
    );
    let csrf = staff.get("/review").await.contains(r#"href="/review/registrations""#).csrf();
    let queue = staff.get("/review/registrations").await;
    queue.assert(StatusCode::OK).contains(reason);
    let change =
        queue.body.split("/review/registrations/support/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let decide = format!("/review/registrations/support/{change}");
    let silent = staff.post(&decide, &[("csrf", &csrf), ("decision", "refuse")]).await;
    silent.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("say why");
    staff.post(&decide, &[("csrf", &csrf), ("decision", "approve")]).await.assert_redirect("/review/registrations");

    // The vendor asks to list the ★1 label as deemed to meet UK PSTI; staff confirm; the public
    // list, the API and the label page show it.
    let csrf = vendor.get(&format!("/vendor/labels/{number}")).await.contains(r#"name="english_information""#).csrf();
    let psti = format!("/vendor/labels/{number}/psti");
    let http = [
        ("csrf", csrf.as_str()),
        ("english_information", "http://example.com/en"),
        ("english_contact", "security@example.com"),
    ];
    vendor.post(&psti, &http).await.assert(StatusCode::UNPROCESSABLE_ENTITY).contains("https://");
    let fields = [
        ("csrf", csrf.as_str()),
        ("english_information", "https://example.com/en/exc-100"),
        ("english_contact", "security@example.com"),
    ];
    vendor.post(&psti, &fields).await.assert_redirect(&format!("/vendor/labels/{number}#psti"));
    let csrf = staff.get("/review/registrations").await.contains("https://example.com/en/exc-100").csrf();
    let confirm = format!("/review/registrations/psti/{number}");
    staff.post(&confirm, &[("csrf", &csrf), ("decision", "confirm")]).await.assert_redirect("/review/registrations");
    let mut public = Browser::new(&app);
    public.get("/labels?psti=listed").await.assert(StatusCode::OK).contains(&number);
    public.get("/labels?psti=maybe").await.assert(StatusCode::BAD_REQUEST).contains("psti");
    let listed: serde_json::Value = serde_json::from_str(&public.get("/api/v1/labels?psti=listed").await.body).unwrap();
    assert_eq!(listed["total"], 1, "{listed}");
    public.get(&format!("/labels/{number}")).await.contains("psti-listed").contains("2030-12-31").contains(reason);

    // The same QR code's page shows the series, the current firmware and the history.
    let mut consumer = Browser::new(&app);
    let page = consumer.get(&format!("/labels/{number}")).await;
    page.assert(StatusCode::OK).contains("4901234567870").contains("exc-100b").contains("2.5.1").contains("2.5.0");
    page.contains("Update history").contains(&tekigo_assess::folder::sha256_hex(&fixed)).contains("2031-03-31");

    // A seller's lookup by GTIN (another spelling), and the feed's events.
    let found = consumer.get("/api/v1/labels?model=4-901234-56788-7").await;
    let found: serde_json::Value = serde_json::from_str(&found.body).unwrap();
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["labels"][0]["number"], number);
    assert_eq!(found["labels"][0]["firmware"], "2.5.1");
    let feed: serde_json::Value = serde_json::from_str(&consumer.get("/api/v1/changes").await.body).unwrap();
    let kinds: Vec<&str> = feed["events"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "firmware-released").count(), 2, "{kinds:?}");
    for kind in ["support-extended", "support-shortened", "psti-listed"] {
        assert!(kinds.contains(&kind), "{kind}: {kinds:?}");
    }
}
on_both!(a_series_gets_its_label_and_its_updates_keep_it);
