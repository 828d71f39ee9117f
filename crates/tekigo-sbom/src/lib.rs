//! SBOM reading: CycloneDX, SPDX 2 and SPDX 3 documents read into one normalized component model.
//!
//! [`read`] detects the format by content (never by file name) and returns an [`Sbom`]: the
//! components, the dependency edges between them and the [`Diagnostic`]s for what was skipped.
//! Reading is lenient: unknown fields are ignored and a component that cannot be used (no name,
//! a field of the wrong type) is skipped with a diagnostic. Only a file that is not well-formed,
//! or is no SBOM at all, is an [`SbomError`], with the line and column where it broke.
//!
//! | format | versions | detected by |
//! | --- | --- | --- |
//! | CycloneDX JSON | 1.2–1.6 | `"bomFormat": "CycloneDX"` |
//! | CycloneDX XML | 1.2–1.6 | root element `bom` (namespace `http://cyclonedx.org/schema/bom/1.x`) |
//! | SPDX JSON | 2.2, 2.3 | `"spdxVersion"` |
//! | SPDX tag-value | 2.2, 2.3 | an `SPDXVersion:` line |
//! | SPDX 3 JSON-LD | 3.0 | an `@context` or `@graph` naming `spdx.org/rdf/3` / `software_Package` |
//!
//! Normalization, the same for every format:
//! - **Components.** CycloneDX: every entry of `components`, nested ones included, and
//!   `metadata.component` (the product the SBOM describes) as the *first* component, so that the
//!   product's own CPE or purl can be matched and dependency edges from it resolve. SPDX 2: every
//!   package (files and snippets are not components). SPDX 3: every `software_Package` element.
//! - **Ids** are the `bom-ref` / `SPDXID` / `spdxId`. A component without one gets an id made from
//!   its purl, else `name@version`; an id already taken gets a `#2`, `#3`… suffix (with a
//!   diagnostic when the document itself repeated it). Ids are unique within one [`Sbom`].
//! - **Dependencies** are edges "`from` needs or includes `to`": CycloneDX `dependencies`
//!   (`dependsOn`, and `provides`), a nested component (parent → child); SPDX `DEPENDS_ON`,
//!   `CONTAINS`, link and prerequisite relationships, with the `…_OF` / `CONTAINED_BY` forms turned
//!   around. Edges to files or the document are dropped; edges to unknown ids are dropped with a
//!   diagnostic; duplicates are removed.
//! - **CPEs** are CPE 2.3 formatted strings; CPE 2.2 URIs (`cpe:/a:…`) are converted.
//! - **Hashes**: algorithm names as CycloneDX spells them (`SHA-256`, `SHA3-512`, `BLAKE2b-256`,
//!   `MD5`), values in lower case.
//! - **Supplier**: CycloneDX `supplier.name`, else `manufacturer.name`, `publisher`, `author`,
//!   `authors[0].name`; SPDX 2 `PackageSupplier` without its `Organization:` / `Person:` prefix and
//!   e-mail; SPDX 3 the name of the `suppliedBy` agent. `NOASSERTION` and `NONE` are absent.
//! - **Kind**: CycloneDX `type`, SPDX `primaryPackagePurpose` / `software_primaryPurpose`, in
//!   lower-case kebab case (`library`, `firmware`, `operating-system`, `device`, `application`).
//!
//! The crate is pure: its only I/O is [`read_file`].

mod cpe;
mod cyclonedx;
mod model;
mod position;
mod spdx2;
mod spdx3;
mod tagvalue;
mod xml;

use std::fmt;
use std::path::Path;

use serde::Serialize;

pub use cpe::to_cpe23;

/// The largest file [`read_file`] accepts: 256 MiB.
pub const MAX_SBOM_BYTES: u64 = 256 * 1024 * 1024;

/// The deepest nesting [`read`] follows: XML elements inside each other, or JSON arrays and
/// objects (serde_json's own limit: it refuses the 128th level). Real SBOMs nest a few levels;
/// without a limit a hostile file nests until the reader's stack overflows and the process
/// aborts.
pub const MAX_DEPTH: usize = 127;

/// One SBOM, read and normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sbom {
    pub format: SbomFormat,
    /// CycloneDX: the name of `metadata.component`; SPDX: the document name.
    pub name: Option<String>,
    pub components: Vec<Component>,
    pub dependencies: Vec<Dependency>,
    /// What was skipped or looked wrong; none of it stopped the reading.
    pub diagnostics: Vec<Diagnostic>,
}

/// The format a document was written in, with the version it declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum SbomFormat {
    #[serde(rename = "cyclonedx-json")]
    CycloneDxJson { spec_version: String },
    #[serde(rename = "cyclonedx-xml")]
    CycloneDxXml { spec_version: String },
    #[serde(rename = "spdx-json")]
    SpdxJson { version: String },
    #[serde(rename = "spdx-tag-value")]
    SpdxTagValue { version: String },
    #[serde(rename = "spdx3-json-ld")]
    Spdx3JsonLd,
}

impl fmt::Display for SbomFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CycloneDxJson { spec_version } => write!(f, "CycloneDX {spec_version} JSON"),
            Self::CycloneDxXml { spec_version } => write!(f, "CycloneDX {spec_version} XML"),
            Self::SpdxJson { version } => write!(f, "{version} JSON"),
            Self::SpdxTagValue { version } => write!(f, "{version} tag-value"),
            Self::Spdx3JsonLd => write!(f, "SPDX 3 JSON-LD"),
        }
    }
}

