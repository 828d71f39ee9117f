//! The public pages, the QR codes and the JSON API, driven in-process through the router, on
//! SQLite (a temporary file) and on PostgreSQL (a fresh database on the server at
//! `TEKIGO_TEST_POSTGRES`, default `postgres://postgres@127.0.0.1:5432/test`). Without a reachable
//! server the PostgreSQL half is skipped, unless `TEKIGO_REQUIRE_POSTGRES=1` (CI), where it fails.
//!
//! Every scenario starts from 300 demo labels issued on a fixed day at a fixed time, with the
//! registry's clock set to that day.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use serde_json::Value;
use tekigo_registry::Registry;
use tekigo_web::{AppState, Clock};
use tower::ServiceExt;

use tekigo_testkit::{NOW, TODAY, on_both};
const BASE: &str = "https://registry.example";
const DEMO_LABELS: i64 = 300;
/// The label of the snapshots: a demo label valid on `TODAY` (until 2026-12-03, support until
/// 2028-12-28).
const LABEL: &str = "JC1-2024-900000177";

/// The registry's web service over `registry`, with its clock on `TODAY`.
struct App {
    router: Router,
    clock: Clock,
}

impl App {
    fn new(registry: &Registry) -> App {
        let clock = Clock::system();
        clock.set_today(TODAY);
        App { router: tekigo_web::router(AppState::new(registry.clone(), clock.clone(), BASE)), clock }
    }

    /// With the 300 demo labels.
    async fn demo(registry: &Registry) -> App {
        let made = tekigo_registry::demo::fill(registry, DEMO_LABELS, TODAY, NOW).await.unwrap();
        assert_eq!(made, DEMO_LABELS);
        App::new(registry)
    }

    async fn get(&self, uri: &str) -> Reply {
        let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
        self.send(request).await
    }

    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
        Reply { status, headers, body }
    }

    /// A page that must be served: its HTML.
    async fn page(&self, uri: &str) -> String {
        let reply = self.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        assert_eq!(reply.header("content-type"), "text/html; charset=utf-8", "{uri}");
        reply.text()
    }

    /// A JSON answer with the expected status.
    async fn json(&self, uri: &str, status: StatusCode) -> Value {
        let reply = self.get(uri).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.text());
        assert_eq!(reply.header("content-type"), "application/json", "{uri}");
        serde_json::from_slice(&reply.body).unwrap()
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

