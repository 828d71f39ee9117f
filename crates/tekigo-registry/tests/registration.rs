//! Registrations as the certification body runs them: an application number and the fee the
//! schedule asks for, the staff's "fee received" step before issuance, an agent filing with the
//! vendor's authorisation; the UK PSTI route (three requirements deemed met by the product's
//! PSTI statement, the lower fee) and the reverse listing of a ★1 label as deemed to meet PSTI;
//! the support period shortened only with the staff's approval, and announced.

use ed25519_dalek::SigningKey;
use tekigo_assess::declaration::DecidedBy;
use tekigo_registry::applications::{AgentUpload, Route};
use tekigo_registry::{Registry, RegistryError, Role, Search, Upload, User};
use tekigo_testkit::{NOW, TODAY, camera, on_both, public_pem, refusal, signed_psti_sample, signed_sample};

async fn setup(registry: &Registry, key: &SigningKey) -> (User, User, i64) {
    let vendor = registry
        .sign_up_vendor("Example Devices K.K.", "sato@example.com", "Hanako Sato", "correct horse battery", NOW)
        .await
        .unwrap();
    registry.add_signing_key(&vendor, &public_pem(key), NOW).await.unwrap();
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", NOW)
        .await
        .unwrap();
    let product = registry.create_product(&vendor, camera(), TODAY, NOW).await.unwrap();
    (vendor, reviewer, product.id)
}

