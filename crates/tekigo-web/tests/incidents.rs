//! Incidents and the committee's agenda through the web (SCHEME §6), in-process as a browser
//! would: staff record incidents through the form, read who does what in both languages, and
//! find the recurring B-2 requirement on the committee's agenda; a vendor is refused. Every
//! scenario runs on SQLite and PostgreSQL.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use ed25519_dalek::SigningKey;
use tekigo_registry::Registry;
use tekigo_registry::store::{NewProduct, Role, User};
use tekigo_testkit::{NOW, TODAY, count, on_both, public_pem, signed_sample_as};
use tekigo_web::{AppState, Clock};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";

fn app(registry: &Registry) -> Router {
    let clock = Clock::system();
    clock.set_today(TODAY);
    tekigo_web::router(AppState::new(registry.clone(), clock, "http://registry.test"))
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

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

struct Browser {
    app: Router,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(app: &Router) -> Browser {
        Browser { app: app.clone(), cookies: BTreeMap::new() }
    }

    async fn send(&mut self, builder: axum::http::request::Builder, body: Body) -> Page {
        let mut builder = builder;
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
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
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
        firmware_version: "2.4.1".into(),
        product_type: Some("network-camera".into()),
        support_end: "2030-03-31".into(),
        vulnerability_contact: "https://example.com/security".into(),
    };
    let product = registry.create_product(&vendor, product, TODAY, NOW).await.unwrap();
    let (declaration, sbom) = signed_sample_as(&key, Some(organisation), "2.4.1");
    let application = registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap();
    (vendor.clone(), registry.approve(reviewer, application.id, TODAY, NOW).await.unwrap().number)
}

async fn staff_record_incidents_and_the_committee_sees_its_agenda(registry: &Registry) {
    let app = app(registry);
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
    let app = app(registry);
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
