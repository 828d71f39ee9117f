//! The reports desk and surveillance over HTTP, driven in-process through the router: the public
//! form and the JSON API (with their rate and size limits), staff triage, publishing a plan, the
//! public plan page with its seed, and an evaluation uploaded as multipart. Both languages; every
//! scenario on SQLite and PostgreSQL.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tekigo_registry::Registry;
use tekigo_registry::Role;
use tekigo_web::http::limits::RateLimiter;

use tekigo_testkit::{NOW, TODAY, count, on_both};

mod common;
use common::*;

const REVIEWER_PASSWORD: &str = "reviewer password 1";

impl Browser {
    async fn log_in(&mut self, email: &str, password: &str) -> Page {
        let csrf = self.get("/login").await.csrf();
        self.post("/login", &[("csrf", &csrf), ("email", email), ("password", password)]).await
    }

    async fn csrf_of(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        page.assert(StatusCode::OK);
        page.csrf()
    }

    async fn post_json(&mut self, path: &str, body: &str) -> Page {
        let request = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        self.send(request, Body::from(body.to_owned())).await
    }

    /// Fills in the public form and sends it.
    async fn report(&mut self, label: &str, category: &str, description: &str) -> Page {
        let csrf = self.csrf_of("/report").await;
        self.post(
            "/report",
            &[
                ("csrf", &csrf),
                ("label_number", label),
                ("category", category),
                ("description", description),
                ("contact", ""),
            ],
        )
        .await
    }
}

async fn demo_labels(registry: &Registry) -> Vec<String> {
    tekigo_registry::demo::fill(registry, 300, TODAY, NOW).await.unwrap();
    registry.surveillance_candidates(TODAY).await.unwrap().into_iter().map(|c| c.label_number).collect()
}

async fn reviewer(registry: &Registry, app: &Router) -> Browser {
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, REVIEWER_PASSWORD, NOW)
        .await
        .unwrap();
    let mut browser = Browser::new(app);
    browser.log_in("review@ipa.example", REVIEWER_PASSWORD).await.assert(StatusCode::SEE_OTHER);
    browser
}

async fn the_form_posts_and_the_sixth_report_is_refused(registry: &Registry) {
    let labels = demo_labels(registry).await;
    let (app, _) = app(registry);
    let mut public = Browser::new(&app);
    let form = public.get(&format!("/report?label={}&lang=ja", labels[0])).await;
    form.assert(StatusCode::OK).contains("製品について報告する").contains(&labels[0]).contains("初期パスワード");
    assert!(public.cookies.contains_key("tekigo_csrf"), "the form sets its double-submit cookie");
    public
        .get("/report?lang=en")
        .await
        .assert(StatusCode::OK)
        .contains("Report a product")
        .contains("a default or shared password");

    // Without the double-submit token: 403, nothing stored.
    public
        .post("/report", &[("csrf", "x"), ("category", "other"), ("description", "a long enough text")])
        .await
        .assert(StatusCode::FORBIDDEN);
    // Bad input is answered on the form, named, in the page's language.
    public
        .report("JC1-2026-12", "other", "The default password is admin.")
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("is not a label number");
    assert_eq!(count(registry, "reports").await, 0);

    // The bad one counted: 4 more are accepted (one by the API), the 6th is refused.
    for label in labels.iter().take(3) {
        public
            .report(label, "default-password", "Logs in with admin/admin out of the box.")
            .await
            .assert(StatusCode::OK)
            .contains("Report received");
    }
    let api = public
        .post_json("/api/v1/reports", &serde_json::json!({ "label_number": labels[3], "category": "open-service", "description": "Telnet is open on port 23." }).to_string())
        .await;
    api.assert(StatusCode::CREATED);
    let receipt: serde_json::Value = serde_json::from_slice(&api.bytes).unwrap();
    assert_eq!(receipt["status"], "received");
    let refused = public.report(&labels[4], "other", "One report too many from here.").await;
    refused.assert(StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = refused.headers.get(header::RETRY_AFTER).unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=120).contains(&retry), "{retry}");
    let api = public.post_json("/api/v1/reports", &serde_json::json!({ "label_number": labels[4], "category": "other", "description": "One report too many from here." }).to_string()).await;
    api.assert(StatusCode::TOO_MANY_REQUESTS);
    assert!(api.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(count(registry, "reports").await, 4);
}
on_both!(the_form_posts_and_the_sixth_report_is_refused);

async fn bodies_over_16_kib_are_refused(registry: &Registry) {
    let (app, _) = app(registry);
    let mut public = Browser::new(&app);
    let big = "x".repeat(17 * 1024);
    let reply = public
        .post_json(
            "/api/v1/reports",
            &serde_json::json!({ "product": "A plug", "category": "other", "description": big }).to_string(),
        )
        .await;
    reply.assert(StatusCode::PAYLOAD_TOO_LARGE);
    let csrf = public.csrf_of("/report").await;
    public
        .post("/report", &[("csrf", &csrf), ("product", "A plug"), ("category", "other"), ("description", &big)])
        .await
        .assert(StatusCode::PAYLOAD_TOO_LARGE);
    // Malformed JSON is a 400 that says so.
    public
        .post_json("/api/v1/reports", "{\"category\": 1}")
        .await
        .assert(StatusCode::BAD_REQUEST)
        .contains("not a report");
    // A field the store refuses: 422, named.
    public
        .post_json("/api/v1/reports", &serde_json::json!({ "product": "A plug", "category": "ransomware", "description": "Something is wrong here." }).to_string())
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("not a report category");
    assert_eq!(count(registry, "reports").await, 0);
}
on_both!(bodies_over_16_kib_are_refused);

