//! The criteria catalog: every scheme's requirements as validated, versioned data.
//!
//! The catalog is loaded from TOML files (built in, or a folder given at run time), validated as a
//! whole, and then read-only. Everything else in tekigo points toward this crate; it knows nothing
//! of the CLI, HTTP or storage. Its only I/O is reading a criteria folder in [`source`].

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

pub mod gap;
pub mod load;
pub mod map;
pub mod model;
pub mod oscal;
pub mod recommend;
pub mod source;

pub use load::{LoadError, LoadErrors};
pub use model::*;
pub use source::SourceFile;
pub use tekigo_base::{Lang, Text};

/// The catalog built into this binary, from the repository's `criteria/` folder.
///
/// # Errors
/// Only if the built-in files are invalid, which the test suite rules out.
pub fn builtin() -> Result<Catalog, LoadErrors> {
    Catalog::load(&source::builtin_sources())
}
