use std::fmt;

/// A family of version-ordering rules.
///
/// Ecosystems without rules of their own here map to the closest one (see
/// [`Scheme::from_osv_ecosystem`]); anything unknown is [`Scheme::Generic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// SemVer 2.0 (crates.io, Hex, Pub, SwiftURL); a leading `v` is tolerated.
    Semver,
    /// Go module versions, with or without the leading `v`.
    Go,
    /// npm: SemVer, tolerating a leading `v` or `=`.
    Npm,
    /// PyPI: PEP 440.
    PyPi,
    /// Maven: `ComparableVersion`.
    Maven,
    /// Debian and Ubuntu: dpkg.
    Debian,
    /// Alpine, Wolfi, Chainguard: apk.
    Alpine,
    /// Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE and other RPM distributions.
    Rpm,
    /// Anything else, firmware included: lenient numeric and alphabetic runs.
    Generic,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 9] = [
        Scheme::Semver,
        Scheme::Go,
        Scheme::Npm,
        Scheme::PyPi,
        Scheme::Maven,
        Scheme::Debian,
        Scheme::Alpine,
        Scheme::Rpm,
        Scheme::Generic,
    ];

    /// The scheme for an OSV `affected[].package.ecosystem` value.
    ///
    /// The part after the first `:` (a release, as in `Debian:12` or `Alpine:v3.18`) does not change
    /// the rules. Matching is case-insensitive. RubyGems, Packagist and NuGet have rules of their own
    /// that no scheme here implements; they get [`Scheme::Generic`], whose pre-release words (`alpha`,
    /// `beta`, `rc`, …) cover their common versions.
    #[must_use]
    pub fn from_osv_ecosystem(name: &str) -> Scheme {
        let base = name.split_once(':').map_or(name, |(base, _)| base).trim().to_ascii_lowercase();
        match base.as_str() {
            "go" => Scheme::Go,
            "npm" => Scheme::Npm,
            "pypi" => Scheme::PyPi,
            "maven" => Scheme::Maven,
            "crates.io" | "hex" | "pub" | "swifturl" => Scheme::Semver,
            "debian" | "ubuntu" => Scheme::Debian,
            "alpine" | "wolfi" | "chainguard" | "alpaquita" | "bellsoft hardened containers" => Scheme::Alpine,
            "red hat" | "rocky linux" | "almalinux" | "suse" | "opensuse" | "mageia" | "openeuler" | "photon os"
            | "azure linux" | "openanolis" => Scheme::Rpm,
            _ => Scheme::Generic,
        }
    }

    /// The scheme for a package URL (purl) type, as in `pkg:TYPE/...`. Case-insensitive.
    #[must_use]
    pub fn from_purl_type(ty: &str) -> Scheme {
        match ty.trim().to_ascii_lowercase().as_str() {
            "golang" => Scheme::Go,
            "npm" => Scheme::Npm,
            "pypi" => Scheme::PyPi,
            "maven" => Scheme::Maven,
            "deb" => Scheme::Debian,
            "apk" => Scheme::Alpine,
            "rpm" => Scheme::Rpm,
            "cargo" | "hex" | "pub" | "swift" => Scheme::Semver,
            _ => Scheme::Generic,
        }
    }

    /// The scheme's short name, as shown in errors.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Semver => "semver",
            Scheme::Go => "go",
            Scheme::Npm => "npm",
            Scheme::PyPi => "pypi",
            Scheme::Maven => "maven",
            Scheme::Debian => "debian",
            Scheme::Alpine => "alpine",
            Scheme::Rpm => "rpm",
            Scheme::Generic => "generic",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Scheme;

    #[test]
    fn osv_ecosystems() {
        for (name, scheme) in [
            ("Go", Scheme::Go),
            ("npm", Scheme::Npm),
            ("PyPI", Scheme::PyPi),
            ("Maven", Scheme::Maven),
            ("Debian:12", Scheme::Debian),
            ("Ubuntu:22.04:LTS", Scheme::Debian),
            ("Alpine:v3.18", Scheme::Alpine),
            ("Wolfi", Scheme::Alpine),
            ("Red Hat", Scheme::Rpm),
            ("Red Hat:enterprise_linux:9::appstream", Scheme::Rpm),
            ("Rocky Linux:9", Scheme::Rpm),
            ("AlmaLinux:8", Scheme::Rpm),
            ("SUSE:Linux Enterprise Server 15 SP5", Scheme::Rpm),
            ("openSUSE:Leap 15.5", Scheme::Rpm),
            ("crates.io", Scheme::Semver),
            ("Hex", Scheme::Semver),
            ("Pub", Scheme::Semver),
            ("Packagist", Scheme::Generic),
            ("RubyGems", Scheme::Generic),
            ("NuGet", Scheme::Generic),
            ("OSS-Fuzz", Scheme::Generic),
            ("", Scheme::Generic),
            ("no such ecosystem", Scheme::Generic),
        ] {
            assert_eq!(Scheme::from_osv_ecosystem(name), scheme, "{name}");
        }
    }

    #[test]
    fn purl_types() {
        for (ty, scheme) in [
            ("golang", Scheme::Go),
            ("npm", Scheme::Npm),
            ("pypi", Scheme::PyPi),
            ("maven", Scheme::Maven),
            ("deb", Scheme::Debian),
            ("apk", Scheme::Alpine),
            ("APK", Scheme::Alpine),
            ("alpm", Scheme::Generic),
            ("rpm", Scheme::Rpm),
            ("cargo", Scheme::Semver),
            ("generic", Scheme::Generic),
            ("gem", Scheme::Generic),
            ("", Scheme::Generic),
        ] {
            assert_eq!(Scheme::from_purl_type(ty), scheme, "{ty}");
        }
    }
}
