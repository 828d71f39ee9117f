//! The QR code on every label: it encodes the label's product page URL, where a consumer finds the
//! product's current status (SCHEME §5.2: when it got the label, until when it is valid, whether
//! support has ended, vulnerability information).
//!
//! Two renderings of the same symbol, both meant for print and both deterministic (the same URL
//! always gives the same bytes, so a label's artwork can be compared and cached):
//! - [`svg`]: vector, for the label artwork and the web page;
//! - [`png`]: raster, for printing pipelines that want a bitmap.
//!
//! Both draw the 4-module quiet zone that ISO/IEC 18004 requires around the symbol, and both
//! carry a physical size of [`MODULE_MM`] per module, so an unscaled print of either is the same
//! size whatever the raster resolution.
//!
//! ## Error correction
//!
//! Printed labels get scuffed, scratched, folded over an edge or partly covered by a price
//! sticker, so the floor is level M (about 15 % of the codewords recoverable), not L. The
//! symbol's size is set by level M: the smallest version that holds the URL at M. Within that
//! version, whatever capacity the URL leaves over goes to error correction instead of padding:
//! the level is raised to H (about 30 %) or Q (about 25 %) when the URL still fits. So a label
//! never gets a larger, finer-grained symbol for the sake of robustness (at a fixed printed size,
//! a larger version means smaller modules, which is its own risk for a phone camera), but it
//! gets every bit of robustness that is free. A typical registry URL,
//! `https://registry.example/labels/JCS1-2026-000123` (48 bytes), is version 4 (33×33) at Q.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

/// The quiet zone around the symbol, in modules (ISO/IEC 18004: at least 4 for QR codes).
pub const QUIET_ZONE: usize = 4;

/// The printed size of one module when the artwork is not scaled: 0.5 mm.
///
/// Phone cameras read modules of about 0.3 mm and up at a normal scanning distance, and the rule
/// of thumb "symbol width ≥ scanning distance / 10" lets a version-4 symbol at 0.5 mm (16.5 mm
/// wide, 20.5 mm with the quiet zone) be read from about 16 cm. It is also small enough to sit on
/// a label beside the star mark. The SVG states it as its width and height in mm; the PNG states
/// it in its pHYs chunk (2000 pixels per metre per pixel-per-module).
pub const MODULE_MM: f64 = 0.5;

/// The PNG's resolution is this many pixels per metre for each pixel per module: 1 m / 0.5 mm.
const PX_PER_METRE_PER_PX_PER_MODULE: u32 = 2000;
const _: () = assert!(PX_PER_METRE_PER_PX_PER_MODULE as f64 * MODULE_MM == 1000.0);

/// The longest URL, in bytes, that [`svg`] and [`png`] accept: what a version-40 symbol at level
/// M holds in byte mode, so any URL up to this length fits whatever its characters are.
///
/// A URL this long makes a 177×177 symbol that no phone reads off a label; keep label URLs short
/// (`https://host/l/{id}`). The limit only guards against input that cannot be encoded at all.
pub const MAX_URL_BYTES: usize = 2331;

/// The largest `pixels_per_module` that [`png`] takes: 64 pixels per 0.5 mm module is 3251 dpi,
/// beyond any printer; a version-40 symbol at 64 is 11840 pixels square.
pub const MAX_PIXELS_PER_MODULE: u32 = 64;

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the URL is {len} bytes; a QR code holds a URL of at most {limit} bytes")]
    TooLong { len: usize, limit: usize },
    #[error("{0} pixels per module: must be 1 to {MAX_PIXELS_PER_MODULE}")]
    PixelsPerModule(u32),
    /// Not expected: any URL within [`MAX_URL_BYTES`] encodes.
    #[error("the QR encoder failed: {0}")]
    Encode(String),
    /// Not expected: the PNG is written to memory.
    #[error("the PNG encoder failed: {0}")]
    Png(String),
}

