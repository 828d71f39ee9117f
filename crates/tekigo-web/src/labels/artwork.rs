//! The printable label artwork that a vendor puts on its packaging: a neutral badge with the
//! level's stars, the QR code to the label's product page, the registration number and the end
//! of validity, as SVG ([`svg`]) or PDF ([`pdf`]), at a chosen width in millimetres.
//!
//! Why this file is long: the layout's fractions, the minimum-size rule and the two renderings
//! (SVG and PDF) must place every mark at the same position to a hundredth of a millimetre, so
//! they are read and changed together, with their tests beside them.
//!
//! The badge is the registry's own neutral mark (a rounded rectangle with the stars), not the
//! scheme owner's logo: that logo is a registered trademark whose use has its own rules, and the
//! artwork must be printable without them.
//!
//! Everything here is pure: the facts come in as [`LabelFacts`], independent of the registry's
//! types, and the same facts give the same bytes (no dates, identifiers or random names in the
//! files), so an artwork can be cached, compared and reproduced.
//!
//! ## Layout
//!
//! Every length is a fraction of the width `W`, so the artwork scales as a whole: the badge on top
//! (with the operator's logo at its right when there is one), the QR code with its quiet zone
//! across the inner width, then the number and the validity, centred. The height is
//! [`HEIGHT_PER_WIDTH`] × `W`.

use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine as _;
use jiff::civil::Date;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use tekigo_base::Lang;

use super::qr::{QUIET_ZONE, QrError, Symbol};

/// The widths the registry offers (links on the label page, and what the tests scan), in mm: from
/// a small device's box to a retail carton.
pub const OFFERED_WIDTHS_MM: [u32; 5] = [20, 25, 30, 40, 60];

/// The width when none is asked for.
pub const DEFAULT_WIDTH_MM: u32 = 30;

/// The widest artwork: beyond this a label is a poster, and a printer scales the vector anyway.
pub const MAX_WIDTH_MM: u32 = 150;

/// The smallest QR module the artwork prints.
///
/// A phone camera at an ordinary scanning distance (10-20 cm) resolves modules of about 0.25 mm
/// only in good light and focus; print guides for consumer QR codes put the reliable floor at
/// 0.3 mm and up, and a label on packaging is scuffed, curved and lit badly. So the artwork never
/// sets a module below 0.3 mm: the smallest width depends on the QR version the URL needs.
pub const MIN_MODULE_MM: f64 = 0.3;

/// The smallest width whatever the URL: at 20 mm the registration number is set at 1.7 mm
/// (about 4.8 pt) and the validity at 1.3 mm, about the smallest type that stays legible on
/// packaging. Below it the text, not the QR code, is what fails.
pub const MIN_TEXT_WIDTH_MM: u32 = 20;

/// The artwork's height over its width.
pub const HEIGHT_PER_WIDTH: f64 = 1.4;

/// The longest registration number printed: registry numbers are 18 characters; the bound keeps
/// an unexpected input from shrinking the type to nothing.
const MAX_NUMBER_CHARS: usize = 32;

/// The largest logo, in pixels per side: a logo is at most 0.2 W (12 mm at 60 mm), where 512
/// pixels are more than 1000 dpi; the bound keeps a PDF from carrying a photograph.
pub const MAX_LOGO_PIXELS: u32 = 512;

/// The largest logo file accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 1 << 20;

// The layout, as fractions of the width (see the module documentation).
const INSET: f64 = 0.05;
const INNER: f64 = 1.0 - 2.0 * INSET;
const BORDER: f64 = 0.012;
const BORDER_RADIUS: f64 = 0.06;
const BADGE_TOP: f64 = 0.05;
const BADGE_HEIGHT: f64 = 0.2;
const BADGE_RADIUS: f64 = 0.05;
const LOGO_GAP: f64 = 0.03;
const STAR_RADIUS: f64 = 0.075;
const STAR_PITCH: f64 = 0.16;
const QR_TOP: f64 = BADGE_TOP + BADGE_HEIGHT + 0.02;
const NUMBER_SIZE: f64 = 0.085;
const NUMBER_BASELINE: f64 = QR_TOP + INNER + 0.077;
const VALIDITY_SIZE: f64 = 0.065;
const VALIDITY_BASELINE: f64 = NUMBER_BASELINE + 0.081;
const _: () = assert!(VALIDITY_BASELINE + 0.02 + INSET <= HEIGHT_PER_WIDTH);

/// What a label's artwork shows, independent of how the registry stores a label.
#[derive(Debug, Clone, Copy)]
pub struct LabelFacts<'a> {
    /// The registration number, e.g. `JC1-2026-000123`.
    pub number: &'a str,
    /// The level, 1 to 4: the number of stars.
    pub level: u8,
    /// The last day the label is valid.
    pub valid_until: Date,
    /// The label's product page, which the QR code encodes.
    pub url: &'a str,
    /// The language of the SVG's text (the PDF's text is always English: see [`pdf`]).
    pub lang: Lang,
}

impl<'a> LabelFacts<'a> {
    /// The facts of a registered label whose product page is `url`. Only reads the label: the
    /// routes and the CLI share it.
    pub fn from_label(
        label: &'a tekigo_registry::Label,
        url: &'a str,
        lang: Lang,
    ) -> Result<LabelFacts<'a>, ArtworkError> {
        let level = label.level.parse::<u8>().map_err(|_| ArtworkError::Stored(format!("level `{}`", label.level)))?;
        let valid_until = label
            .expires
            .parse::<Date>()
            .map_err(|_| ArtworkError::Stored(format!("end of validity `{}`", label.expires)))?;
        Ok(LabelFacts { number: &label.number, level, valid_until, url, lang })
    }
}

