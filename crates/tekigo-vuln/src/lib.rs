//! Known vulnerabilities: an offline database built from OSV, NVD, CISA KEV, EPSS and CSAF;
//! matching of SBOM components against it; the level rule of SCHEME §2; VEX.

pub mod cpe;
pub mod db;
pub mod import;
pub mod package;
pub mod severity;

pub use db::{DbError, FetchState, StagedDb, Stats, VulnDb};
pub use import::{ImportError, ImportSummary, Progress, SkippedFile, import_into, import_paths};
pub mod check;
pub mod policy;
pub mod provenance;
pub mod vex;

pub use check::{CheckRequest, Outcome, Report, Verdict};
pub use policy::Policy;
