//! CSAF 2.0 advisories about vulnerabilities in labelled products, and the checks a consumer runs.
//!
//! The certification body shares vulnerability reports on labelled products with JVN (SCHEME §7).
//! The registry hands [`build`] plain data about one vulnerability and the labelled products it
//! touches; `build` returns a CSAF 2.0 document of the `csaf_vex` profile (OASIS CSAF 2.0, §4.5),
//! listing affected and not-affected products alike. [`validate_schema`] checks any CSAF 2.0
//! document against the official JSON schema (and the FIRST CVSS schemas it references, embedded
//! here), and [`mandatory_tests`] runs the standard's mandatory tests (§6.1) that apply to what
//! tekigo can emit. The crate does no I/O.
//!
//! **Invariant:** every document `build` returns passes both [`validate_schema`] and
//! [`mandatory_tests`] (property-tested); input that could not give such a document is a
//! [`BuildError`] naming the field, never a silently repaired document.

mod build;
mod lang;
mod mandatory;
mod model;
mod schema;

use std::fmt;

pub use build::{BuildError, build};
pub use mandatory::{NOT_IMPLEMENTED, mandatory_tests};
pub use model::{
    Advisory, AffectedProduct, Cvss3, DocumentStatus, Kev, ProductStatus, Publisher, Revision, VexJustification,
    Vulnerability,
};
pub use schema::validate_schema;

/// One failed check: which test (a section number of CSAF 2.0 such as `"6.1.1"`, or `"schema"`),
/// where in the document (a JSON pointer) and what is wrong there.
///
/// Displayed as `6.1.1 missing definition of product id: /vulnerabilities/0/product_status/known_affected/0 "CSAFPID-0009"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub test: &'static str,
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {} {}", self.test, mandatory::title(self.test), self.path, self.message)
    }
}
