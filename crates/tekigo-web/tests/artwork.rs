//! The label artwork routes (`/labels/{number}/label.svg` and `label.pdf`) as a vendor's print
//! shop uses them: every offered width is fetched, rendered to pixels by real renderers (resvg for
//! the SVG, poppler's `pdftoppm` for the PDF) and its QR code read back by a real decoder; it must
//! lead to the label's product page. Without `pdftoppm` the PDF half is skipped, unless
//! `TEKIGO_REQUIRE_DAEMONS=1` (CI), where it fails.
//!
//! On SQLite only: the routes read one label, as the QR code routes do, and those run on both.

#![allow(clippy::print_stderr)]

use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tekigo_registry::Registry;
use tekigo_testkit::{NOW, TODAY};
use tekigo_web::labels::artwork::{HEIGHT_PER_WIDTH, OFFERED_WIDTHS_MM};
use tekigo_web::{AppState, Clock};
use tower::ServiceExt;

const BASE: &str = "https://registry.example";
/// Demo labels, numbered from JC1-2024-900000001 (issued in June 2024, before `TODAY`).
const DEMO_LABELS: i64 = 8;
/// The resolution both renderings are scanned at: a print shop's proof, and 5 or more pixels a
/// module at the smallest width.
const DPI: f32 = 300.0;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(&name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn get(router: &axum::Router, uri: &str, lang: &str) -> Reply {
    let request = Request::builder().uri(uri).header(header::ACCEPT_LANGUAGE, lang).body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec();
    Reply { status, headers, body }
}

async fn app() -> (axum::Router, Registry, tekigo_testkit::TestDb) {
    let (registry, db) = tekigo_testkit::open("sqlite").await.unwrap();
    assert_eq!(tekigo_registry::demo::fill(&registry, DEMO_LABELS, TODAY, NOW).await.unwrap(), DEMO_LABELS);
    let clock = Clock::system();
    clock.set_today(TODAY);
    (tekigo_web::router(AppState::new(registry.clone(), clock, BASE)), registry, db)
}

fn number(n: i64) -> String {
    format!("JC1-2024-{}", 900_000_000 + n)
}

/// The one QR code in a greyscale image, decoded.
fn scan(width: usize, height: usize, luma: impl Fn(usize, usize) -> u8) -> String {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the artwork");
    grids[0].decode().unwrap().1
}

/// The SVG rendered by resvg (without fonts: the text is left out, the QR code is paths).
fn scan_svg(svg: &str, width_mm: u32) -> String {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).unwrap();
    // usvg counts 96 px to the inch: the mm size comes out as the page size in px.
    let size = tree.size();
    let expected = width_mm as f32 / 25.4 * 96.0;
    assert!((size.width() - expected).abs() < 0.01, "{} px for {width_mm} mm", size.width());
    assert!((size.height() / size.width() - HEIGHT_PER_WIDTH as f32).abs() < 0.001);
    let scale = DPI / 96.0;
    let (w, h) = ((size.width() * scale).ceil() as u32, (size.height() * scale).ceil() as u32);
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).unwrap();
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(&tree, resvg::tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    let data = pixmap.data();
    scan(w as usize, h as usize, |x, y| data[(y * w as usize + x) * 4])
}

/// Whether `pdftoppm` runs here; if not, the reason is printed, or it is an error under
/// `TEKIGO_REQUIRE_DAEMONS=1`.
fn have_pdftoppm() -> bool {
    match Command::new("pdftoppm").arg("-v").output() {
        Ok(_) => true,
        Err(error) => {
            let why = format!("pdftoppm (Debian's poppler-utils) cannot run: {error}");
            assert!(
                !std::env::var("TEKIGO_REQUIRE_DAEMONS").is_ok_and(|v| v == "1"),
                "TEKIGO_REQUIRE_DAEMONS=1 but {why}"
            );
            eprintln!("skipped the PDF renderings: {why} (set TEKIGO_REQUIRE_DAEMONS=1 to make this an error)");
            false
        }
    }
}

