//! Who runs this registry: the operator's name, contact, postal address, privacy policy, terms of
//! use, logo, and whether the registry is a demo. Every page's frame shows it (`layout.rs`).
//!
//! The operator is configured by a TOML file (`tekigo serve --operator FILE`, see
//! `examples/operator.toml`). [`parse`] validates it as a whole and reports every problem at once,
//! each naming the file, line, column and field; the files it names (policy texts, the logo) are
//! read through the caller's reader, so parsing stays pure and [`load`] is the only I/O.
//! Without a file the registry says plainly that no operator is configured
//! ([`Operator::not_configured`]): it must never look like the page of a real body.
//!
//! Policy texts are plain text, shown escaped, one paragraph per block of lines between blank
//! lines: no markup language, so a policy cannot carry a link or a script into every page.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use tekigo_base::{Lang, Text};
use toml::Spanned;

mod checks;
pub use checks::paragraphs;
use checks::{contains_script, field_at, is_email, is_svg, is_web_url, line_column};

/// The configuration file's largest size.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// A policy text file's largest size.
pub const MAX_TEXT_BYTES: u64 = 256 * 1024;
/// The logo's largest size: it is held in memory and sent with every page's first visit.
pub const MAX_LOGO_BYTES: u64 = 256 * 1024;
/// The longest name or postal address, in characters.
const MAX_LINE_CHARS: usize = 300;

/// Who runs the registry, as every page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub name: Text,
    pub email: Option<String>,
    /// A contact page (`http://` or `https://`).
    pub url: Option<String>,
    pub address: Option<Text>,
    pub privacy: Document,
    pub terms: Document,
    pub logo: Option<Logo>,
    /// Labels here are not real: every page says so.
    pub demo: bool,
    /// False for the built-in stand-in used when no file is given.
    pub configured: bool,
}

/// A text in both languages, as paragraphs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub en: Vec<String>,
    pub ja: Vec<String>,
}

impl Document {
    pub fn paragraphs(&self, lang: Lang) -> &[String] {
        match lang {
            Lang::En => &self.en,
            Lang::Ja => &self.ja,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogoKind {
    Png,
    Svg,
}

impl LogoKind {
    pub fn content_type(self) -> &'static str {
        match self {
            LogoKind::Png => "image/png",
            LogoKind::Svg => "image/svg+xml",
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Logo {
    pub kind: LogoKind,
    pub bytes: Arc<[u8]>,
}

impl std::fmt::Debug for Logo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Logo({:?}, {} bytes)", self.kind, self.bytes.len())
    }
}

impl Operator {
    /// The stand-in when no operator is configured: it names no one, and says so.
    pub fn not_configured() -> Operator {
        let unstated = |en: &str, ja: &str| Document { en: vec![en.to_owned()], ja: vec![ja.to_owned()] };
        Operator {
            name: Text::new("tekigo registry (operator not configured)", "tekigo 登録簿（運営者未設定）"),
            email: None,
            url: None,
            address: None,
            privacy: unstated(
                "The operator of this registry has not published a privacy policy. Do not enter personal data here unless you know who runs it.",
                "この登録簿の運営者はプライバシーポリシーを公表していません。運営者が分からない限り、個人情報を入力しないでください。",
            ),
            terms: unstated(
                "The operator of this registry has not published terms of use. Nothing shown here is a statement of any certification body.",
                "この登録簿の運営者は利用規約を公表していません。ここに表示される内容は、いかなる認証機関の表明でもありません。",
            ),
            logo: None,
            demo: false,
            configured: false,
        }
    }

    /// The same operator, shown as a demo when `demo` (a demo database makes any registry one).
    pub fn or_demo(mut self, demo: bool) -> Operator {
        self.demo |= demo;
        self
    }
}

impl Default for Operator {
    fn default() -> Operator {
        Operator::not_configured()
    }
}

// -------------------------------------------------------------------------------------------
// Errors

/// One problem of a configuration file, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The field, as a dotted path (`contact.email`); the file's name for a file-wide problem.
    pub field: String,
    pub message: Text,
}

impl OperatorError {
    /// The problem in both languages, with its place.
    pub fn text(&self) -> Text {
        let place = format!("{}:{}:{}: `{}`", self.file, self.line, self.column, self.field);
        Text::new(format!("{place}: {}", self.message.en), format!("{place}: {}", self.message.ja))
    }
}

impl std::fmt::Display for OperatorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

/// Every problem of a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorErrors(pub Vec<OperatorError>);

impl OperatorErrors {
    pub fn text(&self) -> Text {
        let join = |lang| self.0.iter().map(|e| e.text().get(lang).to_owned()).collect::<Vec<_>>().join("\n");
        Text::new(join(Lang::En), join(Lang::Ja))
    }
}

impl std::fmt::Display for OperatorErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().en)
    }
}