/// The label numbers linked from a results page, in order.
fn result_numbers(html: &str) -> Vec<String> {
    html.split("<td class=\"mono\"><a href=\"/labels/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

/// The message of a JSON error, in English.
fn error_message(json: &Value) -> &str {
    json["error"]["message"]["en"].as_str().unwrap_or("")
}

// -------------------------------------------------------------------------------------------

async fn home_page_says_how_to_load_demo_labels_when_empty(registry: &Registry) {
    let app = App::new(registry);
    let empty = app.page("/").await;
    assert!(empty.contains("tekigo serve --demo 1000"), "{empty}");
    assert!(empty.contains("<form class=\"filters\" method=\"get\" action=\"/labels\""));
    let app = App::demo(registry).await;
    let filled = app.page("/?lang=ja").await;
    assert!(!filled.contains("tekigo serve --demo"));
    assert!(filled.contains("<html lang=\"ja\">"));
    assert!(filled.contains("登録されているラベル: <strong>300</strong>"), "{filled}");
    // The product types offered are the catalog's, with their titles.
    assert!(filled.contains("<option value=\"network-camera\">ネットワークカメラ</option>"));
    assert!(filled.contains("<optgroup label=\"産業用・業務用機器\">"), "grouped by sector");
    assert!(app.page("/").await.contains("Labels in the registry: <strong>300</strong>"));
}
on_both!(home_page_says_how_to_load_demo_labels_when_empty);

async fn product_page_in_japanese_and_english(registry: &Registry) {
    let app = App::demo(registry).await;
    let uri = format!("/labels/{LABEL}");
    let reply = app.get(&format!("{uri}?lang=ja")).await;
    assert_eq!(reply.status, StatusCode::OK);
    // The one page with a script: this origin's verify.js, nothing inline.
    assert!(reply.header("content-security-policy").contains("script-src 'self';"));
    assert!(reply.header("set-cookie").starts_with("lang=ja;"), "?lang= is remembered");
    let ja = reply.text();
    assert_eq!(ja.matches("<script").count(), 1, "one script on the label page");
    assert!(ja.contains("<script src=\"/static/verify.js\" defer></script>"));
    assert!(ja.contains(&format!("<section class=\"notice\" id=\"signed-status\" data-label=\"{LABEL}\"")));
    insta::assert_snapshot!("product_page_ja", ja);
    let en = app.page(&uri).await;
    insta::assert_snapshot!("product_page_en", en);
    for (html, badge) in [(&ja, "有効"), (&en, "valid")] {
        assert!(html.contains(&format!("<p class=\"status big status-valid\">{badge}</p>")), "{html}");
        assert!(html.contains(&format!("<img src=\"/labels/{LABEL}/qr.svg\"")));
        assert!(html.contains(&format!("href=\"/labels/{LABEL}/qr.png\"")));
        assert!(html.contains(&format!("href=\"/api/v1/labels/{LABEL}\"")));
        assert!(html.contains("<a href=\"https://vendor059.example/security\""), "the contact is an https link");
    }
    // The language also comes from the cookie and from Accept-Language.
    let by_cookie = Request::builder().uri(&uri).header(header::COOKIE, "lang=ja").body(Body::empty()).unwrap();
    assert!(app.send(by_cookie).await.text().contains("<html lang=\"ja\">"));
    let by_header =
        Request::builder().uri(&uri).header(header::ACCEPT_LANGUAGE, "ja-JP,en;q=0.5").body(Body::empty()).unwrap();
    assert!(app.send(by_header).await.text().contains("<html lang=\"ja\">"));
}
on_both!(product_page_in_japanese_and_english);

async fn only_the_label_page_allows_this_origins_scripts(registry: &Registry) {
    let app = App::demo(registry).await;
    let script = app.get("/static/verify.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(script.header("content-type"), "text/javascript; charset=utf-8");
    assert!(script.text().contains("crypto.subtle.verify('Ed25519'"));
    assert!(!script.text().contains("eval("));
    let label = app.get(&format!("/labels/{LABEL}")).await;
    let policy = label.header("content-security-policy");
    assert!(policy.contains("script-src 'self';") && policy.contains("default-src 'self';"), "{policy}");
    assert_eq!(label.headers.get_all(header::CONTENT_SECURITY_POLICY).iter().count(), 1, "one policy");
    for uri in ["/", "/labels", "/announcements", "/static/verify.js", "/labels/JC1-2026-999999999"] {
        let reply = app.get(uri).await;
        assert!(reply.header("content-security-policy").contains("script-src 'none'"), "{uri}");
    }
}
on_both!(only_the_label_page_allows_this_origins_scripts);

async fn the_status_follows_the_clock(registry: &Registry) {
    let app = App::demo(registry).await;
    let label = app.json(&format!("/api/v1/labels/{LABEL}"), StatusCode::OK).await;
    assert_eq!((label["status"].as_str(), label["valid"].as_bool()), (Some("valid"), Some(true)));
    let expires: Date = label["expires"].as_str().unwrap().parse().unwrap();
    let support_end: Date = label["support_end"].as_str().unwrap().parse().unwrap();
    assert!(expires < support_end, "the snapshot label expires before its support ends");

    app.clock.set_today(expires);
    assert!(app.page(&format!("/labels/{LABEL}")).await.contains("status-valid"), "valid on its last day");

    app.clock.set_today(expires.checked_add(1.day()).unwrap());
    let page = app.page(&format!("/labels/{LABEL}")).await;
    assert!(page.contains("<p class=\"status big status-expired\">expired</p>"), "{page}");
    assert!(page.contains("This label has expired"));
    assert!(!page.contains("should no longer be used"), "support goes on");
    let label = app.json(&format!("/api/v1/labels/{LABEL}"), StatusCode::OK).await;
    assert_eq!((label["status"].as_str(), label["valid"].as_bool()), (Some("expired"), Some(false)));
    assert_eq!(label["checked_at"].as_str(), Some(expires.checked_add(1.day()).unwrap().to_string().as_str()));

    app.clock.set_today(support_end.checked_add(1.day()).unwrap());
    let page = app.page(&format!("/labels/{LABEL}?lang=ja")).await;
    assert!(page.contains("<p class=\"status big status-support-ended\">サポート終了</p>"), "{page}");
    assert!(page.contains("この製品の使用をやめてください"));
    let en = app.page(&format!("/labels/{LABEL}")).await;
    assert!(en.contains("Security updates have ended: this product should no longer be used"));

    // Decisions of the certification body have their own notice, and the end of support is told
    // beside them. The demo suspends every 50th product and revokes every 97th.
    app.clock.set_today(TODAY);
    let revoked = app.page("/labels/JC1-2024-900000097").await;
    assert!(revoked.contains("<p class=\"status big status-revoked\">revoked</p>"));
    assert!(revoked.contains("This label has been revoked"));
    let suspended = app.page("/labels/JC1-2024-900000050?lang=ja").await;
    assert!(suspended.contains("status-suspended"));
    assert!(suspended.contains("このラベルは一時停止中です"));
}
on_both!(the_status_follows_the_clock);

/// Files an application under review for the product of `number`, submitted at `submitted`.
async fn submit_renewal(registry: &Registry, number: &str, submitted: i64) {
    let user: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, role, organisation_id, password_hash, created) \
         VALUES ($1, 'Renewal', 'vendor', NULL, 'x', $2) RETURNING id",
    )
    .bind(format!("renewal-{number}@example.com"))
    .bind(submitted)
    .fetch_one(registry.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO applications (product_id, level, declaration_id, declaration, sbom, sbom_sha256, checks, status, \
         submitted, submitted_by) \
         SELECT product_id, level, 'renewal-' || number, $1, $2, 'none', '[]', 'submitted', $3, $4 \
         FROM labels WHERE number = $5",
    )
    .bind(b"{}".to_vec())
    .bind(b"{}".to_vec())
    .bind(submitted)
    .bind(user)
    .bind(number)
    .execute(registry.pool())
    .await
    .unwrap();
}

async fn an_expired_label_is_in_expiry_grace_while_its_renewal_is_reviewed(registry: &Registry) {
    let app = App::demo(registry).await;
    let label = app.json(&format!("/api/v1/labels/{LABEL}"), StatusCode::OK).await;
    assert_eq!(label["ipa_status"], "valid");
    let expires: Date = label["expires"].as_str().unwrap().parse().unwrap();
    let after = expires.checked_add(1.day()).unwrap();
    let expiry_of = async |number: &str| -> Date {
        app.json(&format!("/api/v1/labels/{number}"), StatusCode::OK).await["expires"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    // The first second after a day ends in Japan time, where the scheme counts its days.
    let end_of = |day: Date| {
        let next = day.checked_add(1.day()).unwrap().to_datetime(jiff::civil::Time::midnight());
        jiff::tz::offset(9).to_timestamp(next).unwrap().as_second()
    };
    // A label whose renewal came in one second after its expiry day ended is `expired` in both
    // readings on the day after; one whose renewal came in during the last second of its expiry
    // day is in grace.
    let other = "JC1-2024-900000178";
    let other_expires = expiry_of(other).await;
    let last_second = "JC1-2024-900000179";
    let last_second_expires = expiry_of(last_second).await;

    // Submitted before the expiry day ends (Japan time), still under review.
    submit_renewal(registry, LABEL, NOW).await;
    submit_renewal(registry, other, end_of(other_expires)).await;
    submit_renewal(registry, last_second, end_of(last_second_expires) - 1).await;
    // A fresh app: the first one's cache holds the label as read before the renewal came in.
    let app = App::new(registry);
    app.clock.set_today(after);
    let label = app.json(&format!("/api/v1/labels/{LABEL}"), StatusCode::OK).await;
    assert_eq!((label["status"].as_str(), label["ipa_status"].as_str()), (Some("expired"), Some("expiry-grace")));
    let page = app.page(&format!("/labels/{LABEL}?lang=ja")).await;
    assert!(page.contains("失効猶予"), "{page}");
    let list = app.json(&format!("/api/v1/labels?model={}", label["model"].as_str().unwrap()), StatusCode::OK).await;
    assert_eq!(list["labels"][0]["ipa_status"], "expiry-grace");

    app.clock.set_today(other_expires.checked_add(1.day()).unwrap());
    let other_label = app.json(&format!("/api/v1/labels/{other}"), StatusCode::OK).await;
    assert_eq!(
        (other_label["status"].as_str(), other_label["ipa_status"].as_str()),
        (Some("expired"), Some("expired"))
    );
    let page = app.page(&format!("/labels/{other}?lang=ja")).await;
    assert!(page.contains("<td class=\"ipa-status ipa-status-expired\">失効</td>"), "{page}");
    app.clock.set_today(last_second_expires.checked_add(1.day()).unwrap());
    let in_time = app.json(&format!("/api/v1/labels/{last_second}"), StatusCode::OK).await;
    assert_eq!((in_time["status"].as_str(), in_time["ipa_status"].as_str()), (Some("expired"), Some("expiry-grace")));

    // The configured grace window reads the same label as in grace until its last day.
    let clock = Clock::system();
    let graced = App {
        router: tekigo_web::router(AppState::new(registry.clone(), clock.clone(), BASE).with_expiry_grace_days(3)),
        clock,
    };
    graced.clock.set_today(other_expires.checked_add(3.days()).unwrap());
    let read = graced.json(&format!("/api/v1/labels/{other}"), StatusCode::OK).await;
    assert_eq!(read["ipa_status"], "expiry-grace");
    graced.clock.set_today(other_expires.checked_add(4.days()).unwrap());
    let read = graced.json(&format!("/api/v1/labels/{other}"), StatusCode::OK).await;
    assert_eq!(read["ipa_status"], "expired");
}
on_both!(an_expired_label_is_in_expiry_grace_while_its_renewal_is_reviewed);

async fn unknown_and_malformed_numbers_are_not_found(registry: &Registry) {
    let app = App::demo(registry).await;
    for uri in [
        "/labels/JC1-2026-999999999",
        "/labels/JC1-2026-999999999/qr.png",
        "/labels/JC1-2026-999999999/qr.svg",
        "/labels/../etc",
        "/labels/..%2Fetc",
        "/labels/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/labels/%3Cscript%3E/qr.png",
        "/labels/JC1-2024-900000001%00",
        "/labels/%FF%FE",
        "/labels/",
        "/no/such/page",
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(reply.header("content-type").starts_with("text/html"), "{uri}");
        assert!(!reply.text().contains("<script"), "{uri}: nothing from the address comes back unescaped");
    }
    // The raw characters too, where the HTTP library lets them through.
    if let Ok(request) = Request::builder().uri("/labels/<script>").body(Body::empty()) {
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(!reply.text().contains("<script"));
    }
    let japanese = app.get("/labels/JC1-2026-999999999?lang=ja").await;
    assert!(japanese.text().contains("ラベル JC1-2026-999999999 は登録されていません"));

    let json = app.json("/api/v1/labels/JC1-2026-999999999", StatusCode::NOT_FOUND).await;
    assert_eq!(error_message(&json), "no label JC1-2026-999999999 is registered");
    assert_eq!(json["error"]["status"], 404);
    assert!(json["error"]["message"]["ja"].as_str().is_some_and(|m| !m.is_empty()));
    let json = app.json("/api/v1/labels/%3Cscript%3E", StatusCode::BAD_REQUEST).await;
    assert!(error_message(&json).starts_with("number: `<script>` is not a label number"), "{json}");
    let json = app.json("/api/v1/nothing", StatusCode::NOT_FOUND).await;
    assert!(error_message(&json).contains("/api/v1/nothing"));
}
on_both!(unknown_and_malformed_numbers_are_not_found);

/// What a phone reads from a PNG.
fn scan(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * info.line_size + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one symbol");
    grids[0].decode().unwrap().1
}

async fn qr_codes_encode_the_product_page(registry: &Registry) {
    let app = App::demo(registry).await;
    for number in [LABEL, "JC1-2024-900000097", "JC1-2025-900000300"] {
        let reply = app.get(&format!("/labels/{number}/qr.png")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-type"), "image/png");
        assert_eq!(reply.header("cache-control"), "public, max-age=3600");
        assert_eq!(reply.header("content-disposition"), format!("inline; filename=\"{number}.png\""));
        assert_eq!(scan(&reply.body), format!("{BASE}/labels/{number}"));

        let svg = app.get(&format!("/labels/{number}/qr.svg")).await;
        assert_eq!(svg.status, StatusCode::OK);
        assert_eq!(svg.header("content-type"), "image/svg+xml");
        assert_eq!(svg.header("cache-control"), "public, max-age=3600");
        assert_eq!(svg.header("content-disposition"), format!("inline; filename=\"{number}.svg\""));
        assert_eq!(svg.text(), tekigo_web::labels::qr::svg(&format!("{BASE}/labels/{number}")).unwrap());
    }
}
on_both!(qr_codes_encode_the_product_page);

async fn search_filters_and_pagination(registry: &Registry) {
    let app = App::demo(registry).await;
    let first = app.page("/labels").await;
    assert!(first.contains("Labels found: <strong>300</strong> — page 1 / 6"), "{first}");
    let numbers = result_numbers(&first);
    assert_eq!(numbers.len(), 50);
    assert_eq!(numbers[0], "JC1-2024-900000001");
    assert!(first.contains("<a href=\"/labels?page=2\" rel=\"next\">"));
    assert!(first.contains("<a href=\"/labels?page=6\">"), "a link to the last page");
    assert!(!first.contains("rel=\"prev\""));

    // Every label once, over the pages.
    let mut seen = numbers;
    for page in 2..=6 {
        let html = app.page(&format!("/labels?page={page}")).await;
        seen.extend(result_numbers(&html));
    }
    assert_eq!(seen.len(), 300);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 300, "no label twice");
    let last = app.page("/labels?page=6").await;
    assert!(last.contains("<a href=\"/labels?page=5\" rel=\"prev\">") && !last.contains("rel=\"next\""));
    let beyond = app.page("/labels?page=7").await;
    assert!(result_numbers(&beyond).is_empty() && beyond.contains("No label matches"));

    // Filters narrow the results, keep their values in the form and in the page links.
    let revoked = app.page("/labels?status=revoked&lang=en").await;
    let numbers = result_numbers(&revoked);
    assert_eq!(numbers, ["JC1-2024-900000097", "JC1-2024-900000194", "JC1-2025-900000291"]);
    assert_eq!(revoked.matches("<span class=\"status status-revoked\">revoked</span>").count(), 3);
    assert!(revoked.contains("<option value=\"revoked\" selected>"));

    let routers = app.page("/labels?product_type=router&level=1&status=").await;
    let count = result_numbers(&routers).len();
    assert!(count > 0 && routers.matches("<td>Routers and Wi-Fi access points</td>").count() == count, "{routers}");
    assert!(routers.contains("<option value=\"router\" selected>"));
    assert!(!routers.contains("<td>Home appliances</td>"));

    let vendor = app.page("/labels?vendor=Demo+Vendor+002+%28fictional%29&q=Demo+product").await;
    assert!(vendor.contains("Labels found: <strong>3</strong>"), "{vendor}");
    assert!(vendor.contains("value=\"Demo Vendor 002 (fictional)\""));

    let many = app.page("/labels?q=Demo&status=valid").await;
    assert!(many.contains("<a href=\"/labels?q=Demo&#38;status=valid&#38;page=2\" rel=\"next\">"), "{many}");

    // A label number typed into the search box goes to its page.
    let reply = app.get(&format!("/labels?q={}", LABEL.to_lowercase())).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), format!("/labels/{LABEL}"));
    let unknown = app.page("/labels?q=JC1-2026-999999999").await;
    assert!(unknown.contains("No label is registered under the number <span class=\"mono\">JC1-2026-999999999</span>"));

    // Bad filters are a 400 that names the parameter, in the page's language.
    for (uri, start) in [
        ("/labels?status=bogus", "status: `bogus` is not a status"),
        ("/labels?level=5", "level: `5` is not a level"),
        ("/labels?page=0", "page: `0` is not a page number"),
        ("/labels?page=x", "page: `x` is not a page number"),
        ("/labels?product_type=toaster", "product_type: `toaster` is not a product type"),
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(reply.text().contains(start), "{uri}: {}", reply.text());
    }
    let japanese = app.get("/labels?status=bogus&lang=ja").await;
    assert!(japanese.text().contains("status: `bogus` は状態ではありません"));
}
on_both!(search_filters_and_pagination);

async fn api_shapes_and_errors(registry: &Registry) {
    let app = App::demo(registry).await;
    let label = app.json(&format!("/api/v1/labels/{LABEL}"), StatusCode::OK).await;
    let keys: Vec<&str> = label.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "number",
            "valid",
            "status",
            "ipa_status",
            "state",
            "level",
            "scheme_version",
            "assurance",
            "issued",
            "expires",
            "support_end",
            "vendor",
            "product",
            "model",
            "models",
            "firmware",
            "product_type",
            "vulnerability_contact",
            "page_url",
            "qr_png_url",
            "qr_svg_url",
            "artwork_svg_url",
            "artwork_pdf_url",
            "checked_at",
            "cases",
            "lifecycle"
        ]
    );
    assert_eq!(label["cases"], serde_json::json!([]));
    assert_eq!(label["lifecycle"]["state"], "active");
    assert_eq!(label["number"], LABEL);
    assert_eq!(label["state"], "active");
    assert_eq!(label["assurance"], "self-declared");
    assert_eq!(label["level"], "1");
    assert_eq!(label["vendor"], "Demo Vendor 059 (fictional)");
    assert_eq!(label["page_url"], format!("{BASE}/labels/{LABEL}"));
    assert_eq!(label["qr_png_url"], format!("{BASE}/labels/{LABEL}/qr.png"));
    assert_eq!(label["artwork_svg_url"], format!("{BASE}/labels/{LABEL}/label.svg"));
    assert_eq!(label["artwork_pdf_url"], format!("{BASE}/labels/{LABEL}/label.pdf"));
    assert_eq!(label["checked_at"], TODAY.to_string());
    assert_eq!(label["models"][0]["model"], label["model"], "the representative model first");
    // A seller's lookup: any model number or GTIN of the series, any spelling, finds the label.
    let gtin = label["models"].as_array().unwrap().last().unwrap()["gtin"].as_str().unwrap().to_owned();
    let spaced = format!("{} {}-{}", &gtin[..1], &gtin[1..7], &gtin[7..]);
    for identifier in [gtin.as_str(), spaced.as_str(), "dv059 3"] {
        let url = format!("/api/v1/labels?model={}", identifier.replace(' ', "%20"));
        let found = app.json(&url, StatusCode::OK).await;
        assert_eq!(found["total"], 1, "{identifier}: {found}");
        assert_eq!(found["labels"][0]["number"], LABEL);
    }
    let vendor = app.json("/api/v1/labels?vendor=demo%20vendor%20059%20(FICTIONAL)&limit=1", StatusCode::OK).await;
    assert!(vendor["total"].as_i64().unwrap() > 1, "vendor names match in any case: {vendor}");
    let reply = app.get(&format!("/api/v1/labels/{LABEL}")).await;
    assert_eq!(reply.header("access-control-allow-origin"), "*");

    let list = app.json("/api/v1/labels", StatusCode::OK).await;
    assert_eq!(
        (list["total"].as_i64(), list["offset"].as_i64(), list["limit"].as_i64()),
        (Some(300), Some(0), Some(50))
    );
    assert_eq!(list["labels"].as_array().unwrap().len(), 50);
    // The label's place in the list (ordered by number): found, not assumed.
    let head = app.json("/api/v1/labels?offset=0&limit=200", StatusCode::OK).await;
    let rest = app.json("/api/v1/labels?offset=200&limit=200", StatusCode::OK).await;
    let place = head["labels"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["labels"].as_array().unwrap())
        .position(|l| l["number"] == LABEL)
        .expect("the label is listed");
    let one = app.json(&format!("/api/v1/labels?offset={place}&limit=1"), StatusCode::OK).await;
    // A label reads the same in a list, less what only the single lookup carries.
    let mut single = label.clone();
    single.as_object_mut().unwrap().retain(|key, _| key != "cases" && key != "lifecycle");
    assert_eq!(one["labels"][0], single, "a label reads the same in a list");
    let tail = app.json("/api/v1/labels?offset=250&limit=200", StatusCode::OK).await;
    assert_eq!(tail["labels"].as_array().unwrap().len(), 50);
    // Ordered by number: the demo's ★4 labels come last.
    assert_eq!(tail["labels"][49]["number"], "JC4-2025-900000244");
    let revoked = app.json("/api/v1/labels?status=revoked&limit=10", StatusCode::OK).await;
    assert_eq!(revoked["total"], 3);
    assert!(revoked["labels"].as_array().unwrap().iter().all(|l| l["status"] == "revoked" && l["valid"] == false));
    let routers =
        app.json("/api/v1/labels?product_type=router&vendor=Demo%20Vendor%20001%20(fictional)", StatusCode::OK).await;
    assert!(routers["labels"].as_array().unwrap().iter().all(|l| l["product_type"] == "router"));
    let empty = app.json("/api/v1/labels?q=&status=&limit=", StatusCode::OK).await;
    assert_eq!(empty["total"], 300, "empty values are no filter");

    for (uri, start) in [
        ("/api/v1/labels?limit=201", "limit: `201` is not a whole number from 1 to 200"),
        ("/api/v1/labels?limit=0", "limit: `0`"),
        ("/api/v1/labels?limit=ten", "limit: `ten`"),
        ("/api/v1/labels?offset=-1", "offset: `-1` is not a whole number of 0 or more"),
        ("/api/v1/labels?status=fine", "status: `fine` is not a status"),
        ("/api/v1/labels?level=9", "level: `9` is not a level"),
        ("/api/v1/labels?product_type=toaster", "product_type: `toaster`"),
        ("/api/v1/labels?stauts=valid", "the query string cannot be read"),
        ("/api/v1/changes?limit=1001", "limit: `1001` is not a whole number from 1 to 1000"),
        ("/api/v1/changes?since=yesterday", "since: `yesterday` is neither a sequence number nor an RFC 3339 time"),
        ("/api/v1/changes?since=-3", "since: `-3` is negative"),
        ("/api/v1/labels?cursor=not-a-cursor", "cursor: `not-a-cursor` is not a cursor this API gave"),
        // Decodes, but not to a cursor: the tag and a label number are both checked.
        ("/api/v1/labels?cursor=aGVsbG8", "cursor: `aGVsbG8` is not a cursor"),
        ("/api/v1/labels?cursor=%F0%9F%98%80", "cursor: `😀` is not a cursor"),
        ("/api/v1/labels?offset=5&cursor=bDE6SkMxLTIwMjQtOTAwMDAwMTc3", "offset: give `offset` or `cursor`, not both"),
    ] {
        let json = app.json(uri, StatusCode::BAD_REQUEST).await;
        assert!(error_message(&json).starts_with(start), "{uri}: {json}");
        assert_eq!(json["error"]["status"], 400);
    }
    let unknown = app.json("/api/v1/labels?stauts=valid", StatusCode::BAD_REQUEST).await;
    assert!(error_message(&unknown).contains("stauts"), "the unknown parameter is named: {unknown}");
}
on_both!(api_shapes_and_errors);

