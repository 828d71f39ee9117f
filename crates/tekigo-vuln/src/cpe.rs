//! CPE names (NISTIR 7695): the 2.3 formatted string and the 2.2 URI, reduced to what matching needs.

/// The parts of a CPE name that identify a product version. Values are unescaped and lowercase;
/// `*` is ANY and `-` is NA, as in the standard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    pub part: String,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub update: String,
}

/// Splits on `:` that are not escaped with `\`.
fn split_fields(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ':' => fields.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    fields.push(current);
    fields
}

pub fn parse(text: &str) -> Option<Cpe> {
    let text = text.trim();
    let lower = text.to_lowercase();
    if let Some(rest) = lower.strip_prefix("cpe:2.3:") {
        let fields = split_fields(rest);
        if fields.len() < 5 || fields[1].is_empty() || fields[2].is_empty() {
            return None;
        }
        return Some(Cpe {
            part: fields[0].clone(),
            vendor: fields[1].clone(),
            product: fields[2].clone(),
            version: fields[3].clone(),
            update: fields[4].clone(),
        });
    }
    if let Some(rest) = lower.strip_prefix("cpe:/") {
        // CPE 2.2 URI: cpe:/part:vendor:product:version:update..., percent-encoded; empty means ANY.
        let fields: Vec<String> = rest.split(':').map(percent_decode).collect();
        if fields.len() < 3 || fields[1].is_empty() || fields[2].is_empty() {
            return None;
        }
        let field = |i: usize| fields.get(i).filter(|f| !f.is_empty()).cloned().unwrap_or_else(|| "*".to_owned());
        return Some(Cpe { part: field(0), vendor: field(1), product: field(2), version: field(3), update: field(4) });
    }
    None
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(value) =
                std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Cpe {
    /// The version the name pins, if it pins one (`*` and `-` pin none).
    pub fn concrete_version(&self) -> Option<&str> {
        match self.version.as_str() {
            "*" | "-" | "" => None,
            version => Some(version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_2_3_and_2_2_names() {
        let cpe = parse("cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*").unwrap();
        assert_eq!(
            (cpe.vendor.as_str(), cpe.product.as_str(), cpe.concrete_version()),
            ("busybox", "busybox", Some("1.36.1"))
        );
        let escaped = parse(r"cpe:2.3:a:lighttpd:lighttpd:1.4.59\:beta:*:*:*:*:*:*:*").unwrap();
        assert_eq!(escaped.version, "1.4.59:beta");
        let old = parse("cpe:/a:openssl:openssl:1.1.1w").unwrap();
        assert_eq!((old.part.as_str(), old.vendor.as_str(), old.version.as_str()), ("a", "openssl", "1.1.1w"));
        assert_eq!(parse("cpe:/o:linux:linux_kernel").unwrap().version, "*");
        assert!(parse("cpe:2.3:a").is_none());
        assert!(parse("openssl").is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,60}") {
            let _ = parse(&text);
            let _ = parse(&format!("cpe:2.3:{text}"));
            let _ = parse(&format!("cpe:/{text}"));
        }
    }
}
