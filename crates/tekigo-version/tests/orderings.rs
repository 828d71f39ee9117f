//! Known orderings per scheme, from each ecosystem's documentation or reference implementation.

use std::cmp::Ordering;

use tekigo_version::{Scheme, compare, parse_check};

/// Every version in `chain` is older than every later one.
fn ascending(scheme: Scheme, chain: &[&str]) {
    for (i, a) in chain.iter().enumerate() {
        for b in &chain[i + 1..] {
            assert_eq!(compare(scheme, a, b), Ok(Ordering::Less), "{scheme}: {a} < {b}");
            assert_eq!(compare(scheme, b, a), Ok(Ordering::Greater), "{scheme}: {b} > {a}");
        }
    }
}

/// Every version in `group` equals every other.
fn equal(scheme: Scheme, group: &[&str]) {
    for a in group {
        for b in group {
            assert_eq!(compare(scheme, a, b), Ok(Ordering::Equal), "{scheme}: {a} = {b}");
        }
    }
}

fn invalid(scheme: Scheme, versions: &[&str]) {
    for v in versions {
        let err = parse_check(scheme, v).expect_err(&format!("{scheme}: {v:?} should be refused"));
        assert_eq!((err.scheme, err.version.as_str()), (scheme, *v));
        assert!(compare(scheme, v, "1.0.0").is_err());
    }
}

#[test]
fn semver_precedence_from_semver_org() {
    // SemVer 2.0 §11.
    ascending(
        Scheme::Semver,
        &[
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
            "10.0.0",
        ],
    );
    // Build metadata does not count; a leading v is tolerated.
    equal(Scheme::Semver, &["1.0.0", "1.0.0+20130313144700", "v1.0.0", "1.0.0+exp.sha.5114f85", " 1.0.0 "]);
    invalid(Scheme::Semver, &["", "1.2", "1", "abc", "01.2.3", "1.2.3-", "1.2.3.4", "=1.2.3"]);
}

#[test]
fn npm_is_semver_with_loose_prefixes() {
    ascending(Scheme::Npm, &["0.0.1", "0.1.0", "1.0.0-rc.1", "1.0.0", "1.2.10"]);
    equal(Scheme::Npm, &["1.2.3", "v1.2.3", "=1.2.3", "=v1.2.3", "1.2.3+build.1"]);
    invalid(Scheme::Npm, &["", "1.2", "latest"]);
}

#[test]
fn go_module_versions_and_pseudo_versions() {
    ascending(
        Scheme::Go,
        &[
            "v0.0.0-20190101000000-aaaaaaaaaaaa",
            "v0.0.0-20210101000000-abcdef123456",
            "v0.1.0",
            "v1.2.3-pre",
            "v1.2.3",
            // A pseudo-version based on v1.2.3 sorts after it and before v1.2.4.
            "v1.2.4-0.20210101000000-abcdef123456",
            "v1.2.4",
            "v2.0.0+incompatible",
            "v2.0.1",
        ],
    );
    // OSV's Go ecosystem spells versions without the v; +incompatible does not count.
    equal(Scheme::Go, &["v1.2.3", "1.2.3"]);
    equal(Scheme::Go, &["v2.0.0+incompatible", "2.0.0", "v2.0.0"]);
    // golang.org/x/mod/semver shorthands.
    equal(Scheme::Go, &["v1", "v1.0", "v1.0.0", "1"]);
    invalid(Scheme::Go, &["", "vx", "v1.2.3.4", "master", "v01.2.3"]);
}

#[test]
fn pypi_pep_440() {
    // The ordering example of PEP 440 ("Summary of permitted suffixes and relative ordering").
    ascending(
        Scheme::PyPi,
        &[
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ],
    );
    ascending(Scheme::PyPi, &["1.0.dev0", "1.0a1", "1.0", "1.0.post1", "1.1", "2.0", "1!0.1", "1!1.0"]);
    // Normalization: trailing zeros, spellings of pre-releases, a leading v, implicit numbers.
    equal(Scheme::PyPi, &["1.0", "1.0.0", "v1.0", "1"]);
    equal(Scheme::PyPi, &["1.0rc1", "1.0c1", "1.0-rc1", "1.0.rc.1", "1.0RC1"]);
    equal(Scheme::PyPi, &["1.0.post1", "1.0-1", "1.0post1", "1.0.rev1"]);
    equal(Scheme::PyPi, &["1.0a", "1.0a0", "1.0alpha0"]);
    invalid(Scheme::PyPi, &["", "foo", "1.0+", "1.0..1", "1.0-gamma"]);
}