async fn an_agent_files_and_the_fee_comes_before_the_label(registry: &Registry) {
    let key = SigningKey::from_bytes(&[31; 32]);
    let (vendor, reviewer, product) = setup(registry, &key).await;
    let (declaration, sbom) = signed_sample(&key, "2.4.1");
    let upload = |agent| Upload { declaration: &declaration, sbom: &sbom, vex: None, files: &[], agent };

    // An agent without the vendor's authorisation is refused, naming what is missing.
    let missing = AgentUpload { organisation: "Certification Helpers Ltd.", contact: "", authorisation: ("", b"") };
    let refused = refusal(registry.submit_upload(&vendor, product, upload(Some(missing)), TODAY, NOW).await);
    assert!(refused.contains("agent's contact: required"), "{refused}");
    assert!(refused.contains("needs the vendor's authorisation document"), "{refused}");

    let letter = b"%PDF-1.4 the vendor authorises Certification Helpers Ltd.".as_slice();
    let agent = AgentUpload {
        organisation: "Certification Helpers Ltd.",
        contact: "Taro Yamada, yamada@helpers.example",
        authorisation: ("authorisation.pdf", letter),
    };
    let application = registry.submit_upload(&vendor, product, upload(Some(agent)), TODAY, NOW).await.unwrap();
    assert_eq!(application.number, format!("A-2026-{:06}", application.id));
    assert_eq!(application.route, Route::Standard);
    assert_eq!(application.fee_due.as_ref().map(|fee| fee.yen), Some(198_000), "★1 on 2026-11-26");
    assert!(application.fee_received.is_none());
    let recorded = application.agent.as_ref().unwrap();
    assert_eq!(recorded.organisation, "Certification Helpers Ltd.");
    let (name, bytes) = registry.agent_authorisation(&reviewer, application.id).await.unwrap();
    assert_eq!((name.as_str(), bytes.as_slice()), ("authorisation.pdf", letter));

    // No label before the fee is recorded; the vendor cannot record it.
    let early = refusal(registry.approve(&reviewer, application.id, TODAY, NOW + 10).await);
    assert!(early.contains("is not recorded as received"), "{early}");
    assert!(matches!(
        registry.record_fee(&vendor, application.id, None, "INV-7", NOW).await,
        Err(RegistryError::Forbidden(_))
    ));
    let no_reference = refusal(registry.record_fee(&reviewer, application.id, None, " ", NOW).await);
    assert!(no_reference.contains("payment reference: required"), "{no_reference}");
    let paid = registry.record_fee(&reviewer, application.id, None, "INV-2026-0042", NOW + 5).await.unwrap();
    let received = paid.fee_received.unwrap();
    assert_eq!((received.yen, received.reference.as_str(), received.at), (198_000, "INV-2026-0042", NOW + 5));
    let twice = refusal(registry.record_fee(&reviewer, application.id, Some(1), "INV-2", NOW + 6).await);
    assert!(twice.contains("recorded already"), "{twice}");
    let label = registry.approve(&reviewer, application.id, TODAY, NOW + 10).await.unwrap();
    let trail = registry.audit_trail(&reviewer, 50).await.unwrap();
    let fee = trail.iter().find(|r| r.action == "fee-received").expect("the fee is in the audit trail");
    assert!(fee.detail.contains("INV-2026-0042"), "{}", fee.detail);

    // After issue: the support period is shortened only with the staff's approval.
    let extended =
        registry.change_support_end(&vendor, product, jiff::civil::date(2031, 3, 31), "", TODAY, NOW + 20).await;
    assert!(matches!(extended, Ok(tekigo_registry::support::SupportOutcome::Extended(_))), "{extended:?}");
    let no_reason = refusal(
        registry.change_support_end(&vendor, product, jiff::civil::date(2027, 6, 30), " ", TODAY, NOW + 30).await,
    );
    assert!(no_reason.contains("reason for shortening the support period: required"), "{no_reason}");
    let past = refusal(
        registry.change_support_end(&vendor, product, jiff::civil::date(2026, 1, 1), "x", TODAY, NOW + 30).await,
    );
    assert!(past.contains("is in the past"), "{past}");
    let requested = registry
        .change_support_end(
            &vendor,
            product,
            jiff::civil::date(2027, 6, 30),
            "the SoC vendor ends its SDK",
            TODAY,
            NOW + 30,
        )
        .await
        .unwrap();
    let tekigo_registry::support::SupportOutcome::Requested(change) = requested else { panic!("a request") };
    let unchanged = registry.label(&label.number, TODAY).await.unwrap().unwrap();
    assert_eq!(unchanged.support_end, "2031-03-31", "nothing changes before the decision");
    let pending = registry.pending_support_changes(&reviewer).await.unwrap();
    assert_eq!(pending.len(), 1);
    let refuse_silently =
        refusal(registry.decide_support_change(&reviewer, change.id, false, "", TODAY, NOW + 40).await);
    assert!(refuse_silently.contains("say why"), "{refuse_silently}");
    let approved =
        registry.decide_support_change(&reviewer, change.id, true, "SDK end confirmed", TODAY, NOW + 40).await.unwrap();
    assert_eq!((approved.status.as_str(), approved.label_number.as_deref()), ("approved", Some(label.number.as_str())));
    let shortened = registry.label(&label.number, TODAY).await.unwrap().unwrap();
    assert_eq!((shortened.support_end.as_str(), shortened.expires.as_str()), ("2027-06-30", "2027-06-30"));
    let changes = registry.support_changes(product).await.unwrap();
    let kinds: Vec<(&str, bool)> = changes.iter().map(|c| (c.status.as_str(), c.is_shortening())).collect();
    assert_eq!(kinds, [("applied", false), ("approved", true)]);
    let events: Vec<String> = registry.label_events(&label.number).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert!(
        events.contains(&"support-extended".to_owned()) && events.contains(&"support-shortened".to_owned()),
        "{events:?}"
    );
}
on_both!(an_agent_files_and_the_fee_comes_before_the_label);

