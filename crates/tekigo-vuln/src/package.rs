//! Package identity across vulnerability sources and SBOMs: one key per package, built from a
//! package URL or from an OSV ecosystem and name, normalised the way each ecosystem compares names.

use std::str::FromStr;

use packageurl::PackageUrl;

/// A package as the database indexes it: `{purl type}/{full name}` (`golang/golang.org/x/net`,
/// `npm/@babel/core`, `pypi/requests`, `maven/org.apache.logging.log4j:log4j-core`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageKey(pub String);

/// An SBOM component's package URL, read for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurlPackage {
    pub key: PackageKey,
    pub purl_type: String,
    pub version: Option<String>,
    /// `distro` qualifier of deb/rpm/apk purls (`debian-12`), to prefer the right release.
    pub distro: Option<String>,
}

/// The purl type an OSV ecosystem corresponds to; None for ecosystems we cannot key (e.g. GIT-only).
pub fn purl_type_of_osv_ecosystem(ecosystem: &str) -> Option<&'static str> {
    let family = ecosystem.split(':').next().unwrap_or(ecosystem);
    Some(match family {
        "Go" => "golang",
        "npm" => "npm",
        "PyPI" => "pypi",
        "Maven" => "maven",
        "crates.io" => "cargo",
        "Packagist" => "composer",
        "RubyGems" => "gem",
        "NuGet" => "nuget",
        "Hex" => "hex",
        "Pub" => "pub",
        "SwiftURL" => "swift",
        "CRAN" => "cran",
        "Hackage" => "hackage",
        "GitHub Actions" => "github",
        "ConanCenter" => "conan",
        "Debian" | "Ubuntu" => "deb",
        "Alpine" | "Chainguard" | "Wolfi" => "apk",
        "Red Hat" | "Rocky Linux" | "AlmaLinux" | "SUSE" | "openSUSE" | "Mageia" | "openEuler" => "rpm",
        _ => return None,
    })
}

/// The OSV ecosystem whose advisories cover a package URL (the inverse of
/// [`purl_type_of_osv_ecosystem`]); distribution packages are told apart by the purl's namespace.
/// None for purl types OSV has no ecosystem for.
pub fn osv_ecosystem_of_purl(purl: &str) -> Option<&'static str> {
    let parsed = PackageUrl::from_str(purl).ok()?;
    let namespace = parsed.namespace().unwrap_or_default().to_lowercase();
    Some(match (parsed.ty().to_lowercase().as_str(), namespace.as_str()) {
        ("golang", _) => "Go",
        ("npm", _) => "npm",
        ("pypi", _) => "PyPI",
        ("maven", _) => "Maven",
        ("cargo", _) => "crates.io",
        ("composer", _) => "Packagist",
        ("gem", _) => "RubyGems",
        ("nuget", _) => "NuGet",
        ("hex", _) => "Hex",
        ("pub", _) => "Pub",
        ("swift", _) => "SwiftURL",
        ("cran", _) => "CRAN",
        ("hackage", _) => "Hackage",
        ("github", _) => "GitHub Actions",
        ("conan", _) => "ConanCenter",
        ("deb", "ubuntu") => "Ubuntu",
        ("deb", _) => "Debian",
        ("apk", "wolfi") => "Wolfi",
        ("apk", "chainguard") => "Chainguard",
        ("apk", _) => "Alpine",
        ("rpm", "rocky" | "rocky-linux") => "Rocky Linux",
        ("rpm", "almalinux") => "AlmaLinux",
        ("rpm", "opensuse") => "openSUSE",
        ("rpm", "suse" | "sles") => "SUSE",
        ("rpm", "mageia") => "Mageia",
        ("rpm", "openeuler") => "openEuler",
        ("rpm", "redhat" | "rhel") => "Red Hat",
        _ => return None,
    })
}

