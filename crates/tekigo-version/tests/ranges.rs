//! OSV range evaluation (examples of the OSV schema documentation) and NVD CPE match ranges.

use tekigo_version::{CpeRange, Event, Scheme, osv_range_affects};

fn introduced(v: &str) -> Event {
    Event::Introduced(v.to_owned())
}
fn fixed(v: &str) -> Event {
    Event::Fixed(v.to_owned())
}
fn last_affected(v: &str) -> Event {
    Event::LastAffected(v.to_owned())
}
fn limit(v: &str) -> Event {
    Event::Limit(v.to_owned())
}

/// Checks which of `versions` the range affects.
fn affects(scheme: Scheme, events: &[Event], cases: &[(&str, bool)]) {
    for (version, want) in cases {
        assert_eq!(osv_range_affects(scheme, events, version), Ok(*want), "{scheme} {version} in {events:?}");
    }
}

#[test]
fn introduced_and_fixed() {
    // The schema's first example: `{"introduced": "1.0.0"}, {"fixed": "1.0.2"}`.
    let events = [introduced("1.0.0"), fixed("1.0.2")];
    affects(
        Scheme::Semver,
        &events,
        &[
            ("0.9.9", false),
            ("1.0.0-rc.1", false),
            ("1.0.0", true),
            ("1.0.1", true),
            ("1.0.2", false),
            ("2.0.0", false),
        ],
    );
}

#[test]
fn introduced_zero_means_from_the_start() {
    let events = [introduced("0"), fixed("1.0.2")];
    affects(Scheme::Semver, &events, &[("0.0.0", true), ("0.0.1-alpha", true), ("1.0.1", true), ("1.0.2", false)]);
    // "0" is special even where the scheme cannot read it as a version (Go needs three numbers).
    affects(Scheme::Go, &events, &[("v0.0.0-20200101000000-abcdef123456", true), ("v1.0.1", true), ("1.0.2", false)]);
    // Introduced alone: every version from it on.
    affects(Scheme::PyPi, &[introduced("0")], &[("0.0.1", true), ("99!1.0", true)]);
    affects(Scheme::PyPi, &[introduced("2.0")], &[("1.9", false), ("2.0rc1", false), ("2.0", true), ("3.0", true)]);
}

#[test]
fn last_affected_is_inclusive() {
    // `{"introduced": "1.0.0"}, {"last_affected": "1.0.2"}`.
    let events = [introduced("1.0.0"), last_affected("1.0.2")];
    affects(Scheme::Semver, &events, &[("0.9.0", false), ("1.0.0", true), ("1.0.2", true), ("1.0.3", false)]);
    affects(Scheme::Debian, &[introduced("0"), last_affected("1.2-3")], &[("1.2-3", true), ("1.2-3+deb12u1", false)]);
}

#[test]
fn several_introduced_fixed_pairs() {
    // The schema's example for a vulnerability fixed on two release branches.
    let events = [introduced("0"), fixed("1.0.2"), introduced("1.1.0"), fixed("1.1.2")];
    let cases =
        [("0.1.0", true), ("1.0.1", true), ("1.0.2", false), ("1.0.5", false), ("1.1.0", true), ("1.1.1", true)];
    affects(Scheme::Semver, &events, &cases);
    affects(Scheme::Semver, &events, &[("1.1.2", false), ("2.0.0", false)]);
    // Event order in the document does not matter: events are sorted by version.
    let shuffled = [fixed("1.1.2"), introduced("1.1.0"), fixed("1.0.2"), introduced("0")];
    affects(Scheme::Semver, &shuffled, &cases);
    // Versions sorted by the scheme, not as text: 1.10 > 1.9.
    let events = [introduced("1.9"), fixed("1.10")];
    affects(Scheme::PyPi, &events, &[("1.9.5", true), ("1.10", false), ("1.2", false)]);
}

#[test]
fn limits_bound_the_range() {
    let events = [introduced("1.0.0"), limit("2.0.0")];
    affects(Scheme::Semver, &events, &[("0.9.0", false), ("1.5.0", true), ("2.0.0", false), ("3.0.0", false)]);
    affects(Scheme::Semver, &[introduced("1.0.0"), limit("*")], &[("9.0.0", true)]);
    // Below any one limit is enough.
    let events = [introduced("0"), limit("1.0.0"), limit("3.0.0")];
    affects(Scheme::Semver, &events, &[("2.0.0", true), ("3.0.0", false)]);
}