/// Why no artwork could be made. The message is in English ([`std::fmt::Display`]) and in
/// Japanese ([`ArtworkError::japanese`]).
#[derive(Debug, thiserror::Error)]
pub enum ArtworkError {
    #[error("width_mm `{0}`: the width must be a whole number of millimetres, e.g. 30")]
    Width(String),
    #[error(
        "a label {width_mm} mm wide is too small: this label needs at least {min_mm} mm, so that each module of its \
         QR code (version {version}, {side} modules with the quiet zone) is at least 0.3 mm for a phone camera, and \
         its text at least 1.7 mm high"
    )]
    TooSmall { width_mm: u32, min_mm: u32, version: usize, side: usize },
    #[error("a label {width_mm} mm wide is too large: at most {MAX_WIDTH_MM} mm")]
    TooLarge { width_mm: u32 },
    #[error("level {0}: a label's level is 1 to 4")]
    Level(u8),
    #[error("the registration number must be 1 to {MAX_NUMBER_CHARS} printable ASCII characters")]
    Number,
    /// A stored label whose level or date does not read: the registry's data, not the request.
    #[error("the label's stored {0} cannot be drawn")]
    Stored(String),
    #[error("the logo is not usable: {0}")]
    Logo(String),
    #[error("the QR code cannot be made: {0}")]
    Qr(#[from] QrError),
    /// Not expected: the PDF's streams are compressed in memory.
    #[error("the PDF cannot be written: {0}")]
    Pdf(String),
}

impl ArtworkError {
    /// The message in Japanese.
    pub fn japanese(&self) -> String {
        match self {
            ArtworkError::Width(text) => {
                format!("width_mm「{text}」: 幅はミリメートル単位の整数で指定してください（例: 30）")
            }
            ArtworkError::TooSmall { width_mm, min_mm, version, side } => format!(
                "幅 {width_mm} mm のラベルは小さすぎます。このラベルには {min_mm} mm 以上が必要です\
                 （QR コード（バージョン {version}、クワイエットゾーンを含めて {side} モジュール）の各モジュールを\
                 スマートフォンのカメラで読めるよう 0.3 mm 以上とし、文字を 1.7 mm 以上とするため）"
            ),
            ArtworkError::TooLarge { width_mm } => {
                format!("幅 {width_mm} mm のラベルは大きすぎます（最大 {MAX_WIDTH_MM} mm）")
            }
            ArtworkError::Level(level) => format!("レベル {level}: ラベルのレベルは 1 から 4 です"),
            ArtworkError::Number => {
                format!("登録番号は 1 から {MAX_NUMBER_CHARS} 文字の印字可能な ASCII 文字でなければなりません")
            }
            ArtworkError::Stored(what) => format!("登録されているラベルの値を描画できません: {what}"),
            ArtworkError::Logo(why) => format!("ロゴを使用できません: {why}"),
            ArtworkError::Qr(error) => format!("QR コードを作成できません: {error}"),
            ArtworkError::Pdf(why) => format!("PDF を作成できません: {why}"),
        }
    }

    /// The message in `lang`.
    pub fn in_lang(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Ja => self.japanese(),
        }
    }

    /// Whether the request, not the registry, is at fault (an HTTP 400 rather than a 500).
    pub fn is_bad_request(&self) -> bool {
        matches!(self, ArtworkError::Width(_) | ArtworkError::TooSmall { .. } | ArtworkError::TooLarge { .. })
    }
}

/// `width_mm` as a query parameter or an option gives it: a whole number of millimetres. Its
/// range is checked with the label's QR code, by [`svg`] and [`pdf`].
pub fn parse_width(text: &str) -> Result<u32, ArtworkError> {
    text.trim().parse::<u32>().map_err(|_| ArtworkError::Width(text.chars().take(20).collect()))
}

/// The narrowest artwork, in whole mm, for a QR symbol of `side` modules (quiet zone included).
fn min_width_for(side: usize) -> u32 {
    // The QR code spans INNER × W: W ≥ side × MIN_MODULE_MM / INNER, rounded up to a whole mm;
    // the tolerance keeps a quotient that is whole but computed a hair above it from rounding up.
    let exact = side as f64 * MIN_MODULE_MM / INNER;
    ((exact - 1e-9).ceil() as u32).max(MIN_TEXT_WIDTH_MM)
}

/// The narrowest artwork for `url`, in whole mm.
pub fn min_width_mm(url: &str) -> Result<u32, ArtworkError> {
    Ok(min_width_for(Symbol::new(url)?.side_with_quiet_zone()))
}

/// An operator's logo: a PNG, placed at the right of the badge in both formats.
#[derive(Debug, Clone, Copy)]
pub struct Logo<'a> {
    pub png: &'a [u8],
}

/// A logo decoded: its size and 8-bit samples, colour and alpha apart (the PDF wants them so).
struct DecodedLogo<'a> {
    png: &'a [u8],
    width: u32,
    height: u32,
    /// 1 (grey) or 3 (RGB) components per pixel.
    components: u8,
    colour: Vec<u8>,
    alpha: Option<Vec<u8>>,
}

