//! Go module versions: SemVer with a `v` (which OSV's Go ecosystem leaves out, so both are read).
//!
//! Pseudo-versions (`v0.0.0-20210101000000-abcdef123456`, `v1.2.4-0.2021…`) are SemVer pre-releases
//! and order as Go orders them; `+incompatible` is build metadata and does not count. Like
//! `golang.org/x/mod/semver`, the shorthands `v1` and `v1.2` mean `v1.0.0` and `v1.2.0`.

use crate::{Scheme, VersionError};

pub(crate) fn parse(text: &str) -> Result<semver::Version, VersionError> {
    let trimmed = text.trim();
    let v = trimmed.strip_prefix('v').unwrap_or(trimmed);
    let err = |message: String| VersionError::new(Scheme::Go, text, message);
    // Shorthand: only digits and at most one dot, nothing after.
    let core_end = v.find(['-', '+']).unwrap_or(v.len());
    let (core, rest) = v.split_at(core_end);
    let dots = core.matches('.').count();
    let padded;
    let v = if dots < 2 && rest.is_empty() && core.split('.').all(crate::num::is_digits) {
        padded = format!("{core}{}", if dots == 0 { ".0.0" } else { ".0" });
        padded.as_str()
    } else {
        v
    };
    semver::Version::parse(v).map_err(|e| err(e.to_string()))
}
