//! A flood must not starve label verification: the real server on loopback, sixteen clients
//! hammering search (then log-in) while another verifies labels. Every verification is answered
//! 200; the flooders get 429 with `Retry-After` once their address's allowance is spent. No timed
//! assertion beyond a generous bound (the machine may be shared).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tekigo_registry::Registry;
use tekigo_web::{AppState, Clock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FLOODERS: usize = 16;
const FLOOD_FOR: Duration = Duration::from_secs(3);
/// A label the demo filler makes, valid on the test day.
const LABEL: &str = "JC1-2024-900000177";

/// One HTTP/1.1 request on a fresh connection: the status and the raw response.
async fn request(port: u16, head: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("the server accepts");
    let text =
        format!("{head}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response.get(9..12).and_then(|code| code.parse().ok()).unwrap_or(0);
    (status, response)
}

async fn server(labels: i64) -> (u16, tempfile::TempDir) {
    let work = tempfile::tempdir().unwrap();
    let registry = Registry::open(&tekigo_registry::default_url(work.path()), tekigo_testkit::catalog()).await.unwrap();
    tekigo_registry::demo::fill(&registry, labels, tekigo_testkit::TODAY, tekigo_testkit::NOW).await.unwrap();
    let clock = Clock::system();
    clock.set_today(tekigo_testkit::TODAY);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(tekigo_web::serve(listener, AppState::new(registry, clock, &format!("http://127.0.0.1:{port}"))));
    (port, work)
}

#[derive(Default)]
struct Tally {
    ok: AtomicUsize,
    limited: AtomicUsize,
    other: AtomicUsize,
}

/// Sixteen clients send `flood` (head, body) until told to stop, while one verifies the label
/// over and over; returns the flooders' tally and the verifications' count.
async fn flood_while_verifying(
    port: u16,
    head: &'static str,
    body: &'static str,
    flood_ok: u16,
) -> (Arc<Tally>, usize) {
    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let mut flooders = Vec::new();
    for _ in 0..FLOODERS {
        let (stop, tally) = (stop.clone(), tally.clone());
        flooders.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, response) = request(port, head, body).await;
                if status == flood_ok {
                    tally.ok.fetch_add(1, Ordering::Relaxed);
                } else if status == 429 {
                    assert!(response.to_ascii_lowercase().contains("\r\nretry-after: "), "{response}");
                    tally.limited.fetch_add(1, Ordering::Relaxed);
                } else {
                    tally.other.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let started = Instant::now();
    let mut verified = 0;
    while started.elapsed() < FLOOD_FOR {
        for path in [format!("/api/v1/labels/{LABEL}"), format!("/labels/{LABEL}"), format!("/labels/{LABEL}/qr.svg")] {
            let asked = Instant::now();
            let (status, response) = request(port, &format!("GET {path} HTTP/1.1"), "").await;
            assert_eq!(status, 200, "verification during the flood: {path}\n{response}");
            assert!(asked.elapsed() < Duration::from_secs(10), "{path} took {:?}", asked.elapsed());
            verified += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for flooder in flooders {
        flooder.await.unwrap();
    }
    (tally, verified)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_is_served_while_search_is_flooded() {
    let (port, _work) = server(2000).await;
    let (tally, verified) =
        flood_while_verifying(port, "GET /api/v1/labels?q=product%2012&limit=50 HTTP/1.1", "", 200).await;
    let (ok, limited, other) =
        (tally.ok.load(Ordering::Relaxed), tally.limited.load(Ordering::Relaxed), tally.other.load(Ordering::Relaxed));
    assert_eq!(other, 0, "flooders get their results or 429, nothing else");
    assert!((1..=60 + 10).contains(&ok), "one address's allowance is 60 at once and one a second: {ok} answered");
    assert!(limited > 0, "the flood was limited");
    assert!(verified >= 10, "verification kept being served: {verified} in {FLOOD_FOR:?}");
    // The HTML search shares the allowance: this address has spent it.
    let (status, response) = request(port, "GET /labels?q=product HTTP/1.1", "").await;
    assert_eq!(status, 429, "{response}");
    assert!(response.contains("Too many searches from your address"), "{response}");
    // A label number typed into the search box is verification, never limited.
    let (status, response) = request(port, &format!("GET /labels?q={LABEL} HTTP/1.1"), "").await;
    assert_eq!(status, 303, "{response}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_is_served_while_log_in_is_flooded() {
    let (port, _work) = server(300).await;
    // A script sets the double-submit cookie and field alike; the password is wrong.
    const CSRF: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let head: &'static str = Box::leak(
        format!(
            "POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nCookie: tekigo_csrf={CSRF}"
        )
        .into_boxed_str(),
    );
    let body: &'static str =
        Box::leak(format!("csrf={CSRF}&email=nobody%40example.com&password=not+the+password").into_boxed_str());
    let (tally, verified) = flood_while_verifying(port, head, body, 401).await;
    let (wrong, limited, other) =
        (tally.ok.load(Ordering::Relaxed), tally.limited.load(Ordering::Relaxed), tally.other.load(Ordering::Relaxed));
    assert_eq!(other, 0, "flooders get 401 or 429, nothing else");
    assert!(wrong <= 10 + 5, "one address's allowance is 10 log-ins at once: {wrong} were tried");
    assert!(limited > 0, "the flood was limited");
    assert!(verified >= 10, "verification kept being served: {verified} in {FLOOD_FOR:?}");
}
