//! Comparing runs of ASCII digits as unbounded numbers, so that no input overflows.

use std::cmp::Ordering;

/// Orders two runs of ASCII digits by their numeric value; leading zeros do not count.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Whether `s` is a non-empty run of ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::cmp_digits;
    use std::cmp::Ordering;

    #[test]
    fn numeric_order_without_overflow() {
        assert_eq!(cmp_digits("10", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("007", "7"), Ordering::Equal);
        assert_eq!(cmp_digits("0", ""), Ordering::Equal);
        assert_eq!(cmp_digits("99999999999999999999999", "99999999999999999999998"), Ordering::Greater);
    }
}
