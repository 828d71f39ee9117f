//! SemVer and npm: the `semver` crate, compared by SemVer 2.0 precedence (build metadata ignored).

use crate::{Scheme, VersionError};

/// Reads a SemVer version, tolerating surrounding spaces and a leading `v` (npm also `=`).
pub(crate) fn parse(scheme: Scheme, text: &str) -> Result<semver::Version, VersionError> {
    let mut v = text.trim();
    if scheme == Scheme::Npm {
        v = v.strip_prefix('=').unwrap_or(v).trim_start();
    }
    v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    semver::Version::parse(v).map_err(|e| VersionError::new(scheme, text, e.to_string()))
}