#[test]
fn maven_comparable_version() {
    // Examples of the "Version Order Specification" of the POM reference.
    ascending(Scheme::Maven, &["1", "1.1"]);
    ascending(Scheme::Maven, &["1-snapshot", "1", "1-sp"]);
    ascending(Scheme::Maven, &["1-foo2", "1-foo10"]);
    ascending(Scheme::Maven, &["1-1", "1.1"]);
    equal(Scheme::Maven, &["1.foo", "1-foo"]);
    ascending(Scheme::Maven, &["1-foo", "1-1", "1.1"]);
    equal(Scheme::Maven, &["1.ga", "1-ga", "1-0", "1.0", "1", "1.0.0", "1.final", "1.RELEASE"]);
    ascending(Scheme::Maven, &["1-ga", "1-sp"]);
    ascending(Scheme::Maven, &["1-ga.1", "1-sp.1"]);
    equal(Scheme::Maven, &["1-a1", "1-alpha-1", "1-alpha1"]);
    equal(Scheme::Maven, &["1.0-rc1", "1.0-cr1", "1.0-RC1"]);
    ascending(
        Scheme::Maven,
        &[
            "1.0-alpha1",
            "1.0-alpha2",
            "1.0-beta1",
            "1.0-milestone1",
            "1.0-rc1",
            "1.0-SNAPSHOT",
            "1.0",
            "1.0-sp",
            "1.0-sp1",
            "1.0-whatever",
            "1.0-1",
            "1.0.1",
        ],
    );
    ascending(Scheme::Maven, &["1.0-alpha", "1.0", "1.0-sp1"]);
    // Maven's own TestComparableVersion, VERSIONS_QUALIFIER.
    ascending(
        Scheme::Maven,
        &[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ],
    );
    // ... and VERSIONS_NUMBER (Maven 3.9 order: a final ".a" counts as "-a").
    equal(Scheme::Maven, &["2.0.a", "2.0.0.a", "2-a"]);
    ascending(
        Scheme::Maven,
        &[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2",
            "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
        ],
    );
    invalid(Scheme::Maven, &["", "   "]);
    // Maven's own order has cycles on odd strings; kept faithful (see maven.rs).
    ascending(Scheme::Maven, &["0-alpha", "0"]);
    ascending(Scheme::Maven, &["0", "sp"]);
    ascending(Scheme::Maven, &["sp", "0-alpha"]);
}

#[test]
fn debian_dpkg() {
    // '~' sorts before everything, even the end; letters before other characters.
    ascending(
        Scheme::Debian,
        &["1.0~~", "1.0~~a", "1.0~", "1.0~rc1", "1.0~rc2", "1.0", "1.0a", "1.0+b1", "1.0.1", "1.0.10", "1.1"],
    );
    ascending(Scheme::Debian, &["1.0~rc1", "1.0"]);
    // Revisions, epochs.
    ascending(Scheme::Debian, &["1.0-1", "1.0-1ubuntu1", "1.0-2", "1.0-10", "1.1-1", "9.9", "1:0.1", "2:0.0.1"]);
    ascending(
        Scheme::Debian,
        &["7.74.0-1.3+deb11u7", "7.74.0-1.3+deb11u10", "7.88.1-10+deb12u5", "7.88.1-10+deb12u12"],
    );
    ascending(Scheme::Debian, &["2.36-9+deb12u3", "2.36-9+deb12u4"]);
    // An upstream version may contain '-' when there is a revision.
    ascending(Scheme::Debian, &["1.2-3-1", "1.2-4-1", "1.2.0-1"]);
    equal(Scheme::Debian, &["1.0", "0:1.0", "1.0-0", "01.00", "00:1.0"]);
    invalid(Scheme::Debian, &["", "a:1.0", ":1.0", "1.0-", "1.0_1", "1.0 beta", "1.0-1:2"]);
}

#[test]
fn alpine_apk() {
    // Suffix ranks, then tokens: an earlier token of the grammar makes a newer version.
    ascending(
        Scheme::Alpine,
        &[
            "1.2.3_alpha",
            "1.2.3_alpha2",
            "1.2.3_beta1",
            "1.2.3_pre2",
            "1.2.3_rc1",
            "1.2.3",
            "1.2.3-r1",
            "1.2.3-r10",
            "1.2.3_cvs1",
            "1.2.3_svn1",
            "1.2.3_git20240101",
            "1.2.3_hg1",
            "1.2.3_p1",
            "1.2.3_p2-r1",
            "1.2.3_p10",
            "1.2.3a",
            "1.2.3b",
            "1.2.3.1",
            "1.2.4",
            "1.10",
        ],
    );
    // The brief's guess "1.2.3_p1 < 1.2.3-r1" is not apk's rule: _p is a newer upstream release.
    ascending(Scheme::Alpine, &["1.2.3_rc1", "1.2.3", "1.2.3-r1", "1.2.3_p1"]);
    ascending(Scheme::Alpine, &["3.0.12-r0", "3.0.12-r1", "3.0.13-r0", "3.1.4-r5", "3.3.1-r0"]);
    ascending(Scheme::Alpine, &["0.1.0_alpha", "2.34"]);
    // A component with a leading zero compares as a string (as in Gentoo): 1.01 < 1.1, 1.02 < 1.1.
    ascending(Scheme::Alpine, &["1.001", "1.01", "1.02", "1.1", "1.2", "1.10"]);
    equal(Scheme::Alpine, &["1.2.3", " 1.2.3 "]);
    // Any revision, even -r0, is newer than none (apk version -t 1.2.3 1.2.3-r0 gives <).
    ascending(Scheme::Alpine, &["1.2.3", "1.2.3-r0", "1.2.3-r1"]);
    ascending(Scheme::Alpine, &["1.0~abc", "1.0~abd", "1.0~abd-r1"]);
    invalid(
        Scheme::Alpine,
        &["", "a1.0", "1.0-1", "1.0_foo", "1.0A", "1.0a1", "1.0_rc1.2", "1.0-r", "1.0.", "1.0-r1_p1", "1..0", "1.0~"],
    );
}

