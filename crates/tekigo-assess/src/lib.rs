//! Self-assessment: an assessment folder (product facts, answers, evidence) and the results of
//! `tekigo probe` and `tekigo sbom check` become a verdict per requirement, and then a signed
//! self-declaration in JSON, OSCAL assessment results, the applicant's XLSX checklist and readable
//! HTML in Japanese and English.
//!
//! The verdict rules ([`evaluate`]), the declaration format ([`declaration`]) and its checks
//! ([`verify`]) do no I/O; the assessment folder ([`folder`]) and key files ([`keys`]) are the
//! only places that touch disk.

pub mod automated;
pub mod declaration;
pub mod evaluate;
pub mod keys;
pub mod sign;
pub mod verify;

pub use declaration::Declaration;