/// The PDF rendered by poppler at [`DPI`], greyscale: its page size and its QR code.
fn scan_pdf(pdf: &[u8], width_mm: u32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("label.pdf");
    std::fs::write(&file, pdf).unwrap();
    let output = Command::new("pdftoppm")
        .args(["-r", &DPI.to_string(), "-gray", "-png", "-singlefile"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .output()
        .unwrap();
    assert!(output.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&output.stderr));
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(&png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    // Some poppler versions write grey as RGB: the first sample of each pixel is its luma.
    let samples = info.color_type.samples();
    let expected = f64::from(width_mm) / 25.4 * f64::from(DPI);
    assert!((f64::from(info.width) - expected).abs() <= 1.0, "{} px for {width_mm} mm", info.width);
    scan(info.width as usize, info.height as usize, |x, y| buf[y * info.line_size + x * samples])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_offered_size_scans_back_to_the_label_page() {
    let (router, registry, db) = app().await;
    let pdf_reader = have_pdftoppm();
    for n in [1, DEMO_LABELS] {
        let number = number(n);
        let page = format!("{BASE}/labels/{number}");
        for width in OFFERED_WIDTHS_MM {
            let svg = get(&router, &format!("/labels/{number}/label.svg?width_mm={width}"), "en").await;
            assert_eq!(svg.status, StatusCode::OK, "{}", svg.text());
            assert_eq!(svg.header(header::CONTENT_TYPE), "image/svg+xml");
            assert_eq!(svg.header(header::CACHE_CONTROL), "public, max-age=3600");
            assert_eq!(
                svg.header(header::CONTENT_DISPOSITION),
                format!("inline; filename=\"{number}-label-{width}mm.svg\"")
            );
            assert_eq!(svg.header(header::VARY), "cookie, accept-language");
            assert_eq!(scan_svg(&svg.text(), width), page, "{number}, SVG {width} mm");

            let pdf = get(&router, &format!("/labels/{number}/label.pdf?width_mm={width}"), "ja").await;
            assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
            assert_eq!(pdf.header(header::CONTENT_TYPE), "application/pdf");
            assert_eq!(
                pdf.header(header::CONTENT_DISPOSITION),
                format!("inline; filename=\"{number}-label-{width}mm.pdf\"")
            );
            assert!(pdf.body.starts_with(b"%PDF-"));
            if pdf_reader {
                assert_eq!(scan_pdf(&pdf.body, width), page, "{number}, PDF {width} mm");
            }
        }
    }
    db.drop_database(registry).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widths_default_and_refusals_are_bilingual() {
    let (router, registry, db) = app().await;
    let number = number(3);

    // No width: 30 mm. The SVG's text follows the visitor's language; the same request gives
    // the same bytes.
    let ja = get(&router, &format!("/labels/{number}/label.svg"), "ja").await;
    assert_eq!(ja.status, StatusCode::OK);
    assert!(ja.header(header::CONTENT_DISPOSITION).ends_with("-label-30mm.svg\""));
    assert!(ja.text().contains(r#"width="30mm""#));
    assert!(ja.text().contains(">有効期限 "), "{}", ja.text());
    assert_eq!(ja.body, get(&router, &format!("/labels/{number}/label.svg"), "ja").await.body);
    let en = get(&router, &format!("/labels/{number}/label.svg?width_mm=30"), "en").await;
    assert!(en.text().contains(">Valid until "));

    for (query, en_message, ja_message) in [
        (
            "width_mm=12",
            "a label 12 mm wide is too small: this label needs at least 20 mm",
            "幅 12 mm のラベルは小さすぎます",
        ),
        ("width_mm=0", "a label 0 mm wide is too small", "幅 0 mm のラベルは小さすぎます"),
        ("width_mm=abc", "the width must be a whole number of millimetres", "整数で指定してください"),
        ("width_mm=30.5", "the width must be a whole number of millimetres", "整数で指定してください"),
        ("width_mm=151", "a label 151 mm wide is too large: at most 150 mm", "大きすぎます"),
    ] {
        for file in ["label.svg", "label.pdf"] {
            let uri = format!("/labels/{number}/{file}?{query}");
            let reply = get(&router, &uri, "en").await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(reply.text().contains(en_message), "{uri}: {}", reply.text());
            let reply = get(&router, &uri, "ja").await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
            assert!(reply.text().contains(ja_message), "{uri}: {}", reply.text());
        }
    }

    // Only registered labels; a malformed number is no label either.
    for uri in [
        "/labels/JC1-2026-999999999/label.svg",
        "/labels/JC1-2026-999999999/label.pdf?width_mm=30",
        "/labels/%3Cscript%3E/label.svg",
    ] {
        assert_eq!(get(&router, uri, "en").await.status, StatusCode::NOT_FOUND, "{uri}");
    }

    // The product page links every offered width in both formats.
    let page = get(&router, &format!("/labels/{number}"), "en").await;
    for width in OFFERED_WIDTHS_MM {
        for file in ["label.svg", "label.pdf"] {
            let link = format!("href=\"/labels/{number}/{file}?width_mm={width}\"");
            assert!(page.text().contains(&link), "{link}");
        }
    }
    db.drop_database(registry).await;
}