/// The symbol for a URL, built once and drawn by [`svg`], [`png`] and the label artwork
/// (`artwork.rs`), so that all of them carry the same modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    width: usize,
    dark: Vec<bool>,
}

impl Symbol {
    /// The symbol for `url`; see the module documentation for the version and the error
    /// correction level.
    pub fn new(url: &str) -> Result<Symbol, QrError> {
        let (width, dark) = encode(url)?;
        Ok(Symbol { width, dark })
    }

    /// The side in modules, without the quiet zone (21 for version 1, 4 more per version).
    pub fn width(&self) -> usize {
        self.width
    }

    /// The side in modules with the quiet zone on both sides.
    pub fn side_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// The dark modules as horizontal runs `(x, y, length)`, row by row, left to right, in
    /// modules from the symbol's top left corner without the quiet zone: a run is one rectangle
    /// for a vector drawing, which keeps the drawing small and free of seams between modules.
    pub fn runs(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.dark.chunks(self.width.max(1)).enumerate().flat_map(|(y, row)| {
            let mut x = 0;
            std::iter::from_fn(move || {
                while x < row.len() && !row[x] {
                    x += 1;
                }
                if x == row.len() {
                    return None;
                }
                let run = row[x..].iter().take_while(|&&d| d).count();
                let start = x;
                x += run;
                Some((start, y, run))
            })
        })
    }
}

/// The symbol for `url`, as a grid of dark (`true`) and light modules, row by row, without the
/// quiet zone. See the module documentation for the choice of error correction level.
fn encode(url: &str) -> Result<(usize, Vec<bool>), QrError> {
    if url.len() > MAX_URL_BYTES {
        return Err(QrError::TooLong { len: url.len(), limit: MAX_URL_BYTES });
    }
    // The version level M needs; only the winning level's symbol is built (building one, which
    // chooses the best of eight masks, is most of the time this takes).
    let encode_error = |e: qrcode::types::QrError| QrError::Encode(e.to_string());
    let at_m = qrcode::bits::encode_auto(url.as_bytes(), EcLevel::M).map_err(encode_error)?;
    let version = at_m.version();
    let code =
        match [EcLevel::H, EcLevel::Q].into_iter().find_map(|level| QrCode::with_version(url, version, level).ok()) {
            Some(code) => code,
            None => QrCode::with_bits(at_m, EcLevel::M).map_err(encode_error)?,
        };
    let width = code.width();
    let dark = code.into_colors().into_iter().map(|c| c == Color::Dark).collect();
    Ok((width, dark))
}

/// A print-ready SVG of the QR code for `url`.
///
/// The view box counts modules (quiet zone included), so the drawing scales to any size without
/// resampling; `shape-rendering="crispEdges"` keeps module edges sharp when it does. The dark
/// modules are one `<path>`, a rectangle per horizontal run, over a white background (a
/// transparent background would take the colour of the label stock, which may be too dark or
/// patterned for a scanner). The `<title>` is the URL, for screen readers and tooltips.
///
/// The width and height are in millimetres ([`MODULE_MM`] per module), not pixels: an SVG
/// opened or printed on its own then comes out at a scannable physical size, and an SVG placed
/// in a layout (CSS width, an `<img>` with a size, a PDF template) is scaled to the layout's size
/// as usual, since the view box, not the width, defines the drawing.
pub fn svg(url: &str) -> Result<String, QrError> {
    let symbol = Symbol::new(url)?;
    let side = symbol.side_with_quiet_zone();
    let mm = side as f64 * MODULE_MM;
    let mut path = String::new();
    for (x, y, run) in symbol.runs() {
        // A `write!` to a String cannot fail.
        let _ = write!(path, "M{} {}h{run}v1h-{run}z", x + QUIET_ZONE, y + QUIET_ZONE);
    }
    Ok(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {side} {side}" "#,
            r#"width="{mm}mm" height="{mm}mm" shape-rendering="crispEdges">"#,
            "\n<title>{title}</title>\n",
            r##"<rect width="{side}" height="{side}" fill="#fff"/>"##,
            "\n",
            r##"<path fill="#000" d="{path}"/>"##,
            "\n</svg>\n",
        ),
        side = side,
        mm = mm,
        title = xml_escape(url),
        path = path,
    ))
}

