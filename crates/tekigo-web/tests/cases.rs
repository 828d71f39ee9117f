//! Cases after issue, through the web: two labeled cameras hold the same BusyBox; a real
//! vulnerability database (NVD record + KEV entry, in a temporary directory) makes monitoring open
//! a case against both. The product page and the API show the case and the CVE; the vendor reads
//! the notice and answers with VEX on its label page, and the next run closes its case; staff
//! suspend the other label, are refused a non-urgent revocation during the hearing, then revoke it
//! urgently as a serious case, which `/announcements` lists. Roles and ownership are enforced.
//! Every scenario runs on SQLite and on PostgreSQL.

use std::collections::BTreeMap;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ed25519_dalek::SigningKey;
use tekigo_registry::Registry;
use tekigo_registry::monitoring::Scope;
use tekigo_registry::{NewProduct, Role, User};
use tekigo_testkit::{NOW, TODAY, on_both, public_pem, signed_sample_as};
use tekigo_vuln::VulnDb;
use tekigo_web::{AppState, Clock};
use tower::ServiceExt;

const CVE: &str = "CVE-2026-31337";
const BUSYBOX_CPE: &str = "cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*";
const PASSWORD: &str = "correct horse battery";
const REVIEWER_PASSWORD: &str = "reviewer password 1";

// ---------------------------------------------------------------------------------------------
// The vulnerability data (as the registry's monitoring test writes it)

fn nvd_feed(id: &str) -> serde_json::Value {
    serde_json::json!({
        "resultsPerPage": 1, "startIndex": 0, "totalResults": 1,
        "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-11-26T00:00:00.000",
        "vulnerabilities": [{ "cve": {
            "id": id, "sourceIdentifier": "test",
            "published": "2026-11-20T00:00:00.000", "lastModified": "2026-11-20T00:00:00.000",
            "vulnStatus": "Analyzed",
            "descriptions": [{ "lang": "en", "value": "A heap overflow in busybox's httpd lets a remote attacker run code." }],
            "metrics": { "cvssMetricV31": [{
                "source": "nvd@nist.gov", "type": "Primary",
                "cvssData": { "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8 }
            }]},
            "configurations": [{ "nodes": [{ "operator": "OR", "negate": false, "cpeMatch": [{
                "vulnerable": true,
                "criteria": "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
                "matchCriteriaId": "00000000-0000-0000-0000-000000000001",
                "versionEndExcluding": "1.37.0"
            }]}]}]
        }}]
    })
}

fn kev(cve: &str) -> serde_json::Value {
    serde_json::json!({
        "title": "CISA Catalog of Known Exploited Vulnerabilities",
        "catalogVersion": "2026.11.26", "dateReleased": "2026-11-26T00:00:00.000Z", "count": 1,
        "vulnerabilities": [{
            "cveID": cve, "vendorProject": "BusyBox", "product": "BusyBox",
            "vulnerabilityName": "BusyBox heap overflow", "dateAdded": "2026-11-25",
            "shortDescription": "Heap overflow.", "requiredAction": "Apply updates.",
            "dueDate": "2026-12-16", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []
        }]
    })
}

fn import(db: &mut VulnDb, dir: &Path, name: &str, document: &serde_json::Value) {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(document).unwrap()).unwrap();
    tekigo_vuln::import_paths(db, &[path], &mut |_| {}).unwrap();
}

/// A vendor (with `PASSWORD`) with one labeled camera: the vendor and the label's number.
async fn labeled_camera(registry: &Registry, reviewer: &User, organisation: &str, email: &str) -> (User, String) {
    let key = SigningKey::from_bytes(&[email.len() as u8; 32]);
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
    let label = registry.approve(reviewer, application.id, TODAY, NOW).await.unwrap();
    (vendor, label.number)
}

// ---------------------------------------------------------------------------------------------
// A browser, by hand (as tests/flows.rs)

struct Page {
    status: StatusCode,
    body: String,
}

