//! What people read from a declaration: a print-friendly HTML page in one language ([`html`]) and
//! the applicant's checklist workbook in both languages ([`xlsx`]). Both are pure functions of the
//! declaration, so the same declaration always gives the same bytes.

use tekigo_base::Lang;

use crate::declaration::{Declaration, SchemeRef, Verdict};
use labels::{Labels, labels};

pub mod html;
mod labels;
pub mod xlsx;

/// Why a declaration could not be rendered. The cause is part of the message and not also a
/// `source`, so the binary's `{error:#}` does not print it twice.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The workbook's creation time is taken from `issued`, so a declaration without a valid
    /// issue time cannot give a reproducible workbook.
    #[error("the declaration's issue time {value:?} is not an RFC 3339 timestamp: {error}")]
    Issued { value: String, error: jiff::Error },
    #[error("could not write the XLSX workbook: {0}")]
    Xlsx(rust_xlsxwriter::XlsxError),
}

impl From<rust_xlsxwriter::XlsxError> for RenderError {
    fn from(error: rust_xlsxwriter::XlsxError) -> Self {
        RenderError::Xlsx(error)
    }
}

/// One row of a two-column table: a fixed label and its value.
struct Fact {
    label: &'static str,
    value: String,
}

impl Fact {
    /// A vendor's value, or "none" where the vendor left it empty, so an empty cell never reads
    /// as a rendering fault.
    fn new(label: &'static str, value: &str, l: &Labels) -> Self {
        let value = if value.trim().is_empty() { l.none } else { value };
        Fact { label, value: value.to_owned() }
    }
}

/// What the product is declared against, and for a derived statement what it was assessed
/// against.
fn scheme_facts(declaration: &Declaration, lang: Lang) -> Vec<Fact> {
    let l = labels(lang);
    let scheme = &declaration.scheme;
    let mut facts = vec![
        Fact::new(l.scheme, scheme.title.get(lang), l),
        Fact::new(l.criteria_version, &scheme.version, l),
        Fact::new(l.level, scheme.level_name.get(lang), l),
    ];
    facts.extend(criteria_status_fact(scheme, lang));
    if let Some(against) = &declaration.assessed_against {
        facts.push(Fact::new(l.assessed_against, &scheme_line(against, lang), l));
    }
    facts
}

/// Criteria that are not the scheme's published text say so on every rendering.
fn criteria_status_fact(scheme: &SchemeRef, lang: Lang) -> Option<Fact> {
    let l = labels(lang);
    scheme.is_provisional().then(|| Fact::new(l.criteria_status, tekigo_criteria::provisional_notice().get(lang), l))
}

/// A scheme and level as one line: `ETSI EN 303 645 mandatory (3.1.3)`.
fn scheme_line(scheme: &SchemeRef, lang: Lang) -> String {
    format!("{} {} ({})", scheme.title.get(lang), scheme.level_name.get(lang), scheme.version)
}

fn product_facts(declaration: &Declaration, lang: Lang) -> Vec<Fact> {
    let l = labels(lang);
    let product = &declaration.product;
    vec![
        Fact::new(l.product_name, &product.name, l),
        Fact::new(l.vendor, &product.vendor, l),
        Fact::new(l.vendor_address, product.vendor_address.as_deref().unwrap_or_default(), l),
        Fact::new(l.model, &product.model, l),
        Fact::new(l.firmware_version, &product.firmware_version, l),
        Fact::new(l.product_type, product.product_type.as_deref().unwrap_or_default(), l),
        Fact::new(l.support_end, &product.support_end, l),
        Fact::new(l.vulnerability_contact, &product.vulnerability_contact, l),
    ]
}

/// The declaration's overall result as a verdict. `outcome.conformant` is only yes or no; a
/// declaration that fails nothing but still has pending requirements reads "pending", not "not
/// conformant", so an applicant sees that answers are missing rather than that the product fails.
fn overall_verdict(declaration: &Declaration) -> Verdict {
    let fails_vulnerability_rule =
        declaration.vulnerabilities.as_ref().is_some_and(|result| result.verdict == Verdict::NotConformant);
    if declaration.outcome.conformant {
        Verdict::Conformant
    } else if declaration.outcome.counts.not_conformant > 0 || fails_vulnerability_rule {
        Verdict::NotConformant
    } else {
        Verdict::Pending
    }
}

/// `2026-11-26T04:00:00Z` as `2026-11-26 04:00 UTC`. A value that is not RFC 3339 is shown as
/// given: a reader should see what the document says rather than nothing.
fn readable_time(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(timestamp) => timestamp.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// The known-vulnerability rule's threshold (SCHEME §2: 7.0 for ★1 and ★2, 4.0 from ★3), with
/// one decimal as CVSS writes scores.
fn cvss_threshold(cvss_min: f64) -> String {
    format!("≥ {cvss_min:.1}")
}

/// `182233` as `182,233`.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::Declaration;

    pub(crate) fn sample() -> Declaration {
        serde_json::from_str(include_str!("../../tests/fixtures/declaration-sample.json")).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(182_233), "182,233");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn times_read_in_utc_and_a_bad_one_is_shown_as_given() {
        assert_eq!(readable_time("2026-11-26T04:00:00Z"), "2026-11-26 04:00 UTC");
        assert_eq!(readable_time("2026-11-26T13:00:00+09:00"), "2026-11-26 04:00 UTC");
        assert_eq!(readable_time("tomorrow"), "tomorrow");
    }

    #[test]
    fn an_unsettled_declaration_is_pending_unless_something_fails() {
        let mut declaration = test_support::sample();
        assert_eq!(overall_verdict(&declaration), Verdict::Conformant);

        declaration.outcome.conformant = false;
        declaration.outcome.counts.pending = 1;
        assert_eq!(overall_verdict(&declaration), Verdict::Pending);

        declaration.vulnerabilities.as_mut().unwrap().verdict = Verdict::NotConformant;
        assert_eq!(overall_verdict(&declaration), Verdict::NotConformant);

        declaration.vulnerabilities = None;
        declaration.outcome.counts.not_conformant = 1;
        assert_eq!(overall_verdict(&declaration), Verdict::NotConformant);
    }

    #[test]
    fn the_threshold_keeps_one_decimal() {
        assert_eq!(cvss_threshold(7.0), "≥ 7.0");
        assert_eq!(cvss_threshold(4.0), "≥ 4.0");
    }
}
