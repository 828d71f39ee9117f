//! A label page or a label print job renders one QR code per request: `svg` and `png` at 10
//! pixels per module for a typical registry URL.

use tekigo_web::labels::qr::{png, svg};

const LABEL_URL: &str = "https://registry.example/labels/JCS1-2026-000123";

fn main() {
    divan::main();
}

#[divan::bench]
fn svg_label_url() -> String {
    svg(divan::black_box(LABEL_URL)).unwrap()
}

#[divan::bench]
fn png_label_url_10_px_per_module() -> Vec<u8> {
    png(divan::black_box(LABEL_URL), divan::black_box(10)).unwrap()
}