async fn the_api_pages_every_label_by_cursor(registry: &Registry) {
    let made = tekigo_registry::demo::fill(registry, 700, TODAY, NOW).await.unwrap();
    assert_eq!(made, 700);
    let app = App::new(registry);
    let mut numbers: Vec<String> = Vec::new();
    let mut uri = "/api/v1/labels?limit=200".to_owned();
    let mut pages = 0;
    loop {
        let page = app.json(&uri, StatusCode::OK).await;
        pages += 1;
        assert_eq!(page["total"], 700, "the total counts every page together");
        numbers.extend(page["labels"].as_array().unwrap().iter().map(|l| l["number"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => uri = format!("/api/v1/labels?limit=200&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "the walk ends");
    }
    assert_eq!(pages, 4, "three full pages and the last 100");
    assert_eq!(numbers.len(), 700);
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "every label once, in order");
    // The same labels as the offset pages, which keep working.
    let tail = app.json("/api/v1/labels?limit=200&offset=600", StatusCode::OK).await;
    let offset_tail: Vec<&str> =
        tail["labels"].as_array().unwrap().iter().map(|l| l["number"].as_str().unwrap()).collect();
    assert_eq!(offset_tail, numbers[600..].iter().map(String::as_str).collect::<Vec<_>>());
    assert!(tail["next_cursor"].is_null(), "a short page is the last");
    // A cursor keeps the filters it is sent with.
    let valid = app.json("/api/v1/labels?status=valid&limit=200", StatusCode::OK).await;
    let cursor = valid["next_cursor"].as_str().unwrap();
    let next = app.json(&format!("/api/v1/labels?status=valid&limit=200&cursor={cursor}"), StatusCode::OK).await;
    assert!(next["labels"].as_array().unwrap().iter().all(|l| l["status"] == "valid"));
    assert!(next["labels"][0]["number"].as_str() > valid["labels"][199]["number"].as_str());
}
on_both!(the_api_pages_every_label_by_cursor);

/// The rows of a CSV export, after checking it is one: an attachment, UTF-8 with a BOM, the
/// header row first.
fn csv_rows(reply: &Reply) -> Vec<csv::StringRecord> {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("content-type"), "text/csv; charset=utf-8");
    assert!(reply.header("content-disposition").starts_with("attachment; filename=\"jc-star-labels-"));
    let body = reply.body.strip_prefix("\u{feff}".as_bytes()).expect("a byte order mark, for Excel");
    let mut reader = csv::Reader::from_reader(body);
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "number",
            "status",
            "ipa_status",
            "level",
            "vendor",
            "product",
            "models",
            "gtins",
            "firmware",
            "issued",
            "expires",
            "support_end",
            "page_url"
        ]
    );
    reader.records().map(Result::unwrap).collect()
}