impl Page {
    fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).unwrap_or_else(|| panic!("no csrf field in {}", self.body));
        let rest = &self.body[start + marker.len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    #[track_caller]
    fn assert(&self, status: StatusCode) -> &Page {
        assert_eq!(self.status, status, "{}", self.body);
        self
    }

    #[track_caller]
    fn contains(&self, text: &str) -> &Page {
        assert!(self.body.contains(text), "`{text}` not in:\n{}", self.body);
        self
    }

    #[track_caller]
    fn lacks(&self, text: &str) -> &Page {
        assert!(!self.body.contains(text), "`{text}` unexpectedly in:\n{}", self.body);
        self
    }
}

fn urlencode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

const BOUNDARY: &str = "----tekigo-test-c4a5e";

/// A multipart body: the CSRF field, then `file`.
fn multipart(csrf: &str, file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vex.json\"\r\nContent-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

struct Browser {
    app: Router,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(app: &Router) -> Browser {
        Browser { app: app.clone(), cookies: BTreeMap::new() }
    }

    async fn send(&mut self, mut builder: axum::http::request::Builder, body: Body) -> Page {
        if !self.cookies.is_empty() {
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            builder = builder.header(header::COOKIE, cookie);
        }
        let response = self.app.clone().oneshot(builder.body(body).unwrap()).await.unwrap();
        for value in response.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Page { status, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body =
            fields.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
        let request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request, Body::from(body)).await
    }

    async fn upload(&mut self, path: &str, csrf: &str, file: &[u8]) -> Page {
        let body = multipart(csrf, file);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
            .header(header::CONTENT_LENGTH, body.len());
        self.send(request, Body::from(body)).await
    }

    async fn log_in(app: &Router, email: &str, password: &str) -> Browser {
        let mut browser = Browser::new(app);
        let csrf = browser.get("/login").await.csrf();
        let page = browser.post("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser
    }
}

// ---------------------------------------------------------------------------------------------
// The scenario

async fn a_case_is_shown_answered_and_decided_through_the_web(registry: &Registry) {
    let reviewer = registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, REVIEWER_PASSWORD, NOW)
        .await
        .unwrap();
    let (_answering, answering) =
        labeled_camera(registry, &reviewer, "Answering Devices K.K.", "a@answering.example").await;
    let (_silent, silent) = labeled_camera(registry, &reviewer, "Silent Devices K.K.", "b@silent.example").await;

    let work = tempfile::tempdir().unwrap();
    let mut db = VulnDb::create_or_open(&work.path().join("vulndb")).unwrap();
    import(&mut db, work.path(), "busybox.json", &nvd_feed(CVE));
    import(&mut db, work.path(), "kev.json", &kev(CVE));
    let run = registry.monitor(&mut db, Scope::Journal, TODAY, NOW).await.unwrap();
    assert_eq!(run.cases_opened.len(), 2, "{run:?}");

    let clock = Clock::system();
    clock.set_today(TODAY);
    let state = AppState::new(registry.clone(), clock, "http://registry.test");
    let app = tekigo_web::router(state.clone());
    let mut public = Browser::new(&app);

    // The vulnerability information goes out as CSAF over the API once exported.
    let empty: serde_json::Value =
        serde_json::from_str(&public.get("/api/v1/advisories").await.assert(StatusCode::OK).body).unwrap();
    assert_eq!(empty["advisories"], serde_json::json!([]));
    let now = jiff::Timestamp::from_second(NOW + 5).unwrap();
    registry
        .export_csaf(&tekigo_registry::advisories::publisher("http://registry.test"), "http://registry.test", now)
        .await
        .unwrap();
    let list: serde_json::Value =
        serde_json::from_str(&public.get("/api/v1/advisories").await.assert(StatusCode::OK).body).unwrap();
    let url = list["advisories"][0]["url"].as_str().unwrap().to_owned();
    let path = url.strip_prefix("http://registry.test").unwrap();
    let document: serde_json::Value =
        serde_json::from_str(&public.get(path).await.assert(StatusCode::OK).body).unwrap();
    assert!(tekigo_csaf::validate_schema(&document).is_empty());
    assert!(tekigo_csaf::mandatory_tests(&document).is_empty());
    assert_eq!(document["vulnerabilities"][0]["product_status"]["known_affected"].as_array().map(Vec::len), Some(2));

    // The product page shows the case and the CVE, in both languages.
    let grace_until = tekigo_registry::cases::lifecycle::grace_end(TODAY).to_string();
    public
        .get(&format!("/labels/{answering}?lang=en"))
        .await
        .assert(StatusCode::OK)
        .contains("Under correction / 是正中")
        .contains(&grace_until)
        .contains("vulnerability monitoring")
        .contains(CVE)
        .contains("9.8")
        .contains("non-conformity found")
        .lacks("does not yet monitor");
    public
        .get(&format!("/labels/{answering}?lang=ja"))
        .await
        .assert(StatusCode::OK)
        .contains("是正中 / Under correction")
        .contains("脆弱性の監視")
        .contains(CVE)
        .contains("不適合の発見");
    // The API too.
    let api = public.get(&format!("/api/v1/labels/{answering}")).await;
    api.assert(StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["cases"][0]["status"], "open", "{json}");
    assert_eq!(json["cases"][0]["grace_until"], grace_until.as_str());
    assert!(json["cases"][0]["summary"]["en"].as_str().unwrap().contains(CVE), "{json}");
    assert_eq!(json["lifecycle"]["state"], "correcting", "{json}");
    assert_eq!(json["lifecycle"]["until"], grace_until.as_str());

    // The vendor reads the notice and answers with VEX on its label page.
    let mut vendor = Browser::log_in(&app, "a@answering.example", PASSWORD).await;
    vendor
        .get("/vendor")
        .await
        .assert(StatusCode::OK)
        .contains(&format!("{answering}: a non-conformity was found"))
        .contains(&format!("/vendor/labels/{answering}"));
    vendor.get("/vendor?lang=ja").await.contains(&format!("{answering}: 不適合が見つかりました"));
    let label_page = vendor.get(&format!("/vendor/labels/{answering}")).await;
    label_page.assert(StatusCode::OK).contains(CVE).contains("/vex").contains("/sbom");
    let csrf = label_page.csrf();
    // A document that is no VEX: refused, in both languages, nothing stored.
    vendor
        .upload(&format!("/vendor/labels/{answering}/vex"), &csrf, b"not json")
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("the VEX document cannot be read")
        .contains("VEX 文書を読めません");
    // Without the token: refused.
    vendor.upload(&format!("/vendor/labels/{answering}/vex"), "wrong", b"{}").await.assert(StatusCode::FORBIDDEN);
    let vex = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "vulnerabilities": [{
            "id": CVE,
            "analysis": { "state": "not_affected", "justification": "code_not_present", "detail": "httpd is not built." },
            "affects": [{ "ref": BUSYBOX_CPE }]
        }]
    });
    vendor
        .upload(&format!("/vendor/labels/{answering}/vex"), &csrf, vex.to_string().as_bytes())
        .await
        .assert(StatusCode::OK)
        .contains("next monitoring run re-evaluates the label")
        .contains("次回の監視でラベルを再評価します");

    // Another vendor can neither see nor answer for that label.
    let mut other = Browser::log_in(&app, "b@silent.example", PASSWORD).await;
    let other_csrf = other.get(&format!("/vendor/labels/{silent}")).await.assert(StatusCode::OK).csrf();
    other.get(&format!("/vendor/labels/{answering}")).await.assert(StatusCode::NOT_FOUND);
    other
        .upload(&format!("/vendor/labels/{answering}/vex"), &other_csrf, vex.to_string().as_bytes())
        .await
        .assert(StatusCode::NOT_FOUND);
    other.upload(&format!("/vendor/labels/{answering}/sbom"), &other_csrf, b"{}").await.assert(StatusCode::NOT_FOUND);

    // The next run closes the case. Monitoring runs in another process (the command line), so
    // the page shows it within the cache's two seconds; here the cache is told at once.
    let run = registry.monitor(&mut db, Scope::Journal, TODAY, NOW + 30).await.unwrap();
    assert_eq!(run.cases_closed, vec![answering.clone()], "{run:?}");
    state.labels.forget(&answering);
    public
        .get(&format!("/labels/{answering}?lang=en"))
        .await
        .assert(StatusCode::OK)
        .lacks("Under correction")
        .lacks(CVE)
        .contains("None found by monitoring")
        .contains("non-conformity corrected");
    let json: serde_json::Value =
        serde_json::from_str(&public.get(&format!("/api/v1/labels/{answering}")).await.body).unwrap();
    assert_eq!((json["cases"].as_array().unwrap().len(), &json["lifecycle"]["state"]), (0, &"active".into()));

    // A vendor does not reach the staff pages.
    vendor.get("/review/cases").await.assert(StatusCode::FORBIDDEN);
    vendor.get(&format!("/review/labels/{silent}")).await.assert(StatusCode::FORBIDDEN);
    let vendor_csrf = vendor.get("/vendor").await.csrf();
    vendor
        .post(
            &format!("/review/labels/{silent}/revoke"),
            &[("csrf", &vendor_csrf), ("ground", "no-longer-conformant"), ("urgent", "1"), ("reason", "x")],
        )
        .await
        .assert(StatusCode::FORBIDDEN);

    // Staff: the open case is listed; suspend, then a non-urgent revocation during the hearing is
    // refused in both languages; an urgent, serious one goes through.
    let mut staff = Browser::log_in(&app, "review@ipa.example", REVIEWER_PASSWORD).await;
    staff.get("/review/cases").await.assert(StatusCode::OK).contains(&silent).lacks(&answering);
    staff.get("/review/cases?all=1").await.assert(StatusCode::OK).contains(&silent).contains(&answering);
    let csrf = staff.get(&format!("/review/labels/{silent}")).await.assert(StatusCode::OK).contains(CVE).csrf();
    staff
        .post(
            &format!("/review/labels/{silent}/suspend"),
            &[("csrf", &csrf), ("ground", "no-longer-conformant"), ("reason", "")],
        )
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("give the reason")
        .contains("判断の理由を記入してください");
    staff
        .post(
            &format!("/review/labels/{silent}/suspend"),
            &[("csrf", &csrf), ("ground", "no-longer-conformant"), ("reason", "Exploited in the wild.")],
        )
        .await
        .assert(StatusCode::SEE_OTHER);
    let hearing_until = tekigo_registry::cases::lifecycle::hearing_end(TODAY).to_string();
    public
        .get(&format!("/labels/{silent}?lang=en"))
        .await
        .contains("Suspended on the ground")
        .contains("the product no longer meets the criteria")
        .contains(&hearing_until);
    staff
        .post(
            &format!("/review/labels/{silent}/revoke"),
            &[("csrf", &csrf), ("ground", "no-longer-conformant"), ("serious", "1"), ("reason", "No answer.")],
        )
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains(&format!("the hearing runs until {hearing_until}"))
        .contains(&format!("聴聞期間は {hearing_until} までです"));
    staff
        .post(
            &format!("/review/labels/{silent}/revoke"),
            &[
                ("csrf", &csrf),
                ("ground", "no-longer-conformant"),
                ("urgent", "1"),
                ("serious", "1"),
                ("reason", "Exploited in the wild; users at risk."),
            ],
        )
        .await
        .assert(StatusCode::SEE_OTHER);
    staff.get(&format!("/review/labels/{silent}")).await.contains("revoked").lacks("/revoke\"");

    // The public sees the revocation with its ground, and the announcement.
    public
        .get(&format!("/labels/{silent}?lang=en"))
        .await
        .contains("This label has been revoked")
        .contains("Revoked on")
        .contains("the product no longer meets the criteria")
        .lacks("Under correction");
    public.get(&format!("/labels/{silent}?lang=ja")).await.contains("製品が基準を満たさなくなった").contains("取消日");
    let json: serde_json::Value =
        serde_json::from_str(&public.get(&format!("/api/v1/labels/{silent}")).await.body).unwrap();
    assert_eq!(json["lifecycle"]["state"], "revoked", "{json}");
    assert_eq!(json["lifecycle"]["ground"], "no-longer-conformant");
    assert_eq!(json["lifecycle"]["announced"], true);
    public
        .get("/announcements?lang=en")
        .await
        .assert(StatusCode::OK)
        .contains(&silent)
        .contains("Silent Devices K.K.")
        .contains("EXC-100 network camera")
        .contains("the product no longer meets the criteria")
        .lacks(&answering);
    public.get("/announcements?lang=ja").await.contains("製品が基準を満たさなくなった");
    public.get("/").await.contains("href=\"/announcements\"");
    // The vendor was told.
    other.get("/vendor").await.contains(&format!("{silent}: the label is revoked"));
}
on_both!(a_case_is_shown_answered_and_decided_through_the_web);