#[test]
fn rpm_rpmvercmp() {
    // Cases of rpm's own rpmvercmp test suite.
    ascending(Scheme::Rpm, &["1.0", "2.0"]);
    ascending(Scheme::Rpm, &["2.0", "2.0.1", "2.0.1a"]);
    ascending(Scheme::Rpm, &["5.5p1", "5.5p2", "5.5p10"]);
    ascending(Scheme::Rpm, &["10xyz", "10.1xyz"]);
    ascending(Scheme::Rpm, &["xyz10", "xyz10.1"]);
    ascending(Scheme::Rpm, &["xyz.4", "8"]);
    ascending(Scheme::Rpm, &["2_0", "2_0.1"]);
    ascending(Scheme::Rpm, &["a", "b"]);
    ascending(Scheme::Rpm, &["1.0~rc1~git123", "1.0~rc1", "1.0~rc2", "1.0", "1.0^", "1.0^git1", "1.0^git2", "1.01"]);
    ascending(Scheme::Rpm, &["1.0~rc1", "1.0"]);
    ascending(Scheme::Rpm, &["1.0^20160101", "1.0^20160101^git1", "1.0.1"]);
    equal(Scheme::Rpm, &["2.0", "2_0", "2.0.", "2..0", "02.0"]);
    equal(Scheme::Rpm, &["3.0.0_fc", "3.0.0.fc"]);
    // Epoch, version, release.
    ascending(
        Scheme::Rpm,
        &["1.0", "1.0-1.el9", "1.0-2.el9", "1.0-10.el9", "1.1-1.el9", "9.9-9", "1:0.1-1", "2:0.0.1-1"],
    );
    ascending(Scheme::Rpm, &["2.5.0-4.el9_2", "2.5.0-4.el9_2.1", "2.5.0-4.el9_3"]);
    equal(Scheme::Rpm, &["0:1.2.3-4.el9", "1.2.3-4.el9", "00:1.2.3-4.el9"]);
    invalid(Scheme::Rpm, &["", "a:1.0", ":1.0", "1.0-", "-1"]);
}

#[test]
fn generic_firmware_versions() {
    // OpenSSL letter releases.
    ascending(
        Scheme::Generic,
        &["0.9.8", "0.9.8a", "0.9.8z", "0.9.8za", "0.9.8zh", "1.0.0", "1.1.1", "1.1.1a", "1.1.1t", "1.1.1w", "3.0.0"],
    );
    ascending(Scheme::Generic, &["1.1.1t", "1.1.1w", "3.0.0"]);
    // BusyBox, Linux, Dropbear, U-Boot.
    ascending(Scheme::Generic, &["1.35.0", "1.36.0", "1.36.1", "1.37.0"]);
    ascending(Scheme::Generic, &["5.10.0", "5.15-rc1", "5.15", "5.15.0-91", "5.15.0-101", "5.15.1", "5.15.10", "6.1"]);
    ascending(Scheme::Generic, &["2020.81", "2022.82", "2022.83", "2024.84"]);
    ascending(Scheme::Generic, &["2023.01-rc1", "2023.01", "2023.04"]);
    // Pre-release words, in rank, and '~'.
    ascending(
        Scheme::Generic,
        &["2.0.0~foo", "2.0.0-dev", "2.0.0-alpha1", "2.0.0-beta", "2.0.0-rc1", "2.0.0-rc2", "2.0.0", "2.0.0-p1"],
    );
    equal(Scheme::Generic, &["1.0", "1.0.0", "v1.0", "V1", "1"]);
    equal(Scheme::Generic, &["1.0-rc1", "1.0.0-RC1", "1.0.0.rc.1"]);
    equal(Scheme::Generic, &["1.1.1W", "1.1.1w", "1_1_1w"]);
    invalid(Scheme::Generic, &["", " ", "-", "*", "~", "日本"]);
}
