//! PyPI: PEP 440, with the `pep440_rs` crate (epochs, pre-, post- and dev-releases, local versions).

use std::str::FromStr;

use crate::{Scheme, VersionError};

pub(crate) fn parse(text: &str) -> Result<pep440_rs::Version, VersionError> {
    pep440_rs::Version::from_str(text.trim()).map_err(|e| VersionError::new(Scheme::PyPi, text, e.to_string()))
}