async fn searches_export_as_csv(registry: &Registry) {
    let app = App::demo(registry).await;
    // A model number with a comma and a quote, which a CSV writer has to quote.
    sqlx::query(
        "UPDATE product_models SET model = model || ', \"quoted\"' \
         WHERE product_id = (SELECT product_id FROM labels WHERE number = $1)",
    )
    .bind(LABEL)
    .execute(registry.pool())
    .await
    .unwrap();
    // A product name a spreadsheet would run as a formula.
    let formula = "JC1-2024-900000001";
    sqlx::query("UPDATE labels SET product_name = '=HYPERLINK(\"https://example.com\")' WHERE number = $1")
        .bind(formula)
        .execute(registry.pool())
        .await
        .unwrap();

    let rows = csv_rows(&app.get("/labels.csv").await);
    let row = rows.iter().find(|r| &r[0] == formula).unwrap();
    assert_eq!(&row[5], "'=HYPERLINK(\"https://example.com\")", "made text, not run");
    assert_eq!(rows.len(), 300, "every label, past the first page of 200");
    let numbers: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert!(numbers.windows(2).all(|w| w[0] < w[1]), "in order, none twice");
    let label = app.json(&format!("/api/v1/labels/{LABEL}"), StatusCode::OK).await;
    let row = rows.iter().find(|r| &r[0] == LABEL).unwrap();
    let models: Vec<&str> = label["models"].as_array().unwrap().iter().map(|m| m["model"].as_str().unwrap()).collect();
    assert!(models[0].ends_with(", \"quoted\""), "{models:?}");
    assert_eq!(&row[6], models.join(";"), "the models round-trip");
    let gtins: Vec<&str> = label["models"].as_array().unwrap().iter().filter_map(|m| m["gtin"].as_str()).collect();
    assert_eq!(&row[7], gtins.join(";"));
    assert_eq!(
        [&row[1], &row[2], &row[3], &row[4], &row[5], &row[12]],
        [
            label["status"].as_str().unwrap(),
            label["ipa_status"].as_str().unwrap(),
            "1",
            label["vendor"].as_str().unwrap(),
            label["product"].as_str().unwrap(),
            label["page_url"].as_str().unwrap()
        ]
    );

    // The filters of the search page, which links the file with them.
    let page = app.page("/labels?status=revoked").await;
    assert!(
        page.contains("<a href=\"/labels.csv?status=revoked\" download>Download these results as CSV</a>"),
        "{page}"
    );
    assert!(app.page("/labels?status=revoked&lang=ja").await.contains("検索結果を CSV でダウンロード"));
    let revoked = csv_rows(&app.get("/labels.csv?status=revoked").await);
    assert_eq!(revoked.iter().map(|r| &r[0]).collect::<Vec<_>>(), result_numbers(&page));
    assert!(revoked.iter().all(|r| &r[1] == "revoked" && &r[2] == "revoked"));

    // The API's, with the seller's lookup by model.
    let found = csv_rows(&app.get(&format!("/api/v1/labels.csv?model={}", gtins[0])).await);
    assert_eq!(found.iter().map(|r| &r[0]).collect::<Vec<_>>(), [LABEL]);
    let api_all = csv_rows(&app.get("/api/v1/labels.csv?vendor=demo%20vendor%20059%20(fictional)").await);
    let listed = app.json("/api/v1/labels?vendor=demo%20vendor%20059%20(fictional)&limit=200", StatusCode::OK).await;
    assert_eq!(i64::try_from(api_all.len()).unwrap(), listed["total"].as_i64().unwrap());
    for (uri, start) in [
        ("/api/v1/labels.csv?limit=5", "the query string cannot be read"),
        ("/api/v1/labels.csv?status=fine", "status: `fine` is not a status"),
        ("/api/v1/labels.csv?level=9", "level: `9` is not a level"),
    ] {
        let json = app.json(uri, StatusCode::BAD_REQUEST).await;
        assert!(error_message(&json).starts_with(start), "{uri}: {json}");
    }
    let unknown = app.json("/api/v1/labels.csv?cursor=x", StatusCode::BAD_REQUEST).await;
    assert!(error_message(&unknown).contains("cursor"), "the parameter is named: {unknown}");
    let bad = app.get("/labels.csv?level=9").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("level: `9` is not a level"));

    // The export draws on the searches' allowance: once the list has spent it, the file is
    // refused before a byte of it is sent.
    let mut spent = false;
    for _ in 0..100 {
        if app.get("/api/v1/labels?limit=1").await.status == StatusCode::TOO_MANY_REQUESTS {
            spent = true;
            break;
        }
    }
    assert!(spent, "the allowance runs out");
    for uri in ["/api/v1/labels.csv", "/labels.csv"] {
        let refused = app.get(uri).await;
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{uri}");
        assert!(refused.headers.contains_key(header::RETRY_AFTER), "{uri}");
        assert!(refused.header("content-disposition").is_empty(), "{uri}: no file");
    }
}
on_both!(searches_export_as_csv);

