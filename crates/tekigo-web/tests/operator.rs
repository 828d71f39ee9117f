//! Who runs the registry, over HTTP: the configured operator's name and contact in the frame of
//! public and staff pages in both languages, `/privacy` and `/terms`, the logo at
//! `/operator/logo`, and the demo banner on every page of a demo registry and on none otherwise.
//! Every scenario on SQLite and PostgreSQL.

use axum::Router;
use axum::http::{StatusCode, header};
use tekigo_registry::{Registry, Role};
use tekigo_testkit::{NOW, TODAY, on_both, repo};
use tekigo_web::http::operator::{self, Operator};
use tekigo_web::{AppState, Clock};

mod common;
use common::*;

const REVIEWER_PASSWORD: &str = "reviewer password 1";
const BANNER_EN: &str = "This is a demo registry: labels here are not real";
const BANNER_JA: &str = "これはデモ用の登録簿です。ここのラベルは本物ではありません";

fn example() -> Operator {
    operator::load(&repo("examples/operator.toml")).unwrap_or_else(|errors| panic!("{errors}"))
}

fn app_with(registry: &Registry, operator: Operator) -> Router {
    let clock = Clock::system();
    clock.set_today(TODAY);
    tekigo_web::router(AppState::new(registry.clone(), clock, "http://registry.test").with_operator(operator))
}

/// Demo labels, and a reviewer logged in: the pages a visit goes through, public then staff.
async fn pages(registry: &Registry, app: &Router) -> (Browser, Browser, Vec<String>) {
    tekigo_registry::demo::fill(registry, 20, TODAY, NOW).await.unwrap();
    let (labels, _) =
        registry.search(&tekigo_registry::Search { limit: 1, ..Default::default() }, TODAY).await.unwrap();
    registry
        .create_staff(None, "review@registry.example", "Reviewer", Role::Reviewer, REVIEWER_PASSWORD, NOW)
        .await
        .unwrap();
    let mut staff = Browser::new(app);
    let csrf = staff.get("/login").await.csrf();
    staff
        .post("/login", &[("csrf", &csrf), ("email", "review@registry.example"), ("password", REVIEWER_PASSWORD)])
        .await
        .assert(StatusCode::SEE_OTHER);
    let public = [
        "/".to_owned(),
        "/labels".to_owned(),
        format!("/labels/{}", labels[0].number),
        "/announcements".to_owned(),
        "/report".to_owned(),
        "/login".to_owned(),
        "/signup".to_owned(),
        "/privacy".to_owned(),
        "/terms".to_owned(),
    ];
    (Browser::new(app), staff, public.to_vec())
}

const STAFF_PAGES: [&str; 4] = ["/review/cases", "/review/reports", "/review/incidents", "/review/surveillance"];

