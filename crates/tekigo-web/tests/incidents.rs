//! Incidents and the committee's agenda through the web (SCHEME §6), in-process as a browser
//! would: staff record incidents through the form, read who does what in both languages, and
//! find the recurring B-2 requirement on the committee's agenda; a vendor is refused. Every
//! scenario runs on SQLite and PostgreSQL.

use axum::http::StatusCode;
use ed25519_dalek::SigningKey;
use tekigo_registry::Registry;
use tekigo_registry::{NewProduct, Role, User};
use tekigo_testkit::{NOW, TODAY, count, on_both, public_pem, signed_sample_as};

mod common;
use common::*;

const PASSWORD: &str = "correct horse battery";

impl Browser {
    async fn log_in(&mut self, email: &str, password: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        self.post("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }

    /// Posts the incident form of `/review/incidents` with its CSRF token.
    async fn record(&mut self, label: &str, cause: &str, information: &str, met: &str, requirements: &str) -> Page {
        let csrf = self.get("/review/incidents").await.assert(StatusCode::OK).csrf();
        self.post(
            "/review/incidents",
            &[
                ("csrf", &csrf),
                ("label_number", label),
                ("occurred", "2026-11-20"),
                ("cause", cause),
                ("information", information),
                ("met_criteria", met),
                ("requirements", requirements),
                ("summary", "Cameras joined a botnet through the default password."),
            ],
        )
        .await
    }
}

/// A vendor with one labeled camera (made through the registry): the vendor and the label.
async fn labeled_camera(registry: &Registry, reviewer: &User, organisation: &str, email: &str) -> (User, String) {
    let key = SigningKey::from_bytes(&[organisation.as_bytes()[0]; 32]);
    let vendor = registry.sign_up_vendor(organisation, email, "Someone", PASSWORD, NOW).await.unwrap();
    registry.add_signing_key(&vendor, &public_pem(&key), NOW).await.unwrap();
    let product = NewProduct {
        name: "EXC-100 network camera".into(),
        model: "EXC-100".into(),
        models: Vec::new(),
        firmware_version: "2.4.1".into(),
        product_type: Some("network-camera".into()),
        support_end: "2030-03-31".into(),
        vulnerability_contact: "https://example.com/security".into(),
    };
    let product = registry.create_product(&vendor, product, TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample_as(&key, Some(organisation), "2.4.1");
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    registry.record_fee(reviewer, application.id, None, "INV-1", NOW).await.unwrap();
    (vendor.clone(), registry.approve(reviewer, application.id, TODAY, NOW).await.unwrap().number)
}

async fn staff_record_incidents_and_the_committee_sees_its_agenda(registry: &Registry) {
    let (app, _) = app(registry);
    let staff = registry
        .create_staff(None, "review@ipa.example", "Reviewer Suzuki", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    registry
        .create_staff(None, "committee@ipa.example", "Member Tanaka", Role::Committee, "committee password 1", NOW)
        .await
        .unwrap();
    let (_, a) = labeled_camera(registry, &staff, "Alpha K.K.", "a@alpha.example").await;
    let (_, b) = labeled_camera(registry, &staff, "Beta K.K.", "b@beta.example").await;

    let mut reviewer = Browser::new(&app);
    reviewer.log_in("review@ipa.example", "reviewer password 1").await;

    // An unknown requirement is named, and nothing is stored.
    reviewer
        .record(&a, "B", "yes", "yes", "S1.1-01, S9.9-99")
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("S9.9-99");
    assert_eq!(count(registry, "incidents").await, 0);

    // A-2 through the form: the detail page shows the table in both languages.
    let page = reviewer.record(&a, "A", "no", "yes", "S1.1-01").await;
    assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/review/incidents/1"), "{}", page.body);
    let detail = reviewer.get("/review/incidents/1?lang=en").await;
    detail
        .assert(StatusCode::OK)
        .contains("Incident 1: case A-2")
        .contains("Investigates the non-conformity and revokes the label.")
        .contains("不適合を調査し、ラベルを取り消す。")
        .contains("revoke the label (SCHEME §5.4)")
        .contains("certification body");
    reviewer
        .get("/review/incidents/1?lang=ja")
        .await
        .assert(StatusCode::OK)
        .contains("各主体の役割")
        .contains("認証機関");
    assert_eq!(registry.label_cases(&a).await.unwrap().len(), 1);

    // Two B-2 incidents on S1.1-01 from two labels: one item on the agenda.
    reviewer.record(&a, "B", "yes", "yes", "S1.1-01").await.assert(StatusCode::SEE_OTHER);
    reviewer.record(&b, "B", "yes", "yes", "S1.1-01").await.assert(StatusCode::SEE_OTHER);
    reviewer.get("/review/incidents").await.contains(&b).contains("B-2");
    let agenda = reviewer.get("/committee/agenda").await;
    agenda
        .assert(StatusCode::OK)
        .contains("S1.1-01")
        .contains(r#"href="/review/incidents/2""#)
        .contains(r#"href="/review/incidents/3""#);
    assert!(!agenda.body.contains("/close"), "a reviewer does not close items");

    // The committee closes it, with its conclusion.
    let mut committee = Browser::new(&app);
    committee.log_in("committee@ipa.example", "committee password 1").await;
    let page = committee.get("/committee/agenda?lang=ja").await;
    page.assert(StatusCode::OK).contains("技術委員会の議題").contains("/committee/agenda/1/close");
    let csrf = page.csrf();
    // Without the token: refused, nothing changes.
    committee.post("/committee/agenda/1/close", &[("note", "x")]).await.assert(StatusCode::FORBIDDEN);
    let closed =
        committee.post("/committee/agenda/1/close", &[("csrf", &csrf), ("note", "Tighten S1.1-01 in 1.2")]).await;
    assert_eq!((closed.status, closed.location()), (StatusCode::SEE_OTHER, "/committee/agenda"), "{}", closed.body);
    committee.get("/committee/agenda").await.contains("Tighten S1.1-01 in 1.2").contains("reviewed");
}
on_both!(staff_record_incidents_and_the_committee_sees_its_agenda);

async fn a_vendor_is_refused(registry: &Registry) {
    let (app, _) = app(registry);
    let staff = registry
        .create_staff(None, "review@ipa.example", "Reviewer Suzuki", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let (_, a) = labeled_camera(registry, &staff, "Alpha K.K.", "a@alpha.example").await;

    // Logged out: sent to log in.
    let mut nobody = Browser::new(&app);
    for path in ["/review/incidents", "/committee/agenda"] {
        let page = nobody.get(path).await;
        assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, format!("/login?next={path}").as_str()));
    }

    let mut vendor = Browser::new(&app);
    vendor.log_in("a@alpha.example", PASSWORD).await;
    for path in ["/review/incidents", "/review/incidents/1", "/committee/agenda"] {
        vendor.get(path).await.assert(StatusCode::FORBIDDEN);
    }
    let csrf = vendor.get("/vendor").await.assert(StatusCode::OK).csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("label_number", a.as_str()),
        ("occurred", "2026-11-20"),
        ("cause", "B"),
        ("information", "yes"),
        ("met_criteria", "no"),
        ("requirements", "S1.1-01"),
        ("summary", "x"),
    ];
    vendor.post("/review/incidents", &fields).await.assert(StatusCode::FORBIDDEN);
    vendor.post("/committee/agenda/1/close", &[("csrf", &csrf), ("note", "x")]).await.assert(StatusCode::FORBIDDEN);
    assert_eq!(count(registry, "incidents").await, 0);
}
on_both!(a_vendor_is_refused);