async fn staff_triage_publish_and_evaluate(registry: &Registry) {
    let labels = demo_labels(registry).await;
    let (_, mut state) = app(registry);
    // A generous limit for this scenario.
    state.report_limit = Arc::new(RateLimiter::new(100, 600));
    let app = tekigo_web::router(state);
    let mut public = Browser::new(&app);
    public
        .report(&labels[7], "unpatched-vulnerability", "BusyBox 1.36.1 with a known heap overflow.")
        .await
        .assert(StatusCode::OK);
    public.report(&labels[8], "other", "Not sure, but it looks odd.").await.assert(StatusCode::OK);

    // Not for the public.
    public.get("/review/reports").await.assert(StatusCode::SEE_OTHER);
    let mut staff = reviewer(registry, &app).await;
    let list = staff.get("/review/reports?status=received&lang=ja").await;
    list.assert(StatusCode::OK).contains("窓口への報告").contains(&labels[7]).contains("BusyBox 1.36.1");
    let csrf = list.csrf();
    let ids: Vec<i64> = registry
        .reports(&registry.user_by_email("review@ipa.example").await.unwrap().unwrap(), None)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    let (second, first) = (ids[0], ids[1]);
    staff
        .post(
            &format!("/review/reports/{first}/triage"),
            &[("decision", "surveillance"), ("risk_weight", "3"), ("note", "credible")],
        )
        .await
        .assert(StatusCode::FORBIDDEN);
    staff
        .post(
            &format!("/review/reports/{first}/triage"),
            &[("csrf", &csrf), ("decision", "surveillance"), ("risk_weight", "3"), ("note", "credible")],
        )
        .await
        .assert_redirect("/review/reports");
    staff
        .post(
            &format!("/review/reports/{second}/triage"),
            &[("csrf", &csrf), ("decision", "dismiss"), ("risk_weight", "0"), ("note", "vague")],
        )
        .await
        .assert_redirect("/review/reports");
    staff
        .get("/review/reports?status=surveillance&lang=en")
        .await
        .assert(StatusCode::OK)
        .contains("credible")
        .contains("risk 3");
    staff.get("/review/reports?status=nonsense").await.assert(StatusCode::UNPROCESSABLE_ENTITY);

    // Publish the plan; the public page shows the seed, in both languages.
    public.get("/surveillance/2026").await.assert(StatusCode::NOT_FOUND);
    let page = staff.get("/review/surveillance?year=2026").await;
    page.assert(StatusCode::OK).contains("Publish the plan");
    staff
        .post(
            "/review/surveillance",
            &[
                ("csrf", &csrf),
                ("year", "2026"),
                ("seed", "TOPIX 2026-04-01 2,745.33"),
                ("capacity", "2"),
                ("sample", "3"),
            ],
        )
        .await
        .assert_redirect("/review/surveillance?year=2026");
    let plan = registry.surveillance_plan(2026).await.unwrap().unwrap().plan;
    assert_eq!(plan.picks[0].label_number, labels[7]);
    let en = public.get("/surveillance/2026?lang=en").await;
    en.assert(StatusCode::OK)
        .contains("Surveillance plan 2026")
        .contains("TOPIX 2026-04-01 2,745.33")
        .contains(&plan.rng_seed)
        .contains(&labels[7]);
    public
        .get("/surveillance/2026?lang=ja")
        .await
        .assert(StatusCode::OK)
        .contains("サーベイランス計画")
        .contains("TOPIX 2026-04-01 2,745.33")
        .contains("無作為の試買");
    // Never redrawn.
    staff
        .post(
            "/review/surveillance",
            &[("csrf", &csrf), ("year", "2026"), ("seed", "another"), ("capacity", "2"), ("sample", "3")],
        )
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY);

    // Record a non-conformant evaluation with a probe report: a case is opened on the label.
    let cases = staff.get("/review/surveillance?year=2026").await;
    cases.assert(StatusCode::OK).contains("/review/surveillance/cases/1");
    staff.get("/review/surveillance/cases/1?lang=ja").await.assert(StatusCode::OK).contains("評価を記録する");
    let probe = serde_json::to_vec(&serde_json::json!({
        "target": "camera.test", "address": "192.0.2.10", "level": "1", "started": "2026-11-26T01:00:00Z",
        "findings": [], "conformant": false
    }))
    .unwrap();
    let parts = [
        Part { name: "csrf", filename: None, data: csrf.as_bytes() },
        Part { name: "probe", filename: Some("probe.json"), data: &probe },
        Part { name: "outcome", filename: None, data: b"non-conformant" },
        Part { name: "note", filename: None, data: b"Telnet open with a default password." },
    ];
    staff.post_multipart("/review/surveillance/cases/1", &parts).await.assert_redirect("/review/surveillance/cases/1");
    staff
        .get("/review/surveillance/cases/1")
        .await
        .assert(StatusCode::OK)
        .contains("non-conformant")
        .contains("probe of camera.test");
    let opened = registry.label_cases(&labels[7]).await.unwrap();
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].source, "surveillance");
    // A file that is not what it says: refused, named.
    let parts = [
        Part { name: "csrf", filename: None, data: csrf.as_bytes() },
        Part { name: "sbom_check", filename: Some("x.json"), data: b"{}" },
        Part { name: "outcome", filename: None, data: b"conformant" },
        Part { name: "note", filename: None, data: b"ok" },
    ];
    staff
        .post_multipart("/review/surveillance/cases/2", &parts)
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("sbom check");
}
on_both!(staff_triage_publish_and_evaluate);
