//! A label number: `JC<level>-<year>-<serial>`, e.g. `JC1-2026-000123`. Short enough for a QR code
//! and a printed label, readable over the phone, and safe in a URL. The registry numbers labels;
//! anyone reading one (a verifier, a seller's system) checks its shape with the same rule.

/// The number of the `serial`-th label of `level` issued in `year`.
pub fn label_number(level: &str, year: i16, serial: u64) -> String {
    format!("JC{level}-{year}-{serial:06}")
}

/// Whether text has the shape of a label number (before any lookup).
pub fn is_label_number(text: &str) -> bool {
    let mut parts = text.split('-');
    let (Some(level), Some(year), Some(serial), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    level.len() == 3
        && level.starts_with("JC")
        && matches!(level.as_bytes()[2], b'1'..=b'4')
        && year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        // Six digits, growing to nine before a year could run out.
        && (6..=9).contains(&serial.len())
        && serial.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_numbers_round_trip() {
        let number = label_number("1", 2026, 123);
        assert_eq!(number, "JC1-2026-000123");
        assert!(is_label_number(&number));
        assert!(is_label_number(&label_number("4", 2031, 123_456_789)));
        for bad in
            ["JC5-2026-000123", "JC1-26-000123", "JC1-2026-12", "JC1-2026-000123-x", "../etc", "", "JC１-2026-000123"]
        {
            assert!(!is_label_number(bad), "{bad}");
        }
    }
}