async fn the_changes_feed_pages_with_next(registry: &Registry) {
    let app = App::demo(registry).await;
    let mut since = 0;
    let mut seen = Vec::new();
    loop {
        let page = app.json(&format!("/api/v1/changes?since={since}&limit=128"), StatusCode::OK).await;
        let events = page["events"].as_array().unwrap().clone();
        let next = page["next"].as_i64().unwrap();
        if events.is_empty() {
            assert_eq!(next, since, "nothing new: poll again from the same place");
            break;
        }
        assert!(events.len() <= 128);
        assert_eq!(events.last().unwrap()["seq"].as_i64(), Some(next));
        seen.extend(events);
        since = next;
    }
    assert_eq!(seen.len(), 300, "one issued event per demo label");
    let first = seen[0].as_object().unwrap();
    assert_eq!(
        first.keys().map(String::as_str).collect::<Vec<_>>(),
        ["seq", "label", "kind", "status", "at", "models", "gtins"]
    );
    // An event carries its label's series as the label itself lists it.
    for event in [&seen[0], &seen[176], &seen[299]] {
        let label = app.json(&format!("/api/v1/labels/{}", event["label"].as_str().unwrap()), StatusCode::OK).await;
        let models: Vec<&Value> = label["models"].as_array().unwrap().iter().map(|m| &m["model"]).collect();
        let gtins: Vec<&Value> =
            label["models"].as_array().unwrap().iter().map(|m| &m["gtin"]).filter(|g| !g.is_null()).collect();
        assert!(!models.is_empty());
        assert_eq!(event["models"].as_array().unwrap().iter().collect::<Vec<_>>(), models, "{event}");
        assert_eq!(event["gtins"].as_array().unwrap().iter().collect::<Vec<_>>(), gtins, "{event}");
    }
    assert_eq!(seen[0]["kind"], "issued");
    assert_eq!(seen[0]["status"], "valid");
    // Demo histories start on the labels' issue days (noon, Japan time), in that order.
    assert_eq!(seen[0]["at"], "2024-06-10T03:00:00Z");
    let times: Vec<&str> = seen.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "the sequence follows the days");
    let seqs: Vec<i64> = seen.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order, no repeats");

    // The default page, and `since` as a time: the events recorded at or after it.
    let default = app.json("/api/v1/changes", StatusCode::OK).await;
    assert_eq!(default["events"].as_array().unwrap().len(), 100);
    assert_eq!(default["events"][0]["seq"], seqs[0]);
    let at_now = app.json("/api/v1/changes?since=2024-06-10T12:00:00%2B09:00&limit=5", StatusCode::OK).await;
    assert_eq!(at_now["events"][0]["seq"], seqs[0]);
    let unencoded_plus = app.json("/api/v1/changes?since=2024-06-10T12:00:00+09:00&limit=5", StatusCode::OK).await;
    assert_eq!(unencoded_plus, at_now, "an unencoded + in the offset still reads");
    let later = app.json("/api/v1/changes?since=2026-11-27T00:00:00Z", StatusCode::OK).await;
    assert!(later["events"].as_array().unwrap().is_empty());
    assert_eq!(later["next"].as_i64(), seqs.last().copied(), "a poller starting now gets what comes next");

    // The calendar's changes arrive in the feed once the sweep records them.
    app.clock.set_today(date(2027, 6, 1));
    let recorded = registry.sweep(app.clock.today(), NOW + 1).await.unwrap().len();
    assert!(recorded > 0);
    let news = app.json(&format!("/api/v1/changes?since={}&limit=1000", later["next"]), StatusCode::OK).await;
    let news = news["events"].as_array().unwrap();
    assert_eq!(news.len(), recorded);
    assert!(news.iter().all(|e| (e["kind"] == "expired" && e["status"] == "expired")
        || (e["kind"] == "support-ended" && e["status"] == "support-ended")));
}
on_both!(the_changes_feed_pages_with_next);

