//! The vendor's and the reviewer's screens in a real browser: Debian's Chromium, headless, driven
//! through ChromeDriver (WebDriver) against the registry served on loopback. Skipped when
//! ChromeDriver is missing, unless `TEKIGO_REQUIRE_BROWSER=1` (CI), where that fails.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePublicKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use fantoccini::{Client, ClientBuilder, Locator};
use jiff::civil::date;
use tekigo_registry::Registry;
use tekigo_registry::Role;
use tekigo_web::{AppState, Clock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// ChromeDriver on a free loopback port, or `None` when it is not installed (and not required).
#[allow(clippy::print_stderr)] // the one line that says why the test did nothing
fn start_chromedriver() -> Option<(Driver, u16)> {
    let binary =
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| Path::new(p).exists());
    let Some(binary) = binary else {
        assert!(
            std::env::var("TEKIGO_REQUIRE_BROWSER").is_err(),
            "ChromeDriver is required (TEKIGO_REQUIRE_BROWSER) but missing"
        );
        eprintln!("skipping the browser test: no chromedriver (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = free_port();
    let child = Command::new(binary)
        .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((Driver(child), port))
}

async fn browser(port: u16) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1600", "--lang=en-US"] }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with headless Chromium")
}

/// A plain HTTP GET on loopback: the bytes the server sends, for the QR image.
async fn http_get(port: u16, path: &str) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert!(
        response.starts_with(b"HTTP/1.0 200") || response.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&response[..split])
    );
    response[split..].to_vec()
}