async fn the_uk_psti_route_both_ways(registry: &Registry) {
    let key = SigningKey::from_bytes(&[32; 32]);
    let (vendor, reviewer, product) = setup(registry, &key).await;
    let statement = b"%PDF-1.4 UK PSTI statement of compliance for EXC-100".as_slice();
    let (declaration, sbom) = signed_psti_sample(&key, "2.4.1", Some(statement));
    let parsed: tekigo_assess::Declaration = serde_json::from_slice(&declaration).unwrap();
    assert_eq!(parsed.deemed.len(), 1);
    assert_eq!(parsed.deemed[0].requirements, ["S1.1-02", "S1.1-05", "S1.1-16"]);
    assert!(parsed.statement.en.contains("deemed met by the product's uk-psti statement of compliance"));
    for id in ["S1.1-02", "S1.1-05", "S1.1-16"] {
        let result = parsed.requirements.iter().find(|r| r.id == id).unwrap();
        assert!(result.items.iter().all(|item| item.decided_by == DecidedBy::Recognition), "{id}: {result:?}");
    }
    let others = parsed.requirements.iter().filter(|r| r.id == "S1.1-01").flat_map(|r| &r.items);
    assert!(others.into_iter().all(|item| item.decided_by != DecidedBy::Recognition));

    // The statement must come with the application, so the reviewer can read it.
    let bare = Upload { declaration: &declaration, sbom: &sbom, vex: None, files: &[], agent: None };
    let refused = refusal(registry.submit_upload(&vendor, product, bare, TODAY, NOW).await);
    assert!(refused.contains("uk-psti statement of compliance"), "{refused}");
    let files = [("psti-statement.pdf".to_owned(), statement.to_vec())];
    let upload = Upload { declaration: &declaration, sbom: &sbom, vex: None, files: &files, agent: None };
    let application = registry.submit_upload(&vendor, product, upload, TODAY, NOW).await.unwrap();
    assert_eq!(application.route, Route::UkPsti);
    assert_eq!(application.fee_due.as_ref().map(|fee| fee.yen), Some(140_000), "the PSTI route's fee");
    assert!(application.psti_statement.as_deref().unwrap().starts_with("psti-statement.pdf (SHA-256 "));
    registry.record_fee(&reviewer, application.id, None, "INV-PSTI-1", NOW + 5).await.unwrap();
    let label = registry.approve(&reviewer, application.id, TODAY, NOW + 10).await.unwrap();

    // The reverse: the ★1 label listed as deemed to meet PSTI, once staff confirm.
    let listed = |registry: &Registry| {
        let registry = registry.clone();
        async move {
            let search = Search { psti_listed: true, limit: 10, ..Search::default() };
            registry.search(&search, TODAY).await.unwrap().0.into_iter().map(|l| l.number).collect::<Vec<_>>()
        }
    };
    let http = refusal(
        registry
            .request_psti_listing(&vendor, &label.number, "http://example.com/en", "security@example.com", TODAY, NOW)
            .await,
    );
    assert!(http.contains("give the https:// address"), "{http}");
    registry
        .request_psti_listing(
            &vendor,
            &label.number,
            "https://example.com/en/exc-100",
            "security@example.com",
            TODAY,
            NOW + 20,
        )
        .await
        .unwrap();
    assert!(listed(registry).await.is_empty(), "not listed before staff confirm");
    assert_eq!(registry.psti_requests(&reviewer).await.unwrap().len(), 1);
    let listing = registry.decide_psti_listing(&reviewer, &label.number, true, "", TODAY, NOW + 30).await.unwrap();
    assert_eq!(listing.status, "listed");
    assert_eq!(listed(registry).await, std::slice::from_ref(&label.number));
    let again = refusal(
        registry
            .request_psti_listing(&vendor, &label.number, "https://example.com/en", "security@example.com", TODAY, NOW)
            .await,
    );
    assert!(again.contains("listed already"), "{again}");
    let events: Vec<String> = registry.label_events(&label.number).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert!(events.contains(&"psti-listed".to_owned()), "{events:?}");
}
on_both!(the_uk_psti_route_both_ways);

async fn a_psti_statement_given_by_url_needs_no_upload(registry: &Registry) {
    let key = SigningKey::from_bytes(&[33; 32]);
    let (vendor, _, product) = setup(registry, &key).await;
    let (declaration, sbom) = signed_psti_sample(&key, "2.4.1", None);
    let upload = Upload { declaration: &declaration, sbom: &sbom, vex: None, files: &[], agent: None };
    let application = registry.submit_upload(&vendor, product, upload, TODAY, NOW).await.unwrap();
    assert_eq!(application.route, Route::UkPsti);
    assert_eq!(application.psti_statement.as_deref(), Some("https://example.com/uk-psti-statement"));
}
on_both!(a_psti_statement_given_by_url_needs_no_upload);