/// `text` with the five XML special characters escaped, for element content or an attribute.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A print-ready PNG of the QR code for `url`, `pixels_per_module` pixels per module (1 to
/// [`MAX_PIXELS_PER_MODULE`]), quiet zone included.
///
/// The image is 1-bit grayscale: a QR code has two colours, and 1 bit keeps the file small and
/// leaves no grey for a printer to dither. The pHYs chunk sets the resolution so that an unscaled
/// print has [`MODULE_MM`] per module: `pixels_per_module` × 2000 pixels per metre, which is
/// 50.8 dpi per pixel per module (6 gives 305 dpi, a good value for print; 10 gives 508 dpi).
pub fn png(url: &str, pixels_per_module: u32) -> Result<Vec<u8>, QrError> {
    if !(1..=MAX_PIXELS_PER_MODULE).contains(&pixels_per_module) {
        return Err(QrError::PixelsPerModule(pixels_per_module));
    }
    let (width, dark) = encode(url)?;
    let scale = pixels_per_module as usize;
    let side_px = (width + 2 * QUIET_ZONE) * scale;
    let row_bytes = side_px.div_ceil(8);

    // In 1-bit grayscale, 1 is white: start from an all-white image (the padding bits at the end
    // of each row are ignored by decoders) and clear the bits of the dark modules.
    let mut image = vec![0xffu8; row_bytes * side_px];
    for (y, row) in dark.chunks(width).enumerate() {
        let first_line = (y + QUIET_ZONE) * scale;
        let line = &mut image[first_line * row_bytes..(first_line + 1) * row_bytes];
        for (x, _) in row.iter().enumerate().filter(|(_, d)| **d) {
            for px in (x + QUIET_ZONE) * scale..(x + QUIET_ZONE + 1) * scale {
                line[px / 8] &= !(0x80 >> (px % 8));
            }
        }
        let (done, rest) = image.split_at_mut((first_line + 1) * row_bytes);
        let line = &done[first_line * row_bytes..];
        for copy in rest.chunks_mut(row_bytes).take(scale - 1) {
            copy.copy_from_slice(line);
        }
    }

    let side_px = u32::try_from(side_px).map_err(|e| QrError::Png(e.to_string()))?;
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, side_px, side_px);
    encoder.set_color(::png::ColorType::Grayscale);
    encoder.set_depth(::png::BitDepth::One);
    encoder.set_compression(::png::Compression::High);
    encoder.set_pixel_dims(Some(::png::PixelDimensions {
        xppu: pixels_per_module * PX_PER_METRE_PER_PX_PER_MODULE,
        yppu: pixels_per_module * PX_PER_METRE_PER_PX_PER_MODULE,
        unit: ::png::Unit::Meter,
    }));
    let png_error = |e: ::png::EncodingError| QrError::Png(e.to_string());
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&image).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL_URL: &str = "https://registry.example/labels/JCS1-2026-000123";

    /// What a phone would read from the PNG: decoded to 8-bit luma, searched and read by rqrr.
    /// Also returns the error correction level rqrr saw (its raw format bits: M 0, L 1, H 2, Q 3).
    fn scan(png_bytes: &[u8]) -> (String, u16) {
        let mut decoder = ::png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(::png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.color_type, info.bit_depth), (::png::ColorType::Grayscale, ::png::BitDepth::Eight));
        let (w, h) = (info.width as usize, info.height as usize);
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * info.line_size + x]);
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        let (meta, content) = grids[0].decode().unwrap();
        (content, meta.ecc_level)
    }

    fn round_trip(url: &str) {
        assert_eq!(scan(&png(url, 4).unwrap()).0, url);
    }

    #[test]
    fn a_label_url_scans_back_at_level_q() {
        let (content, level) = scan(&png(LABEL_URL, 10).unwrap());
        assert_eq!(content, LABEL_URL);
        assert_eq!(level, 3, "Q fits version 4, the version M needs");
    }

    #[test]
    fn urls_scan_back_exactly() {
        round_trip("https://registry.example/labels/JCS1-2026-000123?lang=ja&from=label#status");
        round_trip("https://registry.example/search?q=%E3%82%AB%E3%83%A1%E3%83%A9&level=%E2%98%851");
        // 例え.テスト, the IDN test domain, in its ASCII (punycode) form as a URL carries it.
        round_trip("https://xn--r8jz45g.xn--zckzah/labels/JCS1-2026-000123");
        let long = format!("https://registry.example/labels/JCS1-2026-000123?{}", "utm_source=label&x=1%202".repeat(6));
        assert!((190..=210).contains(&long.len()), "{}", long.len());
        round_trip(&long);
    }

    #[test]
    fn one_pixel_per_module_scans_too() {
        assert_eq!(scan(&png(LABEL_URL, 1).unwrap()).0, LABEL_URL);
    }

    #[test]
    fn png_size_quiet_zone_and_resolution() {
        let bytes = png(LABEL_URL, 10).unwrap();
        let reader = ::png::Decoder::new(std::io::Cursor::new(&bytes)).read_info().unwrap();
        let info = reader.info();
        // Version 4: 33 modules, and 4 on each side.
        assert_eq!((info.width, info.height), (410, 410));
        assert_eq!((info.color_type, info.bit_depth), (::png::ColorType::Grayscale, ::png::BitDepth::One));
        let dims = info.pixel_dims.unwrap();
        assert_eq!((dims.xppu, dims.yppu, dims.unit), (20_000, 20_000, ::png::Unit::Meter));
        assert!((dims.xppu as f64 * 0.0254 - 508.0).abs() < 0.1, "10 px per 0.5 mm module = 508 dpi");

        // The quiet zone is white and the finder pattern's corner starts right after it.
        let mut decoder = ::png::Decoder::new(std::io::Cursor::new(&bytes));
        decoder.set_transformations(::png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let px = |x: usize, y: usize| buf[y * info.line_size + x];
        for i in 0..410 {
            for q in (0..40).chain(370..410) {
                assert_eq!((px(i, q), px(q, i)), (255, 255), "quiet zone at {i},{q}");
            }
        }
        assert_eq!(px(40, 40), 0);
        assert_eq!(px(369, 40), 0);
        assert_eq!(px(40, 369), 0);
        assert_eq!(px(369, 369), 255, "no finder pattern bottom right");
    }

    #[test]
    fn pixels_per_module_out_of_range() {
        for bad in [0, MAX_PIXELS_PER_MODULE + 1, u32::MAX] {
            let err = png(LABEL_URL, bad).unwrap_err();
            assert!(matches!(err, QrError::PixelsPerModule(n) if n == bad), "{err}");
        }
        assert!(png(LABEL_URL, MAX_PIXELS_PER_MODULE).is_ok());
    }

    #[test]
    fn svg_snapshot() {
        insta::assert_snapshot!(svg(LABEL_URL).unwrap());
    }

    #[test]
    fn svg_is_sized_in_mm_and_in_modules() {
        let svg = svg(LABEL_URL).unwrap();
        assert!(svg.contains(r#"viewBox="0 0 41 41""#), "{svg}");
        assert!(svg.contains(r#"width="20.5mm" height="20.5mm""#), "{svg}");
        assert!(svg.contains(r#"shape-rendering="crispEdges""#));
        assert_eq!(svg.matches("<path").count(), 1);
        assert!(!svg.contains("px"));
    }

    /// The SVG's path and the PNG's pixels draw the same modules.
    #[test]
    fn svg_and_png_agree() {
        let svg = svg(LABEL_URL).unwrap();
        let d = svg.split(r#" d=""#).nth(1).unwrap().split('"').next().unwrap();
        let mut grid = vec![vec![false; 41]; 41];
        for rect in d.split('M').skip(1) {
            let (xy, rest) = rect.split_once('h').unwrap();
            let (x, y) = xy.split_once(' ').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let run: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            assert!(run > 0 && x + run <= 37 && y < 37 && x >= 4 && y >= 4, "{rect}");
            for cell in &mut grid[y][x..x + run] {
                assert!(!*cell, "runs overlap at {rect}");
                *cell = true;
            }
        }
        let mut decoder = ::png::Decoder::new(std::io::Cursor::new(png(LABEL_URL, 3).unwrap()));
        decoder.set_transformations(::png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        for (y, row) in grid.iter().enumerate() {
            for (x, &dark) in row.iter().enumerate() {
                for (dx, dy) in [(0, 0), (2, 0), (0, 2), (2, 2), (1, 1)] {
                    let luma = buf[(y * 3 + dy) * info.line_size + x * 3 + dx];
                    assert_eq!(luma == 0, dark, "module {x},{y}");
                }
            }
        }
    }

    #[test]
    fn svg_title_escapes_the_url() {
        let svg = svg(r#"https://registry.example/a?b=1&c=<d>&e="f"&g='h'"#).unwrap();
        assert!(
            svg.contains(
                "<title>https://registry.example/a?b=1&amp;c=&lt;d&gt;&amp;e=&quot;f&quot;&amp;g=&apos;h&apos;</title>"
            ),
            "{svg}"
        );
        assert_eq!(svg.matches('<').count(), 6, "no markup from the URL: {svg}");
    }

    #[test]
    fn too_long_is_an_error_not_a_panic() {
        for len in [MAX_URL_BYTES + 1, 10_000, 1 << 20] {
            let url = format!("https://registry.example/{}", "a".repeat(len - 25));
            assert_eq!(url.len(), len);
            for result in [svg(&url).map(|_| ()), png(&url, 1).map(|_| ())] {
                let err = result.unwrap_err();
                assert!(matches!(err, QrError::TooLong { len: l, limit: MAX_URL_BYTES } if l == len));
                assert_eq!(
                    err.to_string(),
                    format!("the URL is {len} bytes; a QR code holds a URL of at most 2331 bytes")
                );
            }
        }
    }

    /// The limit is exact: any URL up to it encodes, whatever mix of characters (numeric and
    /// alphanumeric runs are cheaper than bytes, but switching modes has a cost).
    #[test]
    fn the_longest_urls_encode() {
        let fills = ["a", "A", "1", "a1", "aA", "A1a", "11a", "AA1", "111aaaAAA", "1a1aA1", "%2F", "é"];
        for fill in fills {
            let mut url = String::from("https://registry.example/");
            while url.len() < MAX_URL_BYTES {
                url.push_str(fill);
            }
            while url.len() > MAX_URL_BYTES {
                url.pop();
            }
            assert!(svg(&url).is_ok(), "{fill}: {}", url.len());
        }
        let digits = format!("HTTPS://X/{}", "1".repeat(MAX_URL_BYTES - 10));
        assert_eq!(svg(&digits).unwrap(), svg(&digits).unwrap());
    }

    #[test]
    fn deterministic() {
        for url in [LABEL_URL, "https://xn--r8jz45g.xn--zckzah/l/1"] {
            assert_eq!(svg(url).unwrap(), svg(url).unwrap());
            assert_eq!(png(url, 10).unwrap(), png(url, 10).unwrap());
            assert_eq!(png(url, 3).unwrap(), png(url, 3).unwrap());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever URL-ish text, at whatever resolution, the PNG scans back to it.
        #[test]
        fn any_printable_ascii_scans_back(url in "[ -~]{1,300}", pixels_per_module in 1u32..6) {
            let png = png(&url, pixels_per_module).unwrap();
            proptest::prop_assert_eq!(scan(&png).0, url);
        }
    }
}