async fn what_a_vendor_typed_comes_out_escaped(registry: &Registry) {
    let app = App::demo(registry).await;
    let name = "<script>alert('x')</script> & \"Cam\"";
    sqlx::query("UPDATE labels SET product_name = $1, vulnerability_contact = $2 WHERE number = $3")
        .bind(name)
        .bind("javascript:alert(1)")
        .bind(LABEL)
        .execute(registry.pool())
        .await
        .unwrap();
    let page = app.page(&format!("/labels/{LABEL}")).await;
    // The label page's one script is the registry's own; the vendor's text is escaped.
    assert_eq!(
        page.replace("<script src=\"/static/verify.js\" defer></script>", "").matches("<script").count(),
        0,
        "{page}"
    );
    assert!(
        page.contains("<h1>&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38; &#34;Cam&#34;</h1>"),
        "{page}"
    );
    assert!(!page.contains("href=\"javascript:"), "a contact that is not https: or mailto: is text, not a link");
    assert!(page.contains("<span class=\"mono\">javascript:alert(1)</span>"));
    let results = app.page("/labels?q=script").await;
    assert!(!results.contains("<script") && results.contains("&#60;script&#62;"), "{results}");
    let search_box = app.page("/labels?q=%3Cscript%3E%22").await;
    assert!(!search_box.contains("<script") && search_box.contains("value=\"&#60;script&#62;&#34;\""), "{search_box}");
    let json = app.json(&format!("/api/v1/labels/{LABEL}"), StatusCode::OK).await;
    assert_eq!(json["product"], name, "JSON carries the text as it is");
}
on_both!(what_a_vendor_typed_comes_out_escaped);

