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
        submit(&client, "form[action$='/approve']").await;

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
