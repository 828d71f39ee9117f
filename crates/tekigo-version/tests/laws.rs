//! Order laws for every scheme on generated versions, and no panic on any input.

use std::cmp::Ordering;

use proptest::prelude::*;
use tekigo_version::{CpeRange, Event, Scheme, compare, osv_range_affects, parse_check};

/// Versions in each scheme's grammar, with the tricky parts (pre-releases, separators, `~`, …)
/// frequent enough that triples often share prefixes.
fn version(scheme: Scheme) -> BoxedStrategy<String> {
    let pattern = match scheme {
        Scheme::Semver | Scheme::Npm => {
            "v?(0|[1-9])\\.(0|1|10)\\.(0|1|2)(-(alpha|beta|rc|0|1|11)(\\.(alpha|beta|0|1|2|11))?)?(\\+b[0-9])?"
        }
        Scheme::Go => {
            "v?[0-2]\\.[0-2]\\.[0-2](-(0\\.)?20[0-2]1010[0-9]000000-[0-9a-f]{12}|-pre|-rc\\.[0-2])?(\\+incompatible)?"
        }
        Scheme::PyPi => {
            "([12]!)?[0-2](\\.[0-2]){0,2}((a|b|rc|c|alpha|beta|pre|preview)[0-2]?)?(\\.post[0-2]?|-[0-2])?(\\.dev[0-2]?)?(\\+[a-c0-2]{1,2}(\\.[a-c0-2]{1,2})?)?"
        }
        // Realistic versions: Maven's own order is not total on arbitrary strings (see maven.rs).
        Scheme::Maven => {
            // A qualifier after `.` that is neither last nor followed by a digit (`2.a-0`) is a
            // bare item, below every nested list: there Maven's order has cycles (maven.rs).
            "[0-2]{1,2}(\\.[0-2]{1,2}){0,3}(-?(alpha|beta|milestone|rc|cr|snapshot|ga|final|release|sp|foo)[0-2]{0,2}|[.-]?(a|b|m)[0-2]{1,2})?(-[0-2]{1,2})?(-SNAPSHOT)?|[0-2]{1,2}(\\.[0-2]{1,2}){1,3}\\.(release|final|ga|sp|foo)"
        }
        Scheme::Debian => "([0-2]:)?[0-2][0-2a-c.+~]{0,6}(-[0-2a-c.+~]{1,4})?",
        Scheme::Alpine => {
            "[0-2]{1,2}(\\.[0-2]{1,2}){0,2}[a-c]?(_(alpha|beta|pre|rc|cvs|git|p)[0-2]{0,2}){0,2}(~[0-9a-f]{1,2})?(-r[0-2])?"
        }
        Scheme::Rpm => "([0-2]:)?[0-2a-c.~^_]{1,8}(-[0-2a-c.~^_]{1,5})?",
        Scheme::Generic => "[vV]?[0-2a-cA-C]{0,2}([.~_+-]?([0-2]|10|[a-c]|rc|beta|dev)){1,6}",
    };
    proptest::string::string_regex(pattern).expect("valid pattern").boxed()
}

fn cmp(scheme: Scheme, a: &str, b: &str) -> Ordering {
    compare(scheme, a, b).unwrap_or_else(|e| panic!("generated version refused: {e}"))
}

/// Reflexive, antisymmetric and transitive on three versions.
fn laws(scheme: Scheme, vs: [&str; 3]) -> Result<(), TestCaseError> {
    for a in vs {
        prop_assert_eq!(cmp(scheme, a, a), Ordering::Equal, "{} reflexive on {}", scheme, a);
        for b in vs {
            let ab = cmp(scheme, a, b);
            prop_assert_eq!(ab, cmp(scheme, b, a).reverse(), "{} antisymmetric on {} {}", scheme, a, b);
            for c in vs {
                let (bc, ac) = (cmp(scheme, b, c), cmp(scheme, a, c));
                if ab.is_le() && bc.is_le() {
                    prop_assert!(ac.is_le(), "{}: {} <= {} <= {} but {} > {}", scheme, a, b, c, a, c);
                    if ab.is_lt() || bc.is_lt() {
                        prop_assert!(ac.is_lt(), "{}: {} < {} (via {}) but not {} < {}", scheme, a, c, b, a, c);
                    }
                }
            }
        }
    }
    Ok(())
}

fn triple(scheme: Scheme) -> impl Strategy<Value = [String; 3]> {
    (version(scheme), version(scheme), version(scheme)).prop_map(|(a, b, c)| [a, b, c])
}

macro_rules! order_laws {
    ($($name:ident: $scheme:expr;)*) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $name(vs in triple($scheme)) {
                    let [a, b, c] = &vs;
                    laws($scheme, [a, b, c])?;
                }
            )*
        }
    };
}

order_laws! {
    semver_is_a_total_order: Scheme::Semver;
    go_is_a_total_order: Scheme::Go;
    npm_is_a_total_order: Scheme::Npm;
    pypi_is_a_total_order: Scheme::PyPi;
    maven_is_a_total_order: Scheme::Maven;
    debian_is_a_total_order: Scheme::Debian;
    alpine_is_a_total_order: Scheme::Alpine;
    rpm_is_a_total_order: Scheme::Rpm;
    generic_is_a_total_order: Scheme::Generic;
}

/// Any text, with ASCII punctuation and digits often enough to reach deep into the parsers.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ -~]{0,40}", "[0-9a-z.~^_:+-]{0,40}"]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn nothing_panics_on_any_text(a in any_text(), b in any_text(), c in any_text()) {
        for scheme in Scheme::ALL {
            let _ = parse_check(scheme, &a);
            let _ = compare(scheme, &a, &b);
            let events = [Event::Introduced(b.clone()), Event::Fixed(c.clone()), Event::LastAffected(a.clone()),
                Event::Limit(c.clone())];
            let _ = osv_range_affects(scheme, &events, &a);
            let range = CpeRange { start_including: Some(b.clone()), end_excluding: Some(c.clone()), ..CpeRange::default() };
            let _ = range.contains(scheme, &a);
            // A refusal names the scheme and the text.
            if let Err(e) = compare(scheme, &a, &a) {
                prop_assert_eq!(e.scheme, scheme);
                prop_assert_eq!(&e.version, &a);
            }
        }
    }

    #[test]
    fn generic_reads_any_text_with_a_letter_or_digit(a in any_text()) {
        let readable = a.bytes().any(|b| b.is_ascii_alphanumeric());
        prop_assert_eq!(parse_check(Scheme::Generic, &a).is_ok(), readable);
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let deep = "1a".repeat(50_000);
    assert!(parse_check(Scheme::Maven, &deep).is_err());
    for scheme in Scheme::ALL {
        let _ = compare(scheme, &deep, &deep);
        let _ = compare(scheme, &"9".repeat(100_000), "1");
    }
}
