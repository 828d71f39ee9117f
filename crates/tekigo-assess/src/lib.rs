//! Self-assessment: an assessment folder (product facts, answers, evidence) and the results of
//! `tekigo probe` and `tekigo sbom check` become a verdict per requirement, and then a signed
//! self-declaration in JSON, OSCAL assessment results, the applicant's XLSX checklist and readable
//! HTML in Japanese and English.
//!
//! The verdict rules ([`evaluate`]) and the declaration format ([`declaration`]) do no I/O; the
//! assessment folder ([`folder`]) and key files ([`keys`]) are the only places that touch disk.

pub mod declaration;
pub mod render;

pub use declaration::Declaration;