impl std::error::Error for OperatorErrors {}

// -------------------------------------------------------------------------------------------
// The file's shape

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    demo: Option<bool>,
    logo: Option<Spanned<String>>,
    name: Option<Spanned<RawBilingual>>,
    contact: Option<Spanned<RawContact>>,
    address: Option<Spanned<RawBilingual>>,
    privacy: Option<Spanned<RawDocument>>,
    terms: Option<Spanned<RawDocument>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBilingual {
    en: Option<Spanned<String>>,
    ja: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    email: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    en: Option<Spanned<String>>,
    ja: Option<Spanned<String>>,
    en_file: Option<Spanned<String>>,
    ja_file: Option<Spanned<String>>,
}

/// Reads a file the configuration names: its path as written (relative to the configuration's
/// folder) and the most bytes it may have. The error is shown after the field's place.
pub type ReadFile<'a> = dyn FnMut(&str, u64) -> Result<Vec<u8>, Text> + 'a;

struct Problems<'a> {
    file: &'a str,
    text: &'a str,
    found: Vec<OperatorError>,
}

impl Problems<'_> {
    fn at(&mut self, span: std::ops::Range<usize>, field: &str, en: impl Into<String>, ja: impl Into<String>) {
        let (line, column) = line_column(self.text, span.start);
        self.found.push(OperatorError {
            file: self.file.to_owned(),
            line,
            column,
            field: field.to_owned(),
            message: Text::new(en, ja),
        });
    }

    fn missing(&mut self, span: std::ops::Range<usize>, field: &str) {
        self.at(span, field, "missing: this field is required", "必須の項目がありません");
    }
}

// -------------------------------------------------------------------------------------------
// Parsing and validation

/// Validates the configuration `text` of the file called `file` (as errors name it), reading the
/// files it names through `read`. Every problem is reported, not only the first.
///
/// # Errors
/// Every problem found, each with its line, column and field.
pub fn parse(file: &str, text: &str, read: &mut ReadFile<'_>) -> Result<Operator, OperatorErrors> {
    let mut problems = Problems { file, text, found: Vec::new() };
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            let span = error.span().unwrap_or(0..0);
            let field = field_at(text, &span).unwrap_or_else(|| file.to_owned());
            let message = error.message().trim().to_owned();
            problems.at(span, &field, message.clone(), format!("TOML として読めません: {message}"));
            return Err(OperatorErrors(problems.found));
        }
    };
    let whole = 0..0;

    let name = bilingual(&mut problems, raw.name.as_ref(), "name", whole.clone());
    let (email, url) = contact(&mut problems, raw.contact.as_ref(), whole.clone());
    let address =
        raw.address.as_ref().and_then(|address| bilingual(&mut problems, Some(address), "address", whole.clone()));
    let privacy = document(&mut problems, raw.privacy.as_ref(), "privacy", whole.clone(), read);
    let terms = document(&mut problems, raw.terms.as_ref(), "terms", whole, read);
    let logo = raw.logo.as_ref().and_then(|logo| read_logo(&mut problems, logo, read));

    match (name, privacy, terms) {
        (Some(name), Some(privacy), Some(terms)) if problems.found.is_empty() => Ok(Operator {
            name,
            email,
            url,
            address,
            privacy,
            terms,
            logo,
            demo: raw.demo.unwrap_or(false),
            configured: true,
        }),
        _ => Err(OperatorErrors(problems.found)),
    }
}