/// Names compared the way the ecosystem compares them.
fn normalise_name(purl_type: &str, name: &str) -> String {
    match purl_type {
        // PEP 503: runs of -, _ and . are one separator; case-insensitive.
        "pypi" => {
            let mut out = String::with_capacity(name.len());
            let mut last_separator = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !last_separator {
                        out.push('-');
                    }
                    last_separator = true;
                } else {
                    out.extend(c.to_lowercase());
                    last_separator = false;
                }
            }
            out
        }
        "nuget" | "composer" | "deb" | "apk" | "generic" => name.to_lowercase(),
        _ => name.to_owned(),
    }
}

pub fn key_from_osv(ecosystem: &str, name: &str) -> Option<PackageKey> {
    let purl_type = purl_type_of_osv_ecosystem(ecosystem)?;
    Some(PackageKey(format!("{purl_type}/{}", normalise_name(purl_type, name))))
}

/// Reads a package URL. Returns None when it does not parse.
pub fn parse_purl(purl: &str) -> Option<PurlPackage> {
    let parsed = PackageUrl::from_str(purl).ok()?;
    let purl_type = parsed.ty().to_lowercase();
    let name = parsed.name();
    let namespace = parsed.namespace().filter(|n| !n.is_empty());
    let full = match (purl_type.as_str(), namespace) {
        ("maven", Some(group)) => format!("{group}:{name}"),
        // The namespace of distro packages is the distribution, not part of the name.
        ("deb" | "apk" | "rpm", _) => name.to_owned(),
        (_, Some(namespace)) => format!("{namespace}/{name}"),
        (_, None) => name.to_owned(),
    };
    let distro = parsed.qualifiers().get("distro").map(|d| d.to_string());
    Some(PurlPackage {
        key: PackageKey(format!("{purl_type}/{}", normalise_name(&purl_type, &full))),
        version: parsed.version().map(ToOwned::to_owned),
        purl_type,
        distro,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_and_purl_give_the_same_key() {
        let pairs = [
            (("Go", "golang.org/x/net"), "pkg:golang/golang.org/x/net@v0.1.0"),
            (("npm", "@babel/core"), "pkg:npm/%40babel/core@7.0.0"),
            (("PyPI", "Django_REST.framework"), "pkg:pypi/django-rest-framework@3.0"),
            (("Maven", "org.apache.logging.log4j:log4j-core"), "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"),
            (("crates.io", "hyper"), "pkg:cargo/hyper@0.14.0"),
            (("Debian:12", "openssl"), "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12"),
            (("Alpine:v3.18", "busybox"), "pkg:apk/alpine/busybox@1.36.1-r2"),
        ];
        for ((ecosystem, name), purl) in pairs {
            let from_osv = key_from_osv(ecosystem, name).unwrap();
            let from_purl = parse_purl(purl).unwrap_or_else(|| panic!("{purl} parses"));
            assert_eq!(from_osv, from_purl.key, "{ecosystem}/{name} vs {purl}");
        }
    }

    #[test]
    fn purls_name_their_osv_ecosystem() {
        for (purl, ecosystem) in [
            ("pkg:golang/golang.org/x/net@v0.1.0", Some("Go")),
            ("pkg:pypi/requests@2.0", Some("PyPI")),
            ("pkg:deb/ubuntu/openssl@3.0", Some("Ubuntu")),
            ("pkg:deb/debian/openssl@3.0", Some("Debian")),
            ("pkg:apk/alpine/busybox@1.36", Some("Alpine")),
            ("pkg:generic/busybox@1.36", None),
        ] {
            assert_eq!(osv_ecosystem_of_purl(purl), ecosystem, "{purl}");
            if let Some(ecosystem) = ecosystem {
                let purl_type = parse_purl(purl).unwrap().purl_type;
                assert_eq!(purl_type_of_osv_ecosystem(ecosystem), Some(purl_type.as_str()), "{purl}");
            }
        }
    }

    #[test]
    fn purl_versions_and_distro_are_read() {
        let purl = parse_purl("pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12").unwrap();
        assert_eq!(purl.version.as_deref(), Some("3.0.11-1~deb12u2"));
        assert_eq!(purl.distro.as_deref(), Some("debian-12"));
        assert!(parse_purl("not a purl").is_none());
    }
}