/// One component: a package, library, firmware image, operating system or device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// `bom-ref` / `SPDXID` / `spdxId`, or one made up (see the crate docs); unique in the SBOM.
    pub id: String,
    pub name: String,
    pub version: Option<String>,
    pub supplier: Option<String>,
    pub purl: Option<String>,
    /// CPE 2.3 formatted strings (`cpe:2.3:a:vendor:product:…`).
    pub cpes: Vec<String>,
    pub hashes: Vec<Hash>,
    /// `library`, `firmware`, `operating-system`, `device`, `application`…
    pub kind: Option<String>,
}

/// A checksum of a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hash {
    /// As CycloneDX spells it: `SHA-256`, `SHA-1`, `MD5`, `SHA3-256`, `BLAKE2b-256`…
    pub algorithm: String,
    /// Lower-case hex.
    pub value: String,
}

/// `from` needs or includes `to`; both are [`Component::id`]s of the same SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Dependency {
    pub from: String,
    pub to: String,
}

/// Something skipped or suspicious in an SBOM that was read anyway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub message: String,
    /// Where it is, when the reader knows (XML and tag-value; JSON messages name the JSON path).
    pub position: Option<Position>,
}

/// A place in a file: 1-based line and column (the column counts characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A document that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{origin}{}: {message}", position_suffix(.position))]
pub struct SbomError {
    /// The file name, or whatever the caller passed as `origin`.
    pub origin: String,
    pub position: Option<Position>,
    pub message: String,
}

fn position_suffix(position: &Option<Position>) -> String {
    position.map(|p| format!(":{}:{}", p.line, p.column)).unwrap_or_default()
}

impl SbomError {
    fn new(origin: &str, position: Option<Position>, message: impl Into<String>) -> Self {
        Self { origin: origin.to_owned(), position, message: message.into() }
    }
}

/// Reads one SBOM from its bytes, detecting the format by content.
///
/// `origin` names the source (usually the file name) in errors.
///
/// # Errors
/// When the bytes are no well-formed JSON, XML or tag-value document, or none of the formats
/// this crate reads, or pass [`MAX_SBOM_BYTES`] or [`MAX_DEPTH`].
pub fn read(bytes: &[u8], origin: &str) -> Result<Sbom, SbomError> {
    if bytes.len() as u64 > MAX_SBOM_BYTES {
        return Err(SbomError::new(
            origin,
            None,
            format!(
                "the document is {} bytes, over the {} MiB limit for SBOMs",
                bytes.len(),
                MAX_SBOM_BYTES / (1024 * 1024)
            ),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(SbomError::new(origin, None, "the file is empty"));
    };
    match bytes[first] {
        b'{' | b'[' => read_json(bytes, origin),
        b'<' => cyclonedx::read_xml_document(bytes, origin),
        _ => tagvalue::read(bytes, origin),
    }
}

/// Reads one SBOM file. Files over [`MAX_SBOM_BYTES`] are refused before they are read.
///
/// # Errors
/// When the file cannot be read, is too large, or [`read`] fails on it.
pub fn read_file(path: &Path) -> Result<Sbom, SbomError> {
    let origin = path.display().to_string();
    let io_error = |e: std::io::Error| SbomError::new(&origin, None, format!("cannot read: {e}"));
    let too_large = |size: u64| {
        SbomError::new(
            &origin,
            None,
            format!("the file is {size} bytes, over the {} MiB limit for SBOMs", MAX_SBOM_BYTES / (1024 * 1024)),
        )
    };
    // The file a person names may be a link (to the newest build's SBOM); a FIFO or a device is
    // refused at once instead of blocking or reading forever.
    let bytes =
        tekigo_input::read_regular(path, MAX_SBOM_BYTES, tekigo_input::Links::Follow).map_err(|error| match error {
            tekigo_input::InputError::TooLarge { size, .. } => too_large(size),
            tekigo_input::InputError::Io { error, .. } => io_error(error),
            not_regular => SbomError::new(&origin, None, format!("cannot read: {not_regular}")),
        })?;
    read(&bytes, &origin)
}

fn read_json(bytes: &[u8], origin: &str) -> Result<Sbom, SbomError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let position = (e.line() > 0).then(|| position::from_line_and_byte_column(bytes, e.line(), e.column()));
        // serde_json appends " at line L column C"; the position says it already.
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(at) => message[..at].to_owned(),
            None => message,
        };
        let message = if message == "recursion limit exceeded" {
            format!("arrays and objects nest deeper than {MAX_DEPTH} levels, the limit for SBOMs")
        } else {
            message
        };
        SbomError::new(origin, position, format!("invalid JSON: {message}"))
    })?;
    let Some(object) = value.as_object() else {
        return Err(SbomError::new(origin, None, "not an SBOM: the JSON document is not an object"));
    };
    if object.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
        Ok(cyclonedx::read_json(object))
    } else if object.contains_key("spdxVersion") {
        Ok(spdx2::read_json(object))
    } else if spdx3::is_spdx3(object) {
        Ok(spdx3::read(object))
    } else {
        Err(SbomError::new(
            origin,
            None,
            "not an SBOM: a JSON document needs `\"bomFormat\": \"CycloneDX\"` (CycloneDX), \
             `spdxVersion` (SPDX 2) or an SPDX 3 `@context`",
        ))
    }
}