/// A one-line text in both languages (a name, an address).
fn bilingual(
    problems: &mut Problems<'_>,
    raw: Option<&Spanned<RawBilingual>>,
    field: &str,
    whole: std::ops::Range<usize>,
) -> Option<Text> {
    let Some(raw) = raw else {
        problems.missing(whole, field);
        return None;
    };
    let mut one = |value: Option<&Spanned<String>>, lang: &str| {
        let path = format!("{field}.{lang}");
        let Some(value) = value else {
            problems.missing(raw.span(), &path);
            return None;
        };
        let text = value.get_ref().trim();
        if text.is_empty() {
            problems.at(value.span(), &path, "is empty", "空です");
            None
        } else if text.chars().count() > MAX_LINE_CHARS {
            problems.at(
                value.span(),
                &path,
                format!("is longer than {MAX_LINE_CHARS} characters"),
                format!("{MAX_LINE_CHARS} 文字を超えています"),
            );
            None
        } else if text.chars().any(char::is_control) {
            problems.at(
                value.span(),
                &path,
                "holds a line break or a control character",
                "改行または制御文字を含んでいます",
            );
            None
        } else {
            Some(text.to_owned())
        }
    };
    let en = one(raw.get_ref().en.as_ref(), "en");
    let ja = one(raw.get_ref().ja.as_ref(), "ja");
    Some(Text::new(en?, ja?))
}

fn contact(
    problems: &mut Problems<'_>,
    raw: Option<&Spanned<RawContact>>,
    whole: std::ops::Range<usize>,
) -> (Option<String>, Option<String>) {
    let Some(raw) = raw else {
        problems.missing(whole, "contact");
        return (None, None);
    };
    let fields = raw.get_ref();
    if fields.email.is_none() && fields.url.is_none() {
        problems.at(
            raw.span(),
            "contact",
            "give an `email`, a `url`, or both: people must be able to reach the operator",
            "`email` か `url`（または両方）を指定してください。運営者への連絡手段が必要です",
        );
    }
    let email = fields.email.as_ref().and_then(|email| {
        let value = email.get_ref().trim();
        if is_email(value) {
            Some(value.to_owned())
        } else {
            problems.at(
                email.span(),
                "contact.email",
                format!("`{value}` is not an e-mail address (name@domain.example)"),
                format!("`{value}` はメールアドレスではありません（name@domain.example の形式）"),
            );
            None
        }
    });
    let url = fields.url.as_ref().and_then(|url| {
        let value = url.get_ref().trim();
        if is_web_url(value) {
            Some(value.to_owned())
        } else {
            problems.at(
                url.span(),
                "contact.url",
                format!("`{value}` is not a web address starting with https:// or http://"),
                format!("`{value}` は https:// または http:// で始まるウェブアドレスではありません"),
            );
            None
        }
    });
    (email, url)
}

fn document(
    problems: &mut Problems<'_>,
    raw: Option<&Spanned<RawDocument>>,
    field: &str,
    whole: std::ops::Range<usize>,
    read: &mut ReadFile<'_>,
) -> Option<Document> {
    let Some(raw) = raw else {
        problems.missing(whole, field);
        return None;
    };
    let fields = raw.get_ref();
    let mut one = |inline: Option<&Spanned<String>>, file: Option<&Spanned<String>>, lang: &str| {
        let text = match (inline, file) {
            (Some(_), Some(file)) => {
                problems.at(
                    file.span(),
                    &format!("{field}.{lang}_file"),
                    format!("give either `{lang}` or `{lang}_file`, not both"),
                    format!("`{lang}` と `{lang}_file` のどちらか一方だけを指定してください"),
                );
                return None;
            }
            (None, None) => {
                problems.at(
                    raw.span(),
                    &format!("{field}.{lang}"),
                    format!("missing: give the text as `{lang}`, or a file as `{lang}_file`"),
                    format!("ありません。本文を `{lang}` に、またはファイルを `{lang}_file` に指定してください"),
                );
                return None;
            }
            (Some(inline), None) => (inline.get_ref().clone(), inline.span(), format!("{field}.{lang}")),
            (None, Some(file)) => {
                let path = format!("{field}.{lang}_file");
                let bytes = match read_named(problems, file, &path, MAX_TEXT_BYTES, read) {
                    Some(bytes) => bytes,
                    None => return None,
                };
                match String::from_utf8(bytes) {
                    Ok(text) => (text, file.span(), path),
                    Err(_) => {
                        problems.at(
                            file.span(),
                            &path,
                            "the file is not UTF-8 text",
                            "ファイルが UTF-8 のテキストではありません",
                        );
                        return None;
                    }
                }
            }
        };
        let (text, span, path) = text;
        if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
            problems.at(span, &path, "holds a control character", "制御文字を含んでいます");
            return None;
        }
        let paragraphs = paragraphs(&text);
        if paragraphs.is_empty() {
            problems.at(span, &path, "is empty", "空です");
            return None;
        }
        Some(paragraphs)
    };
    let en = one(fields.en.as_ref(), fields.en_file.as_ref(), "en");
    let ja = one(fields.ja.as_ref(), fields.ja_file.as_ref(), "ja");
    Some(Document { en: en?, ja: ja? })
}

