//! The real server on a loopback port, on tokio's worker threads as `tekigo serve` runs it: a
//! vendor uploads SBOMs built to overflow a reader's stack, each is refused with a message, and
//! the server goes on answering label verification. Before the readers had depth limits, the
//! first such upload aborted the whole process (this test binary with it).

use std::collections::BTreeMap;
use std::net::SocketAddr;

use ed25519_dalek::SigningKey;
use tekigo_registry::Registry;
use tekigo_testkit::{NOW, TODAY, on_both, public_pem, signed_sample};
use tekigo_web::{AppState, Clock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "correct horse battery";
const BOUNDARY: &str = "----tekigo-hostile-5b1e";

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let marker = r#"name="csrf" value=""#;
        let start = self.body.find(marker).unwrap_or_else(|| panic!("no csrf field in {}", self.body)) + marker.len();
        self.body[start..start + self.body[start..].find('"').unwrap()].to_owned()
    }
}

/// HTTP/1.1 by hand over TCP, one connection per request, cookies carried.
struct Client {
    address: SocketAddr,
    cookies: BTreeMap<String, String>,
}

impl Client {
    async fn request(&mut self, method: &str, path: &str, content_type: Option<&str>, body: &[u8]) -> Reply {
        let mut stream = tokio::net::TcpStream::connect(self.address).await.expect("the server still accepts");
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.address);
        if !self.cookies.is_empty() {
            let cookies: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            head.push_str(&format!("Cookie: {}\r\n", cookies.join("; ")));
        }
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("an answer, not a dropped connection");
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete answer");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        let mut body = raw[split + 4..].to_vec();
        if headers.iter().any(|(name, value)| name == "transfer-encoding" && value.contains("chunked")) {
            body = dechunk(&body);
        }
        for (_, cookie) in headers.iter().filter(|(name, _)| name == "set-cookie") {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Reply { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
    }

    async fn get(&mut self, path: &str) -> Reply {
        self.request("GET", path, None, b"").await
    }

    async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let encode = |text: &str| -> String {
            text.bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => char::from(b).to_string(),
                    other => format!("%{other:02X}"),
                })
                .collect()
        };
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        self.request("POST", path, Some("application/x-www-form-urlencoded"), body.join("&").as_bytes()).await
    }

    async fn post_files(&mut self, path: &str, csrf: &str, files: &[(&str, &[u8])]) -> Reply {
        let mut body =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
        for (name, data) in files {
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.request("POST", path, Some(&format!("multipart/form-data; boundary={BOUNDARY}")), &body).await
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
    out
}

fn nested_cyclonedx_xml(levels: usize) -> Vec<u8> {
    let mut xml = String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>"#);
    for _ in 0..levels {
        xml.push_str(r#"<component type="library"><name>x</name><components>"#);
    }
    for _ in 0..levels {
        xml.push_str("</components></component>");
    }
    xml.push_str("</components></bom>");
    xml.into_bytes()
}

fn nested_cyclonedx_json(levels: usize) -> Vec<u8> {
    let open = r#"{"type":"library","name":"x","components":["#.repeat(levels);
    format!(r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{open}{}]}}"#, "]}".repeat(levels))
        .into_bytes()
}

async fn deeply_nested_sboms_are_refused_and_the_server_keeps_answering(registry: &Registry) {
    tekigo_registry::demo::fill(registry, 3, TODAY, NOW).await.unwrap();
    let label = registry.changes(0, 1).await.unwrap().remove(0).label;
    let clock = Clock::system();
    clock.set_today(TODAY);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(tekigo_web::serve(listener, AppState::new(registry.clone(), clock, "http://127.0.0.1")));

    let mut vendor = Client { address, cookies: BTreeMap::new() };
    let csrf = vendor.get("/signup").await.csrf();
    let signed_up = vendor
        .post_form(
            "/signup",
            &[
                ("csrf", &csrf),
                ("organisation", "Example Devices K.K."),
                ("name", "Hanako Sato"),
                ("email", "sato@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed_up.status, 303, "{}", signed_up.body);
    let key = SigningKey::from_bytes(&[5; 32]);
    let csrf = vendor.get("/vendor").await.csrf();
    assert_eq!(vendor.post_form("/vendor/keys", &[("csrf", &csrf), ("pem", &public_pem(&key))]).await.status, 303);
    let product = [
        ("csrf", csrf.as_str()),
        ("name", "EXC-100 network camera"),
        ("model", "EXC-100"),
        ("firmware_version", "2.4.1"),
        ("product_type", "network-camera"),
        ("support_end", "2030-03-31"),
        ("vulnerability_contact", "https://example.com/security"),
    ];
    let created = vendor.post_form("/vendor/products", &product).await;
    assert_eq!(created.status, 303, "{}", created.body);
    // The demo labels hold products of their own: this one's page is where the redirect points.
    let product_page = created
        .headers
        .iter()
        .find(|(name, _)| name == "location")
        .map(|(_, value)| value.clone())
        .expect("the new product's page");
    let (declaration, _) = signed_sample(&key, "2.4.1");

    for (format, sbom) in [("XML", nested_cyclonedx_xml(20_000)), ("JSON", nested_cyclonedx_json(20_000))] {
        let csrf = vendor.get(&product_page).await.csrf();
        let refused = vendor
            .post_files(
                &format!("{product_page}/applications"),
                &csrf,
                &[("declaration", &declaration), ("sbom", &sbom)],
            )
            .await;
        assert_eq!(refused.status, 422, "{format}: {}", refused.body);
        assert!(refused.body.contains("deeper than 127 levels"), "{format}: {}", refused.body);
        assert!(!server.is_finished(), "the server still runs after the {format} upload");

        let verified = vendor.get(&format!("/api/v1/labels/{label}")).await;
        assert_eq!(verified.status, 200, "{}", verified.body);
        assert!(verified.body.contains(&label), "{}", verified.body);
        assert!(verified.headers.iter().any(|(name, value)| name == "content-type" && value.contains("json")));
    }
    assert_eq!(tekigo_testkit::count(registry, "applications").await, 0, "nothing was stored");
    server.abort();
}
on_both!(deeply_nested_sboms_are_refused_and_the_server_keeps_answering);
