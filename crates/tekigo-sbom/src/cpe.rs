//! CPE names as CPE 2.3 formatted strings (NISTIR 7695), converting CPE 2.2 URIs.

/// A CPE 2.3 formatted string for `text`: a 2.3 string is returned as written (trimmed, with
/// missing trailing attributes filled with `*`), a CPE 2.2 URI (`cpe:/a:vendor:product:1.0`)
/// is converted. `None` for anything else.
pub fn to_cpe23(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(rest) = strip_prefix_ignore_case(text, "cpe:2.3:") {
        let parts = split_fs(rest);
        if parts.is_empty() || parts.len() > 11 || !matches!(parts[0], "a" | "o" | "h" | "*") {
            return None;
        }
        let mut out = String::from("cpe:2.3");
        for i in 0..11 {
            out.push(':');
            out.push_str(parts.get(i).copied().filter(|p| !p.is_empty()).unwrap_or("*"));
        }
        return Some(out);
    }
    let rest = strip_prefix_ignore_case(text, "cpe:/")?;
    let parts: Vec<&str> = rest.split(':').collect();
    if parts.len() > 7 || !matches!(parts[0].to_ascii_lowercase().as_str(), "a" | "o" | "h" | "") {
        return None;
    }
    let attribute = |i: usize| parts.get(i).copied().unwrap_or("");
    // part vendor product version update edition language sw_edition target_sw target_hw other
    let mut attributes: Vec<String> = Vec::with_capacity(11);
    for i in 0..5 {
        attributes.push(uri_value(attribute(i))?);
    }
    let edition = attribute(5);
    let mut packed = vec!["*".to_owned(); 4];
    if let Some(unpacked) = edition.strip_prefix('~') {
        // A packed edition: ~edition~sw_edition~target_sw~target_hw~other.
        let values: Vec<&str> = unpacked.split('~').collect();
        if values.len() != 5 {
            return None;
        }
        attributes.push(uri_value(values[0])?);
        for (slot, value) in packed.iter_mut().zip(&values[1..]) {
            *slot = uri_value(value)?;
        }
    } else {
        attributes.push(uri_value(edition)?);
    }
    attributes.push(uri_value(attribute(6))?);
    attributes.extend(packed);
    if attributes[0] == "*" {
        return None;
    }
    Some(format!("cpe:2.3:{}", attributes.join(":")))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    (text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && text[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &text[prefix.len()..])
}

/// Splits a 2.3 formatted string on the colons that are not escaped.
fn split_fs(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ':' {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// One CPE 2.2 URI attribute as a 2.3 formatted-string value: empty → `*` (ANY), `-` (NA) kept,
/// percent-escapes decoded (`%01` → `?`, `%02` → `*`), other punctuation quoted with `\`.
fn uri_value(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("*".to_owned());
    }
    if value == "-" {
        return Some("-".to_owned());
    }
    let bytes = value.as_bytes();
    let mut out = String::with_capacity(value.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            let byte = u8::from_str_radix(hex, 16).ok()?;
            i += 3;
            match byte {
                0x01 => {
                    out.push('?');
                    continue;
                }
                0x02 => {
                    out.push('*');
                    continue;
                }
                b if b.is_ascii_graphic() => char::from(b),
                _ => return None,
            }
        } else {
            let c = value[i..].chars().next()?;
            i += c.len_utf8();
            c
        };
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') || !c.is_ascii() {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpe23_is_kept_and_completed() {
        let full = "cpe:2.3:a:openssl:openssl:1.1.1w:*:*:*:*:*:*:*";
        assert_eq!(to_cpe23(full).as_deref(), Some(full));
        assert_eq!(
            to_cpe23(" cpe:2.3:o:linux:linux_kernel:5.10.0 ").as_deref(),
            Some("cpe:2.3:o:linux:linux_kernel:5.10.0:*:*:*:*:*:*:*")
        );
        let escaped = r"cpe:2.3:a:foo\:bar:baz:1.0:*:*:*:*:*:*:*";
        assert_eq!(to_cpe23(escaped).as_deref(), Some(escaped));
    }

    #[test]
    fn cpe22_uris_are_converted() {
        assert_eq!(
            to_cpe23("cpe:/a:busybox:busybox:1.36.1").as_deref(),
            Some("cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*")
        );
        assert_eq!(
            to_cpe23("cpe:/o:Linux:Linux_Kernel:5.10:-::en").as_deref(),
            Some("cpe:2.3:o:linux:linux_kernel:5.10:-:*:en:*:*:*:*")
        );
        assert_eq!(
            to_cpe23("cpe:/a:hp:insight_diagnostics:7.4.0.1570::~~online~win2003~x64~").as_deref(),
            Some("cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:*:*:*:online:win2003:x64:*")
        );
        assert_eq!(
            to_cpe23("cpe:/a:foo%21bar:baz%02:1.0").as_deref(),
            Some(r"cpe:2.3:a:foo\!bar:baz*:1.0:*:*:*:*:*:*:*")
        );
    }

    #[test]
    fn other_text_is_no_cpe() {
        assert_eq!(to_cpe23("pkg:npm/a@1"), None);
        assert_eq!(to_cpe23("cpe:2.3:x:a:b"), None);
        assert_eq!(to_cpe23("cpe:/a:b:c:%zz"), None);
        assert_eq!(to_cpe23("cpe:/a:b:c:1:2:~x~y:en"), None);
    }
}