fn read_named(
    problems: &mut Problems<'_>,
    name: &Spanned<String>,
    field: &str,
    limit: u64,
    read: &mut ReadFile<'_>,
) -> Option<Vec<u8>> {
    let path = name.get_ref().trim();
    if path.is_empty() || Path::new(path).is_absolute() {
        problems.at(
            name.span(),
            field,
            "give a file path relative to the configuration file's folder",
            "設定ファイルのフォルダーからの相対パスを指定してください",
        );
        return None;
    }
    match read(path, limit) {
        Ok(bytes) if bytes.len() as u64 > limit => {
            problems.at(
                name.span(),
                field,
                format!("`{path}` is {} bytes, over the limit of {limit} bytes", bytes.len()),
                format!("`{path}` は {} バイトあり、上限の {limit} バイトを超えています", bytes.len()),
            );
            None
        }
        Ok(bytes) => Some(bytes),
        Err(why) => {
            problems.at(name.span(), field, why.en, why.ja);
            None
        }
    }
}

fn read_logo(problems: &mut Problems<'_>, name: &Spanned<String>, read: &mut ReadFile<'_>) -> Option<Logo> {
    let bytes = read_named(problems, name, "logo", MAX_LOGO_BYTES, read)?;
    let lower = name.get_ref().trim().to_ascii_lowercase();
    let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        LogoKind::Png
    } else if is_svg(&bytes) {
        LogoKind::Svg
    } else {
        problems.at(name.span(), "logo", "is neither a PNG nor an SVG image", "PNG でも SVG でもありません");
        return None;
    };
    let named = match kind {
        LogoKind::Png => lower.ends_with(".png"),
        LogoKind::Svg => lower.ends_with(".svg"),
    };
    if !named {
        problems.at(
            name.span(),
            "logo",
            "the file's name does not end in the extension of its content (.png or .svg)",
            "ファイル名の拡張子（.png または .svg）が内容と一致しません",
        );
        return None;
    }
    if kind == LogoKind::Svg && contains_script(&bytes) {
        problems.at(
            name.span(),
            "logo",
            "the SVG holds a script or an event handler; a logo must be a plain picture",
            "SVG にスクリプトまたはイベントハンドラーが含まれています。ロゴは画像だけにしてください",
        );
        return None;
    }
    Some(Logo { kind, bytes: Arc::from(bytes) })
}

// -------------------------------------------------------------------------------------------
// The file on disk

/// Reads and validates the configuration file at `path`; the files it names are read relative to
/// its folder (regular files only, each within its limit).
///
/// # Errors
/// The file cannot be read, or every problem [`parse`] finds.
pub fn load(path: &Path) -> Result<Operator, OperatorErrors> {
    let shown = path.display().to_string();
    let whole_file = |message: Text| {
        OperatorErrors(vec![OperatorError { file: shown.clone(), line: 1, column: 1, field: shown.clone(), message }])
    };
    let bytes = tekigo_input::read_regular(path, MAX_CONFIG_BYTES, tekigo_input::Links::Follow)
        .map_err(|error| whole_file(error.text()))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        whole_file(Text::new("the file is not UTF-8 text", "ファイルが UTF-8 のテキストではありません"))
    })?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut read = |name: &str, limit: u64| {
        tekigo_input::read_regular(&folder.join(name), limit, tekigo_input::Links::Follow).map_err(|error| error.text())
    };
    parse(&shown, &text, &mut read)
}

#[cfg(test)]
mod tests;