#[test]
fn ecosystem_ranges_per_scheme() {
    // Debian: OSV's Debian records use `introduced: 0` and the fixed package version.
    let events = [introduced("0"), fixed("7.88.1-10+deb12u5")];
    affects(Scheme::Debian, &events, &[("7.88.1-10", true), ("7.88.1-10+deb12u4", true), ("7.88.1-10+deb12u5", false)]);
    // Alpine: fixed in a -rN revision.
    let events = [introduced("0"), fixed("3.1.4-r5")];
    affects(Scheme::Alpine, &events, &[("3.1.4-r4", true), ("3.1.4-r5", false), ("3.1.5-r0", false)]);
    // Red Hat style EVR.
    let events = [introduced("0"), fixed("0:1.1.1k-12.el8_9")];
    affects(Scheme::Rpm, &events, &[("1.1.1k-7.el8_6", true), ("1:1.1.1k-7.el8_6", false), ("1.1.1k-12.el8_9", false)]);
    // Maven.
    let events = [introduced("2.0-beta9"), fixed("2.15.0")];
    affects(Scheme::Maven, &events, &[("2.0-beta8", false), ("2.0", true), ("2.14.1", true), ("2.15.0", false)]);
    // Go without the v, as OSV spells it, matched against a module version with it.
    let events = [introduced("0"), fixed("0.17.0")];
    affects(
        Scheme::Go,
        &events,
        &[("v0.16.0", true), ("v0.0.0-20230101000000-abcdef123456", true), ("v0.17.0", false)],
    );
    // npm and PyPI.
    affects(Scheme::Npm, &[introduced("4.0.0"), fixed("4.17.21")], &[("4.17.20", true), ("v4.17.21", false)]);
    affects(Scheme::PyPi, &[introduced("0"), fixed("2.31.0")], &[("2.31.0rc1", true), ("2.31.0", false)]);
}

#[test]
fn no_events_affect_nothing() {
    affects(Scheme::Semver, &[], &[("1.0.0", false)]);
    affects(Scheme::Semver, &[fixed("1.0.0")], &[("0.1.0", false)]);
}

#[test]
fn unreadable_versions_are_errors() {
    let err = osv_range_affects(Scheme::Semver, &[introduced("0"), fixed("1.0")], "0.5.0").unwrap_err();
    assert_eq!(err.version, "1.0");
    let err = osv_range_affects(Scheme::Semver, &[introduced("0")], "latest").unwrap_err();
    assert_eq!((err.scheme, err.version.as_str()), (Scheme::Semver, "latest"));
    assert!(err.to_string().starts_with("invalid semver version \"latest\": "), "{err}");
}

#[test]
fn cpe_ranges() {
    // CVE-2023-5678 style: OpenSSL 1.1.1 before 1.1.1x, 3.0.0 before 3.0.13.
    let range = CpeRange {
        start_including: Some("1.1.1".to_owned()),
        end_excluding: Some("1.1.1x".to_owned()),
        ..CpeRange::default()
    };
    for (v, want) in [("1.1.0l", false), ("1.1.1", true), ("1.1.1t", true), ("1.1.1w", true), ("1.1.1x", false)] {
        assert_eq!(range.contains(Scheme::Generic, v), Ok(want), "{v}");
    }
    let range = CpeRange {
        start_excluding: Some("5.15".to_owned()),
        end_including: Some("5.15.0-91".to_owned()),
        ..CpeRange::default()
    };
    for (v, want) in [("5.15", false), ("5.15.0", false), ("5.15.0-1", true), ("5.15.0-91", true), ("5.15.1", false)] {
        assert_eq!(range.contains(Scheme::Generic, v), Ok(want), "{v}");
    }
    // Only an end: everything before it. No bound at all: everything.
    let range = CpeRange { end_excluding: Some("2022.83".to_owned()), ..CpeRange::default() };
    assert_eq!(range.contains(Scheme::Generic, "2020.81"), Ok(true));
    assert_eq!(range.contains(Scheme::Generic, "2022.83"), Ok(false));
    assert_eq!(CpeRange::default().contains(Scheme::Generic, "1"), Ok(true));
    // Errors name the unreadable version, whether it is the one tested or a bound.
    assert_eq!(range.contains(Scheme::Generic, "-").unwrap_err().version, "-");
    let range = CpeRange { start_including: Some("x".to_owned()), ..CpeRange::default() };
    assert_eq!(range.contains(Scheme::Semver, "1.0.0").unwrap_err().version, "x");
}