fn decode_logo(logo: Logo<'_>) -> Result<DecodedLogo<'_>, ArtworkError> {
    if logo.png.len() > MAX_LOGO_BYTES {
        return Err(ArtworkError::Logo(format!("{} bytes, at most {MAX_LOGO_BYTES}", logo.png.len())));
    }
    let bad = |e: png::DecodingError| ArtworkError::Logo(format!("not a PNG image: {e}"));
    let mut decoder = png::Decoder::new(std::io::Cursor::new(logo.png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(bad)?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width == 0 || height == 0 || width > MAX_LOGO_PIXELS || height > MAX_LOGO_PIXELS {
        return Err(ArtworkError::Logo(format!("{width}×{height} pixels, at most {MAX_LOGO_PIXELS} per side")));
    }
    let size = reader.output_buffer_size().ok_or_else(|| ArtworkError::Logo("too large".into()))?;
    let mut buf = vec![0; size];
    let frame = reader.next_frame(&mut buf).map_err(bad)?;
    let (components, has_alpha) = match frame.color_type {
        png::ColorType::Grayscale => (1, false),
        png::ColorType::GrayscaleAlpha => (1, true),
        png::ColorType::Rgb => (3, false),
        png::ColorType::Rgba => (3, true),
        png::ColorType::Indexed => return Err(ArtworkError::Logo("an indexed PNG that did not expand".into())),
    };
    let stride = usize::from(components) + usize::from(has_alpha);
    let mut colour = Vec::with_capacity(width as usize * height as usize * usize::from(components));
    let mut alpha = has_alpha.then(|| Vec::with_capacity(width as usize * height as usize));
    for line in buf.chunks(frame.line_size).take(height as usize) {
        for pixel in line.chunks(stride).take(width as usize) {
            colour.extend_from_slice(&pixel[..usize::from(components)]);
            if let (Some(alpha), Some(&a)) = (alpha.as_mut(), pixel.get(usize::from(components))) {
                alpha.push(a);
            }
        }
    }
    Ok(DecodedLogo { png: logo.png, width, height, components, colour, alpha })
}

// -------------------------------------------------------------------------------------------
// The layout, in millimetres from the top left corner

/// A piece of a vector outline.
#[derive(Debug, Clone, Copy)]
enum Seg {
    Move(f64, f64),
    Line(f64, f64),
    Cubic(f64, f64, f64, f64, f64, f64),
    Close,
}

/// A line of text, centred on `x`.
struct TextLine {
    x: f64,
    baseline: f64,
    size: f64,
    text: String,
}

/// Where everything goes, in mm.
struct Layout {
    width: f64,
    height: f64,
    border: Vec<Seg>,
    border_width: f64,
    badge: Vec<Seg>,
    stars: Vec<Seg>,
    /// The logo's box (x, y, width, height), its aspect kept.
    logo: Option<(f64, f64, f64, f64)>,
    /// The symbol's top left corner (quiet zone included) and the side of one module.
    qr_origin: (f64, f64),
    module: f64,
    symbol: Symbol,
    number: TextLine,
    validity: TextLine,
}

/// Bézier control distance for a quarter circle of radius 1.
const KAPPA: f64 = 0.552_284_749_831;

fn rounded_rect(x: f64, y: f64, w: f64, h: f64, r: f64) -> Vec<Seg> {
    let k = r * (1.0 - KAPPA);
    vec![
        Seg::Move(x + r, y),
        Seg::Line(x + w - r, y),
        Seg::Cubic(x + w - k, y, x + w, y + k, x + w, y + r),
        Seg::Line(x + w, y + h - r),
        Seg::Cubic(x + w, y + h - k, x + w - k, y + h, x + w - r, y + h),
        Seg::Line(x + r, y + h),
        Seg::Cubic(x + k, y + h, x, y + h - k, x, y + h - r),
        Seg::Line(x, y + r),
        Seg::Cubic(x, y + k, x + k, y, x + r, y),
        Seg::Close,
    ]
}

/// A five-pointed star around (cx, cy) with outer radius `r`, point up: ten corners alternating
/// between the outer and the inner radius (r × 0.382, the regular star's ratio).
fn star(cx: f64, cy: f64, r: f64) -> Vec<Seg> {
    let inner = r * 0.381_966;
    let mut segs = Vec::with_capacity(11);
    for i in 0..10 {
        let angle = (-90.0 + 36.0 * f64::from(i)).to_radians();
        let radius = if i % 2 == 0 { r } else { inner };
        let (x, y) = (cx + radius * angle.cos(), cy + radius * angle.sin());
        segs.push(if i == 0 { Seg::Move(x, y) } else { Seg::Line(x, y) });
    }
    segs.push(Seg::Close);
    segs
}

/// Helvetica's advance widths (thousandths of an em) for printable ASCII, from Adobe's metrics;
/// Arial, what most SVG renderers substitute, has the same widths. Anything else counts as a
/// full em (CJK ideographs and kana are).
fn advance(c: char) -> u32 {
    match c {
        ' ' | '!' | ',' | '.' | '/' | ':' | ';' | 'I' | '[' | ']' | '\\' | 'f' | 't' => 278,
        'i' | 'j' | 'l' | '\'' | '`' => 222,
        '0'..='9' | '#' | '$' | '?' | '_' | 'L' | 'a' | 'b' | 'd' | 'e' | 'g' | 'h' | 'n' | 'o' | 'p' | 'q' | 'u' => {
            556
        }
        '-' | '(' | ')' | 'r' => 333,
        '"' => 355,
        '%' => 889,
        '&' | 'A' | 'B' | 'E' | 'K' | 'P' | 'S' | 'V' | 'X' | 'Y' => 667,
        '*' => 389,
        '+' | '<' | '=' | '>' | '~' => 584,
        '@' => 1015,
        'C' | 'D' | 'H' | 'N' | 'R' | 'U' | 'w' => 722,
        'F' | 'T' | 'Z' => 611,
        'G' | 'O' | 'Q' => 778,
        'J' | 'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' => 500,
        'M' | 'm' => 833,
        'W' => 944,
        '^' => 469,
        '{' | '}' => 334,
        '|' => 260,
        _ => 1000,
    }
}

/// The width of `text` in ems.
fn text_ems(text: &str) -> f64 {
    f64::from(text.chars().map(advance).sum::<u32>()) / 1000.0
}

/// The validity line in `lang`.
fn validity_text(valid_until: Date, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Valid until {valid_until}"),
        Lang::Ja => format!("有効期限 {valid_until}"),
    }
}

fn layout(facts: &LabelFacts<'_>, width_mm: u32, logo: Option<&DecodedLogo<'_>>) -> Result<Layout, ArtworkError> {
    if !(1..=4).contains(&facts.level) {
        return Err(ArtworkError::Level(facts.level));
    }
    let number_ok = !facts.number.is_empty()
        && facts.number.len() <= MAX_NUMBER_CHARS
        && facts.number.bytes().all(|b| b.is_ascii_graphic());
    if !number_ok {
        return Err(ArtworkError::Number);
    }
    if width_mm > MAX_WIDTH_MM {
        return Err(ArtworkError::TooLarge { width_mm });
    }
    let symbol = Symbol::new(facts.url)?;
    let side = symbol.side_with_quiet_zone();
    let min_mm = min_width_for(side);
    if width_mm < min_mm {
        let version = (symbol.width().saturating_sub(17)) / 4;
        return Err(ArtworkError::TooSmall { width_mm, min_mm, version, side });
    }

    let w = f64::from(width_mm);
    let x0 = INSET * w;
    let inner = INNER * w;
    let badge_h = BADGE_HEIGHT * w;
    let badge_y = BADGE_TOP * w;
    let logo_side = if logo.is_some() { badge_h } else { 0.0 };
    let badge_w = inner - if logo.is_some() { logo_side + LOGO_GAP * w } else { 0.0 };

    // The stars' row is centred in the badge; a star's outline reaches r above its centre but
    // only r × cos 36° below, so the centre sits a little low for the star to look centred.
    let count = usize::from(facts.level);
    let r = STAR_RADIUS * w;
    let pitch = STAR_PITCH * w;
    let row = (count as f64 - 1.0) * pitch;
    let first_x = x0 + (badge_w - row) / 2.0;
    let cy = badge_y + badge_h / 2.0 + r * (1.0 - 36f64.to_radians().cos()) / 2.0;
    let stars = (0..count).flat_map(|i| star(first_x + i as f64 * pitch, cy, r)).collect();

    let logo_box = logo.map(|logo| {
        let (pw, ph) = (f64::from(logo.width), f64::from(logo.height));
        let scale = logo_side / pw.max(ph);
        let (lw, lh) = (pw * scale, ph * scale);
        (x0 + inner - logo_side + (logo_side - lw) / 2.0, badge_y + (logo_side - lh) / 2.0, lw, lh)
    });

    let fit = |text: &str, size: f64| (size * w).min(inner / text_ems(text).max(0.1));
    let validity = validity_text(facts.valid_until, facts.lang);
    let border_width = BORDER * w;
    Ok(Layout {
        width: w,
        height: HEIGHT_PER_WIDTH * w,
        border: rounded_rect(
            border_width / 2.0,
            border_width / 2.0,
            w - border_width,
            HEIGHT_PER_WIDTH * w - border_width,
            BORDER_RADIUS * w,
        ),
        border_width,
        badge: rounded_rect(x0, badge_y, badge_w, badge_h, BADGE_RADIUS * w),
        stars,
        logo: logo_box,
        qr_origin: (x0, QR_TOP * w),
        module: inner / side as f64,
        symbol,
        number: TextLine {
            x: w / 2.0,
            baseline: NUMBER_BASELINE * w,
            size: fit(facts.number, NUMBER_SIZE),
            text: facts.number.to_owned(),
        },
        validity: TextLine {
            x: w / 2.0,
            baseline: VALIDITY_BASELINE * w,
            size: fit(&validity, VALIDITY_SIZE),
            text: validity,
        },
    })
}

// -------------------------------------------------------------------------------------------
// SVG

/// A length for the SVG: three decimals (a micrometre), trailing zeros dropped, so the same
/// layout always prints the same text.
fn num(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

fn svg_path(segs: &[Seg]) -> String {
    let mut d = String::new();
    for seg in segs {
        // A `write!` to a String cannot fail.
        let _ = match *seg {
            Seg::Move(x, y) => write!(d, "M{} {}", num(x), num(y)),
            Seg::Line(x, y) => write!(d, "L{} {}", num(x), num(y)),
            Seg::Cubic(x1, y1, x2, y2, x, y) => {
                write!(d, "C{} {} {} {} {} {}", num(x1), num(y1), num(x2), num(y2), num(x), num(y))
            }
            Seg::Close => write!(d, "Z"),
        };
    }
    d
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The label artwork as SVG, `width_mm` wide.
///
/// The width and height are in mm and the view box counts mm, so the file prints at its size and
/// scales in a layout. The badge, the stars and the QR code are paths (the QR code one path of a
/// rectangle per run of dark modules, in module units under a transform, so no rounding opens a
/// seam between modules); the number and the validity are `<text>`, in `facts.lang`. A logo is
/// embedded as a PNG data URI.
pub fn svg(facts: &LabelFacts<'_>, width_mm: u32, logo: Option<Logo<'_>>) -> Result<String, ArtworkError> {
    let logo = logo.map(decode_logo).transpose()?;
    let l = layout(facts, width_mm, logo.as_ref())?;
    let mut out = String::new();
    let (w, h) = (num(l.width), num(l.height));
    let level_words = match facts.lang {
        Lang::En => format!("level {}", facts.level),
        Lang::Ja => format!("レベル {}", facts.level),
    };
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">"#
    );
    let _ = writeln!(
        out,
        "<title>{} ★{} ({level_words}), {}</title>",
        xml_escape(facts.number),
        facts.level,
        xml_escape(&l.validity.text)
    );
    let _ = writeln!(out, r##"<rect width="{w}" height="{h}" fill="#fff"/>"##);
    let _ = writeln!(
        out,
        r##"<path fill="none" stroke="#000" stroke-width="{}" d="{}"/>"##,
        num(l.border_width),
        svg_path(&l.border)
    );
    let _ = writeln!(out, r##"<path fill="#000" d="{}"/>"##, svg_path(&l.badge));
    let _ = writeln!(out, r##"<path fill="#fff" d="{}"/>"##, svg_path(&l.stars));
    if let (Some(logo), Some((x, y, lw, lh))) = (&logo, l.logo) {
        let data = base64::engine::general_purpose::STANDARD.encode(logo.png);
        let _ = writeln!(
            out,
            r#"<image x="{}" y="{}" width="{}" height="{}" href="data:image/png;base64,{data}"/>"#,
            num(x),
            num(y),
            num(lw),
            num(lh)
        );
    }
    let side = l.symbol.side_with_quiet_zone();
    let _ = write!(
        out,
        r##"<g transform="translate({} {}) scale({})" shape-rendering="crispEdges"><rect width="{side}" height="{side}" fill="#fff"/><path fill="#000" d=""##,
        num(l.qr_origin.0),
        num(l.qr_origin.1),
        // The scale in more digits than a length: it multiplies up to 60-odd modules.
        format!("{:.6}", l.module).trim_end_matches('0').trim_end_matches('.'),
    );
    for (x, y, run) in l.symbol.runs() {
        let _ = write!(out, "M{} {}h{run}v1h-{run}z", x + QUIET_ZONE, y + QUIET_ZONE);
    }
    let _ = writeln!(out, r#""/></g>"#);
    let family = match facts.lang {
        Lang::En => "Helvetica, Arial, sans-serif",
        Lang::Ja => "Helvetica, Arial, 'Hiragino Sans', 'Noto Sans CJK JP', sans-serif",
    };
    for line in [&l.number, &l.validity] {
        let _ = writeln!(
            out,
            r##"<text x="{}" y="{}" font-family="{family}" font-size="{}" text-anchor="middle" fill="#000">{}</text>"##,
            num(line.x),
            num(line.baseline),
            num(line.size),
            xml_escape(&line.text)
        );
    }
    out.push_str("</svg>\n");
    Ok(out)
}

// -------------------------------------------------------------------------------------------
// PDF

/// PDF points per mm.
const PT_PER_MM: f64 = 72.0 / 25.4;

/// The label artwork as a one-page PDF whose page is the label, `width_mm` wide.
///
/// The text is set in Helvetica, one of the 14 fonts every PDF reader has, so no font is
/// embedded and the file stays small and reproducible. Those fonts have no Japanese glyphs, so
/// the PDF's text is English whatever `facts.lang` ("Valid until YYYY-MM-DD" and the number);
/// the badge, the stars and the QR code are filled paths and rectangles. A logo is embedded as an
/// image (its alpha as a soft mask).
pub fn pdf(facts: &LabelFacts<'_>, width_mm: u32, logo: Option<Logo<'_>>) -> Result<Vec<u8>, ArtworkError> {
    let logo = logo.map(decode_logo).transpose()?;
    let english = LabelFacts { lang: Lang::En, ..*facts };
    let l = layout(&english, width_mm, logo.as_ref())?;
    let (page_w, page_h) = (l.width * PT_PER_MM, l.height * PT_PER_MM);
    // From the layout's mm, top down, to the page's points, bottom up.
    let pt = |x: f64, y: f64| ((x * PT_PER_MM) as f32, (page_h - y * PT_PER_MM) as f32);

    let catalog_id = Ref::new(1);
    let pages_id = Ref::new(2);
    let page_id = Ref::new(3);
    let content_id = Ref::new(4);
    let font_id = Ref::new(5);
    let info_id = Ref::new(6);
    let logo_id = Ref::new(7);
    let mask_id = Ref::new(8);
    let font = Name(b"F1");
    let logo_name = Name(b"Im1");

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.pages(pages_id).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, page_w as f32, page_h as f32));
    page.parent(pages_id);
    page.contents(content_id);
    let mut resources = page.resources();
    resources.fonts().pair(font, font_id);
    if logo.is_some() {
        resources.x_objects().pair(logo_name, logo_id);
    }
    resources.finish();
    page.finish();
    pdf.type1_font(font_id).base_font(Name(b"Helvetica"));
    pdf.document_info(info_id)
        .title(TextStr(&format!("{} ★{}, {}", facts.number, facts.level, l.validity.text)))
        .producer(TextStr("tekigo"));

    let mut content = Content::new();
    let outline = |content: &mut Content, segs: &[Seg]| {
        for seg in segs {
            match *seg {
                Seg::Move(x, y) => {
                    let (x, y) = pt(x, y);
                    content.move_to(x, y);
                }
                Seg::Line(x, y) => {
                    let (x, y) = pt(x, y);
                    content.line_to(x, y);
                }
                Seg::Cubic(x1, y1, x2, y2, x, y) => {
                    let ((x1, y1), (x2, y2), (x, y)) = (pt(x1, y1), pt(x2, y2), pt(x, y));
                    content.cubic_to(x1, y1, x2, y2, x, y);
                }
                Seg::Close => {
                    content.close_path();
                }
            }
        }
    };
    content.set_fill_gray(1.0);
    content.rect(0.0, 0.0, page_w as f32, page_h as f32);
    content.fill_nonzero();
    content.set_stroke_gray(0.0);
    content.set_line_width((l.border_width * PT_PER_MM) as f32);
    outline(&mut content, &l.border);
    content.stroke();
    content.set_fill_gray(0.0);
    outline(&mut content, &l.badge);
    content.fill_nonzero();
    content.set_fill_gray(1.0);
    outline(&mut content, &l.stars);
    content.fill_nonzero();

    // The QR code in module units: one rectangle per run, filled at once, bottom up.
    let side = l.symbol.side_with_quiet_zone();
    let m = l.module * PT_PER_MM;
    let (qx, qy) = pt(l.qr_origin.0, l.qr_origin.1 + l.module * side as f64);
    content.save_state();
    content.transform([m as f32, 0.0, 0.0, m as f32, qx, qy]);
    content.set_fill_gray(0.0);
    for (x, y, run) in l.symbol.runs() {
        let row_from_bottom = side - 1 - (y + QUIET_ZONE);
        content.rect((x + QUIET_ZONE) as f32, row_from_bottom as f32, run as f32, 1.0);
    }
    content.fill_nonzero();
    content.restore_state();

    content.set_fill_gray(0.0);
    for line in [&l.number, &l.validity] {
        let left = line.x - text_ems(&line.text) * line.size / 2.0;
        let (x, y) = pt(left, line.baseline);
        content.begin_text();
        content.set_font(font, (line.size * PT_PER_MM) as f32);
        content.next_line(x, y);
        // ASCII only here (the number is checked; the validity is in English).
        content.show(Str(line.text.as_bytes()));
        content.end_text();
    }

    if let (Some(_), Some((x, y, lw, lh))) = (&logo, l.logo) {
        let (px, py) = pt(x, y + lh);
        content.save_state();
        content.transform([(lw * PT_PER_MM) as f32, 0.0, 0.0, (lh * PT_PER_MM) as f32, px, py]);
        content.x_object(logo_name);
        content.restore_state();
    }
    pdf.stream(content_id, &deflate(&content.finish())?).filter(Filter::FlateDecode);

    if let Some(logo) = &logo {
        let colour = deflate(&logo.colour)?;
        let mut image = pdf.image_xobject(logo_id, &colour);
        image.filter(Filter::FlateDecode);
        image.width(logo.width as i32);
        image.height(logo.height as i32);
        if logo.components == 1 {
            image.color_space().device_gray();
        } else {
            image.color_space().device_rgb();
        }
        image.bits_per_component(8);
        if logo.alpha.is_some() {
            image.s_mask(mask_id);
        }
        image.finish();
        if let Some(alpha) = &logo.alpha {
            let alpha = deflate(alpha)?;
            let mut mask = pdf.image_xobject(mask_id, &alpha);
            mask.filter(Filter::FlateDecode);
            mask.width(logo.width as i32);
            mask.height(logo.height as i32);
            mask.color_space().device_gray();
            mask.bits_per_component(8);
        }
    }
    Ok(pdf.finish())
}

/// `bytes` zlib-compressed, as a PDF FlateDecode stream holds them.
fn deflate(bytes: &[u8]) -> Result<Vec<u8>, ArtworkError> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| ArtworkError::Pdf(e.to_string()))?;
    encoder.finish().map_err(|e| ArtworkError::Pdf(e.to_string()))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    const URL: &str = "https://registry.example/labels/JC1-2026-900000177";

    fn facts(level: u8, lang: Lang) -> LabelFacts<'static> {
        LabelFacts { number: "JC1-2026-900000177", level, valid_until: date(2028, 3, 31), url: URL, lang }
    }

    /// A small RGBA PNG: a red square, half transparent on its right half.
    fn logo_png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        let pixels: Vec<u8> =
            (0..width * height).flat_map(|i| [200, 20, 20, if i % width < width / 2 { 255 } else { 128 }]).collect();
        writer.write_image_data(&pixels).unwrap();
        writer.finish().unwrap();
        out
    }

    /// The `d` of the first path filled with `fill`.
    fn path_with_fill<'s>(svg: &'s str, fill: &str) -> &'s str {
        let start = svg.find(&format!(r#"<path fill="{fill}" d=""#)).unwrap() + fill.len() + 17;
        &svg[start..start + svg[start..].find('"').unwrap()]
    }

    #[test]
    fn the_badge_carries_one_star_per_level() {
        for level in 1..=4 {
            for lang in [Lang::En, Lang::Ja] {
                let svg = svg(&facts(level, lang), 30, None).unwrap();
                let stars = path_with_fill(&svg, "#fff");
                assert_eq!(stars.matches('M').count(), usize::from(level), "{stars}");
                assert_eq!(stars.matches('L').count(), 9 * usize::from(level), "ten corners a star");
                assert!(svg.contains(&format!("★{level}")));
            }
        }
    }

    #[test]
    fn levels_outside_one_to_four_are_refused() {
        for level in [0, 5, 255] {
            for result in
                [svg(&facts(level, Lang::En), 30, None).map(|_| ()), pdf(&facts(level, Lang::En), 30, None).map(|_| ())]
            {
                let error = result.unwrap_err();
                assert!(matches!(error, ArtworkError::Level(l) if l == level));
                assert_eq!(error.japanese(), format!("レベル {level}: ラベルのレベルは 1 から 4 です"));
                assert!(!error.is_bad_request(), "the registry's data, not the request");
            }
        }
    }

    #[test]
    fn below_the_minimum_width_is_refused_in_both_languages() {
        assert_eq!(min_width_mm(URL).unwrap(), MIN_TEXT_WIDTH_MM);
        for width in [0, 1, 10, 19] {
            let error = svg(&facts(1, Lang::En), width, None).unwrap_err();
            assert!(matches!(error, ArtworkError::TooSmall { width_mm, min_mm: 20, .. } if width_mm == width));
            assert!(error.is_bad_request());
            assert!(error.to_string().starts_with(&format!("a label {width} mm wide is too small")), "{error}");
            assert!(error.to_string().contains("at least 20 mm"), "{error}");
            assert!(
                error.japanese().contains(&format!("幅 {width} mm のラベルは小さすぎます")),
                "{}",
                error.japanese()
            );
            assert!(error.japanese().contains("20 mm 以上"));
            assert!(pdf(&facts(1, Lang::En), width, None).is_err());
        }
        assert!(svg(&facts(1, Lang::En), 20, None).is_ok());
    }

    /// A long URL needs a larger version, whose modules must still be 0.3 mm: the minimum grows.
    #[test]
    fn a_longer_url_needs_a_wider_label() {
        let long = format!("{URL}?{}", "utm_source=packaging&utm_medium=label&".repeat(4));
        let symbol = Symbol::new(&long).unwrap();
        let side = symbol.side_with_quiet_zone();
        let min = min_width_mm(&long).unwrap();
        assert!(min > MIN_TEXT_WIDTH_MM, "{side} modules: {min} mm");
        assert!(f64::from(min) * INNER / side as f64 >= MIN_MODULE_MM - 1e-9);
        assert!(f64::from(min - 1) * INNER / (side as f64) < MIN_MODULE_MM);
        let facts = LabelFacts { url: &long, ..facts(2, Lang::Ja) };
        let error = pdf(&facts, min - 1, None).unwrap_err();
        assert!(matches!(error, ArtworkError::TooSmall { min_mm, side: s, .. } if min_mm == min && s == side));
        assert!(error.to_string().contains(&format!("version {}", (symbol.width() - 17) / 4)), "{error}");
        assert!(pdf(&facts, min, None).is_ok());
    }

    #[test]
    fn too_wide_and_bad_widths() {
        assert!(matches!(svg(&facts(1, Lang::En), MAX_WIDTH_MM + 1, None), Err(ArtworkError::TooLarge { .. })));
        assert!(svg(&facts(1, Lang::En), MAX_WIDTH_MM, None).is_ok());
        assert_eq!(parse_width(" 30 ").unwrap(), 30);
        for bad in ["", "abc", "-1", "30.5", "30mm", "99999999999"] {
            let error = parse_width(bad).unwrap_err();
            assert!(error.is_bad_request());
            assert!(error.to_string().contains("whole number of millimetres"), "{error}");
            assert!(error.japanese().contains("整数"));
        }
    }

    #[test]
    fn bad_numbers_are_refused_not_printed() {
        for number in
            ["", "JC1 2026", "JC1-2026-\t01", "JC1-2026\n-01", "ＪＣ１-2026", &"9".repeat(MAX_NUMBER_CHARS + 1)]
        {
            let facts = LabelFacts { number, ..facts(1, Lang::En) };
            assert!(matches!(svg(&facts, 30, None), Err(ArtworkError::Number)), "{number}");
            assert!(matches!(pdf(&facts, 30, None), Err(ArtworkError::Number)), "{number}");
        }
    }

    #[test]
    fn deterministic() {
        let logo = logo_png(8, 4);
        for width in OFFERED_WIDTHS_MM {
            for lang in [Lang::En, Lang::Ja] {
                for logo in [None, Some(Logo { png: &logo })] {
                    let facts = facts(3, lang);
                    assert_eq!(svg(&facts, width, logo).unwrap(), svg(&facts, width, logo).unwrap());
                    assert_eq!(pdf(&facts, width, logo).unwrap(), pdf(&facts, width, logo).unwrap());
                }
            }
        }
    }

    #[test]
    fn svg_is_sized_in_mm_and_scales() {
        for width in OFFERED_WIDTHS_MM {
            let svg = svg(&facts(2, Lang::En), width, None).unwrap();
            let height = num(f64::from(width) * HEIGHT_PER_WIDTH);
            assert!(
                svg.contains(&format!(r#"width="{width}mm" height="{height}mm" viewBox="0 0 {width} {height}""#)),
                "{svg}"
            );
            assert!(!svg.contains("px"));
            // Module size: the QR code spans the inner width, never under 0.3 mm a module.
            let scale: f64 = svg.split("scale(").nth(1).unwrap().split(')').next().unwrap().parse().unwrap();
            assert!((scale - f64::from(width) * INNER / 41.0).abs() < 1e-6);
            assert!(scale >= MIN_MODULE_MM);
        }
    }

    #[test]
    fn svg_text_is_in_the_language_asked_and_escaped() {
        let en = svg(&facts(1, Lang::En), 30, None).unwrap();
        assert!(en.contains(">Valid until 2028-03-31</text>"));
        assert!(en.contains(">JC1-2026-900000177</text>"));
        let ja = svg(&facts(1, Lang::Ja), 30, None).unwrap();
        assert!(ja.contains(">有効期限 2028-03-31</text>"));
        assert!(ja.contains("<title>JC1-2026-900000177 ★1 (レベル 1), 有効期限 2028-03-31</title>"));
        let odd = LabelFacts { number: "A&B<C>\"D'", ..facts(1, Lang::En) };
        let svg = svg(&odd, 30, None).unwrap();
        assert!(svg.contains(">A&amp;B&lt;C&gt;&quot;D'</text>"), "{svg}");
    }

    #[test]
    fn svg_snapshot() {
        insta::assert_snapshot!(svg(&facts(2, Lang::Ja), 30, None).unwrap());
    }

    #[test]
    fn pdf_page_is_the_label_and_uses_a_base_font() {
        let bytes = pdf(&facts(4, Lang::Ja), 40, None).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.starts_with("%PDF-1."));
        assert!(text.trim_end().ends_with("%%EOF"));
        // 40 mm × 56 mm in points.
        assert!(text.contains("/MediaBox [0 0 113.385826 158.74016]"), "{text}");
        assert!(text.contains("/BaseFont /Helvetica"));
        assert!(!text.contains("/FontFile"), "nothing embedded");
        // The PDF's text is English whatever the language asked.
        assert_eq!(bytes, pdf(&facts(4, Lang::En), 40, None).unwrap());
    }

    #[test]
    fn a_logo_is_embedded_in_both_formats() {
        let png = logo_png(8, 4);
        let logo = Some(Logo { png: &png });
        let with = svg(&facts(1, Lang::En), 30, logo).unwrap();
        let data = base64::engine::general_purpose::STANDARD.encode(&png);
        assert!(with.contains(&format!(r#"href="data:image/png;base64,{data}""#)));
        // 8 × 4 pixels fit the 6 mm box: 6 mm wide, 3 mm high, centred vertically.
        assert!(with.contains(r#"<image x="22.5" y="3" width="6" height="3""#), "{with}");
        let without = svg(&facts(1, Lang::En), 30, None).unwrap();
        assert!(!without.contains("<image"));
        // The badge leaves room for the logo.
        assert_ne!(path_with_fill(&with, "#000"), path_with_fill(&without, "#000"));

        let pdf_bytes = pdf(&facts(1, Lang::En), 30, logo).unwrap();
        let text = String::from_utf8_lossy(&pdf_bytes);
        assert!(text.contains("/Subtype /Image"));
        assert!(text.contains("/SMask"), "the alpha channel is kept");
        assert!(text.contains("/Im1"));
    }

    #[test]
    fn unusable_logos_are_refused() {
        let big = logo_png(MAX_LOGO_PIXELS + 1, 1);
        let huge = vec![0; MAX_LOGO_BYTES + 1];
        let cases: [(&[u8], &str); 4] = [
            (b"", "not a PNG image"),
            (b"<svg/>", "not a PNG image"),
            (&big, "at most 512 per side"),
            (&huge, "at most 1048576"),
        ];
        for (png, why) in cases {
            for result in [
                svg(&facts(1, Lang::En), 30, Some(Logo { png })).map(|_| ()),
                pdf(&facts(1, Lang::En), 30, Some(Logo { png })).map(|_| ()),
            ] {
                let error = result.unwrap_err();
                assert!(matches!(&error, ArtworkError::Logo(_)), "{error}");
                assert!(error.to_string().contains(why), "{error}");
                assert!(error.japanese().starts_with("ロゴを使用できません"));
            }
        }
        let truncated = &logo_png(8, 4)[..60];
        assert!(matches!(svg(&facts(1, Lang::En), 30, Some(Logo { png: truncated })), Err(ArtworkError::Logo(_))));
    }

    #[test]
    fn lengths_print_the_same_way() {
        assert_eq!(num(41.7), "41.7");
        assert_eq!(num(30.0), "30");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(1.23456), "1.235");
    }

    #[test]
    fn helvetica_widths_of_the_label_text() {
        // Digits 0.556 em, hyphen 0.333, J 0.5, C 0.722.
        assert!((text_ems("JC1-2026-900000177") - (0.5 + 0.722 + 14.0 * 0.556 + 2.0 * 0.333)).abs() < 1e-9);
        assert!((text_ems("有効") - 2.0).abs() < 1e-9);
    }
}