fn decode_qr(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let (width, height) = (info.width as usize, info.height as usize);
    let bytes_per_row = info.line_size;
    let bits = info.bit_depth as usize;
    let luma = |x: usize, y: usize| -> u8 {
        let row = &buffer[y * bytes_per_row..(y + 1) * bytes_per_row];
        match bits {
            1 => {
                if row[x / 8] & (0x80 >> (x % 8)) != 0 {
                    255
                } else {
                    0
                }
            }
            _ => row[x],
        }
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

async fn fill(client: &Client, selector: &str, value: &str) {
    let field = client.find(Locator::Css(selector)).await.unwrap_or_else(|e| panic!("field `{selector}`: {e}"));
    field.clear().await.ok();
    field.send_keys(value).await.unwrap();
}

/// Submits a form and waits until the browser has left the page (the button went stale), so the
/// next step never races the POST.
async fn submit(client: &Client, form: &str) {
    let button = client
        .find(Locator::Css(&format!("{form} [type='submit']")))
        .await
        .unwrap_or_else(|e| panic!("submit of `{form}`: {e}"));
    click_and_wait(button).await;
}

async fn click_and_wait(button: fantoccini::elements::Element) {
    button.clone().click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    while button.is_displayed().await.is_ok() {
        assert!(Instant::now() < deadline, "the page did not change after the click");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the browser has followed a form's redirect to a path starting with `prefix`.
async fn wait_for_path(client: &Client, prefix: &str) -> url::Url {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = client.current_url().await.unwrap();
        if url.path().starts_with(prefix) || Instant::now() > deadline {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn page_text(client: &Client) -> String {
    client.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vendor_signs_up_submits_reviewer_approves_and_the_label_expires() {
    let Some((_driver, driver_port)) = start_chromedriver() else { return };
    let work = tempfile::tempdir().unwrap();
    let catalog = Arc::new(tekigo_criteria::builtin().unwrap());
    let registry = Registry::open(&tekigo_registry::default_url(work.path()), catalog).await.unwrap();
    let clock = Clock::system();
    clock.set_today(date(2026, 11, 26));
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", clock.now())
        .await
        .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let state = AppState::new(registry.clone(), clock.clone(), &base);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(tekigo_web::serve(listener, state));

    let key = SigningKey::from_bytes(&[5; 32]);
    let (declaration, sbom) = tekigo_testkit::signed_sample_files(&key, "2.4.1", work.path());
    let public_key = key.verifying_key().to_public_key_pem(LineEnding::LF).unwrap();

    let client = browser(driver_port).await;
    let result = async {
        // The vendor signs up and is logged in.
        client.goto(&format!("{base}/signup?lang=en")).await.unwrap();
        fill(&client, "[name='organisation']", "Example Devices K.K.").await;
        fill(&client, "[name='name']", "Hanako Sato").await;
        fill(&client, "[name='email']", "sato@example.com").await;
        fill(&client, "[name='password']", "correct horse battery").await;
        submit(&client, "form[action='/signup']").await;
        client.goto(&format!("{base}/vendor")).await.unwrap();
        let text = page_text(&client).await;
        assert!(text.contains("Hanako Sato"), "the dashboard after sign-up: {text}");

        // Registers the signing key and the product.
        fill(&client, "form[action='/vendor/keys'] [name='pem']", &public_key).await;
        submit(&client, "form[action='/vendor/keys']").await;
        client.goto(&format!("{base}/vendor")).await.unwrap();
        let product = "form[action='/vendor/products']";
        fill(&client, &format!("{product} [name='name']"), "EXC-100 network camera").await;
        fill(&client, &format!("{product} [name='model']"), "EXC-100").await;
        fill(&client, &format!("{product} [name='firmware_version']"), "2.4.1").await;
        // A date field takes the keys a person types in the browser's locale (en-US: mm dd yyyy).
        fill(&client, &format!("{product} [name='support_end']"), "03312030").await;
        fill(&client, &format!("{product} [name='vulnerability_contact']"), "https://example.com/security").await;
        submit(&client, product).await;

        // Uploads the signed declaration and the SBOM.
        let form = client
            .find(Locator::Css("form[enctype='multipart/form-data']"))
            .await
            .expect("the upload form on the product page");
        form.find(Locator::Css("[name='declaration']"))
            .await
            .unwrap()
            .send_keys(declaration.to_str().unwrap())
            .await
            .unwrap();
        form.find(Locator::Css("[name='sbom']")).await.unwrap().send_keys(sbom.to_str().unwrap()).await.unwrap();
        click_and_wait(form.find(Locator::Css("[type='submit']")).await.unwrap()).await;
        let text = page_text(&client).await;
        assert!(text.to_lowercase().contains("submitted"), "the application is submitted: {text}");
        submit(&client, "form[action='/logout']").await;

        // The reviewer logs in, opens the application and approves it.
        client.goto(&format!("{base}/login?lang=en")).await.unwrap();
        fill(&client, "[name='email']", "review@ipa.example").await;
        fill(&client, "[name='password']", "reviewer password 1").await;
        submit(&client, "form[action='/login']").await;
        client.goto(&format!("{base}/review")).await.unwrap();
        click_and_wait(
            client.find(Locator::Css("a[href^='/review/applications/']")).await.expect("the queue lists it"),
        )
        .await;
        approve_in_browser(&client).await;

        // The label's page: valid, and its QR code leads back to it.
        let url = wait_for_path(&client, "/labels/").await;
        assert!(url.path().starts_with("/labels/JC1-2026-"), "approval leads to the label page: {url}");
        let number = url.path().trim_start_matches("/labels/").to_owned();
        let text = page_text(&client).await;
        assert!(text.contains("EXC-100") && text.to_lowercase().contains("valid"), "{text}");
        let png = http_get(port, &format!("/labels/{number}/qr.png")).await;
        assert_eq!(decode_qr(&png), format!("{base}/labels/{number}"));

        // Two years and a day later the same page says expired (SCHEME §5.1).
        clock.set_today(date(2028, 11, 27));
        client.goto(&format!("{base}/labels/{number}?lang=en")).await.unwrap();
        let text = page_text(&client).await.to_lowercase();
        assert!(text.contains("expired"), "{text}");
        client.goto(&format!("{base}/labels/{number}?lang=ja")).await.unwrap();
        assert!(page_text(&client).await.contains("有効期限切れ"));
    }
    .await;
    client.close().await.ok();
    result
}

/// Waits until `/static/verify.js` has filled `#signed-status`: its result and its text.
async fn signed_status_result(client: &Client) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let section = client.find(Locator::Css("#signed-status")).await.expect("the signed-status section");
        if let Some(result) = section.attr("data-result").await.unwrap() {
            return (result, section.text().await.unwrap());
        }
        assert!(Instant::now() < deadline, "verify.js did not fill #signed-status");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_label_page_verifies_a_signed_status_in_its_fragment() {
    let Some((_driver, driver_port)) = start_chromedriver() else { return };
    let work = tempfile::tempdir().unwrap();
    let catalog = Arc::new(tekigo_criteria::builtin().unwrap());
    let registry = Registry::open(&tekigo_registry::default_url(work.path()), catalog).await.unwrap();
    tekigo_registry::demo::fill(&registry, 300, tekigo_testkit::TODAY, tekigo_testkit::NOW).await.unwrap();
    let clock = Clock::system();
    clock.set_today(tekigo_testkit::TODAY);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(tekigo_web::serve(listener, AppState::new(registry.clone(), clock.clone(), &base)));

    // A demo label valid on TODAY (the one tests/public.rs snapshots).
    let number = "JC1-2024-900000177";
    let status: serde_json::Value =
        serde_json::from_slice(&http_get(port, &format!("/api/v1/labels/{number}/status")).await).unwrap();
    let url = status["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("{base}/labels/{number}#s=")), "{url}");
    assert!(status["note"].as_str().unwrap().contains("\nvalid\n"), "{status}");

    let client = browser(driver_port).await;
    let result = async {
        client.goto(&url).await.unwrap();
        let (result, text) = signed_status_result(&client).await;
        assert_eq!(result, "verified", "{text}");
        assert!(text.contains("Signature verified") && text.contains(&format!("label {number} was valid")), "{text}");
        assert!(text.contains("署名を確認しました") && text.contains("「有効」"), "{text}");
        assert!(!text.contains("Not verified"), "{text}");

        // One character of the signature changed (well inside it: the last one may only carry
        // padding bits).
        let mut tampered = url.clone().into_bytes();
        let at = tampered.len() - 10;
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        // Through a blank page: a change of the fragment alone would not load the page again.
        client.goto("about:blank").await.unwrap();
        client.goto(&String::from_utf8(tampered).unwrap()).await.unwrap();
        let (result, text) = signed_status_result(&client).await;
        assert_eq!(result, "not-verified", "{text}");
        assert!(text.contains("Not verified: bad signature") && text.contains("検証できませんでした"), "{text}");

        // The right status on another label's page says whose it is.
        let other = url.replacen(number, "JC1-2024-900000178", 1);
        client.goto(&other).await.unwrap();
        let (result, text) = signed_status_result(&client).await;
        assert_eq!(result, "other-label", "{text}");
        assert!(text.contains("not for this page's label JC1-2024-900000178"), "{text}");
    }
    .await;
    client.close().await.ok();
    result
}

/// On a phone (390 px wide) the search and the product page read without sideways scrolling, and
/// the product page puts the status first and its own QR code after the facts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_product_pages_fit_a_phone() {
    let Some((_driver, driver_port)) = start_chromedriver() else { return };
    let work = tempfile::tempdir().unwrap();
    let catalog = Arc::new(tekigo_criteria::builtin().unwrap());
    let registry = Registry::open(&tekigo_registry::default_url(work.path()), catalog).await.unwrap();
    tekigo_registry::demo::fill(&registry, 300, tekigo_testkit::TODAY, tekigo_testkit::NOW).await.unwrap();
    let clock = Clock::system();
    clock.set_today(tekigo_testkit::TODAY);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(tekigo_web::serve(listener, AppState::new(registry.clone(), clock.clone(), &base)));

    let client = browser(driver_port).await;
    let result = async {
        client.set_window_size(390, 844).await.unwrap();
        let pages = [
            "/labels?q=demo".to_owned(),
            "/labels/JC1-2024-900000177".to_owned(),
            "/labels/JC1-2024-900000177?lang=ja".to_owned(),
            "/report?label=JC1-2024-900000177".to_owned(),
        ];
        for page in &pages {
            client.goto(&format!("{base}{page}")).await.unwrap();
            let widths = client
                .execute(
                    "const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('table'));\
                     return [document.documentElement.scrollWidth, window.innerWidth, wide.slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))];",
                    Vec::new(),
                )
                .await
                .unwrap();
            let (content, viewport) = (widths[0].as_f64().unwrap(), widths[1].as_f64().unwrap());
            assert!(viewport <= 400.0, "{page}: the window is {viewport} px wide");
            assert!(
                content <= viewport,
                "{page}: {content} px of content in a {viewport} px window scrolls sideways: {}",
                widths[2]
            );
        }
        client.goto(&format!("{base}/labels/JC1-2024-900000177")).await.unwrap();
        let tops = client
            .execute(
                "const top = s => document.querySelector(s).getBoundingClientRect().top + window.scrollY;\
                 return [top('.status.big'), top('main table'), top('.qr')];",
                Vec::new(),
            )
            .await
            .unwrap();
        let (status, facts, qr) = (tops[0].as_f64().unwrap(), tops[1].as_f64().unwrap(), tops[2].as_f64().unwrap());
        assert!(status < facts, "the status comes before the facts: {tops:?}");
        assert!(qr > facts, "on a phone the page's own QR code comes after the facts: {tops:?}");
    }
    .await;
    client.close().await.ok();
    result
}

// ---------------------------------------------------------------------------------------------
// Every page of every role, reached by following links

/// A label number (`JC1-2026-000000001`) as a path segment.
fn is_label_number(segment: &str) -> bool {
    let parts: Vec<&str> = segment.split('-').collect();
    parts.len() == 3
        && parts[0].starts_with("JC")
        && parts[1..].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The route a path is served by: label numbers become `{number}`, a year after `surveillance`
/// `{year}`, any other number `{id}`.
fn route_of(path: &str) -> String {
    let mut previous = "";
    let mut segments = Vec::new();
    for segment in path.split('/') {
        let pattern = if is_label_number(segment) {
            "{number}"
        } else if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            if previous == "surveillance" { "{year}" } else { "{id}" }
        } else {
            segment
        };
        segments.push(pattern.to_owned());
        previous = segment;
    }
    segments.join("/")
}

/// Whether the crawl follows a link: pages only (no file, no API document, no form's target).
fn is_page_link(url: &url::Url) -> bool {
    let path = url.path();
    let file = [".json", ".csv", ".svg", ".pdf", ".png", ".js", ".css"].iter().any(|ext| path.ends_with(ext));
    let machine = ["/api/", "/static/", "/operator/logo", "/metrics", "/healthz"].iter().any(|p| path.starts_with(p));
    // An application's stored SBOM and evidence files are downloads too.
    let download = path.ends_with("/sbom") || path.contains("/files/");
    !(file || machine || download || path == "/logout")
}

/// What a crawl found: the routes reached, and each page that went wrong (with why).
struct Crawl {
    routes: std::collections::BTreeSet<String>,
    visited: usize,
    failures: Vec<String>,
}

/// Breadth-first from `start`, following the same-origin `a[href]` links of each page (GET only),
/// at most `cap` pages and a few of each route (the list pages lead to every detail page). A page
/// fails when it is an error page (the registry's have the status as their title, axum's bare
/// 404 none) or when its link led elsewhere.
async fn crawl(client: &Client, base: &str, start: &str, cap: usize) -> Crawl {
    const PER_ROUTE: usize = 4;
    let origin = url::Url::parse(base).unwrap();
    let mut queue = std::collections::VecDeque::from([origin.join(start).unwrap()]);
    let mut seen = std::collections::HashSet::new();
    let mut per_route: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut found = Crawl { routes: Default::default(), visited: 0, failures: Vec::new() };
    while let Some(mut url) = queue.pop_front() {
        if found.visited >= cap {
            break;
        }
        url.set_fragment(None);
        // The language switch leads to the same page.
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().filter(|(k, _)| k != "lang").collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        if url.query() == Some("") {
            url.set_query(None);
        }
        let route = route_of(url.path());
        let count = per_route.entry(route.clone()).or_default();
        if *count >= PER_ROUTE || !seen.insert(url.to_string()) {
            continue;
        }
        *count += 1;
        found.visited += 1;
        client.goto(url.as_str()).await.unwrap();
        let now = client.current_url().await.unwrap();
        let title = client.title().await.unwrap_or_default();
        let status_title = title.len() >= 3 && title.as_bytes()[..3].iter().all(u8::is_ascii_digit);
        if title.trim().is_empty() || status_title {
            found.failures.push(format!("{url}: an error page (title `{title}`)"));
            continue;
        }
        if now.path() != url.path() {
            found.failures.push(format!("{url}: led to {now}"));
            continue;
        }
        found.routes.insert(route);
        let links = client
            .execute(
                "return [...document.querySelectorAll('a[href]')].filter(a => !a.hasAttribute('download')).map(a => a.href);",
                Vec::new(),
            )
            .await
            .unwrap();
        for link in links.as_array().unwrap().iter().filter_map(|l| l.as_str()) {
            let Ok(link) = url::Url::parse(link) else { continue };
            if link.origin() == origin.origin() && is_page_link(&link) {
                queue.push_back(link);
            }
        }
    }
    found
}

async fn log_in(client: &Client, base: &str, email: &str, password: &str) {
    client.goto(&format!("{base}/login?lang=en")).await.unwrap();
    fill(client, "[name='email']", email).await;
    fill(client, "[name='password']", password).await;
    submit(client, "form[action='/login']").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_reaches_its_pages_by_following_links() {
    use tekigo_registry::incidents::{Cause, NewIncident};
    use tekigo_registry::reports::NewReport;
    use tekigo_testkit::{NOW, TODAY, public_pem, signed_sample_as};

    let Some((_driver, driver_port)) = start_chromedriver() else { return };
    let work = tempfile::tempdir().unwrap();
    let catalog = Arc::new(tekigo_criteria::builtin().unwrap());
    let registry = Registry::open(&tekigo_registry::default_url(work.path()), catalog).await.unwrap();
    tekigo_registry::demo::fill(&registry, 40, TODAY, NOW).await.unwrap();
    let mut staff = Vec::new();
    for (email, role) in [
        ("review@ipa.example", Role::Reviewer),
        ("committee@ipa.example", Role::Committee),
        ("admin@ipa.example", Role::Admin),
    ] {
        staff.push(registry.create_staff(None, email, email, role, "staff password 1", NOW).await.unwrap());
    }
    let reviewer = &staff[0];

    // A vendor with a labeled camera, and another's camera waiting for review.
    let mut applications = Vec::new();
    for (seed, organisation, email) in
        [(7, "Example Devices K.K.", "sato@example.com"), (8, "Beta K.K.", "b@beta.example")]
    {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let vendor = registry.sign_up_vendor(organisation, email, "Sato", "correct horse battery", NOW).await.unwrap();
        registry.add_signing_key(&vendor, &public_pem(&key), NOW).await.unwrap();
        let product = tekigo_registry::NewProduct {
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
        applications.push(registry.submit(&vendor, product.id, &declaration, &sbom, TODAY, NOW).await.unwrap());
    }
    registry.record_fee(reviewer, applications[0].id, None, "INV-1", NOW).await.unwrap();
    let number = registry.approve(reviewer, applications[0].id, TODAY, NOW).await.unwrap().number;

    // Two incidents (A-2 opens a case on the label, B-2 is an item of the committee's agenda), a
    // report, and this year's surveillance plan.
    for (cause, vendor_gave_information) in [(Cause::UserSettingsOrUse, false), (Cause::ProductSecurity, true)] {
        let incident = NewIncident {
            label_number: number.clone(),
            occurred: "2026-11-20".into(),
            cause,
            vendor_gave_information,
            product_met_criteria: true,
            requirements: vec!["S1.1-01".into()],
            summary: "A camera was taken over through its web interface.".into(),
        };
        registry.record_incident(reviewer, &incident, TODAY, NOW).await.unwrap();
    }
    let report = NewReport {
        label_number: Some(number.clone()),
        category: "open-service".into(),
        description: "Telnet is open on the camera with a default password.".into(),
        ..NewReport::default()
    };
    registry.submit_report(&report, NOW).await.unwrap();
    registry.publish_plan(reviewer, 2026, "TOPIX 2026-04-01 2,745.33", 2, 3, TODAY, NOW).await.unwrap();

    let clock = Clock::system();
    clock.set_today(TODAY);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(tekigo_web::serve(listener, AppState::new(registry.clone(), clock.clone(), &base)));

    // The public pages are the same for everyone (they show the header of a visitor who is not
    // logged in): each role reaches the login and sign-up pages through them.
    let public = [
        "/",
        "/labels",
        "/labels/{number}",
        "/announcements",
        "/surveillance/{year}",
        "/labs",
        "/labs/{id}",
        "/report",
        "/privacy",
        "/terms",
        "/login",
        "/signup",
    ];
    let staff_pages = [
        "/review",
        "/review/applications/{id}",
        "/review/audit",
        "/review/registrations",
        "/review/cases",
        "/review/labels/{number}",
        "/review/incidents",
        "/review/incidents/{id}",
        "/committee/agenda",
        "/review/reports",
        "/review/surveillance",
        "/review/surveillance/cases/{id}",
        "/review/labs",
    ];
    let vendor_pages = ["/vendor", "/vendor/products/{id}", "/vendor/applications/{id}", "/vendor/labels/{number}"];
    let roles = [
        ("anonymous", None, "/", public.to_vec()),
        (
            "vendor",
            Some(("sato@example.com", "correct horse battery")),
            "/vendor",
            [&public[..], &vendor_pages].concat(),
        ),
        ("reviewer", Some(("review@ipa.example", "staff password 1")), "/review", [&public[..], &staff_pages].concat()),
        (
            "committee",
            Some(("committee@ipa.example", "staff password 1")),
            "/review",
            [&public[..], &staff_pages].concat(),
        ),
        (
            "admin",
            Some(("admin@ipa.example", "staff password 1")),
            "/review",
            [&public[..], &staff_pages, &["/admin/staff"]].concat(),
        ),
    ];
    let mut problems = Vec::new();
    for (role, login, start, expected) in roles {
        // A fresh session for each role.
        let client = browser(driver_port).await;
        if let Some((email, password)) = login {
            log_in(&client, &base, email, password).await;
        }
        let found = crawl(&client, &base, start, 300).await;
        client.close().await.ok();
        let missing: Vec<&str> = expected.iter().copied().filter(|r| !found.routes.contains(*r)).collect();
        let unexpected: Vec<&String> = found.routes.iter().filter(|r| !expected.contains(&r.as_str())).collect();
        if !missing.is_empty() || !found.failures.is_empty() || !unexpected.is_empty() {
            problems.push(format!(
                "{role} (from {start}, {} pages): missing {missing:?}; failures {:?}; not in its list {unexpected:?}",
                found.visited, found.failures
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// A series and its releases, all in the browser

/// Decides the open application as a reviewer would: records the fee as received when the page
/// asks for it, then approves.
async fn approve_in_browser(client: &Client) {
    if client.find(Locator::Css("form[action$='/fee']")).await.is_ok() {
        fill(client, "form[action$='/fee'] [name='reference']", "INV-2026-0001").await;
        submit(client, "form[action$='/fee']").await;
        let text = page_text(client).await;
        assert!(text.contains("¥198,000 received"), "the fee is recorded: {text}");
    }
    submit(client, "form[action$='/approve']").await;
}

/// Publishes a firmware release through the form on the vendor's label page; the page it leads to.
async fn release_in_browser(client: &Client, base: &str, number: &str, version: &str, sbom: &Path) -> String {
    client.goto(&format!("{base}/vendor/labels/{number}?lang=en")).await.unwrap();
    let form = "form[action$='/releases']";
    fill(client, &format!("{form} [name='version']"), version).await;
    client.find(Locator::Css(&format!("{form} [name='changes_security']"))).await.unwrap().click().await.unwrap();
    client
        .find(Locator::Css(&format!("{form} [name='sbom']")))
        .await
        .unwrap()
        .send_keys(sbom.to_str().unwrap())
        .await
        .unwrap();
    submit(client, form).await;
    let url = wait_for_path(client, &format!("/vendor/labels/{number}")).await;
    assert_eq!(url.query(), Some(format!("released={version}").as_str()), "the release is published: {url}");
    page_text(client).await
}

/// The status of each case in the vendor's label page's table of cases.
async fn case_statuses(client: &Client) -> Vec<String> {
    let cells = client.find_all(Locator::Css("#cases tbody tr td:nth-child(2)")).await.unwrap();
    let mut statuses = Vec::new();
    for cell in cells {
        statuses.push(cell.text().await.unwrap());
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_with_two_releases_in_the_browser() {
    use tekigo_base::ModelEntry;
    use tekigo_testkit::{TODAY, public_pem, signed_series_sample, vulnerability_database};
    const OPENSSL_CVE: &str = "CVE-2026-31337";

    let Some((_driver, driver_port)) = start_chromedriver() else { return };
    let work = tempfile::tempdir().unwrap();
    let catalog = Arc::new(tekigo_criteria::builtin().unwrap());
    let registry = Registry::open(&tekigo_registry::default_url(work.path()), catalog).await.unwrap();
    let clock = Clock::system();
    clock.set_today(TODAY);
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", clock.now())
        .await
        .unwrap();
    let vulndb = vulnerability_database(work.path(), &[(OPENSSL_CVE, "openssl", "3.0.15")], &[OPENSSL_CVE]);
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let state = AppState::new(registry.clone(), clock.clone(), &base).with_vulndb(&vulndb);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(tekigo_web::serve(listener, state));

    // The signed files of the series, and the SBOMs of two releases: one with an OpenSSL that
    // has a known exploited vulnerability, one with the fixed OpenSSL.
    let series: Vec<ModelEntry> =
        [("EXC-100", "4901234567894"), ("EXC-100W", "4901234567887"), ("EXC-100B", "4901234567870")]
            .into_iter()
            .map(|(model, gtin)| ModelEntry { model: model.into(), gtin: Some(gtin.into()), sku: None })
            .collect();
    let key = SigningKey::from_bytes(&[21; 32]);
    let (declaration, sbom) = signed_series_sample(&key, "2.4.1", &series);
    let sbom_text = String::from_utf8(sbom.clone()).unwrap();
    let files = work.path().join("upload");
    std::fs::create_dir_all(&files).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = files.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let declaration = write("declaration.json", &declaration);
    let sbom = write("sbom.cdx.json", &sbom);
    let vulnerable = write("sbom-2.5.0.cdx.json", sbom_text.replace("3.0.15", "3.0.14").as_bytes());
    let fixed = write("sbom-2.5.1.cdx.json", sbom_text.replace("3.0.15", "3.0.16").as_bytes());

    let client = browser(driver_port).await;
    let result = async {
        // The vendor signs up, registers its key and the series.
        client.goto(&format!("{base}/signup?lang=en")).await.unwrap();
        fill(&client, "[name='organisation']", "Example Devices K.K.").await;
        fill(&client, "[name='name']", "Hanako Sato").await;
        fill(&client, "[name='email']", "sato@example.com").await;
        fill(&client, "[name='password']", "correct horse battery").await;
        submit(&client, "form[action='/signup']").await;
        client.goto(&format!("{base}/vendor?lang=en")).await.unwrap();
        fill(&client, "form[action='/vendor/keys'] [name='pem']", &public_pem(&key)).await;
        submit(&client, "form[action='/vendor/keys']").await;
        client.goto(&format!("{base}/vendor")).await.unwrap();
        let product = "form[action='/vendor/products']";
        fill(&client, &format!("{product} [name='name']"), "EXC-100 network camera").await;
        fill(&client, &format!("{product} [name='model']"), "EXC-100").await;
        // Rows as pasted from a spreadsheet (a tab would move the focus: commas here).
        fill(
            &client,
            &format!("{product} [name='models']"),
            "EXC-100, 4901234567894\nEXC-100W, 4901234567887\nEXC-100B, 4901234567870",
        )
        .await;
        fill(&client, &format!("{product} [name='firmware_version']"), "2.4.1").await;
        client
            .execute(
                "document.querySelector(\"form[action='/vendor/products'] [name='product_type']\").value = 'network-camera';",
                Vec::new(),
            )
            .await
            .unwrap();
        fill(&client, &format!("{product} [name='support_end']"), "03312030").await;
        fill(&client, &format!("{product} [name='vulnerability_contact']"), "https://example.com/security").await;
        submit(&client, product).await;
        let product_url = wait_for_path(&client, "/vendor/products/").await;
        let text = page_text(&client).await;
        assert!(text.contains("4901234567870"), "the product page lists the series: {text}");

        // Uploads the signed declaration and the SBOM, and logs out.
        let form = client
            .find(Locator::Css("form[enctype='multipart/form-data'][action$='/applications']"))
            .await
            .expect("the upload form on the product page");
        form.find(Locator::Css("[name='declaration']"))
            .await
            .unwrap()
            .send_keys(declaration.to_str().unwrap())
            .await
            .unwrap();
        form.find(Locator::Css("[name='sbom']")).await.unwrap().send_keys(sbom.to_str().unwrap()).await.unwrap();
        click_and_wait(form.find(Locator::Css("[type='submit']")).await.unwrap()).await;
        let text = page_text(&client).await;
        assert!(text.to_lowercase().contains("submitted"), "the application is submitted: {text}");
        submit(&client, "form[action='/logout']").await;

        // The reviewer opens it from the queue and approves it.
        client.goto(&format!("{base}/login?lang=en")).await.unwrap();
        fill(&client, "[name='email']", "review@ipa.example").await;
        fill(&client, "[name='password']", "reviewer password 1").await;
        submit(&client, "form[action='/login']").await;
        client.goto(&format!("{base}/review")).await.unwrap();
        click_and_wait(
            client.find(Locator::Css("a[href^='/review/applications/']")).await.expect("the queue lists it"),
        )
        .await;
        approve_in_browser(&client).await;
        let url = wait_for_path(&client, "/labels/").await;
        assert!(url.path().starts_with("/labels/JC1-2026-"), "approval leads to the label page: {url}");
        let number = url.path().trim_start_matches("/labels/").to_owned();
        // The public label page has the visitor's header: the log-out button is on staff pages.
        client.goto(&format!("{base}/review")).await.unwrap();
        submit(&client, "form[action='/logout']").await;

        // The vendor publishes a release with the vulnerable OpenSSL (a case opens), then the
        // fix (the case closes), from its label page, reached from its dashboard.
        client.goto(&format!("{base}/login?lang=en")).await.unwrap();
        fill(&client, "[name='email']", "sato@example.com").await;
        fill(&client, "[name='password']", "correct horse battery").await;
        submit(&client, "form[action='/login']").await;
        client.goto(&format!("{base}/vendor?lang=en")).await.unwrap();
        client
            .find(Locator::Css(&format!("a[href='/vendor/labels/{number}']")))
            .await
            .expect("the dashboard links the vendor's label page");
        let text = release_in_browser(&client, &base, &number, "2.5.0", &vulnerable).await;
        assert_eq!(case_statuses(&client).await, ["under correction (grace period)"], "the release opened a case: {text}");
        let text = release_in_browser(&client, &base, &number, "2.5.1", &fixed).await;
        assert_eq!(case_statuses(&client).await, ["closed"], "the fix closed the case: {text}");

        // Extends the support period on the product page.
        client.goto(product_url.as_str()).await.unwrap();
        fill(&client, "form[action$='/support'] [name='support_end']", "03312031").await;
        submit(&client, "form[action$='/support']").await;
        let url = wait_for_path(&client, "/vendor/products/").await;
        assert_eq!(url.path(), product_url.path());

        // The QR code leads to the label's page, which shows the series, both releases and the
        // new end of support.
        let png = http_get(port, &format!("/labels/{number}/qr.png")).await;
        let target = decode_qr(&png);
        assert_eq!(target, format!("{base}/labels/{number}"));
        client.goto(&format!("{target}?lang=en")).await.unwrap();
        let text = page_text(&client).await;
        for expected in ["EXC-100W", "EXC-100B", "4901234567870", "2.5.0", "2.5.1", "Update history", "2031-03-31"] {
            assert!(text.contains(expected), "`{expected}` on the label page: {text}");
        }

        // A seller finds the label by one GTIN and sees both releases in the changes feed.
        let found: serde_json::Value =
            serde_json::from_slice(&http_get(port, "/api/v1/labels?model=4901234567887").await).unwrap();
        assert_eq!(found["total"], 1, "{found}");
        assert_eq!(found["labels"][0]["number"], number.as_str(), "{found}");
        assert_eq!(found["labels"][0]["firmware"], "2.5.1", "{found}");
        let feed: serde_json::Value = serde_json::from_slice(&http_get(port, "/api/v1/changes").await).unwrap();
        let releases = feed["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "firmware-released" && e["label"] == number.as_str())
            .count();
        assert_eq!(releases, 2, "{feed}");
    }
    .await;
    client.close().await.ok();
    result
}

// ---------------------------------------------------------------------------------------------
// ★3: a lab on the register evaluates, the vendor applies with its report, staff issue the label

/// The whole ★3 path in the browser, on each database: staff register a lab; the lab's signed
/// report (the sample camera's real probe report and SBOM check, with the lab's binary analysis)
/// is countersigned and uploaded by the vendor; the registry checks the lab; the reviewer issues a
/// third-party ★3 label whose page names the lab; the lab's accreditation lapses and a case opens.
async fn star_three_in_the_browser(registry: &Registry) {
    use tekigo_assess::declaration::Accreditation;
    use tekigo_testkit::{Cosigner, TODAY, public_pem, signed_upper_level_sample};

    let Some((_driver, driver_port)) = start_chromedriver() else { return };
    let work = tempfile::tempdir().unwrap();
    let clock = Clock::system();
    clock.set_today(TODAY);
    registry
        .create_staff(None, "review@ipa.example", "Reviewer", Role::Reviewer, "reviewer password 1", clock.now())
        .await
        .unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(tekigo_web::serve(listener, AppState::new(registry.clone(), clock.clone(), &base)));

    let vendor_key = SigningKey::from_bytes(&[41; 32]);
    let lab_key = SigningKey::from_bytes(&[42; 32]);
    let (report, sbom) = signed_upper_level_sample(
        "3",
        Some(&vendor_key),
        Some(Cosigner {
            key: &lab_key,
            name: "Kenji Mori",
            organisation: "Example Security Lab K.K.",
            accreditation: Some(Accreditation { body: "IAJapan".into(), number: "RTL-04211".into() }),
        }),
    );
    let report_path = work.path().join("declaration.json");
    std::fs::write(&report_path, &report).unwrap();
    let sbom_path = work.path().join("sbom.cdx.json");
    std::fs::write(&sbom_path, &sbom).unwrap();

    let client = browser(driver_port).await;
    let result = async {
        // Staff register the lab.
        log_in(&client, &base, "review@ipa.example", "reviewer password 1").await;
        client.goto(&format!("{base}/review/labs?lang=en")).await.unwrap();
        let form = "form[action='/review/labs']";
        fill(&client, &format!("{form} [name='name']"), "Example Security Lab K.K.").await;
        fill(&client, &format!("{form} [name='accreditation_body']"), "IAJapan").await;
        fill(&client, &format!("{form} [name='accreditation_number']"), "RTL-04211").await;
        fill(&client, &format!("{form} [name='contact']"), "lab@example.jp").await;
        fill(&client, &format!("{form} [name='scope']"), "network-camera:3,4").await;
        fill(&client, &format!("{form} [name='from']"), "2026-04-01").await;
        fill(&client, &format!("{form} [name='valid_until']"), "2028-03-31").await;
        fill(&client, &format!("{form} [name='public_key_pem']"), &public_pem(&lab_key)).await;
        submit(&client, form).await;
        let lab_url = wait_for_path(&client, "/labs/").await;
        let text = page_text(&client).await;
        assert!(text.contains("IAJapan RTL-04211") && text.contains("network-camera ★3 ★4"), "{text}");
        // Staff open an account for the lab's staff (from the staff page: the lab's page is
        // public, without the session's chrome), then log out.
        client.goto(&format!("{base}/review/labs?lang=en")).await.unwrap();
        let lab_id = lab_url.path().trim_start_matches("/labs/").to_owned();
        let accounts = format!("form[action='/review/labs/{lab_id}/accounts']");
        fill(&client, &format!("{accounts} [name='email']"), "mori@lab.example.jp").await;
        fill(&client, &format!("{accounts} [name='name']"), "Kenji Mori").await;
        fill(&client, &format!("{accounts} [name='password']"), "lab password 12345").await;
        submit(&client, &accounts).await;
        submit(&client, "form[action='/logout']").await;

        // The vendor signs up and registers its key and the camera.
        client.goto(&format!("{base}/signup?lang=en")).await.unwrap();
        fill(&client, "[name='organisation']", "Example Devices K.K.").await;
        fill(&client, "[name='name']", "Taro Sato").await;
        fill(&client, "[name='email']", "sato@example.com").await;
        fill(&client, "[name='password']", "correct horse battery").await;
        submit(&client, "form[action='/signup']").await;
        client.goto(&format!("{base}/vendor?lang=en")).await.unwrap();
        fill(&client, "form[action='/vendor/keys'] [name='pem']", &public_pem(&vendor_key)).await;
        submit(&client, "form[action='/vendor/keys']").await;
        client.goto(&format!("{base}/vendor?lang=en")).await.unwrap();
        let product = "form[action='/vendor/products']";
        fill(&client, &format!("{product} [name='name']"), "EXC-100 network camera").await;
        fill(&client, &format!("{product} [name='model']"), "EXC-100").await;
        fill(&client, &format!("{product} [name='firmware_version']"), "2.4.1").await;
        client
            .find(Locator::Css(&format!("{product} [name='product_type'] option[value='network-camera']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        fill(&client, &format!("{product} [name='support_end']"), "03312030").await;
        fill(&client, &format!("{product} [name='vulnerability_contact']"), "https://example.com/security").await;
        submit(&client, product).await;
        // The vendor engages the lab for ★3 on the product's page.
        let engage = "form[action$='/engagements']";
        client
            .find(Locator::Css(&format!("{engage} [name='level'] option[value='3']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        submit(&client, engage).await;
        let text = page_text(&client).await;
        assert!(
            text.contains("Example Security Lab K.K.") && text.contains("open"),
            "the engagement is listed: {text}"
        );
        submit(&client, "form[action='/logout']").await;

        // The lab's staff submit the countersigned report and the SBOM for the vendor.
        log_in(&client, &base, "mori@lab.example.jp", "lab password 12345").await;
        client.goto(&format!("{base}/lab?lang=en")).await.unwrap();
        let form = client
            .find(Locator::Css("form[action^='/lab/engagements/']"))
            .await
            .expect("the engagement's upload form on the lab's page");
        form.find(Locator::Css("[name='declaration']"))
            .await
            .unwrap()
            .send_keys(report_path.to_str().unwrap())
            .await
            .unwrap();
        form.find(Locator::Css("[name='sbom']")).await.unwrap().send_keys(sbom_path.to_str().unwrap()).await.unwrap();
        click_and_wait(form.find(Locator::Css("[type='submit']")).await.unwrap()).await;
        let url = wait_for_path(&client, "/lab").await;
        assert_eq!(url.query(), Some("submitted=1"), "the report is submitted: {}", page_text(&client).await);
        submit(&client, "form[action='/logout']").await;

        // The reviewer sees the lab check, records the fee and issues the label.
        log_in(&client, &base, "review@ipa.example", "reviewer password 1").await;
        client.goto(&format!("{base}/review?lang=en")).await.unwrap();
        click_and_wait(
            client.find(Locator::Css("a[href^='/review/applications/']")).await.expect("the queue lists it"),
        )
        .await;
        let text = page_text(&client).await;
        assert!(
            text.contains(
                "evaluated by Example Security Lab K.K. (IAJapan RTL-04211), accredited for network-camera at level 3"
            ),
            "the lab check on the review page: {text}"
        );
        fill(&client, "form[action$='/fee'] [name='yen']", "900000").await;
        fill(&client, "form[action$='/fee'] [name='reference']", "INV-2026-0300").await;
        submit(&client, "form[action$='/fee']").await;
        submit(&client, "form[action$='/approve']").await;
        let url = wait_for_path(&client, "/labels/").await;
        assert!(url.path().starts_with("/labels/JC3-"), "approval leads to the ★3 label page: {url}");
        let number = url.path().trim_start_matches("/labels/").to_owned();
        client.goto(&format!("{base}/labels/{number}?lang=en")).await.unwrap();
        let text = page_text(&client).await;
        assert!(
            text.contains("certified after a third-party evaluation")
                && text.contains("Evaluated by")
                && text.contains("Example Security Lab K.K. (IAJapan RTL-04211)"),
            "the product page names the lab: {text}"
        );
        client.goto(&format!("{base}/labels/{number}?lang=ja")).await.unwrap();
        assert!(page_text(&client).await.contains("評価機関"), "in Japanese too");

        // An incident of case B-1 names the lab, whose staff read it on their page and record
        // how they improve their evaluation (SCHEME §6).
        let staff = registry
            .create_staff(
                None,
                "incidents@ipa.example",
                "Incident desk",
                Role::Reviewer,
                "incident desk pw 1",
                clock.now(),
            )
            .await
            .unwrap();
        let incident = registry
            .record_incident(
                &staff,
                &tekigo_registry::incidents::NewIncident {
                    label_number: number.clone(),
                    occurred: "2026-11-26".into(),
                    cause: tekigo_registry::incidents::Cause::ProductSecurity,
                    vendor_gave_information: true,
                    product_met_criteria: false,
                    requirements: vec!["S1.1-01".into()],
                    summary: "Default credentials found on a shipped unit".into(),
                },
                TODAY,
                clock.now(),
            )
            .await
            .unwrap();
        client.goto(&format!("{base}/review?lang=en")).await.unwrap();
        submit(&client, "form[action='/logout']").await;
        log_in(&client, &base, "mori@lab.example.jp", "lab password 12345").await;
        let home = wait_for_path(&client, "/lab").await;
        assert_eq!(home.path(), "/lab", "a lab's staff land on their lab's page");
        client.goto(&format!("{base}/lab?lang=en")).await.unwrap();
        let text = page_text(&client).await;
        assert!(
            text.contains("Default credentials found on a shipped unit") && text.contains("a product you evaluated"),
            "{text}"
        );
        let form = format!("form[action='/lab/incidents/{}/improvement']", incident.incident.id);
        fill(&client, &format!("{form} [name='improvement']"), "Credential checks now cover every shipped image").await;
        submit(&client, &form).await;
        client.goto(&format!("{base}/lab?lang=en")).await.unwrap();
        let text = page_text(&client).await;
        assert!(text.contains("Improvement recorded: Credential checks now cover every shipped image"), "{text}");
        submit(&client, "form[action='/logout']").await;

        // Fifteen months on, the lab re-confirms and staff extend the label (SCHEME §5.1).
        clock.set_today(date(2028, 3, 1));
        // The session from fifteen months ago has expired: log in again.
        log_in(&client, &base, "review@ipa.example", "reviewer password 1").await;
        client.goto(&format!("{base}/review/labels/{number}?lang=en")).await.unwrap();
        fill(&client, "form[action^='/review/extensions/'] [name='reconfirmation']", "RTL-04211/RC-2028-02").await;
        submit(&client, "form[action^='/review/extensions/']").await;
        wait_for_path(&client, "/labels/").await;
        client.goto(&format!("{base}/labels/{number}?lang=en")).await.unwrap();
        let text = page_text(&client).await;
        assert!(text.contains("Expires 2030-03-01") && text.contains("re-confirmed by lab"), "{text}");

        // The accreditation lapses: staff record it, the lab's page says so, a case opens.
        client.goto(&format!("{base}/review/labs?lang=en")).await.unwrap();
        let form = format!("form[action='/review/labs/{lab_id}']");
        client
            .find(Locator::Css(&format!("{form} [name='status'] option[value='lapsed']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        fill(&client, &format!("{form} [name='reason']"), "not renewed by IAJapan").await;
        submit(&client, &form).await;
        let url = wait_for_path(&client, "/labs/").await;
        client.goto(&format!("{base}{}?lang=en", url.path())).await.unwrap();
        let text = page_text(&client).await;
        assert!(text.contains("lapsed") && text.contains(&number), "{text}");
        let cases = registry.label_cases(&number).await.unwrap();
        // The incident's case is open already: the lapse joins it and records itself there.
        assert!(cases.iter().any(|case| case.detail["accreditation"] == "lapsed"), "{cases:?}");
        client.goto(&format!("{base}/labels/{number}?lang=en")).await.unwrap();
        let text = page_text(&client).await;
        assert!(text.contains("an incident investigation"), "the label page shows the case: {text}");
    }
    .await;
    client.close().await.ok();
    result
}
tekigo_testkit::on_both!(star_three_in_the_browser);