// -------------------------------------------------------------------------------------------
// The OpenAPI document

async fn served_document(app: &App) -> Value {
    app.json("/api/openapi.json", StatusCode::OK).await
}

/// The served document is the committed `openapi.json`; `UPDATE_OPENAPI=1` rewrites the file.
#[tokio::test]
async fn the_openapi_document_is_committed() {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    let app = App::new(&registry);
    let served = serde_json::to_string_pretty(&served_document(&app).await).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &served).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    db.drop_database(registry).await;
    assert!(
        committed == served,
        "{} differs from the served document: review the API change, then run UPDATE_OPENAPI=1 cargo test -p tekigo-web --test public",
        path.display()
    );
}

/// Every path the router serves under `/api/v1` is documented, and every documented path is
/// served (a request reaches a handler, not the fallback).
#[tokio::test]
async fn every_api_path_is_documented_and_served() {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    let app = App::demo(&registry).await;
    let document = served_document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], BASE);
    assert_eq!(document["info"]["title"], "tekigo registry API");
    let documented: Vec<&str> = document["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    let served = tekigo_web::v1_paths();
    for path in &served {
        assert!(documented.contains(path), "{path} is served but not in the OpenAPI document");
    }
    for path in &documented {
        assert!(served.contains(path), "{path} is documented but not served");
        if document["paths"][path]["get"].is_null() {
            // A post-only path (the reports desk): an empty object reaches the handler, which
            // names what is missing.
            assert!(document["paths"][path]["post"]["responses"]["201"].is_object(), "{path}");
            if document["paths"][path]["post"]["security"].is_array() {
                // A vendor's post (a firmware release): without a token it is refused as such.
                let reply = app.send(Request::post(*path).body(Body::empty()).unwrap()).await;
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}: {}", reply.text());
                continue;
            }
            let request =
                Request::post(*path).header("content-type", "application/json").body(Body::from("{}")).unwrap();
            let reply = app.send(request).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.text());
            continue;
        }
        if *path == "/api/v1/advisories/{file}" {
            // The demo has no advisories: a document by name is looked up and not found.
            let reply = app.get("/api/v1/advisories/jcstar-cve-2026-0001.json").await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(reply.header("content-type"), "application/json", "{path}");
            continue;
        }
        // The log's ranges and proofs take required parameters: a small valid one each.
        let query = match *path {
            "/api/v1/log/entries" => "?start=0&end=10",
            "/api/v1/log/proof/inclusion" => "?index=0&size=1",
            "/api/v1/log/proof/consistency" => "?first=1&second=2",
            _ => "",
        };
        let uri = path.replace("{number}", LABEL) + query;
        let reply = app.get(&uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.text());
        assert!(document["paths"][path]["get"]["responses"]["200"].is_object(), "{path}");
    }
    db.drop_database(registry).await;
}
