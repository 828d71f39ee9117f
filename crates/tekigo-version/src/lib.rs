//! Version ordering per ecosystem, and evaluation of the version ranges that vulnerability data
//! uses (OSV `ranges`, NVD CPE match ranges), for matching SBOM components against advisories.
//!
//! Pure: no I/O, no global state. Every function returns a [`VersionError`] for a version it cannot
//! read and never panics on any input (property-tested).
//!
//! Each [`Scheme`] follows its ecosystem's own rules:
//!
//! | scheme | rules | implementation |
//! | --- | --- | --- |
//! | [`Scheme::Semver`], [`Scheme::Npm`] | SemVer 2.0 precedence (build metadata ignored) | `semver` crate |
//! | [`Scheme::Go`] | Go module versions: SemVer with or without `v`, pseudo-versions | `semver` crate |
//! | [`Scheme::PyPi`] | PEP 440 | `pep440_rs` crate |
//! | [`Scheme::Maven`] | Maven's `ComparableVersion` | [`maven`] module |
//! | [`Scheme::Debian`] | dpkg (`epoch:upstream-revision`, `~`) | [`debian`] module |
//! | [`Scheme::Alpine`] | apk-tools | [`alpine`] module |
//! | [`Scheme::Rpm`] | `rpmvercmp` on epoch, version, release | [`rpm`] module |
//! | [`Scheme::Generic`] | lenient, for firmware and anything else | [`generic`] module |

pub mod alpine;
pub mod debian;
pub mod generic;
mod go;
pub mod maven;
mod num;
mod pypi;
mod range;
pub mod rpm;
mod scheme;
mod semver_scheme;

use std::cmp::Ordering;
use std::fmt;

pub use range::{CpeRange, Event, osv_range_affects};
pub use scheme::Scheme;

/// A version string that its scheme cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version {version:?}: {message}")]
pub struct VersionError {
    /// The scheme the version was read with.
    pub scheme: Scheme,
    /// The version string as given.
    pub version: String,
    /// What is wrong with it.
    pub message: String,
}

impl VersionError {
    pub(crate) fn new(scheme: Scheme, version: &str, message: impl Into<String>) -> Self {
        Self { scheme, version: version.to_owned(), message: message.into() }
    }
}

/// Orders two versions of one scheme.
///
/// # Errors
/// If either version cannot be read with `scheme`.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = Version::parse(scheme, a)?;
    let b = Version::parse(scheme, b)?;
    Ok(a.cmp_same_scheme(&b))
}

/// Checks that `v` is a version `scheme` can read.
///
/// # Errors
/// The reason it cannot.
pub fn parse_check(scheme: Scheme, v: &str) -> Result<(), VersionError> {
    Version::parse(scheme, v).map(|_| ())
}

/// A version read once with its scheme, for comparing it many times.
///
/// Two versions compare only within one scheme: [`PartialOrd`] gives `None` across schemes, and
/// [`PartialEq`] is `false` there. Within a scheme, equality is the scheme's (`1.0` equals `1.0.0`
/// in PyPI and Maven), not the text's.
#[derive(Clone)]
pub struct Version {
    text: String,
    key: Key,
}

#[derive(Clone)]
enum Key {
    Semver(Scheme, semver::Version),
    PyPi(Box<pep440_rs::Version>),
    Maven(maven::MavenVersion),
    Debian(debian::DebianVersion),
    Alpine(alpine::AlpineVersion),
    Rpm(rpm::RpmVersion),
    Generic(generic::GenericVersion),
}

impl Version {
    /// Reads `text` as a version of `scheme`.
    ///
    /// # Errors
    /// If `scheme` cannot read it.
    pub fn parse(scheme: Scheme, text: &str) -> Result<Self, VersionError> {
        let key = match scheme {
            Scheme::Semver | Scheme::Npm => Key::Semver(scheme, semver_scheme::parse(scheme, text)?),
            Scheme::Go => Key::Semver(scheme, go::parse(text)?),
            Scheme::PyPi => Key::PyPi(Box::new(pypi::parse(text)?)),
            Scheme::Maven => Key::Maven(maven::MavenVersion::parse(text)?),
            Scheme::Debian => Key::Debian(debian::DebianVersion::parse(text)?),
            Scheme::Alpine => Key::Alpine(alpine::AlpineVersion::parse(text)?),
            Scheme::Rpm => Key::Rpm(rpm::RpmVersion::parse(text)?),
            Scheme::Generic => Key::Generic(generic::GenericVersion::parse(text)?),
        };
        Ok(Self { text: text.to_owned(), key })
    }

    /// The scheme this version was read with.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        match &self.key {
            Key::Semver(scheme, _) => *scheme,
            Key::PyPi(_) => Scheme::PyPi,
            Key::Maven(_) => Scheme::Maven,
            Key::Debian(_) => Scheme::Debian,
            Key::Alpine(_) => Scheme::Alpine,
            Key::Rpm(_) => Scheme::Rpm,
            Key::Generic(_) => Scheme::Generic,
        }
    }

    /// The text as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Orders two versions, or `None` if they are of different schemes.
    #[must_use]
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        (self.scheme() == other.scheme()).then(|| self.cmp_same_scheme(other))
    }

    fn cmp_same_scheme(&self, other: &Self) -> Ordering {
        match (&self.key, &other.key) {
            (Key::Semver(_, a), Key::Semver(_, b)) => a.cmp_precedence(b),
            (Key::PyPi(a), Key::PyPi(b)) => a.cmp(b),
            (Key::Maven(a), Key::Maven(b)) => a.cmp(b),
            (Key::Debian(a), Key::Debian(b)) => a.cmp(b),
            (Key::Alpine(a), Key::Alpine(b)) => a.cmp(b),
            (Key::Rpm(a), Key::Rpm(b)) => a.cmp(b),
            (Key::Generic(a), Key::Generic(b)) => a.cmp(b),
            // Different schemes: callers check first; order by scheme to stay total.
            _ => self.scheme().cmp(&other.scheme()),
        }
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({}, {:?})", self.scheme(), self.text)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.compare(other)
    }
}

#[cfg(test)]
mod tests {
    use super::{Scheme, Version};
    use std::cmp::Ordering;

    #[test]
    fn parsed_versions_compare_within_a_scheme_only() {
        let a = Version::parse(Scheme::PyPi, "1.0").unwrap();
        let b = Version::parse(Scheme::PyPi, "1.0.0").unwrap();
        let c = Version::parse(Scheme::Generic, "1.0").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.compare(&b), Some(Ordering::Equal));
        assert_eq!(a.compare(&c), None);
        assert!(a != c);
        assert_eq!((a.scheme(), a.as_str(), a.to_string()), (Scheme::PyPi, "1.0", "1.0".to_owned()));
        assert_eq!(format!("{c:?}"), "Version(generic, \"1.0\")");
    }
}