async fn a_configured_operator_is_on_every_page(registry: &Registry) {
    let app = app_with(registry, example());
    let (mut public, mut staff, paths) = pages(registry, &app).await;
    for (lang, name, banner) in
        [("en", "Example Certification Body (fictional)", BANNER_EN), ("ja", "例示認証機関（架空）", BANNER_JA)]
    {
        for path in &paths {
            let page = public.get(&format!("{path}?lang={lang}")).await;
            page.assert(StatusCode::OK)
                .contains(name)
                .contains(banner)
                .contains(r#"<img class="logo" src="/operator/logo""#)
                .contains(r#"<a href="mailto:registry@example.org">registry@example.org</a>"#)
                .contains(r#"<a href="https://example.org/contact">"#)
                .contains(r#"<a href="/privacy">"#)
                .contains(r#"<a href="/terms">"#);
        }
        for path in STAFF_PAGES {
            let page = staff.get(&format!("{path}?lang={lang}")).await;
            page.assert(StatusCode::OK).contains(name).contains(banner).contains("registry@example.org");
        }
    }
    public
        .get("/privacy?lang=en")
        .await
        .contains("<h1>Privacy policy</h1>")
        .contains("<p>Nothing is shared with anyone. Write to registry@example.org to have an account removed.</p>");
    public
        .get("/privacy?lang=ja")
        .await
        .contains("<h1>プライバシーポリシー</h1>")
        .contains("<p>第三者には一切提供しません。アカウントの削除は registry@example.org までご連絡ください。</p>");
    public.get("/terms?lang=ja").await.contains("<h1>利用規約</h1>").contains("<p>この登録簿は tekigo のデモです。");
    public.get("/terms?lang=en").await.contains("<h1>Terms of use</h1>").contains("no label here may be used");
    public.get("/?lang=ja").await.contains("〒100-0000 東京都千代田区例示町1-1");

    let logo = public.get("/operator/logo").await;
    logo.assert(StatusCode::OK);
    assert_eq!(&logo.bytes[..], std::fs::read(repo("examples/operator/logo.svg")).unwrap());
    assert_eq!(logo.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(logo.headers[header::CACHE_CONTROL], "public, max-age=3600");
    assert!(logo.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("sandbox"));

    // Error pages too: an unknown path, a label that does not exist.
    for (path, banner) in [("/no/such/page?lang=en", BANNER_EN), ("/labels/JC1-2026-999999999?lang=ja", BANNER_JA)] {
        public.get(path).await.assert(StatusCode::NOT_FOUND).contains(banner);
    }
}
on_both!(a_configured_operator_is_on_every_page);

async fn without_demo_no_page_has_the_banner(registry: &Registry) {
    let app = app_with(registry, Operator { demo: false, ..example() });
    let (mut public, mut staff, paths) = pages(registry, &app).await;
    for (lang, name) in [("en", "Example Certification Body (fictional)"), ("ja", "例示認証機関（架空）")] {
        for path in &paths {
            let page = public.get(&format!("{path}?lang={lang}")).await;
            page.assert(StatusCode::OK).contains(name);
            assert!(!page.body.contains("demo-banner"), "{path}: {}", page.body);
        }
        for path in STAFF_PAGES {
            let page = staff.get(&format!("{path}?lang={lang}")).await;
            page.assert(StatusCode::OK).contains(name);
            assert!(!page.body.contains("demo-banner"), "{path}: {}", page.body);
        }
    }
    let missing = public.get("/no/such/page").await;
    missing.assert(StatusCode::NOT_FOUND);
    assert!(!missing.body.contains("demo-banner"), "{}", missing.body);
}
on_both!(without_demo_no_page_has_the_banner);

async fn an_unconfigured_registry_names_no_one(registry: &Registry) {
    let app = app_with(registry, Operator::not_configured());
    let mut public = Browser::new(&app);
    public.get("/?lang=en").await.assert(StatusCode::OK).contains("tekigo registry (operator not configured)");
    let page = public.get("/?lang=ja").await;
    page.assert(StatusCode::OK).contains("運営者未設定");
    assert!(
        !page.body.contains("demo-banner") && !page.body.contains("/operator/logo") && !page.body.contains("mailto:")
    );
    public.get("/privacy?lang=en").await.assert(StatusCode::OK).contains("has not published a privacy policy");
    public.get("/terms?lang=ja").await.assert(StatusCode::OK).contains("利用規約を公表していません");
    public.get("/operator/logo?lang=ja").await.assert(StatusCode::NOT_FOUND).contains("この登録簿にはロゴがありません");

    // Demo labels make it a demo, whatever the configuration says.
    tekigo_registry::demo::fill(registry, 5, TODAY, NOW).await.unwrap();
    let demo = tekigo_registry::demo::holds_demo_data(registry).await.unwrap();
    let app = app_with(registry, Operator::not_configured().or_demo(demo));
    Browser::new(&app).get("/labels?lang=en").await.assert(StatusCode::OK).contains(BANNER_EN);
}
on_both!(an_unconfigured_registry_names_no_one);
