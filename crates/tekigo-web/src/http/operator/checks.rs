//! The small checks of an operator file's values: places in the text, e-mail and web addresses,
//! paragraphs, and what an SVG logo may hold.

pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The dotted field a parse error's span is in: the key itself (an unknown field) or the key
/// before the `=` of its line (a mistyped value), after the table header above it.
pub(super) fn field_at(text: &str, span: &std::ops::Range<usize>) -> Option<String> {
    let before = text.get(..span.start)?;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let key = match text.get(span.clone()).map(str::trim).filter(|key| is_key(key)) {
        Some(key) => key,
        None => before[line_start..].split_once('=')?.0.trim(),
    };
    if !is_key(key) {
        return None;
    }
    let table = before[..line_start].lines().rev().map(str::trim).find(|line| line.starts_with('['));
    match table.map(|header| header.trim_matches(['[', ']']).trim()) {
        Some(table) if is_key(table) => Some(format!("{table}.{key}")),
        _ => Some(key.to_owned()),
    }
}

pub(super) fn is_key(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// An address a `mailto:` link can carry: one `@`, a dotted domain, nothing that would need
/// quoting.
pub(super) fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    let plain = |part: &str| {
        !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
    };
    value.len() <= 254
        && plain(local)
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.split('.').all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// A web address: http or https, a host, no spaces or characters that would end an attribute.
pub(super) fn is_web_url(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://")) else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    value.len() <= 2000
        && !host.is_empty()
        && host.chars().all(|c| c.is_alphanumeric() || ".-:[]".contains(c))
        && !value.chars().any(|c| c.is_whitespace() || c.is_control() || "\"<>\\`".contains(c))
}

/// Blocks of lines separated by blank lines, each joined into one paragraph.
pub fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join("\n"));
    }
    out
}

pub(super) fn is_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    let text = text.trim_start_matches('\u{feff}').trim_start();
    (text.starts_with("<?xml") || text.starts_with("<svg") || text.starts_with("<!--")) && text.contains("<svg")
}

/// An SVG opened on its own runs its scripts; the logo is also served under a sandboxing policy,
/// but refusing them here says so to the operator at start-up.
pub(super) fn contains_script(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes).to_ascii_lowercase();
    text.contains("<script")
        || text.contains("javascript:")
        || text.contains("<foreignobject")
        || text.split(|c: char| c.is_whitespace()).any(|word| word.starts_with("on") && word.contains('='))
}
